//! The resident's pages: the public intake form, the tracking page and the
//! feedback each reporter gives there.

use crate::concern::intake;
use crate::kit::auth::{self, CsrfForm, MaybeUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::{self, Msg};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{
    area_form_categories, area_groups, format_time, render, resident_key_param, state_key,
    AreaGroup, Flash, Page,
};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use crate::kit::throttle::ClientAddr;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::Actor;
use xieshang_store::account::session::Session;
use xieshang_store::item::TransitionError;

/// The resident's routes: tracking and the public intake form.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/track", Public, get(track_page))
        .post("/track/feedback", Public, post(feedback))
        .get("/report", Public, get(report_page))
        .post(
            "/report",
            Public,
            post(report).layer(axum::extract::DefaultBodyLimit::max(
                auth::UPLOAD_BODY_LIMIT,
            )),
        )
}

// ---------------------------------------------------------------- tracking

struct TrackView {
    title: String,
    area: String,
    state_key: &'static str,
    events: Vec<(String, &'static str)>,
    result_note: Option<String>,
    awaiting_feedback: bool,
    feedback: Vec<(String, &'static str, Option<String>, Option<String>)>,
    photos: Vec<String>,
    /// The state of the concern this one was merged into (never its code:
    /// that is another resident's).
    merged_into: Option<&'static str>,
    /// The departments handling it (name, leads), its own or the survivor's.
    departments: Vec<(String, bool)>,
    /// Their progress notes: (when, note).
    progress: Vec<(String, String)>,
    /// When it is due, while departments work on it.
    due: Option<String>,
    /// (when, topic) of the consultations called on it (no names).
    meetings: Vec<(String, String)>,
}

impl TrackView {
    fn from(tr: Tr, s: xieshang_store::concern::PublicStatus) -> TrackView {
        // Who handles it and how far they are: of the concern handled for
        // this code (the one it was merged into, if it was), once assigned.
        let handled = s.merged_into.as_deref().unwrap_or(&s);
        let state = handled.state.as_str();
        let (departments, progress) =
            if matches!(state, "assigned" | "in_progress" | "resolved" | "closed") {
                (
                    handled.departments.clone(),
                    handled
                        .progress
                        .iter()
                        .map(|(at, n)| (format_time(tr.lang, *at), n.clone()))
                        .collect(),
                )
            } else {
                (Vec::new(), Vec::new())
            };
        let meetings = handled
            .meetings
            .iter()
            .map(|(at, topic)| (format_time(tr.lang, *at), topic.clone()))
            .collect();
        let due = matches!(state, "assigned" | "in_progress")
            .then_some(handled.deadline_at)
            .flatten()
            .map(|t| format_time(tr.lang, t));
        TrackView {
            title: s.title,
            area: s.area,
            state_key: state_key(&s.state),
            events: s
                .timeline
                .iter()
                .map(|(action, to, at)| {
                    (
                        format_time(tr.lang, *at),
                        if action == "escalate" || action == "remind" {
                            "event.escalate_public"
                        } else if action == "same_report" {
                            "event.same_report"
                        } else if action == "convene" {
                            "event.convened"
                        } else {
                            state_key(to)
                        },
                    )
                })
                .collect(),
            // A merged reporter reads the result of the concern handled for them.
            result_note: s
                .result_note
                .or_else(|| s.merged_into.as_ref().and_then(|m| m.result_note.clone())),
            awaiting_feedback: s.awaiting_feedback,
            feedback: s
                .feedback
                .into_iter()
                .map(|(r, c, t, at)| {
                    (
                        format_time(tr.lang, at),
                        i18n::known(&format!("rating.{r}")).unwrap_or("rating.satisfied"),
                        c,
                        t,
                    )
                })
                .collect(),
            photos: s.photos,
            merged_into: s.merged_into.map(|m| state_key(&m.state)),
            departments,
            progress,
            due,
            meetings,
        }
    }
}

#[derive(Template)]
#[template(path = "concern/track.html")]
struct TrackTpl {
    page: Page,
    code: String,
    /// The resident's key from the link, if it carried one.
    key: String,
    status: Option<TrackView>,
    not_found: bool,
    filed: bool,
    joined: bool,
    /// The feedback form as it was sent, when it comes back refused.
    fb: FeedbackForm,
    errors: FieldErrors,
}

#[derive(Deserialize)]
struct TrackQuery {
    code: Option<String>,
    key: Option<String>,
    filed: Option<String>,
    joined: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

/// The resident's page: the tracking code alone shows what was asked and done.
async fn track_page(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Query(q): Query<TrackQuery>,
) -> AppResult<Response> {
    let flash = Flash {
        ok: q.ok,
        err: q.err,
        archived: None,
    };
    let shown = TrackShown {
        typed: q.code.unwrap_or_default(),
        key: resident_key_param(q.key),
        filed: q.filed.as_deref() == Some("1"),
        joined: q.joined.as_deref() == Some("1"),
    };
    let u = user.as_ref().map(|(a, s)| (a, s));
    let fb = FeedbackForm::default();
    render_track(
        &state,
        addr,
        tr,
        u,
        &headers,
        shown,
        &flash,
        fb,
        FieldErrors::new(),
    )
    .await
}

/// What the tracking page shows besides the concern.
struct TrackShown {
    /// The code as typed.
    typed: String,
    /// The resident's key, only as a well-formed one (it goes back into the
    /// page's feedback form and the link shown once after filing).
    key: String,
    filed: bool,
    joined: bool,
}

#[allow(clippy::too_many_arguments)] // the page's parts, each once
async fn render_track(
    state: &AppState,
    addr: Option<std::net::IpAddr>,
    tr: Tr,
    user: Option<(&Actor, &Session)>,
    headers: &HeaderMap,
    shown: TrackShown,
    flash: &Flash,
    fb: FeedbackForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    // A code as people copy it (groups, dashes, lower case) is read as the
    // code; what cannot be one is shown back as typed and not looked up.
    let parsed = xieshang_core::concern::TrackingCode::parse(&shown.typed).ok();
    let code = match &parsed {
        Some(c) => c.as_str().to_owned(),
        None => shown.typed.trim().to_owned(),
    };
    let (status, not_found) = if code.is_empty() {
        (None, false)
    } else if parsed.is_none() {
        (None, true)
    } else {
        state.throttles.track(addr)?;
        match xieshang_store::concern::public_status(&state.db, &code).await {
            Ok(s) => (Some(TrackView::from(tr, s)), false),
            Err(xieshang_store::Error::NotFound) => (None, true),
            Err(e) => return Err(e.into()),
        }
    };
    // Only a page with a form that posts needs the token: the feedback form
    // and a signed-in visitor's logout. The resident who only looks is not
    // handed a cookie on every visit.
    let posts = user.is_some() || status.as_ref().is_some_and(|s| s.awaiting_feedback);
    let (csrf, set) = if posts {
        auth::page_token(state, headers, user.map(|(_, s)| s))
    } else {
        (String::new(), None)
    };
    let page = Page::new(tr, user, csrf, flash);
    let refused = !errors.is_empty();
    let key = if fb.key.is_empty() {
        shown.key
    } else {
        resident_key_param(Some(fb.key.clone()))
    };
    let mut res = render(TrackTpl {
        page,
        code,
        key,
        status,
        not_found,
        filed: shown.filed,
        joined: shown.joined,
        fb,
        errors,
    })?;
    if not_found {
        *res.status_mut() = axum::http::StatusCode::NOT_FOUND;
    } else if refused {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(auth::with_token_cookie(res, set))
}

/// The feedback form. Every field is optional to the parser, so a form sent
/// without a rating (the browser's check skipped) comes back to the page with
/// what was written, not as a bare 400.
#[derive(Debug, Default, Deserialize)]
struct FeedbackForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    thanks: String,
}

/// A reporter rates the result. The tracking code is their own; the key given
/// with it proves it is them. Limited per address and per concern. A missing
/// rating or an over-long text comes back to the page with every field kept
/// and the wrong one marked.
async fn feedback(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<FeedbackForm>,
) -> AppResult<Response> {
    let Ok(code) = xieshang_core::concern::TrackingCode::parse(&f.code) else {
        return Err(AppError::NotFound);
    };
    let code = code.as_str().to_owned();
    state.throttles.feedback(addr)?;
    let mut errors = FieldErrors::new();
    let rating = xieshang_store::concern::Rating::parse(&f.rating);
    if rating.is_none() {
        errors.add("rating", "err.rating");
    }
    for (field, text) in [("comment", &f.comment), ("thanks", &f.thanks)] {
        if let Some(e) = xieshang_core::concern::FeedbackText::problems(text).first() {
            errors.add(field, e.key);
        }
    }
    let track = format!("/track?code={code}");
    let to = |msg: Msg<'_>| flash::back(&track, msg);
    if let Some(rating) = rating.filter(|_| errors.is_empty()) {
        let given = (Some(f.comment.as_str()), Some(f.thanks.as_str()));
        match xieshang_store::concern::feedback(&state.db, &code, &f.key, rating, given.0, given.1)
            .await
        {
            Ok(_) => return Ok(to(Msg::Ok("track.thanks"))),
            Err(TransitionError::Refused(_)) => return Ok(to(Msg::Err("err.transition"))),
            Err(TransitionError::Store(xieshang_store::Error::Invalid { field, key, .. })) => {
                if key == "err.resident_key" {
                    state.throttles.wrong_key(&code)?;
                }
                // A wrong key (or text the store refuses) comes back to the
                // page with what was written, the wrong field marked.
                let field = match field {
                    "comment" => "comment",
                    "thanks" => "thanks",
                    "rating" => "rating",
                    _ => "key",
                };
                errors.add(field, i18n::known(key).unwrap_or("err.bad_input"));
            }
            Err(TransitionError::Store(e)) => return Err(e.into()),
        }
    }
    let shown = TrackShown {
        typed: code,
        key: String::new(),
        filed: false,
        joined: false,
    };
    let u = user.as_ref().map(|(a, s)| (a, s));
    render_track(
        &state,
        addr,
        tr,
        u,
        &headers,
        shown,
        &Flash::default(),
        f,
        errors,
    )
    .await
}

// ---------------------------------------------------------------- public intake form

type ReportForm = crate::concern::staff::RecordForm;

#[derive(Template)]
#[template(path = "concern/report.html")]
struct ReportTpl {
    page: Page,
    form: ReportForm,
    errors: FieldErrors,
    categories: Vec<(&'static str, &'static str)>,
    area_groups: Vec<AreaGroup>,
    similar: Vec<crate::search::SimilarView>,
    /// Photos held for this form's retry (their token is in `form`).
    kept_count: usize,
}

/// What the report page shows besides the form.
#[derive(Default)]
struct ReportExtras {
    errors: FieldErrors,
    similar: Vec<crate::search::SimilarView>,
    kept_count: usize,
}

async fn render_report(
    state: &AppState,
    tr: Tr,
    csrf: String,
    user: Option<(&Actor, &Session)>,
    form: ReportForm,
    extras: ReportExtras,
) -> AppResult<Response> {
    let page = Page::new(tr, user, csrf, &Flash::default());
    let areas = xieshang_store::concern::areas(&state.db).await?;
    render(ReportTpl {
        page,
        form,
        errors: extras.errors,
        categories: area_form_categories(tr),
        area_groups: area_groups(&areas, |_| true),
        similar: extras.similar,
        kept_count: extras.kept_count,
    })
}

async fn report_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (csrf, set) = auth::page_token(&state, &headers, user.as_ref().map(|(_, s)| s));
    let u = user.as_ref().map(|(a, s)| (a, s));
    let res = render_report(
        &state,
        tr,
        csrf,
        u,
        ReportForm::default(),
        ReportExtras::default(),
    )
    .await?;
    Ok(auth::with_token_cookie(res, set))
}

async fn report(
    State(state): State<AppState>,
    _limit: crate::kit::throttle::IntakeAllowed,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    up: auth::CsrfUpload<ReportForm>,
) -> AppResult<Response> {
    let mut form = up.form;
    let mut errors = FieldErrors::new();
    let mut photos = match crate::concern::staff::photos_from(&state, up.files).await? {
        Ok(p) => p,
        Err(k) => {
            errors.add("photos", k);
            Vec::new()
        }
    };
    // Photos chosen before the form came back, unless new ones were chosen.
    if photos.is_empty() && errors.is_empty() {
        photos = intake::kept(&state, &form.kept_photos).unwrap_or_default();
    }
    // h-locate begin
    // A location given but no area chosen (the page's lookup did not run,
    // or did not answer): the area the location button would have chosen,
    // or, when none is near enough, the usual "choose where it is".
    if form.area.trim().is_empty() {
        // A failed lookup costs the resident nothing typed: the form comes
        // back asking where it is.
        match intake::area_near(&state, &form.lat, &form.lng).await {
            Ok(Some(code)) => form.area = code,
            Ok(None) => {}
            Err(e) => AppError::from(e).log(),
        }
    }
    // h-locate end
    let u = user.as_ref().map(|(a, s)| (a, s));
    match form.intake() {
        Ok(intake) if errors.is_empty() => {
            // Before filing, show open concerns that look like the same problem,
            // unless the resident has seen them and goes on.
            if form.confirm_new != "1" {
                let text = xieshang_store::index::concern_text(
                    &intake.title,
                    &intake.description,
                    intake.address.as_deref(),
                );
                let similar =
                    crate::search::similar_for_form(&state, tr, &intake.area, &text).await?;
                if !similar.is_empty() {
                    let csrf = auth::form_token(&headers, user.as_ref().map(|(_, s)| s))
                        .unwrap_or_default();
                    let kept_count = photos.len();
                    form.kept_photos = if photos.is_empty() {
                        String::new()
                    } else {
                        intake::keep_photos(&state, photos)
                    };
                    let extras = ReportExtras {
                        errors,
                        similar,
                        kept_count,
                    };
                    return render_report(&state, tr, csrf, u, form, extras).await;
                }
            }
            match intake::file_concern(
                &state,
                &intake,
                "web",
                xieshang_store::item::By::Resident,
                &photos,
            )
            .await?
            {
                Ok(r) => {
                    let to = format!("/track?code={}&key={}&filed=1", r.code, r.key);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(fields) => intake::form_errors(&fields, &mut errors),
            }
        }
        Ok(_) => {}
        Err(f) => errors.add(
            "locate",
            i18n::known(&format!("err.intake.{f}")).unwrap_or("err.bad_input"),
        ),
    }
    let csrf = auth::form_token(&headers, user.as_ref().map(|(_, s)| s)).unwrap_or_default();
    let kept_count = photos.len();
    form.kept_photos = if photos.is_empty() {
        String::new()
    } else {
        intake::keep_photos(&state, photos)
    };
    let extras = ReportExtras {
        errors,
        kept_count,
        ..Default::default()
    };
    let mut res = render_report(&state, tr, csrf, u, form, extras).await?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}
