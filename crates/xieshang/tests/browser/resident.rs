//! Browser tests: resident (issue 26). Each test takes its own city with `crate::demo()`.

use fantoccini::Locator;

/// A resident on a phone: the area picker asks first and offers streets and
/// communities by name; a title over the limit is counted as it is typed and
/// refused with the message beside it; everything written and the photo
/// chosen are still there, so fixing the title is enough to file it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_report_keeps_everything_and_shows_the_error_beside_the_field() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("drain.png");
    image::RgbImage::from_pixel(60, 40, image::Rgb([90, 120, 90]))
        .save(&photo)
        .unwrap();
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/report")).await.unwrap();
    let chosen = crate::text_of(c, "#area option:checked").await;
    assert_eq!(chosen, "请选择所在街道或社区");
    crate::click(c, "#category option[value='water']").await;
    crate::click(c, "#area option[value='yanliang-guanshan-c2']").await;
    let long = "东刘社区路口下水道堵塞".repeat(10);
    crate::type_in(c, "#title", &long).await;
    let counter = crate::text_of(c, "#title-count").await;
    assert_eq!(counter, "110 / 100", "counted as typed");
    crate::type_in(c, "#description", "下雨后路口积水很深，老人孩子过不去").await;
    crate::type_in(c, "#photos", &photo.display().to_string()).await;
    crate::type_in(c, "#phone", "13700009999").await;
    crate::shot(c, "resident-report-over-limit-phone").await;
    crate::click(c, "#report-submit").await;
    let message = crate::text_of(c, "#title-error").await;
    assert!(message.contains("标题"), "{message}");
    let title = c.find(Locator::Css("#title")).await.unwrap();
    assert_eq!(
        title.prop("value").await.unwrap().as_deref(),
        Some(long.as_str())
    );
    assert_eq!(
        title.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        title.attr("aria-describedby").await.unwrap().as_deref(),
        Some("title-error")
    );
    assert!(crate::text_of(c, "#photos-kept").await.contains('1'));
    assert_eq!(
        crate::text_of(c, "#area option:checked").await,
        "关山街道 · 东刘社区"
    );
    crate::shot(c, "resident-report-kept-phone").await;
    title.clear().await.unwrap();
    crate::type_in(c, "#title", "东刘社区路口下水道堵塞").await;
    crate::click(c, "#report-submit").await;
    let code = crate::text_of(c, "#tracking-code").await;
    assert_eq!(code.len(), 10, "{code}");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE kind = 'concern'")
        .fetch_one(d.t.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 1, "the kept photo was filed");
    // The track page offers to copy the code (issue 26): the button shows,
    // copies the code to the clipboard and says so, to screen readers too.
    c.issue_cmd(crate::reader::Cdp {
        cmd: "Browser.grantPermissions",
        params: serde_json::json!({
            "origin": base,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        }),
    })
    .await
    .expect("clipboard permission");
    c.goto(&format!("{base}/track?code={code}")).await.unwrap();
    let button = c.find(Locator::Css("#copy-code")).await.unwrap();
    assert!(
        button.is_displayed().await.unwrap(),
        "the copy button shows"
    );
    let label = button.text().await.unwrap();
    button.click().await.unwrap();
    c.wait()
        .for_element(Locator::XPath(
            "//span[@id='copy-done' and normalize-space(.) != '']",
        ))
        .await
        .expect("the copy is announced");
    let done = crate::text_of(c, "#copy-code").await;
    assert_ne!(done, label, "the button says it copied");
    let said = c
        .execute(
            "return document.getElementById('copy-done').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(said.as_str(), Some(done.as_str()));
    let copied = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.clipboard.readText().then(done, e => done('failed: ' + e));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        copied.as_str(),
        Some(code.as_str()),
        "the clipboard holds the code"
    );
    d.finish().await;
}
