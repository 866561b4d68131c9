//! The route registry. Every route is added here with what it needs, so the
//! isolation matrix test can walk all of them; a route cannot be added without
//! declaring its access.
//!
//! The declared access is also enforced here, by a layer on each route that
//! runs before its handler ([`guard`]): `Public` passes; `SignedIn` needs a
//! session (or is sent to the login page); `Needs(permission, target)` loads
//! the record `{id}` names through the store's own getter, which answers 404
//! for a record outside the actor's scope (as for one that does not exist)
//! and 403 for one in scope without the right. Handlers do not repeat it
//! (the store's functions they call still ask the actor: that is the store's
//! own contract, not a second route check). `Key(scope)` routes are for
//! machine clients: the layer verifies the API key and hands it to the
//! handler. Refusals on `/api/` paths are JSON, elsewhere pages.

use crate::kit::auth::CurrentUser;
use crate::kit::error::AppError;
use crate::kit::state::AppState;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use std::sync::Arc;
use xieshang_core::{Actor, Permission};
use xieshang_store::account::apikey::Scope;

/// What kind of record a route's `{id}` names, for the isolation matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// No record in the path.
    None,
    /// `{id}` is an organisation unit.
    Org,
    /// `{id}` is an account.
    User,
    /// `{id}` is a concern.
    Concern,
    /// `{id}` is a member studio.
    Studio,
    /// `{id}` is a member on a roster.
    Member,
    /// `{id}` is a consultation.
    Consultation,
    /// `{id}` is a room.
    Room,
    /// `{id}` is a proposal.
    Proposal,
    /// `{id}` is a unit whose service page those who view concerns over it
    /// see, and also the people who serve it (its paired members and grid
    /// workers).
    Area,
    /// `{id}` is a row of the audit log (its unit decides who reads it).
    AuditEntry,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, no account.
    Public,
    /// Any signed-in user (their own things only).
    SignedIn,
    /// A user holding the permission over the target's unit.
    Needs(Permission, Target),
    /// A machine client whose API key (`X-Api-Key` or `Authorization:
    /// Bearer`) carries the scope; reads no cookies.
    Key(Scope),
}

/// One registered route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: &'static str,
    /// Path pattern, such as `/orgs/{id}`.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

impl RouteSpec {
    /// Whether the route answers people with an HTML page: a GET that is not
    /// a machine interface (API, Open311, open data), a file (exports, photos,
    /// a consultation's materials, static assets,
    /// `.csv`/`.ics`/`.png`/`.xlsx`/`.json`), the language
    /// switch or an operations endpoint. The walks over every page (the
    /// accessibility check, the page weight) take their list from here, so a
    /// new page joins them by construction.
    pub fn is_page(&self) -> bool {
        const NOT_PAGES: [&str; 8] = [
            "/api/",
            "/outcomes/export",
            "/open311/",
            "/open-data/",
            "/exports/",
            "/static/",
            "/photos/",
            "/lang/",
        ];
        const FILES: [&str; 6] = [".csv", ".ics", ".png", ".xlsx", ".json", ".pdf"];
        self.method == "GET"
            && !matches!(self.access, Access::Key(_))
            && !NOT_PAGES.iter().any(|p| self.path.starts_with(p))
            && !matches!(self.path, "/metrics" | "/healthz" | "/readyz")
            && !FILES.iter().any(|e| self.path.ends_with(e))
            && !self.path.contains("/materials/")
    }
}

/// Collects routes and their specs together.
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
    /// For the access layer of each route.
    state: AppState,
}

impl Routes {
    /// No routes yet; `state` is what their access checks read.
    pub fn new(state: AppState) -> Routes {
        Routes {
            router: Router::new(),
            specs: Vec::new(),
            state,
        }
    }

    /// Adds a GET route.
    pub fn get(
        self,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.add("GET", path, access, handler)
    }

    /// Adds a POST route (its handler must take a `CsrfForm`).
    pub fn post(
        self,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.add("POST", path, access, handler)
    }

    /// Adds a public JSON POST route that reads no cookies (so needs no CSRF token).
    pub fn api_post(self, path: &'static str, handler: MethodRouter<AppState>) -> Routes {
        self.add("POST", path, Access::Public, handler)
    }

    /// Adds a JSON POST route for machine clients whose key carries `scope`
    /// (it reads no cookies, so needs no CSRF token).
    pub fn key_post(
        self,
        path: &'static str,
        scope: Scope,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.add("POST", path, Access::Key(scope), handler)
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.specs.push(RouteSpec {
            method,
            path,
            access,
        });
        let handler = match access {
            Access::Public => handler,
            access => handler.layer(axum::middleware::from_fn_with_state(
                Arc::new((self.state.clone(), access)),
                guard,
            )),
        };
        self.router = self.router.route(path, handler);
        self
    }

    /// The router and the specs.
    pub fn finish(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

/// Checks a route's declared access before its handler runs. The actor is
/// found as the handlers find it ([`CurrentUser`]: no session sends a browser
/// to the login page, a temporary password to the password page).
async fn guard(
    State(guarded): State<Arc<(AppState, Access)>>,
    req: Request,
    next: Next,
) -> Response {
    // Behind one `Arc`: axum hands the state to every request by cloning it,
    // and the application state is a dozen reference counts.
    let (state, access) = (&guarded.0, guarded.1);
    // The JSON API is answered in JSON, pages as pages.
    let json = matches!(access, Access::Key(_)) || req.uri().path().starts_with("/api/");
    match admit(state, access, req).await {
        Ok(req) => next.run(req).await,
        Err(e) if json => e.into_json(),
        Err(e) => e.into_response(),
    }
}

async fn admit(state: &AppState, access: Access, req: Request) -> Result<Request, AppError> {
    let (mut parts, body) = req.into_parts();
    if let Access::Key(scope) = access {
        let key = crate::kit::auth::api_key(state, &parts.headers, scope).await?;
        parts.extensions.insert(key);
        return Ok(Request::from_parts(parts, body));
    }
    let user = CurrentUser::from_request_parts(&mut parts, state).await?;
    if let Access::Needs(permission, target) = access {
        let id = RawPathParams::from_request_parts(&mut parts, state)
            .await
            .ok()
            .and_then(|p| {
                p.iter()
                    .find(|(k, _)| *k == "id")
                    .map(|(_, v)| v.parse::<i64>())
            });
        match (target, id) {
            (Target::None, _) => user.actor.require(permission)?,
            (_, Some(Ok(id))) => check(state, &user.actor, permission, target, id).await?,
            // An id that is not a number names no record: 400, as the
            // handler's `Path` would answer (refused here, so that no
            // handler ever runs unchecked).
            (_, Some(Err(_))) => return Err(AppError::BadRequest("the id is not a number".into())),
            (_, None) => {
                return Err(AppError::Internal(format!(
                    "a route guarded by {target:?} has no {{id}}"
                )))
            }
        }
    }
    parts.extensions.insert(user);
    Ok(Request::from_parts(parts, body))
}

/// The permission over the record `id` of the target's kind, decided by the
/// store's getter of that kind (concerns are seen through assignments and
/// following too).
async fn check(
    state: &AppState,
    actor: &Actor,
    permission: Permission,
    target: Target,
    id: i64,
) -> Result<(), AppError> {
    use xieshang_store::{
        account::user, audit, concern, consult, duty::studio, org, proposal, roster, search::area,
    };
    let db = &state.db;
    match target {
        Target::None => actor.require(permission)?,
        Target::Org => drop(org::get(db, actor, permission, id).await?),
        Target::User => drop(user::get(db, actor, permission, id).await?),
        Target::Concern => drop(concern::get(db, actor, permission, id).await?),
        Target::Studio => drop(studio::get(db, actor, permission, id).await?),
        Target::Member => drop(roster::get(db, actor, permission, id).await?),
        Target::Consultation => drop(consult::get(db, actor, permission, id).await?),
        Target::Room => drop(consult::room::get(db, actor, permission, id).await?),
        Target::Proposal => drop(proposal::get(db, actor, permission, id).await?),
        // Seeing concerns over the unit, or serving it.
        Target::Area => area::check(db, actor, id).await?,
        Target::AuditEntry => drop(audit::view::get(db, actor, permission, id).await?),
    }
    Ok(())
}
