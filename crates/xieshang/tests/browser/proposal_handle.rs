//! Browser test: a proposal handled and evaluated twice (issue 29 points
//! 6–7). The committee has assigned the demo's accepted proposal to 区城管局;
//! its handler records the contact with the proposer and replies class B at
//! desktop size; the proposer (member-fh-03) rates it unsatisfied on her
//! phone, which opens round 2; the second reply is class A and she rates it
//! satisfied: the proposal is done.

use crate::consult::submit;

/// The handler contacts the proposer and replies with `class`.
async fn unit_replies(c: &fantoccini::Client, base: &str, id: i64, doc: &str, class: &str) {
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "handler").await;
    c.goto(&format!("{base}/proposals/assigned")).await.unwrap();
    submit(c, &format!("#assigned-list a[href=\"/proposals/{id}\"]")).await;
    crate::click(c, "#way-phone").await;
    crate::type_in(c, "#contact_note", "电话听取提案人对办理方案的意见").await;
    submit(c, "#record-contact").await;
    crate::type_in(c, "#doc_number", doc).await;
    crate::click(c, &format!("#class-{class}")).await;
    crate::type_in(c, "#reply_body", "经研究，已在凤凰路中学门前施划人行横道。").await;
    submit(c, "#send-reply").await;
    assert!(crate::text_of(c, "#handling").await.contains(doc));
}

/// The proposer rates the round's reply on her phone.
async fn proposer_rates(c: &fantoccini::Client, base: &str, id: i64, rating: &str) {
    c.set_window_size(390, 844).await.unwrap();
    crate::login(c, base, "member-fh-03").await;
    c.goto(&format!("{base}/proposals/mine")).await.unwrap();
    submit(
        c,
        &format!("#to-rate a[href=\"/proposals/{id}#evaluate-form\"]"),
    )
    .await;
    crate::click(c, &format!("#rating-{rating}")).await;
    crate::click(c, "#consulted-satisfied").await;
    crate::type_in(c, "#comment", "沟通及时").await;
    submit(c, "#send-rating").await;
}

/// Scrolls the handling section (units, replies, evaluations) into view
/// for the screenshot.
async fn show_handling(c: &fantoccini::Client) {
    c.execute(
        "document.getElementById('handling').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_is_replied_rated_unsatisfied_replied_again_and_closed() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let db = &d.t.db;
    let id: i64 = sqlx::query_scalar("SELECT id FROM proposals WHERE state = 'accepted'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let committee = {
        let uid: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'committee'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        xieshang_store::account::user::actor(db, uid).await.unwrap()
    };
    let cgj = xieshang_store::org::by_code_unchecked(db, "yanliang-cgj")
        .await
        .unwrap();
    xieshang_store::proposal::assign::assign(
        db,
        &xieshang_core::calendar::Calendar::builtin(),
        &committee,
        id,
        cgj.id,
        &[],
    )
    .await
    .unwrap();

    unit_replies(c, base, id, "阎城函〔2027〕1号", "B").await;
    show_handling(c).await;
    crate::shot(c, "proposal-reply-desktop").await;
    crate::logout(c).await;

    proposer_rates(c, base, id, "unsatisfied").await;
    assert_eq!(crate::text_of(c, "#round").await, "2");
    assert_eq!(crate::text_of(c, "#state").await, "重新办理");
    show_handling(c).await;
    crate::shot(c, "proposal-unsatisfied-phone").await;
    crate::logout(c).await;

    unit_replies(c, base, id, "阎城函〔2027〕9号", "A").await;
    crate::logout(c).await;

    proposer_rates(c, base, id, "satisfied").await;
    assert_eq!(crate::text_of(c, "#state").await, "已办结");
    assert!(crate::text_of(c, "#evaluations").await.contains("满意"));
    show_handling(c).await;
    crate::shot(c, "proposal-closed-phone").await;
    c.set_window_size(1280, 900).await.unwrap();
    show_handling(c).await;
    crate::shot(c, "proposal-closed-desktop").await;
    crate::logout(c).await;
    d.finish().await;
}
