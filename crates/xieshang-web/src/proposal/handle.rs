//! Handling and replies of an assigned proposal (issue 29 points 5–7,
//! decision 0035): objection and reassignment, split assignment,
//! co-handlers' opinions, contact with the proposer, the reply, deadlines
//! and extensions, evaluation and the second round; the unit's queue
//! (`/proposals/assigned`), the ratings waiting on "my proposals", and the
//! body's rules of handling on the settings page. The store's
//! `proposal::handle` decides; these pages ask it.

use super::{back, refused_here, Kept, Proposal};
use crate::kit::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang, Upload};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::{self, Msg};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{format_time, render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use xieshang_core::proposal::handling::{Rules, RATINGS, WAYS};
use xieshang_core::{OrgPath, Permission};
use xieshang_store::proposal::{assign, handle};
use xieshang_store::upload;

/// This module's routes.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    use Permission::{
        ProposalHandle as Handle, ProposalManage as Manage, ProposalReview as Review,
    };
    r.post(
        "/proposals/{id}/object",
        Needs(Handle, Target::Proposal),
        post(object),
    )
    .post(
        "/proposals/{id}/opinion",
        Needs(Handle, Target::Proposal),
        post(opinion),
    )
    .post(
        "/proposals/{id}/contact",
        Needs(Handle, Target::Proposal),
        post(contact),
    )
    .post(
        "/proposals/{id}/reply",
        Needs(Handle, Target::Proposal),
        post(reply).layer(axum::extract::DefaultBodyLimit::max(
            crate::kit::auth::UPLOAD_BODY_LIMIT,
        )),
    )
    // The store asks who may attach or read a signed reply (404 for anyone
    // else).
    .post(
        "/proposals/{id}/reply-file",
        SignedIn,
        post(attach_reply_file).layer(axum::extract::DefaultBodyLimit::max(
            crate::kit::auth::UPLOAD_BODY_LIMIT,
        )),
    )
    .get(
        "/proposals/{id}/replies/{reply}/file",
        SignedIn,
        get(reply_file),
    )
    .post(
        "/proposals/{id}/extension",
        Needs(Handle, Target::Proposal),
        post(request_extension),
    )
    .post(
        "/proposals/{id}/extension/decide",
        Needs(Review, Target::Proposal),
        post(decide_extension),
    )
    .post(
        "/proposals/{id}/close",
        Needs(Review, Target::Proposal),
        post(close),
    )
    .post("/proposals/{id}/evaluate", SignedIn, post(evaluate))
    .post(
        "/proposal-settings/handling",
        Needs(Manage, Target::None),
        post(set_rules),
    )
}

/// What was typed under `field` in a refused form.
fn kept_of(kept: &[(String, String)], field: &str) -> String {
    kept.iter()
        .find(|(k, _)| k == field)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A form's fields, as typed (kept when refused).
type Fields = Vec<(String, String)>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// The page again with the refusal, what was typed kept.
async fn refused(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    e: xieshang_store::Error,
    f: Fields,
) -> AppResult<Response> {
    let kept = Kept {
        form: f.into_iter().filter(|(k, _)| k != "_csrf").collect(),
        ..Kept::default()
    };
    refused_here(state, tr, u, id, e, kept).await
}

async fn after(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    r: xieshang_store::Result<()>,
    ok: &'static str,
    f: Fields,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(back(id, Msg::Ok(ok))),
        Err(e) => refused(state, tr, u, id, e, f).await,
    }
}

async fn object(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Fields>,
) -> AppResult<Response> {
    let r = handle::object(&state.db, &u.actor, id, field(&f, "objection")).await;
    after(&state, tr, &u, id, r, "proposal.objected", f).await
}

async fn opinion(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Fields>,
) -> AppResult<Response> {
    let r = handle::send_opinion(&state.db, &u.actor, id, field(&f, "opinion")).await;
    after(&state, tr, &u, id, r, "proposal.opinion_sent", f).await
}

async fn contact(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Fields>,
) -> AppResult<Response> {
    let r = handle::contact(
        &state.db,
        &u.actor,
        id,
        field(&f, "way"),
        field(&f, "contact_note"),
    )
    .await;
    after(&state, tr, &u, id, r, "proposal.contacted", f).await
}

/// The signed reply sent in a form's `reply_file` (None when no file was
/// chosen), checked by content on the parsing pool.
async fn signed_file(
    state: &AppState,
    files: Vec<Upload>,
) -> AppResult<xieshang_store::Result<Option<upload::Checked>>> {
    Ok(
        match files
            .into_iter()
            .find(|f| f.field == handle::REPLY_FILE.field)
        {
            None => Ok(None),
            Some(f) if f.oversize => Err(handle::REPLY_FILE.too_large()),
            Some(f) => state
                .parsing(move || handle::check_reply_file(&f.file_name, f.bytes))
                .await?
                .map(Some),
        },
    )
}

/// The reply, with its signed file if one is chosen: a refused file comes
/// back beside the form, what was typed kept.
async fn reply(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    up: CsrfUpload<Fields, { upload::MAX_BYTES }>,
) -> AppResult<Response> {
    let f = up.form;
    let r = match signed_file(&state, up.files).await? {
        Ok(file) => handle::reply_with_file(
            &state.db,
            &u.actor,
            id,
            &handle::NewReply {
                doc_number: field(&f, "doc_number"),
                class: field(&f, "class"),
                body: field(&f, "reply_body"),
            },
            file.as_ref(),
        )
        .await
        .map(|_| ())
        .map_err(|e| e.into_store()),
        Err(e) => Err(e),
    };
    after(&state, tr, &u, id, r, "proposal.replied", f).await
}

/// The unit attaches the signed file to the reply it sent.
async fn attach_reply_file(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    up: CsrfUpload<Fields, { upload::MAX_BYTES }>,
) -> AppResult<Response> {
    let r = match signed_file(&state, up.files).await? {
        Ok(Some(file)) => handle::attach_reply_file(&state.db, &u.actor, id, &file).await,
        Ok(None) => Err(handle::REPLY_FILE.missing()),
        Err(e) => Err(e),
    };
    after(
        &state,
        tr,
        &u,
        id,
        r,
        "proposal.reply_file_attached",
        up.form,
    )
    .await
}

/// A reply's signed file, for the proposers, the committee and the units
/// (anyone else: not found).
async fn reply_file(
    State(state): State<AppState>,
    u: CurrentUser,
    Path((id, reply)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (name, kind, bytes) = handle::reply_file(&state.db, &u.actor, id, reply).await?;
    let fallback = format!("reply-{reply}.{}", kind.extensions()[0]);
    Ok(crate::kit::page::file_response(
        &name,
        &fallback,
        kind.content_type(),
        bytes,
        "private, no-store",
    ))
}

async fn request_extension(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Fields>,
) -> AppResult<Response> {
    let r = handle::request_extension(
        &state.db,
        &state.calendar,
        &u.actor,
        id,
        field(&f, "until"),
        field(&f, "extension_reason"),
    )
    .await;
    after(&state, tr, &u, id, r, "proposal.extension_asked", f).await
}

async fn decide_extension(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Fields>,
) -> AppResult<Response> {
    let approve = field(&f, "decision") == "approve";
    let r = handle::decide_extension(&state.db, &state.calendar, &u.actor, id, approve).await;
    after(&state, tr, &u, id, r, "proposal.extension_decided", f).await
}

async fn close(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Fields>,
) -> AppResult<Response> {
    let r = handle::close(&state.db, &u.actor, id, field(&f, "close_note"))
        .await
        .map(|_| ())
        .map_err(|e| e.into_store());
    after(&state, tr, &u, id, r, "proposal.closed", f).await
}

async fn evaluate(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Fields>,
) -> AppResult<Response> {
    let r = handle::evaluate(
        &state.db,
        &state.calendar,
        &u.actor,
        id,
        &handle::NewEvaluation {
            rating: field(&f, "rating"),
            consulted: field(&f, "consulted"),
            comment: field(&f, "comment"),
        },
    )
    .await;
    match r {
        Ok(out) => {
            let key = match out {
                handle::Evaluated::SecondRound => "proposal.second_round",
                handle::Evaluated::FaceToFace => "proposal.face_to_face",
                _ => "proposal.rated",
            };
            Ok(back(id, Msg::Ok(key)))
        }
        Err(e) => refused(&state, tr, &u, id, e.into_store(), f).await,
    }
}

// ---------------------------------------------------------------- the section

struct UnitView {
    name: String,
    /// `proposal.lead_unit`, `proposal.co_unit` or `proposal.split_unit`.
    role: &'static str,
    objection: Option<(String, String)>,
    object_until: String,
    contacted: bool,
    replied: bool,
}

struct ReplyView {
    id: i64,
    /// The signed file's name, when attached and the reader may open it.
    file: Option<String>,
    round: i64,
    unit: String,
    doc_number: String,
    class: String,
    body: String,
    when: String,
    late: bool,
}

struct ExtensionView {
    unit: String,
    until: String,
    reason: String,
    /// `proposal.ext.waiting`, `.approved`, `.refused`.
    status: &'static str,
}

#[derive(Template)]
#[template(path = "proposal/handling.html")]
struct SectionTpl {
    page: Page,
    id: i64,
    errors: FieldErrors,
    kept: Vec<(String, String)>,
    round: i64,
    due: String,
    overdue: bool,
    split: bool,
    units: Vec<UnitView>,
    /// Opinions, contacts and extension requests: the units' and the
    /// committee's to read.
    internal: bool,
    opinions: Vec<(i64, String, String, String)>,
    contacts: Vec<(i64, String, &'static str, String, String)>,
    replies: Vec<ReplyView>,
    evaluations: Vec<(i64, String, &'static str, &'static str, String, String)>,
    extensions: Vec<ExtensionView>,
    may_object: bool,
    object_until: String,
    may_opine: bool,
    opinion_until: String,
    may_contact: bool,
    may_reply: bool,
    contacted: bool,
    may_extend: bool,
    /// (code, message key) of each choice.
    classes: Vec<(&'static str, &'static str)>,
    ways: Vec<(&'static str, &'static str)>,
    ratings: Vec<(&'static str, &'static str)>,
    /// The committee.
    reassigning: bool,
    body_units: Vec<(i64, String)>,
    current_lead: i64,
    current_co: Vec<i64>,
    deciding: bool,
    may_close: bool,
    may_rate: bool,
    /// The reader's unit may attach the signed file to its reply.
    may_attach: bool,
    /// The face-to-face consultation after a second unsatisfied rating.
    face: Option<FaceView>,
}

/// A proposal's face-to-face consultation as its page shows it.
struct FaceView {
    topic: String,
    /// "Planned for 2026 Q4", while not called yet.
    planned: String,
    /// The reader may call it (the body's consultation staff).
    plan_link: Option<String>,
    /// Once called: its page (when the reader may open it), when, state key.
    consultation: Option<(Option<String>, String, &'static str)>,
}

async fn face_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    f: handle::FaceToFace,
) -> AppResult<FaceView> {
    let consultation = match &f.consultation {
        Some((cid, cstate, starts)) => {
            let readable = xieshang_store::consult::get(
                &state.db,
                &u.actor,
                Permission::ConsultationView,
                *cid,
            )
            .await
            .is_ok();
            Some((
                readable.then(|| format!("/consultations/{cid}")),
                format_time(tr.lang, *starts),
                i18n::known(&format!("consult.state.{cstate}")).unwrap_or("consult.state.convened"),
            ))
        }
        None => None,
    };
    let plan_link = (f.consultation.is_none()
        && xieshang_store::consult::planned(&state.db, &u.actor, f.plan_id)
            .await
            .is_ok())
    .then(|| format!("/consultations/new?plan={}", f.plan_id));
    Ok(FaceView {
        planned: tr
            .t("proposal.face_planned")
            .replace("{y}", &f.year.to_string())
            .replace("{q}", &f.quarter.to_string()),
        topic: f.topic,
        plan_link,
        consultation,
    })
}

impl SectionTpl {
    fn kept(&self, f: &str) -> String {
        kept_of(&self.kept, f)
    }
    fn co_ticked(&self, id: &i64) -> bool {
        self.current_co.contains(id)
    }
}

/// This module's part of the proposal's page, as rendered HTML (empty when
/// it has nothing for this reader); `kept` is what was typed in its forms
/// when a post was refused, shown again beside `errors`.
pub(super) async fn section(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    p: &Proposal,
    errors: &FieldErrors,
    kept: &[(String, String)],
) -> AppResult<String> {
    let db = &state.db;
    let units = handle::unit_states(db, p.id).await?;
    if units.is_empty() && !matches!(p.state.as_str(), "resolved" | "closed" | "reopened") {
        return Ok(String::new());
    }
    let now = db.now_ms();
    let rules = handle::rules(db, p.org_id).await?;
    let handling = matches!(p.state.as_str(), "assigned" | "in_progress" | "reopened");
    let committee = u.actor.check(Permission::ProposalReview, &p.path).is_ok();
    let scopes = u.actor.scopes(Permission::ProposalHandle);
    let mine: Vec<&handle::UnitState> = units
        .iter()
        .filter(|x| {
            OrgPath::parse(&x.path).is_some_and(|path| scopes.iter().any(|s| path.is_within(s)))
        })
        .collect();
    let internal = !mine.is_empty() || u.actor.check(Permission::ProposalView, &p.path).is_ok();
    let (round, due_at) = handle::round_and_due(db, p.id).await?;
    let extensions = handle::extensions(db, p.id).await?;
    let waiting = extensions.iter().any(|e| e.approved.is_none());
    let replies = handle::replies(db, p.id).await?;
    let my_open = mine
        .iter()
        .find(|x| x.objection.is_none() && x.objection_until.is_some_and(|w| w >= now));
    let co = mine.iter().find(|x| !x.answers && !x.opinion_sent);
    let answering = mine.iter().find(|x| x.answers && !x.replied);
    let read_files = handle::may_read_reply_files(db, &u.actor, p).await?;
    // A unit of the reader's that replied without its signed file may
    // attach it (its latest reply).
    let mut may_attach = false;
    for x in &mine {
        if let Some(last) = replies.iter().rev().find(|r| r.org_id == x.org_id) {
            may_attach |= last.file_name.is_none();
            break;
        }
    }
    let face = match handle::face_to_face(db, p.id).await? {
        Some(f) => Some(face_view(state, tr, u, f).await?),
        None => None,
    };
    let tpl = SectionTpl {
        may_attach,
        face,
        page: Page::signed_in(tr, u, &Flash::default()),
        id: p.id,
        errors: errors.clone(),
        kept: kept.to_vec(),
        round,
        due: due_at.map(|d| format_time(tr.lang, d)).unwrap_or_default(),
        overdue: handling && due_at.is_some_and(|d| d < now),
        split: units.first().is_some_and(|x| x.split),
        units: units
            .iter()
            .map(|x| UnitView {
                name: tr.label(&x.name).into_owned(),
                role: if x.split {
                    "proposal.split_unit"
                } else if x.lead {
                    "proposal.lead_unit"
                } else {
                    "proposal.co_unit"
                },
                objection: x
                    .objection
                    .as_ref()
                    .map(|(at, why)| (format_time(tr.lang, *at), why.clone())),
                object_until: x
                    .objection_until
                    .filter(|w| handling && *w >= now && x.objection.is_none())
                    .map(|w| format_time(tr.lang, w))
                    .unwrap_or_default(),
                contacted: x.contacted,
                replied: x.replied,
            })
            .collect(),
        internal,
        opinions: if internal {
            handle::opinions(db, p.id)
                .await?
                .into_iter()
                .map(|o| {
                    (
                        o.round,
                        tr.label(&o.unit).into_owned(),
                        o.body,
                        format_time(tr.lang, o.sent_at),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        contacts: handle::contacts(db, p.id)
            .await?
            .into_iter()
            .map(|c| {
                (
                    c.round,
                    tr.label(&c.unit).into_owned(),
                    i18n::known(&format!("proposal.way.{}", c.way)).unwrap_or("proposal.way.visit"),
                    c.note,
                    format_time(tr.lang, c.at),
                )
            })
            .collect(),
        replies: replies
            .into_iter()
            .map(|r| ReplyView {
                id: r.id,
                file: r.file_name.filter(|_| read_files),
                round: r.round,
                unit: tr.label(&r.unit).into_owned(),
                doc_number: r.doc_number,
                class: r.class,
                body: r.body,
                when: format_time(tr.lang, r.replied_at),
                late: r.due_at.is_some_and(|d| r.replied_at > d),
            })
            .collect(),
        evaluations: handle::evaluations(db, p.id)
            .await?
            .into_iter()
            .map(|e| {
                (
                    e.round,
                    e.name,
                    rating_key(&e.rating),
                    rating_key(&e.consulted),
                    e.comment.unwrap_or_default(),
                    format_time(tr.lang, e.at),
                )
            })
            .collect(),
        extensions: if internal {
            extensions
                .iter()
                .map(|e| ExtensionView {
                    unit: tr.label(&e.unit).into_owned(),
                    until: format_time(tr.lang, e.until_at),
                    reason: e.reason.clone(),
                    status: match e.approved {
                        None => "proposal.ext.waiting",
                        Some(true) => "proposal.ext.approved",
                        Some(false) => "proposal.ext.refused",
                    },
                })
                .collect()
        } else {
            Vec::new()
        },
        may_object: handling && my_open.is_some(),
        object_until: my_open
            .and_then(|x| x.objection_until)
            .map(|w| format_time(tr.lang, w))
            .unwrap_or_default(),
        may_opine: handling && co.is_some(),
        opinion_until: co
            .map(|x| format_time(tr.lang, handle::opinion_until(&rules, x.assigned_at)))
            .unwrap_or_default(),
        may_contact: handling && !mine.is_empty(),
        may_reply: handling && answering.is_some(),
        contacted: answering.is_some_and(|x| x.contacted),
        may_extend: handling && answering.is_some() && !waiting,
        classes: choices("proposal.class.", rules.classes()),
        ways: choices("proposal.way.", &WAYS),
        ratings: choices("proposal.rating.", &RATINGS),
        reassigning: committee && matches!(p.state.as_str(), "assigned" | "in_progress"),
        body_units: if committee && handling {
            assign::units_of_body(db, p.org_id).await?
        } else {
            Vec::new()
        },
        current_lead: units
            .iter()
            .find(|x| x.lead && x.objection.is_none())
            .map(|x| x.org_id)
            .unwrap_or(0),
        current_co: units
            .iter()
            .filter(|x| !x.lead && x.objection.is_none())
            .map(|x| x.org_id)
            .collect(),
        deciding: committee && waiting,
        may_close: committee && matches!(p.state.as_str(), "resolved" | "reopened"),
        // Shown again after a refused rating, with what was typed.
        may_rate: handle::may_rate(db, u.actor.user_id, p).await?
            || kept.iter().any(|(k, _)| k == "rating" || k == "consulted"),
    };
    tpl.render().map_err(|e| AppError::Internal(e.to_string()))
}

/// Codes with their message keys (`prefix` + code).
fn choices(prefix: &str, codes: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    codes
        .iter()
        .map(|c| {
            (
                *c,
                i18n::known(&format!("{prefix}{c}")).unwrap_or("err.bad_input"),
            )
        })
        .collect()
}

fn rating_key(code: &str) -> &'static str {
    i18n::known(&format!("proposal.rating.{code}")).unwrap_or("proposal.rating.satisfied")
}

// ---------------------------------------------------------------- the unit's queue

struct TaskView {
    id: i64,
    title: String,
    number: String,
    proposer: String,
    unit: String,
    role: &'static str,
    state: &'static str,
    round: i64,
    object_by: String,
    opinion_by: String,
    reply_by: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "proposal/assigned.html")]
struct AssignedTpl {
    page: Page,
    rows: Vec<TaskView>,
}

#[derive(Template)]
#[template(path = "proposal/assigned_done.html")]
struct AssignedDoneTpl {
    page: Page,
    rows: Vec<TaskView>,
}

/// How many closed proposals the unit's closed list shows.
const DONE_SHOWN: i64 = 50;

fn task_view(tr: Tr, t: handle::Task) -> TaskView {
    let time = |t: Option<i64>| t.map(|t| format_time(tr.lang, t)).unwrap_or_default();
    TaskView {
        id: t.id,
        title: t.title,
        number: t
            .number
            .map(|n| tr.t("proposal.number").replace("{n}", &n.to_string()))
            .unwrap_or_default(),
        proposer: t.proposer,
        unit: tr.label(&t.unit).into_owned(),
        role: match t.role {
            "split" => "proposal.split_unit",
            "lead" => "proposal.lead_unit",
            _ => "proposal.co_unit",
        },
        state: super::state_label(&t.state),
        round: t.round,
        object_by: time(t.object_by),
        opinion_by: time(t.opinion_by),
        reply_by: time(t.reply_by),
        overdue: t.overdue,
    }
}

/// The unit's proposal queue: what it must do, overdue first (one statement;
/// the closed ones are on their own page, issue 29 point 15).
pub(super) async fn assigned_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let list = handle::queue(&state.db, &u.actor).await?;
    render(AssignedTpl {
        page: Page::signed_in(tr, &u, &flash),
        rows: list.into_iter().map(|t| task_view(tr, t)).collect(),
    })
}

/// The unit's latest closed proposals.
pub(super) async fn assigned_done_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let done = handle::recently_done(&state.db, &u.actor, DONE_SHOWN).await?;
    render(AssignedDoneTpl {
        page: Page::signed_in(tr, &u, &flash),
        rows: done.into_iter().map(|t| task_view(tr, t)).collect(),
    })
}

// ---------------------------------------------------------------- my proposals

#[derive(Template)]
#[template(path = "proposal/to_rate.html")]
struct ToRateTpl {
    page: Page,
    rows: Vec<(i64, String, i64, String)>,
}

/// The replies waiting for the member's rating, for "my proposals".
pub(super) async fn to_rate_block(state: &AppState, tr: Tr, u: &CurrentUser) -> AppResult<String> {
    let rows = handle::to_rate(&state.db, u.actor.user_id)
        .await?
        .into_iter()
        .map(|(id, title, round, at)| {
            (
                id,
                title,
                round,
                at.map(|t| format_time(tr.lang, t)).unwrap_or_default(),
            )
        })
        .collect();
    ToRateTpl {
        page: Page::signed_in(tr, u, &Flash::default()),
        rows,
    }
    .render()
    .map_err(|e| AppError::Internal(e.to_string()))
}

// ---------------------------------------------------------------- settings

struct RulesView {
    id: i64,
    name: String,
    rules: Rules,
    /// The share of accepted proposals the ballot's quota is computed from.
    key_share: i64,
}

#[derive(Template)]
#[template(path = "proposal/handling_settings.html")]
struct SettingsTpl {
    page: Page,
    bodies: Vec<RulesView>,
}

/// The rules of handling of each body, for the settings page.
pub(super) async fn settings_block(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    bodies: Vec<(i64, String)>,
) -> AppResult<String> {
    let mut views = Vec::new();
    for (id, name) in bodies {
        views.push(RulesView {
            id,
            name,
            rules: handle::rules(&state.db, id).await?,
            key_share: xieshang_store::proposal::key::key_share_percent(&state.db, id).await?,
        });
    }
    SettingsTpl {
        page: Page::signed_in(tr, u, &Flash::default()),
        bodies: views,
    }
    .render()
    .map_err(|e| AppError::Internal(e.to_string()))
}

async fn set_rules(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Fields>,
) -> AppResult<Response> {
    let org = field(&f, "org")
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    let num = |name: &str| field(&f, name).trim().parse::<u32>().unwrap_or(0);
    let rules = Rules {
        objection_days: num("objection_days"),
        co_opinion_days: num("co_opinion_days"),
        reply_months: num("reply_months"),
        plenary_reply_months: num("plenary_reply_months"),
        extension_max_months: num("extension_max_months"),
        four_classes: field(&f, "classes") == "ABCD",
    };
    // The share of key proposals, when the form has it: checked before
    // anything is saved.
    let share = field(&f, "key_share_percent").trim();
    let share = if share.is_empty() {
        None
    } else {
        match share.parse::<i64>() {
            Ok(n) if xieshang_store::proposal::key::KEY_SHARE_RANGE.contains(&n) => Some(n),
            _ => {
                return flash::after(
                    "/proposal-settings",
                    Err::<(), _>(xieshang_store::Error::field(
                        "key_share_percent",
                        "err.proposal.key_share",
                        "the share of key proposals is a whole percent from 1 to 50",
                    )),
                )
            }
        }
    };
    let mut r = handle::set_rules(&state.db, &u.actor, org, rules).await;
    if let (Ok(()), Some(n)) = (&r, share) {
        r = xieshang_store::proposal::key::set_key_share_percent(&state.db, &u.actor, org, n).await;
    }
    flash::after("/proposal-settings", r)
}
