//! The JSON API (`/api/v1`): concern intake and public status, the category and
//! area codes (public), and for machine clients holding an API key (header
//! `X-Api-Key`): lists with filters and cursor pagination, and updates from
//! department systems. It reads no cookies, so no CSRF applies. Errors are JSON:
//! `{"error": "...", "fields": {"title": "..."}}`. The OpenAPI document at
//! `/api/v1/openapi.json` is generated from these handlers and types.

use crate::state::AppState;
use crate::throttle::ClientAddr;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::{IntoParams, OpenApi, ToSchema};
use xieshang_core::category;
use xieshang_core::values::Invalid;
use xieshang_store::concern::{self, NewConcern};
use xieshang_store::item::By;

/// A JSON error response.
pub struct ApiError {
    status: StatusCode,
    message: String,
    fields: Map<String, Value>,
    /// Seconds for `Retry-After` (a rate limit).
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            fields: Map::new(),
            retry_after: None,
        }
    }

    /// An error with a status and a message.
    pub(crate) fn status(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError::new(status, message)
    }

    /// 422 with a message for one field.
    pub(crate) fn field(field: &str, message: &str) -> ApiError {
        bad(field, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if !self.fields.is_empty() {
            body["fields"] = Value::Object(self.fields);
        }
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        res
    }
}

impl From<crate::throttle::Limited> for ApiError {
    fn from(l: crate::throttle::Limited) -> Self {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too many requests");
        e.retry_after = Some(l.retry_after);
        e
    }
}

impl From<xieshang_store::Error> for ApiError {
    fn from(e: xieshang_store::Error) -> Self {
        match e {
            xieshang_store::Error::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not found"),
            xieshang_store::Error::Denied(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden"),
            xieshang_store::Error::Invalid { field, message, .. } => {
                let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid input");
                e.fields.insert(field.into(), message.into());
                e
            }
            xieshang_store::Error::Db(err) => {
                tracing::error!(error = %err, "api database error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        }
    }
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

/// The intake body. Name and phone are optional personal data: sealed at rest,
/// shown masked, never published.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Intake {
    /// A category code from `/api/v1/categories`.
    #[schema(example = "road")]
    pub(crate) category: String,
    /// An area code from `/api/v1/areas`.
    #[schema(example = "yanliang-guanshan-g01")]
    pub(crate) area: String,
    /// 1 to 100 characters, no control characters.
    #[schema(min_length = 1, max_length = 100, example = "学校门口道路破损")]
    pub(crate) title: String,
    /// 1 to 2000 characters.
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "路面塌陷，学生上下学不安全"
    )]
    pub(crate) description: String,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    pub(crate) address: Option<String>,
    /// WGS84 latitude; give lng too.
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub(crate) lat: Option<f64>,
    /// WGS84 longitude; give lat too.
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub(crate) lng: Option<f64>,
    /// The resident's name (sealed, shown masked, never published).
    #[serde(default)]
    #[schema(max_length = 50)]
    pub(crate) name: Option<String>,
    /// A mobile (11 digits) or landline number (sealed, shown masked).
    #[serde(default)]
    #[schema(example = "13800001234")]
    pub(crate) phone: Option<String>,
    /// Answers to the category's questions, checked JSON (Open311 attributes).
    #[serde(skip)]
    pub(crate) attributes: Option<String>,
    /// The API key filing it.
    #[serde(skip)]
    pub(crate) api_key_id: Option<i64>,
    /// A unit chosen by the caller instead of `area` (Open311 without an
    /// address_id files at the jurisdiction).
    #[serde(skip)]
    pub(crate) org_id: Option<i64>,
}

/// Field errors of an intake: the field, and the message's key (for pages)
/// and English text (for the API).
pub(crate) type FieldErrors = xieshang_core::concern::FieldErrors;

/// An intake field's error of its own (`err.intake.<field>`).
const fn field_error(key: &'static str, message: &'static str) -> Invalid {
    Invalid { key, message }
}

/// Validates an intake and records it; the tracking code, or the field errors.
/// Shared by the API and the public form.
pub(crate) async fn file_concern(
    state: &AppState,
    intake: &Intake,
    channel: &str,
    by: By<'_>,
    photos: &[xieshang_store::photo::Photo],
) -> Result<Result<concern::Recorded, FieldErrors>, xieshang_store::Error> {
    use xieshang_core::concern::{optional, Address, Position, RawConcern, ReporterName};
    let raw = RawConcern {
        category: &intake.category,
        title: &intake.title,
        description: &intake.description,
        address: intake.address.as_deref(),
        lat: intake.lat,
        lng: intake.lng,
        name: intake.name.as_deref(),
        phone: intake.phone.as_deref(),
    };
    let parsed = xieshang_core::concern::NewConcern::parse(&raw);
    let mut errors: FieldErrors = parsed.as_ref().err().cloned().unwrap_or_default();
    // What needs this server or the database: the personal-data key, the area.
    let personal = optional(raw.name).is_some()
        || optional(raw.phone).is_some_and(|p| xieshang_core::personal::Phone::parse(p).is_ok());
    let sealer = state.sealer.as_deref();
    if personal && sealer.is_none() {
        errors.push((
            "phone",
            field_error(
                "err.intake.phone",
                "this server has no personal-data key, so name and phone cannot be kept",
            ),
        ));
    }
    let area = match intake.org_id {
        Some(id) => Some(id),
        None => state.area_id(&intake.area).await?,
    };
    if area.is_none() {
        errors.push((
            "area",
            field_error("err.intake.area", "unknown area code (see /api/v1/areas)"),
        ));
    }
    let (Ok(c), Some(area)) = (parsed, area.filter(|_| errors.is_empty())) else {
        return Ok(Err(errors));
    };
    let reporter = sealer.map(|sealer| concern::NewReporter {
        sealer,
        name: c.name.as_ref().map(ReporterName::as_str),
        phone: c.phone.as_ref(),
    });
    let new = NewConcern {
        org_id: area,
        category: c.category.code,
        title: c.title.as_str(),
        description: c.description.as_str(),
        channel,
        address: c.address.as_ref().map(Address::as_str),
        position: c.position.map(Position::pair),
        reporter,
        photos,
        attributes: intake.attributes.clone(),
        api_key_id: intake.api_key_id,
    };
    // Residents' submissions go through group commit; recorders' through
    // their own transaction (their role over the area is checked there).
    let recorded = if matches!(by, By::Resident) {
        match concern::OwnedConcern::from_new(&new) {
            Ok(owned) => state.group_commit().record(owned).await,
            Err(e) => Err(e),
        }
    } else {
        concern::record_keyed(&state.db, by, new).await
    };
    // A recorder outside the area is denied (the form only offers their own).
    recorded.map(Ok)
}

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

/// An error: a message, and a message per field for invalid input.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    error: String,
    /// Per field, what is wrong with it.
    fields: Option<std::collections::BTreeMap<String, String>>,
}

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
    let intake: Intake = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")))?;
    let recorded = match file_concern(&state, &intake, "api", By::Resident, &[]).await? {
        Ok(r) => r,
        Err(errors) => {
            let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid input");
            for (f, m) in errors {
                e.fields.insert(f.into(), m.message.into());
            }
            return Err(e);
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
    /// Its tracking code.
    tracking_code: String,
    /// Its state.
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
    state.throttles.track(addr)?;
    let s = concern::public_status(&state.db, &code).await?;
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
        merged_into: s.merged_into.map(|m| MergedOut {
            tracking_code: m.tracking_code,
            state: m.state,
        }),
    }))
}

/// The API key in `X-Api-Key` (or `Authorization: Bearer`), with the scope.
async fn key_with(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    scope: xieshang_store::apikey::Scope,
) -> Result<xieshang_store::apikey::ApiKey, ApiError> {
    let given = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
        })
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let Some(given) = given else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "an API key is required (X-Api-Key)",
        ));
    };
    match xieshang_store::apikey::verify(&state.db, given).await? {
        Some(k) if k.allows(scope) => Ok(k),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the API key lacks the scope {}", scope.code()),
        )),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the API key is not valid",
        )),
    }
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
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(xieshang_core::item::CONCERN.states.iter().copied()))
        .build()
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
    let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid input");
    e.fields.insert(field.into(), message.into());
    e
}

/// Concerns inside the key's unit, oldest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/concerns", tag = "machine clients",
    params(ListQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = Page),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks concerns:read, or the area is outside its unit", body = ErrorBody),
        (status = 422, description = "A bad filter", body = ErrorBody)))]
pub async fn list_concerns(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    query: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Page>, ApiError> {
    let key = key_with(
        &state,
        &headers,
        xieshang_store::apikey::Scope::ConcernsRead,
    )
    .await?;
    let axum::extract::Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let mut f = xieshang_store::open_data::Filter {
        within: Some(key.org_path.clone()),
        limit: q.limit.unwrap_or(50),
        after_id: Some(0),
        ..Default::default()
    };
    if !(1..=200).contains(&f.limit) {
        return Err(bad("limit", "1 to 200"));
    }
    if let Some(s) = q.state.as_deref() {
        if !xieshang_core::item::CONCERN.states.contains(&s) {
            return Err(bad("state", "not a state"));
        }
        f.states = vec![s.to_owned()];
    }
    if let Some(c) = q.category.as_deref() {
        if category::by_code(c).is_none() {
            return Err(bad("category", "unknown category code"));
        }
        f.category = Some(c.to_owned());
    }
    if let Some(a) = q.area.as_deref() {
        let o = xieshang_store::org::by_code_unchecked(&state.db, a)
            .await
            .map_err(|_| bad("area", "unknown area code"))?;
        if !o.path.is_within(&key.org_path) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "the area is outside the key's unit",
            ));
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
    let mut rows = xieshang_store::open_data::list(&state.db, &f).await?;
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
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Json<UpdateOut>, ApiError> {
    let key = key_with(
        &state,
        &headers,
        xieshang_store::apikey::Scope::ConcernsUpdate,
    )
    .await?;
    let u: UpdateIn = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")))?;
    if let Err(e) = xieshang_core::values::check_text(&u.note, xieshang_core::values::Lines::Many) {
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid input");
        err.fields.insert("note".into(), e.message.into());
        return Err(err);
    }
    let id = concern::id_by_code(&state.db, &code).await?;
    match xieshang_store::handling::handle_by_key(
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
        Err(xieshang_store::item::TransitionError::Refused(r)) => {
            Err(ApiError::new(StatusCode::CONFLICT, r.to_string()))
        }
        Err(xieshang_store::item::TransitionError::Store(xieshang_store::Error::Denied(_))) => {
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "the concern is not assigned to the key's unit",
            ))
        }
        Err(xieshang_store::item::TransitionError::Store(e)) => Err(e.into()),
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
        }
    }
}

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Xieshang API", version = "1", description = "Residents' concerns: intake, status, lists and department updates. Open311 GeoReport v2 is at /open311/v2/."),
    paths(categories, areas, create_concern, concern_status, list_concerns, post_update, crate::find::similar_api),
    components(schemas(CategoryOut, AreaOut, Intake, Created, ErrorBody, StatusOut, TimelineOut, FeedbackOut, MergedOut, ConcernOut, Page, UpdateIn, UpdateOut, crate::find::SimilarOut, crate::find::SimilarList)),
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
