//! Server-side sessions. The cookie holds a random token; the database holds only
//! its SHA-256, so a leaked table does not leak logins. Every process sharing the
//! database shares the sessions.

use crate::db::{col, Db, Tx};
use crate::Result;
use rand::RngCore;

fn token_hash(token: &str) -> String {
    crate::secret::sha256_hex(token)
}

/// A random 256-bit token in hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The account.
    pub user_id: i64,
    /// The CSRF token bound to this session.
    pub csrf_token: String,
    /// Whether the user must change their password before anything else.
    pub must_change_password: bool,
    /// Unread notifications, counted up to [`UNREAD_CAP`] (the menu shows
    /// "99+" beyond).
    pub unread: i64,
}

/// How far the unread notifications are counted for the menu.
pub const UNREAD_CAP: i64 = 100;

/// Starts a session; returns the cookie token.
pub async fn create(db: &Db, user_id: i64, ttl_ms: i64) -> Result<String> {
    let token = random_token();
    let now = db.now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(random_token())
    .bind(now)
    .bind(now + ttl_ms)
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The live session for a cookie token and its account's actor (grants with
/// their paths), in one statement: every signed-in request starts here.
pub async fn lookup_actor(db: &Db, token: &str) -> Result<Option<(xieshang_core::Actor, Session)>> {
    // On a reader connection: no round trip on its way back (decision 0012),
    // on the statement every signed-in page asks first.
    let query = sqlx::query(
        "SELECT s.user_id, s.csrf_token, u.must_change_password, u.username, u.display_name,
                g.role, g.org_id, o.path,
                (SELECT COUNT(*) FROM (SELECT 1 FROM notifications n
                   WHERE n.user_id = s.user_id AND n.read_at IS NULL LIMIT 100) x) AS unread
         FROM sessions s JOIN users u ON u.id = s.user_id
           LEFT JOIN grants g ON g.user_id = u.id LEFT JOIN orgs o ON o.id = g.org_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL
         ORDER BY g.id",
    )
    .bind(token_hash(token))
    .bind(db.now_ms());
    let rows = db.reader().await?.fetch_all(query).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut grants = Vec::new();
    for r in &rows {
        let role: Option<String> = col(r, "role")?;
        let path: Option<String> = col(r, "path")?;
        if let (Some(role), Some(org_path), Some(org_id)) = (
            role.as_deref().and_then(xieshang_core::Role::parse),
            path.as_deref().and_then(xieshang_core::OrgPath::parse),
            col::<Option<i64>>(r, "org_id")?,
        ) {
            grants.push(xieshang_core::Grant {
                role,
                org_id,
                org_path,
            });
        }
    }
    let user_id: i64 = col(first, "user_id")?;
    Ok(Some((
        xieshang_core::Actor {
            user_id,
            username: col(first, "username")?,
            display_name: col(first, "display_name")?,
            grants,
        },
        Session {
            user_id,
            csrf_token: col(first, "csrf_token")?,
            must_change_password: col::<i64>(first, "must_change_password")? != 0,
            unread: col(first, "unread")?,
        },
    )))
}

/// Ends one session.
pub async fn delete(db: &Db, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends every session of a user (password reset).
pub(crate) async fn delete_for_user(tx: &mut Tx, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
