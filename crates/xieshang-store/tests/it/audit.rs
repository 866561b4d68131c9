use xieshang_store::audit::{self, Verdict};
use xieshang_store::testing::TestDb;
use xieshang_store::{account::user, org, seed};

async fn demo() -> TestDb {
    let t = TestDb::new().await.unwrap();
    // A cheap stand-in hash: these tests never log in.
    assert!(
        seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
            .await
            .unwrap()
    );
    t
}

#[tokio::test]
async fn chain_verifies_on_an_untouched_database() {
    let t = demo().await;
    let staff = user::actor(&t.db, 3).await.unwrap();
    let district = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    org::rename(&t.db, &staff, district.id, "阎良区政协（改名）")
        .await
        .ok();
    match audit::verify(&t.db).await.unwrap() {
        Verdict::Ok { rows } => assert!(
            rows > 100,
            "seed writes one row per unit and account: {rows}"
        ),
        other => panic!("expected OK, got {other:?}"),
    }
}

#[tokio::test]
async fn an_edited_row_is_named() {
    let t = demo().await;
    sqlx::query("UPDATE audit_log SET after_json = '{\"name\":\"forged\"}' WHERE id = 17")
        .execute(t.db.pool())
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&t.db).await.unwrap(),
        Verdict::Broken {
            row_id: 17,
            reason: "contents do not match the row's hash".into()
        }
    );
}

#[tokio::test]
async fn a_deleted_row_and_a_cut_tail_are_found() {
    let t = demo().await;
    sqlx::query("DELETE FROM audit_log WHERE id = 5")
        .execute(t.db.pool())
        .await
        .unwrap();
    assert!(matches!(
        audit::verify(&t.db).await.unwrap(),
        Verdict::Broken { row_id: 5, .. }
    ));

    let t = demo().await;
    let max: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE id = $1")
        .bind(max)
        .execute(t.db.pool())
        .await
        .unwrap();
    assert!(
        matches!(audit::verify(&t.db).await.unwrap(), Verdict::Broken { row_id, .. } if row_id == max)
    );
}

/// The check reads the head first and walks up to it, so it can run while the
/// system writes; a row beyond the head, which no write puts there (each row
/// is written with the head), is still found.
#[tokio::test]
async fn a_row_added_beyond_the_head_is_found() {
    let t = demo().await;
    assert!(matches!(
        audit::verify(&t.db).await.unwrap(),
        Verdict::Ok { .. }
    ));
    let max: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_user_id, actor_name, action, entity, entity_id,
                                org_id, before_json, after_json, prev_hash, hash)
         SELECT id + 1, at, actor_user_id, actor_name, action, entity, entity_id,
                org_id, before_json, after_json, hash, hash
           FROM audit_log WHERE id = $1",
    )
    .bind(max)
    .execute(t.db.pool())
    .await
    .unwrap();
    assert!(
        matches!(audit::verify(&t.db).await.unwrap(), Verdict::Broken { row_id, .. } if row_id == max + 1)
    );
}
