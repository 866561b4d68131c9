//! Duty rotas for member studios (委员工作室): who is on duty on which day.
//!
//! A studio has members in a fixed order, one or more duty weekdays and a number
//! of members per duty day. The rota walks the members round-robin from where the
//! last rota stopped, so over time everyone serves equally often. Weekends are
//! ordinary days for a studio that sits on them: only a statutory holiday (a day
//! off on the calendar's holiday table) drops a duty day or moves it to the next
//! free working day. No day ever gets more members than the studio's number per
//! day, counting the shifts already kept on it. Pure: storage and permissions are
//! the store's job.

use crate::calendar::Calendar;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::BTreeMap;

/// What happens to a duty day that falls on a statutory holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnHoliday {
    /// No duty that day.
    Skip,
    /// The duty moves to the next free working day (dropped when none is free
    /// within two weeks).
    NextWorkingDay,
}

/// How far a holiday's duty may move before it is dropped.
const MOVE_WITHIN_DAYS: u64 = 14;

/// How a studio's duty runs.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// Members (ids) in rotation order.
    pub members: &'a [i64],
    /// Duty weekdays.
    pub weekdays: &'a [Weekday],
    /// Members on duty per duty day (at least one; at most all).
    pub per_day: usize,
    /// Holidays.
    pub on_holiday: OnHoliday,
    /// Index in `members` of the next one to serve (where the last rota
    /// stopped before the range).
    pub next: usize,
    /// Shifts that stay (served, or assigned and kept): a planned day they
    /// cover needs fewer new members, a day they are served on holds fewer
    /// more, a member already on a day is not put on it twice, and the
    /// rotation goes on after the last of them before each day it fills.
    pub kept: &'a [Duty],
}

/// One member's duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duty {
    /// The day they serve.
    pub day: NaiveDate,
    /// The weekday it was planned for (differs when moved off a holiday).
    pub planned: NaiveDate,
    /// Member id.
    pub member: i64,
}

/// The duties from `from` to `to` (inclusive) that fill what the kept shifts
/// leave open, and the index of the member who serves next after them.
pub fn generate(
    cal: &Calendar,
    plan: &Plan<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<Duty>, usize) {
    let n = plan.members.len();
    if n == 0 || plan.weekdays.is_empty() || from > to {
        return (Vec::new(), plan.next);
    }
    let per_day = plan.per_day.clamp(1, n);
    let sits = |d: NaiveDate| plan.weekdays.contains(&d.weekday());
    // Who is on each day, and the kept shifts by the day they were planned for.
    let mut on_day: BTreeMap<NaiveDate, Vec<i64>> = BTreeMap::new();
    let mut planned_for: BTreeMap<NaiveDate, Vec<i64>> = BTreeMap::new();
    for k in plan.kept {
        on_day.entry(k.day).or_default().push(k.member);
        planned_for.entry(k.planned).or_default().push(k.member);
    }
    let position = |m: i64| plan.members.iter().position(|&x| x == m);
    let mut next = plan.next % n;
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let covered = planned_for.get(&d).map_or(&[][..], Vec::as_slice);
        // The rotation goes on after the last member kept on this day.
        if let Some(p) = covered.iter().rev().find_map(|&m| position(m)) {
            next = (p + 1) % n;
        }
        let need = per_day.saturating_sub(covered.len());
        if sits(d) && need > 0 {
            let day = if !cal.is_holiday(d) {
                Some(d)
            } else {
                match plan.on_holiday {
                    OnHoliday::Skip => None,
                    // A free working day: not a holiday, not one of the studio's own
                    // duty days (those have their own members), nobody on it yet.
                    OnHoliday::NextWorkingDay => (1..=MOVE_WITHIN_DAYS)
                        .filter_map(|k| d.checked_add_days(Days::new(k)))
                        .find(|&m| {
                            cal.is_working_day(m)
                                && !sits(m)
                                && on_day.get(&m).is_none_or(Vec::is_empty)
                        }),
                }
            };
            if let Some(day) = day {
                let on = on_day.entry(day).or_default();
                let mut added = 0;
                // Each member is tried at most once per day: one already on
                // it is passed over.
                for _ in 0..n {
                    if added == need || on.len() >= per_day {
                        break;
                    }
                    let m = plan.members[next];
                    next = (next + 1) % n;
                    if on.contains(&m) {
                        continue;
                    }
                    out.push(Duty {
                        day,
                        planned: d,
                        member: m,
                    });
                    on.push(m);
                    added += 1;
                }
            }
        }
        match d.checked_add_days(Days::new(1)) {
            Some(x) => d = x,
            None => break,
        }
    }
    (out, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn members(n: i64) -> Vec<i64> {
        (1..=n).collect()
    }

    #[test]
    fn the_fenghuang_studio_rotates_22_members_one_each_friday() {
        let cal = Calendar::builtin();
        let m = members(22);
        let plan = Plan {
            members: &m,
            weekdays: &[Weekday::Fri],
            per_day: 1,
            on_holiday: OnHoliday::Skip,
            next: 0,
            kept: &[],
        };
        // 2026 has 52 Fridays; six fall in holidays (元旦 01-02, 春节 02-20, 劳动节
        // 05-01, 端午节 06-19, 中秋节 09-25, 国庆节 10-02) and are skipped.
        let (duties, next) = generate(&cal, &plan, d("2026-01-01"), d("2026-12-31"));
        assert_eq!(duties.len(), 46);
        assert!(duties.iter().all(|x| x.day.weekday() == Weekday::Fri));
        for off in [
            "2026-01-02",
            "2026-02-20",
            "2026-05-01",
            "2026-06-19",
            "2026-09-25",
            "2026-10-02",
        ] {
            assert!(!duties.iter().any(|x| x.day == d(off)), "{off}");
        }
        assert_eq!(duties[0].member, 1);
        assert_eq!(
            duties[22].member, 1,
            "the 23rd Friday starts the round again"
        );
        assert_eq!(next, 46 % 22);
        // Fair: everyone serves two or three times in the year.
        for id in &m {
            let k = duties.iter().filter(|x| x.member == *id).count();
            assert!((2..=3).contains(&k), "member {id}: {k}");
        }
    }

    #[test]
    fn a_duty_in_a_holiday_week_moves_to_the_next_working_day() {
        let cal = Calendar::builtin();
        let m = members(3);
        let plan = Plan {
            members: &m,
            weekdays: &[Weekday::Fri],
            per_day: 1,
            on_holiday: OnHoliday::NextWorkingDay,
            next: 0,
            kept: &[],
        };
        // Fridays 2026-09-25 (中秋节) and 2026-10-02 (国庆节), then 2026-10-09.
        let (duties, _) = generate(&cal, &plan, d("2026-09-21"), d("2026-10-11"));
        let days: Vec<(NaiveDate, NaiveDate, i64)> = duties
            .iter()
            .map(|x| (x.planned, x.day, x.member))
            .collect();
        assert_eq!(
            days,
            vec![
                (d("2026-09-25"), d("2026-09-28"), 1),
                (d("2026-10-02"), d("2026-10-08"), 2),
                (d("2026-10-09"), d("2026-10-09"), 3),
            ]
        );
    }

    #[test]
    fn the_next_rota_continues_where_the_last_stopped_and_pairs_serve_together() {
        let cal = Calendar::builtin();
        let m = members(5);
        let first = Plan {
            members: &m,
            weekdays: &[Weekday::Tue, Weekday::Thu],
            per_day: 2,
            on_holiday: OnHoliday::Skip,
            next: 0,
            kept: &[],
        };
        let (a, next) = generate(&cal, &first, d("2026-03-02"), d("2026-03-08"));
        assert_eq!(
            a.iter().map(|x| x.member).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
        assert_eq!(a[0].day, a[1].day, "two on the same day");
        let second = Plan {
            next,
            ..first.clone()
        };
        let (b, _) = generate(&cal, &second, d("2026-03-09"), d("2026-03-15"));
        assert_eq!(
            b.iter().map(|x| x.member).collect::<Vec<_>>(),
            vec![5, 1, 2, 3]
        );
    }

    #[test]
    fn weekends_are_ordinary_days_for_a_studio_that_sits_on_sundays() {
        let cal = Calendar::builtin();
        let m = members(4);
        let plan = Plan {
            members: &m,
            weekdays: &[Weekday::Sun],
            per_day: 1,
            on_holiday: OnHoliday::NextWorkingDay,
            next: 0,
            kept: &[],
        };
        // Sundays 2026-09-20 (a make-up workday), 09-27 (中秋节), 10-04 (国庆节),
        // 10-11: the two in holidays move to the first free working day after them.
        let (duties, _) = generate(&cal, &plan, d("2026-09-14"), d("2026-10-11"));
        let days: Vec<(NaiveDate, NaiveDate)> = duties.iter().map(|x| (x.planned, x.day)).collect();
        assert_eq!(
            days,
            vec![
                (d("2026-09-20"), d("2026-09-20")),
                (d("2026-09-27"), d("2026-09-28")),
                (d("2026-10-04"), d("2026-10-08")),
                (d("2026-10-11"), d("2026-10-11")),
            ]
        );
        let skip = Plan {
            on_holiday: OnHoliday::Skip,
            ..plan.clone()
        };
        let (duties, _) = generate(&cal, &skip, d("2026-11-01"), d("2026-11-30"));
        assert_eq!(duties.len(), 5, "every Sunday of November 2026");
    }

    #[test]
    fn never_more_members_on_a_day_than_the_studio_has_per_day() {
        // New Year's Day 2027 (a Friday) is a holiday in the operator's file.
        let cal = Calendar::parse("2027-01-01 off 元旦\n").unwrap();
        let m = members(6);
        let plan = Plan {
            members: &m,
            weekdays: &[Weekday::Mon, Weekday::Fri],
            per_day: 1,
            on_holiday: OnHoliday::NextWorkingDay,
            next: 0,
            kept: &[],
        };
        let (duties, _) = generate(&cal, &plan, d("2026-12-28"), d("2027-01-10"));
        let mut per_day = BTreeMap::new();
        for x in &duties {
            *per_day.entry(x.day).or_insert(0) += 1;
        }
        assert!(per_day.values().all(|&k| k == 1), "{per_day:?}");
        // Monday 01-04 is the studio's own duty day: the holiday's duty goes to Tuesday.
        assert!(duties
            .iter()
            .any(|x| x.planned == d("2027-01-01") && x.day == d("2027-01-05")));
        // A shift kept on a day counts against the number per day.
        let kept = [Duty {
            day: d("2027-01-04"),
            planned: d("2027-01-04"),
            member: 6,
        }];
        let friday = Plan {
            weekdays: &[Weekday::Fri],
            kept: &kept,
            ..plan.clone()
        };
        let (duties, _) = generate(&cal, &friday, d("2027-01-01"), d("2027-01-10"));
        assert!(
            duties.iter().all(|x| x.day != d("2027-01-04")),
            "{duties:?}"
        );
        assert_eq!(duties[0].day, d("2027-01-05"));
        let monday = Plan {
            weekdays: &[Weekday::Mon],
            kept: &kept,
            ..plan.clone()
        };
        let (duties, _) = generate(&cal, &monday, d("2027-01-04"), d("2027-01-04"));
        assert!(duties.is_empty(), "01-04 is full already: {duties:?}");
    }

    #[test]
    fn kept_shifts_stay_and_only_the_gaps_are_filled_in_rotation() {
        let cal = Calendar::builtin();
        let m = members(4);
        // Mondays 2026-11-02 … 11-30, two a day. Kept: 11-09 full (1, 2), 11-23
        // half (3); 11-02, 11-16 and 11-30 empty.
        let kept = [
            Duty {
                day: d("2026-11-09"),
                planned: d("2026-11-09"),
                member: 1,
            },
            Duty {
                day: d("2026-11-09"),
                planned: d("2026-11-09"),
                member: 2,
            },
            Duty {
                day: d("2026-11-23"),
                planned: d("2026-11-23"),
                member: 3,
            },
        ];
        let plan = Plan {
            members: &m,
            weekdays: &[Weekday::Mon],
            per_day: 2,
            on_holiday: OnHoliday::Skip,
            next: 2,
            kept: &kept,
        };
        let (duties, next) = generate(&cal, &plan, d("2026-11-02"), d("2026-11-30"));
        let got: Vec<(NaiveDate, i64)> = duties.iter().map(|x| (x.day, x.member)).collect();
        assert_eq!(
            got,
            vec![
                // Before the kept days, from where the last rota stopped.
                (d("2026-11-02"), 3),
                (d("2026-11-02"), 4),
                // After 11-09's (1, 2): 3 and 4.
                (d("2026-11-16"), 3),
                (d("2026-11-16"), 4),
                // 11-23 holds 3: one more, after 3.
                (d("2026-11-23"), 4),
                (d("2026-11-30"), 1),
                (d("2026-11-30"), 2),
            ]
        );
        assert_eq!(next, 2);
        // A member kept on a day is never put on it twice.
        let kept = [Duty {
            day: d("2026-11-02"),
            planned: d("2026-11-02"),
            member: 4,
        }];
        let again = Plan {
            next: 3,
            kept: &kept,
            ..plan.clone()
        };
        let (duties, _) = generate(&cal, &again, d("2026-11-02"), d("2026-11-02"));
        // The rotation goes on after the kept member 4: member 1.
        assert_eq!(duties.iter().map(|x| x.member).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn nothing_to_rotate_gives_nothing() {
        let cal = Calendar::builtin();
        let plan = Plan {
            members: &[],
            weekdays: &[Weekday::Fri],
            per_day: 1,
            on_holiday: OnHoliday::Skip,
            next: 3,
            kept: &[],
        };
        assert_eq!(
            generate(&cal, &plan, d("2026-01-01"), d("2026-02-01")),
            (Vec::new(), 3)
        );
    }
}
