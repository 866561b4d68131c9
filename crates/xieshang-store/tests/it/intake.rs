//! Group commit of residents' intake on the suite's backend: many concurrent
//! submissions, each answered with its own result; a refused one does not
//! disturb its batch; every acknowledged concern is there with its timeline,
//! reporter and search entry, and the audit chain holds.

use xieshang_store::concern::intake::GroupCommit;
use xieshang_store::concern::{NewConcern, NewReporter, OwnedConcern};
use xieshang_store::testing::TestDb;
use xieshang_store::{audit, org, seed, Error};

#[tokio::test]
async fn concurrent_submissions_commit_together_and_answer_one_by_one() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let grid = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g07")
        .await
        .unwrap()
        .id;
    let sealer =
        xieshang_store::seal::Sealer::from_hex(&xieshang_store::seal::Sealer::generate_hex())
            .unwrap();
    let phone = xieshang_core::personal::Phone::parse("13900001234").unwrap();
    let gc = GroupCommit::start(t.db.clone());
    let mut tasks = Vec::new();
    for n in 0..120 {
        let title = if n == 57 {
            String::new() // refused: a title is required
        } else {
            format!("路灯不亮 {n}")
        };
        let c = OwnedConcern::from_new(&NewConcern {
            org_id: if n == 91 { 999_999 } else { grid },
            category: "road",
            title: &title,
            description: "晚上路灯不亮，行人看不清路",
            channel: "web",
            address: None,
            position: None,
            reporter: (n % 10 == 0).then_some(NewReporter {
                sealer: &sealer,
                name: Some("王先生"),
                phone: Some(&phone),
            }),
            photos: &[],
            attributes: None,
            api_key_id: None,
        })
        .unwrap();
        let gc = gc.clone();
        tasks.push(tokio::spawn(async move { (n, gc.record(c).await) }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        let (n, r) = task.await.unwrap();
        match n {
            57 => assert!(
                matches!(r, Err(Error::Invalid { field: "title", .. })),
                "{r:?}"
            ),
            91 => assert!(
                matches!(r, Err(Error::Invalid { field: "area", .. })),
                "{r:?}"
            ),
            _ => codes.push(r.unwrap().code),
        }
    }
    assert_eq!(codes.len(), 118);
    let count = |sql: &'static str| {
        let db = t.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM concerns").await, 118);
    assert_eq!(
        count("SELECT COUNT(DISTINCT item_id) FROM item_events WHERE kind = 'concern'").await,
        118
    );
    assert_eq!(count("SELECT COUNT(*) FROM concern_reporters").await, 12);
    // The demo's best practices have index entries of their own (issue 31).
    assert_eq!(
        count("SELECT COUNT(*) FROM search_docs WHERE kind = 'concern'").await,
        118
    );
    // Rows written together are matched to their own concern.
    let with_reporter: Vec<String> = sqlx::query_scalar(
        "SELECT c.title FROM concern_reporters r JOIN concerns c ON c.id = r.concern_id",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert!(
        with_reporter
            .iter()
            .all(|t| t.trim_start_matches("路灯不亮 ").ends_with('0')),
        "{with_reporter:?}"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM search_docs s JOIN concerns c ON c.id = s.item_id
             WHERE s.kind = 'concern' AND s.tokens LIKE '%unit%'"
        )
        .await,
        118
    );
    assert_eq!(
        count("SELECT COUNT(DISTINCT payload) FROM jobs WHERE kind = 'notify'").await,
        118
    );
    for code in &codes {
        let s = xieshang_store::concern::public_status(&t.db, code)
            .await
            .unwrap();
        assert_eq!(s.state, "submitted");
        assert_eq!(s.timeline.len(), 1);
    }
    assert!(matches!(
        audit::verify(&t.db).await.unwrap(),
        audit::Verdict::Ok { .. }
    ));
}

/// The queue's order: overdue by deadline, then deadlines to come, then those
/// without one by arrival, for a district's staff and a street's alike.
#[tokio::test]
async fn the_queue_puts_overdue_first_then_deadlines_then_arrival() {
    use xieshang_core::{Actor, Grant, OrgPath, Role};
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let street = org::by_code_unchecked(&t.db, "yanliang-guanshan")
        .await
        .unwrap();
    let grid = org::by_code_unchecked(&t.db, "yanliang-guanshan-g01")
        .await
        .unwrap()
        .id;
    let now = t.db.now_ms();
    let day = 86_400_000;
    // (title, deadline, created)
    let plan: [(&str, Option<i64>, i64); 7] = [
        ("future-late", Some(now + 5 * day), now - 9 * day),
        ("none-second", None, now - 3 * day),
        ("overdue-older", Some(now - 4 * day), now - 8 * day),
        ("none-first", None, now - 6 * day),
        ("future-soon", Some(now + day), now - 2 * day),
        ("overdue-newer", Some(now - day), now - 7 * day),
        ("none-third", None, now - day),
    ];
    for (title, deadline, created) in plan {
        let (id, _) = xieshang_store::concern::record(
            &t.db,
            xieshang_store::item::By::Resident,
            crate::web_concern(grid, "road", title, "排序"),
        )
        .await
        .unwrap();
        sqlx::query(
            "UPDATE concerns SET state = 'assigned', deadline_at = $1, created_at = $2 WHERE id = $3",
        )
        .bind(deadline)
        .bind(created)
        .bind(id)
        .execute(t.db.pool())
        .await
        .unwrap();
    }
    let expected = [
        "overdue-older",
        "overdue-newer",
        "future-soon",
        "future-late",
        "none-first",
        "none-second",
        "none-third",
    ];
    let district = xieshang_store::account::user::actor(
        &t.db,
        xieshang_store::account::user::credentials(&t.db, "staff")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap();
    let street_staff = Actor {
        user_id: district.user_id,
        username: "street-staff".into(),
        display_name: "街道工作人员".into(),
        grants: vec![Grant {
            role: Role::Staff,
            org_id: street.id,
            org_path: OrgPath::parse(street.path.as_str()).unwrap(),
        }],
    };
    for actor in [&district, &street_staff] {
        let (rows, more) = xieshang_store::concern::queue(&t.db, actor, "assigned", 0)
            .await
            .unwrap();
        let titles: Vec<&str> = rows.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, expected, "{}", actor.username);
        assert!(!more);
    }
}

/// The worker writes a round of notifications together: concerns in units of
/// two districts, each notified to exactly the staff granted on its unit or a
/// unit above it, as the grants say.
#[tokio::test]
async fn a_round_of_notifications_reaches_each_concerns_own_staff() {
    let t = TestDb::new().await.unwrap();
    // A generated city: 13 districts, each with its own staff.
    crate::generated_city(&t, 10, 60, 1, 3).await;
    // Two grids of each district.
    let all: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, path FROM orgs WHERE kind = 'grid' ORDER BY id")
            .fetch_all(t.db.pool())
            .await
            .unwrap();
    let mut per_district = std::collections::HashMap::<String, usize>::new();
    let grids: Vec<(i64, String)> = all
        .into_iter()
        .filter(|(_, p)| {
            let n = per_district
                .entry(p.split('/').nth(2).unwrap().to_owned())
                .or_default();
            *n += 1;
            *n <= 2
        })
        .collect();
    assert_eq!(grids.len(), 26);
    // Every account is also city-wide staff, so the round reaches more people
    // than one INSERT of notifications takes.
    sqlx::query(
        "INSERT INTO grants (user_id, role, org_id, created_at)
         SELECT u.id, 'staff', r.id, 0 FROM users u CROSS JOIN orgs r
          WHERE r.parent_id IS NULL AND NOT EXISTS (
                SELECT 1 FROM grants g WHERE g.user_id = u.id AND g.role = 'staff' AND g.org_id = r.id)",
    )
    .execute(t.db.pool())
    .await
    .unwrap();
    let gc = GroupCommit::start(t.db.clone());
    let mut ids = Vec::new();
    for (n, (grid, _)) in grids.iter().enumerate() {
        let c = OwnedConcern::from_new(&crate::web_concern(
            *grid,
            "road",
            &format!("井盖缺失 {n}"),
            "夜里看不见",
        ))
        .unwrap();
        ids.push(gc.record(c).await.unwrap().id);
    }
    let worker = xieshang_store::jobs::Worker {
        db: t.db.clone(),
        calendar: xieshang_core::calendar::Calendar::builtin(),
        policy: xieshang_store::concern::triage::Policy::default(),
        mailer: None,
        base_url: "http://xieshang.test".into(),
        sealer: None,
        retention_days: xieshang_store::jobs::DEFAULT_RETENTION_DAYS,
        webhook_policy: Default::default(),
    };
    assert!(worker.run_until_idle().await.unwrap() >= ids.len());
    let mut reached = 0;
    for id in &ids {
        let got: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM notifications WHERE item_id = $1 AND kind = 'submitted' ORDER BY user_id",
        )
        .bind(id)
        .fetch_all(t.db.pool())
        .await
        .unwrap();
        // Staff granted on the concern's unit or any unit above it.
        let want: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT g.user_id FROM concerns c JOIN orgs u ON u.id = c.org_id
               JOIN grants g ON g.role = 'staff'
               JOIN orgs a ON a.id = g.org_id
              WHERE c.id = $1 AND (u.path = a.path OR substr(u.path, 1, length(a.path)) = a.path)
              ORDER BY g.user_id",
        )
        .bind(id)
        .fetch_all(t.db.pool())
        .await
        .unwrap();
        assert_eq!(got, want, "concern {id}");
        reached += usize::from(!got.is_empty());
    }
    assert_eq!(reached, ids.len(), "every concern reaches the city's staff");
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert!(total > 1_000, "{total}: more than one INSERT's worth");
}

/// The staff queue's order over a scope with a backlog (read unit by unit)
/// and over one without (read in one sort) is the same: deadlines first, the
/// earliest first, then those without one by arrival, ties by id; pages follow
/// on without gaps or repeats.
#[tokio::test]
async fn the_queue_keeps_its_order_with_and_without_a_backlog() {
    let t = TestDb::new().await.unwrap();
    crate::generated_city(&t, 50, 20, 1, 9).await;
    let district: (i64, String, String) = sqlx::query_as(
        "SELECT id, code, path FROM orgs WHERE kind = 'district' ORDER BY id LIMIT 1",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    let grids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM orgs WHERE kind = 'grid' AND path >= $1 AND path < $2 ORDER BY id LIMIT 5",
    )
    .bind(&district.2)
    .bind(format!("{}~", district.2))
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert_eq!(grids.len(), 5);
    // Two backlogs of 2,400 in five grids, one mostly without deadlines
    // ('reopened') and one mostly with ('accepted'), so that each unit holds
    // more of either kind than a page takes from it; and 40 'converted' (no
    // backlog). Deadlines shared and distinct, arrivals out of id order.
    let mut tx = t.db.begin_write().await.unwrap();
    for n in 0..4_840_i64 {
        let (state, with_deadline) = match n {
            0..2_400 => ("reopened", n % 10 == 1),
            2_400..4_800 => ("accepted", n % 10 != 1),
            _ => ("converted", n % 2 == 0),
        };
        let deadline = match (with_deadline, n % 3) {
            (false, _) => None,
            (true, 0) => Some(1_000_000 + (n % 7) * 1000), // shared deadlines
            (true, _) => Some(2_000_000 - n * 10),
        };
        sqlx::query(
            "INSERT INTO concerns (org_id, tracking_code, category, title, description, channel,
               state, created_at, updated_at, deadline_at, branch_id)
             VALUES ($1, $2, 'road', '积水', '路口积水', 'web', $3, $4, $4, $5, $6)",
        )
        .bind(grids[(n % 5) as usize])
        .bind(format!("QQ{n:08}"))
        .bind(state)
        .bind(500_000 + (n * 37) % 1_000) // arrivals out of id order, with ties
        .bind(deadline)
        .bind(district.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // The district's staff (its branch), the city's (the root), two districts
    // at once, and the street of the first grid (read unit by unit).
    let staff = crate::actor(&t, &format!("staff-{}", district.1)).await;
    let scoped = |paths: Vec<String>| xieshang_core::Actor {
        grants: paths
            .into_iter()
            .map(|p| xieshang_core::authz::Grant {
                role: xieshang_core::Role::Staff,
                org_id: 0,
                org_path: xieshang_core::OrgPath::parse(&p).unwrap(),
            })
            .collect(),
        ..staff.clone()
    };
    let (city, other): (String, String) = (
        sqlx::query_scalar("SELECT path FROM orgs WHERE parent_id IS NULL")
            .fetch_one(t.db.pool())
            .await
            .unwrap(),
        sqlx::query_scalar(
            "SELECT path FROM orgs WHERE kind = 'district' ORDER BY id LIMIT 1 OFFSET 1",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap(),
    );
    let street: String = sqlx::query_scalar(
        "SELECT p.path FROM orgs g JOIN orgs c ON c.id = g.parent_id JOIN orgs p ON p.id = c.parent_id
          WHERE g.id = $1",
    )
    .bind(grids[0])
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    for (who, actor) in [
        ("district", staff.clone()),
        ("city", scoped(vec![city.clone()])),
        (
            "two districts",
            scoped(vec![district.2.clone(), other.clone()]),
        ),
        ("street", scoped(vec![street.clone()])),
    ] {
        check_queue_order(&t, &actor, who).await;
    }
}

/// Every page of every state of `actor`'s queue, in the order computed here.
async fn check_queue_order(t: &TestDb, actor: &xieshang_core::Actor, who: &str) {
    let scopes = actor.scopes(xieshang_core::Permission::ConcernView);
    for state in ["reopened", "accepted", "converted", "closed"] {
        let mut want: Vec<(bool, i64, i64, i64)> = Vec::new();
        for scope in &scopes {
            want.extend(
                sqlx::query_as::<_, (i64, Option<i64>, i64)>(
                    "SELECT c.id, c.deadline_at, c.created_at FROM concerns c JOIN orgs o ON o.id = c.org_id
                      WHERE c.state = $1 AND o.path >= $2 AND o.path < $3",
                )
                .bind(state)
                .bind(scope.as_str())
                .bind(format!("{}~", scope.as_str()))
                .fetch_all(t.db.pool())
                .await
                .unwrap()
                .into_iter()
                .map(|(id, d, c)| (d.is_none(), d.unwrap_or(0), c, id)),
            );
        }
        want.sort_unstable();
        let total = want.len();
        assert!(
            total > 0 || state == "closed",
            "{who} {state}: nothing to page through"
        );
        let mut got = Vec::new();
        for page in 0.. {
            let (rows, more) = xieshang_store::concern::queue(&t.db, actor, state, page)
                .await
                .unwrap();
            got.extend(rows.iter().map(|r| r.id));
            assert_eq!(more, got.len() < total, "{who} {state} page {page}");
            // Each row says what the concern's own row says (SQLite reads the
            // page as one JSON array), less the description and result note.
            for r in rows.iter().take(if page == 0 { 50 } else { 3 }) {
                let full = xieshang_store::concern::get(
                    &t.db,
                    actor,
                    xieshang_core::Permission::ConcernView,
                    r.id,
                )
                .await
                .unwrap();
                let want = xieshang_store::concern::Row {
                    description: String::new(),
                    result_note: None,
                    ..full
                };
                assert_eq!(format!("{r:?}"), format!("{want:?}"), "{who} {state}");
            }
            if !more {
                break;
            }
        }
        let want_ids: Vec<i64> = want.iter().map(|w| w.3).collect();
        assert_eq!(got, want_ids, "{who} {state}");
    }
    // A state that does not exist lists nothing (the branch queue writes a
    // known state into its statement; anything else never reaches it).
    let (rows, more) = xieshang_store::concern::queue(&t.db, actor, "closed' OR '1' = '1", 0)
        .await
        .unwrap();
    assert!(rows.is_empty() && !more, "{who}: an unknown state");
}

// h-open311b begin
/// The store holds a description to `DESCRIPTION_MAX` characters whatever the
/// caller checked: one more is refused and nothing is written.
#[tokio::test]
async fn the_store_refuses_a_description_over_description_max() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let grid = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g07")
        .await
        .unwrap()
        .id;
    let gc = GroupCommit::start(t.db.clone());
    let max = xieshang_core::concern::DESCRIPTION_MAX;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM concerns")
            .fetch_one(t.db.pool())
            .await
            .unwrap()
    };
    let before = count().await;
    for (len, ok) in [(max, true), (max + 1, false)] {
        let description = "长".repeat(len);
        let c = OwnedConcern::from_new(&NewConcern {
            org_id: grid,
            category: "road",
            title: "路灯不亮",
            description: &description,
            channel: "web",
            address: None,
            position: None,
            reporter: None,
            photos: &[],
            attributes: None,
            api_key_id: None,
        })
        .unwrap();
        let r = gc.record(c).await;
        if ok {
            assert!(r.is_ok(), "{len}: {r:?}");
        } else {
            assert!(
                matches!(
                    r,
                    Err(Error::Invalid {
                        field: "description",
                        ..
                    })
                ),
                "{len}: {r:?}"
            );
        }
    }
    assert_eq!(count().await, before + 1);
}

/// More tracking codes than a filter takes is an error, never a list cut
/// short.
#[tokio::test]
async fn open_data_refuses_more_than_codes_max_codes() {
    use xieshang_store::concern::open_data::{list, Filter, CODES_MAX};
    let t = TestDb::new().await.unwrap();
    let filter = |n: usize| Filter {
        codes: (0..n).map(|i| format!("CODE{i:06}")).collect(),
        limit: 1000,
        ..Default::default()
    };
    assert!(list(&t.db, &filter(CODES_MAX)).await.unwrap().is_empty());
    assert!(matches!(
        list(&t.db, &filter(CODES_MAX + 1)).await,
        Err(Error::Invalid { .. })
    ));
}
// h-open311b end
