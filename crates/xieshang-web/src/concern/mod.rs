//! The concern loop's pages and downloads: the resident's form and tracking page
//! (`resident`), the working pages of staff, departments and recorders (`staff`),
//! exports (`exports`), the accessibility statement and its barrier form
//! (`barrier`), and the one intake service every channel uses
//! (`intake`). The JSON API and Open311 are in the `api` folder.

use crate::kit::routes::Routes;

pub mod barrier;
pub mod exports;
pub mod intake;
pub mod resident;
pub mod staff;

/// The concern loop's routes.
pub fn routes(r: Routes) -> Routes {
    let r = resident::routes(r);
    let r = staff::routes(r);
    let r = barrier::routes(r);
    exports::routes(r)
}
