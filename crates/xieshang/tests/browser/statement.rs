//! The accessibility statement in a real browser (issue 27 point 7): a person
//! finds it from the footer and files a barrier report with the keyboard alone.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, Locator};

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const SPACE: char = '\u{E00D}';

/// Presses and releases each key in turn (typing text, or one key).
async fn keys(c: &Client, text: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for k in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
    }
    c.perform_actions(actions).await.unwrap();
}

/// The focused element's id and whether its focus outline shows.
async fn focused(c: &Client) -> (String, bool) {
    let v = c
        .execute(
            r#"const e = document.activeElement;
            const s = getComputedStyle(e);
            const visible = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 &&
              s.outlineColor !== 'transparent' && !/, 0\)$/.test(s.outlineColor);
            return [e.id || e.tagName.toLowerCase(), visible];"#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// Presses Tab until the element with `id` has focus (each stop on the way
/// showing its focus); the stops passed.
async fn tab_to(c: &Client, id: &str) -> Vec<String> {
    let mut passed = Vec::new();
    for _ in 0..120 {
        keys(c, &TAB.to_string()).await;
        let (now, visible) = focused(c).await;
        assert!(visible, "{now} shows its focus");
        if now == id {
            return passed;
        }
        passed.push(now);
    }
    panic!("Tab never reached #{id}: {passed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_finds_the_statement_in_the_footer_and_reports_a_barrier_by_keyboard() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    c.set_window_size(390, 844).await.unwrap();
    // Met on the report form: from there, the footer's link.
    c.goto(&format!("{base}/report")).await.unwrap();
    tab_to(c, "footer-a11y").await;
    keys(c, &ENTER.to_string()).await;
    c.wait()
        .for_element(Locator::Css("#barrier-form"))
        .await
        .unwrap();
    assert!(c.current_url().await.unwrap().path() == "/accessibility");
    let h1 = crate::text_of(c, "h1").await;
    assert_eq!(h1, "无障碍声明");
    // The page it came from is already filled in; Tab passes it.
    let passed = tab_to(c, "description").await;
    assert!(passed.contains(&"page_url".to_owned()), "{passed:?}");
    let page_url = c
        .find(Locator::Css("#page_url"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(page_url.as_deref(), Some("/report"));
    keys(c, "The locate button is not announced by my screen reader").await;
    tab_to(c, "barrier-submit").await;
    crate::shot(c, "statement-barrier-form").await;
    keys(c, &SPACE.to_string()).await;
    c.wait()
        .for_element(Locator::Css("#tracking-code"))
        .await
        .unwrap();
    let code = crate::text_of(c, "#tracking-code").await;
    crate::shot(c, "statement-barrier-filed").await;
    let (category, parent, address, description): (String, Option<i64>, String, String) =
        sqlx::query_as(
            "SELECT c.category, o.parent_id, c.address, c.description
               FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE c.tracking_code = $1",
        )
        .bind(code.trim())
        .fetch_one(d.t.db.pool())
        .await
        .unwrap();
    assert_eq!(category, "accessibility");
    assert_eq!(parent, None, "filed at the root unit");
    assert_eq!(address, "/report");
    assert_eq!(
        description,
        "The locate button is not announced by my screen reader"
    );
    d.finish().await;
}
