//! The rules of time of a body's consultations, in working days (DOMAIN.md
//! §4): built-in defaults, which each body may replace for all its kinds or
//! for one kind (`consultation_rules`, migration 35).

use crate::audit::{self, Entry};
use crate::db::{col, Db};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::org::OrgKind;
use xieshang_core::{Actor, Permission};

/// The rules of time of a consultation, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRules {
    /// Notice given at least this many working days before the meeting.
    pub notice_days: u32,
    /// Materials out at least this many working days before.
    pub materials_days: u32,
    /// Minutes within this many working days after.
    pub minutes_days: u32,
}

/// The most working days any rule may ask for (about three months).
pub const MOST_DAYS: u32 = 60;

/// The built-in rules for a kind at a unit: the city's (15, 10, 7), shorter
/// for grassroots consultations and for streets and communities (5, 3, 7).
pub fn rules_for(kind: &str, unit: OrgKind) -> TimeRules {
    let grassroots = kind == "grassroots"
        || kind == "mock"
        || matches!(unit, OrgKind::Street | OrgKind::Community | OrgKind::Grid);
    if grassroots {
        TimeRules {
            notice_days: 5,
            materials_days: 3,
            minutes_days: 7,
        }
    } else {
        TimeRules {
            notice_days: 15,
            materials_days: 10,
            minutes_days: 7,
        }
    }
}

/// One of a body's own rules: for one kind, or for all (`kind` empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnRule {
    /// The kind's code, or empty for every kind without a rule of its own.
    pub kind: String,
    /// The rule.
    pub rules: TimeRules,
}

fn days(r: &sqlx::any::AnyRow, name: &str) -> Result<u32> {
    Ok(u32::try_from(col::<i64>(r, name)?).unwrap_or(0))
}

/// A body's own rules, the all-kinds rule first, then by kind.
pub async fn own(db: &Db, org_id: i64) -> Result<Vec<OwnRule>> {
    let rows = sqlx::query(
        "SELECT kind_code, notice_days, materials_days, minutes_days FROM consultation_rules
          WHERE org_id = $1 ORDER BY kind_code",
    )
    .bind(org_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OwnRule {
                kind: col(r, "kind_code")?,
                rules: TimeRules {
                    notice_days: days(r, "notice_days")?,
                    materials_days: days(r, "materials_days")?,
                    minutes_days: days(r, "minutes_days")?,
                },
            })
        })
        .collect()
}

/// The rules a consultation of `kind` at body `org_id` (of kind `unit`) is
/// held to: the body's rule for the kind, else its rule for all kinds, else
/// the built-in one.
pub async fn effective(db: &Db, org_id: i64, kind: &str, unit: OrgKind) -> Result<TimeRules> {
    let own = own(db, org_id).await?;
    Ok(own
        .iter()
        .find(|r| r.kind == kind)
        .or_else(|| own.iter().find(|r| r.kind.is_empty()))
        .map_or_else(|| rules_for(kind, unit), |r| r.rules))
}

/// Staff set their body's rule for one kind, or for all kinds (`kind`
/// empty). Each number is 0 to [`MOST_DAYS`] working days.
pub async fn set(db: &Db, actor: &Actor, org_id: i64, kind: &str, rules: TimeRules) -> Result<()> {
    crate::org::get(db, actor, Permission::ConsultationManage, org_id).await?;
    if !kind.is_empty()
        && !super::kinds(db, org_id)
            .await?
            .iter()
            .any(|k| k.code == kind)
    {
        return Err(Error::field(
            "kind",
            "err.consult_kind",
            "choose one of the body's kinds of consultation",
        ));
    }
    for (field, n) in [
        ("notice_days", rules.notice_days),
        ("materials_days", rules.materials_days),
        ("minutes_days", rules.minutes_days),
    ] {
        if n > MOST_DAYS {
            return Err(Error::field(
                field,
                "err.rule_days",
                "a rule asks for 0 to 60 working days",
            ));
        }
    }
    if rules.materials_days > rules.notice_days {
        return Err(Error::field(
            "materials_days",
            "err.rule_materials",
            "materials go out with the notice or after it: at most as many days as the notice",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let before = sqlx::query(
        "SELECT notice_days, materials_days, minutes_days FROM consultation_rules
          WHERE org_id = $1 AND kind_code = $2",
    )
    .bind(org_id)
    .bind(kind)
    .fetch_optional(&mut *tx)
    .await?;
    let before = match before {
        Some(r) => Some(json!([
            col::<i64>(&r, "notice_days")?,
            col::<i64>(&r, "materials_days")?,
            col::<i64>(&r, "minutes_days")?
        ])),
        None => None,
    };
    // One statement (an upsert): two settings of the same rule at once leave
    // the later, where an update-then-insert would fail the second.
    sqlx::query(
        "INSERT INTO consultation_rules (org_id, kind_code, notice_days, materials_days,
           minutes_days, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (org_id, kind_code)
         DO UPDATE SET notice_days = excluded.notice_days,
           materials_days = excluded.materials_days, minutes_days = excluded.minutes_days,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(org_id)
    .bind(kind)
    .bind(i64::from(rules.notice_days))
    .bind(i64::from(rules.materials_days))
    .bind(i64::from(rules.minutes_days))
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation_rules.set",
            entity: "consultation_rules",
            entity_id: format!("{org_id}/{kind}"),
            org_id: Some(org_id),
            before,
            after: Some(json!([
                rules.notice_days,
                rules.materials_days,
                rules.minutes_days
            ])),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff drop their body's own rule for a kind (or for all kinds): the next
/// rule down applies again.
pub async fn clear(db: &Db, actor: &Actor, org_id: i64, kind: &str) -> Result<()> {
    crate::org::get(db, actor, Permission::ConsultationManage, org_id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let gone = sqlx::query("DELETE FROM consultation_rules WHERE org_id = $1 AND kind_code = $2")
        .bind(org_id)
        .bind(kind)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation_rules.clear",
            entity: "consultation_rules",
            entity_id: format!("{org_id}/{kind}"),
            org_id: Some(org_id),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grassroots_rules_are_shorter_than_the_citys() {
        let city = rules_for("thematic", OrgKind::District);
        assert_eq!(
            (city.notice_days, city.materials_days, city.minutes_days),
            (15, 10, 7)
        );
        let street = rules_for("thematic", OrgKind::Street);
        assert!(street.notice_days < city.notice_days);
        assert_eq!(rules_for("grassroots", OrgKind::District), street);
    }
}
