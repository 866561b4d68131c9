//! The application error: every failure on the request path is one
//! [`AppError`]. Browsers get it as a page (`templates/kit/error.html`, built
//! in `kit::error_page`), machine
//! clients of `/api/v1` as the JSON body the OpenAPI document describes
//! (`{"error": "...", "fields": {...}}`, through [`ApiError`]), and Open311
//! clients in their own format, built from the same error
//! ([`AppError::status`] and [`AppError::public_message`]). Database details
//! are logged, never shown.
//!
//! One rule for refusals everywhere: a record outside the user's (or key's)
//! scope is 404, exactly as a record that does not exist; a missing right on a
//! record in scope is 403.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// A failed request.
#[derive(Debug)]
pub enum AppError {
    /// 404: no such record, or one outside the caller's scope.
    NotFound,
    /// 403: a record in scope, but no right to do this.
    Forbidden,
    /// 403 for a missing or wrong CSRF token.
    Csrf,
    /// Not logged in: redirect to the login page (401 in JSON).
    Unauthenticated,
    /// Logged in with a temporary password: redirect to the password page.
    MustChangePassword,
    /// 400 with a reason: for the log on pages, shown to machine clients
    /// (a malformed body or query).
    BadRequest(String),
    /// 413: an upload over its size cap.
    TooLarge,
    /// 429: a rate limit; seconds until a retry can pass.
    TooMany(u64),
    /// 422: input refused as a whole, with the key of the message shown.
    Refused(&'static str),
    /// Input refused field by field: `(field, message)`, the message in
    /// English. Machine clients get 422 with a message per field; pages, which
    /// meet this only from the store's checks, 400 as a bad request.
    Invalid(Vec<(String, String)>),
    /// 401 for a machine client: no API key, or an unknown one; the text is
    /// shown.
    NoKey(String),
    /// 403 with a reason shown to machine clients (a key without the scope).
    NotAllowed(String),
    /// 404 with a reason shown to machine clients (a record outside the key's
    /// unit, which is refused as if it did not exist).
    Missing(String),
    /// 409: not possible in the record's state; the text is shown.
    Conflict(String),
    /// 500; the text goes to the log only.
    Internal(String),
}

impl AppError {
    /// Not found.
    pub fn not_found() -> AppError {
        AppError::NotFound
    }
    /// Forbidden.
    pub fn forbidden() -> AppError {
        AppError::Forbidden
    }
    /// 422 with a message for one field.
    pub fn field(field: &str, message: &str) -> AppError {
        AppError::Invalid(vec![(field.into(), message.into())])
    }

    /// The status code machine clients get (pages answer the same, except that
    /// the sign-in refusals redirect, and field errors are a 400 page).
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Missing(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf | AppError::NotAllowed(_) => StatusCode::FORBIDDEN,
            AppError::Unauthenticated | AppError::MustChangePassword | AppError::NoKey(_) => {
                StatusCode::UNAUTHORIZED
            }
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Refused(_) | AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What a machine client is told (English).
    pub fn public_message(&self) -> String {
        use crate::kit::i18n::{text, Lang};
        match self {
            AppError::NotFound => "not found".into(),
            AppError::Forbidden => "forbidden".into(),
            AppError::Csrf => "the CSRF token is missing or wrong".into(),
            AppError::Unauthenticated => "sign in first".into(),
            AppError::MustChangePassword => "the password must be changed first".into(),
            AppError::TooLarge => "the upload is too large".into(),
            AppError::TooMany(_) => "too many requests".into(),
            AppError::Refused(key) => text(Lang::En, key).into(),
            AppError::Invalid(_) => "invalid input".into(),
            AppError::Internal(_) => "internal error".into(),
            AppError::BadRequest(why)
            | AppError::NoKey(why)
            | AppError::NotAllowed(why)
            | AppError::Missing(why)
            | AppError::Conflict(why) => why.clone(),
        }
    }

    /// Writes what the log needs to know; 500s are errors.
    pub(crate) fn log(&self) {
        match self {
            AppError::Csrf => tracing::warn!("request refused: CSRF token missing or wrong"),
            AppError::BadRequest(why) => tracing::info!(%why, "bad request"),
            AppError::Refused(key) => tracing::info!(key, "input refused"),
            AppError::Invalid(fields) => tracing::info!(?fields, "input refused"),
            AppError::TooMany(secs) => tracing::info!(retry_after = secs, "rate limited"),
            AppError::Internal(why) => tracing::error!(%why, "internal error"),
            _ => {}
        }
    }

    /// `Retry-After` of a rate limit.
    pub(crate) fn retry_after(&self, res: &mut Response) {
        if let AppError::TooMany(secs) = self {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*secs),
            );
        }
    }

    /// The JSON body of `/api/v1`: `{"error": "...", "fields": {...}}`, the
    /// `ErrorBody` of the OpenAPI document.
    pub fn into_json(self) -> Response {
        self.log();
        let mut body = json!({ "error": self.public_message() });
        if let AppError::Invalid(fields) = &self {
            let fields: Map<String, Value> = fields
                .iter()
                .map(|(f, m)| (f.clone(), Value::String(m.clone())))
                .collect();
            body["fields"] = Value::Object(fields);
        }
        let mut res = (self.status(), Json(body)).into_response();
        self.retry_after(&mut res);
        res
    }
}

impl From<xieshang_core::Denied> for AppError {
    fn from(d: xieshang_core::Denied) -> Self {
        match d {
            xieshang_core::Denied::Forbidden => AppError::Forbidden,
            xieshang_core::Denied::OutOfScope => AppError::NotFound,
        }
    }
}

impl From<xieshang_store::Error> for AppError {
    fn from(e: xieshang_store::Error) -> Self {
        match e {
            xieshang_store::Error::NotFound => AppError::NotFound,
            xieshang_store::Error::Denied(d) => d.into(),
            xieshang_store::Error::Invalid { field, message, .. } => {
                AppError::Invalid(vec![(field.into(), message.into())])
            }
            xieshang_store::Error::Db(e) => AppError::Internal(e.to_string()),
        }
    }
}

/// The one error, answered as JSON: what handlers of `/api/v1` return.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_json()
    }
}

impl ApiError {
    /// An update through the API that the item engine refused: not possible
    /// in the item's state, or not the key's unit's to make (`not_yours`),
    /// both 409; any other store error as itself.
    pub(crate) fn refused_update(
        e: xieshang_store::item::TransitionError,
        not_yours: &str,
    ) -> Self {
        use xieshang_store::item::TransitionError;
        match e {
            TransitionError::Refused(r) => AppError::Conflict(r.to_string()).into(),
            TransitionError::Store(xieshang_store::Error::Denied(_)) => {
                AppError::Conflict(not_yours.to_owned()).into()
            }
            TransitionError::Store(e) => e.into(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<xieshang_store::Error> for ApiError {
    fn from(e: xieshang_store::Error) -> Self {
        ApiError(e.into())
    }
}

/// Result of handlers.
pub type AppResult<T> = Result<T, AppError>;

/// Result of `/api/v1` handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// An error: a message, and a message per field for invalid input.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
    /// Per field, what is wrong with it.
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}
