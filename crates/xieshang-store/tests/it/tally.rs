//! The dashboard's kept counts: whatever writes the concerns (the generator,
//! plain SQL that no code path of the product wrote), the tallies and their log
//! equal a recount, before and after folding; and the figures built from them
//! equal the figures counted from the concerns themselves.

use crate::{count, generated_city};
use sqlx::Row;
use xieshang_core::{Actor, OrgPath, Role};
use xieshang_store::concern::stats::{self, Stats};
use xieshang_store::concern::tally::{self, BUCKET_MS};
use xieshang_store::testing::TestDb;

async fn exec(t: &TestDb, sql: &str) -> u64 {
    sqlx::query(sql)
        .execute(t.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
        .rows_affected()
}

async fn assert_kept(t: &TestDb, when: &str) {
    let differing = tally::verify(&t.db).await.unwrap();
    assert!(differing.is_empty(), "{when}: {differing:?}");
}

/// The figures over the subtree at `path`, counted from the concerns.
async fn counted(t: &TestDb, path: &str) -> Stats {
    let under =
        format!("FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE o.path LIKE '{path}%'");
    let pairs = |sql: String| async move {
        let mut v: Vec<(String, i64)> = sqlx::query(&sql)
            .fetch_all(t.db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let by_state = pairs(format!("SELECT c.state, COUNT(*) {under} GROUP BY c.state")).await;
    let by_category = pairs(format!(
        "SELECT c.category, COUNT(*) {under} GROUP BY c.category"
    ))
    .await;
    let ratings = pairs(format!(
        "SELECT f.rating, COUNT(*) FROM item_feedback f JOIN concerns c ON f.kind = 'concern' AND c.id = f.item_id
         JOIN orgs o ON o.id = c.org_id WHERE o.path LIKE '{path}%' GROUP BY f.rating"
    ))
    .await;
    let rating = |k: &str| ratings.iter().find(|(r, _)| r == k).map_or(0, |(_, n)| *n);
    // Each time at its tenth of a day, rounded; the middle one or two.
    let mut tenths: Vec<i64> = sqlx::query(&format!(
        "SELECT c.resolved_at - c.created_at {under} AND c.resolved_at IS NOT NULL"
    ))
    .fetch_all(t.db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get::<i64, _>(0) + BUCKET_MS / 2) / BUCKET_MS)
    .collect();
    tenths.sort_unstable();
    let n = tenths.len();
    let median = (n > 0).then(|| (tenths[(n - 1) / 2] + tenths[n / 2]) * BUCKET_MS / 2);
    let overdue: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) {under} AND c.state IN ('assigned', 'in_progress') AND c.deadline_at < $1"
    ))
    .bind(t.db.now_ms())
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    let escalated: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) {under} AND c.state IN ('assigned', 'in_progress') AND c.escalation_level > 0"
    ))
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    Stats {
        total: by_state.iter().map(|(_, n)| n).sum(),
        by_state,
        by_category,
        by_street: Vec::new(),
        overdue,
        escalated,
        median_resolution_ms: median,
        feedback: (
            rating("satisfied"),
            rating("basically_satisfied"),
            rating("unsatisfied"),
        ),
    }
}

/// Staff of the unit at `path`.
fn staff_at(path: &str) -> Actor {
    Actor::unattached("tally", Role::Staff, OrgPath::parse(path).unwrap())
}

/// The figures of staff at the city, at two districts (read from their
/// branches' counts) and at a street (from its units').
async fn assert_all(t: &TestDb, paths: &[String], when: &str) {
    for p in paths {
        assert_figures(t, p, &format!("{when}, staff at {p}")).await;
    }
}

async fn assert_figures(t: &TestDb, path: &str, when: &str) {
    let kept = stats::compute(&t.db, &staff_at(path)).await.unwrap();
    let want = counted(t, path).await;
    assert_eq!(kept.total, want.total, "{when}: total");
    assert_eq!(kept.by_state, want.by_state, "{when}: states");
    assert_eq!(kept.by_category, want.by_category, "{when}: categories");
    assert_eq!(kept.feedback, want.feedback, "{when}: ratings");
    assert_eq!(kept.overdue, want.overdue, "{when}: overdue");
    assert_eq!(kept.escalated, want.escalated, "{when}: escalated");
    assert_eq!(
        kept.median_resolution_ms, want.median_resolution_ms,
        "{when}: median"
    );
    let streets: i64 = kept.by_street.iter().map(|(_, n)| n).sum();
    assert_eq!(
        streets, want.total,
        "{when}: every concern lies in a street"
    );
    // Each street's own count, recounted street by street (the names may
    // repeat across districts, so the counts are compared as a whole).
    let mut got: Vec<i64> = kept.by_street.iter().map(|(_, n)| *n).collect();
    let mut recount: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM orgs s JOIN orgs o ON o.path LIKE s.path || '%'
           JOIN concerns c ON c.org_id = o.id
          WHERE s.kind = 'street' AND s.path LIKE '{path}%' GROUP BY s.id"
    ))
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    got.sort_unstable();
    recount.sort_unstable();
    assert_eq!(got, recount, "{when}: streets");
}

#[tokio::test]
async fn kept_counts_follow_every_change_and_folding_keeps_them() {
    let t = TestDb::new().await.unwrap();
    generated_city(&t, 2_000, 60, 3, 17).await;
    let district: (i64, String) = {
        let r = sqlx::query("SELECT id, path FROM orgs WHERE kind = 'district' AND code = 'yanta'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    let path = district.1.clone();
    let other: (i64, String) = {
        let r = sqlx::query(&format!(
            "SELECT id, path FROM orgs WHERE kind = 'district' AND path <> '{path}' ORDER BY id LIMIT 1"
        ))
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        (r.get(0), r.get(1))
    };
    let street: (i64, String) = {
        let r = sqlx::query(&format!(
            "SELECT id, path FROM orgs WHERE kind = 'street' AND path LIKE '{path}%' ORDER BY id LIMIT 1"
        ))
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        (r.get(0), r.get(1))
    };
    let city: String = sqlx::query_scalar("SELECT path FROM orgs WHERE kind = 'city'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let scopes = [
        city.clone(),
        path.clone(),
        other.1.clone(),
        street.1.clone(),
    ];
    assert_kept(&t, "after datagen").await;
    // datagen folds after each of its transactions.
    assert_eq!(count(&t, "SELECT COUNT(*) FROM concern_tally_log").await, 0);
    assert!(count(&t, "SELECT COUNT(*) FROM concern_tallies").await > 100);
    assert_all(&t, &scopes, "after datagen").await;
    let overdue = counted(&t, &city).await.overdue;
    assert!(overdue > 0, "the city has overdue work to count: {overdue}");

    // A street of the other district named as one of this district: the city
    // counts them apart and names each with its district.
    let name: String =
        sqlx::query_scalar(&format!("SELECT name FROM orgs WHERE id = {}", street.0))
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    exec(
        &t,
        &format!(
            "UPDATE orgs SET name = '{name}' WHERE id = (SELECT MIN(id) FROM orgs
               WHERE kind = 'street' AND path LIKE '{}%')",
            other.1
        ),
    )
    .await;
    let named: Vec<String> = stats::compute(&t.db, &staff_at(&city))
        .await
        .unwrap()
        .by_street
        .into_iter()
        .map(|(s, _)| s)
        .filter(|s| s.starts_with(&name))
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(named.iter().all(|s| s.ends_with("政协）")), "{named:?}");
    assert_ne!(named[0], named[1]);
    assert_all(&t, &scopes, "two streets of one name").await;

    // Grids of the district and one of another, to move concerns between.
    let grids: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM orgs WHERE kind = 'grid' AND path LIKE '{path}%' ORDER BY id LIMIT 2"
    ))
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    let elsewhere: i64 = count(
        &t,
        &format!(
            "SELECT MIN(id) FROM orgs WHERE kind = 'grid' AND path LIKE '{}%'",
            other.1
        ),
    )
    .await;
    let in_district = format!(
        "SELECT c.id FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE o.path LIKE '{path}%'"
    );
    let with_feedback = format!(
        "{in_district} AND c.id IN (SELECT item_id FROM item_feedback WHERE kind = 'concern')"
    );

    // Plain SQL, as no code path of the product writes it: the triggers count
    // it all the same.
    let changes = [
        // States: closed concerns reopened, submitted ones accepted.
        format!("UPDATE concerns SET state = 'in_progress' WHERE id IN ({with_feedback} ORDER BY c.id LIMIT 7)"),
        "UPDATE concerns SET state = 'accepted' WHERE state = 'submitted' AND id % 3 = 0".into(),
        // Categories.
        format!("UPDATE concerns SET category = 'water' WHERE category <> 'water' AND id IN ({in_district} ORDER BY c.id DESC LIMIT 9)"),
        // Out of the district with their feedback, and into it (unit and
        // branch together, as they go).
        format!("UPDATE concerns SET org_id = {elsewhere}, branch_id = {} WHERE id IN ({with_feedback} ORDER BY c.id DESC LIMIT 5)", other.0),
        format!("UPDATE concerns SET org_id = {}, branch_id = {} WHERE org_id = {elsewhere} AND id % 2 = 0", grids[0], district.0),
        // Between two grids of the district.
        format!("UPDATE concerns SET org_id = {} WHERE org_id = {}", grids[1], grids[0]),
        // Resolution times changed, cleared, and one set where there was none.
        format!("UPDATE concerns SET resolved_at = resolved_at + 3 * {BUCKET_MS} WHERE id IN ({in_district} AND c.resolved_at IS NOT NULL ORDER BY c.id LIMIT 11)"),
        format!("UPDATE concerns SET resolved_at = NULL WHERE id IN ({in_district} AND c.resolved_at IS NOT NULL ORDER BY c.id DESC LIMIT 4)"),
        format!("UPDATE concerns SET resolved_at = created_at + 86400000 WHERE id IN ({in_district} AND c.resolved_at IS NULL ORDER BY c.id LIMIT 1)"),
        // An update that touches none of the counted columns' values.
        format!("UPDATE concerns SET state = state, escalation_level = escalation_level + 1 WHERE id IN ({in_district} ORDER BY c.id LIMIT 20)"),
        // Feedback: ratings changed, removed, added.
        format!("UPDATE item_feedback SET rating = 'unsatisfied' WHERE rating <> 'unsatisfied' AND item_id IN ({with_feedback} ORDER BY c.id LIMIT 6)"),
        format!("DELETE FROM item_feedback WHERE item_id IN ({with_feedback} ORDER BY c.id DESC LIMIT 3)"),
        format!("INSERT INTO item_feedback (kind, item_id, rating, at) SELECT 'concern', id, 'satisfied', 1 FROM concerns WHERE id IN ({in_district} AND c.resolved_at IS NOT NULL ORDER BY c.id LIMIT 2)"),
    ];
    for (i, sql) in changes.iter().enumerate() {
        assert!(exec(&t, sql).await > 0, "change {i} changed nothing: {sql}");
        assert_kept(&t, &format!("after change {i}")).await;
        assert_all(&t, &scopes, &format!("after change {i}")).await;
    }

    // A street moved to the other district: its units' paths change and its
    // concerns' branch with them (org::move_to), so the district's counts
    // move from one branch to the other.
    let moved = count(
        &t,
        &format!("SELECT COUNT(*) FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE o.path LIKE '{}%'", street.1),
    )
    .await;
    assert!(moved > 0);
    let before = stats::compute(&t.db, &staff_at(&path)).await.unwrap().total;
    xieshang_store::org::move_to(&t.db, &staff_at(&city), street.0, other.0)
        .await
        .unwrap();
    assert_kept(&t, "after a street moved").await;
    let after = stats::compute(&t.db, &staff_at(&path)).await.unwrap().total;
    assert_eq!(after, before - moved);
    let street_path: String =
        sqlx::query_scalar(&format!("SELECT path FROM orgs WHERE id = {}", street.0))
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    let scopes = [city.clone(), path.clone(), other.1.clone(), street_path];
    assert_all(&t, &scopes, "after a street moved").await;

    // A concern added and removed again (nothing refers to it).
    let grid_path: String =
        sqlx::query_scalar(&format!("SELECT path FROM orgs WHERE id = {}", grids[1]))
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    let branch = OrgPath::parse(&grid_path).unwrap().branch();
    let code = "GTALLYTEST1";
    exec(
        &t,
        &format!(
        "INSERT INTO concerns (org_id, tracking_code, category, title, description, channel, state,
         created_at, updated_at, resolved_at, branch_id)
         VALUES ({}, '{code}', 'road', 't', 'd', 'web', 'resolved', 0, 0, {}, {})",
        grids[1], 2 * BUCKET_MS, branch
    ),
    )
    .await;
    assert_kept(&t, "after an insert").await;
    assert_all(&t, &scopes, "after an insert").await;
    assert_eq!(
        exec(
            &t,
            &format!("DELETE FROM concerns WHERE tracking_code = '{code}'")
        )
        .await,
        1
    );
    assert_kept(&t, "after a delete").await;
    assert_all(&t, &scopes, "after a delete").await;

    // Folding moves the log into the tallies and changes no figure.
    let logged = count(&t, "SELECT COUNT(*) FROM concern_tally_log").await;
    assert!(logged > 0);
    assert_eq!(tally::compact(&t.db).await.unwrap(), logged as u64);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM concern_tally_log").await, 0);
    assert_kept(&t, "after folding").await;
    assert_all(&t, &scopes, "after folding").await;
    assert_eq!(
        tally::compact(&t.db).await.unwrap(),
        0,
        "nothing left to fold"
    );
}
