//! Pure rules of assessment: points of an indicator (deductions floor at zero), a sheet's
//! share of the maximum, the subsidy a score earns under a guideline's thresholds, titles,
//! rankings, and the checks on a guideline as entered. Points are in tenths. No IO.

use serde::{Deserialize, Serialize};

use crate::platform::error::FieldError;

pub const METHODS: &[&str] = &["material", "field_visit", "survey", "report"];

/// The points an indicator counts for: given points, or for a deduction indicator its maximum
/// less what was deducted, never below zero.
pub fn effective(max_x10: i64, points_x10: i64, deduction: bool) -> i64 {
    if deduction {
        (max_x10 - points_x10).max(0)
    } else {
        points_x10.clamp(0, max_x10)
    }
}

/// The message key if points cannot be given: negative, or above the maximum (deductions may
/// exceed it: the indicator then counts 0).
pub fn check_points(max_x10: i64, points_x10: i64, deduction: bool) -> Option<&'static str> {
    if points_x10 < 0 {
        Some("assessment.negative")
    } else if !deduction && points_x10 > max_x10 {
        Some("assessment.above_max")
    } else {
        None
    }
}

/// `85.0` — a share of the maximum in percent, one decimal, from effective and maximum points.
pub fn pct_text(eff_x10: i64, max_x10: i64) -> String {
    if max_x10 <= 0 {
        return "0.0".into();
    }
    let permille = (eff_x10 * 1000 + max_x10 / 2) / max_x10;
    format!("{}.{}", permille / 10, permille % 10)
}

/// The share of the subsidy a score earns, as a fraction (num, den) in [0, 1]: all of it at
/// or above `full_at` percent, nothing below `zero_below`, linear in between.
pub fn subsidy_factor(eff_x10: i64, max_x10: i64, full_at: i64, zero_below: i64) -> (i64, i64) {
    if max_x10 <= 0 {
        return (0, 1);
    }
    // score in percent = 100 · eff / max; compare without division
    let score100 = 100 * eff_x10; // ÷ max
    if score100 >= full_at * max_x10 {
        return (1, 1);
    }
    if score100 < zero_below * max_x10 || full_at <= zero_below {
        return (0, 1);
    }
    // (score − zero) / (full − zero) = (100·eff − zero·max) / ((full − zero)·max)
    (
        score100 - zero_below * max_x10,
        (full_at - zero_below) * max_x10,
    )
}

/// `base × factor`, rounded half up to the fen.
pub fn subsidy_amount(base_fen: i64, factor: (i64, i64)) -> i64 {
    let (n, d) = (i128::from(factor.0), i128::from(factor.1.max(1)));
    ((i128::from(base_fen) * n * 2 + d) / (2 * d)) as i64
}

/// Competition ranking of scores (higher first): equal scores share a rank, the next rank
/// skips (1, 2, 2, 4). Scores are compared as fractions eff / max.
pub fn ranks(scores: &[(i64, i64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    let cmp = |a: &(i64, i64), b: &(i64, i64)| {
        // a.0/a.1 vs b.0/b.1, treating max 0 as 0
        let l = i128::from(a.0) * i128::from(b.1.max(1));
        let r = i128::from(b.0) * i128::from(a.1.max(1));
        r.cmp(&l)
    };
    order.sort_by(|x, y| cmp(&scores[*x], &scores[*y]));
    let mut out = vec![0; scores.len()];
    for (pos, &i) in order.iter().enumerate() {
        out[i] = if pos > 0 && cmp(&scores[order[pos - 1]], &scores[i]).is_eq() {
            out[order[pos - 1]]
        } else {
            pos + 1
        };
    }
    out
}

/// A title a template awards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Title {
    pub title: String,
    /// Empty: on the whole score; else on this category's.
    pub category: String,
    pub min_pct: i64,
}

/// The titles earned: each whose score (whole or category, eff / max) reaches its minimum.
pub fn titles_earned(
    titles: &[Title],
    whole: (i64, i64),
    by_category: &[(String, i64, i64)],
) -> Vec<String> {
    titles
        .iter()
        .filter(|t| {
            let (eff, max) = if t.category.is_empty() {
                whole
            } else {
                by_category
                    .iter()
                    .find(|(c, ..)| *c == t.category)
                    .map(|(_, e, m)| (*e, *m))
                    .unwrap_or((0, 0))
            };
            max > 0 && 100 * eff >= t.min_pct * max
        })
        .map(|t| t.title.clone())
        .collect()
}

/// An indicator row as entered on the guideline form.
#[derive(Clone, Debug, Default)]
pub struct IndicatorInput {
    pub row: usize,
    pub category: String,
    pub name: String,
    pub max_x10: Option<i64>,
    pub method: String,
    pub deduction: bool,
    /// A workforce measure the system fills the indicator from (`MEASURES`), or empty.
    pub measure: String,
}

/// Workforce measures an indicator may be bound to: the system fills it, nobody types it.
pub const MEASURES: &[&str] = &["certified_worker", "training_hours"];

/// Checks on a guideline's fixed fields and indicator rows.
pub fn validate_guideline(
    title: &str,
    year: i64,
    basis: &str,
    subsidy_fen: i64,
    full_at: i64,
    zero_below: i64,
    indicators: &[IndicatorInput],
) -> Vec<FieldError> {
    let mut errs = vec![];
    if title.trim().is_empty() {
        errs.push(FieldError::new("title", "common.required"));
    } else if title.chars().count() > 100 {
        errs.push(FieldError::new("title", "common.too_long").with(100));
    }
    if !(1949..=2200).contains(&year) {
        errs.push(FieldError::new("year", "centres.year_range"));
    }
    if !matches!(basis, "none" | "fixed" | "per_capita") {
        errs.push(FieldError::new("subsidy_basis", "assessment.bad_basis"));
    }
    if subsidy_fen < 0 {
        errs.push(FieldError::new("subsidy", "centres.negative"));
    } else if subsidy_fen > 100_000_000 * 100 {
        errs.push(FieldError::new("subsidy", "centres.amount_absurd"));
    }
    for (f, v) in [("full_at", full_at), ("zero_below", zero_below)] {
        if !(0..=100).contains(&v) {
            errs.push(FieldError::new(f, "centres.pct_range"));
        }
    }
    if zero_below > full_at {
        errs.push(FieldError::new("zero_below", "assessment.thresholds"));
    }
    if indicators.is_empty() {
        errs.push(FieldError::new("indicators", "assessment.no_indicators"));
    }
    let mut seen: Vec<(String, usize)> = vec![];
    for i in indicators {
        let f = |x: &str| format!("n{}_{x}", i.row);
        let key = crate::centres::rules::item_key(&i.name);
        if key.is_empty() {
            errs.push(FieldError::new(&f("name"), "common.required"));
        } else if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            errs.push(FieldError::new(&f("name"), "centres.duplicate_item").with(first + 1));
        } else {
            seen.push((key, i.row));
        }
        match i.max_x10 {
            None => errs.push(FieldError::new(&f("max"), "common.required")),
            Some(m) if m <= 0 => errs.push(FieldError::new(&f("max"), "funding.positive")),
            Some(m) if m > 10_000 => errs.push(FieldError::new(&f("max"), "assessment.max_absurd")),
            _ => {}
        }
        if !METHODS.contains(&i.method.as_str()) {
            errs.push(FieldError::new(&f("method"), "assessment.bad_method"));
        }
        if !i.measure.is_empty() && !MEASURES.contains(&i.measure.as_str()) {
            errs.push(FieldError::new(&f("measure"), "common.bad_choice"));
        }
    }
    errs
}

/// `8.5` → 85 tenths; at most one decimal.
pub fn parse_points(s: &str) -> Result<i64, &'static str> {
    let t = s.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || int.len() > 6 {
        return Err(if t.starts_with('-') {
            "assessment.negative"
        } else {
            "assessment.points_format"
        });
    }
    if frac.len() > 1 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err("assessment.points_format");
    }
    Ok(int.parse::<i64>().unwrap_or(0) * 10 + frac.parse::<i64>().unwrap_or(0))
}

pub use crate::platform::sheet::tenths_text as points_text;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn deductions_floor_at_zero() {
        assert_eq!(effective(100, 30, true), 70);
        assert_eq!(effective(100, 130, true), 0);
        assert_eq!(effective(100, 80, false), 80);
        assert_eq!(check_points(100, 101, false), Some("assessment.above_max"));
        assert_eq!(check_points(100, 150, true), None);
        assert_eq!(check_points(100, -1, true), Some("assessment.negative"));
    }

    #[test]
    fn money_at_and_around_each_threshold() {
        // full at ≥ 90 %, linear from 60 % to 90 %, nothing below 60 %; max 100 points
        let f = |eff: i64| subsidy_factor(eff, 1000, 90, 60);
        assert_eq!(f(1000), (1, 1));
        assert_eq!(f(900), (1, 1));
        assert_eq!(subsidy_amount(2_000_000, f(899)), 1_993_333);
        assert_eq!(subsidy_amount(2_000_000, f(750)), 1_000_000);
        assert_eq!(subsidy_amount(2_000_000, f(601)), 6_667);
        assert_eq!(subsidy_amount(2_000_000, f(600)), 0);
        assert_eq!(f(599), (0, 1));
        assert_eq!(f(0), (0, 1));
        // a cliff: all at 60 %, nothing below
        assert_eq!(subsidy_factor(600, 1000, 60, 60), (1, 1));
        assert_eq!(subsidy_factor(599, 1000, 60, 60), (0, 1));
    }

    #[test]
    fn ranks_share_places() {
        assert_eq!(
            ranks(&[(90, 100), (95, 100), (90, 100), (50, 100)]),
            vec![2, 1, 2, 4]
        );
        // 45 / 50 = 90 / 100
        assert_eq!(ranks(&[(45, 50), (90, 100)]), vec![1, 1]);
    }

    #[test]
    fn titles_by_whole_and_category() {
        let t = vec![
            Title {
                title: "和谐社区".into(),
                category: String::new(),
                min_pct: 90,
            },
            Title {
                title: "服务型社区".into(),
                category: "服务完善".into(),
                min_pct: 95,
            },
        ];
        let cats = vec![("服务完善".to_string(), 190, 200)];
        assert_eq!(
            titles_earned(&t, (900, 1000), &cats),
            vec!["和谐社区", "服务型社区"]
        );
        assert_eq!(
            titles_earned(&t, (899, 1000), &[("服务完善".into(), 189, 200)]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn points_parse_in_tenths() {
        assert_eq!(parse_points("8.5"), Ok(85));
        assert_eq!(parse_points("10"), Ok(100));
        assert_eq!(parse_points("-1"), Err("assessment.negative"));
        assert_eq!(parse_points("1.25"), Err("assessment.points_format"));
        assert_eq!(points_text(85), "8.5");
        assert_eq!(points_text(100), "10");
        assert_eq!(pct_text(850, 1000), "85.0");
    }

    proptest! {
        #[test]
        fn subsidy_is_monotone_and_bounded(
            a in 0i64..2000, b in 0i64..2000, max in 1i64..2000,
            zero in 0i64..100, span in 0i64..60, base in 0i64..100_000_000,
        ) {
            let full = (zero + span).min(100);
            let (lo, hi) = (a.min(b).min(max), a.max(b).min(max));
            let x = subsidy_amount(base, subsidy_factor(lo, max, full, zero));
            let y = subsidy_amount(base, subsidy_factor(hi, max, full, zero));
            prop_assert!(x <= y);
            prop_assert!(y <= base && x >= 0);
        }

        #[test]
        fn effective_points_are_within_zero_and_max(max in 1i64..1000, p in 0i64..3000, d: bool) {
            let e = effective(max, p, d);
            prop_assert!((0..=max).contains(&e));
        }
    }
}
