//! A small in-process cache whose entries live a few seconds.
//!
//! With SQLite every statement is a hand-off to a worker thread that costs more than most of
//! our queries, so what every request needs and almost never changes is kept here: the
//! signed-in user behind a session or token, and the town list of a scope. Entries live
//! [`TTL`] at most; changes made through this process drop what they touch at once; with
//! several server processes on one database, a change made in one reaches the others within
//! the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(10);
const MAX_ENTRIES: usize = 10_000;

pub struct TtlCache<V> {
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V> Default for TtlCache<V> {
    fn default() -> Self {
        TtlCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> TtlCache<V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, V)>> {
        // A panic while holding the lock leaves only cached copies behind: safe to reuse.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh entry, if there is one.
    pub fn get(&self, key: &str) -> Option<V> {
        let map = self.lock();
        let (at, v) = map.get(key)?;
        (at.elapsed() < TTL).then(|| v.clone())
    }

    pub fn put(&self, key: String, value: V) {
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (at, _)| at.elapsed() < TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key, (Instant::now(), value));
    }

    pub fn forget(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Keep only the entries for which `keep` holds.
    pub fn retain(&self, keep: impl Fn(&V) -> bool) {
        self.lock().retain(|_, (_, v)| keep(v));
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_can_be_read_forgotten_and_filtered() {
        let c: TtlCache<i64> = TtlCache::default();
        c.put("a".into(), 1);
        c.put("b".into(), 1);
        c.put("c".into(), 2);
        assert_eq!(c.get("a"), Some(1));
        c.forget("a");
        assert_eq!(c.get("a"), None);
        c.retain(|v| *v != 1);
        assert_eq!(c.get("b"), None);
        assert_eq!(c.get("c"), Some(2));
        c.clear();
        assert_eq!(c.get("c"), None);
    }
}
