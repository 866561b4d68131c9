//! The binary itself: `migrate` and `audit verify` on the suite's backend
//! (SQLite, or PostgreSQL when XIESHANG_TEST_PG is set).

use std::process::Command;
use xieshang_store::testing::TestDb;

fn xieshang(url: &str, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .current_dir(dir.path())
        .env("XIESHANG_DATABASE_URL", url)
        .env("XIESHANG_LOG", "warn")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn audit_verify_says_ok_then_names_the_edited_row() {
    let t = TestDb::new().await.unwrap();
    xieshang_store::seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let (code, out) = xieshang(&t.url, &["migrate"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = xieshang(&t.url, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("OK: "), "{out}");

    sqlx::query("UPDATE audit_log SET actor_name = 'someone else' WHERE id = 42")
        .execute(t.db.pool())
        .await
        .unwrap();
    let (code, out) = xieshang(&t.url, &["audit", "verify"]);
    assert_eq!(code, 1);
    assert!(out.contains("BROKEN at row 42"), "{out}");
}

#[test]
fn help_documents_every_setting() {
    let out = Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--data-dir",
        "--database-url",
        "--secure-cookies",
        "--session-hours",
        "--lock-after-failures",
        "--lock-minutes",
        "--log",
        "XIESHANG_LISTEN",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    let sample = include_str!("../../../xieshang.toml.sample");
    for key in [
        "listen",
        "data_dir",
        "database_url",
        "secure_cookies",
        "session_hours",
        "lock_after_failures",
        "lock_minutes",
        "log",
    ] {
        assert!(
            sample.contains(&format!("\n{key} = ")),
            "{key} missing from the sample"
        );
    }
}

#[tokio::test]
async fn api_keys_are_created_listed_and_revoked_from_the_command_line() {
    let t = TestDb::new().await.unwrap();
    xieshang_store::seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let (code, key) = xieshang(
        &t.url,
        &[
            "admin",
            "api-key",
            "create",
            "--org",
            "yanliang",
            "--name",
            "12345热线",
        ],
    );
    assert_eq!(code, 0, "{key}");
    let key = key.trim().to_owned();
    assert!(key.starts_with("xs_") && key.len() == 67, "{key}");
    let found = xieshang_store::account::apikey::verify(&t.db, &key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.name, "12345热线");
    assert!(found.allows(xieshang_store::account::apikey::Scope::ConcernsCreate));
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert!(!stored.contains(&key[3..]), "only the hash is stored");
    let (code, list) = xieshang(&t.url, &["admin", "api-key", "list"]);
    assert_eq!(code, 0);
    assert!(list.contains(&key[..10]) && list.contains("active") && !list.contains(&key));
    let (code, _) = xieshang(
        &t.url,
        &["admin", "api-key", "revoke", "--id", &found.id.to_string()],
    );
    assert_eq!(code, 0);
    assert!(xieshang_store::account::apikey::verify(&t.db, &key)
        .await
        .unwrap()
        .is_none());
    let (code, _) = xieshang(&t.url, &["admin", "api-key", "create", "--org", "nowhere"]);
    assert_ne!(code, 0, "an unknown unit is refused");
    let (code, _) = xieshang(
        &t.url,
        &[
            "admin", "api-key", "create", "--org", "yanliang", "--scopes", "root",
        ],
    );
    assert_ne!(code, 0, "an unknown scope is refused");
    // The opinion reports' scope (issue 30 point 7).
    let (code, key) = xieshang(
        &t.url,
        &[
            "admin",
            "api-key",
            "create",
            "--org",
            "yanliang",
            "--scopes",
            "reports:read,proposals:read",
        ],
    );
    assert_eq!(code, 0, "{key}");
    let found = xieshang_store::account::apikey::verify(&t.db, key.trim())
        .await
        .unwrap()
        .unwrap();
    assert!(found.allows(xieshang_store::account::apikey::Scope::ReportsRead));
    assert!(!found.allows(xieshang_store::account::apikey::Scope::ConcernsCreate));
}

/// A second server on the SQLite file another serves is refused at start, with
/// a message that says why; once the first is gone (even by SIGKILL), a new one
/// starts.
#[test]
fn one_server_per_sqlite_database() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let serve = |log: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_xieshang"))
            .current_dir(dir.path())
            .env_remove("XIESHANG_DATABASE_URL")
            .env("XIESHANG_LOG", "info")
            .args(["--data-dir", "data", "--listen", "127.0.0.1:0", "serve"])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap()
    };
    let wait_serving = |log: &std::path::Path| {
        let start = Instant::now();
        while !std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains("serving")
        {
            assert!(start.elapsed() < Duration::from_secs(60), "never served");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // Waits for a process to end; kills it and fails if it does not.
    let exit_of = |child: &mut std::process::Child| {
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > Duration::from_secs(60) {
                child.kill().unwrap();
                panic!("the second server kept running");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let first_log = dir.path().join("first.log");
    let mut first = serve(&first_log);
    wait_serving(&first_log);

    let second_log = dir.path().join("second.log");
    let mut second = serve(&second_log);
    let status = exit_of(&mut second);
    let said = std::fs::read_to_string(&second_log).unwrap();
    assert!(!status.success(), "{said}");
    assert!(
        said.contains("another Xieshang server is serving"),
        "{said}"
    );
    // A short command may still run beside the server.
    let out = Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .current_dir(dir.path())
        .env_remove("XIESHANG_DATABASE_URL")
        .env("XIESHANG_LOG", "warn")
        .args(["--data-dir", "data", "audit", "verify"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    first.kill().unwrap(); // SIGKILL: no clean shutdown
    first.wait().unwrap();
    let third_log = dir.path().join("third.log");
    let mut third = serve(&third_log);
    wait_serving(&third_log);
    third.kill().unwrap();
    third.wait().unwrap();
}

fn help_of(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xieshang"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The subcommands a help screen lists, in order (the first word of each
/// line of its "Commands:" section).
fn commands_of(help: &str) -> Vec<String> {
    help.split("Commands:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn the_first_screen_shows_operators_commands_and_bench_holds_the_load_tools() {
    assert_eq!(
        commands_of(&help_of(&[])),
        ["serve", "demo", "migrate", "admin", "audit", "bench", "help"]
    );
    assert_eq!(
        commands_of(&help_of(&["bench"])),
        [
            "datagen",
            "search",
            "dashboard",
            "raw-insert",
            "raw-serve",
            "sample",
            "snapshot",
            "help"
        ]
    );
    // The tools keep their arguments.
    for (tool, flag) in [
        ("datagen", "--concerns"),
        ("search", "--requests"),
        ("dashboard", "--rounds"),
        ("raw-insert", "--through-sqlx"),
        ("raw-serve", "--addr"),
        ("sample", "--codes"),
    ] {
        assert!(help_of(&["bench", tool]).contains(flag), "{tool} {flag}");
    }
    // The old names are gone from the top level.
    for old in ["datagen", "bench-search", "bench-sample"] {
        let out = Command::new(env!("CARGO_BIN_EXE_xieshang"))
            .args([old, "--help"])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{old} still answers");
    }
    // `admin` promises what it has.
    let admin = help_of(&["admin"]);
    assert_eq!(
        commands_of(&admin),
        ["bootstrap", "password-reset", "api-key", "reindex", "help"]
    );
    assert!(help_of(&["admin", "password-reset"]).contains("--username"));
    assert!(help_of(&["admin", "reindex"]).contains("--batch"));
}

#[tokio::test]
async fn password_reset_prints_a_one_time_password_that_must_be_changed() {
    let t = TestDb::new().await.unwrap();
    xieshang_store::seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    // Locked out, signed in somewhere: the reset lifts the one and ends the other.
    sqlx::query("UPDATE users SET locked_until = $1, failed_logins = 5 WHERE id = $2")
        .bind(i64::MAX / 2)
        .bind(id)
        .execute(t.db.pool())
        .await
        .unwrap();
    xieshang_store::account::session::create(&t.db, id, 3_600_000)
        .await
        .unwrap();

    let (code, out) = xieshang(&t.url, &["admin", "password-reset", "--username", "Admin"]);
    assert_eq!(code, 0, "{out}");
    let once = out.trim();
    assert_eq!(once.chars().count(), 16, "{out}");
    let row = sqlx::query(
        "SELECT password_hash, must_change_password, locked_until, failed_logins FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    use sqlx::Row;
    let hash: String = row.get("password_hash");
    assert!(xieshang_store::account::password::verify(&hash, once));
    assert!(!hash.contains(once), "only the hash is stored");
    assert_eq!(row.get::<i64, _>("must_change_password"), 1);
    assert_eq!(row.get::<Option<i64>, _>("locked_until"), None);
    assert_eq!(row.get::<i64, _>("failed_logins"), 0);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(id)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(sessions, 0, "every session ends");

    // Audited, without the password, and the chain still holds.
    let audited = sqlx::query(
        "SELECT actor_name, entity_id, after_json FROM audit_log
         WHERE action = 'user.reset_password_cli'",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].get::<String, _>("entity_id"), id.to_string());
    assert_eq!(audited[0].get::<String, _>("actor_name"), "system");
    let after: String = audited[0].get("after_json");
    assert!(
        after.contains("\"must_change_password\":true") && !after.contains(once),
        "{after}"
    );
    let (code, out) = xieshang(&t.url, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");

    // A second reset gives another password; an unknown account is refused.
    let (code, again) = xieshang(&t.url, &["admin", "password-reset", "--username", "admin"]);
    assert_eq!(code, 0);
    assert_ne!(again.trim(), once);
    let (code, out) = xieshang(&t.url, &["admin", "password-reset", "--username", "nobody"]);
    assert_ne!(code, 0, "{out}");
    assert!(out.is_empty(), "no password printed: {out}");
}

#[tokio::test]
async fn reindex_rewrites_every_search_entry_in_batches() {
    use xieshang_store::index;
    let t = TestDb::new().await.unwrap();
    // A small generated city.
    let (code, out) = xieshang(
        &t.url,
        &["bench", "datagen", "--concerns", "40", "--members", "10"],
    );
    assert_eq!(code, 0, "{out}");
    // The demo's concerns, each with the path of its unit.
    let concerns: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT c.id, c.title, c.description, c.address, o.path FROM concerns c
         JOIN orgs o ON o.id = c.org_id ORDER BY c.id",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert!(concerns.len() > 3, "{}", concerns.len());
    let expected = |c: &(i64, String, String, Option<String>, String)| {
        let path = xieshang_core::OrgPath::parse(&c.4).unwrap();
        index::entry_tokens(&index::concern_text(&c.1, &c.2, c.3.as_deref()), &path)
    };
    // Entries as an older build wrote them: other tokens than today's (the
    // FTS index kept in step, as a real old entry is).
    let mut tx = t.db.begin_write().await.unwrap();
    for c in &concerns {
        let path = xieshang_core::OrgPath::parse(&c.4).unwrap();
        index::index_in(
            &mut tx,
            t.db.dialect(),
            index::CONCERN,
            c.0,
            "旧的索引内容",
            &path,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let stale = || async {
        let mut n = 0;
        for c in &concerns {
            let tokens: String = sqlx::query_scalar(
                "SELECT tokens FROM search_docs WHERE kind = $1 AND item_id = $2",
            )
            .bind(index::CONCERN)
            .bind(c.0)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
            if tokens != expected(c) {
                n += 1;
            }
        }
        n
    };
    assert_eq!(stale().await, concerns.len());

    // The full-text index answers from the entries: a concern's own title
    // finds it (for a district's staff who may see it) only once reindexed.
    let staff: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username LIKE 'staff-%' ORDER BY id")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    let staff = xieshang_store::account::user::actor(&t.db, staff)
        .await
        .unwrap();
    let theirs = concerns
        .iter()
        .find(|c| {
            let path = xieshang_core::OrgPath::parse(&c.4).unwrap();
            staff
                .check(xieshang_core::Permission::ConcernView, &path)
                .is_ok()
        })
        .expect("a concern in the first district");
    let found = || async {
        xieshang_store::search::search(
            &t.db,
            &staff,
            &xieshang_store::search::Filter {
                q: theirs.1.clone(),
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .iter()
        .any(|h| h.row.id == theirs.0)
    };
    assert!(!found().await, "the stale entry does not hold the title");

    let (code, out) = xieshang(&t.url, &["admin", "reindex", "--batch", "3"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with(&format!("reindexed {} concerns", concerns.len())),
        "{out}"
    );
    assert_eq!(stale().await, 0, "every entry holds today's tokens");
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_docs WHERE kind = $1")
        .bind(index::CONCERN)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(
        entries as usize,
        concerns.len(),
        "one entry each, none added twice"
    );
    assert!(found().await, "{}", theirs.1);
}
