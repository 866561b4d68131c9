//! Screen readers (issue 27 point 3): the accessibility tree Chromium builds for
//! a page, read through the DevTools protocol (as a screen reader reads it), has
//! a name for every control and image, a live region for each status message,
//! and header cells for every table.

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde_json::{json, Value};

/// A Chrome DevTools Protocol command sent through chromedriver.
#[derive(Debug)]
pub(crate) struct Cdp {
    pub(crate) cmd: &'static str,
    pub(crate) params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"cmd": self.cmd, "params": self.params}).to_string()),
        )
    }
}

/// One node of the accessibility tree: role, name, whether it is hidden from it.
struct Node {
    role: String,
    name: String,
    ignored: bool,
}

async fn tree(c: &Client) -> Vec<Node> {
    let out = c
        .issue_cmd(Cdp {
            cmd: "Accessibility.getFullAXTree",
            params: json!({}),
        })
        .await
        .expect("the accessibility tree");
    let text = |v: &Value| v["value"].as_str().unwrap_or_default().to_owned();
    out["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| Node {
            role: text(&n["role"]),
            name: text(&n["name"]),
            ignored: n["ignored"].as_bool().unwrap_or(false),
        })
        .collect()
}

/// Roles a reader announces by name, so a nameless one is a blank to its user.
const NAMED: &[&str] = &[
    "button",
    "link",
    "textbox",
    "combobox",
    "checkbox",
    "radio",
    "image",
    "img",
    "searchbox",
    "spinbutton",
    "ListBox",
    "listbox",
    "region",
];

/// Checks one page's tree; returns the roles seen, for the callers' own checks.
async fn named_everywhere(c: &Client, what: &str) -> Vec<(String, String)> {
    let nodes = tree(c).await;
    assert!(nodes.len() > 10, "{what}: the tree has nodes");
    let nameless: Vec<&str> = nodes
        .iter()
        .filter(|n| !n.ignored && NAMED.contains(&n.role.as_str()) && n.name.trim().is_empty())
        .map(|n| n.role.as_str())
        .collect();
    assert!(nameless.is_empty(), "{what}: nameless {nameless:?}");
    nodes
        .into_iter()
        .filter(|n| !n.ignored)
        .map(|n| (n.role, n.name))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_reader_hears_a_name_for_everything() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());

    // The check bites: a nameless button planted on a page is found.
    c.goto(&format!("{base}/")).await.unwrap();
    c.execute(
        "document.body.insertAdjacentHTML('beforeend', '<button id=\"planted\"></button>');",
        vec![],
    )
    .await
    .unwrap();
    let planted = tree(c).await;
    assert!(
        planted
            .iter()
            .any(|n| n.role == "button" && n.name.is_empty() && !n.ignored),
        "a nameless button shows in the tree"
    );

    for path in ["/", "/report", "/login", "/track"] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        named_everywhere(c, path).await;
    }
    // A form that comes back with an error: the message is in a live region.
    c.goto(&format!("{base}/login")).await.unwrap();
    crate::type_in(c, "#username", "staff").await;
    crate::type_in(c, "#password", "wrong password").await;
    crate::click(c, "#login-submit").await;
    // The refused login comes back as a new page: wait for it before reading.
    c.wait()
        .for_element(fantoccini::Locator::Css("main .error"))
        .await
        .expect("the login page comes back with its error");
    let after = named_everywhere(c, "/login with an error").await;
    assert!(
        after
            .iter()
            .any(|(role, _)| role == "alert" || role == "status"),
        "the error is announced (alert or status): {:?}",
        after.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>()
    );

    crate::login(c, base, "staff").await;
    for path in ["/concerns", "/my", "/notifications", "/stats/concerns"] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        let nodes = named_everywhere(c, path).await;
        let tables = nodes.iter().filter(|(r, _)| r == "table").count();
        let headers = nodes
            .iter()
            .filter(|(r, _)| r == "columnheader" || r == "rowheader")
            .count();
        assert!(
            tables == 0 || headers >= tables,
            "{path}: {tables} tables, {headers} header cells"
        );
        // A table without header cells may be read as layout: ask the page itself.
        let bare: i64 = serde_json::from_value(
            c.execute(
                "return [...document.querySelectorAll('table')].filter(t => !t.querySelector('th')).length;",
                vec![],
            )
            .await
            .unwrap(),
        )
        .unwrap();
        assert_eq!(bare, 0, "{path}: every table has header cells");
    }
    d.finish().await;
}
