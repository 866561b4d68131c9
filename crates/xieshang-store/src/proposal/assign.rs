//! Assignment of an accepted proposal (交办, issue 29 point 5): the
//! committee names a lead unit (主办) and co-handling units (会办) among the
//! body's departments; the engine keeps the assignment (round 1, with the
//! window in which a unit may object, [`OBJECTION_DAYS`] working days), and
//! each unit's handlers find it in their proposal queue.

use super::{lock_in, Proposal};
use crate::db::{col, Db};
use crate::item::{self, By, TransitionError, Unit};
use crate::{Error, Result};
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{Action, State, PROPOSAL};
use xieshang_core::{Actor, Permission};

/// The working days in which an assigned unit may object (DOMAIN.md §5:
/// 3–10; the body's own setting is not built yet).
pub const OBJECTION_DAYS: u32 = 5;

/// The departments of a body a proposal may be assigned to: (id, name), by
/// path.
pub async fn units_of_body(db: &Db, org_id: i64) -> Result<Vec<(i64, String)>> {
    let body = crate::org::get_unchecked(db, org_id).await?;
    let (from, to) = crate::db::scope::subtree_range(body.path.as_str());
    sqlx::query(
        "SELECT id, name FROM orgs WHERE kind = 'department' AND archived_at IS NULL
           AND path >= $1 AND path < $2 ORDER BY path",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
    .collect()
}

/// Assigns an accepted proposal to a lead unit and co-handling units of its
/// body. The timeline's note names them, the lead first.
pub async fn assign(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    lead: i64,
    co: &[i64],
) -> std::result::Result<State, TransitionError> {
    let p = super::get(db, actor, Permission::ProposalReview, id).await?;
    let units = units_of_body(db, p.org_id).await?;
    let name = |u: i64| units.iter().find(|(i, _)| *i == u).map(|(_, n)| n.clone());
    let Some(lead_name) = name(lead) else {
        return Err(Error::field(
            "lead",
            "err.proposal.unit",
            "choose the lead unit among the body's departments",
        )
        .into());
    };
    let mut co: Vec<i64> = co.iter().copied().filter(|c| *c != lead).collect();
    co.sort_unstable();
    co.dedup();
    let mut names = vec![lead_name];
    for c in &co {
        names.push(name(*c).ok_or_else(|| {
            Error::field(
                "co",
                "err.proposal.unit",
                "choose the co-handling units among the body's departments",
            )
        })?);
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    lock_in(&mut tx, id).await?;
    let to = item::transition_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        Action::Assign,
        By::User(actor),
        Some(&names.join("、")),
        &[],
    )
    .await?;
    let mut all = vec![Unit {
        org_id: lead,
        lead: true,
        part: None,
    }];
    all.extend(co.iter().map(|c| Unit {
        org_id: *c,
        lead: false,
        part: None,
    }));
    let window = cal.deadline_after(now, OBJECTION_DAYS);
    item::assign_in(&mut tx, now, &PROPOSAL, id, 1, &all, Some(window)).await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(to)
}

/// The units a proposal is assigned to now, the lead first.
pub async fn units(db: &Db, id: i64) -> Result<Vec<item::Assigned>> {
    item::assignments(db, &PROPOSAL, id).await
}

/// Whether the proposal is assigned now to a unit the actor handles
/// proposals for.
pub(crate) async fn assigned_to_actor(db: &Db, actor: &Actor, id: i64) -> Result<bool> {
    let scopes = actor.scopes(Permission::ProposalHandle);
    if scopes.is_empty() {
        return Ok(false);
    }
    Ok(units(db, id).await?.iter().any(|u| {
        xieshang_core::OrgPath::parse(&u.path)
            .is_some_and(|p| scopes.iter().any(|s| p.is_within(s)))
    }))
}

/// The proposals assigned now to the units the actor handles proposals for,
/// with whether one of those units leads, the latest assigned first.
pub async fn queue(db: &Db, actor: &Actor) -> Result<Vec<(Proposal, bool)>> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::ProposalHandle, "d.path", 1);
    let mut out = Vec::new();
    for (id, lead) in item::assigned_within(db, &PROPOSAL, &cond, args).await? {
        out.push((super::get_unchecked(db, id).await?, lead));
    }
    out.sort_by_key(|(p, _)| std::cmp::Reverse(p.updated_at));
    Ok(out)
}
