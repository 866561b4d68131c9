//! Points and rates (issue 30 point 4), and the news of a member's reports.
//! Everything here is read from the report tables themselves: the duty
//! record and scoring call [`for_member`], so nothing is entered twice. A
//! report earns its points for its submitter and for the submitters of the
//! reports merged into it; each step counts in the year it happened (the
//! office's use, a level's adoption, an instruction's recording).

use crate::db::{col, Db};
use crate::Result;
use chrono::NaiveDate;
use xieshang_core::report::Rules;
use xieshang_core::{Actor, Permission};

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

/// The catalog key of a timeline action the submitter is told of.
fn news_key(action: &str) -> Option<&'static str> {
    Some(match action {
        "use" => "report.news.used",
        "keep" => "report.news.kept",
        "not_use" => "report.news.not_used",
        "merge" => "report.news.merged",
        "forward" => "report.news.forwarded",
        "adopt" => "report.news.adopted",
        "instruct" => "report.news.instructed",
        _ => return None,
    })
}

// The reports `$1` has credit for: submitted, or merged into by one of theirs.
// Read from the member's own reports (a handful, by the submitter index), so
// a statement is driven from them, not from every report of the city (the
// news statement took 55-63 ms a call on a generated city's PostgreSQL with
// an `OR` here, 1.1 ms by EXPLAIN ANALYZE in this form).
const CREDITED: &str = "r.id IN (SELECT x.id FROM opinion_reports x WHERE x.submitter_id = $1
    UNION ALL
    SELECT m.merged_into FROM opinion_reports m
     WHERE m.submitter_id = $1 AND m.merged_into IS NOT NULL)";

/// What happened on the reports `user_id` submitted (or that theirs were
/// merged into) since `since` (unix ms), the latest first, at most
/// `limit`: the office's decisions, forwards, adoptions and instructions.
/// One statement.
pub async fn news_for(db: &Db, user_id: i64, since: i64, limit: i64) -> Result<Vec<News>> {
    let rows = sqlx::query(&format!(
        "SELECT e.item_id, COALESCE(r.edited_title, r.title) AS title, e.action, e.at
           FROM opinion_reports r {dj} item_events e
                ON e.kind = 'opinion_report' AND e.item_id = r.id
          WHERE {CREDITED}
            AND e.action IN ('use', 'keep', 'not_use', 'merge', 'forward', 'adopt', 'instruct')
            AND e.at > $2
          ORDER BY e.at DESC, e.id DESC LIMIT $3",
        dj = db.dialect().driving_join(),
    ))
    .bind(user_id)
    .bind(since)
    .bind(limit.max(0))
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let action: String = col(r, "action")?;
        if let Some(what) = news_key(&action) {
            out.push(News {
                id: col(r, "item_id")?,
                title: col(r, "title")?,
                what,
                at: col(r, "at")?,
            });
        }
    }
    Ok(out)
}

/// Unix ms of the start of a year, China time.
pub(crate) fn year_start(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(0)
}

/// A member's reports in a year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberReports {
    /// Submitted in the year.
    pub submitted: i64,
    /// Used by the office in the year (theirs, or one theirs was merged into).
    pub used: i64,
    /// Points earned in the year by the bodies' rule tables.
    pub points: i64,
}

/// A member's reports and points in `year`: one statement.
pub async fn for_member(db: &Db, user_id: i64, year: i32) -> Result<MemberReports> {
    let d = Rules::default();
    let sql = format!(
        "SELECT
          (SELECT COUNT(*) FROM opinion_reports r
            WHERE r.submitter_id = $1 AND r.created_at >= $2 AND r.created_at < $3) AS submitted,
          (SELECT COUNT(*) FROM opinion_reports r
            WHERE {CREDITED} AND r.state = 'used'
              AND r.decided_at >= $2 AND r.decided_at < $3) AS used,
          CAST(COALESCE((SELECT SUM(COALESCE(ru.points_own, $4)) FROM opinion_reports r
            LEFT JOIN opinion_report_rules ru ON ru.org_id = r.org_id
            WHERE {CREDITED} AND r.state = 'used'
              AND r.decided_at >= $2 AND r.decided_at < $3), 0) AS BIGINT) AS own,
          CAST(COALESCE((SELECT SUM(CASE l.level
                WHEN 'city' THEN COALESCE(ru.points_city, $5)
                WHEN 'national' THEN COALESCE(ru.points_national, $6) ELSE 0 END)
            FROM opinion_report_levels l JOIN opinion_reports r ON r.id = l.report_id
            LEFT JOIN opinion_report_rules ru ON ru.org_id = r.org_id
            WHERE {CREDITED} AND l.adopted_at >= $2 AND l.adopted_at < $3), 0) AS BIGINT)
            AS adopted,
          CAST(COALESCE((SELECT SUM(CASE i.level
                WHEN 'city' THEN COALESCE(ru.points_city_instruction, $7)
                WHEN 'central' THEN COALESCE(ru.points_central_instruction, $8) ELSE 0 END)
            FROM opinion_report_instructions i JOIN opinion_reports r ON r.id = i.report_id
            LEFT JOIN opinion_report_rules ru ON ru.org_id = r.org_id
            WHERE {CREDITED} AND i.created_at >= $2 AND i.created_at < $3), 0) AS BIGINT)
            AS instructed"
    );
    let r = sqlx::query(&sql)
        .bind(user_id)
        .bind(year_start(year))
        .bind(year_start(year + 1))
        .bind(d.own)
        .bind(d.city)
        .bind(d.national)
        .bind(d.city_instruction)
        .bind(d.central_instruction)
        .fetch_one(db.pool())
        .await?;
    Ok(MemberReports {
        submitted: col(&r, "submitted")?,
        used: col(&r, "used")?,
        points: col::<i64>(&r, "own")? + col::<i64>(&r, "adopted")? + col::<i64>(&r, "instructed")?,
    })
}

/// One line of the figures: who, how many submitted, how many adopted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// A member's, a group's or the body's name.
    pub name: String,
    /// Submitted in the year.
    pub submitted: i64,
    /// Of those, used by the office (or merged into a used one).
    pub adopted: i64,
}

impl Line {
    /// Adoption rate in per cent (adopted ÷ submitted), one decimal; none
    /// when nothing was submitted.
    pub fn rate(&self) -> Option<f64> {
        (self.submitted > 0)
            .then(|| (self.adopted as f64 * 1000.0 / self.submitted as f64).round() / 10.0)
    }
}

/// A body's adoption figures for a year: the body, its member groups, its
/// submitters.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// The body's line.
    pub body: Line,
    /// Per member group (reports submitted on a group's behalf).
    pub groups: Vec<Line>,
    /// Per submitter.
    pub members: Vec<Line>,
}

/// The body's figures for `year` (staff and leaders of the body), kept a
/// minute per body and year as the proposal figures are ([`kept`]).
pub async fn figures(db: &Db, actor: &Actor, body_id: i64, year: i32) -> Result<Figures> {
    let body = crate::org::get_unchecked(db, body_id).await?;
    actor.check(Permission::ReportView, &body.path)?;
    kept()
        .get_or_count((db.instance(), body.id, year), count(db, body, year))
        .await
}

/// Figures by (database instance, body, year), kept a minute: the page is
/// read far more often than a year's reports are decided, and counting them
/// groups the body's year of reports twice (the page measured 195–220
/// requests a second and p99 359–903 ms at 64 connections on a generated
/// city, counted every time). Who may read them is checked before the map is
/// looked at, on every request.
fn kept() -> &'static crate::ttl::Kept<(u64, i64, i32), Figures> {
    static KEPT: std::sync::OnceLock<crate::ttl::Kept<(u64, i64, i32), Figures>> =
        std::sync::OnceLock::new();
    KEPT.get_or_init(|| crate::ttl::Kept::new(std::time::Duration::from_secs(60), 10_000))
}

/// Counts the figures (see [`figures`]): two bounded `GROUP BY` statements
/// over the body's reports of the year (by the body and submission time
/// index).
async fn count(db: &Db, body: crate::org::Org, year: i32) -> Result<Figures> {
    let body_id = body.id;
    let (from, to) = (year_start(year), year_start(year + 1));
    let lines = |group: &'static str, name: &'static str, join: &'static str| async move {
        let sql = format!(
            "SELECT {name} AS name, COUNT(*) AS submitted,
                    CAST(SUM(CASE WHEN r.state = 'used' OR t.state = 'used' THEN 1 ELSE 0 END)
                      AS BIGINT) AS adopted
               FROM opinion_reports r LEFT JOIN opinion_reports t ON t.id = r.merged_into
               {join}
              WHERE r.org_id = $1 AND r.created_at >= $2 AND r.created_at < $3
              GROUP BY {group} ORDER BY 2 DESC, 1"
        );
        sqlx::query(&sql)
            .bind(body_id)
            .bind(from)
            .bind(to)
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Line {
                    name: col(r, "name")?,
                    submitted: col(r, "submitted")?,
                    adopted: col(r, "adopted")?,
                })
            })
            .collect::<Result<Vec<Line>>>()
    };
    let members = lines(
        "r.submitter_id, u.display_name",
        "u.display_name",
        "JOIN users u ON u.id = r.submitter_id",
    )
    .await?;
    let groups = lines(
        "r.group_org_id, g.name",
        "g.name",
        "JOIN orgs g ON g.id = r.group_org_id",
    )
    .await?;
    let body_line = Line {
        name: body.name.clone(),
        submitted: members.iter().map(|l| l.submitted).sum(),
        adopted: members.iter().map(|l| l.adopted).sum(),
    };
    Ok(Figures {
        body: body_line,
        groups,
        members,
    })
}
