//! Forward-only, numbered migrations: one set of SQL files for both databases,
//! with the few differences expanded by the dialect's `ddl`
//! ([`crate::db::dialect`]). A migration is SQL only, and frozen once released
//! (decision 0021): no Rust code runs under a version number, and a test pins
//! every released migration's text.

use crate::db::Db;
use sqlx::Row;

/// The migrations, in order: (version, name, SQL). A released migration whose
/// data fill was Rust carries it as a second SQL file, run after the first in
/// the same transaction (the two texts joined by a `;`).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("migrations/0001_foundation.sql"),
    ),
    (2, "items", include_str!("migrations/0002_items.sql")),
    (
        3,
        "concern_loop",
        include_str!("migrations/0003_concern_loop.sql"),
    ),
    (
        4,
        "open_interfaces",
        include_str!("migrations/0004_open_interfaces.sql"),
    ),
    (5, "webhooks", include_str!("migrations/0005_webhooks.sql")),
    (6, "search", include_str!("migrations/0006_search.sql")),
    (7, "studios", include_str!("migrations/0007_studios.sql")),
    (
        8,
        "receptions",
        include_str!("migrations/0008_receptions.sql"),
    ),
    (
        9,
        "duty_entries",
        include_str!("migrations/0009_duty_entries.sql"),
    ),
    (10, "scoring", include_str!("migrations/0010_scoring.sql")),
    (11, "roster", include_str!("migrations/0011_roster.sql")),
    (
        12,
        "queue_order",
        include_str!("migrations/0012_queue_order.sql"),
    ),
    (
        13,
        "org_queue",
        include_str!("migrations/0013_org_queue.sql"),
    ),
    (
        14,
        "path_bytewise",
        include_str!("migrations/0014_path_bytewise.sql"),
    ),
    (
        15,
        "jobs_pending",
        include_str!("migrations/0015_jobs_pending.sql"),
    ),
    (
        16,
        "public_trail",
        include_str!("migrations/0016_public_trail.sql"),
    ),
    (
        17,
        "concern_branch",
        concat!(
            include_str!("migrations/0017_concern_branch.sql"),
            ";\n",
            include_str!("migrations/0017_concern_branch_backfill.sql")
        ),
    ),
    (
        18,
        "concern_tallies",
        concat!(
            include_str!("migrations/0018_concern_tallies.sql"),
            ";\n",
            include_str!("migrations/0018_concern_tallies_backfill.sql")
        ),
    ),
    (
        19,
        "jobs_retention",
        include_str!("migrations/0019_jobs_retention.sql"),
    ),
    (
        20,
        "tallies_by_dim",
        include_str!("migrations/0020_tallies_by_dim.sql"),
    ),
    (
        21,
        "resident_keys",
        include_str!("migrations/0021_resident_keys.sql"),
    ),
    (
        22,
        "password_reset",
        include_str!("migrations/0022_password_reset.sql"),
    ),
    (
        23,
        "item_engine",
        include_str!("migrations/0023_item_engine.sql"),
    ),
    (
        24,
        "reporter_codes",
        include_str!("migrations/0024_reporter_codes.sql"),
    ),
    (
        25,
        "recorded_by",
        include_str!("migrations/0025_recorded_by.sql"),
    ),
    (
        26,
        "duty_outside_shift",
        include_str!("migrations/0026_duty_outside_shift.sql"),
    ),
    (
        27,
        "public_handling",
        include_str!("migrations/0027_public_handling.sql"),
    ),
    (
        28,
        "consultations",
        include_str!("migrations/0028_consultations.sql"),
    ),
    (
        29,
        "search_prefix",
        include_str!("migrations/0029_search_prefix.sql"),
    ),
    (
        30,
        "consultation_materials",
        include_str!("migrations/0030_consultation_materials.sql"),
    ),
    (
        32,
        "proposals",
        include_str!("migrations/0032_proposals.sql"),
    ),
    (
        35,
        "consultation_rules_ratings",
        include_str!("migrations/0035_consultation_rules_ratings.sql"),
    ),
    (
        36,
        "proposal_handling",
        include_str!("migrations/0036_proposal_handling.sql"),
    ),
    (
        37,
        "proposal_ballots",
        include_str!("migrations/0037_proposal_ballots.sql"),
    ),
    (
        38,
        "proposal_extensions",
        include_str!("migrations/0038_proposal_extensions.sql"),
    ),
    (
        40,
        "proposal_leads",
        include_str!("migrations/0040_proposal_leads.sql"),
    ),
    (
        41,
        "proposal_face_to_face",
        include_str!("migrations/0041_proposal_face_to_face.sql"),
    ),
    (
        42,
        "opinion_reports",
        include_str!("migrations/0042_opinion_reports.sql"),
    ),
    (43, "study", include_str!("migrations/0043_study.sql")),
    (
        44,
        "assignments_by_kind",
        include_str!("migrations/0044_assignments_by_kind.sql"),
    ),
    (
        45,
        "opinion_reports_updated",
        include_str!("migrations/0045_opinion_reports_updated.sql"),
    ),
    (
        46,
        "opinion_report_bodies",
        include_str!("migrations/0046_opinion_report_bodies.sql"),
    ),
    (
        47,
        "supervision",
        include_str!("migrations/0047_supervision.sql"),
    ),
    (
        48,
        "consultation_branch",
        include_str!("migrations/0048_consultation_branch.sql"),
    ),
    (
        49,
        "practices",
        include_str!("migrations/0049_practices.sql"),
    ),
    (
        51,
        "city_view",
        include_str!("migrations/0051_city_view.sql"),
    ),
    // Issue 31 point 4: the party organisation (decision 0048).
    (52, "party", include_str!("migrations/0052_party.sql")),
    // h-locate begin
    // Issue 26 point 5: units' representative points (decision 0049).
    (
        53,
        "org_points",
        include_str!("migrations/0053_org_points.sql"),
    ),
    // h-locate end
    // h-audit begin
    // Issue 33 point 5: the audit viewer's filters and the chain's daily check.
    (
        55,
        "audit_checks",
        include_str!("migrations/0055_audit_checks.sql"),
    ),
    // h-audit end
];

/// Splits a migration into statements at each `;`, except inside a
/// PostgreSQL function's body (between `$body$` marks) and inside a SQLite
/// trigger's `BEGIN … END` (its statement ends at the `;` after `END`).
/// Comment lines go first, so a `;` in a comment splits nothing. A `;` written
/// `{{semicolon}}` (inside a trigger's body) never splits.
pub(crate) fn statements(sql: &str) -> Vec<String> {
    let text = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut current = String::new();
    for piece in text.split_inclusive(';') {
        current.push_str(piece);
        let body = current.strip_suffix(';').unwrap_or(&current);
        let in_function = body.matches("$body$").count() % 2 == 1;
        let in_trigger = body.trim_start().starts_with("CREATE TRIGGER")
            && body.split_whitespace().any(|w| w == "BEGIN")
            && body.split_whitespace().last() != Some("END");
        if current.ends_with(';') && (in_function || in_trigger) {
            continue;
        }
        let stmt = body.to_owned();
        current.clear();
        if !stmt.trim().is_empty() {
            out.push(stmt.replace("{{semicolon}}", ";"));
        }
    }
    out
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
        // Two processes migrating at once: the second waits, then sees the
        // row (SQLite's write transaction excludes the second already).
        if let Some(lock) = db.dialect().advisory_xact_lock(7300001) {
            sqlx::query(&lock).execute(&mut *tx).await?;
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
    // The search index is derived from the items by Rust (the text's
    // segmentation), so it is no migration's work: after any upgrade, items
    // without an entry get theirs (those written before migration 6 created
    // the index; later items are indexed as they are written, so this finds
    // nothing else). Not on every start: the check reads every concern.
    if !applied_now.is_empty() {
        let indexed = crate::index::index_missing(db).await?;
        if indexed > 0 {
            tracing::info!(indexed, "search index filled");
        }
    }
    Ok(applied_now)
}

#[cfg(test)]
mod tests {
    use crate::db::Dialect;

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

    #[test]
    fn a_trigger_body_and_a_function_body_stay_whole() {
        let sql = "CREATE TABLE a (x INT);\n\
                   CREATE TRIGGER t AFTER INSERT ON a BEGIN\n INSERT INTO b VALUES (1);\n \
                   INSERT INTO b VALUES (2);\n END;\n\
                   CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$\n BEGIN\n \
                   INSERT INTO b VALUES (3);\n RETURN NULL;\n END\n $body$;\n\
                   CREATE TRIGGER g AFTER INSERT ON a FOR EACH STATEMENT EXECUTE FUNCTION f();\n";
        let s = super::statements(sql);
        assert_eq!(s.len(), 4, "{s:#?}");
        assert!(s[1].trim_start().starts_with("CREATE TRIGGER t") && s[1].ends_with("END"));
        assert!(s[2].trim_start().starts_with("CREATE FUNCTION f") && s[2].ends_with("$body$"));
        assert!(s[3].trim_start().starts_with("CREATE TRIGGER g"));
    }

    /// Migration 18's statements on each database: the tables and index,
    /// six triggers (and on PostgreSQL their six functions and the log's
    /// storage option), then the recount.
    #[test]
    fn migration_18_splits_into_its_statements() {
        let sql = super::MIGRATIONS.iter().find(|m| m.0 == 18).unwrap().2;
        for (url, n) in [("sqlite:", 2 + 6 + 1), ("postgres://", 2 + 12 + 1 + 1)] {
            let d: Dialect = url.parse().unwrap();
            let s = super::statements(&d.ddl(sql));
            assert_eq!(s.len(), n, "{url}: {s:#?}");
            assert!(s[n - 1].trim_start().starts_with(
                "INSERT INTO concern_tallies (org_id, dim, k, n) SELECT org_id AS org_id"
            ));
        }
    }

    /// Released migrations are frozen: the text each database runs for each
    /// of them (its files, with the dialect's tokens expanded) is pinned
    /// here. A change to a released migration is a new migration instead;
    /// when a new one is released, add its line.
    #[test]
    fn released_migrations_are_frozen() {
        const RELEASED: &[(i64, &str, &str)] = &[
            (1, "f49d1173fcd23016", "133400b5cbfc3d04"),
            (2, "ed98cc80db09c6b1", "ef12171a447dc285"),
            (3, "0eea8ee7330e9386", "95880becda8ec2d3"),
            (4, "60a04afff20a09b3", "b334f719e26e964d"),
            (5, "df99d373b4a2f10d", "f999f01fba0e7b98"),
            (6, "4b18eab9cc1fabf1", "a405db5e02bf70f9"),
            (7, "26bf9005fef40f78", "6928a55bb41546fc"),
            (8, "857f0dbeb2ef1f5a", "c0719799cc369b8c"),
            (9, "134a27c42146d89a", "99d6764285db00f9"),
            (10, "a510d358e5dd1bb6", "6f179fb2ead729dc"),
            (11, "693e58d8c90b0595", "fe01d528146b51a6"),
            (12, "f589e9d139cf9deb", "f589e9d139cf9deb"),
            (13, "67fef54752fa64c3", "67fef54752fa64c3"),
            (14, "ab8d84ce26397745", "4d33f9ca28c89122"),
            (15, "16c5ff73127467de", "16c5ff73127467de"),
            (16, "866d24b0a6ec3841", "866d24b0a6ec3841"),
            (17, "3d28d7f7848d8abf", "3d28d7f7848d8abf"),
            (18, "64527c9f5b77138f", "0ee3daf81454bd87"),
            (19, "dde0ccb6291fec08", "dde0ccb6291fec08"),
            (20, "5b3ceaeb985fa366", "5b3ceaeb985fa366"),
            (21, "9d912c5e5547d2a2", "9d912c5e5547d2a2"),
            (22, "b6a67cd3ce0664ff", "b6a67cd3ce0664ff"),
            (23, "9d07a0f1e5f05674", "180a16c22c6452fe"),
            (24, "235b8426ba4465b2", "235b8426ba4465b2"),
            (25, "aec6b290c9343ab0", "aec6b290c9343ab0"),
            (26, "815ec74dd7db19b6", "b076d4c3971ccb0f"),
            (27, "9d03c0f4916dcde6", "9d03c0f4916dcde6"),
            (28, "b72f4c93c1d2572e", "c95b568b2d802cb3"),
            (29, "754509d93439783c", "e1126386f0d19d16"),
        ];
        // Each migration's hashes now, as lines for RELEASED.
        let now: Vec<(i64, String, String)> = super::MIGRATIONS
            .iter()
            .map(|(version, _, sql)| {
                let [sqlite, postgres] = ["sqlite:", "postgres://"].map(|url| {
                    let d: Dialect = url.parse().unwrap();
                    crate::secret::sha256_hex(&d.ddl(sql))[..16].to_owned()
                });
                (*version, sqlite, postgres)
            })
            .collect();
        let lines: Vec<String> = now
            .iter()
            .map(|(v, s, p)| format!("            ({v}, \"{s}\", \"{p}\"),"))
            .collect();
        for (version, sqlite, postgres) in RELEASED {
            let found = now.iter().find(|n| n.0 == *version);
            assert_eq!(
                found.map(|n| (n.1.as_str(), n.2.as_str())),
                Some((*sqlite, *postgres)),
                "released migration {version} changed or is missing; now:\n{}",
                lines.join("\n")
            );
        }
    }
}
