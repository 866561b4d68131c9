//! Validated values: once one exists it is valid.

/// Why a value was refused; the message is shown to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    /// Stable key of the message, for translation.
    pub key: &'static str,
    /// The message in English.
    pub message: &'static str,
}

/// A refusal with its message key and English text (usable in constants).
pub const fn invalid(key: &'static str, message: &'static str) -> Invalid {
    Invalid { key, message }
}

/// A login name: 3–32 characters of a–z, 0–9, `_`, `.`, `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Validates a login name (lower-cased first).
    pub fn parse(raw: &str) -> Result<Username, Invalid> {
        let s = raw.trim().to_lowercase();
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
        if !(3..=32).contains(&s.chars().count()) || !ok_chars {
            return Err(invalid(
                "err.username",
                "a username has 3 to 32 letters, digits, '_', '.' or '-'",
            ));
        }
        Ok(Username(s))
    }

    /// The login name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as an account keeps it: trimmed, at most 254 bytes, one
/// `@` with something on each side and a dot in the domain, no spaces or
/// controls. Enough to catch typing slips; only a delivered mail proves more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Validates an email address.
    pub fn parse(raw: &str) -> Result<Email, Invalid> {
        let s = raw.trim();
        let bad = || invalid("err.email", "not an email address");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let dot = domain.split('.').all(|p| !p.is_empty()) && domain.contains('.');
        if local.is_empty() || domain.contains('@') || !dot || s.contains(['<', '>', ',', ';']) {
            return Err(bad());
        }
        Ok(Email(s.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 10 characters, at most 128.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

impl NewPassword {
    /// Validates the length of a new password.
    pub fn parse(raw: &str) -> Result<NewPassword, Invalid> {
        let n = raw.chars().count();
        if !(10..=128).contains(&n) {
            return Err(invalid(
                "err.password_length",
                "a password has 10 to 128 characters",
            ));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    /// The password text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The name of an organisation unit: 1–60 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    /// Validates a unit name.
    pub fn parse(raw: &str) -> Result<OrgName, Invalid> {
        let s = raw.trim();
        if s.is_empty()
            || s.chars().count() > 60
            || s.chars().any(char::is_control)
            || check_text(s, Lines::One).is_err()
        {
            return Err(invalid(
                "err.org_name",
                "a name has 1 to 60 characters and no control characters",
            ));
        }
        Ok(OrgName(s.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many lines a text may span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A title, a name, a phone, an address: one line.
    One,
    /// A description, a note, a comment.
    Many,
}

/// A text holds a line break where one line is expected.
pub const TEXT_LINE_BREAK: Invalid = invalid(
    "err.text_line_break",
    "one line only: line breaks are not allowed here",
);
/// A text holds a character that changes the direction of what follows.
pub const TEXT_DIRECTION: Invalid = invalid(
    "err.text_direction",
    "direction control characters (such as U+202E) are not allowed",
);
/// A text holds a control character or a Unicode noncharacter.
pub const TEXT_CONTROL: Invalid = invalid(
    "err.text_control",
    "control characters and noncharacters (such as U+FFFF) are not allowed",
);

/// Characters that reorder the text around them when it is shown (bidi
/// embeddings, overrides, isolates and marks): a title could show one thing
/// and say another.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Unicode noncharacters (U+FDD0–U+FDEF and the last two of every plane,
/// U+FFFE and U+FFFF among them): never text, and XML 1.0 cannot carry some.
fn is_noncharacter(c: char) -> bool {
    let n = c as u32;
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// Checks text typed by a person: no control characters but tab (and line
/// breaks where `lines` allows them), no noncharacters, no direction
/// controls. Every text a form, the API or Open311 accepts passes this.
pub fn check_text(s: &str, lines: Lines) -> Result<(), Invalid> {
    for c in s.chars() {
        match c {
            '\t' => {}
            '\n' | '\r' | '\u{2028}' | '\u{2029}' if lines == Lines::One => {
                return Err(TEXT_LINE_BREAK)
            }
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => {}
            c if is_direction_control(c) => return Err(TEXT_DIRECTION),
            c if c.is_control() || is_noncharacter(c) => return Err(TEXT_CONTROL),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Staff.Yl ").unwrap().as_str(), "staff.yl");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("名字名字").is_err());
        assert!(Username::parse("a b c").is_err());
    }

    #[test]
    fn passwords_and_names() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough pw").is_ok());
        assert_eq!(OrgName::parse("  凤凰街道 ").unwrap().as_str(), "凤凰街道");
        assert!(OrgName::parse("   ").is_err());
        assert!(OrgName::parse(&"长".repeat(61)).is_err());
        assert!(OrgName::parse("凤凰\u{202E}街道").is_err());
    }

    #[test]
    fn text_checks() {
        assert_eq!(check_text("井盖缺失\t(3)", Lines::One), Ok(()));
        assert_eq!(check_text("第一行\r\n第二行", Lines::Many), Ok(()));
        for bad in ["a\nb", "a\rb", "a\u{2028}b"] {
            assert_eq!(check_text(bad, Lines::One), Err(TEXT_LINE_BREAK), "{bad:?}");
        }
        for bad in ["a\u{202E}b", "\u{2066}x\u{2069}", "a\u{200F}", "\u{061C}"] {
            assert_eq!(check_text(bad, Lines::Many), Err(TEXT_DIRECTION), "{bad:?}");
        }
        for bad in [
            "a\u{0}",
            "a\u{1B}[31m",
            "\u{7F}",
            "\u{9B}",
            "\u{FFFE}",
            "\u{FFFF}",
            "\u{FDD0}",
            "\u{10FFFF}",
        ] {
            assert_eq!(check_text(bad, Lines::Many), Err(TEXT_CONTROL), "{bad:?}");
        }
        // Joiners and the like are ordinary text (emoji sequences, scripts).
        assert_eq!(check_text("👩\u{200D}👩\u{200C}", Lines::One), Ok(()));
    }

    #[test]
    fn emails_are_checked_for_slips() {
        assert_eq!(
            Email::parse(" fh02@yanliang.example ").unwrap().as_str(),
            "fh02@yanliang.example"
        );
        for bad in [
            "",
            "fh02",
            "@x.cn",
            "a@",
            "a@cn",
            "a@@x.cn",
            "a b@x.cn",
            "a@x..cn",
            "a@x.cn,b@y.cn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
