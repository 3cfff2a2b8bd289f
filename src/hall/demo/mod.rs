//! The demo's service hall: the State Council's holiday schedules for 2024–2026, providers
//! under contract in every town (the 为农服务社 of the supply co-operative among them), a
//! registry of residents per community, and a history of cases from 2024 to today with their
//! timelines, referrals, dispatches to providers, ratings and the measures' counters.
//!
//! Volume: 80 × scale cases per community, so `demo` has about 10,400 and `demo --scale 10`
//! (1,300 communities) about 1,040,000 — the benchmark's volume, and the most it writes at
//! any scale. Recent cases are still open,
//! a few of them overdue; the rest are finished as a busy hall finishes them.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::Value;

use crate::hall::catalogue::{self, Item};
use crate::hall::rules::{self, Calendar, HIST_BUCKETS};
use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db};
use crate::platform::sample::{Rng, SURNAMES, name};
use crate::platform::types::IdNumber;
use crate::vals;

mod cases;
mod live;

use cases::*;
use live::*;

fn err(e: crate::platform::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.describe())
}

/// The most cases the generator writes, whatever the scale (`--scale 10` reaches it).
const MAX_CASES: i64 = 1_040_000;

/// Holidays and make-up working days, 2024–2026 (国务院办公厅 notices).
const HOLIDAYS: &[(&str, &str, &str, &str)] = &[
    // (first day, last day, kind, name)
    ("2024-01-01", "2024-01-01", "holiday", "元旦"),
    ("2024-02-10", "2024-02-17", "holiday", "春节"),
    ("2024-02-04", "2024-02-04", "workday", "春节调休"),
    ("2024-02-18", "2024-02-18", "workday", "春节调休"),
    ("2024-04-04", "2024-04-06", "holiday", "清明节"),
    ("2024-04-07", "2024-04-07", "workday", "清明节调休"),
    ("2024-05-01", "2024-05-05", "holiday", "劳动节"),
    ("2024-04-28", "2024-04-28", "workday", "劳动节调休"),
    ("2024-05-11", "2024-05-11", "workday", "劳动节调休"),
    ("2024-06-10", "2024-06-10", "holiday", "端午节"),
    ("2024-09-15", "2024-09-17", "holiday", "中秋节"),
    ("2024-09-14", "2024-09-14", "workday", "中秋节调休"),
    ("2024-10-01", "2024-10-07", "holiday", "国庆节"),
    ("2024-09-29", "2024-09-29", "workday", "国庆节调休"),
    ("2024-10-12", "2024-10-12", "workday", "国庆节调休"),
    ("2025-01-01", "2025-01-01", "holiday", "元旦"),
    ("2025-01-28", "2025-02-04", "holiday", "春节"),
    ("2025-01-26", "2025-01-26", "workday", "春节调休"),
    ("2025-02-08", "2025-02-08", "workday", "春节调休"),
    ("2025-04-04", "2025-04-06", "holiday", "清明节"),
    ("2025-05-01", "2025-05-05", "holiday", "劳动节"),
    ("2025-04-27", "2025-04-27", "workday", "劳动节调休"),
    ("2025-05-31", "2025-06-02", "holiday", "端午节"),
    ("2025-10-01", "2025-10-08", "holiday", "国庆节、中秋节"),
    ("2025-09-28", "2025-09-28", "workday", "国庆节调休"),
    ("2025-10-11", "2025-10-11", "workday", "国庆节调休"),
    ("2026-01-01", "2026-01-03", "holiday", "元旦"),
    ("2026-01-04", "2026-01-04", "workday", "元旦调休"),
    ("2026-02-15", "2026-02-23", "holiday", "春节"),
    ("2026-02-14", "2026-02-14", "workday", "春节调休"),
    ("2026-02-28", "2026-02-28", "workday", "春节调休"),
    ("2026-04-04", "2026-04-06", "holiday", "清明节"),
    ("2026-05-01", "2026-05-05", "holiday", "劳动节"),
    ("2026-05-09", "2026-05-09", "workday", "劳动节调休"),
    ("2026-06-19", "2026-06-21", "holiday", "端午节"),
    ("2026-09-25", "2026-09-27", "holiday", "中秋节"),
    ("2026-10-01", "2026-10-07", "holiday", "国庆节"),
    ("2026-09-20", "2026-09-20", "workday", "国庆节调休"),
    ("2026-10-10", "2026-10-10", "workday", "国庆节调休"),
];

/// Provider names per kind; each town gets a few, numbered by town.
const PROVIDER_KINDS: &[(&str, &[&str])] = &[
    ("便民家政服务社", &["housekeeping", "water_gas"]),
    ("家电维修部", &["appliance_repair", "locksmith"]),
    ("管道疏通服务部", &["drain", "water_gas"]),
    ("法律服务所", &["legal_advice", "agency"]),
    (
        "为农服务社",
        &["agri_supply", "agri_advice", "irrigation", "farm_tools"],
    ),
    ("票务代办点", &["tickets", "agency"]),
];

fn phone(rng: &mut Rng) -> String {
    format!("1{}{:09}", rng.range(3, 9), rng.range(0, 999_999_999))
}

/// A valid ID number, distinct for every `seq` (up to 25 million): the birth date walks the
/// 70 years from 1935 by a step prime to their length, the sequence digits count the laps.
fn id_number(seq: i64) -> String {
    const DAYS: i64 = 70 * 365;
    let birth = NaiveDate::from_ymd_opt(1935, 1, 1).unwrap() + Duration::days((seq * 7919) % DAYS);
    let first17 = format!("320205{}{:03}", birth.format("%Y%m%d"), (seq / DAYS) % 1000);
    let check = IdNumber::check_char(&first17) as char;
    format!("{first17}{check}")
}

/// The cases' indexes the load does without: built once after it (in the order of the
/// inserts, by community, only `cases_community`, the numbers and the timeline's stay; the
/// load reads cases back by community).
const LOAD_INDEXES: &[&str] = &[
    "cases_item",
    "cases_provider",
    "cases_department",
    "cases_phone",
    "cases_open",
    "cases_overdue",
];

pub async fn generate(
    db: &Db,
    district: &crate::platform::types::DivisionCode,
    communities: &[String],
    scale: u32,
    rng: &mut Rng,
) -> anyhow::Result<()> {
    let actor = Actor::system("demo");
    let today = db.clock().today();
    calendar(db, &actor).await?;
    let cal = catalogue::load_calendar(db).await.map_err(err)?;
    let items = catalogue::items(db).await.map_err(err)?;
    let providers = providers(db, communities, rng, &actor).await?;
    // 3. residents and cases, community by community, in chunks of one transaction each
    // busier halls in bigger synthetic districts, up to the benchmark's million cases
    let per_community = (80 * i64::from(scale.max(1)))
        .min(MAX_CASES / communities.len().max(1) as i64)
        .max(1);
    let first = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    let weights: Vec<i64> = items
        .iter()
        .map(|i| match (i.group_key.as_str(), i.kind.as_str()) {
            ("job", _) => 6,
            ("minor_illness", _) => 8,
            (_, "convenience") => 4,
            _ => 3,
        })
        .collect();
    let mk = CaseMaker {
        cal: &cal,
        items: &items,
        total_weight: weights.iter().sum(),
        weights,
        first,
        span: (today - first).num_days().max(1),
        today,
        now: db.clock().now(),
        per_community,
        providers: &providers,
    };
    let mut resident_seq = 0i64;
    let dropped = db::drop_indexes(&db.conn, LOAD_INDEXES)
        .await
        .map_err(err)?;
    for group in communities.chunks(40) {
        let tx = db.write_tx().await.map_err(err)?;
        let people = residents(&tx, group, &mut resident_seq, rng, mk.now).await?;
        let mut made = Made::default();
        for c in group {
            mk.cases_of(c, &people[c.as_str()], rng, &mut made);
        }
        made.insert(&tx, group).await?;
        tx.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    db::build_indexes(&db.conn, &dropped).await.map_err(err)?;
    live_cases(db, district, &cal, &items, communities).await?;
    let tx = db.write_tx().await.map_err(err)?;
    audit::commit(
        tx,
        &actor,
        "import",
        "case",
        "demo",
        None::<&()>,
        Some(&serde_json::json!({ "cases": per_community * communities.len() as i64 })),
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// The working calendar (step 1): the State Council's holidays and make-up days.
async fn calendar(db: &Db, actor: &Actor) -> anyhow::Result<()> {
    let tx = db.write_tx().await.map_err(err)?;
    let mut rows = vec![];
    for (a, b, kind, name) in HOLIDAYS {
        let a = NaiveDate::parse_from_str(a, "%Y-%m-%d")?;
        let b = NaiveDate::parse_from_str(b, "%Y-%m-%d")?;
        let mut d = a;
        while d <= b {
            rows.push(vals![d, *kind, *name]);
            d = d.succ_opt().unwrap_or(d);
        }
    }
    let n = rows.len();
    db::insert_rows(&tx, "calendar_days", &["day", "kind", "name"], rows)
        .await
        .map_err(err)?;
    audit::commit(
        tx,
        actor,
        "import",
        "calendar_day",
        "2024-2026",
        None::<&()>,
        Some(&serde_json::json!({ "days": n })),
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// The providers made, and who serves what where.
struct Providers {
    names: BTreeMap<i64, String>,
    town_names: BTreeMap<String, String>,
    /// (community, category) → the active providers serving it
    dispatch: BTreeMap<(String, &'static str), Vec<i64>>,
}

/// Providers (step 2): the district-wide housekeeping service first (the demo provider
/// account), then a few per town.
async fn providers(
    db: &Db,
    communities: &[String],
    rng: &mut Rng,
    actor: &Actor,
) -> anyhow::Result<Providers> {
    let today = db.clock().today();
    let mut towns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in communities {
        towns
            .entry(format!("{}000", &c[..9]))
            .or_default()
            .push(c.clone());
    }
    let town_names: BTreeMap<String, String> = db::all_json::<(String, String), _>(
        &db.conn,
        &["code", "name"],
        "SELECT code, name FROM divisions WHERE level = 4",
        vals![],
    )
    .await
    .map_err(err)?
    .into_iter()
    .collect();
    let pending = draw_providers(
        communities,
        &towns,
        &town_names,
        today,
        db.clock().now(),
        rng,
    );
    let tx = db.write_tx().await.map_err(err)?;
    let mut provider_serves: Vec<(i64, Vec<&'static str>, Vec<String>)> = vec![];
    let mut provider_names: BTreeMap<i64, String> = BTreeMap::new();
    for (name, v, cats, serves) in pending {
        let id = db::scalar(
            &tx,
            "INSERT INTO providers (name, credit_code, contact_name, phone, address, categories, \
             contract_start, contract_end, terms, price_notes, status, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            v,
        )
        .await
        .map_err(|e| anyhow::anyhow!("provider {name}: {}", e.describe()))?
        .unwrap_or(0);
        db::insert_rows(
            &tx,
            "provider_communities",
            &["provider_id", "community_code"],
            serves.iter().map(|c| vals![id, c.clone()]).collect(),
        )
        .await
        .map_err(err)?;
        provider_names.insert(id, name);
        provider_serves.push((id, cats, serves));
    }
    audit::commit(
        tx,
        actor,
        "import",
        "provider",
        "demo",
        None::<&()>,
        Some(&serde_json::json!({ "providers": provider_serves.len() })),
    )
    .await
    .map_err(err)?;
    let dispatch = dispatch_of(db, &provider_serves).await?;

    Ok(Providers {
        names: provider_names,
        town_names,
        dispatch,
    })
}

/// A provider drawn: its name, its row, the categories it serves and the communities.
type ProviderDraft = (String, Vec<Value>, Vec<&'static str>, Vec<String>);

/// The providers' rows, drawn: the district-wide housekeeping service first (the demo
/// provider account), then most kinds in each town.
fn draw_providers(
    communities: &[String],
    towns: &BTreeMap<String, Vec<String>>,
    town_names: &BTreeMap<String, String>,
    today: NaiveDate,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<ProviderDraft> {
    let mut credit_seq = 0i64;
    let mut add_provider =
        |name: String, cats: &[&'static str], serves: Vec<String>, rng: &mut Rng| {
            credit_seq += 1;
            provider_row(credit_seq, name, cats, serves, today, now, rng)
        };
    let mut pending = vec![add_provider(
        "锡山便民家政服务社".into(),
        &["housekeeping", "water_gas", "appliance_repair", "drain"],
        towns
            .get("320205106000")
            .cloned()
            .unwrap_or_else(|| communities.iter().take(20).cloned().collect()),
        rng,
    )];
    for (town, cs) in towns {
        for (i, (suffix, cats)) in PROVIDER_KINDS.iter().enumerate() {
            // not every kind in every town
            if (i + town.len() + cs.len()) % 5 == 3 {
                continue;
            }
            let town_name = town_names
                .get(town)
                .cloned()
                .unwrap_or_else(|| town.clone());
            let name = format!("{town_name}{suffix}");
            pending.push(add_provider(name, cats, cs.clone(), rng));
        }
    }
    pending
}

/// Who serves what where: (community, category) → the active providers (suspended ones take
/// no requests).
async fn dispatch_of(
    db: &Db,
    provider_serves: &[(i64, Vec<&'static str>, Vec<String>)],
) -> anyhow::Result<BTreeMap<(String, &'static str), Vec<i64>>> {
    let mut dispatch: BTreeMap<(String, &'static str), Vec<i64>> = BTreeMap::new();
    let active: Vec<i64> = db::all_json::<(i64,), _>(
        &db.conn,
        &["id"],
        "SELECT id FROM providers WHERE status = 'active'",
        vals![],
    )
    .await
    .map_err(err)?
    .into_iter()
    .map(|(id,)| id)
    .collect();
    for (id, cats, serves) in provider_serves {
        if !active.contains(id) {
            continue;
        }
        for c in serves {
            for cat in cats {
                dispatch.entry((c.clone(), *cat)).or_default().push(*id);
            }
        }
    }
    Ok(dispatch)
}

/// A provider's row: a valid credit code, a three-year contract (a few ending within the month,
/// for the expiry warnings), one in seventeen suspended.
fn provider_row(
    credit_seq: i64,
    name: String,
    cats: &[&'static str],
    serves: Vec<String>,
    today: NaiveDate,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> ProviderDraft {
    let first17 = format!("92320205MA{:07}", 1_000_000 + credit_seq);
    let credit = crate::platform::types::CreditCode::check_char(&first17)
        .map(|c| format!("{first17}{}", c as char));
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(rng.range(0, 365));
    // most contracts run three years; a few end within the month (expiry warnings)
    let end = if credit_seq % 9 == 4 {
        today + Duration::days(rng.range(3, 25))
    } else {
        start + Duration::days(3 * 365)
    };
    let status = if credit_seq % 17 == 8 {
        "suspended"
    } else {
        "active"
    };
    (
        name.clone(),
        vals![
            name,
            credit,
            format!("{}经理", SURNAMES[(credit_seq as usize) % SURNAMES.len()]),
            format!("0510-8{:07}", 2_000_000 + credit_seq * 37),
            "",
            rules::tags_column_of(cats.iter().copied(), rules::is_provider_category),
            start,
            end,
            "按区便民服务协议执行：接单后 2 小时内联系居民，按公示价格收费，接受居民评价。",
            "上门费 10 元起，材料费按实",
            status,
            now
        ],
        cats.to_vec(),
        serves,
    )
}

/// A group's residents by community: (name, phone, id), in the order made.
type People = BTreeMap<String, Vec<(String, String, i64)>>;

/// 25 residents per community of the group, read back for their ids.
async fn residents(
    tx: &crate::platform::db::WriteTx,
    group: &[String],
    resident_seq: &mut i64,
    rng: &mut Rng,
    now: DateTime<Utc>,
) -> anyhow::Result<People> {
    let mut residents: Vec<Vec<Value>> = vec![];
    for c in group {
        for _ in 0..25 {
            *resident_seq += 1;
            let n = name(rng);
            let p = phone(rng);
            let idn = id_number(*resident_seq);
            let mut tags = vec![];
            if idn[6..10].parse::<i32>().unwrap_or(2000) < 1961 {
                tags.push("elderly");
            }
            for (t, odds) in [
                ("disabled", 25),
                ("low_income", 20),
                ("job_seeker", 8),
                ("party_member", 7),
                ("veteran", 30),
            ] {
                if rng.range(0, odds - 1) == 0 {
                    tags.push(t);
                }
            }
            residents.push(vals![
                c.clone(),
                n,
                idn,
                p,
                format!("{}组{}号", rng.range(1, 12), rng.range(1, 80)),
                format!("{:04}", rng.range(1, 600)),
                rules::tags_column(tags.iter().copied()),
                now,
                now
            ]);
        }
    }
    db::insert_rows(
        tx,
        "residents",
        &[
            "community_code",
            "name",
            "id_number",
            "phone",
            "address",
            "household",
            "tags",
            "created_at",
            "updated_at",
        ],
        residents,
    )
    .await
    .map_err(err)?;
    // read them back for their ids
    let (lo, hi) = (group[0].clone(), group[group.len() - 1].clone());
    let mut people: BTreeMap<String, Vec<(String, String, i64)>> = BTreeMap::new();
    for (id, c, n, p) in db::all_json::<(i64, String, String, String), _>(
        tx,
        &["id", "community_code", "name", "phone"],
        "SELECT id, community_code, name, phone FROM residents WHERE community_code BETWEEN ? AND ?",
        vals![lo.clone(), hi.clone()],
    )
    .await
    .map_err(err)?
    {
        people.entry(c).or_default().push((n, p, id));
    }
    for v in people.values_mut() {
        v.sort_by_key(|x| x.2);
    }

    Ok(people)
}
