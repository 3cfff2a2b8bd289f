//! The scope denial matrix: every route so far, every role. Staff of community A get 404 on
//! community B's page and API; a town officer outside the town likewise; roles without the
//! page get 403; anonymous users are sent to the login page (pages) or get 401 (API).

use crate::TestApp;

const A: &str = "320205106203"; // 黄土塘 (东港镇), the demo staff's community
const B: &str = "320205001001"; // 门楼社区 (东亭街道), staff2's community
const TOWN_A: &str = "320205106000"; // 东港镇
const TOWN_B: &str = "320205001000"; // 东亭街道

#[tokio::test(flavor = "multi_thread")]
async fn denial_matrix_for_pages_and_api() {
    let t = TestApp::demo().await;
    let ca = format!("/communities/{A}");
    let cb = format!("/communities/{B}");
    let ta = format!("/towns/{TOWN_A}");
    let tb = format!("/towns/{TOWN_B}");
    let aca = format!("/api/v1/communities/{A}");
    let acb = format!("/api/v1/communities/{B}");
    let ata = format!("/api/v1/towns/{TOWN_A}");
    let atb = format!("/api/v1/towns/{TOWN_B}");
    // (path, [admin, minzheng, donggang, staff, assessor, provider, anonymous])
    let matrix: Vec<(&str, [u16; 7])> = vec![
        ("/", [200, 200, 200, 200, 200, 200, 200]),
        ("/towns", [200, 200, 200, 403, 200, 403, 303]),
        (&ta, [200, 200, 200, 404, 200, 404, 303]),
        (&tb, [200, 200, 404, 404, 200, 404, 303]),
        ("/communities", [200, 200, 200, 200, 200, 200, 303]),
        ("/communities.csv", [200, 200, 200, 200, 200, 200, 303]),
        (&ca, [200, 200, 200, 200, 200, 404, 303]),
        (&cb, [200, 200, 404, 404, 200, 404, 303]),
        ("/departments", [200, 200, 200, 200, 200, 403, 303]),
        ("/departments/new", [200, 403, 403, 403, 403, 403, 303]),
        ("/departments/1", [200, 403, 403, 403, 403, 403, 303]),
        ("/admin/users", [200, 403, 403, 403, 403, 403, 303]),
        ("/admin/users/new", [200, 403, 403, 403, 403, 403, 303]),
        ("/admin/users/1", [200, 403, 403, 403, 403, 403, 303]),
        ("/admin/audit", [200, 403, 403, 403, 403, 403, 303]),
        ("/account", [200, 200, 200, 200, 200, 200, 303]),
        ("/api/v1/me", [200, 200, 200, 200, 200, 200, 401]),
        ("/api/v1/towns", [200, 200, 200, 403, 200, 403, 401]),
        (&ata, [200, 200, 200, 404, 200, 404, 401]),
        (&atb, [200, 200, 404, 404, 200, 404, 401]),
        ("/api/v1/communities", [200, 200, 200, 200, 200, 200, 401]),
        (&aca, [200, 200, 200, 200, 200, 404, 401]),
        (&acb, [200, 200, 404, 404, 200, 404, 401]),
        ("/api/v1/figures", [200, 200, 200, 200, 200, 200, 401]),
        ("/api/v1/departments", [200, 200, 200, 200, 200, 403, 401]),
        ("/api/v1/users", [200, 403, 403, 403, 403, 403, 401]),
        ("/api/v1/audit", [200, 403, 403, 403, 403, 403, 401]),
        ("/api/openapi.json", [200, 200, 200, 200, 200, 200, 200]),
        ("/healthz", [200, 200, 200, 200, 200, 200, 200]),
        ("/no-such-page", [404, 404, 404, 404, 404, 404, 404]),
    ];
    let users = [
        "admin", "minzheng", "donggang", "staff", "assessor", "provider",
    ];
    let mut sessions = vec![];
    for u in users {
        sessions.push(Some(t.session(u).await));
    }
    sessions.push(None);
    let mut failures = vec![];
    for (path, expected) in &matrix {
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
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_only_show_what_is_in_scope() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let list = t.get("/api/v1/communities", Some(&staff)).await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["code"], A);
    let town = t.session("donggang").await;
    let list = t.get("/api/v1/communities", Some(&town)).await.json();
    assert_eq!(list["total"], 19);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["town_code"] == TOWN_A)
    );
    // a town officer filtering for another town gets nothing, not the other town
    let other = t
        .get(&format!("/api/v1/communities?town={TOWN_B}"), Some(&town))
        .await
        .json();
    assert_eq!(other["total"], 0);
    let csv = t.get("/communities.csv", Some(&staff)).await;
    assert_eq!(
        csv.body.lines().count(),
        2,
        "header and one row: {}",
        csv.body
    );
    let admin = t.session("admin").await;
    let all = t.get("/api/v1/communities", Some(&admin)).await.json();
    assert_eq!(all["total"], 130);
    let fig = t.get("/api/v1/figures", Some(&admin)).await.json();
    assert_eq!(fig["population"], 397_000);
    assert_eq!(fig["towns"], 9);
    // staff cannot record population, not even their own
    let r = t
        .post(
            &format!("/communities/{A}/population"),
            &staff,
            &[
                ("year", "2025"),
                ("households", "1"),
                ("permanent_population", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    // a town officer cannot record another town's population
    let r = t
        .post(
            &format!("/communities/{B}/population"),
            &town,
            &[
                ("year", "2025"),
                ("households", "1"),
                ("permanent_population", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    // only the admin merges
    let r = t
        .post(
            &format!("/communities/{A}/merge"),
            &town,
            &[("successor", B), ("effective_on", "2026-01-01")],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn openapi_document_lists_the_routes() {
    let t = TestApp::empty().await;
    let doc = t.get("/api/openapi.json", None).await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/communities",
        "/api/v1/communities/{code}",
        "/api/v1/towns",
        "/api/v1/me",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
    let viewer = t.get("/api/docs", None).await;
    assert!(viewer.body.contains("/assets/swagger-ui-bundle.js"));
    let js = t.get("/assets/swagger-ui-bundle.js", None).await;
    assert_eq!(js.status, 200);
    assert!(js.body.len() > 100_000);
}
