//! Accounts' pages: the home page and language, login and logout, one's own
//! password and email, the owner's reset by emailed link, and account administration.

use crate::kit::auth::{self, CsrfForm, CurrentUser, MaybeUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash;
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Lang};
use crate::kit::page::{render, role_label, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use crate::kit::throttle::ClientAddr;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::{Actor, Permission, Role};
use xieshang_store::{account::password, account::session, account::user, org};

/// The home page, the language switch, signing in and out, passwords and accounts.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/", Public, get(home))
        .get("/lang/{code}", Public, get(set_lang))
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

// ---------------------------------------------------------------- home, language

#[derive(Template)]
#[template(path = "account/home.html")]
struct HomeTpl {
    page: Page,
    roles: Vec<String>,
    /// What needs doing, for a signed-in user: (label key, count, link).
    today: Vec<(&'static str, i64, &'static str)>,
    /// For roles whose work has no pages yet: what they will do here.
    later: Vec<&'static str>,
    /// Whether the user is a member (their shifts are shown).
    is_member: bool,
    /// A member's coming shifts: (day, studio), the next few.
    shifts: Vec<(String, String)>,
}

/// How many coming shifts a member's home lists.
const HOME_SHIFTS: usize = 5;

/// What needs doing now for the user's roles, each with a count and the page
/// where it is done (issue 26: a home for each role). Counts come from the
/// kept tallies (staff, leaders) and the user's own queue; no role is given
/// a link it may not follow.
async fn today(
    state: &AppState,
    actor: &Actor,
) -> AppResult<(Vec<(&'static str, i64, &'static str)>, Vec<&'static str>)> {
    use xieshang_store::concern::{self, handling};
    let mut out = Vec::new();
    let mut later = Vec::new();
    if actor.has_permission(Permission::ConcernView) {
        let s = concern::stats::stats(&state.db, actor).await?;
        let n = |k: &str| {
            s.by_state
                .iter()
                .find(|(st, _)| st == k)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        if actor.has_permission(Permission::ConcernTriage) {
            out.push(("today.new", n("submitted"), "/concerns?state=submitted"));
            out.push(("today.reopened", n("reopened"), "/concerns?state=reopened"));
            out.push(("today.resolved", n("resolved"), "/concerns?state=resolved"));
        }
        out.push(("today.overdue", s.overdue, "/concerns?filter=overdue"));
        if actor.has_permission(Permission::ConcernSupervise) {
            out.push(("today.escalated", s.escalated, "/concerns?filter=escalated"));
        }
    }
    let mine = handling::my_work(&state.db, actor).await?;
    if actor.has_permission(Permission::ConcernHandle) {
        let week = state.db.now_ms() + 7 * 86_400_000;
        let assigned = mine
            .iter()
            .filter(|(_, w)| matches!(w, handling::Why::Department { .. }))
            .count() as i64;
        let due = mine
            .iter()
            .filter(|(c, w)| {
                matches!(w, handling::Why::Department { .. })
                    && c.deadline_at.is_some_and(|d| d <= week)
            })
            .count() as i64;
        out.push(("today.assigned", assigned, "/my"));
        out.push(("today.due_week", due, "/my"));
    }
    if actor.has_role(Role::Member) {
        let followed = mine
            .iter()
            .filter(|(_, w)| *w == handling::Why::Paired)
            .count() as i64;
        out.push(("today.followed", followed, "/my"));
    }
    if actor.has_permission(Permission::ConcernRecord)
        && !actor.has_permission(Permission::ConcernTriage)
    {
        let recorded = concern::recorded_by(&state.db, actor.user_id, 500).await?;
        let open = recorded
            .iter()
            .filter(|c| !xieshang_core::item::CONCERN.is_closed_code(&c.state))
            .count() as i64;
        out.push(("today.recorded_open", open, "/my"));
    }
    proposals_today(state, actor, &mut out).await?;
    reports_today(state, actor, &mut out).await?;
    crate::supervision::today(state, actor, &mut out).await?;
    crate::practice::today(state, actor, &mut out).await?;
    for (role, key) in [
        (Role::Teacher, "later.teacher"),
        (Role::Student, "later.student"),
    ] {
        if actor.has_role(role) {
            later.push(key);
        }
    }
    Ok((out, later))
}

/// What waits in proposals (issue 29): the committee's filed proposals,
/// a member's co-signatures to answer and drafts, a body's sessions for
/// whoever keeps them.
async fn proposals_today(
    state: &AppState,
    actor: &Actor,
    out: &mut Vec<(&'static str, i64, &'static str)>,
) -> AppResult<()> {
    use xieshang_core::item::State as ItemState;
    use xieshang_store::proposal::{self, key, settings};
    let db = &state.db;
    if actor.has_permission(Permission::ProposalReview) {
        let filed =
            proposal::in_state(db, actor, Permission::ProposalReview, ItemState::Submitted).await?;
        out.push((
            "proposal.today.to_review",
            filed.len() as i64,
            "/proposals/review",
        ));
    }
    if actor.has_permission(Permission::ProposalDraft) {
        let mine = proposal::mine(db, actor).await?;
        let drafts = mine
            .written
            .iter()
            .filter(|p| p.state == ItemState::Draft.as_str())
            .count() as i64;
        out.push((
            "proposal.today.to_sign",
            mine.to_sign.len() as i64,
            "/proposals/mine",
        ));
        out.push(("proposal.today.drafts", drafts, "/proposals/mine"));
    }
    if actor.has_permission(Permission::ProposalHandle) {
        let assigned = xieshang_store::proposal::assign::queue(db, actor).await?;
        out.push((
            "proposal.today.assigned",
            assigned.len() as i64,
            "/proposals/assigned",
        ));
    }
    if actor.has_permission(Permission::ProposalSupervise) {
        let ballots = key::ballots(db, actor, Permission::ProposalSupervise).await?;
        let now = db.now_ms();
        let open = ballots
            .iter()
            .filter(|b| b.closed_at.is_none() && b.closes_at > now)
            .count() as i64;
        out.push(("proposal.today.ballots", open, "/proposals/ballot"));
        let supervised = key::supervised(db, actor).await?.len() as i64;
        out.push((
            "proposal.today.supervised",
            supervised,
            "/proposals/supervised",
        ));
    }
    if actor.has_permission(Permission::ProposalReview) {
        let open = key::ballots(db, actor, Permission::ProposalReview)
            .await?
            .iter()
            .filter(|b| b.closed_at.is_none())
            .count() as i64;
        out.push(("proposal.today.key_ballots", open, "/proposals/ballots"));
    }
    if actor.has_permission(Permission::ProposalManage) {
        let mut sessions = 0;
        for b in settings::bodies(db, actor, Permission::ProposalManage).await? {
            sessions += settings::sessions(db, b.id).await?.len() as i64;
        }
        out.push(("proposal.today.sessions", sessions, "/proposal-settings"));
    }
    Ok(())
}

/// What waits in opinion reports and study (issue 30): the office's queue
/// and the materials it published for staff; for whoever submits reports
/// (members, invited informants), the receptions and concerns marked as
/// reports and not yet written up. Members have all of theirs on `/today`.
async fn reports_today(
    state: &AppState,
    actor: &Actor,
    out: &mut Vec<(&'static str, i64, &'static str)>,
) -> AppResult<()> {
    let db = &state.db;
    if actor.has_permission(Permission::ReportEdit) {
        let waiting = xieshang_store::report::waiting(db, actor).await?;
        out.push(("report.today.queue", waiting, "/reports/queue"));
    }
    if actor.has_permission(Permission::StudyManage) {
        let due = xieshang_store::study::published_open(db, actor).await?;
        out.push(("study.today.published", due, "/study"));
    }
    if actor.has_permission(Permission::ReportSubmit) && !actor.has_role(Role::Member) {
        let links = xieshang_store::report::open_links(db, actor).await?;
        out.push(("report.today.to_write", links.len() as i64, "/reports/mine"));
    }
    Ok(())
}

async fn home(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (today, later) = match &user {
        Some((a, _)) => today(&state, a).await?,
        None => (Vec::new(), Vec::new()),
    };
    let shifts = match &user {
        Some((a, _)) if a.has_role(Role::Member) => {
            let from = xieshang_core::calendar::cst_date(state.db.now_ms())
                .format("%Y-%m-%d")
                .to_string();
            xieshang_store::duty::studio::my_shifts(&state.db, a.user_id, &from)
                .await?
                .into_iter()
                .take(HOME_SHIFTS)
                .map(|(shift, studio)| (shift.day, studio))
                .collect()
        }
        _ => Vec::new(),
    };
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
    render(HomeTpl {
        page,
        roles,
        today,
        later,
        is_member: user.as_ref().is_some_and(|(a, _)| a.has_role(Role::Member)),
        shifts,
    })
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

// ---------------------------------------------------------------- login, logout

#[derive(Template)]
#[template(path = "account/login.html")]
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
    // After a refused login the name typed comes back (a short-lived cookie,
    // so the refusal's answer stays one and the same redirect), read once.
    let kept = auth::cookie(&headers, LOGIN_NAME_COOKIE)
        .and_then(|v| hex::decode(v).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|_| flash.err.is_some())
        .unwrap_or_default();
    let page = Page::new(tr, None, token, &flash);
    let mut res = render(LoginTpl {
        page,
        username: kept.clone(),
    })?;
    if !kept.is_empty() {
        let clear = auth::set_cookie(&state, &headers, LOGIN_NAME_COOKIE, "", 0);
        if let Ok(v) = header::HeaderValue::from_str(&clear) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(auth::with_token_cookie(res, set))
}

/// The cookie that carries the name typed into a refused login back to the
/// form (hex, for a few minutes).
const LOGIN_NAME_COOKIE: &str = "xs_login_name";

/// A refused login: back to the form with the one message, the name kept.
fn login_refused(state: &AppState, headers: &HeaderMap, username: &str) -> Response {
    let mut res = flash::err("/login", "login.failed");
    let name = username.trim();
    if !name.is_empty() && name.len() <= 100 {
        let cookie = auth::set_cookie(state, headers, LOGIN_NAME_COOKIE, &hex::encode(name), 300);
        if let Ok(v) = header::HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
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
/// name before any of that ([`crate::kit::throttle`]).
async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    state.throttles.login(addr, &form.username)?;
    let username = form.username.clone();
    let failed = || Ok(login_refused(&state, &headers, &username));
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
    // A member lands on their phone home (履职通, issue 30 point 6): what
    // waits for them today and this week; everyone else on the home page.
    let home = if user::actor(&state.db, creds.id)
        .await?
        .has_role(Role::Member)
    {
        "/today"
    } else {
        "/"
    };
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(home)).into_response())
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
#[template(path = "account/password.html")]
struct PasswordTpl {
    page: Page,
    must_change: bool,
    /// The account's email address, where reset links go (as typed when
    /// the email form was refused).
    email: String,
    errors: FieldErrors,
}

async fn password_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    password_view(&state, tr, &u, &flash, None, FieldErrors::new()).await
}

/// The password page; `email` is the email form's field as typed when it
/// was refused. Passwords are never written back into the page: a refused
/// change comes back with the wrong box marked and the boxes empty.
async fn password_view(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    flash: &Flash,
    email: Option<String>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let must_change = u.session.must_change_password;
    let email = match email {
        Some(e) => e,
        None => user::own_email(&state.db, u.actor.user_id)
            .await?
            .unwrap_or_default(),
    };
    let mut res = render(PasswordTpl {
        page: Page::signed_in(tr, u, flash),
        must_change,
        email,
        errors,
    })?;
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// One wrong field of a form, as [`FieldErrors`].
fn one_error(field: &'static str, key: &'static str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.add(field, i18n::known(key).unwrap_or("err.bad_input"));
    errors
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

/// The user sets the email address their reset links go to (empty clears it).
async fn set_email(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> AppResult<Response> {
    let email = match form.email.trim() {
        "" => None,
        e => match xieshang_core::values::Email::parse(e) {
            Ok(e) => Some(e),
            Err(e) => {
                let errors = one_error("email", e.key);
                let flash = Flash::default();
                return password_view(&state, tr, &u, &flash, Some(form.email), errors).await;
            }
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
    UiLang(tr): UiLang,
    u: CurrentUser,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let flash = Flash::default();
    if form.new != form.confirm {
        let errors = one_error("confirm", "password.mismatch");
        return password_view(&state, tr, &u, &flash, None, errors).await;
    }
    let new = match xieshang_core::values::NewPassword::parse(&form.new) {
        Ok(p) => p,
        Err(e) => {
            let errors = one_error("new", e.key);
            return password_view(&state, tr, &u, &flash, None, errors).await;
        }
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
        let errors = one_error("current", "password.wrong_current");
        return password_view(&state, tr, &u, &flash, None, errors).await;
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
#[template(path = "account/password_forgot.html")]
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
#[template(path = "account/password_reset.html")]
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

// ---------------------------------------------------------------- accounts

#[derive(Template)]
#[template(path = "account/users.html")]
struct UsersTpl {
    page: Page,
    users: Vec<user::User>,
    can_manage: bool,
    orgs: Vec<(i64, String)>,
    /// A refused new account's fields as typed (the password is not written back).
    form: UserCreateForm,
    errors: FieldErrors,
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
    let form = UserCreateForm::default();
    users_view(&state, tr, &u, &flash, form, FieldErrors::new()).await
}

async fn users_view(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    flash: &Flash,
    form: UserCreateForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let users = user::list(&state.db, &u.actor).await?;
    let can_manage = u.actor.has_permission(Permission::UserManage);
    let orgs = manageable_orgs(state, &u.actor).await?;
    render(UsersTpl {
        page: Page::signed_in(tr, u, flash),
        users,
        can_manage,
        orgs,
        form,
        errors,
    })
}

#[derive(Deserialize, Default)]
struct UserCreateForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    home_org_id: i64,
    #[serde(default)]
    password: String,
}

async fn user_create(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<UserCreateForm>,
) -> AppResult<Response> {
    let created = match hash_new_password(&state, &f.password).await? {
        Ok(hash) => {
            user::create(
                &state.db,
                &u.actor,
                &f.username,
                &f.display_name,
                &hash,
                f.home_org_id,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => Ok(flash::ok(&format!("/users/{id}"), "common.saved")),
        Err(e) => match FieldErrors::refused(&e) {
            Some(errors) => users_view(&state, tr, &u, &Flash::default(), f, errors).await,
            None => Err(e.into()),
        },
    }
}

#[derive(Template)]
#[template(path = "account/user.html")]
struct UserTpl {
    page: Page,
    user: user::User,
    grants: Vec<(i64, &'static str, String)>,
    can_manage: bool,
    roles: Vec<(&'static str, &'static str)>,
    orgs: Vec<(i64, String)>,
    /// A refused grant's choices as made (empty when none was refused).
    form: GrantForm,
    errors: FieldErrors,
}

async fn user_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    user_view(
        &state,
        tr,
        &u,
        id,
        &flash,
        GrantForm::default(),
        FieldErrors::new(),
    )
    .await
}

/// An account's page, with a refused form's choices and their errors (the
/// reset form's password is not written back).
async fn user_view(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    form: GrantForm,
    errors: FieldErrors,
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
    let orgs = manageable_orgs(state, &u.actor).await?;
    render(UserTpl {
        page: Page::signed_in(tr, u, flash),
        user: target,
        grants,
        can_manage,
        roles,
        orgs,
        form,
        errors,
    })
}

/// Back to the account's page with "saved", or the page again with the
/// grant's choices kept and the refused field marked (`id` maps the store's
/// field to the element that shows it).
async fn after_user_form<T>(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    form: GrantForm,
    result: Result<T, xieshang_store::Error>,
    field_id: impl Fn(&str) -> &'static str,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(flash::ok(&format!("/users/{id}"), "common.saved")),
        Err(e) => match FieldErrors::refused_as(&e, field_id) {
            Some(errors) => user_view(state, tr, u, id, &Flash::default(), form, errors).await,
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize, Default)]
struct GrantForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    org_id: i64,
}

async fn user_grant(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<GrantForm>,
) -> AppResult<Response> {
    let result = match Role::parse(&f.role) {
        Some(role) => user::grant(&state.db, &u.actor, id, role, f.org_id).await,
        None => Err(xieshang_store::Error::field(
            "role",
            "err.bad_input",
            "unknown role",
        )),
    };
    let field_id = |f: &str| if f == "org_id" { "org_id" } else { "role" };
    after_user_form(&state, tr, &u, id, f, result, field_id).await
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
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    let result = match hash_new_password(&state, &f.password).await? {
        Ok(hash) => user::reset_password(&state.db, &u.actor, id, &hash).await,
        Err(e) => Err(e),
    };
    let form = GrantForm::default();
    after_user_form(&state, tr, &u, id, form, result, |_| "new-password").await
}
