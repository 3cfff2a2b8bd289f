//! What probing the product as an attacker found (issue 12), one test per defect: masking
//! defeated through search, open redirects, inputs that gave a 500, personal data in the
//! Open311 list, control characters that broke XML clients, abuse of the public forms,
//! lockout used as a weapon, personal data in the audit log, and the smaller holes.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};

use crate::{Resp, TestApp, bearer, json};

const A: &str = "320205106203"; // 黄土塘 (东港镇), the demo staff's community
const B: &str = "320205001001"; // 门楼社区 (东亭街道)

fn urlencode(s: &str) -> String {
    shequ::platform::text::urlencode(s)
}

/// A valid ID number (GB 11643) from its first 17 characters.
fn id_number(first17: &str) -> String {
    let c = shequ::platform::types::IdNumber::check_char(first17);
    format!("{first17}{}", c as char)
}

async fn text(t: &TestApp, sql: &str) -> String {
    #[derive(sea_orm::FromQueryResult)]
    struct V {
        v: String,
    }
    shequ::platform::db::one::<V, _>(&t.db().conn, sql, vec![])
        .await
        .unwrap()
        .map(|x| x.v)
        .unwrap_or_default()
}

/// A request as if it came from `ip` (the server reads the peer address of the connection).
async fn send_from(t: &TestApp, mut req: Request<Body>, ip: &str) -> Resp {
    let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    t.send(req).await
}

fn form(path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Request<Body> {
    let mut b =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
        .unwrap()
}

/// The anonymous CSRF cookie and token a public page hands out.
async fn anonymous(t: &TestApp) -> (String, String) {
    let (cookie, csrf, _) = crate::anonymous_form(t, "/request").await;
    (cookie, csrf)
}

/// A form stamp as the request page would have issued it `age` seconds ago.
async fn stamp(t: &TestApp, age: i64) -> String {
    crate::stamp_from(t, age).await
}

async fn item_id(t: &TestApp, code: &str) -> String {
    t.count(&format!(
        "SELECT id FROM service_items WHERE code = '{code}'"
    ))
    .await
    .to_string()
}

// ------------------------------------------------------------------ 1. masking and search

#[tokio::test(flavor = "multi_thread")]
async fn a_masked_viewer_searches_only_by_what_it_sees() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let town = t.session("donggang").await;
    let idn = id_number("32020519700101001");
    let r = t
        .post(
            "/hall/residents",
            &staff,
            &[
                ("name", "欧阳建国"),
                ("id_number", &idn),
                ("phone", "13912340009"),
                ("address", "3 组 12 号"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // staff of the community find the person by anything
    for q in ["欧阳", &idn, "13912340009", "0009"] {
        let found = json(&t, &format!("/api/v1/residents?q={}", urlencode(q)), &staff).await;
        let names: Vec<&str> = found["residents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"欧阳建国"), "staff by {q}: {names:?}");
    }
    // the town sees 欧**国, 3202**********xxxx and 139****0009: a full ID number, a full
    // phone or a piece of the name it cannot see would tell it the hidden part
    for q in [
        idn.as_str(),
        "13912340009",
        "欧阳",
        "阳建",
        "建国",
        "12340009",
    ] {
        let r = t
            .get(
                &format!("/api/v1/residents?q={}", urlencode(q)),
                Some(&town),
            )
            .await;
        assert_eq!(r.status, 422, "town by {q}: {}", r.body);
        let page = t
            .get(&format!("/hall/residents?q={}", urlencode(q)), Some(&town))
            .await;
        assert_eq!(page.status, 422, "town page by {q}");
        assert!(!page.body.contains("欧**国"));
    }
    // what it sees it may search by: the name as shown, the family name, the last 4 digits
    for q in ["欧**国", "欧", &idn[14..], "0009"] {
        let found = json(&t, &format!("/api/v1/residents?q={}", urlencode(q)), &town).await;
        let names: Vec<&str> = found["residents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"欧**国"), "town by {q}: {names:?}");
    }
    // cases: the applicant's phone and name, in the list, the API and the ledger
    let item = item_id(&t, "JY-01").await;
    let r = t
        .post(
            "/hall/cases",
            &staff,
            &[
                ("item", &item),
                ("applicant_name", "欧阳建国"),
                ("applicant_phone", "13912340009"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    for path in ["/api/v1/cases", "/hall/cases", "/hall/cases.xlsx"] {
        for q in ["13912340009", "欧阳", "建国"] {
            let r = t
                .get(&format!("{path}?q={}", urlencode(q)), Some(&town))
                .await;
            assert_eq!(r.status, 422, "town {path} by {q}");
        }
        let r = t.get(&format!("{path}?q=0009"), Some(&town)).await;
        assert_eq!(r.status, 200, "town {path} by the last 4 digits");
        let r = t.get(&format!("{path}?q=13912340009"), Some(&staff)).await;
        assert_eq!(r.status, 200, "staff {path} by the phone");
    }
    let found = json(&t, "/api/v1/cases?q=0009", &town).await;
    assert!(found["total"].as_i64().unwrap() >= 1);
    assert_eq!(found["cases"][0]["applicant_phone"], "139****0009");
}

// ------------------------------------------------------------------ 2 and 3. redirects, 500s

#[tokio::test(flavor = "multi_thread")]
async fn next_goes_nowhere_but_this_site() {
    let t = TestApp::demo().await;
    for next in [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d/evil.example",
        "/%09%09/evil.example/x",
        "//evil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "https://evil.example/",
        "/%5Cevil.example",
        "javascript:alert(1)",
        "/%00",
    ] {
        let r = t.get(&format!("/lang/en?next={next}"), None).await;
        assert_eq!(r.status, 303, "lang next={next}: {}", r.body);
        assert_eq!(r.location(), "/", "lang next={next}");
        let (cookie, csrf) = anonymous(&t).await;
        let decoded: String = url_decode(next);
        let r = t
            .post_raw(
                "/login",
                Some(&cookie),
                &[
                    ("_csrf", &csrf),
                    ("username", "staff"),
                    ("password", "shequ2026"),
                    ("next", &decoded),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "login next={next}: {}", r.body);
        assert_eq!(r.location(), "/", "login next={next}");
    }
    // a path of this site is kept, its query too
    let r = t.get("/lang/en?next=/hall/cases%3Fq%3D1", None).await;
    assert_eq!(r.location(), "/hall/cases?q=1");
}

fn url_decode(s: &str) -> String {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("x={s}")).unwrap_or_default();
    pairs.into_iter().next().map(|(_, v)| v).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_input_makes_a_500() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let staff = t.session("staff").await;
    let big = i64::MAX.to_string();
    let batch = t.count("SELECT MIN(id) FROM payment_batches").await;
    for path in [
        "/communities".to_string(),
        "/centres/ledger".into(),
        "/admin/audit".into(),
        "/hall/cases".into(),
        "/hall/residents".into(),
        "/selfgov/orgs".into(),
        format!("/funding/batches/{batch}"),
        "/api/v1/communities".into(),
        "/api/v1/cases".into(),
        "/api/v1/residents".into(),
        "/api/v1/audit".into(),
    ] {
        for page in [
            big.as_str(),
            "18446744073709551615",
            "-1",
            "0",
            "abc",
            "1e9",
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let p = format!("{path}{sep}page={page}");
            let r = t.get(&p, Some(&admin)).await;
            assert!(
                r.status.as_u16() < 500,
                "{p}: {} {}",
                r.status,
                &r.body[..r.body.len().min(300)]
            );
            // never the framework's own words
            assert!(!r.body.contains("Cannot parse"), "{p}: {}", r.body);
            assert!(!r.body.contains("Failed to deserialize"), "{p}: {}", r.body);
        }
    }
    // a value that is not a number where one is expected: the product's own page or JSON
    let r = t.get("/hall/cases?year=abc", Some(&staff)).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("<html") && r.body.contains("社区建设服务平台"),
        "{}",
        r.body
    );
    let r = t.get("/api/v1/cases?year=abc", Some(&staff)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "bad_request");
    let r = t.get("/hall/cases/abc", Some(&staff)).await;
    assert!(matches!(r.status.as_u16(), 400 | 404), "{}", r.status);
    assert!(r.body.contains("<html"), "{}", r.body);
    let r = t
        .get(&format!("/api/v1/cases/{}0", u64::MAX), Some(&staff))
        .await;
    assert!(matches!(r.status.as_u16(), 400 | 404));
    assert!(r.json()["error"].is_string());
    // a JSON body that is not JSON, a form that is not a form
    let r = t
        .send(
            Request::post("/api/v1/cases")
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", bearer(&t, "staff").await),
                )
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.json()["error"].is_string());
    // a body far beyond the limit
    let huge = "x".repeat(9 * 1024 * 1024);
    let r = t
        .post("/hall/residents", &staff, &[("name", huge.as_str())])
        .await;
    assert_eq!(r.status, 413);
    assert!(r.body.contains("<html"), "our own page");
}

// ------------------------------------------------------------------ 4 and 5. Open311, text

#[tokio::test(flavor = "multi_thread")]
async fn the_public_request_list_carries_no_personal_data() {
    let t = TestApp::demo().await;
    let key = crate::open311_key(&t, "probe").await;
    let r = t
        .post_raw(
            "/open311/v2/requests.json",
            None,
            &[
                ("api_key", &key),
                ("service_code", "WS-01"),
                ("attribute[community]", A),
                ("first_name", "小明"),
                ("last_name", "欧阳"),
                ("phone", "13800138000"),
                ("description", "我住幸福路8号，腿脚不便，想签约家庭医生"),
                ("address_string", "幸福路8号"),
                ("lat", "31.60"),
                ("long", "120.35"),
            ],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let number = r.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    for path in [
        "/open311/v2/requests.json".to_string(),
        "/open311/v2/requests.xml".into(),
        format!("/open311/v2/requests/{number}.json"),
        format!("/open311/v2/requests/{number}.xml"),
    ] {
        let r = t.get(&path, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body.contains(&number), "{path}");
        for private in [
            "幸福路",
            "腿脚不便",
            "13800138000",
            "欧阳",
            "31.6",
            "120.35",
        ] {
            assert!(!r.body.contains(private), "{path} shows {private}");
        }
    }
    let v = t
        .get(&format!("/open311/v2/requests/{number}.json"), None)
        .await
        .json();
    assert_eq!(v[0]["service_code"], "WS-01");
    assert_eq!(v[0]["status"], "open");
    assert!(v[0]["address"].as_str().unwrap().contains("黄土塘"), "{v}");
    // staff write what the public may read; the list then shows it
    let staff = t.session("staff").await;
    let id = t
        .count(&format!("SELECT id FROM cases WHERE number = '{number}'"))
        .await;
    let r = t
        .post(
            &format!("/hall/cases/{id}/public"),
            &staff,
            &[(
                "public_description",
                "居民申请签约家庭医生，已转社区卫生服务站",
            )],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let v = t
        .get(&format!("/open311/v2/requests/{number}.json"), None)
        .await
        .json();
    assert_eq!(
        v[0]["description"],
        "居民申请签约家庭医生，已转社区卫生服务站"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn control_characters_and_nul_bytes_are_refused_at_the_door() {
    let t = TestApp::demo().await;
    let (cookie, csrf) = anonymous(&t).await;
    let item = item_id(&t, "WS-01").await;
    let st = stamp(&t, 60).await;
    let r = t
        .post_raw(
            "/request",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("community", A),
                ("item", &item),
                ("applicant_name", "华\u{0}建\u{7}国"),
                ("applicant_phone", "13700001111"),
                ("description", "想签约\u{b}家庭\u{1b}医生\r\n第二行\u{7f}"),
                ("stamp", &st),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let stored = text(
        &t,
        "SELECT applicant_name || '|' || description AS v FROM cases WHERE applicant_phone = '13700001111'",
    )
    .await;
    assert_eq!(stored, "华建国|想签约家庭医生\n第二行");
    // NUL bytes anywhere, on anonymous pages too: never a 500 (PostgreSQL refuses them)
    let staff = t.session("staff").await;
    for path in [
        "/open311/v2/requests.json?service_request_id=%00",
        "/open311/v2/requests/%00.json",
        "/open311/v2/services/%00.xml",
        "/open311/v2/requests.json?service_code=%00",
        "/p/%00",
        "/p/320205106203/calendar?kind=%00",
        "/guide?q=%00",
        "/request?community=%00&item=%00",
        "/hall/cases?q=%00",
        "/hall/residents?q=%00a",
        "/api/v1/cases?q=%00",
    ] {
        let r = t.get(path, Some(&staff)).await;
        assert!(r.status.as_u16() < 500, "{path}: {} {}", r.status, r.body);
    }
    let r = t
        .post_raw(
            "/status",
            Some(&cookie),
            &[("_csrf", &csrf), ("number", "\u{0}"), ("phone", "\u{0}")],
        )
        .await;
    assert!(r.status.as_u16() < 500, "{}", r.status);
    let r = t
        .post(
            "/hall/residents",
            &staff,
            &[("name", "王\u{0}"), ("address", "\u{0}")],
        )
        .await;
    assert!(r.status.as_u16() < 500, "{}", r.status);
    // what older versions stored raw never breaks a feed or the XML list
    shequ::platform::db::exec(
        &t.db().conn,
        "UPDATE service_items SET name = name || ? WHERE code = 'WS-01'",
        vec!["\u{b}\u{7}".into()],
    )
    .await
    .unwrap();
    shequ::hall::state(&t.state).forget();
    let xml = t
        .get("/open311/v2/requests.xml?status=open,closed", None)
        .await;
    assert_eq!(xml.status, 200);
    roxmltree::Document::parse(&xml.body).unwrap_or_else(|e| panic!("{e}: {}", xml.body));
    let xml = t.get("/open311/v2/services.xml", None).await;
    roxmltree::Document::parse(&xml.body).unwrap_or_else(|e| panic!("{e}: {}", xml.body));
}

// ------------------------------------------------------------------ 6. public forms

#[tokio::test(flavor = "multi_thread")]
async fn public_forms_resist_replay_floods_and_races() {
    let t = TestApp::demo().await;
    let (cookie, csrf) = anonymous(&t).await;
    let item = item_id(&t, "WS-01").await;
    let fields = |stamp: String, phone: &str| -> Vec<(String, String)> {
        vec![
            ("_csrf".into(), csrf.clone()),
            ("community".into(), A.into()),
            ("item".into(), item.clone()),
            ("applicant_name".into(), "华建国".into()),
            ("applicant_phone".into(), phone.into()),
            ("description".into(), "想签约家庭医生".into()),
            ("stamp".into(), stamp),
        ]
    };
    let post = |f: Vec<(String, String)>, ip: &'static str| {
        let cookie = cookie.clone();
        let t = &t;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            send_from(t, form("/request", Some(&cookie), &f), ip).await
        }
    };
    // a stamp is good once
    let st = stamp(&t, 60).await;
    let r = post(fields(st.clone(), "13700002001"), "10.0.0.1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(fields(st, "13700002002"), "10.0.0.1").await;
    assert_eq!(r.status, 422, "a replayed stamp");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM cases WHERE applicant_phone = '13700002002'")
            .await,
        0
    );
    // three a day per phone, also when ten arrive at once
    let mut tasks = vec![];
    for i in 0..10 {
        let st = stamp(&t, 60 + i).await;
        tasks.push(post(fields(st, "13700003003"), "10.0.0.2"));
    }
    let results = futures_join(tasks).await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        ok,
        3,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM cases WHERE applicant_phone = '13700003003'")
            .await,
        3
    );
    // one address that keeps posting is slowed down; another address is not
    let mut limited = false;
    for i in 0..40 {
        let st = stamp(&t, 100 + i).await;
        let r = post(fields(st, &format!("137100{:05}", i)), "10.0.0.3").await;
        if r.status == 429 {
            assert!(r.headers.contains_key(header::RETRY_AFTER));
            limited = true;
            break;
        }
    }
    assert!(limited, "the flood from one address is limited");
    let st = stamp(&t, 200).await;
    let r = post(fields(st, "13700004004"), "10.0.0.4").await;
    assert_eq!(r.status, 200, "another address");
    // Open311: per key too
    let key = crate::open311_key(&t, "flood").await;
    let mut limited = false;
    for i in 0..200 {
        let phone = format!("1380000{i:04}");
        let f = [
            ("api_key", key.as_str()),
            ("service_code", "WS-01"),
            ("attribute[community]", A),
            ("last_name", "王"),
            ("phone", &phone),
        ];
        let r = send_from(
            &t,
            form("/open311/v2/requests.json", None, &f),
            &format!("10.1.{}.{}", i / 250, i % 250),
        )
        .await;
        if r.status == 429 {
            limited = true;
            break;
        }
        assert_eq!(r.status, 201, "{}", r.body);
    }
    assert!(limited, "one key cannot post without end");
}

async fn futures_join(tasks: Vec<impl std::future::Future<Output = Resp>>) -> Vec<Resp> {
    let mut handles = vec![];
    for f in tasks {
        handles.push(f);
    }
    let mut out = vec![];
    // run them concurrently on this task
    let joined = futures_util_join_all(handles).await;
    out.extend(joined);
    out
}

async fn futures_util_join_all<F: std::future::Future<Output = Resp>>(fs: Vec<F>) -> Vec<Resp> {
    use std::pin::Pin;
    use std::task::{Context, Poll};
    struct JoinAll<F: std::future::Future> {
        fs: Vec<Option<Pin<Box<F>>>>,
        out: Vec<Option<F::Output>>,
    }
    impl<F: std::future::Future> Unpin for JoinAll<F> {}
    impl<F: std::future::Future> std::future::Future for JoinAll<F> {
        type Output = Vec<F::Output>;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
            let this = &mut *self;
            let mut pending = false;
            for i in 0..this.fs.len() {
                if let Some(f) = this.fs[i].as_mut() {
                    match f.as_mut().poll(cx) {
                        Poll::Ready(v) => {
                            this.out[i] = Some(v);
                            this.fs[i] = None;
                        }
                        Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                Poll::Pending
            } else {
                Poll::Ready(this.out.iter_mut().map(|o| o.take().unwrap()).collect())
            }
        }
    }
    let n = fs.len();
    JoinAll {
        fs: fs.into_iter().map(|f| Some(Box::pin(f))).collect(),
        out: (0..n).map(|_| None).collect(),
    }
    .await
}

// ------------------------------------------------------------------ 7. lockout

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_elsewhere_do_not_lock_the_real_user_out() {
    let t = TestApp::demo().await;
    let login = |password: &'static str, ip: &'static str| {
        let t = &t;
        async move {
            let (cookie, csrf) = anonymous(t).await;
            send_from(
                t,
                form(
                    "/login",
                    Some(&cookie),
                    &[
                        ("_csrf", &csrf),
                        ("username", "staff"),
                        ("password", password),
                    ],
                ),
                ip,
            )
            .await
        }
    };
    for _ in 0..8 {
        login("wrong-password", "203.0.113.9").await;
    }
    let r = login("shequ2026", "203.0.113.9").await;
    assert_eq!(r.status, 429, "the attacker's address waits");
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    let r = login("shequ2026", "198.51.100.7").await;
    assert_eq!(
        r.status, 303,
        "the real user, elsewhere, signs in: {}",
        r.body
    );
    // the status page likewise: misses from one address do not pause the number for others
    let number = text(
        &t,
        "SELECT number AS v FROM cases WHERE channel = 'online' AND applicant_phone <> '' LIMIT 1",
    )
    .await;
    let phone = text(
        &t,
        &format!("SELECT applicant_phone AS v FROM cases WHERE number = '{number}'"),
    )
    .await;
    let look = |p: String, ip: &'static str| {
        let t = &t;
        let number = number.clone();
        async move {
            let (cookie, csrf) = anonymous(t).await;
            send_from(
                t,
                form(
                    "/status",
                    Some(&cookie),
                    &[("_csrf", &csrf), ("number", &number), ("phone", &p)],
                ),
                ip,
            )
            .await
        }
    };
    for _ in 0..8 {
        look("13700009999".into(), "203.0.113.9").await;
    }
    assert_eq!(look(phone.clone(), "203.0.113.9").await.status, 429);
    let r = look(phone, "198.51.100.7").await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("没有找到"), "the applicant finds the case");
}

// ------------------------------------------------------------------ 8. the audit log

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_log_keeps_no_personal_values_and_a_person_can_be_erased() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let admin = t.session("admin").await;
    let idn = id_number("32020519800202002");
    let r = t
        .post(
            "/hall/residents",
            &staff,
            &[
                ("name", "郁金香"),
                ("id_number", &idn),
                ("phone", "13912348888"),
                ("address", "幸福村 7 组 21 号"),
                ("tags", "disabled"),
                ("disability_category", "4"),
                ("disability_grade", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = t
        .count(&format!(
            "SELECT id FROM residents WHERE id_number = '{idn}'"
        ))
        .await;
    let r = t
        .post(
            &format!("/hall/residents/{id}"),
            &staff,
            &[
                ("name", "郁金香"),
                ("id_number", &idn),
                ("phone", "13912347777"),
                ("address", "幸福村 7 组 21 号"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let item = item_id(&t, "JY-01").await;
    let r = t
        .post(
            "/hall/cases",
            &staff,
            &[
                ("item", &item),
                ("resident_id", &id.to_string()),
                ("applicant_name", "郁金香"),
                ("applicant_phone", "13912347777"),
                ("id_number", &idn),
                ("description", "郁金香想找份工作"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let all = audit_text(&t).await;
    for private in [
        idn.as_str(),
        "13912348888",
        "13912347777",
        "幸福村",
        "郁金香",
        "\"4-2\"",
        ",disabled,",
        "1980-02-02",
    ] {
        assert!(!all.contains(private), "the audit log holds {private}");
    }
    assert!(all.contains("\"phone\""), "it says that the phone changed");
    // erasure: a confirmation that counts what goes, then the person is gone
    let page = t
        .get(&format!("/hall/residents/{id}/erase"), Some(&admin))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("郁金香"));
    assert_eq!(
        t.get(&format!("/hall/residents/{id}/erase"), Some(&staff))
            .await
            .status,
        403
    );
    let r = t
        .post(
            &format!("/hall/residents/{id}/erase"),
            &admin,
            &[("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // the record stays, anonymised, for the cases that point at it
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM residents WHERE id = {id} AND name = '-' \
             AND id_number IS NULL AND phone IS NULL AND address = '' \
             AND anonymised_at IS NOT NULL"
        ))
        .await,
        1
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM cases WHERE resident_id = {id}"
        ))
        .await,
        1,
        "the case still points at the anonymised person"
    );
    assert_eq!(
        t.get(&format!("/hall/residents/{id}"), Some(&admin))
            .await
            .status,
        404
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM cases WHERE applicant_name = '郁金香' OR applicant_phone = '13912347777' OR description LIKE '%郁金香%'")
        .await,
        0
    );
    assert!(!audit_text(&t).await.contains("郁金香"));
    let v = shequ::platform::audit::verify(t.db()).await.unwrap();
    assert!(
        matches!(v, shequ::platform::audit::Verification::Intact { .. }),
        "{v:?}"
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'erase' AND entity = 'resident' AND entity_id = '{id}'"
        ))
        .await,
        1
    );
}

async fn audit_text(t: &TestApp) -> String {
    #[derive(sea_orm::FromQueryResult)]
    struct E {
        before_json: Option<String>,
        after_json: Option<String>,
    }
    let rows: Vec<E> = shequ::platform::db::all(
        &t.db().conn,
        "SELECT before_json, after_json FROM audit_log",
        vec![],
    )
    .await
    .unwrap();
    rows.into_iter()
        .map(|e| {
            format!(
                "{} {}",
                e.before_json.unwrap_or_default(),
                e.after_json.unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ------------------------------------------------------------------ 9. the smaller holes

#[tokio::test(flavor = "multi_thread")]
async fn the_smaller_holes_are_closed() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    // a Content-Security-Policy on every page
    for path in ["/", "/login", "/guide", "/api/docs"] {
        let r = t.get(path, Some(&staff)).await;
        let csp = r
            .headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
    }
    // API tokens end when the password changes
    let tok = bearer(&t, "staff").await;
    assert_eq!(t.api("/api/v1/me", &tok).await.status, 200);
    let r = t
        .post(
            "/account",
            &staff,
            &[
                ("current", "shequ2026"),
                ("new_password", "xishan-2027"),
                ("confirm", "xishan-2027"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(t.api("/api/v1/me", &tok).await.status, 401);
    // ... and when the account is disabled
    let tok = bearer(&t, "staff2").await;
    assert_eq!(t.api("/api/v1/me", &tok).await.status, 200);
    let staff2 = t
        .count("SELECT id FROM users WHERE username = 'staff2'")
        .await;
    let admin = t.session("admin").await;
    let user_page = t.get(&format!("/admin/users/{staff2}"), Some(&admin)).await;
    assert_eq!(user_page.status, 200);
    let r = t
        .post(
            &format!("/admin/users/{staff2}"),
            &admin,
            &[
                ("display_name", "门楼社区工作人员"),
                ("role", "community_staff"),
                ("community_code", B),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM users WHERE username = 'staff2' AND active = FALSE")
            .await,
        1,
        "no active box: disabled"
    );
    assert_eq!(t.api("/api/v1/me", &tok).await.status, 401);
    // a cookie-signed API write needs the CSRF token, like a form
    let s2 = t.session("staff").await;
    let item = item_id(&t, "JY-01").await;
    let body = serde_json::json!({"item": item, "applicant_name": "王五"}).to_string();
    let api_post = |csrf: Option<String>| {
        let mut b = Request::post("/api/v1/cases")
            .header(header::COOKIE, &s2.cookie)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(body.clone())).unwrap()
    };
    let r = t.send(api_post(None)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = t.send(api_post(Some(s2.csrf.clone()))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // links in feeds and QR codes do not follow the Host header
    for path in [
        format!("/p/{A}/feed.atom"),
        format!("/p/{A}/calendar.ics"),
        format!("/hall/cards/{A}"),
    ] {
        let r = t
            .send(
                Request::get(&path)
                    .header(header::HOST, "evil.example")
                    .header(header::COOKIE, &s2.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(!r.body.contains("evil.example"), "{path}");
    }
    // public feeds set no cookie
    for path in [
        format!("/p/{A}/feed.atom"),
        format!("/p/{A}/calendar.ics"),
        "/open311/v2/services.json".to_string(),
    ] {
        let r = t.get(&path, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(!r.headers.contains_key(header::SET_COOKIE), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_public_url_no_link_follows_the_host_header() {
    let t = TestApp::demo_with(|c| c.public_url.clear()).await;
    let staff = t.session("staff").await;
    let evil = |path: String| {
        Request::get(path)
            .header(header::HOST, "evil.example")
            .header(header::COOKIE, &staff.cookie)
            .body(Body::empty())
            .unwrap()
    };
    // the card prints no QR code, and says why
    let card = t.send(evil(format!("/hall/cards/{A}"))).await;
    assert_eq!(card.status, 200);
    assert!(!card.body.contains("<svg") && !card.body.contains("evil.example"));
    assert!(
        card.body.contains("public_url"),
        "the card says what is missing"
    );
    // feeds link to the listen address, not to the sender's Host
    for path in [format!("/p/{A}/feed.atom"), format!("/p/{A}/calendar.ics")] {
        let r = t.send(evil(path.clone())).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(!r.body.contains("evil.example"), "{path}");
        assert!(r.body.contains("http://127.0.0.1:8080/p/"), "{path}");
    }
}
