//! Studio duty rotas on the suite's backend: generation across a holiday week,
//! continuation, swaps and check-in on the day.

use crate::actor;
use chrono::NaiveDate;
use xieshang_core::calendar::Calendar;
use xieshang_store::testing::TestDb;
use xieshang_store::{account::user, duty::studio, seed, Error};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn the_fenghuang_rota_moves_holiday_fridays_and_members_check_in_on_the_day() {
    let clock = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let t = TestDb::new().await.unwrap();
    let db =
        t.db.clone()
            .with_clock(xieshang_store::Clock::Manual(clock.clone()));
    seed::load_demo(&db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let staff = actor(&t, "staff").await;
    let beilin = actor(&t, "staff-beilin").await;
    let studios = studio::list(&db, &staff).await.unwrap();
    assert_eq!(studios.len(), 1);
    let (id, name, _) = studios[0].clone();
    assert_eq!(name, "凤凰路委员工作室");
    let s = studio::get(&db, &staff, xieshang_core::Permission::OrgView, id)
        .await
        .unwrap();
    assert_eq!(s.members.len(), 22);
    let cal = Calendar::builtin();

    // Fridays 2026-09-25 (中秋节) and 2026-10-02 (国庆节) move to the next working day.
    let n = studio::generate(
        &db,
        &cal,
        &staff,
        id,
        d("2026-09-21"),
        d("2026-10-11"),
        studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    assert_eq!(n, 3);
    let shifts = studio::shifts(&db, id, "2026-09-01", "2026-10-31")
        .await
        .unwrap();
    let got: Vec<(&str, &str, i64)> = shifts
        .iter()
        .map(|x| (x.day.as_str(), x.planned_day.as_str(), x.user_id))
        .collect();
    let m = |i: usize| s.members[i].0;
    assert_eq!(
        got,
        vec![
            ("2026-09-28", "2026-09-25", m(0)),
            ("2026-10-08", "2026-10-02", m(1)),
            ("2026-10-09", "2026-10-09", m(2))
        ]
    );
    // The next range goes on with the fourth member; regenerating a range keeps
    // its start.
    studio::generate(
        &db,
        &cal,
        &staff,
        id,
        d("2026-10-12"),
        d("2026-10-18"),
        studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    let next = studio::shifts(&db, id, "2026-10-12", "2026-10-18")
        .await
        .unwrap();
    assert_eq!(next[0].user_id, m(3));
    studio::generate(
        &db,
        &cal,
        &staff,
        id,
        d("2026-09-21"),
        d("2026-10-11"),
        studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    assert_eq!(
        studio::shifts(&db, id, "2026-09-01", "2026-10-11")
            .await
            .unwrap()[0]
            .user_id,
        m(0)
    );
    // Another district's staff may not touch it.
    assert!(matches!(
        studio::generate(
            &db,
            &cal,
            &beilin,
            id,
            d("2026-11-01"),
            d("2026-11-30"),
            studio::Regenerate::Keep
        )
        .await,
        Err(Error::Denied(_))
    ));

    // Swap the first two shifts; the same day twice is refused.
    let sh = studio::shifts(&db, id, "2026-09-01", "2026-10-11")
        .await
        .unwrap();
    studio::swap(&db, &staff, id, sh[0].id, sh[1].id)
        .await
        .unwrap();
    let swapped = studio::shifts(&db, id, "2026-09-01", "2026-10-11")
        .await
        .unwrap();
    assert_eq!((swapped[0].user_id, swapped[1].user_id), (m(1), m(0)));
    assert!(matches!(
        studio::swap(&db, &staff, id, sh[0].id, sh[0].id).await,
        Err(Error::Invalid { .. })
    ));

    // Check-in: only the member on duty, only on the day (China time), once.
    let first = &swapped[0];
    let on_duty = user::actor(&db, first.user_id).await.unwrap();
    let other = user::actor(&db, m(5)).await.unwrap();
    let day_ms = |s: &str| {
        d(s).and_hms_opt(9, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
            - 8 * 3_600_000
    };
    clock.store(day_ms("2026-09-27"), std::sync::atomic::Ordering::SeqCst);
    assert!(matches!(
        studio::check_in(&db, &on_duty, first.id).await,
        Err(Error::Invalid { .. })
    ));
    clock.store(day_ms("2026-09-28"), std::sync::atomic::Ordering::SeqCst);
    assert!(matches!(
        studio::check_in(&db, &other, first.id).await,
        Err(Error::NotFound)
    ));
    studio::check_in(&db, &on_duty, first.id).await.unwrap();
    assert!(matches!(
        studio::check_in(&db, &on_duty, first.id).await,
        Err(Error::Invalid { .. })
    ));
    let after = studio::shifts(&db, id, "2026-09-28", "2026-09-28")
        .await
        .unwrap();
    assert!(after[0].checked_in_at.is_some());
    // A checked-in shift survives regeneration and cannot be swapped.
    studio::generate(
        &db,
        &cal,
        &staff,
        id,
        d("2026-09-21"),
        d("2026-10-11"),
        studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    let kept = studio::shifts(&db, id, "2026-09-28", "2026-09-28")
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].checked_in_at.is_some());
    let later = studio::shifts(&db, id, "2026-10-08", "2026-10-08")
        .await
        .unwrap();
    assert!(matches!(
        studio::swap(&db, &staff, id, kept[0].id, later[0].id).await,
        Err(Error::Invalid { .. })
    ));
}

#[tokio::test]
async fn a_reception_becomes_a_concern_that_reaches_the_paired_member() {
    let clock = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let t = TestDb::new().await.unwrap();
    let db =
        t.db.clone()
            .with_clock(xieshang_store::Clock::Manual(clock.clone()));
    seed::load_demo(&db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let staff = actor(&t, "staff").await;
    let on_duty = actor(&t, "member-fh-01").await;
    let paired = actor(&t, "member-fh-07").await;
    let sealer = xieshang_store::seal::Sealer::from_hex(&"07".repeat(32)).unwrap();
    let day_ms = d("2026-11-27")
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 8 * 3_600_000;
    clock.store(day_ms, std::sync::atomic::Ordering::SeqCst);
    let (id, _, _) = studio::list(&db, &staff).await.unwrap()[0].clone();
    studio::generate(
        &db,
        &Calendar::builtin(),
        &staff,
        id,
        d("2026-11-27"),
        d("2026-11-27"),
        studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    let shift = studio::shifts(&db, id, "2026-11-27", "2026-11-27")
        .await
        .unwrap()[0]
        .clone();
    assert_eq!(shift.user_id, on_duty.user_id);

    // Before checking in, nothing can be logged.
    let phone = xieshang_core::personal::Phone::parse("13712345678").unwrap();
    let visit = xieshang_store::duty::reception::NewReception {
        name: Some("刘大爷"),
        phone: Some(&phone),
        matter: "凤凰社区第7网格楼下井盖松动，晚上踩上去会响，怕掉下去",
        action_taken: "记录并转交网格处理",
    };
    assert!(matches!(
        xieshang_store::duty::reception::log(
            &db,
            Some(&sealer),
            &on_duty,
            shift.id,
            visit.clone(),
            xieshang_store::duty::reception::FollowUp::None
        )
        .await,
        Err(Error::Invalid { .. })
    ));
    studio::check_in(&db, &on_duty, shift.id).await.unwrap();
    let (rid, none) = xieshang_store::duty::reception::log(
        &db,
        Some(&sealer),
        &on_duty,
        shift.id,
        visit.clone(),
        xieshang_store::duty::reception::FollowUp::None,
    )
    .await
    .unwrap();
    assert_eq!(none, None);
    let listed = xieshang_store::duty::reception::of_shift(&db, shift.id)
        .await
        .unwrap();
    assert_eq!(listed[0].phone.as_deref(), Some("137****5678"));
    assert_eq!(listed[0].name.as_deref(), Some("刘**"));

    // It becomes a concern in grid 7, recorded by the member on the studio channel.
    let grid = xieshang_store::org::by_code_unchecked(&db, "yanliang-fenghuang-g07")
        .await
        .unwrap();
    let code = xieshang_store::duty::reception::to_concern(
        &db,
        Some(&sealer),
        &on_duty,
        rid,
        grid.id,
        "road",
        "井盖松动",
    )
    .await
    .unwrap()
    .code;
    assert!(matches!(
        xieshang_store::duty::reception::to_concern(
            &db,
            Some(&sealer),
            &on_duty,
            rid,
            grid.id,
            "road",
            "又一次"
        )
        .await,
        Err(Error::Invalid { .. })
    ));
    assert_eq!(
        xieshang_store::duty::reception::of_shift(&db, shift.id)
            .await
            .unwrap()[0]
            .concern
            .as_deref(),
        Some(code.as_str())
    );
    // Logged with a concern that cannot be filed (no such category), nothing
    // lands: no reception, no concern.
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    let (receptions, concerns) = (
        count("SELECT COUNT(*) FROM receptions").await,
        count("SELECT COUNT(*) FROM concerns").await,
    );
    assert!(matches!(
        xieshang_store::duty::reception::log(
            &db,
            Some(&sealer),
            &on_duty,
            shift.id,
            visit,
            xieshang_store::duty::reception::FollowUp::Concern {
                area: grid.id,
                category: "no-such-category",
                title: "井盖",
            },
        )
        .await,
        Err(Error::Invalid { .. })
    ));
    assert_eq!(count("SELECT COUNT(*) FROM receptions").await, receptions);
    assert_eq!(count("SELECT COUNT(*) FROM concerns").await, concerns);
    let cid = xieshang_store::concern::id_by_code(&db, &code)
        .await
        .unwrap();
    let row =
        xieshang_store::concern::get(&db, &staff, xieshang_core::Permission::ConcernView, cid)
            .await
            .unwrap();
    assert_eq!(row.channel, "studio");
    assert!(row.recorded_by.is_some());
    let reporters = xieshang_store::concern::reporters(&db, cid).await.unwrap();
    assert_eq!(reporters[0].phone.as_deref(), Some("137****5678"));

    // Staff accept and assign it; the member paired with grid 7 has it in their queue.
    xieshang_store::item::transition(
        &db,
        &xieshang_core::item::CONCERN,
        cid,
        xieshang_core::item::Action::Accept,
        xieshang_store::item::By::User(&staff),
        None,
        &[],
    )
    .await
    .unwrap();
    let dept = xieshang_store::org::by_code_unchecked(&db, "yanliang-cgj")
        .await
        .unwrap();
    xieshang_store::concern::triage::assign(
        &db,
        &Calendar::builtin(),
        &Default::default(),
        &staff,
        cid,
        &[dept.id],
        dept.id,
        None,
    )
    .await
    .unwrap();
    let work = xieshang_store::concern::handling::my_work(&db, &paired)
        .await
        .unwrap();
    assert!(
        work.iter().any(|(r, _)| r.id == cid),
        "the paired member follows it"
    );
    // The visitor follows it by its code.
    assert_eq!(
        xieshang_store::concern::public_status(&db, &code)
            .await
            .unwrap()
            .state,
        "assigned"
    );
}

#[tokio::test]
async fn a_visitor_sealed_under_another_key_is_an_error_not_a_dropped_name() {
    let clock = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let t = TestDb::new().await.unwrap();
    let db =
        t.db.clone()
            .with_clock(xieshang_store::Clock::Manual(clock.clone()));
    seed::load_demo(&db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let staff = actor(&t, "staff").await;
    let on_duty = actor(&t, "member-fh-01").await;
    let sealer = xieshang_store::seal::Sealer::from_hex(&"07".repeat(32)).unwrap();
    let wrong = xieshang_store::seal::Sealer::from_hex(&"08".repeat(32)).unwrap();
    let day_ms = d("2026-11-27")
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 8 * 3_600_000;
    clock.store(day_ms, std::sync::atomic::Ordering::SeqCst);
    let (id, _, _) = studio::list(&db, &staff).await.unwrap()[0].clone();
    studio::generate(
        &db,
        &Calendar::builtin(),
        &staff,
        id,
        d("2026-11-27"),
        d("2026-11-27"),
        studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    let shift = studio::shifts(&db, id, "2026-11-27", "2026-11-27")
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.user_id == on_duty.user_id)
        .unwrap();
    studio::check_in(&db, &on_duty, shift.id).await.unwrap();
    let phone = xieshang_core::personal::Phone::parse("13712345678").unwrap();
    let (rid, _) = xieshang_store::duty::reception::log(
        &db,
        Some(&sealer),
        &on_duty,
        shift.id,
        xieshang_store::duty::reception::NewReception {
            name: Some("刘大爷"),
            phone: Some(&phone),
            matter: "井盖松动",
            action_taken: "记录",
        },
        xieshang_store::duty::reception::FollowUp::None,
    )
    .await
    .unwrap();
    let grid = xieshang_store::org::by_code_unchecked(&db, "yanliang-fenghuang-g07")
        .await
        .unwrap();
    let concerns = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM concerns")
            .fetch_one(db.pool())
            .await
            .unwrap()
    };
    let before = concerns().await;
    // Under another key, or with no key at all, the visitor's name and phone
    // do not open: the filing is refused with the sealing error, and no
    // concern without its reporter is filed.
    for key in [Some(&wrong), None] {
        let r = xieshang_store::duty::reception::to_concern(
            &db,
            key,
            &on_duty,
            rid,
            grid.id,
            "road",
            "井盖松动",
        )
        .await;
        assert!(
            matches!(
                r,
                Err(Error::Invalid {
                    key: "err.seal",
                    ..
                })
            ),
            "{r:?}"
        );
    }
    assert_eq!(concerns().await, before, "nothing filed");
    // With the right key it is filed, the visitor as its reporter.
    let code = xieshang_store::duty::reception::to_concern(
        &db,
        Some(&sealer),
        &on_duty,
        rid,
        grid.id,
        "road",
        "井盖松动",
    )
    .await
    .unwrap()
    .code;
    assert_eq!(concerns().await, before + 1);
    let cid = xieshang_store::concern::id_by_code(&db, &code)
        .await
        .unwrap();
    let reporters: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM concern_reporters WHERE concern_id = $1")
            .bind(cid)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(reporters, 1, "the visitor is the reporter");
}

#[tokio::test]
async fn scores_follow_the_rules_and_a_rule_change_recomputes_them() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let db = &t.db;
    let staff = actor(&t, "staff").await;
    let beilin = actor(&t, "staff-beilin").await;
    // A member with nothing else on last year's record (the demo gives
    // member-fh-01 a proposal accepted in last year's session).
    let member = actor(&t, "member-fh-12").await;
    // Last year, judged in full (this year's thresholds are pro rata: issue 26).
    let year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(db.now_ms())) - 1;
    for text in ["全会大会发言", "专题协商会发言"] {
        xieshang_store::duty::record::add_entry(
            db,
            &staff,
            member.user_id,
            year,
            "speech",
            text,
            "会议材料",
        )
        .await
        .unwrap();
    }
    let fenghuang = xieshang_store::org::by_code_unchecked(db, "yanliang-fenghuang")
        .await
        .unwrap();
    let score_of = |scores: &[xieshang_store::duty::scoring::Score]| {
        scores
            .iter()
            .find(|s| s.user_id == member.user_id)
            .cloned()
            .unwrap()
    };
    let before = xieshang_store::duty::scoring::scores(db, &staff, fenghuang.id, year)
        .await
        .unwrap();
    assert_eq!(before.len(), 22, "the street's member group");
    let s = score_of(&before);
    assert_eq!(s.total, 10, "two speeches at 5");
    // Issue 26: no shift was given to them, so no shift minimum applies and,
    // with no shortfall on a duty given, the low total is not 不称职.
    assert_eq!(s.grade, "competent");
    assert!(s.below_minimum.is_empty(), "{:?}", s.below_minimum);

    // Speeches now count 45 each: the score is recomputed, the grade follows.
    xieshang_store::duty::scoring::set_rule(
        db,
        &staff,
        fenghuang.id,
        "speech",
        45,
        None,
        None,
        None,
    )
    .await
    .unwrap();
    let after = score_of(
        &xieshang_store::duty::scoring::scores(db, &staff, fenghuang.id, year)
            .await
            .unwrap(),
    );
    assert_eq!(after.total, 90);
    assert_eq!(after.grade, "excellent");
    // A cap holds it; another district may not change Yanliang's rules.
    xieshang_store::duty::scoring::set_rule(
        db,
        &staff,
        fenghuang.id,
        "speech",
        45,
        Some(60),
        None,
        None,
    )
    .await
    .unwrap();
    let capped = score_of(
        &xieshang_store::duty::scoring::scores(db, &staff, fenghuang.id, year)
            .await
            .unwrap(),
    );
    assert_eq!(capped.total, 60);
    assert_eq!(capped.grade, "competent");
    assert!(matches!(
        xieshang_store::duty::scoring::set_rule(
            db,
            &beilin,
            fenghuang.id,
            "speech",
            1,
            None,
            None,
            None
        )
        .await,
        Err(Error::Denied(_))
    ));
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'scoring.rule'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(audited, 2);
}
