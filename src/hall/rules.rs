//! Pure rules of the one-stop service hall (issue 5, first part): working days under a
//! holiday calendar with make-up working days (调休), deadlines counted in working days, the
//! case life cycle, and case numbers. No IO.

pub use crate::registry::rules::{
    ResidentTags, Search, TAGS, is_sensitive_tag, is_tag, search_terms, tags_column,
    tags_column_of, tags_of,
};
use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The district's working calendar: Monday to Friday, less public holidays, plus the
/// weekend days declared working days in exchange (调休). Kept as data: the State Council
/// announces each year's schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub holidays: BTreeSet<NaiveDate>,
    pub extra_workdays: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn is_working(&self, d: NaiveDate) -> bool {
        if self.extra_workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }

    /// The deadline `n` working days after `received`: counting starts the next day, and the
    /// deadline is always a working day (n = 0: the first working day from `received`).
    pub fn add_working_days(&self, received: NaiveDate, n: u32) -> NaiveDate {
        let mut d = received;
        if n == 0 {
            while !self.is_working(d) {
                d = d.succ_opt().unwrap_or(d);
            }
            return d;
        }
        let mut left = n;
        // a calendar of only holidays would never end: 3,660 days is a decade
        for _ in 0..3660 {
            d = match d.succ_opt() {
                Some(x) => x,
                None => return d,
            };
            if self.is_working(d) {
                left -= 1;
                if left == 0 {
                    return d;
                }
            }
        }
        d
    }

    /// Working days from `a` (exclusive) to `b` (inclusive); negative when `b` is before `a`.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut n = 0;
        let mut d = lo;
        while d < hi {
            d = match d.succ_opt() {
                Some(x) => x,
                None => break,
            };
            if self.is_working(d) {
                n += 1;
            }
        }
        sign * n
    }
}

/// Where a case (办件) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Submitted online, waiting for staff to accept it.
    Received,
    Accepted,
    Rejected,
    InProgress,
    /// Handed to the town's acceptance centre or a department, with a deadline.
    Referred,
    Completed,
}

impl CaseStatus {
    pub fn key(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::Accepted => "accepted",
            CaseStatus::Rejected => "rejected",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Referred => "referred",
            CaseStatus::Completed => "completed",
        }
    }
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Rejected | CaseStatus::Completed)
    }
}

/// A step on a case, with what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Accept,
    Reject { reason: String },
    Start,
    Refer { to: String, deadline: NaiveDate },
    Complete { result: String },
    Rate { stars: u8, comment: String },
}

/// Why a step is refused (a message key).
pub type Refusal = &'static str;

/// The status after a step, or why not. A rating needs a completed case and is given once
/// (`rated` says whether it has been).
pub fn apply(
    from: CaseStatus,
    step: &Step,
    rated: bool,
    today: NaiveDate,
) -> Result<CaseStatus, Refusal> {
    use CaseStatus::*;
    match (from, step) {
        (Received, Step::Accept) => Ok(Accepted),
        (Received | Accepted, Step::Reject { reason }) => {
            if reason.trim().is_empty() {
                Err("hall.reason_required")
            } else {
                Ok(Rejected)
            }
        }
        (Accepted, Step::Start) => Ok(InProgress),
        (Accepted | InProgress, Step::Refer { to, deadline }) => {
            if to.trim().is_empty() {
                Err("hall.refer_to_required")
            } else if *deadline < today {
                Err("hall.deadline_past")
            } else {
                Ok(Referred)
            }
        }
        (Accepted | InProgress | Referred, Step::Complete { result }) => {
            if result.trim().is_empty() {
                Err("hall.result_required")
            } else {
                Ok(Completed)
            }
        }
        (Completed, Step::Rate { stars, .. }) => {
            if rated {
                Err("hall.rated_already")
            } else if !(1..=5).contains(stars) {
                Err("hall.stars_range")
            } else {
                Ok(Completed)
            }
        }
        (_, Step::Rate { .. }) => Err("hall.rate_after_completion"),
        _ => Err("hall.out_of_order"),
    }
}

/// `320205106203-2026-00042`: community, year, sequence within both.
pub fn case_number(community: &str, year: i32, seq: u32) -> String {
    format!("{community}-{year}-{seq:05}")
}

/// Overdue on `today`: open, with a deadline that has passed.
pub fn overdue(status: CaseStatus, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    status.is_open() && deadline.is_some_and(|d| d < today)
}

/// Provider categories: the report's convenience kinds and the farm-service kinds of the
/// supply and marketing co-operative's 为农服务社.
pub const PROVIDER_CATEGORIES: &[&str] = &[
    "agency",
    "housekeeping",
    "water_gas",
    "appliance_repair",
    "legal_advice",
    "drain",
    "locksmith",
    "tickets",
    "agri_supply",
    "agri_advice",
    "irrigation",
    "farm_tools",
];

pub fn is_provider_category(key: &str) -> bool {
    PROVIDER_CATEGORIES.contains(&key)
}

/// A provider's standing: suspended by the district, or expired once the contract's last day
/// has passed (no job has to run for that), else active. Only active providers get requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderStatus {
    Active,
    Suspended,
    Expired,
}

impl ProviderStatus {
    pub fn key(self) -> &'static str {
        match self {
            ProviderStatus::Active => "active",
            ProviderStatus::Suspended => "suspended",
            ProviderStatus::Expired => "expired",
        }
    }
    pub fn effective(stored: &str, contract_end: Option<NaiveDate>, today: NaiveDate) -> Self {
        if stored == "suspended" {
            ProviderStatus::Suspended
        } else if contract_end.is_some_and(|e| e < today) {
            ProviderStatus::Expired
        } else {
            ProviderStatus::Active
        }
    }
}

/// Days of warning before a contract ends.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// True when an active contract ends within the warning period.
pub fn expires_soon(contract_end: Option<NaiveDate>, today: NaiveDate) -> bool {
    contract_end.is_some_and(|e| e >= today && (e - today).num_days() <= EXPIRY_WARNING_DAYS)
}

/// A rating of one or two stars counts as a complaint against the provider.
pub fn is_complaint(stars: u8) -> bool {
    stars <= 2
}

/// Handling-time buckets of the measures: 0..=20 working days one each, 21 for more.
pub const HIST_BUCKETS: usize = 22;

pub fn hist_bucket(days: i64) -> usize {
    days.clamp(0, HIST_BUCKETS as i64 - 1) as usize
}

/// The median of a handling-time histogram (lower median), `None` when empty. The last
/// bucket stands for "more than 20".
pub fn hist_median(h: &[i64; HIST_BUCKETS]) -> Option<usize> {
    let n: i64 = h.iter().sum();
    if n == 0 {
        return None;
    }
    let half = (n + 1) / 2;
    let mut seen = 0;
    for (i, c) in h.iter().enumerate() {
        seen += c;
        if seen >= half {
            return Some(i);
        }
    }
    None
}

/// A share in permille, 0 when there is nothing to divide.
pub fn permille(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 1000 + whole / 2) / whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked.
    fn national_day() -> Calendar {
        let mut c = Calendar::default();
        for day in 1..=8 {
            c.holidays
                .insert(NaiveDate::from_ymd_opt(2025, 10, day).unwrap());
        }
        c.extra_workdays.insert(d("2025-09-28"));
        c.extra_workdays.insert(d("2025-10-11"));
        c
    }

    #[test]
    fn deadlines_skip_weekends_and_holidays_and_count_make_up_days() {
        let c = national_day();
        assert!(c.is_working(d("2025-09-28")), "a make-up Sunday");
        assert!(!c.is_working(d("2025-10-06")), "a holiday Monday");
        // received Friday 26 September, 3 working days: Sun 28 (make-up), Mon 29, Tue 30
        assert_eq!(c.add_working_days(d("2025-09-26"), 3), d("2025-09-30"));
        // received Tuesday 30 September, 1 working day: the holiday week is skipped
        assert_eq!(c.add_working_days(d("2025-09-30"), 1), d("2025-10-09"));
        assert_eq!(c.add_working_days(d("2025-09-30"), 3), d("2025-10-11"));
        // received on a holiday with 0 days: the first working day
        assert_eq!(c.add_working_days(d("2025-10-03"), 0), d("2025-10-09"));
        assert_eq!(c.working_days_between(d("2025-09-30"), d("2025-10-11")), 3);
        assert_eq!(c.working_days_between(d("2025-10-11"), d("2025-09-30")), -3);
    }

    #[test]
    fn the_case_life_cycle() {
        use CaseStatus::*;
        let today = d("2026-11-25");
        assert_eq!(apply(Received, &Step::Accept, false, today), Ok(Accepted));
        assert_eq!(
            apply(Received, &Step::Reject { reason: " ".into() }, false, today),
            Err("hall.reason_required")
        );
        assert_eq!(apply(Accepted, &Step::Start, false, today), Ok(InProgress));
        let refer = Step::Refer {
            to: "东港镇行政受理中心".into(),
            deadline: d("2026-12-01"),
        };
        assert_eq!(apply(InProgress, &refer, false, today), Ok(Referred));
        let late = Step::Refer {
            to: "区劳动保障局".into(),
            deadline: d("2026-11-01"),
        };
        assert_eq!(
            apply(InProgress, &late, false, today),
            Err("hall.deadline_past")
        );
        let done = Step::Complete {
            result: "已办结".into(),
        };
        assert_eq!(apply(Referred, &done, false, today), Ok(Completed));
        let rate = Step::Rate {
            stars: 5,
            comment: String::new(),
        };
        assert_eq!(apply(Completed, &rate, false, today), Ok(Completed));
        assert_eq!(
            apply(Completed, &rate, true, today),
            Err("hall.rated_already")
        );
        assert_eq!(
            apply(InProgress, &rate, false, today),
            Err("hall.rate_after_completion")
        );
        assert_eq!(
            apply(Completed, &Step::Start, false, today),
            Err("hall.out_of_order")
        );
        assert_eq!(
            apply(Rejected, &Step::Accept, false, today),
            Err("hall.out_of_order")
        );
        assert_eq!(
            case_number("320205106203", 2026, 42),
            "320205106203-2026-00042"
        );
        assert!(overdue(Referred, Some(d("2026-11-24")), today));
        assert!(!overdue(Completed, Some(d("2026-11-24")), today));
    }

    #[test]
    fn providers_and_medians() {
        let today = d("2026-11-25");
        assert_eq!(
            ProviderStatus::effective("active", Some(d("2026-11-24")), today),
            ProviderStatus::Expired
        );
        assert_eq!(
            ProviderStatus::effective("active", Some(today), today),
            ProviderStatus::Active
        );
        assert_eq!(
            ProviderStatus::effective("suspended", None, today),
            ProviderStatus::Suspended
        );
        assert!(expires_soon(Some(d("2026-12-25")), today));
        assert!(!expires_soon(Some(d("2026-12-26")), today));
        assert!(!expires_soon(Some(d("2026-11-24")), today));
        let mut h = [0i64; HIST_BUCKETS];
        assert_eq!(hist_median(&h), None);
        h[hist_bucket(1)] += 2;
        h[hist_bucket(3)] += 1;
        h[hist_bucket(99)] += 2;
        assert_eq!(hist_median(&h), Some(3));
        h[hist_bucket(-4)] += 1;
        assert_eq!(hist_median(&h), Some(1));
        assert_eq!(permille(1, 3), 333);
        assert_eq!(permille(2, 3), 667);
        assert_eq!(permille(5, 0), 0);
    }

    proptest! {
        #[test]
        fn median_of_histogram_matches_sorted(days in proptest::collection::vec(0i64..20, 1..60)) {
            let mut h = [0i64; HIST_BUCKETS];
            for d in &days { h[hist_bucket(*d)] += 1; }
            let mut sorted = days.clone();
            sorted.sort_unstable();
            prop_assert_eq!(hist_median(&h), Some(sorted[(sorted.len() - 1) / 2] as usize));
        }

        #[test]
        fn deadlines_are_working_days_and_count_back(
            start in 0u32..3000, n in 0u32..40, holidays in proptest::collection::btree_set(0u32..3100, 0..200),
        ) {
            let base = d("2020-01-01");
            let mut c = Calendar::default();
            for h in holidays {
                c.holidays.insert(base + chrono::Days::new(u64::from(h)));
            }
            let received = base + chrono::Days::new(u64::from(start));
            let due = c.add_working_days(received, n);
            prop_assert!(c.is_working(due));
            prop_assert!(due >= received);
            if n > 0 {
                prop_assert_eq!(c.working_days_between(received, due), i64::from(n));
                // one more day is never earlier
                prop_assert!(c.add_working_days(received, n + 1) > due);
            }
        }
    }
}
