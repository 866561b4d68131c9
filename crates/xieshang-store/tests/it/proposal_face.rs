//! Issue 29 points 6–8 remainders in the store (decision record 0040), on
//! both databases: unsatisfied twice puts a face-to-face consultation on the
//! body's plan in the evaluation's transaction; staff call it from the plan,
//! which links it to the proposal with the proposer and the lead unit
//! invited; holding it is on the proposal's timeline and the committee then
//! closes the proposal. A reply carries its signed file (PDF or scan), bad
//! files are refused naming the field, and only the proposers, the committee
//! and the units read it. A body's share of key proposals sets the ballot's
//! default quota, and opening a ballot tells each leader.

use crate::{actor, HASH};
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use xieshang_core::calendar::Calendar;
use xieshang_core::proposal::Text;
use xieshang_core::{Actor, Permission, Role};
use xieshang_store::db::{Clock, Db};
use xieshang_store::proposal::handle::{self, Evaluated, Mode, NewEvaluation, NewReply};
use xieshang_store::proposal::{self, key, review, settings};
use xieshang_store::testing::TestDb;
use xieshang_store::{account::user, consult, org, seed, Error};

const DAY: i64 = 86_400_000;

fn field_of(e: &Error) -> Option<(&'static str, &'static str)> {
    match e {
        Error::Invalid { field, key, .. } => Some((*field, *key)),
        _ => None,
    }
}

async fn city() -> (TestDb, Db) {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let now = t.db.now_ms();
    let db =
        t.db.clone()
            .with_clock(Clock::Manual(Arc::new(AtomicI64::new(now))));
    (t, db)
}

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

/// An accepted proposal of member-fh-07 with member-fh-02 confirmed.
async fn accepted(t: &TestDb, db: &Db, title: &str) -> i64 {
    let fh7 = actor(t, "member-fh-07").await;
    let fh2 = actor(t, "member-fh-02").await;
    let text = Text {
        title: title.into(),
        situation: "学校门前道路人车混行。".into(),
        analysis: "缺少人行横道。".into(),
        suggestions: "增设信号灯和护栏。".into(),
    };
    let yanliang = org::by_code_unchecked(db, "yanliang").await.unwrap();
    let cat = settings::entries(db, yanliang.id, settings::List::Category, false)
        .await
        .unwrap()[1]
        .id;
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
        consulted: "basically_satisfied",
        comment: "",
    }
}

async fn timeline(db: &Db, id: i64) -> Vec<(String, String)> {
    proposal::timeline(db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.note.unwrap_or_default()))
        .collect()
}

async fn notified(db: &Db, user_id: i64, kind: &str, item_id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2 AND item_id = $3",
    )
    .bind(user_id)
    .bind(kind)
    .bind(item_id)
    .fetch_one(db.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn unsatisfied_twice_plans_a_face_to_face_consultation_linked_to_the_proposal() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let committee = actor(&t, "committee").await;
    let staff = actor(&t, "staff").await;
    let fh7 = actor(&t, "member-fh-07").await;
    let jtj_h = handler_of(&t, "yanliang-jtj").await;
    let jtj = org::by_code_unchecked(&db, "yanliang-jtj").await.unwrap();
    let body = org::by_code_unchecked(&db, "yanliang").await.unwrap();
    let id = accepted(&t, &db, "关于学校门口交通安全的建议").await;
    handle::assign(&db, &cal, &committee, id, Mode::Joint, jtj.id, &[])
        .await
        .unwrap();
    for (round, doc) in [(1, "阎交函〔2027〕1号"), (2, "阎交函〔2027〕9号")] {
        handle::contact(&db, &jtj_h, id, "visit", "登门听取意见")
            .await
            .unwrap();
        handle::reply(&db, &jtj_h, id, &reply(doc, "B"))
            .await
            .unwrap();
        db.clock().advance_ms(DAY);
        let out = handle::evaluate(&db, &cal, &fh7, id, &rating("unsatisfied"))
            .await
            .unwrap();
        if round == 1 {
            assert_eq!(out, Evaluated::SecondRound);
            assert!(handle::face_to_face(&db, id).await.unwrap().is_none());
        } else {
            assert_eq!(out, Evaluated::FaceToFace);
        }
    }

    // The planned topic carries the proposal, on the body's plan this quarter.
    let f = handle::face_to_face(&db, id).await.unwrap().unwrap();
    assert_eq!(f.topic, "提案面商：关于学校门口交通安全的建议");
    assert!(f.consultation.is_none());
    let (plan_body, plan) = consult::planned(&db, &staff, f.plan_id).await.unwrap();
    assert_eq!(plan_body, body.id);
    assert_eq!((plan.year, plan.quarter), (f.year, f.quarter));
    assert_eq!(
        handle::proposal_of_plan(&db, f.plan_id).await.unwrap(),
        Some(id)
    );
    // The timeline says so, naming the proposer, the unit and the topic.
    let events = timeline(&db, id).await;
    let (_, note) = events.iter().rev().find(|(a, _)| a == "convene").unwrap();
    assert!(
        note.contains(&jtj.name) && note.contains(&f.topic),
        "{note}"
    );
    // The committee and the body's consultation staff are told.
    assert_eq!(
        notified(&db, committee.user_id, "proposal_face_to_face", id).await,
        1
    );
    assert_eq!(
        notified(&db, staff.user_id, "proposal_face_to_face", id).await,
        1
    );

    // Staff call it from the plan: date and place, the kind for proposals.
    let starts = db.now_ms() + 20 * DAY;
    let new = consult::NewConsultation {
        org_id: body.id,
        kind: "proposal_handling",
        topic: &f.topic,
        description: "",
        starts_at: starts,
        ends_at: starts + 2 * 3_600_000,
        room_id: None,
        place: Some("区政协三楼会议室"),
        concerns: &[],
        plan_id: Some(f.plan_id),
        short_notice_ok: true,
    };
    let cid = consult::convene(&db, &cal, &staff, &new).await.unwrap();
    let f = handle::face_to_face(&db, id).await.unwrap().unwrap();
    assert_eq!(f.consultation, Some((cid, "convened".to_owned(), starts)));
    assert_eq!(
        handle::proposals_of_consultation(&db, cid).await.unwrap(),
        [(
            id,
            "关于学校门口交通安全的建议".to_owned(),
            "reopened".to_owned()
        )]
    );
    // The proposer (as a member) and the lead unit are invited and told.
    let parts = consult::participants(&db, cid).await.unwrap();
    assert!(parts
        .iter()
        .any(|p| p.role == "member" && p.user_id == Some(fh7.user_id)));
    assert!(parts
        .iter()
        .any(|p| p.role == "department" && p.org_id == Some(jtj.id)));
    assert_eq!(notified(&db, fh7.user_id, "invited", cid).await, 1);
    assert_eq!(notified(&db, jtj_h.user_id, "invited", cid).await, 1);
    // Both read the consultation as participants.
    consult::get(&db, &fh7, Permission::ConsultationView, cid)
        .await
        .unwrap();
    // The proposal's timeline has the date.
    let events = timeline(&db, id).await;
    let day = xieshang_core::calendar::cst_date(starts)
        .format("%Y-%m-%d")
        .to_string();
    assert!(events
        .iter()
        .any(|(a, n)| a == "convene" && n.starts_with(&day)));
    // The plan's topic is taken: a second call from it is refused.
    let again = consult::convene(&db, &cal, &staff, &new).await.unwrap_err();
    assert_eq!(field_of(&again), Some(("plan", "err.plan_taken")));

    // Held: the proposal's timeline says so and the committee is told; it
    // then closes the proposal as before.
    db.clock().advance_ms(20 * DAY + 3_600_000);
    consult::hold(&db, &staff, cid, "双方当面沟通，形成共识。", &[], &[])
        .await
        .unwrap();
    let events = timeline(&db, id).await;
    assert!(events
        .iter()
        .any(|(a, n)| a == "convene" && n.starts_with("已举行")));
    assert_eq!(
        notified(&db, committee.user_id, "proposal_face_to_face_held", id).await,
        1
    );
    handle::close(&db, &committee, id, "面商后提案人表示理解")
        .await
        .unwrap();
    let state: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(state, "closed");
}

/// A minimal PNG header (the sniffing reads the signature only).
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&[0; 32]);
    b
}

#[tokio::test]
async fn a_reply_carries_its_signed_file_which_only_its_readers_open() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let committee = actor(&t, "committee").await;
    let fh7 = actor(&t, "member-fh-07").await;
    let fh2 = actor(&t, "member-fh-02").await;
    let jtj_h = handler_of(&t, "yanliang-jtj").await;
    let jtj = org::by_code_unchecked(&db, "yanliang-jtj").await.unwrap();
    let id = accepted(&t, &db, "关于增设校门口护栏的建议").await;
    handle::assign(&db, &cal, &committee, id, Mode::Joint, jtj.id, &[])
        .await
        .unwrap();
    handle::contact(&db, &jtj_h, id, "phone", "电话沟通")
        .await
        .unwrap();

    // Bad files are refused naming the field: a Word file, a name that
    // lies, nothing, too much.
    let refused = |r: Result<_, Error>| field_of(&r.unwrap_err());
    let ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    assert_eq!(
        refused(handle::check_reply_file("答复.doc", ole)),
        Some(("reply_file", "err.reply_file_type"))
    );
    assert_eq!(
        refused(handle::check_reply_file("答复.pdf", png())),
        Some(("reply_file", "err.reply_file_name"))
    );
    assert_eq!(
        refused(handle::check_reply_file("答复.pdf", Vec::new())),
        Some(("reply_file", "err.reply_file_missing"))
    );
    let mut big = b"%PDF-1.7".to_vec();
    big.resize(xieshang_store::upload::MAX_BYTES + 1, b' ');
    assert_eq!(
        refused(handle::check_reply_file("答复.pdf", big)),
        Some(("reply_file", "err.reply_file_size"))
    );

    // The reply with its signed PDF, in one transaction.
    let pdf = b"%PDF-1.7\n%signed".to_vec();
    let file = handle::check_reply_file("C:\\扫描\\阎交函1号.pdf", pdf.clone()).unwrap();
    handle::reply_with_file(&db, &jtj_h, id, &reply("阎交函1号", "A"), Some(&file))
        .await
        .unwrap();
    let r = handle::replies(&db, id).await.unwrap().remove(0);
    assert_eq!(r.file_name.as_deref(), Some("阎交函1号.pdf"));
    // A second file for the same reply: refused.
    let e = handle::attach_reply_file(&db, &jtj_h, id, &file)
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("reply_file", "err.reply_file_there")));

    // The proposers, the committee and the unit read it.
    for who in [&fh7, &fh2, &committee, &jtj_h] {
        let (name, kind, bytes) = handle::reply_file(&db, who, id, r.id).await.unwrap();
        assert_eq!(
            (name.as_str(), kind.content_type(), bytes.as_slice()),
            ("阎交函1号.pdf", "application/pdf", pdf.as_slice())
        );
    }
    // Anyone else (another member, the body's staff and leader, another
    // unit's handler) is told it does not exist.
    let others = [
        actor(&t, "member-fh-03").await,
        actor(&t, "staff").await,
        actor(&t, "leader").await,
        actor(&t, "handler").await,
    ];
    for who in &others {
        assert!(matches!(
            handle::reply_file(&db, who, id, r.id).await,
            Err(Error::NotFound)
        ));
    }
    // Another proposal's id with this reply: not found either.
    let other = accepted(&t, &db, "关于校门口停车的建议").await;
    assert!(matches!(
        handle::reply_file(&db, &committee, other, r.id).await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn a_scan_attached_after_the_reply() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let committee = actor(&t, "committee").await;
    let fh7 = actor(&t, "member-fh-07").await;
    let jtj_h = handler_of(&t, "yanliang-jtj").await;
    let jtj = org::by_code_unchecked(&db, "yanliang-jtj").await.unwrap();
    let id = accepted(&t, &db, "关于校门口照明的建议").await;
    handle::assign(&db, &cal, &committee, id, Mode::Joint, jtj.id, &[])
        .await
        .unwrap();
    let scan = handle::check_reply_file("答复扫描.png", png()).unwrap();
    // Before any reply: refused.
    let e = handle::attach_reply_file(&db, &jtj_h, id, &scan)
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("reply_file", "err.reply_file_no_reply"))
    );
    handle::contact(&db, &jtj_h, id, "visit", "上门沟通")
        .await
        .unwrap();
    handle::reply(&db, &jtj_h, id, &reply("阎交函2号", "B"))
        .await
        .unwrap();
    assert_eq!(handle::replies(&db, id).await.unwrap()[0].file_name, None);
    // Not the unit: refused.
    assert!(handle::attach_reply_file(&db, &fh7, id, &scan)
        .await
        .is_err());
    handle::attach_reply_file(&db, &jtj_h, id, &scan)
        .await
        .unwrap();
    let r = handle::replies(&db, id).await.unwrap().remove(0);
    assert_eq!(r.file_name.as_deref(), Some("答复扫描.png"));
    let (_, kind, _) = handle::reply_file(&db, &fh7, id, r.id).await.unwrap();
    assert_eq!(kind.content_type(), "image/png");
}

#[tokio::test]
async fn the_key_share_sets_the_quota_and_leaders_hear_of_the_ballot() {
    let (t, db) = city().await;
    let committee = actor(&t, "committee").await;
    let staff = actor(&t, "staff").await;
    let leader = actor(&t, "leader").await;
    let fh7 = actor(&t, "member-fh-07").await;
    let body = org::by_code_unchecked(&db, "yanliang").await.unwrap();
    assert_eq!(
        key::key_share_percent(&db, body.id).await.unwrap(),
        key::DEFAULT_KEY_SHARE_PERCENT
    );
    // Out of range, or not the body's staff or committee: refused.
    for bad in [0, 51] {
        let e = key::set_key_share_percent(&db, &staff, body.id, bad)
            .await
            .unwrap_err();
        assert_eq!(
            field_of(&e),
            Some(("key_share_percent", "err.proposal.key_share"))
        );
    }
    assert!(key::set_key_share_percent(&db, &fh7, body.id, 10)
        .await
        .is_err());
    key::set_key_share_percent(&db, &staff, body.id, 50)
        .await
        .unwrap();
    assert_eq!(key::key_share_percent(&db, body.id).await.unwrap(), 50);

    // Three candidates in one session: the default quota is 50% of the
    // session's accepted proposals, rounded up.
    let mut ids = Vec::new();
    for title in ["关于候选一的建议", "关于候选二的建议", "关于候选三的建议"]
    {
        let id = accepted(&t, &db, title).await;
        key::nominate(&db, &committee, id).await.unwrap();
        ids.push(id);
    }
    let session = proposal::get(&db, &committee, Permission::ProposalView, ids[0])
        .await
        .unwrap()
        .session_id
        .unwrap();
    let accepted_n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposals WHERE session_id = $1 AND number IS NOT NULL",
    )
    .bind(session)
    .fetch_one(db.pool())
    .await
    .unwrap();
    let waiting = key::nominated(&db, &committee).await.unwrap();
    let w = waiting.iter().find(|n| n.session_id == session).unwrap();
    assert_eq!(w.quota, key::default_quota(accepted_n, 50));
    assert_eq!(w.quota, (accepted_n + 1) / 2);
    let ballot = key::open_ballot(&db, &committee, session, None, db.now_ms() + DAY)
        .await
        .unwrap();
    let quota: i64 = sqlx::query_scalar("SELECT quota FROM proposal_ballots WHERE id = $1")
        .bind(ballot)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(quota, key::default_quota(accepted_n, 50));
    // Each leader of the body is told, once; nobody else.
    let told: Vec<(i64, String)> = sqlx::query_as(
        "SELECT user_id, item_kind FROM notifications
          WHERE kind = 'proposal_ballot_opened' AND item_id = $1",
    )
    .bind(ballot)
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert!(told.contains(&(leader.user_id, "proposal_ballot".to_owned())));
    assert_eq!(told.iter().filter(|(u, _)| *u == leader.user_id).count(), 1);
    assert!(!told
        .iter()
        .any(|(u, _)| *u == committee.user_id || *u == staff.user_id));
}
