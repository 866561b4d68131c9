//! The HTTP layer of Xieshang: server-rendered pages (askama), authentication,
//! sessions, CSRF, security headers, i18n, health and metrics.
//!
//! Handlers never hold SQL: they call the store, which asks the actor. Every route
//! is declared through [`routes::Routes`], which records what each one needs and
//! checks it before the handler runs, so handlers do not repeat it and the
//! isolation matrix in the tests covers new routes by construction. Every
//! failure is one [`error::AppError`]: a page for browsers, JSON for the API.

pub mod api;
pub mod auth;
pub mod duty;
pub mod error;
pub mod exports;
pub mod find;
mod flash;
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
    let routes = pages::register(routes::Routes::new(state.clone()));
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
