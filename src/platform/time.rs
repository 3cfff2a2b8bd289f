//! The district's clock. China has kept UTC+8 without daylight saving since 1991, so a fixed
//! offset is exact for every date this system records; it saves the tz database in the binary.
//! Instants are stored in UTC and shown in district time.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn district_tz() -> FixedOffset {
    // 8 hours east is within FixedOffset's range: a proven invariant.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&district_tz()).date_naive()
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
