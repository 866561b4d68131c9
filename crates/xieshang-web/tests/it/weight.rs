//! Light pages (issue 27 point 5): every page of the route table, opened by an
//! account that may open it, weighs under 60 KB compressed together with its
//! stylesheet and script (photos aside); pages go out gzip-compressed to a
//! client that accepts it, and static files carry versioned names with a year's
//! cache lifetime.

use crate::app::{Client, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use tower::ServiceExt;
use xieshang_web::{Access, Target};

/// The budget for one page: its HTML, stylesheet and script, compressed.
const BUDGET: usize = 60_000;

/// A GET with `Accept-Encoding: gzip`: status, headers and the bytes on the wire.
async fn wire(c: &Client, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::get(path)
        .header(header::COOKIE, c.cookie_header())
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let res = c.router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, bytes)
}

/// The `href`/`src` of the page's stylesheet and scripts under /static/.
fn assets(html: &str) -> Vec<String> {
    html.match_indices("\"/static/")
        .map(|(i, _)| {
            let rest = &html[i + 1..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[expect(
    clippy::print_stdout,
    reason = "the test reports the heaviest page in its output"
)]
#[tokio::test]
async fn every_page_is_light_and_compressed() {
    let app = TestApp::new().await;
    let area = app.org_id("yanliang-fenghuang").await;
    xieshang_store::concern::record(
        &app.t.db,
        xieshang_store::item::By::Resident,
        xieshang_store::testing::web_concern(area, "road", "路面坑洼", "人行道上有一个大坑。"),
    )
    .await
    .unwrap();
    let ids = xieshang_store::testing::route_samples(&app.t.db).await;
    let mut pages = Vec::new();
    let mut unfilled = Vec::new();
    for r in app.routes.iter().filter(|r| r.is_page()) {
        let target = match r.access {
            Access::Key(_) => continue,
            Access::Needs(_, t) => t,
            _ => Target::None,
        };
        match xieshang_web::testing::sample_path(r.path, target, &ids) {
            Some(path) => pages.push((r.path, path, r.access == Access::Public)),
            None => unfilled.push(r.path),
        }
    }

    let mut weighed = BTreeMap::new();
    let mut asset_cache: BTreeMap<String, usize> = BTreeMap::new();
    for who in [
        None,
        Some("staff"),
        Some("admin"),
        Some("handler"),
        Some("member-fh-01"),
        Some("liaison"),
        Some("leader"),
        Some("overseer"),
        Some("committee"),
        Some("staff-beilin"),
    ] {
        let c = match who {
            Some(u) => app.login(u).await,
            None => app.client(),
        };
        for (_, path, public) in &pages {
            if weighed.contains_key(path) || (who.is_none() && !public) {
                continue;
            }
            let (status, headers, body) = wire(&c, path).await;
            let html_type = headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
            if status != StatusCode::OK || !html_type {
                continue;
            }
            assert_eq!(
                headers
                    .get(header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap()),
                Some("gzip"),
                "{path} is compressed"
            );
            let mut html = String::new();
            use std::io::Read;
            flate2::read::GzDecoder::new(&body[..])
                .read_to_string(&mut html)
                .unwrap();
            let mut total = body.len();
            for a in assets(&html) {
                if !asset_cache.contains_key(&a) {
                    let (s, h, b) = wire(&c, &a).await;
                    assert_eq!(s, StatusCode::OK, "{a} on {path}");
                    assert_eq!(
                        h.get(header::CACHE_CONTROL).unwrap(),
                        "public, max-age=31536000, immutable",
                        "{a} is versioned and kept for a year"
                    );
                    asset_cache.insert(a.clone(), b.len());
                }
                total += asset_cache[&a];
            }
            weighed.insert(path.clone(), (total, who.unwrap_or("anonymous")));
        }
    }
    let heaviest = weighed.iter().max_by_key(|(_, (n, _))| *n).unwrap();
    println!(
        "{} pages weighed; heaviest {} at {} bytes compressed (as {})",
        weighed.len(),
        heaviest.0,
        heaviest.1 .0,
        heaviest.1 .1
    );
    assert!(weighed.len() >= 20, "pages were weighed: {weighed:?}");
    // Every page type is weighed, as the accessibility walk reaches every
    // one: a page without a sample record, or that no account opens as an
    // HTML page, fails here unless the walk names it as not walked.
    let missed: Vec<&str> = pages
        .iter()
        .filter(|(_, path, _)| !weighed.contains_key(path))
        .map(|(route, _, _)| *route)
        .chain(unfilled.iter().copied())
        .filter(|route| !xieshang_web::testing::not_walked(route))
        .collect();
    assert!(
        missed.is_empty(),
        "page types not weighed (add a sample or an account): {missed:?}"
    );
    assert!(!asset_cache.is_empty(), "pages link their stylesheet");
    for (path, (n, who)) in &weighed {
        assert!(*n < BUDGET, "{path} as {who}: {n} bytes compressed");
    }
}

/// The member's phone home (issue 30 point 6) opens on weak phones: with
/// something in its sections, it weighs under the budget with its stylesheet,
/// and it loads no script.
#[tokio::test]
async fn the_phone_home_is_light() {
    let app = TestApp::new().await;
    let c = app.login("member-fh-01").await;
    let (status, headers, body) = wire(&c, "/today").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    let mut html = String::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut html)
        .unwrap();
    assert!(
        html.contains("关于加强中小学生心理健康教育的建议"),
        "the page has its sections filled: {html}"
    );
    let linked = assets(&html);
    assert!(
        linked.iter().all(|a| !a.ends_with(".js")),
        "no script: {linked:?}"
    );
    let mut total = body.len();
    for a in &linked {
        let (s, _, b) = wire(&c, a).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        total += b.len();
    }
    assert!(total < BUDGET, "/today: {total} bytes compressed");
}
