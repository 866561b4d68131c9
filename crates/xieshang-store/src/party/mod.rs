//! The party organisation (issue 31 point 4, decision record 0048): a CPPCC
//! body's party units of four levels (units of kind `party` in the tree,
//! their level in `party_units`), the roster's party-member flag, each
//! party member's one CPPCC party unit (`party_members`, as member or
//! secretary), organisational-life meetings with their check-in and
//! attendance, and the meetings members report from their own work unit
//! (双重组织生活), which the body's staff confirm or return.
//!
//! Who sees what: the body's staff (`OrgManage` over the body) everything
//! of its party system; a party member the units they belong to (their own
//! and those above it: they attend those units' meetings) and their own
//! record; a secretary also the units below theirs and their members'
//! records. Anyone else is told the record does not exist
//! ([`Error::NotFound`], decision 0018). Domain refusals are
//! [`Error::Invalid`] with the field to change. This module reads no other
//! feature's tables but the roster's flag, which it owns.

pub mod datagen;
pub mod demo;

use crate::concern::photo::{self, Photo};
use crate::db::{col, Db};

use crate::{Error, Result};
use serde_json::json;
use xieshang_core::party::{
    check_in_open, text, Level, MeetingKind, NewMeeting, NewReport, UnitRole, NOTE_MAX,
};
use xieshang_core::{Actor, Denied, OrgKind, OrgPath, Permission};

/// Rows on one page of a list.
pub const PAGE: i64 = 50;
/// The attachments' kind of a report's evidence.
pub const REPORT_KIND: &str = "party_report";

/// The body whose own work the actor keeps as staff ([`crate::org::staff_body`]).
pub use crate::org::staff_body;

fn keeps(actor: &Actor, body: &OrgPath) -> bool {
    actor.check(Permission::OrgManage, body).is_ok()
}

fn not_seen() -> Error {
    Error::NotFound
}

fn forbidden() -> Error {
    Error::Denied(Denied::Forbidden)
}

// ---------------------------------------------------------------- units

/// A party unit of a body.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The unit's id in the tree.
    pub id: i64,
    /// Name (碑林区政协机关党支部).
    pub name: String,
    /// Code.
    pub code: String,
    /// Path in the tree.
    pub path: OrgPath,
    /// Level.
    pub level: Level,
    /// The body.
    pub body_id: i64,
    /// The party unit above, if any.
    pub parent: Option<i64>,
    /// Members placed in this unit itself (not below it).
    pub members: i64,
    /// The secretaries' names.
    pub secretaries: Vec<String>,
}

/// What the actor is to a unit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seen {
    /// The body's staff.
    pub staff: bool,
    /// A secretary of this unit or one above it: runs its life.
    pub secretary: bool,
    /// A party member of this unit or one below it: attends its meetings.
    pub member: bool,
}

impl Seen {
    /// Whether the actor sees the unit at all.
    pub fn any(self) -> bool {
        self.staff || self.secretary || self.member
    }

    /// Whether the actor schedules meetings and records attendance.
    pub fn manages(self) -> bool {
        self.staff || self.secretary
    }
}

/// One's place in the party system.
#[derive(Debug, Clone)]
pub struct Membership {
    /// Their unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its path.
    pub path: OrgPath,
    /// The body.
    pub body_id: i64,
    /// Member or secretary.
    pub role: UnitRole,
}

/// The party unit a person belongs to, if any.
pub async fn membership(db: &Db, user_id: i64) -> Result<Option<Membership>> {
    let row = sqlx::query(
        "SELECT pm.unit_id, pm.role, o.name, o.path, pu.body_id FROM party_members pm
           JOIN orgs o ON o.id = pm.unit_id JOIN party_units pu ON pu.org_id = pm.unit_id
          WHERE pm.user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Membership {
        unit_id: col(&r, "unit_id")?,
        unit_name: col(&r, "name")?,
        path: OrgPath::parse(&col::<String>(&r, "path")?).ok_or(Error::NotFound)?,
        body_id: col(&r, "body_id")?,
        role: UnitRole::parse(&col::<String>(&r, "role")?).unwrap_or(UnitRole::Member),
    }))
}

/// What the actor (with their membership) is to a unit at `path` of `body`.
fn seen(actor: &Actor, mine: Option<&Membership>, body: &OrgPath, path: &OrgPath) -> Seen {
    let member = mine.is_some_and(|m| m.path.is_within(path));
    let secretary = mine.is_some_and(|m| m.role == UnitRole::Secretary && path.is_within(&m.path));
    Seen {
        staff: keeps(actor, body),
        secretary,
        member,
    }
}

const UNIT_COLS: &str = "o.id, o.name, o.code, o.path, o.parent_id, pu.level, pu.body_id,
    (SELECT COUNT(*) FROM party_members pm WHERE pm.unit_id = o.id) AS members";

/// The secretaries of each of `ids`, by unit: one statement for a list.
async fn secretaries_of(
    db: &Db,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>> {
    let mut out: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT pm.unit_id, u.display_name FROM party_members pm JOIN users u ON u.id = pm.user_id
          WHERE pm.role = 'secretary' AND pm.unit_id IN ({}) ORDER BY u.id",
        crate::db::placeholders(1, ids.len())
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for r in q.fetch_all(db.pool()).await? {
        out.entry(col(&r, "unit_id")?)
            .or_default()
            .push(col(&r, "display_name")?);
    }
    Ok(out)
}

/// Units from their rows, with each one's secretaries (one more statement).
async fn units_from(db: &Db, rows: &[sqlx::any::AnyRow]) -> Result<Vec<Unit>> {
    let ids = rows
        .iter()
        .map(|r| col::<i64>(r, "id"))
        .collect::<sqlx::Result<Vec<_>>>()?;
    let mut secretaries = secretaries_of(db, &ids).await?;
    rows.iter()
        .map(|r| unit_from_row(r, &mut secretaries))
        .collect()
}

fn unit_from_row(
    r: &sqlx::any::AnyRow,
    secretaries: &mut std::collections::HashMap<i64, Vec<String>>,
) -> Result<Unit> {
    let id: i64 = col(r, "id")?;
    let secretaries = secretaries.remove(&id).unwrap_or_default();
    let parent: Option<i64> = col(r, "parent_id")?;
    let body_id: i64 = col(r, "body_id")?;
    Ok(Unit {
        id,
        name: col(r, "name")?,
        code: col(r, "code")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
        level: Level::parse(&col::<String>(r, "level")?).unwrap_or(Level::Cell),
        body_id,
        parent: parent.filter(|p| *p != body_id),
        members: col(r, "members")?,
        secretaries,
    })
}

/// Every party unit of a body, in tree order (staff's overview).
pub async fn units_of(db: &Db, body_id: i64) -> Result<Vec<Unit>> {
    let rows = sqlx::query(&format!(
        "SELECT {UNIT_COLS} FROM party_units pu JOIN orgs o ON o.id = pu.org_id
          WHERE pu.body_id = $1 ORDER BY o.path LIMIT 500"
    ))
    .bind(body_id)
    .fetch_all(db.pool())
    .await?;
    units_from(db, &rows).await
}

async fn unit_unchecked(db: &Db, id: i64) -> Result<Unit> {
    let r = sqlx::query(&format!(
        "SELECT {UNIT_COLS} FROM party_units pu JOIN orgs o ON o.id = pu.org_id WHERE o.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    Ok(units_from(db, std::slice::from_ref(&r)).await?.remove(0))
}

/// A unit and what the actor is to it; [`Error::NotFound`] for one they do
/// not see.
pub async fn unit(db: &Db, actor: &Actor, id: i64) -> Result<(Unit, Seen)> {
    let u = unit_unchecked(db, id).await.map_err(|_| not_seen())?;
    let body = crate::org::get_unchecked(db, u.body_id).await?;
    let mine = membership(db, actor.user_id).await?;
    let s = seen(actor, mine.as_ref(), &body.path, &u.path);
    if !s.any() {
        return Err(not_seen());
    }
    Ok((u, s))
}

/// The units the actor sees as a party member or secretary (their own, the
/// ones above, and for a secretary the ones below), in tree order.
pub async fn my_units(db: &Db, actor: &Actor) -> Result<Vec<Unit>> {
    let Some(m) = membership(db, actor.user_id).await? else {
        return Ok(Vec::new());
    };
    let body = crate::org::get_unchecked(db, m.body_id).await?;
    Ok(units_of(db, m.body_id)
        .await?
        .into_iter()
        .filter(|u| seen(actor, Some(&m), &body.path, &u.path).any())
        .collect())
}

/// A new unit as typed.
#[derive(Debug, Clone, Default)]
pub struct NewUnit<'a> {
    /// The party unit above it, or empty for the top (under the body).
    pub parent: &'a str,
    /// Level code.
    pub level: &'a str,
    /// Name.
    pub name: &'a str,
    /// Code in the tree.
    pub code: &'a str,
}

/// Staff create a party unit in their body (a unit of kind `party` in the
/// tree with its level); audited. Returns its id.
pub async fn create_unit(db: &Db, actor: &Actor, body_id: i64, new: &NewUnit<'_>) -> Result<i64> {
    let body = crate::org::get_unchecked(db, body_id).await?;
    if !keeps(actor, &body.path) {
        return Err(forbidden());
    }
    let level = Level::parse(new.level).ok_or(Error::field(
        "level",
        "err.party.level",
        "choose the unit's level (党组, 机关党组, 党支部 or 党小组)",
    ))?;
    let parent = match new.parent.trim() {
        "" => None,
        p => {
            let id: i64 = p.parse().map_err(|_| parent_unknown())?;
            let u = unit_unchecked(db, id).await.map_err(|_| parent_unknown())?;
            if u.body_id != body.id {
                return Err(parent_unknown());
            }
            Some(u)
        }
    };
    if !level.may_sit_under(parent.as_ref().map(|p| p.level)) {
        return Err(Error::field(
            "level",
            "err.party.level_order",
            "the 党组 sits directly under the body; every other level sits under a unit of a higher level (党组 → 机关党组 → 党支部 → 党小组)",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let under = parent.as_ref().map_or(body.id, |p| p.id);
    let o = crate::org::create_in(
        &mut tx,
        now,
        actor,
        under,
        OrgKind::Party,
        new.code,
        new.name,
    )
    .await?;
    sqlx::query(
        "INSERT INTO party_units (org_id, body_id, level, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(o.id)
    .bind(body.id)
    .bind(level.code())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "party.unit",
            entity: "org",
            entity_id: o.id.to_string(),
            org_id: Some(o.id),
            before: None,
            after: Some(json!({"name": o.name, "level": level.code()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(o.id)
}

fn parent_unknown() -> Error {
    Error::field(
        "parent",
        "err.party.parent",
        "choose the party unit above it from the list (or none for the 党组)",
    )
}

// ---------------------------------------------------------------- roster flag and members

/// A member of the body's roster as the party pages show them.
#[derive(Debug, Clone)]
pub struct RosterRow {
    /// Roster id.
    pub member_id: i64,
    /// Roster number.
    pub code: String,
    /// Name.
    pub name: String,
    /// Their account, if any.
    pub user_id: Option<i64>,
    /// The roster's party-member flag.
    pub party_member: bool,
    /// Their party unit's name and their role there, once placed.
    pub unit: Option<(String, UnitRole)>,
}

/// The body's active roster with the party flag (staff's page), by code.
pub async fn roster(db: &Db, body_id: i64) -> Result<Vec<RosterRow>> {
    sqlx::query(
        "SELECT m.id, m.code, m.name, m.user_id, m.party_member, o.name AS unit_name, pm.role
           FROM members m LEFT JOIN party_members pm ON pm.user_id = m.user_id
           LEFT JOIN orgs o ON o.id = pm.unit_id
          WHERE m.body_id = $1 AND m.status = 'active' ORDER BY m.code LIMIT 1000",
    )
    .bind(body_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let unit: Option<String> = col(r, "unit_name")?;
        let role: Option<String> = col(r, "role")?;
        Ok(RosterRow {
            member_id: col(r, "id")?,
            code: col(r, "code")?,
            name: col(r, "name")?,
            user_id: col(r, "user_id")?,
            party_member: col::<i64>(r, "party_member")? != 0,
            unit: unit.zip(role.as_deref().and_then(UnitRole::parse)),
        })
    })
    .collect()
}

fn member_unknown() -> Error {
    Error::field(
        "member",
        "err.party.member",
        "choose a member of the body's roster from the list",
    )
}

/// Staff set or clear a roster member's party-member flag (audited). A
/// member placed in a party unit keeps the flag until taken out of it.
pub async fn set_flag(db: &Db, actor: &Actor, body_id: i64, member: &str, on: bool) -> Result<()> {
    let body = crate::org::get_unchecked(db, body_id).await?;
    if !keeps(actor, &body.path) {
        return Err(forbidden());
    }
    let member_id: i64 = member.trim().parse().map_err(|_| member_unknown())?;
    let row = sqlx::query(
        "SELECT m.user_id, m.party_member FROM members m
          WHERE m.id = $1 AND m.body_id = $2 AND m.status = 'active'",
    )
    .bind(member_id)
    .bind(body.id)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(member_unknown)?;
    let user: Option<i64> = col(&row, "user_id")?;
    if !on {
        if let Some(u) = user {
            if membership(db, u).await?.is_some() {
                return Err(Error::field(
                    "member",
                    "err.party.still_placed",
                    "the member is in a party unit: take them out of it before clearing the flag",
                ));
            }
        }
    }
    let before = col::<i64>(&row, "party_member")? != 0;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE members SET party_member = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(on))
        .bind(now)
        .bind(member_id)
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "party.flag",
            entity: "member",
            entity_id: member_id.to_string(),
            org_id: Some(body.id),
            before: Some(json!(before)),
            after: Some(json!(on)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff place a party member of the roster in a party unit of the body as
/// member or secretary (a person has one CPPCC party unit: placing moves
/// them); audited.
pub async fn assign(db: &Db, actor: &Actor, unit_id: i64, member: &str, role: &str) -> Result<()> {
    let (u, s) = unit(db, actor, unit_id).await?;
    if !s.staff {
        return Err(forbidden());
    }
    let role = UnitRole::parse(role).ok_or(Error::field(
        "role",
        "err.party.role",
        "choose the role: party member or secretary",
    ))?;
    let member_id: i64 = member.trim().parse().map_err(|_| member_unknown())?;
    let row = sqlx::query(
        "SELECT user_id, party_member FROM members WHERE id = $1 AND body_id = $2 AND status = 'active'",
    )
    .bind(member_id)
    .bind(u.body_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(member_unknown)?;
    if col::<i64>(&row, "party_member")? == 0 {
        return Err(Error::field(
            "member",
            "err.party.not_flagged",
            "the roster does not mark this member as a party member: mark them first",
        ));
    }
    let Some(user) = col::<Option<i64>>(&row, "user_id")? else {
        return Err(Error::field(
            "member",
            "err.party.no_account",
            "the member has no account yet: give them one on the roster first",
        ));
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM party_members WHERE user_id = $1")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO party_members (user_id, unit_id, role, assigned_by, assigned_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user)
    .bind(u.id)
    .bind(role.code())
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "party.assign",
            entity: "user",
            entity_id: user.to_string(),
            org_id: Some(u.id),
            before: None,
            after: Some(json!({"unit": u.id, "role": role.code()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A person of a unit (or a unit below it).
#[derive(Debug, Clone)]
pub struct Person {
    /// Account.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Their own unit's name.
    pub unit: String,
    /// Their role.
    pub role: UnitRole,
}

/// The party members of a unit and of the units below it (who attend its
/// meetings), by unit and name.
pub async fn people(db: &Db, u: &Unit) -> Result<Vec<Person>> {
    let (cond, args) =
        crate::db::scope::paths_condition(std::slice::from_ref(&u.path), "o.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT pm.user_id, u.display_name, o.name, pm.role FROM party_members pm
               JOIN orgs o ON o.id = pm.unit_id JOIN users u ON u.id = pm.user_id
              WHERE {cond} ORDER BY o.path, u.display_name, u.id LIMIT 2000"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Person {
            user_id: col(r, "user_id")?,
            name: col(r, "display_name")?,
            unit: col(r, "name")?,
            role: UnitRole::parse(&col::<String>(r, "role")?).unwrap_or(UnitRole::Member),
        })
    })
    .collect()
}

// ---------------------------------------------------------------- meetings

/// An organisational-life meeting.
#[derive(Debug, Clone)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// The party unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Kind.
    pub kind: MeetingKind,
    /// Title.
    pub title: String,
    /// Starts, unix ms.
    pub starts_at: i64,
    /// Ends, unix ms.
    pub ends_at: i64,
    /// Place.
    pub place: String,
    /// How many attended.
    pub present: i64,
}

const MEETING_COLS: &str = "m.id, m.unit_id, o.name AS unit_name, m.kind, m.title, m.starts_at,
    m.ends_at, m.place, (SELECT COUNT(*) FROM party_attendance a WHERE a.meeting_id = m.id) AS present";

fn meeting_from_row(r: &sqlx::any::AnyRow) -> Result<Meeting> {
    Ok(Meeting {
        id: col(r, "id")?,
        unit_id: col(r, "unit_id")?,
        unit_name: col(r, "unit_name")?,
        kind: MeetingKind::parse(&col::<String>(r, "kind")?).unwrap_or(MeetingKind::ThemeDay),
        title: col(r, "title")?,
        starts_at: col(r, "starts_at")?,
        ends_at: col(r, "ends_at")?,
        place: col(r, "place")?,
        present: col(r, "present")?,
    })
}

/// The secretary or the body's staff schedule a meeting of the unit;
/// audited. Returns its id.
pub async fn schedule(db: &Db, actor: &Actor, unit_id: i64, new: &NewMeeting) -> Result<i64> {
    let (u, s) = unit(db, actor, unit_id).await?;
    if !s.manages() {
        return Err(forbidden());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO party_meetings (unit_id, body_id, kind, title, starts_at, ends_at, place,
            created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(u.id)
    .bind(u.body_id)
    .bind(new.kind.code())
    .bind(&new.title)
    .bind(new.starts_at)
    .bind(new.ends_at)
    .bind(&new.place)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "party.meeting",
            entity: "party_meeting",
            entity_id: id.to_string(),
            org_id: Some(u.id),
            before: None,
            after: Some(
                json!({"kind": new.kind.code(), "title": new.title, "starts_at": new.starts_at}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A unit's meetings, latest first, a page of [`PAGE`] before `before`.
pub async fn meetings_of(db: &Db, unit_id: i64, before: Option<i64>) -> Result<Vec<Meeting>> {
    sqlx::query(&format!(
        "SELECT {MEETING_COLS} FROM party_meetings m JOIN orgs o ON o.id = m.unit_id
          WHERE m.unit_id = $1 AND m.starts_at < $2 ORDER BY m.starts_at DESC, m.id DESC LIMIT $3"
    ))
    .bind(unit_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(PAGE)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(meeting_from_row)
    .collect()
}

/// A body's meetings, latest first (staff's overview), a page before `before`.
pub async fn meetings_of_body(db: &Db, body_id: i64, before: Option<i64>) -> Result<Vec<Meeting>> {
    sqlx::query(&format!(
        "SELECT {MEETING_COLS} FROM party_meetings m JOIN orgs o ON o.id = m.unit_id
          WHERE m.body_id = $1 AND m.starts_at < $2 ORDER BY m.starts_at DESC, m.id DESC LIMIT $3"
    ))
    .bind(body_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(PAGE)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(meeting_from_row)
    .collect()
}

/// A meeting, its unit and what the actor is to it; [`Error::NotFound`]
/// for one they do not see.
pub async fn meeting(db: &Db, actor: &Actor, id: i64) -> Result<(Meeting, Unit, Seen)> {
    let m = sqlx::query(&format!(
        "SELECT {MEETING_COLS} FROM party_meetings m JOIN orgs o ON o.id = m.unit_id WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)
    .and_then(|r| meeting_from_row(&r))?;
    let (u, s) = unit(db, actor, m.unit_id).await?;
    Ok((m, u, s))
}

/// Who attended a meeting: (account, name, when, checked in themselves).
pub async fn attendance(db: &Db, meeting_id: i64) -> Result<Vec<(i64, String, i64, bool)>> {
    sqlx::query(
        "SELECT a.user_id, u.display_name, a.checked_in_at, a.marked_by FROM party_attendance a
           JOIN users u ON u.id = a.user_id WHERE a.meeting_id = $1 ORDER BY a.checked_in_at, a.user_id",
    )
    .bind(meeting_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let user: i64 = col(r, "user_id")?;
        let by: i64 = col(r, "marked_by")?;
        Ok((user, col(r, "display_name")?, col(r, "checked_in_at")?, user == by))
    })
    .collect()
}

/// A party member of the meeting's unit (or one below it) checks in, from
/// an hour before it starts until it ends.
pub async fn check_in(db: &Db, actor: &Actor, meeting_id: i64) -> Result<()> {
    let (m, _, s) = meeting(db, actor, meeting_id).await?;
    if !s.member {
        return Err(Error::field(
            "check_in",
            "err.party.not_attendee",
            "only party members of this unit check in: staff and secretaries record attendance in the list below",
        ));
    }
    let now = db.now_ms();
    if !check_in_open(now, m.starts_at, m.ends_at) {
        return Err(Error::field(
            "check_in",
            "err.check_in_time",
            "check-in opens an hour before the meeting and closes at its end",
        ));
    }
    sqlx::query(
        "INSERT INTO party_attendance (meeting_id, user_id, checked_in_at, marked_by)
         VALUES ($1, $2, $3, $2) ON CONFLICT (meeting_id, user_id) DO NOTHING",
    )
    .bind(meeting_id)
    .bind(actor.user_id)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The secretary or staff record those who attended without checking in
/// (once the meeting has started); audited.
pub async fn mark_present(db: &Db, actor: &Actor, meeting_id: i64, users: &[i64]) -> Result<()> {
    let (m, u, s) = meeting(db, actor, meeting_id).await?;
    if !s.manages() {
        return Err(forbidden());
    }
    if users.is_empty() {
        return Err(Error::field(
            "present",
            "err.party.none_ticked",
            "tick the party members who attended",
        ));
    }
    let now = db.now_ms();
    if now < m.starts_at {
        return Err(Error::field(
            "present",
            "err.party.not_started",
            "attendance is recorded once the meeting has started",
        ));
    }
    let people = people(db, &u).await?;
    if users
        .iter()
        .any(|id| !people.iter().any(|p| p.user_id == *id))
    {
        return Err(Error::field(
            "present",
            "err.party.not_attendee_of",
            "tick only party members of this unit",
        ));
    }
    let mut tx = db.begin_write().await?;
    for user in users {
        sqlx::query(
            "INSERT INTO party_attendance (meeting_id, user_id, checked_in_at, marked_by)
             VALUES ($1, $2, $3, $4) ON CONFLICT (meeting_id, user_id) DO NOTHING",
        )
        .bind(meeting_id)
        .bind(user)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    }
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "party.attendance",
            entity: "party_meeting",
            entity_id: meeting_id.to_string(),
            org_id: Some(u.id),
            before: None,
            after: Some(json!(users)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- reports from the work unit

/// A meeting a member reported from their own work unit.
#[derive(Debug, Clone)]
pub struct Report {
    /// Id.
    pub id: i64,
    /// Who.
    pub user_id: i64,
    /// Their name.
    pub name: String,
    /// The day held (YYYY-MM-DD).
    pub held_on: String,
    /// Kind.
    pub kind: MeetingKind,
    /// The work unit's party organisation.
    pub unit_name: String,
    /// Note.
    pub note: String,
    /// submitted, confirmed or returned.
    pub state: String,
    /// The staff's note on returning it.
    pub decision_note: Option<String>,
    /// Evidence photos' tokens.
    pub photos: Vec<String>,
}

const REPORT_COLS: &str = "r.id, r.user_id, u.display_name, r.held_on, r.kind, r.unit_name,
    r.note, r.state, r.decision_note";

async fn reports_from(db: &Db, rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<Report>> {
    let ids = rows
        .iter()
        .map(|r| col::<i64>(r, "id"))
        .collect::<sqlx::Result<Vec<_>>>()?;
    let mut photos = photo::tokens_of_many(db, REPORT_KIND, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = col(r, "id")?;
        out.push(Report {
            id,
            user_id: col(r, "user_id")?,
            name: col(r, "display_name")?,
            held_on: col(r, "held_on")?,
            kind: MeetingKind::parse(&col::<String>(r, "kind")?).unwrap_or(MeetingKind::ThemeDay),
            unit_name: col(r, "unit_name")?,
            note: col(r, "note")?,
            state: col(r, "state")?,
            decision_note: col(r, "decision_note")?,
            photos: photos.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// No evidence given.
fn no_evidence() -> Error {
    Error::field(
        "photos",
        "err.party.evidence",
        "add at least one photo as evidence (the sign-in sheet, the minutes or the meeting itself)",
    )
}

/// A party member reports a meeting of their own work unit's party
/// organisation, with evidence photos; it waits for the body's staff.
pub async fn report(db: &Db, actor: &Actor, new: &NewReport, photos: &[Photo]) -> Result<i64> {
    let Some(m) = membership(db, actor.user_id).await? else {
        return Err(forbidden());
    };
    if photos.is_empty() {
        return Err(no_evidence());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO party_reports (user_id, body_id, held_on, kind, unit_name, note, state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7) RETURNING id",
    )
    .bind(actor.user_id)
    .bind(m.body_id)
    .bind(new.held_on.format("%Y-%m-%d").to_string())
    .bind(new.kind.code())
    .bind(&new.unit_name)
    .bind(&new.note)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    photo::attach(&mut tx, now, REPORT_KIND, id, "evidence", photos).await?;
    tx.commit().await?;
    Ok(id)
}

/// A person's reports, latest meeting first.
pub async fn reports_of(db: &Db, user_id: i64) -> Result<Vec<Report>> {
    let rows = sqlx::query(&format!(
        "SELECT {REPORT_COLS} FROM party_reports r JOIN users u ON u.id = r.user_id
          WHERE r.user_id = $1 ORDER BY r.held_on DESC, r.id DESC LIMIT 200"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    reports_from(db, rows).await
}

/// The body's reports waiting for confirmation, oldest first.
pub async fn waiting(db: &Db, body_id: i64) -> Result<Vec<Report>> {
    let rows = sqlx::query(&format!(
        "SELECT {REPORT_COLS} FROM party_reports r JOIN users u ON u.id = r.user_id
          WHERE r.body_id = $1 AND r.state = 'submitted' ORDER BY r.id LIMIT $2"
    ))
    .bind(body_id)
    .bind(PAGE)
    .fetch_all(db.pool())
    .await?;
    reports_from(db, rows).await
}

/// The body's staff confirm a waiting report, or return it with a note
/// saying what is missing; audited. Another body's report is not found.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    report_id: i64,
    confirm: bool,
    note: &str,
) -> Result<()> {
    let row = sqlx::query("SELECT body_id, state FROM party_reports WHERE id = $1")
        .bind(report_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let body = crate::org::get_unchecked(db, col(&row, "body_id")?).await?;
    if !keeps(actor, &body.path) {
        return Err(not_seen());
    }
    if col::<String>(&row, "state")? != "submitted" {
        return Err(Error::field(
            "decision",
            "err.party.decided",
            "this report has been decided already",
        ));
    }
    let note = note.trim();
    if !confirm && text(note, NOTE_MAX).is_none() {
        return Err(Error::field(
            "note",
            "err.party.return_note",
            "say what the member should add or correct (1 to 1000 characters)",
        ));
    }
    if note.chars().count() > NOTE_MAX {
        return Err(Error::field(
            "note",
            "err.party.note",
            "write at most 1000 characters",
        ));
    }
    let state = if confirm { "confirmed" } else { "returned" };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE party_reports SET state = $1, decided_by = $2, decided_at = $3, decision_note = $4
          WHERE id = $5 AND state = 'submitted'",
    )
    .bind(state)
    .bind(actor.user_id)
    .bind(now)
    .bind((!note.is_empty()).then(|| note.to_owned()))
    .bind(report_id)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "party.report",
            entity: "party_report",
            entity_id: report_id.to_string(),
            org_id: Some(body.id),
            before: Some(json!("submitted")),
            after: Some(json!(state)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- one's dual organisational life

/// A member's dual organisational life: the CPPCC party unit's meetings
/// with their attendance, and the meetings reported from their work unit.
#[derive(Debug, Clone)]
pub struct Life {
    /// Account.
    pub user_id: i64,
    /// Name.
    pub name: String,
    /// Their CPPCC party unit.
    pub membership: Membership,
    /// Meetings of their unit and the units above it, latest first, with
    /// whether they attended.
    pub meetings: Vec<(Meeting, bool)>,
    /// Their reports.
    pub reports: Vec<Report>,
}

/// A party member's life, for themselves, the body's staff and the
/// secretaries over their unit; [`Error::NotFound`] for anyone else or for
/// a person in no party unit.
pub async fn life(db: &Db, actor: &Actor, user_id: i64) -> Result<Life> {
    let m = membership(db, user_id).await?.ok_or(Error::NotFound)?;
    if actor.user_id != user_id {
        let body = crate::org::get_unchecked(db, m.body_id).await?;
        let mine = membership(db, actor.user_id).await?;
        let over = mine
            .as_ref()
            .is_some_and(|me| me.role == UnitRole::Secretary && m.path.is_within(&me.path));
        if !keeps(actor, &body.path) && !over {
            return Err(not_seen());
        }
    }
    let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?;
    // The units they attend: their own and every party unit above it.
    let ids: Vec<i64> = m.path.ids();
    let mut meetings = Vec::new();
    // Their units' latest 500 meetings, chosen in the statement (a body's
    // other units' meetings would crowd them out of a plain latest 500).
    let units = crate::db::placeholders(3, ids.len());
    let mut args = vec![crate::db::Arg::Int(user_id), crate::db::Arg::Int(m.body_id)];
    args.extend(ids.iter().map(|id| crate::db::Arg::Int(*id)));
    let rows = crate::db::query_with(
        &format!(
            "SELECT {MEETING_COLS}, (SELECT COUNT(*) FROM party_attendance a
                     WHERE a.meeting_id = m.id AND a.user_id = $1) AS mine
               FROM party_meetings m JOIN orgs o ON o.id = m.unit_id
              WHERE m.body_id = $2 AND m.unit_id IN ({units})
              ORDER BY m.starts_at DESC, m.id DESC LIMIT 500"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?;
    for r in &rows {
        meetings.push((meeting_from_row(r)?, col::<i64>(r, "mine")? > 0));
    }
    Ok(Life {
        user_id,
        name,
        membership: m,
        meetings,
        reports: reports_of(db, user_id).await?,
    })
}

/// For the duty record: meetings attended (by their start) and work-unit
/// reports confirmed (by the day held) between two instants, unix ms.
pub async fn counts_between(db: &Db, user_id: i64, from_ms: i64, to_ms: i64) -> Result<(i64, i64)> {
    let attended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM party_attendance a JOIN party_meetings m ON m.id = a.meeting_id
          WHERE a.user_id = $1 AND m.starts_at >= $2 AND m.starts_at < $3",
    )
    .bind(user_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_one(db.pool())
    .await?;
    let day = |ms: i64| {
        xieshang_core::calendar::cst_date(ms)
            .format("%Y-%m-%d")
            .to_string()
    };
    let confirmed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM party_reports WHERE user_id = $1 AND state = 'confirmed'
            AND held_on >= $2 AND held_on < $3",
    )
    .bind(user_id)
    .bind(day(from_ms))
    .bind(day(to_ms))
    .fetch_one(db.pool())
    .await?;
    Ok((attended, confirmed))
}
