//! The JSON API for apps (`/api/v1`): concern intake and public status, and the
//! category and area codes. Public: it reads no cookies, so no CSRF applies.
//! Errors are JSON: `{"error": "...", "fields": {"title": "..."}}`.

use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use xieshang_core::category;
use xieshang_store::concern::{self, NewConcern};
use xieshang_store::item::By;

/// A JSON error response.
pub struct ApiError {
    status: StatusCode,
    message: String,
    fields: Map<String, Value>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            fields: Map::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if !self.fields.is_empty() {
            body["fields"] = Value::Object(self.fields);
        }
        (self.status, Json(body)).into_response()
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

/// `GET /api/v1/categories`
pub async fn categories() -> Json<Value> {
    Json(Value::Array(
        category::DEFAULT
            .iter()
            .map(|c| json!({"code": c.code, "name": c.name_zh, "name_en": c.name_en, "service_days": c.service_days}))
            .collect(),
    ))
}

/// `GET /api/v1/areas`
pub async fn areas(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let areas = concern::areas(&state.db).await?;
    Ok(Json(Value::Array(
        areas
            .into_iter()
            .filter(concern::Area::selectable)
            .map(|a| json!({"code": a.code, "name": a.name, "kind": a.kind, "parent": a.parent_code}))
            .collect(),
    )))
}

/// The intake body. Name and phone are optional personal data: sealed at rest,
/// shown masked, never published.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Intake {
    pub(crate) category: String,
    pub(crate) area: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) address: Option<String>,
    pub(crate) lat: Option<f64>,
    pub(crate) lng: Option<f64>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
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

/// Field errors of an intake: (field, English message).
pub(crate) type FieldErrors = Vec<(&'static str, &'static str)>;

/// Validates an intake and records it; the tracking code, or the field errors.
/// Shared by the API and the public form.
pub(crate) async fn file_concern(
    state: &AppState,
    intake: &Intake,
    channel: &str,
    by: By<'_>,
    photos: &[xieshang_store::photo::Photo],
) -> Result<Result<String, FieldErrors>, xieshang_store::Error> {
    let mut errors: FieldErrors = Vec::new();
    let name = intake
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if name.is_some_and(|n| n.chars().count() > 50) {
        errors.push(("name", "a name has at most 50 characters"));
    }
    let phone = match intake
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => match xieshang_core::personal::Phone::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                errors.push((
                    "phone",
                    "a phone number is an 11-digit mobile or a landline",
                ));
                None
            }
        },
        None => None,
    };
    let sealer = state.sealer.as_deref();
    if (name.is_some() || phone.is_some()) && sealer.is_none() {
        errors.push((
            "phone",
            "this server has no personal-data key, so name and phone cannot be kept",
        ));
    }
    if category::by_code(&intake.category).is_none() {
        errors.push(("category", "unknown category code (see /api/v1/categories)"));
    }
    let area = match intake.org_id {
        Some(id) => Some(id),
        None => concern::area_by_code(&state.db, &intake.area)
            .await?
            .map(|a| a.id),
    };
    if area.is_none() {
        errors.push(("area", "unknown area code (see /api/v1/areas)"));
    }
    let title_len = intake.title.trim().chars().count();
    if title_len == 0 || title_len > 100 {
        errors.push(("title", "a title has 1 to 100 characters"));
    }
    let desc_len = intake.description.trim().chars().count();
    if desc_len == 0 || desc_len > 2000 {
        errors.push(("description", "a description has 1 to 2000 characters"));
    }
    if intake
        .address
        .as_deref()
        .is_some_and(|a| a.chars().count() > 200)
    {
        errors.push(("address", "an address has at most 200 characters"));
    }
    let position = match (intake.lat, intake.lng) {
        (None, None) => None,
        (Some(lat), Some(lng))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) =>
        {
            Some((lat, lng))
        }
        _ => {
            errors.push(("lat", "give both lat and lng, within -90..90 and -180..180"));
            None
        }
    };
    let Some(area) = area.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let reporter = sealer.map(|sealer| concern::NewReporter {
        sealer,
        name,
        phone: phone.as_ref(),
    });
    let recorded = concern::record(
        &state.db,
        by,
        NewConcern {
            org_id: area,
            category: &intake.category,
            title: &intake.title,
            description: intake.description.trim(),
            channel,
            address: intake
                .address
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty()),
            position,
            reporter,
            photos,
            attributes: intake.attributes.clone(),
            api_key_id: intake.api_key_id,
        },
    )
    .await;
    // A recorder outside the area is denied (the form only offers their own).
    recorded.map(|(_, code)| Ok(code))
}

/// `POST /api/v1/concerns`: 201 with the tracking code.
pub async fn create_concern(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let intake: Intake = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")))?;
    let code = match file_concern(&state, &intake, "api", By::Resident, &[]).await? {
        Ok(code) => code,
        Err(errors) => {
            let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid input");
            for (f, m) in errors {
                e.fields.insert(f.into(), m.into());
            }
            return Err(e);
        }
    };
    let body = json!({
        "tracking_code": code,
        "state": "submitted",
        "status_url": format!("/api/v1/concerns/{code}"),
        "page_url": format!("/track?code={code}"),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/v1/concerns/{tracking_code}`: state and the public timeline.
pub async fn concern_status(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let s = concern::public_status(&state.db, &code).await?;
    Ok(Json(json!({
        "tracking_code": s.tracking_code,
        "category": s.category,
        "title": s.title,
        "area": s.area,
        "state": s.state,
        "created_at": s.created_at,
        "timeline": s.timeline.iter().map(|(action, st, at)| json!({"action": action, "state": st, "at": at})).collect::<Vec<_>>(),
        "result_note": s.result_note,
        "feedback": s.feedback.iter().map(|(rating, comment, thanks, at)| json!({"rating": rating, "comment": comment, "thanks": thanks, "at": at})).collect::<Vec<_>>(),
        "merged_into": s.merged_into.as_ref().map(|m| json!({"tracking_code": m.tracking_code, "state": m.state})),
    })))
}
