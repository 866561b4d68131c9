//! Figures per session and year, the compilation, and duty record points
//! (issue 29 points 10, 11; decision record 0037).
//!
//! The figures of a body's proposals for a period (one session, or the
//! proposals filed in a calendar year, China time) are counted in SQL, a
//! handful of bounded `GROUP BY` queries whatever the volume: filed,
//! accepted (given a number), key proposals, by category, by lead unit,
//! replies on time, the final replies' classes and the initiators'
//! satisfaction with the latest round. The compilation (提案汇编) reads a
//! session's accepted proposals with their signers and the lead units'
//! replies of the latest round in three queries.

use crate::db::{col, Arg, Db};
use crate::org::Org;
use crate::{Error, Result};
use xieshang_core::{Actor, OrgKind, Permission};

/// The period the figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// The proposals filed in (numbered in) one session of the body.
    Session(i64),
    /// The proposals filed in a calendar year, China time.
    Year(i32),
}

/// Counts under one name (a category, a class, a rating).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// The name or code (empty: none given).
    pub name: String,
    /// How many.
    pub count: i64,
}

/// A category's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryFigures {
    /// The category's name (empty: none).
    pub name: String,
    /// Filed.
    pub filed: i64,
    /// Accepted.
    pub accepted: i64,
}

/// A handling unit's figures: the proposals it leads now, and its replies
/// as lead unit (every round).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFigures {
    /// The unit.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Proposals it leads (its active lead assignments).
    pub led: i64,
    /// Its replies as lead unit.
    pub replies: i64,
    /// Those not later than their deadline.
    pub on_time: i64,
    /// Those of class A (solved or adopted).
    pub adopted: i64,
}

/// A body's figures for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// The body.
    pub body: Org,
    /// The period.
    pub period: Period,
    /// Filed.
    pub filed: i64,
    /// Accepted (立案, numbered).
    pub accepted: i64,
    /// Key proposals (重点提案).
    pub key: i64,
    /// By category, the most filed first.
    pub by_category: Vec<CategoryFigures>,
    /// By lead unit, the most led first.
    pub by_unit: Vec<UnitFigures>,
    /// Replies of the lead units, every round.
    pub replies: i64,
    /// Of those, replied by their deadline (or without one).
    pub replies_on_time: i64,
    /// The final replies' classes (A, B, C, D), in that order.
    pub classes: Vec<Count>,
    /// The initiators' ratings of the latest round: satisfied, basically
    /// satisfied, unsatisfied, in that order.
    pub satisfaction: Vec<Count>,
}

impl Figures {
    /// Accepted ÷ filed, in per cent (None when nothing was filed).
    pub fn acceptance_rate(&self) -> Option<f64> {
        rate(self.accepted, self.filed)
    }

    /// Replies on time ÷ replies, in per cent.
    pub fn on_time_rate(&self) -> Option<f64> {
        rate(self.replies_on_time, self.replies)
    }

    /// (Satisfied + basically satisfied) ÷ rated, in per cent.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        let of = |code: &str| {
            self.satisfaction
                .iter()
                .find(|c| c.name == code)
                .map_or(0, |c| c.count)
        };
        let all: i64 = self.satisfaction.iter().map(|c| c.count).sum();
        rate(of("satisfied") + of("basically_satisfied"), all)
    }
}

/// `part` ÷ `whole` in per cent, one decimal.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The classes shown, in order.
pub const CLASSES: [&str; 4] = ["A", "B", "C", "D"];
/// The ratings, in order.
pub const RATINGS: [&str; 3] = ["satisfied", "basically_satisfied", "unsatisfied"];

/// Unix ms of the start of a year, China time.
fn year_start(year: i32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(0)
}

/// A body the actor may read proposals of: a district or the city.
pub async fn readable_body(db: &Db, actor: &Actor, org_id: i64) -> Result<Org> {
    let org = crate::org::get(db, actor, Permission::ProposalView, org_id).await?;
    if !matches!(org.kind, OrgKind::District | OrgKind::City) {
        return Err(Error::NotFound);
    }
    Ok(org)
}

/// The condition on `p` (proposals) for the period, from `$1` (the body).
async fn period_condition(db: &Db, body: i64, period: Period) -> Result<(String, Vec<Arg>)> {
    match period {
        Period::Session(s) => {
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT org_id FROM proposal_sessions WHERE id = $1")
                    .bind(s)
                    .fetch_optional(db.pool())
                    .await?;
            if owner != Some(body) {
                return Err(Error::field(
                    "session",
                    "err.proposal.figures_session",
                    "choose one of the body's sessions",
                ));
            }
            Ok((
                "p.org_id = $1 AND p.session_id = $2 AND p.filed_at IS NOT NULL".into(),
                vec![Arg::Int(body), Arg::Int(s)],
            ))
        }
        Period::Year(y) => {
            if !(2000..=2100).contains(&y) {
                return Err(Error::field(
                    "year",
                    "err.proposal.figures_year",
                    "a year from 2000 to 2100",
                ));
            }
            Ok((
                "p.org_id = $1 AND p.filed_at >= $2 AND p.filed_at < $3".into(),
                vec![
                    Arg::Int(body),
                    Arg::Int(year_start(y)),
                    Arg::Int(year_start(y + 1)),
                ],
            ))
        }
    }
}

/// Counts of `name` → count in a fixed order; names not in `order` follow.
fn ordered(rows: Vec<Count>, order: &[&str]) -> Vec<Count> {
    let mut out: Vec<Count> = order
        .iter()
        .map(|o| Count {
            name: (*o).to_owned(),
            count: rows.iter().find(|r| r.name == *o).map_or(0, |r| r.count),
        })
        .collect();
    out.extend(
        rows.into_iter()
            .filter(|r| !order.contains(&r.name.as_str())),
    );
    out
}

async fn counts(db: &Db, sql: &str, args: Vec<Arg>) -> Result<Vec<Count>> {
    crate::db::query_with(sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Count {
                name: col::<Option<String>>(r, "name")?.unwrap_or_default(),
                count: col(r, "n")?,
            })
        })
        .collect()
}

/// The body's figures for the period. Whoever may not read the body's
/// proposals is told it does not exist; a session of another body is
/// refused on its field.
pub async fn figures(db: &Db, actor: &Actor, org_id: i64, period: Period) -> Result<Figures> {
    let body = readable_body(db, actor, org_id).await?;
    let (cond, args) = period_condition(db, body.id, period).await?;
    kept()
        .get_or_count(
            (db.instance(), body.id, period),
            count(db, body, period, &cond, args),
        )
        .await
}

/// Figures by (database instance, body, period), kept a minute: the page is
/// read far more often than a session's proposals change, and counting them
/// took ten statements (9–14 ms a request on a generated city, 130 requests a
/// second at 64 connections). Who may read them is checked before the map is
/// looked at, on every request.
fn kept() -> &'static crate::ttl::Kept<(u64, i64, Period), Figures> {
    static KEPT: std::sync::OnceLock<crate::ttl::Kept<(u64, i64, Period), Figures>> =
        std::sync::OnceLock::new();
    KEPT.get_or_init(|| crate::ttl::Kept::new(std::time::Duration::from_secs(60), 10_000))
}

/// Counts the figures (see [`figures`]).
async fn count(db: &Db, body: Org, period: Period, cond: &str, args: Vec<Arg>) -> Result<Figures> {
    let totals = crate::db::query_with(
        &format!(
            "SELECT COUNT(*) AS filed,
                    COALESCE(SUM(CASE WHEN p.number IS NOT NULL THEN 1 ELSE 0 END), 0) AS accepted,
                    COALESCE(SUM(CASE WHEN p.key_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS key_n
               FROM proposals p WHERE {cond}"
        ),
        args.clone(),
    )
    .fetch_one(db.pool())
    .await?;
    let by_category = crate::db::query_with(
        &format!(
            "SELECT c.name AS name, COUNT(*) AS filed,
                    COALESCE(SUM(CASE WHEN p.number IS NOT NULL THEN 1 ELSE 0 END), 0) AS accepted
               FROM proposals p LEFT JOIN proposal_options c ON c.id = p.category_id
              WHERE {cond} GROUP BY c.name ORDER BY COUNT(*) DESC, c.name LIMIT 200"
        ),
        args.clone(),
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(CategoryFigures {
            name: col::<Option<String>>(r, "name")?.unwrap_or_default(),
            filed: col(r, "filed")?,
            accepted: col(r, "accepted")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let led = crate::db::query_with(
        &format!(
            "SELECT d.id AS id, d.name AS name, COUNT(DISTINCT p.id) AS n
               FROM proposals p
               JOIN item_assignments a ON a.kind = 'proposal' AND a.item_id = p.id
                    AND a.lead = 1 AND a.active = 1
               JOIN orgs d ON d.id = a.org_id
              WHERE {cond} GROUP BY d.id, d.name ORDER BY COUNT(DISTINCT p.id) DESC, d.name
              LIMIT 200"
        ),
        args.clone(),
    )
    .fetch_all(db.pool())
    .await?;
    let replied = crate::db::query_with(
        &format!(
            "SELECT d.id AS id, d.name AS name, COUNT(*) AS n,
                    COALESCE(SUM(CASE WHEN r.due_at IS NULL OR r.replied_at <= r.due_at
                                      THEN 1 ELSE 0 END), 0) AS on_time,
                    COALESCE(SUM(CASE WHEN r.class = 'A' THEN 1 ELSE 0 END), 0) AS adopted
               FROM proposals p
               JOIN proposal_replies r ON r.proposal_id = p.id AND r.lead = 1
               JOIN orgs d ON d.id = r.org_id
              WHERE {cond} GROUP BY d.id, d.name LIMIT 200"
        ),
        args.clone(),
    )
    .fetch_all(db.pool())
    .await?;
    let mut by_unit = Vec::new();
    for r in &led {
        by_unit.push(UnitFigures {
            org_id: col(r, "id")?,
            name: col(r, "name")?,
            led: col(r, "n")?,
            replies: 0,
            on_time: 0,
            adopted: 0,
        });
    }
    let (mut replies, mut replies_on_time) = (0, 0);
    for r in &replied {
        let id: i64 = col(r, "id")?;
        let (n, on_time, adopted): (i64, i64, i64) =
            (col(r, "n")?, col(r, "on_time")?, col(r, "adopted")?);
        replies += n;
        replies_on_time += on_time;
        let i = match by_unit.iter().position(|u| u.org_id == id) {
            Some(i) => i,
            None => {
                // A unit that replied and no longer leads (reassigned).
                by_unit.push(UnitFigures {
                    org_id: id,
                    name: col(r, "name")?,
                    led: 0,
                    replies: 0,
                    on_time: 0,
                    adopted: 0,
                });
                by_unit.len() - 1
            }
        };
        by_unit[i].replies = n;
        by_unit[i].on_time = on_time;
        by_unit[i].adopted = adopted;
    }
    let classes = counts(
        db,
        &format!(
            "SELECT p.reply_class AS name, COUNT(*) AS n FROM proposals p
              WHERE {cond} AND p.reply_class IS NOT NULL GROUP BY p.reply_class LIMIT 20"
        ),
        args.clone(),
    )
    .await?;
    let satisfaction = counts(
        db,
        &format!(
            "SELECT e.rating AS name, COUNT(*) AS n FROM proposals p
               JOIN proposal_evaluations e ON e.proposal_id = p.id
                    AND e.user_id = p.proposer_id AND e.round = p.handling_round
              WHERE {cond} GROUP BY e.rating LIMIT 20"
        ),
        args,
    )
    .await?;
    Ok(Figures {
        body,
        period,
        filed: col(&totals, "filed")?,
        accepted: col(&totals, "accepted")?,
        key: col(&totals, "key_n")?,
        by_category,
        by_unit,
        replies,
        replies_on_time,
        classes: ordered(classes, &CLASSES),
        satisfaction: ordered(satisfaction, &RATINGS),
    })
}

// ---------------------------------------------------------------- compilation

/// A lead unit's reply in the compilation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledReply {
    /// The unit's name.
    pub unit: String,
    /// The document number.
    pub doc_number: String,
    /// The class.
    pub class: String,
    /// The text.
    pub body: String,
    /// When.
    pub replied_at: i64,
}

/// One accepted proposal in the compilation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    /// Internal id.
    pub id: i64,
    /// Its number in the session.
    pub number: i64,
    /// The category.
    pub category: Option<String>,
    /// The initiator first, then the co-signers who confirmed.
    pub signers: Vec<String>,
    /// The text.
    pub text: xieshang_core::proposal::Text,
    /// Whether it is a key proposal.
    pub key: bool,
    /// The lead units' replies of the latest round.
    pub replies: Vec<CompiledReply>,
}

/// A session's compilation: its body, its term's and its own names, and its
/// accepted proposals by number with their replies (at most 2,000).
pub async fn compilation(
    db: &Db,
    actor: &Actor,
    org_id: i64,
    session: i64,
) -> Result<(Org, String, Vec<Compiled>)> {
    let body = readable_body(db, actor, org_id).await?;
    period_condition(db, body.id, Period::Session(session)).await?;
    let name: String = sqlx::query_scalar(
        "SELECT t.name || s.name FROM proposal_sessions s JOIN proposal_terms t ON t.id = s.term_id
          WHERE s.id = $1",
    )
    .bind(session)
    .fetch_one(db.pool())
    .await?;
    const ACCEPTED: &str = "p.org_id = $1 AND p.session_id = $2 AND p.number IS NOT NULL";
    let mut out = sqlx::query(&format!(
        "SELECT p.id, p.number, c.name AS category, p.title, p.situation, p.analysis,
                p.suggestions, p.key_at
           FROM proposals p LEFT JOIN proposal_options c ON c.id = p.category_id
          WHERE {ACCEPTED} ORDER BY p.number LIMIT 2000"
    ))
    .bind(body.id)
    .bind(session)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Compiled {
            id: col(r, "id")?,
            number: col(r, "number")?,
            category: col(r, "category")?,
            signers: Vec::new(),
            text: xieshang_core::proposal::Text {
                title: col(r, "title")?,
                situation: col(r, "situation")?,
                analysis: col(r, "analysis")?,
                suggestions: col(r, "suggestions")?,
            },
            key: col::<Option<i64>>(r, "key_at")?.is_some(),
            replies: Vec::new(),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let index = |id: i64, out: &[Compiled]| out.binary_search_by_key(&id, |c| c.id).ok();
    // Signers and replies are joined by id: sort by id, then back by number.
    out.sort_by_key(|c| c.id);
    let signers = sqlx::query(&format!(
        "SELECT g.proposal_id, u.display_name FROM proposals p
           JOIN proposal_signers g ON g.proposal_id = p.id
           JOIN users u ON u.id = g.user_id
          WHERE {ACCEPTED} AND (g.position = 0 OR g.answer = 'confirmed')
          ORDER BY g.proposal_id, g.position LIMIT 40000"
    ))
    .bind(body.id)
    .bind(session)
    .fetch_all(db.pool())
    .await?;
    for r in &signers {
        if let Some(i) = index(col(r, "proposal_id")?, &out) {
            out[i].signers.push(col(r, "display_name")?);
        }
    }
    let replies = sqlx::query(&format!(
        "SELECT r.proposal_id, d.name, r.doc_number, r.class, r.body, r.replied_at
           FROM proposals p
           JOIN proposal_replies r ON r.proposal_id = p.id AND r.lead = 1
                AND r.round = p.handling_round
           JOIN orgs d ON d.id = r.org_id
          WHERE {ACCEPTED} ORDER BY r.proposal_id, r.id LIMIT 10000"
    ))
    .bind(body.id)
    .bind(session)
    .fetch_all(db.pool())
    .await?;
    for r in &replies {
        if let Some(i) = index(col(r, "proposal_id")?, &out) {
            out[i].replies.push(CompiledReply {
                unit: col(r, "name")?,
                doc_number: col(r, "doc_number")?,
                class: col(r, "class")?,
                body: col(r, "body")?,
                replied_at: col(r, "replied_at")?,
            });
        }
    }
    out.sort_by_key(|c| c.number);
    Ok((body, name, out))
}
