//! Persistence for Xieshang: pools, migrations, queries, the audit chain, sessions.
//!
//! One code path serves SQLite and PostgreSQL through sqlx's `Any` driver; what
//! truly differs between them lives in [`db::Dialect`]. Every query that reads or
//! changes scoped data takes an [`xieshang_core::Actor`] and asks it (see
//! [`db::scope`]). Errors on the request path are [`Error`]; CLI-only helpers use
//! `anyhow`. This crate never renders pages.

// Shared pieces: the database (pool, dialect, batch writer, readers, scopes),
// the migrations, errors, secrets, sealing, outbound network checks, TTL caches.
pub mod db;
pub mod error;
pub mod migrate;
pub mod net;
pub mod seal;
pub mod secret;
pub mod ttl;

// The item engine every kind moves through, and the full-text index every
// kind writes into.
pub mod index;
pub mod item;

// Features, one folder each (same names in core and web).
pub mod account;
pub mod audit;
pub mod city;
pub mod concern;
pub mod consult;
pub mod duty;
pub mod jobs;
pub mod org;
pub mod party;
pub mod practice;
pub mod proposal;
pub mod report;
pub mod roster;
pub mod search;
pub mod study;
pub mod supervision;
pub mod today;
pub mod upload;

// Tools: the demo city, the generated city for load runs, test helpers.
pub mod datagen;
pub mod seed;
pub mod testing;

pub use db::{Clock, Db, Dialect, Tx};
pub use error::{Error, Result};
