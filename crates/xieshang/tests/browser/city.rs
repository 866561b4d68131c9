//! Browser test: the city view (issue 31 point 7) in Chromium at desktop and
//! phone size: the city's staff reach it from the menu, the table has a row
//! per district, the chart draws a bar per district and follows the chosen
//! figure, and on a phone the page keeps to the screen's width (the table
//! scrolls in its own box).

use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_city_staff_compare_the_districts_at_desktop_and_phone_size() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "staff-city").await;
    crate::click(c, "#nav-city").await;
    assert!(crate::text_of(c, "h1").await.contains("各区县对比"));
    let rows = c
        .find_all(Locator::Css("#city-figures tbody tr"))
        .await
        .unwrap()
        .len();
    assert_eq!(rows, 13, "a row per district");
    let bars = c
        .find_all(Locator::Css("#city-chart rect"))
        .await
        .unwrap()
        .len();
    assert_eq!(bars, 13, "a bar per district");
    crate::shot(c, "city-view-desktop").await;
    // Chart another figure.
    c.find(Locator::Css("#chart"))
        .await
        .unwrap()
        .select_by_value("proposals_filed")
        .await
        .unwrap();
    crate::click(c, "#period button[type=submit]").await;
    assert!(crate::text_of(c, "#chart-title").await.contains("提交提案"));
    c.execute(
        "document.getElementById('chart-title').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    crate::shot(c, "city-view-chart-desktop").await;
    // On a phone: no sideways scrolling of the page.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/city")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#city-chart"))
        .await
        .unwrap();
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "the page is wider than a phone"
    );
    crate::shot(c, "city-view-phone").await;
    c.execute(
        "document.getElementById('chart-title').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    crate::shot(c, "city-view-chart-phone").await;
    crate::logout(c).await;
    d.finish().await;
}
