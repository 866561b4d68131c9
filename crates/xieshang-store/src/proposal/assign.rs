//! Assignment of an accepted proposal (交办, issue 29 point 5): the
//! committee names a lead unit (主办) and co-handling units (会办) among the
//! body's departments; the engine keeps the assignment (round 1, with the
//! window in which a unit may object, the body's `objection_days` working days), and
//! each unit's handlers find it in their proposal queue.

use super::Proposal;
use crate::db::{col, Db};
use crate::item::{self, TransitionError};
use crate::Result;
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{State, PROPOSAL};
use xieshang_core::{Actor, Permission};

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
/// body (主办/会办; [`super::handle::assign`] also splits and reassigns).
/// The timeline's note names them, the lead first.
pub async fn assign(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    lead: i64,
    co: &[i64],
) -> std::result::Result<State, TransitionError> {
    super::handle::assign(db, cal, actor, id, super::handle::Mode::Joint, lead, co).await
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
