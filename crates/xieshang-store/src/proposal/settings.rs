//! A body's proposal settings (issue 29 point 1): its terms (届) and
//! sessions (次会议) with their dates, its categories and its grounds for not
//! accepting (the defaults of core's `proposal` module, written when its
//! first term is created, then edited), and its length cap. Staff and the
//! proposal committee keep them ([`Permission::ProposalManage`]).

use crate::audit::{self, Entry};
use crate::db::{col, Db, Tx};
use crate::org::Org;
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::proposal::{Occasion, CAP_RANGE, DEFAULT_CATEGORIES, DEFAULT_GROUNDS};
use xieshang_core::{Actor, OrgKind, Permission};

/// A term (届) of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Id.
    pub id: i64,
    /// The body.
    pub org_id: i64,
    /// Name, such as 第十届.
    pub name: String,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Last day.
    pub ends_on: String,
}

/// A session (次会议) of a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Id.
    pub id: i64,
    /// Its term.
    pub term_id: i64,
    /// The term's name.
    pub term_name: String,
    /// The body.
    pub org_id: i64,
    /// Name, such as 第三次会议.
    pub name: String,
    /// The plenary's first day, `YYYY-MM-DD`.
    pub opens_on: String,
    /// Its last day.
    pub closes_on: String,
    /// The last proposal number given in it (0: none yet).
    pub last_number: i64,
}

/// Which of a body's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Proposal categories.
    Category,
    /// Grounds for not accepting (不予立案).
    Ground,
}

impl List {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            List::Category => "category",
            List::Ground => "ground",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<List> {
        [List::Category, List::Ground]
            .into_iter()
            .find(|l| l.code() == code)
    }
}

/// One entry of a body's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry_ {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Hidden (no longer offered; proposals that use it keep it).
    pub hidden: bool,
}

/// The body over a unit ([`crate::org::body_of`]).
pub use crate::org::body_of;

/// The bodies inside the actor's scopes for `permission` (a district's staff:
/// their district; the city's: the city and its districts).
pub async fn bodies(db: &Db, actor: &Actor, permission: Permission) -> Result<Vec<Org>> {
    let (cond, args) = crate::db::scope::condition(actor, permission, "o.path", 1);
    let ids: Vec<i64> = crate::db::query_with(
        &format!(
            "SELECT o.id FROM orgs o WHERE {cond} AND o.kind IN ('district', 'city')
               AND o.archived_at IS NULL ORDER BY o.path"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| col(r, "id"))
    .collect::<sqlx::Result<_>>()?;
    let mut out = Vec::new();
    for id in ids {
        out.push(crate::org::get_unchecked(db, id).await?);
    }
    Ok(out)
}

/// A body the actor keeps settings for.
pub(crate) async fn managed_body(db: &Db, actor: &Actor, org_id: i64) -> Result<Org> {
    let org = crate::org::get(db, actor, Permission::ProposalManage, org_id).await?;
    if !matches!(org.kind, OrgKind::District | OrgKind::City) {
        return Err(Error::field(
            "org",
            "err.proposal.not_body",
            "proposals belong to a district's or the city's CPPCC",
        ));
    }
    Ok(org)
}

/// A day as `YYYY-MM-DD`, or the field's error.
fn day(field: &'static str, raw: &str) -> Result<String> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| Error::field(field, "err.proposal.day", "give a date as YYYY-MM-DD"))
}

/// A name of 1 to 30 characters on one line.
fn short_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty()
        || name.chars().count() > 30
        || xieshang_core::values::check_text(name, xieshang_core::values::Lines::One).is_err()
    {
        return Err(Error::field(
            "name",
            "err.proposal.name",
            "a name has 1 to 30 characters, on one line",
        ));
    }
    Ok(name.to_owned())
}

/// An audit row of a settings change: `action` is `entity.verb`.
async fn audit_in(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    action: &str,
    (id, org_id): (i64, i64),
    after: serde_json::Value,
) -> Result<()> {
    let entity = action.split('.').next().unwrap_or(action);
    audit::record(
        tx,
        now,
        Entry {
            actor: Some(actor),
            action,
            entity,
            entity_id: id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

/// Writes a body's default lists if it has none yet.
async fn defaults_in(tx: &mut Tx, now: i64, org_id: i64) -> Result<()> {
    for (list, names) in [
        (List::Category, &DEFAULT_CATEGORIES[..]),
        (List::Ground, &DEFAULT_GROUNDS[..]),
    ] {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM proposal_options WHERE org_id = $1 AND list = $2",
        )
        .bind(org_id)
        .bind(list.code())
        .fetch_one(&mut **tx)
        .await?;
        if n > 0 {
            continue;
        }
        for (i, name) in names.iter().enumerate() {
            sqlx::query(
                "INSERT INTO proposal_options (org_id, list, name, position, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(org_id)
            .bind(list.code())
            .bind(*name)
            .bind(i as i64)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Creates a term of a body (its first also writes the body's default
/// categories and grounds). Terms of a body do not overlap.
pub async fn create_term(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    name: &str,
    starts_on: &str,
    ends_on: &str,
) -> Result<i64> {
    let body = managed_body(db, actor, org_id).await?;
    let name = short_name(name)?;
    let (starts, ends) = (day("starts_on", starts_on)?, day("ends_on", ends_on)?);
    if ends <= starts {
        return Err(Error::field(
            "ends_on",
            "err.proposal.term_dates",
            "a term ends after it starts",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let overlapping: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_terms
          WHERE org_id = $1 AND (name = $2 OR (starts_on <= $4 AND ends_on >= $3))",
    )
    .bind(body.id)
    .bind(&name)
    .bind(&starts)
    .bind(&ends)
    .fetch_one(&mut *tx)
    .await?;
    if overlapping > 0 {
        return Err(Error::field(
            "name",
            "err.proposal.term_overlap",
            "this body has a term of that name or at those dates already",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposal_terms (org_id, name, starts_on, ends_on, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(body.id)
    .bind(&name)
    .bind(&starts)
    .bind(&ends)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    defaults_in(&mut tx, now, body.id).await?;
    audit_in(
        &mut tx,
        now,
        actor,
        "proposal_term.create",
        (id, body.id),
        json!({"name": name, "starts_on": starts, "ends_on": ends}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates a session of a term: its plenary's dates lie inside the term.
pub async fn create_session(
    db: &Db,
    actor: &Actor,
    term_id: i64,
    name: &str,
    opens_on: &str,
    closes_on: &str,
) -> Result<i64> {
    let term = term(db, term_id).await?;
    let body = managed_body(db, actor, term.org_id).await?;
    let name = short_name(name)?;
    let (opens, closes) = (day("opens_on", opens_on)?, day("closes_on", closes_on)?);
    if closes < opens || opens < term.starts_on || closes > term.ends_on {
        return Err(Error::field(
            "closes_on",
            "err.proposal.session_dates",
            "a session's plenary lies inside its term and closes on or after the day it opens",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let same: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_sessions WHERE term_id = $1 AND name = $2",
    )
    .bind(term.id)
    .bind(&name)
    .fetch_one(&mut *tx)
    .await?;
    if same > 0 {
        return Err(Error::field(
            "name",
            "err.proposal.session_taken",
            "this term has a session of that name already",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposal_sessions (term_id, org_id, name, opens_on, closes_on, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(term.id)
    .bind(body.id)
    .bind(&name)
    .bind(&opens)
    .bind(&closes)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        now,
        actor,
        "proposal_session.create",
        (id, body.id),
        json!({"term_id": term.id, "name": name, "opens_on": opens, "closes_on": closes}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn term_row(r: &sqlx::any::AnyRow) -> Result<Term> {
    Ok(Term {
        id: col(r, "id")?,
        org_id: col(r, "org_id")?,
        name: col(r, "name")?,
        starts_on: col(r, "starts_on")?,
        ends_on: col(r, "ends_on")?,
    })
}

async fn term(db: &Db, id: i64) -> Result<Term> {
    let r = sqlx::query(
        "SELECT id, org_id, name, starts_on, ends_on FROM proposal_terms WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    term_row(&r)
}

/// A body's terms, the latest first.
pub async fn terms(db: &Db, org_id: i64) -> Result<Vec<Term>> {
    sqlx::query(
        "SELECT id, org_id, name, starts_on, ends_on FROM proposal_terms
          WHERE org_id = $1 ORDER BY starts_on DESC",
    )
    .bind(org_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(term_row)
    .collect()
}

const SESSION_COLS: &str = "s.id, s.term_id, t.name AS term_name, s.org_id, s.name, s.opens_on,
    s.closes_on, s.last_number";

fn session_row(r: &sqlx::any::AnyRow) -> Result<Session> {
    Ok(Session {
        id: col(r, "id")?,
        term_id: col(r, "term_id")?,
        term_name: col(r, "term_name")?,
        org_id: col(r, "org_id")?,
        name: col(r, "name")?,
        opens_on: col(r, "opens_on")?,
        closes_on: col(r, "closes_on")?,
        last_number: col(r, "last_number")?,
    })
}

/// A body's sessions, the latest first.
pub async fn sessions(db: &Db, org_id: i64) -> Result<Vec<Session>> {
    sqlx::query(&format!(
        "SELECT {SESSION_COLS} FROM proposal_sessions s JOIN proposal_terms t ON t.id = s.term_id
          WHERE s.org_id = $1 ORDER BY s.opens_on DESC"
    ))
    .bind(org_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(session_row)
    .collect()
}

/// The session a proposal filed on `day` (`YYYY-MM-DD`) belongs to, and
/// whether it is filed during the plenary: the latest session of the term
/// that holds the day whose plenary has opened by then (a proposal filed
/// between sessions is numbered in the session before), or, before a
/// term's first plenary, that first one. None when no term holds the day.
pub async fn session_for(db: &Db, org_id: i64, day: &str) -> Result<Option<(Session, Occasion)>> {
    let rows = sqlx::query(&format!(
        "SELECT {SESSION_COLS} FROM proposal_sessions s JOIN proposal_terms t ON t.id = s.term_id
          WHERE s.org_id = $1 AND t.starts_on <= $2 AND t.ends_on >= $2
          ORDER BY s.opens_on"
    ))
    .bind(org_id)
    .bind(day)
    .fetch_all(db.pool())
    .await?;
    let sessions: Vec<Session> = rows.iter().map(session_row).collect::<Result<_>>()?;
    let chosen = sessions
        .iter()
        .rev()
        .find(|s| s.opens_on.as_str() <= day)
        .or_else(|| sessions.first());
    Ok(chosen.map(|s| {
        let occasion = Occasion::of_day(day, &s.opens_on, &s.closes_on);
        (s.clone(), occasion)
    }))
}

/// A body's list, in order; hidden entries too when `all`.
pub async fn entries(db: &Db, org_id: i64, list: List, all: bool) -> Result<Vec<Entry_>> {
    sqlx::query(
        "SELECT id, name, hidden FROM proposal_options
          WHERE org_id = $1 AND list = $2 AND (hidden = 0 OR $3 = 1) ORDER BY position, id",
    )
    .bind(org_id)
    .bind(list.code())
    .bind(i64::from(all))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Entry_ {
            id: col(r, "id")?,
            name: col(r, "name")?,
            hidden: col::<i64>(r, "hidden")? == 1,
        })
    })
    .collect()
}

/// The body and list of an entry.
pub(crate) async fn entry_of(db: &Db, id: i64) -> Result<(i64, List, String, bool)> {
    let r = sqlx::query("SELECT org_id, list, name, hidden FROM proposal_options WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let list = List::parse(&col::<String>(&r, "list")?).ok_or(Error::NotFound)?;
    Ok((
        col(&r, "org_id")?,
        list,
        col(&r, "name")?,
        col::<i64>(&r, "hidden")? == 1,
    ))
}

/// Adds an entry to a body's list (a name it does not hold yet).
pub async fn add_entry(db: &Db, actor: &Actor, org_id: i64, list: List, name: &str) -> Result<i64> {
    let body = managed_body(db, actor, org_id).await?;
    let name = short_name(name)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    defaults_in(&mut tx, now, body.id).await?;
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_options WHERE org_id = $1 AND list = $2 AND name = $3",
    )
    .bind(body.id)
    .bind(list.code())
    .bind(&name)
    .fetch_one(&mut *tx)
    .await?;
    if taken > 0 {
        return Err(Error::field(
            "name",
            "err.proposal.entry_taken",
            "the list has an entry of that name already",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposal_options (org_id, list, name, position, created_at)
         VALUES ($1, $2, $3,
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM proposal_options
                   WHERE org_id = $1 AND list = $2), $4)
         RETURNING id",
    )
    .bind(body.id)
    .bind(list.code())
    .bind(&name)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        now,
        actor,
        "proposal_option.add",
        (id, body.id),
        json!({"list": list.code(), "name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Hides an entry of a body's list (or offers it again).
pub async fn set_hidden(db: &Db, actor: &Actor, id: i64, hidden: bool) -> Result<()> {
    let (org_id, list, name, _) = entry_of(db, id).await?;
    let body = managed_body(db, actor, org_id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE proposal_options SET hidden = $1 WHERE id = $2")
        .bind(i64::from(hidden))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit_in(
        &mut tx,
        now,
        actor,
        "proposal_option.hide",
        (id, body.id),
        json!({"list": list.code(), "name": name, "hidden": hidden}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A body's length cap, in characters of the three sections (None: no cap).
pub async fn cap(db: &Db, org_id: i64) -> Result<Option<usize>> {
    let cap: Option<Option<i64>> =
        sqlx::query_scalar("SELECT length_cap FROM proposal_rules WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(cap.flatten().and_then(|c| usize::try_from(c).ok()))
}

/// Sets or lifts a body's length cap (between 200 and 30,000 characters).
pub async fn set_cap(db: &Db, actor: &Actor, org_id: i64, cap: Option<usize>) -> Result<()> {
    let body = managed_body(db, actor, org_id).await?;
    if cap.is_some_and(|c| c < CAP_RANGE.0 || c > CAP_RANGE.1) {
        return Err(Error::field(
            "cap",
            "err.proposal.cap",
            "a length cap is between 200 and 30,000 characters, or empty for none",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let cap = cap.map(|c| c as i64);
    let changed =
        sqlx::query("UPDATE proposal_rules SET length_cap = $1, updated_at = $2 WHERE org_id = $3")
            .bind(cap)
            .bind(now)
            .bind(body.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if changed == 0 {
        sqlx::query(
            "INSERT INTO proposal_rules (org_id, length_cap, updated_at) VALUES ($1, $2, $3)",
        )
        .bind(body.id)
        .bind(cap)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    audit_in(
        &mut tx,
        now,
        actor,
        "proposal_rules.cap",
        (body.id, body.id),
        json!({"length_cap": cap}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
