//! Point reads that many requests ask at once, answered together: one statement
//! for all the keys that wait, instead of one statement per request.
//!
//! On PostgreSQL a statement costs its backend far more than the row it finds
//! (a wake-up, a snapshot, executor start-up and the socket's round trip), and
//! the status page is a single point read. Under load the requests that arrive
//! while a statement is in flight wait in a queue; the next statement reads all
//! of them at once (`WHERE key IN (…)`). Alone, a request is read at once,
//! alone: nothing waits for a batch to fill, so a quiet server answers as fast
//! as before and a busy one spends less per page (BENCHMARKS.md, 2026-12-04).
//!
//! Every request is answered by a statement that began after it arrived, so it
//! sees every write committed before it was asked (a resident's feedback, then
//! the page it is sent back to). The statements run in tasks of their own, not
//! in the requests': a visitor who goes away never abandons a statement half-way.

use crate::Db;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// The read of a batch: each found key with its value.
pub type Batch<V> = Pin<Box<dyn Future<Output = sqlx::Result<Vec<(String, V)>>> + Send>>;

/// Reads a batch of distinct keys.
pub type BatchFn<V> = fn(Db, Vec<String>) -> Batch<V>;

type Answer<V> = Result<Option<V>, sqlx::Error>;

/// Keys waiting to be read, and how many lanes are reading.
struct Queue<V> {
    waiting: VecDeque<(String, oneshot::Sender<Answer<V>>)>,
    lanes: usize,
}

/// One kind of point read, coalesced (cheap to share: clone the `Arc`).
pub struct Coalescer<V> {
    queue: Mutex<Queue<V>>,
    /// Statements in flight at most (each holds a reader connection).
    max_lanes: usize,
    /// Keys in one statement at most.
    max_batch: usize,
    run: BatchFn<V>,
    /// Statements run so far.
    statements: AtomicU64,
    /// Reads answered by them so far (each request's, shared or not).
    answered: AtomicU64,
}

impl<V> std::fmt::Debug for Coalescer<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalescer")
            .field("max_lanes", &self.max_lanes)
            .field("max_batch", &self.max_batch)
            .finish_non_exhaustive()
    }
}

impl<V> Coalescer<V> {
    /// How many statements have read keys so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// How many requests those statements have answered so far: divided by
    /// [`Coalescer::statements`], the mean number of requests a statement served.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, Queue<V>> {
        // The lock is never held across an await or a call that can panic.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<V: Clone + Send + 'static> Coalescer<V> {
    /// At most `max_lanes` statements in flight, of at most `max_batch` keys.
    pub fn new(max_lanes: usize, max_batch: usize, run: BatchFn<V>) -> Coalescer<V> {
        Coalescer {
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                lanes: 0,
            }),
            max_lanes: max_lanes.max(1),
            max_batch: max_batch.max(1),
            run,
            statements: AtomicU64::new(0),
            answered: AtomicU64::new(0),
        }
    }

    /// The value for `key`, or None if there is none. Must run on a Tokio
    /// runtime: a lane is started on it when fewer than `max_lanes` run.
    pub async fn get(self: &Arc<Self>, db: &Db, key: String) -> sqlx::Result<Option<V>> {
        let (tx, rx) = oneshot::channel();
        let start_lane = {
            let mut q = self.lock();
            q.waiting.push_back((key, tx));
            let start = q.lanes < self.max_lanes;
            if start {
                q.lanes += 1;
            }
            start
        };
        if start_lane {
            let lane = Lane {
                coalescer: self.clone(),
                open: true,
            };
            tokio::spawn(lane.run(db.clone()));
        }
        rx.await.unwrap_or_else(|_| {
            Err(sqlx::Error::Protocol(
                "the statement that was to read this key did not finish".to_owned(),
            ))
        })
    }
}

/// A task that reads batches while keys wait, then ends.
struct Lane<V> {
    coalescer: Arc<Coalescer<V>>,
    /// Counted in the queue's lanes.
    open: bool,
}

impl<V: Clone + Send + 'static> Lane<V> {
    async fn run(mut self, db: Db) {
        loop {
            let batch: Vec<_> = {
                let mut q = self.coalescer.lock();
                let n = q.waiting.len().min(self.coalescer.max_batch);
                if n == 0 {
                    // Under the same lock as the check of a key's arrival: a key
                    // queued after this sees one lane fewer and starts one.
                    q.lanes -= 1;
                    self.open = false;
                    return;
                }
                q.waiting.drain(..n).collect()
            };
            let mut keys: Vec<String> = batch.iter().map(|(k, _)| k.clone()).collect();
            keys.sort_unstable();
            keys.dedup();
            self.coalescer.statements.fetch_add(1, Ordering::Relaxed);
            self.coalescer
                .answered
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            match (self.coalescer.run)(db.clone(), keys).await {
                Ok(found) => {
                    let found: HashMap<String, V> = found.into_iter().collect();
                    for (key, tx) in batch {
                        // A waiter that went away does not take its answer.
                        let _ = tx.send(Ok(found.get(&key).cloned()));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, keys = batch.len(), "a coalesced read failed");
                    for (_, tx) in batch {
                        let _ = tx.send(Err(copy_error(&e)));
                    }
                }
            }
        }
    }
}

impl<V> Drop for Lane<V> {
    /// A lane that did not end by itself (its runtime shut down, or it
    /// panicked): no longer counted, and the keys that wait are answered with
    /// an error, when no other lane is left to read them, instead of waiting
    /// for one that may never come.
    fn drop(&mut self) {
        if self.open {
            let mut q = self.coalescer.lock();
            q.lanes -= 1;
            if q.lanes == 0 {
                q.waiting.clear();
            }
        }
    }
}

/// The same failure for each waiter of a batch (sqlx's errors are not `Clone`).
fn copy_error(e: &sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::RowNotFound => sqlx::Error::RowNotFound,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// The keys, the last repeated to a power of two, for an `IN` list of that
/// length (so that a connection prepares few distinct statements).
pub fn padded(mut keys: Vec<String>) -> Vec<String> {
    let n = keys.len().next_power_of_two();
    if let Some(last) = keys.last().cloned() {
        keys.resize(n, last);
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::padded;
    use crate::db::placeholders;

    #[test]
    fn in_lists_round_up_to_powers_of_two() {
        let list = |n: usize| placeholders(1, padded(vec![String::new(); n]).len());
        assert_eq!(list(1), "$1");
        assert_eq!(list(3), "$1, $2, $3, $4");
        assert_eq!(list(4), "$1, $2, $3, $4");
        assert_eq!(
            padded(vec!["a".into(), "b".into(), "c".into()]),
            vec!["a", "b", "c", "c"]
        );
        assert_eq!(padded(vec!["a".into()]), vec!["a"]);
    }
}
