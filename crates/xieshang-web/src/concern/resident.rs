//! The resident's pages: the public intake form and the tracking page.

use crate::kit::auth::{self, MaybeUser, UiLang};
use crate::kit::error::AppResult;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{
    area_choices, area_form_categories, format_time, render, resident_key_param, state_key, Flash,
    Page,
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

/// The resident's routes: tracking and the public intake form.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/track", Public, get(track_page))
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
    merged_into: Option<(String, &'static str)>,
}

impl TrackView {
    fn from(s: xieshang_store::concern::PublicStatus) -> TrackView {
        TrackView {
            title: s.title,
            area: s.area,
            state_key: state_key(&s.state),
            events: s
                .timeline
                .iter()
                .map(|(action, to, at)| {
                    (
                        format_time(*at),
                        if action == "escalate" || action == "remind" {
                            "event.escalate_public"
                        } else if action == "same_report" {
                            "event.same_report"
                        } else {
                            state_key(to)
                        },
                    )
                })
                .collect(),
            result_note: s.result_note,
            awaiting_feedback: s.awaiting_feedback,
            feedback: s
                .feedback
                .into_iter()
                .map(|(r, c, t, at)| {
                    (
                        format_time(at),
                        i18n::known(&format!("rating.{r}")).unwrap_or("rating.satisfied"),
                        c,
                        t,
                    )
                })
                .collect(),
            photos: s.photos,
            merged_into: s
                .merged_into
                .map(|m| (m.tracking_code, state_key(&m.state))),
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
    let code = q.code.unwrap_or_default().trim().to_uppercase();
    let filed = q.filed.as_deref() == Some("1");
    let joined = q.joined.as_deref() == Some("1");
    // The resident's key, only as a well-formed one (it goes back into the
    // page's feedback form and the link shown once after filing).
    let key = resident_key_param(q.key);
    let (status, not_found) = if code.is_empty() {
        (None, false)
    } else {
        state.throttles.track(addr)?;
        match xieshang_store::concern::public_status(&state.db, &code).await {
            Ok(s) => (Some(TrackView::from(s)), false),
            Err(xieshang_store::Error::NotFound) => (None, true),
            Err(e) => return Err(e.into()),
        }
    };
    let flash = Flash {
        ok: q.ok,
        err: q.err,
        archived: None,
    };
    // Only a page with a form that posts needs the token: the feedback form
    // and a signed-in visitor's logout. The resident who only looks is not
    // handed a cookie on every visit.
    let posts = user.is_some() || status.as_ref().is_some_and(|s| s.awaiting_feedback);
    let (csrf, set) = if posts {
        auth::page_token(&state, &headers, user.as_ref().map(|(_, s)| s))
    } else {
        (String::new(), None)
    };
    let page = Page::new(tr, user.as_ref().map(|(a, s)| (a, s)), csrf, &flash);
    let mut res = render(TrackTpl {
        page,
        code,
        key,
        status,
        not_found,
        filed,
        joined,
    })?;
    if not_found {
        *res.status_mut() = axum::http::StatusCode::NOT_FOUND;
    }
    Ok(auth::with_token_cookie(res, set))
}

// ---------------------------------------------------------------- public intake form

type ReportForm = crate::concern::staff::RecordForm;

#[derive(Template)]
#[template(path = "concern/report.html")]
struct ReportTpl {
    page: Page,
    form: ReportForm,
    errors: Vec<&'static str>,
    categories: Vec<(&'static str, &'static str)>,
    areas: Vec<(String, String)>,
    similar: Vec<crate::search::SimilarView>,
    had_photos: bool,
}

/// What the report page shows besides the form.
#[derive(Default)]
struct ReportExtras {
    errors: Vec<&'static str>,
    similar: Vec<crate::search::SimilarView>,
    had_photos: bool,
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
    let areas = area_choices(state).await?;
    render(ReportTpl {
        page,
        form,
        errors: extras.errors,
        categories: area_form_categories(tr),
        areas,
        similar: extras.similar,
        had_photos: extras.had_photos,
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
    let form = up.form;
    let mut keys: Vec<&'static str> = Vec::new();
    let photos = match crate::concern::staff::photos_from(&state, up.files).await? {
        Ok(p) => p,
        Err(k) => {
            keys.push(k);
            Vec::new()
        }
    };
    let u = user.as_ref().map(|(a, s)| (a, s));
    match form.intake() {
        Ok(intake) if keys.is_empty() => {
            // Before filing, show open concerns that look like the same problem,
            // unless the resident has seen them and goes on.
            if form.confirm_new != "1" {
                let text = xieshang_store::index::concern_text(
                    &intake.title,
                    &intake.description,
                    intake.address.as_deref(),
                );
                let similar = crate::search::similar_for_form(&state, &intake.area, &text).await?;
                if !similar.is_empty() {
                    let csrf = auth::form_token(&headers, user.as_ref().map(|(_, s)| s))
                        .unwrap_or_default();
                    let extras = ReportExtras {
                        errors: Vec::new(),
                        had_photos: !photos.is_empty(),
                        similar,
                    };
                    return render_report(&state, tr, csrf, u, form, extras).await;
                }
            }
            match crate::concern::intake::file_concern(
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
                Err(errors) => keys.extend(errors.iter().filter_map(|(_, e)| i18n::known(e.key))),
            }
        }
        Ok(_) => {}
        Err(f) => keys.extend(i18n::known(&format!("err.intake.{f}"))),
    }
    let csrf = auth::form_token(&headers, user.as_ref().map(|(_, s)| s)).unwrap_or_default();
    let extras = ReportExtras {
        errors: keys,
        ..Default::default()
    };
    let mut res = render_report(&state, tr, csrf, u, form, extras).await?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}
