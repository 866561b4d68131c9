//! Domain types and rules of Xieshang.
//!
//! This crate holds organisations, roles, permissions and validated values. It must
//! never do IO of any kind: no database, no network, no files, no clock. Errors here
//! are `thiserror` types that callers match on.

// Shared: the permission decision, the item engine's rules, working days,
// masking of personal data, validated values.
pub mod authz;
pub mod calendar;
pub mod item;
pub mod personal;
pub mod values;

// Features, one folder each (same names as in the store and the web crate).
pub mod account;
pub mod concern;
pub mod duty;
pub mod org;
pub mod party;
pub mod practice;
pub mod proposal;
pub mod report;
pub mod study;
pub mod supervision;

pub use account::role::{Permission, Role};
pub use authz::{Actor, Denied, Grant, Relation};
pub use org::{OrgKind, OrgPath};
