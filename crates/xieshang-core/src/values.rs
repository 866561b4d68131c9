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

const fn invalid(key: &'static str, message: &'static str) -> Invalid {
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
        if s.is_empty() || s.chars().count() > 60 || s.chars().any(char::is_control) {
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
    }
}
