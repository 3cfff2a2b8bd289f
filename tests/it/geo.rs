//! Population history, merges and roll-ups, renames, validation that writes nothing.

use crate::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn population_is_recorded_by_year_and_bad_input_writes_nothing() {
    let t = TestApp::demo().await;
    let s = t.session("donggang").await;
    let code = "320205106201";
    let audit_before = t.count("SELECT COUNT(*) FROM audit_log").await;
    let ok = t
        .post(
            &format!("/communities/{code}/population"),
            &s,
            &[
                ("year", "2026"),
                ("households", "1,020"),
                ("permanent_population", "2876"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let c = t
        .get(&format!("/api/v1/communities/{code}"), Some(&s))
        .await
        .json();
    assert_eq!(c["population_year"], 2026);
    assert_eq!(c["permanent_population"], 2876);
    assert_eq!(c["households"], 1020);
    assert!(c["population_history"].as_array().unwrap().len() >= 20);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log").await,
        audit_before + 1
    );
    // a correction replaces the year and is audited with before and after
    t.post(
        &format!("/communities/{code}/population"),
        &s,
        &[
            ("year", "2026"),
            ("households", "1000"),
            ("permanent_population", "2900"),
        ],
    )
    .await;
    let last: String = shequ::platform::db::one::<Row, _>(
        &t.db().conn,
        "SELECT before_json FROM audit_log ORDER BY id DESC LIMIT 1",
        vec![],
    )
    .await
    .unwrap()
    .unwrap()
    .before_json
    .unwrap();
    assert!(last.contains("2876"), "{last}");
    let rows = t.count("SELECT COUNT(*) FROM population_snapshots").await;
    for bad in [
        [
            ("year", "1900"),
            ("households", "10"),
            ("permanent_population", "20"),
        ],
        [
            ("year", "2026"),
            ("households", "30"),
            ("permanent_population", "20"),
        ],
        [
            ("year", "2026"),
            ("households", "-1"),
            ("permanent_population", "20"),
        ],
        [
            ("year", "2026"),
            ("households", "十"),
            ("permanent_population", "20"),
        ],
        [
            ("year", "2026"),
            ("households", "10"),
            ("permanent_population", "30000000"),
        ],
    ] {
        let r = t
            .post(&format!("/communities/{code}/population"), &s, &bad)
            .await;
        assert_eq!(r.status, 422, "{bad:?}");
        assert!(r.body.contains("error-summary"), "field errors shown");
    }
    assert_eq!(
        t.count("SELECT COUNT(*) FROM population_snapshots").await,
        rows
    );
    let r = t
        .post(
            &format!("/communities/{code}/population"),
            &s,
            &[
                ("year", "2026"),
                ("households", "30"),
                ("permanent_population", "20"),
            ],
        )
        .await;
    assert!(r.body.contains("户数不能多于人数"));
}

#[derive(sea_orm::FromQueryResult)]
struct Row {
    before_json: Option<String>,
}

#[tokio::test(flavor = "multi_thread")]
async fn merges_keep_records_and_roll_up_into_the_successor() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    // The demo merged 张泾村 into 黄土塘 in 2012: its 2006–2011 figures roll up.
    let c = t
        .get("/api/v1/communities/320205106203", Some(&admin))
        .await
        .json();
    assert_eq!(c["merged_from"][0]["code"], "320205106391");
    let own_2010 = c["population_history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["year"] == 2010)
        .unwrap()["permanent_population"]
        .as_i64()
        .unwrap();
    let rolled_2010 = c["rolled_up_history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["year"] == 2010)
        .unwrap()["permanent_population"]
        .as_i64()
        .unwrap();
    let old = t
        .get("/api/v1/communities/320205106391", Some(&admin))
        .await
        .json();
    let old_2010 = old["population_history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["year"] == 2010)
        .unwrap()["permanent_population"]
        .as_i64()
        .unwrap();
    assert_eq!(rolled_2010, own_2010 + old_2010);
    assert_eq!(old["merged_into"], "320205106203");
    // a new merge through the page
    let a = "320205106201";
    let b = "320205106202";
    let r = t
        .post(
            &format!("/communities/{a}/merge"),
            &admin,
            &[
                ("successor", b),
                ("effective_on", "2026-06-30"),
                ("note", "合村并居"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let list = t
        .get("/api/v1/communities?town=320205106", Some(&admin))
        .await
        .json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["code"] != a),
        "merged away communities are hidden by default"
    );
    let all = t
        .get("/api/v1/communities?town=320205106&merged=1", Some(&admin))
        .await
        .json();
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == a)
    );
    // refused merges write nothing
    let changes = t.count("SELECT COUNT(*) FROM division_changes").await;
    for (succ, key) in [
        (a, "已撤并"),
        ("320205106000", "找不到这个社区代码"),
        (b, "不能并入自身"),
    ] {
        let from = if succ == b { b } else { a };
        let r = t
            .post(
                &format!("/communities/{from}/merge"),
                &admin,
                &[("successor", succ), ("effective_on", "2026-07-01")],
            )
            .await;
        assert_eq!(r.status, 422, "{succ}");
        assert!(r.body.contains(key), "{key}");
    }
    let r = t
        .post(
            &format!("/communities/{b}/merge"),
            &admin,
            &[("successor", a), ("effective_on", "2026-07-01")],
        )
        .await;
    assert_eq!(r.status, 422, "into a merged-away community");
    let r = t
        .post(
            &format!("/communities/{b}/merge"),
            &admin,
            &[
                ("successor", "320205106203"),
                ("effective_on", "not a date"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM division_changes").await,
        changes
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn renames_keep_the_old_name_in_history() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let code = "320205106203";
    let r = t
        .post(
            &format!("/communities/{code}/rename"),
            &admin,
            &[("name", "黄土塘社区居委会"), ("effective_on", "2026-01-01")],
        )
        .await;
    assert_eq!(r.status, 303);
    let c = t
        .get(&format!("/api/v1/communities/{code}"), Some(&admin))
        .await
        .json();
    assert_eq!(c["name"], "黄土塘社区居委会");
    let ch = c["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "rename")
        .unwrap();
    assert_eq!(ch["old_name"], "黄土塘村委会");
    let r = t
        .post(
            &format!("/communities/{code}/rename"),
            &admin,
            &[("name", "  "), ("effective_on", "2026-01-01")],
        )
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test(flavor = "multi_thread")]
async fn community_list_filters_paginates_and_exports() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let page = t.get("/communities?kind=village", Some(&admin)).await;
    let html = crate::html::Page::parse(&page.body);
    assert!(
        html.text("p.caption").starts_with("共 66 个社区"),
        "66 village committees"
    );
    let rows = html.table("table");
    assert!(
        rows[1..].iter().all(|r| r[2] == "村委会"),
        "only village committees listed: {rows:?}"
    );
    let p2 = t.get("/communities?page=3", Some(&admin)).await;
    let pager = crate::html::Page::parse(&p2.body).text("nav.pagination");
    assert!(pager.contains("第 3 页，共 3 页"), "{pager}");
    let q = t
        .get("/api/v1/communities?q=黄土塘", Some(&admin))
        .await
        .json();
    assert_eq!(q["total"], 1);
    let esc = t
        .get("/api/v1/communities?q=%25", Some(&admin))
        .await
        .json();
    assert_eq!(esc["total"], 0, "LIKE wildcards are literal");
    let bad = t.get("/api/v1/communities?kind=castle", Some(&admin)).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["fields"][0]["field"], "kind");
    let csv = t.get("/communities.csv?town=320205106", Some(&admin)).await;
    assert!(csv.body.starts_with('\u{feff}'), "BOM for Excel");
    assert!(
        csv.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut r = csv::Reader::from_reader(csv.body.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(r.headers().unwrap().get(0), Some("区划代码"));
    assert_eq!(r.records().count(), 19);
    let towns = t.get("/towns", Some(&admin)).await;
    let html = crate::html::Page::parse(&towns.body);
    let rows = html.table("table");
    let total = rows.last().unwrap();
    assert_eq!(
        total[total.len() - 2],
        "397,000",
        "the totals row's population: {total:?}"
    );
    assert!(towns.body.contains("<svg"), "chart");
}
