//! Issue 29 points 6–8 remainders through HTTP (decision record 0040): the
//! unit sends its reply with the signed file in the same form (a bad file
//! refused naming the field, the typed reply kept); the proposer, the
//! committee and the unit download it, anyone else is told it does not
//! exist, and the public page never offers it. The face-to-face
//! consultation shows on the proposal's page with the way to call it, and
//! once called both pages link each other. The body's share of key
//! proposals on the settings page; a non-leader on the ballot page gets the
//! page with the reason (still 403).

use crate::app::TestApp;
use axum::http::StatusCode;
use xieshang_core::calendar::Calendar;
use xieshang_store::account::user;
use xieshang_store::consult;
use xieshang_store::proposal::handle::{self, Evaluated, NewEvaluation, NewReply};

/// The demo's accepted proposal (member-fh-03's), assigned by the committee
/// to 区城管局 (the demo's `handler`), who has recorded contact.
async fn assigned(app: &TestApp) -> i64 {
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
    let r = handler
        .post(
            &format!("/proposals/{id}/contact"),
            &[("way", "visit"), ("contact_note", "登门听取意见")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);
    id
}

#[tokio::test]
async fn the_signed_reply_goes_with_the_reply_and_only_its_readers_open_it() {
    let app = TestApp::new().await;
    let id = assigned(&app).await;
    let mut handler = app.login("handler").await;
    let page = handler.get(&format!("/proposals/{id}")).await;
    assert!(page
        .body
        .contains("id=\"reply-form\" enctype=\"multipart/form-data\""));
    assert!(page.body.contains("id=\"reply_file\" name=\"reply_file\""));

    let mut proposer = app.login("member-fh-03").await;
    let r = proposer
        .post(
            &format!("/proposals/{id}/disclosure"),
            &[("disclosure", "public"), ("private_reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);

    let url = format!("/proposals/{id}/reply");
    let typed = [
        ("doc_number", "阎城函〔2027〕5号"),
        ("class", "A"),
        ("reply_body", "已在校门口增设护栏和信号灯。"),
    ];
    // A Word file: refused, the field named, everything typed kept.
    let ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    let r = handler
        .post_multipart(&url, &typed, &[("reply_file", "答复.doc", ole)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("答复文件须为 PDF"), "the reason");
    assert!(r
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"reply_file-error\""));
    assert!(
        r.body.contains("阎城函〔2027〕5号") && r.body.contains("已在校门口增设护栏和信号灯。")
    );
    assert!(r.body.contains("value=\"A\" id=\"class-A\" checked"));
    // A PDF named as an image: refused for its name.
    let pdf = b"%PDF-1.7\n% signed and stamped".to_vec();
    let r = handler
        .post_multipart(&url, &typed, &[("reply_file", "答复.png", pdf.clone())])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("答复文件的扩展名与内容不符"));
    assert!(r.body.contains("已在校门口增设护栏和信号灯。"));
    // Nothing was stored by the refusals.
    let replies: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM proposal_replies WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(replies, 0);

    // The reply with its signed PDF.
    let r = handler
        .post_multipart(
            &url,
            &typed,
            &[("reply_file", "阎城函5号.pdf", pdf.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let reply_id: i64 = sqlx::query_scalar(
        "SELECT id FROM proposal_replies WHERE proposal_id = $1 AND file_id IS NOT NULL",
    )
    .bind(id)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let file_url = format!("/proposals/{id}/replies/{reply_id}/file");
    let page = handler.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains(&format!("href=\"{file_url}\"")));
    assert!(page.body.contains("阎城函5号.pdf"));

    // The unit, the proposer and the committee download it.
    let mut committee = app.login("committee").await;
    for c in [&mut handler, &mut proposer, &mut committee] {
        let r = c.get(&file_url).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers["content-type"], "application/pdf");
        assert!(r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"));
        assert_eq!(r.headers["cache-control"], "private, no-store");
        assert_eq!(r.body.as_bytes(), pdf.as_slice());
    }
    let page = proposer.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains(&format!("href=\"{file_url}\"")));
    // The body's staff and another member: not found, as for no file, and
    // no link on the page they read.
    let mut staff = app.login("staff").await;
    let missing = staff
        .get(&format!("/proposals/{id}/replies/999999/file"))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let r = staff.get(&file_url).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body, missing.body);
    let page = staff.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("阎城函〔2027〕5号"));
    assert!(!page.body.contains(&file_url));
    let mut other = app.login("member-fh-07").await;
    assert_eq!(other.get(&file_url).await.status, StatusCode::NOT_FOUND);
    // Without a login: to the login page.
    let mut anon = app.client();
    assert_eq!(
        anon.get(&file_url).await.location.as_deref(),
        Some("/login")
    );

    // Made public by the proposer (before the reply): the public page shows
    // the reply, never its signed file.
    let body = app.org_id("yanliang").await;
    let public = anon.get(&format!("/units/{body}/proposals/{id}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("已在校门口增设护栏和信号灯。"));
    assert!(!public.body.contains("/replies/") && !public.body.contains("阎城函5号.pdf"));
}

#[tokio::test]
async fn a_scan_is_attached_after_the_reply() {
    let app = TestApp::new().await;
    let id = assigned(&app).await;
    let mut handler = app.login("handler").await;
    let r = handler
        .post(
            &format!("/proposals/{id}/reply"),
            &[
                ("doc_number", "阎城函〔2027〕6号"),
                ("class", "B"),
                ("reply_body", "已列入明年计划。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = handler.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("id=\"reply-file-form\""));
    let url = format!("/proposals/{id}/reply-file");
    // No file chosen: refused naming the field.
    let r = handler.post_multipart(&url, &[], &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("请选择要上传的答复文件"));
    assert!(r.body.contains("aria-describedby=\"reply_file-error\""));
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0; 24]);
    let r = handler
        .post_multipart(&url, &[], &[("reply_file", "扫描件.png", png.clone())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = handler.get(&format!("/proposals/{id}")).await;
    assert!(!page.body.contains("id=\"reply-file-form\""));
    assert!(page.body.contains("扫描件.png"));
    // The proposer cannot attach one.
    let mut proposer = app.login("member-fh-03").await;
    let r = proposer
        .post_multipart(&url, &[], &[("reply_file", "x.png", png)])
        .await;
    assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND);
}

async fn actor_of(app: &TestApp, name: &str) -> xieshang_core::Actor {
    user::actor(&app.t.db, app.user_id(name).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_face_to_face_consultation_links_both_pages() {
    let app = TestApp::new().await;
    let db = &app.t.db;
    let cal = Calendar::builtin();
    let id = assigned(&app).await;
    let handler = actor_of(&app, "handler").await;
    let fh3 = actor_of(&app, "member-fh-03").await;
    let staff = actor_of(&app, "staff").await;
    let rate = NewEvaluation {
        rating: "unsatisfied",
        consulted: "satisfied",
        comment: "",
    };
    for (round, doc) in [(1, "阎城函1号"), (2, "阎城函2号")] {
        if round == 2 {
            handle::contact(db, &handler, id, "phone", "再次沟通")
                .await
                .unwrap();
        }
        let r = NewReply {
            doc_number: doc,
            class: "C",
            body: "留作参考。",
        };
        handle::reply(db, &handler, id, &r).await.unwrap();
        let out = handle::evaluate(db, &cal, &fh3, id, &rate).await.unwrap();
        assert_eq!(out == Evaluated::FaceToFace, round == 2);
    }
    let plan = handle::face_to_face(db, id).await.unwrap().unwrap();

    // Staff see it planned with the way to call it; the proposer sees it
    // planned, without that link.
    let mut staff_c = app.login("staff").await;
    let page = staff_c.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("id=\"face-to-face\""));
    assert!(page.body.contains(&plan.topic));
    let call = format!("/consultations/new?plan={}", plan.plan_id);
    assert!(page.body.contains(&format!("href=\"{call}\"")));
    let mut proposer = app.login("member-fh-03").await;
    let page = proposer.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("id=\"face-to-face\"") && !page.body.contains(&call));
    // The form to call it is filled from the plan, of the kind for proposals.
    let form = staff_c.get(&call).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(&plan.topic));
    assert!(form.body.contains("value=\"proposal_handling\" selected"));

    // Called: both pages link each other.
    let starts = db.now_ms() + 20 * 86_400_000;
    let body = app.org_id("yanliang").await;
    let cid = consult::convene(
        db,
        &cal,
        &staff,
        &consult::NewConsultation {
            org_id: body,
            kind: "proposal_handling",
            topic: &plan.topic,
            description: "",
            starts_at: starts,
            ends_at: starts + 3_600_000,
            room_id: None,
            place: Some("区政协会议室"),
            concerns: &[],
            plan_id: Some(plan.plan_id),
            short_notice_ok: true,
        },
    )
    .await
    .unwrap();
    let page = proposer.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains(&format!(
        "href=\"/consultations/{cid}\" id=\"face-to-face-link\""
    )));
    let c = proposer.get(&format!("/consultations/{cid}")).await;
    assert_eq!(c.status, StatusCode::OK);
    assert!(c.body.contains("id=\"linked-proposals\""));
    assert!(c.body.contains(&format!("href=\"/proposals/{id}\"")));
}

#[tokio::test]
async fn the_key_share_is_a_setting_and_only_leaders_open_the_ballot() {
    let app = TestApp::new().await;
    let body = app.org_id("yanliang").await.to_string();
    let mut staff = app.login("staff").await;
    let page = staff.get("/proposal-settings").await;
    assert!(page.body.contains(&format!(
        "id=\"key_share_percent-{body}\" name=\"key_share_percent\" inputmode=\"numeric\" value=\"5\""
    )));
    let rules = |share: &'static str| {
        vec![
            ("org", body.clone()),
            ("objection_days", "5".to_owned()),
            ("co_opinion_days", "30".to_owned()),
            ("reply_months", "3".to_owned()),
            ("plenary_reply_months", "3".to_owned()),
            ("extension_max_months", "6".to_owned()),
            ("classes", "ABC".to_owned()),
            ("key_share_percent", share.to_owned()),
        ]
    };
    let form = rules("8");
    let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = staff.post("/proposal-settings/handling", &f).await;
    assert!(
        r.location.as_deref().unwrap().contains("ok="),
        "{:?}",
        r.location
    );
    let page = staff.get("/proposal-settings").await;
    assert!(page.body.contains(&format!("id=\"key_share_percent-{body}\" name=\"key_share_percent\" inputmode=\"numeric\" value=\"8\"")));
    // Out of range: refused with the reason, nothing saved.
    let form = rules("0");
    let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = staff.post("/proposal-settings/handling", &f).await;
    let to = r.location.clone().unwrap();
    assert!(to.contains("err="), "{to}");
    let page = staff.get(&to).await;
    assert!(page.body.contains("重点提案比例须为 1 到 50 之间的整数"));
    assert!(page.body.contains(&format!("id=\"key_share_percent-{body}\" name=\"key_share_percent\" inputmode=\"numeric\" value=\"8\"")));

    // Not a leader: refused, on the refusal page with the menu.
    let page = staff.get("/proposals/ballot").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("您没有权限执行此操作") && page.body.contains("<nav"));
    let mut member = app.login("member-fh-03").await;
    let r = member
        .post("/proposals/ballot", &[("ballot", "1"), ("pick", "1")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A leader gets the ballot page.
    let mut leader = app.login("leader").await;
    let page = leader.get("/proposals/ballot").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"supervised-link\""));
}
