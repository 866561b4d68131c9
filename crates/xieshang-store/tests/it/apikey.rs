//! API keys: a key's `last_used_at` is written at most once a minute, so
//! reading the API is not a write on the key's row for every request.

use crate::HASH;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use xieshang_store::account::apikey::{self, Scope, LAST_USED_GRAIN_MS};
use xieshang_store::db::Clock;
use xieshang_store::seed;
use xieshang_store::testing::TestDb;

#[tokio::test]
async fn a_key_s_last_use_is_written_once_a_minute() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let start = t.db.now_ms();
    let db =
        t.db.clone()
            .with_clock(Clock::Manual(Arc::new(AtomicI64::new(start))));
    let (id, key) = apikey::create(&db, "yanliang", "案件系统", &[Scope::ReportsRead])
        .await
        .unwrap();
    assert_eq!(apikey::last_used(&db, id).await.unwrap(), None);
    // The first use is written.
    let k = apikey::verify(&db, &key).await.unwrap().expect("the key");
    assert_eq!(k.id, id);
    assert_eq!(apikey::last_used(&db, id).await.unwrap(), Some(start));
    // Uses within the minute are not.
    db.clock().advance_ms(LAST_USED_GRAIN_MS - 1);
    assert!(apikey::verify(&db, &key).await.unwrap().is_some());
    assert_eq!(apikey::last_used(&db, id).await.unwrap(), Some(start));
    // The first use a minute on is.
    db.clock().advance_ms(1);
    assert!(apikey::verify(&db, &key).await.unwrap().is_some());
    assert_eq!(
        apikey::last_used(&db, id).await.unwrap(),
        Some(start + LAST_USED_GRAIN_MS)
    );
    // An unknown key is none, and writes nothing.
    assert!(apikey::verify(&db, "xs_nothing").await.unwrap().is_none());
}
