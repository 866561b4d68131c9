//! Store integration tests, on SQLite and (with XIESHANG_TEST_PG) on PostgreSQL.

mod audit;
mod item;
mod org;
