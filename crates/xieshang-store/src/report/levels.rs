//! Up the levels (issue 30 point 3): a used report is forwarded to the city
//! (and, once the city adopted it, to the national CPPCC) or to the party
//! committee or government at its own level; each receiving level's
//! adoption and each leader's instruction (who, level, date, words) is
//! recorded as a note on the report's timeline. The city's adoption and a
//! city leader's instruction are recorded by the city's staff; a national
//! adoption by the district's or the city's staff, with its evidence.

use super::edit::begin;
use super::first_error;
use crate::db::{col, Arg, Db, Tx};
use crate::item;
use crate::{Error, Result};
use xieshang_core::item::{Action, State, OPINION_REPORT};
use xieshang_core::report::{self as rules, Instruction, LeaderLevel, Level, RawInstruction};
use xieshang_core::{Actor, OrgKind, Permission, Role};

/// A level a report was forwarded to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forwarded {
    /// The level.
    pub level: Level,
    /// When forwarded, unix ms.
    pub forwarded_at: i64,
    /// When adopted there, unix ms.
    pub adopted_at: Option<i64>,
    /// The evidence of the adoption.
    pub evidence: Option<String>,
}

/// A leader's instruction as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instructed {
    /// Who gave it.
    pub leader: String,
    /// Level code.
    pub level: String,
    /// Day, `YYYY-MM-DD`.
    pub given_on: String,
    /// The words.
    pub text: String,
}

/// Whether the actor edits reports through a role held over a city (the
/// city's staff).
async fn city_staff(db: &Db, actor: &Actor) -> Result<bool> {
    for g in &actor.grants {
        if g.role.allows(Permission::ReportEdit)
            && crate::org::get_unchecked(db, g.org_id).await?.kind == OrgKind::City
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn not_city() -> Error {
    Error::Denied(xieshang_core::Denied::Forbidden)
}

fn unused() -> Error {
    Error::field(
        "level",
        "err.report.not_used",
        "only a report the office used can go up the levels: decide on it first",
    )
}

async fn level_row(tx: &mut Tx, id: i64, level: Level) -> Result<Option<Option<i64>>> {
    let row = sqlx::query(
        "SELECT adopted_at FROM opinion_report_levels WHERE report_id = $1 AND level = $2",
    )
    .bind(id)
    .bind(level.code())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| col(&r, "adopted_at"))
        .transpose()
        .map_err(Error::from)
}

async fn note(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    id: i64,
    action: Action,
    text: &str,
) -> Result<()> {
    item::note_by_in(
        tx,
        now,
        &OPINION_REPORT,
        id,
        action,
        actor,
        Role::Staff,
        text,
        &[],
    )
    .await?;
    super::touch_in(tx, id, now).await
}

/// Forwards a used report to `level`: national only once the city adopted
/// it (and only by the city's or the district's staff); each level once.
pub async fn forward(db: &Db, actor: &Actor, id: i64, level: Level) -> Result<()> {
    let now = db.now_ms();
    let (mut tx, r) = begin(db, actor, id).await?;
    if State::Used != r.state {
        return Err(unused());
    }
    if let Some(needed) = level.requires() {
        if !matches!(level_row(&mut tx, id, needed).await?, Some(Some(_))) {
            return Err(Error::field(
                "level",
                "err.report.level_not_adopted",
                "forward it to the national level only after the city adopted it",
            ));
        }
    }
    if level_row(&mut tx, id, level).await?.is_some() {
        return Err(Error::field(
            "level",
            "err.report.forwarded_already",
            "the report was forwarded to that level already",
        ));
    }
    sqlx::query(
        "INSERT INTO opinion_report_levels (report_id, level, forwarded_by, forwarded_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(level.code())
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    note(&mut tx, now, actor, id, Action::Forward, level.code()).await?;
    tx.commit().await?;
    Ok(())
}

/// Records that `level` adopted a report forwarded to it. The city's
/// adoption by the city's staff; a national one with its evidence.
pub async fn adopt(db: &Db, actor: &Actor, id: i64, level: Level, evidence: &str) -> Result<()> {
    let evidence = rules::note(evidence).map_err(|e| Error::invalid("evidence", e))?;
    if level == Level::National && evidence.is_empty() {
        return Err(Error::field(
            "evidence",
            "err.report.evidence",
            "say where the national adoption is shown (a document, a notice, its number)",
        ));
    }
    if level == Level::City && !city_staff(db, actor).await? {
        // Seen, not allowed: the district's staff see the report.
        super::get(db, actor, Permission::ReportEdit, id).await?;
        return Err(not_city());
    }
    let now = db.now_ms();
    let (mut tx, _) = begin(db, actor, id).await?;
    match level_row(&mut tx, id, level).await? {
        None => {
            return Err(Error::field(
                "level",
                "err.report.not_forwarded",
                "the report was not forwarded to that level: forward it first",
            ))
        }
        Some(Some(_)) => {
            return Err(Error::field(
                "level",
                "err.report.adopted_already",
                "that level's adoption is recorded already",
            ))
        }
        Some(None) => {}
    }
    let evidence = (!evidence.is_empty()).then_some(evidence);
    sqlx::query(
        "UPDATE opinion_report_levels SET adopted_by = $1, adopted_at = $2, evidence = $3
          WHERE report_id = $4 AND level = $5",
    )
    .bind(actor.user_id)
    .bind(now)
    .bind(evidence.as_deref())
    .bind(id)
    .bind(level.code())
    .execute(&mut *tx)
    .await?;
    let text = match &evidence {
        Some(e) => format!("{}: {e}", level.code()),
        None => level.code().to_owned(),
    };
    note(&mut tx, now, actor, id, Action::Adopt, &text).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a leader's instruction on a used report: who, level, date, words
/// (each required). A city leader's by the city's staff.
pub async fn instruct(db: &Db, actor: &Actor, id: i64, raw: &RawInstruction<'_>) -> Result<()> {
    let i = Instruction::parse(raw).map_err(first_error)?;
    if i.level == LeaderLevel::City && !city_staff(db, actor).await? {
        super::get(db, actor, Permission::ReportEdit, id).await?;
        return Err(not_city());
    }
    let now = db.now_ms();
    let (mut tx, r) = begin(db, actor, id).await?;
    if State::Used != r.state {
        return Err(unused());
    }
    let given_on = i.given_on.format("%Y-%m-%d").to_string();
    sqlx::query(
        "INSERT INTO opinion_report_instructions (report_id, leader, level, given_on, body,
           recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(&i.leader)
    .bind(i.level.code())
    .bind(&given_on)
    .bind(&i.text)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let text = format!("{} ({}, {given_on}): {}", i.leader, i.level.code(), i.text);
    note(&mut tx, now, actor, id, Action::Instruct, &text).await?;
    tx.commit().await?;
    Ok(())
}

/// The levels a report went to and the instructions on it (whoever reads
/// the report reads them).
pub async fn of(db: &Db, actor: &Actor, id: i64) -> Result<(Vec<Forwarded>, Vec<Instructed>)> {
    super::get(db, actor, Permission::ReportView, id).await?;
    let levels = forwarded_of(db, &[id])
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    Ok((levels, instructions_of(db, id).await?))
}

/// The levels some reports went to, by report, in the order forwarded (one
/// statement; the caller has checked who reads them).
pub async fn forwarded_of(db: &Db, ids: &[i64]) -> Result<Vec<(i64, Forwarded)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT report_id, level, forwarded_at, adopted_at, evidence FROM opinion_report_levels
          WHERE report_id IN ({}) ORDER BY report_id, id",
        marks.join(", ")
    );
    crate::db::query_with(&sql, ids.iter().map(|i| Arg::Int(*i)).collect())
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok((
                col(r, "report_id")?,
                Forwarded {
                    level: Level::parse(&col::<String>(r, "level")?).ok_or(Error::NotFound)?,
                    forwarded_at: col(r, "forwarded_at")?,
                    adopted_at: col(r, "adopted_at")?,
                    evidence: col(r, "evidence")?,
                },
            ))
        })
        .collect()
}

/// The leaders' instructions on a report, in the order recorded (the caller
/// has checked who reads them).
pub async fn instructions_of(db: &Db, id: i64) -> Result<Vec<Instructed>> {
    sqlx::query(
        "SELECT leader, level, given_on, body FROM opinion_report_instructions
          WHERE report_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Instructed {
            leader: col(r, "leader")?,
            level: col(r, "level")?,
            given_on: col(r, "given_on")?,
            text: col(r, "body")?,
        })
    })
    .collect()
}
