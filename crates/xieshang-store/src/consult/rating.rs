//! Participants rate a consultation after it closes (issue 28, point 8): one
//! rating per participant account, which they may change; staff read the
//! counts and the comments.

use super::get;
use crate::audit::{self, Entry};
use crate::db::{col, Db};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::{Actor, Permission};

/// The ratings a participant may give, as concerns' feedback has them.
pub const RATINGS: [&str; 3] = ["satisfied", "basically_satisfied", "unsatisfied"];

/// Longest comment, in characters.
pub const COMMENT_MAX: usize = 500;

/// A participant's rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// One of [`RATINGS`].
    pub rating: String,
    /// What they added.
    pub comment: Option<String>,
    /// When given (or last changed), unix ms.
    pub at: i64,
}

/// The ratings of one consultation, for its staff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// How many gave each of [`RATINGS`], in that order.
    pub counts: [i64; 3],
    /// The comments, newest first (no names: participants speak freely).
    pub comments: Vec<(String, String)>,
}

/// A participant (by account) rates a closed consultation, or changes the
/// rating they gave.
pub async fn rate(db: &Db, actor: &Actor, id: i64, rating: &str, comment: &str) -> Result<()> {
    let c = get(db, actor, Permission::ConsultationView, id).await?;
    if !RATINGS.contains(&rating) {
        return Err(Error::field("rating", "err.rating", "choose a rating"));
    }
    let comment = comment.trim();
    if comment.chars().count() > COMMENT_MAX {
        return Err(Error::field(
            "comment",
            "err.too_long",
            "at most 500 characters",
        ));
    }
    if c.state != "closed" {
        return Err(Error::field(
            "rating",
            "err.rate_closed",
            "a consultation is rated after it closes",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let invited: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM consultation_participants WHERE consultation_id = $1 AND user_id = $2
          LIMIT 1",
    )
    .bind(id)
    .bind(actor.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    if invited.is_none() {
        return Err(Error::Denied(xieshang_core::Denied::Forbidden));
    }
    let comment = Some(comment).filter(|c| !c.is_empty());
    // One statement: two ratings by the same person at once leave one row
    // (the later), where an update-then-insert would fail the second.
    sqlx::query(
        "INSERT INTO consultation_ratings (consultation_id, user_id, rating, comment, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (consultation_id, user_id)
         DO UPDATE SET rating = excluded.rating, comment = excluded.comment,
           created_at = excluded.created_at",
    )
    .bind(id)
    .bind(actor.user_id)
    .bind(rating)
    .bind(comment)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation.rate",
            entity: "consultation",
            entity_id: id.to_string(),
            org_id: Some(c.org_id),
            before: None,
            after: Some(json!({"rating": rating})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The rating `user_id` gave, if any.
pub async fn mine(db: &Db, id: i64, user_id: i64) -> Result<Option<Rating>> {
    let row = sqlx::query(
        "SELECT rating, comment, created_at FROM consultation_ratings
          WHERE consultation_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Rating {
            rating: col(&r, "rating")?,
            comment: col(&r, "comment")?,
            at: col(&r, "created_at")?,
        })
    })
    .transpose()
}

/// The counts and comments of a consultation's ratings.
pub async fn summary(db: &Db, id: i64) -> Result<Summary> {
    let rows = sqlx::query(
        "SELECT rating, comment FROM consultation_ratings WHERE consultation_id = $1
          ORDER BY created_at DESC, id DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Summary::default();
    for r in &rows {
        let rating: String = col(r, "rating")?;
        if let Some(i) = RATINGS.iter().position(|x| *x == rating) {
            out.counts[i] += 1;
        }
        if let Some(comment) = col::<Option<String>>(r, "comment")? {
            out.comments.push((rating, comment));
        }
    }
    Ok(out)
}
