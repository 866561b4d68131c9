//! Turns an actor's permission scopes into SQL conditions, so lists only ever
//! contain what [`xieshang_core::Actor::check`] would allow one by one.

use crate::db::Arg;
use xieshang_core::{Actor, Permission};

/// A condition on a path column (`o.path`) that holds for rows inside the actor's
/// scopes for `permission`, with its arguments numbered from `first`. An actor with
/// no scope gets a condition that is always false.
pub fn condition(
    actor: &Actor,
    permission: Permission,
    path_column: &str,
    first: usize,
) -> (String, Vec<Arg>) {
    let scopes = actor.scopes(permission);
    if scopes.is_empty() {
        return ("1 = 0".into(), Vec::new());
    }
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for (i, s) in scopes.iter().enumerate() {
        // Paths are digits and slashes, so no LIKE wildcard can sneak in.
        parts.push(format!("{path_column} LIKE ${}", first + i));
        args.push(Arg::Text(format!("{}%", s.as_str())));
    }
    (format!("({})", parts.join(" OR ")), args)
}
