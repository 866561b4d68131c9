//! Members' duty: studios and their rotas (`studio`), receptions of residents at a
//! studio (`reception`), the duty record built from the activity itself (`record`),
//! and scoring (`scoring`).

pub mod reception;
pub mod record;
pub mod scoring;
pub mod studio;
