//! The working-day calendar: weekends, public holidays and make-up workdays (调休),
//! from a data file the operator can update (see `data/holidays-cn.txt` for the
//! format). Deadlines count working days on it. Parsing takes text; reading the
//! file is the caller's job (this crate does no IO).

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// The schedule shipped with the binary.
pub const BUILTIN: &str = include_str!("../../../data/holidays-cn.txt");

/// What a listed date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday (day off).
    Off,
    /// A make-up workday on a weekend.
    Work,
}

/// A line of the data file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Holidays and make-up workdays by date.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, (DayKind, String)>,
    years: BTreeSet<i32>,
}

fn date(s: &str, line: usize) -> Result<NaiveDate, ParseError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ParseError {
        line,
        message: format!("'{s}' is not a date (YYYY-MM-DD)"),
    })
}

impl Calendar {
    /// Parses the data file format.
    pub fn parse(text: &str) -> Result<Calendar, ParseError> {
        let mut cal = Calendar::default();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let mut parts = l.splitn(3, char::is_whitespace);
            let (Some(range), Some(kind)) = (parts.next(), parts.next()) else {
                return Err(ParseError {
                    line,
                    message: "expected: DATE[..DATE] off|work NAME".into(),
                });
            };
            let name = parts.next().unwrap_or("").trim().to_owned();
            let kind = match kind {
                "off" => DayKind::Off,
                "work" => DayKind::Work,
                other => {
                    return Err(ParseError {
                        line,
                        message: format!("'{other}' is neither off nor work"),
                    })
                }
            };
            let (from, to) = match range.split_once("..") {
                Some((a, b)) => (date(a, line)?, date(b, line)?),
                None => {
                    let d = date(range, line)?;
                    (d, d)
                }
            };
            if to < from || (to - from).num_days() > 31 {
                return Err(ParseError {
                    line,
                    message: "the range is reversed or longer than a month".into(),
                });
            }
            let mut d = from;
            while d <= to {
                if kind == DayKind::Work && !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    return Err(ParseError {
                        line,
                        message: format!("{d} is a weekday already"),
                    });
                }
                cal.years.insert(d.year());
                cal.days.insert(d, (kind, name.clone()));
                d = d + Days::new(1);
            }
        }
        Ok(cal)
    }

    /// The schedule shipped with the binary.
    pub fn builtin() -> Calendar {
        // The shipped file is tested; an error here is a build defect.
        Calendar::parse(BUILTIN).unwrap_or_default()
    }

    /// Whether the year's official schedule is known (otherwise weekends only).
    pub fn knows_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether the date is a statutory holiday (a listed day off), as opposed to
    /// an ordinary weekend: what moves or skips a studio's duty.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        matches!(self.days.get(&d), Some((DayKind::Off, _)))
    }

    /// Whether people work on this date.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.days.get(&d) {
            Some((DayKind::Off, _)) => false,
            Some((DayKind::Work, _)) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date `n` working days after `start` (`start` itself not counted);
    /// `n = 0` gives `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d + Days::new(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The date `n` working days before `end` (`end` itself not counted):
    /// the last day something due "n working days ahead" of `end` may be done;
    /// `n = 0` gives `end`.
    pub fn sub_working_days(&self, end: NaiveDate, n: u32) -> NaiveDate {
        let mut d = end;
        let mut left = n;
        while left > 0 {
            d = d - Days::new(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days after `from` up to and including `to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d + Days::new(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// The deadline `n` working days after the instant `from_ms` (unix ms): the end
    /// (23:59:59.999 China Standard Time) of the n-th working day after that date.
    pub fn deadline_after(&self, from_ms: i64, n: u32) -> i64 {
        let day = cst_date(from_ms);
        let due = self.add_working_days(day, n);
        let next = due + Days::new(1);
        next.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis() - CST_OFFSET_MS - 1)
            .unwrap_or(from_ms)
    }

    /// Working days from the date of `from_ms` up to the date of `to_ms` (CST).
    pub fn working_days_between_ms(&self, from_ms: i64, to_ms: i64) -> u32 {
        self.working_days_between(cst_date(from_ms), cst_date(to_ms))
    }
}

/// China Standard Time is UTC+8 all year.
const CST_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// Whether check-in is open at `now` for a meeting from `starts_at` to
/// `ends_at` (unix ms): from an hour before it starts until it ends. One
/// rule for every meeting people check in to (consultations, party
/// organisational life).
pub fn check_in_open(now: i64, starts_at: i64, ends_at: i64) -> bool {
    now >= starts_at - 3_600_000 && now <= ends_at
}

/// The calendar date in China of an instant (unix ms).
pub fn cst_date(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms + CST_OFFSET_MS)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// The instant `share` (0..=1) of the way from `start_ms` to `end_ms`.
pub fn share_of(start_ms: i64, end_ms: i64, share: f64) -> i64 {
    let share = share.clamp(0.0, 1.0);
    start_ms + ((end_ms - start_ms) as f64 * share) as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn working_days_back_skip_weekends_and_holidays() {
        let cal = super::Calendar::builtin();
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // Monday 2026-12-07, three working days back: Wednesday 2026-12-02.
        assert_eq!(cal.sub_working_days(d(2026, 12, 7), 3), d(2026, 12, 2));
        assert_eq!(cal.sub_working_days(d(2026, 12, 7), 0), d(2026, 12, 7));
        // And forward again.
        assert_eq!(cal.add_working_days(d(2026, 12, 2), 3), d(2026, 12, 7));
    }

    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn shipped_schedule_parses_and_covers_2025_and_2026() {
        let c = Calendar::parse(BUILTIN).unwrap();
        assert!(c.knows_year(2025) && c.knows_year(2026));
        assert!(!c.knows_year(2027));
    }

    #[test]
    fn make_up_saturday_is_a_working_day() {
        let c = Calendar::builtin();
        assert!(
            c.is_working_day(d("2026-02-14")),
            "Sat 14 Feb 2026 is a make-up workday"
        );
        assert_eq!(c.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        // Then the Spring Festival: 15–23 Feb off.
        assert_eq!(c.add_working_days(d("2026-02-14"), 1), d("2026-02-24"));
    }

    #[test]
    fn holiday_week_is_skipped() {
        let c = Calendar::builtin();
        // National Day 2026: 1–7 Oct off, Sat 10 Oct worked.
        assert_eq!(c.add_working_days(d("2026-09-30"), 1), d("2026-10-08"));
        assert_eq!(c.add_working_days(d("2026-09-30"), 3), d("2026-10-10"));
        assert_eq!(c.add_working_days(d("2026-09-30"), 4), d("2026-10-12"));
        assert_eq!(c.working_days_between(d("2026-09-30"), d("2026-10-12")), 4);
        // An ordinary weekend still counts as off, but it is no holiday.
        assert!(!c.is_working_day(d("2026-11-28")));
        assert!(!c.is_holiday(d("2026-11-28")));
        assert!(c.is_holiday(d("2026-10-04")), "a Sunday inside 国庆节");
    }

    #[test]
    fn deadlines_end_on_the_working_day_in_china() {
        let c = Calendar::builtin();
        // Assigned Wed 30 Sep 2026 10:00 CST (02:00 UTC); 3 working days → Sat 10
        // Oct (a make-up workday), ending 23:59:59.999 CST = 15:59:59.999 UTC.
        let from = chrono::NaiveDate::from_ymd_opt(2026, 9, 30)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        let due = c.deadline_after(from, 3);
        let expect = d("2026-10-10")
            .and_hms_milli_opt(15, 59, 59, 999)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(due, expect);
        assert_eq!(cst_date(due), d("2026-10-10"));
        assert_eq!(c.working_days_between_ms(from, due), 3);
        assert_eq!(share_of(0, 100, 0.75), 75);
    }

    #[test]
    fn unknown_years_fall_back_to_weekdays() {
        let c = Calendar::builtin();
        assert_eq!(c.add_working_days(d("2027-10-01"), 1), d("2027-10-04"));
    }

    #[test]
    fn bad_lines_are_named() {
        let e = Calendar::parse("2026-01-01 off 元旦\n2026-13-01 off x\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            Calendar::parse("2026-01-05 work x").is_err(),
            "a Monday cannot be a make-up day"
        );
        assert!(Calendar::parse("2026-01-05 holiday x").is_err());
    }
}
