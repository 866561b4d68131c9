//! Reports for the JSON API (issue 30 point 7, decision record 0044): what a
//! key with `reports:read` reads (the reports of the bodies inside its unit:
//! a district's key its district's, the city's key every body's), and what a
//! member reads of their own (the reports they submitted). Anything else is
//! not found. A page is read newest change first (`updated_at`, then `id`)
//! in one statement walking the `opinion_reports_updated` index (after a
//! probe that the key's unit holds any report), and the levels of the whole
//! page in one more ([`super::levels::forwarded_of`]).
//! Writes do not come through here: the office's steps are the web's.

use crate::db::{col, Arg, Db};
use crate::{Error, Result};
use xieshang_core::report::Text;
use xieshang_core::OrgPath;

/// Whose reports are read.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    /// A key's unit: the reports of the bodies inside it.
    Within(&'a OrgPath),
    /// A member: the reports they submitted.
    Submitter(i64),
}

/// A report as the API lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Serial number.
    pub id: i64,
    /// The title as it stands (the office's once edited).
    pub title: String,
    /// State code.
    pub state: String,
    /// `member`, `group` (on behalf of a member group) or `informant`.
    pub submitter_kind: String,
    /// The submitter's name.
    pub submitter: String,
    /// The member group's name, when submitted for one.
    pub group: Option<String>,
    /// The body's code.
    pub body_code: String,
    /// The body's name.
    pub body: String,
    /// Submitted.
    pub created_at: i64,
    /// Last change: a step, a new version, a forward, an adoption, an
    /// instruction.
    pub updated_at: i64,
}

/// One report with its texts.
#[derive(Debug, Clone)]
pub struct Detail {
    /// As listed.
    pub listed: Listed,
    /// The text as submitted.
    pub submitted: Text,
    /// The text as it stands.
    pub current: Text,
    /// How many versions are kept (1: the submitted text only).
    pub versions: i64,
}

/// Filters of a page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this state.
    pub state: Option<String>,
    /// Only those changed at or after this (unix ms).
    pub updated_since: Option<i64>,
    /// Only those after this (`updated_at`, `id`) in the order (the cursor).
    pub before: Option<(i64, i64)>,
    /// At most this many.
    pub limit: i64,
}

const LISTED: &str = "r.id, COALESCE(r.edited_title, r.title) AS current_title, r.state,
    CASE WHEN r.group_org_id IS NOT NULL THEN 'group'
         WHEN EXISTS (SELECT 1 FROM grants gr
                       WHERE gr.user_id = r.submitter_id AND gr.role = 'informant')
         THEN 'informant' ELSE 'member' END AS submitter_kind,
    u.display_name AS submitter, g.name AS group_name, o.code AS body_code,
    o.name AS body_name, r.created_at, r.updated_at";
/// The tables, the reports first. A unit's reports are read by walking
/// `opinion_reports_updated` backwards and stopping at the LIMIT: SQLite,
/// left to itself, starts from the unit's bodies and sorts all their reports
/// (a temporary B-tree, by EXPLAIN QUERY PLAN), so the dialect's driving join
/// fixes the order; PostgreSQL walks the index by itself (60,000 reports in
/// 13 bodies: a district's first page 0.6 ms, the city's 0.1 ms, EXPLAIN
/// ANALYZE). A member's few reports come by the submitter index instead.
fn from(db: &Db, reader: Reader<'_>) -> String {
    let join = match reader {
        Reader::Within(_) => db.dialect().driving_join(),
        Reader::Submitter(_) => "JOIN",
    };
    format!(
        "opinion_reports r {join} orgs o ON o.id = r.org_id
    JOIN users u ON u.id = r.submitter_id LEFT JOIN orgs g ON g.id = r.group_org_id"
    )
}

/// The reader's condition, its arguments from `$1`.
fn reader_cond(reader: Reader<'_>) -> (String, Vec<Arg>) {
    match reader {
        Reader::Within(unit) => {
            let (from, to) = crate::db::scope::subtree_range(unit.as_str());
            (
                "o.path >= $1 AND o.path < $2".to_owned(),
                vec![Arg::Text(from), Arg::Text(to)],
            )
        }
        Reader::Submitter(user_id) => ("r.submitter_id = $1".to_owned(), vec![Arg::Int(user_id)]),
    }
}

fn listed(r: &sqlx::any::AnyRow) -> Result<Listed> {
    Ok(Listed {
        id: col(r, "id")?,
        title: col(r, "current_title")?,
        state: col(r, "state")?,
        submitter_kind: col(r, "submitter_kind")?,
        submitter: col(r, "submitter")?,
        group: col(r, "group_name")?,
        body_code: col(r, "body_code")?,
        body: col(r, "body_name")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
    })
}

/// The reports the reader reads, newest change first, after the cursor (one
/// statement, bounded by its LIMIT).
pub async fn list(db: &Db, reader: Reader<'_>, f: &Filter) -> Result<Vec<Listed>> {
    if let Reader::Within(unit) = reader {
        if !holds_reports(db, unit).await? {
            return Ok(Vec::new());
        }
    }
    let (mut cond, mut args) = reader_cond(reader);
    if let Some(s) = &f.state {
        args.push(Arg::Text(s.clone()));
        cond.push_str(&format!(" AND r.state = ${}", args.len()));
    }
    if let Some(t) = f.updated_since {
        args.push(Arg::Int(t));
        cond.push_str(&format!(" AND r.updated_at >= ${}", args.len()));
    }
    if let Some((at, id)) = f.before {
        args.push(Arg::Int(at));
        args.push(Arg::Int(id));
        cond.push_str(&format!(
            " AND (r.updated_at, r.id) < (${}, ${})",
            args.len() - 1,
            args.len()
        ));
    }
    args.push(Arg::Int(f.limit.max(0)));
    let sql = format!(
        "SELECT {LISTED} FROM {} WHERE {cond}
          ORDER BY r.updated_at DESC, r.id DESC LIMIT ${}",
        from(db, reader),
        args.len()
    );
    crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(listed)
        .collect()
}

/// Whether any report lies inside the unit (one probe of the body index).
/// Walked from the newest, a unit without any (a department's key) would
/// read the whole index to find none.
async fn holds_reports(db: &Db, unit: &OrgPath) -> Result<bool> {
    let (from, to) = crate::db::scope::subtree_range(unit.as_str());
    let found = sqlx::query(
        "SELECT 1 AS one FROM orgs o JOIN opinion_reports r ON r.org_id = o.id
          WHERE o.path >= $1 AND o.path < $2 LIMIT 1",
    )
    .bind(from)
    .bind(to)
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

/// One report the reader reads, with its texts; otherwise not found.
pub async fn get(db: &Db, reader: Reader<'_>, id: i64) -> Result<Detail> {
    let (cond, mut args) = reader_cond(reader);
    args.push(Arg::Int(id));
    let sql = format!(
        "SELECT {LISTED}, r.title, r.matter, r.edited_title, r.edited_matter, r.version
           FROM {} WHERE {cond} AND r.id = ${}",
        from(db, reader),
        args.len()
    );
    let r = crate::db::query_with(&sql, args)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let submitted = Text {
        title: col(&r, "title")?,
        matter: col(&r, "matter")?,
    };
    let edited_title: Option<String> = col(&r, "edited_title")?;
    let edited_matter: Option<String> = col(&r, "edited_matter")?;
    let current = edited_title
        .zip(edited_matter)
        .map(|(title, matter)| Text { title, matter })
        .unwrap_or_else(|| submitted.clone());
    Ok(Detail {
        listed: listed(&r)?,
        submitted,
        current,
        versions: col(&r, "version")?,
    })
}
