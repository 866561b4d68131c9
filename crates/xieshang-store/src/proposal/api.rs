//! Proposals for machine clients (issue 29 point 13, decision record 0039):
//! what an API key reads, and what a proposal's webhook deliveries carry.
//!
//! A key reads, inside its unit: the proposals assigned now (an active
//! assignment) to a unit inside it — a department's case system — and the
//! accepted (numbered) and later proposals of a body inside it — the body's
//! own system or a city's. Anything else is not found. A page is read in two
//! statements whatever its size: the proposals, then their active
//! assignments. Replies and contact through a key go through the same
//! functions as the web forms ([`super::handle::reply_by`],
//! [`super::handle::contact_by`]).

use super::{from_row, Proposal, COLS, FROM};
use crate::db::{col, Arg, Db, Tx};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::item::PROPOSAL;
use xieshang_core::OrgPath;

/// A proposal as the API lists it: the proposal and its handling columns.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The proposal.
    pub proposal: Proposal,
    /// The body's code.
    pub body_code: String,
    /// The handling round (0 before assignment).
    pub round: i64,
    /// The reply deadline in force.
    pub due_at: Option<i64>,
    /// When the final reply came.
    pub replied_at: Option<i64>,
    /// The final reply's class.
    pub reply_class: Option<String>,
    /// Chosen as a key proposal (重点提案) then.
    pub key_at: Option<i64>,
}

/// An active assignment of a listed proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitOf {
    /// The proposal.
    pub proposal_id: i64,
    /// The unit's id.
    pub org_id: i64,
    /// The unit's code.
    pub code: String,
    /// The unit's name.
    pub name: String,
    /// `lead`, `co` or `split`.
    pub role: &'static str,
}

/// Filters of a page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this state.
    pub state: Option<String>,
    /// Only this session of its body.
    pub session_id: Option<i64>,
    /// Only those changed (`updated_at`) at or after this (unix ms).
    pub updated_since: Option<i64>,
    /// Only ids above this (the cursor).
    pub after_id: i64,
    /// At most this many.
    pub limit: i64,
}

const EXTRA: &str =
    ", o.code AS body_code, p.handling_round, p.due_at, p.replied_at, p.reply_class, p.key_at";

/// The condition "the key's unit reads this proposal", its two bounds at
/// `$n` and `$n+1`.
fn within(n: usize) -> String {
    format!(
        "((p.number IS NOT NULL AND o.path >= ${n} AND o.path < ${m})
          OR p.id IN (SELECT a.item_id FROM item_assignments a JOIN orgs d ON d.id = a.org_id
                       WHERE a.kind = 'proposal' AND a.active = 1
                         AND d.path >= ${n} AND d.path < ${m}))",
        m = n + 1
    )
}

fn listed(r: &sqlx::any::AnyRow) -> Result<Listed> {
    Ok(Listed {
        proposal: from_row(r)?,
        body_code: col(r, "body_code")?,
        round: col(r, "handling_round")?,
        due_at: col(r, "due_at")?,
        replied_at: col(r, "replied_at")?,
        reply_class: col(r, "reply_class")?,
        key_at: col(r, "key_at")?,
    })
}

/// The proposals the key's unit reads, by id, after the cursor (one
/// statement).
pub async fn list_within(db: &Db, unit: &OrgPath, f: &Filter) -> Result<Vec<Listed>> {
    let (from, to) = crate::db::scope::subtree_range(unit.as_str());
    let mut args = vec![Arg::Text(from), Arg::Text(to), Arg::Int(f.after_id)];
    let mut cond = format!("{} AND p.id > $3", within(1));
    if let Some(s) = &f.state {
        args.push(Arg::Text(s.clone()));
        cond.push_str(&format!(" AND p.state = ${}", args.len()));
    }
    if let Some(s) = f.session_id {
        args.push(Arg::Int(s));
        cond.push_str(&format!(" AND p.session_id = ${}", args.len()));
    }
    if let Some(t) = f.updated_since {
        args.push(Arg::Int(t));
        cond.push_str(&format!(" AND p.updated_at >= ${}", args.len()));
    }
    args.push(Arg::Int(f.limit));
    let sql = format!(
        "SELECT {COLS}{EXTRA} FROM {FROM} WHERE {cond} ORDER BY p.id LIMIT ${}",
        args.len()
    );
    crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(listed)
        .collect()
}

/// One proposal the key's unit reads; outside it, not found.
pub async fn get_within(db: &Db, unit: &OrgPath, id: i64) -> Result<Listed> {
    let (from, to) = crate::db::scope::subtree_range(unit.as_str());
    let sql = format!(
        "SELECT {COLS}{EXTRA} FROM {FROM} WHERE {} AND p.id = $3",
        within(1)
    );
    let row = crate::db::query_with(&sql, vec![Arg::Text(from), Arg::Text(to), Arg::Int(id)])
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    listed(&row)
}

/// The active assignments of some proposals, by proposal, the lead first
/// (one statement).
pub async fn units_of(db: &Db, ids: &[i64]) -> Result<Vec<UnitOf>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT a.item_id, a.org_id, o.code, o.name, a.lead, a.part
           FROM item_assignments a JOIN orgs o ON o.id = a.org_id
          WHERE a.kind = 'proposal' AND a.active = 1 AND a.item_id IN ({})
          ORDER BY a.item_id, a.lead DESC, o.name",
        marks.join(", ")
    );
    crate::db::query_with(&sql, ids.iter().map(|i| Arg::Int(*i)).collect())
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            let split = col::<Option<String>>(r, "part")?.is_some();
            let lead = col::<i64>(r, "lead")? == 1;
            Ok(UnitOf {
                proposal_id: col(r, "item_id")?,
                org_id: col(r, "org_id")?,
                code: col(r, "code")?,
                name: col(r, "name")?,
                role: role(lead, split),
            })
        })
        .collect()
}

/// The codes of units, by id (one statement).
pub async fn codes_of(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, code FROM orgs WHERE id IN ({})",
        marks.join(", ")
    );
    crate::db::query_with(&sql, ids.iter().map(|i| Arg::Int(*i)).collect())
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((col(r, "id")?, col(r, "code")?)))
        .collect()
}

/// A unit's role on a proposal.
pub fn role(lead: bool, split: bool) -> &'static str {
    if split {
        "split"
    } else if lead {
        "lead"
    } else {
        "co"
    }
}

/// What a webhook delivery about a proposal carries: the units it concerns
/// (its body, and the units assigned to it now) and the proposal as the
/// list of the JSON API gives it, without personal data (no proposer); None
/// when it is gone.
pub(crate) async fn webhook_body_in(
    tx: &mut Tx,
    id: i64,
    base_url: &str,
) -> Result<Option<(Vec<OrgPath>, serde_json::Value)>> {
    let base = base_url.trim_end_matches('/');
    let Some(r) = sqlx::query(
        "SELECT p.id, p.number, p.title, p.state, p.session_id, p.handling_round, p.due_at,
                p.replied_at, p.reply_class, p.updated_at, o.code, o.path
           FROM proposals p JOIN orgs o ON o.id = p.org_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let parse = |p: String| OrgPath::parse(&p).ok_or(Error::NotFound);
    let mut paths = vec![parse(col(&r, "path")?)?];
    let mut units = Vec::new();
    for u in sqlx::query(
        "SELECT o.code, o.path, a.lead, a.part FROM item_assignments a
           JOIN orgs o ON o.id = a.org_id
          WHERE a.kind = $1 AND a.item_id = $2 AND a.active = 1
          ORDER BY a.lead DESC, o.name",
    )
    .bind(PROPOSAL.kind)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    {
        paths.push(parse(col(&u, "path")?)?);
        let split = col::<Option<String>>(&u, "part")?.is_some();
        units.push(json!({
            "code": col::<String>(&u, "code")?,
            "role": role(col::<i64>(&u, "lead")? == 1, split),
        }));
    }
    Ok(Some((
        paths,
        json!({"proposal": {
            "id": id,
            "number": col::<Option<i64>>(&r, "number")?,
            "title": col::<String>(&r, "title")?,
            "state": col::<String>(&r, "state")?,
            "body_code": col::<String>(&r, "code")?,
            "session_id": col::<Option<i64>>(&r, "session_id")?,
            "round": col::<i64>(&r, "handling_round")?,
            "due_at": col::<Option<i64>>(&r, "due_at")?,
            "replied_at": col::<Option<i64>>(&r, "replied_at")?,
            "reply_class": col::<Option<String>>(&r, "reply_class")?,
            "updated_at": col::<i64>(&r, "updated_at")?,
            "units": units,
            "url": format!("{base}/proposals/{id}"),
            "api_url": format!("{base}/api/v1/proposals/{id}"),
        }}),
    )))
}
