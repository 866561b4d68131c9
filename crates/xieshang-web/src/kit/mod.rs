//! What every feature's web side shares: the page frame and rendering (`page`),
//! the one application error (`error`) and the one redirect with a message
//! (`flash`), the one CSV writer (`csv`), a refused form's field errors (`form`), sign-in, sessions and CSRF (`auth`), translations (`i18n`), the
//! application state (`state`), the route table that enforces each route's
//! access (`routes`), rate limits (`throttle`), the error page (`error_page`), health,
//! request metrics and security headers (`ops`), the metrics (`metrics`) and
//! static files (`assets`).

pub mod assets;
pub mod auth;
pub mod csv;
pub mod error;
pub mod error_page;
pub mod flash;
pub mod form;
pub mod i18n;
pub mod metrics;
pub mod ops;
pub mod page;
pub mod routes;
pub mod state;
pub mod throttle;

use routes::{Access, Routes};

/// Health, readiness, metrics and static files.
pub fn routes(r: Routes) -> Routes {
    use axum::routing::get;
    use Access::Public;
    r.get("/healthz", Public, get(ops::healthz))
        .get("/readyz", Public, get(ops::readyz))
        .get("/metrics", Public, get(ops::metrics))
        .get("/static/{file}", Public, get(assets::asset))
}
