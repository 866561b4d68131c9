//! The best-practice library (优秀做法) and its printed booklet (汇编成册),
//! issue 31 points 5 and 6 (decision record 0046): the areas of work a
//! practice belongs to, the checks of a practice's text and figures, of the
//! city's note when it asks for changes, of a field meeting (现场会) and of a
//! booklet's cover and chapters. No IO here.

use crate::concern::FieldErrors;
use crate::values::{check_text, invalid, Invalid, Lines};
use chrono::NaiveDate;

/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest summary, in characters.
pub const SUMMARY_MAX: usize = 2_000;
/// Longest description of the steps, in characters.
pub const STEPS_MAX: usize = 10_000;
/// Most figures (key numbers) a practice shows.
pub const FIGURES_MAX: usize = 12;
/// Longest note, in characters.
pub const NOTE_MAX: usize = 2_000;
/// Most chapters in a booklet.
pub const CHAPTERS_MAX: usize = 20;

/// The areas of work a practice belongs to: stable codes, in display order.
pub const AREAS: [&str; 5] = [
    "party_building",
    "duty",
    "service",
    "consultation",
    "supervision",
];

/// No title.
pub const TITLE: Invalid = invalid(
    "err.practice.title",
    "give the practice a title of 1 to 100 characters, on one line",
);
/// No area, or one not on the list.
pub const AREA: Invalid = invalid(
    "err.practice.area",
    "choose the area of work the practice belongs to",
);
/// No summary, or one too long.
pub const SUMMARY: Invalid = invalid(
    "err.practice.summary",
    "write a summary of 1 to 2,000 characters: what was done and what came of it",
);
/// Steps too long.
pub const STEPS: Invalid = invalid(
    "err.practice.steps",
    "the steps are at most 10,000 characters: shorten them",
);
/// A figure line that is not "label: number".
pub const FIGURES: Invalid = invalid(
    "err.practice.figures",
    "write one figure a line as label: value (for example 议事会次数: 24), at most 12",
);
/// A change request without its note.
pub const NOTE: Invalid = invalid(
    "err.practice.note",
    "say what the district should change (at most 2,000 characters)",
);
/// A field meeting without its title.
pub const MEETING_TITLE: Invalid = invalid(
    "err.practice.meeting_title",
    "give the field meeting a title of 1 to 100 characters",
);
/// A field meeting without its place.
pub const PLACE: Invalid = invalid(
    "err.practice.place",
    "say where the field meeting was held (1 to 100 characters)",
);
/// No valid date.
pub const DATE: Invalid = invalid("err.practice.date", "give the date as YYYY-MM-DD");
/// A booklet without a title.
pub const BOOKLET_TITLE: Invalid = invalid(
    "err.booklet.title",
    "give the booklet a title of 1 to 100 characters",
);
/// A booklet without the body's name on its cover.
pub const BODY: Invalid = invalid(
    "err.booklet.body",
    "give the name printed on the cover (1 to 100 characters)",
);
/// A booklet's chapter titles missing or too many.
pub const CHAPTERS: Invalid = invalid(
    "err.booklet.chapters",
    "write the chapter titles, one a line (1 to 20 chapters of at most 100 characters)",
);
/// A booklet without any practice.
pub const NO_PRACTICE: Invalid = invalid(
    "err.booklet.no_practice",
    "put at least one selected practice in a chapter: choose its chapter in the list",
);
/// A practice put in a chapter that is not on the list.
pub const CHAPTER_REF: Invalid = invalid(
    "err.booklet.chapter_ref",
    "a practice is put in a chapter that is not in the list of chapter titles",
);

/// One key number of a practice, with its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// What it counts.
    pub label: String,
    /// The number, as written (with its unit).
    pub value: String,
}

/// A practice's text as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawPractice {
    /// Title.
    pub title: String,
    /// Area code.
    pub area: String,
    /// Summary.
    pub summary: String,
    /// The steps taken.
    pub steps: String,
    /// Figures, one `label: value` a line.
    pub figures: String,
}

/// A practice's text, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Practice {
    /// Title.
    pub title: String,
    /// Area code (one of [`AREAS`]).
    pub area: &'static str,
    /// Summary.
    pub summary: String,
    /// The steps taken.
    pub steps: String,
    /// Figures.
    pub figures: Vec<Figure>,
}

fn one_line(raw: &str, max: usize) -> Option<String> {
    let t = raw.trim();
    (check_text(t, Lines::One).is_ok() && !t.is_empty() && t.chars().count() <= max)
        .then(|| t.to_owned())
}

/// The figures of a text, one `label: value` (or `label：value`) a line;
/// blank lines are skipped.
pub fn parse_figures(raw: &str) -> Result<Vec<Figure>, Invalid> {
    check_text(raw, Lines::Many).map_err(|_| FIGURES)?;
    let mut out = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (label, value) = line
            .split_once(['：', ':'])
            .map(|(l, v)| (l.trim(), v.trim()))
            .ok_or(FIGURES)?;
        if label.is_empty()
            || value.is_empty()
            || label.chars().count() > 50
            || value.chars().count() > 30
        {
            return Err(FIGURES);
        }
        out.push(Figure {
            label: label.to_owned(),
            value: value.to_owned(),
        });
    }
    if out.len() > FIGURES_MAX {
        return Err(FIGURES);
    }
    Ok(out)
}

/// The figures as the form shows them, one `label: value` a line.
pub fn figures_text(figures: &[Figure]) -> String {
    figures
        .iter()
        .map(|f| format!("{}: {}", f.label, f.value))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Practice {
    /// The checked practice, or every field's error at once.
    pub fn parse(raw: &RawPractice) -> Result<Practice, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = one_line(&raw.title, TITLE_MAX);
        if title.is_none() {
            errors.push(("title", TITLE));
        }
        let area = AREAS.iter().copied().find(|a| *a == raw.area.trim());
        if area.is_none() {
            errors.push(("area", AREA));
        }
        let summary = raw.summary.trim();
        let summary_ok = check_text(summary, Lines::Many).is_ok()
            && !summary.is_empty()
            && summary.chars().count() <= SUMMARY_MAX;
        if !summary_ok {
            errors.push(("summary", SUMMARY));
        }
        let steps = raw.steps.trim();
        if check_text(steps, Lines::Many).is_err() || steps.chars().count() > STEPS_MAX {
            errors.push(("steps", STEPS));
        }
        let figures = match parse_figures(&raw.figures) {
            Ok(f) => f,
            Err(e) => {
                errors.push(("figures", e));
                Vec::new()
            }
        };
        match (title, area) {
            (Some(title), Some(area)) if errors.is_empty() => Ok(Practice {
                title,
                area,
                summary: summary.to_owned(),
                steps: steps.to_owned(),
                figures,
            }),
            _ => Err(errors),
        }
    }
}

/// The city's note when it asks for changes: required, at most
/// [`NOTE_MAX`] characters.
pub fn change_note(raw: &str) -> Result<String, Invalid> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > NOTE_MAX || check_text(t, Lines::Many).is_err() {
        return Err(NOTE);
    }
    Ok(t.to_owned())
}

/// A field meeting (现场会), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// Title.
    pub title: String,
    /// Where.
    pub place: String,
    /// When.
    pub held_on: NaiveDate,
}

impl Meeting {
    /// The checked meeting, or every field's error.
    pub fn parse(title: &str, place: &str, held_on: &str) -> Result<Meeting, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = one_line(title, TITLE_MAX);
        if title.is_none() {
            errors.push(("title", MEETING_TITLE));
        }
        let place = one_line(place, TITLE_MAX);
        if place.is_none() {
            errors.push(("place", PLACE));
        }
        let held_on = NaiveDate::parse_from_str(held_on.trim(), "%Y-%m-%d").ok();
        if held_on.is_none() {
            errors.push(("held_on", DATE));
        }
        match (title, place, held_on) {
            (Some(title), Some(place), Some(held_on)) => Ok(Meeting {
                title,
                place,
                held_on,
            }),
            _ => Err(errors),
        }
    }
}

/// A booklet as typed: its cover, its chapter titles (one a line) and, per
/// practice offered, the chapter it goes in (1-based, 0 or blank for none)
/// and its place in the chapter.
#[derive(Debug, Clone, Default)]
pub struct RawBooklet<'a> {
    /// Title on the cover.
    pub title: &'a str,
    /// The body's name on the cover.
    pub body: &'a str,
    /// The date on the cover, `YYYY-MM-DD`.
    pub issued_on: &'a str,
    /// Chapter titles, one a line.
    pub chapters: &'a str,
    /// (practice id, chapter number as typed, order as typed).
    pub picks: Vec<(i64, &'a str, &'a str)>,
}

/// A booklet, checked: chapters in order, each with its practices in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booklet {
    /// Title on the cover.
    pub title: String,
    /// The body's name on the cover.
    pub body: String,
    /// The date on the cover.
    pub issued_on: NaiveDate,
    /// (chapter title, practice ids in order).
    pub chapters: Vec<(String, Vec<i64>)>,
}

impl Booklet {
    /// The checked booklet, or every field's error at once. A chapter left
    /// empty is dropped; a booklet needs at least one practice.
    pub fn parse(raw: &RawBooklet<'_>) -> Result<Booklet, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = one_line(raw.title, TITLE_MAX);
        if title.is_none() {
            errors.push(("title", BOOKLET_TITLE));
        }
        let body = one_line(raw.body, TITLE_MAX);
        if body.is_none() {
            errors.push(("body", BODY));
        }
        let issued_on = NaiveDate::parse_from_str(raw.issued_on.trim(), "%Y-%m-%d").ok();
        if issued_on.is_none() {
            errors.push(("issued_on", DATE));
        }
        let titles: Vec<String> = raw
            .chapters
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let titles_ok = !titles.is_empty()
            && titles.len() <= CHAPTERS_MAX
            && titles
                .iter()
                .all(|t| t.chars().count() <= TITLE_MAX && check_text(t, Lines::One).is_ok());
        if !titles_ok {
            errors.push(("chapters", CHAPTERS));
        }
        // (chapter, order, position offered, id)
        let mut placed: Vec<(usize, i64, usize, i64)> = Vec::new();
        let mut bad_ref = false;
        for (pos, (id, chapter, order)) in raw.picks.iter().enumerate() {
            let chapter = chapter.trim();
            if chapter.is_empty() || chapter == "0" {
                continue;
            }
            match chapter.parse::<usize>() {
                Ok(c) if c >= 1 && c <= titles.len() => {
                    let order = order.trim().parse::<i64>().unwrap_or(i64::MAX);
                    placed.push((c, order, pos, *id));
                }
                _ => bad_ref = true,
            }
        }
        if bad_ref && titles_ok {
            errors.push(("picks", CHAPTER_REF));
        } else if placed.is_empty() {
            errors.push(("picks", NO_PRACTICE));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        placed.sort();
        let chapters = titles
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let ids: Vec<i64> = placed
                    .iter()
                    .filter(|p| p.0 == i + 1)
                    .map(|p| p.3)
                    .collect();
                (t, ids)
            })
            .filter(|(_, ids)| !ids.is_empty())
            .collect();
        match (title, body, issued_on) {
            (Some(title), Some(body), Some(issued_on)) => Ok(Booklet {
                title,
                body,
                issued_on,
                chapters,
            }),
            _ => Err(FieldErrors::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(title: &str, summary: &str) -> RawPractice {
        RawPractice {
            title: title.into(),
            area: "consultation".into(),
            summary: summary.into(),
            steps: "一、建立议事会\n二、每月议事".into(),
            figures: "议事会次数: 24\n解决问题：56件".into(),
        }
    }

    #[test]
    fn a_practice_needs_title_area_and_summary() {
        let p = Practice::parse(&raw(" 多商量 ", "街道议事")).unwrap();
        assert_eq!(p.title, "多商量");
        assert_eq!(p.area, "consultation");
        assert_eq!(p.figures.len(), 2);
        assert_eq!(p.figures[1].value, "56件");
        let mut r = raw("", "");
        r.area = "other".into();
        let e = Practice::parse(&r).unwrap_err();
        let fields: Vec<_> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["title", "area", "summary"]);
        let mut r = raw("t", "s");
        r.figures = "没有冒号".into();
        assert_eq!(Practice::parse(&r).unwrap_err(), vec![("figures", FIGURES)]);
    }

    #[test]
    fn figures_round_trip() {
        let f = parse_figures("a: 1\n\nb：2人").unwrap();
        assert_eq!(parse_figures(&figures_text(&f)).unwrap(), f);
        let many = "x: 1\n".repeat(13);
        assert_eq!(parse_figures(&many), Err(FIGURES));
    }

    #[test]
    fn a_change_request_needs_its_note() {
        assert_eq!(change_note("  "), Err(NOTE));
        assert_eq!(change_note(" 请补充数据 ").unwrap(), "请补充数据");
    }

    #[test]
    fn a_booklet_needs_a_practice_in_a_chapter() {
        let mut b = RawBooklet {
            title: "优秀做法汇编",
            body: "西安市政协",
            issued_on: "2026-12-01",
            chapters: "协商议事\n\n服务管理",
            picks: vec![(7, "", ""), (8, "0", "1")],
        };
        let e = Booklet::parse(&b).unwrap_err();
        assert_eq!(e, vec![("picks", NO_PRACTICE)]);
        b.picks = vec![(7, "2", "1"), (8, "1", "2"), (9, "1", "1"), (10, "", "")];
        let ok = Booklet::parse(&b).unwrap();
        assert_eq!(
            ok.chapters,
            vec![
                ("协商议事".to_owned(), vec![9, 8]),
                ("服务管理".to_owned(), vec![7])
            ]
        );
        b.picks = vec![(7, "3", "1")];
        assert_eq!(
            Booklet::parse(&b).unwrap_err(),
            vec![("picks", CHAPTER_REF)]
        );
        let e = Booklet::parse(&RawBooklet::default()).unwrap_err();
        let fields: Vec<_> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["title", "body", "issued_on", "chapters", "picks"]);
    }

    #[test]
    fn a_meeting_needs_title_place_and_date() {
        let e = Meeting::parse("", "", "x").unwrap_err();
        assert_eq!(e.len(), 3);
        assert!(Meeting::parse("现场会", "阎良区", "2026-11-20").is_ok());
    }
}
