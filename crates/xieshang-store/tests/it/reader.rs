//! Reader connections (`xieshang_store::db::reader`): reused without a round trip,
//! replaced when a statement was abandoned half-way, and unable to write.

use sqlx::Row;
use std::time::Duration;
use xieshang_store::testing::TestDb;

/// A statement that takes a while on both databases.
const SLOW: &str = "SELECT COUNT(*) AS n FROM (WITH RECURSIVE c(x) AS \
                    (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT x FROM c) t";

async fn one_plus(reader: &mut xieshang_store::db::reader::Reader, n: i64) -> i64 {
    reader
        .fetch_optional(sqlx::query("SELECT $1 + 1 AS n").bind(n))
        .await
        .unwrap()
        .expect("a row")
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn a_finished_connection_is_reused_and_an_abandoned_one_replaced() {
    let t = TestDb::new().await.unwrap();
    let mut r = t.db.reader().await.unwrap();
    assert_eq!(one_plus(&mut r, 41).await, 42);
    let first = r.id();
    drop(r);

    let mut r = t.db.reader().await.unwrap();
    assert_eq!(r.id(), first, "the same connection comes back");
    assert_eq!(one_plus(&mut r, 1).await, 2);

    // The visitor goes away while the statement runs: its future is dropped.
    let abandoned = tokio::time::timeout(
        Duration::from_millis(20),
        r.fetch_optional(sqlx::query(SLOW)),
    )
    .await;
    assert!(abandoned.is_err(), "the slow statement was cut off");
    drop(r);

    let mut r = t.db.reader().await.unwrap();
    assert_ne!(r.id(), first, "the abandoned connection is not handed out");
    assert_eq!(one_plus(&mut r, 6).await, 7, "its replacement answers");
    let second = r.id();
    drop(r);
    let r = t.db.reader().await.unwrap();
    assert_eq!(r.id(), second);
}

#[tokio::test]
async fn a_failed_statement_does_not_leave_its_connection_in_use() {
    let t = TestDb::new().await.unwrap();
    let mut r = t.db.reader().await.unwrap();
    let err = r
        .fetch_optional(sqlx::query("SELECT no_such_column FROM concerns"))
        .await;
    assert!(err.is_err());
    let failed = r.id();
    drop(r);
    let mut r = t.db.reader().await.unwrap();
    assert_ne!(r.id(), failed);
    assert_eq!(one_plus(&mut r, 9).await, 10);
}

#[tokio::test]
async fn reader_connections_cannot_write() {
    let t = TestDb::new().await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM reader_probe")
            .fetch_one(t.db.pool())
            .await
            .unwrap()
    };
    sqlx::query("CREATE TABLE reader_probe (n BIGINT NOT NULL)")
        .execute(t.db.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO reader_probe (n) VALUES (1)")
        .execute(t.db.pool())
        .await
        .unwrap();
    let mut r = t.db.reader().await.unwrap();
    assert!(r
        .fetch_optional(sqlx::query("SELECT n FROM reader_probe"))
        .await
        .unwrap()
        .is_some());
    for write in [
        "DELETE FROM reader_probe",
        "INSERT INTO reader_probe (n) VALUES (2)",
        "UPDATE reader_probe SET n = 3",
    ] {
        let r2 = r.fetch_optional(sqlx::query(write)).await;
        assert!(r2.is_err(), "refused on a reader connection: {write}");
        drop(r);
        r = t.db.reader().await.unwrap();
    }
    assert_eq!(count().await, 1);
    let n: i64 = sqlx::query_scalar("SELECT n FROM reader_probe")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
}
