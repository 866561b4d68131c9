//! Residents' concerns: recording one (any channel) and reading it. Moves between
//! states go through [`crate::item::transition`] with [`CONCERN`].

use crate::db::{col, Db};
use crate::item::{self, By};
use crate::{Error, Result};
use rand::Rng;
use xieshang_core::item::CONCERN;
use xieshang_core::OrgPath;

/// What is needed to record a concern.
#[derive(Debug, Clone)]
pub struct NewConcern<'a> {
    /// The unit (usually a grid) where the problem is.
    pub org_id: i64,
    /// Category code.
    pub category: &'a str,
    /// Short title.
    pub title: &'a str,
    /// What is wrong.
    pub description: &'a str,
    /// How it came in: web, liaison, studio, grid, api.
    pub channel: &'a str,
    /// Street address, if given.
    pub address: Option<&'a str>,
    /// Coordinates (WGS84 latitude, longitude), if given.
    pub position: Option<(f64, f64)>,
}

/// A new tracking code: 10 characters without look-alikes (no 0/O, 1/I/L).
pub fn new_tracking_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Records a concern in its initial state with its first timeline event and audit
/// row, in one transaction. A user must hold a role over the unit; residents may
/// record anywhere. Returns (id, tracking code).
pub async fn record(db: &Db, by: By<'_>, c: NewConcern<'_>) -> Result<(i64, String)> {
    let title = c.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(Error::field(
            "title",
            "err.title",
            "a title has 1 to 100 characters",
        ));
    }
    let mut tx = db.begin_write().await?;
    let org = sqlx::query("SELECT path FROM orgs WHERE id = $1 AND archived_at IS NULL")
        .bind(c.org_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::field("area", "err.org_unknown", "no such unit"))?;
    let path = OrgPath::parse(&col::<String>(&org, "path")?).ok_or(Error::NotFound)?;
    let (party, actor) = by.party_over(&path)?;
    let now = db.now_ms();
    let code = new_tracking_code();
    let row = sqlx::query(
        "INSERT INTO concerns (org_id, tracking_code, category, title, description, channel, state,
           address, lat, lng, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(c.org_id)
    .bind(&code)
    .bind(c.category)
    .bind(title)
    .bind(c.description)
    .bind(c.channel)
    .bind(CONCERN.initial)
    .bind(c.address)
    .bind(c.position.map(|p| p.0))
    .bind(c.position.map(|p| p.1))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = col(&row, "id")?;
    item::record_creation(&mut tx, &CONCERN, id, c.org_id, party, actor, now).await?;
    tx.commit().await?;
    Ok((id, code))
}

/// The current state of a concern (no personal data).
pub async fn state(db: &Db, id: i64) -> Result<String> {
    let row = sqlx::query("SELECT state FROM concerns WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    Ok(col(&row, "state")?)
}

/// An area where residents may raise concerns: a street, community or grid.
#[derive(Debug, Clone)]
pub struct Area {
    /// Unit id.
    pub id: i64,
    /// Unit code (what the API takes).
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Parent's code.
    pub parent_code: Option<String>,
}

/// Every active district, street, community and grid, parents first: public, for
/// intake forms and apps. Concerns are raised in streets, communities and grids
/// ([`Area::selectable`]); districts are listed so that labels can name them.
pub async fn areas(db: &Db) -> Result<Vec<Area>> {
    let rows = sqlx::query(
        "SELECT o.id, o.code, o.name, o.kind, p.code AS parent_code FROM orgs o
         LEFT JOIN orgs p ON p.id = o.parent_id
         WHERE o.archived_at IS NULL AND o.kind IN ('district', 'street', 'community', 'grid')
         ORDER BY o.path",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Area {
                id: col(r, "id")?,
                code: col(r, "code")?,
                name: col(r, "name")?,
                kind: col(r, "kind")?,
                parent_code: col(r, "parent_code")?,
            })
        })
        .collect()
}

impl Area {
    /// Whether concerns may be raised here (streets, communities, grids).
    pub fn selectable(&self) -> bool {
        self.kind != "district"
    }
}

/// The active area with this code, if it is one where concerns may be raised.
pub async fn area_by_code(db: &Db, code: &str) -> Result<Option<Area>> {
    let row = sqlx::query(
        "SELECT o.id, o.code, o.name, o.kind, p.code AS parent_code FROM orgs o
         LEFT JOIN orgs p ON p.id = o.parent_id
         WHERE o.code = $1 AND o.archived_at IS NULL AND o.kind IN ('street', 'community', 'grid')",
    )
    .bind(code)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Area {
            id: col(&r, "id")?,
            code: col(&r, "code")?,
            name: col(&r, "name")?,
            kind: col(&r, "kind")?,
            parent_code: col(&r, "parent_code")?,
        })
    })
    .transpose()
}

/// What anyone holding the tracking code may see: what was asked and what was
/// done, never who asked.
#[derive(Debug, Clone)]
pub struct PublicStatus {
    /// Tracking code.
    pub tracking_code: String,
    /// Category code.
    pub category: String,
    /// Title.
    pub title: String,
    /// Area name.
    pub area: String,
    /// Current state.
    pub state: String,
    /// When it was raised, unix ms.
    pub created_at: i64,
    /// (action, state after, when) in order.
    pub timeline: Vec<(String, String, i64)>,
}

/// The public status of a concern by tracking code.
pub async fn public_status(db: &Db, tracking_code: &str) -> Result<PublicStatus> {
    let row = sqlx::query(
        "SELECT c.id, c.tracking_code, c.category, c.title, c.state, c.created_at, o.name AS area
         FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE c.tracking_code = $1",
    )
    .bind(tracking_code.trim().to_uppercase())
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let id: i64 = col(&row, "id")?;
    let timeline = item::timeline(db, &CONCERN, id)
        .await?
        .into_iter()
        .map(|e| (e.action, e.to_state, e.at))
        .collect();
    Ok(PublicStatus {
        tracking_code: col(&row, "tracking_code")?,
        category: col(&row, "category")?,
        title: col(&row, "title")?,
        area: col(&row, "area")?,
        state: col(&row, "state")?,
        created_at: col(&row, "created_at")?,
        timeline,
    })
}

/// A concern as staff see it in queues.
#[derive(Debug, Clone)]
pub struct Row {
    /// Id.
    pub id: i64,
    /// Tracking code.
    pub tracking_code: String,
    /// Unit id.
    pub org_id: i64,
    /// Unit name.
    pub area: String,
    /// Unit path.
    pub path: OrgPath,
    /// Category code.
    pub category: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Channel.
    pub channel: String,
    /// State.
    pub state: String,
    /// Raised at, unix ms.
    pub created_at: i64,
}

const ROW_COLS: &str =
    "c.id, c.tracking_code, c.org_id, o.name AS area, o.path, c.category, c.title, \
                        c.description, c.channel, c.state, c.created_at";

fn row_from(r: &sqlx::any::AnyRow) -> Result<Row> {
    Ok(Row {
        id: col(r, "id")?,
        tracking_code: col(r, "tracking_code")?,
        org_id: col(r, "org_id")?,
        area: col(r, "area")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
        category: col(r, "category")?,
        title: col(r, "title")?,
        description: col(r, "description")?,
        channel: col(r, "channel")?,
        state: col(r, "state")?,
        created_at: col(r, "created_at")?,
    })
}

/// Concerns in one state inside the actor's view scope, oldest first (the ones
/// waiting longest come first).
pub async fn queue(db: &Db, actor: &xieshang_core::Actor, state: &str) -> Result<Vec<Row>> {
    use xieshang_core::Permission;
    actor.require(Permission::ConcernView)?;
    let (cond, mut args) = crate::scope::condition(actor, Permission::ConcernView, "o.path", 1);
    args.push(crate::db::Arg::Text(state.to_owned()));
    let sql = format!(
        "SELECT {ROW_COLS} FROM concerns c JOIN orgs o ON o.id = c.org_id
         WHERE {cond} AND c.state = ${n} ORDER BY c.created_at, c.id LIMIT 200",
        n = args.len()
    );
    let rows = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(row_from).collect()
}

/// One concern the actor may see with `permission`.
pub async fn get(
    db: &Db,
    actor: &xieshang_core::Actor,
    permission: xieshang_core::Permission,
    id: i64,
) -> Result<Row> {
    let row = sqlx::query(&format!(
        "SELECT {ROW_COLS} FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let row = row_from(&row)?;
    actor.check(permission, &row.path)?;
    Ok(row)
}
