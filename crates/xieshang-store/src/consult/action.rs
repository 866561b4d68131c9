//! The actions agreed at a consultation (协商成果): each is an item of
//! [`CONSULTATION_ACTION`] owned by one unit (its one lead assignment on the
//! engine), with a due date in working days; the owner posts progress and
//! marks it done; the working day before it is due the owner is reminded, and
//! once overdue staff and leaders are told ([`deadline_in`]).

use crate::db::{col, Arg, Db, Tx};
use crate::item::{self, By, Created, TransitionError, Unit};
use crate::{Error, Result};
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{Action, Party, CONSULTATION_ACTION};
use xieshang_core::{Actor, OrgPath, Permission, Role};

/// One agreed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreedAction {
    /// Id.
    pub id: i64,
    /// The consultation it was agreed at.
    pub consultation_id: i64,
    /// What is to be done.
    pub title: String,
    /// A note.
    pub note: Option<String>,
    /// The owner unit.
    pub org_id: i64,
    /// Its name.
    pub owner_name: String,
    /// Its code (what machine clients know it by).
    pub owner_code: String,
    /// Due, unix ms.
    pub due_at: i64,
    /// State code (`assigned`, `in_progress`, `resolved`).
    pub state: String,
    /// When it was done.
    pub done_at: Option<i64>,
}

const COLS: &str = "a.id, a.consultation_id, a.title, a.note, a.org_id, o.name AS owner_name,
    o.code AS owner_code, a.due_at, a.state, a.done_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<AgreedAction> {
    Ok(AgreedAction {
        id: col(r, "id")?,
        consultation_id: col(r, "consultation_id")?,
        title: col(r, "title")?,
        note: col(r, "note")?,
        org_id: col(r, "org_id")?,
        owner_name: col(r, "owner_name")?,
        owner_code: col(r, "owner_code")?,
        due_at: col(r, "due_at")?,
        state: col(r, "state")?,
        done_at: col(r, "done_at")?,
    })
}

/// The actions of a consultation, as agreed.
pub async fn of(db: &Db, consultation_id: i64) -> Result<Vec<AgreedAction>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
          WHERE a.consultation_id = $1 ORDER BY a.id"
    ))
    .bind(consultation_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Longest working-day term of an action.
pub const MAX_DUE_DAYS: u32 = 250;

/// Agrees an action at a held consultation: an owner unit inside the caller's
/// reach and a due date in working days (1 to 250) are required. The owner's
/// handlers are told; reminder and overdue stages are queued.
#[expect(
    clippy::too_many_arguments,
    reason = "the fields of the action's form, each once"
)]
pub async fn add(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    consultation_id: i64,
    owner: Option<i64>,
    title: &str,
    note: &str,
    due_days: Option<u32>,
) -> Result<i64> {
    let c = super::get(db, actor, Permission::ConsultationManage, consultation_id).await?;
    if c.state != "held" {
        return Err(Error::field(
            "title",
            "err.actions_after_meeting",
            "actions are agreed once the meeting is held and before it closes",
        ));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(Error::field(
            "title",
            "err.action_title",
            "say what is to be done (1 to 200 characters)",
        ));
    }
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(Error::field(
            "note",
            "err.too_long",
            "at most 2000 characters",
        ));
    }
    let Some(owner) = owner else {
        return Err(Error::field(
            "owner",
            "err.action_owner",
            "choose the unit that owns the action",
        ));
    };
    let Some(days) = due_days.filter(|d| (1..=MAX_DUE_DAYS).contains(d)) else {
        return Err(Error::field(
            "due_days",
            "err.action_due",
            "give the working days it has (1 to 250)",
        ));
    };
    let org = crate::org::get_unchecked(db, owner).await?;
    if !super::reach(actor).iter().any(|r| org.path.is_within(r)) {
        return Err(Error::field(
            "owner",
            "err.invitee_reach",
            "that unit is not within this body's reach",
        ));
    }
    let now = db.now_ms();
    let due_at = cal.deadline_after(now, days);
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO consultation_actions (consultation_id, org_id, title, note, due_at, state,
           created_at, updated_at, public_timeline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(consultation_id)
    .bind(owner)
    .bind(title)
    .bind((!note.is_empty()).then_some(note))
    .bind(due_at)
    .bind(CONSULTATION_ACTION.initial.as_str())
    .bind(now)
    .bind(item::first_trail(&CONSULTATION_ACTION, now))
    .fetch_one(&mut *tx)
    .await?;
    item::record_creations(
        &mut tx,
        &CONSULTATION_ACTION,
        &[Created {
            item_id: id,
            org_id: owner,
            party: Party::Role(Role::Staff),
            actor: Some(actor),
        }],
        now,
    )
    .await?;
    item::assign_in(
        &mut tx,
        now,
        &CONSULTATION_ACTION,
        id,
        1,
        &[Unit {
            org_id: owner,
            lead: true,
            part: None,
        }],
        None,
    )
    .await?;
    let reminder = (due_at - 86_400_000).max(now);
    item::deadlines_in(
        &mut tx,
        now,
        &CONSULTATION_ACTION,
        id,
        1,
        &[("reminder", reminder), ("deadline", due_at)],
    )
    .await?;
    crate::item::tell_hooks_in(&mut tx, now, &CONSULTATION_ACTION, id, "assigned").await?;
    let handlers = holders_over(&mut tx, Role::DepartmentHandler, &org.path).await?;
    super::notify_in(
        &mut tx,
        now,
        &handlers,
        "action_assigned",
        consultation_id,
        title,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) use crate::item::holders_over;

/// The consultation an action was agreed at.
pub async fn consultation_of(db: &Db, id: i64) -> Result<i64> {
    sqlx::query_scalar("SELECT consultation_id FROM consultation_actions WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)
}

/// One action with its consultation's unit, for access.
async fn load(db: &Db, id: i64) -> Result<(AgreedAction, OrgPath, OrgPath)> {
    let r = sqlx::query(&format!(
        "SELECT {COLS}, o.path AS owner_path, co.path AS body_path
           FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
           JOIN consultations c ON c.id = a.consultation_id JOIN orgs co ON co.id = c.org_id
          WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let parse = |c: &str| -> Result<OrgPath> {
        OrgPath::parse(&col::<String>(&r, c)?).ok_or(Error::NotFound)
    };
    Ok((from_row(&r)?, parse("owner_path")?, parse("body_path")?))
}

/// The owner's handler (or the body's staff) posts progress (`progress`) or
/// marks the action done (`resolve`), with a note.
pub async fn act(
    db: &Db,
    actor: &Actor,
    id: i64,
    action: &str,
    note: &str,
) -> std::result::Result<&'static str, TransitionError> {
    let (a, owner, body) = load(db, id).await?;
    let by = if actor.check(Permission::ConcernHandle, &owner).is_ok() {
        By::Assignee(actor, Role::DepartmentHandler)
    } else if actor.check(Permission::ConsultationManage, &body).is_ok() {
        By::Assignee(actor, Role::Staff)
    } else {
        return Err(Error::Denied(xieshang_core::Denied::OutOfScope).into());
    };
    apply(db, &a, &body, by, action, note).await
}

/// The owner unit's case system acts through its API key (scope
/// `consultations:update`): only on an action its own unit owns (a key acts as
/// the one unit it was issued to, decision 0019). An action outside the
/// key's unit, by owner or by consultation, is not found; one it sees but does
/// not own is refused (`Denied`). The note records which system spoke.
pub async fn act_by_key(
    db: &Db,
    key: &crate::account::apikey::ApiKey,
    id: i64,
    action: &str,
    note: &str,
) -> std::result::Result<&'static str, TransitionError> {
    use crate::account::apikey::Scope;
    if !key.allows(Scope::ConsultationsUpdate) {
        return Err(Error::Denied(xieshang_core::Denied::Forbidden).into());
    }
    let (a, owner, body) = load(db, id).await?;
    if !owner.is_within(&key.org_path) && !body.is_within(&key.org_path) {
        return Err(Error::NotFound.into());
    }
    if a.org_id != key.org_id {
        return Err(Error::Denied(xieshang_core::Denied::Forbidden).into());
    }
    let signed = key.signed(note);
    let by = By::Connected(Role::DepartmentHandler);
    apply(db, &a, &body, by, action, &signed).await
}

/// Progress or done, by whoever the caller found may act.
async fn apply(
    db: &Db,
    a: &AgreedAction,
    body: &OrgPath,
    by: By<'_>,
    action: &str,
    note: &str,
) -> std::result::Result<&'static str, TransitionError> {
    let id = a.id;
    let Some(action) =
        Action::parse(action).filter(|x| matches!(x, Action::Progress | Action::Resolve))
    else {
        return Err(Error::field("action", "err.transition", "unknown action").into());
    };
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 2000 {
        return Err(Error::field(
            "note",
            "err.note_required",
            "say what was done (at most 2000 characters)",
        )
        .into());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    let to = item::transition_in(
        &mut tx,
        now,
        &CONSULTATION_ACTION,
        id,
        action,
        by,
        Some(note),
        &[],
    )
    .await?;
    let event = if action == Action::Resolve {
        "resolved"
    } else {
        "progress"
    };
    crate::item::tell_hooks_in(&mut tx, now, &CONSULTATION_ACTION, id, event).await?;
    if action == Action::Resolve {
        sqlx::query("UPDATE consultation_actions SET done_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::from)?;
        // Staff of the body learn that an action is done.
        let staff = holders_over(&mut tx, Role::Staff, body).await?;
        super::notify_in(
            &mut tx,
            now,
            &staff,
            "action_done",
            a.consultation_id,
            &a.title,
        )
        .await?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(to.as_str())
}

/// The job worker's deadline stage of an action: `reminder` (the working day
/// before) reminds the owner's handlers; `deadline` escalates: a timeline
/// note and the body's staff and leaders are told. Nothing once it is done.
pub(crate) async fn deadline_in(tx: &mut Tx, now: i64, id: i64, stage: &str) -> Result<()> {
    let Some(r) = sqlx::query(
        "SELECT a.state, a.title, a.consultation_id, o.path AS owner_path, co.path AS body_path
           FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
           JOIN consultations c ON c.id = a.consultation_id JOIN orgs co ON co.id = c.org_id
          WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let state: String = col(&r, "state")?;
    if CONSULTATION_ACTION.is_closed_code(&state) {
        return Ok(());
    }
    let title: String = col(&r, "title")?;
    let consultation: i64 = col(&r, "consultation_id")?;
    let parse = |c: &str| -> Result<OrgPath> {
        OrgPath::parse(&col::<String>(&r, c)?).ok_or(Error::NotFound)
    };
    match stage {
        "reminder" => {
            item::note_in(tx, now, &CONSULTATION_ACTION, id, Action::Remind, None).await?;
            let to = holders_over(tx, Role::DepartmentHandler, &parse("owner_path")?).await?;
            super::notify_in(tx, now, &to, "action_reminder", consultation, &title).await?;
        }
        "deadline" => {
            item::note_in(tx, now, &CONSULTATION_ACTION, id, Action::Escalate, None).await?;
            crate::item::tell_hooks_in(tx, now, &CONSULTATION_ACTION, id, "overdue").await?;
            let body = parse("body_path")?;
            let mut to = holders_over(tx, Role::Staff, &body).await?;
            to.extend(holders_over(tx, Role::Leader, &body).await?);
            to.extend(holders_over(tx, Role::DepartmentHandler, &parse("owner_path")?).await?);
            super::notify_in(tx, now, &to, "action_overdue", consultation, &title).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Which agreed actions the outcome list shows.
#[derive(Debug, Clone, Default)]
pub struct OutcomeFilter {
    /// Only this state (`assigned`, `in_progress`, `resolved`), or `overdue`.
    pub state: Option<String>,
    /// Only this owner unit.
    pub owner: Option<i64>,
    /// Rows to pass over (a page of the list).
    pub skip: i64,
}

/// A row of the outcome list (协商成果清单).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The action.
    pub action: AgreedAction,
    /// Its consultation's topic.
    pub topic: String,
    /// The consultation's unit.
    pub unit: String,
    /// When the consultation met.
    pub met_at: i64,
}

/// The agreed actions of consultations within the actor's scope, the latest
/// meeting first (at most `limit`, up to 5,000 for exports).
pub async fn outcomes(
    db: &Db,
    actor: &Actor,
    f: &OutcomeFilter,
    now: i64,
    limit: i64,
) -> Result<Vec<Outcome>> {
    let scopes = actor.scopes(Permission::ConsultationView);
    // Walked from the latest meeting back, stopping once a page is full,
    // along the (branch_id, starts_at) index of migration 48 when no scope
    // is a root (decision 0029): a district's page reads its own
    // consultations, not the city's to keep one in thirteen. When every
    // scope is a whole branch (a district), the branch alone names the rows,
    // as for the staff queue (decision 0009): with the path range's bound
    // values beside it, PostgreSQL's generic plan of the prepared statement
    // guessed 18 units in the range and read and sorted all 592 of a
    // district's consultations (EXPLAIN ANALYZE 10.3 ms against 0.3 ms).
    // Narrower scopes keep the path condition and are narrowed to their
    // branches; a root reads the starts_at index.
    let branches = crate::db::scope::branches_below_root(&scopes);
    let (cond, mut args) = match branches {
        Some(b) if scopes.iter().all(|p| p.depth() == 2) => {
            (format!("c.branch_id {b}"), Vec::new())
        }
        Some(b) => {
            let (path, args) = crate::db::scope::paths_condition(&scopes, "co.path", 1);
            (format!("{path} AND c.branch_id {b}"), args)
        }
        None => crate::db::scope::paths_condition(&scopes, "co.path", 1),
    };
    let dj = db.dialect().driving_join();
    let mut sql = format!(
        "SELECT {COLS}, c.topic, co.name AS unit, c.starts_at AS met_at
           FROM consultations c {dj} orgs co ON co.id = c.org_id
           {dj} consultation_actions a ON a.consultation_id = c.id
           JOIN orgs o ON o.id = a.org_id
          WHERE {cond}"
    );
    match f.state.as_deref() {
        Some("overdue") => {
            args.push(Arg::Int(now));
            sql.push_str(&format!(
                " AND a.state <> 'resolved' AND a.due_at < ${}",
                args.len()
            ));
        }
        Some(s) => {
            args.push(Arg::Text(s.to_owned()));
            sql.push_str(&format!(" AND a.state = ${}", args.len()));
        }
        None => {}
    }
    if let Some(owner) = f.owner {
        args.push(Arg::Int(owner));
        sql.push_str(&format!(" AND a.org_id = ${}", args.len()));
    }
    sql.push_str(&format!(
        " ORDER BY c.starts_at DESC, a.id LIMIT {} OFFSET {}",
        limit.clamp(1, 5000),
        f.skip.clamp(0, 1_000_000)
    ));
    crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Outcome {
                action: from_row(r)?,
                topic: col(r, "topic")?,
                unit: col(r, "unit")?,
                met_at: col(r, "met_at")?,
            })
        })
        .collect()
}

/// The units within the actor's scope that own agreed actions (the outcome
/// list's filter): (unit id, name), by name. Read from the scope's units,
/// each probed in the actions' owner index: on a generated city's PostgreSQL
/// 0.3 ms against 4.7 ms for collecting the owners of all the district's
/// actions. The two differ only at the edges: an owner outside the scope
/// (city staff gave a street's action to a city department) is not offered,
/// and a unit of the scope that owns only other bodies' actions is offered
/// and filters to an empty list.
pub async fn owners(db: &Db, actor: &Actor) -> Result<Vec<(i64, String)>> {
    let (cond, args) =
        crate::db::scope::condition(actor, Permission::ConsultationView, "o.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT o.id, o.name FROM orgs o
              WHERE {cond}
                AND EXISTS (SELECT 1 FROM consultation_actions a WHERE a.org_id = o.id)
              ORDER BY o.name LIMIT 500"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
    .collect()
}

/// The actions an API key's unit reads: of consultations inside it, or owned
/// by a unit inside it; in the order agreed, after `after_id` (a cursor), at
/// most `limit`.
pub async fn list_within(
    db: &Db,
    within: &OrgPath,
    state: Option<&str>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<AgreedAction>> {
    let paths = std::slice::from_ref(within);
    let (owner, mut args) = crate::db::scope::paths_condition(paths, "o.path", 1);
    let (body, more) = crate::db::scope::paths_condition(paths, "co.path", args.len() + 1);
    args.extend(more);
    args.push(Arg::Int(after_id));
    let mut sql = format!(
        "SELECT {COLS} FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
           JOIN consultations c ON c.id = a.consultation_id JOIN orgs co ON co.id = c.org_id
          WHERE ({owner} OR {body}) AND a.id > ${}",
        args.len()
    );
    if let Some(s) = state {
        args.push(Arg::Text(s.to_owned()));
        sql.push_str(&format!(" AND a.state = ${}", args.len()));
    }
    sql.push_str(&format!(" ORDER BY a.id LIMIT {}", limit.clamp(1, 500)));
    crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// One action an API key's unit reads (see [`list_within`]); any other is
/// not found.
pub async fn get_within(db: &Db, within: &OrgPath, id: i64) -> Result<AgreedAction> {
    let (a, owner, body) = load(db, id).await?;
    if !owner.is_within(within) && !body.is_within(within) {
        return Err(Error::NotFound);
    }
    Ok(a)
}

/// The open actions a department handler's units own, soonest due first.
pub async fn owned_by(db: &Db, actor: &Actor) -> Result<Vec<AgreedAction>> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::ConcernHandle, "o.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT {COLS} FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
              WHERE {cond} AND a.state <> 'resolved' ORDER BY a.due_at, a.id LIMIT 200"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}
