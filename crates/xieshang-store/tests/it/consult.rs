//! Consultations (issue 28) on the item engine: called from concerns, a room
//! booked once, people invited within the body's reach, the meeting held,
//! actions agreed and tracked to done, the concerns resolved with a note
//! naming it; and two bookings of one slot at the same instant, through two
//! connection pools (two server processes), give one booking.

use crate::HASH;
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{Action, CONCERN};
use xieshang_store::consult::{self, action, room, ConcernsAfter, Invitee, ParticipantRole};
use xieshang_store::db::{Clock, Db};
use xieshang_store::item::{self, By};
use xieshang_store::testing::TestDb;
use xieshang_store::{concern, org, seed, Error};

const DAY: i64 = 86_400_000;

/// 2026-11-02 09:00 CST, a Monday.
const MONDAY: i64 = 1_793_581_200_000;

fn field_of(e: &Error) -> Option<(&'static str, &'static str)> {
    match e {
        Error::Invalid { field, key, .. } => Some((*field, *key)),
        _ => None,
    }
}

fn field_of_t(e: &item::TransitionError) -> Option<(&'static str, &'static str)> {
    match e {
        item::TransitionError::Store(e) => field_of(e),
        _ => None,
    }
}

/// The sample city on a clock that stands still at Monday 09:00.
async fn city() -> (TestDb, Db) {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let db = t.db.clone().with_clock(Clock::Manual(std::sync::Arc::new(
        std::sync::atomic::AtomicI64::new(MONDAY),
    )));
    (t, db)
}

async fn three_concerns(db: &Db, staff: &xieshang_core::Actor) -> (Vec<i64>, Vec<String>) {
    let grid = org::by_code_unchecked(db, "yanliang-guanshan-g01")
        .await
        .unwrap();
    let mut ids = Vec::new();
    let mut codes = Vec::new();
    for (title, text) in [
        (
            "西飞第二中学门前路面破损",
            "学校门口的路坑坑洼洼，孩子上学容易摔倒",
        ),
        ("二中门口道路坑洼", "下雨天积水，学生绕行到机动车道"),
        ("学校路口缺少人行横道标志", "车开得很快，家长接送很危险"),
    ] {
        let r = concern::record_keyed(
            db,
            By::Resident,
            xieshang_store::testing::web_concern(grid.id, "road", title, text),
        )
        .await
        .unwrap();
        item::transition(
            db,
            &CONCERN,
            r.id,
            Action::Accept,
            By::User(staff),
            None,
            &[],
        )
        .await
        .unwrap();
        ids.push(r.id);
        codes.push(r.code);
    }
    (ids, codes)
}

#[tokio::test]
async fn a_consultation_from_three_concerns_runs_to_their_resolution() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let staff = crate::actor(&t, "staff").await;
    let handler = crate::actor(&t, "handler").await;
    let guanshan = org::by_code_unchecked(&db, "yanliang-guanshan")
        .await
        .unwrap();
    let cgj = org::by_code_unchecked(&db, "yanliang-cgj").await.unwrap();
    let zjj = org::by_code_unchecked(&db, "yanliang-zjj").await.unwrap();
    let (concerns, codes) = three_concerns(&db, &staff).await;
    let called = |db: Db, staff: xieshang_core::Actor| async move {
        consult::list(&db, &staff, &consult::Filter::default())
            .await
            .unwrap()
            .len()
    };
    let before = called(db.clone(), staff.clone()).await;

    let r = room::create(&db, &staff, guanshan.id, "协商议事厅", 30)
        .await
        .unwrap();
    // A second room of the same name in the unit is refused.
    let twice = room::create(&db, &staff, guanshan.id, "协商议事厅", 10).await;
    assert_eq!(
        twice.as_ref().err().and_then(field_of),
        Some(("name", "err.room_name_taken"))
    );

    let starts = MONDAY + 14 * DAY + 3_600_000; // two weeks on, 10:00
    let mut new = consult::NewConsultation {
        org_id: guanshan.id,
        kind: "grassroots",
        topic: "西飞第二中学门前道路修复",
        description: "三位居民反映学校门前道路破损、缺少人行横道标志",
        starts_at: starts,
        ends_at: starts + 2 * 3_600_000,
        room_id: Some(r.id),
        place: None,
        concerns: &concerns,
        plan_id: None,
        short_notice_ok: false,
    };
    // Bad input is refused with the field to change.
    let past = consult::NewConsultation {
        starts_at: MONDAY - DAY,
        ends_at: MONDAY - DAY + 3_600_000,
        ..new.clone()
    };
    assert_eq!(
        consult::convene(&db, &cal, &staff, &past)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("starts_at", "err.meeting_past"))
    );
    let soon = consult::NewConsultation {
        starts_at: MONDAY + DAY,
        ends_at: MONDAY + DAY + 3_600_000,
        ..new.clone()
    };
    assert_eq!(
        consult::convene(&db, &cal, &staff, &soon)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("starts_at", "err.notice_rule"))
    );
    let no_kind = consult::NewConsultation {
        kind: "karaoke",
        ..new.clone()
    };
    assert_eq!(
        consult::convene(&db, &cal, &staff, &no_kind)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("kind", "err.consult_kind"))
    );
    // Nothing of the refused ones was written.
    assert_eq!(called(db.clone(), staff.clone()).await, before);
    let id = consult::convene(&db, &cal, &staff, &new).await.unwrap();

    // The same room at an overlapping time is refused; another time is not.
    new.concerns = &[];
    new.topic = "另一场协商";
    new.starts_at = starts + 3_600_000;
    new.ends_at = starts + 3 * 3_600_000;
    assert_eq!(
        consult::convene(&db, &cal, &staff, &new)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("room", "err.room_taken"))
    );
    new.starts_at = starts + 2 * 3_600_000;
    new.ends_at = starts + 3 * 3_600_000;
    let later = consult::convene(&db, &cal, &staff, &new).await.unwrap();
    let week = room::bookings(&db, r.id, starts - DAY, starts + DAY)
        .await
        .unwrap();
    assert_eq!(
        week.iter().map(|b| b.consultation_id).collect::<Vec<_>>(),
        vec![id, later]
    );
    // Called off, its slot is free again.
    consult::cancel(&db, &staff, later, "合并到上一场")
        .await
        .unwrap();
    assert_eq!(
        room::bookings(&db, r.id, starts - DAY, starts + DAY)
            .await
            .unwrap()
            .len(),
        1
    );

    // The concerns are linked, their timelines say so, and their residents
    // see the date and topic (no names) on the status page.
    let linked = consult::concerns_of(&db, id).await.unwrap();
    assert_eq!(
        linked.iter().map(|c| c.0).collect::<Vec<_>>(),
        concerns.clone()
    );
    for (cid, code) in concerns.iter().zip(&codes) {
        let tl = item::timeline(&db, &CONCERN, *cid).await.unwrap();
        assert!(tl.iter().any(
            |e| e.action == "convene" && e.note.as_deref() == Some("西飞第二中学门前道路修复")
        ));
        let s = concern::public_status(&db, code).await.unwrap();
        assert_eq!(
            s.meetings,
            vec![(starts, "西飞第二中学门前道路修复".to_owned())]
        );
        assert_eq!(s.state, "accepted");
    }

    // Participants: the paired member is proposed first; departments name
    // their representative; a resident's name is kept masked; nobody twice;
    // nobody outside the body's reach.
    let proposed = consult::proposed_members(&db, id).await.unwrap();
    let member_id = xieshang_store::account::user::credentials(&db, "member-gs-01")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        proposed.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![member_id]
    );
    let member = Invitee::Person {
        role: ParticipantRole::Member,
        user_id: member_id,
    };
    consult::invite(&db, None, &staff, id, &member)
        .await
        .unwrap();
    assert_eq!(
        consult::invite(&db, None, &staff, id, &member)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("invitee", "err.already_invited"))
    );
    let nameless = Invitee::Unit {
        org_id: cgj.id,
        representative: " ",
    };
    assert_eq!(
        consult::invite(&db, None, &staff, id, &nameless)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("representative", "err.representative"))
    );
    for (unit, who) in [(cgj.id, "王科长"), (zjj.id, "李科长")] {
        consult::invite(
            &db,
            None,
            &staff,
            id,
            &Invitee::Unit {
                org_id: unit,
                representative: who,
            },
        )
        .await
        .unwrap();
    }
    let beilin_cgj = org::by_code_unchecked(&db, "beilin-cgj").await.unwrap();
    assert_eq!(
        consult::invite(
            &db,
            None,
            &staff,
            id,
            &Invitee::Unit {
                org_id: beilin_cgj.id,
                representative: "赵科长",
            },
        )
        .await
        .err()
        .as_ref()
        .and_then(field_of),
        Some(("invitee", "err.invitee_reach"))
    );
    consult::invite(
        &db,
        None,
        &staff,
        id,
        &Invitee::Guest {
            role: ParticipantRole::Resident,
            name: "张秀英",
            phone: Some("13800001234"),
        },
    )
    .await
    .unwrap();
    let parts = consult::participants(&db, id).await.unwrap();
    assert_eq!(parts.len(), 4);
    let resident = parts.iter().find(|p| p.role == "resident").unwrap();
    assert_eq!(resident.name, "张**");
    assert!(!resident
        .contact
        .as_deref()
        .unwrap_or_default()
        .contains("0000"));
    // The member was told, and may open it; the handler too (a department of it).
    let m = crate::actor(&t, "member-gs-01").await;
    assert!(
        consult::get(&db, &m, xieshang_core::Permission::ConsultationView, id)
            .await
            .is_ok()
    );
    assert!(consult::get(
        &db,
        &handler,
        xieshang_core::Permission::ConsultationView,
        id
    )
    .await
    .is_ok());
    // Another district's staff do not see it at all.
    let beilin = crate::actor(&t, "staff-beilin").await;
    assert!(matches!(
        consult::get(
            &db,
            &beilin,
            xieshang_core::Permission::ConsultationView,
            id
        )
        .await,
        Err(Error::Denied(_) | Error::NotFound)
    ));
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'invited' AND item_kind = 'consultation' AND item_id = $2",
    )
    .bind(member_id)
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(told, 1);
    consult::answer(&db, &m, id, "attend", None).await.unwrap();
    assert_eq!(
        consult::answer(&db, &m, id, "deputy", Some(" "))
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("deputy", "err.deputy"))
    );
    // (The demo's consultations, called on the real clock, may be listed too.)
    assert!(consult::upcoming_for(&db, member_id, MONDAY)
        .await
        .unwrap()
        .iter()
        .any(|c| c.id == id));

    // Minutes only once the meeting has started; then actions are agreed.
    assert_eq!(
        consult::hold(&db, &staff, id, "纪要", &[], &[])
            .await
            .err()
            .as_ref()
            .and_then(field_of_t),
        Some(("minutes", "err.not_yet_held"))
    );
    db.clock().advance_ms(starts - MONDAY + 30 * 60_000);
    consult::check_in(&db, &m, id).await.unwrap();
    let present: Vec<i64> = parts
        .iter()
        .filter(|p| p.role == "department")
        .map(|p| p.id)
        .collect();
    let year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(starts));
    let record_before = xieshang_store::duty::record::for_member(&db, member_id, year)
        .await
        .unwrap();
    let member_part = parts
        .iter()
        .find(|p| p.user_id == Some(member_id))
        .unwrap()
        .id;
    consult::hold(
        &db,
        &staff,
        id,
        "议定：修复路面、增设人行横道标志。",
        &present,
        &[member_part],
    )
    .await
    .unwrap();
    // The member's duty record counts the meeting (she checked in) and her
    // speech.
    let record = xieshang_store::duty::record::for_member(&db, member_id, year)
        .await
        .unwrap();
    assert_eq!(
        (
            record.consultations_attended - record_before.consultations_attended,
            record.consultations_spoke - record_before.consultations_spoke
        ),
        (1, 1)
    );
    let after = consult::participants(&db, id).await.unwrap();
    assert_eq!(after.iter().filter(|p| p.present).count(), 3, "{after:?}");

    assert_eq!(
        action::add(&db, &cal, &staff, id, None, "修复路面", "", Some(10))
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("owner", "err.action_owner"))
    );
    assert_eq!(
        action::add(&db, &cal, &staff, id, Some(cgj.id), "修复路面", "", None)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("due_days", "err.action_due"))
    );
    let road = action::add(
        &db,
        &cal,
        &staff,
        id,
        Some(zjj.id),
        "修复学校门前路面",
        "",
        Some(10),
    )
    .await
    .unwrap();
    let sign = action::add(
        &db,
        &cal,
        &staff,
        id,
        Some(cgj.id),
        "增设人行横道标志",
        "",
        Some(5),
    )
    .await
    .unwrap();
    // The engine holds each action's owner as its one lead assignment.
    let owner = item::assignments(&db, &xieshang_core::item::CONSULTATION_ACTION, sign)
        .await
        .unwrap();
    assert_eq!(
        owner.iter().map(|a| (a.org_id, a.lead)).collect::<Vec<_>>(),
        vec![(cgj.id, true)]
    );

    // The consultation does not close while an action is open.
    let close = |after| {
        consult::close(
            &db,
            &cal,
            7,
            &staff,
            id,
            after,
            "路面已修复，标志已设置",
            true,
        )
    };
    assert_eq!(
        close(ConcernsAfter::Resolve)
            .await
            .err()
            .as_ref()
            .and_then(field_of_t),
        Some(("close", "err.actions_open"))
    );
    // The handler of 城管局 cannot touch 住建局's action; its own, yes.
    assert!(action::act(&db, &handler, road, "resolve", "已修")
        .await
        .is_err());
    action::act(&db, &handler, sign, "progress", "已采购标志牌")
        .await
        .unwrap();
    action::act(&db, &handler, sign, "resolve", "标志已设置")
        .await
        .unwrap();
    action::act(&db, &staff, road, "resolve", "住建局报：路面已修复")
        .await
        .unwrap();
    let outcomes = action::outcomes(
        &db,
        &staff,
        &action::OutcomeFilter::default(),
        db.now_ms(),
        100,
    )
    .await
    .unwrap();
    let ours: Vec<_> = outcomes
        .iter()
        .filter(|o| o.action.consultation_id == id)
        .collect();
    assert_eq!(ours.len(), 2);
    assert!(ours.iter().all(|o| o.action.state == "resolved"));
    // The list's owner filter offers the units that own actions, and only
    // those: both departments, not the street.
    let owners: Vec<i64> = action::owners(&db, &staff)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(
        owners.contains(&cgj.id) && owners.contains(&zjj.id),
        "{owners:?}"
    );
    assert!(!owners.contains(&guanshan.id));
    let other = crate::actor(&t, "staff-beilin").await;
    let theirs = action::owners(&db, &other).await.unwrap();
    assert!(theirs.iter().all(|(id, _)| *id != cgj.id && *id != zjj.id));
    close(ConcernsAfter::Resolve).await.unwrap();

    // The concerns are resolved with a note naming the consultation, and the
    // residents are asked as after any resolution.
    for code in &codes {
        let s = concern::public_status(&db, code).await.unwrap();
        assert_eq!(s.state, "resolved");
        assert!(s.awaiting_feedback);
        let note = s.result_note.unwrap();
        assert!(note.contains("西飞第二中学门前道路修复"), "{note}");
    }
    // The public page lists it with its units and outcome, never a resident's name.
    let public = consult::public_held(&db, guanshan.id).await.unwrap();
    let ours: Vec<_> = public.iter().filter(|p| p.starts_at == starts).collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].actions.len(), 2);
    assert!(ours[0].units.iter().any(|u| u.contains("城市管理")));
    let text = format!("{:?}", ours[0]);
    assert!(!text.contains("张"), "{text}");
}

#[tokio::test]
async fn overdue_actions_remind_then_escalate() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let staff = crate::actor(&t, "staff").await;
    let guanshan = org::by_code_unchecked(&db, "yanliang-guanshan")
        .await
        .unwrap();
    let cgj = org::by_code_unchecked(&db, "yanliang-cgj").await.unwrap();
    let starts = MONDAY + 14 * DAY;
    let id = consult::convene(
        &db,
        &cal,
        &staff,
        &consult::NewConsultation {
            org_id: guanshan.id,
            kind: "grassroots",
            topic: "背街小巷照明",
            description: "",
            starts_at: starts,
            ends_at: starts + 3_600_000,
            room_id: None,
            place: Some("关山街道办事处二楼"),
            concerns: &[],
            plan_id: None,
            short_notice_ok: false,
        },
    )
    .await
    .unwrap();
    db.clock().advance_ms(14 * DAY);
    consult::hold(&db, &staff, id, "议定增设路灯", &[], &[])
        .await
        .unwrap();
    let a = action::add(&db, &cal, &staff, id, Some(cgj.id), "增设路灯", "", Some(3))
        .await
        .unwrap();
    let worker = xieshang_store::jobs::Worker {
        db: db.clone(),
        calendar: cal.clone(),
        policy: Default::default(),
        mailer: None,
        base_url: "http://localhost".into(),
        sealer: None,
        retention_days: xieshang_store::jobs::DEFAULT_RETENTION_DAYS,
        webhook_policy: Default::default(),
    };
    worker.run_until_idle().await.unwrap();
    let tl = |db: Db| async move {
        item::timeline(&db, &xieshang_core::item::CONSULTATION_ACTION, a)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect::<Vec<_>>()
    };
    assert_eq!(tl(db.clone()).await, vec!["submit"]);
    db.clock().advance_ms(10 * DAY);
    worker.run_until_idle().await.unwrap();
    assert_eq!(tl(db.clone()).await, vec!["submit", "remind", "escalate"]);
    let handler: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
          WHERE u.username = 'handler' AND n.kind IN ('action_reminder', 'action_overdue')",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(handler, 2);
    let leader: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
          WHERE u.username = 'leader' AND n.kind = 'action_overdue'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(leader, 1);
    let overdue = action::outcomes(
        &db,
        &staff,
        &action::OutcomeFilter {
            state: Some("overdue".into()),
            ..Default::default()
        },
        db.now_ms(),
        100,
    )
    .await
    .unwrap();
    assert_eq!(overdue.len(), 1);
}

/// Two staff book the same slot of one room at the same instant through two
/// pools of their own (as two server processes would): one booking stands,
/// the other is refused as taken. Many rounds, so a race would show.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_slot_of_a_room_is_booked_once_under_concurrent_requests() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let staff = crate::actor(&t, "staff").await;
    let guanshan = org::by_code_unchecked(&db, "yanliang-guanshan")
        .await
        .unwrap();
    let r = room::create(&db, &staff, guanshan.id, "协商议事厅", 30)
        .await
        .unwrap();
    let other = Db::connect(&t.url)
        .await
        .unwrap()
        .with_clock(Clock::Manual(std::sync::Arc::new(
            std::sync::atomic::AtomicI64::new(MONDAY),
        )));
    let rounds = 12;
    for n in 0..rounds {
        let starts = MONDAY + (14 + n) * DAY;
        let book = |db: Db, staff: xieshang_core::Actor, cal: Calendar, who: &'static str| async move {
            let topic = format!("第{n}轮 {who}");
            consult::convene(
                &db,
                &cal,
                &staff,
                &consult::NewConsultation {
                    org_id: guanshan.id,
                    kind: "grassroots",
                    topic: &topic,
                    description: "",
                    starts_at: starts,
                    ends_at: starts + 3_600_000,
                    room_id: Some(r.id),
                    place: None,
                    concerns: &[],
                    plan_id: None,
                    short_notice_ok: true,
                },
            )
            .await
        };
        let (a, b) = tokio::join!(
            tokio::spawn(book(db.clone(), staff.clone(), cal.clone(), "甲")),
            tokio::spawn(book(other.clone(), staff.clone(), cal.clone(), "乙")),
        );
        let results = [a.unwrap(), b.unwrap()];
        let booked = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(booked, 1, "round {n}: {results:?}");
        for e in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(field_of(e), Some(("room", "err.room_taken")), "round {n}");
        }
        assert_eq!(
            room::bookings(&db, r.id, starts, starts + 3_600_000)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    other.close().await;
}

/// Two writers book the same slot: the second's transaction starts while
/// the first's booking is written but not committed. Whatever the
/// database, the second must wait for the first and then find the slot
/// taken (without the room's lock, PostgreSQL lets both through, which
/// this test was seen to catch).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_waits_for_one_in_flight_and_finds_the_slot_taken() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let (room, a, b): (i64, i64, i64) = {
        let room = sqlx::query_scalar("SELECT MIN(id) FROM rooms")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM consultations ORDER BY id")
            .fetch_all(t.db.pool())
            .await
            .unwrap();
        (room, ids[0], ids[1])
    };
    let other = Db::connect(&t.url).await.unwrap();
    let slot = (4_102_444_800_000, 4_102_448_400_000); // 2100-01-01, an hour
    let now = t.db.now_ms();
    let mut first = t.db.begin_write().await.unwrap();
    room::book_in(&mut first, &t.db, room, a, slot, None, now)
        .await
        .unwrap();
    let second = {
        let other = other.clone();
        tokio::spawn(async move {
            let mut tx = other.begin_write().await.map_err(Error::from)?;
            room::book_in(&mut tx, &other, room, b, slot, None, now).await?;
            tx.commit().await.map_err(Error::from)?;
            Ok::<(), Error>(())
        })
    };
    // Give the second writer time to reach the check while the first is
    // still open.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    let got = second.await.unwrap();
    assert!(
        matches!(
            got,
            Err(Error::Invalid {
                key: "err.room_taken",
                ..
            })
        ),
        "{got:?}"
    );
    other.close().await;
}

/// The demo's held consultation (关山街道, 西飞第二中学).
async fn held_consultation(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT id FROM consultations WHERE state = 'held' ORDER BY id LIMIT 1")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn materials_are_checked_by_content_read_by_participants_and_published_by_staff() {
    use xieshang_core::Denied;
    use xieshang_store::consult::material;
    let (t, db) = city().await;
    let staff = crate::actor(&t, "staff").await;
    let member = crate::actor(&t, "member-gs-01").await;
    let handler = crate::actor(&t, "handler").await;
    let outsider = crate::actor(&t, "member-fh-01").await;
    let beilin = crate::actor(&t, "staff-beilin").await;
    let id = held_consultation(&db).await;

    // A refused type, whatever its name says, and a PDF named as a Word file.
    let refused = material::check("方案.pdf", b"<html><script>alert(1)</script>".to_vec());
    assert_eq!(
        field_of(&refused.unwrap_err()),
        Some(("file", "err.material_type"))
    );
    let misnamed = material::check("方案.docx", b"%PDF-1.7\n%%EOF".to_vec());
    assert_eq!(
        field_of(&misnamed.unwrap_err()),
        Some(("file", "err.material_name"))
    );
    let over = material::check("大.pdf", vec![b'%'; material::MAX_BYTES + 1]);
    assert_eq!(
        field_of(&over.unwrap_err()),
        Some(("file", "err.material_size"))
    );

    let pdf = material::check("修复方案.pdf", b"%PDF-1.7\n1 0 obj\n%%EOF".to_vec()).unwrap();
    // Only the body's staff attach.
    assert!(matches!(
        material::add(&db, &member, id, "", &pdf).await,
        Err(Error::Denied(Denied::Forbidden))
    ));
    assert!(matches!(
        material::add(&db, &beilin, id, "", &pdf).await,
        Err(Error::Denied(Denied::OutOfScope))
    ));
    let long = "长".repeat(101);
    assert_eq!(
        field_of(
            &material::add(&db, &staff, id, &long, &pdf)
                .await
                .unwrap_err()
        ),
        Some(("material_title", "err.too_long"))
    );
    let m = material::add(&db, &staff, id, "路面修复方案", &pdf)
        .await
        .unwrap();
    let list = material::of(&db, id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].title, "路面修复方案");
    assert_eq!(list[0].file_name, "修复方案.pdf");
    assert_eq!(list[0].kind, material::FileKind::Pdf);
    assert_eq!(list[0].size, 22);
    assert!(!list[0].published);

    // The invited member and the handler of an invited department read it;
    // a member not invited and another district's staff find nothing.
    for who in [&staff, &member, &handler] {
        let (got, bytes) = material::file(&db, who, id, m).await.unwrap();
        assert_eq!(got.id, m);
        assert_eq!(bytes, b"%PDF-1.7\n1 0 obj\n%%EOF");
    }
    // (Out of scope is answered 404, as a record that does not exist.)
    for who in [&outsider, &beilin] {
        assert!(matches!(
            material::file(&db, who, id, m).await,
            Err(Error::Denied(Denied::OutOfScope))
        ));
    }
    // Another consultation's id does not reach it.
    let other: i64 = sqlx::query_scalar("SELECT MAX(id) FROM consultations")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(matches!(
        material::file(&db, &staff, other, m).await,
        Err(Error::NotFound)
    ));

    // Not public until published, never through the photos' route.
    let token = list[0].token.clone();
    assert!(matches!(
        material::public_file(&db, &token).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        concern::photo::by_token(&db, &token).await,
        Err(Error::NotFound)
    ));
    let guanshan = org::by_code_unchecked(&db, "yanliang-guanshan")
        .await
        .unwrap();
    let shown = consult::public_held(&db, guanshan.id).await.unwrap();
    assert!(shown.iter().all(|c| c.materials.is_empty()));
    assert!(matches!(
        material::publish(&db, &member, id, m, true).await,
        Err(Error::Denied(Denied::Forbidden))
    ));
    material::publish(&db, &staff, id, m, true).await.unwrap();
    let shown = consult::public_held(&db, guanshan.id).await.unwrap();
    let row = shown
        .iter()
        .find(|c| c.topic == "西飞第二中学门前道路修复")
        .unwrap();
    assert_eq!(
        row.materials,
        vec![("路面修复方案".to_owned(), token.clone())]
    );
    let (_, bytes) = material::public_file(&db, &token).await.unwrap();
    assert_eq!(bytes.len(), 22);
    material::publish(&db, &staff, id, m, false).await.unwrap();
    assert!(matches!(
        material::public_file(&db, &token).await,
        Err(Error::NotFound)
    ));
}
