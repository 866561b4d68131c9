//! Study and exchange (issue 30 point 5): materials published by staff to a
//! body's or a group's members (read from the roster), opened and confirmed
//! once, counted in the duty record, listed as due for the phone home; and
//! discussion threads with staff moderation (hidden, kept, audited).

use crate::{actor, count, HASH};
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use xieshang_core::Actor;
use xieshang_store::db::{Clock, Db};
use xieshang_store::study::{self, Reader, Voice};
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed, Error};

/// 2026-03-02 09:00 China time (a Monday).
const NOW: i64 = 1_772_413_200_000;
const DAY: i64 = 86_400_000;

async fn city() -> (TestDb, Db) {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let db =
        t.db.clone()
            .with_clock(Clock::Manual(Arc::new(AtomicI64::new(NOW))));
    (t, db)
}

fn field_of(e: &Error) -> Option<(&'static str, &'static str)> {
    match e {
        Error::Invalid { field, key, .. } => Some((*field, *key)),
        _ => None,
    }
}

async fn unit(db: &Db, code: &str) -> i64 {
    org::by_code_unchecked(db, code).await.unwrap().id
}

async fn publish(db: &Db, staff: &Actor, audience: i64, title: &str, due: &str) -> i64 {
    study::publish(
        db,
        staff,
        audience,
        title,
        "认真学习，结合履职实际撰写心得。",
        "https://www.cppcc.gov.cn/\n",
        due,
        &[],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn materials_reach_their_audience_and_readings_count_once() {
    let (t, db) = city().await;
    let staff = actor(&t, "staff").await;
    let gs = actor(&t, "member-gs-01").await;
    let fh = actor(&t, "member-fh-01").await;
    let guanshan = unit(&db, "yanliang-guanshan").await;
    let yanliang = unit(&db, "yanliang").await;

    // One for the 关山 group, due later; one for the whole district, due sooner.
    let group = publish(&db, &staff, guanshan, "关山组学习材料", "2026-03-20").await;
    let district = publish(&db, &staff, yanliang, "全区委员学习材料", "2026-03-10").await;

    // Due for the group's member: both, the nearest due first; for a
    // Fenghuang member only the district's.
    let due: Vec<i64> = study::due_for(&db, gs.user_id, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .filter(|id| [group, district].contains(id))
        .collect();
    assert_eq!(due, vec![district, group]);
    let fh_due: Vec<i64> = study::due_for(&db, fh.user_id, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert!(fh_due.contains(&district) && !fh_due.contains(&group));
    let d = study::due_for(&db, gs.user_id, 1).await.unwrap();
    assert_eq!(d.len(), 1, "the limit holds");
    // Due at the end of the due day, China time.
    let m = study::get(&db, &gs, district).await.unwrap().0;
    assert_eq!(
        m.due_at,
        study::end_of_day_ms(chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap())
    );
    assert_eq!(m.links, vec!["https://www.cppcc.gov.cn/".to_owned()]);

    // Someone outside the audience: not found.
    assert!(matches!(
        study::get(&db, &fh, group).await,
        Err(Error::NotFound)
    ));
    let beilin_staff = actor(&t, "staff-beilin").await;
    assert!(matches!(
        study::get(&db, &beilin_staff, group).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        study::confirm(&db, &fh, group).await,
        Err(Error::NotFound)
    ));

    // Opening records the first time only.
    let (_, reader, r) = study::open(&db, &gs, group).await.unwrap();
    assert_eq!(reader, Reader::Member);
    assert_eq!(r.opened_at, Some(NOW));
    assert_eq!(r.confirmed_at, None);
    db.clock().advance_ms(60_000);
    let (_, _, r) = study::open(&db, &gs, group).await.unwrap();
    assert_eq!(r.opened_at, Some(NOW));

    // Confirming: once; again changes nothing.
    let r = study::confirm(&db, &gs, group).await.unwrap();
    assert_eq!(r.confirmed_at, Some(NOW + 60_000));
    db.clock().advance_ms(DAY);
    let r = study::confirm(&db, &gs, group).await.unwrap();
    assert_eq!(r.confirmed_at, Some(NOW + 60_000));
    assert_eq!(
        count(
            &t,
            &format!("SELECT COUNT(*) FROM study_readings WHERE material_id = {group}")
        )
        .await,
        1
    );
    // Confirmed without opening first: opened then too.
    let r = study::confirm(&db, &fh, district).await.unwrap();
    assert_eq!(r.opened_at, r.confirmed_at);

    // No longer due.
    let due: Vec<i64> = study::due_for(&db, gs.user_id, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert!(due.contains(&district) && !due.contains(&group));
    // The member's list: the unconfirmed first.
    let mine: Vec<(i64, bool)> = study::mine(&db, &gs)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| [group, district].contains(&m.id))
        .map(|m| (m.id, m.confirmed_at.is_some()))
        .collect();
    assert_eq!(mine, vec![(district, false), (group, true)]);

    // Staff's reading list: the group's members, who confirmed last.
    let readers = study::readers(&db, &staff, group).await.unwrap();
    assert!(!readers.is_empty());
    let gs_line = readers.iter().find(|r| r.user_id == gs.user_id).unwrap();
    assert_eq!(gs_line.confirmed_at, Some(NOW + 60_000));
    assert_eq!(gs_line.opened_at, Some(NOW));
    assert!(readers.iter().all(|r| r.user_id != fh.user_id));
    assert_eq!(readers.last().unwrap().user_id, gs.user_id);
    let listed = study::published(&db, &staff).await.unwrap();
    let row = listed.iter().find(|p| p.id == group).unwrap();
    assert_eq!((row.readers, row.confirmed), (readers.len() as i64, 1));
    assert!(study::published(&db, &beilin_staff)
        .await
        .unwrap()
        .iter()
        .all(|p| p.id != group && p.id != district));
    // Members do not read the list; another district's staff do not see it.
    assert!(matches!(
        study::readers(&db, &gs, group).await,
        Err(Error::Denied(_))
    ));
    assert!(matches!(
        study::readers(&db, &beilin_staff, group).await,
        Err(Error::NotFound)
    ));

    // The duty record counts each confirmed reading once, in its year.
    let rec = xieshang_store::duty::record::for_member(&db, gs.user_id, 2026)
        .await
        .unwrap();
    assert_eq!(rec.readings_confirmed, 1);
    let rec = xieshang_store::duty::record::for_member(&db, gs.user_id, 2025)
        .await
        .unwrap();
    assert_eq!(rec.readings_confirmed, 0);

    // Publishing was audited.
    assert_eq!(
        count(
            &t,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'study.publish'
                   AND entity_id = '{group}'"
            )
        )
        .await,
        1
    );
}

#[tokio::test]
async fn bad_materials_are_refused_naming_the_field() {
    let (t, db) = city().await;
    let staff = actor(&t, "staff").await;
    let gs = actor(&t, "member-gs-01").await;
    let guanshan = unit(&db, "yanliang-guanshan").await;
    let before = count(&t, "SELECT COUNT(*) FROM study_materials").await;
    let try_ = |title: &'static str, text: &'static str, links: &'static str, due: &'static str| {
        let (db, staff) = (db.clone(), staff.clone());
        async move {
            study::publish(&db, &staff, guanshan, title, text, links, due, &[])
                .await
                .unwrap_err()
        }
    };
    let e = try_(" ", "正文", "", "2026-03-20").await;
    assert_eq!(field_of(&e), Some(("title", "err.study.title")));
    let e = try_("标题", "  ", "", "2026-03-20").await;
    assert_eq!(field_of(&e), Some(("text", "err.study.text")));
    let e = try_("标题", "正文", "javascript:alert(1)", "2026-03-20").await;
    assert_eq!(field_of(&e), Some(("links", "err.study.link")));
    let e = try_("标题", "正文", "", "2026-03-01").await;
    assert_eq!(field_of(&e), Some(("due_on", "err.study.due")));
    let e = try_("标题", "正文", "", "").await;
    assert_eq!(field_of(&e), Some(("due_on", "err.study.due")));
    // Today is still fine.
    study::publish(
        &db,
        &staff,
        guanshan,
        "今天到期",
        "正文",
        "",
        "2026-03-02",
        &[],
    )
    .await
    .unwrap();

    // A unit that is not a body or a group, or outside the scope.
    let grid = unit(&db, "yanliang-guanshan-g01").await;
    let e = study::publish(&db, &staff, grid, "标题", "正文", "", "2026-03-20", &[])
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("audience", "err.study.audience")));
    let beilin_staff = actor(&t, "staff-beilin").await;
    let e = study::publish(
        &db,
        &beilin_staff,
        guanshan,
        "标题",
        "正文",
        "",
        "2026-03-20",
        &[],
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&e), Some(("audience", "err.study.audience")));
    // Members do not publish.
    assert!(matches!(
        study::publish(&db, &gs, guanshan, "标题", "正文", "", "2026-03-20", &[]).await,
        Err(Error::Denied(_))
    ));
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM study_materials").await,
        before + 1
    );
}

#[tokio::test]
async fn files_are_checked_and_served_to_the_audience() {
    let (t, db) = city().await;
    let staff = actor(&t, "staff").await;
    let gs = actor(&t, "member-gs-01").await;
    let fh = actor(&t, "member-fh-01").await;
    let guanshan = unit(&db, "yanliang-guanshan").await;
    assert!(matches!(
        study::check("a.pdf", b"<html>".to_vec()),
        Err(Error::Invalid {
            key: "err.material_type",
            ..
        })
    ));
    let pdf = study::check("学习读本.pdf", b"%PDF-1.7\n%%EOF".to_vec()).unwrap();
    let id = study::publish(
        &db,
        &staff,
        guanshan,
        "附件材料",
        "见附件。",
        "",
        "2026-03-20",
        &[pdf],
    )
    .await
    .unwrap();
    let files = study::files(&db, id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name, "学习读本.pdf");
    let (f, bytes) = study::file(&db, &gs, id, files[0].id).await.unwrap();
    assert_eq!(f.kind.content_type(), "application/pdf");
    assert_eq!(bytes, b"%PDF-1.7\n%%EOF");
    assert!(matches!(
        study::file(&db, &fh, id, files[0].id).await,
        Err(Error::NotFound)
    ));
    // Another material's file by this material's id: not found.
    let other = publish(&db, &staff, guanshan, "另一份", "2026-03-20").await;
    assert!(matches!(
        study::file(&db, &gs, other, files[0].id).await,
        Err(Error::NotFound)
    ));
    let too_many: Vec<_> = (0..6)
        .map(|i| study::check(&format!("{i}.pdf"), b"%PDF-1.7".to_vec()).unwrap())
        .collect();
    let e = study::publish(
        &db,
        &staff,
        guanshan,
        "多",
        "多",
        "",
        "2026-03-20",
        &too_many,
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&e), Some(("file", "err.study.files")));
}

#[tokio::test]
async fn threads_are_the_bodys_and_staff_hide_posts_keeping_them() {
    let (t, db) = city().await;
    let staff = actor(&t, "staff").await;
    let gs = actor(&t, "member-gs-01").await;
    let fh = actor(&t, "member-fh-01").await;
    let beilin_staff = actor(&t, "staff-beilin").await;
    let yanliang = unit(&db, "yanliang").await;
    let beilin = unit(&db, "beilin").await;

    // The forums: a member's own body; staff's bodies.
    let forums = study::forums(&db, &gs).await.unwrap();
    assert_eq!(
        forums.iter().map(|f| f.0).collect::<Vec<_>>(),
        vec![yanliang]
    );
    assert!(study::forums(&db, &beilin_staff)
        .await
        .unwrap()
        .iter()
        .all(|f| f.0 != yanliang));

    // A member opens a topic; another member and staff reply.
    let topic = study::open_topic(&db, &gs, yanliang, "学习体会交流", "谈谈学习体会。")
        .await
        .unwrap();
    db.clock().advance_ms(1000);
    let rude = study::reply(&db, &fh, topic, "不当言论原文").await.unwrap();
    study::reply(&db, &staff, topic, "欢迎大家发言。")
        .await
        .unwrap();
    // Outsiders: not found, nothing written.
    assert!(matches!(
        study::reply(&db, &beilin_staff, topic, "外区").await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        study::open_topic(&db, &gs, beilin, "外区话题", "内容").await,
        Err(Error::Invalid { field: "body", .. })
    ));
    assert!(matches!(
        study::thread(&db, &beilin_staff, topic).await,
        Err(Error::NotFound)
    ));
    assert!(study::topics(&db, &beilin_staff)
        .await
        .unwrap()
        .iter()
        .all(|x| x.id != topic));
    // Bad input.
    let e = study::reply(&db, &gs, topic, "  \n ").await.unwrap_err();
    assert_eq!(field_of(&e), Some(("text", "err.study.post")));
    let e = study::open_topic(&db, &gs, yanliang, " ", "内容")
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("topic_title", "err.study.title")));

    let listed = study::topics(&db, &fh).await.unwrap();
    let row = listed.iter().find(|x| x.id == topic).unwrap();
    assert_eq!(row.posts, 3);

    // Only staff hide, with a reason.
    assert!(matches!(
        study::hide(&db, &gs, rude, "不当").await,
        Err(Error::Denied(_))
    ));
    assert!(matches!(
        study::hide(&db, &beilin_staff, rude, "不当").await,
        Err(Error::NotFound)
    ));
    let e = study::hide(&db, &staff, rude, "  ").await.unwrap_err();
    assert_eq!(field_of(&e), Some(("reason", "err.study.reason")));
    assert_eq!(
        study::hide(&db, &staff, rude, "含人身攻击").await.unwrap(),
        topic
    );
    // Again: nothing more.
    study::hide(&db, &staff, rude, "再次").await.unwrap();

    // Members see that staff hid it and why; staff read the original.
    let (_, posts, voice) = study::thread(&db, &fh, topic).await.unwrap();
    assert_eq!(voice, Voice::Member);
    let p = posts.iter().find(|p| p.id == rude).unwrap();
    assert_eq!(p.text, "");
    assert_eq!(p.hidden.as_ref().unwrap().reason, "含人身攻击");
    let (_, posts, voice) = study::thread(&db, &staff, topic).await.unwrap();
    assert_eq!(voice, Voice::Staff);
    let p = posts.iter().find(|p| p.id == rude).unwrap();
    assert_eq!(p.text, "不当言论原文");
    assert_eq!(p.hidden.as_ref().unwrap().reason, "含人身攻击");
    // Kept in the table, and audited once with the original.
    assert_eq!(
        count(
            &t,
            &format!(
                "SELECT COUNT(*) FROM study_posts WHERE id = {rude} AND text = '不当言论原文'"
            )
        )
        .await,
        1
    );
    let before: String = sqlx::query_scalar(
        "SELECT before_json FROM audit_log WHERE action = 'study.post_hide' AND entity_id = $1",
    )
    .bind(rude.to_string())
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert!(before.contains("不当言论原文"), "{before}");
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'study.post_hide'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_demo_has_a_material_for_the_districts_members_and_a_topic() {
    let (t, db) = city().await;
    let gs = actor(&t, "member-gs-01").await;
    let fh = actor(&t, "member-fh-01").await;
    let beilin_staff = actor(&t, "staff-beilin").await;
    for m in [&gs, &fh] {
        let due = study::due_for(&db, m.user_id, 10).await.unwrap();
        assert_eq!(due.len(), 1, "one demo material for each district member");
        assert!(due[0].title.contains("基层协商民主"));
    }
    assert!(study::published(&db, &beilin_staff)
        .await
        .unwrap()
        .is_empty());
    let topics = study::topics(&db, &fh).await.unwrap();
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].posts, 1);
}

#[tokio::test]
async fn datagen_writes_reading_records_that_the_duty_record_counts() {
    let t = TestDb::new().await.unwrap();
    crate::generated_city(&t, 200, 60, 2, 7).await;
    let materials = count(&t, "SELECT COUNT(*) FROM study_materials").await;
    assert_eq!(materials, 13 * 2 * 4, "a material per district per quarter");
    let confirmed = count(
        &t,
        "SELECT COUNT(*) FROM study_readings WHERE confirmed_at IS NOT NULL",
    )
    .await;
    assert!(confirmed > 0);
    // Each reading belongs to a member of the material's body.
    let stray = count(
        &t,
        "SELECT COUNT(*) FROM study_readings x JOIN study_materials m ON m.id = x.material_id
           WHERE NOT EXISTS (SELECT 1 FROM grants g JOIN orgs o ON o.id = g.org_id
                 WHERE g.user_id = x.user_id AND g.role = 'member' AND o.parent_id = m.body_id)",
    )
    .await;
    assert_eq!(stray, 0);
    let (user, at): (i64, i64) = sqlx::query_as(
        "SELECT user_id, confirmed_at FROM study_readings WHERE confirmed_at IS NOT NULL
          ORDER BY confirmed_at DESC LIMIT 1",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    let year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(at));
    let rec = xieshang_store::duty::record::for_member(&t.db, user, year)
        .await
        .unwrap();
    assert!(rec.readings_confirmed >= 1);
}
