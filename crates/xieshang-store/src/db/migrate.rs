//! Forward-only, numbered migrations: one set of SQL files for both databases, with
//! the few type differences expanded by [`Dialect::ddl`].

use crate::db::{Db, Dialect};
use sqlx::Row;

/// The migrations, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (2, "items", include_str!("../migrations/0002_items.sql")),
    (
        3,
        "concern_loop",
        include_str!("../migrations/0003_concern_loop.sql"),
    ),
    (
        4,
        "open_interfaces",
        include_str!("../migrations/0004_open_interfaces.sql"),
    ),
    (
        5,
        "webhooks",
        include_str!("../migrations/0005_webhooks.sql"),
    ),
    (6, "search", include_str!("../migrations/0006_search.sql")),
    (7, "studios", include_str!("../migrations/0007_studios.sql")),
    (
        8,
        "receptions",
        include_str!("../migrations/0008_receptions.sql"),
    ),
    (
        9,
        "duty_entries",
        include_str!("../migrations/0009_duty_entries.sql"),
    ),
    (
        10,
        "scoring",
        include_str!("../migrations/0010_scoring.sql"),
    ),
    (11, "roster", include_str!("../migrations/0011_roster.sql")),
    (
        12,
        "queue_order",
        include_str!("../migrations/0012_queue_order.sql"),
    ),
    (
        13,
        "org_queue",
        include_str!("../migrations/0013_org_queue.sql"),
    ),
    (
        14,
        "path_bytewise",
        include_str!("../migrations/0014_path_bytewise.sql"),
    ),
    (
        15,
        "jobs_pending",
        include_str!("../migrations/0015_jobs_pending.sql"),
    ),
    (
        16,
        "public_trail",
        include_str!("../migrations/0016_public_trail.sql"),
    ),
    (
        17,
        "concern_branch",
        include_str!("../migrations/0017_concern_branch.sql"),
    ),
    (
        18,
        "concern_tallies",
        include_str!("../migrations/0018_concern_tallies.sql"),
    ),
    (
        19,
        "jobs_retention",
        include_str!("../migrations/0019_jobs_retention.sql"),
    ),
    (
        20,
        "tallies_by_dim",
        include_str!("../migrations/0020_tallies_by_dim.sql"),
    ),
    (
        21,
        "resident_keys",
        include_str!("../migrations/0021_resident_keys.sql"),
    ),
    (
        22,
        "password_reset",
        include_str!("../migrations/0022_password_reset.sql"),
    ),
    (
        23,
        "item_engine",
        include_str!("../migrations/0023_item_engine.sql"),
    ),
];

/// Splits a migration file into statements at each `;`. Comment lines go
/// first, so a `;` in a comment splits nothing; a `;` that belongs inside a
/// statement (a trigger's body) is written `{{semicolon}}` in the file.
pub(crate) fn statements(sql: &str) -> Vec<String> {
    sql.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .split(';')
        .map(|s| s.replace("{{semicolon}}", ";"))
        .filter(|s| !s.trim().is_empty())
        .collect()
}

/// Applies every migration not yet applied, each in its own transaction.
/// Returns the versions applied now.
pub async fn run(db: &Db) -> anyhow::Result<Vec<i64>> {
    run_to(db, i64::MAX).await
}

/// Applies the migrations not yet applied up to version `last` (tests of a
/// migration start from the version before it).
pub async fn run_to(db: &Db, last: i64) -> anyhow::Result<Vec<i64>> {
    let create = "CREATE TABLE IF NOT EXISTS schema_migrations (
        version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
    sqlx::query(create).execute(db.pool()).await?;
    let mut applied_now = Vec::new();
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 <= last) {
        let mut tx = db.begin_write().await?;
        if db.dialect() == Dialect::Postgres {
            // Two processes migrating at once: the second waits, then sees the row.
            sqlx::query("SELECT pg_advisory_xact_lock(7300001)")
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1")
            .bind(*version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if done > 0 {
            tx.rollback().await?;
            continue;
        }
        for stmt in statements(&db.dialect().ddl(sql)) {
            sqlx::query(&stmt)
                .execute(&mut *tx)
                .await
                .map_err(|e| anyhow::anyhow!("migration {version} ({name}) failed: {e}\n{stmt}"))?;
        }
        if *version == 17 {
            fill_branches(&mut tx)
                .await
                .map_err(|e| anyhow::anyhow!("migration 17 ({name}) failed: {e}"))?;
        }
        if *version == 18 {
            crate::concern::tally::install(&mut tx)
                .await
                .map_err(|e| anyhow::anyhow!("migration 18 ({name}) failed: {e}"))?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(*version)
        .bind(*name)
        .bind(db.now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version, name, "migration applied");
        applied_now.push(*version);
    }
    // Items written before the index existed get their entries, once, when the
    // search migration is applied (later items are indexed as they are written).
    if applied_now.contains(&6) {
        let indexed = crate::search::index_missing(db).await?;
        tracing::info!(indexed, "search index filled");
    }
    Ok(applied_now)
}

/// Migration 17's data: every existing concern's branch, then the index that
/// reads a branch's queue (created after the fill, which is faster than
/// keeping it up to date row by row).
async fn fill_branches(tx: &mut crate::db::Tx) -> crate::Result<()> {
    let units: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, path FROM orgs WHERE parent_id IS NULL OR parent_id IN (SELECT id FROM orgs WHERE parent_id IS NULL)")
            .fetch_all(&mut **tx)
            .await?;
    for (id, path) in units {
        let path = xieshang_core::OrgPath::parse(&path).ok_or(crate::Error::NotFound)?;
        if path.depth() == 1 {
            sqlx::query("UPDATE concerns SET branch_id = $1 WHERE org_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        } else {
            crate::concern::set_branch_within(tx, &path).await?;
        }
    }
    sqlx::query(
        "CREATE INDEX concerns_branch_queue ON concerns(branch_id, state, deadline_at, created_at, id)",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_semicolon_in_a_comment_splits_nothing() {
        let sql = "-- one; two\nCREATE TABLE a (x INT);\n-- three; four\nDROP TABLE b;\n";
        assert_eq!(
            super::statements(sql),
            vec![
                "CREATE TABLE a (x INT)".to_owned(),
                "\nDROP TABLE b".to_owned()
            ]
        );
        let sql = "CREATE TRIGGER t BEGIN SELECT 1{{semicolon}} END;\nSELECT 2;";
        assert_eq!(
            super::statements(sql),
            vec![
                "CREATE TRIGGER t BEGIN SELECT 1; END".to_owned(),
                "\nSELECT 2".to_owned()
            ]
        );
    }
}
