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
    // 40 communities a transaction, fewer in the larger synthetic districts: a group's rows are
    // held until inserted, and 40 × 8,000 cases would hold two gigabytes
    let chunk = (40_000 / per_community).clamp(1, 40) as usize;
    for group in communities.chunks(chunk) {
        let tx = db.write_tx().await.map_err(err)?;
        let people = residents(&tx, group, &mut resident_seq, rng, mk.now).await?;
        let mut made = Made::default();
        for c in group {
            mk.cases_of(c, &people[c.as_str()], rng, &mut made);
        }
        made.insert(&tx, group).await?;
        tx.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    live_cases(db, district, &cal, &items, communities).await?;
    let tx = db.write_tx().await.map_err(err)?;
    audit::record(
        &tx,
        &actor,
        "import",
        "case",
        "demo",
        None::<&()>,
        Some(&serde_json::json!({ "cases": per_community * communities.len() as i64 })),
    )
    .await
    .map_err(err)?;
    tx.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
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
    audit::record(
        &tx,
        actor,
        "import",
        "calendar_day",
        "2024-2026",
        None::<&()>,
        Some(&serde_json::json!({ "days": n })),
    )
    .await
    .map_err(err)?;
    tx.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
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
    let tx = db.write_tx().await.map_err(err)?;
    let now = db.clock().now();
    let mut provider_serves: Vec<(i64, Vec<&'static str>, Vec<String>)> = vec![];
    let mut provider_names: BTreeMap<i64, String> = BTreeMap::new();
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
    for (town, cs) in &towns {
        for (i, (suffix, cats)) in PROVIDER_KINDS.iter().enumerate() {
            let _ = i;
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
    audit::record(
        &tx,
        actor,
        "import",
        "provider",
        "demo",
        None::<&()>,
        Some(&serde_json::json!({ "providers": provider_serves.len() })),
    )
    .await
    .map_err(err)?;
    tx.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // who serves what where (active ones only take requests)
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
    for (id, cats, serves) in &provider_serves {
        if !active.contains(id) {
            continue;
        }
        for c in serves {
            for cat in cats {
                dispatch.entry((c.clone(), *cat)).or_default().push(*id);
            }
        }
    }

    Ok(Providers {
        names: provider_names,
        town_names,
        dispatch,
    })
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
) -> (String, Vec<Value>, Vec<&'static str>, Vec<String>) {
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

/// What the cases are drawn from.
struct CaseMaker<'a> {
    cal: &'a Calendar,
    items: &'a [Item],
    weights: Vec<i64>,
    total_weight: i64,
    first: NaiveDate,
    span: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
    per_community: i64,
    providers: &'a Providers,
}

/// A group's cases as rows, their timelines and their counters.
#[derive(Default)]
struct Made {
    case_rows: Vec<Vec<Value>>,
    event_rows: Vec<(String, Timeline)>,
    stats: BTreeMap<(String, i64, i32), [i64; 8 + HIST_BUCKETS]>,
    counters: BTreeMap<(String, i32), i64>,
}

impl CaseMaker<'_> {
    /// A community's cases from 2024 to today; one in sixteen came in the last fortnight, so
    /// the worklists have work on them.
    fn cases_of(&self, c: &str, here: &[(String, String, i64)], rng: &mut Rng, made: &mut Made) {
        let mut days: Vec<i64> = (0..self.per_community)
            .map(|_| {
                if rng.range(0, 15) == 0 {
                    self.span - rng.range(0, 14)
                } else {
                    rng.range(0, self.span)
                }
            })
            .collect();
        days.sort_unstable();
        for off in days {
            self.one_case(c, here, off, rng, made);
        }
    }

    /// One case: its item, applicant and channel drawn, its course planned, its row, its
    /// timeline and its counters.
    fn one_case(
        &self,
        c: &str,
        here: &[(String, String, i64)],
        off: i64,
        rng: &mut Rng,
        made: &mut Made,
    ) {
        let CaseMaker {
            cal,
            items,
            weights,
            total_weight,
            first,
            today,
            now,
            providers,
            ..
        } = self;
        let (cal, today, now, first, total_weight) = (*cal, *today, *now, *first, *total_weight);
        let dispatch = &providers.dispatch;
        let town_names = &providers.town_names;
        let provider_names = &providers.names;
        let mut received = first + Duration::days(off);
        while !cal.is_working(received) {
            received = received.succ_opt().unwrap_or(received);
        }
        if received > today {
            received = today;
        }
        let mut pick = rng.range(0, total_weight - 1);
        let mut ix = 0;
        while pick >= weights[ix] {
            pick -= weights[ix];
            ix += 1;
        }
        let item = &items[ix];
        let year = received.year();
        let seq = {
            let e = made.counters.entry((c.to_string(), year)).or_insert(0);
            *e += 1;
            *e
        };
        let who = &here[rng.range(0, here.len() as i64 - 1) as usize];
        let walk_in = rng.range(0, 9) < 3;
        let (app_name, app_phone, resident) = if walk_in {
            (name(rng), phone(rng), None)
        } else {
            (who.0.clone(), who.1.clone(), Some(who.2))
        };
        let channel = match rng.range(0, 19) {
            0 if item.online => "open311",
            1..=2 if item.online => "online",
            _ => "window",
        };
        let plan = plan_case(rng, cal, item, received, today, channel);
        let provider = if item.kind == "convenience" {
            item.provider_category.as_deref().and_then(|cat| {
                dispatch
                    .get(&(c.to_string(), cat))
                    .map(|ps| ps[rng.range(0, ps.len() as i64 - 1) as usize])
            })
        } else {
            None
        };
        let referred_kind = match (plan.referred, item.finish_at.as_str(), provider) {
            (false, _, _) => None,
            (true, _, Some(_)) => Some("provider"),
            (true, "department", _) => Some("department"),
            (true, "town_centre", _) => Some("town_centre"),
            (true, _, None) => None,
        };
        let referred_to = match referred_kind {
            Some("town_centre") => Some(format!(
                "{}行政受理中心",
                town_names
                    .get(&format!("{}000", &c[..9]))
                    .map(String::as_str)
                    .unwrap_or("镇")
            )),
            Some("department") => item.department_name.clone(),
            Some("provider") => provider.and_then(|p| provider_names.get(&p).cloned()),
            _ => None,
        };
        let number = rules::case_number(c, year, seq as u32);
        let at = |d: NaiveDate, h: u32| -> DateTime<Utc> {
            d.and_hms_opt(h, rng_minute(seq), 0)
                .map(crate::platform::time::to_utc)
                .unwrap_or(now)
        };
        let received_at = at(received, 9);
        let in_community = referred_kind.is_none() || referred_kind == Some("provider");
        let handling = plan.completed.map(|d| {
            cal.working_days_between(plan.accepted.unwrap_or(received), d)
                .max(0)
        });
        made.case_rows.push(vals![
            number.clone(),
            c.to_string(),
            item.id,
            resident,
            app_name,
            app_phone,
            channel,
            plan.status,
            "",
            "",
            received_at,
            received,
            plan.accepted,
            plan.due,
            plan.rejected
                .then(|| "材料不齐，已告知补齐后再办".to_string()),
            referred_kind,
            if referred_kind == Some("department") {
                item.department_id
            } else {
                None
            },
            if referred_kind == Some("provider") {
                provider
            } else {
                None
            },
            referred_to.clone(),
            referred_kind.and(plan.referral_deadline),
            plan.completed,
            plan.completed.map(|_| in_community),
            handling,
            plan.completed
                .map(|_| "已办结，结果已告知申请人".to_string()),
            plan.rating.map(i64::from),
            plan.rating.map(|s| if s >= 4 {
                "满意".to_string()
            } else {
                "速度偏慢".to_string()
            }),
            plan.rating.and(plan.completed).map(|d| at(d, 17)),
            (channel != "window").then(|| format!("demo{}{seq}{}", &c[6..], year)),
            "demo",
            received_at
        ]);
        let ev = timeline(&plan, channel, received, referred_to.as_deref(), &at);
        made.event_rows.push((number, ev));
        made.count(c, item.id, year, &plan, handling, in_community);
    }
}

/// A case's timeline after registration (the insert trigger writes its first entry).
fn timeline(
    plan: &Plan,
    channel: &str,
    received: NaiveDate,
    referred_to: Option<&str>,
    at: &dyn Fn(NaiveDate, u32) -> DateTime<Utc>,
) -> Timeline {
    let mut ev: Timeline = vec![];
    if channel != "window" {
        if plan.status == "rejected" {
            ev.push((at(received, 11), "reject", "rejected", "材料不齐".into()));
        } else if let Some(a) = plan.accepted {
            ev.push((at(a, 10), "accept", "accepted", String::new()));
        }
    }
    if let (Some(t), Some(d)) = (referred_to, plan.referred_on) {
        ev.push((at(d, 14), "refer", "referred", t.to_string()));
    }
    if let Some(d) = plan.completed {
        ev.push((at(d, 16), "complete", "completed", "已办结".into()));
        if let Some(s) = plan.rating {
            ev.push((at(d, 17), "rate", "completed", format!("{s}★")));
        }
    }
    ev
}

impl Made {
    /// A case in the counters (the insert trigger counts it received).
    fn count(
        &mut self,
        c: &str,
        item: i64,
        year: i32,
        plan: &Plan,
        handling: Option<i64>,
        in_community: bool,
    ) {
        let st = self
            .stats
            .entry((c.to_string(), item, year))
            .or_insert([0; 8 + HIST_BUCKETS]);
        if plan.status == "rejected" {
            st[1] += 1;
        }
        if let (Some(d), Some(h)) = (plan.completed, handling) {
            st[2] += 1;
            st[3] += i64::from(in_community);
            st[4] += i64::from(plan.due.is_some_and(|due| d > due));
            st[7] += h;
            st[8 + rules::hist_bucket(h)] += 1;
        }
        if let Some(s) = plan.rating {
            st[5] += 1;
            st[6] += i64::from(s);
        }
    }

    /// The cases, then their events by the ids they were given, then the counters.
    async fn insert(
        self,
        tx: &crate::platform::db::WriteTx,
        group: &[String],
    ) -> anyhow::Result<()> {
        let Made {
            case_rows,
            event_rows,
            stats,
            ..
        } = self;
        let (lo, hi) = (group[0].clone(), group[group.len() - 1].clone());
        db::insert_rows(
            tx,
            "cases",
            &[
                "number",
                "community_code",
                "item_id",
                "resident_id",
                "applicant_name",
                "applicant_phone",
                "channel",
                "status",
                "description",
                "address",
                "received_at",
                "received_on",
                "accepted_on",
                "due_on",
                "reject_reason",
                "referred_kind",
                "referred_department_id",
                "provider_id",
                "referred_to",
                "referred_deadline",
                "completed_on",
                "finished_in_community",
                "handling_days",
                "result",
                "rating",
                "rating_comment",
                "rated_at",
                "token",
                "registered_by",
                "updated_at",
            ],
            case_rows,
        )
        .await
        .map_err(err)?;
        let ids: BTreeMap<String, i64> = db::all_json::<(String, i64), _>(
            tx,
            &["number", "id"],
            "SELECT number, id FROM cases WHERE community_code BETWEEN ? AND ?",
            vals![lo, hi],
        )
        .await
        .map_err(err)?
        .into_iter()
        .collect();
        let mut events = vec![];
        for (number, ev) in event_rows {
            let Some(id) = ids.get(&number) else { continue };
            for (at, step, status, note) in ev {
                events.push(vals![*id, at, "demo", step, status, note]);
            }
        }
        db::insert_rows(
            tx,
            "case_events",
            &[
                "case_id",
                "at",
                "actor_name",
                "step",
                "status_after",
                "note",
            ],
            events,
        )
        .await
        .map_err(err)?;
        let counters = crate::hall::measures::counter_columns();
        let mut cols = vec!["community_code", "item_id", "year"];
        cols.extend(counters.iter().map(String::as_str));
        let add = cols[3..]
            .iter()
            .map(|c| format!("{c} = case_stats.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        db::insert_rows_then(
            tx,
            "case_stats",
            &cols,
            stats
                .into_iter()
                .map(|((c, item, year), s)| {
                    let mut v = vals![c, item, year];
                    v.extend(s.iter().map(|n| Value::from(*n)));
                    v
                })
                .collect(),
            &format!("ON CONFLICT (community_code, item_id, year) DO UPDATE SET {add}"),
        )
        .await
        .map_err(err)?;
        Ok(())
    }
}

fn rng_minute(seq: i64) -> u32 {
    (seq % 60) as u32
}

/// A generated case's steps: when, step, status after, note.
type Timeline = Vec<(DateTime<Utc>, &'static str, &'static str, String)>;

/// How a generated case went.
struct Plan {
    status: &'static str,
    accepted: Option<NaiveDate>,
    due: Option<NaiveDate>,
    rejected: bool,
    referred: bool,
    referred_on: Option<NaiveDate>,
    referral_deadline: Option<NaiveDate>,
    completed: Option<NaiveDate>,
    rating: Option<u8>,
}

fn plan_case(
    rng: &mut Rng,
    cal: &Calendar,
    item: &Item,
    received: NaiveDate,
    today: NaiveDate,
    channel: &str,
) -> Plan {
    let limit = item.time_limit_days as u32;
    let online = channel != "window";
    let rejected = rng.range(0, 39) == 0;
    let accepted = if online {
        let a = cal.add_working_days(received, rng.range(0, 1) as u32);
        (a <= today).then_some(a)
    } else {
        Some(received)
    };
    if rejected && online {
        return Plan {
            status: "rejected",
            accepted: None,
            due: None,
            rejected: true,
            referred: false,
            referred_on: None,
            referral_deadline: None,
            completed: None,
            rating: None,
        };
    }
    let Some(accepted) = accepted else {
        return Plan {
            status: "received",
            accepted: None,
            due: None,
            rejected: false,
            referred: false,
            referred_on: None,
            referral_deadline: None,
            completed: None,
            rating: None,
        };
    };
    let due = cal.add_working_days(accepted, limit);
    let referred = item.finish_at != "community" || item.kind == "convenience";
    // mostly on time; one in twelve late by a few days
    let took = if rng.range(0, 11) == 0 {
        limit + rng.range(1, 6) as u32
    } else {
        rng.range(0, i64::from(limit)) as u32
    };
    let done = cal.add_working_days(accepted, took);
    // the newest cases are still open (and a rare old one stuck, overdue)
    let stuck = rng.range(0, 499) == 0;
    if done > today || stuck {
        let referred_on = referred.then_some(accepted);
        return Plan {
            status: if referred {
                "referred"
            } else if rng.range(0, 1) == 0 {
                "in_progress"
            } else {
                "accepted"
            },
            accepted: Some(accepted),
            due: Some(due),
            rejected: false,
            referred,
            referred_on,
            referral_deadline: referred.then_some(due),
            completed: None,
            rating: None,
        };
    }
    let rating = (rng.range(0, 9) < 6).then(|| match rng.range(0, 19) {
        0 => 1,
        1 => 2,
        2..=4 => 3,
        5..=10 => 4,
        _ => 5,
    });
    Plan {
        status: "completed",
        accepted: Some(accepted),
        due: Some(due),
        rejected: false,
        referred,
        referred_on: referred.then_some(accepted),
        referral_deadline: referred.then_some(due),
        completed: Some(done),
        rating,
    }
}

/// The demo staff's communities get today's kind of work through the real registration path:
/// an online request waiting for acceptance, a case overdue, one referred to a department,
/// a housekeeping request dispatched to the demo provider, one just registered.
async fn live_cases(
    db: &Db,
    district: &crate::platform::types::DivisionCode,
    cal: &Calendar,
    items: &[Item],
    communities: &[String],
) -> anyhow::Result<()> {
    use crate::hall::cases::{self, CaseInput, ReferTo, StepRequest, Who};
    use crate::platform::auth::CurrentUser;
    let admin = CurrentUser::system_admin("demo");
    let item = |code: &str| {
        items
            .iter()
            .find(|i| i.code == code)
            .map(|i| i.id.to_string())
    };
    let now = db.clock().now();
    let days_ago = |n: i64| now - Duration::days(n);
    for community in ["320205106203", "320205001001"] {
        if !communities.iter().any(|c| c == community) {
            continue;
        }
        let plan: [(&str, &str, &str, &'static str, i64); 5] = [
            ("MZ-03", "顾桂英", "13861700001", "window", 16),
            ("SF-01", "钱永康", "13861700002", "window", 4),
            ("BM-02", "沈玉兰", "13861700003", "window", 1),
            ("JY-01", "邹小红", "13861700004", "window", 0),
            ("WS-01", "华建国", "13861700005", "online", 0),
        ];
        for (i, (code, name, phone, channel, ago)) in plan.into_iter().enumerate() {
            let Some(item_id) = item(code) else { continue };
            let input = CaseInput {
                community: community.into(),
                item: item_id,
                applicant_name: name.into(),
                applicant_phone: phone.into(),
                description: "（演示）".into(),
                ..Default::default()
            };
            let n = input
                .check(items, channel, channel != "window")
                .map_err(err)?;
            let at = days_ago(ago);
            let (reg, _) = cases::register(db, district, cal, &Actor::system("demo"), &n, at)
                .await
                .map_err(err)?;
            let step = |req| cases::step(db, cal, district, Who::User(&admin), reg.id, req, at);
            match i {
                // 高龄津贴 registered 16 days ago, still in progress: overdue
                0 => {
                    step(StepRequest::Start).await.map_err(err)?;
                }
                // mediation referred to the justice bureau
                1 => {
                    let dept = items
                        .iter()
                        .find(|i| i.code == code)
                        .and_then(|i| i.department_id);
                    if let Some(d) = dept {
                        let deadline = cal.add_working_days(at.date_naive(), 10);
                        step(StepRequest::Refer {
                            to: ReferTo::Department(d),
                            deadline,
                        })
                        .await
                        .map_err(err)?;
                    }
                }
                // housekeeping dispatched to the first provider (the demo provider account)
                2 => {
                    let deadline = cal.add_working_days(at.date_naive(), 2);
                    let _ = step(StepRequest::Refer {
                        to: ReferTo::Provider(1),
                        deadline,
                    })
                    .await;
                }
                _ => {}
            }
        }
    }
    Ok(())
}
