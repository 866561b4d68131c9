//! The status page's reads coalesced (`xieshang_store::db::coalesce`): requests
//! asked at the same moment share statements, each gets its own concern (or
//! not found), a waiter that goes away harms no one, and a failure reaches
//! every waiter instead of leaving one waiting.

use sqlx::Row;
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinSet;
use xieshang_store::concern;
use xieshang_store::testing::TestDb;

/// A generated city's concerns: tracking code -> (title, state), from the table.
async fn city(concerns: u64) -> (TestDb, HashMap<String, (String, String)>) {
    let t = TestDb::new().await.unwrap();
    crate::generated_city(&t, concerns, 20, 1, 11).await;
    let rows = sqlx::query("SELECT tracking_code, title, state FROM concerns")
        .fetch_all(t.db.pool())
        .await
        .unwrap();
    let table = rows
        .iter()
        .map(|r| {
            (
                r.get::<String, _>("tracking_code"),
                (r.get("title"), r.get("state")),
            )
        })
        .collect();
    (t, table)
}

#[tokio::test]
async fn requests_at_the_same_moment_share_statements_and_each_gets_its_own() {
    let (t, table) = city(120).await;
    let mut codes: Vec<String> = table.keys().cloned().collect();
    codes.sort();
    // Every code twice (once as a resident may type it, in lower case and
    // with spaces), and ten that do not exist: 250 requests at once.
    let mut asked: Vec<String> = codes.clone();
    asked.extend(codes.iter().map(|c| format!("  {}  ", c.to_lowercase())));
    asked.extend((0..10).map(|i| format!("NOSUCH{i:04}")));
    let before = xieshang_store::concern::status_statements(&t.db);
    let mut set = JoinSet::new();
    for code in asked.clone() {
        let db = t.db.clone();
        set.spawn(async move { (code.clone(), concern::public_status(&db, &code).await) });
    }
    let mut answered = 0;
    while let Some(joined) = set.join_next().await {
        let (asked_code, result) = joined.unwrap();
        answered += 1;
        let key = asked_code.trim().to_uppercase();
        match table.get(&key) {
            Some((title, state)) => {
                let s = result.unwrap();
                assert_eq!(s.tracking_code, key);
                assert_eq!(&s.title, title, "{key}");
                assert_eq!(&s.state, state, "{key}");
                assert!(!s.timeline.is_empty(), "{key}");
            }
            None => assert!(
                matches!(result, Err(xieshang_store::Error::NotFound)),
                "{key}: {result:?}"
            ),
        }
    }
    assert_eq!(answered, 250);
    // The test's runtime has one thread: all 250 wait before the first
    // statement starts, so they take ceil(250 / 64) = 4 statements, not 250.
    let statements = xieshang_store::concern::status_statements(&t.db) - before;
    assert!(
        (1..=4).contains(&statements),
        "{statements} statements for 250 requests"
    );
}

#[tokio::test]
async fn a_request_alone_is_read_at_once_and_sees_the_last_write() {
    let (t, table) = city(5).await;
    let code = table.keys().next().unwrap().clone();
    let before = xieshang_store::concern::status_statements(&t.db);
    let s = concern::public_status(&t.db, &code).await.unwrap();
    assert_eq!(
        xieshang_store::concern::status_statements(&t.db) - before,
        1
    );
    // A write committed before the request is asked is in its answer.
    sqlx::query("UPDATE concerns SET title = $1 WHERE tracking_code = $2")
        .bind("改过的标题")
        .bind(&code)
        .execute(t.db.pool())
        .await
        .unwrap();
    let after = concern::public_status(&t.db, &code).await.unwrap();
    assert_ne!(s.title, after.title);
    assert_eq!(after.title, "改过的标题");
}

#[tokio::test]
async fn waiters_that_go_away_harm_no_one() {
    let (t, table) = city(60).await;
    let codes: Vec<String> = table.keys().cloned().collect();
    let mut set = JoinSet::new();
    let mut handles = Vec::new();
    for code in &codes {
        let (db, code) = (t.db.clone(), code.clone());
        handles.push(set.spawn(async move { concern::public_status(&db, &code).await }));
    }
    // Let every request queue its code, then send half of them away.
    tokio::task::yield_now().await;
    for h in handles.iter().step_by(2) {
        h.abort();
    }
    let (mut done, mut gone) = (0, 0);
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(result) => {
                result.unwrap();
                done += 1;
            }
            Err(e) => {
                assert!(e.is_cancelled());
                gone += 1;
            }
        }
    }
    assert_eq!(done + gone, codes.len());
    assert!(done >= codes.len() / 2, "{done} answered, {gone} gone");
    // The readers are all still good.
    for code in &codes {
        concern::public_status(&t.db, code).await.unwrap();
    }
}

#[tokio::test]
async fn a_failed_read_reaches_every_waiter() {
    let (t, table) = city(20).await;
    let codes: Vec<String> = table.keys().cloned().collect();
    // Closed, the readers hand out no connection: every batch fails.
    t.db.close().await;
    let mut set = JoinSet::new();
    for code in codes.clone() {
        let db = t.db.clone();
        set.spawn(async move { concern::public_status(&db, &code).await });
    }
    let all = tokio::time::timeout(Duration::from_secs(30), async {
        let mut failed = 0;
        while let Some(joined) = set.join_next().await {
            assert!(matches!(joined.unwrap(), Err(xieshang_store::Error::Db(_))));
            failed += 1;
        }
        failed
    })
    .await
    .expect("no waiter is left waiting");
    assert_eq!(all, codes.len());
}
