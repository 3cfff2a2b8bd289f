//! Queries of the geography. Every list and load takes the caller's [`Scope`]: staff of a
//! community see it alone, a town officer the town's communities, everyone else the district.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{FromQueryResult, Value};
use serde::Serialize;

use crate::geo::rules::{self, Merge};
use crate::platform::audit;
use crate::platform::auth::{Actor, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::types::{CommunityKind, DivisionCode, Level};
use crate::vals;

/// `code BETWEEN lo AND hi` for everything under a division (codes are its descendants'
/// prefixes), on the primary key: no stored parent or area column to keep in step.
fn under(alias: &str, code: &DivisionCode) -> (String, Vec<Value>) {
    let (lo, hi) = code.descendant_range();
    (format!("{alias}.code BETWEEN ? AND ?"), vals![lo, hi])
}

/// SQL condition (on alias `c`) and values limiting communities to a scope, for other
/// domains' queries over `divisions c`.
pub fn community_scope_sql(scope: &Scope, district: &DivisionCode) -> (String, Vec<Value>) {
    community_scope(scope, district)
}

/// SQL condition (on alias `c`) and values limiting communities to a scope. Community staff
/// also see the former communities merged into theirs: that history is their territory's.
fn community_scope(scope: &Scope, district: &DivisionCode) -> (String, Vec<Value>) {
    let (in_district, mut v) = under("c", district);
    match scope {
        Scope::District | Scope::Department(_) => (in_district, v),
        Scope::Town(t) => {
            let (in_town, tv) = under("c", t);
            v.extend(tv);
            (format!("{in_district} AND {in_town}"), v)
        }
        Scope::Community(x) => {
            v.extend(vals![x.as_str(), x.as_str()]);
            (
                format!("{in_district} AND (c.code = ? OR c.merged_into = ?)"),
                v,
            )
        }
        Scope::Provider(_) => ("1 = 0".into(), vals![]),
    }
}

/// SQL condition (on alias `t`) limiting towns to a scope. Community staff and providers
/// have no town view: a town page lists sibling communities.
fn town_scope(scope: &Scope, district: &DivisionCode) -> (String, Vec<Value>) {
    match scope {
        Scope::District | Scope::Department(_) => under("t", district),
        Scope::Town(x) => {
            let (in_district, mut v) = under("t", district);
            v.push(x.as_str().into());
            (format!("{in_district} AND t.code = ?"), v)
        }
        Scope::Community(_) | Scope::Provider(_) => ("1 = 0".into(), vals![]),
    }
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct TownSummary {
    pub code: String,
    pub name: String,
    /// Communities not merged away.
    pub communities: i64,
    pub residents_committees: i64,
    pub village_committees: i64,
    /// Permanent population of the latest year on record, summed over its communities.
    pub population: i64,
    pub households: i64,
}

const LATEST_POP: &str = "(SELECT MAX(year) FROM population_snapshots)";

/// Towns in scope with their figures. (`+c.level`: newer SQLite would otherwise build an
/// automatic index on the level for every call and scan every community once per town
/// instead of the town's primary-key range: 20 times slower at 13,000 communities.)
pub async fn list_towns(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
) -> Result<Vec<TownSummary>> {
    let (cond, v) = town_scope(scope, district);
    db::all(
        &db.conn,
        &format!(
            "SELECT t.code, t.name, \
               COUNT(c.code) AS communities, \
               COALESCE(SUM(CASE WHEN substr(c.code, 10, 3) BETWEEN '001' AND '199' THEN 1 ELSE 0 END), 0) AS residents_committees, \
               COALESCE(SUM(CASE WHEN substr(c.code, 10, 3) BETWEEN '200' AND '399' THEN 1 ELSE 0 END), 0) AS village_committees, \
               CAST(COALESCE(SUM(p.permanent_population), 0) AS BIGINT) AS population, \
               CAST(COALESCE(SUM(p.households), 0) AS BIGINT) AS households \
             FROM divisions t \
             LEFT JOIN divisions c ON +c.level = 5 AND c.merged_into IS NULL \
               AND c.code BETWEEN substr(t.code, 1, 9) || '000' AND substr(t.code, 1, 9) || '999' \
             LEFT JOIN population_snapshots p ON p.community_code = c.code AND p.year = {LATEST_POP} \
             WHERE t.level = 4 AND {cond} \
             GROUP BY t.code, t.name ORDER BY t.code"
        ),
        v,
    )
    .await
}

/// Code and name of the towns in scope, for filters and forms (no figures).
#[derive(Clone, Debug, FromQueryResult)]
pub struct TownOption {
    pub code: String,
    pub name: String,
}

pub async fn town_options(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
) -> Result<Vec<TownOption>> {
    let (cond, v) = town_scope(scope, district);
    db::all(
        &db.conn,
        &format!(
            "SELECT t.code, t.name FROM divisions t WHERE t.level = 4 AND {cond} ORDER BY t.code"
        ),
        v,
    )
    .await
}

pub async fn load_town(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    code: &str,
) -> Result<TownSummary> {
    let code = DivisionCode::parse_level(code, Level::Town).map_err(|_| AppError::NotFound)?;
    list_towns(db, district, scope)
        .await?
        .into_iter()
        .find(|t| t.code == code.as_str())
        .ok_or(AppError::NotFound)
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct CommunityRow {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub town_name: String,
    pub merged_into: Option<String>,
    pub merged_on: Option<NaiveDate>,
    /// Latest population year on record for this community.
    pub population_year: Option<i32>,
    pub permanent_population: Option<i64>,
    pub households: Option<i64>,
}

impl CommunityRow {
    pub fn kind(&self) -> CommunityKind {
        DivisionCode::parse(&self.code)
            .ok()
            .and_then(|c| c.community_kind())
            .unwrap_or(CommunityKind::Other)
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
pub struct CommunityFilter {
    /// Town code (9 or 12 digits).
    pub town: Option<String>,
    /// `residents` (居委会) or `village` (村委会).
    pub kind: Option<String>,
    /// Part of the name.
    pub q: Option<String>,
    /// Include communities merged away (default: no).
    pub merged: Option<String>,
    pub page: Option<u64>,
}

impl CommunityFilter {
    pub fn include_merged(&self) -> bool {
        matches!(self.merged.as_deref(), Some("1" | "true" | "on" | "yes"))
    }
}

pub const COMMUNITY_PAGE_SIZE: u64 = 50;

const COMMUNITY_COLUMNS: &str = "SELECT c.code, c.name, t.code AS town_code, t.name AS town_name, \
    c.merged_into, c.merged_on, p.year AS population_year, p.permanent_population, p.households";

const COMMUNITY_FROM: &str = "FROM divisions c \
    JOIN divisions t ON t.code = substr(c.code, 1, 9) || '000' \
    LEFT JOIN population_snapshots p ON p.community_code = c.code \
      AND p.year = (SELECT MAX(p2.year) FROM population_snapshots p2 WHERE p2.community_code = c.code)";

fn community_where(
    district: &DivisionCode,
    scope: &Scope,
    f: &CommunityFilter,
) -> Result<(String, Vec<Value>)> {
    let (cond, mut v) = community_scope(scope, district);
    let mut wh = vec!["c.level = 5".to_string(), cond];
    filter_town(f.town.as_deref(), &mut wh, &mut v)?;
    if let Some(k) = f.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let k = CommunityKind::parse_key(k)
            .ok_or_else(|| AppError::Invalid(vec![FieldError::new("kind", "geo.bad_kind")]))?;
        let (lo, hi) = k.digit_range();
        wh.push("substr(c.code, 10, 3) BETWEEN ? AND ?".into());
        v.push(lo.into());
        v.push(hi.into());
    }
    filter_search(f.q.as_deref(), &mut wh, &mut v);
    if !f.include_merged() {
        wh.push("c.merged_into IS NULL".into());
    }
    Ok((wh.join(" AND "), v))
}

/// The town filter of a community list (on alias `c`): the town's range of codes.
pub fn filter_town(town: Option<&str>, wh: &mut Vec<String>, v: &mut Vec<Value>) -> Result<()> {
    if let Some(t) = town.map(str::trim).filter(|s| !s.is_empty()) {
        let t = DivisionCode::parse_level(t, Level::Town)
            .map_err(|_| AppError::Invalid(vec![FieldError::new("town", "geo.bad_town_code")]))?;
        let (in_town, tv) = under("c", &t);
        wh.push(in_town);
        v.extend(tv);
    }
    Ok(())
}

/// The search box of a community list (on alias `c`): digits search the code, anything else
/// the name.
pub fn filter_search(q: Option<&str>, wh: &mut Vec<String>, v: &mut Vec<Value>) {
    if let Some(q) = q.map(str::trim).filter(|s| !s.is_empty()) {
        if q.bytes().all(|b| b.is_ascii_digit()) {
            wh.push("c.code LIKE ?".into());
            v.push(format!("%{q}%").into());
        } else {
            wh.push("c.name LIKE ? ESCAPE '\\'".into());
            v.push(db::like_pattern(q).into());
        }
    }
}

/// One page of communities in scope, and how many there are in all.
pub async fn list_communities(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    f: &CommunityFilter,
    limit: Option<(u64, u64)>,
) -> Result<(Vec<CommunityRow>, u64)> {
    let (wh, v) = community_where(district, scope, f)?;
    let paging = match limit {
        Some((limit, offset)) => format!(" LIMIT {limit} OFFSET {offset}"),
        None => String::new(),
    };
    // The page and the count in one statement: every statement is a round trip to the
    // database's worker thread, which costs more than the count itself.
    let mut both = v.clone();
    both.extend(v.clone());
    let mut rows: Vec<CountedCommunityRow> = db::all_json(
        &db.conn,
        &[
            "code",
            "name",
            "town_code",
            "town_name",
            "merged_into",
            "merged_on",
            "population_year",
            "permanent_population",
            "households",
            "total_rows",
        ],
        &format!(
            "{COMMUNITY_COLUMNS}, (SELECT COUNT(*) FROM divisions c WHERE {wh}) AS total_rows \
             {COMMUNITY_FROM} WHERE {wh} ORDER BY c.code{paging}"
        ),
        both,
    )
    .await?;
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    let total = match rows.first() {
        Some(r) => r.total_rows as u64,
        // Past the last page: count alone.
        None => db::scalar(
            &db.conn,
            &format!("SELECT COUNT(*) FROM divisions c WHERE {wh}"),
            v,
        )
        .await?
        .unwrap_or(0) as u64,
    };
    Ok((rows.into_iter().map(CommunityRow::from).collect(), total))
}

/// The page `f.page` asks for (from 1), its rows, the total and the page number used.
pub async fn community_page(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    f: &CommunityFilter,
) -> Result<(Vec<CommunityRow>, u64, u64)> {
    let page = crate::platform::http::pagination::page_number(f.page);
    let per = COMMUNITY_PAGE_SIZE;
    let (rows, total) = list_communities(
        db,
        district,
        scope,
        f,
        Some((per, (page - 1).saturating_mul(per))),
    )
    .await?;
    Ok((rows, total, page))
}

#[derive(serde::Deserialize)]
struct CountedCommunityRow {
    code: String,
    name: String,
    town_code: String,
    town_name: String,
    merged_into: Option<String>,
    merged_on: Option<NaiveDate>,
    population_year: Option<i32>,
    permanent_population: Option<i64>,
    households: Option<i64>,
    total_rows: i64,
}

impl From<CountedCommunityRow> for CommunityRow {
    fn from(r: CountedCommunityRow) -> Self {
        CommunityRow {
            code: r.code,
            name: r.name,
            town_code: r.town_code,
            town_name: r.town_name,
            merged_into: r.merged_into,
            merged_on: r.merged_on,
            population_year: r.population_year,
            permanent_population: r.permanent_population,
            households: r.households,
        }
    }
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct PopulationSnapshot {
    pub year: i32,
    pub households: i64,
    pub permanent_population: i64,
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct DivisionChange {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub effective_on: NaiveDate,
    pub old_name: Option<String>,
    pub new_name: Option<String>,
    pub successor_code: Option<String>,
    pub note: String,
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct MergedFrom {
    pub code: String,
    pub name: String,
    pub merged_on: NaiveDate,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CommunityDetail {
    #[serde(flatten)]
    pub row: CommunityRow,
    pub kind: CommunityKind,
    pub successor_name: Option<String>,
    pub population_history: Vec<PopulationSnapshot>,
    /// The same history with communities merged into this one added in (roll-up).
    pub rolled_up_history: Vec<PopulationSnapshot>,
    pub changes: Vec<DivisionChange>,
    pub merged_from: Vec<MergedFrom>,
}

/// A community in scope, or 404 (a community outside your scope does not exist for you).
pub async fn load_community(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    code: &str,
) -> Result<CommunityDetail> {
    let code = DivisionCode::parse_level(code, Level::Community).map_err(|_| AppError::NotFound)?;
    let (cond, mut v) = community_scope(scope, district);
    v.push(code.as_str().into());
    let row: CommunityRow = db::one(
        &db.conn,
        &format!(
            "{COMMUNITY_COLUMNS} {COMMUNITY_FROM} WHERE c.level = 5 AND {cond} AND c.code = ?"
        ),
        v,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let population_history: Vec<PopulationSnapshot> = db::all(
        &db.conn,
        "SELECT year, households, permanent_population FROM population_snapshots WHERE community_code = ? ORDER BY year",
        vals![code.as_str()],
    )
    .await?;
    let changes = db::all(
        &db.conn,
        "SELECT id, code, kind, effective_on, old_name, new_name, successor_code, note FROM division_changes \
         WHERE code = ? ORDER BY effective_on, id",
        vals![code.as_str()],
    )
    .await?;
    let merged_from: Vec<MergedFrom> = db::all(
        &db.conn,
        "SELECT code, name, merged_on FROM divisions WHERE merged_into = ? ORDER BY merged_on, code",
        vals![code.as_str()],
    )
    .await?;
    let successor_name = match &row.merged_into {
        Some(s) => db::one::<NameRow, _>(
            &db.conn,
            "SELECT name FROM divisions WHERE code = ?",
            vals![s.clone()],
        )
        .await?
        .map(|n| n.name),
        None => None,
    };
    let rolled_up_history = if merged_from.is_empty() {
        population_history.clone()
    } else {
        rolled_up_population(db, code.as_str()).await?
    };
    Ok(CommunityDetail {
        kind: row.kind(),
        row,
        successor_name,
        population_history,
        rolled_up_history,
        changes,
        merged_from,
    })
}

#[derive(FromQueryResult)]
struct NameRow {
    name: String,
}

#[derive(FromQueryResult)]
struct MergeRow {
    code: String,
    merged_into: String,
    merged_on: NaiveDate,
}

/// Every merge on record, for roll-ups.
pub async fn merges(db: &Db) -> Result<HashMap<String, Merge>> {
    let rows: Vec<MergeRow> = db::all(
        &db.conn,
        "SELECT code, merged_into, merged_on FROM divisions WHERE merged_into IS NOT NULL",
        vals![],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.code,
                Merge {
                    successor: r.merged_into,
                    on: r.merged_on,
                },
            )
        })
        .collect())
}

#[derive(FromQueryResult)]
struct PopRow {
    community_code: String,
    year: i32,
    households: i64,
    permanent_population: i64,
}

/// A community's population by year on today's territory: every community that was merged
/// into it (at any date) is added to every year, so years before and after a merge compare.
async fn rolled_up_population(db: &Db, code: &str) -> Result<Vec<PopulationSnapshot>> {
    let m = merges(db).await?;
    // Communities whose chain leads here at some date.
    let members: Vec<String> = m
        .keys()
        .filter(|c| rules::rolls_into(c, code, &m))
        .cloned()
        .chain(std::iter::once(code.to_string()))
        .collect();
    let placeholders = vec!["?"; members.len()].join(",");
    let rows: Vec<PopRow> = db::all(
        &db.conn,
        &format!(
            "SELECT community_code, year, households, permanent_population FROM population_snapshots \
             WHERE community_code IN ({placeholders}) ORDER BY year, community_code"
        ),
        members.into_iter().map(Value::from).collect(),
    )
    .await?;
    let mut by_year: std::collections::BTreeMap<i32, (i64, i64)> = Default::default();
    for r in rows {
        if rules::successor_on(&r.community_code, NaiveDate::MAX, &m) == code {
            let e = by_year.entry(r.year).or_default();
            e.0 += r.households;
            e.1 += r.permanent_population;
        }
    }
    Ok(by_year
        .into_iter()
        .map(
            |(year, (households, permanent_population))| PopulationSnapshot {
                year,
                households,
                permanent_population,
            },
        )
        .collect())
}

/// District (or scope) figures for the home page.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub towns: i64,
    pub communities: i64,
    pub residents_committees: i64,
    pub village_committees: i64,
    pub population_year: Option<i32>,
    pub population: i64,
    pub households: i64,
    /// Communities without a population figure for that year.
    pub missing_population: i64,
    pub merged_away: i64,
}

pub async fn figures(db: &Db, district: &DivisionCode, scope: &Scope) -> Result<Figures> {
    let (tcond, mut v) = town_scope(scope, district);
    let (cond, cv) = community_scope(scope, district);
    v.extend(cv);
    #[derive(FromQueryResult)]
    struct F {
        towns: i64,
        communities: i64,
        residents: i64,
        villages: i64,
        merged_away: i64,
        missing: i64,
        population: i64,
        households: i64,
        year: Option<i32>,
    }
    let f: Option<F> = db::one(
        &db.conn,
        &format!(
            "SELECT \
               (SELECT COUNT(*) FROM divisions t WHERE t.level = 4 AND {tcond}) AS towns, \
               COALESCE(SUM(CASE WHEN c.merged_into IS NULL THEN 1 ELSE 0 END), 0) AS communities, \
               COALESCE(SUM(CASE WHEN c.merged_into IS NULL AND substr(c.code, 10, 3) BETWEEN '001' AND '199' THEN 1 ELSE 0 END), 0) AS residents, \
               COALESCE(SUM(CASE WHEN c.merged_into IS NULL AND substr(c.code, 10, 3) BETWEEN '200' AND '399' THEN 1 ELSE 0 END), 0) AS villages, \
               COALESCE(SUM(CASE WHEN c.merged_into IS NOT NULL THEN 1 ELSE 0 END), 0) AS merged_away, \
               COALESCE(SUM(CASE WHEN c.merged_into IS NULL AND p.community_code IS NULL THEN 1 ELSE 0 END), 0) AS missing, \
               CAST(COALESCE(SUM(p.permanent_population), 0) AS BIGINT) AS population, \
               CAST(COALESCE(SUM(p.households), 0) AS BIGINT) AS households, \
               {LATEST_POP} AS year \
             FROM divisions c \
             LEFT JOIN population_snapshots p ON p.community_code = c.code AND p.year = {LATEST_POP} \
             WHERE c.level = 5 AND {cond}"
        ),
        v,
    )
    .await?;
    let f =
        f.ok_or_else(|| AppError::Internal(anyhow::anyhow!("figures query returned no row")))?;
    Ok(Figures {
        towns: f.towns,
        communities: f.communities,
        residents_committees: f.residents,
        village_committees: f.villages,
        population_year: f.year,
        population: f.population,
        households: f.households,
        missing_population: f.missing,
        merged_away: f.merged_away,
    })
}

// ------------------------------------------------------------------ changes

/// Record (or correct) a community's households and population for a year.
#[allow(clippy::too_many_arguments)]
pub async fn set_population(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    actor: &Actor,
    code: &str,
    year: i64,
    households: i64,
    population: i64,
) -> Result<()> {
    let detail = load_community(db, district, scope, code).await?;
    let errs = rules::check_population(year, households, population, db.clock().today().year());
    if !errs.is_empty() {
        return Err(AppError::Invalid(
            errs.into_iter()
                .map(|(f, k)| FieldError::new(f, k))
                .collect(),
        ));
    }
    let tx = db.write_tx().await?;
    let before: Option<PopulationSnapshot> = db::one(
        &tx,
        "SELECT year, households, permanent_population FROM population_snapshots WHERE community_code = ? AND year = ?",
        vals![detail.row.code.clone(), year],
    )
    .await?;
    db::exec(
        &tx,
        "INSERT INTO population_snapshots (community_code, year, households, permanent_population, updated_at) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (community_code, year) DO UPDATE SET \
         households = excluded.households, permanent_population = excluded.permanent_population, updated_at = excluded.updated_at",
        vals![detail.row.code.clone(), year, households, population, db.clock().now()],
    )
    .await?;
    let after = PopulationSnapshot {
        year: year as i32,
        households,
        permanent_population: population,
    };
    audit::commit(
        tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "population_snapshot",
        &format!("{}/{year}", detail.row.code),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    Ok(())
}

/// Merge community `code` into `successor` from `on`. Records keep pointing at the old
/// community; roll-ups count it under its successor from that date.
pub async fn merge_community(
    db: &Db,
    district: &DivisionCode,
    actor: &Actor,
    code: &str,
    successor: &str,
    on: NaiveDate,
    note: &str,
) -> Result<()> {
    let scope = Scope::District;
    let a = load_community(db, district, &scope, code).await?;
    let succ_code = DivisionCode::parse_level(successor, Level::Community)
        .map_err(|_| AppError::invalid("successor", "geo.merge.unknown_successor"))?;
    let b = match load_community(db, district, &scope, succ_code.as_str()).await {
        Ok(b) => b,
        Err(AppError::NotFound) => {
            return Err(AppError::invalid(
                "successor",
                "geo.merge.unknown_successor",
            ));
        }
        Err(e) => return Err(e),
    };
    let mut errs = vec![];
    if a.row.code == b.row.code {
        errs.push(FieldError::new("successor", "geo.merge.self"));
    }
    if a.row.merged_into.is_some() {
        errs.push(FieldError::new("successor", "geo.merge.already_merged"));
    }
    if b.row.merged_into.is_some() {
        errs.push(FieldError::new("successor", "geo.merge.successor_merged"));
    }
    if rules::merge_would_cycle(&a.row.code, &b.row.code, &merges(db).await?) {
        errs.push(FieldError::new("successor", "geo.merge.cycle"));
    }
    if note.chars().count() > 500 {
        errs.push(FieldError::new("note", "common.too_long").with(500));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    let changed = db::exec(
        &tx,
        "UPDATE divisions SET merged_into = ?, merged_on = ? WHERE code = ? AND merged_into IS NULL",
        vals![b.row.code.clone(), on, a.row.code.clone()],
    )
    .await?;
    if changed != 1 {
        // Someone merged it meanwhile.
        return Err(AppError::invalid("successor", "geo.merge.already_merged"));
    }
    db::exec(
        &tx,
        "INSERT INTO division_changes (code, kind, effective_on, successor_code, note, created_at) VALUES (?, 'merge', ?, ?, ?, ?)",
        vals![a.row.code.clone(), on, b.row.code.clone(), note.trim(), db.clock().now()],
    )
    .await?;
    audit::commit(
        tx,
        actor,
        "merge",
        "community",
        &a.row.code,
        Some(&serde_json::json!({"merged_into": null})),
        Some(&serde_json::json!({"merged_into": b.row.code, "merged_on": on, "note": note.trim()})),
    )
    .await?;
    Ok(())
}

/// Rename a community from a date; the old name stays in its history.
pub async fn rename_community(
    db: &Db,
    district: &DivisionCode,
    actor: &Actor,
    code: &str,
    new_name: &str,
    on: NaiveDate,
) -> Result<()> {
    let a = load_community(db, district, &Scope::District, code).await?;
    let new_name = new_name.trim();
    if new_name.is_empty() {
        return Err(AppError::invalid("name", "common.required"));
    }
    if new_name.chars().count() > 100 {
        return Err(AppError::Invalid(vec![
            FieldError::new("name", "common.too_long").with(100),
        ]));
    }
    if new_name == a.row.name {
        return Err(AppError::invalid("name", "geo.rename.same"));
    }
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE divisions SET name = ? WHERE code = ?",
        vals![new_name, a.row.code.clone()],
    )
    .await?;
    db::exec(
        &tx,
        "INSERT INTO division_changes (code, kind, effective_on, old_name, new_name, created_at) VALUES (?, 'rename', ?, ?, ?, ?)",
        vals![a.row.code.clone(), on, a.row.name.clone(), new_name, db.clock().now()],
    )
    .await?;
    audit::commit(
        tx,
        actor,
        "rename",
        "community",
        &a.row.code,
        Some(&serde_json::json!({"name": a.row.name})),
        Some(&serde_json::json!({"name": new_name, "effective_on": on})),
    )
    .await?;
    Ok(())
}

/// The titles the district awards communities (学习型, 活力型 …), in this order. They are set
/// in self-government (`selfgov::store::set_tags`) and shown wherever a community is.
pub const TAGS: [&str; 4] = ["learning", "vibrant", "service", "warm"];

pub async fn tags_of(db: &Db, code: &str) -> Result<Vec<String>> {
    #[derive(FromQueryResult)]
    struct T {
        tag: String,
    }
    let rows: Vec<T> = db::all(
        &db.conn,
        "SELECT tag FROM community_tags WHERE community_code = ? ORDER BY tag",
        vals![code],
    )
    .await?;
    let mut out: Vec<String> = rows.into_iter().map(|t| t.tag).collect();
    out.sort_by_key(|t| TAGS.iter().position(|x| x == t));
    Ok(out)
}
