//! Members' duty: studio rotas.

pub mod rota;
