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
    let before = concerns(&app).await;
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(concerns(&app).await, before, "nothing filed");
    // Another district's street as address_id: the same 404, nothing filed.
    let mut f = with(&base, &[("address_id", "beilin-nanyuanmen")], &[]);
    f.push(("api_key", &key));
    let r = post(&mut c, "/open311/v2/requests.json", &f).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(concerns(&app).await, before, "nothing filed");
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

// h-open311 begin: one test per table of GeoReport v2 (decision 0050), each
// argument with a valid value and, where the specification defines one, an
// invalid one; both formats where the answer differs by format.

/// The errors of an Open311 error document (JSON): (code, description).
fn errors_of(r: &crate::app::Resp) -> Vec<(i64, String)> {
    json(r)
        .as_array()
        .unwrap_or_else(|| panic!("not an error array: {}", r.body))
        .iter()
        .map(|e| {
            (
                e["code"].as_i64().unwrap(),
                e["description"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `base` without the keys of `drop` and of `set`, then `set`.
fn with<'a>(
    base: &[(&'a str, &'a str)],
    set: &[(&'a str, &'a str)],
    drop: &[&str],
) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = base
        .iter()
        .filter(|(k, _)| !drop.contains(k) && !set.iter().any(|(s, _)| s == k))
        .copied()
        .collect();
    out.extend_from_slice(set);
    out
}

async fn concerns(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM concerns")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

async fn hotline_key(app: &TestApp) -> String {
    apikey::create(
        &app.t.db,
        "yanliang",
        "区12345热线",
        &[Scope::ConcernsCreate],
    )
    .await
    .unwrap()
    .1
}

/// Files through Open311 and returns the new id.
async fn filed(c: &mut Client, form: &[(&str, &str)]) -> String {
    let r = post(c, "/open311/v2/requests.json", form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    json(&r)[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The stored description of a concern.
async fn stored_description(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT description FROM concerns WHERE tracking_code = $1")
        .bind(code)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn get_service_list_and_definition_take_their_arguments_as_the_tables_say() {
    let app = TestApp::new().await;
    let mut c = app.client();
    // GET Service List, jurisdiction_id: a district, the city, blank (the
    // same as not given) and none answer the list in both formats.
    for q in [
        "?jurisdiction_id=yanliang",
        "?jurisdiction_id=xa",
        "?jurisdiction_id=",
        "",
    ] {
        let r = c.get(&format!("/open311/v2/services.json{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        let list = json(&r);
        let list = list.as_array().unwrap();
        assert!(list.len() >= 8, "{q}");
        // Every row of the response table, with its allowed values.
        for s in list {
            for field in [
                "service_code",
                "service_name",
                "description",
                "keywords",
                "group",
            ] {
                assert!(
                    s[field].as_str().is_some_and(|v| !v.is_empty()),
                    "{field}: {s}"
                );
            }
            assert!(s["metadata"].is_boolean(), "{s}");
            assert_eq!(s["type"], "realtime");
        }
        let by = |code: &str| list.iter().find(|s| s["service_code"] == code).unwrap();
        assert_eq!(by("road")["metadata"], true, "road asks a question");
        assert_eq!(
            by("environment")["metadata"],
            false,
            "environment asks none"
        );
        let r = c.get(&format!("/open311/v2/services.xml{q}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_well_formed(&r.body);
        assert!(
            r.body.contains(
                "<service><service_code>road</service_code><service_name>道路设施</service_name>"
            ),
            "{}",
            r.body
        );
    }
    // An unknown jurisdiction, and a street (not a jurisdiction): 404 in the
    // error format, naming the argument.
    for j in ["atlantis", "yanliang-fenghuang"] {
        let r = c
            .get(&format!("/open311/v2/services.json?jurisdiction_id={j}"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let e = errors_of(&r);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, 404);
        assert!(
            e[0].1.contains(&format!("jurisdiction_id {j} not found")),
            "{:?}",
            e
        );
        let r = c
            .get(&format!("/open311/v2/services.xml?jurisdiction_id={j}"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_well_formed(&r.body);
        assert!(r.body.contains(&format!(
            "<errors><error><code>404</code><description>jurisdiction_id {j} not found"
        )));
    }

    // GET Service Definition: the service_code in the path, the jurisdiction.
    let r = c
        .get("/open311/v2/services/road.json?jurisdiction_id=yanliang")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = json(&r);
    assert_eq!(d["service_code"], "road");
    let a = &d["attributes"][0];
    assert_eq!(a["variable"], true);
    assert_eq!(a["code"], "near_school");
    assert_eq!(a["datatype"], "singlevaluelist");
    assert_eq!(a["required"], false);
    assert_eq!(a["datatype_description"], "Is it near a school?");
    assert_eq!(a["order"], 1);
    assert_eq!(a["description"], "是否在学校周边");
    assert_eq!(a["values"][0]["key"], "yes");
    assert_eq!(a["values"][0]["name"], "是");
    let r = c.get("/open311/v2/services/environment.json").await;
    assert_eq!(json(&r)["attributes"], Value::Array(vec![]));
    for ext in ["json", "xml"] {
        let r = c.get(&format!("/open311/v2/services/fire.{ext}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(
            r.body
                .contains("service_code fire not found: known codes are road, water"),
            "{}",
            r.body
        );
        let r = c
            .get(&format!(
                "/open311/v2/services/road.{ext}?jurisdiction_id=atlantis"
            ))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("jurisdiction_id atlantis not found"));
    }
}

#[tokio::test]
async fn post_service_request_takes_every_argument_of_its_tables() {
    let app = TestApp::new().await;
    let key = hotline_key(&app).await;
    let mut c = app.client();
    let base = [
        ("api_key", key.as_str()),
        ("service_code", "road"),
        ("address_id", "yanliang-guanshan-g01"),
        ("description", "关山路井盖缺失，夜里很危险"),
    ];
    // jurisdiction_id: a district, or none (the key's own district) files;
    // an unknown one is 404 and files nothing.
    filed(
        &mut c,
        &with(&base, &[("jurisdiction_id", "yanliang")], &[]),
    )
    .await;
    filed(&mut c, &with(&base, &[("jurisdiction_id", "")], &[])).await;
    let n = concerns(&app).await;
    assert_eq!(n, 2);
    for ext in ["json", "xml"] {
        let r = post(
            &mut c,
            &format!("/open311/v2/requests.{ext}"),
            &with(&base, &[("jurisdiction_id", "atlantis")], &[]),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert!(r.body.contains("jurisdiction_id atlantis not found"));
    }

    // service_code: not provided, 400; unknown, 404 (the table's "service_code
    // was not found"), in the error format; nothing filed either way.
    let r = post(
        &mut c,
        "/open311/v2/requests.json",
        &with(&base, &[], &["service_code"]),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors_of(&r),
        vec![(400, "service_code was not provided".to_owned())]
    );
    let r = post(
        &mut c,
        "/open311/v2/requests.json",
        &with(&base, &[("service_code", "fire")], &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let e = errors_of(&r);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, 404);
    assert!(
        e[0].1
            .starts_with("service_code fire not found: known codes are road, water"),
        "{e:?}"
    );
    let r = post(
        &mut c,
        "/open311/v2/requests.xml",
        &with(&base, &[("service_code", "fire")], &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_well_formed(&r.body);
    assert!(r
        .body
        .contains("<errors><error><code>404</code><description>service_code fire not found"));

    // The location: lat & long, address_string or address_id each suffice.
    filed(
        &mut c,
        &with(
            &base,
            &[("lat", "34.66"), ("long", "109.22")],
            &["address_id"],
        ),
    )
    .await;
    let at = filed(
        &mut c,
        &with(&base, &[("address_string", "关山路12号")], &["address_id"]),
    )
    .await;
    assert_eq!(concerns(&app).await, n + 2);
    let addr: Option<String> =
        sqlx::query_scalar("SELECT address FROM concerns WHERE tracking_code = $1")
            .bind(&at)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(addr.as_deref(), Some("关山路12号"));
    // None, half a position, a position that is not one, a place that is not
    // ours: 400, each saying which.
    for (set, drop, says) in [
        (vec![], vec!["address_id"], "a location is required"),
        (
            vec![("lat", "34.66")],
            vec!["address_id"],
            "lat and long must both be given",
        ),
        (
            vec![("lat", "north"), ("long", "109.2")],
            vec!["address_id"],
            "lat and long must both be given",
        ),
        (
            vec![("lat", "91"), ("long", "109.2")],
            vec!["address_id"],
            "lat/long: give both lat and lng, within -90..90",
        ),
        (
            vec![("address_id", "nowhere")],
            vec![],
            "address_id nowhere is not a known area code",
        ),
    ] {
        let r = post(
            &mut c,
            "/open311/v2/requests.json",
            &with(&base, &set, &drop),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{set:?}: {}", r.body);
        let e = errors_of(&r);
        assert!(
            e.iter()
                .any(|(code, d)| *code == 400 && d.starts_with(says)),
            "{set:?}: {e:?}"
        );
    }

    // attribute: an answer the definition allows is kept; one it does not,
    // or a question the service does not ask, is 400.
    let school = filed(
        &mut c,
        &with(&base, &[("attribute[near_school]", "yes")], &[]),
    )
    .await;
    let attrs: Option<String> =
        sqlx::query_scalar("SELECT attributes FROM concerns WHERE tracking_code = $1")
            .bind(&school)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(attrs.as_deref(), Some("{\"near_school\":[\"yes\"]}"));
    for (k, v, says) in [
        (
            "attribute[near_school]",
            "maybe",
            "attribute[near_school]: this answer is not one the question allows",
        ),
        (
            "attribute[colour]",
            "red",
            "attribute[colour]: service road has no such attribute (see services/road.xml)",
        ),
    ] {
        let r = post(
            &mut c,
            "/open311/v2/requests.json",
            &with(&base, &[(k, v)], &[]),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(errors_of(&r), vec![(400, says.to_owned())]);
    }

    // description: 4,000 characters (the specification's limit) are taken
    // whole; 4,001 are refused in the error format, in both formats.
    let long = "井".repeat(4000);
    let id = filed(&mut c, &with(&base, &[("description", &long)], &[])).await;
    assert_eq!(stored_description(&app, &id).await.chars().count(), 4000);
    let longer = "井".repeat(4001);
    let before = concerns(&app).await;
    let r = post(
        &mut c,
        "/open311/v2/requests.json",
        &with(&base, &[("description", &longer)], &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors_of(&r),
        vec![(
            400,
            "description: a description has 1 to 4,000 characters".to_owned()
        )]
    );
    let r = post(
        &mut c,
        "/open311/v2/requests.xml",
        &with(&base, &[("description", &longer)], &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_well_formed(&r.body);
    assert!(r.body.contains("<errors><error><code>400</code><description>description: a description has 1 to 4,000 characters</description></error></errors>"));
    assert_eq!(concerns(&app).await, before);
    // The description is optional: none, or a blank one, and the service's
    // name stands for it.
    for set in [vec![], vec![("description", "  ")]] {
        let id = filed(&mut c, &with(&base, &set, &["description"])).await;
        assert_eq!(stored_description(&app, &id).await, "道路设施");
    }

    // Every problem at once, one error each.
    let r = post(
        &mut c,
        "/open311/v2/requests.json",
        &with(
            &base,
            &[
                ("description", &longer),
                ("attribute[near_school]", "maybe"),
            ],
            &["address_id"],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = errors_of(&r);
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e.iter().all(|(code, _)| *code == 400));

    // The person's arguments: names and phone kept sealed (a phone that is
    // none is 400); email, device_id and account_id taken and not kept.
    let r = post(
        &mut c,
        "/open311/v2/requests.json",
        &with(&base, &[("phone", "12")], &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(errors_of(&r)[0].1.starts_with("phone: a phone number is"));
    let person = filed(
        &mut c,
        &with(
            &base,
            &[
                ("first_name", "建国"),
                ("last_name", "王"),
                ("phone", "13700001234"),
                ("email", "wang@example.com"),
                ("device_id", "device-7781"),
                ("account_id", "acct-993"),
            ],
            &[],
        ),
    )
    .await;
    let sealed: (Option<String>, Option<String>) = {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT r.name_sealed, r.phone_sealed FROM concern_reporters r
             JOIN concerns c ON c.id = r.concern_id WHERE c.tracking_code = $1",
        )
        .bind(&person)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
        (row.get(0), row.get(1))
    };
    assert!(sealed.0.is_some() && sealed.1.is_some());
    assert!(!sealed.0.unwrap().contains("建国") && !sealed.1.unwrap().contains("13700001234"));
    app.accept(&person).await;
    let r = c.get(&format!("/open311/v2/requests/{person}.json")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&person), "{}", r.body);
    for secret in [
        "建国",
        "13700001234",
        "wang@example.com",
        "device-7781",
        "acct-993",
    ] {
        assert!(!r.body.contains(secret), "{secret}: {}", r.body);
    }

    // media_url: taken, not fetched; the answer says the photo is not kept.
    let r = post(
        &mut c,
        "/open311/v2/requests.xml",
        &with(
            &base,
            &[("media_url", "https://photos.example.org/p/1.jpg")],
            &[],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("media_url 所指的照片未保存"), "{}", r.body);
    let media = r.body.split("<service_request_id>").nth(1).unwrap()[..10].to_owned();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments a JOIN concerns c ON c.id = a.item_id
         WHERE a.kind = 'concern' AND c.tracking_code = $1",
    )
    .bind(&media)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(n, 0);
    app.accept(&media).await;
    let r = c.get(&format!("/open311/v2/requests/{media}.json")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)[0]["service_request_id"], media.as_str());
    assert!(json(&r)[0].get("media_url").is_none(), "{}", r.body);

    // email: taken, not kept; the answer says so (as for media_url).
    let r = post(
        &mut c,
        "/open311/v2/requests.json",
        &with(&base, &[("email", "wang@example.com")], &[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let notice = json(&r)[0]["service_notice"].as_str().unwrap().to_owned();
    assert!(notice.contains("email 未保存"), "{notice}");
    assert!(!notice.contains("wang@example.com"), "{notice}");

    // The response table: service_request_id and service_notice; no token
    // (not with an id) and no account_id (none here).
    let r = post(&mut c, "/open311/v2/requests.json", &base).await;
    let req = &json(&r)[0];
    assert_eq!(req["service_request_id"].as_str().unwrap().len(), 10);
    assert!(req["service_notice"]
        .as_str()
        .unwrap()
        .starts_with("10 个工作日内办结"));
    assert!(!req["service_notice"].as_str().unwrap().contains("email"));
    let fields: Vec<&String> = req.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["service_notice", "service_request_id"], "{req}");
    let r = post(&mut c, "/open311/v2/requests.xml", &base).await;
    assert_well_formed(&r.body);
    assert!(r.body.starts_with(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><service_request_id>"
    ));
    assert!(!r.body.contains("<token>") && !r.body.contains("<account_id>"));
}

/// The ids in a JSON request list.
fn ids(r: &crate::app::Resp) -> Vec<String> {
    let mut out: Vec<String> = json(r)
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", r.body))
        .iter()
        .map(|x| x["service_request_id"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

fn sorted(mut v: Vec<&String>) -> Vec<String> {
    v.sort();
    v.into_iter().cloned().collect()
}

/// Staff accept, assign 城管局 as lead, and (if `resolve`) its handler
/// resolves with a note: through the pages, as people do.
async fn worked(app: &TestApp, code: &str, resolve: bool) {
    let id = xieshang_store::concern::id_by_code(&app.t.db, code)
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
    let r = staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    if resolve {
        worked_resolve(app, code).await;
    }
}

#[tokio::test]
async fn get_service_requests_takes_lists_of_codes_ids_and_statuses() {
    let app = TestApp::new().await;
    let key = hotline_key(&app).await;
    let mut c = app.client();
    let file = |code: &'static str| {
        [
            ("api_key", key.clone()),
            ("service_code", code.to_owned()),
            ("address_id", "yanliang-guanshan-g01".to_owned()),
            ("description", format!("{code} 的问题")),
        ]
    };
    let mut made = Vec::new();
    for code in ["road", "water", "environment"] {
        let f = file(code);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let id = filed(&mut c, &f).await;
        app.accept(&id).await;
        made.push(id);
    }
    let (road, water, env) = (&made[0], &made[1], &made[2]);
    let all = sorted(vec![road, water, env]);
    let get = |q: &str| format!("/open311/v2/requests.json?{q}");

    // service_code: one, a comma-delimited list, the same declared twice,
    // blank (= all).
    let r = c.get(&get("service_code=road")).await;
    assert_eq!(ids(&r), vec![road.clone()]);
    for q in [
        "service_code=road,water",
        "service_code=road,%20water",
        "service_code=road&service_code=water",
    ] {
        let r = c.get(&get(q)).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        assert_eq!(ids(&r), sorted(vec![road, water]), "{q}");
    }
    let r = c
        .get("/open311/v2/requests.xml?service_code=road,water")
        .await;
    assert_well_formed(&r.body);
    assert!(
        r.body.contains(road.as_str())
            && r.body.contains(water.as_str())
            && !r.body.contains(env.as_str())
    );
    assert_eq!(ids(&c.get(&get("service_code=")).await), all);
    // An unknown code among known ones: 400 (a filter, not a resource), one
    // error naming the unknown codes and the codes there are.
    let r = c.get(&get("service_code=road,fire")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = errors_of(&r);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, 400);
    assert!(
        e[0].1
            .starts_with("service_code fire not found: known codes are road, water, environment"),
        "{e:?}"
    );
    let r = c.get(&get("service_code=fire,road,flood")).await;
    let e = errors_of(&r);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].1.starts_with("service_code fire, flood not found"),
        "{e:?}"
    );
    let r = c
        .get("/open311/v2/requests.xml?service_code=road,fire")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_well_formed(&r.body);
    assert!(r.body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>400</code><description>service_code fire not found"));

    // service_request_id: comma-delimited or repeated; it overrides the other
    // arguments (an unknown service_code beside it is not looked at); an id
    // that does not exist is simply not listed.
    for q in [
        format!("service_request_id={road},{water}"),
        format!("service_request_id={road}&service_request_id={water}"),
        format!("service_request_id={road},{water}&service_code=fire&status=pending"),
    ] {
        let r = c.get(&get(&q)).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        assert_eq!(ids(&r), sorted(vec![road, water]), "{q}");
    }
    assert_eq!(
        ids(&c.get(&get("service_request_id=NOSUCHCODE")).await),
        Vec::<String>::new()
    );

    // status: open, closed, both, declared twice; anything else is 400.
    worked(&app, water, true).await;
    assert_eq!(
        ids(&c.get(&get("status=open")).await),
        sorted(vec![road, env])
    );
    assert_eq!(
        ids(&c.get(&get("status=closed")).await),
        vec![water.clone()]
    );
    assert_eq!(ids(&c.get(&get("status=open,closed")).await), all);
    assert_eq!(ids(&c.get(&get("status=open&status=closed")).await), all);
    assert_eq!(
        ids(&c.get(&get("status=closed&service_code=road,water")).await),
        vec![water.clone()]
    );
    let r = c.get(&get("status=pending")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors_of(&r),
        vec![(400, "status pending is not open or closed".to_owned())]
    );

    // start_date and end_date: w3c date-times; other text is 400.
    let now = app.t.db.now_ms();
    let rfc = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let day = 86_400_000;
    let r = c
        .get(&get(&format!(
            "start_date={}&end_date={}",
            rfc(now - day),
            rfc(now + day)
        )))
        .await;
    assert_eq!(ids(&r), all);
    let r = c.get(&get(&format!("end_date={}", rfc(now - day)))).await;
    assert_eq!(ids(&r), Vec::<String>::new());
    for q in [
        "start_date=yesterday",
        "end_date=2026-13-01",
        "end_date=2026-01-01",
    ] {
        let r = c.get(&get(q)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        let e = errors_of(&r);
        assert!(
            e[0].1.contains("is not a w3c date-time with a time zone"),
            "{q}: {e:?}"
        );
    }

    // jurisdiction_id: a district or the city bounds the list; an unknown one
    // is 404.
    assert_eq!(ids(&c.get(&get("jurisdiction_id=yanliang")).await), all);
    assert_eq!(ids(&c.get(&get("jurisdiction_id=xa")).await), all);
    assert_eq!(
        ids(&c.get(&get("jurisdiction_id=beilin")).await),
        Vec::<String>::new()
    );
    let r = c.get(&get("jurisdiction_id=atlantis")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(errors_of(&r)[0]
        .1
        .starts_with("jurisdiction_id atlantis not found"));
}

#[tokio::test]
async fn requests_carry_the_optional_fields_the_product_knows_in_both_formats() {
    let app = TestApp::with_config(|c| c.base_url = "https://xieshang.example.cn".into()).await;
    // A resident reports with a photo on the form, without coordinates.
    let mut resident = app.client();
    let token = resident.csrf("/report").await;
    let r = resident
        .post_multipart_raw(
            "/report",
            &token,
            &[
                ("category", "road"),
                ("area", "yanliang-guanshan-g01"),
                ("title", "关山路井盖缺失"),
                ("description", "关山路12号门前井盖缺失，夜里很危险"),
                ("address", "关山路12号"),
            ],
            &[("photos", "a.jpg", crate::story::jpeg_with_exif())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.unwrap();
    let code = loc.split("code=").nth(1).unwrap()[..10].to_owned();
    app.accept(&code).await;
    let mut c = app.client();
    let one = format!("/open311/v2/requests/{code}.json");
    // Accepted, not assigned: no agency and no deadline yet, so neither is
    // sent; never a zipcode (the product keeps none), nor lat/long (none given).
    let r = c.get(&one).await;
    let req = &json(&r)[0];
    for absent in [
        "agency_responsible",
        "expected_datetime",
        "zipcode",
        "lat",
        "long",
    ] {
        assert!(req.get(absent).is_none(), "{absent}: {req}");
    }
    assert_eq!(req["status"], "open");
    assert_eq!(req["address"], "关山路12号");
    assert_eq!(req["address_id"], "yanliang-guanshan-g01");
    assert_eq!(req["service_notice"], "10 个工作日内办结");
    // media_url: the public address of the resident's photo, which serves it.
    let media = req["media_url"].as_str().unwrap().to_owned();
    let path = media
        .strip_prefix("https://xieshang.example.cn")
        .unwrap_or_else(|| panic!("{media}"));
    assert!(path.starts_with("/photos/"));
    let photo = c.get(path).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(photo.headers["content-type"], "image/jpeg");

    // Assigned: the lead department is the agency, the deadline the expected
    // time; in XML the same fields.
    worked(&app, &code, false).await;
    let r = c.get(&one).await;
    let req = &json(&r)[0];
    assert_eq!(req["agency_responsible"], "阎良区城市管理和综合执法局");
    let deadline: i64 =
        sqlx::query_scalar("SELECT deadline_at FROM concerns WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let expected = req["expected_datetime"].as_str().unwrap();
    assert!(expected.ends_with("+08:00"), "{expected}");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(expected)
            .unwrap()
            .timestamp(),
        deadline / 1000
    );
    let r = c.get(&format!("/open311/v2/requests/{code}.xml")).await;
    assert_well_formed(&r.body);
    for field in [
        "<agency_responsible>阎良区城市管理和综合执法局</agency_responsible>".to_owned(),
        format!("<expected_datetime>{expected}</expected_datetime>"),
        "<address_id>yanliang-guanshan-g01</address_id>".to_owned(),
        format!("<media_url>{media}</media_url>"),
        "<service_notice>10 个工作日内办结</service_notice>".to_owned(),
    ] {
        assert!(r.body.contains(&field), "{field}: {}", r.body);
    }
    for absent in ["<zipcode", "<lat>", "<long>", "<lat/>", "<zipcode/>"] {
        assert!(!r.body.contains(absent), "{absent}: {}", r.body);
    }

    // Resolved: closed, the result note as status_notes, and updated_datetime
    // the time it was closed, which later feedback does not move.
    worked_resolve(&app, &code).await;
    let resolved_at: i64 =
        sqlx::query_scalar("SELECT resolved_at FROM concerns WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    app.advance(3_600_000);
    sqlx::query("UPDATE concerns SET updated_at = $1 WHERE tracking_code = $2")
        .bind(app.t.db.now_ms())
        .bind(&code)
        .execute(app.t.db.pool())
        .await
        .unwrap();
    let r = c.get(&one).await;
    let req = &json(&r)[0];
    assert_eq!(req["status"], "closed");
    assert_eq!(req["status_notes"], "已更换井盖");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(req["updated_datetime"].as_str().unwrap())
            .unwrap()
            .timestamp(),
        resolved_at / 1000
    );
}

/// The assigned department's handler resolves it.
async fn worked_resolve(app: &TestApp, code: &str) {
    let id = xieshang_store::concern::id_by_code(&app.t.db, code)
        .await
        .unwrap();
    let mut handler = app.login("handler").await;
    let r = handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[
                ("action", "resolve"),
                ("note", "已更换井盖"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!r.location.unwrap_or_default().contains("err="));
}

#[tokio::test]
async fn get_one_request_and_tokens_take_the_jurisdiction_and_the_id() {
    let app = TestApp::new().await;
    let key = hotline_key(&app).await;
    let mut c = app.client();
    let id = filed(
        &mut c,
        &[
            ("api_key", key.as_str()),
            ("service_code", "water"),
            ("address_id", "yanliang-fenghuang-g07"),
            ("description", "供水管爆裂"),
        ],
    )
    .await;
    // The token is the resident's: it answers before staff take it up.
    let r = c.get(&format!("/open311/v2/tokens/{id}.json")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)[0]["token"], id.as_str());
    assert_eq!(json(&r)[0]["service_request_id"], id.as_str());
    app.accept(&id).await;
    for ext in ["json", "xml"] {
        for what in ["requests", "tokens"] {
            // Its district and the city find it; another district does not
            // (404, as an id that does not exist); an unknown jurisdiction is
            // 404 naming the jurisdiction.
            for j in ["", "?jurisdiction_id=yanliang", "?jurisdiction_id=xa"] {
                let r = c.get(&format!("/open311/v2/{what}/{id}.{ext}{j}")).await;
                assert_eq!(r.status, StatusCode::OK, "{what} {j}: {}", r.body);
                assert!(r.body.contains(&id));
            }
            let r = c
                .get(&format!(
                    "/open311/v2/{what}/{id}.{ext}?jurisdiction_id=beilin"
                ))
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{what}: {}", r.body);
            assert!(!r.body.contains("供水管"));
            let r = c
                .get(&format!(
                    "/open311/v2/{what}/{id}.{ext}?jurisdiction_id=atlantis"
                ))
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            assert!(
                r.body.contains("jurisdiction_id atlantis not found"),
                "{}",
                r.body
            );
        }
        let r = c
            .get(&format!("/open311/v2/requests/NOSUCHCODE.{ext}"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(
            r.body.contains("service_request_id NOSUCHCODE not found"),
            "{}",
            r.body
        );
        let r = c.get(&format!("/open311/v2/tokens/NOSUCHCODE.{ext}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("token NOSUCHCODE not found"), "{}", r.body);
    }
    let r = c.get(&format!("/open311/v2/tokens/{id}.xml")).await;
    assert_well_formed(&r.body);
    assert!(r.body.contains(&format!(
        "<service_requests><request><service_request_id>{id}</service_request_id><token>{id}</token></request></service_requests>"
    )));
}

#[tokio::test]
async fn every_way_in_takes_a_description_of_4000_characters_and_refuses_4001() {
    // Decision 0050: one limit for the one record, whichever way it comes.
    let app = TestApp::new().await;
    let mut c = app.client();
    for (n, ok) in [(4000, true), (4001, false)] {
        let text = "路".repeat(n);
        let body = serde_json::json!({"category": "road", "area": "yanliang-guanshan-g01",
            "title": "井盖缺失", "description": text});
        let req = Request::post("/api/v1/concerns")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let r = c.send(req).await;
        if ok {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let code = json(&r)["tracking_code"].as_str().unwrap().to_owned();
            assert_eq!(stored_description(&app, &code).await.chars().count(), 4000);
        } else {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(
                r.body.contains("a description has 1 to 4,000 characters"),
                "{}",
                r.body
            );
        }
        let mut resident = app.client();
        let token = resident.csrf("/report").await;
        let r = resident
            .post_multipart_raw(
                "/report",
                &token,
                &[
                    ("category", "road"),
                    ("area", "yanliang-guanshan-g01"),
                    ("title", "井盖缺失"),
                    ("description", &text),
                ],
                &[],
            )
            .await;
        if ok {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        } else {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.body.contains("具体情况须为1至4000个字符"));
            assert!(r.body.contains(&text), "the text is kept");
        }
    }
    // The form counts to the same limit.
    let r = app.client().get("/report").await;
    assert!(r
        .body
        .contains(r#"name="description" rows="5" data-max="4000""#));
}
// h-open311 end

// h-open311b begin
#[tokio::test]
async fn list_arguments_take_at_most_100_values_and_name_unknown_ones_once() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let get = |q: &str| format!("/open311/v2/requests.json?{q}");
    let many = |prefix: &str, n: usize| {
        (0..n)
            .map(|i| format!("{prefix}{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    // More than 100 values in a list: one 400 in the error format.
    for key in ["service_code", "status", "service_request_id"] {
        let r = c.get(&get(&format!("{key}={}", many("x", 101)))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{key}: {}", r.body);
        assert_eq!(errors_of(&r), vec![(400, format!("at most 100 {key}"))]);
    }
    // Declared more than once counts together.
    let r = c
        .get(&get(&format!(
            "service_request_id={}&service_request_id=y",
            many("x", 100)
        )))
        .await;
    assert_eq!(
        errors_of(&r),
        vec![(400, "at most 100 service_request_id".to_owned())]
    );
    let r = c
        .get(&format!(
            "/open311/v2/requests.xml?service_code={}",
            many("x", 101)
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_well_formed(&r.body);
    assert!(r.body.ends_with("<errors><error><code>400</code><description>at most 100 service_code</description></error></errors>"), "{}", r.body);
    // 100 ids is a list (none of them exists); the same value many times is
    // one value.
    let r = c
        .get(&get(&format!("service_request_id={}", many("NOSUCH", 100))))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r), Value::Array(vec![]));
    let r = c
        .get(&get(&format!(
            "service_code={}",
            vec!["road"; 5000].join(",")
        )))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // 100 unknown codes: one error, naming five and counting the rest.
    let r = c
        .get(&get(&format!("service_code={}", many("x", 100))))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = errors_of(&r);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].1.starts_with(
            "service_code x0, x1, x2, x3, x4, and 95 more not found: known codes are road"
        ),
        "{e:?}"
    );
    assert!(!e[0].1.contains("x5,"), "{e:?}");
    let r = c.get(&get("status=pending,later")).await;
    assert_eq!(
        errors_of(&r),
        vec![(
            400,
            "status pending, later are not open or closed".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_city_key_with_a_jurisdiction_and_an_unknown_address_id_is_a_400() {
    let app = TestApp::new().await;
    let (_, key) = apikey::create(&app.t.db, "xa", "市12345热线", &[Scope::ConcernsCreate])
        .await
        .unwrap();
    let mut c = app.client();
    let before = concerns(&app).await;
    let r = post(
        &mut c,
        "/open311/v2/requests.json",
        &[
            ("api_key", key.as_str()),
            ("jurisdiction_id", "yanliang"),
            ("service_code", "road"),
            ("address_id", "nowhere"),
            ("description", "关山路井盖缺失"),
            ("attribute[colour]", "red"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let e = errors_of(&r);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0]
        .1
        .starts_with("address_id nowhere is not a known area code"));
    assert!(e[1].1.starts_with("attribute[colour]"), "{e:?}");
    assert_eq!(concerns(&app).await, before);
}

#[tokio::test]
async fn intake_errors_use_open311_names_and_come_with_the_others() {
    let app = TestApp::new().await;
    let key = hotline_key(&app).await;
    let mut c = app.client();
    let long_address = "路".repeat(201);
    let long_name = "名".repeat(51);
    let base = [
        ("api_key", key.as_str()),
        ("service_code", "road"),
        ("address_id", "yanliang-guanshan-g01"),
        ("description", "关山路井盖缺失，夜里很危险"),
    ];
    let before = concerns(&app).await;
    let r = post(
        &mut c,
        "/open311/v2/requests.json",
        &with(
            &base,
            &[
                ("address_string", &long_address),
                ("first_name", &long_name),
                ("lat", "91"),
                ("long", "109.2"),
                ("attribute[colour]", "red"),
            ],
            &[],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let e: Vec<String> = errors_of(&r).into_iter().map(|(_, d)| d).collect();
    assert_eq!(e.len(), 4, "{e:?}");
    assert_eq!(
        e[0],
        "address_string: an address has at most 200 characters"
    );
    assert_eq!(
        e[1],
        "first_name/last_name: a name has at most 50 characters"
    );
    assert!(e[2].starts_with("lat/long: "), "{e:?}");
    assert!(e[3].starts_with("attribute[colour]: "), "{e:?}");
    assert_eq!(concerns(&app).await, before);
}

#[tokio::test]
async fn address_id_is_sent_only_for_units_post_takes_as_one() {
    let app = TestApp::new().await;
    let key = hotline_key(&app).await;
    let mut c = app.client();
    // Filed at the jurisdiction (a district), and at a grid.
    let district = filed(
        &mut c,
        &[
            ("api_key", key.as_str()),
            ("jurisdiction_id", "yanliang"),
            ("service_code", "road"),
            ("lat", "34.66"),
            ("long", "109.22"),
            ("description", "路灯坏了"),
        ],
    )
    .await;
    let grid = filed(
        &mut c,
        &[
            ("api_key", key.as_str()),
            ("service_code", "road"),
            ("address_id", "yanliang-guanshan-g01"),
            ("description", "井盖缺失"),
        ],
    )
    .await;
    let unit: String = sqlx::query_scalar(
        "SELECT o.kind FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE c.tracking_code = $1",
    )
    .bind(&district)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(unit, "district");
    app.accept(&district).await;
    app.accept(&grid).await;
    let r = c
        .get(&format!("/open311/v2/requests/{district}.json"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let req = &json(&r)[0];
    assert_eq!(req["service_request_id"], district.as_str());
    assert!(req.get("address_id").is_none(), "{req}");
    let r = c.get(&format!("/open311/v2/requests/{district}.xml")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&district) && !r.body.contains("<address_id>"));
    let r = c.get(&format!("/open311/v2/requests/{grid}.json")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json(&r)[0]["address_id"], "yanliang-guanshan-g01");
}
// h-open311b end
