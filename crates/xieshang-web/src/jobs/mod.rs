//! The job queue's pages: a unit's webhooks, their deliveries, and adding or
//! removing one. Webhooks ride the job queue (`xieshang_store::jobs::webhook`).

use crate::kit::auth::{CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::{self, Msg};
use crate::kit::i18n::Tr;
use crate::kit::page::format_time;
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use xieshang_core::Permission;

/// Registers the webhook routes.
pub fn routes(r: Routes) -> Routes {
    r.get(
        "/orgs/{id}/webhooks",
        Access::Needs(Permission::OrgManage, Target::Org),
        get(webhooks_page),
    )
    .post(
        "/orgs/{id}/webhooks",
        Access::Needs(Permission::OrgManage, Target::Org),
        axum::routing::post(webhooks_post),
    )
}

struct DeliveryView {
    id: i64,
    event: String,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    delivered_at: Option<i64>,
    created: String,
}

#[derive(askama::Template)]
#[template(path = "jobs/webhooks.html")]
struct WebhooksTpl {
    page: crate::kit::page::Page,
    org_id: i64,
    org_name: String,
    hooks: Vec<xieshang_store::jobs::webhook::Hook>,
    deliveries: Vec<DeliveryView>,
    /// Every event, and whether a refused hook had it ticked.
    events: Vec<(&'static str, bool)>,
    secret: Option<String>,
    /// A refused hook's address as sent.
    url: String,
    errors: crate::kit::form::FieldErrors,
}

/// A refused hook's fields as sent, and what was wrong.
#[derive(Default)]
struct Refused {
    url: String,
    events: Vec<String>,
    errors: crate::kit::form::FieldErrors,
}

#[derive(Deserialize)]
struct WebhooksQuery {
    err: Option<String>,
    ok: Option<String>,
}

async fn render_webhooks(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    org_id: i64,
    flash: crate::kit::page::Flash,
    secret: Option<String>,
    refused: Refused,
) -> AppResult<Response> {
    use xieshang_store::jobs::webhook;
    let org = xieshang_store::org::get(&state.db, &u.actor, Permission::OrgManage, org_id).await?;
    let hooks = webhook::list(&state.db, &u.actor, org_id).await?;
    let deliveries = webhook::deliveries(&state.db, &u.actor, org_id, 100)
        .await?
        .into_iter()
        .map(|d| DeliveryView {
            id: d.id,
            event: d.event,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created: format_time(tr.lang, d.created_at),
        })
        .collect();
    crate::kit::page::render(WebhooksTpl {
        page: crate::kit::page::Page::signed_in(tr, u, &flash),
        org_id,
        org_name: org.name,
        hooks,
        deliveries,
        events: webhook::EVENTS
            .iter()
            .map(|(e, _)| (*e, refused.events.iter().any(|c| c.as_str() == *e)))
            .collect(),
        secret,
        url: refused.url,
        errors: refused.errors,
    })
}

async fn webhooks_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<WebhooksQuery>,
) -> AppResult<Response> {
    let flash = crate::kit::page::Flash {
        err: q.err,
        ok: q.ok,
        archived: None,
    };
    render_webhooks(&state, tr, &u, id, flash, None, Refused::default()).await
}

async fn webhooks_post(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    crate::kit::auth::CsrfForm(f): crate::kit::auth::CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    use xieshang_store::jobs::webhook;
    let get = |k: &str| f.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let to = format!("/orgs/{id}/webhooks");
    let back = |msg: Msg<'_>| flash::back(&to, msg);
    match get("action") {
        Some("create") => {
            let sealer = state
                .sealer
                .as_deref()
                .ok_or_else(|| AppError::Internal("no personal-data key configured".into()))?;
            let events: Vec<String> = f
                .iter()
                .filter(|(k, _)| k == "events")
                .map(|(_, v)| v.clone())
                .collect();
            match webhook::create(
                &state.db,
                sealer,
                &state.config.webhook_policy,
                &u.actor,
                id,
                get("url").unwrap_or(""),
                &events,
            )
            .await
            {
                Ok((_, secret)) => {
                    let flash = crate::kit::page::Flash {
                        ok: Some("common.saved".into()),
                        ..Default::default()
                    };
                    let mut res = render_webhooks(
                        &state,
                        tr,
                        &u,
                        id,
                        flash,
                        Some(secret),
                        Refused::default(),
                    )
                    .await?;
                    res.headers_mut().insert(
                        header::CACHE_CONTROL,
                        header::HeaderValue::from_static("no-store"),
                    );
                    Ok(res)
                }
                // Back with the address and events as sent, the field marked.
                Err(e) => match crate::kit::form::FieldErrors::refused(&e) {
                    Some(errors) => {
                        let refused = Refused {
                            url: get("url").unwrap_or("").to_owned(),
                            events,
                            errors,
                        };
                        let flash = crate::kit::page::Flash::default();
                        render_webhooks(&state, tr, &u, id, flash, None, refused).await
                    }
                    None => Err(e.into()),
                },
            }
        }
        Some("disable") => {
            let hook = get("hook")
                .and_then(|h| h.parse().ok())
                .ok_or_else(|| AppError::BadRequest("hook".into()))?;
            webhook::disable(&state.db, &u.actor, id, hook).await?;
            Ok(back(Msg::Ok("common.saved")))
        }
        _ => Err(AppError::BadRequest("action".into())),
    }
}
