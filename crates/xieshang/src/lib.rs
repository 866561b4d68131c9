//! The Xieshang binary's library half: configuration, wiring and the subcommands,
//! so tests can start the real server in-process. Domain rules live in the core
//! crate, never here. Errors here are `anyhow` (outside the request path).

pub mod cmd;
pub mod config;

use anyhow::Context;
use config::Settings;
use xieshang_store::Db;

/// Opens (and migrates) the configured database.
pub async fn open_db(settings: &Settings) -> anyhow::Result<Db> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
    }
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("opening database {}", redact(&url)))?;
    xieshang_store::migrate::run(&db).await?;
    Ok(db)
}

/// The file of a `sqlite://PATH[?options]` URL; None for any other URL.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://")?;
    Some(rest.split('?').next().unwrap_or_default())
}

/// Claims an SQLite database for this server process, for as long as the
/// returned file is held (the kernel lets go when the process ends, however it
/// ends). Writers take turns inside one process (`Db::begin_write`); two
/// servers on one file would meet in SQLite's busy handler instead, which sleeps
/// between tries, so a second server on the same file is refused at start.
/// Short commands (`admin`, `audit`, `migrate`) may still run beside a server:
/// they write little and wait in the busy handler. PostgreSQL and in-memory
/// databases need no claim (None).
pub fn claim_sqlite(url: &str) -> anyhow::Result<Option<std::fs::File>> {
    let Some(path) = sqlite_path(url) else {
        return Ok(None);
    };
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let lock_path = format!("{path}.serving");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .with_context(|| format!("opening {lock_path}"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another Xieshang server is serving {path} (it holds {lock_path}); \
             one server per SQLite database: stop the other, or use PostgreSQL to run several"
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {lock_path}"))
        }
    }
}

/// A URL with any password hidden, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Resolves when SIGINT or SIGTERM arrives.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
