//! Issue 26, the staff side and the roles: the recorder reads what they
//! recorded, error pages keep the menu, a street's concern reaches the members
//! paired with its grids, the staff's forms keep their input and ask before
//! what cannot be undone.

use crate::app::{Client, TestApp};
use axum::http::StatusCode;

async fn concern_id(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM concerns WHERE tracking_code = $1")
        .bind(code)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

/// Records a concern through the recording form in `area`; returns its id.
pub async fn records(
    app: &TestApp,
    who: &mut Client,
    channel: &str,
    area: &str,
    title: &str,
) -> i64 {
    let r = who
        .post_multipart(
            "/record",
            &[
                ("channel", channel),
                ("category", "road"),
                ("area", area),
                ("title", title),
                (
                    "description",
                    "路口井盖松动，车辆经过响声很大，夜里影响休息",
                ),
                ("address", ""),
                ("name", "李阿姨"),
                ("phone", "13900001111"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.unwrap();
    let code = loc.rsplit("code=").next().unwrap()[..10].to_owned();
    concern_id(app, &code).await
}

#[tokio::test]
async fn the_liaison_officer_reads_what_she_recorded_and_follows_its_state() {
    let app = TestApp::new().await;
    let mut liaison = app.login("liaison").await;
    let id = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山路口井盖松动",
    )
    .await;
    // The notification's link opens the concern.
    let worker = app.worker(None);
    worker.run_until_idle().await.unwrap();
    let uid = app.user_id("liaison").await;
    let notes = xieshang_store::jobs::notifications(&app.t.db, uid, 10)
        .await
        .unwrap();
    assert!(
        notes.iter().any(|n| n.item_id == id),
        "the recorder is told of the new concern"
    );
    let page = liaison.get(&format!("/concerns/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("关山路口井盖松动"));
    // Reading is not acting: no triage buttons, and triage itself is refused.
    assert!(!page.body.contains("/transition"));
    let r = liaison
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Her own page lists it with its state.
    let my = liaison.get("/my").await;
    assert!(my.body.contains("id=\"my-recorded\""), "{}", my.body);
    assert!(my.body.contains("关山路口井盖松动"));
    assert!(my.body.contains("已提交"), "its state is shown");
    // Another liaison's concern stays hidden (not found, not forbidden).
    let mut member = app.login("member-fh-01").await;
    assert_eq!(
        member.get(&format!("/concerns/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_error_page_keeps_the_signed_in_menu() {
    let app = TestApp::new().await;
    let mut committee = app.login("committee").await;
    let r = committee.get("/concerns/999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("id=\"nav-my\""), "{}", r.body);
    assert!(r.body.contains("id=\"logout\""));
    let r = committee.get("/users").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("id=\"nav-notifications\""), "{}", r.body);
    // Anonymous visitors still get the plain page with the sign-in link.
    let mut anon = app.client();
    let r = anon.get("/concerns/999999").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

async fn dept(app: &TestApp, code: &str) -> String {
    app.org_id(code).await.to_string()
}

fn refused(r: &crate::app::Resp, key: &str) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.as_deref().unwrap_or("");
    assert!(loc.contains(&format!("err={key}")), "{loc}");
}

fn ok(r: &crate::app::Resp) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location.as_deref().unwrap_or("");
    assert!(!loc.contains("err="), "refused: {loc}");
}

#[tokio::test]
async fn a_concern_filed_at_street_level_reaches_the_members_paired_with_its_grids() {
    let app = TestApp::new().await;
    let worker = app.worker(None);
    let mut liaison = app.login("liaison").await;
    let id = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山街道路灯不亮",
    )
    .await;
    let mut staff = app.login("staff").await;
    // The concern page names who is paired with its area before anyone is assigned.
    let page = staff.get(&format!("/concerns/{id}")).await;
    let paired = page.body.split("id=\"paired-area\"").nth(1).unwrap_or("");
    let paired = paired.split("</p>").next().unwrap_or("");
    let member_name: String =
        sqlx::query_scalar("SELECT display_name FROM users WHERE username = 'member-gs-01'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert!(paired.contains(&member_name), "{paired}");
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    let cgj = dept(&app, "yanliang-cgj").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj), ("note", "")],
        )
        .await);
    worker.run_until_idle().await.unwrap();
    // The member paired with Guanshan's grids follows it and is told.
    let uid = app.user_id("member-gs-01").await;
    let notes = xieshang_store::jobs::notifications(&app.t.db, uid, 20)
        .await
        .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.item_id == id && n.kind == "assigned"),
        "{:?}",
        notes
            .iter()
            .map(|n| (&n.kind, n.item_id))
            .collect::<Vec<_>>()
    );
    let mut member = app.login("member-gs-01").await;
    let my = member.get("/my").await;
    assert!(
        my.body.contains("关山街道路灯不亮"),
        "on the member's own page"
    );
    // Fenghuang's members are not Guanshan's.
    let other = app.user_id("member-fh-01").await;
    let notes = xieshang_store::jobs::notifications(&app.t.db, other, 20)
        .await
        .unwrap();
    assert!(!notes.iter().any(|n| n.item_id == id));
}

#[tokio::test]
async fn staff_buttons_say_what_they_do_and_irreversible_steps_ask_first() {
    let app = TestApp::new().await;
    let mut liaison = app.login("liaison").await;
    let keep = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山菜市场占道",
    )
    .await;
    let dup = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "菜市场摊位占道",
    )
    .await;
    sqlx::query("UPDATE concerns SET address = '关山街道菜市场东口' WHERE id = $1")
        .bind(dup)
        .execute(app.t.db.pool())
        .await
        .unwrap();
    let keep_code: String = sqlx::query_scalar("SELECT tracking_code FROM concerns WHERE id = $1")
        .bind(keep)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let mut staff = app.login("staff").await;
    let page = staff.get(&format!("/concerns/{dup}")).await.body;
    // Accept is the primary button; reject is told apart.
    assert!(page.contains("id=\"do-accept\">"), "accept is primary");
    assert!(page.contains("id=\"do-reject\" class=\"danger\""));
    // Every box of merge and convert has a label; convert says what it does.
    assert!(page.contains("<label for=\"merge-note\">"));
    assert!(page.contains("<label for=\"convert-note\">"));
    assert!(page.contains("id=\"do-convert\">转为提案线索或社情民意<"));
    assert!(page.contains("id=\"confirm-merge\" required"));
    // The address is labelled for reading, not as the form's optional field.
    assert!(
        page.contains("详细地址：关山街道菜市场东口"),
        "address label"
    );
    assert!(!page.contains("详细地址（可选）"));
    // Merging without the box ticked is refused and changes nothing.
    let r = staff
        .post(&format!("/concerns/{dup}/merge"), &[("into", &keep_code)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="confirm-merge-error""#));
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, dup)
            .await
            .unwrap(),
        "submitted"
    );
    ok(&staff
        .post(
            &format!("/concerns/{dup}/merge"),
            &[("into", &keep_code), ("confirm", "1")],
        )
        .await);
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, dup)
            .await
            .unwrap(),
        "merged"
    );
}

#[tokio::test]
async fn a_refused_assignment_keeps_the_ticked_departments_and_the_note() {
    let app = TestApp::new().await;
    let mut liaison = app.login("liaison").await;
    let id = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山小区供水不稳",
    )
    .await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    let swj = dept(&app, "yanliang-swj").await;
    let zjj = dept(&app, "yanliang-zjj").await;
    // Two departments ticked, no lead chosen: refused, and nothing is lost.
    let r = staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[
                ("departments", &swj),
                ("departments", &zjj),
                ("note", "请水务局尽快排查"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(&format!("id=\"dept-{swj}\" checked")),
        "ticks kept"
    );
    assert!(r.body.contains(&format!("id=\"dept-{zjj}\" checked")));
    assert!(r.body.contains("value=\"请水务局尽快排查\""), "note kept");
    assert!(r
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"lead-error\""));
    assert!(r.body.contains("id=\"lead-error\""));
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, id).await.unwrap(),
        "accepted"
    );
}

#[tokio::test]
async fn resolving_asks_for_confirmation_and_keeps_the_note() {
    let app = TestApp::new().await;
    let mut liaison = app.login("liaison").await;
    let id = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山公厕无人保洁",
    )
    .await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    let cgj = dept(&app, "yanliang-cgj").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await);
    let mut handler = app.login("handler").await;
    let page = handler.get(&format!("/concerns/{id}")).await;
    assert!(page.body.contains("id=\"confirm-resolve\""));
    let photo = crate::story::jpeg_with_exif();
    let r = handler
        .post_multipart(
            &format!("/concerns/{id}/handle"),
            &[("action", "resolve"), ("note", "已安排每日两次保洁")],
            &[("photos", "done.jpg", photo)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("已安排每日两次保洁</textarea>"),
        "note kept"
    );
    assert!(r.body.contains("aria-describedby=\"confirm-error\""));
    // The chosen photo is held for the retry, under a token in the form.
    assert!(r.body.contains("id=\"handle-photos-kept\""), "{}", r.body);
    let kept = r
        .body
        .split(r#"name="kept_photos" value=""#)
        .nth(1)
        .unwrap()[..24]
        .to_owned();
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, id).await.unwrap(),
        "assigned"
    );
    let r = handler
        .post_multipart(
            &format!("/concerns/{id}/handle"),
            &[
                ("action", "resolve"),
                ("note", "已安排每日两次保洁"),
                ("confirm", "1"),
                ("kept_photos", &kept),
            ],
            &[],
        )
        .await;
    ok(&r);
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, id).await.unwrap(),
        "resolved"
    );
    let photos = xieshang_store::concern::photo::tokens(&app.t.db, "concern", id)
        .await
        .unwrap();
    assert_eq!(photos.len(), 1, "the kept photo was filed with the result");
}

#[tokio::test]
async fn a_refused_merge_keeps_the_typed_code_and_marks_it() {
    let app = TestApp::new().await;
    let mut liaison = app.login("liaison").await;
    let keep = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山小区路灯全坏",
    )
    .await;
    let dup = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山小区晚上没有灯",
    )
    .await;
    let keep_code: String = sqlx::query_scalar("SELECT tracking_code FROM concerns WHERE id = $1")
        .bind(keep)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let mut staff = app.login("staff").await;
    // Not confirmed: the code and note come back, the box marked.
    let r = staff
        .post(
            &format!("/concerns/{dup}/merge"),
            &[("into", &keep_code), ("note", "同一处路灯")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(&format!(
            "name=\"into\" maxlength=\"20\" required value=\"{keep_code}\""
        )),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"同一处路灯\""), "note kept");
    assert!(r.body.contains(
        r#"id="confirm-merge" required aria-invalid="true" aria-describedby="confirm-merge-error""#
    ));
    // An unknown code: kept as typed, the field marked with the message.
    let r = staff
        .post(
            &format!("/concerns/{dup}/merge"),
            &[
                ("into", "ZZZZZZZZZZ"),
                ("note", "同一处路灯"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(
            r#"required value="ZZZZZZZZZZ" aria-invalid="true" aria-describedby="into-error""#
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#"id="into-error""#));
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, dup)
            .await
            .unwrap(),
        "submitted"
    );
    // The code as people copy it, with a dash, merges.
    let dashed = format!("{}-{}", &keep_code[..5], &keep_code[5..]);
    ok(&staff
        .post(
            &format!("/concerns/{dup}/merge"),
            &[("into", &dashed), ("confirm", "1")],
        )
        .await);
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, dup)
            .await
            .unwrap(),
        "merged"
    );
}

/// The count shown on the home page for the label `key` (zh-CN text).
fn count_after(body: &str, label: &str) -> Option<i64> {
    let rest = body
        .split(&format!("{label}</a>：<strong class=\"count\">"))
        .nth(1)?;
    rest.split('<').next()?.parse().ok()
}

#[tokio::test]
async fn each_role_lands_on_a_home_that_says_what_needs_doing() {
    let app = TestApp::new().await;
    let mut liaison = app.login("liaison").await;
    let id = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山街道路灯不亮",
    )
    .await;
    let mut staff = app.login("staff").await;
    let home = staff.get("/").await.body;
    assert!(home.contains("id=\"today\""), "{home}");
    assert!(count_after(&home, "新诉求待受理").unwrap() >= 1);
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    let cgj = dept(&app, "yanliang-cgj").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await);
    let mut handler = app.login("handler").await;
    let home = handler.get("/").await.body;
    assert_eq!(count_after(&home, "交办给本部门"), Some(1), "{home}");
    let home = liaison.get("/").await.body;
    assert_eq!(count_after(&home, "我记录的在办诉求"), Some(1), "{home}");
    let mut member = app.login("member-gs-01").await;
    let home = member.get("/").await.body;
    assert_eq!(count_after(&home, "包联区域在办诉求"), Some(1), "{home}");
    let mut leader = app.login("leader").await;
    let home = leader.get("/").await.body;
    assert!(count_after(&home, "已超期").is_some(), "{home}");
    assert!(!home.contains("新诉求待受理"), "a leader does not triage");
    // The proposal committee's home counts the filed proposals of the demo
    // (two) and links its queue; a member's counts the co-signatures waiting.
    let mut committee = app.login("committee").await;
    let home = committee.get("/").await.body;
    assert_eq!(count_after(&home, "待审查的提案"), Some(2), "{home}");
    assert!(home.contains("href=\"/proposals/review\""), "{home}");
    let mut fh1 = app.login("member-fh-01").await;
    let home = fh1.get("/").await.body;
    assert_eq!(count_after(&home, "待我确认的联名"), Some(1), "{home}");
    for (who, text) in [("teacher", "指导学生社团"), ("student", "撰写模拟提案")] {
        let mut c = app.login(who).await;
        let home = c.get("/").await.body;
        assert!(home.contains(text), "{who}: {home}");
    }
}

#[tokio::test]
async fn the_menu_counts_unread_notifications_until_they_are_read() {
    let app = TestApp::new().await;
    let worker = app.worker(None);
    let mut liaison = app.login("liaison").await;
    assert!(!liaison.get("/my").await.body.contains("id=\"unread\""));
    records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山街道路灯不亮",
    )
    .await;
    records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山街道井盖松动",
    )
    .await;
    worker.run_until_idle().await.unwrap();
    let page = liaison.get("/my").await.body;
    assert!(
        page.contains("id=\"unread\" aria-label=\"未读 2\">2</span>"),
        "{page}"
    );
    ok(&liaison.post("/notifications/read", &[]).await);
    assert!(!liaison.get("/my").await.body.contains("id=\"unread\""));
}

#[tokio::test]
async fn a_leader_urges_and_instructs_on_the_timeline_and_the_department_is_told() {
    let app = TestApp::new().await;
    let worker = app.worker(None);
    let mut liaison = app.login("liaison").await;
    let id = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山街道积水",
    )
    .await;
    let mut staff = app.login("staff").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    let cgj = dept(&app, "yanliang-cgj").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await);
    worker.run_until_idle().await.unwrap();
    let mut leader = app.login("leader").await;
    let page = leader.get(&format!("/concerns/{id}")).await.body;
    assert!(page.contains("id=\"supervise-form\""));
    // Staff do not urge; the form is not theirs, nor the route.
    assert!(!staff
        .get(&format!("/concerns/{id}"))
        .await
        .body
        .contains("id=\"supervise-form\""));
    assert_eq!(
        staff
            .post(
                &format!("/concerns/{id}/supervise"),
                &[("action", "urge"), ("note", "x")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    refused(
        &leader
            .post(
                &format!("/concerns/{id}/supervise"),
                &[("action", "urge"), ("note", " ")],
            )
            .await,
        "err.note_required",
    );
    ok(&leader
        .post(
            &format!("/concerns/{id}/supervise"),
            &[("action", "urge"), ("note", "请三日内排水并回复")],
        )
        .await);
    ok(&leader
        .post(
            &format!("/concerns/{id}/supervise"),
            &[("action", "instruct"), ("note", "雨季前完成管网排查")],
        )
        .await);
    let page = leader.get(&format!("/concerns/{id}")).await.body;
    let timeline = page.split("id=\"timeline\"").nth(1).unwrap();
    assert!(
        timeline.contains("督办") && timeline.contains("请三日内排水并回复"),
        "{timeline}"
    );
    assert!(timeline.contains("批示") && timeline.contains("雨季前完成管网排查"));
    assert_eq!(
        xieshang_store::concern::state(&app.t.db, id).await.unwrap(),
        "assigned",
        "a note leaves the state"
    );
    worker.run_until_idle().await.unwrap();
    let uid = app.user_id("handler").await;
    let kinds: Vec<String> = xieshang_store::jobs::notifications(&app.t.db, uid, 20)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.item_id == id)
        .map(|n| n.kind)
        .collect();
    assert!(
        kinds.contains(&"urged".to_owned()) && kinds.contains(&"instructed".to_owned()),
        "{kinds:?}"
    );
    // The city overseer may urge too; another district's staff see nothing.
    let mut overseer = app.login("overseer").await;
    ok(&overseer
        .post(
            &format!("/concerns/{id}/supervise"),
            &[("action", "urge"), ("note", "市级关注")],
        )
        .await);
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(
        beilin
            .post(
                &format!("/concerns/{id}/supervise"),
                &[("action", "urge"), ("note", "x")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// Accepts the concern and assigns it to the urban-management bureau.
async fn assign_to_cgj(app: &TestApp, staff: &mut Client, id: i64) {
    ok(&staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await);
    let cgj = dept(app, "yanliang-cgj").await;
    ok(&staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await);
}

/// The href of the home page's link labelled `label` (zh-CN text).
fn link_of(body: &str, label: &str) -> Option<String> {
    let before = body.split(&format!("\">{label}</a>")).next()?;
    Some(before.rsplit("href=\"").next()?.replace("&amp;", "&"))
}

#[tokio::test]
async fn homes_count_overdue_and_escalated_work_link_to_those_lists_and_show_a_members_shifts() {
    // Monday 2026-11-23, 09:00 CST.
    const MONDAY_9AM: i64 = 1_795_395_600_000;
    let app = TestApp::new().await;
    app.set_clock(MONDAY_9AM);
    let mut liaison = app.login("liaison").await;
    let late = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山路口积水成片",
    )
    .await;
    let fresh = records(
        &app,
        &mut liaison,
        "liaison",
        "yanliang-guanshan",
        "关山菜场噪音扰民",
    )
    .await;
    let mut staff = app.login("staff").await;
    assign_to_cgj(&app, &mut staff, late).await;
    // Past the first one's deadline the second is assigned: open, not overdue.
    app.set_clock(MONDAY_9AM + 16 * 86_400_000);
    assign_to_cgj(&app, &mut staff, fresh).await;
    app.worker(None).run_until_idle().await.unwrap();

    // Staff: the overdue count opens the overdue list, not every assigned one.
    let home = staff.get("/").await.body;
    assert_eq!(count_after(&home, "已超期"), Some(1), "{home}");
    let link = link_of(&home, "已超期").unwrap();
    assert_eq!(link, "/concerns?filter=overdue");
    let list = staff.get(&link).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("id=\"filter-overdue\""));
    assert!(list.body.contains("关山路口积水成片"), "{}", list.body);
    assert!(!list.body.contains("关山菜场噪音扰民"), "{}", list.body);

    // The leader: overdue and escalated, each opening its list.
    let mut leader = app.login("leader").await;
    let home = leader.get("/").await.body;
    assert_eq!(count_after(&home, "已超期"), Some(1), "{home}");
    assert_eq!(count_after(&home, "已升级督办"), Some(1), "{home}");
    let link = link_of(&home, "已升级督办").unwrap();
    assert_eq!(link, "/concerns?filter=escalated");
    let list = leader.get(&link).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("关山路口积水成片"), "{}", list.body);
    assert!(!list.body.contains("关山菜场噪音扰民"), "{}", list.body);

    // A member: the coming shifts, once the rota has them.
    let mut member = app.login("member-fh-01").await;
    let home = member.get("/").await.body;
    assert!(home.contains("id=\"my-shifts\""), "{home}");
    assert!(home.contains("近期没有排班"), "{home}");
    let studio: i64 = sqlx::query_scalar("SELECT id FROM studios WHERE name = '凤凰路委员工作室'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    ok(&staff
        .post(
            &format!("/studios/{studio}/rota"),
            &[("from", "2026-12-09"), ("to", "2027-06-30")],
        )
        .await);
    let uid = app.user_id("member-fh-01").await;
    let shifts = xieshang_store::duty::studio::my_shifts(&app.t.db, uid, "2026-12-09")
        .await
        .unwrap();
    assert!(!shifts.is_empty());
    let home = member.get("/").await.body;
    let listed = home.split("<ul id=\"my-shifts\">").nth(1).expect(&home);
    assert!(
        listed.contains(&format!("{} · 凤凰路委员工作室", shifts[0].0.day)),
        "{home}"
    );
}
