//! Consultations in the JSON API (issue 28 point 10): machine clients with a
//! key carrying `consultations:read` read the consultations inside the key's
//! unit and the agreed actions of those consultations or owned by its units;
//! the owner unit's case system, with `consultations:update`, posts progress
//! on its actions and marks them done (a key acts as its own unit: decision
//! 0019). The OpenAPI document (`/api/v1/openapi.json`) lists them.

use crate::kit::error::{ApiError, AppError, ErrorBody};
use crate::kit::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xieshang_core::item::{CONSULTATION, CONSULTATION_ACTION};
use xieshang_store::account::apikey::ApiKey;
use xieshang_store::consult::{self, action};

/// Filters of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this state.
    state: Option<String>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = "^c[0-9]+$")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

fn bad(field: &str, message: &str) -> ApiError {
    AppError::field(field, message).into()
}

/// The query's state (one of the kind's), cursor and page size.
fn page_of(
    query: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
    spec: &xieshang_core::item::KindSpec,
) -> Result<(Option<String>, i64, i64), ApiError> {
    let axum::extract::Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "1 to 200"));
    }
    if let Some(s) = q.state.as_deref() {
        if spec.state(s).is_none() {
            return Err(bad("state", "not a state"));
        }
    }
    let after = cursor_of(q.cursor.as_deref())?;
    Ok((q.state, after, limit))
}

/// The states of an item kind as an enumeration of strings, for a list's
/// `state` filter in the OpenAPI document (each API's `schema_with` wraps it).
pub(crate) fn states_schema(kind: &xieshang_core::item::KindSpec) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(kind.states.iter().map(|s| s.as_str())))
        .build()
}

/// The id after which a page starts: 0 without a cursor, or the cursor's.
pub(crate) fn cursor_of(cursor: Option<&str>) -> Result<i64, ApiError> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .strip_prefix('c')
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad("cursor", "not a cursor from this API")),
    }
}

/// Cuts a page read one row long to `limit` rows; the cursor of the next page
/// when there is one.
pub(crate) fn cut<T>(rows: &mut Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Option<String> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    more.then(|| format!("c{}", rows.last().map(id).unwrap_or(0)))
}

/// A request's JSON body, or the request is malformed (400, saying why).
pub(crate) fn json_of<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")).into())
}

/// A path's id: a number, or the request is malformed.
pub(crate) fn id_of(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .map_err(|_| AppError::BadRequest("the id is not a number".into()).into())
}

/// An agreed action (协商成果).
#[derive(Serialize, ToSchema)]
pub struct ActionOut {
    id: i64,
    consultation_id: i64,
    /// What is to be done.
    title: String,
    note: Option<String>,
    /// The owner unit's code.
    owner_code: String,
    /// The owner unit's name.
    owner: String,
    /// assigned, in_progress or resolved.
    state: String,
    /// Due (unix ms).
    due_at: i64,
    /// Done (unix ms).
    done_at: Option<i64>,
}

/// A consultation (协商议事).
#[derive(Serialize, ToSchema)]
pub struct ConsultationOut {
    id: i64,
    topic: String,
    description: String,
    /// A kind code (`grassroots`, `thematic` …, or a body's own `own-N`).
    kind: String,
    /// convened, held, closed or cancelled.
    state: String,
    /// The unit's code.
    unit_code: String,
    /// The unit's name.
    unit: String,
    /// Start (unix ms).
    starts_at: i64,
    /// End (unix ms).
    ends_at: i64,
    /// The booked room or the place.
    place: Option<String>,
    /// The minutes, once held.
    minutes: Option<String>,
    /// Called at (unix ms).
    created_at: i64,
}

/// One consultation with its agenda and agreed actions.
#[derive(Serialize, ToSchema)]
pub struct ConsultationDetail {
    #[serde(flatten)]
    consultation: ConsultationOut,
    agenda: Vec<String>,
    actions: Vec<ActionOut>,
}

/// One page of consultations.
#[derive(Serialize, ToSchema)]
pub struct ConsultationPage {
    items: Vec<ConsultationOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// One page of agreed actions.
#[derive(Serialize, ToSchema)]
pub struct ActionPage {
    items: Vec<ActionOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// One event of an agreed action's timeline.
#[derive(Serialize, ToSchema)]
pub struct ActionEvent {
    /// What was done (assign, progress, resolve, remind, escalate …).
    action: String,
    /// The state after it.
    state: String,
    /// What was written with it.
    note: Option<String>,
    /// When (unix ms).
    at: i64,
}

/// An agreed action with its timeline.
#[derive(Serialize, ToSchema)]
pub struct ActionDetail {
    #[serde(flatten)]
    action: ActionOut,
    timeline: Vec<ActionEvent>,
}

/// A consultation as the API gives it (the unit's code read with it).
fn consultation_out(c: consult::Consultation) -> ConsultationOut {
    ConsultationOut {
        id: c.id,
        topic: c.topic,
        description: c.description,
        kind: c.kind,
        state: c.state,
        unit_code: c.org_code,
        unit: c.org_name,
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        place: c.room_name.or(c.place),
        minutes: c.minutes,
        created_at: c.created_at,
    }
}

/// An action as the API gives it (the owner's code read with the action: no
/// lookup per item of a page).
fn action_out(a: action::AgreedAction) -> ActionOut {
    ActionOut {
        id: a.id,
        consultation_id: a.consultation_id,
        title: a.title,
        note: a.note,
        owner_code: a.owner_code,
        owner: a.owner_name,
        state: a.state,
        due_at: a.due_at,
        done_at: a.done_at,
    }
}

/// Consultations inside the key's unit, in the order they were called, a page
/// at a time.
#[utoipa::path(get, path = "/api/v1/consultations", tag = "machine clients",
    params(ListQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = ConsultationPage),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks consultations:read", body = ErrorBody),
        (status = 422, description = "A bad filter", body = ErrorBody)))]
pub async fn list_consultations(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    query: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ConsultationPage>, ApiError> {
    let (st, after, limit) = page_of(query, &CONSULTATION)?;
    let mut rows =
        consult::list_within(&state.db, &key.org_path, st.as_deref(), after, limit + 1).await?;
    let next_cursor = cut(&mut rows, limit, |c| c.id);
    let mut items = Vec::with_capacity(rows.len());
    for c in rows {
        items.push(consultation_out(c));
    }
    Ok(Json(ConsultationPage { items, next_cursor }))
}

/// One consultation inside the key's unit, with its agenda and agreed actions.
#[utoipa::path(get, path = "/api/v1/consultations/{id}", tag = "machine clients",
    params(("id" = i64, Path, description = "The consultation's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The consultation", body = ConsultationDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks consultations:read", body = ErrorBody),
        (status = 404, description = "No such consultation inside the key's unit", body = ErrorBody)))]
pub async fn get_consultation(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
) -> Result<Json<ConsultationDetail>, ApiError> {
    let c = consult::get_within(&state.db, &key.org_path, id_of(&id)?).await?;
    let id = c.id;
    let mut actions = Vec::new();
    for a in action::of(&state.db, id).await? {
        actions.push(action_out(a));
    }
    Ok(Json(ConsultationDetail {
        consultation: consultation_out(c),
        agenda: consult::agenda(&state.db, id).await?,
        actions,
    }))
}

/// Agreed actions of consultations inside the key's unit, or owned by a unit
/// inside it, in the order agreed, a page at a time.
#[utoipa::path(get, path = "/api/v1/agreed-actions", tag = "machine clients",
    params(ListQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = ActionPage),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks consultations:read", body = ErrorBody),
        (status = 422, description = "A bad filter", body = ErrorBody)))]
pub async fn list_actions(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    query: Result<axum::extract::Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ActionPage>, ApiError> {
    let (st, after, limit) = page_of(query, &CONSULTATION_ACTION)?;
    let mut rows =
        action::list_within(&state.db, &key.org_path, st.as_deref(), after, limit + 1).await?;
    let next_cursor = cut(&mut rows, limit, |a| a.id);
    let mut items = Vec::with_capacity(rows.len());
    for a in rows {
        items.push(action_out(a));
    }
    Ok(Json(ActionPage { items, next_cursor }))
}

/// One agreed action the key's unit reads, with its timeline.
#[utoipa::path(get, path = "/api/v1/agreed-actions/{id}", tag = "machine clients",
    params(("id" = i64, Path, description = "The action's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The action", body = ActionDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks consultations:read", body = ErrorBody),
        (status = 404, description = "No such action for the key's unit", body = ErrorBody)))]
pub async fn get_action(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
) -> Result<Json<ActionDetail>, ApiError> {
    let a = action::get_within(&state.db, &key.org_path, id_of(&id)?).await?;
    let timeline = xieshang_store::item::timeline(&state.db, &CONSULTATION_ACTION, a.id)
        .await?
        .into_iter()
        .map(|e| ActionEvent {
            action: e.action,
            state: e.to_state,
            note: e.note,
            at: e.at,
        })
        .collect();
    Ok(Json(ActionDetail {
        action: action_out(a),
        timeline,
    }))
}

/// An update from the owner unit's case system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionUpdateIn {
    /// progress or resolve.
    action: String,
    /// What was done.
    note: String,
}

/// The state after an update.
#[derive(Serialize, ToSchema)]
pub struct ActionUpdateOut {
    id: i64,
    state: String,
}

/// Post progress on an agreed action, or mark it done, as its owner unit (key
/// scope `consultations:update`, key of that unit).
#[utoipa::path(post, path = "/api/v1/agreed-actions/{id}/updates", tag = "machine clients",
    params(("id" = i64, Path, description = "The action's id")),
    request_body = ActionUpdateIn,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Done", body = ActionUpdateOut),
        (status = 400, description = "Malformed JSON, or an id that is not a number", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks consultations:update", body = ErrorBody),
        (status = 404, description = "No such action for the key's unit", body = ErrorBody),
        (status = 409, description = "Not owned by the key's unit, or not possible in the action's state", body = ErrorBody),
        (status = 422, description = "A bad action or note", body = ErrorBody)))]
pub async fn post_action_update(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ActionUpdateOut>, ApiError> {
    let id = id_of(&id)?;
    let u: ActionUpdateIn = json_of(&body)?;
    if let Err(e) = xieshang_core::values::check_text(&u.note, xieshang_core::values::Lines::Many) {
        return Err(AppError::field("note", e.message).into());
    }
    match action::act_by_key(&state.db, &key, id, &u.action, &u.note).await {
        Ok(to) => Ok(Json(ActionUpdateOut {
            id,
            state: to.to_owned(),
        })),
        Err(e) => Err(ApiError::refused_update(
            e,
            "the action is not owned by the key's unit",
        )),
    }
}
