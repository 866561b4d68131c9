//! Issue 31 point 9, the best-practice part, in Chromium through the real
//! pages: 阎良区's staff, on a phone, write their 多商量 practice and send it
//! to the city; the city's staff, at a desk, find it from their home page,
//! ask for a change, then (after the district sends it again) select it; they
//! compile a booklet of two chapters with two of the demo's selected
//! practices, the job writes it, and the booklet's page offers the PDF.
//!
//! Screenshots go to target/screenshots/practice-story-*.png; the
//! accessibility engine runs on each page looked at when axe-core is
//! installed.

use crate::consult::submit;
use fantoccini::{Client, Locator};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);

async fn look(c: &Client, axe: &Option<String>, serious: &mut Vec<String>, name: &str) {
    crate::shot(c, &format!("practice-story-{name}")).await;
    if let Some(axe) = axe {
        serious.extend(crate::a11y::serious_here(c, axe, name).await);
    }
}

async fn run_jobs(d: &crate::Demo) {
    let worker = xieshang_store::jobs::Worker {
        db: d.t.db.clone(),
        calendar: xieshang_core::calendar::Calendar::parse("").unwrap(),
        policy: Default::default(),
        mailer: None,
        base_url: d.base.clone(),
        sealer: None,
        retention_days: 0,
        webhook_policy: Default::default(),
    };
    worker.run_until_idle().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn practice_story_in_chromium() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let axe = crate::a11y::axe_source();
    let mut serious = Vec::new();
    let title = "“多商量”协商议事品牌";

    // 1. 阎良区's staff on a phone: from the menu to the form, written, sent.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "staff").await;
    submit(c, "#nav-practices").await;
    submit(c, "#link-new").await;
    crate::type_in(c, "#title", title).await;
    c.find(Locator::Css("#area option[value='consultation']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::type_in(
        c,
        "#summary",
        "阎良区政协在各街道建立“多商量”议事室，群众提、委员议、部门办。",
    )
    .await;
    crate::type_in(c, "#figures", "议事室: 7个").await;
    look(c, &axe, &mut serious, "district-form-phone").await;
    submit(c, "#save-practice").await;
    submit(c, "#submit-practice").await;
    let state = crate::text_of(c, "#practice-state").await;
    assert!(state.contains("待审核"), "{state}");
    look(c, &axe, &mut serious, "district-submitted-phone").await;
    let page = c.current_url().await.unwrap().path().to_owned();
    crate::logout(c).await;

    // 2. The city at a desk: from home to the review list, a change asked.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    crate::login(c, base, "staff-city").await;
    c.goto(&format!("{base}/")).await.unwrap();
    submit(c, "a[href=\"/practices/review\"]").await;
    look(c, &axe, &mut serious, "city-review-desktop").await;
    submit(c, &format!("#practices a[href=\"{page}\"]")).await;
    click_radio(c, "#decision-request_changes").await;
    crate::type_in(c, "#note", "请补充群众满意度数据。").await;
    submit(c, "#review").await;
    crate::logout(c).await;

    // 3. The district sees the note, adds the figure, sends it again.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "staff").await;
    c.goto(&format!("{base}{page}")).await.unwrap();
    let note = crate::text_of(c, "#review-note").await;
    assert!(note.contains("群众满意度"), "{note}");
    let figures = c.find(Locator::Css("#figures")).await.unwrap();
    figures.send_keys("\n群众满意度: 96%").await.unwrap();
    submit(c, "#save-practice").await;
    submit(c, "#submit-practice").await;
    look(c, &axe, &mut serious, "district-resubmitted-phone").await;
    crate::logout(c).await;

    // 4. The city selects it and compiles a booklet of two chapters.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    crate::login(c, base, "staff-city").await;
    c.goto(&format!("{base}{page}")).await.unwrap();
    click_radio(c, "#decision-select").await;
    submit(c, "#review").await;
    let state = crate::text_of(c, "#practice-state").await;
    assert!(state.contains("已入选"), "{state}");
    look(c, &axe, &mut serious, "city-selected-desktop").await;
    let id: i64 = page.trim_start_matches("/practices/").parse().unwrap();
    let others: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM practices WHERE state = 'selected' AND id <> $1 ORDER BY id LIMIT 2",
    )
    .bind(id)
    .fetch_all(d.t.db.pool())
    .await
    .unwrap();
    c.goto(&format!("{base}/booklets")).await.unwrap();
    crate::type_in(c, "#title", "优秀做法汇编").await;
    crate::type_in(c, "#chapters", "协商议事\n履职与监督").await;
    crate::type_in(c, &format!("#chapter_{id}"), "1").await;
    crate::type_in(c, &format!("#chapter_{}", others[0]), "2").await;
    crate::type_in(c, &format!("#chapter_{}", others[1]), "2").await;
    look(c, &axe, &mut serious, "city-booklet-form-desktop").await;
    submit(c, "#make-booklet").await;
    let progress = crate::text_of(c, "#progress").await;
    assert!(progress.contains("共 3 篇"), "{progress}");
    look(c, &axe, &mut serious, "city-booklet-queued-desktop").await;
    run_jobs(&d).await;
    submit(c, "#refresh").await;
    let href = c
        .find(Locator::Css("#download"))
        .await
        .expect("the booklet is ready")
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(href.ends_with("/booklet.pdf"), "{href}");
    look(c, &axe, &mut serious, "city-booklet-ready-desktop").await;
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    look(c, &axe, &mut serious, "city-booklet-ready-phone").await;
    crate::logout(c).await;
    assert!(
        serious.is_empty(),
        "serious accessibility findings: {serious:#?}"
    );
    d.finish().await;
}

async fn click_radio(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}
