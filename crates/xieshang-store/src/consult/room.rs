//! Rooms a body books for its consultations (e.g. 关山街道's 多商量议事室), and
//! their bookings. Two bookings of one room never overlap: a booking is written
//! only under the room's lock ([`book_in`]), so two staff booking the same slot
//! at the same instant, even through two server processes on PostgreSQL, get
//! one booking and one refusal.

use crate::audit::{self, Entry};
use crate::db::{col, Db, Tx};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::{Actor, OrgPath, Permission};

/// A room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Id.
    pub id: i64,
    /// The unit whose room it is.
    pub org_id: i64,
    /// The unit's name.
    pub org_name: String,
    /// The unit's path (access).
    pub path: OrgPath,
    /// Name.
    pub name: String,
    /// Seats.
    pub capacity: i64,
}

/// One booking of a room, as its calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    /// The consultation it is for.
    pub consultation_id: i64,
    /// Its topic.
    pub topic: String,
    /// Its state code.
    pub state: String,
    /// Start, unix ms.
    pub starts_at: i64,
    /// End, unix ms.
    pub ends_at: i64,
}

const ROOM_COLS: &str = "r.id, r.org_id, o.name AS org_name, o.path, r.name, r.capacity";

fn room_from(r: &sqlx::any::AnyRow) -> Result<Room> {
    Ok(Room {
        id: col(r, "id")?,
        org_id: col(r, "org_id")?,
        org_name: col(r, "org_name")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
        name: col(r, "name")?,
        capacity: col(r, "capacity")?,
    })
}

/// Adds a room to a unit. The name is required (at most 60 characters) and
/// unique in the unit; the capacity is 1 to 1,000 seats.
pub async fn create(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    name: &str,
    capacity: i64,
) -> Result<Room> {
    let org = crate::org::get(db, actor, Permission::ConsultationManage, org_id).await?;
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::field("name", "err.required", "give the room a name"));
    }
    if name.chars().count() > 60 {
        return Err(Error::field(
            "name",
            "err.too_long",
            "at most 60 characters",
        ));
    }
    if !(1..=1000).contains(&capacity) {
        return Err(Error::field(
            "capacity",
            "err.room_capacity",
            "a room holds 1 to 1,000 people",
        ));
    }
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM rooms WHERE org_id = $1 AND name = $2 AND archived_at IS NULL",
    )
    .bind(org_id)
    .bind(name)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Err(Error::field(
            "name",
            "err.room_name_taken",
            "this unit already has a room of that name",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rooms (org_id, name, capacity, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(org_id)
    .bind(name)
    .bind(capacity)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "room.create",
            entity: "room",
            entity_id: id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({"name": name, "capacity": capacity})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Room {
        id,
        org_id,
        org_name: org.name,
        path: org.path,
        name: name.to_owned(),
        capacity,
    })
}

/// A room, if the actor may see the consultations of its unit.
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Room> {
    let row = sqlx::query(&format!(
        "SELECT {ROOM_COLS} FROM rooms r JOIN orgs o ON o.id = r.org_id
          WHERE r.id = $1 AND r.archived_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let room = room_from(&row)?;
    actor.check(permission, &room.path)?;
    Ok(room)
}

/// The rooms the actor may book or see, by unit and name.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Room>> {
    let (cond, args) =
        crate::db::scope::condition(actor, Permission::ConsultationView, "o.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT {ROOM_COLS} FROM rooms r JOIN orgs o ON o.id = r.org_id
              WHERE r.archived_at IS NULL AND {cond} ORDER BY o.path, r.name LIMIT 500"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(room_from)
    .collect()
}

/// The lock key of a room's bookings (PostgreSQL advisory locks; a range of
/// its own so as not to meet the product's other locks).
fn lock_key(room_id: i64) -> i64 {
    0x5253_0000_0000 + room_id
}

/// Books `room_id` for a consultation from `starts_at` to `ends_at` inside
/// the caller's write transaction, refused (as a field error on `room`) when
/// it overlaps another booking of the room. The room's lock is taken first
/// and held to the transaction's end, so the check and the insert are one
/// step for every writer. (Public for the store's tests, which hold two such
/// transactions open at once.)
pub async fn book_in(
    tx: &mut Tx,
    db: &Db,
    room_id: i64,
    consultation_id: i64,
    (starts_at, ends_at): (i64, i64),
    by: Option<i64>,
    now: i64,
) -> Result<()> {
    if let Some(lock) = db.dialect().advisory_xact_lock(lock_key(room_id)) {
        sqlx::query(&lock).execute(&mut **tx).await?;
    }
    let clash: Option<i64> = sqlx::query_scalar(
        "SELECT b.id FROM room_bookings b JOIN consultations c ON c.id = b.consultation_id
          WHERE b.room_id = $1 AND b.starts_at < $2 AND b.ends_at > $3
            AND b.consultation_id <> $4 AND c.state <> 'cancelled'
          LIMIT 1",
    )
    .bind(room_id)
    .bind(ends_at)
    .bind(starts_at)
    .bind(consultation_id)
    .fetch_optional(&mut **tx)
    .await?;
    if clash.is_some() {
        return Err(Error::field(
            "room",
            "err.room_taken",
            "the room is booked at that time: choose another time or room",
        ));
    }
    sqlx::query(
        "INSERT INTO room_bookings (room_id, consultation_id, starts_at, ends_at, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(room_id)
    .bind(consultation_id)
    .bind(starts_at)
    .bind(ends_at)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A room's bookings that overlap `[from, to)`, in time order (its calendar;
/// cancelled consultations left out).
pub async fn bookings(db: &Db, room_id: i64, from: i64, to: i64) -> Result<Vec<Booking>> {
    sqlx::query(
        "SELECT b.consultation_id, c.topic, c.state, b.starts_at, b.ends_at
           FROM room_bookings b JOIN consultations c ON c.id = b.consultation_id
          WHERE b.room_id = $1 AND b.starts_at < $2 AND b.ends_at > $3 AND c.state <> 'cancelled'
          ORDER BY b.starts_at, b.id LIMIT 1000",
    )
    .bind(room_id)
    .bind(to)
    .bind(from)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Booking {
            consultation_id: col(r, "consultation_id")?,
            topic: col(r, "topic")?,
            state: col(r, "state")?,
            starts_at: col(r, "starts_at")?,
            ends_at: col(r, "ends_at")?,
        })
    })
    .collect()
}
