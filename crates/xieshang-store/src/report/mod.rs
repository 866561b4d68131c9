//! Public-opinion reports (社情民意信息, issue 30 points 1–4 and 10): one matter,
//! submitted by a member, a member group or an invited informant, edited by the
//! office (核稿), decided and forwarded up the levels; adoptions and leaders'
//! instructions earn points in the duty record.

use crate::db::Db;
use crate::Result;

/// A change on one of a member's reports, for the member's phone home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct News {
    /// The report.
    pub id: i64,
    /// Its title (the edited one once the office has titled it).
    pub title: String,
    /// What happened: a catalog key (e.g. `report.news.used`).
    pub what: &'static str,
    /// When, unix ms.
    pub at: i64,
}

/// What happened on the reports `user_id` submitted since `since` (unix ms),
/// the latest first, at most `limit`: the office's decisions, forwards,
/// adoptions and instructions. One statement.
pub async fn news_for(db: &Db, user_id: i64, since: i64, limit: i64) -> Result<Vec<News>> {
    // Built by issue 30's reports work; until then there are no reports.
    let _ = (db, user_id, since, limit);
    Ok(Vec::new())
}
