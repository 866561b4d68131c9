//! Study and exchange (学习交流, issue 30 point 5, decision record 0042): the
//! rules of a study material as staff type it, and of a discussion post and
//! a moderator's reason. Each parse answers with every field's error at once,
//! so a refused form can mark them all and keep what was typed.

use crate::concern::FieldErrors;
use crate::values::{check_text, invalid, Invalid, Lines};

/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest text of a material, in characters.
pub const TEXT_MAX: usize = 20_000;
/// At most this many links on a material.
pub const LINKS_MAX: usize = 10;
/// Longest link, in characters.
pub const LINK_MAX: usize = 500;
/// Longest post or topic opening, in characters.
pub const POST_MAX: usize = 2_000;
/// Longest reason for hiding a post, in characters.
pub const REASON_MAX: usize = 200;

/// An empty or over-long title.
pub const TITLE: Invalid = invalid("err.study.title", "a title has 1 to 100 characters");
/// An empty or over-long text.
pub const TEXT: Invalid = invalid("err.study.text", "the text has 1 to 20,000 characters");
/// A link that is not an http(s) address.
pub const LINK: Invalid = invalid(
    "err.study.link",
    "each link is a web address starting with http:// or https://, one per line (at most 10)",
);
/// A due date missing, malformed or before today.
pub const DUE: Invalid = invalid(
    "err.study.due",
    "choose a due date from today on (YYYY-MM-DD)",
);
/// An empty or over-long post.
pub const POST: Invalid = invalid("err.study.post", "a post has 1 to 2,000 characters");
/// A hide without a reason.
pub const REASON: Invalid = invalid(
    "err.study.reason",
    "say why the post is hidden (1 to 200 characters)",
);

/// A study material as staff typed it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// Title.
    pub title: String,
    /// The text.
    pub text: String,
    /// The links, each an http(s) address.
    pub links: Vec<String>,
    /// To be read by then (China time, the end of that day).
    pub due_on: chrono::NaiveDate,
}

fn bounded(s: &str, max: usize, lines: Lines, err: Invalid) -> Result<String, Invalid> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > max {
        return Err(err);
    }
    check_text(s, lines)?;
    Ok(s.to_owned())
}

/// Whether `s` is an http:// or https:// address with a host and no spaces.
pub fn is_web_link(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let Some(rest) = rest else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    s.chars().count() <= LINK_MAX
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Material {
    /// Checks a material: `links` one per line (blank lines ignored),
    /// `due_on` as `YYYY-MM-DD`, not before `today`.
    pub fn parse(
        title: &str,
        text: &str,
        links: &str,
        due_on: &str,
        today: chrono::NaiveDate,
    ) -> Result<Material, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = bounded(title, TITLE_MAX, Lines::One, TITLE)
            .map_err(|e| errors.push(("title", e)))
            .ok();
        let text = bounded(text, TEXT_MAX, Lines::Many, TEXT)
            .map_err(|e| errors.push(("text", e)))
            .ok();
        let links: Vec<String> = links
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if links.len() > LINKS_MAX || !links.iter().all(|l| is_web_link(l)) {
            errors.push(("links", LINK));
        }
        let due = chrono::NaiveDate::parse_from_str(due_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d >= today);
        if due.is_none() {
            errors.push(("due_on", DUE));
        }
        match (title, text, due) {
            (Some(title), Some(text), Some(due_on)) if errors.is_empty() => Ok(Material {
                title,
                text,
                links,
                due_on,
            }),
            _ => Err(errors),
        }
    }
}

/// A discussion post (or a topic's opening), checked.
pub fn parse_post(text: &str) -> Result<String, Invalid> {
    bounded(text, POST_MAX, Lines::Many, POST)
}

/// A moderator's reason for hiding a post, checked.
pub fn parse_reason(reason: &str) -> Result<String, Invalid> {
    bounded(reason, REASON_MAX, Lines::One, REASON)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn links_are_web_addresses() {
        assert!(is_web_link(
            "https://www.cppcc.gov.cn/zxww/2024/index.shtml"
        ));
        assert!(is_web_link("http://example.org:8080/a?b=c#d"));
        assert!(is_web_link("https://中国政协网.cn/"));
        for bad in [
            "ftp://example.org/",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "https://exa mple.org/",
            "www.example.org",
            "https://<script>/",
        ] {
            assert!(!is_web_link(bad), "{bad}");
        }
    }

    #[test]
    fn a_material_answers_every_wrong_field() {
        let today = day("2026-03-01");
        let m = Material::parse(
            " 学习材料 ",
            "正文",
            "\nhttps://a.example/\n\n",
            "2026-03-01",
            today,
        )
        .unwrap();
        assert_eq!(m.title, "学习材料");
        assert_eq!(m.links, vec!["https://a.example/".to_owned()]);
        assert_eq!(m.due_on, today);
        let e = Material::parse(" ", "", "not a link", "2026-02-28", today).unwrap_err();
        let fields: Vec<_> = e.iter().map(|(f, i)| (*f, i.key)).collect();
        assert_eq!(
            fields,
            vec![
                ("title", "err.study.title"),
                ("text", "err.study.text"),
                ("links", "err.study.link"),
                ("due_on", "err.study.due"),
            ]
        );
        assert!(Material::parse("t", "x", "", "soon", today).is_err());
        let many = "https://a.example/\n".repeat(11);
        assert!(Material::parse("t", "x", &many, "2026-03-02", today).is_err());
    }

    #[test]
    fn posts_and_reasons_are_not_empty() {
        assert_eq!(parse_post("  同意  ").unwrap(), "同意");
        assert_eq!(parse_post(" \n ").unwrap_err().key, "err.study.post");
        assert_eq!(
            parse_post(&"字".repeat(2001)).unwrap_err().key,
            "err.study.post"
        );
        assert_eq!(parse_reason("").unwrap_err().key, "err.study.reason");
        assert_eq!(parse_reason("人身攻击").unwrap(), "人身攻击");
    }
}
