//! The best-practice library (优秀做法, issue 31 point 5, decision record
//! 0046): a district's staff write a practice (title, area of work, summary,
//! steps, figures, photos and files) and submit it; the city's staff ask for
//! changes with a note, and select it or not. Field meetings (现场会,
//! [`meeting`]) show practices; the booklet ([`booklet`]) prints selected
//! ones, written by the job queue ([`pdf`]).
//!
//! A practice is an item on the engine ([`PRACTICE`]); its unit is the
//! district. Both sides are staff, so the engine's rules say "staff" and this
//! module says which: the district's steps (write, submit, resubmit, attach)
//! are taken by staff granted at that district, the city's (ask for changes,
//! select) by staff granted at the root (the city). Selected practices are
//! the library, read by every holder of [`Permission::PracticeManage`];
//! other practices only by their district and the city. Domain refusals are
//! [`Error::Invalid`] with the field to change.

pub mod booklet;
pub mod datagen;
pub mod demo;
pub mod meeting;
pub mod pdf;

use crate::db::{col, Arg, Db, Tx};
use crate::item::{self, By, Created};
use crate::{Error, Result};
use xieshang_core::item::{Action, Party, PRACTICE};
use xieshang_core::practice::{figures_text, parse_figures, Figure, Practice, RawPractice};
use xieshang_core::{Actor, Denied, OrgPath, Permission, Role};

/// Rows on one page of a list.
pub const PAGE: i64 = 50;
/// At most this many photos and files per practice.
pub const MAX_ATTACHMENTS: i64 = 12;
/// The index token every practice's entry carries, so a library search asks
/// the index for practices alone.
const KIND_TOKEN: &str = "kindpractice";

/// A practice as its page reads it.
#[derive(Debug, Clone)]
pub struct Record {
    /// Serial number.
    pub id: i64,
    /// The district.
    pub org_id: i64,
    /// The district's name.
    pub district: String,
    /// The district's path.
    pub path: OrgPath,
    /// Who wrote it.
    pub author: String,
    /// Title.
    pub title: String,
    /// Area code.
    pub area: String,
    /// Summary.
    pub summary: String,
    /// The steps.
    pub steps: String,
    /// Key numbers.
    pub figures: Vec<Figure>,
    /// State code.
    pub state: String,
    /// The city's latest note.
    pub review_note: Option<String>,
    /// Written.
    pub created_at: i64,
    /// Last submitted.
    pub submitted_at: Option<i64>,
}

impl Record {
    /// The text as the form shows it.
    pub fn raw(&self) -> RawPractice {
        RawPractice {
            title: self.title.clone(),
            area: self.area.clone(),
            summary: self.summary.clone(),
            steps: self.steps.clone(),
            figures: figures_text(&self.figures),
        }
    }

    /// Whether the district may still change it (a draft, or sent back).
    pub fn editable(&self) -> bool {
        matches!(self.state.as_str(), "draft" | "changes_requested")
    }
}

const COLS: &str = "p.id, p.org_id, o.name AS district, o.path, u.display_name AS author,
    p.title, p.area, p.summary, p.steps, p.figures, p.state, p.review_note, p.created_at,
    p.submitted_at";
const FROM: &str = "practices p JOIN orgs o ON o.id = p.org_id JOIN users u ON u.id = p.author_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Record> {
    Ok(Record {
        id: col(r, "id")?,
        org_id: col(r, "org_id")?,
        district: col(r, "district")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
        author: col(r, "author")?,
        title: col(r, "title")?,
        area: col(r, "area")?,
        summary: col(r, "summary")?,
        steps: col(r, "steps")?,
        figures: parse_figures(&col::<String>(r, "figures")?).unwrap_or_default(),
        state: col(r, "state")?,
        review_note: col(r, "review_note")?,
        created_at: col(r, "created_at")?,
        submitted_at: col(r, "submitted_at")?,
    })
}

/// Whether the actor reviews for the city: staff granted at the root.
pub fn is_city(actor: &Actor) -> bool {
    actor
        .grants
        .iter()
        .any(|g| g.role.allows(Permission::PracticeManage) && g.org_path.depth() == 1)
}

/// The district the actor writes practices for: the unit of their first
/// grant of [`Permission::PracticeManage`] at a district (depth 2).
pub fn district_of(actor: &Actor) -> Option<(i64, &OrgPath)> {
    actor
        .grants
        .iter()
        .find(|g| g.role.allows(Permission::PracticeManage) && g.org_path.depth() == 2)
        .map(|g| (g.org_id, &g.org_path))
}

/// Whether the actor writes for the practice's district.
fn is_own(actor: &Actor, p: &Record) -> bool {
    actor.grants.iter().any(|g| {
        g.role.allows(Permission::PracticeManage) && g.org_path.depth() >= 2 && g.org_id == p.org_id
    })
}

/// Who may read the practice: its district's staff and the city's; every
/// holder of the permission once it is selected (the library). Others: not
/// found.
fn may_read(actor: &Actor, p: &Record) -> bool {
    is_city(actor)
        || is_own(actor, p)
        || (p.state == "selected" && actor.has_permission(Permission::PracticeManage))
}

pub(crate) async fn get_in(tx: &mut Tx, id: i64) -> Result<Record> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&row)
}

pub(crate) async fn get_unchecked(db: &Db, id: i64) -> Result<Record> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&row)
}

/// A practice the actor may read ([`may_read`]), or not found.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Record> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let p = from_row(&row)?;
    if may_read(actor, &p) {
        Ok(p)
    } else {
        Err(Error::NotFound)
    }
}

/// The first of a check's field errors as the store's error.
pub(crate) fn first_error(e: xieshang_core::concern::FieldErrors) -> Error {
    match e.into_iter().next() {
        Some((field, i)) => Error::invalid(field, i),
        None => Error::NotFound,
    }
}

/// The index entry's tokens: the text's, the district's, the kind's and,
/// once selected, the library's.
fn tokens(p: &Practice, figures: &str, unit: &OrgPath, selected: bool) -> String {
    let text = format!("{} {} {} {}", p.title, p.summary, p.steps, figures);
    let mut t = crate::index::entry_tokens(&text, unit);
    t.push(' ');
    t.push_str(KIND_TOKEN);
    if selected {
        t.push_str(" librarypractice");
    }
    t
}

async fn reindex_in(tx: &mut Tx, db: &Db, id: i64) -> Result<()> {
    let p = get_in(tx, id).await?;
    let practice = Practice::parse(&p.raw()).map_err(first_error)?;
    let t = tokens(
        &practice,
        &figures_text(&p.figures),
        &p.path,
        p.state == "selected",
    );
    crate::index::index_tokens_in(tx, db.dialect(), PRACTICE.kind, id, t).await
}

/// Inserts a practice in a district, its first timeline event and its index
/// entry, inside the caller's transaction (the demo and the form share it).
pub(crate) async fn insert_in(
    tx: &mut Tx,
    db: &Db,
    now: i64,
    org_id: i64,
    author: (i64, Option<&Actor>),
    p: &Practice,
) -> Result<i64> {
    let figures = figures_text(&p.figures);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO practices (org_id, author_id, title, area, summary, steps, figures, state,
           created_at, updated_at, public_timeline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
    )
    .bind(org_id)
    .bind(author.0)
    .bind(&p.title)
    .bind(p.area)
    .bind(&p.summary)
    .bind(&p.steps)
    .bind(&figures)
    .bind(PRACTICE.initial.as_str())
    .bind(now)
    .bind(item::first_trail(&PRACTICE, now))
    .fetch_one(&mut **tx)
    .await?;
    item::record_creations(
        tx,
        &PRACTICE,
        &[Created {
            item_id: id,
            org_id,
            party: Party::Role(Role::Staff),
            actor: author.1,
        }],
        now,
    )
    .await?;
    let path: String = sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_one(&mut **tx)
        .await?;
    let unit = OrgPath::parse(&path).ok_or(Error::NotFound)?;
    crate::index::index_tokens_in(
        tx,
        db.dialect(),
        PRACTICE.kind,
        id,
        tokens(p, &figures, &unit, false),
    )
    .await?;
    Ok(id)
}

fn not_district() -> Error {
    Error::field(
        "title",
        "err.practice.district_only",
        "practices are written by a district's staff: sign in with your district's account",
    )
}

/// A district's staff write a practice (a draft of their district).
/// Returns its number.
pub async fn create(db: &Db, actor: &Actor, raw: &RawPractice) -> Result<i64> {
    actor.require(Permission::PracticeManage)?;
    let (org_id, _) = district_of(actor).ok_or_else(not_district)?;
    let p = Practice::parse(raw).map_err(first_error)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id = insert_in(&mut tx, db, now, org_id, (actor.user_id, Some(actor)), &p).await?;
    tx.commit().await?;
    Ok(id)
}

/// The district's staff change their practice while it is a draft or sent
/// back (audited; the index follows).
pub async fn update(db: &Db, actor: &Actor, id: i64, raw: &RawPractice) -> Result<()> {
    let p = get(db, actor, id).await?;
    if !is_own(actor, &p) {
        return Err(Error::Denied(Denied::Forbidden));
    }
    if !p.editable() {
        return Err(Error::field(
            "state",
            "err.practice.locked",
            "this practice is with the city: it can be changed only when the city asks for changes",
        ));
    }
    let new = Practice::parse(raw).map_err(first_error)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE practices SET title = $1, area = $2, summary = $3, steps = $4, figures = $5,
           updated_at = $6 WHERE id = $7",
    )
    .bind(&new.title)
    .bind(new.area)
    .bind(&new.summary)
    .bind(&new.steps)
    .bind(figures_text(&new.figures))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "practice.edit",
            entity: PRACTICE.kind,
            entity_id: id.to_string(),
            org_id: Some(p.org_id),
            before: Some(serde_json::json!({"title": p.title})),
            after: Some(serde_json::json!({"title": new.title})),
        },
    )
    .await?;
    reindex_in(&mut tx, db, id).await?;
    tx.commit().await?;
    Ok(())
}

/// The district's staff submit their practice (a draft) or send it again
/// (after the city asked for changes).
pub async fn submit(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let p = get(db, actor, id).await?;
    if !is_own(actor, &p) {
        return Err(Error::Denied(Denied::Forbidden));
    }
    let action = match p.state.as_str() {
        "changes_requested" => Action::Resubmit,
        _ => Action::File,
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    item::transition_in(
        &mut tx,
        now,
        &PRACTICE,
        id,
        action,
        By::User(actor),
        None,
        &[],
    )
    .await
    .map_err(item::TransitionError::into_store)?;
    sqlx::query("UPDATE practices SET submitted_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What the city decides on a submitted practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Send it back with a note saying what to change.
    RequestChanges,
    /// Select it for the library.
    Select,
    /// Do not select it.
    NotSelect,
}

impl Review {
    /// The review of a form's code.
    pub fn parse(code: &str) -> Option<Review> {
        match code {
            "request_changes" => Some(Review::RequestChanges),
            "select" => Some(Review::Select),
            "not_select" => Some(Review::NotSelect),
            _ => None,
        }
    }

    fn action(self) -> Action {
        match self {
            Review::RequestChanges => Action::RequestChanges,
            Review::Select => Action::Select,
            Review::NotSelect => Action::NotSelect,
        }
    }
}

/// The city's staff review a submitted practice: a change request needs
/// its note; a selected practice joins the library's index.
pub async fn review(
    db: &Db,
    actor: &Actor,
    id: i64,
    review: Option<Review>,
    note: &str,
) -> Result<()> {
    get(db, actor, id).await?;
    if !is_city(actor) {
        return Err(Error::Denied(Denied::Forbidden));
    }
    let review = review.ok_or(Error::field(
        "decision",
        "err.practice.decision",
        "choose: ask for changes, select, or not select",
    ))?;
    let note = if review == Review::RequestChanges {
        Some(xieshang_core::practice::change_note(note).map_err(|e| Error::invalid("note", e))?)
    } else {
        let t = note.trim();
        if t.chars().count() > xieshang_core::practice::NOTE_MAX {
            return Err(Error::invalid("note", xieshang_core::practice::NOTE));
        }
        (!t.is_empty()).then(|| t.to_owned())
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    item::transition_in(
        &mut tx,
        now,
        &PRACTICE,
        id,
        review.action(),
        By::User(actor),
        note.as_deref(),
        &[],
    )
    .await
    .map_err(item::TransitionError::into_store)?;
    let decided = (review != Review::RequestChanges).then_some(now);
    sqlx::query(
        "UPDATE practices SET review_note = $1, decided_at = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(&note)
    .bind(decided)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if review == Review::Select {
        reindex_in(&mut tx, db, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One line of a list of practices.
#[derive(Debug, Clone)]
pub struct Row {
    /// Serial number.
    pub id: i64,
    /// Title.
    pub title: String,
    /// The district's name.
    pub district: String,
    /// Area code.
    pub area: String,
    /// State code.
    pub state: String,
    /// Last changed.
    pub updated_at: i64,
}

const ROW_COLS: &str = "p.id, p.title, o.name AS district, p.area, p.state, p.updated_at";

fn list_row(r: &sqlx::any::AnyRow) -> Result<Row> {
    Ok(Row {
        id: col(r, "id")?,
        title: col(r, "title")?,
        district: col(r, "district")?,
        area: col(r, "area")?,
        state: col(r, "state")?,
        updated_at: col(r, "updated_at")?,
    })
}

/// A page of rows (from 0) and whether another follows.
pub type Paged = (Vec<Row>, bool);

async fn paged(db: &Db, sql: &str, args: Vec<Arg>, page: i64) -> Result<Paged> {
    let offset = page.max(0) * PAGE;
    let sql = format!("{sql} LIMIT {} OFFSET {offset}", PAGE + 1);
    let mut rows: Vec<Row> = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(list_row)
        .collect::<Result<_>>()?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok((rows, more))
}

/// The city's review list: practices in `state` (`submitted` by default),
/// the newest first, one page (by the (state, id) index).
pub async fn review_list(db: &Db, actor: &Actor, state: &str, page: i64) -> Result<Paged> {
    if !is_city(actor) {
        return Err(Error::Denied(Denied::Forbidden));
    }
    paged(
        db,
        &format!(
            "SELECT {ROW_COLS} FROM practices p JOIN orgs o ON o.id = p.org_id
              WHERE p.state = $1 ORDER BY p.id DESC"
        ),
        vec![Arg::Text(state.to_owned())],
        page,
    )
    .await
}

/// How many practices wait for the city (submitted): the city staff's home
/// counts them; 0 for anyone else.
pub async fn waiting(db: &Db, actor: &Actor) -> Result<i64> {
    if !is_city(actor) {
        return Ok(0);
    }
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM practices WHERE state = 'submitted'")
            .fetch_one(db.pool())
            .await?,
    )
}

/// The district's own practices, every state, the newest first, one page
/// (by the (org_id, id) index).
pub async fn mine(db: &Db, actor: &Actor, page: i64) -> Result<Paged> {
    let Some((org_id, _)) = district_of(actor) else {
        return Ok((Vec::new(), false));
    };
    paged(
        db,
        &format!(
            "SELECT {ROW_COLS} FROM practices p JOIN orgs o ON o.id = p.org_id
              WHERE p.org_id = $1 ORDER BY p.id DESC"
        ),
        vec![Arg::Int(org_id)],
        page,
    )
    .await
}

/// The library: selected practices, the newest first, or those matching
/// every term of `q` (the text module's index), optionally of one area;
/// one page.
pub async fn library(db: &Db, actor: &Actor, q: &str, area: &str, page: i64) -> Result<Paged> {
    actor.require(Permission::PracticeManage)?;
    let terms = xieshang_text::query_terms(q);
    if terms.len() > 32 {
        return Err(Error::field("q", "err.query_long", "at most 32 words"));
    }
    let mut args = Vec::new();
    let mut conds = vec!["p.state = 'selected'".to_owned()];
    if !terms.is_empty() {
        let dialect = db.dialect();
        let syntax = dialect.fts_syntax();
        let expr = format!(
            "{}{}{}",
            crate::index::match_expr(dialect, &terms, &[]),
            syntax.and,
            (syntax.quote)("librarypractice")
        );
        args.push(Arg::Text(expr));
        args.push(Arg::Text(PRACTICE.kind.to_owned()));
        conds.push(format!("p.id IN ({})", dialect.fts_kind_items()));
    }
    if xieshang_core::practice::AREAS.contains(&area) {
        args.push(Arg::Text(area.to_owned()));
        conds.push(format!("p.area = ${}", args.len()));
    }
    // Task "perf": the page's ids first (the search's matches narrowed to
    // selected ones through the (state, id) index, ids only), then the rows
    // of that page alone. Selecting the rows with the match made PostgreSQL
    // join and sort every match of a common word (441 for 协商 in a
    // generated city) with its columns to keep 51: EXPLAIN ANALYZE 10.4 ms of
    // execution against 2.2 ms.
    let offset = page.max(0) * PAGE;
    let sql = format!(
        "SELECT {ROW_COLS} FROM practices p JOIN orgs o ON o.id = p.org_id
          WHERE p.id IN (SELECT p.id FROM practices p WHERE {}
                          ORDER BY p.id DESC LIMIT {} OFFSET {offset})
          ORDER BY p.id DESC",
        conds.join(" AND "),
        PAGE + 1
    );
    let mut rows: Vec<Row> = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(list_row)
        .collect::<Result<_>>()?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok((rows, more))
}

/// Selected practices the city may put in a booklet or show at a meeting,
/// the newest first (at most 500).
pub async fn selected(db: &Db, actor: &Actor) -> Result<Vec<Row>> {
    if !is_city(actor) {
        return Err(Error::Denied(Denied::Forbidden));
    }
    sqlx::query(&format!(
        "SELECT {ROW_COLS} FROM practices p JOIN orgs o ON o.id = p.org_id
          WHERE p.state = 'selected' ORDER BY p.id DESC LIMIT 500"
    ))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(list_row)
    .collect()
}

/// The practice's timeline (the engine's).
pub async fn timeline(db: &Db, id: i64) -> Result<Vec<item::Event>> {
    item::timeline(db, &PRACTICE, id).await
}

/// A photo or file of a practice, as its page lists it.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Id.
    pub id: i64,
    /// `photo` or `file`.
    pub stage: String,
    /// The file's name as sent (photos: none).
    pub file_name: String,
    /// Content type.
    pub content_type: String,
}

/// The practice's photos and files, in the order sent.
pub async fn attachments(db: &Db, id: i64) -> Result<Vec<Attachment>> {
    sqlx::query(
        "SELECT id, stage, file_name, content_type FROM attachments
          WHERE kind = 'practice' AND item_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Attachment {
            id: col(r, "id")?,
            stage: col(r, "stage")?,
            file_name: col::<Option<String>>(r, "file_name")?.unwrap_or_default(),
            content_type: col(r, "content_type")?,
        })
    })
    .collect()
}

/// One photo's or file's bytes, for a reader of the practice.
pub async fn attachment(
    db: &Db,
    actor: &Actor,
    id: i64,
    attachment: i64,
) -> Result<(Attachment, Vec<u8>)> {
    get(db, actor, id).await?;
    let r = sqlx::query(
        "SELECT id, stage, file_name, content_type, bytes FROM attachments
          WHERE kind = 'practice' AND item_id = $1 AND id = $2",
    )
    .bind(id)
    .bind(attachment)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    Ok((
        Attachment {
            id: col(&r, "id")?,
            stage: col(&r, "stage")?,
            file_name: col::<Option<String>>(&r, "file_name")?.unwrap_or_default(),
            content_type: col(&r, "content_type")?,
        },
        col(&r, "bytes")?,
    ))
}

/// What the district attaches: a photo (re-encoded as JPEG by the concern
/// photo machinery) or a file (checked by content, as consultation
/// materials are).
#[derive(Debug)]
pub enum Upload {
    /// A photo.
    Photo(crate::concern::photo::Photo),
    /// A PDF or Office document.
    File(crate::consult::material::Checked),
}

/// Judges an upload by its content: an image becomes a photo, anything else
/// must be a document a material may be. (Decodes images: call from a
/// blocking thread.)
pub fn check_upload(name: &str, bytes: Vec<u8>) -> Result<Upload> {
    let image = matches!(
        image::guess_format(&bytes),
        Ok(image::ImageFormat::Jpeg | image::ImageFormat::Png | image::ImageFormat::WebP)
    );
    if image {
        if bytes.len() > crate::upload::MAX_BYTES {
            return Err(crate::consult::material::too_large());
        }
        return crate::concern::photo::process(&bytes)
            .map(Upload::Photo)
            .map_err(|_| {
                Error::field(
                    "file",
                    "err.practice.photo",
                    "this photo could not be read: send a JPEG, PNG or WebP image",
                )
            });
    }
    crate::consult::material::check(name, bytes).map(Upload::File)
}

/// The district attaches a photo or file while it may change the practice,
/// at most [`MAX_ATTACHMENTS`].
pub async fn attach(db: &Db, actor: &Actor, id: i64, upload: &Upload) -> Result<()> {
    let p = get(db, actor, id).await?;
    if !is_own(actor, &p) {
        return Err(Error::Denied(Denied::Forbidden));
    }
    if !p.editable() {
        return Err(Error::field(
            "file",
            "err.practice.locked",
            "this practice is with the city: it can be changed only when the city asks for changes",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments WHERE kind = 'practice' AND item_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if n >= MAX_ATTACHMENTS {
        return Err(Error::field(
            "file",
            "err.practice.full",
            "a practice has at most 12 photos and files: remove one first",
        ));
    }
    attach_in(&mut tx, now, id, upload).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn attach_in(tx: &mut Tx, now: i64, id: i64, upload: &Upload) -> Result<()> {
    match upload {
        Upload::Photo(p) => {
            crate::concern::photo::attach(
                tx,
                now,
                PRACTICE.kind,
                id,
                "photo",
                std::slice::from_ref(p),
            )
            .await
        }
        Upload::File(f) => {
            let token = crate::account::session::random_token();
            sqlx::query(
                "INSERT INTO attachments (kind, item_id, public_token, stage, content_type, width,
                   height, bytes, created_at, file_name)
                 VALUES ('practice', $1, $2, 'file', $3, 0, 0, $4, $5, $6)",
            )
            .bind(id)
            .bind(&token)
            .bind(f.kind.content_type())
            .bind(f.bytes.clone())
            .bind(now)
            .bind(&f.file_name)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }
    }
}

/// The JPEG photos of practices, in order, for the booklet: (practice id,
/// bytes, width, height).
pub(crate) async fn photos_of(db: &Db, id: i64) -> Result<Vec<(Vec<u8>, i64, i64)>> {
    sqlx::query(
        "SELECT bytes, width, height FROM attachments
          WHERE kind = 'practice' AND item_id = $1 AND stage = 'photo' ORDER BY id LIMIT 6",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "bytes")?, col(r, "width")?, col(r, "height")?)))
    .collect()
}
