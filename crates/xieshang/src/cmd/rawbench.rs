//! The machine's limits, for the load benchmark to be read against
//! (`scripts/load-bench.sh`): durable single-row inserts with the product's
//! connection settings, and a minimal axum handler that reads one row by primary
//! key and renders a page. Also `bench sample`, which prints tracking codes and an
//! area code of a generated database for the load generator.

use anyhow::Context;
use clap::Args;
use rand::Rng;
use sqlx::Row;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use xieshang_store::Db;

/// Where and how long to insert.
#[derive(Debug, Args)]
pub struct RawInsertArgs {
    /// A database of its own: sqlite://PATH or postgres://… (a table raw_rows is created).
    #[arg(long)]
    pub url: String,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent writers.
    #[arg(long, default_value_t = 1)]
    pub clients: usize,
    /// On SQLite, insert through the product's driver (sqlx) instead of
    /// SQLite's own interface (for comparison; the limit is the direct one).
    #[arg(long)]
    pub through_sqlx: bool,
}

fn body(n: u64) -> String {
    // About 500 bytes: a concern-sized row of Chinese text and figures.
    let mut s = format!("{n:012} ");
    while s.len() < 500 {
        s.push_str("凤凰路与人民路交叉口路灯不亮，晚上行人看不清路，请尽快维修。");
    }
    s
}

/// `CREATE TABLE IF NOT EXISTS` with the dialect's id column, then `columns`.
fn table_ddl(dialect: xieshang_store::Dialect, table: &str, columns: &str) -> String {
    dialect.ddl(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (id {{{{id}}}}, {columns})"
    ))
}

async fn create_table(db: &Db, table: &str, columns: &str) -> anyhow::Result<()> {
    let sql = table_ddl(db.dialect(), table, columns);
    sqlx::query(&sql).execute(db.pool()).await?;
    Ok(())
}

/// Inserts one ~500-byte row per transaction (BEGIN IMMEDIATE on SQLite, as the
/// product writes) for a while and prints the rate and latency. On SQLite the
/// rows go through SQLite's own interface ([`insert_sqlite_direct`]) unless
/// `--through-sqlx`; on PostgreSQL through sqlx, whose client work is small
/// beside the server's.
pub async fn insert(args: &RawInsertArgs) -> anyhow::Result<()> {
    let direct = crate::sqlite_path(&args.url)
        .filter(|_| !args.through_sqlx)
        .map(str::to_owned);
    let started = Instant::now();
    let (backend, via, mut times) = match direct {
        Some(path) => {
            let (seconds, clients) = (args.seconds, args.clients);
            let times =
                tokio::task::spawn_blocking(move || insert_sqlite_direct(&path, seconds, clients))
                    .await??;
            ("sqlite", "rusqlite", times)
        }
        None => {
            let db = Db::connect(&args.url)
                .await
                .context("opening the raw database")?;
            let times = insert_through_sqlx(&db, args).await?;
            db.close().await;
            (dialect_name(&db), "sqlx", times)
        }
    };
    let secs = started.elapsed().as_secs_f64();
    times.sort();
    let pct = |p: f64| {
        let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len().max(1)) - 1;
        times
            .get(i)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    writeln!(
        std::io::stdout(),
        "raw durable insert ({backend}, {} client(s), {via}): {} rows in {:.1} s = {:.0} rows/s, p50 {:.2} ms, p99 {:.2} ms",
        args.clients.max(1),
        times.len(),
        secs,
        times.len() as f64 / secs,
        pct(0.5),
        pct(0.99)
    )?;
    Ok(())
}

/// The rows through the product's driver: `Db::begin_write`, one INSERT, commit.
async fn insert_through_sqlx(db: &Db, args: &RawInsertArgs) -> anyhow::Result<Vec<Duration>> {
    create_table(db, "raw_rows", "body TEXT NOT NULL").await?;
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.clients.max(1) {
        let (db, stop, counter) = (db.clone(), stop.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                let mut tx = db.begin_write().await?;
                sqlx::query("INSERT INTO raw_rows (body) VALUES ($1)")
                    .bind(body(n))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                times.push(t.elapsed());
            }
            anyhow::Ok(times)
        }));
    }
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    Ok(times)
}

/// SQLite's limit itself: a rusqlite connection per client, each on a thread
/// of its own, with the product's pragmas; `BEGIN IMMEDIATE`, one row,
/// `COMMIT`. No async driver sits in between (sqlx hands each statement to a
/// worker thread, three hand-overs a row), so this is what SQLite and the
/// disk allow.
fn insert_sqlite_direct(path: &str, seconds: u64, clients: usize) -> anyhow::Result<Vec<Duration>> {
    let open = || -> anyhow::Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open(path)?;
        for pragma in xieshang_store::db::SQLITE_PRAGMAS {
            // journal_mode answers with a row, the others with none.
            let mut stmt = conn.prepare(pragma)?;
            let mut rows = stmt.query([])?;
            while rows.next()?.is_some() {}
        }
        Ok(conn)
    };
    open()?.execute_batch(&table_ddl(
        "sqlite:".parse()?,
        "raw_rows",
        "body TEXT NOT NULL",
    ))?;
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    for _ in 0..clients.max(1) {
        let conn = open()?;
        let (stop, counter) = (stop.clone(), counter.clone());
        threads.push(std::thread::spawn(
            move || -> anyhow::Result<Vec<Duration>> {
                let mut times = Vec::new();
                let mut insert = conn.prepare("INSERT INTO raw_rows (body) VALUES (?1)")?;
                while !stop.load(Ordering::Relaxed) {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    conn.execute_batch("BEGIN IMMEDIATE")?;
                    insert.execute([body(n)])?;
                    conn.execute_batch("COMMIT")?;
                    times.push(t.elapsed());
                }
                Ok(times)
            },
        ));
    }
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut times = Vec::new();
    for t in threads {
        let done = t
            .join()
            .map_err(|_| anyhow::anyhow!("an insert thread panicked"))?;
        times.extend(done?);
    }
    Ok(times)
}

fn dialect_name(db: &Db) -> &'static str {
    db.dialect().name()
}

/// What to serve.
#[derive(Debug, Args)]
pub struct RawServeArgs {
    /// A database of its own (a table raw_pages is created and filled once).
    #[arg(long)]
    pub url: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8091")]
    pub addr: String,
    /// Rows in the table.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: i64,
    /// Size of the rendered page in bytes (match the page being compared).
    #[arg(long, default_value_t = 5_000)]
    pub page_bytes: usize,
    /// Read through sqlx's pool, which tests each connection with a round
    /// trip on its way back, instead of the reader connections the status page
    /// uses (for comparison).
    #[arg(long)]
    pub through_sqlx_pool: bool,
}

#[derive(Clone)]
struct RawState {
    db: Db,
    page_bytes: usize,
    through_sqlx_pool: bool,
}

async fn raw_page(
    axum::extract::State(s): axum::extract::State<RawState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Result<axum::response::Html<String>, axum::http::StatusCode> {
    let query = sqlx::query("SELECT title, body FROM raw_pages WHERE id = $1").bind(id);
    let row = if s.through_sqlx_pool {
        query.fetch_optional(s.db.pool()).await
    } else {
        match s.db.reader().await {
            Ok(mut reader) => reader.fetch_optional(query).await,
            Err(e) => Err(e),
        }
    }
    .map_err(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR)?
    .ok_or(axum::http::StatusCode::NOT_FOUND)?;
    let title: String = row.try_get("title").unwrap_or_default();
    let text: String = row.try_get("body").unwrap_or_default();
    let mut html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p>"
    );
    // Pad to the size of the page it stands in for.
    while html.len() + 20 < s.page_bytes {
        html.push_str("<p>办理过程</p>");
    }
    html.push_str("</main></body></html>");
    Ok(axum::response::Html(html))
}

/// Fills the table once, then serves `GET /r/{id}` until interrupted.
pub async fn serve(args: &RawServeArgs) -> anyhow::Result<()> {
    let db = Db::connect(&args.url)
        .await
        .context("opening the raw database")?;
    create_table(&db, "raw_pages", "title TEXT NOT NULL, body TEXT NOT NULL").await?;
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM raw_pages")
        .fetch_one(db.pool())
        .await?;
    let mut n = have;
    while n < args.rows {
        let mut tx = db.begin_write().await?;
        let end = (n + 1_000).min(args.rows);
        let mut sql = String::from("INSERT INTO raw_pages (title, body) VALUES ");
        let mut values = Vec::new();
        for i in n..end {
            let k = values.len();
            if k > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${})", k + 1, k + 2));
            values.push(format!("路灯不亮 {i}"));
            values.push(body(i as u64).chars().take(70).collect());
        }
        let mut q = sqlx::query(&sql);
        for v in values {
            q = q.bind(v);
        }
        q.execute(&mut *tx).await?;
        tx.commit().await?;
        n = end;
    }
    let app = axum::Router::new()
        .route("/r/{id}", axum::routing::get(raw_page))
        .with_state(RawState {
            db,
            page_bytes: args.page_bytes,
            through_sqlx_pool: args.through_sqlx_pool,
        });
    let listener = tokio::net::TcpListener::bind(&args.addr).await?;
    writeln!(
        std::io::stdout(),
        "raw page server on http://{} ({} rows)",
        args.addr,
        args.rows
    )?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// How many codes.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Tracking codes to print.
    #[arg(long, default_value_t = 10_000)]
    pub codes: usize,
}

/// Prints `area CODE` (a grid) and then random tracking codes, one per line.
pub async fn sample(settings: &crate::config::Settings, args: &SampleArgs) -> anyhow::Result<()> {
    let db = crate::open_db(settings).await?;
    let area: String =
        sqlx::query_scalar("SELECT code FROM orgs WHERE kind = 'grid' ORDER BY id LIMIT 1")
            .fetch_one(db.pool())
            .await?;
    let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM concerns")
        .fetch_one(db.pool())
        .await?;
    anyhow::ensure!(max > 0, "no concerns: run `xieshang bench datagen` first");
    let mut out = std::io::stdout().lock();
    writeln!(out, "area {area}")?;
    let mut rng = rand::rng();
    let mut printed = 0;
    while printed < args.codes {
        let id = rng.random_range(1..=max);
        let code: Option<String> =
            sqlx::query_scalar("SELECT tracking_code FROM concerns WHERE id = $1")
                .bind(id)
                .fetch_optional(db.pool())
                .await?;
        if let Some(c) = code {
            writeln!(out, "{c}")?;
            printed += 1;
        }
    }
    db.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::insert_sqlite_direct;

    /// Every insert the limit counts is in the file, in WAL mode with full
    /// synchronisation, as the product writes.
    #[test]
    fn the_direct_sqlite_limit_counts_rows_it_kept_with_the_products_pragmas() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("raw.db");
        let path = path.to_str().expect("a UTF-8 path");
        let times = insert_sqlite_direct(path, 1, 2).expect("inserts");
        assert!(!times.is_empty());
        let conn = rusqlite::Connection::open(path).expect("the file opens");
        let kept: i64 = conn
            .query_row("SELECT COUNT(*) FROM raw_rows", [], |r| r.get(0))
            .expect("a count");
        assert_eq!(kept, times.len() as i64);
        let shortest: i64 = conn
            .query_row(
                "SELECT MIN(length(CAST(body AS BLOB))) FROM raw_rows",
                [],
                |r| r.get(0),
            )
            .expect("a length");
        assert!(shortest >= 500, "rows of about 500 bytes, got {shortest}");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("the journal mode");
        assert_eq!(mode, "wal");
    }
}
