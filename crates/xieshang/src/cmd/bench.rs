//! `xieshang bench search`: latency of staff search and of duplicate suggestions
//! on a database filled by `xieshang bench datagen`, one request at a time, and the
//! time intake spends on a submission's index tokens, printed as p50 / p99 / max.
//! `xieshang bench dashboard`: the dashboard's figures computed afresh (no
//! cache) for each district's staff and for the city's.

use crate::config::Settings;
use clap::Args;
use rand::{Rng, SeedableRng};
use sqlx::Row;
use std::io::Write;
use std::time::{Duration, Instant};
use xieshang_core::{Actor, OrgPath, Role};
use xieshang_store::search::{self, Filter};

/// How many requests of each kind.
#[derive(Debug, Args)]
pub struct BenchSearchArgs {
    /// Requests per measurement.
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
    /// Random seed for the sampled queries.
    #[arg(long, default_value_t = 5)]
    pub seed: u64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn line(
    out: &mut impl Write,
    what: &str,
    mut times: Vec<Duration>,
    hits: usize,
) -> std::io::Result<()> {
    times.sort();
    writeln!(
        out,
        "  {what}: {} requests, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.1} results per request",
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
        hits as f64 / times.len().max(1) as f64
    )
}

/// How many computations of each scope.
#[derive(Debug, Args)]
pub struct BenchDashboardArgs {
    /// Computations per scope.
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
}

/// A staff member of the unit at `path`.
fn staff_at(path: OrgPath) -> Actor {
    Actor::unattached("bench", Role::Staff, path)
}

/// Times the dashboard's figures computed afresh, as the first staff member
/// to look after a change waits for them: every district's and the city's.
pub async fn dashboard(settings: &Settings, args: &BenchDashboardArgs) -> anyhow::Result<()> {
    let db = crate::open_db(settings).await?;
    let folded = xieshang_store::concern::tally::compact(&db).await?;
    let paths = |kind: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT path FROM orgs WHERE kind = $1 ORDER BY id")
                .bind(kind)
                .fetch_all(db.pool())
                .await?
                .iter()
                .map(|p| OrgPath::parse(p).ok_or_else(|| anyhow::anyhow!("bad path {p}")))
                .collect::<anyhow::Result<Vec<_>>>()
        }
    };
    let concerns: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(db.pool())
        .await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "bench dashboard ({}): {concerns} concerns, {folded} log rows folded first",
        db.dialect().name()
    )?;
    for (label, kind) in [("district staff", "district"), ("city staff", "city")] {
        let scopes: Vec<Actor> = paths(kind).await?.into_iter().map(staff_at).collect();
        let mut times = Vec::new();
        let mut counted = 0;
        for _ in 0..args.rounds {
            for who in &scopes {
                let t = Instant::now();
                counted += xieshang_store::concern::stats::compute(&db, who)
                    .await?
                    .total as usize;
                times.push(t.elapsed());
            }
        }
        line(
            &mut out,
            &format!("dashboard figures, {label} (\"results\" = concerns counted)"),
            times,
            counted,
        )?;
    }
    Ok(())
}

/// Runs the measurements and prints them.
pub async fn search(settings: &Settings, args: &BenchSearchArgs) -> anyhow::Result<()> {
    let db = crate::open_db(settings).await?;
    let pool = db.pool();
    let (concerns, max_id): (i64, i64) = {
        let r = sqlx::query("SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS m FROM concerns")
            .fetch_one(pool)
            .await?;
        (r.try_get("n")?, r.try_get("m")?)
    };
    anyhow::ensure!(
        concerns > 0,
        "no concerns: run `xieshang bench datagen` first"
    );
    let indexed = xieshang_store::index::index_missing(&db).await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);

    // Sample concerns: their words make the queries, their texts the suggestions.
    let mut samples = Vec::new();
    while samples.len() < args.requests {
        let id = rng.random_range(1..=max_id);
        let row = sqlx::query(
            "SELECT c.title, c.description, c.address, c.org_id, o.path FROM concerns c
             JOIN orgs o ON o.id = c.org_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?;
        if let Some(r) = row {
            samples.push((
                r.try_get::<String, _>("title")?,
                r.try_get::<String, _>("description")?,
                r.try_get::<Option<String>, _>("address")?,
                r.try_get::<i64, _>("org_id")?,
                r.try_get::<String, _>("path")?,
            ));
        }
    }
    let queries: Vec<(String, OrgPath)> = samples
        .iter()
        .map(|(title, _, _, _, path)| {
            let words = xieshang_text::words(title);
            let n = if words.len() > 1 && rng.random_bool(0.5) {
                2
            } else {
                1
            };
            let start = rng.random_range(0..words.len().saturating_sub(n - 1).max(1));
            let q = words
                .iter()
                .skip(start)
                .take(n)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let district = OrgPath::parse(path)
                .map(|p| p.ids().into_iter().take(2).collect::<Vec<_>>())
                .unwrap_or_default();
            let district = district
                .iter()
                .fold(None, |acc: Option<OrgPath>, id| {
                    Some(match acc {
                        None => OrgPath::root(*id),
                        Some(p) => p.child(*id),
                    })
                })
                .unwrap_or_else(|| OrgPath::root(1));
            (q, district)
        })
        .collect();
    let city: String =
        sqlx::query_scalar("SELECT path FROM orgs WHERE kind = 'city' ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await?;
    let city = staff_at(OrgPath::parse(&city).ok_or_else(|| anyhow::anyhow!("bad city path"))?);

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "bench search ({}): {concerns} concerns{}",
        db.dialect().name(),
        if indexed > 0 {
            format!(", {indexed} indexed first")
        } else {
            String::new()
        }
    )?;
    // Warm the caches the way a running server has them warm.
    for (q, _) in queries.iter().take(20) {
        let f = Filter {
            q: q.clone(),
            limit: 50,
            ..Default::default()
        };
        search::search(&db, &city, &f).await?;
    }
    for (label, scope) in [
        ("search, district staff", false),
        ("search, city-wide", true),
    ] {
        let mut times = Vec::new();
        let mut hits = 0;
        for (q, district) in &queries {
            let who = if scope {
                city.clone()
            } else {
                staff_at(district.clone())
            };
            let f = Filter {
                q: q.clone(),
                limit: 50,
                ..Default::default()
            };
            let t = Instant::now();
            hits += search::search(&db, &who, &f).await?.len();
            times.push(t.elapsed());
        }
        line(&mut out, label, times, hits)?;
    }
    let mut times = Vec::new();
    let mut hits = 0;
    for (title, description, address, org, _) in &samples {
        let text = xieshang_store::index::concern_text(title, description, address.as_deref());
        let t = Instant::now();
        hits += search::similar(&db, *org, &text, None, 5).await?.len();
        times.push(t.elapsed());
    }
    line(
        &mut out,
        "suggestions (similar open concerns in the street)",
        times,
        hits,
    )?;
    // The tokens intake computes for each submission (in the request, before
    // the group commit): the sampled concerns' texts, and the same texts
    // repeated to the longest description a resident may send.
    for (label, longest) in [
        (
            "index tokens of a concern's text (\"results\" = tokens)",
            false,
        ),
        ("index tokens of a 2,000-character text", true),
    ] {
        let mut times = Vec::new();
        let mut tokens = 0;
        for (title, description, address, _, _) in &samples {
            let mut text =
                xieshang_store::index::concern_text(title, description, address.as_deref());
            if longest {
                text = text.chars().cycle().take(2_000).collect();
            }
            let t = Instant::now();
            tokens += xieshang_text::search_tokens(&text).len();
            times.push(t.elapsed());
        }
        line(&mut out, label, times, tokens)?;
    }
    db.close().await;
    Ok(())
}
