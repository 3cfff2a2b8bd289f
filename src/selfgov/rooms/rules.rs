//! Pure rules of rooms (no IO): bookings that never overlap, within opening hours, and
//! weekly recurring series.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

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

/// The weekday of a date as 1 (Monday) to 7 (Sunday), as iCalendar's BYDAY counts.
pub fn iso_weekday(d: NaiveDate) -> u32 {
    d.weekday().number_from_monday()
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
