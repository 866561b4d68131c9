//! Store integration tests, on SQLite and (with XIESHANG_TEST_PG) on PostgreSQL.

mod apikey;
mod audit;
mod coalesce;
mod consult;
mod consult_settings;
mod datagen;
mod engine_migration;
mod intake;
mod item;
mod migrations;
mod org;
// h-locate begin
mod org_point;
// h-locate end
mod outcome_branch;
mod proposal;
mod proposal_face;
mod proposal_figures;
mod proposal_handle;
mod proposal_key;
mod proposal_leads;
mod proposal_story;
mod public_trail;
mod reader;
mod report;
mod roster;
mod search;
mod studio;
mod study;
mod supervision_page;
mod tally;

use xieshang_store::testing::TestDb;

/// A password hash for test accounts (cheap parameters).
pub const HASH: &str = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA";

/// The signed-in actor of an account.
pub async fn actor(t: &TestDb, username: &str) -> xieshang_core::Actor {
    let c = xieshang_store::account::user::credentials(&t.db, username)
        .await
        .unwrap()
        .unwrap();
    xieshang_store::account::user::actor(&t.db, c.id)
        .await
        .unwrap()
}

/// One number a query gives (a count).
pub async fn count(t: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(t.db.pool())
        .await
        .unwrap()
}

/// Fills the database with a generated city of 13 districts.
pub async fn generated_city(t: &TestDb, concerns: u64, members: u64, years: u32, seed: u64) {
    let plan = xieshang_store::datagen::Plan {
        concerns,
        members,
        years,
        seed,
        proposals: 5,
    };
    xieshang_store::datagen::generate(&t.db, plan, HASH, |_| {})
        .await
        .unwrap();
}

pub use xieshang_store::testing::web_concern;
