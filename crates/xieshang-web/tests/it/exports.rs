//! Exports: staff lists as CSV and XLSX inside their scope; the public open-data
//! CSV of resolved concerns; no personal data in either.

use crate::app::TestApp;
use axum::http::StatusCode;
use serde_json::json;

async fn file(app: &TestApp, area: &str, title: &str, phone: &str) -> String {
    let mut c = app.client();
    let body = json!({"category": "road", "area": area, "title": title, "description": "路面破损",
                      "name": "赵丽华", "phone": phone});
    let req = axum::http::Request::post("/api/v1/concerns")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["tracking_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn staff_export_their_lists_and_anyone_gets_open_data() {
    let app = TestApp::new().await;
    let mine = file(&app, "yanliang-guanshan", "关山路面破损", "13600001111").await;
    let theirs = file(&app, "beilin-nanyuanmen", "南院门路面破损", "13600002222").await;
    let mut staff = app.login("staff").await;
    let r = staff.get("/exports/concerns.csv?state=submitted").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("concerns.csv"));
    assert!(r.body.starts_with('\u{feff}'), "BOM for spreadsheets");
    assert!(r.body.contains(&mine) && !r.body.contains(&theirs));
    for secret in ["赵丽华", "13600001111", "136****1111", "赵**"] {
        assert!(!r.body.contains(secret), "export shows {secret}");
    }
    let r = staff.get("/exports/concerns.csv?state=closed").await;
    assert!(!r.body.contains(&mine), "filtered by state");
    let r = staff
        .get("/exports/concerns.csv?from=2000-01-01&to=2000-01-31")
        .await;
    assert!(!r.body.contains(&mine), "filtered by date");
    assert_eq!(
        staff.get("/exports/concerns.csv?state=bogus").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        staff.get("/exports/secrets.csv").await.status,
        StatusCode::NOT_FOUND
    );

    let req = axum::http::Request::get("/exports/concerns.xlsx")
        .header(
            axum::http::header::COOKIE,
            staff
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX is a zip");
    assert!(bytes.len() > 3000);

    // Open data: only resolved or closed concerns, none yet.
    let mut anon = app.client();
    let r = anon.get("/open-data/concerns.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains(&mine));
    // Resolve it through the loop; then it is published, without the reporter.
    let id: i64 = sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(&mine)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await;
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await;
    let mut handler = app.login("handler").await;
    let r = handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[
                ("action", "resolve"),
                ("note", "已修复路面"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert!(!r.location.unwrap().contains("err="));
    let r = anon.get("/open-data/concerns.csv").await;
    assert!(
        r.body.contains(&mine)
            && r.body.contains("已修复路面")
            && r.body.contains("阎良区城市管理和综合执法局")
    );
    assert!(!r.body.contains(&theirs));
    for secret in ["赵丽华", "13600001111", "136****1111", "赵**"] {
        assert!(!r.body.contains(secret), "open data shows {secret}");
    }
}

/// The cells of a CSV body (after its byte-order mark).
fn cells(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// No cell may start with a character a spreadsheet reads as a formula.
fn assert_inert(what: &str, body: &str) {
    for row in cells(body) {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{what}: a cell a spreadsheet runs: {cell:?}"
            );
        }
    }
}

#[tokio::test]
async fn formulas_in_residents_and_departments_text_are_neutralised() {
    // Finding 6 of issue 24: cells were written as they came.
    let app = TestApp::new().await;
    let title = r#"=HYPERLINK("http://evil/","click")"#;
    let code = file(&app, "yanliang-guanshan", title, "13600003333").await;
    let mut staff = app.login("staff").await;
    let r = staff.get("/exports/concerns.csv").await;
    assert_eq!(r.status, axum::http::StatusCode::OK);
    assert_inert("staff export", &r.body);
    let row = cells(&r.body)
        .into_iter()
        .find(|row| row[0] == code)
        .expect("the concern is exported");
    assert_eq!(row[3], format!("'{title}"), "the title is kept, made inert");

    // A department's result note starting with @ reaches the open data.
    let id: i64 = sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(&code)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await;
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await;
    let note = "@SUM(1+1)*cmd|' /C calc'!A0";
    let mut handler = app.login("handler").await;
    let r = handler
        .post(
            &format!("/concerns/{id}/handle"),
            &[("action", "resolve"), ("note", note), ("confirm", "1")],
        )
        .await;
    assert!(!r.location.unwrap_or_default().contains("err="));
    let r = app.client().get("/open-data/concerns.csv").await;
    assert_inert("open data", &r.body);
    let row = cells(&r.body)
        .into_iter()
        .find(|row| row[0] == code)
        .expect("the resolved concern is published");
    assert_eq!(row[3], format!("'{title}"));
    assert_eq!(row[10], format!("'{note}"));
    let r = staff.get("/exports/concerns.csv").await;
    assert_inert("staff export after resolving", &r.body);
}
