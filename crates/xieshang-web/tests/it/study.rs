//! Study and exchange pages (issue 30 point 5) through HTTP: staff publish a
//! material (bad input refused naming the field, everything typed kept),
//! a member of its group opens and confirms it and the duty record counts
//! it, staff read who has; discussion threads for the body's members and
//! staff, a post hidden with a reason (members see the reason, staff the
//! original).

use crate::app::TestApp;
use axum::http::StatusCode;
use chrono::Duration;
use std::sync::atomic::Ordering;

const PDF: &[u8] = b"%PDF-1.7\n%%EOF";

fn today(app: &TestApp) -> chrono::NaiveDate {
    xieshang_core::calendar::cst_date(app.clock.load(Ordering::SeqCst))
}

async fn display_name(app: &TestApp, username: &str) -> String {
    sqlx::query_scalar("SELECT display_name FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

async fn materials(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM study_materials")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

/// The id in a `/study/{id}?…` or `/study/topics/{id}?…` redirect.
fn id_of(location: Option<&str>, prefix: &str) -> i64 {
    let l = location.expect("a redirect");
    l.trim_start_matches(prefix)
        .split(['?', '#'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{l}"))
}

#[tokio::test]
async fn staff_publish_members_confirm_and_the_duty_record_counts_it() {
    let app = TestApp::new().await;
    let guanshan = app.org_id("yanliang-guanshan").await.to_string();
    let due = (today(&app) + Duration::days(7)).to_string();
    let past = (today(&app) - Duration::days(1)).to_string();
    let mut staff = app.login("staff").await;
    let mut gs = app.login("member-gs-01").await;
    let mut fh = app.login("member-fh-01").await;

    let page = staff.get("/study/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("value=\"{guanshan}\"")));
    // Members do not publish.
    assert_eq!(gs.get("/study/new").await.status, StatusCode::FORBIDDEN);
    let before = materials(&app).await;
    let res = gs
        .post_multipart(
            "/study",
            &[
                ("audience", &guanshan),
                ("title", "x"),
                ("text", "x"),
                ("links", ""),
                ("due_on", &due),
            ],
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // Bad input: every wrong field named, everything typed kept.
    let res = staff
        .post_multipart(
            "/study",
            &[
                ("audience", &guanshan),
                ("title", "  "),
                ("text", "请结合本组实际学习讨论"),
                ("links", "https://www.cppcc.gov.cn/\nftp://bad.example/"),
                ("due_on", &past),
            ],
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("id=\"error-summary\""));
    assert!(res.body.contains("请填写标题"), "names the title");
    assert!(res
        .body
        .contains("链接须为以 http:// 或 https:// 开头的网址"));
    assert!(res.body.contains("请选择今天或以后的截止日期"));
    assert!(
        res.body.contains("请结合本组实际学习讨论"),
        "the text is kept"
    );
    assert!(
        res.body.contains("ftp://bad.example/"),
        "the links are kept"
    );
    assert!(
        res.body.contains(&format!("value=\"{past}\"")),
        "the date is kept"
    );
    assert!(res.body.contains(&format!("value=\"{guanshan}\" selected")));
    // A file that is not what it says.
    let res = staff
        .post_multipart(
            "/study",
            &[
                ("audience", &guanshan),
                ("title", "学习材料"),
                ("text", "正文"),
                ("links", ""),
                ("due_on", &due),
            ],
            &[("file", "x.pdf", b"<html>".to_vec())],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("不支持该文件类型"));
    assert!(res.body.contains("value=\"学习材料\""));
    assert_eq!(materials(&app).await, before, "nothing refused was stored");

    // Published with a file and a link.
    let res = staff
        .post_multipart(
            "/study",
            &[
                ("audience", &guanshan),
                ("title", "关于电动自行车充电安全的学习材料"),
                ("text", "第一段。\n第二段。"),
                ("links", "https://www.cppcc.gov.cn/"),
                ("due_on", &due),
            ],
            &[("file", "读本.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = id_of(res.location.as_deref(), "/study/");

    // The group's member: listed, opened, the file, confirmed.
    let list = gs.get("/study").await;
    assert!(list.body.contains("关于电动自行车充电安全的学习材料"));
    let page = gs.get(&format!("/study/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"confirm-reading\""));
    assert!(page.body.contains("href=\"https://www.cppcc.gov.cn/\""));
    let file_id: i64 =
        sqlx::query_scalar("SELECT id FROM attachments WHERE kind = 'study' AND item_id = $1")
            .bind(id)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let file = gs.get(&format!("/study/{id}/files/{file_id}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.headers
            .get("content-type")
            .map(|v| v.to_str().unwrap()),
        Some("application/pdf")
    );
    // Another group's member: as if there were none.
    assert_eq!(
        fh.get(&format!("/study/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fh.get(&format!("/study/{id}/files/{file_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = fh.post(&format!("/study/{id}/confirm"), &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let res = gs.post(&format!("/study/{id}/confirm"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = gs.get(&format!("/study/{id}")).await;
    assert!(page.body.contains("id=\"confirmed\""));
    assert!(!page.body.contains("id=\"confirm-reading\""));
    // Again: still one reading.
    let res = gs.post(&format!("/study/{id}/confirm"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    // The duty record shows it.
    let record = gs.get("/duty/record").await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(
        record.body.contains("id=\"readings-confirmed\">1<"),
        "the duty record counts the reading"
    );

    // Staff read who has: the member confirmed.
    let page = staff.get(&format!("/study/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let name = display_name(&app, "member-gs-01").await;
    assert!(page.body.contains("id=\"readers-table\""));
    assert!(page.body.contains(&name));
    assert!(page.body.contains("id=\"readers-count\""));
    let list = staff.get("/study").await;
    assert!(list.body.contains("id=\"published-table\""));
    // Another district's staff see nothing of it.
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(
        beilin.get(&format!("/study/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!beilin
        .get("/study")
        .await
        .body
        .contains("关于电动自行车充电安全的学习材料"));
}

#[tokio::test]
async fn threads_take_replies_and_staff_hide_posts_with_a_reason() {
    let app = TestApp::new().await;
    let yanliang = app.org_id("yanliang").await.to_string();
    let mut staff = app.login("staff").await;
    let mut gs = app.login("member-gs-01").await;
    let mut fh = app.login("member-fh-01").await;

    let page = gs.get("/study/topics").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"topic-form\""));
    // An empty first post: refused, the title kept.
    let res = gs
        .post(
            "/study/topics",
            &[
                ("body", &yanliang),
                ("topic_title", "老旧小区充电安全"),
                ("text", " "),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("请填写发言内容"));
    assert!(res.body.contains("value=\"老旧小区充电安全\""));
    let res = gs
        .post(
            "/study/topics",
            &[
                ("body", &yanliang),
                ("topic_title", "老旧小区充电安全"),
                ("text", "大家谈谈各自街道的做法。"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let topic = id_of(res.location.as_deref(), "/study/topics/");

    // A reply; an empty one refused.
    let res = fh
        .post(&format!("/study/topics/{topic}/reply"), &[("text", "  ")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("请填写发言内容"));
    let res = fh
        .post(
            &format!("/study/topics/{topic}/reply"),
            &[("text", "这是一条不当的发言原文")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let post: i64 = sqlx::query_scalar("SELECT MAX(id) FROM study_posts WHERE topic_id = $1")
        .bind(topic)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let page = fh.get(&format!("/study/topics/{topic}")).await;
    assert!(page.body.contains("这是一条不当的发言原文"));
    assert!(page.body.contains(&format!("id=\"post-{post}\"")));

    // Members do not moderate; another district's staff do not see it.
    let res = gs
        .post(&format!("/study/posts/{post}/hide"), &[("reason", "x")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(
        beilin.get(&format!("/study/topics/{topic}")).await.status,
        StatusCode::NOT_FOUND
    );
    let res = beilin
        .post(&format!("/study/topics/{topic}/reply"), &[("text", "外区")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Staff hide it: a reason is needed.
    let res = staff
        .post(&format!("/study/posts/{post}/hide"), &[("reason", " ")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("请填写隐藏理由"));
    assert!(res.body.contains("id=\"reason\""));
    let res = staff
        .post(
            &format!("/study/posts/{post}/hide"),
            &[("reason", "含人身攻击")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    // Members: the reason, not the text. Staff: both.
    let page = fh.get(&format!("/study/topics/{topic}")).await;
    assert!(page.body.contains("已被工作人员隐藏：含人身攻击"));
    assert!(!page.body.contains("这是一条不当的发言原文"));
    assert!(page.body.contains("大家谈谈各自街道的做法。"));
    let page = staff.get(&format!("/study/topics/{topic}")).await;
    assert!(page.body.contains("已被工作人员隐藏：含人身攻击"));
    assert!(page.body.contains("这是一条不当的发言原文"));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'study.post_hide' AND entity_id = $1",
    )
    .bind(post.to_string())
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1);
}
