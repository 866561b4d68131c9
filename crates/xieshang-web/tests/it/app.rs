//! `TestApp`: a fresh database with the sample city, the router, and a tiny
//! cookie-keeping client.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;
use xieshang_store::jobs::Worker;
use xieshang_store::seal::Sealer;
use xieshang_store::testing::TestDb;
use xieshang_store::Clock;
use xieshang_store::{account::user, org, seed};
use xieshang_web::{AppState, RouteSpec, WebConfig};

/// The demo password hash, computed once per test binary.
fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| xieshang_store::account::password::hash(seed::DEMO_PASSWORD).unwrap())
}

pub struct TestApp {
    pub t: TestDb,
    pub router: Router,
    pub routes: Vec<RouteSpec>,
    /// The app's clock: it stands still until a test moves it.
    pub clock: Arc<AtomicI64>,
    pub state: AppState,
}

/// The personal-data key of the tests.
pub const TEST_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

pub struct Resp {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
    pub headers: axum::http::HeaderMap,
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with_config(|_| {}).await
    }

    /// A fresh app whose settings `change` adjusts first.
    pub async fn with_config(change: impl FnOnce(&mut WebConfig)) -> TestApp {
        let mut t = TestDb::new().await.unwrap();
        let clock = Arc::new(AtomicI64::new(chrono::Utc::now().timestamp_millis()));
        t.db = t.db.clone().with_clock(Clock::Manual(clock.clone()));
        seed::load_demo(&t.db, demo_hash()).await.unwrap();
        // The clock moves in whole days in some tests: sessions last long enough.
        let mut config = WebConfig {
            session_hours: 24 * 90,
            ..WebConfig::default()
        };
        change(&mut config);
        let state =
            AppState::new(t.db.clone(), config).with_sealer(Sealer::from_hex(TEST_KEY).unwrap());
        let (router, routes) = xieshang_web::app(state.clone());
        TestApp {
            t,
            router,
            routes,
            clock,
            state,
        }
    }

    /// Yanliang's staff accept it (a concern filed by a resident
    /// waits for this before the public sees it).
    pub async fn accept(&self, code: &str) {
        let id = xieshang_store::concern::id_by_code(&self.t.db, code)
            .await
            .unwrap();
        let staff = xieshang_store::account::user::actor(&self.t.db, self.user_id("staff").await)
            .await
            .unwrap();
        xieshang_store::item::transition(
            &self.t.db,
            &xieshang_core::item::CONCERN,
            id,
            xieshang_core::item::Action::Accept,
            xieshang_store::item::By::User(&staff),
            None,
            &[],
        )
        .await
        .unwrap();
    }

    /// Sets the clock (unix ms).
    pub fn set_clock(&self, ms: i64) {
        self.clock.store(ms, Ordering::SeqCst);
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: i64) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }

    /// The job worker for this app, with SMTP if given.
    pub fn worker(&self, mailer: Option<xieshang_store::jobs::Mailer>) -> Worker {
        Worker {
            db: self.t.db.clone(),
            calendar: (*self.state.calendar).clone(),
            policy: self.state.config.policy,
            mailer,
            base_url: "http://xieshang.test".into(),
            sealer: Some(Sealer::from_hex(TEST_KEY).unwrap()),
            retention_days: xieshang_store::jobs::DEFAULT_RETENTION_DAYS,
            webhook_policy: self.state.config.webhook_policy.clone(),
        }
    }

    /// A second app (another "process") on the same database.
    pub fn sibling(&self) -> Router {
        xieshang_web::app(AppState::new(self.t.db.clone(), WebConfig::default())).0
    }

    pub async fn org_id(&self, code: &str) -> i64 {
        org::by_code_unchecked(&self.t.db, code).await.unwrap().id
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        user::credentials(&self.t.db, username)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: Vec::new(),
        }
    }

    /// A client logged in as a demo account (who has changed nothing).
    pub async fn login(&self, username: &str) -> Client {
        let mut c = self.client();
        let r = c.login(username, seed::DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {username}");
        // Members land on their phone home (履职通), everyone else on the home page.
        let home = if username.starts_with("member-") {
            "/today"
        } else {
            "/"
        };
        assert_eq!(
            r.location.as_deref(),
            Some(home),
            "login {username}: {:?}",
            r.location
        );
        c
    }
}

pub struct Client {
    pub router: Router,
    pub cookies: Vec<(String, String)>,
}

impl Client {
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let location = headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let set_cookies: Vec<String> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for sc in &set_cookies {
            let kv = sc.split(';').next().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(ck, _)| ck != k);
            if !v.is_empty() {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
        let body = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes())
            .into_owned();
        Resp {
            status,
            location,
            set_cookies,
            body,
            headers,
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    /// POSTs a form as is (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(form).unwrap();
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// The CSRF token that `page`'s forms carry.
    pub async fn csrf(&mut self, page: &str) -> String {
        let r = self.get(page).await;
        let marker = "name=\"_csrf\" value=\"";
        let i = r
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no form on {page}: {}", r.body));
        r.body[i + marker.len()..]
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    }

    /// POSTs a form with the CSRF token of the signed-in session (or of /login).
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Resp {
        let page = if self.cookies.iter().any(|(k, _)| k == "xs_session") {
            "/password"
        } else {
            "/login"
        };
        let token = self.csrf(page).await;
        let mut f: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        f.extend_from_slice(form);
        self.post_raw(path, &f).await
    }

    /// POSTs a multipart form with the session's CSRF token and files
    /// (field name, file name, bytes).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> Resp {
        let page = if self.cookies.iter().any(|(k, _)| k == "xs_session") {
            "/password"
        } else {
            "/login"
        };
        let token = self.csrf(page).await;
        self.post_multipart_raw(path, &token, form, files).await
    }

    /// POSTs a multipart form with the given CSRF token.
    pub async fn post_multipart_raw(
        &mut self,
        path: &str,
        token: &str,
        form: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> Resp {
        let boundary = "xsBoundary7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        let mut field = |name: &str, value: &str| {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes());
        };
        field("_csrf", token);
        for (k, v) in form {
            field(k, v);
        }
        for (name, file, bytes) in files {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n").bytes());
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        self.post("/login", &[("username", username), ("password", password)])
            .await
    }
}
