//! A member's duty record (履职档案) for a year, read from the activity itself:
//! studio shifts attended and missed, receptions, concerns recorded for residents
//! and concerns followed as a paired member; plus staff's manual entries, each
//! with its evidence and audited. Consultations attended and spoken at come
//! from their participants (issue 28). Proposals (issue 29) from their own
//! tables: filed as initiator, co-signed (confirmed) once accepted, accepted,
//! chosen as key proposals and adopted (final reply of class A), each in the
//! year it happened. Study materials confirmed (issue 30) from their reading
//! records; opinion reports (issue 30) from theirs: submitted, used and the
//! points their rule table gives ([`crate::report::points`]). Party
//! organisational life (issue 31 point 4) from its attendance and the
//! confirmed work-unit reports ([`crate::party::counts_between`]).

use crate::audit::{self, Entry};
use crate::db::{col, Db};
use crate::{Error, Result};
use chrono::NaiveDate;
use serde_json::json;
use xieshang_core::{Actor, Permission};

/// Kinds of manual entry.
pub const ENTRY_KINDS: &[&str] = &[
    "meeting",
    "speech",
    "research",
    "inspection",
    "special_task",
    "other",
];

/// One manual entry.
#[derive(Debug, Clone)]
pub struct ManualEntry {
    /// Kind code.
    pub kind: String,
    /// What was done.
    pub description: String,
    /// Where it is documented.
    pub evidence: String,
    /// Who added it.
    pub added_by: String,
    /// When, unix ms.
    pub at: i64,
}

/// The record of one member for one year.
#[derive(Debug, Clone, Default)]
pub struct DutyRecord {
    /// Studio shifts checked in to.
    pub shifts_attended: i64,
    /// Past studio shifts not checked in to.
    pub shifts_missed: i64,
    /// Receptions logged.
    pub receptions: i64,
    /// Receptions that became concerns.
    pub receptions_filed: i64,
    /// Receptions marked as leads for proposals or opinion reports.
    pub receptions_leads: i64,
    /// Concerns recorded for residents.
    pub concerns_recorded: i64,
    /// Concerns followed (paired grids).
    pub concerns_followed: i64,
    /// Consultations attended (checked in or marked present), held in the year.
    pub consultations_attended: i64,
    /// Consultations spoken at.
    pub consultations_spoke: i64,
    /// Proposals filed as their initiator (lead author), by the day filed.
    pub proposals_filed: i64,
    /// Accepted proposals co-signed (confirmed), by the day accepted.
    pub proposals_cosigned: i64,
    /// Proposals of theirs accepted (立案), by the day accepted.
    pub proposals_accepted: i64,
    /// Proposals of theirs chosen as key proposals, by the day chosen.
    pub proposals_key: i64,
    /// Proposals of theirs adopted (final reply of class A), by the reply's day.
    pub proposals_adopted: i64,
    /// Study materials whose reading they confirmed (issue 30), by the day
    /// confirmed.
    pub readings_confirmed: i64,
    /// Opinion reports submitted.
    pub reports_submitted: i64,
    /// Opinion reports used by the office (theirs or merged with theirs).
    pub reports_used: i64,
    /// Points from opinion reports by the bodies' report rules (own use,
    /// adoptions up the levels, leaders' instructions).
    pub report_points: i64,
    /// Organisational-life meetings of their CPPCC party unit attended
    /// (issue 31 point 4), by the meeting's start.
    pub party_meetings: i64,
    /// Meetings of their work unit's party organisation reported and
    /// confirmed by staff, by the day held.
    pub party_reports: i64,
    /// Staff's manual entries.
    pub manual: Vec<ManualEntry>,
}

/// Unix ms of the start of a year, China time.
fn year_start(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(0)
}

/// A member's record for a year (no permission check: callers decide who sees it).
pub async fn for_member(db: &Db, user_id: i64, year: i32) -> Result<DutyRecord> {
    let (from_ms, to_ms) = (year_start(year), year_start(year + 1));
    let (from_day, to_day) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let today = xieshang_core::calendar::cst_date(db.now_ms())
        .format("%Y-%m-%d")
        .to_string();
    // Shifts by day (text), the rest by time (ms).
    let by_day = |sql: &'static str, until: String| {
        let (from_day, to_day) = (from_day.clone(), to_day.clone());
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(user_id)
                .bind(from_day)
                .bind(to_day)
                .bind(until)
                .fetch_one(db.pool())
                .await
        }
    };
    let by_time = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(user_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_one(db.pool())
            .await
    };
    let shifts_attended = by_day(
        "SELECT COUNT(*) FROM duty_shifts WHERE user_id = $1 AND checked_in_at IS NOT NULL
           AND day >= $2 AND day <= $3 AND day <= $4",
        to_day.clone(),
    )
    .await?;
    let shifts_missed = by_day(
        "SELECT COUNT(*) FROM duty_shifts WHERE user_id = $1 AND checked_in_at IS NULL
           AND day >= $2 AND day <= $3 AND day < $4",
        today,
    )
    .await?;
    let receptions = by_time(
        "SELECT COUNT(*) FROM receptions WHERE user_id = $1 AND created_at >= $2 AND created_at < $3",
    )
    .await?;
    let receptions_filed = by_time(
        "SELECT COUNT(*) FROM receptions WHERE user_id = $1 AND created_at >= $2
           AND created_at < $3 AND concern_id IS NOT NULL",
    )
    .await?;
    let receptions_leads = by_time(
        "SELECT COUNT(DISTINCT r.id) FROM receptions r JOIN item_links l
           ON l.from_kind = 'reception' AND l.from_id = r.id
         WHERE r.user_id = $1 AND r.created_at >= $2 AND r.created_at < $3",
    )
    .await?;
    let concerns_recorded = by_time(
        "SELECT COUNT(*) FROM concerns WHERE recorded_by = $1 AND created_at >= $2 AND created_at < $3",
    )
    .await?;
    let concerns_followed = by_time(
        "SELECT COUNT(*) FROM item_followers WHERE user_id = $1 AND created_at >= $2
           AND created_at < $3 AND kind = 'concern'",
    )
    .await?;
    let consultations_attended = by_time(
        "SELECT COUNT(*) FROM consultation_participants p JOIN consultations c
            ON c.id = p.consultation_id
          WHERE p.user_id = $1 AND p.present = 1 AND c.state IN ('held', 'closed')
            AND c.starts_at >= $2 AND c.starts_at < $3",
    )
    .await?;
    let consultations_spoke = by_time(
        "SELECT COUNT(*) FROM consultation_participants p JOIN consultations c
            ON c.id = p.consultation_id
          WHERE p.user_id = $1 AND p.spoke = 1 AND c.state IN ('held', 'closed')
            AND c.starts_at >= $2 AND c.starts_at < $3",
    )
    .await?;
    let proposals_filed = by_time(
        "SELECT COUNT(*) FROM proposals WHERE proposer_id = $1 AND filed_at >= $2 AND filed_at < $3",
    )
    .await?;
    let proposals_cosigned = by_time(
        "SELECT COUNT(*) FROM proposal_signers s JOIN proposals p ON p.id = s.proposal_id
          WHERE s.user_id = $1 AND s.position > 0 AND s.answer = 'confirmed'
            AND p.number IS NOT NULL AND p.decided_at >= $2 AND p.decided_at < $3",
    )
    .await?;
    let proposals_accepted = by_time(
        "SELECT COUNT(*) FROM proposals WHERE proposer_id = $1 AND number IS NOT NULL
            AND decided_at >= $2 AND decided_at < $3",
    )
    .await?;
    let proposals_key = by_time(
        "SELECT COUNT(*) FROM proposals WHERE proposer_id = $1 AND key_at >= $2 AND key_at < $3",
    )
    .await?;
    let proposals_adopted = by_time(
        "SELECT COUNT(*) FROM proposals WHERE proposer_id = $1 AND reply_class = 'A'
            AND replied_at >= $2 AND replied_at < $3",
    )
    .await?;
    let readings_confirmed = crate::study::confirmed_between(db, user_id, from_ms, to_ms).await?;
    let reports = crate::report::points::for_member(db, user_id, year).await?;
    let (party_meetings, party_reports) =
        crate::party::counts_between(db, user_id, from_ms, to_ms).await?;
    let manual = sqlx::query(
        "SELECT e.kind, e.description, e.evidence, u.display_name, e.created_at FROM duty_entries e
         JOIN users u ON u.id = e.created_by WHERE e.user_id = $1 AND e.year = $2 ORDER BY e.id",
    )
    .bind(user_id)
    .bind(i64::from(year))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(ManualEntry {
            kind: col(r, "kind")?,
            description: col(r, "description")?,
            evidence: col(r, "evidence")?,
            added_by: col(r, "display_name")?,
            at: col(r, "created_at")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(DutyRecord {
        shifts_attended,
        shifts_missed,
        receptions,
        receptions_filed,
        receptions_leads,
        concerns_recorded,
        concerns_followed,
        consultations_attended,
        consultations_spoke,
        proposals_filed,
        proposals_cosigned,
        proposals_accepted,
        proposals_key,
        proposals_adopted,
        readings_confirmed,
        reports_submitted: reports.submitted,
        reports_used: reports.used,
        report_points: reports.points,
        party_meetings,
        party_reports,
        manual,
    })
}

/// Staff add a manual entry with its evidence to a member's record; audited.
pub async fn add_entry(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    year: i32,
    kind: &str,
    description: &str,
    evidence: &str,
) -> Result<()> {
    crate::account::user::get(db, actor, Permission::UserManage, user_id).await?;
    if !ENTRY_KINDS.contains(&kind) {
        return Err(Error::field("kind", "err.bad_input", "unknown kind"));
    }
    let (description, evidence) = (description.trim(), evidence.trim());
    if description.is_empty() || description.chars().count() > 1000 {
        return Err(Error::field(
            "description",
            "err.entry",
            "a description has 1 to 1000 characters",
        ));
    }
    if evidence.is_empty() || evidence.chars().count() > 500 {
        return Err(Error::field(
            "evidence",
            "err.entry",
            "evidence has 1 to 500 characters",
        ));
    }
    if !(2000..=2100).contains(&year) {
        return Err(Error::field(
            "year",
            "err.bad_input",
            "a year from 2000 to 2100",
        ));
    }
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO duty_entries (user_id, year, kind, description, evidence, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user_id)
    .bind(i64::from(year))
    .bind(kind)
    .bind(description)
    .bind(evidence)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "duty.entry",
            entity: "user",
            entity_id: user_id.to_string(),
            org_id: None,
            before: None,
            after: Some(json!({ "entry": id, "year": year, "kind": kind, "description": description, "evidence": evidence })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
