//! Receptions at a studio: the member logs each visitor's matter and what was
//! done, during their duty shift or, marked as such, outside one; a matter that needs work elsewhere becomes a concern
//! (channel `studio`, recorded by the member, the visitor as its reporter), and
//! the visitor follows it by the tracking code.

use crate::concern::triage::ConvertTo;
use crate::concern::{self, NewConcern, NewReporter};
use crate::db::{col, Db, Tx};
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
    /// The leads it was marked as (`proposal_lead`, `opinion_report`).
    pub leads: Vec<String>,
    /// Logged outside a duty shift.
    pub outside_shift: bool,
    /// When, unix ms.
    pub created_at: i64,
}

/// What becomes of a reception as it is logged.
#[derive(Debug, Clone, Copy)]
pub enum FollowUp<'a> {
    /// Nothing more: the member dealt with it.
    None,
    /// A concern in `area` (channel studio, the visitor as reporter).
    Concern {
        /// Area unit id.
        area: i64,
        /// Category code.
        category: &'a str,
        /// Title.
        title: &'a str,
    },
    /// A lead for a proposal or an opinion report (a typed link those
    /// features pick up).
    Lead(ConvertTo),
}

impl Reception {
    /// Whether it was marked as this kind of lead.
    pub fn has_lead(&self, kind: &str) -> bool {
        self.leads.iter().any(|l| l == kind)
    }
}

/// Logs a reception during the member's own shift, on its day, after checking
/// in, and its follow-up, all in one transaction: the reception, its concern (or
/// lead) and the link between them land together or not at all. Returns the
/// reception id and the concern filed (code and visitor's key), if any.
pub async fn log(
    db: &Db,
    sealer: Option<&crate::seal::Sealer>,
    actor: &Actor,
    shift_id: i64,
    r: NewReception<'_>,
    then: FollowUp<'_>,
) -> Result<(i64, Option<concern::Recorded>)> {
    log_at(db, sealer, actor, Some(shift_id), r, then).await
}

/// Logs a reception outside any shift of the member's (a visitor who came on
/// another day), marked as such, in the unit of the member's own member group;
/// otherwise as `log`. Only a member may.
pub async fn log_outside_shift(
    db: &Db,
    sealer: Option<&crate::seal::Sealer>,
    actor: &Actor,
    r: NewReception<'_>,
    then: FollowUp<'_>,
) -> Result<(i64, Option<concern::Recorded>)> {
    log_at(db, sealer, actor, None, r, then).await
}

async fn log_at(
    db: &Db,
    sealer: Option<&crate::seal::Sealer>,
    actor: &Actor,
    shift_id: Option<i64>,
    r: NewReception<'_>,
    then: FollowUp<'_>,
) -> Result<(i64, Option<concern::Recorded>)> {
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
    if let Some(Err(e)) =
        name.map(|n| xieshang_core::values::check_text(n, xieshang_core::values::Lines::One))
    {
        return Err(Error::invalid("name", e));
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
    let mut tx = db.begin_write().await?;
    // The unit it was received in: the shift's studio's, or the member's own.
    let org: Option<i64> =
        match shift_id {
            Some(shift_id) => {
                sqlx::query_scalar(
                    "SELECT s.org_id FROM duty_shifts d JOIN studios s ON s.id = d.studio_id
                 WHERE d.id = $1 AND d.user_id = $2 AND d.day = $3 AND d.checked_in_at IS NOT NULL",
                )
                .bind(shift_id)
                .bind(actor.user_id)
                .bind(&today)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => sqlx::query_scalar(
                "SELECT org_id FROM grants WHERE user_id = $1 AND role = $2 ORDER BY id LIMIT 1",
            )
            .bind(actor.user_id)
            .bind(xieshang_core::Role::Member.code())
            .fetch_optional(&mut *tx)
            .await?,
        };
    let Some(org) = org else {
        return Err(Error::field(
            "shift",
            "err.reception_shift",
            "receptions are logged by members: during one's own shift after checking in, or outside a shift",
        ));
    };
    let seal = |v: &str| sealer.map(|s| s.seal(v));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO receptions (shift_id, user_id, visitor_name_sealed, visitor_phone_sealed,
           visitor_name_masked, visitor_phone_masked, matter, action_taken, created_at, org_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
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
    .bind(org)
    .fetch_one(&mut *tx)
    .await?;
    let code = match then {
        FollowUp::None => None,
        FollowUp::Concern {
            area,
            category,
            title,
        } => {
            let reporter = sealer
                .filter(|_| name.is_some() || r.phone.is_some())
                .map(|sealer| NewReporter {
                    sealer,
                    name,
                    phone: r.phone,
                });
            Some(
                file_concern(
                    &mut tx, db, actor, id, matter, area, category, title, reporter,
                )
                .await?,
            )
        }
        FollowUp::Lead(to) => {
            lead_in(&mut tx, now, actor, id, to).await?;
            None
        }
    };
    tx.commit().await?;
    Ok((id, code))
}

/// Files the concern of a reception inside the transaction and links it; the
/// link is only made when the reception has none yet.
#[allow(clippy::too_many_arguments)]
async fn file_concern(
    tx: &mut Tx,
    db: &Db,
    actor: &Actor,
    reception_id: i64,
    matter: &str,
    area: i64,
    category: &str,
    title: &str,
    reporter: Option<NewReporter<'_>>,
) -> Result<concern::Recorded> {
    if xieshang_core::concern::category::by_code(category).is_none() {
        return Err(Error::field(
            "category",
            "err.intake.category",
            "unknown category",
        ));
    }
    let recorded = concern::record_in(
        tx,
        db,
        By::User(actor),
        NewConcern {
            org_id: area,
            category,
            title,
            description: matter,
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
    let linked =
        sqlx::query("UPDATE receptions SET concern_id = $1 WHERE id = $2 AND concern_id IS NULL")
            .bind(recorded.id)
            .bind(reception_id)
            .execute(&mut **tx)
            .await?;
    if linked.rows_affected() != 1 {
        return Err(Error::field(
            "reception",
            "err.reception_done",
            "it is a concern already",
        ));
    }
    Ok(recorded)
}

/// Writes the typed link that marks a reception as a lead.
async fn lead_in(tx: &mut Tx, now: i64, actor: &Actor, id: i64, to: ConvertTo) -> Result<()> {
    let org: i64 = sqlx::query_scalar(
        "SELECT COALESCE(s.org_id, r.org_id) FROM receptions r
         LEFT JOIN duty_shifts d ON d.id = r.shift_id LEFT JOIN studios s ON s.id = d.studio_id
         WHERE r.id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let already: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM item_links WHERE from_kind = 'reception' AND from_id = $1 AND to_kind = $2",
    )
    .bind(id)
    .bind(to.code())
    .fetch_optional(&mut **tx)
    .await?;
    if already.is_some() {
        return Err(Error::field(
            "lead",
            "err.reception_lead_done",
            "this reception is already that kind of lead",
        ));
    }
    crate::item::link_from_record_in(
        tx,
        now,
        ("reception", id),
        "lead",
        to.code(),
        org,
        Some(actor.user_id),
    )
    .await
}

/// Marks the member's own reception, later, as a lead for a proposal or an
/// opinion report.
pub async fn mark_lead(db: &Db, actor: &Actor, reception_id: i64, to: ConvertTo) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let mine: Option<i64> =
        sqlx::query_scalar("SELECT id FROM receptions WHERE id = $1 AND user_id = $2")
            .bind(reception_id)
            .bind(actor.user_id)
            .fetch_optional(&mut *tx)
            .await?;
    if mine.is_none() {
        return Err(Error::NotFound);
    }
    lead_in(&mut tx, db.now_ms(), actor, reception_id, to).await?;
    tx.commit().await?;
    Ok(())
}

/// The receptions of a shift, with the concern or leads each became.
pub async fn of_shift(db: &Db, shift_id: i64) -> Result<Vec<Reception>> {
    load(db, "r.shift_id = $1", shift_id, 1000).await
}

/// A member's latest receptions (newest first), to follow up on later.
pub async fn recent(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Reception>> {
    let mut out = load(db, "r.user_id = $1", user_id, limit).await?;
    out.reverse();
    Ok(out)
}

/// Receptions matching `cond` on `r` with one argument: the newest `limit`,
/// oldest first.
async fn load(db: &Db, cond: &str, arg: i64, limit: i64) -> Result<Vec<Reception>> {
    let mut out: Vec<Reception> = sqlx::query(&format!(
        "SELECT r.id, r.visitor_name_masked, r.visitor_phone_masked, r.matter, r.action_taken,
                c.tracking_code, r.created_at, r.shift_id
         FROM receptions r LEFT JOIN concerns c ON c.id = r.concern_id
         WHERE {cond} ORDER BY r.id DESC LIMIT {limit}"
    ))
    .bind(arg)
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
            leads: Vec::new(),
            outside_shift: col::<Option<i64>>(r, "shift_id")?.is_none(),
            created_at: col(r, "created_at")?,
        })
    })
    .collect::<Result<_>>()?;
    out.reverse();
    if let (Some(first), Some(last)) = (out.first().map(|r| r.id), out.last().map(|r| r.id)) {
        let leads = sqlx::query(
            "SELECT from_id, to_kind FROM item_links
             WHERE from_kind = 'reception' AND from_id >= $1 AND from_id <= $2 ORDER BY id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(db.pool())
        .await?;
        for l in &leads {
            let from: i64 = col(l, "from_id")?;
            if let Some(r) = out.iter_mut().find(|r| r.id == from) {
                r.leads.push(col(l, "to_kind")?);
            }
        }
    }
    Ok(out)
}

/// Turns the member's own logged reception into a concern in `area` (channel
/// studio, the visitor as reporter) and links it, in one transaction. Returns
/// the tracking code and the visitor's key.
pub async fn to_concern(
    db: &Db,
    sealer: Option<&crate::seal::Sealer>,
    actor: &Actor,
    reception_id: i64,
    area: i64,
    category: &str,
    title: &str,
) -> Result<concern::Recorded> {
    let mut tx = db.begin_write().await?;
    let r = sqlx::query(
        "SELECT matter, visitor_name_sealed, visitor_phone_sealed, concern_id FROM receptions
         WHERE id = $1 AND user_id = $2",
    )
    .bind(reception_id)
    .bind(actor.user_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    if col::<Option<i64>>(&r, "concern_id")?.is_some() {
        return Err(Error::field(
            "reception",
            "err.reception_done",
            "it is a concern already",
        ));
    }
    // A sealed value that does not open (another key, altered data, or no key
    // at all) is an error, logged and told, never a visitor quietly dropped
    // from the concern.
    let open = |v: Option<String>| -> Result<Option<String>> {
        v.map(|s| {
            sealer
                .ok_or(crate::seal::SealError::Open)
                .and_then(|k| k.open(&s))
                .map_err(|e| {
                    tracing::error!(
                        reception.id = reception_id,
                        error = %e,
                        "a visitor's personal data does not open"
                    );
                    Error::field("visitor", "err.seal", "personal data could not be opened")
                })
        })
        .transpose()
    };
    let name = open(col(&r, "visitor_name_sealed")?)?;
    let phone = open(col(&r, "visitor_phone_sealed")?)?.and_then(|p| Phone::parse(&p).ok());
    let matter: String = col(&r, "matter")?;
    let reporter = sealer
        .filter(|_| name.is_some() || phone.is_some())
        .map(|sealer| NewReporter {
            sealer,
            name: name.as_deref(),
            phone: phone.as_ref(),
        });
    let code = file_concern(
        &mut tx,
        db,
        actor,
        reception_id,
        &matter,
        area,
        category,
        title,
        reporter,
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}
