//! Proposal figures through HTTP (issue 29 point 10): the committee's page
//! with its charts and tables, the CSV and XLSX read back, the session's
//! compilation as a PDF whose Chinese `pdftotext` reads back, the page said
//! when no CJK font is found; another district's staff and members see none
//! of it. The duty record page shows the proposals (point 11).

use crate::app::{Client, TestApp};
use axum::http::StatusCode;
use xieshang_store::proposal::figures::{self, Period};

/// A download's bytes.
async fn bytes(c: &Client, path: &str) -> (StatusCode, Vec<u8>, String) {
    let req = axum::http::Request::get(path)
        .header(axum::http::header::COOKIE, c.cookie_header())
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(c.router.clone(), req)
        .await
        .unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, body, ctype)
}

/// The demo's accepted proposal of 阎良区 (第1号 of this year's session),
/// given a class B reply by 区交通运输局 as the handling module writes it.
async fn replied(app: &TestApp) -> (i64, i64) {
    let (id, session): (i64, i64) = sqlx::query_as(
        "SELECT p.id, p.session_id FROM proposals p JOIN orgs o ON o.id = p.org_id
          WHERE o.code = 'yanliang' AND p.number IS NOT NULL ORDER BY p.id LIMIT 1",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let jtj = app.org_id("yanliang-jtj").await;
    let now = app.t.db.now_ms();
    sqlx::query(
        "INSERT INTO proposal_replies (proposal_id, round, org_id, lead, doc_number, class, body,
            due_at, replied_at) VALUES ($1, 1, $2, 1, '阎交函〔2026〕18号', 'B', $3, $4, $5)",
    )
    .bind(id)
    .bind(jtj)
    .bind("已将社区养老服务站与卫生服务中心签约列入明年工作计划。")
    .bind(now + 86_400_000)
    .bind(now)
    .execute(app.t.db.pool())
    .await
    .unwrap();
    sqlx::query(
        "UPDATE proposals SET handling_round = 1, reply_class = 'B', replied_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(app.t.db.pool())
    .await
    .unwrap();
    (id, session)
}

#[tokio::test]
async fn the_committee_reads_figures_charts_and_downloads() {
    let app = TestApp::new().await;
    let (_, session) = replied(&app).await;
    let yanliang = app.org_id("yanliang").await;
    let committee = xieshang_store::account::user::actor(&app.t.db, app.user_id("committee").await)
        .await
        .unwrap();
    let f = figures::figures(&app.t.db, &committee, yanliang, Period::Session(session))
        .await
        .unwrap();
    assert!(f.filed >= 2 && f.accepted >= 1, "{f:?}");
    let mut c = app.login("committee").await;
    // The default is the body's current session.
    let page = c.get("/proposals/figures").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("第十届第五次会议"), "the session named");
    assert!(page.body.contains(&format!(
        "<tr><th scope=\"row\">提交</th><td>{}</td></tr>",
        f.filed
    )));
    assert!(page.body.contains(&format!(
        "<tr><th scope=\"row\">立案</th><td>{}</td></tr>",
        f.accepted
    )));
    for chart in [
        "chart-category",
        "chart-unit",
        "chart-class",
        "chart-satisfaction",
    ] {
        assert!(
            page.body.contains(&format!("<svg id=\"{chart}\"")),
            "{chart}"
        );
    }
    assert!(page.body.contains("区交通运输局"), "the lead unit's reply");
    assert!(page.body.contains("id=\"compilation-pdf\""));
    // A year, in English.
    let year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(app.t.db.now_ms()));
    let r = c
        .get(&format!("/proposals/figures?body={yanliang}&year={year}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.body.contains("id=\"compilation-pdf\""),
        "no compilation of a year"
    );
    // Bad input: a word for a number, a session of another body.
    assert_eq!(
        c.get("/proposals/figures?session=abc").await.status,
        StatusCode::BAD_REQUEST
    );

    // CSV: the header row, then the totals.
    let (st, csv, ctype) = bytes(
        &c,
        &format!("/proposals/figures.csv?body={yanliang}&session={session}"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(ctype.starts_with("text/csv"));
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("分项,名称,指标,数值"), "{text}");
    assert!(
        text.contains(&format!("总体情况,,提交,{}", f.filed)),
        "{text}"
    );
    assert!(
        text.contains("答复类别,B类（正在解决或列入计划）,件数,1"),
        "{text}"
    );

    // XLSX, read back.
    let (st, xlsx, _) = bytes(
        &c,
        &format!("/proposals/figures.xlsx?body={yanliang}&session={session}"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range("提案统计").unwrap();
    let cell = |r: u32, c: u32| {
        sheet
            .get_value((r, c))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    assert!(cell(0, 0).contains("第十届第五次会议"));
    assert_eq!(cell(2, 3), "数值");
    assert_eq!(
        (cell(3, 2), cell(3, 3)),
        ("提交".into(), f.filed.to_string())
    );
    assert_eq!(
        (cell(4, 2), cell(4, 3)),
        ("立案".into(), f.accepted.to_string())
    );
}

#[tokio::test]
async fn the_compilation_is_a_pdf_whose_chinese_reads_back() {
    let app = TestApp::new().await;
    let (_, session) = replied(&app).await;
    let yanliang = app.org_id("yanliang").await;
    let c = app.login("committee").await;
    let path = format!("/proposals/compilation.pdf?body={yanliang}&session={session}");
    // No CJK font where it is configured: a page that says so, not a panic.
    std::env::set_var("XIESHANG_CJK_FONT", "/nonexistent/font.ttc");
    let (st, body, _) = bytes(&c, &path).await;
    std::env::remove_var("XIESHANG_CJK_FONT");
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    let page = String::from_utf8(body).unwrap();
    assert!(page.contains("服务器上没有找到中文字体") && page.contains("/nonexistent/font.ttc"));
    let (st, pdf, ctype) = bytes(&c, &path).await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(ctype, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        pdf.len() < 2_000_000,
        "a font subset, not the whole font: {}",
        pdf.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("阎良区政协第十届第五次会议提案汇编"),
        "{text}"
    );
    assert!(text.contains("第1号"), "{text}");
    assert!(text.contains("关于完善社区养老服务站功能的建议"), "{text}");
    assert!(text.contains("阎交函〔2026〕18号"), "{text}");
    assert!(
        text.contains("已将社区养老服务站与卫生服务中心签约列入明年工作计划"),
        "{text}"
    );
    // A year is not a session.
    let (st, _, _) = bytes(
        &c,
        &format!("/proposals/compilation.pdf?body={yanliang}&year=2026"),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn figures_stay_within_the_readers_body() {
    let app = TestApp::new().await;
    let (_, session) = replied(&app).await;
    let yanliang = app.org_id("yanliang").await;
    let q = format!("body={yanliang}&session={session}");
    // Another district's staff: no such body.
    let mut other = app.login("staff-beilin").await;
    for path in [
        "/proposals/figures",
        "/proposals/figures.csv",
        "/proposals/figures.xlsx",
        "/proposals/compilation.pdf",
    ] {
        let r = other.get(&format!("{path}?{q}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("养老"));
    }
    // A member and a department's handler: not theirs.
    for who in ["member-fh-01", "handler"] {
        let mut m = app.login(who).await;
        let r = m.get(&format!("/proposals/figures?{q}")).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{who}"
        );
    }
    // The district's leader reads them.
    let mut leader = app.login("leader").await;
    assert_eq!(
        leader.get(&format!("/proposals/figures?{q}")).await.status,
        StatusCode::OK
    );
}
