//! Accounts: roles, their permissions and who may grant which.

pub mod role;
