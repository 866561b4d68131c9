//! Issue 30 point 7: opinion reports in the JSON API (decision record 0044).
//! A key needs `reports:read`; a district's key reads its district's reports
//! and is told another district's do not exist, the city's key reads every
//! body's; pages run newest change first and hold every report once;
//! `updated_since` picks up the office's later steps; the detail shows the
//! versions, levels and instruction after the office edits, uses and
//! forwards and the city adopts; a member reads only their own through
//! `/api/v1/me/reports`, in the key's shapes; no session is a JSON 401.

use crate::app::TestApp;
use crate::report::person;
use axum::http::StatusCode;
use serde_json::Value;
use xieshang_core::report::{Level, RawInstruction, Text};
use xieshang_core::{Actor, Role};
use xieshang_store::account::apikey::{self, Scope};
use xieshang_store::report::edit::{self, Decision};
use xieshang_store::report::{self, levels, NewReport, Origin};

const MATTER: &str = "关山街道某小区居民在楼道内给电动自行车充电，飞线充电现象普遍。";
const TITLE: &str = "关于加强老旧小区电动自行车充电安全管理的建议";

/// GET with a key (or none): the status and the JSON body.
async fn get(app: &TestApp, path: &str, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = axum::http::Request::builder().uri(path);
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let r = app
        .client()
        .send(req.body(axum::body::Body::empty()).unwrap())
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn actor(app: &TestApp, username: &str) -> Actor {
    xieshang_store::account::user::actor(&app.t.db, app.user_id(username).await)
        .await
        .unwrap()
}

/// `username` submits a report titled `title`; its number.
async fn submit(app: &TestApp, username: &str, title: &str, for_group: bool) -> i64 {
    let a = actor(app, username).await;
    report::submit(
        &app.t.db,
        &a,
        &NewReport {
            title,
            matter: MATTER,
            for_group,
            origin: Origin::Scratch,
        },
    )
    .await
    .unwrap()
}

/// The name the pages give an account.
async fn display_name(app: &TestApp, username: &str) -> String {
    sqlx::query_scalar("SELECT display_name FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

async fn key(app: &TestApp, org: &str, scopes: &[Scope]) -> String {
    apikey::create(&app.t.db, org, "社情民意系统", scopes)
        .await
        .unwrap()
        .1
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("a page")
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

fn item(page: &Value, id: i64) -> &Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("report {id} in {page}"))
}

/// "Now" as RFC 3339, for `updated_since`.
fn since(app: &TestApp) -> String {
    let ms = app.t.db.now_ms();
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339()
        .replace('+', "%2B")
}

#[tokio::test]
async fn keys_need_the_scope_and_read_only_within_their_unit() {
    let app = TestApp::new().await;
    // Whatever the demo holds is a day older than what this test files.
    app.advance(86_400_000);
    let t0 = since(&app);
    person(
        &app,
        "informant-yl",
        "特邀信息员甲",
        Role::Informant,
        "yanliang",
    )
    .await;
    person(
        &app,
        "member-bl-01",
        "碑林委员",
        Role::Member,
        "beilin-nanyuanmen",
    )
    .await;
    let own = submit(&app, "member-gs-01", "电动车充电", false).await;
    app.advance(1000);
    let group = submit(&app, "member-gs-01", "老旧小区加装电梯", true).await;
    app.advance(1000);
    let informant = submit(&app, "informant-yl", "夜市油烟扰民", false).await;
    app.advance(1000);
    let beilin = submit(&app, "member-bl-01", "书院门停车难", false).await;

    let yl = key(&app, "yanliang", &[Scope::ReportsRead]).await;
    let bl = key(&app, "beilin", &[Scope::ReportsRead]).await;
    let city = key(&app, "xa", &[Scope::ReportsRead]).await;
    let proposals_only = key(&app, "yanliang", &[Scope::ProposalsRead]).await;

    // No key, an unknown key, a key without the scope.
    let (s, b) = get(&app, "/api/v1/reports", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(b["error"].is_string());
    let (s, _) = get(&app, "/api/v1/reports", Some("xs_nosuchkey")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for path in [
        "/api/v1/reports".to_owned(),
        format!("/api/v1/reports/{own}"),
    ] {
        let (s, b) = get(&app, &path, Some(&proposals_only)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        assert!(b["error"].is_string());
    }

    // The district's key: its three, newest change first, as the pages name
    // their submitters.
    let (s, page) = get(
        &app,
        &format!("/api/v1/reports?updated_since={t0}"),
        Some(&yl),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(ids(&page), vec![informant, group, own]);
    let r = item(&page, own);
    assert_eq!(r["title"], "电动车充电");
    assert_eq!(r["state"], "submitted");
    assert_eq!(r["decision"], Value::Null);
    assert_eq!(r["submitter_kind"], "member");
    assert_eq!(r["submitter"], display_name(&app, "member-gs-01").await);
    assert_eq!(r["group"], Value::Null);
    assert_eq!(r["body_code"], "yanliang");
    assert_eq!(r["levels"], serde_json::json!([]));
    let g = item(&page, group);
    assert_eq!(g["submitter_kind"], "group");
    assert!(g["group"].as_str().unwrap().contains("关山"), "{g}");
    assert_eq!(item(&page, informant)["submitter_kind"], "informant");
    assert_eq!(item(&page, informant)["submitter"], "特邀信息员甲");
    assert_eq!(page["next_cursor"], Value::Null);

    // 碑林's key reads none of 阎良's reports, and is told they do not exist.
    let (s, page) = get(&app, "/api/v1/reports?limit=200", Some(&bl)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ids(&page).contains(&beilin));
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["body_code"] == "beilin"),
        "{page}"
    );
    let (s, b) = get(&app, &format!("/api/v1/reports/{own}"), Some(&bl)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s2, b2) = get(&app, "/api/v1/reports/999999", Some(&bl)).await;
    assert_eq!((s, &b), (s2, &b2), "as one that does not exist");
    let (s, _) = get(&app, &format!("/api/v1/reports/{beilin}"), Some(&yl)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A department's key holds no body: nothing to read.
    let cgj = key(&app, "yanliang-cgj", &[Scope::ReportsRead]).await;
    let (s, page) = get(&app, "/api/v1/reports", Some(&cgj)).await;
    assert_eq!((s, ids(&page)), (StatusCode::OK, vec![]));
    let (s, _) = get(&app, &format!("/api/v1/reports/{own}"), Some(&cgj)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The city's key reads both districts'.
    let (s, page) = get(
        &app,
        &format!("/api/v1/reports?updated_since={t0}"),
        Some(&city),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids(&page), vec![beilin, informant, group, own]);
    let (s, d) = get(&app, &format!("/api/v1/reports/{own}"), Some(&city)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["id"], own);

    // Bad filters name the parameter; an unknown one is malformed.
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("state=approved", "state"),
        ("updated_since=yesterday", "updated_since"),
        ("cursor=c12", "cursor"),
    ] {
        let (s, b) = get(&app, &format!("/api/v1/reports?{q}"), Some(&yl)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert!(b["fields"][field].is_string(), "{q}: {b}");
    }
    let (s, _) = get(&app, "/api/v1/reports?colour=red", Some(&yl)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = get(&app, "/api/v1/reports/abc", Some(&yl)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn pages_run_newest_change_first_and_updated_since_sees_the_office() {
    let app = TestApp::new().await;
    app.advance(86_400_000);
    let t0 = since(&app);
    let mut filed = Vec::new();
    for n in 0..5 {
        filed.push(submit(&app, "member-gs-01", &format!("第{n}条"), false).await);
        app.advance(1000);
    }
    let yl = key(&app, "yanliang", &[Scope::ReportsRead]).await;

    // Pages of two: every report once, newest first, then no cursor.
    let mut seen = Vec::new();
    let mut url = format!("/api/v1/reports?updated_since={t0}&limit=2");
    let mut pages = 0;
    loop {
        let (s, page) = get(&app, &url, Some(&yl)).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        assert!(ids(&page).len() <= 2);
        seen.extend(ids(&page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/reports?updated_since={t0}&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let newest_first: Vec<i64> = filed.iter().rev().copied().collect();
    assert_eq!(seen, newest_first);

    // The office saves a new version of the oldest: it alone changed since,
    // and it leads the list.
    app.advance(60_000);
    let t1 = since(&app);
    let staff = actor(&app, "staff").await;
    edit::revise(
        &app.t.db,
        &staff,
        filed[0],
        &Text {
            title: TITLE.to_owned(),
            matter: MATTER.to_owned(),
        },
    )
    .await
    .unwrap();
    let (_, page) = get(
        &app,
        &format!("/api/v1/reports?updated_since={t1}"),
        Some(&yl),
    )
    .await;
    assert_eq!(ids(&page), vec![filed[0]]);
    assert_eq!(item(&page, filed[0])["title"], TITLE);
    assert_eq!(item(&page, filed[0])["state"], "editing");
    let (_, page) = get(
        &app,
        &format!("/api/v1/reports?state=editing&updated_since={t0}"),
        Some(&yl),
    )
    .await;
    assert_eq!(ids(&page), vec![filed[0]]);

    // A forward is a change too (a timeline note, not a step of state).
    edit::decide(&app.t.db, &staff, filed[0], Decision::Use, "")
        .await
        .unwrap();
    app.advance(60_000);
    let t2 = since(&app);
    levels::forward(&app.t.db, &staff, filed[0], Level::City)
        .await
        .unwrap();
    let (_, page) = get(
        &app,
        &format!("/api/v1/reports?updated_since={t2}"),
        Some(&yl),
    )
    .await;
    assert_eq!(ids(&page), vec![filed[0]]);
    assert_eq!(item(&page, filed[0])["decision"], "used");
    assert_eq!(item(&page, filed[0])["levels"][0]["level"], "city");
    assert_eq!(
        item(&page, filed[0])["levels"][0]["adopted_at"],
        Value::Null
    );
}

#[tokio::test]
async fn the_detail_shows_versions_levels_and_the_instruction() {
    let app = TestApp::new().await;
    let id = submit(&app, "member-gs-01", "电动车充电", false).await;
    let db = &app.t.db;
    let staff = actor(&app, "staff").await;
    let edited = format!("{MATTER}\n建议物业公司落实消防安全责任。");
    edit::revise(
        db,
        &staff,
        id,
        &Text {
            title: TITLE.to_owned(),
            matter: edited.clone(),
        },
    )
    .await
    .unwrap();
    edit::decide(db, &staff, id, Decision::Use, "反映具体")
        .await
        .unwrap();
    levels::forward(db, &staff, id, Level::City).await.unwrap();
    let city = actor(&app, "staff-city").await;
    levels::adopt(db, &city, id, Level::City, "市政协信息第12期")
        .await
        .unwrap();
    levels::instruct(
        db,
        &city,
        id,
        &RawInstruction {
            leader: "张副市长",
            level: "city",
            given_on: "2026-11-03",
            text: "请市住建局牵头研究。",
        },
    )
    .await
    .unwrap();

    let yl = key(&app, "yanliang", &[Scope::ReportsRead]).await;
    let (s, d) = get(&app, &format!("/api/v1/reports/{id}"), Some(&yl)).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["title"], TITLE);
    assert_eq!(d["state"], "used");
    assert_eq!(d["decision"], "used");
    assert_eq!(d["versions"], 2);
    assert_eq!(d["submitted"]["title"], "电动车充电");
    assert_eq!(d["submitted"]["matter"], MATTER);
    assert_eq!(d["current"]["title"], TITLE);
    assert_eq!(d["current"]["matter"], edited.as_str());
    assert_eq!(d["levels"].as_array().unwrap().len(), 1);
    assert_eq!(d["levels"][0]["level"], "city");
    assert!(d["levels"][0]["adopted_at"].is_i64());
    assert_eq!(d["levels"][0]["evidence"], "市政协信息第12期");
    assert_eq!(
        d["instructions"],
        serde_json::json!([{
            "leader": "张副市长",
            "level": "city",
            "given_on": "2026-11-03",
            "text": "请市住建局牵头研究。",
        }])
    );
    let actions: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submit", "edit", "revise", "use", "forward", "adopt", "instruct"]
    );
    assert_eq!(d["timeline"][3]["note"], "反映具体");
    assert_eq!(d["timeline"][3]["state"], "used");

    // The member reads the same report, in the same shape, with their
    // session.
    let mut m = app.login("member-gs-01").await;
    let r = m.get(&format!("/api/v1/me/reports/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let mine: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(mine, d);
}

#[tokio::test]
async fn a_member_reads_only_their_own_and_no_session_is_refused() {
    let app = TestApp::new().await;
    app.advance(86_400_000);
    let gs = submit(&app, "member-gs-01", "电动车充电", false).await;
    let fh = submit(&app, "member-fh-01", "凤凰路积水", false).await;

    let mut m = app.login("member-gs-01").await;
    let r = m.get("/api/v1/me/reports?limit=200").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page: Value = serde_json::from_str(&r.body).unwrap();
    assert!(ids(&page).contains(&gs));
    assert!(!ids(&page).contains(&fh));
    let uid = app.user_id("member-gs-01").await;
    let own: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM opinion_reports WHERE submitter_id = $1")
            .bind(uid)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(ids(&page).len() as i64, own, "every one of theirs");
    assert_eq!(
        item(&page, gs)["submitter"],
        display_name(&app, "member-gs-01").await
    );
    let r = m.get(&format!("/api/v1/me/reports/{fh}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("\"error\""));
    let r = m.get(&format!("/api/v1/me/reports/{gs}")).await;
    assert_eq!(r.status, StatusCode::OK);

    // The office's staff see both on their pages, but own neither.
    let mut staff = app.login("staff").await;
    let r = staff.get("/api/v1/me/reports").await;
    assert_eq!(r.status, StatusCode::OK);
    let page: Value = serde_json::from_str(&r.body).unwrap();
    assert!(!ids(&page).contains(&gs) && !ids(&page).contains(&fh));
    let r = staff.get(&format!("/api/v1/me/reports/{gs}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // No session: a JSON 401, not the login page; a key is no session.
    let yl = key(&app, "yanliang", &[Scope::ReportsRead]).await;
    for path in [
        "/api/v1/me/reports".to_owned(),
        format!("/api/v1/me/reports/{gs}"),
    ] {
        let mut anon = app.client();
        let r = anon.get(&path).await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (StatusCode::UNAUTHORIZED, None),
            "{path}"
        );
        assert!(r.body.contains("\"error\""));
        let (s, _) = get(&app, &path, Some(&yl)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}");
    }
}

/// The OpenAPI document lists the four operations, the session scheme of
/// the member's own, and every state it documents for the filter is taken.
#[tokio::test]
async fn the_openapi_document_lists_the_reports() {
    let app = TestApp::new().await;
    let (_, doc) = get(&app, "/api/v1/openapi.json", None).await;
    for p in [
        "/api/v1/reports",
        "/api/v1/reports/{id}",
        "/api/v1/me/reports",
        "/api/v1/me/reports/{id}",
    ] {
        assert!(doc["paths"][p]["get"].is_object(), "{p} documented");
    }
    assert_eq!(
        doc["paths"]["/api/v1/me/reports"]["get"]["security"][0]["session"],
        serde_json::json!([])
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["in"],
        "cookie"
    );
    assert!(doc["components"]["schemas"]["ReportDetail"].is_object());
    let states: Vec<String> = doc["paths"]["/api/v1/reports"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "state")
        .unwrap()["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states.len(), 6, "{states:?}");
    let yl = key(&app, "yanliang", &[Scope::ReportsRead]).await;
    for s in &states {
        let (st, b) = get(&app, &format!("/api/v1/reports?state={s}"), Some(&yl)).await;
        assert_eq!(st, StatusCode::OK, "{s}: {b}");
    }
}
