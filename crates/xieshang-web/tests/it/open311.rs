//! Open311 GeoReport v2: discovery, services, definitions, POST with API keys,
//! GET with the specification's filters, XML and JSON, errors and codes as the
//! specification says, no personal data.

use crate::app::{Client, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::Value;
use xieshang_store::account::apikey::{self, Scope};

async fn post(c: &mut Client, path: &str, form: &[(&str, &str)]) -> crate::app::Resp {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap();
    c.send(req).await
}

fn json(r: &crate::app::Resp) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

#[tokio::test]
async fn discovery_services_and_definitions_in_xml_and_json() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/open311/v2/discovery.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let d = json(&r);
    assert_eq!(
        d["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert_eq!(d["endpoints"][0]["formats"][1], "application/json");
    let r = c.get("/open311/v2/discovery.xml").await;
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    assert!(r
        .body
        .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"));
    assert!(r
        .body
        .contains("<formats><format>text/xml</format><format>application/json</format></formats>"));

    let r = c
        .get("/open311/v2/services.json?jurisdiction_id=yanliang")
        .await;
    let services = json(&r);
    let road = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "road")
        .unwrap();
    assert_eq!(road["service_name"], "道路设施");
    assert_eq!(road["metadata"], true);
    assert_eq!(road["type"], "realtime");
    let r = c.get("/open311/v2/services.xml").await;
    assert!(
        r.body
            .contains("<services><service><service_code>road</service_code>"),
        "{}",
        r.body
    );
    let r = c
        .get("/open311/v2/services.json?jurisdiction_id=atlantis")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(json(&r)[0]["code"], 404);

    let r = c.get("/open311/v2/services/water.json").await;
    let def = json(&r);
    assert_eq!(def["service_code"], "water");
    let attr = &def["attributes"][0];
    assert_eq!(attr["code"], "water_kind");
    assert_eq!(attr["datatype"], "singlevaluelist");
    assert_eq!(attr["values"][0]["key"], "burst_main");
    let r = c.get("/open311/v2/services/water.xml").await;
    assert!(r.body.contains("<service_definition><service_code>water</service_code><attributes><attribute><variable>true</variable>"));
    let r = c.get("/open311/v2/services/nope.xml").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body.contains("<errors><error><code>404</code>"),
        "{}",
        r.body
    );
    let r = c.get("/open311/v2/services.yaml").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn posting_needs_a_key_and_files_a_concern_without_publishing_who() {
    let app = TestApp::new().await;
    let (_, key) = apikey::create(
        &app.t.db,
        "yanliang",
        "区12345热线",
        &[Scope::ConcernsCreate],
    )
    .await
    .unwrap();
    let (read_id, read_only) =
        apikey::create(&app.t.db, "yanliang", "只读", &[Scope::ConcernsRead])
            .await
            .unwrap();
    let mut c = app.client();
    let base = [
        ("jurisdiction_id", "yanliang"),
        ("service_code", "water"),
        ("address_id", "yanliang-fenghuang-g07"),
        ("lat", "34.662"),
        ("long", "109.226"),
        ("description", "凤凰路与人民路口供水管爆裂，水漫路面"),
        ("first_name", "建国"),
        ("last_name", "王"),
        ("phone", "13700001234"),
        ("email", "wang@example.com"),
        ("attribute[water_kind]", "burst_main"),
    ];
    // No key, a wrong key, a key without the scope: 403, nothing filed.
    let r = post(&mut c, "/open311/v2/requests.json", &base).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(json(&r)[0]["code"], 403);
    for k in ["xs_wrong", read_only.as_str()] {
        let mut f = base.to_vec();
        f.push(("api_key", k));
        let r = post(&mut c, "/open311/v2/requests.xml", &f).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("<errors><error><code>403</code>"));
    }
    // A bad answer to the category's question: 400.
    let mut f = base.to_vec();
    f.push(("api_key", &key));
    f.retain(|(k, _)| *k != "attribute[water_kind]");
    f.push(("attribute[water_kind]", "lava"));
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);

    let mut f = base.to_vec();
    f.push(("api_key", &key));
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = json(&r)[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 10);
    let stored: (String, Option<String>, Option<i64>) = {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT channel, attributes, api_key_id FROM concerns WHERE tracking_code = $1",
        )
        .bind(&id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!(stored.0, "api");
    assert_eq!(
        stored.1.as_deref(),
        Some("{\"water_kind\":[\"burst_main\"]}")
    );
    assert!(stored.2.is_some());

    // Before staff take it up, it is nobody's business but the resident's.
    let r = c.get(&format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    app.accept(&id).await;

    // GET it back, by id and in lists, in both formats: no name, phone or email.
    for path in [
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests.json?service_request_id={id}"),
        "/open311/v2/requests.json?jurisdiction_id=yanliang&status=open&service_code=water"
            .to_owned(),
        format!("/open311/v2/requests/{id}.xml"),
    ] {
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        for secret in [
            "13700001234",
            "137****1234",
            "王建国",
            "建国",
            "wang@example.com",
        ] {
            assert!(!r.body.contains(secret), "{path} shows {secret}");
        }
        assert!(r.body.contains(&id), "{path}: {}", r.body);
    }
    let r = c.get(&format!("/open311/v2/requests/{id}.json")).await;
    let req = &json(&r)[0];
    assert_eq!(req["status"], "open");
    assert_eq!(req["service_code"], "water");
    assert_eq!(req["address_id"], "yanliang-fenghuang-g07");
    assert_eq!(req["lat"], 34.662);
    assert!(req["requested_datetime"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));
    let r = c.get(&format!("/open311/v2/requests/{id}.xml")).await;
    assert!(r
        .body
        .contains("<service_requests><request><service_request_id>"));
    let r = c.get(&format!("/open311/v2/tokens/{id}.json")).await;
    assert_eq!(json(&r)[0]["service_request_id"], id.as_str());

    // Filters: closed excludes it; another district excludes it; a time window
    // that ends before it excludes it; over 90 days or a bad date is a 400.
    let r = c.get("/open311/v2/requests.json?status=closed").await;
    assert!(!r.body.contains(&id));
    let r = c
        .get("/open311/v2/requests.json?jurisdiction_id=beilin")
        .await;
    assert_eq!(json(&r), Value::Array(vec![]));
    let r = c.get("/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00%2B08:00").await;
    assert_eq!(json(&r), Value::Array(vec![]));
    let r = c.get("/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-06-01T00:00:00Z").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .get("/open311/v2/requests.json?start_date=yesterday")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c.get("/open311/v2/requests/NOSUCHCODE.json").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The key works only in its own district: another is out of its scope,
    // 404 as everywhere.
    let mut f: Vec<(&str, &str)> = base
        .iter()
        .filter(|(k, _)| *k != "address_id" && *k != "jurisdiction_id")
        .copied()
        .collect();
    f.push(("api_key", &key));
    f.push(("jurisdiction_id", "beilin"));
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // A revoked key stops at once.
    let (_, k2) = apikey::create(&app.t.db, "yanliang", "旧系统", &[Scope::ConcernsCreate])
        .await
        .unwrap();
    let id2 = apikey::list(&app.t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "旧系统")
        .unwrap()
        .id;
    apikey::revoke(&app.t.db, id2).await.unwrap();
    let mut f = base.to_vec();
    f.push(("api_key", &k2));
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let _ = read_id;
    // No location at all: 400.
    let f = [
        ("api_key", key.as_str()),
        ("service_code", "road"),
        ("description", "路灯坏了"),
    ];
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // With lat/long only, it files at the key's district.
    let f = [
        ("api_key", key.as_str()),
        ("service_code", "road"),
        ("description", "路灯坏了"),
        ("lat", "34.6"),
        ("long", "109.2"),
    ];
    let r = post(&mut c, "/open311/v2/requests.xml", &f).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<service_request_id>"));
}

#[tokio::test]
async fn the_default_list_is_the_last_90_days() {
    let app = TestApp::new().await;
    let (_, key) = apikey::create(&app.t.db, "yanliang", "热线", &[Scope::ConcernsCreate])
        .await
        .unwrap();
    let mut c = app.client();
    let f = [
        ("api_key", key.as_str()),
        ("service_code", "road"),
        ("description", "旧事"),
        ("address_id", "yanliang-guanshan"),
    ];
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    let old = json(&r)[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.accept(&old).await;
    app.advance(100 * 86_400_000);
    let f = [
        ("api_key", key.as_str()),
        ("service_code", "road"),
        ("description", "新事"),
        ("address_id", "yanliang-guanshan"),
    ];
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    let new = json(&r)[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.accept(&new).await;
    let r = c.get("/open311/v2/requests.json").await;
    assert!(
        r.body.contains(&new) && !r.body.contains(&old),
        "{}",
        r.body
    );
    // Asking by id overrides the window.
    let r = c
        .get(&format!(
            "/open311/v2/requests.json?service_request_id={old},{new}"
        ))
        .await;
    assert_eq!(json(&r).as_array().unwrap().len(), 2);
}

/// A concern in the state `to`, through the actions staff take; its code.
async fn concern_in(app: &TestApp, title: &str, to: &str) -> String {
    use xieshang_store::item::{transition, By};
    let area = app.org_id("yanliang-fenghuang-g15").await;
    let (id, code) = xieshang_store::concern::record(
        &app.t.db,
        By::Resident,
        xieshang_store::testing::web_concern(
            area,
            "water",
            title,
            "凤鸣花园东门口自来水管爆了，水漫到马路上。",
        ),
    )
    .await
    .unwrap();
    let staff = xieshang_store::account::user::actor(&app.t.db, app.user_id("staff").await)
        .await
        .unwrap();
    match to {
        "submitted" => {}
        "merged" => {
            let into = Box::pin(concern_in(app, "并入的那一件", "accepted")).await;
            xieshang_store::concern::triage::merge(&app.t.db, &staff, id, &into, None)
                .await
                .unwrap();
        }
        action => {
            let action = if action == "rejected" {
                xieshang_core::item::Action::Reject
            } else {
                xieshang_core::item::Action::Accept
            };
            transition(
                &app.t.db,
                &xieshang_core::item::CONCERN,
                id,
                action,
                By::User(&staff),
                Some("理由"),
                &[],
            )
            .await
            .unwrap();
        }
    }
    code
}

#[tokio::test]
async fn only_concerns_staff_took_up_are_published() {
    let app = TestApp::new().await;
    let submitted = concern_in(&app, "未受理水管爆裂", "submitted").await;
    let rejected = concern_in(&app, "不予受理水管爆裂", "rejected").await;
    let merged = concern_in(&app, "已并案水管爆裂", "merged").await;
    let accepted = concern_in(&app, "已受理水管爆裂", "accepted").await;
    let hidden = [&submitted, &rejected, &merged];
    let mut c = app.client();
    for path in [
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/requests.xml".to_owned(),
        "/open311/v2/requests.json?status=open".to_owned(),
        "/open311/v2/requests.json?status=closed".to_owned(),
        format!("/open311/v2/requests.json?service_request_id={submitted},{rejected},{merged},{accepted}"),
        format!("/open311/v2/requests.xml?service_request_id={submitted},{rejected},{merged},{accepted}"),
    ] {
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        for code in hidden {
            assert!(!r.body.contains(code.as_str()), "{path} shows {code}: {}", r.body);
        }
        if !path.contains("closed") {
            assert!(r.body.contains(&accepted), "{path} lists the accepted one");
        }
    }
    for code in hidden {
        for ext in ["json", "xml"] {
            let r = c.get(&format!("/open311/v2/requests/{code}.{ext}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{code}.{ext}: {}", r.body);
            assert!(!r.body.contains("水管"), "{}", r.body);
        }
    }
    let r = c
        .get(&format!("/open311/v2/requests/{accepted}.json"))
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // The suggestions residents see before they submit: the same rule.
    let url = format!(
        "/api/v1/similar?area=yanliang-fenghuang-g16&text={}",
        crate::find::urlencode("凤鸣花园东门口水管破裂，一直冒水")
    );
    let r = c.get(&url).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Issue 26: suggestions carry a one-time token, never a tracking code, so
    // they are told apart by their titles.
    assert!(r.body.contains("已受理水管爆裂"), "{}", r.body);
    assert!(!r.body.contains(&accepted), "{}", r.body);
    for title in ["未受理水管爆裂", "不予受理水管爆裂", "已并案水管爆裂"] {
        assert!(!r.body.contains(title), "similar shows {title}: {}", r.body);
    }
    // The open-data file: resolved and closed ones only, so none of these.
    let r = c.get("/open-data/concerns.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    for code in [&submitted, &rejected, &merged, &accepted] {
        assert!(!r.body.contains(code.as_str()));
    }

    // Each resident still follows their own concern by its code.
    for code in [&submitted, &rejected, &merged] {
        let r = c.get(&format!("/track?code={code}")).await;
        assert_eq!(r.status, StatusCode::OK, "{code}");
        let r = c.get(&format!("/api/v1/concerns/{code}")).await;
        assert_eq!(r.status, StatusCode::OK, "{code}");
    }
}

#[tokio::test]
async fn start_date_alone_does_not_open_the_90_day_window() {
    let app = TestApp::new().await;
    let now = app.t.db.now_ms();
    let day = 86_400_000;
    app.set_clock(now - 200 * day);
    let old = concern_in(&app, "二百天前水管爆裂", "accepted").await;
    app.set_clock(now - 60 * day);
    let recent = concern_in(&app, "六十天前水管爆裂", "accepted").await;
    app.set_clock(now);
    let rfc = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let mut c = app.client();
    // From 210 days ago: the 90 days from then (the old one), not up to today.
    let r = c
        .get(&format!(
            "/open311/v2/requests.json?start_date={}",
            rfc(now - 210 * day)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&old), "{}", r.body);
    assert!(
        !r.body.contains(&recent),
        "start_date alone spans 90 days: {}",
        r.body
    );
    assert_eq!(json(&r).as_array().unwrap().len(), 1);
    // Up to 150 days ago: the 90 days before then.
    let r = c
        .get(&format!(
            "/open311/v2/requests.json?end_date={}",
            rfc(now - 150 * day)
        ))
        .await;
    assert!(
        r.body.contains(&old) && !r.body.contains(&recent),
        "{}",
        r.body
    );
    // Both, more than 90 days apart: refused.
    let r = c
        .get(&format!(
            "/open311/v2/requests.json?start_date={}&end_date={}",
            rfc(now - 210 * day),
            rfc(now)
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Neither: the last 90 days.
    let r = c.get("/open311/v2/requests.json").await;
    assert!(
        r.body.contains(&recent) && !r.body.contains(&old),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn urls_start_with_the_configured_address_never_the_host_header() {
    let app = TestApp::with_config(|c| c.base_url = "https://xieshang.example.cn".into()).await;
    let code = concern_in(&app, "有照片的水管爆裂", "accepted").await;
    // Give it a photo so that media_url is written.
    sqlx::query(
        "INSERT INTO attachments (kind, item_id, stage, public_token, content_type, width, height, bytes, created_at)
         SELECT 'concern', id, 'intake', 'tok123', 'image/jpeg', 1, 1, $1, 0 FROM concerns WHERE tracking_code = $2",
    )
    .bind(vec![0u8; 4])
    .bind(&code)
    .execute(app.t.db.pool())
    .await
    .unwrap();
    let mut c = app.client();
    for path in [
        "/open311/v2/discovery.json".to_owned(),
        "/open311/v2/discovery.xml".to_owned(),
        "/open311/v2/requests.json".to_owned(),
        format!("/open311/v2/requests/{code}.xml"),
    ] {
        let req = Request::get(path.as_str())
            .header(header::HOST, "evil.example")
            .header("x-forwarded-proto", "https")
            .body(Body::empty())
            .unwrap();
        let r = c.send(req).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.body.contains("evil.example"), "{path}: {}", r.body);
        assert!(
            r.body.contains("https://xieshang.example.cn/"),
            "{path}: {}",
            r.body
        );
    }
    let req = Request::get("/open311/v2/discovery.json")
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(
        json(&r)["endpoints"][0]["url"],
        "https://xieshang.example.cn/open311/v2"
    );
    let req = Request::get(format!("/open311/v2/requests/{code}.json"))
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(
        json(&r)[0]["media_url"],
        "https://xieshang.example.cn/photos/tok123"
    );
}

/// The characters XML 1.0 allows (its `Char` production; Rust strings hold no
/// surrogates).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A tiny well-formedness check of the feeds: only XML characters, one root,
/// every tag closed in order, attributes quoted, every `&` an entity.
fn assert_well_formed(xml: &str) {
    if let Some(bad) = xml.chars().find(|c| !xml_char(*c)) {
        panic!("U+{:04X} is not an XML character", bad as u32);
    }
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
        .expect("XML declaration");
    let mut open: Vec<&str> = Vec::new();
    let mut rest = body;
    let mut roots = 0;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        assert!(!text.contains('>'), "a bare > in text: {text}");
        for (j, _) in text.match_indices('&') {
            let entity = &text[j..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "a bare & in text: {text}"
            );
        }
        let end = rest[i..].find('>').expect("an unclosed tag") + i;
        let tag = &rest[i + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "tags closed out of order");
        } else {
            let self_closing = tag.ends_with('/');
            let name = tag
                .trim_end_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or("");
            assert!(!name.is_empty() && !name.contains(['<', '&', '"']));
            if open.is_empty() {
                roots += 1;
            }
            if !self_closing {
                open.push(name);
            }
        }
        rest = &rest[end + 1..];
    }
    assert!(rest.trim().is_empty() && open.is_empty() && roots == 1);
}

#[tokio::test]
async fn legacy_text_with_noncharacters_keeps_the_xml_feed_well_formed() {
    // Finding 9 of issue 24: U+FFFE and U+FFFF passed the control check and the
    // XML escape, so requests.xml stopped parsing for everyone.
    let app = TestApp::new().await;
    let mut c = app.client();
    let body = serde_json::json!({"category": "road", "area": "yanliang-guanshan-g01",
        "title": "井盖缺失", "description": "夜里很危险"});
    let req = Request::post("/api/v1/concerns")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = json(&r)["tracking_code"].as_str().unwrap().to_owned();
    // Written before the input check refused them (legacy data), and accepted
    // so the feed publishes it whatever it does with new concerns.
    sqlx::query(
        "UPDATE concerns SET title = $1, description = $2, address = $3, state = 'accepted'
         WHERE tracking_code = $4",
    )
    .bind("井盖\u{FFFF}缺失\u{1}")
    .bind("夜里\u{FFFE}很危险 <b>&amp;")
    .bind("关山路\u{B}1号")
    .bind(&code)
    .execute(app.t.db.pool())
    .await
    .unwrap();
    for path in [
        "/open311/v2/requests.xml".to_owned(),
        format!("/open311/v2/requests/{code}.xml"),
    ] {
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_well_formed(&r.body);
        assert!(r.body.contains("夜里很危险"), "{path}: {}", r.body);
    }
}
