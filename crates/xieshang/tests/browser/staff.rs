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

/// A concern filed by a resident in 关山街道, accepted by staff and assigned
/// to the urban-management bureau as lead; returns its id.
async fn assigned_concern(d: &crate::Demo, title: &str) -> i64 {
    use xieshang_store::{account::user, concern, item::By, org};
    let db = &d.t.db;
    let unit = org::by_code_unchecked(db, "yanliang-guanshan")
        .await
        .unwrap();
    let (id, _) = concern::record(
        db,
        By::Resident,
        xieshang_store::testing::web_concern(
            unit.id,
            "environment",
            title,
            "公厕无人保洁，气味很大",
        ),
    )
    .await
    .unwrap();
    let staff_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'staff'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let staff = user::actor(db, staff_id).await.unwrap();
    let accept = xieshang_core::item::CONCERN.action("accept").unwrap();
    xieshang_store::item::transition(
        db,
        &xieshang_core::item::CONCERN,
        id,
        accept,
        By::User(&staff),
        None,
        &[],
    )
    .await
    .unwrap();
    let cgj = org::by_code_unchecked(db, "yanliang-cgj").await.unwrap().id;
    concern::triage::assign(
        db,
        &xieshang_core::calendar::Calendar::parse("").unwrap(),
        &Default::default(),
        &staff,
        id,
        &[cgj],
        cgj,
        None,
    )
    .await
    .unwrap();
    id
}

/// The department's 办结 without the confirmation ticked comes back with the
/// note and the chosen photo kept (the photo held on the server, shown as
/// kept); ticking the box is then enough, and the photo is filed with the
/// result (issue 26: forms never lose input).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolving_unconfirmed_keeps_the_note_and_the_photo_for_the_retry() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let id = assigned_concern(&d, "关山公厕无人保洁").await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("clean.png");
    image::RgbImage::from_pixel(60, 40, image::Rgb([200, 200, 210]))
        .save(&photo)
        .unwrap();
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "handler").await;
    c.goto(&format!("{base}/concerns/{id}")).await.unwrap();
    crate::type_in(c, "#handle-note", "已安排每日两次保洁").await;
    crate::type_in(c, "#handle-photos", &photo.display().to_string()).await;
    // The browser would stop an unticked required box; this one is checked by
    // the server, so the person is told beside it.
    crate::click(c, "#do-resolve").await;
    assert!(crate::text_of(c, "#handle-photos-kept").await.contains('1'));
    let note = c.find(Locator::Css("#handle-note")).await.unwrap();
    assert_eq!(
        note.prop("value").await.unwrap().as_deref(),
        Some("已安排每日两次保洁")
    );
    let confirm = c.find(Locator::Css("#confirm-resolve")).await.unwrap();
    assert_eq!(
        confirm.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert!(crate::text_of(c, "#confirm-error").await.contains("确认"));
    crate::shot(c, "department-resolve-kept-desktop").await;
    crate::click(c, "#confirm-resolve").await;
    crate::click(c, "#do-resolve").await;
    assert!(crate::text_of(c, "#result")
        .await
        .contains("已安排每日两次保洁"));
    assert!(crate::text_of(c, "#state").await.contains("已办结"));
    let filed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments WHERE kind = 'concern' AND item_id = $1",
    )
    .bind(id)
    .fetch_one(d.t.db.pool())
    .await
    .unwrap();
    assert_eq!(filed, 1, "the kept photo is filed with the result");
    d.finish().await;
}
