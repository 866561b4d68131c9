//! One transition is one transaction: state, timeline, audit and jobs together, or
//! nothing; the timeline replays to the state.

use crate::actor;
use serde_json::json;
use xieshang_core::item::{Party, Refused, CONCERN};
use xieshang_core::Role;
use xieshang_store::audit::{self, Verdict};
use xieshang_store::concern::{self, NewConcern};
use xieshang_store::item::{self, By, Job, TransitionError};
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed, Error};

async fn counts(t: &TestDb) -> (i64, i64, i64) {
    let q = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(t.db.pool())
            .await
            .unwrap()
    };
    (
        q("SELECT COUNT(*) FROM item_events").await,
        q("SELECT COUNT(*) FROM audit_log").await,
        q("SELECT COUNT(*) FROM jobs").await,
    )
}

#[tokio::test]
async fn transitions_write_everything_or_nothing() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let grid = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g07")
        .await
        .unwrap();
    let member = actor(&t, "member-fh-01").await;
    let staff = actor(&t, "staff").await;
    let beilin = actor(&t, "staff-beilin").await;

    let (id, code) = concern::record(
        &t.db,
        By::User(&member),
        NewConcern {
            channel: "studio",
            ..crate::web_concern(grid.id, "water", "凤凰路供水管爆裂", "路口积水")
        },
    )
    .await
    .unwrap();
    assert_eq!(code.len(), 10);
    assert_eq!(concern::state(&t.db, id).await.unwrap(), "submitted");

    // Refusals change nothing.
    let before = counts(&t).await;
    let e = item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Accept,
        By::User(&member),
        None,
        &[],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, TransitionError::Refused(Refused::NotPermitted { .. })),
        "{e}"
    );
    let e = item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Accept,
        By::User(&beilin),
        None,
        &[],
    )
    .await
    .unwrap_err();
    assert!(matches!(e, TransitionError::Store(Error::Denied(_))), "{e}");
    let e = item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Resolve,
        By::Resident,
        None,
        &[],
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "this concern is 'submitted', so 'resolve' cannot be done now"
    );
    assert_eq!(counts(&t).await, before);

    // Accepted ones write state, one event, one audit row and their jobs.
    let notify = [Job {
        kind: "notify",
        payload: json!({"concern": id}),
    }];
    assert_eq!(
        item::transition(
            &t.db,
            &CONCERN,
            id,
            xieshang_core::item::Action::Accept,
            By::User(&staff),
            None,
            &[]
        )
        .await
        .unwrap(),
        "accepted"
    );
    assert_eq!(
        item::transition(
            &t.db,
            &CONCERN,
            id,
            xieshang_core::item::Action::Assign,
            By::User(&staff),
            Some("区水务局"),
            &notify
        )
        .await
        .unwrap(),
        "assigned"
    );
    let after = counts(&t).await;
    assert_eq!(after, (before.0 + 2, before.1 + 2, before.2 + 1));

    // The timeline is the history: it replays to the stored state.
    let tl = item::timeline(&t.db, &CONCERN, id).await.unwrap();
    assert_eq!(
        tl.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["submit", "accept", "assign"]
    );
    assert_eq!(tl[0].party, Role::Member.code());
    assert_eq!(tl[2].note.as_deref(), Some("区水务局"));
    let replayed = CONCERN
        .replay(tl.iter().skip(1).map(|e| {
            (
                xieshang_core::item::Action::parse(&e.action).unwrap(),
                party(&e.party),
            )
        }))
        .unwrap();
    assert_eq!(replayed, concern::state(&t.db, id).await.unwrap());
    assert!(matches!(
        audit::verify(&t.db).await.unwrap(),
        Verdict::Ok { .. }
    ));
}

#[tokio::test]
async fn a_closed_concern_moves_only_by_reopening() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let street = org::by_code_unchecked(&t.db, "yanliang-guanshan")
        .await
        .unwrap();
    let staff = actor(&t, "staff").await;
    let (id, _) = concern::record(
        &t.db,
        By::Resident,
        crate::web_concern(street.id, "road", "学校门口道路破损", ""),
    )
    .await
    .unwrap();
    item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Reject,
        By::User(&staff),
        Some("不属于受理范围"),
        &[],
    )
    .await
    .unwrap();
    let e = item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Assign,
        By::User(&staff),
        None,
        &[],
    )
    .await
    .unwrap_err();
    assert!(matches!(
        e,
        TransitionError::Refused(Refused::WrongState { .. })
    ));
    assert_eq!(
        item::transition(
            &t.db,
            &CONCERN,
            id,
            xieshang_core::item::Action::Reopen,
            By::User(&staff),
            None,
            &[]
        )
        .await
        .unwrap(),
        "reopened"
    );
    assert!(concern::record(
        &t.db,
        By::Resident,
        crate::web_concern(street.id, "road", "  ", ""),
    )
    .await
    .is_err());
}

fn party(code: &str) -> Party {
    match code {
        "resident" => Party::Resident,
        "system" => Party::System,
        r => Party::Role(Role::parse(r).unwrap()),
    }
}
