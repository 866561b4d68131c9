//! The item engine's writes: one transition is one transaction that writes the new
//! state, a timeline event, an audit record and the outbox jobs, or nothing.
//! The rules come from [`xieshang_core::item::KindSpec`]; nothing here decides
//! which moves are allowed.

use crate::audit::{self, Entry};
use crate::db::{col, Db, Tx};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::item::{Action, KindSpec, Party, Refused, State};
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
    /// A user acting in a role through their own relation to the item (a
    /// member on the proposal they wrote, whose role lies over their street,
    /// not over the body the proposal belongs to); the caller has checked it.
    Related(&'a Actor, xieshang_core::Role),
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
            By::Assignee(a, role) | By::Related(a, role) => Ok((Party::Role(role), Some(a))),
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

impl TransitionError {
    /// As the store's error: a refusal by the rules becomes a refusal of the
    /// item's state (`err.transition`, "not possible now"), for a form.
    pub fn into_store(self) -> Error {
        match self {
            TransitionError::Store(e) => e,
            TransitionError::Refused(r) => {
                tracing::info!(refused = %r, "transition refused");
                Error::field("state", "err.transition", "not possible now")
            }
        }
    }
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

/// The table holding items of a kind; kinds are a closed set known at compile
/// time. A kind's table has at least `id`, `org_id`, `state`, `updated_at`
/// `public_timeline` (the folded public trail the engine appends to; the
/// status page reads the item's row alone, decision 0008), and `public_units`
/// and `public_progress` (who handles it and their progress notes, folded,
/// migration 0027).
pub(crate) fn table(spec: &KindSpec) -> Result<&'static str> {
    match spec.kind {
        "concern" => Ok("concerns"),
        "consultation" => Ok("consultations"),
        "consultation_action" => Ok("consultation_actions"),
        "proposal" => Ok("proposals"),
        "opinion_report" => Ok("opinion_reports"),
        "supervision_opinion" => Ok("supervision_opinions"),
        "practice" => Ok("practices"),
        _ => Err(Error::NotFound),
    }
}

/// A timeline event to write.
struct NewEvent<'a> {
    item_id: i64,
    org_id: i64,
    action: Action,
    from: Option<&'a str>,
    to: State,
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
        Some(Text(e.action.as_str().to_owned())),
        e.from.map(|f| Text(f.to_owned())),
        Some(Text(e.to.as_str().to_owned())),
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
    // A progress note is also shown on the tracking page (`public_progress`,
    // migration 0027); other events leave that column alone.
    let progress = match (e.action, e.note) {
        (Action::Progress, Some(note)) => Some(fold_progress(e.at, note)),
        _ => None,
    };
    let also = if progress.is_some() {
        ", public_progress = public_progress || $5"
    } else {
        ""
    };
    // A note leaves the state and `updated_at` as they are.
    let sql = format!(
        "UPDATE {table} SET state = $1, updated_at = COALESCE($2, updated_at),
           public_timeline = public_timeline || $3{also} WHERE id = $4"
    );
    let mut q = sqlx::query(&sql)
        .bind(e.to.as_str())
        .bind(state_changes.then_some(e.at))
        .bind(fold_event(e.action.as_str(), e.to.as_str(), e.at))
        .bind(e.item_id);
    if let Some(p) = progress {
        q = q.bind(p);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// One progress note as `public_progress` holds it: `at N:` and the note's N
/// characters, so no character of the note can be taken for a separator.
pub(crate) fn fold_progress(at: i64, note: &str) -> String {
    format!("{at} {}:{note}", note.chars().count())
}

/// Progress notes as [`fold_progress`] folds them: (when, note). None if any
/// does not parse.
pub(crate) fn unfold_progress(folded: &str) -> Option<Vec<(i64, String)>> {
    let mut out = Vec::new();
    let mut rest = folded;
    while !rest.is_empty() {
        let (at, tail) = rest.split_once(' ')?;
        let (n, tail) = tail.split_once(':')?;
        let n: usize = n.parse().ok()?;
        let end = tail.char_indices().nth(n).map_or(tail.len(), |(i, _)| i);
        let note = &tail[..end];
        if note.chars().count() != n {
            return None;
        }
        out.push((at.parse().ok()?, note.to_owned()));
        rest = &tail[end..];
    }
    Some(out)
}

/// Active assignments as `public_units` holds them: `org_id lead,` each, the
/// lead first.
fn fold_units(units: &[Unit<'_>]) -> String {
    let mut units: Vec<_> = units.iter().collect();
    units.sort_by_key(|u| !u.lead);
    units
        .iter()
        .map(|u| format!("{} {},", u.org_id, i64::from(u.lead)))
        .collect()
}

/// Units as [`fold_units`] folds them: (org id, whether it leads). None if
/// any does not parse.
pub(crate) fn unfold_units(folded: &str) -> Option<Vec<(i64, bool)>> {
    if folded.is_empty() {
        return Some(Vec::new());
    }
    folded
        .strip_suffix(',')?
        .split(',')
        .map(|u| {
            let (id, lead) = u.split_once(' ')?;
            Some((id.parse().ok()?, lead == "1"))
        })
        .collect()
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
    fold_event(SUBMIT.as_str(), spec.initial.as_str(), now)
}

/// The action of an item's first event.
const SUBMIT: Action = Action::Submit;

/// In-app notifications of `kind` about an item (`item_kind`, `id`: what
/// the notification opens) to `users`, each once, in the caller's
/// transaction: one batched statement. Every feature notifies through this.
pub(crate) async fn notify_in(
    tx: &mut Tx,
    now: i64,
    users: &[i64],
    kind: &str,
    item_kind: &str,
    id: i64,
    body: &str,
) -> Result<()> {
    use crate::db::Arg;
    let mut users = users.to_vec();
    users.sort_unstable();
    users.dedup();
    let mut rows = crate::db::Batch::new(
        "INSERT INTO notifications (user_id, kind, item_kind, item_id, body, created_at)",
        6,
        &[1, 2, 4],
    );
    for u in users {
        rows.push(vec![
            Some(Arg::Int(u)),
            Some(Arg::Text(kind.to_owned())),
            Some(Arg::Text(item_kind.to_owned())),
            Some(Arg::Int(id)),
            Some(Arg::Text(body.to_owned())),
            Some(Arg::Int(now)),
        ]);
    }
    rows.flush(tx).await?;
    Ok(())
}

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
            after: Some(json!({"state": spec.initial.as_str()})),
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
    action: Action,
    by: By<'_>,
    note: Option<&str>,
    jobs: &[Job],
) -> std::result::Result<State, TransitionError> {
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
    action: Action,
    by: By<'_>,
    note: Option<&str>,
    jobs: &[Job],
) -> std::result::Result<State, TransitionError> {
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
    let to = spec.apply_code(&state, action.as_str(), party)?;
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
            after: Some(json!({"state": to.as_str(), "party": party.code(), "note": note})),
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
    action: Action,
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
    let to = spec.state(&state).ok_or(Error::NotFound)?;
    let event = NewEvent {
        item_id,
        org_id: col(&row, "org_id")?,
        action,
        from: Some(&state),
        to,
        party: Party::System,
        actor: None,
        note,
        at: now,
    };
    insert_event(tx, spec, event, false).await
}

/// Writes a note by a person (a leader's urging or instruction): an event
/// that leaves the state as it is, with who wrote it and as which role, its
/// audit row and its jobs, in one transaction. The caller has checked the
/// right; the note must be one of the kind's declared notes.
#[allow(clippy::too_many_arguments)]
pub async fn note_by(
    db: &Db,
    spec: &KindSpec,
    item_id: i64,
    action: Action,
    actor: &Actor,
    role: xieshang_core::Role,
    note: &str,
    jobs: &[Job],
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    note_by_in(&mut tx, now, spec, item_id, action, actor, role, note, jobs).await?;
    tx.commit().await?;
    Ok(())
}

/// [`note_by`] inside the caller's write transaction, so that the caller's
/// own writes (a co-signer's answer) land with the note or not at all.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn note_by_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    action: Action,
    actor: &Actor,
    role: xieshang_core::Role,
    note: &str,
    jobs: &[Job],
) -> Result<()> {
    note_as_in(
        tx,
        now,
        spec,
        item_id,
        action,
        Some(actor),
        role,
        note,
        jobs,
    )
    .await
}

/// A note by a connected system acting in a role through an API key (a
/// unit's case system: [`By::Connected`]); the caller has checked the key.
/// Its audit row has no person; the note should name the system.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn note_connected_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    action: Action,
    role: xieshang_core::Role,
    note: &str,
    jobs: &[Job],
) -> Result<()> {
    note_as_in(tx, now, spec, item_id, action, None, role, note, jobs).await
}

#[allow(clippy::too_many_arguments)]
async fn note_as_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    action: Action,
    actor: Option<&Actor>,
    role: xieshang_core::Role,
    note: &str,
    jobs: &[Job],
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
    let org_id: i64 = col(&row, "org_id")?;
    let to = spec.state(&state).ok_or(Error::NotFound)?;
    let party = Party::Role(role);
    let event = NewEvent {
        item_id,
        org_id,
        action,
        from: Some(&state),
        to,
        party,
        actor,
        note: Some(note),
        at: now,
    };
    insert_event(tx, spec, event, false).await?;
    audit::record(
        tx,
        now,
        Entry {
            actor,
            action: &format!("{}.{action}", spec.kind),
            entity: spec.kind,
            entity_id: item_id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({"party": party.code(), "note": note})),
        },
    )
    .await?;
    enqueue(tx, now, jobs).await
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

// ------------------------------------------------------------------ the engine's
// tables for every kind, keyed by (kind, item_id) (migration 23, decision 0022):
// assignments, followers, feedback, deadline jobs and links. Kind modules call
// these; none of them writes the tables itself.

/// One unit of an assignment round.
#[derive(Debug, Clone, Copy)]
pub struct Unit<'a> {
    /// The unit (a department).
    pub org_id: i64,
    /// Whether it leads the round (one lead per round); the others are co-units.
    pub lead: bool,
    /// Its part of a split assignment; `None`: the whole item.
    pub part: Option<&'a str>,
}

/// An active assignment of an item, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    /// The unit.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Its path.
    pub path: String,
    /// Whether it leads.
    pub lead: bool,
    /// Its part of a split assignment.
    pub part: Option<String>,
    /// The end of the window in which it may object to the assignment.
    pub objection_until: Option<i64>,
}

/// Ends an item's active assignments (a new round, or a reassignment request).
pub(crate) async fn end_assignments_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE item_assignments SET active = 0, ended_at = $1
         WHERE kind = $2 AND item_id = $3 AND active = 1",
    )
    .bind(now)
    .bind(spec.kind)
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    set_public_units(tx, spec, item_id, &[]).await
}

/// Writes the item's active units as the tracking page shows them
/// (`public_units`, migration 0027), in the transaction that assigns.
async fn set_public_units(
    tx: &mut Tx,
    spec: &KindSpec,
    item_id: i64,
    units: &[Unit<'_>],
) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE {} SET public_units = $1 WHERE id = $2",
        table(spec)?
    ))
    .bind(fold_units(units))
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Assigns an item for `round`: ends the round before, then one row per unit
/// (exactly one lead). `objection_until` is the end of the window in which a
/// unit may object (the caller computes it on the working-day calendar).
pub(crate) async fn assign_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    round: i64,
    units: &[Unit<'_>],
    objection_until: Option<i64>,
) -> Result<()> {
    if units.iter().filter(|u| u.lead).count() != 1 {
        return Err(Error::field("lead", "err.lead", "one unit must lead"));
    }
    end_assignments_in(tx, now, spec, item_id).await?;
    for u in units {
        sqlx::query(
            "INSERT INTO item_assignments (kind, item_id, org_id, lead, round, active, assigned_at,
               part, objection_until)
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)",
        )
        .bind(spec.kind)
        .bind(item_id)
        .bind(u.org_id)
        .bind(i64::from(u.lead))
        .bind(round)
        .bind(now)
        .bind(u.part)
        .bind(objection_until)
        .execute(&mut **tx)
        .await?;
    }
    set_public_units(tx, spec, item_id, units).await
}

/// A unit objects to its active assignment, within its window: recorded with
/// time and reason. Refused (as a field error) once the window has passed or
/// when the unit holds no active assignment of the item.
pub async fn object(
    db: &Db,
    spec: &KindSpec,
    item_id: i64,
    org_id: i64,
    reason: &str,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    object_in(&mut tx, now, spec, item_id, org_id, reason).await?;
    tx.commit().await?;
    Ok(())
}

/// [`object`] inside the caller's write transaction, so that the caller's
/// own writes (a timeline note, a notification) land with it or not at all.
pub(crate) async fn object_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    org_id: i64,
    reason: &str,
) -> Result<()> {
    let changed = sqlx::query(
        "UPDATE item_assignments SET objected_at = $1, objection = $2
         WHERE kind = $3 AND item_id = $4 AND org_id = $5 AND active = 1
           AND objected_at IS NULL AND objection_until IS NOT NULL AND objection_until >= $1",
    )
    .bind(now)
    .bind(reason)
    .bind(spec.kind)
    .bind(item_id)
    .bind(org_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::field(
            "objection",
            "err.objection_window",
            "the time to object to this assignment has passed",
        ));
    }
    Ok(())
}

/// The active assignments of an item, lead first, then by unit name.
pub async fn assignments(db: &Db, spec: &KindSpec, item_id: i64) -> Result<Vec<Assigned>> {
    let rows = sqlx::query(
        "SELECT a.org_id, o.name, o.path, a.lead, a.part, a.objection_until
           FROM item_assignments a JOIN orgs o ON o.id = a.org_id
          WHERE a.kind = $1 AND a.item_id = $2 AND a.active = 1
          ORDER BY a.lead DESC, o.name",
    )
    .bind(spec.kind)
    .bind(item_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Assigned {
                org_id: col(r, "org_id")?,
                name: col(r, "name")?,
                path: col(r, "path")?,
                lead: col::<i64>(r, "lead")? == 1,
                part: col(r, "part")?,
                objection_until: col(r, "objection_until")?,
            })
        })
        .collect()
}

/// The items of a kind with an active assignment to a unit inside the scope
/// `cond` (over the unit's path `d.path`): (item id, whether one of them leads).
pub(crate) async fn assigned_within(
    db: &Db,
    spec: &KindSpec,
    cond: &str,
    args: Vec<crate::db::Arg>,
) -> Result<Vec<(i64, bool)>> {
    let n = args.len() + 1;
    let sql = format!(
        "SELECT a.item_id, MAX(a.lead) AS lead FROM item_assignments a
         JOIN orgs d ON d.id = a.org_id
         WHERE a.active = 1 AND a.kind = ${n} AND {cond} GROUP BY a.item_id"
    );
    let mut args = args;
    args.push(crate::db::Arg::Text(spec.kind.to_owned()));
    let rows = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((col(r, "item_id")?, col::<i64>(r, "lead")? == 1)))
        .collect()
}

/// Users follow an item (those already following stay as they were).
pub(crate) async fn follow_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    user_ids: &[i64],
    reason: &str,
) -> Result<()> {
    for user_id in user_ids {
        sqlx::query(
            "INSERT INTO item_followers (kind, item_id, user_id, reason, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(spec.kind)
        .bind(item_id)
        .bind(user_id)
        .bind(reason)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Whether a user follows an item.
pub async fn follows(db: &Db, spec: &KindSpec, item_id: i64, user_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM item_followers WHERE kind = $1 AND item_id = $2 AND user_id = $3",
    )
    .bind(spec.kind)
    .bind(item_id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// The users following an item (ids).
pub(crate) async fn follower_ids_in(
    tx: &mut Tx,
    spec: &KindSpec,
    item_id: i64,
) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM item_followers WHERE kind = $1 AND item_id = $2")
            .bind(spec.kind)
            .bind(item_id)
            .fetch_all(&mut **tx)
            .await?,
    )
}

/// The display names of the users following an item, by username.
pub async fn follower_names(db: &Db, spec: &KindSpec, item_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT u.display_name FROM item_followers f JOIN users u ON u.id = f.user_id
         WHERE f.kind = $1 AND f.item_id = $2 ORDER BY u.username",
    )
    .bind(spec.kind)
    .bind(item_id)
    .fetch_all(db.pool())
    .await?)
}

/// The items of a kind a user follows.
pub async fn followed_by(db: &Db, spec: &KindSpec, user_id: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT item_id FROM item_followers WHERE user_id = $1 AND kind = $2")
            .bind(user_id)
            .bind(spec.kind)
            .fetch_all(db.pool())
            .await?,
    )
}

/// Records an evaluation of an item (a resident's rating and words), with the
/// own code of the reporter who gave it and the resolution it answers, where
/// the kind has one per reporter.
#[allow(clippy::too_many_arguments)] // one column each
pub(crate) async fn feedback_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    rating: &str,
    comment: Option<&str>,
    thanks: Option<&str>,
    reporter: Option<(&str, i64)>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO item_feedback (kind, item_id, rating, comment, thanks, at, reporter,
           resolution)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(spec.kind)
    .bind(item_id)
    .bind(rating)
    .bind(comment)
    .bind(thanks)
    .bind(now)
    .bind(reporter.map(|r| r.0))
    .bind(reporter.map(|r| r.1))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The job kind of deadline stages.
pub(crate) const DEADLINE: &str = "deadline";

/// Queues an item's deadline stages for an assignment round: one `deadline`
/// job per (stage, due time), keyed by kind, item and round, so that a stage
/// whose round has moved on does nothing.
pub(crate) async fn deadlines_in(
    tx: &mut Tx,
    now: i64,
    spec: &KindSpec,
    item_id: i64,
    round: i64,
    stages: &[(&str, i64)],
) -> Result<()> {
    for (stage, at) in stages {
        enqueue_at(
            tx,
            now,
            *at,
            &Job {
                kind: DEADLINE,
                payload: json!({"kind": spec.kind, "item_id": item_id, "round": round, "stage": stage}),
            },
        )
        .await?;
    }
    Ok(())
}

/// A typed link from an item to a later one of another kind (`to_id` is set
/// when that kind picks it up).
pub(crate) async fn link_in(
    tx: &mut Tx,
    now: i64,
    from: (&KindSpec, i64),
    link: &str,
    to_kind: &str,
    org_id: i64,
    created_by: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO item_links (from_kind, from_id, link, to_kind, org_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(from.0.kind)
    .bind(from.1)
    .bind(link)
    .bind(to_kind)
    .bind(org_id)
    .bind(created_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A link from a record that is not an item of the engine (a reception, from
/// the duty feature) to an item still to be written (`lead`).
pub(crate) async fn link_from_record_in(
    tx: &mut Tx,
    now: i64,
    from: (&str, i64),
    link: &str,
    to_kind: &str,
    org_id: i64,
    created_by: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO item_links (from_kind, from_id, link, to_kind, org_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(from.0)
    .bind(from.1)
    .bind(link)
    .bind(to_kind)
    .bind(org_id)
    .bind(created_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes up link `link_id` for item `to_id` (a lead adopted into a proposal
/// or a report): only while nobody has (`picked_up_at IS NULL`), and, with
/// `to_kind`, only a link to that kind. The rows changed: 0 when someone
/// took it first, so two at once cannot both take it.
pub(crate) async fn pick_up_link_in(
    tx: &mut Tx,
    now: i64,
    link_id: i64,
    to_id: i64,
    to_kind: Option<&str>,
) -> Result<u64> {
    let sql = if to_kind.is_some() {
        "UPDATE item_links SET to_id = $1, picked_up_at = $2
          WHERE id = $3 AND picked_up_at IS NULL AND to_kind = $4"
    } else {
        "UPDATE item_links SET to_id = $1, picked_up_at = $2
          WHERE id = $3 AND picked_up_at IS NULL"
    };
    let mut q = sqlx::query(sql).bind(to_id).bind(now).bind(link_id);
    if let Some(k) = to_kind {
        q = q.bind(k);
    }
    Ok(q.execute(&mut **tx).await?.rows_affected())
}

/// Sets how long unit `org_id`'s active assignment of an item may still be
/// objected to (a unit kept from an earlier round keeps its own window).
pub(crate) async fn set_objection_until_in(
    tx: &mut Tx,
    spec: &KindSpec,
    item_id: i64,
    org_id: i64,
    until: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE item_assignments SET objection_until = $1
          WHERE kind = $2 AND item_id = $3 AND org_id = $4 AND active = 1",
    )
    .bind(until)
    .bind(spec.kind)
    .bind(item_id)
    .bind(org_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A link from an item to an item of another kind that exists already (a
/// concern to the consultation called on it): `to_id` set and picked up now.
pub(crate) async fn link_to_in(
    tx: &mut Tx,
    now: i64,
    from: (&KindSpec, i64),
    link: &str,
    to: (&KindSpec, i64),
    org_id: i64,
    created_by: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO item_links (from_kind, from_id, link, to_kind, to_id, org_id, created_by,
           created_at, picked_up_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(from.0.kind)
    .bind(from.1)
    .bind(link)
    .bind(to.0.kind)
    .bind(to.1)
    .bind(org_id)
    .bind(created_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets the branch (`branch_id`, the unit one level below the root) of every
/// item of every kind inside the subtree at `path` (which lies below the root)
/// to the subtree's branch, after the subtree moved. Kinds whose table keeps
/// a branch are listed here.
pub(crate) async fn set_branch_within(tx: &mut Tx, path: &OrgPath) -> Result<()> {
    let (from, to) = crate::db::scope::subtree_range(path.as_str());
    for spec in [
        &xieshang_core::item::CONCERN,
        &xieshang_core::item::CONSULTATION,
    ] {
        let table = table(spec)?;
        sqlx::query(&format!(
            "UPDATE {table} SET branch_id = $1
              WHERE org_id IN (SELECT id FROM orgs WHERE path >= $2 AND path < $3)"
        ))
        .bind(path.branch())
        .bind(from.clone())
        .bind(to.clone())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Longest consultation topic (a planned topic's too), in characters.
pub const TOPIC_MAX: usize = 100;

/// Queues the job that tells webhooks of a change of an item (a
/// consultation, an agreed action, a proposal; `event` is the new state, or
/// `progress`, `overdue`), in the
/// change's transaction (outbox), when any hook is active: the worker turns
/// it into deliveries to the hooks above the item's units that subscribed, as
/// a concern's `notify` job does.
pub(crate) async fn tell_hooks_in(
    tx: &mut Tx,
    now: i64,
    kind: &KindSpec,
    id: i64,
    event: &str,
) -> Result<()> {
    let any: Option<i64> =
        sqlx::query_scalar("SELECT id FROM webhooks WHERE disabled_at IS NULL LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    if any.is_none() {
        return Ok(());
    }
    enqueue(
        tx,
        now,
        &[Job {
            kind: "item_webhook",
            payload: json!({"kind": kind.kind, "item_id": id, "event": event}),
        }],
    )
    .await
}

/// Who holds `role` over a unit: granted on it or on a unit above it.
pub(crate) async fn holders_over(
    tx: &mut Tx,
    role: xieshang_core::Role,
    path: &OrgPath,
) -> Result<Vec<i64>> {
    let ids: Vec<crate::db::Arg> = path.ids().into_iter().map(crate::db::Arg::Int).collect();
    let first = ids.len() + 1;
    let list = crate::db::placeholders(1, ids.len());
    let mut args = ids;
    args.push(crate::db::Arg::Text(role.code().to_owned()));
    Ok(crate::db::query_with(
        &format!("SELECT user_id FROM grants WHERE org_id IN ({list}) AND role = ${first}"),
        args,
    )
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| col::<i64>(r, "user_id"))
    .collect::<std::result::Result<Vec<_>, _>>()?)
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
