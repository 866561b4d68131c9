//! The party organisation (党组织, issue 31 point 4, decision 0048): the
//! levels of a CPPCC body's party units (区政协党组 → 机关党组 → 机关党支部 →
//! 专委会党小组), the roles a person holds in one, the kinds of
//! organisational-life meeting (组织生活), and the checks of a meeting as
//! scheduled and of a meeting a member reports from their own work unit
//! (双重组织生活). Rules only; the store keeps units, meetings, attendance
//! and reports.

use crate::concern::FieldErrors;
use crate::values::{invalid, Invalid};
use chrono::{NaiveDate, NaiveTime};

/// The level of a party unit inside a CPPCC body, top first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// 区政协党组: the body's leading party group.
    LeadingGroup,
    /// 机关党组: the party group of the body's offices.
    OrganGroup,
    /// 机关党支部: a branch.
    Branch,
    /// 专委会党小组: a cell (of a special committee).
    Cell,
}

impl Level {
    /// Every level, top first.
    pub const ALL: [Level; 4] = [
        Level::LeadingGroup,
        Level::OrganGroup,
        Level::Branch,
        Level::Cell,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Level::LeadingGroup => "leading_group",
            Level::OrganGroup => "organ_group",
            Level::Branch => "branch",
            Level::Cell => "cell",
        }
    }

    /// The level of a code.
    pub fn parse(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == code.trim())
    }

    /// Whether a unit of this level may sit under a unit of `parent`
    /// (`None`: directly under the body). The leading group sits under the
    /// body; every other level under a unit of a higher level.
    pub fn may_sit_under(self, parent: Option<Level>) -> bool {
        match parent {
            None => self == Level::LeadingGroup,
            Some(p) => p < self,
        }
    }
}

/// What a person is in their party unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRole {
    /// 党员.
    Member,
    /// 书记: runs the unit's organisational life.
    Secretary,
}

impl UnitRole {
    /// Both roles.
    pub const ALL: [UnitRole; 2] = [UnitRole::Member, UnitRole::Secretary];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            UnitRole::Member => "member",
            UnitRole::Secretary => "secretary",
        }
    }

    /// The role of a code.
    pub fn parse(code: &str) -> Option<UnitRole> {
        UnitRole::ALL.into_iter().find(|r| r.code() == code.trim())
    }
}

/// The kind of an organisational-life meeting (三会一课 and the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingKind {
    /// 支部党员大会.
    BranchAssembly,
    /// 支部委员会.
    BranchCommittee,
    /// 党小组会.
    CellMeeting,
    /// 党课.
    Lecture,
    /// 主题党日.
    ThemeDay,
    /// 组织生活会.
    LifeMeeting,
}

impl MeetingKind {
    /// Every kind, in display order.
    pub const ALL: [MeetingKind; 6] = [
        MeetingKind::BranchAssembly,
        MeetingKind::BranchCommittee,
        MeetingKind::CellMeeting,
        MeetingKind::Lecture,
        MeetingKind::ThemeDay,
        MeetingKind::LifeMeeting,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            MeetingKind::BranchAssembly => "branch_assembly",
            MeetingKind::BranchCommittee => "branch_committee",
            MeetingKind::CellMeeting => "cell_meeting",
            MeetingKind::Lecture => "lecture",
            MeetingKind::ThemeDay => "theme_day",
            MeetingKind::LifeMeeting => "life_meeting",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<MeetingKind> {
        MeetingKind::ALL
            .into_iter()
            .find(|k| k.code() == code.trim())
    }
}

/// Longest title, unit name or place.
pub const NAME_MAX: usize = 100;
/// Longest note.
pub const NOTE_MAX: usize = 1000;

/// No kind chosen.
pub const NO_KIND: Invalid = invalid(
    "err.party.kind",
    "choose the kind of meeting (支部大会, 党小组会, 主题党日, 党课 …)",
);
/// No or a bad date.
pub const NO_DATE: Invalid = invalid("err.party.date", "give the meeting's date (YYYY-MM-DD)");
/// Bad times.
pub const BAD_TIME: Invalid = invalid(
    "err.party.time",
    "give the start and end times (HH:MM), the end after the start",
);
/// A missing or too long title.
pub const TITLE_LENGTH: Invalid = invalid("err.party.title", "give a title of 1 to 100 characters");
/// A missing or too long place.
pub const PLACE_LENGTH: Invalid =
    invalid("err.party.place", "give the place in 1 to 100 characters");
/// A reported meeting's date in the future.
pub const FUTURE_DATE: Invalid = invalid(
    "err.party.future",
    "a meeting you report must have taken place: give a date no later than today",
);
/// A reported meeting more than a year ago.
pub const OLD_DATE: Invalid = invalid(
    "err.party.old",
    "report meetings of the last 12 months only",
);
/// The work unit's party organisation not named.
pub const UNIT_NAME: Invalid = invalid(
    "err.party.unit_name",
    "name the party organisation of your work unit (1 to 100 characters)",
);
/// A note too long.
pub const NOTE_LENGTH: Invalid = invalid("err.party.note", "write at most 1000 characters");

/// Checks a text field: 1 to `max` characters after trimming.
pub fn text(s: &str, max: usize) -> Option<String> {
    let t = s.trim();
    (!t.is_empty() && t.chars().count() <= max).then(|| t.to_owned())
}

/// Unix ms of a China-time date and time.
fn cst_ms(day: NaiveDate, t: NaiveTime) -> i64 {
    day.and_time(t).and_utc().timestamp_millis() - 8 * 3_600_000
}

fn time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// An organisational-life meeting as scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    /// Kind.
    pub kind: MeetingKind,
    /// Title (the topic: 学习贯彻…).
    pub title: String,
    /// Starts, unix ms.
    pub starts_at: i64,
    /// Ends, unix ms.
    pub ends_at: i64,
    /// Place.
    pub place: String,
}

impl NewMeeting {
    /// Parses the scheduling form: every field's error at once.
    pub fn parse(
        kind: &str,
        title: &str,
        day: &str,
        start: &str,
        end: &str,
        place: &str,
    ) -> Result<NewMeeting, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = MeetingKind::parse(kind);
        if kind.is_none() {
            errors.push(("kind", NO_KIND));
        }
        let title = text(title, NAME_MAX);
        if title.is_none() {
            errors.push(("title", TITLE_LENGTH));
        }
        let day = date(day);
        if day.is_none() {
            errors.push(("date", NO_DATE));
        }
        let times = match (time(start), time(end)) {
            (Some(s), Some(e)) if e > s => Some((s, e)),
            _ => {
                errors.push(("start", BAD_TIME));
                None
            }
        };
        let place = text(place, NAME_MAX);
        if place.is_none() {
            errors.push(("place", PLACE_LENGTH));
        }
        match (kind, title, day, times, place) {
            (Some(kind), Some(title), Some(day), Some((s, e)), Some(place)) => Ok(NewMeeting {
                kind,
                title,
                starts_at: cst_ms(day, s),
                ends_at: cst_ms(day, e),
                place,
            }),
            _ => Err(errors),
        }
    }
}

/// A meeting a member reports from their own work unit's party organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// The day it was held.
    pub held_on: NaiveDate,
    /// Kind.
    pub kind: MeetingKind,
    /// The work unit's party organisation (e.g. 西安市第一医院党委第三支部).
    pub unit_name: String,
    /// What it was about, or empty.
    pub note: String,
}

impl NewReport {
    /// Parses the report form against `today` (China): every field's error
    /// at once. The evidence is checked where the files are.
    pub fn parse(
        held_on: &str,
        kind: &str,
        unit_name: &str,
        note: &str,
        today: NaiveDate,
    ) -> Result<NewReport, FieldErrors> {
        let mut errors = FieldErrors::new();
        let day = date(held_on);
        match day {
            None => errors.push(("held_on", NO_DATE)),
            Some(d) if d > today => errors.push(("held_on", FUTURE_DATE)),
            Some(d) if d < today - chrono::Days::new(366) => errors.push(("held_on", OLD_DATE)),
            Some(_) => {}
        }
        let kind = MeetingKind::parse(kind);
        if kind.is_none() {
            errors.push(("kind", NO_KIND));
        }
        let unit_name = text(unit_name, NAME_MAX);
        if unit_name.is_none() {
            errors.push(("unit_name", UNIT_NAME));
        }
        let note = note.trim();
        if note.chars().count() > NOTE_MAX {
            errors.push(("note", NOTE_LENGTH));
        }
        match (day, kind, unit_name) {
            (Some(held_on), Some(kind), Some(unit_name)) if errors.is_empty() => Ok(NewReport {
                held_on,
                kind,
                unit_name,
                note: note.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

pub use crate::calendar::check_in_open;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_nest_downwards_only() {
        assert!(Level::LeadingGroup.may_sit_under(None));
        assert!(!Level::Branch.may_sit_under(None));
        assert!(Level::OrganGroup.may_sit_under(Some(Level::LeadingGroup)));
        assert!(Level::Cell.may_sit_under(Some(Level::Branch)));
        assert!(!Level::Branch.may_sit_under(Some(Level::Cell)));
        assert!(!Level::Branch.may_sit_under(Some(Level::Branch)));
        for l in Level::ALL {
            assert_eq!(Level::parse(l.code()), Some(l));
        }
    }

    #[test]
    fn a_meeting_needs_kind_date_and_times() {
        let ok = NewMeeting::parse(
            "branch_assembly",
            "学习会",
            "2026-12-08",
            "09:00",
            "11:00",
            "三楼会议室",
        )
        .unwrap();
        assert_eq!(ok.ends_at - ok.starts_at, 2 * 3_600_000);
        // 09:00 China time is 01:00 UTC.
        assert_eq!(ok.starts_at % 86_400_000, 3_600_000);
        let e = NewMeeting::parse("", "学习会", "", "09:00", "08:00", "").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["kind", "date", "start", "place"]);
    }

    #[test]
    fn a_report_is_of_the_past_year() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert!(NewReport::parse("2026-12-07", "theme_day", "医院党委第三支部", "", today).is_ok());
        let e = NewReport::parse("2026-12-08", "theme_day", "x", "", today).unwrap_err();
        assert_eq!(e[0], ("held_on", FUTURE_DATE));
        let e = NewReport::parse("2025-11-01", "", " ", "", today).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["held_on", "kind", "unit_name"]);
    }

    #[test]
    fn check_in_opens_an_hour_before() {
        assert!(check_in_open(
            1_000_000_000 - 3_600_000,
            1_000_000_000,
            1_000_100_000
        ));
        assert!(!check_in_open(
            1_000_000_000 - 3_600_001,
            1_000_000_000,
            1_000_100_000
        ));
        assert!(!check_in_open(1_000_100_001, 1_000_000_000, 1_000_100_000));
    }
}
