//! `xieshang serve`: the web application on the configured database.

use crate::config::Settings;
use anyhow::Context;
use xieshang_store::Db;
use xieshang_web::AppState;

/// Binds the listen address and serves until SIGINT/SIGTERM.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let db = crate::open_db(settings).await?;
    serve_with(settings, db, |_| {}).await
}

/// Serves an opened database; `on_ready` gets the bound address before requests flow.
pub async fn serve_with(
    settings: &Settings,
    db: Db,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<()> {
    // Held until the server has stopped.
    let _claim = crate::claim_sqlite(&settings.database_url())?;
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %crate::redact(&settings.database_url()), public_url = %settings.public_url, "serving");
    if let Some(warning) = settings.public_url_warning() {
        tracing::warn!("{warning}");
    }
    on_ready(addr);
    let calendar = settings.calendar()?;
    let sealer = settings.sealer()?;
    let state = AppState::new(db.clone(), settings.web.clone())
        .with_calendar(calendar.clone())
        .with_sealer(sealer.clone());
    let worker = xieshang_store::jobs::Worker {
        db: db.clone(),
        calendar,
        policy: settings.web.policy,
        mailer: settings.mailer()?,
        base_url: settings.public_url.clone(),
        sealer: Some(sealer),
        retention_days: settings.job_retention_days,
        webhook_policy: settings.web.webhook_policy.clone(),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let jobs = tokio::spawn(xieshang_store::jobs::run_forever(worker, stop_rx));
    xieshang_web::serve(listener, state, crate::shutdown_signal()).await?;
    let _ = stop_tx.send(true);
    let _ = jobs.await;
    db.close().await;
    Ok(())
}
