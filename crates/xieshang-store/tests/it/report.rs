//! Public-opinion reports (issue 30 points 1-4, 7 and 10): submitted by a
//! member, a member group or an informant, from scratch or from a reception,
//! a concern or a converted proposal; edited with every version kept;
//! merged; decided; forwarded up the levels with adoptions and leaders'
//! instructions; points into the duty record; figures; the member's news.

use crate::{actor, HASH};
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use xieshang_core::item::State;
use xieshang_core::report::{Level, RawInstruction, Rules, Text};
use xieshang_core::{Actor, Role};
use xieshang_store::account::user;
use xieshang_store::db::{Clock, Db};
use xieshang_store::report::edit::{self, Decision};
use xieshang_store::report::{self, levels, points, NewReport, Origin};
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed, Error};

fn key_of(e: &Error) -> Option<(&'static str, &'static str)> {
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

fn year_of(db: &Db) -> i32 {
    use chrono::Datelike;
    xieshang_core::calendar::cst_date(db.now_ms()).year()
}

/// A new account with `role` over the unit of `code`.
async fn account(t: &TestDb, username: &str, role: Role, code: &str) -> Actor {
    let admin = actor(t, "admin").await;
    let unit = org::by_code_unchecked(&t.db, code).await.unwrap();
    let id = user::create(&t.db, &admin, username, "新账号", HASH, unit.id)
        .await
        .unwrap();
    user::grant(&t.db, &admin, id, role, unit.id).await.unwrap();
    user::actor(&t.db, id).await.unwrap()
}

async fn beilin_staff(t: &TestDb) -> Actor {
    actor(t, "staff-beilin").await
}

fn scratch<'a>(title: &'a str, matter: &'a str) -> NewReport<'a> {
    NewReport {
        title,
        matter,
        for_group: false,
        origin: Origin::Scratch,
    }
}

const MATTER: &str = "关山街道某小区居民在楼道内给电动自行车充电，飞线充电现象普遍。\n建议增设集中充电桩，加强巡查。";
const TITLE: &str = "关于加强老旧小区电动自行车充电安全管理的建议";

#[tokio::test]
async fn members_groups_and_informants_submit_within_the_cap() {
    let (t, db) = city().await;
    let member = actor(&t, "member-gs-01").await;
    // Bad input: over the cap, an empty matter, no title; nothing written.
    let long = "字".repeat(1_501);
    let e = report::submit(&db, &member, &scratch("充电", &long))
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("matter", "err.report.over_cap")));
    let e = report::submit(&db, &member, &scratch("充电", "  \n "))
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("matter", "err.report.matter")));
    let e = report::submit(&db, &member, &scratch("", MATTER))
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("title", "err.report.title")));
    // (The sample city has six reports of its own.)
    assert_eq!(
        crate::count(&t, "SELECT COUNT(*) FROM opinion_reports").await,
        6
    );
    // Exactly at the cap is fine.
    let at_cap = "字".repeat(1_500);
    let own = report::submit(&db, &member, &scratch("充电", &at_cap))
        .await
        .unwrap();
    // On behalf of the member's group (their street's liaison group).
    let group = NewReport {
        for_group: true,
        ..scratch("楼道充电", MATTER)
    };
    let g = report::submit(&db, &member, &group).await.unwrap();
    let r = report::get(&db, &member, xieshang_core::Permission::ReportView, g)
        .await
        .unwrap();
    assert_eq!(r.group.as_ref().map(|g| g.1.as_str()), Some("关山街道"));
    assert_eq!(r.state, "submitted");
    assert_eq!(r.submitted.matter, MATTER);
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    assert_eq!(r.org_id, yanliang.id);

    // An informant: an account that submits reports and nothing else.
    let informant = account(&t, "informant-1", Role::Informant, "yanliang-guanshan").await;
    let e = report::submit(&db, &informant, &group).await.unwrap_err();
    assert_eq!(key_of(&e), Some(("for_group", "err.report.no_group")));
    let i = report::submit(&db, &informant, &scratch("井盖松动", "凤凰路井盖松动。"))
        .await
        .unwrap();
    assert!(
        report::get(&db, &informant, xieshang_core::Permission::ReportView, own)
            .await
            .is_err()
    );
    assert!(
        report::get(&db, &informant, xieshang_core::Permission::ReportView, i)
            .await
            .is_ok()
    );
    assert!(report::queue(&db, &informant, &[], 0)
        .await
        .unwrap()
        .is_empty());
    // The office's queue lists all three, the latest first (then the one
    // the sample city's informant submitted); another district's staff see
    // none.
    let staff = actor(&t, "staff").await;
    let q = report::queue(&db, &staff, &["submitted"], 0).await.unwrap();
    assert_eq!(
        q.iter().map(|r| r.id).take(3).collect::<Vec<_>>(),
        [i, g, own]
    );
    assert_eq!(q.len(), 4);
    assert_eq!(
        report::waiting(&db, &staff).await.unwrap(),
        5,
        "and one in editing"
    );
    assert_eq!(
        report::waiting(&db, &beilin_staff(&t).await).await.unwrap(),
        0
    );
    let beilin = actor(&t, "staff-beilin").await;
    assert!(report::queue(&db, &beilin, &[], 0)
        .await
        .unwrap()
        .is_empty());
    // A body's own cap.
    let rules = Rules {
        cap: 200,
        ..Rules::default()
    };
    report::set_rules(&db, &staff, yanliang.id, &rules)
        .await
        .unwrap();
    let e = report::submit(&db, &member, &scratch("充电", &"字".repeat(201)))
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("matter", "err.report.over_cap")));
    assert!(report::set_rules(&db, &beilin, yanliang.id, &rules)
        .await
        .is_err());
}

/// The office's queue over several bodies (the city's staff see the city's
/// districts): their reports merged, the latest first, page after page, and
/// the state filter; a district's staff see their own body's alone.
#[tokio::test]
async fn the_queue_merges_the_bodies_page_by_page() {
    let (t, db) = city().await;
    let member = actor(&t, "member-gs-01").await;
    let informant = account(&t, "informant-bl", Role::Informant, "beilin").await;
    // The sample city's six, all 阎良区's, one of them kept, one submitted.
    let demo: Vec<i64> = sqlx::query_scalar("SELECT id FROM opinion_reports ORDER BY id DESC")
        .fetch_all(t.db.pool())
        .await
        .unwrap();
    assert_eq!(demo.len(), 6);
    // 60 reports, alternating between the two districts' bodies.
    let (mut ids, mut yanliang) = (Vec::new(), Vec::new());
    for n in 0..60 {
        let who = if n % 2 == 0 { &member } else { &informant };
        let id = report::submit(&db, who, &scratch(&format!("第{n}件"), MATTER))
            .await
            .unwrap();
        ids.push(id);
        if n % 2 == 0 {
            yanliang.push(id);
        }
    }
    ids.reverse();
    yanliang.reverse();
    ids.extend(&demo);
    let staff = actor(&t, "staff").await;
    edit::decide(&db, &staff, yanliang[0], Decision::Keep, "")
        .await
        .unwrap();

    let city_staff = actor(&t, "staff-city").await;
    let first = report::queue(&db, &city_staff, &[], 0).await.unwrap();
    let second = report::queue(&db, &city_staff, &[], 1).await.unwrap();
    let seen: Vec<i64> = first.iter().chain(&second).map(|r| r.id).collect();
    assert_eq!(first.len() as i64, report::PAGE);
    assert_eq!(second.len(), 16);
    assert_eq!(seen, ids);
    assert!(report::queue(&db, &city_staff, &[], 2)
        .await
        .unwrap()
        .is_empty());
    let kept = report::queue(&db, &city_staff, &["kept"], 0).await.unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].id, yanliang[0]);
    assert!(demo.contains(&kept[1].id));
    // 59 of this test's and the informant's of the sample city.
    let submitted = report::queue(&db, &city_staff, &["submitted"], 1)
        .await
        .unwrap();
    assert_eq!(submitted.len(), 10);
    assert_eq!(submitted.last().map(|r| r.id), Some(demo[0]));

    // Yanliang's staff: their 30, the latest first.
    let own: Vec<i64> = report::queue(&db, &staff, &[], 0)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    yanliang.extend(&demo);
    assert_eq!(own, yanliang);
}

#[tokio::test]
async fn receptions_concerns_and_converted_proposals_become_reports() {
    use xieshang_store::concern::triage::ConvertTo;
    use xieshang_store::duty::reception;
    let (t, db) = city().await;
    let member = actor(&t, "member-gs-01").await;
    let (rid, _) = reception::log_outside_shift(
        &db,
        None,
        &member,
        reception::NewReception {
            name: None,
            phone: None,
            matter: "楼道里电动自行车充电，飞线很多\n居民担心起火",
            action_taken: "记录，作为社情民意反映",
        },
        reception::FollowUp::None,
    )
    .await
    .unwrap();
    reception::mark_lead(&db, &member, rid, ConvertTo::OpinionReport)
        .await
        .unwrap();
    let open = report::open_links(&db, &member).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].from_kind, "reception");
    assert_eq!(open[0].title, "楼道里电动自行车充电，飞线很多");
    // Another member does not see it, nor may take it.
    let other = actor(&t, "member-fh-01").await;
    assert!(report::open_links(&db, &other).await.unwrap().is_empty());
    let from_link = NewReport {
        origin: Origin::Link(open[0].id),
        ..scratch(&open[0].title, &open[0].text)
    };
    let e = report::submit(&db, &other, &from_link).await.unwrap_err();
    assert_eq!(key_of(&e), Some(("link", "err.report.link_gone")));
    let id = report::submit(&db, &member, &from_link).await.unwrap();
    let (to_id, picked): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT to_id, picked_up_at FROM item_links WHERE id = $1")
            .bind(open[0].id)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!(to_id, Some(id));
    assert!(picked.is_some());
    let r = report::get(&db, &member, xieshang_core::Permission::ReportView, id)
        .await
        .unwrap();
    assert_eq!(
        r.source.as_deref(),
        Some(format!("reception-{rid}").as_str())
    );
    assert!(report::open_links(&db, &member).await.unwrap().is_empty());
    let e = report::submit(&db, &member, &from_link).await.unwrap_err();
    assert_eq!(key_of(&e), Some(("link", "err.report.link_gone")));

    // A proposal the committee converted waits for its proposer.
    let committee = actor(&t, "committee").await;
    let text = xieshang_core::proposal::Text {
        title: "关于老旧小区加装电梯的建议".into(),
        situation: "老旧小区老年人多，上下楼困难。".into(),
        analysis: "审批流程复杂。".into(),
        suggestions: "简化审批，设立补贴。".into(),
    };
    use xieshang_store::proposal::{self, review};
    let cats = proposal::settings::entries(
        &db,
        proposal::body_of_member(&db, &other).await.unwrap().id,
        proposal::settings::List::Category,
        false,
    )
    .await
    .unwrap();
    let p = proposal::create_draft(&db, &other, &text, Some(cats[0].id))
        .await
        .unwrap();
    proposal::file(&db, &other, p).await.unwrap();
    review::decide(
        &db,
        &committee,
        p,
        review::Decision::Convert {
            to: review::ConvertTo::OpinionReport,
            note: "更适合作为社情民意信息反映",
        },
    )
    .await
    .unwrap();
    let open = report::open_links(&db, &other).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].from_kind, "proposal");
    assert_eq!(open[0].title, "关于老旧小区加装电梯的建议");
    let rp = report::submit(
        &db,
        &other,
        &NewReport {
            origin: Origin::Link(open[0].id),
            ..scratch(&open[0].title, &open[0].text)
        },
    )
    .await
    .unwrap();
    let r = report::get(&db, &other, xieshang_core::Permission::ReportView, rp)
        .await
        .unwrap();
    assert_eq!(r.source.as_deref(), Some(format!("proposal-{p}").as_str()));
}

#[tokio::test]
async fn the_office_edits_a_copy_keeps_every_version_merges_and_decides() {
    let (t, db) = city().await;
    let member = actor(&t, "member-gs-01").await;
    let fh = actor(&t, "member-fh-01").await;
    let staff = actor(&t, "staff").await;
    let a = report::submit(&db, &member, &scratch("电动车充电", MATTER))
        .await
        .unwrap();
    let b = report::submit(&db, &fh, &scratch("楼道充电隐患", "楼道飞线充电。"))
        .await
        .unwrap();
    // Members may not edit; staff of another district do not see it.
    assert!(matches!(
        edit::take_up(&db, &member, a).await,
        Err(Error::Denied(_))
    ));
    let beilin = actor(&t, "staff-beilin").await;
    assert!(matches!(
        edit::take_up(&db, &beilin, a).await,
        Err(Error::Denied(xieshang_core::Denied::OutOfScope))
    ));
    // Used only under a title in the usual form.
    let e = edit::decide(&db, &staff, a, Decision::Use, "")
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("title", "err.report.title_form")));
    let bad = Text {
        title: "电动车充电".into(),
        matter: MATTER.into(),
    };
    let e = edit::revise(&db, &staff, a, &bad).await.unwrap_err();
    assert_eq!(key_of(&e), Some(("title", "err.report.title_form")));
    let v2 = Text {
        title: TITLE.into(),
        matter: format!("{MATTER}\n建议物业公司落实消防责任。"),
    };
    assert_eq!(edit::revise(&db, &staff, a, &v2).await.unwrap(), 2);
    let v3 = Text {
        title: TITLE.into(),
        matter: "关山街道老旧小区飞线充电普遍。\n建议增设集中充电桩，加强巡查。".into(),
    };
    assert_eq!(edit::revise(&db, &staff, a, &v3).await.unwrap(), 3);
    let r = report::get(&db, &member, xieshang_core::Permission::ReportView, a)
        .await
        .unwrap();
    assert_eq!(r.state, "editing");
    assert_eq!(r.submitted.title, "电动车充电");
    assert_eq!(r.submitted.matter, MATTER);
    assert_eq!(r.text(), &v3);
    let versions = edit::versions(&db, &member, a).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(versions[0].text.matter, MATTER);
    assert_eq!(versions[1].text, v2);

    // Merge b into a: b points to a; merging into a merged one is refused.
    let e = edit::merge(&db, &staff, b, b).await.unwrap_err();
    assert_eq!(key_of(&e), Some(("into", "err.report.merge_target")));
    edit::merge(&db, &staff, b, a).await.unwrap();
    let rb = report::get(&db, &fh, xieshang_core::Permission::ReportView, b)
        .await
        .unwrap();
    assert_eq!((rb.state.as_str(), rb.merged_into), ("merged", Some(a)));
    // fh reads the report theirs was merged into.
    assert!(
        report::get(&db, &fh, xieshang_core::Permission::ReportView, a)
            .await
            .is_ok()
    );
    let c = report::submit(&db, &fh, &scratch("另一件事", "另一件事。"))
        .await
        .unwrap();
    let e = edit::merge(&db, &staff, c, b).await.unwrap_err();
    assert_eq!(key_of(&e), Some(("into", "err.report.merge_target")));

    // Not used needs a note; a decision is final.
    let e = edit::decide(&db, &staff, c, Decision::NotUse, " ")
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("note", "err.report.note_needed")));
    assert_eq!(
        edit::decide(&db, &staff, c, Decision::NotUse, "与已有信息重复")
            .await
            .unwrap(),
        State::NotUsed
    );
    let e = edit::decide(&db, &staff, c, Decision::Use, "")
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("title", "err.report.title_form")));
    assert_eq!(
        edit::decide(&db, &staff, a, Decision::Use, "反映问题具体，建议可行")
            .await
            .unwrap(),
        State::Used
    );
    // The submitter sees each step on the timeline.
    let steps: Vec<String> = report::timeline(&db, a)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(steps, ["submit", "edit", "revise", "revise", "use"]);
    let r = report::get(&db, &member, xieshang_core::Permission::ReportView, c).await;
    assert!(r.is_err(), "another member's report is not theirs to read");
}

#[tokio::test]
async fn a_used_report_goes_up_the_levels_and_earns_points() {
    let (t, db) = city().await;
    let member = actor(&t, "member-gs-01").await;
    let fh = actor(&t, "member-fh-10").await;
    let staff = actor(&t, "staff").await;
    let city_staff = actor(&t, "staff-city").await;
    let year = year_of(&db);
    let start = db.now_ms();
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    db.clock().advance_ms(1_000);
    let id = report::submit(&db, &member, &scratch("电动车充电", MATTER))
        .await
        .unwrap();
    let merged = report::submit(&db, &fh, &scratch("楼道充电", "楼道飞线充电。"))
        .await
        .unwrap();
    edit::merge(&db, &staff, merged, id).await.unwrap();
    // Not used yet: nothing goes up, no instruction.
    let e = levels::forward(&db, &staff, id, Level::City)
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("level", "err.report.not_used")));
    let text = Text {
        title: TITLE.into(),
        matter: MATTER.into(),
    };
    edit::revise(&db, &staff, id, &text).await.unwrap();
    db.clock().advance_ms(1_000);
    edit::decide(&db, &staff, id, Decision::Use, "")
        .await
        .unwrap();
    // National only after the city adopted it.
    let e = levels::forward(&db, &staff, id, Level::National)
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("level", "err.report.level_not_adopted")));
    let e = levels::adopt(&db, &city_staff, id, Level::City, "")
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("level", "err.report.not_forwarded")));
    db.clock().advance_ms(1_000);
    levels::forward(&db, &staff, id, Level::City).await.unwrap();
    let e = levels::forward(&db, &staff, id, Level::City)
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("level", "err.report.forwarded_already")));
    // The city's adoption is the city's staff's to record.
    assert!(matches!(
        levels::adopt(&db, &staff, id, Level::City, "").await,
        Err(Error::Denied(xieshang_core::Denied::Forbidden))
    ));
    db.clock().advance_ms(1_000);
    levels::adopt(
        &db,
        &city_staff,
        id,
        Level::City,
        "市政协社情民意信息第12期",
    )
    .await
    .unwrap();
    // An instruction needs a level and a date.
    let e = levels::instruct(
        &db,
        &city_staff,
        id,
        &RawInstruction {
            leader: "张副市长",
            level: "",
            given_on: "2026-11-03",
            text: "请市住建局牵头研究。",
        },
    )
    .await
    .unwrap_err();
    assert_eq!(key_of(&e), Some(("level", "err.report.level")));
    let e = levels::instruct(
        &db,
        &city_staff,
        id,
        &RawInstruction {
            leader: "张副市长",
            level: "city",
            given_on: "",
            text: "请市住建局牵头研究。",
        },
    )
    .await
    .unwrap_err();
    assert_eq!(key_of(&e), Some(("given_on", "err.report.date")));
    let instruction = RawInstruction {
        leader: "张副市长",
        level: "city",
        given_on: "2026-11-03",
        text: "请市住建局牵头研究。",
    };
    assert!(matches!(
        levels::instruct(&db, &staff, id, &instruction).await,
        Err(Error::Denied(xieshang_core::Denied::Forbidden))
    ));
    db.clock().advance_ms(1_000);
    levels::instruct(&db, &city_staff, id, &instruction)
        .await
        .unwrap();
    let (went, said) = levels::of(&db, &member, id).await.unwrap();
    assert_eq!(went.len(), 1);
    assert_eq!(went[0].level, Level::City);
    assert_eq!(
        went[0].evidence.as_deref(),
        Some("市政协社情民意信息第12期")
    );
    assert_eq!(said[0].leader, "张副市长");
    // A national adoption needs evidence.
    levels::forward(&db, &city_staff, id, Level::National)
        .await
        .unwrap();
    let e = levels::adopt(&db, &staff, id, Level::National, " ")
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("evidence", "err.report.evidence")));

    // 1 own + 5 city + 10 city leader, for the submitter and for the one
    // whose report was merged into it; in the duty record and the score.
    let record = xieshang_store::duty::record::for_member(&db, member.user_id, year)
        .await
        .unwrap();
    assert_eq!(
        (
            record.reports_submitted,
            record.reports_used,
            record.report_points
        ),
        (1, 1, 16)
    );
    let fh_points = points::for_member(&db, fh.user_id, year).await.unwrap();
    assert_eq!(fh_points.points, 16);
    let scores = xieshang_store::duty::scoring::rules(&db, &staff, yanliang.id)
        .await
        .unwrap();
    let rule = scores.iter().find(|r| r.item == "report_points").unwrap();
    let (total, _, _) = xieshang_store::duty::scoring::apply(std::slice::from_ref(rule), &record);
    assert_eq!(total, 16);
    // The body's own points table.
    report::set_rules(
        &db,
        &staff,
        yanliang.id,
        &Rules {
            city: 8,
            ..Rules::default()
        },
    )
    .await
    .unwrap();
    let p = points::for_member(&db, member.user_id, year).await.unwrap();
    assert_eq!(p.points, 19);

    // Figures: the merged one counts as adopted for its submitter.
    let f = points::figures(&db, &staff, yanliang.id, year)
        .await
        .unwrap();
    // (Figures are kept a minute: this is the body's first count. The two
    // submitters have no reports in the sample city.)
    assert!(f.body.submitted >= 2 && f.body.adopted >= 2);
    for who in [&member, &fh] {
        let name = user::actor(&t.db, who.user_id).await.unwrap().display_name;
        let line = f.members.iter().find(|l| l.name == name).unwrap();
        assert_eq!((line.submitted, line.adopted), (1, 1), "{name}");
        assert_eq!(line.rate(), Some(100.0), "{name}");
    }
    assert!(points::figures(&db, &member, yanliang.id, year)
        .await
        .is_err());

    // The member's news: latest first, since a time.
    let news = report::news_for(&db, member.user_id, start, 10)
        .await
        .unwrap();
    let what: Vec<&str> = news.iter().map(|n| n.what).collect();
    assert_eq!(
        what,
        [
            "report.news.forwarded",
            "report.news.instructed",
            "report.news.adopted",
            "report.news.forwarded",
            "report.news.used"
        ]
    );
    assert!(news.iter().all(|n| n.id == id && n.title == TITLE));
    let later = report::news_for(&db, member.user_id, news[2].at, 10)
        .await
        .unwrap();
    assert_eq!(later.len(), 2);
    // fh hears of their own report's merge too.
    let fh_news = report::news_for(&db, fh.user_id, start, 10).await.unwrap();
    assert!(fh_news
        .iter()
        .any(|n| n.what == "report.news.merged" && n.id == merged));
    assert!(report::news_for(&db, staff.user_id, start, 10)
        .await
        .unwrap()
        .is_empty());
}
