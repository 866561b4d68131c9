//! The chain's daily check (issue 33 point 5): [`run`] verifies the whole
//! chain and keeps its result with the time it ran, for the audit page; the
//! job worker queues it once a day ([`claim_due`] decides which process
//! queues today's).

use super::{verify, Verdict};
use crate::db::{col, Db, Tx};
use crate::Result;

/// The job kind of the daily verification.
pub const JOB: &str = "audit_verify";

/// The hour of the day (China time) the check is queued at: a quiet one.
const HOUR: i64 = 3;

/// The last check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// When it ran (unix ms).
    pub checked_at: i64,
    /// What it found.
    pub verdict: Verdict,
}

/// Verifies the chain and keeps the result with the time it started.
pub async fn run(db: &Db) -> Result<Check> {
    let started = db.now_ms();
    let verdict = verify(db).await?;
    let (ok, rows, broken, reason) = match &verdict {
        Verdict::Ok { rows } => (1i64, Some(*rows), None, None),
        Verdict::Broken { row_id, reason } => (0, None, Some(*row_id), Some(reason.clone())),
    };
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE audit_checks SET checked_at = $1, ok = $2, rows_checked = $3, broken_row = $4,
           reason = $5 WHERE id = 1",
    )
    .bind(started)
    .bind(ok)
    .bind(rows)
    .bind(broken)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Verdict::Broken { row_id, reason } = &verdict {
        tracing::error!(audit.row = row_id, reason = %reason, "the audit chain does not verify");
    }
    Ok(Check {
        checked_at: started,
        verdict,
    })
}

/// The last check, if one ran.
pub async fn last(db: &Db) -> Result<Option<Check>> {
    let r = sqlx::query(
        "SELECT checked_at, ok, rows_checked, broken_row, reason FROM audit_checks WHERE id = 1",
    )
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = r else { return Ok(None) };
    let Some(checked_at) = col::<Option<i64>>(&r, "checked_at")? else {
        return Ok(None);
    };
    let verdict = if col::<Option<i64>>(&r, "ok")? == Some(1) {
        Verdict::Ok {
            rows: col::<Option<i64>>(&r, "rows_checked")?.unwrap_or_default(),
        }
    } else {
        Verdict::Broken {
            row_id: col::<Option<i64>>(&r, "broken_row")?.unwrap_or_default(),
            reason: col::<Option<String>>(&r, "reason")?.unwrap_or_default(),
        }
    };
    Ok(Some(Check {
        checked_at,
        verdict,
    }))
}

/// The next time of day the check is due after `now`: 03:00 in China.
pub fn next_after(now: i64) -> i64 {
    let day = xieshang_core::calendar::cst_date(now);
    let midnight_utc = day
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(now);
    let at = midnight_utc - 8 * 3_600_000 + HOUR * 3_600_000;
    if at > now {
        at
    } else {
        at + 86_400_000
    }
}

/// Takes today's check when it is due: moves the next time on to tomorrow's
/// and answers true, in the caller's transaction (which then queues the
/// job); false when it is not due or another process took it.
pub async fn claim_due(tx: &mut Tx, now: i64) -> Result<bool> {
    let taken = sqlx::query("UPDATE audit_checks SET next_at = $1 WHERE id = 1 AND next_at <= $2")
        .bind(next_after(now))
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(taken == 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_check_is_due_at_three_in_the_morning_in_china() {
        // 2026-02-14 18:00 UTC is 02:00 on the 15th in Beijing: due at 03:00.
        let t = 1_771_092_000_000;
        assert_eq!(super::next_after(t), t + 3_600_000);
        // At 03:00 itself, the next is a day later.
        assert_eq!(super::next_after(t + 3_600_000), t + 3_600_000 + 86_400_000);
    }
}
