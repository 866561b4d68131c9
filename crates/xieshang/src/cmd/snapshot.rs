//! `xieshang bench-snapshot`: what a migration must carry across, printed as
//! lines (rows and a SHA-256 per table, and a SHA-256 of sampled public
//! status pages), read from the database as it is: this command does not
//! migrate. `scripts/migration-check.sh` compares its output before and after
//! a migration.

use crate::config::Settings;
use clap::Args;
use std::io::Write;

/// How many status pages to read.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Tracking codes to read the status page of, spread evenly over the concerns.
    #[arg(long, default_value_t = 1_000)]
    pub sample: usize,
}

/// Prints the snapshot.
pub async fn run(settings: &Settings, args: &SnapshotArgs) -> anyhow::Result<()> {
    let db = xieshang_store::Db::connect(&settings.database_url()).await?;
    let lines = xieshang_store::datagen::snapshot(&db, args.sample).await?;
    db.close().await;
    let mut out = std::io::stdout().lock();
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(())
}
