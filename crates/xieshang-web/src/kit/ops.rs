//! Operations: security headers, request metrics, health, readiness, Prometheus.
//! The metrics themselves and who may read them are in `kit::metrics`; the
//! static files in `kit::assets`.

use crate::kit::metrics::{method_label, RequestLabels};
use crate::kit::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::metrics::counter::Counter;
use std::net::SocketAddr;
use std::time::Instant;

/// Counts and times every request by its route pattern (never the raw path).
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: res.status().as_u16(),
        })
        .inc();
    state.metrics.latency.observe(start.elapsed().as_secs_f64());
    res
}

/// The Content-Security-Policy: no inline script or style, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `Strict-Transport-Security` when the site is served over https (one year; no
/// `preload`, which only the operator can decide to ask browsers for).
pub const HSTS: &str = "max-age=31536000";

/// Adds the security headers to every response; HSTS only when `secure_cookies`
/// says the site is served over https (over plain http it would be ignored, or
/// lock a local setup out).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Prometheus text format, to those `MetricsAccess` lets in.
pub async fn metrics(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
) -> Response {
    let peer = peer.map(|p| p.0 .0.ip());
    if let Err(status) = state.config.metrics_access.check(peer, &headers) {
        tracing::info!(?peer, %status, "/metrics refused");
        return status.into_response();
    }
    match xieshang_store::jobs::due_count(&state.db).await {
        Ok(n) => {
            state.metrics.jobs_due.set(n);
        }
        Err(e) => tracing::warn!(error = %e, "could not count due jobs for /metrics"),
    }
    match xieshang_store::jobs::given_up_count(&state.db).await {
        Ok(n) => {
            state.metrics.jobs_given_up.set(n);
        }
        Err(e) => tracing::warn!(error = %e, "could not count jobs given up for /metrics"),
    }
    // The store counts; the counters catch up with it at each scrape.
    let catch_up = |c: &Counter, now: u64| {
        c.inc_by(now.saturating_sub(c.get()));
    };
    catch_up(
        &state.metrics.status_statements,
        xieshang_store::concern::status_statements(&state.db),
    );
    catch_up(
        &state.metrics.status_reads,
        xieshang_store::concern::status_reads(&state.db),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
