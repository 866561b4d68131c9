//! The HTTP layer of Xieshang: server-rendered pages (askama), authentication,
//! sessions, CSRF, security headers, i18n, health and metrics.
//!
//! Handlers never hold SQL: they call the store, which asks the actor. Every route
//! is declared through [`routes::Routes`], which records what each one needs, so
//! the isolation matrix in the tests covers new routes by construction.

pub mod api;
pub mod auth;
pub mod duty;
pub mod error;
pub mod exports;
pub mod find;
pub mod i18n;
pub mod open311;
pub mod ops;
pub mod pages;
pub mod roster;
pub mod routes;
pub mod state;
pub mod throttle;
pub mod work;

pub use routes::{Access, RouteSpec, Target};
pub use state::{AppState, WebConfig};

use axum::Router;

/// The application router and the list of its routes.
pub fn app(state: AppState) -> (Router, Vec<RouteSpec>) {
    let routes = pages::register(routes::Routes::new());
    let (router, specs) = routes.finish();
    let router = router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::observe,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::security_headers,
        ))
        .with_state(state);
    (router, specs)
}

/// Serves on a bound listener until `shutdown` completes, finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (router, _) = app(state.clone());
    // Full buckets are dropped each minute, so idle clients take no memory.
    let throttles = state.throttles.clone();
    let housekeeping = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            throttles.forget_idle();
        }
    });
    // The peer's address reaches handlers: rate limits count by it, and
    // `/metrics` may be restricted by it.
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    housekeeping.abort();
    served
}
