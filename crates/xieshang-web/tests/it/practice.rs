//! Issue 31's best-practice story (points 5, 6 and 9) through HTTP, on the
//! sample city: 阎良区's staff write and submit their 多商量 practice with a
//! photo; the city's staff ask for a change once (a request without its note
//! is refused, the choice kept), the district changes it and sends it again;
//! the city selects it with two others, finds it in the library, compiles a
//! booklet of two chapters (one with no practice is refused, the typing
//! kept); the job writes it, the page shows it ready, and `pdftotext` reads
//! the titles and a contents line back from the PDF. Plus the refusals of
//! bad input. Runs on PostgreSQL with `XIESHANG_TEST_PG` like the rest.

use crate::app::{Client, TestApp};
use axum::http::StatusCode;

const TITLE: &str = "“多商量”协商议事品牌";
const SUMMARY: &str = "阎良区政协在各街道建立“多商量”议事室，群众提、委员议、部门办，\
                       议定事项跟踪落实，一年来推动解决群众关切问题。";

/// The number after `prefix` in `text` (the first occurrence).
fn number_after(text: &str, prefix: &str) -> i64 {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {text}"))
        + prefix.len();
    text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

async fn bytes(c: &Client, path: &str) -> (StatusCode, Vec<u8>, String) {
    let req = axum::http::Request::get(path)
        .header(axum::http::header::COOKIE, c.cookie_header())
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(c.router.clone(), req)
        .await
        .unwrap();
    let status = res.status();
    let ctype = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, body, ctype)
}

/// A small JPEG photo.
fn photo() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut out)
        .encode_image(&img)
        .unwrap();
    out
}

/// 阎良区's staff write the practice and submit it; returns its id.
async fn written(app: &TestApp, s: &mut Client) -> i64 {
    let r = s
        .post(
            "/practices",
            &[
                ("title", TITLE),
                ("area", "consultation"),
                ("summary", SUMMARY),
                (
                    "steps",
                    "一、街道设议事室；\n二、每月议事一次；\n三、议定事项限时办结。",
                ),
                ("figures", "议事室: 7个\n议事次数: 84次"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = number_after(r.location.as_deref().unwrap(), "/practices/");
    let _ = app;
    id
}

#[tokio::test]
async fn yanliang_submits_its_practice_the_city_selects_it_and_the_booklet_reads_back() {
    let app = TestApp::new().await;
    let mut s = app.login("staff").await;
    // 阎良区 has no practice yet in the demo: the story's to write.
    let mine = s.get("/practices/mine").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(!mine.body.contains("多商量"));
    let home = s.get("/").await;
    assert!(
        home.body.contains("id=\"nav-practices\""),
        "the menu leads to the library"
    );
    let id = written(&app, &mut s).await;
    let page = format!("/practices/{id}");

    // A photo, then the submission.
    let r = s
        .post_multipart(
            &format!("{page}/files"),
            &[],
            &[("file", "议事.jpg", photo())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = s.post(&format!("{page}/submit"), &[]).await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{page}?ok=practice.submitted").as_str())
    );
    let detail = s.get(&page).await;
    assert!(
        detail.body.contains("id=\"practice-state\">待审核<"),
        "{}",
        detail.body
    );
    assert!(detail.body.contains("<img class=\"photo\""));
    assert!(
        !detail.body.contains("id=\"edit-form\""),
        "with the city, no longer editable"
    );

    // The city: its home counts it, its review list holds it.
    let mut c = app.login("staff-city").await;
    let home = c.get("/").await;
    assert!(home.body.contains("/practices/review"), "{}", home.body);
    let review = c.get("/practices/review").await;
    assert!(review.body.contains(TITLE), "{}", review.body);
    // A change request without its note: refused, the choice kept.
    let r = c
        .post(
            &format!("{page}/review"),
            &[("decision", "request_changes"), ("note", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("退回修改时请写明需要修改的内容"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"request_changes\" checked"));
    assert!(r.body.contains("id=\"practice-state\">待审核<"));
    let note = "请补充群众满意度数据。";
    let r = c
        .post(
            &format!("{page}/review"),
            &[("decision", "request_changes"), ("note", note)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The district sees the note, changes the practice, sends it again.
    let detail = s.get(&page).await;
    assert!(detail.body.contains(note));
    assert!(detail.body.contains("id=\"practice-state\">退回修改<"));
    let r = s
        .post(
            &format!("{page}/edit"),
            &[
                ("title", TITLE),
                ("area", "consultation"),
                ("summary", SUMMARY),
                (
                    "steps",
                    "一、街道设议事室；\n二、每月议事一次；\n三、议定事项限时办结。",
                ),
                ("figures", "议事室: 7个\n议事次数: 84次\n群众满意度: 96%"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = s.post(&format!("{page}/submit"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The city selects it, and 雁塔区's waiting one; 长安区's is selected already.
    let r = c
        .post(&format!("{page}/review"), &[("decision", "select")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let yanta: i64 = sqlx::query_scalar("SELECT id FROM practices WHERE state = 'submitted'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let r = c
        .post(
            &format!("/practices/{yanta}/review"),
            &[("decision", "select")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let changan: i64 = sqlx::query_scalar(
        "SELECT p.id FROM practices p JOIN orgs o ON o.id = p.org_id
          WHERE o.code = 'changan' AND p.state = 'selected'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();

    // Every step on the district's timeline.
    let detail = s.get(&page).await;
    for step in ["报送", "市政协退回修改", "修改后重新报送", "市政协选定入选"]
    {
        assert!(detail.body.contains(step), "{step}: {}", detail.body);
    }
    assert!(detail.body.contains("群众满意度"));

    // The library finds it by its words, for the district too.
    let found = s.get("/practices?q=%E5%A4%9A%E5%95%86%E9%87%8F").await;
    assert!(found.body.contains(TITLE), "{}", found.body);
    let other = s
        .get("/practices?q=%E9%A3%9E%E7%BA%BF%E5%85%85%E7%94%B5")
        .await;
    assert!(!other.body.contains(TITLE));

    // A booklet with no practice: refused, what was typed kept.
    let r = c
        .post(
            "/booklets",
            &[
                ("title", "优秀做法汇编（2026）"),
                ("body", "西安市政协"),
                ("issued_on", "2026-12-07"),
                ("chapters", "协商议事\n履职与服务"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("汇编里还没有做法"), "{}", r.body);
    assert!(r.body.contains("优秀做法汇编（2026）"));
    assert!(r.body.contains("协商议事\n履职与服务"));
    let (ch_a, ch_b, ch_c) = (
        format!("chapter_{id}"),
        format!("chapter_{yanta}"),
        format!("chapter_{changan}"),
    );
    let (or_a, or_b, or_c) = (
        format!("order_{id}"),
        format!("order_{yanta}"),
        format!("order_{changan}"),
    );
    let r = c
        .post(
            "/booklets",
            &[
                ("title", "优秀做法汇编（2026）"),
                ("body", "西安市政协"),
                ("issued_on", "2026-12-07"),
                ("chapters", "协商议事\n履职与服务"),
                (&ch_a, "1"),
                (&or_a, "1"),
                (&ch_b, "2"),
                (&or_b, "1"),
                (&ch_c, "2"),
                (&or_c, "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let booklet = number_after(r.location.as_deref().unwrap(), "/booklets/");
    let waiting = c.get(&format!("/booklets/{booklet}")).await;
    assert!(waiting.body.contains("id=\"progress\""), "{}", waiting.body);
    assert!(waiting.body.contains("共 3 篇"), "{}", waiting.body);
    let due: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'booklet' AND done_at IS NULL")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    assert_eq!(due, 1, "the booklet waits for the worker");
    assert!(!waiting.body.contains("id=\"download\""));

    // The job writes it.
    app.worker(None).run_until_idle().await.unwrap();
    let ready = c.get(&format!("/booklets/{booklet}")).await;
    assert!(ready.body.contains("id=\"download\""), "{}", ready.body);
    let (st, pdf, ctype) = bytes(&c, &format!("/booklets/{booklet}/booklet.pdf")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ctype, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    // The district may not download the city's booklet.
    let (st, _, _) = bytes(&s, &format!("/booklets/{booklet}/booklet.pdf")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("优秀做法汇编（2026）"), "{text}");
    assert!(text.contains("目录"), "{text}");
    assert!(text.contains(TITLE), "{text}");
    assert!(text.contains("委员工作室打通服务群众"), "{text}");
    assert!(text.contains("委员履职积分管理"), "{text}");
    assert!(text.contains("群众满意度：96%"), "{text}");
    // A contents line: the title, its leader dots and its page number
    // (cover 1, contents 2, chapter one's opening 3, the practice 4).
    let line = text
        .lines()
        .find(|l| l.starts_with(TITLE) && l.contains('…'))
        .unwrap_or_else(|| panic!("a contents line for the practice: {text}"));
    assert!(line.trim_end().ends_with(" 4"), "{line}");
    // The photo went in as a JPEG.
    assert!(pdf.windows(9).any(|w| w == b"DCTDecode"));
}

#[tokio::test]
async fn bad_input_is_refused_with_what_to_change_and_nothing_typed_is_lost() {
    let app = TestApp::new().await;
    let mut s = app.login("staff").await;
    // No title, no summary: both said, the rest kept.
    let r = s
        .post(
            "/practices",
            &[
                ("title", "  "),
                ("area", "service"),
                ("summary", ""),
                ("steps", "一、走访群众"),
                ("figures", "走访: 30户"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("请填写标题"), "{}", r.body);
    assert!(r.body.contains("请填写摘要"));
    assert!(r.body.contains("一、走访群众") && r.body.contains("走访: 30户"));
    assert!(r.body.contains("value=\"service\" selected"));
    assert!(r.body.contains("aria-invalid=\"true\""));
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM practices p JOIN orgs o ON o.id = p.org_id WHERE o.code = 'yanliang'",
    )
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(n, 0);

    // A file over the limit: refused, the practice unchanged.
    let id = written(&app, &mut s).await;
    let big = vec![b'%'; xieshang_store::upload::MAX_BYTES + 1];
    let r = s
        .post_multipart(
            &format!("/practices/{id}/files"),
            &[],
            &[("file", "大文件.pdf", big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"file-error\""), "{}", r.body);
    assert!(r.body.contains(TITLE), "the practice's text is still there");
    let files: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments WHERE kind = 'practice' AND item_id = $1",
    )
    .bind(id)
    .fetch_one(app.t.db.pool())
    .await
    .unwrap();
    assert_eq!(files, 0);

    // A district may not review; the city may not write.
    let r = s
        .post(
            &format!("/practices/{id}/review"),
            &[("decision", "select")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut c = app.login("staff-city").await;
    let r = c
        .post(
            "/practices",
            &[("title", "t"), ("area", "duty"), ("summary", "s")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("优秀做法由区县政协工作人员报送"),
        "{}",
        r.body
    );
    // The city sees the draft; another district does not.
    assert_eq!(
        c.get(&format!("/practices/{id}")).await.status,
        StatusCode::OK
    );
    let mut b = app.login("staff-beilin").await;
    assert_eq!(
        b.get(&format!("/practices/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    // A booklet whose practice is in a chapter that is not there.
    let selected: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM practices WHERE state = 'selected'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let key = format!("chapter_{selected}");
    let r = c
        .post(
            "/booklets",
            &[
                ("title", "汇编"),
                ("body", "西安市政协"),
                ("issued_on", "2026-12-07"),
                ("chapters", "唯一一章"),
                (&key, "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("超出了章节标题的数量"), "{}", r.body);
    assert!(
        r.body.contains(&format!("name=\"{key}\" value=\"3\"")),
        "the typed chapter is kept"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM booklets")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 1, "only the demo's");
}
