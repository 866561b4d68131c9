//! The accessibility statement (issue 27 point 7): a public page in three
//! languages, linked from every page's footer, whose form files a concern of
//! the barrier category at the root unit through the one intake service.

use crate::app::TestApp;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

async fn root_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM orgs WHERE parent_id IS NULL")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_statement_is_public_in_three_languages_and_linked_from_the_footer() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let home = c.get("/report").await;
    assert!(
        home.body
            .contains("<a href=\"/accessibility\" id=\"footer-a11y\">无障碍声明</a>"),
        "the footer links the statement"
    );
    let r = c.get("/accessibility").await;
    assert_eq!(r.status, StatusCode::OK);
    for said in [
        "<html lang=\"zh-CN\">",
        "<h1>无障碍声明</h1>",
        "WCAG）2.1 AA",
        "GB/T 37668-2019",
        "axe-core",
        "已知的不足",
        "id=\"barrier-form\"",
        "办理时限：3个工作日",
    ] {
        assert!(r.body.contains(said), "zh-CN says {said}");
    }
    c.get("/lang/zh-TW").await;
    let r = c.get("/accessibility").await;
    assert!(
        r.body.contains("<html lang=\"zh-TW\">") && r.body.contains("<h1>無障礙聲明</h1>"),
        "zh-TW: {}",
        r.body
            .lines()
            .find(|l| l.starts_with("<h1>"))
            .unwrap_or_default()
    );
    c.get("/lang/en").await;
    let r = c.get("/accessibility").await;
    for said in [
        "<html lang=\"en\">",
        "<h1>Accessibility statement</h1>",
        "WCAG) 2.1 at level AA",
        "GB/T 37668-2019",
        "Report a barrier",
        "Time to resolve: 3 working days.",
    ] {
        assert!(r.body.contains(said), "en says {said}");
    }
}

#[tokio::test]
async fn a_barrier_report_files_a_concern_at_the_root_unit_that_shows_on_track() {
    let app = TestApp::new().await;
    let mut c = app.client();
    // Coming from a page of this site fills in where the barrier was met.
    let req = Request::get("/accessibility")
        .header(header::HOST, "xieshang.example")
        .header(header::REFERER, "https://xieshang.example/report?x=1")
        .body(Body::empty())
        .unwrap();
    let r = c.send(req).await;
    assert!(
        r.body.contains("name=\"page_url\" maxlength=\"200\" required aria-describedby=\"page_url-help\" value=\"/report?x=1\""),
        "the page came from is filled in: {}",
        r.body
    );
    // Another site's address is not.
    let req = Request::get("/accessibility")
        .header(header::HOST, "xieshang.example")
        .header(header::REFERER, "https://elsewhere.example/report")
        .body(Body::empty())
        .unwrap();
    assert!(c.send(req).await.body.contains("value=\"\""));

    // The area forms do not offer the category: a blind lane blocked in a
    // street is a road problem of that street.
    let form = c.get("/report").await;
    assert!(form.body.contains("value=\"road\"") && !form.body.contains("value=\"accessibility\""));

    let token = c.csrf("/accessibility").await;
    let r = c
        .post_raw(
            "/accessibility",
            &[("_csrf", &token), ("page_url", " "), ("description", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("请填写遇到问题的页面"),
        "each field's message: {}",
        r.body
    );
    let long = "/x".repeat(101);
    let r = c
        .post_raw(
            "/accessibility",
            &[("_csrf", &token), ("page_url", &long), ("description", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("页面地址或名称不能超过200个字符")
            && r.body.contains("具体情况须为1至4000个字符"),
        "{}",
        r.body
    );
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(before, 0, "nothing filed by a refused form");

    let r = c
        .post_raw(
            "/accessibility",
            &[
                ("_csrf", &token),
                ("page_url", "/report"),
                ("description", "读屏软件读不出“使用我的位置”按钮"),
                ("name", "王阿姨"),
                ("phone", "13800001234"),
            ],
        )
        .await;
    let loc = r.location.clone().expect("redirected to tracking");
    assert!(
        loc.starts_with("/track?code=") && loc.ends_with("&filed=1"),
        "{loc}"
    );
    let (category, org_id, address, channel): (String, i64, String, String) =
        sqlx::query_as("SELECT category, org_id, address, channel FROM concerns")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(category, "accessibility");
    assert_eq!(org_id, root_id(&app).await, "filed at the root unit");
    assert_eq!((address.as_str(), channel.as_str()), ("/report", "web"));
    let page = c.get(&loc).await;
    assert!(
        page.body.contains("id=\"tracking-code\"")
            && page.body.contains("本平台无障碍问题：/report")
            && page.body.contains("西安市政协"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn every_way_in_sends_a_barrier_to_the_root_unit() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let cats: Value = serde_json::from_str(&c.get("/api/v1/categories").await.body).unwrap();
    let barrier = cats
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "accessibility")
        .expect("the API lists the category");
    assert_eq!(barrier["service_days"], 3);
    let services = c.get("/open311/v2/services.json").await;
    assert!(services.body.contains("\"service_code\":\"accessibility\""));
    // Through the JSON API with a street's area: still the root's.
    let body = json!({"category": "accessibility", "area": "yanliang-guanshan",
                      "title": "手机上表格超出屏幕", "description": "320像素宽时要左右滚动"});
    let req = Request::post("/api/v1/concerns")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Through Open311 by a district's hotline, with a grid's address_id: the root's too.
    let (_, key) = xieshang_store::account::apikey::create(
        &app.t.db,
        "yanliang",
        "区12345热线",
        &[xieshang_store::account::apikey::Scope::ConcernsCreate],
    )
    .await
    .unwrap();
    let form = [
        ("api_key", key.as_str()),
        ("jurisdiction_id", "yanliang"),
        ("service_code", "accessibility"),
        ("address_id", "yanliang-fenghuang-g07"),
        ("description", "来电反映：网站的验证码看不清"),
    ];
    let req = Request::post("/open311/v2/requests.json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let orgs: Vec<(i64, String)> =
        sqlx::query_as("SELECT org_id, channel FROM concerns ORDER BY id")
            .fetch_all(app.t.db.pool())
            .await
            .unwrap();
    let root = root_id(&app).await;
    assert_eq!(
        orgs,
        vec![(root, "api".to_owned()), (root, "api".to_owned())]
    );
}
