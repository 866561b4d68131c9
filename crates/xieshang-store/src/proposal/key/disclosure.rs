//! Disclosure (issue 29 point 9): the proposer chooses, until the reply,
//! whether the proposal and its reply may be public, with a reason when not
//! (no choice yet is not public). A body's public pages list its accepted
//! public proposals with their number, category, proposers' names (the
//! initiator and the co-signers who confirmed, nothing else of theirs) and,
//! once replied, the reply's class and text; searchable by words (a
//! substring of the title or the text, which serves Chinese without word
//! breaks), paged.

use crate::audit::{self, Entry};
use crate::db::{col, placeholders, query_with, Arg, Db};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::Actor;

/// The proposer's choice.
pub async fn set(db: &Db, actor: &Actor, id: i64, public: bool, reason: &str) -> Result<()> {
    let p = super::super::own(db, actor, id).await?;
    let reason = reason.trim();
    if !public
        && (reason.is_empty()
            || reason.chars().count() > 500
            || xieshang_core::values::check_text(reason, xieshang_core::values::Lines::Many)
                .is_err())
    {
        return Err(Error::field(
            "private_reason",
            "err.proposal.private_reason",
            "say why the proposal may not be public, in 1 to 500 characters",
        ));
    }
    if ["withdrawn", "merged", "rejected"].contains(&p.state.as_str()) {
        return Err(replied());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    super::lock_in(&mut tx, id).await?;
    let replied_at: Option<i64> =
        sqlx::query_scalar("SELECT replied_at FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if replied_at.is_some() {
        return Err(replied());
    }
    let (disclosure, reason) = if public {
        ("public", None)
    } else {
        ("private", Some(reason))
    };
    sqlx::query("UPDATE proposals SET disclosure = $1, private_reason = $2 WHERE id = $3")
        .bind(disclosure)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "proposal.disclosure",
            entity: "proposal",
            entity_id: id.to_string(),
            org_id: Some(p.org_id),
            before: None,
            after: Some(json!({ "disclosure": disclosure, "reason": reason })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn replied() -> Error {
    Error::field(
        "disclosure",
        "err.proposal.disclosure_closed",
        "the choice can be changed only until the reply: ask the proposal committee",
    )
}

/// The proposer's choice as stored: (`public` / `private` / None, reason).
pub async fn choice(db: &Db, id: i64) -> Result<(Option<String>, Option<String>)> {
    let (d, r, _) = choice_and_reply(db, id).await?;
    Ok((d, r))
}

/// [`choice`], and whether the proposal has its reply (the choice is then
/// closed).
pub async fn choice_and_reply(db: &Db, id: i64) -> Result<(Option<String>, Option<String>, bool)> {
    let r =
        sqlx::query("SELECT disclosure, private_reason, replied_at FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(Error::NotFound)?;
    let replied: Option<i64> = col(&r, "replied_at")?;
    Ok((
        col(&r, "disclosure")?,
        col(&r, "private_reason")?,
        replied.is_some(),
    ))
}

/// A unit's reply as the public reads it.
#[derive(Debug, Clone)]
pub struct PublicReply {
    /// Class code (A, B, C, D).
    pub class: String,
    /// Document number.
    pub doc_number: String,
    /// The text.
    pub body: String,
    /// When.
    pub replied_at: i64,
    /// The unit's name.
    pub unit: String,
}

/// A public proposal: nothing of its people but the proposers' names.
#[derive(Debug, Clone)]
pub struct PublicProposal {
    /// Serial number (for its page).
    pub id: i64,
    /// The term's and the session's names.
    pub session: (String, String),
    /// Its number in the session.
    pub number: i64,
    /// Category.
    pub category: Option<String>,
    /// Title.
    pub title: String,
    /// Situation.
    pub situation: String,
    /// Analysis.
    pub analysis: String,
    /// Suggestions.
    pub suggestions: String,
    /// Chosen as a key proposal.
    pub key: bool,
    /// The initiator, then the co-signers who confirmed.
    pub proposers: Vec<String>,
    /// The lead units' replies of its latest handling round.
    pub replies: Vec<PublicReply>,
}

/// Rows a public list page shows.
pub const PAGE: i64 = 20;

/// What makes a proposal of the body public.
const PUBLIC: &str = "p.org_id = $1 AND p.disclosure = 'public' AND p.number IS NOT NULL
    AND p.state NOT IN ('withdrawn', 'merged', 'rejected')";
const COLS: &str = "p.id, t.name AS term_name, s.name AS session_name, p.number,
    g.name AS category, p.title, p.situation, p.analysis, p.suggestions, p.key_at";
const FROM: &str = "proposals p JOIN proposal_sessions s ON s.id = p.session_id
    JOIN proposal_terms t ON t.id = s.term_id
    LEFT JOIN proposal_options g ON g.id = p.category_id";

/// `%words%` for LIKE, with its own wildcards taken literally.
fn like(words: &str) -> String {
    let mut out = String::from("%");
    for c in words.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A page (from 1) of the body's public proposals, the latest session and
/// the lowest number first, whose title or text holds every word of
/// `query` (split at spaces; at most 5 words). Returns the rows and whether
/// a next page exists. Four reads whatever the page holds.
pub async fn list(
    db: &Db,
    org_id: i64,
    query: &str,
    page: i64,
) -> Result<(Vec<PublicProposal>, bool)> {
    let mut cond = PUBLIC.to_owned();
    let mut args = vec![Arg::Int(org_id)];
    for w in query.split_whitespace().take(5) {
        let w: String = w.chars().take(50).collect();
        args.push(Arg::Text(like(&w)));
        let n = args.len();
        cond.push_str(&format!(
            " AND (p.title LIKE ${n} ESCAPE '\\' OR p.situation LIKE ${n} ESCAPE '\\'
                   OR p.analysis LIKE ${n} ESCAPE '\\' OR p.suggestions LIKE ${n} ESCAPE '\\')"
        ));
    }
    let offset = (page.clamp(1, 10_000) - 1) * PAGE;
    let rows = query_with(
        &format!(
            "SELECT {COLS} FROM {FROM} WHERE {cond}
              ORDER BY s.opens_on DESC, p.number, p.id LIMIT {} OFFSET {offset}",
            PAGE + 1
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?;
    let more = rows.len() as i64 > PAGE;
    let mut out = rows
        .iter()
        .take(PAGE as usize)
        .map(from_row)
        .collect::<Result<Vec<_>>>()?;
    fill(db, &mut out).await?;
    Ok((out, more))
}

/// One public proposal of the body (not found unless public).
pub async fn get(db: &Db, org_id: i64, id: i64) -> Result<PublicProposal> {
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM {FROM} WHERE {PUBLIC} AND p.id = $2"
    ))
    .bind(org_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let mut out = vec![from_row(&r)?];
    fill(db, &mut out).await?;
    out.pop().ok_or(Error::NotFound)
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<PublicProposal> {
    let key: Option<i64> = col(r, "key_at")?;
    Ok(PublicProposal {
        id: col(r, "id")?,
        session: (col(r, "term_name")?, col(r, "session_name")?),
        number: col(r, "number")?,
        category: col(r, "category")?,
        title: col(r, "title")?,
        situation: col(r, "situation")?,
        analysis: col(r, "analysis")?,
        suggestions: col(r, "suggestions")?,
        key: key.is_some(),
        proposers: Vec::new(),
        replies: Vec::new(),
    })
}

/// The proposers' names and the replies of the listed proposals, one read
/// each.
async fn fill(db: &Db, list: &mut [PublicProposal]) -> Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    let ids: Vec<Arg> = list.iter().map(|p| Arg::Int(p.id)).collect();
    let ph = placeholders(1, ids.len());
    let signers = query_with(
        &format!(
            "SELECT s.proposal_id, u.display_name FROM proposal_signers s
               JOIN users u ON u.id = s.user_id
              WHERE s.proposal_id IN ({ph}) AND s.answer IN ('initiator', 'confirmed')
              ORDER BY s.proposal_id, s.position"
        ),
        ids.clone(),
    )
    .fetch_all(db.pool())
    .await?;
    for r in &signers {
        let pid: i64 = col(r, "proposal_id")?;
        if let Some(p) = list.iter_mut().find(|p| p.id == pid) {
            p.proposers.push(col(r, "display_name")?);
        }
    }
    let replies = query_with(
        &format!(
            "SELECT r.proposal_id, r.class, r.doc_number, r.body, r.replied_at, o.name AS unit
               FROM proposal_replies r JOIN orgs o ON o.id = r.org_id
              WHERE r.proposal_id IN ({ph}) AND r.lead = 1
                AND r.round = (SELECT MAX(r2.round) FROM proposal_replies r2
                                WHERE r2.proposal_id = r.proposal_id)
              ORDER BY r.proposal_id, r.replied_at"
        ),
        ids,
    )
    .fetch_all(db.pool())
    .await?;
    for r in &replies {
        let pid: i64 = col(r, "proposal_id")?;
        if let Some(p) = list.iter_mut().find(|p| p.id == pid) {
            p.replies.push(PublicReply {
                class: col(r, "class")?,
                doc_number: col(r, "doc_number")?,
                body: col(r, "body")?,
                replied_at: col(r, "replied_at")?,
                unit: col(r, "unit")?,
            });
        }
    }
    Ok(())
}
