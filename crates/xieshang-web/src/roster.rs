//! The member roster: a body's members with term, sector, street group, masked
//! contact details and status; joins, exits and re-joins with their history;
//! import from CSV or XLSX with a dry run that lists every refused row.

use crate::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang};
use crate::duty::refused;
use crate::error::{AppError, AppResult};
use crate::pages::{render, Flash, Page};
use crate::routes::{Access, Routes, Target};
use crate::state::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::Permission;
use xieshang_store::roster::{self, Fields, Filter, ImportReport, Member};

/// Registers the roster routes.
pub fn register(r: Routes) -> Routes {
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
        post(import).layer(DefaultBodyLimit::max(crate::auth::UPLOAD_BODY_LIMIT)),
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

/// Reads an uploaded table: XLSX (by its zip signature, first sheet), or text
/// separated by commas (or tabs, as Excel's "Unicode text" saves it) in UTF-8,
/// UTF-16 with a byte-order mark, or GB18030 as Excel in Chinese saves CSV.
/// Every cell becomes text; whole numbers lose their ".0".
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
    rd.records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_owned).collect())
                .map_err(|_| "err.import_csv")
        })
        .collect()
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, &'static str> {
    use calamine::{Data, DataType, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|_| "err.import_xlsx")?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("err.import_xlsx")?
        .map_err(|_| "err.import_xlsx")?;
    Ok(range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty | Data::Error(_) => String::new(),
                    Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(_) => c
                        .as_date()
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .collect())
}

// ---------------------------------------------------------------- the roster page

#[derive(Template)]
#[template(path = "roster.html")]
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
        page: Page::signed_in(tr, &u, &flash),
        unit: id,
        unit_name: unit.name,
        exited: members.len() - active,
        active,
        members,
        sectors,
        filter: q,
        can_manage: u.actor.check(Permission::UserManage, &unit.path).is_ok(),
        columns: roster::COLUMNS
            .iter()
            .map(|(_, names)| names[1])
            .collect::<Vec<_>>()
            .join(","),
    })
}

#[derive(Deserialize, Default)]
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
        Ok(m) => Ok(Redirect::to(&format!("/members/{m}?ok=roster.joined")).into_response()),
        Err(e) => refused(&format!("/units/{id}/roster"), e),
    }
}

// ---------------------------------------------------------------- import

#[derive(Template)]
#[template(path = "roster_import.html")]
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
    let table = match up.files.first() {
        Some(file) => read_table(&file.bytes),
        None if !up.form.rows.trim().is_empty() => read_csv(up.form.rows.trim()),
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
#[template(path = "member.html")]
struct MemberTpl {
    page: Page,
    m: Member,
    history: Vec<roster::Change>,
    can_manage: bool,
    can_reveal: bool,
    revealed: Option<(Option<String>, Option<String>)>,
    exit_types: Vec<(&'static str, &'static str)>,
    today: String,
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
    tr: crate::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    revealed: Option<(Option<String>, Option<String>)>,
) -> AppResult<Response> {
    let m = roster::get(&state.db, &u.actor, Permission::UserView, id).await?;
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
    member_view(&state, tr, &u, id, &flash, None).await
}

async fn update_member(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MemberForm>,
) -> AppResult<Response> {
    let path = format!("/members/{id}");
    match roster::update(
        &state.db,
        state.sealer.as_deref(),
        &u.actor,
        id,
        &f.fields(),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{path}?ok=common.saved")).into_response()),
        Err(e) => refused(&path, e),
    }
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
}

async fn exit_member(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> AppResult<Response> {
    let path = format!("/members/{id}");
    match roster::exit(&state.db, &u.actor, id, &f.exit_type, &f.reason, &f.on_date).await {
        Ok(_) => Ok(Redirect::to(&format!("{path}?ok=roster.exited_ok")).into_response()),
        Err(e) => refused(&path, e),
    }
}

async fn rejoin_member(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> AppResult<Response> {
    let path = format!("/members/{id}");
    match roster::rejoin(&state.db, &u.actor, id, &f.term, &f.reason, &f.on_date).await {
        Ok(()) => Ok(Redirect::to(&format!("{path}?ok=roster.joined")).into_response()),
        Err(e) => refused(&path, e),
    }
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
    member_view(&state, tr, &u, id, &Flash::default(), Some(shown)).await
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
