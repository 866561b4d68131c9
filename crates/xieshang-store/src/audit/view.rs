//! Reading the audit log (issue 33 point 5): the rows an actor may audit,
//! filtered by who, the kind of record, a unit's subtree and a period, newest
//! first, a page at a time by id (keyset: a page never counts or skips the
//! rows before it); one row by id, answered as not found outside the actor's
//! scope. Personal data is masked here, before a row leaves the store, so no
//! page or file can show it (`xieshang_core::personal::mask_json`).
//!
//! A row belongs to the unit it names (`org_id`); rows that name none (an
//! account's own email, a reset request, a system job) are read only by those
//! who audit a whole tree (an administrator at the root).

use super::Row;
use crate::db::{col, query_with, Arg, Db};
use crate::{Error, Result};
use xieshang_core::{Actor, OrgPath, Permission};

/// What a list of audit rows is narrowed to; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The account name recorded as the actor (`system` for the system).
    pub actor_name: Option<String>,
    /// The kind of record (`concern`, `user`, `org`, …).
    pub entity: Option<String>,
    /// A unit: rows of it and of every unit under it.
    pub unit: Option<OrgPath>,
    /// From this instant (unix ms, inclusive).
    pub from: Option<i64>,
    /// Before this instant (unix ms, exclusive).
    pub until: Option<i64>,
    /// Only rows older than this id (the next page's key).
    pub before_id: Option<i64>,
}

/// One row as shown: the stored row with its before and after masked, and
/// the name of its unit.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The row (before/after already masked).
    pub row: Row,
    /// Name of the row's unit, if it names one.
    pub unit_name: Option<String>,
}

/// The kinds of record the log holds, for the filter's choices.
pub const ENTITIES: [&str; 26] = [
    "api_key",
    "booklet",
    "concern",
    "consultation",
    "consultation_action",
    "consultation_kind",
    "consultation_plan",
    "consultation_rules",
    "member",
    "opinion_report",
    "org",
    "party_meeting",
    "party_report",
    "practice",
    "proposal",
    "proposal_ballot",
    "proposal_rules",
    "room",
    "studio",
    "study_material",
    "study_post",
    "supervision_group",
    "supervision_opinion",
    "supervision_plan",
    "user",
    "webhook",
];

fn masked(json: Option<String>) -> Option<String> {
    json.map(|s| match serde_json::from_str::<serde_json::Value>(&s) {
        Ok(mut v) => {
            xieshang_core::personal::mask_json(&mut v);
            v.to_string()
        }
        // Every row is written from a JSON value; a text that is not one is
        // shown masked as text.
        Err(_) => xieshang_core::personal::mask_in_text(&s),
    })
}

fn shown(r: &sqlx::any::AnyRow) -> Result<Shown> {
    let mut row = super::row_from(r)?;
    row.before_json = masked(row.before_json.take());
    row.after_json = masked(row.after_json.take());
    Ok(Shown {
        row,
        unit_name: col(r, "unit_name")?,
    })
}

fn columns() -> String {
    super::COLUMNS
        .split(", ")
        .map(|c| format!("a.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the actor audits a whole tree (and so the rows of no unit).
fn audits_a_root(actor: &Actor) -> bool {
    actor
        .scopes(Permission::AuditView)
        .iter()
        .any(|p| p.depth() == 1)
}

/// The rows the actor may audit under `f`, newest first, at most `limit`;
/// refused (403) to an actor who audits nowhere.
pub async fn list(db: &Db, actor: &Actor, f: &Filter, limit: i64) -> Result<Vec<Shown>> {
    actor.require(Permission::AuditView)?;
    let (scope, mut args) = crate::db::scope::condition(actor, Permission::AuditView, "o.path", 1);
    let mut conds = vec![if audits_a_root(actor) && f.unit.is_none() {
        format!("(a.org_id IS NULL OR {scope})")
    } else {
        scope
    }];
    if let Some(unit) = &f.unit {
        let (c, a) =
            crate::db::scope::paths_condition(std::slice::from_ref(unit), "o.path", args.len() + 1);
        conds.push(c);
        args.extend(a);
    }
    let mut bind = |c: &str, a: Arg, args: &mut Vec<Arg>| {
        args.push(a);
        conds.push(format!("{c} ${}", args.len()));
    };
    if let Some(n) = &f.actor_name {
        bind("a.actor_name =", Arg::Text(n.clone()), &mut args);
    }
    if let Some(e) = &f.entity {
        bind("a.entity =", Arg::Text(e.clone()), &mut args);
    }
    if let Some(t) = f.from {
        bind("a.at >=", Arg::Int(t), &mut args);
    }
    if let Some(t) = f.until {
        bind("a.at <", Arg::Int(t), &mut args);
    }
    if let Some(id) = f.before_id {
        bind("a.id <", Arg::Int(id), &mut args);
    }
    args.push(Arg::Int(limit));
    let sql = format!(
        "SELECT {cols}, o.name AS unit_name FROM audit_log a LEFT JOIN orgs o ON o.id = a.org_id
         WHERE {conds} ORDER BY a.id DESC LIMIT ${n}",
        cols = columns(),
        conds = conds.join(" AND "),
        n = args.len()
    );
    let rows = query_with(&sql, args).fetch_all(db.pool()).await?;
    rows.iter().map(shown).collect()
}

/// One row, if the actor may audit its unit; otherwise not found, exactly as
/// a row that does not exist (decision 0018).
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Shown> {
    let r = sqlx::query(&format!(
        "SELECT {cols}, o.name AS unit_name, o.path AS unit_path FROM audit_log a
         LEFT JOIN orgs o ON o.id = a.org_id WHERE a.id = $1",
        cols = columns()
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let path: Option<String> = col(&r, "unit_path")?;
    match path.as_deref().and_then(OrgPath::parse) {
        Some(p) => actor.check(permission, &p)?,
        None if audits_a_root(actor) && actor.has_permission(permission) => {}
        None => return Err(Error::NotFound),
    }
    shown(&r)
}
