//! Public-opinion reports (社情民意信息, issue 30, decision record 0041): the
//! rules of a report's text (one matter, at most the body's cap, default
//! 1,500 characters), of the office's title ("关于…的建议"), of the levels a
//! used report travels to, of a leader's instruction, and of the points each
//! step earns by a body's rule table. No IO here.

use crate::concern::FieldErrors;
use crate::values::{check_text, invalid, Invalid, Lines};
use chrono::NaiveDate;

/// The cap a body starts with, in characters (DOMAIN.md §6).
pub const DEFAULT_CAP: usize = 1_500;
/// The shortest and longest cap a body may set.
pub const CAP_RANGE: (usize, usize) = (200, 10_000);
/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest note, evidence or instruction text, in characters.
pub const NOTE_MAX: usize = 2_000;

/// No title.
pub const TITLE: Invalid = invalid(
    "err.report.title",
    "give the report a title of 1 to 100 characters, on one line",
);
/// The office's title is not in the usual form.
pub const TITLE_FORM: Invalid = invalid(
    "err.report.title_form",
    "title it in the usual form: 关于……的建议",
);
/// No matter.
pub const MATTER: Invalid = invalid(
    "err.report.matter",
    "write the matter: what is happening and what you suggest",
);
/// Over the body's cap.
pub const OVER_CAP: Invalid = invalid(
    "err.report.over_cap",
    "the report is longer than this body allows: shorten it to one matter within the limit",
);
/// A note, evidence or instruction over [`NOTE_MAX`].
pub const NOTE_LONG: Invalid = invalid("err.report.note_long", "at most 2,000 characters here");
/// An instruction without its leader.
pub const LEADER: Invalid = invalid(
    "err.report.leader",
    "name the leader who gave the instruction",
);
/// An instruction without a level.
pub const LEVEL: Invalid = invalid(
    "err.report.level",
    "choose the leader's level: district, city or central",
);
/// An instruction without a valid date.
pub const DATE: Invalid = invalid(
    "err.report.date",
    "give the instruction's date as YYYY-MM-DD",
);
/// An instruction without its words.
pub const INSTRUCTION_TEXT: Invalid = invalid(
    "err.report.instruction_text",
    "write the instruction's words",
);
/// A cap outside [`CAP_RANGE`].
pub const CAP: Invalid = invalid(
    "err.report.cap",
    "the cap is a whole number of characters from 200 to 10,000",
);
/// A points value that is not a whole number from 0 to 1,000.
pub const POINTS: Invalid = invalid(
    "err.report.points",
    "points are whole numbers from 0 to 1,000",
);

/// A report's text: one matter (一事一报).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// Title.
    pub title: String,
    /// The matter: situation and suggestion in one text.
    pub matter: String,
}

impl Text {
    /// Characters of the matter, as the cap counts them.
    pub fn length(&self) -> usize {
        self.matter.trim().chars().count()
    }

    /// The trimmed text, or every field's error: a title, a matter, at most
    /// `cap` characters.
    pub fn parse(raw: &Text, cap: usize) -> Result<Text, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = raw.title.trim();
        if let Err(e) = check_text(title, Lines::One) {
            errors.push(("title", e));
        } else if title.is_empty() || title.chars().count() > TITLE_MAX {
            errors.push(("title", TITLE));
        }
        if let Err(e) = check_text(&raw.matter, Lines::Many) {
            errors.push(("matter", e));
        } else if raw.matter.trim().is_empty() {
            errors.push(("matter", MATTER));
        } else if raw.length() > cap {
            errors.push(("matter", OVER_CAP));
        }
        if errors.is_empty() {
            Ok(Text {
                title: title.to_owned(),
                matter: raw.matter.trim().to_owned(),
            })
        } else {
            Err(errors)
        }
    }

    /// [`parse`](Self::parse) for the office's edited copy: the title must
    /// also be in the usual form ([`office_title`]).
    pub fn parse_edited(raw: &Text, cap: usize) -> Result<Text, FieldErrors> {
        let mut errors = match Text::parse(raw, cap) {
            Ok(t) => {
                if office_title(&t.title).is_ok() {
                    return Ok(t);
                }
                FieldErrors::new()
            }
            Err(e) => e,
        };
        if !errors.iter().any(|(f, _)| *f == "title") {
            if let Err(e) = office_title(raw.title.trim()) {
                errors.push(("title", e));
            }
        }
        Err(errors)
    }
}

/// Whether a title is in the usual form of an edited report: "关于" + the
/// matter + "的建议", the matter not empty.
pub fn office_title(title: &str) -> Result<(), Invalid> {
    let inner = title
        .strip_prefix("关于")
        .and_then(|t| t.strip_suffix("的建议"));
    match inner {
        Some(m) if !m.trim().is_empty() => Ok(()),
        _ => Err(TITLE_FORM),
    }
}

/// Checks a free note (a decision's, an adoption's evidence): at most
/// [`NOTE_MAX`] characters; returns it trimmed.
pub fn note(raw: &str) -> Result<String, Invalid> {
    check_text(raw, Lines::Many)?;
    let t = raw.trim();
    if t.chars().count() > NOTE_MAX {
        return Err(NOTE_LONG);
    }
    Ok(t.to_owned())
}

/// Where a used report is forwarded (报送), and where it may be adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The city CPPCC, the level above the district.
    City,
    /// The national CPPCC (全国政协), above the city.
    National,
    /// The party committee at the body's own level.
    Party,
    /// The government at the body's own level.
    Government,
}

impl Level {
    /// Every level, in display order.
    pub const ALL: [Level; 4] = [
        Level::City,
        Level::National,
        Level::Party,
        Level::Government,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::National => "national",
            Level::Party => "party",
            Level::Government => "government",
        }
    }

    /// The level of a code.
    pub fn parse(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The level that must have adopted the report before it is forwarded
    /// here: national only after the city; the rest straight from the body's
    /// own use.
    pub fn requires(self) -> Option<Level> {
        match self {
            Level::National => Some(Level::City),
            _ => None,
        }
    }
}

/// The level of a leader who gave an instruction (领导批示).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaderLevel {
    /// A district leader.
    District,
    /// A city leader.
    City,
    /// A central (national) leader.
    Central,
}

impl LeaderLevel {
    /// Every level.
    pub const ALL: [LeaderLevel; 3] = [
        LeaderLevel::District,
        LeaderLevel::City,
        LeaderLevel::Central,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            LeaderLevel::District => "district",
            LeaderLevel::City => "city",
            LeaderLevel::Central => "central",
        }
    }

    /// The level of a code.
    pub fn parse(code: &str) -> Option<LeaderLevel> {
        LeaderLevel::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// A leader's instruction, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Who gave it.
    pub leader: String,
    /// At which level.
    pub level: LeaderLevel,
    /// On which day.
    pub given_on: NaiveDate,
    /// The words.
    pub text: String,
}

/// An instruction as typed.
#[derive(Debug, Clone, Default)]
pub struct RawInstruction<'a> {
    /// Who gave it.
    pub leader: &'a str,
    /// Level code.
    pub level: &'a str,
    /// Date, `YYYY-MM-DD`.
    pub given_on: &'a str,
    /// The words.
    pub text: &'a str,
}

impl Instruction {
    /// The checked instruction, or every field's error.
    pub fn parse(raw: &RawInstruction<'_>) -> Result<Instruction, FieldErrors> {
        let mut errors = FieldErrors::new();
        let leader = raw.leader.trim();
        if let Err(e) = check_text(leader, Lines::One) {
            errors.push(("leader", e));
        } else if leader.is_empty() || leader.chars().count() > TITLE_MAX {
            errors.push(("leader", LEADER));
        }
        let level = LeaderLevel::parse(raw.level.trim());
        if level.is_none() {
            errors.push(("level", LEVEL));
        }
        let given_on = NaiveDate::parse_from_str(raw.given_on.trim(), "%Y-%m-%d").ok();
        if given_on.is_none() {
            errors.push(("given_on", DATE));
        }
        let text = match note(raw.text) {
            Ok(t) if t.is_empty() => {
                errors.push(("text", INSTRUCTION_TEXT));
                None
            }
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(("text", e));
                None
            }
        };
        match (level, given_on, text) {
            (Some(level), Some(given_on), Some(text)) if errors.is_empty() => Ok(Instruction {
                leader: leader.to_owned(),
                level,
                given_on,
                text,
            }),
            _ => Err(errors),
        }
    }
}

/// A body's rule table for reports: the cap and the points (DOMAIN.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Longest matter, in characters.
    pub cap: usize,
    /// A report used at the body's own level.
    pub own: i64,
    /// Adopted by the city.
    pub city: i64,
    /// Adopted nationally.
    pub national: i64,
    /// A city leader's instruction.
    pub city_instruction: i64,
    /// A central leader's instruction.
    pub central_instruction: i64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            cap: DEFAULT_CAP,
            own: 1,
            city: 5,
            national: 20,
            city_instruction: 10,
            central_instruction: 30,
        }
    }
}

impl Rules {
    /// Checks a rule table as typed; every field's error at once.
    pub fn parse(cap: &str, points: [&str; 5]) -> Result<Rules, FieldErrors> {
        let mut errors = FieldErrors::new();
        let cap = match cap.trim().parse::<usize>() {
            Ok(c) if (CAP_RANGE.0..=CAP_RANGE.1).contains(&c) => c,
            _ => {
                errors.push(("cap", CAP));
                0
            }
        };
        const FIELDS: [&str; 5] = [
            "own",
            "city",
            "national",
            "city_instruction",
            "central_instruction",
        ];
        let mut p = [0i64; 5];
        for (i, raw) in points.iter().enumerate() {
            match raw.trim().parse::<i64>() {
                Ok(v) if (0..=1_000).contains(&v) => p[i] = v,
                _ => errors.push((FIELDS[i], POINTS)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Rules {
            cap,
            own: p[0],
            city: p[1],
            national: p[2],
            city_instruction: p[3],
            central_instruction: p[4],
        })
    }

    /// The points a report earns: used at its own level, adopted at `levels`,
    /// with instructions by leaders of `instructions`. A report not used
    /// earns nothing (its forwards cannot exist).
    pub fn points(&self, used: bool, levels: &[Level], instructions: &[LeaderLevel]) -> i64 {
        if !used {
            return 0;
        }
        let adopted: i64 = levels
            .iter()
            .map(|l| match l {
                Level::City => self.city,
                Level::National => self.national,
                Level::Party | Level::Government => 0,
            })
            .sum();
        let instructed: i64 = instructions
            .iter()
            .map(|l| match l {
                LeaderLevel::City => self.city_instruction,
                LeaderLevel::Central => self.central_instruction,
                LeaderLevel::District => 0,
            })
            .sum();
        self.own + adopted + instructed
    }
}

/// One line of a comparison of two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine<'a> {
    /// In both.
    Same(&'a str),
    /// Only in the older version.
    Removed(&'a str),
    /// Only in the newer version.
    Added(&'a str),
}

/// The lines of `old` and `new` compared (longest common subsequence of
/// lines): what stayed, what went, what came. Reports are short (one
/// matter), so the quadratic table is small.
pub fn diff_lines<'a>(old: &'a str, new: &'a str) -> Vec<DiffLine<'a>> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(DiffLine::Same(a[i]));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(DiffLine::Removed(a[i]));
            i += 1;
        } else {
            out.push(DiffLine::Added(b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| DiffLine::Removed(l)));
    out.extend(b[j..].iter().map(|l| DiffLine::Added(l)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(title: &str, matter: &str) -> Text {
        Text {
            title: title.into(),
            matter: matter.into(),
        }
    }

    #[test]
    fn matter_is_required_and_capped() {
        let ok = Text::parse(&text(" 充电 ", " 楼道里充电 "), 10).unwrap();
        assert_eq!(ok, text("充电", "楼道里充电"));
        let e = Text::parse(&text("充电", "  "), 10).unwrap_err();
        assert_eq!(e, vec![("matter", MATTER)]);
        let e = Text::parse(&text("", &"字".repeat(11)), 10).unwrap_err();
        assert_eq!(e, vec![("title", TITLE), ("matter", OVER_CAP)]);
        assert!(Text::parse(&text("t", &"字".repeat(10)), 10).is_ok());
        assert!(Text::parse(&text("a\nb", "x"), 10).is_err());
    }

    #[test]
    fn the_office_titles_in_the_usual_form() {
        assert!(office_title("关于加强老旧小区电动自行车充电安全管理的建议").is_ok());
        assert_eq!(office_title("关于的建议"), Err(TITLE_FORM));
        assert_eq!(office_title("电动自行车充电"), Err(TITLE_FORM));
        let e = Text::parse_edited(&text("充电问题", "x"), 100).unwrap_err();
        assert_eq!(e, vec![("title", TITLE_FORM)]);
        let e = Text::parse_edited(&text("充电问题", ""), 100).unwrap_err();
        assert_eq!(e, vec![("matter", MATTER), ("title", TITLE_FORM)]);
    }

    #[test]
    fn an_instruction_needs_leader_level_date_and_words() {
        let e = Instruction::parse(&RawInstruction::default()).unwrap_err();
        let fields: Vec<_> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["leader", "level", "given_on", "text"]);
        let i = Instruction::parse(&RawInstruction {
            leader: "张副市长",
            level: "city",
            given_on: "2026-11-03",
            text: "请市住建局牵头研究。",
        })
        .unwrap();
        assert_eq!(i.level, LeaderLevel::City);
        let e = Instruction::parse(&RawInstruction {
            leader: "张副市长",
            level: "city",
            given_on: "2026-13-03",
            text: "x",
        })
        .unwrap_err();
        assert_eq!(e, vec![("given_on", DATE)]);
    }

    #[test]
    fn points_by_the_default_rules() {
        let r = Rules::default();
        assert_eq!(r.points(false, &[], &[]), 0);
        assert_eq!(r.points(true, &[], &[]), 1);
        assert_eq!(r.points(true, &[Level::City], &[LeaderLevel::City]), 16);
        assert_eq!(
            r.points(
                true,
                &[Level::City, Level::National, Level::Party],
                &[LeaderLevel::Central, LeaderLevel::District]
            ),
            1 + 5 + 20 + 30
        );
        assert_eq!(Level::National.requires(), Some(Level::City));
        assert_eq!(Level::City.requires(), None);
    }

    #[test]
    fn versions_compare_by_line() {
        use DiffLine::*;
        assert_eq!(
            diff_lines("一\n二\n三", "一\n二改\n三\n四"),
            vec![
                Same("一"),
                Removed("二"),
                Added("二改"),
                Same("三"),
                Added("四")
            ]
        );
        assert_eq!(diff_lines("", "a"), vec![Added("a")]);
    }

    #[test]
    fn rules_are_checked() {
        assert_eq!(
            Rules::parse("1500", ["1", "5", "20", "10", "30"]),
            Ok(Rules::default())
        );
        let e = Rules::parse("50", ["1", "x", "20", "-1", "30"]).unwrap_err();
        let fields: Vec<_> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["cap", "city", "city_instruction"]);
    }
}
