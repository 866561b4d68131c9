//! Handling of an assigned proposal (办理, issue 29 points 5–7, decision
//! record 0035): assignment to a lead unit with co-handling units (主办/会办)
//! or split between units that each reply (分办); a unit's objection within
//! the body's window and the committee's reassignment; co-handlers'
//! opinions to the lead unit; the unit's contact with the proposer, then its
//! reply (document number, class, text); the deadline in force with a
//! reminder and an escalation as deadline jobs, and extensions the committee
//! approves; each proposer's evaluation, a second round after an
//! unsatisfied one, a face-to-face consultation recorded after a second.
//!
//! The state moves through the engine ([`item::transition_in`]); each write
//! here is one transaction with its timeline note, notifications and
//! webhook jobs. Nothing here renders pages; key proposals, disclosure and
//! the figures are other modules' (they read `proposal_replies` and the
//! columns this module writes: `handling_round`, `due_at`, `replied_at`,
//! `reply_class`).

use super::{lock_in, Proposal};
use crate::account::apikey::{ApiKey, Scope};
use crate::audit::{self, Entry};
use crate::db::{col, Arg, Db, Tx};
use crate::item::holders_over;
use crate::item::{self, By, TransitionError, Unit};
use crate::upload;
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{Action, State, PROPOSAL};
use xieshang_core::proposal::handling::{self as rules_of, Rules};
use xieshang_core::{Actor, Denied, OrgPath, Permission, Role};

const DAY_MS: i64 = 86_400_000;

// ---------------------------------------------------------------- rules

/// A body's rules of handling, the defaults where it set none.
pub async fn rules(db: &Db, org_id: i64) -> Result<Rules> {
    let row = sqlx::query(
        "SELECT objection_days, co_opinion_days, reply_months, plenary_reply_months,
                extension_max_months, classes
           FROM proposal_rules WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(db.pool())
    .await?;
    rules_of_row(row.as_ref())
}

async fn rules_in(tx: &mut Tx, org_id: i64) -> Result<Rules> {
    let row = sqlx::query(
        "SELECT objection_days, co_opinion_days, reply_months, plenary_reply_months,
                extension_max_months, classes
           FROM proposal_rules WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?;
    rules_of_row(row.as_ref())
}

fn rules_of_row(row: Option<&sqlx::any::AnyRow>) -> Result<Rules> {
    let d = Rules::default();
    let Some(r) = row else {
        return Ok(d);
    };
    let n = |c: &str, default: u32| -> Result<u32> {
        Ok(col::<Option<i64>>(r, c)?
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(default))
    };
    Ok(Rules {
        objection_days: n("objection_days", d.objection_days)?,
        co_opinion_days: n("co_opinion_days", d.co_opinion_days)?,
        reply_months: n("reply_months", d.reply_months)?,
        plenary_reply_months: n("plenary_reply_months", d.plenary_reply_months)?,
        extension_max_months: n("extension_max_months", d.extension_max_months)?,
        four_classes: col::<Option<String>>(r, "classes")?.as_deref() == Some("ABCD"),
    })
}

/// Staff or the committee set a body's rules of handling (each within its
/// range; see [`Rules::check`]).
pub async fn set_rules(db: &Db, actor: &Actor, org_id: i64, rules: Rules) -> Result<()> {
    let body = super::settings::managed_body(db, actor, org_id).await?;
    let rules = rules.check().map_err(|(field, key)| {
        Error::field(field, key, "a rule of handling is outside its range")
    })?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let classes = if rules.four_classes { "ABCD" } else { "ABC" };
    let args = |q: sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>>| {
        q.bind(i64::from(rules.objection_days))
            .bind(i64::from(rules.co_opinion_days))
            .bind(i64::from(rules.reply_months))
            .bind(i64::from(rules.plenary_reply_months))
            .bind(i64::from(rules.extension_max_months))
            .bind(classes)
            .bind(now)
            .bind(body.id)
    };
    let changed = args(sqlx::query(
        "UPDATE proposal_rules SET objection_days = $1, co_opinion_days = $2, reply_months = $3,
           plenary_reply_months = $4, extension_max_months = $5, classes = $6, updated_at = $7
         WHERE org_id = $8",
    ))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        args(sqlx::query(
            "INSERT INTO proposal_rules (objection_days, co_opinion_days, reply_months,
               plenary_reply_months, extension_max_months, classes, updated_at, org_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ))
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "proposal_rules.handling",
            entity: "proposal_rules",
            entity_id: body.id.to_string(),
            org_id: Some(body.id),
            before: None,
            after: Some(json!({
                "objection_days": rules.objection_days,
                "co_opinion_days": rules.co_opinion_days,
                "reply_months": rules.reply_months,
                "plenary_reply_months": rules.plenary_reply_months,
                "extension_max_months": rules.extension_max_months,
                "classes": classes,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- assignment

/// How a proposal is assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A lead unit replies; co-handling units send it their opinions (主办/会办).
    Joint,
    /// Each unit replies on its own (分办): every unit's row carries a
    /// `part` (empty text: the whole matter from its side).
    Split,
}

/// The part written on each unit's row of a split assignment.
const SPLIT_PART: &str = "";

/// Assigns an accepted proposal, or reassigns an assigned one (after an
/// objection: the units named now replace the round's units). The first
/// assignment opens round 1 with its deadline (the body's reply months on
/// the calendar) and queues its deadline stages; a reassignment keeps the
/// round and its deadline, and a unit that stays keeps its objection window.
/// `lead` is the lead unit (split: the first of the units); `co` the others.
pub async fn assign(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    mode: Mode,
    lead: i64,
    co: &[i64],
) -> std::result::Result<State, TransitionError> {
    let p = super::get(db, actor, Permission::ProposalReview, id).await?;
    let units = super::assign::units_of_body(db, p.org_id).await?;
    let name = |u: i64| units.iter().find(|(i, _)| *i == u).map(|(_, n)| n.clone());
    let Some(lead_name) = name(lead) else {
        return Err(Error::field(
            "lead",
            "err.proposal.unit",
            "choose the lead unit among the body's departments",
        )
        .into());
    };
    let mut co: Vec<i64> = co.iter().copied().filter(|c| *c != lead).collect();
    co.sort_unstable();
    co.dedup();
    if mode == Mode::Split && co.is_empty() {
        return Err(Error::field(
            "co",
            "err.proposal.split_units",
            "a split assignment names two units or more",
        )
        .into());
    }
    let mut names = vec![lead_name];
    for c in &co {
        names.push(name(*c).ok_or_else(|| {
            Error::field(
                "co",
                "err.proposal.unit",
                "choose the co-handling units among the body's departments",
            )
        })?);
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    lock_in(&mut tx, id).await?;
    let row = sqlx::query("SELECT state, handling_round, occasion FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::from)?;
    let before: String = col(&row, "state").map_err(Error::from)?;
    let round: i64 = col(&row, "handling_round").map_err(Error::from)?;
    let occasion: Option<String> = col(&row, "occasion").map_err(Error::from)?;
    let rules = rules_in(&mut tx, p.org_id).await?;
    let mut note = names.join("、");
    if mode == Mode::Split {
        note.push_str("（分办）");
    }
    let to = item::transition_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        Action::Assign,
        By::User(actor),
        Some(&note),
        &[],
    )
    .await?;
    let part = (mode == Mode::Split).then_some(SPLIT_PART);
    let mut all = vec![Unit {
        org_id: lead,
        lead: true,
        part,
    }];
    all.extend(co.iter().map(|c| Unit {
        org_id: *c,
        lead: false,
        part,
    }));
    let first = before == State::Accepted.as_str() || round == 0;
    let round = if first { 1 } else { round };
    // The windows of units that stay through a reassignment.
    let kept: Vec<(i64, Option<i64>)> = if first {
        Vec::new()
    } else {
        sqlx::query(
            "SELECT org_id, objection_until FROM item_assignments
              WHERE kind = 'proposal' AND item_id = $1 AND active = 1 AND objected_at IS NULL",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(Error::from)?
        .iter()
        .map(|r| Ok((col(r, "org_id")?, col(r, "objection_until")?)))
        .collect::<Result<_>>()?
    };
    let window = cal.deadline_after(now, rules.objection_days);
    item::assign_in(&mut tx, now, &PROPOSAL, id, round, &all, Some(window)).await?;
    for (org, until) in &kept {
        item::set_objection_until_in(&mut tx, &PROPOSAL, id, *org, *until).await?;
    }
    if first {
        let due = rules_of::months_after(cal, now, rules.months_for(occasion.as_deref()));
        start_round_in(&mut tx, now, id, 1, due).await?;
    }
    let new_units: Vec<i64> = all
        .iter()
        .map(|u| u.org_id)
        .filter(|u| !kept.iter().any(|(k, _)| k == u))
        .collect();
    notify_units_in(
        &mut tx,
        now,
        id,
        &new_units,
        "proposal_assigned",
        &p.text.title,
    )
    .await?;
    crate::item::tell_hooks_in(&mut tx, now, &PROPOSAL, id, "assigned").await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(to)
}

/// Opens handling round `round` due at `due`: the proposal's round and
/// deadline, and the round's deadline stages (a reminder a week before, the
/// escalation at the deadline).
async fn start_round_in(tx: &mut Tx, now: i64, id: i64, round: i64, due: i64) -> Result<()> {
    sqlx::query("UPDATE proposals SET handling_round = $1, due_at = $2 WHERE id = $3")
        .bind(round)
        .bind(due)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    queue_stages_in(tx, now, id, round, due).await
}

async fn queue_stages_in(tx: &mut Tx, now: i64, id: i64, round: i64, due: i64) -> Result<()> {
    let reminder = (due - REMINDER_BEFORE_MS).max(now);
    item::deadlines_in(
        tx,
        now,
        &PROPOSAL,
        id,
        round,
        &[("reminder", reminder), ("deadline", due)],
    )
    .await
}

/// How long before the deadline the answering units are reminded.
const REMINDER_BEFORE_MS: i64 = 7 * DAY_MS;

// ---------------------------------------------------------------- who acts

/// An active assignment of a proposal, with what its unit has done in the
/// current round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitState {
    /// The unit.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Its path.
    pub path: String,
    /// Whether it leads (joint mode).
    pub lead: bool,
    /// Whether its reply answers the proposal (the lead in joint mode, each
    /// unit in split mode).
    pub answers: bool,
    /// Split assignment.
    pub split: bool,
    /// Assigned at.
    pub assigned_at: i64,
    /// The end of its objection window.
    pub objection_until: Option<i64>,
    /// Its objection (when, why).
    pub objection: Option<(i64, String)>,
    /// Whether it recorded contact with the proposer this round.
    pub contacted: bool,
    /// Whether it replied this round.
    pub replied: bool,
    /// Whether it sent its opinion this round (co-handling units).
    pub opinion_sent: bool,
}

/// The active assignments of a proposal and what each unit has done in the
/// round, the lead first (one statement).
pub async fn unit_states(db: &Db, id: i64) -> Result<Vec<UnitState>> {
    unit_states_on(db.pool(), id).await
}

async fn unit_states_in(tx: &mut Tx, id: i64) -> Result<Vec<UnitState>> {
    unit_states_on(&mut **tx, id).await
}

async fn unit_states_on<'e, E>(ex: E, id: i64) -> Result<Vec<UnitState>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT a.org_id, o.name, o.path, a.lead, a.part, a.assigned_at, a.objection_until,
                a.objected_at, a.objection,
                (SELECT COUNT(*) FROM proposal_contacts c WHERE c.proposal_id = p.id
                    AND c.round = p.handling_round AND c.org_id = a.org_id) AS contacts,
                (SELECT COUNT(*) FROM proposal_replies r WHERE r.proposal_id = p.id
                    AND r.round = p.handling_round AND r.org_id = a.org_id) AS replies,
                (SELECT COUNT(*) FROM proposal_opinions q WHERE q.proposal_id = p.id
                    AND q.round = p.handling_round AND q.org_id = a.org_id) AS opinions
           FROM item_assignments a JOIN orgs o ON o.id = a.org_id
           JOIN proposals p ON p.id = a.item_id
          WHERE a.kind = 'proposal' AND a.item_id = $1 AND a.active = 1
          ORDER BY a.lead DESC, o.name",
    )
    .bind(id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let split = col::<Option<String>>(r, "part")?.is_some();
            let lead = col::<i64>(r, "lead")? == 1;
            let objected: Option<i64> = col(r, "objected_at")?;
            Ok(UnitState {
                org_id: col(r, "org_id")?,
                name: col(r, "name")?,
                path: col(r, "path")?,
                lead,
                answers: lead || split,
                split,
                assigned_at: col(r, "assigned_at")?,
                objection_until: col(r, "objection_until")?,
                objection: objected
                    .map(|at| {
                        Ok::<_, Error>((
                            at,
                            col::<Option<String>>(r, "objection")?.unwrap_or_default(),
                        ))
                    })
                    .transpose()?,
                contacted: col::<i64>(r, "contacts")? > 0,
                replied: col::<i64>(r, "replies")? > 0,
                opinion_sent: col::<i64>(r, "opinions")? > 0,
            })
        })
        .collect()
}

/// The actor's units among a proposal's active assignments (those whose
/// proposals they handle), in a transaction.
fn mine_of(actor: &Actor, units: Vec<UnitState>) -> Vec<UnitState> {
    let scopes = actor.scopes(Permission::ProposalHandle);
    units
        .into_iter()
        .filter(|u| OrgPath::parse(&u.path).is_some_and(|p| scopes.iter().any(|s| p.is_within(s))))
        .collect()
}

/// The actor's unit on a proposal: the first of their assigned units that
/// `wanted` accepts, or why not.
async fn acting_unit_in(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    wanted: impl Fn(&UnitState) -> bool,
    refusal: Error,
) -> Result<UnitState> {
    acting_unit_by_in(tx, Handler::User(actor), id, wanted, refusal).await
}

/// Who acts for an assigned unit: one of its handlers, signed in, or its
/// case system through an API key with `proposals:update`, which acts as the
/// one unit it was issued to (decision records 0019 and 0039). Both go
/// through the same steps ([`contact_by`], [`reply_by`]), so the same rules
/// hold.
#[derive(Debug, Clone, Copy)]
pub enum Handler<'a> {
    /// A handler signed in.
    User(&'a Actor),
    /// A unit's case system.
    Key(&'a ApiKey),
}

impl<'a> Handler<'a> {
    /// The proposal, if this handler may act on it: a user handling for an
    /// assigned unit; a key whose unit reads it (else not found) and that
    /// carries `proposals:update`.
    async fn proposal(self, db: &Db, id: i64) -> Result<Proposal> {
        match self {
            Handler::User(actor) => super::get(db, actor, Permission::ProposalHandle, id).await,
            Handler::Key(key) => {
                let p = super::api::get_within(db, &key.org_path, id).await?;
                if !key.allows(Scope::ProposalsUpdate) {
                    return Err(Error::Denied(Denied::Forbidden));
                }
                Ok(p.proposal)
            }
        }
    }

    /// This handler's units among the active assignments.
    fn units(self, units: Vec<UnitState>) -> Vec<UnitState> {
        match self {
            Handler::User(actor) => mine_of(actor, units),
            Handler::Key(key) => units
                .into_iter()
                .filter(|u| u.org_id == key.org_id)
                .collect(),
        }
    }

    /// How the engine records this handler.
    fn by(self) -> By<'a> {
        match self {
            Handler::User(actor) => By::Assignee(actor, Role::DepartmentHandler),
            Handler::Key(_) => By::Connected(Role::DepartmentHandler),
        }
    }

    /// The person, if one.
    fn user_id(self) -> Option<i64> {
        match self {
            Handler::User(actor) => Some(actor.user_id),
            Handler::Key(_) => None,
        }
    }

    /// A timeline note, signed with the key's name for a case system.
    fn signed(self, note: &str) -> String {
        match self {
            Handler::User(_) => note.to_owned(),
            Handler::Key(key) => key.signed(note),
        }
    }

    /// Writes a timeline note of a unit's step as this handler.
    async fn note_in(
        self,
        tx: &mut Tx,
        now: i64,
        id: i64,
        action: Action,
        note: &str,
    ) -> Result<()> {
        match self {
            Handler::User(actor) => {
                item::note_by_in(
                    tx,
                    now,
                    &PROPOSAL,
                    id,
                    action,
                    actor,
                    Role::DepartmentHandler,
                    note,
                    &[],
                )
                .await
            }
            Handler::Key(_) => {
                item::note_connected_in(
                    tx,
                    now,
                    &PROPOSAL,
                    id,
                    action,
                    Role::DepartmentHandler,
                    &self.signed(note),
                    &[],
                )
                .await
            }
        }
    }
}

/// [`acting_unit_in`] for any [`Handler`].
async fn acting_unit_by_in(
    tx: &mut Tx,
    who: Handler<'_>,
    id: i64,
    wanted: impl Fn(&UnitState) -> bool,
    refusal: Error,
) -> Result<UnitState> {
    let mine = who.units(unit_states_in(tx, id).await?);
    if mine.is_empty() {
        return Err(Error::Denied(Denied::Forbidden));
    }
    mine.into_iter().find(|u| wanted(u)).ok_or(refusal)
}

/// The proposal's row for a unit's step: its body, round, state, title, due.
struct Row {
    org_id: i64,
    path: OrgPath,
    round: i64,
    state: String,
    title: String,
    due_at: Option<i64>,
    occasion: Option<String>,
}

async fn row_in(tx: &mut Tx, id: i64) -> Result<Row> {
    let r = sqlx::query(
        "SELECT p.org_id, o.path, p.handling_round, p.state, p.title, p.due_at, p.occasion
           FROM proposals p JOIN orgs o ON o.id = p.org_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(Error::NotFound)?;
    Ok(Row {
        org_id: col(&r, "org_id")?,
        path: OrgPath::parse(&col::<String>(&r, "path")?).ok_or(Error::NotFound)?,
        round: col(&r, "handling_round")?,
        state: col(&r, "state")?,
        title: col(&r, "title")?,
        due_at: col(&r, "due_at")?,
        occasion: col(&r, "occasion")?,
    })
}

/// Being handled: assigned, in progress, or reopened for a second round.
fn handling(state: &str) -> bool {
    matches!(state, "assigned" | "in_progress" | "reopened")
}

fn not_handling() -> Error {
    Error::field(
        "state",
        "err.proposal.not_handling",
        "this proposal is not being handled now",
    )
}

/// A trimmed text of 1..=max characters, or the field's error.
fn text_of<'a>(
    text: &'a str,
    max: usize,
    field: &'static str,
    key: &'static str,
    message: &'static str,
) -> Result<&'a str> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(Error::field(field, key, message));
    }
    Ok(t)
}

// ---------------------------------------------------------------- objection

/// A handler of an assigned unit objects to the assignment within the
/// body's window, with the reason; the committee is told and reassigns.
pub async fn object(db: &Db, actor: &Actor, id: i64, reason: &str) -> Result<()> {
    super::get(db, actor, Permission::ProposalHandle, id).await?;
    let reason = text_of(
        reason,
        1000,
        "objection",
        "err.proposal.objection_reason",
        "say why the assignment is wrong (at most 1000 characters)",
    )?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    let p = row_in(&mut tx, id).await?;
    if !handling(&p.state) {
        return Err(not_handling());
    }
    let unit = acting_unit_in(
        &mut tx,
        actor,
        id,
        |u| u.objection.is_none(),
        Error::field(
            "objection",
            "err.proposal.objected_already",
            "your unit has objected already: the committee will reassign",
        ),
    )
    .await?;
    item::object_in(&mut tx, now, &PROPOSAL, id, unit.org_id, reason).await?;
    let note = format!("{}：{reason}", unit.name);
    item::note_by_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        Action::Object,
        actor,
        Role::DepartmentHandler,
        &note,
        &[],
    )
    .await?;
    let committee = holders_over(&mut tx, Role::ProposalCommittee, &p.path).await?;
    notify_in(&mut tx, now, &committee, "proposal_objection", id, &p.title).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- co-opinion

/// The last instant a co-handling unit assigned at `assigned_at` may send
/// its opinion.
pub fn opinion_until(rules: &Rules, assigned_at: i64) -> i64 {
    assigned_at + i64::from(rules.co_opinion_days) * DAY_MS
}

/// A co-handling unit sends its opinion to the lead unit, once per round,
/// within the body's window (joint assignment only).
pub async fn send_opinion(db: &Db, actor: &Actor, id: i64, body: &str) -> Result<()> {
    super::get(db, actor, Permission::ProposalHandle, id).await?;
    let body = text_of(
        body,
        5000,
        "opinion",
        "err.proposal.opinion_text",
        "write the opinion (at most 5000 characters)",
    )?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    let p = row_in(&mut tx, id).await?;
    if !handling(&p.state) {
        return Err(not_handling());
    }
    let rules = rules_in(&mut tx, p.org_id).await?;
    let unit = acting_unit_in(
        &mut tx,
        actor,
        id,
        |u| !u.answers,
        Error::field(
            "opinion",
            "err.proposal.opinion_not_co",
            "only a co-handling unit sends its opinion to the lead unit",
        ),
    )
    .await?;
    if unit.opinion_sent {
        return Err(Error::field(
            "opinion",
            "err.proposal.opinion_sent",
            "your unit has sent its opinion for this round already",
        ));
    }
    if now > opinion_until(&rules, unit.assigned_at) {
        return Err(Error::field(
            "opinion",
            "err.proposal.opinion_late",
            "the time for co-handlers' opinions has passed: contact the lead unit directly",
        ));
    }
    sqlx::query(
        "INSERT INTO proposal_opinions (proposal_id, round, org_id, body, sent_by, sent_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(p.round)
    .bind(unit.org_id)
    .bind(body)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    item::note_by_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        Action::CoOpinion,
        actor,
        Role::DepartmentHandler,
        &unit.name,
        &[],
    )
    .await?;
    let leads: Vec<i64> = unit_states_in(&mut tx, id)
        .await?
        .into_iter()
        .filter(|u| u.lead)
        .map(|u| u.org_id)
        .collect();
    notify_units_in(&mut tx, now, id, &leads, "proposal_opinion", &p.title).await?;
    tx.commit().await?;
    Ok(())
}

/// A co-handling unit's opinion, as the lead unit reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opinion {
    /// The round.
    pub round: i64,
    /// The unit's name.
    pub unit: String,
    /// The text.
    pub body: String,
    /// When sent.
    pub sent_at: i64,
}

/// The opinions sent on a proposal, by round then time.
pub async fn opinions(db: &Db, id: i64) -> Result<Vec<Opinion>> {
    sqlx::query(
        "SELECT q.round, o.name, q.body, q.sent_at FROM proposal_opinions q
           JOIN orgs o ON o.id = q.org_id WHERE q.proposal_id = $1 ORDER BY q.round, q.sent_at",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Opinion {
            round: col(r, "round")?,
            unit: col(r, "name")?,
            body: col(r, "body")?,
            sent_at: col(r, "sent_at")?,
        })
    })
    .collect()
}

// ---------------------------------------------------------------- contact

/// A unit records its contact with the proposer (how, and what was said),
/// before it replies.
pub async fn contact(db: &Db, actor: &Actor, id: i64, way: &str, note: &str) -> Result<()> {
    contact_by(db, Handler::User(actor), id, way, note).await
}

/// [`contact`] by a handler or a unit's case system ([`Handler`]).
pub async fn contact_by(db: &Db, who: Handler<'_>, id: i64, way: &str, note: &str) -> Result<()> {
    who.proposal(db, id).await?;
    if !rules_of::WAYS.contains(&way) {
        return Err(Error::field(
            "way",
            "err.proposal.contact_way",
            "choose how the proposer was contacted",
        ));
    }
    let note = text_of(
        note,
        2000,
        "contact_note",
        "err.proposal.contact_note",
        "say what was discussed with the proposer (at most 2000 characters)",
    )?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    let p = row_in(&mut tx, id).await?;
    if !handling(&p.state) {
        return Err(not_handling());
    }
    let unit = acting_unit_by_in(&mut tx, who, id, |_| true, Error::NotFound).await?;
    sqlx::query(
        "INSERT INTO proposal_contacts (proposal_id, round, org_id, way, note, contacted_by,
           contacted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(p.round)
    .bind(unit.org_id)
    .bind(way)
    .bind(note)
    .bind(who.user_id())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    who.note_in(
        &mut tx,
        now,
        id,
        Action::Contact,
        &format!("{}：{note}", unit.name),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A contact with the proposer, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The round.
    pub round: i64,
    /// The unit's name.
    pub unit: String,
    /// How (one of [`rules_of::WAYS`]).
    pub way: String,
    /// What was said.
    pub note: String,
    /// When.
    pub at: i64,
}

/// A proposal's contacts, by time.
pub async fn contacts(db: &Db, id: i64) -> Result<Vec<Contact>> {
    sqlx::query(
        "SELECT c.round, o.name, c.way, c.note, c.contacted_at FROM proposal_contacts c
           JOIN orgs o ON o.id = c.org_id WHERE c.proposal_id = $1 ORDER BY c.contacted_at, c.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Contact {
            round: col(r, "round")?,
            unit: col(r, "name")?,
            way: col(r, "way")?,
            note: col(r, "note")?,
            at: col(r, "contacted_at")?,
        })
    })
    .collect()
}

// ---------------------------------------------------------------- reply

/// A reply as typed.
#[derive(Debug, Clone, Default)]
pub struct NewReply<'a> {
    /// The document number (文号).
    pub doc_number: &'a str,
    /// The class code.
    pub class: &'a str,
    /// The text.
    pub body: &'a str,
}

/// An answering unit replies (once per round), after recording contact with
/// the proposer. Joint: the lead unit's reply answers and resolves the
/// proposal. Split: each unit replies; the last one resolves it, the others
/// move it to `in_progress`. Every field's error is checked before any.
pub async fn reply(
    db: &Db,
    actor: &Actor,
    id: i64,
    r: &NewReply<'_>,
) -> std::result::Result<State, TransitionError> {
    reply_with_file(db, actor, id, r, None).await
}

/// What a reply's signed file may be: the signed document as a PDF, or a
/// scan as a JPEG, PNG or WebP image, at most 20 MB.
pub const REPLY_FILE: upload::Accept = upload::Accept {
    field: "reply_file",
    kinds: &[
        upload::FileKind::Pdf,
        upload::FileKind::Jpeg,
        upload::FileKind::Png,
        upload::FileKind::Webp,
    ],
    max_bytes: upload::MAX_BYTES,
    type_key: "err.reply_file_type",
    type_message: "the signed reply is a PDF, or a scan as a JPEG, PNG or WebP image",
    name_key: "err.reply_file_name",
    size_key: "err.reply_file_size",
    size_message: "the signed reply is at most 20 MB: scan it at a lower resolution",
    missing_key: "err.reply_file_missing",
};

/// Checks an uploaded signed reply (size, then content against its name).
pub fn check_reply_file(name: &str, bytes: Vec<u8>) -> Result<upload::Checked> {
    upload::check(name, bytes, &REPLY_FILE)
}

/// Stores a checked signed reply as an attachment of the proposal (stage
/// `reply`) and points the reply at it.
async fn store_reply_file_in(
    tx: &mut Tx,
    now: i64,
    id: i64,
    reply_id: i64,
    file: &upload::Checked,
) -> Result<i64> {
    let token = crate::account::session::random_token();
    let file_id: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (kind, item_id, public_token, stage, content_type, width, height,
           bytes, created_at, file_name)
         VALUES ('proposal', $1, $2, 'reply', $3, 0, 0, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(&token)
    .bind(file.kind.content_type())
    .bind(file.bytes.clone())
    .bind(now)
    .bind(&file.file_name)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("UPDATE proposal_replies SET file_id = $1 WHERE id = $2")
        .bind(file_id)
        .bind(reply_id)
        .execute(&mut **tx)
        .await?;
    Ok(file_id)
}

/// [`reply`] with the signed reply file (checked by [`check_reply_file`]),
/// stored in the reply's transaction.
pub async fn reply_with_file(
    db: &Db,
    actor: &Actor,
    id: i64,
    r: &NewReply<'_>,
    file: Option<&upload::Checked>,
) -> std::result::Result<State, TransitionError> {
    reply_by(db, Handler::User(actor), id, r, file).await
}

/// [`reply_with_file`] by a handler or a unit's case system ([`Handler`]): a
/// key replies for its own unit only, after its unit recorded contact.
pub async fn reply_by(
    db: &Db,
    who: Handler<'_>,
    id: i64,
    r: &NewReply<'_>,
    file: Option<&upload::Checked>,
) -> std::result::Result<State, TransitionError> {
    let p = who.proposal(db, id).await?;
    let rules = rules(db, p.org_id).await?;
    let doc = r.doc_number.trim();
    if doc.is_empty() || doc.chars().count() > 60 {
        return Err(Error::field(
            "doc_number",
            "err.proposal.doc_number",
            "give the reply's document number (文号), at most 60 characters",
        )
        .into());
    }
    if !rules.classes().contains(&r.class) {
        return Err(Error::field(
            "class",
            if rules.four_classes {
                "err.proposal.class_abcd"
            } else {
                "err.proposal.class_abc"
            },
            "choose the reply's class",
        )
        .into());
    }
    let body = text_of(
        r.body,
        20_000,
        "reply_body",
        "err.proposal.reply_body",
        "write the reply (at most 20,000 characters)",
    )?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    lock_in(&mut tx, id).await?;
    let row = row_in(&mut tx, id).await?;
    if !handling(&row.state) {
        return Err(not_handling().into());
    }
    let unit = acting_unit_by_in(
        &mut tx,
        who,
        id,
        |u| u.answers,
        Error::field(
            "reply_body",
            "err.proposal.reply_not_lead",
            "the lead unit replies: send your opinion to it instead",
        ),
    )
    .await?;
    if unit.replied {
        return Err(Error::field(
            "reply_body",
            "err.proposal.replied_already",
            "your unit has replied in this round already",
        )
        .into());
    }
    if !unit.contacted {
        return Err(Error::field(
            "way",
            "err.proposal.contact_first",
            "record your contact with the proposer first, then reply",
        )
        .into());
    }
    let reply_id: i64 = sqlx::query_scalar(
        "INSERT INTO proposal_replies (proposal_id, round, org_id, lead, doc_number, class, body,
           due_at, replied_by, replied_at)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(id)
    .bind(row.round)
    .bind(unit.org_id)
    .bind(doc)
    .bind(r.class)
    .bind(body)
    .bind(row.due_at)
    .bind(who.user_id())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(Error::from)?;
    if let Some(file) = file {
        store_reply_file_in(&mut tx, now, id, reply_id, file).await?;
    }
    let waiting = unit_states_in(&mut tx, id)
        .await?
        .iter()
        .filter(|u| u.answers && !u.replied)
        .count();
    let note = who.signed(&format!("{} {doc} {}", unit.name, r.class));
    let (action, by) = (
        if waiting == 0 {
            Action::Resolve
        } else {
            Action::Progress
        },
        who.by(),
    );
    let to = item::transition_in(&mut tx, now, &PROPOSAL, id, action, by, Some(&note), &[]).await?;
    if action == Action::Resolve {
        sqlx::query("UPDATE proposals SET replied_at = $1, reply_class = $2 WHERE id = $3")
            .bind(now)
            .bind(r.class)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::from)?;
        crate::item::tell_hooks_in(&mut tx, now, &PROPOSAL, id, "replied").await?;
        let proposers = proposer_ids_in(&mut tx, id).await?;
        notify_in(&mut tx, now, &proposers, "proposal_replied", id, &row.title).await?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(to)
}

/// A unit's reply, as the proposal's page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Id.
    pub id: i64,
    /// The signed file's name, once attached.
    pub file_name: Option<String>,
    /// The round.
    pub round: i64,
    /// The unit.
    pub org_id: i64,
    /// Its name.
    pub unit: String,
    /// Document number.
    pub doc_number: String,
    /// Class code.
    pub class: String,
    /// Text.
    pub body: String,
    /// The deadline in force when replied.
    pub due_at: Option<i64>,
    /// When.
    pub replied_at: i64,
}

/// A proposal's replies, by round then time.
pub async fn replies(db: &Db, id: i64) -> Result<Vec<Reply>> {
    sqlx::query(
        "SELECT r.id, r.round, r.org_id, o.name, r.doc_number, r.class, r.body, r.due_at,
                r.replied_at, f.file_name
           FROM proposal_replies r JOIN orgs o ON o.id = r.org_id
           LEFT JOIN attachments f ON f.id = r.file_id
          WHERE r.proposal_id = $1 ORDER BY r.round, r.replied_at, r.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Reply {
            id: col(r, "id")?,
            file_name: col(r, "file_name")?,
            round: col(r, "round")?,
            org_id: col(r, "org_id")?,
            unit: col(r, "name")?,
            doc_number: col(r, "doc_number")?,
            class: col(r, "class")?,
            body: col(r, "body")?,
            due_at: col(r, "due_at")?,
            replied_at: col(r, "replied_at")?,
        })
    })
    .collect()
}

/// A unit attaches the signed reply file to its latest reply when it sent
/// the text first (a reply has one signed file: a second is refused).
pub async fn attach_reply_file(
    db: &Db,
    actor: &Actor,
    id: i64,
    file: &upload::Checked,
) -> Result<()> {
    super::get(db, actor, Permission::ProposalHandle, id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    let mine: Vec<i64> = mine_of(actor, unit_states_in(&mut tx, id).await?)
        .iter()
        .map(|u| u.org_id)
        .collect();
    if mine.is_empty() {
        return Err(Error::Denied(Denied::Forbidden));
    }
    let mut latest: Option<(i64, Option<i64>, String)> = None;
    for org in &mine {
        let r = sqlx::query(
            "SELECT r.id, r.file_id, r.doc_number, r.replied_at FROM proposal_replies r
              WHERE r.proposal_id = $1 AND r.org_id = $2
              ORDER BY r.round DESC, r.id DESC LIMIT 1",
        )
        .bind(id)
        .bind(org)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = r {
            latest = Some((col(&r, "id")?, col(&r, "file_id")?, col(&r, "doc_number")?));
            break;
        }
    }
    let Some((reply_id, file_id, doc)) = latest else {
        return Err(Error::field(
            "reply_file",
            "err.reply_file_no_reply",
            "send the reply first, then attach its signed file",
        ));
    };
    if file_id.is_some() {
        return Err(Error::field(
            "reply_file",
            "err.reply_file_there",
            "this reply has its signed file already",
        ));
    }
    let file_id = store_reply_file_in(&mut tx, now, id, reply_id, file).await?;
    let org_id: i64 = sqlx::query_scalar("SELECT org_id FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "proposal.reply_file",
            entity: "proposal",
            entity_id: id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(
                json!({"reply": reply_id, "doc_number": doc, "file": file_id,
                "file_name": file.file_name, "type": file.kind.content_type(),
                "size": file.bytes.len()}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the actor may read the signed files of a proposal's replies: its
/// proposers (initiator, confirmed co-signers), the committee over its body,
/// and the handlers of its assigned units.
pub async fn may_read_reply_files(db: &Db, actor: &Actor, p: &Proposal) -> Result<bool> {
    if actor.check(Permission::ProposalReview, &p.path).is_ok() {
        return Ok(true);
    }
    let handles = actor.scopes(Permission::ProposalHandle);
    if !handles.is_empty()
        && unit_states(db, p.id).await?.iter().any(|u| {
            OrgPath::parse(&u.path).is_some_and(|path| handles.iter().any(|s| path.is_within(s)))
        })
    {
        return Ok(true);
    }
    let proposer: Option<String> = sqlx::query_scalar(
        "SELECT answer FROM proposal_signers
          WHERE proposal_id = $1 AND user_id = $2 AND answer IN ('initiator', 'confirmed')",
    )
    .bind(p.id)
    .bind(actor.user_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(proposer.is_some())
}

/// A reply's signed file (its name, kind and bytes), for the proposers, the
/// committee and the handlers of the proposal's units; for anyone else (the
/// body's staff and leaders included) it does not exist. Public pages never
/// offer it: a signed document carries signatures and often phone numbers.
pub async fn reply_file(
    db: &Db,
    actor: &Actor,
    id: i64,
    reply_id: i64,
) -> Result<(String, upload::FileKind, Vec<u8>)> {
    let p = super::get(db, actor, Permission::ProposalView, id)
        .await
        .map_err(|_| Error::NotFound)?;
    let r = sqlx::query(
        "SELECT f.file_name, f.content_type, f.bytes, o.path AS unit_path
           FROM proposal_replies r JOIN attachments f ON f.id = r.file_id
           JOIN orgs o ON o.id = r.org_id
          WHERE r.id = $1 AND r.proposal_id = $2 AND f.kind = 'proposal' AND f.stage = 'reply'",
    )
    .bind(reply_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let handles = actor.scopes(Permission::ProposalHandle);
    let wrote = OrgPath::parse(&col::<String>(&r, "unit_path")?)
        .is_some_and(|u| handles.iter().any(|s| u.is_within(s)));
    if !wrote && !may_read_reply_files(db, actor, &p).await? {
        return Err(Error::NotFound);
    }
    let kind = upload::FileKind::from_content_type(&col::<String>(&r, "content_type")?)
        .ok_or(Error::NotFound)?;
    Ok((
        col::<Option<String>>(&r, "file_name")?.unwrap_or_default(),
        kind,
        col(&r, "bytes")?,
    ))
}

// ---------------------------------------------------------------- extension

/// An extension asked for, and the committee's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// Id.
    pub id: i64,
    /// The round.
    pub round: i64,
    /// The asking unit's name.
    pub unit: String,
    /// Until when.
    pub until_at: i64,
    /// Why.
    pub reason: String,
    /// When asked.
    pub requested_at: i64,
    /// The answer (None: waiting).
    pub approved: Option<bool>,
}

/// A proposal's extension requests, the latest first.
pub async fn extensions(db: &Db, id: i64) -> Result<Vec<Extension>> {
    sqlx::query(
        "SELECT e.id, e.round, o.name, e.until_at, e.reason, e.requested_at, e.approved
           FROM proposal_extensions e JOIN orgs o ON o.id = e.org_id
          WHERE e.proposal_id = $1 ORDER BY e.requested_at DESC, e.id DESC",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Extension {
            id: col(r, "id")?,
            round: col(r, "round")?,
            unit: col(r, "name")?,
            until_at: col(r, "until_at")?,
            reason: col(r, "reason")?,
            requested_at: col(r, "requested_at")?,
            approved: col::<Option<i64>>(r, "approved")?.map(|a| a == 1),
        })
    })
    .collect()
}

/// The latest day an extension of the proposal's current round may reach:
/// the body's `extension_max_months` from the round's first assignment.
async fn extension_limit_in(tx: &mut Tx, cal: &Calendar, id: i64, p: &Row) -> Result<i64> {
    let rules = rules_in(tx, p.org_id).await?;
    let started: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(assigned_at) FROM item_assignments
          WHERE kind = 'proposal' AND item_id = $1 AND round = $2",
    )
    .bind(id)
    .bind(p.round)
    .fetch_one(&mut **tx)
    .await?;
    let started = started.ok_or_else(not_handling)?;
    Ok(rules_of::extension_limit(
        cal,
        started,
        rules.extension_max_months,
    ))
}

/// An answering unit asks for more time, until the end of `until` (a date,
/// `YYYY-MM-DD`): after the deadline in force, within the body's furthest
/// extension; one request waits at a time.
pub async fn request_extension(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    until: &str,
    reason: &str,
) -> Result<()> {
    super::get(db, actor, Permission::ProposalHandle, id).await?;
    let Some(until_at) = rules_of::day_end(until) else {
        return Err(Error::field(
            "until",
            "err.proposal.extension_date",
            "give the date the reply can be made by (YYYY-MM-DD)",
        ));
    };
    let reason = text_of(
        reason,
        1000,
        "extension_reason",
        "err.proposal.extension_reason",
        "say why more time is needed (at most 1000 characters)",
    )?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    let p = row_in(&mut tx, id).await?;
    if !handling(&p.state) {
        return Err(not_handling());
    }
    let unit = acting_unit_in(
        &mut tx,
        actor,
        id,
        |u| u.answers && !u.replied,
        Error::field(
            "until",
            "err.proposal.extension_not_yours",
            "only a unit whose reply is still due asks for more time",
        ),
    )
    .await?;
    if p.due_at.is_some_and(|d| until_at <= d) {
        return Err(Error::field(
            "until",
            "err.proposal.extension_before",
            "the date must come after the deadline in force",
        ));
    }
    if until_at > extension_limit_in(&mut tx, cal, id, &p).await? {
        return Err(Error::field(
            "until",
            "err.proposal.extension_beyond",
            "an extension cannot reach beyond the body's longest time from the assignment",
        ));
    }
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_extensions WHERE proposal_id = $1 AND decided_at IS NULL",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if waiting > 0 {
        return Err(Error::field(
            "until",
            "err.proposal.extension_waiting",
            "a request for more time is waiting for the committee already",
        ));
    }
    sqlx::query(
        "INSERT INTO proposal_extensions (proposal_id, round, org_id, until_at, reason,
           requested_by, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(p.round)
    .bind(unit.org_id)
    .bind(until_at)
    .bind(reason)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let committee = holders_over(&mut tx, Role::ProposalCommittee, &p.path).await?;
    notify_in(&mut tx, now, &committee, "proposal_extension", id, &p.title).await?;
    tx.commit().await?;
    Ok(())
}

/// The committee approves (the deadline moves, note `extend`, new deadline
/// stages) or refuses the waiting request.
pub async fn decide_extension(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    approve: bool,
) -> Result<()> {
    super::get(db, actor, Permission::ProposalReview, id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    let p = row_in(&mut tx, id).await?;
    let waiting = sqlx::query(
        "SELECT id, until_at, round FROM proposal_extensions
          WHERE proposal_id = $1 AND decided_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(w) = waiting else {
        return Err(Error::field(
            "extension",
            "err.proposal.no_extension",
            "no request for more time is waiting",
        ));
    };
    let ext: i64 = col(&w, "id")?;
    let until: i64 = col(&w, "until_at")?;
    let round: i64 = col(&w, "round")?;
    let approve = approve && handling(&p.state) && round == p.round;
    // The limit is checked again: the rules may have changed since.
    let approve = approve && until <= extension_limit_in(&mut tx, cal, id, &p).await?;
    sqlx::query(
        "UPDATE proposal_extensions SET approved = $1, decided_by = $2, decided_at = $3
          WHERE id = $4",
    )
    .bind(i64::from(approve))
    .bind(actor.user_id)
    .bind(now)
    .bind(ext)
    .execute(&mut *tx)
    .await?;
    if approve {
        sqlx::query("UPDATE proposals SET due_at = $1 WHERE id = $2")
            .bind(until)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        queue_stages_in(&mut tx, now, id, p.round, until).await?;
        let day = xieshang_core::calendar::cst_date(until)
            .format("%Y-%m-%d")
            .to_string();
        item::note_by_in(
            &mut tx,
            now,
            &PROPOSAL,
            id,
            Action::Extend,
            actor,
            Role::ProposalCommittee,
            &day,
            &[],
        )
        .await?;
    }
    let units: Vec<i64> = unit_states_in(&mut tx, id)
        .await?
        .iter()
        .filter(|u| u.answers)
        .map(|u| u.org_id)
        .collect();
    let kind = if approve {
        "proposal_extended"
    } else {
        "proposal_extension_refused"
    };
    notify_units_in(&mut tx, now, id, &units, kind, &p.title).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- evaluation

/// An evaluation as typed.
#[derive(Debug, Clone, Default)]
pub struct NewEvaluation<'a> {
    /// One of [`rules_of::RATINGS`].
    pub rating: &'a str,
    /// How they were consulted, one of [`rules_of::RATINGS`].
    pub consulted: &'a str,
    /// A comment.
    pub comment: &'a str,
}

/// What an evaluation led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluated {
    /// Recorded; the state waits for the initiator.
    Recorded,
    /// The initiator was satisfied (or basically): closed.
    Closed,
    /// The initiator was unsatisfied: a second round opened.
    SecondRound,
    /// Unsatisfied again: a face-to-face consultation is called (recorded).
    FaceToFace,
}

/// A proposer (the initiator or a confirmed co-signer) rates the round's
/// reply, once per round. The initiator's rating moves the proposal:
/// satisfied or basically satisfied closes it; unsatisfied in round 1 opens
/// round 2 (the same units, a new deadline); unsatisfied in round 2 records
/// a face-to-face consultation (note `convene`; the committee closes it
/// after the meeting).
pub async fn evaluate(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    id: i64,
    e: &NewEvaluation<'_>,
) -> std::result::Result<Evaluated, TransitionError> {
    let p = super::get(db, actor, Permission::ProposalView, id).await?;
    if !rules_of::RATINGS.contains(&e.rating) {
        return Err(Error::field(
            "rating",
            "err.proposal.rating",
            "choose how satisfied you are with the reply",
        )
        .into());
    }
    if !rules_of::RATINGS.contains(&e.consulted) {
        return Err(Error::field(
            "consulted",
            "err.proposal.consulted",
            "choose how satisfied you are with how you were consulted",
        )
        .into());
    }
    let comment = e.comment.trim();
    if comment.chars().count() > 2000 {
        return Err(Error::field("comment", "err.too_long", "at most 2000 characters").into());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    lock_in(&mut tx, id).await?;
    let row = row_in(&mut tx, id).await?;
    let answer: Option<String> = sqlx::query_scalar(
        "SELECT answer FROM proposal_signers WHERE proposal_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(actor.user_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(Error::from)?;
    let initiator = answer.as_deref() == Some("initiator");
    if !initiator && answer.as_deref() != Some("confirmed") {
        return Err(Error::Denied(Denied::Forbidden).into());
    }
    let rated: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_evaluations
          WHERE proposal_id = $1 AND round = $2 AND user_id = $3",
    )
    .bind(id)
    .bind(row.round)
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(Error::from)?;
    if rated > 0 {
        return Err(Error::field(
            "rating",
            "err.proposal.rated_already",
            "you have rated this reply already: a rating is given once per round",
        )
        .into());
    }
    let open = row.state == State::Resolved.as_str()
        || (!initiator && row.state == State::Closed.as_str() && row.round > 0);
    if !open {
        return Err(Error::field(
            "rating",
            "err.proposal.not_to_rate",
            "there is no reply to rate now",
        )
        .into());
    }
    sqlx::query(
        "INSERT INTO proposal_evaluations (proposal_id, round, user_id, rating, consulted,
           comment, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(row.round)
    .bind(actor.user_id)
    .bind(e.rating)
    .bind(e.consulted)
    .bind((!comment.is_empty()).then_some(comment))
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    crate::item::tell_hooks_in(&mut tx, now, &PROPOSAL, id, "evaluated").await?;
    if !initiator || row.state != State::Resolved.as_str() {
        tx.commit().await.map_err(Error::from)?;
        return Ok(Evaluated::Recorded);
    }
    let action = match e.rating {
        "satisfied" => Action::FeedbackSatisfied,
        "basically_satisfied" => Action::FeedbackBasicallySatisfied,
        _ => Action::FeedbackUnsatisfied,
    };
    let note = (!comment.is_empty()).then_some(comment);
    item::transition_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        action,
        By::Related(actor, Role::Member),
        note,
        &[],
    )
    .await?;
    let units: Vec<i64> = unit_states_in(&mut tx, id)
        .await?
        .iter()
        .map(|u| u.org_id)
        .collect();
    let out = if action != Action::FeedbackUnsatisfied {
        Evaluated::Closed
    } else if row.round <= 1 {
        second_round_in(&mut tx, now, cal, id, &row).await?;
        Evaluated::SecondRound
    } else {
        let names: Vec<String> = unit_states_in(&mut tx, id)
            .await?
            .into_iter()
            .map(|u| u.name)
            .collect();
        let topic = plan_face_to_face_in(&mut tx, now, id, &row).await?;
        let note = format!("{}、{}：{topic}", p.proposer_name, names.join("、"));
        item::note_by_in(
            &mut tx,
            now,
            &PROPOSAL,
            id,
            Action::Convene,
            actor,
            Role::Member,
            &note,
            &[],
        )
        .await?;
        // The committee follows the proposal; the body's staff call the
        // consultation from the plan.
        let mut to = holders_over(&mut tx, Role::ProposalCommittee, &row.path).await?;
        to.extend(holders_over(&mut tx, Role::Staff, &row.path).await?);
        notify_in(&mut tx, now, &to, "proposal_face_to_face", id, &row.title).await?;
        Evaluated::FaceToFace
    };
    let kind = match out {
        Evaluated::SecondRound => "proposal_second_round",
        _ => "proposal_evaluated",
    };
    notify_units_in(&mut tx, now, id, &units, kind, &row.title).await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(out)
}

// ---------------------------------------------------------------- face to face

/// The prefix of a face-to-face consultation's planned topic.
const FACE_TO_FACE: &str = "提案面商：";

/// Puts a face-to-face consultation on the body's consultation plan (this
/// quarter, China time) as a planned topic carrying the proposal, for the
/// body's staff to call with a date and place (decision record 0040).
/// Returns the topic.
async fn plan_face_to_face_in(tx: &mut Tx, now: i64, id: i64, row: &Row) -> Result<String> {
    use chrono::Datelike;
    let day = xieshang_core::calendar::cst_date(now);
    let quarter = i64::from(day.month0() / 3 + 1);
    let room = crate::item::TOPIC_MAX - FACE_TO_FACE.chars().count();
    let mut topic: String = FACE_TO_FACE.to_owned();
    if row.title.chars().count() > room {
        topic.extend(row.title.chars().take(room - 1));
        topic.push('…');
    } else {
        topic.push_str(&row.title);
    }
    sqlx::query(
        "INSERT INTO consultation_plan (org_id, year, quarter, topic, created_at, proposal_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(row.org_id)
    .bind(i64::from(day.year()))
    .bind(quarter)
    .bind(&topic)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(topic)
}

/// A proposal's face-to-face consultation: the planned topic, and the
/// consultation once staff called it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceToFace {
    /// The planned topic's id.
    pub plan_id: i64,
    /// Its topic.
    pub topic: String,
    /// Year and quarter it is planned for.
    pub year: i64,
    /// Quarter, 1 to 4.
    pub quarter: i64,
    /// The consultation called from it: (id, state code, start).
    pub consultation: Option<(i64, String, i64)>,
}

/// The face-to-face consultation planned for a proposal, if any (the latest).
pub async fn face_to_face(db: &Db, id: i64) -> Result<Option<FaceToFace>> {
    let r = sqlx::query(
        "SELECT p.id, p.topic, p.year, p.quarter, c.id AS cid, c.state, c.starts_at
           FROM consultation_plan p LEFT JOIN consultations c ON c.id = p.consultation_id
          WHERE p.proposal_id = $1 ORDER BY p.id DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = r else {
        return Ok(None);
    };
    let consultation = match col::<Option<i64>>(&r, "cid")? {
        Some(cid) => Some((cid, col(&r, "state")?, col(&r, "starts_at")?)),
        None => None,
    };
    Ok(Some(FaceToFace {
        plan_id: col(&r, "id")?,
        topic: col(&r, "topic")?,
        year: col(&r, "year")?,
        quarter: col(&r, "quarter")?,
        consultation,
    }))
}

/// The proposal a planned topic carries (a face-to-face consultation).
pub async fn proposal_of_plan(db: &Db, plan_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT proposal_id FROM consultation_plan WHERE id = $1")
            .bind(plan_id)
            .fetch_optional(db.pool())
            .await?
            .flatten(),
    )
}

/// The proposals a consultation is the face-to-face consultation of: (id,
/// title, state code).
pub async fn proposals_of_consultation(
    db: &Db,
    consultation_id: i64,
) -> Result<Vec<(i64, String, String)>> {
    sqlx::query(
        "SELECT p.id, p.title, p.state FROM item_links l JOIN proposals p ON p.id = l.from_id
          WHERE l.from_kind = 'proposal' AND l.to_kind = 'consultation' AND l.to_id = $1
          ORDER BY p.id",
    )
    .bind(consultation_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "title")?, col(r, "state")?)))
    .collect()
}

/// Called in the transaction that calls a consultation from a planned
/// topic: when the topic carries a proposal (a face-to-face consultation),
/// the proposal is linked to the consultation (both pages show the other),
/// its timeline says when the meeting is, and the proposer (as a member) and
/// the answering units (as departments, their representative left for the
/// unit to name) are invited and told.
pub(crate) async fn face_to_face_called_in(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    plan_id: i64,
    consultation_id: i64,
    starts_at: i64,
) -> Result<()> {
    let proposal: Option<Option<i64>> =
        sqlx::query_scalar("SELECT proposal_id FROM consultation_plan WHERE id = $1")
            .bind(plan_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(id) = proposal.flatten() else {
        return Ok(());
    };
    let row = row_in(tx, id).await?;
    let proposer: i64 = sqlx::query_scalar("SELECT proposer_id FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    item::link_to_in(
        tx,
        now,
        (&PROPOSAL, id),
        "consultation",
        (&xieshang_core::item::CONSULTATION, consultation_id),
        row.org_id,
        Some(actor.user_id),
    )
    .await?;
    let topic: String = sqlx::query_scalar("SELECT topic FROM consultations WHERE id = $1")
        .bind(consultation_id)
        .fetch_one(&mut **tx)
        .await?;
    let when = xieshang_core::calendar::cst_date(starts_at)
        .format("%Y-%m-%d")
        .to_string();
    item::note_by_in(
        tx,
        now,
        &PROPOSAL,
        id,
        Action::Convene,
        actor,
        Role::Staff,
        &format!("{when}：{topic}"),
        &[],
    )
    .await?;
    let units: Vec<i64> = unit_states_in(tx, id)
        .await?
        .into_iter()
        .filter(|u| u.answers)
        .map(|u| u.org_id)
        .collect();
    sqlx::query(
        "INSERT INTO consultation_participants (consultation_id, role, user_id, created_at)
         VALUES ($1, 'member', $2, $3)",
    )
    .bind(consultation_id)
    .bind(proposer)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let mut told = vec![proposer];
    for org in &units {
        sqlx::query(
            "INSERT INTO consultation_participants (consultation_id, role, org_id, created_at)
             VALUES ($1, 'department', $2, $3)",
        )
        .bind(consultation_id)
        .bind(org)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        told.extend(
            sqlx::query_scalar::<_, i64>(
                "SELECT user_id FROM grants WHERE org_id = $1 AND role = 'department_handler'",
            )
            .bind(org)
            .fetch_all(&mut **tx)
            .await?,
        );
    }
    crate::item::notify_in(
        tx,
        now,
        &told,
        "invited",
        xieshang_core::item::CONSULTATION.kind,
        consultation_id,
        &topic,
    )
    .await
}

/// Called in the transaction that records a consultation as held: each
/// proposal it is the face-to-face consultation of gets a timeline note, and
/// the committee is told it may close the proposal.
pub(crate) async fn face_to_face_held_in(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    consultation_id: i64,
) -> Result<()> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT from_id FROM item_links
          WHERE from_kind = 'proposal' AND to_kind = 'consultation' AND to_id = $1",
    )
    .bind(consultation_id)
    .fetch_all(&mut **tx)
    .await?;
    if ids.is_empty() {
        return Ok(());
    }
    let topic: String = sqlx::query_scalar("SELECT topic FROM consultations WHERE id = $1")
        .bind(consultation_id)
        .fetch_one(&mut **tx)
        .await?;
    let note = format!("已举行：{topic}");
    for id in ids {
        let row = row_in(tx, id).await?;
        item::note_by_in(
            tx,
            now,
            &PROPOSAL,
            id,
            Action::Convene,
            actor,
            Role::Staff,
            &note,
            &[],
        )
        .await?;
        let committee = holders_over(tx, Role::ProposalCommittee, &row.path).await?;
        notify_in(
            tx,
            now,
            &committee,
            "proposal_face_to_face_held",
            id,
            &row.title,
        )
        .await?;
    }
    Ok(())
}

/// Round 2: the round's units again (same mode, fresh objection windows),
/// a new deadline and its stages.
async fn second_round_in(tx: &mut Tx, now: i64, cal: &Calendar, id: i64, row: &Row) -> Result<()> {
    let units = unit_states_in(tx, id).await?;
    let rules = rules_in(tx, row.org_id).await?;
    let part = units.first().is_some_and(|u| u.split).then_some(SPLIT_PART);
    let all: Vec<Unit<'_>> = units
        .iter()
        .map(|u| Unit {
            org_id: u.org_id,
            lead: u.lead,
            part,
        })
        .collect();
    let round = row.round + 1;
    let window = cal.deadline_after(now, rules.objection_days);
    item::assign_in(tx, now, &PROPOSAL, id, round, &all, Some(window)).await?;
    let due = rules_of::months_after(cal, now, rules.months_for(row.occasion.as_deref()));
    start_round_in(tx, now, id, round, due).await
}

/// The committee closes a proposal whose evaluation ended in a face-to-face
/// consultation (or that no one evaluates), with a note.
pub async fn close(
    db: &Db,
    actor: &Actor,
    id: i64,
    note: &str,
) -> std::result::Result<State, TransitionError> {
    super::get(db, actor, Permission::ProposalReview, id).await?;
    let note = text_of(
        note,
        2000,
        "close_note",
        "err.proposal.close_note",
        "say how the matter ended (at most 2000 characters)",
    )?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    lock_in(&mut tx, id).await?;
    let to = item::transition_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        Action::Close,
        By::User(actor),
        Some(note),
        &[],
    )
    .await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(to)
}

/// One proposer's evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The round.
    pub round: i64,
    /// Who.
    pub name: String,
    /// Rating code.
    pub rating: String,
    /// How consulted.
    pub consulted: String,
    /// Comment.
    pub comment: Option<String>,
    /// When.
    pub at: i64,
}

/// A proposal's evaluations, by round then time.
pub async fn evaluations(db: &Db, id: i64) -> Result<Vec<Evaluation>> {
    sqlx::query(
        "SELECT e.round, u.display_name, e.rating, e.consulted, e.comment, e.at
           FROM proposal_evaluations e JOIN users u ON u.id = e.user_id
          WHERE e.proposal_id = $1 ORDER BY e.round, e.at, e.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Evaluation {
            round: col(r, "round")?,
            name: col(r, "display_name")?,
            rating: col(r, "rating")?,
            consulted: col(r, "consulted")?,
            comment: col(r, "comment")?,
            at: col(r, "at")?,
        })
    })
    .collect()
}

/// A proposal's handling round and the deadline in force.
pub async fn round_and_due(db: &Db, id: i64) -> Result<(i64, Option<i64>)> {
    let r = sqlx::query("SELECT handling_round, due_at FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    Ok((col(&r, "handling_round")?, col(&r, "due_at")?))
}

/// Whether the user may rate the proposal's reply now (a proposer who has
/// not rated the round's reply; the initiator while it is resolved).
pub async fn may_rate(db: &Db, user_id: i64, p: &Proposal) -> Result<bool> {
    let r = sqlx::query(
        "SELECT s.answer, p.handling_round,
                (SELECT COUNT(*) FROM proposal_evaluations e WHERE e.proposal_id = p.id
                   AND e.round = p.handling_round AND e.user_id = s.user_id) AS rated
           FROM proposals p JOIN proposal_signers s ON s.proposal_id = p.id
          WHERE p.id = $1 AND s.user_id = $2",
    )
    .bind(p.id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = r else {
        return Ok(false);
    };
    let answer: String = col(&r, "answer")?;
    let rated = col::<i64>(&r, "rated")? > 0;
    let round: i64 = col(&r, "handling_round")?;
    Ok(!rated
        && round > 0
        && match answer.as_str() {
            "initiator" => p.state == State::Resolved.as_str(),
            "confirmed" => matches!(p.state.as_str(), "resolved" | "closed"),
            _ => false,
        })
}

/// The proposals whose reply waits for the user's rating: they are its
/// initiator or a confirmed co-signer, it is resolved (or, for co-signers,
/// closed) and they have not rated its round. At most 200, the latest
/// replied first (one statement).
pub async fn to_rate(db: &Db, user_id: i64) -> Result<Vec<(i64, String, i64, Option<i64>)>> {
    sqlx::query(
        "SELECT p.id, p.title, p.handling_round, p.replied_at
           FROM proposal_signers s JOIN proposals p ON p.id = s.proposal_id
          WHERE s.user_id = $1 AND p.handling_round > 0
            AND ((s.answer = 'initiator' AND p.state = 'resolved')
              OR (s.answer = 'confirmed' AND p.state IN ('resolved', 'closed')))
            AND NOT EXISTS (SELECT 1 FROM proposal_evaluations e WHERE e.proposal_id = p.id
                              AND e.round = p.handling_round AND e.user_id = s.user_id)
          ORDER BY p.replied_at DESC, p.id DESC LIMIT 200",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok((
            col(r, "id")?,
            col(r, "title")?,
            col(r, "handling_round")?,
            col(r, "replied_at")?,
        ))
    })
    .collect()
}

// ---------------------------------------------------------------- queue

/// A row of a unit's proposal queue: what the unit must do, by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// The proposal.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its number in its session.
    pub number: Option<i64>,
    /// The initiator's name.
    pub proposer: String,
    /// State code.
    pub state: String,
    /// The unit's name.
    pub unit: String,
    /// `lead`, `co` or `split`.
    pub role: &'static str,
    /// The handling round.
    pub round: i64,
    /// The unit may still object until then.
    pub object_by: Option<i64>,
    /// The co-handling unit's opinion is due then.
    pub opinion_by: Option<i64>,
    /// The unit's reply is due then.
    pub reply_by: Option<i64>,
    /// Something is past its time.
    pub overdue: bool,
}

/// The proposals assigned now to the units the actor handles proposals for
/// and still open (being handled, or replied and awaiting the proposer's
/// rating), with what each unit must do: overdue first, then the nearest
/// date first (at most 500; one statement). The closed ones are
/// [`recently_done`]: a district's units keep years of them (816 assignments
/// of one generated district, 732 closed), and reading them all made the page
/// 230 requests a second at 64 connections.
pub async fn queue(db: &Db, actor: &Actor) -> Result<Vec<Task>> {
    let mut out = tasks(
        db,
        actor,
        "p.state IN ('assigned', 'in_progress', 'reopened', 'resolved')",
        "p.due_at, p.id LIMIT 500",
    )
    .await?;
    // Overdue first, then what is due soonest; done ones last.
    out.sort_by_key(|t| {
        let next = [t.object_by, t.opinion_by, t.reply_by]
            .into_iter()
            .flatten()
            .min();
        (!t.overdue, next.is_none(), next.unwrap_or(i64::MAX), t.id)
    });
    Ok(out)
}

/// The units' latest closed proposals, the latest first (at most `limit`).
pub async fn recently_done(db: &Db, actor: &Actor, limit: i64) -> Result<Vec<Task>> {
    tasks(
        db,
        actor,
        "p.state = 'closed'",
        &format!("p.updated_at DESC, p.id DESC LIMIT {}", limit.clamp(1, 500)),
    )
    .await
}

async fn tasks(db: &Db, actor: &Actor, which: &str, order: &str) -> Result<Vec<Task>> {
    let (cond, mut args) =
        crate::db::scope::condition(actor, Permission::ProposalHandle, "d.path", 1);
    let n = args.len();
    args.push(Arg::Int(DAY_MS));
    let sql = format!(
        "SELECT p.id, p.title, p.number, u.display_name AS proposer, p.state, d.name AS unit,
                a.lead, a.part, p.handling_round, p.due_at, a.objection_until, a.objected_at,
                a.assigned_at * 1 + COALESCE(r.co_opinion_days, 30) * ${day} AS opinion_until,
                (SELECT COUNT(*) FROM proposal_replies x WHERE x.proposal_id = p.id
                    AND x.round = p.handling_round AND x.org_id = a.org_id) AS replied,
                (SELECT COUNT(*) FROM proposal_opinions q WHERE q.proposal_id = p.id
                    AND q.round = p.handling_round AND q.org_id = a.org_id) AS opinion_sent
           FROM orgs d {dj} item_assignments a ON a.org_id = d.id
                AND a.kind = 'proposal' AND a.active = 1
           JOIN proposals p ON p.id = a.item_id
           JOIN users u ON u.id = p.proposer_id
           LEFT JOIN proposal_rules r ON r.org_id = p.org_id
          WHERE {cond} AND {which}
          ORDER BY {order}",
        day = n + 1,
        dj = db.dialect().driving_join(),
    );
    let now = db.now_ms();
    let rows = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let state: String = col(r, "state")?;
        let lead = col::<i64>(r, "lead")? == 1;
        let split = col::<Option<String>>(r, "part")?.is_some();
        let answers = lead || split;
        let active = handling(&state);
        let replied = col::<i64>(r, "replied")? > 0;
        let object_by = col::<Option<i64>>(r, "objection_until")?.filter(|u| {
            active
                && *u >= now
                && col::<Option<i64>>(r, "objected_at")
                    .ok()
                    .flatten()
                    .is_none()
        });
        let opinion_by = (!answers && active && col::<i64>(r, "opinion_sent")? == 0)
            .then(|| col::<i64>(r, "opinion_until"))
            .transpose()?;
        let reply_by = (answers && active && !replied)
            .then(|| col::<Option<i64>>(r, "due_at"))
            .transpose()?
            .flatten();
        let overdue = reply_by.is_some_and(|d| d < now) || opinion_by.is_some_and(|d| d < now);
        out.push(Task {
            id: col(r, "id")?,
            title: col(r, "title")?,
            number: col(r, "number")?,
            proposer: col(r, "proposer")?,
            state,
            unit: col(r, "unit")?,
            role: if split {
                "split"
            } else if lead {
                "lead"
            } else {
                "co"
            },
            round: col(r, "handling_round")?,
            object_by,
            opinion_by,
            reply_by,
            overdue,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------- deadlines

/// The job worker's deadline stage of a proposal's round: `reminder` (a week
/// before) reminds the answering units that have not replied; `deadline`
/// escalates: a timeline note, the units' handlers, the committee and the
/// body's leaders are told, and webhooks hear `overdue`. Stale stages (the
/// round moved on, the replies are in, the deadline was extended) do nothing.
pub(crate) async fn deadline_in(
    tx: &mut Tx,
    now: i64,
    id: i64,
    round: i64,
    stage: &str,
) -> Result<()> {
    let Ok(p) = row_in(tx, id).await else {
        return Ok(());
    };
    if p.round != round || !handling(&p.state) {
        return Ok(());
    }
    let Some(due) = p.due_at else {
        return Ok(());
    };
    let waiting: Vec<UnitState> = unit_states_in(tx, id)
        .await?
        .into_iter()
        .filter(|u| u.answers && !u.replied)
        .collect();
    if waiting.is_empty() {
        return Ok(());
    }
    match stage {
        // An extended deadline's earlier reminder waits for its own.
        "reminder" if due - now <= REMINDER_BEFORE_MS + DAY_MS && now <= due => {
            item::note_in(tx, now, &PROPOSAL, id, Action::Remind, None).await?;
            let to = handlers_of(tx, &waiting).await?;
            notify_in(tx, now, &to, "proposal_reminder", id, &p.title).await?;
        }
        "deadline" if now >= due => {
            let names: Vec<String> = waiting.iter().map(|u| u.name.clone()).collect();
            item::note_in(
                tx,
                now,
                &PROPOSAL,
                id,
                Action::Escalate,
                Some(&names.join("、")),
            )
            .await?;
            crate::item::tell_hooks_in(tx, now, &PROPOSAL, id, "overdue").await?;
            let mut to = handlers_of(tx, &waiting).await?;
            to.extend(holders_over(tx, Role::ProposalCommittee, &p.path).await?);
            to.extend(holders_over(tx, Role::Leader, &p.path).await?);
            notify_in(tx, now, &to, "proposal_overdue", id, &p.title).await?;
        }
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------- telling

/// The handlers of units.
async fn handlers_of(tx: &mut Tx, units: &[UnitState]) -> Result<Vec<i64>> {
    let mut to = Vec::new();
    for u in units {
        if let Some(path) = OrgPath::parse(&u.path) {
            to.extend(holders_over(tx, Role::DepartmentHandler, &path).await?);
        }
    }
    Ok(to)
}

/// The proposers: the initiator and confirmed co-signers.
async fn proposer_ids_in(tx: &mut Tx, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM proposal_signers
          WHERE proposal_id = $1 AND answer IN ('initiator', 'confirmed')",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

/// In-app notifications about a proposal (one statement).
async fn notify_in(
    tx: &mut Tx,
    now: i64,
    users: &[i64],
    kind: &str,
    id: i64,
    title: &str,
) -> Result<()> {
    item::notify_in(tx, now, users, kind, PROPOSAL.kind, id, title).await
}

/// Notifies the handlers of units.
async fn notify_units_in(
    tx: &mut Tx,
    now: i64,
    id: i64,
    units: &[i64],
    kind: &str,
    title: &str,
) -> Result<()> {
    let mut to = Vec::new();
    for u in units {
        let path: Option<String> = sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1")
            .bind(u)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(path) = path.as_deref().and_then(OrgPath::parse) {
            to.extend(holders_over(tx, Role::DepartmentHandler, &path).await?);
        }
    }
    notify_in(tx, now, &to, kind, id, title).await
}
