//! The story of DOMAIN.md §1 over HTTP: a member records a broken road near a
//! school in Guanshan, staff assign the urban-management bureau and the paired
//! member follows, the department resolves, the school gives thanks. Then the
//! rest of the loop: reopening, merging, conversion, deadlines with escalation on
//! a controlled clock, reassignment windows, personal data, photos.

use crate::app::{Client, TestApp};
use axum::http::StatusCode;
use xieshang_store::jobs;

/// A small JPEG carrying an EXIF block with GPS text.
pub fn jpeg_with_exif() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(80, 60, image::Rgb([120, 120, 120]));
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut plain)
        .encode_image(&img)
        .unwrap();
    let mut exif = b"Exif\0\0GPSLatitude 34.66N GPSLongitude 109.23E".to_vec();
    exif.resize(64, 0);
    let len = (exif.len() + 2) as u16;
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(len.to_be_bytes());
    out.extend(exif);
    out.extend(&plain[2..]);
    out
}

/// Monday 23 November 2026, 09:00 China time.
const MONDAY_9AM: i64 = 1_795_395_600_000;

async fn concern_id(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(code)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

async fn dept(app: &TestApp, code: &str) -> String {
    app.org_id(code).await.to_string()
}

fn tracking_code(location: &str) -> String {
    location.rsplit("code=").next().unwrap()[..10].to_owned()
}

/// A member records a road concern for a resident; returns (code, id).
async fn member_records(app: &TestApp, member: &mut Client, title: &str) -> (String, i64) {
    let (code, _, id) = member_records_keyed(app, member, title).await;
    (code, id)
}

/// The resident's key in a redirect after filing.
fn resident_key(location: &str) -> String {
    location.split("key=").nth(1).unwrap()[..16].to_owned()
}

/// [`member_records`], with the resident's key the member hands over:
/// (code, key, id).
async fn member_records_keyed(
    app: &TestApp,
    member: &mut Client,
    title: &str,
) -> (String, String, i64) {
    let r = member.get("/record").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("关山社区第1网格"),
        "the member's grids are offered"
    );
    let r = member
        .post_multipart(
            "/record",
            &[
                ("channel", "member"),
                ("category", "road"),
                ("area", "yanliang-guanshan-g01"),
                ("title", title),
                (
                    "description",
                    "关山中学门口路面塌陷，下雨积水，学生上下学不安全",
                ),
                ("address", "关山街道关山中学南门"),
                ("name", "张老师"),
                ("phone", "138 1234 5678"),
            ],
            &[("photos", "road.jpg", jpeg_with_exif())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.unwrap();
    assert!(loc.starts_with("/record?code="), "{loc}");
    let code = tracking_code(&loc);
    let key = resident_key(&loc);
    let r = member.get(&loc).await;
    assert!(r.body.contains(&code));
    assert!(
        r.body.contains(&format!("id=\"resident-key\">{key}<")),
        "the key is shown to hand over"
    );
    let id = concern_id(app, &code).await;
    (code, key, id)
}

async fn assign(app: &TestApp, staff: &mut Client, id: i64) -> crate::app::Resp {
    let cgj = dept(app, "yanliang-cgj").await;
    let jtj = dept(app, "yanliang-jtj").await;
    staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[
                ("departments", &cgj),
                ("departments", &jtj),
                ("lead", &cgj),
                ("note", "请城管局牵头，交通局配合"),
            ],
        )
        .await
}

fn ok(r: &crate::app::Resp) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.as_deref().unwrap_or("");
    assert!(!loc.contains("err="), "refused: {loc}");
}

/// The kinds of a user's notifications about concerns (the demo's
/// consultations have agreed actions whose own reminders may fall due when a
/// test moves the clock on).
async fn notifications_of(app: &TestApp, username: &str) -> Vec<String> {
    let uid = app.user_id(username).await;
    jobs::notifications(&app.t.db, uid, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.item_kind == "concern")
        .map(|n| n.kind)
        .collect()
}

#[tokio::test]
async fn the_broken_road_near_the_school() {
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let worker = app.worker(None);

    // A member on duty records it for the school, with a photo and a phone.
    let mut member = app.login("member-gs-01").await;
    let (code, key, id) = member_records_keyed(&app, &mut member, "关山中学门口道路破损").await;

    // The photo was re-encoded: no EXIF, no GPS.
    let token: String =
        sqlx::query_scalar("SELECT public_token FROM attachments WHERE item_id = $1")
            .bind(id)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let mut anon = app.client();
    let photo = anon.get(&format!("/photos/{token}")).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert!(!photo.body.contains("Exif") && !photo.body.contains("GPSLatitude"));

    // The phone is sealed at rest and masked on the staff page.
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT COALESCE(phone_sealed, '') || ' ' || COALESCE(name_sealed, '') FROM concern_reporters WHERE concern_id = $1",
    )
    .bind(id)
    .fetch_all(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains("13812345678") && !stored[0].contains("张老师"));

    let mut staff = app.login("staff").await;
    let r = staff.get("/concerns").await;
    assert!(r.body.contains("关山中学门口道路破损"));
    let page = staff.get(&format!("/concerns/{id}")).await;
    assert!(page.body.contains("138****5678"), "masked phone shown");
    assert!(page.body.contains("张**"));
    assert!(!page.body.contains("13812345678"));
    assert!(page.body.contains("委员走访"), "channel kept");

    // Revealing is audited.
    let before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'concern.reveal_reporter'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let r = staff.post(&format!("/concerns/{id}/reveal"), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("13812345678") && r.body.contains("张老师"));
    assert_eq!(
        r.headers.get("cache-control").unwrap().to_str().unwrap(),
        "no-store"
    );
    let after: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'concern.reveal_reporter'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(after, before + 1);
    // The member who recorded it may not reveal.
    let r = member.post(&format!("/concerns/{id}/reveal"), &[]).await;
    assert!(matches!(
        r.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));

    // Staff accept and assign the urban-management bureau (lead) and transport.
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept"), ("note", "")],
        )
        .await);
    ok(&assign(&app, &mut staff, id).await);
    let page = staff.get(&format!("/concerns/{id}")).await;
    assert!(page.body.contains("阎良区城市管理和综合执法局（牵头）"));
    assert!(
        page.body.contains("id=\"followers\""),
        "the paired member follows"
    );
    // Road: 10 working days from Mon 23 Nov 2026 → Mon 7 Dec, end of day.
    assert!(page.body.contains("2026年12月7日 23:59"), "{}", page.body);

    worker.run_until_idle().await.unwrap();
    assert!(notifications_of(&app, "handler")
        .await
        .contains(&"assigned".to_owned()));
    let member_notes = notifications_of(&app, "member-gs-01").await;
    assert!(
        member_notes.contains(&"assigned".to_owned()),
        "{member_notes:?}"
    );
    assert!(notifications_of(&app, "staff")
        .await
        .contains(&"submitted".to_owned()));

    // The paired member sees it in their own queue.
    let r = member.get("/my").await;
    assert!(r.body.contains("关山中学门口道路破损") && r.body.contains("网格包联"));
    let r = member.get(&format!("/concerns/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "a follower may read it");

    // The department works on it: progress with a photo, then the result.
    let mut handler = app.login("handler").await;
    let r = handler.get("/my").await;
    assert!(r.body.contains("关山中学门口道路破损") && r.body.contains("本部门牵头"));
    app.advance(2 * 86_400_000);
    let r = handler
        .post_multipart(
            &format!("/concerns/{id}/handle"),
            &[("action", "progress"), ("note", "已现场勘查，安排施工队")],
            &[("photos", "site.png", {
                let img = image::RgbImage::from_pixel(30, 20, image::Rgb([1, 2, 3]));
                let mut png = Vec::new();
                img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                    .unwrap();
                png
            })],
        )
        .await;
    ok(&r);
    app.advance(86_400_000);
    ok(&handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[
                ("action", "resolve"),
                ("note", "已重新铺设路面并增设排水"),
                ("confirm", "1"),
            ],
        )
        .await);
    // The transport bureau is not assigned to handle by this handler account;
    // a handler of no assigned department gets nothing.
    let r = handler.get("/concerns/999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The school follows with the tracking code alone and says thanks.
    let mut school = app.client();
    let r = school.get(&format!("/track?code={code}")).await;
    assert!(r.body.contains("已办结") && r.body.contains("已重新铺设路面并增设排水"));
    // The feedback form posts: the page hands the token with it.
    assert!(
        r.set_cookies.iter().any(|c| c.starts_with("xs_csrf=")),
        "{:?}",
        r.set_cookies
    );
    for secret in [
        "张老师",
        "13812345678",
        "138****5678",
        "张**",
        "member-gs-01",
    ] {
        assert!(!r.body.contains(secret), "public page shows {secret}");
    }
    let r = school
        .post(
            "/track/feedback",
            &[
                ("code", &code),
                ("key", &key),
                ("rating", "satisfied"),
                ("comment", "修得又快又好"),
                ("thanks", "全校师生和家长送上锦旗，感谢为孩子们修好了路"),
            ],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(&*format!("/track?code={code}&ok=track.thanks"))
    );
    let r = school.get(&format!("/track?code={code}")).await;
    assert!(r.body.contains("已关闭") && r.body.contains("送上锦旗"));
    assert!(!r.body.contains("feedback-form"), "feedback once");

    // Staff see it in the figures.
    let r = staff.get("/stats/concerns").await;
    assert!(r.body.contains("id=\"satisfaction\">100%"), "{}", r.body);
    assert!(r.body.contains("关山街道"));
    assert!(
        r.body.contains("id=\"median\">3.0"),
        "resolved after 3 days"
    );

    worker.run_until_idle().await.unwrap();
    assert!(notifications_of(&app, "staff")
        .await
        .contains(&"resolved".to_owned()));
    assert!(notifications_of(&app, "member-gs-01")
        .await
        .contains(&"closed".to_owned()));
    // Deadline jobs for the future remain queued; nothing due is left behind.
    assert_eq!(jobs::pending_due(&app.t.db).await.unwrap(), 0);
    let verdict = xieshang_store::audit::verify(&app.t.db).await.unwrap();
    assert!(
        matches!(verdict, xieshang_store::audit::Verdict::Ok { .. }),
        "{verdict:?}"
    );
}

#[tokio::test]
async fn unsatisfied_feedback_reopens_and_staff_assign_again() {
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let mut member = app.login("member-gs-01").await;
    let (code, key, id) = member_records_keyed(&app, &mut member, "路灯不亮").await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    ok(&assign(&app, &mut staff, id).await);
    let mut handler = app.login("handler").await;
    ok(&handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[("action", "resolve"), ("note", "已修复"), ("confirm", "1")],
        )
        .await);
    let mut resident = app.client();
    resident.get(&format!("/track?code={code}")).await;
    let r = resident
        .post(
            "/track/feedback",
            &[
                ("code", &code),
                ("key", &key),
                ("rating", "unsatisfied"),
                ("comment", "晚上还是不亮"),
            ],
        )
        .await;
    assert!(r.location.unwrap().contains("ok=track.thanks"));
    let r = staff.get("/concerns?state=reopened").await;
    assert!(r.body.contains("路灯不亮"));
    ok(&assign(&app, &mut staff, id).await);
    let r = staff.get(&format!("/concerns/{id}")).await;
    assert!(r.body.contains("已交办"));
    assert!(
        !r.body.contains("id=\"result\""),
        "the old result is cleared"
    );
}

#[tokio::test]
async fn merged_reporters_follow_the_surviving_concern() {
    let app = TestApp::new().await;
    let mut member = app.login("member-gs-01").await;
    let (keep_code, keep) = member_records(&app, &mut member, "水管爆裂").await;
    let (dup_code, dup) = member_records(&app, &mut member, "自来水管破了").await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{dup}/merge"),
            &[
                ("into", &keep_code.to_lowercase()),
                ("note", "同一处"),
                ("confirm", "1"),
            ],
        )
        .await);
    // Merging into itself or an unknown code is refused with a message.
    let r = staff
        .post(
            &format!("/concerns/{keep}/merge"),
            &[("into", &keep_code), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="into-error""#), "{}", r.body);
    let page = staff.get(&format!("/concerns/{keep}")).await;
    assert!(
        page.body.contains(&format!("并案自 {dup_code}")),
        "{}",
        page.body
    );
    let mut resident = app.client();
    let r = resident.get(&format!("/track?code={dup_code}")).await;
    // Issue 26: the survivor's code is another resident's, so not shown.
    assert!(r.body.contains("id=\"merged\"") && !r.body.contains(&keep_code));
    // The survivor moves on; the merged code shows its progress.
    ok(&staff
        .post(
            &format!("/concerns/{keep}/transition"),
            &[("action", "accept")],
        )
        .await);
    let r = resident.get(&format!("/api/v1/concerns/{dup_code}")).await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["state"], "merged");
    assert_eq!(v["merged_into"]["state"], "accepted");
}

#[tokio::test]
async fn conversion_leaves_a_typed_link_for_later_features() {
    let app = TestApp::new().await;
    let mut member = app.login("member-gs-01").await;
    let (_, id) = member_records(&app, &mut member, "建议统一规划校园周边停车").await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/convert"),
            &[("to", "proposal_lead"), ("note", "政策性问题")],
        )
        .await);
    let pending = xieshang_store::concern::triage::pending_conversions(
        &app.t.db,
        xieshang_store::concern::triage::ConvertTo::ProposalLead,
    )
    .await
    .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].1.as_str(), pending[0].2), ("concern", id));
    let r = staff
        .post(
            &format!("/concerns/{id}/convert"),
            &[("to", "opinion_report")],
        )
        .await;
    assert!(
        r.location.unwrap().contains("err=err.transition"),
        "closed stays closed"
    );
}

#[tokio::test]
async fn overdue_concerns_remind_then_escalate_up_the_levels() {
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let worker = app.worker(None);
    let mut member = app.login("member-gs-01").await;
    let (_, id) = member_records(&app, &mut member, "井盖缺失").await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    ok(&assign(&app, &mut staff, id).await);
    worker.run_until_idle().await.unwrap();
    let level = || async {
        sqlx::query_scalar::<_, i64>("SELECT escalation_level FROM concerns WHERE id = $1")
            .bind(id)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap()
    };
    let events = || async {
        xieshang_store::item::timeline(&app.t.db, &xieshang_core::item::CONCERN, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect::<Vec<_>>()
    };
    assert!(!events().await.contains(&"remind".to_owned()));

    // Deadline: Mon 7 Dec 23:59:59.999 CST, 14.6 days on; 75% of the way is
    // Fri 4 Dec about 08:15. Just before, nothing; just after, the reminder.
    app.set_clock(MONDAY_9AM + 10 * 86_400_000 + 22 * 3_600_000);
    worker.run_until_idle().await.unwrap();
    assert!(!events().await.contains(&"remind".to_owned()));
    app.set_clock(MONDAY_9AM + 11 * 86_400_000);
    worker.run_until_idle().await.unwrap();
    assert!(events().await.contains(&"remind".to_owned()));
    assert!(notifications_of(&app, "handler")
        .await
        .contains(&"reminder".to_owned()));
    assert_eq!(level().await, 0);
    assert!(notifications_of(&app, "leader").await.is_empty());

    // Past the deadline: the district's leader is told.
    app.set_clock(MONDAY_9AM + 15 * 86_400_000);
    worker.run_until_idle().await.unwrap();
    assert_eq!(level().await, 1);
    assert!(notifications_of(&app, "leader")
        .await
        .contains(&"overdue".to_owned()));
    let r = staff.get("/concerns?state=assigned").await;
    assert!(
        r.body.contains("class=\"overdue\""),
        "overdue first, marked"
    );

    // Three working days later (Thu 10 Dec end): the city level.
    app.set_clock(MONDAY_9AM + 18 * 86_400_000);
    worker.run_until_idle().await.unwrap();
    assert_eq!(level().await, 2);
    let notes: Vec<Option<String>> =
        xieshang_store::item::timeline(&app.t.db, &xieshang_core::item::CONCERN, id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "escalate")
            .map(|e| e.note)
            .collect();
    assert_eq!(
        notes,
        vec![Some("阎良区政协".to_owned()), Some("西安市政协".to_owned())]
    );
    // The public timeline says it was followed up, not by whom.
    let s = xieshang_store::concern::public_status(
        &app.t.db,
        &sqlx::query_scalar::<_, String>("SELECT tracking_code FROM concerns WHERE id = $1")
            .bind(id)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(s.state, "assigned");
    assert_eq!(jobs::pending_due(&app.t.db).await.unwrap(), 0);
}

#[tokio::test]
async fn resolving_stops_the_escalation_and_reassignment_has_a_window() {
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let worker = app.worker(None);
    let mut member = app.login("member-gs-01").await;
    let (_, a) = member_records(&app, &mut member, "占道经营").await;
    let (_, b) = member_records(&app, &mut member, "违章搭建").await;
    let mut staff = app.login("staff").await;
    for id in [a, b] {
        ok(&staff
            .post(
                &format!("/concerns/{id}/transition"),
                &[("action", "accept")],
            )
            .await);
        ok(&assign(&app, &mut staff, id).await);
    }
    let mut handler = app.login("handler").await;
    // Within two working days: reassignment may be asked, with a reason.
    app.set_clock(MONDAY_9AM + 86_400_000);
    let r = handler
        .post(
            &format!("/concerns/{a}/handle"),
            &[("action", "request_reassignment"), ("note", "")],
        )
        .await;
    assert!(r.location.unwrap().contains("err=err.note_required"));
    ok(&handler
        .post(
            &format!("/concerns/{a}/handle"),
            &[
                ("action", "request_reassignment"),
                ("note", "属市场监管职责"),
            ],
        )
        .await);
    let r = staff.get("/concerns?state=accepted").await;
    assert!(r.body.contains("占道经营"), "back to staff");
    let r = handler.get(&format!("/concerns/{a}")).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "no longer the department's: {}",
        r.status
    );
    // After the window (Mon → Thu is 3 working days): refused.
    app.set_clock(MONDAY_9AM + 3 * 86_400_000);
    let r = handler
        .post(
            &format!("/concerns/{b}/handle"),
            &[("action", "request_reassignment"), ("note", "不归我们管")],
        )
        .await;
    assert!(r.location.unwrap().contains("err=err.reassign_window"));
    ok(&handler
        .post(
            &format!("/concerns/{b}/handle"),
            &[("action", "resolve"), ("note", "已拆除"), ("confirm", "1")],
        )
        .await);
    // Past b's deadline nothing escalates, and a's old round is stale.
    app.set_clock(MONDAY_9AM + 30 * 86_400_000);
    worker.run_until_idle().await.unwrap();
    let levels: Vec<i64> =
        sqlx::query_scalar("SELECT escalation_level FROM concerns WHERE id IN ($1, $2)")
            .bind(a)
            .bind(b)
            .fetch_all(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(levels, vec![0, 0]);
    assert!(notifications_of(&app, "leader").await.is_empty());
}

#[tokio::test]
async fn only_the_lead_resolves_and_other_handlers_see_nothing() {
    let app = TestApp::new().await;
    let mut member = app.login("member-gs-01").await;
    let (_, id) = member_records(&app, &mut member, "路面坑洼").await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    // Transport leads this time; the urban-management handler assists.
    let cgj = dept(&app, "yanliang-cgj").await;
    let jtj = dept(&app, "yanliang-jtj").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("departments", &jtj), ("lead", &jtj)],
        )
        .await);
    let mut handler = app.login("handler").await;
    let r = handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[("action", "resolve"), ("note", "已修"), ("confirm", "1")],
        )
        .await;
    assert!(r.location.unwrap().contains("err=err.lead_only"));
    ok(&handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[("action", "progress"), ("note", "配合清理现场")],
        )
        .await);
    // A lead that is not among the departments is refused (on the page
    // again, with the form kept: issue 26).
    let r = staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &jtj)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("牵头部门须在所选部门之中"));
    // A Beilin staff member sees nothing of it.
    let mut beilin = app.login("staff-beilin").await;
    let r = beilin.get(&format!("/concerns/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_photos_and_phones_are_refused_per_field() {
    let app = TestApp::new().await;
    let mut resident = app.client();
    resident.get("/report").await;
    let token = resident
        .cookies
        .iter()
        .find(|(k, _)| k == "xs_csrf")
        .unwrap()
        .1
        .clone();
    let base = [
        ("category", "water"),
        ("area", "yanliang-guanshan-g02"),
        ("title", "停水"),
        ("description", "三天没有水"),
    ];
    let r = resident
        .post_multipart_raw(
            "/report",
            &token,
            &base,
            &[("photos", "evil.jpg", b"<script>alert(1)</script>".to_vec())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("JPEG、PNG 或 WebP"));
    let mut with_phone = base.to_vec();
    with_phone.push(("phone", "12345"));
    let r = resident
        .post_multipart_raw("/report", &token, &with_phone, &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请填写正确的手机或固定电话号码"));
    let five: Vec<(&str, &str, Vec<u8>)> = (0..5)
        .map(|_| ("photos", "a.jpg", jpeg_with_exif()))
        .collect();
    let r = resident
        .post_multipart_raw("/report", &token, &base, &five)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("最多上传4张照片"));
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing half-filed");
    // A good one with photo and contact goes through.
    let mut good = base.to_vec();
    good.push(("phone", "029-86781234"));
    let r = resident
        .post_multipart_raw(
            "/report",
            &token,
            &good,
            &[("photos", "a.jpg", jpeg_with_exif())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}
