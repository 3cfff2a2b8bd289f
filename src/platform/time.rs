//! The district's clock. China has kept UTC+8 without daylight saving since 1991, so a fixed
//! offset is exact for every date this system records; it saves the tz database in the binary.
//! Instants are stored in UTC and shown in district time.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn district_tz() -> FixedOffset {
    // 8 hours east is within FixedOffset's range: a proven invariant.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The district's business clock: what "now" and "today" are for deadlines, years, due dates
/// and everything a person sees dated. It is the system clock, or the system clock shifted so
/// that it started at a chosen moment (`SHEQU_NOW`, `demo --now`, the tests): time still runs,
/// so what is written later is later, but the calendar is the one asked for.
///
/// Every domain reads it from its store context ([`crate::platform::db::Db::clock`]); the
/// `disallowed-methods` lint in `clippy.toml` refuses `Utc::now()` elsewhere. Two things keep
/// the real time on purpose: the audit log (it records when a change was actually made, and
/// its hash chain must not be dated by a setting) and security (session and token expiry,
/// throttles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    shift: chrono::TimeDelta,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `at` now and runs on from there.
    pub fn as_of(at: DateTime<Utc>) -> Clock {
        Clock {
            shift: at - real_now(),
        }
    }

    /// `2026-11-20` (09:00 district time, when the service halls open), `2026-11-20 14:30` or
    /// `2026-11-20T14:30[:00]`, in district time; empty: the system clock.
    pub fn parse(s: &str) -> Result<Clock, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(Clock::system());
        }
        let at = if let Some(d) = parse_date(s).filter(|_| s.len() <= 11) {
            d.and_hms_opt(9, 0, 0).unwrap_or_default()
        } else {
            let t = s.replace('T', " ");
            ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&t, f).ok())
                .ok_or_else(|| {
                    format!("{s} is not a date (2026-11-20) or a time (2026-11-20 14:30)")
                })?
        };
        Ok(Clock::as_of(to_utc(at)))
    }

    /// Whether this clock is shifted from the system's (shown on the pages as "as of").
    pub fn is_shifted(&self) -> bool {
        self.shift != chrono::TimeDelta::zero()
    }

    pub fn now(&self) -> DateTime<Utc> {
        real_now() + self.shift
    }

    /// Today in the district.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&district_tz()).date_naive()
    }
}

/// The real time, for what must never be shifted (the audit log, expiry, throttles, file
/// names of backups). Everything a person sees dated uses a [`Clock`].
#[allow(clippy::disallowed_methods)]
pub fn real_now() -> DateTime<Utc> {
    Utc::now()
}

/// A time of day as the forms send it: `08:30`.
pub fn parse_hm(s: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// A date as people type it: `2008-05-01`, `2008/5/1`, `2008.5.1` or `2008年5月1日`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            c => c,
        })
        .filter(|c| *c != '日')
        .collect();
    NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()
}

/// A district wall-clock time as UTC (UTC+8 has no gaps or folds).
pub fn to_utc(naive: NaiveDateTime) -> DateTime<Utc> {
    district_tz()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// A UTC instant as district wall-clock time.
pub fn to_local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&district_tz()).naive_local()
}

/// Midnight of a district day, as UTC.
pub fn day_start_utc(d: NaiveDate) -> DateTime<Utc> {
    to_utc(d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// `2026-11-25 14:03` in district time.
pub fn show(t: &DateTime<Utc>) -> String {
    t.with_timezone(&district_tz())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_reads_the_date_asked_for_and_runs_on() {
        let c = Clock::parse("2026-06-30").unwrap();
        assert!(c.is_shifted());
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        assert_eq!(to_local(c.now()).format("%H:%M").to_string(), "09:00");
        let c = Clock::parse("2026-12-31T23:59").unwrap();
        assert_eq!(
            to_local(c.now()).format("%Y-%m-%d %H:%M").to_string(),
            "2026-12-31 23:59"
        );
        let c = Clock::parse(" 2026-01-02 08:15:30 ").unwrap();
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(c.now() > a, "time runs on");
        assert!(!Clock::parse("").unwrap().is_shifted());
        for bad in ["2026-13-01", "tomorrow", "2026-11-20 25:00", "2026-11-20x"] {
            assert!(Clock::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn district_midnight_is_16_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(day_start_utc(d).to_rfc3339(), "2026-11-24T16:00:00+00:00");
        assert_eq!(show(&day_start_utc(d)), "2026-11-25 00:00");
    }

    #[test]
    fn dates_as_people_type_them() {
        let d = NaiveDate::from_ymd_opt(2008, 5, 1);
        for s in ["2008-05-01", " 2008/5/1 ", "2008.5.1", "2008年5月1日"] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(parse_date("2008-13-01"), None);
        assert_eq!(parse_date(""), None);
    }
}
