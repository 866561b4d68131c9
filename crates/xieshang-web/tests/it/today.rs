//! The member's phone home (履职通, issue 30 point 6): where a member lands
//! after logging in; what waits for them today and this week, each section a
//! count, the nearest items with links, and an empty state; and the drafts of
//! the forms it leads to, kept on the device by the script, while the forms
//! still work without it.

use crate::app::{Client, TestApp};
use axum::http::StatusCode;
use xieshang_store::consult::{self, Invitee, ParticipantRole};

fn cst(day: &str, hour: u32) -> i64 {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 8 * 3_600_000
}

/// The HTML of the page's section `id` (up to its end).
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!(" id=\"{id}\" aria-labelledby=\"{id}-h\""))
        .unwrap_or_else(|| panic!("section {id} in {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The count a section shows in its heading.
fn count(page: &str, id: &str) -> i64 {
    let s = section(page, id);
    let at = s.find("<span class=\"count\">").unwrap() + "<span class=\"count\">".len();
    s[at..s[at..].find('<').unwrap() + at].parse().unwrap()
}

async fn today(c: &mut Client) -> String {
    let r = c.get("/today").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

#[tokio::test]
async fn a_member_lands_on_the_phone_home_with_proposals_to_co_sign() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c
        .login("member-fh-01", xieshang_store::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(r.location.as_deref(), Some("/today"), "members land here");
    let page = today(&mut c).await;
    assert!(page.contains("id=\"nav-today\""), "reachable from the nav");
    // The demo's draft by member-gs-01 waits for her signature.
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM proposals WHERE title = '关于加强中小学生心理健康教育的建议'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let to_sign = section(&page, "today-to-sign");
    assert!(
        to_sign.contains(&format!(
            "href=\"/proposals/{id}\">关于加强中小学生心理健康教育的建议</a>"
        )),
        "{to_sign}"
    );
    assert_eq!(count(&page, "today-to-sign"), 1);
    assert!(
        page.find("id=\"today-to-sign\"") < page.find("id=\"today-shifts\""),
        "what waits comes before the empty sections"
    );
    // Sections with nothing say so, and lead to the feature's page.
    for (id, empty) in [
        ("today-meetings", "本周没有邀请您参加的协商活动。"),
        ("today-news", "最近一周您的社情民意信息没有新进展。"),
        ("today-receptions", "没有待跟进的接待。"),
    ] {
        assert!(section(&page, id).contains(empty), "{id}: {page}");
        assert_eq!(count(&page, id), 0, "{id}");
    }
    assert!(section(&page, "today-meetings").contains("href=\"/meetings\""));
    // The demo's study material for 阎良区's members waits to be confirmed,
    // and leads to it and to all her materials.
    let readings = section(&page, "today-readings");
    assert!(
        readings.contains("学习全国政协关于加强基层协商民主建设的有关精神"),
        "{readings}"
    );
    assert!(readings.contains("href=\"/study\""), "{readings}");
    assert_eq!(count(&page, "today-readings"), 1);

    // Once she answers, the invitation leaves the page.
    let r = c
        .post(&format!("/proposals/{id}/answer"), &[("answer", "confirm")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = today(&mut c).await;
    assert_eq!(count(&page, "today-to-sign"), 0);
    assert!(section(&page, "today-to-sign").contains("没有等您联名的提案。"));

    // Staff see the page too (their own, mostly empty); no member's data.
    let mut staff = app.login("staff").await;
    let page = today(&mut staff).await;
    assert!(!page.contains("关于加强中小学生心理健康教育的建议"));
    assert!(
        !page.contains("id=\"nav-today\""),
        "the nav link is for members"
    );
}

#[tokio::test]
async fn a_meeting_shows_in_the_week_it_starts() {
    let app = TestApp::new().await;
    let db = &app.t.db;
    let staff = xieshang_store::account::user::actor(db, app.user_id("staff").await)
        .await
        .unwrap();
    // The demo's coming consultation (in three weeks); member-gs-01 invited.
    let (id, starts_at): (i64, i64) =
        sqlx::query_as("SELECT id, starts_at FROM consultations WHERE topic = '背街小巷照明'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    let gs = app.user_id("member-gs-01").await;
    consult::invite(
        db,
        None,
        &staff,
        id,
        &Invitee::Person {
            role: ParticipantRole::Member,
            user_id: gs,
        },
    )
    .await
    .unwrap();
    let mut m = app.login("member-gs-01").await;
    let page = today(&mut m).await;
    assert!(
        !section(&page, "today-meetings").contains("背街小巷照明"),
        "three weeks ahead is not this week"
    );
    // Five days before it, it is.
    app.set_clock(starts_at - 5 * 86_400_000);
    let page = today(&mut m).await;
    let meetings = section(&page, "today-meetings");
    assert!(
        meetings.contains(&format!("href=\"/consultations/{id}\">背街小巷照明</a>")),
        "{meetings}"
    );
    assert!(meetings.contains("已召集"), "its state: {meetings}");
    assert_eq!(count(&page, "today-meetings"), 1);
    // The link opens for her.
    assert_eq!(
        m.get(&format!("/consultations/{id}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn shifts_receptions_and_followed_concerns_wait_on_the_phone_home() {
    let app = TestApp::new().await;
    let db = &app.t.db;
    app.set_clock(cst("2026-09-20", 10));
    let mut staff = app.login("staff").await;
    let studio: i64 = sqlx::query_scalar("SELECT id FROM studios WHERE name = '凤凰路委员工作室'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let r = staff
        .post(
            &format!("/studios/{studio}/rota"),
            &[("from", "2026-09-21"), ("to", "2026-10-11")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // member-fh-01 serves first, on 2026-09-28 (moved off 中秋节): not yet
    // this week on the 20th, this week from the 22nd.
    let mut m = app.login("member-fh-01").await;
    let page = today(&mut m).await;
    assert_eq!(count(&page, "today-shifts"), 0, "{page}");
    assert!(section(&page, "today-shifts").contains("本周没有您的坐班。"));
    app.set_clock(cst("2026-09-22", 10));
    let page = today(&mut m).await;
    let shifts = section(&page, "today-shifts");
    assert!(
        shifts.contains("凤凰路委员工作室") && shifts.contains("2026年9月28日"),
        "{shifts}"
    );
    assert_eq!(count(&page, "today-shifts"), 1);

    // On the day it says so; she checks in and logs two visitors: one filed
    // as a concern, one dealt with on the spot.
    app.set_clock(cst("2026-09-28", 9));
    let page = today(&mut m).await;
    assert!(section(&page, "today-shifts").contains("今天"));
    let shift: i64 = sqlx::query_scalar(
        "SELECT d.id FROM duty_shifts d JOIN users u ON u.id = d.user_id
         WHERE u.username = 'member-fh-01' AND d.day = '2026-09-28'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    m.post(&format!("/duty/{shift}/check-in"), &[]).await;
    assert!(section(&today(&mut m).await, "today-shifts").contains("已签到"));
    let r = m
        .post(
            &format!("/duty/{shift}/receptions"),
            &[
                ("matter", "楼下井盖松动，晚上踩上去会响"),
                ("action_taken", "登记转办"),
                ("concern", "1"),
                ("category", "road"),
                ("area", "yanliang-fenghuang-g07"),
                ("title", "井盖松动"),
            ],
        )
        .await;
    let loc = r.location.unwrap();
    let code = loc.split("code=").nth(1).unwrap()[..10].to_owned();
    let r = m
        .post(
            &format!("/duty/{shift}/receptions"),
            &[
                ("matter", "咨询社保卡办理地点"),
                ("action_taken", "已当面告知"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/duty?ok=common.saved"));
    let page = today(&mut m).await;
    let receptions = section(&page, "today-receptions");
    assert!(
        receptions.contains("楼下井盖松动") && receptions.contains(&code),
        "the visitor waits for the concern's outcome: {receptions}"
    );
    assert!(
        !receptions.contains("咨询社保卡办理地点"),
        "dealt with on the spot: nothing to follow up"
    );
    assert_eq!(count(&page, "today-receptions"), 1);
    // Marked as a lead for an opinion report, the second asks for follow-up too.
    let second: i64 =
        sqlx::query_scalar("SELECT id FROM receptions WHERE matter = '咨询社保卡办理地点'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    let r = m
        .post(
            &format!("/receptions/{second}/lead"),
            &[("to", "opinion_report")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = today(&mut m).await;
    let receptions = section(&page, "today-receptions");
    assert!(
        receptions.contains("咨询社保卡办理地点") && receptions.contains("社情民意"),
        "{receptions}"
    );
    assert_eq!(count(&page, "today-receptions"), 2);

    // The concern she filed is followed by the members paired with grid 7
    // once staff assign it (the engine's followers); they see it, open.
    let concern: i64 = sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(&code)
        .fetch_one(db.pool())
        .await
        .unwrap();
    let paired: String = sqlx::query_scalar(
        "SELECT u.username FROM grid_pairs p JOIN users u ON u.id = p.user_id
           JOIN orgs o ON o.id = p.grid_org_id WHERE o.code = 'yanliang-fenghuang-g07'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let mut p = app.login(&paired).await;
    assert!(!section(&today(&mut p).await, "today-concerns").contains("井盖松动"));
    staff
        .post(
            &format!("/concerns/{concern}/transition"),
            &[("action", "accept")],
        )
        .await;
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    let r = staff
        .post(
            &format!("/concerns/{concern}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);
    let page = today(&mut p).await;
    let concerns = section(&page, "today-concerns");
    assert!(
        concerns.contains(&format!("href=\"/concerns/{concern}\">井盖松动</a>")),
        "{concerns}"
    );
    assert!(count(&page, "today-concerns") >= 1);
    assert_eq!(
        p.get(&format!("/concerns/{concern}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_forms_keep_drafts_with_the_script_and_submit_without_it() {
    let app = TestApp::new().await;
    app.set_clock(cst("2026-09-28", 9));
    let mut m = app.login("member-fh-01").await;
    // The reception form and the proposal forms carry the draft key the
    // script keeps them under; the page loads the script from our origin.
    let duty = m.get("/duty").await.body;
    assert!(
        duty.contains("id=\"reception-form\" data-draft=\"reception\""),
        "{duty}"
    );
    assert!(duty.contains("data-draft-note hidden"));
    assert!(duty.contains("<script src=\"/static/app."));
    let new = m.get("/proposals/new").await.body;
    assert!(new.contains("data-draft=\"/proposals\""), "{new}");
    assert!(new.contains("data-draft-restore"));
    // The phone home itself carries no script at all.
    assert!(!today(&mut m).await.contains("<script"));
    // Without the script the reception form is an ordinary form post.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM receptions")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let r = m
        .post(
            "/duty/receptions",
            &[("matter", "询问加装电梯补贴政策"), ("action_taken", "")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/duty?ok=common.saved"));
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM receptions")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(after, before + 1);
    // The script that keeps drafts is the one served.
    let js_path = duty
        .split("<script src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let js = m.get(&js_path).await.body;
    assert!(js.contains("form[data-draft]") && js.contains("localStorage"));
}
