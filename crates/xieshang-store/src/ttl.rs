//! A small map whose entries are reused for a while after they were read from
//! the database, for lookups on hot paths whose answers change rarely (an area
//! code's unit, a unit's name). Emptied when it reaches its bound, so it
//! cannot grow without limit. [`Kept`] adds to it the figures pages' rule:
//! a value counted once per key and ttl, by one request while the others
//! that ask for it at that moment wait for its answer.

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

/// Values counted at most once per key and ttl (a figures page's numbers):
/// whoever asks while a key's value is being counted waits for that count
/// instead of starting another. Counts run one at a time per map: when the
/// kept values run out under load, 64 requests counting at once each took
/// longer than the first one alone (the proposal figures' first second
/// measured p99 221 ms that way). Who may read a value is the caller's to
/// check before asking.
#[derive(Debug)]
pub struct Kept<K, V> {
    map: TtlMap<K, V>,
    counting: tokio::sync::Mutex<()>,
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    /// Values kept for `ttl`, at most `max` of them.
    pub fn new(ttl: Duration, max: usize) -> Kept<K, V> {
        Kept {
            map: TtlMap::new(ttl, max),
            counting: tokio::sync::Mutex::const_new(()),
        }
    }

    /// The value kept for `key`, or the one `count` gives, kept from now. A
    /// failed count keeps nothing.
    pub async fn get_or_count<E, F>(&self, key: K, count: F) -> Result<V, E>
    where
        F: std::future::IntoFuture<Output = Result<V, E>>,
    {
        if let Some(v) = self.map.get(&key) {
            return Ok(v);
        }
        let _one = self.counting.lock().await;
        // Counted by the request this one waited for.
        if let Some(v) = self.map.get(&key) {
            return Ok(v);
        }
        let v = count.await?;
        self.map.insert(key, v.clone());
        Ok(v)
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

    #[tokio::test]
    async fn a_kept_value_is_counted_once_while_many_ask() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let kept: Kept<i64, i64> = Kept::new(Duration::from_secs(60), 10);
        let counted = AtomicUsize::new(0);
        let ask = |key: i64| {
            let (kept, counted) = (&kept, &counted);
            async move {
                kept.get_or_count(key, async {
                    counted.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok::<_, ()>(key * 10)
                })
                .await
            }
        };
        let answers = tokio::join!(ask(1), ask(1), ask(1), ask(1));
        assert_eq!(answers, (Ok(10), Ok(10), Ok(10), Ok(10)));
        assert_eq!(counted.load(Ordering::SeqCst), 1);
        assert_eq!(ask(2).await, Ok(20));
        assert_eq!(counted.load(Ordering::SeqCst), 2);
        // A failed count keeps nothing: the next ask counts again.
        assert_eq!(
            kept.get_or_count(3, async { Err("down") }).await,
            Err("down")
        );
        assert_eq!(ask(3).await, Ok(30));
        assert_eq!(counted.load(Ordering::SeqCst), 3);
    }
}
