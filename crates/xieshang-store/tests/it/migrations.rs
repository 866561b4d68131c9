//! Migrations are SQL only (decision 0021): migration 17's branch fill and
//! migration 18's triggers and counts, once Rust, are SQL now. A database
//! left at version 16 with concerns in it, then migrated, ends as the Rust
//! did it: each concern's branch is its unit's `OrgPath::branch` (what
//! `fill_branches` bound), the counts are a recount of the concerns, all in
//! `concern_tallies` with an empty log (what `tally::install` inserted), and
//! the triggers count what is written afterwards.

use crate::count;
use sqlx::Row;
use xieshang_core::OrgPath;
use xieshang_store::concern::tally;
use xieshang_store::migrate;
use xieshang_store::testing::TestDb;

async fn exec(t: &TestDb, sql: &str) {
    sqlx::query(sql)
        .execute(t.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// Two trees: a city (1) with two districts, streets and a grid, and a
/// second root (10) with one unit; concerns at every level, in several
/// states and categories, some resolved, some with feedback.
async fn fill_at_16(t: &TestDb) {
    let units = [
        (1, None, "/1/"),
        (2, Some(1), "/1/2/"),
        (3, Some(1), "/1/3/"),
        (4, Some(2), "/1/2/4/"),
        (5, Some(3), "/1/3/5/"),
        (6, Some(4), "/1/2/4/6/"),
        (10, None, "/10/"),
        (11, Some(10), "/10/11/"),
    ];
    for (id, parent, path) in units {
        let parent = parent.map_or("NULL".to_owned(), |p: i64| p.to_string());
        exec(
            t,
            &format!(
                "INSERT INTO orgs (id, parent_id, kind, code, name, path, created_at, updated_at)
                 VALUES ({id}, {parent}, 'unit', 'u{id}', 'Unit {id}', '{path}', 0, 0)"
            ),
        )
        .await;
    }
    let states = ["submitted", "assigned", "resolved", "closed"];
    let categories = ["roads", "water", "noise"];
    let mut id = 0;
    for (unit, _, _) in units {
        for n in 0..7i64 {
            id += 1;
            let state = states[(id as usize + n as usize) % states.len()];
            let category = categories[id as usize % categories.len()];
            let created = 1_000_000 + id * 3_600_000;
            let resolved = if state == "resolved" || state == "closed" {
                (created + n * 40_000_000 + 1).to_string()
            } else {
                "NULL".to_owned()
            };
            exec(
                t,
                &format!(
                    "INSERT INTO concerns (id, org_id, tracking_code, category, title, description,
                       channel, state, created_at, updated_at, resolved_at)
                     VALUES ({id}, {unit}, 'C{id:05}', '{category}', '路灯不亮 {id}', '描述',
                       'web', '{state}', {created}, {created}, {resolved})"
                ),
            )
            .await;
            if resolved != "NULL" && n % 2 == 0 {
                let rating = ["satisfied", "unsatisfied"][id as usize % 2];
                exec(
                    t,
                    &format!(
                        "INSERT INTO concern_feedback (concern_id, rating, at)
                         VALUES ({id}, '{rating}', {created})"
                    ),
                )
                .await;
            }
        }
    }
}

#[tokio::test]
async fn an_upgraded_database_gets_the_branches_and_counts_the_rust_fill_gave() {
    let t = TestDb::unmigrated().await.unwrap();
    let applied = migrate::run_to(&t.db, 16).await.unwrap();
    assert_eq!(applied, (1..=16).collect::<Vec<i64>>());
    fill_at_16(&t).await;
    let applied = migrate::run(&t.db).await.unwrap();
    assert_eq!(applied.first(), Some(&17));

    // Branches: what fill_branches wrote, OrgPath::branch of the unit.
    let rows = sqlx::query(
        "SELECT c.id, c.branch_id, o.path FROM concerns c JOIN orgs o ON o.id = c.org_id
         ORDER BY c.id",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 56);
    for r in &rows {
        let path = OrgPath::parse(&r.get::<String, _>("path")).unwrap();
        assert_eq!(
            r.get::<Option<i64>, _>("branch_id"),
            Some(path.branch()),
            "concern {} at {path}",
            r.get::<i64, _>("id")
        );
    }
    let at = |path: &str| OrgPath::parse(path).unwrap().branch();
    assert_eq!(
        [at("/1/"), at("/1/2/4/6/"), at("/1/3/"), at("/10/11/")],
        [1, 2, 3, 11]
    );

    // Counts: all in the tallies, none in the log, equal to a recount.
    assert_eq!(count(&t, "SELECT COUNT(*) FROM concern_tally_log").await, 0);
    assert!(count(&t, "SELECT COUNT(*) FROM concern_tallies").await > 0);
    assert_eq!(
        count(
            &t,
            "SELECT CAST(SUM(n) AS BIGINT) FROM concern_tallies WHERE dim = 'state'"
        )
        .await,
        56
    );
    assert_eq!(
        count(
            &t,
            "SELECT CAST(SUM(n) AS BIGINT) FROM concern_tallies WHERE dim = 'b.rating'"
        )
        .await,
        // Migration 23 carried the feedback into the item engine's table.
        count(
            &t,
            "SELECT COUNT(*) FROM item_feedback WHERE kind = 'concern'"
        )
        .await
    );
    let differing = tally::verify(&t.db).await.unwrap();
    assert!(differing.is_empty(), "{differing:?}");

    // The triggers exist and count what is written after the migration.
    exec(
        &t,
        "INSERT INTO concerns (id, org_id, branch_id, tracking_code, category, title,
           description, channel, state, created_at, updated_at)
         VALUES (1000, 6, 2, 'C01000', 'roads', 't', 'd', 'web', 'submitted', 5, 5)",
    )
    .await;
    exec(&t, "UPDATE concerns SET state = 'assigned' WHERE id = 1").await;
    exec(
        &t,
        "INSERT INTO item_feedback (kind, item_id, rating, at)
         VALUES ('concern', 1000, 'satisfied', 6)",
    )
    .await;
    assert!(count(&t, "SELECT COUNT(*) FROM concern_tally_log").await > 0);
    let differing = tally::verify(&t.db).await.unwrap();
    assert!(differing.is_empty(), "after writes: {differing:?}");
    tally::compact(&t.db).await.unwrap();
    let differing = tally::verify(&t.db).await.unwrap();
    assert!(differing.is_empty(), "after folding: {differing:?}");

    // The index that reads a branch's queue came with migration 17.
    let index = if xieshang_store::testing::backend_name() == "postgres" {
        "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'concerns_branch_queue'"
    } else {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'concerns_branch_queue'"
    };
    assert_eq!(count(&t, index).await, 1);

    // Concerns written before the search index get their entries after the
    // upgrade (the search index is derived data, filled by Rust after any
    // upgrade, not under a version number).
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM search_docs WHERE kind = 'concern'"
        )
        .await,
        56
    );
}

/// A fresh database runs the same SQL on no rows: no counts, no log, and
/// the triggers count the first concern.
#[tokio::test]
async fn a_fresh_database_counts_from_its_first_concern() {
    let t = TestDb::new().await.unwrap();
    assert_eq!(count(&t, "SELECT COUNT(*) FROM concern_tallies").await, 0);
    exec(
        &t,
        "INSERT INTO orgs (id, parent_id, kind, code, name, path, created_at, updated_at)
         VALUES (1, NULL, 'city', 'c', 'C', '/1/', 0, 0)",
    )
    .await;
    exec(
        &t,
        "INSERT INTO concerns (id, org_id, branch_id, tracking_code, category, title,
           description, channel, state, created_at, updated_at)
         VALUES (1, 1, 1, 'C00001', 'roads', 't', 'd', 'web', 'submitted', 5, 5)",
    )
    .await;
    assert_eq!(
        count(
            &t,
            "SELECT CAST(SUM(d) AS BIGINT) FROM concern_tally_log WHERE dim IN ('state', 'b.state')"
        )
        .await,
        2
    );
    assert!(tally::verify(&t.db).await.unwrap().is_empty());
}
