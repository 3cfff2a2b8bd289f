//! The register of community workers (issue 15, its first part): registered from the ID
//! number, read within the territory with personal fields and pay shown only to those who may
//! see them, moved between communities on one record, certificates moving the coverage.

use crate::html::Page;
use crate::{TestApp, json};

const HTT: &str = "320205106203"; // 黄土塘村, staff's, in 东港镇 (donggang)
const MENLOU: &str = "320205001001"; // 门楼社区, staff2's, in 东亭街道

fn worker(unit: &str) -> Vec<(&'static str, String)> {
    vec![
        ("unit", unit.to_string()),
        ("name", "王建英".into()),
        ("id_number", "11010519491231002X".into()),
        ("education", "college".into()),
        ("political", "party".into()),
        ("post", "full_time_worker".into()),
        ("employment", "full_time".into()),
        ("start_on", "2008-03-01".into()),
        ("phone", "13912345678".into()),
        ("pay", "3,200".into()),
    ]
}

fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, x)| (*k, x.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_register_from_registration_to_coverage() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let staff = t.session("staff").await;
    let staff2 = t.session("staff2").await;
    let town = t.session("donggang").await;

    // the demo: 130 communities, 118 with a certified social worker
    let page = t.get("/workers", Some(&admin)).await;
    assert_eq!(page.status, 200);
    let html = Page::parse(&page.body);
    assert_eq!(html.text("#coverage-h + p strong"), "90.8%");
    assert!(
        html.text("#coverage-h + p").contains("118 / 130"),
        "{}",
        html.text("#coverage-h + p")
    );

    // staff register a worker of their community: birth date and sex from the ID number
    let audit = t.count("SELECT COUNT(*) FROM audit_log").await;
    let fields = worker(HTT);
    let r = t.post("/workers", &staff, &pairs(&fields)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/workers/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log").await, audit + 1);
    // the audit entry keeps that personal fields were set, not their values
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'worker' AND (after_json LIKE '%王建英%' \
             OR after_json LIKE '%11010519491231002X%' OR after_json LIKE '%13912345678%' \
             OR after_json LIKE '%320000%')"
        )
        .await,
        0
    );
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'worker' AND after_json LIKE '%full_time_worker%'"
        )
        .await,
        1,
        "the post itself is kept"
    );
    let rec = json(&t, &format!("/api/v1/workers/{id}"), &staff).await;
    assert_eq!(rec["worker"]["birth_date"], "1949-12-31");
    assert_eq!(rec["worker"]["male"], false);
    // staff see personal data in full, not the pay
    assert_eq!(rec["worker"]["id_number"], "11010519491231002X");
    assert_eq!(rec["worker"]["phone"], "13912345678");
    assert!(rec["worker"]["pay_fen"].is_null());
    // the town sees the pay, personal data masked
    let rec = json(&t, &format!("/api/v1/workers/{id}"), &town).await;
    assert_eq!(rec["worker"]["pay_fen"], 320_000);
    assert_eq!(rec["worker"]["id_number"], "1101**********002X");
    assert_eq!(rec["worker"]["phone"], "139****5678");
    // the town saves the record as its form shows it (ID and mobile masked): they stay
    let rev = rec["worker"]["revision"].to_string();
    let mut edit = worker(HTT);
    edit[2].1 = "1101**********002X".into();
    edit[8].1 = "139****5678".into();
    edit[1].1 = "王建英".into();
    edit.push(("revision", rev));
    let r = t
        .post(&format!("/workers/{id}"), &town, &pairs(&edit))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // staff, who neither see nor set the pay, save without it: it stays
    let form = Page::parse(&t.get(&format!("/workers/{id}"), Some(&staff)).await.body);
    assert!(
        form.attrs("form input[name=pay]", "value").is_empty(),
        "no pay field for staff"
    );
    let rev =
        json(&t, &format!("/api/v1/workers/{id}"), &staff).await["worker"]["revision"].to_string();
    let mut edit: Vec<_> = worker(HTT)
        .into_iter()
        .filter(|(k, _)| *k != "pay")
        .collect();
    edit.push(("revision", rev));
    let r = t
        .post(&format!("/workers/{id}"), &staff, &pairs(&edit))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rec = json(&t, &format!("/api/v1/workers/{id}"), &admin).await;
    assert_eq!(rec["worker"]["id_number"], "11010519491231002X");
    assert_eq!(rec["worker"]["phone"], "13912345678");
    assert_eq!(rec["worker"]["pay_fen"], 320_000);

    // another community's staff: not found, nothing to change
    assert_eq!(
        t.get(&format!("/workers/{id}"), Some(&staff2)).await.status,
        404
    );
    let r = t
        .post(&format!("/workers/{id}"), &staff2, &pairs(&worker(MENLOU)))
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
    // and cannot register into a community not theirs
    let r = t.post("/workers", &staff2, &pairs(&worker(HTT))).await;
    assert_eq!(r.status, 403);

    // the same ID number twice is a field error beside it; nothing is written
    let before = t.count("SELECT COUNT(*) FROM workers").await;
    let r = t.post("/workers", &staff, &pairs(&fields)).await;
    assert_eq!(r.status, 422);
    let beside = Page::parse(&r.body).field_error("id_number");
    assert_eq!(
        beside.as_deref(),
        Some("这个身份证号已在社区工作者名册中。")
    );
    // a bad check character and an unknown education
    let mut bad = worker(HTT);
    bad[2].1 = "110105194912310021".into();
    bad[3].1 = "phd".into();
    let r = t.post("/workers", &staff, &pairs(&bad)).await;
    assert_eq!(r.status, 422);
    let page = Page::parse(&r.body);
    assert!(
        page.field_error("id_number").is_some(),
        "{:?}",
        page.field_errors()
    );
    assert!(
        page.field_error("education").is_some(),
        "{:?}",
        page.field_errors()
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM workers").await, before);

    // the district moves the worker to 门楼 on 1 November: one record, two periods
    let rev =
        json(&t, &format!("/api/v1/workers/{id}"), &admin).await["worker"]["revision"].to_string();
    let mut moved = worker(MENLOU);
    moved[7].1 = "2026-11-01".into();
    moved.push(("revision", rev));
    let r = t
        .post(&format!("/workers/{id}"), &admin, &pairs(&moved))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rec = json(&t, &format!("/api/v1/workers/{id}"), &admin).await;
    assert_eq!(rec["worker"]["unit_code"], MENLOU);
    let periods = rec["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2);
    assert_eq!(periods[1]["unit_code"], HTT);
    assert_eq!(periods[1]["end_on"], "2026-10-31");
    assert!(periods[0]["end_on"].is_null());
    // now it is 门楼's: staff of 黄土塘 no longer see it, staff of 门楼 do
    assert_eq!(
        t.get(&format!("/workers/{id}"), Some(&staff)).await.status,
        404
    );
    assert_eq!(
        t.get(&format!("/workers/{id}"), Some(&staff2)).await.status,
        200
    );

    // a community without a certified worker: its worker gets a certificate, coverage moves
    let html = Page::parse(&t.get("/workers", Some(&admin)).await.body);
    let first_without = html.attrs("#coverage-h ~ details a", "href")[0].clone();
    let without = first_without
        .trim_start_matches("/workers?unit=")
        .to_string();
    let theirs = t
        .count(&format!(
            "SELECT MIN(worker_id) FROM worker_periods WHERE unit_code = '{without}' AND end_on IS NULL"
        ))
        .await;
    let r = t
        .post(
            &format!("/workers/{theirs}/certificates"),
            &admin,
            &[
                ("level", "assistant"),
                ("number", "2026320205001"),
                ("obtained_on", "2026-11-20"),
                ("registered_until", "2029-11-19"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let html = Page::parse(&t.get("/workers", Some(&admin)).await.body);
    assert!(
        html.text("#coverage-h + p").contains("119 / 130"),
        "{}",
        html.text("#coverage-h + p")
    );
    // a certificate registered after it ends is refused beside the field
    let r = t
        .post(
            &format!("/workers/{theirs}/certificates"),
            &admin,
            &[
                ("level", "assistant"),
                ("number", "X1"),
                ("obtained_on", "2026-11-20"),
                ("registered_until", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        Page::parse(&r.body)
            .field_error("registered_until")
            .is_some(),
        "{}",
        r.body
    );

    // staff's list holds their community only; the town's, its communities
    let rows = Page::parse(&t.get("/workers", Some(&staff)).await.body).table("#workers");
    assert!(rows.len() > 1);
    assert!(rows[1..].iter().all(|r| r[1] == "黄土塘村委会"), "{rows:?}");
    let api = json(&t, "/api/v1/workers", &town).await;
    assert!(
        api["workers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["unit_code"].as_str().unwrap().starts_with("320205106")),
        "{api}"
    );
    // the register as a spreadsheet (Chinese headers), as the reader may see it
    let rows = crate::sheet(crate::raw(&t, "/workers.xlsx", &staff).await);
    assert_eq!(rows[0][0], calamine::Data::String("所在单位".into()));
    assert_eq!(rows[0][10], calamine::Data::String("身份证号".into()));
    let staff_total = json(&t, "/api/v1/workers", &staff).await["total"]
        .as_u64()
        .unwrap();
    assert_eq!(rows.len() as u64, staff_total + 1);
    let town_rows = crate::sheet(crate::raw(&t, "/workers.xlsx?post=secretary", &town).await);
    assert!(town_rows.len() > 1);
    assert!(
        town_rows[1..]
            .iter()
            .all(|r| r[6] == calamine::Data::String("党组织书记".into())
                && r[11].to_string().contains("****")),
        "the town's: secretaries only, phones masked: {town_rows:?}"
    );
    // the profile: the staff's community's seven demo workers and the one registered, moved away
    let html = Page::parse(&t.get("/workers/dashboard", Some(&staff)).await.body);
    let figures = html.texts("#figures dd");
    assert_eq!(figures[0], "7", "{figures:?}");
    assert_eq!(html.texts(".charts svg").len(), 4);

    // reminders: the town's home page counts the contracts ending within 60 days, and the
    // register lists exactly those
    let due = json(&t, "/api/v1/workers?due=contract", &town).await;
    let n = due["total"].as_u64().unwrap();
    assert!(n > 0);
    assert!(
        due["workers"].as_array().unwrap().iter().all(|w| {
            let end = w["contract_end"].as_str().unwrap_or("");
            ("2026-12-01"..="2027-01-30").contains(&end)
        }),
        "{due}"
    );
    // training hours short of the year's target (40 since 2020), from September: the list
    // holds exactly those, and the home page counts them
    let short = json(&t, "/api/v1/workers?due=training", &town).await;
    let short_n = short["total"].as_u64().unwrap();
    assert!(
        short_n > 0
            && short_n
                < json(&t, "/api/v1/workers", &town).await["total"]
                    .as_u64()
                    .unwrap()
    );
    let home = Page::parse(&t.get("/", Some(&town)).await.body);
    assert!(
        home.texts(".todo a").contains(&format!(
            "{short_n} 名社区工作者今年的培训学时还没有达到年度目标"
        )),
        "{:?}",
        home.texts(".todo a")
    );
    let line = format!("{n} 名社区工作者的合同将在 60 天内到期");
    assert!(
        home.texts(".todo a").contains(&line),
        "{:?}",
        home.texts(".todo a")
    );
    assert!(
        home.attrs(".todo a", "href")
            .contains(&"/workers?due=contract".to_string())
    );

    // departments and providers have no register
    for u in ["minzheng", "provider", "assessor"] {
        let s = t.session(u).await;
        assert_eq!(t.get("/workers", Some(&s)).await.status, 403, "{u}");
    }
}

/// In Chromium, as the town (东港镇): on the workforce dashboard, a community without a
/// certified social worker; open it, open a worker of it, enrol them in the exam course from
/// their record, record the certificate through the form, and see the dashboard's coverage
/// move.
#[tokio::test(flavor = "multi_thread")]
async fn browser_town_records_a_certificate_and_the_coverage_moves() {
    use fantoccini::Locator;
    let Some(b) = crate::browser::Browser::start().await else {
        return;
    };
    b.c.goto(&format!("{}/workers/dashboard", b.base))
        .await
        .unwrap();
    b.sign_in("donggang").await;
    b.c.goto(&format!("{}/workers/dashboard", b.base))
        .await
        .unwrap();
    let before = Page::parse(&b.c.source().await.unwrap()).text("#coverage-figure");
    b.shot("workers-dashboard.png").await;
    crate::browser::follow(&b.c, Locator::Css("#uncovered tbody th a")).await;
    crate::browser::follow(&b.c, Locator::Css("#workers tbody tr a")).await;
    let path = b.c.current_url().await.unwrap().path().to_string();
    assert!(path.starts_with("/workers/"), "{path}");
    // enrol them in the exam's preparation course open now
    b.c.find(Locator::Id("training-course"))
        .await
        .unwrap()
        .select_by_index(1)
        .await
        .unwrap();
    crate::browser::follow(
        &b.c,
        Locator::Css("form[action$='/training'] button[type=submit]"),
    )
    .await;
    let body = b.body().await;
    assert!(body.contains("已报名参加培训班"), "{body}");
    assert!(body.contains("考前辅导"), "{body}");
    b.c.find(Locator::XPath("//summary[contains(., '登记证书')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.c.find(Locator::Id("certificate-level"))
        .await
        .unwrap()
        .select_by_value("assistant")
        .await
        .unwrap();
    b.c.find(Locator::Id("certificate-number"))
        .await
        .unwrap()
        .send_keys("2026320205106")
        .await
        .unwrap();
    crate::browser::type_date(&b.c, "certificate-obtained_on", "2026-11-20").await;
    crate::browser::type_date(&b.c, "certificate-registered_until", "2029-11-19").await;
    crate::browser::follow(
        &b.c,
        Locator::Css("form[action$='/certificates'] button[type=submit]"),
    )
    .await;
    let body = b.body().await;
    assert!(body.contains("证书已登记"), "{body}");
    assert!(body.contains("2026320205106"), "{body}");
    b.shot("workers-worker.png").await;
    b.c.goto(&format!("{}/workers/dashboard", b.base))
        .await
        .unwrap();
    let after = Page::parse(&b.c.source().await.unwrap()).text("#coverage-figure");
    assert_ne!(before, after, "the coverage moved");
}

/// The dashboard's figures agree with the register and with each other, on the district's
/// targets and norm, which the district sets (and nobody else).
#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_counts_against_the_districts_targets_and_norm() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let town = t.session("donggang").await;
    let staff = t.session("staff").await;

    let d = json(&t, "/api/v1/workers/dashboard", &admin).await;
    let total = &d["total"];
    let workers = total["workers"].as_u64().unwrap();
    let listed = json(&t, "/api/v1/workers", &admin).await["total"]
        .as_u64()
        .unwrap();
    assert_eq!(
        workers, listed,
        "the dashboard counts the register's workers"
    );
    assert_eq!(total["communities"], 130);
    assert_eq!(total["covered"], 118);
    let sum = |k: &str| -> u64 {
        d["towns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t[k].as_u64().unwrap())
            .sum()
    };
    for k in ["workers", "communities", "covered", "vacancies", "entitled"] {
        assert_eq!(sum(k), total[k].as_u64().unwrap(), "towns add up: {k}");
    }
    let pyramid: u64 = d["pyramid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[1].as_u64().unwrap() + b[2].as_u64().unwrap())
        .sum();
    assert_eq!(pyramid, workers);
    let bands: u64 = d["age_bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[1].as_u64().unwrap())
        .sum();
    assert_eq!(bands, workers);
    let this_year = d["by_year"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(this_year["year"], 2026);
    assert_eq!(this_year["covered"], 118);
    assert_eq!(this_year["headcount"].as_u64().unwrap(), workers);
    assert_eq!(d["uncovered_total"], 12);
    // the report's story: 3-5 certified social workers in the whole district in 2007, most
    // communities covered by the end of 2008 but not all
    let years = d["by_year"].as_array().unwrap();
    assert_eq!(years[0]["year"], 2007);
    assert!(
        (3..=5).contains(&years[0]["covered"].as_u64().unwrap()),
        "{}",
        years[0]
    );
    let y2008 = years[1]["covered"].as_u64().unwrap();
    assert!(y2008 > 100 && y2008 < years[1]["communities"].as_u64().unwrap());
    assert_eq!(years[1]["target_pct"], 100);
    assert!(years.iter().all(|y| y["joined"].as_u64().unwrap() > 0));
    assert_eq!(d["uncovered"].as_array().unwrap().len(), 12);

    // a town sees its own towns only; asking for another is 404, a bad code 400
    let own = json(&t, "/api/v1/workers/dashboard", &town).await;
    assert_eq!(own["towns"].as_array().unwrap().len(), 1);
    assert_eq!(own["towns"][0]["code"], "320205106000");
    let narrowed = json(&t, "/api/v1/workers/dashboard?town=320205106000", &admin).await;
    assert_eq!(narrowed["total"], own["total"]);
    // one community's figures: the town may ask for its own, the staff for theirs only
    let one = json(&t, &format!("/api/v1/workers/dashboard?town={HTT}"), &town).await;
    assert_eq!(one["total"]["communities"], 1);
    assert_eq!(one["total"]["workers"], 7);
    assert_eq!(
        t.get(
            &format!("/api/v1/workers/dashboard?town={MENLOU}"),
            Some(&town)
        )
        .await
        .status,
        404
    );
    let staff_own = json(&t, &format!("/api/v1/workers/dashboard?town={HTT}"), &staff).await;
    assert_eq!(staff_own["total"], one["total"]);
    // the register as CSV: the same rows as the Excel file, with a BOM for Excel
    let csv = crate::raw(&t, "/workers.csv?post=secretary", &town).await;
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("所在单位"));
    let secretaries = json(&t, "/api/v1/workers?post=secretary", &town).await["total"]
        .as_u64()
        .unwrap();
    assert_eq!(reader.records().count() as u64, secretaries);
    let r = t
        .get("/api/v1/workers/dashboard?town=320205001000", Some(&town))
        .await;
    assert_eq!(r.status, 404);
    let r = t.get("/workers/dashboard?town=x%00y", Some(&admin)).await;
    assert_eq!(r.status, 422);
    let r = t.get("/workers/dashboard?year=99999", Some(&admin)).await;
    assert_eq!(r.status, 422);

    // the district sets 2026's targets; a bad number is named on its field, nothing saved
    let r = t
        .post(
            "/workers/targets",
            &admin,
            &[
                ("year", "2026"),
                ("coverage_pct", "150"),
                ("training_hours", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let page = Page::parse(&r.body);
    assert_eq!(
        page.field_error("coverage_pct").as_deref(),
        Some("请填写 0 到 100 的整数。")
    );
    assert_eq!(
        page.field_error("training_hours").as_deref(),
        Some("请输入整数。")
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM workforce_targets").await, 2);
    for who in [&town, &staff] {
        let r = t
            .post(
                "/workers/targets",
                who,
                &[
                    ("year", "2026"),
                    ("coverage_pct", "95"),
                    ("training_hours", "40"),
                ],
            )
            .await;
        assert_eq!(r.status, 403);
    }
    let r = t
        .post(
            "/workers/targets",
            &admin,
            &[
                ("year", "2026"),
                ("coverage_pct", "95"),
                ("training_hours", "40"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&admin)).await.body);
    assert!(page.text(".notice").contains("年度目标已保存"));
    assert_eq!(
        page.table("#targets")[3][..3],
        ["2026".to_string(), "95%".into(), "40".into()]
    );
    let html = Page::parse(&t.get("/workers/dashboard", Some(&admin)).await.body);
    assert!(html.text("#coverage-h + p").contains("年度目标 95%"));
    assert!(html.text("#coverage-h + p").contains("未达到目标"));
    // six of the twelve communities without one have a worker enrolled in the winter exam
    // course (still to come): if they pass, the target is met
    assert!(
        html.text("#forecast")
            .contains("124 / 130 个社区有持证社工，可以达到 95% 的目标"),
        "{}",
        html.text("#forecast")
    );
    // a later year keeps the latest target; the year's coverage line carries it
    let d = json(&t, "/api/v1/workers/dashboard?year=2027", &admin).await;
    assert_eq!(d["target"]["coverage_pct"], 95);
    assert!(d["forecast"].is_null(), "a forecast for this year only");
    assert!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'workforce_target'")
            .await
            == 1
    );
    // deleting a year's targets says first what it will do, in numbers
    let page = Page::parse(&t.get("/workers/targets", Some(&admin)).await.body);
    assert!(
        page.text("#targets").contains(
            "删除 2026 年的目标（覆盖率 95%，每人 40 学时）后，2026 年改按 2020 年的目标计算（100%，40 学时）。"
        ),
        "{}",
        page.text("#targets")
    );
    let r = t
        .post("/workers/targets/delete", &admin, &[("year", "2026")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(t.count("SELECT COUNT(*) FROM workforce_targets").await, 2);
    let r = t
        .post(
            "/workers/targets",
            &admin,
            &[
                ("year", "2026"),
                ("coverage_pct", "95"),
                ("training_hours", "40"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);

    // the norm: one full-time worker per 100 households, at least 2; vacancies follow
    let before = json(&t, "/api/v1/workers/dashboard", &admin).await["total"]["vacancies"]
        .as_u64()
        .unwrap();
    let r = t
        .post(
            "/workers/norms",
            &admin,
            &[
                ("per_households", "100"),
                ("minimum", "2"),
                ("ce_hours", "72"),
                ("revision", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = json(&t, "/api/v1/workers/dashboard", &admin).await["total"].clone();
    assert!(after["vacancies"].as_u64().unwrap() > before, "{after}");
    // the same form sent again from the old page is a conflict, not a silent overwrite
    let r = t
        .post(
            "/workers/norms",
            &admin,
            &[
                ("per_households", "0"),
                ("minimum", "2"),
                ("ce_hours", "72"),
                ("revision", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        Page::parse(&r.body)
            .field_error("per_households")
            .as_deref(),
        Some("请填写 1 到 100000 的整数。")
    );

    // the dashboard keeps its count between writes; a write from anywhere (here straight to
    // the database, as another process would) is seen at once
    let before = json(&t, "/api/v1/workers/dashboard", &admin).await["total"]["covered"]
        .as_u64()
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &t.db().conn,
        &format!(
            "DELETE FROM worker_certificates WHERE worker_id IN \
             (SELECT worker_id FROM worker_periods WHERE unit_code = '{HTT}')"
        ),
    )
    .await
    .unwrap();
    let after = json(&t, "/api/v1/workers/dashboard", &admin).await["total"]["covered"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before - 1);
}

/// Training: a town's exam course seen by its communities and not by another town's, workers
/// enrolled from their record and from the course by unit, attendance credited within the
/// course's hours, the hours and the "closest to a certificate" on the dashboard.
#[tokio::test(flavor = "multi_thread")]
async fn training_courses_enrolment_and_hours() {
    let t = TestApp::demo().await;
    let town = t.session("donggang").await;
    let staff = t.session("staff").await;
    let staff2 = t.session("staff2").await;
    let admin = t.session("admin").await;

    // a course with bad dates and hours: every field named, nothing stored
    let before = t.count("SELECT COUNT(*) FROM training_courses").await;
    let r = t
        .post(
            "/workers/courses",
            &town,
            &[
                ("title", "社工考前辅导"),
                ("organiser", "320205106000"),
                ("kind", "exam_prep"),
                ("starts_on", "2026-11-10"),
                ("ends_on", "2026-11-01"),
                ("hours", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let page = Page::parse(&r.body);
    assert_eq!(
        page.field_error("ends_on").as_deref(),
        Some("结束日期不能早于开始日期。")
    );
    assert_eq!(
        page.field_error("hours").as_deref(),
        Some("请填写 1 到 2000 的整数。")
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM training_courses").await,
        before
    );
    // a place too long is said, not cut
    let long = "很".repeat(81);
    let r = t
        .post(
            "/workers/courses",
            &town,
            &[
                ("title", "社工考前辅导"),
                ("organiser", "320205106000"),
                ("kind", "exam_prep"),
                ("starts_on", "2026-11-10"),
                ("ends_on", "2026-11-20"),
                ("hours", "24"),
                ("place", &long),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        Page::parse(&r.body).field_error("place").as_deref(),
        Some("不能超过 80 个字。")
    );
    // a town may not organise in another town's name
    let r = t
        .post(
            "/workers/courses",
            &town,
            &[
                ("title", "社工考前辅导"),
                ("organiser", "320205001000"),
                ("kind", "exam_prep"),
                ("starts_on", "2026-11-10"),
                ("ends_on", "2026-11-20"),
                ("hours", "24"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = t
        .post(
            "/workers/courses",
            &town,
            &[
                ("title", "社工考前辅导"),
                ("organiser", "320205106000"),
                ("kind", "exam_prep"),
                ("starts_on", "2026-11-10"),
                ("ends_on", "2026-11-20"),
                ("hours", "24"),
                ("place", "东港镇社区服务中心"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let course = r.location().trim_start_matches("/workers/courses/");
    let course: i64 = course.split('?').next().unwrap().parse().unwrap();
    let path = format!("/workers/courses/{course}");
    // its communities' staff see it; another town's do not
    assert_eq!(t.get(&path, Some(&staff)).await.status, 200);
    assert_eq!(t.get(&path, Some(&staff2)).await.status, 404);

    // a community of the town without a certified worker: the town enrols one of its
    // workers from the worker's record
    let dash = json(&t, "/api/v1/workers/dashboard", &town).await;
    let uncovered = dash["uncovered"][0]["code"].as_str().unwrap().to_string();
    assert!(
        dash["uncovered"][0]["closest"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let ws = json(&t, &format!("/api/v1/workers?unit={uncovered}"), &town).await;
    let w = ws["workers"][0]["id"].as_i64().unwrap();
    let r = t
        .post(
            &format!("/workers/{w}/training"),
            &town,
            &[("course", &course.to_string())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&town)).await.body);
    assert!(page.text(".notice").contains("已报名"));
    assert!(page.text("#training-list").contains("社工考前辅导"));
    let dash = json(&t, "/api/v1/workers/dashboard", &town).await;
    let first = &dash["uncovered"][0];
    assert_eq!(first["code"], uncovered.as_str());
    assert_eq!(first["closest"][0][0], w, "{first}");
    // staff cannot enrol another community's worker: it is not theirs to see
    let r = t
        .post(
            &format!("/workers/courses/{course}/enrol"),
            &staff,
            &[("workers", &w.to_string())],
        )
        .await;
    assert_eq!(r.status, 404);
    // staff enrol two of their own from the course page, by unit
    let mine = json(&t, &format!("/api/v1/workers?unit={HTT}"), &staff).await;
    let (a, b) = (
        mine["workers"][0]["id"].as_i64().unwrap(),
        mine["workers"][1]["id"].as_i64().unwrap(),
    );
    let page = Page::parse(
        &t.get(&format!("{path}?unit={HTT}"), Some(&staff))
            .await
            .body,
    );
    assert_eq!(page.attrs("#enrol-workers input", "value").len(), 7);
    let r = t
        .post(
            &format!("{path}/enrol"),
            &staff,
            &[
                ("workers", &a.to_string()),
                ("workers", &b.to_string()),
                ("unit", HTT),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&staff)).await.body);
    assert!(
        page.text(".notice").contains("已为 2 人报名"),
        "{}",
        page.text(".notice")
    );
    // the staff see their two; the town's enrolment is only counted for them
    assert_eq!(page.table("#enrolled-list").len(), 3);
    assert!(
        page.text("#others").contains("另有 1 人"),
        "{}",
        page.text("#others")
    );

    // attendance: more than the course's hours is refused, nothing written
    let ha = format!("hours_{a}");
    let hb = format!("hours_{b}");
    let r = t
        .post(
            &format!("{path}/attendance"),
            &staff,
            &[(ha.as_str(), "30"), (hb.as_str(), "0")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        Page::parse(&r.body).field_error(&ha).as_deref(),
        Some("请填写 0 到 24 的整数。")
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM training_enrolments WHERE hours IS NOT NULL")
            .await,
        t.count("SELECT COUNT(*) FROM training_enrolments WHERE hours IS NOT NULL AND course_id <> (SELECT MAX(id) FROM training_courses)")
            .await
    );
    let r = t
        .post(
            &format!("{path}/attendance"),
            &staff,
            &[
                (ha.as_str(), "24"),
                (hb.as_str(), "0"),
                ("hours_999999", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&staff)).await.body);
    assert!(page.text(".notice").contains("已记录 2 人的学时"));
    let record = Page::parse(&t.get(&format!("/workers/{a}"), Some(&staff)).await.body);
    assert!(
        record.text("#hours-this-year").contains("2026 年已计入"),
        "{}",
        record.text("#hours-this-year")
    );
    // the district's dashboard counts the hours
    let d = json(&t, "/api/v1/workers/dashboard", &admin).await;
    assert!(d["total"]["training_hours"].as_u64().unwrap() >= 24);
    // the course in the API and the audit trail
    let api = json(&t, &format!("/api/v1/workers/courses/{course}"), &staff).await;
    assert_eq!(api["course"]["enrolled"], 3);
    assert_eq!(api["enrolled"].as_array().unwrap().len(), 2);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'training_enrolment'")
            .await,
        3
    );
}

/// The district makes a worker's account from the register in one step (shown its first
/// password once, which signs in), or links an existing account of the unit; nobody else may.
#[tokio::test(flavor = "multi_thread")]
async fn accounts_made_and_linked_from_the_register() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let town = t.session("donggang").await;
    let staff = t.session("staff").await;
    let ws = json(&t, &format!("/api/v1/workers?unit={HTT}"), &admin).await;
    let (w1, w2) = (
        ws["workers"][0]["id"].as_i64().unwrap(),
        ws["workers"][1]["id"].as_i64().unwrap(),
    );
    let page = Page::parse(&t.get(&format!("/workers/{w1}"), Some(&admin)).await.body);
    assert_eq!(page.text("#account + p"), "还没有登录账号。");
    assert_eq!(page.attrs("#account-username", "value"), [format!("w{w1}")]);
    // only the district
    for s in [&town, &staff] {
        let r = t
            .post(
                &format!("/workers/{w1}/account/new"),
                s,
                &[("username", "x1")],
            )
            .await;
        assert_eq!(r.status, 403);
    }
    let users = t.count("SELECT COUNT(*) FROM users").await;
    // a bad or taken username: said on the field, nothing made, nothing linked
    for (name, message) in [
        (
            "A B",
            "用户名须为 3–32 位小写字母、数字、点、横线或下划线。",
        ),
        ("staff", "用户名已被使用。"),
    ] {
        let r = t
            .post(
                &format!("/workers/{w1}/account/new"),
                &admin,
                &[("username", name)],
            )
            .await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert_eq!(
            Page::parse(&r.body).field_error("username").as_deref(),
            Some(message),
            "{name}"
        );
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM users").await, users);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM workers WHERE id = {w1} AND user_id IS NOT NULL"
        ))
        .await,
        0
    );
    let r = t
        .post(
            &format!("/workers/{w1}/account/new"),
            &admin,
            &[("username", &format!("w{w1}"))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let page = Page::parse(&r.body);
    let shown = page.texts("#new-account code");
    assert_eq!(shown[0], format!("w{w1}"));
    assert_eq!(shown[1].len(), 12);
    // the first password signs in, as community staff of the worker's community
    let (cookie, csrf) = crate::auth::login_csrf(&t).await;
    let ok = t
        .post_raw(
            "/login",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", &shown[0]),
                ("password", &shown[1]),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM users u JOIN workers w ON w.user_id = u.id WHERE w.id = {w1} \
             AND u.role = 'community_staff' AND u.community_code = '{HTT}'"
        ))
        .await,
        1
    );
    // a second account for the same person is refused
    let r = t
        .post(
            &format!("/workers/{w1}/account/new"),
            &admin,
            &[("username", "w-again")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        Page::parse(&r.body).texts(".error-summary li"),
        ["此人已有登录账号。"]
    );
    // link the community's existing staff account to another worker, then unlink it
    let page = Page::parse(&t.get(&format!("/workers/{w2}"), Some(&admin)).await.body);
    let options = page.attrs("#link-user option", "value");
    let staff_id = t
        .count("SELECT id FROM users WHERE username = 'staff'")
        .await
        .to_string();
    assert!(options.contains(&staff_id), "{options:?}");
    assert!(
        !options.contains(
            &t.count(&format!("SELECT user_id FROM workers WHERE id = {w1}"))
                .await
                .to_string()
        ),
        "an account linked already is not offered"
    );
    let r = t
        .post(
            &format!("/workers/{w2}/account"),
            &admin,
            &[("user", &staff_id)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&admin)).await.body);
    assert!(page.text(".notice").contains("账号关联已更新"));
    assert!(page.text("#account + p").contains("社区工作者"));
    // the staff themselves see whose account it is, with no form
    let page = Page::parse(&t.get(&format!("/workers/{w2}"), Some(&staff)).await.body);
    assert!(page.attrs("form[action$='/account']", "action").is_empty());
    let r = t
        .post(&format!("/workers/{w2}/account"), &admin, &[("user", "")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM workers WHERE id = {w2} AND user_id IS NOT NULL"
        ))
        .await,
        0
    );
    // another unit's account cannot be linked
    let other = t
        .count("SELECT id FROM users WHERE username = 'staff2'")
        .await
        .to_string();
    let r = t
        .post(
            &format!("/workers/{w2}/account"),
            &admin,
            &[("user", &other)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'worker_account'")
            .await,
        3
    );
}

/// Secondments: recorded on the record by its keepers, with field errors for bad dates, a
/// report written afterwards (bounded), in the API; another community's staff cannot.
#[tokio::test(flavor = "multi_thread")]
async fn secondments_and_their_reports() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let staff2 = t.session("staff2").await;
    let ws = json(&t, &format!("/api/v1/workers?unit={HTT}"), &staff).await;
    let w = ws["workers"][4]["id"].as_i64().unwrap();
    let path = format!("/workers/{w}/secondments");
    let r = t
        .post(
            &path,
            &staff,
            &[
                ("host", ""),
                ("starts_on", "2026-03-01"),
                ("ends_on", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let page = Page::parse(&r.body);
    assert_eq!(
        page.field_error("host").as_deref(),
        Some("请填写（最多 60 个字）。")
    );
    assert_eq!(
        page.field_error("ends_on").as_deref(),
        Some("结束日期不能早于开始日期。")
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM worker_secondments").await, 0);
    let fields = [
        ("host", "区民政局基层政权科"),
        ("starts_on", "2026-03-01"),
        ("ends_on", "2026-08-31"),
        ("purpose", "熟悉社区建设政策"),
    ];
    assert_eq!(t.post(&path, &staff2, &fields).await.status, 404);
    let r = t.post(&path, &staff, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&staff)).await.body);
    assert!(page.text(".notice").contains("挂职已登记"));
    let sid = t
        .count("SELECT MAX(id) FROM worker_secondments")
        .await
        .to_string();
    let long = "很".repeat(5_001);
    let r = t
        .post(
            &format!("{path}/report"),
            &staff,
            &[("secondment", &sid), ("report", &long)],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = t
        .post(
            &format!("{path}/report"),
            &staff,
            &[
                ("secondment", &sid),
                ("report", "半年挂职，参与了全区社区服务中心验收。"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&staff)).await.body);
    assert!(
        page.text(".secondment blockquote")
            .contains("全区社区服务中心验收")
    );
    let api = json(&t, &format!("/api/v1/workers/{w}"), &staff).await;
    assert_eq!(api["secondments"][0]["host"], "区民政局基层政权科");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'worker_secondment'")
            .await,
        2
    );
}

/// Recruitment: the district's alone; a round, a post with its conditions, applicants
/// (one over the age limit), scores with field errors, the ranking by the weighted total,
/// and the hire that makes the first a worker - the one outside the places cannot be hired.
#[tokio::test(flavor = "multi_thread")]
async fn recruitment_from_round_to_hire() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let town = t.session("donggang").await;
    assert_eq!(t.get("/workers/recruitment", Some(&town)).await.status, 403);
    // the demo's 2008 round: a post in each of the first communities that hired, each filled by its best applicant, now a worker
    let page = Page::parse(&t.get("/workers/recruitment", Some(&admin)).await.body);
    let rounds = page.table("#rounds");
    assert_eq!(
        rounds[1][..2],
        ["2008 年社区专职工作者公开招聘", "2008-05-31"]
    );
    let posts: u32 = rounds[1][2].parse().unwrap();
    assert!(posts >= 4, "{rounds:?}");
    assert_eq!(rounds[1][3], (posts * 4).to_string());
    assert_eq!(rounds[1][4], posts.to_string());
    let api = json(&t, "/api/v1/workers/recruitment/1", &admin).await;
    for r in api["ranked"].as_array().unwrap() {
        assert_eq!(
            r["applicant"]["worker_id"].is_null(),
            r["rank"] != 1,
            "the first of each post is the one hired: {r}"
        );
    }
    let r = t
        .post(
            "/workers/recruitment",
            &admin,
            &[
                ("title", "2026 年社区专职工作者招聘"),
                ("closes_on", "2026-11-30"),
                ("written_pct", "60"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let path = r.location().split('?').next().unwrap().to_string();
    let round: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(t.get(&path, Some(&town)).await.status, 403);
    assert_eq!(
        t.get(&format!("/api/v1/workers/recruitment/{round}"), Some(&town))
            .await
            .status,
        403
    );
    let r = t
        .post(
            &format!("{path}/posts"),
            &admin,
            &[
                ("unit", HTT),
                ("post", "full_time_worker"),
                ("places", "1"),
                ("min_education", "college"),
                ("max_age", "35"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let post = t
        .count("SELECT MAX(id) FROM recruitment_posts")
        .await
        .to_string();
    // three applicants: born 1995 and 1998 (college), and 1980 (over 35 on the closing day)
    let people = [
        ("李明", "110105199501010010", "bachelor"),
        ("赵芳", "110105199803030021", "college"),
        ("钱进", "110105198001010016", "bachelor"),
    ];
    for (name, id, edu) in people {
        let id = fix_check(id);
        let r = t
            .post(
                &format!("{path}/applicants"),
                &admin,
                &[
                    ("post", &post),
                    ("name", name),
                    ("id_number", &id),
                    ("education", edu),
                    ("major", "社会工作"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{name}: {}", r.body);
    }
    let again = fix_check(people[0].1);
    let r = t
        .post(
            &format!("{path}/applicants"),
            &admin,
            &[
                ("post", &post),
                ("name", "李明"),
                ("id_number", &again),
                ("education", "bachelor"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        Page::parse(&r.body).field_error("id_number").as_deref(),
        Some("这个人已报名这个岗位。")
    );
    let a = |n: i64| format!("{}", n);
    let first = t.count("SELECT MAX(id) FROM recruitment_applicants").await - 2;
    let (li, zhao, qian) = (first, first + 1, first + 2);
    // a bad score is named on its box; nothing saved
    let r = t
        .post(
            &format!("{path}/scores"),
            &admin,
            &[
                (&format!("written_{li}") as &str, "86.5"),
                (&format!("interview_{li}"), "101"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        Page::parse(&r.body)
            .field_error(&format!("interview_{li}"))
            .as_deref(),
        Some("成绩须为 0 到 100 分，最多一位小数。")
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM recruitment_applicants WHERE written_x10 IS NOT NULL AND id >= {li}"
        ))
        .await,
        0
    );
    let scores = [
        (format!("written_{li}"), "80"),
        (format!("interview_{li}"), "90"),
        (format!("written_{zhao}"), "88.5"),
        (format!("interview_{zhao}"), "86"),
        (format!("written_{qian}"), "99"),
        (format!("interview_{qian}"), "99"),
    ];
    let pairs: Vec<(&str, &str)> = scores.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let r = t.post(&format!("{path}/scores"), &admin, &pairs).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // 赵芳: 88.5×60% + 86×40% = 87.50 first; 李明 84.00 second; 钱进 over the age limit
    let api = json(&t, &format!("/api/v1/workers/recruitment/{round}"), &admin).await;
    let ranked = api["ranked"].as_array().unwrap();
    assert_eq!(ranked[0]["applicant"]["name"], "赵芳");
    assert_eq!(ranked[0]["total_x100"], 8750);
    assert_eq!(ranked[0]["within_places"], true);
    assert_eq!(ranked[1]["applicant"]["name"], "李明");
    assert_eq!(ranked[1]["rank"], 2);
    assert_eq!(ranked[2]["ineligible"], "workers.over_age_limit");
    let page = Page::parse(&t.get(&path, Some(&admin)).await.body);
    assert_eq!(page.table(".ranking")[1][1], "赵芳");
    assert!(
        page.text(".ranking").contains("年龄超过招聘条件。"),
        "the condition missed, in words"
    );
    // outside the places: refused, nothing made
    let workers = t.count("SELECT COUNT(*) FROM workers").await;
    let r = t
        .post(
            &format!("{path}/hire"),
            &admin,
            &[("applicant", &a(li)), ("start_on", "2026-12-01")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(t.count("SELECT COUNT(*) FROM workers").await, workers);
    let r = t
        .post(
            &format!("{path}/hire"),
            &admin,
            &[("applicant", &a(zhao)), ("start_on", "2026-12-01")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&admin)).await.body);
    assert!(page.text(".notice").contains("已录用"));
    assert!(page.text("h1").contains("赵芳"));
    assert_eq!(
        t.count(&format!("SELECT COUNT(*) FROM recruitment_applicants WHERE id = {zhao} AND worker_id IS NOT NULL")).await,
        1
    );
    // hired once only
    let r = t
        .post(
            &format!("{path}/hire"),
            &admin,
            &[("applicant", &a(zhao)), ("start_on", "2026-12-01")],
        )
        .await;
    assert_eq!(r.status, 422);
}

/// An ID number with its check character computed (GB 11643), from the first 17 digits.
fn fix_check(id: &str) -> String {
    let first17 = &id[..17];
    let c = shequ::platform::types::IdNumber::check_char(first17) as char;
    format!("{first17}{c}")
}

/// A worker list from a spreadsheet: the template downloads; a file with problems writes
/// nothing and lists every problem by row and column; the corrected file imports; the same
/// file again changes nothing; not a spreadsheet, or an ID number stored as a number, is said.
#[tokio::test(flavor = "multi_thread")]
async fn importing_a_worker_list_is_all_or_nothing_and_idempotent() {
    use rust_xlsxwriter::{ExcelDateTime, Workbook};
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let template = crate::sheet(crate::raw(&t, "/workers/import/template.xlsx", &staff).await);
    assert_eq!(template[0][0], calamine::Data::String("所在单位".into()));
    assert_eq!(
        template[1][0],
        calamine::Data::String("黄土塘村委会".into())
    );

    // a sheet as a village keeps it: a title row, then the headers, then people
    let book = |rows: &[[&str; 10]], id_as_number: bool| -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "黄土塘村社区工作者花名册").unwrap();
        let head = [
            "所在单位",
            "姓名",
            "身份证号",
            "性别",
            "出生日期",
            "学历",
            "政治面貌",
            "岗位",
            "用工方式",
            "任职开始日期",
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string(1, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 2;
            for (c, v) in row.iter().enumerate() {
                if c == 9 {
                    let (y, m, d) = (
                        v[..4].parse().unwrap(),
                        v[5..7].parse().unwrap(),
                        v[8..].parse().unwrap(),
                    );
                    ws.write_datetime(r, 9, ExcelDateTime::from_ymd(y, m, d).unwrap())
                        .unwrap();
                } else if c == 2 && id_as_number && !v.is_empty() {
                    ws.write_number(r, 2, v[..17].parse::<f64>().unwrap())
                        .unwrap();
                } else {
                    ws.write_string(r, c as u16, *v).unwrap();
                }
            }
        }
        wb.save_to_buffer().unwrap()
    };
    let good1 = [
        "黄土塘村",
        "孙晓梅",
        "11010519491231002X",
        "",
        "",
        "本科",
        "群众",
        "专职社区工作者",
        "专职",
        "2026-03-01",
    ];
    let good2 = [
        "黄土塘村",
        "周建国",
        "",
        "男",
        "1990-05-04",
        "大专",
        "中共党员",
        "社区协管员",
        "公益性岗位",
        "2025-07-01",
    ];
    let bad = [
        "门楼社区",
        "吴",
        "",
        "女",
        "1991-01-01",
        "博士",
        "群众",
        "委员",
        "专职",
        "2024-01-01",
    ];
    let dup = [
        "黄土塘村",
        "孙晓梅",
        "11010519491231002X",
        "",
        "",
        "本科",
        "群众",
        "专职社区工作者",
        "专职",
        "2026-03-01",
    ];
    let before = t.count("SELECT COUNT(*) FROM workers").await;
    let r = crate::assessment::upload(
        &t,
        "/workers/import",
        &staff,
        Some(&staff.csrf),
        "名册.xlsx",
        &book(&[good1, good2, bad, dup], false),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let page = Page::parse(&r.body);
    let problems = page.table("#problems");
    assert_eq!(
        problems[1..],
        [
            vec![
                "5".to_string(),
                "所在单位".into(),
                "不是您可以登记的单位（请填社区或镇（街道）的名称）。".into()
            ],
            vec!["5".to_string(), "学历".into(), "请从列表中选择。".into()],
            vec![
                "6".to_string(),
                "身份证号".into(),
                "与第 3 行的身份证号相同。".into()
            ],
        ]
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM workers").await,
        before,
        "nothing written"
    );

    let file = book(&[good1, good2], false);
    let r = crate::assessment::upload(
        &t,
        "/workers/import",
        &staff,
        Some(&staff.csrf),
        "名册.xlsx",
        &file,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        Page::parse(&r.body)
            .text("#done")
            .contains("已导入 2 人；0 人")
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM workers").await, before + 2);
    let w = json(
        &t,
        &format!("/api/v1/workers?unit={HTT}&post=assistant"),
        &staff,
    )
    .await;
    assert!(
        w["workers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "周建国" && x["employment"] == "public_welfare")
    );
    // the same file again: nobody registered twice
    let r = crate::assessment::upload(
        &t,
        "/workers/import",
        &staff,
        Some(&staff.csrf),
        "名册.xlsx",
        &file,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        Page::parse(&r.body)
            .text("#done")
            .contains("已导入 0 人；2 人")
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM workers").await, before + 2);

    // not a spreadsheet; an ID number Excel turned into a number; no CSRF
    let r = crate::assessment::upload(
        &t,
        "/workers/import",
        &staff,
        Some(&staff.csrf),
        "x.xlsx",
        b"PK\x03\x04 not really",
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        Page::parse(&r.body)
            .text("#problems")
            .contains("这不是 .xlsx 表格文件")
    );
    let good3 = [
        "黄土塘村",
        "郑一",
        "110105198001010016",
        "",
        "",
        "本科",
        "群众",
        "委员",
        "兼职",
        "2026-01-05",
    ];
    let r = crate::assessment::upload(
        &t,
        "/workers/import",
        &staff,
        Some(&staff.csrf),
        "x.xlsx",
        &book(&[good3], true),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        Page::parse(&r.body)
            .text("#problems")
            .contains("身份证号被存成了数字")
    );
    let r = crate::assessment::upload(&t, "/workers/import", &staff, None, "x.xlsx", &file).await;
    assert_eq!(r.status, 403);
    assert_eq!(t.count("SELECT COUNT(*) FROM workers").await, before + 2);
}

/// The duty roster: staff put a worker of their community on duty (times checked), the
/// public page shows today's duty and so the hall's hours, removal is confirmed; another
/// community's staff cannot touch it.
#[tokio::test(flavor = "multi_thread")]
async fn the_duty_roster_and_todays_duty_on_the_public_page() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let staff2 = t.session("staff2").await;
    // the demo's week: today (a Tuesday) someone is on duty 08:30-17:00
    let public = Page::parse(&t.get(&format!("/p/{HTT}"), None).await.body);
    let duty = public.texts("#duty li");
    assert_eq!(duty.len(), 1, "{duty:?}");
    assert!(duty[0].ends_with("08:30–17:00"), "{duty:?}");
    let page = Page::parse(&t.get("/workers/roster", Some(&staff)).await.body);
    assert_eq!(page.table("#roster").len(), 8, "a week");
    let mine = json(&t, &format!("/api/v1/workers?unit={HTT}"), &staff).await;
    let w = mine["workers"][2]["id"].as_i64().unwrap().to_string();
    let r = t
        .post(
            "/workers/roster",
            &staff,
            &[
                ("unit", HTT),
                ("on_date", "2026-12-01"),
                ("worker", &w),
                ("starts", "17:00"),
                ("ends", "9点"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        Page::parse(&r.body).field_error("ends").as_deref(),
        Some("请按 08:30 的格式填写时间。")
    );
    let r = t
        .post(
            "/workers/roster",
            &staff,
            &[
                ("unit", HTT),
                ("on_date", "2026-12-01"),
                ("worker", &w),
                ("starts", "17:00"),
                ("ends", "20:00"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(r.location(), Some(&staff)).await.body);
    assert!(page.text(".notice").contains("值班已安排"));
    let public = Page::parse(&t.get(&format!("/p/{HTT}"), None).await.body);
    assert_eq!(public.texts("#duty li").len(), 2);
    assert!(public.texts("#duty li")[1].ends_with("17:00–20:00"));
    // not theirs: 门楼社区's staff, and a worker of another community
    let fields = [
        ("unit", HTT),
        ("on_date", "2026-12-01"),
        ("worker", w.as_str()),
        ("starts", "08:00"),
        ("ends", "09:00"),
    ];
    assert_eq!(
        t.post("/workers/roster", &staff2, &fields).await.status,
        404
    );
    let other = json(&t, "/api/v1/workers", &staff2).await["workers"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let r = t
        .post(
            "/workers/roster",
            &staff,
            &[
                ("unit", HTT),
                ("on_date", "2026-12-01"),
                ("worker", &other),
                ("starts", "08:00"),
                ("ends", "09:00"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    // removal names what it removes before it is done
    assert!(
        page.texts("#roster details button")
            .iter()
            .any(|b| b.contains("17:00–20:00"))
    );
    let r = t
        .post(
            "/workers/roster/remove",
            &staff,
            &[("unit", HTT), ("on_date", "2026-12-01"), ("worker", &w)],
        )
        .await;
    assert_eq!(r.status, 303);
    let public = Page::parse(&t.get(&format!("/p/{HTT}"), None).await.body);
    assert_eq!(public.texts("#duty li").len(), 1);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'duty_roster'")
            .await,
        2
    );
}

/// An assessment indicator bound to a workforce measure: the guideline's editor binds it
/// (and refuses a measure that does not exist), the sheet shows the system's figure with its
/// source instead of a box to type in, typed points for it are refused, and the points follow
/// the register.
#[tokio::test(flavor = "multi_thread")]
async fn indicators_bound_to_workforce_measures() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    // the editor: a template's new draft, one indicator bound to "has a certified social worker"
    let template = t
        .count(
            "SELECT MIN(id) FROM guidelines WHERE department_id IS NULL AND status = 'published'",
        )
        .await;
    let r = t
        .post(
            &format!("/assessment/guidelines/{template}/new-version"),
            &admin,
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = r.location().to_string();
    let form = |measure: &'static str| {
        vec![
            ("title", "和谐社区建设考核（社工）"),
            ("year", "2027"),
            ("subsidy_basis", "none"),
            ("subsidy", "0"),
            ("full_at", "85"),
            ("zero_below", "60"),
            ("n0_name", "配备持证社会工作者"),
            ("n0_max", "5"),
            ("n0_method", "report"),
            ("n0_measure", measure),
            ("n1_name", "居民满意度"),
            ("n1_max", "95"),
            ("n1_method", "survey"),
        ]
    };
    let r = t.post(&draft, &admin, &form("headcount")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = t.post(&draft, &admin, &form("certified_worker")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = Page::parse(&t.get(&draft, Some(&admin)).await.body);
    assert_eq!(
        page.attrs("select[name=n0_measure] option[selected]", "value"),
        ["certified_worker"]
    );

    // the open round's sheets: bind its first indicator (as a new round of the draft would)
    let round = t
        .count("SELECT id FROM assessment_rounds WHERE status = 'open'")
        .await;
    let indicator = t
        .count(&format!(
            "SELECT MIN(i.id) FROM guideline_indicators i JOIN round_guidelines rg \
             ON rg.guideline_id = i.guideline_id WHERE rg.round_id = {round}"
        ))
        .await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &t.db().conn,
        &format!(
            "UPDATE guideline_indicators SET measure = 'certified_worker' WHERE id = {indicator}"
        ),
    )
    .await
    .unwrap();
    let dash = json(&t, "/api/v1/workers/dashboard", &admin).await;
    let uncovered = dash["uncovered"][0]["code"].as_str().unwrap().to_string();
    let line = |sheet: &serde_json::Value| -> serde_json::Value {
        sheet["parts"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["lines"].as_array().unwrap().clone())
            .find(|l| l["indicator"]["id"] == indicator)
            .unwrap()
    };
    let covered = json(
        &t,
        &format!("/api/v1/assessment/rounds/{round}/sheets/{HTT}"),
        &admin,
    )
    .await;
    let l = line(&covered);
    assert_eq!(l["measured"]["met"], true, "{l}");
    assert_eq!(l["effective_x10"], l["indicator"]["max_x10"]);
    let not = json(
        &t,
        &format!("/api/v1/assessment/rounds/{round}/sheets/{uncovered}"),
        &admin,
    )
    .await;
    let l = line(&not);
    assert_eq!(l["measured"]["met"], false, "{l}");
    assert_eq!(l["effective_x10"], 0);
    // the page: the figure and its source, no box for it
    let page = Page::parse(
        &t.get(
            &format!("/assessment/rounds/{round}/sheets/{uncovered}"),
            Some(&admin),
        )
        .await
        .body,
    );
    assert!(
        page.text(".measured")
            .contains("没有持有效证书的社会工作者"),
        "{}",
        page.text(".measured")
    );
    assert_eq!(
        page.attrs(".measured a", "href"),
        [format!("/workers?unit={uncovered}&certified=yes")]
    );
    assert!(
        page.attrs(&format!("input[name=p{indicator}]"), "name")
            .is_empty()
    );
}

/// The API writes with the forms' rules: a worker registered (field errors in the API's one
/// shape), a certificate recorded, workers enrolled and their hours credited - scoped like
/// the pages.
#[tokio::test(flavor = "multi_thread")]
async fn the_api_writes_as_the_forms_do() {
    use axum::body::Body;
    use axum::http::{Request, header};
    let t = TestApp::demo().await;
    let token = crate::bearer(&t, "staff").await;
    let post = |path: String, body: serde_json::Value| {
        let token = token.clone();
        let t = &t;
        async move {
            t.send(
                Request::post(&path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await
        }
    };
    let bad = post(
        "/api/v1/workers".into(),
        serde_json::json!({"unit": HTT, "name": "", "education": "phd", "political": "masses",
            "post": "member", "employment": "elected", "start_on": "2026-01-01",
            "gender": "male", "birth_date": "1990-01-01"}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let j: serde_json::Value = bad.json();
    let fields: Vec<&str> = j["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "education"], "{j}");
    let r = post(
        "/api/v1/workers".into(),
        serde_json::json!({"unit": HTT, "name": "冯晓东", "education": "bachelor",
            "political": "masses", "post": "full_time_worker", "employment": "full_time",
            "start_on": "2026-11-01", "gender": "male", "birth_date": "1995-06-01"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    // another community's unit: not theirs
    let r = post(
        "/api/v1/workers".into(),
        serde_json::json!({"unit": MENLOU, "name": "冯晓东", "education": "bachelor",
            "political": "masses", "post": "full_time_worker", "employment": "full_time",
            "start_on": "2026-11-01", "gender": "male", "birth_date": "1995-06-01"}),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = post(
        format!("/api/v1/workers/{id}/certificates"),
        serde_json::json!({"level": "assistant", "number": "API-2026-1",
            "obtained_on": "2026-11-20", "registered_until": "2029-11-19"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // the demo's winter exam course: enrol, then credit hours (more than the course's refused)
    let course = t
        .count("SELECT MAX(id) FROM training_courses WHERE kind = 'exam_prep'")
        .await;
    let r = post(
        format!("/api/v1/workers/courses/{course}/enrolments"),
        serde_json::json!({"workers": [id]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["written"], 1);
    let r = post(
        format!("/api/v1/workers/courses/{course}/attendance"),
        serde_json::json!({"hours": {id.to_string(): 40}}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = post(
        format!("/api/v1/workers/courses/{course}/attendance"),
        serde_json::json!({"hours": {id.to_string(): 32}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let api = json(
        &t,
        &format!("/api/v1/workers/{id}"),
        &t.session("staff").await,
    )
    .await;
    assert_eq!(api["certificates"][0]["number"], "API-2026-1");
    assert_eq!(api["training"][0]["hours"], 32);
}
