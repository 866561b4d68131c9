//! Domain types and rules of Xieshang.
//!
//! This crate holds organisations, roles, permissions and validated values. It must
//! never do IO of any kind: no database, no network, no files, no clock. Errors here
//! are `thiserror` types that callers match on.

pub mod authz;
pub mod calendar;
pub mod category;
pub mod concern;
pub mod item;
pub mod org;
pub mod personal;
pub mod role;
pub mod rota;
pub mod values;

pub use authz::{Actor, Denied, Grant};
pub use org::{OrgKind, OrgPath};
pub use role::{Permission, Role};
