//! The rules of a proposal's handling (issue 29 points 5–7, decision record
//! 0035): a body's rules of time and its classes of reply, the ways a unit
//! contacts the proposer, the evaluations, and deadlines counted in months.
//! No IO: the store reads a body's rules and asks these.

use crate::calendar::{cst_date, Calendar};
use chrono::{Datelike, Days, NaiveDate};

/// A body's rules of handling (`proposal_rules`; NULL columns: the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Working days in which an assigned unit may object.
    pub objection_days: u32,
    /// Days in which a co-handling unit sends its opinion to the lead unit.
    pub co_opinion_days: u32,
    /// Months to reply to an interim proposal (平时提案).
    pub reply_months: u32,
    /// Months to reply to a plenary proposal (大会提案).
    pub plenary_reply_months: u32,
    /// The furthest an extension may reach, in months from the assignment.
    pub extension_max_months: u32,
    /// Whether the body uses the four classes A–D (else A–C).
    pub four_classes: bool,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            objection_days: 5,
            co_opinion_days: 30,
            reply_months: 3,
            plenary_reply_months: 3,
            extension_max_months: 6,
            four_classes: false,
        }
    }
}

/// Allowed ranges of each rule (DOMAIN.md §5 and a margin).
pub const OBJECTION_DAYS: (u32, u32) = (1, 20);
/// Co-handlers' opinion window, days.
pub const CO_OPINION_DAYS: (u32, u32) = (5, 90);
/// Months to reply.
pub const REPLY_MONTHS: (u32, u32) = (1, 6);
/// Furthest extension, months.
pub const EXTENSION_MONTHS: (u32, u32) = (1, 12);

/// Why a body's rules were refused: the field and the message key.
pub type RuleError = (&'static str, &'static str);

impl Rules {
    /// Checks rules as typed: each within its range, the furthest extension
    /// no shorter than the time to reply.
    pub fn check(self) -> Result<Rules, RuleError> {
        let within = |v: u32, (lo, hi): (u32, u32)| (lo..=hi).contains(&v);
        if !within(self.objection_days, OBJECTION_DAYS) {
            return Err(("objection_days", "err.proposal.objection_days"));
        }
        if !within(self.co_opinion_days, CO_OPINION_DAYS) {
            return Err(("co_opinion_days", "err.proposal.co_opinion_days"));
        }
        if !within(self.reply_months, REPLY_MONTHS) {
            return Err(("reply_months", "err.proposal.reply_months"));
        }
        if !within(self.plenary_reply_months, REPLY_MONTHS) {
            return Err(("plenary_reply_months", "err.proposal.reply_months"));
        }
        if !within(self.extension_max_months, EXTENSION_MONTHS)
            || self.extension_max_months < self.reply_months.max(self.plenary_reply_months)
        {
            return Err(("extension_max_months", "err.proposal.extension_max"));
        }
        Ok(self)
    }

    /// The classes a reply may have.
    pub fn classes(self) -> &'static [&'static str] {
        if self.four_classes {
            &["A", "B", "C", "D"]
        } else {
            &["A", "B", "C"]
        }
    }

    /// Months to reply to a proposal filed on `occasion` (`plenary` or not).
    pub fn months_for(self, occasion: Option<&str>) -> u32 {
        if occasion == Some("plenary") {
            self.plenary_reply_months
        } else {
            self.reply_months
        }
    }
}

/// An evaluation of a reply, and how the proposer was consulted.
pub const RATINGS: [&str; 3] = ["satisfied", "basically_satisfied", "unsatisfied"];

/// How a unit contacted the proposer.
pub const WAYS: [&str; 4] = ["visit", "meeting", "phone", "letter"];

/// The date `months` calendar months after `day` (the month's last day when
/// it has no such day).
pub fn add_months(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(chrono::Months::new(months))
        .unwrap_or(day)
}

/// The deadline `months` after the instant `from_ms`: the end (23:59:59.999
/// China Standard Time) of the same date `months` later, moved on to the
/// next working day when that date is not one.
pub fn months_after(cal: &Calendar, from_ms: i64, months: u32) -> i64 {
    let mut due = add_months(cst_date(from_ms), months);
    while !cal.is_working_day(due) {
        due = due + Days::new(1);
    }
    end_of_day(due).unwrap_or(from_ms)
}

/// The last instant of a day in China Standard Time, unix ms.
pub fn end_of_day(day: NaiveDate) -> Option<i64> {
    let next = day + Days::new(1);
    next.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000 - 1)
}

/// The day an extension may reach at most: `max_months` after the
/// assignment, as [`months_after`] counts (a working day's end).
pub fn extension_limit(cal: &Calendar, assigned_ms: i64, max_months: u32) -> i64 {
    months_after(cal, assigned_ms, max_months)
}

/// A date typed as `YYYY-MM-DD`, as the end of that day (CST).
pub fn day_end(text: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    if d.year() < 2000 {
        return None;
    }
    end_of_day(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_land_on_a_working_day() {
        let cal = Calendar::builtin();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // Monday 2026-12-07 + 3 months = Sunday 2027-03-07 → Monday 03-08.
        let from = end_of_day(d(2026, 12, 7)).unwrap() - 3_600_000;
        let due = months_after(&cal, from, 3);
        assert_eq!(cst_date(due), d(2027, 3, 8));
        assert_eq!(due, end_of_day(d(2027, 3, 8)).unwrap());
        // The 31st of a month with 30 days: its last day.
        assert_eq!(add_months(d(2026, 8, 31), 1), d(2026, 9, 30));
    }

    #[test]
    fn rules_are_checked() {
        assert!(Rules::default().check().is_ok());
        let r = Rules {
            objection_days: 0,
            ..Rules::default()
        };
        assert_eq!(r.check().unwrap_err().0, "objection_days");
        let r = Rules {
            reply_months: 5,
            extension_max_months: 4,
            ..Rules::default()
        };
        assert_eq!(r.check().unwrap_err().0, "extension_max_months");
        assert_eq!(Rules::default().classes(), ["A", "B", "C"]);
        assert_eq!(Rules::default().months_for(Some("plenary")), 3);
    }
}
