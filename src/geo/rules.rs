//! Pure rules of the geography: merges and roll-ups. No IO, no clock, no database.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

/// A merge: `code` was absorbed by `successor` from `on` (inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merge {
    pub successor: String,
    pub on: NaiveDate,
}

/// The community that stands for `code` on `date`, following chains of merges
/// (A → B → C). A cycle in the data (refused on entry, but never trusted) stops the walk.
pub fn successor_on<'a>(
    code: &'a str,
    date: NaiveDate,
    merges: &'a HashMap<String, Merge>,
) -> &'a str {
    let mut current = code;
    for _ in 0..=merges.len() {
        match merges.get(current) {
            Some(m) if m.on <= date => current = &m.successor,
            _ => return current,
        }
    }
    current
}

/// Sum values per community after rolling merged-away communities into their successor as of
/// `date`. The total is preserved; no community merged away by `date` appears in the result.
pub fn roll_up<'a, I>(
    values: I,
    date: NaiveDate,
    merges: &HashMap<String, Merge>,
) -> BTreeMap<String, i64>
where
    I: IntoIterator<Item = (&'a str, i64)>,
{
    let mut out = BTreeMap::new();
    for (code, v) in values {
        *out.entry(successor_on(code, date, merges).to_string())
            .or_insert(0) += v;
    }
    out
}

/// Would merging `code` into `successor` create a cycle (successor already rolls into code)?
pub fn merge_would_cycle(code: &str, successor: &str, merges: &HashMap<String, Merge>) -> bool {
    let mut current = successor;
    for _ in 0..=merges.len() {
        if current == code {
            return true;
        }
        match merges.get(current) {
            Some(m) => current = &m.successor,
            None => return false,
        }
    }
    true
}

/// Does `code`'s chain of merges lead into `target` (at any date)?
pub fn rolls_into(code: &str, target: &str, merges: &HashMap<String, Merge>) -> bool {
    code != target && merge_would_cycle(target, code, merges)
}

/// Checks on a population figure; returns the field and message key of the first problem.
pub fn check_population(
    year: i64,
    households: i64,
    population: i64,
    this_year: i32,
) -> Vec<(&'static str, &'static str)> {
    let mut errs = vec![];
    if !(1949..=i64::from(this_year) + 1).contains(&year) {
        errs.push(("year", "population.year_range"));
    }
    if households < 0 {
        errs.push(("households", "population.negative"));
    }
    if population < 0 {
        errs.push(("permanent_population", "population.negative"));
    } else if population > 2_000_000 {
        // No village-level unit in China comes near this; a typo of extra digits.
        errs.push(("permanent_population", "population.absurd"));
    }
    if households > 0 && population >= 0 && households > population {
        errs.push(("households", "population.households_exceed"));
    }
    if population > 0 && households == 0 {
        errs.push(("households", "population.households_missing"));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn chains_follow_dates() {
        let mut m = HashMap::new();
        m.insert(
            "A".to_string(),
            Merge {
                successor: "B".into(),
                on: d(2010, 1, 1),
            },
        );
        m.insert(
            "B".to_string(),
            Merge {
                successor: "C".into(),
                on: d(2015, 6, 1),
            },
        );
        assert_eq!(successor_on("A", d(2009, 12, 31), &m), "A");
        assert_eq!(successor_on("A", d(2010, 1, 1), &m), "B");
        assert_eq!(successor_on("A", d(2020, 1, 1), &m), "C");
        assert_eq!(successor_on("Z", d(2020, 1, 1), &m), "Z");
        assert!(merge_would_cycle("C", "A", &m));
        assert!(!merge_would_cycle("D", "A", &m));
        let r = roll_up([("A", 10), ("B", 5), ("C", 1)], d(2012, 1, 1), &m);
        assert_eq!(r.get("B"), Some(&15));
        assert_eq!(r.get("A"), None);
    }

    #[test]
    fn cycles_do_not_hang() {
        let mut m = HashMap::new();
        m.insert(
            "A".to_string(),
            Merge {
                successor: "B".into(),
                on: d(2010, 1, 1),
            },
        );
        m.insert(
            "B".to_string(),
            Merge {
                successor: "A".into(),
                on: d(2010, 1, 1),
            },
        );
        let s = successor_on("A", d(2011, 1, 1), &m);
        assert!(s == "A" || s == "B");
    }

    #[test]
    fn population_checks() {
        assert!(check_population(2025, 1000, 2800, 2026).is_empty());
        assert_eq!(
            check_population(1900, 1, 1, 2026)[0],
            ("year", "population.year_range")
        );
        assert!(
            check_population(2025, 3000, 2800, 2026)
                .contains(&("households", "population.households_exceed"))
        );
        assert!(
            check_population(2025, 10, 3_000_000, 2026)
                .contains(&("permanent_population", "population.absurd"))
        );
        assert!(
            check_population(2025, -1, 5, 2026).contains(&("households", "population.negative"))
        );
    }

    proptest! {
        #[test]
        fn roll_up_preserves_totals(
            values in proptest::collection::vec((0usize..8, 0i64..100_000), 0..40),
            merges in proptest::collection::vec((0usize..8, 0usize..8, 2000i32..2030), 0..6),
            year in 2000i32..2030,
        ) {
            let names: Vec<String> = (0..8).map(|i| format!("C{i}")).collect();
            let mut m = HashMap::new();
            for (a, b, y) in merges {
                if a != b && !merge_would_cycle(&names[a], &names[b], &m) && !m.contains_key(&names[a]) {
                    m.insert(names[a].clone(), Merge { successor: names[b].clone(), on: d(y, 1, 1) });
                }
            }
            let date = d(year, 12, 31);
            let input: Vec<(&str, i64)> = values.iter().map(|(i, v)| (names[*i].as_str(), *v)).collect();
            let total: i64 = input.iter().map(|(_, v)| v).sum();
            let out = roll_up(input, date, &m);
            prop_assert_eq!(out.values().sum::<i64>(), total);
            for code in out.keys() {
                let gone = m.get(code).is_some_and(|mm| mm.on <= date);
                prop_assert!(!gone, "{} was merged away but still listed", code);
            }
        }
    }
}
