//! Scoring members' duty per body: a table of rules (points per unit, cap,
//! minimum, exit trigger) applied to each member's duty record for a year, giving
//! a score, a grade and warnings. Scores are computed from the record whenever
//! they are read, so changing a rule recomputes every score.

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
/// examples in DOMAIN.md §7, for what the system records today; proposals and
/// opinion reports join when those features land.
pub const DEFAULTS: &[DefaultRule] = &[
    ("meeting", 5, "time", None, None, None),
    ("shift_attended", 5, "time", Some(30), Some(3), None),
    ("shift_missed", -10, "time", None, None, Some(2)),
    ("reception", 2, "time", Some(20), None, None),
    ("concern_recorded", 2, "piece", Some(20), None, None),
    ("concern_followed", 1, "piece", Some(10), None, None),
    ("speech", 5, "time", None, None, None),
    ("research", 5, "time", None, None, None),
    ("inspection", 5, "time", None, None, None),
    ("special_task", 10, "time", None, None, None),
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

/// A member's result for a year.
#[derive(Debug, Clone)]
pub struct Score {
    /// Member id.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Total points.
    pub total: i64,
    /// excellent (≥85), competent (60–84) or not_competent (<60).
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
        kind => r.manual.iter().filter(|e| e.kind == kind).count() as i64,
    }
}

/// Applies the rules to a record: total, items under their minimum, exit triggers.
pub fn apply(rules: &[Rule], r: &DutyRecord) -> (i64, Vec<String>, Vec<String>) {
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
        if rule.minimum.is_some_and(|m| n < m) {
            below.push(rule.item.clone());
        }
        if rule.exit_at.is_some_and(|m| n >= m) {
            exit.push(rule.item.clone());
        }
    }
    (total, below, exit)
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

/// Every member inside a unit (a member grant in its subtree: a street's member
/// group, or a whole body) with their score for a year under the body's rules.
pub async fn scores(db: &Db, actor: &Actor, unit: i64, year: i32) -> Result<Vec<Score>> {
    let table = rules(db, actor, unit).await?;
    let (path, _) = unit_and_body(db, unit).await?;
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
        let (total, below_minimum, exit_triggers) = apply(&table, &record);
        out.push(Score {
            user_id,
            name: col(m, "display_name")?,
            total,
            grade: grade(total),
            below_minimum,
            exit_triggers,
            record,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
