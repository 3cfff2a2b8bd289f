//! Pure rules of the one-stop service hall (issue 5, first part): working days under a
//! holiday calendar with make-up working days (调休), deadlines counted in working days, the
//! case life cycle, and case numbers. No IO.

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

/// Resident tags. Disability and low income are sensitive personal information (PIPL
/// art. 28): shown only to those who see full personal data.
pub const TAGS: &[(&str, bool)] = &[
    ("elderly", false),
    ("disabled", true),
    ("low_income", true),
    ("job_seeker", false),
    ("party_member", false),
    ("veteran", false),
    ("living_alone", false),
];

pub fn is_tag(key: &str) -> bool {
    TAGS.iter().any(|(k, _)| *k == key)
}

pub fn is_sensitive_tag(key: &str) -> bool {
    TAGS.iter().any(|(k, s)| *k == key && *s)
}

crate::personal_kind!(
    /// A resident's tags as a personal value: masked, the sensitive ones (PIPL art. 28) are
    /// left out.
    pub ResidentTags,
    |v| tags_column(tags_of(v).into_iter().filter(|t| !is_sensitive_tag(t)))
);

/// Tags as stored: keys between commas, so `LIKE '%,disabled,%'` finds one.
pub fn tags_column<'a>(tags: impl IntoIterator<Item = &'a str>) -> String {
    tags_column_of(tags, is_tag)
}

/// Keys between commas, keeping those `known` accepts, sorted and once each.
pub fn tags_column_of<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    known: impl Fn(&str) -> bool,
) -> String {
    let mut v: Vec<&str> = tags.into_iter().filter(|t| known(t)).collect();
    v.sort_unstable();
    v.dedup();
    format!(",{}", v.iter().map(|t| format!("{t},")).collect::<String>())
}

pub fn tags_of(column: &str) -> Vec<&str> {
    column.split(',').filter(|t| !t.is_empty()).collect()
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

// ------------------------------------------------------------------ search

/// What a search box's text asks for. Who sees people masked (`欧**国`, `3202**********1234`,
/// `139****5678`) may only ask what they see — otherwise which rows match would tell them
/// the hidden part: a full ID number or phone, or a piece of a name beyond its family name,
/// is refused; the last 4 digits and the name as shown are not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    /// A whole ID number (GB 11643).
    IdNumber(String),
    /// A whole mobile number.
    Phone(String),
    /// The last digits of an ID number or phone (4–8 for full viewers, exactly 4 otherwise).
    Tail(String),
    /// Part of a case number (`320205106203-2026-…`): not personal.
    Number(String),
    /// Part of a name (full viewers).
    NameLike(String),
    /// A name as masking shows it: its first character, its length, its last character.
    NameShown {
        first: char,
        len: usize,
        last: Option<char>,
    },
    /// A family name: names beginning with this character.
    Family(char),
}

/// Read a search text for a viewer who sees full values (`full`) or masked ones. `Ok(None)`
/// for an empty text; `Err` with the message key when a masked viewer asks beyond what it
/// sees.
pub fn search_terms(q: &str, full: bool) -> Result<Option<Search>, &'static str> {
    use crate::platform::types::{IdNumber, Phone};
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    let upper = q.to_uppercase();
    let digits_tail = upper
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_digit() || (b == b'X' && i == upper.len() - 1));
    if let Ok(id) = IdNumber::parse(&upper) {
        return if full {
            Ok(Some(Search::IdNumber(id.as_str().to_string())))
        } else {
            Err("hall.search_as_shown")
        };
    }
    if let Ok(p) = Phone::parse(q) {
        return if full {
            Ok(Some(Search::Phone(p.as_str().to_string())))
        } else {
            Err("hall.search_as_shown")
        };
    }
    if digits_tail && (4..=8).contains(&upper.len()) {
        return if full || upper.len() == 4 {
            Ok(Some(Search::Tail(upper)))
        } else {
            Err("hall.search_as_shown")
        };
    }
    if q.contains('-') && q.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Ok(Some(Search::Number(q.to_string())));
    }
    if q.chars().all(|c| c.is_ascii_digit()) {
        // more digits than a tail and fewer than a whole number: a case number's beginning
        return Ok(Some(Search::Number(q.to_string())));
    }
    let chars: Vec<char> = q.chars().collect();
    if chars.len() >= 2 && chars[0] != '*' && chars[1..].contains(&'*') {
        // 欧**国 or 李*: stars stand for hidden characters, only the ends may show
        let last = chars[chars.len() - 1];
        let middle_hidden = chars[1..chars.len() - 1].iter().all(|c| *c == '*');
        if middle_hidden {
            return Ok(Some(Search::NameShown {
                first: chars[0],
                len: chars.len(),
                last: (last != '*').then_some(last),
            }));
        }
        return Err("hall.search_as_shown");
    }
    if full {
        return Ok(Some(Search::NameLike(q.to_string())));
    }
    if chars.len() == 1 {
        return Ok(Some(Search::Family(chars[0])));
    }
    Err("hall.search_as_shown")
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
    fn tags_providers_and_medians() {
        assert_eq!(
            tags_column(["low_income", "elderly", "nonsense", "elderly"]),
            ",elderly,low_income,"
        );
        assert_eq!(tags_column([]), ",");
        assert_eq!(
            tags_of(",elderly,low_income,"),
            vec!["elderly", "low_income"]
        );
        assert!(is_sensitive_tag("disabled") && !is_sensitive_tag("elderly"));
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

    #[test]
    fn masked_viewers_search_only_what_they_see() {
        use Search::*;
        let id = "11010519491231002X";
        assert_eq!(search_terms(id, true), Ok(Some(IdNumber(id.into()))));
        assert_eq!(search_terms(id, false), Err("hall.search_as_shown"));
        assert_eq!(
            search_terms("13912345678", true),
            Ok(Some(Phone("13912345678".into())))
        );
        assert!(search_terms("13912345678", false).is_err());
        assert_eq!(search_terms("5678", false), Ok(Some(Tail("5678".into()))));
        assert_eq!(search_terms("002x", false), Ok(Some(Tail("002X".into()))));
        assert!(
            search_terms("345678", false).is_err(),
            "six digits show two hidden"
        );
        assert_eq!(
            search_terms("345678", true),
            Ok(Some(Tail("345678".into())))
        );
        assert_eq!(
            search_terms("欧阳", true),
            Ok(Some(NameLike("欧阳".into())))
        );
        assert!(search_terms("欧阳", false).is_err());
        assert!(search_terms("建国", false).is_err());
        assert_eq!(search_terms("欧", false), Ok(Some(Family('欧'))));
        assert_eq!(
            search_terms("欧**国", false),
            Ok(Some(NameShown {
                first: '欧',
                len: 4,
                last: Some('国')
            }))
        );
        assert_eq!(
            search_terms("李*", false),
            Ok(Some(NameShown {
                first: '李',
                len: 2,
                last: None
            }))
        );
        assert!(search_terms("欧*阳*", false).is_err());
        assert_eq!(
            search_terms("320205106203-2026", false),
            Ok(Some(Number("320205106203-2026".into())))
        );
        assert_eq!(search_terms("  ", false), Ok(None));
    }

    proptest::proptest! {
        /// Whatever a masked viewer may search by, the masked form of a matching name shows
        /// it: nothing hidden can be told apart by searching.
        #[test]
        fn shown_patterns_match_only_by_what_masking_shows(name in "[\u{4e00}-\u{4e20}]{1,5}") {
            let shown = crate::platform::types::mask_name(&name);
            if let Ok(Some(Search::NameShown { first, len, last })) = search_terms(&shown, false) {
                let chars: Vec<char> = name.chars().collect();
                proptest::prop_assert_eq!(chars[0], first);
                proptest::prop_assert_eq!(chars.len(), len);
                if let Some(l) = last {
                    proptest::prop_assert_eq!(chars[chars.len() - 1], l);
                }
            }
        }
    }
}
