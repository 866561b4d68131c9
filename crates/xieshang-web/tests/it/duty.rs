//! Studios over HTTP: the 凤凰路 rota across the National Day week, the QR code
//! of the check-in page, a member checking in on the day, missed shifts for staff.

use crate::app::TestApp;
use axum::http::StatusCode;

fn cst(day: &str, hour: u32) -> i64 {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 8 * 3_600_000
}

#[tokio::test]
async fn staff_plan_the_rota_and_the_member_checks_in_on_the_day() {
    let app = TestApp::new().await;
    app.set_clock(cst("2026-09-20", 10));
    let mut staff = app.login("staff").await;
    let list = staff.get("/studios").await;
    assert_eq!(list.status, StatusCode::OK);
    let id: i64 = sqlx::query_scalar("SELECT id FROM studios WHERE name = '凤凰路委员工作室'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert!(list.body.contains(&format!("/studios/{id}")));
    let r = staff
        .post(
            &format!("/studios/{id}/rota"),
            &[("from", "2026-09-21"), ("to", "2026-10-11")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = staff
        .get(&format!("/studios/{id}?from=2026-09-21&to=2026-10-11"))
        .await;
    assert!(page.body.contains("<svg"), "a QR code of the check-in page");
    assert!(page.body.contains("/duty"));
    assert!(
        page.body.contains("2026-09-28") && page.body.contains("2026-09-25"),
        "moved off 中秋节"
    );
    assert!(page.body.contains("2026-10-08") && !page.body.contains(">2026-10-02<"));
    let bad = staff
        .post(
            &format!("/studios/{id}/rota"),
            &[("from", "2026-10-11"), ("to", "2026-09-21")],
        )
        .await;
    assert!(bad.location.unwrap().contains("err=err.rota_range"));

    // member-fh-01 serves first: on 2026-09-28 they check in from /duty.
    app.set_clock(cst("2026-09-28", 9));
    let mut m = app.login("member-fh-01").await;
    let duty = m.get("/duty").await;
    let shift: i64 = sqlx::query_scalar(
        "SELECT d.id FROM duty_shifts d JOIN users u ON u.id = d.user_id
         WHERE u.username = 'member-fh-01' AND d.day = '2026-09-28'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert!(
        duty.body.contains(&format!("id=\"check-in-{shift}\"")),
        "{}",
        duty.body
    );
    let r = m.post(&format!("/duty/{shift}/check-in"), &[]).await;
    assert_eq!(r.location.as_deref(), Some("/duty?ok=duty.checked_in"));
    assert!(m
        .get("/duty")
        .await
        .body
        .contains(&format!("id=\"checked-in-{shift}\"")));
    // A visitor's matter is logged and filed as a concern in grid 7 at once.
    let r = m
        .post(
            &format!("/duty/{shift}/receptions"),
            &[
                ("matter", "楼下井盖松动，晚上踩上去会响"),
                ("action_taken", "登记转办"),
                ("name", "刘大爷"),
                ("phone", "13712345678"),
                ("concern", "1"),
                ("category", "road"),
                ("area", "yanliang-fenghuang-g07"),
                ("title", "井盖松动"),
            ],
        )
        .await;
    let loc = r.location.unwrap();
    assert!(loc.starts_with("/duty?ok=duty.filed&code="), "{loc}");
    let code = loc.rsplit('=').next().unwrap().to_owned();
    let duty = m.get("/duty").await;
    assert!(
        duty.body.contains(&format!("/track?code={code}")) && duty.body.contains("137****5678")
    );
    assert!(!duty.body.contains("13712345678"));
    let channel: String =
        sqlx::query_scalar("SELECT channel FROM concerns WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(channel, "studio");
    // Another member cannot log on someone else's shift.
    let r = app
        .login("member-fh-02")
        .await
        .post(&format!("/duty/{shift}/receptions"), &[("matter", "x")])
        .await;
    assert_eq!(r.location.as_deref(), Some("/duty?err=err.reception_shift"));
    // Another member cannot check in to it.
    let mut other = app.login("member-fh-02").await;
    assert_eq!(
        other
            .post(&format!("/duty/{shift}/check-in"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // After 2026-10-08 passes unchecked, staff see it missed.
    app.set_clock(cst("2026-10-09", 10));
    let page = staff
        .get(&format!("/studios/{id}?from=2026-09-21&to=2026-10-11"))
        .await;
    assert!(page.body.contains("id=\"missed\""), "{}", page.body);
    assert!(page.body.contains("已签到") && page.body.contains("未签到"));
    // Planning again over the same weeks leaves the past as it was.
    staff
        .post(
            &format!("/studios/{id}/rota"),
            &[("from", "2026-09-21"), ("to", "2026-10-31")],
        )
        .await;
    let again = staff
        .get(&format!("/studios/{id}?from=2026-09-21&to=2026-10-11"))
        .await;
    assert!(again.body.contains("id=\"missed\"") && again.body.contains("2026-10-08"));
}
