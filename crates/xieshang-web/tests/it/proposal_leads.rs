//! Proposal leads and drafting aids through HTTP (issue 29 points 2-4): a
//! resident sends a lead without an account (refused input comes back as
//! typed, with every field's message), follows it by its code; a member of
//! the body adopts it into a draft from the leads list; the draft is saved as
//! it is typed (autosave) and shows similar proposals; only its initiator
//! reads those; the committee converts a filed proposal.

use crate::app::TestApp;
use axum::http::StatusCode;

async fn yanliang(app: &TestApp) -> String {
    app.org_id("yanliang").await.to_string()
}

#[tokio::test]
async fn a_resident_sends_a_lead_and_a_member_adopts_it() {
    let app = TestApp::new().await;
    let body = yanliang(&app).await;
    let mut anon = app.client();
    let form = anon.get("/proposal-leads/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("阎良区"), "the body is offered");
    // The home page leads there.
    assert!(anon
        .get("/")
        .await
        .body
        .contains("href=\"/proposal-leads/new\""));

    // Refused: no title, text too long; what was typed comes back.
    let long = "很".repeat(2001);
    let r = anon
        .post(
            "/proposal-leads",
            &[
                ("body", body.as_str()),
                ("title", ""),
                ("text", long.as_str()),
                ("contact", "王女士 13800001111"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请填写标题"), "title's message");
    assert!(r.body.contains("请写明问题和建议"), "text's message");
    assert!(r.body.contains("王女士 13800001111") && r.body.contains(&long));
    assert!(r.body.contains("aria-describedby=\"title-error\""));

    let r = anon
        .post(
            "/proposal-leads",
            &[
                ("body", body.as_str()),
                ("title", "学校门口上下学交通拥堵"),
                (
                    "text",
                    "凤凰路小学门口车辆乱停，孩子过马路危险，建议设护学岗。",
                ),
                ("contact", "王女士 13800001111"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.location.clone().unwrap();
    assert!(to.starts_with("/proposal-leads/status?code="));
    let code = to
        .trim_start_matches("/proposal-leads/status?code=")
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let s = anon.get(&to).await;
    assert!(s.body.contains(&code) && s.body.contains("id=\"lead-waiting\""));
    assert!(
        !s.body.contains("13800001111"),
        "the contact is never shown"
    );
    let missing = anon.get("/proposal-leads/status?code=ZZZZZZZZZZ").await;
    assert!(missing.body.contains("id=\"lead-not-found\""));

    // The member's list shows it; adopting opens the new draft.
    let mut fh1 = app.login("member-fh-01").await;
    let list = fh1.get("/proposals/leads").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("学校门口上下学交通拥堵"));
    assert!(
        !list.body.contains("13800001111"),
        "members do not see the contact"
    );
    let lead_id: i64 = sqlx::query_scalar("SELECT id FROM proposal_leads WHERE code = $1")
        .bind(&code)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let value = format!("resident-{lead_id}");
    let r = fh1
        .post("/proposals/leads/adopt", &[("lead", value.as_str())])
        .await;
    let at = r.location.clone().expect("to the draft");
    assert!(at.starts_with("/proposals/"), "{at}");
    let page = fh1.get(&at).await;
    assert!(page.body.contains("id=\"lead-source\""));
    assert!(page.body.contains("学校门口上下学交通拥堵"));
    assert!(
        page.body.contains("id=\"similar\""),
        "the draft shows similar ones"
    );
    assert!(page.body.contains("id=\"autosave-status\""));
    // Adopted a second time: back to the list with the reason.
    let mut fh2 = app.login("member-fh-02").await;
    let r = fh2
        .post("/proposals/leads/adopt", &[("lead", value.as_str())])
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/proposals/leads?err=err.lead.gone")
    );
    assert!(fh2
        .get("/proposals/leads?err=err.lead.gone")
        .await
        .body
        .contains("这条线索已被其他委员采纳"));
    // The sender sees it adopted.
    assert!(anon.get(&to).await.body.contains("id=\"lead-adopted\""));
    // Staff have no leads list (members only): told so, and cannot adopt.
    let mut staff = app.login("staff").await;
    let page = staff.get("/proposals/leads").await;
    assert!(page.body.contains("id=\"members-only\"") && !page.body.contains("id=\"leads\""));
    assert_eq!(
        staff
            .post("/proposals/leads/adopt", &[("lead", value.as_str())])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_draft_is_saved_as_it_is_typed_and_only_its_initiator_sees_similar_ones() {
    let app = TestApp::new().await;
    let mut fh1 = app.login("member-fh-01").await;
    let r = fh1
        .post(
            "/proposals",
            &[
                ("title", "关于老旧小区加装电梯的建议"),
                ("situation", "老年人上下楼困难"),
                ("analysis", ""),
                ("suggestions", ""),
            ],
        )
        .await;
    let at = r.location.clone().expect("to the draft");
    let id: i64 = at
        .trim_start_matches("/proposals/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let save = format!("/proposals/{id}/autosave");
    let r = fh1
        .post(
            &save,
            &[
                ("title", "关于老旧小区加装电梯的建议"),
                ("situation", "老年人上下楼困难，盼加装电梯"),
                ("analysis", "审批复杂"),
                ("suggestions", "简化审批"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let saved: String = sqlx::query_scalar("SELECT situation FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(saved, "老年人上下楼困难，盼加装电梯");
    // A title too long: 422 with the field and its message, nothing saved.
    let long = "梯".repeat(101);
    let r = fh1
        .post(
            &save,
            &[
                ("title", long.as_str()),
                ("situation", "改过的"),
                ("suggestions", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["field"], "title");
    assert!(j["message"].as_str().unwrap().contains("案由"));
    let saved: String = sqlx::query_scalar("SELECT situation FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(saved, "老年人上下楼困难，盼加装电梯");
    // Similar ones: the initiator reads them; another member is refused.
    let json = format!("/proposals/{id}/similar.json");
    let r = fh1.get(&json).await;
    assert_eq!(r.status, StatusCode::OK);
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(j["proposals"].is_array() && j["concerns"].is_array());
    let mut fh2 = app.login("member-fh-02").await;
    assert_eq!(fh2.get(&json).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        fh2.post(&save, &[("title", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
}
