//! Public-opinion reports (社情民意信息, issue 30 points 1–4 and 10): one matter,
//! submitted by a member, a member group or an invited informant, edited by the
//! office (核稿, [`edit`]), decided and forwarded up the levels ([`levels`]);
//! adoptions and leaders' instructions earn points by the body's rule table
//! ([`points`]), read by the duty record from these tables alone.
//!
//! The report is an item on the engine ([`OPINION_REPORT`], decision record
//! 0041): state, timeline, audit and links are written by [`crate::item`].
//! Its unit is the body (the district's CPPCC); submitters, whose roles lie
//! over their streets, read their own reports through
//! [`Relation::Reporter`]. Domain refusals are [`Error::Invalid`] with the
//! field to change.

pub mod api;
pub mod edit;
pub mod levels;
pub mod points;

use crate::db::{col, Db, Tx};
use crate::item::{self, Created};
use crate::org::Org;
use crate::{Error, Result};
use xieshang_core::item::{Party, OPINION_REPORT};
use xieshang_core::report::{Rules, Text};
use xieshang_core::{Actor, Denied, OrgKind, OrgPath, Permission, Relation};

pub use points::{news_for, News};

/// A report as its pages read it.
#[derive(Debug, Clone)]
pub struct Report {
    /// Serial number.
    pub id: i64,
    /// The body.
    pub org_id: i64,
    /// The body's path.
    pub path: OrgPath,
    /// Who submitted it.
    pub submitter_id: i64,
    /// Their name.
    pub submitter_name: String,
    /// The member group it was submitted on behalf of.
    pub group: Option<(i64, String)>,
    /// Where it came from (`reception-N`, `concern-N`, `proposal-N`).
    pub source: Option<String>,
    /// The text as submitted (kept as typed).
    pub submitted: Text,
    /// The office's edited copy, once edited.
    pub edited: Option<Text>,
    /// The number of the latest version.
    pub version: i64,
    /// State code.
    pub state: String,
    /// The office's note with its decision.
    pub decision_note: Option<String>,
    /// The report it was merged into.
    pub merged_into: Option<i64>,
    /// Submitted.
    pub created_at: i64,
    /// Decided.
    pub decided_at: Option<i64>,
}

impl Report {
    /// The text as it stands: the edited copy, or the submitted one.
    pub fn text(&self) -> &Text {
        self.edited.as_ref().unwrap_or(&self.submitted)
    }
}

const COLS: &str = "r.id, r.org_id, o.path, r.submitter_id, u.display_name AS submitter_name,
    r.group_org_id, g.name AS group_name, r.source, r.title, r.matter, r.edited_title,
    r.edited_matter, r.version, r.state, r.decision_note, r.merged_into, r.created_at,
    r.decided_at";
const FROM: &str = "opinion_reports r JOIN orgs o ON o.id = r.org_id
    JOIN users u ON u.id = r.submitter_id LEFT JOIN orgs g ON g.id = r.group_org_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Report> {
    let group_id: Option<i64> = col(r, "group_org_id")?;
    let group_name: Option<String> = col(r, "group_name")?;
    let edited_title: Option<String> = col(r, "edited_title")?;
    let edited_matter: Option<String> = col(r, "edited_matter")?;
    Ok(Report {
        id: col(r, "id")?,
        org_id: col(r, "org_id")?,
        path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
        submitter_id: col(r, "submitter_id")?,
        submitter_name: col(r, "submitter_name")?,
        group: group_id.zip(group_name),
        source: col(r, "source")?,
        submitted: Text {
            title: col(r, "title")?,
            matter: col(r, "matter")?,
        },
        edited: edited_title
            .zip(edited_matter)
            .map(|(title, matter)| Text { title, matter }),
        version: col(r, "version")?,
        state: col(r, "state")?,
        decision_note: col(r, "decision_note")?,
        merged_into: col(r, "merged_into")?,
        created_at: col(r, "created_at")?,
        decided_at: col(r, "decided_at")?,
    })
}

/// Marks a change the engine does not count as one (a new version, a
/// forward, an adoption, an instruction: timeline notes leave `updated_at`
/// alone), so the API's `updated_since` and its newest-first order see it.
pub(crate) async fn touch_in(tx: &mut Tx, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE opinion_reports SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn get_in(tx: &mut Tx, id: i64) -> Result<Report> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&row)
}

/// Whether the user submitted the report or one merged into it.
async fn reports_it(db: &Db, id: i64, user_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM opinion_reports
          WHERE (id = $1 OR merged_into = $1) AND submitter_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// A report the actor may `permission` on: held over its body, or (to read
/// it) as its submitter or the submitter of one merged into it. Outside
/// these: not found.
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Report> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let r = from_row(&row)?;
    if actor.check(permission, &r.path).is_ok() {
        return Ok(r);
    }
    let relations = if reports_it(db, id, actor.user_id).await? {
        vec![Relation::Reporter]
    } else {
        Vec::new()
    };
    actor.check_related(permission, &r.path, &relations)?;
    Ok(r)
}

/// The body over a unit ([`crate::org::body_of`]).
pub use crate::org::body_of;

/// Where a submitter's reports go: the body of their first role that
/// submits reports, and the member group (street liaison group) of that
/// role if it is one.
pub async fn submitter_place(db: &Db, actor: &Actor) -> Result<(Org, Option<Org>)> {
    let grant = actor
        .grants
        .iter()
        .find(|g| g.role.allows(Permission::ReportSubmit))
        .ok_or(Error::Denied(Denied::Forbidden))?;
    let body = body_of(db, &grant.org_path).await?;
    let unit = crate::org::get_unchecked(db, grant.org_id).await?;
    let group =
        (unit.kind == OrgKind::Street && grant.role == xieshang_core::Role::Member).then_some(unit);
    Ok((body, group))
}

/// The body's rule table (the defaults while it keeps none).
pub async fn rules(db: &Db, org_id: i64) -> Result<Rules> {
    let row = sqlx::query(
        "SELECT length_cap, points_own, points_city, points_national,
                points_city_instruction, points_central_instruction
           FROM opinion_report_rules WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else {
        return Ok(Rules::default());
    };
    Ok(Rules {
        cap: usize::try_from(col::<i64>(&r, "length_cap")?).unwrap_or(usize::MAX),
        own: col(&r, "points_own")?,
        city: col(&r, "points_city")?,
        national: col(&r, "points_national")?,
        city_instruction: col(&r, "points_city_instruction")?,
        central_instruction: col(&r, "points_central_instruction")?,
    })
}

/// Staff keep the body's rule table (audited).
pub async fn set_rules(db: &Db, actor: &Actor, org_id: i64, rules: &Rules) -> Result<()> {
    let body = crate::org::get_unchecked(db, org_id).await?;
    actor.check(Permission::ReportEdit, &body.path)?;
    let before = self::rules(db, org_id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM opinion_report_rules WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO opinion_report_rules (org_id, length_cap, points_own, points_city,
           points_national, points_city_instruction, points_central_instruction, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(org_id)
    .bind(rules.cap as i64)
    .bind(rules.own)
    .bind(rules.city)
    .bind(rules.national)
    .bind(rules.city_instruction)
    .bind(rules.central_instruction)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        now,
        crate::audit::Entry {
            actor: Some(actor),
            action: "opinion_report.rules",
            entity: "org",
            entity_id: org_id.to_string(),
            org_id: Some(org_id),
            before: Some(serde_json::json!(format!("{before:?}"))),
            after: Some(serde_json::json!(format!("{rules:?}"))),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The first of a text's field errors as the store's error.
pub(crate) fn first_error(e: xieshang_core::concern::FieldErrors) -> Error {
    match e.into_iter().next() {
        Some((field, i)) => Error::invalid(field, i),
        None => Error::NotFound,
    }
}

/// Where a report to be submitted comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Written from scratch.
    Scratch,
    /// An open `item_links` row to `opinion_report` (a reception or a
    /// concern marked as a report, or a proposal the committee converted),
    /// by the link's id.
    Link(i64),
}

/// A report as submitted.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    /// Title.
    pub title: &'a str,
    /// The matter.
    pub matter: &'a str,
    /// On behalf of the submitter's member group.
    pub for_group: bool,
    /// Where it comes from.
    pub origin: Origin,
}

/// A reception, concern or proposal marked as a report and not yet
/// submitted as one, that the actor may submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLink {
    /// The link's id ([`Origin::Link`]).
    pub id: i64,
    /// `reception`, `concern` or `proposal`.
    pub from_kind: String,
    /// Its words, to start the report from.
    pub title: String,
    /// Its text.
    pub text: String,
}

// The links a submitter may take up: receptions they logged, concerns they
// recorded or marked, proposals they wrote; each still open.
const OPEN_LINKS: &str = "SELECT l.id, l.from_kind, r.matter AS title, r.matter AS text
       FROM item_links l JOIN receptions r ON r.id = l.from_id
      WHERE l.from_kind = 'reception' AND l.to_kind = 'opinion_report'
        AND l.picked_up_at IS NULL AND r.user_id = $1 {AND}
    UNION ALL
     SELECT l.id, l.from_kind, c.title, c.description AS text
       FROM item_links l JOIN concerns c ON c.id = l.from_id
      WHERE l.from_kind = 'concern' AND l.to_kind = 'opinion_report'
        AND l.picked_up_at IS NULL AND (c.recorded_by = $1 OR l.created_by = $1) {AND}
    UNION ALL
     SELECT l.id, l.from_kind, p.title, p.situation AS text
       FROM item_links l JOIN proposals p ON p.id = l.from_id
      WHERE l.from_kind = 'proposal' AND l.to_kind = 'opinion_report'
        AND l.picked_up_at IS NULL AND p.proposer_id = $1 {AND}";

fn link_row(r: &sqlx::any::AnyRow) -> Result<OpenLink> {
    let title: String = col(r, "title")?;
    Ok(OpenLink {
        id: col(r, "id")?,
        from_kind: col(r, "from_kind")?,
        title: title
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .chars()
            .take(xieshang_core::report::TITLE_MAX)
            .collect(),
        text: col(r, "text")?,
    })
}

/// The actor's open links to reports, latest first (one statement).
pub async fn open_links(db: &Db, actor: &Actor) -> Result<Vec<OpenLink>> {
    let sql = format!(
        "{} ORDER BY 1 DESC LIMIT 100",
        OPEN_LINKS.replace("{AND}", "")
    );
    sqlx::query(&sql)
        .bind(actor.user_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(link_row)
        .collect()
}

/// One of the actor's open links, or the field's error.
pub async fn open_link(db: &Db, actor: &Actor, link: i64) -> Result<OpenLink> {
    let sql = OPEN_LINKS.replace("{AND}", "AND l.id = $2");
    let row = sqlx::query(&sql)
        .bind(actor.user_id)
        .bind(link)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(link_gone)?;
    link_row(&row)
}

fn link_gone() -> Error {
    Error::field(
        "link",
        "err.report.link_gone",
        "this item is no longer waiting to become a report: it was submitted already, or it is not yours",
    )
}

/// A member, a member group (through a member) or an informant submits a
/// report: checked against the body's cap; its first version kept; a link
/// it came from is taken up (`to_id`, `picked_up_at`). Returns its number.
pub async fn submit(db: &Db, actor: &Actor, new: &NewReport<'_>) -> Result<i64> {
    actor.require(Permission::ReportSubmit)?;
    let (body, group) = submitter_place(db, actor).await?;
    if new.for_group && group.is_none() {
        return Err(Error::field(
            "for_group",
            "err.report.no_group",
            "you belong to no member group: submit it in your own name",
        ));
    }
    let rules = rules(db, body.id).await?;
    let text = Text::parse(
        &Text {
            title: new.title.to_owned(),
            matter: new.matter.to_owned(),
        },
        rules.cap,
    )
    .map_err(first_error)?;
    let source = match new.origin {
        Origin::Scratch => None,
        Origin::Link(l) => {
            let link = open_link(db, actor, l).await?;
            let from_id: i64 = sqlx::query_scalar("SELECT from_id FROM item_links WHERE id = $1")
                .bind(l)
                .fetch_one(db.pool())
                .await?;
            Some(format!("{}-{from_id}", link.from_kind))
        }
    };
    let group_id = if new.for_group {
        group.map(|g| g.id)
    } else {
        None
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO opinion_reports (org_id, submitter_id, group_org_id, source, title, matter,
           state, created_at, updated_at, public_timeline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id",
    )
    .bind(body.id)
    .bind(actor.user_id)
    .bind(group_id)
    .bind(&source)
    .bind(&text.title)
    .bind(&text.matter)
    .bind(OPINION_REPORT.initial.as_str())
    .bind(now)
    .bind(item::first_trail(&OPINION_REPORT, now))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO opinion_report_versions (report_id, version, title, matter, created_by,
           created_at) VALUES ($1, 1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(&text.title)
    .bind(&text.matter)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if let Origin::Link(l) = new.origin {
        // Taken under the row's own condition: submitted twice at once, the
        // second changes nothing and is refused.
        let taken = item::pick_up_link_in(&mut tx, now, l, id, Some(OPINION_REPORT.kind)).await?;
        if taken == 0 {
            return Err(link_gone());
        }
    }
    let role = actor
        .grants
        .iter()
        .find(|g| g.role.allows(Permission::ReportSubmit))
        .map(|g| g.role)
        .ok_or(Error::Denied(Denied::Forbidden))?;
    item::record_creations(
        &mut tx,
        &OPINION_REPORT,
        &[Created {
            item_id: id,
            org_id: body.id,
            party: Party::Role(role),
            actor: Some(actor),
        }],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One line of a list of reports.
#[derive(Debug, Clone)]
pub struct Row {
    /// Serial number.
    pub id: i64,
    /// Title as it stands.
    pub title: String,
    /// State code.
    pub state: String,
    /// Submitter's name.
    pub submitter: String,
    /// The member group's name, if submitted for one.
    pub group: Option<String>,
    /// Submitted.
    pub created_at: i64,
}

fn list_row(r: &sqlx::any::AnyRow) -> Result<Row> {
    Ok(Row {
        id: col(r, "id")?,
        title: col(r, "title")?,
        state: col(r, "state")?,
        submitter: col(r, "submitter")?,
        group: col(r, "group_name")?,
        created_at: col(r, "created_at")?,
    })
}

/// Rows on one page of a list.
pub const PAGE: i64 = 50;

/// The office's queue: reports of the bodies the actor sees, in `states`
/// (all when empty), the latest first, page `page` (from 0). Two bounded
/// statements: the bodies (cities and districts) in the actor's scope, then
/// for each the latest reports up to the page's end by the body's index,
/// merged. Joined through the units' paths and sorted, the queue read every
/// report of the body with its submitter before cutting to 50 (a generated
/// city's 2,088 a district; p99 399–507 ms at 64 connections).
pub async fn queue(db: &Db, actor: &Actor, states: &[&str], page: i64) -> Result<Vec<Row>> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::ReportView, "o.path", 1);
    let bodies: Vec<i64> = crate::db::query_with(
        &format!(
            "SELECT o.id FROM orgs o WHERE o.kind IN ('city', 'district') AND {cond}
              ORDER BY o.id LIMIT 1000"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok(col::<i64>(r, "id")?))
    .collect::<Result<_>>()?;
    if bodies.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<crate::db::Arg> = states
        .iter()
        .map(|s| crate::db::Arg::Text((*s).to_owned()))
        .collect();
    let state_cond = if states.is_empty() {
        String::new()
    } else {
        let marks: Vec<String> = (1..=states.len()).map(|i| format!("${i}")).collect();
        format!("AND x.state IN ({})", marks.join(", "))
    };
    let offset = page.max(0) * PAGE;
    // Each body's latest reports to the end of the page, by (org_id, state,
    // id) or (org_id, id): a body's share of the page is read, never more.
    let latest: Vec<String> = bodies
        .iter()
        .enumerate()
        .map(|(i, id)| {
            args.push(crate::db::Arg::Int(*id));
            format!(
                "SELECT id FROM (SELECT x.id FROM opinion_reports x
                  WHERE x.org_id = ${} {state_cond} ORDER BY x.id DESC LIMIT {}) b{i}",
                states.len() + 1 + i,
                offset + PAGE
            )
        })
        .collect();
    let sql = format!(
        "SELECT r.id, COALESCE(r.edited_title, r.title) AS title, r.state,
                u.display_name AS submitter, g.name AS group_name, r.created_at
           FROM opinion_reports r JOIN users u ON u.id = r.submitter_id
           LEFT JOIN orgs g ON g.id = r.group_org_id
          WHERE r.id IN ({})
          ORDER BY r.id DESC LIMIT {PAGE} OFFSET {offset}",
        latest.join(" UNION ALL ")
    );
    crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(list_row)
        .collect()
}

/// How many reports of the bodies the actor edits wait for the office
/// (submitted or in editing): the staff's home page counts them.
pub async fn waiting(db: &Db, actor: &Actor) -> Result<i64> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::ReportEdit, "o.path", 1);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM opinion_reports r JOIN orgs o ON o.id = r.org_id
          WHERE {cond} AND r.state IN ('submitted', 'editing')"
    );
    let row = crate::db::query_with(&sql, args)
        .fetch_one(db.pool())
        .await?;
    Ok(col(&row, "n")?)
}

/// The reports the actor submitted, the latest first (one statement).
pub async fn mine(db: &Db, actor: &Actor) -> Result<Vec<Row>> {
    sqlx::query(&format!(
        "SELECT r.id, COALESCE(r.edited_title, r.title) AS title, r.state,
                u.display_name AS submitter, g.name AS group_name, r.created_at
           FROM opinion_reports r JOIN users u ON u.id = r.submitter_id
           LEFT JOIN orgs g ON g.id = r.group_org_id
          WHERE r.submitter_id = $1 ORDER BY r.id DESC LIMIT {PAGE}"
    ))
    .bind(actor.user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(list_row)
    .collect()
}

/// The report's timeline (the engine's), for its page.
pub async fn timeline(db: &Db, id: i64) -> Result<Vec<item::Event>> {
    item::timeline(db, &OPINION_REPORT, id).await
}
