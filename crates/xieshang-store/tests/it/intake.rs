//! Group commit of residents' intake on the suite's backend: many concurrent
//! submissions, each answered with its own result; a refused one does not
//! disturb its batch; every acknowledged concern is there with its timeline,
//! reporter and search entry, and the audit chain holds.

use xieshang_store::concern::{NewConcern, NewReporter, OwnedConcern};
use xieshang_store::intake::GroupCommit;
use xieshang_store::testing::TestDb;
use xieshang_store::{audit, org, seed, Error};

#[tokio::test]
async fn concurrent_submissions_commit_together_and_answer_one_by_one() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let grid = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g07")
        .await
        .unwrap()
        .id;
    let sealer =
        xieshang_store::seal::Sealer::from_hex(&xieshang_store::seal::Sealer::generate_hex())
            .unwrap();
    let phone = xieshang_core::personal::Phone::parse("13900001234").unwrap();
    let gc = GroupCommit::start(t.db.clone());
    let mut tasks = Vec::new();
    for n in 0..120 {
        let title = if n == 57 {
            String::new() // refused: a title is required
        } else {
            format!("路灯不亮 {n}")
        };
        let c = OwnedConcern::from_new(&NewConcern {
            org_id: if n == 91 { 999_999 } else { grid },
            category: "road",
            title: &title,
            description: "晚上路灯不亮，行人看不清路",
            channel: "web",
            address: None,
            position: None,
            reporter: (n % 10 == 0).then_some(NewReporter {
                sealer: &sealer,
                name: Some("王先生"),
                phone: Some(&phone),
            }),
            photos: &[],
            attributes: None,
            api_key_id: None,
        })
        .unwrap();
        let gc = gc.clone();
        tasks.push(tokio::spawn(async move { (n, gc.record(c).await) }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        let (n, r) = task.await.unwrap();
        match n {
            57 => assert!(
                matches!(r, Err(Error::Invalid { field: "title", .. })),
                "{r:?}"
            ),
            91 => assert!(
                matches!(r, Err(Error::Invalid { field: "area", .. })),
                "{r:?}"
            ),
            _ => codes.push(r.unwrap().1),
        }
    }
    assert_eq!(codes.len(), 118);
    let count = |sql: &'static str| {
        let db = t.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM concerns").await, 118);
    assert_eq!(
        count("SELECT COUNT(DISTINCT item_id) FROM item_events WHERE kind = 'concern'").await,
        118
    );
    assert_eq!(count("SELECT COUNT(*) FROM concern_reporters").await, 12);
    assert_eq!(count("SELECT COUNT(*) FROM search_docs").await, 118);
    for code in &codes {
        let s = xieshang_store::concern::public_status(&t.db, code)
            .await
            .unwrap();
        assert_eq!(s.state, "submitted");
        assert_eq!(s.timeline.len(), 1);
    }
    assert!(matches!(
        audit::verify(&t.db).await.unwrap(),
        audit::Verdict::Ok { .. }
    ));
}
