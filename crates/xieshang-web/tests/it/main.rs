//! Web integration tests: the real router in-process, a fresh database per test,
//! SQLite always and PostgreSQL when XIESHANG_TEST_PG names a server.

mod abuse;
mod api;
mod app;
// h-audit begin
mod audit;
// h-audit end
mod auth;
mod city;
mod consult;
mod consult_settings;
mod duty;
mod exports;
mod find;
mod forms;
mod language;
mod links;
// h-locate begin
mod locate;
// h-locate end
mod matrix;
mod metrics;
mod open311;
mod pages;
mod party;
mod practice;
mod proposal;
mod proposal_api;
mod proposal_figures;
mod proposal_handle;
mod proposal_key;
mod proposal_leads;
mod proposal_reply;
mod report;
mod report_api;
mod report_story;
mod resident;
mod roster;
mod smtp;
mod staff_side;
mod statement;
mod story;
mod study;
mod supervision;
mod today;
mod uploads;
mod webhooks;
mod weight;
