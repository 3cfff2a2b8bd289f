//! Service centres through HTTP: the demo's history against the report, a project's life from
//! plan to acceptance, the one reward under repeated and concurrent requests, bad input that
//! writes nothing, the XLSX ledger read back cell by cell, scope.

use calamine::{Data, Reader, Xlsx};

use crate::browser::Browser;
use crate::{Session, TestApp, raw};

const HUANGTUTANG: &str = "320205106203"; // 黄土塘, staff's community: failed, rectifying
const MENLOU: &str = "320205001001"; // 门楼, staff2's
const ZHANGJING: &str = "320205106391"; // 张泾, merged into 黄土塘 in 2012

async fn coverage(t: &TestApp, s: &Session, q: &str) -> serde_json::Value {
    let r = t
        .get(&format!("/api/v1/centres/coverage{q}"), Some(s))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_reproduces_the_report() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let d = coverage(&t, &admin, "?year=2007").await;
    // 50 centres by the end of 2007, over 60 million yuan and 70,000 m²
    assert_eq!(d["totals"]["centres"], 50);
    assert!(d["totals"]["invest_fen"].as_i64().unwrap() > 60_000_000 * 100);
    assert!(d["totals"]["floor_area_dm2"].as_i64().unwrap() > 70_000 * 100);
    // pilots: one per town, in 2006
    assert_eq!(d["totals"]["pilots"], 9);
    assert_eq!(d["target_pct"], 50);
    assert_eq!(d["met"], false);
    let by_year = d["by_year"].as_array().unwrap();
    let year = |y: i64| by_year.iter().find(|p| p["year"] == y).unwrap().clone();
    assert_eq!(year(2006)["covered"], 9);
    assert_eq!(year(2006)["target_pct"], serde_json::Value::Null);
    assert_eq!(year(2008)["target_pct"], 80);
    assert_eq!(year(2008)["met"], true);
    assert_eq!(year(2009)["met"], true);
    assert_eq!(
        year(2010)["met"],
        false,
        "three integrated centres came in 2011"
    );
    assert_eq!(year(2011)["covered"], year(2011)["communities"]);
    // merges: 132 communities until 2011, 131 from 2012 (张泾 into 黄土塘), 130 from 2016
    assert_eq!(year(2011)["communities"], 132);
    assert_eq!(year(2012)["communities"], 131);
    assert_eq!(year(2016)["communities"], 130);
    // 2010: the communities behind, with the reason
    let d = coverage(&t, &admin, "?year=2010").await;
    assert_eq!(d["behind_total"], 3);
    assert!(
        d["behind"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["reason"] == "finished_later")
    );
    // 东港镇 set itself 85% for 2008
    let d = coverage(&t, &admin, "?year=2008&town=320205106000").await;
    assert_eq!(d["target_pct"], 85);
    assert_eq!(d["towns"].as_array().unwrap().len(), 1);
    // rewards: one per accepted centre, by mode
    let rewards = t.count("SELECT COUNT(*) FROM centre_rewards").await;
    let accepted = t
        .count("SELECT COUNT(*) FROM centre_projects WHERE status = 'accepted'")
        .await;
    assert_eq!(rewards, accepted);
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM centre_rewards WHERE mode = 'new' AND amount_fen <> 10000000"
        )
        .await,
        0
    );
    // the standard as data, with the report's norms
    let st = t.get("/api/v1/centre-standards", Some(&admin)).await.json();
    assert_eq!(st[0]["effective_year"], 2006);
    assert_eq!(st[0]["area_new_dm2"], 150_000);
    assert_eq!(st[0]["reward_renovation_fen"], 5_000_000);
    assert_eq!(st[0]["items"].as_array().unwrap().len(), 21);
    // the dashboard page draws both charts
    let page = t.get("/centres?year=2008", Some(&admin)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("chart-line target"), "line chart");
    assert!(page.body.contains("chart-target"), "town bars with targets");
    assert!(page.body.contains("80.3%"), "2008: 106 of 132");
}

/// A community's project, made fresh: the demo's is removed first (only for a centre whose
/// reward, if any, is unpaid: paid lines are never deleted).
async fn clear_project(t: &TestApp, code: &str) {
    for sql in [
        "DELETE FROM centre_rewards WHERE community_code = ?",
        "DELETE FROM centre_checklist WHERE project_id IN (SELECT id FROM centre_projects WHERE community_code = ?)",
        "DELETE FROM centre_inspections WHERE project_id IN (SELECT id FROM centre_projects WHERE community_code = ?)",
        "DELETE FROM centre_projects WHERE community_code = ?",
    ] {
        shequ::platform::db::exec(&t.db().conn, sql, vec![code.into()])
            .await
            .unwrap();
    }
}

fn project_fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("mode", "renovation"),
        ("blocking_reason", ""),
        ("pilot_year", ""),
        ("planned_start", "2026-03-01"),
        ("planned_completion", "2026-12-20"),
        ("actual_start", ""),
        ("actual_completion", ""),
        ("floor_area", ""),
        ("invest_district", "200,000"),
        ("invest_town", "250000.50"),
        ("invest_village", "400000"),
        ("invest_donation", ""),
        ("note", ""),
    ];
    for (k, v) in extra {
        if let Some(x) = f.iter_mut().find(|(n, _)| n == k) {
            x.1 = v;
        } else {
            f.push((k, v));
        }
    }
    f
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_from_plan_to_acceptance() {
    let t = TestApp::demo().await;
    let town = t.session("donggang").await;
    let assessor = t.session("assessor").await;
    // a 东港镇 centre awaiting acceptance: no reward yet, so nothing paid to undo
    let code = "320205106209";
    clear_project(&t, code).await;
    let path = format!("/centres/{code}");
    let page = t.get(&path, Some(&town)).await;
    assert!(page.body.contains("登记服务中心建设项目"), "create form");

    // planned, this year: the forecast counts it
    let r = t.post(&path, &town, &project_fields(&[])).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let d = coverage(&t, &town, "").await;
    assert_eq!(d["communities"], 19);
    assert_eq!(d["covered"], 18);
    assert_eq!(d["expected"], 19);
    let c = t
        .get(&format!("/api/v1/centres/{code}"), Some(&town))
        .await
        .json();
    assert_eq!(c["project"]["status"], "planned");
    assert_eq!(c["project"]["invest_town_fen"], 25_000_050);
    assert_eq!(
        c["compliance"]["missing_required"]
            .as_array()
            .unwrap()
            .len(),
        20
    );

    // construction starts: the start date is needed first
    let r = t
        .post(
            &format!("{path}/status"),
            &town,
            &[("status", "under_construction")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请先填写实际开工日期"), "{}", r.body);
    t.post(
        &path,
        &town,
        &project_fields(&[("actual_start", "2026-03-05")]),
    )
    .await;
    let r = t
        .post(
            &format!("{path}/status"),
            &town,
            &[("status", "under_construction")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // acceptance needs a completed project
    let inspect = |passed: &'static str, reasons: &'static str| {
        vec![
            ("inspected_on", "2026-11-20"),
            ("inspectors", "区民政局 验收组"),
            ("passed", passed),
            ("reasons", reasons),
        ]
    };
    let r = t
        .post(
            &format!("{path}/inspections"),
            &assessor,
            &inspect("pass", ""),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("项目尚未建成"), "{}", r.body);
    t.post(
        &path,
        &town,
        &project_fields(&[
            ("actual_start", "2026-03-05"),
            ("actual_completion", "2026-10-30"),
            ("floor_area", "1,050.5"),
        ]),
    )
    .await;
    let r = t
        .post(&format!("{path}/status"), &town, &[("status", "completed")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    // the checklist is incomplete: a pass is refused, a fail needs reasons
    let r = t
        .post(
            &format!("{path}/inspections"),
            &assessor,
            &inspect("pass", ""),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("缺少必备设施"), "{}", r.body);
    let r = t
        .post(
            &format!("{path}/inspections"),
            &assessor,
            &inspect("fail", ""),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = t
        .post(
            &format!("{path}/inspections"),
            &assessor,
            &inspect("fail", "设施不全"),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t
        .post(
            &format!("{path}/status"),
            &town,
            &[("status", "rectifying")],
        )
        .await;
    assert_eq!(r.status, 303);

    // every required item present at its minimum area
    let c = t
        .get(&format!("/api/v1/centres/{code}"), Some(&town))
        .await
        .json();
    let mut form: Vec<(String, String)> = vec![];
    for line in c["checklist"].as_array().unwrap() {
        let id = line["item"]["id"].as_i64().unwrap();
        form.push((format!("present_{id}"), "1".into()));
        let area = line["item"]["min_area_dm2"]
            .as_i64()
            .map(|a| (a / 100 + 5).to_string())
            .unwrap_or_default();
        form.push((format!("area_{id}"), area));
        form.push((format!("note_{id}"), String::new()));
    }
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = t.post(&format!("{path}/checklist"), &town, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = t
        .get(&format!("/api/v1/centres/{code}"), Some(&town))
        .await
        .json();
    assert_eq!(
        c["compliance"]["missing_required"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(c["compliance"]["area_ok"], true, "1,050.5 m² ≥ 1,000 m²");

    // the pass: accepted, one reward of 50,000 yuan for a renovation
    let r = t
        .post(
            &format!("{path}/inspections"),
            &assessor,
            &inspect("pass", ""),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let c = t
        .get(&format!("/api/v1/centres/{code}"), Some(&town))
        .await
        .json();
    assert_eq!(c["project"]["status"], "accepted");
    assert_eq!(c["project"]["accepted_on"], "2026-11-20");
    assert_eq!(c["reward"]["amount_fen"], 5_000_000);
    assert_eq!(c["inspections"].as_array().unwrap().len(), 2);
    // a repeated click: refused, still one reward
    let r = t
        .post(
            &format!("{path}/inspections"),
            &assessor,
            &inspect("pass", ""),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不会重复"), "{}", r.body);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM centre_rewards WHERE community_code = '{code}'"
        ))
        .await,
        1
    );
    // after acceptance the checklist and the mode are fixed
    let r = t.post(&format!("{path}/checklist"), &town, &fields).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("设施清单不能再修改"));
    let r = t
        .post(
            &path,
            &town,
            &project_fields(&[
                ("mode", "new"),
                ("actual_start", "2026-03-05"),
                ("actual_completion", "2026-10-30"),
                ("floor_area", "1050.5"),
            ]),
        )
        .await;
    assert_eq!(r.status, 422);
    // the town reviews
    let r = t
        .post(
            &format!("{path}/review"),
            &town,
            &[("review_note", "资料齐全，同意")],
        )
        .await;
    assert_eq!(r.status, 303);
    // every step is in the audit log, and the chain holds
    for (action, entity) in [
        ("create", "centre_project"),
        ("status", "centre_project"),
        ("update", "centre_checklist"),
        ("create", "centre_inspection"),
        ("create", "centre_reward"),
        ("review", "centre_project"),
    ] {
        assert!(
            t.count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity = '{entity}' AND entity_id LIKE '{code}%'"
            ))
            .await
                + t.count(&format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity = '{entity}' AND after_json LIKE '%{code}%'"
                ))
                .await
                > 0,
            "{action} {entity}"
        );
    }
    let v = shequ::platform::audit::verify(t.db()).await.unwrap();
    assert!(
        matches!(v, shequ::platform::audit::Verification::Intact { .. }),
        "{v:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_passes_create_one_reward() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let assessor = t.session("assessor").await;
    // a finished centre awaiting acceptance
    let code: String = shequ::platform::db::one::<Code, _>(
        &t.db().conn,
        "SELECT community_code AS code FROM centre_projects WHERE status = 'completed' AND mode = 'new' ORDER BY community_code LIMIT 1",
        vec![],
    )
    .await
    .unwrap()
    .unwrap()
    .code;
    let path = format!("/centres/{code}/inspections");
    let mut handles = vec![];
    for i in 0..8 {
        let router = t.router.clone();
        let s = if i % 2 == 0 {
            admin.clone()
        } else {
            assessor.clone()
        };
        let path = path.clone();
        handles.push(tokio::spawn(async move {
            let body = serde_urlencoded::to_string([
                ("_csrf", s.csrf.as_str()),
                ("inspected_on", "2026-11-01"),
                ("inspectors", "验收组"),
                ("passed", "pass"),
                ("reasons", ""),
            ])
            .unwrap();
            let req = axum::http::Request::post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", s.cookie)
                .body(axum::body::Body::from(body))
                .unwrap();
            let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
            let status = resp.status().as_u16();
            use http_body_util::BodyExt;
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            if status == 422 {
                // refused because another request got there first, not for anything else
                assert!(
                    String::from_utf8_lossy(&body).contains("不会重复"),
                    "{}",
                    String::from_utf8_lossy(&body)
                );
            }
            status
        }));
    }
    let mut statuses = vec![];
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 422),
        "{statuses:?}"
    );
    let project_rewards = t
        .count(&format!(
            "SELECT COUNT(*) FROM centre_rewards WHERE community_code = '{code}'"
        ))
        .await;
    assert_eq!(project_rewards, 1);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM centre_inspections i JOIN centre_projects p ON p.id = i.project_id \
             WHERE p.community_code = '{code}' AND i.passed"
        ))
        .await,
        1
    );
}

#[derive(sea_orm::FromQueryResult)]
struct Code {
    code: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_field_errors_and_writes_nothing() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let staff = t.session("staff").await;
    let audit = t.count("SELECT COUNT(*) FROM audit_log").await;
    let snapshot = || async {
        (
            t.count("SELECT COUNT(*) FROM centre_projects").await,
            t.count("SELECT COUNT(*) FROM centre_checklist WHERE present")
                .await,
            t.count("SELECT COUNT(*) FROM centre_standard_items").await,
            t.count("SELECT COUNT(*) FROM coverage_targets").await,
            t.count("SELECT CAST(SUM(floor_area_dm2) AS BIGINT) FROM centre_projects")
                .await,
        )
    };
    let before = snapshot().await;
    let path = format!("/centres/{HUANGTUTANG}");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("floor_area", "-10")], "不能为负数"),
        (vec![("floor_area", "1500000")], "面积超过 10 万平方米"),
        (vec![("floor_area", "abc")], "请输入面积"),
        (vec![("invest_district", "200000000")], "金额超过 1 亿元"),
        (vec![("invest_town", "12.345")], "金额最多两位小数"),
        (
            vec![
                ("actual_start", "2007-05-01"),
                ("actual_completion", "2007-04-01"),
            ],
            "竣工日期不能早于开工日期",
        ),
        (vec![("actual_start", "2099-01-01")], "日期不能晚于今天"),
        (vec![("mode", "integrated")], "整合现有用房须写明"),
        (vec![("mode", "palace")], "请选择建设方式"),
        (vec![("planned_start", "2007-13-01")], "请按"),
    ];
    for (extra, message) in cases {
        let mut fields = project_fields(&[
            ("mode", "new"),
            ("actual_start", "2006-10-20"),
            ("actual_completion", "2007-04-16"),
            ("floor_area", "1782"),
        ]);
        for (k, v) in extra {
            fields.iter_mut().find(|(n, _)| *n == k).unwrap().1 = v;
        }
        let r = t.post(&path, &staff, &fields).await;
        assert_eq!(r.status, 422, "{message}: {}", r.status);
        // the message stands beside a field, not only in the summary at the top
        let errors = crate::html::Page::parse(&r.body).field_errors();
        assert!(
            errors.iter().any(|(_, m)| m.contains(message)),
            "{message} beside no field: {errors:?}"
        );
    }
    // a checklist area that is not a number, on an item of the project
    let c = t
        .get(&format!("/api/v1/centres/{HUANGTUTANG}"), Some(&staff))
        .await
        .json();
    let id = c["checklist"][0]["item"]["id"].as_i64().unwrap();
    let r = t
        .post(
            &format!("{path}/checklist"),
            &staff,
            &[
                (format!("present_{id}").as_str(), "1"),
                (format!("area_{id}").as_str(), "-3"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    // an accepted centre's checklist is fixed
    let r = t
        .post(
            &format!("/centres/{MENLOU}/checklist"),
            &t.session("staff2").await,
            &[
                (format!("present_{id}").as_str(), "1"),
                (format!("area_{id}").as_str(), ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("设施清单不能再修改"));
    // targets above 100%, a year out of range
    for (year, pct, field, message) in [
        ("2027", "120", "target_pct", "0% 到 100%"),
        ("2027", "-5", "target_pct", "0% 到 100%"),
        ("1800", "50", "year", "1949"),
        ("2027", "八十", "target_pct", "整数"),
    ] {
        let r = t
            .post(
                "/centres/targets",
                &admin,
                &[("year", year), ("town", ""), ("target_pct", pct)],
            )
            .await;
        assert_eq!(r.status, 422, "{year} {pct}");
        let beside = crate::html::Page::parse(&r.body).field_error(field);
        assert!(
            beside.as_deref().is_some_and(|m| m.contains(message)),
            "{message} beside {field}: {beside:?}"
        );
    }
    // a standard with duplicate items, a negative norm, no name
    let r = t
        .post(
            "/centres/standards",
            &admin,
            &[
                ("name", ""),
                ("effective_year", "2027"),
                ("area_new", "-1500"),
                ("reward_new", "100000"),
                ("i0_category", "hall"),
                ("i0_name", "便民服务大厅"),
                ("i0_required", "1"),
                ("i1_category", "room"),
                ("i1_name", "便民服务 大厅"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("与第 1 行重名"), "duplicate");
    assert!(r.body.contains("不能为负数"), "negative norm");
    assert!(r.body.contains("此项必填"), "name");
    // the same year as an existing version
    let r = t
        .post(
            "/centres/standards",
            &admin,
            &[
                ("name", "x"),
                ("effective_year", "2006"),
                ("i0_category", "hall"),
                ("i0_name", "大厅"),
                ("i0_required", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("这一年已有标准版本"));
    assert_eq!(snapshot().await, before);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log").await, audit);
    // a missing form field or CSRF token never panics
    let r = t
        .post_raw(&path, Some(&staff.cookie), &[("mode", "new")])
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn standards_and_targets_are_edited_as_data() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    // a new version from the form: effective 2027, one more station, the old one untouched
    let form = t.get("/centres/standards/new", Some(&admin)).await;
    assert_eq!(form.status, 200);
    // the demo's standard is of 2006: the next one takes effect this year (the tests' 2026)
    assert_eq!(
        crate::html::Page::parse(&form.body).attrs("input[name=effective_year]", "value"),
        ["2026"]
    );
    let st = t.get("/api/v1/centre-standards", Some(&admin)).await.json();
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), "2027 修订版".into()),
        ("effective_year".into(), "2027".into()),
        ("area_new".into(), "1500".into()),
        ("area_renovation".into(), "1000".into()),
        ("reward_new".into(), "120,000".into()),
        ("reward_renovation".into(), "60000".into()),
    ];
    for (i, item) in st[0]["items"].as_array().unwrap().iter().enumerate() {
        fields.push((
            format!("i{i}_category"),
            item["category"].as_str().unwrap().into(),
        ));
        fields.push((format!("i{i}_name"), item["name"].as_str().unwrap().into()));
        if item["required"].as_bool().unwrap() {
            fields.push((format!("i{i}_required"), "1".into()));
        }
    }
    fields.push(("i30_category".into(), "station".into()));
    fields.push(("i30_name".into(), "居家养老服务站".into()));
    fields.push(("i30_required".into(), "1".into()));
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t.post("/centres/standards", &admin, &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let st = t.get("/api/v1/centre-standards", Some(&admin)).await.json();
    assert_eq!(st.as_array().unwrap().len(), 2);
    assert_eq!(st[1]["items"].as_array().unwrap().len(), 22);
    assert_eq!(st[1]["reward_new_fen"], 12_000_000);
    assert_eq!(st[0]["items"].as_array().unwrap().len(), 21);
    // an item used by project checklists cannot be removed from its version
    let id = st[0]["id"].as_i64().unwrap();
    let item = st[0]["items"][1]["id"].as_i64().unwrap();
    let edit = t
        .get(&format!("/centres/standards/{id}"), Some(&admin))
        .await;
    assert!(edit.body.contains("个项目按此版本建设"));
    let mut fields: Vec<(String, String)> = vec![
        ("name".into(), st[0]["name"].as_str().unwrap().into()),
        ("effective_year".into(), "2006".into()),
        ("area_new".into(), "1500".into()),
        ("area_renovation".into(), "1000".into()),
        ("reward_new".into(), "100000".into()),
        ("reward_renovation".into(), "50000".into()),
    ];
    for (i, it) in st[0]["items"].as_array().unwrap().iter().enumerate() {
        fields.push((format!("i{i}_id"), it["id"].to_string()));
        fields.push((
            format!("i{i}_category"),
            it["category"].as_str().unwrap().into(),
        ));
        fields.push((format!("i{i}_name"), it["name"].as_str().unwrap().into()));
        fields.push((format!("i{i}_required"), "1".into()));
        if it["id"].as_i64() == Some(item) {
            fields.push((format!("i{i}_remove"), "1".into()));
        }
    }
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t
        .post(&format!("/centres/standards/{id}"), &admin, &f)
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能删除"), "in use");
    // without the removal, renaming two items into each other's names works
    let f: Vec<(&str, &str)> = f
        .into_iter()
        .filter(|(k, _)| !k.ends_with("_remove"))
        .collect();
    let mut f: Vec<(String, String)> = f
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let n0 = f.iter().position(|(k, _)| k == "i2_name").unwrap();
    let n1 = f.iter().position(|(k, _)| k == "i3_name").unwrap();
    let (a, b) = (f[n0].1.clone(), f[n1].1.clone());
    f[n0].1 = b.clone();
    f[n1].1 = a.clone();
    let fr: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = t
        .post(&format!("/centres/standards/{id}"), &admin, &fr)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let st = t.get("/api/v1/centre-standards", Some(&admin)).await.json();
    assert_eq!(st[0]["items"][2]["name"], b.as_str());

    // targets: set, change, delete; each audited
    let audit = t
        .count("SELECT COUNT(*) FROM audit_log WHERE entity = 'coverage_target'")
        .await;
    let r = t
        .post(
            "/centres/targets",
            &admin,
            &[
                ("year", "2027"),
                ("town", "320205001000"),
                ("target_pct", "100%"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let ts = t.get("/api/v1/coverage-targets", Some(&admin)).await.json();
    assert!(
        ts.as_array().unwrap().iter().any(|x| x["year"] == 2027
            && x["town_code"] == "320205001000"
            && x["target_pct"] == 100)
    );
    let r = t
        .post(
            "/centres/targets/delete",
            &admin,
            &[("year", "2027"), ("town", "320205001000")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'coverage_target'")
            .await,
        audit + 2
    );
    let page = t.get("/centres/targets", Some(&admin)).await;
    assert!(page.body.contains("东港镇") && page.body.contains("85%"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ledger_exports_read_back_cell_by_cell() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let r = t.get("/centres/ledger.xlsx", Some(&admin)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    // the body went through String: fetch the bytes again without lossy decoding
    let bytes = raw(&t, "/centres/ledger.xlsx", &admin).await;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["社区服务中心台账".to_string()]);
    let range = book.worksheet_range("社区服务中心台账").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header[0], "代码");
    assert_eq!(header[1], "社区");
    assert_eq!(header[13], "建筑面积（㎡）");
    assert_eq!(header[19], "投入合计（元）");
    assert_eq!(
        header.len(),
        24 + 21,
        "fixed columns and one per checklist item"
    );
    assert!(header.contains(&"残疾人康复站".to_string()));
    // 130 communities and the two merged-away villages with centres
    assert_eq!(rows.len(), 1 + 132);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| r[0] == Data::String(HUANGTUTANG.into()))
        .unwrap();
    let c = t
        .get(&format!("/api/v1/centres/{HUANGTUTANG}"), Some(&admin))
        .await
        .json();
    let p = &c["project"];
    assert_eq!(row[1], Data::String("黄土塘村委会".into()));
    assert_eq!(row[2], Data::String("东港镇".into()));
    assert_eq!(row[col("状态")], Data::String("整改中".into()));
    assert_eq!(row[col("建设方式")], Data::String("新建".into()));
    assert_eq!(
        row[col("建筑面积（㎡）")],
        Data::Float(p["floor_area_dm2"].as_f64().unwrap() / 100.0)
    );
    let total = [
        "invest_district_fen",
        "invest_town_fen",
        "invest_village_fen",
        "invest_donation_fen",
    ]
    .iter()
    .map(|k| p[k].as_i64().unwrap())
    .sum::<i64>();
    assert_eq!(
        row[col("投入合计（元）")],
        Data::Float(total as f64 / 100.0)
    );
    assert_eq!(
        row[col("区级投入（元）")],
        Data::Float(p["invest_district_fen"].as_f64().unwrap() / 100.0)
    );
    let completion = match &row[col("实际竣工")] {
        Data::DateTime(d) => {
            let (y, m, d, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        other => panic!("completion is a date cell: {other:?}"),
    };
    assert_eq!(completion, p["actual_completion"].as_str().unwrap());
    assert_eq!(row[col("残疾人康复站")], Data::String("无".into()));
    assert_eq!(row[col("社区服务站")], Data::String("有".into()));
    assert_eq!(row[col("达标情况")], Data::String("缺项".into()));
    assert_eq!(row[col("验收奖励（元）")], Data::Empty);
    // an accepted centre has its reward
    let row = rows
        .iter()
        .find(|r| r[0] == Data::String(MENLOU.into()))
        .unwrap();
    // 门楼 is a pilot: the standard's reward for a pilot centre, 100,000 yuan
    assert_eq!(row[col("验收奖励（元）")], Data::Float(100_000.0));
    // the merged-away village, marked
    let row = rows
        .iter()
        .find(|r| r[0] == Data::String(ZHANGJING.into()))
        .unwrap();
    assert_eq!(row[col("已并入")], Data::String(HUANGTUTANG.into()));

    // CSV: BOM, same rows, plain numbers
    let csv = raw(&t, "/centres/ledger.csv", &admin).await;
    assert_eq!(&csv[..3], &[0xEF, 0xBB, 0xBF]);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let recs: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 132);
    let r = recs.iter().find(|r| &r[0] == HUANGTUTANG).unwrap();
    assert_eq!(
        r[19].to_string(),
        format!("{}.{:02}", total / 100, total % 100)
    );
    // filtered exports follow the filter, and the scope
    let staff = t.session("staff").await;
    let mine = raw(&t, "/centres/ledger.csv", &staff).await;
    let n = csv::Reader::from_reader(&mine[3..]).records().count();
    assert_eq!(n, 2, "黄土塘 and 张泾, merged into it");
    let filtered = raw(&t, "/centres/ledger.csv?status=rectifying", &admin).await;
    assert_eq!(
        csv::Reader::from_reader(&filtered[3..]).records().count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scope_limits_who_sees_and_changes_what() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let town = t.session("donggang").await;
    let assessor = t.session("assessor").await;
    let list = t.get("/api/v1/centres", Some(&staff)).await.json();
    assert_eq!(list["total"], 2);
    let list = t.get("/api/v1/centres", Some(&town)).await.json();
    assert_eq!(list["total"], 20, "19 communities and 张泾");
    let d = coverage(&t, &staff, "?year=2026").await;
    assert_eq!(d["communities"], 1);
    // their town's own target applies to them
    let d = coverage(&t, &staff, "?year=2008").await;
    assert_eq!(d["target_pct"], 85);
    // staff may not change another community, nor the village merged into theirs
    let fields = project_fields(&[]);
    let r = t.post(&format!("/centres/{MENLOU}"), &staff, &fields).await;
    assert_eq!(r.status, 404);
    let r = t
        .post(&format!("/centres/{ZHANGJING}"), &staff, &fields)
        .await;
    assert_eq!(r.status, 403);
    // nor inspect their own, nor set targets
    let r = t
        .post(
            &format!("/centres/{HUANGTUTANG}/inspections"),
            &staff,
            &[
                ("inspected_on", "2026-11-01"),
                ("inspectors", "x"),
                ("passed", "pass"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = t
        .post(
            "/centres/targets",
            &staff,
            &[("year", "2027"), ("target_pct", "100")],
        )
        .await;
    assert_eq!(r.status, 403);
    // the assessor inspects but does not edit projects
    let r = t
        .post(&format!("/centres/{HUANGTUTANG}"), &assessor, &fields)
        .await;
    assert_eq!(r.status, 403);
    // a town officer cannot touch another town's centre
    let r = t
        .post(
            &format!("/centres/{MENLOU}/review"),
            &town,
            &[("review_note", "x")],
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_dashboard_and_checklist() {
    let Some(b) = Browser::start().await else {
        return;
    };
    use fantoccini::Locator;
    b.c.goto(&format!("{}/centres?year=2008", b.base))
        .await
        .unwrap();
    b.sign_in("staff").await;
    // staff's dashboard: their own community; the line chart is drawn
    b.c.goto(&format!("{}/centres?year=2008", b.base))
        .await
        .unwrap();
    let svg =
        b.c.find(Locator::Css("figure.chart svg path.chart-line"))
            .await;
    assert!(svg.is_ok(), "line chart drawn");
    b.shot("centres-dashboard-staff.png").await;
    // the rectifying centre: tick the two missing facilities and save the real form
    b.c.goto(&format!("{}/centres/{HUANGTUTANG}", b.base))
        .await
        .unwrap();
    let body = b.body().await;
    assert!(body.contains("残疾人康复站"), "{body}");
    let boxes =
        b.c.find_all(Locator::Css(
            "table.checklist input[type=checkbox]:not(:checked)",
        ))
        .await
        .unwrap();
    assert!(boxes.len() >= 2);
    for cb in boxes {
        let name = cb.attr("name").await.unwrap().unwrap_or_default();
        if name.starts_with("present_") {
            cb.click().await.unwrap();
        }
    }
    crate::browser::follow(&b.c, Locator::Css("form.checklist button[type=submit]")).await;
    let body = b.body().await;
    assert!(body.contains("已保存"), "{body}");
    assert!(body.contains("设施齐全"), "{body}");
    b.shot("centres-centre-staff.png").await;
    // the district's dashboard with the town bars
    b.c.delete_all_cookies().await.unwrap();
    b.c.goto(&format!("{}/centres?year=2008", b.base))
        .await
        .unwrap();
    b.sign_in("admin").await;
    b.c.goto(&format!("{}/centres?year=2008", b.base))
        .await
        .unwrap();
    let bars =
        b.c.find_all(Locator::Css("svg rect.chart-bar"))
            .await
            .unwrap();
    assert_eq!(bars.len(), 9, "one bar per town");
    assert!(b.body().await.contains("80.3%"));
    b.shot("centres-dashboard-district.png").await;
    b.c.clone().close().await.unwrap();
}
