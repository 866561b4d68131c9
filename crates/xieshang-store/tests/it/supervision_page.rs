//! A supervision group's page read in two statements (`group_page`, task
//! "perf", issue 31 point 10) shows what the eleven reads one after another
//! showed: the same group, standing, rules, members, postings, departments,
//! plans, activities with their photos and opinions, in the same order, on a
//! generated city and on the demo (with photos), for staff, a member and a
//! leader, first pages and later ones; and it refuses whom `group` refuses.

use crate::{actor, generated_city, HASH};
use xieshang_core::{Actor, Grant, Role};
use xieshang_store::concern::photo::Photo;
use xieshang_store::db::Db;
use xieshang_store::supervision::{self as sup, opinion};
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed, Error};

/// The page as the separate reads give it, in `group_page`'s shape.
async fn one_by_one(
    db: &Db,
    a: &Actor,
    id: i64,
    activities_before: Option<i64>,
    opinions_before: Option<i64>,
) -> String {
    let (g, s) = sup::group(db, a, id).await.unwrap();
    let body = org::get_unchecked(db, g.org_id).await.unwrap();
    let departments = if s.staff {
        sup::departments(db, &body).await.unwrap()
    } else {
        Vec::new()
    };
    format!(
        "{:?}",
        (
            &g,
            s,
            &body.code,
            sup::rules(db, g.org_id).await.unwrap(),
            departments,
            sup::activities(db, g.id, activities_before).await.unwrap(),
            opinion::of_group(db, &g, opinions_before).await.unwrap(),
            sup::plans(db, g.id).await.unwrap(),
            sup::members(db, &g).await.unwrap(),
            sup::postings(db, g.id).await.unwrap(),
        )
    )
}

async fn folded(
    db: &Db,
    a: &Actor,
    id: i64,
    activities_before: Option<i64>,
    opinions_before: Option<i64>,
) -> String {
    let p = sup::group_page(db, a, id, activities_before, opinions_before)
        .await
        .unwrap();
    format!(
        "{:?}",
        (
            &p.group,
            p.standing,
            &p.body_code,
            p.rules,
            p.departments,
            p.activities,
            p.opinions,
            p.plans,
            p.members,
            p.postings,
        )
    )
}

fn grant(role: Role, o: &org::Org) -> Actor {
    Actor {
        user_id: 0,
        username: "perf-test".into(),
        display_name: "perf-test".into(),
        grants: vec![Grant {
            role,
            org_id: o.id,
            org_path: o.path.clone(),
        }],
    }
}

/// Compares both reads for each actor and group, at the first page and at
/// a page further on (before the middle row of the first); returns how many
/// activities and opinions the first pages held.
async fn compare(db: &Db, actors: &[Actor], groups: &[i64]) -> usize {
    let mut seen = 0;
    for a in actors {
        for &g in groups {
            if sup::group(db, a, g).await.is_err() {
                assert!(sup::group_page(db, a, g, None, None).await.is_err());
                continue;
            }
            assert_eq!(
                folded(db, a, g, None, None).await,
                one_by_one(db, a, g, None, None).await
            );
            let first = sup::group_page(db, a, g, None, None).await.unwrap();
            seen += first.activities.len() + first.opinions.len();
            let mid = |ids: Vec<i64>| ids.get(ids.len() / 2).copied();
            let ab = mid(first.activities.iter().map(|x| x.id).collect());
            let ob = mid(first.opinions.iter().map(|x| x.id).collect());
            assert_eq!(
                folded(db, a, g, ab, ob).await,
                one_by_one(db, a, g, ab, ob).await
            );
        }
    }
    seen
}

#[tokio::test]
async fn a_groups_page_in_two_statements_shows_what_eleven_reads_showed() {
    let t = TestDb::new().await.unwrap();
    generated_city(&t, 200, 300, 2, 3).await;
    let db = &t.db;
    let groups: Vec<(i64, i64, i64)> =
        sqlx::query_as("SELECT id, org_id, leader_id FROM supervision_groups ORDER BY id LIMIT 6")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert!(!groups.is_empty());
    let body = org::get_unchecked(db, groups[0].1).await.unwrap();
    let other: i64 = sqlx::query_scalar(&format!(
        "SELECT id FROM orgs WHERE kind = 'district' AND id <> {} ORDER BY id LIMIT 1",
        body.id
    ))
    .fetch_one(db.pool())
    .await
    .unwrap();
    let other = org::get_unchecked(db, other).await.unwrap();
    let mut member = grant(Role::Member, &body);
    member.user_id = groups[0].2;
    let actors = [
        grant(Role::Staff, &body),
        grant(Role::Leader, &body),
        member,
        grant(Role::Staff, &other),
    ];
    let ids: Vec<i64> = groups.iter().map(|g| g.0).collect();
    let seen = compare(db, &actors, &ids).await;
    assert!(seen > 50, "{seen}");
    // Another district's staff: refused by both.
    assert!(matches!(
        sup::group_page(db, &actors[3], groups[0].0, None, None).await,
        Err(Error::Denied(_)) | Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn the_demos_groups_with_a_photo_and_rules_read_the_same() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let db = &t.db;
    let staff = actor(&t, sup::demo::STAFF).await;
    let groups: Vec<i64> = sqlx::query_scalar("SELECT id FROM supervision_groups ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let g = sup::group(db, &staff, groups[0]).await.unwrap().0;
    // The body keeps its own rules; an activity carries two photos.
    sup::set_rules(
        db,
        &staff,
        g.org_id,
        &xieshang_core::supervision::Rules {
            plan_days: 7,
            result_days: 45,
            require_plan: true,
        },
    )
    .await
    .unwrap();
    let photo = Photo {
        jpeg: vec![0xff, 0xd8, 0xff, 0xd9],
        width: 1,
        height: 1,
    };
    let logged = sup::log_activity(
        db,
        &staff,
        g.id,
        &sup::NewActivity {
            kind: "inspection",
            dept: "",
            title: "带照片的视察",
            held_on: "2026-11-02",
            phone: "",
            note: "两张照片",
        },
        &[photo.clone(), photo],
    )
    .await
    .unwrap();
    let page = sup::group_page(db, &staff, g.id, None, None).await.unwrap();
    let a = page.activities.iter().find(|a| a.id == logged).unwrap();
    assert_eq!(a.photos.len(), 2);
    assert_eq!(page.rules.plan_days, 7);
    let leader = actor(&t, "leader").await;
    assert!(compare(db, &[staff, leader], &groups).await > 0);
}
