//! The member roster over HTTP: staff import an XLSX roster (dry run with the
//! refused rows listed, then an import), see it by sector, record an exit with
//! its type and reason, and reveal a member's phone (audited).

use crate::app::TestApp;
use axum::http::StatusCode;

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            // Phones as numbers, as spreadsheets often hold them.
            if c == 5 && !v.is_empty() && v.chars().all(|ch| ch.is_ascii_digit()) {
                sheet
                    .write_number(r as u32, c as u16, v.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                sheet.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn members(app: &TestApp) -> i64 {
    // Yanliang's roster (the one imported into); other bodies' demo
    // members (碑林区's party members) are not these tests' business.
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE body_id = (SELECT id FROM orgs WHERE code = 'yanliang')",
    )
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_import_a_roster_record_an_exit_and_reveal_a_phone() {
    let app = TestApp::new().await;
    let yanliang = app.org_id("yanliang").await;
    let mut staff = app.login("staff").await;
    let page = staff.get(&format!("/units/{yanliang}/roster")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("在册 23"), "{}", page.body);
    let url = format!("/units/{yanliang}/roster/import");
    let header: &[&str] = &["编号", "姓名", "届次", "界别", "街道组", "电话", "加入日期"];

    // A file with two bad rows: the dry run names both, the import writes nothing.
    let bad = xlsx(&[
        header,
        &[
            "X01",
            "韩一",
            "第十届",
            "教育界",
            "关山街道",
            "13900001111",
            "2026-02-01",
        ],
        &["X02", "杨二", "第十届", "教育界", "不存在街道", "", ""],
        &["X03", "朱三", "第十届", "", "", "12", ""],
    ]);
    for mode in ["check", "commit"] {
        let res = staff
            .post_multipart(
                &url,
                &[("mode", mode)],
                &[("file", "roster.xlsx", bad.clone())],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{mode}");
        assert!(res.body.contains("id=\"rejects\""), "{}", res.body);
        for why in ["本级政协下没有这个街道", "界别应为", "电话号码应为"] {
            assert!(res.body.contains(why), "{mode}: {why}");
        }
        assert_eq!(res.body.matches("<tr><td>").count(), 3, "three problems");
        assert_eq!(members(&app).await, 23, "{mode} wrote nothing");
        if mode == "commit" {
            assert!(res.body.contains("id=\"import-nothing\""));
        }
    }

    // The fixed file: checked clean, then imported.
    let good = xlsx(&[
        header,
        &[
            "X01",
            "韩一",
            "第十届",
            "教育界",
            "关山街道",
            "13900001111",
            "2026-02-01",
        ],
        &["X02", "杨二", "第十届", "教育界", "凤凰街道", "", ""],
        &["X03", "朱三", "第十届", "文化艺术界", "", "", ""],
    ]);
    let res = staff
        .post_multipart(
            &url,
            &[("mode", "check")],
            &[("file", "roster.xlsx", good.clone())],
        )
        .await;
    assert!(res.body.contains("id=\"import-clean\""), "{}", res.body);
    assert_eq!(members(&app).await, 23);
    let res = staff
        .post_multipart(
            &url,
            &[("mode", "commit"), ("reason", "区政协常委会增补")],
            &[("file", "roster.xlsx", good)],
        )
        .await;
    assert!(res.body.contains("id=\"import-written\""), "{}", res.body);
    assert_eq!(members(&app).await, 26);

    // Pasted CSV goes through the same checks.
    let res = staff
        .post(
            &url,
            &[
                ("mode", "check"),
                ("rows", "编号,姓名,届次,界别\nX01,重复,第十届,教育界"),
            ],
        )
        .await;
    assert!(res.body.contains("该编号已在名册中"), "{}", res.body);

    // The roster by sector, filtered.
    let page = staff
        .get(&format!(
            "/units/{yanliang}/roster?sector=%E6%95%99%E8%82%B2%E7%95%8C"
        ))
        .await;
    assert!(page.body.contains("韩一") && page.body.contains("杨二"));
    assert!(!page.body.contains("朱三"));
    assert!(page.body.contains("139****1111"));
    assert!(!page.body.contains("13900001111"));

    // Han Yi's page; an exit with a type and reason shows in the history.
    let id: i64 = sqlx::query_scalar("SELECT id FROM members WHERE code = 'X01'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let res = staff
        .post(
            &format!("/members/{id}/exit"),
            &[("exit_type", "resignation"), ("reason", "")],
        )
        .await;
    // Back with the exit's type kept and the reason marked (issue 26 point 8).
    crate::forms::assert_marked(&res, "exit-reason");
    crate::forms::assert_value(&res.body, "exit_type", "resignation");
    let res = staff
        .post(
            &format!("/members/{id}/exit"),
            &[("exit_type", "resignation"), ("reason", "工作调动离开本区")],
        )
        .await;
    assert!(
        res.location.as_deref().unwrap_or("").contains("ok="),
        "{:?}",
        res.location
    );
    let page = staff.get(&format!("/members/{id}")).await;
    assert!(page.body.contains("已退出"));
    assert!(page.body.contains("辞职") && page.body.contains("工作调动离开本区"));
    assert!(page.body.contains("区政协常委会增补"), "the join's reason");
    assert!(page.body.contains("id=\"rejoin-form\""));

    // The full phone only after an audited reveal; a leader may not.
    assert!(page.body.contains("139****1111") && !page.body.contains("13900001111"));
    let res = staff.post(&format!("/members/{id}/reveal"), &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("13900001111"));
    let mut leader = app.login("leader").await;
    assert_eq!(
        leader
            .post(&format!("/members/{id}/reveal"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let reveals: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'member.reveal_contact'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(reveals, 1);
}
