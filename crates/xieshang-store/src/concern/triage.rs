//! Staff triage beyond accept and reject: merging a duplicate into the concern
//! that survives, marking a policy matter for conversion (a typed link that the
//! proposal and opinion-report features pick up), and assigning departments with
//! a working-day deadline. Each is one transaction with its transition.

use crate::concern::{self, notify_job};
use crate::db::{col, Db};
use crate::item::{self, By, TransitionError};
use crate::{Error, Result};
use xieshang_core::calendar::{self, Calendar};
use xieshang_core::item::{Action, CONCERN};
use xieshang_core::{Actor, OrgPath, Permission};

/// Settings of the concern loop an operator may change.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Working days after assignment within which a department may ask to be
    /// reassigned.
    pub reassign_window_days: u32,
    /// Share of the time to the deadline at which the departments are reminded.
    pub reminder_share: f64,
    /// Working days after the deadline at which an overdue concern goes to the
    /// level above the body.
    pub escalate_up_after_days: u32,
    /// Working days after resolution within which the reporters answer its
    /// feedback; then a concern nobody found unsatisfied closes.
    pub feedback_window_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            reassign_window_days: 2,
            reminder_share: 0.75,
            escalate_up_after_days: 3,
            feedback_window_days: 7,
        }
    }
}

/// What a concern may be converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertTo {
    /// A lead for a proposal (提案线索).
    ProposalLead,
    /// A public-opinion report (社情民意信息).
    OpinionReport,
}

impl ConvertTo {
    /// Parses the form value.
    pub fn parse(s: &str) -> Option<ConvertTo> {
        match s {
            "proposal_lead" => Some(ConvertTo::ProposalLead),
            "opinion_report" => Some(ConvertTo::OpinionReport),
            _ => None,
        }
    }

    /// Stored code (the link's target kind).
    pub fn code(self) -> &'static str {
        match self {
            ConvertTo::ProposalLead => "proposal_lead",
            ConvertTo::OpinionReport => "opinion_report",
        }
    }
}

/// Merges concern `id` into the concern with tracking code `into_code` (并案): the
/// merged one closes as `merged`, its reporters follow the survivor, and its
/// tracking code shows the survivor's progress.
pub async fn merge(
    db: &Db,
    actor: &Actor,
    id: i64,
    into_code: &str,
    note: Option<&str>,
) -> std::result::Result<i64, TransitionError> {
    concern::get(db, actor, Permission::ConcernTriage, id).await?;
    // A code as people copy it (groups, dashes, lower case) is read as the code.
    let code = xieshang_core::concern::TrackingCode::parse(into_code)
        .map(|c| c.as_str().to_owned())
        .unwrap_or_else(|_| into_code.trim().to_uppercase());
    let into: Option<(i64, String)> =
        sqlx::query("SELECT id, state FROM concerns WHERE tracking_code = $1")
            .bind(&code)
            .fetch_optional(db.pool())
            .await
            .map_err(Error::from)?
            .map(|r| Ok::<_, sqlx::Error>((col(&r, "id")?, col(&r, "state")?)))
            .transpose()
            .map_err(Error::from)?;
    let unknown = || {
        Error::field(
            "into",
            "err.merge_target",
            "no open concern with that tracking code here",
        )
    };
    let (into_id, into_state) = into.ok_or_else(unknown)?;
    if into_id == id || CONCERN.is_closed_code(&into_state) {
        return Err(unknown().into());
    }
    // The survivor must be the actor's to triage as well.
    concern::get(db, actor, Permission::ConcernTriage, into_id)
        .await
        .map_err(|_| unknown())?;
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    let now = db.now_ms();
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let text = format!(
        "→ {code}{}",
        note.map(|n| format!(" {n}")).unwrap_or_default()
    );
    item::transition_in(
        &mut tx,
        now,
        &CONCERN,
        id,
        Action::Merge,
        By::User(actor),
        Some(&text),
        &[notify_job(id, "merged")],
    )
    .await?;
    sqlx::query("UPDATE concerns SET merged_into = $1 WHERE id = $2")
        .bind(into_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    sqlx::query(
        "INSERT INTO concern_reporters (concern_id, name_sealed, phone_sealed, name_masked,
           phone_masked, from_concern_id, created_at)
         SELECT $1, name_sealed, phone_sealed, name_masked, phone_masked, $2, $3
         FROM concern_reporters WHERE concern_id = $2",
    )
    .bind(into_id)
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    tx.commit().await.map_err(Error::from)?;
    Ok(into_id)
}

/// Marks a concern for conversion to a proposal lead or an opinion report: it
/// closes as `converted` with a typed link waiting for that feature.
pub async fn convert(
    db: &Db,
    actor: &Actor,
    id: i64,
    to: ConvertTo,
    note: Option<&str>,
) -> std::result::Result<(), TransitionError> {
    let c = concern::get(db, actor, Permission::ConcernTriage, id).await?;
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    let now = db.now_ms();
    item::transition_in(
        &mut tx,
        now,
        &CONCERN,
        id,
        Action::Convert,
        By::User(actor),
        note.map(str::trim).filter(|n| !n.is_empty()),
        &[notify_job(id, "converted")],
    )
    .await?;
    item::link_in(
        &mut tx,
        now,
        (&CONCERN, id),
        "conversion",
        to.code(),
        c.org_id,
        Some(actor.user_id),
    )
    .await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

/// The pending links to a target kind, oldest first, for that feature to pick
/// up: (link id, source kind — `concern` or `reception` — and source id).
pub async fn pending_conversions(db: &Db, to: ConvertTo) -> Result<Vec<(i64, String, i64)>> {
    let rows = sqlx::query(
        "SELECT id, from_kind, from_id FROM item_links
         WHERE to_kind = $1 AND picked_up_at IS NULL ORDER BY id",
    )
    .bind(to.code())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((col(r, "id")?, col(r, "from_kind")?, col(r, "from_id")?)))
        .collect()
}

/// A department a concern can be assigned to.
#[derive(Debug, Clone)]
pub struct Department {
    /// Unit id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// The departments the actor may assign a concern to: active department units in
/// the actor's triage scope.
pub async fn departments(db: &Db, actor: &Actor) -> Result<Vec<Department>> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::ConcernTriage, "path", 1);
    let sql = format!(
        "SELECT id, name FROM orgs WHERE kind = 'department' AND archived_at IS NULL AND {cond}
         ORDER BY path"
    );
    let rows = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Department {
                id: col(r, "id")?,
                name: col(r, "name")?,
            })
        })
        .collect()
}

/// Assigns an accepted (or reopened) concern to departments, one of them the lead,
/// and to the members paired with its grid. The deadline is the category's
/// service level in working days on `cal`; reminder and escalation jobs are queued
/// for it. Returns the deadline (unix ms).
#[allow(clippy::too_many_arguments)] // the calendar and policy travel with the request
pub async fn assign(
    db: &Db,
    cal: &Calendar,
    policy: &Policy,
    actor: &Actor,
    id: i64,
    departments: &[i64],
    lead: i64,
    note: Option<&str>,
) -> std::result::Result<i64, TransitionError> {
    let c = concern::get(db, actor, Permission::ConcernTriage, id).await?;
    if departments.is_empty() {
        return Err(Error::field(
            "departments",
            "err.departments",
            "choose at least one department",
        )
        .into());
    }
    if !departments.contains(&lead) {
        return Err(Error::field(
            "lead",
            "err.lead",
            "the lead must be one of the departments",
        )
        .into());
    }
    let allowed = self::departments(db, actor).await?;
    if departments
        .iter()
        .any(|d| !allowed.iter().any(|a| a.id == *d))
    {
        return Err(Error::field(
            "departments",
            "err.departments",
            "choose departments from the list",
        )
        .into());
    }
    let days = xieshang_core::concern::category::DEFAULT
        .iter()
        .find(|k| k.code == c.category)
        .map(|k| k.service_days)
        .unwrap_or(15);
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    let now = db.now_ms();
    let deadline = cal.deadline_after(now, days);
    let round: i64 = sqlx::query_scalar("SELECT assignment_round FROM concerns WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::from)?;
    let round = round + 1;
    let names: Vec<&str> = departments
        .iter()
        .filter_map(|d| allowed.iter().find(|a| a.id == *d).map(|a| a.name.as_str()))
        .collect();
    let mut text = names.join("、");
    if let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) {
        text.push_str(&format!(" · {n}"));
    }
    item::transition_in(
        &mut tx,
        now,
        &CONCERN,
        id,
        Action::Assign,
        By::User(actor),
        Some(&text),
        &[notify_job(id, "assigned")],
    )
    .await?;
    let units: Vec<item::Unit<'_>> = departments
        .iter()
        .map(|d| item::Unit {
            org_id: *d,
            lead: *d == lead,
            part: None,
        })
        .collect();
    // The window in which a department may object is the policy's
    // reassignment window (handling::apply checks it on the calendar).
    let objection_until = cal.deadline_after(now, policy.reassign_window_days);
    item::assign_in(
        &mut tx,
        now,
        &CONCERN,
        id,
        round,
        &units,
        Some(objection_until),
    )
    .await?;
    sqlx::query(
        "UPDATE concerns SET assigned_at = $1, deadline_at = $2, assignment_round = $3,
           escalation_level = 0, resolved_at = NULL, result_note = NULL WHERE id = $4",
    )
    .bind(now)
    .bind(deadline)
    .bind(round)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    // The members paired with the grids of the concern's area follow it: its
    // grid's, or, for a concern filed at a community or a street (the usual
    // case: residents pick the street), every grid's under it (decision 0025).
    let paired: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT p.user_id FROM grid_pairs p JOIN orgs o ON o.id = p.grid_org_id
         WHERE o.path LIKE $1 ORDER BY p.user_id",
    )
    .bind(format!("{}%", c.path.as_str()))
    .fetch_all(&mut *tx)
    .await
    .map_err(Error::from)?;
    item::follow_in(&mut tx, now, &CONCERN, id, &paired, "paired").await?;
    let up = cal.deadline_after(deadline, policy.escalate_up_after_days);
    let stages = [
        (
            "reminder",
            calendar::share_of(now, deadline, policy.reminder_share),
        ),
        ("deadline", deadline),
        ("escalate_up", up),
    ];
    item::deadlines_in(&mut tx, now, &CONCERN, id, round, &stages).await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(deadline)
}

/// The departments of a concern's current round: (unit id, name, lead).
pub async fn assignments(db: &Db, id: i64) -> Result<Vec<(i64, String, bool)>> {
    Ok(item::assignments(db, &CONCERN, id)
        .await?
        .into_iter()
        .map(|a| (a.org_id, a.name, a.lead))
        .collect())
}

/// The members following a concern (display names).
pub async fn followers(db: &Db, id: i64) -> Result<Vec<String>> {
    item::follower_names(db, &CONCERN, id).await
}

/// The members paired with the grids of the area at `path` (the grid itself,
/// or every grid under a community or street): (member, grid), by grid.
/// These are the members who follow a concern of the area once it is assigned.
pub async fn paired_with(db: &Db, path: &OrgPath) -> Result<Vec<(String, String)>> {
    sqlx::query(
        "SELECT u.display_name AS person, o.name AS grid FROM grid_pairs p
         JOIN users u ON u.id = p.user_id JOIN orgs o ON o.id = p.grid_org_id
         WHERE o.path LIKE $1 AND u.disabled_at IS NULL
         ORDER BY o.path, u.display_name LIMIT 200",
    )
    .bind(format!("{}%", path.as_str()))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "person")?, col(r, "grid")?)))
    .collect()
}

/// Pairs a member with a grid (grid pairing; issue 4 builds the admin pages).
pub async fn pair(db: &Db, grid_org_id: i64, user_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO grid_pairs (grid_org_id, user_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(grid_org_id)
    .bind(user_id)
    .bind(db.now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}
