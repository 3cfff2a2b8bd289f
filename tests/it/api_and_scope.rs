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
    let cca = format!("/centres/{A}");
    let ccb = format!("/centres/{B}");
    let acca = format!("/api/v1/centres/{A}");
    let batch = t
        .count("SELECT MIN(id) FROM payment_batches WHERE kind = 'per_capita'")
        .await;
    let fb = format!("/funding/batches/{batch}");
    let fbx = format!("/funding/batches/{batch}/export.xlsx");
    let afb = format!("/api/v1/funding/batches/{batch}");
    let fsa = format!("/funding/statements/{A}");
    let fsb = format!("/funding/statements/{B}");
    let fsax = format!("/funding/statements/{A}/export.xlsx");
    let afsa = format!("/api/v1/funding/statements/{A}");
    let afsb = format!("/api/v1/funding/statements/{B}");
    let old = t
        .count("SELECT id FROM assessment_rounds WHERE year = 2008")
        .await;
    let guideline = t
        .count("SELECT MIN(id) FROM guidelines WHERE status = 'published'")
        .await;
    let ar = format!("/assessment/rounds/{old}");
    let arx = format!("/assessment/rounds/{old}/export.xlsx");
    let asa = format!("/assessment/rounds/{old}/sheets/{A}");
    let asb = format!("/assessment/rounds/{old}/sheets/{B}");
    let asax = format!("/assessment/rounds/{old}/sheets/{A}/export.xlsx");
    let ag = format!("/assessment/guidelines/{guideline}");
    let aag = format!("/api/v1/assessment/guidelines/{guideline}");
    let aar = format!("/api/v1/assessment/rounds/{old}");
    let aasa = format!("/api/v1/assessment/rounds/{old}/sheets/{A}");
    let aasb = format!("/api/v1/assessment/rounds/{old}/sheets/{B}");
    let accb = format!("/api/v1/centres/{B}");
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
        ("/centres", [200, 200, 200, 200, 200, 403, 303]),
        ("/centres?year=2008", [200, 200, 200, 200, 200, 403, 303]),
        ("/centres/ledger", [200, 200, 200, 200, 200, 403, 303]),
        ("/centres/ledger.xlsx", [200, 200, 200, 200, 200, 403, 303]),
        ("/centres/ledger.csv", [200, 200, 200, 200, 200, 403, 303]),
        ("/centres/standards", [200, 200, 200, 200, 200, 403, 303]),
        (
            "/centres/standards/new",
            [200, 403, 403, 403, 403, 403, 303],
        ),
        ("/centres/standards/1", [200, 403, 403, 403, 403, 403, 303]),
        ("/centres/targets", [200, 403, 403, 403, 403, 403, 303]),
        (&cca, [200, 200, 200, 200, 200, 403, 303]),
        (&ccb, [200, 200, 404, 404, 200, 403, 303]),
        ("/funding", [200, 403, 200, 200, 403, 403, 303]),
        ("/funding?year=2007", [200, 403, 200, 200, 403, 403, 303]),
        ("/funding/batches", [200, 200, 403, 403, 403, 403, 303]),
        (&fb, [200, 404, 403, 403, 403, 403, 303]),
        (&fbx, [200, 404, 403, 403, 403, 403, 303]),
        (&fsa, [200, 403, 200, 200, 403, 403, 303]),
        (&fsb, [200, 403, 404, 404, 403, 403, 303]),
        (&fsax, [200, 403, 200, 200, 403, 403, 303]),
        (
            "/funding/contributions",
            [200, 403, 200, 200, 403, 403, 303],
        ),
        ("/funding/budgets", [200, 403, 200, 200, 403, 403, 303]),
        ("/assessment", [200, 200, 200, 200, 200, 403, 303]),
        (&ar, [200, 200, 200, 200, 200, 403, 303]),
        (&arx, [200, 200, 200, 200, 200, 403, 303]),
        (&asa, [200, 200, 200, 200, 200, 403, 303]),
        (&asb, [200, 200, 404, 404, 200, 403, 303]),
        (&asax, [200, 200, 200, 200, 200, 403, 303]),
        (
            "/assessment/guidelines",
            [200, 200, 200, 200, 200, 403, 303],
        ),
        (
            "/assessment/guidelines/new",
            [200, 200, 403, 403, 403, 403, 303],
        ),
        (&ag, [200, 200, 200, 200, 200, 403, 303]),
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
        ("/api/v1/centres", [200, 200, 200, 200, 200, 403, 401]),
        (
            "/api/v1/centres/coverage",
            [200, 200, 200, 200, 200, 403, 401],
        ),
        (&acca, [200, 200, 200, 200, 200, 403, 401]),
        (&accb, [200, 200, 404, 404, 200, 403, 401]),
        (
            "/api/v1/centre-standards",
            [200, 200, 200, 200, 200, 403, 401],
        ),
        (
            "/api/v1/coverage-targets",
            [200, 200, 200, 200, 200, 403, 401],
        ),
        (
            "/api/v1/funding/summary",
            [200, 403, 200, 200, 403, 403, 401],
        ),
        (
            "/api/v1/assessment/guidelines",
            [200, 200, 200, 200, 200, 403, 401],
        ),
        (&aag, [200, 200, 200, 200, 200, 403, 401]),
        (
            "/api/v1/assessment/rounds",
            [200, 200, 200, 200, 200, 403, 401],
        ),
        (&aar, [200, 200, 200, 200, 200, 403, 401]),
        (&aasa, [200, 200, 200, 200, 200, 403, 401]),
        (&aasb, [200, 200, 404, 404, 200, 403, 401]),
        (
            "/api/v1/funding/batches",
            [200, 200, 403, 403, 403, 403, 401],
        ),
        (&afb, [200, 404, 403, 403, 403, 403, 401]),
        (&afsa, [200, 403, 200, 200, 403, 403, 401]),
        (&afsb, [200, 403, 404, 404, 403, 403, 401]),
        (
            "/api/v1/funding/contributions",
            [200, 403, 200, 200, 403, 403, 401],
        ),
        (
            "/api/v1/funding/budgets",
            [200, 403, 200, 200, 403, 403, 401],
        ),
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
    let failures = crate::get_matrix(&t, &users, &sessions, &matrix).await;
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Every form of the centres and of funding, every signed-in role. The inputs are invalid, so a role that
/// may post gets 422 (its field errors) and nothing changes; a role that may not gets 403, or
/// 404 where the community is outside its scope.
#[tokio::test(flavor = "multi_thread")]
async fn denial_matrix_for_centre_forms() {
    let t = TestApp::demo().await;
    let item = t
        .count("SELECT MIN(id) FROM centre_standard_items")
        .await
        .to_string();
    let area = format!("area_{item}");
    let project = [("mode", "new"), ("floor_area", "-1")];
    let checklist = [(area.as_str(), "-1")];
    let status = [("status", "no_such_status")];
    let nothing: [(&str, &str); 0] = [];
    let delete = [("year", "1900"), ("town", "")];
    let pa = format!("/centres/{A}");
    let pb = format!("/centres/{B}");
    let (ca, cb) = (format!("{pa}/checklist"), format!("{pb}/checklist"));
    let (sa, sb) = (format!("{pa}/status"), format!("{pb}/status"));
    let (ia, ib) = (format!("{pa}/inspections"), format!("{pb}/inspections"));
    let (ra, rb) = (format!("{pa}/review"), format!("{pb}/review"));
    let paid = t
        .count("SELECT MIN(id) FROM payment_batches WHERE status = 'paid'")
        .await;
    let line = t
        .count(&format!(
            "SELECT MIN(id) FROM payment_lines WHERE batch_id = {paid}"
        ))
        .await;
    let approve = format!("/funding/batches/{paid}/approve");
    let pay = format!("/funding/batches/{paid}/pay");
    let reverse = format!("/funding/lines/{line}/reverse");
    let open = t
        .count("SELECT id FROM assessment_rounds WHERE status = 'open'")
        .await;
    let old = t
        .count("SELECT id FROM assessment_rounds WHERE status = 'signed_off'")
        .await;
    let paid_guideline = t
        .count("SELECT MIN(guideline_id) FROM round_guidelines rg JOIN guidelines g ON g.id = rg.guideline_id WHERE g.subsidy_basis <> 'none'")
        .await;
    let published = t
        .count("SELECT MIN(id) FROM guidelines WHERE status = 'published'")
        .await;
    let sign_off = format!("/assessment/rounds/{old}/sign-off");
    let pay_g = format!("/assessment/rounds/{old}/pay/{paid_guideline}");
    let (sself_a, sself_b) = (
        format!("/assessment/rounds/{open}/sheets/{A}/self"),
        format!("/assessment/rounds/{open}/sheets/{B}/self"),
    );
    let (rev_a, rev_b) = (
        format!("/assessment/rounds/{open}/sheets/{A}/review"),
        format!("/assessment/rounds/{open}/sheets/{B}/review"),
    );
    let (sc_a, sc_b) = (
        format!("/assessment/rounds/{open}/sheets/{A}/score"),
        format!("/assessment/rounds/{open}/sheets/{B}/score"),
    );
    let publish = format!("/assessment/guidelines/{published}/publish");
    let bad_points = [("s1", "x"), ("p1", "x")];
    // (path, fields, [admin, minzheng, donggang, staff, assessor, provider])
    type Fields<'a> = &'a [(&'a str, &'a str)];
    let matrix: Vec<(&str, Fields, [u16; 6])> = vec![
        (&pa, &project, [422, 403, 422, 422, 403, 403]),
        (&pb, &project, [422, 403, 404, 404, 403, 403]),
        (&ca, &checklist, [422, 403, 422, 422, 403, 403]),
        (&cb, &checklist, [422, 403, 404, 404, 403, 403]),
        (&sa, &status, [422, 403, 422, 422, 403, 403]),
        (&sb, &status, [422, 403, 404, 404, 403, 403]),
        (&ia, &nothing, [422, 403, 403, 403, 422, 403]),
        (&ib, &nothing, [422, 403, 403, 403, 422, 403]),
        (&ra, &nothing, [422, 403, 422, 403, 403, 403]),
        (&rb, &nothing, [422, 403, 404, 403, 403, 403]),
        (
            "/centres/standards",
            &nothing,
            [422, 403, 403, 403, 403, 403],
        ),
        (
            "/centres/standards/1",
            &nothing,
            [422, 403, 403, 403, 403, 403],
        ),
        ("/centres/targets", &nothing, [422, 403, 403, 403, 403, 403]),
        (
            "/centres/targets/delete",
            &delete,
            [404, 403, 403, 403, 403, 403],
        ),
        (
            "/funding/batches/per-capita",
            &nothing,
            [422, 403, 403, 403, 403, 403],
        ),
        (
            "/funding/batches/rewards",
            &nothing,
            [422, 403, 403, 403, 403, 403],
        ),
        (&approve, &nothing, [422, 403, 403, 403, 403, 403]),
        (&pay, &nothing, [422, 403, 403, 403, 403, 403]),
        (&reverse, &nothing, [422, 403, 403, 403, 403, 403]),
        (
            "/funding/contributions",
            &nothing,
            [422, 403, 422, 422, 403, 403],
        ),
        ("/funding/budgets", &nothing, [422, 403, 422, 422, 403, 403]),
        ("/assessment", &nothing, [422, 403, 403, 403, 403, 403]),
        (&sign_off, &nothing, [422, 403, 403, 403, 403, 403]),
        (&pay_g, &nothing, [422, 403, 403, 403, 403, 403]),
        (&sself_a, &bad_points, [403, 403, 403, 422, 403, 403]),
        // the role is checked first (it is the handler's type), then the scope
        (&sself_b, &bad_points, [403, 403, 403, 404, 403, 403]),
        (&rev_a, &nothing, [422, 403, 422, 403, 403, 403]),
        (&rev_b, &nothing, [422, 403, 404, 403, 403, 403]),
        (&sc_a, &bad_points, [422, 422, 403, 403, 422, 403]),
        (&sc_b, &bad_points, [422, 422, 403, 403, 422, 403]),
        (
            "/assessment/guidelines",
            &nothing,
            [422, 422, 403, 403, 403, 403],
        ),
        (&publish, &nothing, [422, 403, 403, 403, 403, 403]),
    ];
    let users = [
        "admin", "minzheng", "donggang", "staff", "assessor", "provider",
    ];
    let mut sessions = vec![];
    for u in users {
        sessions.push(t.session(u).await);
    }
    let audit = t.count("SELECT COUNT(*) FROM audit_log").await;
    let mut failures = crate::post_matrix(&t, &users, &sessions, &matrix).await;
    for (path, fields, _) in &matrix {
        // signed out: no session, no form
        let r = t.post_raw(path, None, fields).await;
        if !matches!(r.status.as_u16(), 303 | 401 | 403) {
            failures.push(format!("POST {path} signed out: got {}", r.status));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log").await,
        audit,
        "nothing changed"
    );
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
        "/api/v1/centres",
        "/api/v1/centres/coverage",
        "/api/v1/centres/{code}",
        "/api/v1/centre-standards",
        "/api/v1/coverage-targets",
        "/api/v1/funding/summary",
        "/api/v1/funding/batches",
        "/api/v1/funding/batches/{id}",
        "/api/v1/funding/statements/{code}",
        "/api/v1/funding/contributions",
        "/api/v1/funding/budgets",
        "/api/v1/assessment/guidelines",
        "/api/v1/assessment/guidelines/{id}",
        "/api/v1/assessment/rounds",
        "/api/v1/assessment/rounds/{id}",
        "/api/v1/assessment/rounds/{id}/sheets/{code}",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
    let viewer = t.get("/api/docs", None).await;
    assert!(viewer.body.contains("/assets/swagger-ui-bundle.js"));
    let js = t.get("/assets/swagger-ui-bundle.js", None).await;
    assert_eq!(js.status, 200);
    assert!(js.body.len() > 100_000);
}
