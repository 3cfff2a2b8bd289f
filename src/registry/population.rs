//! The population counted from the registry: for each community of the caller's territory
//! and any date, the people in it that day by kind (户籍, 常住, 流动), the permanent
//! population's age bands, households and special groups - beside the statistical population
//! per-capita funding has used, with the differences over the district's threshold flagged.
//! A person counts from the day they came (`arrived_on`; always, if not known) until the day
//! they left (`left_on`), so past dates are counted from the same records.

use chrono::{Datelike, NaiveDate};
use sea_orm::{FromQueryResult, Value};
use serde::Serialize;

use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::types::{DivisionCode, Level};
use crate::registry::codes::{AGE_BANDS, band_births};
use crate::registry::residents::{sees_personal, territory};
use crate::registry::rules::TAGS;
use crate::vals;

/// Settings of the registry (kept in `settings`).
pub mod settings {
    use super::*;

    pub const FLAG_PCT: &str = "registry.population_flag_pct";
    pub const FUNDING: &str = "registry.funding_population";
    pub const RETENTION_YEARS: &str = "registry.retention_years";
    pub const ACCESS_LOG_DAYS: &str = "registry.access_log_days";

    /// A setting as a whole number, `default` when unset or unreadable.
    pub async fn number<C: sea_orm::ConnectionTrait>(
        c: &C,
        key: &str,
        default: i64,
    ) -> Result<i64> {
        Ok(text(c, key)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(default))
    }

    pub async fn text<C: sea_orm::ConnectionTrait>(c: &C, key: &str) -> Result<Option<String>> {
        Ok(db::all_json::<(String,), _>(
            c,
            &["value"],
            "SELECT value FROM settings WHERE key = ?",
            vals![key],
        )
        .await?
        .into_iter()
        .next()
        .map(|(v,)| v))
    }

    /// Whether per-capita funding uses the registry's count instead of the statistics.
    pub async fn funding_uses_registry<C: sea_orm::ConnectionTrait>(c: &C) -> Result<bool> {
        Ok(text(c, FUNDING).await?.as_deref() == Some("registry"))
    }
}

/// One community's count on a date.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct CommunityCount {
    pub code: String,
    pub name: String,
    pub registered: i64,
    pub resident: i64,
    pub floating: i64,
    /// 户籍 + 常住: the registry's permanent population.
    pub permanent: i64,
    pub households: i64,
    /// The permanent population in [`AGE_BANDS`] order (people without a birth date in none).
    pub bands: Vec<i64>,
    /// (tag, people) for the tags the caller may see.
    pub tags: Vec<(String, i64)>,
    /// The statistical population of the date's year (or the latest year before it).
    pub statistical: Option<i64>,
    /// registry − statistics, in per mille of the statistics.
    pub difference_permille: Option<i64>,
    /// Over the district's threshold.
    pub flagged: bool,
}

/// The counts of a territory: one row per community, and their total.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub on: NaiveDate,
    pub threshold_pct: i64,
    pub communities: Vec<CommunityCount>,
    pub total: CommunityCount,
}

#[derive(FromQueryResult)]
struct Row {
    community_code: String,
    registered: i64,
    resident: i64,
    floating: i64,
    households: i64,
    bands: String,
    tags: String,
}

/// The counts on `on` of the communities in the caller's territory (`within`: a town or
/// community of it).
pub async fn counts(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    on: NaiveDate,
    within: Option<&str>,
) -> Result<Counts> {
    let (cond, mut v) =
        territory(&u.scope, district, "r.community_code").ok_or(AppError::Forbidden)?;
    let mut wh = vec![cond];
    let (mut lo, mut hi) = district.descendant_range();
    if let Some(w) = within.map(str::trim).filter(|w| !w.is_empty()) {
        let code = DivisionCode::parse(w)
            .ok()
            .filter(|c| matches!(c.level(), Level::Town | Level::Community))
            .ok_or_else(|| AppError::invalid("within", "hall.bad_community"))?;
        (lo, hi) = code.descendant_range();
        wh.push("r.community_code BETWEEN ? AND ?".into());
        v.extend([lo.clone().into(), hi.clone().into()]);
    }
    wh.push(
        "(r.arrived_on IS NULL OR r.arrived_on <= ?) AND (r.left_on IS NULL OR r.left_on > ?)"
            .into(),
    );
    v.extend([on.into(), on.into()]);
    let full = sees_personal(u);
    let tags: Vec<&str> = TAGS
        .iter()
        .filter(|(_, s)| full || !s)
        .map(|(k, _)| *k)
        .collect();
    // one pass: the bands and tags as sums joined into one text each
    let mut band_sums = vec![];
    let mut bv: Vec<Value> = vec![];
    for (_, a, b) in AGE_BANDS {
        let (oldest, youngest) = band_births(on, a, b);
        band_sums.push(
            "CAST(SUM(CASE WHEN r.residence <> 'floating' AND r.birth_date BETWEEN ? AND ? THEN 1 ELSE 0 END) AS TEXT)"
                .to_string(),
        );
        bv.extend([oldest.into(), youngest.into()]);
    }
    let tag_sums: Vec<String> = tags
        .iter()
        .map(|t| format!("CAST(SUM(CASE WHEN r.tags LIKE '%,{t},%' THEN 1 ELSE 0 END) AS TEXT)"))
        .collect();
    let join = |parts: &[String]| parts.join(" || ',' || ");
    bv.extend(v);
    let rows: Vec<Row> = db::all(
        &db.conn,
        &format!(
            "SELECT r.community_code, \
             SUM(CASE WHEN r.residence = 'registered' THEN 1 ELSE 0 END) AS registered, \
             SUM(CASE WHEN r.residence = 'resident' THEN 1 ELSE 0 END) AS resident, \
             SUM(CASE WHEN r.residence = 'floating' THEN 1 ELSE 0 END) AS floating, \
             COUNT(DISTINCT r.household_id) AS households, \
             {} AS bands, {} AS tags \
             FROM residents r WHERE {} GROUP BY r.community_code",
            join(&band_sums),
            if tag_sums.is_empty() {
                "''".to_string()
            } else {
                join(&tag_sums)
            },
            wh.join(" AND ")
        ),
        bv,
    )
    .await?;
    let threshold = settings::number(&db.conn, settings::FLAG_PCT, 5).await?;
    let (tcond, tcond_values) =
        territory(&u.scope, district, "c.code").ok_or(AppError::Forbidden)?;
    // in the text's order: the year, the territory, the range, the date
    let mut tv: Vec<Value> = vec![on.year().into()];
    tv.extend(tcond_values);
    tv.extend([lo.into(), hi.into(), on.into()]);
    // every community of the territory alive on the date, with its statistics
    let names = db::all_json::<(String, String, Option<i64>), _>(
        &db.conn,
        &["code", "name", "population"],
        &format!(
            "SELECT c.code, c.name, (SELECT p.permanent_population FROM population_snapshots p \
             WHERE p.community_code = c.code AND p.year <= ? ORDER BY p.year DESC LIMIT 1) \
             AS population FROM divisions c WHERE {tcond} AND c.level = 5 \
             AND c.code BETWEEN ? AND ? AND (c.merged_on IS NULL OR c.merged_on > ?) ORDER BY c.code"
        ),
        tv,
    )
    .await?;
    let mut names = names;
    names.sort();
    let by_code: std::collections::HashMap<&str, &Row> = rows
        .iter()
        .map(|r| (r.community_code.as_str(), r))
        .collect();
    let mut total = CommunityCount {
        bands: vec![0; AGE_BANDS.len()],
        tags: tags.iter().map(|t| (t.to_string(), 0)).collect(),
        ..Default::default()
    };
    let mut stats_total = 0;
    let mut communities = vec![];
    for (code, name, statistical) in names {
        let mut c = CommunityCount {
            code: code.clone(),
            name,
            bands: vec![0; AGE_BANDS.len()],
            tags: tags.iter().map(|t| (t.to_string(), 0)).collect(),
            statistical,
            ..Default::default()
        };
        if let Some(r) = by_code.get(code.as_str()) {
            c.registered = r.registered;
            c.resident = r.resident;
            c.floating = r.floating;
            c.households = r.households;
            c.bands = numbers(&r.bands, AGE_BANDS.len());
            for (slot, n) in c.tags.iter_mut().zip(numbers(&r.tags, tags.len())) {
                slot.1 = n;
            }
        }
        c.permanent = c.registered + c.resident;
        (c.difference_permille, c.flagged) = difference(c.permanent, statistical, threshold);
        add(&mut total, &c);
        stats_total += statistical.unwrap_or(0);
        communities.push(c);
    }
    total.statistical = Some(stats_total);
    (total.difference_permille, total.flagged) =
        difference(total.permanent, total.statistical, threshold);
    Ok(Counts {
        on,
        threshold_pct: threshold,
        communities,
        total,
    })
}

fn numbers(text: &str, n: usize) -> Vec<i64> {
    let mut v: Vec<i64> = text
        .split(',')
        .map(|x| x.trim().parse().unwrap_or(0))
        .collect();
    v.resize(n, 0);
    v
}

fn add(total: &mut CommunityCount, c: &CommunityCount) {
    total.registered += c.registered;
    total.resident += c.resident;
    total.floating += c.floating;
    total.permanent += c.permanent;
    total.households += c.households;
    for (t, n) in total.bands.iter_mut().zip(&c.bands) {
        *t += n;
    }
    for (t, n) in total.tags.iter_mut().zip(&c.tags) {
        t.1 += n.1;
    }
}

/// The registry's difference from the statistics in per mille, and whether it passes
/// `threshold_pct` either way.
pub fn difference(
    registry: i64,
    statistical: Option<i64>,
    threshold_pct: i64,
) -> (Option<i64>, bool) {
    match statistical {
        Some(s) if s > 0 => {
            let d = (registry - s) * 1000 / s;
            (Some(d), d.abs() > threshold_pct * 10)
        }
        _ => (None, registry > 0),
    }
}

/// The district's settings of the registry, audited.
pub async fn save_settings(
    db: &Db,
    u: &CurrentUser,
    flag_pct: i64,
    funding: &str,
    retention_years: i64,
) -> Result<()> {
    if !u.is_admin() {
        return Err(AppError::Forbidden);
    }
    let tx = db.write_tx().await?;
    let before = serde_json::json!({
        "flag_pct": settings::text(&tx, settings::FLAG_PCT).await?,
        "funding": settings::text(&tx, settings::FUNDING).await?,
        "retention_years": settings::text(&tx, settings::RETENTION_YEARS).await?,
    });
    for (k, v) in [
        (settings::FLAG_PCT, flag_pct.to_string()),
        (settings::FUNDING, funding.to_string()),
        (settings::RETENTION_YEARS, retention_years.to_string()),
    ] {
        db::exec(
            &tx,
            "INSERT INTO settings (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            vals![k, v],
        )
        .await?;
    }
    let after = serde_json::json!({
        "flag_pct": flag_pct, "funding": funding, "retention_years": retention_years,
    });
    crate::platform::audit::commit(
        tx,
        &u.actor(),
        "update",
        "registry_settings",
        "1",
        Some(&before),
        Some(&after),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_flagged_past_the_threshold_either_way() {
        assert_eq!(difference(1050, Some(1000), 5), (Some(50), false));
        assert_eq!(difference(1051, Some(1000), 5), (Some(51), true));
        assert_eq!(difference(940, Some(1000), 5), (Some(-60), true));
        assert_eq!(difference(10, None, 5), (None, true));
        assert_eq!(difference(0, Some(0), 5), (None, false));
        assert_eq!(numbers("1,2", 3), vec![1, 2, 0]);
    }
}
