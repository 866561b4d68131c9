//! The process's metrics and who may read them: every label comes from a
//! closed set (a known method or "other", the route's pattern or "unmatched",
//! the status the server answered), so no request can add label values.
//! The middleware that counts and the `/metrics` handler are in `kit::ops`.

use axum::http::{header, StatusCode};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::net::IpAddr;
use std::sync::Mutex;

/// Labels of the request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub(crate) method: &'static str,
    pub(crate) route: String,
    pub(crate) status: u16,
}

/// The method as a label: the standard ones, every other as "other" (a
/// method is any token of any length, chosen by the client).
pub(crate) fn method_label(m: &axum::http::Method) -> &'static str {
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
    pub(crate) fn check(
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
            if !xieshang_store::secret::same_hash(token, given.trim()) {
                return Err(StatusCode::UNAUTHORIZED);
            }
        }
        Ok(())
    }
}

/// The process's metrics.
pub struct Metrics {
    pub(crate) registry: Mutex<Registry>,
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) latency: Histogram,
    pub(crate) jobs_due: Gauge,
    pub(crate) jobs_given_up: Gauge,
    pub(crate) status_statements: Counter,
    pub(crate) status_reads: Counter,
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
