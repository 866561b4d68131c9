//! Fresh databases for tests: SQLite in a temporary directory always, PostgreSQL
//! when `XIESHANG_TEST_PG` names a server (each test gets a database of its own,
//! dropped when the guard goes).

use crate::db::Db;

/// A database that exists for one test.
pub struct TestDb {
    /// The handle.
    pub db: Db,
    /// The URL it was opened with (for CLI tests that open it again).
    pub url: String,
    _dir: Option<TempDir>,
    pg_drop: Option<(String, String)>,
}

/// A temporary directory removed on drop (kept small to avoid a dependency here).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Which backend the test suite runs on.
pub fn backend_name() -> &'static str {
    if std::env::var("XIESHANG_TEST_PG").is_ok_and(|v| !v.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    }
}

impl TestDb {
    /// A migrated, empty database on the suite's backend.
    pub async fn new() -> anyhow::Result<TestDb> {
        TestDb::at_version(i64::MAX).await
    }

    /// An empty database on the suite's backend with no migration applied
    /// (tests of upgrades).
    pub async fn unmigrated() -> anyhow::Result<TestDb> {
        TestDb::at_version(0).await
    }

    /// An empty database on the suite's backend, migrated up to `version`.
    pub async fn at_version(version: i64) -> anyhow::Result<TestDb> {
        let name = format!(
            "xs_test_{}",
            crate::account::session::random_token()[..16].to_owned()
        );
        match std::env::var("XIESHANG_TEST_PG") {
            Ok(server) if !server.is_empty() => {
                let admin = Db::connect(&server).await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(admin.pool())
                    .await?;
                admin.close().await;
                let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
                let url = format!("{base}/{name}");
                let db = Db::connect(&url).await?;
                crate::migrate::run_to(&db, version).await?;
                Ok(TestDb {
                    db,
                    url,
                    _dir: None,
                    pg_drop: Some((server, name)),
                })
            }
            _ => {
                let dir = std::env::temp_dir().join(name);
                std::fs::create_dir_all(&dir)?;
                let url = format!("sqlite://{}/xieshang.db", dir.display());
                let db = Db::connect(&url).await?;
                crate::migrate::run_to(&db, version).await?;
                Ok(TestDb {
                    db,
                    url,
                    _dir: Some(TempDir(dir)),
                    pg_drop: None,
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_drop.take() {
            // Drop runs inside the test's runtime; clean up on a thread of its own.
            // FORCE ends the test pool's connections, which belong to that runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async move {
                        if let Ok(admin) = Db::connect(&server).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(admin.pool())
                            .await;
                            admin.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A concern as a resident sends it through the web form, with nothing
/// optional; tests change what they need with `..web_concern(…)`.
pub fn web_concern<'a>(
    org_id: i64,
    category: &'a str,
    title: &'a str,
    description: &'a str,
) -> crate::concern::NewConcern<'a> {
    crate::concern::NewConcern {
        org_id,
        category,
        title,
        description,
        channel: "web",
        address: None,
        position: None,
        reporter: None,
        photos: &[],
        attributes: None,
        api_key_id: None,
    }
}

/// Sample records of the demo city for the `{id}` of each kind of page in the
/// route table, by name (see `xieshang_web::testing::sample_path`), for the
/// tests that walk every page (accessibility, weight). The demo publishes no
/// proposal, so one numbered proposal is first made public, as its proposer
/// would choose, for the public proposal page to have a sample.
pub async fn route_samples(db: &Db) -> std::collections::BTreeMap<&'static str, i64> {
    sqlx::query(
        "UPDATE proposals SET disclosure = 'public' WHERE id = (SELECT MIN(id) FROM proposals
          WHERE number IS NOT NULL AND state NOT IN ('withdrawn', 'merged', 'rejected'))",
    )
    .execute(db.pool())
    .await
    .expect("a proposal made public");
    let pairs: [(&'static str, &'static str); 24] = [
        (
            "org",
            "SELECT home_org_id FROM users WHERE username = 'staff'",
        ),
        (
            "user",
            "SELECT id FROM users WHERE username = 'member-fh-01'",
        ),
        ("concern", "SELECT MIN(id) FROM concerns"),
        ("studio", "SELECT MIN(id) FROM studios"),
        ("member", "SELECT MIN(id) FROM members"),
        ("consultation", "SELECT MIN(id) FROM consultations"),
        ("room", "SELECT MIN(id) FROM rooms"),
        ("proposal", "SELECT MIN(id) FROM proposals"),
        ("area", "SELECT org_id FROM concerns ORDER BY id LIMIT 1"),
        // An opinion report the office edited and took up the levels, with
        // its versions, levels and a leader's instruction.
        (
            "report",
            "SELECT MIN(report_id) FROM opinion_report_instructions",
        ),
        ("material", "SELECT MIN(id) FROM study_materials"),
        ("topic", "SELECT MIN(id) FROM study_topics"),
        // A selected practice (the library's), the demo's field meeting and
        // booklet (issue 31 P).
        (
            "practice",
            "SELECT MIN(id) FROM practices WHERE state = 'selected'",
        ),
        ("practice_meeting", "SELECT MIN(id) FROM practice_meetings"),
        ("booklet", "SELECT MIN(id) FROM booklets"),
        // 未央区's supervision groups and opinions (issue 31 S).
        (
            "supervision_group",
            "SELECT MIN(id) FROM supervision_groups",
        ),
        (
            "supervision_opinion",
            "SELECT MIN(id) FROM supervision_opinions",
        ),
        // 碑林区's party branch, a meeting of it, a party member's life
        // (issue 31 C; opened by staff-beilin).
        (
            "party_unit",
            "SELECT id FROM orgs WHERE code = 'beilin-dzb'",
        ),
        ("party_meeting", "SELECT MIN(id) FROM party_meetings"),
        (
            "party_member",
            "SELECT id FROM users WHERE username = 'member-bl-p01'",
        ),
        // A body's public lists: the body of a consultation whose outcome
        // is published, and of a proposal made public, with that proposal.
        (
            "consultation_body",
            "SELECT org_id FROM consultations ORDER BY outcome_public DESC, id LIMIT 1",
        ),
        (
            "public_proposal",
            "SELECT MIN(id) FROM proposals WHERE disclosure = 'public' AND number IS NOT NULL
               AND state NOT IN ('withdrawn', 'merged', 'rejected')",
        ),
        (
            "proposal_body",
            "SELECT org_id FROM proposals WHERE disclosure = 'public' AND number IS NOT NULL
               AND state NOT IN ('withdrawn', 'merged', 'rejected') ORDER BY id LIMIT 1",
        ),
        // h-audit begin
        // An audit row of a unit under the staff's district, one with a
        // before and an after where there is one (issue 33 point 5).
        (
            "audit_entry",
            "SELECT a.id FROM audit_log a JOIN orgs o ON o.id = a.org_id
              JOIN orgs s ON s.id = (SELECT home_org_id FROM users WHERE username = 'staff')
              WHERE o.path LIKE s.path || '%'
              ORDER BY CASE WHEN a.before_json IS NULL THEN 1 ELSE 0 END, a.id DESC LIMIT 1",
        ),
        // h-audit end
    ];
    let mut m = std::collections::BTreeMap::new();
    for (k, sql) in pairs {
        let id: Option<i64> = sqlx::query_scalar::<_, Option<i64>>(sql)
            .fetch_optional(db.pool())
            .await
            .expect("a sample query")
            .flatten();
        if let Some(id) = id {
            m.insert(k, id);
        }
    }
    m
}
