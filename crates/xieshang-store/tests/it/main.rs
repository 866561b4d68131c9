//! Store integration tests, on SQLite and (with XIESHANG_TEST_PG) on PostgreSQL.

mod audit;
mod datagen;
mod intake;
mod item;
mod org;
mod public_trail;
mod roster;
mod search;
mod studio;
