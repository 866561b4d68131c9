//! Keyboard only (issue 27 point 2): the skip link is the first stop and leads to
//! the main content, every stop shows a visible focus ring (the computed outline),
//! and Tab never gets stuck: it runs through the page and comes back around.

use fantoccini::Client;

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SHIFT_TAB: &str = "\u{E008}\u{E004}";

/// Presses keys together (each down in turn, then up in reverse) as a keyboard
/// does, on whatever has focus: through WebDriver's actions, not by typing into
/// an element (which, on a file input, would name a file).
async fn press(c: &Client, keys: &str) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".into());
    for k in keys.chars() {
        actions = actions.then(KeyAction::Down { value: k });
    }
    for k in keys.chars().rev() {
        actions = actions.then(KeyAction::Up { value: k });
    }
    c.perform_actions(actions).await.unwrap();
}

/// What has focus: a description, and whether its focus indicator is visible
/// (an outline at least 2 px wide in a colour that is not transparent).
async fn focused(c: &Client) -> (String, bool) {
    let v = c
        .execute(
            r#"const e = document.activeElement;
            const s = getComputedStyle(e);
            const desc = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
              (e.getAttribute('href') ? '[' + e.getAttribute('href') + ']' : '') +
              ' "' + (e.innerText || e.value || '').trim().slice(0, 20) + '"';
            const visible = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 &&
              s.outlineColor !== 'transparent' && !/, 0\)$/.test(s.outlineColor);
            return [desc, visible, e === document.body];"#,
            vec![],
        )
        .await
        .unwrap();
    let (desc, visible, body): (String, bool, bool) = serde_json::from_value(v).unwrap();
    (desc, visible || body)
}

/// Tabs through the page from its top until focus comes back to the first stop;
/// fails on a stop without a visible focus ring or when focus never comes back.
async fn tab_round(c: &Client, url: &str) -> Vec<String> {
    c.goto(url).await.unwrap();
    press(c, TAB).await;
    let (first, visible) = focused(c).await;
    assert!(visible, "{url}: first stop {first} shows its focus");
    let mut stops = vec![first.clone()];
    for _ in 0..200 {
        press(c, TAB).await;
        let (now, visible) = focused(c).await;
        assert!(visible, "{url}: {now} has no visible focus ring");
        if now == first {
            return stops;
        }
        stops.push(now);
    }
    panic!("{url}: focus did not come back to the first stop in 200 presses: {stops:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keyboard_reaches_everything_and_focus_shows() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    c.set_window_size(1280, 900).await.unwrap();

    // The first Tab lands on the skip link, which shows and leads to the main content.
    c.goto(&format!("{base}/")).await.unwrap();
    press(c, TAB).await;
    let (first, _) = focused(c).await;
    assert!(
        first.starts_with("a[#main]"),
        "first stop is the skip link: {first}"
    );
    let top: f64 = serde_json::from_value(
        c.execute(
            "return document.activeElement.getBoundingClientRect().top;",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(top >= 0.0, "the skip link is on screen when focused: {top}");
    crate::shot(c, "keyboard-skip-link").await;
    press(c, ENTER).await;
    let (after_skip, _) = focused(c).await;
    assert!(
        after_skip.starts_with("main"),
        "Enter on the skip link moves focus to main: {after_skip}"
    );
    // Shift+Tab goes back the way it came.
    press(c, TAB).await;
    let (next, _) = focused(c).await;
    press(c, TAB).await;
    press(c, SHIFT_TAB).await;
    let (back, _) = focused(c).await;
    assert_eq!(back, next, "Shift+Tab returns to the previous stop");

    // Every stop on the public pages and on a staff member's pages shows its focus,
    // and Tab comes round again (no trap).
    for path in ["/", "/report", "/login"] {
        let stops = tab_round(c, &format!("{base}{path}")).await;
        assert!(stops.len() >= 3, "{path}: {stops:?}");
    }
    crate::login(c, base, "staff").await;
    for path in ["/concerns", "/my", "/notifications"] {
        let stops = tab_round(c, &format!("{base}{path}")).await;
        assert!(stops.len() >= 3, "{path}: {stops:?}");
    }
    d.finish().await;
}
