//! Demo self-government: the report's 26 registered and 125 filed civil organisations
//! (和谐义工 among the registered), rooms from each accepted centre's checklist, weekly
//! activities booked in them, meetings with announced topics, attendance and resolutions,
//! proposals with answers, the two boards, titles, volunteers and their verified service.
//! Bulk rows, one audit entry per kind of record.

use crate::platform::db::WriteTx;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sea_orm::{FromQueryResult, Value};

use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db};
use crate::platform::error::AppError;
use crate::platform::sample::Rng;
use crate::platform::sample::name;
use crate::platform::time::to_utc as utc;
use crate::platform::types::{CreditCode, DivisionCode};
use crate::vals;

mod life;
mod outcomes;

use life::*;
use outcomes::*;

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.describe())
}

fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN))
}

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.range(0, xs.len() as i64 - 1) as usize]
}

/// A valid credit code for a social organisation registered in the district: `51` (civil
/// affairs, social group) or `52` (private non-enterprise unit), the district's code, a
/// 9-character organisation code and the check character.
fn credit_code(kind_digit: char, district: &DivisionCode, seq: u64) -> String {
    let first17 = format!(
        "5{kind_digit}{}{:09}",
        &district.as_str()[..6],
        500_000 + seq
    );
    let check = CreditCode::check_char(&first17).unwrap_or(b'0') as char;
    format!("{first17}{check}")
}

const ORG_NAMES: &[(&str, &str)] = &[
    ("economic", "水蜜桃种植协会"),
    ("economic", "葡萄专业协会"),
    ("economic", "水产养殖协会"),
    ("economic", "农机服务协会"),
    ("charity", "慈善互助会"),
    ("charity", "爱心基金会"),
    ("social_service", "邻里互助社"),
    ("social_service", "居家养老服务社"),
    ("social_service", "调解志愿队"),
    ("culture_sports", "锡剧票友会"),
    ("culture_sports", "腰鼓队"),
    ("culture_sports", "书画社"),
    ("culture_sports", "健身舞蹈队"),
    ("culture_sports", "象棋协会"),
    ("elderly", "老年协会"),
    ("volunteer", "志愿者服务队"),
    ("volunteer", "巾帼志愿队"),
];

const SKILLS: &[&str] = &[
    "理发",
    "家电维修",
    "书法",
    "医疗护理",
    "法律咨询",
    "文艺",
    "心理疏导",
    "水电维修",
    "陪护老人",
    "辅导功课",
    "摄影",
    "驾驶",
];

const NOTICES: &[(&str, &str, &str, &str)] = &[
    (
        "openness",
        "finance",
        "第三季度村级财务收支公开",
        "本季度收入、支出明细已张贴，欢迎村民监督。对账目有疑问的，可到村委会查询。",
    ),
    (
        "openness",
        "decision",
        "村民代表会议决议公开",
        "经村民代表会议表决通过：道路硬化工程按方案实施，工程款由村集体和上级补助共同承担。",
    ),
    (
        "openness",
        "affairs",
        "低保及困难家庭救助名单公示",
        "拟享受救助的家庭名单公示七天，如有异议请向村委会反映。",
    ),
    (
        "publicity",
        "policy",
        "新型农村合作医疗缴费通知",
        "明年度合作医疗开始缴费，请于月底前到便民服务大厅办理。",
    ),
    (
        "publicity",
        "health",
        "秋冬季传染病预防知识",
        "勤洗手、常通风；老人和儿童可到社区卫生服务站接种疫苗。",
    ),
    (
        "publicity",
        "culture",
        "“和谐社区”文明家庭评选",
        "欢迎推荐身边的文明家庭、好婆媳、好邻里。",
    ),
];

const TOPICS: &[&str] = &[
    "村内道路硬化及路灯安装方案",
    "农村集中居住点规划意见征集",
    "村级公益事业“一事一议”筹资",
    "垃圾分类与河道保洁办法",
    "老年活动室开放时间调整",
    "便民服务大厅服务事项调整",
    "土地承包经营权流转办法",
    "文明家庭评选办法",
];

const PROPOSALS: &[&str] = &[
    "建议在村口增设公交站台",
    "建议老年活动室周末也开放",
    "建议增加健身器材",
    "建议河边安装护栏",
    "建议开设农技培训班",
    "建议路灯延长开灯时间",
    "建议在卫生站开设夜间门诊",
    "建议组织义务理发",
];

/// A weekly activity: kind, title, room, weekday from Monday (0), start and end (h, m).
type Series = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    (u32, u32),
    (u32, u32),
);

#[derive(FromQueryResult)]
struct RoomRow {
    id: i64,
    community_code: String,
    name: String,
}

/// Generate for the communities of today (`live`, sorted).
pub async fn generate(
    db: &Db,
    district: &DivisionCode,
    live: &[String],
    scale: u32,
    rng: &mut Rng,
) -> anyhow::Result<()> {
    let actor = Actor::system("demo");
    let t = db.clock().today();
    let now = db.clock().now();
    let tx = db.write_tx().await.map_err(err)?;
    titles(&tx, live, rng, t).await?;
    let rooms = rooms(&tx).await?;
    let (registered, filed) = (26 * scale as usize, 125 * scale as usize);
    let org_rows = organisations(&tx, district, live, (registered, filed), rng, (t, now)).await?;
    let rep_counts = representatives(&tx, live, rng).await?;
    let mut life = Life::default();
    for (ci, c) in live.iter().enumerate() {
        life.community(c, rep_counts[ci], &rooms, &org_rows, rng, (t, now));
        if ci % 500 == 499 {
            life.flush(&tx).await?;
        }
    }
    life.flush(&tx).await?;
    Life::link(&tx, now).await?;
    roll_call(&tx).await?;
    meeting_outcomes(&tx, rng, (t, now)).await?;
    service_records(&tx, rng, (t, now)).await?;
    audit::commit(
        tx,
        &actor,
        "import",
        "organisation",
        "demo",
        None::<&()>,
        Some(&serde_json::json!({"communities": live.len(), "registered": registered, "filed": filed})),
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// Today and now on the demo's clock.
type When = (NaiveDate, DateTime<Utc>);

/// Titles: about one community in four, 黄土塘 among them.
async fn titles(tx: &WriteTx, live: &[String], rng: &mut Rng, t: NaiveDate) -> anyhow::Result<()> {
    let mut tags = vec![];
    for (i, c) in live.iter().enumerate() {
        let has = c == "320205106203" || rng.range(0, 99) < 25;
        if !has {
            continue;
        }
        let n = rng.range(1, 2);
        let first = (i + rng.range(0, 3) as usize) % 4;
        for k in 0..n as usize {
            tags.push(vals![
                c.clone(),
                crate::geo::store::TAGS[(first + k) % 4],
                NaiveDate::from_ymd_opt(2008, 12, 20).unwrap_or(t)
            ]);
        }
    }
    db::insert_rows(
        tx,
        "community_tags",
        &["community_code", "tag", "awarded_on"],
        tags,
    )
    .await
    .map_err(err)?;

    Ok(())
}

/// The rooms of every community, made from the accepted checklists.
struct Rooms(Vec<RoomRow>);

impl Rooms {
    /// The id of the room `name` of community `code`.
    fn of(&self, code: &str, name: &str) -> Option<i64> {
        self.0
            .iter()
            .find(|r| r.community_code == code && r.name == name)
            .map(|r| r.id)
    }
}

async fn rooms(tx: &WriteTx) -> anyhow::Result<Rooms> {
    crate::selfgov::rooms::store::insert_checklist_rooms(tx, None)
        .await
        .map_err(err)?;
    let rooms: Vec<RoomRow> = db::all(
        tx,
        "SELECT id, community_code, name FROM rooms ORDER BY community_code, id",
        vals![],
    )
    .await
    .map_err(err)?;
    Ok(Rooms(rooms))
}

#[derive(FromQueryResult)]
struct OrgRow {
    id: i64,
    community_code: String,
}

/// Organisations: 26 registered (和谐义工 first) and 125 filed, per scale, with the 2025 review.
async fn organisations(
    tx: &WriteTx,
    district: &DivisionCode,
    live: &[String],
    (registered, filed): (usize, usize),
    rng: &mut Rng,
    (t, now): When,
) -> anyhow::Result<Vec<OrgRow>> {
    let mut orgs = vec![];
    let mut org_home: Vec<String> = vec![];
    for i in 0..registered + filed {
        let is_reg = i < registered;
        let c = if i == 0 {
            "320205106203".to_string()
        } else {
            live[rng.range(0, live.len() as i64 - 1) as usize].clone()
        };
        let (kind, base) = if i == 0 {
            ("volunteer", "和谐义工")
        } else {
            ORG_NAMES[rng.range(0, ORG_NAMES.len() as i64 - 1) as usize]
        };
        let org_name = if i == 0 {
            base.to_string()
        } else {
            format!("{base}（{}）", i)
        };
        let founded = NaiveDate::from_ymd_opt(
            rng.range(1995, 2008) as i32,
            rng.range(1, 12) as u32,
            rng.range(1, 28) as u32,
        )
        .unwrap_or(t);
        let (code, cert) = if is_reg {
            let kd = if matches!(kind, "social_service" | "elderly") {
                '2'
            } else {
                '1'
            };
            (
                Some(credit_code(kd, district, i as u64)),
                Some(format!("锡民社登字第{:04}号", i + 1)),
            )
        } else {
            (None, None)
        };
        let status = match rng.range(0, 99) {
            0..=89 => "active",
            90..=96 => "dormant",
            _ => "dissolved",
        };
        orgs.push(vals![
            c.clone(),
            org_name,
            kind,
            if is_reg { "registered" } else { "filed" },
            code,
            cert,
            founded,
            name(rng),
            rng.range(8, 120),
            status,
            now,
            now
        ]);
        org_home.push(c);
    }
    db::insert_rows(
        tx,
        "organisations",
        &[
            "community_code",
            "name",
            "kind",
            "standing",
            "credit_code",
            "certificate_no",
            "founded_on",
            "leader",
            "members",
            "status",
            "created_at",
            "updated_at",
        ],
        orgs,
    )
    .await
    .map_err(err)?;
    db::exec(
        tx,
        "INSERT INTO organisation_reviews (organisation_id, year, result, note, reviewed_by) \
         SELECT id, 2025, CASE WHEN status = 'active' THEN 'pass' ELSE 'basic' END, '', 'demo' \
         FROM organisations WHERE standing = 'registered'",
        vals![],
    )
    .await
    .map_err(err)?;
    let org_rows: Vec<OrgRow> = db::all(
        tx,
        "SELECT id, community_code FROM organisations ORDER BY id",
        vals![],
    )
    .await
    .map_err(err)?;

    Ok(org_rows)
}

/// Villager representatives, 15 to 35 a community (a name repeated within one kept once): how
/// many each community was given.
async fn representatives(tx: &WriteTx, live: &[String], rng: &mut Rng) -> anyhow::Result<Vec<i64>> {
    let mut reps = vec![];
    let mut rep_counts = vec![];
    for c in live {
        let n = rng.range(15, 35);
        rep_counts.push(n);
        for k in 0..n {
            reps.push(vals![
                c.clone(),
                format!(
                    "{}{}",
                    name(rng),
                    if k % 7 == 0 { "（妇女代表）" } else { "" }
                ),
                format!("第{}村民小组", k % 8 + 1),
                true
            ]);
        }
    }
    // names may repeat within a community: keep the first
    let mut seen = std::collections::HashSet::new();
    reps.retain(|r| seen.insert(format!("{:?}{:?}", r[0], r[1])));
    db::insert_rows(
        tx,
        "representatives",
        &["community_code", "name", "group_name", "active"],
        reps,
    )
    .await
    .map_err(err)?;

    Ok(rep_counts)
}
