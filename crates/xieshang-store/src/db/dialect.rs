//! The dialect module: every difference between SQLite and PostgreSQL, each a
//! named function. No other module matches on [`Dialect`]; they ask it for
//! the text or the choice that differs (`db.dialect().fts_top(..)`) and run
//! the rest of their SQL as one text for both databases.
//!
//! The statements are the ones the performance work measured (decision
//! records 0007, 0010, 0011 and BENCHMARKS.md): change their text only with
//! a measurement. The tests at the bottom pin each function's output on both
//! databases.

use sqlx::any::AnyPoolOptions;
use std::time::Duration;

/// Pragmas set on every SQLite connection: WAL, and synchronous=FULL so that a
/// committed write survives a power cut. A case-sensitive LIKE lets a scope's
/// `path LIKE '/1/7/%'` read the path index as a range instead of scanning every
/// unit (paths are digits and slashes, so case never mattered there; the few
/// LIKEs on people's text compare upper-cased).
pub const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA case_sensitive_like=ON",
];

/// How long a pooled PostgreSQL connection may sit idle before it is pinged
/// on its way out of the pool.
pub(crate) const PING_AFTER_IDLE: Duration = Duration::from_secs(5);

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite (WAL, synchronous=FULL).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// How a page of rows is read ([`Dialect::page_query`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageQuery {
    /// One row, column `page`: a JSON array of the rows' value arrays.
    JsonArray(String),
    /// Plain rows of the values.
    Rows(String),
}

/// How an append-only log is folded into its counts ([`Dialect::log_fold`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFold {
    /// Fold the whole log, then delete it; the rows folded are the delete's
    /// rows affected. Safe only while the transaction holds the only write turn.
    FoldThenDelete {
        /// Adds the log's sums to the counts.
        fold: String,
        /// Empties the log.
        delete: String,
    },
    /// One statement that deletes the rows it folds and selects their number
    /// (rows committed meanwhile stay for the next fold). `lock` is taken
    /// first in the same transaction, so two folds do not update the same
    /// counts in different orders.
    MoveAndFold {
        /// Serialises folds.
        lock: String,
        /// Deletes, folds and counts (column 1: the rows folded).
        fold: String,
    },
}

/// How a full-text match expression is written: the quoting of one term and
/// the two connectives ([`Dialect::fts_syntax`]).
#[derive(Clone, Copy)]
pub struct FtsSyntax {
    /// Quotes one term as a literal of the query language.
    pub quote: fn(&str) -> String,
    /// Both sides must match.
    pub and: &'static str,
    /// Either side may match.
    pub or: &'static str,
    /// Written after a quoted term, matches every token that begins with it
    /// (FTS5's `"坑"*`, a `tsquery`'s `'坑':*`).
    pub prefix: &'static str,
}

/// An FTS5 string: double quotes, doubled inside.
fn fts5_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A `tsquery` lexeme: single quotes, doubled inside, backslashes escaped.
fn ts_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// PostgreSQL's pool settings: a connection is pinged on its way out of the
/// pool only when it has sat idle for [`PING_AFTER_IDLE`].
pub(crate) fn postgres_pool(opts: AnyPoolOptions) -> AnyPoolOptions {
    opts.test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    use sqlx::Connection;
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

impl std::str::FromStr for Dialect {
    type Err = anyhow::Error;

    /// [`Dialect::from_url`]: `"sqlite:".parse()` is SQLite.
    fn from_str(url: &str) -> anyhow::Result<Dialect> {
        Dialect::from_url(url)
    }
}

impl Dialect {
    /// Reads the dialect from a database URL: `sqlite:` or `postgres(ql)://`.
    pub fn from_url(url: &str) -> anyhow::Result<Dialect> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else {
            anyhow::bail!("unsupported database URL (use sqlite://PATH or postgres://…): {url}")
        }
    }

    /// The database's name as printed by the tools: `sqlite` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// Expands the tokens that differ in DDL (migrations): `{{id}}` (an
    /// identity primary key), `{{blob}}` (bytes), `{{search_index}}` (FTS5's
    /// external-content table against a generated `tsvector` column with a
    /// GIN index), `{{path_bytewise}}` (PostgreSQL's path column compared
    /// bytewise; SQLite's BINARY collation is already) and
    /// `{{tally_triggers}}` (the dashboard counts' triggers: SQLite's run per
    /// row, PostgreSQL's per statement over transition tables; migration 18).
    /// Lines between `{{sqlite}}` and `{{/sqlite}}` (or `{{postgres}}` and
    /// `{{/postgres}}`) are kept for that database only.
    pub fn ddl(self, sql: &str) -> String {
        let (id, blob) = match self {
            Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
            Dialect::Postgres => (
                "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                "BYTEA",
            ),
        };
        let search_index = match self {
            Dialect::Sqlite => {
                "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_docs', \
                 content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
            }
            Dialect::Postgres => {
                "ALTER TABLE search_docs ADD COLUMN tsv tsvector \
                 GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED;\n\
                 CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv)"
            }
        };
        let path_bytewise = match self {
            // BINARY, SQLite's default collation, compares bytes already.
            Dialect::Sqlite => "",
            Dialect::Postgres => "ALTER TABLE orgs ALTER COLUMN path TYPE TEXT COLLATE \"C\"",
        };
        let tally_triggers = match self {
            Dialect::Sqlite => include_str!("../migrations/0018_tally_triggers.sqlite.sql"),
            Dialect::Postgres => include_str!("../migrations/0018_tally_triggers.postgres.sql"),
        };
        // Lines between `{{sqlite}}` and `{{/sqlite}}` (or the PostgreSQL
        // pair) are for that database only (migration 23's triggers).
        let (mine, other) = match self {
            Dialect::Sqlite => ("sqlite", "postgres"),
            Dialect::Postgres => ("postgres", "sqlite"),
        };
        let mut skipping = false;
        let mut lines = Vec::new();
        for line in sql.lines() {
            let marker = line.trim();
            if marker == format!("{{{{{other}}}}}") {
                skipping = true;
            } else if marker == format!("{{{{/{other}}}}}") {
                skipping = false;
            } else if !skipping
                && marker != format!("{{{{{mine}}}}}")
                && marker != format!("{{{{/{mine}}}}}")
            {
                lines.push(line);
            }
        }
        // Text without markers comes out as it went in, to the last newline.
        let mut kept = lines.join("\n");
        if sql.ends_with('\n') {
            kept.push('\n');
        }
        kept.replace("{{id}}", id)
            .replace("{{blob}}", blob)
            .replace("{{search_index}}", search_index)
            .replace("{{path_bytewise}}", path_bytewise)
            .replace("{{tally_triggers}}", tally_triggers.trim_end())
    }

    /// The join that makes the planner walk its left side first: SQLite's
    /// `CROSS JOIN` fixes the order (its planner otherwise starts from a large
    /// table and probes the small one); PostgreSQL plans a plain join well.
    pub fn driving_join(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CROSS JOIN",
            Dialect::Postgres => "JOIN",
        }
    }

    /// Reader connections per process (`db::reader`), beside the main
    /// pool. Few: on two cores the status page alone on PostgreSQL ran 9,148
    /// and 10,337 req/s with 8 (PostgreSQL's CPU 67–74 µs a page), 7,448 and
    /// 8,145 with 16 (94–103 µs), 8,752 and 8,837 with 4; on SQLite 4, 8 and
    /// 16 did not separate, and each SQLite connection keeps a page cache and
    /// a thread of its own (peak RSS 42, 51, 68 MB).
    pub(crate) fn readers(self) -> usize {
        match self {
            Dialect::Sqlite => 4,
            Dialect::Postgres => 8,
        }
    }

    /// The statement that opens a write transaction. SQLite takes the write lock up
    /// front so a read-then-write transaction cannot fail to upgrade.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// True when the database has one writer at a time (SQLite): the
    /// process's writers take turns in the process (`Db::begin_write`),
    /// and the intake needs only one writer task. PostgreSQL writes in
    /// parallel.
    pub fn single_writer(self) -> bool {
        match self {
            Dialect::Sqlite => true,
            Dialect::Postgres => false,
        }
    }

    /// The main pool's settings. SQLite: 8 connections, no ping before each
    /// acquire (an embedded database's connection cannot drop, and the ping
    /// cost every request an extra hand-over to the connection's thread), and
    /// [`SQLITE_PRAGMAS`] on each new connection. PostgreSQL: 16 connections,
    /// pinged only when they have sat idle for a while (the server or the
    /// network may have dropped them since); one in steady use is not: the
    /// ping before every acquire was a round trip of its own for each
    /// transaction and each page's read.
    pub(crate) fn pool_options(self, opts: AnyPoolOptions) -> AnyPoolOptions {
        match self {
            Dialect::Sqlite => opts
                .max_connections(8)
                .test_before_acquire(false)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        use sqlx::Executor;
                        for pragma in SQLITE_PRAGMAS {
                            conn.execute(*pragma).await?;
                        }
                        Ok(())
                    })
                }),
            Dialect::Postgres => postgres_pool(opts.max_connections(16)),
        }
    }

    /// The URL the pool connects to: a SQLite file is created if missing
    /// (`mode=rwc`) unless the URL says otherwise; PostgreSQL's as given.
    pub(crate) fn pool_url(self, url: &str) -> String {
        match self {
            Dialect::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        }
    }

    /// The statements that set up a reader connection (`db::reader`):
    /// SQLite's pragmas and `query_only`; PostgreSQL's read-only default.
    pub(crate) fn reader_setup(self) -> Vec<&'static str> {
        match self {
            Dialect::Sqlite => {
                let mut s = SQLITE_PRAGMAS.to_vec();
                s.push("PRAGMA query_only=ON");
                s
            }
            Dialect::Postgres => vec!["SET default_transaction_read_only = on"],
        }
    }

    /// True when a connection that sat idle for [`PING_AFTER_IDLE`] is pinged
    /// before reuse: a PostgreSQL server or the network may have dropped it;
    /// an embedded SQLite connection cannot drop.
    pub(crate) fn pings_idle_connections(self) -> bool {
        match self {
            Dialect::Sqlite => false,
            Dialect::Postgres => true,
        }
    }

    /// Appends the `n`th (from 1) parameter of a generated statement. SQLite's
    /// are anonymous (`?`, in order): the driver asks SQLite for each
    /// parameter's name before binding it, and SQLite finds a name by walking
    /// the statement's list of names from the start, so `$n` made a batch of
    /// 64 concerns (over 700 parameters) cost a quarter of a million steps to
    /// bind (BENCHMARKS.md 2026-12-04, third session). PostgreSQL's are `$n`.
    pub(crate) fn push_placeholder(self, sql: &mut String, n: usize) {
        match self {
            Dialect::Sqlite => sql.push('?'),
            Dialect::Postgres => {
                sql.push('$');
                sql.push_str(&n.to_string());
            }
        }
    }

    /// A lock held until the transaction ends, on `key`: PostgreSQL's
    /// transaction-scoped advisory lock. None on SQLite, whose write
    /// transaction already excludes every other writer.
    pub(crate) fn advisory_xact_lock(self, key: i64) -> Option<String> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!("SELECT pg_advisory_xact_lock({key})")),
        }
    }

    /// What a job claim appends to its `SELECT … LIMIT n` so that another
    /// worker skips the rows it took: PostgreSQL's ` FOR UPDATE SKIP LOCKED`.
    /// None on SQLite, which has no row locks: jobs are leased instead
    /// (`locked_until`, the job queue).
    pub(crate) fn skip_locked(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(" FOR UPDATE SKIP LOCKED"),
        }
    }

    /// Moves `table`'s identity sequence past the largest id, after rows
    /// were inserted with explicit ids (PostgreSQL's sequence stays behind;
    /// SQLite's AUTOINCREMENT follows the largest id by itself).
    pub(crate) fn reset_identity(self, table: &str) -> Option<String> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )),
        }
    }

    /// Removes the deleted rows of a small, often emptied table from its
    /// pages, outside a transaction: PostgreSQL keeps them until a vacuum
    /// and every scan reads them again; without truncating the table's empty
    /// end, which takes an exclusive lock that the inserting writers would
    /// queue behind. None on SQLite, which reuses the pages.
    pub(crate) fn vacuum_keeping_pages(self, table: &str) -> Option<String> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(format!("VACUUM (TRUNCATE false) {table}")),
        }
    }

    /// Folds a log of differences (`log`: org_id, dim, k, d) into counts:
    /// `fold` is the counts' `INSERT INTO … (…)` head and `add` its
    /// `ON CONFLICT … DO UPDATE` tail. SQLite folds and then deletes (its
    /// write transaction holds the only write turn, so nothing is appended in
    /// between); PostgreSQL moves the rows in one statement under an advisory
    /// lock (`lock_key`), so rows committed meanwhile wait for the next fold.
    pub(crate) fn log_fold(self, log: &str, fold: &str, add: &str, lock_key: i64) -> LogFold {
        match self {
            Dialect::Sqlite => LogFold::FoldThenDelete {
                fold: format!(
                    "{fold} SELECT org_id, dim, k, SUM(d) FROM {log} WHERE true
                 GROUP BY org_id, dim, k {add}"
                ),
                delete: format!("DELETE FROM {log}"),
            },
            Dialect::Postgres => LogFold::MoveAndFold {
                lock: format!("SELECT pg_advisory_xact_lock({lock_key})"),
                fold: format!(
                    "WITH moved AS (DELETE FROM {log} RETURNING org_id, dim, k, d),
                 folded AS ({fold} SELECT org_id, dim, k, SUM(d) FROM moved
                   GROUP BY org_id, dim, k {add} RETURNING 1)
                 SELECT COUNT(*) FROM moved"
                ),
            },
        }
    }

    /// How a full-text match expression is written: FTS5's double-quoted
    /// strings with `AND`/`OR`, or a `tsquery`'s single-quoted lexemes with
    /// `&`/`|`.
    pub fn fts_syntax(self) -> FtsSyntax {
        match self {
            Dialect::Sqlite => FtsSyntax {
                quote: fts5_quote,
                and: " AND ",
                or: " OR ",
                prefix: "*",
            },
            Dialect::Postgres => FtsSyntax {
                quote: ts_quote,
                and: " & ",
                or: " | ",
                prefix: ":*",
            },
        }
    }

    /// The full-text index's best matches of the expression `$1`, at most
    /// `$top_at`, as (doc, score), best first under [`Self::fts_rank_order`]:
    /// FTS5's `rank` (lower is better) over `search_fts`, or `ts_rank` over
    /// `search_docs.tsv` (higher is better; kept to concerns there, as the
    /// index holds every kind).
    pub(crate) fn fts_top(self, top_at: usize) -> String {
        match self {
            Dialect::Sqlite => format!(
                "SELECT rowid AS doc, rank AS score FROM search_fts WHERE search_fts MATCH $1
             ORDER BY rank LIMIT ${top_at}"
            ),
            Dialect::Postgres => format!(
                "SELECT id AS doc, ts_rank(tsv, to_tsquery('simple', $1)) AS score FROM search_docs
             WHERE tsv @@ to_tsquery('simple', $1) AND kind = 'concern'
             ORDER BY score DESC LIMIT ${top_at}"
            ),
        }
    }

    /// The item ids of one kind's index entries that match the expression
    /// `$1`, the kind being `$2` (unranked: the caller orders and pages; the
    /// expression should hold a token only that kind's entries carry, so the
    /// index reads few postings).
    pub(crate) fn fts_kind_items(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                // CROSS JOIN keeps the match the outer loop (task "perf"):
                // with a plain join SQLite's planner, without statistics,
                // walked the kind's index entries and asked FTS5 for each
                // rowid's match (780 look-ups for the practices of a
                // generated city; the library search at 24 req/s).
                "SELECT d.item_id FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid
                  WHERE search_fts MATCH $1 AND d.kind = $2"
            }
            Dialect::Postgres => {
                "SELECT d.item_id FROM search_docs d
                  WHERE d.tsv @@ to_tsquery('simple', $1) AND d.kind = $2"
            }
        }
    }

    /// The order of [`Self::fts_top`]'s rows joined as `top` to concerns `c`:
    /// best score first (ascending on FTS5, descending on PostgreSQL), then
    /// the newest.
    pub(crate) fn fts_rank_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "top.score, c.id DESC",
            Dialect::Postgres => "top.score DESC, c.id DESC",
        }
    }

    /// The statement that makes FTS5 forget an index row, given the values
    /// it indexed (`$1` rowid, `$2` tokens): an external-content table cannot
    /// read them back. None on PostgreSQL, whose `tsvector` column follows
    /// `search_docs` by itself.
    pub(crate) fn fts_forget(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => {
                Some("INSERT INTO search_fts (search_fts, rowid, tokens) VALUES ('delete', $1, $2)")
            }
            Dialect::Postgres => None,
        }
    }

    /// The head of the insert that adds rows (rowid, tokens) to FTS5's
    /// index beside `search_docs`; None on PostgreSQL (a generated column).
    pub(crate) fn fts_insert_head(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => Some("INSERT INTO search_fts (rowid, tokens)"),
            Dialect::Postgres => None,
        }
    }

    /// Rebuilds FTS5's index from `search_docs` after rows were written there
    /// in bulk; None on PostgreSQL (the `tsvector` is kept by the database).
    pub(crate) fn fts_rebuild(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => Some("INSERT INTO search_fts (search_fts) VALUES ('rebuild')"),
            Dialect::Postgres => None,
        }
    }

    /// A page of rows with the columns `values` from `from`, in `order`. On
    /// SQLite one JSON array in one row (`json_group_array`): as fifty-one
    /// rows of fifteen values each row crossed the driver's thread on its own
    /// and each value was copied twice on the way, half of the page's CPU
    /// (1.2-1.5 ms a page against 0.6 ms). PostgreSQL's driver has no such
    /// crossing, and building the JSON cost PostgreSQL more than it saved
    /// this process: plain rows.
    pub(crate) fn page_query(self, values: &str, from: &str, order: &str) -> PageQuery {
        match self {
            Dialect::Sqlite => PageQuery::JsonArray(format!(
                "SELECT json_group_array(json_array({values}) ORDER BY {order}) AS page {from}"
            )),
            Dialect::Postgres => {
                PageQuery::Rows(format!("SELECT {values} {from} ORDER BY {order}"))
            }
        }
    }

    /// Whether the queue of narrow scopes is read unit by unit
    /// ([`Self::per_unit_queue_ids`]) always, or after a probe: the probe
    /// counts at most `backlog` of the scope's concerns in state `$s` (units
    /// `o` under `cond`), and many mean unit by unit. On PostgreSQL that plan
    /// (LATERAL) costs what the plain one does when there is no backlog, so
    /// it is always used (None); on SQLite it costs 1.2 ms against 0.3 ms.
    pub(crate) fn queue_backlog_probe(self, cond: &str, s: usize, backlog: i64) -> Option<String> {
        match self {
            Dialect::Postgres => None,
            Dialect::Sqlite => Some(format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM orgs o CROSS JOIN concerns c ON c.org_id = o.id
              WHERE {cond} AND c.state = ${s} LIMIT {backlog})"
        )),
        }
    }

    /// The queue's ids (qid, k1, k2, k3) for units `o` under `cond`, state
    /// `$s`, page `$limit`/`$offset`, each unit giving only its own first
    /// rows in index order, merged. PostgreSQL: `CROSS JOIN LATERAL`, whose
    /// index order (NULLs last) is the queue's. SQLite has no LATERAL and its
    /// index puts NULLs first: a correlated `IN` per unit, deadlines and the
    /// concerns without one as two index ranges.
    pub(crate) fn per_unit_queue_ids(
        self,
        cond: &str,
        s: usize,
        limit: usize,
        offset: usize,
    ) -> String {
        match self {
            Dialect::Postgres => format!(
                "SELECT x.id AS qid, CASE WHEN x.deadline_at IS NULL THEN 1 ELSE 0 END AS k1,
                x.deadline_at AS k2, x.created_at AS k3
           FROM orgs o CROSS JOIN LATERAL (
                SELECT c.id, c.deadline_at, c.created_at FROM concerns c
                 WHERE c.org_id = o.id AND c.state = ${s}
                 ORDER BY c.deadline_at, c.created_at, c.id
                 LIMIT ${limit} + ${offset}) x
          WHERE {cond}
          ORDER BY k1, k2, k3, qid
          LIMIT ${limit} OFFSET ${offset}"
            ),
            Dialect::Sqlite => format!(
                "SELECT qid, k1, k2, k3 FROM (
           SELECT c.id AS qid, 0 AS k1, c.deadline_at AS k2, c.created_at AS k3
             FROM orgs o CROSS JOIN concerns c
            WHERE {cond} AND c.id IN (
                  SELECT x.id FROM concerns x
                   WHERE x.org_id = o.id AND x.state = ${s} AND x.deadline_at IS NOT NULL
                   ORDER BY x.deadline_at, x.created_at, x.id LIMIT ${limit} + ${offset})
           UNION ALL
           SELECT c.id, 1, NULL, c.created_at
             FROM orgs o CROSS JOIN concerns c
            WHERE {cond} AND c.id IN (
                  SELECT x.id FROM concerns x
                   WHERE x.org_id = o.id AND x.state = ${s} AND x.deadline_at IS NULL
                   ORDER BY x.created_at, x.id LIMIT ${limit} + ${offset}))
         ORDER BY k1, k2, k3, qid
         LIMIT ${limit} OFFSET ${offset}"
            ),
        }
    }

    /// Appends to `parts` the first `take` queue rows (id, deadline_at,
    /// created_at) of the concerns matching `drive` in `state`, in queue
    /// order. PostgreSQL's index order (NULLs last) is the queue's order: one
    /// range, aliased `p{n}`. SQLite's index puts NULLs first: deadlines and
    /// the concerns without one are two ranges.
    pub(crate) fn branch_queue_ranges(
        self,
        drive: &str,
        state: &str,
        take: i64,
        parts: &mut Vec<String>,
    ) {
        match self {
            Dialect::Postgres => parts.push(format!(
                "SELECT * FROM (SELECT c.id, c.deadline_at, c.created_at FROM concerns c
                  WHERE {drive} AND c.state = '{state}'
                  ORDER BY c.deadline_at, c.created_at, c.id LIMIT {take}) p{}",
                parts.len()
            )),
            Dialect::Sqlite => {
                parts.push(format!(
                    "SELECT * FROM (SELECT c.id, c.deadline_at, c.created_at FROM concerns c
                      WHERE {drive} AND c.state = '{state}' AND c.deadline_at IS NOT NULL
                      ORDER BY c.deadline_at, c.created_at, c.id LIMIT {take})"
                ));
                parts.push(format!(
                    "SELECT * FROM (SELECT c.id, c.deadline_at, c.created_at FROM concerns c
                      WHERE {drive} AND c.state = '{state}' AND c.deadline_at IS NULL
                      ORDER BY c.created_at, c.id LIMIT {take})"
                ));
            }
        }
    }
}

/// Either database, for the tests: `[Sqlite, Postgres]`.
#[cfg(test)]
const BOTH: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgres];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_names() {
        assert_eq!(Dialect::from_url("sqlite://x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(
            Dialect::from_url("postgres://u@h/d").unwrap(),
            Dialect::Postgres
        );
        assert_eq!(
            Dialect::from_url("postgresql://u@h/d").unwrap(),
            Dialect::Postgres
        );
        assert!(Dialect::from_url("mysql://h/d").is_err());
        assert_eq!("sqlite:".parse::<Dialect>().unwrap(), Dialect::Sqlite);
        assert_eq!(BOTH.map(Dialect::name), ["sqlite", "postgres"]);
    }

    #[test]
    fn ddl_tokens() {
        let sql = "CREATE TABLE t (id {{id}}, b {{blob}});\n{{search_index}};\n{{path_bytewise}}";
        assert_eq!(
            Dialect::Sqlite.ddl(sql),
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, b BLOB);\n\
             CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_docs', \
             content_rowid='id', tokenize='unicode61 remove_diacritics 0');\n"
        );
        assert_eq!(
            Dialect::Postgres.ddl(sql),
            "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, b BYTEA);\n\
             ALTER TABLE search_docs ADD COLUMN tsv tsvector \
             GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED;\n\
             CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);\n\
             ALTER TABLE orgs ALTER COLUMN path TYPE TEXT COLLATE \"C\""
        );
        let sqlite = Dialect::Sqlite.ddl("{{tally_triggers}}");
        assert!(
            sqlite.contains("\nCREATE TRIGGER concern_tally_insert AFTER INSERT ON concerns BEGIN")
        );
        assert_eq!(sqlite.matches("CREATE TRIGGER").count(), 6);
        let pg = Dialect::Postgres.ddl("{{tally_triggers}}");
        assert!(pg.contains("\nCREATE FUNCTION concern_tally_insert() RETURNS trigger"));
        assert_eq!(pg.matches("CREATE TRIGGER").count(), 6);
        assert_eq!(pg.matches("CREATE FUNCTION").count(), 6);
        assert!(pg.ends_with("ALTER TABLE concern_tally_log SET (vacuum_truncate = false);"));
    }

    #[test]
    fn joins_readers_and_write_transactions() {
        assert_eq!(BOTH.map(Dialect::driving_join), ["CROSS JOIN", "JOIN"]);
        assert_eq!(BOTH.map(Dialect::readers), [4, 8]);
        assert_eq!(BOTH.map(Dialect::begin_write), ["BEGIN IMMEDIATE", "BEGIN"]);
        assert_eq!(BOTH.map(Dialect::single_writer), [true, false]);
        assert_eq!(BOTH.map(Dialect::pings_idle_connections), [false, true]);
    }

    #[test]
    fn pools_and_readers() {
        let sqlite = Dialect::Sqlite.pool_options(AnyPoolOptions::new());
        assert_eq!(sqlite.get_max_connections(), 8);
        assert!(!sqlite.get_test_before_acquire());
        let pg = Dialect::Postgres.pool_options(AnyPoolOptions::new());
        assert_eq!(pg.get_max_connections(), 16);
        assert!(!pg.get_test_before_acquire());
        assert_eq!(
            Dialect::Sqlite.pool_url("sqlite://x.db"),
            "sqlite://x.db?mode=rwc"
        );
        assert_eq!(
            Dialect::Sqlite.pool_url("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=ro"
        );
        assert_eq!(
            Dialect::Postgres.pool_url("postgres://u@h/d"),
            "postgres://u@h/d"
        );
        assert_eq!(
            Dialect::Sqlite.reader_setup(),
            [
                "PRAGMA journal_mode=WAL",
                "PRAGMA synchronous=FULL",
                "PRAGMA foreign_keys=ON",
                "PRAGMA busy_timeout=10000",
                "PRAGMA case_sensitive_like=ON",
                "PRAGMA query_only=ON",
            ]
        );
        assert_eq!(
            Dialect::Postgres.reader_setup(),
            ["SET default_transaction_read_only = on"]
        );
    }

    #[test]
    fn placeholders() {
        let out = BOTH.map(|d| {
            let mut s = String::new();
            d.push_placeholder(&mut s, 1);
            s.push_str(", ");
            d.push_placeholder(&mut s, 12);
            s
        });
        assert_eq!(out, ["?, ?", "$1, $12"]);
    }

    #[test]
    fn locks_claims_sequences_and_vacuums() {
        assert_eq!(
            BOTH.map(|d| d.advisory_xact_lock(7300001)),
            [
                None,
                Some("SELECT pg_advisory_xact_lock(7300001)".to_owned())
            ]
        );
        assert_eq!(
            BOTH.map(Dialect::skip_locked),
            [None, Some(" FOR UPDATE SKIP LOCKED")]
        );
        assert_eq!(
            BOTH.map(|d| d.reset_identity("concerns")),
            [
                None,
                Some(
                    "SELECT setval(pg_get_serial_sequence('concerns', 'id'), COALESCE((SELECT MAX(id) FROM concerns), 1))"
                        .to_owned()
                )
            ]
        );
        assert_eq!(
            BOTH.map(|d| d.vacuum_keeping_pages("concern_tally_log")),
            [
                None,
                Some("VACUUM (TRUNCATE false) concern_tally_log".to_owned())
            ]
        );
    }

    #[test]
    fn log_folds() {
        let [sqlite, pg] = BOTH.map(|d| d.log_fold("log", "INSERT INTO t (a)", "ON CONFLICT", 9));
        assert_eq!(
            sqlite,
            LogFold::FoldThenDelete {
                fold: "INSERT INTO t (a) SELECT org_id, dim, k, SUM(d) FROM log WHERE true
                 GROUP BY org_id, dim, k ON CONFLICT"
                    .to_owned(),
                delete: "DELETE FROM log".to_owned(),
            }
        );
        assert_eq!(
            pg,
            LogFold::MoveAndFold {
                lock: "SELECT pg_advisory_xact_lock(9)".to_owned(),
                fold: "WITH moved AS (DELETE FROM log RETURNING org_id, dim, k, d),
                 folded AS (INSERT INTO t (a) SELECT org_id, dim, k, SUM(d) FROM moved
                   GROUP BY org_id, dim, k ON CONFLICT RETURNING 1)
                 SELECT COUNT(*) FROM moved"
                    .to_owned(),
            }
        );
    }

    /// The quoting the full-text match expressions use
    /// ([`FtsSyntax`]; the expressions themselves are tested in the index).
    #[test]
    fn match_expressions_quote() {
        assert_eq!(fts5_quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(ts_quote("a'b"), "'a''b'");
    }

    #[test]
    fn full_text_top_order_and_upkeep() {
        assert_eq!(
            Dialect::Sqlite.fts_top(7),
            "SELECT rowid AS doc, rank AS score FROM search_fts WHERE search_fts MATCH $1
             ORDER BY rank LIMIT $7"
        );
        assert_eq!(
            Dialect::Postgres.fts_top(7),
            "SELECT id AS doc, ts_rank(tsv, to_tsquery('simple', $1)) AS score FROM search_docs
             WHERE tsv @@ to_tsquery('simple', $1) AND kind = 'concern'
             ORDER BY score DESC LIMIT $7"
        );
        assert_eq!(
            BOTH.map(Dialect::fts_rank_order),
            ["top.score, c.id DESC", "top.score DESC, c.id DESC"]
        );
        assert_eq!(
            BOTH.map(Dialect::fts_forget),
            [
                Some(
                    "INSERT INTO search_fts (search_fts, rowid, tokens) VALUES ('delete', $1, $2)"
                ),
                None
            ]
        );
        assert_eq!(
            BOTH.map(Dialect::fts_insert_head),
            [Some("INSERT INTO search_fts (rowid, tokens)"), None]
        );
        assert_eq!(
            BOTH.map(Dialect::fts_rebuild),
            [
                Some("INSERT INTO search_fts (search_fts) VALUES ('rebuild')"),
                None
            ]
        );
    }

    #[test]
    fn pages_as_json_or_rows() {
        assert_eq!(
            Dialect::Sqlite.page_query("a, b", "FROM t", "a"),
            PageQuery::JsonArray(
                "SELECT json_group_array(json_array(a, b) ORDER BY a) AS page FROM t".to_owned()
            )
        );
        assert_eq!(
            Dialect::Postgres.page_query("a, b", "FROM t", "a"),
            PageQuery::Rows("SELECT a, b FROM t ORDER BY a".to_owned())
        );
    }

    #[test]
    fn queue_probe_and_per_unit_ids() {
        assert_eq!(Dialect::Postgres.queue_backlog_probe("C", 3, 2000), None);
        assert_eq!(
            Dialect::Sqlite.queue_backlog_probe("C", 3, 2000).unwrap(),
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM orgs o CROSS JOIN concerns c ON c.org_id = o.id
              WHERE C AND c.state = $3 LIMIT 2000)"
        );
        assert_eq!(
            Dialect::Postgres.per_unit_queue_ids("C", 3, 4, 5),
            "SELECT x.id AS qid, CASE WHEN x.deadline_at IS NULL THEN 1 ELSE 0 END AS k1,
                x.deadline_at AS k2, x.created_at AS k3
           FROM orgs o CROSS JOIN LATERAL (
                SELECT c.id, c.deadline_at, c.created_at FROM concerns c
                 WHERE c.org_id = o.id AND c.state = $3
                 ORDER BY c.deadline_at, c.created_at, c.id
                 LIMIT $4 + $5) x
          WHERE C
          ORDER BY k1, k2, k3, qid
          LIMIT $4 OFFSET $5"
        );
        assert_eq!(
            Dialect::Sqlite.per_unit_queue_ids("C", 3, 4, 5),
            "SELECT qid, k1, k2, k3 FROM (
           SELECT c.id AS qid, 0 AS k1, c.deadline_at AS k2, c.created_at AS k3
             FROM orgs o CROSS JOIN concerns c
            WHERE C AND c.id IN (
                  SELECT x.id FROM concerns x
                   WHERE x.org_id = o.id AND x.state = $3 AND x.deadline_at IS NOT NULL
                   ORDER BY x.deadline_at, x.created_at, x.id LIMIT $4 + $5)
           UNION ALL
           SELECT c.id, 1, NULL, c.created_at
             FROM orgs o CROSS JOIN concerns c
            WHERE C AND c.id IN (
                  SELECT x.id FROM concerns x
                   WHERE x.org_id = o.id AND x.state = $3 AND x.deadline_at IS NULL
                   ORDER BY x.created_at, x.id LIMIT $4 + $5))
         ORDER BY k1, k2, k3, qid
         LIMIT $4 OFFSET $5"
        );
    }

    #[test]
    fn branch_queue_ranges() {
        let mut pg = vec!["first".to_owned()];
        Dialect::Postgres.branch_queue_ranges("D", "new", 51, &mut pg);
        assert_eq!(
            pg[1],
            "SELECT * FROM (SELECT c.id, c.deadline_at, c.created_at FROM concerns c
                  WHERE D AND c.state = 'new'
                  ORDER BY c.deadline_at, c.created_at, c.id LIMIT 51) p1"
        );
        let mut sqlite = Vec::new();
        Dialect::Sqlite.branch_queue_ranges("D", "new", 51, &mut sqlite);
        assert_eq!(
            sqlite,
            [
                "SELECT * FROM (SELECT c.id, c.deadline_at, c.created_at FROM concerns c
                      WHERE D AND c.state = 'new' AND c.deadline_at IS NOT NULL
                      ORDER BY c.deadline_at, c.created_at, c.id LIMIT 51)",
                "SELECT * FROM (SELECT c.id, c.deadline_at, c.created_at FROM concerns c
                      WHERE D AND c.state = 'new' AND c.deadline_at IS NULL
                      ORDER BY c.created_at, c.id LIMIT 51)"
            ]
        );
    }
}
