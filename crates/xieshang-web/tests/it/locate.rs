//! Issue 26 point 5: the report form's location chooses the area. The public
//! lookup (`GET /api/v1/areas/nearest`) answers the nearest area's code and
//! everyday name only, refuses bad coordinates and is limited per address;
//! a form posted with a location and no area is filed in that area (or
//! refused with "choose where it is" when none is near); staff set a unit's
//! point on its page, with each wrong box marked and the input kept.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn the_lookup_answers_the_nearest_area_by_its_code_and_everyday_name() {
    let app = TestApp::new().await;
    let mut c = app.client();
    // Beside 凤鸣社区's point (the demo's points: seed::DEMO_POINTS).
    let r = c
        .get("/api/v1/areas/nearest?lat=34.6591&lng=109.2321")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"area": "yanliang-fenghuang-c2", "name": "凤凰街道 · 凤鸣社区"}),
        "the code the form takes and the everyday name, nothing else"
    );
    // The code is one of the report form's options.
    let form = c.get("/report").await;
    assert!(form
        .body
        .contains(r#"<option value="yanliang-fenghuang-c2">"#));
    // 4.5 km north of 关山街道: no community near enough, so the street.
    let r = c.get("/api/v1/areas/nearest?lat=34.761&lng=109.305").await;
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["area"], "yanliang-guanshan");
    // Nothing near (Beijing): 404 in JSON, for the page to let the resident choose.
    let r = c
        .get("/api/v1/areas/nearest?lat=39.9042&lng=116.4074")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("\"error\""), "{}", r.body);
    // Out of range, unreadable or missing.
    let r = c.get("/api/v1/areas/nearest?lat=95&lng=109").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for bad in ["lat=abc&lng=109", "lat=34.6", ""] {
        let r = c.get(&format!("/api/v1/areas/nearest?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    // Documented in the OpenAPI document.
    let doc: Value = serde_json::from_str(&c.get("/api/v1/openapi.json").await.body).unwrap();
    assert!(doc["paths"]["/api/v1/areas/nearest"]["get"].is_object());
}

#[tokio::test]
async fn a_form_with_a_location_and_no_area_is_filed_in_the_nearest_area() {
    let app = TestApp::new().await;
    let mut c = app.client();
    c.get("/report").await;
    let form = [
        ("category", "road"),
        ("area", ""),
        ("title", "凤鸣社区门口路面塌陷"),
        ("description", "社区门口的路面塌了一个坑"),
        ("lat", "34.659100"),
        ("lng", "109.232100"),
        ("confirm_new", "1"),
    ];
    let r = c.post("/report", &form).await;
    let loc = r.location.clone().unwrap_or_default();
    assert!(loc.starts_with("/track?code="), "{} {}", r.status, r.body);
    let (code, lat): (String, f64) =
        sqlx::query_as("SELECT o.code, c.lat FROM concerns c JOIN orgs o ON o.id = c.org_id")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(code, "yanliang-fenghuang-c2");
    assert!((lat - 34.6591).abs() < 1e-9);

    // Far from every area: the usual "choose where it is", the rest kept.
    let far = [
        ("category", "road"),
        ("area", ""),
        ("title", "北京的路面塌陷"),
        ("description", "路面塌了一个坑"),
        ("lat", "39.904200"),
        ("lng", "116.407400"),
        ("confirm_new", "1"),
    ];
    let r = c.post("/report", &far).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请选择所在区域。"), "{}", r.body);
    assert!(r.body.contains(r#"id="area-error""#));
    assert!(r.body.contains("北京的路面塌陷") && r.body.contains("39.904200"));
    // A chosen area is never overridden by the location.
    let chosen = [
        ("category", "road"),
        ("area", "yanliang-guanshan-c1"),
        ("title", "关山社区路灯不亮"),
        ("description", "晚上路灯不亮"),
        ("lat", "34.659100"),
        ("lng", "109.232100"),
        ("confirm_new", "1"),
    ];
    let r = c.post("/report", &chosen).await;
    assert!(r.location.is_some(), "{}", r.body);
    let last: String = sqlx::query_scalar(
        "SELECT o.code FROM concerns c JOIN orgs o ON o.id = c.org_id ORDER BY c.id DESC LIMIT 1",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(last, "yanliang-guanshan-c1");
}

#[tokio::test]
async fn the_report_form_says_aloud_what_the_location_chose() {
    let app = TestApp::new().await;
    for (lang, said) in [
        ("zh-CN", "所在区域已选为：{area}"),
        ("zh-TW", "所在區域已選為：{area}"),
        ("en", "the area is set to {area}"),
    ] {
        let mut c = app.client();
        c.cookies.push(("xs_lang".into(), lang.into()));
        let page = c.get("/report").await;
        let located = page
            .body
            .split("id=\"located\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{lang}: no #located"));
        let tag = &located[..located.find('>').unwrap()];
        assert!(tag.contains(r#"role="status""#), "{lang}: a live region");
        assert!(!tag.contains(" hidden"), "{lang}: always there to be read");
        assert!(tag.contains(said), "{lang}: {tag}");
    }
}

#[tokio::test]
async fn staff_set_a_units_point_with_errors_marked_and_input_kept() {
    let app = TestApp::new().await;
    let c3 = app.org_id("yanliang-guanshan-c3").await;
    let mut staff = app.login("staff").await;
    let page = staff.get(&format!("/orgs/{c3}")).await;
    assert!(page.body.contains(r#"action="/orgs/"#) && page.body.contains("/point\""));
    assert!(page.body.contains("34.726000") && page.body.contains("109.299000"));

    // Out of range and half given: each box marked, what was typed kept.
    let r = staff
        .post(
            &format!("/orgs/{c3}/point"),
            &[("lat", "91.5"), ("lng", "東經109")],
        )
        .await;
    assert!(
        r.body.contains("纬度应为 -90 到 90 之间的数字。"),
        "{}",
        r.body
    );
    assert!(r.body.contains("经度应为 -180 到 180 之间的数字。"));
    assert!(r.body.contains(r#"id="lat" name="lat" inputmode="decimal" value="91.5" aria-invalid="true" aria-describedby="lat-error""#));
    assert!(r.body.contains(r#"value="東經109""#));
    let r = staff
        .post(
            &format!("/orgs/{c3}/point"),
            &[("lat", "34.7"), ("lng", "")],
        )
        .await;
    assert!(r.body.contains("请同时填写纬度和经度"), "{}", r.body);
    assert!(r.body.contains(r#"value="34.7""#));
    let unchanged = xieshang_store::org::point::point_of(&app.t.db, c3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((unchanged.lat(), unchanged.lng()), (34.726, 109.299));

    // Moved: the lookup now picks 北冯社区 at its new point.
    let r = staff
        .post(
            &format!("/orgs/{c3}/point"),
            &[("lat", "34.6000"), ("lng", "109.1000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = staff.get(&format!("/orgs/{c3}")).await;
    assert!(page.body.contains("34.600000"), "{}", page.body);
    let mut anon = app.client();
    let r = anon
        .get("/api/v1/areas/nearest?lat=34.6001&lng=109.1001")
        .await;
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["area"], "yanliang-guanshan-c3");
    assert_eq!(body["name"], "关山街道 · 北冯社区");

    // Cleared: both boxes empty.
    let r = staff
        .post(&format!("/orgs/{c3}/point"), &[("lat", ""), ("lng", " ")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        xieshang_store::org::point::point_of(&app.t.db, c3)
            .await
            .unwrap(),
        None
    );
    // A department's page offers no point.
    let dept = app.org_id("yanliang-cgj").await;
    let page = staff.get(&format!("/orgs/{dept}")).await;
    assert!(!page.body.contains("/point\""));
}

#[tokio::test]
async fn lookups_are_limited_per_address() {
    let app = TestApp::new().await;
    let server = crate::abuse::served(&app).await;
    let path = "/api/v1/areas/nearest?lat=34.6591&lng=109.2321";
    let started = std::time::Instant::now();
    for n in 0..20 {
        let r = crate::abuse::call(server, 21, "GET", path, &[], "").await;
        assert_eq!(r.status, 200, "lookup {n}: {}", r.body);
    }
    // One more every three seconds: a slow machine may have earned a few.
    let mut more = 0;
    let r = loop {
        let r = crate::abuse::call(server, 21, "GET", path, &[], "").await;
        if r.status == 429 {
            break r;
        }
        more += 1;
        assert!(
            more <= started.elapsed().as_secs() / 3 + 1,
            "{more} lookups past the twenty in {:?}",
            started.elapsed()
        );
    };
    assert!(r.header("retry-after").is_some());
    // Another address is not held back.
    let r = crate::abuse::call(server, 22, "GET", path, &[], "").await;
    assert_eq!(r.status, 200);
}
