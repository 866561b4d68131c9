//! `TestApp`: a fresh database with the sample city, the router, and a tiny
//! cookie-keeping client.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use std::sync::OnceLock;
use tower::ServiceExt;
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed, user};
use xieshang_web::{AppState, RouteSpec, WebConfig};

/// The demo password hash, computed once per test binary.
fn demo_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| xieshang_store::password::hash(seed::DEMO_PASSWORD).unwrap())
}

pub struct TestApp {
    pub t: TestDb,
    pub router: Router,
    pub routes: Vec<RouteSpec>,
}

pub struct Resp {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
    pub headers: axum::http::HeaderMap,
}

impl TestApp {
    pub async fn new() -> TestApp {
        let t = TestDb::new().await.unwrap();
        seed::load_demo(&t.db, demo_hash()).await.unwrap();
        let state = AppState::new(t.db.clone(), WebConfig::default());
        let (router, routes) = xieshang_web::app(state);
        TestApp { t, router, routes }
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
        assert_eq!(
            r.location.as_deref(),
            Some("/"),
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
    fn cookie_header(&self) -> String {
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

    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        self.post("/login", &[("username", username), ("password", password)])
            .await
    }
}
