//! Proposals in the JSON API (issue 29 point 13, decision record 0039): a
//! handling unit's case system, with a key carrying `proposals:read`, reads
//! the proposals assigned to it (a body's key: the body's accepted and later
//! proposals), with their assignments, contact, replies, evaluations,
//! deadlines and timeline; with `proposals:update` it records its contact
//! with the proposer and posts its reply, through the same store steps as
//! the unit's web forms. The OpenAPI document (`/api/v1/openapi.json`) lists
//! them; webhooks tell of proposal.assigned / replied / evaluated / overdue.

use crate::consult::api::{cursor_of, cut, id_of, json_of};
use crate::kit::error::{ApiError, AppError, ErrorBody};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use xieshang_core::item::PROPOSAL;
use xieshang_store::account::apikey::{ApiKey, Scope};
use xieshang_store::item::TransitionError;
use xieshang_store::proposal::api::{self as store_api, Listed, UnitOf};
use xieshang_store::proposal::handle::{self, Handler, NewReply};

/// The API's proposal routes.
pub(super) fn routes(r: Routes) -> Routes {
    r.get(
        "/api/v1/proposals",
        Access::Key(Scope::ProposalsRead),
        get(list_proposals),
    )
    .get(
        "/api/v1/proposals/{id}",
        Access::Key(Scope::ProposalsRead),
        get(get_proposal),
    )
    .key_post(
        "/api/v1/proposals/{id}/contacts",
        Scope::ProposalsUpdate,
        post(post_contact),
    )
    .key_post(
        "/api/v1/proposals/{id}/replies",
        Scope::ProposalsUpdate,
        post(post_reply),
    )
}

/// Filters of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    /// Only this state.
    #[param(schema_with = state_schema)]
    state: Option<String>,
    /// Only this session of the body (its id, as `session_id` gives it).
    #[param(minimum = 1)]
    session: Option<i64>,
    /// Only those whose state or text changed at or after this time (RFC
    /// 3339). Contact and opinions recorded are not changes of the proposal.
    #[param(format = DateTime, example = "2027-01-01T00:00:00+08:00")]
    updated_since: Option<String>,
    /// From `next_cursor` of the previous page.
    #[param(pattern = "^c[0-9]+$")]
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The states a proposal can be in, as an enumeration of strings.
fn state_schema() -> utoipa::openapi::Object {
    crate::consult::api::states_schema(&PROPOSAL)
}

fn bad(field: &str, message: &str) -> ApiError {
    AppError::field(field, message).into()
}

/// A unit a proposal is assigned to now.
#[derive(Serialize, ToSchema)]
pub struct ProposalUnitOut {
    /// The unit's code.
    code: String,
    /// The unit's name.
    name: String,
    /// lead (主办), co (会办) or split (分办: each unit replies).
    role: String,
}

/// A proposal in a list.
#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    /// Internal serial number.
    id: i64,
    /// Its number in its session (第N号), once accepted.
    number: Option<i64>,
    title: String,
    /// draft, submitted, accepted, assigned, in_progress, resolved,
    /// reopened, closed … (the engine's states).
    state: String,
    /// The body's code.
    body_code: String,
    /// The body's name.
    body: String,
    /// The session's id.
    session_id: Option<i64>,
    /// The term's name (届).
    term: Option<String>,
    /// The session's name (次会议).
    session: Option<String>,
    /// plenary (大会提案) or interim (平时提案).
    occasion: Option<String>,
    /// The category's name.
    category: Option<String>,
    /// The initiator (a member, named as members are).
    proposer: String,
    /// Filed (unix ms).
    filed_at: Option<i64>,
    /// Decided by the committee (unix ms).
    decided_at: Option<i64>,
    /// Last change of state or text (unix ms).
    updated_at: i64,
    /// Handling round: 0 before assignment, 2 after an unsatisfied rating.
    round: i64,
    /// The reply deadline in force (unix ms).
    due_at: Option<i64>,
    /// The final reply (unix ms).
    replied_at: Option<i64>,
    /// The final reply's class (A, B, C; D where the body uses four).
    reply_class: Option<String>,
    /// Chosen as a key proposal (重点提案).
    key: bool,
    /// The units assigned now, the lead first.
    units: Vec<ProposalUnitOut>,
}

/// One page of proposals.
#[derive(Serialize, ToSchema)]
pub struct ProposalPage {
    items: Vec<ProposalOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// An assignment, with what its unit did in the current round.
#[derive(Serialize, ToSchema)]
pub struct AssignmentOut {
    /// The unit's code.
    code: String,
    /// The unit's name.
    name: String,
    /// lead, co or split.
    role: String,
    /// Assigned (unix ms).
    assigned_at: i64,
    /// The end of its window to object to the assignment (unix ms).
    objection_until: Option<i64>,
    /// Its objection, if it objected (unix ms).
    objected_at: Option<i64>,
    /// Why it objected.
    objection: Option<String>,
    /// Whether it recorded contact with the proposer this round.
    contacted: bool,
    /// Whether it replied this round.
    replied: bool,
}

/// A unit's contact with the proposer.
#[derive(Serialize, ToSchema)]
pub struct ContactOut {
    round: i64,
    /// The unit's name.
    unit: String,
    /// visit, meeting, phone or letter.
    way: String,
    /// What was said.
    note: String,
    /// When (unix ms).
    at: i64,
}

/// A unit's reply (答复).
#[derive(Serialize, ToSchema)]
pub struct ReplyOut {
    round: i64,
    /// The unit's code.
    unit_code: String,
    /// The unit's name.
    unit: String,
    /// The document number (文号).
    doc_number: String,
    /// A, B, C (or D).
    class: String,
    /// The reply's text.
    text: String,
    /// The deadline in force when it replied (unix ms).
    due_at: Option<i64>,
    /// When (unix ms).
    replied_at: i64,
}

/// A proposer's rating of a round's reply (no names or comments).
#[derive(Serialize, ToSchema)]
pub struct EvaluationOut {
    round: i64,
    /// satisfied, basically_satisfied or unsatisfied.
    rating: String,
    /// How they were consulted: the same three.
    consulted: String,
    /// When (unix ms).
    at: i64,
}

/// An extension of the deadline asked for.
#[derive(Serialize, ToSchema)]
pub struct ExtensionOut {
    round: i64,
    /// The asking unit's name.
    unit: String,
    /// Until (unix ms).
    until_at: i64,
    /// Approved by the committee; absent while it waits.
    approved: Option<bool>,
}

/// One event of a proposal's timeline.
#[derive(Serialize, ToSchema)]
pub struct ProposalEvent {
    /// What was done (file, accept, assign, contact, resolve, evaluate …).
    action: String,
    /// The state after it.
    state: String,
    /// What was written with it.
    note: Option<String>,
    /// When (unix ms).
    at: i64,
}

/// One proposal with its text, handling and timeline.
#[derive(Serialize, ToSchema)]
pub struct ProposalDetail {
    #[serde(flatten)]
    proposal: ProposalOut,
    /// 情况 (the situation).
    situation: String,
    /// 分析 (the analysis).
    analysis: String,
    /// 建议 (the suggestions).
    suggestions: String,
    /// Confirmed co-signers' names, in order.
    cosigners: Vec<String>,
    assignments: Vec<AssignmentOut>,
    contacts: Vec<ContactOut>,
    replies: Vec<ReplyOut>,
    evaluations: Vec<EvaluationOut>,
    extensions: Vec<ExtensionOut>,
    timeline: Vec<ProposalEvent>,
}

/// A proposal of a page, with its units (read with the page).
fn proposal_out(l: Listed, units: &[UnitOf]) -> ProposalOut {
    let p = l.proposal;
    let (term, session) = match p.session {
        Some((t, s)) => (Some(t), Some(s)),
        None => (None, None),
    };
    ProposalOut {
        units: units
            .iter()
            .filter(|u| u.proposal_id == p.id)
            .map(|u| ProposalUnitOut {
                code: u.code.clone(),
                name: u.name.clone(),
                role: u.role.to_owned(),
            })
            .collect(),
        id: p.id,
        number: p.number,
        title: p.text.title,
        state: p.state,
        body_code: l.body_code,
        body: p.org_name,
        session_id: p.session_id,
        term,
        session,
        occasion: p.occasion,
        category: p.category,
        proposer: p.proposer_name,
        filed_at: p.filed_at,
        decided_at: p.decided_at,
        updated_at: p.updated_at,
        round: l.round,
        due_at: l.due_at,
        replied_at: l.replied_at,
        reply_class: l.reply_class,
        key: l.key_at.is_some(),
    }
}

/// Proposals the key's unit reads, by id, a page at a time: those assigned
/// now to a unit inside it, and the accepted and later proposals of a body
/// inside it.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "machine clients",
    params(ProposalQuery),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page", body = ProposalPage),
        (status = 400, description = "An unknown or malformed query parameter", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks proposals:read", body = ErrorBody),
        (status = 422, description = "A bad filter", body = ErrorBody)))]
pub async fn list_proposals(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    query: Result<axum::extract::Query<ProposalQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ProposalPage>, ApiError> {
    let axum::extract::Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "1 to 200"));
    }
    if let Some(s) = q.state.as_deref() {
        if PROPOSAL.state(s).is_none() {
            return Err(bad("state", "not a state"));
        }
    }
    if q.session.is_some_and(|s| s < 1) {
        return Err(bad("session", "a session's id, 1 or more"));
    }
    let updated_since = match q.updated_since.as_deref() {
        None => None,
        Some(v) => Some(
            chrono::DateTime::parse_from_rfc3339(v)
                .map_err(|_| bad("updated_since", "an RFC 3339 date-time"))?
                .timestamp_millis(),
        ),
    };
    let f = store_api::Filter {
        state: q.state,
        session_id: q.session,
        updated_since,
        after_id: cursor_of(q.cursor.as_deref())?,
        limit: limit + 1,
    };
    let mut rows = store_api::list_within(&state.db, &key.org_path, &f).await?;
    let next_cursor = cut(&mut rows, limit, |l| l.proposal.id);
    let ids: Vec<i64> = rows.iter().map(|l| l.proposal.id).collect();
    let units = store_api::units_of(&state.db, &ids).await?;
    let items = rows.into_iter().map(|l| proposal_out(l, &units)).collect();
    Ok(Json(ProposalPage { items, next_cursor }))
}

/// One proposal the key's unit reads, with its text, assignments, contact,
/// replies, ratings, extensions and timeline.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "machine clients",
    params(("id" = i64, Path, description = "The proposal's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The proposal", body = ProposalDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks proposals:read", body = ErrorBody),
        (status = 404, description = "No such proposal for the key's unit", body = ErrorBody)))]
pub async fn get_proposal(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
) -> Result<Json<ProposalDetail>, ApiError> {
    let db = &state.db;
    let l = store_api::get_within(db, &key.org_path, id_of(&id)?).await?;
    let id = l.proposal.id;
    let units = handle::unit_states(db, id).await?;
    let replies = handle::replies(db, id).await?;
    let mut org_ids: Vec<i64> = units
        .iter()
        .map(|u| u.org_id)
        .chain(replies.iter().map(|r| r.org_id))
        .collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let codes = store_api::codes_of(db, &org_ids).await?;
    let code = |org: i64| {
        codes
            .iter()
            .find(|(i, _)| *i == org)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    let page_units: Vec<UnitOf> = units
        .iter()
        .map(|u| UnitOf {
            proposal_id: id,
            org_id: u.org_id,
            code: code(u.org_id),
            name: u.name.clone(),
            role: store_api::role(u.lead, u.split),
        })
        .collect();
    let text = l.proposal.text.clone();
    let cosigners = xieshang_store::proposal::signers(db, id)
        .await?
        .into_iter()
        .filter(|s| s.answer == "confirmed")
        .map(|s| s.name)
        .collect();
    let assignments = units
        .iter()
        .map(|u| AssignmentOut {
            code: code(u.org_id),
            name: u.name.clone(),
            role: store_api::role(u.lead, u.split).to_owned(),
            assigned_at: u.assigned_at,
            objection_until: u.objection_until,
            objected_at: u.objection.as_ref().map(|(at, _)| *at),
            objection: u.objection.as_ref().map(|(_, why)| why.clone()),
            contacted: u.contacted,
            replied: u.replied,
        })
        .collect();
    let contacts = handle::contacts(db, id)
        .await?
        .into_iter()
        .map(|c| ContactOut {
            round: c.round,
            unit: c.unit,
            way: c.way,
            note: c.note,
            at: c.at,
        })
        .collect();
    let replies = replies
        .into_iter()
        .map(|r| ReplyOut {
            round: r.round,
            unit_code: code(r.org_id),
            unit: r.unit,
            doc_number: r.doc_number,
            class: r.class,
            text: r.body,
            due_at: r.due_at,
            replied_at: r.replied_at,
        })
        .collect();
    let evaluations = handle::evaluations(db, id)
        .await?
        .into_iter()
        .map(|e| EvaluationOut {
            round: e.round,
            rating: e.rating,
            consulted: e.consulted,
            at: e.at,
        })
        .collect();
    let extensions = handle::extensions(db, id)
        .await?
        .into_iter()
        .map(|e| ExtensionOut {
            round: e.round,
            unit: e.unit,
            until_at: e.until_at,
            approved: e.approved,
        })
        .collect();
    let timeline = xieshang_store::proposal::timeline(db, id)
        .await?
        .into_iter()
        .map(|e| ProposalEvent {
            action: e.action,
            state: e.to_state,
            note: e.note,
            at: e.at,
        })
        .collect();
    Ok(Json(ProposalDetail {
        proposal: proposal_out(l, &page_units),
        situation: text.situation,
        analysis: text.analysis,
        suggestions: text.suggestions,
        cosigners,
        assignments,
        contacts,
        replies,
        evaluations,
        extensions,
        timeline,
    }))
}

/// A unit's contact with the proposer, as its case system records it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// visit, meeting, phone or letter.
    way: String,
    /// What was discussed with the proposer (at most 2000 characters).
    note: String,
}

/// A unit's reply, as its case system sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyIn {
    /// The document number (文号), at most 60 characters.
    doc_number: String,
    /// A, B or C (D where the body uses four classes).
    class: String,
    /// The reply's text (at most 20,000 characters).
    text: String,
}

/// The proposal's state after a step.
#[derive(Serialize, ToSchema)]
pub struct ProposalStepOut {
    id: i64,
    state: String,
}

/// The store's refusal of a unit's step, as the API answers it: a field the
/// request named is 422 with that field (the reply's text is `text`); a step
/// the proposal's state or the unit's part does not allow now (not being
/// handled, contact not recorded, replied already, a co-handling unit, a unit
/// not assigned) is 409.
fn refused(e: TransitionError) -> ApiError {
    const NOT_YOURS: &str = "the proposal is not assigned to the key's unit";
    match e {
        TransitionError::Store(xieshang_store::Error::Invalid {
            field,
            key,
            message,
            ..
        }) => match field {
            "doc_number" | "class" | "way" if key != "err.proposal.contact_first" => {
                AppError::field(field, message).into()
            }
            "reply_body" if key == "err.proposal.reply_body" => {
                AppError::field("text", message).into()
            }
            "contact_note" => AppError::field("note", message).into(),
            _ => AppError::Conflict(message.to_owned()).into(),
        },
        e => ApiError::refused_update(e, NOT_YOURS),
    }
}

/// Record the unit's contact with the proposer (before its reply), as the
/// key's own unit (scope `proposals:update`).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/contacts", tag = "machine clients",
    params(("id" = i64, Path, description = "The proposal's id")),
    request_body = ContactIn,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Recorded", body = ProposalStepOut),
        (status = 400, description = "Malformed JSON, or an id that is not a number", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks proposals:update", body = ErrorBody),
        (status = 404, description = "No such proposal for the key's unit", body = ErrorBody),
        (status = 409, description = "Not assigned to the key's unit, or not being handled", body = ErrorBody),
        (status = 422, description = "A bad way or note", body = ErrorBody)))]
pub async fn post_contact(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ProposalStepOut>, ApiError> {
    let id = id_of(&id)?;
    let c: ContactIn = json_of(&body)?;
    if let Err(e) = xieshang_core::values::check_text(&c.note, xieshang_core::values::Lines::Many) {
        return Err(AppError::field("note", e.message).into());
    }
    handle::contact_by(&state.db, Handler::Key(&key), id, &c.way, &c.note)
        .await
        .map_err(|e| refused(e.into()))?;
    let p = store_api::get_within(&state.db, &key.org_path, id).await?;
    Ok(Json(ProposalStepOut {
        id,
        state: p.proposal.state,
    }))
}

/// Post the unit's reply, as the key's own unit (scope `proposals:update`),
/// after its contact with the proposer: the lead unit's (or in a split
/// assignment each unit's own) reply of the round, with its document number
/// and class. The same rules as the unit's web form hold.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/replies", tag = "machine clients",
    params(("id" = i64, Path, description = "The proposal's id")),
    request_body = ReplyIn,
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Replied", body = ProposalStepOut),
        (status = 400, description = "Malformed JSON, or an id that is not a number", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks proposals:update", body = ErrorBody),
        (status = 404, description = "No such proposal for the key's unit", body = ErrorBody),
        (status = 409, description = "Not assigned to the key's unit, not its reply to give, contact not recorded first, replied already, or not being handled", body = ErrorBody),
        (status = 422, description = "A bad document number, class or text", body = ErrorBody)))]
pub async fn post_reply(
    State(state): State<AppState>,
    Extension(key): Extension<ApiKey>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ProposalStepOut>, ApiError> {
    let id = id_of(&id)?;
    let r: ReplyIn = json_of(&body)?;
    use xieshang_core::values::{check_text, Lines};
    for (field, v, lines) in [
        ("doc_number", &r.doc_number, Lines::One),
        ("class", &r.class, Lines::One),
        ("text", &r.text, Lines::Many),
    ] {
        if let Err(e) = check_text(v, lines) {
            return Err(AppError::field(field, e.message).into());
        }
    }
    // The signed file is attached on the web (decision 0040), not here.
    #[allow(clippy::needless_update)]
    let to = handle::reply_by(
        &state.db,
        Handler::Key(&key),
        id,
        &NewReply {
            doc_number: &r.doc_number,
            class: &r.class,
            body: &r.text,
            ..Default::default()
        },
        None,
    )
    .await
    .map_err(refused)?;
    Ok(Json(ProposalStepOut {
        id,
        state: to.as_str().to_owned(),
    }))
}
