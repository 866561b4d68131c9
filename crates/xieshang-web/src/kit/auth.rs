//! Who is asking: the session cookie, the signed-in actor, the language, and the
//! CSRF check that every state-changing form passes.
//!
//! CSRF: a signed-in user's forms carry the token bound to their server-side
//! session; anonymous forms (login) use a random cookie echoed in the form
//! (double submit). Either way a POST without the matching `_csrf` field is refused
//! before the handler runs, by the [`CsrfForm`] extractor that every POST uses.

use crate::kit::error::AppError;
use crate::kit::i18n::{Lang, Tr};
use crate::kit::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;
use xieshang_core::Actor;
use xieshang_store::account::session::{self, Session};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "xs_session";
/// Name of the anonymous CSRF cookie.
pub const CSRF_COOKIE: &str = "xs_csrf";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "xs_lang";

/// A cookie value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with the project's attributes. Cookies are `Secure` when
/// configured, or when a proxy says the request came over https. (A forged header
/// only makes the sender's own cookie stricter.)
pub fn set_cookie(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age_s: i64,
) -> String {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let secure = if state.config.secure_cookies || https {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}")
}

/// The language: `xs_lang` cookie, else zh-CN.
#[derive(Debug, Clone, Copy)]
pub struct UiLang(pub Tr);

impl<S: Send + Sync> FromRequestParts<S> for UiLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = cookie(&parts.headers, LANG_COOKIE)
            .and_then(|c| Lang::parse(&c))
            .unwrap_or(Lang::ZhCn);
        Ok(UiLang(Tr { lang }))
    }
}

/// The signed-in user, if any.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<(Actor, Session)>);

async fn load_user(parts: &Parts, state: &AppState) -> Result<Option<(Actor, Session)>, AppError> {
    load_user_headers(&parts.headers, state).await
}

pub(crate) async fn load_user_headers(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<(Actor, Session)>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(session::lookup_actor(&state.db, &token).await?)
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(MaybeUser(load_user(parts, state).await?))
    }
}

/// A signed-in user; anyone else is sent to the login page. A user who must change
/// their password is sent to the password page first.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The actor, with grants.
    pub actor: Actor,
    /// The session.
    pub session: Session,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // Found already by the route's access check: taken, not copied (a
        // second extraction in one request would load it again).
        if let Some(u) = parts.extensions.remove::<CurrentUser>() {
            return Ok(u);
        }
        let Some((actor, session)) = load_user(parts, state).await? else {
            return Err(AppError::Unauthenticated);
        };
        if session.must_change_password && parts.uri.path() != "/password" {
            return Err(AppError::MustChangePassword);
        }
        Ok(CurrentUser { actor, session })
    }
}

/// The CSRF token a form should carry for this request: the session's, or the
/// anonymous cookie's (None when the cookie must still be set).
pub fn form_token(headers: &HeaderMap, user: Option<&Session>) -> Option<String> {
    match user {
        Some(s) => Some(s.csrf_token.clone()),
        None => cookie(headers, CSRF_COOKIE),
    }
}

/// The CSRF token for a page's forms, and the `Set-Cookie` value to send with the
/// page when an anonymous visitor has no token cookie yet (double submit).
pub fn page_token(
    state: &AppState,
    headers: &HeaderMap,
    user: Option<&Session>,
) -> (String, Option<String>) {
    match form_token(headers, user) {
        Some(t) if user.is_some() || t.len() == 64 => (t, None),
        _ => {
            let t = session::random_token();
            let c = set_cookie(state, headers, CSRF_COOKIE, &t, 86_400);
            (t, Some(c))
        }
    }
}

/// Adds the cookie from [`page_token`], if any, to a response.
pub fn with_token_cookie(
    mut res: axum::response::Response,
    set: Option<String>,
) -> axum::response::Response {
    if let Some(v) = set.and_then(|c| c.parse().ok()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A url-encoded form whose `_csrf` field matched; `T` ignores that field.
pub struct CsrfForm<T>(pub T);

/// Refuses a form any of whose fields holds a control character (other than
/// tab and line breaks), a noncharacter or a direction control: no form of the
/// product takes them, and shown again they garble or disguise text. Password
/// fields are exempt: they are never shown, and a password set before this
/// check must still work. Fields that take one line are checked for line
/// breaks where they are validated.
fn plain_text(fields: &[(String, String)]) -> Result<(), AppError> {
    use xieshang_core::values::{check_text, Lines};
    for (k, v) in fields {
        if matches!(k.as_str(), "password" | "current" | "new" | "confirm") {
            continue;
        }
        check_text(v, Lines::Many).map_err(|e| AppError::Refused(e.key))?;
    }
    Ok(())
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let expected = match load_user(&parts, state).await? {
            Some((_, s)) => Some(s.csrf_token),
            None => cookie(&parts.headers, CSRF_COOKIE),
        };
        let _ = &mut parts;
        let bytes = axum::body::to_bytes(body, 64 * 1024)
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let given = fields
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str());
        match (expected, given) {
            (Some(e), Some(g)) if !e.is_empty() && xieshang_store::secret::same_hash(&e, g) => {}
            _ => return Err(AppError::Csrf),
        }
        plain_text(&fields)?;
        let value = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        Ok(CsrfForm(value))
    }
}

/// An uploaded file from a multipart form.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Form field name.
    pub field: String,
    /// The file's name as the browser sent it.
    pub file_name: String,
    /// The bytes (at most the form's cap on a file; empty when it was over).
    pub bytes: Vec<u8>,
    /// The file was over the form's cap: it was read to its end and dropped,
    /// so that the form can say so and keep the other fields.
    pub oversize: bool,
}

/// A form that may carry files: `multipart/form-data` or url-encoded. Its `_csrf`
/// field is checked as for [`CsrfForm`]; each file is capped at `FILE_MAX` bytes
/// (10 MB unless the route says otherwise) while it is read: a file over it is
/// kept only as [`Upload::oversize`], its bytes dropped as they stream by.
/// Empty file inputs are dropped.
///
/// A multipart body is checked as it streams in, so that a forged or oversized
/// upload costs the server almost nothing: a declared length over
/// [`UPLOAD_BODY_LIMIT`] is refused before the body is read, and `_csrf` must be
/// the first field (the product's forms put it first): any other first field, a
/// file before it, or a wrong token is refused without reading further.
pub struct CsrfUpload<T, const FILE_MAX: usize = { xieshang_store::concern::photo::MAX_BYTES }> {
    /// The text fields.
    pub form: T,
    /// The files.
    pub files: Vec<Upload>,
}

/// The request body cap of routes taking uploads: four photos and the text.
pub const UPLOAD_BODY_LIMIT: usize = 4 * xieshang_store::concern::photo::MAX_BYTES + 1024 * 1024;
/// The most bytes of one text field of a multipart form (pasted roster rows
/// are the longest).
const TEXT_FIELD_LIMIT: usize = 1024 * 1024;

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest(e.body_text())
    }
}

/// Reads a file field to its end, keeping at most `limit` bytes: None when
/// it was longer (the rest is read and dropped; the route's body cap bounds
/// it).
async fn file_bytes(
    field: &mut axum::extract::multipart::Field<'_>,
    limit: usize,
) -> Result<Option<Vec<u8>>, AppError> {
    let mut bytes = Some(Vec::new());
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if let Some(b) = bytes.as_mut() {
            if b.len() + chunk.len() > limit {
                bytes = None;
            } else {
                b.extend_from_slice(&chunk);
            }
        }
    }
    Ok(bytes)
}

/// Reads a multipart field to its end, refusing it past `limit` bytes.
async fn field_bytes(
    field: &mut axum::extract::multipart::Field<'_>,
    limit: usize,
) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > limit {
            return Err(AppError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

impl<T: DeserializeOwned + Send, const FILE_MAX: usize> FromRequest<AppState>
    for CsrfUpload<T, FILE_MAX>
{
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let expected = match load_user_headers(req.headers(), state).await? {
            Some((_, s)) => Some(s.csrf_token),
            None => cookie(req.headers(), CSRF_COOKIE),
        };
        let matches = |given: &str| {
            expected
                .as_deref()
                .is_some_and(|e| !e.is_empty() && xieshang_store::secret::same_hash(e, given))
        };
        let is_multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut files = Vec::new();
        if is_multipart {
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > UPLOAD_BODY_LIMIT as u64) {
                return Err(AppError::TooLarge);
            }
            let mut mp = axum::extract::Multipart::from_request(req, state)
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            let mut checked = false;
            while let Some(mut field) = mp.next_field().await.map_err(multipart_error)? {
                let name = field.name().unwrap_or_default().to_owned();
                if !checked {
                    if name != "_csrf" || field.file_name().is_some() {
                        return Err(AppError::Csrf);
                    }
                    let given = field_bytes(&mut field, 256).await?;
                    if !std::str::from_utf8(&given).is_ok_and(matches) {
                        return Err(AppError::Csrf);
                    }
                    checked = true;
                } else if let Some(file_name) = field.file_name().map(str::to_owned) {
                    match file_bytes(&mut field, FILE_MAX).await? {
                        Some(bytes) if bytes.is_empty() => {}
                        Some(bytes) => files.push(Upload {
                            field: name,
                            file_name,
                            bytes,
                            oversize: false,
                        }),
                        None => files.push(Upload {
                            field: name,
                            file_name,
                            bytes: Vec::new(),
                            oversize: true,
                        }),
                    }
                } else {
                    let bytes = field_bytes(&mut field, TEXT_FIELD_LIMIT).await?;
                    fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
            if !checked {
                return Err(AppError::Csrf);
            }
        } else {
            let bytes = axum::body::to_bytes(req.into_body(), 256 * 1024)
                .await
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            fields = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| AppError::BadRequest(e.to_string()))?;
            let given = fields
                .iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v.as_str());
            if !given.is_some_and(matches) {
                return Err(AppError::Csrf);
            }
        }
        plain_text(&fields)?;
        let encoded = serde_urlencoded::to_string(&fields)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let form = serde_urlencoded::from_str(&encoded)
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        Ok(CsrfUpload { form, files })
    }
}

/// The API key of a machine client (`X-Api-Key`, or `Authorization: Bearer`),
/// if it carries `scope`: 401 without a key or with an unknown one, 403 when
/// it lacks the scope. The route table asks it of routes declared
/// `Access::Key` in the route table; handlers take the key from the request's
/// extensions.
pub(crate) async fn api_key(
    state: &AppState,
    headers: &HeaderMap,
    scope: xieshang_store::account::apikey::Scope,
) -> Result<xieshang_store::account::apikey::ApiKey, AppError> {
    let given = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
        })
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let Some(given) = given else {
        return Err(AppError::NoKey("an API key is required (X-Api-Key)".into()));
    };
    match xieshang_store::account::apikey::verify(&state.db, given).await? {
        Some(k) if k.allows(scope) => Ok(k),
        Some(_) => Err(AppError::NotAllowed(format!(
            "the API key lacks the scope {}",
            scope.code()
        ))),
        None => Err(AppError::NoKey("the API key is not valid".into())),
    }
}
