//! A small map whose entries are reused for a while after they were read from
//! the database, for lookups on hot paths whose answers change rarely (an area
//! code's unit, a unit's name). Emptied when it reaches its bound, so it
//! cannot grow without limit.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// Entries kept for `ttl`, at most `max` of them.
#[derive(Debug)]
pub struct TtlMap<K, V> {
    entries: RwLock<HashMap<K, (V, Instant)>>,
    ttl: Duration,
    max: usize,
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    /// An empty map.
    pub fn new(ttl: Duration, max: usize) -> TtlMap<K, V> {
        TtlMap {
            entries: RwLock::default(),
            ttl,
            max,
        }
    }

    /// The value kept for `key`, if it was stored less than the ttl ago.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let map = self.entries.read().ok()?;
        let (value, at) = map.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Keeps `value` for `key` from now.
    pub fn insert(&self, key: K, value: V) {
        if let Ok(mut map) = self.entries.write() {
            if map.len() >= self.max {
                map.clear();
            }
            map.insert(key, (value, Instant::now()));
        }
    }

    /// Takes the value kept for `key` out of the map, if it was stored less
    /// than the ttl ago (a one-time token).
    pub fn take<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut map = self.entries.write().ok()?;
        let (value, at) = map.remove(key)?;
        (at.elapsed() < self.ttl).then_some(value)
    }

    /// Drops the entries whose key fails `keep`.
    pub fn retain(&self, mut keep: impl FnMut(&K) -> bool) {
        if let Ok(mut map) = self.entries.write() {
            map.retain(|k, _| keep(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_bound_empties_the_map() {
        let m: TtlMap<String, i64> = TtlMap::new(Duration::from_secs(60), 2);
        m.insert("a".into(), 1);
        m.insert("b".into(), 2);
        assert_eq!(m.get("a"), Some(1));
        m.insert("c".into(), 3);
        assert_eq!((m.get("a"), m.get("c")), (None, Some(3)));
        m.retain(|k| k != "c");
        assert_eq!(m.get("c"), None);
        let brief: TtlMap<&str, i64> = TtlMap::new(Duration::ZERO, 10);
        brief.insert("a", 1);
        assert_eq!(brief.get("a"), None);
    }
}
