//! The dashboard's counts per unit, kept up to date by the database itself.
//!
//! Triggers on `concerns` and `concern_feedback` append every change to
//! `concern_tally_log` as differences (a state change is −1 for the old state
//! and +1 for the new one, at the concern's unit); [`compact`] folds the log
//! into `concern_tallies`, and readers add the two ([`crate::stats`]). The
//! triggers see every write, whichever code path makes it, so the counts
//! cannot drift from the concerns as hand-kept counters could; the log is
//! only ever appended to between compactions, so concurrent writers never
//! wait for each other on a hot counter row (on PostgreSQL two intake
//! batches updating the same counters in different orders could deadlock).
//!
//! Dimensions: `state`, `category`, `resolved` (time from submission to
//! resolution in tenths of a day, rounded: the figure the dashboard shows)
//! and `rating` (each feedback row, at its concern's unit).

use crate::db::{Db, Dialect, Tx};
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

/// The triggers, one statement each.
fn triggers(dialect: Dialect) -> Vec<String> {
    match dialect {
        Dialect::Sqlite => sqlite_triggers(),
        Dialect::Postgres => postgres_triggers(),
    }
}

fn sqlite_triggers() -> Vec<String> {
    let (old_b, new_b) = (bucket("OLD"), bucket("NEW"));
    let log = "INSERT INTO concern_tally_log (org_id, dim, k, d)";
    vec![
        format!(
            "CREATE TRIGGER concern_tally_insert AFTER INSERT ON concerns BEGIN
             {log} SELECT NEW.org_id, 'state', NEW.state, 1
             UNION ALL SELECT NEW.org_id, 'category', NEW.category, 1
             UNION ALL SELECT NEW.org_id, 'resolved', {new_b}, 1 WHERE NEW.resolved_at IS NOT NULL;
             END"
        ),
        format!(
            "CREATE TRIGGER concern_tally_update
             AFTER UPDATE OF org_id, state, category, resolved_at, created_at ON concerns
             WHEN OLD.org_id <> NEW.org_id OR OLD.state <> NEW.state
               OR OLD.category <> NEW.category OR {old_b} IS NOT {new_b}
             BEGIN
             {log} SELECT OLD.org_id, 'state', OLD.state, -1
               WHERE OLD.org_id <> NEW.org_id OR OLD.state <> NEW.state
             UNION ALL SELECT NEW.org_id, 'state', NEW.state, 1
               WHERE OLD.org_id <> NEW.org_id OR OLD.state <> NEW.state
             UNION ALL SELECT OLD.org_id, 'category', OLD.category, -1
               WHERE OLD.org_id <> NEW.org_id OR OLD.category <> NEW.category
             UNION ALL SELECT NEW.org_id, 'category', NEW.category, 1
               WHERE OLD.org_id <> NEW.org_id OR OLD.category <> NEW.category
             UNION ALL SELECT OLD.org_id, 'resolved', {old_b}, -1
               WHERE OLD.resolved_at IS NOT NULL
                 AND (OLD.org_id <> NEW.org_id OR {old_b} IS NOT {new_b})
             UNION ALL SELECT NEW.org_id, 'resolved', {new_b}, 1
               WHERE NEW.resolved_at IS NOT NULL
                 AND (OLD.org_id <> NEW.org_id OR {old_b} IS NOT {new_b})
             UNION ALL SELECT OLD.org_id, 'rating', f.rating, -1 FROM concern_feedback f
               WHERE f.concern_id = OLD.id AND OLD.org_id <> NEW.org_id
             UNION ALL SELECT NEW.org_id, 'rating', f.rating, 1 FROM concern_feedback f
               WHERE f.concern_id = NEW.id AND OLD.org_id <> NEW.org_id;
             END"
        ),
        format!(
            "CREATE TRIGGER concern_tally_delete AFTER DELETE ON concerns BEGIN
             {log} SELECT OLD.org_id, 'state', OLD.state, -1
             UNION ALL SELECT OLD.org_id, 'category', OLD.category, -1
             UNION ALL SELECT OLD.org_id, 'resolved', {old_b}, -1 WHERE OLD.resolved_at IS NOT NULL;
             END"
        ),
        format!(
            "CREATE TRIGGER concern_tally_feedback_insert AFTER INSERT ON concern_feedback BEGIN
             {log} SELECT c.org_id, 'rating', NEW.rating, 1 FROM concerns c WHERE c.id = NEW.concern_id;
             END"
        ),
        format!(
            "CREATE TRIGGER concern_tally_feedback_update
             AFTER UPDATE OF rating, concern_id ON concern_feedback BEGIN
             {log} SELECT c.org_id, 'rating', OLD.rating, -1 FROM concerns c WHERE c.id = OLD.concern_id
             UNION ALL SELECT c.org_id, 'rating', NEW.rating, 1 FROM concerns c WHERE c.id = NEW.concern_id;
             END"
        ),
        format!(
            "CREATE TRIGGER concern_tally_feedback_delete AFTER DELETE ON concern_feedback BEGIN
             {log} SELECT c.org_id, 'rating', OLD.rating, -1 FROM concerns c WHERE c.id = OLD.concern_id;
             END"
        ),
    ]
}

/// PostgreSQL's triggers run once per statement over its transition tables,
/// so a batch of 64 concerns logs its counts already summed.
fn postgres_triggers() -> Vec<String> {
    let (o_b, n_b) = (bucket("o"), bucket("n"));
    let log = "INSERT INTO concern_tally_log (org_id, dim, k, d)";
    // The differences of a set of rows `r` with sign `s`.
    let rows = |r: &str, s: i64| {
        format!(
            "SELECT org_id, 'state', state, {s} * COUNT(*) FROM {r} GROUP BY org_id, state
             UNION ALL SELECT org_id, 'category', category, {s} * COUNT(*) FROM {r}
               GROUP BY org_id, category
             UNION ALL SELECT org_id, 'resolved', {b}, {s} * COUNT(*) FROM {r} n
               WHERE resolved_at IS NOT NULL GROUP BY 1, 3",
            b = bucket("n")
        )
    };
    let function = |name: &str, body: String| {
        format!(
            "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             {body};
             RETURN NULL;
             END
             $body$"
        )
    };
    let trigger = |name: &str, event: &str, table: &str, refs: &str| {
        format!(
            "CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs}
             FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    };
    let moved = "o.org_id <> n.org_id";
    vec![
        function(
            "concern_tally_insert",
            format!("{log} {}", rows("new_rows", 1)),
        ),
        trigger(
            "concern_tally_insert",
            "INSERT",
            "concerns",
            "NEW TABLE AS new_rows",
        ),
        function(
            "concern_tally_update",
            format!(
                "{log}
                 SELECT o.org_id, 'state', o.state, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE {moved} OR o.state <> n.state
                 UNION ALL SELECT n.org_id, 'state', n.state, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE {moved} OR o.state <> n.state
                 UNION ALL SELECT o.org_id, 'category', o.category, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE {moved} OR o.category <> n.category
                 UNION ALL SELECT n.org_id, 'category', n.category, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE {moved} OR o.category <> n.category
                 UNION ALL SELECT o.org_id, 'resolved', {o_b}, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE o.resolved_at IS NOT NULL AND ({moved} OR {o_b} IS DISTINCT FROM {n_b})
                 UNION ALL SELECT n.org_id, 'resolved', {n_b}, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   WHERE n.resolved_at IS NOT NULL AND ({moved} OR {o_b} IS DISTINCT FROM {n_b})
                 UNION ALL SELECT o.org_id, 'rating', f.rating, -1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   JOIN concern_feedback f ON f.concern_id = o.id WHERE {moved}
                 UNION ALL SELECT n.org_id, 'rating', f.rating, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                   JOIN concern_feedback f ON f.concern_id = n.id WHERE {moved}"
            ),
        ),
        trigger(
            "concern_tally_update",
            "UPDATE",
            "concerns",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        ),
        function(
            "concern_tally_delete",
            format!("{log} {}", rows("old_rows", -1)),
        ),
        trigger(
            "concern_tally_delete",
            "DELETE",
            "concerns",
            "OLD TABLE AS old_rows",
        ),
        function(
            "concern_tally_feedback_insert",
            format!(
                "{log} SELECT c.org_id, 'rating', f.rating, COUNT(*) FROM new_rows f
                 JOIN concerns c ON c.id = f.concern_id GROUP BY c.org_id, f.rating"
            ),
        ),
        trigger(
            "concern_tally_feedback_insert",
            "INSERT",
            "concern_feedback",
            "NEW TABLE AS new_rows",
        ),
        function(
            "concern_tally_feedback_update",
            format!(
                "{log} SELECT c.org_id, 'rating', f.rating, -COUNT(*) FROM old_rows f
                   JOIN concerns c ON c.id = f.concern_id GROUP BY c.org_id, f.rating
                 UNION ALL SELECT c.org_id, 'rating', f.rating, COUNT(*) FROM new_rows f
                   JOIN concerns c ON c.id = f.concern_id GROUP BY c.org_id, f.rating"
            ),
        ),
        trigger(
            "concern_tally_feedback_update",
            "UPDATE",
            "concern_feedback",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        ),
        function(
            "concern_tally_feedback_delete",
            format!(
                "{log} SELECT c.org_id, 'rating', f.rating, -COUNT(*) FROM old_rows f
                 JOIN concerns c ON c.id = f.concern_id GROUP BY c.org_id, f.rating"
            ),
        ),
        trigger(
            "concern_tally_feedback_delete",
            "DELETE",
            "concern_feedback",
            "OLD TABLE AS old_rows",
        ),
    ]
}

/// Every count, recounted from the concerns and their feedback.
fn recount_sql() -> String {
    format!(
        "SELECT org_id, 'state' AS dim, state AS k, COUNT(*) AS n FROM concerns GROUP BY org_id, state
         UNION ALL SELECT org_id, 'category', category, COUNT(*) FROM concerns GROUP BY org_id, category
         UNION ALL SELECT org_id, 'resolved', {b}, COUNT(*) FROM concerns c
           WHERE resolved_at IS NOT NULL GROUP BY 1, 3
         UNION ALL SELECT c.org_id, 'rating', f.rating, COUNT(*) FROM concern_feedback f
           JOIN concerns c ON c.id = f.concern_id GROUP BY c.org_id, f.rating",
        b = bucket("c")
    )
}

/// Migration 18's work after its tables: the triggers, then the counts of
/// the concerns already there.
pub(crate) async fn install(tx: &mut Tx) -> Result<()> {
    for stmt in triggers(tx.dialect()) {
        sqlx::query(&stmt).execute(&mut **tx).await?;
    }
    sqlx::query(&format!(
        "INSERT INTO concern_tallies (org_id, dim, k, n) {}",
        recount_sql()
    ))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Folds the log into the tallies; returns the log rows folded. Run by the
/// job worker between rounds and by `datagen`; safe beside writers and
/// readers and against another compaction (on PostgreSQL the second waits).
pub async fn compact(db: &Db) -> Result<u64> {
    let mut tx = db.begin_write().await?;
    let fold = "INSERT INTO concern_tallies (org_id, dim, k, n)";
    let add = "ON CONFLICT (org_id, dim, k) DO UPDATE SET n = concern_tallies.n + excluded.n";
    let folded = match tx.dialect() {
        Dialect::Sqlite => {
            // The write transaction holds SQLite's only write turn: nothing is
            // appended between the fold and the delete.
            sqlx::query(&format!(
                "{fold} SELECT org_id, dim, k, SUM(d) FROM concern_tally_log WHERE true
                 GROUP BY org_id, dim, k {add}"
            ))
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM concern_tally_log")
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }
        Dialect::Postgres => {
            // Rows committed while this runs are not deleted and wait for the
            // next compaction; the lock keeps two compactions from updating
            // the same counts in different orders.
            sqlx::query("SELECT pg_advisory_xact_lock(7300002)")
                .execute(&mut *tx)
                .await?;
            let n: i64 = sqlx::query_scalar(&format!(
                "WITH moved AS (DELETE FROM concern_tally_log RETURNING org_id, dim, k, d),
                 folded AS ({fold} SELECT org_id, dim, k, SUM(d) FROM moved
                   GROUP BY org_id, dim, k {add} RETURNING 1)
                 SELECT COUNT(*) FROM moved"
            ))
            .fetch_one(&mut *tx)
            .await?;
            n as u64
        }
    };
    tx.commit().await?;
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
