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
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments")
        .fetch_one(d.t.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 1, "the kept photo was filed");
    d.finish().await;
}
