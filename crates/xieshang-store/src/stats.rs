//! Figures for staff over their scope: counts by state, category and street,
//! overdue work, median time to resolution and the satisfaction rate.

use crate::db::{col, query_with, Arg, Db};
use crate::Result;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use xieshang_core::{Actor, OrgPath, Permission};

/// The concern loop's figures for one actor's scope.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Total concerns.
    pub total: i64,
    /// (state, count).
    pub by_state: Vec<(String, i64)>,
    /// (category, count).
    pub by_category: Vec<(String, i64)>,
    /// (street name, count); concerns outside any street are not listed.
    pub by_street: Vec<(String, i64)>,
    /// Open past their deadline.
    pub overdue: i64,
    /// Median time from submission to resolution, in ms.
    pub median_resolution_ms: Option<i64>,
    /// Feedback counts: satisfied, basically satisfied, unsatisfied.
    pub feedback: (i64, i64, i64),
}

impl Stats {
    /// (satisfied + basically satisfied) ÷ all feedback, if any.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        let (s, b, u) = self.feedback;
        let n = s + b + u;
        (n > 0).then(|| (s + b) as f64 / n as f64)
    }
}

/// The figures over the actor's view scope. They are computed once per scope for
/// each state of the data (the newest timeline event, which every change to a
/// concern writes) and minute (overdue counts move with the clock), and shared by
/// the requests that ask meanwhile, so a busy dashboard costs one computation.
/// While one request computes, the others get the previous figures if they are
/// under a minute old, so a change under load does not queue every reader behind
/// the computation; a lone reader after a change always waits for fresh ones.
pub async fn stats(db: &Db, actor: &Actor) -> Result<Stats> {
    actor.require(Permission::ConcernView)?;
    let mut scopes: Vec<String> = actor
        .scopes(Permission::ConcernView)
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect();
    scopes.sort();
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM item_events")
        .fetch_one(db.pool())
        .await?;
    let key = format!(
        "{}|{}|{}|{}",
        db.instance(),
        scopes.join(","),
        newest.unwrap_or(0),
        db.now_ms() / 60_000
    );
    let slot: Arc<Slot> = {
        static SLOTS: std::sync::OnceLock<std::sync::Mutex<HashMap<String, Arc<Slot>>>> =
            std::sync::OnceLock::new();
        let mut slots = SLOTS
            .get_or_init(Default::default)
            .lock()
            .map_err(|_| crate::Error::NotFound)?;
        if slots.len() > 1_000 {
            slots.clear();
        }
        slots.entry(scopes.join(",")).or_default().clone()
    };
    let now = db.now_ms();
    let seen = slot.generation.load(Ordering::Acquire);
    {
        let held = slot.cached.lock().map_err(|_| crate::Error::NotFound)?;
        if let Some(c) = held.as_ref() {
            // Current figures; or, while another request computes newer ones,
            // figures at most a minute old rather than a queue behind it.
            if c.key == key || (slot.computing.load(Ordering::Acquire) && now - c.at < 60_000) {
                return Ok(c.stats.clone());
            }
        }
    }
    // One computation per scope at a time: the first to arrive computes; the
    // others wait for it (or, see above, take the previous figures).
    let _turn = slot.turn.lock().await;
    if let Some(c) = slot
        .cached
        .lock()
        .map_err(|_| crate::Error::NotFound)?
        .as_ref()
    {
        // Computed while this request waited for its turn: as fresh as it asked.
        if c.key == key || slot.generation.load(Ordering::Acquire) > seen {
            return Ok(c.stats.clone());
        }
    }
    slot.computing.store(true, Ordering::Release);
    let computed = compute(db, actor).await;
    slot.computing.store(false, Ordering::Release);
    let s = computed?;
    *slot.cached.lock().map_err(|_| crate::Error::NotFound)? = Some(Cached {
        key,
        stats: s.clone(),
        at: now,
    });
    slot.generation.fetch_add(1, Ordering::AcqRel);
    Ok(s)
}

/// Figures kept for a scope.
struct Cached {
    key: String,
    stats: Stats,
    /// When the computation started, unix ms.
    at: i64,
}

/// A scope's cached figures and the turn to compute them.
#[derive(Default)]
struct Slot {
    cached: std::sync::Mutex<Option<Cached>>,
    turn: tokio::sync::Mutex<()>,
    computing: AtomicBool,
    /// Computations finished so far.
    generation: AtomicU64,
}

async fn compute(db: &Db, actor: &Actor) -> Result<Stats> {
    let (cond, args) = crate::scope::condition(actor, Permission::ConcernView, "o.path", 1);
    let from = format!("concerns c JOIN orgs o ON o.id = c.org_id WHERE {cond}");
    let pairs = |sql: String, args: Vec<Arg>| async move {
        let rows = query_with(&sql, args).fetch_all(db.pool()).await?;
        rows.iter()
            .map(|r| Ok((col::<String>(r, "k")?, col::<i64>(r, "n")?)))
            .collect::<Result<Vec<_>>>()
    };
    let by_state = pairs(
        format!(
            "SELECT c.state AS k, COUNT(*) AS n FROM {from} GROUP BY c.state ORDER BY n DESC, k"
        ),
        args.clone(),
    )
    .await?;
    let by_category = pairs(
        format!("SELECT c.category AS k, COUNT(*) AS n FROM {from} GROUP BY c.category ORDER BY n DESC, k"),
        args.clone(),
    )
    .await?;
    let by_path = pairs(
        format!("SELECT o.path AS k, COUNT(*) AS n FROM {from} GROUP BY o.path"),
        args.clone(),
    )
    .await?;
    let streets: BTreeMap<i64, String> =
        sqlx::query("SELECT id, name FROM orgs WHERE kind = 'street'")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
            .collect::<Result<_>>()?;
    let mut street_counts: BTreeMap<String, i64> = BTreeMap::new();
    for (path, n) in &by_path {
        let street = OrgPath::parse(path)
            .and_then(|p| p.ids().into_iter().find_map(|id| streets.get(&id).cloned()));
        if let Some(s) = street {
            *street_counts.entry(s).or_default() += n;
        }
    }
    let mut by_street: Vec<(String, i64)> = street_counts.into_iter().collect();
    by_street.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total = by_state.iter().map(|(_, n)| n).sum();

    let mut a = args.clone();
    a.push(Arg::Int(db.now_ms()));
    let overdue: i64 = query_with(
        &format!(
            "SELECT COUNT(*) AS n FROM {from} AND c.state IN ('assigned', 'in_progress')
             AND c.deadline_at < ${}",
            a.len()
        ),
        a,
    )
    .fetch_one(db.pool())
    .await
    .and_then(|r| col(&r, "n"))?;

    // The median in the database: count, then read the middle one or two.
    let resolved = format!("{from} AND c.resolved_at IS NOT NULL");
    let n: i64 = query_with(
        &format!("SELECT COUNT(*) AS n FROM {resolved}"),
        args.clone(),
    )
    .fetch_one(db.pool())
    .await
    .and_then(|r| col(&r, "n"))?;
    let median_resolution_ms = if n == 0 {
        None
    } else {
        let mut a = args.clone();
        a.push(Arg::Int(2 - n % 2));
        a.push(Arg::Int((n - 1) / 2));
        let middle: Vec<i64> = query_with(
            &format!(
                "SELECT c.resolved_at - c.created_at AS d FROM {resolved}
                 ORDER BY d LIMIT ${} OFFSET ${}",
                a.len() - 1,
                a.len()
            ),
            a,
        )
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| col::<i64>(r, "d"))
        .collect::<sqlx::Result<_>>()?;
        median(&middle)
    };

    let ratings = pairs(
        format!(
            "SELECT f.rating AS k, COUNT(*) AS n FROM concern_feedback f
             JOIN concerns c ON c.id = f.concern_id JOIN orgs o ON o.id = c.org_id
             WHERE {cond} GROUP BY f.rating"
        ),
        args,
    )
    .await?;
    let count = |k: &str| {
        ratings
            .iter()
            .find(|(r, _)| r == k)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    Ok(Stats {
        total,
        by_state,
        by_category,
        by_street,
        overdue,
        median_resolution_ms,
        feedback: (
            count("satisfied"),
            count("basically_satisfied"),
            count("unsatisfied"),
        ),
    })
}

/// The median of sorted values (mean of the middle two for an even count).
pub fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn median() {
        assert_eq!(super::median(&[]), None);
        assert_eq!(super::median(&[5]), Some(5));
        assert_eq!(super::median(&[1, 3, 10]), Some(3));
        assert_eq!(super::median(&[1, 3, 5, 10]), Some(4));
    }
}
