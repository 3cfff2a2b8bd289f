//! The district's people (issue 16): the ID number's rules at the window, households and their
//! history, the import of a village's file (GB18030 CSV, XLSX, a mapping, 3 bad rows among
//! 10,000 writing nothing, a second import changing nothing), the export's round trip.

use calamine::Data;
use shequ::platform::types::IdNumber;

use crate::html::Page;
use crate::{Session, TestApp, json, raw, sheet};

const A: &str = "320205106203"; // 黄土塘村, staff's community

/// A valid ID number: the area, the birth date (YYYYMMDD), the order digits.
pub fn id(area: &str, birth: &str, order: u32) -> String {
    let first17 = format!("{area}{birth}{order:03}");
    format!("{first17}{}", IdNumber::check_char(&first17) as char)
}

/// A multipart form: text fields and one file.
pub async fn upload(
    t: &TestApp,
    path: &str,
    s: &Session,
    fields: &[(&str, &str)],
    name: &str,
    data: &[u8],
) -> crate::Resp {
    let boundary = "----shequregistryboundary";
    let mut body: Vec<u8> = vec![];
    let mut field = |k: &str, v: &str| {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        )
    };
    field("_csrf", &s.csrf);
    for (k, v) in fields {
        field(k, v);
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
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

/// Upload a file for the staff's community; the preview's address.
async fn stage(t: &TestApp, s: &Session, name: &str, data: &[u8]) -> String {
    let r = upload(t, "/registry/import", s, &[], name, data).await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.location().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_id_number_decides_and_bad_ones_are_refused_by_field() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let good = id("320205", "19560311", 23);
    let bad_check = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('1') { '2' } else { '1' }
    );
    let feb30 = id("320205", "19560230", 22);
    let nowhere = id("990101", "19560311", 22);
    for (idn, message) in [
        (bad_check.as_str(), "身份证号校验位不对"),
        (feb30.as_str(), "身份证号中的出生日期不正确"),
        (nowhere.as_str(), "地区码在区划库里找不到"),
    ] {
        let r = t
            .post(
                "/hall/residents",
                &staff,
                &[
                    ("name", "钱 测试"),
                    ("id_number", idn),
                    ("household", "T-1"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{idn}");
        assert!(r.body.contains(message), "{idn}: {}", r.body);
    }
    // a typed gender that the number contradicts
    let r = t
        .post(
            "/hall/residents",
            &staff,
            &[("name", "钱测试"), ("id_number", &good), ("gender", "2")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("与身份证号码不一致"), "{}", r.body);
    // the number decides; the household number starts a household with them at its head
    let r = t
        .post(
            "/hall/residents",
            &staff,
            &[
                ("name", "钱测试"),
                ("id_number", &good),
                ("household", "T-1"),
                ("relation", "02"),
                ("ethnicity", "01"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM residents WHERE id_number = '{good}' AND gender = '1' \
             AND CAST(birth_date AS TEXT) = '1956-03-11'"
        ))
        .await,
        1
    );
    let h = t
        .count(&format!(
            "SELECT id FROM households WHERE community_code = '{A}' AND number = 'T-1'"
        ))
        .await;
    let page = t
        .get(&format!("/registry/households/{h}"), Some(&staff))
        .await;
    assert_eq!(page.status, 200);
    let p = Page::parse(&page.body);
    assert!(p.text("#members").contains("钱测试"), "{}", page.body);
    assert!(p.text("#members").contains("户主"));
    assert!(p.text("#history").contains("迁入"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn households_keep_their_history() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let r = t
        .post(
            "/registry/households",
            &staff,
            &[
                ("number", "H-7"),
                ("point", "3组"),
                ("house_number", "7号"),
                ("kind", "registered"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let hid: i64 = r
        .location()
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // the same number twice in a community is refused on its field
    let again = t
        .post(
            "/registry/households",
            &staff,
            &[("number", "H-7"), ("kind", "registered")],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("本社区已有这个户号"));
    let mut members = vec![];
    for (name, idn, relation) in [
        ("孙大海", id("320205", "19600101", 11), "02"),
        ("孙小海", id("320205", "19880202", 13), "20"),
        ("林秀兰", id("320205", "19620303", 22), "10"),
    ] {
        let r = t
            .post(
                "/hall/residents",
                &staff,
                &[
                    ("name", name),
                    ("id_number", &idn),
                    ("household", "H-7"),
                    ("relation", relation),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        members.push(
            t.count(&format!(
                "SELECT id FROM residents WHERE id_number = '{idn}'"
            ))
            .await,
        );
    }
    let moves = format!("/registry/households/{hid}/moves");
    // a split: the son heads a new household
    let r = t
        .post(
            &moves,
            &staff,
            &[
                ("resident", &members[1].to_string()),
                ("kind", "split"),
                ("on_date", "2026-10-01"),
                ("to", "H-8"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let new_home = t.get(r.location(), Some(&staff)).await;
    assert!(new_home.body.contains("已登记：分户"), "{}", new_home.body);
    assert!(
        Page::parse(&new_home.body)
            .text("#members")
            .contains("户主")
    );
    // a merge needs an existing household; a date in the future is refused
    let r = t
        .post(
            &moves,
            &staff,
            &[
                ("resident", &members[2].to_string()),
                ("kind", "merge"),
                ("on_date", "2099-01-01"),
                ("to", "NO-SUCH"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("日期不能晚于今天"), "{}", r.body);
    // the head dies; the household keeps its history, the person stays counted for the past
    let r = t
        .post(
            &moves,
            &staff,
            &[
                ("resident", &members[0].to_string()),
                ("kind", "death"),
                ("on_date", "2026-11-01"),
                ("reason", "病故"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = t
        .get(&format!("/registry/households/{hid}"), Some(&staff))
        .await;
    let history = Page::parse(&page.body).text("#history");
    for word in ["死亡", "分户", "迁入", "病故"] {
        assert!(history.contains(word), "{word}: {history}");
    }
    assert_eq!(
        t.count(&format!("SELECT COUNT(*) FROM residents WHERE id = {} AND status = 'dead' AND CAST(left_on AS TEXT) = '2026-11-01'", members[0])).await,
        1
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM households WHERE id = {hid} AND head_id IS NULL"
        ))
        .await,
        1
    );
    // the town reads the household, masked, and cannot change it
    let town = t.session("donggang").await;
    let api = json(&t, &format!("/api/v1/households/{hid}"), &town).await;
    assert_eq!(api["household"]["number"], "H-7");
    assert!(
        api["members"][0]["name"].as_str().unwrap().contains('*'),
        "{api}"
    );
    let r = t
        .post(
            &moves,
            &town,
            &[
                ("resident", &members[2].to_string()),
                ("kind", "move_out"),
                ("on_date", "2026-11-02"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
}

/// A village's file: its own headers (synonyms, another order), GB18030, 3 households.
fn village_csv() -> Vec<u8> {
    let rows = [
        "姓名,公民身份号码,与户主关系,户号,自然村,门牌,联系电话,民族,人群标签".to_string(),
        format!(
            "周国平,{},户主,V-1,上塘,1号,13951000001,汉,党员",
            id("320205", "19580101", 11)
        ),
        format!(
            "陈月英,{},妻,V-1,上塘,1号,,汉族,",
            id("320205", "19600202", 22)
        ),
        format!(
            "周晓东,{},长子,V-1,上塘,1号,13951000003,汉,",
            id("320205", "19850303", 13)
        ),
        format!(
            "顾建华,{},户主,V-2,下塘,9号,,汉,低保",
            id("320205", "19470404", 15)
        ),
        format!(
            "马丽,{},户主,V-3,新村,2幢,13951000005,回,",
            id("110105", "19900505", 24)
        ),
    ];
    let text = rows.join("\r\n") + "\r\n";
    let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
    gbk.into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_village_file_in_gb18030_is_previewed_confirmed_and_changes_nothing_twice() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let people = t.count("SELECT COUNT(*) FROM residents").await;
    let audit = t.count("SELECT COUNT(*) FROM audit_log").await;
    let preview = stage(&t, &staff, "黄土塘人口.csv", &village_csv()).await;
    let page = t.get(&preview, Some(&staff)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let p = Page::parse(&page.body);
    assert!(
        p.text("#counts").contains("新增 5 人"),
        "{}",
        p.text("#counts")
    );
    assert!(
        p.text("#counts").contains("新建 3 户"),
        "{}",
        p.text("#counts")
    );
    // the columns as understood, the people not yet written
    assert_eq!(t.count("SELECT COUNT(*) FROM residents").await, people);
    let r = t.post(&format!("{preview}/confirm"), &staff, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let done = t.get(r.location(), Some(&staff)).await;
    assert!(done.body.contains("导入完成：新增 5 人"), "{}", done.body);
    assert_eq!(t.count("SELECT COUNT(*) FROM residents").await, people + 5);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM households h JOIN residents r ON r.id = h.head_id \
             WHERE h.community_code = '{A}' AND h.number = 'V-1' AND r.name = '周国平' AND h.point = '上塘'"
        ))
        .await,
        1
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM residents WHERE name = '顾建华' AND tags LIKE '%,low_income,%' AND relation = '02'").await,
        1
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM residents WHERE name = '马丽' AND ethnicity = '03' AND gender = '2'").await, 1);
    // the audit log has the import, not the people
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log").await, audit + 1);
    let log: Vec<(String,)> = shequ::platform::db::all_json(
        &t.db().conn,
        &["detail"],
        "SELECT after_json AS detail FROM audit_log WHERE entity = 'registry' \
         AND action = 'import' ORDER BY id DESC LIMIT 1",
        vec![],
    )
    .await
    .unwrap();
    assert!(
        log[0].0.contains("黄土塘人口.csv") && log[0].0.contains("sha256"),
        "{:?}",
        log
    );
    assert!(!log[0].0.contains("周国平"));
    // the staged file is gone; the same file again changes nothing
    assert_eq!(t.get(&preview, Some(&staff)).await.status, 404);
    let again = stage(&t, &staff, "黄土塘人口.csv", &village_csv()).await;
    let page = t.get(&again, Some(&staff)).await;
    let p = Page::parse(&page.body);
    assert!(
        p.text("#counts").contains("未变 5 人"),
        "{}",
        p.text("#counts")
    );
    assert!(page.body.contains("没有需要写入的内容"));
    assert!(!page.body.contains("id=\"confirm\""));
    // someone else's staged import is not theirs to see
    let other = t.session("staff2").await;
    assert_eq!(t.get(&again, Some(&other)).await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn three_bad_rows_among_ten_thousand_write_nothing_and_are_named() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let mut rows = vec!["户号,与户主关系,姓名,身份证号,性别".to_string()];
    for i in 0..10_000u32 {
        let household = format!("B{:05}", i / 3);
        let relation = ["户主", "配偶", "子"][(i % 3) as usize];
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let year = 1940 + (i / 336) % 60;
        let mut idn = id(
            "320205",
            &format!("{year}{month:02}{day:02}"),
            100 + i % 800,
        );
        let mut relation = relation.to_string();
        match i + 2 {
            // spreadsheet row 102: a wrong check character
            102 => {
                idn = format!(
                    "{}{}",
                    &idn[..17],
                    if idn.ends_with('0') { '1' } else { '0' }
                )
            }
            // row 5003: a date that does not exist
            5003 => idn = id("320205", "19900230", 5),
            // row 9999: a relation nobody uses
            9999 => relation = "邻居".into(),
            _ => {}
        }
        rows.push(format!("{household},{relation},张{i},{idn},"));
    }
    let file = (rows.join("\n") + "\n").into_bytes();
    let people = t.count("SELECT COUNT(*) FROM residents").await;
    let preview = stage(&t, &staff, "big.csv", &file).await;
    let page = t.get(&preview, Some(&staff)).await;
    assert_eq!(
        page.status,
        422,
        "{}",
        &page.body[..2000.min(page.body.len())]
    );
    let p = Page::parse(&page.body);
    let listed: Vec<String> = p.texts("#problems tbody tr td:first-child");
    assert_eq!(listed, ["102", "5003", "9999"], "{}", p.text("#problems"));
    assert!(p.text("#problems").contains("校验位"));
    assert!(p.text("#problems").contains("出生日期"));
    assert!(p.text("#problems").contains("与户主关系"));
    assert!(
        p.text("#counts").contains("有问题 3 行"),
        "{}",
        p.text("#counts")
    );
    assert!(!page.body.contains("id=\"confirm\""));
    // a confirmation sent anyway writes nothing
    let r = t.post(&format!("{preview}/confirm"), &staff, &[]).await;
    assert_eq!(r.status, 422);
    assert_eq!(t.count("SELECT COUNT(*) FROM residents").await, people);
    assert_eq!(
        t.count("SELECT COUNT(*) FROM households WHERE number LIKE 'B0%'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mapping_corrects_what_the_headers_did_not_say() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let file = "编号,称谓,名字\nM-1,户主,许一\nM-1,女,许二\n"
        .as_bytes()
        .to_vec();
    let preview = stage(&t, &staff, "odd.csv", &file).await;
    let page = t.get(&preview, Some(&staff)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("文件里没有这一列"), "{}", page.body);
    let r = t
        .post(
            &format!("{preview}/mapping"),
            &staff,
            &[
                ("col0", "household"),
                ("col1", "relation"),
                ("col2", "name"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = t.get(&preview, Some(&staff)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        Page::parse(&page.body)
            .text("#counts")
            .contains("新增 2 人")
    );
    let r = t.post(&format!("{preview}/confirm"), &staff, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.count(
            "SELECT COUNT(*) FROM residents WHERE name IN ('许一', '许二') AND household = 'M-1'"
        )
        .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_export_imported_again_changes_nothing() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let preview = stage(&t, &staff, "v.csv", &village_csv()).await;
    assert_eq!(
        t.post(&format!("{preview}/confirm"), &staff, &[])
            .await
            .status,
        303
    );
    let xlsx = raw(&t, &format!("/registry/export.xlsx?community={A}"), &staff).await;
    let rows = sheet(xlsx.clone());
    assert_eq!(rows[0][1], Data::String("户号".into()));
    let present = t
        .count(&format!(
            "SELECT COUNT(*) FROM residents WHERE community_code = '{A}' AND status = 'present'"
        ))
        .await;
    assert_eq!(rows.len() as i64, present + 1);
    assert!(
        rows.iter()
            .any(|r| r.contains(&Data::String("周国平".into())))
    );
    let changed = t
        .count("SELECT COALESCE(MAX(revision), 0) + COUNT(*) FROM residents")
        .await;
    let again = stage(&t, &staff, "export.xlsx", &xlsx).await;
    let page = t.get(&again, Some(&staff)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let counts = Page::parse(&page.body).text("#counts");
    assert!(
        counts.contains("新增 0 人") && counts.contains("修改 0 人"),
        "{counts}"
    );
    assert!(page.body.contains("没有需要写入的内容"));
    assert_eq!(
        t.count("SELECT COALESCE(MAX(revision), 0) + COUNT(*) FROM residents")
            .await,
        changed
    );
    // the town's export is masked; a department has none
    let town = t.session("donggang").await;
    let masked = sheet(raw(&t, &format!("/registry/export.xlsx?community={A}"), &town).await);
    assert!(
        masked
            .iter()
            .skip(1)
            .all(|r| !r.contains(&Data::String("周国平".into())))
    );
    assert!(
        masked
            .iter()
            .any(|r| r.contains(&Data::String("周**平".into()))
                || r.contains(&Data::String("周*平".into())))
    );
    let dept = t.session("minzheng").await;
    assert_eq!(t.get("/registry/export.csv", Some(&dept)).await.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_population_is_counted_from_the_registry_on_any_date() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let u = shequ::platform::auth::CurrentUser::system_admin("test");
    let counts = shequ::registry::population::counts(
        t.db(),
        &shequ::platform::config::Config::default()
            .district()
            .unwrap(),
        &u,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        None,
    )
    .await;
    let counts = counts.map_err(|e| e.describe()).unwrap();
    let present = t
        .count(
            "SELECT COUNT(*) FROM residents WHERE residence <> 'floating' \
             AND (arrived_on IS NULL OR arrived_on <= '2026-11-01') \
             AND (left_on IS NULL OR left_on > '2026-11-01')",
        )
        .await;
    assert_eq!(counts.total.permanent, present);
    assert!(counts.total.bands.iter().sum::<i64>() <= present);
    assert_eq!(counts.communities.len(), 130);
    // the sample holds 2 % of the statistics: every community is flagged
    assert!(counts.communities.iter().all(|c| c.flagged));
    let api = json(&t, "/api/v1/registry/population?on=2026-11-01", &admin).await;
    assert_eq!(api["total"]["permanent"], present);
    // a past date counts those who had not yet left
    let past = json(&t, "/api/v1/registry/population?on=2020-01-01", &admin).await;
    let then = t
        .count(
            "SELECT COUNT(*) FROM residents WHERE residence <> 'floating' \
             AND (arrived_on IS NULL OR arrived_on <= '2020-01-01') \
             AND (left_on IS NULL OR left_on > '2020-01-01')",
        )
        .await;
    assert_eq!(past["total"]["permanent"], then);
    let page = t.get("/registry?on=2026-11-01", Some(&admin)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("请核对"));
    assert_eq!(
        t.get("/registry?on=2999-01-01", Some(&admin)).await.status,
        422
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn full_numbers_are_shown_one_record_at_a_time_and_every_showing_is_logged() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let town = t.session("donggang").await;
    let admin = t.session("admin").await;
    let idn = id("320205", "19700707", 35);
    let r = t
        .post(
            "/hall/residents",
            &staff,
            &[
                ("name", "沈明月"),
                ("id_number", &idn),
                ("phone", "13951007777"),
                ("household", "R-1"),
                ("relation", "02"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rid = t
        .count(&format!(
            "SELECT id FROM residents WHERE id_number = '{idn}'"
        ))
        .await;
    // lists show the numbers masked, to the community's own staff too
    let list = json(
        &t,
        "/api/v1/residents?q=%E6%B2%88%E6%98%8E%E6%9C%88",
        &staff,
    )
    .await;
    assert_eq!(list["residents"][0]["name"], "沈明月");
    assert_eq!(list["residents"][0]["phone"], "139****7777");
    assert_eq!(t.count("SELECT COUNT(*) FROM access_log").await, 0);
    // the record shows them, and says so in the access log
    let one = json(&t, &format!("/api/v1/residents/{rid}"), &staff).await;
    assert_eq!(one["id_number"], idn.as_str());
    assert_eq!(one["phone"], "13951007777");
    assert_eq!(
        t.count(&format!("SELECT COUNT(*) FROM access_log WHERE resident_id = {rid} AND username = 'staff' AND fields = 'id_number,phone'")).await,
        1
    );
    // a town sees the household masked, and the full numbers only with a reason
    let hid = t
        .count(&format!(
            "SELECT household_id FROM residents WHERE id = {rid}"
        ))
        .await;
    let page = t
        .get(&format!("/registry/households/{hid}"), Some(&town))
        .await;
    assert!(!page.body.contains("13951007777") && !page.body.contains("沈明月"));
    let reveal = format!("/registry/households/{hid}/reveal");
    let r = t
        .post(
            &reveal,
            &town,
            &[("resident", &rid.to_string()), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请写明查看事由"), "{}", r.body);
    let r = t
        .post(
            &reveal,
            &town,
            &[("resident", &rid.to_string()), ("reason", "核实低保申请")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains(&idn) && r.body.contains("13951007777"),
        "{}",
        r.body
    );
    assert_eq!(
        t.count(&format!("SELECT COUNT(*) FROM access_log WHERE resident_id = {rid} AND username = 'donggang' AND reason = '核实低保申请'")).await,
        1
    );
    // the district sees who saw what, and exports everything held on the person
    let page = t
        .get(&format!("/registry/residents/{rid}/access"), Some(&admin))
        .await;
    assert_eq!(page.status, 200);
    let log = Page::parse(&page.body).text("#access");
    assert!(
        log.contains("东港镇 陈主任")
            && log.contains("核实低保申请")
            && log.contains("黄土塘村 周社工"),
        "{log}"
    );
    assert_eq!(
        t.get(&format!("/registry/residents/{rid}/access"), Some(&staff))
            .await
            .status,
        403
    );
    let export: serde_json::Value = serde_json::from_slice(
        &raw(
            &t,
            &format!("/registry/residents/{rid}/export.json"),
            &admin,
        )
        .await,
    )
    .unwrap();
    assert_eq!(export["person"]["id_number"], idn.as_str());
    assert_eq!(export["household_history"][0]["kind"], "move_in");
    assert!(export["seen_by"].as_array().unwrap().len() >= 2);
    // an export in full is logged for everyone in it
    let before = t.count("SELECT COUNT(*) FROM access_log").await;
    raw(&t, &format!("/registry/export.csv?community={A}"), &staff).await;
    let present = t
        .count(&format!(
            "SELECT COUNT(*) FROM residents WHERE community_code = '{A}' AND status = 'present'"
        ))
        .await;
    assert_eq!(
        t.count("SELECT COUNT(*) FROM access_log").await,
        before + present
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn likely_duplicates_are_merged_after_a_confirmation_keeping_both_histories() {
    let t = TestApp::demo().await;
    let staff = t.session("staff").await;
    let mut ids = vec![];
    for (idn, phone) in [
        ("", "13951008888"),
        (id("320205", "19500505", 41).as_str(), ""),
    ] {
        let r = t
            .post(
                "/hall/residents",
                &staff,
                &[
                    ("name", "吕长庚"),
                    ("id_number", idn),
                    ("birth_date", "1950-05-05"),
                    ("phone", phone),
                    ("household", "D-1"),
                    ("relation", "02"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        ids.push(t.count("SELECT MAX(id) FROM residents").await);
    }
    let page = t.get("/registry/duplicates", Some(&staff)).await;
    let n = t
        .count("SELECT COUNT(*) FROM residents WHERE name = '吕长庚' AND birth_date IS NOT NULL AND household_id IS NOT NULL AND status = 'present'")
        .await;
    assert!(
        page.body.contains("id=\"pairs\"")
            && Page::parse(&page.body).text("#pairs").contains("吕长庚"),
        "{n} {}",
        page.body
    );
    // the record with the ID number is kept
    let confirm = t
        .get(
            &format!(
                "/registry/duplicates/merge?keep={}&other={}",
                ids[1], ids[0]
            ),
            Some(&staff),
        )
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        Page::parse(&confirm.body).text("#moving").contains('1'),
        "one arrival moves"
    );
    let form = [("keep", ids[1].to_string()), ("other", ids[0].to_string())];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t.post("/registry/duplicates/merge", &staff, &pairs).await;
    assert_eq!(r.status, 422, "not without the confirmation");
    let mut confirmed = pairs.clone();
    confirmed.push(("confirm", "1"));
    let r = t
        .post("/registry/duplicates/merge", &staff, &confirmed)
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM residents WHERE id = {}",
            ids[0]
        ))
        .await,
        0
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM residents WHERE id = {} AND phone = '13951008888'",
            ids[1]
        ))
        .await,
        1,
        "the phone came from the other record"
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) FROM household_moves WHERE resident_id = {}",
            ids[1]
        ))
        .await,
        2
    );
    let page = t.get("/registry/duplicates?merged=1", Some(&staff)).await;
    assert!(page.body.contains("已合并"));
    assert!(!page.body.contains("吕长庚"), "the pair is gone");
    // a town merges nothing
    let town = t.session("donggang").await;
    assert_eq!(t.get("/registry/duplicates", Some(&town)).await.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn maintenance_anonymises_who_left_long_ago_and_forgets_old_views() {
    let t = TestApp::demo().await;
    let long_ago = t
        .count("SELECT COUNT(*) FROM residents WHERE status <> 'present' AND left_on < '2021-01-01' AND anonymised_at IS NULL")
        .await;
    // one who left long ago, one recently
    shequ::platform::db::exec(
        &t.db().conn,
        "UPDATE residents SET status = 'moved_out', left_on = '2015-06-01' WHERE id = (SELECT MIN(id) FROM residents WHERE status = 'present' AND community_code = ?)",
        shequ::vals![A],
    )
    .await
    .unwrap();
    let recent = t
        .count(
            "SELECT COUNT(*) FROM residents WHERE status <> 'present' AND left_on >= '2022-01-01'",
        )
        .await;
    let m = shequ::registry::access::maintain(
        t.db(),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    )
    .await
    .unwrap();
    assert!(m.anonymised as i64 > long_ago, "{m:?}");
    assert_eq!(
        t.count("SELECT COUNT(*) FROM residents WHERE status <> 'present' AND left_on < '2021-12-01' AND anonymised_at IS NULL").await,
        0
    );
    assert_eq!(
        t.count("SELECT COUNT(*) FROM residents WHERE status <> 'present' AND left_on >= '2022-01-01' AND anonymised_at IS NULL").await,
        recent
    );
    // the population of a past date still counts them
    assert_eq!(t.count("SELECT COUNT(*) FROM residents WHERE CAST(left_on AS TEXT) = '2015-06-01' AND name = '-'").await, 1);
    let v = shequ::platform::audit::verify(t.db()).await.unwrap();
    assert!(
        matches!(v, shequ::platform::audit::Verification::Intact { .. }),
        "{v:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_staff_import_a_village_file_and_find_the_new_household() {
    use fantoccini::Locator;
    let Some(b) = crate::browser::Browser::start().await else {
        return;
    };
    let file = std::env::temp_dir().join(format!("village-{}.csv", crate::hex_id()));
    std::fs::write(&file, village_csv()).unwrap();
    b.c.goto(&format!("{}/registry/import", b.base))
        .await
        .unwrap();
    b.sign_in("staff").await;
    b.c.goto(&format!("{}/registry/import", b.base))
        .await
        .unwrap();
    b.c.find(Locator::Id("import-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    crate::browser::follow(
        &b.c,
        Locator::Css("form[action='/registry/import'] button[type=submit]"),
    )
    .await;
    let body = b.body().await;
    assert!(body.contains("新增 5 人"), "{body}");
    b.shot("registry-preview.png").await;
    crate::browser::follow(&b.c, Locator::Id("confirm")).await;
    let body = b.body().await;
    assert!(body.contains("导入完成：新增 5 人"), "{body}");
    b.c.find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("V-3")
        .await
        .unwrap();
    crate::browser::follow(&b.c, Locator::Css("form[role=search] button[type=submit]")).await;
    crate::browser::follow(&b.c, Locator::Css("#households tbody a")).await;
    let body = b.body().await;
    assert!(
        body.contains("第 V-3 户") && body.contains("新村"),
        "{body}"
    );
    b.shot("registry-household.png").await;
    let _ = std::fs::remove_file(&file);
    b.c.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn per_capita_funding_follows_the_population_the_district_chose() {
    let t = TestApp::demo().await;
    let admin = t.session("admin").await;
    let staff = t.session("staff").await;
    // only the district sets it; a wrong value is refused
    let r = t
        .post(
            "/registry/settings",
            &staff,
            &[
                ("flag_pct", "5"),
                ("funding", "registry"),
                ("retention_years", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = t
        .post(
            "/registry/settings",
            &admin,
            &[
                ("flag_pct", "5"),
                ("funding", "both"),
                ("retention_years", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = t
        .post(
            "/registry/settings",
            &admin,
            &[
                ("flag_pct", "3"),
                ("funding", "registry"),
                ("retention_years", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = t
        .count("SELECT id FROM payment_batches WHERE year = 2026 AND kind = 'per_capita' AND status = 'draft'")
        .await;
    let r = t
        .post(&format!("/funding/batches/{draft}/delete"), &admin, &[])
        .await;
    assert_eq!(r.status, 303);
    let r = t
        .post(
            "/funding/batches/per-capita",
            &admin,
            &[
                ("year", "2026"),
                ("population_year", "2025"),
                ("rate", "10"),
                ("cap", "100,000,000"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    // 黄土塘's line is ten yuan for each of its permanent residents in the registry on 2025-12-31
    let counted = t
        .count(&format!(
            "SELECT COUNT(*) FROM residents WHERE community_code = '{A}' AND residence <> 'floating' \
             AND (arrived_on IS NULL OR arrived_on <= '2025-12-31') \
             AND (left_on IS NULL OR left_on > '2025-12-31')"
        ))
        .await;
    let line = t
        .count(&format!(
            "SELECT amount_fen FROM payment_lines WHERE batch_id = {id} AND community_code = '{A}'"
        ))
        .await;
    assert_eq!(line, counted * 1000);
    let page = t.get("/registry", Some(&admin)).await;
    assert!(
        page.body.contains("设置已保存") || page.body.contains("value=\"registry\" checked"),
        "{}",
        page.body
    );
}
