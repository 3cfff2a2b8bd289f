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
    audit::record(
        &tx,
        &actor,
        "import",
        "organisation",
        "demo",
        None::<&()>,
        Some(&serde_json::json!({"communities": live.len(), "registered": registered, "filed": filed})),
    )
    .await
    .map_err(err)?;
    tx.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
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
                crate::selfgov::store::TAGS[(first + k) % 4],
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

/// Every community's public life, as rows: meetings (and their bookings), proposals, notices,
/// activities (and theirs), volunteers.
#[derive(Default)]
struct Life {
    meetings: Vec<Vec<Value>>,
    bookings: Vec<Vec<Value>>,
    activities: Vec<Vec<Value>>,
    proposals: Vec<Vec<Value>>,
    notices: Vec<Vec<Value>>,
    volunteers: Vec<Vec<Value>>,
}

impl Life {
    /// One community's rows, each kind in turn.
    fn community(
        &mut self,
        c: &str,
        reps: i64,
        rooms: &Rooms,
        orgs: &[OrgRow],
        rng: &mut Rng,
        when: When,
    ) {
        self.meetings_of(c, reps, rooms, rng, when);
        self.proposals_of(c, rng, when);
        self.notices_of(c, rng, when);
        self.activities_of(c, rooms, rng, when);
        self.volunteers_of(c, orgs, rng, when.0);
    }

    /// Meetings: four in the past year, one or two ahead, in the office when it has one.
    fn meetings_of(&mut self, c: &str, reps: i64, rooms: &Rooms, rng: &mut Rng, (t, now): When) {
        let office = rooms
            .of(c, "党员活动室")
            .or_else(|| rooms.of(c, "社区办公室"));
        let place = if office.is_none() {
            "村委会会议室"
        } else {
            ""
        };
        for k in 0..6 {
            let days: i64 = match k {
                0..=3 => -(30 + 80 * k as i64 + rng.range(0, 20)),
                4 => rng.range(8, 20),
                _ => rng.range(21, 40),
            };
            let d = t + Duration::days(days);
            let kind = match k {
                0 | 2 | 4 => "representative_assembly",
                _ => "villager_forum",
            };
            let (s, e) = (at(d, 19, 0), at(d, 21, 0));
            let title = format!(
                "{}年第{}次{}",
                d.format("%Y"),
                k + 1,
                if kind == "villager_forum" {
                    "村民论坛"
                } else {
                    "村民代表会议"
                }
            );
            if let Some(r) = office {
                self.bookings.push(vals![
                    r,
                    title.clone(),
                    "村委会",
                    utc(s),
                    utc(e),
                    "demo",
                    now
                ]);
            }
            let (list, present) = if days < 0 {
                if kind == "representative_assembly" {
                    let l = reps;
                    (Some(l), Some((l * 3 / 4 + rng.range(0, l / 4)).min(l)))
                } else {
                    (None, Some(rng.range(20, 90)))
                }
            } else {
                (None, None)
            };
            self.meetings.push(vals![
                c.to_string(),
                kind,
                title,
                utc(s),
                utc(e),
                office,
                place,
                list,
                present,
                if days < 0 {
                    "会议按议程进行，与会人员充分讨论，形成决议。"
                } else {
                    ""
                },
                "demo",
                now,
                now
            ]);
        }
    }

    /// Proposals over two years, in every state.
    fn proposals_of(&mut self, c: &str, rng: &mut Rng, (t, now): When) {
        for k in 0..rng.range(4, 10) {
            let received = t - Duration::days(rng.range(5, 700));
            let (status, answer, reason, answered, implemented) = match k % 5 {
                0 => ("received", "", "", None, None),
                1 => ("under_study", "", "", None, None),
                2 => (
                    "adopted",
                    "已采纳，列入明年村级公益事业计划。",
                    "",
                    Some(received + Duration::days(rng.range(3, 30))),
                    None,
                ),
                3 => (
                    "not_adopted",
                    "经村民代表会议讨论，暂不实施。",
                    "村集体经费不足，且多数代表认为不急需。",
                    Some(received + Duration::days(rng.range(5, 40))),
                    None,
                ),
                _ => {
                    let a = received + Duration::days(rng.range(3, 20));
                    (
                        "implemented",
                        "已采纳并落实。",
                        "",
                        Some(a),
                        Some((a + Duration::days(rng.range(10, 60))).min(t)),
                    )
                }
            };
            let answered = answered.map(|a: NaiveDate| a.min(t));
            self.proposals.push(vals![
                c.to_string(),
                if k % 3 == 0 {
                    "representative"
                } else {
                    "resident"
                },
                name(rng),
                pick(rng, PROPOSALS),
                "",
                status,
                answer,
                reason,
                received,
                answered,
                implemented,
                now
            ]);
        }
    }

    /// Notices: each board, one expired.
    fn notices_of(&mut self, c: &str, rng: &mut Rng, (t, now): When) {
        for (k, (board, cat, title, body)) in NOTICES.iter().enumerate() {
            let publish = t - Duration::days(rng.range(1, 60) + if k == 2 { 60 } else { 0 });
            let expire = if k == 2 {
                Some(publish + Duration::days(7))
            } else {
                None
            };
            self.notices.push(vals![
                c.to_string(),
                *board,
                *cat,
                *title,
                *body,
                publish,
                expire,
                "demo",
                now,
                now
            ]);
        }
    }

    /// Activities: weekly series in the rooms from 120 days back to 60 ahead, and a
    /// performance and a sports contest each month on the field.
    fn activities_of(&mut self, c: &str, rooms: &Rooms, rng: &mut Rng, (t, now): When) {
        let start = crate::selfgov::rooms::store::monday(t - Duration::days(120));
        let series: [Series; 4] = [
            (
                "chess_cards",
                "棋牌娱乐",
                "老年活动室",
                1,
                (14, 0),
                (16, 30),
            ),
            (
                "fitness_dance",
                "广场健身舞",
                "室外活动场地",
                0,
                (19, 0),
                (20, 30),
            ),
            (
                "education",
                "居民学校：农技讲座",
                "居民学校（教室）",
                3,
                (19, 0),
                (20, 30),
            ),
            ("calligraphy", "书画交流", "图书阅览室", 5, (9, 0), (11, 0)),
        ];
        for (kind, title, room_name, weekday, (sh, sm), (eh, em)) in series {
            let room = rooms.of(c, room_name).or_else(|| {
                if kind == "chess_cards" {
                    rooms.of(c, "文体活动室")
                } else {
                    None
                }
            });
            let mut d = start + Duration::days(weekday);
            while d <= t + Duration::days(60) {
                let (s, e) = (at(d, sh, sm), at(d, eh, em));
                let cancelled = rng.range(0, 99) < 2;
                if let Some(r) = room {
                    self.bookings
                        .push(vals![r, title, "社区", utc(s), utc(e), "demo", now]);
                }
                self.activities.push(vals![
                    c.to_string(),
                    kind,
                    title,
                    "",
                    utc(s),
                    utc(e),
                    room,
                    if room.is_none() {
                        "村委会门前广场"
                    } else {
                        ""
                    },
                    "社区居委会",
                    (d < t).then(|| rng.range(10, 60)),
                    cancelled,
                    now
                ]);
                d += Duration::days(7);
            }
        }
        // a performance and a sports contest each month on the field
        for m in 0..6 {
            let d = start + Duration::days(5 + 28 * m + 1);
            let room = rooms.of(c, "室外活动场地");
            let (kind, title, s, e) = if m % 2 == 0 {
                ("performance", "文艺表演晚会", at(d, 18, 30), at(d, 20, 30))
            } else {
                ("sports", "村民趣味运动会", at(d, 8, 30), at(d, 11, 30))
            };
            if let Some(r) = room {
                self.bookings
                    .push(vals![r, title, "社区", utc(s), utc(e), "demo", now]);
            }
            self.activities.push(vals![
                c.to_string(),
                kind,
                title,
                "欢迎村民参加。",
                utc(s),
                utc(e),
                room,
                if room.is_none() {
                    "村委会门前广场"
                } else {
                    ""
                },
                "社区文体队",
                (d < t).then(|| rng.range(50, 300)),
                false,
                now
            ]);
        }
    }

    /// Volunteers, some in the community's organisations.
    fn volunteers_of(&mut self, c: &str, orgs: &[OrgRow], rng: &mut Rng, t: NaiveDate) {
        let local_orgs: Vec<i64> = orgs
            .iter()
            .filter(|o| o.community_code == c)
            .map(|o| o.id)
            .collect();
        for _ in 0..rng.range(8, 25) {
            let org = if !local_orgs.is_empty() && rng.range(0, 2) == 0 {
                Some(local_orgs[rng.range(0, local_orgs.len() as i64 - 1) as usize])
            } else {
                None
            };
            self.volunteers.push(vals![
                c.to_string(),
                name(rng),
                "",
                pick(rng, SKILLS),
                rng.range(0, 9) < 3,
                org,
                t - Duration::days(rng.range(30, 1500)),
                true
            ]);
        }
    }

    /// Insert the rows made so far and let them go (the larger synthetic districts would hold
    /// millions of activities and bookings): the same rows in the same order, whenever flushed.
    async fn flush(&mut self, tx: &WriteTx) -> anyhow::Result<()> {
        let Life {
            meetings,
            bookings,
            activities,
            proposals,
            notices,
            volunteers,
        } = std::mem::take(self);
        db::insert_rows(
            tx,
            "meetings",
            &[
                "community_code",
                "kind",
                "title",
                "starts_at",
                "ends_at",
                "room_id",
                "place",
                "list_size",
                "present",
                "minutes",
                "created_by",
                "created_at",
                "updated_at",
            ],
            meetings,
        )
        .await
        .map_err(err)?;
        db::insert_rows(
            tx,
            "bookings",
            &[
                "room_id",
                "title",
                "organiser",
                "starts_at",
                "ends_at",
                "created_by",
                "created_at",
            ],
            bookings,
        )
        .await
        .map_err(err)?;
        db::insert_rows(
            tx,
            "activities",
            &[
                "community_code",
                "kind",
                "title",
                "description",
                "starts_at",
                "ends_at",
                "room_id",
                "place",
                "organiser",
                "participants",
                "cancelled",
                "updated_at",
            ],
            activities,
        )
        .await
        .map_err(err)?;
        db::insert_rows(
            tx,
            "proposals",
            &[
                "community_code",
                "source",
                "author",
                "title",
                "body",
                "status",
                "answer",
                "reason",
                "received_on",
                "answered_on",
                "implemented_on",
                "updated_at",
            ],
            proposals,
        )
        .await
        .map_err(err)?;
        db::insert_rows(
            tx,
            "notices",
            &[
                "community_code",
                "board",
                "category",
                "title",
                "body",
                "publish_on",
                "expire_on",
                "created_by",
                "created_at",
                "updated_at",
            ],
            notices,
        )
        .await
        .map_err(err)?;
        db::insert_rows(
            tx,
            "volunteers",
            &[
                "community_code",
                "name",
                "phone",
                "skills",
                "party_member",
                "organisation_id",
                "joined_on",
                "active",
            ],
            volunteers,
        )
        .await
        .map_err(err)?;

        Ok(())
    }

    /// Link activities and meetings to their bookings; cancelled activities free theirs.
    async fn link(tx: &WriteTx, now: DateTime<Utc>) -> anyhow::Result<()> {
        for table in ["activities", "meetings"] {
            db::exec(
                tx,
                &format!(
                    "UPDATE {table} SET booking_id = (SELECT b.id FROM bookings b \
                     WHERE b.room_id = {table}.room_id AND b.starts_at = {table}.starts_at \
                     AND b.cancelled_at IS NULL) WHERE room_id IS NOT NULL"
                ),
                vals![],
            )
            .await
            .map_err(err)?;
        }
        db::exec(
            tx,
            "UPDATE bookings SET cancelled_at = ? \
             WHERE id IN (SELECT booking_id FROM activities WHERE cancelled AND booking_id IS NOT NULL)",
            vals![now],
        )
        .await
        .map_err(err)?;
        Ok(())
    }
}

/// The roll call and the list must agree: present is the ticked names.
async fn roll_call(tx: &WriteTx) -> anyhow::Result<()> {
    db::exec(
        tx,
        "INSERT INTO meeting_attendance (meeting_id, representative_id) \
         SELECT m.id, r.id FROM meetings m JOIN representatives r ON r.community_code = m.community_code \
         WHERE m.list_size IS NOT NULL AND m.present IS NOT NULL AND \
           (SELECT COUNT(*) FROM representatives x WHERE x.community_code = r.community_code \
            AND x.id < r.id) < m.present",
        vals![],
    )
    .await
    .map_err(err)?;
    db::exec(
        tx,
        "UPDATE meetings SET list_size = (SELECT COUNT(*) FROM representatives r \
           WHERE r.community_code = meetings.community_code), \
         present = (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = meetings.id) \
         WHERE list_size IS NOT NULL",
        vals![],
    )
    .await
    .map_err(err)?;

    Ok(())
}

/// Topics, resolutions and tasks of the meetings.
async fn meeting_outcomes(tx: &WriteTx, rng: &mut Rng, (t, now): When) -> anyhow::Result<()> {
    #[derive(FromQueryResult)]
    struct M {
        id: i64,
        kind: String,
        starts_at: chrono::DateTime<Utc>,
        list_size: Option<i64>,
        present: Option<i64>,
    }
    let ms: Vec<M> = db::all(
        tx,
        "SELECT id, kind, starts_at, list_size, present FROM meetings ORDER BY id",
        vals![],
    )
    .await
    .map_err(err)?;
    let mut topics = vec![];
    let mut resolutions = vec![];
    for m in &ms {
        let ahead = if m.kind == "villager_forum" { 7 } else { 5 };
        for k in 0..rng.range(1, 3) {
            let late = m.kind == "villager_forum" && rng.range(0, 9) == 0;
            let lead = if late {
                ahead - 2
            } else {
                ahead + rng.range(0, 4)
            };
            topics.push(vals![
                m.id,
                TOPICS[((m.id + k) as usize) % TOPICS.len()],
                "请村民提前了解方案，会上讨论。",
                (m.starts_at - Duration::days(lead) - Duration::hours(3))
                    .min(now - Duration::hours(rng.range(2, 48))),
                late.then_some(2i64)
            ]);
        }
        if let Some(present) = m.present.filter(|p| *p > 0) {
            let quorate = m.list_size.is_none_or(|l| present * 3 > l * 2);
            let votes_for = rng.range(present / 2 + 1, present.max(1));
            let against = rng.range(0, present - votes_for);
            let abstain = present - votes_for - against;
            resolutions.push(vals![
                m.id,
                "同意按方案实施，由村委会负责落实。",
                votes_for,
                against,
                abstain,
                quorate,
                m.starts_at + Duration::hours(2)
            ]);
        }
    }
    db::insert_rows(
        tx,
        "meeting_topics",
        &["meeting_id", "title", "body", "published_at", "short_days"],
        topics,
    )
    .await
    .map_err(err)?;
    db::insert_rows(
        tx,
        "resolutions",
        &[
            "meeting_id",
            "text",
            "votes_for",
            "votes_against",
            "abstentions",
            "passed",
            "recorded_at",
        ],
        resolutions,
    )
    .await
    .map_err(err)?;
    db::exec(
        tx,
        "INSERT INTO meeting_tasks (meeting_id, resolution_id, description, owner, due_on, done_on) \
         SELECT r.meeting_id, r.id, '按决议组织实施并向村民报告进度', '村委会主任', ?, \
           CASE WHEN r.id % 3 = 0 THEN NULL ELSE ? END \
         FROM resolutions r WHERE r.passed",
        vals![t + Duration::days(30), t - Duration::days(3)],
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// Service records: a few per volunteer, most verified.
async fn service_records(tx: &WriteTx, rng: &mut Rng, (t, now): When) -> anyhow::Result<()> {
    #[derive(FromQueryResult)]
    struct V {
        id: i64,
        community_code: String,
        organisation_id: Option<i64>,
    }
    let vs: Vec<V> = db::all(
        tx,
        "SELECT id, community_code, organisation_id FROM volunteers ORDER BY id",
        vals![],
    )
    .await
    .map_err(err)?;
    let mut records = vec![];
    for v in &vs {
        for _ in 0..rng.range(1, 6) {
            let verified = rng.range(0, 9) < 8;
            let served = t - Duration::days(rng.range(1, 300));
            records.push(vals![
                v.id,
                v.community_code.clone(),
                v.organisation_id,
                served,
                pick(
                    rng,
                    &[
                        "为孤寡老人上门服务",
                        "河道清洁",
                        "义务理发",
                        "活动现场秩序维护",
                        "邻里纠纷调解",
                        "助学辅导"
                    ]
                ),
                rng.range(1, 8) * 5,
                verified.then_some("staff"),
                verified.then_some(now),
                "demo",
                now
            ]);
        }
    }
    db::insert_rows(
        tx,
        "service_records",
        &[
            "volunteer_id",
            "community_code",
            "organisation_id",
            "served_on",
            "description",
            "tenths",
            "verified_by",
            "verified_at",
            "created_by",
            "created_at",
        ],
        records,
    )
    .await
    .map_err(err)?;
    Ok(())
}
