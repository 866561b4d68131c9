//! Work on assigned concerns: a department's handlers post progress, resolve with a
//! result note, or ask for reassignment within the window; paired members follow.
//! Access comes from the assignment, not from the concern's unit.

use crate::concern::triage::Policy;
use crate::concern::{self, notify_job, Row};
use crate::db::Db;
use crate::item::{self, By, TransitionError};
use crate::{Error, Result};
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{Action, CONCERN};
use xieshang_core::{Actor, Denied, Permission, Role};

pub use crate::concern::relation::{assigned_department, follows};

/// Whether the unit itself (not a unit under it) holds an active assignment of
/// the concern's current round: `Some(lead)` when it does.
async fn assignment_of(db: &Db, id: i64, org_id: i64) -> Result<Option<bool>> {
    let rows = item::assignments(db, &CONCERN, id).await?;
    Ok(rows
        .iter()
        .filter(|a| a.org_id == org_id)
        .map(|a| a.lead)
        .max())
}

/// What a department handler may do.
pub const ACTIONS: [Action; 3] = [
    Action::Progress,
    Action::Resolve,
    Action::RequestReassignment,
];

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
    let signed = key.signed(note);
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
    let Some(action) = Action::parse(action).filter(|a| ACTIONS.contains(a)) else {
        return Err(Error::field("action", "err.transition", "unknown action").into());
    };
    let note = note.trim();
    if note.is_empty() {
        return Err(Error::field("note", "err.note_required", "say what was done, or why").into());
    }
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "err.too_long", "at most 2000 characters").into());
    }
    if action == Action::Resolve && !lead {
        return Err(Error::field(
            "action",
            "err.lead_only",
            "only the lead department resolves",
        )
        .into());
    }
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    let now = db.now_ms();
    if action == Action::RequestReassignment {
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
        Action::Resolve => "resolved",
        Action::RequestReassignment => "reassignment_requested",
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
    crate::concern::photo::attach(&mut tx, now, "concern", id, action.as_str(), photos).await?;
    match action {
        Action::Resolve => {
            sqlx::query("UPDATE concerns SET resolved_at = $1, result_note = $2 WHERE id = $3")
                .bind(now)
                .bind(note)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(Error::from)?;
            // The reporters' window to answer; then it closes if still resolved.
            let round: i64 =
                sqlx::query_scalar("SELECT assignment_round FROM concerns WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(Error::from)?;
            let until = cal.deadline_after(now, policy.feedback_window_days);
            item::deadlines_in(
                &mut tx,
                now,
                &CONCERN,
                id,
                round,
                &[("feedback_window", until)],
            )
            .await?;
        }
        Action::RequestReassignment => {
            item::end_assignments_in(&mut tx, now, &CONCERN, id).await?;
            sqlx::query("UPDATE concerns SET deadline_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(Error::from)?;
        }
        _ => {}
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(to.as_str())
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
        for (id, lead) in item::assigned_within(db, &CONCERN, &cond, args).await? {
            let row = concern::get(db, actor, Permission::ConcernHandle, id).await?;
            if matches!(row.state.as_str(), "assigned" | "in_progress") {
                out.push((row, Why::Department { lead }));
            }
        }
    }
    for id in item::followed_by(db, &CONCERN, actor.user_id).await? {
        if out.iter().any(|(c, _)| c.id == id) {
            continue;
        }
        let row = concern::get(db, actor, Permission::ConcernView, id).await?;
        if !CONCERN.is_closed_code(&row.state) {
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

/// A leader or the city overseer urges the work on (督办) or writes an
/// instruction (批示) on a concern in their scope: a note on its timeline
/// (the engine's), and the staff, departments and followers are told.
pub async fn supervise(db: &Db, actor: &Actor, id: i64, action: &str, note: &str) -> Result<()> {
    let c = concern::get(db, actor, Permission::ConcernSupervise, id).await?;
    let (action, event) = match action {
        "urge" => (Action::Urge, "urged"),
        "instruct" => (Action::Instruct, "instructed"),
        _ => return Err(Error::field("action", "err.transition", "unknown action")),
    };
    let note = note.trim();
    if note.is_empty() {
        return Err(Error::field(
            "note",
            "err.note_required",
            "write what is asked",
        ));
    }
    if note.chars().count() > 2000 {
        return Err(Error::field(
            "note",
            "err.too_long",
            "at most 2000 characters",
        ));
    }
    let role = actor
        .roles_over(&c.path)
        .find(|r| r.allows(Permission::ConcernSupervise))
        .ok_or(Error::Denied(Denied::Forbidden))?;
    item::note_by(
        db,
        &CONCERN,
        id,
        action,
        actor,
        role,
        note,
        &[notify_job(id, event)],
    )
    .await
}
