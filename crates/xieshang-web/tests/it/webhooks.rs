//! Webhooks: staff register an endpoint for their district; concern events are
//! delivered signed with HMAC-SHA256, retried after a failure through the job
//! queue, and listed in the delivery log.

use crate::app::TestApp;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Inbox {
    calls: usize,
    received: Vec<(HeaderMap, String)>,
}

/// An HTTP endpoint that fails its first call with 500 and accepts the rest.
async fn receiver() -> (String, Arc<Mutex<Inbox>>) {
    let inbox: Arc<Mutex<Inbox>> = Arc::default();
    let kept = inbox.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let inbox = kept.clone();
            async move {
                let mut i = inbox.lock().unwrap();
                i.calls += 1;
                if i.calls == 1 {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                i.received.push((headers, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), inbox)
}

async fn file(app: &TestApp, area: &str) -> String {
    let body = json!({"category": "road", "area": area, "title": "井盖缺失", "description": "夜里很危险", "phone": "13900001111"});
    let req = axum::http::Request::post("/api/v1/concerns")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let r = app.client().send(req).await;
    serde_json::from_str::<Value>(&r.body).unwrap()["tracking_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn events_are_delivered_signed_and_retried() {
    let app = TestApp::new().await;
    let (url, inbox) = receiver().await;
    let yanliang = app.org_id("yanliang").await;
    let mut staff = app.login("staff").await;
    // A bad URL is refused with a message.
    let r = staff
        .post(
            &format!("/orgs/{yanliang}/webhooks"),
            &[
                ("action", "create"),
                ("url", "ftp://x"),
                ("events", "concern.created"),
            ],
        )
        .await;
    assert!(r.location.unwrap().contains("err=err.webhook_url"));
    let r = staff
        .post(
            &format!("/orgs/{yanliang}/webhooks"),
            &[
                ("action", "create"),
                ("url", &url),
                ("events", "concern.created"),
                ("events", "concern.assigned"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let marker = "id=\"webhook-secret\">";
    let i = r.body.find(marker).expect("secret shown once");
    let secret = r.body[i + marker.len()..]
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(secret.len(), 64);
    let stored: String = sqlx::query_scalar("SELECT secret_sealed FROM webhooks")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert!(!stored.contains(&secret), "the secret is sealed at rest");
    let r = staff.get(&format!("/orgs/{yanliang}/webhooks")).await;
    assert!(!r.body.contains(&secret), "and not shown again");

    let code = file(&app, "yanliang-guanshan-g01").await;
    file(&app, "beilin-nanyuanmen").await;
    let worker = app.worker(None);
    worker.run_until_idle().await.unwrap();
    assert_eq!(
        inbox.lock().unwrap().calls,
        1,
        "one event of our district, first call failed"
    );
    assert!(inbox.lock().unwrap().received.is_empty());
    let r = staff.get(&format!("/orgs/{yanliang}/webhooks")).await;
    assert!(r.body.contains("HTTP 500"), "the failure is in the log");

    // The retry comes after the back-off, through the job queue.
    app.advance(31_000);
    worker.run_until_idle().await.unwrap();
    let (headers, body) = {
        let i = inbox.lock().unwrap();
        assert_eq!(i.received.len(), 1);
        i.received[0].clone()
    };
    assert_eq!(headers["x-xieshang-event"], "concern.created");
    assert_eq!(
        headers["x-xieshang-signature"].to_str().unwrap(),
        xieshang_store::webhook::sign(&secret, body.as_bytes())
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["concern"]["tracking_code"], code.as_str());
    assert!(!body.contains("13900001111") && !body.contains("139****1111"));
    let r = staff.get(&format!("/orgs/{yanliang}/webhooks")).await;
    assert!(r.body.contains("已送达"));
    let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM webhook_deliveries")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 2);

    // A disabled hook gets nothing more; Beilin's staff cannot see or touch it.
    let hook: i64 = sqlx::query_scalar("SELECT id FROM webhooks")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let mut beilin = app.login("staff-beilin").await;
    let r = beilin
        .post(
            &format!("/orgs/{yanliang}/webhooks"),
            &[("action", "disable"), ("hook", &hook.to_string())],
        )
        .await;
    assert!(matches!(
        r.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let r = staff
        .post(
            &format!("/orgs/{yanliang}/webhooks"),
            &[("action", "disable"), ("hook", &hook.to_string())],
        )
        .await;
    assert!(r.location.unwrap().contains("ok="));
    file(&app, "yanliang-guanshan-g02").await;
    worker.run_until_idle().await.unwrap();
    assert_eq!(inbox.lock().unwrap().received.len(), 1);
    assert_eq!(
        xieshang_store::jobs::pending_due(&app.t.db).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn https_endpoints_are_spoken_to_over_tls() {
    // The receiver speaks plain HTTP; an https:// hook to it must fail in the TLS
    // handshake (so TLS is really attempted), be logged, and stay queued for retry.
    let app = TestApp::new().await;
    let (url, inbox) = receiver().await;
    let tls_url = url.replace("http://", "https://");
    let yanliang = app.org_id("yanliang").await;
    let mut staff = app.login("staff").await;
    let r = staff
        .post(
            &format!("/orgs/{yanliang}/webhooks"),
            &[
                ("action", "create"),
                ("url", &tls_url),
                ("events", "concern.created"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "https URLs are accepted");
    file(&app, "yanliang-guanshan-g01").await;
    app.worker(None).run_until_idle().await.unwrap();
    assert_eq!(inbox.lock().unwrap().received.len(), 0);
    let (attempts, status, error): (i64, Option<i64>, Option<String>) = {
        use sqlx::Row;
        let r = sqlx::query("SELECT attempts, last_status, last_error FROM webhook_deliveries")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!(
        (attempts, status),
        (1, None),
        "no HTTP answer over a failed handshake"
    );
    // rustls read the plain-HTTP answer as a corrupt TLS record.
    let error = error.unwrap_or_default();
    assert!(error.contains("corrupt message"), "{error}");
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'webhook' AND done_at IS NULL")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(pending, 1, "kept for a retry");
}
