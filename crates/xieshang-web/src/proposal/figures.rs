//! Proposal figures (issue 29 point 10, decision 0037): a body's figures
//! for a session or a year as a page with SVG bar charts (each beside a
//! table of the same numbers), as CSV and XLSX, and the session's printable
//! compilation (提案汇编) as a PDF ([`super::compilation`]). For those who
//! read the body's proposals: the proposal committee, staff, leaders.

use crate::kit::auth::{CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::i18n::Tr;
use crate::kit::page::{render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use xieshang_core::Permission;
use xieshang_store::proposal::figures::{self, Figures, Period};
use xieshang_store::proposal::settings;

/// The figures routes.
pub(super) fn routes(r: Routes) -> Routes {
    let view = || Access::Needs(Permission::ProposalView, Target::None);
    r.get("/proposals/figures", view(), get(page))
        .get("/proposals/figures.csv", view(), get(csv_file))
        .get("/proposals/figures.xlsx", view(), get(xlsx_file))
        .get(
            "/proposals/compilation.pdf",
            view(),
            get(super::compilation::pdf),
        )
}

/// The body and the period asked for (all optional: the defaults are the
/// reader's first body and its current session).
#[derive(Debug, Deserialize, Default)]
pub(super) struct FiguresQuery {
    body: Option<String>,
    session: Option<String>,
    year: Option<String>,
}

fn number<T: std::str::FromStr>(v: &Option<String>, name: &str) -> AppResult<Option<T>> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("{name}={s}: not a number"))),
    }
}

/// What the query names: the body, its sessions, and the period.
pub(super) struct Chosen {
    pub bodies: Vec<(i64, String)>,
    pub body: i64,
    pub sessions: Vec<settings::Session>,
    pub period: Period,
}

pub(super) async fn chosen(
    state: &AppState,
    u: &CurrentUser,
    q: &FiguresQuery,
) -> AppResult<Chosen> {
    let bodies: Vec<(i64, String)> =
        settings::bodies(&state.db, &u.actor, Permission::ProposalView)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
    let body = match number::<i64>(&q.body, "body")? {
        Some(b) => b,
        None => bodies.first().map(|b| b.0).ok_or(AppError::NotFound)?,
    };
    // Another body than those in scope: the store answers not found.
    figures::readable_body(&state.db, &u.actor, body).await?;
    let sessions = settings::sessions(&state.db, body).await?;
    let today = xieshang_core::calendar::cst_date(state.db.now_ms())
        .format("%Y-%m-%d")
        .to_string();
    let period = match (
        number::<i64>(&q.session, "session")?,
        number::<i32>(&q.year, "year")?,
    ) {
        (Some(s), _) => Period::Session(s),
        (None, Some(y)) => Period::Year(y),
        (None, None) => match sessions
            .iter()
            .find(|s| s.opens_on <= today)
            .or(sessions.last())
        {
            Some(s) => Period::Session(s.id),
            None => Period::Year(chrono::Datelike::year(&xieshang_core::calendar::cst_date(
                state.db.now_ms(),
            ))),
        },
    };
    Ok(Chosen {
        bodies,
        body,
        sessions,
        period,
    })
}

/// The figures of the chosen body and period; a session or year that does
/// not fit is a bad request (the page's form offers only good ones).
async fn read(state: &AppState, u: &CurrentUser, c: &Chosen) -> AppResult<Figures> {
    match figures::figures(&state.db, &u.actor, c.body, c.period).await {
        Ok(f) => Ok(f),
        Err(xieshang_store::Error::Invalid { field, message, .. }) => {
            Err(AppError::BadRequest(format!("{field}: {message}")))
        }
        Err(e) => Err(e.into()),
    }
}

/// The period's name: the term's and session's, or the year.
fn period_name(tr: Tr, c: &Chosen) -> String {
    match c.period {
        Period::Session(id) => c
            .sessions
            .iter()
            .find(|s| s.id == id)
            .map(|s| format!("{}{}", s.term_name, s.name))
            .unwrap_or_default(),
        Period::Year(y) => tr.t("figures.year").replace("{y}", &y.to_string()),
    }
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"))
}

/// One figure: (label key or name, value).
type Line = (String, String);

/// The headline figures.
fn headline(tr: Tr, f: &Figures) -> Vec<Line> {
    vec![
        (tr.t("figures.filed").into(), f.filed.to_string()),
        (tr.t("figures.accepted").into(), f.accepted.to_string()),
        (
            tr.t("figures.acceptance_rate").into(),
            percent(f.acceptance_rate()),
        ),
        (tr.t("figures.key").into(), f.key.to_string()),
        (tr.t("figures.replies").into(), f.replies.to_string()),
        (
            tr.t("figures.on_time").into(),
            format!("{} ({})", f.replies_on_time, percent(f.on_time_rate())),
        ),
        (
            tr.t("figures.satisfaction_rate").into(),
            percent(f.satisfaction_rate()),
        ),
    ]
}

fn class_label(tr: Tr, code: &str) -> String {
    match crate::kit::i18n::known(&format!("figures.class.{code}")) {
        Some(k) => tr.t(k).to_owned(),
        None => code.to_owned(),
    }
}

fn rating_label(tr: Tr, code: &str) -> String {
    match crate::kit::i18n::known(&format!("figures.rating.{code}")) {
        Some(k) => tr.t(k).to_owned(),
        None => code.to_owned(),
    }
}

fn or_none(tr: Tr, name: &str) -> String {
    if name.is_empty() {
        tr.t("figures.no_category").to_owned()
    } else {
        name.to_owned()
    }
}

/// Escapes text for SVG and HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart as inline SVG: one row per (label, value), bars
/// to scale of the largest, the value written after each bar. Its `title`
/// names it for screen readers; the table beside it holds the same numbers.
pub(crate) fn bar_chart(id: &str, title: &str, bars: &[(String, i64)]) -> String {
    const LABEL: usize = 190;
    const BAR: usize = 340;
    const ROW: usize = 30;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) + 10;
    let width = LABEL + BAR + 60;
    let mut s = format!(
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title\" \
         viewBox=\"0 0 {width} {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{}</title>",
        esc(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = 5 + i * ROW;
        let w = (*value as usize * BAR) / max as usize;
        let short: String = label.chars().take(14).collect();
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"14\" fill=\"#1a202c\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"#2b6cb0\"></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"14\" fill=\"#1a202c\">{value}</text>",
            LABEL - 8,
            y + 19,
            esc(&short),
            y + 4,
            ROW - 8,
            LABEL + w + 6,
            y + 19,
        ));
    }
    s.push_str("</svg>");
    s
}

/// A chart and the table of its numbers.
pub(super) struct Chart {
    id: &'static str,
    heading: &'static str,
    svg: String,
    /// Column heading keys after the name.
    columns: Vec<&'static str>,
    rows: Vec<(String, Vec<String>)>,
}

fn charts(tr: Tr, f: &Figures) -> Vec<Chart> {
    let mut out = Vec::new();
    let cat_rows: Vec<(String, Vec<String>)> = f
        .by_category
        .iter()
        .map(|c| {
            (
                or_none(tr, &c.name),
                vec![c.filed.to_string(), c.accepted.to_string()],
            )
        })
        .collect();
    out.push(Chart {
        id: "chart-category",
        heading: "figures.by_category",
        svg: bar_chart(
            "chart-category",
            tr.t("figures.by_category"),
            &f.by_category
                .iter()
                .map(|c| (or_none(tr, &c.name), c.filed))
                .collect::<Vec<_>>(),
        ),
        columns: vec!["figures.filed", "figures.accepted"],
        rows: cat_rows,
    });
    out.push(Chart {
        id: "chart-unit",
        heading: "figures.by_unit",
        svg: bar_chart(
            "chart-unit",
            tr.t("figures.by_unit"),
            &f.by_unit
                .iter()
                .map(|u| (u.name.clone(), u.led))
                .collect::<Vec<_>>(),
        ),
        columns: vec![
            "figures.led",
            "figures.replies",
            "figures.on_time",
            "figures.adopted",
        ],
        rows: f
            .by_unit
            .iter()
            .map(|u| {
                (
                    u.name.clone(),
                    vec![
                        u.led.to_string(),
                        u.replies.to_string(),
                        u.on_time.to_string(),
                        u.adopted.to_string(),
                    ],
                )
            })
            .collect(),
    });
    out.push(Chart {
        id: "chart-class",
        heading: "figures.classes",
        svg: bar_chart(
            "chart-class",
            tr.t("figures.classes"),
            &f.classes
                .iter()
                .map(|c| (class_label(tr, &c.name), c.count))
                .collect::<Vec<_>>(),
        ),
        columns: vec!["figures.count"],
        rows: f
            .classes
            .iter()
            .map(|c| (class_label(tr, &c.name), vec![c.count.to_string()]))
            .collect(),
    });
    out.push(Chart {
        id: "chart-satisfaction",
        heading: "figures.satisfaction",
        svg: bar_chart(
            "chart-satisfaction",
            tr.t("figures.satisfaction"),
            &f.satisfaction
                .iter()
                .map(|c| (rating_label(tr, &c.name), c.count))
                .collect::<Vec<_>>(),
        ),
        columns: vec!["figures.count"],
        rows: f
            .satisfaction
            .iter()
            .map(|c| (rating_label(tr, &c.name), vec![c.count.to_string()]))
            .collect(),
    });
    out
}

#[derive(Template)]
#[template(path = "proposal/figures.html")]
struct FiguresTpl {
    page: Page,
    bodies: Vec<(i64, String)>,
    body: i64,
    body_name: String,
    sessions: Vec<(i64, String)>,
    session: i64,
    years: Vec<i32>,
    year: i32,
    period_name: String,
    headline: Vec<Line>,
    charts: Vec<Chart>,
    /// The query of the downloads.
    query: String,
    /// The compilation's link, for a session.
    compilation: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let c = chosen(&state, &u, &q).await?;
    let f = read(&state, &u, &c).await?;
    let this_year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(state.db.now_ms()));
    let query = match c.period {
        Period::Session(s) => format!("body={}&session={s}", c.body),
        Period::Year(y) => format!("body={}&year={y}", c.body),
    };
    render(FiguresTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        bodies: c.bodies.clone(),
        body: c.body,
        body_name: f.body.name.clone(),
        sessions: c
            .sessions
            .iter()
            .map(|s| (s.id, format!("{}{}", s.term_name, s.name)))
            .collect(),
        session: match c.period {
            Period::Session(s) => s,
            Period::Year(_) => 0,
        },
        years: (this_year - 5..=this_year).rev().collect(),
        year: match c.period {
            Period::Year(y) => y,
            Period::Session(_) => 0,
        },
        period_name: period_name(tr, &c),
        headline: headline(tr, &f),
        charts: charts(tr, &f),
        compilation: match c.period {
            Period::Session(s) => Some(format!("body={}&session={s}", c.body)),
            Period::Year(_) => None,
        },
        query,
    })
}

/// The figures as rows of (part, name, measure, value), the same for CSV
/// and XLSX.
fn table(tr: Tr, f: &Figures) -> Vec<[String; 4]> {
    let mut rows = Vec::new();
    let total = tr.t("figures.totals").to_owned();
    for (name, value) in headline(tr, f) {
        rows.push([total.clone(), String::new(), name, value]);
    }
    for c in charts(tr, f) {
        for (name, values) in &c.rows {
            for (col, v) in c.columns.iter().zip(values) {
                rows.push([
                    tr.t(c.heading).to_owned(),
                    name.clone(),
                    tr.t(col).to_owned(),
                    v.clone(),
                ]);
            }
        }
    }
    rows
}

fn heads(tr: Tr) -> [&'static str; 4] {
    [
        tr.t("figures.part"),
        tr.t("figures.name"),
        tr.t("figures.measure"),
        tr.t("figures.value"),
    ]
}

async fn csv_file(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let c = chosen(&state, &u, &q).await?;
    let f = read(&state, &u, &c).await?;
    let mut w = crate::kit::csv::Csv::new();
    w.row([f.body.name.as_str(), &period_name(tr, &c), "", ""])?;
    w.row(heads(tr))?;
    for r in table(tr, &f) {
        w.row(&r)?;
    }
    let bytes = w.finish()?;
    Ok(crate::kit::page::download(
        bytes,
        "proposal-figures.csv",
        false,
    ))
}

async fn xlsx_file(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let c = chosen(&state, &u, &q).await?;
    let f = read(&state, &u, &c).await?;
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(tr.t("figures.sheet")).map_err(err)?;
    sheet
        .write_string_with_format(
            0,
            0,
            format!(
                "{} {} {}",
                f.body.name,
                period_name(tr, &c),
                tr.t("figures.title")
            ),
            &bold,
        )
        .map_err(err)?;
    for (i, h) in heads(tr).iter().enumerate() {
        sheet
            .write_string_with_format(2, i as u16, *h, &bold)
            .map_err(err)?;
    }
    for (n, r) in table(tr, &f).iter().enumerate() {
        let row = 3 + n as u32;
        for (i, v) in r.iter().take(3).enumerate() {
            sheet.write_string(row, i as u16, v).map_err(err)?;
        }
        match r[3].parse::<f64>() {
            Ok(v) => sheet.write_number(row, 3, v).map_err(err)?,
            Err(_) => sheet.write_string(row, 3, &r[3]).map_err(err)?,
        };
    }
    sheet.set_column_width(0, 16).map_err(err)?;
    sheet.set_column_width(1, 24).map_err(err)?;
    sheet.set_column_width(2, 16).map_err(err)?;
    let bytes = book.save_to_buffer().map_err(err)?;
    Ok(crate::kit::page::download(
        bytes,
        "proposal-figures.xlsx",
        true,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_their_labels() {
        let svg = bar_chart(
            "c",
            "<图>",
            &[("A&B".into(), 4), ("C".into(), 2), ("D".into(), 0)],
        );
        assert!(svg.contains("<title id=\"c-title\">&lt;图&gt;</title>"));
        assert!(svg.contains("A&amp;B"));
        assert!(svg.contains("width=\"340\""), "the largest is full width");
        assert!(svg.contains("width=\"170\""), "half of it is half");
        assert!(svg.contains("width=\"0\""));
        // Nothing to draw: still an image with its title.
        assert!(bar_chart("e", "空", &[]).contains("role=\"img\""));
    }
}
