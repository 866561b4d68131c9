//! Pages: home, login, password, organisation tree, accounts. Each handler asks the
//! store, which asks the actor; forms post through `CsrfForm` and redirect back
//! with a message key.

use crate::auth::{self, CsrfForm, CurrentUser, MaybeUser, UiLang};
use crate::error::{AppError, AppResult};
use crate::flash;
use crate::i18n::{self, Lang, Tr};
use crate::ops;
use crate::routes::{Access, Routes, Target};
use crate::state::AppState;
use crate::throttle::ClientAddr;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::{Actor, OrgKind, Permission, Role};
use xieshang_store::session::Session;
use xieshang_store::{org, password, session, user};

/// Registers every page route with its access rule.
pub fn register(r: Routes) -> Routes {
    use xieshang_store::apikey::Scope;
    use Access::*;
    let r = crate::work::register(r);
    let r = crate::open311::register(r);
    let r = crate::exports::register(r);
    let r = crate::find::register(r);
    let r = crate::duty::register(r);
    let r = crate::roster::register(r);
    r.get("/", Public, get(home))
        .get("/healthz", Public, get(ops::healthz))
        .get("/readyz", Public, get(ops::readyz))
        .get("/metrics", Public, get(ops::metrics))
        .get("/static/app.css", Public, get(ops::stylesheet))
        .get("/static/app.js", Public, get(ops::script))
        .get("/lang/{code}", Public, get(set_lang))
        .get("/track", Public, get(track_page))
        .get("/report", Public, get(report_page))
        .post(
            "/report",
            Public,
            post(report).layer(axum::extract::DefaultBodyLimit::max(
                auth::UPLOAD_BODY_LIMIT,
            )),
        )
        .get("/api/v1/categories", Public, get(crate::api::categories))
        .get("/api/v1/areas", Public, get(crate::api::areas))
        .api_post("/api/v1/concerns", post(crate::api::create_concern))
        .get(
            "/api/v1/concerns",
            Key(Scope::ConcernsRead),
            get(crate::api::list_concerns),
        )
        .key_post(
            "/api/v1/concerns/{code}/updates",
            Scope::ConcernsUpdate,
            post(crate::api::post_update),
        )
        .get("/api/v1/openapi.json", Public, get(crate::api::openapi))
        .get(
            "/api/v1/concerns/{code}",
            Public,
            get(crate::api::concern_status),
        )
        .get("/login", Public, get(login_page))
        .post("/login", Public, post(login))
        .post("/logout", SignedIn, post(logout))
        .get("/password/forgot", Public, get(forgot_page))
        .post("/password/forgot", Public, post(forgot))
        .get("/password/reset", Public, get(reset_page))
        .post("/password/reset", Public, post(reset))
        .get("/password", SignedIn, get(password_page))
        .post("/password", SignedIn, post(change_password))
        .post("/password/email", SignedIn, post(set_email))
        .get(
            "/orgs",
            Needs(Permission::OrgView, Target::None),
            get(orgs_page),
        )
        .get(
            "/orgs/{id}",
            Needs(Permission::OrgView, Target::Org),
            get(org_page),
        )
        .post(
            "/orgs/{id}/children",
            Needs(Permission::OrgManage, Target::Org),
            post(org_create),
        )
        .post(
            "/orgs/{id}/rename",
            Needs(Permission::OrgManage, Target::Org),
            post(org_rename),
        )
        .post(
            "/orgs/{id}/move",
            Needs(Permission::OrgManage, Target::Org),
            post(org_move),
        )
        .post(
            "/orgs/{id}/archive",
            Needs(Permission::OrgManage, Target::Org),
            post(org_archive),
        )
        .get(
            "/users",
            Needs(Permission::UserView, Target::None),
            get(users_page),
        )
        .post(
            "/users",
            Needs(Permission::UserManage, Target::None),
            post(user_create),
        )
        .get(
            "/users/{id}",
            Needs(Permission::UserView, Target::User),
            get(user_page),
        )
        .post(
            "/users/{id}/grants",
            Needs(Permission::UserManage, Target::User),
            post(user_grant),
        )
        .post(
            "/users/{id}/grants/{grant}/revoke",
            Needs(Permission::UserManage, Target::User),
            post(user_revoke),
        )
        .post(
            "/users/{id}/reset",
            Needs(Permission::UserManage, Target::User),
            post(user_reset),
        )
}

/// What every page's frame needs.
pub(crate) struct Page {
    /// Translator.
    pub tr: Tr,
    /// Signed-in user's name.
    pub user_name: Option<String>,
    /// CSRF token for the page's forms.
    pub csrf: String,
    /// Show the organisations link.
    pub can_orgs: bool,
    /// Show the accounts link.
    pub can_users: bool,
    /// Show the concerns link.
    pub can_concerns: bool,
    /// Show the link to record a concern for a resident.
    pub can_record: bool,
    /// Error message key.
    pub error: Option<&'static str>,
    /// Notice message key.
    pub notice: Option<&'static str>,
}

/// Message keys passed back after a form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Flash {
    pub(crate) err: Option<String>,
    pub(crate) ok: Option<String>,
    pub(crate) archived: Option<String>,
}

impl Page {
    pub(crate) fn new(
        tr: Tr,
        user: Option<(&Actor, &Session)>,
        csrf: String,
        flash: &Flash,
    ) -> Page {
        Page {
            tr,
            user_name: user.map(|(a, _)| a.display_name.clone()),
            csrf,
            can_orgs: user.is_some_and(|(a, _)| a.has_permission(Permission::OrgView)),
            can_users: user.is_some_and(|(a, _)| a.has_permission(Permission::UserView)),
            can_concerns: user.is_some_and(|(a, _)| a.has_permission(Permission::ConcernView)),
            can_record: user.is_some_and(|(a, _)| a.has_permission(Permission::ConcernRecord)),
            error: flash.err.as_deref().and_then(i18n::known),
            notice: flash.ok.as_deref().and_then(i18n::known),
        }
    }

    pub(crate) fn signed_in(tr: Tr, u: &CurrentUser, flash: &Flash) -> Page {
        Page::new(
            tr,
            Some((&u.actor, &u.session)),
            u.session.csrf_token.clone(),
            flash,
        )
    }
}

pub(crate) fn render(t: impl Template) -> AppResult<Response> {
    t.render()
        .map(|html| Html(html).into_response())
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn kind_label(tr: Tr, k: OrgKind) -> &'static str {
    tr.t(&format!("kind.{}", k.code()))
}

pub(crate) fn role_label(tr: Tr, r: Role) -> &'static str {
    tr.t(&format!("role.{}", r.code()))
}

// ---------------------------------------------------------------- home, language

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTpl {
    page: Page,
    roles: Vec<String>,
}

async fn home(
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
) -> AppResult<Response> {
    let csrf = auth::form_token(&headers, user.as_ref().map(|(_, s)| s)).unwrap_or_default();
    let roles = user
        .as_ref()
        .map(|(a, _)| {
            a.grants
                .iter()
                .map(|g| role_label(tr, g.role).to_owned())
                .collect()
        })
        .unwrap_or_default();
    let page = Page::new(
        tr,
        user.as_ref().map(|(a, s)| (a, s)),
        csrf,
        &Flash::default(),
    );
    render(HomeTpl { page, roles })
}

async fn set_lang(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    let cookie = auth::set_cookie(
        &state,
        &headers,
        auth::LANG_COOKIE,
        lang.code(),
        365 * 86_400,
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

// ---------------------------------------------------------------- tracking

struct TrackView {
    title: String,
    area: String,
    state_key: &'static str,
    events: Vec<(String, &'static str)>,
    result_note: Option<String>,
    awaiting_feedback: bool,
    feedback: Vec<(String, &'static str, Option<String>, Option<String>)>,
    photos: Vec<String>,
    merged_into: Option<(String, &'static str)>,
}

impl TrackView {
    fn from(s: xieshang_store::concern::PublicStatus) -> TrackView {
        TrackView {
            title: s.title,
            area: s.area,
            state_key: state_key(&s.state),
            events: s
                .timeline
                .iter()
                .map(|(action, to, at)| {
                    (
                        format_time(*at),
                        if action == "escalate" || action == "remind" {
                            "event.escalate_public"
                        } else if action == "same_report" {
                            "event.same_report"
                        } else {
                            state_key(to)
                        },
                    )
                })
                .collect(),
            result_note: s.result_note,
            awaiting_feedback: s.awaiting_feedback,
            feedback: s
                .feedback
                .into_iter()
                .map(|(r, c, t, at)| {
                    (
                        format_time(at),
                        i18n::known(&format!("rating.{r}")).unwrap_or("rating.satisfied"),
                        c,
                        t,
                    )
                })
                .collect(),
            photos: s.photos,
            merged_into: s
                .merged_into
                .map(|m| (m.tracking_code, state_key(&m.state))),
        }
    }
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackTpl {
    page: Page,
    code: String,
    /// The resident's key from the link, if it carried one.
    key: String,
    status: Option<TrackView>,
    not_found: bool,
    filed: bool,
    joined: bool,
}

#[derive(Deserialize)]
struct TrackQuery {
    code: Option<String>,
    key: Option<String>,
    filed: Option<String>,
    joined: Option<String>,
    ok: Option<String>,
    err: Option<String>,
}

/// A resident's key from a query string, only if well formed (it is put back
/// into a page), else empty.
pub(crate) fn resident_key_param(key: Option<String>) -> String {
    key.map(|k| k.trim().to_uppercase())
        .filter(|k| k.len() == 16 && k.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_default()
}

pub(crate) fn state_key(state: &str) -> &'static str {
    i18n::known(&format!("state.{state}")).unwrap_or("state.submitted")
}

/// The resident's page: the tracking code alone shows what was asked and done.
async fn track_page(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Query(q): Query<TrackQuery>,
) -> AppResult<Response> {
    let code = q.code.unwrap_or_default().trim().to_uppercase();
    let filed = q.filed.as_deref() == Some("1");
    let joined = q.joined.as_deref() == Some("1");
    // The resident's key, only as a well-formed one (it goes back into the
    // page's feedback form and the link shown once after filing).
    let key = resident_key_param(q.key);
    let (status, not_found) = if code.is_empty() {
        (None, false)
    } else {
        state.throttles.track(addr)?;
        match xieshang_store::concern::public_status(&state.db, &code).await {
            Ok(s) => (Some(TrackView::from(s)), false),
            Err(xieshang_store::Error::NotFound) => (None, true),
            Err(e) => return Err(e.into()),
        }
    };
    let flash = Flash {
        ok: q.ok,
        err: q.err,
        archived: None,
    };
    // Only a page with a form that posts needs the token: the feedback form
    // and a signed-in visitor's logout. The resident who only looks is not
    // handed a cookie on every visit.
    let posts = user.is_some() || status.as_ref().is_some_and(|s| s.awaiting_feedback);
    let (csrf, set) = if posts {
        auth::page_token(&state, &headers, user.as_ref().map(|(_, s)| s))
    } else {
        (String::new(), None)
    };
    let page = Page::new(tr, user.as_ref().map(|(a, s)| (a, s)), csrf, &flash);
    let mut res = render(TrackTpl {
        page,
        code,
        key,
        status,
        not_found,
        filed,
        joined,
    })?;
    if not_found {
        *res.status_mut() = axum::http::StatusCode::NOT_FOUND;
    }
    Ok(auth::with_token_cookie(res, set))
}

/// A time in China Standard Time (UTC+8), minutes precision. Written out by
/// hand: chrono's format string is parsed again on every call, and a page
/// formats a time per timeline entry.
pub(crate) fn format_time(ms: i64) -> String {
    use chrono::{Datelike, Timelike};
    let Some(offset) = chrono::FixedOffset::east_opt(8 * 3600) else {
        return String::new();
    };
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            let t = t.with_timezone(&offset);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------- public intake form

type ReportForm = crate::work::RecordForm;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportTpl {
    page: Page,
    form: ReportForm,
    errors: Vec<&'static str>,
    categories: Vec<(&'static str, &'static str)>,
    areas: Vec<(String, String)>,
    similar: Vec<crate::find::SimilarView>,
    had_photos: bool,
}

/// Areas labelled with their whole path, so one list works without JavaScript.
pub(crate) async fn area_choices(state: &AppState) -> AppResult<Vec<(String, String)>> {
    let areas = xieshang_store::concern::areas(&state.db).await?;
    Ok(area_labels(&areas, |_| true))
}

/// The selectable areas that pass `keep`, labelled with their whole path.
pub(crate) fn area_labels(
    areas: &[xieshang_store::concern::Area],
    keep: impl Fn(&xieshang_store::concern::Area) -> bool,
) -> Vec<(String, String)> {
    let names: std::collections::HashMap<&str, (&str, Option<&str>)> = areas
        .iter()
        .map(|a| (a.code.as_str(), (a.name.as_str(), a.parent_code.as_deref())))
        .collect();
    areas
        .iter()
        .filter(|a| a.selectable() && keep(a))
        .map(|a| {
            let mut parts = vec![a.name.as_str()];
            let mut up = a.parent_code.as_deref();
            while let Some((name, parent)) = up.and_then(|c| names.get(c)) {
                parts.push(name);
                up = *parent;
            }
            parts.reverse();
            (a.code.clone(), parts.join(" / "))
        })
        .collect()
}

pub(crate) fn category_choices(tr: Tr) -> Vec<(&'static str, &'static str)> {
    xieshang_core::category::DEFAULT
        .iter()
        .map(|c| {
            (
                c.code,
                if tr.lang == Lang::En {
                    c.name_en
                } else {
                    c.name_zh
                },
            )
        })
        .collect()
}

/// What the report page shows besides the form.
#[derive(Default)]
struct ReportExtras {
    errors: Vec<&'static str>,
    similar: Vec<crate::find::SimilarView>,
    had_photos: bool,
}

async fn render_report(
    state: &AppState,
    tr: Tr,
    csrf: String,
    user: Option<(&Actor, &Session)>,
    form: ReportForm,
    extras: ReportExtras,
) -> AppResult<Response> {
    let page = Page::new(tr, user, csrf, &Flash::default());
    let areas = area_choices(state).await?;
    render(ReportTpl {
        page,
        form,
        errors: extras.errors,
        categories: category_choices(tr),
        areas,
        similar: extras.similar,
        had_photos: extras.had_photos,
    })
}

async fn report_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (csrf, set) = auth::page_token(&state, &headers, user.as_ref().map(|(_, s)| s));
    let u = user.as_ref().map(|(a, s)| (a, s));
    let res = render_report(
        &state,
        tr,
        csrf,
        u,
        ReportForm::default(),
        ReportExtras::default(),
    )
    .await?;
    Ok(auth::with_token_cookie(res, set))
}

async fn report(
    State(state): State<AppState>,
    _limit: crate::throttle::IntakeAllowed,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    up: auth::CsrfUpload<ReportForm>,
) -> AppResult<Response> {
    let form = up.form;
    let mut keys: Vec<&'static str> = Vec::new();
    let photos = match crate::work::photos_from(&state, up.files).await? {
        Ok(p) => p,
        Err(k) => {
            keys.push(k);
            Vec::new()
        }
    };
    let u = user.as_ref().map(|(a, s)| (a, s));
    match form.intake() {
        Ok(intake) if keys.is_empty() => {
            // Before filing, show open concerns that look like the same problem,
            // unless the resident has seen them and goes on.
            if form.confirm_new != "1" {
                let text = xieshang_store::search::concern_text(
                    &intake.title,
                    &intake.description,
                    intake.address.as_deref(),
                );
                let similar = crate::find::similar_for_form(&state, &intake.area, &text).await?;
                if !similar.is_empty() {
                    let csrf = auth::form_token(&headers, user.as_ref().map(|(_, s)| s))
                        .unwrap_or_default();
                    let extras = ReportExtras {
                        errors: Vec::new(),
                        had_photos: !photos.is_empty(),
                        similar,
                    };
                    return render_report(&state, tr, csrf, u, form, extras).await;
                }
            }
            match crate::api::file_concern(
                &state,
                &intake,
                "web",
                xieshang_store::item::By::Resident,
                &photos,
            )
            .await?
            {
                Ok(r) => {
                    let to = format!("/track?code={}&key={}&filed=1", r.code, r.key);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(errors) => keys.extend(errors.iter().filter_map(|(_, e)| i18n::known(e.key))),
            }
        }
        Ok(_) => {}
        Err(f) => keys.extend(i18n::known(&format!("err.intake.{f}"))),
    }
    let csrf = auth::form_token(&headers, user.as_ref().map(|(_, s)| s)).unwrap_or_default();
    let extras = ReportExtras {
        errors: keys,
        ..Default::default()
    };
    let mut res = render_report(&state, tr, csrf, u, form, extras).await?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

// ---------------------------------------------------------------- login, logout

#[derive(Template)]
#[template(path = "login.html")]
struct LoginTpl {
    page: Page,
    username: String,
}

async fn login_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    headers: HeaderMap,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let (token, set) = auth::page_token(&state, &headers, None);
    let page = Page::new(tr, None, token, &flash);
    let res = render(LoginTpl {
        page,
        username: String::new(),
    })?;
    Ok(auth::with_token_cookie(res, set))
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

/// Logs a user in. Every failure gets the one answer `login.failed` after the
/// same work (a password check against the account's hash, or a decoy's when
/// there is no such account), whether the name is unknown, the account
/// disabled or locked, or the password wrong, so neither the answer nor its
/// time tells which names exist. Tries are limited per address and per account
/// name before any of that ([`crate::throttle`]).
async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    state.throttles.login(addr, &form.username)?;
    let failed = || Ok(flash::err("/login", "login.failed"));
    let creds = user::credentials(&state.db, &form.username).await?;
    let now = state.db.now_ms();
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    let pw = form.password;
    let ok = state
        .hashing(move || password::verify(hash.as_deref().unwrap_or(password::decoy()), &pw))
        .await?;
    let Some(creds) = creds else {
        return failed();
    };
    if creds.disabled || creds.locked_until.is_some_and(|t| t > now) {
        tracing::info!(
            user.id = creds.id,
            "login refused: account disabled or locked"
        );
        return failed();
    }
    if !ok {
        let locked = user::login_failed(&state.db, creds.id, state.lock_policy()).await?;
        tracing::info!(user.id = creds.id, locked, "login failed");
        return failed();
    }
    user::login_succeeded(&state.db, creds.id).await?;
    let ttl = state.config.session_hours * 3_600_000;
    let token = session::create(&state.db, creds.id, ttl).await?;
    let cookie = auth::set_cookie(&state, &headers, auth::SESSION_COOKIE, &token, ttl / 1000);
    tracing::info!(user.id = creds.id, "login");
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

#[derive(Deserialize)]
struct Empty {}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        session::delete(&state.db, &token).await?;
    }
    let cookie = auth::set_cookie(&state, &headers, auth::SESSION_COOKIE, "", 0);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

// ---------------------------------------------------------------- password

/// Validates a new password and hashes it on the bounded pool; a refused password
/// is a field error for the form.
async fn hash_new_password(
    state: &AppState,
    raw: &str,
) -> AppResult<Result<String, xieshang_store::Error>> {
    let pw = match xieshang_core::values::NewPassword::parse(raw) {
        Ok(p) => p.expose().to_owned(),
        Err(e) => return Ok(Err(xieshang_store::Error::invalid("password", e))),
    };
    let hash = state
        .hashing(move || password::hash(&pw))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Ok(hash))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordTpl {
    page: Page,
    must_change: bool,
    /// The account's email address, where reset links go.
    email: String,
}

async fn password_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let must_change = u.session.must_change_password;
    let email = user::own_email(&state.db, u.actor.user_id)
        .await?
        .unwrap_or_default();
    render(PasswordTpl {
        page: Page::signed_in(tr, &u, &flash),
        must_change,
        email,
    })
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

/// The user sets the email address their reset links go to (empty clears it).
async fn set_email(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> AppResult<Response> {
    let email = match form.email.trim() {
        "" => None,
        e => match xieshang_core::values::Email::parse(e) {
            Ok(e) => Some(e),
            Err(e) => return Ok(flash::err("/password", e.key)),
        },
    };
    user::set_own_email(&state.db, &u.actor, email.as_ref()).await?;
    Ok(flash::ok("/password", "common.saved"))
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    u: CurrentUser,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    if form.new != form.confirm {
        return Ok(flash::err("/password", "password.mismatch"));
    }
    let new = match xieshang_core::values::NewPassword::parse(&form.new) {
        Ok(p) => p,
        Err(e) => return Ok(flash::err("/password", e.key)),
    };
    state.throttles.password(u.actor.user_id)?;
    let hash = user::password_hash(&state.db, u.actor.user_id).await?;
    let current = form.current;
    if !state
        .hashing(move || password::verify(&hash, &current))
        .await?
    {
        // A wrong current password counts as a failed login: whoever holds
        // the session cannot try passwords here past the lock-out rule, and
        // when it locks, every session of the account ends.
        let locked = user::login_failed(&state.db, u.actor.user_id, state.lock_policy()).await?;
        tracing::info!(
            user.id = u.actor.user_id,
            locked,
            "password change: wrong current password"
        );
        if locked {
            user::end_sessions(&state.db, u.actor.user_id).await?;
            let cookie = auth::set_cookie(&state, &headers, auth::SESSION_COOKIE, "", 0);
            return Ok((
                [(header::SET_COOKIE, cookie)],
                flash::err("/login", "login.failed"),
            )
                .into_response());
        }
        return Ok(flash::err("/password", "password.wrong_current"));
    }
    let new_pw = new.expose().to_owned();
    let new_hash = state
        .hashing(move || password::hash(&new_pw))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    user::change_own_password(&state.db, &u.actor, &new_hash).await?;
    // Changing the password ends every session; start a fresh one for this browser.
    let ttl = state.config.session_hours * 3_600_000;
    let token = session::create(&state.db, u.actor.user_id, ttl).await?;
    let cookie = auth::set_cookie(&state, &headers, auth::SESSION_COOKIE, &token, ttl / 1000);
    Ok((
        [(header::SET_COOKIE, cookie)],
        flash::ok("/password", "password.changed"),
    )
        .into_response())
}

// ---------------------------------------------------------------- the owner's reset

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotTpl {
    page: Page,
}

async fn forgot_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    headers: HeaderMap,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let (token, set) = auth::page_token(&state, &headers, None);
    let res = render(ForgotTpl {
        page: Page::new(tr, None, token, &flash),
    })?;
    Ok(auth::with_token_cookie(res, set))
}

#[derive(Deserialize)]
struct ForgotForm {
    username: String,
}

/// Queues a reset link for the account's email, if it has one; the answer is
/// the same whether or not it does, or exists. Limited like logins.
async fn forgot(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> AppResult<Response> {
    state.throttles.login(addr, &form.username)?;
    if form.username.trim().len() <= 64 {
        user::request_reset(&state.db, &form.username).await?;
    }
    Ok(flash::ok("/password/forgot", "reset.sent"))
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetTpl {
    page: Page,
    token: String,
    valid: bool,
}

#[derive(Deserialize)]
struct ResetQuery {
    #[serde(default)]
    token: String,
    err: Option<String>,
}

/// A reset token as it may appear in a link: 32 letters and digits.
fn reset_token(t: &str) -> Option<&str> {
    let t = t.trim();
    (t.len() == 32 && t.chars().all(|c| c.is_ascii_alphanumeric())).then_some(t)
}

async fn reset_page(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    UiLang(tr): UiLang,
    headers: HeaderMap,
    Query(q): Query<ResetQuery>,
) -> AppResult<Response> {
    state.throttles.track(addr)?;
    let token = reset_token(&q.token).unwrap_or_default().to_owned();
    let valid = !token.is_empty() && user::reset_token_valid(&state.db, &token).await?;
    let (csrf, set) = auth::page_token(&state, &headers, None);
    let flash = Flash {
        ok: None,
        err: q.err,
        archived: None,
    };
    let mut res = render(ResetTpl {
        page: Page::new(tr, None, csrf, &flash),
        token,
        valid,
    })?;
    if !valid {
        *res.status_mut() = axum::http::StatusCode::NOT_FOUND;
    }
    Ok(auth::with_token_cookie(res, set))
}

#[derive(Deserialize)]
struct OwnerResetForm {
    token: String,
    new: String,
    confirm: String,
}

/// The owner chooses a new password with the link's token; a lock is lifted.
async fn reset(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<OwnerResetForm>,
) -> AppResult<Response> {
    let Some(token) = reset_token(&form.token) else {
        return Err(AppError::NotFound);
    };
    // Counted per address, and per token as if it were an account name.
    state.throttles.login(addr, token)?;
    let to = format!("/password/reset?token={token}");
    let back = |err: &str| flash::err(&to, err);
    if form.new != form.confirm {
        return Ok(back("password.mismatch"));
    }
    let hash = match hash_new_password(&state, &form.new).await? {
        Ok(h) => h,
        Err(xieshang_store::Error::Invalid { key, .. }) => return Ok(back(key)),
        Err(e) => return Err(e.into()),
    };
    user::reset_with_token(&state.db, token, &hash).await?;
    Ok(flash::ok("/login", "reset.done"))
}

// ---------------------------------------------------------------- organisations

struct NodeView {
    id: i64,
    depth: usize,
    name: String,
    kind: &'static str,
    archived: bool,
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsTpl {
    page: Page,
    nodes: Vec<NodeView>,
}

async fn orgs_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let tree = org::tree(&state.db, &u.actor, flash.archived.as_deref() == Some("1")).await?;
    let nodes = tree
        .into_iter()
        .map(|(depth, o)| NodeView {
            id: o.id,
            depth: depth.min(5),
            kind: kind_label(tr, o.kind),
            archived: o.archived_at.is_some(),
            name: o.name,
        })
        .collect();
    render(OrgsTpl {
        page: Page::signed_in(tr, &u, &flash),
        nodes,
    })
}

struct ParentView {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgTpl {
    page: Page,
    org: org::Org,
    kind: &'static str,
    parent: Option<ParentView>,
    children: Vec<NodeView>,
    can_manage: bool,
    child_kinds: Vec<(&'static str, &'static str)>,
    parents: Vec<(i64, String, bool)>,
}

async fn org_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let o = org::get(&state.db, &u.actor, Permission::OrgView, id).await?;
    let parent = match o.parent_id {
        Some(p) => org::get(&state.db, &u.actor, Permission::OrgView, p)
            .await
            .ok()
            .map(|p| ParentView {
                id: p.id,
                name: p.name,
            }),
        None => None,
    };
    let children = org::children(&state.db, &u.actor, id)
        .await?
        .into_iter()
        .map(|c| NodeView {
            id: c.id,
            depth: 0,
            kind: kind_label(tr, c.kind),
            archived: c.archived_at.is_some(),
            name: c.name,
        })
        .collect();
    let can_manage = u.actor.check(Permission::OrgManage, &o.path).is_ok();
    let (child_kinds, parents) = if can_manage {
        let kinds = o
            .kind
            .allowed_children()
            .iter()
            .map(|k| (k.code(), kind_label(tr, *k)))
            .collect();
        let parents = org::manageable(&state.db, &u.actor)
            .await?
            .into_iter()
            .filter(|p| p.kind.may_hold(o.kind) && !p.path.is_within(&o.path))
            .map(|p| (p.id, p.name, Some(p.id) == o.parent_id))
            .collect();
        (kinds, parents)
    } else {
        (Vec::new(), Vec::new())
    };
    let kind = kind_label(tr, o.kind);
    render(OrgTpl {
        page: Page::signed_in(tr, &u, &flash),
        org: o,
        kind,
        parent,
        children,
        can_manage,
        child_kinds,
        parents,
    })
}

#[derive(Deserialize)]
struct OrgCreateForm {
    kind: String,
    name: String,
    code: String,
}

async fn org_create(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<OrgCreateForm>,
) -> AppResult<Response> {
    let to = format!("/orgs/{id}");
    // Access to the unit was checked by the route before a bad kind is told.
    let Some(kind) = OrgKind::parse(&f.kind) else {
        return flash::refused(
            &to,
            xieshang_store::Error::field("kind", "err.org_kind", "unknown kind"),
        );
    };
    flash::after(
        &to,
        org::create(&state.db, &u.actor, id, kind, &f.code, &f.name)
            .await
            .map(|_| ()),
    )
}

#[derive(Deserialize)]
struct NameForm {
    name: String,
}

async fn org_rename(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<NameForm>,
) -> AppResult<Response> {
    flash::after(
        &format!("/orgs/{id}"),
        org::rename(&state.db, &u.actor, id, &f.name)
            .await
            .map(|_| ()),
    )
}

#[derive(Deserialize)]
struct MoveForm {
    parent_id: i64,
}

async fn org_move(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MoveForm>,
) -> AppResult<Response> {
    flash::after(
        &format!("/orgs/{id}"),
        org::move_to(&state.db, &u.actor, id, f.parent_id)
            .await
            .map(|_| ()),
    )
}

#[derive(Deserialize)]
struct ArchiveForm {
    archived: String,
}

async fn org_archive(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ArchiveForm>,
) -> AppResult<Response> {
    let archived = f.archived == "1";
    flash::after(
        &format!("/orgs/{id}"),
        org::set_archived(&state.db, &u.actor, id, archived)
            .await
            .map(|_| ()),
    )
}

// ---------------------------------------------------------------- accounts

#[derive(Template)]
#[template(path = "users.html")]
struct UsersTpl {
    page: Page,
    users: Vec<user::User>,
    can_manage: bool,
    orgs: Vec<(i64, String)>,
}

async fn manageable_orgs(state: &AppState, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
    if !actor.has_permission(Permission::UserManage) {
        return Ok(Vec::new());
    }
    Ok(org::manageable(&state.db, actor)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

async fn users_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let users = user::list(&state.db, &u.actor).await?;
    let can_manage = u.actor.has_permission(Permission::UserManage);
    let orgs = manageable_orgs(&state, &u.actor).await?;
    render(UsersTpl {
        page: Page::signed_in(tr, &u, &flash),
        users,
        can_manage,
        orgs,
    })
}

#[derive(Deserialize)]
struct UserCreateForm {
    username: String,
    display_name: String,
    home_org_id: i64,
    password: String,
}

async fn user_create(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<UserCreateForm>,
) -> AppResult<Response> {
    let hash = match hash_new_password(&state, &f.password).await? {
        Ok(h) => h,
        Err(e) => return flash::refused("/users", e),
    };
    match user::create(
        &state.db,
        &u.actor,
        &f.username,
        &f.display_name,
        &hash,
        f.home_org_id,
    )
    .await
    {
        Ok(id) => Ok(flash::ok(&format!("/users/{id}"), "common.saved")),
        Err(e) => flash::refused("/users", e),
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserTpl {
    page: Page,
    user: user::User,
    grants: Vec<(i64, &'static str, String)>,
    can_manage: bool,
    roles: Vec<(&'static str, &'static str)>,
    orgs: Vec<(i64, String)>,
}

async fn user_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let target = user::get(&state.db, &u.actor, Permission::UserView, id).await?;
    let grants = user::grants(&state.db, &u.actor, id)
        .await?
        .into_iter()
        .map(|g| (g.id, role_label(tr, g.role), g.org_name))
        .collect();
    let can_manage = u
        .actor
        .check(Permission::UserManage, &target.home_org_path)
        .is_ok();
    // The roles some grant of the user's may give (the store decides per unit).
    let roles = Role::ALL
        .into_iter()
        .filter(|r| u.actor.grants.iter().any(|g| g.role.may_grant(*r)))
        .map(|r| (r.code(), role_label(tr, r)))
        .collect();
    let orgs = manageable_orgs(&state, &u.actor).await?;
    render(UserTpl {
        page: Page::signed_in(tr, &u, &flash),
        user: target,
        grants,
        can_manage,
        roles,
        orgs,
    })
}

#[derive(Deserialize)]
struct GrantForm {
    role: String,
    org_id: i64,
}

async fn user_grant(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<GrantForm>,
) -> AppResult<Response> {
    let Some(role) = Role::parse(&f.role) else {
        return Err(AppError::BadRequest("unknown role".into()));
    };
    flash::after(
        &format!("/users/{id}"),
        user::grant(&state.db, &u.actor, id, role, f.org_id)
            .await
            .map(|_| ()),
    )
}

async fn user_revoke(
    State(state): State<AppState>,
    u: CurrentUser,
    Path((id, grant)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    flash::after(
        &format!("/users/{id}"),
        user::revoke(&state.db, &u.actor, id, grant).await,
    )
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

async fn user_reset(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    let hash = match hash_new_password(&state, &f.password).await? {
        Ok(h) => h,
        Err(e) => return flash::refused(&format!("/users/{id}"), e),
    };
    flash::after(
        &format!("/users/{id}"),
        user::reset_password(&state.db, &u.actor, id, &hash).await,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_in_china_standard_time() {
        assert_eq!(super::format_time(0), "1970-01-01 08:00");
        // 2026-02-14 23:59:30 UTC is the next morning in Beijing.
        assert_eq!(super::format_time(1_771_113_570_000), "2026-02-15 07:59");
    }
}
