//! Accounts: users and their grants (`user`), sessions (`session`), password
//! hashing (`password`) and API keys (`apikey`).

pub mod apikey;
pub mod password;
pub mod session;
pub mod user;
