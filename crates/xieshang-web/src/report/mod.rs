//! Public-opinion reports (社情民意信息, issue 30 points 1–4 and 10): the
//! submitter's list and form (members, member groups, informants), the
//! office's queue, a report's page (its text, every version and a
//! comparison of two, its levels, instructions and timeline, and the
//! office's forms: edit, merge, decide, forward, adoption, instruction),
//! and the figures with CSV and XLSX. The store's `report` module decides;
//! every refused form comes back with what was typed.

use crate::kit::auth::{CsrfForm, CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{event_views, format_time, render, EventView, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::report::{diff_lines, DiffLine, Level, RawInstruction, Text};
use xieshang_core::Permission;
use xieshang_store::report::edit::{self, Decision};
use xieshang_store::report::{self, levels, points, NewReport, Origin, Report};

pub(crate) mod api;

/// This feature's routes. The store decides who may do what on a report
/// (its body's staff, its submitters), so the routes ask only for a session.
pub fn routes(r: Routes) -> Routes {
    use Access::{Needs, SignedIn};
    let r = api::routes(r);
    r.get("/reports/mine", SignedIn, get(mine_page))
        .get("/reports/new", SignedIn, get(new_page))
        .post("/reports", SignedIn, post(submit))
        .get(
            "/reports/queue",
            Needs(Permission::ReportEdit, Target::None),
            get(queue_page),
        )
        .get(
            "/reports/figures",
            Needs(Permission::ReportView, Target::None),
            get(figures_page),
        )
        .get(
            "/reports/figures.csv",
            Needs(Permission::ReportView, Target::None),
            get(figures_csv),
        )
        .get(
            "/reports/figures.xlsx",
            Needs(Permission::ReportView, Target::None),
            get(figures_xlsx),
        )
        .get("/reports/{id}", SignedIn, get(detail_page))
        .get("/reports/{id}/compare", SignedIn, get(compare_page))
        .post("/reports/{id}/revise", SignedIn, post(revise))
        .post("/reports/{id}/merge", SignedIn, post(merge))
        .post("/reports/{id}/decide", SignedIn, post(decide))
        .post("/reports/{id}/forward", SignedIn, post(forward))
        .post("/reports/{id}/adopt", SignedIn, post(adopt))
        .post("/reports/{id}/instruct", SignedIn, post(instruct))
}

/// A state's message key.
fn state_label(state: &str) -> &'static str {
    i18n::known(&format!("report.state.{state}"))
        .or_else(|| i18n::known(&format!("state.{state}")))
        .unwrap_or("state.submitted")
}

/// Every field of every report form, as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
struct Form {
    #[serde(default)]
    title: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    for_group: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    leader_level: String,
    #[serde(default)]
    given_on: String,
    #[serde(default)]
    words: String,
}

struct RowView {
    id: i64,
    title: String,
    submitter: String,
    group: String,
    state: &'static str,
    when: String,
}

fn rows(tr: Tr, list: Vec<report::Row>) -> Vec<RowView> {
    list.into_iter()
        .map(|r| RowView {
            id: r.id,
            title: r.title,
            submitter: r.submitter,
            group: r.group.unwrap_or_default(),
            state: state_label(&r.state),
            when: format_time(tr.lang, r.created_at),
        })
        .collect()
}

// ---------------------------------------------------------------- submitter

#[derive(Template)]
#[template(path = "report/mine.html")]
struct MineTpl {
    page: Page,
    may_submit: bool,
    rows: Vec<RowView>,
    links: Vec<report::OpenLink>,
}

async fn mine_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let may_submit = u.actor.has_permission(Permission::ReportSubmit);
    let (list, links) = if may_submit {
        (
            report::mine(&state.db, &u.actor).await?,
            report::open_links(&state.db, &u.actor).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    render(MineTpl {
        page: Page::signed_in(tr, &u, &flash),
        may_submit,
        rows: rows(tr, list),
        links,
    })
}

#[derive(Template)]
#[template(path = "report/new.html")]
struct NewTpl {
    page: Page,
    may_submit: bool,
    has_group: bool,
    cap: usize,
    form: Form,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
struct NewQuery {
    link: Option<i64>,
}

async fn new_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    form: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let flash = Flash {
        err: (!errors.is_empty()).then(|| "report.not_submitted".to_owned()),
        ..Flash::default()
    };
    let may_submit = u.actor.has_permission(Permission::ReportSubmit);
    let (has_group, cap) = if may_submit {
        let (body, group) = report::submitter_place(&state.db, &u.actor).await?;
        (
            group.is_some(),
            report::rules(&state.db, body.id).await?.cap,
        )
    } else {
        (false, 0)
    };
    render(NewTpl {
        page: Page::signed_in(tr, u, &flash),
        may_submit,
        has_group,
        cap,
        form,
        errors,
    })
}

async fn new_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let mut form = Form::default();
    if let Some(l) = q.link {
        // Starts from the marked reception's, concern's or proposal's words.
        let link = report::open_link(&state.db, &u.actor, l).await?;
        form.title = link.title;
        form.matter = link.text;
        form.link = l.to_string();
    }
    new_view(&state, tr, &u, form, FieldErrors::new()).await
}

async fn submit(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let origin = match f.link.trim().parse::<i64>() {
        Ok(l) => Origin::Link(l),
        Err(_) => Origin::Scratch,
    };
    let new = NewReport {
        title: &f.title,
        matter: &f.matter,
        for_group: !f.for_group.is_empty(),
        origin,
    };
    match report::submit(&state.db, &u.actor, &new).await {
        Ok(id) => Ok(crate::kit::flash::ok(
            &format!("/reports/{id}"),
            "report.submitted",
        )),
        Err(e) => {
            // Every field's error of the text at once, where there are some.
            let cap = match report::submitter_place(&state.db, &u.actor).await {
                Ok((body, _)) => report::rules(&state.db, body.id).await?.cap,
                Err(_) => xieshang_core::report::DEFAULT_CAP,
            };
            let text = Text {
                title: f.title.clone(),
                matter: f.matter.clone(),
            };
            let errors = match Text::parse(&text, cap) {
                Err(list) => FieldErrors::from_core(list),
                Ok(_) => FieldErrors::or_error(e)?,
            };
            new_view(&state, tr, &u, f, errors).await
        }
    }
}

// ---------------------------------------------------------------- office

#[derive(Template)]
#[template(path = "report/queue.html")]
struct QueueTpl {
    page: Page,
    rows: Vec<RowView>,
    states: Vec<(&'static str, &'static str)>,
    chosen: String,
    page_no: i64,
    more: bool,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    page: i64,
    #[serde(default)]
    ok: Option<String>,
}

const QUEUE_STATES: [&str; 6] = ["submitted", "editing", "used", "kept", "not_used", "merged"];

async fn queue_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    let chosen: Vec<&str> = QUEUE_STATES
        .iter()
        .copied()
        .filter(|s| *s == q.state)
        .collect();
    let page_no = q.page.max(0);
    let list = report::queue(&state.db, &u.actor, &chosen, page_no).await?;
    let more = list.len() as i64 == report::PAGE;
    let flash = Flash {
        ok: q.ok,
        ..Flash::default()
    };
    render(QueueTpl {
        page: Page::signed_in(tr, &u, &flash),
        rows: rows(tr, list),
        states: QUEUE_STATES.iter().map(|s| (*s, state_label(s))).collect(),
        chosen: chosen.first().copied().unwrap_or_default().to_owned(),
        page_no,
        more,
    })
}

// ---------------------------------------------------------------- one report

struct VersionView {
    version: i64,
    title: String,
    by: String,
    at: String,
}

struct LevelView {
    level: &'static str,
    forwarded: String,
    adopted: String,
    evidence: String,
}

#[derive(Template)]
#[template(path = "report/detail.html")]
struct DetailTpl {
    page: Page,
    r: Report,
    title: String,
    matter: String,
    state: &'static str,
    edited: bool,
    versions: Vec<VersionView>,
    levels: Vec<LevelView>,
    instructions: Vec<levels::Instructed>,
    events: Vec<EventView>,
    /// The body's staff: the office's forms.
    office: bool,
    /// Open (submitted or editing): edit, merge, decide.
    open: bool,
    used: bool,
    level_codes: Vec<(&'static str, &'static str)>,
    form: Form,
    errors: FieldErrors,
}

fn level_label(code: &str) -> &'static str {
    i18n::known(&format!("report.level.{code}")).unwrap_or("report.level.city")
}

async fn detail_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    errors: FieldErrors,
    kept: Option<Form>,
) -> AppResult<Response> {
    let db = &state.db;
    let r = report::get(db, &u.actor, Permission::ReportView, id).await?;
    let office = u.actor.check(Permission::ReportEdit, &r.path).is_ok();
    let versions = edit::versions(db, &u.actor, id)
        .await?
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            title: v.text.title,
            by: v.by,
            at: format_time(tr.lang, v.at),
        })
        .collect();
    let (went, instructions) = levels::of(db, &u.actor, id).await?;
    let levels = went
        .into_iter()
        .map(|l| LevelView {
            level: level_label(l.level.code()),
            forwarded: format_time(tr.lang, l.forwarded_at),
            adopted: l
                .adopted_at
                .map(|a| format_time(tr.lang, a))
                .unwrap_or_default(),
            evidence: l.evidence.unwrap_or_default(),
        })
        .collect();
    let events = event_views(tr, report::timeline(db, id).await?, "report.");
    let text = r.text().clone();
    let form = kept.unwrap_or_else(|| Form {
        title: text.title.clone(),
        matter: text.matter.clone(),
        ..Form::default()
    });
    render(DetailTpl {
        page: Page::signed_in(tr, u, flash),
        title: text.title,
        matter: text.matter,
        state: state_label(&r.state),
        edited: r.edited.is_some(),
        open: matches!(r.state.as_str(), "submitted" | "editing"),
        used: r.state == "used",
        r,
        versions,
        levels,
        instructions,
        events,
        office,
        level_codes: Level::ALL
            .iter()
            .map(|l| (l.code(), level_label(l.code())))
            .collect(),
        form,
        errors,
    })
}

async fn detail_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    detail_view(&state, tr, &u, id, &flash, FieldErrors::new(), None).await
}

/// After one of the office's forms: back to the report with "saved", or the
/// page again with the refusal beside its field and everything typed.
async fn after<T>(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    f: Form,
    result: Result<T, xieshang_store::Error>,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(crate::kit::flash::ok(
            &format!("/reports/{id}"),
            "common.saved",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            let flash = Flash {
                err: Some("report.not_saved".to_owned()),
                ..Flash::default()
            };
            detail_view(state, tr, u, id, &flash, errors, Some(f)).await
        }
    }
}

async fn revise(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let text = Text {
        title: f.title.clone(),
        matter: f.matter.clone(),
    };
    let result = edit::revise(&state.db, &u.actor, id, &text).await;
    after(&state, tr, &u, id, f, result).await
}

async fn merge(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let into = f.into.trim().trim_start_matches('#').parse().unwrap_or(0);
    let result = edit::merge(&state.db, &u.actor, id, into).await;
    after(&state, tr, &u, id, f, result).await
}

async fn decide(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let result = match Decision::parse(&f.decision) {
        Some(d) => edit::decide(&state.db, &u.actor, id, d, &f.note).await,
        None => Err(xieshang_store::Error::field(
            "decision",
            "err.report.decision",
            "choose a decision: used, kept or not used",
        )),
    };
    after(&state, tr, &u, id, f, result).await
}

fn level_of(code: &str) -> Result<Level, xieshang_store::Error> {
    Level::parse(code.trim()).ok_or(xieshang_store::Error::field(
        "level",
        "err.report.forward_level",
        "choose the level: city, national, party committee or government",
    ))
}

async fn forward(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let result = match level_of(&f.level) {
        Ok(l) => levels::forward(&state.db, &u.actor, id, l).await,
        Err(e) => Err(e),
    };
    after(&state, tr, &u, id, f, result).await
}

async fn adopt(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let result = match level_of(&f.level) {
        Ok(l) => levels::adopt(&state.db, &u.actor, id, l, &f.evidence).await,
        Err(e) => Err(e),
    };
    after(&state, tr, &u, id, f, result).await
}

async fn instruct(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let raw = RawInstruction {
        leader: &f.leader,
        level: &f.leader_level,
        given_on: &f.given_on,
        text: &f.words,
    };
    // Every field's error at once (the store answers with the first).
    if let Err(list) = xieshang_core::report::Instruction::parse(&raw) {
        let flash = Flash {
            err: Some("report.not_saved".to_owned()),
            ..Flash::default()
        };
        // The form's own names: the forward form beside it has a `level` too.
        let errors = FieldErrors::from_core_renamed(list, |field| match field {
            "level" => "leader_level",
            "text" => "words",
            f => f,
        });
        return detail_view(&state, tr, &u, id, &flash, errors, Some(f.clone())).await;
    }
    let result = levels::instruct(&state.db, &u.actor, id, &raw).await;
    after(&state, tr, &u, id, f.clone(), result).await
}

// ---------------------------------------------------------------- compare

#[derive(Deserialize, Default)]
struct CompareQuery {
    #[serde(default)]
    a: i64,
    #[serde(default)]
    b: i64,
}

struct DiffView {
    kind: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "report/compare.html")]
struct CompareTpl {
    page: Page,
    id: i64,
    a: i64,
    b: i64,
    title_a: String,
    title_b: String,
    lines: Vec<DiffView>,
}

async fn compare_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    let versions = edit::versions(&state.db, &u.actor, id).await?;
    let pick = |n: i64| versions.iter().find(|v| v.version == n);
    let last = versions.last().map(|v| v.version).unwrap_or(1);
    let (a, b) = match (pick(q.a), pick(q.b)) {
        (Some(a), Some(b)) => (a, b),
        _ => match (pick(1), pick(last)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(AppError::from(xieshang_store::Error::NotFound)),
        },
    };
    let lines = diff_lines(&a.text.matter, &b.text.matter)
        .into_iter()
        .map(|d| match d {
            DiffLine::Same(t) => DiffView {
                kind: "same",
                text: t.to_owned(),
            },
            DiffLine::Removed(t) => DiffView {
                kind: "removed",
                text: t.to_owned(),
            },
            DiffLine::Added(t) => DiffView {
                kind: "added",
                text: t.to_owned(),
            },
        })
        .collect();
    render(CompareTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        id,
        a: a.version,
        b: b.version,
        title_a: a.text.title.clone(),
        title_b: b.text.title.clone(),
        lines,
    })
}

// ---------------------------------------------------------------- figures

#[derive(Deserialize, Default)]
struct FiguresQuery {
    #[serde(default)]
    year: Option<i32>,
}

struct FigureRow {
    part: &'static str,
    name: String,
    submitted: i64,
    adopted: i64,
    rate: String,
}

/// The actor's body's figures for the chosen year (this year by default).
async fn read_figures(
    state: &AppState,
    u: &CurrentUser,
    q: &FiguresQuery,
) -> AppResult<(i32, points::Figures)> {
    use chrono::Datelike;
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| xieshang_core::calendar::cst_date(state.db.now_ms()).year());
    let grant = u
        .actor
        .grants
        .iter()
        .find(|g| g.role.allows(Permission::ReportView))
        .ok_or(AppError::from(xieshang_store::Error::Denied(
            xieshang_core::Denied::Forbidden,
        )))?;
    let body = report::body_of(&state.db, &grant.org_path).await?;
    let f = points::figures(&state.db, &u.actor, body.id, year).await?;
    Ok((year, f))
}

fn figure_rows(f: &points::Figures) -> Vec<FigureRow> {
    let line = |part, l: &points::Line| FigureRow {
        part,
        name: l.name.clone(),
        submitted: l.submitted,
        adopted: l.adopted,
        rate: l.rate().map(|r| format!("{r:.1}%")).unwrap_or_default(),
    };
    std::iter::once(line("report.figures.body", &f.body))
        .chain(f.groups.iter().map(|l| line("report.figures.group", l)))
        .chain(f.members.iter().map(|l| line("report.figures.member", l)))
        .collect()
}

#[derive(Template)]
#[template(path = "report/figures.html")]
struct FiguresTpl {
    page: Page,
    year: i32,
    rows: Vec<FigureRow>,
}

async fn figures_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let (year, f) = read_figures(&state, &u, &q).await?;
    render(FiguresTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        year,
        rows: figure_rows(&f),
    })
}

fn figure_heads(tr: Tr) -> [&'static str; 5] {
    [
        tr.t("report.figures.part"),
        tr.t("report.figures.name"),
        tr.t("report.figures.submitted"),
        tr.t("report.figures.adopted"),
        tr.t("report.figures.rate"),
    ]
}

async fn figures_csv(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let (year, f) = read_figures(&state, &u, &q).await?;
    let mut w = crate::kit::csv::Csv::new();
    w.row([f.body.name.as_str(), &year.to_string(), "", "", ""])?;
    w.row(figure_heads(tr))?;
    for r in figure_rows(&f) {
        w.row([
            tr.t(r.part),
            &r.name,
            &r.submitted.to_string(),
            &r.adopted.to_string(),
            &r.rate,
        ])?;
    }
    let bytes = w.finish()?;
    Ok(crate::kit::page::download(
        bytes,
        "report-figures.csv",
        false,
    ))
}

async fn figures_xlsx(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let (year, f) = read_figures(&state, &u, &q).await?;
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet
        .write_string_with_format(0, 0, format!("{} {year}", f.body.name), &bold)
        .map_err(err)?;
    for (i, h) in figure_heads(tr).iter().enumerate() {
        sheet
            .write_string_with_format(2, i as u16, *h, &bold)
            .map_err(err)?;
    }
    for (n, r) in figure_rows(&f).iter().enumerate() {
        let row = 3 + n as u32;
        sheet.write_string(row, 0, tr.t(r.part)).map_err(err)?;
        sheet.write_string(row, 1, &r.name).map_err(err)?;
        sheet
            .write_number(row, 2, r.submitted as f64)
            .map_err(err)?;
        sheet.write_number(row, 3, r.adopted as f64).map_err(err)?;
        sheet.write_string(row, 4, &r.rate).map_err(err)?;
    }
    sheet.set_column_width(1, 24).map_err(err)?;
    let bytes = book.save_to_buffer().map_err(err)?;
    Ok(crate::kit::page::download(
        bytes,
        "report-figures.xlsx",
        true,
    ))
}
