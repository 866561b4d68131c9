//! Public-opinion report pages (issue 30 points 1-4 and 10): a member
//! submits from the form; the office edits (versions compared), decides,
//! forwards; the city's staff record the adoption and a leader's
//! instruction; the figures with CSV and XLSX. Every bad input is refused
//! with its message and everything typed comes back.

use crate::app::TestApp;
use axum::http::StatusCode;
use xieshang_core::Role;
use xieshang_store::account::user;
use xieshang_store::seed;

const MATTER: &str =
    "关山街道某小区居民在楼道内给电动自行车充电，飞线充电现象普遍。\n建议增设集中充电桩。";
const TITLE: &str = "关于加强老旧小区电动自行车充电安全管理的建议";

/// A new account holding `role` over the unit `org` (the demo's password,
/// no password change waiting).
pub(crate) async fn person(app: &TestApp, username: &str, name: &str, role: Role, org: &str) {
    let admin = {
        let id = app.user_id("admin").await;
        user::actor(&app.t.db, id).await.unwrap()
    };
    let org = app.org_id(org).await;
    let hash = xieshang_store::account::password::hash(seed::DEMO_PASSWORD).unwrap();
    let id = user::create(&app.t.db, &admin, username, name, &hash, org)
        .await
        .unwrap();
    user::grant(&app.t.db, &admin, id, role, org).await.unwrap();
    // As if its holder had set their own password at the first login (a new
    // account must; auth's own tests walk that).
    sqlx::query("UPDATE users SET must_change_password = 0 WHERE id = $1")
        .bind(id)
        .execute(app.t.db.pool())
        .await
        .unwrap();
}

fn report_id(location: &Option<String>) -> i64 {
    let l = location.as_deref().expect("a redirect");
    l.trim_start_matches("/reports/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_member_submits_and_bad_input_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let mut m = app.login("member-gs-01").await;
    let page = m.get("/reports/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"report-form\""));
    assert!(page.body.contains("name=\"_csrf\""));
    assert!(
        page.body.contains("id=\"for_group\""),
        "a member of a group"
    );
    // An empty matter: refused, the title kept.
    let r = m
        .post("/reports", &[("title", "楼道充电隐患"), ("matter", "  ")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("请填写内容"));
    assert!(r.body.contains("value=\"楼道充电隐患\""));
    assert!(r
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"matter-error\""));
    // Over the cap: refused, the whole text kept.
    let long = format!("{}{}", "长".repeat(1_500), "尾");
    let r = m
        .post("/reports", &[("title", "楼道充电隐患"), ("matter", &long)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("内容超过本级规定字数"));
    assert!(r.body.contains(&long));
    // Submitted on behalf of the group.
    let r = m
        .post(
            "/reports",
            &[
                ("title", "楼道充电隐患"),
                ("matter", MATTER),
                ("for_group", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id = report_id(&r.location);
    let page = m.get(&format!("/reports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("关山街道"));
    assert!(page.body.contains("已报送"));
    assert!(
        !page.body.contains("id=\"revise-form\""),
        "not the member's to edit"
    );
    let mine = m.get("/reports/mine").await;
    assert!(mine.body.contains(&format!("href=\"/reports/{id}\"")));
    // Members do not see the office's queue; another district's staff do
    // not see the report.
    assert_eq!(m.get("/reports/queue").await.status, StatusCode::FORBIDDEN);
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(
        beilin.get(&format!("/reports/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!beilin
        .get("/reports/queue")
        .await
        .body
        .contains("楼道充电隐患"));
    // Neither does another member.
    let mut other = app.login("member-fh-01").await;
    assert_eq!(
        other.get(&format!("/reports/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // A leader of the body reads it, and may not edit it.
    let mut leader = app.login("leader").await;
    assert_eq!(
        leader.get(&format!("/reports/{id}")).await.status,
        StatusCode::OK
    );
    let r = leader
        .post(
            &format!("/reports/{id}/revise"),
            &[("title", TITLE), ("matter", MATTER)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_office_edits_decides_and_the_report_goes_up_the_levels() {
    let app = TestApp::new().await;
    let mut m = app.login("member-gs-01").await;
    let r = m
        .post("/reports", &[("title", "电动车充电"), ("matter", MATTER)])
        .await;
    let id = report_id(&r.location);
    let mut staff = app.login("staff").await;
    let q = staff.get("/reports/queue").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("电动车充电"));
    let url = |what: &str| format!("/reports/{id}/{what}");

    // A title not in the usual form: refused, the edited text kept.
    let edited = format!("{MATTER}\n建议物业公司落实消防安全责任。");
    let r = staff
        .post(
            &url("revise"),
            &[("title", "电动车充电"), ("matter", &edited)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("关于……的建议"));
    assert!(r.body.contains("建议物业公司落实消防安全责任。"));
    let r = staff
        .post(&url("revise"), &[("title", TITLE), ("matter", &edited)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cmp = staff.get(&format!("/reports/{id}/compare?a=1&b=2")).await;
    assert_eq!(cmp.status, StatusCode::OK);
    assert!(cmp.body.contains("<ins>"));
    assert!(cmp.body.contains("建议物业公司落实消防安全责任。"));
    assert!(cmp.body.contains(TITLE));

    // Forwarding before it is used: refused, naming what to do.
    let r = staff.post(&url("decide"), &[("note", "可用")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("请选择：采用、留存或不采用"));
    assert!(r.body.contains(">可用</textarea>"));
    let r = staff
        .post(&url("decide"), &[("decision", "use"), ("note", "反映具体")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = staff.post(&url("forward"), &[("level", "national")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("市政协采用后才能报送全国政协"));
    assert!(r.body.contains("<option value=\"national\" selected>"));
    let r = staff.post(&url("forward"), &[("level", "city")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The city's staff record the adoption and the leader's instruction.
    let mut city = app.login("staff-city").await;
    let r = city
        .post(
            &url("adopt"),
            &[("level", "city"), ("evidence", "市政协信息第12期")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = city
        .post(
            &url("instruct"),
            &[
                ("leader", "张副市长"),
                ("leader_level", ""),
                ("given_on", ""),
                ("words", "请市住建局牵头研究。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.location);
    assert!(r.body.contains("请选择领导级别"));
    assert!(r.body.contains("请按“年-月-日”填写批示日期"));
    assert!(r.body.contains("value=\"张副市长\""));
    assert!(r.body.contains(">请市住建局牵头研究。</textarea>"));
    let r = city
        .post(
            &url("instruct"),
            &[
                ("leader", "张副市长"),
                ("leader_level", "city"),
                ("given_on", "2026-11-03"),
                ("words", "请市住建局牵头研究。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The submitter sees each step.
    let page = m.get(&format!("/reports/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for step in [
        "开始核稿",
        "保存新版本",
        "已采用",
        "报送上级",
        "上级采用",
        "张副市长",
    ] {
        assert!(page.body.contains(step), "{step}");
    }
    assert!(page.body.contains(TITLE));
    assert!(
        page.body.contains("电动车充电"),
        "the submitted text is kept"
    );

    // Figures: one submitted, one adopted; CSV and XLSX.
    let f = staff.get("/reports/figures").await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(f.body.contains("100.0%"));
    let csv = staff.get("/reports/figures.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("100.0%"));
    let xlsx = staff.get("/reports/figures.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.headers["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheet"));
    assert_eq!(
        m.get("/reports/figures").await.status,
        StatusCode::FORBIDDEN
    );
}
