//! Pure rules of meetings (no IO): the notice period of topics, the quorum of representative
//! assemblies, resolutions passed by a majority of those present.

use chrono::{Duration, NaiveDate, NaiveDateTime};
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

    proptest! {
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
    }
}
