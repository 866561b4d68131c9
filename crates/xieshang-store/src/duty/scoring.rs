//! Scoring members' duty per body: a table of rules (points per unit, cap,
//! minimum, exit trigger) applied to each member's duty record for a year, giving
//! a score, a grade and warnings. Scores are computed from the record whenever
//! they are read, so changing a rule recomputes every score.
//!
//! A member is judged only on the duties they were given and on the part of the
//! year gone by (decision 0026): studio-shift minimums apply to members who were
//! given shifts, and never ask for more shifts than were given; other minimums
//! and the grade's thresholds are pro rata to the share of the year gone by, or
//! (the body's choice) nothing is judged before the year's end. The lowest grade
//! needs a shortfall on a duty given.

use crate::audit::{self, Entry};
use crate::db::{col, Db};
use crate::duty::record::{self, DutyRecord};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::{Actor, OrgPath, Permission, Role};

/// A default rule: (item, points, unit, cap, minimum, exit trigger).
pub type DefaultRule = (
    &'static str,
    i64,
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The default rules: (item, points, unit, cap, minimum, exit trigger). After the
/// examples in DOMAIN.md §7, for what the system records today: an accepted
/// proposal 15 for the lead author and 3 for each co-signer, a key proposal
/// 15 more, an adopted one (final reply of class A) 5 more (not in DOMAIN.md:
/// the body edits it); opinion reports by the points their own rule table
/// gives (issue 30: 1 a point, so the report rules decide).
pub const DEFAULTS: &[DefaultRule] = &[
    ("meeting", 5, "time", None, None, None),
    ("shift_attended", 5, "time", Some(30), Some(3), None),
    ("shift_missed", -10, "time", None, None, Some(2)),
    ("reception", 2, "time", Some(20), None, None),
    ("concern_recorded", 2, "piece", Some(20), None, None),
    ("concern_followed", 1, "piece", Some(10), None, None),
    ("consultation_attended", 5, "time", Some(30), None, None),
    ("consultation_spoke", 3, "time", Some(15), None, None),
    ("speech", 5, "time", None, None, None),
    ("research", 5, "time", None, None, None),
    ("inspection", 5, "time", None, None, None),
    ("special_task", 10, "time", None, None, None),
    ("proposal_accepted", 15, "piece", None, None, None),
    ("proposal_cosigned", 3, "piece", None, None, None),
    ("proposal_key", 15, "piece", None, None, None),
    ("proposal_adopted", 5, "piece", None, None, None),
    ("report_points", 1, "point", None, None, None),
    // Issue 31 point 4: party organisational life, in the CPPCC party unit
    // and reported from the work unit (双重组织生活).
    ("party_meeting", 2, "time", Some(24), None, None),
    ("party_report", 1, "time", Some(12), None, None),
];

/// One rule of a body's table.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Id.
    pub id: i64,
    /// Item code.
    pub item: String,
    /// Points per unit (negative for deductions).
    pub points: i64,
    /// Unit: time, piece, half_day, year.
    pub unit: String,
    /// Most points a year from this item.
    pub cap: Option<i64>,
    /// Fewest units a year before a warning.
    pub minimum: Option<i64>,
    /// Units a year from which the member should be considered for exit.
    pub exit_at: Option<i64>,
}

/// How a body judges a year that is not over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judge {
    /// Minimums and grade thresholds in proportion to the part of the year gone by.
    ProRata,
    /// No grade and no minimum warnings before the year's end.
    YearEnd,
}

impl Judge {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Judge::ProRata => "pro_rata",
            Judge::YearEnd => "year_end",
        }
    }

    /// From its code.
    pub fn parse(code: &str) -> Option<Judge> {
        match code {
            "pro_rata" => Some(Judge::ProRata),
            "year_end" => Some(Judge::YearEnd),
            _ => None,
        }
    }
}

/// The share (0–1) of `year` gone by on `today`.
pub fn share_of_year(year: i32, today: chrono::NaiveDate) -> f64 {
    use chrono::Datelike;
    match today.year().cmp(&year) {
        std::cmp::Ordering::Greater => 1.0,
        std::cmp::Ordering::Less => 0.0,
        std::cmp::Ordering::Equal => {
            let days = if chrono::NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
                366.0
            } else {
                365.0
            };
            f64::from(today.ordinal()) / days
        }
    }
}

/// A member's result for a year.
#[derive(Debug, Clone)]
pub struct Score {
    /// Member id.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Total points.
    pub total: i64,
    /// excellent (≥85), competent (60–84) or not_competent (<60, with a
    /// shortfall on a duty given), thresholds pro rata to the year gone by; or
    /// pending (the body judges at the year's end).
    pub grade: &'static str,
    /// Items below their minimum.
    pub below_minimum: Vec<String>,
    /// Items at or over their exit trigger.
    pub exit_triggers: Vec<String>,
    /// The duty record the score was computed from.
    pub record: DutyRecord,
}

/// The grade for a score.
pub fn grade(total: i64) -> &'static str {
    match total {
        t if t >= 85 => "excellent",
        t if t >= 60 => "competent",
        _ => "not_competent",
    }
}

/// Units of each item in a record.
fn units(r: &DutyRecord, item: &str) -> i64 {
    match item {
        "shift_attended" => r.shifts_attended,
        "shift_missed" => r.shifts_missed,
        "reception" => r.receptions,
        "concern_recorded" => r.concerns_recorded,
        "concern_followed" => r.concerns_followed,
        "consultation_attended" => r.consultations_attended,
        "consultation_spoke" => r.consultations_spoke,
        "proposal_accepted" => r.proposals_accepted,
        "proposal_cosigned" => r.proposals_cosigned,
        "proposal_key" => r.proposals_key,
        "proposal_adopted" => r.proposals_adopted,
        "report_points" => r.report_points,
        "party_meeting" => r.party_meetings,
        "party_report" => r.party_reports,
        kind => r.manual.iter().filter(|e| e.kind == kind).count() as i64,
    }
}

/// Applies the rules to a record: total, items under their minimum, exit triggers.
/// A full year: `judge(rules, r, 1.0)`.
pub fn apply(rules: &[Rule], r: &DutyRecord) -> (i64, Vec<String>, Vec<String>) {
    let j = judge(rules, r, 1.0);
    (j.total, j.below_minimum, j.exit_triggers)
}

/// What the rules make of a record with `share` (0–1) of the year gone by.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// Points.
    pub total: i64,
    /// Items under their minimum (for the duties given, pro rata).
    pub below_minimum: Vec<String>,
    /// Items at or over their exit trigger.
    pub exit_triggers: Vec<String>,
    /// The grade.
    pub grade: &'static str,
}

/// The minimum a rule asks of this member by now: shift minimums only of those
/// given shifts and never more than they were given; other minimums pro rata.
fn minimum_by_now(rule: &Rule, r: &DutyRecord, share: f64) -> Option<i64> {
    let m = rule.minimum?;
    let given = r.shifts_attended + r.shifts_missed;
    match rule.item.as_str() {
        "shift_attended" | "shift_missed" if given == 0 => None,
        "shift_attended" => Some(m.min(given)),
        "shift_missed" => None,
        _ => Some((m as f64 * share).floor() as i64),
    }
}

/// Applies the rules to a record with `share` (0–1) of the year gone by: points,
/// the minimums not met by now, exit triggers, and the grade on thresholds pro
/// rata (85 and 60 for a full year). The lowest grade needs a shortfall on a
/// duty given (a minimum not met or an exit trigger reached).
pub fn judge(rules: &[Rule], r: &DutyRecord, share: f64) -> Judgement {
    let share = share.clamp(0.0, 1.0);
    let mut total = 0;
    let (mut below, mut exit) = (Vec::new(), Vec::new());
    for rule in rules {
        let n = units(r, &rule.item);
        let mut points = n * rule.points;
        if let Some(cap) = rule.cap {
            points = if points >= 0 {
                points.min(cap)
            } else {
                points.max(-cap)
            };
        }
        total += points;
        if minimum_by_now(rule, r, share).is_some_and(|m| n < m) {
            below.push(rule.item.clone());
        }
        if rule.exit_at.is_some_and(|m| n >= m) {
            exit.push(rule.item.clone());
        }
    }
    let points = total as f64;
    let grade = if points >= 85.0 * share {
        "excellent"
    } else if points >= 60.0 * share || (below.is_empty() && exit.is_empty()) {
        "competent"
    } else {
        "not_competent"
    };
    Judgement {
        total,
        below_minimum: below,
        exit_triggers: exit,
        grade,
    }
}

/// A unit's path and its body: the nearest city or district CPPCC at or above it.
pub(crate) async fn unit_and_body(db: &Db, unit: i64) -> Result<(OrgPath, i64)> {
    let p: Option<String> = sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1")
        .bind(unit)
        .fetch_optional(db.pool())
        .await?;
    let path = p.and_then(|p| OrgPath::parse(&p)).ok_or(Error::NotFound)?;
    let ids = path.ids();
    let list = crate::db::placeholders(1, ids.len());
    let bodies = crate::db::query_with(
        &format!("SELECT id, path FROM orgs WHERE kind IN ('city', 'district') AND id IN ({list})"),
        ids.into_iter().map(crate::db::Arg::Int).collect(),
    )
    .fetch_all(db.pool())
    .await?;
    let mut best: Option<(usize, i64)> = None;
    for b in &bodies {
        let depth = OrgPath::parse(&col::<String>(b, "path")?)
            .map(|p| p.depth())
            .unwrap_or(0);
        if best.is_none_or(|(d, _)| depth > d) {
            best = Some((depth, col(b, "id")?));
        }
    }
    let body = best.map(|(_, id)| id).ok_or(Error::NotFound)?;
    Ok((path, body))
}

/// The rules of the body a unit belongs to, created from the defaults on first
/// use. Those who may view accounts over the unit may read them.
pub async fn rules(db: &Db, actor: &Actor, unit: i64) -> Result<Vec<Rule>> {
    let (path, body) = unit_and_body(db, unit).await?;
    actor.check(Permission::UserView, &path)?;
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM scoring_rules WHERE org_id = $1")
        .bind(body)
        .fetch_one(db.pool())
        .await?;
    if have < DEFAULTS.len() as i64 {
        fill_defaults(db, body).await?;
    }
    read_rules(db, body).await
}

async fn fill_defaults(db: &Db, body: i64) -> Result<()> {
    let mut tx = db.begin_write().await?;
    for (item, points, unit, cap, minimum, exit_at) in DEFAULTS {
        sqlx::query(
            "INSERT INTO scoring_rules (org_id, item, points, unit, cap, minimum, exit_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, item) DO NOTHING",
        )
        .bind(body)
        .bind(*item)
        .bind(*points)
        .bind(*unit)
        .bind(*cap)
        .bind(*minimum)
        .bind(*exit_at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn read_rules(db: &Db, body: i64) -> Result<Vec<Rule>> {
    sqlx::query("SELECT id, item, points, unit, cap, minimum, exit_at FROM scoring_rules WHERE org_id = $1 ORDER BY id")
        .bind(body)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Rule {
                id: col(r, "id")?,
                item: col(r, "item")?,
                points: col(r, "points")?,
                unit: col(r, "unit")?,
                cap: col(r, "cap")?,
                minimum: col(r, "minimum")?,
                exit_at: col(r, "exit_at")?,
            })
        })
        .collect()
}

/// Staff who manage accounts over the body change one rule of its table; audited.
#[allow(clippy::too_many_arguments)]
pub async fn set_rule(
    db: &Db,
    actor: &Actor,
    unit: i64,
    item: &str,
    points: i64,
    cap: Option<i64>,
    minimum: Option<i64>,
    exit_at: Option<i64>,
) -> Result<()> {
    let (_, body) = unit_and_body(db, unit).await?;
    let body_path = OrgPath::parse(
        &sqlx::query_scalar::<_, String>("SELECT path FROM orgs WHERE id = $1")
            .bind(body)
            .fetch_one(db.pool())
            .await?,
    )
    .ok_or(Error::NotFound)?;
    actor.check(Permission::UserManage, &body_path)?;
    let before = rules(db, actor, unit)
        .await?
        .into_iter()
        .find(|r| r.item == item)
        .ok_or(Error::NotFound)?;
    if !(-100..=100).contains(&points)
        || [cap, minimum, exit_at]
            .iter()
            .flatten()
            .any(|v| !(0..=1000).contains(v))
    {
        return Err(Error::field(
            "points",
            "err.rule",
            "points from -100 to 100; caps and counts from 0 to 1000",
        ));
    }
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE scoring_rules SET points = $1, cap = $2, minimum = $3, exit_at = $4 WHERE id = $5",
    )
    .bind(points)
    .bind(cap)
    .bind(minimum)
    .bind(exit_at)
    .bind(before.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.now_ms(),
        Entry {
            actor: Some(actor),
            action: "scoring.rule",
            entity: "org",
            entity_id: body.to_string(),
            org_id: Some(body),
            before: Some(json!({ "item": item, "points": before.points, "cap": before.cap,
                "minimum": before.minimum, "exit_at": before.exit_at })),
            after: Some(json!({ "item": item, "points": points, "cap": cap, "minimum": minimum, "exit_at": exit_at })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How the body of a unit judges a year that is not over (pro rata when unset).
pub async fn judging(db: &Db, actor: &Actor, unit: i64) -> Result<Judge> {
    let (path, body) = unit_and_body(db, unit).await?;
    actor.check(Permission::UserView, &path)?;
    judging_of(db, body).await
}

async fn judging_of(db: &Db, body: i64) -> Result<Judge> {
    let code: Option<String> =
        sqlx::query_scalar("SELECT judge FROM scoring_settings WHERE org_id = $1")
            .bind(body)
            .fetch_optional(db.pool())
            .await?;
    Ok(code
        .as_deref()
        .and_then(Judge::parse)
        .unwrap_or(Judge::ProRata))
}

/// Staff who manage accounts over the body choose how it judges a year that is
/// not over; audited.
pub async fn set_judging(db: &Db, actor: &Actor, unit: i64, judge: Judge) -> Result<()> {
    let (_, body) = unit_and_body(db, unit).await?;
    let body_path = OrgPath::parse(
        &sqlx::query_scalar::<_, String>("SELECT path FROM orgs WHERE id = $1")
            .bind(body)
            .fetch_one(db.pool())
            .await?,
    )
    .ok_or(Error::NotFound)?;
    actor.check(Permission::UserManage, &body_path)?;
    let before = judging_of(db, body).await?;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO scoring_settings (org_id, judge) VALUES ($1, $2)
         ON CONFLICT (org_id) DO UPDATE SET judge = excluded.judge",
    )
    .bind(body)
    .bind(judge.code())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.now_ms(),
        Entry {
            actor: Some(actor),
            action: "scoring.judge",
            entity: "org",
            entity_id: body.to_string(),
            org_id: Some(body),
            before: Some(json!({ "judge": before.code() })),
            after: Some(json!({ "judge": judge.code() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every member inside a unit (a member grant in its subtree: a street's member
/// group, or a whole body) with their score for a year under the body's rules.
pub async fn scores(db: &Db, actor: &Actor, unit: i64, year: i32) -> Result<Vec<Score>> {
    let table = rules(db, actor, unit).await?;
    let (path, body) = unit_and_body(db, unit).await?;
    let share = share_of_year(year, xieshang_core::calendar::cst_date(db.now_ms()));
    let mode = judging_of(db, body).await?;
    let members = sqlx::query(
        "SELECT DISTINCT u.id, u.display_name FROM users u JOIN grants g ON g.user_id = u.id
         JOIN orgs o ON o.id = g.org_id WHERE g.role = $1 AND o.path LIKE $2 AND u.disabled_at IS NULL
         ORDER BY u.id",
    )
    .bind(Role::Member.code())
    .bind(format!("{}%", path.as_str()))
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for m in &members {
        let user_id: i64 = col(m, "id")?;
        let record = record::for_member(db, user_id, year).await?;
        let j = judge(&table, &record, share);
        let pending = mode == Judge::YearEnd && share < 1.0;
        out.push(Score {
            user_id,
            name: col(m, "display_name")?,
            total: j.total,
            grade: if pending { "pending" } else { j.grade },
            below_minimum: if pending { Vec::new() } else { j.below_minimum },
            exit_triggers: j.exit_triggers,
            record,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duty::record::ManualEntry;

    fn rule(
        item: &str,
        points: i64,
        cap: Option<i64>,
        minimum: Option<i64>,
        exit_at: Option<i64>,
    ) -> Rule {
        Rule {
            id: 0,
            item: item.into(),
            points,
            unit: "time".into(),
            cap,
            minimum,
            exit_at,
        }
    }

    #[test]
    fn caps_minimums_exit_triggers_and_grades() {
        let r = DutyRecord {
            shifts_attended: 8,
            shifts_missed: 2,
            receptions: 15,
            ..Default::default()
        };
        let table = vec![
            rule("shift_attended", 5, Some(30), Some(3), None),
            rule("shift_missed", -10, None, None, Some(2)),
            rule("reception", 2, Some(20), None, None),
            rule("speech", 5, None, Some(1), None),
        ];
        let (total, below, exit) = apply(&table, &r);
        assert_eq!(total, 30 - 20 + 20);
        assert_eq!(below, vec!["speech"]);
        assert_eq!(exit, vec!["shift_missed"]);
        assert_eq!(grade(85), "excellent");
        assert_eq!(grade(84), "competent");
        assert_eq!(grade(59), "not_competent");
    }

    fn d(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn members_are_judged_on_duties_given_and_the_year_gone_by() {
        let table: Vec<Rule> = DEFAULTS
            .iter()
            .map(|(item, points, _, cap, minimum, exit_at)| {
                rule(item, *points, *cap, *minimum, *exit_at)
            })
            .collect();
        let december = share_of_year(2026, d("2026-12-06"));
        assert!((0.9..0.95).contains(&december), "{december}");
        assert_eq!(share_of_year(2025, d("2026-12-06")), 1.0);
        assert_eq!(share_of_year(2027, d("2026-12-06")), 0.0);
        // He served the one shift he was given this year.
        let served = DutyRecord {
            shifts_attended: 1,
            ..Default::default()
        };
        let j = judge(&table, &served, december);
        assert!(j.below_minimum.is_empty(), "{j:?}");
        assert_ne!(j.grade, "not_competent", "{j:?}");
        // He belongs to no studio: no shift minimum, nothing missed.
        let no_studio = DutyRecord::default();
        let j = judge(&table, &no_studio, december);
        assert!(
            j.below_minimum.is_empty() && j.exit_triggers.is_empty(),
            "{j:?}"
        );
        assert_ne!(j.grade, "not_competent");
        // She missed the two shifts she was given: that is a shortfall.
        let missed = DutyRecord {
            shifts_missed: 2,
            ..Default::default()
        };
        let j = judge(&table, &missed, december);
        assert_eq!(j.below_minimum, vec!["shift_attended"]);
        assert_eq!(j.exit_triggers, vec!["shift_missed"]);
        assert_eq!(j.grade, "not_competent");
        // Points count pro rata: 50 points by July is on course for excellent.
        let busy = DutyRecord {
            shifts_attended: 4,
            receptions: 10,
            concerns_recorded: 5,
            ..Default::default()
        };
        let july = share_of_year(2026, d("2026-07-01"));
        assert_eq!(judge(&table, &busy, july).grade, "excellent");
        assert_eq!(judge(&table, &busy, 1.0).grade, "competent");
        // Other minimums are pro rata: 4 speeches a year is 2 by July.
        let speeches = vec![rule("speech", 5, None, Some(4), None)];
        let two = DutyRecord {
            manual: vec![
                ManualEntry {
                    kind: "speech".into(),
                    description: String::new(),
                    evidence: String::new(),
                    added_by: String::new(),
                    at: 0,
                };
                2
            ],
            ..Default::default()
        };
        assert!(judge(&speeches, &two, july).below_minimum.is_empty());
        assert_eq!(judge(&speeches, &two, 1.0).below_minimum, vec!["speech"]);
    }
}
