//! Finding things over HTTP: staff search with highlights and filters, similar
//! open concerns before a resident submits (JSON and the form without
//! JavaScript), "same problem", suggestions and merge in triage, hotspots.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::{json, Value};

async fn file(app: &TestApp, area: &str, title: &str, description: &str) -> String {
    let mut c = app.client();
    let body = json!({"category": "water", "area": area, "title": title, "description": description,
                      "name": "钱多多", "phone": "13900007777"});
    let req = axum::http::Request::post("/api/v1/concerns")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    serde_json::from_str::<Value>(&r.body).unwrap()["tracking_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn id_of(app: &TestApp, code: &str) -> i64 {
    xieshang_store::concern::id_by_code(&app.t.db, code)
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_search_across_scripts_with_highlights_filters_and_scope() {
    let app = TestApp::new().await;
    let mine = file(
        &app,
        "yanliang-fenghuang-g01",
        "鳳鳴花園東門水管爆裂",
        "東門口自來水管破了，水漫到路上。",
    )
    .await;
    let theirs = file(&app, "beilin-nanyuanmen", "南院门水管爆裂", "水漫到路上。").await;
    let mut staff = app.login("staff").await;

    let r = staff.get("/search?q=%E6%B0%B4%E7%AE%A1").await; // 水管
    assert_eq!(r.status, StatusCode::OK);
    let id = id_of(&app, &mine).await;
    assert!(r.body.contains(&format!("/concerns/{id}")), "{}", r.body);
    assert!(r.body.contains("<mark>水管</mark>"), "marked as written");
    assert!(
        !r.body.contains("南院门水管"),
        "another district's concern is not listed"
    );
    let _ = theirs;

    // A traditional query finds simplified text too (自来水 in 東門口自來水管).
    let r = staff.get("/search?q=%E8%87%AA%E4%BE%86%E6%B0%B4").await; // 自來水
    assert!(r.body.contains(&format!("/concerns/{id}")));

    // Filters: a state it is not in, a category it is not in, a bad date.
    let r = staff.get("/search?q=%E6%B0%B4%E7%AE%A1&state=closed").await;
    assert!(!r.body.contains(&format!("/concerns/{id}")));
    let r = staff
        .get("/search?q=%E6%B0%B4%E7%AE%A1&category=road")
        .await;
    assert!(!r.body.contains(&format!("/concerns/{id}")));
    let r = staff
        .get("/search?q=%E6%B0%B4%E7%AE%A1&area=yanliang-fenghuang&from=2020-01-01&to=2099-12-31")
        .await;
    assert!(r.body.contains(&format!("/concerns/{id}")));
    let r = staff
        .get("/search?q=%E6%B0%B4%E7%AE%A1&from=yesterday")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("日期格式应为"));

    // No personal data in results.
    for secret in ["钱多多", "13900007777"] {
        assert!(!r.body.contains(secret));
    }
}

#[tokio::test]
async fn similar_open_concerns_are_offered_as_json_without_personal_data() {
    let app = TestApp::new().await;
    let code = file(
        &app,
        "yanliang-fenghuang-g15",
        "凤鸣花园东门水管爆裂",
        "东门口自来水管爆了，水漫到马路上。",
    )
    .await;
    // Suggested once staff took it up (an unreviewed one is not shown).
    app.accept(&code).await;
    let _other = file(
        &app,
        "yanliang-fenghuang-g15",
        "凤鸣花园东门路灯不亮",
        "晚上很黑。",
    )
    .await;
    let mut c = app.client();
    let q = "/api/v1/similar?area=yanliang-fenghuang-g16&text=";
    let text = "凤鸣花园东门口水管破裂，一直冒水";
    let url = format!("{q}{}", urlencode(text));
    let r = c.get(&url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let list = v["similar"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    // Issue 26: a one-time token to follow it, never its tracking code.
    assert_eq!(list[0]["title"], "凤鸣花园东门水管爆裂");
    assert_eq!(list[0]["follow"].as_str().unwrap().len(), 24);
    assert!(!r.body.contains(&code));
    assert!(list[0]["score"].as_f64().unwrap() >= 0.38);
    for secret in ["钱多多", "13900007777", "139****7777"] {
        assert!(!r.body.contains(secret));
    }
    // Another street: nothing.
    let r = c
        .get(&format!(
            "/api/v1/similar?area=yanliang-guanshan-g01&text={}",
            urlencode(text)
        ))
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap()["similar"],
        json!([])
    );
    // Bad input.
    let r = c.get("/api/v1/similar?area=nowhere&text=abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("\"area\""));
    let r = c
        .get("/api/v1/similar?area=yanliang-fenghuang-g16&text=%20")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        c.get("/api/v1/similar?area=x").await.status,
        StatusCode::BAD_REQUEST
    );
}

pub(crate) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_owned()
}

#[tokio::test]
async fn the_public_form_suggests_first_and_the_resident_joins_or_files_anyway() {
    let app = TestApp::new().await;
    let code = file(
        &app,
        "yanliang-fenghuang-g15",
        "凤鸣花园东门水管爆裂",
        "东门口自来水管爆了，水漫到马路上。",
    )
    .await;
    // Suggested once staff took it up (an unreviewed one is not shown).
    app.accept(&code).await;
    let mut c = app.client();
    c.get("/report").await;
    let form = [
        ("category", "water"),
        ("area", "yanliang-fenghuang-g16"),
        ("title", "东门口水管破裂冒水"),
        (
            "description",
            "凤鸣花园小区东门那里地下水管破了，水漫到马路上。",
        ),
        ("name", "孙小美"),
        ("phone", "13700001234"),
    ];
    let token = c.csrf("/report").await;
    let r = c.post_multipart_raw("/report", &token, &form, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "shown, not filed: {}", r.body);
    assert!(r.location.is_none());
    assert!(r.body.contains("id=\"similar\""));
    // Issue 26: the same-problem button carries a one-time token, not the code.
    assert!(
        r.body.contains("name=\"follow\""),
        "a same-problem button for it"
    );
    assert!(!r.body.contains(&code));
    let follow = r.body.split("name=\"follow\" value=\"").nth(1).unwrap()[..24].to_owned();
    assert!(
        r.body.contains("value=\"东门口水管破裂冒水\""),
        "the form keeps what was written"
    );
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(before, 1, "nothing filed yet");

    // "Same problem": follows the existing one; name and phone join its reporters.
    let r = c
        .post_raw(
            "/report/same",
            &[
                ("_csrf", &token),
                ("follow", &follow),
                ("name", "孙小美"),
                ("phone", "13700001234"),
            ],
        )
        .await;
    // Issue 26: the resident joins with a code and key of their own.
    let joined = r.location.unwrap();
    assert!(
        joined.starts_with("/track?code=") && joined.ends_with("&joined=1"),
        "{joined}"
    );
    assert!(!joined.contains(&code), "{joined}");
    let t = c.get(&joined).await;
    assert!(t.body.contains("id=\"joined\"") && t.body.contains("又有居民反映同一问题"));
    let id = id_of(&app, &code).await;
    let mut staff = app.login("staff").await;
    let page = staff.get(&format!("/concerns/{id}")).await;
    assert!(
        page.body.contains("137****1234"),
        "the new reporter, masked"
    );
    assert!(!page.body.contains("13700001234"));

    // Not the same problem: confirm_new files it.
    let mut f = form.to_vec();
    f.push(("confirm_new", "1"));
    let r = c.post_multipart_raw("/report", &token, &f, &[]).await;
    let loc = r.location.unwrap();
    assert!(loc.ends_with("&filed=1"), "{loc}");
    // A made-up token, a spent one, and a concern's public tracking code
    // (listed by Open311 and open data) join nothing (issue 24 point 3).
    let joined_before = xieshang_store::concern::reporters(&app.t.db, id)
        .await
        .unwrap()
        .len();
    for (field, value) in [
        ("follow", "NOPE"),
        ("follow", follow.as_str()),
        ("code", code.as_str()),
    ] {
        let r = c
            .post_raw("/report/same", &[("_csrf", &token), (field, value)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{field}={value}");
    }
    let fresh = xieshang_web::search::follow_token(&app.state, id);
    let r = c.post_raw("/report/same", &[("follow", &fresh)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF");
    let reporters = xieshang_store::concern::reporters(&app.t.db, id)
        .await
        .unwrap();
    assert_eq!(reporters.len(), joined_before, "nobody more joined");
}

#[tokio::test]
async fn triage_shows_similar_concerns_and_merges_one_in_a_click() {
    let app = TestApp::new().await;
    let first = file(
        &app,
        "yanliang-fenghuang-g15",
        "凤鸣花园东门水管爆裂",
        "东门口自来水管爆了，水漫到马路上。",
    )
    .await;
    let second = file(
        &app,
        "yanliang-fenghuang-g16",
        "东门口水管破裂冒水",
        "凤鸣花园小区东门那里地下水管破了，水漫到马路上。",
    )
    .await;
    let _other = file(&app, "yanliang-fenghuang-g16", "凤翔苑停车难", "车位太少。").await;
    let mut staff = app.login("staff").await;
    let id2 = id_of(&app, &second).await;
    let page = staff.get(&format!("/concerns/{id2}")).await;
    assert!(page.body.contains("相似的在办诉求"));
    assert!(page
        .body
        .contains(&format!("name=\"into\" value=\"{first}\"")));
    assert!(!page.body.contains("凤翔苑停车难"));
    let r = staff
        .post(
            &format!("/concerns/{id2}/merge"),
            &[("into", &first), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, id2)
            .await
            .unwrap(),
        "merged"
    );
    // Another district cannot open it at all.
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(
        beilin.get(&format!("/concerns/{id2}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hotspots_list_recurring_problems_of_a_street_for_staff() {
    let app = TestApp::new().await;
    for (area, title, d) in [
        (
            "yanliang-fenghuang-g01",
            "凤凰广场广场舞噪音扰民",
            "凤凰广场晚上广场舞音响太吵。",
        ),
        (
            "yanliang-fenghuang-g04",
            "广场舞音响太大",
            "凤凰广场跳舞音响声音很大，影响休息。",
        ),
        (
            "yanliang-fenghuang-c1",
            "凤凰广场噪音",
            "凤凰广场广场舞噪音扰民，十点还不停。",
        ),
        ("yanliang-fenghuang-g02", "井盖丢失", "人民路井盖不见了。"),
    ] {
        file(&app, area, title, d).await;
    }
    let mut staff = app.login("staff").await;
    let r = staff.get("/hotspots").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("凤凰街道"), "{}", r.body);
    assert!(r.body.contains("3 件诉求"));
    assert!(r.body.contains("凤凰广场噪音") && !r.body.contains("井盖丢失"));
    let r = staff.get("/hotspots?level=grid").await;
    assert!(r.body.contains("id=\"no-hotspots\""));
    let mut beilin = app.login("staff-beilin").await;
    let r = beilin.get("/hotspots").await;
    assert!(r.body.contains("id=\"no-hotspots\"") && !r.body.contains("凤凰广场"));
}

#[tokio::test]
async fn the_queue_pages_by_fifty() {
    let app = TestApp::new().await;
    for i in 0..51 {
        file(
            &app,
            "yanliang-fenghuang-g01",
            &format!("排队事项{i:02}"),
            "分页",
        )
        .await;
    }
    let mut staff = app.login("staff").await;
    let first = staff.get("/concerns?state=submitted").await;
    assert_eq!(first.body.matches("排队事项").count(), 50);
    assert!(first.body.contains("id=\"next-page\"") && !first.body.contains("id=\"prev-page\""));
    let second = staff.get("/concerns?state=submitted&page=1").await;
    assert_eq!(second.body.matches("排队事项").count(), 1);
    assert!(!second.body.contains("id=\"next-page\"") && second.body.contains("id=\"prev-page\""));
}

#[tokio::test]
async fn an_area_page_shows_who_serves_it_and_what_is_open() {
    let app = TestApp::new().await;
    let code = file(
        &app,
        "yanliang-guanshan-g01",
        "关山中学门口路灯不亮",
        "晚上很黑。",
    )
    .await;
    let done = file(&app, "yanliang-guanshan-g01", "已经办完的事", "办完了。").await;
    sqlx::query("UPDATE concerns SET state = 'closed' WHERE tracking_code = $1")
        .bind(&done)
        .execute(app.t.db.pool())
        .await
        .unwrap();
    let grid = app.org_id("yanliang-guanshan-g01").await;
    let name = |u: &'static str| {
        let db = app.t.db.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT display_name FROM users WHERE username = $1")
                .bind(u)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    let (worker, member) = (name("gw-gs-01").await, name("member-gs-01").await);
    let id = id_of(&app, &code).await;

    let mut staff = app.login("staff").await;
    let r = staff.get(&format!("/areas/{grid}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&worker) && r.body.contains(&member),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!("/concerns/{id}")));
    assert!(!r.body.contains("已经办完的事"), "closed ones are not open");
    // The street's page gathers its grids.
    let street = app.org_id("yanliang-guanshan").await;
    let r = staff.get(&format!("/areas/{street}")).await;
    assert!(r.body.contains(&member) && r.body.contains("关山中学门口路灯不亮"));

    // The paired member finds the grid from their own page and follows by code.
    let mut m = app.login("member-gs-01").await;
    let my = m.get("/my").await;
    assert!(my.body.contains(&format!("/areas/{grid}")), "{}", my.body);
    let r = m.get(&format!("/areas/{grid}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&format!("/track?code={code}")));
    let mut w = app.login("gw-gs-01").await;
    assert_eq!(
        w.get(&format!("/areas/{grid}")).await.status,
        StatusCode::OK
    );
    // A member who does not serve it may not, and is told what a missing
    // area's visitor is told.
    let mut other = app.login("member-fh-01").await;
    let hidden = other.get(&format!("/areas/{grid}")).await;
    let missing = other.get("/areas/987654321").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body);
}

/// Issue 26: a one-character query (坑) finds concerns that hold the character
/// anywhere: at the end of a run (大坑) as inside a word (坑洼), on both databases.
#[tokio::test]
async fn a_one_character_query_finds_the_character_anywhere() {
    let app = TestApp::new().await;
    let end = file(
        &app,
        "yanliang-fenghuang-g01",
        "门口路上有个大坑",
        "车开过去很颠。",
    )
    .await;
    let inside = file(
        &app,
        "yanliang-fenghuang-g01",
        "小区路面坑洼不平",
        "下雨积水。",
    )
    .await;
    let none = file(&app, "yanliang-fenghuang-g01", "路灯不亮", "晚上看不清。").await;
    let mut staff = app.login("staff").await;
    let r = staff.get("/search?q=%E5%9D%91").await; // 坑
    assert_eq!(r.status, StatusCode::OK);
    for code in [&end, &inside] {
        let id = id_of(&app, code).await;
        assert!(
            r.body.contains(&format!("/concerns/{id}\"")),
            "{code} not found: {}",
            r.body
        );
    }
    let id = id_of(&app, &none).await;
    assert!(!r.body.contains(&format!("/concerns/{id}\"")));
    assert!(r.body.contains("<mark>坑</mark>"), "{}", r.body);
}
