//! Connections for the hottest public reads (the status page), kept in a pool of
//! their own outside sqlx's.
//!
//! sqlx 0.8 tests every connection on its way back into its pool with a round
//! trip, unconditionally: on PostgreSQL a Sync message and the wait for the
//! server's ReadyForQuery, on SQLite a hand-over to the connection's thread and
//! back. For a page that asks one statement that doubled the messages to
//! PostgreSQL (a second wake-up of its backend per page) and was 15% of the
//! server's CPU (`perf`, BENCHMARKS.md 2026-12-03, third session).
//!
//! Here a connection goes back to its pool without a round trip. What the test on
//! release guards against is a statement abandoned half-way (its future dropped
//! when the visitor went away): such a connection is never reused, it is closed,
//! and the pool opens a fresh one. A PostgreSQL connection that sat idle is
//! pinged before it is handed out, as the main pool does. Reader connections
//! cannot write: SQLite's are `query_only`, PostgreSQL's transactions default to
//! read-only.

use crate::db::dialect::{Dialect, PING_AFTER_IDLE};
use deadpool::managed::{self, Metrics, Object, RecycleError, RecycleResult};
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyRow};
use sqlx::{Any, AnyConnection, ConnectOptions, Connection, Executor};
use std::sync::Arc;
use std::time::Duration;

/// How long a page waits for a reader connection, or for a new one to open.
const WAIT: Duration = Duration::from_secs(10);

/// Opens and vets reader connections for [`Readers`].
#[derive(Debug)]
pub struct ReaderManager {
    options: Arc<AnyConnectOptions>,
    dialect: Dialect,
}

/// A reader connection and whether its last statement ran to its end.
#[derive(Debug)]
pub struct ReaderConn {
    conn: AnyConnection,
    finished: bool,
}

impl managed::Manager for ReaderManager {
    type Type = ReaderConn;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<ReaderConn, sqlx::Error> {
        let mut conn = self.options.connect().await?;
        for stmt in self.dialect.reader_setup() {
            conn.execute(stmt).await?;
        }
        Ok(ReaderConn {
            conn,
            finished: true,
        })
    }

    async fn recycle(&self, obj: &mut ReaderConn, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if !obj.finished {
            return Err(RecycleError::message(
                "a statement was abandoned half-way on this connection",
            ));
        }
        if self.dialect.pings_idle_connections() && metrics.last_used() >= PING_AFTER_IDLE {
            obj.conn.ping().await.map_err(RecycleError::Backend)?;
        }
        Ok(())
    }
}

/// The pool of reader connections (cheap to clone: it is shared).
#[derive(Clone, Debug)]
pub struct Readers {
    pool: managed::Pool<ReaderManager>,
}

impl Readers {
    /// A pool of at most `size` connections like `options`; none is opened
    /// until one is asked for.
    pub fn new(options: Arc<AnyConnectOptions>, dialect: Dialect, size: usize) -> Readers {
        let manager = ReaderManager { options, dialect };
        let pool = managed::Pool::builder(manager)
            .max_size(size)
            .runtime(deadpool::Runtime::Tokio1)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(WAIT))
            .recycle_timeout(Some(WAIT))
            .build()
            // Only a timeout without a runtime fails to build, and one is set.
            .unwrap_or_else(|e| panic!("reader pool: {e}"));
        Readers { pool }
    }

    /// A connection, for one or more statements through [`Reader`].
    pub async fn get(&self) -> sqlx::Result<Reader> {
        use managed::PoolError;
        match self.pool.get().await {
            Ok(obj) => Ok(Reader(obj)),
            Err(PoolError::Backend(e)) => Err(e),
            Err(PoolError::Timeout(_)) => Err(sqlx::Error::PoolTimedOut),
            Err(PoolError::Closed) => Err(sqlx::Error::PoolClosed),
            Err(e) => Err(sqlx::Error::Protocol(format!("reader pool: {e}"))),
        }
    }

    /// Closes the pool: connections are closed as they come back.
    pub fn close(&self) {
        self.pool.close();
    }
}

/// A reader connection on loan; it goes back to the pool when dropped.
pub struct Reader(Object<ReaderManager>);

impl Reader {
    /// Runs a statement and returns its first row, if any.
    pub async fn fetch_optional<'q>(
        &mut self,
        query: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    ) -> sqlx::Result<Option<AnyRow>> {
        let ReaderConn { conn, finished } = &mut *self.0;
        to_the_end(finished, query.fetch_optional(conn)).await
    }

    /// Runs a statement and returns all its rows.
    pub async fn fetch_all<'q>(
        &mut self,
        query: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    ) -> sqlx::Result<Vec<AnyRow>> {
        let ReaderConn { conn, finished } = &mut *self.0;
        to_the_end(finished, query.fetch_all(conn)).await
    }

    /// Which connection this is (tests: a connection is reused or replaced).
    pub fn id(&self) -> managed::ObjectId {
        Object::id(&self.0)
    }
}

/// Runs a connection's statement, marked unfinished until it has run to its
/// end: dropped before then, or failed, the connection is closed instead of
/// reused.
async fn to_the_end<T>(
    finished: &mut bool,
    statement: impl std::future::Future<Output = sqlx::Result<T>>,
) -> sqlx::Result<T> {
    *finished = false;
    let out = statement.await?;
    *finished = true;
    Ok(out)
}
