//! The concern loop's working pages: staff queues and figures, the concern page
//! with triage, merge, conversion and assignment, department handling, recording
//! for residents by liaison officers, grid workers and members, one's own queue,
//! notifications, and photos. Each handler asks the store,
//! which asks the actor (or the assignment).

use crate::kit::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang, Upload, UPLOAD_BODY_LIMIT};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::{self, Msg};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{
    area_form_categories, category_choices, event_views, format_time, render, state_key, EventView,
    Flash, Page,
};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::item::CONCERN;
use xieshang_core::{Permission, Role};
use xieshang_store::item::{self, By, TransitionError};
use xieshang_store::{
    concern, concern::handling, concern::photo, concern::stats, concern::triage, jobs,
};

/// Registers the concern loop's routes.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    use Permission::*;
    r.get(
        "/concerns",
        Needs(ConcernView, Target::None),
        get(queue_page),
    )
    .get(
        "/stats/concerns",
        Needs(ConcernView, Target::None),
        get(stats_page),
    )
    .get(
        "/concerns/{id}",
        Needs(ConcernView, Target::Concern),
        get(concern_page),
    )
    .post(
        "/concerns/{id}/transition",
        Needs(ConcernTriage, Target::Concern),
        post(transition),
    )
    .post(
        "/concerns/{id}/merge",
        Needs(ConcernTriage, Target::Concern),
        post(merge),
    )
    .post(
        "/concerns/{id}/convert",
        Needs(ConcernTriage, Target::Concern),
        post(convert),
    )
    .post(
        "/concerns/{id}/assign",
        Needs(ConcernTriage, Target::Concern),
        post(assign),
    )
    .post(
        "/concerns/{id}/handle",
        Needs(ConcernHandle, Target::Concern),
        post(handle).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
    )
    .post(
        "/concerns/{id}/supervise",
        Needs(ConcernSupervise, Target::Concern),
        post(supervise),
    )
    .post(
        "/concerns/{id}/reveal",
        Needs(ReporterReveal, Target::Concern),
        post(reveal),
    )
    .get(
        "/record",
        Needs(ConcernRecord, Target::None),
        get(record_page),
    )
    .post(
        "/record",
        Needs(ConcernRecord, Target::None),
        post(record).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
    )
    .post(
        "/record/same",
        Needs(ConcernRecord, Target::None),
        post(record_same),
    )
    .get("/my", SignedIn, get(my_page))
    .get("/notifications", SignedIn, get(notifications_page))
    .post("/notifications/read", SignedIn, post(notifications_read))
    .get("/photos/{token}", Public, get(photo_file))
}

/// Checks and re-encodes uploaded photos ([`crate::kit::form::photos_from`]).
pub(crate) async fn photos_from(
    state: &AppState,
    files: Vec<Upload>,
) -> AppResult<Result<Vec<photo::Photo>, &'static str>> {
    crate::kit::form::photos_from(state, files).await
}

/// Back to the concern page with a message.
fn back(id: i64, msg: Msg<'_>) -> Response {
    flash::back(&format!("/concerns/{id}"), msg)
}

/// A refused or invalid change goes back to the concern page with its message; a
/// denial or database failure is an error page.
fn after_transition<T>(id: i64, r: Result<T, TransitionError>) -> AppResult<Response> {
    match r {
        Ok(_) => Ok(back(id, Msg::Ok("common.saved"))),
        Err(TransitionError::Refused(why)) => {
            tracing::info!(concern.id = id, refused = %why, "transition refused");
            Ok(back(id, Msg::Err("err.transition")))
        }
        Err(TransitionError::Store(xieshang_store::Error::Invalid { key, message, .. })) => {
            tracing::info!(concern.id = id, message, "concern input refused");
            Ok(back(
                id,
                Msg::Err(i18n::known(key).unwrap_or("err.bad_input")),
            ))
        }
        Err(TransitionError::Store(e)) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- queue and figures

/// The states staff can list, in the order of the work.
const QUEUE_STATES: [&str; 10] = [
    "submitted",
    "accepted",
    "assigned",
    "in_progress",
    "resolved",
    "reopened",
    "closed",
    "rejected",
    "merged",
    "converted",
];

#[derive(Deserialize)]
struct StateQuery {
    state: Option<String>,
    /// `overdue` or `escalated`: the open concerns needing a second look
    /// (the home page's counts link here), whatever their state.
    filter: Option<String>,
    page: Option<i64>,
    err: Option<String>,
    ok: Option<String>,
}

/// A queue row for templates.
struct QueueRow {
    id: i64,
    raised: String,
    title: String,
    area: String,
    deadline: String,
    overdue: bool,
    escalation: i64,
}

#[derive(Template)]
#[template(path = "concern/concerns.html")]
struct ConcernsTpl {
    page: Page,
    states: Vec<(&'static str, &'static str)>,
    current: &'static str,
    rows: Vec<QueueRow>,
    missing_years: Vec<i32>,
    page_no: i64,
    more: bool,
    /// The attention list shown instead of a state's queue, if any.
    filter: Option<&'static str>,
    /// The list's query for the pager (`state=…` or `filter=…`).
    list: String,
    /// Rows may be chosen to call a consultation on them.
    can_convene: bool,
}

async fn queue_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<StateQuery>,
) -> AppResult<Response> {
    let current = QUEUE_STATES
        .into_iter()
        .find(|s| Some(*s) == q.state.as_deref())
        .unwrap_or("submitted");
    let now = state.db.now_ms();
    let page = q.page.unwrap_or(0).clamp(0, 10_000);
    let filter = q.filter.as_deref().and_then(concern::Attention::parse);
    let (rows, more) = match filter {
        Some(which) => concern::attention(&state.db, &u.actor, which, page).await?,
        None => concern::queue(&state.db, &u.actor, current, page).await?,
    };
    let rows = rows
        .into_iter()
        .map(|c| QueueRow {
            id: c.id,
            raised: format_time(tr.lang, c.created_at),
            overdue: c.overdue(now),
            deadline: c
                .deadline_at
                .map(|t| format_time(tr.lang, t))
                .unwrap_or_default(),
            escalation: c.escalation_level,
            title: c.title,
            area: c.area,
        })
        .collect();
    let states = QUEUE_STATES
        .iter()
        .map(|s| (*s, tr.t(state_key(s))))
        .collect();
    let flash = Flash {
        err: q.err,
        ok: q.ok,
        archived: None,
    };
    render(ConcernsTpl {
        page: Page::signed_in(tr, &u, &flash),
        states,
        current,
        rows,
        // Only an administrator can load a year's holiday schedule; a warning
        // nobody else can act on is noise.
        missing_years: if u.actor.has_role(Role::Admin) {
            state.missing_holiday_years()
        } else {
            Vec::new()
        },
        page_no: page,
        more,
        filter: filter.map(concern::Attention::code),
        list: match filter {
            Some(f) => format!("filter={}", f.code()),
            None => format!("state={current}"),
        },
        // Open concerns only: a consultation is not called on new or closed ones.
        can_convene: u.actor.has_permission(Permission::ConsultationManage)
            && (filter.is_some()
                || matches!(
                    current,
                    "accepted" | "assigned" | "in_progress" | "reopened"
                )),
    })
}

#[derive(Template)]
#[template(path = "concern/stats.html")]
struct StatsTpl {
    page: Page,
    s: stats::Stats,
    by_state: Vec<(&'static str, i64)>,
    by_category: Vec<(String, i64)>,
    median: String,
    satisfaction: String,
}

async fn stats_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
) -> AppResult<Response> {
    let s = stats::stats(&state.db, &u.actor).await?;
    let by_state = s
        .by_state
        .iter()
        .map(|(k, n)| (tr.t(state_key(k)), *n))
        .collect();
    let by_category = s
        .by_category
        .iter()
        .map(|(k, n)| (category_name(tr, k), *n))
        .collect();
    let median = s
        .median_resolution_ms
        .map(|ms| format!("{:.1}", ms as f64 / 86_400_000.0))
        .unwrap_or_else(|| "—".into());
    let satisfaction = s
        .satisfaction_rate()
        .map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "—".into());
    render(StatsTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        s,
        by_state,
        by_category,
        median,
        satisfaction,
    })
}

fn category_name(tr: Tr, code: &str) -> String {
    category_choices(tr)
        .into_iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.to_owned())
        .unwrap_or_else(|| code.to_owned())
}

// ---------------------------------------------------------------- the concern page

/// Triage actions offered as buttons (the engine decides which apply).
const TRIAGE_ACTIONS: [(&str, &str); 3] = [
    ("accept", "action.accept"),
    ("reject", "action.reject"),
    ("reopen", "action.reopen"),
];

#[derive(Template)]
#[template(path = "concern/concern.html")]
struct ConcernTpl {
    page: Page,
    c: concern::Row,
    category: String,
    channel: &'static str,
    state_key: &'static str,
    deadline: String,
    overdue: bool,
    events: Vec<EventView>,
    actions: Vec<(&'static str, &'static str)>,
    can_merge: bool,
    can_convert: bool,
    can_assign: bool,
    departments: Vec<triage::Department>,
    assigned: Vec<(i64, String, bool)>,
    followers: Vec<String>,
    reporters: Vec<concern::MaskedReporter>,
    can_reveal: bool,
    handle_actions: Vec<(&'static str, &'static str)>,
    photos: Vec<(String, String)>,
    similar: Vec<(String, String, String, &'static str)>,
    /// Members paired with the grids of the concern's area: (member, grid).
    paired_area: Vec<(String, String)>,
    /// Whether the viewer may open the area's service page.
    can_area: bool,
    /// What the assignment form holds (kept after a refusal) and its errors.
    assign_form: AssignInput,
    errors: FieldErrors,
    /// Whether the handling form offers resolving (and its confirmation).
    can_resolve: bool,
    /// Whether the viewer may urge or instruct (a leader, the overseer).
    can_supervise: bool,
}

/// What the assignment and handling forms were sent with, put back when
/// they are refused.
#[derive(Debug, Default)]
struct AssignInput {
    departments: Vec<i64>,
    lead: i64,
    note: String,
    /// The handling form's note.
    handle_note: String,
    /// The token of the handling form's photos held for the retry, and how
    /// many ([`crate::concern::intake::keep_photos`]).
    handle_photos: String,
    handle_photos_count: usize,
    /// The merge form's target code and note, kept when the merge is refused.
    merge_into: String,
    merge_note: String,
}

impl AssignInput {
    /// Whether the department was ticked.
    fn ticked(&self, id: &i64) -> bool {
        self.departments.contains(id)
    }
}

async fn concern_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    concern_view(
        &state,
        tr,
        &u,
        id,
        &flash,
        AssignInput::default(),
        FieldErrors::default(),
    )
    .await
}

/// The concern page, with the assignment form as it was sent (and what was
/// wrong with it) when it comes back refused.
async fn concern_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    assign_form: AssignInput,
    errors: FieldErrors,
) -> AppResult<Response> {
    let c = concern::get(&state.db, &u.actor, Permission::ConcernView, id).await?;
    let events = event_views(tr, item::timeline(&state.db, &CONCERN, id).await?, "");
    let triage = u.actor.check(Permission::ConcernTriage, &c.path).is_ok();
    let allowed = |a: &str| {
        CONCERN.action(a).is_some_and(|action| {
            CONCERN
                .party_for(action, &u.actor, &c.path)
                .is_some_and(|p| CONCERN.apply_code(&c.state, a, p).is_ok())
        })
    };
    let actions = if triage {
        TRIAGE_ACTIONS
            .into_iter()
            .filter(|(a, _)| allowed(a))
            .collect()
    } else {
        Vec::new()
    };
    let can_assign = triage && allowed("assign");
    let departments = if can_assign {
        triage::departments(&state.db, &u.actor).await?
    } else {
        Vec::new()
    };
    let handle = handling::assigned_department(&state.db, &u.actor, id)
        .await?
        .map(|(_, lead)| lead);
    let handle_actions = match handle {
        Some(lead) => handling::ACTIONS
            .into_iter()
            .filter(|a| {
                (lead || *a != xieshang_core::item::Action::Resolve)
                    && CONCERN
                        .apply_code(
                            &c.state,
                            a.as_str(),
                            xieshang_core::item::Party::Role(Role::DepartmentHandler),
                        )
                        .is_ok()
            })
            .map(|a| {
                (
                    a.as_str(),
                    i18n::known(&format!("action.{a}")).unwrap_or("event.other"),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let can_reveal = u.actor.check(Permission::ReporterReveal, &c.path).is_ok() || handle.is_some();
    let now = state.db.now_ms();
    // Staff who could merge it see open concerns that look like the same problem.
    let similar = if triage && allowed("merge") {
        let text =
            xieshang_store::index::concern_text(&c.title, &c.description, c.address.as_deref());
        xieshang_store::search::similar(&state.db, c.org_id, &text, Some(id), 5)
            .await?
            .into_iter()
            .filter(|s| u.actor.check(Permission::ConcernTriage, &s.path).is_ok())
            .map(|s| (s.tracking_code, s.title, s.area, state_key(&s.state)))
            .collect()
    } else {
        Vec::new()
    };
    let can_area = xieshang_store::search::area::check(&state.db, &u.actor, c.org_id)
        .await
        .is_ok();
    let can_resolve = handle_actions.iter().any(|(a, _)| *a == "resolve");
    let can_supervise = u.actor.check(Permission::ConcernSupervise, &c.path).is_ok()
        && !CONCERN.is_closed_code(&c.state);
    render(ConcernTpl {
        can_resolve,
        can_supervise,
        page: Page::signed_in(tr, u, flash),
        paired_area: triage::paired_with(&state.db, &c.path).await?,
        can_area,
        assign_form,
        errors,
        category: category_name(tr, &c.category),
        channel: i18n::known(&format!("channel.{}", c.channel)).unwrap_or("channel.web"),
        state_key: state_key(&c.state),
        deadline: c
            .deadline_at
            .map(|t| format_time(tr.lang, t))
            .unwrap_or_default(),
        overdue: c.overdue(now),
        events,
        actions,
        can_merge: triage && allowed("merge"),
        can_convert: triage && allowed("convert"),
        can_assign,
        departments,
        assigned: triage::assignments(&state.db, id).await?,
        followers: triage::followers(&state.db, id).await?,
        reporters: concern::reporters(&state.db, id).await?,
        can_reveal,
        handle_actions,
        photos: photo::tokens(&state.db, "concern", id).await?,
        similar,
        c,
    })
}

#[derive(Deserialize)]
struct TransitionForm {
    action: String,
    #[serde(default)]
    note: String,
}

async fn transition(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TransitionForm>,
) -> AppResult<Response> {
    let note = f.note.trim();
    if f.action == "reject" && note.is_empty() {
        return Ok(back(id, Msg::Err("err.reason_required")));
    }
    if !TRIAGE_ACTIONS.iter().any(|(a, _)| *a == f.action) {
        return Err(AppError::BadRequest(format!("unknown action {}", f.action)));
    }
    let event = match f.action.as_str() {
        "accept" => "accepted",
        "reject" => "rejected",
        _ => "reopened",
    };
    let Some(action) = CONCERN.action(&f.action) else {
        return Err(AppError::BadRequest(format!("unknown action {}", f.action)));
    };
    let r = item::transition(
        &state.db,
        &CONCERN,
        id,
        action,
        By::User(&u.actor),
        (!note.is_empty()).then_some(note),
        &[concern::notify_job(id, event)],
    )
    .await;
    after_transition(id, r)
}

#[derive(Deserialize)]
struct MergeForm {
    into: String,
    #[serde(default)]
    note: String,
    /// "1" when the box saying that merging cannot be undone is ticked.
    #[serde(default)]
    confirm: String,
}

async fn merge(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MergeForm>,
) -> AppResult<Response> {
    // Merging cannot be undone: the page's box must be ticked (a browser
    // asks for it; without one, the server does).
    let mut errors = FieldErrors::default();
    if f.confirm != "1" {
        errors.add("confirm-merge", "err.confirm_merge");
    } else {
        let r = triage::merge(&state.db, &u.actor, id, &f.into, Some(&f.note)).await;
        match r {
            Err(TransitionError::Store(xieshang_store::Error::Invalid {
                key, message, ..
            })) => {
                tracing::info!(concern.id = id, message, "merge refused");
                errors.add("into", i18n::known(key).unwrap_or("err.bad_input"));
            }
            r => return after_transition(id, r),
        }
    }
    // A refused merge comes back with the code and note as typed, the wrong
    // field marked.
    let key = errors.summary()[0].1;
    let flash = Flash {
        err: Some(key.to_owned()),
        ..Flash::default()
    };
    let kept = AssignInput {
        merge_into: f.into,
        merge_note: f.note,
        ..AssignInput::default()
    };
    let mut res = concern_view(&state, tr, &u, id, &flash, kept, errors).await?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Deserialize)]
struct ConvertForm {
    to: String,
    #[serde(default)]
    note: String,
}

async fn convert(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ConvertForm>,
) -> AppResult<Response> {
    let Some(to) = triage::ConvertTo::parse(&f.to) else {
        return Err(AppError::BadRequest(format!("unknown conversion {}", f.to)));
    };
    let r = triage::convert(&state.db, &u.actor, id, to, Some(&f.note)).await;
    after_transition(id, r)
}

async fn assign(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let departments = crate::kit::form::ids(&f, "departments");
    let lead = crate::kit::form::ids(&f, "lead")
        .first()
        .copied()
        .unwrap_or(0);
    let note = f.iter().find(|(k, _)| k == "note").map(|(_, v)| v.as_str());
    let r = triage::assign(
        &state.db,
        &state.calendar,
        &state.config.policy,
        &u.actor,
        id,
        &departments,
        lead,
        note,
    )
    .await;
    // A refused assignment comes back with what was ticked and typed, and the
    // wrong field marked.
    if let Err(TransitionError::Store(xieshang_store::Error::Invalid {
        field,
        key,
        message,
    })) = &r
    {
        tracing::info!(concern.id = id, message, "assignment refused");
        let key = i18n::known(key).unwrap_or("err.bad_input");
        let mut errors = FieldErrors::default();
        errors.add(field, key);
        let flash = Flash {
            err: Some(key.to_owned()),
            ..Flash::default()
        };
        let kept = AssignInput {
            departments,
            lead,
            note: note.unwrap_or_default().to_owned(),
            ..AssignInput::default()
        };
        let mut res = concern_view(&state, tr, &u, id, &flash, kept, errors).await?;
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    after_transition(id, r)
}

#[derive(Deserialize)]
struct HandleForm {
    action: String,
    #[serde(default)]
    note: String,
    /// "1" when the box confirming the result is ticked (resolving).
    #[serde(default)]
    confirm: String,
    /// The token of photos held from a try that came back.
    #[serde(default)]
    kept_photos: String,
}

async fn handle(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    up: CsrfUpload<HandleForm>,
) -> AppResult<Response> {
    // The photos chosen now, or (on a retry) those held from the first try.
    let mut photos = match photos_from(&state, up.files).await? {
        Ok(p) => p,
        Err(key) => return Ok(back(id, Msg::Err(key))),
    };
    if photos.is_empty() {
        photos = crate::concern::intake::kept(&state, &up.form.kept_photos).unwrap_or_default();
    }
    // Resolving asks the residents for their verdict: the box confirming
    // the result must be ticked. Until it is, the note and the photos are
    // kept (the photos held server-side under a token in the form).
    if up.form.action == "resolve" && up.form.confirm != "1" {
        let mut errors = FieldErrors::default();
        errors.add("confirm", "err.confirm_resolve");
        let flash = Flash {
            err: Some("err.confirm_resolve".to_owned()),
            ..Flash::default()
        };
        let handle_photos_count = photos.len();
        let kept = AssignInput {
            handle_note: up.form.note.clone(),
            handle_photos: if photos.is_empty() {
                String::new()
            } else {
                crate::concern::intake::keep_photos(&state, photos)
            },
            handle_photos_count,
            ..AssignInput::default()
        };
        let mut res = concern_view(&state, tr, &u, id, &flash, kept, errors).await?;
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let r = handling::handle(
        &state.db,
        &state.calendar,
        &state.config.policy,
        &u.actor,
        id,
        &up.form.action,
        &up.form.note,
        &photos,
    )
    .await;
    after_transition(id, r)
}

#[derive(Deserialize)]
struct SuperviseForm {
    action: String,
    #[serde(default)]
    note: String,
}

/// A leader or the overseer urges the work on or writes an instruction.
async fn supervise(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SuperviseForm>,
) -> AppResult<Response> {
    match handling::supervise(&state.db, &u.actor, id, &f.action, &f.note).await {
        Ok(()) => Ok(back(id, Msg::Ok("common.saved"))),
        Err(xieshang_store::Error::Invalid { key, message, .. }) => {
            tracing::info!(concern.id = id, message, "supervision refused");
            Ok(back(
                id,
                Msg::Err(i18n::known(key).unwrap_or("err.bad_input")),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "concern/reveal.html")]
struct RevealTpl {
    page: Page,
    id: i64,
    title: String,
    reporters: Vec<(Option<String>, Option<String>)>,
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
    let c = concern::get(&state.db, &u.actor, Permission::ReporterReveal, id).await?;
    let sealer = state
        .sealer
        .as_deref()
        .ok_or_else(|| AppError::Internal("no personal-data key configured".into()))?;
    let reporters = concern::reveal(&state.db, sealer, &u.actor, id).await?;
    let mut res = render(RevealTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        id,
        title: c.title,
        reporters,
    })?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

// ---------------------------------------------------------------- recording for residents

/// Channels a recorder may choose, by their roles.
fn channels_for(actor: &xieshang_core::Actor) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (role, channel) in [
        (Role::LiaisonOfficer, "liaison"),
        (Role::GridWorker, "grid"),
        (Role::Member, "studio"),
        (Role::Member, "member"),
        (Role::Staff, "liaison"),
        (Role::Staff, "studio"),
        (Role::Admin, "liaison"),
    ] {
        if actor.has_role(role) && !out.contains(&channel) {
            out.push(channel);
        }
    }
    out
}

fn channel_choices(actor: &xieshang_core::Actor) -> Vec<(&'static str, &'static str)> {
    channels_for(actor)
        .into_iter()
        .map(|c| {
            (
                c,
                i18n::known(&format!("channel.{c}")).unwrap_or("channel.web"),
            )
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RecordForm {
    #[serde(default)]
    pub(crate) channel: String,
    #[serde(default)]
    pub(crate) category: String,
    #[serde(default)]
    pub(crate) area: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) address: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) lat: String,
    #[serde(default)]
    pub(crate) lng: String,
    /// "1" once the resident has seen similar open concerns and files anyway.
    #[serde(default)]
    pub(crate) confirm_new: String,
    /// The token of photos kept from a try that came back
    /// ([`crate::concern::intake::keep_photos`]).
    #[serde(default)]
    pub(crate) kept_photos: String,
}

impl RecordForm {
    /// The shared intake of the form's fields; unreadable coordinates are a
    /// field error, not silently dropped.
    pub(crate) fn intake(&self) -> Result<crate::concern::intake::Intake, &'static str> {
        let num = |s: &str| -> Result<Option<f64>, &'static str> {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse().map(Some).map_err(|_| "lat")
            }
        };
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        Ok(crate::concern::intake::Intake {
            category: self.category.clone(),
            area: self.area.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            address: opt(&self.address),
            lat: num(&self.lat)?,
            lng: num(&self.lng)?,
            name: opt(&self.name),
            phone: opt(&self.phone),
            attributes: None,
            api_key_id: None,
            org_id: None,
        })
    }
}

#[derive(Template)]
#[template(path = "concern/record.html")]
struct RecordTpl {
    page: Page,
    form: RecordForm,
    errors: FieldErrors,
    channels: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    area_groups: Vec<crate::kit::page::AreaGroup>,
    recorded: Option<String>,
    /// The resident's key of the concern just recorded (shown this once).
    recorded_key: String,
    /// Whether the resident was added to an open concern instead.
    joined: bool,
    /// Open concerns that look like the same problem, shown before filing.
    similar: Vec<crate::search::SimilarView>,
    /// Photos held for this form's retry (their token is in `form`).
    kept_count: usize,
}

#[derive(Deserialize)]
struct RecordQuery {
    code: Option<String>,
    key: Option<String>,
    joined: Option<String>,
}

/// Areas where the actor may record: inside their recording scope.
async fn record_areas(
    state: &AppState,
    actor: &xieshang_core::Actor,
) -> AppResult<Vec<crate::kit::page::AreaGroup>> {
    let all = xieshang_store::concern::areas(&state.db).await?;
    let scopes = actor.scopes(Permission::ConcernRecord);
    Ok(crate::kit::page::area_groups(&all, |a| {
        scopes.iter().any(|s| a.path.is_within(s))
    }))
}

async fn record_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<RecordQuery>,
) -> AppResult<Response> {
    render(RecordTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        form: RecordForm::default(),
        errors: FieldErrors::new(),
        channels: channel_choices(&u.actor),
        categories: area_form_categories(tr),
        area_groups: record_areas(&state, &u.actor).await?,
        recorded: q
            .code
            .and_then(|c| xieshang_core::concern::TrackingCode::parse(&c).ok())
            .map(|c| c.as_str().to_owned()),
        recorded_key: crate::kit::page::resident_key_param(q.key),
        joined: q.joined.as_deref() == Some("1"),
        similar: Vec::new(),
        kept_count: 0,
    })
}

async fn record(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    up: CsrfUpload<RecordForm>,
) -> AppResult<Response> {
    let channels = channels_for(&u.actor);
    let mut form = up.form;
    let mut errors = FieldErrors::new();
    if !channels.contains(&form.channel.as_str()) {
        errors.add("channel", "err.channel");
    }
    let mut photos = match photos_from(&state, up.files).await? {
        Ok(p) => p,
        Err(k) => {
            errors.add("photos", k);
            Vec::new()
        }
    };
    if photos.is_empty() && errors.of("photos").is_none() {
        photos = crate::concern::intake::kept(&state, &form.kept_photos).unwrap_or_default();
    }
    let intake = match form.intake() {
        Ok(i) => Some(i),
        Err(f) => {
            errors.add(
                "locate",
                i18n::known(&format!("err.intake.{f}")).unwrap_or("err.bad_input"),
            );
            None
        }
    };
    let mut similar = Vec::new();
    if errors.is_empty() {
        if let Some(intake) = intake {
            // The same check the resident's form makes: open concerns that
            // look like this one first, to add the resident to instead.
            if form.confirm_new != "1" {
                let text = xieshang_store::index::concern_text(
                    &intake.title,
                    &intake.description,
                    intake.address.as_deref(),
                );
                similar = crate::search::similar_for_form(&state, tr, &intake.area, &text).await?;
            }
            if similar.is_empty() {
                match crate::concern::intake::file_concern(
                    &state,
                    &intake,
                    &form.channel,
                    By::User(&u.actor),
                    &photos,
                )
                .await?
                {
                    Ok(r) => {
                        let to = format!("/record?code={}&key={}", r.code, r.key);
                        return Ok(Redirect::to(&to).into_response());
                    }
                    Err(fields) => crate::concern::intake::form_errors(&fields, &mut errors),
                }
            }
        }
    }
    let kept_count = photos.len();
    form.kept_photos = if photos.is_empty() {
        String::new()
    } else {
        crate::concern::intake::keep_photos(&state, photos)
    };
    let refused = !errors.is_empty();
    let mut res = render(RecordTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        channels: channel_choices(&u.actor),
        categories: area_form_categories(tr),
        area_groups: record_areas(&state, &u.actor).await?,
        form,
        errors,
        recorded: None,
        recorded_key: String::new(),
        joined: false,
        similar,
        kept_count,
    })?;
    if refused {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
struct RecordSameForm {
    /// The suggestion's one-time token (none or a stale one: not found).
    #[serde(default)]
    follow: String,
    /// Or the tracking code of an open concern in the recorder's areas (the
    /// area page lists them for those who serve it).
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

/// The recorder adds the resident to an open concern shown as the same
/// problem, instead of filing it again: the resident gets a code and key of
/// their own to answer its feedback with.
async fn record_same(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<RecordSameForm>,
) -> AppResult<Response> {
    let id = if f.follow.trim().is_empty() {
        let code =
            xieshang_core::concern::TrackingCode::parse(&f.code).map_err(|_| AppError::NotFound)?;
        concern::id_by_code(&state.db, code.as_str()).await?
    } else {
        crate::search::take_follow_token(&state, &f.follow).ok_or(AppError::NotFound)?
    };
    // Only inside the recorder's own areas.
    concern::get(&state.db, &u.actor, Permission::ConcernRecord, id)
        .await
        .map_err(|_| AppError::NotFound)?;
    let name = Some(f.name.trim()).filter(|n| !n.is_empty());
    let phone = match Some(f.phone.trim()).filter(|p| !p.is_empty()) {
        Some(p) => Some(
            xieshang_core::personal::Phone::parse(p)
                .map_err(|_| AppError::BadRequest("phone: not a phone number".into()))?,
        ),
        None => None,
    };
    let reporter = match (&state.sealer, name.is_some() || phone.is_some()) {
        (Some(sealer), true) => Some(concern::NewReporter {
            sealer,
            name,
            phone: phone.as_ref(),
        }),
        _ => None,
    };
    match concern::join_same(&state.db, id, reporter).await {
        Ok(r) => Ok(
            Redirect::to(&format!("/record?code={}&key={}&joined=1", r.code, r.key))
                .into_response(),
        ),
        Err(e @ xieshang_store::Error::Invalid { .. }) => flash::refused("/record", e),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- own queue, notifications

struct MyRow {
    id: i64,
    title: String,
    area: String,
    state: &'static str,
    deadline: String,
    overdue: bool,
    why: &'static str,
}

/// A concern the user recorded for a resident, with its state.
struct RecordedRow {
    id: i64,
    code: String,
    title: String,
    area: String,
    state: &'static str,
    raised: String,
}

#[derive(Template)]
#[template(path = "concern/my.html")]
struct MyTpl {
    page: Page,
    rows: Vec<MyRow>,
    grids: Vec<(i64, String)>,
    recorded: Vec<RecordedRow>,
}

async fn my_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
) -> AppResult<Response> {
    let now = state.db.now_ms();
    let rows = handling::my_work(&state.db, &u.actor)
        .await?
        .into_iter()
        .map(|(c, why)| MyRow {
            id: c.id,
            state: state_key(&c.state),
            deadline: c
                .deadline_at
                .map(|t| format_time(tr.lang, t))
                .unwrap_or_default(),
            overdue: c.overdue(now),
            why: match why {
                handling::Why::Department { lead: true } => "my.lead",
                handling::Why::Department { lead: false } => "my.co",
                handling::Why::Paired => "my.paired",
            },
            title: c.title,
            area: c.area,
        })
        .collect();
    let recorded = concern::recorded_by(&state.db, u.actor.user_id, 50)
        .await?
        .into_iter()
        .map(|c| RecordedRow {
            id: c.id,
            state: state_key(&c.state),
            raised: format_time(tr.lang, c.created_at),
            code: c.tracking_code,
            title: c.title,
            area: c.area,
        })
        .collect();
    render(MyTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        rows,
        grids: xieshang_store::search::area::served_by(&state.db, u.actor.user_id).await?,
        recorded,
    })
}

#[derive(Template)]
#[template(path = "concern/notifications.html")]
struct NotificationsTpl {
    page: Page,
    /// (when, event key, link, title, read).
    rows: Vec<(String, &'static str, String, String, bool)>,
}

async fn notifications_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let rows = jobs::notifications(&state.db, u.actor.user_id, 100)
        .await?
        .into_iter()
        .map(|n| {
            (
                format_time(tr.lang, n.created_at),
                i18n::known(&format!("notify.{}", n.kind)).unwrap_or("notify.updated"),
                // Each kind's page: a consultation's own, a proposal's, a supervision
                // opinion's, a concern's.
                if n.item_kind == "consultation" {
                    format!("/consultations/{}", n.item_id)
                } else if n.item_kind == "proposal" {
                    format!("/proposals/{}", n.item_id)
                } else if n.item_kind == "proposal_ballot" {
                    "/proposals/ballot".to_owned()
                } else if n.item_kind == "supervision_opinion" {
                    format!("/supervision/opinions/{}", n.item_id)
                } else {
                    format!("/concerns/{}", n.item_id)
                },
                n.body,
                n.read,
            )
        })
        .collect();
    render(NotificationsTpl {
        page: Page::signed_in(tr, &u, &flash),
        rows,
    })
}

async fn notifications_read(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    jobs::mark_read(&state.db, u.actor.user_id).await?;
    Ok(flash::ok("/notifications", "common.saved"))
}

// ---------------------------------------------------------------- public: photos

async fn photo_file(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let bytes = photo::by_token(&state.db, &token).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}
