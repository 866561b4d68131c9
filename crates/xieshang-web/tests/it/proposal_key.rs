//! Key proposals and disclosure through HTTP (issue 29 points 8, 9, 12, 16):
//! the committee nominates and opens a ballot, a leader votes on the ballot
//! page (a choice beyond the quota and a vote after the close are refused
//! with what to change, the ticks kept), the committee closes it and names a
//! supervising leader, who records a visit; the leader's home page links
//! the ballot and the supervised list. The proposer chooses disclosure (no
//! reason: refused, what was typed kept); the body's public pages list the
//! public accepted proposals with the proposers' names only.

use crate::app::TestApp;
use axum::http::StatusCode;
use xieshang_core::proposal::Text;
use xieshang_store::proposal::{self, review};

async fn actor(app: &TestApp, username: &str) -> xieshang_core::Actor {
    let id = app.user_id(username).await;
    xieshang_store::account::user::actor(&app.t.db, id)
        .await
        .unwrap()
}

/// A proposal of `username` filed and accepted by the committee.
async fn accepted(app: &TestApp, username: &str, title: &str) -> i64 {
    let author = actor(app, username).await;
    let body = app.org_id("yanliang").await;
    let c = proposal::settings::entries(&app.t.db, body, proposal::settings::List::Category, false)
        .await
        .unwrap()[0]
        .id;
    let text = Text {
        title: title.into(),
        situation: "上下学时段校门口人车混行".into(),
        analysis: "缺少护学岗".into(),
        suggestions: "设置潮汐车道".into(),
    };
    let id = proposal::create_draft(&app.t.db, &author, &text, Some(c))
        .await
        .unwrap();
    proposal::file(&app.t.db, &author, id).await.unwrap();
    let committee = actor(app, "committee").await;
    review::decide(
        &app.t.db,
        &committee,
        id,
        review::Decision::Accept { category: None },
    )
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn leaders_vote_on_their_ballot_and_supervise_the_key_proposals() {
    let app = TestApp::new().await;
    let a = accepted(&app, "member-fh-05", "关于增设护学岗的建议").await;
    let b = accepted(&app, "member-fh-06", "关于改造老旧小区的建议").await;
    let mut committee = app.login("committee").await;
    let mut leader = app.login("leader").await;
    let mut staff = app.login("staff").await;

    // The committee nominates on the proposal's page.
    for id in [a, b] {
        let page = committee.get(&format!("/proposals/{id}")).await;
        assert!(page.body.contains("id=\"nominate\""));
        let r = committee
            .post(&format!("/proposals/{id}/nominate"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{:?}", r.location);
    }
    let r = committee
        .post(&format!("/proposals/{a}/nominate"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let page = committee.get("/proposals/ballots").await;
    assert!(page.body.contains("关于增设护学岗的建议"));
    let session = proposal::get(
        &app.t.db,
        &actor(&app, "committee").await,
        xieshang_core::Permission::ProposalView,
        a,
    )
    .await
    .unwrap()
    .session_id
    .unwrap()
    .to_string();
    // A closing time gone: refused with what to change.
    let r = committee
        .post(
            "/proposals/ballots",
            &[
                ("session", session.as_str()),
                ("quota", "1"),
                ("closes_at", "2000-01-01T09:00"),
            ],
        )
        .await;
    assert!(r
        .location
        .as_deref()
        .unwrap()
        .contains("err=err.proposal.ballot_closes"));
    let r = committee
        .post(
            "/proposals/ballots",
            &[
                ("session", session.as_str()),
                ("quota", "1"),
                ("closes_at", "2099-01-01T09:00"),
            ],
        )
        .await;
    assert!(
        r.location.as_deref().unwrap().contains("ok="),
        "{r:?}",
        r = r.location
    );
    let ballot: i64 = sqlx::query_scalar("SELECT MAX(id) FROM proposal_ballots")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let ballot_s = ballot.to_string();
    let (a_s, b_s) = (a.to_string(), b.to_string());

    // The leader's home page links the ballot and the supervised list.
    let home = leader.get("/").await;
    assert!(home.body.contains("href=\"/proposals/ballot\""));
    assert!(home.body.contains("href=\"/proposals/supervised\""));
    let page = leader.get("/proposals/ballot").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("关于改造老旧小区的建议"));
    // Two ticks for a quota of one: refused, both ticks kept.
    let r = leader
        .post(
            "/proposals/ballot",
            &[
                ("ballot", ballot_s.as_str()),
                ("pick", a_s.as_str()),
                ("pick", b_s.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("所选候选超过名额"));
    for id in [a, b] {
        assert!(r
            .body
            .contains(&format!("id=\"pick-{ballot}-{id}\" checked")));
    }
    assert!(r.body.contains("aria-invalid=\"true\""));
    let r = leader
        .post(
            "/proposals/ballot",
            &[("ballot", ballot_s.as_str()), ("pick", b_s.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = leader.get("/proposals/ballot").await;
    assert!(page
        .body
        .contains(&format!("id=\"pick-{ballot}-{b}\" checked")));
    // Not a leader: not their page, not their vote.
    assert_eq!(
        staff.get("/proposals/ballot").await.status,
        StatusCode::FORBIDDEN
    );
    let r = staff
        .post(
            "/proposals/ballot",
            &[("ballot", ballot_s.as_str()), ("pick", a_s.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The committee closes; the leader's later vote is refused and the
    // result shown.
    let r = committee
        .post("/proposals/ballots/close", &[("ballot", ballot_s.as_str())])
        .await;
    assert!(r.location.as_deref().unwrap().contains("ok="));
    let r = leader
        .post(
            "/proposals/ballot",
            &[("ballot", ballot_s.as_str()), ("pick", a_s.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("投票已截止"));
    let page = committee.get(&format!("/proposals/{b}")).await;
    assert!(page.body.contains("id=\"key-status\""));
    assert!(page.body.contains("确定为重点提案"));

    // A supervising leader, then their visit with its note; an empty note
    // is refused with the choice kept.
    let leader_id = app.user_id("leader").await.to_string();
    let r = committee
        .post(
            &format!("/proposals/{b}/supervisor"),
            &[("leader", leader_id.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = leader.get("/proposals/supervised").await;
    assert!(list.body.contains("关于改造老旧小区的建议"));
    let r = leader
        .post(
            &format!("/proposals/{b}/supervise"),
            &[("what", "instruct"), ("supervise_note", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("请写明督办情况或批示内容"));
    assert!(r
        .body
        .contains("value=\"instruct\" id=\"what-instruct\" checked"));
    let r = leader
        .post(
            &format!("/proposals/{b}/supervise"),
            &[("what", "urge"), ("supervise_note", "到现场察看护学岗设置")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = leader.get(&format!("/proposals/{b}")).await;
    assert!(page.body.contains("到现场察看护学岗设置"));
}

#[tokio::test]
async fn the_public_pages_list_public_proposals_with_proposers_names_only() {
    let app = TestApp::new().await;
    let body = app.org_id("yanliang").await;
    let open = accepted(&app, "member-fh-08", "关于校门口交通安全的建议").await;
    let private = accepted(&app, "member-fh-09", "关于某地块规划调整的建议").await;
    let unchosen = accepted(&app, "member-fh-10", "关于公交线路优化的建议").await;
    // Personal data that must not show.
    sqlx::query(
        "UPDATE users SET email = 'fh08-secret@example.cn' WHERE username = 'member-fh-08'",
    )
    .execute(app.t.db.pool())
    .await
    .unwrap();
    let mut fh8 = app.login("member-fh-08").await;
    let mut fh9 = app.login("member-fh-09").await;

    // Not public without a reason: refused, the choice kept.
    let page = fh8.get(&format!("/proposals/{open}")).await;
    assert!(page.body.contains("id=\"disclosure-form\""));
    let r = fh9
        .post(
            &format!("/proposals/{private}/disclosure"),
            &[("disclosure", "private"), ("private_reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("选择不公开时请写明理由"));
    assert!(r
        .body
        .contains("value=\"private\" id=\"disclosure-private\" checked"));
    let r = fh9
        .post(
            &format!("/proposals/{private}/disclosure"),
            &[
                ("disclosure", "private"),
                ("private_reason", "涉及未公开的规划"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = fh8
        .post(
            &format!("/proposals/{open}/disclosure"),
            &[("disclosure", "public"), ("private_reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Another member may not choose for it.
    let r = fh9
        .post(
            &format!("/proposals/{open}/disclosure"),
            &[("disclosure", "private"), ("private_reason", "不要")],
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);

    // No login needed.
    let mut anon = app.client();
    let list = anon.get(&format!("/units/{body}/proposals")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("关于校门口交通安全的建议"));
    let fh8_name: String =
        sqlx::query_scalar("SELECT display_name FROM users WHERE username = 'member-fh-08'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert!(list.body.contains(&fh8_name));
    for hidden in ["关于某地块规划调整的建议", "关于公交线路优化的建议"] {
        assert!(!list.body.contains(hidden), "{hidden}");
    }
    // Searching by a substring of the text.
    let hit = anon
        .get(&format!("/units/{body}/proposals?q=%E6%BD%AE%E6%B1%90"))
        .await;
    assert!(hit.body.contains("关于校门口交通安全的建议"));
    let miss = anon
        .get(&format!("/units/{body}/proposals?q=%E5%9C%B0%E9%93%81"))
        .await;
    assert!(!miss.body.contains("关于校门口交通安全的建议"));
    assert!(miss.body.contains("id=\"public-empty\""));
    let one = anon.get(&format!("/units/{body}/proposals/{open}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.contains("设置潮汐车道"));
    assert!(!one.body.contains("id=\"key-badge\""));
    // A key proposal says so once, beside its title (as if chosen in a ballot).
    sqlx::query("UPDATE proposals SET key_at = 1 WHERE id = $1")
        .bind(open)
        .execute(app.t.db.pool())
        .await
        .unwrap();
    let key = anon.get(&format!("/units/{body}/proposals/{open}")).await;
    assert!(key.body.contains("id=\"key-badge\""));
    let main = key.body.split("<main").nth(1).unwrap_or_default();
    assert_eq!(main.matches("重点提案").count(), 1, "{main}");
    for page in [&list, &hit, &one] {
        assert!(!page.body.contains("fh08-secret@example.cn"));
        assert!(!page.body.contains("member-fh-08"));
    }
    // Private and unchosen ones, and another body's address: not found.
    for id in [private, unchosen] {
        let r = anon.get(&format!("/units/{body}/proposals/{id}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let beilin = app.org_id("beilin").await;
    let r = anon.get(&format!("/units/{beilin}/proposals/{open}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = anon.get(&format!("/units/{beilin}/proposals")).await;
    assert!(!r.body.contains("关于校门口交通安全的建议"));
}
