//! Proposal leads (提案线索, issue 29 point 3), similar proposals while
//! drafting (point 2) and what a draft is filed in the name of.
//!
//! A lead comes three ways: a resident sends one through the public form (no
//! account; a contact, if given, is sealed and only shown to no one but
//! those who may reveal personal data, like a concern's reporter); a member
//! marks a reception as one; staff mark a concern as one (the last two are
//! the engine's typed links, `to_kind` `proposal_lead`, waiting to be picked
//! up). A member of the body sees every open lead of the body in one list and
//! adopts one into a draft: the draft starts from the lead's words, the lead
//! is linked to it (and closed for the others) in the same transaction, and
//! its source is told (the resident on the lead's status page, the member who
//! logged the reception or the concern's followers by a notification).

use crate::db::{col, Arg, Db, Tx};
use crate::seal::Sealer;
use crate::{Error, Result};
use xieshang_core::proposal::Text;
use xieshang_core::values::{check_text, Lines};
use xieshang_core::{Actor, Permission};

/// Longest title of a lead, in characters.
pub const LEAD_TITLE_MAX: usize = 100;
/// Longest text of a lead, in characters.
pub const LEAD_TEXT_MAX: usize = 2_000;
/// Longest contact, in characters.
pub const CONTACT_MAX: usize = 100;
/// At most this many open leads of each source are listed (newest first).
pub const LIST_MAX: i64 = 200;

/// Where a lead comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Sent by a resident through the public form (`proposal_leads`).
    Resident(i64),
    /// A member's reception marked as a lead (the link's id).
    Reception(i64),
    /// A concern marked as a lead (the link's id).
    Concern(i64),
}

impl Source {
    /// `resident-3`, `reception-7`, `concern-9`: what a form posts.
    pub fn code(self) -> String {
        match self {
            Source::Resident(id) => format!("resident-{id}"),
            Source::Reception(id) => format!("reception-{id}"),
            Source::Concern(id) => format!("concern-{id}"),
        }
    }

    /// The source of a posted code.
    pub fn parse(code: &str) -> Option<Source> {
        let (kind, id) = code.split_once('-')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "resident" => Some(Source::Resident(id)),
            "reception" => Some(Source::Reception(id)),
            "concern" => Some(Source::Concern(id)),
            _ => None,
        }
    }

    /// The message key naming the kind of source.
    pub fn label(self) -> &'static str {
        match self {
            Source::Resident(_) => "lead.from_resident",
            Source::Reception(_) => "lead.from_reception",
            Source::Concern(_) => "lead.from_concern",
        }
    }
}

/// An open lead, as the members' list shows it.
#[derive(Debug, Clone)]
pub struct Lead {
    /// Where it comes from.
    pub source: Source,
    /// Its title (a reception's: the first line of its matter).
    pub title: String,
    /// Its words.
    pub text: String,
    /// The unit it was raised in (the studio's, the concern's area), or the body.
    pub unit: String,
    /// When it was raised or marked.
    pub at: i64,
}

/// What a resident sends.
#[derive(Debug, Clone, Default)]
pub struct NewLead<'a> {
    /// The body (a district's or the city's CPPCC).
    pub body: Option<i64>,
    /// A title.
    pub title: &'a str,
    /// The problem and the suggestion.
    pub text: &'a str,
    /// How to reach the sender (name and phone), optional.
    pub contact: &'a str,
}

/// The bodies that take proposal leads: those with a proposal term, by path.
pub async fn bodies(db: &Db) -> Result<Vec<(i64, String)>> {
    sqlx::query(
        "SELECT o.id, o.name FROM orgs o
          WHERE o.archived_at IS NULL
            AND EXISTS (SELECT 1 FROM proposal_terms t WHERE t.org_id = o.id)
          ORDER BY o.path",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
    .collect()
}

fn bounded(raw: &str, lines: Lines, max: usize) -> bool {
    let t = raw.trim();
    !t.is_empty() && t.chars().count() <= max && check_text(t, lines).is_ok()
}

/// Every field's error of a resident's lead (field, message key, English).
pub async fn check(
    db: &Db,
    sealer: Option<&Sealer>,
    lead: &NewLead<'_>,
) -> Result<Vec<(&'static str, &'static str, &'static str)>> {
    let mut errors = Vec::new();
    let known = bodies(db).await?;
    if !lead
        .body
        .is_some_and(|b| known.iter().any(|(id, _)| *id == b))
    {
        errors.push(("body", "err.lead.body", "choose the CPPCC the lead is for"));
    }
    if !bounded(lead.title, Lines::One, LEAD_TITLE_MAX) {
        errors.push((
            "title",
            "err.lead.title",
            "write a title of 1 to 100 characters, on one line",
        ));
    }
    if !bounded(lead.text, Lines::Many, LEAD_TEXT_MAX) {
        errors.push((
            "text",
            "err.lead.text",
            "write the problem and your suggestion, in 1 to 2,000 characters",
        ));
    }
    let contact = lead.contact.trim();
    if !contact.is_empty() {
        if !bounded(contact, Lines::One, CONTACT_MAX) {
            errors.push((
                "contact",
                "err.lead.contact",
                "a contact has at most 100 characters, on one line",
            ));
        } else if sealer.is_none() {
            errors.push((
                "contact",
                "err.lead.no_key",
                "this server has no personal-data key, so a contact cannot be kept: leave it empty",
            ));
        }
    }
    Ok(errors)
}

/// Records a resident's lead (checked with [`check`] first: anything it
/// refuses is refused here with its first error). Returns the code the sender
/// follows it with.
pub async fn send(db: &Db, sealer: Option<&Sealer>, lead: &NewLead<'_>) -> Result<String> {
    if let Some((field, key, message)) = check(db, sealer, lead).await?.into_iter().next() {
        return Err(Error::field(field, key, message));
    }
    let contact = lead.contact.trim();
    let sealed = match (contact.is_empty(), sealer) {
        (false, Some(s)) => Some(s.seal(contact)),
        _ => None,
    };
    let code = crate::concern::new_tracking_code();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO proposal_leads (org_id, code, title, body, contact_sealed, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(lead.body)
    .bind(&code)
    .bind(lead.title.trim())
    .bind(lead.text.trim())
    .bind(sealed)
    .bind(db.now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// What the sender of a lead sees by its code.
#[derive(Debug, Clone)]
pub struct Status {
    /// The lead's title.
    pub title: String,
    /// The body it was sent to.
    pub body: String,
    /// Sent at.
    pub sent_at: i64,
    /// Adopted into a proposal: when, the proposal's title and state.
    pub adopted: Option<(i64, String, String)>,
}

/// The status of a resident's lead by its code (an unknown code: not found).
pub async fn status(db: &Db, code: &str) -> Result<Status> {
    let r = sqlx::query(
        "SELECT l.title, o.name, l.created_at, l.adopted_at, p.title AS p_title, p.state
           FROM proposal_leads l JOIN orgs o ON o.id = l.org_id
           LEFT JOIN proposals p ON p.id = l.proposal_id
          WHERE l.code = $1",
    )
    .bind(code.trim().to_uppercase())
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let adopted_at: Option<i64> = col(&r, "adopted_at")?;
    Ok(Status {
        title: col(&r, "title")?,
        body: col(&r, "name")?,
        sent_at: col(&r, "created_at")?,
        adopted: match adopted_at {
            Some(at) => Some((at, col(&r, "p_title")?, col(&r, "state")?)),
            None => None,
        },
    })
}

/// The open leads of the member's body (not adopted yet): residents' leads
/// sent to it, and receptions and concerns inside it marked as leads; each
/// source newest first, at most [`LIST_MAX`] of each.
pub async fn open_for(db: &Db, actor: &Actor) -> Result<Vec<Lead>> {
    let body = super::body_of_member(db, actor).await?;
    let mut out = Vec::new();
    for r in sqlx::query(&format!(
        "SELECT id, title, body, created_at FROM proposal_leads
          WHERE org_id = $1 AND proposal_id IS NULL ORDER BY id DESC LIMIT {LIST_MAX}"
    ))
    .bind(body.id)
    .fetch_all(db.pool())
    .await?
    {
        out.push(Lead {
            source: Source::Resident(col(&r, "id")?),
            title: col(&r, "title")?,
            text: col(&r, "body")?,
            unit: body.name.clone(),
            at: col(&r, "created_at")?,
        });
    }
    let (from, to) = crate::db::scope::subtree_range(body.path.as_str());
    for r in sqlx::query(&format!(
        "SELECT l.id, l.created_at, o.name AS unit, r.matter
           FROM item_links l JOIN orgs o ON o.id = l.org_id
           JOIN receptions r ON r.id = l.from_id
          WHERE l.from_kind = 'reception' AND l.to_kind = 'proposal_lead'
            AND l.picked_up_at IS NULL AND o.path >= $1 AND o.path < $2
          ORDER BY l.id DESC LIMIT {LIST_MAX}"
    ))
    .bind(&from)
    .bind(&to)
    .fetch_all(db.pool())
    .await?
    {
        let matter: String = col(&r, "matter")?;
        out.push(Lead {
            source: Source::Reception(col(&r, "id")?),
            title: first_line(&matter),
            text: matter,
            unit: col(&r, "unit")?,
            at: col(&r, "created_at")?,
        });
    }
    for r in sqlx::query(&format!(
        "SELECT l.id, l.created_at, o.name AS unit, c.title, c.description
           FROM item_links l JOIN concerns c ON c.id = l.from_id
           JOIN orgs o ON o.id = c.org_id
          WHERE l.from_kind = 'concern' AND l.to_kind = 'proposal_lead'
            AND l.picked_up_at IS NULL AND o.path >= $1 AND o.path < $2
          ORDER BY l.id DESC LIMIT {LIST_MAX}"
    ))
    .bind(&from)
    .bind(&to)
    .fetch_all(db.pool())
    .await?
    {
        out.push(Lead {
            source: Source::Concern(col(&r, "id")?),
            title: col(&r, "title")?,
            text: col(&r, "description")?,
            unit: col(&r, "unit")?,
            at: col(&r, "created_at")?,
        });
    }
    out.sort_by_key(|l| std::cmp::Reverse(l.at));
    Ok(out)
}

/// The first line of a text, at most [`LEAD_TITLE_MAX`] characters.
fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .chars()
        .take(LEAD_TITLE_MAX)
        .collect()
}

/// A lead's words and the unit it belongs to, and who is told when it is
/// adopted; `None` when it is not an open lead inside `body`.
async fn open_lead_in(
    tx: &mut Tx,
    body: &crate::org::Org,
    source: Source,
) -> Result<Option<(String, String, Vec<i64>)>> {
    let (from, to) = crate::db::scope::subtree_range(body.path.as_str());
    let row = match source {
        Source::Resident(id) => {
            sqlx::query(
                "SELECT title, body AS text, NULL AS told FROM proposal_leads
              WHERE id = $1 AND org_id = $2 AND proposal_id IS NULL",
            )
            .bind(id)
            .bind(body.id)
            .fetch_optional(&mut **tx)
            .await?
        }
        Source::Reception(id) => {
            sqlx::query(
                "SELECT r.matter AS title, r.matter AS text, r.user_id AS told
               FROM item_links l JOIN orgs o ON o.id = l.org_id
               JOIN receptions r ON r.id = l.from_id
              WHERE l.id = $1 AND l.from_kind = 'reception' AND l.to_kind = 'proposal_lead'
                AND l.picked_up_at IS NULL AND o.path >= $2 AND o.path < $3",
            )
            .bind(id)
            .bind(&from)
            .bind(&to)
            .fetch_optional(&mut **tx)
            .await?
        }
        Source::Concern(id) => {
            sqlx::query(
                "SELECT c.title, c.description AS text, l.created_by AS told
               FROM item_links l JOIN concerns c ON c.id = l.from_id
               JOIN orgs o ON o.id = c.org_id
              WHERE l.id = $1 AND l.from_kind = 'concern' AND l.to_kind = 'proposal_lead'
                AND l.picked_up_at IS NULL AND o.path >= $2 AND o.path < $3",
            )
            .bind(id)
            .bind(&from)
            .bind(&to)
            .fetch_optional(&mut **tx)
            .await?
        }
    };
    let Some(r) = row else {
        return Ok(None);
    };
    let title: String = col(&r, "title")?;
    let told: Option<i64> = col(&r, "told")?;
    Ok(Some((
        first_line(&title),
        col(&r, "text")?,
        told.into_iter().collect(),
    )))
}

/// A member adopts an open lead of their body into a new draft: the draft's
/// title and situation start from the lead's words; the lead is linked to the
/// draft and leaves the open list; the source is told. Returns the draft's
/// serial number. A lead another member adopted first (or one outside the
/// body) is refused with the field `lead`.
pub async fn adopt(db: &Db, actor: &Actor, source: Source) -> Result<i64> {
    let (body, _) = super::draft_checks(db, actor, &Text::default(), None).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let Some((title, words, told)) = open_lead_in(&mut tx, &body, source).await? else {
        return Err(gone());
    };
    let text = Text::parse_draft(&Text {
        title: title
            .chars()
            .take(xieshang_core::proposal::TITLE_MAX)
            .collect(),
        situation: words,
        ..Text::default()
    })
    .map_err(super::text_error)?;
    let id = super::create_draft_in(&mut tx, now, actor, body.id, &text, None).await?;
    // Taken under the row's own condition: of two members adopting the same
    // lead at once, the second changes nothing and is refused.
    let taken = match source {
        Source::Resident(lead) => sqlx::query(
            "UPDATE proposal_leads SET proposal_id = $1, adopted_at = $2
              WHERE id = $3 AND proposal_id IS NULL",
        )
        .bind(id)
        .bind(now)
        .bind(lead)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        Source::Reception(link) | Source::Concern(link) => {
            crate::item::pick_up_link_in(&mut tx, now, link, id, None).await?
        }
    };
    if taken == 0 {
        return Err(gone());
    }
    sqlx::query("UPDATE proposals SET lead_source = $1 WHERE id = $2")
        .bind(source.code())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let told: Vec<i64> = told.into_iter().filter(|u| *u != actor.user_id).collect();
    crate::item::notify_in(
        &mut tx,
        now,
        &told,
        "lead_adopted",
        xieshang_core::item::PROPOSAL.kind,
        id,
        &text.title,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn gone() -> Error {
    Error::field(
        "lead",
        "err.lead.gone",
        "this lead is no longer open: another member adopted it, or it is not of your body",
    )
}

/// The lead a proposal was adopted from, as its page names it: the kind of
/// source and its title.
pub async fn source_of(db: &Db, proposal_id: i64) -> Result<Option<(Source, String)>> {
    let code: Option<String> =
        sqlx::query_scalar("SELECT lead_source FROM proposals WHERE id = $1")
            .bind(proposal_id)
            .fetch_optional(db.pool())
            .await?
            .flatten();
    let Some(source) = code.as_deref().and_then(Source::parse) else {
        return Ok(None);
    };
    let title: Option<String> = match source {
        Source::Resident(id) => {
            sqlx::query_scalar("SELECT title FROM proposal_leads WHERE id = $1")
                .bind(id)
                .fetch_optional(db.pool())
                .await?
        }
        Source::Reception(link) => sqlx::query_scalar(
            "SELECT r.matter FROM item_links l JOIN receptions r ON r.id = l.from_id
              WHERE l.id = $1",
        )
        .bind(link)
        .fetch_optional(db.pool())
        .await?
        .map(|m: String| first_line(&m)),
        Source::Concern(link) => {
            sqlx::query_scalar(
                "SELECT c.title FROM item_links l JOIN concerns c ON c.id = l.from_id
              WHERE l.id = $1",
            )
            .bind(link)
            .fetch_optional(db.pool())
            .await?
        }
    };
    Ok(title.map(|t| (source, t)))
}

/// A past proposal like the one being written, with its answer if any.
#[derive(Debug, Clone)]
pub struct SimilarProposal {
    /// Serial number.
    pub id: i64,
    /// Title.
    pub title: String,
    /// State code.
    pub state: String,
    /// The class of its final reply, once replied.
    pub reply_class: Option<String>,
    /// The start of the reply's text (the lead unit's, latest round).
    pub reply: Option<String>,
    /// Similarity, 0–1.
    pub score: f32,
}

/// At most this many past proposals of the body are compared (the latest).
const SIMILAR_CANDIDATES: i64 = 1_000;
/// A past proposal is shown from this similarity up.
const SIMILAR_THRESHOLD: f32 = 0.2;

/// Accepted proposals of the body (other than `exclude`) that their proposers
/// made public (or the actor's own), whose text is alike
/// to `text`, most alike first, with the start of their replies; and open
/// concerns inside the body alike to it. Both bounded: the latest
/// [`SIMILAR_CANDIDATES`] proposals, and the concern search's own bound.
pub async fn similar(
    db: &Db,
    actor: &Actor,
    body: &crate::org::Org,
    text: &Text,
    exclude: i64,
    limit: usize,
) -> Result<(Vec<SimilarProposal>, Vec<crate::search::Similar>)> {
    actor.require(Permission::ProposalDraft)?;
    let words = format!("{} {} {}", text.title, text.situation, text.suggestions);
    let probe = xieshang_text::Profile::new(&words);
    if probe.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let rows = sqlx::query(&format!(
        "SELECT p.id, p.title, p.situation, p.suggestions, p.state, p.reply_class
           FROM proposals p
          WHERE p.org_id = $1 AND p.id <> $2 AND p.number IS NOT NULL
            AND (p.disclosure = 'public' OR p.proposer_id = $3)
          ORDER BY p.id DESC LIMIT {SIMILAR_CANDIDATES}"
    ))
    .bind(body.id)
    .bind(exclude)
    .bind(actor.user_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let title: String = col(r, "title")?;
        let other = crate::search::profile_of(&format!(
            "{title} {} {}",
            col::<String>(r, "situation")?,
            col::<String>(r, "suggestions")?
        ));
        let score = xieshang_text::similarity(&probe, &other);
        if score >= SIMILAR_THRESHOLD {
            out.push(SimilarProposal {
                id: col(r, "id")?,
                title,
                state: col(r, "state")?,
                reply_class: col(r, "reply_class")?,
                reply: None,
                score,
            });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
    out.truncate(limit);
    if !out.is_empty() {
        let ids: Vec<i64> = out.iter().map(|s| s.id).collect();
        let list = crate::db::placeholders(1, ids.len());
        let replies = crate::db::query_with(
            &format!(
                "SELECT r.proposal_id, r.body FROM proposal_replies r
                  WHERE r.proposal_id IN ({list}) AND r.lead = 1
                  ORDER BY r.round DESC, r.id DESC"
            ),
            ids.into_iter().map(Arg::Int).collect(),
        )
        .fetch_all(db.pool())
        .await?;
        for s in &mut out {
            if let Some(r) = replies
                .iter()
                .find(|r| col::<i64>(r, "proposal_id").ok() == Some(s.id))
            {
                s.reply = Some(col::<String>(r, "body")?.chars().take(200).collect());
            }
        }
    }
    let concerns = crate::search::similar(db, body.id, &words, None, limit).await?;
    Ok((out, concerns))
}

/// In whose name a proposal is filed (DOMAIN.md §5): the initiator's own, or
/// a collective's, the initiator filing as its convenor.
pub const FILED_FOR: [&str; 7] = [
    "member",
    "member_group",
    "sector",
    "party",
    "organisation",
    "committee",
    "street_group",
];

/// Longest name of a collective, in characters.
pub const FILED_FOR_NAME_MAX: usize = 50;

/// The initiator sets, on their draft, in whose name it is filed: `member`
/// (their own; no name), or a collective of [`FILED_FOR`] with its name.
pub async fn set_filed_for(db: &Db, actor: &Actor, id: i64, kind: &str, name: &str) -> Result<()> {
    let p = super::own(db, actor, id).await?;
    if !FILED_FOR.contains(&kind) {
        return Err(Error::field(
            "filed_for",
            "err.proposal.filed_for",
            "choose in whose name the proposal is filed",
        ));
    }
    let name = name.trim();
    let name = if kind == "member" {
        None
    } else if bounded(name, Lines::One, FILED_FOR_NAME_MAX) {
        Some(name)
    } else {
        return Err(Error::field(
            "filed_for_name",
            "err.proposal.filed_for_name",
            "name the group, sector, party, organisation or committee, in 1 to 50 characters",
        ));
    };
    let mut tx = db.begin_write().await?;
    super::lock_in(&mut tx, id).await?;
    let state: String = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
        .bind(p.id)
        .fetch_one(&mut *tx)
        .await?;
    if state != xieshang_core::item::State::Draft.as_str() {
        return Err(super::not_a_draft());
    }
    sqlx::query(
        "UPDATE proposals SET filed_for = $1, filed_for_name = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(if kind == "member" { None } else { Some(kind) })
    .bind(name)
    .bind(db.now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// In whose name a proposal is filed: (kind, name), or `None` for the
/// initiator's own.
pub async fn filed_for(db: &Db, id: i64) -> Result<Option<(String, String)>> {
    let row = sqlx::query("SELECT filed_for, filed_for_name FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let kind: Option<String> = col(&row, "filed_for")?;
    let name: Option<String> = col(&row, "filed_for_name")?;
    Ok(kind.zip(name))
}
