//! Receptions during a studio duty shift: the member logs each visitor's matter
//! and what was done; a matter that needs work elsewhere becomes a concern
//! (channel `studio`, recorded by the member, the visitor as its reporter), and
//! the visitor follows it by the tracking code.

use crate::concern::{self, NewConcern, NewReporter};
use crate::db::{col, Db};
use crate::item::By;
use crate::{Error, Result};
use xieshang_core::calendar::cst_date;
use xieshang_core::personal::{mask_name, mask_phone, Phone};
use xieshang_core::Actor;

/// What the member writes down.
#[derive(Debug, Clone)]
pub struct NewReception<'a> {
    /// The visitor's name, if they gave it.
    pub name: Option<&'a str>,
    /// The visitor's phone, if they gave it (already checked).
    pub phone: Option<&'a Phone>,
    /// What they came about.
    pub matter: &'a str,
    /// What the member did or told them.
    pub action_taken: &'a str,
}

/// A logged reception.
#[derive(Debug, Clone)]
pub struct Reception {
    /// Id.
    pub id: i64,
    /// Visitor's name, masked.
    pub name: Option<String>,
    /// Visitor's phone, masked.
    pub phone: Option<String>,
    /// The matter.
    pub matter: String,
    /// What was done.
    pub action_taken: String,
    /// The concern it became (tracking code), if any.
    pub concern: Option<String>,
    /// When, unix ms.
    pub created_at: i64,
}

/// Logs a reception during the member's own shift, on its day, after checking in.
pub async fn log(
    db: &Db,
    sealer: Option<&crate::seal::Sealer>,
    actor: &Actor,
    shift_id: i64,
    r: NewReception<'_>,
) -> Result<i64> {
    let matter = r.matter.trim();
    let action = r.action_taken.trim();
    if matter.is_empty() || matter.chars().count() > 2000 {
        return Err(Error::field(
            "matter",
            "err.matter",
            "the matter has 1 to 2000 characters",
        ));
    }
    if action.chars().count() > 2000 {
        return Err(Error::field(
            "action_taken",
            "err.matter",
            "at most 2000 characters",
        ));
    }
    let name = r.name.map(str::trim).filter(|n| !n.is_empty());
    if name.is_some_and(|n| n.chars().count() > 50) {
        return Err(Error::field(
            "name",
            "err.name",
            "a name has at most 50 characters",
        ));
    }
    if (name.is_some() || r.phone.is_some()) && sealer.is_none() {
        return Err(Error::field(
            "phone",
            "err.no_key",
            "no personal-data key on this server",
        ));
    }
    let now = db.now_ms();
    let today = cst_date(now).format("%Y-%m-%d").to_string();
    let ok: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM duty_shifts WHERE id = $1 AND user_id = $2 AND day = $3
           AND checked_in_at IS NOT NULL",
    )
    .bind(shift_id)
    .bind(actor.user_id)
    .bind(&today)
    .fetch_optional(db.pool())
    .await?;
    if ok.is_none() {
        return Err(Error::field(
            "shift",
            "err.reception_shift",
            "receptions are logged during one's own shift, after checking in",
        ));
    }
    let seal = |v: &str| sealer.map(|s| s.seal(v));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO receptions (shift_id, user_id, visitor_name_sealed, visitor_phone_sealed,
           visitor_name_masked, visitor_phone_masked, matter, action_taken, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(shift_id)
    .bind(actor.user_id)
    .bind(name.and_then(seal))
    .bind(r.phone.and_then(|p| seal(p.as_str())))
    .bind(name.map(mask_name))
    .bind(r.phone.map(|p| mask_phone(p.as_str())))
    .bind(matter)
    .bind(action)
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    Ok(id)
}

/// The receptions of a shift.
pub async fn of_shift(db: &Db, shift_id: i64) -> Result<Vec<Reception>> {
    sqlx::query(
        "SELECT r.id, r.visitor_name_masked, r.visitor_phone_masked, r.matter, r.action_taken,
                c.tracking_code, r.created_at
         FROM receptions r LEFT JOIN concerns c ON c.id = r.concern_id
         WHERE r.shift_id = $1 ORDER BY r.id",
    )
    .bind(shift_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Reception {
            id: col(r, "id")?,
            name: col(r, "visitor_name_masked")?,
            phone: col(r, "visitor_phone_masked")?,
            matter: col(r, "matter")?,
            action_taken: col(r, "action_taken")?,
            concern: col(r, "tracking_code")?,
            created_at: col(r, "created_at")?,
        })
    })
    .collect()
}

/// Turns the member's own reception into a concern in `area` (channel studio, the
/// visitor as reporter) and links it. Returns the tracking code.
pub async fn to_concern(
    db: &Db,
    sealer: Option<&crate::seal::Sealer>,
    actor: &Actor,
    reception_id: i64,
    area: i64,
    category: &str,
    title: &str,
) -> Result<String> {
    let r = sqlx::query(
        "SELECT matter, visitor_name_sealed, visitor_phone_sealed, concern_id FROM receptions
         WHERE id = $1 AND user_id = $2",
    )
    .bind(reception_id)
    .bind(actor.user_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    if col::<Option<i64>>(&r, "concern_id")?.is_some() {
        return Err(Error::field(
            "reception",
            "err.reception_done",
            "it is a concern already",
        ));
    }
    if xieshang_core::category::by_code(category).is_none() {
        return Err(Error::field(
            "category",
            "err.intake.category",
            "unknown category",
        ));
    }
    let open = |v: Option<String>| -> Option<String> {
        v.and_then(|s| sealer.and_then(|k| k.open(&s).ok()))
    };
    let name = open(col(&r, "visitor_name_sealed")?);
    let phone = open(col(&r, "visitor_phone_sealed")?).and_then(|p| Phone::parse(&p).ok());
    let matter: String = col(&r, "matter")?;
    let reporter = sealer
        .filter(|_| name.is_some() || phone.is_some())
        .map(|sealer| NewReporter {
            sealer,
            name: name.as_deref(),
            phone: phone.as_ref(),
        });
    let (id, code) = concern::record(
        db,
        By::User(actor),
        NewConcern {
            org_id: area,
            category,
            title,
            description: &matter,
            channel: "studio",
            address: None,
            position: None,
            reporter,
            photos: &[],
            attributes: None,
            api_key_id: None,
        },
    )
    .await?;
    // Linked only if nobody linked it meanwhile.
    sqlx::query("UPDATE receptions SET concern_id = $1 WHERE id = $2 AND concern_id IS NULL")
        .bind(id)
        .bind(reception_id)
        .execute(db.pool())
        .await?;
    Ok(code)
}
