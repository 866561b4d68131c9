//! `/metrics`: labels come from closed sets, so outside input cannot grow them;
//! the endpoint can be restricted by configuration.

use crate::app::TestApp;
use axum::body::Body;
use axum::http::{Method, Request};

#[tokio::test]
async fn odd_methods_add_no_label_values() {
    // Finding 4 of issue 24: the raw method was a label, so every new method
    // name (of any length) stayed in the registry for good.
    let app = TestApp::new().await;
    let mut c = app.client();
    c.get("/healthz").await;
    let before = c.get("/metrics").await.body;
    for i in 0..50 {
        let method = format!("XQ{i}{}", "Z".repeat(20_000));
        let req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(format!("/no/such/path/{i}{}", "p".repeat(2_000)))
            .body(Body::empty())
            .unwrap();
        c.send(req).await;
    }
    let after = c.get("/metrics").await.body;
    assert!(!after.contains("XQ"), "a method name became a label");
    assert!(!after.contains("ppppp"), "a raw path became a label");
    assert!(
        after.len() < before.len() + 2_000,
        "/metrics grew from {} to {} bytes",
        before.len(),
        after.len()
    );
    assert!(
        after.contains("method=\"other\",route=\"unmatched\",status=\"404\"} 50"),
        "{after}"
    );
}

/// GET /metrics from a peer, with a bearer token if given.
async fn scrape(app: &TestApp, peer: &str, token: Option<&str>) -> crate::app::Resp {
    let mut req = Request::get("/metrics");
    if let Some(t) = token {
        req = req.header(axum::http::header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let mut req = req.body(Body::empty()).unwrap();
    let addr: std::net::SocketAddr = peer.parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    app.client().send(req).await
}

#[tokio::test]
async fn metrics_can_be_restricted_to_addresses_and_a_token() {
    use axum::http::StatusCode;
    use xieshang_store::net::Ranges;
    let token_only = TestApp::with_config(|c| {
        c.metrics_access.token = Some("scrape-secret-1".into());
    })
    .await;
    assert_eq!(
        scrape(&token_only, "127.0.0.1:5000", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        scrape(&token_only, "127.0.0.1:5000", Some("scrape-secret-2"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = scrape(&token_only, "203.0.113.9:5000", Some("scrape-secret-1")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("xieshang_jobs_due"));
    // Without the peer's address (no ConnectInfo) the token still decides.
    let r = token_only.client().get("/metrics").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let both = TestApp::with_config(|c| {
        c.metrics_access.allow = Ranges::parse(&["10.0.0.0/8", "127.0.0.1"]).unwrap();
        c.metrics_access.token = Some("scrape-secret-1".into());
    })
    .await;
    for (peer, token, status) in [
        ("10.1.2.3:1", Some("scrape-secret-1"), StatusCode::OK),
        ("127.0.0.1:1", Some("scrape-secret-1"), StatusCode::OK),
        (
            "[::ffff:127.0.0.1]:1",
            Some("scrape-secret-1"),
            StatusCode::OK,
        ),
        (
            "127.0.0.2:1",
            Some("scrape-secret-1"),
            StatusCode::FORBIDDEN,
        ),
        (
            "203.0.113.9:1",
            Some("scrape-secret-1"),
            StatusCode::FORBIDDEN,
        ),
        ("10.1.2.3:1", None, StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(
            scrape(&both, peer, token).await.status,
            status,
            "{peer} {token:?}"
        );
    }
    // No peer address known: the address list refuses.
    assert_eq!(
        both.client().get("/metrics").await.status,
        StatusCode::FORBIDDEN
    );
}
