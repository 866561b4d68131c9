use crate::app::TestApp;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

async fn post_json(app: &TestApp, body: &str) -> (StatusCode, Value) {
    let mut c = app.client();
    let req = Request::post("/api/v1/concerns")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let r = c.send(req).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn an_app_files_a_concern_and_follows_it_by_tracking_code() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let cats: Value = serde_json::from_str(&c.get("/api/v1/categories").await.body).unwrap();
    assert!(cats.as_array().unwrap().iter().any(|x| x["code"] == "road"));
    let areas: Value = serde_json::from_str(&c.get("/api/v1/areas").await.body).unwrap();
    let areas = areas.as_array().unwrap();
    assert_eq!(
        areas
            .iter()
            .filter(|a| a["kind"] == "grid"
                && a["code"]
                    .as_str()
                    .unwrap()
                    .starts_with("yanliang-fenghuang-"))
            .count(),
        39
    );
    assert!(areas
        .iter()
        .any(|a| a["code"] == "yanliang-guanshan" && a["name"] == "关山街道"));

    let body = json!({"category": "road", "area": "yanliang-guanshan", "title": "学校门口道路破损",
                      "description": "凤凰路中学门口路面塌陷，学生上下学不安全", "lat": 34.66, "lng": 109.23});
    let (status, created) = post_json(&app, &body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let code = created["tracking_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 10);

    let r = c
        .get(&format!("/api/v1/concerns/{}", code.to_lowercase()))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let status: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(status["state"], "submitted");
    assert_eq!(status["area"], "关山街道");
    assert_eq!(status["timeline"][0]["action"], "submit");
    assert!(
        status.get("party").is_none() && !r.body.contains("resident"),
        "no one is named: {}",
        r.body
    );
    let r = c.get("/api/v1/concerns/NOSUCHCODE").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        serde_json::from_str::<Value>(&r.body).unwrap()["error"],
        "not found"
    );
}

#[tokio::test]
async fn bad_input_gets_a_message_per_field() {
    let app = TestApp::new().await;
    let (status, body) = post_json(&app, "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .starts_with("malformed JSON"));

    let bad = json!({"category": "nope", "area": "beilin", "title": " ", "description": "", "lat": 95.0, "lng": 1.0});
    let (status, body) = post_json(&app, &bad.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["category", "area", "title", "description", "lat"] {
        assert!(body["fields"][f].is_string(), "{f}: {body}");
    }
    // A malformed phone is a field error, and nothing is filed.
    let bad_phone = json!({"category": "road", "area": "yanliang-guanshan", "title": "t", "description": "d", "phone": "1380000", "name": "王"});
    let (status, body) = post_json(&app, &bad_phone.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["fields"]["phone"].is_string(), "{body}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing was filed");
    // Unknown fields are refused.
    let extra = json!({"category": "road", "area": "yanliang-guanshan", "title": "t", "description": "d", "email": "x@y"});
    let (status, _) = post_json(&app, &extra.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn contact_details_are_sealed_and_never_published() {
    let app = TestApp::new().await;
    let body = json!({"category": "road", "area": "yanliang-guanshan", "title": "路灯坏了",
                      "description": "关山路路灯不亮", "name": "刘桂英", "phone": "13800001234"});
    let (status, created) = post_json(&app, &body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let code = created["tracking_code"].as_str().unwrap();
    let mut c = app.client();
    let r = c.get(&format!("/api/v1/concerns/{code}")).await;
    for secret in ["13800001234", "138****1234", "刘桂英", "刘**"] {
        assert!(!r.body.contains(secret), "{secret} in {}", r.body);
    }
    let row: (String, String, String) = {
        use sqlx::Row;
        let r =
            sqlx::query("SELECT phone_sealed, phone_masked, name_masked FROM concern_reporters")
                .fetch_one(app.t.db.pool())
                .await
                .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert!(!row.0.contains("13800001234"));
    assert_eq!(row.1, "138****1234");
    assert_eq!(row.2, "刘**");
    // Without a key on the server, contact details are refused rather than kept in clear.
    let keyless = xieshang_web::app(xieshang_web::AppState::new(
        app.t.db.clone(),
        xieshang_web::WebConfig::default(),
    ))
    .0;
    let mut k = crate::app::Client {
        router: keyless,
        cookies: Vec::new(),
    };
    let req = Request::post("/api/v1/concerns")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = k.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn a_resident_follows_the_concern_on_the_tracking_page() {
    let app = TestApp::new().await;
    let body = json!({"category": "water", "area": "yanliang-fenghuang-g07", "title": "凤凰路供水管爆裂", "description": "路口大量积水"});
    let (status, created) = post_json(&app, &body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED);
    let code = created["tracking_code"].as_str().unwrap();
    let mut c = app.client();
    let home = c.get("/").await;
    assert!(
        home.body.contains("action=\"/track\""),
        "the home page offers the look-up"
    );
    let r = c.get(&format!("/track?code={}", code.to_lowercase())).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("凤凰路供水管爆裂")
            && r.body.contains("凤凰社区第7网格")
            && r.body.contains("已提交"),
        "{}",
        r.body
    );
    let r = c.get("/track?code=ZZZZZZZZZZ").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("没有找到该查询码"));
    // A page without a form that posts hands the visitor no token cookie.
    let r = app.client().get(&format!("/track?code={code}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.set_cookies.is_empty(), "{:?}", r.set_cookies);
    assert!(!r.body.contains("_csrf"), "{}", r.body);
}

#[tokio::test]
async fn staff_triage_a_concern_from_their_queue() {
    let app = TestApp::new().await;
    let body = json!({"category": "road", "area": "yanliang-guanshan", "title": "学校门口道路破损", "description": "路面塌陷"});
    let (_, created) = post_json(&app, &body.to_string()).await;
    let code = created["tracking_code"].as_str().unwrap().to_owned();
    let id: i64 = sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(&code)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();

    let mut staff = app.login("staff").await;
    let queue = staff.get("/concerns").await;
    assert!(queue.body.contains("学校门口道路破损"), "{}", queue.body);
    let mut beilin = app.login("staff-beilin").await;
    assert!(!beilin
        .get("/concerns")
        .await
        .body
        .contains("学校门口道路破损"));

    let page = staff.get(&format!("/concerns/{id}")).await;
    assert!(page.body.contains("id=\"do-accept\"") && page.body.contains("id=\"do-reject\""));
    assert!(
        !page.body.contains("id=\"do-reopen\""),
        "only what the engine allows is offered"
    );
    let r = staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "reject"), ("note", " ")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/concerns/{id}?err=err.reason_required").as_str())
    );
    let r = staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept"), ("note", "转城管局")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/concerns/{id}?ok=common.saved").as_str())
    );
    let r = staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/concerns/{id}?err=err.transition").as_str())
    );
    let page = staff.get(&format!("/concerns/{id}")).await;
    assert!(page.body.contains("已受理") && page.body.contains("转城管局"));

    // The resident sees the step, but not the internal note or who took it.
    let mut resident = app.client();
    let track = resident.get(&format!("/track?code={code}")).await;
    assert!(
        track.body.contains("已受理")
            && !track.body.contains("转城管局")
            && !track.body.contains("机关工作人员")
    );
}

#[tokio::test]
async fn a_resident_reports_through_the_public_form_without_an_account() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let form = c.get("/report").await;
    assert_eq!(form.status, StatusCode::OK);
    // Issue 26: grouped by district under its everyday name, the street and
    // community by theirs (no longer the bodies' path).
    assert!(
        form.body.contains(r#"<optgroup label="阎良区">"#)
            && form.body.contains(">凤凰街道 · 凤凰社区</option>"),
        "areas are grouped and named as residents know them"
    );
    let r = c
        .post(
            "/report",
            &[
                ("category", "safety"),
                ("area", "yanliang-fenghuang-g12"),
                ("title", " "),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("标题须为1至100个字符") && r.body.contains("具体情况须为1至4000个字符")
    );
    let r = c
        .post(
            "/report",
            &[
                ("category", "safety"),
                ("area", "yanliang-fenghuang-g12"),
                ("title", "临街店铺装修存在危险"),
                ("description", "脚手架无防护"),
                ("address", "凤凰路12号"),
            ],
        )
        .await;
    let loc = r.location.clone().unwrap();
    assert!(
        loc.starts_with("/track?code=") && loc.ends_with("&filed=1"),
        "{loc}"
    );
    let page = c.get(&loc).await;
    assert!(
        page.body.contains("id=\"tracking-code\"") && page.body.contains("临街店铺装修存在危险")
    );
    let channel: String = sqlx::query_scalar("SELECT channel FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(channel, "web");
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(k) = key {
        b = b.header("x-api-key", k);
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let r = app.client().send(req).await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn machine_clients_page_through_lists_and_departments_post_updates() {
    use xieshang_store::account::apikey::{self, Scope};
    let app = TestApp::new().await;
    let mut codes = Vec::new();
    for i in 0..5 {
        let body = json!({"category": "road", "area": "yanliang-guanshan-g01", "title": format!("路面{i}"), "description": "坑"});
        let (s, v) = post_json(&app, &body.to_string()).await;
        assert_eq!(s, StatusCode::CREATED);
        codes.push(v["tracking_code"].as_str().unwrap().to_owned());
    }
    let body = json!({"category": "road", "area": "beilin-nanyuanmen", "title": "碑林", "description": "坑"});
    post_json(&app, &body.to_string()).await;
    let (_, read) = apikey::create(&app.t.db, "yanliang", "区平台", &[Scope::ConcernsRead])
        .await
        .unwrap();

    let (s, v) = call(&app, "GET", "/api/v1/concerns", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(v["error"].is_string());
    let (s, _) = call(&app, "GET", "/api/v1/concerns", Some("xs_nope"), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/concerns?limit=2&cursor={c}"),
            None => "/api/v1/concerns?limit=2".to_owned(),
        };
        let (s, v) = call(&app, "GET", &path, Some(&read), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        for i in v["items"].as_array().unwrap() {
            seen.push(i["tracking_code"].as_str().unwrap().to_owned());
            assert!(i.get("name").is_none() && i.get("phone").is_none());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen, codes,
        "every concern of the key's district once, in order; none of Beilin's"
    );
    let (s, v) = call(
        &app,
        "GET",
        "/api/v1/concerns?state=assigned",
        Some(&read),
        None,
    )
    .await;
    assert_eq!(
        (s, v["items"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );
    let (s, v) = call(&app, "GET", "/api/v1/concerns?limit=0", Some(&read), None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["fields"]["limit"].is_string());
    let (s, _) = call(
        &app,
        "GET",
        "/api/v1/concerns?area=beilin-nanyuanmen",
        Some(&read),
        None,
    )
    .await;
    // Outside the key's unit: 404, as a record out of scope is everywhere.
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &app,
        "GET",
        "/api/v1/concerns?cursor=zzz",
        Some(&read),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Staff assign the first to the urban-management bureau; its system resolves it.
    let id: i64 = sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(&codes[0])
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let mut staff = app.login("staff").await;
    staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await;
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await;
    let (_, system) = apikey::create(
        &app.t.db,
        "yanliang-cgj",
        "城管案件系统",
        &[Scope::ConcernsUpdate],
    )
    .await
    .unwrap();
    let (_, water) = apikey::create(
        &app.t.db,
        "yanliang-swj",
        "水务系统",
        &[Scope::ConcernsUpdate],
    )
    .await
    .unwrap();
    let path = format!("/api/v1/concerns/{}/updates", codes[0]);
    let (s, _) = call(
        &app,
        "POST",
        &path,
        Some(&read),
        Some(json!({"action": "progress", "note": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a read key cannot update");
    let (s, _) = call(
        &app,
        "POST",
        &path,
        Some(&water),
        Some(json!({"action": "progress", "note": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "not assigned to the water bureau");
    let (s, _) = call(
        &app,
        "POST",
        "/api/v1/concerns/NOSUCHCODE/updates",
        Some(&system),
        Some(json!({"action": "progress", "note": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = call(
        &app,
        "POST",
        &path,
        Some(&system),
        Some(json!({"action": "fly", "note": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = call(
        &app,
        "POST",
        &path,
        Some(&system),
        Some(json!({"action": "progress", "note": "已派单"})),
    )
    .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("in_progress")),
        "{v}"
    );
    let (s, v) = call(
        &app,
        "POST",
        &path,
        Some(&system),
        Some(json!({"action": "resolve", "note": "已修复"})),
    )
    .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("resolved")),
        "{v}"
    );
    let (s, _) = call(
        &app,
        "POST",
        &path,
        Some(&system),
        Some(json!({"action": "progress", "note": "再报"})),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a resolved concern takes no more progress"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&r.body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/concerns",
        "/api/v1/concerns/{code}",
        "/api/v1/categories",
        "/api/v1/areas",
        "/api/v1/concerns/{code}/updates",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} documented");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["name"],
        "X-Api-Key"
    );
    assert!(doc["components"]["schemas"]["Intake"]["properties"]["phone"].is_object());
    // The documented bound is the one every way in applies.
    assert_eq!(
        doc["components"]["schemas"]["Intake"]["properties"]["description"]["maxLength"].as_u64(),
        Some(xieshang_core::concern::DESCRIPTION_MAX as u64)
    );
    // Control characters are refused, not stored.
    let body = json!({"category": "road", "area": "yanliang-guanshan", "title": "a\u{0}b", "description": "d"});
    let (s, v) = post_json(&app, &body.to_string()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["fields"]["title"].is_string());
}

#[tokio::test]
async fn an_area_archived_after_a_submission_refuses_the_next() {
    // The area's code is resolved once and reused for a while; the writer's
    // own check still refuses a unit archived meanwhile.
    let app = TestApp::new().await;
    let body = json!({"category": "road", "area": "yanliang-fenghuang-g01", "title": "路灯不亮",
                      "description": "晚上路灯不亮"})
    .to_string();
    let (status, created) = post_json(&app, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let admin = xieshang_store::account::user::actor(&app.t.db, app.user_id("admin").await)
        .await
        .unwrap();
    let grid = app.org_id("yanliang-fenghuang-g01").await;
    xieshang_store::org::set_archived(&app.t.db, &admin, grid, true)
        .await
        .unwrap();
    let (status, refused) = post_json(&app, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused.to_string().contains("area"), "{refused}");
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns WHERE org_id = $1")
        .bind(grid)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(open, 1, "only the first was kept");
}

/// The query parameter `name` of the GET operation at `path`, from the document.
fn param<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{path} documents {name}"))
}

fn enum_of(p: &Value) -> Vec<String> {
    p["schema"]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("an enumeration: {p}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// What the document says of the list's and the similar-concern lookup's
/// parameters is what the API accepts and refuses: each documented state and
/// category is taken and anything else refused, the area pattern fits every
/// area the API lists, the page size and text bounds are the API's own.
#[tokio::test]
async fn the_documented_parameter_bounds_are_the_apis() {
    use xieshang_store::account::apikey::{self, Scope};
    let app = TestApp::new().await;
    let (_, key) = apikey::create(&app.t.db, "xa", "全市", &[Scope::ConcernsRead])
        .await
        .unwrap();
    let key = Some(key.as_str());
    let (_, doc) = call(&app, "GET", "/api/v1/openapi.json", None, None).await;
    let list = "/api/v1/concerns";

    let states = enum_of(param(&doc, list, "state"));
    assert!(
        states.contains(&"submitted".to_owned()) && states.len() > 4,
        "{states:?}"
    );
    for s in &states {
        let (st, v) = call(&app, "GET", &format!("{list}?state={s}"), key, None).await;
        assert_eq!(st, StatusCode::OK, "{s}: {v}");
    }
    let (st, _) = call(&app, "GET", &format!("{list}?state=lost"), key, None).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    let (_, cats) = call(&app, "GET", "/api/v1/categories", None, None).await;
    let mut listed: Vec<String> = cats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    let mut documented = enum_of(param(&doc, list, "category"));
    listed.sort();
    documented.sort();
    assert_eq!(documented, listed);
    for c in &documented {
        let (st, v) = call(&app, "GET", &format!("{list}?category={c}"), key, None).await;
        assert_eq!(st, StatusCode::OK, "{c}: {v}");
    }
    let (st, _) = call(&app, "GET", &format!("{list}?category=roads"), key, None).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // Codes are 2 to 40 of a-z, 0-9 and '-': the pattern the document gives.
    let code_pattern = "^[a-z0-9-]{2,40}$";
    assert_eq!(param(&doc, list, "area")["schema"]["pattern"], code_pattern);
    assert_eq!(
        param(&doc, "/api/v1/similar", "area")["schema"]["pattern"],
        code_pattern
    );
    let (_, areas) = call(&app, "GET", "/api/v1/areas", None, None).await;
    let areas = areas.as_array().unwrap();
    assert!(areas.len() > 10);
    for a in areas {
        let code = a["code"].as_str().unwrap();
        assert!(
            (2..=40).contains(&code.len())
                && code
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
            "{code} fits {code_pattern}"
        );
    }

    let limit = &param(&doc, list, "limit")["schema"];
    let (lo, hi) = (
        limit["minimum"].as_i64().unwrap(),
        limit["maximum"].as_i64().unwrap(),
    );
    for (n, want) in [
        (lo - 1, StatusCode::UNPROCESSABLE_ENTITY),
        (lo, StatusCode::OK),
        (hi, StatusCode::OK),
        (hi + 1, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (st, v) = call(&app, "GET", &format!("{list}?limit={n}"), key, None).await;
        assert_eq!(st, want, "limit {n}: {v}");
    }
    for name in ["since", "until"] {
        assert_eq!(param(&doc, list, name)["schema"]["format"], "date-time");
        let (st, v) = call(
            &app,
            "GET",
            &format!("{list}?{name}=2026-01-01T00:00:00%2B08:00"),
            key,
            None,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{name}: {v}");
        let (st, _) = call(&app, "GET", &format!("{list}?{name}=yesterday"), key, None).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    }

    let text = &param(&doc, "/api/v1/similar", "text")["schema"];
    let max = text["maxLength"].as_u64().unwrap() as usize;
    assert_eq!(text["minLength"], 1);
    assert_eq!(text["pattern"], "\\S", "not all spaces");
    let similar = |t: String| {
        format!(
            "/api/v1/similar?area=yanliang-guanshan-g01&text={}",
            crate::find::urlencode(&t)
        )
    };
    for (t, want) in [
        ("路".repeat(max), StatusCode::OK),
        (
            format!(" {}", "路".repeat(max)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("路".repeat(max + 1), StatusCode::UNPROCESSABLE_ENTITY),
        ("   ".to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
        (String::new(), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (st, v) = call(&app, "GET", &similar(t.clone()), None, None).await;
        assert_eq!(st, want, "{} characters: {v}", t.chars().count());
    }
}

#[tokio::test]
async fn a_district_key_does_not_act_as_its_departments() {
    use xieshang_store::account::apikey::{self, Scope};
    let app = TestApp::new().await;
    let body = json!({"category": "road", "area": "yanliang-guanshan-g01", "title": "路面坑洼",
                      "description": "坑"});
    let (s, v) = post_json(&app, &body.to_string()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["tracking_code"].as_str().unwrap().to_owned();
    app.accept(&code).await;
    let id = xieshang_store::concern::id_by_code(&app.t.db, &code)
        .await
        .unwrap();
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    let mut staff = app.login("staff").await;
    let r = staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await;
    assert!(!r.location.unwrap_or_default().contains("err="));
    // The district's own key, with concerns:update: the district is not the
    // department the concern is assigned to.
    let (_, district) = apikey::create(
        &app.t.db,
        "yanliang",
        "区平台",
        &[Scope::ConcernsUpdate, Scope::ConcernsRead],
    )
    .await
    .unwrap();
    let path = format!("/api/v1/concerns/{code}/updates");
    for action in ["progress", "resolve", "request_reassignment"] {
        let (s, v) = call(
            &app,
            "POST",
            &path,
            Some(&district),
            Some(json!({"action": action, "note": "以区平台的名义"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{action}: {v}");
    }
    let state: String = sqlx::query_scalar("SELECT state FROM concerns WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(state, "assigned", "nothing changed");
    // The department's own key does it.
    let (_, own) = apikey::create(&app.t.db, "yanliang-cgj", "城管", &[Scope::ConcernsUpdate])
        .await
        .unwrap();
    let (s, v) = call(
        &app,
        "POST",
        &path,
        Some(&own),
        Some(json!({"action": "resolve", "note": "已修复"})),
    )
    .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("resolved")),
        "{v}"
    );
}

#[tokio::test]
async fn direction_overrides_and_line_breaks_are_refused_in_single_line_text() {
    // Finding 9 of issue 24: titles took U+202E (right-to-left override), CR/LF
    // and noncharacters; the form and the API must refuse them.
    let app = TestApp::new().await;
    let mut c = app.client();
    let bad_titles = [
        "井盖\u{202E}失缺",
        "井盖\u{2066}缺失\u{2069}",
        "井盖\u{200F}缺失",
        "井盖\n缺失",
        "井盖\r缺失",
        "井盖\u{FFFF}缺失",
    ];
    for title in bad_titles {
        let body = serde_json::json!({"category": "road", "area": "yanliang-guanshan-g01",
            "title": title, "description": "夜里很危险"});
        let req = Request::post("/api/v1/concerns")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let r = c.send(req).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{title:?}: {}",
            r.body
        );
        assert!(r.body.contains("\"title\""), "{}", r.body);
        let r = c
            .post(
                "/report",
                &[
                    ("category", "road"),
                    ("area", "yanliang-guanshan-g01"),
                    ("title", title),
                    ("description", "夜里很危险"),
                    ("confirm_new", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{title:?}");
    }
    // A direction override is refused in a description too; a line break is not.
    let body = serde_json::json!({"category": "road", "area": "yanliang-guanshan-g01",
        "title": "井盖缺失", "description": "夜里\u{202E}很危险"});
    let req = Request::post("/api/v1/concerns")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = c
        .post(
            "/report",
            &[
                ("category", "road"),
                ("area", "yanliang-guanshan-g01"),
                ("title", "井盖缺失"),
                ("description", "夜里很危险\r\n第二行"),
                ("confirm_new", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 1, "only the clean one was filed");
}

#[tokio::test]
async fn direction_controls_are_refused_in_every_form() {
    // Not only intake: any form field (a unit's name here, a multipart report
    // there) is refused with a message, and nothing is written.
    let app = TestApp::new().await;
    let mut staff = app.login("staff").await;
    let street = app.org_id("yanliang-fenghuang").await;
    let r = staff
        .post(
            &format!("/orgs/{street}/children"),
            &[
                ("kind", "community"),
                ("name", "凤栖\u{202E}区社"),
                ("code", "fh-c4"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("U+202E"), "{}", r.body);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orgs WHERE code = 'fh-c4'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
    let mut resident = app.client();
    resident.get("/report").await;
    let r = resident
        .post_multipart(
            "/report",
            &[
                ("category", "road"),
                ("area", "yanliang-guanshan-g01"),
                ("title", "井盖缺失"),
                ("description", "夜里\u{FFFF}很危险"),
                ("confirm_new", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}
