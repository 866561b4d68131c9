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

const SPACE: &str = "\u{E00D}";

/// Types text into whatever has focus, one key after another.
async fn type_keys(c: &Client, text: &str) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".into());
    for k in text.chars() {
        actions = actions
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
    }
    c.perform_actions(actions).await.unwrap();
}

/// Presses Tab until the focused element matches `selector`, each stop on the
/// way showing its focus ring; fails after 150 presses.
async fn tab_until(c: &Client, selector: &str) {
    let mut passed = Vec::new();
    for _ in 0..150 {
        press(c, TAB).await;
        let (now, visible) = focused(c).await;
        assert!(visible, "{now} shows its focus (on the way to {selector})");
        let here: bool = serde_json::from_value(
            c.execute(
                "return document.activeElement.matches(arguments[0]);",
                vec![serde_json::json!(selector)],
            )
            .await
            .unwrap(),
        )
        .unwrap();
        if here {
            return;
        }
        passed.push(now);
    }
    panic!("Tab never reached {selector}: {passed:?}");
}

/// Waits for the page an Enter or Space sent to show `selector`.
async fn arrives(c: &Client, selector: &str) {
    c.wait()
        .for_element(fantoccini::Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector} never showed: {e}"));
}

/// Issue 27 point 2: the whole loop by keyboard alone. A resident files a
/// concern, staff log in, accept it and assign it to a department, moving with
/// Tab and Shift+Tab, acting with Enter and Space, and typing only into text
/// fields (and a choice list's type-ahead, as a keyboard user picks an option).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concern_is_filed_triaged_and_assigned_by_keyboard_alone() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    c.set_window_size(1280, 900).await.unwrap();

    // The resident: from the home page to the report form.
    c.goto(&format!("{base}/")).await.unwrap();
    tab_until(c, "main a[href=\"/report\"]").await;
    press(c, ENTER).await;
    arrives(c, "#report-form").await;
    // A street the staff account serves, chosen by typing its name on the list.
    let unit: String = sqlx::query_scalar(
        "SELECT o.code FROM orgs o JOIN users u ON u.home_org_id = o.id WHERE u.username = 'staff'",
    )
    .fetch_one(d.t.db.pool())
    .await
    .unwrap();
    let street: String = serde_json::from_value(
        c.execute(
            "return [...document.querySelectorAll('#area option')] \
               .find(o => o.value.startsWith(arguments[0] + '-') && !o.textContent.includes(' · ')) \
               .textContent;",
            vec![serde_json::json!(unit)],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    tab_until(c, "#area").await;
    type_keys(c, &street).await;
    let area: String = serde_json::from_value(
        c.execute("return document.querySelector('#area').value;", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(!area.is_empty(), "typing {street} on the list chose it");
    tab_until(c, "#title").await;
    type_keys(c, "Broken kerb at the school gate").await;
    press(c, TAB).await;
    type_keys(
        c,
        "The kerb stone is loose and children trip over it every morning.",
    )
    .await;
    // One step back and forth: Shift+Tab returns to the title, as it came.
    press(c, SHIFT_TAB).await;
    let (back, _) = focused(c).await;
    assert!(
        back.starts_with("input#title"),
        "Shift+Tab goes back: {back}"
    );
    tab_until(c, "#report-submit").await;
    press(c, ENTER).await;
    arrives(c, "#tracking-code").await;
    let code = crate::text_of(c, "#tracking-code").await.trim().to_owned();
    let id: i64 = sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(&code)
        .fetch_one(d.t.db.pool())
        .await
        .unwrap();

    // Staff: the login link in the menu, then the form.
    tab_until(c, "#nav-login").await;
    press(c, ENTER).await;
    arrives(c, "#username").await;
    tab_until(c, "#username").await;
    type_keys(c, "staff").await;
    press(c, TAB).await;
    type_keys(c, xieshang_store::seed::DEMO_PASSWORD).await;
    press(c, ENTER).await;
    arrives(c, "#nav-concerns").await;
    tab_until(c, "#nav-concerns").await;
    press(c, ENTER).await;
    let link = format!("main a[href=\"/concerns/{id}\"]");
    arrives(c, &link).await;
    tab_until(c, &link).await;
    press(c, ENTER).await;
    // Triage: accept, with Space on the button.
    arrives(c, "#do-accept").await;
    tab_until(c, "#do-accept").await;
    press(c, SPACE).await;
    arrives(c, "#assign-form").await;
    let state: String = sqlx::query_scalar("SELECT state FROM concerns WHERE id = $1")
        .bind(id)
        .fetch_one(d.t.db.pool())
        .await
        .unwrap();
    assert_eq!(state, "accepted");
    // Assign: tick the first department, make it the lead, send.
    tab_until(c, "#assign-form input[type=checkbox]").await;
    press(c, SPACE).await;
    let dept: String = serde_json::from_value(
        c.execute("return document.activeElement.value;", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    tab_until(c, &format!("#lead-{dept}")).await;
    press(c, SPACE).await;
    tab_until(c, "#do-assign").await;
    crate::shot(c, "keyboard-assign").await;
    press(c, ENTER).await;
    arrives(c, "#timeline").await;
    let (state, lead): (String, Option<i64>) = sqlx::query_as(
        "SELECT c.state, (SELECT a.org_id FROM item_assignments a WHERE a.kind = 'concern' \
           AND a.item_id = c.id AND a.lead = 1 AND a.active = 1) FROM concerns c WHERE c.id = $1",
    )
    .bind(id)
    .fetch_one(d.t.db.pool())
    .await
    .unwrap();
    assert_eq!(state, "assigned", "the concern was assigned by keyboard");
    assert_eq!(
        lead.map(|l| l.to_string()),
        Some(dept),
        "to the ticked lead"
    );
    d.finish().await;
}
