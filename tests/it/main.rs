//! Black-box tests through HTTP (in-process router) and the CLI. Every test gets its own
//! database: a fresh SQLite file, or, when `SHEQU_TEST_DATABASE_URL` names a PostgreSQL server
//! (an admin connection such as postgres://postgres@localhost/postgres), a fresh database on it.

mod api_and_scope;
mod assessment;
mod audit_backup;
mod auth;
mod browser;
mod centres;
mod cli;
mod faults;
mod funding;
mod fuzz;
mod geo;
mod hall;
mod html;
mod import;
mod matrix;
mod registry;
mod security;
mod selfgov;
mod workers;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use sea_orm::ConnectionTrait;
use shequ::app::app;
use shequ::platform::config::Config;
use shequ::platform::db::{self, Db, DbTarget};
use shequ::platform::http::AppState;
use tower::ServiceExt;

/// The moment every test runs at (district time): the demo is built and served as of it, so
/// no expectation moves with the calendar. The binary gets it as `SHEQU_NOW`.
pub const TEST_NOW: &str = "2026-12-01 09:30";

/// The business clock at [`TEST_NOW`].
pub fn test_clock() -> shequ::platform::time::Clock {
    shequ::platform::time::Clock::parse(TEST_NOW).unwrap()
}

pub struct TestApp {
    // fields are public to the test modules that build their own (faults)
    pub state: AppState,
    pub router: Router,
    pub _dir: tempfile::TempDir,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A session for a demo user: the cookie header value and the CSRF token.
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// A migrated, empty database.
    pub async fn empty() -> TestApp {
        TestApp::empty_with(|_| {}).await
    }

    /// A migrated, empty database, served with the configuration changed by `configure`.
    pub async fn empty_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::build(false, configure).await
    }

    /// The demo district with a user for every role (password `shequ2026`).
    pub async fn demo() -> TestApp {
        TestApp::demo_with(|_| {}).await
    }

    /// The demo district, served with the configuration changed by `configure`. The district
    /// is built once per test run (per backend) and each test gets a copy of it: the SQLite
    /// file copied, or a PostgreSQL database made from it as a template.
    pub async fn demo_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::build(true, configure).await
    }

    async fn build(demo: bool, configure: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let target = match admin_url() {
            Some(admin) => {
                let name = format!("shequ_t_{}_{}", std::process::id(), hex_id());
                let from = if demo {
                    format!(" TEMPLATE {}", template().await)
                } else {
                    String::new()
                };
                let admin_db = Db::connect(&DbTarget::parse(&admin).unwrap())
                    .await
                    .unwrap();
                admin_db
                    .conn
                    .execute_unprepared(&format!("CREATE DATABASE {name}{from}"))
                    .await
                    .unwrap();
                admin_db.close().await;
                DbTarget::parse(&format!("{}/{name}", base_of(&admin))).unwrap()
            }
            None => {
                let path = dir.path().join("test.db");
                if demo {
                    std::fs::copy(template().await, &path).unwrap();
                }
                DbTarget::Sqlite(path)
            }
        };
        let db = Db::connect(&target).await.unwrap().with_clock(test_clock());
        db::migrate(&db).await.unwrap();
        let mut config = Config {
            db: format!("{target}"),
            public_url: "https://shequ.example.gov.cn".into(),
            ..Config::default()
        };
        configure(&mut config);
        let state = shequ::app::state(db, config).unwrap();
        TestApp {
            router: app(state.clone()),
            state,
            _dir: dir,
        }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub async fn session(&self, username: &str) -> Session {
        let u = shequ::platform::auth::find_user_by_name(&self.state.db.conn, username)
            .await
            .unwrap()
            .unwrap();
        let (token, csrf) = shequ::platform::auth::create_session(&self.state.db, u.id)
            .await
            .unwrap();
        Session {
            cookie: format!("shequ_session={token}"),
            csrf,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, s: Option<&Session>) -> Resp {
        let mut b = Request::get(path);
        if let Some(s) = s {
            b = b.header(header::COOKIE, &s.cookie);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Resp {
        self.send(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn api(&self, path: &str, token: &str) -> Resp {
        self.send(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// POST a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, s: &Session, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", &s.csrf)];
        all.extend_from_slice(fields);
        self.post_raw(path, Some(&s.cookie), &all).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        db::scalar(&self.state.db.conn, sql, vec![])
            .await
            .unwrap()
            .unwrap_or(0)
    }
}

/// GET as `s`: 200 expected, the body as JSON.
/// An API token for a demo user, good for a day.
pub async fn bearer(t: &TestApp, user: &str) -> String {
    shequ::admin::users::create_token(
        t.db(),
        &shequ::platform::auth::Actor::system("test"),
        user,
        "test",
        Some(1),
    )
    .await
    .unwrap()
}

pub async fn json(t: &TestApp, path: &str, s: &Session) -> serde_json::Value {
    let r = t.get(path, Some(s)).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.json()
}

/// GET as `s`: 200 expected, the body's bytes (downloads).
pub async fn raw(t: &TestApp, path: &str, s: &Session) -> Vec<u8> {
    let req = Request::get(path)
        .header(header::COOKIE, &s.cookie)
        .body(Body::empty())
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

/// The first sheet of an XLSX file, row by row.
pub fn sheet(bytes: Vec<u8>) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

/// GET every path of a denial matrix as every session (`None`: signed out); the cells
/// whose status differs from the expected one, described.
pub async fn get_matrix<const N: usize>(
    t: &TestApp,
    users: &[&str],
    sessions: &[Option<Session>],
    matrix: &[(&str, [u16; N])],
) -> Vec<String> {
    let mut failures = vec![];
    for (path, expected) in matrix {
        for (i, s) in sessions.iter().enumerate() {
            let r = t.get(path, s.as_ref()).await;
            if r.status.as_u16() != expected[i] {
                failures.push(format!(
                    "{path} as {}: expected {}, got {}",
                    users.get(i).unwrap_or(&"anonymous"),
                    expected[i],
                    r.status
                ));
            }
        }
    }
    failures
}

/// A form matrix row: the path, the fields posted, the status expected per session.
pub type FormCase<'a, const N: usize> = (&'a str, &'a [(&'a str, &'a str)], [u16; N]);

/// POST the fields to every path of a form matrix as every session; the mismatches.
pub async fn post_matrix<const N: usize>(
    t: &TestApp,
    users: &[&str],
    sessions: &[Session],
    matrix: &[FormCase<'_, N>],
) -> Vec<String> {
    let mut failures = vec![];
    for (path, fields, expected) in matrix {
        for (i, s) in sessions.iter().enumerate() {
            let r = t.post(path, s, fields).await;
            if r.status.as_u16() != expected[i] {
                failures.push(format!(
                    "POST {path} as {}: expected {}, got {}",
                    users[i], expected[i], r.status
                ));
            }
        }
    }
    failures
}

/// The anonymous CSRF cookie (`shequ_csrf=…`) and token a public page hands out, with the page.
pub async fn anonymous_form(t: &TestApp, path: &str) -> (String, String, Resp) {
    let r = t.get(path, None).await;
    assert_eq!(r.status, 200, "{path}");
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("shequ_csrf="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .expect("csrf cookie");
    let csrf = cookie.trim_start_matches("shequ_csrf=").to_string();
    (cookie, csrf, r)
}

/// The installation's key for the public forms' stamps (made when the request page is first
/// shown).
pub async fn form_key(t: &TestApp) -> String {
    #[derive(sea_orm::FromQueryResult)]
    struct V {
        value: String,
    }
    let read = || async {
        db::one::<V, _>(
            &t.state.db.conn,
            "SELECT value FROM settings WHERE key = 'form_key'",
            vec![],
        )
        .await
        .unwrap()
        .map(|v| v.value)
    };
    match read().await {
        Some(k) => k,
        None => {
            t.get("/request", None).await;
            read().await.expect("the request page makes the form key")
        }
    }
}

/// A form stamp as the request page would have issued it `age` seconds ago.
pub async fn stamp_from(t: &TestApp, age: i64) -> String {
    shequ::hall::public::stamp_at(
        &form_key(t).await,
        shequ::platform::time::real_now().timestamp() - age,
    )
}

/// An Open311 `api_key` for a test client.
pub async fn open311_key(t: &TestApp, label: &str) -> String {
    shequ::hall::open311::add_key(t.db(), &shequ::platform::auth::Actor::system("test"), label)
        .await
        .unwrap()
}

/// The PostgreSQL server's admin URL when the suite runs against one.
fn admin_url() -> Option<String> {
    std::env::var("SHEQU_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// `postgres://u:p@h/db` → `postgres://u:p@h`.
fn base_of(url: &str) -> &str {
    url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url)
}

/// The demo district of this test run: an SQLite file or a PostgreSQL database's name, built
/// by the first test that asks. Left-overs of earlier runs (their templates and test
/// databases) are removed first.
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let pid = std::process::id();
            let target = match admin_url() {
                Some(admin) => {
                    let admin_db = Db::connect(&DbTarget::parse(&admin).unwrap())
                        .await
                        .unwrap();
                    #[derive(sea_orm::FromQueryResult)]
                    struct Name {
                        datname: String,
                    }
                    let old: Vec<Name> = db::all(
                        &admin_db.conn,
                        "SELECT datname FROM pg_database WHERE datname LIKE 'shequ\\_t\\_%' \
                         OR datname LIKE 'shequ\\_tpl\\_%'",
                        vec![],
                    )
                    .await
                    .unwrap();
                    let mine = format!("_{pid}_");
                    for n in old.iter().filter(|n| !n.datname.contains(&mine)) {
                        let _ = admin_db
                            .conn
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                                n.datname
                            ))
                            .await;
                    }
                    let name = format!("shequ_tpl_{pid}_{}", hex_id());
                    admin_db
                        .conn
                        .execute_unprepared(&format!("CREATE DATABASE {name}"))
                        .await
                        .unwrap();
                    admin_db.close().await;
                    (
                        DbTarget::parse(&format!("{}/{name}", base_of(&admin))).unwrap(),
                        name,
                    )
                }
                None => {
                    let dir = std::env::temp_dir().join("shequ-test-template");
                    std::fs::create_dir_all(&dir).unwrap();
                    // earlier runs' templates (a run leaves its own behind: statics are
                    // never dropped)
                    if let Ok(entries) = std::fs::read_dir(&dir) {
                        for e in entries.flatten() {
                            let stale = e
                                .metadata()
                                .and_then(|m| m.modified())
                                .ok()
                                .and_then(|t| t.elapsed().ok())
                                .is_some_and(|age| age.as_secs() > 3600);
                            if stale {
                                let _ = std::fs::remove_file(e.path());
                            }
                        }
                    }
                    let path = dir.join(format!("demo-{pid}-{}.db", hex_id()));
                    let p = path.to_string_lossy().into_owned();
                    (DbTarget::Sqlite(path), p)
                }
            };
            let (target, handle) = target;
            let db = Db::connect(&target).await.unwrap().with_clock(test_clock());
            db::migrate(&db).await.unwrap();
            let district = Config::default().district().unwrap();
            shequ::demo::generate_sampled(&db, &district, 20)
                .await
                .unwrap();
            if db.is_sqlite() {
                // one self-contained file to copy
                db.conn
                    .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                    .await
                    .unwrap();
            }
            db.close().await;
            handle
        })
        .await
}

pub fn hex_id() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    hex::encode(b)
}
