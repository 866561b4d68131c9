//! Issue 31's supervision story in Chromium, through the real pages:
//! 未央区's group 2 (member-wy-01, on her phone) agrees its plan with the
//! district's market-supervision bureau; the bureau's handler (at a desk)
//! accepts it; the member logs an inspection with a photo and sends the
//! opinion on food-safety checks at a market; the bureau, reaching it from
//! its home page's count, answers with its rectification plan and then its
//! result; the member rates it; the public page, without an account, shows
//! it (phone and desktop).
//!
//! Screenshots go to target/screenshots/supervision-story-*.png; the
//! accessibility engine runs on each page when axe-core is installed.

use crate::consult::submit;
use fantoccini::{Client, Locator};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);
const TITLE: &str = "关于加强农贸市场食品安全抽检的监督意见";

async fn look(c: &Client, axe: &Option<String>, serious: &mut Vec<String>, name: &str) {
    crate::shot(c, &format!("supervision-story-{name}")).await;
    if let Some(axe) = axe {
        serious.extend(crate::a11y::serious_here(c, axe, name).await);
    }
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

async fn choose(c: &Client, select: &str, text: &str) {
    c.find(Locator::XPath(&format!(
        "//select[@id='{select}']/option[contains(., '{text}')]"
    )))
    .await
    .unwrap_or_else(|e| panic!("{text} in #{select}: {e}"))
    .click()
    .await
    .unwrap();
}

fn day(offset_days: i64) -> String {
    xieshang_core::calendar::cst_date(
        chrono::Utc::now().timestamp_millis() + offset_days * 86_400_000,
    )
    .format("%Y-%m-%d")
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervision_story_in_chromium() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let axe = crate::a11y::axe_source();
    let mut serious = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("market.png");
    image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 255) as u8, 140, (y % 255) as u8])
    })
    .save(&photo)
    .unwrap();
    let year = day(0)[..4].to_owned();

    // 1. The member, on her phone: from the menu to her group; the plan.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-wy-01").await;
    submit(c, "#nav-supervision").await;
    look(c, &axe, &mut serious, "member-home-phone").await;
    submit(c, "#my-groups a").await;
    assert!(crate::text_of(c, "#group-name")
        .await
        .contains("第二民主监督小组"));
    choose(c, "plan_department", "未央区市场监督管理局").await;
    crate::type_in(c, "#year", &year).await;
    crate::type_in(c, "#topics", "农贸市场食品安全抽检").await;
    crate::type_in(c, "#planned", &format!("{year}-03-15 视察农贸市场")).await;
    submit(c, "#save-plan").await;
    let plans = crate::text_of(c, "#plans").await;
    assert!(plans.contains("待部门确认"), "{plans}");
    crate::logout(c).await;

    // 2. The bureau accepts it, at a desk.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    crate::login(c, base, "handler-wy-scj").await;
    c.goto(&format!("{base}/supervision")).await.unwrap();
    let waiting = crate::text_of(c, "#plans-to-accept").await;
    assert!(waiting.contains("农贸市场食品安全抽检"), "{waiting}");
    look(c, &axe, &mut serious, "bureau-plan-desktop").await;
    submit(c, "#plans-to-accept button").await;
    crate::logout(c).await;

    // 3. The member logs the inspection with a photo and sends the opinion.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-wy-01").await;
    c.goto(&format!("{base}/supervision")).await.unwrap();
    submit(c, "#my-groups a").await;
    let plans = crate::text_of(c, "#plans").await;
    assert!(plans.contains("市场监管局经办人"), "accepted: {plans}");
    choose(c, "kind", "视察").await;
    choose(c, "activity_department", "未央区市场监督管理局").await;
    crate::type_in(c, "#title", "视察西三环农贸市场快检室").await;
    set_value(c, "#held_on", &day(0)).await;
    crate::type_in(c, "#note", "快检设备闲置，抽检记录不全").await;
    crate::type_in(c, "#photos", &photo.display().to_string()).await;
    submit(c, "#log-activity").await;
    let activities = crate::text_of(c, "#activities").await;
    assert!(
        activities.contains("视察西三环农贸市场快检室"),
        "{activities}"
    );
    c.find(Locator::Css("#activities img"))
        .await
        .expect("the inspection's photo");
    look(c, &axe, &mut serious, "group-phone").await;
    crate::type_in(c, "#opinion_title", TITLE).await;
    crate::type_in(
        c,
        "#body",
        "西三环农贸市场部分摊位抽检记录不全，快检室设备闲置。建议增加抽检频次，公示抽检结果。",
    )
    .await;
    choose(c, "department", "未央区市场监督管理局").await;
    set_value(c, "#deadline", &day(30)).await;
    submit(c, "#send-opinion").await;
    assert!(crate::text_of(c, "#opinion-title").await.contains(TITLE));
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    look(c, &axe, &mut serious, "opinion-sent-phone").await;
    crate::logout(c).await;

    // 4. The bureau: from its home page's count to the opinion; plan, result.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    crate::login(c, base, "handler-wy-scj").await;
    c.goto(&format!("{base}/")).await.unwrap();
    let today = crate::text_of(c, "#today").await;
    assert!(today.contains("待本部门答复的监督意见"), "{today}");
    submit(c, "#today a[href=\"/supervision\"]").await;
    submit(c, "#opinions a").await;
    crate::type_in(
        c,
        "#text",
        "一、每周抽检两次；二、快检室专人值守；三、结果每周公示。",
    )
    .await;
    submit(c, "#answer").await;
    crate::type_in(
        c,
        "#text",
        "已落实：本月抽检86批次，合格率98.8%，结果在市场入口公示。",
    )
    .await;
    submit(c, "#answer").await;
    let state = crate::text_of(c, "#opinion-state").await;
    assert!(state.contains("待小组评价"), "{state}");
    look(c, &axe, &mut serious, "bureau-answered-desktop").await;
    crate::logout(c).await;

    // 5. The member rates it on her phone.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-wy-01").await;
    c.goto(&format!("{base}/supervision")).await.unwrap();
    submit(c, "#my-groups a").await;
    submit(c, "#opinions a").await;
    crate::click(c, "#rating-satisfied").await;
    crate::type_in(c, "#note", "整改措施具体，结果公开。").await;
    submit(c, "#rate").await;
    let state = crate::text_of(c, "#opinion-state").await;
    assert!(state.contains("已办结"), "{state}");
    let timeline = crate::text_of(c, "#timeline").await;
    for step in ["发出监督意见", "提交整改方案", "报告整改结果", "评价：满意"]
    {
        assert!(timeline.contains(step), "{step} in {timeline}");
    }
    look(c, &axe, &mut serious, "opinion-rated-phone").await;
    crate::logout(c).await;

    // 6. The public page, without an account, on a phone and at a desk.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    c.goto(&format!("{base}/supervision/public/weiyang"))
        .await
        .unwrap();
    let opinions = crate::text_of(c, "#public-opinions").await;
    assert!(
        opinions.contains(TITLE) && opinions.contains("合格率98.8%"),
        "{opinions}"
    );
    look(c, &axe, &mut serious, "public-phone").await;
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true), "no sideways scrolling");
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    look(c, &axe, &mut serious, "public-desktop").await;
    assert!(serious.is_empty(), "{serious:#?}");
    d.finish().await;
}
