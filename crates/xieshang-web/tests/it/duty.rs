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
    let code = loc.split("code=").nth(1).unwrap()[..10].to_owned();
    let key = loc.split("key=").nth(1).unwrap().to_owned();
    assert_eq!(key.len(), 16, "{loc}");
    // The member sees the visitor's key once, right after filing, to hand over.
    let shown = m.get(&loc).await;
    assert!(shown.body.contains(&format!("id=\"filed-key\">{key}<")));
    let duty = m.get("/duty").await;
    assert!(
        !duty.body.contains(&key),
        "the key is not on the page later"
    );
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
    // The duty record reads the activity: a shift, a reception filed, a concern.
    let record = m.get("/duty/record?year=2026").await;
    assert!(
        record.body.contains("id=\"shifts-attended\">1<"),
        "{}",
        record.body
    );
    assert!(record.body.contains("id=\"concerns-recorded\">1<"));
    assert!(record
        .body
        .contains("id=\"receptions-count\">1（其中转为诉求 1 · 作为线索 <span id=\"receptions-leads\">0</span>）<"));
    // Later, the member marks the reception as a proposal lead: a typed link
    // the proposal work will pick up; marking twice is refused.
    let rid: i64 = sqlx::query_scalar("SELECT id FROM receptions WHERE shift_id = $1")
        .bind(shift)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let r = m
        .post(
            &format!("/receptions/{rid}/lead"),
            &[("to", "proposal_lead")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/duty?ok=reception.marked"));
    let r = m
        .post(
            &format!("/receptions/{rid}/lead"),
            &[("to", "proposal_lead")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/duty?err=err.reception_lead_done")
    );
    let pending = xieshang_store::concern::triage::pending_conversions(
        &app.t.db,
        xieshang_store::concern::triage::ConvertTo::ProposalLead,
    )
    .await
    .unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|p| (p.1.as_str(), p.2))
            .collect::<Vec<_>>(),
        vec![("reception", rid)]
    );
    let duty = m.get("/duty").await;
    assert!(duty.body.contains("提案线索") && !duty.body.contains(&format!("lead-proposal-{rid}")));
    assert!(duty.body.contains(&format!("lead-report-{rid}")));
    assert!(m
        .get("/duty/record?year=2026")
        .await
        .body
        .contains("id=\"receptions-leads\">1<"));
    // Nobody else marks another member's reception.
    let r = app
        .login("member-fh-02")
        .await
        .post(
            &format!("/receptions/{rid}/lead"),
            &[("to", "opinion_report")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A reception whose concern cannot be filed is not logged either: the
    // reception, its concern and the link land together or not at all.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM receptions")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let r = m
        .post(
            &format!("/duty/{shift}/receptions"),
            &[
                ("matter", "碑林区的事"),
                ("concern", "1"),
                ("category", "road"),
                ("area", "beilin-nanyuanmen"),
                ("title", "跨区"),
            ],
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status
    );
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM receptions")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(after, before, "nothing half-done");
    // Staff see it and add a speech with its evidence; another district cannot.
    let member_id = app.user_id("member-fh-01").await;
    let r = staff
        .post(
            &format!("/users/{member_id}/duty"),
            &[
                ("year", "2026"),
                ("kind", "speech"),
                ("description", "全会大会发言"),
                ("evidence", "大会发言材料第12号"),
            ],
        )
        .await;
    assert!(r.location.unwrap().ends_with("ok=common.saved"));
    let r = staff
        .post(
            &format!("/users/{member_id}/duty"),
            &[
                ("year", "2026"),
                ("kind", "speech"),
                ("description", "无佐证"),
                ("evidence", " "),
            ],
        )
        .await;
    assert!(r.location.unwrap().contains("err=err.entry"));
    let seen = staff
        .get(&format!("/users/{member_id}/duty?year=2026"))
        .await;
    assert!(seen.body.contains("全会大会发言") && seen.body.contains("大会发言材料第12号"));
    assert!(m
        .get("/duty/record?year=2026")
        .await
        .body
        .contains("全会大会发言"));
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(
        beilin.get(&format!("/users/{member_id}/duty")).await.status,
        StatusCode::NOT_FOUND
    );
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

#[tokio::test]
async fn staff_set_up_a_studio_and_change_its_members() {
    let app = TestApp::new().await;
    let mut staff = app.login("staff").await;
    let guanshan = app.org_id("yanliang-guanshan").await.to_string();
    let page = staff.get("/studios").await;
    assert!(page.body.contains("id=\"new-studio\""));
    // A member of another street cannot be in Guanshan's studio.
    let r = staff
        .post(
            "/studios",
            &[
                ("org", &guanshan),
                ("name", "关山委员工作室"),
                ("wd3", "1"),
                ("per_day", "1"),
                ("members", "member-gs-01\nmember-fh-01"),
            ],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/studios?err=err.studio_member")
    );
    let r = staff
        .post(
            "/studios",
            &[
                ("org", &guanshan),
                ("name", "关山委员工作室"),
                ("wd3", "1"),
                ("per_day", "1"),
                ("members", "member-gs-01"),
            ],
        )
        .await;
    let loc = r.location.unwrap();
    assert!(loc.ends_with("?ok=common.saved"), "{loc}");
    let id: i64 = loc
        .trim_start_matches("/studios/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let page = staff.get(&format!("/studios/{id}")).await;
    assert!(page.body.contains("关山委员工作室") && page.body.contains("周三"));
    assert!(page.body.contains("member-gs-01"));
    // No duty day: refused; a change of name and days: saved and audited.
    let r = staff
        .post(
            &format!("/studios/{id}"),
            &[("name", "关山工作室"), ("per_day", "1")],
        )
        .await;
    assert_eq!(
        r.location.unwrap(),
        format!("/studios/{id}?err=err.studio_weekdays")
    );
    let r = staff
        .post(
            &format!("/studios/{id}"),
            &[
                ("name", "关山工作室"),
                ("wd2", "1"),
                ("wd4", "1"),
                ("per_day", "2"),
                ("on_holiday", "skip"),
                ("members", "member-gs-01"),
            ],
        )
        .await;
    assert_eq!(
        r.location.unwrap(),
        format!("/studios/{id}?ok=common.saved")
    );
    let page = staff.get(&format!("/studios/{id}")).await;
    assert!(page.body.contains("关山工作室") && page.body.contains("周二、周四"));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('studio.create', 'studio.update')",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(audited, 2);
    // Another district's staff cannot see or change it.
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(
        beilin.get(&format!("/studios/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn staff_see_scores_with_warnings_and_change_a_rule() {
    let app = TestApp::new().await;
    let mut staff = app.login("staff").await;
    let fenghuang = app.org_id("yanliang-fenghuang").await;
    let page = staff.get(&format!("/units/{fenghuang}/scores")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"score-warnings\""),
        "nobody has served yet"
    );
    assert!(page.body.contains("未达最低要求：工作室坐班"));
    let r = staff
        .post(
            &format!("/units/{fenghuang}/rules"),
            &[("item", "meeting"), ("points", "8"), ("cap", "40")],
        )
        .await;
    assert_eq!(
        r.location.unwrap(),
        format!("/units/{fenghuang}/scores?ok=common.saved")
    );
    let page = staff.get(&format!("/units/{fenghuang}/scores")).await;
    assert!(
        page.body.contains("name=\"points\" value=\"8\""),
        "{}",
        page.body
    );
    let r = staff
        .post(
            &format!("/units/{fenghuang}/rules"),
            &[("item", "meeting"), ("points", "lots")],
        )
        .await;
    assert_eq!(
        r.location.unwrap(),
        format!("/units/{fenghuang}/scores?err=err.rule")
    );
    // A member does not see the unit's scores: as if there were no such unit.
    let mut member = app.login("member-fh-01").await;
    assert_eq!(
        member
            .get(&format!("/units/{fenghuang}/scores"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_check_in_qr_code_points_to_the_configured_address_not_the_host_header() {
    use axum::body::Body;
    use axum::http::{header, Request};
    let app = TestApp::with_config(|c| c.base_url = "https://xs.example.cn/".into()).await;
    let mut staff = app.login("staff").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM studios WHERE name = '凤凰路委员工作室'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let req = Request::get(format!("/studios/{id}"))
        .header(
            header::COOKIE,
            staff
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .header(header::HOST, "evil.example")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    let page = staff.send(req).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("https://xs.example.cn/duty"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("evil.example"));
}
