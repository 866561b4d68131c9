//! The member roster: a body's members with term, sector, street group, masked
//! contact details and status; joins, exits and re-joins with their history;
//! import from CSV or XLSX with a dry run that lists every refused row.

use crate::kit::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash;
use crate::kit::form::FieldErrors;
use crate::kit::page::{render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::Permission;
use xieshang_store::roster::{self, Fields, Filter, ImportReport, Member};

/// Registers the roster routes.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get(
        "/units/{id}/roster",
        Needs(Permission::UserView, Target::Org),
        get(roster_page),
    )
    .post(
        "/units/{id}/roster",
        Needs(Permission::UserManage, Target::Org),
        post(add_member),
    )
    .post(
        "/units/{id}/roster/import",
        Needs(Permission::UserManage, Target::Org),
        post(import).layer(DefaultBodyLimit::max(crate::kit::auth::UPLOAD_BODY_LIMIT)),
    )
    .get(
        "/members/{id}",
        Needs(Permission::UserView, Target::Member),
        get(member_page),
    )
    .post(
        "/members/{id}",
        Needs(Permission::UserManage, Target::Member),
        post(update_member),
    )
    .post(
        "/members/{id}/exit",
        Needs(Permission::UserManage, Target::Member),
        post(exit_member),
    )
    .post(
        "/members/{id}/rejoin",
        Needs(Permission::UserManage, Target::Member),
        post(rejoin_member),
    )
    .post(
        "/members/{id}/reveal",
        Needs(Permission::ReporterReveal, Target::Member),
        post(reveal),
    )
}

// ---------------------------------------------------------------- reading tables
//
// An upload is bounded before it is parsed (docs/decisions/0015): a table by
// its rows, columns and cells, an XLSX archive by what it really unpacks to.
// Nothing here allocates by what a file declares: a 1.6 KB XLSX can declare a
// cell at XFD1048576, and a grid of that size is 512 GiB.

/// The most rows a table may have (a city's body has a few thousand members).
pub const MAX_ROWS: u32 = 5_000;
/// The most columns a table may have (a roster has nine; room for notes).
pub const MAX_COLUMNS: u32 = 64;
/// The most cells an XLSX sheet may hold, counted as they stream by, repeats
/// included: one for each place of the largest table.
pub const MAX_CELLS: usize = (MAX_ROWS * MAX_COLUMNS) as usize;
/// The most bytes an XLSX archive may unpack to, counted by decompressing (the
/// sizes an archive declares can lie). A full 5,000 × 64 sheet is roughly
/// 10–20 MB of XML.
pub const MAX_UNPACKED: u64 = 32 * 1024 * 1024;
/// The most parts an XLSX archive may have (a workbook has about a dozen).
pub const MAX_PARTS: usize = 256;
/// The largest number the shared strings table's `<sst>` tag may state: calamine
/// reserves room for `uniqueCount` strings before reading one (24 bytes each).
const MAX_SHARED_STRINGS: u64 = 1_000_000;

/// Reads an uploaded table: XLSX (by its zip signature, first sheet), or text
/// separated by commas (or tabs, as Excel's "Unicode text" saves it) in UTF-8,
/// UTF-16 with a byte-order mark, or GB18030 as Excel in Chinese saves CSV.
/// Every cell becomes text; whole numbers lose their ".0". A table beyond
/// [`MAX_ROWS`] or [`MAX_COLUMNS`] is refused. CPU work: call it through
/// [`AppState::parsing`].
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, &'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    let utf16 = if bytes.starts_with(b"\xff\xfe") {
        Some(encoding_rs::UTF_16LE)
    } else if bytes.starts_with(b"\xfe\xff") {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    };
    if let Some(enc) = utf16 {
        let (s, _, bad) = enc.decode(bytes);
        if bad {
            return Err("err.import_encoding");
        }
        return read_csv(&s);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err("err.import_encoding");
            }
            s.into_owned()
        }
    };
    read_csv(&text)
}

fn read_csv(text: &str) -> Result<Vec<Vec<String>>, &'static str> {
    let first = text.lines().next().unwrap_or_default();
    let tabs = first.contains('\t') && !first.contains(',');
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(if tabs { b'\t' } else { b',' })
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in rd.records() {
        let record = record.map_err(|_| "err.import_csv")?;
        if rows.len() >= MAX_ROWS as usize || record.len() > MAX_COLUMNS as usize {
            return Err("err.import_bounds");
        }
        rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok(rows)
}

/// Refuses an archive with more than [`MAX_PARTS`] parts or that unpacks to
/// more than [`MAX_UNPACKED`] bytes, by decompressing each part into a sink,
/// never further than the bytes left.
fn check_archive(bytes: &[u8]) -> Result<(), &'static str> {
    use std::io::Read;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| "err.import_xlsx")?;
    if zip.len() > MAX_PARTS {
        return Err("err.import_too_big");
    }
    let mut left = MAX_UNPACKED;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|_| "err.import_xlsx")?;
        let unpacked = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|_| "err.import_xlsx")?;
        if unpacked > left {
            return Err("err.import_too_big");
        }
        left -= unpacked;
    }
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|_| "err.import_xlsx")?;
        let name = part.name().map_err(|_| "err.import_xlsx")?;
        let name = name.replace('\\', "/").to_ascii_lowercase();
        if name.ends_with("sharedstrings.xml") {
            check_shared_strings(part.take(MAX_UNPACKED))?;
        }
    }
    Ok(())
}

/// Refuses a shared strings table whose `<sst>` tag states a number over
/// [`MAX_SHARED_STRINGS`] in any attribute: calamine would reserve that many
/// strings at once (`uniqueCount="1000000000000"` is 24 TB, and the process
/// aborts). The tag is found as calamine finds it, by reading XML events.
fn check_shared_strings(part: impl std::io::Read) -> Result<(), &'static str> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let too_big = e
                    .attributes_raw()
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|digits| !digits.is_empty())
                    .any(|digits| {
                        digits
                            .parse::<u64>()
                            .map_or(true, |n| n > MAX_SHARED_STRINGS)
                    });
                return if too_big {
                    Err("err.import_bounds")
                } else {
                    Ok(())
                };
            }
            Ok(Event::Eof) => return Ok(()),
            Err(_) => return Err("err.import_xlsx"),
            Ok(_) => {}
        }
    }
}

/// Whether a (row, column) position lies within a table's bounds.
fn within((row, col): (u32, u32)) -> bool {
    row < MAX_ROWS && col < MAX_COLUMNS
}

/// Reads the first sheet cell by cell (never as a calamine `Range`, which
/// allocates the whole declared grid) and builds the rows over the cells that
/// hold something, as a range would.
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, &'static str> {
    use calamine::{Reader, Xlsx};
    check_archive(bytes)?;
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| "err.import_xlsx")?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or("err.import_xlsx")?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| "err.import_xlsx")?;
    let declared = cells.dimensions();
    if !within(declared.start) || !within(declared.end) {
        return Err("err.import_bounds");
    }
    let mut kept: Vec<((u32, u32), String)> = Vec::new();
    let mut seen = 0;
    while let Some(cell) = cells.next_cell().map_err(|_| "err.import_xlsx")? {
        seen += 1;
        let pos = cell.get_position();
        if seen > MAX_CELLS || !within(pos) {
            return Err("err.import_bounds");
        }
        if *cell.get_value() != calamine::DataRef::Empty {
            kept.push((pos, cell_text(cell.get_value())));
        }
    }
    let Some(top) = kept.iter().map(|((r, _), _)| *r).min() else {
        return Ok(Vec::new());
    };
    let left = kept.iter().map(|((_, c), _)| *c).min().unwrap_or(0);
    let bottom = kept.iter().map(|((r, _), _)| *r).max().unwrap_or(top);
    let right = kept.iter().map(|((_, c), _)| *c).max().unwrap_or(left);
    // Within bounds, so at most MAX_ROWS × MAX_COLUMNS places.
    let width = (right - left + 1) as usize;
    let mut rows = vec![vec![String::new(); width]; (bottom - top + 1) as usize];
    for ((r, c), text) in kept {
        rows[(r - top) as usize][(c - left) as usize] = text;
    }
    Ok(rows)
}

/// A cell as text: whole numbers without ".0", dates as YYYY-MM-DD.
fn cell_text(c: &calamine::DataRef<'_>) -> String {
    use calamine::{DataRef, DataType};
    match c {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(_) => c
            .as_date()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    }
}

// ---------------------------------------------------------------- the roster page

#[derive(Template)]
#[template(path = "roster/roster.html")]
struct RosterTpl {
    page: Page,
    unit: i64,
    unit_name: String,
    members: Vec<Member>,
    active: usize,
    exited: usize,
    /// (sector, active members) in order of size.
    sectors: Vec<(String, usize)>,
    filter: RosterQuery,
    can_manage: bool,
    columns: String,
    /// The language the column names are written in.
    columns_lang: &'static str,
    /// A refused new member's fields as typed (empty when none was refused).
    form: MemberForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
struct RosterQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    q: String,
    ok: Option<String>,
    err: Option<String>,
}

async fn roster_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<RosterQuery>,
) -> AppResult<Response> {
    roster_view(
        &state,
        tr,
        &u,
        id,
        q,
        MemberForm::default(),
        FieldErrors::new(),
    )
    .await
}

/// The roster page, with a refused new member's fields and their errors.
async fn roster_view(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    q: RosterQuery,
    form: MemberForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let unit = xieshang_store::org::get(&state.db, &u.actor, Permission::UserView, id).await?;
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let members = roster::list(
        &state.db,
        &u.actor,
        id,
        &Filter {
            status: opt(&q.status),
            sector: opt(&q.sector),
            term: opt(&q.term),
            text: opt(&q.q),
        },
    )
    .await?;
    let active = members.iter().filter(|m| m.status == "active").count();
    let mut sectors: Vec<(String, usize)> = Vec::new();
    for m in members.iter().filter(|m| m.status == "active") {
        match sectors.iter_mut().find(|(s, _)| *s == m.sector) {
            Some(e) => e.1 += 1,
            None => sectors.push((m.sector.clone(), 1)),
        }
    }
    sectors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let flash = Flash {
        ok: q.ok.clone(),
        err: q.err.clone(),
        archived: None,
    };
    render(RosterTpl {
        page: Page::signed_in(tr, u, &flash),
        form,
        errors,
        unit: id,
        unit_name: unit.name,
        exited: members.len() - active,
        active,
        members,
        sectors,
        filter: q,
        can_manage: u.actor.check(Permission::UserManage, &unit.path).is_ok(),
        // The headers an import reads as written: in simplified characters on
        // a zh-TW page too, and said so by `lang` (issue 27 point 3).
        columns_lang: if tr.lang == crate::kit::i18n::Lang::En {
            "en"
        } else {
            "zh-CN"
        },
        // The headers an import accepts, in the page's language: the
        // English page names the English ones (issue 27 point 6).
        columns: roster::COLUMNS
            .iter()
            .map(|(_, names)| {
                if tr.lang == crate::kit::i18n::Lang::En {
                    names[0]
                } else {
                    names[1]
                }
            })
            .collect::<Vec<_>>()
            .join(","),
    })
}

#[derive(Deserialize, Default, Clone)]
struct MemberForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    street_group: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    joined_on: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    reason: String,
}

impl MemberForm {
    fn fields(&self) -> Fields {
        Fields {
            code: self.code.clone(),
            name: self.name.clone(),
            term: self.term.clone(),
            sector: self.sector.clone(),
            street_group: self.street_group.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            joined_on: self.joined_on.clone(),
            username: self.username.clone(),
        }
    }
}

async fn add_member(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> AppResult<Response> {
    match roster::add(
        &state.db,
        state.sealer.as_deref(),
        &u.actor,
        id,
        &f.fields(),
        f.reason.trim(),
    )
    .await
    {
        Ok(m) => Ok(flash::ok(&format!("/members/{m}"), "roster.joined")),
        // The form's ids are the store's field names; a refusal of the
        // member's state (none for a new one) goes to the first field.
        Err(e) => match FieldErrors::refused_as(&e, add_field) {
            Some(errors) => {
                let q = RosterQuery::default();
                roster_view(&state, tr, &u, id, q, f, errors).await
            }
            None => Err(e.into()),
        },
    }
}

/// The add form's element for a field the store names.
fn add_field(field: &str) -> &'static str {
    match field {
        "name" => "name",
        "term" => "term",
        "sector" => "sector",
        "street_group" => "street_group",
        "phone" => "phone",
        "email" => "email",
        "joined_on" => "joined_on",
        "username" => "username",
        "reason" => "reason",
        _ => "code",
    }
}

// ---------------------------------------------------------------- import

#[derive(Template)]
#[template(path = "roster/roster_import.html")]
struct ImportTpl {
    page: Page,
    unit: i64,
    unit_name: String,
    report: ImportReport,
    commit: bool,
    /// A problem with the file itself (message key).
    unreadable: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct ImportForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    rows: String,
    #[serde(default)]
    reason: String,
}

async fn import(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    up: CsrfUpload<ImportForm>,
) -> AppResult<Response> {
    let unit = xieshang_store::org::get(&state.db, &u.actor, Permission::UserManage, id).await?;
    let commit = up.form.mode == "commit";
    // Parsing runs on the bounded parsing pool, off the async threads.
    let rows = up.form.rows.trim().to_owned();
    let table = match up.files.into_iter().next() {
        Some(file) if file.oversize => Err("err.import_file_size"),
        Some(file) => state.parsing(move || read_table(&file.bytes)).await?,
        None if !rows.is_empty() => state.parsing(move || read_csv(&rows)).await?,
        None => Err("err.import_empty"),
    };
    let (report, unreadable) = match table {
        Ok(table) => (
            roster::import(
                &state.db,
                state.sealer.as_deref(),
                &u.actor,
                id,
                &table,
                up.form.reason.trim(),
                commit,
            )
            .await?,
            None,
        ),
        Err(key) => (ImportReport::default(), Some(key)),
    };
    let mut res = render(ImportTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        unit: id,
        unit_name: unit.name,
        report,
        commit,
        unreadable,
    })?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

// ---------------------------------------------------------------- one member

#[derive(Template)]
#[template(path = "roster/member.html")]
struct MemberTpl {
    page: Page,
    m: Member,
    history: Vec<roster::Change>,
    can_manage: bool,
    can_reveal: bool,
    revealed: Option<(Option<String>, Option<String>)>,
    exit_types: Vec<(&'static str, &'static str)>,
    today: String,
    /// The edit form's fields: the member's, or as typed when refused.
    edit: MemberForm,
    /// A refused exit or rejoin as typed (`which` says which).
    change: ChangeForm,
    errors: FieldErrors,
}

/// A refused form of the member page: the edit, or an exit or rejoin.
enum Kept {
    Edit(MemberForm),
    Change(ChangeForm),
}

/// The interface label of an import column.
fn field_label(field: &str) -> &'static str {
    match field {
        "code" => "roster.code",
        "name" => "roster.name",
        "term" => "roster.term",
        "sector" => "roster.sector",
        "street_group" => "roster.street_group",
        "phone" => "roster.phone",
        "email" => "roster.email",
        "joined_on" => "roster.joined_on",
        "username" => "roster.account",
        _ => "common.unknown",
    }
}

fn exit_label(code: &str) -> &'static str {
    match code {
        "resignation" => "exit.resignation",
        "removal" => "exit.removal",
        "revocation" => "exit.revocation",
        "persuaded" => "exit.persuaded",
        _ => "common.unknown",
    }
}

fn change_label(kind: &str) -> &'static str {
    match kind {
        "join" => "roster.change_join",
        "exit" => "roster.change_exit",
        "rejoin" => "roster.change_rejoin",
        "update" => "roster.change_update",
        _ => "common.unknown",
    }
}

async fn member_view(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    revealed: Option<(Option<String>, Option<String>)>,
    kept: Option<(Kept, FieldErrors)>,
) -> AppResult<Response> {
    let m = roster::get(&state.db, &u.actor, Permission::UserView, id).await?;
    // The forms show the member's fields unless one came back refused
    // (phone and email are new values only, empty unless typed).
    let (kept, errors) = match kept {
        Some((k, e)) => (Some(k), e),
        None => (None, FieldErrors::new()),
    };
    let members_own = || MemberForm {
        name: m.name.clone(),
        term: m.term.clone(),
        sector: m.sector.clone(),
        street_group: m
            .street_group
            .as_ref()
            .map(|s| s.1.clone())
            .unwrap_or_default(),
        username: m.account.as_ref().map(|a| a.1.clone()).unwrap_or_default(),
        ..MemberForm::default()
    };
    let (edit, change) = match kept {
        Some(Kept::Edit(f)) => (f, ChangeForm::default()),
        Some(Kept::Change(c)) => (members_own(), c),
        None => (members_own(), ChangeForm::default()),
    };
    let history = roster::history(&state.db, &u.actor, id).await?;
    let today = xieshang_core::calendar::cst_date(state.db.now_ms())
        .format("%Y-%m-%d")
        .to_string();
    let mut res = render(MemberTpl {
        page: Page::signed_in(tr, u, flash),
        can_manage: u.actor.check(Permission::UserManage, &m.scope).is_ok(),
        can_reveal: u.actor.check(Permission::ReporterReveal, &m.scope).is_ok()
            && state.sealer.is_some()
            && (m.phone.is_some() || m.email.is_some()),
        m,
        history,
        revealed,
        exit_types: roster::EXIT_TYPES
            .iter()
            .map(|c| (*c, exit_label(c)))
            .collect(),
        today,
        edit,
        change,
        errors,
    })?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

async fn member_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    member_view(&state, tr, &u, id, &flash, None, None).await
}

/// Back to the member page with `ok`, or the page again with the refused
/// form as typed and the field marked (`field_id` maps the store's field to
/// the element that shows it).
async fn after_member_form<T>(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    (result, ok): (Result<T, xieshang_store::Error>, &str),
    kept: Kept,
    field_id: fn(&str) -> &'static str,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(flash::ok(&format!("/members/{id}"), ok)),
        Err(e) => match FieldErrors::refused_as(&e, field_id) {
            Some(errors) => {
                let flash = Flash::default();
                member_view(state, tr, u, id, &flash, None, Some((kept, errors))).await
            }
            None => Err(e.into()),
        },
    }
}

/// The edit form's element for a field the store names.
fn edit_field(field: &str) -> &'static str {
    match field {
        "term" => "e-term",
        "sector" => "e-sector",
        "street_group" => "e-street",
        "phone" => "e-phone",
        "email" => "e-email",
        "username" => "e-account",
        _ => "e-name",
    }
}

fn exit_field(field: &str) -> &'static str {
    match field {
        "reason" => "exit-reason",
        "on_date" => "exit-date",
        _ => "exit_type",
    }
}

fn rejoin_field(field: &str) -> &'static str {
    match field {
        "reason" => "rejoin-reason",
        "on_date" => "rejoin-date",
        _ => "rejoin-term",
    }
}

async fn update_member(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> AppResult<Response> {
    let result = roster::update(
        &state.db,
        state.sealer.as_deref(),
        &u.actor,
        id,
        &f.fields(),
    )
    .await;
    let done = (result, "common.saved");
    after_member_form(&state, tr, &u, id, done, Kept::Edit(f), edit_field).await
}

#[derive(Deserialize, Default)]
struct ChangeForm {
    #[serde(default)]
    exit_type: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    on_date: String,
    /// "exit" or "rejoin" when the form came back refused.
    #[serde(skip)]
    which: &'static str,
}

async fn exit_member(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(mut f): CsrfForm<ChangeForm>,
) -> AppResult<Response> {
    f.which = "exit";
    let result = roster::exit(&state.db, &u.actor, id, &f.exit_type, &f.reason, &f.on_date).await;
    let done = (result, "roster.exited_ok");
    after_member_form(&state, tr, &u, id, done, Kept::Change(f), exit_field).await
}

async fn rejoin_member(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(mut f): CsrfForm<ChangeForm>,
) -> AppResult<Response> {
    f.which = "rejoin";
    let result = roster::rejoin(&state.db, &u.actor, id, &f.term, &f.reason, &f.on_date).await;
    let done = (result, "roster.joined");
    after_member_form(&state, tr, &u, id, done, Kept::Change(f), rejoin_field).await
}

#[derive(Deserialize)]
struct Empty {}

async fn reveal(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let sealer = state
        .sealer
        .as_deref()
        .ok_or_else(|| AppError::Internal("no personal-data key configured".into()))?;
    let shown = roster::reveal(&state.db, sealer, &u.actor, id).await?;
    member_view(&state, tr, &u, id, &Flash::default(), Some(shown), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_utf8_with_bom_and_in_gb18030() {
        let text = "\u{feff}编号,姓名\nA1,王建国\n";
        let t = read_table(text.as_bytes()).unwrap();
        assert_eq!(t, vec![vec!["编号", "姓名"], vec!["A1", "王建国"]]);
        let (gbk, _, _) = encoding_rs::GB18030.encode("编号,姓名\nA1,王建国\n");
        let t = read_table(&gbk).unwrap();
        assert_eq!(t[1], vec!["A1", "王建国"]);
    }

    #[test]
    fn xlsx_cells_become_text() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "电话").unwrap();
        sheet.write_string(0, 1, "加入日期").unwrap();
        sheet.write_number(1, 0, 13812345678.0).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 1, 15).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_datetime_with_format(1, 1, &date, &fmt).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let t = read_table(&bytes).unwrap();
        assert_eq!(t[1], vec!["13812345678", "2024-01-15"]);
    }

    #[test]
    fn broken_files_are_named() {
        assert_eq!(read_table(b"PK\x03\x04garbage"), Err("err.import_xlsx"));
        assert_eq!(read_table(b"\x81\x20a,b"), Err("err.import_encoding"));
    }

    /// A workbook written part by part, with `sheet` as its only worksheet's
    /// XML and `extra` parts added as they are.
    fn hand_xlsx(sheet: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let ns = "http://schemas.openxmlformats.org";
        let parts: Vec<(String, Vec<u8>)> = vec![
            (
                "_rels/.rels".into(),
                format!(r#"<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#).into_bytes(),
            ),
            (
                "xl/workbook.xml".into(),
                format!(r#"<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#).into_bytes(),
            ),
            (
                "xl/_rels/workbook.xml.rels".into(),
                format!(r#"<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#).into_bytes(),
            ),
            (
                "xl/worksheets/sheet1.xml".into(),
                format!(r#"<worksheet xmlns="{ns}/spreadsheetml/2006/main">{sheet}</worksheet>"#).into_bytes(),
            ),
        ];
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .chain(extra.iter().copied())
        {
            zip.start_file(name, opts).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn inline(cell: &str, text: &str) -> String {
        format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn a_hand_written_workbook_reads_like_a_range() {
        // Data from B2: rows and columns start at the first cell that holds
        // something, as calamine's ranges did.
        let sheet = format!(
            "<sheetData><row r=\"2\">{}{}</row><row r=\"4\">{}<c r=\"D4\"><v>42</v></c></row></sheetData>",
            inline("B2", "编号"),
            inline("C2", "姓名"),
            inline("B4", "A1"),
        );
        let t = read_table(&hand_xlsx(&sheet, &[])).unwrap();
        assert_eq!(
            t,
            vec![
                vec!["编号", "姓名", ""],
                vec!["", "", ""],
                vec!["A1", "", "42"],
            ]
        );
    }

    #[test]
    fn a_sheet_reaching_the_last_cell_is_refused_without_a_grid() {
        // The attack of issue 24: two cells, A1 and XFD1048576, 512 GiB as a range.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "编号").unwrap();
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert!(bytes.len() < 8 * 1024, "{} bytes", bytes.len());
        assert_eq!(read_table(&bytes), Err("err.import_bounds"));
        // Without a <dimension>, the cell's own position is refused.
        let far = format!(
            "<sheetData><row r=\"1\">{}{}</row></sheetData>",
            inline("A1", "a"),
            inline("BM1", "b")
        );
        assert_eq!(read_table(&hand_xlsx(&far, &[])), Err("err.import_bounds"));
        let deep = format!(
            "<sheetData><row r=\"5001\">{}</row></sheetData>",
            inline("A5001", "a")
        );
        assert_eq!(read_table(&hand_xlsx(&deep, &[])), Err("err.import_bounds"));
        // The last row and column a roster may have are read.
        let edge = format!(
            "<sheetData><row r=\"5000\">{}</row></sheetData>",
            inline("BL5000", "x")
        );
        assert_eq!(
            read_table(&hand_xlsx(&edge, &[])),
            Ok(vec![vec!["x".to_owned()]])
        );
        // A declared dimension beyond the bounds is refused before any cell.
        let declared = format!(
            "<dimension ref=\"A1:A9999\"/><sheetData><row r=\"1\">{}</row></sheetData>",
            inline("A1", "a")
        );
        assert_eq!(
            read_table(&hand_xlsx(&declared, &[])),
            Err("err.import_bounds")
        );
    }

    #[test]
    fn one_cell_repeated_past_the_cap_is_refused() {
        let cells = "<c r=\"A1\"><v>1</v></c>".repeat(MAX_CELLS + 1);
        let sheet = format!("<sheetData><row r=\"1\">{cells}</row></sheetData>");
        assert_eq!(
            read_table(&hand_xlsx(&sheet, &[])),
            Err("err.import_bounds")
        );
    }

    #[test]
    fn an_archive_is_measured_by_what_it_unpacks_to() {
        let sheet = format!(
            "<sheetData><row r=\"1\">{}</row></sheetData>",
            inline("A1", "a")
        );
        let fits = vec![0u8; MAX_UNPACKED as usize / 2];
        assert!(read_table(&hand_xlsx(&sheet, &[("xl/media/a.bin", &fits)])).is_ok());
        let over = vec![0u8; MAX_UNPACKED as usize + 1];
        let bomb = hand_xlsx(&sheet, &[("xl/media/a.bin", &over)]);
        assert!(bomb.len() < 200 * 1024, "{} bytes", bomb.len());
        assert_eq!(read_table(&bomb), Err("err.import_too_big"));
        // The sizes the archive declares are ignored: say 100 bytes in the
        // local and the central header (both hold the 33 MiB as 0x02100001).
        let declared = (MAX_UNPACKED as u32 + 1).to_le_bytes();
        let mut lying = bomb.clone();
        let at: Vec<usize> = lying
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == declared)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(at.len(), 2, "one local and one central header");
        for i in at {
            lying[i..i + 4].copy_from_slice(&100u32.to_le_bytes());
        }
        assert!(read_table(&lying).is_err());
        // Too many parts.
        let many: Vec<(String, Vec<u8>)> = (0..MAX_PARTS)
            .map(|i| (format!("xl/p{i}.xml"), Vec::new()))
            .collect();
        let many: Vec<(&str, &[u8])> = many
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        assert_eq!(
            read_table(&hand_xlsx(&sheet, &many)),
            Err("err.import_too_big")
        );
    }

    #[test]
    fn a_shared_strings_table_stating_a_trillion_strings_is_refused() {
        let sheet = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#;
        let sst = |unique: &str| {
            format!(
                r#"<?xml version="1.0"?><!-- <sst uniqueCount="1"> --><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{unique}"><si><t>编号</t></si></sst>"#
            )
        };
        let fine = sst("1");
        let t = read_table(&hand_xlsx(
            sheet,
            &[("xl/sharedStrings.xml", fine.as_bytes())],
        ));
        assert_eq!(t, Ok(vec![vec!["编号".to_owned()]]));
        for unique in ["1000000000000", "1000001", "99999999999999999999999"] {
            let bomb = sst(unique);
            let t = read_table(&hand_xlsx(
                sheet,
                &[("xl/sharedStrings.xml", bomb.as_bytes())],
            ));
            assert_eq!(t, Err("err.import_bounds"), "{unique}");
        }
    }

    #[test]
    fn csv_beyond_the_bounds_is_refused() {
        let rows = "a,b\n".repeat(MAX_ROWS as usize);
        assert_eq!(
            read_table(rows.as_bytes()).map(|t| t.len()),
            Ok(MAX_ROWS as usize)
        );
        let rows = "a,b\n".repeat(MAX_ROWS as usize + 1);
        assert_eq!(read_table(rows.as_bytes()), Err("err.import_bounds"));
        let wide = vec!["x"; MAX_COLUMNS as usize + 1].join(",");
        assert_eq!(read_table(wide.as_bytes()), Err("err.import_bounds"));
    }

    #[test]
    fn unicode_text_from_excel_is_utf16_with_tabs() {
        let mut bytes = vec![0xff, 0xfe];
        for u in "编号\t姓名\r\nA1\t王建国\r\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let t = read_table(&bytes).unwrap();
        assert_eq!(t, vec![vec!["编号", "姓名"], vec!["A1", "王建国"]]);
    }
}
