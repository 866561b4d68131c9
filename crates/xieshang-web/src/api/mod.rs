//! The JSON API (`/api/v1`): concern intake and public status, the category and
//! area codes (public), and for machine clients holding an API key (header
//! `X-Api-Key`): lists with filters and cursor pagination, and updates from
//! department systems. It reads no cookies, so no CSRF applies. Errors are JSON:
//! `{"error": "...", "fields": {"title": "..."}}`. The OpenAPI document at
//! `/api/v1/openapi.json` is generated from these handlers and types.
//!
//! The one exception to "no cookies": `GET /api/v1/me/…` reads the signed-in
//! member's session to give them their own records (their reports), for the
//! phone's pages. Only GETs, which change nothing, so still no CSRF; a write
//! with a session belongs to the pages' forms (decision record 0044).

use crate::kit::state::AppState;
use crate::kit::throttle::ClientAddr;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use xieshang_core::concern::category;
use xieshang_store::account::apikey::ApiKey;
use xieshang_store::concern::{self};
use xieshang_store::item::By;
pub mod open311;
use crate::concern::intake::{file_concern, Intake};
use crate::kit::routes::{Access, Routes};
use axum::routing::{get, post};

pub use crate::kit::error::ApiError;
use crate::kit::error::AppError;

/// The JSON API's routes (Open311's are added by its module).
pub fn routes(r: Routes) -> Routes {
    use xieshang_store::account::apikey::Scope;
    use Access::*;
    let r = open311::routes(r);
    r.get("/api/v1/categories", Public, get(categories))
        .get("/api/v1/areas", Public, get(areas))
        // h-locate begin
        .get("/api/v1/areas/nearest", Public, get(nearest_area))
        // h-locate end
        .api_post("/api/v1/concerns", post(create_concern))
        .get(
            "/api/v1/concerns",
            Key(Scope::ConcernsRead),
            get(list_concerns),
        )
        .key_post(
            "/api/v1/concerns/{code}/updates",
            Scope::ConcernsUpdate,
            post(post_update),
        )
        .get("/api/v1/openapi.json", Public, get(openapi))
        .get("/api/v1/concerns/{code}", Public, get(concern_status))
}

/// A concern category.
#[derive(Serialize, ToSchema)]
pub struct CategoryOut {
    /// Code to send as `category`.
    code: &'static str,
    /// zh-CN name.
    name: &'static str,
    /// English name.
    name_en: &'static str,
    /// Working days from assignment to resolution.
    service_days: u32,
}

/// The concern categories.
#[utoipa::path(get, path = "/api/v1/categories", tag = "concerns",
    responses((status = 200, description = "Every category", body = [CategoryOut])))]
pub async fn categories() -> Json<Vec<CategoryOut>> {
    Json(
        category::DEFAULT
            .iter()
            .map(|c| CategoryOut {
                code: c.code,
                name: c.name_zh,
                name_en: c.name_en,
                service_days: c.service_days,
            })
            .collect(),
    )
}

/// An area where concerns may be raised.
#[derive(Serialize, ToSchema)]
pub struct AreaOut {
    /// Code to send as `area`.
    code: String,
    /// Name.
    name: String,
    /// street, community or grid.
    kind: String,
    /// The parent's code.
    parent: Option<String>,
}

/// The areas: streets, communities and grids.
#[utoipa::path(get, path = "/api/v1/areas", tag = "concerns",
    responses((status = 200, description = "Every area", body = [AreaOut])))]
pub async fn areas(State(state): State<AppState>) -> Result<Json<Vec<AreaOut>>, ApiError> {
    let areas = concern::areas(&state.db).await?;
    Ok(Json(
        areas
            .into_iter()
            .filter(concern::Area::selectable)
            .map(|a| AreaOut {
                code: a.code,
                name: a.name,
                kind: a.kind,
                parent: a.parent_code,
            })
            .collect(),
    ))
}

// h-locate begin
/// Where the resident is (from the browser's location).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearestQuery {
    /// WGS84 latitude, -90 to 90.
    #[param(minimum = -90.0, maximum = 90.0, example = 34.659)]
    lat: f64,
    /// WGS84 longitude, -180 to 180.
    #[param(minimum = -180.0, maximum = 180.0, example = 109.232)]
    lng: f64,
}

/// The area picked for a location.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearestOut {
    /// The area's code, to send as `area` (an option of the report form's
    /// area list).
    #[schema(example = "yanliang-fenghuang-c2")]
    area: String,
    /// Its everyday name: the street, or the street and the community.
    #[schema(example = "凤凰街道 · 凤鸣社区")]
    name: String,
}

/// The area where a resident standing at a location most likely lives: the
/// community whose point (or one of whose grids' points) is nearest within
/// 2 km, else the street whose point is nearest within 8 km (decision
/// 0049). For the report form's location button; the resident can still
/// choose another. Limited per address.
#[utoipa::path(get, path = "/api/v1/areas/nearest", tag = "concerns",
    params(NearestQuery),
    responses(
        (status = 200, description = "The area picked", body = NearestOut),
        (status = 400, description = "A missing or malformed parameter", body = ErrorBody),
        (status = 404, description = "No area near enough: let the resident choose", body = ErrorBody),
        (status = 422, description = "Coordinates out of range", body = ErrorBody),
        (status = 429, description = "Too many lookups from this address; see Retry-After", body = ErrorBody)))]
pub async fn nearest_area(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    query: Result<axum::extract::Query<NearestQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<NearestOut>, ApiError> {
    state.throttles.locate(addr)?;
    let axum::extract::Query(q) =
        query.map_err(|e| ApiError(AppError::BadRequest(e.body_text())))?;
    let Some(at) = xieshang_core::org::point::Point::new(q.lat, q.lng) else {
        return Err(ApiError(AppError::field(
            "lat",
            "give lat within -90..90 and lng within -180..180",
        )));
    };
    match xieshang_store::org::point::nearest(&state.db, None, at).await? {
        Some(a) => Ok(Json(NearestOut {
            area: a.code,
            name: a.name,
        })),
        None => Err(ApiError(AppError::NotFound)),
    }
}
// h-locate end

/// The answer to an intake.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// The code residents follow the concern by.
    tracking_code: String,
    /// Always `submitted`.
    state: &'static str,
    /// This API's status URL.
    status_url: String,
    /// The resident's key: the secret that giving feedback needs. Only its
    /// hash is kept, so this is the one time it is given out; no list, feed or
    /// status answer carries it.
    resident_key: String,
    /// The public tracking page, with the key (hand this link to the resident
    /// only).
    page_url: String,
}

pub use crate::kit::error::ErrorBody;

/// Raise a concern (no account needed).
#[utoipa::path(post, path = "/api/v1/concerns", tag = "concerns", request_body = Intake,
    responses(
        (status = 201, description = "Filed", body = Created),
        (status = 400, description = "Malformed JSON or unknown fields", body = ErrorBody),
        (status = 422, description = "A message per invalid field", body = ErrorBody),
        (status = 429, description = "Too many submissions from this address; see Retry-After", body = ErrorBody)))]
pub async fn create_concern(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> Result<Response, ApiError> {
    state.throttles.intake(addr)?;
    let intake: Intake = crate::consult::api::json_of(&body)?;
    let recorded = match file_concern(&state, &intake, "api", By::Resident, &[]).await? {
        Ok(r) => r,
        Err(errors) => {
            return Err(AppError::Invalid(
                errors
                    .into_iter()
                    .map(|(f, m)| (f.to_owned(), m.message.to_owned()))
                    .collect(),
            )
            .into());
        }
    };
    let concern::Recorded { code, key, .. } = recorded;
    let body = Created {
        status_url: format!("/api/v1/concerns/{code}"),
        page_url: format!("/track?code={code}&key={key}"),
        tracking_code: code,
        resident_key: key,
        state: "submitted",
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// One event of the public timeline.
#[derive(Serialize, ToSchema)]
pub struct TimelineOut {
    /// What was done.
    action: String,
    /// The state after it.
    state: String,
    /// When (unix ms).
    at: i64,
}

/// A resident's feedback.
#[derive(Serialize, ToSchema)]
pub struct FeedbackOut {
    /// satisfied, basically_satisfied or unsatisfied.
    rating: String,
    /// Comment.
    comment: Option<String>,
    /// Thanks.
    thanks: Option<String>,
    /// When (unix ms).
    at: i64,
}

/// The concern a merged one is handled with.
#[derive(Serialize, ToSchema)]
pub struct MergedOut {
    /// Its state. (Not its tracking code: that is another resident's.)
    state: String,
}

/// What anyone with the tracking code may see.
#[derive(Serialize, ToSchema)]
pub struct StatusOut {
    tracking_code: String,
    category: String,
    title: String,
    area: String,
    state: String,
    /// Raised at (unix ms).
    created_at: i64,
    timeline: Vec<TimelineOut>,
    result_note: Option<String>,
    feedback: Vec<FeedbackOut>,
    merged_into: Option<MergedOut>,
}

/// State and public timeline by tracking code (no personal data).
#[utoipa::path(get, path = "/api/v1/concerns/{code}", tag = "concerns",
    params(("code" = String, Path, description = "Tracking code")),
    responses(
        (status = 200, description = "The public status", body = StatusOut),
        (status = 404, description = "No such tracking code", body = ErrorBody),
        (status = 429, description = "Too many lookups from this address; see Retry-After", body = ErrorBody)))]
pub async fn concern_status(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(code): Path<String>,
) -> Result<Json<StatusOut>, ApiError> {
    let code = xieshang_core::concern::TrackingCode::parse(&code)
        .map_err(|_| ApiError(AppError::NotFound))?;
    state.throttles.track(addr)?;
    let s = concern::public_status(&state.db, code.as_str()).await?;
    Ok(Json(StatusOut {
        tracking_code: s.tracking_code,
        category: s.category,
        title: s.title,
        area: s.area,
        state: s.state,
        created_at: s.created_at,
        timeline: s
            .timeline
            .into_iter()
            .map(|(action, state, at)| TimelineOut { action, state, at })
            .collect(),
        result_note: s.result_note,
        feedback: s
            .feedback
            .into_iter()
            .map(|(rating, comment, thanks, at)| FeedbackOut {
                rating,
                comment,
                thanks,
                at,
            })
            .collect(),
        merged_into: s.merged_into.map(|m| MergedOut { state: m.state }),
    }))
}

/// Filters of the concern list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this state.
    #[param(schema_with = state_schema)]
    state: Option<String>,
    /// Only this category code.
    #[param(schema_with = category_schema)]
    category: Option<String>,
    /// Only inside this area (any unit code inside the key's unit).
    #[param(pattern = "^[a-z0-9-]{2,40}$", example = "yanliang-guanshan")]
    area: Option<String>,
    /// Raised at or after (RFC 3339).
    #[param(format = DateTime, example = "2026-01-01T00:00:00+08:00")]
    since: Option<String>,
    /// Raised at or before (RFC 3339).
    #[param(format = DateTime, example = "2026-12-31T23:59:59+08:00")]
    until: Option<String>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = "^c[0-9]+$")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The states a concern can be in, as an enumeration of strings.
fn state_schema() -> utoipa::openapi::Object {
    crate::consult::api::states_schema(&xieshang_core::item::CONCERN)
}

/// The category codes (`/api/v1/categories`), as an enumeration of strings.
fn category_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(category::DEFAULT.iter().map(|c| c.code)))
        .build()
}

/// A concern in a list (public fields; no personal data).
#[derive(Serialize, ToSchema)]
pub struct ConcernOut {
    tracking_code: String,
    state: String,
    category: String,
    title: String,
    description: String,
    area: String,
    area_code: String,
    address: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
    /// Raised at (unix ms).
    created_at: i64,
    /// Last change (unix ms).
    updated_at: i64,
    /// Deadline (unix ms).
    deadline_at: Option<i64>,
    /// Resolved at (unix ms).
    resolved_at: Option<i64>,
    /// Lead department.
    agency: Option<String>,
    result_note: Option<String>,
}

/// One page of concerns.
#[derive(Serialize, ToSchema)]
pub struct Page {
    items: Vec<ConcernOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

fn bad(field: &str, message: &str) -> ApiError {
    AppError::field(field, message).into()
}

/// Concerns inside the key's unit, oldest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/concerns", tag = "machine clients",
    params(ListQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = Page),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks concerns:read", body = ErrorBody),
        (status = 404, description = "The area is outside the key's unit (refused as if it did not exist)", body = ErrorBody),
        (status = 422, description = "A bad filter", body = ErrorBody)))]
pub async fn list_concerns(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    query: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    let axum::extract::Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let mut f = xieshang_store::concern::open_data::Filter {
        within: Some(key.org_path.clone()),
        limit: q.limit.unwrap_or(50),
        after_id: Some(0),
        ..Default::default()
    };
    if !(1..=200).contains(&f.limit) {
        return Err(bad("limit", "1 to 200"));
    }
    if let Some(s) = q.state.as_deref() {
        if xieshang_core::item::CONCERN.state(s).is_none() {
            return Err(bad("state", "not a state"));
        }
        f.states = vec![s.to_owned()];
    }
    if let Some(c) = q.category.as_deref() {
        if category::by_code(c).is_none() {
            return Err(bad("category", "unknown category code"));
        }
        f.categories = vec![c.to_owned()];
    }
    if let Some(a) = q.area.as_deref() {
        let o = xieshang_store::org::by_code_unchecked(&state.db, a)
            .await
            .map_err(|_| bad("area", "unknown area code"))?;
        // Outside the key's unit: refused as a record out of scope is
        // everywhere, as if it did not exist.
        if !o.path.is_within(&key.org_path) {
            return Err(AppError::Missing("no such area in the key's unit".into()).into());
        }
        f.within = Some(o.path);
    }
    for (name, v, slot) in [
        ("since", &q.since, &mut f.start),
        ("until", &q.until, &mut f.end),
    ] {
        if let Some(v) = v {
            *slot = Some(
                chrono::DateTime::parse_from_rfc3339(v)
                    .map_err(|_| bad(name, "an RFC 3339 date-time"))?
                    .timestamp_millis(),
            );
        }
    }
    if let Some(c) = q.cursor.as_deref() {
        f.after_id = Some(
            c.strip_prefix('c')
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| bad("cursor", "not a cursor from this API"))?,
        );
    }
    let want = f.limit;
    f.limit = want + 1;
    let mut rows = xieshang_store::concern::open_data::list(&state.db, &f).await?;
    let more = rows.len() as i64 > want;
    rows.truncate(want as usize);
    let next_cursor = more.then(|| format!("c{}", rows.last().map(|r| r.id).unwrap_or(0)));
    Ok(Json(Page {
        items: rows
            .into_iter()
            .map(|c| ConcernOut {
                tracking_code: c.tracking_code,
                state: c.state,
                category: c.category,
                title: c.title,
                description: c.description,
                area: c.area,
                area_code: c.area_code,
                address: c.address,
                lat: c.lat,
                lng: c.lng,
                created_at: c.created_at,
                updated_at: c.updated_at,
                deadline_at: c.deadline_at,
                resolved_at: c.resolved_at,
                agency: c.agency,
                result_note: c.result_note,
            })
            .collect(),
        next_cursor,
    }))
}

/// An update from a department's case system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIn {
    /// progress, resolve or request_reassignment.
    action: String,
    /// What was done (the result note when resolving), or why.
    note: String,
}

/// The state after an update.
#[derive(Serialize, ToSchema)]
pub struct UpdateOut {
    tracking_code: String,
    state: String,
}

/// Post progress, resolve, or ask for reassignment, as the department the
/// concern is assigned to (key scope `concerns:update`, key of that department).
#[utoipa::path(post, path = "/api/v1/concerns/{code}/updates", tag = "machine clients",
    params(("code" = String, Path, description = "Tracking code")),
    request_body = UpdateIn,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Done", body = UpdateOut),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks concerns:update", body = ErrorBody),
        (status = 404, description = "No such tracking code", body = ErrorBody),
        (status = 409, description = "Not assigned to the key's unit, or not possible in the concern's state", body = ErrorBody),
        (status = 422, description = "A bad action or note", body = ErrorBody)))]
pub async fn post_update(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Json<UpdateOut>, ApiError> {
    let u: UpdateIn = crate::consult::api::json_of(&body)?;
    if let Err(e) = xieshang_core::values::check_text(&u.note, xieshang_core::values::Lines::Many) {
        return Err(AppError::field("note", e.message).into());
    }
    let id = concern::id_by_code(&state.db, &code).await?;
    match xieshang_store::concern::handling::handle_by_key(
        &state.db,
        &state.calendar,
        &state.config.policy,
        &key,
        id,
        &u.action,
        &u.note,
    )
    .await
    {
        Ok(to) => Ok(Json(UpdateOut {
            tracking_code: code.trim().to_uppercase(),
            state: to.to_owned(),
        })),
        Err(e) => Err(ApiError::refused_update(
            e,
            "the concern is not assigned to the key's unit",
        )),
    }
}

struct ApiKeyScheme;

impl utoipa::Modify for ApiKeyScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        if let Some(c) = doc.components.as_mut() {
            c.add_security_scheme(
                "api_key",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
            );
            // A member's own reads (`/api/v1/me/…`, GET only: decision 0044).
            c.add_security_scheme(
                "session",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                    crate::kit::auth::SESSION_COOKIE,
                ))),
            );
        }
    }
}

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Xieshang API", version = "1", description = "Residents' concerns: intake, status, lists and department updates. Consultations and their agreed actions: lists and updates from the owner units (keys with consultations:read and consultations:update). Proposals (提案): the handling units' lists, contact with the proposer and replies (keys with proposals:read and proposals:update). Public-opinion reports (社情民意): the bodies' reports for staff systems (keys with reports:read), and a member's own at /api/v1/me/reports with their signed-in session (GET only). Open311 GeoReport v2 is at /open311/v2/. The CSV downloads (/open-data/concerns.csv for anyone, /exports/concerns.csv for staff) name their columns in the interface language (the xs_lang cookie: zh-CN, zh-TW or en); programs add ?headers=machine for the stable column codes: tracking_code, category, area, title, description, state, created_at, deadline_at, resolved_at, agency, result_note."),
    paths(categories, areas, /* h-locate */ nearest_area, create_concern, concern_status, list_concerns, post_update, crate::search::similar_api,
        crate::consult::api::list_consultations, crate::consult::api::get_consultation,
        crate::consult::api::list_actions, crate::consult::api::get_action,
        crate::consult::api::post_action_update,
        crate::proposal::api::list_proposals, crate::proposal::api::get_proposal,
        crate::proposal::api::post_contact, crate::proposal::api::post_reply,
        crate::report::api::list_reports, crate::report::api::get_report,
        crate::report::api::list_my_reports, crate::report::api::get_my_report),
    components(schemas(CategoryOut, AreaOut, /* h-locate */ NearestOut, Intake, Created, ErrorBody, StatusOut, TimelineOut, FeedbackOut, MergedOut, ConcernOut, Page, UpdateIn, UpdateOut, crate::search::SimilarOut, crate::search::SimilarList,
        crate::consult::api::ConsultationOut, crate::consult::api::ConsultationDetail,
        crate::consult::api::ConsultationPage, crate::consult::api::ActionOut,
        crate::consult::api::ActionPage, crate::consult::api::ActionEvent,
        crate::consult::api::ActionDetail, crate::consult::api::ActionUpdateIn,
        crate::consult::api::ActionUpdateOut,
        crate::proposal::api::ProposalUnitOut, crate::proposal::api::ProposalOut,
        crate::proposal::api::ProposalPage, crate::proposal::api::AssignmentOut,
        crate::proposal::api::ContactOut, crate::proposal::api::ReplyOut,
        crate::proposal::api::EvaluationOut, crate::proposal::api::ExtensionOut,
        crate::proposal::api::ProposalEvent, crate::proposal::api::ProposalDetail,
        crate::proposal::api::ContactIn, crate::proposal::api::ReplyIn,
        crate::proposal::api::ProposalStepOut,
        crate::report::api::ReportLevelOut, crate::report::api::ReportOut,
        crate::report::api::ReportPage, crate::report::api::ReportTextOut,
        crate::report::api::ReportEvent, crate::report::api::InstructionOut,
        crate::report::api::ReportDetail)),
    modifiers(&ApiKeyScheme)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_pretty_json().unwrap_or_default(),
    )
        .into_response()
}
