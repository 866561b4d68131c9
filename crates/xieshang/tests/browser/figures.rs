//! Browser test: the proposal committee's figures page (issue 29 point 10)
//! in Chromium at desktop and phone size: the charts draw, the page fits the
//! phone's width, and its links lead to the downloads and the compilation.

use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committee_reads_the_figures_at_desktop_and_phone_size() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "committee").await;
    c.goto(&format!("{base}/proposals/review")).await.unwrap();
    crate::click(c, "#figures-link").await;
    let heading = crate::text_of(c, "h1").await;
    assert!(
        heading.contains("提案统计") && heading.contains("阎良区政协"),
        "{heading}"
    );
    // The category chart draws one bar per category, to scale.
    let bars = c
        .find_all(Locator::Css("#chart-category rect"))
        .await
        .unwrap()
        .len();
    assert!(bars >= 2, "{bars}");
    let width = c
        .execute(
            "return document.getElementById('chart-category').getBoundingClientRect().width;",
            vec![],
        )
        .await
        .unwrap();
    assert!(width.as_f64().unwrap() > 300.0, "{width}");
    assert!(crate::text_of(c, "#figures-totals")
        .await
        .contains("立案率"));
    for link in ["#figures-csv", "#figures-xlsx", "#compilation-pdf"] {
        c.find(Locator::Css(link)).await.unwrap();
    }
    crate::shot(c, "proposal-figures-desktop").await;
    c.execute(
        "document.getElementById('chart-category-section').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    crate::shot(c, "proposal-figures-charts-desktop").await;
    // By year.
    crate::click(c, "#show-year").await;
    c.wait()
        .for_element(Locator::Css("#figures-totals"))
        .await
        .unwrap();
    // On a phone the charts shrink to the width: no sideways scrolling.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/proposals/figures")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#chart-class"))
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
    crate::shot(c, "proposal-figures-phone").await;
    crate::logout(c).await;
    d.finish().await;
}
