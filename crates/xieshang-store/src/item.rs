//! The item engine's writes: one transition is one transaction that writes the new
//! state, a timeline event, an audit record and the outbox jobs, or nothing.
//! The rules come from [`xieshang_core::item::KindSpec`]; nothing here decides
//! which moves are allowed.

use crate::audit::{self, Entry};
use crate::db::{col, Db, Tx};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::item::{KindSpec, Party, Refused};
use xieshang_core::{Actor, Denied, OrgPath};

/// Who asks for a transition.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// A signed-in user; their role over the item's unit decides.
    User(&'a Actor),
    /// The resident who raised the item.
    Resident,
    /// The system (deadlines, jobs).
    System,
    /// A user acting through an assignment (a department handler on an item
    /// assigned to their department); the caller has checked the assignment.
    Assignee(&'a Actor, xieshang_core::Role),
    /// A connected system acting in a role through an API key (a department's
    /// case system); the caller has checked the key and the assignment.
    Connected(xieshang_core::Role),
}

impl<'a> By<'a> {
    /// The party this is over the unit at `path`, and the acting user if any. A
    /// user must hold some role over the unit.
    pub fn party_over(self, path: &OrgPath) -> Result<(Party, Option<&'a Actor>)> {
        match self {
            By::User(a) => match a.roles_over(path).next() {
                Some(role) => Ok((Party::Role(role), Some(a))),
                None => Err(Error::Denied(Denied::OutOfScope)),
            },
            By::Resident => Ok((Party::Resident, None)),
            By::System => Ok((Party::System, None)),
            By::Assignee(a, role) => Ok((Party::Role(role), Some(a))),
            By::Connected(role) => Ok((Party::Role(role), None)),
        }
    }
}

/// A job to enqueue with the transition (notification, webhook, escalation …).
#[derive(Debug, Clone)]
pub struct Job {
    /// Job kind.
    pub kind: &'static str,
    /// JSON payload.
    pub payload: serde_json::Value,
}

/// A refused or failed transition.
#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    /// The rules refuse it; the message is for people.
    #[error("{0}")]
    Refused(#[from] Refused),
    /// A store failure (not found, denied, database).
    #[error(transparent)]
    Store(#[from] Error),
}

/// One timeline event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Action taken (`submit` for the first event).
    pub action: String,
    /// State before.
    pub from_state: Option<String>,
    /// State after.
    pub to_state: String,
    /// Party code.
    pub party: String,
    /// Free text.
    pub note: Option<String>,
    /// When, unix ms.
    pub at: i64,
}

/// The table holding items of a kind; kinds are a closed set known at compile time.
fn table(spec: &KindSpec) -> Result<&'static str> {
    match spec.kind {
        "concern" => Ok("concerns"),
        _ => Err(Error::NotFound),
    }
}

/// A timeline event to write.
struct NewEvent<'a> {
    item_id: i64,
    org_id: i64,
    action: &'a str,
    from: Option<&'a str>,
    to: &'a str,
    party: Party,
    actor: Option<&'a Actor>,
    note: Option<&'a str>,
    at: i64,
}

/// Timeline events to write in one statement.
fn event_batch() -> crate::db::Batch {
    crate::db::Batch::new(
        "INSERT INTO item_events (kind, item_id, org_id, action, from_state, to_state, party,
           actor_user_id, note, at)",
        10,
        &[0, 3, 4, 5, 6, 8],
    )
}

/// One timeline event as a row of [`event_batch`].
fn event_row(spec: &KindSpec, e: &NewEvent<'_>) -> Vec<Option<crate::db::Arg>> {
    use crate::db::Arg::{Int, Text};
    vec![
        Some(Text(spec.kind.to_owned())),
        Some(Int(e.item_id)),
        Some(Int(e.org_id)),
        Some(Text(e.action.to_owned())),
        e.from.map(|f| Text(f.to_owned())),
        Some(Text(e.to.to_owned())),
        Some(Text(e.party.code().to_owned())),
        e.actor.map(|a| Int(a.user_id)),
        e.note.map(|n| Text(n.to_owned())),
        Some(Int(e.at)),
    ]
}

/// Writes one event and appends it to the item's public timeline
/// (`public_timeline`, migration 0016), and, when `state_changes`, sets the
/// item's state to the event's in the same statement.
async fn insert_event(
    tx: &mut Tx,
    spec: &KindSpec,
    e: NewEvent<'_>,
    state_changes: bool,
) -> Result<()> {
    let table = table(spec)?;
    let mut events = event_batch();
    events.push(event_row(spec, &e));
    events.flush(tx).await?;
    // A note leaves the state and `updated_at` as they are.
    sqlx::query(&format!(
        "UPDATE {table} SET state = $1, updated_at = COALESCE($2, updated_at),
           public_timeline = public_timeline || $3 WHERE id = $4"
    ))
    .bind(e.to)
    .bind(state_changes.then_some(e.at))
    .bind(fold_event(e.action, e.to, e.at))
    .bind(e.item_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One timeline event as `public_timeline` holds it: `action to_state at,`
/// (action and state are codes, so neither holds a space or a comma).
pub(crate) fn fold_event(action: &str, to_state: &str, at: i64) -> String {
    format!("{action} {to_state} {at},")
}

/// A public timeline as [`fold_event`] folds it. None if any record does not parse,
/// as for feedback: a page that silently left out a step would tell the
/// resident something untrue.
pub(crate) fn unfold_timeline(folded: &str) -> Option<Vec<(String, String, i64)>> {
    if folded.is_empty() {
        return Some(Vec::new());
    }
    folded
        .strip_suffix(',')?
        .split(',')
        .map(|e| {
            let mut p = e.split(' ');
            let (action, to, at) = (p.next()?, p.next()?, p.next()?.parse().ok()?);
            (p.next().is_none() && !action.is_empty() && !to.is_empty())
                .then(|| (action.to_owned(), to.to_owned(), at))
        })
        .collect()
}

/// The public timeline of an item just created in `spec.initial` at `now`:
/// what [`record_creations`] writes as its first event, folded.
pub(crate) fn first_trail(spec: &KindSpec, now: i64) -> String {
    fold_event(SUBMIT, spec.initial, now)
}

/// The action of an item's first event.
const SUBMIT: &str = "submit";

/// Enqueues jobs to run now inside the caller's transaction, in one statement.
pub(crate) async fn enqueue(tx: &mut Tx, now: i64, jobs: &[Job]) -> Result<()> {
    let mut rows = job_batch();
    for j in jobs {
        rows.push(job_row(j, now, now));
    }
    rows.flush(tx).await?;
    Ok(())
}

/// Enqueues one job to run at `run_at` inside the caller's transaction.
pub(crate) async fn enqueue_at(tx: &mut Tx, now: i64, run_at: i64, job: &Job) -> Result<()> {
    let mut rows = job_batch();
    rows.push(job_row(job, run_at, now));
    rows.flush(tx).await?;
    Ok(())
}

fn job_batch() -> crate::db::Batch {
    crate::db::Batch::new(
        "INSERT INTO jobs (kind, payload, run_at, created_at)",
        4,
        &[0, 1],
    )
}

fn job_row(j: &Job, run_at: i64, now: i64) -> Vec<Option<crate::db::Arg>> {
    use crate::db::Arg::{Int, Text};
    vec![
        Some(Text(j.kind.to_owned())),
        Some(Text(j.payload.to_string())),
        Some(Int(run_at)),
        Some(Int(now)),
    ]
}

/// One newly inserted item, for [`record_creations`].
pub(crate) struct Created<'a> {
    /// The item's id.
    pub item_id: i64,
    /// Its unit.
    pub org_id: i64,
    /// Who raised it.
    pub party: Party,
    /// The acting user, if any.
    pub actor: Option<&'a Actor>,
}

/// Records the first timeline event and audit row of newly inserted items
/// (inside the caller's transaction, which inserted the rows in
/// `spec.initial`): one statement for all the events and one for all the
/// audit rows, however many items.
pub(crate) async fn record_creations(
    tx: &mut Tx,
    spec: &KindSpec,
    items: &[Created<'_>],
    now: i64,
) -> Result<()> {
    let mut events = event_batch();
    for c in items {
        let event = NewEvent {
            item_id: c.item_id,
            org_id: c.org_id,
            action: SUBMIT,
            from: None,
            to: spec.initial,
            party: c.party,
            actor: c.actor,
            note: None,
            at: now,
        };
        events.push(event_row(spec, &event));
    }
    events.flush(tx).await?;
    let action = format!("{}.submit", spec.kind);
    let entries = items
        .iter()
        .map(|c| Entry {
            actor: c.actor,
            action: &action,
            entity: spec.kind,
            entity_id: c.item_id.to_string(),
            org_id: Some(c.org_id),
            before: None,
            after: Some(json!({"state": spec.initial})),
        })
        .collect();
    audit::record_many(tx, now, entries).await?;
    Ok(())
}

/// Takes `action` on an item: all of state, timeline, audit and jobs, or nothing.
/// Returns the new state.
pub async fn transition(
    db: &Db,
    spec: &KindSpec,
    item_id: i64,
    action: &str,
    by: By<'_>,
    note: Option<&str>,
    jobs: &[Job],
) -> std::result::Result<&'static str, TransitionError> {
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    let now = db.now_ms();
    let to = transition_in(&mut tx, now, spec, item_id, action, by, note, jobs).await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(to)
}

/// [`transition`] inside the caller's write transaction, so that the caller's
/// own writes (an assignment, a link, feedback) land with it or not at all.
#[allow(clippy::too_many_arguments)]
pub async fn transition_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    action: &str,
    by: By<'_>,
    note: Option<&str>,
    jobs: &[Job],
) -> std::result::Result<&'static str, TransitionError> {
    let table = table(spec)?;
    let row = sqlx::query(&format!(
        "SELECT i.state, i.org_id, o.path FROM {table} i JOIN orgs o ON o.id = i.org_id WHERE i.id = $1"
    ))
    .bind(item_id)
    .fetch_optional(&mut **tx)
    .await
    .map_err(Error::from)?
    .ok_or(Error::NotFound)?;
    let state: String = col(&row, "state").map_err(Error::from)?;
    let org_id: i64 = col(&row, "org_id").map_err(Error::from)?;
    let path = OrgPath::parse(&col::<String>(&row, "path").map_err(Error::from)?)
        .ok_or(Error::NotFound)?;
    let (mut party, actor) = by.party_over(&path)?;
    if let (Some(a), By::User(_)) = (actor, by) {
        // Prefer a role the transition allows; without one, the rules say why
        // (unknown action, wrong state, or not yours) from the first covering role.
        party = spec.party_for(action, a, &path).unwrap_or(party);
    }
    let to = spec.apply(&state, action, party)?;
    let event = NewEvent {
        item_id,
        org_id,
        action,
        from: Some(&state),
        to,
        party,
        actor,
        note,
        at: now,
    };
    insert_event(tx, spec, event, true).await?;
    audit::record(
        tx,
        now,
        Entry {
            actor,
            action: &format!("{}.{action}", spec.kind),
            entity: spec.kind,
            entity_id: item_id.to_string(),
            org_id: Some(org_id),
            before: Some(json!({"state": state})),
            after: Some(json!({"state": to, "party": party.code(), "note": note})),
        },
    )
    .await?;
    enqueue(tx, now, jobs).await?;
    Ok(to)
}

/// Writes a timeline event that leaves the state as it is (one of the kind's
/// declared notes: a reminder, an escalation), inside the caller's transaction.
pub async fn note_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    action: &'static str,
    note: Option<&str>,
) -> Result<()> {
    if !spec.notes.contains(&action) {
        return Err(Error::NotFound);
    }
    let table = table(spec)?;
    let row = sqlx::query(&format!("SELECT state, org_id FROM {table} WHERE id = $1"))
        .bind(item_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::NotFound)?;
    let state: String = col(&row, "state")?;
    let event = NewEvent {
        item_id,
        org_id: col(&row, "org_id")?,
        action,
        from: Some(&state),
        to: &state,
        party: Party::System,
        actor: None,
        note,
        at: now,
    };
    insert_event(tx, spec, event, false).await
}

/// The full timeline of an item, oldest first.
pub async fn timeline(db: &Db, spec: &KindSpec, item_id: i64) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT action, from_state, to_state, party, note, at FROM item_events
         WHERE kind = $1 AND item_id = $2 ORDER BY id",
    )
    .bind(spec.kind)
    .bind(item_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                action: col(r, "action")?,
                from_state: col(r, "from_state")?,
                to_state: col(r, "to_state")?,
                party: col(r, "party")?,
                note: col(r, "note")?,
                at: col(r, "at")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{fold_event, unfold_timeline};

    #[test]
    fn folded_timeline_reads_back_or_is_refused_whole() {
        let folded = fold_event("submit", "submitted", 17) + &fold_event("accept", "accepted", 18);
        assert_eq!(folded, "submit submitted 17,accept accepted 18,");
        assert_eq!(
            unfold_timeline(&folded),
            Some(vec![
                ("submit".to_owned(), "submitted".to_owned(), 17),
                ("accept".to_owned(), "accepted".to_owned(), 18),
            ])
        );
        assert_eq!(unfold_timeline(""), Some(Vec::new()));
        // One bad record refuses the whole timeline, as bad feedback does.
        assert_eq!(
            unfold_timeline("submit submitted 17,accept accepted x,"),
            None
        );
        assert_eq!(unfold_timeline("submit submitted 17 extra,"), None);
        assert_eq!(unfold_timeline("submit submitted 17,,"), None);
        assert_eq!(unfold_timeline("submit submitted 17"), None);
    }
}
