//! The demo district: 锡山区 with its real 9 town-level units and 130 communities (official
//! names and codes, copied into `data/xishan/`), and synthetic but plausible figures:
//! populations by year that sum to 397,000 in the latest year (as in the report), households,
//! two former villages merged into neighbours, and an account for every role.
//! Later domains extend this generator. `scale` > 1 adds synthetic towns for benchmarks.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::admin::users::{self, UserInput};
use crate::geo::import::{self, DivisionRow, Source};
use crate::geo::store;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db};
pub use crate::platform::sample::Rng;
use crate::platform::types::{DivisionCode, Level};
use crate::vals;

pub const DEMO_PASSWORD: &str = "shequ2026";
pub const FIRST_YEAR: i32 = 2006;
pub const LATEST_YEAR: i32 = 2025;
pub const DISTRICT_POPULATION: i64 = 397_000;

/// The demo accounts: (username, display name, role, binding).
pub const DEMO_USERS: &[(&str, &str, &str, &str)] = &[
    ("admin", "区民政局 王科长", "district_admin", ""),
    (
        "minzheng",
        "区民政局 李干事",
        "department_officer",
        "minzheng",
    ),
    (
        "weisheng",
        "区卫生局 赵医生",
        "department_officer",
        "weisheng",
    ),
    ("donggang", "东港镇 陈主任", "town_officer", "320205106000"),
    (
        "staff",
        "黄土塘村 周社工",
        "community_staff",
        "320205106203",
    ),
    (
        "staff2",
        "门楼社区 吴社工",
        "community_staff",
        "320205001001",
    ),
    ("assessor", "考核组 孙组长", "assessor", ""),
    ("provider", "锡山便民家政服务社", "provider", "provider"),
];

const FILES: &[(&str, Level, &str)] = &[
    (
        "provinces.csv",
        Level::Province,
        include_str!("../../data/china/provinces.csv"),
    ),
    (
        "cities.csv",
        Level::City,
        include_str!("../../data/china/cities.csv"),
    ),
    (
        "areas.csv",
        Level::Area,
        include_str!("../../data/china/areas.csv"),
    ),
    (
        "streets.csv",
        Level::Town,
        include_str!("../../data/xishan/streets.csv"),
    ),
    (
        "villages.csv",
        Level::Community,
        include_str!("../../data/xishan/villages.csv"),
    ),
];

/// Has the demo been generated in this database already?
pub async fn is_generated(db: &Db) -> anyhow::Result<bool> {
    Ok(db::scalar(
        &db.conn,
        "SELECT id FROM users WHERE username = 'admin'",
        vals![],
    )
    .await
    .map_err(err)?
    .is_some())
}

fn err(e: crate::platform::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.describe())
}

/// Scale `people` so they sum to exactly `total` (largest remainder).
pub fn scale_to_total(weights: &[i64], total: i64) -> Vec<i64> {
    let sum: i64 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out: Vec<i64> = weights.iter().map(|w| w * total / sum).collect();
    let mut rema: Vec<(i64, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| ((w * total) % sum, i))
        .collect();
    rema.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let short = total - out.iter().sum::<i64>();
    for (_, i) in rema.into_iter().take(short as usize) {
        out[i] += 1;
    }
    out
}

/// Build the demo into an empty, migrated database.
pub async fn generate(db: &Db, district: &DivisionCode, scale: u32) -> anyhow::Result<()> {
    generate_with_progress(db, district, scale, &indicatif::ProgressBar::hidden()).await?;
    Ok(())
}

/// The demo with a sample of the registry: `permille` of each community's people (the test
/// suite's demo, copied for every test, holds 2 % of the 397,000 people; everything else is
/// as `shequ demo` builds it).
pub async fn generate_sampled(
    db: &Db,
    district: &DivisionCode,
    permille: i64,
) -> anyhow::Result<()> {
    build(db, district, 1, permille, &indicatif::ProgressBar::hidden()).await?;
    Ok(())
}

/// The same, telling each step on a progress bar (8 steps); what each step took, in order.
pub async fn generate_with_progress(
    db: &Db,
    district: &DivisionCode,
    scale: u32,
    steps: &indicatif::ProgressBar,
) -> anyhow::Result<Vec<(&'static str, std::time::Duration)>> {
    build(db, district, scale, 1000, steps).await
}

async fn build(
    db: &Db,
    district: &DivisionCode,
    scale: u32,
    registry_permille: i64,
    steps: &indicatif::ProgressBar,
) -> anyhow::Result<Vec<(&'static str, std::time::Duration)>> {
    let mut took = Took::new(steps, 9, "区划 divisions");
    let actor = Actor::system("demo");
    let mut rng = Rng::new(2008);
    divisions(db, district, scale, &mut rng, &actor).await?;
    took.next("撤并 merges");
    merges(db, district, &actor).await?;
    took.next("人口 population");
    let (communities, active) = population(db, district, scale, &mut rng).await?;
    took.next("服务中心 service centres");

    // 6. Service centres: the standard, targets and every community's centre history.
    crate::centres::demo::generate(db, district, &communities, &mut rng).await?;
    crate::funding::demo::generate(db, district, scale, FIRST_YEAR, LATEST_YEAR).await?;
    crate::assessment::demo::generate(db, district, &mut rng).await?;
    took.next("服务大厅 service hall");

    // 7. The service hall: calendar, providers (the first is the demo provider account's),
    // residents and the history of cases of the communities of today.
    crate::hall::demo::generate(db, district, &active, scale, &mut rng).await?;
    took.next("自治互助 self-government");
    crate::selfgov::demo::generate(db, district, &active, scale, &mut rng).await?;
    took.next("社区工作者 workers");
    crate::workers::demo::generate(db, district, &active).await?;
    took.next("人口登记 registry");
    registry(db, district, registry_permille, &mut rng).await?;
    took.next("账号 accounts");
    accounts(db, district, &actor).await?;
    Ok(took.done())
}

/// The steps' progress and what each took.
struct Took<'a> {
    bar: &'a indicatif::ProgressBar,
    step: &'static str,
    since: std::time::Instant,
    took: Vec<(&'static str, std::time::Duration)>,
}

impl<'a> Took<'a> {
    fn new(bar: &'a indicatif::ProgressBar, steps: u64, first: &'static str) -> Self {
        bar.set_length(steps);
        bar.set_message(first);
        Took {
            bar,
            step: first,
            since: std::time::Instant::now(),
            took: vec![],
        }
    }

    fn next(&mut self, step: &'static str) {
        self.took.push((self.step, self.since.elapsed()));
        self.bar.inc(1);
        self.bar.set_message(step);
        self.step = step;
        self.since = std::time::Instant::now();
    }

    fn done(mut self) -> Vec<(&'static str, std::time::Duration)> {
        self.took.push((self.step, self.since.elapsed()));
        self.bar.inc(1);
        self.took
    }
}

/// The former villages merged into neighbours (77 villages in 2008, 66 today): code, name,
/// successor, date.
const FORMER: [(&str, &str, &str, &str); 2] = [
    ("320205106391", "张泾村", "320205106203", "2012-03-01"),
    ("320205102391", "西塘村", "320205102200", "2016-07-01"),
];

/// Steps 1 to 3: the real divisions of 锡山区 (through the same import as the CLI), the former
/// villages, and the synthetic towns of the larger districts.
async fn divisions(
    db: &Db,
    district: &DivisionCode,
    scale: u32,
    rng: &mut Rng,
    actor: &Actor,
) -> anyhow::Result<()> {
    // 1. The real divisions of 锡山区 through the same import as the CLI.
    let sources: Vec<Source> = FILES
        .iter()
        .map(|(name, level, text)| Source {
            name: (*name).into(),
            level: *level,
            reader: Box::new(text.as_bytes()),
        })
        .collect();
    let pb = indicatif::ProgressBar::hidden();
    // the country's provinces, cities and counties (ID numbers' area codes are checked
    // against them), and the district's towns and communities
    let mut rows = import::read_sources(sources, None, &pb).map_err(|e| anyhow::anyhow!("{e}"))?;

    // 2. Former villages, merged into neighbours (77 villages in 2008, 66 today).
    for (code, name, _, _) in FORMER {
        let c = DivisionCode::parse(code)?;
        rows.push(DivisionRow {
            code: c,
            level: Level::Community,
            name: format!("{name}村民委员会"),
            file: "demo".into(),
            line: 0,
        });
    }
    // 3. Synthetic towns for benchmarks.
    if scale > 1 {
        // 130 more communities per step of scale, over as many synthetic towns as the town
        // digits allow (about 480): towns grow instead when there are more to place.
        let area = &district.as_str()[..6];
        let town_digits: Vec<u32> = (4..=99)
            .chain(107..=199)
            .chain(200..=299)
            .chain(402..=599)
            .collect();
        let wanted = u64::from(scale - 1) * 130;
        let towns = ((scale - 1) as usize * 9).min(town_digits.len());
        let per_town = wanted.div_ceil(towns as u64) as i64;
        let mut placed = 0u64;
        for (n, t) in town_digits.iter().take(towns).enumerate() {
            let tcode = DivisionCode::parse(&format!("{area}{t:03}"))?;
            rows.push(DivisionRow {
                code: tcode,
                level: Level::Town,
                name: format!("示范{}号镇", n + 1),
                file: "demo".into(),
                line: 0,
            });
            let count = (per_town + rng.range(-2, 2)).clamp(1, 398) as u64;
            let count = count.min(wanted.saturating_sub(placed));
            for v in 0..count as i64 {
                let vd = if v % 2 == 0 { 1 + v / 2 } else { 200 + v / 2 };
                let ccode = DivisionCode::parse(&format!("{area}{t:03}{vd:03}"))?;
                let suffix = if vd < 200 {
                    "社区居委会"
                } else {
                    "村委会"
                };
                rows.push(DivisionRow {
                    code: ccode,
                    level: Level::Community,
                    name: format!("示范{}号镇第{}{suffix}", n + 1, v + 1),
                    file: "demo".into(),
                    line: 0,
                });
            }
            placed += count;
        }
    }
    import::import(db, rows, actor, "demo: data/xishan", &pb)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// Step 4: the merges, through the store so they are audited like real ones.
async fn merges(db: &Db, district: &DivisionCode, actor: &Actor) -> anyhow::Result<()> {
    // 4. Merges and a rename, through the store so they are audited like real ones.
    for (code, _, succ, on) in FORMER {
        let on = NaiveDate::parse_from_str(on, "%Y-%m-%d")?;
        store::merge_community(
            db,
            district,
            actor,
            code,
            succ,
            on,
            "撤并：农村集中居住点建设",
        )
        .await
        .map_err(err)?;
    }

    Ok(())
}

/// Step 5: populations by year, the latest summing to 397,000 over the communities of today
/// (× scale). Every community's code (merged-away included) and today's, sorted.
async fn population(
    db: &Db,
    district: &DivisionCode,
    scale: u32,
    rng: &mut Rng,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    // 5. Populations by year: latest year sums to 397,000 over the communities of today.
    let (communities, _) = store::list_communities(
        db,
        district,
        &crate::platform::auth::Scope::District,
        &store::CommunityFilter {
            merged: Some("1".into()),
            ..Default::default()
        },
        None,
    )
    .await
    .map_err(err)?;
    let active: Vec<&store::CommunityRow> = communities
        .iter()
        .filter(|c| c.merged_into.is_none())
        .collect();
    let weights: Vec<i64> = active
        .iter()
        .map(|c| {
            if c.kind() == crate::platform::types::CommunityKind::Residents {
                rng.range(2600, 5200)
            } else {
                rng.range(1800, 4300)
            }
        })
        .collect();
    let target = DISTRICT_POPULATION * i64::from(scale.max(1));
    let latest = scale_to_total(&weights, target);
    let mut values: Vec<(String, i32, i64, i64)> = vec![];
    for (c, pop) in active.iter().zip(&latest) {
        // Grow backwards: about 1.2% a year fewer people, residents' areas grew faster.
        let mut p = *pop as f64;
        let growth = if c.kind() == crate::platform::types::CommunityKind::Residents {
            0.018
        } else {
            0.006
        };
        let size = 2.55 + (rng.range(0, 40) as f64) / 100.0;
        for year in (FIRST_YEAR..=LATEST_YEAR).rev() {
            values.push((
                c.code.clone(),
                year,
                (p / size).round() as i64,
                p.round() as i64,
            ));
            p /= 1.0 + growth;
        }
    }
    // Before its merge a former village held part of today's territory: split the successor's
    // figures so that the roll-up runs on without a jump.
    for (code, _, succ, on) in FORMER {
        let until: i32 = on[..4].parse()?;
        let share = rng.range(30, 45) as f64 / 100.0;
        let mut split = vec![];
        for v in values.iter_mut().filter(|v| v.0 == succ && v.1 < until) {
            let (hh, pop) = (
                (v.2 as f64 * share).round() as i64,
                (v.3 as f64 * share).round() as i64,
            );
            v.2 -= hh;
            v.3 -= pop;
            split.push((code.to_string(), v.1, hh, pop));
        }
        values.extend(split);
    }
    insert_population(db, &values).await?;
    let codes: Vec<String> = communities.iter().map(|c| c.code.clone()).collect();
    let mut live: Vec<String> = active.iter().map(|c| c.code.clone()).collect();
    live.sort();
    Ok((codes, live))
}

/// Step 9: the whole registry, as many people as each community's latest population.
async fn registry(
    db: &Db,
    district: &DivisionCode,
    permille: i64,
    rng: &mut Rng,
) -> anyhow::Result<()> {
    let (lo, hi) = district.descendant_range();
    let communities: Vec<(String, i64)> = db::all_json(
        &db.conn,
        &["community_code", "permanent_population"],
        "SELECT p.community_code, p.permanent_population FROM population_snapshots p \
         JOIN divisions d ON d.code = p.community_code WHERE p.year = ? \
         AND d.merged_into IS NULL AND p.community_code BETWEEN ? AND ? ORDER BY p.community_code",
        vals![LATEST_YEAR, lo, hi],
    )
    .await
    .map_err(err)?
    .into_iter()
    .map(|(c, p): (String, i64)| (c, p * permille / 1000))
    .collect();
    let area = &district.as_str()[..6];
    let others: Vec<String> = db::all_json::<(String,), _>(
        &db.conn,
        &["code"],
        "SELECT code FROM divisions WHERE level = 3 AND code <> ? ORDER BY code",
        vals![district.as_str()],
    )
    .await
    .map_err(err)?
    .into_iter()
    .map(|(c,)| c[..6].to_string())
    .collect();
    crate::registry::demo::generate(db, area, &communities, &others, rng)
        .await
        .map_err(err)
}

/// Step 8: one account for every role.
async fn accounts(db: &Db, district: &DivisionCode, actor: &Actor) -> anyhow::Result<()> {
    // 8. One account for every role.
    for (username, name, role, binding) in DEMO_USERS {
        let mut input = UserInput {
            username: (*username).into(),
            display_name: (*name).into(),
            role: (*role).into(),
            password: DEMO_PASSWORD.into(),
            active: Some("on".into()),
            ..Default::default()
        };
        match *role {
            "department_officer" => {
                input.department_id = db::scalar(
                    &db.conn,
                    "SELECT id FROM departments WHERE code = ?",
                    vals![*binding],
                )
                .await
                .map_err(err)?
                .unwrap_or_default()
                .to_string()
            }
            "town_officer" => input.town_code = (*binding).into(),
            "community_staff" => input.community_code = (*binding).into(),
            "provider" => {
                input.provider_id = db::scalar(
                    &db.conn,
                    "SELECT id FROM providers ORDER BY id LIMIT 1",
                    vals![],
                )
                .await
                .map_err(err)?
                .unwrap_or_default()
                .to_string()
            }
            _ => {}
        }
        users::create(db, district, actor, &input)
            .await
            .map_err(|e| anyhow::anyhow!("demo user {username}: {}", e.describe()))?;
    }
    Ok(())
}

async fn insert_population(db: &Db, values: &[(String, i32, i64, i64)]) -> anyhow::Result<()> {
    let tx = db.write_tx().await.map_err(err)?;
    let now = db.clock().now();
    db::insert_rows(
        &tx,
        "population_snapshots",
        &[
            "community_code",
            "year",
            "households",
            "permanent_population",
            "updated_at",
        ],
        values
            .iter()
            .map(|(code, year, hh, pop)| {
                vec![
                    code.clone().into(),
                    (*year).into(),
                    (*hh).into(),
                    (*pop).into(),
                    now.into(),
                ]
            })
            .collect(),
    )
    .await
    .map_err(err)?;
    let total: BTreeMap<i32, i64> = values.iter().fold(BTreeMap::new(), |mut m, (_, y, _, p)| {
        *m.entry(*y).or_insert(0) += p;
        m
    });
    crate::platform::audit::commit(
        tx,
        &Actor::system("demo"),
        "import",
        "population_snapshot",
        "demo",
        None::<&()>,
        Some(&serde_json::json!({"rows": values.len(), "totals_by_year": total})),
    )
    .await
    .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn scaling_hits_the_total_exactly(weights in proptest::collection::vec(1i64..10_000, 1..200), total in 0i64..1_000_000) {
            let out = scale_to_total(&weights, total);
            prop_assert_eq!(out.iter().sum::<i64>(), total);
            prop_assert!(out.iter().all(|v| *v >= 0));
        }
    }
}
