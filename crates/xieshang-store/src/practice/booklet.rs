//! The booklet (汇编成册): the city's staff pick selected practices, order
//! them into chapters, and the job queue writes the PDF ([`super::pdf`]),
//! counting its progress on the booklet's row ("3 of 12") so the booklet's
//! page can show it; the city's staff then download it.
//!
//! States: `queued` (the job waits), `generating`, `ready`, `failed` (the
//! message says why, such as no CJK font on the machine); a failed or ready
//! booklet may be generated again.

use super::{is_city, pdf};
use crate::db::{col, Db};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::practice::{Booklet as Checked, RawBooklet};
use xieshang_core::{Actor, Denied};

/// The job kind that writes a booklet.
pub const JOB: &str = "booklet";

/// A booklet as its page reads it.
#[derive(Debug, Clone)]
pub struct Booklet {
    /// Id.
    pub id: i64,
    /// Title on the cover.
    pub title: String,
    /// The body on the cover.
    pub body: String,
    /// The date on the cover, `YYYY-MM-DD`.
    pub issued_on: String,
    /// `queued`, `generating`, `ready` or `failed`.
    pub state: String,
    /// Practices written so far.
    pub done: i64,
    /// Practices in all.
    pub total: i64,
    /// Why it failed.
    pub failure: Option<String>,
    /// Size of the PDF, once ready.
    pub size: i64,
    /// Created.
    pub created_at: i64,
}

const COLS: &str = "id, title, body_name, issued_on, state, progress_done, progress_total,
    failure, COALESCE(length(pdf), 0) AS size, created_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Booklet> {
    Ok(Booklet {
        id: col(r, "id")?,
        title: col(r, "title")?,
        body: col(r, "body_name")?,
        issued_on: col(r, "issued_on")?,
        state: col(r, "state")?,
        done: col(r, "progress_done")?,
        total: col(r, "progress_total")?,
        failure: col(r, "failure")?,
        size: col::<i64>(r, "size")?,
        created_at: col(r, "created_at")?,
    })
}

fn city_of(actor: &Actor) -> Result<i64> {
    if !is_city(actor) {
        return Err(Error::Denied(Denied::Forbidden));
    }
    actor
        .grants
        .iter()
        .find(|g| g.org_path.depth() == 1)
        .map(|g| g.org_id)
        .ok_or(Error::Denied(Denied::Forbidden))
}

/// The city's staff compile a booklet from selected practices in chapters
/// and queue its generation, all in one transaction. Returns its id.
pub async fn create(db: &Db, actor: &Actor, raw: &RawBooklet<'_>) -> Result<i64> {
    create_with(db, actor, raw, true).await
}

/// [`create`], queueing the job or not (the demo writes its booklet at once,
/// so a fresh demo leaves no job due).
pub(crate) async fn create_with(
    db: &Db,
    actor: &Actor,
    raw: &RawBooklet<'_>,
    queue: bool,
) -> Result<i64> {
    let city = city_of(actor)?;
    let b = Checked::parse(raw).map_err(super::first_error)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let total: usize = b.chapters.iter().map(|(_, ids)| ids.len()).sum();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO booklets (org_id, title, body_name, issued_on, state, progress_total,
           created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $7) RETURNING id",
    )
    .bind(city)
    .bind(&b.title)
    .bind(&b.body)
    .bind(b.issued_on.format("%Y-%m-%d").to_string())
    .bind(total as i64)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (n, (title, ids)) in b.chapters.iter().enumerate() {
        let chapter: i64 = sqlx::query_scalar(
            "INSERT INTO booklet_chapters (booklet_id, position, title) VALUES ($1, $2, $3)
             RETURNING id",
        )
        .bind(id)
        .bind(n as i64)
        .bind(title)
        .fetch_one(&mut *tx)
        .await?;
        for (i, p) in ids.iter().enumerate() {
            let state: Option<String> =
                sqlx::query_scalar("SELECT state FROM practices WHERE id = $1")
                    .bind(p)
                    .fetch_optional(&mut *tx)
                    .await?;
            if state.as_deref() != Some("selected") {
                return Err(Error::field(
                    "picks",
                    "err.booklet.not_selected",
                    "only selected practices go in a booklet: take out the ones not selected",
                ));
            }
            sqlx::query(
                "INSERT INTO booklet_items (chapter_id, position, practice_id) VALUES ($1, $2, $3)",
            )
            .bind(chapter)
            .bind(i as i64)
            .bind(p)
            .execute(&mut *tx)
            .await?;
        }
    }
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "booklet.create",
            entity: "booklet",
            entity_id: id.to_string(),
            org_id: Some(city),
            before: None,
            after: Some(json!({"title": b.title, "practices": total})),
        },
    )
    .await?;
    if queue {
        crate::item::enqueue_at(
            &mut tx,
            now,
            now,
            &crate::item::Job {
                kind: JOB,
                payload: json!({ "booklet_id": id }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Queues a ready or failed booklet to be written again.
pub async fn regenerate(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    get(db, actor, id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let n = sqlx::query(
        "UPDATE booklets SET state = 'queued', progress_done = 0, failure = NULL, updated_at = $1
          WHERE id = $2 AND state IN ('ready', 'failed')",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::field(
            "state",
            "err.booklet.busy",
            "this booklet is being written already: wait until it is ready",
        ));
    }
    crate::item::enqueue_at(
        &mut tx,
        now,
        now,
        &crate::item::Job {
            kind: JOB,
            payload: json!({ "booklet_id": id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A booklet, for the city's staff.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Booklet> {
    if !is_city(actor) {
        return Err(Error::NotFound);
    }
    let r = sqlx::query(&format!("SELECT {COLS} FROM booklets WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&r)
}

/// The booklets, the latest first (at most 100), for the city's staff.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Booklet>> {
    city_of(actor)?;
    sqlx::query(&format!(
        "SELECT {COLS} FROM booklets ORDER BY id DESC LIMIT 100"
    ))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// A practice in a booklet: (id, title, district).
pub type Item = (i64, String, String);

/// A booklet's chapters and their practices: (chapter title, items).
pub async fn contents(db: &Db, id: i64) -> Result<Vec<(String, Vec<Item>)>> {
    let rows = sqlx::query(
        "SELECT c.id AS chapter, c.title AS chapter_title, p.id, p.title, o.name AS district
           FROM booklet_chapters c JOIN booklet_items i ON i.chapter_id = c.id
           JOIN practices p ON p.id = i.practice_id JOIN orgs o ON o.id = p.org_id
          WHERE c.booklet_id = $1 ORDER BY c.position, i.position",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<(i64, String, Vec<Item>)> = Vec::new();
    for r in &rows {
        let chapter: i64 = col(r, "chapter")?;
        if out.last().map(|c| c.0) != Some(chapter) {
            out.push((chapter, col(r, "chapter_title")?, Vec::new()));
        }
        if let Some(c) = out.last_mut() {
            c.2.push((col(r, "id")?, col(r, "title")?, col(r, "district")?));
        }
    }
    Ok(out.into_iter().map(|(_, t, ps)| (t, ps)).collect())
}

/// The PDF of a ready booklet, for the city's staff.
pub async fn file(db: &Db, actor: &Actor, id: i64) -> Result<(Booklet, Vec<u8>)> {
    let b = get(db, actor, id).await?;
    if b.state != "ready" {
        return Err(Error::NotFound);
    }
    let bytes: Option<Vec<u8>> = sqlx::query_scalar("SELECT pdf FROM booklets WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await?;
    Ok((b, bytes.ok_or(Error::NotFound)?))
}

async fn set_state(db: &Db, id: i64, state: &str, failure: Option<&str>) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE booklets SET state = $1, failure = $2, updated_at = $3 WHERE id = $4")
        .bind(state)
        .bind(failure)
        .bind(db.now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn set_progress(db: &Db, id: i64, done: i64) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE booklets SET progress_done = $1 WHERE id = $2")
        .bind(done)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The job: reads each practice with its photos (counting "n of total" on
/// the row as it goes), writes the PDF and keeps it. A missing font or a
/// failed writer marks the booklet failed with the reason; the job is done
/// either way (generating again is the staff's choice).
pub async fn generate(db: &Db, id: i64) -> anyhow::Result<()> {
    let row = sqlx::query("SELECT title, body_name, issued_on, state FROM booklets WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(()) };
    let state: String = col(&row, "state")?;
    if state != "queued" {
        return Ok(());
    }
    set_state(db, id, "generating", None).await?;
    let chapters = contents(db, id).await?;
    let mut book = pdf::Book {
        title: col(&row, "title")?,
        body: col(&row, "body_name")?,
        date: col(&row, "issued_on")?,
        chapters: Vec::new(),
        words: pdf::Words::default(),
    };
    let mut done = 0;
    for (title, practices) in chapters {
        let mut entries = Vec::new();
        for (pid, _, _) in practices {
            let p = super::get_unchecked(db, pid).await?;
            entries.push(pdf::Entry {
                area: area_label(&p.area).to_owned(),
                title: p.title,
                district: p.district,
                summary: p.summary,
                steps: p.steps,
                figures: p.figures.into_iter().map(|f| (f.label, f.value)).collect(),
                photos: super::photos_of(db, pid).await?,
            });
            done += 1;
            set_progress(db, id, done).await?;
        }
        book.chapters.push((title, entries));
    }
    let written = tokio::task::spawn_blocking(move || {
        let font = pdf::CjkFont::find()?;
        pdf::write(&font, &book, |_| {})
    })
    .await?;
    match written {
        Ok(bytes) => {
            let mut tx = db.begin_write().await?;
            sqlx::query(
                "UPDATE booklets SET state = 'ready', pdf = $1, failure = NULL, updated_at = $2
                  WHERE id = $3",
            )
            .bind(bytes)
            .bind(db.now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Err(why) => {
            tracing::warn!(booklet = id, %why, "booklet not written");
            set_state(db, id, "failed", Some(&why)).await?;
        }
    }
    Ok(())
}

/// The printed label of an area code (the booklet is printed in Chinese).
pub fn area_label(code: &str) -> &'static str {
    match code {
        "party_building" => "党建",
        "duty" => "履职",
        "service" => "服务管理",
        "consultation" => "协商议事",
        "supervision" => "民主监督",
        _ => "其他",
    }
}
