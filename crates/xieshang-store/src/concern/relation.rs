//! How a user stands to a concern apart from their roles over its unit: the
//! department assigned to it, a follower (a paired member), its recorder.
//! Reads only; the concern's access check and the handlers' work both use it.

use crate::db::Db;
use crate::item;
use crate::{Error, Result};
use xieshang_core::item::CONCERN;
use xieshang_core::{Actor, OrgPath, Permission, Relation};

/// How the actor stands to the concern, apart from their roles over its unit.
pub async fn relations(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Relation>> {
    let mut out = Vec::new();
    if assigned_department(db, actor, id).await?.is_some() {
        out.push(Relation::AssignedDepartment);
    }
    if follows(db, actor, id).await? {
        out.push(Relation::Follower);
    }
    let recorder: Option<i64> =
        sqlx::query_scalar("SELECT recorded_by FROM concerns WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?
            .flatten();
    if recorder.is_some_and(|r| r == actor.user_id && actor.user_id != 0) {
        out.push(Relation::Recorder);
    }
    Ok(out)
}

/// The actor's department on the concern's current round, if they handle for one:
/// (unit id, lead).
pub async fn assigned_department(db: &Db, actor: &Actor, id: i64) -> Result<Option<(i64, bool)>> {
    let scopes = actor.scopes(Permission::ConcernHandle);
    if scopes.is_empty() {
        return Ok(None);
    }
    Ok(assignment_within(db, id, &scopes)
        .await?
        .map(|(org, lead, _)| (org, lead)))
}

/// The first active assignment (lead first) of the concern's current round whose
/// department lies inside one of `units`: (department id, lead, department path).
pub(crate) async fn assignment_within(
    db: &Db,
    id: i64,
    units: &[OrgPath],
) -> Result<Option<(i64, bool, OrgPath)>> {
    let mut rows = item::assignments(db, &CONCERN, id).await?;
    // Lead first (then by unit id, as the rows came before).
    rows.sort_by_key(|a| (!a.lead, a.org_id));
    for a in rows {
        let path = OrgPath::parse(&a.path).ok_or(Error::NotFound)?;
        if inside_any(&path, units) {
            return Ok(Some((a.org_id, a.lead, path)));
        }
    }
    Ok(None)
}

/// Whether the actor follows the concern (a paired member).
pub async fn follows(db: &Db, actor: &Actor, id: i64) -> Result<bool> {
    item::follows(db, &CONCERN, id, actor.user_id).await
}

/// Whether `path` lies inside one of the units at `paths`.
pub(crate) fn inside_any(path: &OrgPath, paths: &[OrgPath]) -> bool {
    paths.iter().any(|p| path.is_within(p))
}
