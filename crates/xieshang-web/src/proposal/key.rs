//! Key proposals (重点提案, issue 29 point 8: nomination, the leaders' ballot, supervising leaders) and disclosure (point 9: the proposer's choice, the public pages).
//!
//! Pages: the leaders' ballot (`/proposals/ballot`) and their supervised
//! proposals (`/proposals/supervised`); the committee's ballots
//! (`/proposals/ballots`: open one over the nominated candidates, follow the
//! count, close it); a body's public proposals (`/units/{id}/proposals`,
//! no login) and each one's page. The proposal's own page gets this
//! module's section: its key status, the committee's nomination and choice
//! of a supervising leader, that leader's visits and instructions, and the
//! proposer's choice of disclosure.

use super::Proposal;
use crate::kit::auth::{CsrfForm, CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::{self, Msg};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::Tr;
use crate::kit::page::{format_time, render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::Permission;
use xieshang_store::proposal::key::{self, disclosure, Supervision};

/// This module's routes.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    use Permission::{ProposalReview as Review, ProposalSupervise as Supervise};
    // Only leaders are offered the ballot; anyone else who opens it gets the
    // refusal page with the menu (403), as for any page not theirs.
    r.get(
        "/proposals/ballot",
        Needs(Supervise, Target::None),
        get(ballot_page),
    )
    .post(
        "/proposals/ballot",
        Needs(Supervise, Target::None),
        post(vote),
    )
    .get("/proposals/supervised", SignedIn, get(supervised_page))
    .post(
        "/proposals/{id}/nominate",
        Needs(Review, Target::Proposal),
        post(nominate),
    )
    .get(
        "/proposals/ballots",
        Needs(Review, Target::None),
        get(ballots_page),
    )
    .post(
        "/proposals/ballots",
        Needs(Review, Target::None),
        post(open_ballot),
    )
    .post(
        "/proposals/ballots/close",
        Needs(Review, Target::None),
        post(close_ballot),
    )
    .post(
        "/proposals/{id}/supervisor",
        Needs(Review, Target::Proposal),
        post(name_supervisor),
    )
    .post(
        "/proposals/{id}/supervise",
        Needs(Supervise, Target::Proposal),
        post(supervise),
    )
    .post("/proposals/{id}/disclosure", SignedIn, post(disclose))
    .get("/units/{id}/proposals", Public, get(public_list))
    .get(
        "/units/{id}/proposals/{proposal}",
        Public,
        get(public_detail),
    )
}

// ---------------------------------------------------------------- section

#[derive(Template)]
#[template(path = "proposal/key.html")]
struct SectionTpl {
    page: Page,
    id: i64,
    errors: FieldErrors,
    /// Nominated (waiting for a ballot, or in one).
    candidate: bool,
    key_at: String,
    supervisor: String,
    /// The committee: may nominate it, may name its supervisor.
    may_nominate: bool,
    may_name: bool,
    leaders: Vec<(i64, String)>,
    leader: String,
    /// The supervising leader reading it.
    supervising: bool,
    what: String,
    note: String,
    /// The proposer, before the reply: the disclosure form.
    choosing: bool,
    /// The choice: `public`, `private` or empty; its reason.
    disclosure: String,
    reason: String,
    /// Who reads the choice (proposer, committee, staff, leaders).
    show_choice: bool,
}

fn kept_value(kept: &[(String, String)], field: &str) -> Option<String> {
    kept.iter()
        .find(|(k, _)| k == field)
        .map(|(_, v)| v.clone())
}

/// The section on the proposal's page.
pub(super) async fn section(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    p: &Proposal,
    errors: &FieldErrors,
    kept: &[(String, String)],
) -> AppResult<String> {
    let db = &state.db;
    let s = key::status(db, p.id).await?;
    let (choice, reason, replied) = disclosure::choice_and_reply(db, p.id).await?;
    let reviewing = u.actor.check(Permission::ProposalReview, &p.path).is_ok();
    let ended = ["withdrawn", "merged", "rejected"].contains(&p.state.as_str());
    let may_nominate = reviewing && p.number.is_some() && !ended && s.candidate.is_none();
    let may_name = reviewing && s.key_at.is_some();
    let leaders = if may_name {
        key::leaders_of_body(db, p.org_id).await?
    } else {
        Vec::new()
    };
    let supervising = s
        .supervisor
        .as_ref()
        .is_some_and(|(id, _)| *id == u.actor.user_id);
    let choosing = p.proposer_id == u.actor.user_id && !replied && !ended;
    let show_choice = choosing || u.actor.check(Permission::ProposalView, &p.path).is_ok();
    let tpl = SectionTpl {
        page: Page::signed_in(tr, u, &Flash::default()),
        id: p.id,
        errors: errors.clone(),
        candidate: s.candidate.is_some(),
        key_at: s
            .key_at
            .map(|t| format_time(tr.lang, t))
            .unwrap_or_default(),
        supervisor: s
            .supervisor
            .as_ref()
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
        may_nominate,
        may_name,
        leaders,
        leader: kept_value(kept, "leader")
            .or_else(|| s.supervisor.as_ref().map(|(i, _)| i.to_string()))
            .unwrap_or_default(),
        supervising,
        what: kept_value(kept, "what").unwrap_or_else(|| "urge".into()),
        note: kept_value(kept, "supervise_note").unwrap_or_default(),
        choosing,
        disclosure: kept_value(kept, "disclosure")
            .or(choice)
            .unwrap_or_default(),
        reason: kept_value(kept, "private_reason")
            .or(reason)
            .unwrap_or_default(),
        show_choice,
    };
    tpl.render().map_err(|e| AppError::Internal(e.to_string()))
}

/// Back to the proposal's page with a message.
fn back(id: i64, m: Msg) -> Response {
    flash::back(&format!("/proposals/{id}"), m)
}

async fn refused(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    e: xieshang_store::Error,
    form: Vec<(&str, String)>,
) -> AppResult<Response> {
    let kept = super::Kept {
        form: form.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..super::Kept::default()
    };
    super::refused_here(state, tr, u, id, e, kept).await
}

async fn nominate(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    match key::nominate(&state.db, &u.actor, id).await {
        Ok(()) => Ok(back(id, Msg::Ok("proposal.key.nominated"))),
        Err(e) => refused(&state, tr, &u, id, e, Vec::new()).await,
    }
}

#[derive(Deserialize)]
struct LeaderForm {
    #[serde(default)]
    leader: String,
}

async fn name_supervisor(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<LeaderForm>,
) -> AppResult<Response> {
    let leader = f.leader.trim().parse::<i64>().unwrap_or(0);
    match key::name_supervisor(&state.db, &u.actor, id, leader).await {
        Ok(()) => Ok(back(id, Msg::Ok("proposal.key.supervisor_named"))),
        Err(e) => refused(&state, tr, &u, id, e, vec![("leader", f.leader)]).await,
    }
}

#[derive(Deserialize)]
struct SuperviseForm {
    #[serde(default)]
    what: String,
    #[serde(default)]
    supervise_note: String,
}

async fn supervise(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SuperviseForm>,
) -> AppResult<Response> {
    let what = match f.what.as_str() {
        "instruct" => Supervision::Instruct,
        _ => Supervision::Urge,
    };
    match key::supervise(&state.db, &u.actor, id, what, &f.supervise_note).await {
        Ok(()) => Ok(back(id, Msg::Ok("proposal.key.supervised"))),
        Err(e) => {
            let form = vec![("what", f.what), ("supervise_note", f.supervise_note)];
            refused(&state, tr, &u, id, e, form).await
        }
    }
}

#[derive(Deserialize)]
struct DisclosureForm {
    #[serde(default)]
    disclosure: String,
    #[serde(default)]
    private_reason: String,
}

async fn disclose(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DisclosureForm>,
) -> AppResult<Response> {
    let public = match f.disclosure.as_str() {
        "public" => true,
        "private" => false,
        _ => {
            let e = xieshang_store::Error::field(
                "disclosure",
                "err.proposal.disclosure",
                "choose whether the proposal may be public",
            );
            let form = vec![("private_reason", f.private_reason)];
            return refused(&state, tr, &u, id, e, form).await;
        }
    };
    match disclosure::set(&state.db, &u.actor, id, public, &f.private_reason).await {
        Ok(()) => Ok(back(id, Msg::Ok("proposal.disclosure.saved"))),
        Err(e) => {
            let form = vec![
                ("disclosure", f.disclosure),
                ("private_reason", f.private_reason),
            ];
            refused(&state, tr, &u, id, e, form).await
        }
    }
}

// ---------------------------------------------------------------- ballots

/// A ballot as the pages show it.
struct BallotView {
    id: i64,
    heading: String,
    quota: i64,
    closes: String,
    open: bool,
    voters: i64,
    candidates: Vec<CandidateView>,
}

struct CandidateView {
    id: i64,
    title: String,
    number: String,
    category: String,
    votes: i64,
    selected: bool,
    mine: bool,
}

fn ballot_view(tr: Tr, b: key::Ballot, now: i64, picks: Option<&[i64]>) -> BallotView {
    BallotView {
        id: b.id,
        heading: format!(
            "{} · {}{}",
            tr.label(&b.org_name),
            tr.label(&b.session.0),
            tr.label(&b.session.1)
        ),
        quota: b.quota,
        closes: format_time(tr.lang, b.closed_at.unwrap_or(b.closes_at)),
        open: b.closed_at.is_none() && b.closes_at > now,
        voters: b.voters,
        candidates: b
            .candidates
            .into_iter()
            .map(|c| CandidateView {
                id: c.proposal_id,
                number: c
                    .number
                    .map(|n| tr.t("proposal.number").replace("{n}", &n.to_string()))
                    .unwrap_or_default(),
                category: c
                    .category
                    .map(|x| tr.label(&x).into_owned())
                    .unwrap_or_default(),
                title: c.title,
                votes: c.votes,
                selected: c.selected,
                mine: picks.map_or(c.mine, |p| p.contains(&c.proposal_id)),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "proposal/ballot.html")]
struct BallotTpl {
    page: Page,
    ballots: Vec<BallotView>,
    errors: FieldErrors,
    /// The ballot whose form was refused.
    refused: i64,
}

async fn ballot_view_page(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    errors: FieldErrors,
    kept: Option<(i64, Vec<i64>)>,
) -> AppResult<Response> {
    let now = state.db.now_ms();
    let list = key::ballots(&state.db, &u.actor, Permission::ProposalSupervise).await?;
    let ballots = list
        .into_iter()
        .map(|b| {
            let picks = kept
                .as_ref()
                .filter(|(id, _)| *id == b.id)
                .map(|(_, p)| p.as_slice());
            ballot_view(tr, b, now, picks)
        })
        .collect();
    render(BallotTpl {
        page: Page::signed_in(tr, u, flash),
        ballots,
        errors,
        refused: kept.map(|(id, _)| id).unwrap_or(0),
    })
}

async fn ballot_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    ballot_view_page(&state, tr, &u, &flash, FieldErrors::new(), None).await
}

async fn vote(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let ballot = crate::kit::form::ids(&f, "ballot")
        .first()
        .copied()
        .unwrap_or(0);
    let picks = crate::kit::form::ids(&f, "pick");
    match key::vote(&state.db, &u.actor, ballot, &picks).await {
        Ok(()) => Ok(flash::ok("/proposals/ballot", "proposal.key.voted")),
        Err(e) => match FieldErrors::refused(&e) {
            Some(errors) => {
                let flash = Flash {
                    err: errors.summary().first().map(|(_, k)| (*k).to_owned()),
                    ..Flash::default()
                };
                ballot_view_page(&state, tr, &u, &flash, errors, Some((ballot, picks))).await
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Template)]
#[template(path = "proposal/ballots.html")]
struct BallotsTpl {
    page: Page,
    waiting: Vec<WaitingView>,
    ballots: Vec<BallotView>,
    /// A default closing time for the form: a week from now.
    closes_default: String,
}

struct WaitingView {
    session: i64,
    heading: String,
    candidates: Vec<(i64, String, String)>,
    accepted: i64,
    quota: i64,
}

/// `2026-12-20T09:00` in China Standard Time (a `datetime-local` value).
fn local_input(ms: i64) -> String {
    crate::kit::page::iso_time(ms).replace(' ', "T")
}

/// `2026-12-20T09:00` in China Standard Time as unix ms.
fn parse_local(s: &str) -> Option<i64> {
    use chrono::TimeZone;
    let t = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?;
    chrono::FixedOffset::east_opt(8 * 3600)?
        .from_local_datetime(&t)
        .single()
        .map(|t| t.timestamp_millis())
}

async fn ballots_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let now = state.db.now_ms();
    let waiting = key::nominated(&state.db, &u.actor)
        .await?
        .into_iter()
        .map(|n| WaitingView {
            session: n.session_id,
            heading: format!(
                "{} · {}{}",
                tr.label(&n.org_name),
                tr.label(&n.session.0),
                tr.label(&n.session.1)
            ),
            candidates: n
                .candidates
                .into_iter()
                .map(|(id, number, title)| {
                    (
                        id,
                        number
                            .map(|n| tr.t("proposal.number").replace("{n}", &n.to_string()))
                            .unwrap_or_default(),
                        title,
                    )
                })
                .collect(),
            accepted: n.accepted,
            quota: n.quota,
        })
        .collect();
    let ballots = key::ballots(&state.db, &u.actor, Permission::ProposalReview)
        .await?
        .into_iter()
        .map(|b| ballot_view(tr, b, now, None))
        .collect();
    render(BallotsTpl {
        page: Page::signed_in(tr, &u, &flash),
        waiting,
        ballots,
        closes_default: local_input(now + 7 * 86_400_000),
    })
}

#[derive(Deserialize)]
struct OpenForm {
    #[serde(default)]
    session: String,
    #[serde(default)]
    quota: String,
    #[serde(default)]
    closes_at: String,
}

const BALLOTS: &str = "/proposals/ballots";

async fn open_ballot(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<OpenForm>,
) -> AppResult<Response> {
    let session = f
        .session
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    let quota = match f.quota.trim() {
        "" => None,
        q => match q.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return Ok(flash::err(BALLOTS, "err.proposal.ballot_quota")),
        },
    };
    let Some(closes_at) = parse_local(&f.closes_at) else {
        return Ok(flash::err(BALLOTS, "err.proposal.ballot_closes"));
    };
    match key::open_ballot(&state.db, &u.actor, session, quota, closes_at).await {
        Ok(_) => Ok(flash::ok(BALLOTS, "proposal.key.ballot_opened")),
        Err(e) => flash::refused(BALLOTS, e),
    }
}

#[derive(Deserialize)]
struct CloseForm {
    #[serde(default)]
    ballot: String,
}

async fn close_ballot(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<CloseForm>,
) -> AppResult<Response> {
    let ballot = f
        .ballot
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    match key::close(&state.db, &u.actor, ballot).await {
        Ok(_) => Ok(flash::ok(BALLOTS, "proposal.key.ballot_closed")),
        Err(e) => flash::refused(BALLOTS, e),
    }
}

#[derive(Template)]
#[template(path = "proposal/supervised.html")]
struct SupervisedTpl {
    page: Page,
    rows: Vec<super::Row>,
    may_vote: bool,
}

async fn supervised_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let list = key::supervised(&state.db, &u.actor).await?;
    render(SupervisedTpl {
        page: Page::signed_in(tr, &u, &flash),
        rows: list.iter().map(|p| super::row(tr, p)).collect(),
        may_vote: u.actor.has_permission(Permission::ProposalSupervise),
    })
}

// ---------------------------------------------------------------- public

struct PublicView {
    id: i64,
    number: String,
    category: String,
    title: String,
    situation: String,
    analysis: String,
    suggestions: String,
    key: bool,
    proposers: String,
    /// (class, document number, text, date, unit).
    replies: Vec<(String, String, String, String, String)>,
}

fn public_view(tr: Tr, p: disclosure::PublicProposal) -> PublicView {
    PublicView {
        id: p.id,
        number: format!(
            "{}{} {}",
            tr.label(&p.session.0),
            tr.label(&p.session.1),
            tr.t("proposal.number")
                .replace("{n}", &p.number.to_string())
        ),
        category: p
            .category
            .map(|c| tr.label(&c).into_owned())
            .unwrap_or_default(),
        title: p.title,
        situation: p.situation,
        analysis: p.analysis,
        suggestions: p.suggestions,
        key: p.key,
        proposers: p.proposers.join(tr.list_sep()),
        replies: p
            .replies
            .into_iter()
            .map(|r| {
                (
                    r.class,
                    r.doc_number,
                    r.body,
                    format_time(tr.lang, r.replied_at),
                    tr.label(&r.unit).into_owned(),
                )
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "proposal/public.html")]
struct PublicTpl {
    page: Page,
    unit_id: i64,
    unit: String,
    q: String,
    rows: Vec<PublicView>,
    page_no: i64,
    more: bool,
    /// The query for the paging links, percent-encoded.
    q_enc: String,
}

#[derive(Deserialize, Default)]
struct PublicQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

/// A body (district or city, not archived) by id, or not found.
async fn public_body(state: &AppState, id: i64) -> AppResult<xieshang_store::org::Org> {
    let org = xieshang_store::org::get_unchecked(&state.db, id)
        .await
        .map_err(|_| AppError::NotFound)?;
    if org.archived_at.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(org)
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A body's public proposals: searchable, 20 a page.
async fn public_list(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    Path(id): Path<i64>,
    Query(q): Query<PublicQuery>,
) -> AppResult<Response> {
    let org = public_body(&state, id).await?;
    let page_no = q.page.unwrap_or(1).clamp(1, 10_000);
    let query: String = q.q.trim().chars().take(100).collect();
    let (rows, more) = disclosure::list(&state.db, id, &query, page_no).await?;
    render(PublicTpl {
        page: Page::new(tr, None, String::new(), &Flash::default()),
        unit_id: id,
        unit: tr.label(&org.name).into_owned(),
        q_enc: encode(&query),
        q: query,
        rows: rows.into_iter().map(|p| public_view(tr, p)).collect(),
        page_no,
        more,
    })
}

#[derive(Template)]
#[template(path = "proposal/public_one.html")]
struct PublicOneTpl {
    page: Page,
    unit_id: i64,
    unit: String,
    p: PublicView,
}

async fn public_detail(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    Path((id, proposal)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let org = public_body(&state, id).await?;
    let p = disclosure::get(&state.db, id, proposal).await?;
    render(PublicOneTpl {
        page: Page::new(tr, None, String::new(), &Flash::default()),
        unit_id: id,
        unit: tr.label(&org.name).into_owned(),
        p: public_view(tr, p),
    })
}
