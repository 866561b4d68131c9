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
