//! Browser tests: staff (issue 26). Each test takes its own city with `crate::demo()`.

use fantoccini::Locator;

/// Writes the notifications the server's worker would (the demo harness runs
/// no worker).
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

/// The liaison officer records a concern for a resident at street level, opens
/// the notification about it and lands on the concern (with the menu), finds
/// it with its state on her own page; staff meet a primary accept button and a
/// distinct reject button, and the street's paired member is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_liaison_follows_what_she_recorded_and_staff_tell_the_buttons_apart() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    c.set_window_size(390, 844).await.unwrap();
    crate::login(c, base, "liaison").await;
    c.goto(&format!("{base}/record")).await.unwrap();
    crate::click(c, "#category option[value='safety']").await;
    crate::click(c, "#area option[value='yanliang-guanshan']").await;
    crate::type_in(c, "#title", "关山街道路灯不亮").await;
    crate::type_in(
        c,
        "#description",
        "关山街道主路三盏路灯连续一周不亮，夜里行人看不清路",
    )
    .await;
    crate::click(c, "#record-submit").await;
    assert!(!crate::text_of(c, "#tracking-code").await.is_empty());
    run_jobs(&d).await;
    crate::click(c, "#nav-notifications").await;
    c.wait()
        .for_element(Locator::LinkText("关山街道路灯不亮"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The concern itself, not a bare refusal: its state, and the site menu.
    assert!(crate::text_of(c, "#state").await.contains("已提交"));
    assert!(crate::text_of(c, "#paired-area").await.contains("关山"));
    crate::shot(c, "staff-liaison-opens-her-concern-phone").await;
    crate::click(c, "#nav-my").await;
    let mine = crate::text_of(c, "#my-recorded").await;
    assert!(
        mine.contains("关山街道路灯不亮") && mine.contains("已提交"),
        "{mine}"
    );
    crate::shot(c, "staff-liaison-my-recorded-phone").await;
    crate::logout(c).await;

    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "staff").await;
    c.goto(&format!("{base}/concerns")).await.unwrap();
    c.wait()
        .for_element(Locator::LinkText("关山街道路灯不亮"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let accept = c
        .wait()
        .for_element(Locator::Css("#do-accept"))
        .await
        .unwrap();
    let reject = c.find(Locator::Css("#do-reject")).await.unwrap();
    let bg = |e: fantoccini::elements::Element| async move {
        e.css_value("background-color").await.unwrap()
    };
    let (a, r) = (bg(accept).await, bg(reject).await);
    assert_ne!(a, r, "accept and reject look different");
    crate::shot(c, "staff-triage-buttons-desktop").await;
    d.finish().await;
}
