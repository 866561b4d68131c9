//! Residents' concerns: recording one (any channel) and reading it. Moves between
//! states go through [`crate::item::transition`] with [`CONCERN`].

use crate::db::{col, Db};
use crate::item::{self, By};
use crate::{Error, Result};
use rand::Rng;
use xieshang_core::item::{Party, CONCERN};
use xieshang_core::{Denied, OrgPath};

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
    let (party, actor) = match by {
        By::User(a) => {
            let Some(g) = a.grants.iter().find(|g| path.is_within(&g.org_path)) else {
                return Err(Error::Denied(Denied::OutOfScope));
            };
            (Party::Role(g.role), Some(a))
        }
        By::Resident => (Party::Resident, None),
        By::System => (Party::System, None),
    };
    let now = db.now_ms();
    let code = new_tracking_code();
    let row = sqlx::query(
        "INSERT INTO concerns (org_id, tracking_code, category, title, description, channel, state,
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(c.org_id)
    .bind(&code)
    .bind(c.category)
    .bind(title)
    .bind(c.description)
    .bind(c.channel)
    .bind(CONCERN.initial)
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
