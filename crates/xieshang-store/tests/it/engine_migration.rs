//! Migration 23 moves the concern-only tables (assignments, followers,
//! feedback) to the item engine's tables keyed by (kind, item_id) and re-keys
//! the queued deadline jobs: every row and every public status page is the
//! same after it, and what the product writes afterwards lands in the new
//! tables with the dashboard's counts following. The large version of this
//! check (100,000 concerns, the generator of the version before) is
//! `scripts/migration-check.sh`.

use crate::{actor, count, HASH};
use xieshang_core::item::{Action, CONCERN};
use xieshang_core::Role;
use xieshang_store::concern::{self, Rating};
use xieshang_store::item::{self, By};
use xieshang_store::testing::TestDb;
use xieshang_store::{concern::tally, datagen, migrate, seed};

/// Runs one statement.
async fn exec(t: &TestDb, sql: &str) {
    sqlx::query(sql).execute(t.db.pool()).await.unwrap();
}

#[tokio::test]
async fn migration_23_carries_every_row_and_status_page() {
    // A database at migration 22, written by the code paths that do not
    // change (intake, the engine's transitions) and, for the three tables
    // that move, in the shape version 22 wrote them.
    let t = TestDb::at_version(22).await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let staff = actor(&t, "staff").await;
    let grids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM orgs WHERE code LIKE 'yanliang-fenghuang-g%' ORDER BY id",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    let departments: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM orgs WHERE kind = 'department' ORDER BY id")
            .fetch_all(t.db.pool())
            .await
            .unwrap();
    assert!(grids.len() > 10 && departments.len() > 2);
    let dept = By::Connected(Role::DepartmentHandler);
    let mut resolved_keys = Vec::new();
    for i in 0..300usize {
        let r = concern::record_keyed(
            &t.db,
            By::Resident,
            crate::web_concern(
                grids[i % grids.len()],
                "road",
                &format!("第{i}号井盖缺失"),
                "夜里看不见",
            ),
        )
        .await
        .unwrap();
        let id = r.id;
        let go = |a: Action, by| item::transition(&t.db, &CONCERN, id, a, by, None, &[]);
        match i % 6 {
            0 => {}
            1 => {
                go(Action::Accept, By::User(&staff)).await.unwrap();
            }
            2 => {
                go(Action::Reject, By::User(&staff)).await.unwrap();
            }
            _ => {
                go(Action::Accept, By::User(&staff)).await.unwrap();
                go(Action::Assign, By::User(&staff)).await.unwrap();
                let (lead, co) = (
                    departments[i % departments.len()],
                    departments[(i + 1) % departments.len()],
                );
                exec(
                    &t,
                    &format!(
                        "INSERT INTO concern_assignments (concern_id, org_id, lead, round, active, assigned_at)
                         VALUES ({id}, {lead}, 1, 1, 1, 1000), ({id}, {co}, 0, 1, 1, 1000)"
                    ),
                )
                .await;
                exec(
                    &t,
                    &format!("UPDATE concerns SET assignment_round = 1 WHERE id = {id}"),
                )
                .await;
                exec(
                    &t,
                    &format!(
                        "INSERT INTO concern_followers (concern_id, user_id, reason, created_at)
                         SELECT {id}, user_id, 'paired', 1000 FROM grid_pairs
                          WHERE grid_org_id = (SELECT org_id FROM concerns WHERE id = {id})"
                    ),
                )
                .await;
                exec(
                    &t,
                    &format!(
                        "INSERT INTO jobs (kind, payload, run_at, created_at) VALUES
                         ('deadline', '{{\"concern_id\":{id},\"round\":1,\"stage\":\"reminder\"}}', 9000000000000, 1000)"
                    ),
                )
                .await;
                if i % 6 >= 4 {
                    go(Action::Progress, dept).await.unwrap();
                    go(Action::Resolve, dept).await.unwrap();
                }
                if i % 6 == 5 && i % 12 == 5 {
                    go(Action::FeedbackSatisfied, By::Resident).await.unwrap();
                    exec(
                        &t,
                        &format!(
                            "INSERT INTO concern_feedback (concern_id, rating, comment, thanks, at)
                             VALUES ({id}, 'satisfied', '修好了, 谢谢 2:x', NULL, 2000)"
                        ),
                    )
                    .await;
                } else if i % 6 == 5 {
                    resolved_keys.push((r.code.clone(), r.key.clone()));
                }
            }
        }
    }
    // The concerns' folded trail as version 22 wrote it with its feedback
    // (migration 16's backfill folds the records exactly as the writers do).
    let (_, _, sql16) = migrate::MIGRATIONS
        .iter()
        .find(|m| m.0 == 16)
        .expect("migration 16");
    let backfill = sql16
        .split(';')
        .find(|s| s.contains("UPDATE concerns SET"))
        .expect("the backfill statement");
    exec(&t, backfill).await;
    // The dashboard's counts as version 22 kept them (its triggers over
    // concern_feedback); after the migration they must still equal a recount
    // over item_feedback.
    tally::compact(&t.db).await.unwrap();

    let before = datagen::snapshot(&t.db, 1_000).await.unwrap();
    assert_eq!(before[0], "# schema version 22");
    let rows = |s: &[String], table: &str| -> i64 {
        s.iter()
            .find_map(|l| l.strip_prefix(&format!("{table} ")))
            .and_then(|l| l.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap()
    };
    // Every table the migration touches has rows to carry.
    assert_eq!(rows(&before, "concerns"), 300);
    assert_eq!(rows(&before, "assignments"), 2 * 150);
    assert!(rows(&before, "followers") > 0);
    assert_eq!(rows(&before, "feedback"), 25);
    assert_eq!(rows(&before, "deadline_jobs"), 150);
    assert_eq!(rows(&before, "status_pages"), 300);

    // Up to 23 only: later migrations are not this test's.
    assert_eq!(migrate::run_to(&t.db, 23).await.unwrap(), vec![23]);
    let after = datagen::snapshot(&t.db, 1_000).await.unwrap();
    assert_eq!(after[0], "# schema version 23");
    assert_eq!(before[1..], after[1..]);
    for old in [
        "concern_assignments",
        "concern_followers",
        "concern_feedback",
    ] {
        let gone = sqlx::query(&format!("SELECT 1 FROM {old}"))
            .fetch_optional(t.db.pool())
            .await;
        assert!(gone.is_err(), "{old} is still there");
    }
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'deadline' AND payload LIKE '{\"kind\":\"concern\",\"item_id\":%'"
        )
        .await,
        150
    );
    assert_eq!(tally::verify(&t.db).await.unwrap(), vec![]);

    // The product goes on writing the engine's tables: feedback lands in
    // item_feedback, its rating in the dashboard's counts, its words on the
    // status page.
    let (code, key) = &resolved_keys[0];
    let to = concern::feedback(
        &t.db,
        code,
        key,
        Rating::Unsatisfied,
        Some("还是坏的"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(to, "reopened");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM item_feedback").await, 26);
    let page = concern::public_status(&t.db, code).await.unwrap();
    assert_eq!(page.feedback.len(), 1);
    assert_eq!(tally::verify(&t.db).await.unwrap(), vec![]);
    tally::compact(&t.db).await.unwrap();
    assert_eq!(tally::verify(&t.db).await.unwrap(), vec![]);
    // New ids go on after the copied ones on both databases.
    let max_before: i64 = count(&t, "SELECT MAX(id) FROM item_feedback WHERE at = 2000").await;
    let newest: i64 = count(&t, "SELECT MAX(id) FROM item_feedback").await;
    assert!(newest > max_before);
}

#[tokio::test]
async fn the_engine_assigns_follows_and_objects_for_any_kind_key() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let departments: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM orgs WHERE kind = 'department' ORDER BY id")
            .fetch_all(t.db.pool())
            .await
            .unwrap();
    let grid: i64 = sqlx::query_scalar("SELECT id FROM orgs WHERE code = 'yanliang-fenghuang-g07'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let id = concern::record(
        &t.db,
        By::Resident,
        crate::web_concern(grid, "road", "井盖缺失", "夜里看不见"),
    )
    .await
    .unwrap()
    .0;
    // Nothing assigned: no objection can be recorded.
    assert!(
        item::object(&t.db, &CONCERN, id, departments[0].0, "不归我们")
            .await
            .is_err()
    );
    let staff = actor(&t, "staff").await;
    item::transition(
        &t.db,
        &CONCERN,
        id,
        Action::Accept,
        By::User(&staff),
        None,
        &[],
    )
    .await
    .unwrap();
    xieshang_store::concern::triage::assign(
        &t.db,
        &xieshang_core::calendar::Calendar::default(),
        &xieshang_store::concern::triage::Policy::default(),
        &staff,
        id,
        &[departments[0].0, departments[1].0],
        departments[1].0,
        None,
    )
    .await
    .unwrap();
    let a = item::assignments(&t.db, &CONCERN, id).await.unwrap();
    assert_eq!(a.len(), 2);
    assert!(a[0].lead && a[0].org_id == departments[1].0);
    assert!(!a[1].lead);
    assert!(a
        .iter()
        .all(|x| x.objection_until.is_some() && x.part.is_none()));
    // A co-unit objects within its window: recorded once.
    item::object(&t.db, &CONCERN, id, departments[0].0, "不归我们")
        .await
        .unwrap();
    assert!(
        item::object(&t.db, &CONCERN, id, departments[0].0, "再说一次")
            .await
            .is_err()
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM item_assignments WHERE objection = '不归我们' AND objected_at IS NOT NULL"
        )
        .await,
        1
    );
    // The deadline stages are queued keyed by kind and item.
    assert_eq!(
        count(
            &t,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE kind = 'deadline'
                  AND payload LIKE '%\"item_id\":{id}%' AND payload LIKE '%\"kind\":\"concern\"%'"
            )
        )
        .await,
        3
    );
}
