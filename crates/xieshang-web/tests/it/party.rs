//! Issue 31 point 4's story through HTTP on the sample city: 碑林区's party
//! branch holds an organisational-life meeting; a party-member member of a
//! cell below it checks in and reports a meeting of their own work unit
//! with a photo; the staff confirm it; both appear in the member's dual
//! organisational life and in their duty record. Then the refusals that say
//! what to change and keep what was typed (and the photos), and who sees
//! nothing. Runs on PostgreSQL with `XIESHANG_TEST_PG` like the rest.

use crate::app::{Client, Resp, TestApp};
use axum::http::StatusCode;

const MEETING: &str = "学习党的二十届四中全会精神支部党员大会";
const WORK_UNIT: &str = "西安市第一医院党委第三党支部";

fn see_other(r: &Resp) -> &str {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location.as_deref().unwrap()
}

fn id_after(location: &str, prefix: &str) -> i64 {
    location
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{location} starts with {prefix}"))
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// Puts the clock at 10:00 China time today and returns today's date.
fn ten_o_clock(app: &TestApp) -> String {
    let now = app.clock.load(std::sync::atomic::Ordering::SeqCst);
    let day = xieshang_core::calendar::cst_date(now);
    let ten = day
        .and_hms_opt(2, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    app.set_clock(ten);
    day.format("%Y-%m-%d").to_string()
}

fn day_in(app: &TestApp, days: i64) -> String {
    let now = app.clock.load(std::sync::atomic::Ordering::SeqCst);
    xieshang_core::calendar::cst_date(now + days * 86_400_000)
        .format("%Y-%m-%d")
        .to_string()
}

/// The number in the element with `id` on a page.
fn number(body: &str, id: &str) -> i64 {
    let at = body
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id}"));
    body[at..]
        .split_once('>')
        .unwrap()
        .1
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

async fn record(c: &mut Client) -> (i64, i64) {
    let r = c.get("/duty/record").await;
    assert_eq!(r.status, StatusCode::OK);
    (
        number(&r.body, "party-meetings"),
        number(&r.body, "party-reports"),
    )
}

async fn schedule(app: &TestApp, staff: &mut Client, branch: i64, today: &str) -> i64 {
    let r = staff
        .post(
            &format!("/party/units/{branch}/meetings"),
            &[
                ("kind", "branch_assembly"),
                ("title", MEETING),
                ("date", today),
                ("start", "09:30"),
                ("end", "11:30"),
                ("place", "机关三楼会议室"),
            ],
        )
        .await;
    let _ = app;
    id_after(see_other(&r), "/party/meetings/")
}

#[tokio::test]
async fn the_branch_meets_a_member_checks_in_reports_from_work_and_both_count() {
    let app = TestApp::new().await;
    let branch = app.org_id("beilin-dzb").await;
    let me = app.user_id("member-bl-p01").await;

    // The four levels are in the tree; the staff see them and a report waits.
    let mut staff = app.login("staff-beilin").await;
    let home = staff.get("/party").await;
    assert_eq!(home.status, StatusCode::OK);
    for name in [
        "碑林区政协党组",
        "碑林区政协机关党组",
        "碑林区政协机关党支部",
        "提案委员会党小组",
    ] {
        assert!(home.body.contains(name), "{name}");
    }
    let levels: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT level FROM party_units ORDER BY level")
            .fetch_all(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(levels, ["branch", "cell", "leading_group", "organ_group"]);
    assert_eq!(home.body.matches("/party/reports/").count(), 1, "one waits");

    // The branch holds a meeting today at 09:30.
    let today = ten_o_clock(&app);
    let meeting = schedule(&app, &mut staff, branch, &today).await;

    // The member (of a cell under the branch) sees it from the menu.
    let mut member = app.login("member-bl-p01").await;
    assert!(member.get("/").await.body.contains("id=\"nav-party\""));
    let before = record(&mut member).await;
    let mine = member.get(&format!("/party/members/{me}")).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains(MEETING));
    let page = member.get(&format!("/party/meetings/{meeting}")).await;
    assert!(page.body.contains("id=\"check-in\""), "{}", page.body);
    let r = member
        .post(&format!("/party/meetings/{meeting}/check-in"), &[])
        .await;
    assert_eq!(
        see_other(&r),
        format!("/party/meetings/{meeting}?ok=party.checked_in")
    );
    let page = member.get(&format!("/party/meetings/{meeting}")).await;
    assert!(page.body.contains("id=\"checked-in\""));
    assert_eq!(number(&page.body, "present-count"), 1);

    // …and reports yesterday's meeting at their hospital, with a photo.
    let r = member
        .post_multipart(
            "/party/reports",
            &[
                ("held_on", &day_in(&app, -1)),
                ("kind", "theme_day"),
                ("unit_name", WORK_UNIT),
                ("note", "主题党日：重温入党誓词"),
            ],
            &[("photos", "sign-in.jpg", crate::story::jpeg_with_exif())],
        )
        .await;
    assert_eq!(
        see_other(&r),
        format!("/party/members/{me}?ok=party.reported")
    );
    let report: i64 = sqlx::query_scalar(
        "SELECT id FROM party_reports WHERE user_id = $1 AND note = '主题党日：重温入党誓词'",
    )
    .bind(me)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let photos: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments WHERE kind = 'party_report' AND item_id = $1",
    )
    .bind(report)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(photos, 1);
    // Not in the record before the staff confirm it.
    assert_eq!(record(&mut member).await, (before.0 + 1, before.1));

    // The staff confirm it.
    let home = staff.get("/party").await;
    assert!(home.body.contains(&format!("id=\"report-{report}\"")));
    let r = staff
        .post(
            &format!("/party/reports/{report}/decide"),
            &[("decision", "confirm"), ("note", "")],
        )
        .await;
    assert_eq!(see_other(&r), "/party?ok=common.saved");

    // Both appear in the member's dual organisational life and record.
    let life = member.get(&format!("/party/members/{me}")).await;
    let row = life
        .body
        .split(MEETING)
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap();
    assert!(row.contains("class=\"attended\""), "{row}");
    let card = life
        .body
        .split(&format!("id=\"report-{report}\""))
        .nth(1)
        .and_then(|rest| rest.split("</li>").next())
        .unwrap();
    assert!(
        card.contains(WORK_UNIT) && card.contains("已确认"),
        "{card}"
    );
    assert_eq!(record(&mut member).await, (before.0 + 1, before.1 + 1));

    // The body's rule table has their rows, and the score counts them.
    let staff_actor =
        xieshang_store::account::user::actor(&app.t.db, app.user_id("staff-beilin").await)
            .await
            .unwrap();
    let beilin = app.org_id("beilin").await;
    let rules = xieshang_store::duty::scoring::rules(&app.t.db, &staff_actor, beilin)
        .await
        .unwrap();
    let party: Vec<(&str, i64)> = rules
        .iter()
        .filter(|r| r.item.starts_with("party_"))
        .map(|r| (r.item.as_str(), r.points))
        .collect();
    assert_eq!(party, [("party_meeting", 2), ("party_report", 1)]);
    let year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(app.t.db.now_ms()));
    let r = xieshang_store::duty::record::for_member(&app.t.db, me, year)
        .await
        .unwrap();
    let (total, _, _) = xieshang_store::duty::scoring::apply(&rules, &r);
    let without = xieshang_store::duty::record::DutyRecord {
        party_meetings: 0,
        party_reports: 0,
        ..r.clone()
    };
    let (base, _, _) = xieshang_store::duty::scoring::apply(&rules, &without);
    assert_eq!(total - base, 2 * r.party_meetings + r.party_reports);
}

#[tokio::test]
async fn refusals_say_what_to_change_and_keep_what_was_typed() {
    let app = TestApp::new().await;
    let branch = app.org_id("beilin-dzb").await;
    let me = app.user_id("member-bl-p01").await;
    let mut staff = app.login("staff-beilin").await;

    // A meeting without a date or a kind.
    let r = staff
        .post(
            &format!("/party/units/{branch}/meetings"),
            &[
                ("kind", ""),
                ("title", MEETING),
                ("date", ""),
                ("start", "09:30"),
                ("end", "11:30"),
                ("place", "机关三楼会议室"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"kind-error\"") && r.body.contains("请选择组织生活类型"));
    assert!(r.body.contains("id=\"date-error\"") && r.body.contains("请填写日期"));
    assert!(r.body.contains("aria-describedby=\"date-error\""));
    assert!(
        r.body.contains(&format!("value=\"{MEETING}\"")),
        "the title is kept"
    );
    assert!(
        r.body.contains("value=\"机关三楼会议室\""),
        "the place is kept"
    );
    let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM party_meetings WHERE title = $1")
        .bind(MEETING)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(none, 0);

    // A report dated tomorrow and without evidence.
    let mut member = app.login("member-bl-p01").await;
    let tomorrow = day_in(&app, 1);
    let r = member
        .post_multipart(
            "/party/reports",
            &[
                ("held_on", &tomorrow),
                ("kind", "theme_day"),
                ("unit_name", WORK_UNIT),
                ("note", "义诊"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"held_on-error\"") && r.body.contains("日期不能晚于今天"));
    assert!(r.body.contains(&format!("value=\"{WORK_UNIT}\"")));
    assert!(r.body.contains(&format!("value=\"{tomorrow}\"")));
    // With the date right but still no evidence.
    let r = member
        .post_multipart(
            "/party/reports",
            &[
                ("held_on", &day_in(&app, -2)),
                ("kind", "theme_day"),
                ("unit_name", WORK_UNIT),
                ("note", "义诊"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"photos-error\"") && r.body.contains("请至少上传一张佐证照片"));
    // A future date with a photo: the photo is held for the retry…
    let r = member
        .post_multipart(
            "/party/reports",
            &[
                ("held_on", &tomorrow),
                ("kind", "theme_day"),
                ("unit_name", WORK_UNIT),
                ("note", "义诊"),
            ],
            &[("photos", "sign-in.jpg", crate::story::jpeg_with_exif())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"kept-photos\""));
    let token = r
        .body
        .split("name=\"kept_photos\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(!token.is_empty());
    // …and the corrected form goes through without choosing it again.
    let r = member
        .post_multipart(
            "/party/reports",
            &[
                ("held_on", &day_in(&app, -2)),
                ("kind", "theme_day"),
                ("unit_name", WORK_UNIT),
                ("note", "义诊"),
                ("kept_photos", &token),
            ],
            &[],
        )
        .await;
    assert_eq!(
        see_other(&r),
        format!("/party/members/{me}?ok=party.reported")
    );
    let photos: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments a JOIN party_reports r ON r.id = a.item_id
          WHERE a.kind = 'party_report' AND r.note = '义诊'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(photos, 1);

    // Check-in: by staff (who see the meeting but are no party member of
    // it), and by a member outside the hours, are refused with the reason.
    let today = ten_o_clock(&app);
    let meeting = schedule(&app, &mut staff, branch, &today).await;
    let r = staff
        .post(&format!("/party/meetings/{meeting}/check-in"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("id=\"check_in-error\"") && r.body.contains("只有本组织的党员可以签到")
    );
    app.advance(3 * 3_600_000);
    let r = member
        .post(&format!("/party/meetings/{meeting}/check-in"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("签到在会前一小时至会议结束之间"),
        "{}",
        r.body
    );
    // A member of the district who is no party member sees no meeting.
    let mut outsider = app.login("member-bl-p07").await;
    let r = outsider
        .post(&format!("/party/meetings/{meeting}/check-in"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let present: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM party_attendance WHERE meeting_id = $1")
            .bind(meeting)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(present, 0);

    // Returning a report needs a note; placing needs the roster's flag.
    let waiting: i64 = sqlx::query_scalar(
        "SELECT MIN(id) FROM party_reports WHERE state = 'submitted' AND user_id = $1",
    )
    .bind(me)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let r = staff
        .post(
            &format!("/party/reports/{waiting}/decide"),
            &[("decision", "return"), ("note", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"note-error\"") && r.body.contains("退回时请说明"));
    let unflagged: i64 = sqlx::query_scalar(
        "SELECT m.id FROM members m JOIN users u ON u.id = m.user_id WHERE u.username = 'member-bl-p07'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let r = staff
        .post(
            &format!("/party/units/{branch}/members"),
            &[("member", &unflagged.to_string()), ("role", "member")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"member-error\"") && r.body.contains("请先标记"));
    // A cell directly under the body is out of order.
    let r = staff
        .post(
            "/party/units",
            &[
                ("parent", ""),
                ("level", "cell"),
                ("name", "某党小组"),
                ("code", "beilin-x1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"level-error\"") && r.body.contains("value=\"某党小组\""));
}

#[tokio::test]
async fn party_pages_are_for_the_units_own_roles_and_the_bodys_staff() {
    let app = TestApp::new().await;
    let branch = app.org_id("beilin-dzb").await;
    let cell = app.org_id("beilin-dxz-ta").await;
    let me = app.user_id("member-bl-p01").await;
    let meeting: i64 =
        sqlx::query_scalar("SELECT id FROM party_meetings WHERE unit_id = $1 ORDER BY id LIMIT 1")
            .bind(cell)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let report: i64 = sqlx::query_scalar("SELECT MIN(id) FROM party_reports WHERE user_id = $1")
        .bind(me)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let hidden = [
        format!("/party/units/{cell}"),
        format!("/party/meetings/{meeting}"),
        format!("/party/members/{me}"),
    ];
    let missing = [
        "/party/units/987654321",
        "/party/meetings/987654321",
        "/party/members/987654321",
    ];
    // Another district's staff, a member of the district who is no party
    // member, and a party member of the other cell see none of them.
    for who in ["staff", "member-bl-p07", "member-bl-p03"] {
        let mut c = app.login(who).await;
        for (url, none) in hidden.iter().zip(missing) {
            let a = c.get(url).await;
            let b = c.get(none).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{who} {url}");
            assert_eq!(a.body, b.body, "{who} {url}: as for none");
        }
    }
    // The other cell's member sees the branch above them, though.
    let mut other = app.login("member-bl-p03").await;
    assert_eq!(
        other.get(&format!("/party/units/{branch}")).await.status,
        StatusCode::OK
    );
    // Yanliang's staff cannot decide Beilin's report.
    let mut yanliang = app.login("staff").await;
    let r = yanliang
        .post(
            &format!("/party/reports/{report}/decide"),
            &[("decision", "confirm")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The overview says whom it is for; it lists nothing of Beilin's.
    let mut outsider = app.login("member-bl-p07").await;
    let home = outsider.get("/party").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("id=\"nothing\"") && !home.body.contains("碑林区政协党组"));
    // The branch's secretary sees the cell below and its member's life;
    // the member may not schedule.
    let mut secretary = app.login("member-bl-secretary").await;
    for url in &hidden {
        assert_eq!(secretary.get(url).await.status, StatusCode::OK, "{url}");
    }
    let mut member = app.login("member-bl-p01").await;
    let r = member
        .post(
            &format!("/party/units/{cell}/meetings"),
            &[("kind", "cell_meeting")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = outsider
        .post_multipart("/party/reports", &[("held_on", "2026-01-01")], &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let unchanged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM party_meetings")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(unchanged, 5, "the demo's meetings only");
}
