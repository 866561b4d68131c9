//! Group commit for residents' intake. Concurrent submissions are handed to one
//! writer task, which records whatever has queued up (at most [`MAX_BATCH`]) in
//! one transaction and answers each submitter only after that transaction has
//! committed, so an acknowledged concern is as durable as with one transaction
//! each, while the commit (the disk flush, and on PostgreSQL the audit chain's
//! lock) is paid once per batch instead of once per concern.
//!
//! A concern the checks refuse is answered with its error and leaves the batch
//! untouched (every check comes before the first write). If the batch itself
//! fails (a database error, a failed commit), nothing of it stays and each
//! concern is retried in a transaction of its own, so one bad row cannot take
//! its neighbours down with it.

use crate::concern::{self, OwnedConcern};
use crate::{Db, Error, Result};
use tokio::sync::{mpsc, oneshot};

/// The most concerns one transaction takes.
pub const MAX_BATCH: usize = 64;
const _: () = assert!(MAX_BATCH.is_power_of_two());

/// PostgreSQL's writers, each with its own connection. Alone on a 1,000,000
/// concern city (`scripts/pg-alone.sh intake`, alternating), three did not
/// separate from two: 6,086, 6,758, 6,657 req/s against 6,106, 6,531, 6,951.
const PG_WRITERS: usize = 2;

struct Job {
    concern: OwnedConcern,
    reply: oneshot::Sender<Result<concern::Recorded>>,
}

/// The handle submitters use; cheap to clone.
#[derive(Clone)]
pub struct GroupCommit {
    tx: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writers. On SQLite, one task on the current Tokio runtime
    /// (SQLite has one writer at a time anyway). On PostgreSQL, two, so that
    /// one batch is written while the other commits (they meet only at the
    /// audit chain's head, which each takes last), on a thread and runtime of
    /// their own with their own two connections: on the server's runtime,
    /// each of a batch's statements waited for its turn behind the requests'
    /// tasks before the next could go out, and the database sat idle in the
    /// transaction meanwhile.
    pub fn start(db: Db) -> GroupCommit {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
        if db.dialect().single_writer() {
            tokio::spawn(writer(db, rx));
        } else {
            let started = std::thread::Builder::new()
                .name("xs-intake".into())
                .spawn(move || writers_on_own_runtime(db, rx));
            if let Err(e) = started {
                // The receiver is gone with the closure: submissions are
                // refused as with a closed pool, not left waiting.
                tracing::error!(error = %e, "cannot start the intake writers' thread");
            }
        }
        GroupCommit { tx }
    }

    /// Records a resident's concern; returns its id, code and key once committed.
    pub async fn record(&self, concern: OwnedConcern) -> Result<concern::Recorded> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { concern, reply })
            .await
            .map_err(|_| Error::Db(sqlx::Error::PoolClosed))?;
        answer
            .await
            .map_err(|_| Error::Db(sqlx::Error::PoolClosed))?
    }
}

/// PostgreSQL's two writers on a current-thread runtime, until every
/// submitter is gone.
fn writers_on_own_runtime(db: Db, rx: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the intake writers' runtime");
            return;
        }
    };
    runtime.block_on(async move {
        let db = db.with_own_pool(PG_WRITERS as u32);
        let writers: Vec<_> = (0..PG_WRITERS)
            .map(|_| tokio::spawn(writer(db.clone(), rx.clone())))
            .collect();
        for w in writers {
            let _ = w.await;
        }
        db.close().await;
    });
}

/// Takes what has queued up: at least one, at most [`MAX_BATCH`], and a power
/// of two (the rest waits for the next batch, which the other writer may be
/// free to take at once); None once every submitter is gone.
///
/// Each batch size is its own statement text for each table, prepared and
/// planned on its own; with any size from 1 to 64 a writer's connection held
/// over 400 of them, more than the driver's cache of 100 prepared
/// statements, so they were parsed and planned again and again (PostgreSQL
/// planned 4,257 of 4,680 batches' concern inserts in one 20 s run). Sizes
/// 1, 2, 4, …, 64 are seven texts a table, which stay prepared.
async fn next_batch(rx: &tokio::sync::Mutex<mpsc::Receiver<Job>>) -> Option<Vec<Job>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let size = batch_size(1 + rx.len());
    let mut jobs = Vec::with_capacity(size);
    jobs.push(first);
    while jobs.len() < size {
        match rx.try_recv() {
            Ok(j) => jobs.push(j),
            Err(_) => break,
        }
    }
    Some(jobs)
}

/// The largest power of two that is at most `queued` and [`MAX_BATCH`].
fn batch_size(queued: usize) -> usize {
    let n = queued.clamp(1, MAX_BATCH);
    1 << n.ilog2()
}

async fn writer(db: Db, rx: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
    while let Some(jobs) = next_batch(&rx).await {
        match batch(&db, &jobs).await {
            Ok(results) => {
                for (job, r) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                if jobs.len() > 1 {
                    tracing::warn!(error = %e, size = jobs.len(), "intake batch failed; retrying one by one");
                }
                for job in jobs {
                    let r = one(&db, &job.concern).await;
                    let _ = job.reply.send(r);
                }
            }
        }
    }
}

/// Records the batch in one transaction: each concern's own result, or the
/// batch's error (then nothing was kept).
async fn batch(db: &Db, jobs: &[Job]) -> Result<Vec<Result<concern::Recorded>>> {
    let mut tx = db.begin_write().await?;
    let concerns: Vec<&OwnedConcern> = jobs.iter().map(|j| &j.concern).collect();
    let results = concern::record_owned_many(&mut tx, db, &concerns).await?;
    tx.commit().await?;
    Ok(results)
}

async fn one(db: &Db, c: &OwnedConcern) -> Result<concern::Recorded> {
    let mut tx = db.begin_write().await?;
    let r = concern::record_owned_many(&mut tx, db, &[c])
        .await?
        .pop()
        .unwrap_or(Err(Error::NotFound))?;
    tx.commit().await?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::{batch_size, MAX_BATCH};

    #[test]
    fn batch_sizes_are_powers_of_two_up_to_the_maximum() {
        assert_eq!(batch_size(0), 1);
        assert_eq!(batch_size(1), 1);
        assert_eq!(batch_size(3), 2);
        assert_eq!(batch_size(19), 16);
        assert_eq!(batch_size(64), 64);
        assert_eq!(batch_size(1000), MAX_BATCH);
        let sizes: std::collections::BTreeSet<usize> = (1..=500).map(batch_size).collect();
        assert_eq!(
            sizes.into_iter().collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 32, 64]
        );
    }
}
