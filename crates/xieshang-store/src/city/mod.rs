//! The city view (issue 31 point 7; decision record 0047): the districts
//! side by side over a chosen period. Every figure is one bounded
//! `GROUP BY` over the period's rows of one table (the ranges of migration
//! 0051's indexes), whatever the city's size; each row is attributed to its
//! district by its unit's branch (the unit below the root). The figures of a
//! period are kept a minute ([`crate::ttl::Kept`]); the members' average
//! duty score, which needs each member's duty record, is kept ten minutes
//! and recounted in the background while the kept one is served.
//!
//! Who sees what: the figures are the city's; an actor sees the rows of the
//! districts inside their concern scope (the city's staff and the city
//! overseer all thirteen, a district's staff their own).

use crate::concern::stats::histogram_median;
use crate::concern::tally::BUCKET_MS;
use crate::db::{col, query_with, Arg, Db};
use crate::{Error, Result};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use xieshang_core::{Actor, OrgKind, OrgPath, Permission};

/// A period of whole days, China time, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Period {
    /// Parses `from` and `to` (`YYYY-MM-DD`); empty ones default to the
    /// first of `today`'s year and `today`. Every field's error at once.
    pub fn parse(
        from: &str,
        to: &str,
        today: NaiveDate,
    ) -> std::result::Result<Period, Vec<Error>> {
        use chrono::Datelike;
        let day = |s: &str, field: &'static str, default: NaiveDate| {
            let s = s.trim();
            if s.is_empty() {
                return Ok(default);
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..=2100).contains(&d.year()))
                .ok_or_else(|| {
                    Error::field(
                        field,
                        "err.city.date",
                        "write a date as YYYY-MM-DD, between 2000 and 2100",
                    )
                })
        };
        let first = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let (f, t) = (day(from, "from", first), day(to, "to", today));
        match (f, t) {
            (Ok(from), Ok(to)) if from > to => Err(vec![Error::field(
                "to",
                "err.city.order",
                "the last day comes before the first: choose a last day on or after the first",
            )]),
            (Ok(from), Ok(to)) => Ok(Period { from, to }),
            (f, t) => Err([f.err(), t.err()].into_iter().flatten().collect()),
        }
    }

    /// Unix ms of the first day's start and of the day after the last,
    /// China time.
    pub fn bounds(&self) -> (i64, i64) {
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
                .unwrap_or(0)
        };
        (start(self.from), start(self.to) + 86_400_000)
    }

    /// The year whose duty scores the view shows: the last day's.
    pub fn duty_year(&self) -> i32 {
        chrono::Datelike::year(&self.to)
    }
}

/// One district's figures for the period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct District {
    /// The district's unit.
    pub org_id: i64,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Concerns submitted in the period.
    pub concerns_received: i64,
    /// Concerns resolved in the period.
    pub concerns_resolved: i64,
    /// Of those, resolved by their deadline (or without one).
    pub concerns_on_time: i64,
    /// Median days from submission to resolution of those resolved in the
    /// period, to the twentieth of a day (the dashboard's histogram).
    pub median_days: Option<f64>,
    /// Residents' feedback given in the period: satisfied or basically
    /// satisfied, and all.
    pub feedback_good: i64,
    /// All feedback given in the period.
    pub feedback_all: i64,
    /// Consultations held in the period.
    pub consultations_held: i64,
    /// Agreed actions done in the period.
    pub actions_done: i64,
    /// Proposals filed in the period.
    pub proposals_filed: i64,
    /// Of those, accepted (立案, numbered).
    pub proposals_accepted: i64,
    /// Lead units' replies given in the period.
    pub replies: i64,
    /// Of those, by their deadline (or without one).
    pub replies_on_time: i64,
    /// Opinion reports the office used (decided) in the period.
    pub reports_used: i64,
    /// Opinion reports adopted in the period above the district (by the
    /// city or the national CPPCC).
    pub reports_adopted_above: i64,
    /// The members' average duty score in [`Period::duty_year`] (None: no
    /// members, or not counted yet).
    pub duty_average: Option<f64>,
    /// Members scored.
    pub duty_members: i64,
}

/// `part` ÷ `whole` in per cent, one decimal.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

impl District {
    /// Resolved on time ÷ resolved, per cent.
    pub fn on_time_rate(&self) -> Option<f64> {
        rate(self.concerns_on_time, self.concerns_resolved)
    }
    /// Good feedback ÷ all feedback, per cent.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        rate(self.feedback_good, self.feedback_all)
    }
    /// Replies on time ÷ replies, per cent.
    pub fn replies_on_time_rate(&self) -> Option<f64> {
        rate(self.replies_on_time, self.replies)
    }
}

/// The city view for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct CityView {
    /// The period.
    pub period: Period,
    /// The districts the actor sees, in the city's order (by code of the
    /// demo's list: the order the districts were made in).
    pub districts: Vec<District>,
    /// Whether the duty scores are still being counted (the first look at a
    /// year after the server started).
    pub duty_pending: bool,
}

/// The districts' figures for the period, for an actor who views concerns:
/// the rows of the districts inside their scope.
pub async fn view(db: &Db, actor: &Actor, period: Period) -> Result<CityView> {
    actor.require(Permission::ConcernView)?;
    let scopes = actor.scopes(Permission::ConcernView);
    let all = kept()
        .get_or_count((db.instance(), period), count(db, period))
        .await?;
    let (duty, duty_pending) = duty_averages(db, period.duty_year(), false).await?;
    let districts = all
        .into_iter()
        .filter(|(path, _)| scopes.iter().any(|s| path.is_within(s)))
        .map(|(_, mut d)| {
            if let Some((avg, n)) = duty.get(&d.org_id) {
                d.duty_average = *avg;
                d.duty_members = *n;
            }
            d
        })
        .collect();
    Ok(CityView {
        period,
        districts,
        duty_pending,
    })
}

/// The view with the duty scores counted now if they are not kept (for
/// tests and the first look of a tool): as [`view`], waiting for them.
pub async fn view_counted(db: &Db, actor: &Actor, period: Period) -> Result<CityView> {
    actor.require(Permission::ConcernView)?;
    duty_averages(db, period.duty_year(), true).await?;
    view(db, actor, period).await
}

type Rows = Vec<(OrgPath, District)>;

/// Figures by (database instance, period), kept a minute: the page is read
/// far more often than a period's figures change by much.
fn kept() -> &'static crate::ttl::Kept<(u64, Period), Rows> {
    static KEPT: OnceLock<crate::ttl::Kept<(u64, Period), Rows>> = OnceLock::new();
    KEPT.get_or_init(|| crate::ttl::Kept::new(Duration::from_secs(60), 1_000))
}

/// Adds each row's count to its district: rows are (path of the unit, n…).
fn by_branch(
    rows: &[sqlx::any::AnyRow],
    index: &HashMap<i64, usize>,
    mut add: impl FnMut(usize, &sqlx::any::AnyRow) -> Result<()>,
    branch_col: Option<&str>,
) -> Result<()> {
    for r in rows {
        let branch = match branch_col {
            Some(c) => col::<Option<i64>>(r, c)?.unwrap_or(0),
            None => OrgPath::parse(&col::<String>(r, "path")?)
                .map(|p| p.branch())
                .unwrap_or(0),
        };
        if let Some(i) = index.get(&branch) {
            add(*i, r)?;
        }
    }
    Ok(())
}

/// Counts every district's figures (see [`view`]).
async fn count(db: &Db, period: Period) -> Result<Rows> {
    let (from, to) = period.bounds();
    let districts = sqlx::query(
        "SELECT id, code, name, path FROM orgs WHERE kind = $1 AND archived_at IS NULL ORDER BY id",
    )
    .bind(OrgKind::District.code())
    .fetch_all(db.pool())
    .await?;
    let mut out: Rows = Vec::new();
    let mut index = HashMap::new();
    for r in &districts {
        let Some(path) = OrgPath::parse(&col::<String>(r, "path")?) else {
            continue;
        };
        let id: i64 = col(r, "id")?;
        index.insert(id, out.len());
        out.push((
            path,
            District {
                org_id: id,
                code: col(r, "code")?,
                name: col(r, "name")?,
                ..Default::default()
            },
        ));
    }
    let span = || vec![Arg::Int(from), Arg::Int(to)];
    let fetch = |sql: &'static str| async move {
        query_with(sql, span())
            .fetch_all(db.pool())
            .await
            .map_err(Error::from)
    };

    // Concerns: received, and resolved (with the time each took, in the
    // dashboard's tenths of a day, and whether by its deadline).
    let rows = fetch(
        "SELECT branch_id, COUNT(*) AS n FROM concerns
          WHERE created_at >= $1 AND created_at < $2 GROUP BY branch_id",
    )
    .await?;
    by_branch(
        &rows,
        &index,
        |i, r| {
            out[i].1.concerns_received += col::<i64>(r, "n")?;
            Ok(())
        },
        Some("branch_id"),
    )?;
    let resolved = format!(
        "SELECT branch_id, (resolved_at - created_at + {half}) / {BUCKET_MS} AS k, COUNT(*) AS n,
                COALESCE(SUM(CASE WHEN deadline_at IS NULL OR resolved_at <= deadline_at
                                  THEN 1 ELSE 0 END), 0) AS on_time
           FROM concerns WHERE resolved_at >= $1 AND resolved_at < $2
          GROUP BY branch_id, (resolved_at - created_at + {half}) / {BUCKET_MS}",
        half = BUCKET_MS / 2
    );
    let rows = query_with(&resolved, span()).fetch_all(db.pool()).await?;
    let mut histograms: Vec<Vec<(i64, i64)>> = vec![Vec::new(); out.len()];
    by_branch(
        &rows,
        &index,
        |i, r| {
            let n: i64 = col(r, "n")?;
            out[i].1.concerns_resolved += n;
            out[i].1.concerns_on_time += col::<i64>(r, "on_time")?;
            histograms[i].push((col(r, "k")?, n));
            Ok(())
        },
        Some("branch_id"),
    )?;
    for (i, h) in histograms.iter_mut().enumerate() {
        h.sort_unstable();
        out[i].1.median_days =
            histogram_median(h).map(|b| (b * BUCKET_MS / 2) as f64 / 86_400_000.0);
    }
    let rows = fetch(
        "SELECT c.branch_id AS branch_id, COUNT(*) AS n,
                COALESCE(SUM(CASE WHEN f.rating IN ('satisfied', 'basically_satisfied')
                                  THEN 1 ELSE 0 END), 0) AS good
           FROM item_feedback f JOIN concerns c ON c.id = f.item_id
          WHERE f.kind = 'concern' AND f.at >= $1 AND f.at < $2 GROUP BY c.branch_id",
    )
    .await?;
    by_branch(
        &rows,
        &index,
        |i, r| {
            out[i].1.feedback_all += col::<i64>(r, "n")?;
            out[i].1.feedback_good += col::<i64>(r, "good")?;
            Ok(())
        },
        Some("branch_id"),
    )?;

    // Consultations held, and agreed actions done, at the consultation's unit.
    let rows = fetch(
        "SELECT o.path AS path, COUNT(*) AS n FROM consultations c JOIN orgs o ON o.id = c.org_id
          WHERE c.held_at >= $1 AND c.held_at < $2 GROUP BY o.path",
    )
    .await?;
    by_branch(
        &rows,
        &index,
        |i, r| {
            out[i].1.consultations_held += col::<i64>(r, "n")?;
            Ok(())
        },
        None,
    )?;
    let rows = fetch(
        "SELECT o.path AS path, COUNT(*) AS n FROM consultation_actions a
           JOIN consultations c ON c.id = a.consultation_id JOIN orgs o ON o.id = c.org_id
          WHERE a.done_at >= $1 AND a.done_at < $2 GROUP BY o.path",
    )
    .await?;
    by_branch(
        &rows,
        &index,
        |i, r| {
            out[i].1.actions_done += col::<i64>(r, "n")?;
            Ok(())
        },
        None,
    )?;

    // Proposals filed (and of those accepted), and the lead units' replies.
    let rows = fetch(
        "SELECT o.path AS path, COUNT(*) AS n,
                COALESCE(SUM(CASE WHEN p.number IS NOT NULL THEN 1 ELSE 0 END), 0) AS accepted
           FROM proposals p JOIN orgs o ON o.id = p.org_id
          WHERE p.filed_at >= $1 AND p.filed_at < $2 GROUP BY o.path",
    )
    .await?;
    by_branch(
        &rows,
        &index,
        |i, r| {
            out[i].1.proposals_filed += col::<i64>(r, "n")?;
            out[i].1.proposals_accepted += col::<i64>(r, "accepted")?;
            Ok(())
        },
        None,
    )?;
    let rows = fetch(
        "SELECT o.path AS path, COUNT(*) AS n,
                COALESCE(SUM(CASE WHEN r.due_at IS NULL OR r.replied_at <= r.due_at
                                  THEN 1 ELSE 0 END), 0) AS on_time
           FROM proposal_replies r JOIN proposals p ON p.id = r.proposal_id
           JOIN orgs o ON o.id = p.org_id
          WHERE r.lead = 1 AND r.replied_at >= $1 AND r.replied_at < $2 GROUP BY o.path",
    )
    .await?;
    by_branch(
        &rows,
        &index,
        |i, r| {
            out[i].1.replies += col::<i64>(r, "n")?;
            out[i].1.replies_on_time += col::<i64>(r, "on_time")?;
            Ok(())
        },
        None,
    )?;

    // Opinion reports used, and adopted above the district.
    let rows = fetch(
        "SELECT o.path AS path, COUNT(*) AS n FROM opinion_reports r JOIN orgs o ON o.id = r.org_id
          WHERE r.state = 'used' AND r.decided_at >= $1 AND r.decided_at < $2 GROUP BY o.path",
    )
    .await?;
    by_branch(
        &rows,
        &index,
        |i, r| {
            out[i].1.reports_used += col::<i64>(r, "n")?;
            Ok(())
        },
        None,
    )?;
    let rows = fetch(
        "SELECT o.path AS path, COUNT(DISTINCT l.report_id) AS n
           FROM opinion_report_levels l JOIN opinion_reports r ON r.id = l.report_id
           JOIN orgs o ON o.id = r.org_id
          WHERE l.level IN ('city', 'national') AND l.adopted_at >= $1 AND l.adopted_at < $2
          GROUP BY o.path",
    )
    .await?;
    by_branch(
        &rows,
        &index,
        |i, r| {
            out[i].1.reports_adopted_above += col::<i64>(r, "n")?;
            Ok(())
        },
        None,
    )?;
    Ok(out)
}

/// A year's average duty scores by district: (average, members scored).
type Averages = HashMap<i64, (Option<f64>, i64)>;

/// What is kept of a year's averages, and whether a count is running.
#[derive(Default)]
struct DutySlot {
    kept: Option<(Averages, Instant)>,
    counting: bool,
}

/// How long a year's averages are served before they are recounted (in the
/// background, while the kept ones are still served).
const DUTY_TTL: Duration = Duration::from_secs(600);

/// Each (database instance, year)'s slot of duty averages.
type DutySlots = Mutex<HashMap<(u64, i32), Arc<tokio::sync::Mutex<DutySlot>>>>;

fn duty_slots() -> &'static DutySlots {
    static SLOTS: OnceLock<DutySlots> = OnceLock::new();
    SLOTS.get_or_init(Default::default)
}

/// The year's averages and whether they are still being counted. Kept ones
/// are served at once (a stale one starts a recount in the background);
/// with none kept, `wait` counts them now, else a background count starts
/// and the answer is empty and pending.
async fn duty_averages(db: &Db, year: i32, wait: bool) -> Result<(Averages, bool)> {
    let slot = {
        let mut slots = duty_slots().lock().map_err(|_| Error::NotFound)?;
        if slots.len() > 100 {
            slots.clear();
        }
        slots.entry((db.instance(), year)).or_default().clone()
    };
    let mut held = slot.lock().await;
    let stale = held
        .kept
        .as_ref()
        .is_none_or(|(_, at)| at.elapsed() >= DUTY_TTL);
    if let Some((v, _)) = held.kept.as_ref() {
        let v = v.clone();
        if stale && !held.counting {
            held.counting = true;
            spawn_duty_count(db.clone(), year, slot.clone());
        }
        return Ok((v, false));
    }
    if wait {
        let v = count_duty(db, year).await?;
        held.kept = Some((v.clone(), Instant::now()));
        return Ok((v, false));
    }
    if !held.counting {
        held.counting = true;
        spawn_duty_count(db.clone(), year, slot.clone());
    }
    Ok((Averages::new(), true))
}

fn spawn_duty_count(db: Db, year: i32, slot: Arc<tokio::sync::Mutex<DutySlot>>) {
    tokio::spawn(async move {
        let counted = count_duty(&db, year).await;
        let mut held = slot.lock().await;
        held.counting = false;
        match counted {
            Ok(v) => held.kept = Some((v, Instant::now())),
            Err(e) => tracing::warn!(error = %e, "city view: duty scores not counted"),
        }
    });
}

/// Each district's members' scores for the year under its body's rules
/// (`duty::scoring::scores`, as the district's own score page shows them),
/// averaged.
async fn count_duty(db: &Db, year: i32) -> Result<Averages> {
    let root = sqlx::query("SELECT path FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1")
        .fetch_optional(db.pool())
        .await?;
    let Some(root) = root.and_then(|r| OrgPath::parse(&col::<String>(&r, "path").ok()?)) else {
        return Ok(Averages::new());
    };
    // The scores are read as the city's system would read them: over the
    // whole city (who may see which district is decided in `view`).
    let reader = Actor::unattached("city-view", xieshang_core::Role::Staff, root);
    let districts: Vec<i64> = sqlx::query_scalar("SELECT id FROM orgs WHERE kind = $1 ORDER BY id")
        .bind(OrgKind::District.code())
        .fetch_all(db.pool())
        .await?;
    let mut out = Averages::new();
    for d in districts {
        let scores = crate::duty::scoring::scores(db, &reader, d, year).await?;
        let n = scores.len() as i64;
        let avg = (n > 0).then(|| {
            let sum: i64 = scores.iter().map(|s| s.total).sum();
            (sum as f64 * 10.0 / n as f64).round() / 10.0
        });
        out.insert(d, (avg, n));
    }
    Ok(out)
}

/// For `datagen`: the city's staff account (`staff-city`), which the load
/// benchmark logs in as to measure the city view. Returns the rows written.
pub async fn datagen(
    db: &Db,
    now: i64,
    city: &crate::org::Org,
    password_hash: &str,
) -> Result<u64> {
    let name = xieshang_core::values::Username::parse("staff-city")
        .map_err(|e| Error::invalid("username", e))?;
    let mut tx = db.begin_write().await?;
    let uid = crate::account::user::insert(
        &mut tx,
        now,
        &name,
        "市政协工作人员",
        password_hash,
        city.id,
    )
    .await?;
    crate::account::user::insert_grant(&mut tx, now, uid, xieshang_core::Role::Staff, city.id)
        .await?;
    tx.commit().await?;
    Ok(2)
}
