//! Work on assigned concerns: a department's handlers post progress, resolve with a
//! result note, or ask for reassignment within the window; paired members follow.
//! Access comes from the assignment, not from the concern's unit.

use crate::concern::triage::{self, Policy};
use crate::concern::{self, notify_job, Row};
use crate::db::{col, Arg, Db};
use crate::item::{self, By, TransitionError};
use crate::{Error, Result};
use xieshang_core::calendar::Calendar;
use xieshang_core::item::CONCERN;
use xieshang_core::{Actor, Denied, OrgPath, Permission, Role};

/// The actor's department on the concern's current round, if they handle for one:
/// (unit id, lead).
pub async fn assigned_department(db: &Db, actor: &Actor, id: i64) -> Result<Option<(i64, bool)>> {
    let scopes = actor.scopes(Permission::ConcernHandle);
    if scopes.is_empty() {
        return Ok(None);
    }
    Ok(assignment_within(db, id, &scopes)
        .await?
        .map(|(org, lead, _)| (org, lead)))
}

/// The first active assignment (lead first) of the concern's current round whose
/// department lies inside one of `units`: (department id, lead, department path).
async fn assignment_within(
    db: &Db,
    id: i64,
    units: &[OrgPath],
) -> Result<Option<(i64, bool, OrgPath)>> {
    let rows = sqlx::query(
        "SELECT a.org_id, a.lead, o.path FROM concern_assignments a JOIN orgs o ON o.id = a.org_id
         WHERE a.concern_id = $1 AND a.active = 1 ORDER BY a.lead DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    for r in &rows {
        let path = OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?;
        if triage::inside_any(&path, units) {
            return Ok(Some((col(r, "org_id")?, col::<i64>(r, "lead")? == 1, path)));
        }
    }
    Ok(None)
}

/// Whether the unit itself (not a unit under it) holds an active assignment of
/// the concern's current round: `Some(lead)` when it does.
async fn assignment_of(db: &Db, id: i64, org_id: i64) -> Result<Option<bool>> {
    let row = sqlx::query(
        "SELECT a.lead FROM concern_assignments a
         WHERE a.concern_id = $1 AND a.org_id = $2 AND a.active = 1 ORDER BY a.lead DESC LIMIT 1",
    )
    .bind(id)
    .bind(org_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok(col::<i64>(&r, "lead")? == 1)).transpose()
}

/// Whether the actor follows the concern (a paired member).
pub async fn follows(db: &Db, actor: &Actor, id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM concern_followers WHERE concern_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(actor.user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// What a department handler may do.
pub const ACTIONS: [&str; 3] = ["progress", "resolve", "request_reassignment"];

/// A handler acts on a concern assigned to their department. `progress` and
/// `request_reassignment` need a note (what was done, why); `resolve` needs the
/// result note and is the lead department's; reassignment may be asked only
/// within the policy's window of working days. Returns the new state.
#[allow(clippy::too_many_arguments)] // the calendar and policy travel with the request
pub async fn handle(
    db: &Db,
    cal: &Calendar,
    policy: &Policy,
    actor: &Actor,
    id: i64,
    action: &str,
    note: &str,
    photos: &[crate::concern::photo::Photo],
) -> std::result::Result<&'static str, TransitionError> {
    let (_, lead) = assigned_department(db, actor, id)
        .await?
        .ok_or(Error::Denied(Denied::OutOfScope))?;
    let by = By::Assignee(actor, Role::DepartmentHandler);
    apply(
        db,
        cal,
        policy,
        Work {
            id,
            action,
            note,
            photos,
            lead,
        },
        by,
    )
    .await
}

/// A department's case system acts through its API key (scope
/// `concerns:update`) on a concern assigned to the key's own unit. A key acts
/// as the one unit it was issued to (decision 0019): a district's key is not
/// its departments' key, so it updates nothing unless the district itself is
/// assigned, which the loop never does. The note records which system spoke.
pub async fn handle_by_key(
    db: &Db,
    cal: &Calendar,
    policy: &Policy,
    key: &crate::account::apikey::ApiKey,
    id: i64,
    action: &str,
    note: &str,
) -> std::result::Result<&'static str, TransitionError> {
    if !key.allows(crate::account::apikey::Scope::ConcernsUpdate) {
        return Err(Error::Denied(Denied::Forbidden).into());
    }
    let lead = assignment_of(db, id, key.org_id)
        .await?
        .ok_or(Error::Denied(Denied::OutOfScope))?;
    let trimmed = note.trim();
    let signed = if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}（{}）", key.name)
    };
    let by = By::Connected(Role::DepartmentHandler);
    apply(
        db,
        cal,
        policy,
        Work {
            id,
            action,
            note: &signed,
            photos: &[],
            lead,
        },
        by,
    )
    .await
}

struct Work<'a> {
    id: i64,
    action: &'a str,
    note: &'a str,
    photos: &'a [crate::concern::photo::Photo],
    lead: bool,
}

async fn apply(
    db: &Db,
    cal: &Calendar,
    policy: &Policy,
    w: Work<'_>,
    by: By<'_>,
) -> std::result::Result<&'static str, TransitionError> {
    let Work {
        id,
        action,
        note,
        photos,
        lead,
    } = w;
    if !ACTIONS.contains(&action) {
        return Err(Error::field("action", "err.transition", "unknown action").into());
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(Error::field("note", "err.note_required", "say what was done, or why").into());
    }
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "err.too_long", "at most 2000 characters").into());
    }
    if action == "resolve" && !lead {
        return Err(Error::field(
            "action",
            "err.lead_only",
            "only the lead department resolves",
        )
        .into());
    }
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    let now = db.now_ms();
    if action == "request_reassignment" {
        let assigned_at: Option<i64> =
            sqlx::query_scalar("SELECT assigned_at FROM concerns WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(Error::from)?;
        let used = cal.working_days_between_ms(assigned_at.unwrap_or(now), now);
        if used > policy.reassign_window_days {
            return Err(Error::field(
                "action",
                "err.reassign_window",
                "the time to ask for reassignment has passed",
            )
            .into());
        }
    }
    let event = match action {
        "resolve" => "resolved",
        "request_reassignment" => "reassignment_requested",
        _ => "progress",
    };
    let to = item::transition_in(
        &mut tx,
        now,
        &CONCERN,
        id,
        action,
        by,
        Some(note),
        &[notify_job(id, event)],
    )
    .await?;
    if photos.len() > crate::concern::photo::MAX_PHOTOS {
        return Err(Error::field("photos", "err.photo_count", "at most 4 photos").into());
    }
    crate::concern::photo::attach(&mut tx, now, "concern", id, action, photos).await?;
    match action {
        "resolve" => {
            sqlx::query("UPDATE concerns SET resolved_at = $1, result_note = $2 WHERE id = $3")
                .bind(now)
                .bind(note)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(Error::from)?;
        }
        "request_reassignment" => {
            triage::end_assignments(&mut tx, id, now).await?;
            sqlx::query("UPDATE concerns SET deadline_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(Error::from)?;
        }
        _ => {}
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(to)
}

/// Why a concern is in someone's own queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Assigned to their department (lead or not).
    Department {
        /// Whether their department leads.
        lead: bool,
    },
    /// They are a member paired with its grid.
    Paired,
}

/// The actor's own queue: open concerns assigned to their departments and those
/// they follow as paired members; overdue first.
pub async fn my_work(db: &Db, actor: &Actor) -> Result<Vec<(Row, Why)>> {
    let mut out: Vec<(Row, Why)> = Vec::new();
    let scopes = actor.scopes(Permission::ConcernHandle);
    if !scopes.is_empty() {
        let (cond, args) =
            crate::db::scope::condition(actor, Permission::ConcernHandle, "d.path", 1);
        let sql = format!(
            "SELECT a.concern_id, MAX(a.lead) AS lead FROM concern_assignments a
             JOIN orgs d ON d.id = a.org_id
             WHERE a.active = 1 AND {cond} GROUP BY a.concern_id"
        );
        let rows = crate::db::query_with(&sql, args)
            .fetch_all(db.pool())
            .await?;
        for r in &rows {
            let id: i64 = col(r, "concern_id")?;
            let lead = col::<i64>(r, "lead")? == 1;
            let row = concern::get(db, actor, Permission::ConcernHandle, id).await?;
            if matches!(row.state.as_str(), "assigned" | "in_progress") {
                out.push((row, Why::Department { lead }));
            }
        }
    }
    let followed = crate::db::query_with(
        "SELECT concern_id FROM concern_followers WHERE user_id = $1",
        vec![Arg::Int(actor.user_id)],
    )
    .fetch_all(db.pool())
    .await?;
    for r in &followed {
        let id: i64 = col(r, "concern_id")?;
        if out.iter().any(|(c, _)| c.id == id) {
            continue;
        }
        let row = concern::get(db, actor, Permission::ConcernView, id).await?;
        if !CONCERN.is_closed(&row.state) {
            out.push((row, Why::Paired));
        }
    }
    let now = db.now_ms();
    out.sort_by_key(|(c, _)| {
        (
            !c.overdue(now),
            c.deadline_at.unwrap_or(i64::MAX),
            c.created_at,
        )
    });
    Ok(out)
}
