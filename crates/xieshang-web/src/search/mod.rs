//! Finding things in residents' words: staff search, similar open concerns (for
//! residents before they submit, and for staff in triage), "same problem" joins,
//! and hotspots as candidate consultation topics.

use crate::kit::auth::{CsrfForm, CurrentUser, UiLang};
use crate::kit::error::ApiError;
use crate::kit::error::{AppError, AppResult};
use crate::kit::page::{category_choices, format_time, render, state_key, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use crate::kit::throttle::ClientAddr;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xieshang_core::Permission;
use xieshang_store::search::{self, Level};
use xieshang_store::{concern, Error};
use xieshang_text::Segment;

/// Registers the search, suggestion and hotspot routes.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get(
        "/search",
        Needs(Permission::ConcernView, Target::None),
        get(search_page),
    )
    .get(
        "/hotspots",
        Needs(Permission::ConcernView, Target::None),
        get(hotspots_page),
    )
    .get(
        "/areas/{id}",
        Needs(Permission::ConcernView, Target::Area),
        get(area_page),
    )
    .get("/api/v1/similar", Public, get(similar_api))
    .post("/report/same", Public, post(same_problem))
}

// ---------------------------------------------------------------- staff search

#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

struct HitView {
    id: i64,
    title: Vec<Segment>,
    snippet: Vec<Segment>,
    area: String,
    state: &'static str,
    raised: String,
    /// Open (taken up, not yet resolved): a consultation may be called on it.
    open: bool,
}

#[derive(Template)]
#[template(path = "search/search.html")]
struct SearchTpl {
    page: Page,
    q: SearchQuery,
    areas: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    hits: Vec<HitView>,
    searched: bool,
    errors: Vec<&'static str>,
    /// Open hits may be chosen to call a consultation on them.
    can_convene: bool,
    /// Some hit is open.
    any_open: bool,
}

/// A date (YYYY-MM-DD, China Standard Time) as the unix ms of its start.
fn day_start_ms(s: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let t = d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
    Some(t - 8 * 3_600_000)
}

async fn search_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let mut f = search::Filter {
        q: q.q.clone(),
        limit: 50,
        ..Default::default()
    };
    if !q.area.is_empty() {
        match concern::area_by_code(&state.db, &q.area).await? {
            Some(a) => f.unit = Some(a.id),
            None => errors.push("err.intake.area"),
        }
    }
    if !q.state.is_empty() {
        if xieshang_core::item::CONCERN.state(&q.state).is_some() {
            f.state = Some(q.state.clone());
        } else {
            errors.push("err.bad_input");
        }
    }
    if !q.category.is_empty() {
        if xieshang_core::concern::category::by_code(&q.category).is_some() {
            f.category = Some(q.category.clone());
        } else {
            errors.push("err.intake.category");
        }
    }
    for (raw, slot, next_day) in [
        (&q.from, &mut f.from_ms, false),
        (&q.to, &mut f.to_ms, true),
    ] {
        if raw.trim().is_empty() {
            continue;
        }
        match day_start_ms(raw) {
            // "to" includes the whole day.
            Some(ms) => *slot = Some(ms + if next_day { 86_400_000 } else { 0 }),
            None => errors.push("err.search.date"),
        }
    }
    let searched = !q.q.trim().is_empty() && errors.is_empty();
    let hits = if searched {
        match search::search(&state.db, &u.actor, &f).await {
            Ok(h) => h,
            Err(Error::Invalid { key, .. }) => {
                errors.push(crate::kit::i18n::known(key).unwrap_or("err.bad_input"));
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        Vec::new()
    };
    let hits: Vec<HitView> = hits
        .into_iter()
        .map(|h| HitView {
            id: h.row.id,
            title: h.title,
            snippet: h.snippet,
            area: h.row.area,
            state: state_key(&h.row.state),
            raised: format_time(tr.lang, h.row.created_at),
            open: matches!(
                h.row.state.as_str(),
                "accepted" | "assigned" | "in_progress" | "reopened"
            ),
        })
        .collect();
    let states = xieshang_core::item::CONCERN
        .states
        .iter()
        .map(|s| (s.as_str(), tr.t(state_key(s.as_str()))))
        .collect();
    let mut res = render(SearchTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        areas: crate::kit::page::area_labels(&concern::areas(&state.db).await?, |a| {
            u.actor.check(Permission::ConcernView, &a.path).is_ok()
        }),
        states,
        categories: category_choices(tr),
        q,
        searched,
        errors: errors.clone(),
        can_convene: u.actor.has_permission(Permission::ConsultationManage),
        any_open: hits.iter().any(|h| h.open),
        hits,
    })?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

// ---------------------------------------------------------------- hotspots

#[derive(Debug, Deserialize)]
struct HotspotQuery {
    days: Option<i64>,
    level: Option<String>,
    min: Option<usize>,
}

struct HotspotView {
    area: String,
    label: String,
    count: usize,
    first: String,
    last: String,
    items: Vec<(i64, String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "search/hotspots.html")]
struct HotspotsTpl {
    page: Page,
    days: i64,
    level: &'static str,
    min: usize,
    spots: Vec<HotspotView>,
    /// Each group may become a consultation.
    can_convene: bool,
}

/// Similarity from which two concerns belong to one hotspot: looser than a
/// duplicate, since a hotspot gathers one kind of problem in one place, not one
/// incident.
const HOTSPOT_THRESHOLD: f32 = 0.30;

async fn hotspots_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<HotspotQuery>,
) -> AppResult<Response> {
    let days = q.days.unwrap_or(30).clamp(1, 366);
    let min = q.min.unwrap_or(3).clamp(2, 50);
    let (level, level_code) = match q.level.as_deref() {
        Some("grid") => (Level::Grid, "grid"),
        _ => (Level::Street, "street"),
    };
    let since = state.db.now_ms() - days * 86_400_000;
    let spots = search::hotspots(&state.db, &u.actor, level, since, min, HOTSPOT_THRESHOLD)
        .await?
        .into_iter()
        .map(|h| HotspotView {
            area: h.area,
            label: h.label.join(" · "),
            count: h.items.len(),
            first: h
                .items
                .last()
                .map(|i| format_time(tr.lang, i.created_at))
                .unwrap_or_default(),
            last: h
                .items
                .first()
                .map(|i| format_time(tr.lang, i.created_at))
                .unwrap_or_default(),
            items: h
                .items
                .into_iter()
                .map(|i| (i.id, i.tracking_code, i.title, state_key(&i.state)))
                .collect(),
        })
        .collect();
    render(HotspotsTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        days,
        level: level_code,
        min,
        spots,
        can_convene: u
            .actor
            .has_permission(xieshang_core::Permission::ConsultationManage),
    })
}

// ---------------------------------------------------------------- an area's page

#[derive(Template)]
#[template(path = "search/area.html")]
struct AreaTpl {
    page: Page,
    a: xieshang_store::search::area::AreaService,
    kind: &'static str,
    can_open: bool,
    open: Vec<(i64, String, String, &'static str, String, String)>,
}

/// Who serves a grid (or every grid of a community or street) and what is open
/// there; for staff over it, its paired members and its grid workers.
async fn area_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> AppResult<Response> {
    let a = xieshang_store::search::area::service(&state.db, &u.actor, id).await?;
    // Staff open the concern; those who serve the area follow it by its code.
    let can_open = u.actor.check(Permission::ConcernView, &a.path).is_ok();
    let open = a
        .open
        .iter()
        .map(|c| {
            (
                c.id,
                c.tracking_code.clone(),
                c.title.clone(),
                state_key(&c.state),
                c.unit.clone(),
                format_time(tr.lang, c.created_at),
            )
        })
        .collect();
    render(AreaTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        kind: crate::kit::i18n::known(&format!("kind.{}", a.kind)).unwrap_or("kind.grid"),
        open,
        can_open,
        a,
    })
}

// ---------------------------------------------------------------- suggestions

/// What a resident is about to submit.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// The area code the concern is raised in (from `/api/v1/areas`).
    #[param(pattern = "^[a-z0-9-]{2,40}$", example = "yanliang-guanshan-g01")]
    area: String,
    /// The title and description written so far (1 to 2100 characters, not
    /// all of them spaces).
    #[param(
        min_length = 1,
        max_length = 2100,
        pattern = "\\S",
        example = "学校门口路面塌陷"
    )]
    text: String,
}

/// One-time tokens that stand for an open concern in suggestions: a resident
/// who says "same problem" sends the token back and joins that concern with a
/// code of their own, so no suggestion hands out another resident's tracking
/// code. Kept in memory for an hour (a restart only means suggesting again).
struct FollowTokens(xieshang_store::ttl::TtlMap<String, i64>);

/// How long a suggestion's token stays good.
const FOLLOW_TTL: std::time::Duration = std::time::Duration::from_secs(3600);

fn follow_tokens(state: &AppState) -> std::sync::Arc<FollowTokens> {
    state
        .db
        .shared(|| FollowTokens(xieshang_store::ttl::TtlMap::new(FOLLOW_TTL, 50_000)))
}

/// A new one-time token for following concern `id`: handed out only with a
/// duplicate suggestion (the report form, `GET /api/v1/similar`), never by a
/// public list, so "same problem" needs a secret the public code is not.
pub fn follow_token(state: &AppState, id: i64) -> String {
    let token = xieshang_store::secret::random_code(xieshang_store::secret::READABLE, 24);
    follow_tokens(state).0.insert(token.clone(), id);
    token
}

/// The concern a follow token stands for, once.
pub(crate) fn take_follow_token(state: &AppState, token: &str) -> Option<i64> {
    follow_tokens(state).0.take(token.trim())
}

/// An open concern that may be the same problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarOut {
    /// A one-time token to follow it: send it as `follow` to `POST
    /// /report/same`, which answers with a tracking code of the sender's own.
    follow: String,
    /// Its title.
    title: String,
    /// The unit it was raised in.
    area: String,
    /// Its state.
    state: String,
    /// When it was raised (RFC 3339).
    raised_at: String,
    /// How alike the texts are, 0 to 1.
    score: f32,
}

/// The similar open concerns.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarList {
    /// Most alike first; empty when there are none.
    similar: Vec<SimilarOut>,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// Open concerns in the same street that look like the same problem, for a form
/// to show before it is submitted: only concerns staff have accepted (none still
/// waiting for triage), and only public fields.
#[utoipa::path(get, path = "/api/v1/similar", tag = "concerns",
    params(SimilarQuery),
    responses(
        (status = 200, description = "Similar open concerns", body = SimilarList),
        (status = 400, description = "A missing or malformed parameter", body = crate::kit::error::ErrorBody),
        (status = 422, description = "Unknown area or text of the wrong length", body = crate::kit::error::ErrorBody)))]
pub async fn similar_api(
    State(state): State<AppState>,
    query: Result<Query<SimilarQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SimilarList>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError(AppError::BadRequest(e.body_text())))?;
    if let Err(e) = xieshang_core::concern::SimilarText::parse(&q.text) {
        return Err(ApiError(AppError::field("text", e.message)));
    }
    let area = concern::area_by_code(&state.db, &q.area)
        .await?
        .ok_or_else(|| {
            ApiError(AppError::field(
                "area",
                "unknown area code (see /api/v1/areas)",
            ))
        })?;
    let similar = search::similar_published(&state.db, area.id, &q.text, 5)
        .await?
        .into_iter()
        .map(|s| SimilarOut {
            follow: follow_token(&state, s.id),
            title: s.title,
            area: s.area,
            state: s.state,
            raised_at: rfc3339(s.created_at),
            score: (s.score * 100.0).round() / 100.0,
        })
        .collect();
    Ok(Json(SimilarList { similar }))
}

/// A suggestion as the report page shows it.
pub(crate) struct SimilarView {
    /// A one-time token to follow it ([`follow_token`]).
    pub(crate) follow: String,
    pub(crate) title: String,
    pub(crate) area: String,
    pub(crate) state: &'static str,
    pub(crate) raised: String,
}

/// Similar open concerns for the public form (no JavaScript needed).
pub(crate) async fn similar_for_form(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    area_code: &str,
    text: &str,
) -> AppResult<Vec<SimilarView>> {
    let Some(area) = concern::area_by_code(&state.db, area_code).await? else {
        return Ok(Vec::new());
    };
    Ok(search::similar_published(&state.db, area.id, text, 5)
        .await?
        .into_iter()
        .map(|s| SimilarView {
            follow: follow_token(state, s.id),
            title: s.title,
            area: s.area,
            state: state_key(&s.state),
            raised: format_time(tr.lang, s.created_at),
        })
        .collect())
}

#[derive(Debug, Deserialize)]
struct SameForm {
    /// A suggestion's one-time token (the only way in: a public tracking
    /// code is a reference, not a secret, issue 24 point 3).
    #[serde(default)]
    follow: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

/// "Same problem": the resident joins the existing concern's reporters with a
/// tracking code and key of their own (shown once, as after filing); their
/// name and phone, if given, join too. Only with a suggestion's one-time
/// token: a tracking code is public (Open311, open data), so it opens
/// nothing. Limited per address and per concern, so made-up reporters cannot
/// be piled onto a concern.
async fn same_problem(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<SameForm>,
) -> AppResult<Response> {
    state.throttles.track(addr)?;
    let id = take_follow_token(&state, &form.follow).ok_or(AppError::NotFound)?;
    state.throttles.same(addr, &id.to_string())?;
    let name = Some(form.name.trim()).filter(|n| !n.is_empty());
    let phone = match Some(form.phone.trim()).filter(|p| !p.is_empty()) {
        Some(p) => match xieshang_core::personal::Phone::parse(p) {
            Ok(p) => Some(p),
            Err(_) => return Err(AppError::BadRequest("phone: not a phone number".into())),
        },
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
            Redirect::to(&format!("/track?code={}&key={}&joined=1", r.code, r.key)).into_response(),
        ),
        Err(Error::Invalid { message, .. }) => Err(AppError::BadRequest(message.into())),
        Err(e) => Err(e.into()),
    }
}
