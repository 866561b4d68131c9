//! The isolation matrix. It walks every registered route (the registry is the
//! router, so a new route joins by construction) and proves, for each one that
//! reads or changes data:
//! - a role without the right gets 403;
//! - staff of one district get 403/404 on another district's records, and the
//!   database does not change;
//! - staff of the record's own district do get through (so the check can fail).
//!   A POST route needs a sample form below; without one its body is refused with
//!   400 and the matrix fails, which is how a new route is caught.

use crate::app::TestApp;
use axum::http::StatusCode;
use xieshang_core::Role;
use xieshang_web::{Access, Target};

struct Side {
    org: i64,
    concern: i64,
    parent_org: i64,
    user: i64,
    grant: i64,
    /// A name that belongs to this side only, for list pages.
    marker: &'static str,
}

async fn side(
    app: &TestApp,
    org: &str,
    parent: &str,
    user: &str,
    concern_area: &str,
    marker: &'static str,
) -> Side {
    use xieshang_store::concern::{self, NewConcern};
    let area = app.org_id(concern_area).await;
    let (concern, _) = concern::record(
        &app.t.db,
        xieshang_store::item::By::Resident,
        NewConcern {
            org_id: area,
            category: "road",
            title: "矩阵事项",
            description: "用于隔离测试",
            channel: "web",
            address: None,
            position: None,
        },
    )
    .await
    .unwrap();
    let user_id = app.user_id(user).await;
    let grant: i64 = sqlx::query_scalar("SELECT id FROM grants WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    Side {
        org: app.org_id(org).await,
        concern,
        parent_org: app.org_id(parent).await,
        user: user_id,
        grant,
        marker,
    }
}

fn sample_form(path: &str, s: &Side, n: usize) -> Vec<(String, String)> {
    let org = s.org.to_string();
    let parent = s.parent_org.to_string();
    let v: Vec<(&str, String)> = match path {
        "/orgs/{id}/children" => vec![
            ("kind", "community".into()),
            ("name", "矩阵社区".into()),
            ("code", format!("matrix-{n}")),
        ],
        "/orgs/{id}/rename" => vec![("name", "矩阵改名".into())],
        "/orgs/{id}/move" => vec![("parent_id", parent)],
        "/orgs/{id}/archive" => vec![("archived", "0".into())],
        "/users" => vec![
            ("username", format!("matrix-{n}")),
            ("display_name", "矩阵".into()),
            ("home_org_id", org),
            ("password", "matrix-password-1".into()),
        ],
        "/users/{id}/grants" => vec![
            ("role", Role::LiaisonOfficer.code().into()),
            ("org_id", org),
        ],
        "/users/{id}/reset" => vec![("password", "matrix-password-1".into())],
        "/concerns/{id}/transition" => vec![("action", "accept".into()), ("note", "矩阵".into())],
        _ => vec![],
    };
    v.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn fill(path: &str, target: Target, s: &Side) -> String {
    let id = match target {
        Target::Org => s.org,
        Target::User => s.user,
        Target::Concern => s.concern,
        Target::None => 0,
    };
    path.replace("{id}", &id.to_string())
        .replace("{grant}", &s.grant.to_string())
}

async fn call(
    c: &mut crate::app::Client,
    method: &str,
    url: &str,
    form: &[(String, String)],
) -> crate::app::Resp {
    if method == "GET" {
        c.get(url).await
    } else {
        let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        c.post(url, &f).await
    }
}

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn every_route_isolates_districts_and_roles() {
    let app = TestApp::new().await;
    let own = side(
        &app,
        "yanliang-guanshan",
        "yanliang",
        "member-fh-03",
        "yanliang-fenghuang",
        "凤凰街道",
    )
    .await;
    let other = side(
        &app,
        "beilin-nanyuanmen",
        "beilin",
        "staff-beilin",
        "beilin-nanyuanmen",
        "南院门街道",
    )
    .await;
    let mut member = app.login("member-fh-01").await;
    let mut staff = app.login("staff").await;
    let mut anon = app.client();

    let guarded: Vec<_> = app
        .routes
        .iter()
        .filter(|r| matches!(r.access, Access::Needs(..)))
        .collect();
    assert!(
        guarded.len() >= 10,
        "the registry lists the guarded routes: {}",
        guarded.len()
    );
    let before = audit_rows(&app).await;

    for (n, r) in app.routes.iter().enumerate() {
        let Access::Needs(_, target) = r.access else {
            if r.access == Access::SignedIn && r.method == "GET" {
                let res = anon.get(r.path).await;
                assert_eq!(
                    res.location.as_deref(),
                    Some("/login"),
                    "{} {} without login",
                    r.method,
                    r.path
                );
            }
            continue;
        };
        // No right: a member in the record's own district.
        let url = fill(r.path, target, &own);
        let res = call(&mut member, r.method, &url, &sample_form(r.path, &own, n)).await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "member: {} {url}",
            r.method
        );

        // Not logged in: sent to the login page (GET) or refused (POST has no token).
        let res = call(&mut anon, r.method, &url, &[]).await;
        assert!(
            res.location.as_deref() == Some("/login") || res.status == StatusCode::FORBIDDEN,
            "anonymous: {} {url}: {}",
            r.method,
            res.status
        );

        // Another district's record.
        let url = fill(r.path, target, &other);
        let res = call(&mut staff, r.method, &url, &sample_form(r.path, &other, n)).await;
        if target == Target::None && r.method == "GET" {
            assert_eq!(res.status, StatusCode::OK, "{url}");
            assert!(
                !res.body.contains(other.marker),
                "{url} shows another district's {}",
                other.marker
            );
            assert!(
                res.body.contains(own.marker) || r.path == "/orgs",
                "{url} lists own district"
            );
        } else {
            assert!(
                matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                    || res
                        .location
                        .as_deref()
                        .is_some_and(|l| l.contains("err=err.org_unknown")
                            || l.contains("err=err.org_parent")),
                "staff of another district: {} {url}: {} {:?}",
                r.method,
                res.status,
                res.location
            );
        }
    }
    assert_eq!(
        audit_rows(&app).await,
        before,
        "refused requests changed nothing"
    );

    // Positive control: staff of the record's own district get through.
    for (n, r) in app.routes.iter().enumerate() {
        let Access::Needs(_, target) = r.access else {
            continue;
        };
        let url = fill(r.path, target, &own);
        let res = call(
            &mut staff,
            r.method,
            &url,
            &sample_form(r.path, &own, n + 1000),
        )
        .await;
        assert!(
            res.status == StatusCode::OK
                || (res.status == StatusCode::SEE_OTHER
                    && !res.location.as_deref().unwrap_or("").contains("err=")),
            "own-district staff: {} {url}: {} {:?}",
            r.method,
            res.status,
            res.location
        );
    }
    assert!(
        audit_rows(&app).await > before,
        "the allowed changes were made and audited"
    );
}
