//! Residents' concerns: recording one (any channel) and reading it. Moves between
//! states go through [`crate::item::transition`] with [`CONCERN`].

pub mod handling;
pub mod intake;
pub mod open_data;
pub mod photo;
pub mod relation;
pub mod stats;
pub mod tally;
pub mod triage;

pub use relation::relations;

use crate::audit::{self, Entry};
use crate::db::dialect::PageQuery;
use crate::db::{col, Db, Tx};
use crate::item::{self, By, TransitionError};
use crate::seal::Sealer;
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::item::{Action, State, CONCERN};
use xieshang_core::personal::{mask_name, mask_phone, Phone};
use xieshang_core::{Actor, OrgPath, Permission};

/// States in which a concern is still being worked on (what a resident could
/// join instead of filing again).
pub const OPEN_STATES: &[&str] = &[
    "submitted",
    "accepted",
    "assigned",
    "in_progress",
    "reopened",
];

/// The open states the public may see (decision 0017): [`OPEN_STATES`] that are
/// also in `open_data::PUBLISHED_STATES`, so not a concern still waiting for
/// triage.
pub const PUBLISHED_OPEN_STATES: &[&str] = &["accepted", "assigned", "in_progress", "reopened"];

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
    /// The resident's name and phone, if given (sealed before storing).
    pub reporter: Option<NewReporter<'a>>,
    /// Photos, already checked and re-encoded.
    pub photos: &'a [crate::concern::photo::Photo],
    /// Answers to the category's extra questions, as JSON (already checked).
    pub attributes: Option<String>,
    /// The API key that filed it, if a machine client did.
    pub api_key_id: Option<i64>,
}

/// A resident's contact details as given at intake; the phone is already checked.
#[derive(Debug, Clone)]
pub struct NewReporter<'a> {
    /// The personal-data key.
    pub sealer: &'a Sealer,
    /// Name, if given.
    pub name: Option<&'a str>,
    /// Phone, if given.
    pub phone: Option<&'a Phone>,
}

/// A reporter's contact details sealed for storage, with the masked copies.
#[derive(Debug, Clone, Default)]
pub struct SealedReporter {
    name_sealed: Option<String>,
    phone_sealed: Option<String>,
    name_masked: Option<String>,
    phone_masked: Option<String>,
}

impl NewReporter<'_> {
    /// Checks and seals the details; None when neither was given.
    pub fn seal(&self) -> Result<Option<SealedReporter>> {
        let name = xieshang_core::concern::optional(self.name)
            .map(xieshang_core::concern::ReporterName::parse)
            .transpose()
            .map_err(|e| Error::invalid("name", e))?;
        let name = name.as_ref().map(|n| n.as_str());
        if name.is_none() && self.phone.is_none() {
            return Ok(None);
        }
        Ok(Some(SealedReporter {
            name_sealed: name.map(|n| self.sealer.seal(n)),
            phone_sealed: self.phone.map(|p| self.sealer.seal(p.as_str())),
            name_masked: name.map(mask_name),
            phone_masked: self.phone.map(|p| mask_phone(p.as_str())),
        }))
    }
}

/// A concern to record, owning its data, for the group-commit writer
/// (`concern::intake`). The reporter is sealed already.
#[derive(Debug, Clone)]
pub struct OwnedConcern {
    /// See [`NewConcern`].
    pub org_id: i64,
    /// Category code.
    pub category: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Channel.
    pub channel: String,
    /// Address.
    pub address: Option<String>,
    /// Coordinates.
    pub position: Option<(f64, f64)>,
    /// The sealed reporter.
    pub reporter: Option<SealedReporter>,
    /// Photos.
    pub photos: Vec<crate::concern::photo::Photo>,
    /// Attribute answers as JSON.
    pub attributes: Option<String>,
    /// The API key that filed it.
    pub api_key_id: Option<i64>,
    /// The text's search tokens, segmented by the submitter's task rather than
    /// inside the one writer's batch.
    tokens: Vec<String>,
}

impl OwnedConcern {
    /// Takes a copy of a new concern, sealing its reporter.
    pub fn from_new(c: &NewConcern<'_>) -> Result<OwnedConcern> {
        Ok(OwnedConcern {
            org_id: c.org_id,
            category: c.category.to_owned(),
            title: c.title.to_owned(),
            description: c.description.to_owned(),
            channel: c.channel.to_owned(),
            address: c.address.map(str::to_owned),
            position: c.position,
            reporter: c
                .reporter
                .as_ref()
                .map(NewReporter::seal)
                .transpose()?
                .flatten(),
            photos: c.photos.to_vec(),
            attributes: c.attributes.clone(),
            api_key_id: c.api_key_id,
            tokens: text_tokens(c),
        })
    }

    fn as_new(&self) -> NewConcern<'_> {
        NewConcern {
            org_id: self.org_id,
            category: &self.category,
            title: &self.title,
            description: &self.description,
            channel: &self.channel,
            address: self.address.as_deref(),
            position: self.position,
            reporter: None,
            photos: &self.photos,
            attributes: self.attributes.clone(),
            api_key_id: self.api_key_id,
        }
    }
}

/// How a concern can come in.
pub const CHANNELS: [&str; 6] = {
    use xieshang_core::item::Channel as C;
    [
        C::Web.as_str(),
        C::Api.as_str(),
        C::Liaison.as_str(),
        C::Grid.as_str(),
        C::Studio.as_str(),
        C::Member.as_str(),
    ]
};

/// A new tracking code: 10 characters without look-alikes (no 0/O, 1/I/L).
pub fn new_tracking_code() -> String {
    crate::secret::random_code(crate::secret::READABLE, 10)
}

/// What recording a concern gives back: its id, its public tracking code, and
/// the resident's key, the secret that resident actions need. The key is in
/// no table (only its hash is), so this is the one time it can be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The concern's id.
    pub id: i64,
    /// The public tracking code.
    pub code: String,
    /// The resident's key.
    pub key: String,
}

/// A new resident's key: 16 characters of the tracking code's alphabet (about
/// 79 bits), short enough to read out over a counter or a phone.
pub fn new_resident_key() -> String {
    crate::secret::random_code(crate::secret::READABLE, 16)
}

/// What is stored of a resident's key: the SHA-256 of its normal form (upper
/// case, spaces and dashes dropped, so a key read out in groups still works).
pub fn resident_key_hash(key: &str) -> String {
    let norm: String = key
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    crate::secret::sha256_hex(&norm)
}

/// Whether `key` is the key whose hash is `stored`, in time that does not
/// depend on where they differ.
fn key_matches(stored: Option<&str>, key: &str) -> bool {
    let Some(stored) = stored else {
        return false;
    };
    crate::secret::same_hash(stored, &resident_key_hash(key))
}

/// The one answer to a wrong key or an unknown code.
fn wrong_key() -> Error {
    Error::field(
        "key",
        "err.resident_key",
        "the resident's key does not match this tracking code",
    )
}

/// The search tokens of a concern's text.
fn text_tokens(c: &NewConcern<'_>) -> Vec<String> {
    xieshang_text::search_tokens(&crate::index::concern_text(
        c.title.trim(),
        c.description,
        c.address,
    ))
}

/// Records a concern in its initial state with its first timeline event and audit
/// row, in one transaction. A user must hold a role over the unit; residents may
/// record anywhere. Returns (id, tracking code); [`record_keyed`] gives the
/// resident's key too.
pub async fn record(db: &Db, by: By<'_>, c: NewConcern<'_>) -> Result<(i64, String)> {
    record_keyed(db, by, c).await.map(|r| (r.id, r.code))
}

/// [`record`], giving back the resident's key to hand over.
pub async fn record_keyed(db: &Db, by: By<'_>, c: NewConcern<'_>) -> Result<Recorded> {
    let mut tx = db.begin_write().await?;
    let out = record_in(&mut tx, db, by, c).await?;
    tx.commit().await?;
    Ok(out)
}

/// [`record`] inside the caller's transaction, for writes that must land
/// together with the concern (a reception's link to it).
pub(crate) async fn record_in(
    tx: &mut Tx,
    db: &Db,
    by: By<'_>,
    c: NewConcern<'_>,
) -> Result<Recorded> {
    let sealed = c
        .reporter
        .as_ref()
        .map(NewReporter::seal)
        .transpose()?
        .flatten();
    let tokens = text_tokens(&c);
    let item = ToRecord {
        concern: c,
        reporter: sealed.as_ref(),
        tokens: &tokens,
    };
    record_many(tx, db, by, std::slice::from_ref(&item))
        .await?
        .pop()
        .unwrap_or(Err(Error::NotFound))
}

/// Records residents' owned concerns inside the caller's transaction (the
/// group-commit writer): each one's own result, in order. Every check comes
/// before the first write, so an `Invalid` or `Denied` result leaves the
/// transaction as it was; an `Err` of the whole means a database failure.
pub(crate) async fn record_owned_many(
    tx: &mut Tx,
    db: &Db,
    concerns: &[&OwnedConcern],
) -> Result<Vec<Result<Recorded>>> {
    let items: Vec<ToRecord<'_>> = concerns
        .iter()
        .map(|c| ToRecord {
            concern: c.as_new(),
            reporter: c.reporter.as_ref(),
            tokens: &c.tokens,
        })
        .collect();
    record_many(tx, db, By::Resident, &items).await
}

/// A concern on its way in: checked, with its sealed reporter and text tokens.
struct ToRecord<'a> {
    concern: NewConcern<'a>,
    reporter: Option<&'a SealedReporter>,
    tokens: &'a [String],
}

/// What a concern is checked against before anything is written: its unit's
/// path, and the party recording it.
fn check<'a>(
    c: &NewConcern<'_>,
    paths: &std::collections::HashMap<i64, OrgPath>,
    by: By<'a>,
) -> Result<(OrgPath, xieshang_core::item::Party, Option<&'a Actor>)> {
    if c.photos.len() > crate::concern::photo::MAX_PHOTOS {
        return Err(Error::field(
            "photos",
            "err.photo_count",
            "at most 4 photos",
        ));
    }
    // The same rules as at intake (`xieshang_core::concern::NewConcern::parse`,
    // which the web layer applies first); they hold for every caller of the store.
    // The store takes an empty description (seeds and tests record some);
    // intake asks for 1 to `DESCRIPTION_MAX` (4,000) characters. Its
    // characters and its upper bound are checked here.
    use xieshang_core::concern::{Address, Position, Title, DESCRIPTION_MAX};
    use xieshang_core::values::{check_text, Lines};
    Title::parse(c.title).map_err(|e| Error::invalid("title", e))?;
    check_text(c.description, Lines::Many).map_err(|e| Error::invalid("description", e))?;
    if c.description.chars().count() > DESCRIPTION_MAX {
        return Err(Error::invalid(
            "description",
            xieshang_core::concern::DESCRIPTION_LENGTH,
        ));
    }
    if let Some(a) = c.address {
        Address::parse(a).map_err(|e| Error::invalid("address", e))?;
    }
    if let Some((lat, lng)) = c.position {
        Position::parse(Some(lat), Some(lng)).map_err(|e| Error::invalid("lat", e))?;
    }
    let path = paths.get(&c.org_id).cloned().ok_or(Error::field(
        "area",
        "err.org_unknown",
        "no such unit",
    ))?;
    if xieshang_core::item::Channel::parse(c.channel).is_none() {
        return Err(Error::field("channel", "err.channel", "no such channel"));
    }
    let (party, actor) = by.party_over(&path)?;
    if let Some(a) = actor {
        a.check(Permission::ConcernRecord, &path)?;
    }
    Ok((path, party, actor))
}

/// Records concerns in their initial state inside the caller's transaction,
/// each with its reporter, photos, first timeline event, audit row, search
/// entry and notification job. However many there are, each table takes one
/// statement (photos aside), so a batch costs about as many round trips as
/// one concern. Returns each concern's (id, tracking code) or why it was
/// refused, in order; refusals are decided before the first write.
async fn record_many(
    tx: &mut Tx,
    db: &Db,
    by: By<'_>,
    items: &[ToRecord<'_>],
) -> Result<Vec<Result<Recorded>>> {
    use crate::db::Arg::{Float, Int, Text};
    let mut units: Vec<i64> = items.iter().map(|i| i.concern.org_id).collect();
    units.sort_unstable();
    units.dedup();
    let list = crate::db::placeholders(1, units.len());
    let paths = crate::db::query_with(
        &format!("SELECT id, path FROM orgs WHERE archived_at IS NULL AND id IN ({list})"),
        units.iter().map(|u| Int(*u)).collect(),
    )
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        let path = OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?;
        Ok((col::<i64>(r, "id")?, path))
    })
    .collect::<Result<std::collections::HashMap<_, _>>>()?;
    let mut out: Vec<Result<Recorded>> = Vec::with_capacity(items.len());
    // (index, path, party, actor, tracking code, key) of each concern to write.
    let mut accepted = Vec::with_capacity(items.len());
    let mut codes = std::collections::HashSet::new();
    for (n, item) in items.iter().enumerate() {
        match check(&item.concern, &paths, by) {
            Ok((path, party, actor)) => {
                let mut code = new_tracking_code();
                while !codes.insert(code.clone()) {
                    code = new_tracking_code();
                }
                let key = new_resident_key();
                out.push(Ok(Recorded {
                    id: 0,
                    code: code.clone(),
                    key: key.clone(),
                }));
                accepted.push((n, path, party, actor, code, key));
            }
            Err(e) => out.push(Err(e)),
        }
    }
    if accepted.is_empty() {
        return Ok(out);
    }
    let now = db.now_ms();
    let mut rows = crate::db::Batch::new(
        "INSERT INTO concerns (org_id, tracking_code, category, title, description, channel,
           state, address, lat, lng, created_at, updated_at, recorded_by, attributes, api_key_id,
           public_timeline, branch_id, resident_key_hash)",
        18,
        &[1, 2, 3, 4, 5, 6, 7, 13, 15, 17],
    )
    .floats(&[8, 9]);
    // The first event, as record_creations below writes it.
    let trail = item::first_trail(&CONCERN, now);
    for (n, path, _, actor, code, key) in &accepted {
        let c = &items[*n].concern;
        rows.push(vec![
            Some(Int(c.org_id)),
            Some(Text(code.clone())),
            Some(Text(c.category.to_owned())),
            Some(Text(c.title.trim().to_owned())),
            Some(Text(c.description.to_owned())),
            Some(Text(c.channel.to_owned())),
            Some(Text(CONCERN.initial.as_str().to_owned())),
            c.address.map(|a| Text(a.to_owned())),
            c.position.map(|p| Float(p.0)),
            c.position.map(|p| Float(p.1)),
            Some(Int(now)),
            Some(Int(now)),
            actor.map(|a| Int(a.user_id)),
            c.attributes.clone().map(Text),
            c.api_key_id.map(Int),
            Some(Text(trail.clone())),
            Some(Int(path.branch())),
            Some(Text(resident_key_hash(key))),
        ]);
    }
    let ids: std::collections::HashMap<String, i64> = rows
        .returning(tx, "id, tracking_code")
        .await?
        .iter()
        .map(|r| Ok((col::<String>(r, "tracking_code")?, col::<i64>(r, "id")?)))
        .collect::<sqlx::Result<_>>()?;
    let mut reporters = reporter_batch();
    let mut created = Vec::with_capacity(accepted.len());
    let mut entries = Vec::with_capacity(accepted.len());
    let mut jobs = Vec::with_capacity(accepted.len());
    for (n, path, party, actor, code, key) in &accepted {
        let item = &items[*n];
        let id = *ids.get(code).ok_or(Error::NotFound)?;
        if let Some(r) = item.reporter {
            reporters.push(reporter_row(id, r, now));
        }
        crate::concern::photo::attach(tx, now, "concern", id, "intake", item.concern.photos)
            .await?;
        created.push(item::Created {
            item_id: id,
            org_id: item.concern.org_id,
            party: *party,
            actor: *actor,
        });
        entries.push((
            id,
            crate::index::entry_tokens_from(item.tokens.to_vec(), path),
        ));
        jobs.push(notify_job(id, "submitted"));
        out[*n] = Ok(Recorded {
            id,
            code: code.clone(),
            key: key.clone(),
        });
    }
    reporters.flush(tx).await?;
    crate::index::index_new_many(tx, db.dialect(), crate::index::CONCERN, &entries).await?;
    item::enqueue(tx, now, &jobs).await?;
    // Last, since appending to the audit chain locks its head until the
    // commit: concurrent writers do everything else in the meantime.
    item::record_creations(tx, &CONCERN, &created, now).await?;
    Ok(out)
}

/// Reporters to write in one statement.
fn reporter_batch() -> crate::db::Batch {
    crate::db::Batch::new(
        "INSERT INTO concern_reporters (concern_id, name_sealed, phone_sealed, name_masked,
           phone_masked, created_at)",
        6,
        &[1, 2, 3, 4],
    )
}

fn reporter_row(id: i64, r: &SealedReporter, now: i64) -> Vec<Option<crate::db::Arg>> {
    use crate::db::Arg::{Int, Text};
    vec![
        Some(Int(id)),
        r.name_sealed.clone().map(Text),
        r.phone_sealed.clone().map(Text),
        r.name_masked.clone().map(Text),
        r.phone_masked.clone().map(Text),
        Some(Int(now)),
    ]
}

/// A resident says an open concern is their problem too, instead of filing it
/// again: they join its reporters with a tracking code and a key of their own
/// (given back here, the one time the key is known), so they follow it and
/// answer its feedback for themselves without ever learning the first
/// resident's code. Their name and phone, if given, are sealed on the same row;
/// the timeline notes another report.
pub async fn join_same(
    db: &Db,
    concern_id: i64,
    reporter: Option<NewReporter<'_>>,
) -> Result<Recorded> {
    let mut tx = db.begin_write().await?;
    let state: String = sqlx::query_scalar("SELECT state FROM concerns WHERE id = $1")
        .bind(concern_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound)?;
    if !crate::concern::OPEN_STATES.contains(&state.as_str()) {
        return Err(Error::field(
            "code",
            "err.same_closed",
            "that concern is no longer open; please submit yours",
        ));
    }
    let now = db.now_ms();
    let sealed = reporter
        .as_ref()
        .map(NewReporter::seal)
        .transpose()?
        .flatten();
    let code = new_tracking_code();
    let key = new_resident_key();
    let (name_sealed, phone_sealed, name_masked, phone_masked) = match sealed {
        Some(r) => (r.name_sealed, r.phone_sealed, r.name_masked, r.phone_masked),
        None => (None, None, None, None),
    };
    sqlx::query(
        "INSERT INTO concern_reporters (concern_id, name_sealed, phone_sealed, name_masked,
           phone_masked, created_at, tracking_code, resident_key_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(concern_id)
    .bind(name_sealed)
    .bind(phone_sealed)
    .bind(name_masked)
    .bind(phone_masked)
    .bind(now)
    .bind(&code)
    .bind(resident_key_hash(&key))
    .execute(&mut *tx)
    .await?;
    item::note_in(&mut tx, now, &CONCERN, concern_id, Action::SameReport, None).await?;
    tx.commit().await?;
    Ok(Recorded {
        id: concern_id,
        code,
        key,
    })
}

/// A reporter found by their own tracking code: the concern they follow now
/// (the one theirs was merged into, if it was), and the hash of their key.
struct ReporterOf {
    concern_id: i64,
    key_hash: Option<String>,
}

/// The reporter whose own code is `code`: the resident who filed a concern
/// (kept or merged into another), or one who joined it.
async fn reporter_of(tx: &mut crate::db::Tx, code: &str) -> Result<Option<ReporterOf>> {
    let row = sqlx::query(
        "SELECT c.id AS concern_id, c.merged_into, c.resident_key_hash FROM concerns c
          WHERE c.tracking_code = $1
         UNION ALL
         SELECT c.id, c.merged_into, r.resident_key_hash FROM concern_reporters r
           JOIN concerns c ON c.id = r.concern_id WHERE r.tracking_code = $1",
    )
    .bind(code)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = col(&row, "concern_id")?;
    let merged: Option<i64> = col(&row, "merged_into")?;
    Ok(Some(ReporterOf {
        concern_id: merged.unwrap_or(id),
        key_hash: col(&row, "resident_key_hash")?,
    }))
}

/// The tracking code of the concern followed under a reporter's own code that
/// is not a concern's (a resident who joined one); None for any other code.
async fn joined_concern_code(db: &Db, code: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT c.tracking_code FROM concern_reporters r JOIN concerns c ON c.id = r.concern_id
          WHERE r.tracking_code = $1",
    )
    .bind(code)
    .fetch_optional(db.pool())
    .await?)
}

/// The id of the concern with a tracking code.
pub async fn id_by_code(db: &Db, tracking_code: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(tracking_code.trim().to_uppercase())
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)
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
    /// Unit path.
    pub path: OrgPath,
}

const AREA_COLS: &str = "o.id, o.code, o.name, o.kind, o.path, p.code AS parent_code";

fn area_from(r: &sqlx::any::AnyRow) -> Result<Area> {
    Ok(Area {
        id: col(r, "id")?,
        code: col(r, "code")?,
        name: col(r, "name")?,
        kind: col(r, "kind")?,
        parent_code: col(r, "parent_code")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
    })
}

/// Every active district, street, community and grid, parents first: public, for
/// intake forms and apps. Concerns are raised in streets, communities and grids
/// ([`Area::selectable`]); districts are listed so that labels can name them.
pub async fn areas(db: &Db) -> Result<Vec<Area>> {
    let rows = sqlx::query(&format!(
        "SELECT {AREA_COLS} FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id
         WHERE o.archived_at IS NULL AND o.kind IN ('district', 'street', 'community', 'grid')
         ORDER BY o.path"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(area_from).collect()
}

impl Area {
    /// Whether concerns may be raised here (streets, communities, grids).
    pub fn selectable(&self) -> bool {
        self.kind != "district"
    }
}

/// The active area with this code, if it is one where concerns may be raised.
pub async fn area_by_code(db: &Db, code: &str) -> Result<Option<Area>> {
    let row = sqlx::query(&format!(
        "SELECT {AREA_COLS} FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id
         WHERE o.code = $1 AND o.archived_at IS NULL AND o.kind IN ('street', 'community', 'grid')"
    ))
    .bind(code)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(area_from).transpose()
}

/// The unit where concerns of a category filed at the root go: the oldest
/// active unit without a parent (a deployment serves one city's body).
pub async fn root_unit(db: &Db) -> Result<Option<i64>> {
    let id = sqlx::query_scalar(
        "SELECT id FROM orgs WHERE parent_id IS NULL AND archived_at IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_optional(db.pool())
    .await?;
    Ok(id)
}

/// A resident's feedback as the public page shows it: (rating, comment, thanks,
/// when).
pub type PublicFeedback = (String, Option<String>, Option<String>, i64);

/// What anyone holding the tracking code may see: what was asked and what was
/// done, never who asked.
#[derive(Debug, Clone)]
pub struct PublicStatus {
    /// The concern's id (not shown).
    pub id: i64,
    /// When its departments are due, unix ms.
    pub deadline_at: Option<i64>,
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
    /// The concern this one was merged into: its tracking code and status.
    pub merged_into: Option<Box<PublicStatus>>,
    /// The department's result note, once resolved.
    pub result_note: Option<String>,
    /// Whether the resident may give feedback now.
    pub awaiting_feedback: bool,
    /// Feedback given.
    pub feedback: Vec<PublicFeedback>,
    /// Public tokens of the photos residents sent.
    pub photos: Vec<String>,
    /// Who handles it: (department name, whether it leads), the lead first,
    /// then by name.
    pub departments: Vec<(String, bool)>,
    /// (when, note) of each progress report, oldest first.
    pub progress: Vec<(i64, String)>,
    /// (when it meets, topic) of each consultation called on it.
    pub meetings: Vec<(i64, String)>,
}

/// The columns of a concern that its public status page shows, as one read.
#[derive(Debug, Clone)]
pub struct StatusRow {
    id: i64,
    deadline_at: Option<i64>,
    state: String,
    title: String,
    result_note: Option<String>,
    created_at: i64,
    tracking_code: String,
    category: String,
    public_timeline: String,
    public_feedback: String,
    public_photos: String,
    public_units: String,
    public_progress: String,
    public_meetings: String,
    org_id: i64,
    merged_into: Option<i64>,
}

/// Status pages read in one statement at most ([`crate::db::coalesce`]).
const STATUS_BATCH: usize = 64;

/// Statements reading status pages at once at most ([`crate::db::coalesce`]). On
/// two cores, the PostgreSQL status page alone at 64 connections ran 25,962
/// and 25,110 req/s with 2, 25,201 and 22,315 with 4, 23,586 and 22,421 with
/// 8 (PostgreSQL's CPU 15–16, 19–21, 24–25 µs a page); 1 and 3 fell on either
/// side of 2 in two rounds. On SQLite 1, 2 and 4 did not separate.
const STATUS_LANES: usize = 2;

/// The status page's reads of this database, coalesced ([`crate::db::coalesce`]).
fn status_coalescer(db: &Db) -> std::sync::Arc<crate::db::coalesce::Coalescer<StatusRow>> {
    db.shared(|| crate::db::coalesce::Coalescer::new(STATUS_LANES, STATUS_BATCH, status_rows))
}

/// How many statements have read status pages so far (tests, metrics).
pub fn status_statements(db: &Db) -> u64 {
    status_coalescer(db).statements()
}

/// How many status page reads those statements have answered so far.
pub fn status_reads(db: &Db) -> u64 {
    status_coalescer(db).answered()
}

/// Reads the status rows of distinct tracking codes in one statement, on a
/// reader connection ([`crate::db::coalesce`] gathers the codes that wait).
pub(crate) fn status_rows(db: Db, codes: Vec<String>) -> crate::db::coalesce::Batch<StatusRow> {
    Box::pin(async move {
        let codes = crate::db::coalesce::padded(codes);
        let sql = format!(
            "SELECT id, deadline_at, state, title, result_note, created_at, tracking_code,
                    category, public_timeline, public_feedback, public_photos, public_units,
                    public_progress, public_meetings, org_id, merged_into
               FROM concerns WHERE tracking_code IN ({})",
            crate::db::placeholders(1, codes.len())
        );
        let mut query = sqlx::query(&sql);
        for code in codes {
            query = query.bind(code);
        }
        let rows = db.reader().await?.fetch_all(query).await?;
        rows.iter()
            .map(|r| {
                use sqlx::Row;
                let row = StatusRow {
                    id: r.try_get("id")?,
                    deadline_at: r.try_get("deadline_at")?,
                    state: r.try_get("state")?,
                    title: r.try_get("title")?,
                    result_note: r.try_get("result_note")?,
                    created_at: r.try_get("created_at")?,
                    tracking_code: r.try_get("tracking_code")?,
                    category: r.try_get("category")?,
                    public_timeline: r.try_get("public_timeline")?,
                    public_feedback: r.try_get("public_feedback")?,
                    public_photos: r.try_get("public_photos")?,
                    public_units: r.try_get("public_units")?,
                    public_progress: r.try_get("public_progress")?,
                    public_meetings: r.try_get("public_meetings")?,
                    org_id: r.try_get("org_id")?,
                    merged_into: r.try_get("merged_into")?,
                };
                Ok((row.tracking_code.clone(), row))
            })
            .collect()
    })
}

/// The public status of a concern by tracking code: one row. On this hot public
/// path every page and every statement counts (each row costs SQLite's driver a
/// hand-over between threads, each index a descent through pages), so the row
/// carries what the page shows of its timeline, feedback and photos, folded
/// (migration 0016, decision record 0008), and nothing else is read: the
/// area's name comes from [`crate::org::name_of`], and the code of the concern
/// it was merged into, if any, from a second statement. The row is read on a
/// reader connection together with those of the other status pages asked at
/// the same moment ([`crate::db::coalesce`], decision record 0013).
pub async fn public_status(db: &Db, tracking_code: &str) -> Result<PublicStatus> {
    let asked = tracking_code.trim().to_uppercase();
    let Some(row) = status_coalescer(db).get(db, asked.clone()).await? else {
        // A resident who joined a concern follows it under their own code
        // (a second read only for codes that are no concern's).
        let Some(code) = joined_concern_code(db, &asked).await? else {
            return Err(Error::NotFound);
        };
        let mut s = Box::pin(public_status(db, &code)).await?;
        s.tracking_code = asked;
        return Ok(s);
    };
    let unreadable = |what: &str| Error::Db(sqlx::Error::Protocol(format!("unreadable {what}")));
    let timeline =
        item::unfold_timeline(&row.public_timeline).ok_or_else(|| unreadable("timeline"))?;
    let feedback = unfold_feedback(&row.public_feedback).ok_or_else(|| unreadable("feedback"))?;
    let photos = row
        .public_photos
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let merged_into = match row.merged_into {
        // One level: a surviving concern is never itself merged (merge refuses
        // closed targets), so this does not recurse further.
        Some(id) => {
            let code: String =
                sqlx::query_scalar("SELECT tracking_code FROM concerns WHERE id = $1")
                    .bind(id)
                    .fetch_one(db.pool())
                    .await?;
            Some(Box::new(Box::pin(public_status(db, &code)).await?))
        }
        None => None,
    };
    let area = crate::org::name_of(db, row.org_id).await?;
    let units = item::unfold_units(&row.public_units).ok_or_else(|| unreadable("units"))?;
    let mut departments = Vec::with_capacity(units.len());
    for (org_id, lead) in units {
        departments.push((crate::org::name_of(db, org_id).await?.to_string(), lead));
    }
    departments.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let progress =
        item::unfold_progress(&row.public_progress).ok_or_else(|| unreadable("progress"))?;
    // Folded by the consultation that was called (`consult::convene`) as
    // progress notes are.
    let meetings =
        item::unfold_progress(&row.public_meetings).ok_or_else(|| unreadable("meetings"))?;
    Ok(PublicStatus {
        id: row.id,
        deadline_at: row.deadline_at,
        tracking_code: row.tracking_code,
        category: row.category,
        title: row.title,
        area: area.to_string(),
        // Reporters of a concern merged into another answer the survivor's
        // feedback under their own code.
        awaiting_feedback: row.state == "resolved"
            || merged_into.as_ref().is_some_and(|m| m.awaiting_feedback),
        state: row.state,
        created_at: row.created_at,
        timeline,
        merged_into,
        result_note: row.result_note,
        feedback,
        photos,
        departments,
        progress,
        meetings,
    })
}

/// One feedback as `public_feedback` holds it: `rating at ` and two fields,
/// each `-` (none) or `N:` and N characters, so no character of the free text
/// can be taken for a separator.
pub(crate) fn fold_feedback(
    rating: &str,
    at: i64,
    comment: Option<&str>,
    thanks: Option<&str>,
) -> String {
    let field = |t: Option<&str>| match t {
        Some(t) => format!("{}:{t}", t.chars().count()),
        None => "-".to_owned(),
    };
    format!("{rating} {at} {}{}", field(comment), field(thanks))
}

/// Feedback as [`fold_feedback`] folds it. None if it does not parse.
fn unfold_feedback(folded: &str) -> Option<Vec<PublicFeedback>> {
    fn field(rest: &mut std::str::Chars<'_>) -> Option<Option<String>> {
        let mut digits = String::new();
        loop {
            match rest.next()? {
                '-' if digits.is_empty() => return Some(None),
                ':' => break,
                d if d.is_ascii_digit() => digits.push(d),
                _ => return None,
            }
        }
        let n: usize = digits.parse().ok()?;
        let text: String = rest.by_ref().take(n).collect();
        (text.chars().count() == n).then_some(Some(text))
    }
    fn word(rest: &mut std::str::Chars<'_>) -> Option<String> {
        let w: String = rest.by_ref().take_while(|c| *c != ' ').collect();
        (!w.is_empty()).then_some(w)
    }
    let mut out = Vec::new();
    let mut rest = folded.chars();
    while !rest.as_str().is_empty() {
        let rating = word(&mut rest)?;
        let at = word(&mut rest)?.parse().ok()?;
        let comment = field(&mut rest)?;
        let thanks = field(&mut rest)?;
        out.push((rating, comment, thanks, at));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{fold_feedback, unfold_feedback};

    #[test]
    fn folded_feedback_reads_back_whatever_the_text_holds() {
        let folded = "satisfied 1700000000000 8:路修好了, 谢谢-unsatisfied 1700000000001 -4:a:1-";
        assert_eq!(
            fold_feedback("satisfied", 1_700_000_000_000, Some("路修好了, 谢谢"), None)
                + &fold_feedback("unsatisfied", 1_700_000_000_001, None, Some("a:1-")),
            folded
        );
        let got = unfold_feedback(folded).unwrap();
        assert_eq!(
            got,
            vec![
                (
                    "satisfied".to_owned(),
                    Some("路修好了, 谢谢".to_owned()),
                    None,
                    1_700_000_000_000
                ),
                (
                    "unsatisfied".to_owned(),
                    None,
                    Some("a:1-".to_owned()),
                    1_700_000_000_001
                ),
            ]
        );
        assert_eq!(unfold_feedback(""), Some(Vec::new()));
        assert_eq!(unfold_feedback("satisfied 17 12:too short"), None);
    }
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
    /// Address given.
    pub address: Option<String>,
    /// Deadline of the current assignment, unix ms.
    pub deadline_at: Option<i64>,
    /// Escalation level reached (0 none, 1 the body's leaders, 2 the level above).
    pub escalation_level: i64,
    /// Who recorded it for the resident.
    pub recorded_by: Option<String>,
    /// The concern it was merged into (id).
    pub merged_into: Option<i64>,
    /// Result note, once resolved.
    pub result_note: Option<String>,
}

impl Row {
    /// Whether the deadline has passed while the work is still open.
    pub fn overdue(&self, now: i64) -> bool {
        matches!(self.state.as_str(), "assigned" | "in_progress")
            && self.deadline_at.is_some_and(|d| d < now)
    }
}

pub(crate) const ROW_COLS: &str =
    "c.id, c.tracking_code, c.org_id, o.name AS area, o.path, c.category, c.title, \
     c.description, c.channel, c.state, c.created_at, c.address, c.deadline_at, \
     c.escalation_level, u.display_name AS recorded_by, c.merged_into, c.result_note";

/// [`ROW_COLS`] for a queue's rows, which are listed, not opened: without
/// the description and the result note (up to `DESCRIPTION_MAX`, 4,000
/// characters, and 2,000, which the database sent and the driver copied and
/// checked for every row of every page). In the order of [`QueueTuple`].
const QUEUE_VALUES: &str = "c.id, c.tracking_code, c.org_id, o.name, o.path, c.category, c.title, \
     c.channel, c.state, c.created_at, c.address, c.deadline_at, c.escalation_level, \
     u.display_name, c.merged_into";

/// One queue row, as [`QUEUE_VALUES`] lists it.
type QueueTuple = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    i64,
    Option<String>,
    Option<i64>,
);

/// A queue row out of its values; the description is empty and the result
/// note `None`.
fn queue_row(t: QueueTuple) -> Result<Row> {
    Ok(Row {
        id: t.0,
        tracking_code: t.1,
        org_id: t.2,
        area: t.3,
        path: OrgPath::parse(&t.4).ok_or(Error::NotFound)?,
        category: t.5,
        title: t.6,
        description: String::new(),
        channel: t.7,
        state: t.8,
        created_at: t.9,
        address: t.10,
        deadline_at: t.11,
        escalation_level: t.12,
        recorded_by: t.13,
        merged_into: t.14,
        result_note: None,
    })
}

const ROW_FROM: &str =
    "concerns c JOIN orgs o ON o.id = c.org_id LEFT JOIN users u ON u.id = c.recorded_by";

pub(crate) fn row_from(r: &sqlx::any::AnyRow) -> Result<Row> {
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
        address: col(r, "address")?,
        deadline_at: col(r, "deadline_at")?,
        escalation_level: col(r, "escalation_level")?,
        recorded_by: col(r, "recorded_by")?,
        merged_into: col(r, "merged_into")?,
        result_note: col(r, "result_note")?,
    })
}

/// Rows per page of a queue.
pub const QUEUE_PAGE: i64 = 50;

/// On SQLite, a scope with at least this many concerns in the asked state is
/// read unit by unit ([`queue`]).
const QUEUE_BACKLOG: i64 = 2_000;

/// One page (from 0) of the concerns in one state inside the actor's view scope:
/// overdue ones first (by deadline), then the ones waiting longest; and whether
/// there is a next page. The rows leave out the description (empty) and the
/// result note (`None`): a queue lists concerns, [`get`] opens one.
pub async fn queue(db: &Db, actor: &Actor, state: &str, page: i64) -> Result<(Vec<Row>, bool)> {
    actor.require(Permission::ConcernView)?;
    let offset = page.max(0) * QUEUE_PAGE;
    // A scope of the whole tree or of a whole branch (a city's or a district's
    // staff) is read from the branch index ([`branch_queue_ids`]); narrower
    // ones from their units ([`unit_queue_ids`]).
    let scopes = actor.scopes(Permission::ConcernView);
    let by_branch = crate::db::scope::whole_branches(&scopes);
    let (ids, args) = if by_branch {
        // Written with its values, not parameters (see branch_queue_ids).
        let Some(known) = CONCERN.state(state).map(|s| s.as_str()) else {
            return Ok((Vec::new(), false));
        };
        let sql = branch_queue_ids(db.dialect(), &scopes, known, QUEUE_PAGE + 1, offset);
        (sql, Vec::new())
    } else {
        unit_queue_ids(db, actor, state, offset).await?
    };
    // Only the page's rows are then read, in the same statement (PostgreSQL
    // hash-joined every unit and account when the ids came back as a list of
    // fifty parameters).
    let join = db.dialect().driving_join();
    let from = format!(
        "FROM ({ids}) q {join} concerns c ON c.id = q.qid JOIN orgs o ON o.id = c.org_id
           LEFT JOIN users u ON u.id = c.recorded_by"
    );
    let order = "q.k1, q.k2, q.k3, q.qid";
    // SQLite's page comes back as one JSON array in one row, PostgreSQL's as
    // rows (the dialect's `page_query`).
    let mut rows = match db.dialect().page_query(QUEUE_VALUES, &from, order) {
        PageQuery::JsonArray(sql) => {
            let page: String = col(
                &crate::db::query_with(&sql, args)
                    .fetch_one(db.pool())
                    .await?,
                "page",
            )?;
            serde_json::from_str::<Vec<QueueTuple>>(&page).map_err(|e| {
                Error::Db(sqlx::Error::Protocol(format!("unreadable queue page: {e}")))
            })?
        }
        PageQuery::Rows(sql) => crate::db::query_with(&sql, args)
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(<QueueTuple as sqlx::FromRow<_>>::from_row)
            .collect::<sqlx::Result<Vec<_>>>()?,
    }
    .into_iter()
    .map(queue_row)
    .collect::<Result<Vec<_>>>()?;
    let more = rows.len() as i64 > QUEUE_PAGE;
    rows.truncate(QUEUE_PAGE as usize);
    Ok((rows, more))
}

/// Open concerns that need a second look, listed apart from the queue by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attention {
    /// Past their deadline.
    Overdue,
    /// Escalated to the body's leaders or the level above.
    Escalated,
}

impl Attention {
    /// `overdue` or `escalated`.
    pub fn parse(code: &str) -> Option<Attention> {
        match code {
            "overdue" => Some(Attention::Overdue),
            "escalated" => Some(Attention::Escalated),
            _ => None,
        }
    }

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Attention::Overdue => "overdue",
            Attention::Escalated => "escalated",
        }
    }
}

/// The open concerns in the actor's view scope that are overdue or escalated,
/// earliest deadline first, a page of [`QUEUE_PAGE`] and whether more follow.
/// The same concerns the home page and the figures count; they are few, so
/// they are read through the scope's units.
pub async fn attention(
    db: &Db,
    actor: &Actor,
    which: Attention,
    page: i64,
) -> Result<(Vec<Row>, bool)> {
    use crate::db::Arg;
    actor.require(Permission::ConcernView)?;
    let (cond, mut args) = crate::db::scope::condition(actor, Permission::ConcernView, "o.path", 1);
    let which = match which {
        Attention::Overdue => {
            args.push(Arg::Int(db.now_ms()));
            format!("c.deadline_at < ${}", args.len())
        }
        Attention::Escalated => "c.escalation_level > 0".to_owned(),
    };
    args.push(Arg::Int(QUEUE_PAGE + 1));
    args.push(Arg::Int(page.max(0) * QUEUE_PAGE));
    let n = args.len();
    let sql = format!(
        "SELECT {ROW_COLS} FROM {ROW_FROM}
          WHERE {cond} AND c.state IN ('assigned', 'in_progress') AND {which}
          ORDER BY c.deadline_at, c.id LIMIT ${} OFFSET ${n}",
        n - 1
    );
    let mut rows = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(row_from)
        .collect::<Result<Vec<_>>>()?;
    let more = rows.len() as i64 > QUEUE_PAGE;
    rows.truncate(QUEUE_PAGE as usize);
    Ok((rows, more))
}

/// The queue's id query for narrower scopes (a street, a community): read
/// from the scope's units. Returns the SQL and its arguments.
async fn unit_queue_ids(
    db: &Db,
    actor: &Actor,
    state: &str,
    offset: i64,
) -> Result<(String, Vec<crate::db::Arg>)> {
    let (cond, mut args) = crate::db::scope::condition(actor, Permission::ConcernView, "o.path", 1);
    args.push(crate::db::Arg::Text(state.to_owned()));
    args.push(crate::db::Arg::Int(QUEUE_PAGE + 1));
    args.push(crate::db::Arg::Int(offset));
    let n = args.len();
    let (s, limit, offset) = (n - 2, n - 1, n);
    // The page's ids, sorted from the (unit, state, deadline, arrival) index
    // alone, from the scope's units to their concerns (SQLite would otherwise
    // walk every concern of the city in that state). Overdue first, then
    // deadlines to come, is simply deadline order (a passed deadline is the
    // earlier); those without a deadline follow by arrival.
    //
    // When the scope holds many concerns in this state (a grid flooded with
    // new ones), sorting them all to take fifty cost 15 ms on SQLite and 28 ms
    // on PostgreSQL at 60,000; so each unit gives only its own first rows of
    // the page, in index order, and those are merged (1.3–1.4 ms, flat). On
    // PostgreSQL that plan (LATERAL) costs what the plain one does when there
    // is no backlog, so it is always used; on SQLite it costs 1.2 ms against
    // 0.3 ms, so a probe that counts at most QUEUE_BACKLOG rows decides.
    let per_unit = match db.dialect().queue_backlog_probe(&cond, s, QUEUE_BACKLOG) {
        None => true,
        Some(probe) => {
            let found: i64 = col(
                &crate::db::query_with(&probe, args[..s].to_vec())
                    .fetch_one(db.pool())
                    .await?,
                "n",
            )?;
            found >= QUEUE_BACKLOG
        }
    };
    let ids = if per_unit {
        db.dialect().per_unit_queue_ids(&cond, s, limit, offset)
    } else {
        format!(
            "SELECT c.id AS qid, CASE WHEN c.deadline_at IS NULL THEN 1 ELSE 0 END AS k1,
                c.deadline_at AS k2, c.created_at AS k3
           FROM orgs o CROSS JOIN concerns c ON c.org_id = o.id
          WHERE {cond} AND c.state = ${s}
          ORDER BY k1, k2, k3, qid
          LIMIT ${limit} OFFSET ${offset}"
        )
    };
    Ok((ids, args))
}

/// The queue's id query for scopes that are each the whole tree (a root) or
/// a whole branch: every concern of a branch is one range of the
/// (branch, state, deadline, arrival, id) index in queue order, and a root's
/// are the (state, deadline, arrival, id) index's range, kept to the root's
/// branches. Each scope gives its first rows and those are merged.
///
/// The statement carries its values (ids, a known state, numbers) instead of
/// parameters. PostgreSQL planned the parameterised one afresh for every page
/// (a custom plan each time, as the generic one looked costlier): planning
/// was a quarter of the machine's CPU under a queue load, more than running
/// it. A statement without parameters is planned once per connection, and the
/// few texts a city's staff produce (a state, a branch, a page) stay prepared.
fn branch_queue_ids(
    dialect: crate::Dialect,
    scopes: &[OrgPath],
    state: &'static str,
    limit: i64,
    offset: i64,
) -> String {
    let mut parts = Vec::new();
    for scope in scopes {
        // For a root, the unary plus keeps SQLite on the queue-order index
        // (the branch index would give the rows unsorted).
        let plus = if scope.depth() == 1 { "+" } else { "" };
        let drive = format!(
            "{plus}c.branch_id {}",
            crate::db::scope::branch_match(scope)
        );
        let take = limit + offset;
        dialect.branch_queue_ranges(&drive, state, take, &mut parts);
    }
    let union = parts.join(" UNION ALL ");
    format!(
        "SELECT x.id AS qid, CASE WHEN x.deadline_at IS NULL THEN 1 ELSE 0 END AS k1,
                x.deadline_at AS k2, x.created_at AS k3
           FROM ({union}) x
          ORDER BY k1, k2, k3, qid
          LIMIT {limit} OFFSET {offset}"
    )
}

/// One concern the actor may see with `permission`: over its unit, or through
/// how they stand to it (an assignment to their department, following it as a
/// paired member, having recorded it for a resident), with what each relation
/// carries decided in core ([`xieshang_core::Relation`]).
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Row> {
    let row = sqlx::query(&format!(
        "SELECT {ROW_COLS} FROM {ROW_FROM} WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let row = row_from(&row)?;
    if actor.check(permission, &row.path).is_ok() {
        return Ok(row);
    }
    let relations = relations(db, actor, id).await?;
    actor.check_related(permission, &row.path, &relations)?;
    Ok(row)
}

/// The concerns the account recorded for residents, newest first (at most
/// `limit`): what a liaison officer or a member on duty follows on their own
/// page. Each is theirs to read ([`Relation::Recorder`]).
pub async fn recorded_by(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Row>> {
    sqlx::query(&format!(
        "SELECT {ROW_COLS} FROM {ROW_FROM} WHERE c.recorded_by = $1
         ORDER BY c.created_at DESC, c.id DESC LIMIT {}",
        limit.clamp(1, 500)
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(row_from)
    .collect()
}

/// The outbox job that tells every party of a concern about an event.
pub fn notify_job(concern_id: i64, event: &str) -> item::Job {
    item::Job {
        kind: "notify",
        payload: json!({"concern_id": concern_id, "event": event}),
    }
}

/// A reporter as staff see them: masked.
#[derive(Debug, Clone)]
pub struct MaskedReporter {
    /// Masked name.
    pub name: Option<String>,
    /// Masked phone.
    pub phone: Option<String>,
    /// The merged concern they came from, if any (tracking code).
    pub from: Option<String>,
}

/// The reporters of a concern, masked (what pages show).
pub async fn reporters(db: &Db, id: i64) -> Result<Vec<MaskedReporter>> {
    let rows = sqlx::query(
        "SELECT r.name_masked, r.phone_masked, f.tracking_code FROM concern_reporters r
         LEFT JOIN concerns f ON f.id = r.from_concern_id WHERE r.concern_id = $1 ORDER BY r.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MaskedReporter {
                name: col(r, "name_masked")?,
                phone: col(r, "phone_masked")?,
                from: col(r, "tracking_code")?,
            })
        })
        .collect()
}

/// Shows the reporters' name and phone in full to a role that needs them (staff
/// over the unit, or a handler of an assigned department). Every reveal is
/// audited, whether or not anything was there to show.
pub async fn reveal(
    db: &Db,
    sealer: &Sealer,
    actor: &Actor,
    id: i64,
) -> Result<Vec<(Option<String>, Option<String>)>> {
    let c = get(db, actor, Permission::ReporterReveal, id).await?;
    let mut tx = db.begin_write().await?;
    let rows = sqlx::query(
        "SELECT name_sealed, phone_sealed FROM concern_reporters WHERE concern_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let open = |v: Option<String>| -> Result<Option<String>> {
            v.map(|s| {
                sealer.open(&s).map_err(|e| {
                    tracing::error!(concern.id = id, error = %e, "personal data does not open");
                    Error::field("reporter", "err.seal", "personal data could not be opened")
                })
            })
            .transpose()
        };
        out.push((
            open(col(r, "name_sealed")?)?,
            open(col(r, "phone_sealed")?)?,
        ));
    }
    audit::record(
        &mut tx,
        db.now_ms(),
        Entry {
            actor: Some(actor),
            action: "concern.reveal_reporter",
            entity: "concern",
            entity_id: id.to_string(),
            org_id: Some(c.org_id),
            before: None,
            after: Some(json!({"reporters_shown": out.len()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// A resident's feedback after resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意: the concern reopens.
    Unsatisfied,
}

impl Rating {
    /// Parses the stored code.
    pub fn parse(s: &str) -> Option<Rating> {
        match s {
            "satisfied" => Some(Rating::Satisfied),
            "basically_satisfied" => Some(Rating::BasicallySatisfied),
            "unsatisfied" => Some(Rating::Unsatisfied),
            _ => None,
        }
    }

    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::BasicallySatisfied => "basically_satisfied",
            Rating::Unsatisfied => "unsatisfied",
        }
    }
}

/// A reporter gives feedback on a resolved concern, for themselves: the
/// tracking code is their own (the concern's, one merged into it, or the one
/// they got when they joined it) and the key given with it proves who speaks;
/// a wrong or missing key is the field error `err.resident_key`, the same
/// whether or not the code exists. Each reporter answers once per resolution.
/// Unsatisfied reopens the concern at once; it closes when every reporter who
/// can answer has answered satisfied (or basically), or when the feedback
/// window passes ([`close_after_window_in`]). Returns the state after.
pub async fn feedback(
    db: &Db,
    tracking_code: &str,
    key: &str,
    rating: Rating,
    comment: Option<&str>,
    thanks: Option<&str>,
) -> std::result::Result<&'static str, TransitionError> {
    let comment = comment.map(str::trim).filter(|s| !s.is_empty());
    let thanks = thanks.map(str::trim).filter(|s| !s.is_empty());
    use xieshang_core::concern::FeedbackText;
    for (field, text) in [("comment", comment), ("thanks", thanks)] {
        if let Some(e) = text.and_then(|t| FeedbackText::parse(t).err()) {
            return Err(Error::field(field, e.key, e.message).into());
        }
    }
    let own = xieshang_core::concern::TrackingCode::parse(tracking_code)
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    let reporter = reporter_of(&mut tx, &own).await?;
    // Hash the given key even when there is no such reporter, so the answer
    // takes as long either way.
    if !key_matches(reporter.as_ref().and_then(|r| r.key_hash.as_deref()), key) {
        return Err(wrong_key().into());
    }
    let Some(reporter) = reporter else {
        return Err(wrong_key().into());
    };
    let id = reporter.concern_id;
    let state: String = sqlx::query_scalar("SELECT state FROM concerns WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::from)?;
    // Which resolution this answers: the count of resolve events so far (not
    // a time, which two writes within one millisecond would share).
    let resolution: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM item_events WHERE kind = $1 AND item_id = $2 AND action = $3",
    )
    .bind(CONCERN.kind)
    .bind(id)
    .bind(Action::Resolve.as_str())
    .fetch_one(&mut *tx)
    .await
    .map_err(Error::from)?;
    if state != State::Resolved.as_str() {
        return Err(Error::field(
            "rating",
            "err.not_awaiting_feedback",
            "not awaiting feedback",
        )
        .into());
    }
    let answered: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT reporter FROM item_feedback
          WHERE kind = $1 AND item_id = $2 AND resolution = $3 AND reporter IS NOT NULL",
    )
    .bind(CONCERN.kind)
    .bind(id)
    .bind(resolution)
    .fetch_all(&mut *tx)
    .await
    .map_err(Error::from)?;
    if answered.contains(&own) {
        return Err(
            Error::field("rating", "err.feedback_given", "you have answered already").into(),
        );
    }
    let askable = askable_reporters(&mut tx, id).await?;
    let now = db.now_ms();
    let action = match rating {
        Rating::Satisfied => Action::FeedbackSatisfied,
        Rating::BasicallySatisfied => Action::FeedbackBasicallySatisfied,
        Rating::Unsatisfied => Action::FeedbackUnsatisfied,
    };
    // The last of the reporters to answer closes it; anyone unsatisfied reopens it.
    let last = answered.len() + 1 >= askable;
    let to = if rating == Rating::Unsatisfied || last {
        let event = if rating == Rating::Unsatisfied {
            "reopened"
        } else {
            "closed"
        };
        item::transition_in(
            &mut tx,
            now,
            &CONCERN,
            id,
            action,
            By::Resident,
            comment,
            &[notify_job(id, event)],
        )
        .await?
    } else {
        State::Resolved
    };
    item::feedback_in(
        &mut tx,
        now,
        &CONCERN,
        id,
        rating.code(),
        comment,
        thanks,
        Some((&own, resolution)),
    )
    .await?;
    sqlx::query(
        "UPDATE concerns SET closed_at = $1, public_feedback = public_feedback || $2 WHERE id = $3",
    )
    .bind((to == State::Closed).then_some(now))
    .bind(fold_feedback(rating.code(), now, comment, thanks))
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    tx.commit().await.map_err(Error::from)?;
    Ok(to.as_str())
}

/// How many reporters of a concern can answer its feedback: each one holding a
/// key (its own resident, those of concerns merged into it, those who joined
/// it or one of those).
async fn askable_reporters(tx: &mut crate::db::Tx, id: i64) -> Result<usize> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM concerns
                  WHERE (id = $1 OR merged_into = $1) AND resident_key_hash IS NOT NULL)
              + (SELECT COUNT(*) FROM concern_reporters r JOIN concerns c ON c.id = r.concern_id
                  WHERE (c.id = $1 OR c.merged_into = $1) AND r.resident_key_hash IS NOT NULL)",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Closes a concern still resolved when its feedback window has passed (the
/// `feedback_window` deadline stage queued at resolution): the reporters who
/// did not answer are taken as not objecting. Does nothing if it moved on.
pub async fn close_after_window_in(tx: &mut crate::db::Tx, now: i64, id: i64) -> Result<bool> {
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM concerns WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    if state.as_deref() != Some(State::Resolved.as_str()) {
        return Ok(false);
    }
    let to = item::transition_in(
        tx,
        now,
        &CONCERN,
        id,
        Action::Close,
        By::System,
        None,
        &[notify_job(id, "closed")],
    )
    .await
    .map_err(|e| match e {
        TransitionError::Store(e) => e,
        TransitionError::Refused(r) => Error::Db(sqlx::Error::Protocol(r.to_string())),
    })?;
    sqlx::query("UPDATE concerns SET closed_at = $1 WHERE id = $2")
        .bind((to == State::Closed).then_some(now))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}
