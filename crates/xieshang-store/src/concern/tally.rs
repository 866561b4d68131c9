//! The dashboard's counts per unit, kept up to date by the database itself.
//!
//! Triggers on `concerns` and the concerns' rows of `item_feedback` (frozen
//! SQL: migration 18's `migrations/0018_tally_triggers.*.sql` over the former
//! `concern_feedback`, remade over `item_feedback` in migration 23) append every change to
//! `concern_tally_log` as differences (a state change is −1 for the old state
//! and +1 for the new one, at the concern's unit); [`compact`] folds the log
//! into `concern_tallies`, and readers add the two (`concern::stats`). The
//! triggers see every write, whichever code path makes it, so the counts
//! cannot drift from the concerns as hand-kept counters could; the log is
//! only ever appended to between compactions, so concurrent writers never
//! wait for each other on a hot counter row (on PostgreSQL two intake
//! batches updating the same counters in different orders could deadlock).
//!
//! Dimensions: `state`, `category`, `resolved` (time from submission to
//! resolution in tenths of a day, rounded: the figure the dashboard shows)
//! and `rating` (each feedback row, at its concern's unit). Each is counted
//! twice: at the concern's unit, and at its branch (`branch_id`, the district)
//! under the same names prefixed `b.`, so that a district's or the city's
//! figures read a few dozen rows per district rather than every unit's.

use crate::db::dialect::LogFold;
use crate::db::Db;
use crate::Result;

/// A tenth of a day in ms: the resolution histogram's bucket.
pub const BUCKET_MS: i64 = 8_640_000;

/// The bucket of a resolution time, as the triggers compute it.
fn bucket(row: &str) -> String {
    format!(
        "CAST(({row}.resolved_at - {row}.created_at + {}) / {BUCKET_MS} AS TEXT)",
        BUCKET_MS / 2
    )
}

/// Where counts are kept: at the concern's own unit (dimensions as named),
/// and at its branch (the unit below the root it lies under, `branch_id`;
/// dimensions prefixed `b.`), so that a district's or the city's figures
/// read a few dozen rows per branch instead of every unit's.
const VIEWS: [(&str, &str); 2] = [("org_id", ""), ("branch_id", "b.")];

/// Every count, recounted from the concerns and their feedback.
fn recount_sql() -> String {
    VIEWS
        .iter()
        .map(|(u, p)| {
            format!(
                "SELECT {u} AS org_id, '{p}state' AS dim, state AS k, COUNT(*) AS n FROM concerns
                   WHERE {u} IS NOT NULL GROUP BY {u}, state
                 UNION ALL SELECT {u}, '{p}category', category, COUNT(*) FROM concerns
                   WHERE {u} IS NOT NULL GROUP BY {u}, category
                 UNION ALL SELECT {u}, '{p}resolved', {b}, COUNT(*) FROM concerns c
                   WHERE {u} IS NOT NULL AND resolved_at IS NOT NULL GROUP BY 1, 3
                 UNION ALL SELECT c.{u}, '{p}rating', f.rating, COUNT(*) FROM item_feedback f
                   JOIN concerns c ON f.kind = 'concern' AND f.item_id = c.id WHERE c.{u} IS NOT NULL
                   GROUP BY c.{u}, f.rating",
                b = bucket("c")
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL ")
}

/// Folds the log into the tallies; returns the log rows folded. Run by the
/// job worker between rounds and by `datagen`; safe beside writers and
/// readers and against another compaction (on PostgreSQL the second waits).
pub async fn compact(db: &Db) -> Result<u64> {
    let mut tx = db.begin_write().await?;
    let fold = "INSERT INTO concern_tallies (org_id, dim, k, n)";
    let add = "ON CONFLICT (org_id, dim, k) DO UPDATE SET n = concern_tallies.n + excluded.n";
    // SQLite's write transaction holds the only write turn: nothing is
    // appended between the fold and the delete. On PostgreSQL rows committed
    // while this runs are not deleted and wait for the next compaction; the
    // lock keeps two compactions from updating the same counts in different
    // orders.
    let folded = match tx
        .dialect()
        .log_fold("concern_tally_log", fold, add, 7300002)
    {
        LogFold::FoldThenDelete { fold, delete } => {
            sqlx::query(&fold).execute(&mut *tx).await?;
            sqlx::query(&delete)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }
        LogFold::MoveAndFold { lock, fold } => {
            sqlx::query(&lock).execute(&mut *tx).await?;
            let n: i64 = sqlx::query_scalar(&fold).fetch_one(&mut *tx).await?;
            n as u64
        }
    };
    tx.commit().await?;
    // On PostgreSQL the deleted rows stay in the table's pages until a
    // vacuum, and every fold reads them all again: without this, `datagen`'s
    // folds (one per 2,000 concerns) slowed down as the log's dead rows grew
    // (2,930 concerns/s for the first 100,000, 1,202 on average by the
    // 500,000th, 2.8 million dead rows and no autovacuum yet). A vacuum of
    // the few pages the log occupies is cheap, and on PostgreSQL it must run
    // outside a transaction. Without truncating the table's empty end: that
    // takes an exclusive lock, which the intake's triggers (inserting into
    // the log) would queue behind.
    if let Some(vacuum) = db.dialect().vacuum_keeping_pages("concern_tally_log") {
        if folded > 0 {
            sqlx::query(&vacuum).execute(db.pool()).await?;
        }
    }
    Ok(folded)
}

/// Whether the kept counts (tallies and log together) equal a recount of the
/// concerns: the rows that differ, as (unit, dimension, key, kept, recounted).
pub async fn verify(db: &Db) -> Result<Vec<(i64, String, String, i64, i64)>> {
    use crate::db::col;
    let rows = sqlx::query(&format!(
        "SELECT org_id, dim, k, CAST(SUM(kept) AS BIGINT) AS kept, CAST(SUM(counted) AS BIGINT) AS counted
         FROM (SELECT org_id, dim, k, n AS kept, 0 AS counted FROM concern_tallies
               UNION ALL SELECT org_id, dim, k, d, 0 FROM concern_tally_log
               UNION ALL SELECT org_id, dim, k, 0, n FROM ({}) r) x
         GROUP BY org_id, dim, k HAVING SUM(kept) <> SUM(counted)
         ORDER BY org_id, dim, k",
        recount_sql()
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                col(r, "org_id")?,
                col(r, "dim")?,
                col(r, "k")?,
                col(r, "kept")?,
                col(r, "counted")?,
            ))
        })
        .collect()
}
