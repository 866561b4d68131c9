//! Units' representative points (issue 26 point 5, decision 0049): the demo's
//! streets and communities have one; the nearest area to a resident is the
//! community before the street, within reach, inside a scope when given;
//! staff set or clear a point in their own scope, audited.

use crate::{actor, count, HASH};
use xieshang_core::org::point::Point;
use xieshang_store::org::{self, point};
use xieshang_store::testing::TestDb;
use xieshang_store::{seed, Error};

fn at(lat: f64, lng: f64) -> Point {
    Point::new(lat, lng).unwrap()
}

async fn code_near(t: &TestDb, lat: f64, lng: f64) -> Option<String> {
    point::nearest(&t.db, None, at(lat, lng))
        .await
        .unwrap()
        .map(|a| a.code)
}

#[tokio::test]
async fn the_nearest_community_is_picked_before_its_street() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    // Every point of the demo is stored as given.
    for (code, lat, lng) in seed::DEMO_POINTS {
        let id = org::by_code_unchecked(&t.db, code).await.unwrap().id;
        assert_eq!(
            point::point_of(&t.db, id).await.unwrap(),
            Some(at(lat, lng))
        );
    }
    // Beside 凤鸣社区's point: 凤鸣社区, named as the picker names it.
    let got = point::nearest(&t.db, None, at(34.6591, 109.2321))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.code, "yanliang-fenghuang-c2");
    assert_eq!(got.name, "凤凰街道 · 凤鸣社区");
    assert_eq!(got.kind, xieshang_core::OrgKind::Community);
    assert!(got.metres < 20.0, "{}", got.metres);
    // At 凤凰街道's own point a community of it lies within reach, and wins.
    let street = code_near(&t, 34.6620, 109.2270).await;
    assert_eq!(street.as_deref(), Some("yanliang-fenghuang-c1"));
    // 4.5 km north of 关山街道: no community within 2 km, the street is.
    assert_eq!(
        code_near(&t, 34.7160 + 0.045, 109.3050).await.as_deref(),
        Some("yanliang-guanshan")
    );
    // In 碑林区 only the street has a point.
    assert_eq!(
        code_near(&t, 34.2570, 108.9400).await.as_deref(),
        Some("beilin-nanyuanmen")
    );
    // Far from everything (Beijing), nothing.
    assert_eq!(code_near(&t, 39.9042, 116.4074).await, None);

    // A grid's point stands for its community; an archived unit never wins.
    let grid = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g30")
        .await
        .unwrap();
    let staff = actor(&t, "staff").await;
    point::set_point(&t.db, &staff, grid.id, Some(at(34.6700, 109.2400)))
        .await
        .unwrap();
    // (g30 is one of 凤翔社区's grids.)
    let community: String = sqlx::query_scalar(
        "SELECT p.code FROM orgs g JOIN orgs p ON p.id = g.parent_id WHERE g.id = $1",
    )
    .bind(grid.id)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(
        code_near(&t, 34.6701, 109.2401).await.as_deref(),
        Some(community.as_str())
    );
    let c1 = org::by_code_unchecked(&t.db, "yanliang-fenghuang-c1")
        .await
        .unwrap();
    sqlx::query("UPDATE orgs SET archived_at = 1 WHERE id = $1")
        .bind(c1.id)
        .execute(t.db.pool())
        .await
        .unwrap();
    assert_eq!(
        code_near(&t, 34.6650, 109.2250).await.as_deref(),
        Some("yanliang-fenghuang-c2"),
        "the next community in reach, not the archived one"
    );

    // Inside a scope: 碑林区's point is not picked for 阎良区.
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    let inside = point::nearest(&t.db, Some(&yanliang.path), at(34.2570, 108.9400))
        .await
        .unwrap();
    assert_eq!(inside, None);
    let inside = point::nearest(&t.db, Some(&yanliang.path), at(34.6591, 109.2321))
        .await
        .unwrap();
    assert_eq!(
        inside.map(|a| a.code).as_deref(),
        Some("yanliang-fenghuang-c2")
    );
}

#[tokio::test]
async fn staff_set_and_clear_points_in_their_scope_audited() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let staff = actor(&t, "staff").await;
    let beilin_staff = actor(&t, "staff-beilin").await;
    let member = actor(&t, "member-gs-01").await;
    let c3 = org::by_code_unchecked(&t.db, "yanliang-guanshan-c3")
        .await
        .unwrap();
    let audits = count(
        &t,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'org.point'",
    )
    .await;

    point::set_point(&t.db, &staff, c3.id, Some(at(34.73, 109.29)))
        .await
        .unwrap();
    assert_eq!(
        point::point_of(&t.db, c3.id).await.unwrap(),
        Some(at(34.73, 109.29))
    );
    point::set_point(&t.db, &staff, c3.id, None).await.unwrap();
    assert_eq!(point::point_of(&t.db, c3.id).await.unwrap(), None);
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'org.point'"
        )
        .await,
        audits + 2
    );

    // Another district's staff and a member may not; nothing changes.
    for who in [&beilin_staff, &member] {
        let r = point::set_point(&t.db, who, c3.id, Some(at(34.0, 109.0))).await;
        assert!(matches!(r, Err(Error::Denied(_))), "{r:?}");
    }
    assert_eq!(point::point_of(&t.db, c3.id).await.unwrap(), None);
    // A department has no point.
    let dept = org::by_code_unchecked(&t.db, "yanliang-cgj").await.unwrap();
    let r = point::set_point(&t.db, &staff, dept.id, Some(at(34.0, 109.0))).await;
    assert!(
        matches!(
            r,
            Err(Error::Invalid {
                key: "err.point_kind",
                ..
            })
        ),
        "{r:?}"
    );
}

#[tokio::test]
async fn the_generated_city_places_its_streets_and_communities() {
    let t = TestDb::new().await.unwrap();
    crate::generated_city(&t, 20, 13, 1, 7).await;
    let unplaced = count(
        &t,
        "SELECT COUNT(*) FROM orgs WHERE kind IN ('street', 'community') AND lat IS NULL",
    )
    .await;
    assert_eq!(unplaced, 0);
    // Around Xi'an, and each street's point picks one of its own communities.
    let rows: Vec<(i64, String, f64, f64)> = sqlx::query_as(
        "SELECT id, path, lat, lng FROM orgs WHERE kind = 'street' ORDER BY id LIMIT 20",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 20);
    for (_, path, lat, lng) in rows {
        assert!((33.5..35.0).contains(&lat) && (107.5..110.0).contains(&lng));
        let street = xieshang_core::OrgPath::parse(&path).unwrap();
        let got = point::nearest(&t.db, Some(&street), at(lat, lng))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.kind, xieshang_core::OrgKind::Community, "{path}");
    }
}
