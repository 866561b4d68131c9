//! Proposal pages (issue 29) through HTTP: a member drafts (what is typed is
//! kept when refused), invites a co-signer of the same body (one outside is
//! refused), the co-signer confirms on their page, the member files; the
//! committee's queue, its decisions with the reasons the proposer then reads,
//! and the body's settings with its length cap.

use crate::app::TestApp;
use axum::http::StatusCode;

/// The id in a `/proposals/{id}?…` redirect.
fn id_of(location: Option<&str>) -> i64 {
    let l = location.expect("a redirect");
    l.trim_start_matches("/proposals/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{l}"))
}

async fn category(app: &TestApp, name: &str) -> String {
    let id: i64 = sqlx::query_scalar(
        "SELECT c.id FROM proposal_options c JOIN orgs o ON o.id = c.org_id
          WHERE o.code = 'yanliang' AND c.list = 'category' AND c.name = $1",
    )
    .bind(name)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    id.to_string()
}

#[tokio::test]
async fn a_member_drafts_cosigns_files_and_the_committee_decides() {
    let app = TestApp::new().await;
    let cat = category(&app, "城乡建设").await;
    let mut fh1 = app.login("member-fh-01").await;

    // The member's home page and "my proposals" link to drafting.
    let home = fh1.get("/").await;
    assert!(
        home.body.contains("href=\"/proposals/mine\""),
        "home links my proposals"
    );
    let mine = fh1.get("/proposals/mine").await;
    assert_eq!(mine.status, StatusCode::OK);
    // The demo's draft of member-gs-01 waits for member-fh-01's signature.
    assert!(mine.body.contains("关于加强中小学生心理健康教育的建议"));
    assert_eq!(fh1.get("/proposals/new").await.status, StatusCode::OK);

    // A title too long: refused, every field kept.
    let long_title = "校".repeat(101);
    let r = fh1
        .post(
            "/proposals",
            &[
                ("title", long_title.as_str()),
                ("category", cat.as_str()),
                ("situation", "校门口上下学时段人车混行"),
                ("analysis", "缺少人行横道"),
                ("suggestions", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("案由为1到100个字"), "the title's message");
    assert!(r
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"title-error\""));
    assert!(r.body.contains(&long_title) && r.body.contains("校门口上下学时段人车混行"));

    // Saved as a draft without suggestions yet.
    let r = fh1
        .post(
            "/proposals",
            &[
                ("title", "关于校门口交通安全的建议"),
                ("category", cat.as_str()),
                ("situation", "校门口上下学时段人车混行"),
                ("analysis", "缺少人行横道"),
                ("suggestions", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = id_of(r.location.as_deref());
    let page = fh1.get(&format!("/proposals/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"draft-form\"") && page.body.contains("id=\"invite-form\""));

    // A co-signer outside the body: refused with a message, the page as it was.
    let admin = xieshang_store::account::user::actor(&app.t.db, app.user_id("admin").await)
        .await
        .unwrap();
    let street = app.org_id("beilin-nanyuanmen").await;
    let outsider = xieshang_store::account::user::create(
        &app.t.db,
        &admin,
        "member-bl-01",
        "碑林委员",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        street,
    )
    .await
    .unwrap();
    xieshang_store::account::user::grant(
        &app.t.db,
        &admin,
        outsider,
        xieshang_core::Role::Member,
        street,
    )
    .await
    .unwrap();
    let r = fh1
        .post(
            &format!("/proposals/{id}/invite"),
            &[("cosigner", outsider.to_string().as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("联名人须是本级政协委员"),
        "outsider refused"
    );
    let fh2_id = app.user_id("member-fh-02").await;
    let r = fh1
        .post(
            &format!("/proposals/{id}/invite"),
            &[("cosigner", fh2_id.to_string().as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Filing without suggestions: what was typed is saved and kept, the
    // suggestions marked.
    let r = fh1
        .post(
            &format!("/proposals/{id}/save"),
            &[
                ("title", "关于校门口交通安全的建议"),
                ("category", cat.as_str()),
                ("situation", "校门口上下学时段人车混行，家长车辆占道"),
                ("analysis", "缺少人行横道"),
                ("suggestions", ""),
                ("then", "file"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("请填写具体建议"));
    assert!(r.body.contains("aria-describedby=\"suggestions-error\""));
    assert!(r.body.contains("家长车辆占道"));
    let kept: String = sqlx::query_scalar("SELECT situation FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(kept, "校门口上下学时段人车混行，家长车辆占道");

    // With suggestions, but the co-signer has not answered.
    let text = [
        ("title", "关于校门口交通安全的建议"),
        ("category", cat.as_str()),
        ("situation", "校门口上下学时段人车混行，家长车辆占道"),
        ("analysis", "缺少人行横道"),
        ("suggestions", "一、施划人行横道；二、设置护学岗。"),
        ("then", "save"),
    ];
    let r = fh1.post(&format!("/proposals/{id}/save"), &text).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut filing = text.to_vec();
    filing[5] = ("then", "file");
    let r = fh1.post(&format!("/proposals/{id}/save"), &filing).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("还有联名委员没有答复"));

    // The co-signer sees it waiting, on the home page and their list, and confirms.
    let mut fh2 = app.login("member-fh-02").await;
    let mine = fh2.get("/proposals/mine").await;
    assert!(mine.body.contains("关于校门口交通安全的建议"));
    let page = fh2.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("id=\"answer-form\"") && !page.body.contains("id=\"draft-form\""));
    let r = fh2
        .post(&format!("/proposals/{id}/answer"), &[("answer", "confirm")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Someone else's member may not read it.
    let mut gs1 = app.login("member-gs-01").await;
    assert_eq!(
        gs1.get(&format!("/proposals/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    let r = fh1.post(&format!("/proposals/{id}/save"), &filing).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.unwrap().contains("ok=proposal.filed"));

    // The committee: its home page, its queue, a refused decision kept, then
    // acceptance with a number.
    let mut committee = app.login("committee").await;
    let home = committee.get("/").await;
    assert!(home.body.contains("href=\"/proposals/review\""));
    let queue = committee.get("/proposals/review").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&format!("/proposals/{id}\"")));
    let r = committee
        .post(
            &format!("/proposals/{id}/review"),
            &[("action", "return"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("请写明理由"));
    let r = committee
        .post(&format!("/proposals/{id}/review"), &[("action", "accept")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = fh1.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("已立案"));
    // The demo accepted 第1号 of the session already.
    assert!(page.body.contains("第2号"), "{}", page.body);
    assert!(page.body.contains("第十届第五次会议"));

    // Not accepted, on a ground, with a note: the proposer reads both.
    let other: i64 = sqlx::query_scalar(
        "SELECT p.id FROM proposals p WHERE p.title = '关于推进老旧小区加装电梯的建议'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let ground: i64 = sqlx::query_scalar(
        "SELECT c.id FROM proposal_options c JOIN orgs o ON o.id = c.org_id
          WHERE o.code = 'yanliang' AND c.list = 'ground' AND c.name = '已经解决或正在解决'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let r = committee
        .post(
            &format!("/proposals/{other}/review"),
            &[
                ("action", "reject"),
                ("ground", ground.to_string().as_str()),
                ("note", "区住建局已将加装电梯列入今年民生实事。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut fh2 = app.login("member-fh-02").await;
    let page = fh2.get(&format!("/proposals/{other}")).await;
    assert!(page.body.contains("不予立案"));
    assert!(page.body.contains("已经解决或正在解决"));
    assert!(page.body.contains("区住建局已将加装电梯列入今年民生实事。"));
}

#[tokio::test]
async fn over_the_cap_is_refused_with_the_text_kept() {
    let app = TestApp::new().await;
    let cat = category(&app, "社会事业").await;
    let yanliang = app.org_id("yanliang").await;
    let mut staff = app.login("staff").await;
    let settings = staff.get("/proposal-settings").await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(settings.body.contains("第五次会议") && settings.body.contains("经济建设"));
    let r = staff
        .post(
            "/proposal-settings/cap",
            &[("org", yanliang.to_string().as_str()), ("cap", "10")],
        )
        .await;
    // Back with the number kept and marked (issue 26 point 8).
    crate::forms::assert_marked(&r, &format!("cap-{yanliang}"));
    crate::forms::assert_value(&r.body, &format!("cap-{yanliang}"), "10");
    let r = staff
        .post(
            "/proposal-settings/cap",
            &[("org", yanliang.to_string().as_str()), ("cap", "200")],
        )
        .await;
    assert!(r.location.unwrap().contains("ok=common.saved"));
    let mut fh6 = app.login("member-fh-06").await;
    let new = fh6.get("/proposals/new").await;
    assert!(new.body.contains("本级政协限200字"));
    let long = "养".repeat(250);
    let r = fh6
        .post(
            "/proposals",
            &[
                ("title", "关于养老服务的建议"),
                ("category", cat.as_str()),
                ("situation", long.as_str()),
                ("analysis", "分析"),
                ("suggestions", "建议"),
            ],
        )
        .await;
    let id = id_of(r.location.as_deref());
    let r = fh6
        .post(
            &format!("/proposals/{id}/save"),
            &[
                ("title", "关于养老服务的建议"),
                ("category", cat.as_str()),
                ("situation", long.as_str()),
                ("analysis", "分析"),
                ("suggestions", "建议"),
                ("then", "file"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("提案超过本级政协的字数上限"));
    assert!(r.body.contains(&long));
    let state: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(state, "draft");
}

#[tokio::test]
async fn the_committee_assigns_and_the_unit_finds_it_in_its_queue() {
    let app = TestApp::new().await;
    // The demo's accepted proposal (第1号) waits for assignment.
    let id: i64 = sqlx::query_scalar("SELECT id FROM proposals WHERE state = 'accepted'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let mut committee = app.login("committee").await;
    let page = committee.get(&format!("/proposals/{id}")).await;
    assert!(page.body.contains("id=\"assign-form\""));
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    let wjj = app.org_id("yanliang-wjj").await.to_string();
    let beilin = app.org_id("beilin-cgj").await.to_string();
    // A unit of another body: refused, what was ticked kept.
    let r = committee
        .post(
            &format!("/proposals/{id}/assign"),
            &[
                ("lead", wjj.as_str()),
                ("co", beilin.as_str()),
                ("co", cgj.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("请从本级政协的部门中选择主办和会办单位"));
    assert!(r
        .body
        .contains(&format!("value=\"{cgj}\" id=\"co-{cgj}\" checked")));
    let r = committee
        .post(
            &format!("/proposals/{id}/assign"),
            &[("lead", wjj.as_str()), ("co", cgj.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The co-handling unit's handler: on the home page, in the queue, the page.
    let mut handler = app.login("handler").await;
    let home = handler.get("/").await;
    assert!(home.body.contains("href=\"/proposals/assigned\""));
    let queue = handler.get("/proposals/assigned").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&format!("/proposals/{id}\"")));
    assert!(queue.body.contains("会办单位"));
    let page = handler.get(&format!("/proposals/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("阎良区卫生健康局") && page.body.contains("主办单位"));
    // Another district's staff: as if it did not exist.
    let mut beilin_staff = app.login("staff-beilin").await;
    assert_eq!(
        beilin_staff.get(&format!("/proposals/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}
