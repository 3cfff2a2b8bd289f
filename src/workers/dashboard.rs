//! The workforce dashboard's figures for a territory and a day, counted by the database (the
//! district's 90,000 workers at `--scale 100` never travel to the app): headcount by post,
//! kind, age and education, the certified-social-worker coverage by year against the
//! district's targets with this year's forecast, training hours against the target,
//! turnover, vacancies against the norm, and the towns side by side.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::Value;
use serde::Serialize;

use crate::geo::store::community_scope_sql;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::types::DivisionCode;
use crate::vals;
use crate::workers::norms::{Norms, Target, norms, target_for, targets};
use crate::workers::rules::{AgeBand, Coverage, Education, Employment, Post};

/// The first year the dashboard's series start at: the report's 2007.
pub const FIRST_YEAR: i32 = 2007;

/// Upper ages of the age pyramid's five-year bands; the last band is everyone older.
pub const PYRAMID: [u32; 8] = [25, 30, 35, 40, 45, 50, 55, 60];

/// A town's (or the district office's) figures side by side with the others.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct TownRow {
    pub code: String,
    pub name: String,
    pub communities: u32,
    pub covered: u32,
    pub workers: u32,
    /// Average age in tenths of a year.
    pub avg_age_x10: u32,
    pub college_or_above: u32,
    /// Training hours credited in the year, all workers together.
    pub training_hours: u64,
    /// Workers whose hours in the year reach the target.
    pub trained: u32,
    /// Full-time posts the communities are entitled to by the norm, and those unfilled.
    pub entitled: u32,
    pub vacancies: u32,
}

impl TownRow {
    pub fn coverage(&self) -> Coverage {
        Coverage {
            communities: self.communities,
            covered: self.covered,
        }
    }

    /// Training hours per worker, in tenths.
    pub fn hours_per_worker_x10(&self) -> u64 {
        (self.training_hours * 10)
            .checked_div(u64::from(self.workers))
            .unwrap_or(0)
    }
}

/// The coverage at a year's end (today for this year) against the target then in force.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct YearRow {
    pub year: i32,
    pub communities: u32,
    pub covered: u32,
    pub target_pct: Option<i32>,
    /// Workers who joined the territory's workforce in the year, and who left it.
    pub joined: u32,
    pub left: u32,
    /// Serving at the year's end.
    pub headcount: u32,
}

impl YearRow {
    pub fn coverage(&self) -> Coverage {
        Coverage {
            communities: self.communities,
            covered: self.covered,
        }
    }
}

/// A community without a certified social worker, with who is closest to one: workers
/// enrolled in an exam preparation course that ended within the last twelve months, runs now
/// or is still to come.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Uncovered {
    pub code: String,
    pub name: String,
    /// (worker id, name, course title)
    pub closest: Vec<(i64, String, String)>,
}

/// The workforce of a territory on a day.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Workforce {
    pub year: i32,
    /// The day counted: the year's end, or today for this year.
    pub on: NaiveDate,
    pub total: TownRow,
    pub towns: Vec<TownRow>,
    pub by_year: Vec<YearRow>,
    pub target: Option<Target>,
    /// This year only: the coverage if every community's closest candidate is certified
    /// within the year, and whether that meets the target.
    pub forecast: Option<(u32, bool)>,
    /// (band's upper age or 0 for the oldest, men, women), youngest first.
    pub pyramid: Vec<(u32, u32, u32)>,
    /// (band key, count) in the report's three bands.
    pub age_bands: Vec<(String, u32)>,
    pub education: Vec<(String, u32)>,
    pub posts: Vec<(String, u32)>,
    pub employment: Vec<(String, u32)>,
    /// Communities without a certified social worker: how many, and the first
    /// [`UNCOVERED_SHOWN`] of them.
    pub uncovered_total: u32,
    pub uncovered: Vec<Uncovered>,
}

/// How many communities without a certified worker the dashboard lists.
pub const UNCOVERED_SHOWN: usize = 200;

/// What the dashboard counted, kept per territory, year and day until the workforce's tables
/// change (the migration's `workforce_version`, raised by every write to them) or
/// [`CACHE_TTL`] passes. One per application state (a part, `AppState::part`).
#[derive(Default)]
pub struct Counted(std::sync::Mutex<std::collections::HashMap<String, CountedEntry>>);

type CountedEntry = (i64, std::time::Instant, std::sync::Arc<Workforce>);

/// How long a count is kept at most (divisions added by the national import do not raise
/// the version).
pub const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// The most counts kept (territories × years × days).
const CACHE_MAX: usize = 512;

impl Counted {
    fn get(&self, key: &str, version: i64) -> Option<std::sync::Arc<Workforce>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (v, at, w) = map.get(key)?;
        (*v == version && at.elapsed() < CACHE_TTL).then(|| w.clone())
    }

    fn put(&self, key: String, version: i64, w: std::sync::Arc<Workforce>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHE_MAX {
            map.retain(|_, (v, at, _)| *v == version && at.elapsed() < CACHE_TTL);
            if map.len() >= CACHE_MAX {
                map.clear();
            }
        }
        map.insert(key, (version, std::time::Instant::now(), w));
    }
}

/// The workforce's version: raised by every write to the tables its figures come from.
pub async fn version(db: &Db) -> Result<i64> {
    Ok(db::scalar(
        &db.conn,
        "SELECT n FROM workforce_version WHERE id = 1",
        vals![],
    )
    .await?
    .unwrap_or(0))
}

/// [`workforce`], counted once per version of the workforce's tables.
pub async fn workforce_counted(
    db: &Db,
    counted: &Counted,
    district: &DivisionCode,
    u: &CurrentUser,
    year: i32,
    today: NaiveDate,
) -> Result<std::sync::Arc<Workforce>> {
    let key = format!("{:?}|{year}|{today}", u.scope);
    let v = version(db).await?;
    if let Some(w) = counted.get(&key, v) {
        return Ok(w);
    }
    // a write during the count leaves this copy under the old version: the next read misses
    let w = std::sync::Arc::new(workforce(db, district, u, year, today).await?);
    counted.put(key, v, w.clone());
    Ok(w)
}

/// Scope plus "serving on the day" over `worker_periods p JOIN divisions c`.
fn serving(u: &CurrentUser, district: &DivisionCode, on: NaiveDate) -> (String, Vec<Value>) {
    let (scope, mut v) = community_scope_sql(&u.scope, district);
    v.extend(vals![on, on]);
    (
        format!("{scope} AND p.start_on <= ? AND (p.end_on IS NULL OR p.end_on >= ?)"),
        v,
    )
}

/// A valid social-work certificate on the day, on `worker_certificates x`.
const CERTIFIED: &str = "x.level <> 'other' AND x.obtained_on <= ? \
    AND (x.registered_until IS NULL OR x.registered_until >= ?)";

/// A community existing on the day (not yet merged away), on `divisions c`.
const LIVE: &str = "c.level = 5 AND (c.merged_on IS NULL OR c.merged_on > ?)";

/// The code of the town a unit's code is under.
const TOWN: &str = "substr(p.unit_code, 1, 9)";

fn days_since_birth(db: &Db) -> &'static str {
    if db.is_sqlite() {
        "CAST(julianday(?) - julianday(w.birth_date) AS BIGINT)"
    } else {
        "(CAST(? AS DATE) - w.birth_date)"
    }
}

fn year_of(db: &Db, col: &str) -> String {
    if db.is_sqlite() {
        format!("CAST(substr({col}, 1, 4) AS INTEGER)")
    } else {
        format!("CAST(EXTRACT(YEAR FROM {col}) AS INTEGER)")
    }
}

fn year_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The workforce of `u`'s territory in `year` (as of the year's end, or today).
pub async fn workforce(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    year: i32,
    today: NaiveDate,
) -> Result<Workforce> {
    if !(1949..=2200).contains(&year) {
        return Err(AppError::invalid("year", "centres.year_range"));
    }
    let on = year_end(year).min(today.max(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today)));
    let targets = targets(db).await?;
    let target = target_for(&targets, year);
    let norms = norms(db).await?;
    let mut towns: BTreeMap<String, TownRow> = BTreeMap::new();
    headcount_by_town(db, district, u, on, &mut towns).await?;
    let uncovered_codes = coverage_by_town(db, district, u, on, &mut towns).await?;
    training_by_town(db, district, u, year, on, target, &mut towns).await?;
    vacancies_by_town(db, district, u, on, norms, &mut towns).await?;
    name_towns(db, &mut towns).await?;
    let mut total = TownRow::default();
    let mut age_sum = 0u64;
    for t in towns.values() {
        total.communities += t.communities;
        total.covered += t.covered;
        total.workers += t.workers;
        total.college_or_above += t.college_or_above;
        total.training_hours += t.training_hours;
        total.trained += t.trained;
        total.entitled += t.entitled;
        total.vacancies += t.vacancies;
        age_sum += u64::from(t.avg_age_x10) * u64::from(t.workers);
    }
    total.avg_age_x10 = age_sum.checked_div(u64::from(total.workers)).unwrap_or(0) as u32;
    let last = year.max(today.year());
    let by_year = by_year(db, district, u, FIRST_YEAR.min(year), last, today, &targets).await?;
    let (pyramid, age_bands, education, posts, employment) = structure(db, district, u, on).await?;
    let uncovered_total = uncovered_codes.len() as u32;
    let uncovered = uncovered(db, district, u, on, &uncovered_codes).await?;
    let forecast = (year == today.year()).then_some(()).and(target).map(|t| {
        let pending = uncovered.iter().filter(|c| !c.closest.is_empty()).count() as u32;
        // (the candidates are looked for in the communities listed; past UNCOVERED_SHOWN the
        // forecast counts none)
        let expected = Coverage {
            communities: total.communities,
            covered: total.covered + pending,
        };
        (
            expected.covered,
            expected.meets(t.coverage_pct.max(0) as u32),
        )
    });
    Ok(Workforce {
        year,
        on,
        total,
        towns: towns.into_values().collect(),
        by_year,
        target,
        forecast,
        pyramid,
        age_bands,
        education,
        posts,
        employment,
        uncovered_total,
        uncovered,
    })
}

fn row<'a>(towns: &'a mut BTreeMap<String, TownRow>, town9: &str) -> &'a mut TownRow {
    let code = format!("{town9}000");
    towns.entry(code.clone()).or_insert_with(|| TownRow {
        code,
        ..Default::default()
    })
}

async fn headcount_by_town(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    on: NaiveDate,
    towns: &mut BTreeMap<String, TownRow>,
) -> Result<()> {
    let (cond, v) = serving(u, district, on);
    let mut values = vals![on];
    values.extend(v);
    let rows: Vec<(String, u32, i64, u32)> = db::all_json(
        &db.conn,
        &["town", "n", "days", "college"],
        &format!(
            "SELECT {TOWN} AS town, COUNT(*) AS n, SUM({days}) AS days, \
             SUM(CASE WHEN w.education IN ('college', 'bachelor', 'postgraduate') THEN 1 ELSE 0 END) \
             AS college FROM worker_periods p JOIN divisions c ON c.code = p.unit_code \
             JOIN workers w ON w.id = p.worker_id WHERE {cond} GROUP BY {TOWN}",
            days = days_since_birth(db)
        ),
        values,
    )
    .await?;
    for (town, n, days, college) in rows {
        let r = row(towns, &town);
        r.workers = n;
        r.college_or_above = college;
        // days / 365.2425 per worker, in tenths of a year
        r.avg_age_x10 = (days.max(0) as f64 * 10.0 / 365.2425 / f64::from(n.max(1))).round() as u32;
    }
    Ok(())
}

/// Count the communities and those covered per town, and return the codes of those without
/// a certified social worker on the day, in code order.
async fn coverage_by_town(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    on: NaiveDate,
    towns: &mut BTreeMap<String, TownRow>,
) -> Result<Vec<String>> {
    let (scope, v) = community_scope_sql(&u.scope, district);
    let mut values = v;
    values.push(on.into());
    let communities: Vec<(String,)> = db::all_json(
        &db.conn,
        &["code"],
        &format!("SELECT c.code FROM divisions c WHERE {scope} AND {LIVE} ORDER BY c.code"),
        values,
    )
    .await?;
    let (cond, v) = serving(u, district, on);
    let mut values = vals![on, on, on];
    values.extend(v);
    let covered: Vec<(String,)> = db::all_json(
        &db.conn,
        &["code"],
        &format!(
            "SELECT DISTINCT p.unit_code AS code FROM worker_certificates x \
             JOIN worker_periods p ON p.worker_id = x.worker_id \
             JOIN divisions c ON c.code = p.unit_code AND {LIVE} \
             WHERE {CERTIFIED} AND {cond}"
        ),
        values,
    )
    .await?;
    let covered: std::collections::HashSet<&str> = covered.iter().map(|(c,)| c.as_str()).collect();
    let mut uncovered = vec![];
    for (code,) in &communities {
        let r = row(towns, &code[..9.min(code.len())]);
        r.communities += 1;
        if covered.contains(code.as_str()) {
            r.covered += 1;
        } else {
            uncovered.push(code.clone());
        }
    }
    Ok(uncovered)
}

#[allow(clippy::too_many_arguments)]
async fn training_by_town(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    year: i32,
    on: NaiveDate,
    target: Option<Target>,
    towns: &mut BTreeMap<String, TownRow>,
) -> Result<()> {
    let (cond, v) = serving(u, district, on);
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(on);
    let mut values = vals![
        i64::from(target.map_or(0, |t| t.training_hours)),
        first,
        year_end(year)
    ];
    values.extend(v);
    let rows: Vec<(String, i64, u32)> = db::all_json(
        &db.conn,
        &["town", "hours", "trained"],
        &format!(
            "SELECT town, SUM(hours) AS hours, SUM(CASE WHEN hours >= ? THEN 1 ELSE 0 END) \
             AS trained FROM (SELECT {TOWN} AS town, e.worker_id, SUM(e.hours) AS hours \
             FROM training_enrolments e JOIN training_courses k ON k.id = e.course_id \
             AND k.starts_on BETWEEN ? AND ? \
             JOIN worker_periods p ON p.worker_id = e.worker_id \
             JOIN divisions c ON c.code = p.unit_code \
             WHERE e.hours IS NOT NULL AND {cond} GROUP BY {TOWN}, e.worker_id) x GROUP BY town"
        ),
        values,
    )
    .await?;
    for (town, hours, trained) in rows {
        let r = row(towns, &town);
        r.training_hours = hours.max(0) as u64;
        r.trained = trained;
    }
    Ok(())
}

/// The full-time posts a community is entitled to by the norm, as SQL over its households
/// `hh` (values: per, per, minimum, per, per, minimum).
const ENTITLED: &str = "CASE WHEN (hh + ? - 1) / ? > ? THEN (hh + ? - 1) / ? ELSE ? END";

async fn vacancies_by_town(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    on: NaiveDate,
    norms: Norms,
    towns: &mut BTreeMap<String, TownRow>,
) -> Result<()> {
    let (scope, v) = community_scope_sql(&u.scope, district);
    let per = i64::from(norms.per_households.max(1));
    let min = i64::from(norms.minimum);
    let mut values = vals![per, per, min, per, per, min, on, on.year()];
    values.extend(v);
    values.push(on.into());
    let rows: Vec<(String, i64, i64)> = db::all_json(
        &db.conn,
        &["town", "entitled", "vacancies"],
        &format!(
            "SELECT town, SUM(entitled) AS entitled, \
             SUM(CASE WHEN entitled > filled THEN entitled - filled ELSE 0 END) AS vacancies \
             FROM (SELECT town, {ENTITLED} AS entitled, filled FROM ( \
               SELECT substr(c.code, 1, 9) AS town, COALESCE(h.households, 0) AS hh, \
               (SELECT COUNT(*) FROM worker_periods p WHERE p.unit_code = c.code \
                 AND p.end_on IS NULL AND p.employment = 'full_time' AND p.start_on <= ?) AS filled \
               FROM divisions c LEFT JOIN population_snapshots h ON h.community_code = c.code \
               AND h.year = (SELECT MAX(s.year) FROM population_snapshots s \
                 WHERE s.community_code = c.code AND s.year <= ?) \
               WHERE {scope} AND {LIVE}) y) x GROUP BY town"
        ),
        values,
    )
    .await?;
    for (town, entitled, vacancies) in rows {
        let r = row(towns, &town);
        r.entitled = entitled.max(0) as u32;
        r.vacancies = vacancies.max(0) as u32;
    }
    Ok(())
}

async fn name_towns(db: &Db, towns: &mut BTreeMap<String, TownRow>) -> Result<()> {
    if towns.is_empty() {
        return Ok(());
    }
    let codes: Vec<Value> = towns.keys().map(|c| c.clone().into()).collect();
    let marks = vec!["?"; codes.len()].join(", ");
    let names: Vec<(String, String)> = db::all_json(
        &db.conn,
        &["code", "name"],
        &format!("SELECT code, name FROM divisions WHERE code IN ({marks})"),
        codes,
    )
    .await?;
    for (code, name) in names {
        if let Some(t) = towns.get_mut(&code) {
            t.name = name;
        }
    }
    Ok(())
}

/// A certified worker's service in a community: (unit, certificate obtained, registered
/// until, period's start, period's end, the community's merge).
type Stretch = (
    String,
    NaiveDate,
    Option<NaiveDate>,
    NaiveDate,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

/// Workers by the year of their first start and of their last end (none while serving).
type Flow = (Option<i32>, Option<i32>, u32);

/// The coverage by year from `first` to `last` (each year's end, or today) and the
/// workforce's turnover, for `u`'s territory.
async fn by_year(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    first: i32,
    last: i32,
    today: NaiveDate,
    targets: &[Target],
) -> Result<Vec<YearRow>> {
    let years: Vec<(i32, NaiveDate)> = (first..=last)
        .map(|y| (y, year_end(y).min(today)))
        .collect();
    let (scope, v) = community_scope_sql(&u.scope, district);
    // communities: today's, plus those merged away after a year's end
    let current = db::scalar(
        &db.conn,
        &format!(
            "SELECT COUNT(*) FROM divisions c WHERE {scope} AND c.level = 5 \
             AND c.merged_into IS NULL"
        ),
        v.clone(),
    )
    .await?
    .unwrap_or(0) as u32;
    let merged: Vec<(NaiveDate,)> = db::all_json(
        &db.conn,
        &["merged_on"],
        &format!(
            "SELECT c.merged_on FROM divisions c WHERE {scope} AND c.level = 5 \
             AND c.merged_on IS NOT NULL"
        ),
        v.clone(),
    )
    .await?;
    let covered = covered_by_year(db, &scope, v.clone(), &years).await?;
    let flows: Vec<Flow> = db::all_json(
        &db.conn,
        &["a", "b", "n"],
        &format!(
            "SELECT {a} AS a, {b} AS b, COUNT(*) AS n FROM (SELECT p.worker_id, \
             MIN(p.start_on) AS first_on, \
             CASE WHEN COUNT(*) = COUNT(p.end_on) THEN MAX(p.end_on) END AS last_end \
             FROM worker_periods p JOIN divisions c ON c.code = p.unit_code WHERE {scope} \
             GROUP BY p.worker_id) f GROUP BY {a}, {b}",
            a = year_of(db, "f.first_on"),
            b = year_of(db, "f.last_end"),
        ),
        v,
    )
    .await?;
    Ok(years
        .into_iter()
        .map(|(year, d)| {
            let joined_by = |y: i32| -> u32 {
                flows
                    .iter()
                    .filter(|(a, _, _)| a.is_some_and(|a| a <= y))
                    .map(|f| f.2)
                    .sum()
            };
            let left_by = |y: i32| -> u32 {
                flows
                    .iter()
                    .filter(|(_, b, _)| b.is_some_and(|b| b <= y))
                    .map(|f| f.2)
                    .sum()
            };
            let in_year = |y: i32, pick: fn(&Flow) -> Option<i32>| {
                flows
                    .iter()
                    .filter(|f| pick(f) == Some(y))
                    .map(|f| f.2)
                    .sum()
            };
            YearRow {
                year,
                communities: current + merged.iter().filter(|(m,)| *m > d).count() as u32,
                covered: covered.get(&year).copied().unwrap_or(0),
                target_pct: target_for(targets, year).map(|t| t.coverage_pct),
                joined: in_year(year, |f| f.0),
                left: in_year(year, |f| f.1),
                headcount: joined_by(year).saturating_sub(left_by(year)),
            }
        })
        .collect())
}

/// Communities covered at each year's end (or today), from every stretch in which a
/// certified worker served a community: one pass here rather than one query per year.
async fn covered_by_year(
    db: &Db,
    scope: &str,
    v: Vec<Value>,
    years: &[(i32, NaiveDate)],
) -> Result<BTreeMap<i32, u32>> {
    // every stretch in which a certified worker served a community: a community is covered
    // at a year's end when a stretch spans it (one pass here rather than one per year in SQL)
    let stretches: Vec<Stretch> = db::all_json(
        &db.conn,
        &[
            "unit_code",
            "obtained_on",
            "registered_until",
            "start_on",
            "end_on",
            "merged_on",
        ],
        &format!(
            "SELECT p.unit_code, x.obtained_on, x.registered_until, p.start_on, p.end_on, \
             c.merged_on FROM worker_certificates x \
             JOIN worker_periods p ON p.worker_id = x.worker_id \
             JOIN divisions c ON c.code = p.unit_code AND c.level = 5 \
             WHERE x.level <> 'other' AND {scope}"
        ),
        v,
    )
    .await?;
    let mut covered: BTreeMap<i32, std::collections::HashSet<&str>> = BTreeMap::new();
    for (unit, obtained, until, start, end, merged) in &stretches {
        let lo = (*obtained).max(*start);
        let hi = until
            .unwrap_or(NaiveDate::MAX)
            .min(end.unwrap_or(NaiveDate::MAX));
        let hi = merged.and_then(|m| m.pred_opt()).map_or(hi, |m| hi.min(m));
        for (y, d) in years {
            if lo <= *d && *d <= hi {
                covered.entry(*y).or_default().insert(unit.as_str());
            }
        }
    }
    Ok(covered
        .into_iter()
        .map(|(y, units)| (y, units.len() as u32))
        .collect())
}

/// The day `years` years before `on` (a 29 February falls back to the 28th): who is born on
/// or before it is at least that old on `on`.
fn years_before(on: NaiveDate, years: u32) -> NaiveDate {
    let y = on.year() - years as i32;
    NaiveDate::from_ymd_opt(y, on.month(), on.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, 2, 28))
        .unwrap_or(on)
}

/// Workers by five-year band, sex (1 a man), education, post and employment.
type StructureRow = (usize, u8, String, String, String, u32);

type Structure = (
    Vec<(u32, u32, u32)>,
    Vec<(String, u32)>,
    Vec<(String, u32)>,
    Vec<(String, u32)>,
    Vec<(String, u32)>,
);

/// The workforce serving on the day by age band and sex, education, post and employment.
async fn structure(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    on: NaiveDate,
) -> Result<Structure> {
    let arms: String = PYRAMID
        .iter()
        .enumerate()
        .map(|(i, _)| format!(" WHEN w.birth_date > ? THEN {i}"))
        .collect();
    let mut values: Vec<Value> = PYRAMID
        .iter()
        .map(|a| years_before(on, a + 1).into())
        .collect();
    let (cond, v) = serving(u, district, on);
    values.extend(v);
    let rows: Vec<StructureRow> = db::all_json(
        &db.conn,
        &["band", "m", "education", "post", "employment", "n"],
        &format!(
            "SELECT band, m, education, post, employment, COUNT(*) AS n FROM ( \
             SELECT CASE{arms} ELSE {last} END AS band, \
             CASE WHEN w.male THEN 1 ELSE 0 END AS m, w.education, p.post, p.employment \
             FROM worker_periods p JOIN divisions c ON c.code = p.unit_code \
             JOIN workers w ON w.id = p.worker_id WHERE {cond}) x \
             GROUP BY band, m, education, post, employment",
            last = PYRAMID.len()
        ),
        values,
    )
    .await?;
    let mut pyramid: Vec<(u32, u32, u32)> = PYRAMID
        .iter()
        .copied()
        .chain([0])
        .map(|a| (a, 0, 0))
        .collect();
    let mut bands = [0u32; 3];
    let sum = |keys: Vec<&'static str>, of: fn(&StructureRow) -> &str| {
        keys.into_iter()
            .map(|k| {
                let n = rows.iter().filter(|r| of(r) == k).map(|r| r.5).sum();
                (k.to_string(), n)
            })
            .collect::<Vec<_>>()
    };
    let education = sum(Education::ALL.iter().map(|e| e.key()).collect(), |r| &r.2);
    let posts = sum(Post::ALL.iter().map(|p| p.key()).collect(), |r| &r.3);
    let employment = sum(Employment::ALL.iter().map(|e| e.key()).collect(), |r| &r.4);
    for r in &rows {
        let band = r.0.min(PYRAMID.len());
        if r.1 == 1 {
            pyramid[band].1 += r.5;
        } else {
            pyramid[band].2 += r.5;
        }
        // the report's bands: up to 35 (five-year bands 0-2), 36-50 (3-5), over 50
        bands[(band / 3).min(2)] += r.5;
    }
    let age_bands = AgeBand::ALL
        .iter()
        .zip(bands)
        .map(|(b, n)| (b.key().to_string(), n))
        .collect();
    Ok((pyramid, age_bands, education, posts, employment))
}

/// The communities without a certified worker (the first [`UNCOVERED_SHOWN`]) with their
/// names and who is closest: workers serving there enrolled in an exam preparation course
/// that ended within the last twelve months, runs now or is still to come.
async fn uncovered(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    on: NaiveDate,
    codes: &[String],
) -> Result<Vec<Uncovered>> {
    let shown = &codes[..codes.len().min(UNCOVERED_SHOWN)];
    if shown.is_empty() {
        return Ok(vec![]);
    }
    let marks = vec!["?"; shown.len()].join(", ");
    let list: Vec<Value> = shown.iter().map(|c| c.clone().into()).collect();
    let names: Vec<(String, String)> = db::all_json(
        &db.conn,
        &["code", "name"],
        &format!("SELECT code, name FROM divisions WHERE code IN ({marks}) ORDER BY code"),
        list.clone(),
    )
    .await?;
    let (cond, v) = serving(u, district, on);
    // enrolled in an exam course that ended within the year, runs now, or is still to come
    let mut values = vals![on - chrono::Duration::days(365)];
    values.extend(list);
    values.extend(v);
    let closest: Vec<(String, i64, String, String)> = db::all_json(
        &db.conn,
        &["unit_code", "id", "name", "title"],
        &format!(
            "SELECT p.unit_code, w.id, w.name, k.title FROM training_enrolments e \
             JOIN training_courses k ON k.id = e.course_id AND k.kind = 'exam_prep' \
               AND k.ends_on >= ? \
             JOIN workers w ON w.id = e.worker_id \
             JOIN worker_periods p ON p.worker_id = w.id AND p.unit_code IN ({marks}) \
             JOIN divisions c ON c.code = p.unit_code \
             WHERE {cond} ORDER BY p.unit_code, k.starts_on DESC, w.id"
        ),
        values,
    )
    .await?;
    Ok(names
        .into_iter()
        .map(|(code, name)| {
            let mut seen = std::collections::HashSet::new();
            let closest = closest
                .iter()
                .filter(|c| c.0 == code && seen.insert(c.1))
                .map(|c| (c.1, c.2.clone(), c.3.clone()))
                .collect();
            Uncovered {
                code,
                name,
                closest,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn years_before_agrees_with_age_on() {
        for on in ["2024-02-29", "2025-02-28", "2026-12-01", "2026-01-01"] {
            let on = d(on);
            for a in [25u32, 36, 61] {
                let t = years_before(on, a);
                assert!(crate::workers::rules::age_on(t, on) >= a, "{on} {a}");
                assert!(
                    crate::workers::rules::age_on(t + chrono::Duration::days(1), on) < a,
                    "{on} {a}"
                );
            }
        }
    }
}
