use crate::app::TestApp;
use axum::http::StatusCode;
use xieshang_store::audit::{self, Verdict};

#[tokio::test]
async fn login_sets_a_safe_cookie_and_logout_ends_the_session() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.login("staff", "xieshang-demo").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r
        .set_cookies
        .iter()
        .find(|s| s.starts_with("xs_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http in tests");
    assert_eq!(c.get("/orgs").await.status, StatusCode::OK);
    // The database stores only a hash of the token.
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("xs_session=");
    let raw: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
        .bind(token)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(raw, 0);
    let r = c.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c.get("/orgs").await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/login"))
    );
}

#[tokio::test]
async fn sessions_live_in_the_database_so_two_processes_share_them() {
    let app = TestApp::new().await;
    let c = app.login("staff").await;
    let mut other = crate::app::Client {
        router: app.sibling(),
        cookies: c.cookies.clone(),
    };
    let r = other.get("/orgs").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("凤凰街道"));
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_until_an_admin_resets_it() {
    let app = TestApp::new().await;
    let mut c = app.client();
    for i in 0..5 {
        let r = c.login("member-fh-02", "wrong password!").await;
        assert_eq!(
            r.location.as_deref(),
            Some("/login?err=login.failed"),
            "attempt {i}"
        );
    }
    // Even the right password is refused while locked, with the one answer
    // every failed login gets, so a lock tells nobody the account exists.
    let r = c.login("member-fh-02", "xieshang-demo").await;
    assert_eq!(r.location.as_deref(), Some("/login?err=login.failed"));
    assert!(r
        .set_cookies
        .iter()
        .all(|c| !c.starts_with("xs_session=") || c.contains("Max-Age=0")));
    let page = c.get("/login?err=login.failed").await;
    assert!(page.body.contains("暂时锁定"));

    // Staff of the district see the lock on the account list and the
    // account's page, and only while it lasts.
    let mut staff = app.login("staff").await;
    let id = app.user_id("member-fh-02").await;
    let locked_row = |body: &str| {
        body.lines()
            .any(|l| l.contains(">member-fh-02</a>") && l.contains("已锁定"))
    };
    assert!(locked_row(&staff.get("/users").await.body));
    assert!(staff
        .get(&format!("/users/{id}"))
        .await
        .body
        .contains("已锁定"));
    app.advance(16 * 60_000);
    assert!(
        !locked_row(&staff.get("/users").await.body),
        "the lock ran out"
    );
    app.advance(-16 * 60_000);
    assert!(locked_row(&staff.get("/users").await.body));

    // Staff of the district reset it; the user must then choose a new password.
    let id = app.user_id("member-fh-02").await;
    let r = staff
        .post(
            &format!("/users/{id}/reset"),
            &[("password", "temporary-pass-1")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/users/{id}?ok=common.saved").as_str())
    );
    let mut m = app.client();
    assert_eq!(
        m.login("member-fh-02", "temporary-pass-1")
            .await
            .location
            .as_deref(),
        Some("/today")
    );
    let r = m.get("/").await;
    assert_eq!(r.status, StatusCode::OK, "the public home page stays open");
    let r = m.get("/orgs").await;
    assert_eq!(
        r.location.as_deref(),
        Some("/password"),
        "must change the password first"
    );
    let r = m
        .post(
            "/password",
            &[
                ("current", "temporary-pass-1"),
                ("new", "my own password 9"),
                ("confirm", "my own password 9"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/password?ok=password.changed"));
    assert_eq!(
        m.get("/orgs").await.status,
        StatusCode::FORBIDDEN,
        "members have no org view"
    );
    let mut again = app.client();
    assert_eq!(
        again
            .login("member-fh-02", "my own password 9")
            .await
            .location
            .as_deref(),
        Some("/today")
    );

    // Lock, reset and change are all in the audit chain, which still verifies.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = $1 ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(
        &actions[1..],
        ["user.locked", "user.reset_password", "user.change_password"]
    );
    assert!(matches!(
        audit::verify(&app.t.db).await.unwrap(),
        Verdict::Ok { .. }
    ));
}

#[tokio::test]
async fn password_change_checks_the_current_password_and_the_rules() {
    let app = TestApp::new().await;
    let mut c = app.login("leader").await;
    let r = c
        .post(
            "/password",
            &[
                ("current", "nope-nope-nope"),
                ("new", "abcdefghijk"),
                ("confirm", "abcdefghijk"),
            ],
        )
        .await;
    // The wrong box marked, and no password written back into the page.
    crate::forms::assert_marked(&r, "current");
    assert!(!r.body.contains("nope-nope-nope") && !r.body.contains("abcdefghijk"));
    assert!(r.body.contains("当前密码不正确。"));
    let r = c
        .post(
            "/password",
            &[
                ("current", "xieshang-demo"),
                ("new", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    crate::forms::assert_marked(&r, "new");
    let r = c
        .post(
            "/password",
            &[
                ("current", "xieshang-demo"),
                ("new", "abcdefghijk"),
                ("confirm", "abcdefghijx"),
            ],
        )
        .await;
    crate::forms::assert_marked(&r, "confirm");
    assert!(r.body.contains("两次输入的新密码不一致。"));
    // The email form is not touched by the password form's refusal.
    assert!(!crate::forms::tag(&r.body, "email").contains("aria-invalid"));
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused() {
    let app = TestApp::new().await;
    let mut anon = app.client();
    let r = anon
        .post_raw(
            "/login",
            &[("username", "staff"), ("password", "xieshang-demo")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut c = app.login("staff").await;
    let id = app.org_id("yanliang-guanshan").await;
    let r = c
        .post_raw(
            &format!("/orgs/{id}/rename"),
            &[("name", "伪造"), ("_csrf", "0000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another user's token does not work either.
    let mut other = app.login("admin").await;
    let foreign = other.csrf("/password").await;
    let r = c
        .post_raw(
            &format!("/orgs/{id}/rename"),
            &[("name", "伪造"), ("_csrf", &foreign)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let o = xieshang_store::org::get_unchecked(&app.t.db, id)
        .await
        .unwrap();
    assert_eq!(o.name, "关山街道");
}

#[tokio::test]
async fn cookies_are_secure_behind_an_https_proxy() {
    use axum::body::Body;
    use axum::http::{header, Request};
    let app = TestApp::new().await;
    let mut c = app.client();
    let req = Request::get("/login")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    let r = c.send(req).await;
    let csrf = r
        .set_cookies
        .iter()
        .find(|s| s.starts_with("xs_csrf="))
        .unwrap();
    assert!(csrf.contains("; Secure"), "{csrf}");
    let token = csrf
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("xs_csrf=")
        .to_owned();
    let body = serde_urlencoded::to_string([
        ("_csrf", token.as_str()),
        ("username", "staff"),
        ("password", "xieshang-demo"),
    ])
    .unwrap();
    let req = Request::post("/login")
        .header("x-forwarded-proto", "https")
        .header(header::COOKIE, format!("xs_csrf={token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let r = c.send(req).await;
    let session = r
        .set_cookies
        .iter()
        .find(|s| s.starts_with("xs_session="))
        .unwrap();
    assert!(
        session.contains("; Secure") && session.contains("HttpOnly"),
        "{session}"
    );
}

/// `xieshang admin password-reset` (the store's operator reset): signing in
/// with the one-time password leads to the password page from every route
/// that needs an account, reading or writing, until a new password is chosen;
/// then the account works and the one-time password no longer does.
#[tokio::test]
async fn an_operator_reset_forces_a_new_password_before_anything_else() {
    let app = TestApp::new().await;
    let hash = xieshang_store::account::password::hash("one-time-PW-2345").unwrap();
    xieshang_store::account::user::reset_password_by_operator(&app.t.db, "staff", &hash)
        .await
        .unwrap();
    let mut c = app.client();
    let r = c.login("staff", "one-time-PW-2345").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.set_cookies.iter().any(|s| s.starts_with("xs_session=")));
    let page = c.get("/password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("请先设置新密码"), "{}", page.body);
    let concern = xieshang_store::concern::record(
        &app.t.db,
        xieshang_store::item::By::Resident,
        xieshang_store::testing::web_concern(
            app.org_id("yanliang-fenghuang-g01").await,
            "road",
            "路灯不亮",
            "晚上看不清",
        ),
    )
    .await
    .unwrap()
    .0;
    let mut walked = 0;
    for spec in &app.routes {
        // API-key routes take no session: a password to change is no
        // business of theirs.
        if spec.access == xieshang_web::Access::Public
            || matches!(spec.access, xieshang_web::Access::Key(_))
            || ["/password", "/logout"].contains(&spec.path)
        {
            continue;
        }
        let path = spec.path.replace("{id}", &concern.to_string());
        let path = path.replace("{token}", "x").replace("{code}", "x");
        let r = match spec.method {
            "GET" => c.get(&path).await,
            _ => c.post(&path, &[]).await,
        };
        if path.starts_with("/api/") {
            // A member's own reads in the JSON API (decision 0044) are
            // refused in JSON, saying why.
            assert_eq!(
                (r.status, r.location.as_deref()),
                (StatusCode::UNAUTHORIZED, None),
                "{} {path}",
                spec.method
            );
            assert!(r.body.contains("password"), "{path}: {}", r.body);
        } else {
            assert_eq!(
                (r.status, r.location.as_deref()),
                (StatusCode::SEE_OTHER, Some("/password")),
                "{} {path}",
                spec.method
            );
        }
        walked += 1;
    }
    assert!(walked > 40, "only {walked} routes walked");
    let r = c
        .post(
            "/password",
            &[
                ("current", "one-time-PW-2345"),
                ("new", "my own password 9"),
                ("confirm", "my own password 9"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/password?ok=password.changed"));
    let mut again = app.client();
    assert_eq!(
        again
            .login("staff", "one-time-PW-2345")
            .await
            .location
            .as_deref(),
        Some("/login?err=login.failed")
    );
    let mut again = app.client();
    again.login("staff", "my own password 9").await;
    assert_eq!(again.get("/orgs").await.status, StatusCode::OK);
}
