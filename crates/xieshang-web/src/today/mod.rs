//! The member's phone home (履职通, issue 30 point 6): what waits for the member today and this week.

use crate::kit::routes::Routes;

/// This feature's routes.
pub fn routes(r: Routes) -> Routes {
    r
}
