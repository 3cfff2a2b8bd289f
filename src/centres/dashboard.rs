//! The coverage dashboard, computed from the communities in scope (`store::facts`), the
//! targets and the merges: by year for the scope, per town for the chosen year, the
//! forecast of this year's target, totals and who is behind. No IO: the page and the API
//! call it with what the store read.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::centres::rules::{self, Behind, Count, Fact, Status};
use crate::centres::store::FactRow;
use crate::geo::rules::Merge;

/// How many of the communities behind the dashboard lists (the ledger has them all).
pub const BEHIND_SHOWN: usize = 100;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct YearPoint {
    pub year: i32,
    #[serde(flatten)]
    pub count: Count,
    /// Target in percent in force that year, if any.
    pub target_pct: Option<i64>,
    /// Covered share reaches the target.
    pub met: Option<bool>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TownCoverage {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub count: Count,
    pub target_pct: Option<i64>,
    pub met: Option<bool>,
    /// Will the target be met if the centres planned within the year are finished?
    pub forecast_met: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Centres finished by the end of the year (merged-away communities' included).
    pub centres: i64,
    pub accepted: i64,
    pub pilots: i64,
    pub floor_area_dm2: i64,
    pub invest_fen: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BehindRow {
    pub code: String,
    pub name: String,
    pub town_name: String,
    pub status: Option<String>,
    pub planned_completion: Option<NaiveDate>,
    pub reason: Behind,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub year: i32,
    /// The town the dashboard is limited to, if any.
    pub town: Option<String>,
    pub by_year: Vec<YearPoint>,
    pub towns: Vec<TownCoverage>,
    #[serde(flatten)]
    pub current: YearPoint,
    /// Will the chosen year's target be met from the completions planned within it?
    /// Only for this year and later years.
    pub forecast_met: Option<bool>,
    pub totals: Totals,
    pub behind_total: usize,
    pub behind: Vec<BehindRow>,
}

/// A town of the scope: code and name.
pub struct TownRef<'a> {
    pub code: &'a str,
    pub name: &'a str,
}

fn town_of(code: &str) -> String {
    format!("{}000", &code[..9.min(code.len())])
}

/// The years the dashboard covers: from the first year anything happened (a target, a
/// planned or actual completion) to this year or the last target or plan, at most 40 years.
pub fn year_span(
    facts: &[FactRow],
    targets: &BTreeMap<(String, i32), i64>,
    today: NaiveDate,
) -> (i32, i32) {
    let mut lo = today.year();
    let mut hi = today.year();
    let dates = facts
        .iter()
        .flat_map(|f| [f.actual_completion, f.planned_completion])
        .flatten()
        .map(|d| d.year());
    for y in dates.chain(targets.keys().map(|(_, y)| *y)) {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    (lo.max(hi - 39), hi)
}

/// Build the dashboard for `year`, over the given facts (already limited to the scope and,
/// if `town` is set, to that town).
pub fn build(
    year: i32,
    town: Option<&str>,
    facts: &[FactRow],
    towns: &[TownRef<'_>],
    merges: &HashMap<String, Merge>,
    targets: &BTreeMap<(String, i32), i64>,
    today: NaiveDate,
) -> Dashboard {
    let town_index: HashMap<&str, usize> =
        towns.iter().enumerate().map(|(i, t)| (t.code, i)).collect();
    let rule_facts: Vec<Fact> = facts
        .iter()
        .map(|f| Fact {
            code: f.code.clone(),
            town: town_index
                .get(town_of(&f.code).as_str())
                .copied()
                .unwrap_or(usize::MAX),
            completed_on: f.actual_completion,
            planned_completion: if f.actual_completion.is_none() {
                f.planned_completion
            } else {
                None
            },
        })
        .collect();
    let (lo, hi) = year_span(facts, targets, today);
    let (lo, hi) = (lo.min(year), hi.max(year));
    let by_year: Vec<YearPoint> = (lo..=hi)
        .map(|y| {
            let (_, total) = rules::coverage(y, &rule_facts, merges, towns.len());
            point(y, total, rules::target_for(y, town, targets))
        })
        .collect();
    let (per_town, total) = rules::coverage(year, &rule_facts, merges, towns.len());
    let current = point(year, total, rules::target_for(year, town, targets));
    let future = year >= today.year();
    let forecast_met = if future {
        current.target_pct.map(|t| total.expected_meets(t))
    } else {
        None
    };
    let town_rows = towns
        .iter()
        .zip(per_town)
        .filter(|(_, c)| c.communities > 0)
        .map(|(t, c)| {
            let target = rules::target_for(year, Some(t.code), targets);
            TownCoverage {
                code: t.code.to_string(),
                name: t.name.to_string(),
                count: c,
                target_pct: target,
                met: target.map(|p| c.meets(p)),
                forecast_met: if future {
                    target.map(|p| c.expected_meets(p))
                } else {
                    None
                },
            }
        })
        .collect();
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let totals = totals_of(facts, end);
    let mut behind = behind_of(facts, towns, merges, year, today);
    let behind_total = behind.len();
    behind.truncate(BEHIND_SHOWN);
    Dashboard {
        year,
        town: town.map(str::to_string),
        by_year,
        towns: town_rows,
        current,
        forecast_met,
        totals,
        behind_total,
        behind,
    }
}

/// What was built by the end of the year (`end`): centres, floor area, investment, pilots,
/// accepted centres.
fn totals_of(facts: &[FactRow], end: NaiveDate) -> Totals {
    let mut totals = Totals::default();
    for f in facts {
        if f.actual_completion.is_some_and(|d| d <= end) {
            totals.centres += 1;
            totals.floor_area_dm2 += f.floor_area_dm2.unwrap_or(0);
            totals.invest_fen += f.invest_fen;
            totals.pilots += f.pilot;
            if f.accepted_on.is_some_and(|d| d <= end)
                && f.status.as_deref() == Some(Status::Accepted.key())
            {
                totals.accepted += 1;
            }
        }
    }
    totals
}

/// The communities of `year` without a finished centre (their own or one merged in), the
/// ones that need a word first at the top: no project, overdue, planned too late.
fn behind_of(
    facts: &[FactRow],
    towns: &[TownRef<'_>],
    merges: &HashMap<String, Merge>,
    year: i32,
    today: NaiveDate,
) -> Vec<BehindRow> {
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let covered: std::collections::HashSet<&str> = facts
        .iter()
        .filter(|f| f.actual_completion.is_some_and(|d| d <= end))
        .map(|f| crate::geo::rules::successor_on(&f.code, end, merges))
        .collect();
    let names: HashMap<&str, &str> = towns.iter().map(|t| (t.code, t.name)).collect();
    let mut behind: Vec<BehindRow> = facts
        .iter()
        .filter(|f| merges.get(&f.code).is_none_or(|m| m.on > end))
        .filter(|f| !covered.contains(f.code.as_str()))
        .map(|f| BehindRow {
            code: f.code.clone(),
            name: f.name.clone(),
            town_name: names
                .get(town_of(&f.code).as_str())
                .map(|s| s.to_string())
                .unwrap_or_default(),
            status: f.status.clone(),
            planned_completion: f.planned_completion,
            reason: match f.actual_completion {
                Some(_) => Behind::FinishedLater,
                None => rules::behind_reason(f.status.is_some(), f.planned_completion, year, today),
            },
        })
        .collect();
    behind.sort_by_key(|b| {
        let rank = match b.reason {
            Behind::NoProject => 0,
            Behind::Overdue => 1,
            Behind::Unplanned => 2,
            Behind::PlannedLater => 3,
            Behind::OnTrack => 4,
            Behind::FinishedLater => 5,
        };
        (rank, b.code.clone())
    });
    behind
}

fn point(year: i32, count: Count, target: Option<i64>) -> YearPoint {
    YearPoint {
        year,
        count,
        target_pct: target,
        met: target.map(|t| count.meets(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn row(code: &str, done: Option<&str>, plan: Option<&str>) -> FactRow {
        FactRow {
            code: code.into(),
            name: format!("村{code}"),
            merged_into: None,
            merged_on: None,
            status: done
                .map(|_| "accepted".to_string())
                .or(plan.map(|_| "planned".into())),
            mode: Some("new".into()),
            pilot: 0,
            planned_completion: plan.map(d),
            actual_completion: done.map(d),
            accepted_on: done.map(d),
            floor_area_dm2: done.map(|_| 150_000),
            invest_fen: if done.is_some() { 120_000_000 } else { 0 },
        }
    }

    #[test]
    fn forecast_and_behind_for_this_year() {
        let facts = vec![
            row("320205001001", Some("2026-03-01"), None),
            row("320205001002", None, Some("2026-12-01")),
            row("320205001003", None, Some("2026-02-01")),
            row("320205102200", None, None),
        ];
        let towns = [
            TownRef {
                code: "320205001000",
                name: "东亭街道",
            },
            TownRef {
                code: "320205102000",
                name: "羊尖镇",
            },
        ];
        let mut targets = BTreeMap::new();
        targets.insert((String::new(), 2026), 75);
        let today = d("2026-06-01");
        let dash = build(2026, None, &facts, &towns, &HashMap::new(), &targets, today);
        assert_eq!(dash.current.count.covered, 1);
        assert_eq!(dash.current.count.expected, 3);
        assert_eq!(dash.current.met, Some(false));
        assert_eq!(dash.forecast_met, Some(true));
        assert_eq!(dash.towns.len(), 2);
        assert_eq!(dash.towns[1].count.communities, 1);
        assert_eq!(dash.totals.centres, 1);
        assert_eq!(dash.totals.invest_fen, 120_000_000);
        let reasons: Vec<_> = dash.behind.iter().map(|b| b.reason).collect();
        assert_eq!(
            reasons,
            vec![Behind::NoProject, Behind::Overdue, Behind::OnTrack]
        );
        assert_eq!(dash.behind[0].town_name, "羊尖镇");
        // a past year has no forecast
        let dash = build(2025, None, &facts, &towns, &HashMap::new(), &targets, today);
        assert_eq!(dash.forecast_met, None);
        assert_eq!(dash.current.count.covered, 0);
        assert_eq!(dash.by_year.first().unwrap().year, 2025);
    }
}
