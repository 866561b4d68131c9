//! A body's consultation settings through HTTP (kinds, rules of time, the
//! annual plan and calling from a planned topic), calling a consultation on
//! concerns chosen in the queue, and participants rating a closed one
//! (issue 28, points 1, 2, 4 and 8).

use crate::app::TestApp;
use axum::http::StatusCode;

const DAY: i64 = 86_400_000;

fn cst(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .unwrap()
        .naive_utc()
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test]
async fn staff_keep_their_bodys_kinds_rules_and_plan() {
    let app = TestApp::new().await;
    let guanshan = app.org_id("yanliang-guanshan").await.to_string();
    let mut staff = app.login("staff").await;
    let page = staff
        .get(&format!("/consultations/settings?org={guanshan}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // A street's default for every kind: 5 / 3 / 7 working days.
    assert!(
        page.body
            .contains("<td>所有类型</td><td>5</td><td>3</td><td>7</td><td>默认</td>"),
        "{}",
        page.body
    );

    // A kind of its own joins the list, and the form to call one offers it.
    let r = staff
        .post(
            "/consultations/settings/kinds",
            &[("org", &guanshan), ("name", "楼院协商")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = staff
        .get(&format!("/consultations/settings?org={guanshan}"))
        .await;
    assert!(page.body.contains("<td>楼院协商</td>"));
    // The same name again: refused at its field, the page answers 422.
    let r = staff
        .post(
            "/consultations/settings/kinds",
            &[("org", &guanshan), ("name", "楼院协商")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="name-error""#));
    assert!(r.body.contains(r#"value="楼院协商""#), "typed name kept");

    // Rules: a bad number is refused with the form kept; a good one is shown
    // as the body's own, and clearing it brings the default back.
    let r = staff
        .post(
            "/consultations/settings/rules",
            &[
                ("org", &guanshan),
                ("kind", ""),
                ("notice_days", "8"),
                ("materials_days", "9"),
                ("minutes_days", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(r#"id="materials_days-error""#),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#"value="8""#) && r.body.contains(r#"value="9""#));
    let r = staff
        .post(
            "/consultations/settings/rules",
            &[
                ("org", &guanshan),
                ("kind", ""),
                ("notice_days", "eight"),
                ("materials_days", "3"),
                ("minutes_days", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="notice_days-error""#));
    let r = staff
        .post(
            "/consultations/settings/rules",
            &[
                ("org", &guanshan),
                ("kind", ""),
                ("notice_days", "10"),
                ("materials_days", "5"),
                ("minutes_days", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = staff
        .get(&format!("/consultations/settings?org={guanshan}"))
        .await;
    assert!(
        page.body
            .contains("<td>所有类型</td><td>10</td><td>5</td><td>5</td><td><form"),
        "{}",
        page.body
    );
    // The rule now decides the notice: a meeting 7 working days on needs a
    // confirmation.
    let now = app.t.db.now_ms();
    let starts = xieshang_core::calendar::Calendar::builtin().deadline_after(now, 7) + 3_600_000;
    let call = |topic: &'static str, confirm: bool| {
        let mut f = vec![
            ("org".to_owned(), guanshan.clone()),
            ("kind".to_owned(), "grassroots".to_owned()),
            ("topic".to_owned(), topic.to_owned()),
            ("description".to_owned(), String::new()),
            ("starts_at".to_owned(), cst(starts)),
            ("ends_at".to_owned(), cst(starts + 3_600_000)),
            ("room".to_owned(), String::new()),
            ("place".to_owned(), "关山街道办事处".to_owned()),
        ];
        if confirm {
            f.push(("short_notice_ok".to_owned(), "1".to_owned()));
        }
        f
    };
    let refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
    let f = refs(&call("楼道堆物清理", false));
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = staff.post("/consultations", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="starts_at-error""#));
    let r = staff
        .post(
            "/consultations/settings/rules/clear",
            &[("org", &guanshan), ("code", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = staff.post("/consultations", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The plan: a topic for a quarter, then called from the plan, which
    // links it.
    let year = chrono::DateTime::from_timestamp_millis(now + 8 * 3_600_000)
        .unwrap()
        .format("%Y")
        .to_string();
    let r = staff
        .post(
            "/consultations/settings/plan",
            &[
                ("org", &guanshan),
                ("year", &year),
                ("quarter", "4"),
                ("topic", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="topic-error""#));
    let r = staff
        .post(
            "/consultations/settings/plan",
            &[
                ("org", &guanshan),
                ("year", &year),
                ("quarter", "4"),
                ("topic", "老旧小区加装电梯"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let plan: i64 =
        sqlx::query_scalar("SELECT id FROM consultation_plan WHERE topic = '老旧小区加装电梯'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let page = staff
        .get(&format!(
            "/consultations/settings?org={guanshan}&year={year}"
        ))
        .await;
    let link = format!("/consultations/new?plan={plan}&amp;org={guanshan}");
    assert!(page.body.contains(&link), "{}", page.body);
    let form = staff
        .get(&format!("/consultations/new?plan={plan}&org={guanshan}"))
        .await;
    assert!(form.body.contains(r#"id="from-plan""#));
    assert!(form.body.contains(r#"value="老旧小区加装电梯""#));
    let later = starts + 20 * DAY;
    let r = staff
        .post(
            "/consultations",
            &[
                ("org", &guanshan),
                ("kind", "grassroots"),
                ("topic", "老旧小区加装电梯"),
                ("description", ""),
                ("starts_at", &cst(later)),
                ("ends_at", &cst(later + 3_600_000)),
                ("room", ""),
                ("place", "关山街道办事处"),
                ("plan", &plan.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let carried: Option<i64> =
        sqlx::query_scalar("SELECT consultation_id FROM consultation_plan WHERE id = $1")
            .bind(plan)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert!(carried.is_some());

    // Another district's staff cannot open or change this body's settings.
    let mut other = app.login("staff-beilin").await;
    let r = other
        .post(
            "/consultations/settings/kinds",
            &[("org", &guanshan), ("name", "越权类型")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let page = other
        .get(&format!("/consultations/settings?org={guanshan}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "their own bodies instead");
    assert!(!page.body.contains("楼院协商"));
    assert!(!page.body.contains("老旧小区加装电梯"));
    // Nor call a consultation from this body's plan.
    let r = other.get(&format!("/consultations/new?plan={plan}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn concerns_chosen_in_the_queue_become_one_consultation() {
    let app = TestApp::new().await;
    let grid = app.org_id("yanliang-guanshan-g01").await;
    let mut ids = Vec::new();
    for (title, text) in [
        ("西飞二中门前路面破损", "学生上学容易摔倒"),
        ("二中门口道路坑洼", "下雨天积水"),
    ] {
        let (id, code) = xieshang_store::concern::record(
            &app.t.db,
            xieshang_store::item::By::Resident,
            xieshang_store::testing::web_concern(grid, "road", title, text),
        )
        .await
        .unwrap();
        app.accept(&code).await;
        ids.push(id);
    }
    let mut staff = app.login("staff").await;
    let queue = staff.get("/concerns?state=accepted").await;
    assert!(
        queue.body.contains(r#"id="convene-form""#),
        "{}",
        queue.body
    );
    for id in &ids {
        assert!(queue
            .body
            .contains(&format!(r#"name="c" value="{id}" id="choose-{id}""#)));
    }
    // New concerns are triaged first: no choosing there.
    let submitted = staff.get("/concerns?state=submitted").await;
    assert!(!submitted.body.contains(r#"id="convene-form""#));
    // The search results offer the same choice for open concerns.
    let found = staff.get("/search?q=%E4%BA%8C%E4%B8%AD").await;
    assert_eq!(found.status, StatusCode::OK);
    for id in &ids {
        assert!(
            found
                .body
                .contains(&format!(r#"name="c" value="{id}" id="choose-{id}""#)),
            "{}",
            found.body
        );
    }
    assert!(found.body.contains(r#"id="convene-selected""#));
    // The form sends one `c` per chosen concern.
    let form = staff
        .get(&format!("/consultations/new?c={}&c={}", ids[0], ids[1]))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("西飞二中门前路面破损"));
    assert!(form.body.contains("二中门口道路坑洼"));
    assert!(form
        .body
        .contains(&format!(r#"name="concerns" value="{},{}""#, ids[0], ids[1])));
    // Staff of another district choosing these ids get neither their titles
    // nor the ids on the form.
    let mut other = app.login("staff-beilin").await;
    let r = other
        .get(&format!("/consultations/new?c={}&c={}", ids[0], ids[1]))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("西飞二中门前路面破损"));
    assert!(r.body.contains(r#"name="concerns" value="""#), "{}", r.body);
    // A member cannot choose (no permission to call one).
    let mut member = app.login("member-gs-01").await;
    let r = member.get("/consultations/new?c=1").await;
    assert_ne!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_participant_rates_the_consultation_after_it_closes() {
    let app = TestApp::new().await;
    let guanshan = app.org_id("yanliang-guanshan").await;
    let cgj = app.org_id("yanliang-cgj").await;
    let db = &app.t.db;
    let staff_actor = {
        let c = xieshang_store::account::user::credentials(db, "staff")
            .await
            .unwrap()
            .unwrap();
        xieshang_store::account::user::actor(db, c.id)
            .await
            .unwrap()
    };
    let cal = xieshang_core::calendar::Calendar::builtin();
    let starts = db.now_ms() + 30 * DAY;
    let id = xieshang_store::consult::convene(
        db,
        &cal,
        &staff_actor,
        &xieshang_store::consult::NewConsultation {
            org_id: guanshan,
            kind: "grassroots",
            topic: "背街小巷照明",
            description: "",
            starts_at: starts,
            ends_at: starts + 3_600_000,
            room_id: None,
            place: Some("关山街道办事处"),
            concerns: &[],
            plan_id: None,
            short_notice_ok: false,
        },
    )
    .await
    .unwrap();
    let member = app.user_id("member-gs-01").await;
    xieshang_store::consult::invite(
        db,
        None,
        &staff_actor,
        id,
        &xieshang_store::consult::Invitee::Person {
            role: xieshang_store::consult::ParticipantRole::Member,
            user_id: member,
        },
    )
    .await
    .unwrap();
    let mut m = app.login("member-gs-01").await;
    // No rating form before it closes; a post is refused at its field.
    let page = m.get(&format!("/consultations/{id}")).await;
    assert!(!page.body.contains(r#"id="rate-form""#));
    app.set_clock(starts + 3_600_000);
    xieshang_store::consult::hold(db, &staff_actor, id, "议定增设路灯", &[], &[])
        .await
        .unwrap();
    let a = xieshang_store::consult::action::add(
        db,
        &cal,
        &staff_actor,
        id,
        Some(cgj),
        "增设路灯",
        "",
        Some(3),
    )
    .await
    .unwrap();
    xieshang_store::consult::action::act(db, &staff_actor, a, "resolve", "已装")
        .await
        .unwrap();
    let mut staff = app.login("staff").await;
    let r = staff
        .post(
            &format!("/consultations/{id}/close"),
            &[("concerns", "leave"), ("result_note", ""), ("publish", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = m.get(&format!("/consultations/{id}")).await;
    assert!(page.body.contains(r#"id="rate-form""#), "{}", page.body);
    // No choice: refused, the comment kept.
    let r = m
        .post(
            &format!("/consultations/{id}/rate"),
            &[("rating", ""), ("comment", "路灯装得快")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="rating-error""#));
    assert!(r.body.contains("路灯装得快"));
    let r = m
        .post(
            &format!("/consultations/{id}/rate"),
            &[("rating", "satisfied"), ("comment", "路灯装得快")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = m.get(&format!("/consultations/{id}")).await;
    assert!(page.body.contains(r#"id="my-rating""#));
    assert!(page
        .body
        .contains(r#"value="satisfied" id="rating-satisfied" checked"#));
    // Staff see the counts and the comment, without a name.
    let page = staff.get(&format!("/consultations/{id}")).await;
    assert!(
        page.body
            .contains("<tr><td>1</td><td>0</td><td>0</td></tr>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<li>路灯装得快</li>"));
    // Staff were not invited: they cannot rate.
    let r = staff
        .post(
            &format!("/consultations/{id}/rate"),
            &[("rating", "unsatisfied"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_consultation_list_shows_fifty_a_page_with_a_next_link() {
    let app = TestApp::new().await;
    let guanshan = app.org_id("yanliang-guanshan").await;
    let db = &app.t.db;
    let staff_actor = {
        let c = xieshang_store::account::user::credentials(db, "staff")
            .await
            .unwrap()
            .unwrap();
        xieshang_store::account::user::actor(db, c.id)
            .await
            .unwrap()
    };
    let cal = xieshang_core::calendar::Calendar::builtin();
    let first = db.now_ms() + 30 * DAY;
    for i in 0..55 {
        let starts = first + i * DAY;
        let topic = format!("分页协商{i:02}");
        xieshang_store::consult::convene(
            db,
            &cal,
            &staff_actor,
            &xieshang_store::consult::NewConsultation {
                org_id: guanshan,
                kind: "grassroots",
                topic: &topic,
                description: "",
                starts_at: starts,
                ends_at: starts + 3_600_000,
                room_id: None,
                place: Some("关山街道办事处"),
                concerns: &[],
                plan_id: None,
                short_notice_ok: false,
            },
        )
        .await
        .unwrap();
    }
    let mut staff = app.login("staff").await;
    let rows = |body: &str| body.matches("<tr><td>").count();
    let one = staff.get("/consultations").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(rows(&one.body), 50);
    // The latest meeting first.
    assert!(one.body.contains("分页协商54"));
    assert!(!one.body.contains("分页协商04"));
    assert!(one.body.contains(r#"id="next-page""#));
    assert!(!one.body.contains(r#"id="prev-page""#));
    // 55 of ours and the demo's two.
    let two = staff.get("/consultations?state=&page=1").await;
    assert_eq!(rows(&two.body), 7);
    assert!(two.body.contains("分页协商04") && two.body.contains("分页协商00"));
    assert!(two.body.contains(r#"id="prev-page""#));
    assert!(!two.body.contains(r#"id="next-page""#));
    // A state filter pages too.
    let called = staff.get("/consultations?state=convened").await;
    assert!(called.body.contains(r#"id="next-page""#));
    assert!(called
        .body
        .contains("/consultations?state=convened&amp;page=1"));
}

#[tokio::test]
async fn the_page_shows_when_materials_and_minutes_are_due_and_late() {
    let app = TestApp::new().await;
    let guanshan = app.org_id("yanliang-guanshan").await;
    let db = &app.t.db;
    let staff_actor = {
        let c = xieshang_store::account::user::credentials(db, "staff")
            .await
            .unwrap()
            .unwrap();
        xieshang_store::account::user::actor(db, c.id)
            .await
            .unwrap()
    };
    let cal = xieshang_core::calendar::Calendar::builtin();
    // Two working days on: the street's rule wants materials 3 working days
    // ahead, so they are late already (the short notice confirmed).
    let now = db.now_ms();
    let starts = cal.deadline_after(now, 2) - 12 * 3_600_000;
    let id = xieshang_store::consult::convene(
        db,
        &cal,
        &staff_actor,
        &xieshang_store::consult::NewConsultation {
            org_id: guanshan,
            kind: "grassroots",
            topic: "楼道堆物清理",
            description: "",
            starts_at: starts,
            ends_at: starts + 3_600_000,
            room_id: None,
            place: Some("关山街道办事处"),
            concerns: &[],
            plan_id: None,
            short_notice_ok: true,
        },
    )
    .await
    .unwrap();
    let meeting_day = xieshang_core::calendar::cst_date(starts);
    let by = cal.sub_working_days(meeting_day, 3);
    let mut staff = app.login("staff").await;
    let page = staff.get(&format!("/consultations/{id}")).await;
    assert!(page.body.contains(r#"id="materials-by""#), "{}", page.body);
    assert!(page.body.contains(&format!(
        "{}年{}月{}日",
        chrono::Datelike::year(&by),
        chrono::Datelike::month(&by),
        chrono::Datelike::day(&by)
    )));
    assert!(page.body.contains(r#"id="materials-late""#));
    assert!(!page.body.contains(r#"id="minutes-late""#));
    // A material goes out: no longer late.
    let file =
        xieshang_store::consult::material::check("方案.pdf", b"%PDF-1.7\n%%EOF".to_vec()).unwrap();
    xieshang_store::consult::material::add(db, &staff_actor, id, "清理方案", &file)
        .await
        .unwrap();
    let page = staff.get(&format!("/consultations/{id}")).await;
    assert!(!page.body.contains(r#"id="materials-late""#));
    // Eight working days after the meeting, still without minutes: overdue
    // under the street's 7.
    let later = cal.deadline_after(starts, 8);
    app.set_clock(later);
    let page = staff.get(&format!("/consultations/{id}")).await;
    assert!(page.body.contains(r#"id="minutes-late""#), "{}", page.body);
}
