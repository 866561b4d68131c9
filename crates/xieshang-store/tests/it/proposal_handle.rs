//! Handling of proposals (issue 29 points 5–7, decision 0035) on both
//! databases: joint assignment, a co-handling unit's objection within the
//! window and the committee's reassignment, co-handlers' opinions, contact
//! before the reply, the reply and its class, each proposer's rating, the
//! second round after an unsatisfied rating and the face-to-face step after
//! a second; split assignment where each unit replies; deadlines that remind
//! and escalate through the job runner, and an extension within the body's
//! limit; the body's rules.

use crate::{actor, HASH};
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use xieshang_core::calendar::Calendar;
use xieshang_core::item::State;
use xieshang_core::proposal::handling::Rules;
use xieshang_core::proposal::Text;
use xieshang_core::{Actor, Role};
use xieshang_store::db::{Clock, Db};
use xieshang_store::item::TransitionError;
use xieshang_store::proposal::handle::{self, Evaluated, Mode, NewEvaluation, NewReply};
use xieshang_store::proposal::{self, review, settings};
use xieshang_store::testing::TestDb;
use xieshang_store::{account::user, org, seed, Error};

const DAY: i64 = 86_400_000;

fn field_of(e: &Error) -> Option<(&'static str, &'static str)> {
    match e {
        Error::Invalid { field, key, .. } => Some((*field, *key)),
        _ => None,
    }
}

fn field_of_t(e: &TransitionError) -> Option<(&'static str, &'static str)> {
    match e {
        TransitionError::Store(e) => field_of(e),
        TransitionError::Refused(_) => Some(("state", "refused")),
    }
}

/// The demo city on a clock the test moves.
async fn city() -> (TestDb, Db) {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let now = t.db.now_ms();
    let db =
        t.db.clone()
            .with_clock(Clock::Manual(Arc::new(AtomicI64::new(now))));
    (t, db)
}

/// A handler of a Yanliang department, made by the administrator.
async fn handler_of(t: &TestDb, code: &str) -> Actor {
    let admin = actor(t, "admin").await;
    let d = org::by_code_unchecked(&t.db, code).await.unwrap();
    let id = user::create(&t.db, &admin, &format!("h-{code}"), "承办人", HASH, d.id)
        .await
        .unwrap();
    user::grant(&t.db, &admin, id, Role::DepartmentHandler, d.id)
        .await
        .unwrap();
    user::actor(&t.db, id).await.unwrap()
}

/// An accepted proposal of member-fh-07 with member-fh-02 as a confirmed
/// co-signer.
async fn accepted(t: &TestDb, db: &Db, title: &str) -> i64 {
    let fh7 = actor(t, "member-fh-07").await;
    let fh2 = actor(t, "member-fh-02").await;
    let yanliang = org::by_code_unchecked(db, "yanliang").await.unwrap();
    let cat = settings::entries(db, yanliang.id, settings::List::Category, false)
        .await
        .unwrap()[1]
        .id;
    let text = Text {
        title: title.into(),
        situation: "学校门前道路人车混行。".into(),
        analysis: "缺少人行横道。".into(),
        suggestions: "增设信号灯和护栏。".into(),
    };
    let id = proposal::create_draft(db, &fh7, &text, Some(cat))
        .await
        .unwrap();
    proposal::invite(db, &fh7, id, fh2.user_id).await.unwrap();
    proposal::answer(db, &fh2, id, true).await.unwrap();
    proposal::file(db, &fh7, id).await.unwrap();
    let committee = actor(t, "committee").await;
    review::decide(
        db,
        &committee,
        id,
        review::Decision::Accept { category: None },
    )
    .await
    .unwrap();
    id
}

fn worker(db: &Db) -> xieshang_store::jobs::Worker {
    xieshang_store::jobs::Worker {
        db: db.clone(),
        calendar: Calendar::builtin(),
        policy: Default::default(),
        mailer: None,
        base_url: "http://localhost".into(),
        sealer: None,
        retention_days: xieshang_store::jobs::DEFAULT_RETENTION_DAYS,
        webhook_policy: Default::default(),
    }
}

async fn actions(db: &Db, id: i64) -> Vec<String> {
    proposal::timeline(db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn state_of(db: &Db, id: i64) -> (String, i64, Option<i64>, Option<String>) {
    let r: (String, i64, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT state, handling_round, due_at, reply_class FROM proposals WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    r
}

fn reply<'a>(doc: &'a str, class: &'a str) -> NewReply<'a> {
    NewReply {
        doc_number: doc,
        class,
        body: "经研究，已在校门口增设信号灯。",
    }
}

fn rating(r: &str) -> NewEvaluation<'_> {
    NewEvaluation {
        rating: r,
        consulted: "satisfied",
        comment: "",
    }
}

#[tokio::test]
async fn joint_handling_objection_reply_two_rounds_and_face_to_face() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let committee = actor(&t, "committee").await;
    let fh7 = actor(&t, "member-fh-07").await;
    let fh2 = actor(&t, "member-fh-02").await;
    let jtj_h = handler_of(&t, "yanliang-jtj").await;
    let jyj_h = handler_of(&t, "yanliang-jyj").await;
    let cgj_h = actor(&t, "handler").await;
    let jtj = org::by_code_unchecked(&db, "yanliang-jtj").await.unwrap();
    let jyj = org::by_code_unchecked(&db, "yanliang-jyj").await.unwrap();
    let cgj = org::by_code_unchecked(&db, "yanliang-cgj").await.unwrap();
    let id = accepted(&t, &db, "关于学校门口交通安全的建议").await;

    // 主办 区交通运输局, 会办 区教育局: round 1 with a deadline 3 months on.
    let assigned_at = db.now_ms();
    handle::assign(&db, &cal, &committee, id, Mode::Joint, jtj.id, &[jyj.id])
        .await
        .unwrap();
    let (state, round, due, _) = state_of(&db, id).await;
    assert_eq!((state.as_str(), round), ("assigned", 1));
    let due = due.unwrap();
    let expected = xieshang_core::proposal::handling::months_after(&cal, assigned_at, 3);
    assert_eq!(due, expected);
    assert!(due - assigned_at > 88 * DAY && due - assigned_at < 96 * DAY);

    // The co-handling unit objects within the window; a second time is refused.
    handle::object(&db, &jyj_h, id, "本局不负责道路交通设施")
        .await
        .unwrap();
    let e = handle::object(&db, &jyj_h, id, "再次异议")
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("objection", "err.proposal.objected_already"))
    );
    let units = handle::unit_states(&db, id).await.unwrap();
    assert!(units
        .iter()
        .any(|u| u.org_id == jyj.id && u.objection.as_ref().unwrap().1.contains("道路交通")));
    // The committee was told.
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE kind = 'proposal_objection' AND item_id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert!(told >= 1);
    // The committee reassigns: 区城管局 replaces 区教育局; the round and the deadline stay.
    handle::assign(&db, &cal, &committee, id, Mode::Joint, jtj.id, &[cgj.id])
        .await
        .unwrap();
    let units: Vec<_> = handle::unit_states(&db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.org_id, u.lead))
        .collect();
    assert_eq!(units, [(jtj.id, true), (cgj.id, false)]);
    assert_eq!(state_of(&db, id).await.1, 1);
    assert_eq!(state_of(&db, id).await.2, Some(due));
    // The replaced unit no longer reads it.
    assert!(
        proposal::get(&db, &jyj_h, xieshang_core::Permission::ProposalView, id)
            .await
            .is_err()
    );

    // The co-handler sends its opinion to the lead unit (once); the lead does not send one.
    handle::send_opinion(&db, &cgj_h, id, "建议同步整治校门口占道经营")
        .await
        .unwrap();
    let e = handle::send_opinion(&db, &cgj_h, id, "又一条")
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("opinion", "err.proposal.opinion_sent")));
    let e = handle::send_opinion(&db, &jtj_h, id, "主办意见")
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("opinion", "err.proposal.opinion_not_co"))
    );
    assert_eq!(handle::opinions(&db, id).await.unwrap()[0].unit, cgj.name);

    // A reply before contact, without a document number, without a class,
    // or by the co-handler: refused, each saying what to change.
    let e = handle::reply(&db, &jtj_h, id, &reply("阎交函〔2027〕1号", "B"))
        .await
        .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("way", "err.proposal.contact_first")));
    let e = handle::reply(&db, &jtj_h, id, &reply(" ", "B"))
        .await
        .unwrap_err();
    assert_eq!(
        field_of_t(&e),
        Some(("doc_number", "err.proposal.doc_number"))
    );
    let e = handle::reply(&db, &jtj_h, id, &reply("阎交函〔2027〕1号", ""))
        .await
        .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("class", "err.proposal.class_abc")));
    let e = handle::reply(&db, &jtj_h, id, &reply("阎交函〔2027〕1号", "D"))
        .await
        .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("class", "err.proposal.class_abc")));
    handle::contact(&db, &cgj_h, id, "phone", "电话沟通")
        .await
        .unwrap();
    let e = handle::reply(&db, &cgj_h, id, &reply("阎城函1号", "B"))
        .await
        .unwrap_err();
    assert_eq!(
        field_of_t(&e),
        Some(("reply_body", "err.proposal.reply_not_lead"))
    );
    // Contact with a way not on the list: refused.
    let e = handle::contact(&db, &jtj_h, id, "fax", "传真")
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("way", "err.proposal.contact_way")));
    handle::contact(&db, &jtj_h, id, "visit", "登门听取提案人意见")
        .await
        .unwrap();
    assert_eq!(
        handle::reply(&db, &jtj_h, id, &reply("阎交函〔2027〕1号", "B"))
            .await
            .unwrap(),
        State::Resolved
    );
    let (state, _, _, class) = state_of(&db, id).await;
    assert_eq!((state.as_str(), class.as_deref()), ("resolved", Some("B")));
    let replies = handle::replies(&db, id).await.unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].due_at, Some(due));
    let lead: i64 = sqlx::query_scalar("SELECT lead FROM proposal_replies WHERE proposal_id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(lead, 1);

    // The co-signer rates first: recorded, the state waits for the initiator.
    assert_eq!(handle::to_rate(&db, fh2.user_id).await.unwrap()[0].0, id);
    assert_eq!(
        handle::evaluate(&db, &cal, &fh2, id, &rating("basically_satisfied"))
            .await
            .unwrap(),
        Evaluated::Recorded
    );
    let e = handle::evaluate(&db, &cal, &fh2, id, &rating("satisfied"))
        .await
        .unwrap_err();
    assert_eq!(
        field_of_t(&e),
        Some(("rating", "err.proposal.rated_already"))
    );
    assert!(handle::to_rate(&db, fh2.user_id).await.unwrap().is_empty());
    // A bad rating code; someone who did not sign.
    let e = handle::evaluate(&db, &cal, &fh7, id, &rating("great"))
        .await
        .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("rating", "err.proposal.rating")));
    let other = actor(&t, "member-fh-03").await;
    assert!(
        handle::evaluate(&db, &cal, &other, id, &rating("satisfied"))
            .await
            .is_err()
    );

    // The initiator is unsatisfied: round 2, the same units, a new deadline.
    db.clock().advance_ms(10 * DAY);
    assert_eq!(
        handle::evaluate(&db, &cal, &fh7, id, &rating("unsatisfied"))
            .await
            .unwrap(),
        Evaluated::SecondRound
    );
    let (state, round, due2, _) = state_of(&db, id).await;
    assert_eq!((state.as_str(), round), ("reopened", 2));
    assert!(due2.unwrap() > due);
    let units: Vec<_> = handle::unit_states(&db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.org_id, u.lead, u.replied, u.contacted))
        .collect();
    assert_eq!(
        units,
        [(jtj.id, true, false, false), (cgj.id, false, false, false)]
    );
    // Round 2 asks for contact again.
    let e = handle::reply(&db, &jtj_h, id, &reply("阎交函〔2027〕9号", "A"))
        .await
        .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("way", "err.proposal.contact_first")));
    handle::contact(&db, &jtj_h, id, "meeting", "现场座谈")
        .await
        .unwrap();
    handle::reply(&db, &jtj_h, id, &reply("阎交函〔2027〕9号", "A"))
        .await
        .unwrap();
    assert_eq!(state_of(&db, id).await.3.as_deref(), Some("A"));
    // Unsatisfied again: the face-to-face consultation is recorded; the committee closes it.
    assert_eq!(
        handle::evaluate(&db, &cal, &fh7, id, &rating("unsatisfied"))
            .await
            .unwrap(),
        Evaluated::FaceToFace
    );
    let tl = actions(&db, id).await;
    assert_eq!(tl.last().map(String::as_str), Some("convene"));
    for a in [
        "object",
        "co_opinion",
        "contact",
        "resolve",
        "feedback_unsatisfied",
    ] {
        assert!(tl.iter().any(|x| x == a), "{a} on the timeline: {tl:?}");
    }
    assert_eq!(state_of(&db, id).await.0, "reopened");
    handle::close(&db, &committee, id, "面商后提案人表示理解")
        .await
        .unwrap();
    assert_eq!(state_of(&db, id).await.0, "closed");
    let evaluations = handle::evaluations(&db, id).await.unwrap();
    assert_eq!(evaluations.len(), 3);
}

#[tokio::test]
async fn a_satisfied_rating_closes_and_an_objection_after_the_window_is_refused() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let committee = actor(&t, "committee").await;
    let fh7 = actor(&t, "member-fh-07").await;
    let cgj_h = actor(&t, "handler").await;
    let cgj = org::by_code_unchecked(&db, "yanliang-cgj").await.unwrap();
    let id = accepted(&t, &db, "关于背街小巷照明的建议").await;
    handle::assign(&db, &cal, &committee, id, Mode::Joint, cgj.id, &[])
        .await
        .unwrap();
    // Ten days on, the 5-working-day window has passed.
    db.clock().advance_ms(10 * DAY);
    let e = handle::object(&db, &cgj_h, id, "不归我局")
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("objection", "err.objection_window")));
    handle::contact(&db, &cgj_h, id, "phone", "电话沟通")
        .await
        .unwrap();
    handle::reply(&db, &cgj_h, id, &reply("阎城函5号", "A"))
        .await
        .unwrap();
    let e = handle::reply(&db, &cgj_h, id, &reply("阎城函6号", "A"))
        .await
        .unwrap_err();
    assert!(field_of_t(&e).is_some());
    assert_eq!(
        handle::evaluate(&db, &cal, &fh7, id, &rating("satisfied"))
            .await
            .unwrap(),
        Evaluated::Closed
    );
    assert_eq!(state_of(&db, id).await.0, "closed");
    // The initiator rates once.
    let e = handle::evaluate(&db, &cal, &fh7, id, &rating("satisfied"))
        .await
        .unwrap_err();
    assert!(field_of_t(&e).is_some());
}

#[tokio::test]
async fn split_units_each_reply_and_the_last_resolves() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let committee = actor(&t, "committee").await;
    let cgj_h = actor(&t, "handler").await;
    let jtj_h = handler_of(&t, "yanliang-jtj").await;
    let jtj = org::by_code_unchecked(&db, "yanliang-jtj").await.unwrap();
    let cgj = org::by_code_unchecked(&db, "yanliang-cgj").await.unwrap();
    let id = accepted(&t, &db, "关于校园周边治理的建议").await;
    // A split with one unit: refused.
    let e = handle::assign(&db, &cal, &committee, id, Mode::Split, jtj.id, &[])
        .await
        .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("co", "err.proposal.split_units")));
    handle::assign(&db, &cal, &committee, id, Mode::Split, jtj.id, &[cgj.id])
        .await
        .unwrap();
    assert!(handle::unit_states(&db, id)
        .await
        .unwrap()
        .iter()
        .all(|u| u.split && u.answers));
    // Each unit's queue asks for its reply.
    let q = handle::queue(&db, &cgj_h).await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!((q[0].id, q[0].role), (id, "split"));
    assert!(q[0].reply_by.is_some() && q[0].object_by.is_some() && q[0].opinion_by.is_none());
    handle::contact(&db, &cgj_h, id, "phone", "电话沟通")
        .await
        .unwrap();
    assert_eq!(
        handle::reply(&db, &cgj_h, id, &reply("阎城函7号", "C"))
            .await
            .unwrap(),
        State::InProgress
    );
    assert_eq!(state_of(&db, id).await.3, None);
    handle::contact(&db, &jtj_h, id, "letter", "书面征求意见")
        .await
        .unwrap();
    assert_eq!(
        handle::reply(&db, &jtj_h, id, &reply("阎交函8号", "B"))
            .await
            .unwrap(),
        State::Resolved
    );
    // Both replies answer (lead = 1); the final one's class is the proposal's.
    let leads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_replies WHERE proposal_id = $1 AND round = 1 AND lead = 1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(leads, 2);
    assert_eq!(state_of(&db, id).await.3.as_deref(), Some("B"));
    assert!(handle::queue(&db, &cgj_h).await.unwrap()[0]
        .reply_by
        .is_none());
}

#[tokio::test]
async fn deadlines_remind_escalate_and_an_extension_moves_them() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let committee = actor(&t, "committee").await;
    let cgj_h = actor(&t, "handler").await;
    let cgj = org::by_code_unchecked(&db, "yanliang-cgj").await.unwrap();
    let yanliang = org::by_code_unchecked(&db, "yanliang").await.unwrap();
    let staff = actor(&t, "staff").await;
    // The body gives one month to reply and at most two with an extension.
    let rules = Rules {
        reply_months: 1,
        plenary_reply_months: 1,
        extension_max_months: 2,
        ..Rules::default()
    };
    handle::set_rules(&db, &staff, yanliang.id, rules)
        .await
        .unwrap();
    assert_eq!(handle::rules(&db, yanliang.id).await.unwrap(), rules);
    let bad = Rules {
        extension_max_months: 0,
        ..rules
    };
    let e = handle::set_rules(&db, &staff, yanliang.id, bad)
        .await
        .unwrap_err();
    assert_eq!(field_of(&e).unwrap().0, "extension_max_months");

    let id = accepted(&t, &db, "关于公交站台遮阳的建议").await;
    let w = worker(&db);
    handle::assign(&db, &cal, &committee, id, Mode::Joint, cgj.id, &[])
        .await
        .unwrap();
    let due = state_of(&db, id).await.2.unwrap();
    assert!(due - db.now_ms() < 35 * DAY);
    w.run_until_idle().await.unwrap();
    assert!(!actions(&db, id).await.contains(&"remind".to_owned()));

    // An extension beyond two months from the assignment: refused; within: asked.
    let far = xieshang_core::calendar::cst_date(db.now_ms() + 70 * DAY)
        .format("%Y-%m-%d")
        .to_string();
    let e = handle::request_extension(&db, &cal, &cgj_h, id, &far, "需要协调")
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("until", "err.proposal.extension_beyond"))
    );
    let e = handle::request_extension(&db, &cal, &cgj_h, id, "明天", "需要协调")
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("until", "err.proposal.extension_date")));
    let until_day = xieshang_core::calendar::cst_date(due + 14 * DAY);
    let until = until_day.format("%Y-%m-%d").to_string();
    handle::request_extension(&db, &cal, &cgj_h, id, &until, "需要协调资金")
        .await
        .unwrap();
    let e = handle::request_extension(&db, &cal, &cgj_h, id, &until, "再申请")
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("until", "err.proposal.extension_waiting"))
    );
    handle::decide_extension(&db, &cal, &committee, id, true)
        .await
        .unwrap();
    let due2 = state_of(&db, id).await.2.unwrap();
    assert_eq!(xieshang_core::calendar::cst_date(due2), until_day);
    assert!(actions(&db, id).await.contains(&"extend".to_owned()));

    // Past the first deadline: the old stages do nothing (extended).
    db.clock().advance_ms(due - db.now_ms() + DAY);
    w.run_until_idle().await.unwrap();
    let tl = actions(&db, id).await;
    assert!(!tl.contains(&"escalate".to_owned()), "{tl:?}");
    // A week before the new deadline: reminded; past it: escalated, the
    // committee and the leaders told.
    db.clock().advance_ms(due2 - db.now_ms() - 5 * DAY);
    w.run_until_idle().await.unwrap();
    assert!(actions(&db, id).await.contains(&"remind".to_owned()));
    db.clock().advance_ms(6 * DAY);
    w.run_until_idle().await.unwrap();
    let tl = actions(&db, id).await;
    assert_eq!(tl.iter().filter(|a| *a == "remind").count(), 1, "{tl:?}");
    assert_eq!(tl.iter().filter(|a| *a == "escalate").count(), 1, "{tl:?}");
    let told = |who: &'static str, kind: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
                  WHERE u.username = $1 AND n.kind = $2 AND n.item_id = $3",
            )
            .bind(who)
            .bind(kind)
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap()
        }
    };
    assert_eq!(told("handler", "proposal_reminder").await, 1);
    assert_eq!(told("handler", "proposal_overdue").await, 1);
    assert_eq!(told("committee", "proposal_overdue").await, 1);
    assert_eq!(told("leader", "proposal_overdue").await, 1);
    // The unit's queue shows it overdue, first.
    let q = handle::queue(&db, &cgj_h).await.unwrap();
    assert!(q[0].overdue && q[0].id == id);
    // A late reply is recorded against the deadline in force.
    handle::contact(&db, &cgj_h, id, "phone", "电话沟通")
        .await
        .unwrap();
    handle::reply(&db, &cgj_h, id, &reply("阎城函9号", "B"))
        .await
        .unwrap();
    let r = &handle::replies(&db, id).await.unwrap()[0];
    assert!(r.replied_at > r.due_at.unwrap());
}
