//! `xieshang bench datagen`: fill an empty database with a realistic city for load
//! tests, and say how fast it went.

use crate::config::Settings;
use clap::Args;
use std::io::Write;
use std::time::Instant;

/// What to generate.
#[derive(Debug, Args)]
pub struct DatagenArgs {
    /// Concerns to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub concerns: u64,
    /// Members to generate (paired with grids).
    #[arg(long, default_value_t = 3_000)]
    pub members: u64,
    /// Years of history, ending now.
    #[arg(long, default_value_t = 3)]
    pub years: u32,
    /// Random seed; the same seed gives the same city.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Proposals filed per district body per year.
    #[arg(long, default_value_t = 250)]
    pub proposals: u32,
}

/// Runs the generator and prints counts and rates.
pub async fn run(settings: &Settings, args: &DatagenArgs) -> anyhow::Result<()> {
    let db = crate::open_db(settings).await?;
    let hash = tokio::task::spawn_blocking(|| {
        xieshang_store::account::password::hash(xieshang_store::seed::DEMO_PASSWORD)
    })
    .await??;
    let plan = xieshang_store::datagen::Plan {
        concerns: args.concerns,
        members: args.members,
        years: args.years,
        seed: args.seed,
        proposals: args.proposals,
    };
    let t0 = Instant::now();
    let report = xieshang_store::datagen::generate(&db, plan, &hash, |done| {
        if done % 100_000 == 0 {
            let secs = t0.elapsed().as_secs_f64();
            let _ = writeln!(
                std::io::stderr(),
                "  {done} concerns, {:.0}/s",
                done as f64 / secs.max(0.001)
            );
        }
    })
    .await?;
    let secs = t0.elapsed().as_secs_f64();
    let (orgs, events) = xieshang_store::datagen::counts(&db).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "datagen ({}): {} units, {} members, {} concerns, {} timeline events, {} rows in {:.1} s: {:.0} concerns/s, {:.0} rows/s",
        db.dialect().name(),
        orgs,
        report.members,
        report.concerns,
        events,
        report.rows,
        secs,
        report.concerns as f64 / secs,
        report.rows as f64 / secs,
    )?;
    writeln!(
        out,
        "staff accounts staff-<district> (e.g. staff-yanliang), members m00000…, password \"{}\"",
        xieshang_store::seed::DEMO_PASSWORD
    )?;
    db.close().await;
    Ok(())
}
