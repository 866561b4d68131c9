//! Operations: security headers, request metrics, health, readiness, Prometheus.
//! Every metric label comes from a closed set (a known method or "other", the
//! route's pattern or "unmatched", the status the server answered), so no
//! request can add label values; `/metrics` may be restricted to addresses
//! and a bearer token ([`MetricsAccess`]).

use crate::kit::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

/// Labels of the request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// The method as a label: the standard ones, every other as "other" (a
/// method is any token of any length, chosen by the client).
fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::PATCH, "PATCH"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(k, _)| k == m)
        .map_or("other", |(_, label)| label)
}

/// Who may read `/metrics`: anyone (the default), or only peers in `allow`
/// and/or requests carrying `Authorization: Bearer <token>`; each restriction
/// that is set must hold. The address is the TCP peer's: behind a reverse
/// proxy it is the proxy's, so use the token there.
#[derive(Debug, Clone, Default)]
pub struct MetricsAccess {
    /// Peer addresses allowed; empty means any.
    pub allow: xieshang_store::net::Ranges,
    /// The bearer token required, if any.
    pub token: Option<String>,
}

impl MetricsAccess {
    /// Ok, or the status refusing the request.
    fn check(
        &self,
        peer: Option<IpAddr>,
        headers: &axum::http::HeaderMap,
    ) -> Result<(), StatusCode> {
        if !self.allow.is_empty() && !peer.is_some_and(|ip| self.allow.contains(ip)) {
            return Err(StatusCode::FORBIDDEN);
        }
        if let Some(token) = &self.token {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            if !crate::kit::auth::same(token, given.trim()) {
                return Err(StatusCode::UNAUTHORIZED);
            }
        }
        Ok(())
    }
}

/// The process's metrics.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Histogram,
    jobs_due: Gauge,
    jobs_given_up: Gauge,
    status_statements: Counter,
    status_reads: Counter,
}

impl Metrics {
    /// Registers the metrics.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("xieshang");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        let jobs_due = Gauge::default();
        registry.register(
            "jobs_due",
            "Jobs due and not yet done (the worker's backlog), read at each scrape",
            jobs_due.clone(),
        );
        let jobs_given_up = Gauge::default();
        registry.register(
            "jobs_given_up",
            "Jobs the worker gave up after their attempts, kept with their errors (jobs.given_up), read at each scrape",
            jobs_given_up.clone(),
        );
        let status_statements = Counter::default();
        registry.register(
            "status_statements",
            "Statements that read status pages (pages asked at the same moment share one)",
            status_statements.clone(),
        );
        let status_reads = Counter::default();
        registry.register(
            "status_reads",
            "Status page reads answered (the page, the API and Open311)",
            status_reads.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            jobs_due,
            jobs_given_up,
            status_statements,
            status_reads,
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(reg) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &reg);
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

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

/// Prometheus text format, to those [`MetricsAccess`] lets in.
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

/// A static file embedded in the binary. Pages link it under a name that
/// carries a hash of its content (`app.1f2e….css`), which browsers may keep for
/// a year: a build that changes the file changes the name. The plain name still
/// answers, briefly cached, for pages a browser kept from an older build.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/app.js"),
    },
];

/// Each asset's versioned URL, by plain name, and each asset by versioned file name.
type AssetIndex = (
    std::collections::HashMap<&'static str, String>,
    std::collections::HashMap<String, &'static Asset>,
);

fn asset_index() -> &'static AssetIndex {
    static INDEX: std::sync::OnceLock<AssetIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut urls = std::collections::HashMap::new();
        let mut files = std::collections::HashMap::new();
        for a in ASSETS {
            // FNV-1a: a fingerprint of the content, not a security measure.
            let hash = a.body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            let (stem, ext) = a.name.rsplit_once('.').unwrap_or((a.name, ""));
            let file = format!("{stem}.{hash:016x}.{ext}");
            urls.insert(a.name, format!("/static/{file}"));
            files.insert(file, a);
        }
        (urls, files)
    })
}

/// The versioned URL of an embedded static file, such as `app.css`.
pub fn asset_url(name: &str) -> &'static str {
    asset_index()
        .0
        .get(name)
        .map(String::as_str)
        .unwrap_or("/static/missing")
}

/// `/static/{file}`: a versioned name is cached for a year and never
/// revalidated; a plain name for five minutes.
pub async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (cache, asset) = match asset_index().1.get(&file) {
        Some(a) => ("public, max-age=31536000, immutable", *a),
        None => match ASSETS.iter().find(|a| a.name == file) {
            Some(a) => ("public, max-age=300", a),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
        ],
        asset.body,
    )
        .into_response()
}
