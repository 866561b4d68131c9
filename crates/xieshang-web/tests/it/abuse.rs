//! Attacks on what anyone can reach, replayed against the real server over
//! TCP: the tracking code that acted as a credential, "same problem" as a way
//! to pile made-up reporters onto a concern, floods of lookups, submissions
//! and logins, and the login answers that told which accounts exist.
//!
//! Requests come from several loopback addresses (127.0.0.N), so the limits
//! per address and per concern can be told apart.

use crate::app::TestApp;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xieshang_core::item::CONCERN;
use xieshang_store::item::{self, By};

/// The app's state served on a real listener; stops with the test's runtime.
pub(crate) async fn served(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = app.state.clone();
    tokio::spawn(xieshang_web::serve(
        listener,
        state,
        std::future::pending::<()>(),
    ));
    addr
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    head: String,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// One HTTP/1.1 request from the loopback address 127.0.0.`from`.
pub(crate) async fn call(
    server: SocketAddr,
    from: u8,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, from), 0)))
        .unwrap();
    let mut stream = socket.connect(server).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: xieshang.test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// A form post with the anonymous double-submit CSRF token.
async fn form(server: SocketAddr, from: u8, path: &str, fields: &[(&str, &str)]) -> Answer {
    let mut all = vec![("_csrf", "t0k3n-for-this-test")];
    all.extend_from_slice(fields);
    let body = serde_urlencoded::to_string(&all).unwrap();
    call(
        server,
        from,
        "POST",
        path,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", "xs_csrf=t0k3n-for-this-test"),
        ],
        &body,
    )
    .await
}

/// A resident files through the API; returns (code, key).
async fn file(server: SocketAddr, from: u8, title: &str) -> (String, String) {
    let body = serde_json::json!({
        "area": "yanliang-fenghuang-g07",
        "category": "road",
        "title": title,
        "description": "井盖松动，夜里有人绊倒",
    })
    .to_string();
    let r = call(
        server,
        from,
        "POST",
        "/api/v1/concerns",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let code = v["tracking_code"].as_str().unwrap().to_owned();
    let key = v["resident_key"].as_str().unwrap().to_owned();
    assert_eq!(
        v["page_url"].as_str().unwrap(),
        format!("/track?code={code}&key={key}")
    );
    (code, key)
}

async fn resolve(app: &TestApp, code: &str) -> i64 {
    let db = &app.t.db;
    let id = xieshang_store::concern::id_by_code(db, code).await.unwrap();
    let staff = xieshang_store::account::user::actor(db, app.user_id("staff").await)
        .await
        .unwrap();
    for action in [
        xieshang_core::item::Action::Accept,
        xieshang_core::item::Action::Assign,
    ] {
        item::transition(db, &CONCERN, id, action, By::User(&staff), None, &[])
            .await
            .unwrap();
    }
    let dept = By::Connected(xieshang_core::Role::DepartmentHandler);
    item::transition(
        db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Resolve,
        dept,
        Some("已修复"),
        &[],
    )
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn a_tracking_code_read_from_public_lists_cannot_rate_a_concern() {
    let app = TestApp::new().await;
    let server = served(&app).await;
    let (code, key) = file(server, 1, "凤凰路井盖松动").await;
    let id = resolve(&app, &code).await;
    // Every public list and answer names the code, none carries the key.
    for path in [
        format!("/api/v1/concerns/{code}"),
        format!("/track?code={code}"),
        "/open311/v2/requests.json".to_owned(),
        "/open-data/concerns.csv".to_owned(),
    ] {
        let r = call(server, 2, "GET", &path, &[], "").await;
        assert!(!r.body.contains(&key), "{path} shows the key");
    }
    // The attacker rates with the code alone, or a guessed key: refused, the
    // concern stays resolved, no feedback is kept.
    for guess in ["", "23456789ABCDEFGH"] {
        let r = form(
            server,
            2,
            "/track/feedback",
            &[("code", &code), ("key", guess), ("rating", "unsatisfied")],
        )
        .await;
        // The page comes back with the key field marked (and what was
        // written kept), not a redirect.
        assert_eq!(r.status, 422);
        assert!(r.body.contains(r#"id="key-error""#), "{}", r.body);
    }
    let state = xieshang_store::concern::state(&app.t.db, id).await.unwrap();
    assert_eq!(state, "resolved");
    // The resident, with the key from the link, is heard.
    let r = form(
        server,
        1,
        "/track/feedback",
        &[("code", &code), ("key", &key), ("rating", "satisfied")],
    )
    .await;
    assert_eq!(
        r.header("location"),
        Some(format!("/track?code={code}&ok=track.thanks").as_str())
    );
    let state = xieshang_store::concern::state(&app.t.db, id).await.unwrap();
    assert_eq!(state, "closed");
}

#[tokio::test]
async fn same_problem_is_limited_per_concern_and_per_address() {
    let app = TestApp::new().await;
    let server = served(&app).await;
    let (code, _) = file(server, 1, "凤凰路路灯不亮").await;
    let id = xieshang_store::concern::id_by_code(&app.t.db, &code)
        .await
        .unwrap();
    // The public code alone joins nothing (issue 24 point 3).
    let r = form(server, 9, "/report/same", &[("code", &code)]).await;
    assert_eq!(r.status, 404);
    // Made-up reporters from ever new addresses, each with a suggestion's
    // token (as many as asking for suggestions gives): ten join, then the
    // concern's own limit refuses.
    let mut answers = Vec::new();
    for from in 10..22u8 {
        let name = format!("假名{from}");
        let token = xieshang_web::search::follow_token(&app.state, id);
        let r = form(
            server,
            from,
            "/report/same",
            &[
                ("follow", &token),
                ("name", &name),
                ("phone", "13800000000"),
            ],
        )
        .await;
        answers.push(r.status);
    }
    assert_eq!(&answers[..10], &[303; 10], "{answers:?}");
    assert!(answers[10..].iter().all(|s| *s == 429), "{answers:?}");
    let reporters = xieshang_store::concern::reporters(&app.t.db, id)
        .await
        .unwrap();
    assert_eq!(reporters.len(), 10);
    // One address, other concerns: five, then refused.
    let mut codes = Vec::new();
    for n in 0..6 {
        codes.push(file(server, 2, &format!("凤凰路第{n}处坑洼")).await.0);
    }
    let mut answers = Vec::new();
    for c in &codes {
        let id = xieshang_store::concern::id_by_code(&app.t.db, c)
            .await
            .unwrap();
        let token = xieshang_web::search::follow_token(&app.state, id);
        answers.push(
            form(server, 30, "/report/same", &[("follow", &token)])
                .await
                .status,
        );
    }
    assert_eq!(answers, [303, 303, 303, 303, 303, 429]);
}

#[tokio::test]
async fn lookups_and_submissions_are_limited_per_address() {
    let app = TestApp::new().await;
    let server = served(&app).await;
    let (code, _) = file(server, 1, "凤凰路积水").await;
    let path = format!("/api/v1/concerns/{code}");
    let started = Instant::now();
    for n in 0..60 {
        let r = call(server, 3, "GET", &path, &[], "").await;
        assert_eq!(r.status, 200, "lookup {n}");
    }
    // One more a second refills: a slow machine may earn a few, no more.
    let mut more = 0;
    let r = loop {
        let r = call(server, 3, "GET", &path, &[], "").await;
        if r.status != 200 {
            break r;
        }
        more += 1;
        assert!(more <= started.elapsed().as_secs() + 1, "{more} past sixty");
    };
    assert_eq!(r.status, 429);
    assert!(r
        .header("retry-after")
        .is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    let r = call(server, 3, "GET", &format!("/track?code={code}"), &[], "").await;
    assert_eq!(r.status, 429, "the page shares the API's limit");
    assert_eq!(call(server, 4, "GET", &path, &[], "").await.status, 200);
    // Intake: address 1 filed one above; nine more pass, the eleventh not.
    for n in 0..9 {
        file(server, 1, &format!("凤凰路第{n}个井盖")).await;
    }
    let body = serde_json::json!({
        "area": "yanliang-fenghuang-g07", "category": "road",
        "title": "又一个", "description": "又一个井盖",
    })
    .to_string();
    let r = call(
        server,
        1,
        "POST",
        "/api/v1/concerns",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await;
    assert_eq!(r.status, 429, "{}", r.body);
}

#[tokio::test]
async fn logins_are_limited_and_every_failure_looks_the_same() {
    let app = TestApp::new().await;
    let server = served(&app).await;
    let login = |from: u8, name: String, pw: &'static str| async move {
        let t0 = Instant::now();
        let r = form(
            server,
            from,
            "/login",
            &[("username", &name), ("password", pw)],
        )
        .await;
        (r, t0.elapsed())
    };
    // Lock member-fh-02 from five addresses.
    for from in 40..45 {
        let (r, _) = login(from, "member-fh-02".into(), "wrong password!").await;
        assert_eq!(r.header("location"), Some("/login?err=login.failed"));
    }
    // No such account, a locked one (even with its right password), a wrong
    // password: the same answer after the same work, a password check each.
    // A password check alone, timed in the test, once after each login, so
    // that the floor and the logins are measured under the same load.
    let check = || {
        let t0 = Instant::now();
        let _ = xieshang_store::account::password::verify(
            xieshang_store::account::password::decoy(),
            "not the password",
        );
        t0.elapsed()
    };
    let mut floor = Duration::MAX;
    let mut times: Vec<(&str, Duration)> = Vec::new();
    for (n, (name, pw)) in [
        ("nobody-here", "xieshang-demo"),
        ("member-fh-02", "xieshang-demo"),
        ("member-fh-03", "wrong password!"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut best = Duration::MAX;
        for k in 0..3u8 {
            let (r, t) = login(50 + n as u8 * 3 + k, name.into(), pw).await;
            assert_eq!(r.status, 303);
            assert_eq!(
                r.header("location"),
                Some("/login?err=login.failed"),
                "{name}"
            );
            assert!(!r.head.contains("xs_session="), "{name}");
            best = best.min(t);
            floor = floor.min(check());
        }
        times.push((name, best));
    }
    // A login that checks a password cannot answer faster than a password
    // check alone takes: the floor is the fastest of the nine checks made
    // beside the logins (a check's time rises under load, never falls below
    // it), halved for noise. Without a check the answer takes a few
    // milliseconds.
    for (name, t) in &times {
        assert!(
            *t * 2 >= floor,
            "{name} answered in {t:?}, a password check takes {floor:?}: no password check was made"
        );
    }
    // One address: twenty tries, then 429 whatever the name (the bucket
    // refills one try every six seconds: a slow machine may earn a few).
    let started = Instant::now();
    for n in 0..20 {
        let (r, _) = login(60, format!("nobody-{n}"), "guess").await;
        assert_eq!(r.status, 303, "try {n}");
    }
    let mut more = 0;
    loop {
        let (r, _) = login(60, "staff".into(), "xieshang-demo").await;
        if r.status == 429 {
            break;
        }
        assert_eq!(r.status, 303);
        more += 1;
        assert!(
            more <= started.elapsed().as_secs() / 6 + 1,
            "{more} past twenty"
        );
    }
    // One account name from one address: ten tries, then 429; the owner,
    // elsewhere, is not held back by it (the lock in the database is what
    // stops guessing from many addresses, and the owner's reset lifts it).
    for _ in 0..10 {
        let (r, _) = login(70, "member-fh-04".into(), "guess").await;
        assert_eq!(r.status, 303);
    }
    let (r, _) = login(70, "Member-FH-04".into(), "guess").await;
    assert_eq!(r.status, 429);
    sqlx::query(
        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = 'member-fh-04'",
    )
    .execute(app.t.db.pool())
    .await
    .unwrap();
    let (r, _) = login(71, "member-fh-04".into(), "xieshang-demo").await;
    assert_eq!(r.header("location"), Some("/today"));
}

#[tokio::test]
async fn wrong_keys_are_limited_per_concern_but_never_hold_back_the_right_one() {
    let app = TestApp::new().await;
    let server = served(&app).await;
    let (code, key) = file(server, 1, "凤凰路下水道堵塞").await;
    let id = resolve(&app, &code).await;
    let mut answers = Vec::new();
    for from in 90..96u8 {
        let r = form(
            server,
            from,
            "/track/feedback",
            &[
                ("code", &code),
                ("key", "23456789ABCDEFGH"),
                ("rating", "unsatisfied"),
            ],
        )
        .await;
        answers.push(r.status);
    }
    assert_eq!(answers, [422, 422, 422, 422, 422, 429]);
    let r = form(
        server,
        97,
        "/track/feedback",
        &[("code", &code), ("key", &key), ("rating", "satisfied")],
    )
    .await;
    assert_eq!(
        r.header("location"),
        Some(format!("/track?code={code}&ok=track.thanks").as_str())
    );
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, id).await.unwrap(),
        "closed"
    );
}

#[tokio::test]
async fn open311_lookups_by_code_share_the_tracking_limit() {
    let app = TestApp::new().await;
    let server = served(&app).await;
    let (code, _) = file(server, 1, "凤凰路路面开裂").await;
    let started = Instant::now();
    for n in 0..60 {
        let path = if n % 2 == 0 {
            format!("/open311/v2/tokens/{code}.json")
        } else {
            format!("/open311/v2/requests/{code}.json")
        };
        let r = call(server, 5, "GET", &path, &[], "").await;
        assert_ne!(r.status, 429, "lookup {n}");
    }
    // The bucket refills one lookup a second: a slow machine may have earned
    // a few more while the sixty ran, and no more than that passes.
    let mut more = 0;
    let r = loop {
        let r = call(
            server,
            5,
            "GET",
            &format!("/open311/v2/tokens/{code}.json"),
            &[],
            "",
        )
        .await;
        if r.status == 429 {
            break r;
        }
        more += 1;
        assert!(
            more <= started.elapsed().as_secs() + 1,
            "{more} lookups past the sixty in {:?}",
            started.elapsed()
        );
    };
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn wrong_current_passwords_lock_the_account_and_end_its_sessions() {
    let app = TestApp::new().await;
    let mut c = app.login("member-fh-03").await;
    for _ in 0..4 {
        let r = c
            .post(
                "/password",
                &[
                    ("current", "not my password"),
                    ("new", "a-new-long-password"),
                    ("confirm", "a-new-long-password"),
                ],
            )
            .await;
        crate::forms::assert_marked(&r, "current");
    }
    let r = c
        .post(
            "/password",
            &[
                ("current", "not my password"),
                ("new", "a-new-long-password"),
                ("confirm", "a-new-long-password"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/login?err=login.failed"));
    let r = c.get("/password").await;
    assert_eq!(r.location.as_deref(), Some("/login"), "the session is over");
    let mut other = app.client();
    let r = other
        .login("member-fh-03", xieshang_store::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/login?err=login.failed"),
        "locked"
    );
}
