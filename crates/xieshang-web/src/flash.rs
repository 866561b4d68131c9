//! Back to a page with a message: the one way a form answers. The message is
//! an i18n key in the query (`ok=` for a notice, `err=` for a refusal), which
//! the page shows through [`crate::pages::Flash`] if the key is known.

use crate::error::{AppError, AppResult};
use axum::response::{IntoResponse, Redirect, Response};

/// A message for the page redirected to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Msg<'a> {
    /// A notice (`ok=`).
    Ok(&'a str),
    /// A refusal (`err=`).
    Err(&'a str),
}

/// Redirects to `to` (which may carry a query already) with the message as
/// the next parameter.
pub(crate) fn back(to: &str, msg: Msg<'_>) -> Response {
    back_with(to, msg, &[])
}

/// As [`back`], with more parameters after the message (values are codes
/// and dates, passed as they are).
pub(crate) fn back_with(to: &str, msg: Msg<'_>, more: &[(&str, &str)]) -> Response {
    let (name, key) = match msg {
        Msg::Ok(k) => ("ok", k),
        Msg::Err(k) => ("err", k),
    };
    let sep = if to.contains('?') { '&' } else { '?' };
    let mut url = format!("{to}{sep}{name}={key}");
    for (k, v) in more {
        url.push_str(&format!("&{k}={v}"));
    }
    Redirect::to(&url).into_response()
}

/// Back with a notice.
pub(crate) fn ok(to: &str, key: &str) -> Response {
    back(to, Msg::Ok(key))
}

/// Back with a refusal.
pub(crate) fn err(to: &str, key: &str) -> Response {
    back(to, Msg::Err(key))
}

/// Back to `to` with the message of an input the store refused (an unknown
/// key shows as `err.bad_input`); any other error is an error page.
pub(crate) fn refused(to: &str, e: xieshang_store::Error) -> AppResult<Response> {
    match e {
        xieshang_store::Error::Invalid {
            key,
            field,
            message,
        } => {
            tracing::info!(field, message, "form input refused");
            Ok(err(to, crate::i18n::known(key).unwrap_or("err.bad_input")))
        }
        e => Err(AppError::from(e)),
    }
}

/// After a form: back to `to` with "saved", or with the refusal's message.
pub(crate) fn after<T>(to: &str, result: Result<T, xieshang_store::Error>) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(ok(to, "common.saved")),
        Err(e) => refused(to, e),
    }
}
