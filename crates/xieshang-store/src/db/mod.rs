//! Connection pools, transactions and batch writes. What differs between
//! SQLite and PostgreSQL is in the dialect module, [`dialect`].

pub mod dialect;

pub use dialect::{Dialect, SQLITE_PRAGMAS};

pub mod coalesce;
pub mod reader;
pub mod scope;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Transaction};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A write transaction. On SQLite it also holds the process's turn to write
/// ([`Db::begin_write`]); it derefs to the connection, so statements run on
/// `&mut **tx` (or `&mut *tx` on an owned one).
pub struct Tx {
    inner: Transaction<'static, Any>,
    dialect: Dialect,
    // Dropped after `inner`, whose drop queues the rollback of an unfinished
    // transaction on its connection first.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    /// Commits.
    pub async fn commit(self) -> sqlx::Result<()> {
        self.inner.commit().await
    }

    /// Rolls back.
    pub async fn rollback(self) -> sqlx::Result<()> {
        self.inner.rollback().await
    }

    /// Which database the transaction is on.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }
}

/// The source of "now" in unix milliseconds; tests can fix and move it.
#[derive(Clone, Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// A clock that stands still until moved.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// Current time in unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => chrono::Utc::now().timestamp_millis(),
            Clock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; no effect on the system clock.
    pub fn advance_ms(&self, ms: i64) {
        if let Clock::Manual(t) = self {
            t.fetch_add(ms, Ordering::SeqCst);
        }
    }
}

/// A database handle: pool, dialect and clock.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
    clock: Clock,
    /// Which connection this is, for in-process caches shared by several databases.
    serial: u64,
    /// SQLite's writers take turns here before `BEGIN IMMEDIATE`.
    writers: Option<Arc<tokio::sync::Mutex<()>>>,
    /// Connections for the hottest public reads ([`crate::db::reader`]).
    readers: crate::db::reader::Readers,
    /// Values features keep once per database (such as the status page's
    /// coalesced reads), by type: see [`Db::shared`].
    shared: Arc<std::sync::Mutex<Vec<Arc<dyn std::any::Any + Send + Sync>>>>,
}

impl Db {
    /// Connects to a `sqlite://` or `postgres://` URL. SQLite files are created if missing.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let dialect: Dialect = url.parse()?;
        let opts =
            dialect.pool_options(AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10)));
        let url = dialect.pool_url(url);
        let pool = opts.connect(&url).await?;
        let readers =
            crate::db::reader::Readers::new(pool.connect_options(), dialect, dialect.readers());
        static SERIAL: AtomicI64 = AtomicI64::new(0);
        Ok(Db {
            pool,
            dialect,
            clock: Clock::System,
            serial: SERIAL.fetch_add(1, Ordering::Relaxed) as u64,
            writers: dialect.single_writer().then(Default::default),
            readers,
            shared: Default::default(),
        })
    }

    /// The same database through a pool of its own of at most `connections`,
    /// for tasks on a runtime of their own: the pool connects lazily, so its
    /// connections are opened, and their sockets driven, by the runtime that
    /// uses them (and a database that is down for a while fails that while's
    /// statements, as the shared pool's would). PostgreSQL only; SQLite's
    /// writers must share the process's write turn.
    pub fn with_own_pool(&self, connections: u32) -> Db {
        debug_assert!(!self.dialect.single_writer());
        let opts = self.pool.connect_options();
        let pool = dialect::postgres_pool(
            AnyPoolOptions::new()
                .acquire_timeout(Duration::from_secs(10))
                .max_connections(connections),
        )
        .connect_lazy_with((*opts).clone());
        Db {
            pool,
            ..self.clone()
        }
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Db {
        self.clock = clock;
        self
    }

    /// The pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now, in unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Opens a write transaction. SQLite has one writer at a time: the
    /// process's writers queue for it in order here, instead of in SQLite's
    /// busy handler, which retries with sleeps of up to 100 ms and let a busy
    /// writer (the job worker) starve the intake writer for seconds.
    pub async fn begin_write(&self) -> sqlx::Result<Tx> {
        let turn = match &self.writers {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        };
        let inner = self.pool.begin_with(self.dialect.begin_write()).await?;
        Ok(Tx {
            inner,
            dialect: self.dialect,
            _turn: turn,
        })
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }

    /// A number that tells this database apart from others opened by the process.
    pub fn instance(&self) -> u64 {
        self.serial
    }

    /// A reader connection, for the hottest public reads ([`crate::db::reader`]).
    pub async fn reader(&self) -> sqlx::Result<crate::db::reader::Reader> {
        self.readers.get().await
    }

    /// The value of type `T` this database keeps for a feature, made by
    /// `init` the first time it is asked for; copies of this `Db` (and
    /// [`Db::with_own_pool`]) share it. Lets a feature keep per-database state
    /// (the status page's coalesced reads) without the database module knowing
    /// the feature.
    pub fn shared<T: std::any::Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let mut all = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = all.iter().find_map(|v| v.clone().downcast::<T>().ok()) {
            return found;
        }
        let made = Arc::new(init());
        all.push(made.clone());
        made
    }

    /// Closes the pools.
    pub async fn close(&self) {
        self.readers.close();
        self.pool.close().await;
    }
}

/// A bound argument of a dynamically built query.
#[derive(Debug, Clone)]
pub enum Arg {
    /// An integer.
    Int(i64),
    /// A string.
    Text(String),
    /// NULL in an integer column.
    NullInt,
    /// NULL in a text column.
    NullText,
    /// A floating-point number.
    Float(f64),
    /// NULL in a floating-point column.
    NullFloat,
}

/// `$first, $first+1, …` for `n` parameters: the list inside an `IN (…)`.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds a query from SQL and dynamic arguments.
pub fn query_with(
    sql: &str,
    args: Vec<Arg>,
) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
    let mut q = sqlx::query(sql);
    for a in args {
        q = match a {
            Arg::Int(i) => q.bind(i),
            Arg::Text(s) => q.bind(s),
            Arg::NullInt => q.bind(None::<i64>),
            Arg::NullText => q.bind(None::<String>),
            Arg::Float(f) => q.bind(f),
            Arg::NullFloat => q.bind(None::<f64>),
        };
    }
    q
}

/// Reads a column, mapping decode errors into the store error.
pub fn col<'r, T>(row: &'r AnyRow, name: &str) -> sqlx::Result<T>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    use sqlx::Row;
    row.try_get(name)
}

/// Rows for one multi-row INSERT, so a batch of writes costs one statement (and
/// one round trip) per table instead of one per row. `None` values become typed
/// NULL parameters, so a batch's SQL is the same text for the same number of
/// rows and its prepared statement is reused.
///
/// On SQLite the parameters are anonymous (`?`), in order
/// (the dialect's `push_placeholder`): with `$n` a batch of 64 concerns took 9%
/// of the server's CPU during intake to bind (`perf`, BENCHMARKS.md
/// 2026-12-04, third session).
pub(crate) struct Batch {
    head: &'static str,
    width: usize,
    /// Which columns hold text, and which floating-point numbers (for typed NULLs).
    text: &'static [usize],
    floats: &'static [usize],
    /// Rows pushed since the last flush.
    pub(crate) rows: usize,
    values: Vec<Option<Arg>>,
}

impl Batch {
    /// `head` is `INSERT INTO t (a, b, …)` with `width` columns; `text` lists
    /// the text columns by position.
    pub(crate) fn new(head: &'static str, width: usize, text: &'static [usize]) -> Batch {
        Batch {
            head,
            width,
            text,
            floats: &[],
            rows: 0,
            values: Vec::new(),
        }
    }

    /// Marks floating-point columns by position.
    pub(crate) fn floats(mut self, floats: &'static [usize]) -> Batch {
        self.floats = floats;
        self
    }

    /// Adds one row of `width` values.
    pub(crate) fn push(&mut self, row: Vec<Option<Arg>>) {
        debug_assert_eq!(row.len(), self.width);
        self.values.extend(row);
        self.rows += 1;
    }

    fn take(&mut self, dialect: Dialect) -> (String, Vec<Arg>) {
        let mut sql = String::with_capacity(self.values.len() * 6 + self.head.len());
        sql.push_str(self.head);
        let mut args = Vec::with_capacity(self.values.len());
        for (i, v) in std::mem::take(&mut self.values).into_iter().enumerate() {
            let col = i % self.width;
            sql.push_str(match (i, col) {
                (0, _) => " VALUES (",
                (_, 0) => "), (",
                _ => ", ",
            });
            args.push(v.unwrap_or(if self.text.contains(&col) {
                Arg::NullText
            } else if self.floats.contains(&col) {
                Arg::NullFloat
            } else {
                Arg::NullInt
            }));
            dialect.push_placeholder(&mut sql, args.len());
        }
        sql.push(')');
        self.rows = 0;
        (sql, args)
    }

    /// Inserts the rows pushed so far; returns how many.
    pub(crate) async fn flush(&mut self, tx: &mut Tx) -> sqlx::Result<u64> {
        if self.rows == 0 {
            return Ok(0);
        }
        let rows = self.rows as u64;
        let (sql, args) = self.take(tx.dialect());
        query_with(&sql, args).execute(&mut **tx).await?;
        Ok(rows)
    }

    /// Inserts the rows pushed so far and returns `returning` (a column list)
    /// of each. The rows come back in no particular order (SQLite does not
    /// promise one), so callers match them by a returned key.
    pub(crate) async fn returning(
        &mut self,
        tx: &mut Tx,
        returning: &str,
    ) -> sqlx::Result<Vec<AnyRow>> {
        if self.rows == 0 {
            return Ok(Vec::new());
        }
        let (mut sql, args) = self.take(tx.dialect());
        sql.push_str(" RETURNING ");
        sql.push_str(returning);
        query_with(&sql, args).fetch_all(&mut **tx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batch writer's parameters.
    fn two_rows() -> Batch {
        let mut b = Batch::new("INSERT INTO t (a, b)", 2, &[1]);
        b.push(vec![Some(Arg::Int(1)), None]);
        b.push(vec![Some(Arg::Int(2)), Some(Arg::Text("x".into()))]);
        b
    }

    #[test]
    fn batch_parameters_are_anonymous_on_sqlite_and_numbered_on_postgres() {
        let (sql, args) = two_rows().take(Dialect::Sqlite);
        assert_eq!(sql, "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
        assert!(matches!(
            args.as_slice(),
            [Arg::Int(1), Arg::NullText, Arg::Int(2), Arg::Text(x)] if x == "x"
        ));
        let (sql, args) = two_rows().take(Dialect::Postgres);
        assert_eq!(sql, "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        assert_eq!(args.len(), 4);
    }
}
