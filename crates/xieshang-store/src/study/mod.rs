//! Study and exchange (学习交流, issue 30 point 5, decision record 0042):
//! study materials published by staff to the members of a body or of a
//! member group with a due date, the members' reading records (which count
//! in the duty record), and discussion threads per topic with staff
//! moderation.
//!
//! Who a material is for, and who may take part in a body's discussions, is
//! read from the roster (`members`, status `active`, with an account): a
//! body's members are its roster, a group's members those whose street
//! group it is. Staff are those holding [`Permission::StudyManage`] over
//! the audience (or the body). A material has no lifecycle (it is published
//! once and read), so it is not an item on the engine; hiding a post is the
//! one change others must be able to trace, and it is audited.

use crate::audit::{self, Entry};
use crate::db::{col, Arg, Db};
use crate::upload::{self, Checked, FileKind};
use crate::{Error, Result};
use chrono::NaiveDate;
use serde_json::json;
use xieshang_core::study as rules;
use xieshang_core::{Actor, Denied, OrgKind, OrgPath, Permission};

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

/// The audiences (bodies and groups) `user_id` belongs to on the roster, as
/// a subquery over `members` with the user bound at `$n`.
fn audiences_of(n: usize) -> String {
    format!(
        "SELECT body_id FROM members WHERE user_id = ${n} AND status = 'active'
         UNION SELECT street_group_id FROM members
          WHERE user_id = ${n} AND status = 'active' AND street_group_id IS NOT NULL"
    )
}

/// The materials published to `user_id` that they have not confirmed yet, the
/// nearest due date first, at most `limit`. One statement.
pub async fn due_for(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Due>> {
    sqlx::query(&format!(
        "SELECT m.id, m.title, m.due_at FROM study_materials m
          WHERE m.audience_id IN ({})
            AND NOT EXISTS (SELECT 1 FROM study_readings x
                 WHERE x.material_id = m.id AND x.user_id = $1 AND x.confirmed_at IS NOT NULL)
          ORDER BY m.due_at, m.id LIMIT $2",
        audiences_of(1)
    ))
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Due {
            id: col(r, "id")?,
            title: col(r, "title")?,
            due_at: col(r, "due_at")?,
        })
    })
    .collect()
}

// ---------------------------------------------------------------- materials

/// What a material's file may be: any kind [`upload`] knows, up to 20 MB
/// (the refusals read as a consultation material's do).
pub const ACCEPT: upload::Accept = upload::Accept {
    field: "file",
    kinds: &FileKind::ALL,
    max_bytes: upload::MAX_BYTES,
    type_key: "err.material_type",
    type_message:
        "a material is a PDF, a Word, Excel or PowerPoint document, or a JPEG, PNG or WebP image",
    name_key: "err.material_name",
    size_key: "err.material_size",
    size_message: "a material is at most 20 MB: compress it or split it",
    missing_key: "err.material_missing",
};

/// At most this many files on one material.
pub const FILES_MAX: usize = 5;

/// Checks one uploaded file: its size, then its content against its name.
/// (Reads a ZIP's directory: call from the parsing pool.)
pub fn check(name: &str, bytes: Vec<u8>) -> Result<Checked> {
    upload::check(name, bytes, &ACCEPT)
}

/// The refusal of a file over the cap.
pub fn too_large() -> Error {
    ACCEPT.too_large()
}

/// A study material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// Id.
    pub id: i64,
    /// The body it was published in.
    pub body_id: i64,
    /// The body or group it is for.
    pub audience_id: i64,
    /// That unit's name.
    pub audience_name: String,
    /// Its path.
    pub audience_path: OrgPath,
    /// Title.
    pub title: String,
    /// The text.
    pub text: String,
    /// Links (http or https).
    pub links: Vec<String>,
    /// To be read by then (the end of the due day, China time), unix ms.
    pub due_at: i64,
    /// Who published it.
    pub published_by: String,
    /// When.
    pub created_at: i64,
}

const COLS: &str = "m.id, m.body_id, m.audience_id, a.name AS audience_name,
    a.path AS audience_path, m.title, m.text, m.links, m.due_at,
    u.display_name AS published_by, m.created_at";
const FROM: &str = "study_materials m JOIN orgs a ON a.id = m.audience_id
    JOIN users u ON u.id = m.created_by";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Material> {
    Ok(Material {
        id: col(r, "id")?,
        body_id: col(r, "body_id")?,
        audience_id: col(r, "audience_id")?,
        audience_name: col(r, "audience_name")?,
        audience_path: OrgPath::parse(&col::<String>(r, "audience_path")?)
            .ok_or(Error::NotFound)?,
        title: col(r, "title")?,
        text: col(r, "text")?,
        links: col::<String>(r, "links")?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        due_at: col(r, "due_at")?,
        published_by: col(r, "published_by")?,
        created_at: col(r, "created_at")?,
    })
}

/// The last millisecond of a day, China time.
pub fn end_of_day_ms(day: NaiveDate) -> i64 {
    day.succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000 - 1)
        .unwrap_or(i64::MAX)
}

/// Where staff may publish: the bodies (city, district) and member groups
/// (streets) within their scope, by path.
pub async fn audiences(db: &Db, actor: &Actor) -> Result<Vec<crate::org::Org>> {
    crate::org::of_kinds(
        db,
        actor,
        Permission::StudyManage,
        &[OrgKind::City, OrgKind::District, OrgKind::Street],
    )
    .await
}

/// Staff publish a material (title, text, links one per line, due day
/// `YYYY-MM-DD`, files checked with [`check`]) to the members of a body or
/// group within their scope; audited. Returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn publish(
    db: &Db,
    actor: &Actor,
    audience_id: i64,
    title: &str,
    text: &str,
    links: &str,
    due_on: &str,
    files: &[Checked],
) -> Result<i64> {
    actor.require(Permission::StudyManage)?;
    let unknown = || {
        Error::field(
            "audience",
            "err.study.audience",
            "choose the body or member group the material is for",
        )
    };
    let audience = match crate::org::get(db, actor, Permission::StudyManage, audience_id).await {
        Ok(o) => o,
        Err(Error::NotFound | Error::Denied(_)) => return Err(unknown()),
        Err(e) => return Err(e),
    };
    let body_id = match audience.kind {
        OrgKind::City | OrgKind::District => audience.id,
        OrgKind::Street => audience.parent_id.ok_or_else(unknown)?,
        _ => return Err(unknown()),
    };
    let today = xieshang_core::calendar::cst_date(db.now_ms());
    let m = rules::Material::parse(title, text, links, due_on, today).map_err(|list| {
        let (field, e) = list.into_iter().next().unwrap_or(("title", rules::TITLE));
        Error::invalid(field, e)
    })?;
    if files.len() > FILES_MAX {
        return Err(Error::field(
            "file",
            "err.study.files",
            "a material has at most 5 files",
        ));
    }
    let now = db.now_ms();
    let due_at = end_of_day_ms(m.due_on);
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO study_materials (body_id, audience_id, title, text, links, due_at,
           created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(body_id)
    .bind(audience.id)
    .bind(&m.title)
    .bind(&m.text)
    .bind(m.links.join("\n"))
    .bind(due_at)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for f in files {
        sqlx::query(
            "INSERT INTO attachments (kind, item_id, public_token, stage, content_type, width,
               height, bytes, created_at, file_name, title)
             VALUES ('study', $1, $2, 'material', $3, 0, 0, $4, $5, $6, $6)",
        )
        .bind(id)
        .bind(crate::account::session::random_token())
        .bind(f.kind.content_type())
        .bind(f.bytes.clone())
        .bind(now)
        .bind(&f.file_name)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "study.publish",
            entity: "study_material",
            entity_id: id.to_string(),
            org_id: Some(body_id),
            before: None,
            after: Some(json!({"audience": audience.id, "title": m.title,
                "due_on": m.due_on.to_string(), "links": m.links, "files": files.len()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// How the reader stands to a material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Staff over its audience: they see who has read it.
    Staff,
    /// A member it was published to.
    Member,
}

/// Whether `user_id` is on the roster of the body or group `unit_id`.
async fn on_roster(db: &Db, user_id: i64, unit_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE user_id = $1 AND status = 'active'
            AND (body_id = $2 OR street_group_id = $2)",
    )
    .bind(user_id)
    .bind(unit_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// A material for staff over its audience and the members it was published
/// to; anyone else is told it does not exist.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<(Material, Reader)> {
    let m = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .map(|r| from_row(&r))
        .transpose()?
        .ok_or(Error::NotFound)?;
    if actor
        .check(Permission::StudyManage, &m.audience_path)
        .is_ok()
    {
        return Ok((m, Reader::Staff));
    }
    if on_roster(db, actor.user_id, m.audience_id).await? {
        return Ok((m, Reader::Member));
    }
    Err(Error::NotFound)
}

/// A member's reading of one material.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    /// First opened, unix ms.
    pub opened_at: Option<i64>,
    /// Confirmed, unix ms.
    pub confirmed_at: Option<i64>,
}

async fn reading_of(db: &Db, user_id: i64, id: i64) -> Result<Reading> {
    let r = sqlx::query(
        "SELECT opened_at, confirmed_at FROM study_readings
          WHERE material_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(match r {
        Some(r) => Reading {
            opened_at: col(&r, "opened_at")?,
            confirmed_at: col(&r, "confirmed_at")?,
        },
        None => Reading::default(),
    })
}

/// Opens a material: for a member it was published to, the first opening is
/// recorded (later ones change nothing). Returns the material, how the
/// reader stands to it, and (for a member) their reading.
pub async fn open(db: &Db, actor: &Actor, id: i64) -> Result<(Material, Reader, Reading)> {
    let (m, reader) = get(db, actor, id).await?;
    if reader == Reader::Staff {
        return Ok((m, reader, Reading::default()));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO study_readings (material_id, user_id, opened_at) VALUES ($1, $2, $3)
         ON CONFLICT (material_id, user_id) DO UPDATE
           SET opened_at = COALESCE(study_readings.opened_at, excluded.opened_at)",
    )
    .bind(id)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let reading = reading_of(db, actor.user_id, id).await?;
    Ok((m, reader, reading))
}

/// A member confirms having read a material published to them: recorded
/// once (confirming again keeps the first time). Staff who are not its
/// members may not (403).
pub async fn confirm(db: &Db, actor: &Actor, id: i64) -> Result<Reading> {
    let (_, reader) = get(db, actor, id).await?;
    if reader == Reader::Staff && !on_roster(db, actor.user_id, id_audience(db, id).await?).await? {
        return Err(Denied::Forbidden.into());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO study_readings (material_id, user_id, opened_at, confirmed_at)
         VALUES ($1, $2, $3, $3)
         ON CONFLICT (material_id, user_id) DO UPDATE
           SET opened_at = COALESCE(study_readings.opened_at, excluded.opened_at),
               confirmed_at = COALESCE(study_readings.confirmed_at, excluded.confirmed_at)",
    )
    .bind(id)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    reading_of(db, actor.user_id, id).await
}

async fn id_audience(db: &Db, id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT audience_id FROM study_materials WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await?,
    )
}

/// A material in a member's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MineRow {
    /// The material.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Due, unix ms.
    pub due_at: i64,
    /// Confirmed, unix ms.
    pub confirmed_at: Option<i64>,
}

/// A member's materials: those not confirmed first, each part the nearest
/// due first (at most 200).
pub async fn mine(db: &Db, actor: &Actor) -> Result<Vec<MineRow>> {
    sqlx::query(&format!(
        "SELECT m.id, m.title, m.due_at, x.confirmed_at FROM study_materials m
           LEFT JOIN study_readings x ON x.material_id = m.id AND x.user_id = $1
          WHERE m.audience_id IN ({})
          ORDER BY CASE WHEN x.confirmed_at IS NULL THEN 0 ELSE 1 END, m.due_at, m.id
          LIMIT 200",
        audiences_of(1)
    ))
    .bind(actor.user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(MineRow {
            id: col(r, "id")?,
            title: col(r, "title")?,
            due_at: col(r, "due_at")?,
            confirmed_at: col(r, "confirmed_at")?,
        })
    })
    .collect()
}

/// A material in staff's list, with its reading counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The material.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The body or group it is for.
    pub audience_name: String,
    /// Due, unix ms.
    pub due_at: i64,
    /// Members it is for (on the roster now).
    pub readers: i64,
    /// Of them, who confirmed.
    pub confirmed: i64,
}

/// How many materials of the bodies and groups the actor manages are not
/// due yet (the staff's home page counts them).
pub async fn published_open(db: &Db, actor: &Actor) -> Result<i64> {
    let (cond, mut args) = crate::db::scope::condition(actor, Permission::StudyManage, "a.path", 1);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM study_materials m JOIN orgs a ON a.id = m.audience_id
          WHERE {cond} AND m.due_at >= ${}",
        args.len() + 1
    );
    args.push(crate::db::Arg::Int(db.now_ms()));
    let row = crate::db::query_with(&sql, args)
        .fetch_one(db.pool())
        .await?;
    Ok(crate::db::col(&row, "n")?)
}

/// The materials published within staff's scope, the latest due first (at
/// most 200).
pub async fn published(db: &Db, actor: &Actor) -> Result<Vec<Published>> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::StudyManage, "a.path", 1);
    crate::db::query_with(
        &format!(
            "SELECT m.id, m.title, a.name AS audience_name, m.due_at,
               (SELECT COUNT(*) FROM members r WHERE r.status = 'active'
                   AND r.user_id IS NOT NULL
                   AND (r.body_id = m.audience_id OR r.street_group_id = m.audience_id))
                 AS readers,
               (SELECT COUNT(*) FROM study_readings x JOIN members r ON r.user_id = x.user_id
                 WHERE x.material_id = m.id AND x.confirmed_at IS NOT NULL
                   AND r.status = 'active'
                   AND (r.body_id = m.audience_id OR r.street_group_id = m.audience_id))
                 AS confirmed
             FROM study_materials m JOIN orgs a ON a.id = m.audience_id
            WHERE {cond} ORDER BY m.due_at DESC, m.id DESC LIMIT 200"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Published {
            id: col(r, "id")?,
            title: col(r, "title")?,
            audience_name: col(r, "audience_name")?,
            due_at: col(r, "due_at")?,
            readers: col(r, "readers")?,
            confirmed: col(r, "confirmed")?,
        })
    })
    .collect()
}

/// One line of a material's reading list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderRow {
    /// The member's account.
    pub user_id: i64,
    /// Their name on the roster.
    pub name: String,
    /// First opened.
    pub opened_at: Option<i64>,
    /// Confirmed.
    pub confirmed_at: Option<i64>,
}

/// Who a material is for and who has opened and confirmed it: staff only
/// (403 for its members, 404 for anyone else). Those not confirmed first.
pub async fn readers(db: &Db, actor: &Actor, id: i64) -> Result<Vec<ReaderRow>> {
    let (m, reader) = get(db, actor, id).await?;
    if reader != Reader::Staff {
        return Err(Denied::Forbidden.into());
    }
    sqlx::query(
        "SELECT r.user_id, r.name, x.opened_at, x.confirmed_at FROM members r
           LEFT JOIN study_readings x ON x.material_id = $1 AND x.user_id = r.user_id
          WHERE r.status = 'active' AND r.user_id IS NOT NULL
            AND (r.body_id = $2 OR r.street_group_id = $2)
          ORDER BY CASE WHEN x.confirmed_at IS NULL THEN 0 ELSE 1 END, r.code",
    )
    .bind(id)
    .bind(m.audience_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(ReaderRow {
            user_id: col(r, "user_id")?,
            name: col(r, "name")?,
            opened_at: col(r, "opened_at")?,
            confirmed_at: col(r, "confirmed_at")?,
        })
    })
    .collect()
}

/// A file of a material (no bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Id.
    pub id: i64,
    /// The file's name as sent.
    pub file_name: String,
    /// Its kind.
    pub kind: FileKind,
    /// Size in bytes.
    pub size: i64,
}

fn file_row(r: &sqlx::any::AnyRow) -> Result<File> {
    Ok(File {
        id: col(r, "id")?,
        file_name: col::<Option<String>>(r, "file_name")?.unwrap_or_default(),
        kind: FileKind::from_content_type(&col::<String>(r, "content_type")?)
            .ok_or(Error::NotFound)?,
        size: col(r, "size")?,
    })
}

/// A material's files, as attached (callers have read the material).
pub async fn files(db: &Db, id: i64) -> Result<Vec<File>> {
    sqlx::query(
        "SELECT id, file_name, content_type, length(bytes) AS size FROM attachments
          WHERE kind = 'study' AND item_id = $1 AND stage = 'material' ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(file_row)
    .collect()
}

/// One file with its bytes, for those who may read the material; another
/// material's file is not found.
pub async fn file(db: &Db, actor: &Actor, id: i64, file_id: i64) -> Result<(File, Vec<u8>)> {
    get(db, actor, id).await?;
    let r = sqlx::query(
        "SELECT id, file_name, content_type, length(bytes) AS size, bytes FROM attachments
          WHERE id = $1 AND kind = 'study' AND item_id = $2 AND stage = 'material'",
    )
    .bind(file_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    Ok((file_row(&r)?, col(&r, "bytes")?))
}

// ---------------------------------------------------------------- discussion

/// How one stands to a body's discussions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voice {
    /// Staff of the body: take part and moderate.
    Staff,
    /// A member on its roster: take part.
    Member,
}

/// How `actor` stands to the discussions of the body at `body_id`: staff
/// over it, or a member on its roster; anyone else is told it does not
/// exist.
pub async fn voice(db: &Db, actor: &Actor, body_id: i64) -> Result<(crate::org::Org, Voice)> {
    let body = crate::org::get_unchecked(db, body_id).await?;
    if !matches!(body.kind, OrgKind::City | OrgKind::District) {
        return Err(Error::NotFound);
    }
    if actor.check(Permission::StudyManage, &body.path).is_ok() {
        return Ok((body, Voice::Staff));
    }
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE user_id = $1 AND status = 'active' AND body_id = $2",
    )
    .bind(actor.user_id)
    .bind(body_id)
    .fetch_one(db.pool())
    .await?;
    if n > 0 {
        Ok((body, Voice::Member))
    } else {
        Err(Error::NotFound)
    }
}

/// The bodies whose discussions `actor` may join: those on whose roster
/// they are, and the bodies (city, district) within their staff scope.
pub async fn forums(db: &Db, actor: &Actor) -> Result<Vec<(i64, String)>> {
    let (cond, mut args) = crate::db::scope::condition(actor, Permission::StudyManage, "o.path", 1);
    let n = args.len() + 1;
    args.push(Arg::Int(actor.user_id));
    crate::db::query_with(
        &format!(
            "SELECT o.id, o.name FROM orgs o
              WHERE o.kind IN ('city', 'district') AND o.archived_at IS NULL
                AND ({cond} OR o.id IN (SELECT body_id FROM members
                      WHERE user_id = ${n} AND status = 'active'))
              ORDER BY o.path"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
    .collect()
}

/// A discussion topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// Id.
    pub id: i64,
    /// The body.
    pub body_id: i64,
    /// The body's name.
    pub body_name: String,
    /// Title.
    pub title: String,
    /// Who opened it.
    pub opened_by: String,
    /// Posts in it (hidden ones too).
    pub posts: i64,
    /// The latest post, unix ms.
    pub last_post_at: i64,
}

const TOPIC_COLS: &str = "t.id, t.body_id, o.name AS body_name, t.title,
    u.display_name AS opened_by, t.last_post_at,
    (SELECT COUNT(*) FROM study_posts p WHERE p.topic_id = t.id) AS posts";
const TOPIC_FROM: &str = "study_topics t JOIN orgs o ON o.id = t.body_id
    JOIN users u ON u.id = t.created_by";

fn topic_row(r: &sqlx::any::AnyRow) -> Result<Topic> {
    Ok(Topic {
        id: col(r, "id")?,
        body_id: col(r, "body_id")?,
        body_name: col(r, "body_name")?,
        title: col(r, "title")?,
        opened_by: col(r, "opened_by")?,
        posts: col(r, "posts")?,
        last_post_at: col(r, "last_post_at")?,
    })
}

/// The topics of the bodies whose discussions `actor` may join, the latest
/// post first (at most 200).
pub async fn topics(db: &Db, actor: &Actor) -> Result<Vec<Topic>> {
    let (cond, mut args) = crate::db::scope::condition(actor, Permission::StudyManage, "o.path", 1);
    let n = args.len() + 1;
    args.push(Arg::Int(actor.user_id));
    crate::db::query_with(
        &format!(
            "SELECT {TOPIC_COLS} FROM {TOPIC_FROM}
              WHERE {cond} OR t.body_id IN (SELECT body_id FROM members
                      WHERE user_id = ${n} AND status = 'active')
              ORDER BY t.last_post_at DESC, t.id DESC LIMIT 200"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(topic_row)
    .collect()
}

/// A member or staff of the body opens a topic with its first post;
/// returns the topic's id.
pub async fn open_topic(
    db: &Db,
    actor: &Actor,
    body_id: i64,
    title: &str,
    text: &str,
) -> Result<i64> {
    let unknown = || {
        Error::field(
            "body",
            "err.study.forum",
            "choose a body whose discussions you take part in",
        )
    };
    let body = match voice(db, actor, body_id).await {
        Ok((b, _)) => b,
        Err(Error::NotFound) => return Err(unknown()),
        Err(e) => return Err(e),
    };
    let title = title.trim();
    if title.is_empty() || title.chars().count() > rules::TITLE_MAX {
        return Err(Error::invalid("topic_title", rules::TITLE));
    }
    xieshang_core::values::check_text(title, xieshang_core::values::Lines::One)
        .map_err(|e| Error::invalid("topic_title", e))?;
    let text = rules::parse_post(text).map_err(|e| Error::invalid("text", e))?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO study_topics (body_id, title, created_by, created_at, last_post_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(body.id)
    .bind(title)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO study_posts (topic_id, user_id, text, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(actor.user_id)
    .bind(&text)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A post hidden by staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    /// Who hid it.
    pub by: String,
    /// When.
    pub at: i64,
    /// Why.
    pub reason: String,
}

/// A post as a thread shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Id.
    pub id: i64,
    /// Its author's name.
    pub author: String,
    /// The text: for members, empty once hidden (staff read the original).
    pub text: String,
    /// Written, unix ms.
    pub created_at: i64,
    /// Hidden by staff, with the reason.
    pub hidden: Option<Hidden>,
}

/// A topic and its posts in order, for the body's members and staff; a
/// hidden post's text only for staff. Also how the reader stands.
pub async fn thread(db: &Db, actor: &Actor, topic_id: i64) -> Result<(Topic, Vec<Post>, Voice)> {
    let topic = sqlx::query(&format!(
        "SELECT {TOPIC_COLS} FROM {TOPIC_FROM} WHERE t.id = $1"
    ))
    .bind(topic_id)
    .fetch_optional(db.pool())
    .await?
    .map(|r| topic_row(&r))
    .transpose()?
    .ok_or(Error::NotFound)?;
    let (_, voice) = voice(db, actor, topic.body_id).await?;
    let posts = sqlx::query(
        "SELECT p.id, u.display_name AS author, p.text, p.created_at, p.hidden_at,
                h.display_name AS hidden_by, p.hidden_reason
           FROM study_posts p JOIN users u ON u.id = p.user_id
           LEFT JOIN users h ON h.id = p.hidden_by
          WHERE p.topic_id = $1 ORDER BY p.id LIMIT 1000",
    )
    .bind(topic_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let hidden = match col::<Option<i64>>(r, "hidden_at")? {
            Some(at) => Some(Hidden {
                by: col::<Option<String>>(r, "hidden_by")?.unwrap_or_default(),
                at,
                reason: col::<Option<String>>(r, "hidden_reason")?.unwrap_or_default(),
            }),
            None => None,
        };
        let text: String = col(r, "text")?;
        Ok(Post {
            id: col(r, "id")?,
            author: col(r, "author")?,
            text: if hidden.is_some() && voice != Voice::Staff {
                String::new()
            } else {
                text
            },
            created_at: col(r, "created_at")?,
            hidden,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok((topic, posts, voice))
}

/// A member or staff of the topic's body replies. Returns the post's id.
pub async fn reply(db: &Db, actor: &Actor, topic_id: i64, text: &str) -> Result<i64> {
    let body_id: i64 = sqlx::query_scalar("SELECT body_id FROM study_topics WHERE id = $1")
        .bind(topic_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    voice(db, actor, body_id).await?;
    let text = rules::parse_post(text).map_err(|e| Error::invalid("text", e))?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO study_posts (topic_id, user_id, text, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(topic_id)
    .bind(actor.user_id)
    .bind(&text)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE study_topics SET last_post_at = $1 WHERE id = $2")
        .bind(now)
        .bind(topic_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// The topic a post is in (no permission check: callers have been refused
/// or allowed by [`hide`]).
pub async fn topic_of_post(db: &Db, post_id: i64) -> Result<i64> {
    sqlx::query_scalar("SELECT topic_id FROM study_posts WHERE id = $1")
        .bind(post_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)
}

/// Staff of the body hide a post with a reason: the text is kept (staff
/// still read it), members see that staff hid it and why; audited with the
/// original. Hiding a hidden post changes nothing. Members get 403, anyone
/// else 404. Returns the topic's id.
pub async fn hide(db: &Db, actor: &Actor, post_id: i64, reason: &str) -> Result<i64> {
    let r = sqlx::query(
        "SELECT p.topic_id, p.text, t.body_id FROM study_posts p
           JOIN study_topics t ON t.id = p.topic_id WHERE p.id = $1",
    )
    .bind(post_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let (topic_id, text, body_id): (i64, String, i64) =
        (col(&r, "topic_id")?, col(&r, "text")?, col(&r, "body_id")?);
    if voice(db, actor, body_id).await?.1 != Voice::Staff {
        return Err(Denied::Forbidden.into());
    }
    let reason = rules::parse_reason(reason).map_err(|e| Error::invalid("reason", e))?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE study_posts SET hidden_at = $1, hidden_by = $2, hidden_reason = $3
          WHERE id = $4 AND hidden_at IS NULL",
    )
    .bind(now)
    .bind(actor.user_id)
    .bind(&reason)
    .bind(post_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 1 {
        audit::record(
            &mut tx,
            now,
            Entry {
                actor: Some(actor),
                action: "study.post_hide",
                entity: "study_post",
                entity_id: post_id.to_string(),
                org_id: Some(body_id),
                before: Some(json!({"topic": topic_id, "text": text, "hidden": false})),
                after: Some(json!({"hidden": true, "reason": reason})),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(topic_id)
}

/// Confirmed readings of `user_id` in `[from_ms, to_ms)`, for the duty
/// record.
pub async fn confirmed_between(db: &Db, user_id: i64, from_ms: i64, to_ms: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM study_readings
          WHERE user_id = $1 AND confirmed_at >= $2 AND confirmed_at < $3",
    )
    .bind(user_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_one(db.pool())
    .await?)
}

// ---------------------------------------------------------------- demo and datagen

/// The sample city's study work (issue 30 point 6): one material for 阎良区's
/// members, due in two weeks, and a discussion topic opened by a member.
pub async fn demo(db: &Db, staff: &Actor, member: &Actor) -> Result<()> {
    let yanliang = crate::org::by_code_unchecked(db, "yanliang").await?;
    let due = xieshang_core::calendar::cst_date(db.now_ms()) + chrono::Duration::days(14);
    publish(
        db,
        staff,
        yanliang.id,
        "学习全国政协关于加强基层协商民主建设的有关精神",
        "请各位委员认真学习有关文件精神，结合“有事好商量”协商平台建设和本人履职实际，\
         在截止日期前完成学习并在线确认。\n学习中的体会可在专题讨论中交流。",
        "https://www.cppcc.gov.cn/",
        &due.to_string(),
        &[],
    )
    .await?;
    open_topic(
        db,
        member,
        yanliang.id,
        "老旧小区电动自行车充电安全怎么管",
        "关山街道不少老旧小区没有集中充电设施，居民飞线充电。各街道有什么好的做法？",
    )
    .await?;
    Ok(())
}

/// Reading records for a generated city (issue 30 point 6): each district
/// body's staff publish a material to the body every quarter of each year;
/// about four in five of its members open it, and most of those confirm it
/// within a few weeks. Returns the rows written.
pub async fn datagen(
    db: &Db,
    rng: &mut rand::rngs::StdRng,
    now: i64,
    years: u32,
    districts: &[crate::org::Org],
    body_members: &[Vec<i64>],
) -> Result<u64> {
    use rand::Rng;
    let mut rows = 0u64;
    for (d, district) in districts.iter().enumerate() {
        let Some(staff) = sqlx::query_scalar::<_, i64>(
            "SELECT user_id FROM grants WHERE role = 'staff' AND org_id = $1 ORDER BY id LIMIT 1",
        )
        .bind(district.id)
        .fetch_optional(db.pool())
        .await?
        else {
            continue;
        };
        let members = body_members.get(d).map(Vec::as_slice).unwrap_or(&[]);
        let mut tx = db.begin_write().await?;
        let mut readings = crate::db::Batch::new(
            "INSERT INTO study_readings (material_id, user_id, opened_at, confirmed_at)",
            4,
            &[],
        );
        for q in 0..(years.max(1) * 4) as i64 {
            // Quarters back from now; the latest is due in a month.
            let created = now - q * 91 * DAY_MS - 10 * DAY_MS;
            let due_at = created + 40 * DAY_MS;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO study_materials (body_id, audience_id, title, text, links, due_at,
                   created_by, created_at) VALUES ($1, $1, $2, $3, '', $4, $5, $6) RETURNING id",
            )
            .bind(district.id)
            .bind(format!("{}学习材料（第{}期）", district.name, q + 1))
            .bind("请委员按期学习并确认。")
            .bind(due_at)
            .bind(staff)
            .bind(created)
            .fetch_one(&mut *tx)
            .await?;
            rows += 1;
            for &m in members {
                if !rng.random_bool(0.8) {
                    continue;
                }
                let opened = created + rng.random_range(0..30) * DAY_MS + 3_600_000;
                let confirmed = (opened < now && rng.random_bool(0.85))
                    .then(|| opened + rng.random_range(0..3) * DAY_MS + 600_000)
                    .filter(|t| *t < now);
                if opened >= now {
                    continue;
                }
                readings.push(vec![
                    Some(Arg::Int(id)),
                    Some(Arg::Int(m)),
                    Some(Arg::Int(opened)),
                    confirmed.map(Arg::Int),
                ]);
                if readings.rows >= 400 {
                    rows += readings.flush(&mut tx).await?;
                }
            }
        }
        rows += readings.flush(&mut tx).await?;
        tx.commit().await?;
    }
    Ok(rows)
}

const DAY_MS: i64 = 86_400_000;
