//! Login, logout, throttling, expired sessions, CSRF, API tokens, the language switch.

use crate::TestApp;

pub async fn login_csrf(t: &TestApp) -> (String, String) {
    let r = t.get("/login", None).await;
    assert_eq!(r.status, 200);
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("shequ_csrf="))
        .unwrap();
    let token = cookie.trim_start_matches("shequ_csrf=").to_string();
    (cookie, token)
}

#[tokio::test(flavor = "multi_thread")]
async fn login_logout_and_wrong_password() {
    let t = TestApp::demo().await;
    let (cookie, csrf) = login_csrf(&t).await;
    let bad = t
        .post_raw(
            "/login",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", "staff"),
                ("password", "nope-nope"),
            ],
        )
        .await;
    assert_eq!(bad.status, 401);
    assert!(bad.body.contains("用户名或密码不正确"), "{}", bad.body);
    let ok = t
        .post_raw(
            "/login",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", "staff"),
                ("password", "shequ2026"),
                ("next", "/communities"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location(), "/communities");
    let set = ok
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let session = set.split(';').next().unwrap().to_string();
    let home = t.get_with_cookie("/", &session).await;
    assert!(
        home.body.contains("黄土塘村委会"),
        "staff sees their community"
    );
    // logout needs the session's CSRF token: take it from the page
    let csrf2 = home
        .body
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let out = t
        .post_raw("/logout", Some(&session), &[("_csrf", &csrf2)])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(
        t.get_with_cookie("/communities", &session).await.status,
        303,
        "session ended"
    );
    // an open redirect is refused
    let evil = t
        .post_raw(
            "/login",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", "staff"),
                ("password", "shequ2026"),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(evil.location(), "/");
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_make_this_client_wait() {
    let t = TestApp::demo().await;
    let (cookie, csrf) = login_csrf(&t).await;
    for i in 0..5 {
        let r = t
            .post_raw(
                "/login",
                Some(&cookie),
                &[
                    ("_csrf", &csrf),
                    ("username", "donggang"),
                    ("password", "wrong-pass"),
                ],
            )
            .await;
        assert_eq!(r.status, if i < 4 { 401 } else { 429 }, "attempt {i}");
    }
    let r = t
        .post_raw(
            "/login",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", "donggang"),
                ("password", "shequ2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 429, "locked even with the right password");
    assert!(r.headers.get("retry-after").is_some());
    assert!(r.body.contains("登录失败次数过多"));
    // other accounts are not affected
    let other = t
        .post_raw(
            "/login",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", "staff"),
                ("password", "shequ2026"),
            ],
        )
        .await;
    assert_eq!(other.status, 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_without_csrf_are_refused_and_write_nothing() {
    let t = TestApp::demo().await;
    let s = t.session("admin").await;
    let before = t.count("SELECT COUNT(*) FROM departments").await;
    let r = t
        .post_raw(
            "/departments",
            Some(&s.cookie),
            &[("code", "new"), ("name", "区新部门")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("表单已失效"), "{}", r.body);
    let r = t
        .post_raw(
            "/departments",
            Some(&s.cookie),
            &[
                ("_csrf", "0".repeat(64).as_str()),
                ("code", "new"),
                ("name", "区新部门"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(t.count("SELECT COUNT(*) FROM departments").await, before);
    // login form too
    let r = t
        .post_raw(
            "/login",
            None,
            &[("username", "staff"), ("password", "shequ2026")],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_sessions_redirect_with_a_message() {
    let t = TestApp::demo().await;
    let s = t.session("staff").await;
    shequ::platform::db::exec(
        &t.db().conn,
        "UPDATE sessions SET expires_at = ?",
        shequ::vals![shequ::platform::time::real_now() - chrono::Duration::hours(1)],
    )
    .await
    .unwrap();
    let r = t.get("/communities", Some(&s)).await;
    assert_eq!(r.status, 303);
    assert!(r.location().contains("expired=1"), "{}", r.location());
    let page = t.get(r.location(), None).await;
    assert!(page.body.contains("登录已过期"));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_tokens_authenticate_and_bad_ones_get_json_401() {
    let t = TestApp::demo().await;
    let token = shequ::admin::users::create_token(
        t.db(),
        &shequ::platform::auth::Actor::system("test"),
        "donggang",
        "ci",
        None,
    )
    .await
    .unwrap();
    let me = t.api("/api/v1/me", &token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["scope"], "town:320205106000");
    let bad = t.api("/api/v1/me", "shq_nope").await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["error"], "unauthorized");
    let none = t.get("/api/v1/communities", None).await;
    assert_eq!(none.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn language_switch_sets_a_cookie_and_translates() {
    let t = TestApp::demo().await;
    let s = t.session("admin").await;
    let zh = t.get("/communities", Some(&s)).await;
    assert!(zh.body.contains("<html lang=\"zh-CN\">") && zh.body.contains("社区"));
    let sw = t.get("/lang/en?next=/communities", None).await;
    assert_eq!(sw.status, 303);
    assert_eq!(sw.location(), "/communities");
    let c = sw
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let en = t
        .get_with_cookie("/communities", &format!("{}; {c}", s.cookie))
        .await;
    assert!(
        en.body.contains("<html lang=\"en\">"),
        "{}",
        &en.body[..200]
    );
    let page = crate::html::Page::parse(&en.body);
    assert!(
        page.texts("nav a").contains(&"Communities".to_string()),
        "{:?}",
        page.texts("nav a")
    );
    let rows = page.table("table");
    assert_eq!(rows[0][2], "Kind", "{:?}", rows[0]);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[2] == "Residents' committee" || r[2] == "Village committee"),
        "every community's kind in English: {rows:?}"
    );
    assert!(rows[1..].iter().any(|r| r[2] == "Residents' committee"));
    assert!(
        !en.body.contains("筛选"),
        "no Chinese UI strings left in English"
    );
    assert_eq!(t.get("/lang/fr", None).await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn disabling_an_account_ends_its_sessions_at_once() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let admin = t.session("admin").await;
    assert_eq!(t.get("/communities", Some(&staff)).await.status, 200);
    let id = t
        .count("SELECT id FROM users WHERE username = 'staff'")
        .await;
    let r = t
        .post(
            &format!("/admin/users/{id}"),
            &admin,
            &[
                ("display_name", "黄土塘村 周社工"),
                ("role", "community_staff"),
                ("community_code", "320205106203"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = t.get("/communities", Some(&staff)).await;
    assert_eq!(
        after.status, 303,
        "a disabled account is signed out on its next request"
    );
}
