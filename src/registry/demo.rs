//! The demo's whole registry: as many people as each community's latest permanent population
//! (about 397,000 in about 140,000 households × scale), in households of plausible shape -
//! a head, a spouse, children, now and then a parent or grandchildren - with ages that make a
//! Jiangsu district's pyramid (few children, many in their fifties and sixties), registered
//! here or elsewhere (常住), a few floating people on top, the special groups at plausible
//! shares, and a little history: people who moved out or died in recent years.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::Value;

use crate::platform::db::{self, Db, WriteTx};
use crate::platform::error::Result;
use crate::platform::sample::Rng;
use crate::platform::types::IdNumber;
use crate::registry::save::PERSON_COLUMNS;
use crate::vals;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "高", "顾", "钱",
    "沈", "华", "蒋", "邹", "过", "秦", "尤", "许", "何", "吕", "施", "孔", "曹", "严", "金", "陆",
    "邵", "浦", "缪", "薛", "殷", "季", "唐", "蔡", "丁", "范", "胡", "马", "邱", "任", "姚", "谢",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "英", "华", "平", "国", "建", "志", "海", "燕", "玉", "兰", "秀", "红", "康", "文", "佳",
    "欣", "宇", "浩", "婷", "晨", "雨", "梅", "根", "福", "荣", "琴", "凤", "林", "峰", "霞", "斌",
];

/// The ID numbers' order digits start here: the hall's demo residents use 000.
const FIRST_ORDER: i64 = 1;

fn name(rng: &mut Rng) -> String {
    let s = SURNAMES[rng.range(0, SURNAMES.len() as i64 - 1) as usize];
    let a = GIVEN[rng.range(0, GIVEN.len() as i64 - 1) as usize];
    if rng.range(0, 3) == 0 {
        format!("{s}{a}")
    } else {
        let b = GIVEN[rng.range(0, GIVEN.len() as i64 - 1) as usize];
        format!("{s}{a}{b}")
    }
}

/// The hall's demo residents by community: (id, community, ID number).
type HallBy<'a> = HashMap<&'a str, Vec<&'a (i64, String, Option<String>)>>;

/// One generated person.
struct Person {
    household: usize,
    relation: &'static str,
    male: bool,
    birth: NaiveDate,
    residence: &'static str,
}

/// A household being generated: its number and people.
struct House {
    community: usize,
    number: String,
    point: String,
    house_number: String,
    kind: &'static str,
}

/// An age for a head of household: few under 25, most 35 to 75.
fn head_age(rng: &mut Rng) -> i64 {
    match rng.range(0, 99) {
        0..=5 => rng.range(22, 29),
        6..=25 => rng.range(30, 44),
        26..=60 => rng.range(45, 59),
        61..=88 => rng.range(60, 74),
        _ => rng.range(75, 95),
    }
}

fn birth_of(rng: &mut Rng, today: NaiveDate, age: i64) -> NaiveDate {
    let y = today.year() - age.clamp(0, 105) as i32;
    NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(today) + Duration::days(rng.range(0, 364))
}

/// Generate a household's members into `out`; how many count in the permanent population.
fn household(
    rng: &mut Rng,
    today: NaiveDate,
    h: usize,
    residence: &'static str,
    out: &mut Vec<Person>,
) -> usize {
    let age = head_age(rng);
    let male = rng.range(0, 9) < 7;
    let before = out.len();
    let mut push = |relation, male, birth| {
        out.push(Person {
            household: h,
            relation,
            male,
            birth,
            residence,
        })
    };
    push("02", male, birth_of(rng, today, age));
    let single = age > 75 && rng.range(0, 2) == 0 || rng.range(0, 9) == 0;
    if !single {
        let spouse_age = (age + rng.range(-4, 3)).max(20);
        push("10", !male, birth_of(rng, today, spouse_age));
    }
    // children: born when the head was 23 to 34, fewer at home the older the head
    let kids = if age < 30 {
        rng.range(0, 1)
    } else if age < 60 {
        rng.range(0, 2)
    } else {
        rng.range(0, 1)
    };
    for _ in 0..kids {
        let kid_age = age - rng.range(23, 34);
        if kid_age >= 0 {
            let son = rng.range(0, 1) == 0;
            push(
                if son { "20" } else { "30" },
                son,
                birth_of(rng, today, kid_age),
            );
        }
    }
    if age >= 55 && rng.range(0, 3) == 0 {
        let (male, age) = (rng.range(0, 1) == 0, rng.range(0, 16));
        push("40", male, birth_of(rng, today, age));
    }
    if age < 50 && rng.range(0, 4) == 0 {
        let (male, age) = (rng.range(0, 1) == 0, (age + rng.range(24, 32)).min(98));
        push("50", male, birth_of(rng, today, age));
    }
    out.len() - before
}

/// Build the registry for the communities of today (`(code, population)`), after the hall's
/// demo residents, who become heads of households of their own.
pub async fn generate(
    db: &Db,
    area: &str,
    communities: &[(String, i64)],
    others: &[String],
    rng: &mut Rng,
) -> Result<()> {
    let today = db.clock().today();
    let now = db.clock().now();
    // the hall's residents count in their community's population
    let hall: Vec<(i64, String, Option<String>)> = db::all_json(
        &db.conn,
        &["id", "community_code", "id_number"],
        "SELECT id, community_code, id_number FROM residents ORDER BY id",
        vec![],
    )
    .await?;
    let mut taken: HashSet<String> = hall.iter().filter_map(|h| h.2.clone()).collect();
    let mut hall_by: HallBy<'_> = HashMap::new();
    for h in &hall {
        hall_by.entry(h.1.as_str()).or_default().push(h);
    }
    let mut houses: Vec<House> = Vec::new();
    let mut people: Vec<Person> = Vec::new();
    for (ci, (code, population)) in communities.iter().enumerate() {
        let village = code[9..].parse::<u32>().unwrap_or(0) >= 200;
        let already = hall_by.get(code.as_str()).map_or(0, Vec::len) as i64;
        let mut counted = already;
        let mut n = 0;
        let place = |rng: &mut Rng, n: usize| {
            if village {
                (
                    format!("{}组", rng.range(1, 16)),
                    format!("{}号", n % 90 + 1),
                )
            } else {
                (
                    format!("{}幢", n / 24 + 1),
                    format!("{}室", 101 + (n % 6) + 100 * ((n / 6) % 4)),
                )
            }
        };
        while counted < *population {
            n += 1;
            let residence = if rng.range(0, 99) < 90 {
                "registered"
            } else {
                "resident"
            };
            let (point, house_number) = place(rng, n);
            houses.push(House {
                community: ci,
                number: format!("{n:04}"),
                point,
                house_number,
                kind: residence,
            });
            counted += household(rng, today, houses.len() - 1, residence, &mut people) as i64;
        }
        // floating people on top: about 3 in 100, in households of their own
        for _ in 0..(population / 35) / 2 {
            n += 1;
            let (point, house_number) = place(rng, n);
            houses.push(House {
                community: ci,
                number: format!("{n:04}"),
                point,
                house_number,
                kind: "floating",
            });
            let h = houses.len() - 1;
            let age = rng.range(19, 50);
            let birth = birth_of(rng, today, age);
            let male = rng.range(0, 1) == 0;
            people.push(Person {
                household: h,
                relation: "02",
                male,
                birth,
                residence: "floating",
            });
            if rng.range(0, 1) == 0 {
                let age = rng.range(19, 50);
                let birth = birth_of(rng, today, age);
                people.push(Person {
                    household: h,
                    relation: "10",
                    male: !male,
                    birth,
                    residence: "floating",
                });
            }
        }
    }
    let tx = db.write_tx().await?;
    let made = db::drop_indexes(
        &tx,
        &[
            "residents_community",
            "residents_phone",
            "residents_household",
            "residents_name",
            "residents_id_tail",
            "residents_phone_tail",
            "residents_birth",
        ],
    )
    .await?;
    write_households(&tx, communities, &houses, today, now).await?;
    let ids = household_ids(&tx, area).await?;
    write_people(
        &tx,
        communities,
        &houses,
        &people,
        &ids,
        others,
        &mut taken,
        rng,
        today,
        now,
    )
    .await?;
    hall_households(&tx, &hall_by, &ids, today, now).await?;
    db::build_indexes(&tx, &made).await?;
    finish(&tx, area, today, now).await?;
    crate::platform::audit::commit(
        tx,
        &crate::platform::auth::Actor::system("demo"),
        "import",
        "registry",
        area,
        None::<&()>,
        Some(&serde_json::json!({ "households": houses.len(), "people": people.len() })),
    )
    .await?;
    Ok(())
}

async fn write_households(
    tx: &WriteTx,
    communities: &[(String, i64)],
    houses: &[House],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let rows = houses
        .iter()
        .map(|h| {
            vals![
                communities[h.community].0.clone(),
                h.number.clone(),
                h.point.clone(),
                h.house_number.clone(),
                h.kind,
                today - Duration::days(3650),
                now,
                now
            ]
        })
        .collect();
    db::insert_rows(
        tx,
        "households",
        &[
            "community_code",
            "number",
            "point",
            "house_number",
            "kind",
            "formed_on",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await
}

async fn household_ids(tx: &WriteTx, area: &str) -> Result<HashMap<(String, String), i64>> {
    let lo = format!("{area}000000");
    let hi = format!("{area}999999");
    Ok(db::all_json::<(i64, String, String), _>(
        tx,
        &["id", "community_code", "number"],
        "SELECT id, community_code, number FROM households WHERE community_code BETWEEN ? AND ?",
        vals![lo, hi],
    )
    .await?
    .into_iter()
    .map(|(id, c, n)| ((c, n), id))
    .collect())
}

/// A valid ID number not yet taken: the area, the birth date, order digits odd for men.
fn id_number(
    rng: &mut Rng,
    area: &str,
    birth: NaiveDate,
    male: bool,
    taken: &mut HashSet<String>,
) -> String {
    loop {
        let order = rng.range(FIRST_ORDER, 499) * 2 + i64::from(male);
        let order = order.min(999);
        let first17 = format!("{area}{}{:03}", birth.format("%Y%m%d"), order);
        let id = format!("{first17}{}", IdNumber::check_char(&first17) as char);
        if taken.insert(id.clone()) {
            return id;
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn write_people(
    tx: &WriteTx,
    communities: &[(String, i64)],
    houses: &[House],
    people: &[Person],
    ids: &HashMap<(String, String), i64>,
    others: &[String],
    taken: &mut HashSet<String>,
    rng: &mut Rng,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut columns = vec!["community_code"];
    columns.extend(PERSON_COLUMNS);
    columns.extend([
        "household_id",
        "status",
        "left_on",
        "created_at",
        "updated_at",
    ]);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(2000);
    let home = &communities[0].0[..6];
    for p in people {
        let h = &houses[p.household];
        let community = &communities[h.community].0;
        let age = crate::registry::codes::age(p.birth, today) as i64;
        let area = if p.residence == "registered" {
            home
        } else {
            others[rng.range(0, others.len() as i64 - 1) as usize].as_str()
        };
        let id = (age >= 1 || rng.range(0, 1) == 0)
            .then(|| id_number(rng, area, p.birth, p.male, taken));
        let phone = (age >= 16 && rng.range(0, 9) < 7).then(|| {
            format!(
                "1{}{:09}",
                [3, 5, 8, 9][rng.range(0, 3) as usize],
                rng.range(0, 999_999_999)
            )
        });
        let education = match age {
            0..=6 => "",
            7..=12 => "primary",
            13..=15 => "junior",
            _ if age >= 70 => ["none", "primary", "primary", "junior"][rng.range(0, 3) as usize],
            _ if age >= 50 => ["primary", "junior", "junior", "senior"][rng.range(0, 3) as usize],
            _ => [
                "junior",
                "senior",
                "college",
                "bachelor",
                "bachelor",
                "postgraduate",
            ][rng.range(0, 5) as usize],
        };
        let employment = match age {
            0..=6 => "preschool",
            7..=18 => "student",
            _ if age >= 60 => "retired",
            _ => [
                "employed",
                "employed",
                "employed",
                "farming",
                "unemployed",
                "none",
            ][rng.range(0, 5) as usize],
        };
        let mut tags: Vec<&str> = vec![];
        if age >= 60 {
            tags.push("elderly");
        }
        let mut disability = String::new();
        if rng.range(0, 99) < 5 {
            tags.push("disabled");
            disability = format!("{}-{}", rng.range(1, 7), rng.range(1, 4));
        }
        for (t, per_thousand, fits) in [
            ("low_income", 15, true),
            ("extreme_poverty", 2, age >= 16),
            ("veteran", 20, p.male && age >= 22),
            ("party_member", 70, age >= 18),
            ("unemployed", 40, employment == "unemployed"),
            ("left_behind_child", 30, age < 16),
            ("empty_nest", 250, age >= 60),
        ] {
            if fits && rng.range(0, 999) < per_thousand {
                tags.push(t);
            }
        }
        if !p.male && (15..=49).contains(&age) {
            tags.push("childbearing");
        }
        // born here, or came: married in, moved for work, registered on arrival
        let born_here = p.residence == "registered"
            && (p.relation == "20" || p.relation == "30" || p.relation == "40");
        let arrived = if born_here {
            p.birth
        } else {
            let earliest = (p.birth + Duration::days(365 * 18))
                .max(NaiveDate::from_ymd_opt(1985, 1, 1).unwrap_or(p.birth));
            let span = (today - earliest).num_days().max(1);
            (earliest + Duration::days(rng.range(0, span)))
                .min(today)
                .max(p.birth)
        };
        // a little history: some moved away, the very old some died, these last years
        let (status, left_on) = match rng.range(0, 999) {
            0..=19 if p.relation != "02" => (
                "moved_out",
                Some(today - Duration::days(rng.range(30, 2200))),
            ),
            20..=79 if age >= 85 => ("dead", Some(today - Duration::days(rng.range(30, 2200)))),
            _ => ("present", None),
        };
        let left_on = left_on.map(|d: NaiveDate| d.max(arrived));
        let tags = crate::registry::rules::tags_column(tags);
        let address = format!("{}{}", h.point, h.house_number);
        let ethnicity = if rng.range(0, 199) == 0 { "03" } else { "01" };
        let mut row = vals![
            community.clone(),
            name(rng),
            id,
            phone,
            address,
            h.number.clone(),
            p.relation,
            if p.male { "1" } else { "2" },
            p.birth,
            ethnicity,
            education,
            employment,
            p.residence,
            arrived,
            disability,
            tags
        ];
        row.extend(vals![
            ids.get(&(community.clone(), h.number.clone())).copied(),
            status,
            left_on,
            now,
            now
        ]);
        batch.push(row);
        if batch.len() == 2000 {
            db::insert_rows(tx, "residents", &columns, std::mem::take(&mut batch)).await?;
        }
    }
    db::insert_rows(tx, "residents", &columns, batch).await
}

/// The hall's demo residents, each the head of a household of their own, numbered after the
/// community's others; birth and gender from their ID numbers.
async fn hall_households(
    tx: &WriteTx,
    hall_by: &HallBy<'_>,
    ids: &HashMap<(String, String), i64>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut next: HashMap<&str, usize> = HashMap::new();
    for (c, _) in ids.keys() {
        *next.entry(c.as_str()).or_insert(0) += 1;
    }
    let mut rows = vec![];
    let mut people = vec![];
    for (c, hs) in hall_by {
        let start = next.get(c).copied().unwrap_or(0);
        for (i, h) in hs.iter().enumerate() {
            let number = format!("{:04}", start + i + 1);
            rows.push(vals![
                *c,
                number.clone(),
                "",
                "",
                "registered",
                today,
                now,
                now
            ]);
            people.push((h.0, c.to_string(), number, h.2.clone()));
        }
    }
    db::insert_rows(
        tx,
        "households",
        &[
            "community_code",
            "number",
            "point",
            "house_number",
            "kind",
            "formed_on",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    for (id, _c, number, idn) in people {
        let (gender, birth) = match idn.as_deref().map(IdNumber::parse) {
            Some(Ok(i)) => (crate::registry::codes::gender_of(&i), Some(i.birth_date())),
            _ => ("", None),
        };
        db::exec(
            tx,
            "UPDATE residents SET household = ?, relation = '02', gender = ?, birth_date = ?, \
             arrived_on = ?, household_id = (SELECT h.id FROM households h WHERE \
             h.community_code = residents.community_code AND h.number = ?) WHERE id = ?",
            vals![number.clone(), gender, birth, birth, number, id],
        )
        .await?;
    }
    Ok(())
}

/// Heads of households, households nobody is left in, and every arrival and departure in the
/// households' history.
async fn finish(tx: &WriteTx, area: &str, today: NaiveDate, now: DateTime<Utc>) -> Result<()> {
    let (lo, hi) = (format!("{area}000000"), format!("{area}999999"));
    db::exec(
        tx,
        "UPDATE households SET head_id = (SELECT MIN(r.id) FROM residents r \
         WHERE r.household_id = households.id AND r.relation = '02' AND r.status = 'present') \
         WHERE community_code BETWEEN ? AND ?",
        vals![lo.clone(), hi.clone()],
    )
    .await?;
    db::exec(
        tx,
        "INSERT INTO household_moves (household_id, resident_id, kind, on_date, created_at) \
         SELECT household_id, id, CASE WHEN arrived_on = birth_date THEN 'birth' ELSE 'move_in' END, \
         COALESCE(arrived_on, ?), ? FROM residents WHERE household_id IS NOT NULL \
         AND community_code BETWEEN ? AND ?",
        vals![today, now, lo.clone(), hi.clone()],
    )
    .await?;
    db::exec(
        tx,
        "INSERT INTO household_moves (household_id, resident_id, kind, on_date, created_at) \
         SELECT household_id, id, CASE WHEN status = 'dead' THEN 'death' ELSE 'move_out' END, \
         left_on, ? FROM residents WHERE household_id IS NOT NULL AND left_on IS NOT NULL \
         AND community_code BETWEEN ? AND ?",
        vals![now, lo, hi],
    )
    .await?;
    Ok(())
}
