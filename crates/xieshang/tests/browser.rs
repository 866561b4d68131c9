//! Browser tests: the real server on a real port, Debian's Chromium driven through
//! chromedriver (WebDriver). Skipped with a message when Chromium is absent; with
//! XIESHANG_REQUIRE_BROWSER=1 an absent browser is a failure. Screenshots go to
//! target/screenshots/.

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use xieshang_store::testing::TestDb;
use xieshang_web::{AppState, WebConfig};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())?;
    let driver = PathBuf::from("/usr/bin/chromedriver");
    driver.exists().then_some((chromium, driver))
}

/// Starts chromedriver on a free port and waits for its "started" line.
fn start_driver(driver: &PathBuf) -> (Driver, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("started successfully") => break,
            Some(_) => continue,
            None => panic!("chromedriver exited before it started"),
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (Driver(child), port)
}

async fn browser(chromium: &std::path::Path, port: u16, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session")
}

fn shot_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.png"))
}

async fn staff_sees_the_tree(c: &Client, base: &str, w: u32, h: u32, name: &str) {
    c.set_window_size(w, h).await.unwrap();
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("#username"))
        .await
        .unwrap()
        .send_keys("staff")
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys("xieshang-demo")
        .await
        .unwrap();
    c.find(Locator::Css("#login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("#logout")).await.unwrap();
    c.find(Locator::Css("#nav-orgs"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let tree = c
        .wait()
        .for_element(Locator::Css("#org-tree"))
        .await
        .unwrap();
    let text = tree.text().await.unwrap();
    assert!(
        text.contains("阎良区政协")
            && text.contains("凤凰街道")
            && text.contains("凤翔社区第13网格"),
        "{text}"
    );
    assert!(!text.contains("碑林区"), "another district is not shown");
    let png = c.screenshot().await.unwrap();
    assert!(png.len() > 1000 && png.starts_with(b"\x89PNG"));
    std::fs::write(shot_path(name), png).unwrap();
    // The whole tree page fits the window's width (no sideways scrolling on phones).
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow,
        serde_json::Value::Bool(true),
        "{name}: page wider than the window"
    );
    c.find(Locator::Css("#logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#nav-login"))
        .await
        .unwrap();
}

/// A resident on a phone raises a concern with no account and follows it by code.
async fn resident_reports_on_a_phone(c: &Client, base: &str) {
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/")).await.unwrap();
    c.find(Locator::Css("#report-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#report-submit"))
        .await
        .unwrap();
    c.find(Locator::Css("#category option[value='road']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#area option[value='yanliang-guanshan']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#title"))
        .await
        .unwrap()
        .send_keys("学校门口道路破损")
        .await
        .unwrap();
    c.find(Locator::Css("#description"))
        .await
        .unwrap()
        .send_keys("凤凰路中学门口路面塌陷，学生上下学不安全")
        .await
        .unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(shot_path("resident-report-phone"), png).unwrap();
    c.find(Locator::Css("#report-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let code = c
        .wait()
        .for_element(Locator::Css("#tracking-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(code.len(), 10, "{code}");
    // Later, from the home page, with the code alone.
    c.goto(&format!("{base}/")).await.unwrap();
    c.find(Locator::Css("#code"))
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    c.find(Locator::Css("#code"))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    let status = c
        .wait()
        .for_element(Locator::Css("#status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        status.contains("学校门口道路破损") && status.contains("已提交"),
        "{status}"
    );
    let png = c.screenshot().await.unwrap();
    std::fs::write(shot_path("resident-track-phone"), png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_log_in_on_a_phone_and_a_desktop_and_see_the_tree() {
    let Some((chromium, driver)) = tools() else {
        if std::env::var("XIESHANG_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("XIESHANG_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed");
        }
        // Written to stderr directly, past the test harness's capture, so it shows.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED browser test: chromium and chromium-driver are not installed \
             (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let t = TestDb::new().await.unwrap();
    let hash = xieshang_store::password::hash(xieshang_store::seed::DEMO_PASSWORD).unwrap();
    xieshang_store::seed::load_demo(&t.db, &hash).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(xieshang_web::serve(
        listener,
        AppState::new(t.db.clone(), WebConfig::default()),
        async {
            let _ = stopped.await;
        },
    ));

    let (_driver, port) = start_driver(&driver);
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&chromium, port, profile.path()).await;
    staff_sees_the_tree(&c, &base, 390, 844, "staff-tree-phone").await;
    staff_sees_the_tree(&c, &base, 1280, 900, "staff-tree-desktop").await;
    resident_reports_on_a_phone(&c, &base).await;
    c.close().await.unwrap();

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
