//! Staff and admin forms never lose input (issue 26 point 8): each form sent
//! with a wrong field comes back as its page, every field as typed, the wrong
//! field marked (`aria-invalid`) and linked to its message beside it
//! (`aria-describedby`).

use crate::app::{Resp, TestApp};
use axum::http::StatusCode;

/// The opening tag of the element with id `id`.
pub fn tag<'a>(body: &'a str, id: &str) -> &'a str {
    let needle = format!(r#" id="{id}""#);
    let at = body
        .find(&needle)
        .unwrap_or_else(|| panic!("no element #{id} in {body}"));
    let start = body[..at].rfind('<').unwrap();
    let end = at + body[at..].find('>').unwrap();
    &body[start..=end]
}

/// The page came back (not a redirect) with `id` marked wrong and linked to
/// its message, which is on the page and in the summary at the top.
pub fn assert_marked(r: &Resp, id: &str) {
    assert_eq!(r.status, StatusCode::OK, "{:?} {}", r.location, r.body);
    let t = tag(&r.body, id);
    assert!(
        t.contains(r#"aria-invalid="true""#),
        "#{id} is not marked: {t}"
    );
    let described = t
        .split(r#"aria-describedby=""#)
        .nth(1)
        .and_then(|d| d.split('"').next())
        .unwrap_or_default();
    assert!(
        described.split(' ').any(|d| d == format!("{id}-error")),
        "#{id}'s message is not linked: {t}"
    );
    assert!(
        r.body
            .contains(&format!(r#"class="field-error" id="{id}-error""#)),
        "no message beside #{id}"
    );
    assert!(
        r.body.contains(&format!(r##"<a href="#{id}">"##)),
        "the summary does not link #{id}"
    );
}

/// The field `id` holds `value`: an input's value, a select's chosen option
/// or a textarea's text.
pub fn assert_value(body: &str, id: &str, value: &str) {
    let t = tag(body, id);
    if t.starts_with("<select") {
        let rest = &body[body.find(t).unwrap()..];
        let select = &rest[..rest.find("</select>").unwrap()];
        assert!(
            select.contains(&format!(r#"<option value="{value}" selected"#)),
            "#{id} has not {value} chosen: {select}"
        );
    } else if t.starts_with("<textarea") {
        let rest = &body[body.find(t).unwrap() + t.len()..];
        assert!(
            rest.starts_with(&format!("{value}</textarea>")),
            "#{id} does not hold {value}"
        );
    } else {
        assert!(
            t.contains(&format!(r#"value="{value}""#)),
            "#{id} does not hold {value}: {t}"
        );
    }
}

/// The checkbox or radio `id` is ticked.
pub fn assert_checked(body: &str, id: &str) {
    let t = tag(body, id);
    assert!(t.contains(" checked"), "#{id} is not ticked: {t}");
}

#[tokio::test]
async fn a_unit_renamed_to_nothing_or_moved_nowhere_comes_back_marked() {
    let app = TestApp::new().await;
    let mut staff = app.login("staff").await;
    let street = app.org_id("yanliang-guanshan").await;
    let r = staff
        .post(&format!("/orgs/{street}/rename"), &[("name", "   ")])
        .await;
    assert_marked(&r, "name");
    // The create form is not filled with what was sent to rename.
    assert!(!tag(&r.body, "new-name").contains("value="));
    // A kind the street cannot hold: the create form comes back as typed.
    let r = staff
        .post(
            &format!("/orgs/{street}/children"),
            &[
                ("kind", "district"),
                ("name", "新社区"),
                ("code", "yanliang-guanshan-c77"),
            ],
        )
        .await;
    assert_marked(&r, "kind");
    assert_value(&r.body, "new-name", "新社区");
    assert_value(&r.body, "new-code", "yanliang-guanshan-c77");
    // A parent that is not a place for it.
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    let r = staff
        .post(
            &format!("/orgs/{street}/move"),
            &[("parent_id", cgj.as_str())],
        )
        .await;
    assert_marked(&r, "parent");
    let name: String = sqlx::query_scalar("SELECT name FROM orgs WHERE id = $1")
        .bind(street)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(name, "关山街道", "nothing changed");
}

#[tokio::test]
async fn a_new_account_with_a_bad_username_comes_back_without_its_password() {
    let app = TestApp::new().await;
    let mut staff = app.login("staff").await;
    let street = app.org_id("yanliang-guanshan").await.to_string();
    let r = staff
        .post(
            "/users",
            &[
                ("username", "关山 新人"),
                ("display_name", "关山新人"),
                ("home_org_id", street.as_str()),
                ("password", "a-long-enough-password"),
            ],
        )
        .await;
    assert_marked(&r, "username");
    assert_value(&r.body, "username", "关山 新人");
    assert_value(&r.body, "display_name", "关山新人");
    assert_value(&r.body, "home_org_id", &street);
    // A password is never written back into a page.
    assert!(!r.body.contains("a-long-enough-password"));
    // A short password: marked, the other fields kept.
    let r = staff
        .post(
            "/users",
            &[
                ("username", "guanshan-new"),
                ("display_name", "关山新人"),
                ("home_org_id", street.as_str()),
                ("password", "short"),
            ],
        )
        .await;
    assert_marked(&r, "password");
    assert_value(&r.body, "username", "guanshan-new");
    assert_value(&r.body, "home_org_id", &street);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE display_name = '关山新人'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing was created");
}

#[tokio::test]
async fn a_grant_that_exists_comes_back_with_its_choices() {
    let app = TestApp::new().await;
    let mut staff = app.login("staff").await;
    let handler = app.user_id("handler").await;
    let (role, org): (String, i64) =
        sqlx::query_as("SELECT role, org_id FROM grants WHERE user_id = $1")
            .bind(handler)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let org = org.to_string();
    let r = staff
        .post(
            &format!("/users/{handler}/grants"),
            &[("role", role.as_str()), ("org_id", org.as_str())],
        )
        .await;
    assert_marked(&r, "role");
    assert_value(&r.body, "role", &role);
    assert_value(&r.body, "org_id", &org);
}

#[tokio::test]
async fn proposal_settings_come_back_on_their_body_with_every_field() {
    let app = TestApp::new().await;
    let mut staff = app.login("staff").await;
    let body = app.org_id("yanliang").await;
    let org = body.to_string();
    // A term that ends before it starts.
    let r = staff
        .post(
            "/proposal-settings/terms",
            &[
                ("org", org.as_str()),
                ("name", "第十一届"),
                ("starts_on", "2032-01-01"),
                ("ends_on", "2031-12-31"),
            ],
        )
        .await;
    assert_marked(&r, &format!("term-ends-{body}"));
    assert_value(&r.body, &format!("term-name-{body}"), "第十一届");
    assert_value(&r.body, &format!("term-starts-{body}"), "2032-01-01");
    assert_value(&r.body, &format!("term-ends-{body}"), "2031-12-31");
    // A session that closes before it opens, in the body's term.
    let term: i64 =
        sqlx::query_scalar("SELECT id FROM proposal_terms WHERE org_id = $1 AND name = '第十届'")
            .bind(body)
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    let r = staff
        .post(
            "/proposal-settings/sessions",
            &[
                ("term", term.to_string().as_str()),
                ("name", "第九次会议"),
                ("opens_on", "2027-03-05"),
                ("closes_on", "2027-03-01"),
            ],
        )
        .await;
    assert_marked(&r, &format!("session-closes-{body}"));
    assert_value(&r.body, &format!("session-term-{body}"), &term.to_string());
    assert_value(&r.body, &format!("session-name-{body}"), "第九次会议");
    assert_value(&r.body, &format!("session-opens-{body}"), "2027-03-05");
    // The term form is not filled with the session's name.
    assert!(!tag(&r.body, &format!("term-name-{body}")).contains("第九次会议"));
    // A category that is there already.
    let r = staff
        .post(
            "/proposal-settings/entries",
            &[
                ("org", org.as_str()),
                ("list", "category"),
                ("name", "经济建设"),
            ],
        )
        .await;
    assert_marked(&r, &format!("entry-category-{body}"));
    assert_value(&r.body, &format!("entry-category-{body}"), "经济建设");
    assert!(!tag(&r.body, &format!("entry-ground-{body}")).contains("经济建设"));
    // A cap that is not a number.
    let r = staff
        .post(
            "/proposal-settings/cap",
            &[("org", org.as_str()), ("cap", "两千")],
        )
        .await;
    assert_marked(&r, &format!("cap-{body}"));
    assert_value(&r.body, &format!("cap-{body}"), "两千");
}

#[tokio::test]
async fn a_member_added_or_edited_wrongly_comes_back_as_typed() {
    let app = TestApp::new().await;
    let mut staff = app.login("staff").await;
    let unit = app.org_id("yanliang").await;
    let fields = [
        ("code", "X77"),
        ("name", "新委员"),
        ("term", "第十届"),
        ("sector", "经济界"),
        ("street_group", ""),
        ("phone", "13900007777"),
        ("email", "not-an-address"),
        ("joined_on", "2023-01-10"),
        ("username", ""),
        ("reason", "换届增补"),
    ];
    let r = staff.post(&format!("/units/{unit}/roster"), &fields).await;
    assert_marked(&r, "email");
    for (id, value) in fields {
        assert_value(&r.body, id, value);
    }
    // An edit with the name emptied: the typed fields are kept, not the
    // member's own.
    let member: i64 = sqlx::query_scalar("SELECT id FROM members ORDER BY id LIMIT 1")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let r = staff
        .post(
            &format!("/members/{member}"),
            &[
                ("name", ""),
                ("term", "第十届"),
                ("sector", "新的界别"),
                ("phone", "13900008888"),
            ],
        )
        .await;
    assert_marked(&r, "e-name");
    assert_value(&r.body, "e-sector", "新的界别");
    assert_value(&r.body, "e-phone", "13900008888");
}
