//! The supervision opinion (监督意见) on the item engine: sent by a group to
//! one department it is posted to, with the body's deadlines in working days
//! (the plan's, and the result's within the body's limit); the department
//! answers with its rectification plan, then its result; the group rates the
//! result. State, timeline, audit and deadline jobs are the engine's
//! ([`crate::item`]); the deadline stages remind before and escalate when
//! overdue ([`deadline_in`]).

use super::{group, handles, keeps, Group};
use crate::db::{col, Db, Tx};
use crate::item::{self, By, Created};
use crate::{Error, Result};
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{Action, Party};
use xieshang_core::supervision::{text, NewOpinion, Rating, TEXT_MAX};
use xieshang_core::{Actor, Denied, OrgPath, Role};

pub use xieshang_core::item::SUPERVISION_OPINION;

/// A reminder this long before a due time (three days).
const REMINDER_BEFORE_MS: i64 = 3 * 86_400_000;

/// An opinion as its page reads it.
#[derive(Debug, Clone)]
pub struct Opinion {
    /// Id.
    pub id: i64,
    /// The body.
    pub org_id: i64,
    /// The body's path.
    pub path: OrgPath,
    /// The group.
    pub group_id: i64,
    /// Its name.
    pub group_name: String,
    /// The department.
    pub dept_id: i64,
    /// Its name.
    pub dept_name: String,
    /// Its path.
    pub dept_path: OrgPath,
    /// Title.
    pub title: String,
    /// The opinion.
    pub body: String,
    /// State code.
    pub state: String,
    /// The plan's due time.
    pub plan_due_at: i64,
    /// The result's due time.
    pub due_at: i64,
    /// The department's rectification plan.
    pub plan: Option<(String, i64)>,
    /// Its result.
    pub result: Option<(String, i64)>,
    /// The group's rating and note.
    pub rating: Option<(String, String)>,
    /// Sent.
    pub created_at: i64,
}

const COLS: &str = "s.id, s.org_id, o.path, s.group_id, g.name AS group_name, s.dept_id,
    d.name AS dept_name, d.path AS dept_path, s.title, s.body, s.state, s.plan_due_at,
    s.due_at, s.plan_text, s.plan_at, s.result_text, s.result_at, s.rating, s.rating_note,
    s.created_at";
const FROM: &str = "supervision_opinions s JOIN orgs o ON o.id = s.org_id
    JOIN supervision_groups g ON g.id = s.group_id JOIN orgs d ON d.id = s.dept_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Opinion> {
    let path = |c: &str| -> Result<OrgPath> {
        OrgPath::parse(&col::<String>(r, c)?).ok_or(Error::NotFound)
    };
    let plan: Option<String> = col(r, "plan_text")?;
    let result: Option<String> = col(r, "result_text")?;
    let rating: Option<String> = col(r, "rating")?;
    let note: Option<String> = col(r, "rating_note")?;
    Ok(Opinion {
        id: col(r, "id")?,
        org_id: col(r, "org_id")?,
        path: path("path")?,
        group_id: col(r, "group_id")?,
        group_name: col(r, "group_name")?,
        dept_id: col(r, "dept_id")?,
        dept_name: col(r, "dept_name")?,
        dept_path: path("dept_path")?,
        title: col(r, "title")?,
        body: col(r, "body")?,
        state: col(r, "state")?,
        plan_due_at: col(r, "plan_due_at")?,
        due_at: col(r, "due_at")?,
        plan: plan.zip(col::<Option<i64>>(r, "plan_at")?),
        result: result.zip(col::<Option<i64>>(r, "result_at")?),
        rating: rating.map(|x| (x, note.unwrap_or_default())),
        created_at: col(r, "created_at")?,
    })
}

/// How the actor stands to an opinion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    /// The body's staff.
    pub staff: bool,
    /// A member of the sending group.
    pub member: bool,
    /// A handler of the department it went to.
    pub department: bool,
}

/// An opinion the actor may read (the body's staff and leaders, the group's
/// members, the department's handlers), with how they stand; others: not
/// found.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<(Opinion, Roles)> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let o = from_row(&row)?;
    let roles = Roles {
        staff: keeps(actor, &o.path),
        member: super::is_member(db, o.group_id, actor.user_id).await?,
        department: handles(actor, &o.dept_path),
    };
    let reads = roles.staff
        || roles.member
        || roles.department
        || actor
            .check(xieshang_core::Permission::OrgView, &o.path)
            .is_ok();
    if !reads {
        return Err(Error::Denied(Denied::OutOfScope));
    }
    Ok((o, roles))
}

/// The group (a member or the body's staff) sends an opinion to one of its
/// departments. The plan is due the body's plan days after today; the
/// result by the typed date, which must fall after the plan's and within the
/// body's result days. Returns its id.
pub async fn send(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    group_id: i64,
    new: &NewOpinion,
) -> Result<i64> {
    let (g, s) = group(db, actor, group_id).await?;
    if !s.works() {
        return Err(Error::Denied(Denied::Forbidden));
    }
    if !super::posted(db, g.id, new.department).await? {
        return Err(super::no_department());
    }
    let rules = super::rules(db, g.org_id).await?;
    let now = db.now_ms();
    let plan_due = cal.deadline_after(now, rules.plan_days);
    let latest = cal.deadline_after(now, rules.result_days);
    let due = new
        .deadline
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000 - 1)
        .unwrap_or(0);
    if due <= plan_due || due > latest {
        return Err(Error::field(
            "deadline",
            "err.supervision.deadline_range",
            "the deadline must fall after the plan is due and within the body's working days for a result",
        ));
    }
    let party = if s.staff {
        Party::Role(Role::Staff)
    } else {
        Party::Role(Role::Member)
    };
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO supervision_opinions (org_id, group_id, dept_id, title, body, state, round,
           plan_due_at, due_at, created_by, created_at, updated_at, public_timeline)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $10, $11) RETURNING id",
    )
    .bind(g.org_id)
    .bind(g.id)
    .bind(new.department)
    .bind(&new.title)
    .bind(&new.body)
    .bind(SUPERVISION_OPINION.initial.as_str())
    .bind(plan_due)
    .bind(due)
    .bind(actor.user_id)
    .bind(now)
    .bind(item::first_trail(&SUPERVISION_OPINION, now))
    .fetch_one(&mut *tx)
    .await?;
    item::record_creations(
        &mut tx,
        &SUPERVISION_OPINION,
        &[Created {
            item_id: id,
            org_id: g.org_id,
            party,
            actor: Some(actor),
        }],
        now,
    )
    .await?;
    let first = if rules.require_plan { plan_due } else { due };
    let stage = if rules.require_plan { "plan" } else { "result" };
    queue_in(&mut tx, now, id, 1, stage, first).await?;
    tell_in(
        &mut tx,
        now,
        id,
        Audience::Department,
        "supervision_opinion",
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Who hears of a step of an opinion.
#[derive(Clone, Copy)]
enum Audience {
    /// The handlers of the department it went to.
    Department,
    /// The group's leader and members.
    Group,
    /// The group and the body's staff (a deadline passed).
    GroupAndStaff,
}

/// In-app notifications of `kind` about opinion `id` to its audience, in
/// the caller's transaction; each opens the opinion's page.
async fn tell_in(tx: &mut Tx, now: i64, id: i64, audience: Audience, kind: &str) -> Result<()> {
    let r = sqlx::query(
        "SELECT s.title, s.group_id, g.leader_id, d.path AS dept_path, b.path AS body_path
           FROM supervision_opinions s
           JOIN supervision_groups g ON g.id = s.group_id
           JOIN orgs d ON d.id = s.dept_id
           JOIN orgs b ON b.id = s.org_id
          WHERE s.id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let title: String = col(&r, "title")?;
    let mut to = Vec::new();
    let path = |c: &str| -> Result<OrgPath> {
        let raw: String = col(&r, c)?;
        OrgPath::parse(&raw).ok_or(Error::NotFound)
    };
    if matches!(audience, Audience::Department) {
        to.extend(item::holders_over(tx, Role::DepartmentHandler, &path("dept_path")?).await?);
    } else {
        to.push(col::<i64>(&r, "leader_id")?);
        let members: Vec<i64> =
            sqlx::query_scalar("SELECT user_id FROM supervision_members WHERE group_id = $1")
                .bind(col::<i64>(&r, "group_id")?)
                .fetch_all(&mut **tx)
                .await?;
        to.extend(members);
        if matches!(audience, Audience::GroupAndStaff) {
            to.extend(item::holders_over(tx, Role::Staff, &path("body_path")?).await?);
        }
    }
    item::notify_in(tx, now, &to, kind, SUPERVISION_OPINION.kind, id, &title).await
}

async fn queue_in(tx: &mut Tx, now: i64, id: i64, round: i64, what: &str, due: i64) -> Result<()> {
    let reminder = format!("{what}_reminder");
    let deadline = format!("{what}_deadline");
    item::deadlines_in(
        tx,
        now,
        &SUPERVISION_OPINION,
        id,
        round,
        &[
            (reminder.as_str(), (due - REMINDER_BEFORE_MS).max(now)),
            (deadline.as_str(), due),
        ],
    )
    .await
}

fn closed() -> Error {
    Error::field(
        "text",
        "err.supervision.closed",
        "this opinion is closed (the group has rated the result): nothing more can be answered on it",
    )
}

/// Who answers for the department: its handler (through the opinion's
/// department) or the body's staff.
fn department_by(actor: &Actor, r: Roles) -> Result<By<'_>> {
    if r.department {
        Ok(By::Assignee(actor, Role::DepartmentHandler))
    } else if r.staff {
        Ok(By::User(actor))
    } else {
        Err(Error::Denied(Denied::Forbidden))
    }
}

/// The department answers with its rectification plan (整改方案).
pub async fn answer_plan(db: &Db, actor: &Actor, id: i64, plan: &str) -> Result<()> {
    let (o, r) = get(db, actor, id).await?;
    let by = department_by(actor, r)?;
    if SUPERVISION_OPINION.is_closed_code(&o.state) {
        return Err(closed());
    }
    if o.state != "assigned" {
        return Err(Error::field(
            "text",
            "err.supervision.plan_given",
            "the rectification plan is in already: answer with the result",
        ));
    }
    let plan = text(plan, TEXT_MAX).ok_or_else(|| {
        Error::field("text", "err.supervision.text", "write 1 to 5000 characters")
    })?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    item::transition_in(
        &mut tx,
        now,
        &SUPERVISION_OPINION,
        id,
        Action::Progress,
        by,
        Some(&plan),
        &[],
    )
    .await
    .map_err(item::TransitionError::into_store)?;
    sqlx::query(
        "UPDATE supervision_opinions SET plan_text = $1, plan_at = $2, round = 2 WHERE id = $3",
    )
    .bind(&plan)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    queue_in(&mut tx, now, id, 2, "result", o.due_at).await?;
    tell_in(&mut tx, now, id, Audience::Group, "supervision_plan").await?;
    tx.commit().await?;
    Ok(())
}

/// The department answers with its result (整改结果); where the body
/// requires the plan first, not before it.
pub async fn answer_result(db: &Db, actor: &Actor, id: i64, result: &str) -> Result<()> {
    let (o, r) = get(db, actor, id).await?;
    let by = department_by(actor, r)?;
    if SUPERVISION_OPINION.is_closed_code(&o.state) {
        return Err(closed());
    }
    if o.state == "resolved" {
        return Err(Error::field(
            "text",
            "err.supervision.result_given",
            "the result is in and waits for the group's rating",
        ));
    }
    let rules = super::rules(db, o.org_id).await?;
    if o.state == "assigned" && rules.require_plan {
        return Err(Error::field(
            "text",
            "err.supervision.plan_first",
            "the body's rules ask for the rectification plan first: answer with the plan",
        ));
    }
    let result = text(result, TEXT_MAX).ok_or_else(|| {
        Error::field("text", "err.supervision.text", "write 1 to 5000 characters")
    })?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    item::transition_in(
        &mut tx,
        now,
        &SUPERVISION_OPINION,
        id,
        Action::Resolve,
        by,
        Some(&result),
        &[],
    )
    .await
    .map_err(item::TransitionError::into_store)?;
    // A new round: the result's stages queued before do nothing now.
    sqlx::query(
        "UPDATE supervision_opinions SET result_text = $1, result_at = $2, round = round + 1
          WHERE id = $3",
    )
    .bind(&result)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tell_in(&mut tx, now, id, Audience::Group, "supervision_result").await?;
    tx.commit().await?;
    Ok(())
}

/// The group (a member or the body's staff) rates the result: satisfied or
/// basically satisfied closes the opinion; unsatisfied asks for another
/// result within the body's result days from now.
pub async fn rate(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    rating: &str,
    note: &str,
) -> Result<()> {
    let (o, r) = get(db, actor, id).await?;
    let by = if r.member {
        By::Related(actor, Role::Member)
    } else if r.staff {
        By::User(actor)
    } else {
        return Err(Error::Denied(Denied::Forbidden));
    };
    if SUPERVISION_OPINION.is_closed_code(&o.state) {
        return Err(closed());
    }
    let rating = Rating::parse(rating).ok_or_else(|| {
        Error::field(
            "rating",
            "err.supervision.rating",
            "choose how the group rates the result",
        )
    })?;
    if o.state != "resolved" {
        return Err(Error::field(
            "rating",
            "err.supervision.no_result",
            "the department has not reported its result yet: rate it once it has",
        ));
    }
    let note = note.trim();
    if note.chars().count() > TEXT_MAX {
        return Err(Error::field(
            "note",
            "err.supervision.text",
            "write 1 to 5000 characters",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let words = (!note.is_empty()).then_some(note);
    item::transition_in(
        &mut tx,
        now,
        &SUPERVISION_OPINION,
        id,
        rating.action(),
        by,
        words,
        &[],
    )
    .await
    .map_err(item::TransitionError::into_store)?;
    item::feedback_in(
        &mut tx,
        now,
        &SUPERVISION_OPINION,
        id,
        rating.code(),
        words,
        None,
        None,
    )
    .await?;
    sqlx::query(
        "UPDATE supervision_opinions SET rating = $1, rating_note = $2, rated_at = $3 WHERE id = $4",
    )
    .bind(rating.code())
    .bind(note)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if rating == Rating::Unsatisfied {
        let rules = super::rules(db, o.org_id).await?;
        let due = cal.deadline_after(now, rules.result_days);
        sqlx::query("UPDATE supervision_opinions SET due_at = $1 WHERE id = $2")
            .bind(due)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let round: i64 = sqlx::query_scalar("SELECT round FROM supervision_opinions WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        queue_in(&mut tx, now, id, round, "result", due).await?;
    }
    tell_in(&mut tx, now, id, Audience::Department, "supervision_rated").await?;
    tx.commit().await?;
    Ok(())
}

/// The opinion's timeline (the engine's).
pub async fn timeline(db: &Db, id: i64) -> Result<Vec<item::Event>> {
    item::timeline(db, &SUPERVISION_OPINION, id).await
}

/// One opinion in a list.
#[derive(Debug, Clone)]
pub struct Row {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The group's name.
    pub group: String,
    /// The department's name.
    pub dept: String,
    /// State code.
    pub state: String,
    /// Sent.
    pub created_at: i64,
    /// The result's due time.
    pub due_at: i64,
    /// When the plan came.
    pub plan_at: Option<i64>,
    /// When the result came.
    pub result_at: Option<i64>,
    /// The result's words (for the public page).
    pub result: Option<String>,
    /// The rating code.
    pub rating: Option<String>,
}

pub(crate) const ROW_COLS: &str = "s.id, s.title, g.name AS group_name, d.name AS dept, s.state,
    s.created_at, s.due_at, s.plan_at, s.result_at, s.result_text, s.rating";
pub(crate) const ROW_FROM: &str = "supervision_opinions s
    JOIN supervision_groups g ON g.id = s.group_id JOIN orgs d ON d.id = s.dept_id";

pub(crate) fn list_row(r: &sqlx::any::AnyRow) -> Result<Row> {
    Ok(Row {
        id: col(r, "id")?,
        title: col(r, "title")?,
        group: col(r, "group_name")?,
        dept: col(r, "dept")?,
        state: col(r, "state")?,
        created_at: col(r, "created_at")?,
        due_at: col(r, "due_at")?,
        plan_at: col(r, "plan_at")?,
        result_at: col(r, "result_at")?,
        result: col(r, "result_text")?,
        rating: col(r, "rating")?,
    })
}

/// A page of the group's opinions, the latest first (before id `before`).
pub async fn of_group(db: &Db, g: &Group, before: Option<i64>) -> Result<Vec<Row>> {
    sqlx::query(&format!(
        "SELECT {ROW_COLS} FROM {ROW_FROM} WHERE s.group_id = $1 AND s.id < $2
          ORDER BY s.id DESC LIMIT {}",
        super::PAGE
    ))
    .bind(g.id)
    .bind(before.unwrap_or(i64::MAX))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(list_row)
    .collect()
}

const WAITING: &str = "s.state IN ('assigned', 'in_progress', 'reopened')";

/// Opinions waiting for an answer from the departments the actor handles,
/// the oldest due first.
pub async fn waiting(db: &Db, actor: &Actor) -> Result<Vec<Row>> {
    let paths = super::handled_paths(actor);
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let (cond, args) = crate::db::scope::paths_condition(&paths, "d.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT {ROW_COLS} FROM {ROW_FROM} WHERE {WAITING} AND {cond}
              ORDER BY s.due_at, s.id LIMIT {}",
            super::PAGE
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(list_row)
    .collect()
}

/// How many opinions wait for an answer from the departments the actor
/// handles (the handler's home counts them).
pub async fn waiting_count(db: &Db, actor: &Actor) -> Result<i64> {
    let paths = super::handled_paths(actor);
    if paths.is_empty() {
        return Ok(0);
    }
    let (cond, args) = crate::db::scope::paths_condition(&paths, "d.path", 1);
    let row = crate::db::query_with(
        &format!(
            "SELECT COUNT(*) AS n FROM supervision_opinions s JOIN orgs d ON d.id = s.dept_id
              WHERE {WAITING} AND {cond}"
        ),
        args,
    )
    .fetch_one(db.pool())
    .await?;
    Ok(col(&row, "n")?)
}

/// A deadline stage of an opinion (the job worker's): `plan_reminder` and
/// `result_reminder` note a reminder on the timeline while the answer is
/// missing; `plan_deadline` and `result_deadline` note an escalation. A
/// stage of a round that has moved on, or of a closed opinion, does nothing.
pub(crate) async fn deadline_in(
    tx: &mut Tx,
    now: i64,
    id: i64,
    round: i64,
    stage: &str,
) -> Result<()> {
    let Some(r) = sqlx::query("SELECT state, round FROM supervision_opinions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(());
    };
    let state: String = col(&r, "state")?;
    let current: i64 = col(&r, "round")?;
    if current != round || SUPERVISION_OPINION.is_closed_code(&state) || state == "resolved" {
        return Ok(());
    }
    let (action, note) = match stage {
        "plan_reminder" => (Action::Remind, "plan"),
        "plan_deadline" => (Action::Escalate, "plan"),
        "result_reminder" => (Action::Remind, "result"),
        "result_deadline" => (Action::Escalate, "result"),
        _ => return Ok(()),
    };
    item::note_in(tx, now, &SUPERVISION_OPINION, id, action, Some(note)).await?;
    // A reminder goes to the department; a passed deadline to the group and
    // the body's staff as well, who follow it up.
    if action == Action::Remind {
        tell_in(tx, now, id, Audience::Department, "supervision_reminder").await
    } else {
        tell_in(tx, now, id, Audience::Department, "supervision_overdue").await?;
        tell_in(tx, now, id, Audience::GroupAndStaff, "supervision_overdue").await
    }
}
