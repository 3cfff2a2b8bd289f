//! The demo's guidelines and assessment, after the 2008 plan: the first departments' community
//! work guidelines (卫生, 劳动保障, 综治) with their subsidy rules, the district's harmonious-
//! community template (six requirements, titles), the "2008 年度考核" round scored, signed off
//! and its subsidies paid, and this year's round open with some sheets on their way.

use chrono::{Datelike, Utc};
use sea_orm::Value;

use crate::assessment::rules::{IndicatorInput, Title};
use crate::assessment::store::{self, GuidelineInput};
use crate::platform::audit;
use crate::platform::auth::{Actor, CurrentUser};
use crate::platform::db::{self, Db};
use crate::platform::error::AppError;
use crate::platform::sample::Rng;
use crate::platform::types::DivisionCode;
use crate::vals;

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.describe())
}

/// (category, name, max points, method, deduction)
type Ind = (&'static str, &'static str, i64, &'static str, bool);

struct Spec {
    department: Option<&'static str>,
    title: &'static str,
    summary: &'static str,
    basis: &'static str,
    subsidy_yuan: i64,
    items: &'static [(&'static str, &'static str, &'static str)],
    indicators: &'static [Ind],
    titles: &'static [(&'static str, &'static str, i64)],
}

const SPECS: &[Spec] = &[
    Spec {
        department: Some("weisheng"),
        title: "社区卫生服务工作指引",
        summary: "小病不出社区：社区卫生服务站建设、健康档案、慢病管理和健康教育，由区卫生局按考核结果给予补助。",
        basis: "fixed",
        subsidy_yuan: 20_000,
        items: &[
            (
                "社区卫生服务站",
                "按标准设置，配备全科医生和护士",
                "每站至少 1 名全科医生",
            ),
            ("居民健康档案", "建立居民健康档案并动态更新", "建档率 ≥ 80%"),
        ],
        indicators: &[
            ("", "卫生服务站设置与人员配备", 30, "field_visit", false),
            ("", "居民健康档案建档率", 30, "material", false),
            ("", "慢病随访管理", 20, "report", false),
            ("", "居民对卫生服务满意度", 20, "survey", false),
        ],
        titles: &[],
    },
    Spec {
        department: Some("laodong"),
        title: "社区劳动保障工作指引",
        summary: "求职不出社区：就业登记、职业介绍、社会保险代办，按常住人口给予工作经费补助。",
        basis: "per_capita",
        subsidy_yuan: 1,
        items: &[
            (
                "就业服务",
                "登记失业人员，提供职业介绍",
                "就业困难人员帮扶率 100%",
            ),
            ("社保代办", "代办社会保险参保和待遇申领", "当日受理"),
        ],
        indicators: &[
            ("", "就业登记与职业介绍", 40, "material", false),
            ("", "社会保险代办", 30, "field_visit", false),
            ("", "劳动保障台账（缺一项扣 2 分）", 30, "material", true),
        ],
        titles: &[],
    },
    Spec {
        department: Some("zongzhi"),
        title: "社区综治工作指引",
        summary: "小事不出社区：矛盾纠纷排查调解、治安防范和警务室建设。",
        basis: "fixed",
        subsidy_yuan: 10_000,
        items: &[("矛盾调解", "建立调解组织，定期排查", "调解成功率 ≥ 95%")],
        indicators: &[
            ("", "矛盾纠纷排查调解", 50, "report", false),
            ("", "治安防范与警务室", 50, "field_visit", false),
        ],
        titles: &[],
    },
    Spec {
        department: None,
        title: "和谐社区创建考核模板",
        summary: "和谐社区六条要求：居民自治、管理有序、服务完善、治安良好、环境优美、文明祥和。",
        basis: "none",
        subsidy_yuan: 0,
        items: &[],
        indicators: &[
            (
                "居民自治",
                "村（居）民代表会议和村务公开",
                20,
                "material",
                false,
            ),
            ("管理有序", "社区工作制度和台账", 15, "material", false),
            (
                "服务完善",
                "服务中心运行与便民服务",
                20,
                "field_visit",
                false,
            ),
            (
                "治安良好",
                "刑事案件和治安事件（每起扣 5 分）",
                15,
                "report",
                true,
            ),
            ("环境优美", "村容村貌与环境卫生", 15, "field_visit", false),
            (
                "文明祥和",
                "文体活动、志愿服务与居民满意度",
                15,
                "survey",
                false,
            ),
        ],
        titles: &[
            ("和谐社区", "", 90),
            ("服务型社区", "服务完善", 95),
            ("温馨型社区", "文明祥和", 95),
        ],
    },
];

pub async fn generate(db: &Db, district: &DivisionCode, rng: &mut Rng) -> anyhow::Result<()> {
    let admin = CurrentUser::system_admin("demo");
    let actor = Actor::system("demo");
    let mut ids = vec![];
    for spec in SPECS {
        let department = match spec.department {
            Some(code) => db::scalar(
                &db.conn,
                "SELECT id FROM departments WHERE code = ?",
                vals![code],
            )
            .await
            .map_err(err)?,
            None => None,
        };
        let input = GuidelineInput {
            department_id: department,
            year: 2008,
            title: spec.title.into(),
            summary: spec.summary.into(),
            subsidy_basis: spec.basis.into(),
            subsidy_fen: spec.subsidy_yuan * 100,
            full_at: 90,
            zero_below: 60,
            items: spec
                .items
                .iter()
                .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
                .collect(),
            indicators: spec
                .indicators
                .iter()
                .enumerate()
                .map(|(row, (c, n, m, method, d))| IndicatorInput {
                    row,
                    category: (*c).into(),
                    name: (*n).into(),
                    max_x10: Some(m * 10),
                    method: (*method).into(),
                    deduction: *d,
                    measure: String::new(),
                })
                .collect(),
            titles: spec
                .titles
                .iter()
                .map(|(t, c, p)| Title {
                    title: (*t).into(),
                    category: (*c).into(),
                    min_pct: *p,
                })
                .collect(),
            revision: None,
        };
        let id = store::save_guideline(db, &admin, None, &input)
            .await
            .map_err(err)?;
        store::publish(db, &admin, id).await.map_err(err)?;
        ids.push(id);
    }
    // 2008: everyone assessed, signed off, subsidies paid.
    let round = store::create_round(db, district, &admin, 2008, "2008 年度考核", &ids)
        .await
        .map_err(err)?;
    let december = chrono::NaiveDate::from_ymd_opt(2008, 12, 10)
        .and_then(|d| d.and_hms_opt(2, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or_else(|| db.clock().now());
    fill(db, round, &ids, rng, december, |_| 3).await?;
    store::sign_off(db, &admin, round).await.map_err(err)?;
    db::exec(
        &db.conn,
        "UPDATE assessment_rounds SET created_at = ?, signed_off_at = ? WHERE id = ?",
        vals![
            december - chrono::Days::new(60),
            december + chrono::Days::new(5),
            round
        ],
    )
    .await
    .map_err(err)?;
    for g in &ids {
        match store::create_guideline_batch(db, district, &actor, round, *g).await {
            Ok(batch) => {
                crate::funding::store::step(db, &actor, batch, "approve")
                    .await
                    .map_err(err)?;
                crate::funding::store::step(db, &actor, batch, "pay")
                    .await
                    .map_err(err)?;
            }
            Err(AppError::Invalid(_)) => {} // the template pays nothing
            Err(e) => return Err(err(e)),
        }
    }
    // This year: open; some communities have submitted, a few are reviewed and scored.
    let year = db.clock().today().year();
    let round = store::create_round(
        db,
        district,
        &admin,
        i64::from(year),
        &format!("{year} 年度考核"),
        &ids,
    )
    .await
    .map_err(err)?;
    fill(db, round, &ids, rng, db.clock().now(), |code| {
        // staff's 黄土塘 has not started; every third community is fully scored
        if code.ends_with("106203") {
            0
        } else {
            (code.bytes().map(u32::from).sum::<u32>() % 4) as u8
        }
    })
    .await?;
    Ok(())
}

/// Fill a round's sheets in bulk: stage 1 self-assessed, 2 and town-reviewed, 3 and scored.
async fn fill(
    db: &Db,
    round: i64,
    guidelines: &[i64],
    rng: &mut Rng,
    now: chrono::DateTime<Utc>,
    stage: impl Fn(&str) -> u8,
) -> anyhow::Result<()> {
    #[derive(sea_orm::FromQueryResult)]
    struct S {
        id: i64,
        community_code: String,
    }
    let sheets: Vec<S> = db::all(
        &db.conn,
        "SELECT id, community_code FROM assessment_sheets WHERE round_id = ? ORDER BY community_code",
        vals![round],
    )
    .await
    .map_err(err)?;
    let mut indicators = vec![];
    for g in guidelines {
        indicators.extend(
            store::guideline(&db.conn, &CurrentUser::system_admin("demo"), *g)
                .await
                .map_err(err)?
                .indicators,
        );
    }
    let tx = db.write_tx().await.map_err(err)?;
    let mut rows: Vec<Vec<Value>> = vec![];
    let (mut selfs, mut reviews) = (vec![], vec![]);
    for s in &sheets {
        let st = stage(&s.community_code);
        if st == 0 {
            continue;
        }
        selfs.push(s.id);
        if st >= 2 {
            reviews.push(s.id);
        }
        // a community's quality: most do well, a few poorly
        let quality = rng.range(55, 100);
        for i in &indicators {
            let claimed = if i.deduction {
                0
            } else {
                i.max_x10 * quality.min(98) / 100
            };
            let points = if st >= 3 {
                Some(if i.deduction {
                    // deductions: mostly none, sometimes a few points, rarely more than the max
                    match rng.range(0, 9) {
                        0..=5 => 0,
                        6..=7 => 20,
                        _ => i.max_x10 + 10,
                    }
                } else {
                    (i.max_x10 * (quality + rng.range(-6, 4)).clamp(0, 100) / 100).max(0)
                })
            } else {
                None
            };
            rows.push(vec![
                s.id.into(),
                i.id.into(),
                Some(claimed).into(),
                "台账、照片、会议记录".into(),
                points.into(),
                if points.is_some() { "现场核查" } else { "" }.into(),
                points.map(|_| "demo".to_string()).into(),
                points.map(|_| now).into(),
            ]);
        }
        // a round of the larger synthetic districts has millions of scores: insert as we go
        if rows.len() >= 20_000 {
            insert_scores(&tx, std::mem::take(&mut rows)).await?;
        }
    }
    insert_scores(&tx, rows).await?;
    for (ids, sql) in [
        (
            &selfs,
            "UPDATE assessment_sheets SET self_by = 'demo', self_at = ?, self_note = '自评材料已齐' WHERE id IN ",
        ),
        (
            &reviews,
            "UPDATE assessment_sheets SET town_by = 'demo', town_at = ?, town_note = '材料属实，同意上报' WHERE id IN ",
        ),
    ] {
        for chunk in ids.chunks(500) {
            let ph = vec!["?"; chunk.len()].join(",");
            let mut v: Vec<Value> = vals![now];
            v.extend(chunk.iter().map(|i| Value::from(*i)));
            db::exec(&tx, &format!("{sql}({ph})"), v)
                .await
                .map_err(err)?;
        }
    }
    audit::commit(
        tx,
        &Actor::system("demo"),
        "import",
        "assessment_sheet",
        &format!("{round}"),
        None::<&()>,
        Some(&serde_json::json!({"round": round, "self_assessed": selfs.len(), "reviewed": reviews.len()})),
    )
    .await
    .map_err(err)?;
    Ok(())
}

async fn insert_scores(
    tx: &crate::platform::db::WriteTx,
    rows: Vec<Vec<Value>>,
) -> anyhow::Result<()> {
    db::insert_rows(
        tx,
        "assessment_scores",
        &[
            "sheet_id",
            "indicator_id",
            "self_x10",
            "evidence",
            "points_x10",
            "note",
            "scored_by",
            "scored_at",
        ],
        rows,
    )
    .await
    .map_err(err)?;
    Ok(())
}
