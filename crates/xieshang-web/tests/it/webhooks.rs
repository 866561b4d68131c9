//! Webhooks: staff register an endpoint for their district; concern events are
//! delivered signed with HMAC-SHA256, retried after a failure through the job
//! queue, and listed in the delivery log.

use crate::app::TestApp;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use xieshang_store::net::{AddressPolicy, Ranges};

/// An app whose webhooks may reach loopback addresses, where the tests'
/// receivers listen (an operator's `webhook_allow_private`).
async fn app_allowing_loopback() -> TestApp {
    TestApp::with_config(|c| {
        c.webhook_policy = AddressPolicy::allowing(Ranges::parse(&["127.0.0.0/8"]).unwrap());
    })
    .await
}

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
    let app = app_allowing_loopback().await;
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
    // Back with the address and the ticked event kept, the address marked.
    crate::forms::assert_marked(&r, "url");
    crate::forms::assert_value(&r.body, "url", "ftp://x");
    crate::forms::assert_checked(&r.body, "event-concern.created");
    assert!(!crate::forms::tag(&r.body, "event-concern.assigned").contains("checked"));
    assert!(r.body.contains("请填写 https:// 或 http:// 开头的地址"));
    // No event ticked: the events are marked and the address kept.
    let r = staff
        .post(
            &format!("/orgs/{yanliang}/webhooks"),
            &[("action", "create"), ("url", "https://case.example/hook")],
        )
        .await;
    crate::forms::assert_value(&r.body, "url", "https://case.example/hook");
    assert!(crate::forms::tag(&r.body, "event-concern.created")
        .contains(r#"aria-invalid="true" aria-describedby="events-error""#));
    assert!(r.body.contains(r#"id="events-error">请至少选择一个事件。"#));
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
        xieshang_store::jobs::webhook::sign(&secret, body.as_bytes())
    );
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["concern"]["tracking_code"], code.as_str());
    // Its link starts with the configured public address (issue 26).
    let id = xieshang_store::concern::id_by_code(&app.t.db, &code)
        .await
        .unwrap();
    assert_eq!(
        v["concern"]["url"],
        format!("http://xieshang.test/concerns/{id}").as_str()
    );
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
    let app = app_allowing_loopback().await;
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
    // rustls read the plain-HTTP answer as a corrupt TLS record; the log
    // tells the class only.
    assert_eq!(error.as_deref(), Some("TLS error"));
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'webhook' AND done_at IS NULL")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(pending, 1, "kept for a retry");
}

/// Creates a hook through the page; the redirect's location, or None when it
/// was accepted (the page with the secret).
async fn create_hook(staff: &mut crate::app::Client, org: i64, url: &str) -> Option<String> {
    let r = staff
        .post(
            &format!("/orgs/{org}/webhooks"),
            &[
                ("action", "create"),
                ("url", url),
                ("events", "concern.created"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    if r.body.contains(r#"id="webhook-secret""#) {
        return None;
    }
    // Refused: the page again with the address kept and its message beside it.
    crate::forms::assert_marked(&r, "url");
    crate::forms::assert_value(&r.body, "url", url);
    let at = r.body.find(r#"id="url-error">"#).unwrap();
    let message = &r.body[at..];
    Some(message[..message.find("</p>").unwrap()].to_owned())
}

#[tokio::test]
async fn internal_addresses_are_refused_at_save() {
    // Finding 3 of issue 24: check_url looked at the scheme only.
    let app = TestApp::new().await;
    let listening = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listening.local_addr().unwrap().port();
    let yanliang = app.org_id("yanliang").await;
    let mut staff = app.login("staff").await;
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        "http://0.0.0.0/".into(),
        "http://2130706433/".into(),
        "http://0x7f.1/".into(),
        "http://0177.0.0.1/".into(),
        "http://127.1/".into(),
        "http://[::ffff:127.0.0.1]/".into(),
        "http://[::1]:8080/".into(),
        "http://[fe80::1]/".into(),
        "http://169.254.169.254/latest/meta-data/".into(),
        "http://10.0.0.8/".into(),
        "http://172.16.5.4/".into(),
        "http://192.168.1.1/".into(),
        "http://100.64.0.1/".into(),
        "http://192.0.2.10/".into(),
        "http://224.0.0.1/".into(),
        "http://localhost/".into(),
        format!("http://localhost:{port}/"),
        "https://api.localhost/".into(),
        "http://user:pass@example.com/hook".into(),
    ] {
        let loc = create_hook(&mut staff, yanliang, &url).await;
        assert!(
            loc.as_deref().is_some_and(
                |m| m.contains("该地址指向内部网络") || m.contains("地址中不能含用户名或密码")
            ),
            "{url} accepted: {loc:?}"
        );
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "none was saved");
    drop(listening);
}

/// Registers a hook straight in the database (a row from before the address
/// check, or written by hand), for the district of `org`.
async fn insert_hook(app: &TestApp, org: i64, url: &str) -> i64 {
    let sealer = xieshang_store::seal::Sealer::from_hex(crate::app::TEST_KEY).unwrap();
    let staff = app.user_id("staff").await;
    sqlx::query_scalar(
        "INSERT INTO webhooks (org_id, url, secret_sealed, events, created_by, created_at)
         VALUES ($1, $2, $3, 'concern.created', $4, 0) RETURNING id",
    )
    .bind(org)
    .bind(url)
    .bind(sealer.seal("s3cret"))
    .bind(staff)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_stored_internal_target_is_never_connected() {
    // A hook saved before the check (or by hand) names a listening local
    // socket under several spellings: delivery resolves the host itself and
    // connects to none of them.
    let app = TestApp::new().await;
    let listening = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listening.set_nonblocking(true).unwrap();
    let port = listening.local_addr().unwrap().port();
    let yanliang = app.org_id("yanliang").await;
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        format!("https://127.0.0.1:{port}/hook"),
    ] {
        insert_hook(&app, yanliang, &url).await;
    }
    file(&app, "yanliang-guanshan-g01").await;
    app.worker(None).run_until_idle().await.unwrap();
    // A connection the worker made would wait in the listener's queue.
    match listening.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the worker connected to the local socket: {other:?}"),
    }
    let errors: Vec<Option<String>> =
        sqlx::query_scalar("SELECT last_error FROM webhook_deliveries ORDER BY id")
            .fetch_all(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(errors.len(), 5);
    for e in errors {
        assert_eq!(e.as_deref(), Some("address not allowed"));
    }
}

#[tokio::test]
async fn credentials_in_a_stored_url_are_masked() {
    let app = TestApp::new().await;
    let yanliang = app.org_id("yanliang").await;
    insert_hook(&app, yanliang, "https://hookuser:pa55word@example.com/hook").await;
    let mut staff = app.login("staff").await;
    let r = staff.get(&format!("/orgs/{yanliang}/webhooks")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("pa55word"), "the password is shown");
    assert!(!r.body.contains("hookuser"), "the user name is shown");
    assert!(
        r.body.contains("https://***@example.com/hook"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn failures_read_the_same_whatever_answered() {
    // The log told "Connection refused" from "connection closed before message
    // completed": a port scanner. Now a closed port and an open port that
    // speaks something else read alike.
    let app = app_allowing_loopback().await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let banner = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open = banner.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = banner.accept().await {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await;
        }
    });
    let yanliang = app.org_id("yanliang").await;
    let mut staff = app.login("staff").await;
    for port in [closed, open] {
        let loc = create_hook(
            &mut staff,
            yanliang,
            &format!("http://127.0.0.1:{port}/hook"),
        )
        .await;
        assert_eq!(loc, None, "an allowed private address is accepted");
    }
    file(&app, "yanliang-guanshan-g01").await;
    app.worker(None).run_until_idle().await.unwrap();
    let errors: Vec<Option<String>> =
        sqlx::query_scalar("SELECT last_error FROM webhook_deliveries ORDER BY id")
            .fetch_all(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(
        errors,
        vec![
            Some("connection failed".to_owned()),
            Some("connection failed".to_owned())
        ]
    );
    let r = staff.get(&format!("/orgs/{yanliang}/webhooks")).await;
    assert!(!r.body.contains("refused") && !r.body.contains("closed before"));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // A receiver that answers 307 towards another local socket: the delivery
    // is a failed attempt, and the other socket sees nothing.
    let app = app_allowing_loopback().await;
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let target = format!(
        "http://127.0.0.1:{}/",
        elsewhere.local_addr().unwrap().port()
    );
    let redirecting = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let target = target.clone();
            async move { axum::response::Redirect::temporary(&target) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, redirecting).await.unwrap() });
    let yanliang = app.org_id("yanliang").await;
    let mut staff = app.login("staff").await;
    assert_eq!(
        create_hook(&mut staff, yanliang, &format!("http://{addr}/hook")).await,
        None
    );
    file(&app, "yanliang-guanshan-g01").await;
    app.worker(None).run_until_idle().await.unwrap();
    let error: Option<String> = sqlx::query_scalar("SELECT last_error FROM webhook_deliveries")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(error.as_deref(), Some("HTTP 307"));
    match elsewhere.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the redirect was followed: {other:?}"),
    }
}
