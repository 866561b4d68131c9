//! The city view through HTTP (issue 31 point 7): known work of two
//! districts in a past month (March 2024, when the demo has none) is counted
//! into each figure, the table, the chart, the CSV and the XLSX show those
//! numbers, each figure links to a page the city's staff may open; a
//! district's staff see their own district only; a period whose last day
//! comes before its first is refused with its message and what was typed.

use crate::app::{Client, TestApp};
use axum::http::StatusCode;
use xieshang_store::city::{self, Period};

const DAY: i64 = 86_400_000;

/// Unix ms of a day in March 2024 at noon, China time.
fn march(day: i64) -> i64 {
    // 2024-03-01 00:00 China time.
    1_709_222_400_000 + (day - 1) * DAY + 12 * 3_600_000
}

async fn exec(app: &TestApp, sql: &str, args: Vec<xieshang_store::db::Arg>) {
    xieshang_store::db::query_with(sql, args)
        .execute(app.t.db.pool())
        .await
        .unwrap();
}

/// One concern at `unit` (in `district`), created, resolved and due as given.
async fn concern(
    app: &TestApp,
    code: &str,
    unit: i64,
    district: i64,
    created: i64,
    resolved: Option<i64>,
    deadline: Option<i64>,
) -> i64 {
    use xieshang_store::db::Arg::{Int, NullInt, Text};
    let state = if resolved.is_some() {
        "resolved"
    } else {
        "accepted"
    };
    exec(
        app,
        "INSERT INTO concerns (org_id, tracking_code, category, title, description, channel,
            state, created_at, updated_at, resolved_at, deadline_at, branch_id)
         VALUES ($1, $2, 'road', '城市视图测试', '测试', 'web', $3, $4, $4, $5, $6, $7)",
        vec![
            Int(unit),
            Text(code.into()),
            Text(state.into()),
            Int(created),
            resolved.map_or(NullInt, Int),
            deadline.map_or(NullInt, Int),
            Int(district),
        ],
    )
    .await;
    sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(code)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

/// Yanliang's and Beilin's work in March 2024 (and some just outside it).
async fn known_work(app: &TestApp) {
    use xieshang_store::db::Arg::{Int, Text};
    let (yl, gs) = (
        app.org_id("yanliang").await,
        app.org_id("yanliang-guanshan").await,
    );
    let (bl, nym) = (
        app.org_id("beilin").await,
        app.org_id("beilin-nanyuanmen").await,
    );
    // Yanliang: three received in March; one resolved in 2 days by its
    // deadline, one in 4 days after it; one from February resolved in
    // March in 6 days by its deadline. Resolved: 3, on time 2, median 4.0.
    let a = concern(
        app,
        "CITYT01",
        gs,
        yl,
        march(2),
        Some(march(4)),
        Some(march(5)),
    )
    .await;
    let b = concern(
        app,
        "CITYT02",
        gs,
        yl,
        march(3),
        Some(march(7)),
        Some(march(6)),
    )
    .await;
    concern(app, "CITYT03", gs, yl, march(20), None, Some(march(30))).await;
    concern(
        app,
        "CITYT04",
        gs,
        yl,
        march(-5),
        Some(march(1)),
        Some(march(2)),
    )
    .await;
    // Beilin: one received, none resolved; one received on 1 April (outside).
    concern(app, "CITYT05", nym, bl, march(10), None, None).await;
    concern(app, "CITYT06", nym, bl, march(32), None, None).await;
    // Feedback in March on Yanliang's two: satisfied and unsatisfied (50%).
    for (item, rating) in [(a, "satisfied"), (b, "unsatisfied")] {
        exec(
            app,
            "INSERT INTO item_feedback (kind, item_id, rating, at) VALUES ('concern', $1, $2, $3)",
            vec![Int(item), Text(rating.into()), Int(march(8))],
        )
        .await;
    }
    // Yanliang held one consultation in March; one of its two actions was
    // done in March, the other is open.
    exec(
        app,
        "INSERT INTO consultations (org_id, kind_code, topic, description, state, starts_at,
            ends_at, created_at, updated_at, held_at)
         VALUES ($1, 'thematic', '城市视图测试协商', '测试', 'held', $2, $2, $2, $2, $2)",
        vec![Int(gs), Int(march(12))],
    )
    .await;
    let cid: i64 =
        sqlx::query_scalar("SELECT id FROM consultations WHERE topic = '城市视图测试协商'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    for (title, done) in [("完成的成果", Some(march(25))), ("未完成的成果", None)] {
        exec(
            app,
            "INSERT INTO consultation_actions (consultation_id, org_id, title, due_at, state,
                created_at, updated_at, done_at) VALUES ($1, $2, $3, $4, $5, $4, $4, $6)",
            vec![
                Int(cid),
                Int(gs),
                Text(title.into()),
                Int(march(12)),
                Text(
                    if done.is_some() {
                        "resolved"
                    } else {
                        "assigned"
                    }
                    .into(),
                ),
                done.map_or(xieshang_store::db::Arg::NullInt, Int),
            ],
        )
        .await;
    }
    // Yanliang's body: two proposals filed in March, one accepted (第901号),
    // whose lead unit replied in March by its deadline.
    let proposer = app.user_id("member-gs-01").await;
    for (title, number) in [
        ("城市视图测试提案一", Some(901)),
        ("城市视图测试提案二", None),
    ] {
        exec(
            app,
            "INSERT INTO proposals (org_id, proposer_id, number, title, situation, analysis,
                suggestions, state, created_at, updated_at, filed_at)
             VALUES ($1, $2, $3, $4, '情况', '分析', '建议', 'filed', $5, $5, $5)",
            vec![
                Int(yl),
                Int(proposer),
                number.map_or(xieshang_store::db::Arg::NullInt, Int),
                Text(title.into()),
                Int(march(5)),
            ],
        )
        .await;
    }
    let pid: i64 =
        sqlx::query_scalar("SELECT id FROM proposals WHERE title = '城市视图测试提案一'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    exec(
        app,
        "INSERT INTO proposal_replies (proposal_id, round, org_id, lead, doc_number, class, body,
            due_at, replied_at) VALUES ($1, 1, $2, 1, '阎测〔2024〕1号', 'A', '已办理', $3, $4)",
        vec![
            Int(pid),
            Int(app.org_id("yanliang-jtj").await),
            Int(march(30)),
            Int(march(28)),
        ],
    )
    .await;
    // Yanliang's office used one report in March, which the city adopted.
    exec(
        app,
        "INSERT INTO opinion_reports (org_id, submitter_id, title, matter, state, created_at,
            updated_at, decided_at) VALUES ($1, $2, '城市视图测试信息', '内容', 'used', $3, $3, $3)",
        vec![Int(yl), Int(proposer), Int(march(9))],
    )
    .await;
    let rid: i64 =
        sqlx::query_scalar("SELECT id FROM opinion_reports WHERE title = '城市视图测试信息'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    exec(
        app,
        "INSERT INTO opinion_report_levels (report_id, level, forwarded_by, forwarded_at,
            adopted_by, adopted_at) VALUES ($1, 'city', $2, $3, $2, $4)",
        vec![
            Int(rid),
            Int(app.user_id("staff-city").await),
            Int(march(10)),
            Int(march(15)),
        ],
    )
    .await;
}

fn row<'a>(body: &'a str, name: &str) -> &'a str {
    let at = body
        .find(&format!("<th scope=\"row\">{name}</th>"))
        .unwrap_or_else(|| panic!("no row for {name}"));
    let rest = &body[at..];
    &rest[..rest.find("</tr>").unwrap()]
}

/// The texts of a row's cells.
fn cells(row: &str) -> Vec<String> {
    row.split("<td>")
        .skip(1)
        .map(|c| {
            let text = c.split("</a>").next().unwrap();
            text.rsplit('>').next().unwrap().to_owned()
        })
        .collect()
}

/// A download's bytes.
async fn bytes(c: &Client, path: &str) -> (StatusCode, Vec<u8>) {
    let req = axum::http::Request::get(path)
        .header(axum::http::header::COOKIE, c.cookie_header())
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(c.router.clone(), req)
        .await
        .unwrap();
    let status = res.status();
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, body)
}

#[tokio::test]
async fn the_city_view_counts_each_districts_known_work() {
    let app = TestApp::new().await;
    known_work(&app).await;
    let period = Period::parse("2024-03-01", "2024-03-31", chrono::NaiveDate::MIN).unwrap();
    // The duty scores of 2024, as each district's own score page counts
    // them, counted now (the page would count them in the background).
    let overseer = xieshang_store::account::user::actor(&app.t.db, app.user_id("overseer").await)
        .await
        .unwrap();
    let v = city::view_counted(&app.t.db, &overseer, period)
        .await
        .unwrap();
    assert_eq!(v.districts.len(), 13, "the city's thirteen districts");
    let yl_id = app.org_id("yanliang").await;
    let yl_scores = xieshang_store::duty::scoring::scores(&app.t.db, &overseer, yl_id, 2024)
        .await
        .unwrap();
    assert!(!yl_scores.is_empty(), "the demo's Yanliang has members");
    let yl_avg = yl_scores.iter().map(|s| s.total).sum::<i64>() as f64 / yl_scores.len() as f64;

    let mut c = app.login("staff-city").await;
    let page = c.get("/city?from=2024-03-01&to=2024-03-31").await;
    assert_eq!(page.status, StatusCode::OK);
    let yl = cells(row(&page.body, "阎良区政协"));
    assert_eq!(
        yl[..11],
        ["3", "66.7%", "4.0", "50.0%", "1", "1", "2", "1", "100.0%", "1", "1"].map(String::from),
        "Yanliang: received, on time, median days, satisfaction, consultations, actions, \
         proposals filed, accepted, replies on time, reports used, adopted above"
    );
    assert_eq!(yl[11], format!("{:.1}", (yl_avg * 10.0).round() / 10.0));
    let bl = cells(row(&page.body, "碑林区政协"));
    assert_eq!(
        bl[..11],
        ["1", "—", "—", "—", "0", "0", "0", "0", "—", "0", "0"].map(String::from)
    );
    // Every district is a row; the chart draws the first figure with a
    // text alternative; each figure leads to the district's own page.
    assert_eq!(page.body.matches("<th scope=\"row\">").count(), 13);
    assert!(page.body.contains("<svg"), "the chart");
    assert!(
        page.body.contains("阎良区政协 3"),
        "the chart's text alternative"
    );
    let hrefs: std::collections::BTreeSet<String> = row(&page.body, "阎良区政协")
        .split("href=\"")
        .skip(1)
        .map(|h| h.split('"').next().unwrap().replace("&amp;", "&"))
        .collect();
    assert!(hrefs.contains(&format!("/areas/{yl_id}")));
    assert!(
        hrefs.contains(&format!("/proposals/figures?body={yl_id}&year=2024")),
        "{hrefs:?}"
    );
    assert!(hrefs.contains(&format!("/units/{yl_id}/scores?year=2024")));
    for h in &hrefs {
        let r = c.get(h).await;
        assert_eq!(r.status, StatusCode::OK, "the city's staff open {h}");
    }

    // Another figure charted: the bars follow it.
    let chart = c
        .get("/city?from=2024-03-01&to=2024-03-31&chart=proposals_filed")
        .await;
    assert!(chart.body.contains("阎良区政协 2"), "{}", chart.body);
    assert!(chart
        .body
        .contains("<option value=\"proposals_filed\" selected>"));

    // The CSV: a title line, the heads, a row per district, as on the page.
    let csv = c
        .get("/city/figures.csv?from=2024-03-01&to=2024-03-31")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].contains("2024-03-01"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("区县,受理诉求数,按期办结率"),
        "{}",
        lines[1]
    );
    let yl_line = lines.iter().find(|l| l.starts_with("阎良区政协,")).unwrap();
    assert!(
        yl_line.starts_with("阎良区政协,3,66.7%,4.0,50.0%,1,1,2,1,100.0%,1,1,"),
        "{yl_line}"
    );
    assert_eq!(lines.len(), 2 + 13);

    // The XLSX, read back: numbers as numbers.
    let (st, xlsx) = bytes(&c, "/city/figures.xlsx?from=2024-03-01&to=2024-03-31").await;
    assert_eq!(st, StatusCode::OK);
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cell = |r: u32, c: u32| {
        sheet
            .get_value((r, c))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    assert_eq!(cell(2, 0), "区县");
    let yl_row = (3..16).find(|r| cell(*r, 0) == "阎良区政协").unwrap();
    assert_eq!(
        (1..=4).map(|c| cell(yl_row, c)).collect::<Vec<_>>(),
        ["3", "66.7", "4", "50"].map(String::from)
    );
    assert_eq!(cell(yl_row, 7), "2", "proposals filed");

    // The overseer sees the same; a district's staff their own district
    // only; a member may not look.
    let mut o = app.login("overseer").await;
    let op = o.get("/city?from=2024-03-01&to=2024-03-31").await;
    assert_eq!(op.status, StatusCode::OK);
    assert_eq!(cells(row(&op.body, "阎良区政协"))[..11], yl[..11]);
    let mut bs = app.login("staff-beilin").await;
    let own = bs.get("/city?from=2024-03-01&to=2024-03-31").await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body.matches("<th scope=\"row\">").count(), 1);
    assert!(!own.body.contains("阎良区政协"));
    let mut m = app.login("member-gs-01").await;
    assert_eq!(m.get("/city").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_period_ending_before_it_starts_is_refused_with_what_was_typed() {
    let app = TestApp::new().await;
    let mut c = app.login("staff-city").await;
    let r = c
        .get("/city?from=2026-05-01&to=2026-04-01&chart=satisfaction")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("截止日期早于起始日期"), "{}", r.body);
    assert!(
        r.body.contains("value=\"2026-05-01\""),
        "the first day kept"
    );
    assert!(r.body.contains("value=\"2026-04-01\""), "the last day kept");
    assert!(r
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"to-error\""));
    assert!(r.body.contains("<option value=\"satisfaction\" selected>"));
    assert!(
        !r.body.contains("<table"),
        "no figures for a period that is none"
    );
    let bad = c.get("/city?from=2026-13-01").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("value=\"2026-13-01\""));
    assert!(bad.body.contains("请按“年-月-日”填写日期"));
    // The default period: this year to today.
    let d = c.get("/city").await;
    assert_eq!(d.status, StatusCode::OK);
    let today = xieshang_core::calendar::cst_date(app.t.db.now_ms());
    assert!(d
        .body
        .contains(&format!("value=\"{}\"", today.format("%Y-%m-%d"))));
    assert!(d
        .body
        .contains(&format!("value=\"{}-01-01\"", today.format("%Y"))));
    // A download with such a period is a bad request.
    assert_eq!(
        c.get("/city/figures.csv?from=2026-05-01&to=2026-04-01")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
