//! Figures for staff over their scope: counts by state, category and street,
//! overdue work, median time to resolution and the satisfaction rate.

use crate::concern::tally::BUCKET_MS;
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
    /// Open and escalated (to the body's leaders or the level above).
    pub escalated: i64,
    /// Median time from submission to resolution, in ms, to the twentieth of a
    /// day: each time counts at its tenth of a day, rounded (tally.rs).
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

/// The figures computed now, without [`stats`]'s cache (which a change that
/// writes no timeline event, such as a test's own SQL, would not refresh).
pub async fn compute(db: &Db, actor: &Actor) -> Result<Stats> {
    actor.require(Permission::ConcernView)?;
    // The kept counts (tally.rs) in scope. A scope at the root or a branch
    // (a district) reads its branches' counts, a narrower one its units';
    // an actor's scopes never overlap (Actor::scopes).
    let join = db.dialect().driving_join();
    let scopes = actor.scopes(Permission::ConcernView);
    let (branches, units): (Vec<_>, Vec<_>) = scopes.iter().cloned().partition(|p| p.depth() <= 2);
    let mut args = Vec::new();
    let mut parts = Vec::new();
    for (paths, dims) in [
        (
            branches,
            "t.dim IN ('b.state', 'b.category', 'b.resolved', 'b.rating')",
        ),
        (
            units,
            "t.dim IN ('state', 'category', 'resolved', 'rating')",
        ),
    ] {
        if !paths.is_empty() {
            parts.push(kept(
                &paths,
                "t.dim AS dim, t.k AS k",
                dims,
                join,
                &mut args,
            ));
        }
    }
    let rows = if parts.is_empty() {
        Vec::new()
    } else {
        query_with(
            &format!(
                "SELECT dim, k, CAST(SUM(n) AS BIGINT) AS n FROM ({}) x GROUP BY dim, k",
                parts.join("\n UNION ALL ")
            ),
            args,
        )
        .fetch_all(db.pool())
        .await?
    };
    let mut by_state = Vec::new();
    let mut by_category = Vec::new();
    let mut resolved: Vec<(i64, i64)> = Vec::new();
    let mut ratings: HashMap<String, i64> = HashMap::new();
    for r in &rows {
        let (dim, k, n): (String, String, i64) = (col(r, "dim")?, col(r, "k")?, col(r, "n")?);
        if n == 0 {
            continue;
        }
        match dim.strip_prefix("b.").unwrap_or(&dim) {
            "state" => by_state.push((k, n)),
            "category" => by_category.push((k, n)),
            "resolved" => resolved.push((k.parse().unwrap_or(0), n)),
            "rating" => {
                ratings.insert(k, n);
            }
            _ => {}
        }
    }
    for v in [&mut by_state, &mut by_category] {
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    resolved.sort_unstable();

    // Streets from their units' state counts.
    let mut args = Vec::new();
    let units = kept(
        &scopes,
        "o.path AS path",
        "t.dim = 'state'",
        join,
        &mut args,
    );
    let by_path = query_with(
        &format!("SELECT path AS k, CAST(SUM(n) AS BIGINT) AS n FROM ({units}) x GROUP BY path"),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col::<String>(r, "k")?, col::<i64>(r, "n")?)))
    .collect::<Result<Vec<_>>>()?;
    // Each street counted on its own (two districts may each have a street
    // of one name), named with its district where its name is not unique.
    let streets: BTreeMap<i64, (String, String)> = sqlx::query(
        "SELECT s.id, s.name, COALESCE(p.name, '') AS parent FROM orgs s
           LEFT JOIN orgs p ON p.id = s.parent_id WHERE s.kind = 'street'",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, (col(r, "name")?, col(r, "parent")?))))
    .collect::<Result<_>>()?;
    let mut street_counts: BTreeMap<i64, i64> = BTreeMap::new();
    for (path, n) in &by_path {
        let street = OrgPath::parse(path)
            .and_then(|p| p.ids().into_iter().find(|id| streets.contains_key(id)));
        if let Some(s) = street {
            *street_counts.entry(s).or_default() += n;
        }
    }
    street_counts.retain(|_, n| *n != 0);
    let mut names: HashMap<&str, usize> = HashMap::new();
    for id in street_counts.keys() {
        *names.entry(streets[id].0.as_str()).or_default() += 1;
    }
    let mut by_street: Vec<(String, i64)> = street_counts
        .iter()
        .map(|(id, n)| {
            let (name, parent) = &streets[id];
            if names[name.as_str()] > 1 {
                (format!("{name}（{parent}）"), *n)
            } else {
                (name.clone(), *n)
            }
        })
        .collect();
    by_street.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total = by_state.iter().map(|(_, n)| n).sum();

    // Overdue work moves with the clock, so it is counted: the open concerns
    // past a deadline are few. A city's or a district's are ranges of the
    // (branch, state, deadline) index, counted from the index alone (a city's
    // through the (state, deadline) index and every unit took 25-50 ms on
    // PostgreSQL, 3-4 ms this way; BENCHMARKS.md); a narrower scope's are
    // found through its units.
    let now = db.now_ms();
    let (from, mut a) = if crate::db::scope::whole_branches(&scopes) {
        let branches: Vec<String> = scopes
            .iter()
            .map(|p| format!("c.branch_id {}", crate::db::scope::branch_match(p)))
            .collect();
        (
            format!("concerns c WHERE ({})", branches.join(" OR ")),
            Vec::new(),
        )
    } else {
        let (cond, a) = crate::db::scope::condition(actor, Permission::ConcernView, "o.path", 1);
        (
            format!("concerns c JOIN orgs o ON o.id = c.org_id WHERE {cond}"),
            a,
        )
    };
    a.push(Arg::Int(now));
    let overdue: i64 = query_with(
        &format!(
            "SELECT COUNT(*) AS n FROM {from}
             AND c.state IN ('assigned', 'in_progress') AND c.deadline_at < ${}",
            a.len()
        ),
        a.clone(),
    )
    .fetch_one(db.pool())
    .await
    .and_then(|r| col(&r, "n"))?;
    // Escalated work is few as well (it is overdue first).
    a.pop();
    let escalated: i64 = query_with(
        &format!(
            "SELECT COUNT(*) AS n FROM {from}
             AND c.state IN ('assigned', 'in_progress') AND c.escalation_level > 0"
        ),
        a,
    )
    .fetch_one(db.pool())
    .await
    .and_then(|r| col(&r, "n"))?;

    let count = |k: &str| ratings.get(k).copied().unwrap_or(0);
    Ok(Stats {
        total,
        by_state,
        by_category,
        by_street,
        overdue,
        escalated,
        median_resolution_ms: histogram_median(&resolved).map(|b| b * BUCKET_MS / 2),
        feedback: (
            count("satisfied"),
            count("basically_satisfied"),
            count("unsatisfied"),
        ),
    })
}

/// The kept counts of the units in the subtrees at `paths` whose dimension
/// passes `only`: `select` (over the units `o` and the counts `t`) and `n`,
/// from the tallies and the log not yet folded into them, in one statement so
/// that a fold between two reads cannot count a change twice or lose it.
/// Appends its arguments to `args`.
fn kept(paths: &[OrgPath], select: &str, only: &str, join: &str, args: &mut Vec<Arg>) -> String {
    let (folded, more) = crate::db::scope::paths_condition(paths, "o.path", args.len() + 1);
    args.extend(more);
    let (logged, more) = crate::db::scope::paths_condition(paths, "o.path", args.len() + 1);
    args.extend(more);
    format!(
        "SELECT {select}, t.n AS n FROM orgs o JOIN concern_tallies t ON t.org_id = o.id
           WHERE {folded} AND {only}
         UNION ALL SELECT {select}, t.d FROM concern_tally_log t {join} orgs o ON o.id = t.org_id
           WHERE {logged} AND {only}"
    )
}

/// The median of a histogram given as (bucket, count) sorted by bucket, in
/// half-buckets: twice the bucket of the middle value, or the sum of the
/// buckets of the middle two for an even count.
pub fn histogram_median(buckets: &[(i64, i64)]) -> Option<i64> {
    let total: i64 = buckets.iter().map(|(_, n)| *n).filter(|n| *n > 0).sum();
    if total == 0 {
        return None;
    }
    // 0-based positions of the middle one or two values.
    let (lo, hi) = ((total - 1) / 2, total / 2);
    let mut seen = 0;
    let (mut at_lo, mut at_hi) = (None, None);
    for (b, n) in buckets.iter().filter(|(_, n)| *n > 0) {
        seen += n;
        if at_lo.is_none() && seen > lo {
            at_lo = Some(*b);
        }
        if seen > hi {
            at_hi = Some(*b);
            break;
        }
    }
    Some(at_lo? + at_hi?)
}

#[cfg(test)]
mod tests {
    use super::histogram_median as m;

    #[test]
    fn histogram_median_takes_the_middle_one_or_two() {
        assert_eq!(m(&[]), None);
        assert_eq!(m(&[(4, 0)]), None);
        // One value in bucket 30: twice 30 half-buckets.
        assert_eq!(m(&[(30, 1)]), Some(60));
        // 1, 3, 10 (each once): the middle one is 3.
        assert_eq!(m(&[(1, 1), (3, 1), (10, 1)]), Some(6));
        // 1, 3, 5, 10: the middle two are 3 and 5.
        assert_eq!(m(&[(1, 1), (3, 1), (5, 1), (10, 1)]), Some(8));
        // 2, 2, 2, 7: both middle values in bucket 2; empty buckets skipped.
        assert_eq!(m(&[(0, 0), (2, 3), (7, 1)]), Some(4));
        // 1, 1, 9, 9: the middle two straddle two buckets.
        assert_eq!(m(&[(1, 2), (9, 2)]), Some(10));
    }
}
