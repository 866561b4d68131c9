//! Editing (核稿, issue 30 point 2): the office takes a report up, edits a
//! copy (the submitted text stays as typed; every version is kept and any two
//! compare), titles it "关于…的建议", merges reports on one matter into one
//! (the merged ones point to it and their submitters keep the credit), and
//! decides: used, kept for reference, or not used, with a note. Each step is
//! an event on the report's timeline, which its submitter reads.

use super::{first_error, get_in, Report};
use crate::db::{col, Db, Tx};
use crate::item::{self, By};
use crate::{Error, Result};
use xieshang_core::item::{Action, State, OPINION_REPORT};
use xieshang_core::report::{self as rules, Text};
use xieshang_core::{Actor, Permission};

/// One kept version of a report's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Its number (1 is the submitted text).
    pub version: i64,
    /// The text.
    pub text: Text,
    /// Who wrote it.
    pub by: String,
    /// When, unix ms.
    pub at: i64,
}

/// The report in the caller's transaction, if the actor edits its body's
/// reports; whoever only reads it is refused, whoever does not see it is
/// told it does not exist.
async fn editable_in(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Report> {
    let r = get_in(tx, id).await?;
    actor.check(Permission::ReportEdit, &r.path)?;
    Ok(r)
}

/// Starts a write transaction holding the report if the actor edits it.
pub(crate) async fn begin(db: &Db, actor: &Actor, id: i64) -> Result<(Tx, Report)> {
    let mut tx = db.begin_write().await?;
    let r = editable_in(&mut tx, actor, id).await?;
    Ok((tx, r))
}

async fn step(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    id: i64,
    action: Action,
    note: Option<&str>,
) -> Result<State> {
    item::transition_in(
        tx,
        now,
        &OPINION_REPORT,
        id,
        action,
        By::User(actor),
        note,
        &[],
    )
    .await
    .map_err(item::TransitionError::into_store)
}

/// The office takes a submitted report up for editing.
pub async fn take_up(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let now = db.now_ms();
    let (mut tx, _) = begin(db, actor, id).await?;
    step(&mut tx, now, actor, id, Action::Edit, None).await?;
    tx.commit().await?;
    Ok(())
}

/// The office saves an edited copy: checked against the body's cap and the
/// usual title form; kept as the next version; the submitted text stays. A
/// report still `submitted` is taken up by the same save. Returns the new
/// version's number.
pub async fn revise(db: &Db, actor: &Actor, id: i64, raw: &Text) -> Result<i64> {
    let body_id: i64 = sqlx::query_scalar("SELECT org_id FROM opinion_reports WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let cap = super::rules(db, body_id).await?.cap;
    let now = db.now_ms();
    let (mut tx, r) = begin(db, actor, id).await?;
    let text = Text::parse_edited(raw, cap).map_err(first_error)?;
    if State::Submitted == r.state {
        step(&mut tx, now, actor, id, Action::Edit, None).await?;
    } else if State::Editing != r.state {
        return Err(not_now());
    }
    let version = r.version + 1;
    sqlx::query(
        "INSERT INTO opinion_report_versions (report_id, version, title, matter, created_by,
           created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(version)
    .bind(&text.title)
    .bind(&text.matter)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE opinion_reports SET edited_title = $1, edited_matter = $2, version = $3,
           updated_at = $4 WHERE id = $5",
    )
    .bind(&text.title)
    .bind(&text.matter)
    .bind(version)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    item::note_by_in(
        &mut tx,
        now,
        &OPINION_REPORT,
        id,
        Action::Revise,
        actor,
        xieshang_core::Role::Staff,
        &format!("v{version}"),
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

fn not_now() -> Error {
    Error::field("state", "err.transition", "not possible now")
}

/// Every version of the report's text, oldest first (whoever reads the
/// report reads them).
pub async fn versions(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Version>> {
    super::get(db, actor, Permission::ReportView, id).await?;
    sqlx::query(
        "SELECT v.version, v.title, v.matter, u.display_name, v.created_at
           FROM opinion_report_versions v JOIN users u ON u.id = v.created_by
          WHERE v.report_id = $1 ORDER BY v.version",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Version {
            version: col(r, "version")?,
            text: Text {
                title: col(r, "title")?,
                matter: col(r, "matter")?,
            },
            by: col(r, "display_name")?,
            at: col(r, "created_at")?,
        })
    })
    .collect()
}

/// The office merges a report into another of the same body on the same
/// matter (one still open, not itself merged): the merged one points to it
/// and its submitter keeps the credit of the target's points.
pub async fn merge(db: &Db, actor: &Actor, id: i64, into: i64) -> Result<()> {
    let bad_target = || {
        Error::field(
            "into",
            "err.report.merge_target",
            "merge into another open report of the same body, by its number",
        )
    };
    if id == into {
        return Err(bad_target());
    }
    let now = db.now_ms();
    let (mut tx, r) = begin(db, actor, id).await?;
    let target = match get_in(&mut tx, into).await {
        Ok(t) => t,
        Err(Error::NotFound) => return Err(bad_target()),
        Err(e) => return Err(e),
    };
    if target.org_id != r.org_id || OPINION_REPORT.is_closed_code(&target.state) {
        return Err(bad_target());
    }
    step(
        &mut tx,
        now,
        actor,
        id,
        Action::Merge,
        Some(&format!("#{into}")),
    )
    .await?;
    sqlx::query("UPDATE opinion_reports SET merged_into = $1, decided_at = $2 WHERE id = $3")
        .bind(into)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    item::link_to_in(
        &mut tx,
        now,
        (&OPINION_REPORT, id),
        "merged_into",
        (&OPINION_REPORT, into),
        r.org_id,
        Some(actor.user_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The office's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 采用: the title must be in the usual form.
    Use,
    /// 留存: kept for reference.
    Keep,
    /// 不采用: with a note saying why.
    NotUse,
}

impl Decision {
    /// Stable code (the action's).
    pub fn code(self) -> &'static str {
        self.action().as_str()
    }

    /// The decision of a code.
    pub fn parse(code: &str) -> Option<Decision> {
        [Decision::Use, Decision::Keep, Decision::NotUse]
            .into_iter()
            .find(|d| d.code() == code)
    }

    fn action(self) -> Action {
        match self {
            Decision::Use => Action::Use,
            Decision::Keep => Action::Keep,
            Decision::NotUse => Action::NotUse,
        }
    }
}

/// The office decides on a report with a note (required when not used). A
/// report is used only under a title in the usual form ("关于…的建议"):
/// without an edited one so titled, it is refused on `title`.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    id: i64,
    decision: Decision,
    note: &str,
) -> Result<State> {
    let note = rules::note(note).map_err(|e| Error::invalid("note", e))?;
    if decision == Decision::NotUse && note.is_empty() {
        return Err(Error::field(
            "note",
            "err.report.note_needed",
            "say why the report is not used: the submitter reads the note",
        ));
    }
    let now = db.now_ms();
    let (mut tx, r) = begin(db, actor, id).await?;
    if decision == Decision::Use {
        rules::office_title(&r.text().title).map_err(|e| Error::invalid("title", e))?;
    }
    let note = (!note.is_empty()).then_some(note);
    let to = step(&mut tx, now, actor, id, decision.action(), note.as_deref()).await?;
    sqlx::query("UPDATE opinion_reports SET decision_note = $1, decided_at = $2 WHERE id = $3")
        .bind(note.as_deref())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(to)
}
