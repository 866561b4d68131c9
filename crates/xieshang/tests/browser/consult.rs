//! Browser test: the consultation story of issue 28 in Chromium, at desktop
//! and phone size. Three residents report the broken road by 西飞第二中学 in
//! 关山街道; staff call a consultation on the three concerns in the street's
//! 多商量议事室 (a second booking of the slot is refused), invite 区城管局,
//! 区住建局, two members and a resident; a member answers and, from the meeting's QR code, checks in on
//! her phone; the minutes agree two actions; both are done; the consultation
//! closes and resolves the concerns with a note naming it; a resident reads
//! it on the track page and thanks.

use fantoccini::Locator;
use xieshang_core::item::{Action, CONCERN};
use xieshang_store::item::By;

/// Sets an `<input type="datetime-local">` (typing into one depends on the
/// browser's locale; the value is what the form sends).
async fn set_value(c: &fantoccini::Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![id.into(), value.into()],
    )
    .await
    .unwrap();
}

/// Clicks what submits a form and waits until the next page has loaded: the
/// page before is marked, so an element of it (which the next page has too)
/// is never taken for the next page's.
pub(crate) async fn submit(c: &fantoccini::Client, css: &str) {
    c.execute("document.documentElement.dataset.before = '1';", vec![])
        .await
        .unwrap();
    crate::click(c, css).await;
    for _ in 0..200 {
        let loaded = c
            .execute(
                "return document.readyState === 'complete' \
                 && document.documentElement.dataset.before === undefined;",
                vec![],
            )
            .await;
        if matches!(loaded, Ok(serde_json::Value::Bool(true))) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{css}: the next page did not load");
}

fn local(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_road_by_the_school_is_consulted_on_and_mended() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let db = &d.t.db;
    let staff_actor = xieshang_store::account::user::actor(
        db,
        xieshang_store::account::user::credentials(db, "staff")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap();
    let grid = xieshang_store::org::by_code_unchecked(db, "yanliang-guanshan-g01")
        .await
        .unwrap();
    let mut ids = Vec::new();
    let mut residents = Vec::new();
    for (title, text) in [
        (
            "西飞第二中学门前路面破损",
            "学校门口的路坑坑洼洼，孩子上学容易摔倒",
        ),
        ("二中门口道路坑洼积水", "下雨天积水，学生只能绕到机动车道"),
        ("学校路口没有人行横道标志", "车开得很快，家长接送很危险"),
    ] {
        let r = xieshang_store::concern::record_keyed(
            db,
            By::Resident,
            xieshang_store::testing::web_concern(grid.id, "road", title, text),
        )
        .await
        .unwrap();
        xieshang_store::item::transition(
            db,
            &CONCERN,
            r.id,
            Action::Accept,
            By::User(&staff_actor),
            None,
            &[],
        )
        .await
        .unwrap();
        ids.push(r.id);
        residents.push((r.code, r.key));
    }
    let list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");

    // Staff call it on the three concerns, at desktop size.
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "staff").await;
    c.goto(&format!("{base}/concerns/{}", ids[0]))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#convene-link"))
        .await
        .unwrap();
    c.goto(&format!("{base}/consultations/new?concerns={list}"))
        .await
        .unwrap();
    let linked = crate::text_of(c, "#linked-concerns").await;
    assert!(
        linked.contains("西飞第二中学门前路面破损") && linked.contains("学校路口"),
        "{linked}"
    );
    let now = db.now_ms();
    let starts = now + 30 * 86_400_000;
    let fill = |topic: &'static str| async move {
        crate::click(c, "#org option:nth-child(1)").await;
        let guanshan = c
            .find(Locator::XPath(
                "//select[@id='org']/option[contains(., '关山街道')]",
            ))
            .await
            .unwrap();
        guanshan.click().await.unwrap();
        crate::type_in(c, "#topic", topic).await;
        set_value(c, "starts_at", &local(starts)).await;
        set_value(c, "ends_at", &local(starts + 2 * 3_600_000)).await;
        c.find(Locator::XPath(
            "//select[@id='room']/option[contains(., '多商量议事室')]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    };
    fill("西飞第二中学门前道路修复").await;
    crate::shot(c, "consult-call-desktop").await;
    submit(c, "#call").await;
    c.wait()
        .for_element(Locator::Css("#participants"))
        .await
        .unwrap();
    assert!(crate::text_of(c, "#state").await.contains("已召集"));
    let id: i64 = c
        .current_url()
        .await
        .unwrap()
        .path()
        .trim_start_matches("/consultations/")
        .parse()
        .unwrap();

    // A second booking of the same slot is refused, with what was typed kept.
    c.goto(&format!("{base}/consultations/new")).await.unwrap();
    fill("另一场会").await;
    submit(c, "#call").await;
    let err = crate::text_of(c, "#room-error").await;
    assert!(err.contains("已被预订"), "{err}");
    let kept = c
        .find(Locator::Css("#topic"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("另一场会"));
    crate::shot(c, "consult-room-taken-desktop").await;

    // Invitations: the paired member proposed first, another member, two
    // departments with their representatives, a resident.
    c.goto(&format!("{base}/consultations/{id}")).await.unwrap();
    let proposed = crate::text_of(c, "#invite-proposed").await;
    assert!(proposed.contains("联系委员"), "{proposed}");
    submit(c, "#invite-proposed button").await;
    c.wait()
        .for_element(Locator::Css("#invite-person"))
        .await
        .unwrap();
    let other_member = xieshang_store::account::user::credentials(db, "member-fh-01")
        .await
        .unwrap()
        .unwrap()
        .id;
    crate::click(c, &format!("#person-user option[value='{other_member}']")).await;
    submit(c, "#invite-person button").await;
    for (unit, who) in [("yanliang-cgj", "王科长"), ("yanliang-zjj", "李科长")] {
        c.wait()
            .for_element(Locator::Css("#invite-unit"))
            .await
            .unwrap();
        let org = xieshang_store::org::by_code_unchecked(db, unit)
            .await
            .unwrap();
        crate::click(c, &format!("#unit option[value='{}']", org.id)).await;
        crate::type_in(c, "#representative", who).await;
        submit(c, "#invite-unit button").await;
    }
    c.wait()
        .for_element(Locator::Css("#invite-guest"))
        .await
        .unwrap();
    crate::type_in(c, "#name", "张秀英").await;
    crate::type_in(c, "#phone", "13800001234").await;
    submit(c, "#invite-guest button").await;
    c.wait()
        .for_element(Locator::Css("#participants"))
        .await
        .unwrap();
    let parts = crate::text_of(c, "#participants").await;
    assert!(
        parts.contains("李科长") && parts.contains("王科长") && parts.contains("张**"),
        "{parts}"
    );
    assert!(!parts.contains("13800001234"), "the phone is masked");
    crate::type_in(c, "#title", "居民代表介绍情况").await;
    submit(c, "#agenda-form button").await;
    c.wait()
        .for_element(Locator::Css("#agenda li"))
        .await
        .unwrap();
    // Staff see the meeting's QR code to print or show on the day.
    c.wait()
        .for_element(Locator::Css("#check-in-qr svg"))
        .await
        .unwrap();
    crate::shot(c, "consult-invited-desktop").await;
    crate::logout(c).await;

    // The meeting's day: it starts in half an hour. The member answers and
    // checks in on her phone.
    sqlx::query("UPDATE consultations SET starts_at = $1, ends_at = $2 WHERE id = $3")
        .bind(now + 30 * 60_000)
        .bind(now + 150 * 60_000)
        .bind(id)
        .execute(db.pool())
        .await
        .unwrap();
    c.set_window_size(390, 844).await.unwrap();
    crate::login(c, base, "member-gs-01").await;
    c.goto(&format!("{base}/meetings")).await.unwrap();
    c.wait()
        .for_element(Locator::LinkText("西飞第二中学门前道路修复"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::click(c, "#answer-attend").await;
    submit(c, "#answer-form button").await;
    // She scans the meeting's QR code: it opens the check-in page, where one
    // button checks her in.
    c.goto(&format!("{base}/consultations/{id}/check-in"))
        .await
        .unwrap();
    crate::shot(c, "consult-check-in-page-phone").await;
    submit(c, "#check_in").await;
    c.wait()
        .for_element(Locator::Css("#participants"))
        .await
        .unwrap();
    let parts = crate::text_of(c, "#participants").await;
    assert!(parts.contains("参加") && parts.contains('✓'), "{parts}");
    crate::shot(c, "consult-member-checked-in-phone").await;
    crate::logout(c).await;

    // The meeting has begun: staff record the minutes and two actions.
    sqlx::query("UPDATE consultations SET starts_at = $1 WHERE id = $2")
        .bind(now - 60_000)
        .bind(id)
        .execute(db.pool())
        .await
        .unwrap();
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "staff").await;
    c.goto(&format!("{base}/consultations/{id}")).await.unwrap();
    crate::type_in(
        c,
        "#minutes",
        "议定：区住建局修复学校门前路面；区城管局在路口增设人行横道标志。",
    )
    .await;
    submit(c, "#hold").await;
    c.wait()
        .for_element(Locator::Css("#action-form"))
        .await
        .unwrap();
    for (title, unit, days) in [
        ("修复学校门前路面", "yanliang-zjj", "10"),
        ("在路口增设人行横道标志", "yanliang-cgj", "5"),
    ] {
        let org = xieshang_store::org::by_code_unchecked(db, unit)
            .await
            .unwrap();
        crate::type_in(c, "#title", title).await;
        crate::click(c, &format!("#owner option[value='{}']", org.id)).await;
        crate::type_in(c, "#due_days", days).await;
        submit(c, "#add-action").await;
        c.wait()
            .for_element(Locator::Css("#actions"))
            .await
            .unwrap();
    }
    let actions = crate::text_of(c, "#actions").await;
    assert!(
        actions.contains("修复学校门前路面") && actions.contains("待落实"),
        "{actions}"
    );
    crate::shot(c, "consult-held-desktop").await;
    crate::logout(c).await;

    // 城管局's handler marks its action done from the unit's list; staff mark
    // 住建局's done on its report.
    crate::login(c, base, "handler").await;
    c.goto(&format!("{base}/agreed-actions")).await.unwrap();
    crate::type_in(c, "#my-actions input[name='note']", "标志已设置").await;
    submit(c, "#my-actions button[value='resolve']").await;
    c.wait()
        .for_element(Locator::Css("#my-actions-empty"))
        .await
        .unwrap();
    crate::logout(c).await;
    crate::login(c, base, "staff").await;
    c.goto(&format!("{base}/consultations/{id}")).await.unwrap();
    let open: i64 = sqlx::query_scalar(
        "SELECT id FROM consultation_actions WHERE consultation_id = $1 AND state <> 'resolved'",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    crate::type_in(c, &format!("#act-note-{open}"), "住建局：路面已修复").await;
    submit(c, &format!("#done-{open}")).await;
    c.wait()
        .for_element(Locator::Css("#close-form"))
        .await
        .unwrap();
    crate::type_in(
        c,
        "#result_note",
        "学校门前路面已修复，路口已设人行横道标志。",
    )
    .await;
    submit(c, "#close").await;
    c.wait().for_element(Locator::Css("#state")).await.unwrap();
    assert!(crate::text_of(c, "#state").await.contains("已办结"));
    crate::shot(c, "consult-closed-desktop").await;
    crate::logout(c).await;

    // A resident reads the result, which names the consultation, and thanks.
    c.set_window_size(390, 844).await.unwrap();
    let (code, key) = &residents[0];
    c.goto(&format!("{base}/track?code={code}&key={key}"))
        .await
        .unwrap();
    let page = crate::text_of(c, "main").await;
    assert!(page.contains("【西飞第二中学门前道路修复】"), "{page}");
    assert!(page.contains("西飞第二中学门前道路修复"), "{page}");
    crate::shot(c, "consult-resident-reads-result-phone").await;
    d.finish().await;
}
