//! Issue 26, the resident's side: feedback belongs to each reporter, no public
//! answer carries another resident's tracking code, codes are read as people
//! type them, and forms that come back keep what was written.

use crate::app::{Client, TestApp};
use axum::http::StatusCode;
use serde_json::Value;

/// Monday 23 November 2026, 09:00 China time.
const MONDAY_9AM: i64 = 1_795_395_600_000;

fn ok(r: &crate::app::Resp) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.as_deref().unwrap_or("");
    assert!(!loc.contains("err="), "refused: {loc}");
}

/// The (code, key) in a redirect to the tracking page or the recording form.
fn code_and_key(location: &str) -> (String, String) {
    let code = location.split("code=").nth(1).unwrap()[..10].to_owned();
    let key = location.split("key=").nth(1).unwrap()[..16].to_owned();
    (code, key)
}

/// A member records a concern for a resident: (code, key, id).
async fn recorded(app: &TestApp, member: &mut Client, title: &str) -> (String, String, i64) {
    let r = member
        .post_multipart(
            "/record",
            &[
                ("channel", "member"),
                ("category", "road"),
                ("area", "yanliang-guanshan-g01"),
                ("title", title),
                ("description", "关山中学门口路面塌陷，学生上下学不安全"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (code, key) = code_and_key(r.location.as_deref().unwrap());
    let id = xieshang_store::concern::id_by_code(&app.t.db, &code)
        .await
        .unwrap();
    (code, key, id)
}

/// Staff accept (if not yet) and assign the concern; the lead department resolves it.
async fn resolve(app: &TestApp, id: i64) {
    let mut staff = app.login("staff").await;
    if state_of(app, id).await == "submitted" {
        ok(&staff
            .post(
                &format!("/concerns/{id}/transition"),
                &[("action", "accept")],
            )
            .await);
    }
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    ok(&staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[
                ("departments", &cgj),
                ("lead", &cgj),
                ("note", "请城管局办理"),
            ],
        )
        .await);
    let mut handler = app.login("handler").await;
    ok(&handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[
                ("action", "resolve"),
                ("note", "路面已修复"),
                ("confirm", "1"),
            ],
        )
        .await);
}

async fn rate(c: &mut Client, code: &str, key: &str, rating: &str) -> String {
    c.get(&format!("/track?code={code}")).await;
    let r = c
        .post(
            "/track/feedback",
            &[
                ("code", code),
                ("key", key),
                ("rating", rating),
                ("comment", "好"),
            ],
        )
        .await;
    // A redirect's target, or the page that came back refused.
    r.location.unwrap_or(r.body)
}

async fn state_of(app: &TestApp, id: i64) -> String {
    xieshang_store::concern::state(&app.t.db, id).await.unwrap()
}

#[tokio::test]
async fn each_reporter_of_a_merged_concern_answers_for_themselves() {
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let mut member = app.login("member-gs-01").await;
    let (keep_code, keep_key, keep) = recorded(&app, &mut member, "关山中学门口路面塌陷").await;
    let (dup_code, dup_key, dup) = recorded(&app, &mut member, "学校门口路坏了").await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{dup}/merge"),
            &[("into", &keep_code), ("note", "同一处"), ("confirm", "1")],
        )
        .await);
    resolve(&app, keep).await;

    // The merged reporter is asked too, under their own code, and the page
    // never shows the other resident's code.
    let mut second = app.client();
    let page = second.get(&format!("/track?code={dup_code}")).await;
    assert!(page.body.contains("id=\"feedback-form\""), "{}", page.body);
    assert!(page.body.contains("路面已修复"), "the result is shown");
    assert!(!page.body.contains(&keep_code), "{}", page.body);
    let api = second.get(&format!("/api/v1/concerns/{dup_code}")).await;
    assert!(!api.body.contains(&keep_code), "{}", api.body);

    // The code alone, or a key of another concern, rates nothing.
    let mut stranger = app.client();
    let loc = rate(&mut stranger, &keep_code, &dup_key, "satisfied").await;
    assert!(loc.contains(r#"id="key-error""#), "{loc}");
    let loc = rate(&mut stranger, &keep_code, "", "satisfied").await;
    assert!(loc.contains(r#"id="key-error""#), "{loc}");

    // One satisfied reporter does not close it for the other.
    let mut first = app.client();
    let loc = rate(&mut first, &keep_code, &keep_key, "satisfied").await;
    assert!(loc.contains("ok=track.thanks"), "{loc}");
    assert_eq!(state_of(&app, keep).await, "resolved");
    // Each answers once.
    let loc = rate(&mut first, &keep_code, &keep_key, "satisfied").await;
    assert!(loc.contains("您已评价过这次办理结果"), "{loc}");
    // The last one to answer closes it.
    let loc = rate(&mut second, &dup_code, &dup_key, "basically_satisfied").await;
    assert!(loc.contains("ok=track.thanks"), "{loc}");
    assert_eq!(state_of(&app, keep).await, "closed");
}

#[tokio::test]
async fn one_unsatisfied_reporter_reopens_and_the_window_closes_the_rest() {
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let worker = app.worker(None);
    let mut member = app.login("member-gs-01").await;
    let (a_code, a_key, a) = recorded(&app, &mut member, "路灯不亮").await;
    let (b_code, _b_key, b) = recorded(&app, &mut member, "路灯坏了").await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{b}/merge"),
            &[("into", &a_code), ("confirm", "1")],
        )
        .await);
    resolve(&app, a).await;
    let mut c = app.client();
    let loc = rate(&mut c, &a_code, &a_key, "satisfied").await;
    assert!(loc.contains("ok=track.thanks"), "{loc}");
    // The other reporter never answers: within the window it stays resolved,
    // after it (seven working days) it closes.
    app.advance(3 * 86_400_000);
    worker.run_until_idle().await.unwrap();
    assert_eq!(state_of(&app, a).await, "resolved");
    app.advance(14 * 86_400_000);
    worker.run_until_idle().await.unwrap();
    assert_eq!(state_of(&app, a).await, "closed");
    let page = c.get(&format!("/track?code={b_code}")).await;
    assert!(!page.body.contains("id=\"feedback-form\""));
}

#[tokio::test]
async fn suggestions_follow_by_a_one_time_token_and_the_joiner_gets_a_code_of_their_own() {
    let app = TestApp::new().await;
    let mut member = app.login("member-gs-01").await;
    let (code, _, id) = recorded(&app, &mut member, "关山中学门口路面塌陷").await;
    app.accept(&code).await;
    let mut c = app.client();
    let url = format!(
        "/api/v1/similar?area=yanliang-guanshan-g01&text={}",
        crate::find::urlencode("关山中学门口路面塌陷了")
    );
    let r = c.get(&url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains(&code), "no tracking code: {}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let follow = v["similar"][0]["follow"].as_str().unwrap().to_owned();
    let token = c.csrf("/report").await;
    let r = c
        .post_raw(
            "/report/same",
            &[
                ("_csrf", &token),
                ("follow", &follow),
                ("phone", "13700001234"),
            ],
        )
        .await;
    let loc = r.location.unwrap();
    assert!(loc.contains("joined=1"), "{loc}");
    let (own, key) = code_and_key(&loc);
    assert_ne!(own, code);
    let page = c.get(&loc).await;
    assert!(page.body.contains(&own) && page.body.contains(&key));
    assert!(page.body.contains("关山中学门口路面塌陷"));
    assert!(!page.body.contains(&code));
    // The token works once.
    let r = c
        .post_raw("/report/same", &[("_csrf", &token), ("follow", &follow)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The joiner is a reporter who answers for themselves.
    resolve(&app, id).await;
    let loc = rate(&mut c, &own, &key, "unsatisfied").await;
    assert!(loc.contains("ok=track.thanks"), "{loc}");
    assert_eq!(state_of(&app, id).await, "reopened");
}

#[tokio::test]
async fn a_code_typed_with_dashes_spaces_or_lower_case_is_found() {
    let app = TestApp::new().await;
    let mut member = app.login("member-gs-01").await;
    let (code, _, _) = recorded(&app, &mut member, "井盖丢失").await;
    let typed = format!(
        "{}-{}%20{}",
        code[..4].to_lowercase(),
        &code[4..8],
        code[8..].to_lowercase()
    );
    let mut c = app.client();
    let r = c.get(&format!("/track?code={typed}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("井盖丢失"));
    let r = c.get(&format!("/api/v1/concerns/{typed}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["tracking_code"], code.as_str());
    let r = c.get("/track?code=NOT-A-CODE").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn feedback_without_a_rating_comes_back_with_the_comment_kept_and_the_field_marked() {
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let mut member = app.login("member-gs-01").await;
    let (code, key, id) = recorded(&app, &mut member, "下水道堵塞").await;
    resolve(&app, id).await;
    let mut c = app.client();
    c.get(&format!("/track?code={code}")).await;
    let r = c
        .post(
            "/track/feedback",
            &[
                ("code", &code),
                ("key", &key),
                ("comment", "修得很快，谢谢"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(">修得很快，谢谢</textarea>"), "{}", r.body);
    assert!(
        r.body.contains(&format!("value=\"{key}\"")),
        "the key is kept"
    );
    assert!(
        r.body
            .contains(r#"id="rating" aria-invalid="true" aria-describedby="rating-error""#),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#"id="rating-error""#) && r.body.contains("请选择评价"));
    // Too long is refused with a message, not cut.
    let long = "好".repeat(1001);
    let r = c
        .post(
            "/track/feedback",
            &[
                ("code", &code),
                ("key", &key),
                ("rating", "satisfied"),
                ("comment", &long),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(&long), "kept whole");
    assert!(r.body.contains(r#"id="comment-error""#));
    assert!(r.body.contains(r#"checked"#), "the rating chosen is kept");
    assert_eq!(state_of(&app, id).await, "resolved");
    // A wrong key: the comment and rating come back, the key field marked.
    let r = c
        .post(
            "/track/feedback",
            &[
                ("code", &code),
                ("key", "23456789ABCDEFGH"),
                ("rating", "unsatisfied"),
                ("comment", "井盖还是响"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(">井盖还是响</textarea>"), "{}", r.body);
    assert!(r.body.contains(r#"id="rating-unsatisfied" checked"#));
    assert!(r
        .body
        .contains(r#"aria-invalid="true" aria-describedby="key-error key-hint""#));
    assert!(r.body.contains(r#"id="key-error""#));
    assert_eq!(state_of(&app, id).await, "resolved");
}

#[tokio::test]
async fn a_wrong_password_keeps_the_username() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.login("member-gs-01", "wrong password").await;
    assert_eq!(r.location.as_deref(), Some("/login?err=login.failed"));
    let page = c.get("/login?err=login.failed").await;
    assert!(
        page.body.contains(r#"value="member-gs-01""#),
        "{}",
        page.body
    );
    // Read once: the next visit starts empty.
    let page = c.get("/login").await;
    assert!(!page.body.contains(r#"value="member-gs-01""#));
}

#[tokio::test]
async fn a_refused_report_keeps_every_field_and_the_photo_and_marks_the_wrong_field() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.get("/report").await;
    let token = c.csrf("/report").await;
    let long_title = "路".repeat(101);
    let form = [
        ("category", "road"),
        ("area", "yanliang-guanshan-c2"),
        ("title", long_title.as_str()),
        ("description", "东刘社区路口的路面塌陷"),
        ("address", "东刘村口"),
        ("name", "赵大爷"),
        ("phone", "13700005678"),
    ];
    let photo = crate::story::jpeg_with_exif();
    let r = c
        .post_multipart_raw("/report", &token, &form, &[("photos", "a.jpg", photo)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Too long is refused whole, never cut; every other field is kept.
    assert!(r.body.contains(&format!("value=\"{long_title}\"")));
    for kept in [
        "东刘社区路口的路面塌陷",
        "value=\"东刘村口\"",
        "value=\"赵大爷\"",
        "value=\"13700005678\"",
    ] {
        assert!(r.body.contains(kept), "{kept} kept");
    }
    assert!(r
        .body
        .contains(r#"<option value="yanliang-guanshan-c2" selected>"#));
    assert!(r
        .body
        .contains(r#"id="title" name="title" data-max="100" required value=""#));
    assert!(r
        .body
        .contains(r#"aria-invalid="true" aria-describedby="title-error""#));
    assert!(r.body.contains(r#"id="title-error""#));
    assert!(
        r.body.contains(r##"<a href="#title">"##),
        "the summary links the field"
    );
    // The photo is held for the retry, by a token in the form.
    assert!(r.body.contains(r#"id="photos-kept""#), "{}", r.body);
    let kept = r
        .body
        .split(r#"name="kept_photos" value=""#)
        .nth(1)
        .unwrap()[..24]
        .to_owned();
    let mut fixed = form.to_vec();
    fixed[2] = ("title", "东刘社区路口路面塌陷");
    fixed.push(("kept_photos", &kept));
    fixed.push(("confirm_new", "1"));
    let r = c.post_multipart_raw("/report", &token, &fixed, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.unwrap();
    let (code, _) = code_and_key(&loc);
    let page = c.get(&format!("/track?code={code}")).await;
    assert!(
        page.body.contains("<img src=\"/photos/"),
        "the kept photo was filed"
    );
}

#[tokio::test]
async fn the_area_picker_starts_on_no_district_with_everyday_names_and_no_coordinate_boxes() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/report").await;
    assert_eq!(r.status, StatusCode::OK);
    let select = r.body.split(r#"<select id="area""#).nth(1).unwrap();
    let select = &select[..select.find("</select>").unwrap()];
    // Nothing chosen for the resident: the first option asks.
    assert!(select.contains(r#"<option value="" selected>请选择所在街道或社区</option>"#));
    assert!(!select.contains(r#"" selected>南院门"#));
    // Grouped by district under its everyday name; streets and communities
    // by their names, not the CPPCC body's.
    assert!(select.contains(r#"<optgroup label="阎良区">"#), "{select}");
    assert!(select.contains(">关山街道 · 东刘社区</option>"), "{select}");
    assert!(!select.contains("政协"), "{select}");
    // Grids only in their own group, for those who know theirs.
    let first_grid = select.find("第1网格").unwrap();
    assert!(select[..first_grid].contains(r#"label="阎良区 · 网格""#));
    // No coordinate boxes to type into: hidden, filled by the location button.
    assert!(r
        .body
        .contains(r#"<input type="hidden" id="lat" name="lat""#));
    assert!(!r.body.contains("纬度"));
}

#[tokio::test]
async fn the_recording_form_shows_similar_concerns_and_adds_the_resident_to_one() {
    let app = TestApp::new().await;
    let mut member = app.login("member-gs-01").await;
    let (code, _, id) = recorded(&app, &mut member, "关山中学门口路面塌陷").await;
    app.accept(&code).await;
    let mut liaison = app.login("liaison").await;
    let form = [
        ("channel", "liaison"),
        ("category", "road"),
        ("area", "yanliang-guanshan-g01"),
        ("title", "关山中学门口路面塌陷了"),
        ("description", "关山中学门口路面塌陷，学生上下学不安全"),
        ("name", "李阿姨"),
        ("phone", "13600001111"),
    ];
    let r = liaison.post_multipart("/record", &form, &[]).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "shown first, not filed: {}",
        r.body
    );
    assert!(r.body.contains(r#"id="similar""#) && r.body.contains("/record/same"));
    assert!(!r.body.contains(&code), "no other resident's code");
    let follow = r.body.split(r#"name="follow" value=""#).nth(1).unwrap()[..24].to_owned();
    let r = liaison
        .post(
            "/record/same",
            &[
                ("follow", &follow),
                ("name", "李阿姨"),
                ("phone", "13600001111"),
            ],
        )
        .await;
    let loc = r.location.unwrap();
    assert!(loc.contains("joined=1"), "{loc}");
    let (own, key) = code_and_key(&loc);
    assert_ne!(own, code);
    let page = liaison.get(&loc).await;
    assert!(page.body.contains(&own) && page.body.contains(&key));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 1, "nothing filed twice");
    let reporters = xieshang_store::concern::reporters(&app.t.db, id)
        .await
        .unwrap();
    assert!(reporters
        .iter()
        .any(|r| r.phone.as_deref() == Some("136****1111")));
    // Not the same problem: filed after all.
    let mut f = form.to_vec();
    f.push(("confirm_new", "1"));
    let r = liaison.post_multipart("/record", &f, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn the_track_page_names_the_department_its_progress_and_the_expected_time() {
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let mut member = app.login("member-gs-01").await;
    let (code, _, id) = recorded(&app, &mut member, "路面坑洼").await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    ok(&staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[
                ("departments", &cgj),
                ("lead", &cgj),
                ("note", "请城管局办理"),
            ],
        )
        .await);
    let mut handler = app.login("handler").await;
    ok(&handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[("action", "progress"), ("note", "已派人勘查，周三施工")],
        )
        .await);
    let mut c = app.client();
    let r = c.get(&format!("/track?code={code}")).await;
    let dept: String = sqlx::query_scalar("SELECT name FROM orgs WHERE code = 'yanliang-cgj'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let departments = r.body.split(r#"id="departments">"#).nth(1).unwrap();
    assert!(
        departments[..200.min(departments.len())].contains(&dept),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#"id="progress""#) && r.body.contains("已派人勘查，周三施工"));
    assert!(
        r.body.contains(r#"id="due""#),
        "the expected time: {}",
        r.body
    );
    assert!(r.body.contains(&format!(
        r#"id="copy-code" class="secondary" data-code="{code}""#
    )));
}
