//! Issue 26, languages: every page type in English with ASCII punctuation and
//! no state change that reads 「Submitted → Submitted」; zh-TW pages with
//! traditional characters in every label, category names and unit names
//! included; CSV headers in the interface's language.

use crate::app::{Client, TestApp};
use axum::http::StatusCode;
use xieshang_web::{Access, Target};

/// Full-width punctuation: the full-width ASCII forms, 、 and 。.
fn full_width(c: char) -> bool {
    matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3001}' | '\u{3002}')
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The text nodes of a page (between tags; scripts and styles left out).
fn text_nodes(html: &str) -> Vec<String> {
    let mut cleaned = html.to_owned();
    for tag in ["script", "style"] {
        while let Some(a) = cleaned.find(&format!("<{tag}")) {
            let close = format!("</{tag}>");
            let end = cleaned[a..]
                .find(&close)
                .map(|e| a + e + close.len())
                .unwrap_or(cleaned.len());
            cleaned.replace_range(a..end, "");
        }
    }
    let mut nodes = Vec::new();
    let mut inside = false;
    let mut cur = String::new();
    for c in cleaned.chars() {
        match c {
            '<' => {
                inside = true;
                if !cur.trim().is_empty() {
                    nodes.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
            '>' => inside = false,
            c if !inside => cur.push(c),
            _ => {}
        }
    }
    if !cur.trim().is_empty() {
        nodes.push(cur);
    }
    nodes
}

/// Full-width punctuation that the interface put there: in a text node
/// without any Chinese character (「Area：」), or right after a Latin letter,
/// digit or ASCII punctuation. Chinese text people wrote keeps its own
/// punctuation between its own characters.
fn interface_full_width(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for node in text_nodes(html) {
        let chars: Vec<char> = node.chars().collect();
        let has_han = chars.iter().any(|c| is_han(*c));
        for (i, c) in chars.iter().enumerate() {
            if !full_width(*c) {
                continue;
            }
            let after_ascii = i > 0 && chars[i - 1].is_ascii() && !chars[i - 1].is_whitespace();
            if !has_han || after_ascii {
                found.push(node.trim().to_owned());
                break;
            }
        }
    }
    found
}

/// A state change that names one state twice (「Submitted → Submitted」).
fn repeated_change(html: &str) -> Vec<String> {
    text_nodes(html)
        .into_iter()
        .filter(|n| {
            n.split(" · ").any(|part| {
                let mut sides = part.split(" → ");
                match (sides.next(), sides.next()) {
                    (Some(a), Some(b)) => {
                        let a = a.trim();
                        !a.is_empty() && b.trim().starts_with(a)
                    }
                    _ => false,
                }
            })
        })
        .collect()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

/// A concern of Yanliang with a timeline: accepted, assigned, progress.
async fn worked_concern(app: &TestApp) -> (i64, String) {
    let area = app.org_id("yanliang-fenghuang-g01").await;
    let (id, code) = xieshang_store::concern::record(
        &app.t.db,
        xieshang_store::item::By::Resident,
        xieshang_store::testing::web_concern(
            area,
            "road",
            "门口路面塌陷",
            "学生上下学不安全，请尽快处理。",
        ),
    )
    .await
    .unwrap();
    app.accept(&code).await;
    let staff = xieshang_store::account::user::actor(&app.t.db, app.user_id("staff").await)
        .await
        .unwrap();
    let dept = app.org_id("yanliang-cgj").await;
    xieshang_store::concern::triage::assign(
        &app.t.db,
        &app.state.calendar,
        &app.state.config.policy,
        &staff,
        id,
        &[dept],
        dept,
        None,
    )
    .await
    .unwrap();
    (id, code)
}

/// Every GET page of the route table, filled for Yanliang's records.
async fn pages(app: &TestApp, concern: i64, code: &str) -> Vec<String> {
    let org = app.org_id("yanliang-fenghuang").await;
    let user = app.user_id("member-fh-01").await;
    let studio = scalar(
        app,
        "SELECT s.id FROM studios s JOIN orgs o ON o.id = s.org_id \
         WHERE o.code LIKE 'yanliang%' ORDER BY s.id LIMIT 1",
    )
    .await;
    let member = scalar(
        app,
        "SELECT m.id FROM members m JOIN orgs o ON o.id = m.body_id \
         WHERE o.code LIKE 'yanliang%' ORDER BY m.id LIMIT 1",
    )
    .await;
    let grant = scalar(app, "SELECT MIN(id) FROM grants").await;
    let consultation = scalar(app, "SELECT MIN(id) FROM consultations").await;
    let room = scalar(app, "SELECT MIN(id) FROM rooms").await;
    let proposal = scalar(app, "SELECT MIN(id) FROM proposals").await;
    let mut urls = Vec::new();
    for r in app.routes.iter().filter(|r| r.method == "GET") {
        if r.path.starts_with("/api/")
            || r.path.starts_with("/open311/")
            || r.path.starts_with("/static/")
            || r.path.starts_with("/lang/")
            || matches!(r.path, "/metrics" | "/healthz" | "/readyz")
            || matches!(r.access, Access::Key(_))
        {
            continue;
        }
        let id = match r.access {
            Access::Needs(_, Target::Org | Target::Area) => org,
            Access::Needs(_, Target::User) => user,
            Access::Needs(_, Target::Concern) => concern,
            Access::Needs(_, Target::Studio) => studio,
            Access::Needs(_, Target::Member) => member,
            Access::Needs(_, Target::Consultation) => consultation,
            Access::Needs(_, Target::Room) => room,
            Access::Needs(_, Target::Proposal) => proposal,
            _ => org,
        };
        let url = r
            .path
            .replace("{id}", &id.to_string())
            .replace("{grant}", &grant.to_string())
            .replace("{file}", "concerns.csv")
            .replace("{code}", code)
            .replace("{token}", "x");
        let url = match url.as_str() {
            "/search" => "/search?q=%E8%B7%AF%E9%9D%A2".to_owned(),
            "/track" => format!("/track?code={code}"),
            _ => url,
        };
        urls.push(url);
    }
    urls
}

async fn in_lang(app: &TestApp, user: Option<&str>, lang: &str) -> Client {
    let mut c = match user {
        Some(u) => app.login(u).await,
        None => app.client(),
    };
    c.cookies.retain(|(k, _)| k != "xs_lang");
    c.cookies.push(("xs_lang".into(), lang.into()));
    c
}

#[tokio::test]
async fn english_pages_use_ascii_punctuation_and_say_from_and_to() {
    let app = TestApp::new().await;
    let (concern, code) = worked_concern(&app).await;
    let urls = pages(&app, concern, &code).await;
    assert!(
        urls.len() >= 20,
        "the route table lists the pages: {urls:?}"
    );
    let mut faults = Vec::new();
    let mut seen = 0;
    for who in [
        None,
        Some("admin"),
        Some("staff"),
        Some("handler"),
        Some("member-fh-01"),
    ] {
        let mut c = in_lang(&app, who, "en").await;
        for url in &urls {
            let r = c.get(url).await;
            let html = r
                .headers
                .get("content-type")
                .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
            if r.status != StatusCode::OK || !html {
                continue;
            }
            assert!(r.body.contains("<html lang=\"en\">"), "{url} in English");
            seen += 1;
            for f in interface_full_width(&r.body) {
                faults.push(format!("{who:?} {url}: {f}"));
            }
            for f in repeated_change(&r.body) {
                faults.push(format!("{who:?} {url}: repeated state: {f}"));
            }
        }
    }
    assert!(seen >= 40, "pages rendered: {seen}");
    faults.sort();
    faults.dedup();
    assert!(faults.is_empty(), "{}", faults.join("\n"));

    // The concern's timeline says where each change went from and to.
    let mut staff = in_lang(&app, Some("staff"), "en").await;
    let page = staff.get(&format!("/concerns/{concern}")).await.body;
    assert!(page.contains("Accepted · Submitted → Accepted"), "{page}");
}

/// What people wrote or are called, which pages show as written: titles,
/// descriptions, addresses, notes, people's names.
async fn written_by_people(app: &TestApp) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sql in [
        "SELECT title FROM concerns",
        "SELECT description FROM concerns",
        "SELECT COALESCE(address, '') FROM concerns",
        "SELECT COALESCE(note, '') FROM item_events",
        "SELECT display_name FROM users",
        "SELECT name FROM members",
        // Consultations: what staff and participants wrote.
        "SELECT topic FROM consultations",
        "SELECT description FROM consultations",
        "SELECT COALESCE(minutes, '') FROM consultations",
        "SELECT COALESCE(place, '') FROM consultations",
        "SELECT title FROM consultation_agenda",
        "SELECT title FROM consultation_actions",
        "SELECT COALESCE(note, '') FROM consultation_actions",
        "SELECT COALESCE(representative, '') FROM consultation_participants",
        "SELECT COALESCE(name_masked, '') FROM consultation_participants",
        "SELECT COALESCE(deputy, '') FROM consultation_participants",
        "SELECT topic FROM consultation_plan",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(app.t.db.pool())
            .await
            .unwrap();
        out.extend(rows.into_iter().filter(|s| !s.is_empty()));
    }
    // The language switch names each language in its own script.
    out.push("简体中文".to_owned());
    out.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    out.dedup();
    out
}

/// Characters that zh-TW would write otherwise, in the page's labels.
fn simplified_in_labels(html: &str, written: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    // A highlight cuts a title in two text nodes: join them again.
    let html = html.replace("<mark>", "").replace("</mark>", "");
    for node in text_nodes(&html) {
        let mut node = node;
        for w in written {
            if node.contains(w.as_str()) {
                node = node.replace(w.as_str(), " ");
            }
        }
        let bad: String = node
            .chars()
            .filter(|c| is_han(*c))
            .filter(|c| xieshang_text::to_traditional_tw(&c.to_string()) != c.to_string())
            .collect();
        if !bad.is_empty() {
            found.push(format!("{bad} in {}", node.trim()));
        }
    }
    found
}

#[tokio::test]
async fn zh_tw_pages_show_labels_in_traditional_characters() {
    let app = TestApp::new().await;
    let (concern, _code) = worked_concern(&app).await;
    let written = written_by_people(&app).await;
    let mut staff = in_lang(&app, Some("staff"), "zh-TW").await;
    let mut faults = Vec::new();
    let street = app.org_id("yanliang-fenghuang").await;
    for url in [
        format!("/concerns/{concern}"),
        "/concerns".to_owned(),
        "/search?q=%E8%B7%AF%E9%9D%A2".to_owned(),
        "/orgs".to_owned(),
        format!("/orgs/{street}"),
        format!("/areas/{street}"),
    ] {
        let r = staff.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert!(r.body.contains("<html lang=\"zh-TW\">"), "{url}");
        faults.extend(
            simplified_in_labels(&r.body, &written)
                .into_iter()
                .map(|f| format!("{url}: {f}")),
        );
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
    // The category and the area are there, in traditional characters.
    let page = staff.get(&format!("/concerns/{concern}")).await.body;
    let road = xieshang_core::concern::category::by_code("road").unwrap();
    assert!(
        page.contains(&xieshang_text::to_traditional_tw(road.name_zh)),
        "category {} in traditional",
        road.name_zh
    );
    assert!(page.contains("鳳凰"), "the unit's name in traditional");
}

#[tokio::test]
async fn csv_headers_follow_the_language_and_machine_headers_stay_on_request() {
    let app = TestApp::new().await;
    let (_concern, code) = worked_concern(&app).await;
    let machine = "tracking_code,category,area,title,description,state,created_at,deadline_at,resolved_at,agency,result_note";
    let road = xieshang_core::concern::category::by_code("road").unwrap();
    for (lang, first, category) in [
        ("zh-CN", "查询码,类别,区域,标题", road.name_zh.to_owned()),
        (
            "zh-TW",
            "查詢碼,類別,區域,標題",
            xieshang_text::to_traditional_tw(road.name_zh),
        ),
        (
            "en",
            "Tracking code,Category,Area,Title",
            road.name_en.to_owned(),
        ),
    ] {
        let mut staff = in_lang(&app, Some("staff"), lang).await;
        let r = staff.get("/exports/concerns.csv").await;
        assert_eq!(r.status, StatusCode::OK);
        let body = r.body.trim_start_matches('\u{feff}');
        let header = body.lines().next().unwrap();
        assert!(header.starts_with(first), "{lang}: {header}");
        let row = body.lines().find(|l| l.starts_with(&code)).unwrap();
        assert!(row.contains(&category), "{lang}: {row}");
        for url in [
            "/exports/concerns.csv?headers=machine",
            "/open-data/concerns.csv?headers=machine",
        ] {
            let r = staff.get(url).await;
            let body = r.body.trim_start_matches('\u{feff}');
            assert_eq!(body.lines().next(), Some(machine), "{lang} {url}");
        }
        let r = staff.get("/open-data/concerns.csv").await;
        let body = r.body.trim_start_matches('\u{feff}');
        assert!(body.starts_with(first), "{lang} open data");
    }
    let mut staff = app.login("staff").await;
    let r = staff.get("/exports/concerns.csv?headers=bogus").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// Text of a page with the `lang` in force where it stands: (lang, text) for
/// each text node and for each attribute a reader hears or sees (alt,
/// aria-label, placeholder, title, a button's value). Scripts and styles are
/// left out. Enough of HTML for the product's own pages: void elements do not
/// nest, and an end tag closes up to its start tag.
fn texts_with_lang(html: &str, page_lang: &str) -> Vec<(String, String)> {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let pat = format!(" {name}=\"");
        let a = tag.find(&pat)? + pat.len();
        let e = tag[a..].find('"')?;
        Some(tag[a..a + e].to_owned())
    };
    let mut out = Vec::new();
    // (element name, lang in force inside it)
    let mut stack: Vec<(String, String)> = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let lang = stack
            .last()
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| page_lang.to_owned());
        let Some(lt) = rest.find('<') else {
            out.push((lang, rest.to_owned()));
            break;
        };
        if lt > 0 {
            out.push((lang.clone(), rest[..lt].to_owned()));
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map(|e| &after[e + 3..]).unwrap_or("");
            continue;
        }
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[..=gt];
        rest = &rest[gt + 1..];
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if tag.starts_with("</") {
            if let Some(i) = stack.iter().rposition(|(n, _)| *n == name) {
                stack.truncate(i);
            }
            continue;
        }
        if tag.starts_with("<!") || name.is_empty() {
            continue;
        }
        let own = attr(tag, "lang").unwrap_or(lang);
        for a in ["alt", "aria-label", "placeholder", "title"] {
            if let Some(v) = attr(tag, a) {
                out.push((own.clone(), v));
            }
        }
        if name == "input" && attr(tag, "type").is_some_and(|t| t == "submit" || t == "button") {
            if let Some(v) = attr(tag, "value") {
                out.push((own.clone(), v));
            }
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}>");
            rest = rest.find(&close).map(|e| &rest[e..]).unwrap_or("");
            continue;
        }
        if !VOID.contains(&name.as_str()) && !tag.ends_with("/>") {
            stack.push((name, own));
        }
    }
    out
}

/// Names and words that data gives the pages in Chinese, which an English page
/// shows as they are: units, studios, areas, people, what people wrote.
async fn chinese_data(app: &TestApp) -> Vec<String> {
    let mut out = written_by_people(app).await;
    for sql in [
        "SELECT name FROM orgs",
        "SELECT name FROM studios",
        "SELECT name FROM rooms",
        "SELECT COALESCE(name, '') FROM consultation_kinds",
        "SELECT term FROM members",
        "SELECT sector FROM members",
        "SELECT COALESCE(party, '') FROM members",
        "SELECT COALESCE(reason, '') FROM member_changes",
        "SELECT matter FROM receptions",
        "SELECT COALESCE(action_taken, '') FROM receptions",
        "SELECT COALESCE(summary, '') FROM receptions",
        "SELECT COALESCE(result_note, '') FROM concerns",
        // Proposals: what members and the committee wrote, a body's lists.
        "SELECT title FROM proposals",
        "SELECT situation FROM proposals",
        "SELECT analysis FROM proposals",
        "SELECT suggestions FROM proposals",
        "SELECT COALESCE(decision_note, '') FROM proposals",
        "SELECT name FROM proposal_terms",
        "SELECT name FROM proposal_sessions",
        "SELECT name FROM proposal_options",
        // Leads residents sent (issue 29 point 3).
        "SELECT title FROM proposal_leads",
        "SELECT body FROM proposal_leads",
        // Study materials and discussions (issue 30 point 5).
        "SELECT title FROM study_materials",
        "SELECT text FROM study_materials",
        "SELECT title FROM study_topics",
        "SELECT text FROM study_posts",
        // Opinion reports (issue 30): what submitters and the office wrote,
        // and what the levels above recorded.
        "SELECT title FROM opinion_reports",
        "SELECT matter FROM opinion_reports",
        "SELECT COALESCE(edited_title, '') FROM opinion_reports",
        "SELECT COALESCE(edited_matter, '') FROM opinion_reports",
        "SELECT COALESCE(decision_note, '') FROM opinion_reports",
        "SELECT title FROM opinion_report_versions",
        "SELECT COALESCE(evidence, '') FROM opinion_report_levels",
        "SELECT leader FROM opinion_report_instructions",
        "SELECT body FROM opinion_report_instructions",
        // Best practices (issue 31 P): what districts and the city wrote.
        "SELECT title FROM practices",
        "SELECT summary FROM practices",
        "SELECT steps FROM practices",
        "SELECT COALESCE(review_note, '') FROM practices",
        "SELECT title FROM practice_meetings",
        "SELECT place FROM practice_meetings",
        "SELECT title FROM booklets",
        "SELECT body_name FROM booklets",
        "SELECT title FROM booklet_chapters",
        // The party organisation (issue 31 C): meetings and work-unit reports.
        "SELECT title FROM party_meetings",
        "SELECT place FROM party_meetings",
        "SELECT unit_name FROM party_reports",
        "SELECT note FROM party_reports",
        "SELECT COALESCE(decision_note, '') FROM party_reports",
    ] {
        // A table or column another schema lacks is simply not a source.
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(app.t.db.pool())
            .await
            .unwrap_or_default();
        out.extend(rows.into_iter().filter(|s| !s.is_empty()));
    }
    // A district's everyday name (the CPPCC body's name without 政协).
    let everyday: Vec<String> = out
        .iter()
        .filter_map(|n| n.strip_suffix("政协").map(str::to_owned))
        .collect();
    out.extend(everyday);
    out.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    out.dedup();
    out
}

/// Issue 27 points 3 and 6: an English page's own words (navigation, headings,
/// labels, buttons, messages, dates) are English. Chinese that is left once the
/// data the page shows (names, titles, what people wrote) is taken out is
/// either the interface speaking Chinese, a fault, or a fragment in another
/// language that says so with its own `lang` (the language switch).
#[tokio::test]
async fn english_pages_have_no_chinese_chrome() {
    let app = TestApp::new().await;
    let (concern, code) = worked_concern(&app).await;
    let urls = pages(&app, concern, &code).await;
    let data = chinese_data(&app).await;
    // The walker bites: a heading in Chinese is found, a fragment marked as
    // Chinese is not, and neither is a title people wrote.
    let planted = "<main><h1>诉求</h1><a lang=\"zh-TW\">繁體中文</a><p>门口路面塌陷</p><img alt=\"照片\"></main>";
    let found: Vec<String> = texts_with_lang(planted, "en")
        .into_iter()
        .filter(|(l, t)| l == "en" && t.chars().any(is_han) && !data.iter().any(|d| t == d))
        .map(|(_, t)| t)
        .collect();
    assert_eq!(found, ["诉求", "照片"], "the walker finds Chinese chrome");

    let mut faults = Vec::new();
    let mut seen = 0;
    for who in [
        None,
        Some("admin"),
        Some("staff"),
        Some("handler"),
        Some("member-fh-01"),
        Some("leader"),
    ] {
        let mut c = in_lang(&app, who, "en").await;
        for url in &urls {
            let r = c.get(url).await;
            let html = r
                .headers
                .get("content-type")
                .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
            if r.status != StatusCode::OK || !html {
                continue;
            }
            seen += 1;
            let body = r.body.replace("<mark>", "").replace("</mark>", "");
            for (lang, text) in texts_with_lang(&body, "en") {
                if !text.chars().any(is_han) {
                    continue;
                }
                if lang.starts_with("zh") {
                    continue;
                }
                let mut left = text.clone();
                for d in &data {
                    if left.contains(d.as_str()) {
                        left = left.replace(d.as_str(), " ");
                    }
                }
                if left.chars().any(is_han) {
                    faults.push(format!("{url} (as {who:?}): {}", text.trim()));
                }
            }
        }
    }
    assert!(seen >= 40, "pages rendered: {seen}");
    faults.sort();
    faults.dedup();
    assert!(
        faults.is_empty(),
        "{} faults:\n{}",
        faults.len(),
        faults.join("\n")
    );

    // Times follow the language: the timeline reads 「2026年2月15日 07:59」 in
    // Chinese and "15 Feb 2026 07:59" in English, never the ISO form.
    let shown = |html: &str| -> Vec<String> {
        text_nodes(html)
            .into_iter()
            .filter(|n| n.contains(" · "))
            .map(|n| n.split(" · ").next().unwrap_or_default().trim().to_owned())
            .collect()
    };
    for (lang, ok) in [
        (
            "zh-CN",
            (|t: &str| t.contains('年') && t.contains('月') && t.contains('日'))
                as fn(&str) -> bool,
        ),
        ("zh-TW", |t: &str| {
            t.contains('年') && t.contains('月') && t.contains('日')
        }),
        ("en", |t: &str| {
            let w: Vec<&str> = t.split(' ').collect();
            w.len() == 4
                && [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ]
                .contains(&w[1])
                && w[2].len() == 4
        }),
    ] {
        let mut staff = in_lang(&app, Some("staff"), lang).await;
        let page = staff.get(&format!("/concerns/{concern}")).await.body;
        let tl = page.split("id=\"timeline\"").nth(1).expect("a timeline");
        let times = shown(tl.split("</ol>").next().unwrap_or_default());
        assert!(times.len() >= 3, "{lang}: {times:?}");
        assert!(times.iter().all(|t| ok(t)), "{lang}: {times:?}");
    }
}

/// Issue 27 point 3, the language of each fragment: on every page of the route
/// table in each language, each entry of the language switch says its own
/// language in its own `lang`, and on zh-TW pages text in simplified characters
/// that is not data (an import's column names, which the import reads as
/// written) is marked as zh-CN.
#[tokio::test]
async fn fragments_in_another_language_carry_their_own_lang() {
    let app = TestApp::new().await;
    let (concern, code) = worked_concern(&app).await;
    let urls = pages(&app, concern, &code).await;
    let data = chinese_data(&app).await;
    let mut faults = Vec::new();
    let mut seen = 0;
    for lang in ["zh-CN", "zh-TW", "en"] {
        for who in [None, Some("admin"), Some("staff"), Some("member-fh-01")] {
            let mut c = in_lang(&app, who, lang).await;
            for url in &urls {
                let r = c.get(url).await;
                let html = r
                    .headers
                    .get("content-type")
                    .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
                if r.status != StatusCode::OK || !html {
                    continue;
                }
                seen += 1;
                for target in ["zh-CN", "zh-TW", "en"] {
                    let link = format!("<a href=\"/lang/{target}\" lang=\"{target}\">");
                    if !r.body.contains(&link) {
                        faults.push(format!("{url} ({lang}): the switch to {target} lacks lang"));
                    }
                }
                if lang != "zh-TW" {
                    continue;
                }
                let body = r.body.replace("<mark>", "").replace("</mark>", "");
                for (in_force, text) in texts_with_lang(&body, "zh-TW") {
                    if in_force != "zh-TW" {
                        continue;
                    }
                    let mut left = text.clone();
                    for d in &data {
                        if left.contains(d.as_str()) {
                            left = left.replace(d.as_str(), " ");
                        }
                    }
                    let simplified: String = left
                        .chars()
                        .filter(|c| is_han(*c))
                        .filter(|c| {
                            xieshang_text::to_traditional_tw(&c.to_string()) != c.to_string()
                        })
                        .collect();
                    if !simplified.is_empty() {
                        faults.push(format!(
                            "{url} (as {who:?}): {simplified} in {}",
                            text.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(seen >= 90, "pages rendered: {seen}");
    faults.sort();
    faults.dedup();
    assert!(
        faults.is_empty(),
        "{} faults:\n{}",
        faults.len(),
        faults.join("\n")
    );
}
