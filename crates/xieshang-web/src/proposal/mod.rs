//! Proposals (提案, issue 29): a member's proposals and what waits for them,
//! drafting (the text, co-signers, filing), the proposal's page with its
//! signers and timeline, the committee's review queue and its decisions, and
//! a body's settings (terms, sessions, categories, grounds, length cap). The
//! store's `proposal` module decides; these pages ask it.

use crate::kit::auth::{CsrfForm, CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::{self, Msg};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{event_views, format_time, render, EventView, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::item::State as ItemState;
use xieshang_core::proposal::Text;
use xieshang_core::Permission;
use xieshang_store::proposal::{self, assign, review, settings, Proposal};

pub(crate) mod api;
mod compilation;
mod figures;
mod handle;
mod key;
mod more;

/// The proposal routes.
pub fn routes(r: Routes) -> Routes {
    let r = api::routes(r);
    let r = handle::routes(r);
    let r = key::routes(r);
    let r = more::routes(r);
    let r = figures::routes(r);
    use Access::*;
    use Permission::{
        ProposalHandle as Handle, ProposalManage as Manage, ProposalReview as Review,
        ProposalView as View,
    };
    r.get("/proposals/mine", SignedIn, get(mine_page))
        .get("/proposals/new", SignedIn, get(new_page))
        .post("/proposals", SignedIn, post(create))
        .get(
            "/proposals/review",
            Needs(Review, Target::None),
            get(queue_page),
        )
        .get(
            "/proposals/{id}",
            Needs(View, Target::Proposal),
            get(detail_page),
        )
        .post("/proposals/{id}/save", SignedIn, post(save))
        .post("/proposals/{id}/invite", SignedIn, post(invite))
        .post("/proposals/{id}/answer", SignedIn, post(answer))
        .post(
            "/proposals/{id}/review",
            Needs(Review, Target::Proposal),
            post(decide),
        )
        .post(
            "/proposals/{id}/assign",
            Needs(Review, Target::Proposal),
            post(assign_units),
        )
        .get(
            "/proposals/assigned",
            Needs(Handle, Target::None),
            get(handle::assigned_page),
        )
        .get(
            "/proposals/assigned/done",
            Needs(Handle, Target::None),
            get(handle::assigned_done_page),
        )
        .get(
            "/proposal-settings",
            Needs(Manage, Target::None),
            get(settings_page),
        )
        .post(
            "/proposal-settings/terms",
            Needs(Manage, Target::None),
            post(add_term),
        )
        .post(
            "/proposal-settings/sessions",
            Needs(Manage, Target::None),
            post(add_session),
        )
        .post(
            "/proposal-settings/entries",
            Needs(Manage, Target::None),
            post(add_entry),
        )
        .post(
            "/proposal-settings/entries/hide",
            Needs(Manage, Target::None),
            post(hide_entry),
        )
        .post(
            "/proposal-settings/cap",
            Needs(Manage, Target::None),
            post(set_cap),
        )
}

/// A state's message key, in the proposal's words where it has its own.
fn state_label(state: &str) -> &'static str {
    i18n::known(&format!("proposal.state.{state}"))
        .or_else(|| i18n::known(&format!("state.{state}")))
        .unwrap_or("state.submitted")
}

/// 「第十届第五次会议 第3号」, or empty before acceptance.
fn number_label(tr: Tr, p: &Proposal) -> String {
    match (&p.session, p.number) {
        (Some((term, session)), Some(n)) => format!(
            "{}{} {}",
            tr.label(term),
            tr.label(session),
            tr.t("proposal.number").replace("{n}", &n.to_string())
        ),
        _ => String::new(),
    }
}

/// One proposal in a list.
struct Row {
    id: i64,
    title: String,
    proposer: String,
    category: String,
    number: String,
    state: &'static str,
    when: String,
}

fn row(tr: Tr, p: &Proposal) -> Row {
    Row {
        id: p.id,
        title: if p.text.title.is_empty() {
            tr.t("proposal.untitled").to_owned()
        } else {
            p.text.title.clone()
        },
        proposer: p.proposer_name.clone(),
        category: p.category.clone().unwrap_or_default(),
        number: number_label(tr, p),
        state: state_label(&p.state),
        when: format_time(tr.lang, p.filed_at.unwrap_or(p.updated_at)),
    }
}

// ---------------------------------------------------------------- mine

#[derive(Template)]
#[template(path = "proposal/mine.html")]
struct MineTpl {
    page: Page,
    to_sign: Vec<Row>,
    written: Vec<Row>,
    cosigned: Vec<Row>,
    may_draft: bool,
    /// Replies waiting for the member's rating ([`handle`]), rendered.
    to_rate: String,
}

async fn mine_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let mine = proposal::mine(&state.db, &u.actor).await?;
    let rows = |list: &[Proposal]| list.iter().map(|p| row(tr, p)).collect();
    render(MineTpl {
        page: Page::signed_in(tr, &u, &flash),
        to_sign: rows(&mine.to_sign),
        written: rows(&mine.written),
        cosigned: rows(&mine.cosigned),
        may_draft: u.actor.has_permission(Permission::ProposalDraft),
        to_rate: handle::to_rate_block(&state, tr, &u).await?,
    })
}

// ---------------------------------------------------------------- drafting

/// The text of a proposal as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
struct TextForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    situation: String,
    #[serde(default)]
    analysis: String,
    #[serde(default)]
    suggestions: String,
    /// `file` to file after saving.
    #[serde(default)]
    then: String,
}

impl TextForm {
    fn text(&self) -> Text {
        Text {
            title: self.title.clone(),
            situation: self.situation.clone(),
            analysis: self.analysis.clone(),
            suggestions: self.suggestions.clone(),
        }
    }

    fn of(p: &Proposal) -> TextForm {
        TextForm {
            title: p.text.title.clone(),
            category: p.category_id.map(|c| c.to_string()).unwrap_or_default(),
            situation: p.text.situation.clone(),
            analysis: p.text.analysis.clone(),
            suggestions: p.text.suggestions.clone(),
            then: String::new(),
        }
    }

    fn category(&self) -> Option<i64> {
        self.category.parse().ok()
    }
}

/// Every field's error of a text as the form marks them (the store checks
/// it again, and answers with its first).
fn text_errors(result: Result<Text, xieshang_core::concern::FieldErrors>) -> FieldErrors {
    match result {
        Ok(_) => FieldErrors::new(),
        Err(list) => FieldErrors::from_core(list),
    }
}

#[derive(Template)]
#[template(path = "proposal/new.html")]
struct NewTpl {
    page: Page,
    may_draft: bool,
    form: TextForm,
    errors: FieldErrors,
    categories: Vec<(i64, String)>,
    cap: String,
}

async fn categories(state: &AppState, org_id: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(
        settings::entries(&state.db, org_id, settings::List::Category, false)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect(),
    )
}

fn cap_text(tr: Tr, cap: Option<usize>) -> String {
    cap.map(|c| tr.t("proposal.cap_is").replace("{n}", &c.to_string()))
        .unwrap_or_default()
}

async fn new_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    form: TextForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let flash = Flash {
        err: (!errors.is_empty()).then(|| "proposal.not_saved".to_owned()),
        ..Flash::default()
    };
    // Proposals are written by members; anyone else is told so.
    let (may_draft, categories, cap) = if u.actor.has_permission(Permission::ProposalDraft) {
        let body = proposal::body_of_member(&state.db, &u.actor).await?;
        (
            true,
            categories(state, body.id).await?,
            cap_text(tr, settings::cap(&state.db, body.id).await?),
        )
    } else {
        (false, Vec::new(), String::new())
    };
    render(NewTpl {
        page: Page::signed_in(tr, u, &flash),
        form,
        errors,
        may_draft,
        categories,
        cap,
    })
}

async fn new_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
) -> AppResult<Response> {
    new_view(&state, tr, &u, TextForm::default(), FieldErrors::new()).await
}

async fn create(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let errors = text_errors(Text::parse_draft(&f.text()));
    if !errors.is_empty() {
        return new_view(&state, tr, &u, f, errors).await;
    }
    match proposal::create_draft(&state.db, &u.actor, &f.text(), f.category()).await {
        Ok(id) => Ok(flash::ok(&format!("/proposals/{id}"), "proposal.saved")),
        Err(e) => match FieldErrors::refused(&e) {
            Some(errors) => new_view(&state, tr, &u, f, errors).await,
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------- one proposal

struct SignerView {
    name: String,
    answer: &'static str,
}

/// What a refused form on the proposal's page had typed.
#[derive(Default)]
pub(super) struct Kept {
    text: Option<TextForm>,
    review: ReviewForm,
    assign: AssignForm,
    /// What was typed in a section's form (handling, key proposals, …), by
    /// field name, to fill it again beside the errors.
    pub(super) form: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "proposal/detail.html")]
struct DetailTpl {
    page: Page,
    p: Proposal,
    title: String,
    state: &'static str,
    /// The committee's decision (the card under the facts): "accepted" for
    /// a proposal given a number, whatever its handling has reached since.
    decision: &'static str,
    number: String,
    occasion: &'static str,
    filed: String,
    signers: Vec<SignerView>,
    events: Vec<EventView>,
    /// The initiator, on a draft: the text form, invitations, filing.
    editing: bool,
    form: TextForm,
    errors: FieldErrors,
    categories: Vec<(i64, String)>,
    cap: String,
    members: Vec<(i64, String)>,
    /// An invited co-signer who has not answered, on a draft.
    to_answer: bool,
    /// The committee, on a filed proposal.
    reviewing: bool,
    review: ReviewForm,
    decisions: &'static [(&'static str, &'static str)],
    grounds: Vec<(i64, String)>,
    others: Vec<(i64, String)>,
    /// The units it is assigned to: (name, leads).
    assigned: Vec<(String, bool)>,
    /// The committee, on an accepted proposal: the body's departments.
    assigning: bool,
    units: Vec<(i64, String)>,
    assign_form: AssignForm,
    /// The sections other modules add to the page, as rendered HTML: handling
    /// and replies ([`handle`]), key proposals and disclosure ([`key`]), and
    /// the rest ([`more`]).
    handling: String,
    key: String,
    more: String,
}

/// The committee's decisions: (form value, message key).
const DECISIONS: [(&str, &str); 7] = [
    ("accept", "proposal.do.accept"),
    ("reject", "proposal.do.reject"),
    ("merge", "proposal.do.merge"),
    ("opinion_report", "proposal.do.convert_report"),
    ("member_letter", "proposal.do.convert_letter"),
    ("return", "proposal.do.return"),
    ("withdraw", "proposal.do.withdraw"),
];

pub(super) async fn detail_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    errors: FieldErrors,
    kept: Kept,
) -> AppResult<Response> {
    let db = &state.db;
    let p = proposal::get(db, &u.actor, Permission::ProposalView, id).await?;
    let draft = p.state == ItemState::Draft.as_str();
    let signers = proposal::signers(db, id).await?;
    let editing = draft && p.proposer_id == u.actor.user_id;
    let to_answer = draft
        && signers
            .iter()
            .any(|s| s.user_id == u.actor.user_id && s.answer == "pending");
    let reviewing = p.state == ItemState::Submitted.as_str()
        && u.actor.check(Permission::ProposalReview, &p.path).is_ok();
    let members = if editing {
        proposal::members_of_body(db, p.org_id)
            .await?
            .into_iter()
            .filter(|(m, _)| !signers.iter().any(|s| s.user_id == *m))
            .collect()
    } else {
        Vec::new()
    };
    let (grounds, others) = if reviewing {
        let grounds = settings::entries(db, p.org_id, settings::List::Ground, false)
            .await?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        let mut others = Vec::new();
        for st in [ItemState::Submitted, ItemState::Accepted] {
            for o in proposal::in_state(db, &u.actor, Permission::ProposalReview, st).await? {
                if o.id != p.id && o.org_id == p.org_id {
                    others.push((o.id, format!("#{} {}", o.id, o.text.title)));
                }
            }
        }
        (grounds, others)
    } else {
        (Vec::new(), Vec::new())
    };
    let categories = if editing || reviewing {
        categories(state, p.org_id).await?
    } else {
        Vec::new()
    };
    let cap = if editing {
        cap_text(tr, settings::cap(db, p.org_id).await?)
    } else {
        String::new()
    };
    let events = event_views(tr, proposal::timeline(db, id).await?, "proposal.");
    let assigning = p.state == ItemState::Accepted.as_str()
        && u.actor.check(Permission::ProposalReview, &p.path).is_ok();
    let units = if assigning {
        assign::units_of_body(db, p.org_id).await?
    } else {
        Vec::new()
    };
    let assigned = assign::units(db, id)
        .await?
        .into_iter()
        .map(|a| (tr.label(&a.name).into_owned(), a.lead))
        .collect();
    let handling = handle::section(state, tr, u, &p, &errors, &kept.form).await?;
    let key = key::section(state, tr, u, &p, &errors, &kept.form).await?;
    let more = more::section(state, tr, u, &p, &errors, &kept.form).await?;
    render(DetailTpl {
        handling,
        key,
        more,
        page: Page::signed_in(tr, u, flash),
        title: row(tr, &p).title,
        state: state_label(&p.state),
        decision: state_label(
            if p.number.is_some() && !matches!(p.state.as_str(), "withdrawn" | "merged") {
                "accepted"
            } else {
                &p.state
            },
        ),
        number: number_label(tr, &p),
        occasion: match p.occasion.as_deref() {
            Some("plenary") => "proposal.occasion.plenary",
            Some(_) => "proposal.occasion.interim",
            None => "",
        },
        filed: p
            .filed_at
            .map(|t| format_time(tr.lang, t))
            .unwrap_or_default(),
        signers: signers
            .iter()
            .map(|s| SignerView {
                name: s.name.clone(),
                answer: i18n::known(&format!("proposal.sign.{}", s.answer))
                    .unwrap_or("proposal.sign.pending"),
            })
            .collect(),
        events,
        editing,
        form: kept.text.unwrap_or_else(|| TextForm::of(&p)),
        errors,
        categories,
        cap,
        members,
        to_answer,
        reviewing,
        review: kept.review,
        decisions: &DECISIONS,
        grounds,
        others,
        assigned,
        assigning,
        units,
        assign_form: kept.assign,
        p,
    })
}

async fn detail_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    detail_view(
        &state,
        tr,
        &u,
        id,
        &flash,
        FieldErrors::new(),
        Kept::default(),
    )
    .await
}

/// Back to the proposal's page with a message.
fn back(id: i64, m: Msg) -> Response {
    flash::back(&format!("/proposals/{id}"), m)
}

/// A refusal shown on the proposal's page, with what was typed kept.
pub(super) async fn refused_here(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    e: xieshang_store::Error,
    kept: Kept,
) -> AppResult<Response> {
    match FieldErrors::refused(&e) {
        Some(errors) => {
            let key = errors.summary().first().map(|(_, k)| (*k).to_owned());
            let flash = Flash {
                err: key,
                ..Flash::default()
            };
            detail_view(state, tr, u, id, &flash, errors, kept).await
        }
        None => Err(e.into()),
    }
}

async fn save(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> AppResult<Response> {
    let filing = f.then == "file";
    let checked = if filing {
        let cap = match proposal::get(&state.db, &u.actor, Permission::ProposalView, id).await {
            Ok(p) => settings::cap(&state.db, p.org_id).await?,
            Err(e) => return Err(e.into()),
        };
        Text::parse_filed(&f.text(), cap)
    } else {
        Text::parse_draft(&f.text())
    };
    let errors = text_errors(checked);
    // What is typed is saved whenever it may be, even when filing is refused.
    if let Err(e) = proposal::save_draft(&state.db, &u.actor, id, &f.text(), f.category()).await {
        let kept = Kept {
            text: Some(f),
            ..Kept::default()
        };
        return refused_here(&state, tr, &u, id, e, kept).await;
    }
    if !errors.is_empty() {
        let flash = Flash {
            err: Some("proposal.saved_not_filed".to_owned()),
            ..Flash::default()
        };
        let kept = Kept {
            text: Some(f),
            ..Kept::default()
        };
        return detail_view(&state, tr, &u, id, &flash, errors, kept).await;
    }
    if !filing {
        return Ok(back(id, Msg::Ok("proposal.saved")));
    }
    match proposal::file(&state.db, &u.actor, id).await {
        Ok(_) => Ok(back(id, Msg::Ok("proposal.filed"))),
        Err(e) => {
            let kept = Kept {
                text: Some(f),
                ..Kept::default()
            };
            refused_here(&state, tr, &u, id, e.into_store(), kept).await
        }
    }
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    cosigner: String,
}

async fn invite(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> AppResult<Response> {
    // A number that names no member is refused as one outside the body.
    let user = f.cosigner.trim().parse::<i64>().unwrap_or(0);
    match proposal::invite(&state.db, &u.actor, id, user).await {
        Ok(()) => Ok(back(id, Msg::Ok("proposal.invited"))),
        Err(e) => refused_here(&state, tr, &u, id, e, Kept::default()).await,
    }
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    answer: String,
}

async fn answer(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    let confirm = match f.answer.as_str() {
        "confirm" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest("answer is confirm or decline".into())),
    };
    match proposal::answer(&state.db, &u.actor, id, confirm).await {
        Ok(()) => Ok(back(id, Msg::Ok("proposal.answered"))),
        Err(e) => refused_here(&state, tr, &u, id, e, Kept::default()).await,
    }
}

// ---------------------------------------------------------------- review

/// The committee's decision as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
struct ReviewForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    note: String,
}

async fn decide(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ReviewForm>,
) -> AppResult<Response> {
    let num = |s: &str| s.trim().parse::<i64>().unwrap_or(0);
    let decision = match f.action.as_str() {
        "accept" => review::Decision::Accept {
            category: f.category.trim().parse().ok(),
        },
        "reject" => review::Decision::NotAccept {
            ground: num(&f.ground),
            note: &f.note,
        },
        "merge" => review::Decision::Merge { into: num(&f.into) },
        "return" => review::Decision::Return { note: &f.note },
        "withdraw" => review::Decision::Withdraw { note: &f.note },
        code @ ("opinion_report" | "member_letter") => review::Decision::Convert {
            to: review::ConvertTo::parse(code).unwrap_or(review::ConvertTo::OpinionReport),
            note: &f.note,
        },
        _ => {
            let e = xieshang_store::Error::field(
                "action",
                "err.proposal.decision",
                "choose a decision",
            );
            let kept = Kept {
                review: f,
                ..Kept::default()
            };
            return refused_here(&state, tr, &u, id, e, kept).await;
        }
    };
    match review::decide(&state.db, &u.actor, id, decision).await {
        Ok(_) => Ok(back(id, Msg::Ok("proposal.decided"))),
        Err(e) => {
            let kept = Kept {
                review: f.clone(),
                ..Kept::default()
            };
            refused_here(&state, tr, &u, id, e.into_store(), kept).await
        }
    }
}

#[derive(Template)]
#[template(path = "proposal/queue.html")]
struct QueueTpl {
    page: Page,
    filed: Vec<Row>,
    accepted: Vec<Row>,
}

async fn queue_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    // Both lists in one statement (on PostgreSQL a statement's planning and
    // round trip were a third of the page's time).
    let (filed, accepted): (Vec<_>, Vec<_>) = proposal::in_states(
        &state.db,
        &u.actor,
        Permission::ProposalReview,
        &[ItemState::Submitted, ItemState::Accepted],
    )
    .await?
    .into_iter()
    .partition(|p| p.state == ItemState::Submitted.as_str());
    render(QueueTpl {
        page: Page::signed_in(tr, &u, &flash),
        filed: filed.iter().map(|p| row(tr, p)).collect(),
        accepted: accepted.iter().map(|p| row(tr, p)).collect(),
    })
}

// ---------------------------------------------------------------- assignment

/// The units ticked (kept when refused).
#[derive(Default)]
struct AssignForm {
    lead: i64,
    co: Vec<i64>,
}

impl AssignForm {
    fn ticked(&self, id: i64) -> bool {
        self.co.contains(&id)
    }
}

async fn assign_units(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = AssignForm {
        lead: crate::kit::form::ids(&f, "lead")
            .first()
            .copied()
            .unwrap_or(0),
        co: crate::kit::form::ids(&f, "co"),
    };
    // 分办 (split) when asked; otherwise a lead unit with co-handlers.
    let mode = if f.iter().any(|(k, v)| k == "mode" && v == "split") {
        proposal::handle::Mode::Split
    } else {
        proposal::handle::Mode::Joint
    };
    match proposal::handle::assign(
        &state.db,
        &state.calendar,
        &u.actor,
        id,
        mode,
        form.lead,
        &form.co,
    )
    .await
    {
        Ok(_) => Ok(back(id, Msg::Ok("proposal.assigned"))),
        Err(e) => {
            let kept = Kept {
                assign: form,
                ..Kept::default()
            };
            refused_here(&state, tr, &u, id, e.into_store(), kept).await
        }
    }
}

// ---------------------------------------------------------------- settings

struct BodyView {
    id: i64,
    name: String,
    terms: Vec<settings::Term>,
    sessions: Vec<settings::Session>,
    /// (list code, heading key, entries, the new entry's field id):
    /// categories, grounds.
    lists: Vec<(
        &'static str,
        &'static str,
        Vec<settings::Entry_>,
        &'static str,
    )>,
    cap: String,
    /// A refused form of this body's, as typed (empty for the others).
    kept: KeptSettings,
}

/// A refused settings form: which (`term`, `session`, `entry-category`,
/// `entry-ground` or `cap`), its body, every field as typed, and what was
/// wrong (field ids without the body's id, which the page adds).
#[derive(Default, Clone)]
struct KeptSettings {
    which: &'static str,
    org: i64,
    term: i64,
    name: String,
    starts_on: String,
    ends_on: String,
    opens_on: String,
    closes_on: String,
    cap: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "proposal/settings.html")]
struct SettingsTpl {
    page: Page,
    bodies: Vec<BodyView>,
    /// Each body's rules of handling ([`handle`]), rendered.
    handling: String,
    /// The refused form's body and errors, for the summary at the top.
    kept: KeptSettings,
}

async fn settings_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    settings_view(&state, tr, &u, &flash, KeptSettings::default()).await
}

async fn settings_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    mut kept: KeptSettings,
) -> AppResult<Response> {
    let db = &state.db;
    let mut bodies = Vec::new();
    for b in settings::bodies(db, &u.actor, Permission::ProposalManage).await? {
        let terms = settings::terms(db, b.id).await?;
        // A session's form names its term, not its body.
        if kept.which == "session" && terms.iter().any(|t| t.id == kept.term) {
            kept.org = b.id;
        }
        bodies.push(BodyView {
            id: b.id,
            name: tr.label(&b.name).into_owned(),
            terms,
            sessions: settings::sessions(db, b.id).await?,
            lists: vec![
                (
                    "category",
                    "proposal.categories",
                    settings::entries(db, b.id, settings::List::Category, true).await?,
                    "entry-category",
                ),
                (
                    "ground",
                    "proposal.grounds",
                    settings::entries(db, b.id, settings::List::Ground, true).await?,
                    "entry-ground",
                ),
            ],
            cap: settings::cap(db, b.id)
                .await?
                .map(|c| c.to_string())
                .unwrap_or_default(),
            kept: if b.id == kept.org {
                kept.clone()
            } else {
                KeptSettings::default()
            },
        });
    }
    let handling = handle::settings_block(
        state,
        tr,
        u,
        bodies.iter().map(|b| (b.id, b.name.clone())).collect(),
    )
    .await?;
    render(SettingsTpl {
        page: Page::signed_in(tr, u, flash),
        bodies,
        handling,
        kept,
    })
}

const SETTINGS: &str = "/proposal-settings";

/// After a settings form: back with "saved", or the page again with the form
/// as typed and the refused field marked (`id` maps the store's field to the
/// form's element).
async fn after_settings<T>(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    mut kept: KeptSettings,
    result: Result<T, xieshang_store::Error>,
    id: impl Fn(&str) -> &'static str,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(flash::ok(SETTINGS, "common.saved")),
        Err(e) => match FieldErrors::refused_as(&e, id) {
            Some(errors) => {
                kept.errors = errors;
                settings_view(state, tr, u, &Flash::default(), kept).await
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
struct TermForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
}

async fn add_term(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<TermForm>,
) -> AppResult<Response> {
    let org = f.org.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let r =
        settings::create_term(&state.db, &u.actor, org, &f.name, &f.starts_on, &f.ends_on).await;
    let kept = KeptSettings {
        which: "term",
        org,
        name: f.name,
        starts_on: f.starts_on,
        ends_on: f.ends_on,
        ..KeptSettings::default()
    };
    let id = |field: &str| match field {
        "starts_on" => "term-starts",
        "ends_on" => "term-ends",
        _ => "term-name",
    };
    after_settings(&state, tr, &u, kept, r, id).await
}

#[derive(Deserialize)]
struct SessionForm {
    #[serde(default)]
    term: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    closes_on: String,
}

async fn add_session(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<SessionForm>,
) -> AppResult<Response> {
    let term = f.term.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let r = settings::create_session(
        &state.db,
        &u.actor,
        term,
        &f.name,
        &f.opens_on,
        &f.closes_on,
    )
    .await;
    let kept = KeptSettings {
        which: "session",
        term,
        name: f.name,
        opens_on: f.opens_on,
        closes_on: f.closes_on,
        ..KeptSettings::default()
    };
    let id = |field: &str| match field {
        "opens_on" => "session-opens",
        "closes_on" => "session-closes",
        "term" => "session-term",
        _ => "session-name",
    };
    after_settings(&state, tr, &u, kept, r, id).await
}

#[derive(Deserialize)]
struct EntryForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    name: String,
}

async fn add_entry(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<EntryForm>,
) -> AppResult<Response> {
    let org = f.org.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let list = settings::List::parse(&f.list)
        .ok_or_else(|| AppError::BadRequest("list is category or ground".into()))?;
    let r = settings::add_entry(&state.db, &u.actor, org, list, &f.name).await;
    let which = if f.list == "ground" {
        "entry-ground"
    } else {
        "entry-category"
    };
    let kept = KeptSettings {
        which,
        org,
        name: f.name,
        ..KeptSettings::default()
    };
    after_settings(&state, tr, &u, kept, r, |_| which).await
}

#[derive(Deserialize)]
struct HideForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    hidden: String,
}

async fn hide_entry(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<HideForm>,
) -> AppResult<Response> {
    let id = f.id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    flash::after(
        SETTINGS,
        settings::set_hidden(&state.db, &u.actor, id, f.hidden != "0").await,
    )
}

#[derive(Deserialize)]
struct CapForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    cap: String,
}

async fn set_cap(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<CapForm>,
) -> AppResult<Response> {
    let org = f.org.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let r = match f.cap.trim() {
        "" => settings::set_cap(&state.db, &u.actor, org, None).await,
        c => match c.parse::<usize>() {
            Ok(n) => settings::set_cap(&state.db, &u.actor, org, Some(n)).await,
            Err(_) => Err(xieshang_store::Error::field(
                "cap",
                "err.proposal.cap",
                "a number of characters",
            )),
        },
    };
    let kept = KeptSettings {
        which: "cap",
        org,
        cap: f.cap,
        ..KeptSettings::default()
    };
    after_settings(&state, tr, &u, kept, r, |_| "cap").await
}
