//! The city view (issue 31 point 7; decision record 0047): the districts
//! side by side over a chosen period, as a table, CSV and XLSX downloads and
//! a server-drawn SVG bar chart of one chosen figure. Each figure links to
//! the district's own page of that work.

use crate::kit::auth::{CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::Tr;
use crate::kit::page::{render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use xieshang_core::Permission;
use xieshang_store::city::{self, CityView, District, Period};

/// The city view's routes: for those who view concerns (each sees the
/// districts in their scope).
pub fn routes(r: Routes) -> Routes {
    let view = || Access::Needs(Permission::ConcernView, Target::None);
    r.get("/city", view(), get(page))
        .get("/city/figures.csv", view(), get(csv_file))
        .get("/city/figures.xlsx", view(), get(xlsx_file))
}

/// The period as typed (kept when refused) and the chart's figure.
#[derive(Deserialize, Default, Clone)]
struct CityQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    chart: String,
}

/// A figure of the view: its code (the chart's choice), its column's
/// message key, and where a district's figure leads.
struct Figure {
    code: &'static str,
    key: &'static str,
    value: fn(&District) -> Option<f64>,
    /// Shown with one decimal and a per-cent sign.
    percent: bool,
    /// Shown with one decimal.
    decimal: bool,
    link: Link,
}

/// Where a district's figure leads.
#[derive(Clone, Copy)]
enum Link {
    /// The district's area page: its open concerns and who serves it.
    Area,
    /// The district's consultations.
    Consultations,
    /// The district body's proposal figures for the period's year.
    Proposals,
    /// The district's unit page (its opinion reports have no page of the
    /// district that city staff may open yet).
    Unit,
    /// The district's members' duty scores.
    Scores,
}

fn n(v: i64) -> Option<f64> {
    Some(v as f64)
}

const FIGURES: [Figure; 12] = [
    Figure {
        code: "concerns_received",
        key: "city.concerns_received",
        value: |d| n(d.concerns_received),
        percent: false,
        decimal: false,
        link: Link::Area,
    },
    Figure {
        code: "concerns_on_time",
        key: "city.concerns_on_time",
        value: |d| d.on_time_rate(),
        percent: true,
        decimal: true,
        link: Link::Area,
    },
    Figure {
        code: "median_days",
        key: "city.median_days",
        value: |d| d.median_days,
        percent: false,
        decimal: true,
        link: Link::Area,
    },
    Figure {
        code: "satisfaction",
        key: "city.satisfaction",
        value: |d| d.satisfaction_rate(),
        percent: true,
        decimal: true,
        link: Link::Area,
    },
    Figure {
        code: "consultations_held",
        key: "city.consultations_held",
        value: |d| n(d.consultations_held),
        percent: false,
        decimal: false,
        link: Link::Consultations,
    },
    Figure {
        code: "actions_done",
        key: "city.actions_done",
        value: |d| n(d.actions_done),
        percent: false,
        decimal: false,
        link: Link::Consultations,
    },
    Figure {
        code: "proposals_filed",
        key: "city.proposals_filed",
        value: |d| n(d.proposals_filed),
        percent: false,
        decimal: false,
        link: Link::Proposals,
    },
    Figure {
        code: "proposals_accepted",
        key: "city.proposals_accepted",
        value: |d| n(d.proposals_accepted),
        percent: false,
        decimal: false,
        link: Link::Proposals,
    },
    Figure {
        code: "replies_on_time",
        key: "city.replies_on_time",
        value: |d| d.replies_on_time_rate(),
        percent: true,
        decimal: true,
        link: Link::Proposals,
    },
    Figure {
        code: "reports_used",
        key: "city.reports_used",
        value: |d| n(d.reports_used),
        percent: false,
        decimal: false,
        link: Link::Unit,
    },
    Figure {
        code: "reports_adopted_above",
        key: "city.reports_adopted_above",
        value: |d| n(d.reports_adopted_above),
        percent: false,
        decimal: false,
        link: Link::Unit,
    },
    Figure {
        code: "duty_average",
        key: "city.duty_average",
        value: |d| d.duty_average,
        percent: false,
        decimal: true,
        link: Link::Scores,
    },
];

impl Figure {
    /// The figure as the table and the downloads show it ("—" for none).
    fn text(&self, d: &District) -> String {
        match (self.value)(d) {
            None => "—".into(),
            Some(v) if self.percent => format!("{v:.1}%"),
            Some(v) if self.decimal => format!("{v:.1}"),
            Some(v) => format!("{v:.0}"),
        }
    }

    fn href(&self, d: &District, p: &Period) -> String {
        let id = d.org_id;
        match self.link {
            Link::Area => format!("/areas/{id}"),
            Link::Consultations => format!("/units/{id}/consultations"),
            Link::Proposals if p.from.format("%Y").to_string() == p.to.format("%Y").to_string() => {
                format!("/proposals/figures?body={id}&year={}", p.to.format("%Y"))
            }
            Link::Proposals => format!("/proposals/figures?body={id}"),
            Link::Unit => format!("/orgs/{id}"),
            Link::Scores => format!("/units/{id}/scores?year={}", p.duty_year()),
        }
    }
}

struct Cell {
    text: String,
    href: String,
}

struct Row {
    name: String,
    cells: Vec<Cell>,
}

/// One bar of the chart, in the SVG's units.
struct Bar {
    name: String,
    text: String,
    y: i64,
    width: i64,
}

/// The chart's drawing: a bar per district, the longest 100 % of the width.
const CHART_LEFT: i64 = 110;
const CHART_WIDTH: i64 = 230;
const BAR_STEP: i64 = 28;

#[derive(Template)]
#[template(path = "city/view.html")]
struct ViewTpl {
    page: Page,
    q: CityQuery,
    errors: FieldErrors,
    heads: Vec<&'static str>,
    rows: Vec<Row>,
    /// The chosen figure: code and message key; the choices.
    chart: (&'static str, &'static str),
    choices: Vec<(&'static str, &'static str)>,
    bars: Vec<Bar>,
    chart_height: i64,
    chart_left: i64,
    /// The text alternative of the chart.
    chart_text: String,
    duty_year: i32,
    duty_pending: bool,
    /// The period as the downloads' links carry it.
    query: String,
}

fn today(state: &AppState) -> chrono::NaiveDate {
    xieshang_core::calendar::cst_date(state.db.now_ms())
}

/// The period the query names, or the page refused with each field's
/// message and what was typed.
fn period(state: &AppState, q: &CityQuery) -> Result<Period, FieldErrors> {
    Period::parse(&q.from, &q.to, today(state)).map_err(|errs| {
        let mut fe = FieldErrors::new();
        for e in &errs {
            if let Some(one) = FieldErrors::refused(e) {
                for (f, k) in one.summary() {
                    fe.add(f, k);
                }
            }
        }
        fe
    })
}

fn rows(v: &CityView, tr: Tr) -> Vec<Row> {
    v.districts
        .iter()
        .map(|d| Row {
            name: tr.label(&d.name).into_owned(),
            cells: FIGURES
                .iter()
                .map(|f| Cell {
                    text: f.text(d),
                    href: f.href(d, &v.period),
                })
                .collect(),
        })
        .collect()
}

async fn page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<CityQuery>,
) -> AppResult<Response> {
    let figure = FIGURES
        .iter()
        .find(|f| f.code == q.chart)
        .unwrap_or(&FIGURES[0]);
    let choices = FIGURES.iter().map(|f| (f.code, f.key)).collect();
    let heads = FIGURES.iter().map(|f| f.key).collect();
    let (view, errors) = match period(&state, &q) {
        Ok(p) => (
            Some(city::view(&state.db, &u.actor, p).await?),
            FieldErrors::new(),
        ),
        Err(e) => (None, e),
    };
    let mut q = q;
    let (rows, bars, chart_text, duty_year, duty_pending, query) = match &view {
        Some(v) => {
            // The period as it is counted, in the form and the links.
            q.from = v.period.from.format("%Y-%m-%d").to_string();
            q.to = v.period.to.format("%Y-%m-%d").to_string();
            let values: Vec<Option<f64>> = v.districts.iter().map(|d| (figure.value)(d)).collect();
            let max = values.iter().flatten().fold(0.0f64, |a, b| a.max(*b));
            let bars: Vec<Bar> = v
                .districts
                .iter()
                .zip(&values)
                .enumerate()
                .map(|(i, (d, val))| Bar {
                    name: tr.label(&d.name).into_owned(),
                    text: figure.text(d),
                    y: i as i64 * BAR_STEP,
                    width: match val {
                        Some(x) if max > 0.0 => (x / max * CHART_WIDTH as f64).round() as i64,
                        _ => 0,
                    },
                })
                .collect();
            let chart_text = bars
                .iter()
                .map(|b| format!("{} {}", b.name, b.text))
                .collect::<Vec<_>>()
                .join(tr.t("city.list_sep"));
            (
                rows(v, tr),
                bars,
                chart_text,
                v.period.duty_year(),
                v.duty_pending,
                format!("from={}&to={}", q.from, q.to),
            )
        }
        None => (
            Vec::new(),
            Vec::new(),
            String::new(),
            0,
            false,
            String::new(),
        ),
    };
    let refused = !errors.is_empty();
    let chart_height = bars.len() as i64 * BAR_STEP;
    let res = render(ViewTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        q,
        errors,
        heads,
        rows,
        chart: (figure.code, figure.key),
        choices,
        bars,
        chart_height,
        chart_left: CHART_LEFT,
        chart_text,
        duty_year,
        duty_pending,
        query,
    })?;
    Ok(if refused {
        (StatusCode::UNPROCESSABLE_ENTITY, res).into_response()
    } else {
        res
    })
}

/// The view for a download: a period that does not parse is a bad request
/// (the page's form refuses it with its message first).
async fn read(state: &AppState, u: &CurrentUser, q: &CityQuery) -> AppResult<CityView> {
    let p = Period::parse(&q.from, &q.to, today(state))
        .map_err(|_| AppError::BadRequest("from/to: YYYY-MM-DD, from not after to".into()))?;
    Ok(city::view(&state.db, &u.actor, p).await?)
}

/// The header row: the district, then each figure.
fn heads(tr: Tr) -> Vec<&'static str> {
    std::iter::once(tr.t("city.district"))
        .chain(FIGURES.iter().map(|f| tr.t(f.key)))
        .collect()
}

async fn csv_file(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<CityQuery>,
) -> AppResult<Response> {
    let v = read(&state, &u, &q).await?;
    let mut w = crate::kit::csv::Csv::new();
    let title = format!("{} {} – {}", tr.t("city.title"), v.period.from, v.period.to);
    // Every line has the table's width (the CSV reader's rule).
    let mut first = vec![String::new(); 1 + FIGURES.len()];
    first[0] = title;
    w.row(&first)?;
    w.row(heads(tr))?;
    for r in rows(&v, tr) {
        w.row(std::iter::once(r.name).chain(r.cells.into_iter().map(|c| c.text)))?;
    }
    let bytes = w.finish()?;
    Ok(crate::kit::page::download(bytes, "city-view.csv", false))
}

async fn xlsx_file(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<CityQuery>,
) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let v = read(&state, &u, &q).await?;
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet
        .write_string_with_format(
            0,
            0,
            format!("{} {} – {}", tr.t("city.title"), v.period.from, v.period.to),
            &bold,
        )
        .map_err(err)?;
    for (i, h) in heads(tr).iter().enumerate() {
        sheet
            .write_string_with_format(2, i as u16, *h, &bold)
            .map_err(err)?;
    }
    for (n, d) in v.districts.iter().enumerate() {
        let row = 3 + n as u32;
        sheet
            .write_string(row, 0, tr.label(&d.name).as_ref())
            .map_err(err)?;
        for (i, f) in FIGURES.iter().enumerate() {
            let c = 1 + i as u16;
            match (f.value)(d) {
                // Numbers as numbers (a rate in per cent), so the sheet can
                // sort and sum them; none as an empty cell.
                Some(x) => sheet.write_number(row, c, x).map_err(err)?,
                None => sheet.write_string(row, c, "").map_err(err)?,
            };
        }
    }
    sheet.set_column_width(0, 20).map_err(err)?;
    let bytes = book
        .save_to_buffer()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::kit::page::download(bytes, "city-view.xlsx", true))
}
