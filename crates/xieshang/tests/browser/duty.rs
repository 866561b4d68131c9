//! Browser tests: duty (issue 26). Each test takes its own city with `crate::demo()`.

use fantoccini::Locator;

/// Unix ms now.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Staff turn the 凤凰路 studio into a Sunday studio, preview the rota (nothing
/// is written until they apply it) and see every ordinary Sunday as a duty day,
/// none of them 「节假日顺延」.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sunday_studio_keeps_its_sundays_and_staff_preview_the_rota() {
    let Some(d) = crate::demo().await else { return };
    let c = &d.c;
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, &d.base, "staff").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM studios WHERE name = '凤凰路委员工作室'")
        .fetch_one(d.t.db.pool())
        .await
        .unwrap();
    c.goto(&format!("{}/studios/{id}", d.base)).await.unwrap();
    crate::click(c, "details.card summary").await;
    crate::click(c, "input[name=wd5]").await;
    crate::click(c, "input[name=wd7]").await;
    crate::click(c, "#save-studio").await;
    // The page after saving says so.
    c.wait()
        .for_element(Locator::Css("p.notice[role=status]"))
        .await
        .unwrap();
    let head = crate::text_of(c, "#studio-summary").await;
    assert!(head.contains("周日") && !head.contains("周五"), "{head}");
    // Eight weeks from today (China time): every Sunday that is no statutory holiday.
    let cal = xieshang_core::calendar::Calendar::builtin();
    let from = xieshang_core::calendar::cst_date(now_ms());
    let mut to = from;
    let mut sundays = Vec::new();
    for _ in 0..56 {
        if to.format("%a").to_string() == "Sun" && !cal.is_holiday(to) {
            // As the page writes a day in Chinese (issue 27 point 6).
            sundays.push(to.format("%Y年%-m月%-d日").to_string());
        }
        to = to.succ_opt().unwrap();
    }
    let to = to.pred_opt().unwrap();
    let set = |css: &'static str, v: String| async move {
        c.execute(
            &format!("document.querySelector('{css}').value = arguments[0];"),
            vec![serde_json::Value::String(v)],
        )
        .await
        .unwrap();
    };
    set("#from", from.format("%Y-%m-%d").to_string()).await;
    set("#to", to.format("%Y-%m-%d").to_string()).await;
    crate::click(c, "#mode-keep").await;
    crate::click(c, "#preview-rota").await;
    let preview = crate::text_of(c, "#rota-preview").await;
    crate::shot(c, "duty-sunday-rota-preview-desktop").await;
    for day in &sundays {
        assert!(preview.contains(day.as_str()), "{day} in {preview}");
    }
    assert!(!preview.contains("节假日顺延"), "{preview}");
    assert_eq!(
        crate::text_of(c, "#rota-added").await,
        sundays.len().to_string()
    );
    let written: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM duty_shifts WHERE studio_id = $1")
        .bind(id)
        .fetch_one(d.t.db.pool())
        .await
        .unwrap();
    assert_eq!(written, 0, "a preview writes nothing");
    crate::click(c, "#do-rota").await;
    c.wait()
        .for_element(Locator::Css("p.notice[role=status]"))
        .await
        .unwrap();
    let rota = crate::text_of(c, "#rota").await;
    crate::shot(c, "duty-sunday-rota-desktop").await;
    assert!(!rota.contains("节假日顺延"), "{rota}");
    for day in &sundays {
        assert!(rota.contains(day.as_str()), "{day} in {rota}");
    }
    d.finish().await;
}

/// A member finds 「我的坐班」 in the menu and, with no shift today, logs a
/// visitor's matter: it is kept, marked as outside a shift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_finds_my_duty_in_the_menu_and_logs_a_reception_outside_a_shift() {
    let Some(d) = crate::demo().await else { return };
    let c = &d.c;
    c.set_window_size(390, 844).await.unwrap();
    crate::login(c, &d.base, "member-fh-05").await;
    let nav = crate::text_of(c, "#nav-duty").await;
    assert_eq!(nav, "我的坐班");
    crate::click(c, "#nav-duty").await;
    let note = crate::text_of(c, "#outside-shift-note").await;
    assert!(note.contains("班外接待"), "{note}");
    crate::type_in(c, "#matter", "周末路过工作室，反映小区门口路灯不亮").await;
    crate::type_in(c, "#action_taken", "记录，下次坐班跟进").await;
    crate::shot(c, "duty-outside-shift-form-phone").await;
    crate::click(c, "#log-reception").await;
    c.wait()
        .for_element(Locator::Css("p.notice[role=status]"))
        .await
        .unwrap();
    let logged = crate::text_of(c, "#receptions").await;
    assert!(
        logged.contains("班外接待") && logged.contains("路灯不亮"),
        "{logged}"
    );
    crate::shot(c, "duty-outside-shift-logged-phone").await;
    d.finish().await;
}

/// The scores page in December: nobody is 不称职 for duties never given, and the
/// rules table has one labelled input per column, under its header, in one row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scores_page_judges_fairly_and_its_rules_form_is_aligned_and_labelled() {
    let Some(d) = crate::demo().await else { return };
    let c = &d.c;
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, &d.base, "staff").await;
    let fenghuang: i64 =
        sqlx::query_scalar("SELECT id FROM orgs WHERE code = 'yanliang-fenghuang'")
            .fetch_one(d.t.db.pool())
            .await
            .unwrap();
    c.goto(&format!("{}/units/{fenghuang}/scores", d.base))
        .await
        .unwrap();
    let scores = crate::text_of(c, "#scores").await;
    assert!(!scores.contains("不称职"), "{scores}");
    crate::shot(c, "duty-scores-desktop").await;
    c.execute("document.getElementById('rules').scrollIntoView();", vec![])
        .await
        .unwrap();
    crate::shot(c, "duty-scores-rules-desktop").await;
    // Each input sits under its column's header, the four of a row side by side,
    // and its accessible name says which rule and which column.
    let layout = c
        .execute(
            r#"
            const out = [];
            for (const col of ['points', 'cap', 'minimum', 'exit_at']) {
                const h = document.getElementById('rh-' + col).getBoundingClientRect();
                const i = document.getElementById(col + '-meeting').getBoundingClientRect();
                const names = document.getElementById(col + '-meeting')
                    .getAttribute('aria-labelledby').split(' ')
                    .map(id => document.getElementById(id).textContent.trim()).join(' ');
                out.push([col, h.left, h.right, i.left, i.right, i.top, names]);
            }
            return out;
            "#,
            vec![],
        )
        .await
        .unwrap();
    let rows = layout.as_array().unwrap();
    let top = rows[0][5].as_f64().unwrap();
    for r in rows {
        let col = r[0].as_str().unwrap();
        let (hl, hr, il, ir, it) = (
            r[1].as_f64().unwrap(),
            r[2].as_f64().unwrap(),
            r[3].as_f64().unwrap(),
            r[4].as_f64().unwrap(),
            r[5].as_f64().unwrap(),
        );
        assert!(
            il >= hl - 1.0 && ir <= hr + 1.0,
            "{col}: input {il}-{ir} under header {hl}-{hr}"
        );
        assert!(
            (it - top).abs() < 2.0,
            "{col}: one row, not stacked ({it} vs {top})"
        );
        let name = r[6].as_str().unwrap();
        assert!(name.contains("参加会议活动"), "{col}: {name}");
    }
    // Saving one row's inputs changes that rule.
    let points = c.find(Locator::Css("#points-meeting")).await.unwrap();
    points.clear().await.unwrap();
    points.send_keys("7").await.unwrap();
    crate::click(c, "#save-meeting").await;
    c.wait()
        .for_element(Locator::Css("#points-meeting[value='7']"))
        .await
        .unwrap();
    d.finish().await;
}

/// A member signs in on a phone and the home page lists their coming shifts
/// (day and studio), with the way to 我的坐班 beside them (issue 26: a home
/// for each role).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_sees_the_coming_shifts_on_the_home_page() {
    let Some(d) = crate::demo().await else { return };
    let c = &d.c;
    let db = &d.t.db;
    let id: i64 = sqlx::query_scalar("SELECT id FROM studios WHERE name = '凤凰路委员工作室'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let staff_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'staff'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let staff = xieshang_store::account::user::actor(db, staff_id)
        .await
        .unwrap();
    let from = xieshang_core::calendar::cst_date(now_ms());
    let mut to = from;
    for _ in 0..300 {
        to = to.succ_opt().unwrap();
    }
    xieshang_store::duty::studio::generate(
        db,
        &xieshang_core::calendar::Calendar::builtin(),
        &staff,
        id,
        from,
        to,
        xieshang_store::duty::studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    let member: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'member-fh-01'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let shifts =
        xieshang_store::duty::studio::my_shifts(db, member, &from.format("%Y-%m-%d").to_string())
            .await
            .unwrap();
    assert!(!shifts.is_empty(), "the rota gives the member a shift");
    c.set_window_size(390, 844).await.unwrap();
    crate::login(c, &d.base, "member-fh-01").await;
    c.goto(&format!("{}/", d.base)).await.unwrap();
    let listed = crate::text_of(c, "#my-shifts").await;
    assert!(
        listed.contains(&shifts[0].0.day) && listed.contains("凤凰路委员工作室"),
        "{listed}"
    );
    crate::shot(c, "duty-member-home-shifts-phone").await;
    crate::click(c, "#home-duty-link").await;
    c.wait()
        .for_url(&url::Url::parse(&format!("{}/duty", d.base)).unwrap())
        .await
        .unwrap();
    d.finish().await;
}
