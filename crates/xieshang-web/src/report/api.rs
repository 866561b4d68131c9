//! Public-opinion reports in the JSON API (issue 30 point 7, decision record
//! 0044). Staff systems read with an API key carrying `reports:read` the
//! reports of the bodies inside the key's unit (`/api/v1/reports`); a member
//! reads their own submitted reports with their session
//! (`/api/v1/me/reports`, GET only, so the phone's pages can read them: no
//! cookie-authenticated write exists under `/api/`). Both give the same
//! shapes; what a reader may not read is 404, as one that does not exist.
//! The store's `report::api` reads; nothing here writes.

use crate::consult::api::id_of;
use crate::kit::auth::CurrentUser;
use crate::kit::error::{ApiError, AppError, ErrorBody};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xieshang_core::item::OPINION_REPORT;
use xieshang_store::account::apikey::{ApiKey, Scope};
use xieshang_store::report::api::{self as store_api, Filter, Listed, Reader};
use xieshang_store::report::levels::{self, Forwarded};

/// The API's report routes.
pub(super) fn routes(r: Routes) -> Routes {
    r.get(
        "/api/v1/reports",
        Access::Key(Scope::ReportsRead),
        get(list_reports),
    )
    .get(
        "/api/v1/reports/{id}",
        Access::Key(Scope::ReportsRead),
        get(get_report),
    )
    .get("/api/v1/me/reports", Access::SignedIn, get(list_my_reports))
    .get(
        "/api/v1/me/reports/{id}",
        Access::SignedIn,
        get(get_my_report),
    )
}

/// Filters of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Only this state.
    #[param(schema_with = state_schema)]
    state: Option<String>,
    /// Only those changed at or after this time (RFC 3339): a step of the
    /// office, a new version, a forward, an adoption or an instruction.
    #[param(format = DateTime, example = "2027-01-01T00:00:00+08:00")]
    updated_since: Option<String>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = "^c[0-9]+_[0-9]+$")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The states a report can be in, as an enumeration of strings.
fn state_schema() -> utoipa::openapi::Object {
    crate::consult::api::states_schema(&OPINION_REPORT)
}

fn bad(field: &str, message: &str) -> ApiError {
    AppError::field(field, message).into()
}

/// A level a report was forwarded to.
#[derive(Serialize, ToSchema)]
pub struct ReportLevelOut {
    /// city, national, party (the party committee at the body's level) or
    /// government (the government at its level).
    level: String,
    /// Forwarded (unix ms).
    forwarded_at: i64,
    /// Adopted there (unix ms); absent while not.
    adopted_at: Option<i64>,
    /// Where the adoption is shown.
    evidence: Option<String>,
}

/// A report in a list.
#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    /// Serial number (the number the pages show).
    id: i64,
    /// The title as it stands (the office's once it edited the report).
    title: String,
    /// submitted, editing, used, kept, not_used or merged.
    state: String,
    /// The office's decision: used (采用), kept (留存) or not_used (不采用);
    /// absent before it decides, and for a merged report.
    decision: Option<String>,
    /// member, group (on behalf of a member group) or informant (特邀信息员).
    submitter_kind: String,
    /// The submitter's name.
    submitter: String,
    /// The member group's name, when submitted for one.
    group: Option<String>,
    /// The body's code.
    body_code: String,
    /// The body's name.
    body: String,
    /// Submitted (unix ms).
    submitted_at: i64,
    /// Last change (unix ms).
    updated_at: i64,
    /// The levels it was forwarded to, in order.
    levels: Vec<ReportLevelOut>,
}

/// One page of reports, newest change first.
#[derive(Serialize, ToSchema)]
pub struct ReportPage {
    items: Vec<ReportOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// A report's title and matter.
#[derive(Serialize, ToSchema)]
pub struct ReportTextOut {
    title: String,
    /// The matter (one matter a report).
    matter: String,
}

/// One step of a report's timeline.
#[derive(Serialize, ToSchema)]
pub struct ReportEvent {
    /// submit, edit, revise, use, keep, not_use, merge, forward, adopt,
    /// instruct.
    action: String,
    /// The state after it.
    state: String,
    /// What was written with it (a version's number, a level, a note).
    note: Option<String>,
    /// When (unix ms).
    at: i64,
}

/// A leader's instruction (领导批示).
#[derive(Serialize, ToSchema)]
pub struct InstructionOut {
    /// Who gave it.
    leader: String,
    /// The leader's level: district, city or central.
    level: String,
    /// The day, YYYY-MM-DD.
    given_on: String,
    /// The words.
    text: String,
}

/// One report with its texts, timeline, levels and instructions.
#[derive(Serialize, ToSchema)]
pub struct ReportDetail {
    #[serde(flatten)]
    report: ReportOut,
    /// The text as submitted (kept as typed).
    submitted: ReportTextOut,
    /// The text as it stands (the office's latest version).
    current: ReportTextOut,
    /// How many versions of the text are kept (1: the submitted one only).
    versions: i64,
    timeline: Vec<ReportEvent>,
    instructions: Vec<InstructionOut>,
}

fn decision_of(state: &str) -> Option<String> {
    matches!(state, "used" | "kept" | "not_used").then(|| state.to_owned())
}

fn report_out(l: Listed, levels: &[(i64, Forwarded)]) -> ReportOut {
    ReportOut {
        levels: levels
            .iter()
            .filter(|(id, _)| *id == l.id)
            .map(|(_, f)| ReportLevelOut {
                level: f.level.code().to_owned(),
                forwarded_at: f.forwarded_at,
                adopted_at: f.adopted_at,
                evidence: f.evidence.clone(),
            })
            .collect(),
        id: l.id,
        title: l.title,
        decision: decision_of(&l.state),
        state: l.state,
        submitter_kind: l.submitter_kind,
        submitter: l.submitter,
        group: l.group,
        body_code: l.body_code,
        body: l.body,
        submitted_at: l.created_at,
        updated_at: l.updated_at,
    }
}

/// The cursor of the next page: the last row's change time and id.
fn cursor_of(cursor: Option<&str>) -> Result<Option<(i64, i64)>, ApiError> {
    let Some(c) = cursor else {
        return Ok(None);
    };
    c.strip_prefix('c')
        .and_then(|rest| rest.split_once('_'))
        .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.parse::<i64>().ok()?)))
        .filter(|(at, id)| *at >= 0 && *id >= 0)
        .map(Some)
        .ok_or_else(|| bad("cursor", "not a cursor from this API"))
}

/// A page for a reader, from the query.
async fn page(
    state: &AppState,
    reader: Reader<'_>,
    query: Result<axum::extract::Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReportPage>, ApiError> {
    let axum::extract::Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "1 to 200"));
    }
    if let Some(s) = q.state.as_deref() {
        if OPINION_REPORT.state(s).is_none() {
            return Err(bad("state", "not a state"));
        }
    }
    let updated_since = match q.updated_since.as_deref() {
        None => None,
        Some(v) => Some(
            chrono::DateTime::parse_from_rfc3339(v)
                .map_err(|_| bad("updated_since", "an RFC 3339 date-time"))?
                .timestamp_millis(),
        ),
    };
    let f = Filter {
        state: q.state,
        updated_since,
        before: cursor_of(q.cursor.as_deref())?,
        limit: limit + 1,
    };
    let mut rows = store_api::list(&state.db, reader, &f).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|l| format!("c{}_{}", l.updated_at, l.id)))
        .flatten();
    let ids: Vec<i64> = rows.iter().map(|l| l.id).collect();
    let went = levels::forwarded_of(&state.db, &ids).await?;
    let items = rows.into_iter().map(|l| report_out(l, &went)).collect();
    Ok(Json(ReportPage { items, next_cursor }))
}

/// One report for a reader.
async fn detail(
    state: &AppState,
    reader: Reader<'_>,
    id: &str,
) -> Result<Json<ReportDetail>, ApiError> {
    let db = &state.db;
    let d = store_api::get(db, reader, id_of(id)?).await?;
    let id = d.listed.id;
    let went = levels::forwarded_of(db, &[id]).await?;
    let timeline = xieshang_store::report::timeline(db, id)
        .await?
        .into_iter()
        .map(|e| ReportEvent {
            action: e.action,
            state: e.to_state,
            note: e.note,
            at: e.at,
        })
        .collect();
    let instructions = levels::instructions_of(db, id)
        .await?
        .into_iter()
        .map(|i| InstructionOut {
            leader: i.leader,
            level: i.level,
            given_on: i.given_on,
            text: i.text,
        })
        .collect();
    let text = |t: xieshang_core::report::Text| ReportTextOut {
        title: t.title,
        matter: t.matter,
    };
    Ok(Json(ReportDetail {
        report: report_out(d.listed, &went),
        submitted: text(d.submitted),
        current: text(d.current),
        versions: d.versions,
        timeline,
        instructions,
    }))
}

/// Reports of the bodies inside the key's unit (a district's key: its
/// district's; the city's key: every body's), newest change first, a page
/// at a time. A report changed while a client pages moves to the front:
/// clients that keep a copy read again with `updated_since`.
#[utoipa::path(get, path = "/api/v1/reports", tag = "machine clients",
    params(ReportQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = ReportPage),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks reports:read", body = ErrorBody),
        (status = 422, description = "A bad filter or cursor", body = ErrorBody)))]
pub async fn list_reports(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    query: Result<axum::extract::Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReportPage>, ApiError> {
    page(&state, Reader::Within(&key.org_path), query).await
}

/// One report of a body inside the key's unit, with its submitted and
/// current text, the number of versions, the timeline, the levels and the
/// leaders' instructions.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "machine clients",
    params(("id" = i64, Path, description = "The report's number")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The report", body = ReportDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks reports:read", body = ErrorBody),
        (status = 404, description = "No such report for the key's unit", body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
) -> Result<Json<ReportDetail>, ApiError> {
    detail(&state, Reader::Within(&key.org_path), &id).await
}

/// The signed-in member's own submitted reports (session cookie; GET only),
/// newest change first, a page at a time.
#[utoipa::path(get, path = "/api/v1/me/reports", tag = "members",
    params(ReportQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "A page", body = ReportPage),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in, or the password must be changed first", body = ErrorBody),
        (status = 422, description = "A bad filter or cursor", body = ErrorBody)))]
pub async fn list_my_reports(
    State(state): State<AppState>,
    u: CurrentUser,
    query: Result<axum::extract::Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ReportPage>, ApiError> {
    page(&state, Reader::Submitter(u.actor.user_id), query).await
}

/// One of the signed-in member's own submitted reports, as the key's detail.
#[utoipa::path(get, path = "/api/v1/me/reports/{id}", tag = "members",
    params(("id" = i64, Path, description = "The report's number")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The report", body = ReportDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Not signed in, or the password must be changed first", body = ErrorBody),
        (status = 404, description = "No such report of the member's", body = ErrorBody)))]
pub async fn get_my_report(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ReportDetail>, ApiError> {
    detail(&state, Reader::Submitter(u.actor.user_id), &id).await
}
