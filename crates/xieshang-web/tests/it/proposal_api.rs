//! Issue 29 point 13: the proposals JSON API and webhooks. A handling unit's
//! key lists only the proposals assigned to it, a body's key the body's
//! accepted ones, another district's key is told they do not exist, a key
//! without the scope is refused; the pages of a list hold every proposal
//! once; the unit's case system records contact and replies through the
//! same store step as the web form (a reply before contact, or without its
//! document number or class, refused with the field), the reply is on the
//! web page and in the detail JSON, and a webhook of the unit receives
//! proposal.replied signed with its secret.

use crate::app::TestApp;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use xieshang_store::account::apikey::{self, Scope};

async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = axum::http::Request::builder().method(method).uri(path);
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let req = match body {
        Some(b) => req
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(b.to_string())),
        None => req.body(axum::body::Body::empty()),
    }
    .unwrap();
    let r = app.client().send(req).await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

/// The ids of a list's items.
fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

/// The demo's proposals waiting for the committee and its accepted one: the
/// committee accepts the two waiting ones and assigns all three to
/// 区城管局 (yanliang-cgj) as the lead unit. Returns their ids.
async fn three_assigned(app: &TestApp) -> Vec<i64> {
    use xieshang_store::proposal::{handle, review};
    let db = &app.t.db;
    let committee = xieshang_store::account::user::actor(db, app.user_id("committee").await)
        .await
        .unwrap();
    let cgj = app.org_id("yanliang-cgj").await;
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM proposals WHERE state IN ('submitted', 'accepted') ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    ids.sort_unstable();
    assert_eq!(ids.len(), 3, "the demo's two filed and one accepted");
    for id in &ids {
        let state: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        if state == "submitted" {
            review::decide(
                db,
                &committee,
                *id,
                review::Decision::Accept { category: None },
            )
            .await
            .unwrap();
        }
        handle::assign(
            db,
            &app.state.calendar,
            &committee,
            *id,
            handle::Mode::Joint,
            cgj,
            &[],
        )
        .await
        .unwrap();
    }
    ids
}

#[tokio::test]
async fn keys_read_only_within_their_unit_and_pages_hold_every_proposal_once() {
    let app = TestApp::new().await;
    let db = &app.t.db;
    let read = [Scope::ProposalsRead];
    let (_, cgj) = apikey::create(db, "yanliang-cgj", "城管办件", &read)
        .await
        .unwrap();
    let (_, zjj) = apikey::create(db, "yanliang-zjj", "住建办件", &read)
        .await
        .unwrap();
    let (_, body) = apikey::create(db, "yanliang", "区政协", &read)
        .await
        .unwrap();
    let (_, beilin) = apikey::create(db, "beilin", "碑林", &read).await.unwrap();
    let (_, consult_only) = apikey::create(db, "yanliang", "协商", &[Scope::ConsultationsRead])
        .await
        .unwrap();

    // Before assignment the body's key reads the accepted one only; the
    // departments' keys read nothing.
    let accepted: i64 = sqlx::query_scalar("SELECT id FROM proposals WHERE state = 'accepted'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let (s, page) = api(&app, "GET", "/api/v1/proposals", Some(&body), None).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    // The demo's earlier numbered proposals (last year's, closed) are the
    // body's too.
    let earlier: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM proposals WHERE number IS NOT NULL AND state <> 'accepted' ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let mut expected = earlier.clone();
    expected.push(accepted);
    expected.sort_unstable();
    assert_eq!(ids(&page), expected);
    let item = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == accepted)
        .unwrap();
    assert_eq!(item["number"], 1);
    assert_eq!(item["body_code"], "yanliang");
    let (_, page) = api(&app, "GET", "/api/v1/proposals", Some(&cgj), None).await;
    assert!(ids(&page).is_empty(), "{page}");

    let assigned = three_assigned(&app).await;

    // Scope refusals.
    let (s, _) = api(&app, "GET", "/api/v1/proposals", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, b) = api(&app, "GET", "/api/v1/proposals", Some(&consult_only), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    let one = format!("/api/v1/proposals/{}", assigned[0]);
    let (s, _) = api(&app, "GET", &one, Some(&consult_only), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The lead unit's key lists its three, each with its unit; another
    // department's key none, and one of them is not found for it.
    let (s, page) = api(&app, "GET", "/api/v1/proposals", Some(&cgj), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids(&page), assigned);
    for p in page["items"].as_array().unwrap() {
        assert_eq!(p["state"], "assigned");
        assert_eq!(
            p["units"],
            json!([{"code": "yanliang-cgj", "name": p["units"][0]["name"], "role": "lead"}])
        );
        assert!(p["due_at"].as_i64().is_some() && p["round"] == 1);
    }
    let (_, page) = api(&app, "GET", "/api/v1/proposals", Some(&zjj), None).await;
    assert!(ids(&page).is_empty(), "{page}");
    let (s, _) = api(&app, "GET", &one, Some(&zjj), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Another district's key: not found, exactly as a proposal that does
    // not exist.
    let (hidden, hidden_body) = api(&app, "GET", &one, Some(&beilin), None).await;
    let (missing, missing_body) = api(
        &app,
        "GET",
        "/api/v1/proposals/987654321",
        Some(&beilin),
        None,
    )
    .await;
    assert_eq!(hidden, StatusCode::NOT_FOUND);
    assert_eq!((hidden, hidden_body), (missing, missing_body));
    let (_, page) = api(&app, "GET", "/api/v1/proposals", Some(&beilin), None).await;
    assert!(ids(&page).is_empty());

    // Pages of one: every proposal once, in order, then no cursor.
    let mut body_reads = earlier.clone();
    body_reads.extend(&assigned);
    body_reads.sort_unstable();
    for (key, expected) in [(&cgj, &assigned), (&body, &body_reads)] {
        let mut seen = Vec::new();
        let mut url = "/api/v1/proposals?limit=1".to_owned();
        loop {
            let (s, page) = api(&app, "GET", &url, Some(key), None).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
            seen.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(c) => url = format!("/api/v1/proposals?limit=1&cursor={c}"),
                None => break,
            }
            assert!(seen.len() <= expected.len(), "{seen:?}");
        }
        assert_eq!(&seen, expected);
    }

    // Filters: a state, a session, a time; bad ones name their field.
    let (_, page) = api(
        &app,
        "GET",
        "/api/v1/proposals?state=resolved",
        Some(&cgj),
        None,
    )
    .await;
    assert!(ids(&page).is_empty());
    let session: i64 = sqlx::query_scalar("SELECT session_id FROM proposals WHERE id = $1")
        .bind(assigned[0])
        .fetch_one(db.pool())
        .await
        .unwrap();
    let (_, page) = api(
        &app,
        "GET",
        &format!("/api/v1/proposals?session={session}&state=assigned"),
        Some(&cgj),
        None,
    )
    .await;
    assert_eq!(ids(&page), assigned);
    let (_, page) = api(
        &app,
        "GET",
        "/api/v1/proposals?updated_since=2999-01-01T00:00:00Z",
        Some(&cgj),
        None,
    )
    .await;
    assert!(ids(&page).is_empty());
    for (q, field) in [
        ("state=nonsense", "state"),
        ("updated_since=yesterday", "updated_since"),
        ("limit=0", "limit"),
        ("session=0", "session"),
        ("cursor=x1", "cursor"),
    ] {
        let (s, b) = api(
            &app,
            "GET",
            &format!("/api/v1/proposals?{q}"),
            Some(&cgj),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {b}");
        assert!(b["fields"][field].is_string(), "{q}: {b}");
    }

    // The detail: the text, the assignment, the deadline and the timeline.
    let (s, p) = api(&app, "GET", &one, Some(&cgj), None).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["id"], assigned[0]);
    assert!(!p["suggestions"].as_str().unwrap().is_empty());
    assert_eq!(p["assignments"][0]["code"], "yanliang-cgj");
    assert_eq!(p["assignments"][0]["contacted"], false);
    assert!(p["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "assign" && e["state"] == "assigned"));
    let (s, _) = api(&app, "GET", "/api/v1/proposals/abc", Some(&cgj), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[derive(Default)]
struct Inbox {
    received: Vec<(HeaderMap, String)>,
}

/// A webhook endpoint that keeps what it receives.
async fn receiver() -> (String, Arc<Mutex<Inbox>>) {
    let inbox: Arc<Mutex<Inbox>> = Arc::default();
    let kept = inbox.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let inbox = kept.clone();
            async move {
                inbox.lock().unwrap().received.push((headers, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), inbox)
}

#[tokio::test]
async fn the_units_system_contacts_and_replies_seen_on_the_page_and_by_its_webhook() {
    let app = TestApp::with_config(|c| {
        c.webhook_policy = xieshang_store::net::AddressPolicy::allowing(
            xieshang_store::net::Ranges::parse(&["127.0.0.0/8"]).unwrap(),
        );
    })
    .await;
    let db = &app.t.db;
    let rw = [Scope::ProposalsRead, Scope::ProposalsUpdate];
    let (_, cgj) = apikey::create(db, "yanliang-cgj", "城管办件系统", &rw)
        .await
        .unwrap();
    let (_, cgj_read) = apikey::create(db, "yanliang-cgj", "城管只读", &[Scope::ProposalsRead])
        .await
        .unwrap();
    let (_, zjj) = apikey::create(db, "yanliang-zjj", "住建办件系统", &rw)
        .await
        .unwrap();
    let (_, body) = apikey::create(db, "yanliang", "区政协系统", &rw)
        .await
        .unwrap();

    // Hooks of the lead unit and of an unassigned one (the sample city's own
    // jobs run first).
    app.worker(None).run_until_idle().await.unwrap();
    let staff = xieshang_store::account::user::actor(db, app.user_id("staff").await)
        .await
        .unwrap();
    let sealer = app.state.sealer.as_deref().unwrap();
    let policy = &app.state.config.webhook_policy;
    let events = [
        "proposal.assigned".to_owned(),
        "proposal.replied".to_owned(),
    ];
    let (url, inbox) = receiver().await;
    let (_, secret) = xieshang_store::jobs::webhook::create(
        db,
        sealer,
        policy,
        &staff,
        app.org_id("yanliang-cgj").await,
        &url,
        &events,
    )
    .await
    .unwrap();
    let (other_url, other_inbox) = receiver().await;
    xieshang_store::jobs::webhook::create(
        db,
        sealer,
        policy,
        &staff,
        app.org_id("yanliang-zjj").await,
        &other_url,
        &events,
    )
    .await
    .unwrap();

    let id: i64 = sqlx::query_scalar("SELECT id FROM proposals WHERE state = 'accepted'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let cgj_id = app.org_id("yanliang-cgj").await.to_string();
    let mut committee = app.login("committee").await;
    let r = committee
        .post(
            &format!("/proposals/{id}/assign"),
            &[("lead", cgj_id.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);

    let replies = format!("/api/v1/proposals/{id}/replies");
    let contacts = format!("/api/v1/proposals/{id}/contacts");
    let reply = |doc: &str, class: &str, text: &str| {
        Some(json!({"doc_number": doc, "class": class, "text": text}))
    };
    // A read-only key may not reply; a key that does not see it is told it
    // does not exist; the body's key sees it but its unit is not assigned.
    let (s, _) = api(
        &app,
        "POST",
        &replies,
        Some(&cgj_read),
        reply("阎城函〔2027〕5号", "B", "已列入计划。"),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = api(
        &app,
        "POST",
        &replies,
        Some(&zjj),
        reply("阎住函1号", "B", "越权"),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = api(
        &app,
        "POST",
        &contacts,
        Some(&body),
        Some(json!({"way": "phone", "note": "代为沟通"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");

    // Before contact: refused as the web form refuses it.
    let (s, b) = api(
        &app,
        "POST",
        &replies,
        Some(&cgj),
        reply("阎城函〔2027〕5号", "B", "已列入计划。"),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{b}");
    assert!(b["error"].as_str().unwrap().contains("contact"), "{b}");
    let (s, b) = api(
        &app,
        "POST",
        &contacts,
        Some(&cgj),
        Some(json!({"way": "pigeon", "note": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b["fields"]["way"].is_string(), "{b}");
    let (s, b) = api(
        &app,
        "POST",
        &contacts,
        Some(&cgj),
        Some(json!({"way": "phone", "note": "电话听取提案人意见"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "assigned");

    // Without a document number, then without a class: 422 naming the field.
    let (s, b) = api(
        &app,
        "POST",
        &replies,
        Some(&cgj),
        reply("", "B", "答复正文"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["fields"]["doc_number"].is_string(), "{b}");
    let (s, b) = api(
        &app,
        "POST",
        &replies,
        Some(&cgj),
        reply("阎城函〔2027〕5号", "", "答复正文"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["fields"]["class"].is_string(), "{b}");
    let (s, b) = api(
        &app,
        "POST",
        &replies,
        Some(&cgj),
        reply("阎城函〔2027〕5号", "B", " "),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b["fields"]["text"].is_string(), "{b}");
    let (s, _) = api(
        &app,
        "POST",
        &replies,
        Some(&cgj),
        Some(json!({"doc_number": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The reply: the proposal is resolved.
    let (s, b) = api(
        &app,
        "POST",
        &replies,
        Some(&cgj),
        reply(
            "阎城函〔2027〕5号",
            "B",
            "已列入明年背街小巷改造计划，年内完成方案设计。",
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "resolved");
    let (s, b) = api(
        &app,
        "POST",
        &replies,
        Some(&cgj),
        reply("阎城函〔2027〕6号", "A", "再答"),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing to reply now: {b}");

    // In the detail JSON, signed with the system's name on the timeline.
    let (s, p) = api(
        &app,
        "GET",
        &format!("/api/v1/proposals/{id}"),
        Some(&cgj),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p["state"], "resolved");
    assert_eq!(p["reply_class"], "B");
    assert_eq!(p["replies"][0]["doc_number"], "阎城函〔2027〕5号");
    assert_eq!(p["replies"][0]["class"], "B");
    assert_eq!(p["replies"][0]["unit_code"], "yanliang-cgj");
    assert_eq!(
        p["replies"][0]["text"],
        "已列入明年背街小巷改造计划，年内完成方案设计。"
    );
    assert_eq!(p["contacts"][0]["way"], "phone");
    let last = p["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "resolve");
    assert!(
        last["note"].as_str().unwrap().ends_with("（城管办件系统）"),
        "{last}"
    );
    // On the unit's web page and the proposer's.
    let mut handler = app.login("handler").await;
    let page = handler.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("阎城函〔2027〕5号"));
    assert!(page
        .body
        .contains("已列入明年背街小巷改造计划，年内完成方案设计。"));
    let mut fh3 = app.login("member-fh-03").await;
    let page = fh3.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("阎城函〔2027〕5号"));

    // The lead unit's hook heard the assignment and the reply, signed; the
    // other unit's heard nothing.
    app.worker(None).run_until_idle().await.unwrap();
    let got = inbox.lock().unwrap().received.clone();
    let events: Vec<String> = got
        .iter()
        .map(|(h, _)| h["x-xieshang-event"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(events, vec!["proposal.assigned", "proposal.replied"]);
    let (headers, raw) = &got[1];
    assert_eq!(
        headers["x-xieshang-signature"].to_str().unwrap(),
        xieshang_store::jobs::webhook::sign(&secret, raw.as_bytes())
    );
    let v: Value = serde_json::from_str(raw).unwrap();
    assert_eq!(v["event"], "proposal.replied");
    assert_eq!(v["proposal"]["id"], id);
    assert_eq!(v["proposal"]["state"], "resolved");
    assert_eq!(v["proposal"]["reply_class"], "B");
    assert_eq!(v["proposal"]["units"][0]["code"], "yanliang-cgj");
    assert_eq!(
        v["proposal"]["url"],
        format!("http://xieshang.test/proposals/{id}")
    );
    assert!(!raw.contains("member-fh-03") && v["proposal"].get("proposer").is_none());
    assert!(other_inbox.lock().unwrap().received.is_empty());
}
