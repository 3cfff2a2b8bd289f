//! Faults an operator meets on a bad day, in miniature: a full disk, restore while serving,
//! stale saves. The full-size drills (kill -9 under load, a real full file system, SIGTERM
//! under load, PostgreSQL backends terminated) are `scripts/faults`.

use axum::body::Body;
use axum::http::{Request, header};
use sea_orm::ConnectionTrait;
use shequ::app::app;
use shequ::platform::config::Config;
use shequ::platform::db::{self, Db, DbTarget};

use crate::{Resp, TestApp, bearer};

async fn post_case(t: &TestApp, token: &str, i: usize) -> Resp {
    let body = serde_json::json!({
        "community": "320205106203",
        "item": "25",
        "applicant_name": "王秀英",
        "applicant_phone": "13912345678",
        "description": format!("满盘测试 {i} {}", "x".repeat(1500)),
        "address": "",
    });
    t.send(
        Request::post("/api/v1/cases")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// A small file system of its own (tmpfs), when this runs as root (CI does): the real thing.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, bytes: u64) -> Option<Tmpfs> {
        let at = dir.join("disk");
        std::fs::create_dir_all(&at).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(&at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(at))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Defect 1 of issue 13: on a full disk, 86 cases were acknowledged and 11 stored; the pool
/// kept a connection inside a dead transaction (a COMMIT that failed writing the log), whose
/// later "commits" were savepoints never written, while it held the write lock ("database is
/// locked" for everyone else). As root the database sits on a tmpfs filled to 1 MB free, as in
/// the report; otherwise a page limit on every connection stands in for the disk (SQLite
/// answers SQLITE_FULL the same, though at a statement rather than at COMMIT).
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_loses_nothing_acknowledged_and_answers_503() {
    if std::env::var("SHEQU_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return; // SQLite's file; PostgreSQL's outages are scripts/faults (e)
    }
    let dir = tempfile::tempdir().unwrap();
    let built = dir.path().join("built.db");
    let token = {
        let db = Db::connect(&DbTarget::Sqlite(built.clone()))
            .await
            .unwrap()
            .with_clock(crate::test_clock());
        db::migrate(&db).await.unwrap();
        let district = Config::default().district().unwrap();
        shequ::demo::generate_sampled(&db, &district, 20)
            .await
            .unwrap();
        let token = shequ::admin::users::create_token(
            &db,
            &shequ::platform::auth::Actor::system("test"),
            "staff",
            "test",
            Some(1),
        )
        .await
        .unwrap();
        db.conn
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        db.close().await;
        token
    };
    let size = std::fs::metadata(&built).unwrap().len();
    let tmpfs = Tmpfs::mount(dir.path(), size + 4 * 1024 * 1024);
    let (path, pragmas) = match &tmpfs {
        Some(fs) => {
            let p = fs.0.join("shequ.db");
            std::fs::copy(&built, &p).unwrap();
            let free = fs4::available_space(&fs.0).unwrap();
            let filler = vec![0u8; (free - 1024 * 1024) as usize];
            std::fs::write(fs.0.join("filler"), filler).unwrap();
            (p, vec![])
        }
        None => {
            eprintln!("not root: a page limit stands in for the full disk");
            let pages = size / 4096 + 40;
            (built.clone(), vec![("max_page_count", pages.to_string())])
        }
    };
    let target = DbTarget::Sqlite(path.clone());
    let db = Db::connect_with(&target, &pragmas).await.unwrap();
    let config = Config {
        db: format!("{target}"),
        min_free_mb: 2,
        ..Config::default()
    };
    let state = shequ::app::state(db, config).unwrap();
    let t = TestApp {
        router: app(state.clone()),
        state,
        _dir: dir,
    };
    let mut acknowledged = vec![];
    let mut unavailable = 0;
    for i in 0..250 {
        let r = post_case(&t, &token, i).await;
        match r.status.as_u16() {
            201 => acknowledged.push(r.json()["number"].as_str().unwrap().to_string()),
            503 => {
                unavailable += 1;
                let j = r.json();
                assert_eq!(j["error"], "unavailable_storage", "{j}");
                assert!(j["message"].as_str().unwrap().contains("存储空间"), "{j}");
                assert!(r.headers.contains_key(header::RETRY_AFTER));
            }
            s => panic!("case {i}: {s} {}", r.body),
        }
    }
    assert!(
        !acknowledged.is_empty() && unavailable > 0,
        "the disk filled: {} acknowledged, {unavailable} refused",
        acknowledged.len()
    );
    // reads go on while the disk is full
    let r = t.api("/api/v1/cases?state=open", &token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    if let Some(fs) = &tmpfs {
        // a monitor sees it
        let r = t.get("/readyz", None).await;
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(r.json()["write"], "storage", "{}", r.body);
        // space returns: writes resume without a restart
        std::fs::remove_file(fs.0.join("filler")).unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // past the reused probe
        let r = t.get("/readyz", None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for i in 0..5 {
            let r = post_case(&t, &token, 1000 + i).await;
            assert_eq!(r.status, 201, "{}", r.body);
            acknowledged.push(r.json()["number"].as_str().unwrap().to_string());
        }
    }
    // no connection holds a transaction open: another process can take the write lock
    let other = Db::connect(&target).await.unwrap();
    let tx = other.write_tx().await.unwrap();
    tx.rollback().await.unwrap();
    // every acknowledged case is stored, as seen from a fresh connection after the server's
    // pool is gone; no number was handed out twice
    t.state.db.clone().close().await;
    let numbers: Vec<String> = acknowledged.clone();
    let distinct: std::collections::BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), numbers.len(), "no number given twice");
    for n in &acknowledged {
        let found = db::scalar(
            &other.conn,
            "SELECT COUNT(*) FROM cases WHERE number = ?",
            shequ::vals![n.as_str()],
        )
        .await
        .unwrap();
        assert_eq!(found, Some(1), "acknowledged case {n} is stored");
    }
    let stored = db::scalar(
        &other.conn,
        "SELECT COUNT(*) FROM cases WHERE description LIKE '满盘测试%'",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(stored, Some(acknowledged.len() as i64));
    other.close().await;
    drop(tmpfs);
}

// ------------------------------------------------------------ restore and SIGTERM (2 and 3)

fn shequ(db: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_shequ"));
    c.arg("--db")
        .arg(db)
        .env("SHEQU_NOW", crate::TEST_NOW)
        .env_remove("SHEQU_DB");
    c
}

/// `shequ serve` on `db` at a free port: the child and its address.
fn serve(db: &std::path::Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = shequ(db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("serving on") {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the server did not start"
        );
    }
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    // keep reading what it prints, so it never blocks on a full pipe
    std::thread::spawn(move || for _ in out.lines() {});
    (child, addr)
}

fn sigterm(child: &std::process::Child) {
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn demo_db(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let db = dir.join("shequ.db");
    let out = shequ(&db).args(["demo", "--no-serve"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = shequ(&db)
        .args(["token", "create", "--user", "staff", "--days", "1"])
        .output()
        .unwrap();
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    assert!(token.starts_with("shq_"), "{token}");
    (db, token)
}

/// Defect 2: `restore` ran while `serve` wrote (14 acknowledged cases in neither file) and
/// flipped the backup it read to WAL mode. Now the server holds a lock that restore checks,
/// and restore reads the backup only.
#[test]
fn restore_is_refused_while_serving_and_leaves_the_backup_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = demo_db(dir.path());
    let backup = dir.path().join("backup.db");
    let out = shequ(&db).arg("backup").arg(&backup).output().unwrap();
    assert!(out.status.success());
    let before = (
        std::fs::read(&backup).unwrap(),
        std::fs::metadata(&backup).unwrap().modified().unwrap(),
    );

    let (mut server, _) = serve(&db);
    let out = shequ(&db).arg("restore").arg(&backup).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "restore while serving must be refused"
    );
    assert!(err.contains("in use by shequ serve"), "{err}");
    // and a second server cannot start on the same file either
    let out = shequ(&db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    sigterm(&server);
    assert!(server.wait().unwrap().success());

    let out = shequ(&db).arg("restore").arg(&backup).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = (
        std::fs::read(&backup).unwrap(),
        std::fs::metadata(&backup).unwrap().modified().unwrap(),
    );
    assert!(before.0 == after.0, "the backup's bytes are unchanged");
    assert_eq!(before.1, after.1, "the backup's mtime is unchanged");
    for ext in ["-wal", "-shm"] {
        assert!(!dir.path().join(format!("backup.db{ext}")).exists());
    }
}

/// Defect 3: SIGTERM (what systemd, Docker and Kubernetes send) cut requests in flight and
/// exited 143. A request whose body is still arriving when the signal comes is finished and
/// stored, and the server exits 0. So is one whose client had connected but not yet sent a
/// byte when the signal came (hyper alone closes those unanswered: CI saw one cut); a client
/// connecting after the signal is refused.
#[test]
fn sigterm_finishes_requests_in_flight_and_exits_0() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = demo_db(dir.path());
    let (mut server, addr) = serve(&db);
    let body = serde_json::json!({
        "community": "320205106203",
        "item": "25",
        "applicant_name": "王秀英",
        "applicant_phone": "13912345678",
        "description": "停机时仍在提交",
        "address": "",
    })
    .to_string();
    let mut conns = vec![];
    for _ in 0..4 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "POST /api/v1/cases HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(&body.as_bytes()[..10]).unwrap();
        conns.push(s);
    }
    let mut silent: Vec<_> = (0..2)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    sigterm(&server);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let late = std::net::TcpStream::connect(&addr);
    assert!(late.is_err(), "a connection after the signal is refused");
    for s in &mut conns {
        s.write_all(&body.as_bytes()[10..]).unwrap();
    }
    for s in &mut silent {
        write!(
            s,
            "POST /api/v1/cases HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    }
    conns.append(&mut silent);
    for s in &mut conns {
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    }
    let status = server.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exit 0 after SIGTERM");
    let stored = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let d = Db::connect(&DbTarget::Sqlite(db.clone())).await.unwrap();
        let n = db::scalar(
            &d.conn,
            "SELECT COUNT(*) FROM cases WHERE description = '停机时仍在提交'",
            vec![],
        )
        .await
        .unwrap();
        d.close().await;
        n
    });
    assert_eq!(stored, Some(6));
}

// ---------------------------------------------------------------- 6. one shape of error

async fn send(t: &TestApp, method: &str, path: &str, token: &str, body: Body) -> Resp {
    t.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .unwrap(),
    )
    .await
}

/// The API error every client meets: `{error, message, fields: [{field, message}]}`.
fn api_error(r: &Resp, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    let j = r.json();
    assert_eq!(j["error"], code, "{j}");
    assert!(!j["message"].as_str().unwrap_or("").is_empty(), "{j}");
    j
}

/// Defect 6: plain-text 413 "length limit exceeded", a 400 that did not say which parameter, a
/// 422 `_body` "malformed" for a wrong JSON type, a bad date filter silently ignored.
#[tokio::test(flavor = "multi_thread")]
async fn every_error_is_the_products_own_and_names_its_field() {
    let t = TestApp::demo().await;
    let staff = bearer(&t, "staff").await;
    let admin = bearer(&t, "admin").await;

    // a body over the limit, announced or not
    let big = vec![b'a'; shequ::platform::http::MAX_BODY_BYTES + 1];
    let r = send(&t, "POST", "/api/v1/cases", &staff, Body::from(big.clone())).await;
    api_error(&r, 413, "too_large");
    let chunks = futures_like_stream(big);
    let r = send(&t, "POST", "/api/v1/cases", &staff, chunks).await;
    api_error(&r, 413, "too_large");
    let page = t
        .send(
            Request::post("/hall/residents")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::CONTENT_LENGTH, "900000000")
                .body(Body::from("x=1"))
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, 413);
    assert!(page.body.contains("内容过大"), "{}", page.body);

    // a parameter that is not a number, named
    let r = t.api("/api/v1/cases?page=abc", &staff).await;
    let j = api_error(&r, 400, "bad_request");
    assert_eq!(j["fields"][0]["field"], "page", "{j}");

    // a wrong JSON type, named, in the user's words
    let body = r#"{"community":"320205106203","item":25,"applicant_name":"王","description":"d","address":""}"#;
    let r = send(&t, "POST", "/api/v1/cases", &staff, Body::from(body)).await;
    let j = api_error(&r, 422, "invalid");
    assert_eq!(j["fields"][0]["field"], "item", "{j}");
    assert!(
        j["fields"][0]["message"].as_str().unwrap().contains("文字"),
        "{j}"
    );
    let r = send(
        &t,
        "POST",
        "/api/v1/cases",
        &staff,
        Body::from("{\"community\":"),
    )
    .await;
    let j = api_error(&r, 422, "invalid");
    assert_eq!(j["fields"][0]["field"], "_body", "{j}");

    // a method the route does not take: the same shape, not an empty body
    let r = send(&t, "DELETE", "/api/v1/cases", &staff, Body::empty()).await;
    api_error(&r, 405, "method_not_allowed");

    // a date that does not exist is an error, not a filter quietly dropped
    let r = t.api("/api/v1/audit?from=2026-02-30", &admin).await;
    let j = api_error(&r, 400, "bad_request");
    assert_eq!(j["fields"][0]["field"], "from", "{j}");
    let r = t.api("/api/v1/audit?to=yesterday", &admin).await;
    assert_eq!(
        api_error(&r, 400, "bad_request")["fields"][0]["field"],
        "to"
    );
    let r = t.api("/api/v1/audit?from=2026-02-28", &admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t.get("/p/320205106203/calendar?month=2026-13", None).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<html"), "the product's page");
}

/// A body that arrives in pieces with no length announced.
fn futures_like_stream(bytes: Vec<u8>) -> Body {
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = bytes
        .chunks(1 << 20)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    Body::from_stream(StreamOf(chunks.into_iter()))
}

struct StreamOf<I>(I);

impl<I: Iterator<Item = Result<bytes::Bytes, std::io::Error>> + Unpin> futures_core::Stream
    for StreamOf<I>
{
    type Item = I::Item;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

/// A value a unique key already holds is refused as a field error, on either backend: the
/// constraint is recognised by the driver's error kind and the name each backend gives it
/// (PostgreSQL's `departments_code_key`, SQLite's `departments.code`), not by message text.
#[tokio::test]
async fn a_value_already_taken_is_a_field_error_on_either_backend() {
    use shequ::departments::{DepartmentInput, save};
    use shequ::platform::error::AppError;
    let t = TestApp::empty().await;
    let actor = shequ::platform::auth::Actor::system("test");
    let input = |code: &str, name: &str| DepartmentInput {
        code: code.into(),
        name: name.into(),
        ..Default::default()
    };
    save(t.db(), &actor, None, &input("WSJ", "卫生健康局"))
        .await
        .unwrap();
    let field_of = |r: shequ::platform::error::Result<i64>| match r {
        Err(AppError::Invalid(errs)) => errs
            .iter()
            .map(|e| format!("{}={}", e.field, e.key))
            .collect::<Vec<_>>(),
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(
        field_of(save(t.db(), &actor, None, &input("WSJ", "另一个局")).await),
        ["code=departments.code_taken"]
    );
    assert_eq!(
        field_of(save(t.db(), &actor, None, &input("QT", "卫生健康局")).await),
        ["name=departments.name_taken"]
    );
    let audited = db::scalar(
        &t.db().conn,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'department'",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(
        audited,
        Some(1),
        "nothing half-written by the refused saves"
    );
}

/// The demo drops the cases' secondary indexes for its load and builds them again after it:
/// the demo database has every index the migrations define, on either backend.
#[tokio::test]
async fn the_demo_builds_the_indexes_it_dropped_for_its_load() {
    let t = TestApp::demo().await;
    let sql = match t.db().conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'cases' AND indexname IN \
             ('cases_item', 'cases_provider', 'cases_department', 'cases_phone', 'cases_open', \
              'cases_overdue', 'cases_community')"
        }
        _ => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' AND name IN \
             ('cases_item', 'cases_provider', 'cases_department', 'cases_phone', 'cases_open', \
              'cases_overdue', 'cases_community')"
        }
    };
    assert_eq!(
        db::scalar(&t.db().conn, sql, vec![]).await.unwrap(),
        Some(7)
    );
}

// ------------------------------------------------------------------ 7. a stable order

/// Defect 7: upcoming meetings sorted by start time alone showed different subsets on SQLite and
/// PostgreSQL once more of them than the limit began at the same minute. Every ordered list
/// ends with a unique key: the same 500, in the same order, on both.
#[tokio::test(flavor = "multi_thread")]
async fn lists_under_a_limit_are_the_same_on_every_backend() {
    let t = TestApp::demo().await;
    let admin = bearer(&t, "admin").await;
    let at = crate::test_clock().now() + chrono::Duration::days(400);
    let rows: Vec<Vec<sea_orm::Value>> = (0..520)
        .map(|i| {
            shequ::vals![
                "320205106203",
                "villager_forum",
                format!("同一时间的会 {i}"),
                at,
                at + chrono::Duration::hours(1),
                "村委会",
                "test",
                at,
                at
            ]
        })
        .collect();
    let tx = t.db().write_tx().await.unwrap();
    db::insert_rows(
        &tx,
        "meetings",
        &[
            "community_code",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "created_by",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = t
        .api("/api/v1/selfgov/meetings?upcoming=true", &admin)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<i64> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    let first_same = t
        .count("SELECT MIN(id) FROM meetings WHERE title LIKE '同一时间的会%'")
        .await;
    // the meetings before that minute, then the tied ones by id
    let tied: Vec<i64> = ids.iter().copied().filter(|i| *i >= first_same).collect();
    assert!(tied.len() > 100, "{} tied meetings in the page", tied.len());
    let expected: Vec<i64> = (first_same..first_same + tied.len() as i64).collect();
    assert_eq!(
        tied, expected,
        "ties broken by id, the same on both backends"
    );
}

// ------------------------------------------------------------------ 4. lost updates

/// The revision a page's edit form carries (`action` is the form's target).
pub fn revision_in(html: &str, action: &str) -> String {
    let at = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let rest = &html[at..];
    let end = rest.find("</form>").unwrap_or(rest.len());
    let form = &rest[..end];
    let k = form
        .find("name=\"revision\" value=\"")
        .unwrap_or_else(|| panic!("the form to {action} carries no revision"));
    form[k + 23..].split('"').next().unwrap().to_string()
}

/// The fields a page's form posting to `action` would send as it stands (inputs with their
/// values, ticked boxes, textareas, selected options).
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let at = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let rest = &html[at..];
    let form = &rest[..rest.find("</form>").unwrap_or(rest.len())];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let k = tag.find(&format!(" {name}=\""))?;
        let v = &tag[k + name.len() + 3..];
        Some(unescape(&v[..v.find('"')?]))
    };
    let mut out = vec![];
    let mut i = 0;
    while let Some(k) = form[i..].find('<') {
        let start = i + k;
        let end = start + form[start..].find('>').unwrap_or(form.len() - start);
        let tag = &form[start..=end.min(form.len() - 1)];
        i = end + 1;
        if tag.starts_with("<input") {
            let (Some(name), kind) = (attr(tag, "name"), attr(tag, "type").unwrap_or_default())
            else {
                continue;
            };
            if matches!(kind.as_str(), "checkbox" | "radio") && !tag.contains(" checked") {
                continue;
            }
            if kind == "submit" || name == "_csrf" {
                continue;
            }
            let value = attr(tag, "value").unwrap_or_else(|| {
                if kind == "checkbox" {
                    "on".into()
                } else {
                    String::new()
                }
            });
            out.push((name, value));
        } else if tag.starts_with("<textarea")
            && let Some(name) = attr(tag, "name")
        {
            let body = &form[i..];
            let text = &body[..body.find("</textarea>").unwrap_or(0)];
            out.push((name, unescape(text)));
        } else if tag.starts_with("<select")
            && let Some(name) = attr(tag, "name")
        {
            let body = &form[i..];
            let body = &body[..body.find("</select>").unwrap_or(body.len())];
            let chosen = body
                .split("<option")
                .skip(1)
                .find(|o| o.contains(" selected"))
                .or_else(|| body.split("<option").nth(1))
                .and_then(|o| attr(&format!("<option{o}"), "value"));
            out.push((name, chosen.unwrap_or_default()));
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Two people save one record from the same copy of its form: the second is refused (409)
/// with their own values kept, who saved in between, and what that save changed; saving again
/// applies the edit knowingly. The first (`first_user`, shown as `first_name`) sets `field` to
/// `first`, the second (`second_user`) sets it to `second`.
pub async fn lost_update_refused(
    t: &TestApp,
    (first_user, first_name): (&str, &str),
    second_user: &str,
    (page, action): (&str, &str),
    field: &str,
    first: &str,
    second: &str,
) {
    let a = t.session(first_user).await;
    let b = t.session(second_user).await;
    let html = t.get(page, Some(&b)).await;
    assert_eq!(html.status, 200, "{page}: {}", html.body);
    let fields = form_fields(&html.body, action);
    let rev = revision_in(&html.body, action);
    assert!(
        fields.iter().any(|(k, _)| k == field),
        "{action} has no {field}: {fields:?}"
    );
    let with = |value: &str, rev: &str| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| match k.as_str() {
                k if k == field => (k.to_string(), value.to_string()),
                "revision" => (k.to_string(), rev.to_string()),
                _ => (k.clone(), v.clone()),
            })
            .collect()
    };
    let post = |s: &crate::Session, fields: Vec<(String, String)>| {
        let s = s.clone();
        async move {
            let refs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            t.post(action, &s, &refs).await
        }
    };
    let r = post(&a, with(first, &rev)).await;
    assert_eq!(r.status, 303, "{action}: the first save: {}", r.body);
    let audit = t.count("SELECT COUNT(*) FROM audit_log").await;
    let r = post(&b, with(second, &rev)).await;
    assert_eq!(
        r.status, 409,
        "{action}: the second save from the same copy: {}",
        r.body
    );
    assert!(
        r.body.contains(first_name),
        "{action}: who saved in between"
    );
    // what they changed: its value, or for personal data (the log keeps it hidden) that it
    // changed
    let personal = action.starts_with("/hall/residents");
    assert!(
        if personal {
            r.body.contains("个人信息不在此显示") && !r.body.contains(first)
        } else {
            r.body.contains(first)
        },
        "{action}: what they changed"
    );
    assert!(
        r.body.contains(second),
        "{action}: the second person's own value is kept"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log").await,
        audit,
        "nothing written"
    );
    let newer = revision_in(&r.body, action);
    assert_ne!(
        newer, rev,
        "the form shown again carries the newer revision"
    );
    let r = post(&b, with(second, &newer)).await;
    assert_eq!(
        r.status, 303,
        "{action}: saved again, knowingly: {}",
        r.body
    );
    let again = t.get(page, Some(&b)).await;
    assert!(
        again.body.contains(second),
        "{action}: the second edit is stored"
    );
}

/// Defect 4: every editable record refuses a save from a stale copy. The forms are read as a
/// browser would send them, one field changed.
#[tokio::test(flavor = "multi_thread")]
async fn stale_saves_are_refused_on_every_editable_record() {
    let t = TestApp::demo().await;
    let a = "320205106203";
    let one = |sql: &str| {
        let sql = sql.to_string();
        let t = &t;
        async move { t.count(&sql).await }
    };
    let room = one("SELECT MIN(id) FROM rooms WHERE community_code = '320205106203'").await;
    let org = one("SELECT MIN(id) FROM organisations WHERE community_code = '320205106203'").await;
    let meeting = one("SELECT MIN(id) FROM meetings WHERE community_code = '320205106203' AND cancelled_at IS NULL").await;
    let resident = one("SELECT MIN(id) FROM residents WHERE community_code = '320205106203'").await;
    let provider = one("SELECT MIN(id) FROM providers").await;
    let item = one("SELECT MIN(id) FROM service_items").await;
    let department = one("SELECT MIN(id) FROM departments").await;
    let user = one("SELECT id FROM users WHERE username = 'assessor'").await;
    let standard = one("SELECT MAX(id) FROM centre_standards").await;
    // a draft guideline: a new version of a published one
    let published = one("SELECT MIN(id) FROM guidelines WHERE status = 'published'").await;
    let admin = t.session("admin").await;
    let r = t
        .post(
            &format!("/assessment/guidelines/{published}/new-version"),
            &admin,
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = one("SELECT MAX(id) FROM guidelines WHERE status = 'draft'").await;
    let cases: &[(&str, String, String, &str)] = &[
        (
            "staff",
            format!("/selfgov/rooms/{room}"),
            format!("/selfgov/rooms/{room}"),
            "name",
        ),
        (
            "staff",
            format!("/selfgov/orgs/{org}"),
            format!("/selfgov/orgs/{org}"),
            "leader",
        ),
        (
            "staff",
            format!("/selfgov/meetings/{meeting}"),
            format!("/selfgov/meetings/{meeting}/minutes"),
            "minutes",
        ),
        (
            "staff",
            format!("/centres/{a}"),
            format!("/centres/{a}"),
            "note",
        ),
        (
            "admin",
            format!("/hall/residents/{resident}"),
            format!("/hall/residents/{resident}"),
            "household",
        ),
        (
            "admin",
            format!("/hall/providers/{provider}"),
            format!("/hall/providers/{provider}"),
            "contact_name",
        ),
        (
            "admin",
            format!("/hall/items/{item}"),
            format!("/hall/items/{item}"),
            "description",
        ),
        (
            "admin",
            format!("/departments/{department}"),
            format!("/departments/{department}"),
            "name_en",
        ),
        (
            "admin",
            format!("/admin/users/{user}"),
            format!("/admin/users/{user}"),
            "display_name",
        ),
        (
            "admin",
            format!("/centres/standards/{standard}"),
            format!("/centres/standards/{standard}"),
            "note",
        ),
    ];
    let cases: Vec<(&str, String, String, &str)> = cases
        .iter()
        .cloned()
        .chain([(
            "admin",
            format!("/assessment/guidelines/{draft}"),
            format!("/assessment/guidelines/{draft}"),
            "summary",
        )])
        .collect();
    for (i, (second_user, page, action, field)) in cases.iter().enumerate() {
        lost_update_refused(
            &t,
            ("admin", "区民政局 王科长"),
            second_user,
            (page, action),
            field,
            &format!("甲改{i}"),
            &format!("乙改{i}"),
        )
        .await;
    }
    // a community's self-assessment, by two of its staff at once (two sessions of one account
    // here: the demo has one staff account per community)
    let round = one("SELECT MAX(round_id) FROM assessment_sheets WHERE community_code = '320205106203' AND town_at IS NULL").await;
    let sheet = format!("/assessment/rounds/{round}/sheets/{a}");
    lost_update_refused(
        &t,
        ("staff", "黄土塘村 周社工"),
        "staff",
        (&sheet, &format!("{sheet}/self")),
        "self_note",
        "甲的说明",
        "乙的说明",
    )
    .await;
}

// ------------------------------------------------------------------ migrations (issue 14)

/// A migration file edited after it was applied is refused at start, naming it; a database
/// from before checksums were kept gets them on its next start.
#[tokio::test(flavor = "multi_thread")]
async fn an_edited_migration_is_refused_at_start() {
    let t = TestApp::empty().await;
    let stored = |v: i64| {
        let t = &t;
        async move {
            #[derive(sea_orm::FromQueryResult)]
            struct S {
                checksum: Option<String>,
            }
            db::one::<S, _>(
                &t.db().conn,
                "SELECT checksum FROM schema_migrations WHERE version = ?",
                shequ::vals![v],
            )
            .await
            .unwrap()
            .unwrap()
            .checksum
        }
    };
    let m7 = &db::MIGRATIONS[6];
    assert_eq!(stored(7).await, Some(db::checksum(m7.sql)));
    // from before checksums: filled in, nothing refused
    db::exec(
        &t.db().conn,
        "UPDATE schema_migrations SET checksum = NULL WHERE version = 3",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(db::migrate(t.db()).await.unwrap(), 0);
    assert_eq!(stored(3).await, Some(db::checksum(db::MIGRATIONS[2].sql)));
    // as if 0007 had been edited since it was applied
    db::exec(
        &t.db().conn,
        "UPDATE schema_migrations SET checksum = 'a0a0a0a0a0a0a0a0' WHERE version = 7",
        vec![],
    )
    .await
    .unwrap();
    let err = db::migrate(t.db()).await.unwrap_err().to_string();
    assert!(
        err.contains("migration 0007 (selfgov) was changed after it was applied"),
        "{err}"
    );
}
