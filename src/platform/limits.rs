//! Per-client limits on what may be sent: a sliding window log per key (a client address, an
//! Open311 key). A window remembers the instants of the hits it let through; a hit is let
//! through while fewer than `max` lie within the window, and refused with the seconds until
//! the oldest leaves it. Kept in memory: a limit is a brake on a flood, not a record — a
//! restart forgets it, and several server processes each apply it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept before expired windows are swept (a flood of distinct addresses cannot grow the
/// map without end).
const SWEEP_ABOVE: usize = 50_000;

#[derive(Default)]
pub struct Limiter {
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// Count a hit on `key` at `now` if fewer than `max` lie within `window`; otherwise the
    /// whole seconds to wait (at least 1).
    pub fn hit(&self, key: &str, max: u32, window: Duration, now: Instant) -> Result<(), u64> {
        if max == 0 {
            return Ok(());
        }
        let mut map = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > SWEEP_ABOVE {
            map.retain(|_, hits| {
                hits.back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < window)
            });
        }
        let hits = map.entry(key.to_string()).or_default();
        while hits
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            hits.pop_front();
        }
        if hits.len() >= max as usize {
            let oldest = hits.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.saturating_duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        hits.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_slides() {
        let l = Limiter::default();
        let t0 = Instant::now();
        let w = Duration::from_secs(60);
        for i in 0..3 {
            assert_eq!(l.hit("a", 3, w, t0 + Duration::from_secs(i)), Ok(()));
        }
        assert_eq!(l.hit("a", 3, w, t0 + Duration::from_secs(10)), Err(50));
        assert_eq!(
            l.hit("b", 3, w, t0 + Duration::from_secs(10)),
            Ok(()),
            "another key"
        );
        // the first hit leaves the window at 60 s: one more gets through
        assert_eq!(l.hit("a", 3, w, t0 + Duration::from_secs(60)), Ok(()));
        assert!(l.hit("a", 3, w, t0 + Duration::from_secs(60)).is_err());
        assert_eq!(l.hit("a", 0, w, t0), Ok(()), "0 is no limit");
    }
}
