//! The HTTP layer of Xieshang: server-rendered pages (askama), authentication,
//! sessions, CSRF, security headers, i18n, health and metrics.
//!
//! Handlers never hold SQL: they call the store, which asks the actor. Every route
//! is declared through [`routes::Routes`], which records what each one needs and
//! checks it before the handler runs, so handlers do not repeat it and the
//! isolation matrix in the tests covers new routes by construction. Every
//! failure is one [`error::AppError`]: a page for browsers, JSON for the API.

// The router root is `app` below; `kit` is what features share; each feature is
// a folder with its own `routes()` (same names as the store's and core's).
pub mod kit;

pub mod account;
pub mod api;
// h-audit begin
pub mod audit;
// h-audit end
pub mod city;
pub mod concern;
pub mod consult;
pub mod duty;
pub mod jobs;
pub mod org;
pub mod party;
pub mod practice;
pub mod proposal;
pub mod report;
pub mod roster;
pub mod search;
pub mod study;
pub mod supervision;
#[doc(hidden)]
pub mod testing;
pub mod today;

pub use kit::routes::{Access, RouteSpec, Target};
pub use kit::state::{AppState, WebConfig};

use axum::Router;

/// The application router and the list of its routes.
pub fn app(state: AppState) -> (Router, Vec<RouteSpec>) {
    let r = kit::routes(kit::routes::Routes::new(state.clone()));
    let r = account::routes(r);
    let r = org::routes(r);
    let r = concern::routes(r);
    let r = api::routes(r);
    let r = search::routes(r);
    let r = duty::routes(r);
    let r = jobs::routes(r);
    let r = consult::routes(r);
    let r = proposal::routes(r);
    let r = report::routes(r);
    let r = practice::routes(r);
    let r = study::routes(r);
    let r = supervision::routes(r);
    let r = party::routes(r);
    let r = today::routes(r);
    let r = city::routes(r);
    // h-audit begin
    let r = audit::routes(r);
    // h-audit end
    let routes = roster::routes(r);
    let (router, specs) = routes.finish();
    let router = router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kit::error_page::framed,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kit::ops::observe,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            kit::ops::security_headers,
        ))
        // gzip for clients that accept it (tower-http's default predicate leaves
        // out images, which are compressed already, and bodies under 32 bytes).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state);
    (router, specs)
}

/// Serves on a bound listener until `shutdown` completes, finishing requests in
/// flight. Connections are served by hyper directly rather than `axum::serve`,
/// which sets no timer: without one, a client that sends half its headers holds
/// its connection forever. Each request carries axum's `ConnectInfo` with the
/// peer's address.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let header_read_timeout = state.config.header_read_timeout;
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
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        // The peer's address reaches handlers: rate limits count by it, and
        // `/metrics` may be restricted by it.
        let service = hyper::service::service_fn(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                router.clone().oneshot(req.map(axum::body::Body::new))
            },
        );
        let conn = http.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    housekeeping.abort();
    graceful.shutdown().await;
    Ok(())
}
