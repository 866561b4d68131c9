//! `xieshang admin …`: the first administrator, a password reset from the
//! command line when no administrator can sign in, API keys, and rebuilding
//! the search index's entries.

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
    /// Print a one-time password for an account, to be changed at next sign-in.
    ///
    /// Lifts any lock and ends the account's sessions; the owner must choose
    /// a new password before anything else. Recorded in the audit log.
    PasswordReset {
        /// The account's username.
        #[arg(long)]
        username: String,
    },
    /// API keys for machine clients (Open311 apps, department systems).
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Rewrite the search entries of all concerns with the current tokens.
    ///
    /// Needed once after an upgrade that changes what is indexed (entries
    /// written before one-character search lack its tokens). Works in
    /// batches, one short transaction each, so the service may keep running.
    Reindex {
        /// Concerns per transaction.
        #[arg(long, default_value_t = 1000)]
        batch: i64,
    },
}

/// `xieshang admin api-key …`
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key for a unit and print it (it is shown only this once).
    Create {
        /// Code of the unit the key belongs to, e.g. yanliang.
        #[arg(long)]
        org: String,
        /// A name to recognise the key by, e.g. the app's name.
        #[arg(long, default_value = "api client")]
        name: String,
        /// Scopes, comma-separated: concerns:create, concerns:read, concerns:update,
        /// consultations:read, consultations:update, proposals:read, proposals:update,
        /// reports:read.
        #[arg(long, default_value = "concerns:create")]
        scopes: String,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id; it stops working at once.
    Revoke {
        /// The key's id (from `list`).
        #[arg(long)]
        id: i64,
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
                tokio::task::spawn_blocking(move || xieshang_store::account::password::hash(&pw))
                    .await??;
            xieshang_store::seed::bootstrap(&db, org_code, org_name, username, &hash).await?;
            db.close().await;
            writeln!(
                std::io::stdout(),
                "created {org_name} ({org_code}) and administrator {username}"
            )?;
            Ok(())
        }
        AdminCommand::PasswordReset { username } => password_reset(settings, username).await,
        AdminCommand::ApiKey { command } => api_key(settings, command).await,
        AdminCommand::Reindex { batch } => {
            let db = crate::open_db(settings).await?;
            let started = std::time::Instant::now();
            let done = xieshang_store::index::reindex_all(&db, *batch, |n| {
                tracing::info!(concerns = n, "reindexed");
            })
            .await;
            db.close().await;
            let done = done?;
            writeln!(
                std::io::stdout(),
                "reindexed {done} concerns in {:.1} s",
                started.elapsed().as_secs_f64()
            )?;
            Ok(())
        }
    }
}

/// Sets a one-time password, forcing a change at next sign-in, and prints it.
async fn password_reset(settings: &Settings, username: &str) -> anyhow::Result<()> {
    // 16 characters without look-alikes (about 79 bits): easy to read out,
    // and a valid new password.
    let once = xieshang_store::secret::random_code(xieshang_store::secret::READABLE, 16);
    let pw = xieshang_core::values::NewPassword::parse(&once)?;
    let db = crate::open_db(settings).await?;
    let pw = pw.expose().to_owned();
    let hash =
        tokio::task::spawn_blocking(move || xieshang_store::account::password::hash(&pw)).await??;
    let reset =
        xieshang_store::account::user::reset_password_by_operator(&db, username, &hash).await;
    db.close().await;
    match reset {
        Ok(()) => {}
        Err(xieshang_store::Error::NotFound) => anyhow::bail!("no account named {username}"),
        Err(e) => return Err(e.into()),
    }
    writeln!(std::io::stdout(), "{once}")?;
    writeln!(
        std::io::stderr(),
        "one-time password for {username}; they must choose a new one at next sign-in"
    )?;
    Ok(())
}

async fn api_key(settings: &Settings, command: &ApiKeyCommand) -> anyhow::Result<()> {
    use xieshang_store::account::apikey::{self, Scope};
    let db = crate::open_db(settings).await?;
    let mut out = std::io::stdout().lock();
    match command {
        ApiKeyCommand::Create { org, name, scopes } => {
            let parsed: Vec<Scope> = scopes
                .split(',')
                .map(|s| {
                    Scope::parse(s).ok_or_else(|| {
                        // The list from the scopes themselves, so it cannot
                        // fall behind them.
                        let known: Vec<&str> = Scope::ALL.iter().map(|x| x.code()).collect();
                        anyhow::anyhow!("unknown scope '{}' (use {})", s.trim(), known.join(", "))
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            let (id, key) = apikey::create(&db, org, name, &parsed).await?;
            writeln!(out, "{key}")?;
            writeln!(
                std::io::stderr(),
                "api key {id} for {org} ({scopes}); store it now, it is not shown again"
            )?;
        }
        ApiKeyCommand::List => {
            for k in apikey::list(&db).await? {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                writeln!(
                    out,
                    "{:>4}  {:<10}  {:<12}  {:<7}  {}  {}",
                    k.id, k.prefix, k.org_code, state, k.scopes, k.name
                )?;
            }
        }
        ApiKeyCommand::Revoke { id } => {
            apikey::revoke(&db, *id).await?;
            writeln!(out, "api key {id} revoked")?;
        }
    }
    db.close().await;
    Ok(())
}
