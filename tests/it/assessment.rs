//! Guidelines and assessment through HTTP: the workflow per role (self-assessment → town
//! review → scoring by each department for its own indicators → sign-off), versions of a
//! guideline, subsidies from signed-off scores, locks, bad input, XLSX, a real browser.

use calamine::{Data, Reader, Xlsx};

use crate::browser::Browser;
use crate::{Session, TestApp, json, raw};

const HUANGTUTANG: &str = "320205106203";
const MENLOU: &str = "320205001001";

/// The open round of this year and the signed-off 2008 round.
async fn rounds(t: &TestApp) -> (i64, i64) {
    (
        t.count("SELECT id FROM assessment_rounds WHERE status = 'open'")
            .await,
        t.count("SELECT id FROM assessment_rounds WHERE year = 2008")
            .await,
    )
}

/// Indicator ids of a sheet, per department code ('' for templates).
async fn indicators(t: &TestApp, round: i64, s: &Session) -> Vec<(String, i64, i64, bool)> {
    let sh = json(
        t,
        &format!("/api/v1/assessment/rounds/{round}/sheets/{HUANGTUTANG}"),
        s,
    )
    .await;
    let mut out = vec![];
    for p in sh["parts"].as_array().unwrap() {
        let dept = p["guideline"]["department_name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        for l in p["lines"].as_array().unwrap() {
            out.push((
                dept.clone(),
                l["indicator"]["id"].as_i64().unwrap(),
                l["indicator"]["max_x10"].as_i64().unwrap(),
                l["indicator"]["deduction"].as_bool().unwrap(),
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn one_visit_covers_every_department_in_order() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let town = t.session("donggang").await;
    let weisheng = t.session("weisheng").await;
    let assessor = t.session("assessor").await;
    let (open, _) = rounds(&t).await;
    let base = format!("/assessment/rounds/{open}/sheets/{HUANGTUTANG}");
    let inds = indicators(&t, open, &staff).await;
    assert_eq!(inds.len(), 15, "four guidelines in one round");
    // scoring and review wait for the steps before them
    let health: Vec<&(String, i64, i64, bool)> =
        inds.iter().filter(|i| i.0 == "区卫生局").collect();
    let p0 = format!("p{}", health[0].1);
    let r = t
        .post(&format!("{base}/score"), &weisheng, &[(p0.as_str(), "20")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("尚未审核"), "{}", r.body);
    let r = t
        .post(&format!("{base}/review"), &town, &[("town_note", "同意")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("尚未提交自评"));
    // self-assessment: above the maximum is refused, then saved and submitted
    let mut fields: Vec<(String, String)> = inds
        .iter()
        .map(|(_, id, max, ded)| {
            (
                format!("s{id}"),
                if *ded {
                    "0".into()
                } else {
                    format!("{}", max / 10)
                },
            )
        })
        .collect();
    fields.push((format!("e{}", inds[0].1), "会议记录 12 份".into()));
    fields[0].1 = "999".into();
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t.post(&format!("{base}/self"), &staff, &f).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能超过满分"), "{}", r.body);
    fields[0].1 = "18.5".into();
    fields.push(("submit".into(), "1".into()));
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t.post(&format!("{base}/self"), &staff, &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // staff of another community cannot touch it
    let r = t
        .post(&format!("{base}/self"), &t.session("staff2").await, &f)
        .await;
    assert_eq!(r.status, 404);
    // the town reviews; afterwards the self-assessment is closed
    let r = t
        .post(
            &format!("{base}/review"),
            &town,
            &[("town_note", "材料齐全")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t.post(&format!("{base}/self"), &staff, &f).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("自评不能再修改"));
    // each department scores only its own indicators
    let labour = inds.iter().find(|i| i.0 == "区劳动和社会保障局").unwrap();
    let r = t
        .post(
            &format!("{base}/score"),
            &weisheng,
            &[(format!("p{}", labour.1).as_str(), "10")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只能为本部门的指标评分"));
    let mut scores: Vec<(String, String)> = vec![];
    for (_, id, max, _) in &health {
        scores.push((format!("p{id}"), format!("{}", max / 10 - 1)));
        scores.push((format!("n{id}"), "现场查看".into()));
    }
    let f: Vec<(&str, &str)> = scores
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t.post(&format!("{base}/score"), &weisheng, &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    // a negative score, a score above the maximum
    let r = t
        .post(&format!("{base}/score"), &weisheng, &[(p0.as_str(), "-1")])
        .await;
    assert_eq!(r.status, 422);
    let r = t
        .post(&format!("{base}/score"), &weisheng, &[(p0.as_str(), "31")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不能超过满分 30"));
    // the assessor scores the template; a deduction beyond the maximum counts 0, not less
    let template: Vec<&(String, i64, i64, bool)> = inds.iter().filter(|i| i.0.is_empty()).collect();
    let mut scores: Vec<(String, String)> = vec![];
    for (_, id, max, ded) in &template {
        scores.push((
            format!("p{id}"),
            if *ded {
                "20".into()
            } else {
                format!("{}", max / 10)
            },
        ));
    }
    let f: Vec<(&str, &str)> = scores
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t.post(&format!("{base}/score"), &assessor, &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let sh = json(
        &t,
        &format!("/api/v1/assessment/rounds/{open}/sheets/{HUANGTUTANG}"),
        &staff,
    )
    .await;
    let tpl = sh["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["guideline"]["department_id"].is_null())
        .unwrap();
    assert_eq!(
        tpl["effective_x10"], 850,
        "all but the 15-point deduction indicator, floored at 0"
    );
    let health_part = sh["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["guideline"]["title"] == "社区卫生服务工作指引")
        .unwrap();
    assert_eq!(health_part["effective_x10"], 960);
    assert_eq!(
        health_part["subsidy_fen"], 2_000_000,
        "96% ≥ 90%: the full 20,000 yuan"
    );
    // who scored and when is kept
    let line = &health_part["lines"][0];
    assert_eq!(line["score"]["scored_by"], "weisheng");
    assert!(line["score"]["scored_at"].is_string());
    // sign-off waits for every indicator of every sheet
    let admin = t.session("admin").await;
    let r = t
        .post(&format!("/assessment/rounds/{open}/sign-off"), &admin, &[])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("项指标未评分"), "{}", r.body);
    // the page of the sheet shows the lost points to the community
    let page = t.get(&base, Some(&staff)).await;
    assert!(page.body.contains("失分项"));
    // every step is in the audit log
    for action in ["submit", "review", "score"] {
        assert!(
            t.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity = 'assessment_sheet'")).await > 0,
            "{action}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_off_round_is_locked_and_paid_once() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let weisheng = t.session("weisheng").await;
    let (_, old) = rounds(&t).await;
    let base = format!("/assessment/rounds/{old}/sheets/{HUANGTUTANG}");
    let inds = indicators(&t, old, &admin).await;
    let health = inds.iter().find(|i| i.0 == "区卫生局").unwrap();
    let r = t
        .post(
            &format!("{base}/score"),
            &weisheng,
            &[(format!("p{}", health.1).as_str(), "1")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("已签发"), "{}", r.body);
    // the subsidies of 2008 were paid from the scores through each guideline's rule
    let round = json(&t, &format!("/api/v1/assessment/rounds/{old}"), &admin).await;
    let health_g = round["guidelines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["title"] == "社区卫生服务工作指引")
        .unwrap();
    let gid = health_g["id"].as_i64().unwrap();
    let sh = json(
        &t,
        &format!("/api/v1/assessment/rounds/{old}/sheets/{HUANGTUTANG}"),
        &admin,
    )
    .await;
    let part = sh["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["guideline"]["id"] == gid)
        .unwrap();
    let paid = t
        .count(&format!(
            "SELECT amount_fen FROM payment_lines WHERE pays = 'guideline:{old}:{gid}:{HUANGTUTANG}'"
        ))
        .await;
    assert_eq!(part["subsidy_fen"], paid);
    // a second batch for the same guideline pays nothing twice
    let r = t
        .post(&format!("/assessment/rounds/{old}/pay/{gid}"), &admin, &[])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("不会重复拨付"), "{}", r.body);
    // rankings: one first place at least, ranks within towns, titles from the template
    let results = round["results"].as_array().unwrap();
    assert_eq!(results.len(), 130);
    assert!(results.iter().any(|r| r["rank_district"] == 1));
    assert!(
        results
            .iter()
            .any(|r| !r["titles"].as_array().unwrap().is_empty())
    );
    let dg: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["town_code"] == "320205106000")
        .collect();
    assert!(dg.iter().any(|r| r["rank_town"] == 1));
    // the results and a sheet as XLSX
    let bytes = raw(&t, &format!("/assessment/rounds/{old}/export.xlsx"), &admin).await;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("考核结果").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 131);
    assert_eq!(rows[0][3], Data::String("得分".into()));
    assert_eq!(rows[1][6], Data::Float(1.0), "sorted by rank");
    let bytes = raw(&t, &format!("{base}/export.xlsx"), &admin).await;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("考核表").unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    let total = rows
        .iter()
        .find(|r| matches!(&r[0], Data::String(s) if s == "社区卫生服务工作指引 · 合计"))
        .unwrap();
    assert_eq!(
        total[7],
        Data::Float(part["effective_x10"].as_f64().unwrap() / 10.0)
    );
    assert_eq!(total[9], Data::Float(paid as f64 / 100.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn guidelines_are_versioned_and_checked() {
    let t = TestApp::demo().await;
    let weisheng = t.session("weisheng").await;
    let gid = t
        .count("SELECT g.id FROM guidelines g JOIN departments d ON d.id = g.department_id WHERE d.code = 'weisheng'")
        .await;
    let other = t
        .count("SELECT g.id FROM guidelines g JOIN departments d ON d.id = g.department_id WHERE d.code = 'laodong'")
        .await;
    // published: read-only
    let r = t
        .post(
            &format!("/assessment/guidelines/{gid}"),
            &weisheng,
            &[("title", "x")],
        )
        .await;
    assert_eq!(r.status, 422);
    // another department's guideline: not theirs
    let r = t
        .post(
            &format!("/assessment/guidelines/{other}/new-version"),
            &weisheng,
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    // a new version is a draft copy
    let r = t
        .post(
            &format!("/assessment/guidelines/{gid}/new-version"),
            &weisheng,
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let v2: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let g = json(
        &t,
        &format!("/api/v1/assessment/guidelines/{v2}"),
        &weisheng,
    )
    .await;
    assert_eq!(g["version"], 2);
    assert_eq!(g["status"], "draft");
    assert_eq!(g["indicators"].as_array().unwrap().len(), 4);
    // bad input on the draft: inverted thresholds, a duplicate indicator, negative subsidy
    let bad = [
        ("title", "社区卫生服务工作指引"),
        ("year", "2027"),
        ("subsidy_basis", "fixed"),
        ("subsidy", "-5"),
        ("full_at", "50"),
        ("zero_below", "80"),
        ("n0_name", "健康档案"),
        ("n0_max", "50"),
        ("n0_method", "material"),
        ("n1_name", "健康 档案"),
        ("n1_max", "50"),
        ("n1_method", "material"),
    ];
    let before = t.count("SELECT COUNT(*) FROM audit_log").await;
    let r = t
        .post(&format!("/assessment/guidelines/{v2}"), &weisheng, &bad)
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("不予补助分数线不能高于全额补助分数线"),
        "{}",
        r.body
    );
    assert!(r.body.contains("与第 1 行重名"));
    assert!(r.body.contains("不能为负数"));
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log").await, before);
    // a good edit, then publish: read-only from then on
    let good = [
        ("title", "社区卫生服务工作指引（2027 修订）"),
        ("year", "2027"),
        ("subsidy_basis", "per_capita"),
        ("subsidy", "2"),
        ("full_at", "85"),
        ("zero_below", "60"),
        ("i0_title", "家庭医生签约"),
        ("i0_requirements", "签约重点人群"),
        ("i0_standard", "签约率 ≥ 60%"),
        ("n0_name", "家庭医生签约率"),
        ("n0_max", "60"),
        ("n0_method", "report"),
        ("n1_name", "投诉（每起扣 5 分）"),
        ("n1_max", "40"),
        ("n1_method", "survey"),
        ("n1_deduction", "1"),
    ];
    let r = t
        .post(&format!("/assessment/guidelines/{v2}"), &weisheng, &good)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = t
        .post(
            &format!("/assessment/guidelines/{v2}/publish"),
            &weisheng,
            &[],
        )
        .await;
    assert_eq!(r.status, 303);
    let g = json(
        &t,
        &format!("/api/v1/assessment/guidelines/{v2}"),
        &weisheng,
    )
    .await;
    assert_eq!(g["status"], "published");
    assert_eq!(g["indicators"][1]["deduction"], true);
    let r = t
        .post(&format!("/assessment/guidelines/{v2}"), &weisheng, &good)
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只读"));
    // version 1 is untouched
    let g1 = json(
        &t,
        &format!("/api/v1/assessment/guidelines/{gid}"),
        &weisheng,
    )
    .await;
    assert_eq!(g1["full_at"], 90);
    // staff see published guidelines, not drafts
    let staff = t.session("staff").await;
    let list = json(&t, "/api/v1/assessment/guidelines", &staff).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|g| g["status"] == "published")
    );
    // a new round over it, and bad round input
    let admin = t.session("admin").await;
    let r = t
        .post("/assessment", &admin, &[("year", "2027"), ("name", "")])
        .await;
    assert_eq!(r.status, 422);
    let g = format!("g_{v2}");
    let r = t
        .post(
            "/assessment",
            &admin,
            &[
                ("year", "2027"),
                ("name", "2027 卫生专项"),
                (g.as_str(), "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM assessment_sheets WHERE round_id = (SELECT id FROM assessment_rounds WHERE name = '2027 卫生专项')").await,
        130
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scope_of_assessment() {
    let t = TestApp::demo().await;
    let (open, old) = rounds(&t).await;
    let staff = t.session("staff").await;
    let town = t.session("donggang").await;
    let r = json(&t, &format!("/api/v1/assessment/rounds/{old}"), &staff).await;
    assert_eq!(r["results"].as_array().unwrap().len(), 1, "their own sheet");
    let r = json(&t, &format!("/api/v1/assessment/rounds/{old}"), &town).await;
    assert_eq!(r["results"].as_array().unwrap().len(), 19);
    assert_eq!(
        t.get(
            &format!("/assessment/rounds/{open}/sheets/{MENLOU}"),
            Some(&staff)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        t.get(
            &format!("/assessment/rounds/{open}/sheets/{MENLOU}"),
            Some(&town)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        t.get("/assessment", Some(&t.session("provider").await))
            .await
            .status,
        403
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_score_sheet() {
    let Some(b) = Browser::start().await else {
        return;
    };
    use fantoccini::Locator;
    b.c.goto(&format!("{}/assessment", b.base)).await.unwrap();
    b.sign_in("staff").await;
    // the 2008 sheet: scores, who gave them, what was lost
    b.c.goto(&format!("{}/assessment", b.base)).await.unwrap();
    b.c.find(Locator::LinkText("2008 年度考核"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.c.find(Locator::LinkText("黄土塘村委会"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let body = b.body().await;
    assert!(
        body.contains("失分项") && body.contains("和谐社区创建考核模板"),
        "{body}"
    );
    b.shot("assessment-sheet-2008.png").await;
    // this year's: fill the self-assessment in the real form and submit it
    b.c.goto(&format!("{}/assessment", b.base)).await.unwrap();
    let this_year = chrono::Datelike::year(&crate::test_clock().today());
    b.c.find(Locator::LinkText(&format!("{this_year} 年度考核")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.c.find(Locator::LinkText("黄土塘村委会"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // an evidence file through the real upload form
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("会议纪要.pdf");
    std::fs::write(&file, b"%PDF-1.4\n%%EOF\n").unwrap();
    b.c.find(Locator::Id("file-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    crate::browser::follow(
        &b.c,
        Locator::Css("form[enctype='multipart/form-data'] button[type=submit]"),
    )
    .await;
    assert!(b.body().await.contains("会议纪要.pdf"), "uploaded");
    let inputs =
        b.c.find_all(Locator::Css(
            "form.sheet-form input[name^='s']:not([name='self_note'])",
        ))
        .await
        .unwrap();
    assert_eq!(inputs.len(), 15);
    for i in inputs {
        i.send_keys("5").await.unwrap();
    }
    crate::browser::follow(&b.c, Locator::Css("button[name=submit]")).await;
    let body = b.body().await;
    assert!(body.contains("已保存"), "{body}");
    assert!(
        body.contains("社区自评") && body.contains("staff"),
        "submitted by staff"
    );
    b.shot("assessment-sheet-self.png").await;
    b.c.clone().close().await.unwrap();
}

/// A multipart upload of one file (with the CSRF field unless `csrf` is None).
pub async fn upload(
    t: &TestApp,
    path: &str,
    s: &Session,
    csrf: Option<&str>,
    name: &str,
    data: &[u8],
) -> crate::Resp {
    let boundary = "----shequtestboundary";
    let mut body: Vec<u8> = vec![];
    if let Some(c) = csrf {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{c}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend(data);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    t.send(
        axum::http::Request::post(path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("cookie", &s.cookie)
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn evidence_files_are_uploaded_scoped_and_checked() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let (open, _) = rounds(&t).await;
    let base = format!("/assessment/rounds/{open}/sheets/{HUANGTUTANG}/attachments");
    let pdf = b"%PDF-1.4\n% evidence: 2026 villager meeting minutes\n%%EOF\n".to_vec();
    let r = upload(
        &t,
        &base,
        &staff,
        Some(&staff.csrf),
        "2026年村民代表会议纪要.pdf",
        &pdf,
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let sh = json(
        &t,
        &format!("/api/v1/assessment/rounds/{open}/sheets/{HUANGTUTANG}"),
        &staff,
    )
    .await;
    let a = &sh["attachments"][0];
    assert_eq!(a["filename"], "2026年村民代表会议纪要.pdf");
    assert_eq!(a["content_type"], "application/pdf");
    let aid = a["id"].as_i64().unwrap();
    // back out, byte for byte, as a download
    let got = t.get(&format!("{base}/{aid}"), Some(&staff)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body.as_bytes(), pdf.as_slice());
    assert!(
        got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    // the town sees it; another community's staff do not
    assert_eq!(
        t.get(&format!("{base}/{aid}"), Some(&t.session("donggang").await))
            .await
            .status,
        200
    );
    assert_eq!(
        t.get(&format!("{base}/{aid}"), Some(&t.session("staff2").await))
            .await
            .status,
        404
    );
    // refused: a program, an empty file, too large, no CSRF token, another's sheet
    let files = t.count("SELECT COUNT(*) FROM sheet_attachments").await;
    let r = upload(&t, &base, &staff, Some(&staff.csrf), "setup.exe", b"MZ").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只能上传"));
    let r = upload(&t, &base, &staff, Some(&staff.csrf), "a.pdf", b"").await;
    assert_eq!(r.status, 422);
    let big = vec![b'x'; 5 * 1024 * 1024 + 1];
    let r = upload(&t, &base, &staff, Some(&staff.csrf), "big.pdf", &big).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("超过 5 MB"), "{}", r.status);
    let r = upload(&t, &base, &staff, None, "a.pdf", &pdf).await;
    assert_eq!(r.status, 403);
    // not multipart at all: our error page, not a bare 400
    let r = t.post(&base, &staff, &[("file", "a.pdf")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("表单内容无法识别"), "{}", r.body);
    let staff2 = t.session("staff2").await;
    let r = upload(&t, &base, &staff2, Some(&staff2.csrf), "a.pdf", &pdf).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM sheet_attachments").await,
        files
    );
    // removed by its community, audited both ways
    let r = t.post(&format!("{base}/{aid}/delete"), &staff, &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(
        t.get(&format!("{base}/{aid}"), Some(&staff)).await.status,
        404
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'sheet_attachment'")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_home_page_lists_what_waits_for_each_role() {
    let t = TestApp::demo().await;
    let page = |u: &'static str| {
        let t = &t;
        async move { t.get("/", Some(&t.session(u).await)).await.body }
    };
    let admin = page("admin").await;
    assert!(
        admin.contains("1 个拨付批次等待审批"),
        "this year's per-capita draft"
    );
    assert!(admin.contains("等待达标验收"));
    let staff = page("staff").await;
    assert!(
        staff.contains("自评尚未提交"),
        "黄土塘 has not started this year's sheet"
    );
    assert!(staff.contains(&format!("/sheets/{HUANGTUTANG}")));
    assert!(page("weisheng").await.contains("有您的指标待评分"));
    assert!(page("donggang").await.contains("等待镇（街道）审核"));
    // the service hall: staff's overdue case, the provider's own open request, nothing else
    assert!(staff.contains("件办件已超过承诺期限") && staff.contains("服务大厅在办"));
    // how many of the provider's requests are open depends on the day the demo is built
    // (its history ends today): compare with the cases, not a fixed number
    let open = t
        .count(&format!(
            "SELECT COUNT(*) FROM cases k JOIN users u ON u.provider_id = k.provider_id \
             WHERE u.username = 'provider' AND k.status IN {}",
            shequ::hall::cases::OPEN_STATUSES
        ))
        .await;
    assert!(open >= 1, "the demo's own open housekeeping request");
    let provider = page("provider").await;
    assert!(
        provider.contains(&format!("服务大厅在办 {open} 件")),
        "{provider}"
    );
    assert!(!provider.contains("考核") && !provider.contains("拨付"));
    assert!(!page("assessor").await.contains("服务大厅在办"));
}
