//! Residents' personal data (DOMAIN §9): names and phone numbers are shown masked
//! (138****1234); the full values are sealed at rest by the store.

use crate::values::Invalid;

/// A reporter's phone number, checked: a mainland mobile (11 digits starting with
/// 1) or a landline of 7 to 12 digits, optionally with an area code and a dash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number, dropping spaces and a leading +86.
    pub fn parse(raw: &str) -> Result<Phone, Invalid> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let s = s.strip_prefix("+86").unwrap_or(&s).to_owned();
        let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
        let shape_ok = s.chars().all(|c| c.is_ascii_digit() || c == '-')
            && s.matches('-').count() <= 1
            && !s.starts_with('-')
            && !s.ends_with('-');
        let mobile = !s.contains('-') && digits == 11 && s.starts_with('1');
        let landline = s.starts_with('0') && (10..=12).contains(&digits)
            || !s.starts_with('1') && !s.starts_with('0') && (7..=8).contains(&digits);
        if shape_ok && (mobile || landline) {
            Ok(Phone(s))
        } else {
            Err(Invalid {
                key: "err.phone",
                message: "a phone number is an 11-digit mobile or a landline",
            })
        }
    }

    /// The number as entered (normalised).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Masks a phone number: the first three and last four digits stay
/// (13812341234 → 138****1234); shorter numbers keep only their last two.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let n = chars.len();
    if n >= 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}****{tail}")
    } else if n > 2 {
        format!(
            "{}{}",
            "*".repeat(n - 2),
            chars[n - 2..].iter().collect::<String>()
        )
    } else {
        "*".repeat(n)
    }
}

/// Masks a name: the first character stays, each other becomes `*` (王建国 → 王**).
pub fn mask_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.trim().chars().enumerate() {
        out.push(if i == 0 { c } else { '*' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("029-86781234"), "029****1234");
        assert_eq!(mask_phone("1234"), "**34");
        assert_eq!(mask_name("王建国"), "王**");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name("Li Lei"), "L*****");
    }

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("138 1234 1234").unwrap().as_str(),
            "13812341234"
        );
        assert_eq!(
            Phone::parse("+8613812341234").unwrap().as_str(),
            "13812341234"
        );
        assert!(Phone::parse("029-86781234").is_ok());
        assert!(Phone::parse("86781234").is_ok());
        for bad in [
            "",
            "abc",
            "1381234123",
            "23812341234",
            "-0298678",
            "029--86781234",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
