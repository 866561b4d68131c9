//! The outcome list read through the consultations' branch (migration 48,
//! decision 0029) gives the same rows, in the same order, as the subtree
//! query it replaced, on a generated city: for a district, two districts, a
//! street, a district's department and the city, with each filter and deep
//! pages. The migration's fill gives every existing consultation its branch,
//! a consultation called later carries it, and a street moved to another
//! district takes its consultations along.

use crate::generated_city;
use sqlx::Row;
use xieshang_core::calendar::Calendar;
use xieshang_core::{Actor, Grant, OrgPath, Role};
use xieshang_store::consult::{self, action};
use xieshang_store::db::{query_with, Arg, Db};
use xieshang_store::testing::TestDb;
use xieshang_store::{migrate, org};

fn actor(role: Role, units: &[&org::Org]) -> Actor {
    Actor {
        user_id: 1,
        username: "perf-test".into(),
        display_name: "perf-test".into(),
        grants: units
            .iter()
            .map(|o| Grant {
                role,
                org_id: o.id,
                org_path: o.path.clone(),
            })
            .collect(),
    }
}

/// The list as the subtree query before migration 48 read it: the
/// consultation's unit inside one of the scopes (a path range), no branch.
async fn by_subtree(db: &Db, scopes: &[OrgPath], f: &action::OutcomeFilter, now: i64) -> Vec<i64> {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for s in scopes {
        let mut to = s.as_str().as_bytes().to_vec();
        *to.last_mut().unwrap() += 1;
        parts.push(format!(
            "(co.path >= ${} AND co.path < ${})",
            args.len() + 1,
            args.len() + 2
        ));
        args.push(Arg::Text(s.as_str().to_owned()));
        args.push(Arg::Text(String::from_utf8(to).unwrap()));
    }
    let mut sql = format!(
        "SELECT a.id FROM consultations c JOIN orgs co ON co.id = c.org_id
           JOIN consultation_actions a ON a.consultation_id = c.id
          WHERE ({})",
        parts.join(" OR ")
    );
    match f.state.as_deref() {
        Some("overdue") => {
            args.push(Arg::Int(now));
            sql.push_str(&format!(
                " AND a.state <> 'resolved' AND a.due_at < ${}",
                args.len()
            ));
        }
        Some(s) => {
            args.push(Arg::Text(s.to_owned()));
            sql.push_str(&format!(" AND a.state = ${}", args.len()));
        }
        None => {}
    }
    if let Some(owner) = f.owner {
        args.push(Arg::Int(owner));
        sql.push_str(&format!(" AND a.org_id = ${}", args.len()));
    }
    sql.push_str(&format!(
        " ORDER BY c.starts_at DESC, a.id LIMIT 26 OFFSET {}",
        f.skip
    ));
    query_with(&sql, args)
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect()
}

async fn units(db: &Db, sql: &str) -> Vec<org::Org> {
    let ids: Vec<i64> = sqlx::query_scalar(sql).fetch_all(db.pool()).await.unwrap();
    let mut out = Vec::new();
    for id in ids {
        out.push(org::get_unchecked(db, id).await.unwrap());
    }
    out
}

/// Compares the list with the subtree query for each actor, filter and
/// page; returns how many rows were compared.
async fn compare(db: &Db, actors: &[Actor]) -> usize {
    let now = db.now_ms();
    let mut rows = 0;
    for a in actors {
        let scopes = a.scopes(xieshang_core::Permission::ConsultationView);
        // An owner from the actor's own list (a department of its scope).
        let owner = action::owners(db, a).await.unwrap().first().map(|o| o.0);
        let mut filters = Vec::new();
        for skip in [0, 25, 300] {
            for state in [None, Some("resolved"), Some("assigned"), Some("overdue")] {
                filters.push(action::OutcomeFilter {
                    state: state.map(str::to_owned),
                    owner: None,
                    skip,
                });
            }
        }
        filters.push(action::OutcomeFilter {
            state: None,
            owner,
            skip: 0,
        });
        for f in &filters {
            let got: Vec<i64> = action::outcomes(db, a, f, now, 26)
                .await
                .unwrap()
                .iter()
                .map(|o| o.action.id)
                .collect();
            let want = by_subtree(db, &scopes, f, now).await;
            assert_eq!(got, want, "{} {:?}", a.grants[0].org_path, f);
            rows += got.len();
        }
    }
    rows
}

#[tokio::test]
async fn the_branch_read_lists_what_the_subtree_query_listed() {
    let t = TestDb::new().await.unwrap();
    generated_city(&t, 300, 40, 1, 5).await;
    let db = &t.db;

    // The migration's fill, run again on this city: drop the column, forget
    // the migration and apply it; each consultation's branch is its unit's.
    for stmt in [
        "DROP INDEX consultations_branch",
        "ALTER TABLE consultations DROP COLUMN branch_id",
        "DELETE FROM schema_migrations WHERE version = 48",
    ] {
        sqlx::query(stmt).execute(db.pool()).await.unwrap();
    }
    assert_eq!(migrate::run(db).await.unwrap(), vec![48]);
    let all = sqlx::query(
        "SELECT c.branch_id, o.path FROM consultations c JOIN orgs o ON o.id = c.org_id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert!(all.len() > 1_000, "{}", all.len());
    for r in &all {
        let path = OrgPath::parse(&r.get::<String, _>(1)).unwrap();
        assert_eq!(r.get::<Option<i64>, _>(0), Some(path.branch()), "{path}");
    }

    let districts = units(
        db,
        "SELECT id FROM orgs WHERE kind = 'district' ORDER BY id",
    )
    .await;
    let streets = units(
        db,
        &format!(
            "SELECT id FROM orgs WHERE kind = 'street' AND parent_id = {} ORDER BY id",
            districts[0].id
        ),
    )
    .await;
    let depts = units(
        db,
        &format!(
            "SELECT id FROM orgs WHERE kind = 'department' AND parent_id = {} ORDER BY id",
            districts[1].id
        ),
    )
    .await;
    let city = units(db, "SELECT id FROM orgs WHERE parent_id IS NULL").await;
    let actors = vec![
        actor(Role::Staff, &[&districts[0]]),
        actor(Role::Leader, &[&districts[3]]),
        actor(Role::Staff, &[&districts[1], &districts[2]]),
        actor(Role::Staff, &[&streets[1]]),
        actor(Role::Staff, &[&streets[0], &districts[5]]),
        actor(Role::Staff, &[&depts[0]]),
        actor(Role::Staff, &[&city[0]]),
        actor(Role::Staff, &[&city[0], &districts[4]]),
    ];
    let compared = compare(db, &actors).await;
    assert!(compared > 1_000, "{compared}");

    // A street moves to another district: its consultations' branch follows
    // (org::move_to), and the lists of both districts still agree.
    let admin = actor(Role::Admin, &[&city[0]]);
    let moved = &streets[2];
    org::move_to(db, &admin, moved.id, districts[6].id)
        .await
        .unwrap();
    let wrong: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM consultations WHERE org_id = {} AND branch_id <> {}",
        moved.id, districts[6].id
    ))
    .fetch_one(db.pool())
    .await
    .unwrap();
    let there: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM consultations WHERE org_id = {}",
        moved.id
    ))
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!((wrong, there > 0), (0, true));
    let after_move = [
        actor(Role::Staff, &[&districts[0]]),
        actor(Role::Staff, &[&districts[6]]),
    ];
    let mut moved_street = moved.clone();
    moved_street.path = org::get_unchecked(db, moved.id).await.unwrap().path;
    assert!(compare(db, &after_move).await > 0);
    assert!(compare(db, &[actor(Role::Staff, &[&moved_street])]).await > 0);

    // A consultation called now carries its branch.
    let staff = actor(Role::Staff, &[&districts[0]]);
    let starts = db.now_ms() + 40 * 86_400_000;
    let id = consult::convene(
        db,
        &Calendar::builtin(),
        &staff,
        &consult::NewConsultation {
            org_id: streets[0].id,
            kind: "grassroots",
            topic: "分支测试协商",
            description: "",
            starts_at: starts,
            ends_at: starts + 3_600_000,
            room_id: None,
            place: Some("街道会议室"),
            concerns: &[],
            plan_id: None,
            short_notice_ok: true,
        },
    )
    .await
    .unwrap();
    let branch: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT branch_id FROM consultations WHERE id = {id}"
    ))
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(branch, Some(districts[0].id));
}
