//! Key proposals (重点提案, issue 29 point 8: nomination, the leaders' ballot, supervising leaders) and disclosure (point 9: the proposer's choice, the public pages).

use super::Proposal;
use crate::kit::auth::CurrentUser;
use crate::kit::error::AppResult;
use crate::kit::form::FieldErrors;
use crate::kit::i18n::Tr;
use crate::kit::routes::Routes;
use crate::kit::state::AppState;

/// This module's routes.
pub(super) fn routes(r: Routes) -> Routes {
    r
}

/// This module's part of the proposal's page, as rendered HTML (empty when
/// it has nothing for this reader); `kept` is what was typed in its forms
/// when a post was refused, shown again beside `errors`.
pub(super) async fn section(
    _state: &AppState,
    _tr: Tr,
    _u: &CurrentUser,
    _p: &Proposal,
    _errors: &FieldErrors,
    _kept: &[(String, String)],
) -> AppResult<String> {
    Ok(String::new())
}
