//! Telling participants about a meeting beyond the in-app notice: an email
//! with the meeting attached as a calendar file (to accounts that gave an
//! address), and a reminder the working day before.

use super::{notify_in, Consultation, COLS, FROM};
use crate::db::{col, placeholders, query_with, Arg, Tx};
use crate::item::{self, Job};
use crate::{Error, Result};
use chrono::{Duration, NaiveTime};
use serde_json::{json, Value};
use xieshang_core::calendar::{cst_date, Calendar};

/// The job kind that emails one person about a meeting.
pub const EMAIL_JOB: &str = "consultation_email";
/// The job kind of the reminder the working day before.
pub const REMINDER_JOB: &str = "consultation_reminder";

/// Queues, in the caller's transaction, an email about consultation `id` to
/// each of `users` that gave an address (`event`: `invited` or `reminder`).
pub(crate) async fn email_in(
    tx: &mut Tx,
    now: i64,
    users: &[i64],
    event: &str,
    id: i64,
) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let mut users = users.to_vec();
    users.sort_unstable();
    users.dedup();
    let rows = query_with(
        &format!(
            "SELECT email FROM users WHERE id IN ({}) AND disabled_at IS NULL
              AND email IS NOT NULL ORDER BY id",
            placeholders(1, users.len())
        ),
        users.iter().map(|u| Arg::Int(*u)).collect(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut jobs = Vec::new();
    for r in &rows {
        let email: String = col(r, "email")?;
        if email.contains('@') {
            jobs.push(Job {
                kind: EMAIL_JOB,
                payload: json!({"to": email, "event": event, "consultation_id": id}),
            });
        }
    }
    item::enqueue(tx, now, &jobs).await
}

/// When the reminder for a meeting starting at `starts_at` goes out: 09:00
/// (China time) on the working day before the meeting's day.
pub fn reminder_at(cal: &Calendar, starts_at: i64) -> i64 {
    let mut day = cst_date(starts_at) - Duration::days(1);
    for _ in 0..40 {
        if cal.is_working_day(day) {
            break;
        }
        day -= Duration::days(1);
    }
    let nine = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
    nine.and_utc().timestamp_millis() - 8 * 3_600_000
}

/// Schedules, in the caller's transaction, the reminder of a meeting; none
/// when its time has already come (the notice itself was that close).
pub(crate) async fn schedule_reminder_in(
    tx: &mut Tx,
    cal: &Calendar,
    now: i64,
    id: i64,
    starts_at: i64,
) -> Result<()> {
    let at = reminder_at(cal, starts_at);
    if at <= now {
        return Ok(());
    }
    item::enqueue_at(
        tx,
        now,
        at,
        &Job {
            kind: REMINDER_JOB,
            payload: json!({"consultation_id": id, "starts_at": starts_at}),
        },
    )
    .await
}

/// Who hears of a meeting: participants by account who have not declined,
/// and the handlers of invited units that have not declined.
pub(crate) async fn audience_in(tx: &mut Tx, id: i64) -> Result<Vec<i64>> {
    let mut users: Vec<i64> = sqlx::query_scalar(
        "SELECT p.user_id FROM consultation_participants p
          WHERE p.consultation_id = $1 AND p.user_id IS NOT NULL AND p.answer <> 'decline'
         UNION
         SELECT g.user_id FROM consultation_participants p
           JOIN grants g ON g.org_id = p.org_id AND g.role = 'department_handler'
          WHERE p.consultation_id = $1 AND p.org_id IS NOT NULL AND p.answer <> 'decline'",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    users.sort_unstable();
    users.dedup();
    Ok(users)
}

/// The reminder job, inside the worker's transaction: when the meeting is
/// still called for the time the reminder was set for (not held, cancelled
/// or moved), everyone who comes hears of it in the app and by email.
pub async fn remind_in(tx: &mut Tx, now: i64, p: &Value) -> Result<()> {
    let id = p["consultation_id"].as_i64().unwrap_or_default();
    let starts_at = p["starts_at"].as_i64().unwrap_or_default();
    let row = sqlx::query("SELECT state, starts_at, topic FROM consultations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        return Ok(());
    };
    if col::<String>(&row, "state")? != "convened" || col::<i64>(&row, "starts_at")? != starts_at {
        return Ok(());
    }
    let topic: String = col(&row, "topic")?;
    let users = audience_in(tx, id).await?;
    notify_in(tx, now, &users, "meeting_reminder", id, &topic).await?;
    email_in(tx, now, &users, "reminder", id).await
}

/// A consultation read by the job worker (no actor: the job was queued by
/// someone allowed to).
pub async fn for_email(db: &crate::db::Db, id: i64) -> Result<Consultation> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    super::from_row(&row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
            .unwrap_or_default()
    }

    #[test]
    fn the_reminder_goes_out_the_working_day_before_at_nine() {
        let cal = Calendar::builtin();
        // Wednesday 2026-12-09, 14:30 → Tuesday 09:00.
        assert_eq!(reminder_at(&cal, at(2026, 12, 9, 14)), at(2026, 12, 8, 9));
        // Monday 2026-12-07 → Friday 2026-12-04 09:00, over the weekend.
        assert_eq!(reminder_at(&cal, at(2026, 12, 7, 9)), at(2026, 12, 4, 9));
    }
}
