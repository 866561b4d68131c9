//! Consultations (协商议事, issue 28): a body calls departments, members,
//! experts and residents together on a topic, often from residents' concerns;
//! the meeting is held in a booked room, its minutes list agreed actions
//! (协商成果), each owned by a unit and tracked to done; then staff close it
//! and choose what happens to the concerns it was called on.
//!
//! Both the consultation and each agreed action are items on the engine
//! ([`CONSULTATION`], [`CONSULTATION_ACTION`], decision record 0029): their
//! timelines, audit rows, assignments and deadline jobs are written by
//! [`crate::item`], as a concern's are.

pub mod action;
pub mod ics;
pub mod material;
pub mod notice;
pub mod rating;
pub mod room;
pub mod rules;

pub use rules::{rules_for, TimeRules};

use crate::audit::{self, Entry};
use crate::db::{col, Arg, Db, Tx};
use crate::item::{self, By, Created, TransitionError};
use crate::seal::Sealer;
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{Action, Party, CONCERN, CONSULTATION};
use xieshang_core::personal::{mask_name, mask_phone, Phone};
use xieshang_core::{Actor, OrgPath, Permission, Relation, Role};

/// The kinds every body has unless it hides one (DOMAIN.md §4); their names
/// are the interface's (`consult.kind.<code>`).
pub const DEFAULT_KINDS: [&str; 6] = [
    "grassroots",
    "thematic",
    "counterpart",
    "sector",
    "proposal_handling",
    "mock",
];

/// One kind a body offers: a default (named by the interface) or its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindOption {
    /// Code: a default's, or `own-N` for a body's own.
    pub code: String,
    /// A body's own kind's name; None for a default.
    pub name: Option<String>,
}

/// The kinds a unit's consultations may be of: the defaults its body has not
/// hidden, then the body's own, from the unit up to the root (a street uses
/// its district's own kinds too).
pub async fn kinds(db: &Db, org_id: i64) -> Result<Vec<KindOption>> {
    let org = crate::org::get_unchecked(db, org_id).await?;
    let ids: Vec<Arg> = org.path.ids().into_iter().map(Arg::Int).collect();
    let list = crate::db::placeholders(1, ids.len());
    let rows = crate::db::query_with(
        &format!(
            "SELECT code, name, hidden FROM consultation_kinds WHERE org_id IN ({list}) ORDER BY id"
        ),
        ids,
    )
    .fetch_all(db.pool())
    .await?;
    let mut hidden = Vec::new();
    let mut own = Vec::new();
    for r in &rows {
        let code: String = col(r, "code")?;
        if col::<i64>(r, "hidden")? == 1 {
            hidden.push(code);
        } else if let Some(name) = col::<Option<String>>(r, "name")? {
            own.push(KindOption {
                code,
                name: Some(name),
            });
        }
    }
    let mut out: Vec<KindOption> = DEFAULT_KINDS
        .iter()
        .filter(|c| !hidden.iter().any(|h| h == *c))
        .map(|c| KindOption {
            code: (*c).to_owned(),
            name: None,
        })
        .collect();
    out.extend(own.into_iter().filter(|k| !hidden.contains(&k.code)));
    Ok(out)
}

/// A body adds a kind of its own (at most 30 characters, unique in the body).
pub async fn add_kind(db: &Db, actor: &Actor, org_id: i64, name: &str) -> Result<KindOption> {
    crate::org::get(db, actor, Permission::ConsultationManage, org_id).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        return Err(Error::field(
            "name",
            "err.kind_name",
            "a kind's name is 1 to 30 characters",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let same: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM consultation_kinds WHERE org_id = $1 AND name = $2 AND hidden = 0",
    )
    .bind(org_id)
    .bind(name)
    .fetch_optional(&mut *tx)
    .await?;
    if same.is_some() {
        return Err(Error::field(
            "name",
            "err.kind_taken",
            "this body already has a kind of that name",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO consultation_kinds (org_id, code, name, created_at)
         VALUES ($1, '', $2, $3) RETURNING id",
    )
    .bind(org_id)
    .bind(name)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let code = format!("own-{id}");
    sqlx::query("UPDATE consultation_kinds SET code = $1 WHERE id = $2")
        .bind(&code)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation_kind.add",
            entity: "consultation_kind",
            entity_id: id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({"code": code, "name": name})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(KindOption {
        code,
        name: Some(name.to_owned()),
    })
}

/// A body stops offering a kind (a default or its own); consultations of it
/// keep it.
pub async fn hide_kind(db: &Db, actor: &Actor, org_id: i64, code: &str) -> Result<()> {
    crate::org::get(db, actor, Permission::ConsultationManage, org_id).await?;
    if !kinds(db, org_id).await?.iter().any(|k| k.code == code) {
        return Err(Error::NotFound);
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let own =
        sqlx::query("UPDATE consultation_kinds SET hidden = 1 WHERE org_id = $1 AND code = $2")
            .bind(org_id)
            .bind(code)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if own == 0 {
        sqlx::query(
            "INSERT INTO consultation_kinds (org_id, code, hidden, created_at) VALUES ($1, $2, 1, $3)",
        )
        .bind(org_id)
        .bind(code)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation_kind.hide",
            entity: "consultation_kind",
            entity_id: code.to_owned(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({"hidden": true})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What is needed to call a consultation.
#[derive(Debug, Clone)]
pub struct NewConsultation<'a> {
    /// The unit it belongs to (street, district, city).
    pub org_id: i64,
    /// Kind code (one of [`kinds`] of the unit).
    pub kind: &'a str,
    /// Topic.
    pub topic: &'a str,
    /// Description.
    pub description: &'a str,
    /// Start and end, unix ms.
    pub starts_at: i64,
    /// End, unix ms.
    pub ends_at: i64,
    /// A room to book, or None with a `place`.
    pub room_id: Option<i64>,
    /// Where, when no room of the body's is booked.
    pub place: Option<&'a str>,
    /// The concerns it is called on.
    pub concerns: &'a [i64],
    /// The planned topic it carries out.
    pub plan_id: Option<i64>,
    /// Staff accept a notice shorter than the rule (kept, with who).
    pub short_notice_ok: bool,
}

/// A consultation as staff and participants read it.
#[derive(Debug, Clone)]
pub struct Consultation {
    /// Id.
    pub id: i64,
    /// Its unit.
    pub org_id: i64,
    /// The unit's name.
    pub org_name: String,
    /// The unit's code (what machine clients know it by).
    pub org_code: String,
    /// The unit's path.
    pub path: OrgPath,
    /// Kind code.
    pub kind: String,
    /// The kind's own name, for a body's own kind.
    pub kind_name: Option<String>,
    /// Topic.
    pub topic: String,
    /// Description.
    pub description: String,
    /// State code.
    pub state: String,
    /// Start, unix ms.
    pub starts_at: i64,
    /// End, unix ms.
    pub ends_at: i64,
    /// The booked room.
    pub room_id: Option<i64>,
    /// Its name.
    pub room_name: Option<String>,
    /// Where, without a room.
    pub place: Option<String>,
    /// Minutes, once held.
    pub minutes: Option<String>,
    /// Whether the outcome is published on the body's public page.
    pub outcome_public: bool,
    /// The rule of time it was scheduled against, if any (kept).
    pub rule_warning: Option<String>,
    /// When called.
    pub created_at: i64,
}

const COLS: &str = "c.id, c.org_id, o.name AS org_name, o.code AS org_code, o.path, c.kind_code, k.name AS kind_name,
    c.topic, c.description, c.state, c.starts_at, c.ends_at, c.room_id, r.name AS room_name,
    c.place, c.minutes, c.outcome_public, c.rule_warning, c.created_at";
const FROM: &str = "consultations c JOIN orgs o ON o.id = c.org_id
    LEFT JOIN rooms r ON r.id = c.room_id
    LEFT JOIN consultation_kinds k ON k.code = c.kind_code AND k.name IS NOT NULL";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Consultation> {
    Ok(Consultation {
        id: col(r, "id")?,
        org_id: col(r, "org_id")?,
        org_name: col(r, "org_name")?,
        org_code: col(r, "org_code")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
        kind: col(r, "kind_code")?,
        kind_name: col(r, "kind_name")?,
        topic: col(r, "topic")?,
        description: col(r, "description")?,
        state: col(r, "state")?,
        starts_at: col(r, "starts_at")?,
        ends_at: col(r, "ends_at")?,
        room_id: col(r, "room_id")?,
        room_name: col(r, "room_name")?,
        place: col(r, "place")?,
        minutes: col(r, "minutes")?,
        outcome_public: col::<i64>(r, "outcome_public")? == 1,
        rule_warning: col(r, "rule_warning")?,
        created_at: col(r, "created_at")?,
    })
}

/// Longest topic, in characters.
pub use crate::item::TOPIC_MAX;
/// Longest description or minutes, in characters.
pub const TEXT_MAX: usize = 5000;
/// Longest meeting, in ms (a day's session).
const LONGEST_MEETING: i64 = 12 * 3_600_000;

/// The subtrees the actor calls consultations over: its reach. People and
/// units invited, rooms booked and owners of actions must lie inside it.
fn reach(actor: &Actor) -> Vec<OrgPath> {
    actor.scopes(Permission::ConsultationManage)
}

fn within(reach: &[OrgPath], path: &OrgPath) -> bool {
    reach.iter().any(|r| path.is_within(r))
}

/// Calls a consultation: checks what was typed (every refusal names its
/// field), books the room, links the concerns (their timelines say so and
/// their tracking pages show the date and topic), in one transaction.
/// Returns its id.
pub async fn convene(
    db: &Db,
    cal: &Calendar,
    actor: &Actor,
    new: &NewConsultation<'_>,
) -> Result<i64> {
    let org = crate::org::get(db, actor, Permission::ConsultationManage, new.org_id).await?;
    let topic = new.topic.trim();
    if topic.is_empty() {
        return Err(Error::field("topic", "err.required", "give the topic"));
    }
    if topic.chars().count() > TOPIC_MAX {
        return Err(Error::field(
            "topic",
            "err.too_long",
            "at most 100 characters",
        ));
    }
    let description = new.description.trim();
    if description.chars().count() > TEXT_MAX {
        return Err(Error::field(
            "description",
            "err.too_long",
            "at most 5,000 characters",
        ));
    }
    if !kinds(db, new.org_id)
        .await?
        .iter()
        .any(|k| k.code == new.kind)
    {
        return Err(Error::field(
            "kind",
            "err.consult_kind",
            "choose one of the body's kinds of consultation",
        ));
    }
    let now = db.now_ms();
    if new.starts_at <= now {
        return Err(Error::field(
            "starts_at",
            "err.meeting_past",
            "the meeting must start in the future",
        ));
    }
    if new.ends_at <= new.starts_at || new.ends_at - new.starts_at > LONGEST_MEETING {
        return Err(Error::field(
            "ends_at",
            "err.meeting_end",
            "the meeting ends after it starts, on the same day (at most 12 hours)",
        ));
    }
    let place = new.place.map(str::trim).filter(|p| !p.is_empty());
    if new.room_id.is_none() && place.is_none() {
        return Err(Error::field(
            "room",
            "err.meeting_place",
            "book a room or say where the meeting is",
        ));
    }
    if place.is_some_and(|p| p.chars().count() > 100) {
        return Err(Error::field(
            "place",
            "err.too_long",
            "at most 100 characters",
        ));
    }
    let room = match new.room_id {
        Some(id) => {
            let room = room::get(db, actor, Permission::ConsultationManage, id).await?;
            Some(room)
        }
        None => None,
    };
    let rules = rules::effective(db, new.org_id, new.kind, org.kind).await?;
    let notice = cal.working_days_between_ms(now, new.starts_at);
    let warning = (notice < rules.notice_days).then(|| {
        format!(
            "notice {notice} working days, rule {} working days",
            rules.notice_days
        )
    });
    if warning.is_some() && !new.short_notice_ok {
        return Err(Error::field(
            "starts_at",
            "err.notice_rule",
            "less notice than the rule asks: choose a later day, or confirm the shorter notice",
        ));
    }
    let mut concerns = new.concerns.to_vec();
    concerns.sort_unstable();
    concerns.dedup();
    if concerns.len() > 50 {
        return Err(Error::field(
            "concerns",
            "err.too_many",
            "at most 50 concerns",
        ));
    }
    for id in &concerns {
        let c = crate::concern::get(db, actor, Permission::ConcernTriage, *id).await?;
        if CONCERN.is_closed_code(&c.state) || c.state == "resolved" {
            return Err(Error::field(
                "concerns",
                "err.concern_closed",
                "a consultation is called on open concerns only",
            ));
        }
    }
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO consultations (org_id, kind_code, topic, description, state, starts_at,
           ends_at, room_id, place, rule_warning, warning_overridden_by, created_by, created_at,
           updated_at, public_timeline, branch_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15)
         RETURNING id",
    )
    .bind(new.org_id)
    .bind(new.kind)
    .bind(topic)
    .bind(description)
    .bind(CONSULTATION.initial.as_str())
    .bind(new.starts_at)
    .bind(new.ends_at)
    .bind(new.room_id)
    .bind(place)
    .bind(warning.as_deref())
    .bind(warning.as_ref().map(|_| actor.user_id))
    .bind(actor.user_id)
    .bind(now)
    .bind(item::first_trail(&CONSULTATION, now))
    .bind(org.path.branch())
    .fetch_one(&mut *tx)
    .await?;
    item::record_creations(
        &mut tx,
        &CONSULTATION,
        &[Created {
            item_id: id,
            org_id: new.org_id,
            party: Party::Role(Role::Staff),
            actor: Some(actor),
        }],
        now,
    )
    .await?;
    crate::item::tell_hooks_in(&mut tx, now, &CONSULTATION, id, "convened").await?;
    if let Some(room) = &room {
        room::book_in(
            &mut tx,
            db,
            room.id,
            id,
            (new.starts_at, new.ends_at),
            Some(actor.user_id),
            now,
        )
        .await?;
    }
    notice::schedule_reminder_in(&mut tx, cal, now, id, new.starts_at).await?;
    let meeting = item::fold_progress(new.starts_at, topic);
    for concern in &concerns {
        let org_id: i64 = sqlx::query_scalar("SELECT org_id FROM concerns WHERE id = $1")
            .bind(concern)
            .fetch_one(&mut *tx)
            .await?;
        item::link_to_in(
            &mut tx,
            now,
            (&CONCERN, *concern),
            "consultation",
            (&CONSULTATION, id),
            org_id,
            Some(actor.user_id),
        )
        .await?;
        item::note_in(
            &mut tx,
            now,
            &CONCERN,
            *concern,
            Action::Convene,
            Some(topic),
        )
        .await?;
        sqlx::query("UPDATE concerns SET public_meetings = public_meetings || $1 WHERE id = $2")
            .bind(&meeting)
            .bind(concern)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(plan) = new.plan_id {
        let done = sqlx::query(
            "UPDATE consultation_plan SET consultation_id = $1
              WHERE id = $2 AND org_id = $3 AND consultation_id IS NULL",
        )
        .bind(id)
        .bind(plan)
        .bind(new.org_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(Error::field(
                "plan",
                "err.plan_taken",
                "that planned topic is not this body's or is already carried out",
            ));
        }
        // A face-to-face consultation on a proposal: linked to it, with its
        // proposer and units invited (decision record 0040).
        crate::proposal::handle::face_to_face_called_in(
            &mut tx,
            now,
            actor,
            plan,
            id,
            new.starts_at,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// How the actor stands to a consultation apart from their roles over its
/// unit: invited by account, or handling for a unit that owns one of its
/// actions or was invited.
pub async fn relations(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Relation>> {
    let invited: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM consultation_participants WHERE consultation_id = $1 AND user_id = $2 LIMIT 1",
    )
    .bind(id)
    .bind(actor.user_id)
    .fetch_optional(db.pool())
    .await?;
    if invited.is_some() {
        return Ok(vec![Relation::Participant]);
    }
    let handled = actor.scopes(Permission::ConcernHandle);
    if handled.is_empty() {
        return Ok(Vec::new());
    }
    let units: Vec<String> = sqlx::query_scalar(
        "SELECT o.path FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
          WHERE a.consultation_id = $1
         UNION SELECT o.path FROM consultation_participants p JOIN orgs o ON o.id = p.org_id
          WHERE p.consultation_id = $1",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let theirs = units
        .iter()
        .filter_map(|p| OrgPath::parse(p))
        .any(|p| within(&handled, &p));
    Ok(if theirs {
        vec![Relation::Participant]
    } else {
        Vec::new()
    })
}

/// A consultation, if the actor may: over its unit, or invited to it.
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Consultation> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let c = from_row(&row)?;
    if actor.check(permission, &c.path).is_ok() {
        return Ok(c);
    }
    let relations = relations(db, actor, id).await?;
    actor.check_related(permission, &c.path, &relations)?;
    Ok(c)
}

/// Which consultations a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this state.
    pub state: Option<String>,
    /// Only those starting at or after (unix ms).
    pub from: Option<i64>,
    /// Skip this many (a page's start).
    pub skip: i64,
    /// At most this many (200 when 0).
    pub limit: i64,
}

/// The consultations within the actor's scope, the latest meeting first (a
/// page of the filter's size).
pub async fn list(db: &Db, actor: &Actor, f: &Filter) -> Result<Vec<Consultation>> {
    let (cond, mut args) =
        crate::db::scope::condition(actor, Permission::ConsultationView, "o.path", 1);
    let mut sql = format!("SELECT {COLS} FROM {FROM} WHERE {cond}");
    if let Some(s) = &f.state {
        args.push(Arg::Text(s.clone()));
        sql.push_str(&format!(" AND c.state = ${}", args.len()));
    }
    if let Some(from) = f.from {
        args.push(Arg::Int(from));
        sql.push_str(&format!(" AND c.starts_at >= ${}", args.len()));
    }
    let limit = if f.limit <= 0 { 200 } else { f.limit.min(1000) };
    sql.push_str(&format!(
        " ORDER BY c.starts_at DESC, c.id DESC LIMIT {limit} OFFSET {}",
        f.skip.clamp(0, 1_000_000)
    ));
    crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The consultations inside a unit's subtree (an API key's unit), in the
/// order they were called, after `after_id` (a cursor), at most `limit`.
pub async fn list_within(
    db: &Db,
    within: &OrgPath,
    state: Option<&str>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Consultation>> {
    let (cond, mut args) =
        crate::db::scope::paths_condition(std::slice::from_ref(within), "o.path", 1);
    args.push(Arg::Int(after_id));
    let mut sql = format!(
        "SELECT {COLS} FROM {FROM} WHERE {cond} AND c.id > ${}",
        args.len()
    );
    if let Some(s) = state {
        args.push(Arg::Text(s.to_owned()));
        sql.push_str(&format!(" AND c.state = ${}", args.len()));
    }
    sql.push_str(&format!(" ORDER BY c.id LIMIT {}", limit.clamp(1, 500)));
    crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// One consultation inside a unit's subtree (an API key's unit); any other is
/// not found.
pub async fn get_within(db: &Db, within: &OrgPath, id: i64) -> Result<Consultation> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let c = from_row(&row)?;
    if !c.path.is_within(within) {
        return Err(Error::NotFound);
    }
    Ok(c)
}

/// What a webhook delivery about a consultation or an agreed action carries:
/// the units it concerns (the consultation's; an action's owner's too) and
/// the item as the JSON API shows it. None when it is gone.
pub(crate) async fn webhook_body_in(
    tx: &mut Tx,
    kind: &str,
    id: i64,
    base_url: &str,
) -> Result<Option<(Vec<OrgPath>, serde_json::Value)>> {
    let base = base_url.trim_end_matches('/');
    let parse = |p: String| OrgPath::parse(&p).ok_or(Error::NotFound);
    if kind == CONSULTATION.kind {
        let Some(r) = sqlx::query(
            "SELECT c.id, c.topic, c.kind_code, c.state, c.starts_at, c.ends_at, o.code, o.path
               FROM consultations c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        else {
            return Ok(None);
        };
        return Ok(Some((
            vec![parse(col(&r, "path")?)?],
            json!({"consultation": {
                "id": id,
                "topic": col::<String>(&r, "topic")?,
                "kind": col::<String>(&r, "kind_code")?,
                "state": col::<String>(&r, "state")?,
                "unit_code": col::<String>(&r, "code")?,
                "starts_at": col::<i64>(&r, "starts_at")?,
                "ends_at": col::<i64>(&r, "ends_at")?,
                "url": format!("{base}/consultations/{id}"),
            }}),
        )));
    }
    // Only an agreed action is read below: another kind's id would name an
    // unrelated action row.
    if kind != xieshang_core::item::CONSULTATION_ACTION.kind {
        return Ok(None);
    }
    let Some(r) = sqlx::query(
        "SELECT a.id, a.consultation_id, a.title, a.state, a.due_at, a.done_at,
                o.code AS owner_code, o.path AS owner_path, co.path AS body_path
           FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
           JOIN consultations c ON c.id = a.consultation_id JOIN orgs co ON co.id = c.org_id
          WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let consultation: i64 = col(&r, "consultation_id")?;
    Ok(Some((
        vec![
            parse(col(&r, "body_path")?)?,
            parse(col(&r, "owner_path")?)?,
        ],
        json!({"agreed_action": {
            "id": id,
            "consultation_id": consultation,
            "title": col::<String>(&r, "title")?,
            "state": col::<String>(&r, "state")?,
            "owner_code": col::<String>(&r, "owner_code")?,
            "due_at": col::<i64>(&r, "due_at")?,
            "done_at": col::<Option<i64>>(&r, "done_at")?,
            "url": format!("{base}/consultations/{consultation}"),
        }}),
    )))
}

/// The coming consultations a person is invited to by account, soonest first.
/// Driven from the person's invitations (by the participants' user index;
/// SQLite keeps a `CROSS JOIN`'s left side outside): ordered by the
/// consultations' start index, SQLite read every consultation of the city to
/// find a member's few (7,696 on a generated city, for the phone home and the
/// meetings page on every request).
pub async fn upcoming_for(db: &Db, user_id: i64, now: i64) -> Result<Vec<Consultation>> {
    sqlx::query(&format!(
        "SELECT {COLS}
           FROM (SELECT DISTINCT consultation_id FROM consultation_participants
                  WHERE user_id = $1) mine
           CROSS JOIN {FROM}
          WHERE c.id = mine.consultation_id AND c.ends_at >= $2 AND c.state <> 'cancelled'
          ORDER BY c.starts_at, c.id LIMIT 100"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The concerns a consultation was called on: (id, title, state).
pub async fn concerns_of(db: &Db, id: i64) -> Result<Vec<(i64, String, String)>> {
    sqlx::query(
        "SELECT c.id, c.title, c.state FROM item_links l JOIN concerns c ON c.id = l.from_id
          WHERE l.to_kind = 'consultation' AND l.to_id = $1 AND l.from_kind = 'concern'
          ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "title")?, col(r, "state")?)))
    .collect()
}

// ------------------------------------------------------------------ participants

/// What part a participant takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantRole {
    /// A committee member (by account).
    Member,
    /// A liaison officer (by account).
    Liaison,
    /// A department (by unit, with its named representative).
    Department,
    /// An expert (no account).
    Expert,
    /// A resident (no account).
    Resident,
}

impl ParticipantRole {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            ParticipantRole::Member => "member",
            ParticipantRole::Liaison => "liaison",
            ParticipantRole::Department => "department",
            ParticipantRole::Expert => "expert",
            ParticipantRole::Resident => "resident",
        }
    }

    /// From a stable code.
    pub fn parse(code: &str) -> Option<ParticipantRole> {
        [
            ParticipantRole::Member,
            ParticipantRole::Liaison,
            ParticipantRole::Department,
            ParticipantRole::Expert,
            ParticipantRole::Resident,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }
}

/// Who is invited.
#[derive(Debug, Clone)]
pub enum Invitee<'a> {
    /// A member or liaison officer by account.
    Person {
        /// Member or liaison.
        role: ParticipantRole,
        /// The account.
        user_id: i64,
    },
    /// A department (or a school, a party organisation) by unit.
    Unit {
        /// The unit.
        org_id: i64,
        /// Whom it sends (required).
        representative: &'a str,
    },
    /// An expert or resident without an account.
    Guest {
        /// Expert or resident.
        role: ParticipantRole,
        /// Name (required).
        name: &'a str,
        /// Phone, optional.
        phone: Option<&'a str>,
    },
}

/// One participant as the consultation's page shows them (names of people
/// without an account masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// Id.
    pub id: i64,
    /// Role code.
    pub role: String,
    /// Account, if any.
    pub user_id: Option<i64>,
    /// Unit, for a department.
    pub org_id: Option<i64>,
    /// Display name: the account's, the unit's, or the masked name.
    pub name: String,
    /// Masked phone of a guest.
    pub contact: Option<String>,
    /// A department's representative.
    pub representative: Option<String>,
    /// `pending`, `attend`, `decline` or `deputy`.
    pub answer: String,
    /// The deputy's name.
    pub deputy: Option<String>,
    /// Marked present (or checked in).
    pub present: bool,
    /// Spoke at the meeting.
    pub spoke: bool,
}

/// The role a person must hold to be invited in a participant role.
fn account_role(role: ParticipantRole) -> Option<Role> {
    match role {
        ParticipantRole::Member => Some(Role::Member),
        ParticipantRole::Liaison => Some(Role::LiaisonOfficer),
        _ => None,
    }
}

/// Invites someone to a consultation not yet held. People by account must
/// hold the role (member, liaison officer) inside the caller's reach, units
/// must lie inside it; nobody is invited twice. People by account get an
/// in-app notification; a department's handlers too.
pub async fn invite(
    db: &Db,
    sealer: Option<&Sealer>,
    actor: &Actor,
    id: i64,
    who: &Invitee<'_>,
) -> Result<()> {
    let c = get(db, actor, Permission::ConsultationManage, id).await?;
    if c.state != "convened" {
        return Err(Error::field(
            "invitee",
            "err.consult_not_open",
            "people are invited before the meeting is held",
        ));
    }
    let reach = reach(actor);
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let mut notify: Vec<i64> = Vec::new();
    match who {
        Invitee::Person { role, user_id } => {
            let Some(needed) = account_role(*role) else {
                return Err(Error::field("role", "err.invitee", "choose who to invite"));
            };
            let paths: Vec<String> = sqlx::query_scalar(
                "SELECT o.path FROM grants g JOIN orgs o ON o.id = g.org_id
                  WHERE g.user_id = $1 AND g.role = $2",
            )
            .bind(user_id)
            .bind(needed.code())
            .fetch_all(&mut *tx)
            .await?;
            let inside = paths
                .iter()
                .filter_map(|p| OrgPath::parse(p))
                .any(|p| within(&reach, &p));
            if !inside {
                return Err(Error::field(
                    "invitee",
                    "err.invitee_reach",
                    "that person does not serve within this body: choose someone who does",
                ));
            }
            refuse_twice(&mut tx, id, "user_id", *user_id).await?;
            sqlx::query(
                "INSERT INTO consultation_participants (consultation_id, role, user_id, created_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(role.code())
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            notify.push(*user_id);
        }
        Invitee::Unit {
            org_id,
            representative,
        } => {
            let org = crate::org::get_unchecked(db, *org_id).await?;
            use xieshang_core::org::OrgKind;
            if !matches!(
                org.kind,
                OrgKind::Department | OrgKind::School | OrgKind::Party
            ) || !within(&reach, &org.path)
            {
                return Err(Error::field(
                    "invitee",
                    "err.invitee_reach",
                    "that unit is not a department within this body's reach",
                ));
            }
            let representative = representative.trim();
            if representative.is_empty() || representative.chars().count() > 60 {
                return Err(Error::field(
                    "representative",
                    "err.representative",
                    "each department names its representative",
                ));
            }
            refuse_twice(&mut tx, id, "org_id", *org_id).await?;
            sqlx::query(
                "INSERT INTO consultation_participants (consultation_id, role, org_id, representative,
                   created_at)
                 VALUES ($1, 'department', $2, $3, $4)",
            )
            .bind(id)
            .bind(org_id)
            .bind(representative)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            notify.extend(
                sqlx::query_scalar::<_, i64>(
                    "SELECT user_id FROM grants WHERE org_id = $1 AND role = 'department_handler'",
                )
                .bind(org_id)
                .fetch_all(&mut *tx)
                .await?,
            );
        }
        Invitee::Guest { role, name, phone } => {
            if !matches!(role, ParticipantRole::Expert | ParticipantRole::Resident) {
                return Err(Error::field("role", "err.invitee", "choose who to invite"));
            }
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 40 {
                return Err(Error::field(
                    "name",
                    "err.required",
                    "give the person's name (at most 40 characters)",
                ));
            }
            let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => Some(Phone::parse(p).map_err(|e| Error::invalid("phone", e))?),
                None => None,
            };
            let seal = |v: &str| sealer.map(|s| s.seal(v));
            sqlx::query(
                "INSERT INTO consultation_participants (consultation_id, role, name_sealed,
                   contact_sealed, name_masked, contact_masked, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(role.code())
            .bind(seal(name))
            .bind(phone.as_ref().and_then(|p| seal(p.as_str())))
            .bind(mask_name(name))
            .bind(phone.as_ref().map(|p| mask_phone(p.as_str())))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    notify_in(&mut tx, now, &notify, "invited", id, &c.topic).await?;
    notice::email_in(&mut tx, now, &notify, "invited", id).await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation.invite",
            entity: "consultation",
            entity_id: id.to_string(),
            org_id: Some(c.org_id),
            before: None,
            after: Some(json!({"invited": match who {
                Invitee::Person { role, user_id } => json!({"role": role.code(), "user_id": user_id}),
                Invitee::Unit { org_id, .. } => json!({"role": "department", "org_id": org_id}),
                Invitee::Guest { role, .. } => json!({"role": role.code()}),
            }})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses a second invitation of the same account or unit (`column` is
/// `user_id` or `org_id`, the handler's own constant).
async fn refuse_twice(tx: &mut Tx, id: i64, column: &str, value: i64) -> Result<()> {
    let twice: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM consultation_participants WHERE consultation_id = $1 AND {column} = $2"
    ))
    .bind(id)
    .bind(value)
    .fetch_optional(&mut **tx)
    .await?;
    match twice {
        Some(_) => Err(Error::field(
            "invitee",
            "err.already_invited",
            "already invited",
        )),
        None => Ok(()),
    }
}

/// In-app notifications about a consultation (`item_kind` `consultation`).
pub(crate) async fn notify_in(
    tx: &mut Tx,
    now: i64,
    users: &[i64],
    kind: &str,
    consultation_id: i64,
    body: &str,
) -> Result<()> {
    crate::item::notify_in(
        tx,
        now,
        users,
        kind,
        CONSULTATION.kind,
        consultation_id,
        body,
    )
    .await
}

/// The participants, by role and then as invited.
pub async fn participants(db: &Db, id: i64) -> Result<Vec<Participant>> {
    sqlx::query(
        "SELECT p.id, p.role, p.user_id, p.org_id, u.display_name, o.name AS org_name,
                p.name_masked, p.contact_masked, p.representative, p.answer, p.deputy, p.present,
                p.spoke
           FROM consultation_participants p
           LEFT JOIN users u ON u.id = p.user_id
           LEFT JOIN orgs o ON o.id = p.org_id
          WHERE p.consultation_id = $1 ORDER BY p.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let name = col::<Option<String>>(r, "display_name")?
            .or(col::<Option<String>>(r, "org_name")?)
            .or(col::<Option<String>>(r, "name_masked")?)
            .unwrap_or_default();
        Ok(Participant {
            id: col(r, "id")?,
            role: col(r, "role")?,
            user_id: col(r, "user_id")?,
            org_id: col(r, "org_id")?,
            name,
            contact: col(r, "contact_masked")?,
            representative: col(r, "representative")?,
            answer: col(r, "answer")?,
            deputy: col(r, "deputy")?,
            present: col::<i64>(r, "present")? == 1,
            spoke: col::<i64>(r, "spoke")? == 1,
        })
    })
    .collect()
}

/// Members paired with the grids of the consultation's concerns (a grid's
/// own, or the grids under a street or community it was filed at), and those
/// who follow them, not invited yet: proposed first. (user id, name).
pub async fn proposed_members(db: &Db, id: i64) -> Result<Vec<(i64, String)>> {
    sqlx::query(
        "SELECT DISTINCT u.id, u.display_name FROM users u
          WHERE (u.id IN (SELECT gp.user_id FROM item_links l
                            JOIN concerns c ON c.id = l.from_id JOIN orgs co ON co.id = c.org_id
                            JOIN orgs g ON substr(g.path, 1, length(co.path)) = co.path
                            JOIN grid_pairs gp ON gp.grid_org_id = g.id
                           WHERE l.to_kind = 'consultation' AND l.to_id = $1
                             AND l.from_kind = 'concern')
              OR u.id IN (SELECT f.user_id FROM item_links l
                            JOIN item_followers f ON f.kind = 'concern' AND f.item_id = l.from_id
                           WHERE l.to_kind = 'consultation' AND l.to_id = $1
                             AND l.from_kind = 'concern'))
            AND u.id NOT IN (SELECT user_id FROM consultation_participants
                              WHERE consultation_id = $1 AND user_id IS NOT NULL)
          ORDER BY u.display_name",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "display_name")?)))
    .collect()
}

/// An invited person answers: `attend`, `decline`, or `deputy` with the
/// deputy's name.
pub async fn answer(
    db: &Db,
    actor: &Actor,
    id: i64,
    answer: &str,
    deputy: Option<&str>,
) -> Result<()> {
    let deputy = deputy.map(str::trim).filter(|d| !d.is_empty());
    match (answer, deputy) {
        ("attend" | "decline", _) => {}
        ("deputy", Some(d)) if d.chars().count() <= 40 => {}
        ("deputy", _) => {
            return Err(Error::field(
                "deputy",
                "err.deputy",
                "name the deputy you send (at most 40 characters)",
            ))
        }
        _ => return Err(Error::field("answer", "err.answer", "choose an answer")),
    }
    let now = db.now_ms();
    let changed = sqlx::query(
        "UPDATE consultation_participants SET answer = $1, deputy = $2, answered_at = $3
          WHERE consultation_id = $4 AND user_id = $5",
    )
    .bind(answer)
    .bind(if answer == "deputy" { deputy } else { None })
    .bind(now)
    .bind(id)
    .bind(actor.user_id)
    .execute(db.pool())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// A participant with an account checks in on the day (from the meeting's
/// QR code): marked present. Only on the meeting's day, from an hour before.
pub async fn check_in(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let c = get(db, actor, Permission::ConsultationView, id).await?;
    let now = db.now_ms();
    if c.state != "convened" || !xieshang_core::calendar::check_in_open(now, c.starts_at, c.ends_at)
    {
        return Err(Error::field(
            "check_in",
            "err.check_in_time",
            "check-in opens an hour before the meeting and closes at its end",
        ));
    }
    let changed = sqlx::query(
        "UPDATE consultation_participants SET present = 1, checked_in_at = $1
          WHERE consultation_id = $2 AND user_id = $3",
    )
    .bind(now)
    .bind(id)
    .bind(actor.user_id)
    .execute(db.pool())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::Denied(xieshang_core::Denied::Forbidden));
    }
    Ok(())
}

// ------------------------------------------------------------------ agenda

/// Adds an item to the agenda (at its end).
pub async fn add_agenda(db: &Db, actor: &Actor, id: i64, title: &str) -> Result<()> {
    let c = get(db, actor, Permission::ConsultationManage, id).await?;
    if c.state != "convened" {
        return Err(Error::field(
            "title",
            "err.consult_not_open",
            "the agenda is set before the meeting is held",
        ));
    }
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(Error::field(
            "title",
            "err.agenda_title",
            "an agenda item is 1 to 200 characters",
        ));
    }
    let mut tx = db.begin_write().await?;
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(position) FROM consultation_agenda WHERE consultation_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO consultation_agenda (consultation_id, position, title) VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(last.unwrap_or(0) + 1)
    .bind(title)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The agenda, in order.
pub async fn agenda(db: &Db, id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT title FROM consultation_agenda WHERE consultation_id = $1 ORDER BY position, id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?)
}

// ------------------------------------------------------------------ the meeting

/// The meeting is held: its minutes are recorded, the participants staff
/// mark (besides those who checked in) are present, and those who spoke are
/// marked so (members' duty records count both). Timeline `hold`.
pub async fn hold(
    db: &Db,
    actor: &Actor,
    id: i64,
    minutes: &str,
    present: &[i64],
    spoke: &[i64],
) -> std::result::Result<(), TransitionError> {
    let c = get(db, actor, Permission::ConsultationManage, id).await?;
    let minutes = minutes.trim();
    if minutes.is_empty() {
        return Err(Error::field("minutes", "err.minutes", "write the minutes").into());
    }
    if minutes.chars().count() > TEXT_MAX {
        return Err(Error::field("minutes", "err.too_long", "at most 5,000 characters").into());
    }
    let now = db.now_ms();
    if now < c.starts_at {
        return Err(Error::field(
            "minutes",
            "err.not_yet_held",
            "the minutes are recorded once the meeting has started",
        )
        .into());
    }
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    item::transition_in(
        &mut tx,
        now,
        &CONSULTATION,
        id,
        Action::Hold,
        By::User(actor),
        None,
        &[],
    )
    .await?;
    crate::item::tell_hooks_in(&mut tx, now, &CONSULTATION, id, "held").await?;
    crate::proposal::handle::face_to_face_held_in(&mut tx, now, actor, id).await?;
    sqlx::query("UPDATE consultations SET minutes = $1, held_at = $2 WHERE id = $3")
        .bind(minutes)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    for p in present {
        sqlx::query(
            "UPDATE consultation_participants SET present = 1 WHERE id = $1 AND consultation_id = $2",
        )
        .bind(p)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    }
    // Who spoke was there.
    for p in spoke {
        sqlx::query(
            "UPDATE consultation_participants SET spoke = 1, present = 1
              WHERE id = $1 AND consultation_id = $2",
        )
        .bind(p)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

/// Calls a consultation off before it is held: its room is free again.
pub async fn cancel(
    db: &Db,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> std::result::Result<(), TransitionError> {
    get(db, actor, Permission::ConsultationManage, id).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Error::field(
            "reason",
            "err.note_required",
            "say why (at most 500 characters)",
        )
        .into());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    item::transition_in(
        &mut tx,
        now,
        &CONSULTATION,
        id,
        Action::Cancel,
        By::User(actor),
        Some(reason),
        &[],
    )
    .await?;
    crate::item::tell_hooks_in(&mut tx, now, &CONSULTATION, id, "cancelled").await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

/// What happens to the linked concerns when a consultation closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcernsAfter {
    /// They are resolved with a result note that names the consultation.
    Resolve,
    /// They stay as they are.
    LeaveOpen,
}

/// Staff close a held consultation once every agreed action is done, publish
/// its outcome on the body's public page if they choose, and resolve its open
/// concerns with a result note naming it (their residents are asked for
/// feedback as after any resolution) or leave them open.
#[expect(
    clippy::too_many_arguments,
    reason = "the choices of the closing form, each once"
)]
pub async fn close(
    db: &Db,
    cal: &Calendar,
    feedback_window_days: u32,
    actor: &Actor,
    id: i64,
    after: ConcernsAfter,
    result_note: &str,
    publish: bool,
) -> std::result::Result<(), TransitionError> {
    let c = get(db, actor, Permission::ConsultationManage, id).await?;
    let note = result_note.trim();
    if after == ConcernsAfter::Resolve && note.is_empty() {
        return Err(Error::field(
            "result_note",
            "err.note_required",
            "write the result the residents will read",
        )
        .into());
    }
    if note.chars().count() > 2000 {
        return Err(Error::field("result_note", "err.too_long", "at most 2000 characters").into());
    }
    let actions = action::of(db, id).await?;
    if actions.is_empty() || actions.iter().any(|a| a.state != "resolved") {
        return Err(Error::field(
            "close",
            "err.actions_open",
            "a consultation closes when it has agreed actions and every one is done",
        )
        .into());
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await.map_err(Error::from)?;
    item::transition_in(
        &mut tx,
        now,
        &CONSULTATION,
        id,
        Action::Close,
        By::User(actor),
        None,
        &[],
    )
    .await?;
    crate::item::tell_hooks_in(&mut tx, now, &CONSULTATION, id, "closed").await?;
    sqlx::query("UPDATE consultations SET closed_at = $1, outcome_public = $2 WHERE id = $3")
        .bind(now)
        .bind(i64::from(publish))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    if after == ConcernsAfter::Resolve {
        let named = format!("【{}】{note}", c.topic);
        for (concern, _, state) in concerns_of(db, id).await? {
            if !matches!(
                state.as_str(),
                "accepted" | "assigned" | "in_progress" | "reopened"
            ) {
                continue;
            }
            item::transition_in(
                &mut tx,
                now,
                &CONCERN,
                concern,
                Action::ConsultationResolve,
                By::User(actor),
                Some(&named),
                &[crate::concern::notify_job(concern, "resolved")],
            )
            .await?;
            sqlx::query("UPDATE concerns SET resolved_at = $1, result_note = $2 WHERE id = $3")
                .bind(now)
                .bind(&named)
                .bind(concern)
                .execute(&mut *tx)
                .await
                .map_err(Error::from)?;
            let round: i64 =
                sqlx::query_scalar("SELECT assignment_round FROM concerns WHERE id = $1")
                    .bind(concern)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(Error::from)?;
            let until = cal.deadline_after(now, feedback_window_days);
            item::deadlines_in(
                &mut tx,
                now,
                &CONCERN,
                concern,
                round,
                &[("feedback_window", until)],
            )
            .await?;
        }
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

// ------------------------------------------------------------------ annual plan

/// A planned topic of a body's annual consultation plan (年度协商计划).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTopic {
    /// Id.
    pub id: i64,
    /// Year.
    pub year: i64,
    /// Quarter, 1 to 4.
    pub quarter: i64,
    /// Topic.
    pub topic: String,
    /// The consultation that carried it out, once called.
    pub consultation_id: Option<i64>,
}

/// Adds a topic to a body's plan for a year's quarter.
pub async fn plan_add(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    year: i64,
    quarter: i64,
    topic: &str,
) -> Result<i64> {
    crate::org::get(db, actor, Permission::ConsultationManage, org_id).await?;
    let topic = topic.trim();
    if topic.is_empty() || topic.chars().count() > TOPIC_MAX {
        return Err(Error::field(
            "topic",
            "err.plan_topic",
            "a planned topic is 1 to 100 characters",
        ));
    }
    if !(1..=4).contains(&quarter) || !(1900..=2200).contains(&year) {
        return Err(Error::field(
            "quarter",
            "err.plan_quarter",
            "choose a quarter of a year",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO consultation_plan (org_id, year, quarter, topic, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(org_id)
    .bind(year)
    .bind(quarter)
    .bind(topic)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation_plan.add",
            entity: "consultation_plan",
            entity_id: id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({"year": year, "quarter": quarter, "topic": topic})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The plans of the bodies within the actor's scope for a year: (unit id,
/// unit name, topic), by unit and quarter.
pub async fn plans(db: &Db, actor: &Actor, year: i64) -> Result<Vec<(i64, String, PlannedTopic)>> {
    let (cond, mut args) =
        crate::db::scope::condition(actor, Permission::ConsultationView, "o.path", 1);
    args.push(Arg::Int(year));
    crate::db::query_with(
        &format!(
            "SELECT p.id, p.org_id, o.name, p.year, p.quarter, p.topic, p.consultation_id
               FROM consultation_plan p JOIN orgs o ON o.id = p.org_id
              WHERE {cond} AND p.year = ${} ORDER BY o.path, p.quarter, p.id LIMIT 500",
            args.len()
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok((
            col(r, "org_id")?,
            col(r, "name")?,
            PlannedTopic {
                id: col(r, "id")?,
                year: col(r, "year")?,
                quarter: col(r, "quarter")?,
                topic: col(r, "topic")?,
                consultation_id: col(r, "consultation_id")?,
            },
        ))
    })
    .collect()
}

/// One planned topic of a body the actor manages: (its body, the topic).
pub async fn planned(db: &Db, actor: &Actor, plan_id: i64) -> Result<(i64, PlannedTopic)> {
    let row = sqlx::query(
        "SELECT id, org_id, year, quarter, topic, consultation_id FROM consultation_plan
          WHERE id = $1",
    )
    .bind(plan_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let org_id: i64 = col(&row, "org_id")?;
    crate::org::get(db, actor, Permission::ConsultationManage, org_id).await?;
    Ok((
        org_id,
        PlannedTopic {
            id: col(&row, "id")?,
            year: col(&row, "year")?,
            quarter: col(&row, "quarter")?,
            topic: col(&row, "topic")?,
            consultation_id: col(&row, "consultation_id")?,
        },
    ))
}

// ------------------------------------------------------------------ public

/// A held consultation as the body's public page shows it: never residents'
/// names.
#[derive(Debug, Clone)]
pub struct PublicConsultation {
    /// Topic.
    pub topic: String,
    /// Kind code and a body's own kind's name.
    pub kind: (String, Option<String>),
    /// When it met.
    pub starts_at: i64,
    /// The body's unit.
    pub org_name: String,
    /// State code (`held` or `closed`).
    pub state: String,
    /// The units that took part.
    pub units: Vec<String>,
    /// Its agreed actions (title, owner, state), when its outcome is published.
    pub actions: Vec<(String, String, String)>,
    /// Its materials published with the outcome: (title, public token).
    pub materials: Vec<(String, String)>,
}

/// The consultations held within a unit's subtree, the latest first (at most
/// 100).
pub async fn public_held(db: &Db, org_id: i64) -> Result<Vec<PublicConsultation>> {
    let org = crate::org::get_unchecked(db, org_id).await?;
    let (cond, args) = crate::db::scope::paths_condition(&[org.path], "o.path", 1);
    let rows = crate::db::query_with(
        &format!(
            "SELECT {COLS} FROM {FROM} WHERE {cond} AND c.state IN ('held', 'closed')
              ORDER BY c.starts_at DESC, c.id DESC LIMIT 100"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?;
    let held: Vec<Consultation> = rows.iter().map(from_row).collect::<Result<_>>()?;
    // Three reads for the whole page, not three a consultation: the units
    // that took part, the published outcomes' actions, the published
    // materials, each keyed by consultation.
    let ids: Vec<i64> = held.iter().map(|c| c.id).collect();
    let public: Vec<i64> = held
        .iter()
        .filter(|c| c.outcome_public)
        .map(|c| c.id)
        .collect();
    let by_consultation = |sql: String, ids: &[i64]| {
        let args: Vec<Arg> = ids.iter().map(|i| Arg::Int(*i)).collect();
        async move {
            if args.is_empty() {
                return Ok(Vec::new());
            }
            crate::db::query_with(&sql, args)
                .fetch_all(db.pool())
                .await
                .map_err(Error::from)
        }
    };
    let list = |n: usize| crate::db::placeholders(1, n);
    let mut units: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for r in by_consultation(
        format!(
            "SELECT p.consultation_id, o.name FROM consultation_participants p
               JOIN orgs o ON o.id = p.org_id
              WHERE p.consultation_id IN ({}) ORDER BY p.consultation_id, p.id",
            list(ids.len())
        ),
        &ids,
    )
    .await?
    {
        units
            .entry(col(&r, "consultation_id")?)
            .or_default()
            .push(col(&r, "name")?);
    }
    let mut actions: std::collections::HashMap<i64, Vec<(String, String, String)>> =
        Default::default();
    for r in by_consultation(
        format!(
            "SELECT a.consultation_id, a.title, o.name AS owner_name, a.state
               FROM consultation_actions a JOIN orgs o ON o.id = a.org_id
              WHERE a.consultation_id IN ({}) ORDER BY a.consultation_id, a.id",
            list(public.len())
        ),
        &public,
    )
    .await?
    {
        actions
            .entry(col(&r, "consultation_id")?)
            .or_default()
            .push((col(&r, "title")?, col(&r, "owner_name")?, col(&r, "state")?));
    }
    let mut materials = material::published_of(db, &ids).await?;
    let mut out = Vec::with_capacity(held.len());
    for c in held {
        out.push(PublicConsultation {
            materials: materials.remove(&c.id).unwrap_or_default(),
            units: units.remove(&c.id).unwrap_or_default(),
            actions: actions.remove(&c.id).unwrap_or_default(),
            topic: c.topic,
            kind: (c.kind, c.kind_name),
            starts_at: c.starts_at,
            org_name: c.org_name,
            state: c.state,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn participant_roles_round_trip() {
        for code in ["member", "liaison", "department", "expert", "resident"] {
            assert_eq!(ParticipantRole::parse(code).map(|r| r.code()), Some(code));
        }
        assert_eq!(ParticipantRole::parse("mayor"), None);
    }
}
