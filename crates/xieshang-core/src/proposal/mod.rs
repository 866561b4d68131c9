//! Proposals (提案, issue 29, decision record 0033): the rules of a
//! proposal's text, parsed once. A draft keeps whatever was typed within the
//! hard limits ([`Text::parse_draft`]); filing asks more of it
//! ([`Text::parse_filed`]): a title, the suggestions, and the body's length
//! cap. Both answer with every field's error at once. The defaults each body
//! starts from (categories, the grounds for not accepting) are here too.

pub mod handling;

use crate::concern::FieldErrors;
use crate::values::{check_text, invalid, Invalid, Lines};

/// The categories a body starts with (DOMAIN.md §5), editable per body.
pub const DEFAULT_CATEGORIES: [&str; 7] = [
    "经济建设",
    "城乡建设",
    "教育文化",
    "社会事业",
    "生态文明",
    "民主法治",
    "其他",
];

/// The standard grounds for not accepting a proposal (不予立案), after the
/// national proposal-work regulations (DOMAIN.md §5); each body edits its own.
pub const DEFAULT_GROUNDS: [&str; 10] = [
    "涉及个人或少数人的具体利益",
    "涉及诉讼、仲裁或纪检监察案件",
    "没有具体建议或建议不可行",
    "一案多事",
    "涉及党和国家秘密",
    "已经解决或正在解决",
    "宣传、推介具体单位或产品",
    "属于学术研究探讨",
    "超出本级政协和党政机关职责范围",
    "其他不宜作为提案的",
];

/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest section (situation, analysis, suggestions), in characters.
pub const SECTION_MAX: usize = 10_000;
/// The longest cap a body may set (and the shortest), in characters.
pub const CAP_RANGE: (usize, usize) = (200, 30_000);

/// A title empty or over 100 characters.
pub const TITLE: Invalid = invalid(
    "err.proposal.title",
    "a proposal's title has 1 to 100 characters, on one line",
);
/// A section over [`SECTION_MAX`].
pub const SECTION_LONG: Invalid = invalid(
    "err.proposal.section_long",
    "a section has at most 10,000 characters",
);
/// No suggestions.
pub const SUGGESTIONS: Invalid = invalid(
    "err.proposal.suggestions",
    "write the suggestions: a proposal without concrete suggestions is not accepted",
);
/// Over the body's cap.
pub const OVER_CAP: Invalid = invalid(
    "err.proposal.over_cap",
    "the proposal is longer than this body allows: shorten the situation, analysis or suggestions",
);

/// A proposal's text as its author typed it: one matter (一事一案).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// Title (案由).
    pub title: String,
    /// The situation (基本情况).
    pub situation: String,
    /// The analysis (问题分析).
    pub analysis: String,
    /// The suggestions (具体建议).
    pub suggestions: String,
}

impl Text {
    /// Characters of the body of the proposal (the three sections; the title
    /// is not counted), as the cap counts them.
    pub fn length(&self) -> usize {
        [&self.situation, &self.analysis, &self.suggestions]
            .iter()
            .map(|s| s.trim().chars().count())
            .sum()
    }

    /// The trimmed text, or every field's error: a draft keeps anything within
    /// the hard limits (an empty title or suggestion is fine while writing).
    pub fn parse_draft(raw: &Text) -> Result<Text, FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Err(e) = check_text(&raw.title, Lines::One) {
            errors.push(("title", e));
        }
        if raw.title.trim().chars().count() > TITLE_MAX {
            errors.push(("title", TITLE));
        }
        for (field, text) in [
            ("situation", &raw.situation),
            ("analysis", &raw.analysis),
            ("suggestions", &raw.suggestions),
        ] {
            if let Err(e) = check_text(text, Lines::Many) {
                errors.push((field, e));
            }
            if text.trim().chars().count() > SECTION_MAX {
                errors.push((field, SECTION_LONG));
            }
        }
        if errors.is_empty() {
            Ok(Text {
                title: raw.title.trim().to_owned(),
                situation: raw.situation.trim().to_owned(),
                analysis: raw.analysis.trim().to_owned(),
                suggestions: raw.suggestions.trim().to_owned(),
            })
        } else {
            Err(errors)
        }
    }

    /// [`parse_draft`](Self::parse_draft), and what filing asks: a title, the
    /// suggestions, and at most `cap` characters when the body sets one.
    pub fn parse_filed(raw: &Text, cap: Option<usize>) -> Result<Text, FieldErrors> {
        let mut errors = match Text::parse_draft(raw) {
            Ok(_) => FieldErrors::new(),
            Err(e) => e,
        };
        if raw.title.trim().is_empty() {
            errors.push(("title", TITLE));
        }
        if raw.suggestions.trim().is_empty() {
            errors.push(("suggestions", SUGGESTIONS));
        }
        if cap.is_some_and(|cap| raw.length() > cap) {
            errors.push(("situation", OVER_CAP));
        }
        if errors.is_empty() {
            Text::parse_draft(raw)
        } else {
            Err(errors)
        }
    }
}

/// When a proposal was filed: during the plenary session (大会提案) or
/// between sessions (平时提案).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// 大会提案.
    Plenary,
    /// 平时提案.
    Interim,
}

impl Occasion {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Occasion::Plenary => "plenary",
            Occasion::Interim => "interim",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Occasion> {
        [Occasion::Plenary, Occasion::Interim]
            .into_iter()
            .find(|o| o.code() == code)
    }

    /// Filed on `day` (`YYYY-MM-DD`) for a session that sits from `opens` to
    /// `closes` (inclusive, the same form): plenary inside, interim outside.
    pub fn of_day(day: &str, opens: &str, closes: &str) -> Occasion {
        if opens <= day && day <= closes {
            Occasion::Plenary
        } else {
            Occasion::Interim
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(title: &str, suggestions: &str) -> Text {
        Text {
            title: title.into(),
            situation: "情况".into(),
            analysis: "分析".into(),
            suggestions: suggestions.into(),
        }
    }

    #[test]
    fn a_draft_keeps_what_is_incomplete_filing_does_not() {
        let t = text("  ", "");
        assert!(Text::parse_draft(&t).is_ok());
        let e = Text::parse_filed(&t, None).unwrap_err();
        let fields: Vec<_> = e.iter().map(|(f, i)| (*f, i.key)).collect();
        assert_eq!(
            fields,
            vec![
                ("title", "err.proposal.title"),
                ("suggestions", "err.proposal.suggestions")
            ]
        );
        assert_eq!(
            Text::parse_filed(&text(" 标题 ", " 建议 "), None)
                .unwrap()
                .title,
            "标题"
        );
    }

    #[test]
    fn the_cap_counts_the_three_sections() {
        let t = text("标题", &"建".repeat(196));
        assert_eq!(t.length(), 200);
        assert!(Text::parse_filed(&t, Some(200)).is_ok());
        let e = Text::parse_filed(&t, Some(199)).unwrap_err();
        assert_eq!(e[0].1.key, "err.proposal.over_cap");
        // A draft over the cap is kept (the author shortens it before filing).
        assert!(Text::parse_draft(&t).is_ok());
    }

    #[test]
    fn hard_limits_hold_for_drafts() {
        let mut t = text(&"题".repeat(101), "建议");
        t.analysis = "a\u{202E}b".into();
        let e = Text::parse_draft(&t).unwrap_err();
        let fields: Vec<_> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["title", "analysis"]);
    }

    #[test]
    fn plenary_inside_the_session() {
        assert_eq!(
            Occasion::of_day("2026-01-10", "2026-01-08", "2026-01-11"),
            Occasion::Plenary
        );
        assert_eq!(
            Occasion::of_day("2026-03-01", "2026-01-08", "2026-01-11"),
            Occasion::Interim
        );
        assert_eq!(Occasion::parse("interim"), Some(Occasion::Interim));
    }
}
