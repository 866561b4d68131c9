//! Field meetings (现场会): the city records one (date, place, title) with
//! the practices shown at it; each practice's timeline gets a note.

use super::{is_city, Row};
use crate::db::{col, Db};
use crate::item;
use crate::{Error, Result};
use xieshang_core::item::{Action, PRACTICE};
use xieshang_core::practice::Meeting as Checked;
use xieshang_core::{Actor, Denied};

/// A field meeting as its page reads it.
#[derive(Debug, Clone)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Where.
    pub place: String,
    /// When, `YYYY-MM-DD`.
    pub held_on: String,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Meeting> {
    Ok(Meeting {
        id: col(r, "id")?,
        title: col(r, "title")?,
        place: col(r, "place")?,
        held_on: col(r, "held_on")?,
    })
}

/// The city records a field meeting with the practices shown at it (each
/// must be submitted or selected). Returns its id.
pub async fn create(
    db: &Db,
    actor: &Actor,
    title: &str,
    place: &str,
    held_on: &str,
    practices: &[i64],
) -> Result<i64> {
    if !is_city(actor) {
        return Err(Error::Denied(Denied::Forbidden));
    }
    let m = Checked::parse(title, place, held_on).map_err(super::first_error)?;
    let city = actor
        .grants
        .iter()
        .find(|g| g.org_path.depth() == 1)
        .map(|g| g.org_id)
        .ok_or(Error::Denied(Denied::Forbidden))?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO practice_meetings (org_id, title, place, held_on, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(city)
    .bind(&m.title)
    .bind(&m.place)
    .bind(m.held_on.format("%Y-%m-%d").to_string())
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (i, p) in practices.iter().enumerate() {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM practices WHERE id = $1")
            .bind(p)
            .fetch_optional(&mut *tx)
            .await?;
        if !matches!(state.as_deref(), Some("submitted" | "selected")) {
            return Err(Error::field(
                "practices",
                "err.practice.meeting_practice",
                "only submitted or selected practices can be shown at a field meeting",
            ));
        }
        sqlx::query(
            "INSERT INTO practice_meeting_items (meeting_id, practice_id, position)
             VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(p)
        .bind(i as i64)
        .execute(&mut *tx)
        .await?;
        let note = format!("{} · {} · {}", m.held_on, m.place, m.title);
        item::note_in(
            &mut tx,
            now,
            &PRACTICE,
            *p,
            Action::ShowAtMeeting,
            Some(&note),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The field meetings, the latest first (at most 100), for staff.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Meeting>> {
    actor.require(xieshang_core::Permission::PracticeManage)?;
    sqlx::query(
        "SELECT id, title, place, held_on FROM practice_meetings
          ORDER BY held_on DESC, id DESC LIMIT 100",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// One field meeting and the practices shown at it, in order.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<(Meeting, Vec<Row>)> {
    actor.require(xieshang_core::Permission::PracticeManage)?;
    let m = sqlx::query("SELECT id, title, place, held_on FROM practice_meetings WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let rows = sqlx::query(
        "SELECT p.id, p.title, o.name AS district, p.area, p.state, p.updated_at
           FROM practice_meeting_items i JOIN practices p ON p.id = i.practice_id
           JOIN orgs o ON o.id = p.org_id
          WHERE i.meeting_id = $1 ORDER BY i.position",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(super::list_row)
    .collect::<Result<Vec<_>>>()?;
    Ok((from_row(&m)?, rows))
}

/// The field meetings a practice was shown at: (id, title, date).
pub async fn of_practice(db: &Db, practice: i64) -> Result<Vec<Meeting>> {
    sqlx::query(
        "SELECT m.id, m.title, m.place, m.held_on FROM practice_meeting_items i
           JOIN practice_meetings m ON m.id = i.meeting_id
          WHERE i.practice_id = $1 ORDER BY m.held_on",
    )
    .bind(practice)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}
