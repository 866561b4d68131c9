//! The load-test city: generated timelines replay to their states through the
//! item engine's rules, and the product keeps working on the generated data (new
//! concerns get fresh ids on both backends).

use xieshang_core::item::{Party, CONCERN};
use xieshang_core::Role;
use xieshang_store::concern;
use xieshang_store::datagen::{self, Plan};
use xieshang_store::item::{self, By};
use xieshang_store::testing::TestDb;

#[tokio::test]
async fn generated_timelines_replay_and_the_app_carries_on() {
    let t = TestDb::new().await.unwrap();
    let plan = Plan {
        concerns: 1_500,
        members: 60,
        years: 3,
        seed: 11,
        proposals: 20,
    };
    let r = datagen::generate(
        &t.db,
        plan,
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(r.concerns, 1_500);
    assert_eq!(r.members, 60);
    let (orgs, events) = datagen::counts(&t.db).await.unwrap();
    // Supervision tops each district's 7 departments up to 40, and each
    // district has its party organisation's 3 levels and 5 cells (issue 31).
    assert_eq!(orgs, 1 + 13 * (1 + 7 + 33 + 8 * (1 + 4 * (1 + 6)) + 3 + 5));
    assert!(events > 4_000, "{events}");
    let districts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orgs WHERE kind = 'district'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(districts, 13);

    // Every timeline replays to its concern's state under the engine's rules.
    let rows: Vec<(i64, String)> = {
        use sqlx::Row;
        sqlx::query("SELECT id, state FROM concerns ORDER BY id")
            .fetch_all(t.db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    let mut states = std::collections::BTreeMap::<String, usize>::new();
    for (id, state) in &rows {
        let tl = item::timeline(&t.db, &CONCERN, *id).await.unwrap();
        assert_eq!(tl[0].action, "submit");
        let steps: Vec<(String, Party)> = tl[1..]
            .iter()
            .map(|e| {
                let p = match e.party.as_str() {
                    "resident" => Party::Resident,
                    "system" => Party::System,
                    r => Party::Role(Role::parse(r).unwrap()),
                };
                (e.action.clone(), p)
            })
            .collect();
        let replayed = CONCERN.replay(
            steps
                .iter()
                .map(|(a, p)| (xieshang_core::item::Action::parse(a).unwrap(), *p)),
        );
        assert_eq!(
            replayed.map(|s| s.as_str()),
            Ok(state.as_str()),
            "concern {id}"
        );
        *states.entry(state.clone()).or_default() += 1;
    }
    assert!(
        states.get("closed").copied().unwrap_or(0) > 1_000,
        "{states:?}"
    );
    assert!(states.len() >= 5, "varied states: {states:?}");

    // Proposals (issue 29): every district body's, each timeline replaying to
    // its proposal's state under the proposal's rules, over the lifecycle.
    let proposals: Vec<(i64, String)> = {
        use sqlx::Row;
        sqlx::query("SELECT id, state FROM proposals ORDER BY id")
            .fetch_all(t.db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    };
    assert!(proposals.len() > 200, "{}", proposals.len());
    let mut pstates = std::collections::BTreeMap::<String, usize>::new();
    for (id, state) in &proposals {
        let tl = item::timeline(&t.db, &xieshang_core::item::PROPOSAL, *id)
            .await
            .unwrap();
        let replayed = xieshang_core::item::PROPOSAL.replay(tl[1..].iter().map(|e| {
            let p = Party::Role(Role::parse(&e.party).unwrap());
            (xieshang_core::item::Action::parse(&e.action).unwrap(), p)
        }));
        assert_eq!(
            replayed.map(|s| s.as_str()),
            Ok(state.as_str()),
            "proposal {id}"
        );
        *pstates.entry(state.clone()).or_default() += 1;
    }
    assert!(pstates.len() >= 4, "varied: {pstates:?}");
    // Numbers per session are 1..n, and the session's counter is n.
    let gaps: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_sessions s
          WHERE s.last_number <> (SELECT COUNT(*) FROM proposals p
                                   WHERE p.session_id = s.id AND p.number IS NOT NULL)
             OR s.last_number <> COALESCE((SELECT MAX(number) FROM proposals p
                                            WHERE p.session_id = s.id), 0)",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(gaps, 0);
    let replies: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_replies r JOIN proposals p ON p.id = r.proposal_id
          WHERE p.reply_class = r.class AND p.replied_at = r.replied_at",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    let replied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM proposals WHERE replied_at IS NOT NULL")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert!(replied > 0 && replies == replied, "{replies} of {replied}");

    // The product carries on: a new concern gets a fresh id.
    let grid: i64 = sqlx::query_scalar("SELECT id FROM orgs WHERE code = 'yanliang-s0-c0-g0'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let (id, _) = concern::record(
        &t.db,
        By::Resident,
        crate::web_concern(grid, "road", "新事项", "生成数据之后提交"),
    )
    .await
    .unwrap();
    assert!(id > 1_500);
    // A second run refuses a database that is not empty.
    assert!(datagen::generate(&t.db, plan, "x", |_| {}).await.is_err());
}
