use crate::actor;
use xieshang_core::{OrgKind, Permission};
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed, Error};

async fn demo() -> TestDb {
    let t = TestDb::new().await.unwrap();
    assert!(
        seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
            .await
            .unwrap()
    );
    assert!(!seed::load_demo(&t.db, "x").await.unwrap(), "loads once");
    t
}

#[tokio::test]
async fn sample_city_has_the_shape_of_the_brief() {
    let t = demo().await;
    let admin = actor(&t, "admin").await;
    let tree = org::tree(&t.db, &admin, false).await.unwrap();
    let count = |k: OrgKind| tree.iter().filter(|(_, o)| o.kind == k).count();
    assert_eq!(count(OrgKind::District), 13);
    let fenghuang_grids = tree
        .iter()
        .filter(|(_, o)| o.kind == OrgKind::Grid && o.code.starts_with("yanliang-fenghuang-"))
        .count();
    assert_eq!(fenghuang_grids, 39);
    assert_eq!(
        count(OrgKind::Grid),
        41,
        "and two in Guanshan for the story"
    );
    let pos = |name: &str| tree.iter().position(|(_, o)| o.name == name).unwrap();
    assert!(
        pos("凤凰社区第2网格") < pos("凤凰社区第10网格"),
        "grids in numbered order"
    );
    let fenghuang = org::by_code_unchecked(&t.db, "yanliang-fenghuang")
        .await
        .unwrap();
    let members: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM grants WHERE role = 'member' AND org_id = $1")
            .bind(fenghuang.id)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!(members, 22);
    let grid_workers: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM grants g JOIN orgs o ON o.id = g.org_id
                            WHERE g.role = 'grid_worker' AND o.code LIKE 'yanliang-fenghuang-%'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(grid_workers, 39);
    // Each of the 39 grids is paired with one of the 22 members; every member serves.
    let pairs: Vec<(i64, i64)> = {
        use sqlx::Row;
        sqlx::query(
            "SELECT COUNT(*) AS grids, COUNT(DISTINCT p.user_id) AS members FROM grid_pairs p
             JOIN orgs o ON o.id = p.grid_org_id WHERE o.code LIKE 'yanliang-fenghuang-%'",
        )
        .fetch_all(t.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("grids"), r.get("members")))
        .collect()
    };
    assert_eq!(pairs, vec![(39, 22)]);
}

#[tokio::test]
async fn staff_manage_only_their_subtree() {
    let t = demo().await;
    let staff = actor(&t, "staff").await;
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    let beilin = org::by_code_unchecked(&t.db, "beilin").await.unwrap();
    let guanshan = org::by_code_unchecked(&t.db, "yanliang-guanshan")
        .await
        .unwrap();
    let fenghuang = org::by_code_unchecked(&t.db, "yanliang-fenghuang")
        .await
        .unwrap();

    // Create, rename, move, archive inside the district.
    let c = org::create(
        &t.db,
        &staff,
        guanshan.id,
        OrgKind::Community,
        "yanliang-gs-new",
        " 新社区 ",
    )
    .await
    .unwrap();
    assert_eq!(c.name, "新社区");
    let g = org::create(
        &t.db,
        &staff,
        c.id,
        OrgKind::Grid,
        "yanliang-gs-new-g1",
        "新社区第1网格",
    )
    .await
    .unwrap();
    org::rename(&t.db, &staff, c.id, "新建社区").await.unwrap();
    let moved = org::move_to(&t.db, &staff, c.id, fenghuang.id)
        .await
        .unwrap();
    assert!(moved.path.is_within(&fenghuang.path));
    let g_after = org::get(&t.db, &staff, Permission::OrgView, g.id)
        .await
        .unwrap();
    assert!(
        g_after.path.is_within(&moved.path),
        "the subtree moves with its unit"
    );
    assert!(matches!(
        org::set_archived(&t.db, &staff, c.id, true).await,
        Err(Error::Invalid {
            key: "err.org_has_children",
            ..
        })
    ));
    org::set_archived(&t.db, &staff, g.id, true).await.unwrap();
    org::set_archived(&t.db, &staff, c.id, true).await.unwrap();

    // Nothing outside it.
    assert!(matches!(
        org::create(&t.db, &staff, beilin.id, OrgKind::Street, "bl-x", "某街道").await,
        Err(Error::Denied(_))
    ));
    assert!(matches!(
        org::rename(&t.db, &staff, beilin.id, "x").await,
        Err(Error::Denied(_))
    ));
    assert!(matches!(
        org::move_to(&t.db, &staff, guanshan.id, beilin.id).await,
        Err(Error::Invalid {
            field: "parent",
            ..
        })
    ));
    // Invalid structure.
    assert!(matches!(
        org::create(&t.db, &staff, guanshan.id, OrgKind::District, "x-d", "区").await,
        Err(Error::Invalid {
            key: "err.org_kind",
            ..
        })
    ));
    assert!(matches!(
        org::move_to(&t.db, &staff, yanliang.id, guanshan.id).await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        org::create(
            &t.db,
            &staff,
            guanshan.id,
            OrgKind::Community,
            "yanliang-gs-new",
            "重复"
        )
        .await,
        Err(Error::Invalid {
            key: "err.org_code_taken",
            ..
        })
    ));
    // The tree seen by staff is their district only.
    let tree = org::tree(&t.db, &staff, false).await.unwrap();
    assert!(tree.iter().all(|(_, o)| o.path.is_within(&yanliang.path)));
    assert_eq!(tree[0].1.id, yanliang.id);
}

#[tokio::test]
async fn a_moved_street_takes_its_concerns_to_the_new_districts_queue() {
    use xieshang_store::concern::{self, NewConcern};
    use xieshang_store::item::By;
    let t = demo().await;
    let grid = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g07")
        .await
        .unwrap();
    let street = org::by_code_unchecked(&t.db, "yanliang-fenghuang")
        .await
        .unwrap();
    let beilin = org::by_code_unchecked(&t.db, "beilin").await.unwrap();
    let member = actor(&t, "member-fh-01").await;
    let (id, _) = concern::record(
        &t.db,
        By::User(&member),
        NewConcern {
            channel: "studio",
            ..crate::web_concern(grid.id, "water", "凤凰路供水管爆裂", "路口积水")
        },
    )
    .await
    .unwrap();
    let in_queue = |who: &'static str| {
        let t = &t;
        async move {
            let a = actor(t, who).await;
            let (rows, _) = concern::queue(&t.db, &a, "submitted", 0).await.unwrap();
            rows.iter().any(|r| r.id == id)
        }
    };
    assert!(in_queue("staff").await, "the district's staff see it");
    assert!(in_queue("admin").await, "the city's admin sees it");
    assert!(!in_queue("staff-beilin").await);
    let admin = actor(&t, "admin").await;
    org::move_to(&t.db, &admin, street.id, beilin.id)
        .await
        .unwrap();
    assert!(in_queue("staff-beilin").await, "it follows its street");
    assert!(!in_queue("staff").await);
    assert!(in_queue("admin").await);
}
