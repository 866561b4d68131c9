//! An area's service page: who serves a grid (or a community or street: every grid
//! inside it) and the concerns still open there.

use crate::db::{col, Db};
use crate::{Error, Result};
use xieshang_core::{Actor, OrgPath, Permission, Role};

/// An open concern of the area.
#[derive(Debug, Clone)]
pub struct OpenConcern {
    /// Id.
    pub id: i64,
    /// Tracking code.
    pub tracking_code: String,
    /// Title.
    pub title: String,
    /// State.
    pub state: String,
    /// Raised at, unix ms.
    pub created_at: i64,
    /// The unit it was raised in.
    pub unit: String,
}

/// Who serves an area and what is open there.
#[derive(Debug, Clone)]
pub struct AreaService {
    /// The unit's name.
    pub name: String,
    /// Its kind code.
    pub kind: String,
    /// Its path.
    pub path: OrgPath,
    /// Grid workers, with their grid.
    pub grid_workers: Vec<(String, String)>,
    /// Paired members, with their grid.
    pub members: Vec<(String, String)>,
    /// Open concerns, newest first (at most 100).
    pub open: Vec<OpenConcern>,
    /// How many concerns are open in all.
    pub open_total: i64,
}

/// Whether the actor may see an area's page: staff and others who view concerns
/// over it, and the people who serve it (its paired members, its grid workers).
async fn may_see(db: &Db, actor: &Actor, id: i64, path: &OrgPath) -> Result<bool> {
    if actor.check(Permission::ConcernView, path).is_ok() {
        return Ok(true);
    }
    let serves: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM grid_pairs WHERE grid_org_id = $1 AND user_id = $2)
              + (SELECT COUNT(*) FROM grants WHERE org_id = $1 AND user_id = $2 AND role = $3)",
    )
    .bind(id)
    .bind(actor.user_id)
    .bind(Role::GridWorker.code())
    .fetch_one(db.pool())
    .await?;
    Ok(serves > 0)
}

/// Whether the actor may see the service page of the unit `id`: not found
/// when it does not exist, is archived, or is not theirs to see (told
/// alike, decision 0018).
pub async fn check(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let path: String =
        sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1 AND archived_at IS NULL")
            .bind(id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(Error::NotFound)?;
    let path = OrgPath::parse(&path).ok_or(Error::NotFound)?;
    if may_see(db, actor, id, &path).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The service page of a unit, for an actor who may see it.
pub async fn service(db: &Db, actor: &Actor, id: i64) -> Result<AreaService> {
    let row =
        sqlx::query("SELECT name, kind, path FROM orgs WHERE id = $1 AND archived_at IS NULL")
            .bind(id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(Error::NotFound)?;
    let path = OrgPath::parse(&col::<String>(&row, "path")?).ok_or(Error::NotFound)?;
    if !may_see(db, actor, id, &path).await? {
        // Told exactly as a unit that does not exist (decision 0018).
        return Err(Error::NotFound);
    }
    let within = format!("{}%", path.as_str());
    let pairs = |rows: Vec<sqlx::any::AnyRow>| {
        rows.iter()
            .map(|r| Ok((col(r, "person")?, col(r, "grid")?)))
            .collect::<Result<Vec<(String, String)>>>()
    };
    let grid_workers = pairs(
        sqlx::query(
            "SELECT u.display_name AS person, o.name AS grid FROM grants g
             JOIN users u ON u.id = g.user_id JOIN orgs o ON o.id = g.org_id
             WHERE o.path LIKE $1 AND g.role = $2 AND u.disabled_at IS NULL
             ORDER BY o.path, u.display_name",
        )
        .bind(&within)
        .bind(Role::GridWorker.code())
        .fetch_all(db.pool())
        .await?,
    )?;
    let members = pairs(
        sqlx::query(
            "SELECT u.display_name AS person, o.name AS grid FROM grid_pairs p
             JOIN users u ON u.id = p.user_id JOIN orgs o ON o.id = p.grid_org_id
             WHERE o.path LIKE $1 ORDER BY o.path, u.display_name",
        )
        .bind(&within)
        .fetch_all(db.pool())
        .await?,
    )?;
    let states = crate::concern::OPEN_STATES;
    let list = (0..states.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let mut args = vec![crate::db::Arg::Text(within.clone())];
    args.extend(states.iter().map(|s| crate::db::Arg::Text((*s).into())));
    let join = db.dialect().driving_join();
    let open_total: i64 = crate::db::query_with(
        &format!(
            "SELECT COUNT(*) AS n FROM orgs o {join} concerns c ON c.org_id = o.id
             WHERE o.path LIKE $1 AND c.state IN ({list})"
        ),
        args.clone(),
    )
    .fetch_one(db.pool())
    .await
    .and_then(|r| col(&r, "n"))?;
    let open = crate::db::query_with(
        &format!(
            "SELECT c.id, c.tracking_code, c.title, c.state, c.created_at, o.name AS unit
             FROM orgs o {join} concerns c ON c.org_id = o.id
             WHERE o.path LIKE $1 AND c.state IN ({list})
             ORDER BY c.created_at DESC, c.id DESC LIMIT 100"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(OpenConcern {
            id: col(r, "id")?,
            tracking_code: col(r, "tracking_code")?,
            title: col(r, "title")?,
            state: col(r, "state")?,
            created_at: col(r, "created_at")?,
            unit: col(r, "unit")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(AreaService {
        name: col(&row, "name")?,
        kind: col(&row, "kind")?,
        path,
        grid_workers,
        members,
        open,
        open_total,
    })
}

/// The grids a person serves (paired with, or grid worker of): id and name.
pub async fn served_by(db: &Db, user_id: i64) -> Result<Vec<(i64, String)>> {
    sqlx::query(
        "SELECT o.id, o.name, o.path FROM grid_pairs p JOIN orgs o ON o.id = p.grid_org_id
         WHERE p.user_id = $1
         UNION
         SELECT o.id, o.name, o.path FROM grants g JOIN orgs o ON o.id = g.org_id
         WHERE g.user_id = $1 AND g.role = $2
         ORDER BY path",
    )
    .bind(user_id)
    .bind(Role::GridWorker.code())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
    .collect()
}
