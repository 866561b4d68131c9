//! Issue 26 point 5 in a real browser: a resident on a phone presses "use my
//! location" on the report form (the browser's position set through the
//! DevTools protocol, as a phone's would be given), the area list chooses
//! their community and says so in the live text beside the button, and they
//! can still choose another area, which is where the concern is filed.

use crate::reader::Cdp;
use crate::{click, shot, text_of, type_in};
use fantoccini::Locator;
use serde_json::json;

async fn area_value(c: &fantoccini::Client) -> String {
    c.execute("return document.getElementById('area').value;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_location_button_chooses_the_residents_community() {
    let Some(d) = crate::demo().await else { return };
    let (c, base, t) = (&d.c, d.base.as_str(), &d.t);
    c.set_window_size(390, 844).await.unwrap();
    // The phone stands beside 凤鸣社区's point (seed::DEMO_POINTS) and lets
    // the page know where it is.
    c.issue_cmd(Cdp {
        cmd: "Browser.grantPermissions",
        params: json!({"permissions": ["geolocation"]}),
    })
    .await
    .expect("geolocation granted");
    c.issue_cmd(Cdp {
        cmd: "Emulation.setGeolocationOverride",
        params: json!({"latitude": 34.6591, "longitude": 109.2321, "accuracy": 20}),
    })
    .await
    .expect("the position set");
    c.goto(&format!("{base}/report")).await.unwrap();
    assert_eq!(area_value(c).await, "", "no area is chosen before");
    click(c, "#locate").await;
    // The live text names the area chosen (waited for, not slept on).
    c.wait()
        .for_element(Locator::XPath(
            "//*[@id='located'][contains(., '凤鸣社区')]",
        ))
        .await
        .expect("the chosen area is said");
    let said = text_of(c, "#located").await;
    assert!(said.contains("阎良区 · 凤凰街道 · 凤鸣社区"), "{said}");
    assert_eq!(area_value(c).await, "yanliang-fenghuang-c2");
    let lat = c
        .execute("return document.getElementById('lat').value;", vec![])
        .await
        .unwrap();
    assert_eq!(lat.as_str(), Some("34.659100"));
    shot(c, "resident-located-phone").await;

    // The resident knows better: another community, and the concern goes there.
    click(c, "#area option[value='yanliang-guanshan-c1']").await;
    assert_eq!(area_value(c).await, "yanliang-guanshan-c1");
    click(c, "#category option[value='road']").await;
    type_in(c, "#title", "定位后改选的社区路灯不亮").await;
    type_in(c, "#description", "晚上小区门口的路灯一直不亮").await;
    click(c, "#report-submit").await;
    let code = text_of(c, "#tracking-code").await;
    assert_eq!(code.len(), 10, "{code}");
    let (area, lat): (String, f64) = sqlx::query_as(
        "SELECT o.code, c.lat FROM concerns c JOIN orgs o ON o.id = c.org_id
          WHERE c.tracking_code = $1",
    )
    .bind(&code)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(area, "yanliang-guanshan-c1");
    assert!((lat - 34.6591).abs() < 1e-9, "{lat}");
    d.finish().await;
}
