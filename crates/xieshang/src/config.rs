//! Settings: defaults, then `xieshang.toml`, then `XIESHANG_*` variables, then flags.
//! Each setting is documented here once; clap shows the docs in `--help`, and
//! `xieshang.toml.sample` at the repository root lists the same keys.

use clap::Args;
use serde::Deserialize;
use std::path::PathBuf;

/// Settings shared by `serve`, `demo`, `migrate` and the other commands.
#[derive(Debug, Clone, Default, Args)]
pub struct Flags {
    /// Configuration file [default: ./xieshang.toml when it exists]
    #[arg(long, env = "XIESHANG_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080] (toml: listen)
    #[arg(long, env = "XIESHANG_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Data directory for the embedded SQLite database [default: ./xieshang-data] (toml: data_dir)
    #[arg(long, env = "XIESHANG_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database: postgres://USER@HOST/DB, or sqlite://PATH [default: SQLite in the data directory] (toml: database_url)
    #[arg(long, env = "XIESHANG_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Mark cookies Secure and send Strict-Transport-Security (one year); set when served behind https [default: false] (toml: secure_cookies)
    #[arg(long, env = "XIESHANG_SECURE_COOKIES", global = true)]
    pub secure_cookies: Option<bool>,
    /// Session lifetime in hours [default: 12] (toml: session_hours)
    #[arg(long, env = "XIESHANG_SESSION_HOURS", global = true)]
    pub session_hours: Option<i64>,
    /// Failed logins in a row that lock an account [default: 5] (toml: lock_after_failures)
    #[arg(long, env = "XIESHANG_LOCK_AFTER_FAILURES", global = true)]
    pub lock_after_failures: Option<i64>,
    /// Minutes a locked account stays locked [default: 15] (toml: lock_minutes)
    #[arg(long, env = "XIESHANG_LOCK_MINUTES", global = true)]
    pub lock_minutes: Option<i64>,
    /// Holiday schedule file (format: data/holidays-cn.txt) [default: the built-in 2025–2026 schedule] (toml: holidays_file)
    #[arg(long, env = "XIESHANG_HOLIDAYS_FILE", global = true)]
    pub holidays_file: Option<PathBuf>,
    /// Log filter, e.g. info or xieshang=debug [default: info] (toml: log)
    #[arg(long, env = "XIESHANG_LOG", global = true)]
    pub log: Option<String>,
    /// Key sealing residents' names and phones: 64 hex digits [default: read from, or created in, DATA_DIR/personal-data.key] (toml: personal_data_key)
    #[arg(
        long,
        env = "XIESHANG_PERSONAL_DATA_KEY",
        global = true,
        hide_env_values = true
    )]
    pub personal_data_key: Option<String>,
    /// SMTP server for email notifications, smtp://[user:pass@]host:port [default: none, in-app only] (toml: smtp_url)
    #[arg(long, env = "XIESHANG_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of notification emails [default: 协商 <noreply@localhost>] (toml: smtp_from)
    #[arg(long, env = "XIESHANG_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// Public base URL, such as https://xieshang.example.cn: the start of every absolute link the site writes (the studio's check-in QR code, emails, webhooks, ICS calendars, Open311's URLs); never taken from the request's Host header; serve warns when it is unset and the listen address is not loopback [default: http://LISTEN] (toml: public_url)
    #[arg(long, env = "XIESHANG_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// The former name of public_url, still read when public_url is unset (toml: base_url)
    #[arg(long, env = "XIESHANG_BASE_URL", global = true, hide = true)]
    pub base_url: Option<String>,
    /// Working days after assignment within which a department may ask for reassignment [default: 2] (toml: reassign_window_days)
    #[arg(long, env = "XIESHANG_REASSIGN_WINDOW_DAYS", global = true)]
    pub reassign_window_days: Option<u32>,
    /// Share of the time to a deadline at which departments are reminded, 0–1 [default: 0.75] (toml: reminder_share)
    #[arg(long, env = "XIESHANG_REMINDER_SHARE", global = true)]
    pub reminder_share: Option<f64>,
    /// Working days after a deadline at which an overdue concern goes to the level above [default: 3] (toml: escalate_up_after_days)
    #[arg(long, env = "XIESHANG_ESCALATE_UP_AFTER_DAYS", global = true)]
    pub escalate_up_after_days: Option<u32>,
    /// Working days after a concern is resolved within which its reporters answer; then a concern nobody found unsatisfied closes [default: 7] (toml: feedback_window_days)
    #[arg(long, env = "XIESHANG_FEEDBACK_WINDOW_DAYS", global = true)]
    pub feedback_window_days: Option<u32>,
    /// Days a finished background job (notification, email, reminder, webhook) is kept before it is deleted; 0 keeps them all; jobs given up are always kept [default: 30] (toml: job_retention_days)
    #[arg(long, env = "XIESHANG_JOB_RETENTION_DAYS", global = true)]
    pub job_retention_days: Option<u32>,
    /// Rate limits on logins, password changes, residents' intake, feedback and tracking lookups; turn off only for load benchmarks [default: true] (toml: rate_limits)
    #[arg(long, env = "XIESHANG_RATE_LIMITS", global = true)]
    pub rate_limits: Option<bool>,
    /// Reverse proxies whose X-Forwarded-For names the client, comma-separated addresses [default: none] (toml: trusted_proxies)
    #[arg(long, env = "XIESHANG_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// Private address ranges webhook deliveries may reach, comma-separated, such as 10.0.0.0/8,fd00::/8 or 127.0.0.1; loopback, private, link-local, carrier-grade NAT and documentation addresses are refused otherwise, and 0.0.0.0, :: and multicast always [default: none, public addresses only] (toml: webhook_allow_private)
    #[arg(
        long,
        env = "XIESHANG_WEBHOOK_ALLOW_PRIVATE",
        global = true,
        value_delimiter = ','
    )]
    pub webhook_allow_private: Option<Vec<String>>,
    /// Addresses or ranges of peers that may read /metrics, comma-separated, such as 127.0.0.1,10.0.0.0/8 (the TCP peer: behind a proxy, use metrics_token) [default: any] (toml: metrics_allow)
    #[arg(
        long,
        env = "XIESHANG_METRICS_ALLOW",
        global = true,
        value_delimiter = ','
    )]
    pub metrics_allow: Option<Vec<String>>,
    /// Bearer token /metrics requires (Authorization: Bearer TOKEN) [default: none] (toml: metrics_token)
    #[arg(
        long,
        env = "XIESHANG_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
}

/// The keys of `xieshang.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    secure_cookies: Option<bool>,
    session_hours: Option<i64>,
    lock_after_failures: Option<i64>,
    lock_minutes: Option<i64>,
    holidays_file: Option<PathBuf>,
    log: Option<String>,
    personal_data_key: Option<String>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    public_url: Option<String>,
    base_url: Option<String>,
    reassign_window_days: Option<u32>,
    reminder_share: Option<f64>,
    escalate_up_after_days: Option<u32>,
    feedback_window_days: Option<u32>,
    job_retention_days: Option<u32>,
    rate_limits: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    webhook_allow_private: Option<Vec<String>>,
    metrics_allow: Option<Vec<String>>,
    metrics_token: Option<String>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address.
    pub listen: String,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Explicit database URL, if any.
    pub database_url: Option<String>,
    /// Web settings.
    pub web: xieshang_web::WebConfig,
    /// Holiday schedule file, if not the built-in one.
    pub holidays_file: Option<PathBuf>,
    /// Log filter.
    pub log: String,
    /// Personal-data key (hex), if configured.
    pub personal_data_key: Option<String>,
    /// SMTP URL, if configured.
    pub smtp_url: Option<String>,
    /// Sender of emails.
    pub smtp_from: String,
    /// Public base URL for links (without a trailing slash).
    pub public_url: String,
    /// Whether the public URL was configured (not derived from the listen address).
    pub public_url_set: bool,
    /// Days done jobs are kept; 0 keeps them.
    pub job_retention_days: u32,
}

impl Settings {
    /// Resolves flags (which already include `XIESHANG_*` variables) over the file
    /// over the defaults.
    pub fn resolve(flags: &Flags) -> anyhow::Result<Settings> {
        let path = flags
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from("xieshang.toml"));
        let file: FileSettings = match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
            }
            Err(_) if flags.config.is_none() => FileSettings::default(),
            Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
        };
        let d = xieshang_web::WebConfig::default();
        let mut webhook_allow_private = flags
            .webhook_allow_private
            .clone()
            .or(file.webhook_allow_private)
            .unwrap_or_default();
        webhook_allow_private.retain(|r| !r.trim().is_empty());
        let webhook_policy = xieshang_store::net::AddressPolicy::allowing(
            xieshang_store::net::Ranges::parse(&webhook_allow_private)
                .map_err(|e| anyhow::anyhow!("webhook_allow_private: {e}"))?,
        );
        let mut metrics_allow = flags
            .metrics_allow
            .clone()
            .or(file.metrics_allow)
            .unwrap_or_default();
        metrics_allow.retain(|r| !r.trim().is_empty());
        let metrics_access = xieshang_web::kit::metrics::MetricsAccess {
            allow: xieshang_store::net::Ranges::parse(&metrics_allow)
                .map_err(|e| anyhow::anyhow!("metrics_allow: {e}"))?,
            token: flags
                .metrics_token
                .clone()
                .or(file.metrics_token)
                .filter(|t| !t.trim().is_empty()),
        };
        let s = Settings {
            listen: flags
                .listen
                .clone()
                .or(file.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            data_dir: flags
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("xieshang-data")),
            database_url: flags
                .database_url
                .clone()
                .or(file.database_url)
                .filter(|u| !u.is_empty()),
            web: xieshang_web::WebConfig {
                // Set below, once base_url is resolved.
                base_url: String::new(),
                secure_cookies: flags
                    .secure_cookies
                    .or(file.secure_cookies)
                    .unwrap_or(d.secure_cookies),
                session_hours: flags
                    .session_hours
                    .or(file.session_hours)
                    .unwrap_or(d.session_hours),
                lock_after_failures: flags
                    .lock_after_failures
                    .or(file.lock_after_failures)
                    .unwrap_or(d.lock_after_failures),
                lock_minutes: flags
                    .lock_minutes
                    .or(file.lock_minutes)
                    .unwrap_or(d.lock_minutes),
                rate_limits: flags
                    .rate_limits
                    .or(file.rate_limits)
                    .unwrap_or(d.rate_limits),
                trusted_proxies: match flags.trusted_proxies.as_deref() {
                    Some(list) => parse_addresses(list.split(','))?,
                    None => {
                        parse_addresses(file.trusted_proxies.iter().flatten().map(String::as_str))?
                    }
                },
                policy: xieshang_store::concern::triage::Policy {
                    reassign_window_days: flags
                        .reassign_window_days
                        .or(file.reassign_window_days)
                        .unwrap_or(d.policy.reassign_window_days),
                    reminder_share: flags
                        .reminder_share
                        .or(file.reminder_share)
                        .unwrap_or(d.policy.reminder_share),
                    escalate_up_after_days: flags
                        .escalate_up_after_days
                        .or(file.escalate_up_after_days)
                        .unwrap_or(d.policy.escalate_up_after_days),
                    feedback_window_days: flags
                        .feedback_window_days
                        .or(file.feedback_window_days)
                        .unwrap_or(d.policy.feedback_window_days),
                },
                webhook_policy,
                metrics_access,
                header_read_timeout: d.header_read_timeout,
            },
            holidays_file: flags
                .holidays_file
                .clone()
                .or(file.holidays_file)
                .filter(|p| !p.as_os_str().is_empty()),
            log: flags
                .log
                .clone()
                .or(file.log)
                .unwrap_or_else(|| "info".into()),
            personal_data_key: flags
                .personal_data_key
                .clone()
                .or(file.personal_data_key)
                .filter(|k| !k.is_empty()),
            smtp_url: flags
                .smtp_url
                .clone()
                .or(file.smtp_url)
                .filter(|u| !u.is_empty()),
            smtp_from: flags
                .smtp_from
                .clone()
                .or(file.smtp_from)
                .unwrap_or_else(|| "协商 <noreply@localhost>".into()),
            public_url: String::new(),
            public_url_set: false,
            job_retention_days: flags
                .job_retention_days
                .or(file.job_retention_days)
                .unwrap_or(xieshang_store::jobs::DEFAULT_RETENTION_DAYS),
        };
        let mut s = s;
        let configured = flags
            .public_url
            .clone()
            .or(file.public_url)
            .or(flags.base_url.clone())
            .or(file.base_url)
            .filter(|u| !u.trim().is_empty());
        s.public_url_set = configured.is_some();
        let url = configured.unwrap_or_else(|| format!("http://{}", s.listen));
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("public_url must start with http:// or https://");
        }
        s.public_url = url.trim().trim_end_matches('/').to_owned();
        s.web.base_url = s.public_url.clone();
        if !(0.0..=1.0).contains(&s.web.policy.reminder_share) {
            anyhow::bail!("reminder_share must be between 0 and 1");
        }
        if s.web.session_hours < 1 || s.web.lock_after_failures < 1 || s.web.lock_minutes < 1 {
            anyhow::bail!("session_hours, lock_after_failures and lock_minutes must be at least 1");
        }
        Ok(s)
    }

    /// What `serve` warns at start when no public URL is set and the listen
    /// address is not loopback: the links it writes (QR codes, emails, webhooks)
    /// would carry the listen address, which people elsewhere cannot reach.
    pub fn public_url_warning(&self) -> Option<String> {
        if self.public_url_set || listens_on_loopback(&self.listen) {
            return None;
        }
        Some(format!(
            "public_url is not set: QR codes, emails, webhooks and calendars will link to {}; \
             set public_url (XIESHANG_PUBLIC_URL, --public-url) to the address people reach",
            self.public_url
        ))
    }

    /// The working-day calendar: the operator's file, or the built-in schedule.
    pub fn calendar(&self) -> anyhow::Result<xieshang_core::calendar::Calendar> {
        match &self.holidays_file {
            None => Ok(xieshang_core::calendar::Calendar::builtin()),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                xieshang_core::calendar::Calendar::parse(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
            }
        }
    }

    /// The personal-data key: configured, or kept in the data directory (created
    /// with a fresh random key the first time, readable by the owner only).
    pub fn sealer(&self) -> anyhow::Result<xieshang_store::seal::Sealer> {
        use xieshang_store::seal::Sealer;
        if let Some(k) = &self.personal_data_key {
            return Ok(Sealer::from_hex(k)?);
        }
        let path = self.data_dir.join("personal-data.key");
        let key = match std::fs::read_to_string(&path) {
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.data_dir)?;
                let k = Sealer::generate_hex();
                write_private(&path, &k)?;
                tracing::warn!(path = %path.display(), "created a personal-data key; back it up, or set personal_data_key");
                k
            }
            Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
        };
        Sealer::from_hex(&key).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// The mailer, when SMTP is configured.
    pub fn mailer(&self) -> anyhow::Result<Option<xieshang_store::jobs::Mailer>> {
        self.smtp_url
            .as_deref()
            .map(|u| xieshang_store::jobs::Mailer::new(u, &self.smtp_from))
            .transpose()
    }

    /// The database URL: the explicit one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}", self.data_dir.join("xieshang.db").display()),
        }
    }
}

/// Whether a listen address (host:port) is a loopback one.
fn listens_on_loopback(listen: &str) -> bool {
    let host = listen
        .rsplit_once(':')
        .map_or(listen, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Addresses from a list, empty entries skipped; a malformed one is an error.
fn parse_addresses<'a>(
    items: impl Iterator<Item = &'a str>,
) -> anyhow::Result<Vec<std::net::IpAddr>> {
    items
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.parse()
                .map_err(|_| anyhow::anyhow!("trusted_proxies: {a:?} is not an IP address"))
        })
        .collect()
}

/// Writes a secret file readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\nsession_hours = 2\n").unwrap();
        let flags = Flags {
            config: Some(path.clone()),
            session_hours: Some(3),
            ..Flags::default()
        };
        let s = Settings::resolve(&flags).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.web.session_hours, 3);
        assert_eq!(s.web.lock_minutes, 15);
        assert!(s.database_url().starts_with("sqlite://"));
        assert_eq!(s.web.policy.feedback_window_days, 7, "the default window");
        // The reporters' feedback window is a setting (decision 0024).
        std::fs::write(&path, "feedback_window_days = 10\n").unwrap();
        let flags = Flags {
            config: Some(path.clone()),
            ..Flags::default()
        };
        let s = Settings::resolve(&flags).unwrap();
        assert_eq!(s.web.policy.feedback_window_days, 10);
        let s = Settings::resolve(&Flags {
            feedback_window_days: Some(3),
            ..flags
        })
        .unwrap();
        assert_eq!(s.web.policy.feedback_window_days, 3, "the flag wins");
        std::fs::write(&path, "listne = 1\n").unwrap();
        assert!(Settings::resolve(&Flags {
            config: Some(path),
            ..Flags::default()
        })
        .is_err());
    }

    #[test]
    fn holiday_file_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.txt");
        std::fs::write(&path, "2027-01-01 off 元旦\n2027-02-30 off x\n").unwrap();
        let s = Settings::resolve(&Flags {
            holidays_file: Some(path.clone()),
            ..Flags::default()
        })
        .unwrap();
        let e = s.calendar().unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        std::fs::write(&path, "2027-01-01 off 元旦\n").unwrap();
        assert!(s.calendar().unwrap().knows_year(2027));
        let builtin = Settings::resolve(&Flags::default())
            .unwrap()
            .calendar()
            .unwrap();
        assert!(builtin.knows_year(2026));
    }

    #[test]
    fn the_public_address_reaches_the_web_settings() {
        let s = Settings::resolve(&Flags {
            listen: Some("0.0.0.0:9000".into()),
            ..Flags::default()
        })
        .unwrap();
        assert_eq!(s.web.base_url, "http://0.0.0.0:9000");
        let s = Settings::resolve(&Flags {
            base_url: Some("https://xieshang.example.cn/".into()),
            ..Flags::default()
        })
        .unwrap();
        assert_eq!(s.web.base_url, "https://xieshang.example.cn");
        assert!(Settings::resolve(&Flags {
            base_url: Some("xieshang.example.cn".into()),
            ..Flags::default()
        })
        .is_err());
    }

    #[test]
    fn public_url_is_set_by_flag_or_file_and_its_absence_is_warned_off_loopback() {
        let s = Settings::resolve(&Flags {
            public_url: Some("https://xs.example.cn/".into()),
            listen: Some("0.0.0.0:9000".into()),
            ..Flags::default()
        })
        .unwrap();
        assert_eq!(s.public_url, "https://xs.example.cn");
        assert_eq!(s.web.base_url, "https://xs.example.cn");
        assert_eq!(s.public_url_warning(), None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        std::fs::write(&path, "public_url = \"https://file.example.cn\"\n").unwrap();
        let s = Settings::resolve(&Flags {
            config: Some(path),
            ..Flags::default()
        })
        .unwrap();
        assert_eq!(s.web.base_url, "https://file.example.cn");
        // Unset on a public listen address: serve warns, naming the setting.
        let s = Settings::resolve(&Flags {
            listen: Some("0.0.0.0:9000".into()),
            ..Flags::default()
        })
        .unwrap();
        let w = s.public_url_warning().expect("a warning");
        assert!(
            w.contains("public_url") && w.contains("http://0.0.0.0:9000"),
            "{w}"
        );
        // Unset on loopback (a developer's machine, the demo): no warning.
        for listen in ["127.0.0.1:8080", "[::1]:8080", "localhost:8080"] {
            let s = Settings::resolve(&Flags {
                listen: Some(listen.into()),
                ..Flags::default()
            })
            .unwrap();
            assert_eq!(s.public_url_warning(), None, "{listen}");
        }
        assert!(Settings::resolve(&Flags {
            public_url: Some("xs.example.cn".into()),
            ..Flags::default()
        })
        .is_err());
    }

    #[test]
    fn webhook_ranges_are_parsed_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        std::fs::write(
            &path,
            "webhook_allow_private = [\"10.0.0.0/8\", \"127.0.0.1\"]\n",
        )
        .unwrap();
        let s = Settings::resolve(&Flags {
            config: Some(path.clone()),
            ..Flags::default()
        })
        .unwrap();
        assert!(s.web.webhook_policy.permits("10.2.3.4".parse().unwrap()));
        assert!(s.web.webhook_policy.permits("127.0.0.1".parse().unwrap()));
        assert!(!s.web.webhook_policy.permits("127.0.0.2".parse().unwrap()));
        std::fs::write(&path, "webhook_allow_private = [\"intranet\"]\n").unwrap();
        let e = Settings::resolve(&Flags {
            config: Some(path),
            ..Flags::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("webhook_allow_private"), "{e}");
        let d = Settings::resolve(&Flags::default()).unwrap();
        assert!(!d.web.webhook_policy.permits("10.2.3.4".parse().unwrap()));
    }

    #[test]
    fn sample_file_parses() {
        let text = include_str!("../../../xieshang.toml.sample");
        let parsed: Result<FileSettings, _> = toml::from_str(text);
        assert!(parsed.is_ok(), "{parsed:?}");
    }
}
