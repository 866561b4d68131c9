//! Shared state handed to every handler (no global singletons).

use std::sync::Arc;
use tokio::sync::Semaphore;
use xieshang_store::account::user::LockPolicy;
use xieshang_store::ttl::TtlMap;
use xieshang_store::Db;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies Secure and send `Strict-Transport-Security` (set when
    /// served behind https).
    pub secure_cookies: bool,
    /// The site's public address (`base_url`), without a trailing slash: every
    /// absolute URL the site writes (Open311, the studio's QR code) starts with
    /// it, never with the request's `Host` header.
    pub base_url: String,
    /// Session lifetime in hours.
    pub session_hours: i64,
    /// Failed logins in a row that lock an account.
    pub lock_after_failures: i64,
    /// Minutes an account stays locked.
    pub lock_minutes: i64,
    /// Concern loop settings (reassignment window, reminder share, escalation).
    pub policy: xieshang_store::concern::triage::Policy,
    /// Rate limits on logins, intake, feedback and lookups ([`crate::kit::throttle`]);
    /// off only for load benchmarks.
    pub rate_limits: bool,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Where webhook targets may point (public addresses, and the private
    /// ranges allowed).
    pub webhook_policy: xieshang_store::net::AddressPolicy,
    /// Who may read `/metrics`.
    pub metrics_access: crate::kit::metrics::MetricsAccess,
    /// How long a client may take to send a request's headers (and how long an
    /// idle kept-alive connection stays open); then the connection is closed.
    pub header_read_timeout: std::time::Duration,
}

/// The public address when none is configured (the default listen address).
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080";

impl WebConfig {
    /// The public address without a trailing slash, for making URLs absolute.
    pub fn public_url(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            base_url: DEFAULT_BASE_URL.to_owned(),
            session_hours: 12,
            lock_after_failures: 5,
            lock_minutes: 15,
            policy: xieshang_store::concern::triage::Policy::default(),
            rate_limits: true,
            trusted_proxies: Vec::new(),
            webhook_policy: Default::default(),
            metrics_access: Default::default(),
            header_read_timeout: std::time::Duration::from_secs(15),
        }
    }
}

/// The state of the running application.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Web settings.
    pub config: Arc<WebConfig>,
    /// Bounds concurrent password hashing (argon2 is ~20 ms of CPU each), so a
    /// login flood cannot starve the server.
    pub hashing: Arc<Semaphore>,
    /// Bounds concurrent parsing of uploads (photo decoding, XLSX and CSV
    /// tables), kept apart from `hashing` so that a flood of uploads cannot
    /// hold up logins (docs/decisions/0015).
    pub parsing: Arc<Semaphore>,
    /// Prometheus metrics.
    pub metrics: Arc<crate::kit::metrics::Metrics>,
    /// Rate limits per address, account and concern.
    pub throttles: Arc<crate::kit::throttle::Throttles>,
    /// The working-day calendar.
    pub calendar: Arc<xieshang_core::calendar::Calendar>,
    /// The personal-data key; without it, names and phones are refused at intake.
    pub sealer: Option<Arc<xieshang_store::seal::Sealer>>,
    /// Residents' intake through group commit, started on first use.
    intake: Arc<std::sync::OnceLock<xieshang_store::concern::intake::GroupCommit>>,
    /// Area codes residents' intake resolved lately ([`AppState::area_id`]).
    area_ids: Arc<TtlMap<String, i64>>,
}

/// The most uploads parsed at once, whatever the number of CPUs: each may hold
/// a decoded 40-megapixel photo (a few hundred megabytes at its peak).
const PARSING_MAX: usize = 4;

/// How long a resolved area code is reused.
const AREA_ID_TTL: std::time::Duration = std::time::Duration::from_secs(30);
/// The most codes kept (a city has a few thousand areas; unknown codes are
/// never kept, so a stream of made-up codes cannot grow it).
const AREA_IDS_MAX: usize = 20_000;

impl AppState {
    /// Builds the state.
    pub fn new(db: Db, config: WebConfig) -> AppState {
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        AppState {
            db,
            throttles: Arc::new(crate::kit::throttle::Throttles::new(config.rate_limits)),
            config: Arc::new(config),
            hashing: Arc::new(Semaphore::new(cpus)),
            parsing: Arc::new(Semaphore::new(cpus.clamp(1, PARSING_MAX))),
            metrics: Arc::new(crate::kit::metrics::Metrics::new()),
            calendar: Arc::new(xieshang_core::calendar::Calendar::builtin()),
            sealer: None,
            intake: Arc::new(std::sync::OnceLock::new()),
            area_ids: Arc::new(TtlMap::new(AREA_ID_TTL, AREA_IDS_MAX)),
        }
    }

    /// The unit id of the area where residents may raise concerns with this
    /// code, reused for [`AREA_ID_TTL`] once read. Every submission asked the
    /// database for it (a statement per concern, measured as the most frequent
    /// one of PostgreSQL's intake). Reusing it is safe because the id of a code
    /// never changes and the writer checks the unit again in its transaction:
    /// a unit archived meanwhile is refused there.
    pub async fn area_id(&self, code: &str) -> Result<Option<i64>, xieshang_store::Error> {
        if let Some(id) = self.area_ids.get(code) {
            return Ok(Some(id));
        }
        let id = xieshang_store::concern::area_by_code(&self.db, code)
            .await?
            .map(|a| a.id);
        if let Some(id) = id {
            self.area_ids.insert(code.to_owned(), id);
        }
        Ok(id)
    }

    /// The group-commit writer for residents' intake (started on first use, on
    /// the runtime serving requests).
    pub fn group_commit(&self) -> &xieshang_store::concern::intake::GroupCommit {
        self.intake
            .get_or_init(|| xieshang_store::concern::intake::GroupCommit::start(self.db.clone()))
    }

    /// Uses the personal-data key.
    pub fn with_sealer(mut self, sealer: xieshang_store::seal::Sealer) -> AppState {
        self.sealer = Some(Arc::new(sealer));
        self
    }

    /// Uses the operator's calendar.
    pub fn with_calendar(mut self, calendar: xieshang_core::calendar::Calendar) -> AppState {
        self.calendar = Arc::new(calendar);
        self
    }

    /// Years whose official schedule is missing and that deadlines may reach: this
    /// year, and from November (when the next notice appears) the next one.
    pub fn missing_holiday_years(&self) -> Vec<i32> {
        use chrono::Datelike;
        let today = chrono::DateTime::from_timestamp_millis(self.db.now_ms())
            .map(|t| t.date_naive())
            .unwrap_or_default();
        let mut years = vec![today.year()];
        if today.month() >= 11 {
            years.push(today.year() + 1);
        }
        years.retain(|y| !self.calendar.knows_year(*y));
        years
    }

    /// The lock-out rule from the settings.
    pub fn lock_policy(&self) -> LockPolicy {
        LockPolicy {
            max_failures: self.config.lock_after_failures,
            lock_ms: self.config.lock_minutes * 60_000,
        }
    }

    /// Runs a CPU-heavy password operation on the bounded blocking pool.
    pub async fn hashing<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::kit::error::AppError> {
        bounded(&self.hashing, "hashing", f).await
    }

    /// Parses an upload (decodes photos, reads tables) on the blocking pool,
    /// at most [`AppState::parsing`]'s permits at once.
    pub async fn parsing<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::kit::error::AppError> {
        bounded(&self.parsing, "parsing", f).await
    }
}

/// Runs `f` on tokio's blocking threads once `pool` grants a permit.
async fn bounded<T: Send + 'static>(
    pool: &Semaphore,
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, crate::kit::error::AppError> {
    let _permit = pool
        .acquire()
        .await
        .map_err(|_| crate::kit::error::AppError::Internal(format!("{name} pool closed")))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| crate::kit::error::AppError::Internal(e.to_string()))
}

/// The throttle's extractors read the state.
impl axum::extract::FromRequestParts<AppState> for crate::kit::throttle::IntakeAllowed {
    type Rejection = crate::kit::error::AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let addr = crate::kit::throttle::client_addr(parts, &state.config.trusted_proxies);
        state.throttles.intake(addr)?;
        Ok(crate::kit::throttle::IntakeAllowed)
    }
}

impl axum::extract::FromRequestParts<AppState> for crate::kit::throttle::ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(crate::kit::throttle::ClientAddr(
            crate::kit::throttle::client_addr(parts, &state.config.trusted_proxies),
        ))
    }
}
