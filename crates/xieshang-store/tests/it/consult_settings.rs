//! A body's own rules of time for its consultations, the reminder the working
//! day before, email invitations queued for people with an address, and
//! participants' ratings after the consultation closes (issue 28, points 3, 4
//! and 8).

use crate::consult::{city, field_of, DAY, MONDAY};
use xieshang_core::calendar::Calendar;
use xieshang_store::consult::{self, action, rating, rules, ConcernsAfter, Invitee};
use xieshang_store::consult::{ParticipantRole, TimeRules};
use xieshang_store::db::Db;
use xieshang_store::{org, Error};

fn meeting(
    org_id: i64,
    starts_at: i64,
    short_notice_ok: bool,
) -> consult::NewConsultation<'static> {
    consult::NewConsultation {
        org_id,
        kind: "grassroots",
        topic: "背街小巷照明",
        description: "",
        starts_at,
        ends_at: starts_at + 3_600_000,
        room_id: None,
        place: Some("关山街道办事处二楼"),
        concerns: &[],
        plan_id: None,
        short_notice_ok,
    }
}

#[tokio::test]
async fn a_bodys_own_rules_of_time_decide_the_notice_warning() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let staff = crate::actor(&t, "staff").await;
    let guanshan = org::by_code_unchecked(&db, "yanliang-guanshan")
        .await
        .unwrap();
    // The street's default for a grassroots consultation: 5 working days.
    let default = rules::effective(&db, guanshan.id, "grassroots", guanshan.kind)
        .await
        .unwrap();
    assert_eq!(default.notice_days, 5);
    let in_seven = MONDAY + 9 * DAY; // Wednesday next week: 7 working days on
    consult::convene(&db, &cal, &staff, &meeting(guanshan.id, in_seven, false))
        .await
        .unwrap();

    // The body asks 10 days of notice for every kind: 7 is now too short.
    let ten = TimeRules {
        notice_days: 10,
        materials_days: 5,
        minutes_days: 7,
    };
    rules::set(&db, &staff, guanshan.id, "", ten).await.unwrap();
    let refused = consult::convene(&db, &cal, &staff, &meeting(guanshan.id, in_seven, false))
        .await
        .unwrap_err();
    assert_eq!(field_of(&refused), Some(("starts_at", "err.notice_rule")));
    // Confirmed: called, the warning kept with the body's rule in it.
    let id = consult::convene(&db, &cal, &staff, &meeting(guanshan.id, in_seven, true))
        .await
        .unwrap();
    let c = consult::get(&db, &staff, xieshang_core::Permission::ConsultationView, id)
        .await
        .unwrap();
    assert_eq!(
        c.rule_warning.as_deref(),
        Some("notice 7 working days, rule 10 working days")
    );

    // A rule for the kind goes before the rule for every kind.
    let three = TimeRules {
        notice_days: 3,
        materials_days: 2,
        minutes_days: 5,
    };
    rules::set(&db, &staff, guanshan.id, "grassroots", three)
        .await
        .unwrap();
    let id = consult::convene(&db, &cal, &staff, &meeting(guanshan.id, in_seven, false))
        .await
        .unwrap();
    let c = consult::get(&db, &staff, xieshang_core::Permission::ConsultationView, id)
        .await
        .unwrap();
    assert_eq!(c.rule_warning, None);
    assert_eq!(
        rules::own(&db, guanshan.id)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.kind.as_str(), r.rules.notice_days))
            .collect::<Vec<_>>(),
        vec![("", 10), ("grassroots", 3)]
    );
    // Changing a rule keeps one row.
    rules::set(&db, &staff, guanshan.id, "grassroots", ten)
        .await
        .unwrap();
    assert_eq!(rules::own(&db, guanshan.id).await.unwrap().len(), 2);

    // Bad input names its field.
    let too_many = TimeRules {
        notice_days: 61,
        ..ten
    };
    assert_eq!(
        rules::set(&db, &staff, guanshan.id, "", too_many)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("notice_days", "err.rule_days"))
    );
    let materials_first = TimeRules {
        notice_days: 3,
        materials_days: 5,
        minutes_days: 7,
    };
    assert_eq!(
        rules::set(&db, &staff, guanshan.id, "", materials_first)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("materials_days", "err.rule_materials"))
    );
    assert_eq!(
        rules::set(&db, &staff, guanshan.id, "no-such-kind", ten)
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("kind", "err.consult_kind"))
    );
    // Staff of another district may not touch this body's rules.
    let other = crate::actor(&t, "staff-beilin").await;
    assert!(matches!(
        rules::set(&db, &other, guanshan.id, "", ten).await,
        Err(Error::NotFound | Error::Denied(_))
    ));

    // Cleared, the defaults apply again; clearing twice is a 404.
    rules::clear(&db, &staff, guanshan.id, "grassroots")
        .await
        .unwrap();
    rules::clear(&db, &staff, guanshan.id, "").await.unwrap();
    assert_eq!(
        rules::effective(&db, guanshan.id, "grassroots", guanshan.kind)
            .await
            .unwrap(),
        default
    );
    assert!(matches!(
        rules::clear(&db, &staff, guanshan.id, "").await,
        Err(Error::NotFound)
    ));
    // Every change is in the audit log.
    let audited = crate::count(
        &t,
        "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'consultation_rules.%'",
    )
    .await;
    assert_eq!(audited, 5);
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

/// The notifications of `kind` a person has about consultation `id`.
async fn notices(db: &Db, id: i64, username: &str, kind: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id
          WHERE u.username = $1 AND n.kind = $2 AND n.item_kind = 'consultation'
            AND n.item_id = $3",
    )
    .bind(username)
    .bind(kind)
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn participants_are_emailed_and_reminded_the_working_day_before() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let staff = crate::actor(&t, "staff").await;
    let guanshan = org::by_code_unchecked(&db, "yanliang-guanshan")
        .await
        .unwrap();
    let cgj = org::by_code_unchecked(&db, "yanliang-cgj").await.unwrap();
    // Monday two weeks on: the reminder goes out on the Friday before, 09:00.
    let starts = MONDAY + 14 * DAY + 3_600_000;
    let id = consult::convene(&db, &cal, &staff, &meeting(guanshan.id, starts, false))
        .await
        .unwrap();
    sqlx::query("UPDATE users SET email = 'gs01@example.org' WHERE username = 'member-gs-01'")
        .execute(db.pool())
        .await
        .unwrap();
    let member = xieshang_store::account::user::credentials(&db, "member-gs-01")
        .await
        .unwrap()
        .unwrap();
    consult::invite(
        &db,
        None,
        &staff,
        id,
        &Invitee::Person {
            role: ParticipantRole::Member,
            user_id: member.id,
        },
    )
    .await
    .unwrap();
    consult::invite(
        &db,
        None,
        &staff,
        id,
        &Invitee::Unit {
            org_id: cgj.id,
            representative: "王科长",
        },
    )
    .await
    .unwrap();
    // The invitation: in the app, and an email job for the one address.
    assert_eq!(notices(&db, id, "member-gs-01", "invited").await, 1);
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM jobs WHERE kind = 'consultation_email' ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(emails.len(), 1, "{emails:?}");
    let p: serde_json::Value = serde_json::from_str(&emails[0]).unwrap();
    assert_eq!(p["to"], "gs01@example.org");
    assert_eq!(p["event"], "invited");
    assert_eq!(p["consultation_id"], id);

    // Not yet: nothing on Thursday.
    let friday_nine = MONDAY + 11 * DAY;
    db.clock().advance_ms(friday_nine - MONDAY - 60_000);
    worker(&db).run_until_idle().await.unwrap();
    assert_eq!(
        notices(&db, id, "member-gs-01", "meeting_reminder").await,
        0
    );
    // A second member is invited and declines through the product; on
    // Friday 09:00 the first member and the department's handler hear again,
    // the one who declined does not.
    let fh = crate::actor(&t, "member-fh-01").await;
    consult::invite(
        &db,
        None,
        &staff,
        id,
        &Invitee::Person {
            role: ParticipantRole::Member,
            user_id: fh.user_id,
        },
    )
    .await
    .unwrap();
    consult::answer(&db, &fh, id, "decline", None)
        .await
        .unwrap();
    db.clock().advance_ms(60_000);
    worker(&db).run_until_idle().await.unwrap();
    assert_eq!(
        notices(&db, id, "member-gs-01", "meeting_reminder").await,
        1
    );
    assert_eq!(notices(&db, id, "handler", "meeting_reminder").await, 1);
    assert_eq!(
        notices(&db, id, "member-fh-01", "meeting_reminder").await,
        0
    );
    assert_eq!(notices(&db, id, "member-fh-01", "invited").await, 1);
    let reminder_emails: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'consultation_email' AND payload LIKE '%reminder%'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(reminder_emails, 1);
    // Without SMTP the email jobs are done, not failed over and over.
    assert_eq!(xieshang_store::jobs::given_up_count(&db).await.unwrap(), 0);
    let failing: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND attempts > 0")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(failing, 0);

    // A meeting cancelled before its reminder reminds nobody.
    let later = MONDAY + 28 * DAY + 3_600_000;
    let off = consult::convene(&db, &cal, &staff, &meeting(guanshan.id, later, false))
        .await
        .unwrap();
    consult::invite(
        &db,
        None,
        &staff,
        off,
        &Invitee::Person {
            role: ParticipantRole::Member,
            user_id: member.id,
        },
    )
    .await
    .unwrap();
    consult::cancel(&db, &staff, off, "场地改作他用")
        .await
        .unwrap();
    db.clock().advance_ms(20 * DAY);
    worker(&db).run_until_idle().await.unwrap();
    assert_eq!(
        notices(&db, off, "member-gs-01", "meeting_reminder").await,
        0
    );
    assert_eq!(notices(&db, off, "member-gs-01", "invited").await, 1);
}

#[tokio::test]
async fn participants_rate_a_consultation_once_it_closes() {
    let (t, db) = city().await;
    let cal = Calendar::builtin();
    let staff = crate::actor(&t, "staff").await;
    let guanshan = org::by_code_unchecked(&db, "yanliang-guanshan")
        .await
        .unwrap();
    let cgj = org::by_code_unchecked(&db, "yanliang-cgj").await.unwrap();
    let starts = MONDAY + 14 * DAY;
    let id = consult::convene(&db, &cal, &staff, &meeting(guanshan.id, starts, false))
        .await
        .unwrap();
    let m = crate::actor(&t, "member-gs-01").await;
    consult::invite(
        &db,
        None,
        &staff,
        id,
        &Invitee::Person {
            role: ParticipantRole::Member,
            user_id: m.user_id,
        },
    )
    .await
    .unwrap();
    // Not before it closes.
    assert_eq!(
        rating::rate(&db, &m, id, "satisfied", "")
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("rating", "err.rate_closed"))
    );
    db.clock().advance_ms(14 * DAY);
    consult::hold(&db, &staff, id, "议定增设路灯", &[], &[])
        .await
        .unwrap();
    let a = action::add(&db, &cal, &staff, id, Some(cgj.id), "增设路灯", "", Some(3))
        .await
        .unwrap();
    action::act(&db, &staff, a, "resolve", "路灯已装")
        .await
        .unwrap();
    consult::close(&db, &cal, 7, &staff, id, ConcernsAfter::LeaveOpen, "", true)
        .await
        .unwrap();

    // A rating that is not one of the three, and a comment too long.
    assert_eq!(
        rating::rate(&db, &m, id, "great", "")
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("rating", "err.rating"))
    );
    assert_eq!(
        rating::rate(&db, &m, id, "satisfied", &"长".repeat(501))
            .await
            .err()
            .as_ref()
            .and_then(field_of),
        Some(("comment", "err.too_long"))
    );
    rating::rate(&db, &m, id, "basically_satisfied", "时间有点紧")
        .await
        .unwrap();
    // Changed, still one rating.
    rating::rate(&db, &m, id, "satisfied", "路灯装得快")
        .await
        .unwrap();
    let mine = rating::mine(&db, id, m.user_id).await.unwrap().unwrap();
    assert_eq!(mine.rating, "satisfied");
    assert_eq!(mine.comment.as_deref(), Some("路灯装得快"));
    let s = rating::summary(&db, id).await.unwrap();
    assert_eq!(s.counts, [1, 0, 0]);
    assert_eq!(
        s.comments,
        vec![("satisfied".to_owned(), "路灯装得快".to_owned())]
    );
    // Someone not invited cannot rate: staff read it, but were not there.
    assert!(matches!(
        rating::rate(&db, &staff, id, "unsatisfied", "").await,
        Err(Error::Denied(_))
    ));
    // A member of the body who was not invited cannot even see it.
    let other = crate::actor(&t, "member-fh-01").await;
    assert!(matches!(
        rating::rate(&db, &other, id, "unsatisfied", "").await,
        Err(Error::NotFound | Error::Denied(_))
    ));
    assert_eq!(rating::summary(&db, id).await.unwrap().counts, [1, 0, 0]);
}

/// The same rule set at the same instant through two pools (two server
/// processes): one row, every call succeeds (an update-then-insert failed
/// the second writer on the unique key).
#[tokio::test]
async fn a_rule_set_twice_at_once_is_one_row() {
    let (t, db) = city().await;
    let staff = crate::actor(&t, "staff").await;
    let guanshan = org::by_code_unchecked(&db, "yanliang-guanshan")
        .await
        .unwrap();
    let other = Db::connect(&t.url).await.unwrap();
    let mut calls = Vec::new();
    for n in 0..8u32 {
        let db = if n % 2 == 0 {
            db.clone()
        } else {
            other.clone()
        };
        let staff = staff.clone();
        let org = guanshan.id;
        calls.push(tokio::spawn(async move {
            let r = TimeRules {
                notice_days: 5 + n,
                materials_days: 3,
                minutes_days: 7,
            };
            rules::set(&db, &staff, org, "grassroots", r).await
        }));
    }
    for c in calls {
        c.await.unwrap().unwrap();
    }
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM consultation_rules WHERE org_id = $1 AND kind_code = 'grassroots'",
    )
    .bind(guanshan.id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(rows, 1);
}
