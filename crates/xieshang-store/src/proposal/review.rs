//! The proposal committee's review (审查立案, issue 29 point 4): accept
//! (the proposal gets the next number of its session, 第N号), not accept on
//! one of the body's grounds with a note, merge into another proposal
//! (并案), return to its initiator for revision, withdraw at the proposer's
//! request. Each is one engine transition in one transaction with what it
//! writes of its own.

use super::{lock_in, Proposal};
use crate::db::{Db, Tx};
use crate::item::{self, By, TransitionError};
use crate::{Error, Result};
use xieshang_core::item::{Action, State, PROPOSAL};
use xieshang_core::{Actor, Permission};

/// What the committee decides.
#[derive(Debug, Clone, Copy)]
pub enum Decision<'a> {
    /// Accept (立案), in a category of the body (None: the proposer's).
    Accept {
        /// Category chosen by the committee.
        category: Option<i64>,
    },
    /// Not accept (不予立案), on one of the body's grounds, with a note.
    NotAccept {
        /// The ground.
        ground: i64,
        /// Why, for the proposer.
        note: &'a str,
    },
    /// Merge into another proposal of the body (并案).
    Merge {
        /// The proposal it joins.
        into: i64,
    },
    /// Return to the initiator for revision, saying what to change.
    Return {
        /// What to change.
        note: &'a str,
    },
    /// Withdraw at the proposer's request (撤案), saying how it was asked.
    Withdraw {
        /// The request.
        note: &'a str,
    },
    /// Convert into a public-opinion report or a member's letter, saying why:
    /// the engine's typed link (`to_kind` [`ConvertTo::code`]) waits for
    /// that kind to pick it up.
    Convert {
        /// What it becomes.
        to: ConvertTo,
        /// Why, for the proposer.
        note: &'a str,
    },
}

/// What a proposal may be converted into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertTo {
    /// A public-opinion report (社情民意信息).
    OpinionReport,
    /// A member's letter (委员来信).
    Letter,
}

impl ConvertTo {
    /// The stable code (the link's `to_kind`, the form's value).
    pub fn code(self) -> &'static str {
        match self {
            ConvertTo::OpinionReport => "opinion_report",
            ConvertTo::Letter => "member_letter",
        }
    }

    /// Its name, as the timeline's note records it (the body's working
    /// language, like the grounds).
    pub fn name(self) -> &'static str {
        match self {
            ConvertTo::OpinionReport => "社情民意信息",
            ConvertTo::Letter => "委员来信",
        }
    }

    /// The value of a posted code.
    pub fn parse(code: &str) -> Option<ConvertTo> {
        match code {
            "opinion_report" => Some(ConvertTo::OpinionReport),
            "member_letter" => Some(ConvertTo::Letter),
            _ => None,
        }
    }
}

impl Decision<'_> {
    /// The engine's action.
    pub fn action(&self) -> Action {
        match self {
            Decision::Accept { .. } => Action::Accept,
            Decision::NotAccept { .. } => Action::Reject,
            Decision::Merge { .. } => Action::Merge,
            Decision::Return { .. } => Action::Return,
            Decision::Withdraw { .. } => Action::Withdraw,
            Decision::Convert { .. } => Action::Convert,
        }
    }
}

/// A note of 1 to 1,000 characters, or the field's error.
fn note(raw: &str) -> Result<&str> {
    let n = raw.trim();
    if n.is_empty()
        || n.chars().count() > 1000
        || xieshang_core::values::check_text(n, xieshang_core::values::Lines::Many).is_err()
    {
        return Err(Error::field(
            "note",
            "err.proposal.note",
            "say why, in 1 to 1,000 characters: the proposer reads it",
        ));
    }
    Ok(n)
}

/// Decides on a filed proposal. Returns its new state; an accepted one has
/// its number (read it back with [`super::get`]).
pub async fn decide(
    db: &Db,
    actor: &Actor,
    id: i64,
    decision: Decision<'_>,
) -> std::result::Result<State, TransitionError> {
    let p = super::get(db, actor, Permission::ProposalReview, id).await?;
    // What the decision names is checked before the transaction.
    let (event_note, ground) = match decision {
        Decision::Accept { category } => {
            let category = category.or(p.category_id);
            if category.is_none() {
                return Err(Error::field(
                    "category",
                    "err.proposal.category",
                    "choose one of the body's categories",
                )
                .into());
            }
            super::check_category(db, p.org_id, category).await?;
            (None, None)
        }
        Decision::NotAccept { ground, note: n } => {
            let n = note(n)?;
            let (org, list, name, hidden) = super::settings::entry_of(db, ground)
                .await
                .map_err(|_| ground_error())?;
            if org != p.org_id || list != super::settings::List::Ground || hidden {
                return Err(ground_error().into());
            }
            (Some(format!("{name}：{n}")), Some(ground))
        }
        Decision::Merge { into } => {
            let target = super::get(db, actor, Permission::ProposalReview, into)
                .await
                .ok()
                .filter(|t| {
                    t.id != p.id
                        && t.org_id == p.org_id
                        && [State::Submitted.as_str(), State::Accepted.as_str()]
                            .contains(&t.state.as_str())
                })
                .ok_or_else(|| {
                    Error::field(
                        "into",
                        "err.proposal.merge_into",
                        "merge into another filed or accepted proposal of the same body",
                    )
                })?;
            (Some(format!("#{}", target.id)), None)
        }
        Decision::Return { note: n } | Decision::Withdraw { note: n } => {
            (Some(note(n)?.to_owned()), None)
        }
        Decision::Convert { to, note: n } => (Some(format!("{}：{}", to.name(), note(n)?)), None),
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    lock_in(&mut tx, id).await?;
    let to = item::transition_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        decision.action(),
        By::User(actor),
        event_note.as_deref(),
        &[],
    )
    .await?;
    let plain_note = match decision {
        Decision::NotAccept { note: n, .. }
        | Decision::Return { note: n }
        | Decision::Withdraw { note: n }
        | Decision::Convert { note: n, .. } => Some(n.trim().to_owned()),
        _ => None,
    };
    sqlx::query(
        "UPDATE proposals SET decided_at = $1, decision_note = $2, ground_id = $3 WHERE id = $4",
    )
    .bind(now)
    .bind(plain_note)
    .bind(ground)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    match decision {
        Decision::Accept { category } => {
            number_in(&mut tx, &p, category.or(p.category_id)).await?;
        }
        Decision::Merge { into } => {
            sqlx::query("UPDATE proposals SET merged_into = $1 WHERE id = $2")
                .bind(into)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(Error::from)?;
            item::link_to_in(
                &mut tx,
                now,
                (&PROPOSAL, id),
                "merged_into",
                (&PROPOSAL, into),
                p.org_id,
                Some(actor.user_id),
            )
            .await?;
        }
        Decision::Convert { to, .. } => {
            item::link_in(
                &mut tx,
                now,
                (&PROPOSAL, id),
                "converted",
                to.code(),
                p.org_id,
                Some(actor.user_id),
            )
            .await?;
        }
        _ => {}
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(to)
}

fn ground_error() -> Error {
    Error::field(
        "ground",
        "err.proposal.ground",
        "choose one of the body's grounds for not accepting",
    )
}

/// Gives an accepted proposal the next number of its session: the session's
/// counter row is raised in the accepting transaction (so a rolled-back
/// acceptance gives its number back, and two at once wait for each other on
/// the row: the numbers are 1, 2, … without a gap or a repeat).
async fn number_in(tx: &mut Tx, p: &Proposal, category: Option<i64>) -> Result<()> {
    // Read under the row's lock: a proposal returned and filed again has the
    // session of its last filing.
    let session: Option<i64> = sqlx::query_scalar("SELECT session_id FROM proposals WHERE id = $1")
        .bind(p.id)
        .fetch_one(&mut **tx)
        .await?;
    let session = session.ok_or(Error::NotFound)?;
    let number: i64 = sqlx::query_scalar(
        "UPDATE proposal_sessions SET last_number = last_number + 1 WHERE id = $1
         RETURNING last_number",
    )
    .bind(session)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("UPDATE proposals SET number = $1, category_id = $2 WHERE id = $3")
        .bind(number)
        .bind(category)
        .bind(p.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
