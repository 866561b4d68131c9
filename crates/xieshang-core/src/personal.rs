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

/// Masks an email: the first character of the local part stays
/// (zhang@example.cn → z***@example.cn).
pub fn mask_email(s: &str) -> String {
    match s.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Masks the personal data in a recorded value (an audit row's before or
/// after), wherever it sits: a string under a key that names a phone or an
/// email is masked as one, a resident's name (a key naming a reporter,
/// visitor, resident or contact and a name) as a name, and in every other
/// string a mainland mobile number or an email address written into the text
/// (a note) is masked where it stands. Masking a masked value changes
/// nothing, so rows written masked (the roster's) read the same.
pub fn mask_json(v: &mut serde_json::Value) {
    mask_under(v, "");
}

fn mask_under(v: &mut serde_json::Value, key: &str) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                mask_under(x, k);
            }
        }
        Value::Array(items) => {
            for x in items {
                mask_under(x, key);
            }
        }
        Value::String(s) => *s = mask_text_under(s, key),
        // A phone stored as a number.
        Value::Number(n) if key_is_phone(key) => *v = Value::String(mask_phone(&n.to_string())),
        _ => {}
    }
}

fn key_is_phone(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("phone") || k.contains("mobile") || k == "tel"
}

fn mask_text_under(s: &str, key: &str) -> String {
    let k = key.to_ascii_lowercase();
    if key_is_phone(key) {
        mask_phone(s)
    } else if k.contains("email") {
        if s.contains("***@") {
            s.to_owned()
        } else {
            mask_email(s)
        }
    } else if k.contains("name")
        && ["reporter", "visitor", "resident", "contact"]
            .iter()
            .any(|w| k.contains(w))
    {
        mask_name(s)
    } else {
        mask_in_text(s)
    }
}

/// A text with each mainland mobile number (11 digits from 1, not inside a
/// longer number) and each email address masked where it stands.
pub fn mask_in_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A run of digits: a mobile when it is exactly 11 long and starts with 1.
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            if run.len() == 11 && run.starts_with('1') {
                out.push_str(&mask_phone(&run));
            } else {
                out.push_str(&run);
            }
            continue;
        }
        if c == '@' {
            // The local part is what was written just before, the domain after.
            let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
            let is_domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
            let mut local = 0;
            for ch in out.chars().rev() {
                if is_local(ch) {
                    local += 1;
                } else {
                    break;
                }
            }
            let mut end = i + 1;
            while end < chars.len() && is_domain(chars[end]) {
                end += 1;
            }
            let domain: String = chars[i + 1..end].iter().collect();
            if local > 0 && domain.contains('.') && !out.ends_with("***") {
                let keep: String = out.chars().collect::<Vec<_>>()[..out.chars().count() - local]
                    .iter()
                    .collect();
                let first = out.chars().nth(out.chars().count() - local).unwrap_or('*');
                out = format!("{keep}{first}***@{domain}");
                i = end;
                continue;
            }
        }
        out.push(c);
        i += 1;
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
    fn recorded_values_are_masked_wherever_the_data_sits() {
        let mut v = serde_json::json!({
            "phone": "13812341234",
            "email": "zhang@example.cn",
            "contact": {"mobile": 13912345678u64, "reporter_name": "王建国"},
            "note": "请联系 13700001111 或 li.lei@example.com，订单号 123456789012",
            "name": "凤凰街道",
            "list": [{"visitor_phone": "029-86781234"}],
        });
        mask_json(&mut v);
        assert_eq!(v["phone"], "138****1234");
        assert_eq!(v["email"], "z***@example.cn");
        assert_eq!(v["contact"]["mobile"], "139****5678");
        assert_eq!(v["contact"]["reporter_name"], "王**");
        assert_eq!(
            v["note"],
            "请联系 137****1111 或 l***@example.com，订单号 123456789012"
        );
        assert_eq!(v["name"], "凤凰街道");
        assert_eq!(v["list"][0]["visitor_phone"], "029****1234");
        // Masked values stay as they are.
        let once = v.clone();
        mask_json(&mut v);
        assert_eq!(v, once);
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
