//! Member studios and their duty rotas: generate a rota over a date range on the
//! working-day calendar, swap two shifts, and let members check in on the day.
//! Staff manage rotas over the studio's unit (OrgManage); viewing needs OrgView.

use crate::audit::{self, Entry};
use crate::db::{col, Db, Tx};
use crate::{Error, Result};
use chrono::{NaiveDate, Weekday};
use serde_json::json;
use xieshang_core::calendar::{cst_date, Calendar};
use xieshang_core::duty::rota::{self, OnHoliday};
use xieshang_core::{Actor, OrgPath, Permission};

/// A studio.
#[derive(Debug, Clone)]
pub struct Studio {
    /// Id.
    pub id: i64,
    /// Its unit.
    pub org_id: i64,
    /// The unit's path.
    pub path: OrgPath,
    /// Name.
    pub name: String,
    /// Duty weekdays.
    pub weekdays: Vec<Weekday>,
    /// Members per duty day.
    pub per_day: i64,
    /// What a holiday does to a duty day.
    pub on_holiday: OnHoliday,
    /// Index of the member who serves next.
    pub next_member: i64,
    /// Members in rotation order: id and name.
    pub members: Vec<(i64, String)>,
    /// Their usernames, in the same order.
    pub usernames: Vec<String>,
}

/// One shift.
#[derive(Debug, Clone)]
pub struct Shift {
    /// Id.
    pub id: i64,
    /// The studio.
    pub studio_id: i64,
    /// Day served (YYYY-MM-DD).
    pub day: String,
    /// Day planned (differs when moved off a holiday).
    pub planned_day: String,
    /// Member id.
    pub user_id: i64,
    /// Member name.
    pub name: String,
    /// When they checked in, unix ms.
    pub checked_in_at: Option<i64>,
}

fn weekdays_code(days: &[Weekday]) -> String {
    days.iter()
        .map(|d| d.number_from_monday().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn weekdays_parse(code: &str) -> Vec<Weekday> {
    code.split(',')
        .filter_map(|n| n.trim().parse::<u8>().ok())
        .filter_map(|n| match n {
            1 => Some(Weekday::Mon),
            2 => Some(Weekday::Tue),
            3 => Some(Weekday::Wed),
            4 => Some(Weekday::Thu),
            5 => Some(Weekday::Fri),
            6 => Some(Weekday::Sat),
            7 => Some(Weekday::Sun),
            _ => None,
        })
        .collect()
}

fn holiday_code(h: OnHoliday) -> &'static str {
    match h {
        OnHoliday::Skip => "skip",
        OnHoliday::NextWorkingDay => "next_working_day",
    }
}

/// Writes a studio with its members in rotation order inside the caller's
/// transaction (seed, tests and staff's set-up).
#[allow(clippy::too_many_arguments)]
pub async fn create_in(
    tx: &mut Tx,
    now: i64,
    org_id: i64,
    name: &str,
    weekdays: &[Weekday],
    per_day: i64,
    on_holiday: OnHoliday,
    members: &[i64],
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO studios (org_id, name, weekdays, per_day, on_holiday, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org_id)
    .bind(name)
    .bind(weekdays_code(weekdays))
    .bind(per_day)
    .bind(holiday_code(on_holiday))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    insert_members(tx, id, members).await?;
    Ok(id)
}

/// Writes a studio's members in rotation order.
async fn insert_members(tx: &mut Tx, id: i64, members: &[i64]) -> Result<()> {
    for (i, m) in members.iter().enumerate() {
        sqlx::query(
            "INSERT INTO studio_members (studio_id, user_id, position) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(*m)
        .bind(i as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Creates a studio with its members in rotation order (set-up without an actor).
pub async fn create(
    db: &Db,
    org_id: i64,
    name: &str,
    weekdays: &[Weekday],
    per_day: i64,
    on_holiday: OnHoliday,
    members: &[i64],
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let id = create_in(
        &mut tx,
        db.now_ms(),
        org_id,
        name,
        weekdays,
        per_day,
        on_holiday,
        members,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What the audit log keeps of a studio's settings.
fn snapshot(
    name: &str,
    weekdays: &[Weekday],
    per_day: i64,
    on_holiday: OnHoliday,
    members: &[i64],
) -> serde_json::Value {
    json!({ "name": name, "weekdays": weekdays_code(weekdays), "per_day": per_day,
        "on_holiday": holiday_code(on_holiday), "members": members })
}

/// What staff set for a studio.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    /// Name.
    pub name: &'a str,
    /// Duty weekdays.
    pub weekdays: &'a [Weekday],
    /// Members per duty day (1 to 10).
    pub per_day: i64,
    /// What a holiday does to a duty day.
    pub on_holiday: OnHoliday,
    /// Members' usernames in rotation order.
    pub members: &'a [String],
}

/// Checks the settings and turns usernames into ids: each must be an active
/// account holding the member role inside the studio's unit.
async fn check_settings(db: &Db, unit: &OrgPath, s: &Settings<'_>) -> Result<Vec<i64>> {
    let name = s.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::field(
            "name",
            "err.studio_name",
            "a name has 1 to 100 characters",
        ));
    }
    xieshang_core::values::check_text(name, xieshang_core::values::Lines::One)
        .map_err(|e| Error::invalid("name", e))?;
    if s.weekdays.is_empty() {
        return Err(Error::field(
            "weekdays",
            "err.studio_weekdays",
            "choose at least one duty day",
        ));
    }
    if !(1..=10).contains(&s.per_day) {
        return Err(Error::field(
            "per_day",
            "err.studio_per_day",
            "1 to 10 members a day",
        ));
    }
    let mut ids = Vec::new();
    for username in s.members.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT u.id FROM users u JOIN grants g ON g.user_id = u.id JOIN orgs o ON o.id = g.org_id
             WHERE u.username = $1 AND u.disabled_at IS NULL AND g.role = 'member'
               AND (o.path LIKE $2 OR $3 LIKE o.path || '%')
             LIMIT 1",
        )
        .bind(username)
        .bind(format!("{}%", unit.as_str()))
        .bind(unit.as_str())
        .fetch_optional(db.pool())
        .await?;
        match id {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => {
                return Err(Error::field(
                    "members",
                    "err.studio_member",
                    "every line must be the username of a member of this unit",
                ))
            }
        }
    }
    Ok(ids)
}

/// Staff set up a studio in a unit they manage.
pub async fn create_by(db: &Db, actor: &Actor, org_id: i64, s: &Settings<'_>) -> Result<i64> {
    let path: Option<String> =
        sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1 AND archived_at IS NULL")
            .bind(org_id)
            .fetch_optional(db.pool())
            .await?;
    let path = path.and_then(|p| OrgPath::parse(&p)).ok_or(Error::field(
        "org",
        "err.org_unknown",
        "no such unit",
    ))?;
    actor.check(Permission::OrgManage, &path)?;
    let members = check_settings(db, &path, s).await?;
    let id = create(
        db,
        org_id,
        s.name.trim(),
        s.weekdays,
        s.per_day,
        s.on_holiday,
        &members,
    )
    .await?;
    let mut tx = db.begin_write().await?;
    audit::record(
        &mut tx,
        db.now_ms(),
        Entry {
            actor: Some(actor),
            action: "studio.create",
            entity: "studio",
            entity_id: id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({ "name": s.name.trim(), "weekdays": weekdays_code(s.weekdays),
                "per_day": s.per_day, "on_holiday": holiday_code(s.on_holiday), "members": members })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Staff change a studio's settings and members (the order is the rotation).
pub async fn update(db: &Db, actor: &Actor, id: i64, s: &Settings<'_>) -> Result<()> {
    let before = get(db, actor, Permission::OrgManage, id).await?;
    let members = check_settings(db, &before.path, s).await?;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE studios SET name = $1, weekdays = $2, per_day = $3, on_holiday = $4 WHERE id = $5",
    )
    .bind(s.name.trim())
    .bind(weekdays_code(s.weekdays))
    .bind(s.per_day)
    .bind(holiday_code(s.on_holiday))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM studio_members WHERE studio_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (i, m) in members.iter().enumerate() {
        sqlx::query(
            "INSERT INTO studio_members (studio_id, user_id, position) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(*m)
        .bind(i as i64)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        db.now_ms(),
        Entry {
            actor: Some(actor),
            action: "studio.update",
            entity: "studio",
            entity_id: id.to_string(),
            org_id: Some(before.org_id),
            before: Some(snapshot(
                &before.name,
                &before.weekdays,
                before.per_day,
                before.on_holiday,
                &before.members.iter().map(|m| m.0).collect::<Vec<_>>(),
            )),
            after: Some(snapshot(
                s.name.trim(),
                s.weekdays,
                s.per_day,
                s.on_holiday,
                &members,
            )),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The studios of a unit's subtree that the actor may view.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<(i64, String, String)>> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::OrgView, "o.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT s.id, s.name, o.name AS unit FROM studios s JOIN orgs o ON o.id = s.org_id
             WHERE {cond} ORDER BY o.path, s.name"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "name")?, col(r, "unit")?)))
    .collect()
}

/// A studio, if the actor holds `permission` over its unit.
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Studio> {
    let r = sqlx::query(
        "SELECT s.id, s.org_id, o.path, s.name, s.weekdays, s.per_day, s.on_holiday, s.next_member
         FROM studios s JOIN orgs o ON o.id = s.org_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let path = OrgPath::parse(&col::<String>(&r, "path")?).ok_or(Error::NotFound)?;
    actor.check(permission, &path)?;
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, u.username FROM studio_members m
         JOIN users u ON u.id = m.user_id WHERE m.studio_id = $1 ORDER BY m.position",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let members = rows
        .iter()
        .map(|m| Ok((col(m, "id")?, col(m, "display_name")?)))
        .collect::<Result<Vec<_>>>()?;
    let usernames = rows
        .iter()
        .map(|m| col(m, "username"))
        .collect::<sqlx::Result<Vec<String>>>()?;
    Ok(Studio {
        id,
        org_id: col(&r, "org_id")?,
        path,
        name: col(&r, "name")?,
        weekdays: weekdays_parse(&col::<String>(&r, "weekdays")?),
        per_day: col(&r, "per_day")?,
        on_holiday: if col::<String>(&r, "on_holiday")? == "skip" {
            OnHoliday::Skip
        } else {
            OnHoliday::NextWorkingDay
        },
        next_member: col(&r, "next_member")?,
        members,
        usernames,
    })
}

/// How regenerating a rota treats the shifts already planned in its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regenerate {
    /// Shifts already assigned stay as they are; only the days they leave
    /// open in the range are filled (the default: members keep the days they
    /// were told).
    Keep,
    /// Shifts nobody has checked in to are planned afresh.
    Reshuffle,
}

impl Regenerate {
    /// `reshuffle`, or `keep` for anything else.
    pub fn parse(code: &str) -> Regenerate {
        if code == "reshuffle" {
            Regenerate::Reshuffle
        } else {
            Regenerate::Keep
        }
    }

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Regenerate::Keep => "keep",
            Regenerate::Reshuffle => "reshuffle",
        }
    }
}

/// A new shift a rota plan adds.
#[derive(Debug, Clone)]
pub struct NewShift {
    /// Day served (YYYY-MM-DD).
    pub day: String,
    /// Day planned (differs when moved off a holiday).
    pub planned_day: String,
    /// Member id.
    pub user_id: i64,
    /// Member name.
    pub name: String,
}

/// What regenerating a rota would change, shown to staff before it is applied.
#[derive(Debug, Clone)]
pub struct RotaPlan {
    /// The range's first day (today at the earliest).
    pub from: NaiveDate,
    /// The range's last day.
    pub to: NaiveDate,
    /// How existing shifts are treated.
    pub mode: Regenerate,
    /// Shifts in the range that stay (served, or assigned when keeping).
    pub kept: Vec<Shift>,
    /// Shifts in the range that would be taken away.
    pub removed: Vec<Shift>,
    /// Shifts that would be added.
    pub added: Vec<NewShift>,
    /// Index of the member who serves next afterwards.
    next: usize,
}

/// What regenerating the rota from `from` (today at the earliest) to `to` would
/// change; nothing is written. Served shifts always stay; assigned ones stay
/// unless `mode` is `Reshuffle`; new shifts fill the gaps in the whole range
/// (never more members on a day than the studio's number), the rotation going
/// on after whoever was planned last before each.
pub async fn plan(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    from: NaiveDate,
    to: NaiveDate,
    mode: Regenerate,
) -> Result<RotaPlan> {
    let s = get(db, actor, Permission::OrgManage, id).await?;
    if to < from || (to - from).num_days() > 366 {
        return Err(Error::field(
            "to",
            "err.rota_range",
            "the range runs forwards and covers at most a year",
        ));
    }
    // The past is a record (served or missed), not a plan: start today at the earliest.
    let from = from.max(cst_date(db.now_ms()));
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let in_range: Vec<Shift> = sqlx::query(&format!(
        "SELECT {SHIFT_COLS} FROM duty_shifts d JOIN users u ON u.id = d.user_id
         WHERE d.studio_id = $1 AND d.planned_day >= $2 AND d.planned_day <= $3
         ORDER BY d.planned_day, d.id"
    ))
    .bind(id)
    .bind(fmt(from))
    .bind(fmt(to))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(shift_from)
    .collect::<Result<_>>()?;
    // Served shifts always stay; assigned ones too unless reshuffling. New
    // shifts fill the range's gaps around them.
    let stays = |x: &Shift| mode == Regenerate::Keep || x.checked_in_at.is_some();
    let (kept, removed): (Vec<Shift>, Vec<Shift>) = in_range.into_iter().partition(stays);
    let removed_ids: Vec<i64> = removed.iter().map(|x| x.id).collect();
    // The rotation starts after whoever was planned last before the range
    // (and goes on after each kept shift within it).
    let before: Vec<(i64, Option<i64>)> = sqlx::query(
        "SELECT d.id, m.position FROM duty_shifts d
         LEFT JOIN studio_members m ON m.studio_id = d.studio_id AND m.user_id = d.user_id
         WHERE d.studio_id = $1 AND d.planned_day < $2
         ORDER BY d.planned_day DESC, d.id DESC LIMIT 50",
    )
    .bind(id)
    .bind(fmt(from))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "position")?)))
    .collect::<Result<_>>()?;
    let last = before
        .iter()
        .find(|(shift, pos)| !removed_ids.contains(shift) && pos.is_some())
        .and_then(|(_, pos)| *pos);
    // Every shift that stays and touches the range (served in it, or planned
    // for it): it counts against its day's number and covers its planned day.
    let staying: Vec<(i64, String, String, i64)> = sqlx::query(
        "SELECT id, day, planned_day, user_id FROM duty_shifts
         WHERE studio_id = $1 AND (day >= $2 OR planned_day >= $2)",
    )
    .bind(id)
    .bind(fmt(from))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok((
            col(r, "id")?,
            col(r, "day")?,
            col(r, "planned_day")?,
            col(r, "user_id")?,
        ))
    })
    .collect::<Result<_>>()?;
    let kept_duties: Vec<rota::Duty> = staying
        .iter()
        .filter(|(shift, ..)| !removed_ids.contains(shift))
        .filter_map(|(_, day, planned, member)| {
            Some(rota::Duty {
                day: parse(day)?,
                planned: parse(planned)?,
                member: *member,
            })
        })
        .collect();
    let ids: Vec<i64> = s.members.iter().map(|(i, _)| *i).collect();
    let rota_plan = rota::Plan {
        members: &ids,
        weekdays: &s.weekdays,
        per_day: s.per_day.max(1) as usize,
        on_holiday: s.on_holiday,
        next: last.map(|p| p as usize + 1).unwrap_or(0),
        kept: &kept_duties,
    };
    let (duties, next) = rota::generate(cal, &rota_plan, from, to);
    let name_of = |m: i64| {
        s.members
            .iter()
            .find(|(i, _)| *i == m)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let added = duties
        .iter()
        .map(|d| NewShift {
            day: fmt(d.day),
            planned_day: fmt(d.planned),
            user_id: d.member,
            name: name_of(d.member),
        })
        .collect();
    Ok(RotaPlan {
        from,
        to,
        mode,
        kept,
        removed,
        added,
        next,
    })
}

/// Regenerates the rota from `from` (today at the earliest) to `to` as `plan`
/// shows it, in one transaction: served shifts stay; assigned ones stay unless
/// `mode` is `Reshuffle`. Returns the number of shifts written.
pub async fn generate(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    from: NaiveDate,
    to: NaiveDate,
    mode: Regenerate,
) -> Result<usize> {
    let p = plan(db, cal, actor, id, from, to, mode).await?;
    let s = get(db, actor, Permission::OrgManage, id).await?;
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    for x in &p.removed {
        // Checked in meanwhile: it stays.
        sqlx::query("DELETE FROM duty_shifts WHERE id = $1 AND checked_in_at IS NULL")
            .bind(x.id)
            .execute(&mut *tx)
            .await?;
    }
    let mut written = 0;
    for d in &p.added {
        let done = sqlx::query(
            "INSERT INTO duty_shifts (studio_id, user_id, day, planned_day, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (studio_id, day, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(d.user_id)
        .bind(&d.day)
        .bind(&d.planned_day)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        written += done.rows_affected() as usize;
    }
    sqlx::query("UPDATE studios SET next_member = $1 WHERE id = $2")
        .bind(p.next as i64)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "studio.rota",
            entity: "studio",
            entity_id: id.to_string(),
            org_id: Some(s.org_id),
            before: Some(json!({ "next_member": s.next_member,
                "removed": p.removed.iter().map(|x| json!([x.day, x.user_id])).collect::<Vec<_>>() })),
            after: Some(json!({ "from": fmt(p.from), "to": fmt(p.to), "mode": mode.code(),
                "kept": p.kept.len(), "shifts": written, "next_member": p.next })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

const SHIFT_COLS: &str =
    "d.id, d.studio_id, d.day, d.planned_day, d.user_id, u.display_name, d.checked_in_at";

fn shift_from(r: &sqlx::any::AnyRow) -> Result<Shift> {
    Ok(Shift {
        id: col(r, "id")?,
        studio_id: col(r, "studio_id")?,
        day: col(r, "day")?,
        planned_day: col(r, "planned_day")?,
        user_id: col(r, "user_id")?,
        name: col(r, "display_name")?,
        checked_in_at: col(r, "checked_in_at")?,
    })
}

/// A studio's shifts from `from` to `to` (days as YYYY-MM-DD), in order.
pub async fn shifts(db: &Db, id: i64, from: &str, to: &str) -> Result<Vec<Shift>> {
    sqlx::query(&format!(
        "SELECT {SHIFT_COLS} FROM duty_shifts d JOIN users u ON u.id = d.user_id
         WHERE d.studio_id = $1 AND d.day >= $2 AND d.day <= $3 ORDER BY d.day, d.id"
    ))
    .bind(id)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(shift_from)
    .collect()
}

/// Swaps the members of two shifts of a studio (neither checked in, on different
/// days).
pub async fn swap(db: &Db, actor: &Actor, id: i64, a: i64, b: i64) -> Result<()> {
    let s = get(db, actor, Permission::OrgManage, id).await?;
    let mut tx = db.begin_write().await?;
    let sql = format!(
        "SELECT {SHIFT_COLS} FROM duty_shifts d JOIN users u ON u.id = d.user_id
         WHERE d.id = $1 AND d.studio_id = $2"
    );
    let mut found = Vec::new();
    for shift in [a, b] {
        let r = sqlx::query(&sql)
            .bind(shift)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::NotFound)?;
        found.push(shift_from(&r)?);
    }
    let (x, y) = (found[0].clone(), found[1].clone());
    if x.day == y.day || x.checked_in_at.is_some() || y.checked_in_at.is_some() {
        return Err(Error::field(
            "b",
            "err.swap",
            "swap two shifts on different days that nobody has checked in to",
        ));
    }
    for (shift, user) in [(x.id, y.user_id), (y.id, x.user_id)] {
        sqlx::query("UPDATE duty_shifts SET user_id = $1 WHERE id = $2")
            .bind(user)
            .bind(shift)
            .execute(&mut *tx)
            .await?;
    }
    let now = db.now_ms();
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "studio.swap",
            entity: "studio",
            entity_id: id.to_string(),
            org_id: Some(s.org_id),
            before: Some(json!({ "shifts": [[x.id, x.day, x.user_id], [y.id, y.day, y.user_id]] })),
            after: Some(json!({ "shifts": [[x.id, x.day, y.user_id], [y.id, y.day, x.user_id]] })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A member's shifts from a day on (with the studio's name).
pub async fn my_shifts(db: &Db, user_id: i64, from: &str) -> Result<Vec<(Shift, String)>> {
    sqlx::query(&format!(
        "SELECT {SHIFT_COLS}, s.name AS studio FROM duty_shifts d
         JOIN users u ON u.id = d.user_id JOIN studios s ON s.id = d.studio_id
         WHERE d.user_id = $1 AND d.day >= $2 ORDER BY d.day LIMIT 20"
    ))
    .bind(user_id)
    .bind(from)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((shift_from(r)?, col(r, "studio")?)))
    .collect()
}

/// The member checks in to their own shift, on its day (China time).
pub async fn check_in(db: &Db, actor: &Actor, shift: i64) -> Result<()> {
    let now = db.now_ms();
    let today = cst_date(now).format("%Y-%m-%d").to_string();
    let done = sqlx::query(
        "UPDATE duty_shifts SET checked_in_at = $1
         WHERE id = $2 AND user_id = $3 AND day = $4 AND checked_in_at IS NULL",
    )
    .bind(now)
    .bind(shift)
    .bind(actor.user_id)
    .bind(&today)
    .execute(db.pool())
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let mine: Option<String> =
        sqlx::query_scalar("SELECT day FROM duty_shifts WHERE id = $1 AND user_id = $2")
            .bind(shift)
            .bind(actor.user_id)
            .fetch_optional(db.pool())
            .await?;
    match mine {
        None => Err(Error::NotFound),
        Some(_) => Err(Error::field(
            "shift",
            "err.check_in",
            "check in on the day of the shift, once",
        )),
    }
}
