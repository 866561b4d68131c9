//! Issue 30's story (point 8) through HTTP, on the sample city: member-gs-01
//! logs a reception about e-bikes charging in a 关山街道 stairwell, marks it
//! as an opinion report and submits it; the office edits it to the usual
//! title, uses it and forwards it to the city; the city's staff record the
//! city's adoption and a city leader's instruction; the member's duty record
//! shows 1 + 5 + 10 points by the default rules, and the study material the
//! member confirms counts there too. Runs on PostgreSQL with
//! `XIESHANG_TEST_PG` like the rest of the suite.

use crate::app::TestApp;
use axum::http::StatusCode;
use chrono::Datelike;
use std::sync::atomic::Ordering;

const MATTER: &str = "关山街道关山社区3号楼居民在楼道内给电动自行车充电，\
                      从窗口拉线“飞线充电”，楼道堆放车辆堵塞消防通道。";
const TITLE: &str = "关于加强老旧小区电动自行车充电安全管理的建议";

/// The number after `prefix` in `body` (the first occurrence).
fn number_after(body: &str, prefix: &str) -> i64 {
    let at = body
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in page"))
        + prefix.len();
    body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_reception_becomes_a_report_the_city_adopts_and_the_duty_record_counts_it() {
    let app = TestApp::new().await;
    let year = xieshang_core::calendar::cst_date(app.clock.load(Ordering::SeqCst)).year();
    let record = format!("/duty/record?year={year}");
    let mut m = app.login("member-gs-01").await;
    let before = m.get(&record).await;
    assert!(before.body.contains("id=\"report-points\">0<"));
    assert!(before.body.contains("id=\"readings-confirmed\">0<"));

    // The reception, outside a shift, then marked as an opinion report.
    let r = m
        .post(
            "/duty/receptions",
            &[
                ("name", "刘女士"),
                ("matter", MATTER),
                ("action_taken", "已告知物业，答应向政协反映"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let duty = m.get("/duty").await;
    let reception = number_after(&duty.body, "lead-report-");
    let r = m
        .post(
            &format!("/receptions/{reception}/lead"),
            &[("to", "opinion_report")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/duty?ok=reception.marked"));

    // The member's reports list offers it; the form opens with its text.
    let mine = m.get("/reports/mine").await;
    let link = number_after(&mine.body, "/reports/new?link=");
    let form = m.get(&format!("/reports/new?link={link}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("飞线充电"), "the reception's text");
    let r = m
        .post(
            "/reports",
            &[
                ("title", "楼道电动车充电隐患"),
                ("matter", MATTER),
                ("link", &link.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = number_after(r.location.as_deref().unwrap(), "/reports/");
    // Submitted once: the link is no longer offered.
    let mine = m.get("/reports/mine").await;
    assert!(!mine.body.contains(&format!("/reports/new?link={link}")));
    assert!(mine.body.contains(&format!("href=\"/reports/{id}\"")));

    // The office edits it to the usual title, uses it, forwards it.
    let mut staff = app.login("staff").await;
    let url = |what: &str| format!("/reports/{id}/{what}");
    let edited = format!("{MATTER}\n建议在小区增设集中充电设施，落实物业消防安全责任。");
    let r = staff
        .post(&url("revise"), &[("title", TITLE), ("matter", &edited)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = staff.post(&url("decide"), &[("decision", "use")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = staff.post(&url("forward"), &[("level", "city")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The city's staff record the adoption and a city leader's instruction.
    let mut city = app.login("staff-city").await;
    let r = city
        .post(
            &url("adopt"),
            &[("level", "city"), ("evidence", "市政协社情民意信息第12期")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = city
        .post(
            &url("instruct"),
            &[
                ("leader", "张副市长"),
                ("leader_level", "city"),
                ("given_on", &format!("{year}-11-03")),
                ("words", "请市住建局、市消防救援支队研究落实。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The member sees every step and the edited title.
    let page = m.get(&format!("/reports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(TITLE));
    assert!(page.body.contains("张副市长"));
    assert!(page.body.contains("市政协社情民意信息第12期"));

    // The duty record: 1 (used at its own level) + 5 (city) + 10 (city
    // leader's instruction).
    let after = m.get(&record).await;
    assert!(
        after.body.contains("id=\"report-points\">16<"),
        "{}",
        after.body
    );
    assert!(after.body.contains("id=\"reports-used\">1<"));

    // The study material of the demo: opened and confirmed, counted.
    let study = m.get("/study").await;
    let material = number_after(&study.body, "<td><a href=\"/study/");
    assert_eq!(
        m.get(&format!("/study/{material}")).await.status,
        StatusCode::OK
    );
    let r = m.post(&format!("/study/{material}/confirm"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = m.get(&record).await;
    assert!(after.body.contains("id=\"readings-confirmed\">1<"));
}

/// Everyone who works with reports finds them from the menu (the office its
/// queue, a leader the figures, an invited informant their own reports) and
/// the office from the home page's list of what waits; members from the
/// phone home, so their crowded menu does not grow.
#[tokio::test]
async fn the_menu_and_home_lead_each_role_to_its_reports_page() {
    let app = TestApp::new().await;
    for (user, href) in [
        ("staff", Some("/reports/queue")),
        ("staff-city", Some("/reports/queue")),
        ("leader", Some("/reports/figures")),
        ("informant", Some("/reports/mine")),
        ("member-gs-01", None),
        ("handler", None),
    ] {
        let mut c = app.login(user).await;
        let home = c.get("/").await;
        match href {
            Some(href) => {
                let link = format!("<a href=\"{href}\" id=\"nav-reports\">");
                assert!(home.body.contains(&link), "{user}: {link}");
                assert_eq!(c.get(href).await.status, StatusCode::OK, "{user}");
            }
            None => assert!(!home.body.contains("id=\"nav-reports\""), "{user}"),
        }
    }
    // The office's home counts what waits for it: the demo's report in
    // editing and the informant's.
    let home = app.login("staff").await.get("/").await;
    assert!(
        home.body
            .contains("<a href=\"/reports/queue\">待编审的社情民意信息</a>：<strong class=\"count\">2</strong>"),
        "{}",
        home.body
    );
}
