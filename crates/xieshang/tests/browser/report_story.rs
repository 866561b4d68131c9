//! Issue 30 point 8: the story of an opinion report in Chromium, through the
//! real pages. member-gs-01, on her phone, logs a resident's matter about
//! e-bikes charging in a 关山街道 stairwell and marks it as an opinion report,
//! then writes it up from her reports list and submits it; the district's
//! staff find it from their home page, edit it to "关于加强老旧小区电动自行车
//! 充电安全管理的建议", use it and forward it to the city; the city's staff
//! record the city's adoption and a city leader's instruction; back on her
//! phone she sees the news, her duty record shows 1 + 5 + 10 points, and the
//! study material she confirms counts there too.
//!
//! Screenshots go to target/screenshots/report-story-*.png; the accessibility
//! engine runs on the member's pages (phone size) and the staff's when
//! axe-core is installed.

use crate::consult::submit;
use fantoccini::{Client, Locator};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);

/// A screenshot, and the accessibility engine's serious findings into
/// `serious`.
async fn look(c: &Client, axe: &Option<String>, serious: &mut Vec<String>, name: &str) {
    crate::shot(c, &format!("report-story-{name}")).await;
    if let Some(axe) = axe {
        serious.extend(crate::a11y::serious_here(c, axe, name).await);
    }
}

/// Replaces what a field holds with `text`.
async fn retype(c: &Client, css: &str, text: &str) {
    let e = c.wait().for_element(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Sets a field's value directly (a date input's typing depends on the
/// browser's locale).
async fn set_value(c: &Client, css: &str, value: &str) {
    c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![css.into(), value.into()],
    )
    .await
    .unwrap();
}

/// Opens the report titled `title` from the office's queue, reached from the
/// home page's list of what waits.
async fn from_queue(c: &Client, base: &str, user: &str, title: &str) {
    crate::login(c, base, user).await;
    c.goto(&format!("{base}/")).await.unwrap();
    submit(c, "#today a[href=\"/reports/queue\"]").await;
    let href = c
        .find(Locator::XPath(&format!(
            "//table[@id='reports']//a[contains(., '{title}')]"
        )))
        .await
        .unwrap_or_else(|e| panic!("{title} in the queue of {user}: {e}"))
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    submit(c, &format!("#reports a[href=\"{href}\"]")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_story_in_chromium() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let axe = crate::a11y::axe_source();
    let mut serious = Vec::new();
    let title = "关于加强老旧小区电动自行车充电安全管理的建议";
    let matter =
        "关山社区3号楼居民在楼道内给电动自行车充电，从窗口拉线飞线充电，车辆堵塞消防通道。";

    // 1. On her phone: the reception, marked as an opinion report.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-gs-01").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/today");
    submit(c, "#nav-duty").await;
    crate::type_in(c, "#matter", matter).await;
    crate::type_in(c, "#action_taken", "已联系物业，答应向政协反映").await;
    submit(c, "#log-reception").await;
    let mark = c
        .find(Locator::XPath(
            "//ol[@id='receptions']/li[contains(., '飞线充电')]//button[starts-with(@id, 'lead-report-')]",
        ))
        .await
        .expect("the reception can be marked as an opinion report")
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    submit(c, &format!("#{mark}")).await;

    // 2. From her phone home to her reports, the marked reception offered;
    // written up and submitted.
    c.goto(&format!("{base}/today")).await.unwrap();
    submit(c, "#today-news a[href=\"/reports/mine\"]").await;
    let offered = crate::text_of(c, "#open-links").await;
    assert!(offered.contains("飞线充电"), "{offered}");
    submit(c, "#open-links a").await;
    let typed = c
        .execute("return document.getElementById('matter').value;", vec![])
        .await
        .unwrap();
    assert!(
        typed.as_str().unwrap_or("").contains("飞线充电"),
        "the form opens with the reception's text: {typed}"
    );
    retype(c, "#title", "楼道电动车充电隐患").await;
    look(c, &axe, &mut serious, "member-form-phone").await;
    submit(c, "#submit-report").await;
    let state = crate::text_of(c, "#report-state").await;
    assert!(state.contains("已报送"), "{state}");
    look(c, &axe, &mut serious, "member-submitted-phone").await;
    crate::logout(c).await;

    // 3. The district's staff, at a desk: edit, use, forward to the city.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    from_queue(c, base, "staff", "楼道电动车充电隐患").await;
    retype(c, "#title", title).await;
    let edited = format!("{matter}\n建议在老旧小区增设集中充电设施，落实物业消防安全责任。");
    retype(c, "#matter", &edited).await;
    submit(c, "#save-version").await;
    crate::click(c, "#decision-use").await;
    submit(c, "#decide").await;
    let state = crate::text_of(c, "#report-state").await;
    assert!(state.contains("已采用"), "{state}");
    c.find(Locator::Css("#level option[value='city']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(c, "#forward").await;
    look(c, &axe, &mut serious, "staff-forwarded-desktop").await;
    crate::logout(c).await;

    // 4. The city's staff: the city's adoption and a city leader's
    // instruction.
    from_queue(c, base, "staff-city", title).await;
    c.find(Locator::Css("#level option[value='city']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::type_in(c, "#evidence", "市政协社情民意信息第12期").await;
    submit(c, "#adopt").await;
    crate::type_in(c, "#leader", "张副市长").await;
    c.find(Locator::Css("#leader_level option[value='city']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set_value(c, "#given_on", "2026-11-03").await;
    crate::type_in(c, "#words", "请市住建局、市消防救援支队研究落实。").await;
    submit(c, "#instruct").await;
    let levels = crate::text_of(c, "#levels").await;
    assert!(levels.contains("市政协社情民意信息第12期"), "{levels}");
    let instructions = crate::text_of(c, "#instructions").await;
    assert!(instructions.contains("张副市长"), "{instructions}");
    look(c, &axe, &mut serious, "city-instruction-desktop").await;
    crate::logout(c).await;

    // 5. Back on her phone: the news, the report's steps, the points.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-gs-01").await;
    let news = crate::text_of(c, "#today-news").await;
    assert!(news.contains(title), "{news}");
    look(c, &axe, &mut serious, "member-news-phone").await;
    submit(c, "#today-news li a").await;
    let timeline = crate::text_of(c, "#timeline").await;
    assert!(timeline.contains("张副市长"), "{timeline}");
    look(c, &axe, &mut serious, "member-report-phone").await;
    c.goto(&format!("{base}/today")).await.unwrap();
    submit(c, "#today-record").await;
    let points = crate::text_of(c, "#report-points").await;
    assert_eq!(points.trim(), "16", "1 + 5 + 10 by the default rules");
    assert_eq!(crate::text_of(c, "#readings-confirmed").await.trim(), "0");

    // 6. The study material due: opened from the phone home and confirmed;
    // the duty record counts it.
    c.goto(&format!("{base}/today")).await.unwrap();
    submit(c, "#today-readings li a").await;
    submit(c, "#confirm-reading").await;
    c.wait()
        .for_element(Locator::Css("#confirmed"))
        .await
        .unwrap();
    c.goto(&format!("{base}/today")).await.unwrap();
    submit(c, "#today-record").await;
    assert_eq!(crate::text_of(c, "#readings-confirmed").await.trim(), "1");
    look(c, &axe, &mut serious, "member-record-phone").await;
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true), "no sideways scrolling");
    assert!(serious.is_empty(), "{serious:#?}");
    d.finish().await;
}
