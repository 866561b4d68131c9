//! Consultation pages (issue 28) through HTTP: called from a concern's page,
//! refused input comes back with the field marked and what was typed kept,
//! the room's week and calendar feed, the agreed actions handled by the
//! owner's handler, the outcome list and its exports, the track page and the
//! body's public page.

use crate::app::TestApp;
use axum::http::StatusCode;

const DAY: i64 = 86_400_000;

/// `<input type="datetime-local">` text of `ms` in China Standard Time.
fn local(ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    t.format("%Y-%m-%dT%H:%M").to_string()
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn staff_call_a_consultation_from_a_concern_and_see_it_through() {
    let app = TestApp::new().await;
    let grid = app.org_id("yanliang-guanshan-g01").await;
    let guanshan = app.org_id("yanliang-guanshan").await;
    let zjj = app.org_id("yanliang-zjj").await;
    let (concern, code) = xieshang_store::concern::record(
        &app.t.db,
        xieshang_store::item::By::Resident,
        xieshang_store::testing::web_concern(
            grid,
            "road",
            "西飞第二中学门前路面破损",
            "学生上学容易摔倒",
        ),
    )
    .await
    .unwrap();
    app.accept(&code).await;
    let mut staff = app.login("staff").await;

    // The concern's page offers to call a consultation on it.
    let page = staff.get(&format!("/concerns/{concern}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let link = format!("/consultations/new?concerns={concern}");
    assert!(page.body.contains(&link), "no convene link");
    let form = staff.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("西飞第二中学门前路面破损"));

    // A meeting in the past is refused; the field is marked and the typed
    // topic kept.
    let now = app.t.db.now_ms();
    let room: i64 = sqlx::query_scalar("SELECT MIN(id) FROM rooms")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let starts = now + 30 * DAY;
    let post = |starts: i64, topic: &'static str| {
        let (s, e) = (local(starts), local(starts + 2 * 3_600_000));
        vec![
            ("org".to_owned(), guanshan.to_string()),
            ("kind".to_owned(), "grassroots".to_owned()),
            ("topic".to_owned(), topic.to_owned()),
            ("description".to_owned(), "三方协商".to_owned()),
            ("starts_at".to_owned(), s),
            ("ends_at".to_owned(), e),
            ("room".to_owned(), room.to_string()),
            ("concerns".to_owned(), concern.to_string()),
        ]
    };
    let bad = post(now - DAY, "学校门前道路修复");
    let r = staff.post("/consultations", &refs(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="starts_at-error""#), "{}", r.body);
    assert!(r
        .body
        .contains(r#"aria-invalid="true" aria-describedby="starts_at-error""#));
    assert!(r.body.contains(r#"value="学校门前道路修复""#), "topic kept");

    // The demo's coming consultation holds the room three weeks ahead: the
    // same slot is refused as taken.
    let taken: i64 = sqlx::query_scalar(
        "SELECT starts_at FROM consultations WHERE state = 'convened' ORDER BY id LIMIT 1",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let clash = post(taken, "撞车");
    let r = staff.post("/consultations", &refs(&clash)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="room-error""#));

    let good = post(starts, "学校门前道路修复");
    let r = staff.post("/consultations", &refs(&good)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.location.unwrap();
    let id: i64 = at
        .trim_start_matches("/consultations/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let detail = staff.get(&format!("/consultations/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.body.contains("西飞第二中学门前路面破损"),
        "linked concern shown"
    );

    // The resident's track page says a consultation was called: date and topic.
    let mut resident = app.client();
    let track = resident.get(&format!("/track?code={code}")).await;
    assert!(track.body.contains(r#"id="meetings""#), "{}", track.body);
    assert!(track.body.contains("学校门前道路修复"));

    // A department without its representative is refused, and the typed
    // fields stay; with one it is invited.
    let r = staff
        .post(
            &format!("/consultations/{id}/invite"),
            &[
                ("who", "department"),
                ("unit", &zjj.to_string()),
                ("representative", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="representative-error""#));
    let r = staff
        .post(
            &format!("/consultations/{id}/invite"),
            &[
                ("who", "department"),
                ("unit", &zjj.to_string()),
                ("representative", "李科长"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The meeting's calendar file is RFC 5545 with the meeting in it.
    let ics = staff.get(&format!("/consultations/{id}/meeting.ics")).await;
    assert_eq!(ics.status, StatusCode::OK);
    assert!(ics.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let cal: icalendar::Calendar = ics.body.parse().unwrap();
    let events: Vec<_> = icalendar::Calendar::events(&cal).collect();
    assert_eq!(events.len(), 1);
    use icalendar::Component;
    assert_eq!(events[0].get_summary(), Some("学校门前道路修复"));
    // The room's week shows it, and its feed lists it.
    let week = chrono::DateTime::from_timestamp_millis(starts)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m-%d")
        .to_string();
    let rp = staff.get(&format!("/rooms/{room}?week={week}")).await;
    assert_eq!(rp.status, StatusCode::OK);
    assert!(
        rp.body.contains("学校门前道路修复"),
        "booking on the room's week"
    );
    let feed = staff.get(&format!("/rooms/{room}/calendar.ics")).await;
    let cal: icalendar::Calendar = feed.body.parse().unwrap();
    assert!(icalendar::Calendar::events(&cal).any(|e| e.get_summary() == Some("学校门前道路修复")));

    // The meeting is held; an action without an owner is refused and what
    // was typed stays; then one is agreed for 住建局.
    app.set_clock(starts + 3_600_000);
    let r = staff
        .post(
            &format!("/consultations/{id}/hold"),
            &[("minutes", "议定修复路面")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = staff
        .post(
            &format!("/consultations/{id}/actions"),
            &[
                ("title", "修复学校门前路面"),
                ("owner", ""),
                ("due_days", "10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="owner-error""#));
    assert!(r.body.contains(r#"value="修复学校门前路面""#));
    let r = staff
        .post(
            &format!("/consultations/{id}/actions"),
            &[
                ("title", "修复学校门前路面"),
                ("owner", &zjj.to_string()),
                ("due_days", "10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The outcome list shows it, filterable, and exports it.
    let list = staff.get(&format!("/outcomes?owner={zjj}")).await;
    assert!(list.body.contains("修复学校门前路面"));
    let csv = staff
        .get(&format!("/outcomes/export?format=csv&owner={zjj}"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("修复学校门前路面"));
    assert!(
        csv.body.contains("议题"),
        "headers in the interface's language"
    );
    let done = staff.get("/outcomes?state=resolved").await;
    assert!(!done.body.contains("修复学校门前路面"));

    // Done by staff on the owner's report, then closed: the concern resolves
    // with a note naming the consultation.
    let action: i64 =
        sqlx::query_scalar("SELECT id FROM consultation_actions WHERE consultation_id = $1")
            .bind(id)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let r = staff
        .post(
            &format!("/agreed-actions/{action}"),
            &[("action", "resolve"), ("note", "住建局：路面已修复")],
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/consultations/{id}?ok=common.saved").as_str())
    );
    let r = staff
        .post(
            &format!("/consultations/{id}/close"),
            &[
                ("concerns", "resolve"),
                ("result_note", ""),
                ("publish", "1"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a result note is needed"
    );
    let r = staff
        .post(
            &format!("/consultations/{id}/close"),
            &[
                ("concerns", "resolve"),
                ("result_note", "路面已修复"),
                ("publish", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let track = resident.get(&format!("/track?code={code}")).await;
    assert!(
        track.body.contains("【学校门前道路修复】路面已修复"),
        "{}",
        track.body
    );

    // The public page lists it with its units and outcome, never the resident.
    let public = app
        .client()
        .get(&format!("/units/{guanshan}/consultations"))
        .await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("学校门前道路修复"));
    assert!(public.body.contains("住房和城乡建设局"));
    assert!(public.body.contains("修复学校门前路面"));
}

#[tokio::test]
async fn a_department_handles_its_agreed_actions_and_another_cannot() {
    let app = TestApp::new().await;
    // The demo's held consultation has an open action of 住建局 and a done one
    // of 城管局 (whose handler is `handler`).
    let mut handler = app.login("handler").await;
    let mine = handler.get("/agreed-actions").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.body.contains(r#"id="my-actions-empty""#),
        "城管局's one is done"
    );
    let zjj_action: i64 = sqlx::query_scalar(
        "SELECT a.id FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
          WHERE o.code = 'yanliang-zjj'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let r = handler
        .post(
            &format!("/agreed-actions/{zjj_action}"),
            &[
                ("action", "resolve"),
                ("note", "不是我的"),
                ("back", "mine"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The handler, whose unit took part, reads the consultation.
    let held: i64 = sqlx::query_scalar("SELECT MIN(id) FROM consultations")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(
        handler.get(&format!("/consultations/{held}")).await.status,
        StatusCode::OK
    );
    // The paired member sees the coming meetings she is invited to, with a feed.
    let mut member = app.login("member-gs-01").await;
    let m = member.get("/meetings").await;
    assert_eq!(m.status, StatusCode::OK);
    let feed = member.get("/meetings.ics").await;
    assert_eq!(feed.status, StatusCode::OK);
    let _: icalendar::Calendar = feed.body.parse().unwrap();
}

/// The demo's held consultation (关山街道, 西飞第二中学).
async fn held(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM consultations WHERE state = 'held' ORDER BY id LIMIT 1")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn materials_are_refused_with_a_message_read_by_participants_and_published() {
    let app = TestApp::new().await;
    let id = held(&app).await;
    let mut staff = app.login("staff").await;
    let at = format!("/consultations/{id}/materials");
    let pdf = b"%PDF-1.7\n1 0 obj\n%%EOF".to_vec();

    // A refused type comes back on the page with its message; the title is kept.
    let r = staff
        .post_multipart(
            &at,
            &[("material_title", "路面修复方案")],
            &[(
                "file",
                "方案.pdf",
                b"<html><script>alert(1)</script></html>".to_vec(),
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="file-error""#), "{}", r.body);
    assert!(
        r.body.contains("PowerPoint"),
        "the message names the accepted types"
    );
    assert!(r.body.contains(r#"value="路面修复方案""#), "title kept");
    // A PDF named as a Word document: the name must end as the content is.
    let r = staff
        .post_multipart(&at, &[], &[("file", "方案.docx", pdf.clone())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(".pdf"), "{}", r.body);
    // Over the limit: read to its end and dropped, the form says what to do.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(xieshang_store::consult::material::MAX_BYTES + 1, b' ');
    let r = staff
        .post_multipart(
            &at,
            &[("material_title", "全文")],
            &[("file", "大.pdf", big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("20MB"), "{}", r.body);
    assert!(r.body.contains(r#"value="全文""#), "title kept");
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments WHERE kind = 'consultation' AND stage = 'material'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(stored, 0, "nothing refused was stored");

    // A PDF is attached and listed.
    let r = staff
        .post_multipart(
            &at,
            &[("material_title", "路面修复方案")],
            &[("file", "修复方案.pdf", pdf.clone())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = staff.get(&format!("/consultations/{id}")).await;
    let m: i64 = sqlx::query_scalar(
        "SELECT id FROM attachments WHERE kind = 'consultation' AND item_id = $1",
    )
    .bind(id)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let link = format!("/consultations/{id}/materials/{m}");
    assert!(page.body.contains(&link), "listed on the page");
    assert!(page.body.contains("路面修复方案"));

    // The invited member downloads it; a member not invited and another
    // district's staff are answered 404, as for a material that does not exist.
    let mut member = app.login("member-gs-01").await;
    let r = member.get(&link).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/pdf"
    );
    assert!(r
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("filename*=UTF-8''%E4%BF%AE%E5%A4%8D%E6%96%B9%E6%A1%88.pdf"));
    assert_eq!(r.body.as_bytes(), &pdf[..]);
    let mut outsider = app.login("member-fh-01").await;
    let hidden = outsider.get(&link).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let missing = outsider
        .get(&format!("/consultations/{id}/materials/987654321"))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let mut beilin = app.login("staff-beilin").await;
    assert_eq!(beilin.get(&link).await.status, StatusCode::NOT_FOUND);
    // Staff themselves reach no material through another consultation.
    let other: i64 = sqlx::query_scalar("SELECT MAX(id) FROM consultations")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(
        staff
            .get(&format!("/consultations/{other}/materials/{m}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The member may not publish it.
    let r = member
        .post(
            &format!("/consultations/{id}/materials/{m}/publish"),
            &[("published", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Public only once staff publish it with the outcome.
    let token: String = sqlx::query_scalar("SELECT public_token FROM attachments WHERE id = $1")
        .bind(m)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let mut anon = app.client();
    let public = format!("/materials/{token}");
    assert_eq!(anon.get(&public).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        anon.get(&format!("/photos/{token}")).await.status,
        StatusCode::NOT_FOUND
    );
    let guanshan = app.org_id("yanliang-guanshan").await;
    let list = format!("/units/{guanshan}/consultations");
    assert!(!anon.get(&list).await.body.contains(&public));
    let r = staff
        .post(
            &format!("/consultations/{id}/materials/{m}/publish"),
            &[("published", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = anon.get(&list).await;
    assert!(shown.body.contains(&public), "{}", shown.body);
    let r = anon.get(&public).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.as_bytes(), &pdf[..]);
}

/// The dark modules an SVG QR code draws (the `qrcode` crate's renderer: one
/// `M{left} {top}h{w}v{h}…` rectangle per dark module, after a quiet zone of
/// four), as rows of booleans.
fn svg_modules(svg: &str) -> Vec<Vec<bool>> {
    let start = svg.find("<svg").expect("an SVG");
    let width: u32 = svg[start..]
        .split("width=\"")
        .nth(1)
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse().ok())
        .expect("its width");
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let rects: Vec<(u32, u32, u32)> = d
        .split('M')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (xy, rest) = p.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let w = rest.split('v').next().unwrap();
            (x.parse().unwrap(), y.parse().unwrap(), w.parse().unwrap())
        })
        .collect();
    let unit = rects[0].2;
    let n = (width / unit - 8) as usize;
    let mut grid = vec![vec![false; n]; n];
    for (x, y, w) in rects {
        assert_eq!(w, unit, "one rectangle per module");
        grid[(y / unit - 4) as usize][(x / unit - 4) as usize] = true;
    }
    grid
}

/// The modules of a QR code of `text`, as the `qrcode` crate encodes it.
fn qr_modules(text: &str) -> Vec<Vec<bool>> {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = code.width();
    code.to_colors()
        .chunks(n)
        .map(|row| row.iter().map(|c| *c == qrcode::Color::Dark).collect())
        .collect()
}

#[tokio::test]
async fn the_meetings_qr_code_carries_its_check_in_url_and_a_participant_checks_in() {
    let app = TestApp::with_config(|c| c.base_url = "https://xieshang.example.cn/".into()).await;
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM consultations WHERE state = 'convened' ORDER BY id LIMIT 1",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    let starts_at: i64 = sqlx::query_scalar("SELECT starts_at FROM consultations WHERE id = $1")
        .bind(id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let mut staff = app.login("staff").await;
    // Whatever Host the request names, the code carries the public URL.
    let req = axum::http::Request::get(format!("/consultations/{id}"))
        .header(axum::http::header::COOKIE, staff.cookie_header())
        .header(axum::http::header::HOST, "evil.example.com")
        .body(axum::body::Body::empty())
        .unwrap();
    let page = staff.send(req).await;
    assert_eq!(page.status, StatusCode::OK);
    let url = format!("https://xieshang.example.cn/consultations/{id}/check-in");
    let section = page
        .body
        .split(r#"id="check-in-qr""#)
        .nth(1)
        .expect("staff see the QR code");
    let svg = &section[..section.find("</svg>").unwrap() + 6];
    assert_eq!(svg_modules(svg), qr_modules(&url), "the code is the URL's");
    assert_ne!(
        svg_modules(svg),
        qr_modules("https://evil.example.com/consultations/1/check-in")
    );
    assert!(!page.body.contains("evil.example.com"));

    // A member invited by account opens it on the day and checks in with one
    // button; one not invited finds nothing there.
    let member_id = app.user_id("member-fh-01").await;
    let member_actor = xieshang_store::account::user::actor(&app.t.db, member_id)
        .await
        .unwrap();
    let staff_actor = xieshang_store::account::user::actor(&app.t.db, app.user_id("staff").await)
        .await
        .unwrap();
    let mut outsider = app.login("member-fh-02").await;
    assert_eq!(
        outsider
            .get(&format!("/consultations/{id}/check-in"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    xieshang_store::consult::invite(
        &app.t.db,
        None,
        &staff_actor,
        id,
        &xieshang_store::consult::Invitee::Person {
            role: xieshang_store::consult::ParticipantRole::Member,
            user_id: member_actor.user_id,
        },
    )
    .await
    .unwrap();
    app.set_clock(starts_at - 30 * 60_000);
    let mut member = app.login("member-fh-01").await;
    let at = format!("/consultations/{id}/check-in");
    let page = member.get(&at).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"id="check_in""#), "{}", page.body);
    let r = member.post(&at, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!r.location.unwrap().contains("err="));
    let present: i64 = sqlx::query_scalar(
        "SELECT present FROM consultation_participants WHERE consultation_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(member_id)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(present, 1);
    let again = member.get(&at).await;
    assert!(again.body.contains(r#"id="checked-in""#));
    assert!(!again.body.contains(r#"id="check_in""#));
}

/// A GET or POST to the JSON API with a key (or none).
async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<serde_json::Value>,
) -> (StatusCode, serde_json::Value) {
    let mut req = axum::http::Request::builder().method(method).uri(path);
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let req = match body {
        Some(b) => req
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(b.to_string())),
        None => req.body(axum::body::Body::empty()),
    }
    .unwrap();
    let r = app.client().send(req).await;
    let v = serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null);
    (r.status, v)
}

#[tokio::test]
async fn the_api_reads_within_the_keys_unit_and_the_owner_posts_progress_seen_by_webhooks() {
    use xieshang_store::account::apikey::{self, Scope};
    let app = TestApp::with_config(|c| {
        c.webhook_policy = xieshang_store::net::AddressPolicy::allowing(
            xieshang_store::net::Ranges::parse(&["127.0.0.0/8"]).unwrap(),
        );
    })
    .await;
    let db = &app.t.db;
    let read = [Scope::ConsultationsRead];
    let (_, district) = apikey::create(db, "yanliang", "区平台", &read)
        .await
        .unwrap();
    let (_, district_rw) = apikey::create(
        db,
        "yanliang",
        "区平台写",
        &[Scope::ConsultationsRead, Scope::ConsultationsUpdate],
    )
    .await
    .unwrap();
    let (_, beilin) = apikey::create(
        db,
        "beilin",
        "碑林",
        &[Scope::ConsultationsRead, Scope::ConsultationsUpdate],
    )
    .await
    .unwrap();
    let (_, concerns_only) = apikey::create(db, "yanliang", "诉求", &[Scope::ConcernsRead])
        .await
        .unwrap();
    let (_, zjj) = apikey::create(
        db,
        "yanliang-zjj",
        "住建办件系统",
        &[Scope::ConsultationsRead, Scope::ConsultationsUpdate],
    )
    .await
    .unwrap();
    let (_, zjj_read) = apikey::create(db, "yanliang-zjj", "住建只读", &read)
        .await
        .unwrap();
    let id = held(&app).await;
    let road: i64 = sqlx::query_scalar(
        "SELECT a.id FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
          WHERE o.code = 'yanliang-zjj' AND a.consultation_id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .unwrap();

    // Scope refusals: no key, a key without consultations:read, a read-only
    // key posting.
    let (s, _) = api(&app, "GET", "/api/v1/consultations", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, body) = api(
        &app,
        "GET",
        "/api/v1/consultations",
        Some(&concerns_only),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let update =
        |note: &str, action: &str| Some(serde_json::json!({"action": action, "note": note}));
    let at = format!("/api/v1/agreed-actions/{road}/updates");
    let (s, _) = api(
        &app,
        "POST",
        &at,
        Some(&zjj_read),
        update("开工", "progress"),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The district's key reads its consultations; another district's does
    // not, and is answered 404 for one by id, as for one that does not exist.
    let (s, list) = api(&app, "GET", "/api/v1/consultations", Some(&district), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == id && c["unit_code"] == "yanliang-guanshan"));
    let (s, list) = api(&app, "GET", "/api/v1/consultations", Some(&beilin), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    let one = format!("/api/v1/consultations/{id}");
    let (s, c) = api(&app, "GET", &one, Some(&district), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["topic"], "西飞第二中学门前道路修复");
    assert_eq!(c["actions"].as_array().unwrap().len(), 2);
    let (hidden, hidden_body) = api(&app, "GET", &one, Some(&beilin), None).await;
    let (missing, missing_body) = api(
        &app,
        "GET",
        "/api/v1/consultations/987654321",
        Some(&beilin),
        None,
    )
    .await;
    assert_eq!(hidden, StatusCode::NOT_FOUND);
    assert_eq!((hidden, hidden_body), (missing, missing_body));
    let action_at = format!("/api/v1/agreed-actions/{road}");
    let (s, _) = api(&app, "GET", &action_at, Some(&beilin), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api(&app, "POST", &at, Some(&beilin), update("越权", "progress")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The owner department's key sees the actions it owns, not the
    // consultation of the street.
    let (s, mine) = api(&app, "GET", "/api/v1/agreed-actions", Some(&zjj), None).await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<i64> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![road]);
    let (s, _) = api(&app, "GET", &one, Some(&zjj), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The district's key sees the action but does not own it: refused.
    let (s, _) = api(
        &app,
        "POST",
        &at,
        Some(&district_rw),
        update("代报", "progress"),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, body) = api(&app, "POST", &at, Some(&zjj), update("", "progress")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A webhook of the district hears of the owner's progress (the sample
    // city's own jobs run first).
    app.worker(None).run_until_idle().await.unwrap();
    let inbox: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let kept = inbox.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let staff = xieshang_store::account::user::actor(db, app.user_id("staff").await)
        .await
        .unwrap();
    xieshang_store::jobs::webhook::create(
        db,
        app.state.sealer.as_deref().unwrap(),
        &app.state.config.webhook_policy,
        &staff,
        app.org_id("yanliang").await,
        &format!("http://{addr}/hook"),
        &[
            "agreed_action.progress".to_owned(),
            "agreed_action.resolved".to_owned(),
            "consultation.held".to_owned(),
        ],
    )
    .await
    .unwrap();

    // The owner's key posts progress: it is on the action's timeline, signed
    // with the system's name, and a webhook job is queued with it.
    let (s, body) = api(
        &app,
        "POST",
        &at,
        Some(&zjj),
        update("已进场施工", "progress"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "in_progress");
    let queued: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'item_webhook' AND done_at IS NULL
            AND payload LIKE '%\"event\":\"progress\"%'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(queued, 1);
    let (s, a) = api(&app, "GET", &action_at, Some(&zjj), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a["state"], "in_progress");
    let last = a["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "progress");
    assert_eq!(last["note"], "已进场施工（住建办件系统）");
    app.worker(None).run_until_idle().await.unwrap();
    let delivered: Vec<(String, Option<i64>)> = sqlx::query_as::<_, (String, Option<i64>)>(
        "SELECT event, delivered_at FROM webhook_deliveries ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0].0, "agreed_action.progress");
    assert!(delivered[0].1.is_some());
    let got: serde_json::Value = serde_json::from_str(&inbox.lock().unwrap()[0]).unwrap();
    assert_eq!(got["event"], "agreed_action.progress");
    assert_eq!(got["agreed_action"]["id"], road);
    assert_eq!(got["agreed_action"]["state"], "in_progress");
    assert_eq!(
        got["agreed_action"]["url"],
        format!("http://xieshang.test/consultations/{id}")
    );

    // Done through the API: resolved, and told.
    let (s, body) = api(
        &app,
        "POST",
        &at,
        Some(&zjj),
        update("路面已修复", "resolve"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "resolved");
    app.worker(None).run_until_idle().await.unwrap();
    assert_eq!(inbox.lock().unwrap().len(), 2);
    let (s, _) = api(&app, "POST", &at, Some(&zjj), update("再报", "progress")).await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing moves a done action");

    // A consultation's change is heard too: the coming one is held.
    let (upcoming, starts): (i64, i64) = sqlx::query_as(
        "SELECT id, starts_at FROM consultations WHERE state = 'convened' ORDER BY id LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    app.set_clock(starts + 60_000);
    xieshang_store::consult::hold(db, &staff, upcoming, "照明方案已议定", &[], &[])
        .await
        .unwrap();
    app.worker(None).run_until_idle().await.unwrap();
    let bodies: Vec<serde_json::Value> = inbox
        .lock()
        .unwrap()
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let held = bodies
        .iter()
        .find(|b| b["event"] == "consultation.held")
        .expect("the hold is delivered");
    assert_eq!(held["consultation"]["id"], upcoming);
    assert_eq!(held["consultation"]["state"], "held");
    assert_eq!(held["consultation"]["unit_code"], "yanliang-guanshan");
}
