//! Funding through HTTP: the demo against the report, the per-capita batch under a cap, the
//! batch life cycle under repeated and concurrent requests, reversals, rewards paid once, bad
//! input that writes nothing, statements and XLSX exports read back, scope.

use calamine::{Data, Reader, Xlsx};

use crate::browser::Browser;
use crate::{TestApp, json, raw};

const HUANGTUTANG: &str = "320205106203";
const MENLOU: &str = "320205001001";

async fn batch_id(t: &TestApp, year: i32, kind: &str) -> i64 {
    t.count(&format!(
        "SELECT id FROM payment_batches WHERE year = {year} AND kind = '{kind}'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_pays_as_the_report_says() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let s = json(&t, "/api/v1/funding/summary?year=2007", &admin).await;
    // 2007: over 4 million yuan of special funds
    assert!(s["current"]["district_fen"].as_i64().unwrap() > 4_000_000 * 100);
    // the per-capita batch of 2007 hit its cap: scaled lines summing exactly to it
    let id = batch_id(&t, 2007, "per_capita").await;
    let b = json(&t, &format!("/api/v1/funding/batches/{id}"), &admin).await;
    assert_eq!(b["status"], "paid");
    assert_eq!(b["total_fen"], 300_000_000);
    let lines = b["lines"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        132,
        "130 communities and the two villages not yet merged"
    );
    assert_eq!(
        lines
            .iter()
            .map(|l| l["amount_fen"].as_i64().unwrap())
            .sum::<i64>(),
        300_000_000
    );
    assert!(
        lines[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("× 缩放 0.94952 ="),
        "{}",
        lines[0]
    );
    // every reward accepted before this year is paid, once
    assert_eq!(
        t.count("SELECT COUNT(*) FROM centre_rewards WHERE status = 'due'")
            .await,
        0
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM payment_lines WHERE reward_id IS NOT NULL")
            .await,
        t.count("SELECT COUNT(*) FROM centre_rewards").await
    );
    // this year's per-capita batch waits for approval
    let this_year = chrono::Datelike::year(&crate::test_clock().today());
    let id = batch_id(&t, this_year, "per_capita").await;
    let b = json(&t, &format!("/api/v1/funding/batches/{id}"), &admin).await;
    assert_eq!(b["status"], "draft");
    assert_eq!(b["total_fen"], 397_000_000, "10 yuan × 397,000");
    // the summary page draws its chart
    let page = t.get("/funding?year=2007", Some(&admin)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<svg"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_per_capita_batch_from_draft_to_paid_and_corrected() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let this_year = chrono::Datelike::year(&crate::test_clock().today());
    let draft = batch_id(&t, this_year, "per_capita").await;
    // one per-capita batch a year
    let make = |cap: &'static str| {
        vec![
            ("year", "2026"),
            ("population_year", "2025"),
            ("rate", "10"),
            ("cap", cap),
        ]
    };
    let r = t
        .post("/funding/batches/per-capita", &admin, &make("3,000,000"))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("该年度已有人均工作经费批次"), "{}", r.body);
    // remake the draft under a lower cap
    let r = t
        .post(&format!("/funding/batches/{draft}/delete"), &admin, &[])
        .await;
    assert_eq!(r.status, 303);
    let r = t
        .post("/funding/batches/per-capita", &admin, &make("3,000,000"))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let b = json(&t, &format!("/api/v1/funding/batches/{id}"), &admin).await;
    assert_eq!(b["total_fen"], 300_000_000);
    let lines = b["lines"].as_array().unwrap();
    assert_eq!(
        lines
            .iter()
            .map(|l| l["amount_fen"].as_i64().unwrap())
            .sum::<i64>(),
        300_000_000
    );
    // paying a draft is refused
    let r = t
        .post(&format!("/funding/batches/{id}/pay"), &admin, &[])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("尚未审批"), "{}", r.body);
    let r = t
        .post(&format!("/funding/batches/{id}/approve"), &admin, &[])
        .await;
    assert_eq!(r.status, 303);
    let r = t
        .post(&format!("/funding/batches/{id}/approve"), &admin, &[])
        .await;
    assert_eq!(r.status, 422, "approving twice");
    // eight concurrent payments: one goes through
    let mut handles = vec![];
    for _ in 0..8 {
        let router = t.router.clone();
        let s = admin.clone();
        handles.push(tokio::spawn(async move {
            let body = serde_urlencoded::to_string([("_csrf", s.csrf.as_str())]).unwrap();
            let req = axum::http::Request::post(format!("/funding/batches/{id}/pay"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", s.cookie)
                .body(axum::body::Body::from(body))
                .unwrap();
            tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut ok = 0;
    for h in handles {
        let s = h.await.unwrap();
        assert!(s == 303 || s == 422, "{s}");
        ok += usize::from(s == 303);
    }
    assert_eq!(ok, 1);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'pay' AND entity_id = '{id}'"
        ))
        .await,
        1
    );
    // paid lines are never edited, not even by hand in the database
    let upd = shequ::platform::db::exec(
        &t.db().conn,
        "UPDATE payment_lines SET amount_fen = 1 WHERE batch_id = ?",
        vec![id.into()],
    )
    .await;
    assert!(upd.is_err());
    let del = shequ::platform::db::exec(
        &t.db().conn,
        "DELETE FROM payment_lines WHERE batch_id = ?",
        vec![id.into()],
    )
    .await;
    assert!(del.is_err());
    // a correction is a reversing line in a new draft batch; a line is reversed once
    let line = lines[0]["id"].as_i64().unwrap();
    let amount = lines[0]["amount_fen"].as_i64().unwrap();
    let r = t
        .post(
            &format!("/funding/lines/{line}/reverse"),
            &admin,
            &[("reason", "人口数字录错"), ("batch", &id.to_string())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let corr: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let c = json(&t, &format!("/api/v1/funding/batches/{corr}"), &admin).await;
    assert_eq!(c["kind"], "correction");
    assert_eq!(c["lines"][0]["amount_fen"], -amount);
    assert_eq!(c["lines"][0]["reverses_id"], line);
    let r = t
        .post(
            &format!("/funding/lines/{line}/reverse"),
            &admin,
            &[("reason", "再来一次"), ("batch", &id.to_string())],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("此行已冲销"));
    // the community's statement shows the paid line and the pending correction
    let code = lines[0]["community_code"].as_str().unwrap();
    let st = json(
        &t,
        &format!("/api/v1/funding/statements/{code}?year=2026"),
        &admin,
    )
    .await;
    assert_eq!(st["paid"].as_array().unwrap().len(), 1);
    assert_eq!(st["pending"].as_array().unwrap().len(), 1);
    assert_eq!(st["total_fen"], amount);
    let v = shequ::platform::audit::verify(t.db()).await.unwrap();
    assert!(matches!(
        v,
        shequ::platform::audit::Verification::Intact { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reward_is_paid_once() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let this_year = chrono::Datelike::year(&crate::test_clock().today()).to_string();
    // nothing due yet
    let r = t
        .post("/funding/batches/rewards", &admin, &[("year", &this_year)])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("没有待拨付的验收奖励"));
    // a centre awaiting acceptance passes: its reward is due
    let r = t
        .post(
            "/centres/320205106209/inspections",
            &admin,
            &[
                ("inspected_on", "2026-11-01"),
                ("inspectors", "验收组"),
                ("passed", "pass"),
                ("reasons", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t
        .post("/funding/batches/rewards", &admin, &[("year", &this_year)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let b = json(&t, &format!("/api/v1/funding/batches/{id}"), &admin).await;
    assert_eq!(b["lines"].as_array().unwrap().len(), 1);
    assert_eq!(b["total_fen"], 10_000_000);
    assert!(
        b["lines"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("100,000.00 元")
    );
    // a second batch finds nothing: the reward is in a line already
    let r = t
        .post("/funding/batches/rewards", &admin, &[("year", &this_year)])
        .await;
    assert_eq!(r.status, 422);
    t.post(&format!("/funding/batches/{id}/approve"), &admin, &[])
        .await;
    t.post(&format!("/funding/batches/{id}/pay"), &admin, &[])
        .await;
    let c = json(&t, "/api/v1/centres/320205106209", &admin).await;
    assert_eq!(c["reward"]["status"], "paid");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_and_nothing_is_written() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let staff = t.session("staff").await;
    let before = (
        t.count("SELECT COUNT(*) FROM payment_batches").await,
        t.count("SELECT COUNT(*) FROM payment_lines").await,
        t.count("SELECT COUNT(*) FROM contributions").await,
        t.count("SELECT COUNT(*) FROM budgets").await,
        t.count("SELECT COUNT(*) FROM audit_log").await,
    );
    for (fields, message) in [
        (
            vec![
                ("year", "2027"),
                ("population_year", "2025"),
                ("rate", "10"),
                ("cap", "-5"),
            ],
            "须大于 0",
        ),
        (
            vec![
                ("year", "2027"),
                ("population_year", "2025"),
                ("rate", "0"),
                ("cap", "5"),
            ],
            "须大于 0",
        ),
        (
            vec![
                ("year", "2027"),
                ("population_year", "2025"),
                ("rate", "5000"),
                ("cap", "5"),
            ],
            "超过 1000 元",
        ),
        (
            vec![
                ("year", "2027"),
                ("population_year", "2025"),
                ("rate", "10.123"),
                ("cap", "5"),
            ],
            "两位小数",
        ),
        (
            vec![
                ("year", "二〇二七"),
                ("population_year", "2025"),
                ("rate", "10"),
                ("cap", "5"),
            ],
            "整数",
        ),
    ] {
        let r = t.post("/funding/batches/per-capita", &admin, &fields).await;
        assert_eq!(r.status, 422, "{message}");
        assert!(r.body.contains(message), "{message}");
    }
    // a population year with missing figures: every gap is listed, nothing is written
    shequ::platform::db::exec(
        &t.db().conn,
        "DELETE FROM population_snapshots WHERE year = 2025 AND community_code IN (?, ?)",
        vec![HUANGTUTANG.into(), MENLOU.into()],
    )
    .await
    .unwrap();
    let r = t
        .post(
            "/funding/batches/per-capita",
            &admin,
            &[
                ("year", "2027"),
                ("population_year", "2025"),
                ("rate", "10"),
                ("cap", "5000000"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("有 2 个社区缺少该年度常住人口"),
        "{}",
        r.body
    );
    assert!(r.body.contains("黄土塘村委会") && r.body.contains("门楼社区居委会"));
    // contributions: no amount, someone else's community, a future date
    for (fields, message) in [
        (
            vec![
                ("community", HUANGTUTANG),
                ("kind", "donation"),
                ("source", "某公司"),
                ("amount", "-100"),
                ("received_on", "2026-01-01"),
            ],
            "须大于 0",
        ),
        (
            vec![
                ("community", MENLOU),
                ("kind", "donation"),
                ("source", "某公司"),
                ("amount", "100"),
                ("received_on", "2026-01-01"),
            ],
            "权限范围内",
        ),
        (
            vec![
                ("community", HUANGTUTANG),
                ("kind", "donation"),
                ("source", ""),
                ("amount", "100"),
                ("received_on", "2099-01-01"),
            ],
            "不能晚于今天",
        ),
    ] {
        let r = t.post("/funding/contributions", &staff, &fields).await;
        assert_eq!(r.status, 422, "{message}");
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    // budgets: negative, another's unit
    let r = t
        .post(
            "/funding/budgets",
            &admin,
            &[
                ("year", "2027"),
                ("unit", ""),
                ("category", "per_capita"),
                ("amount", "-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = t
        .post(
            "/funding/budgets",
            &staff,
            &[
                ("year", "2027"),
                ("unit", MENLOU),
                ("category", "self_raised"),
                ("amount", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不在您的权限范围内"));
    let after = (
        t.count("SELECT COUNT(*) FROM payment_batches").await,
        t.count("SELECT COUNT(*) FROM payment_lines").await,
        t.count("SELECT COUNT(*) FROM contributions").await,
        t.count("SELECT COUNT(*) FROM budgets").await,
        t.count("SELECT COUNT(*) FROM audit_log").await,
    );
    assert_eq!(before, after);
    // and the good ones are written and audited
    let r = t
        .post(
            "/funding/contributions",
            &staff,
            &[
                ("community", HUANGTUTANG),
                ("kind", "self_raised"),
                ("source", "村集体"),
                ("amount", "12,345.60"),
                ("received_on", "2026-03-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t
        .post(
            "/funding/budgets",
            &staff,
            &[
                ("year", "2026"),
                ("unit", HUANGTUTANG),
                ("category", "self_raised"),
                ("amount", "20000"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log").await,
        before.4 + 2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn statements_and_batches_export_and_read_back() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let admin = t.session("admin").await;
    let st = json(
        &t,
        &format!("/api/v1/funding/statements/{HUANGTUTANG}?year=2007"),
        &staff,
    )
    .await;
    let paid = st["paid"].as_array().unwrap();
    assert_eq!(
        paid.len(),
        1,
        "per capita; its centre failed acceptance, no reward"
    );
    let per_capita = paid[0]["amount_fen"].as_i64().unwrap();
    let donations = 120_000 * 100;
    let village = 200_000 * 100;
    assert_eq!(st["total_fen"], per_capita + donations + village);
    // the page prints the same, with the explanation
    let page = t
        .get(
            &format!("/funding/statements/{HUANGTUTANG}?year=2007"),
            Some(&staff),
        )
        .await;
    assert!(page.body.contains("× 缩放"));
    assert!(page.body.contains("无锡黄土塘纺织有限公司"));
    // the statement as XLSX
    let bytes = raw(
        &t,
        &format!("/funding/statements/{HUANGTUTANG}/export.xlsx?year=2007"),
        &staff,
    )
    .await;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("资金明细").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows[0][0], Data::String("来源".into()));
    assert_eq!(rows[0][2], Data::String("金额（元）".into()));
    assert_eq!(rows[1][0], Data::String("区级".into()));
    assert_eq!(rows[1][1], Data::String("人均工作经费".into()));
    assert_eq!(rows[1][2], Data::Float(per_capita as f64 / 100.0));
    assert!(matches!(&rows[1][3], Data::String(s) if s.contains("× 缩放")));
    let last = rows.last().unwrap();
    assert_eq!(last[0], Data::String("合计".into()));
    assert_eq!(
        last[2],
        Data::Float((per_capita + donations + village) as f64 / 100.0)
    );
    // a batch as XLSX: one row per line and the total
    let id = batch_id(&t, 2007, "per_capita").await;
    let bytes = raw(&t, &format!("/funding/batches/{id}/export.xlsx"), &admin).await;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("拨付批次").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 1 + 132 + 1);
    let sum: f64 = rows[1..133]
        .iter()
        .map(|r| match r[4] {
            Data::Float(f) => f,
            _ => panic!("amount is a number"),
        })
        .sum();
    assert!((sum - 3_000_000.0).abs() < 0.001, "{sum}");
    assert_eq!(rows[133][4], Data::Float(3_000_000.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn scope_of_funding() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let town = t.session("donggang").await;
    // staff: their statement, not another's, no batches
    assert_eq!(
        t.get(&format!("/funding/statements/{MENLOU}"), Some(&staff))
            .await
            .status,
        404
    );
    assert_eq!(t.get("/funding/batches", Some(&staff)).await.status, 403);
    let s = json(&t, "/api/v1/funding/summary?year=2007", &staff).await;
    let own = json(
        &t,
        &format!("/api/v1/funding/statements/{HUANGTUTANG}?year=2007"),
        &staff,
    )
    .await;
    // 张泾 (merged into 黄土塘 in 2012) had its own 2007 lines: staff see them in the summary
    assert!(s["current"]["total_fen"].as_i64().unwrap() > own["total_fen"].as_i64().unwrap());
    // the town: its communities only
    let s = json(&t, "/api/v1/funding/summary?year=2007", &town).await;
    assert_eq!(s["towns"].as_array().unwrap().len(), 1);
    assert_eq!(
        t.get(&format!("/funding/statements/{MENLOU}"), Some(&town))
            .await
            .status,
        404
    );
    // a department reads only the batches paying its own guidelines
    let weisheng = t.session("weisheng").await;
    let list = json(&t, "/api/v1/funding/batches", &weisheng).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["title"], "2008 年度考核：社区卫生服务工作指引");
    let per_capita = batch_id(&t, 2007, "per_capita").await;
    assert_eq!(
        t.get(
            &format!("/api/v1/funding/batches/{per_capita}"),
            Some(&weisheng)
        )
        .await
        .status,
        404
    );
    assert_eq!(t.get("/funding", Some(&weisheng)).await.status, 403);
    // contributions in scope only
    let list = json(&t, "/api/v1/funding/contributions", &staff).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|c| c["community_code"] == HUANGTUTANG)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_statement() {
    let Some(b) = Browser::start().await else {
        return;
    };
    use fantoccini::Locator;
    b.c.goto(&format!(
        "{}/funding/statements/{HUANGTUTANG}?year=2007",
        b.base
    ))
    .await
    .unwrap();
    b.sign_in("staff").await;
    b.c.goto(&format!(
        "{}/funding/statements/{HUANGTUTANG}?year=2007",
        b.base
    ))
    .await
    .unwrap();
    let h1 =
        b.c.find(Locator::Css("main h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(h1.contains("黄土塘村委会") && h1.contains("2007"), "{h1}");
    let body = b.body().await;
    assert!(body.contains("缩放"), "explained lines");
    assert!(body.contains("合计"));
    b.shot("funding-statement-staff.png").await;
    // pick another year with the real form
    let select = b.c.find(Locator::Id("year")).await.unwrap();
    select.select_by_value("2008").await.unwrap();
    crate::browser::follow(&b.c, Locator::Css("form.filters button[type=submit]")).await;
    let h1 =
        b.c.find(Locator::Css("main h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(h1.contains("2008"), "{h1}");
    b.c.clone().close().await.unwrap();
}
