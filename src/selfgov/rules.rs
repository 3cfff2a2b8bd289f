//! Pure rules of self-government and mutual aid (issue 6, first part): the notice period of
//! meeting topics, the quorum of representative assemblies, resolutions passed by a majority
//! of those present, room bookings that never overlap, weekly recurring series, and
//! volunteer hours. No IO.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// Kinds of meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// 村民代表会议: decides, against the list of representatives and the quorum.
    RepresentativeAssembly,
    /// 村民论坛: topic announced in advance, open to anyone willing.
    VillagerForum,
    /// 居民会议.
    ResidentsMeeting,
    /// District-level joint meeting of departments and the guidance committee.
    JointMeeting,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 4] = [
        MeetingKind::RepresentativeAssembly,
        MeetingKind::VillagerForum,
        MeetingKind::ResidentsMeeting,
        MeetingKind::JointMeeting,
    ];
    pub fn key(self) -> &'static str {
        match self {
            MeetingKind::RepresentativeAssembly => "representative_assembly",
            MeetingKind::VillagerForum => "villager_forum",
            MeetingKind::ResidentsMeeting => "residents_meeting",
            MeetingKind::JointMeeting => "joint_meeting",
        }
    }
    pub fn parse(s: &str) -> Option<MeetingKind> {
        MeetingKind::ALL.into_iter().find(|k| k.key() == s)
    }
    /// Whether decisions need the list of representatives and the quorum.
    pub fn has_quorum(self) -> bool {
        self == MeetingKind::RepresentativeAssembly
    }
}

/// What happens to a topic announced later than the notice period asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// Publish it, with a warning shown and recorded.
    Warn,
    /// Refuse to publish it.
    Refuse,
}

impl Enforcement {
    pub fn key(self) -> &'static str {
        match self {
            Enforcement::Warn => "warn",
            Enforcement::Refuse => "refuse",
        }
    }
}

/// The notice period of a kind of meeting: days between announcing a topic and the meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRule {
    pub days: u32,
    pub enforcement: Enforcement,
}

impl NoticeRule {
    /// The defaults, kept as data the district may change: a forum's topic is announced 7
    /// days ahead (DOMAIN.md: announced to villagers in advance); an assembly's 5, refused when
    /// later, because its decisions bind; a residents' meeting 7; a joint meeting 3, warned.
    pub fn default_for(kind: MeetingKind) -> NoticeRule {
        match kind {
            MeetingKind::VillagerForum => NoticeRule {
                days: 7,
                enforcement: Enforcement::Warn,
            },
            MeetingKind::RepresentativeAssembly => NoticeRule {
                days: 5,
                enforcement: Enforcement::Refuse,
            },
            MeetingKind::ResidentsMeeting => NoticeRule {
                days: 7,
                enforcement: Enforcement::Warn,
            },
            MeetingKind::JointMeeting => NoticeRule {
                days: 3,
                enforcement: Enforcement::Warn,
            },
        }
    }
}

/// The outcome of checking a topic's announcement against the notice period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    InTime,
    /// Published, `short` days short of the period.
    Late {
        short: i64,
    },
}

/// Check a topic published at `published` for a meeting at `meeting`: whole calendar days
/// between the two dates count (published on the 1st for a meeting on the 8th is 7 days).
/// A meeting in the past, or a late topic under `Refuse`, is an error (a message key).
pub fn check_notice(
    rule: NoticeRule,
    published: NaiveDateTime,
    meeting: NaiveDateTime,
) -> Result<Notice, &'static str> {
    if meeting <= published {
        return Err("selfgov.meeting_passed");
    }
    let days = (meeting.date() - published.date()).num_days();
    let short = i64::from(rule.days) - days;
    if short <= 0 {
        Ok(Notice::InTime)
    } else if rule.enforcement == Enforcement::Refuse {
        Err("selfgov.notice_too_late")
    } else {
        Ok(Notice::Late { short })
    }
}

/// The latest day a topic can be published for a meeting on `meeting` and be in time.
pub fn publish_by(rule: NoticeRule, meeting: NaiveDate) -> NaiveDate {
    meeting - Duration::days(i64::from(rule.days))
}

/// More than two thirds of the representatives present: `present * 3 > total * 2`.
pub fn quorum_met(present: u32, total: u32) -> bool {
    total > 0 && u64::from(present) * 3 > u64::from(total) * 2
}

/// Votes on a resolution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Votes {
    pub for_: u32,
    pub against: u32,
    pub abstain: u32,
}

impl Votes {
    pub fn cast(&self) -> u64 {
        u64::from(self.for_) + u64::from(self.against) + u64::from(self.abstain)
    }
}

/// Whether a resolution passed, from the votes and the attendance: votes may not exceed those
/// present; a majority of those present (not of those voting) must vote for; at an
/// assembly the quorum must be met for any decision. `claimed` is what the minutes say, and
/// is refused when it contradicts the votes.
pub fn resolution(
    kind: MeetingKind,
    votes: Votes,
    present: u32,
    representatives: u32,
    claimed: Option<bool>,
) -> Result<bool, &'static str> {
    if votes.cast() > u64::from(present) {
        return Err("selfgov.votes_exceed_attendance");
    }
    if kind.has_quorum() && present > representatives {
        return Err("selfgov.present_exceeds_list");
    }
    let quorate = !kind.has_quorum() || quorum_met(present, representatives);
    let majority = u64::from(votes.for_) * 2 > u64::from(present);
    let passed = quorate && majority;
    match claimed {
        Some(true) if !quorate => Err("selfgov.no_quorum"),
        Some(c) if c != passed => Err("selfgov.outcome_contradicts_votes"),
        _ => Ok(passed),
    }
}

/// A half-open span of time `[start, end)` on one room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl Span {
    pub fn new(start: NaiveDateTime, end: NaiveDateTime) -> Result<Span, &'static str> {
        if end <= start {
            Err("selfgov.ends_before_start")
        } else if end - start > Duration::hours(24) {
            Err("selfgov.too_long")
        } else {
            Ok(Span { start, end })
        }
    }
    /// Two bookings clash when each starts before the other ends (back to back is fine).
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Opening hours of a room, the same every day: a booking lies within one day's hours.
pub fn within_hours(span: &Span, opens: NaiveTime, closes: NaiveTime) -> bool {
    span.start.date() == span.end.date() && span.start.time() >= opens && span.end.time() <= closes
}

/// A weekly series: the same weekday and times from `first` until `until` (inclusive), at
/// most `MAX_OCCURRENCES`, less the dates cancelled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weekly {
    pub first: NaiveDate,
    pub until: NaiveDate,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    /// Every `interval` weeks (1 = weekly, 2 = fortnightly).
    pub interval: u32,
    pub cancelled: Vec<NaiveDate>,
}

/// A year of weekly meetings, enough for any series staff book at once.
pub const MAX_OCCURRENCES: usize = 53;

impl Weekly {
    /// The occurrences as spans, in order; refused when the series is empty, inverted or too
    /// long.
    pub fn occurrences(&self) -> Result<Vec<Span>, &'static str> {
        if self.until < self.first {
            return Err("selfgov.until_before_first");
        }
        if self.interval == 0 || self.interval > 4 {
            return Err("selfgov.bad_interval");
        }
        let step = Duration::weeks(i64::from(self.interval));
        let mut out = vec![];
        let mut d = self.first;
        while d <= self.until {
            if out.len() >= MAX_OCCURRENCES {
                return Err("selfgov.too_many_occurrences");
            }
            if !self.cancelled.contains(&d) {
                out.push(Span::new(d.and_time(self.starts), d.and_time(self.ends))?);
            }
            d += step;
        }
        if out.is_empty() {
            return Err("selfgov.no_occurrences");
        }
        Ok(out)
    }
}

/// The first clash between new spans and booked ones (or among the new ones), if any.
pub fn first_clash(new: &[Span], booked: &[Span]) -> Option<(Span, Span)> {
    let mut all: Vec<(Span, bool)> = new
        .iter()
        .map(|s| (*s, true))
        .chain(booked.iter().map(|s| (*s, false)))
        .collect();
    all.sort();
    // sorted by start: a clash shows between neighbours of the running latest end
    let mut latest: Option<(Span, bool)> = None;
    for (s, is_new) in all {
        if let Some((l, l_new)) = latest {
            if s.start < l.end && (is_new || l_new) {
                return Some(if is_new { (s, l) } else { (l, s) });
            }
            if s.end > l.end {
                latest = Some((s, is_new));
            }
        } else {
            latest = Some((s, is_new));
        }
    }
    None
}

/// Points for volunteer service: one point per full verified hour (records keep hours in
/// tenths, `(tenths, verified)`). Unverified records earn nothing yet.
pub fn points(records: &[(u32, bool)]) -> u32 {
    records
        .iter()
        .filter(|(_, verified)| *verified)
        .map(|(tenths, _)| *tenths)
        .sum::<u32>()
        / 10
}

/// Hours of a service record, in tenths: more than zero, at most a day.
pub fn check_hours(tenths: u32) -> Result<u32, &'static str> {
    if tenths == 0 || tenths > 240 {
        Err("selfgov.bad_hours")
    } else {
        Ok(tenths)
    }
}

/// The weekday of a date as 1 (Monday) to 7 (Sunday), as iCalendar's BYDAY counts.
pub fn iso_weekday(d: NaiveDate) -> u32 {
    d.weekday().number_from_monday()
}

/// Where a proposal (建言献策) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Received,
    UnderStudy,
    Adopted,
    PartlyAdopted,
    NotAdopted,
    Implemented,
}

impl ProposalStatus {
    pub fn key(self) -> &'static str {
        match self {
            ProposalStatus::Received => "received",
            ProposalStatus::UnderStudy => "under_study",
            ProposalStatus::Adopted => "adopted",
            ProposalStatus::PartlyAdopted => "partly_adopted",
            ProposalStatus::NotAdopted => "not_adopted",
            ProposalStatus::Implemented => "implemented",
        }
    }
    /// Answered: a decision the proposer can read.
    pub fn answered(self) -> bool {
        !matches!(self, ProposalStatus::Received | ProposalStatus::UnderStudy)
    }
}

/// A proposal's next status. A decision needs a public answer, "not adopted" its reason too;
/// only what was adopted, in whole or in part, can be implemented.
pub fn proposal_step(
    from: ProposalStatus,
    to: ProposalStatus,
    answer: &str,
) -> Result<ProposalStatus, &'static str> {
    use ProposalStatus::*;
    let ok = matches!(
        (from, to),
        (Received, UnderStudy)
            | (Received | UnderStudy, Adopted | PartlyAdopted | NotAdopted)
            | (Adopted | PartlyAdopted, Implemented)
    );
    if !ok {
        return Err("selfgov.proposal_out_of_order");
    }
    if matches!(to, Adopted | PartlyAdopted | NotAdopted) && answer.trim().is_empty() {
        return Err(if to == NotAdopted {
            "selfgov.reason_required"
        } else {
            "selfgov.answer_required"
        });
    }
    Ok(to)
}

/// How a civil organisation stands with the civil-affairs bureau.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// 登记: a legal person with a unified social credit code and a registration certificate.
    Registered,
    /// 备案: filed with the town or community; usually without a credit code.
    Filed,
}

/// Check an organisation's identity: a registered one needs a valid credit code and its
/// certificate number; a filed one may have a code, which must then be valid too.
pub fn check_org_identity(
    standing: Standing,
    credit_code: &str,
    certificate: &str,
) -> Result<Option<String>, (&'static str, &'static str)> {
    let code = match credit_code.trim() {
        "" => None,
        c => Some(
            crate::platform::types::CreditCode::parse(c)
                .map_err(|k| ("credit_code", k))?
                .as_str()
                .to_string(),
        ),
    };
    if standing == Standing::Registered {
        if code.is_none() {
            return Err(("credit_code", "selfgov.registered_needs_code"));
        }
        if certificate.trim().is_empty() {
            return Err(("certificate_no", "selfgov.registered_needs_certificate"));
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn notice_periods_warn_or_refuse() {
        let forum = NoticeRule::default_for(MeetingKind::VillagerForum);
        assert_eq!(forum.days, 7);
        assert_eq!(
            check_notice(forum, at("2026-11-01 09:00"), at("2026-11-08 14:00")),
            Ok(Notice::InTime)
        );
        assert_eq!(
            check_notice(forum, at("2026-11-03 09:00"), at("2026-11-08 14:00")),
            Ok(Notice::Late { short: 2 })
        );
        let assembly = NoticeRule::default_for(MeetingKind::RepresentativeAssembly);
        assert_eq!(
            check_notice(assembly, at("2026-11-05 09:00"), at("2026-11-08 14:00")),
            Err("selfgov.notice_too_late")
        );
        assert_eq!(
            check_notice(forum, at("2026-11-09 09:00"), at("2026-11-08 14:00")),
            Err("selfgov.meeting_passed")
        );
        assert_eq!(publish_by(forum, d("2026-11-08")), d("2026-11-01"));
    }

    #[test]
    fn quorum_and_majority() {
        // 31 representatives: 21 is not more than two thirds (20.67 is), 20 is not
        assert!(quorum_met(21, 31));
        assert!(!quorum_met(20, 31));
        // 30: two thirds is 20 exactly, which is not more
        assert!(!quorum_met(20, 30));
        assert!(quorum_met(21, 30));
        assert!(!quorum_met(0, 0));
        let a = MeetingKind::RepresentativeAssembly;
        let v = |f, ag, ab| Votes {
            for_: f,
            against: ag,
            abstain: ab,
        };
        // 24 present of 30: 13 for is a majority of those present; 12 is not
        assert_eq!(resolution(a, v(13, 5, 6), 24, 30, None), Ok(true));
        assert_eq!(resolution(a, v(12, 2, 2), 24, 30, None), Ok(false));
        assert_eq!(
            resolution(a, v(20, 3, 2), 24, 30, None),
            Err("selfgov.votes_exceed_attendance")
        );
        // no quorum: nothing passes, and minutes saying it did are refused
        assert_eq!(resolution(a, v(20, 0, 0), 20, 30, None), Ok(false));
        assert_eq!(
            resolution(a, v(20, 0, 0), 20, 30, Some(true)),
            Err("selfgov.no_quorum")
        );
        assert_eq!(
            resolution(a, v(10, 11, 0), 24, 30, Some(true)),
            Err("selfgov.outcome_contradicts_votes")
        );
        assert_eq!(
            resolution(a, v(1, 0, 0), 31, 30, None),
            Err("selfgov.present_exceeds_list")
        );
        // a forum has no quorum: a head count and a majority of it
        let f = MeetingKind::VillagerForum;
        assert_eq!(resolution(f, v(40, 10, 5), 60, 0, None), Ok(true));
    }

    #[test]
    fn bookings_and_series() {
        let s = |a: &str, b: &str| Span::new(at(a), at(b)).unwrap();
        let morning = s("2026-11-30 09:00", "2026-11-30 11:00");
        assert!(morning.overlaps(&s("2026-11-30 10:30", "2026-11-30 12:00")));
        assert!(
            !morning.overlaps(&s("2026-11-30 11:00", "2026-11-30 12:00")),
            "back to back"
        );
        assert_eq!(
            Span::new(at("2026-11-30 11:00"), at("2026-11-30 09:00")),
            Err("selfgov.ends_before_start")
        );
        let opens = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
        let closes = NaiveTime::from_hms_opt(21, 0, 0).unwrap();
        assert!(within_hours(&morning, opens, closes));
        assert!(!within_hours(
            &s("2026-11-30 20:00", "2026-11-30 22:00"),
            opens,
            closes
        ));
        // every Monday evening in December but the 14th
        let w = Weekly {
            first: d("2026-12-07"),
            until: d("2026-12-28"),
            starts: NaiveTime::from_hms_opt(19, 0, 0).unwrap(),
            ends: NaiveTime::from_hms_opt(20, 30, 0).unwrap(),
            interval: 1,
            cancelled: vec![d("2026-12-14")],
        };
        let occ = w.occurrences().unwrap();
        assert_eq!(occ.len(), 3);
        assert!(occ.iter().all(|o| iso_weekday(o.start.date()) == 1));
        // a booking on the 21st clashes with the series; one on the 14th does not
        assert!(first_clash(&occ, &[s("2026-12-21 20:00", "2026-12-21 21:00")]).is_some());
        assert!(first_clash(&occ, &[s("2026-12-14 19:00", "2026-12-14 20:00")]).is_none());
        let long = Weekly {
            until: d("2028-12-28"),
            ..w.clone()
        };
        assert_eq!(long.occurrences(), Err("selfgov.too_many_occurrences"));
        assert_eq!(points(&[(25, true), (15, false), (10, true)]), 3);
        assert_eq!(check_hours(0), Err("selfgov.bad_hours"));
    }

    #[test]
    fn proposals_and_organisations() {
        use ProposalStatus::*;
        assert_eq!(proposal_step(Received, UnderStudy, ""), Ok(UnderStudy));
        assert_eq!(
            proposal_step(UnderStudy, Adopted, "纳入明年村务计划"),
            Ok(Adopted)
        );
        assert_eq!(
            proposal_step(UnderStudy, NotAdopted, " "),
            Err("selfgov.reason_required")
        );
        assert_eq!(
            proposal_step(Received, PartlyAdopted, ""),
            Err("selfgov.answer_required")
        );
        assert_eq!(
            proposal_step(NotAdopted, Implemented, ""),
            Err("selfgov.proposal_out_of_order")
        );
        assert_eq!(
            proposal_step(PartlyAdopted, Implemented, ""),
            Ok(Implemented)
        );
        assert_eq!(
            proposal_step(Implemented, Received, ""),
            Err("selfgov.proposal_out_of_order")
        );
        assert!(Adopted.answered() && !UnderStudy.answered());
        // 和谐义工 filed without a code; a registered association with one and a certificate
        assert_eq!(check_org_identity(Standing::Filed, "", ""), Ok(None));
        let first17 = "51320205MJ5705436";
        let check = crate::platform::types::CreditCode::check_char(first17).unwrap() as char;
        let code = &format!("{first17}{check}");
        let wrong = if check == '0' { '1' } else { '0' };
        let bad = format!("{first17}{wrong}");
        assert_eq!(
            check_org_identity(Standing::Registered, code, "苏锡民证字第 0012 号"),
            Ok(Some(code.clone()))
        );
        assert_eq!(
            check_org_identity(Standing::Registered, "", "x"),
            Err(("credit_code", "selfgov.registered_needs_code"))
        );
        assert_eq!(
            check_org_identity(Standing::Registered, code, " "),
            Err(("certificate_no", "selfgov.registered_needs_certificate"))
        );
        // a filed organisation given a code that fails its check
        assert_eq!(
            check_org_identity(Standing::Filed, &bad, ""),
            Err(("credit_code", "credit.check"))
        );
    }

    proptest! {
        #[test]
        fn clash_detection_agrees_with_pairwise_overlap(
            spans in proptest::collection::vec((0i64..2000, 1i64..300), 0..30),
            split in 0usize..30,
        ) {
            let base = at("2026-01-05 00:00");
            let all: Vec<Span> = spans
                .iter()
                .map(|(s, l)| Span { start: base + Duration::minutes(*s), end: base + Duration::minutes(s + l) })
                .collect();
            let k = split.min(all.len());
            let (new, booked) = all.split_at(k);
            let pairwise = new.iter().enumerate().any(|(i, a)| {
                booked.iter().any(|b| a.overlaps(b)) || new[i + 1..].iter().any(|b| a.overlaps(b))
            });
            prop_assert_eq!(first_clash(new, booked).is_some(), pairwise);
            if let Some((a, b)) = first_clash(new, booked) {
                prop_assert!(a.overlaps(&b));
            }
        }

        #[test]
        fn quorum_is_strictly_more_than_two_thirds(present in 0u32..500, total in 1u32..500) {
            // the smallest quorum: one more than two thirds rounded down
            let smallest = 2 * total / 3 + 1;
            prop_assert_eq!(quorum_met(present, total), present >= smallest);
        }

        #[test]
        fn a_passed_resolution_had_a_majority_of_those_present(
            f in 0u32..60, a in 0u32..60, b in 0u32..60, extra in 0u32..30, list_extra in 0u32..30,
        ) {
            let present = f + a + b + extra;
            let reps = present + list_extra;
            let votes = Votes { for_: f, against: a, abstain: b };
            let passed = resolution(MeetingKind::RepresentativeAssembly, votes, present, reps, None).unwrap();
            if passed {
                prop_assert!(2 * f > present);
                prop_assert!(quorum_met(present, reps));
            }
        }

        #[test]
        fn series_occurrences_fall_on_the_first_weekday_in_order(
            first in 0i64..700, weeks in 0i64..52, interval in 1u32..4,
        ) {
            let f = d("2026-01-01") + Duration::days(first);
            let w = Weekly {
                first: f,
                until: f + Duration::weeks(weeks),
                starts: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                ends: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
                interval,
                cancelled: vec![],
            };
            let occ = w.occurrences().unwrap();
            prop_assert_eq!(occ.len() as i64, weeks / i64::from(interval) + 1);
            for pair in occ.windows(2) {
                prop_assert!(pair[0].end <= pair[1].start);
                prop_assert_eq!(iso_weekday(pair[0].start.date()), iso_weekday(pair[1].start.date()));
            }
        }
    }
}
