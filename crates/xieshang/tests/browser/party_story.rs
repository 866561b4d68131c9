//! Issue 31 point 4's story in Chromium, through the real pages: 碑林区's
//! staff schedule an organisational-life meeting of the party branch (at a
//! desk); a party-member member of a cell under it (on her phone) checks in
//! from the menu, then reports a meeting of her own work unit with a photo;
//! the staff confirm it; both appear in her dual organisational life and
//! in her duty record.
//!
//! Screenshots go to target/screenshots/party-story-*.png; the
//! accessibility engine runs on each page when axe-core is installed.

use crate::consult::submit;
use fantoccini::{Client, Locator};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);
const MEETING: &str = "学习贯彻全会精神支部党员大会";
const WORK_UNIT: &str = "西安市第一医院党委第三党支部";

async fn look(c: &Client, axe: &Option<String>, serious: &mut Vec<String>, name: &str) {
    crate::shot(c, &format!("party-story-{name}")).await;
    if let Some(axe) = axe {
        serious.extend(crate::a11y::serious_here(c, axe, name).await);
    }
}

/// Sets a field's value directly (date and time inputs type by locale).
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

/// The number in an element.
async fn number(c: &Client, css: &str) -> i64 {
    crate::text_of(c, css)
        .await
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn party_story_in_chromium() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let axe = crate::a11y::axe_source();
    let mut serious = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("sign-in.png");
    image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([230, (x % 200) as u8 + 40, (y % 200) as u8 + 40])
    })
    .save(&photo)
    .unwrap();
    // The meeting runs now (China time), inside one day.
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    let today = now.format("%Y-%m-%d").to_string();
    let minutes =
        i64::from(chrono::Timelike::hour(&now)) * 60 + i64::from(chrono::Timelike::minute(&now));
    let hm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
    let (start, end) = (
        hm((minutes - 30).max(0)),
        hm((minutes + 60).min(23 * 60 + 59)),
    );
    let yesterday = (now - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();

    // 1. The staff, at a desk: the four levels; the branch's meeting.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    crate::login(c, base, "staff-beilin").await;
    submit(c, "#nav-party").await;
    let units = crate::text_of(c, "#units").await;
    for name in [
        "碑林区政协党组",
        "碑林区政协机关党组",
        "碑林区政协机关党支部",
        "提案委员会党小组",
    ] {
        assert!(units.contains(name), "{name} in {units}");
    }
    look(c, &axe, &mut serious, "staff-home-desktop").await;
    c.find(Locator::XPath(
        "//ul[@id='units']//a[contains(., '碑林区政协机关党支部')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    choose(c, "kind", "支部党员大会").await;
    crate::type_in(c, "#title", MEETING).await;
    set_value(c, "#date", &today).await;
    set_value(c, "#start", &start).await;
    set_value(c, "#end", &end).await;
    crate::type_in(c, "#place", "机关三楼会议室").await;
    submit(c, "#schedule").await;
    assert!(crate::text_of(c, "h1").await.contains(MEETING));
    look(c, &axe, &mut serious, "meeting-staff-desktop").await;
    crate::logout(c).await;

    // 2. The member, on her phone: her record, then the meeting's check-in.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-bl-p01").await;
    c.goto(&format!("{base}/duty/record")).await.unwrap();
    let (meetings_before, reports_before) = (
        number(c, "#party-meetings").await,
        number(c, "#party-reports").await,
    );
    c.goto(&format!("{base}/")).await.unwrap();
    submit(c, "#nav-party").await;
    look(c, &axe, &mut serious, "member-home-phone").await;
    submit(c, "#my-life").await;
    c.find(Locator::XPath(&format!(
        "//table[@id='life-meetings']//a[contains(., '{MEETING}')]"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    look(c, &axe, &mut serious, "meeting-member-phone").await;
    submit(c, "#check-in").await;
    assert!(crate::text_of(c, "#checked-in").await.contains("已签到"));

    // 3. She reports her hospital's theme day; a wrong date first.
    c.goto(&format!("{base}/party")).await.unwrap();
    submit(c, "#my-life").await;
    // The date field stops a future date itself; without that check (an
    // older browser) the server refuses it with its own message.
    c.execute(
        "document.querySelector('#held_on').removeAttribute('max');",
        vec![],
    )
    .await
    .unwrap();
    set_value(c, "#held_on", "2099-01-01").await;
    choose(c, "kind", "主题党日").await;
    crate::type_in(c, "#unit_name", WORK_UNIT).await;
    crate::type_in(c, "#note", "主题党日：学习交流会").await;
    crate::type_in(c, "#photos", &photo.display().to_string()).await;
    submit(c, "#send-report").await;
    let e = crate::text_of(c, "#held_on-error").await;
    assert!(e.contains("日期不能晚于今天"), "{e}");
    assert!(crate::text_of(c, "#kept-photos").await.contains('1'));
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    look(c, &axe, &mut serious, "report-refused-phone").await;
    set_value(c, "#held_on", &yesterday).await;
    submit(c, "#send-report").await;
    let reports = crate::text_of(c, "#reports").await;
    assert!(
        reports.contains(WORK_UNIT) && reports.contains("待确认"),
        "{reports}"
    );
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    look(c, &axe, &mut serious, "life-reported-phone").await;
    crate::logout(c).await;

    // 4. The staff confirm it.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    crate::login(c, base, "staff-beilin").await;
    c.goto(&format!("{base}/party")).await.unwrap();
    let confirm = c
        .find(Locator::XPath(
            "//ul[@id='waiting']/li[contains(., '学习交流会')]//button[@value='confirm']",
        ))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    submit(c, &format!("#{confirm}")).await;
    let home = crate::text_of(c, "main").await;
    assert!(!home.contains("学习交流会"), "no longer waiting");
    crate::logout(c).await;

    // 5. Both in her life and her record, on her phone.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-bl-p01").await;
    c.goto(&format!("{base}/party")).await.unwrap();
    submit(c, "#my-life").await;
    let table = crate::text_of(c, "#life-meetings").await;
    let row = table
        .lines()
        .find(|l| l.contains(MEETING))
        .unwrap_or_default()
        .to_owned();
    assert!(row.contains("已参加"), "{row}");
    let reports = crate::text_of(c, "#reports").await;
    assert!(reports.contains("已确认"), "{reports}");
    look(c, &axe, &mut serious, "life-confirmed-phone").await;
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true), "no sideways scrolling");
    c.goto(&format!("{base}/duty/record")).await.unwrap();
    assert_eq!(number(c, "#party-meetings").await, meetings_before + 1);
    assert_eq!(number(c, "#party-reports").await, reports_before + 1);
    look(c, &axe, &mut serious, "duty-record-phone").await;
    assert!(serious.is_empty(), "{serious:#?}");
    d.finish().await;
}
