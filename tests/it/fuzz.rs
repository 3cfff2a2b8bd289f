//! Fuzz-style: random bytes and control characters into every public form, the Open311 POST
//! and the query strings of the public pages, then every XML and feed output read back by real
//! parsers (roxmltree for XML and Atom; PyPI's `icalendar` for the calendars when installed).
//! No input may produce a 5xx; no output may stop parsing. Seeded: a failure is repeatable.

use axum::body::Body;
use axum::http::{Request, header};

use crate::{Resp, TestApp};

const A: &str = "320205106203"; // 黄土塘

/// xorshift64*: small, seeded, repeatable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Bytes a hostile client might send: controls, NUL, invalid UTF-8, markup, CJK, long runs.
    fn bytes(&mut self) -> Vec<u8> {
        let len = match self.below(10) {
            0 => 0,
            1 => 20_000 + self.below(150_000) as usize,
            _ => self.below(60) as usize,
        };
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            match self.below(8) {
                0 => out.push(self.below(32) as u8),
                1 => out.push(0x7f + self.below(0x21) as u8),
                2 => out.extend_from_slice("社区服务中心".as_bytes()),
                3 => out.extend_from_slice(b"<x a=\"'&\">]]>"),
                4 => out.push(0xff),
                5 => out.extend_from_slice("\u{202e}\u{fffe}\u{feff}".as_bytes()),
                _ => out.push(b'a' + self.below(26) as u8),
            }
        }
        out
    }
}

/// `k=v&…` with every byte percent-encoded, so invalid UTF-8 and NUL go over the wire as is.
fn encode(pairs: &[(&str, Vec<u8>)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = v.iter().map(|b| format!("%{b:02X}")).collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn post_body(t: &TestApp, path: &str, cookie: Option<&str>, body: String) -> Resp {
    let mut b =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    t.send(b.body(Body::from(body)).unwrap()).await
}

fn no_5xx(failures: &mut Vec<String>, what: &str, r: &Resp) {
    if r.status.is_server_error() {
        failures.push(format!(
            "{what}: {} {}",
            r.status,
            &r.body[..r.body.len().min(200)]
        ));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_bytes_never_make_a_5xx_and_feeds_still_parse() {
    let t = TestApp::demo().await;
    let mut rng = Rng(0x5eed_0012_2026_1201);
    let mut failures = vec![];
    // the anonymous form token
    let (cookie, csrf, _) = crate::anonymous_form(&t, "/request").await;
    let item = t
        .count("SELECT id FROM service_items WHERE code = 'WS-01'")
        .await
        .to_string();
    let key = crate::open311_key(&t, "fuzz").await;
    for round in 0..40 {
        // the public forms, every field hostile but the token
        for (path, fields) in [
            (
                "/request",
                vec![
                    "community",
                    "item",
                    "applicant_name",
                    "applicant_phone",
                    "address",
                    "description",
                    "stamp",
                    "website",
                ],
            ),
            ("/status", vec!["number", "phone"]),
            ("/status/rate", vec!["number", "phone", "stars", "comment"]),
            ("/login", vec!["username", "password", "next"]),
        ] {
            let mut pairs: Vec<(&str, Vec<u8>)> = vec![("_csrf", csrf.as_bytes().to_vec())];
            for f in fields {
                pairs.push((f, rng.bytes()));
            }
            if path == "/request" && round % 4 == 0 {
                // now and then a valid request around the hostile text, so that it is stored
                let stamp = crate::stamp_from(&t, 60).await;
                let valid: [(&str, Vec<u8>); 5] = [
                    ("community", A.as_bytes().to_vec()),
                    ("item", item.as_bytes().to_vec()),
                    ("applicant_phone", format!("1370000{round:04}").into_bytes()),
                    ("stamp", stamp.into_bytes()),
                    ("website", vec![]),
                ];
                pairs.retain(|(k, _)| !valid.iter().any(|(v, _)| v == k));
                pairs.extend(valid);
            }
            let r = post_body(&t, path, Some(&cookie), encode(&pairs)).await;
            no_5xx(&mut failures, &format!("POST {path} round {round}"), &r);
        }
        // Open311: a real key and a real service, so hostile text reaches the store
        let phone = format!("1390000{:04}", round);
        let mut pairs: Vec<(&str, Vec<u8>)> = vec![
            ("api_key", key.as_bytes().to_vec()),
            ("service_code", b"WS-01".to_vec()),
            ("attribute[community]", A.as_bytes().to_vec()),
            ("phone", phone.into_bytes()),
        ];
        for f in [
            "first_name",
            "last_name",
            "description",
            "address_string",
            "lat",
            "long",
            "jurisdiction_id",
        ] {
            pairs.push((f, rng.bytes()));
        }
        if round % 2 == 0 {
            // a valid name now and then, so some requests are stored
            pairs.retain(|(k, _)| *k != "last_name");
            pairs.push(("last_name", "王".as_bytes().to_vec()));
            pairs.retain(|(k, _)| *k != "jurisdiction_id" && *k != "lat" && *k != "long");
        }
        let format = if round % 3 == 0 { "xml" } else { "json" };
        let r = post_body(
            &t,
            &format!("/open311/v2/requests.{format}"),
            None,
            encode(&pairs),
        )
        .await;
        no_5xx(&mut failures, &format!("POST open311 round {round}"), &r);
        // query strings of the public pages
        let q: String = rng
            .bytes()
            .iter()
            .take(300)
            .map(|b| format!("%{b:02X}"))
            .collect();
        for path in [
            format!("/guide?q={q}"),
            format!("/p/{A}/calendar?kind={q}&month={q}"),
            format!("/p/{A}/rooms?week={q}"),
            format!("/p?tag={q}"),
            format!("/request?community={q}&item={q}"),
            format!("/open311/v2/requests.xml?status={q}&start_date={q}&service_code={q}"),
            format!("/open311/v2/requests/{q}.json"),
            format!("/lang/en?next={q}"),
        ] {
            let r = t.get(&path, None).await;
            no_5xx(&mut failures, &format!("GET {path}"), &r);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        t.count("SELECT COUNT(*) FROM cases WHERE channel = 'open311' AND registered_by LIKE 'open311:fuzz%'")
            .await
            > 0,
        "some hostile Open311 requests were stored"
    );
    assert!(
        t.count("SELECT COUNT(*) FROM cases WHERE channel = 'online' AND applicant_phone LIKE '1370000%'")
            .await
            > 0,
        "some hostile online requests were stored"
    );
    // staff write hostile text where the public reads it: a public note, a notice, an activity
    let staff = t.session("staff").await;
    let case = t
        .count("SELECT MAX(id) FROM cases WHERE channel = 'open311'")
        .await;
    let text = String::from_utf8_lossy(&rng.bytes()).into_owned() + "\u{b}\u{7}<&>";
    let r = t
        .post(
            &format!("/hall/cases/{case}/public"),
            &staff,
            &[(
                "public_description",
                &text.chars().take(400).collect::<String>(),
            )],
        )
        .await;
    assert!(r.status.as_u16() < 500);
    let today = crate::test_clock().today().to_string();
    let r = t
        .post(
            &format!("/selfgov/c/{A}/notice"),
            &staff,
            &[
                ("board", "openness"),
                ("category", "other"),
                ("title", "公告\u{b}\u{1}<&>\"'"),
                ("body", &text),
                ("publish_on", &today),
            ],
        )
        .await;
    assert!(r.status.as_u16() < 500, "{}", r.status);
    // and what older versions stored raw, which the writers must still survive
    shequ::platform::db::exec(
        &t.db().conn,
        "UPDATE activities SET title = title || ? WHERE id = (SELECT MIN(id) FROM activities WHERE community_code = ?)",
        vec!["\u{b}\u{7}\u{1b}[0m".into(), A.into()],
    )
    .await
    .unwrap();
    shequ::platform::db::exec(
        &t.db().conn,
        "UPDATE notices SET title = title || ? WHERE id = (SELECT MIN(id) FROM notices WHERE community_code = ?)",
        vec!["\u{c}\u{8}".into(), A.into()],
    )
    .await
    .unwrap();
    // every XML output parses with a parser nobody here wrote
    for path in [
        "/open311/v2/requests.xml?status=open,closed".to_string(),
        "/open311/v2/services.xml".into(),
        "/open311/v2/services/WS-01.xml".into(),
        "/open311/v2/discovery.xml".into(),
        format!("/p/{A}/feed.atom"),
    ] {
        let r = t.get(&path, None).await;
        assert_eq!(r.status, 200, "{path}");
        if let Err(e) = roxmltree::Document::parse(&r.body) {
            panic!("{path} does not parse: {e}");
        }
    }
    // the calendars: no control character but the line ends; parsed by PyPI's icalendar
    for path in [
        format!("/p/{A}/calendar.ics"),
        "/calendar/performance.ics".to_string(),
    ] {
        let r = t.get(&path, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            !r.body
                .chars()
                .any(|c| c.is_control() && c != '\r' && c != '\n'),
            "{path} carries a control character"
        );
        if let Some(err) = parse_ics_with_python(&r.body) {
            panic!("{path}: {err}");
        }
    }
}

/// Parse an iCalendar text with PyPI's `icalendar`; `None` when it parses (or when the package
/// is missing outside CI).
fn parse_ics_with_python(text: &str) -> Option<String> {
    use std::io::Write;
    let script = "import sys, icalendar\nc = icalendar.Calendar.from_ical(sys.stdin.buffer.read())\nprint(len(list(c.walk('VEVENT'))))";
    let probe = std::process::Command::new("python3")
        .args(["-c", "import icalendar"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("CI").is_err(),
            "CI installs PyPI's icalendar (.ci/run)"
        );
        eprintln!("NOTICE: iCalendar parse skipped: pip install icalendar");
        return None;
    }
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if out.status.success() {
        None
    } else {
        Some(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Every form the pages show, found by reading the pages themselves (so a form added later is
/// covered), posted with every field far too long: refused with field errors, never a 5xx (on
/// PostgreSQL a text that long cannot even be a unique index's key).
#[tokio::test(flavor = "multi_thread")]
async fn every_form_refuses_overlong_fields() {
    let t = TestApp::demo().await;
    let long: String = "社区".repeat(1_500) + "\u{b}x";
    let mut failures = vec![];
    let mut posted = std::collections::BTreeSet::new();
    let table = shequ::app::routes().into_parts().1;
    for user in ["admin", "staff", "donggang", "minzheng"] {
        let s = t.session(user).await;
        let mut pages = vec![];
        for route in &table {
            if route.method != axum::http::Method::GET
                || route.path.contains('{')
                || route.path.starts_with("/api")
                || route.path.contains('.')
            {
                continue;
            }
            pages.push(route.path.to_string());
        }
        // the forms of every page without parameters, and of a community's own pages
        for path in pages.iter().cloned().chain([
            "/communities/320205106203".to_string(),
            "/centres/320205106203".into(),
            "/selfgov/c/320205106203".into(),
            "/selfgov/c/320205106203/volunteers".into(),
        ]) {
            let page = t.get(&path, Some(&s)).await;
            for (action, fields) in forms_of(&page.body) {
                if action == "/logout" || !posted.insert((user, action.clone())) {
                    continue;
                }
                let values: Vec<(String, String)> = fields
                    .into_iter()
                    .filter(|f| f != "_csrf")
                    .map(|f| (f, long.clone()))
                    .collect();
                let pairs: Vec<(&str, &str)> = values
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let r = t.post(&action, &s, &pairs).await;
                if r.status.is_server_error() {
                    failures.push(format!(
                        "POST {action} as {user} (from {path}): {}",
                        r.status
                    ));
                }
            }
        }
    }
    assert!(posted.len() > 30, "forms found: {posted:?}");
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The POST forms of a page: their action and field names.
fn forms_of(html: &str) -> Vec<(String, Vec<String>)> {
    let mut out = vec![];
    for chunk in html.split("<form").skip(1) {
        let Some(end) = chunk.find("</form>") else {
            continue;
        };
        let form = &chunk[..end];
        let head = &form[..form.find('>').unwrap_or(0)];
        if !head.contains("method=\"post\"") {
            continue;
        }
        let Some(action) = attr(head, "action") else {
            continue;
        };
        if !action.starts_with('/') {
            continue;
        }
        let mut names = vec![];
        for part in form.split("name=\"").skip(1) {
            if let Some(n) = part.split('"').next()
                && !names.contains(&n.to_string())
            {
                names.push(n.to_string());
            }
        }
        out.push((action.replace("&amp;", "&"), names));
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
    Some(tag[at..].split('"').next()?.to_string())
}
