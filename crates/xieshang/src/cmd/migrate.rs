//! `xieshang migrate`: apply migrations and exit.

use crate::config::Settings;
use std::io::Write;

/// Opens the database (which migrates it) and reports.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let db = crate::open_db(settings).await?;
    db.close().await;
    let _ = writeln!(
        std::io::stdout(),
        "database is up to date: {}",
        crate::redact(&settings.database_url())
    );
    Ok(())
}
