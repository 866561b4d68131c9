//! Issue 31's supervision story (points 1–3, 5, 7, 8) through HTTP on the
//! sample city: 未央区's group 2 agrees its plan with the district's
//! market-supervision bureau (the bureau accepts it), holds an inspection
//! logged with a photo, sends an opinion on food-safety checks at a market;
//! the bureau answers with its rectification plan and then its result; the
//! group rates it; the public page shows it. Then the refusals that keep what
//! was typed, the deadlines on the engine, and who sees nothing. Runs on
//! PostgreSQL with `XIESHANG_TEST_PG` like the rest of the suite.

use crate::app::{Resp, TestApp};
use axum::http::StatusCode;

const TITLE: &str = "关于加强农贸市场食品安全抽检的监督意见";
const BODY: &str = "小组在西三环农贸市场视察时发现，部分摊位的蔬菜、肉类抽检记录不全，\
                    快检室设备长期闲置。建议增加抽检频次，公示抽检结果。";
const MARKET: &str = "未央区市场监督管理局";

async fn group2(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM supervision_groups WHERE name = '第二民主监督小组'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

async fn market(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM orgs WHERE name = $1")
        .bind(MARKET)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

/// The date `days` days from the app's clock, as the form takes it.
fn date_in(app: &TestApp, days: i64) -> String {
    let now = app.clock.load(std::sync::atomic::Ordering::SeqCst);
    xieshang_core::calendar::cst_date(now + days * 86_400_000)
        .format("%Y-%m-%d")
        .to_string()
}

fn id_after(location: &str, prefix: &str) -> i64 {
    location
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{location} starts with {prefix}"))
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

fn see_other(r: &Resp) -> &str {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location.as_deref().unwrap()
}

async fn events(app: &TestApp, id: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM item_events WHERE kind = 'supervision_opinion' AND item_id = $1
          ORDER BY id",
    )
    .bind(id)
    .fetch_all(app.t.db.pool())
    .await
    .unwrap()
}

/// Group 2's plan with the bureau and the opinion, sent by member-wy-01;
/// returns the opinion's id.
async fn plan_and_opinion(app: &TestApp) -> i64 {
    let (g, m) = (group2(app).await, market(app).await);
    let mut member = app.login("member-wy-01").await;
    let r = member
        .post(
            &format!("/supervision/groups/{g}/opinions"),
            &[
                ("opinion_title", TITLE),
                ("body", BODY),
                ("department", &m.to_string()),
                ("deadline", &date_in(app, 30)),
            ],
        )
        .await;
    id_after(see_other(&r), "/supervision/opinions/")
}

#[tokio::test]
async fn group_two_agrees_its_plan_inspects_sends_an_opinion_and_the_bureau_rectifies() {
    let app = TestApp::new().await;
    let (g, m) = (group2(&app).await, market(&app).await);

    // 未央区 has its 43 departments and 5 groups; the staff see them.
    let mut staff = app.login("staff-weiyang").await;
    let home = staff.get("/supervision").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.body.matches("/supervision/groups/").count(), 5);
    let depts: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orgs WHERE kind = 'department' AND parent_id = $1",
    )
    .bind(app.org_id("weiyang").await)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(depts, 43);
    let posted: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT dept_id) FROM supervision_postings")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(posted, 43, "the 5 groups cover the 43 departments");

    // The member reaches the group from the menu's page and agrees the plan.
    let mut member = app.login("member-wy-01").await;
    let page = member.get("/").await;
    assert!(page.body.contains("id=\"nav-supervision\""));
    let mine = member.get("/supervision").await;
    assert!(mine.body.contains(&format!("/supervision/groups/{g}")));
    let year = date_in(&app, 0)[..4].to_owned();
    let r = member
        .post(
            &format!("/supervision/groups/{g}/plans"),
            &[
                ("plan_department", &m.to_string()),
                ("year", &year),
                ("topics", "农贸市场食品安全抽检"),
                (
                    "planned",
                    &format!("{year}-03-15 视察农贸市场\n{year}-06-20 座谈会"),
                ),
            ],
        )
        .await;
    see_other(&r);

    // The bureau's handler accepts it: who and when are recorded.
    let mut bureau = app.login("handler-wy-scj").await;
    let waiting = bureau.get("/supervision").await;
    let plan: i64 =
        sqlx::query_scalar("SELECT id FROM supervision_plans WHERE group_id = $1 AND dept_id = $2")
            .bind(g)
            .bind(m)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert!(waiting
        .body
        .contains(&format!("/supervision/plans/{plan}/accept")));
    let r = bureau
        .post(&format!("/supervision/plans/{plan}/accept"), &[])
        .await;
    see_other(&r);
    let by: Option<i64> =
        sqlx::query_scalar("SELECT accepted_by FROM supervision_plans WHERE id = $1")
            .bind(plan)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(by, Some(app.user_id("handler-wy-scj").await));
    let page = member.get(&format!("/supervision/groups/{g}")).await;
    assert!(
        page.body.contains("市场监管局经办人 · "),
        "the acceptance shows who"
    );

    // The inspection, logged with a photo.
    let r = member
        .post_multipart(
            &format!("/supervision/groups/{g}/activities"),
            &[
                ("kind", "inspection"),
                ("activity_department", &m.to_string()),
                ("title", "视察西三环农贸市场快检室"),
                ("held_on", &date_in(&app, -1)),
                ("phone", ""),
                ("note", "快检设备闲置，抽检记录不全"),
            ],
            &[("photos", "market.jpg", crate::story::jpeg_with_exif())],
        )
        .await;
    see_other(&r);
    let page = member.get(&format!("/supervision/groups/{g}")).await;
    assert!(page.body.contains("视察西三环农贸市场快检室"));
    let token: String = sqlx::query_scalar(
        "SELECT public_token FROM attachments WHERE kind = 'supervision_activity' ORDER BY id DESC",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert!(page.body.contains(&format!("src=\"/photos/{token}\"")));

    // The opinion, then the bureau's home counts it.
    let id = plan_and_opinion(&app).await;
    let home = bureau.get("/").await;
    assert!(
        home.body.contains(
            "href=\"/supervision\">待本部门答复的监督意见</a>：<strong class=\"count\">1</strong>"
        ),
        "{}",
        home.body
    );

    // The plan first (the body's rules), then the result.
    let r = bureau
        .post(
            &format!("/supervision/opinions/{id}/result"),
            &[("text", "已全部整改")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("本级规则要求先提交整改方案"));
    assert!(
        r.body.contains("已全部整改</textarea>"),
        "what was typed is kept"
    );
    let r = bureau
        .post(
            &format!("/supervision/opinions/{id}/plan"),
            &[(
                "text",
                "一、每周对西三环农贸市场抽检两次；二、快检室专人值守；三、抽检结果每周公示。",
            )],
        )
        .await;
    see_other(&r);
    let r = bureau
        .post(
            &format!("/supervision/opinions/{id}/result"),
            &[(
                "text",
                "已落实：本月抽检86批次，合格率98.8%，结果在市场入口公示。",
            )],
        )
        .await;
    see_other(&r);

    // The group rates it; the opinion closes.
    let r = member
        .post(
            &format!("/supervision/opinions/{id}/rate"),
            &[
                ("rating", "satisfied"),
                ("note", "整改措施具体，结果公开。"),
            ],
        )
        .await;
    see_other(&r);
    let page = member.get(&format!("/supervision/opinions/{id}")).await;
    assert!(page.body.contains("id=\"opinion-state\">已办结<"));
    assert_eq!(
        events(&app, id).await,
        ["submit", "progress", "resolve", "feedback_satisfied"],
        "every step on the timeline"
    );
    let home = bureau.get("/").await;
    assert!(home
        .body
        .contains("待本部门答复的监督意见</a>：<strong class=\"count\">0</strong>"));

    // The public page, without an account.
    let mut anyone = app.client();
    let public = anyone.get("/supervision/public/weiyang").await;
    assert_eq!(public.status, StatusCode::OK);
    for text in [
        TITLE,
        MARKET,
        "第二民主监督小组",
        "已办结",
        "合格率98.8%",
        "社会和法制委员会",
    ] {
        assert!(public.body.contains(text), "the public page shows {text}");
    }
    assert!(
        !public.body.contains("市场监管局经办人"),
        "no handler's name"
    );
    // The demo's contact card: the public phone number people may call.
    let page = member.get(&format!("/supervision/groups/{g}")).await;
    assert!(page.body.contains("href=\"tel:029-86251234\""));
}

#[tokio::test]
async fn an_opinion_without_department_or_deadline_is_refused_with_everything_kept() {
    let app = TestApp::new().await;
    let g = group2(&app).await;
    let mut member = app.login("member-wy-01").await;
    let r = member
        .post(
            &format!("/supervision/groups/{g}/opinions"),
            &[
                ("opinion_title", TITLE),
                ("body", BODY),
                ("department", ""),
                ("deadline", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"department-error\""));
    assert!(r.body.contains("请选择监督意见送达的部门"));
    assert!(r.body.contains("id=\"deadline-error\""));
    assert!(r.body.contains("请填写整改结果的报送期限"));
    assert!(
        r.body.contains(&format!("value=\"{TITLE}\"")),
        "the title is kept"
    );
    assert!(r.body.contains("快检室设备长期闲置"), "the opinion is kept");
    // A deadline past the body's working days for a result.
    let m = market(&app).await;
    let r = member
        .post(
            &format!("/supervision/groups/{g}/opinions"),
            &[
                ("opinion_title", TITLE),
                ("body", BODY),
                ("department", &m.to_string()),
                ("deadline", &date_in(&app, 400)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("本级规则规定的工作日之内"));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM supervision_opinions WHERE title = $1")
        .bind(TITLE)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing sent");
}

#[tokio::test]
async fn a_reply_after_the_opinion_closed_is_refused_with_the_text_kept() {
    let app = TestApp::new().await;
    let id = plan_and_opinion(&app).await;
    let mut bureau = app.login("handler-wy-scj").await;
    see_other(
        &bureau
            .post(
                &format!("/supervision/opinions/{id}/plan"),
                &[("text", "整改方案")],
            )
            .await,
    );
    see_other(
        &bureau
            .post(
                &format!("/supervision/opinions/{id}/result"),
                &[("text", "整改结果")],
            )
            .await,
    );
    let mut member = app.login("member-wy-01").await;
    see_other(
        &member
            .post(
                &format!("/supervision/opinions/{id}/rate"),
                &[("rating", "basically_satisfied")],
            )
            .await,
    );
    let r = bureau
        .post(
            &format!("/supervision/opinions/{id}/result"),
            &[("text", "补充整改情况：又抽检20批次")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("该监督意见已办结"));
    assert!(r.body.contains("补充整改情况：又抽检20批次</textarea>"));
    assert_eq!(events(&app, id).await.len(), 4, "nothing written");
}

#[tokio::test]
async fn a_photo_over_the_limit_is_refused_with_the_activity_kept() {
    let app = TestApp::new().await;
    let g = group2(&app).await;
    let mut member = app.login("member-wy-01").await;
    let big = vec![0u8; xieshang_store::concern::photo::MAX_BYTES + 1];
    let r = member
        .post_multipart(
            &format!("/supervision/groups/{g}/activities"),
            &[
                ("kind", "inspection"),
                ("title", "视察农贸市场"),
                ("held_on", &date_in(&app, 0)),
                ("note", "抽检记录不全"),
            ],
            &[("photos", "huge.jpg", big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"photos-error\""));
    assert!(r.body.contains("value=\"视察农贸市场\""));
    assert!(r.body.contains("抽检记录不全</textarea>"));
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM supervision_activities WHERE title = '视察农贸市场'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(n, 0);
    // A contact card without its phone number.
    let r = member
        .post_multipart(
            &format!("/supervision/groups/{g}/activities"),
            &[
                ("kind", "contact_card"),
                ("title", "监督联系卡"),
                ("held_on", &date_in(&app, 0)),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"phone-error\""));
}

#[tokio::test]
async fn an_unanswered_opinion_is_reminded_then_escalated_in_working_days() {
    let app = TestApp::new().await;
    let id = plan_and_opinion(&app).await;
    let due: i64 = sqlx::query_scalar("SELECT plan_due_at FROM supervision_opinions WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let now = app.clock.load(std::sync::atomic::Ordering::SeqCst);
    let cal = xieshang_core::calendar::Calendar::builtin();
    assert_eq!(
        due,
        cal.deadline_after(now, 10),
        "10 working days by default"
    );
    let worker = app.worker(None);
    app.set_clock(due - 86_400_000);
    worker.run_until_idle().await.unwrap();
    assert_eq!(events(&app, id).await, ["submit", "remind"]);
    app.set_clock(due + 1);
    worker.run_until_idle().await.unwrap();
    assert_eq!(events(&app, id).await, ["submit", "remind", "escalate"]);
    // Answered: the result's stages come; the plan's old ones do nothing.
    let mut bureau = app.login("handler-wy-scj").await;
    see_other(
        &bureau
            .post(
                &format!("/supervision/opinions/{id}/plan"),
                &[("text", "整改方案")],
            )
            .await,
    );
    worker.run_until_idle().await.unwrap();
    assert_eq!(
        events(&app, id).await,
        ["submit", "remind", "escalate", "progress"]
    );
}

#[tokio::test]
async fn the_rules_apply_to_every_group_and_others_see_nothing() {
    let app = TestApp::new().await;
    let mut staff = app.login("staff-weiyang").await;
    let r = staff
        .post(
            "/supervision/settings",
            &[("plan_days", "0"), ("result_days", "abc")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"plan_days-error\"") && r.body.contains("value=\"abc\""));
    see_other(
        &staff
            .post(
                "/supervision/settings",
                &[("plan_days", "5"), ("result_days", "30")],
            )
            .await,
    );
    // Without the plan as a required step, the result may come first; the
    // plan is due 5 working days out for every group.
    let id = plan_and_opinion(&app).await;
    let now = app.clock.load(std::sync::atomic::Ordering::SeqCst);
    let due: i64 = sqlx::query_scalar("SELECT plan_due_at FROM supervision_opinions WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(
        due,
        xieshang_core::calendar::Calendar::builtin().deadline_after(now, 5)
    );
    let mut bureau = app.login("handler-wy-scj").await;
    see_other(
        &bureau
            .post(
                &format!("/supervision/opinions/{id}/result"),
                &[("text", "已整改")],
            )
            .await,
    );
    // Another district's staff, a handler of another department, a member
    // outside the group: as if it did not exist.
    let g = group2(&app).await;
    for who in ["staff-beilin", "handler", "member-wy-15"] {
        let mut c = app.login(who).await;
        let r = c.get(&format!("/supervision/opinions/{id}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
        let r = c.get(&format!("/supervision/groups/{g}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
        let missing = c.get("/supervision/opinions/999999").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
    // A member outside the group cannot send in its name.
    let mut other = app.login("member-wy-15").await;
    let r = other
        .post(
            &format!("/supervision/groups/{g}/opinions"),
            &[
                ("opinion_title", TITLE),
                ("body", BODY),
                ("department", &market(&app).await.to_string()),
                ("deadline", &date_in(&app, 20)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// The notification kinds about opinion `id` that `user` has, in order.
async fn notices(app: &TestApp, user: &str, id: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT n.kind FROM notifications n JOIN users u ON u.id = n.user_id
          WHERE u.username = $1 AND n.item_kind = 'supervision_opinion' AND n.item_id = $2
          ORDER BY n.id",
    )
    .bind(user)
    .bind(id)
    .fetch_all(app.t.db.pool())
    .await
    .unwrap()
}

/// Each step tells whoever must act next, and the notice opens the opinion
/// for them: the bureau hears of the opinion, its reminder and its passed
/// deadline; the group (and the body's staff, once overdue) hear of the
/// plan and the result; the bureau hears of the rating.
#[tokio::test]
async fn each_step_tells_who_must_act_and_the_notice_opens_the_opinion() {
    let app = TestApp::new().await;
    let id = plan_and_opinion(&app).await;
    assert_eq!(
        notices(&app, "handler-wy-scj", id).await,
        ["supervision_opinion"]
    );
    assert!(notices(&app, "member-wy-01", id).await.is_empty());
    let link = format!("href=\"/supervision/opinions/{id}\"");
    let mut bureau = app.login("handler-wy-scj").await;
    let page = bureau.get("/notifications").await;
    assert!(page.body.contains(&link), "{}", page.body);
    assert!(page.body.contains("监督小组发来监督意见"), "{}", page.body);
    assert_eq!(
        bureau
            .get(&format!("/supervision/opinions/{id}"))
            .await
            .status,
        StatusCode::OK
    );

    let due: i64 = sqlx::query_scalar("SELECT plan_due_at FROM supervision_opinions WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let worker = app.worker(None);
    app.set_clock(due - 86_400_000);
    worker.run_until_idle().await.unwrap();
    app.set_clock(due + 1);
    worker.run_until_idle().await.unwrap();
    assert_eq!(
        notices(&app, "handler-wy-scj", id).await,
        [
            "supervision_opinion",
            "supervision_reminder",
            "supervision_overdue"
        ]
    );
    assert_eq!(
        notices(&app, "member-wy-01", id).await,
        ["supervision_overdue"]
    );
    assert_eq!(
        notices(&app, "staff-weiyang", id).await,
        ["supervision_overdue"]
    );
    let mut staff = app.login("staff-weiyang").await;
    assert!(staff.get("/notifications").await.body.contains(&link));
    assert_eq!(
        staff
            .get(&format!("/supervision/opinions/{id}"))
            .await
            .status,
        StatusCode::OK
    );

    for (path, text) in [
        ("plan", "整改方案：每周抽检两次"),
        ("result", "已按方案整改"),
    ] {
        see_other(
            &bureau
                .post(
                    &format!("/supervision/opinions/{id}/{path}"),
                    &[("text", text)],
                )
                .await,
        );
    }
    assert_eq!(
        notices(&app, "member-wy-01", id).await,
        [
            "supervision_overdue",
            "supervision_plan",
            "supervision_result"
        ]
    );
    let mut member = app.login("member-wy-01").await;
    assert!(member.get("/notifications").await.body.contains(&link));
    see_other(
        &member
            .post(
                &format!("/supervision/opinions/{id}/rate"),
                &[("rating", "satisfied"), ("note", "")],
            )
            .await,
    );
    assert_eq!(
        notices(&app, "handler-wy-scj", id)
            .await
            .last()
            .map(String::as_str),
        Some("supervision_rated")
    );
}
