//! `xieshang audit verify`: walk the hash chain and name the first bad row.

use crate::config::Settings;
use clap::Subcommand;
use std::io::Write;
use xieshang_store::audit::{self, Verdict};

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 at the first bad row.
    Verify,
}

/// Runs an audit subcommand; returns the process exit code.
pub async fn run(settings: &Settings, command: &AuditCommand) -> anyhow::Result<u8> {
    match command {
        AuditCommand::Verify => {
            let db = crate::open_db(settings).await?;
            let verdict = audit::verify(&db).await?;
            db.close().await;
            let mut out = std::io::stdout();
            match verdict {
                Verdict::Ok { rows } => {
                    writeln!(out, "OK: {rows} audit rows, chain intact")?;
                    Ok(0)
                }
                Verdict::Broken { row_id, reason } => {
                    writeln!(out, "BROKEN at row {row_id}: {reason}")?;
                    Ok(1)
                }
            }
        }
    }
}
