//! `xieshang admin …`: the first administrator, and lifting a lock-out from the
//! command line when no administrator can log in.

use crate::config::Settings;
use clap::Subcommand;
use std::io::Write;

/// Admin subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create the root unit and the first administrator in an empty database.
    Bootstrap {
        /// Code of the root unit, e.g. xa.
        #[arg(long)]
        org_code: String,
        /// Name of the root unit, e.g. 西安市政协.
        #[arg(long)]
        org_name: String,
        /// Administrator's username.
        #[arg(long)]
        username: String,
        /// Administrator's password (at least 10 characters); read from
        /// XIESHANG_ADMIN_PASSWORD so it stays out of the shell history.
        #[arg(long, env = "XIESHANG_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

/// Runs an admin subcommand.
pub async fn run(settings: &Settings, command: &AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::Bootstrap {
            org_code,
            org_name,
            username,
            password,
        } => {
            let pw = xieshang_core::values::NewPassword::parse(password)?;
            let db = crate::open_db(settings).await?;
            let pw = pw.expose().to_owned();
            let hash =
                tokio::task::spawn_blocking(move || xieshang_store::password::hash(&pw)).await??;
            xieshang_store::seed::bootstrap(&db, org_code, org_name, username, &hash).await?;
            db.close().await;
            writeln!(
                std::io::stdout(),
                "created {org_name} ({org_code}) and administrator {username}"
            )?;
            Ok(())
        }
    }
}
