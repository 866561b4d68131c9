//! Persistence for Xieshang: pools, migrations, queries, the audit chain, sessions.
//!
//! One code path serves SQLite and PostgreSQL through sqlx's `Any` driver; what
//! truly differs between them lives in [`db::Dialect`]. Every query that reads or
//! changes scoped data takes an [`xieshang_core::Actor`] and asks it (see
//! [`scope`]). Errors on the request path are [`Error`]; CLI-only helpers use
//! `anyhow`. This crate never renders pages.

pub mod apikey;
pub mod area;
pub mod audit;
pub mod coalesce;
pub mod concern;
pub mod datagen;
pub mod db;
pub mod duty_record;
pub mod error;
pub mod handling;
pub mod intake;
pub mod item;
pub mod jobs;
pub mod migrate;
pub mod net;
pub mod open_data;
pub mod org;
pub mod password;
pub mod photo;
pub mod reader;
pub mod reception;
pub mod roster;
pub mod scope;
pub mod scoring;
pub mod seal;
pub mod search;
pub mod secret;
pub mod seed;
pub mod session;
pub mod stats;
pub mod studio;
pub mod tally;
pub mod testing;
pub mod triage;
pub mod ttl;
pub mod user;
pub mod webhook;

pub use db::{Clock, Db, Dialect, Tx};
pub use error::{Error, Result};
