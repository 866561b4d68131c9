//! The member's phone home (履职通, issue 30 point 6): what waits for one
//! member today and this week, read in a few small statements (each section a
//! count and its nearest few items), run side by side. It reads the other
//! features' tables through their own functions where those exist; the
//! sections no feature answered yet (co-sign invitations, receptions to follow
//! up, followed concerns with their titles) are one statement each here. It
//! writes nothing.

use crate::db::{col, Db};
use crate::{consult, duty, proposal, report, study, Result};
use xieshang_core::calendar::cst_date;

/// How many items a section shows (its count says how many there are).
pub const NEAREST: usize = 3;

/// The days a "this week" section looks ahead: today and the next six.
pub const WEEK_DAYS: i64 = 7;

/// One thing waiting, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The record (shift, consultation, proposal, reception, concern, report,
    /// material).
    pub id: i64,
    /// What it is called (a studio's name, a topic, a title, a matter).
    pub title: String,
    /// When it is due or happened: unix ms, or a day as YYYY-MM-DD for shifts.
    pub when: When,
    /// A short word on its state: a catalog key or a tracking code, per
    /// section (see [`Today`]).
    pub note: String,
}

/// When an item is due or happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// A calendar day (China time), YYYY-MM-DD.
    Day(String),
    /// A moment, unix ms.
    At(i64),
    /// No date that matters.
    None,
}

/// A section: how many there are, and the nearest few.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// How many wait in all (sections read with a cap count up to it).
    pub count: i64,
    /// The nearest [`NEAREST`].
    pub items: Vec<Item>,
}

impl Section {
    fn from(count: i64, mut items: Vec<Item>) -> Section {
        items.truncate(NEAREST);
        Section { count, items }
    }
}

/// What waits for a member today and this week.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Today {
    /// Their duty shifts from today to the end of the week (note: `today`
    /// for today's, `checked_in` once checked in, else empty).
    pub shifts: Section,
    /// Consultations they are invited to that start this week or are under
    /// way (note: the consultation's state code).
    pub meetings: Section,
    /// Draft proposals waiting for their signature as a co-signer.
    pub to_sign: Section,
    /// Answered proposals of theirs waiting for their rating of the reply.
    pub to_rate: Section,
    /// Their receptions to follow up: filed as a concern that is still open
    /// (note: its tracking code), or marked as a lead in the last 30 days
    /// (note: the lead's kind, `proposal_lead` or `opinion_report`).
    pub receptions: Section,
    /// Open concerns they follow, the latest changed first (note: state code).
    pub concerns: Section,
    /// News on their opinion reports in the last week (note: catalog key).
    pub news: Section,
    /// Study materials waiting for their confirmation, the nearest due first.
    pub readings: Section,
}

/// How far back a lead marked on a reception still asks to be followed up.
const LEAD_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

/// What waits for `user_id` on the day of `now` (China time) and the six
/// after it: eight small statements, run concurrently.
pub async fn for_member(db: &Db, user_id: i64) -> Result<Today> {
    let now = db.now_ms();
    let today = cst_date(now);
    let last = today + chrono::Duration::days(WEEK_DAYS - 1);
    let (today_s, last_s) = (
        today.format("%Y-%m-%d").to_string(),
        last.format("%Y-%m-%d").to_string(),
    );
    // The end of the last day, China time: midnight after it, UTC+8.
    let week_end = (last + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(now + WEEK_DAYS * DAY_MS);
    let limit = NEAREST as i64;
    let (shifts, meetings, to_sign, to_rate, receptions, concerns, news, readings) = tokio::try_join!(
        duty::studio::my_shifts(db, user_id, &today_s),
        consult::upcoming_for(db, user_id, now),
        to_sign(db, user_id, limit),
        proposal::handle::to_rate(db, user_id),
        receptions(db, user_id, now - LEAD_DAYS * DAY_MS, limit),
        concerns(db, user_id, limit),
        report::news_for(db, user_id, now - WEEK_DAYS * DAY_MS, limit),
        study::due_for(db, user_id, limit),
    )?;
    let shifts: Vec<Item> = shifts
        .into_iter()
        .filter(|(s, _)| s.day <= last_s)
        .map(|(s, studio)| Item {
            id: s.id,
            title: studio,
            note: if s.checked_in_at.is_some() {
                "checked_in".into()
            } else if s.day == today_s {
                "today".into()
            } else {
                String::new()
            },
            when: When::Day(s.day),
        })
        .collect();
    let meetings: Vec<Item> = meetings
        .into_iter()
        .filter(|c| c.starts_at < week_end)
        .map(|c| Item {
            id: c.id,
            title: c.topic,
            when: When::At(c.starts_at),
            note: c.state,
        })
        .collect();
    let to_rate: Vec<Item> = to_rate
        .into_iter()
        .map(|(id, title, _, replied_at)| Item {
            id,
            title,
            when: replied_at.map_or(When::None, When::At),
            note: String::new(),
        })
        .collect();
    Ok(Today {
        shifts: Section::from(shifts.len() as i64, shifts),
        meetings: Section::from(meetings.len() as i64, meetings),
        to_sign,
        to_rate: Section::from(to_rate.len() as i64, to_rate),
        receptions,
        concerns,
        // These two read at most `limit` rows: their count is what they show.
        news: {
            let items: Vec<Item> = news
                .into_iter()
                .map(|n| Item {
                    id: n.id,
                    title: n.title,
                    when: When::At(n.at),
                    note: n.what.to_owned(),
                })
                .collect();
            Section::from(items.len() as i64, items)
        },
        readings: {
            let items: Vec<Item> = readings
                .into_iter()
                .map(|d| Item {
                    id: d.id,
                    title: d.title,
                    when: When::At(d.due_at),
                    note: String::new(),
                })
                .collect();
            Section::from(items.len() as i64, items)
        },
    })
}

/// Rows with a `n` column (`COUNT(*) OVER ()`) as a section.
fn section(
    rows: &[sqlx::any::AnyRow],
    item: impl Fn(&sqlx::any::AnyRow) -> Result<Item>,
) -> Result<Section> {
    let count = match rows.first() {
        Some(r) => col::<i64>(r, "n")?,
        None => 0,
    };
    Ok(Section::from(
        count,
        rows.iter().map(item).collect::<Result<_>>()?,
    ))
}

/// Draft proposals whose initiator invited the member to co-sign and that
/// they have not answered, the latest changed first.
async fn to_sign(db: &Db, user_id: i64, limit: i64) -> Result<Section> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, p.updated_at, COUNT(*) OVER () AS n
           FROM proposal_signers s JOIN proposals p ON p.id = s.proposal_id
          WHERE s.user_id = $1 AND s.position > 0 AND s.answer = 'pending' AND p.state = 'draft'
          ORDER BY p.updated_at DESC, p.id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    section(&rows, |r| {
        Ok(Item {
            id: col(r, "id")?,
            title: col(r, "title")?,
            when: When::At(col(r, "updated_at")?),
            note: String::new(),
        })
    })
}

/// The concern states in which nothing more is done (the engine's).
fn closed_concern_states() -> String {
    xieshang_core::item::CONCERN
        .closed
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The member's receptions that still ask something of them: filed as a
/// concern that is not closed (the visitor waits for the outcome), or marked
/// since `since` as a lead for a proposal or a report. The newest first.
async fn receptions(db: &Db, user_id: i64, since: i64, limit: i64) -> Result<Section> {
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.matter, r.created_at, c.tracking_code,
                (SELECT MIN(l.to_kind) FROM item_links l
                  WHERE l.from_kind = 'reception' AND l.from_id = r.id AND l.link = 'lead') AS lead,
                COUNT(*) OVER () AS n
           FROM receptions r LEFT JOIN concerns c ON c.id = r.concern_id
          WHERE r.user_id = $1
            AND ((c.id IS NOT NULL AND c.state NOT IN ({closed}))
              OR (r.created_at >= $2 AND EXISTS (SELECT 1 FROM item_links l
                    WHERE l.from_kind = 'reception' AND l.from_id = r.id AND l.link = 'lead')))
          ORDER BY r.created_at DESC, r.id DESC LIMIT $3",
        closed = closed_concern_states()
    ))
    .bind(user_id)
    .bind(since)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    section(&rows, |r| {
        let code: Option<String> = col(r, "tracking_code")?;
        let lead: Option<String> = col(r, "lead")?;
        Ok(Item {
            id: col(r, "id")?,
            title: col(r, "matter")?,
            when: When::At(col(r, "created_at")?),
            note: code.or(lead).unwrap_or_default(),
        })
    })
}

/// The open concerns the member follows (the engine's followers), the latest
/// changed first.
async fn concerns(db: &Db, user_id: i64, limit: i64) -> Result<Section> {
    let rows = sqlx::query(&format!(
        "SELECT c.id, c.title, c.state, c.updated_at, COUNT(*) OVER () AS n
           FROM item_followers f JOIN concerns c ON c.id = f.item_id
          WHERE f.user_id = $1 AND f.kind = $2 AND c.state NOT IN ({closed})
          ORDER BY c.updated_at DESC, c.id DESC LIMIT $3",
        closed = closed_concern_states()
    ))
    .bind(user_id)
    .bind(xieshang_core::item::CONCERN.kind)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    section(&rows, |r| {
        Ok(Item {
            id: col(r, "id")?,
            title: col(r, "title")?,
            when: When::At(col(r, "updated_at")?),
            note: col(r, "state")?,
        })
    })
}
