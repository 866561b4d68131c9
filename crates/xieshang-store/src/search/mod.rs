//! Search over concerns, duplicate suggestions, hotspots, and an area's service
//! page. The index these read is written by [`crate::index`] (kind-agnostic);
//! suggestions and hotspots compare texts with [`xieshang_text::similarity`].

pub mod area;

use crate::concern::{self, Row, OPEN_STATES, PUBLISHED_OPEN_STATES};
use crate::db::{col, Arg, Db};
use crate::error::{Error, Result};
use crate::index::{concern_text, match_expr, CONCERN};
use std::collections::HashMap;
use xieshang_core::{Actor, OrgPath, Permission};
use xieshang_text::{Profile, Segment};

/// Similarity from which two concerns are suggested as the same problem; chosen
/// on the labelled set (see BENCHMARKS.md, "Duplicate suggestions").
pub const SUGGEST_THRESHOLD: f32 = 0.38;

/// How many open concerns of an area a suggestion compares with (the most recent).
const SUGGEST_CANDIDATES: i64 = 400;

/// Profiles of texts already seen, by a hash of the text: suggestions compare a
/// new text with the same open concerns again and again, and segmenting them is
/// most of the work. About 1 KB each; emptied when full.
pub(crate) fn profile_of(text: &str) -> std::sync::Arc<Profile> {
    use std::hash::{Hash, Hasher};
    type Cache = std::sync::Mutex<HashMap<u64, std::sync::Arc<Profile>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    const CAPACITY: usize = 20_000;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    let key = h.finish();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return p;
    }
    let p = std::sync::Arc::new(Profile::new(text));
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CAPACITY {
            c.clear();
        }
        c.insert(key, p.clone());
    }
    p
}

/// How far down the index's ranking each round of a search looks.
const SEARCH_DEPTHS: [i64; 3] = [250, 20_000, i64::MAX];

/// What staff search for, and where.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The query, in any script.
    pub q: String,
    /// Only inside this unit's subtree.
    pub unit: Option<i64>,
    /// Only in this state.
    pub state: Option<String>,
    /// Only in this category.
    pub category: Option<String>,
    /// Raised at or after (unix ms).
    pub from_ms: Option<i64>,
    /// Raised before (unix ms).
    pub to_ms: Option<i64>,
    /// At most this many hits (1–200).
    pub limit: i64,
}

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The concern.
    pub row: Row,
    /// Its title with the query's terms marked.
    pub title: Vec<Segment>,
    /// A passage of its description with the terms marked.
    pub snippet: Vec<Segment>,
}

/// Concerns inside the actor's view scope that match every term of the query,
/// best first (BM25 on SQLite, ts_rank on PostgreSQL), with the terms marked.
pub async fn search(db: &Db, actor: &Actor, f: &Filter) -> Result<Vec<Hit>> {
    actor.require(Permission::ConcernView)?;
    let terms = xieshang_text::query_terms(&f.q);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    if terms.len() > 32 {
        return Err(Error::field("q", "err.query_long", "at most 32 words"));
    }
    let dialect = db.dialect();
    // The scope's units (and the chosen unit) as index tokens; the path
    // conditions below stay the authority.
    // A scope at a root holds every entry under it: no token narrows that.
    let paths = actor.scopes(Permission::ConcernView);
    let scopes: Vec<i64> = if paths.iter().any(|p| p.depth() <= 1) {
        Vec::new()
    } else {
        paths
            .iter()
            .filter_map(|p| p.ids().last().copied())
            .collect()
    };
    let mut units = vec![scopes];
    if let Some(unit) = f.unit {
        units.push(vec![unit]);
    }
    let mut args = vec![Arg::Text(match_expr(dialect, &terms, &units))];
    let (scope, scope_args) =
        crate::db::scope::condition(actor, Permission::ConcernView, "o.path", args.len() + 1);
    args.extend(scope_args);
    let mut conds = vec![scope];
    if let Some(unit) = f.unit {
        let path: Option<String> = sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1")
            .bind(unit)
            .fetch_optional(db.pool())
            .await?;
        let path = path.ok_or(Error::field("unit", "err.org_unknown", "no such unit"))?;
        args.push(Arg::Text(format!("{path}%")));
        conds.push(format!("o.path LIKE ${}", args.len()));
    }
    if let Some(state) = &f.state {
        args.push(Arg::Text(state.clone()));
        conds.push(format!("c.state = ${}", args.len()));
    }
    if let Some(category) = &f.category {
        args.push(Arg::Text(category.clone()));
        conds.push(format!("c.category = ${}", args.len()));
    }
    if let Some(from) = f.from_ms {
        args.push(Arg::Int(from));
        conds.push(format!("c.created_at >= ${}", args.len()));
    }
    if let Some(to) = f.to_ms {
        args.push(Arg::Int(to));
        conds.push(format!("c.created_at < ${}", args.len()));
    }
    let limit = f.limit.clamp(1, 200);
    args.push(Arg::Int(limit));
    let limit_at = args.len();
    args.push(Arg::Int(0));
    let top_at = args.len();
    let cols = concern::ROW_COLS;
    let joins = "JOIN concerns c ON c.id = d.item_id JOIN orgs o ON o.id = c.org_id \
                 LEFT JOIN users u ON u.id = c.recorded_by";
    // The index ranks its best matches first; scope and filters apply to those.
    // When too few survive, the next round looks further down, the last one at
    // every match, so the answer is the same as ranking all matches at once.
    let top = dialect.fts_top(top_at);
    // SQLite's planner would otherwise walk every entry of the kind and probe the
    // ranked list; CROSS JOIN makes it start from the ranked list.
    let first_join = dialect.driving_join();
    let order = dialect.fts_rank_order();
    let sql = format!(
        "WITH top AS ({top})
         SELECT {cols}, top.score FROM top {first_join} search_docs d ON d.id = top.doc {joins}
         WHERE d.kind = '{CONCERN}' AND {conds}
         ORDER BY {order} LIMIT ${limit_at}",
        conds = conds.join(" AND ")
    );
    let mut rows = Vec::new();
    for depth in SEARCH_DEPTHS {
        args[top_at - 1] = Arg::Int(depth);
        rows = crate::db::query_with(&sql, args.clone())
            .fetch_all(db.pool())
            .await?;
        if rows.len() as i64 >= limit {
            break;
        }
    }
    let marks: Vec<String> = terms.iter().flat_map(|t| t.strings()).cloned().collect();
    rows.iter()
        .map(|r| {
            let row = concern::row_from(r)?;
            Ok(Hit {
                title: xieshang_text::highlight(&row.title, &marks),
                snippet: xieshang_text::snippet(&row.description, &marks, 120),
                row,
            })
        })
        .collect()
}

/// An open concern that may be the same problem as a text being written.
#[derive(Debug, Clone)]
pub struct Similar {
    /// Id.
    pub id: i64,
    /// Tracking code (residents follow it).
    pub tracking_code: String,
    /// Title.
    pub title: String,
    /// The unit's name.
    pub area: String,
    /// The unit's path (for permission checks; not for residents).
    pub path: OrgPath,
    /// State.
    pub state: String,
    /// Raised at, unix ms.
    pub created_at: i64,
    /// Similarity, 0–1.
    pub score: f32,
}

/// The path of the area a concern raised in `unit` is compared within: its
/// street, or the unit itself when it is not inside a street.
async fn comparison_area(db: &Db, unit: i64) -> Result<OrgPath> {
    let path: Option<String> = sqlx::query_scalar("SELECT path FROM orgs WHERE id = $1")
        .bind(unit)
        .fetch_optional(db.pool())
        .await?;
    let path = path.and_then(|p| OrgPath::parse(&p)).ok_or(Error::field(
        "area",
        "err.org_unknown",
        "no such unit",
    ))?;
    let ids = path.ids();
    let list = crate::db::placeholders(1, ids.len());
    let rows = crate::db::query_with(
        &format!("SELECT path FROM orgs WHERE kind = 'street' AND id IN ({list})"),
        ids.into_iter().map(Arg::Int).collect(),
    )
    .fetch_all(db.pool())
    .await?;
    match rows.first() {
        Some(r) => OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound),
        None => Ok(path),
    }
}

/// Open concerns in the same street as `unit` whose text is at least
/// [`SUGGEST_THRESHOLD`] alike, most alike first. Only public fields are returned:
/// residents see these before they submit.
pub async fn similar(
    db: &Db,
    unit: i64,
    text: &str,
    exclude: Option<i64>,
    limit: usize,
) -> Result<Vec<Similar>> {
    similar_in(db, unit, text, exclude, limit, OPEN_STATES).await
}

/// [`similar`] for the public (the report form, `/api/v1/similar`): only
/// concerns in [`PUBLISHED_OPEN_STATES`], never one that staff have not
/// reviewed yet.
pub async fn similar_published(
    db: &Db,
    unit: i64,
    text: &str,
    limit: usize,
) -> Result<Vec<Similar>> {
    similar_in(db, unit, text, None, limit, PUBLISHED_OPEN_STATES).await
}

async fn similar_in(
    db: &Db,
    unit: i64,
    text: &str,
    exclude: Option<i64>,
    limit: usize,
    open_states: &[&str],
) -> Result<Vec<Similar>> {
    let probe = Profile::new(text);
    if probe.is_empty() {
        return Ok(Vec::new());
    }
    let area = comparison_area(db, unit).await?;
    let states = open_states
        .iter()
        .enumerate()
        .map(|(i, _)| format!("${}", i + 3))
        .collect::<Vec<_>>()
        .join(", ");
    let mut args = vec![
        Arg::Text(format!("{}%", area.as_str())),
        Arg::Int(exclude.unwrap_or(0)),
    ];
    args.extend(open_states.iter().map(|s| Arg::Text((*s).into())));
    args.push(Arg::Int(SUGGEST_CANDIDATES));
    // From the street's units to their open concerns (SQLite would otherwise walk
    // every open concern of the city).
    let join = db.dialect().driving_join();
    let sql = format!(
        "SELECT c.id, c.tracking_code, c.title, c.description, c.address, c.state, c.created_at,
                o.name AS area, o.path
         FROM orgs o {join} concerns c ON c.org_id = o.id
         WHERE o.path LIKE $1 AND c.id <> $2 AND c.state IN ({states})
         ORDER BY c.created_at DESC, c.id DESC LIMIT ${}",
        args.len()
    );
    let rows = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let title: String = col(r, "title")?;
        let other = profile_of(&concern_text(
            &title,
            &col::<String>(r, "description")?,
            col::<Option<String>>(r, "address")?.as_deref(),
        ));
        let score = xieshang_text::similarity(&probe, &other);
        if score >= SUGGEST_THRESHOLD {
            out.push(Similar {
                id: col(r, "id")?,
                tracking_code: col(r, "tracking_code")?,
                title,
                area: col(r, "area")?,
                path: OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?,
                state: col(r, "state")?,
                created_at: col(r, "created_at")?,
                score,
            });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
    out.truncate(limit);
    Ok(out)
}

/// Where hotspots are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Within each street.
    Street,
    /// Within each grid.
    Grid,
}

/// One concern of a hotspot.
#[derive(Debug, Clone)]
pub struct HotspotItem {
    /// Id.
    pub id: i64,
    /// Tracking code.
    pub tracking_code: String,
    /// Title.
    pub title: String,
    /// State.
    pub state: String,
    /// Raised at, unix ms.
    pub created_at: i64,
}

/// A cluster of similar concerns in one street or grid: a candidate topic for a
/// consultation.
#[derive(Debug, Clone)]
pub struct Hotspot {
    /// The street or grid.
    pub area: String,
    /// Words most of its concerns share.
    pub label: Vec<String>,
    /// Its concerns, newest first.
    pub items: Vec<HotspotItem>,
}

/// At most this many concerns are clustered per request (the most recent).
const HOTSPOT_CANDIDATES: i64 = 5_000;

/// Clusters of at least `min_size` alike concerns (not rejected or merged away)
/// raised since `since_ms` inside the actor's view scope, within each street or
/// grid; biggest first. Two concerns join a cluster when their similarity reaches
/// `threshold` (single link).
pub async fn hotspots(
    db: &Db,
    actor: &Actor,
    level: Level,
    since_ms: i64,
    min_size: usize,
    threshold: f32,
) -> Result<Vec<Hotspot>> {
    actor.require(Permission::ConcernView)?;
    let (scope, mut args) =
        crate::db::scope::condition(actor, Permission::ConcernView, "o.path", 1);
    args.push(Arg::Int(since_ms));
    let since = args.len();
    args.push(Arg::Int(HOTSPOT_CANDIDATES));
    let sql = format!(
        "SELECT c.id, c.tracking_code, c.title, c.description, c.address, c.state, c.created_at,
                o.path
         FROM concerns c JOIN orgs o ON o.id = c.org_id
         WHERE {scope} AND c.created_at >= ${since} AND c.state NOT IN ('rejected', 'merged')
         ORDER BY c.created_at DESC LIMIT ${}",
        args.len()
    );
    let rows = crate::db::query_with(&sql, args)
        .fetch_all(db.pool())
        .await?;
    let kind = match level {
        Level::Street => "street",
        Level::Grid => "grid",
    };
    let areas: HashMap<i64, String> = sqlx::query("SELECT id, name FROM orgs WHERE kind = $1")
        .bind(kind)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
        .collect::<sqlx::Result<_>>()?;
    // Group by area, then cluster inside each group.
    let mut groups: HashMap<i64, Vec<(HotspotItem, Profile)>> = HashMap::new();
    for r in &rows {
        let path = OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?;
        let Some(area) = path.ids().into_iter().find(|id| areas.contains_key(id)) else {
            continue;
        };
        let title: String = col(r, "title")?;
        let profile = Profile::new(&concern_text(
            &title,
            &col::<String>(r, "description")?,
            col::<Option<String>>(r, "address")?.as_deref(),
        ));
        groups.entry(area).or_default().push((
            HotspotItem {
                id: col(r, "id")?,
                tracking_code: col(r, "tracking_code")?,
                title,
                state: col(r, "state")?,
                created_at: col(r, "created_at")?,
            },
            profile,
        ));
    }
    let mut out = Vec::new();
    for (area, members) in groups {
        for cluster in clusters(&members, threshold) {
            if cluster.len() < min_size {
                continue;
            }
            let mut counts: HashMap<String, usize> = HashMap::new();
            for &i in &cluster {
                for w in members[i].1.top_words(6) {
                    *counts.entry(w).or_default() += 1;
                }
            }
            let mut label: Vec<(String, usize)> = counts.into_iter().collect();
            label.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut items: Vec<HotspotItem> =
                cluster.iter().map(|&i| members[i].0.clone()).collect();
            items.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            out.push(Hotspot {
                area: areas.get(&area).cloned().unwrap_or_default(),
                label: label.into_iter().take(3).map(|(w, _)| w).collect(),
                items,
            });
        }
    }
    out.sort_by(|a, b| {
        b.items
            .len()
            .cmp(&a.items.len())
            .then(a.area.cmp(&b.area))
            .then(a.items[0].id.cmp(&b.items[0].id))
    });
    Ok(out)
}

/// Single-link clusters (connected components of the "alike" graph), as indexes.
/// Only pairs that share a word are compared.
fn clusters(members: &[(HotspotItem, Profile)], threshold: f32) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..members.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (_, p)) in members.iter().enumerate() {
        for w in p.top_words(8) {
            by_word.entry(w).or_default().push(i);
        }
    }
    let mut compared = std::collections::HashSet::new();
    for list in by_word.values() {
        for (k, &i) in list.iter().enumerate() {
            for &j in &list[k + 1..] {
                if !compared.insert((i.min(j), i.max(j))) {
                    continue;
                }
                if xieshang_text::similarity(&members[i].1, &members[j].1) >= threshold {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a] = b;
                }
            }
        }
    }
    let mut out: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..members.len() {
        let root = find(&mut parent, i);
        out.entry(root).or_default().push(i);
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_open_states_are_the_open_states_the_public_may_see() {
        let both: Vec<&str> = OPEN_STATES
            .iter()
            .copied()
            .filter(|s| crate::concern::open_data::PUBLISHED_STATES.contains(s))
            .collect();
        assert_eq!(both, PUBLISHED_OPEN_STATES);
    }
}
