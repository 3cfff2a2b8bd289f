//! Pure rules of the community workforce (社区工作者队伍, issue 15). No IO, no clock: every
//! date is an argument.
//!
//! - who a worker is from their ID number, and their age on a date (age is computed, never
//!   stored);
//! - certificates and their registration, and which count for the report's target;
//! - training hours against a requirement, and a registration period;
//! - recruitment: conditions, weighted scores and the ranking;
//! - the headline measure: communities with a certified social worker, against a target.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};

use crate::platform::types::IdNumber;

crate::keyed_enum!(
    /// Education, as the report counts it (年龄偏高、文化偏低).
    Education {
        Junior = "junior",
        Senior = "senior",
        College = "college",
        Bachelor = "bachelor",
        Postgraduate = "postgraduate",
    }
);

impl Education {
    /// 大专 and above: the share the report wants to raise.
    pub fn college_or_above(self) -> bool {
        self >= Education::College
    }
}

crate::keyed_enum!(
    /// Political status.
    Political {
        Party = "party",
        Probationary = "probationary",
        League = "league",
        Democratic = "democratic",
        Masses = "masses",
    }
);

crate::keyed_enum!(
    /// The post a worker holds.
    Post {
        Secretary = "secretary",
        Director = "director",
        DeputyDirector = "deputy_director",
        Member = "member",
        FullTime = "full_time_worker",
        Assistant = "assistant",
        Other = "other",
    }
);

crate::keyed_enum!(
    /// How a worker is employed: full-time (专职), part-time, a public-welfare post
    /// (公益性岗位), an elected committee member, or seconded (借调).
    Employment {
        FullTime = "full_time",
        PartTime = "part_time",
        PublicWelfare = "public_welfare",
        Elected = "elected",
        Seconded = "seconded",
    }
);

crate::keyed_enum!(
    /// A certificate: the three levels of the social-work qualification (助理社会工作师,
    /// 社会工作师, 高级社会工作师), or another certificate kept on the record.
    CertificateLevel {
        Assistant = "assistant",
        SocialWorker = "social_worker",
        Senior = "senior",
        Other = "other",
    }
);

impl CertificateLevel {
    /// A professional social-work qualification: what the report's target counts.
    pub fn is_social_work(self) -> bool {
        self != CertificateLevel::Other
    }
}

crate::keyed_enum!(
    /// A training course's kind: induction (岗前), topical (专题), continuing education
    /// (继续教育, what a certificate's registration needs), a degree (学历提升), or the
    /// preparation course for the social-work qualification exam (考前培训).
    CourseKind {
        Induction = "induction",
        Topical = "topical",
        Continuing = "continuing",
        Degree = "degree",
        ExamPrep = "exam_prep",
    }
);

/// How long a certificate's registration lasts before it is renewed (社会工作者登记, three
/// years).
pub const REGISTRATION_YEARS: i32 = 3;

/// The registration period of a social-work certificate that is valid on `on`: from the
/// later of its obtaining and three years before the registration ends, to that end. `None`
/// for a certificate without registration, not valid on the day, or not a social-work one.
pub fn registration_period(c: &Certificate, on: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let until = c.registered_until?;
    if !c.valid_on(on) || !c.level.is_social_work() {
        return None;
    }
    let back = NaiveDate::from_ymd_opt(
        until.year() - REGISTRATION_YEARS,
        until.month(),
        until.day(),
    )
    .or_else(|| NaiveDate::from_ymd_opt(until.year() - REGISTRATION_YEARS, 2, 28))?
    .succ_opt()?;
    Some((back.max(c.obtained_on), until))
}

crate::keyed_enum!(
    /// Age bands of the workforce dashboard.
    AgeBand { UpTo35 = "up_to_35", From36To50 = "from_36_to_50", Over50 = "over_50" }
);

/// Birth date and sex read from an ID number (GB 11643): the number must be valid.
pub fn identity(id_number: &str) -> Result<(NaiveDate, bool), &'static str> {
    let id = IdNumber::parse(id_number)?;
    Ok((id.birth_date(), id.is_male()))
}

/// Age in completed years on `on` (0 before the birth date).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// A certificate on a worker's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub level: CertificateLevel,
    pub obtained_on: NaiveDate,
    /// The registration's end (登记有效期); none when the certificate needs no registration.
    pub registered_until: Option<NaiveDate>,
}

impl Certificate {
    /// Held and registered on `on`.
    pub fn valid_on(&self, on: NaiveDate) -> bool {
        self.obtained_on <= on && self.registered_until.is_none_or(|u| on <= u)
    }

    /// Counts for the target on `on`: a social-work qualification, valid then.
    pub fn certifies_on(&self, on: NaiveDate) -> bool {
        self.level.is_social_work() && self.valid_on(on)
    }
}

/// Hours still missing against a requirement (0 when met).
pub fn hours_short(required: u32, done: u32) -> u32 {
    required.saturating_sub(done)
}

/// The conditions of a recruitment round's post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conditions {
    pub min_education: Education,
    /// The oldest an applicant may be on the closing date.
    pub max_age: u32,
}

impl Conditions {
    /// Whether an applicant meets the conditions, and if not, the first one missed.
    pub fn admits(self, education: Education, age: u32) -> Result<(), &'static str> {
        if education < self.min_education {
            Err("workers.education_below_condition")
        } else if age > self.max_age {
            Err("workers.over_age_limit")
        } else {
            Ok(())
        }
    }
}

/// An applicant's total from the written and interview scores (tenths of a point) with the
/// written test's weight in percent: in hundredths of a point, rounded half up.
pub fn weighted_total(written: u32, interview: u32, written_pct: u32) -> Result<u32, &'static str> {
    if written_pct > 100 {
        return Err("workers.bad_weight");
    }
    let thousandths = written * written_pct + interview * (100 - written_pct);
    Ok((thousandths + 5) / 10)
}

/// Ranks by total, best first, ties sharing a rank (1, 2, 2, 4); ties keep the order given.
pub fn rank<T: Copy>(totals: &[(T, u32)]) -> Vec<(T, u32, usize)> {
    let mut order: Vec<usize> = (0..totals.len()).collect();
    order.sort_by(|&a, &b| totals[b].1.cmp(&totals[a].1).then(a.cmp(&b)));
    let mut out = Vec::with_capacity(totals.len());
    for (place, &i) in order.iter().enumerate() {
        let rank = match out.last() {
            Some(&(_, prev, r)) if prev == totals[i].1 => r,
            _ => place + 1,
        };
        out.push((totals[i].0, totals[i].1, rank));
    }
    out
}

/// Communities with a certified social worker, out of the communities counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub communities: u32,
    pub covered: u32,
}

impl Coverage {
    /// The share in tenths of a percent (803 = 80.3 %); 0 with no communities.
    pub fn permille(self) -> u32 {
        if self.communities == 0 {
            0
        } else {
            ((u64::from(self.covered) * 1000 + u64::from(self.communities) / 2)
                / u64::from(self.communities)) as u32
        }
    }

    /// Meets a target in whole percent (exactly, not by the rounded share).
    pub fn meets(self, target_pct: u32) -> bool {
        u64::from(self.covered) * 100 >= u64::from(target_pct) * u64::from(self.communities)
    }
}

/// The coverage of `communities` (the current ones, each once) given those that have a
/// certified worker serving on the day, and the communities still without one, in the
/// order given.
pub fn coverage<'a>(
    communities: &[&'a str],
    certified: &HashSet<&str>,
) -> (Coverage, Vec<&'a str>) {
    let uncovered: Vec<&str> = communities
        .iter()
        .copied()
        .filter(|c| !certified.contains(c))
        .collect();
    let n = communities.len() as u32;
    (
        Coverage {
            communities: n,
            covered: n - uncovered.len() as u32,
        },
        uncovered,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn identity_age_and_bands() {
        // 11010519491231002X: born 1949-12-31, the 17th digit 2 is even: a woman
        assert_eq!(identity("11010519491231002X"), Ok((d("1949-12-31"), false)));
        assert_eq!(identity("110105194912310021"), Err("id.check"));
        assert_eq!(age_on(d("1949-12-31"), d("2008-12-30")), 58);
        assert_eq!(age_on(d("1949-12-31"), d("2008-12-31")), 59);
        assert_eq!(age_on(d("2000-02-29"), d("2001-02-28")), 0);
        assert_eq!(age_on(d("2000-02-29"), d("2001-03-01")), 1);
        assert_eq!(age_on(d("2010-01-01"), d("2008-01-01")), 0);
        assert!(Education::College.college_or_above());
        assert!(!Education::Senior.college_or_above());
        assert_eq!(Education::parse(" bachelor "), Some(Education::Bachelor));
        assert_eq!(Post::FullTime.key(), "full_time_worker");
    }

    #[test]
    fn certificates_count_while_registered() {
        let c = Certificate {
            level: CertificateLevel::Assistant,
            obtained_on: d("2008-11-20"),
            registered_until: Some(d("2011-11-19")),
        };
        assert!(!c.certifies_on(d("2008-11-19")));
        assert!(c.certifies_on(d("2008-11-20")));
        assert!(c.certifies_on(d("2011-11-19")));
        assert!(!c.certifies_on(d("2011-11-20")), "registration lapsed");
        let other = Certificate {
            level: CertificateLevel::Other,
            registered_until: None,
            ..c
        };
        assert!(other.valid_on(d("2030-01-01")) && !other.certifies_on(d("2030-01-01")));
        assert_eq!(hours_short(72, 50), 22);
        assert_eq!(hours_short(72, 80), 0);
    }

    #[test]
    fn recruitment_conditions_scores_and_ranks() {
        let post = Conditions {
            min_education: Education::College,
            max_age: 35,
        };
        assert_eq!(post.admits(Education::Bachelor, 35), Ok(()));
        assert_eq!(
            post.admits(Education::Senior, 30),
            Err("workers.education_below_condition")
        );
        assert_eq!(
            post.admits(Education::College, 36),
            Err("workers.over_age_limit")
        );
        // written 82.5 at 60 %, interview 90.0 at 40 %: 85.50
        assert_eq!(weighted_total(825, 900, 60), Ok(8550));
        // 77.3 and 81.6 at 50 %: 79.45
        assert_eq!(weighted_total(773, 816, 50), Ok(7945));
        assert_eq!(
            weighted_total(1, 0, 50),
            Ok(5),
            "half a hundredth rounds up"
        );
        assert_eq!(weighted_total(800, 800, 101), Err("workers.bad_weight"));
        let ranked = rank(&[("甲", 7945), ("乙", 8550), ("丙", 7945), ("丁", 7000)]);
        assert_eq!(
            ranked,
            vec![
                ("乙", 8550, 1),
                ("甲", 7945, 2),
                ("丙", 7945, 2),
                ("丁", 7000, 4)
            ]
        );
    }

    #[test]
    fn coverage_of_certified_communities() {
        let communities = ["A", "B", "C", "D"];
        let certified: HashSet<&str> = ["A", "C", "Z"].into_iter().collect();
        let (c, without) = coverage(&communities, &certified);
        assert_eq!(
            c,
            Coverage {
                communities: 4,
                covered: 2
            }
        );
        assert_eq!(without, ["B", "D"]);
        assert_eq!(c.permille(), 500);
        assert!(c.meets(50) && !c.meets(51));
        let third = Coverage {
            communities: 3,
            covered: 1,
        };
        assert_eq!(third.permille(), 333);
        assert!(!third.meets(34) && third.meets(33));
        assert_eq!(Coverage::default().permille(), 0);
        assert!(Coverage::default().meets(100), "nothing to cover");
    }

    proptest! {
        #[test]
        fn ranks_are_competition_ranks(totals in proptest::collection::vec(0u32..20, 0..40)) {
            let given: Vec<(usize, u32)> = totals.iter().copied().enumerate().collect();
            let ranked = rank(&given);
            prop_assert_eq!(ranked.len(), given.len());
            for (id, total, r) in &ranked {
                // one more than the number of totals strictly better
                let better = given.iter().filter(|(_, t)| t > total).count();
                prop_assert_eq!(*r, better + 1, "{} {}", id, total);
            }
        }

        #[test]
        fn coverage_counts_each_community_once(
            n in 0usize..60, picked in proptest::collection::vec(0usize..80, 0..80),
        ) {
            let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
            let communities: Vec<&str> = names.iter().map(String::as_str).collect();
            let extra: Vec<String> = picked.iter().map(|i| format!("c{i}")).collect();
            let certified: HashSet<&str> = extra.iter().map(String::as_str).collect();
            let (c, without) = coverage(&communities, &certified);
            prop_assert_eq!(c.communities as usize, n);
            prop_assert_eq!((c.communities - c.covered) as usize, without.len());
            prop_assert!(c.permille() <= 1000);
            prop_assert_eq!(c.meets(100), without.is_empty());
        }

        #[test]
        fn age_grows_by_one_each_birthday(
            birth in 0i64..30_000, later in 0i64..40_000,
        ) {
            let b = d("1930-01-01") + chrono::Duration::days(birth);
            let on = b + chrono::Duration::days(later);
            let age = age_on(b, on);
            // between the completed years by 365.25-day years, give or take one
            let approx = (later as f64 / 365.2425) as i64;
            prop_assert!((i64::from(age) - approx).abs() <= 1);
            // the age grows by one on the birthday (29 February's on 1 March in other years)
            // and on no other day
            let next_day = on.succ_opt().unwrap();
            let grows = age_on(b, next_day) - age;
            let birthday = (next_day.month(), next_day.day()) == (b.month(), b.day())
                || ((b.month(), b.day()) == (2, 29)
                    && (next_day.month(), next_day.day()) == (3, 1)
                    && NaiveDate::from_ymd_opt(next_day.year(), 2, 29).is_none());
            prop_assert_eq!(grows, u32::from(birthday), "{} {}", b, next_day);
        }
    }
}
