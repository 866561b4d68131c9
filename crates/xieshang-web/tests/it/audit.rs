//! Issue 33 point 5: the audit log, readable. Staff read their own district's
//! rows only (another district's row answers as one that does not exist),
//! filters are checked with a message per field, pages follow by id without
//! gaps or repeats, personal data is masked on the page and in the CSV, and
//! the chain's daily check is queued once a day and shown with its time.

use crate::app::TestApp;
use axum::http::StatusCode;
use xieshang_store::item::By;

async fn actor(app: &TestApp, username: &str) -> xieshang_core::Actor {
    let id = app.user_id(username).await;
    xieshang_store::account::user::actor(&app.t.db, id)
        .await
        .unwrap()
}

/// A room created by `staff` in the unit `code`: its audit row's id.
async fn room(app: &TestApp, staff: &str, code: &str, name: &str) -> i64 {
    let a = actor(app, staff).await;
    let org = app.org_id(code).await;
    xieshang_store::consult::room::create(&app.t.db, &a, org, name, 12)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT MAX(id) FROM audit_log WHERE action = 'room.create'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_read_their_own_districts_rows_and_no_others() {
    let app = TestApp::new().await;
    let own = room(&app, "staff", "yanliang-guanshan", "审计甲室").await;
    let other = room(&app, "staff-beilin", "beilin-nanyuanmen", "审计乙室").await;
    let mut staff = app.login("staff").await;

    let list = staff.get("/audit").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&format!("href=\"/audit/{own}\"")),
        "own row listed"
    );
    assert!(
        !list.body.contains(&format!("href=\"/audit/{other}\"")),
        "no other district's row"
    );
    assert!(
        list.body.contains("id=\"nav-audit\""),
        "the menu links the log"
    );

    let page = staff.get(&format!("/audit/{own}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("审计甲室") && page.body.contains("room.create"));

    // Another district's row is answered as a row that does not exist.
    let hidden = staff.get(&format!("/audit/{other}")).await;
    let missing = staff.get("/audit/987654321").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(
        (hidden.status, &hidden.body),
        (missing.status, &missing.body)
    );

    // Its unit cannot be asked for either: the same message as a code that
    // does not exist.
    let by_other = staff.get("/audit?unit=beilin-nanyuanmen").await;
    let by_none = staff.get("/audit?unit=no-such-unit").await;
    assert_eq!(by_other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(by_other.body.contains("id=\"unit-error\""));
    assert!(!by_other.body.contains("审计乙室"));
    assert_eq!(by_none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        by_other.body.replace("beilin-nanyuanmen", "?"),
        by_none.body.replace("no-such-unit", "?"),
        "another district's unit reads as one that does not exist"
    );

    // The other district's staff see theirs, and not ours.
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(
        beilin.get(&format!("/audit/{other}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        beilin.get(&format!("/audit/{own}")).await.status,
        StatusCode::NOT_FOUND
    );

    // The city's administrator sees both; a member has no audit log at all.
    let mut admin = app.login("admin").await;
    assert_eq!(
        admin.get(&format!("/audit/{own}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        admin.get(&format!("/audit/{other}")).await.status,
        StatusCode::OK
    );
    let mut member = app.login("member-fh-01").await;
    assert_eq!(member.get("/audit").await.status, StatusCode::FORBIDDEN);
    assert!(!member.get("/today").await.body.contains("id=\"nav-audit\""));
    assert_eq!(
        member.get(&format!("/audit/{own}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        member.get("/audit/entries.csv").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn filters_are_checked_and_narrow_the_list() {
    let app = TestApp::new().await;
    let row = room(&app, "staff", "yanliang-guanshan", "审计丙室").await;
    let mut staff = app.login("staff").await;

    for (query, field) in [
        ("kind=nonsense", "kind"),
        ("who=%E7%8E%8B%20x", "who"),
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2026-05-02&to=2026-05-01", "to"),
    ] {
        let r = staff.get(&format!("/audit?{query}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{query}: {field} marked"
        );
        assert!(r.body.contains("aria-invalid=\"true\""), "{query}");
        // What was typed stays in the form.
        assert!(r.body.contains("id=\"error-summary\""), "{query}");
    }
    let kept = staff.get("/audit?kind=nonsense&who=staff").await;
    assert!(
        kept.body.contains("value=\"staff\""),
        "the other fields keep their input"
    );
    assert_eq!(
        staff.get("/audit/entries.csv?kind=nonsense").await.status,
        StatusCode::BAD_REQUEST
    );

    // Kinds of record by their names, not their codes.
    let by_kind = staff.get("/audit?kind=room").await;
    assert!(
        by_kind
            .body
            .contains("<option value=\"room\" selected>活动室</option>"),
        "{}",
        by_kind.body
    );
    assert!(by_kind.body.contains("<td>活动室 "));
    assert!(!by_kind.body.contains(">room<") && !by_kind.body.contains(">room "));

    let link = format!("href=\"/audit/{row}\"");
    let today = xieshang_core::calendar::cst_date(app.t.db.now_ms()).format("%Y-%m-%d");
    for query in [
        "kind=room".to_owned(),
        "who=staff".to_owned(),
        "who=Staff".to_owned(),
        "unit=yanliang".to_owned(),
        "unit=yanliang-guanshan".to_owned(),
        format!("from={today}&to={today}"),
        format!("kind=room&who=staff&unit=yanliang-guanshan&from={today}&to={today}"),
    ] {
        let r = staff.get(&format!("/audit?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}");
        assert!(r.body.contains(&link), "{query} lists the row");
    }
    for query in [
        "kind=user",
        "who=admin",
        "unit=yanliang-fenghuang",
        "to=2020-01-01",
    ] {
        let r = staff.get(&format!("/audit?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}");
        assert!(!r.body.contains(&link), "{query} leaves the row out");
    }
}

#[tokio::test]
async fn pages_follow_by_id_without_gaps_or_repeats() {
    let app = TestApp::new().await;
    let staff = actor(&app, "staff").await;
    let org = app.org_id("yanliang-guanshan").await;
    for n in 0..120 {
        xieshang_store::consult::room::create(&app.t.db, &staff, org, &format!("分页室{n}"), 8)
            .await
            .unwrap();
    }
    let expected: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM audit_log WHERE action = 'room.create' AND org_id = $1 ORDER BY id DESC",
    )
    .bind(org)
    .fetch_all(app.t.db.pool())
    .await
    .unwrap();
    // The demo's own rooms, and ours.
    assert!(expected.len() >= 120);
    let mut c = app.login("staff").await;
    let mut url = "/audit?kind=room&unit=yanliang-guanshan".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = c.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        pages += 1;
        let mut on_page = 0;
        for part in r.body.split("<td><a href=\"/audit/").skip(1) {
            let id: i64 = part[..part.find('"').unwrap()].parse().unwrap();
            seen.push(id);
            on_page += 1;
        }
        assert!(on_page <= 50, "a page holds 50 rows");
        // The next page's link, on every page but the last.
        let next = r.body.find("\" id=\"next-page\"").map(|end| {
            let start = r.body[..end].rfind("href=\"").unwrap() + 6;
            r.body[start..end].replace("&amp;", "&")
        });
        match next {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(pages, expected.len().div_ceil(50));
    assert_eq!(seen, expected, "every row once, newest first");
}

#[tokio::test]
async fn personal_data_is_masked_on_the_page_and_in_the_csv() {
    let app = TestApp::new().await;
    // A note that carries a phone number and an email address.
    let area = app.org_id("yanliang-fenghuang").await;
    let (id, _) = xieshang_store::concern::record(
        &app.t.db,
        By::Resident,
        xieshang_store::testing::web_concern(area, "road", "路面坑洼", "人行道上有一个大坑。"),
    )
    .await
    .unwrap();
    let staff = actor(&app, "staff").await;
    xieshang_store::item::transition(
        &app.t.db,
        &xieshang_core::item::CONCERN,
        id,
        xieshang_core::item::Action::Accept,
        By::User(&staff),
        Some("已电话联系居民 13812345678，邮箱 wang.jianguo@example.cn"),
        &[],
    )
    .await
    .unwrap();
    let row: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_log WHERE entity = 'concern'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let stored: String = sqlx::query_scalar("SELECT after_json FROM audit_log WHERE id = $1")
        .bind(row)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert!(
        stored.contains("13812345678"),
        "the chain keeps what was written"
    );

    // An account's own email (a row of no unit: the root's administrators').
    let admin = actor(&app, "admin").await;
    let email = xieshang_core::values::Email::parse("zhang.san@example.cn").unwrap();
    xieshang_store::account::user::set_own_email(&app.t.db, &admin, Some(&email))
        .await
        .unwrap();
    let email_row: i64 =
        sqlx::query_scalar("SELECT MAX(id) FROM audit_log WHERE action = 'user.set_email'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let email_stored: String = sqlx::query_scalar("SELECT after_json FROM audit_log WHERE id = $1")
        .bind(email_row)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert!(
        email_stored.contains("z***@example.cn") && !email_stored.contains("zhang.san"),
        "an account's email is written masked into the chain: {email_stored}"
    );

    let mut c = app.login("staff").await;
    let page = c.get(&format!("/audit/{row}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("138****5678"), "{}", page.body);
    assert!(page.body.contains("w***@example.cn"));
    assert!(!page.body.contains("13812345678") && !page.body.contains("wang.jianguo"));
    // Before and after side by side: the state moved on.
    assert!(page.body.contains("id=\"audit-diff\""));
    // A row of no unit is not a district's.
    assert_eq!(
        c.get(&format!("/audit/{email_row}")).await.status,
        StatusCode::NOT_FOUND
    );

    let csv = c.get("/audit/entries.csv?kind=concern").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.body.contains("138****5678") && !csv.body.contains("13812345678"));
    assert!(
        csv.body.contains("操作人"),
        "headers in the interface's language"
    );
    let machine = c
        .get("/audit/entries.csv?kind=concern&headers=machine")
        .await;
    assert!(machine
        .body
        .trim_start_matches('\u{feff}')
        .starts_with("id,at,actor,action,entity,entity_id,unit,before,after"));
    // One line per row the filter names, as the page lists them.
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log a JOIN orgs o ON o.id = a.org_id
          JOIN orgs d ON d.code = 'yanliang' WHERE a.entity = 'concern' AND o.path LIKE d.path || '%'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let mut reader =
        ::csv::Reader::from_reader(machine.body.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(reader.records().count() as i64, rows);

    let mut admin = app.login("admin").await;
    let own = admin.get(&format!("/audit/{email_row}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("z***@example.cn") && !own.body.contains("zhang.san@"));
}

#[tokio::test]
async fn the_chain_is_checked_daily_and_the_page_says_when() {
    let app = TestApp::new().await;
    let db = &app.t.db;
    let mut staff = app.login("staff").await;
    let mut admin = app.login("admin").await;
    assert!(staff.get("/audit").await.body.contains("id=\"check-none\""));

    // Due at once on a database that never had one, then not again today.
    assert!(xieshang_store::jobs::schedule_audit_check(db)
        .await
        .unwrap());
    assert!(!xieshang_store::jobs::schedule_audit_check(db)
        .await
        .unwrap());
    let queued: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'audit_verify' AND done_at IS NULL",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(queued, 1);
    app.worker(None).run_until_idle().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let page = staff.get("/audit").await.body;
    assert!(page.contains("id=\"check-ok\""), "{page}");
    // The time as the page writes it in zh-CN (China time).
    let when = chrono::DateTime::from_timestamp_millis(db.now_ms() + 8 * 3_600_000)
        .unwrap()
        .format("%Y年%-m月%-d日 %H:%M")
        .to_string();
    assert!(
        page.contains(&format!("<span id=\"checked-at\">{when}</span>")),
        "{page}"
    );
    // The row count is the whole system's: for the root's administrators.
    assert!(!page.contains(&format!("{rows})")));
    assert!(admin
        .get("/audit")
        .await
        .body
        .contains(&format!(" {rows})")));

    // The next day's check, once the day has come.
    app.advance(86_400_000);
    assert!(xieshang_store::jobs::schedule_audit_check(db)
        .await
        .unwrap());
    assert!(!xieshang_store::jobs::schedule_audit_check(db)
        .await
        .unwrap());
    // A row changed behind the chain's back is found by the next check.
    let first: i64 = sqlx::query_scalar("SELECT MIN(id) FROM audit_log")
        .fetch_one(db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor_name = 'mallory' WHERE id = $1")
        .bind(first)
        .execute(db.pool())
        .await
        .unwrap();
    app.worker(None).run_until_idle().await.unwrap();
    let page = staff.get("/audit").await.body;
    assert!(page.contains("id=\"check-broken\""), "{page}");
    assert!(
        !page.contains(&format!("#{first}:")),
        "the row is the administrators'"
    );
    assert!(admin
        .get("/audit")
        .await
        .body
        .contains(&format!("#{first}:")));

    // Three days without a check: the page says so.
    app.advance(3 * 86_400_000);
    assert!(staff
        .get("/audit")
        .await
        .body
        .contains("id=\"check-stale\""));
}
