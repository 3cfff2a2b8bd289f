//! Pure rules of volunteer service (no IO): hours in tenths, points for verified hours.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_count_verified_hours() {
        assert_eq!(points(&[(25, true), (15, false), (10, true)]), 3);
        assert_eq!(check_hours(0), Err("selfgov.bad_hours"));
    }
}
