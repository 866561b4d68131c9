//! Key proposals (重点提案, issue 29 point 8) and, in [`disclosure`], the
//! proposer's choice of disclosure with the public pages (point 9).
//!
//! The proposal committee nominates candidates among a session's accepted
//! proposals (note `nominate`); it opens a ballot over the session's
//! candidates not yet in one, with a quota (by default the body's
//! `key_share_percent` of the session's accepted proposals, rounded up) and
//! a closing time. Each leader of the body (who holds
//! [`Permission::ProposalSupervise`] over it) chooses up to the quota
//! candidates and may change the choice until the ballot closes: the choice
//! is the set of the leader's rows in `proposal_votes`, replaced in one
//! transaction that first takes the ballot's row, and keyed by (ballot,
//! leader, proposal), so a candidate counts once per leader whatever arrives
//! at once. Closing (by the committee, or by the [`BALLOT_JOB`] at the
//! closing time) counts the votes and selects the most voted up to the
//! quota; a tie is broken by the proposal's number in its session (the
//! earlier accepted first), and a candidate with no vote is never selected.
//! Each selected proposal gets `key_at` and the note `select_key`. The
//! committee then names a supervising leader (督办), whose visits (`urge`)
//! and instructions (`instruct`) go on the proposal's timeline.

pub mod disclosure;

use super::{lock_in, Proposal};
use crate::audit::{self, Entry};
use crate::db::{col, placeholders, query_with, Arg, Db, Tx};
use crate::item::{self, Job};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::item::{Action, PROPOSAL};
use xieshang_core::{Actor, Denied, OrgPath, Permission, Role};

/// The job that closes a ballot at its closing time.
pub const BALLOT_JOB: &str = "proposal_ballot_close";

/// The share of a session's accepted proposals chosen as key ones, in
/// percent, when the body has not set its own (DOMAIN.md §5: about 5%).
pub const DEFAULT_KEY_SHARE_PERCENT: i64 = 5;

/// The body's share of key proposals, in percent.
pub async fn key_share_percent(db: &Db, org_id: i64) -> Result<i64> {
    let v: Option<Option<i64>> =
        sqlx::query_scalar("SELECT key_share_percent FROM proposal_rules WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(db.pool())
            .await?;
    Ok(v.flatten().unwrap_or(DEFAULT_KEY_SHARE_PERCENT))
}

/// The range a body's share of key proposals may take, in percent.
pub const KEY_SHARE_RANGE: std::ops::RangeInclusive<i64> = 1..=50;

/// Staff or the committee set the body's share of key proposals (a whole
/// percent within [`KEY_SHARE_RANGE`]), which the next ballots' quota is
/// computed from.
pub async fn set_key_share_percent(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    percent: i64,
) -> Result<()> {
    let body = super::settings::managed_body(db, actor, org_id).await?;
    if !KEY_SHARE_RANGE.contains(&percent) {
        return Err(Error::field(
            "key_share_percent",
            "err.proposal.key_share",
            "the share of key proposals is a whole percent from 1 to 50",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let before: Option<Option<i64>> =
        sqlx::query_scalar("SELECT key_share_percent FROM proposal_rules WHERE org_id = $1")
            .bind(body.id)
            .fetch_optional(&mut *tx)
            .await?;
    if before.is_some() {
        sqlx::query(
            "UPDATE proposal_rules SET key_share_percent = $1, updated_at = $2 WHERE org_id = $3",
        )
        .bind(percent)
        .bind(now)
        .bind(body.id)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO proposal_rules (org_id, key_share_percent, updated_at) VALUES ($1, $2, $3)",
        )
        .bind(body.id)
        .bind(percent)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "proposal_rules.key_share",
            entity: "proposal_rules",
            entity_id: body.id.to_string(),
            org_id: Some(body.id),
            before: Some(json!({"key_share_percent": before.flatten()})),
            after: Some(json!({"key_share_percent": percent})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The quota a ballot gets unless the committee changes it: the share of
/// `accepted`, rounded up, at least one.
pub fn default_quota(accepted: i64, percent: i64) -> i64 {
    ((accepted * percent + 99) / 100).max(1)
}

/// Whether the actor may `permission` over the body at `path`: not seen is
/// not found (404), seen but not allowed is forbidden (403).
fn check_body(actor: &Actor, permission: Permission, path: &OrgPath) -> Result<()> {
    match actor.check(permission, path) {
        Ok(()) => Ok(()),
        Err(Denied::Forbidden) => Err(Error::Denied(Denied::Forbidden)),
        Err(_) => Err(Error::NotFound),
    }
}

/// The committee nominates an accepted proposal (it has its number, and was
/// not withdrawn or merged) as a candidate of its session's next ballot.
pub async fn nominate(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let p = super::get(db, actor, Permission::ProposalReview, id).await?;
    let (Some(session), Some(_)) = (p.session_id, p.number) else {
        return Err(not_nominable());
    };
    if ["withdrawn", "merged", "rejected"].contains(&p.state.as_str()) {
        return Err(not_nominable());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    let taken: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM proposal_candidates WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if taken > 0 {
        return Err(Error::field(
            "nominate",
            "err.proposal.nominated_already",
            "this proposal is a candidate already",
        ));
    }
    sqlx::query(
        "INSERT INTO proposal_candidates (proposal_id, session_id, nominated_by, nominated_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(session)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    item::note_by_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        Action::Nominate,
        actor,
        Role::ProposalCommittee,
        "",
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn not_nominable() -> Error {
    Error::field(
        "nominate",
        "err.proposal.not_nominable",
        "only an accepted proposal (with its number) can be a key-proposal candidate",
    )
}

/// Where a proposal stands as a key proposal.
#[derive(Debug, Clone, Default)]
pub struct KeyStatus {
    /// Nominated: in a ballot (its id) or waiting for one (None).
    pub candidate: Option<Option<i64>>,
    /// Chosen as a key proposal, when.
    pub key_at: Option<i64>,
    /// The supervising leader: (user id, name).
    pub supervisor: Option<(i64, String)>,
}

/// A proposal's key status (the caller has read the proposal).
pub async fn status(db: &Db, id: i64) -> Result<KeyStatus> {
    let r = sqlx::query(
        "SELECT p.key_at, p.supervisor_id, u.display_name AS supervisor_name,
                (SELECT COUNT(*) FROM proposal_candidates c WHERE c.proposal_id = p.id) AS nominated,
                (SELECT c.ballot_id FROM proposal_candidates c WHERE c.proposal_id = p.id)
                  AS ballot_id
           FROM proposals p LEFT JOIN users u ON u.id = p.supervisor_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let sup: Option<i64> = col(&r, "supervisor_id")?;
    let name: Option<String> = col(&r, "supervisor_name")?;
    let nominated: i64 = col(&r, "nominated")?;
    Ok(KeyStatus {
        candidate: (nominated > 0).then(|| col(&r, "ballot_id")).transpose()?,
        key_at: col(&r, "key_at")?,
        supervisor: sup.zip(name),
    })
}

/// A candidate as a ballot lists it.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The proposal.
    pub proposal_id: i64,
    /// Its number in the session.
    pub number: Option<i64>,
    /// Its title.
    pub title: String,
    /// Its category.
    pub category: Option<String>,
    /// Votes so far (counted live for the committee, kept once closed).
    pub votes: i64,
    /// Chosen by the closing.
    pub selected: bool,
    /// In the reader's own choice.
    pub mine: bool,
}

/// A ballot with its candidates.
#[derive(Debug, Clone)]
pub struct Ballot {
    /// Id.
    pub id: i64,
    /// The body.
    pub org_id: i64,
    /// The body's name.
    pub org_name: String,
    /// The session.
    pub session_id: i64,
    /// The term's and the session's names.
    pub session: (String, String),
    /// How many may be chosen (and how many each leader votes for).
    pub quota: i64,
    /// When it closes (or closed by the clock).
    pub closes_at: i64,
    /// Opened.
    pub opened_at: i64,
    /// Closed, when.
    pub closed_at: Option<i64>,
    /// How many leaders have voted.
    pub voters: i64,
    /// The candidates, by number.
    pub candidates: Vec<Candidate>,
}

/// The ballots of the bodies in which the actor may `permission` (the
/// leaders' and the committee's pages): the open ones, then the latest
/// closed, at most 20; with the candidates, their votes and the actor's own
/// choice, in four reads whatever their number.
pub async fn ballots(db: &Db, actor: &Actor, permission: Permission) -> Result<Vec<Ballot>> {
    let (cond, args) = crate::db::scope::condition(actor, permission, "o.path", 1);
    ballots_where(db, actor, &cond, args).await
}

async fn ballots_where(db: &Db, actor: &Actor, cond: &str, args: Vec<Arg>) -> Result<Vec<Ballot>> {
    let rows = query_with(
        &format!(
            "SELECT b.id, b.org_id, o.name AS org_name, b.session_id, t.name AS term_name,
                    s.name AS session_name, b.quota, b.closes_at, b.opened_at, b.closed_at,
                    (SELECT COUNT(DISTINCT v.user_id) FROM proposal_votes v
                      WHERE v.ballot_id = b.id) AS voters
               FROM proposal_ballots b JOIN orgs o ON o.id = b.org_id
               JOIN proposal_sessions s ON s.id = b.session_id
               JOIN proposal_terms t ON t.id = s.term_id
              WHERE {cond}
              ORDER BY CASE WHEN b.closed_at IS NULL THEN 0 ELSE 1 END, b.opened_at DESC, b.id DESC
              LIMIT 20"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        out.push(Ballot {
            id: col(r, "id")?,
            org_id: col(r, "org_id")?,
            org_name: col(r, "org_name")?,
            session_id: col(r, "session_id")?,
            session: (col(r, "term_name")?, col(r, "session_name")?),
            quota: col(r, "quota")?,
            closes_at: col(r, "closes_at")?,
            opened_at: col(r, "opened_at")?,
            closed_at: col(r, "closed_at")?,
            voters: col(r, "voters")?,
            candidates: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let ids: Vec<Arg> = out.iter().map(|b| Arg::Int(b.id)).collect();
    let list = placeholders(1, ids.len());
    let cands = query_with(
        &format!(
            "SELECT c.ballot_id, c.proposal_id, p.number, p.title, g.name AS category,
                    c.votes, c.selected,
                    (SELECT COUNT(*) FROM proposal_votes v
                      WHERE v.ballot_id = c.ballot_id AND v.proposal_id = c.proposal_id) AS live
               FROM proposal_candidates c JOIN proposals p ON p.id = c.proposal_id
               LEFT JOIN proposal_options g ON g.id = p.category_id
              WHERE c.ballot_id IN ({list}) ORDER BY p.number, p.id"
        ),
        ids.clone(),
    )
    .fetch_all(db.pool())
    .await?;
    let mut mine_args = ids;
    mine_args.push(Arg::Int(actor.user_id));
    let mine: Vec<(i64, i64)> = query_with(
        &format!(
            "SELECT ballot_id, proposal_id FROM proposal_votes
              WHERE ballot_id IN ({list}) AND user_id = ${}",
            mine_args.len()
        ),
        mine_args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "ballot_id")?, col(r, "proposal_id")?)))
    .collect::<Result<_>>()?;
    for r in &cands {
        let ballot: i64 = col(r, "ballot_id")?;
        let proposal_id: i64 = col(r, "proposal_id")?;
        let kept: Option<i64> = col(r, "votes")?;
        let selected: i64 = col(r, "selected")?;
        if let Some(b) = out.iter_mut().find(|b| b.id == ballot) {
            b.candidates.push(Candidate {
                proposal_id,
                number: col(r, "number")?,
                title: col(r, "title")?,
                category: col(r, "category")?,
                votes: kept.unwrap_or(col(r, "live")?),
                selected: selected != 0,
                mine: mine.contains(&(ballot, proposal_id)),
            });
        }
    }
    Ok(out)
}

/// A session with candidates not yet in a ballot (the committee's page
/// offers to open one).
#[derive(Debug, Clone)]
pub struct Nominated {
    /// The session.
    pub session_id: i64,
    /// The body's name.
    pub org_name: String,
    /// The term's and the session's names.
    pub session: (String, String),
    /// The candidates: (proposal id, number, title).
    pub candidates: Vec<(i64, Option<i64>, String)>,
    /// The session's accepted proposals.
    pub accepted: i64,
    /// The quota offered: the body's share of them, rounded up.
    pub quota: i64,
}

/// The sessions of the committee's bodies with candidates waiting for a
/// ballot (at most 500 candidates).
pub async fn nominated(db: &Db, actor: &Actor) -> Result<Vec<Nominated>> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::ProposalReview, "o.path", 1);
    let rows = query_with(
        &format!(
            "SELECT c.session_id, o.id AS org_id, o.name AS org_name, t.name AS term_name,
                    s.name AS session_name, p.id, p.number, p.title,
                    (SELECT COUNT(*) FROM proposals a
                      WHERE a.session_id = c.session_id AND a.number IS NOT NULL) AS accepted
               FROM proposal_candidates c JOIN proposals p ON p.id = c.proposal_id
               JOIN orgs o ON o.id = p.org_id
               JOIN proposal_sessions s ON s.id = c.session_id
               JOIN proposal_terms t ON t.id = s.term_id
              WHERE {cond} AND c.ballot_id IS NULL
              ORDER BY s.opens_on DESC, c.session_id, p.number LIMIT 500"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<Nominated> = Vec::new();
    let mut shares: Vec<(i64, i64)> = Vec::new();
    for r in &rows {
        let session_id: i64 = col(r, "session_id")?;
        let org_id: i64 = col(r, "org_id")?;
        let cand = (col(r, "id")?, col(r, "number")?, col(r, "title")?);
        if let Some(n) = out.iter_mut().find(|n| n.session_id == session_id) {
            n.candidates.push(cand);
            continue;
        }
        let percent = match shares.iter().find(|(o, _)| *o == org_id) {
            Some((_, p)) => *p,
            None => {
                let p = key_share_percent(db, org_id).await?;
                shares.push((org_id, p));
                p
            }
        };
        let accepted: i64 = col(r, "accepted")?;
        out.push(Nominated {
            session_id,
            org_name: col(r, "org_name")?,
            session: (col(r, "term_name")?, col(r, "session_name")?),
            candidates: vec![cand],
            accepted,
            quota: default_quota(accepted, percent),
        });
    }
    Ok(out)
}

/// The committee opens a ballot over the session's candidates not yet in
/// one: `quota` (None: the body's share of the session's accepted
/// proposals, rounded up) from 1 to the number of candidates, closing at
/// `closes_at` (later than now). Returns its id.
pub async fn open_ballot(
    db: &Db,
    actor: &Actor,
    session_id: i64,
    quota: Option<i64>,
    closes_at: i64,
) -> Result<i64> {
    let org_id: i64 = sqlx::query_scalar("SELECT org_id FROM proposal_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let body = crate::org::get_unchecked(db, org_id).await?;
    check_body(actor, Permission::ProposalReview, &body.path)?;
    let now = db.now_ms();
    if closes_at <= now {
        return Err(Error::field(
            "closes_at",
            "err.proposal.ballot_closes",
            "the ballot closes at a time still to come: choose a later day and time",
        ));
    }
    let mut tx = db.begin_write().await?;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_candidates WHERE session_id = $1 AND ballot_id IS NULL",
    )
    .bind(session_id)
    .fetch_one(&mut *tx)
    .await?;
    if waiting == 0 {
        return Err(Error::field(
            "session",
            "err.proposal.ballot_no_candidates",
            "this session has no candidates waiting: nominate accepted proposals first",
        ));
    }
    let quota = match quota {
        Some(q) => q,
        None => {
            let accepted: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM proposals WHERE session_id = $1 AND number IS NOT NULL",
            )
            .bind(session_id)
            .fetch_one(&mut *tx)
            .await?;
            default_quota(accepted, key_share_percent(db, body.id).await?)
        }
    };
    if quota < 1 || quota > waiting {
        return Err(Error::field(
            "quota",
            "err.proposal.ballot_quota",
            "the quota is a whole number from 1 to the number of candidates",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposal_ballots (org_id, session_id, quota, closes_at, opened_by, opened_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(body.id)
    .bind(session_id)
    .bind(quota)
    .bind(closes_at)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE proposal_candidates SET ballot_id = $1 WHERE session_id = $2 AND ballot_id IS NULL",
    )
    .bind(id)
    .bind(session_id)
    .execute(&mut *tx)
    .await?;
    item::enqueue_at(
        &mut tx,
        now,
        closes_at,
        &Job {
            kind: BALLOT_JOB,
            payload: json!({ "ballot_id": id }),
        },
    )
    .await?;
    // Each leader of the body is told the ballot waits for their vote.
    let leaders = crate::item::holders_over(&mut tx, Role::Leader, &body.path).await?;
    let session: Option<String> = sqlx::query_scalar(
        "SELECT t.name || s.name FROM proposal_sessions s JOIN proposal_terms t ON t.id = s.term_id
          WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_optional(&mut *tx)
    .await?;
    crate::item::notify_in(
        &mut tx,
        now,
        &leaders,
        "proposal_ballot_opened",
        "proposal_ballot",
        id,
        &session.unwrap_or_default(),
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "proposal.ballot_open",
            entity: "proposal_ballot",
            entity_id: id.to_string(),
            org_id: Some(body.id),
            before: None,
            after: Some(json!({"session": session_id, "quota": quota, "closes_at": closes_at})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The ballot's body, its quota and whether it takes votes at `now`.
async fn ballot_head(db: &Db, id: i64) -> Result<(i64, OrgPath, i64)> {
    let r = sqlx::query(
        "SELECT b.org_id, o.path, b.quota FROM proposal_ballots b JOIN orgs o ON o.id = b.org_id
          WHERE b.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let path = OrgPath::parse(&col::<String>(&r, "path")?).ok_or(Error::NotFound)?;
    Ok((col(&r, "org_id")?, path, col(&r, "quota")?))
}

fn ballot_closed() -> Error {
    Error::field(
        "ballot",
        "err.proposal.ballot_closed",
        "this ballot has closed: votes are no longer taken (the result is shown below)",
    )
}

/// A leader of the body chooses `picks` (up to the quota, among the
/// ballot's candidates) as their vote, replacing any choice made before; an
/// empty choice takes the vote back. Refused once the ballot has closed (by
/// the committee or by the clock), and for anyone who is not a leader of
/// the body.
pub async fn vote(db: &Db, actor: &Actor, ballot_id: i64, picks: &[i64]) -> Result<()> {
    let (org_id, path, quota) = ballot_head(db, ballot_id).await?;
    match actor.check(Permission::ProposalSupervise, &path) {
        Ok(()) => {}
        Err(Denied::OutOfScope) if actor.check(Permission::ProposalView, &path).is_err() => {
            return Err(Error::NotFound);
        }
        Err(_) => {
            return Err(Error::field(
                "ballot",
                "err.proposal.vote_not_leader",
                "only the body's leaders vote in its key-proposal ballot: ask one of them to vote",
            ));
        }
    }
    let mut picks = picks.to_vec();
    picks.sort_unstable();
    picks.dedup();
    if picks.len() as i64 > quota {
        return Err(Error::field(
            "picks",
            "err.proposal.vote_over_quota",
            "you chose more candidates than the ballot's quota: untick some, then vote again",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    // Takes the ballot's row: two votes at once (or a vote and the closing)
    // act one after the other on what the first left.
    let open = sqlx::query(
        "UPDATE proposal_ballots SET quota = quota
          WHERE id = $1 AND closed_at IS NULL AND closes_at > $2",
    )
    .bind(ballot_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if open == 0 {
        return Err(ballot_closed());
    }
    if !picks.is_empty() {
        let mut args = vec![Arg::Int(ballot_id)];
        args.extend(picks.iter().map(|p| Arg::Int(*p)));
        let known: i64 = query_with(
            &format!(
                "SELECT COUNT(*) AS n FROM proposal_candidates
                  WHERE ballot_id = $1 AND proposal_id IN ({})",
                placeholders(2, picks.len())
            ),
            args,
        )
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| sqlx::Row::try_get::<i64, _>(&r, "n"))?;
        if known != picks.len() as i64 {
            return Err(Error::field(
                "picks",
                "err.proposal.vote_not_candidate",
                "choose among the ballot's candidates",
            ));
        }
    }
    sqlx::query("DELETE FROM proposal_votes WHERE ballot_id = $1 AND user_id = $2")
        .bind(ballot_id)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    for p in &picks {
        sqlx::query(
            "INSERT INTO proposal_votes (ballot_id, user_id, proposal_id, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(ballot_id)
        .bind(actor.user_id)
        .bind(p)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "proposal.ballot_vote",
            entity: "proposal_ballot",
            entity_id: ballot_id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({ "picks": picks })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The committee closes a ballot before its time. Returns the proposals
/// selected, most voted first.
pub async fn close(db: &Db, actor: &Actor, ballot_id: i64) -> Result<Vec<i64>> {
    let (_, path, _) = ballot_head(db, ballot_id).await?;
    check_body(actor, Permission::ProposalReview, &path)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let selected = close_in(&mut tx, now, ballot_id, Some(actor))
        .await?
        .ok_or_else(ballot_closed)?;
    tx.commit().await?;
    Ok(selected)
}

/// The [`BALLOT_JOB`]: closes the ballot once its time has come (a ballot
/// the committee closed already is left as it is).
pub(crate) async fn close_due_in(tx: &mut Tx, now: i64, p: &serde_json::Value) -> Result<()> {
    let id = p["ballot_id"].as_i64().unwrap_or_default();
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT closes_at FROM proposal_ballots WHERE id = $1 AND closed_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    if due.is_some_and(|d| d <= now) {
        close_in(tx, now, id, None).await?;
    }
    Ok(())
}

/// Closes the ballot and selects (None: it was closed already). By the
/// committee (`by`) or by the system at the closing time.
async fn close_in(
    tx: &mut Tx,
    now: i64,
    ballot_id: i64,
    by: Option<&Actor>,
) -> Result<Option<Vec<i64>>> {
    let n = sqlx::query(
        "UPDATE proposal_ballots SET closed_at = $1, closed_by = $2
          WHERE id = $3 AND closed_at IS NULL",
    )
    .bind(now)
    .bind(by.map(|a| a.user_id))
    .bind(ballot_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    let r = sqlx::query("SELECT org_id, quota FROM proposal_ballots WHERE id = $1")
        .bind(ballot_id)
        .fetch_one(&mut **tx)
        .await?;
    let org_id: i64 = col(&r, "org_id")?;
    let quota: i64 = col(&r, "quota")?;
    // Most votes first; a tie goes to the lower number (accepted earlier).
    let tally: Vec<(i64, String, i64)> = sqlx::query(
        "SELECT c.proposal_id, p.state,
                (SELECT COUNT(*) FROM proposal_votes v
                  WHERE v.ballot_id = c.ballot_id AND v.proposal_id = c.proposal_id) AS n,
                p.number
           FROM proposal_candidates c JOIN proposals p ON p.id = c.proposal_id
          WHERE c.ballot_id = $1
          ORDER BY n DESC, p.number, c.proposal_id",
    )
    .bind(ballot_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((col(r, "proposal_id")?, col(r, "state")?, col(r, "n")?)))
    .collect::<Result<_>>()?;
    let mut selected = Vec::new();
    for (pid, state, votes) in &tally {
        let chosen = *votes > 0
            && (selected.len() as i64) < quota
            && !["withdrawn", "merged"].contains(&state.as_str());
        sqlx::query(
            "UPDATE proposal_candidates SET votes = $1, selected = $2 WHERE proposal_id = $3",
        )
        .bind(votes)
        .bind(i64::from(chosen))
        .bind(pid)
        .execute(&mut **tx)
        .await?;
        if !chosen {
            continue;
        }
        lock_in(tx, *pid).await?;
        sqlx::query("UPDATE proposals SET key_at = $1 WHERE id = $2")
            .bind(now)
            .bind(pid)
            .execute(&mut **tx)
            .await?;
        let note = format!("{votes}/{}", tally.len());
        match by {
            Some(actor) => {
                item::note_by_in(
                    tx,
                    now,
                    &PROPOSAL,
                    *pid,
                    Action::SelectKey,
                    actor,
                    Role::ProposalCommittee,
                    &note,
                    &[],
                )
                .await?
            }
            None => item::note_in(tx, now, &PROPOSAL, *pid, Action::SelectKey, Some(&note)).await?,
        }
        selected.push(*pid);
    }
    audit::record(
        tx,
        now,
        Entry {
            actor: by,
            action: "proposal.ballot_close",
            entity: "proposal_ballot",
            entity_id: ballot_id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({ "selected": selected })),
        },
    )
    .await?;
    Ok(Some(selected))
}

/// The leaders of a body (who vote and supervise): those with the leader's
/// role over it or a unit above it, by name.
pub async fn leaders_of_body(db: &Db, org_id: i64) -> Result<Vec<(i64, String)>> {
    let body = crate::org::get_unchecked(db, org_id).await?;
    let rows = sqlx::query(
        "SELECT DISTINCT u.id, u.display_name, o.path FROM grants g
           JOIN orgs o ON o.id = g.org_id JOIN users u ON u.id = g.user_id
          WHERE g.role = $1 AND u.disabled_at IS NULL ORDER BY u.display_name, u.id",
    )
    .bind(Role::Leader.code())
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<(i64, String)> = Vec::new();
    for r in &rows {
        let path = OrgPath::parse(&col::<String>(r, "path")?);
        let id: i64 = col(r, "id")?;
        if path.is_some_and(|p| body.path.is_within(&p)) && !out.iter().any(|(i, _)| *i == id) {
            out.push((id, col(r, "display_name")?));
        }
    }
    Ok(out)
}

/// The committee names the leader who supervises a key proposal (督办).
pub async fn name_supervisor(db: &Db, actor: &Actor, id: i64, leader: i64) -> Result<()> {
    let p = super::get(db, actor, Permission::ProposalReview, id).await?;
    if status(db, id).await?.key_at.is_none() {
        return Err(Error::field(
            "leader",
            "err.proposal.not_key",
            "only a key proposal gets a supervising leader: it is chosen by the leaders' ballot",
        ));
    }
    let Some((_, name)) = leaders_of_body(db, p.org_id)
        .await?
        .into_iter()
        .find(|(u, _)| *u == leader)
    else {
        return Err(Error::field(
            "leader",
            "err.proposal.supervisor",
            "choose one of the body's leaders",
        ));
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    sqlx::query("UPDATE proposals SET supervisor_id = $1 WHERE id = $2")
        .bind(leader)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "proposal.supervisor",
            entity: "proposal",
            entity_id: id.to_string(),
            org_id: Some(p.org_id),
            before: None,
            after: Some(json!({ "supervisor": leader, "name": name })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a supervising leader records on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supervision {
    /// A visit or a call urging the work on (督办).
    Urge,
    /// An instruction (批示).
    Instruct,
}

/// The supervising leader records a visit or an instruction (1 to 1,000
/// characters) on the key proposal's timeline. Another leader of the body
/// is told who supervises it.
pub async fn supervise(
    db: &Db,
    actor: &Actor,
    id: i64,
    what: Supervision,
    note: &str,
) -> Result<()> {
    let p = super::get(db, actor, Permission::ProposalSupervise, id).await?;
    let s = status(db, id).await?;
    if s.supervisor.as_ref().map(|(u, _)| *u) != Some(actor.user_id) {
        return Err(Error::field(
            "supervise_note",
            "err.proposal.not_supervisor",
            "only the leader named to supervise this key proposal records visits and instructions",
        ));
    }
    let n = note.trim();
    if n.is_empty()
        || n.chars().count() > 1000
        || xieshang_core::values::check_text(n, xieshang_core::values::Lines::Many).is_err()
    {
        return Err(Error::field(
            "supervise_note",
            "err.proposal.supervise_note",
            "say what was seen or instructed, in 1 to 1,000 characters",
        ));
    }
    let action = match what {
        Supervision::Urge => Action::Urge,
        Supervision::Instruct => Action::Instruct,
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, p.id).await?;
    item::note_by_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        action,
        actor,
        Role::Leader,
        n,
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The key proposals the actor supervises, the latest changed first (at
/// most 500).
pub async fn supervised(db: &Db, actor: &Actor) -> Result<Vec<Proposal>> {
    super::list_where(
        db,
        "p.supervisor_id = $1 AND p.key_at IS NOT NULL",
        vec![Arg::Int(actor.user_id)],
        "p.updated_at DESC",
    )
    .await
}
