//! `xieshang demo`: serve with the sample city loaded once.

use crate::config::Settings;
use std::io::Write;
use xieshang_store::seed;

/// Loads the sample city if needed, prints the URL and accounts, and serves.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let db = crate::open_db(settings).await?;
    if !seed::demo_loaded(&db).await? {
        let hash = tokio::task::spawn_blocking(|| {
            xieshang_store::account::password::hash(seed::DEMO_PASSWORD)
        })
        .await??;
        seed::load_demo(&db, &hash).await?;
        tracing::info!("sample city loaded");
    }
    crate::cmd::serve::serve_with(settings, db, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "\nXieshang demo (西安市政协 sample city) at http://{addr}/\n"
        );
        let _ = writeln!(
            out,
            "Demo accounts, all with the password \"{}\":",
            seed::DEMO_PASSWORD
        );
        for a in seed::DEMO_ACCOUNTS {
            let _ = writeln!(
                out,
                "  {:<14} {:<20} {}",
                a.username,
                a.role.code(),
                a.org_name
            );
        }
        let _ = writeln!(out, "\nPress Ctrl-C to stop.");
    })
    .await
}
