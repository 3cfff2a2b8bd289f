//! The district's clock. China has kept UTC+8 without daylight saving since 1991, so a fixed
//! offset is exact for every date this system records; it saves the tz database in the binary.
//! Instants are stored in UTC and shown in district time.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

pub fn district_tz() -> FixedOffset {
    // 8 hours east is within FixedOffset's range: a proven invariant.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&district_tz()).date_naive()
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Midnight of a district day, as UTC.
pub fn day_start_utc(d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    district_tz()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
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
}
