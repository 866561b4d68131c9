//! Proposals (提案, issue 29): a member drafts one matter per proposal,
//! invites co-signers from the same body (the initiator signs first), files
//! it once every co-signer has answered; the proposal committee reviews it
//! ([`review`]). A body's terms, sessions, categories, grounds and length cap
//! are its [`settings`].
//!
//! The proposal is an item on the engine ([`PROPOSAL`], decision record
//! 0033): its states, timeline, audit rows, links and assignments are
//! written by [`crate::item`]. Its unit is the body (the district's CPPCC);
//! members, whose roles lie over their streets, act on their own proposals
//! through [`By::Related`].

pub mod api;
pub mod assign;
pub mod figures;
pub mod handle;
pub mod key;
pub mod leads;
pub mod review;
pub mod settings;

use crate::db::{col, Arg, Db, Tx};
use crate::item::{self, By, Created, TransitionError};
use crate::{Error, Result};
use xieshang_core::item::{Action, Party, State, PROPOSAL};
use xieshang_core::proposal::Text;
use xieshang_core::{Actor, Denied, OrgPath, Permission, Relation, Role};

/// A proposal as its pages read it.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Internal serial number.
    pub id: i64,
    /// The body.
    pub org_id: i64,
    /// The body's name.
    pub org_name: String,
    /// The body's path.
    pub path: OrgPath,
    /// The initiator.
    pub proposer_id: i64,
    /// The initiator's name.
    pub proposer_name: String,
    /// The session it was filed in (once filed).
    pub session_id: Option<i64>,
    /// The term's and the session's names.
    pub session: Option<(String, String)>,
    /// `plenary` or `interim` (once filed).
    pub occasion: Option<String>,
    /// Its number in the session (once accepted).
    pub number: Option<i64>,
    /// Its category.
    pub category_id: Option<i64>,
    /// The category's name.
    pub category: Option<String>,
    /// The text.
    pub text: Text,
    /// State code.
    pub state: String,
    /// The ground it was not accepted on.
    pub ground: Option<String>,
    /// The committee's note with its decision.
    pub decision_note: Option<String>,
    /// The proposal it was merged into.
    pub merged_into: Option<i64>,
    /// Created.
    pub created_at: i64,
    /// Last changed.
    pub updated_at: i64,
    /// Filed.
    pub filed_at: Option<i64>,
    /// Decided by the committee.
    pub decided_at: Option<i64>,
}

// The names of the small lookup tables (session, term, category, ground) are
// scalar subqueries rather than joins: with them as four more joins,
// PostgreSQL spent 2.6 ms planning each list statement (the committee's queue
// ran two: 157 requests a second at 64 connections on a generated city,
// against 1,186 on SQLite), for 0.5 ms of execution.
const COLS: &str = "p.id, p.org_id, o.name AS org_name, o.path, p.proposer_id,
    u.display_name AS proposer_name, p.session_id,
    (SELECT t.name FROM proposal_sessions s JOIN proposal_terms t ON t.id = s.term_id
      WHERE s.id = p.session_id) AS term_name,
    (SELECT s.name FROM proposal_sessions s WHERE s.id = p.session_id) AS session_name,
    p.occasion, p.number, p.category_id,
    (SELECT c.name FROM proposal_options c WHERE c.id = p.category_id) AS category,
    p.title, p.situation, p.analysis, p.suggestions, p.state,
    (SELECT g.name FROM proposal_options g WHERE g.id = p.ground_id) AS ground,
    p.decision_note, p.merged_into, p.created_at, p.updated_at, p.filed_at, p.decided_at";
const FROM: &str = "proposals p JOIN orgs o ON o.id = p.org_id
    JOIN users u ON u.id = p.proposer_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Proposal> {
    let term: Option<String> = col(r, "term_name")?;
    let session: Option<String> = col(r, "session_name")?;
    Ok(Proposal {
        id: col(r, "id")?,
        org_id: col(r, "org_id")?,
        org_name: col(r, "org_name")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
        proposer_id: col(r, "proposer_id")?,
        proposer_name: col(r, "proposer_name")?,
        session_id: col(r, "session_id")?,
        session: term.zip(session),
        occasion: col(r, "occasion")?,
        number: col(r, "number")?,
        category_id: col(r, "category_id")?,
        category: col(r, "category")?,
        text: Text {
            title: col(r, "title")?,
            situation: col(r, "situation")?,
            analysis: col(r, "analysis")?,
            suggestions: col(r, "suggestions")?,
        },
        state: col(r, "state")?,
        ground: col(r, "ground")?,
        decision_note: col(r, "decision_note")?,
        merged_into: col(r, "merged_into")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
        filed_at: col(r, "filed_at")?,
        decided_at: col(r, "decided_at")?,
    })
}

async fn get_unchecked(db: &Db, id: i64) -> Result<Proposal> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&row)
}

/// Whether the user wrote the proposal or is invited to co-sign it.
async fn signs(db: &Db, id: i64, user_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_signers WHERE proposal_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// A proposal the actor may `permission` on: held over its body, or (to read
/// it) as its initiator or an invited co-signer, or as a handler of a unit it
/// is assigned to. Outside all of these: not found.
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Proposal> {
    let p = get_unchecked(db, id).await?;
    if actor.check(permission, &p.path).is_ok() {
        return Ok(p);
    }
    let mut relations = Vec::new();
    if signs(db, id, actor.user_id).await? {
        relations.push(Relation::Proposer);
    }
    if assign::assigned_to_actor(db, actor, id).await? {
        relations.push(Relation::AssignedDepartment);
    }
    actor.check_related(permission, &p.path, &relations)?;
    Ok(p)
}

/// The actor's own proposal (they are its initiator); anyone else who may
/// read it is refused (403), anyone who may not is told it does not exist.
async fn own(db: &Db, actor: &Actor, id: i64) -> Result<Proposal> {
    let p = get(db, actor, Permission::ProposalView, id).await?;
    if p.proposer_id != actor.user_id {
        return Err(Error::Denied(Denied::Forbidden));
    }
    Ok(p)
}

/// The body of the member's proposals: that of the unit of their first
/// member role.
pub async fn body_of_member(db: &Db, actor: &Actor) -> Result<crate::org::Org> {
    let grant = actor
        .grants
        .iter()
        .find(|g| g.role.allows(Permission::ProposalDraft))
        .ok_or(Error::Denied(Denied::Forbidden))?;
    settings::body_of(db, &grant.org_path).await
}

/// A category of the body's list (offered now), or the field's error.
async fn check_category(db: &Db, org_id: i64, category: Option<i64>) -> Result<()> {
    if let Some(c) = category {
        let ok = settings::entry_of(db, c)
            .await
            .is_ok_and(|(o, l, _, hidden)| o == org_id && l == settings::List::Category && !hidden);
        if !ok {
            return Err(Error::field(
                "category",
                "err.proposal.category",
                "choose one of the body's categories",
            ));
        }
    }
    Ok(())
}

/// The first of a text's field errors as the store's error.
fn text_error(e: xieshang_core::concern::FieldErrors) -> Error {
    match e.into_iter().next() {
        Some((field, i)) => Error::invalid(field, i),
        None => Error::NotFound,
    }
}

/// A member starts a draft (kept as typed, within the hard limits): the
/// draft, its initiator's signature, its first timeline event. Returns its
/// serial number.
pub async fn create_draft(
    db: &Db,
    actor: &Actor,
    text: &Text,
    category: Option<i64>,
) -> Result<i64> {
    let (body, text) = draft_checks(db, actor, text, category).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id = create_draft_in(&mut tx, now, actor, body.id, &text, category).await?;
    tx.commit().await?;
    Ok(id)
}

/// What a new draft is checked for before it is written: the member's body,
/// and the text as kept.
pub(crate) async fn draft_checks(
    db: &Db,
    actor: &Actor,
    text: &Text,
    category: Option<i64>,
) -> Result<(crate::org::Org, Text)> {
    actor.require(Permission::ProposalDraft)?;
    let body = body_of_member(db, actor).await?;
    let text = Text::parse_draft(text).map_err(text_error)?;
    check_category(db, body.id, category).await?;
    Ok((body, text))
}

/// Writes a checked draft in the caller's transaction ([`draft_checks`]).
pub(crate) async fn create_draft_in(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    body_id: i64,
    text: &Text,
    category: Option<i64>,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proposals (org_id, proposer_id, category_id, title, situation, analysis,
           suggestions, state, created_at, updated_at, public_timeline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id",
    )
    .bind(body_id)
    .bind(actor.user_id)
    .bind(category)
    .bind(&text.title)
    .bind(&text.situation)
    .bind(&text.analysis)
    .bind(&text.suggestions)
    .bind(PROPOSAL.initial.as_str())
    .bind(now)
    .bind(item::first_trail(&PROPOSAL, now))
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO proposal_signers (proposal_id, user_id, position, answer, invited_at,
           answered_at)
         VALUES ($1, $2, 0, 'initiator', $3, $3)",
    )
    .bind(id)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    item::record_creations(
        tx,
        &PROPOSAL,
        &[Created {
            item_id: id,
            org_id: body_id,
            party: Party::Role(Role::Member),
            actor: Some(actor),
        }],
        now,
    )
    .await?;
    Ok(id)
}

/// Takes the proposal's row for the rest of the transaction (PostgreSQL
/// holds its lock to the commit; SQLite has one writer already), so that two
/// requests on one proposal act one after the other on what the first left.
pub(crate) async fn lock_in(tx: &mut Tx, id: i64) -> Result<()> {
    let n = sqlx::query("UPDATE proposals SET state = state WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

async fn state_in(tx: &mut Tx, id: i64) -> Result<String> {
    Ok(
        sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Refused: the proposal is no longer a draft.
fn not_a_draft() -> Error {
    Error::field(
        "state",
        "err.proposal.not_draft",
        "this proposal has been filed: it can no longer be changed",
    )
}

/// The initiator saves the draft as typed. A changed text asks the
/// co-signers who confirmed to confirm again (they signed the text before).
pub async fn save_draft(
    db: &Db,
    actor: &Actor,
    id: i64,
    text: &Text,
    category: Option<i64>,
) -> Result<()> {
    let p = own(db, actor, id).await?;
    let text = Text::parse_draft(text).map_err(text_error)?;
    check_category(db, p.org_id, category).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    if state_in(&mut tx, id).await? != State::Draft.as_str() {
        return Err(not_a_draft());
    }
    let before = get_text_in(&mut tx, id).await?;
    sqlx::query(
        "UPDATE proposals SET title = $1, situation = $2, analysis = $3, suggestions = $4,
           category_id = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&text.title)
    .bind(&text.situation)
    .bind(&text.analysis)
    .bind(&text.suggestions)
    .bind(category)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if before != text {
        sqlx::query(
            "UPDATE proposal_signers SET answer = 'pending', answered_at = NULL
              WHERE proposal_id = $1 AND answer = 'confirmed'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn get_text_in(tx: &mut Tx, id: i64) -> Result<Text> {
    let r =
        sqlx::query("SELECT title, situation, analysis, suggestions FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(Text {
        title: col(&r, "title")?,
        situation: col(&r, "situation")?,
        analysis: col(&r, "analysis")?,
        suggestions: col(&r, "suggestions")?,
    })
}

/// One who signs a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The account.
    pub user_id: i64,
    /// Their name.
    pub name: String,
    /// 0 for the initiator, then in the order invited.
    pub position: i64,
    /// `initiator`, `pending`, `confirmed` or `declined`.
    pub answer: String,
}

/// Who signs a proposal, the initiator first.
pub async fn signers(db: &Db, id: i64) -> Result<Vec<Signer>> {
    sqlx::query(
        "SELECT s.user_id, u.display_name, s.position, s.answer FROM proposal_signers s
           JOIN users u ON u.id = s.user_id WHERE s.proposal_id = $1 ORDER BY s.position",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Signer {
            user_id: col(r, "user_id")?,
            name: col(r, "display_name")?,
            position: col(r, "position")?,
            answer: col(r, "answer")?,
        })
    })
    .collect()
}

/// The members of a body (who may co-sign its proposals): (user id, name),
/// by login name.
pub async fn members_of_body(db: &Db, org_id: i64) -> Result<Vec<(i64, String)>> {
    let body = crate::org::get_unchecked(db, org_id).await?;
    let (from, to) = crate::db::scope::subtree_range(body.path.as_str());
    sqlx::query(
        "SELECT DISTINCT u.id, u.display_name, u.username FROM grants g
           JOIN orgs o ON o.id = g.org_id JOIN users u ON u.id = g.user_id
          WHERE g.role = $1 AND o.path >= $2 AND o.path < $3 AND u.disabled_at IS NULL
          ORDER BY u.username",
    )
    .bind(Role::Member.code())
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "display_name")?)))
    .collect()
}

/// The initiator invites a member of the same body to co-sign the draft.
pub async fn invite(db: &Db, actor: &Actor, id: i64, user_id: i64) -> Result<()> {
    let p = own(db, actor, id).await?;
    let outside = || {
        Error::field(
            "cosigner",
            "err.proposal.cosigner_outside",
            "a co-signer is a member of the same body: choose one from the list",
        )
    };
    if user_id == actor.user_id {
        return Err(Error::field(
            "cosigner",
            "err.proposal.cosigner_self",
            "you sign as the initiator already: invite another member",
        ));
    }
    let Some((_, name)) = members_of_body(db, p.org_id)
        .await?
        .into_iter()
        .find(|(u, _)| *u == user_id)
    else {
        return Err(outside());
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    if state_in(&mut tx, id).await? != State::Draft.as_str() {
        return Err(not_a_draft());
    }
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_signers WHERE proposal_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if taken > 0 {
        return Err(Error::field(
            "cosigner",
            "err.proposal.cosigner_twice",
            "this member is invited already",
        ));
    }
    sqlx::query(
        "INSERT INTO proposal_signers (proposal_id, user_id, position, answer, invited_at)
         VALUES ($1, $2, (SELECT MAX(position) + 1 FROM proposal_signers WHERE proposal_id = $1),
                 'pending', $3)",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    item::note_by_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        Action::InviteCosigner,
        actor,
        Role::Member,
        &name,
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An invited co-signer confirms or declines, while the proposal is a draft.
pub async fn answer(db: &Db, actor: &Actor, id: i64, confirm: bool) -> Result<()> {
    get(db, actor, Permission::ProposalView, id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    lock_in(&mut tx, id).await?;
    if state_in(&mut tx, id).await? != State::Draft.as_str() {
        return Err(not_a_draft());
    }
    let answer = if confirm { "confirmed" } else { "declined" };
    let n = sqlx::query(
        "UPDATE proposal_signers SET answer = $1, answered_at = $2
          WHERE proposal_id = $3 AND user_id = $4 AND position > 0",
    )
    .bind(answer)
    .bind(now)
    .bind(id)
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::Denied(Denied::Forbidden));
    }
    let action = if confirm {
        Action::Cosign
    } else {
        Action::DeclineCosign
    };
    item::note_by_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        action,
        actor,
        Role::Member,
        &actor.display_name,
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The initiator files the draft: its text complete (a title, the
/// suggestions, within the body's cap), every co-signer answered, a term of
/// the body holding today. It joins the session of [`settings::session_for`],
/// as a plenary or an interim proposal.
pub async fn file(db: &Db, actor: &Actor, id: i64) -> std::result::Result<State, TransitionError> {
    let p = own(db, actor, id).await?;
    let cap = settings::cap(db, p.org_id).await?;
    Text::parse_filed(&p.text, cap).map_err(text_error)?;
    if p.category_id.is_none() {
        return Err(Error::field(
            "category",
            "err.proposal.category",
            "choose one of the body's categories",
        )
        .into());
    }
    let today = xieshang_core::calendar::cst_date(db.now_ms())
        .format("%Y-%m-%d")
        .to_string();
    let Some((session, occasion)) = settings::session_for(db, p.org_id, &today).await? else {
        return Err(Error::field(
            "state",
            "err.proposal.no_session",
            "the body has no term open today: ask its staff to enter the term and its sessions",
        )
        .into());
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    lock_in(&mut tx, id).await?;
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_signers WHERE proposal_id = $1 AND answer = 'pending'",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .map_err(Error::from)?;
    if pending > 0 {
        return Err(Error::field(
            "cosigner",
            "err.proposal.cosigners_pending",
            "some co-signers have not answered yet: wait for them, or file after they do",
        )
        .into());
    }
    // The text filed is the text checked: a save in between would have to
    // take the row first.
    if get_text_in(&mut tx, id).await? != p.text {
        return Err(not_a_draft().into());
    }
    let to = item::transition_in(
        &mut tx,
        now,
        &PROPOSAL,
        id,
        Action::File,
        By::Related(actor, Role::Member),
        None,
        &[],
    )
    .await?;
    sqlx::query("UPDATE proposals SET session_id = $1, occasion = $2, filed_at = $3 WHERE id = $4")
        .bind(session.id)
        .bind(occasion.code())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    tx.commit().await.map_err(Error::from)?;
    Ok(to)
}

/// What waits for a member: the proposals they wrote (drafts first), those
/// they are invited to co-sign and have not answered, those they co-sign.
#[derive(Debug, Clone, Default)]
pub struct Mine {
    /// Written by them, drafts first, then the latest changed.
    pub written: Vec<Proposal>,
    /// Waiting for their signature.
    pub to_sign: Vec<Proposal>,
    /// Co-signed (confirmed).
    pub cosigned: Vec<Proposal>,
}

/// The member's proposals.
pub async fn mine(db: &Db, actor: &Actor) -> Result<Mine> {
    let written = list_where(
        db,
        "p.proposer_id = $1",
        vec![Arg::Int(actor.user_id)],
        "CASE WHEN p.state = 'draft' THEN 0 ELSE 1 END, p.updated_at DESC",
    )
    .await?;
    let signed = |answer: &'static str| {
        list_where(
            db,
            "p.id IN (SELECT proposal_id FROM proposal_signers
                       WHERE user_id = $1 AND position > 0 AND answer = $2)",
            vec![Arg::Int(actor.user_id), Arg::Text(answer.into())],
            "p.updated_at DESC",
        )
    };
    let to_sign = signed("pending")
        .await?
        .into_iter()
        .filter(|p| p.state == State::Draft.as_str())
        .collect();
    Ok(Mine {
        written,
        to_sign,
        cosigned: signed("confirmed").await?,
    })
}

async fn list_where(db: &Db, cond: &str, args: Vec<Arg>, order: &str) -> Result<Vec<Proposal>> {
    crate::db::query_with(
        &format!("SELECT {COLS} FROM {FROM} WHERE {cond} ORDER BY {order} LIMIT 500"),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The proposals in the actor's scope in one of `states`, the earliest
/// filed first (at most 500): one statement for a queue of several states.
pub async fn in_states(
    db: &Db,
    actor: &Actor,
    permission: Permission,
    states: &[State],
) -> Result<Vec<Proposal>> {
    let (cond, mut args) = crate::db::scope::condition(actor, permission, "o.path", 1);
    let first = args.len() + 1;
    args.extend(states.iter().map(|s| Arg::Text(s.as_str().to_owned())));
    list_where(
        db,
        &format!(
            "{cond} AND p.state IN ({})",
            crate::db::placeholders(first, states.len())
        ),
        args,
        "p.filed_at, p.id",
    )
    .await
}

/// The proposals in the actor's scope in `state`, the earliest filed first
/// (at most 500).
pub async fn in_state(
    db: &Db,
    actor: &Actor,
    permission: Permission,
    state: State,
) -> Result<Vec<Proposal>> {
    in_states(db, actor, permission, &[state]).await
}

/// The timeline of a proposal (the engine's).
pub async fn timeline(db: &Db, id: i64) -> Result<Vec<item::Event>> {
    item::timeline(db, &PROPOSAL, id).await
}
