//! Study and exchange (学习交流, issue 30 point 5): study materials published to
//! the members of a body or group with a due date, the members' reading
//! records (which count in the duty record), and discussion threads with
//! staff moderation.

use crate::db::Db;
use crate::Result;

/// A study material waiting for a member's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The material.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// To be read by then, unix ms.
    pub due_at: i64,
}

/// The materials published to `user_id` that they have not confirmed yet, the
/// nearest due date first, at most `limit`. One statement.
pub async fn due_for(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Due>> {
    // Built by issue 30's study work; until then there are no materials.
    let _ = (db, user_id, limit);
    Ok(Vec::new())
}
