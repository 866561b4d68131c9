//! Exports: staff download any filtered concern list as CSV or XLSX (inside their
//! scope); anyone downloads the open-data CSV of resolved concerns. Neither holds
//! personal data: no names, phones or recorders. No CSV cell can run as a
//! formula ([`inert_cell`]); XLSX cells are written as strings, which never do.
//!
//! Headers and labels follow the interface's language (zh-CN, zh-TW, en);
//! `?headers=machine` gives a CSV the stable column codes of [`COLUMNS`] as
//! its header instead, for programs that read it (issue 26).

use crate::kit::auth::{CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::i18n::Tr;
use crate::kit::page::{category_choices, iso_time, state_key};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use xieshang_core::{concern::category, Permission};
use xieshang_store::concern::open_data::{self, Filter, PublicConcern};

/// Registers the export routes.
pub fn routes(r: Routes) -> Routes {
    r.get(
        "/exports/{file}",
        Access::Needs(Permission::ConcernView, Target::None),
        get(staff_export),
    )
    .get("/open-data/{file}", Access::Public, get(open_data_export))
}

/// At most this many rows per export.
const MAX_ROWS: i64 = 50_000;

#[derive(Debug, Default, Deserialize)]
struct ExportQuery {
    state: Option<String>,
    category: Option<String>,
    /// First day, YYYY-MM-DD (China time).
    from: Option<String>,
    /// Last day, YYYY-MM-DD (China time).
    to: Option<String>,
    /// `machine`: the CSV header is the stable column codes, not the labels.
    headers: Option<String>,
}

fn day_ms(s: &str, end: bool) -> AppResult<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest(format!("not a date: {s}")))?;
    let d = if end { d + chrono::Days::new(1) } else { d };
    let t = d
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| AppError::BadRequest(s.to_owned()))?;
    Ok(t.and_utc().timestamp_millis() - 8 * 3_600_000 - i64::from(end))
}

impl ExportQuery {
    fn filter(&self) -> AppResult<Filter> {
        let mut f = Filter {
            limit: MAX_ROWS,
            ..Default::default()
        };
        if let Some(s) = self.state.as_deref().filter(|s| !s.is_empty()) {
            if xieshang_core::item::CONCERN.state(s).is_none() {
                return Err(AppError::BadRequest(format!("no state {s}")));
            }
            f.states = vec![s.to_owned()];
        }
        if let Some(c) = self.category.as_deref().filter(|s| !s.is_empty()) {
            if category::by_code(c).is_none() {
                return Err(AppError::BadRequest(format!("no category {c}")));
            }
            f.categories = vec![c.to_owned()];
        }
        f.start = self
            .from
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| day_ms(s, false))
            .transpose()?;
        f.end = self
            .to
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| day_ms(s, true))
            .transpose()?;
        Ok(f)
    }
}

/// The columns' codes: the machine header (`?headers=machine`); `export.<code>`
/// labels them in the interface's language.
const COLUMNS: [&str; 11] = [
    "tracking_code",
    "category",
    "area",
    "title",
    "description",
    "state",
    "created_at",
    "deadline_at",
    "resolved_at",
    "agency",
    "result_note",
];

/// A concern's values, in [`COLUMNS`] order.
fn values(tr: Tr, c: &PublicConcern) -> [String; 11] {
    let cat = category_choices(tr)
        .into_iter()
        .find(|(code, _)| *code == c.category)
        .map(|(_, name)| name.to_owned())
        .unwrap_or_else(|| c.category.clone());
    [
        c.tracking_code.clone(),
        cat,
        tr.label(&c.area).into_owned(),
        c.title.clone(),
        c.description.clone(),
        tr.t(state_key(&c.state)).to_owned(),
        iso_time(c.created_at),
        c.deadline_at.map(iso_time).unwrap_or_default(),
        c.resolved_at.map(iso_time).unwrap_or_default(),
        c.agency
            .as_deref()
            .map(|a| tr.label(a).into_owned())
            .unwrap_or_default(),
        c.result_note.clone().unwrap_or_default(),
    ]
}

pub use crate::kit::csv::inert_cell;

/// How a CSV's first row names the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    /// In the interface's language, for people.
    Labels,
    /// The stable codes of [`COLUMNS`], for programs.
    Machine,
}

impl ExportQuery {
    fn header(&self) -> AppResult<Header> {
        match self.headers.as_deref() {
            None | Some("" | "labels") => Ok(Header::Labels),
            Some("machine") => Ok(Header::Machine),
            Some(h) => Err(AppError::BadRequest(format!(
                "headers={h}: use labels or machine"
            ))),
        }
    }
}

fn csv(tr: Tr, header: Header, rows: &[PublicConcern]) -> AppResult<Vec<u8>> {
    let mut w = crate::kit::csv::Csv::new();
    match header {
        Header::Machine => w.row(COLUMNS)?,
        Header::Labels => w.row(COLUMNS.map(|k| tr.t(&format!("export.{k}"))))?,
    }
    for r in rows {
        w.row(values(tr, r))?;
    }
    w.finish()
}

fn xlsx(tr: Tr, rows: &[PublicConcern]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(tr.t("concerns.title")).map_err(err)?;
    let bold = Format::new().set_bold();
    for (i, k) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, i as u16, tr.t(&format!("export.{k}")), &bold)
            .map_err(err)?;
    }
    for (n, r) in rows.iter().enumerate() {
        for (i, v) in values(tr, r).iter().enumerate() {
            sheet.write_string(n as u32 + 1, i as u16, v).map_err(err)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    book.save_to_buffer().map_err(err)
}

async fn staff_export(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    let xlsx_wanted = match file.as_str() {
        "concerns.csv" => false,
        "concerns.xlsx" => true,
        _ => return Err(AppError::NotFound),
    };
    let rows = open_data::list_for(&state.db, &u.actor, &q.filter()?).await?;
    let bytes = if xlsx_wanted {
        xlsx(tr, &rows)?
    } else {
        csv(tr, q.header()?, &rows)?
    };
    Ok(crate::kit::page::download(bytes, &file, xlsx_wanted))
}

/// Resolved and closed concerns, city-wide or for one unit (`?area=code`).
async fn open_data_export(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    if file != "concerns.csv" {
        return Err(AppError::NotFound);
    }
    let header = q.header()?;
    let mut f = ExportQuery { state: None, ..q }.filter()?;
    f.states = vec!["resolved".into(), "closed".into()];
    let rows = open_data::published(&state.db, &f).await?;
    Ok(crate::kit::page::download(
        csv(tr, header, &rows)?,
        "concerns-open-data.csv",
        false,
    ))
}

// ---------------------------------------------------------------- webhooks
