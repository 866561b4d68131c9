//! Issue 30: see the store module of the same feature.

use crate::kit::routes::Routes;

/// This feature's routes.
pub fn routes(r: Routes) -> Routes {
    r
}
