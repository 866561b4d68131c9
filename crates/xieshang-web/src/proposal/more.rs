//! Proposal leads (提案线索, issue 29 point 3): the public form a resident
//! sends one through and its status page, the members' list of their body's
//! open leads and adopting one into a draft; and, on a draft (point 2), the
//! similar past proposals and open concerns, kept current as the initiator
//! types, with the draft saved to the server as it is typed.

use super::{Proposal, TextForm};
use crate::kit::auth::{self, CsrfForm, CurrentUser, MaybeUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash;
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{format_time, render, Flash, Page};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::item::State as ItemState;
use xieshang_core::Permission;
use xieshang_store::proposal::{self, leads};

/// This module's routes.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/proposal-leads/new", Public, get(lead_form_page))
        .post("/proposal-leads", Public, post(send_lead))
        .get("/proposal-leads/status", Public, get(lead_status_page))
        .get("/proposals/leads", SignedIn, get(leads_page))
        // Drafting is checked by the store (`proposal::draft_checks`), as
        // for every draft: a handler does not repeat it.
        .post("/proposals/leads/adopt", SignedIn, post(adopt))
        .post("/proposals/{id}/autosave", SignedIn, post(autosave))
        .post("/proposals/{id}/filed-for", SignedIn, post(set_filed_for))
        // Only the draft's initiator: checked in the handler (others who may
        // read the proposal are refused, the rest told it does not exist).
        .get("/proposals/{id}/similar.json", SignedIn, get(similar_json))
}

/// What the proposal's page shows from here: the lead it was adopted from;
/// on the initiator's draft, the similar past proposals and open concerns.
pub(super) async fn section(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    p: &Proposal,
    errors: &FieldErrors,
    kept: &[(String, String)],
) -> AppResult<String> {
    let source = leads::source_of(&state.db, p.id).await?;
    let drafting = p.state == ItemState::Draft.as_str() && p.proposer_id == u.actor.user_id;
    let filed_for = leads::filed_for(&state.db, p.id).await?;
    let typed = |k: &str| kept.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
    let for_kind = typed("filed_for").unwrap_or_else(|| {
        filed_for
            .as_ref()
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| "member".to_owned())
    });
    let for_name = typed("filed_for_name").unwrap_or_else(|| {
        filed_for
            .as_ref()
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    });
    let (similar, concerns) = if drafting {
        similar_views(state, tr, u, p).await?
    } else {
        (Vec::new(), Vec::new())
    };
    if source.is_none() && !drafting && filed_for.is_none() {
        return Ok(String::new());
    }
    SectionTpl {
        tr,
        csrf: u.session.csrf_token.clone(),
        filed_for: filed_for.map(|(k, n)| (filed_for_key(&k), n)),
        kinds: leads::FILED_FOR
            .iter()
            .map(|k| (*k, filed_for_key(k)))
            .collect(),
        for_kind,
        for_name,
        errors: errors.clone(),
        source: source.map(|(s, t)| (s.label(), t)),
        drafting,
        id: p.id,
        similar,
        concerns,
    }
    .render()
    .map_err(|e| AppError::Internal(e.to_string()))
}

#[derive(Template)]
#[template(path = "proposal/more_section.html")]
struct SectionTpl {
    tr: Tr,
    csrf: String,
    /// In whose name it is filed, when not the initiator's own.
    filed_for: Option<(&'static str, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    for_kind: String,
    for_name: String,
    errors: FieldErrors,
    source: Option<(&'static str, String)>,
    drafting: bool,
    id: i64,
    similar: Vec<SimilarView>,
    concerns: Vec<SimilarView>,
}

/// The message key of a kind of filer.
fn filed_for_key(kind: &str) -> &'static str {
    i18n::known(&format!("filed_for.{kind}")).unwrap_or("filed_for.member")
}

#[derive(Deserialize, Default)]
struct FiledForForm {
    #[serde(default)]
    filed_for: String,
    #[serde(default)]
    filed_for_name: String,
}

/// The initiator says in whose name the draft is filed.
async fn set_filed_for(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<FiledForForm>,
) -> AppResult<Response> {
    match leads::set_filed_for(&state.db, &u.actor, id, &f.filed_for, &f.filed_for_name).await {
        Ok(()) => Ok(super::back(
            id,
            crate::kit::flash::Msg::Ok("filed_for.saved"),
        )),
        Err(e) => {
            let kept = super::Kept {
                form: vec![
                    ("filed_for".to_owned(), f.filed_for),
                    ("filed_for_name".to_owned(), f.filed_for_name),
                ],
                ..super::Kept::default()
            };
            super::refused_here(&state, tr, &u, id, e, kept).await
        }
    }
}

/// A similar proposal or concern as the draft shows it.
#[derive(serde::Serialize)]
struct SimilarView {
    /// The proposal's page (empty for a concern: members may not open it).
    href: String,
    title: String,
    /// State, and for a proposal its reply's class.
    state: String,
    /// The start of the reply, or the concern's area.
    detail: String,
}

/// How many of each are shown.
const SIMILAR_SHOWN: usize = 5;

async fn similar_views(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    p: &Proposal,
) -> AppResult<(Vec<SimilarView>, Vec<SimilarView>)> {
    let body = xieshang_store::org::get_unchecked(&state.db, p.org_id).await?;
    let (props, concerns) =
        leads::similar(&state.db, &u.actor, &body, &p.text, p.id, SIMILAR_SHOWN).await?;
    let props = props
        .into_iter()
        .map(|s| SimilarView {
            href: format!("/proposals/{}", s.id),
            title: s.title,
            state: match &s.reply_class {
                Some(c) => format!(
                    "{} · {}",
                    tr.t(super::state_label(&s.state)),
                    tr.t("lead.class").replace("{c}", c)
                ),
                None => tr.t(super::state_label(&s.state)).to_owned(),
            },
            detail: s.reply.unwrap_or_default(),
        })
        .collect();
    let concerns = concerns
        .into_iter()
        .map(|c| SimilarView {
            href: String::new(),
            title: c.title,
            state: tr
                .t(i18n::known(&format!("state.{}", c.state)).unwrap_or("state.submitted"))
                .to_owned(),
            detail: tr.label(&c.area).into_owned(),
        })
        .collect();
    Ok((props, concerns))
}

/// The similar past proposals and open concerns of a draft, for the page's
/// script to show as the initiator types (after each save to the server).
async fn similar_json(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let p = proposal::get(&state.db, &u.actor, Permission::ProposalView, id).await?;
    if p.proposer_id != u.actor.user_id {
        return Err(AppError::Forbidden);
    }
    let (similar, concerns) = similar_views(&state, tr, &u, &p).await?;
    Ok(axum::Json(serde_json::json!({
        "proposals": similar,
        "concerns": concerns,
    }))
    .into_response())
}

/// The draft saved as it is typed (the page's script posts the form after a
/// pause in typing): 204, or 422 with the first field's error as JSON; the
/// browser keeps the text until the server has it.
async fn autosave(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> AppResult<Response> {
    match proposal::save_draft(&state.db, &u.actor, id, &f.text(), f.category()).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(xieshang_store::Error::Invalid { field, key, .. }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(serde_json::json!({"field": field, "message": tr.t(key)})),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- members' list

#[derive(Template)]
#[template(path = "proposal/leads.html")]
struct LeadsTpl {
    page: Page,
    member: bool,
    leads: Vec<LeadView>,
    error: Option<&'static str>,
}

struct LeadView {
    code: String,
    source: &'static str,
    title: String,
    text: String,
    unit: String,
    at: String,
}

#[derive(Deserialize, Default)]
struct LeadsQuery {
    err: Option<String>,
}

async fn leads_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<LeadsQuery>,
) -> AppResult<Response> {
    // Others than members are told whose list it is (a page, not a dead end).
    let member = u.actor.has_permission(Permission::ProposalDraft);
    let open = if member {
        leads::open_for(&state.db, &u.actor).await?
    } else {
        Vec::new()
    };
    let leads = open
        .into_iter()
        .map(|l| LeadView {
            code: l.source.code(),
            source: l.source.label(),
            title: l.title,
            text: l.text.chars().take(300).collect(),
            unit: tr.label(&l.unit).into_owned(),
            at: format_time(tr.lang, l.at),
        })
        .collect();
    render(LeadsTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        member,
        leads,
        error: q.err.as_deref().and_then(i18n::known),
    })
}

#[derive(Deserialize, Default)]
struct AdoptForm {
    #[serde(default)]
    lead: String,
}

async fn adopt(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<AdoptForm>,
) -> AppResult<Response> {
    let Some(source) = leads::Source::parse(&f.lead) else {
        return Ok(flash::err("/proposals/leads", "err.lead.gone"));
    };
    match leads::adopt(&state.db, &u.actor, source).await {
        Ok(id) => Ok(flash::ok(&format!("/proposals/{id}"), "lead.adopted")),
        Err(e) => flash::refused("/proposals/leads", e),
    }
}

// ---------------------------------------------------------------- public form

#[derive(Template)]
#[template(path = "proposal/lead_form.html")]
struct LeadFormTpl {
    page: Page,
    bodies: Vec<(i64, String)>,
    form: LeadForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
struct LeadForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    contact: String,
}

async fn render_lead_form(
    state: &AppState,
    tr: Tr,
    user: Option<(
        &xieshang_core::Actor,
        &xieshang_store::account::session::Session,
    )>,
    csrf: String,
    form: LeadForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    render(LeadFormTpl {
        page: Page::new(tr, user, csrf, &Flash::default()),
        bodies: leads::bodies(&state.db).await?,
        form,
        errors,
    })
}

async fn lead_form_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (csrf, set) = auth::page_token(&state, &headers, user.as_ref().map(|(_, s)| s));
    let u = user.as_ref().map(|(a, s)| (a, s));
    let res =
        render_lead_form(&state, tr, u, csrf, LeadForm::default(), FieldErrors::new()).await?;
    Ok(auth::with_token_cookie(res, set))
}

async fn send_lead(
    State(state): State<AppState>,
    _limit: crate::kit::throttle::IntakeAllowed,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<LeadForm>,
) -> AppResult<Response> {
    let lead = leads::NewLead {
        body: f.body.trim().parse().ok(),
        title: &f.title,
        text: &f.text,
        contact: &f.contact,
    };
    let sealer = state.sealer.as_deref();
    let refused = leads::check(&state.db, sealer, &lead).await?;
    if refused.is_empty() {
        let code = leads::send(&state.db, sealer, &lead).await?;
        return Ok(
            Redirect::to(&format!("/proposal-leads/status?code={code}&sent=1")).into_response(),
        );
    }
    let mut errors = FieldErrors::new();
    for (field, key, _) in refused {
        errors.add(field, key);
    }
    let csrf = auth::form_token(&headers, user.as_ref().map(|(_, s)| s)).unwrap_or_default();
    let u = user.as_ref().map(|(a, s)| (a, s));
    let mut res = render_lead_form(&state, tr, u, csrf, f, errors).await?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Template)]
#[template(path = "proposal/lead_status.html")]
struct LeadStatusTpl {
    page: Page,
    code: String,
    sent: bool,
    status: Option<StatusView>,
    not_found: bool,
}

struct StatusView {
    title: String,
    body: String,
    sent_at: String,
    /// When it was adopted, and the proposal's title and state.
    adopted: Option<(String, String, &'static str)>,
}

#[derive(Deserialize, Default)]
struct StatusQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    sent: String,
}

async fn lead_status_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    crate::kit::throttle::ClientAddr(addr): crate::kit::throttle::ClientAddr,
    Query(q): Query<StatusQuery>,
) -> AppResult<Response> {
    let code = q.code.trim().to_uppercase();
    let (status, not_found) = if code.is_empty() {
        (None, false)
    } else {
        state.throttles.track(addr)?;
        match leads::status(&state.db, &code).await {
            Ok(s) => (
                Some(StatusView {
                    title: s.title,
                    body: tr.label(&s.body).into_owned(),
                    sent_at: format_time(tr.lang, s.sent_at),
                    adopted: s.adopted.map(|(at, title, st)| {
                        (format_time(tr.lang, at), title, super::state_label(&st))
                    }),
                }),
                false,
            ),
            Err(xieshang_store::Error::NotFound) => (None, true),
            Err(e) => return Err(e.into()),
        }
    };
    let u = user.as_ref().map(|(a, s)| (a, s));
    render(LeadStatusTpl {
        page: Page::new(tr, u, String::new(), &Flash::default()),
        sent: q.sent == "1" && status.is_some(),
        code,
        status,
        not_found,
    })
}
