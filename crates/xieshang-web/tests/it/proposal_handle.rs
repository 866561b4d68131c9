//! Handling a proposal through HTTP (issue 29 points 5–7, 12, 16): the
//! committee assigns, the unit finds what it must do in its queue, a reply
//! before contact or without its document number or class is refused with
//! a message and what was typed kept; after contact the reply is sent; the
//! proposer finds it waiting on "my proposals", rates it once (a second
//! rating refused, the comment kept); the body's rules of handling on the
//! settings page; another district's handler is told it does not exist.

use crate::app::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn the_unit_contacts_replies_and_the_proposer_rates_once() {
    let app = TestApp::new().await;
    // The demo's accepted proposal (member-fh-03's).
    let id: i64 = sqlx::query_scalar("SELECT id FROM proposals WHERE state = 'accepted'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    let mut committee = app.login("committee").await;
    let r = committee
        .post(
            &format!("/proposals/{id}/assign"),
            &[("lead", cgj.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);

    let mut handler = app.login("handler").await;
    let queue = handler.get("/proposals/assigned").await;
    assert!(queue.body.contains(&format!("/proposals/{id}\"")));
    assert!(queue.body.contains("答复期限") && queue.body.contains("异议期限"));
    // Closed ones are on their own page, linked from the queue.
    assert!(queue.body.contains("href=\"/proposals/assigned/done\""));
    let done = handler.get("/proposals/assigned/done").await;
    assert!(done.body.contains("id=\"none-done\""));
    let page = handler.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("id=\"contact-form\"") && page.body.contains("id=\"reply-form\""));
    assert!(page.body.contains("id=\"object-form\""));

    let url = format!("/proposals/{id}/reply");
    // Before contact: refused, what was typed kept.
    let r = handler
        .post(
            &url,
            &[
                ("doc_number", "阎城函〔2027〕1号"),
                ("class", "B"),
                ("reply_body", "已列入明年道路改造计划。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("答复前须先与提案人沟通"), "contact first");
    assert!(r.body.contains("阎城函〔2027〕1号") && r.body.contains("已列入明年道路改造计划。"));
    assert!(r.body.contains("value=\"B\" id=\"class-B\" checked"));
    let r = handler
        .post(
            &format!("/proposals/{id}/contact"),
            &[("way", "phone"), ("contact_note", "电话听取意见")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);
    // Without a document number, then without a class: each says what to change.
    let r = handler
        .post(
            &url,
            &[
                ("doc_number", ""),
                ("class", "B"),
                ("reply_body", "答复正文甲"),
            ],
        )
        .await;
    assert!(r.body.contains("请填写答复文号"));
    assert!(r.body.contains("答复正文甲"));
    assert!(r
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"doc_number-error\""));
    let r = handler
        .post(
            &url,
            &[("doc_number", "阎城函1号"), ("reply_body", "答复正文乙")],
        )
        .await;
    assert!(r.body.contains("请选择答复类别：A、B或C"));
    assert!(r.body.contains("答复正文乙") && r.body.contains("阎城函1号"));
    let r = handler
        .post(
            &url,
            &[
                ("doc_number", "阎城函1号"),
                ("class", "B"),
                ("reply_body", "已列入明年道路改造计划。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);
    let page = handler.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("阎城函1号") && page.body.contains("已列入明年道路改造计划。"));
    assert!(!page.body.contains("id=\"reply-form\""));
    // The committee's decision stays "accepted" while the state moves on.
    assert!(page.body.contains("<p id=\"decision-text\">已立案"));
    assert!(page.body.contains("<td id=\"state\">已答复，待评价</td>"));

    // Another district's handler (staff of 碑林 stands in): not found.
    let mut beilin = app.login("staff-beilin").await;
    let r = beilin
        .post(
            &format!("/proposals/{id}/contact"),
            &[("way", "phone"), ("contact_note", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The proposer finds the reply waiting for her rating, and rates it once.
    let mut fh3 = app.login("member-fh-03").await;
    let mine = fh3.get("/proposals/mine").await;
    assert!(mine.body.contains("待评价的答复"));
    assert!(mine
        .body
        .contains(&format!("/proposals/{id}#evaluate-form")));
    let eval = format!("/proposals/{id}/evaluate");
    // No rating chosen: refused, the comment kept.
    let r = fh3
        .post(
            &eval,
            &[("consulted", "satisfied"), ("comment", "沟通及时")],
        )
        .await;
    assert!(r.body.contains("请选择对答复的满意程度") && r.body.contains("沟通及时"));
    let r = fh3
        .post(
            &eval,
            &[
                ("rating", "satisfied"),
                ("consulted", "satisfied"),
                ("comment", "沟通及时"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);
    let state: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(state, "closed");
    // Closed: off the unit's queue, on its closed list.
    let queue = handler.get("/proposals/assigned").await;
    assert!(!queue.body.contains(&format!("/proposals/{id}\"")));
    let done = handler.get("/proposals/assigned/done").await;
    assert!(done.body.contains("id=\"done-list\""));
    assert!(done.body.contains(&format!("/proposals/{id}\"")));
    let r = fh3
        .post(
            &eval,
            &[
                ("rating", "unsatisfied"),
                ("consulted", "satisfied"),
                ("comment", "第二次评价"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("您已评价过本轮答复"));
    assert!(r.body.contains(">第二次评价</textarea>"));
    assert!(!fh3
        .get("/proposals/mine")
        .await
        .body
        .contains("#evaluate-form"));
}

#[tokio::test]
async fn the_body_sets_its_rules_of_handling() {
    let app = TestApp::new().await;
    let yanliang = app.org_id("yanliang").await.to_string();
    let mut staff = app.login("staff").await;
    let page = staff.get("/proposal-settings").await;
    assert!(page.body.contains("办理规则") && page.body.contains("name=\"objection_days\""));
    let form = |days: &'static str| {
        vec![
            ("org", yanliang.clone()),
            ("objection_days", days.to_owned()),
            ("co_opinion_days", "30".to_owned()),
            ("reply_months", "3".to_owned()),
            ("plenary_reply_months", "4".to_owned()),
            ("extension_max_months", "6".to_owned()),
            ("classes", "ABCD".to_owned()),
        ]
    };
    let f = form("7");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = staff.post("/proposal-settings/handling", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!r.location.as_deref().unwrap_or("").contains("err="));
    let page = staff.get("/proposal-settings").await;
    assert!(page
        .body
        .contains("name=\"objection_days\" inputmode=\"numeric\" value=\"7\""));
    assert!(page.body.contains("value=\"ABCD\" id=\"classes-abcd-"));
    let f = form("0");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = staff.post("/proposal-settings/handling", &f).await;
    assert!(r
        .location
        .as_deref()
        .unwrap_or("")
        .contains("err=err.proposal.objection_days"));
}
