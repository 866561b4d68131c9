//! Web integration tests: the real router in-process, a fresh database per test,
//! SQLite always and PostgreSQL when XIESHANG_TEST_PG names a server.

mod abuse;
mod api;
mod app;
mod auth;
mod duty;
mod exports;
mod find;
mod matrix;
mod metrics;
mod open311;
mod pages;
mod roster;
mod smtp;
mod statement;
mod story;
mod uploads;
mod webhooks;
mod weight;
