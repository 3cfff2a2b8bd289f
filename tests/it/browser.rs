//! A real browser: headless Chromium through chromedriver. Village staff sign in, open their
//! community's page and switch to English. Screenshots land in target/screenshots/. Skipped
//! with a notice where chromedriver is missing; CI installs it, so there it always runs.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::TestApp;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(cmd: &str) -> Option<String> {
    ["/usr/bin/", "/usr/local/bin/", "/usr/lib/chromium/"]
        .iter()
        .map(|d| format!("{d}{cmd}"))
        .find(|p| std::path::Path::new(p).exists())
}

/// A served demo, chromedriver and a signed-out browser session on it.
pub struct Browser {
    pub c: fantoccini::Client,
    pub base: String,
    pub shots: std::path::PathBuf,
    _t: TestApp,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

/// Click what `loc` finds and wait for the page it loads: the old page is marked first, and
/// the wait ends when a document without the mark has finished loading (5 s at most, then
/// the test fails). No fixed sleeps: a slow machine waits longer, a fast one not at all.
pub async fn follow(c: &fantoccini::Client, loc: fantoccini::Locator<'_>) {
    c.execute("window.__shequ_old_page = true;", vec![])
        .await
        .unwrap();
    c.find(loc).await.unwrap().click().await.unwrap();
    loaded(c).await;
}

/// Wait until the page marked by [`follow`] has been replaced and the new one has loaded.
pub async fn loaded(c: &fantoccini::Client) {
    for _ in 0..100 {
        // while the browser navigates, a script may find no document: not loaded yet
        let v = c
            .execute(
                "return window.__shequ_old_page === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await;
        if matches!(v, Ok(serde_json::Value::Bool(true))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page did not load within 5 s");
}

/// Type a date into an `<input type="date">` the way a person does: its digits, in the order
/// the browser's locale shows the fields (Chromium's date field takes them segment by
/// segment); then check the field holds it.
pub async fn type_date(c: &fantoccini::Client, id: &str, date: &str) {
    let order: String = c
        .execute(
            "return new Intl.DateTimeFormat().formatToParts(new Date(2026, 10, 25)) \
             .filter(p => p.type !== 'literal').map(p => p.type[0]).join('')",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or("ymd")
        .to_string();
    let (y, rest) = date.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    let keys: String = order
        .chars()
        .map(|part| match part {
            'y' => y,
            'm' => m,
            _ => d,
        })
        .collect();
    type_into(c, id, &keys, date).await;
}

/// Type a time (`08:30`) into an `<input type="time">`: hours and minutes, and AM or PM where
/// the locale counts twelve hours; then check the field holds it.
pub async fn type_time(c: &fantoccini::Client, id: &str, time: &str) {
    let twelve = c
        .execute(
            "return new Intl.DateTimeFormat([], {hour: 'numeric'}).resolvedOptions().hour12 === true",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false);
    let (h, m) = time.split_once(':').unwrap();
    let keys = if twelve {
        let h: u32 = h.parse().unwrap();
        let h12 = if h.is_multiple_of(12) { 12 } else { h % 12 };
        format!("{h12:02}{m}{}", if h < 12 { "A" } else { "P" })
    } else {
        format!("{h}{m}")
    };
    type_into(c, id, &keys, time).await;
}

async fn type_into(c: &fantoccini::Client, id: &str, keys: &str, expected: &str) {
    let input = c.find(fantoccini::Locator::Id(id)).await.unwrap();
    input.send_keys(keys).await.unwrap();
    let value = input.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(value, expected, "typed {keys:?} into #{id}");
}

impl Browser {
    /// `None` (with a notice) where chromedriver is missing; CI installs it and fails there.
    pub async fn start() -> Option<Browser> {
        let (Some(driver_bin), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
            if std::env::var("CI").is_ok() {
                panic!("chromedriver/chromium missing in CI");
            }
            eprintln!(
                "NOTICE: browser test skipped: chromedriver or chromium is not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let t = TestApp::demo().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = t.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

        let port = free_port();
        let driver = Driver(
            Command::new(driver_bin)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display())]
            }),
        );
        let mut client = None;
        for _ in 0..50 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let c = client.expect("chromedriver did not start");
        let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Some(Browser {
            c,
            base: format!("http://{addr}"),
            shots,
            _t: t,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Sign in through the login form (from wherever the browser is sent to it).
    pub async fn sign_in(&self, username: &str) {
        if !self
            .c
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/login")
        {
            self.c.goto(&format!("{}/login", self.base)).await.unwrap();
        }
        self.c
            .find(Locator::Id("username"))
            .await
            .unwrap()
            .send_keys(username)
            .await
            .unwrap();
        self.c
            .find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys("shequ2026")
            .await
            .unwrap();
        crate::browser::follow(&self.c, Locator::Css("form.form button[type=submit]")).await;
    }

    pub async fn body(&self) -> String {
        self.c
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Save a full-page screenshot under target/screenshots.
    pub async fn shot(&self, name: &str) {
        let h = self
            .c
            .execute("return document.body.scrollHeight", vec![])
            .await
            .unwrap()
            .as_i64()
            .unwrap_or(1000);
        let _ = self
            .c
            .set_window_size(1280, h.clamp(800, 6000) as u32)
            .await;
        std::fs::write(self.shots.join(name), self.c.screenshot().await.unwrap()).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_sign_in_open_their_community_and_switch_language() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (c, base, shots) = (&b.c, b.base.clone(), b.shots.clone());
    c.goto(&format!("{base}/communities/320205106203"))
        .await
        .unwrap();
    // not signed in: the login form, which comes back here afterwards
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("staff")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("shequ2026")
        .await
        .unwrap();
    std::fs::write(shots.join("login.png"), c.screenshot().await.unwrap()).unwrap();
    crate::browser::follow(c, Locator::Css("form.form button[type=submit]")).await;
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/communities/320205106203"
    );
    let h1 = c
        .find(Locator::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "黄土塘村委会");
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("历年常住人口"), "population section: {body}");
    std::fs::write(
        shots.join("community-zh.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    crate::browser::follow(c, Locator::LinkText("English")).await;
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/communities/320205106203"
    );
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("Division code") && body.contains("Sign out"),
        "{body}"
    );
    std::fs::write(
        shots.join("community-en.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // another community is not there for this user
    c.goto(&format!("{base}/communities/320205001001"))
        .await
        .unwrap();
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Page not found"), "{body}");
    b.c.clone().close().await.unwrap();
}
