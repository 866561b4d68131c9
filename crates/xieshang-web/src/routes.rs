//! The route registry. Every route is added here with what it needs, so the
//! isolation matrix test can walk all of them; a route cannot be added without
//! declaring its access.

use crate::state::AppState;
use axum::routing::MethodRouter;
use axum::Router;
use xieshang_core::Permission;

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

/// Collects routes and their specs together.
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            specs: Vec::new(),
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
        self.router = self.router.route(path, handler);
        self
    }

    /// The router and the specs.
    pub fn finish(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}
