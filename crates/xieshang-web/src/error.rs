//! The application error: every failure on the request path becomes a page.
//! Database details are logged, never shown.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

/// A failed request.
#[derive(Debug)]
pub enum AppError {
    /// 404.
    NotFound,
    /// 403.
    Forbidden,
    /// 403 for a missing or wrong CSRF token.
    Csrf,
    /// Not logged in: redirect to the login page.
    Unauthenticated,
    /// Logged in with a temporary password: redirect to the password page.
    MustChangePassword,
    /// 400 with a reason for the log.
    BadRequest(String),
    /// 413: an upload over its size cap.
    TooLarge,
    /// 429: a rate limit; seconds until a retry can pass.
    TooMany(u64),
    /// 422: input refused as a whole, with the key of the message shown.
    Refused(&'static str),
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
                AppError::BadRequest(format!("{field}: {message}"))
            }
            xieshang_store::Error::Db(e) => AppError::Internal(e.to_string()),
        }
    }
}

fn page(status: StatusCode, zh: &str, en: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{code} · 协商</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
         <body><main class=\"narrow\"><h1>{code}</h1><p class=\"error\">{zh}</p><p lang=\"en\">{en}</p>\
         <p><a href=\"/\">首页 / Home</a></p></main></body></html>",
        code = status.as_u16()
    );
    (status, Html(body)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        use crate::i18n::{text, Lang};
        let both = |key: &str| (text(Lang::ZhCn, key), text(Lang::En, key));
        match self {
            AppError::Unauthenticated => Redirect::to("/login").into_response(),
            AppError::MustChangePassword => Redirect::to("/password").into_response(),
            AppError::NotFound => {
                let (zh, en) = both("error.not_found");
                page(StatusCode::NOT_FOUND, zh, en)
            }
            AppError::Forbidden => {
                let (zh, en) = both("error.forbidden");
                page(StatusCode::FORBIDDEN, zh, en)
            }
            AppError::Csrf => {
                tracing::warn!("request refused: CSRF token missing or wrong");
                let (zh, en) = both("error.csrf");
                page(StatusCode::FORBIDDEN, zh, en)
            }
            AppError::BadRequest(why) => {
                tracing::info!(%why, "bad request");
                let (zh, en) = both("error.bad_request");
                page(StatusCode::BAD_REQUEST, zh, en)
            }
            AppError::Refused(key) => {
                tracing::info!(key, "input refused");
                let (zh, en) = both(key);
                page(StatusCode::UNPROCESSABLE_ENTITY, zh, en)
            }
            AppError::TooLarge => {
                let (zh, en) = both("error.too_large");
                page(StatusCode::PAYLOAD_TOO_LARGE, zh, en)
            }
            AppError::TooMany(secs) => {
                tracing::info!(retry_after = secs, "rate limited");
                let (zh, en) = both("error.too_many");
                let mut res = page(StatusCode::TOO_MANY_REQUESTS, zh, en);
                res.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(secs),
                );
                res
            }
            AppError::Internal(why) => {
                tracing::error!(%why, "internal error");
                let (zh, en) = both("error.internal");
                page(StatusCode::INTERNAL_SERVER_ERROR, zh, en)
            }
        }
    }
}

impl From<crate::throttle::Limited> for AppError {
    fn from(l: crate::throttle::Limited) -> Self {
        AppError::TooMany(l.retry_after)
    }
}

/// Result of handlers.
pub type AppResult<T> = Result<T, AppError>;
