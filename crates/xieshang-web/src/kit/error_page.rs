//! The error page browsers get for an [`AppError`]: the status and the
//! message in both languages, framed with the signed-in visitor's menu and
//! language where they can be known (`framed`).

use crate::kit::error::AppError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

/// The error page: the status, and the message in both languages (the page
/// is answered before anything about the visitor is known).
#[derive(Template)]
#[template(path = "kit/error.html")]
struct ErrorPage {
    page: crate::kit::page::Page,
    code: u16,
    zh: &'static str,
    en: &'static str,
}

fn page(status: StatusCode, key: &'static str) -> Response {
    let mut res = render_page(
        status,
        key,
        crate::kit::page::Page::new(
            crate::kit::i18n::Tr {
                lang: crate::kit::i18n::Lang::ZhCn,
            },
            None,
            String::new(),
            &crate::kit::page::Flash::default(),
        ),
    );
    res.extensions_mut().insert(ErrorKey(key));
    res
}

fn render_page(status: StatusCode, key: &str, page: crate::kit::page::Page) -> Response {
    use crate::kit::i18n::{text, Lang};
    let t = ErrorPage {
        page,
        code: status.as_u16(),
        zh: text(Lang::ZhCn, key),
        en: text(Lang::En, key),
    };
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the error page");
            (status, t.zh).into_response()
        }
    }
}

/// Marks a response as the error page, with its message key, so that
/// [`framed`] can give it the visitor's frame.
#[derive(Debug, Clone, Copy)]
struct ErrorKey(&'static str);

/// Gives an error page the signed-in visitor's site menu and language: the
/// error is answered where the visitor is not yet known (the route guard, an
/// extractor), so a 403 or 404 came without a menu and left a dead end. Only
/// error pages pay for the second look at the session.
pub(crate) async fn framed(
    axum::extract::State(state): axum::extract::State<crate::kit::state::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::header::COOKIE;
    let cookies: Vec<axum::http::HeaderValue> =
        req.headers().get_all(COOKIE).iter().cloned().collect();
    let res = next.run(req).await;
    let Some(ErrorKey(key)) = res.extensions().get::<ErrorKey>().copied() else {
        return res;
    };
    let mut headers = axum::http::HeaderMap::new();
    for c in cookies {
        headers.append(COOKIE, c);
    }
    let user = match crate::kit::auth::load_user_headers(&headers, &state).await {
        Ok(u) => u,
        Err(e) => {
            e.log();
            return res;
        }
    };
    let lang = crate::kit::auth::cookie(&headers, crate::kit::auth::LANG_COOKIE)
        .and_then(|c| crate::kit::i18n::Lang::parse(&c))
        .unwrap_or(crate::kit::i18n::Lang::ZhCn);
    if user.is_none() && lang == crate::kit::i18n::Lang::ZhCn {
        return res;
    }
    let tr = crate::kit::i18n::Tr { lang };
    let csrf = user
        .as_ref()
        .map(|(_, s)| s.csrf_token.clone())
        .unwrap_or_default();
    let page = crate::kit::page::Page::new(
        tr,
        user.as_ref().map(|(a, s)| (a, s)),
        csrf,
        &crate::kit::page::Flash::default(),
    );
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let fresh = render_page(parts.status, key, page);
    let (_, body) = fresh.into_parts();
    Response::from_parts(parts, body)
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        page_of(self)
    }
}

/// The page browsers get.
fn page_of(err: AppError) -> Response {
    err.log();
    let (status, key) = match &err {
        AppError::Unauthenticated => return Redirect::to("/login").into_response(),
        AppError::MustChangePassword => return Redirect::to("/password").into_response(),
        AppError::NotFound | AppError::Missing(_) => (StatusCode::NOT_FOUND, "error.not_found"),
        AppError::Forbidden | AppError::NotAllowed(_) => (StatusCode::FORBIDDEN, "error.forbidden"),
        AppError::Csrf => (StatusCode::FORBIDDEN, "error.csrf"),
        AppError::BadRequest(_) | AppError::Invalid(_) | AppError::NoKey(_) => {
            (StatusCode::BAD_REQUEST, "error.bad_request")
        }
        AppError::Refused(key) => (StatusCode::UNPROCESSABLE_ENTITY, *key),
        AppError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"),
        AppError::TooMany(_) => (StatusCode::TOO_MANY_REQUESTS, "error.too_many"),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "error.bad_request"),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error.internal"),
    };
    let mut res = page(status, key);
    err.retry_after(&mut res);
    res
}
