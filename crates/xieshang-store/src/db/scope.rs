//! Turns an actor's permission scopes into SQL conditions, so lists only ever
//! contain what [`xieshang_core::Actor::check`] would allow one by one.

use crate::db::Arg;
use xieshang_core::{Actor, OrgPath, Permission};

/// A condition on a path column (`o.path`) that holds for rows inside the actor's
/// scopes for `permission`, with its arguments numbered from `first`. An actor with
/// no scope gets a condition that is always false.
///
/// A subtree is the range of paths from its own (`/1/7/`) up to the next
/// prefix (`/1/70`, since `0` follows `/`), so that both databases read the
/// path index as a range even in a prepared statement's generic plan, which a
/// `LIKE` with a bound pattern cannot give PostgreSQL. This relies on paths
/// comparing byte by byte: SQLite's default collation does, and the path
/// column is `COLLATE "C"` on PostgreSQL (migration 0014).
pub fn condition(
    actor: &Actor,
    permission: Permission,
    path_column: &str,
    first: usize,
) -> (String, Vec<Arg>) {
    paths_condition(&actor.scopes(permission), path_column, first)
}

/// [`condition`] for a given set of subtrees (some of an actor's scopes).
pub(crate) fn paths_condition(
    paths: &[OrgPath],
    path_column: &str,
    first: usize,
) -> (String, Vec<Arg>) {
    if paths.is_empty() {
        return ("1 = 0".into(), Vec::new());
    }
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for s in paths {
        let (from, to) = subtree_range(s.as_str());
        let n = first + args.len();
        parts.push(format!(
            "({path_column} >= ${n} AND {path_column} < ${})",
            n + 1
        ));
        args.push(Arg::Text(from));
        args.push(Arg::Text(to));
    }
    (format!("({})", parts.join(" OR ")), args)
}

/// True when every one of `scopes` is a whole tree (a root) or a whole branch
/// (a district): then its concerns are named by their branch column alone,
/// through [`branch_match`], without a look at their units.
pub(crate) fn whole_branches(scopes: &[OrgPath]) -> bool {
    !scopes.is_empty() && scopes.iter().all(|p| p.depth() <= 2)
}

/// What a concern's branch column must match to lie in `scope`, a root or a
/// branch (see [`whole_branches`]): a branch's own id, or for a root, its own
/// and its branches' ids. The ids are numbers written into the SQL.
pub(crate) fn branch_match(scope: &OrgPath) -> String {
    let b = scope.branch();
    if scope.depth() == 1 {
        format!("IN (SELECT id FROM orgs WHERE id = {b} OR parent_id = {b})")
    } else {
        format!("= {b}")
    }
}

/// What an item's branch column must match for the item to possibly lie in
/// one of `scopes` when none is a root (`= 7`, `IN (7, 9)`: the scopes'
/// branches, written into the SQL); None when one is a root, or there are
/// none. Alone it names the rows only when every scope is a branch itself
/// (depth 2); a street's scope matches its whole district's branch, so there
/// it narrows the read beside the path condition.
pub(crate) fn branches_below_root(scopes: &[OrgPath]) -> Option<String> {
    if scopes.is_empty() || scopes.iter().any(|p| p.depth() < 2) {
        return None;
    }
    let mut ids: Vec<i64> = scopes.iter().map(OrgPath::branch).collect();
    ids.sort_unstable();
    ids.dedup();
    Some(match ids.as_slice() {
        [one] => format!("= {one}"),
        many => format!(
            "IN ({})",
            many.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// The half-open range of paths inside the subtree at `path` (which ends in
/// `/`): every path that starts with it, and no other.
pub(crate) fn subtree_range(path: &str) -> (String, String) {
    let mut to = path.as_bytes().to_vec();
    // Paths are ASCII digits and slashes; the last byte is the slash.
    if let Some(last) = to.last_mut() {
        *last += 1;
    }
    (path.to_owned(), String::from_utf8_lossy(&to).into_owned())
}

#[cfg(test)]
mod tests {
    use super::subtree_range;

    #[test]
    fn a_subtree_range_holds_its_paths_and_no_neighbour() {
        let (from, to) = subtree_range("/1/7/");
        assert_eq!((from.as_str(), to.as_str()), ("/1/7/", "/1/70"));
        let inside = |p: &str| p >= from.as_str() && p < to.as_str();
        assert!(inside("/1/7/"));
        assert!(inside("/1/7/12/"));
        assert!(inside("/1/7/99/3/"));
        assert!(!inside("/1/70/"));
        assert!(!inside("/1/71/2/"));
        assert!(!inside("/1/8/"));
        assert!(!inside("/1/"));
        assert!(!inside("/1/6/"));
    }
}
