//! The dashboard's counts per unit, kept up to date by the database itself.
//!
//! Triggers on `concerns` and the concerns' rows of `item_feedback` append every change to
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
//! and `rating` (each feedback row, at its concern's unit). Each is counted
//! twice: at the concern's unit, and at its branch (`branch_id`, the district)
//! under the same names prefixed `b.`, so that a district's or the city's
//! figures read a few dozen rows per district rather than every unit's.

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

/// Where counts are kept: at the concern's own unit (dimensions as named),
/// and at its branch (the unit below the root it lies under, `branch_id`;
/// dimensions prefixed `b.`), so that a district's or the city's figures
/// read a few dozen rows per branch instead of every unit's.
const VIEWS: [(&str, &str); 2] = [("org_id", ""), ("branch_id", "b.")];

/// Where the concerns' feedback ratings are kept: migration 18 created the
/// triggers over `concern_feedback`; migration 23 moved feedback to the item
/// engine's `item_feedback` (rows of kind `concern`) and recreated them, frozen
/// in its SQL file (the test below keeps the file and this generator together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feedback {
    /// `concern_feedback (concern_id, rating)`, up to migration 22.
    Concern,
    /// `item_feedback (kind, item_id, rating)`, from migration 23.
    Item,
}

impl Feedback {
    /// The feedback table.
    fn table(self) -> &'static str {
        match self {
            Feedback::Concern => "concern_feedback",
            Feedback::Item => "item_feedback",
        }
    }

    /// The condition that feedback row `f` belongs to the concern `id`.
    fn of(self, f: &str, id: &str) -> String {
        match self {
            Feedback::Concern => format!("{f}.concern_id = {id}"),
            Feedback::Item => format!("{f}.kind = 'concern' AND {f}.item_id = {id}"),
        }
    }

    /// The columns whose update moves a rating between concerns.
    fn keys(self) -> &'static str {
        match self {
            Feedback::Concern => "concern_id",
            Feedback::Item => "kind, item_id",
        }
    }
}

/// The triggers, one statement each.
fn triggers(dialect: Dialect, fb: Feedback) -> Vec<String> {
    match dialect {
        Dialect::Sqlite => sqlite_triggers(fb),
        Dialect::Postgres => postgres_triggers(fb),
    }
}

const LOG: &str = "INSERT INTO concern_tally_log (org_id, dim, k, d)";

fn sqlite_triggers(fb: Feedback) -> Vec<String> {
    let table = fb.table();
    let (old_b, new_b) = (bucket("OLD"), bucket("NEW"));
    // A row's own counts, with sign `s`, in every view.
    let own = |row: &str, s: i64| {
        let b = bucket(row);
        VIEWS
            .iter()
            .map(|(u, p)| {
                format!(
                    "SELECT {row}.{u}, '{p}state', {row}.state, {s} WHERE {row}.{u} IS NOT NULL
                     UNION ALL SELECT {row}.{u}, '{p}category', {row}.category, {s}
                       WHERE {row}.{u} IS NOT NULL
                     UNION ALL SELECT {row}.{u}, '{p}resolved', {b}, {s}
                       WHERE {row}.{u} IS NOT NULL AND {row}.resolved_at IS NOT NULL"
                )
            })
            .collect::<Vec<_>>()
            .join("\nUNION ALL ")
    };
    let changed = VIEWS
        .iter()
        .map(|(u, p)| {
            let moved = format!("OLD.{u} IS NOT NEW.{u}");
            let from = format!("OLD.{u} IS NOT NULL");
            let to = format!("NEW.{u} IS NOT NULL");
            let (of_old, of_new) = (fb.of("f", "OLD.id"), fb.of("f", "NEW.id"));
            format!(
                "SELECT OLD.{u}, '{p}state', OLD.state, -1
                   WHERE {from} AND ({moved} OR OLD.state <> NEW.state)
                 UNION ALL SELECT NEW.{u}, '{p}state', NEW.state, 1
                   WHERE {to} AND ({moved} OR OLD.state <> NEW.state)
                 UNION ALL SELECT OLD.{u}, '{p}category', OLD.category, -1
                   WHERE {from} AND ({moved} OR OLD.category <> NEW.category)
                 UNION ALL SELECT NEW.{u}, '{p}category', NEW.category, 1
                   WHERE {to} AND ({moved} OR OLD.category <> NEW.category)
                 UNION ALL SELECT OLD.{u}, '{p}resolved', {old_b}, -1
                   WHERE {from} AND OLD.resolved_at IS NOT NULL AND ({moved} OR {old_b} IS NOT {new_b})
                 UNION ALL SELECT NEW.{u}, '{p}resolved', {new_b}, 1
                   WHERE {to} AND NEW.resolved_at IS NOT NULL AND ({moved} OR {old_b} IS NOT {new_b})
                 UNION ALL SELECT OLD.{u}, '{p}rating', f.rating, -1 FROM {table} f
                   WHERE {of_old} AND {from} AND {moved}
                 UNION ALL SELECT NEW.{u}, '{p}rating', f.rating, 1 FROM {table} f
                   WHERE {of_new} AND {to} AND {moved}"
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL ");
    // A feedback row's rating, with sign `s`, at its concern's units.
    let rating = |row: &str, s: i64| {
        VIEWS
            .iter()
            .map(|(u, p)| {
                format!(
                    "SELECT c.{u}, '{p}rating', {row}.rating, {s} FROM concerns c
                     WHERE {} AND c.{u} IS NOT NULL",
                    fb.of(row, "c.id")
                )
            })
            .collect::<Vec<_>>()
            .join("\nUNION ALL ")
    };
    vec![
        format!(
            "CREATE TRIGGER concern_tally_insert AFTER INSERT ON concerns BEGIN
             {LOG} {};
             END",
            own("NEW", 1)
        ),
        format!(
            "CREATE TRIGGER concern_tally_update
             AFTER UPDATE OF org_id, branch_id, state, category, resolved_at, created_at ON concerns
             WHEN OLD.org_id IS NOT NEW.org_id OR OLD.branch_id IS NOT NEW.branch_id
               OR OLD.state <> NEW.state OR OLD.category <> NEW.category OR {old_b} IS NOT {new_b}
             BEGIN
             {LOG} {changed};
             END"
        ),
        format!(
            "CREATE TRIGGER concern_tally_delete AFTER DELETE ON concerns BEGIN
             {LOG} {};
             END",
            own("OLD", -1)
        ),
        format!(
            "CREATE TRIGGER concern_tally_feedback_insert AFTER INSERT ON {table} BEGIN
             {LOG} {};
             END",
            rating("NEW", 1)
        ),
        format!(
            "CREATE TRIGGER concern_tally_feedback_update
             AFTER UPDATE OF rating, {keys} ON {table} BEGIN
             {LOG} {} UNION ALL {};
             END",
            rating("OLD", -1),
            rating("NEW", 1),
            keys = fb.keys(),
        ),
        format!(
            "CREATE TRIGGER concern_tally_feedback_delete AFTER DELETE ON {table} BEGIN
             {LOG} {};
             END",
            rating("OLD", -1)
        ),
    ]
}

/// PostgreSQL's triggers run once per statement over its transition tables,
/// so a batch of 64 concerns logs its counts already summed.
fn postgres_triggers(fb: Feedback) -> Vec<String> {
    let table = fb.table();
    let (o_b, n_b) = (bucket("o"), bucket("n"));
    // The counts of a set of rows `r` with sign `s`, in every view.
    let rows = |r: &str, s: i64| {
        let b = bucket("n");
        VIEWS
            .iter()
            .map(|(u, p)| {
                format!(
                    "SELECT {u}, '{p}state', state, {s} * COUNT(*) FROM {r}
                       WHERE {u} IS NOT NULL GROUP BY {u}, state
                     UNION ALL SELECT {u}, '{p}category', category, {s} * COUNT(*) FROM {r}
                       WHERE {u} IS NOT NULL GROUP BY {u}, category
                     UNION ALL SELECT {u}, '{p}resolved', {b}, {s} * COUNT(*) FROM {r} n
                       WHERE {u} IS NOT NULL AND resolved_at IS NOT NULL GROUP BY 1, 3"
                )
            })
            .collect::<Vec<_>>()
            .join("\nUNION ALL ")
    };
    let changed = VIEWS
        .iter()
        .map(|(u, p)| {
            let moved = format!("o.{u} IS DISTINCT FROM n.{u}");
            let pair = "FROM old_rows o JOIN new_rows n ON n.id = o.id";
            let from = format!("o.{u} IS NOT NULL");
            let to = format!("n.{u} IS NOT NULL");
            let (of_o, of_n) = (fb.of("f", "o.id"), fb.of("f", "n.id"));
            format!(
                "SELECT o.{u}, '{p}state', o.state, -1 {pair}
                   WHERE {from} AND ({moved} OR o.state <> n.state)
                 UNION ALL SELECT n.{u}, '{p}state', n.state, 1 {pair}
                   WHERE {to} AND ({moved} OR o.state <> n.state)
                 UNION ALL SELECT o.{u}, '{p}category', o.category, -1 {pair}
                   WHERE {from} AND ({moved} OR o.category <> n.category)
                 UNION ALL SELECT n.{u}, '{p}category', n.category, 1 {pair}
                   WHERE {to} AND ({moved} OR o.category <> n.category)
                 UNION ALL SELECT o.{u}, '{p}resolved', {o_b}, -1 {pair}
                   WHERE {from} AND o.resolved_at IS NOT NULL AND ({moved} OR {o_b} IS DISTINCT FROM {n_b})
                 UNION ALL SELECT n.{u}, '{p}resolved', {n_b}, 1 {pair}
                   WHERE {to} AND n.resolved_at IS NOT NULL AND ({moved} OR {o_b} IS DISTINCT FROM {n_b})
                 UNION ALL SELECT o.{u}, '{p}rating', f.rating, -1 {pair}
                   JOIN {table} f ON {of_o} WHERE {from} AND {moved}
                 UNION ALL SELECT n.{u}, '{p}rating', f.rating, 1 {pair}
                   JOIN {table} f ON {of_n} WHERE {to} AND {moved}"
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL ");
    let ratings = |r: &str, s: &str| {
        VIEWS
            .iter()
            .map(|(u, p)| {
                format!(
                    "SELECT c.{u}, '{p}rating', f.rating, {s}COUNT(*) FROM {r} f
                     JOIN concerns c ON {} WHERE c.{u} IS NOT NULL
                     GROUP BY c.{u}, f.rating",
                    fb.of("f", "c.id")
                )
            })
            .collect::<Vec<_>>()
            .join("\nUNION ALL ")
    };
    let function = |name: &str, body: String| {
        format!(
            "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$
             BEGIN
             {LOG} {body};
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
    let (new, old, both) = (
        "NEW TABLE AS new_rows",
        "OLD TABLE AS old_rows",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    );
    vec![
        function("concern_tally_insert", rows("new_rows", 1)),
        trigger("concern_tally_insert", "INSERT", "concerns", new),
        function("concern_tally_update", changed),
        trigger("concern_tally_update", "UPDATE", "concerns", both),
        function("concern_tally_delete", rows("old_rows", -1)),
        trigger("concern_tally_delete", "DELETE", "concerns", old),
        function("concern_tally_feedback_insert", ratings("new_rows", "")),
        trigger("concern_tally_feedback_insert", "INSERT", table, new),
        function(
            "concern_tally_feedback_update",
            format!(
                "{} UNION ALL {}",
                ratings("old_rows", "-"),
                ratings("new_rows", "")
            ),
        ),
        trigger("concern_tally_feedback_update", "UPDATE", table, both),
        function("concern_tally_feedback_delete", ratings("old_rows", "-")),
        trigger("concern_tally_feedback_delete", "DELETE", table, old),
    ]
}

/// Every count, recounted from the concerns and their feedback.
fn recount_sql(fb: Feedback) -> String {
    let table = fb.table();
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
                 UNION ALL SELECT c.{u}, '{p}rating', f.rating, COUNT(*) FROM {table} f
                   JOIN concerns c ON {of} WHERE c.{u} IS NOT NULL
                   GROUP BY c.{u}, f.rating",
                b = bucket("c"),
                of = fb.of("f", "c.id")
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL ")
}

/// Migration 18's work after its tables: the triggers, then the counts of
/// the concerns already there.
pub(crate) async fn install(tx: &mut Tx) -> Result<()> {
    for stmt in triggers(tx.dialect(), Feedback::Concern) {
        sqlx::query(&stmt).execute(&mut **tx).await?;
    }
    if tx.dialect() == Dialect::Postgres {
        // Nor autovacuum: see `compact`.
        sqlx::query("ALTER TABLE concern_tally_log SET (vacuum_truncate = false)")
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(&format!(
        "INSERT INTO concern_tallies (org_id, dim, k, n) {}",
        recount_sql(Feedback::Concern)
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
    if folded > 0 && db.dialect() == Dialect::Postgres {
        // The deleted rows stay in the table's pages until a vacuum, and
        // every fold reads them all again: without this, `datagen`'s folds
        // (one per 2,000 concerns) slowed down as the log's dead rows grew
        // (2,930 concerns/s for the first 100,000, 1,202 on average by the
        // 500,000th, 2.8 million dead rows and no autovacuum yet). A vacuum
        // of the few pages the log occupies is cheap, and on PostgreSQL it
        // must run outside a transaction. Without truncating the table's
        // empty end: that takes an exclusive lock, which the intake's
        // triggers (inserting into the log) would queue behind.
        sqlx::query("VACUUM (TRUNCATE false) concern_tally_log")
            .execute(db.pool())
            .await?;
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
        recount_sql(Feedback::Item)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 23's SQL holds the triggers over `item_feedback` frozen as
    /// text; this generator must give the same statements, so that the file
    /// and the code that documents it cannot drift apart. (With
    /// XS_PRINT_TRIGGERS set it prints them instead, in the file's form.)
    #[test]
    fn migration_23_holds_the_generated_triggers() {
        let file = crate::migrate::MIGRATIONS
            .iter()
            .find(|m| m.0 == 23)
            .map(|m| m.2)
            .expect("migration 23");
        let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let held: Vec<String> = crate::migrate::statements(&dialect.ddl(file))
                .iter()
                .map(|s| squeeze(s))
                .collect();
            for stmt in triggers(dialect, Feedback::Item) {
                if std::env::var_os("XS_PRINT_TRIGGERS").is_some() {
                    println!("-- {dialect:?}\n{};\n", stmt.replace(';', "{{semicolon}}"));
                } else {
                    // Migration 23 made again every trigger (and function) but
                    // those of a concern's own insert and delete, which read
                    // no feedback.
                    let name = stmt.split_whitespace().nth(2).unwrap_or_default();
                    let name = name.trim_end_matches("()");
                    if !matches!(name, "concern_tally_insert" | "concern_tally_delete") {
                        assert!(held.contains(&squeeze(&stmt)), "{dialect:?}: {stmt}");
                    }
                }
            }
        }
    }
}
