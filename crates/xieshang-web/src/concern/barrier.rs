//! The accessibility statement (`/accessibility`: the standard aimed at, how it
//! is checked, the known limits) and its barrier form, which files a concern of
//! the `accessibility` category through the one intake service; the category
//! sends it to the root unit. Nothing here writes to the store by itself.

use crate::kit::auth::{self, CsrfForm, MaybeUser, UiLang};
use crate::kit::error::AppResult;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{render, Flash, Page};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::concern::category::BARRIER;

/// The statement page and its form.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/accessibility", Public, get(statement_page)).post(
        "/accessibility",
        Public,
        post(report),
    )
}

/// What a person fills in about a barrier.
#[derive(Debug, Default, Deserialize)]
struct BarrierForm {
    /// The page (its address or its name) where the barrier was met.
    #[serde(default)]
    page_url: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

#[derive(Template)]
#[template(path = "concern/accessibility.html")]
struct StatementTpl {
    page: Page,
    form: BarrierForm,
    errors: Vec<&'static str>,
    service_days: u32,
}

/// The page the visitor came from, when it is one of this site's: its path
/// and query, to fill in the form.
fn came_from(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))?;
    let path = rest.strip_prefix(host)?;
    (path.starts_with('/') && !path.starts_with("/accessibility") && path.chars().count() <= 200)
        .then(|| path.to_owned())
}

fn page_for(
    state: &AppState,
    tr: Tr,
    headers: &HeaderMap,
    user: Option<&(
        xieshang_core::Actor,
        xieshang_store::account::session::Session,
    )>,
) -> (Page, Option<String>) {
    let (csrf, set) = auth::page_token(state, headers, user.map(|(_, s)| s));
    let page = Page::new(tr, user.map(|(a, s)| (a, s)), csrf, &Flash::default());
    (page, set)
}

async fn statement_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (page, set) = page_for(&state, tr, &headers, user.as_ref());
    let form = BarrierForm {
        page_url: came_from(&headers).unwrap_or_default(),
        ..Default::default()
    };
    let res = render(StatementTpl {
        page,
        form,
        errors: Vec::new(),
        service_days: BARRIER.service_days,
    })?;
    Ok(auth::with_token_cookie(res, set))
}

/// Files the barrier report as a resident's concern at the root unit and
/// sends the person to its tracking page, as the report form does.
async fn report(
    State(state): State<AppState>,
    _limit: crate::kit::throttle::IntakeAllowed,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<BarrierForm>,
) -> AppResult<Response> {
    let mut errors: Vec<&'static str> = Vec::new();
    let where_ = form.page_url.trim();
    if where_.is_empty() {
        errors.extend(i18n::known("err.barrier.page"));
    } else {
        let cat = &BARRIER;
        // The title says where, so the queue shows it at a glance.
        let title: String = format!("{}：{where_}", cat.name_zh)
            .chars()
            .take(100)
            .collect();
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        let intake = crate::concern::intake::Intake {
            category: cat.code.to_owned(),
            area: String::new(),
            title,
            description: form.description.clone(),
            address: Some(where_.to_owned()),
            lat: None,
            lng: None,
            name: opt(&form.name),
            phone: opt(&form.phone),
            attributes: None,
            api_key_id: None,
            org_id: None,
        };
        match crate::concern::intake::file_concern(
            &state,
            &intake,
            "web",
            xieshang_store::item::By::Resident,
            &[],
        )
        .await?
        {
            Ok(r) => {
                let to = format!("/track?code={}&key={}&filed=1", r.code, r.key);
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => errors.extend(e.iter().filter_map(|(field, e)| {
                // The page goes in as the address: say so in the page's words.
                if *field == "address" && e.key == "err.intake.address" {
                    i18n::known("err.barrier.page_length")
                } else {
                    i18n::known(e.key)
                }
            })),
        }
    }
    errors.dedup();
    let (page, set) = page_for(&state, tr, &headers, user.as_ref());
    let mut res = render(StatementTpl {
        page,
        form,
        errors,
        service_days: BARRIER.service_days,
    })?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(auth::with_token_cookie(res, set))
}
