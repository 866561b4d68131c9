//! Democratic supervision (民主监督, issue 31 points 1–3, decision record
//! 0045): a body's supervision groups (under a special committee, with a
//! leader and members from the body's members), the departments each is
//! posted to, the annual plan agreed with each department and its
//! acceptance, the group's activities with evidence, and the supervision
//! opinion (监督意见), an item kind on the engine ([`SUPERVISION_OPINION`])
//! in [`opinion`]. The body's one rule set is [`rules`]; the public page's
//! reads are [`public`].
//!
//! Who may do what: the body's staff (`OrgManage` over the body) keep
//! everything; the group's members (a row in `supervision_members`) plan,
//! log activities, send and rate opinions; a department's handlers accept
//! its plans and answer its opinions. Whoever sees nothing of a group is
//! told it does not exist ([`Error::NotFound`]). Domain refusals are
//! [`Error::Invalid`] with the field to change.

pub mod datagen;
pub mod demo;
pub mod opinion;
pub mod public;

use crate::db::{col, Db};
use crate::org::Org;
use crate::{Error, Result};
use xieshang_core::supervision::{text, ActivityKind, Rules, TEXT_MAX, TITLE_MAX};
use xieshang_core::{Actor, Denied, OrgPath, Permission, Role};

pub use opinion::SUPERVISION_OPINION;

/// Rows on one page of a list.
pub const PAGE: i64 = 50;

/// The body over a unit ([`crate::org::body_of`]).
pub use crate::org::body_of;

/// The body whose own work the actor keeps as staff ([`crate::org::staff_body`]).
pub use crate::org::staff_body;

/// Whether the actor keeps the body's supervision (its staff).
pub fn keeps(actor: &Actor, body: &OrgPath) -> bool {
    actor.check(Permission::OrgManage, body).is_ok()
}

/// Whether the actor handles the department's work (a department handler
/// over it).
pub fn handles(actor: &Actor, dept: &OrgPath) -> bool {
    actor.roles_over(dept).any(|r| r == Role::DepartmentHandler)
}

/// The body's rule set (the defaults while it keeps none).
pub async fn rules(db: &Db, org_id: i64) -> Result<Rules> {
    let row = sqlx::query(
        "SELECT plan_days, result_days, require_plan FROM supervision_rules WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else {
        return Ok(Rules::default());
    };
    Ok(Rules {
        plan_days: u32::try_from(col::<i64>(&r, "plan_days")?).unwrap_or(10),
        result_days: u32::try_from(col::<i64>(&r, "result_days")?).unwrap_or(60),
        require_plan: col::<i64>(&r, "require_plan")? != 0,
    })
}

/// Staff keep the body's rule set (audited); it applies to every group alike.
pub async fn set_rules(db: &Db, actor: &Actor, org_id: i64, rules: &Rules) -> Result<()> {
    let body = crate::org::get_unchecked(db, org_id).await?;
    actor.check(Permission::OrgManage, &body.path)?;
    let before = self::rules(db, org_id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM supervision_rules WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO supervision_rules (org_id, plan_days, result_days, require_plan, updated_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(org_id)
    .bind(i64::from(rules.plan_days))
    .bind(i64::from(rules.result_days))
    .bind(i64::from(rules.require_plan))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "supervision.rules",
            entity: "org",
            entity_id: org_id.to_string(),
            org_id: Some(org_id),
            before: Some(serde_json::json!(format!("{before:?}"))),
            after: Some(serde_json::json!(format!("{rules:?}"))),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A supervision group as its pages read it.
#[derive(Debug, Clone)]
pub struct Group {
    /// Id.
    pub id: i64,
    /// The body.
    pub org_id: i64,
    /// The body's path.
    pub path: OrgPath,
    /// The body's name.
    pub body_name: String,
    /// Name (第二民主监督小组).
    pub name: String,
    /// The special committee it works under.
    pub committee: String,
    /// The leader's account.
    pub leader_id: i64,
    /// The leader's name.
    pub leader_name: String,
}

/// How the actor stands to a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// The body's staff.
    pub staff: bool,
    /// One of the group's members (or its leader).
    pub member: bool,
}

impl Standing {
    /// Whether the actor does the group's work (staff or member).
    pub fn works(self) -> bool {
        self.staff || self.member
    }
}

const GROUP_COLS: &str = "g.id, g.org_id, o.path, o.name AS body_name, g.name, g.committee,
    g.leader_id, u.display_name AS leader_name";
const GROUP_FROM: &str = "supervision_groups g JOIN orgs o ON o.id = g.org_id
    JOIN users u ON u.id = g.leader_id";

fn group_row(r: &sqlx::any::AnyRow) -> Result<Group> {
    Ok(Group {
        id: col(r, "id")?,
        org_id: col(r, "org_id")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
        body_name: col(r, "body_name")?,
        name: col(r, "name")?,
        committee: col(r, "committee")?,
        leader_id: col(r, "leader_id")?,
        leader_name: col(r, "leader_name")?,
    })
}

pub(crate) async fn group_unchecked(db: &Db, id: i64) -> Result<Group> {
    let row = sqlx::query(&format!(
        "SELECT {GROUP_COLS} FROM {GROUP_FROM} WHERE g.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    group_row(&row)
}

/// Whether the user is one of the group's members.
pub async fn is_member(db: &Db, group_id: i64, user_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM supervision_members WHERE group_id = $1 AND user_id = $2",
    )
    .bind(group_id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// How the actor stands to the group.
pub async fn standing(db: &Db, actor: &Actor, g: &Group) -> Result<Standing> {
    Ok(Standing {
        staff: keeps(actor, &g.path),
        member: is_member(db, g.id, actor.user_id).await?,
    })
}

/// A group the actor works in (its body's staff, its members) or, to read,
/// whose body they see (`OrgView`: its leaders); others: not found.
pub async fn group(db: &Db, actor: &Actor, id: i64) -> Result<(Group, Standing)> {
    let g = group_unchecked(db, id).await?;
    let s = standing(db, actor, &g).await?;
    if s.works() || actor.check(Permission::OrgView, &g.path).is_ok() {
        Ok((g, s))
    } else {
        Err(Error::Denied(Denied::OutOfScope))
    }
}

/// A group as staff create it.
#[derive(Debug, Clone)]
pub struct NewGroup<'a> {
    /// Name.
    pub name: &'a str,
    /// The special committee (a name: committees are not units of the tree).
    pub committee: &'a str,
    /// The leader (one of the body's members).
    pub leader: Option<i64>,
    /// The other members (the body's members).
    pub members: &'a [i64],
}

/// The body's members who may sit in a group: accounts holding the member
/// role inside the body (its streets), by name.
pub async fn candidates(db: &Db, body: &Org) -> Result<Vec<(i64, String)>> {
    let (cond, args) =
        crate::db::scope::paths_condition(std::slice::from_ref(&body.path), "o.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT DISTINCT u.id, u.display_name FROM grants gr JOIN orgs o ON o.id = gr.org_id
               JOIN users u ON u.id = gr.user_id
              WHERE gr.role = 'member' AND {cond} ORDER BY u.display_name, u.id LIMIT 1000"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "display_name")?)))
    .collect()
}

/// The body's departments (units of kind department inside it), by name.
pub async fn departments(db: &Db, body: &Org) -> Result<Vec<(i64, String)>> {
    let (cond, args) =
        crate::db::scope::paths_condition(std::slice::from_ref(&body.path), "o.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT o.id, o.name FROM orgs o WHERE o.kind = 'department' AND {cond}
              ORDER BY o.name, o.id LIMIT 1000"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
    .collect()
}

/// Staff create a group in their body. Returns its id.
pub async fn create_group(db: &Db, actor: &Actor, body_id: i64, new: &NewGroup<'_>) -> Result<i64> {
    let body = crate::org::get_unchecked(db, body_id).await?;
    actor.check(Permission::OrgManage, &body.path)?;
    let name = text(new.name, TITLE_MAX).ok_or_else(|| {
        Error::field(
            "name",
            "err.supervision.name",
            "give the group a name of 1 to 100 characters",
        )
    })?;
    let committee = text(new.committee, TITLE_MAX).ok_or_else(|| {
        Error::field(
            "committee",
            "err.supervision.committee",
            "name the special committee the group works under",
        )
    })?;
    let people = candidates(db, &body).await?;
    let known = |id: i64| people.iter().any(|(p, _)| *p == id);
    let leader = new.leader.filter(|l| known(*l)).ok_or_else(|| {
        Error::field(
            "leader",
            "err.supervision.leader",
            "choose the group's leader from the body's members",
        )
    })?;
    if new.members.iter().any(|m| !known(*m)) {
        return Err(Error::field(
            "members",
            "err.supervision.members",
            "choose the members from the body's members",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO supervision_groups (org_id, name, committee, leader_id, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(body.id)
    .bind(&name)
    .bind(&committee)
    .bind(leader)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let mut all: Vec<i64> = new.members.to_vec();
    all.push(leader);
    all.sort_unstable();
    all.dedup();
    for m in all {
        sqlx::query("INSERT INTO supervision_members (group_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(m)
            .execute(&mut *tx)
            .await?;
    }
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "supervision.group",
            entity: "supervision_group",
            entity_id: id.to_string(),
            org_id: Some(body.id),
            before: None,
            after: Some(serde_json::json!({"name": name, "committee": committee})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The group's members' names, the leader first.
pub async fn members(db: &Db, g: &Group) -> Result<Vec<(i64, String)>> {
    sqlx::query(
        "SELECT u.id, u.display_name FROM supervision_members m JOIN users u ON u.id = m.user_id
          WHERE m.group_id = $1 ORDER BY CASE WHEN u.id = $2 THEN 0 ELSE 1 END, u.display_name",
    )
    .bind(g.id)
    .bind(g.leader_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "display_name")?)))
    .collect()
}

/// The departments the group is posted to, by name.
pub async fn postings(db: &Db, group_id: i64) -> Result<Vec<(i64, String)>> {
    sqlx::query(
        "SELECT o.id, o.name FROM supervision_postings p JOIN orgs o ON o.id = p.dept_id
          WHERE p.group_id = $1 ORDER BY o.name, o.id",
    )
    .bind(group_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
    .collect()
}

fn no_department() -> Error {
    Error::field(
        "department",
        "err.supervision.department",
        "choose the department the opinion goes to (one the group is posted to)",
    )
}

/// Staff post a group to one of the body's departments (again: nothing
/// changes).
pub async fn post_group(db: &Db, actor: &Actor, group_id: i64, dept_id: i64) -> Result<()> {
    let (g, s) = group(db, actor, group_id).await?;
    if !s.staff {
        return Err(Error::Denied(Denied::Forbidden));
    }
    let body = crate::org::get_unchecked(db, g.org_id).await?;
    let depts = departments(db, &body).await?;
    if !depts.iter().any(|(d, _)| *d == dept_id) {
        return Err(Error::field(
            "posting_department",
            "err.supervision.post_department",
            "choose one of the body's departments",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM supervision_postings WHERE group_id = $1 AND dept_id = $2",
    )
    .bind(g.id)
    .bind(dept_id)
    .fetch_one(&mut *tx)
    .await?;
    if n == 0 {
        sqlx::query(
            "INSERT INTO supervision_postings (group_id, dept_id, posted_at) VALUES ($1, $2, $3)",
        )
        .bind(g.id)
        .bind(dept_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the group is posted to the department.
pub async fn posted(db: &Db, group_id: i64, dept_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM supervision_postings WHERE group_id = $1 AND dept_id = $2",
    )
    .bind(group_id)
    .bind(dept_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// A plan agreed with a department for a year.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// The group.
    pub group_id: i64,
    /// The group's name.
    pub group_name: String,
    /// The department.
    pub dept_id: i64,
    /// Its name.
    pub dept_name: String,
    /// Year.
    pub year: i64,
    /// Topics.
    pub topics: String,
    /// Planned activities, one a line (date and what).
    pub activities: String,
    /// Who accepted it for the department, and when.
    pub accepted: Option<(String, i64)>,
}

const PLAN_COLS: &str = "p.id, p.group_id, g.name AS group_name, p.dept_id, d.name AS dept_name,
    p.year, p.topics, p.activities, a.display_name AS accepted_name, p.accepted_at";
const PLAN_FROM: &str = "supervision_plans p JOIN supervision_groups g ON g.id = p.group_id
    JOIN orgs d ON d.id = p.dept_id LEFT JOIN users a ON a.id = p.accepted_by";

fn plan_row(r: &sqlx::any::AnyRow) -> Result<Plan> {
    let name: Option<String> = col(r, "accepted_name")?;
    let at: Option<i64> = col(r, "accepted_at")?;
    Ok(Plan {
        id: col(r, "id")?,
        group_id: col(r, "group_id")?,
        group_name: col(r, "group_name")?,
        dept_id: col(r, "dept_id")?,
        dept_name: col(r, "dept_name")?,
        year: col(r, "year")?,
        topics: col(r, "topics")?,
        activities: col(r, "activities")?,
        accepted: name.zip(at),
    })
}

/// The group's plans, the latest year first.
pub async fn plans(db: &Db, group_id: i64) -> Result<Vec<Plan>> {
    sqlx::query(&format!(
        "SELECT {PLAN_COLS} FROM {PLAN_FROM} WHERE p.group_id = $1
          ORDER BY p.year DESC, d.name LIMIT 500"
    ))
    .bind(group_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(plan_row)
    .collect()
}

/// A plan as typed.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    /// The department.
    pub dept: &'a str,
    /// Year.
    pub year: &'a str,
    /// Topics.
    pub topics: &'a str,
    /// Planned activities, one a line.
    pub activities: &'a str,
}

/// The group (a member or staff) writes its plan with a department for a
/// year; rewritten while the department has not accepted it. Returns its id.
pub async fn set_plan(db: &Db, actor: &Actor, group_id: i64, new: &NewPlan<'_>) -> Result<i64> {
    let (g, s) = group(db, actor, group_id).await?;
    if !s.works() {
        return Err(Error::Denied(Denied::Forbidden));
    }
    let dept = new.dept.trim().parse::<i64>().unwrap_or(0);
    if dept == 0 || !posted(db, g.id, dept).await? {
        return Err(Error::field(
            "plan_department",
            "err.supervision.plan_department",
            "choose a department the group is posted to",
        ));
    }
    let year = new
        .year
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| {
            Error::field(
                "year",
                "err.supervision.year",
                "give the plan's year, such as 2026",
            )
        })?;
    let topics = text(new.topics, TEXT_MAX).ok_or_else(|| {
        Error::field(
            "topics",
            "err.supervision.topics",
            "write the plan's topics (1 to 5000 characters)",
        )
    })?;
    let activities = text(new.activities, TEXT_MAX).ok_or_else(|| {
        Error::field(
            "planned",
            "err.supervision.planned",
            "write the planned activities, one a line with its date (1 to 5000 characters)",
        )
    })?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let existing = sqlx::query(
        "SELECT id, accepted_at FROM supervision_plans WHERE group_id = $1 AND dept_id = $2 AND year = $3",
    )
    .bind(g.id)
    .bind(dept)
    .bind(year)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match existing {
        Some(r) => {
            let accepted: Option<i64> = col(&r, "accepted_at")?;
            if accepted.is_some() {
                return Err(Error::field(
                    "year",
                    "err.supervision.plan_accepted",
                    "the department has accepted this year's plan already: it stays as agreed",
                ));
            }
            let id: i64 = col(&r, "id")?;
            sqlx::query("UPDATE supervision_plans SET topics = $1, activities = $2 WHERE id = $3")
                .bind(&topics)
                .bind(&activities)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO supervision_plans (group_id, dept_id, year, topics, activities,
               created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(g.id)
            .bind(dept)
            .bind(year)
            .bind(&topics)
            .bind(&activities)
            .bind(actor.user_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// A department's handler (or the body's staff) accepts the plan: who and
/// when are recorded. Returns the group's id.
pub async fn accept_plan(db: &Db, actor: &Actor, plan_id: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT p.group_id, p.accepted_at, d.path AS dept_path, o.path AS body_path, p.year
           FROM supervision_plans p JOIN orgs d ON d.id = p.dept_id
           JOIN supervision_groups g ON g.id = p.group_id JOIN orgs o ON o.id = g.org_id
          WHERE p.id = $1",
    )
    .bind(plan_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let path = |c: &str| -> Result<OrgPath> {
        OrgPath::parse(&col::<String>(&row, c)?).ok_or(Error::NotFound)
    };
    let (dept, body) = (path("dept_path")?, path("body_path")?);
    if !handles(actor, &dept) && !keeps(actor, &body) {
        return Err(Error::Denied(Denied::OutOfScope));
    }
    let group_id: i64 = col(&row, "group_id")?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE supervision_plans SET accepted_by = $1, accepted_at = $2
          WHERE id = $3 AND accepted_at IS NULL",
    )
    .bind(actor.user_id)
    .bind(now)
    .bind(plan_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(Error::field(
            "plan",
            "err.supervision.plan_accepted",
            "the department has accepted this year's plan already: it stays as agreed",
        ));
    }
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "supervision.plan_accept",
            entity: "supervision_plan",
            entity_id: plan_id.to_string(),
            org_id: None,
            before: None,
            after: Some(serde_json::json!({"year": col::<i64>(&row, "year")?})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(group_id)
}

/// An activity as typed.
#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    /// Kind code.
    pub kind: &'a str,
    /// The department it concerned (empty: none in particular).
    pub dept: &'a str,
    /// What it was.
    pub title: &'a str,
    /// The date it was held (YYYY-MM-DD).
    pub held_on: &'a str,
    /// The public phone number of a contact card.
    pub phone: &'a str,
    /// Notes.
    pub note: &'a str,
}

/// The group logs an activity, with its evidence photos (checked and
/// re-encoded by the caller, as every upload is). Returns its id.
pub async fn log_activity(
    db: &Db,
    actor: &Actor,
    group_id: i64,
    new: &NewActivity<'_>,
    photos: &[crate::concern::photo::Photo],
) -> Result<i64> {
    let (g, s) = group(db, actor, group_id).await?;
    if !s.works() {
        return Err(Error::Denied(Denied::Forbidden));
    }
    let kind = ActivityKind::parse(new.kind).ok_or_else(|| {
        Error::field(
            "kind",
            "err.supervision.kind",
            "choose what kind of activity it was",
        )
    })?;
    let dept = match new.dept.trim() {
        "" => None,
        d => {
            let d = d.parse::<i64>().unwrap_or(0);
            if !posted(db, g.id, d).await? {
                return Err(Error::field(
                    "activity_department",
                    "err.supervision.plan_department",
                    "choose a department the group is posted to",
                ));
            }
            Some(d)
        }
    };
    let title = text(new.title, TITLE_MAX).ok_or_else(|| {
        Error::field(
            "title",
            "err.supervision.title",
            "give a title of 1 to 100 characters",
        )
    })?;
    let held_on =
        chrono::NaiveDate::parse_from_str(new.held_on.trim(), "%Y-%m-%d").map_err(|_| {
            Error::field(
                "held_on",
                "err.supervision.held_on",
                "give the date it was held (YYYY-MM-DD)",
            )
        })?;
    let phone = new.phone.trim();
    let phone_ok = phone.len() >= 7
        && phone.len() <= 20
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    let phone =
        match (kind, phone.is_empty()) {
            (ActivityKind::ContactCard, _) | (_, false) if !phone_ok => return Err(Error::field(
                "phone",
                "err.supervision.phone",
                "a contact card needs the public phone number people may call (digits, 7 to 20)",
            )),
            (_, true) => None,
            _ => Some(phone.to_owned()),
        };
    let note = new.note.trim();
    if note.chars().count() > TEXT_MAX {
        return Err(Error::field(
            "note",
            "err.supervision.text",
            "write 1 to 5000 characters",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO supervision_activities (group_id, dept_id, kind, title, held_on, phone, note,
           created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(g.id)
    .bind(dept)
    .bind(kind.code())
    .bind(&title)
    .bind(held_on.format("%Y-%m-%d").to_string())
    .bind(phone)
    .bind(note)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    crate::concern::photo::attach(&mut tx, now, ACTIVITY_KIND, id, "evidence", photos).await?;
    tx.commit().await?;
    Ok(id)
}

/// The attachment kind of activities' evidence.
pub const ACTIVITY_KIND: &str = "supervision_activity";

/// One activity in a list.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Id.
    pub id: i64,
    /// Kind code.
    pub kind: String,
    /// What.
    pub title: String,
    /// When (YYYY-MM-DD).
    pub held_on: String,
    /// The department's name, if one.
    pub dept: Option<String>,
    /// The public phone number of a contact card.
    pub phone: Option<String>,
    /// Notes.
    pub note: String,
    /// Evidence photos' tokens.
    pub photos: Vec<String>,
}

/// A page of the group's activities, the latest first: those before id
/// `before` (None: from the latest). One statement for the page and one for
/// its photos.
pub async fn activities(db: &Db, group_id: i64, before: Option<i64>) -> Result<Vec<Activity>> {
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.kind, a.title, a.held_on, d.name AS dept, a.phone, a.note
           FROM supervision_activities a LEFT JOIN orgs d ON d.id = a.dept_id
          WHERE a.group_id = $1 AND a.id < $2 ORDER BY a.id DESC LIMIT {PAGE}"
    ))
    .bind(group_id)
    .bind(before.unwrap_or(i64::MAX))
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<Activity> = rows
        .iter()
        .map(|r| {
            Ok(Activity {
                id: col(r, "id")?,
                kind: col(r, "kind")?,
                title: col(r, "title")?,
                held_on: col(r, "held_on")?,
                dept: col(r, "dept")?,
                phone: col(r, "phone")?,
                note: col(r, "note")?,
                photos: Vec::new(),
            })
        })
        .collect::<Result<_>>()?;
    if let (Some(first), Some(last)) = (out.first().map(|a| a.id), out.last().map(|a| a.id)) {
        let photos = sqlx::query(
            "SELECT item_id, public_token FROM attachments
              WHERE kind = $1 AND item_id >= $2 AND item_id <= $3 ORDER BY id",
        )
        .bind(ACTIVITY_KIND)
        .bind(last)
        .bind(first)
        .fetch_all(db.pool())
        .await?;
        for p in &photos {
            let item: i64 = col(p, "item_id")?;
            if let Some(a) = out.iter_mut().find(|a| a.id == item) {
                a.photos.push(col(p, "public_token")?);
            }
        }
    }
    Ok(out)
}

/// The groups of the body, by id.
pub async fn groups_of(db: &Db, body_id: i64) -> Result<Vec<Group>> {
    sqlx::query(&format!(
        "SELECT {GROUP_COLS} FROM {GROUP_FROM} WHERE g.org_id = $1 ORDER BY g.id LIMIT 200"
    ))
    .bind(body_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(group_row)
    .collect()
}

/// The groups the user is a member of.
pub async fn groups_of_member(db: &Db, user_id: i64) -> Result<Vec<Group>> {
    sqlx::query(&format!(
        "SELECT {GROUP_COLS} FROM {GROUP_FROM}
           JOIN supervision_members m ON m.group_id = g.id
          WHERE m.user_id = $1 ORDER BY g.id LIMIT 200"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(group_row)
    .collect()
}

/// The departments the actor handles (department units under their
/// handler grants).
pub(crate) fn handled_paths(actor: &Actor) -> Vec<OrgPath> {
    actor
        .grants
        .iter()
        .filter(|g| g.role == Role::DepartmentHandler)
        .map(|g| g.org_path.clone())
        .collect()
}

/// Plans of the departments the actor handles that wait for acceptance.
pub async fn plans_to_accept(db: &Db, actor: &Actor) -> Result<Vec<Plan>> {
    let paths = handled_paths(actor);
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let (cond, args) = crate::db::scope::paths_condition(&paths, "d.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT {PLAN_COLS} FROM {PLAN_FROM}
              WHERE p.accepted_at IS NULL AND {cond} ORDER BY p.id DESC LIMIT {PAGE}"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(plan_row)
    .collect()
}

// Task "perf" (issue 31 point 10): a group's page in two statements.

/// Everything a group's work list shows, for the actor.
#[derive(Debug, Clone)]
pub struct GroupPage {
    /// The group.
    pub group: Group,
    /// How the actor stands to it.
    pub standing: Standing,
    /// The body's code.
    pub body_code: String,
    /// The body's rule set.
    pub rules: Rules,
    /// The body's departments, for the staff's forms (empty for others).
    pub departments: Vec<(i64, String)>,
    /// A page of activities, the latest first, with their photos.
    pub activities: Vec<Activity>,
    /// A page of opinions, the latest first.
    pub opinions: Vec<opinion::Row>,
    /// The plans, the latest year first.
    pub plans: Vec<Plan>,
    /// The members, the leader first.
    pub members: Vec<(i64, String)>,
    /// The departments the group is posted to.
    pub postings: Vec<(i64, String)>,
}

/// A group's page ([`group`]'s access rule) in two statements where it took
/// eleven one after another: the group with its body's code, the actor's
/// membership and the body's rules; then every list of the page as one
/// `UNION ALL` (each part tagged, in its own order, with the same rows and
/// limits as [`members`], [`postings`], [`departments`], [`plans`],
/// [`activities`] and [`opinion::of_group`]).
pub async fn group_page(
    db: &Db,
    actor: &Actor,
    id: i64,
    activities_before: Option<i64>,
    opinions_before: Option<i64>,
) -> Result<GroupPage> {
    let r = sqlx::query(&format!(
        "SELECT {GROUP_COLS}, o.code AS body_code,
                (SELECT COUNT(*) FROM supervision_members m
                  WHERE m.group_id = g.id AND m.user_id = $2) AS member,
                r.plan_days, r.result_days, r.require_plan
           FROM {GROUP_FROM} LEFT JOIN supervision_rules r ON r.org_id = g.org_id
          WHERE g.id = $1"
    ))
    .bind(id)
    .bind(actor.user_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let group = group_row(&r)?;
    let standing = Standing {
        staff: keeps(actor, &group.path),
        member: col::<i64>(&r, "member")? > 0,
    };
    if !standing.works() && actor.check(Permission::OrgView, &group.path).is_err() {
        return Err(Error::Denied(Denied::OutOfScope));
    }
    let rules = match col::<Option<i64>>(&r, "plan_days")? {
        None => Rules::default(),
        Some(plan_days) => Rules {
            plan_days: u32::try_from(plan_days).unwrap_or(10),
            result_days: u32::try_from(col::<i64>(&r, "result_days")?).unwrap_or(60),
            require_plan: col::<i64>(&r, "require_plan")? != 0,
        },
    };
    let body_code: String = col(&r, "body_code")?;

    // Each part: tag, seq (its order), id, n1..n4, t1..t6.
    const NI: &str = "CAST(NULL AS BIGINT)";
    const NT: &str = "CAST(NULL AS TEXT)";
    let mut args = vec![
        crate::db::Arg::Int(group.id),
        crate::db::Arg::Int(group.leader_id),
        crate::db::Arg::Int(activities_before.unwrap_or(i64::MAX)),
        crate::db::Arg::Int(opinions_before.unwrap_or(i64::MAX)),
        crate::db::Arg::Text(ACTIVITY_KIND.to_owned()),
    ];
    let mut parts = vec![
        format!(
            "SELECT 'm' AS tag, ROW_NUMBER() OVER (ORDER BY CASE WHEN u.id = $2 THEN 0 ELSE 1 END,
                    u.display_name) AS seq, u.id, {NI} AS n1, {NI} AS n2, {NI} AS n3, {NI} AS n4,
                    u.display_name AS t1, {NT} AS t2, {NT} AS t3, {NT} AS t4, {NT} AS t5, {NT} AS t6
               FROM supervision_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1"
        ),
        format!(
            "SELECT 'p', ROW_NUMBER() OVER (ORDER BY o.name, o.id), o.id, {NI}, {NI}, {NI}, {NI},
                    o.name, {NT}, {NT}, {NT}, {NT}, {NT}
               FROM supervision_postings p JOIN orgs o ON o.id = p.dept_id WHERE p.group_id = $1"
        ),
        format!(
            "SELECT * FROM (SELECT 'l' AS tag, ROW_NUMBER() OVER (ORDER BY p.year DESC, d.name) AS seq,
                    p.id, p.dept_id, p.year, p.accepted_at, {NI} AS n4, d.name AS t1, p.topics,
                    p.activities, a.display_name, {NT} AS t5, {NT} AS t6
               FROM supervision_plans p JOIN orgs d ON d.id = p.dept_id
               LEFT JOIN users a ON a.id = p.accepted_by
              WHERE p.group_id = $1 ORDER BY p.year DESC, d.name LIMIT 500) l"
        ),
        format!(
            "SELECT * FROM (SELECT 'a' AS tag, -a.id AS seq, a.id, {NI} AS n1, {NI} AS n2,
                    {NI} AS n3, {NI} AS n4, a.kind, a.title, a.held_on, d.name, a.phone, a.note
               FROM supervision_activities a LEFT JOIN orgs d ON d.id = a.dept_id
              WHERE a.group_id = $1 AND a.id < $3 ORDER BY a.id DESC LIMIT {PAGE}) a"
        ),
        format!(
            "SELECT 'f', f.id, f.item_id, {NI}, {NI}, {NI}, {NI}, f.public_token, {NT}, {NT},
                    {NT}, {NT}, {NT}
               FROM attachments f
              WHERE f.kind = $5 AND f.item_id IN (SELECT a.id FROM supervision_activities a
                    WHERE a.group_id = $1 AND a.id < $3 ORDER BY a.id DESC LIMIT {PAGE})"
        ),
        format!(
            "SELECT * FROM (SELECT 'o' AS tag, -s.id AS seq, s.id, s.created_at, s.due_at,
                    s.plan_at, s.result_at, s.title, g.name, d.name AS dept, s.state,
                    s.result_text, s.rating
               FROM {} WHERE s.group_id = $1 AND s.id < $4 ORDER BY s.id DESC LIMIT {PAGE}) o",
            opinion::ROW_FROM
        ),
    ];
    if standing.staff {
        let (cond, more) = crate::db::scope::paths_condition(
            std::slice::from_ref(&group.path),
            "o.path",
            args.len() + 1,
        );
        args.extend(more);
        parts.push(format!(
            "SELECT * FROM (SELECT 'd' AS tag, ROW_NUMBER() OVER (ORDER BY o.name, o.id) AS seq,
                    o.id, {NI} AS n1, {NI} AS n2, {NI} AS n3, {NI} AS n4, o.name, {NT} AS t2,
                    {NT} AS t3, {NT} AS t4, {NT} AS t5, {NT} AS t6
               FROM orgs o WHERE o.kind = 'department' AND {cond}
              ORDER BY o.name, o.id LIMIT 1000) d"
        ));
    }
    let rows = crate::db::query_with(&parts.join(" UNION ALL "), args)
        .fetch_all(db.pool())
        .await?;
    let mut tagged: Vec<(String, i64, &sqlx::any::AnyRow)> = rows
        .iter()
        .map(|r| Ok((col::<String>(r, "tag")?, col::<i64>(r, "seq")?, r)))
        .collect::<Result<_>>()?;
    tagged.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
    let mut page = GroupPage {
        standing,
        body_code,
        rules,
        departments: Vec::new(),
        activities: Vec::new(),
        opinions: Vec::new(),
        plans: Vec::new(),
        members: Vec::new(),
        postings: Vec::new(),
        group,
    };
    let mut photos = Vec::new();
    for (tag, _, r) in tagged {
        let id: i64 = col(r, "id")?;
        let t = |n: &str| col::<Option<String>>(r, n);
        let n = |c: &str| col::<Option<i64>>(r, c);
        let text = |c: &str| -> Result<String> { Ok(t(c)?.unwrap_or_default()) };
        match tag.as_str() {
            "m" => page.members.push((id, text("t1")?)),
            "p" => page.postings.push((id, text("t1")?)),
            "d" => page.departments.push((id, text("t1")?)),
            "l" => page.plans.push(Plan {
                id,
                group_id: page.group.id,
                group_name: page.group.name.clone(),
                dept_id: n("n1")?.unwrap_or_default(),
                dept_name: text("t1")?,
                year: n("n2")?.unwrap_or_default(),
                topics: text("t2")?,
                activities: text("t3")?,
                accepted: t("t4")?.zip(n("n3")?),
            }),
            "a" => page.activities.push(Activity {
                id,
                kind: text("t1")?,
                title: text("t2")?,
                held_on: text("t3")?,
                dept: t("t4")?,
                phone: t("t5")?,
                note: text("t6")?,
                photos: Vec::new(),
            }),
            "f" => photos.push((id, text("t1")?)),
            "o" => page.opinions.push(opinion::Row {
                id,
                title: text("t1")?,
                group: text("t2")?,
                dept: text("t3")?,
                state: text("t4")?,
                created_at: n("n1")?.unwrap_or_default(),
                due_at: n("n2")?.unwrap_or_default(),
                plan_at: n("n3")?,
                result_at: n("n4")?,
                result: t("t5")?,
                rating: t("t6")?,
            }),
            _ => {}
        }
    }
    for (item, token) in photos {
        if let Some(a) = page.activities.iter_mut().find(|a| a.id == item) {
            a.photos.push(token);
        }
    }
    Ok(page)
}
