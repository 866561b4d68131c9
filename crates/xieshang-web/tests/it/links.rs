//! Every link leads somewhere (issue 26, point 2): after a day of the loop
//! (a liaison records, staff accept and assign, the department works, the
//! worker tells everyone), each demo account starts from its pages and every
//! route of the table it may open, follows every link it is shown and every
//! notification it got, and meets no 403, 404 or 500.

use crate::app::TestApp;
use axum::http::StatusCode;
use std::collections::{BTreeSet, VecDeque};
use xieshang_web::Access;

/// Links on a page that lead to a page of the product.
fn links(body: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| h.replace("&amp;", "&"))
        // Switching language and static files are not pages.
        .filter(|h| !h.starts_with("/lang/") && !h.starts_with("/static/"))
        .collect()
}

/// One page of a kind is enough: lists whose pages differ only by their
/// number or filter, and records of one kind, are walked once each.
fn shape(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let path: Vec<String> = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                "{n}".to_owned()
            } else {
                s.to_owned()
            }
        })
        .collect();
    let keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| *k == "state")
        .collect();
    let state = if keys.is_empty() {
        String::new()
    } else {
        // Each state of the queue is its own list.
        query
            .split('&')
            .find(|kv| kv.starts_with("state="))
            .unwrap_or("")
            .to_owned()
    };
    format!("{}?{state}", path.join("/"))
}

/// Records a concern through the recording form; returns (id, code, the
/// resident's key) from the page the form leads to.
async fn records_with_key(
    app: &TestApp,
    who: &mut crate::app::Client,
    channel: &str,
    area: &str,
    title: &str,
) -> (i64, String, String) {
    let r = who
        .post_multipart(
            "/record",
            &[
                ("channel", channel),
                ("category", "road"),
                ("area", area),
                ("title", title),
                ("description", "路面坑洼积水，行人经过很不方便"),
                ("address", ""),
                ("name", "王师傅"),
                ("phone", "13900002222"),
                ("confirm_new", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.unwrap();
    let param = |k: &str| {
        loc.split(['?', '&'])
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .unwrap()
            .to_owned()
    };
    let (code, key) = (param("code"), param("key"));
    let id = xieshang_store::concern::id_by_code(&app.t.db, &code)
        .await
        .unwrap();
    (id, code, key)
}

/// Every kind of notification the concern loop sends; the walk makes each
/// happen and opens its link as every account that got one.
const KINDS: [&str; 9] = [
    "submitted",
    "accepted",
    "assigned",
    "progress",
    "resolved",
    "closed",
    "reminder",
    "overdue",
    "merged",
];

#[tokio::test]
async fn every_link_and_notification_leads_somewhere_for_every_demo_account() {
    // Monday 2026-11-23, 09:00 CST: the deadlines below fall on known days.
    const MONDAY_9AM: i64 = 1_795_395_600_000;
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let worker = app.worker(None);
    // A day of the loop, so that lists, pages and notifications hold something.
    let mut liaison = app.login("liaison").await;
    let (street, street_code, street_key) = records_with_key(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山街道路灯不亮",
    )
    .await;
    let mut member = app.login("member-gs-01").await;
    let grid = crate::staff_side::records(
        &app,
        &mut member,
        "member",
        "yanliang-guanshan-g01",
        "关山社区垃圾清运不及时",
    )
    .await;
    let (dup, _, _) = records_with_key(
        &app,
        &mut member,
        "member",
        "yanliang-guanshan-g01",
        "关山社区垃圾没人收",
    )
    .await;
    let mut staff = app.login("staff").await;
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    for id in [street, grid] {
        let r = staff
            .post(
                &format!("/concerns/{id}/transition"),
                &[("action", "accept")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = staff
            .post(
                &format!("/concerns/{id}/assign"),
                &[("departments", &cgj), ("lead", &cgj)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    // The second report of the grid's rubbish is merged into the first.
    let grid_code: String = sqlx::query_scalar("SELECT tracking_code FROM concerns WHERE id = $1")
        .bind(grid)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let r = staff
        .post(
            &format!("/concerns/{dup}/merge"),
            &[("into", &grid_code), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut handler = app.login("handler").await;
    let r = handler
        .post_multipart(
            &format!("/concerns/{grid}/handle"),
            &[("action", "progress"), ("note", "已联系环卫")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The street's lamp is mended and the resident is satisfied: resolved, closed.
    let r = handler
        .post_multipart(
            &format!("/concerns/{street}/handle"),
            &[
                ("action", "resolve"),
                ("note", "路灯已更换"),
                ("confirm", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut resident = app.client();
    resident.get(&format!("/track?code={street_code}")).await;
    let r = resident
        .post(
            "/track/feedback",
            &[
                ("code", &street_code),
                ("key", &street_key),
                ("rating", "satisfied"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    worker.run_until_idle().await.unwrap();
    // The grid's rubbish runs late: the reminder, then past the deadline.
    app.set_clock(MONDAY_9AM + 11 * 86_400_000);
    worker.run_until_idle().await.unwrap();
    app.set_clock(MONDAY_9AM + 15 * 86_400_000);
    worker.run_until_idle().await.unwrap();

    // Pages every signed-in account may open, from the route table.
    let signed_in: Vec<&str> = app
        .routes
        .iter()
        .filter(|r| r.method == "GET" && !r.path.contains('{') && !r.path.starts_with("/api/"))
        .filter(|r| matches!(r.access, Access::SignedIn | Access::Public))
        // Opened from the e-mailed link with its token, never from a page.
        .filter(|r| r.path != "/password/reset")
        .map(|r| r.path)
        .collect();
    let mut dead: Vec<String> = Vec::new();
    let mut kinds: BTreeSet<String> = BTreeSet::new();
    let mut walked = 0;
    for account in xieshang_store::seed::DEMO_ACCOUNTS
        .iter()
        .map(|a| a.username)
    {
        let mut c = app.login(account).await;
        let mut queue: VecDeque<(String, String)> = VecDeque::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for p in &signed_in {
            queue.push_back(((*p).to_owned(), "route table".to_owned()));
        }
        // Every notification's link as the notifications page gives it, each
        // opened (not one per kind of page: a merged or closed concern is
        // where a recipient could be shut out). The page's own links, so a
        // kind it sends to the wrong page is caught.
        let uid = app.user_id(account).await;
        let listed = xieshang_store::jobs::notifications(&app.t.db, uid, 100)
            .await
            .unwrap();
        for n in &listed {
            kinds.insert(n.kind.clone());
        }
        let page = c.get("/notifications").await;
        assert_eq!(page.status, StatusCode::OK, "{account}: /notifications");
        let list = page
            .body
            .split("<ul id=\"notifications\">")
            .nth(1)
            .and_then(|rest| rest.split("</ul>").next())
            .unwrap_or_default();
        let hrefs = links(list);
        assert_eq!(
            hrefs.len(),
            listed.len(),
            "{account}: one link per notification on the page"
        );
        for (href, n) in hrefs.into_iter().zip(&listed) {
            let r = c.get(&href).await;
            if r.status != StatusCode::OK {
                dead.push(format!(
                    "{account}: {href} ({}) from notification {} of a {}",
                    r.status, n.kind, n.item_kind
                ));
            }
            queue.push_back((href, format!("notification {}", n.kind)));
        }
        let mut pages = 0;
        while let Some((href, from)) = queue.pop_front() {
            if !seen.insert(shape(&href)) || pages >= 400 {
                continue;
            }
            pages += 1;
            let r = c.get(&href).await;
            if matches!(
                r.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::INTERNAL_SERVER_ERROR
            ) {
                dead.push(format!("{account}: {href} ({}) from {from}", r.status));
                continue;
            }
            if r.status == StatusCode::SEE_OTHER {
                if let Some(to) = r.location {
                    queue.push_back((to, href.clone()));
                }
                continue;
            }
            let is_html = r
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            if is_html {
                for l in links(&r.body) {
                    queue.push_back((l, href.clone()));
                }
            }
        }
        walked += pages;
    }
    assert!(walked > 100, "the walk opened {walked} pages");
    for kind in KINDS {
        assert!(
            kinds.contains(kind),
            "no account got a {kind} notification: {kinds:?}"
        );
    }
    assert!(dead.is_empty(), "dead ends:\n{}", dead.join("\n"));
}
