//! Democratic supervision (民主监督, issue 31 points 1–3 and 8): one's
//! supervision work (the body's groups for its staff, one's groups for
//! members, plans to accept and opinions to answer for a department's
//! handlers), a group's work list (members, departments, plans,
//! activities, opinions, and the group's forms), an opinion's page (the
//! department's plan and result, the group's rating, the timeline), the
//! body's rule set, and the public page per body. The store's
//! `supervision` module decides who may do what; every refused form comes
//! back with what was typed.

use crate::kit::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang, Upload, UPLOAD_BODY_LIMIT};
use crate::kit::error::AppResult;
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{event_views, format_time, render, EventView, Flash, Page};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::supervision::{ActivityKind, NewOpinion, Rating, Rules};
use xieshang_core::Actor;
use xieshang_store::concern::photo;
use xieshang_store::supervision::{self as sup, opinion, public};

/// This feature's routes. The store decides who may do what (the body's
/// staff, the group's members, the department's handlers), so the routes
/// ask only for a session; the public page needs none.
pub fn routes(r: Routes) -> Routes {
    use Access::{Public, SignedIn};
    r.get("/supervision", SignedIn, get(home_page))
        .post("/supervision/groups", SignedIn, post(create_group))
        .get("/supervision/settings", SignedIn, get(settings_page))
        .post("/supervision/settings", SignedIn, post(save_settings))
        .get("/supervision/groups/{id}", SignedIn, get(group_page))
        .post(
            "/supervision/groups/{id}/postings",
            SignedIn,
            post(add_posting),
        )
        .post("/supervision/groups/{id}/plans", SignedIn, post(save_plan))
        .post(
            "/supervision/groups/{id}/activities",
            SignedIn,
            post(log_activity).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .post(
            "/supervision/groups/{id}/opinions",
            SignedIn,
            post(send_opinion),
        )
        .post(
            "/supervision/plans/{id}/accept",
            SignedIn,
            post(accept_plan),
        )
        .get("/supervision/opinions/{id}", SignedIn, get(opinion_page))
        .post(
            "/supervision/opinions/{id}/plan",
            SignedIn,
            post(answer_plan),
        )
        .post(
            "/supervision/opinions/{id}/result",
            SignedIn,
            post(answer_result),
        )
        .post("/supervision/opinions/{id}/rate", SignedIn, post(rate))
        .get("/supervision/public/{code}", Public, get(public_page))
}

/// What the home page counts for supervision: opinions waiting for the
/// answer of the departments the actor handles.
pub(crate) async fn today(
    state: &AppState,
    actor: &Actor,
    out: &mut Vec<(&'static str, i64, &'static str)>,
) -> AppResult<()> {
    if actor.has_role(xieshang_core::Role::DepartmentHandler) {
        let n = opinion::waiting_count(&state.db, actor).await?;
        out.push(("supervision.today.waiting", n, "/supervision"));
    }
    Ok(())
}

/// A state's message key.
fn state_label(state: &str) -> &'static str {
    i18n::known(&format!("supervision.state.{state}"))
        .or_else(|| i18n::known(&format!("state.{state}")))
        .unwrap_or("state.submitted")
}

fn kind_label(kind: &str) -> &'static str {
    i18n::known(&format!("supervision.kind.{kind}")).unwrap_or("supervision.kind.inspection")
}

fn rating_label(r: &str) -> &'static str {
    i18n::known(&format!("supervision.rating.{r}")).unwrap_or("supervision.rating.satisfied")
}

/// Every field of every supervision form, as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
struct Form {
    #[serde(default)]
    name: String,
    #[serde(default)]
    committee: String,
    #[serde(default)]
    leader: String,
    /// The ticked members (read from the repeated field by hand).
    #[serde(skip)]
    members: Vec<i64>,
    #[serde(default)]
    department: String,
    #[serde(default)]
    plan_department: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    topics: String,
    #[serde(default)]
    planned: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    activity_department: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    opinion_title: String,
    #[serde(default)]
    posting_department: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    plan_days: String,
    #[serde(default)]
    result_days: String,
    #[serde(default)]
    require_plan: String,
}

fn refused_flash(errors: &FieldErrors) -> Flash {
    Flash {
        err: (!errors.is_empty()).then(|| "supervision.not_saved".to_owned()),
        ..Flash::default()
    }
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    err: Option<String>,
}

impl PageQuery {
    fn flash(&self) -> Flash {
        Flash {
            ok: self.ok.clone(),
            err: self.err.clone(),
            ..Flash::default()
        }
    }
}

struct OpinionRow {
    id: i64,
    title: String,
    group: String,
    dept: String,
    state: &'static str,
    sent: String,
    due: String,
    plan_at: String,
    result_at: String,
    result: String,
    rating: Option<&'static str>,
}

fn opinion_rows(tr: Tr, rows: Vec<opinion::Row>) -> Vec<OpinionRow> {
    rows.into_iter()
        .map(|r| OpinionRow {
            id: r.id,
            title: r.title,
            group: r.group,
            dept: r.dept,
            state: state_label(&r.state),
            sent: format_time(tr.lang, r.created_at),
            due: format_time(tr.lang, r.due_at),
            plan_at: r
                .plan_at
                .map(|t| format_time(tr.lang, t))
                .unwrap_or_default(),
            result_at: r
                .result_at
                .map(|t| format_time(tr.lang, t))
                .unwrap_or_default(),
            result: r.result.unwrap_or_default(),
            rating: r.rating.as_deref().map(rating_label),
        })
        .collect()
}

// ---------------------------------------------------------------- home

#[derive(Template)]
#[template(path = "supervision/home.html")]
struct HomeTpl {
    page: Page,
    body: Option<(i64, String, String)>,
    groups: Vec<sup::Group>,
    mine: Vec<sup::Group>,
    to_accept: Vec<sup::Plan>,
    waiting: Vec<OpinionRow>,
    candidates: Vec<(i64, String)>,
    form: Form,
    errors: FieldErrors,
}

async fn home_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    form: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let db = &state.db;
    let body = sup::staff_body(db, &u.actor).await?;
    let (groups, candidates) = match &body {
        Some(b) => (
            sup::groups_of(db, b.id).await?,
            sup::candidates(db, b).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let mine = sup::groups_of_member(db, u.actor.user_id).await?;
    let to_accept = sup::plans_to_accept(db, &u.actor).await?;
    let waiting = opinion_rows(tr, opinion::waiting(db, &u.actor).await?);
    render(HomeTpl {
        page: Page::signed_in(tr, u, flash),
        body: body.map(|b| (b.id, b.name, b.code)),
        groups,
        mine,
        to_accept,
        waiting,
        candidates,
        form,
        errors,
    })
}

async fn home_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    home_view(
        &state,
        tr,
        &u,
        &q.flash(),
        Form::default(),
        FieldErrors::new(),
    )
    .await
}

async fn create_group(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let Some(body) = sup::staff_body(&state.db, &u.actor).await? else {
        return Err(xieshang_store::Error::Denied(xieshang_core::Denied::Forbidden).into());
    };
    let members = crate::kit::form::ids(&pairs, "members");
    let one = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let f = Form {
        name: one("name"),
        committee: one("committee"),
        leader: one("leader"),
        members: members.clone(),
        ..Form::default()
    };
    let new = sup::NewGroup {
        name: &f.name,
        committee: &f.committee,
        leader: f.leader.trim().parse().ok(),
        members: &members,
    };
    match sup::create_group(&state.db, &u.actor, body.id, &new).await {
        Ok(id) => Ok(crate::kit::flash::ok(
            &format!("/supervision/groups/{id}"),
            "common.saved",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            home_view(&state, tr, &u, &refused_flash(&errors), f, errors).await
        }
    }
}

// ---------------------------------------------------------------- settings

#[derive(Template)]
#[template(path = "supervision/settings.html")]
struct SettingsTpl {
    page: Page,
    body: Option<String>,
    form: Form,
    errors: FieldErrors,
}

async fn settings_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    kept: Option<Form>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let body = sup::staff_body(&state.db, &u.actor).await?;
    let form = match (&body, kept) {
        (_, Some(f)) => f,
        (Some(b), None) => {
            let r = sup::rules(&state.db, b.id).await?;
            Form {
                plan_days: r.plan_days.to_string(),
                result_days: r.result_days.to_string(),
                require_plan: if r.require_plan {
                    "1".into()
                } else {
                    String::new()
                },
                ..Form::default()
            }
        }
        (None, None) => Form::default(),
    };
    render(SettingsTpl {
        page: Page::signed_in(tr, u, flash),
        body: body.map(|b| b.name),
        form,
        errors,
    })
}

async fn settings_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    settings_view(&state, tr, &u, &q.flash(), None, FieldErrors::new()).await
}

async fn save_settings(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let Some(body) = sup::staff_body(&state.db, &u.actor).await? else {
        return Err(xieshang_store::Error::Denied(xieshang_core::Denied::Forbidden).into());
    };
    let errors = match Rules::parse(&f.plan_days, &f.result_days, !f.require_plan.is_empty()) {
        Ok(rules) => match sup::set_rules(&state.db, &u.actor, body.id, &rules).await {
            Ok(()) => {
                return Ok(crate::kit::flash::ok(
                    "/supervision/settings",
                    "common.saved",
                ))
            }
            Err(e) => FieldErrors::or_error(e)?,
        },
        Err(list) => FieldErrors::from_core(list),
    };
    settings_view(&state, tr, &u, &refused_flash(&errors), Some(f), errors).await
}

// ---------------------------------------------------------------- group

struct ActivityView {
    kind: &'static str,
    title: String,
    held_on: String,
    dept: String,
    phone: String,
    note: String,
    photos: Vec<String>,
}

struct PlanView {
    id: i64,
    dept: String,
    year: i64,
    topics: String,
    activities: String,
    accepted: String,
}

#[derive(Template)]
#[template(path = "supervision/group.html")]
struct GroupTpl {
    page: Page,
    g: sup::Group,
    body_code: String,
    staff: bool,
    works: bool,
    members: Vec<(i64, String)>,
    postings: Vec<(i64, String)>,
    departments: Vec<(i64, String)>,
    plans: Vec<PlanView>,
    activities: Vec<ActivityView>,
    more_activities: Option<i64>,
    opinions: Vec<OpinionRow>,
    more_opinions: Option<i64>,
    kinds: Vec<(&'static str, &'static str)>,
    rules: Rules,
    form: Form,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
struct GroupQuery {
    #[serde(default)]
    activities_before: Option<i64>,
    #[serde(default)]
    opinions_before: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the page's parts and a refused form's kept fields, as the report page's view"
)]
async fn group_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    q: &GroupQuery,
    flash: &Flash,
    form: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let p = sup::group_page(
        &state.db,
        &u.actor,
        id,
        q.activities_before,
        q.opinions_before,
    )
    .await?;
    let (g, s) = (p.group, p.standing);
    let activities = p.activities;
    let more_activities = (activities.len() as i64 == sup::PAGE)
        .then(|| activities.last().map(|a| a.id))
        .flatten();
    let opinions = p.opinions;
    let more_opinions = (opinions.len() as i64 == sup::PAGE)
        .then(|| opinions.last().map(|o| o.id))
        .flatten();
    let departments = p.departments;
    let plans = p
        .plans
        .into_iter()
        .map(|p| PlanView {
            id: p.id,
            dept: p.dept_name,
            year: p.year,
            topics: p.topics,
            activities: p.activities,
            accepted: p
                .accepted
                .map(|(who, at)| format!("{who} · {}", format_time(tr.lang, at)))
                .unwrap_or_default(),
        })
        .collect();
    render(GroupTpl {
        page: Page::signed_in(tr, u, flash),
        members: p.members,
        postings: p.postings,
        rules: p.rules,
        body_code: p.body_code,
        g,
        staff: s.staff,
        works: s.works(),
        departments,
        plans,
        activities: activities
            .into_iter()
            .map(|a| ActivityView {
                kind: kind_label(&a.kind),
                title: a.title,
                held_on: a.held_on,
                dept: a.dept.unwrap_or_default(),
                phone: a.phone.unwrap_or_default(),
                note: a.note,
                photos: a.photos,
            })
            .collect(),
        more_activities,
        opinions: opinion_rows(tr, opinions),
        more_opinions,
        kinds: ActivityKind::ALL
            .iter()
            .map(|k| (k.code(), kind_label(k.code())))
            .collect(),
        form,
        errors,
    })
}

async fn group_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<GroupQuery>,
) -> AppResult<Response> {
    let flash = Flash {
        ok: q.ok.clone(),
        ..Flash::default()
    };
    group_view(
        &state,
        tr,
        &u,
        id,
        &q,
        &flash,
        Form::default(),
        FieldErrors::new(),
    )
    .await
}

/// After one of the group's forms: back to the group with "saved", or the
/// page again with the refusal beside its field and everything typed.
async fn group_after<T>(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    f: Form,
    result: Result<T, xieshang_store::Error>,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(crate::kit::flash::ok(
            &format!("/supervision/groups/{id}"),
            "common.saved",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            group_refused(state, tr, u, id, f, errors).await
        }
    }
}

async fn group_refused(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    f: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let flash = refused_flash(&errors);
    group_view(state, tr, u, id, &GroupQuery::default(), &flash, f, errors).await
}

async fn add_posting(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let dept = f.posting_department.trim().parse().unwrap_or(0);
    let result = sup::post_group(&state.db, &u.actor, id, dept).await;
    group_after(&state, tr, &u, id, f, result).await
}

async fn save_plan(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let new = sup::NewPlan {
        dept: &f.plan_department,
        year: &f.year,
        topics: &f.topics,
        activities: &f.planned,
    };
    let result = sup::set_plan(&state.db, &u.actor, id, &new).await;
    group_after(&state, tr, &u, id, f, result).await
}

/// The evidence photos of a form: checked and re-encoded on the parsing
/// pool; the message key of the first refusal.
async fn evidence(
    state: &AppState,
    files: Vec<Upload>,
) -> AppResult<Result<Vec<photo::Photo>, &'static str>> {
    let files: Vec<Upload> = files.into_iter().filter(|f| f.field == "photos").collect();
    if files.len() > photo::MAX_PHOTOS {
        return Ok(Err("err.photo_count"));
    }
    if files.iter().any(|f| f.oversize) {
        return Ok(Err("err.photo"));
    }
    let result = state
        .parsing(move || {
            files
                .iter()
                .map(|f| photo::process(&f.bytes))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(result.map_err(|e| match e {
        xieshang_store::Error::Invalid { key, .. } => i18n::known(key).unwrap_or("err.photo"),
        _ => "err.photo",
    }))
}

async fn log_activity(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    up: CsrfUpload<Form>,
) -> AppResult<Response> {
    let f = up.form;
    let photos = match evidence(&state, up.files).await? {
        Ok(p) => p,
        Err(key) => {
            let mut errors = FieldErrors::new();
            errors.add("photos", key);
            return group_refused(&state, tr, &u, id, f, errors).await;
        }
    };
    let new = sup::NewActivity {
        kind: &f.kind,
        dept: &f.activity_department,
        title: &f.title,
        held_on: &f.held_on,
        phone: &f.phone,
        note: &f.note,
    };
    let result = sup::log_activity(&state.db, &u.actor, id, &new, &photos).await;
    group_after(&state, tr, &u, id, f, result).await
}

async fn send_opinion(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let new = match NewOpinion::parse(&f.opinion_title, &f.body, &f.department, &f.deadline) {
        Ok(n) => n,
        Err(list) => {
            return group_refused(&state, tr, &u, id, f, FieldErrors::from_core(list)).await
        }
    };
    match opinion::send(&state.db, &state.calendar, &u.actor, id, &new).await {
        Ok(o) => Ok(crate::kit::flash::ok(
            &format!("/supervision/opinions/{o}"),
            "supervision.sent_ok",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            group_refused(&state, tr, &u, id, f, errors).await
        }
    }
}

async fn accept_plan(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<Form>,
) -> AppResult<Response> {
    match sup::accept_plan(&state.db, &u.actor, id).await {
        Ok(_) => Ok(crate::kit::flash::ok(
            "/supervision",
            "supervision.accepted",
        )),
        Err(e) => crate::kit::flash::refused("/supervision", e),
    }
}

// ---------------------------------------------------------------- opinion

#[derive(Template)]
#[template(path = "supervision/opinion.html")]
struct OpinionTpl {
    page: Page,
    o: opinion::Opinion,
    state: &'static str,
    sent: String,
    plan_due: String,
    due: String,
    plan: Option<(String, String)>,
    result: Option<(String, String)>,
    rating: Option<(&'static str, String)>,
    answers: bool,
    may_plan: bool,
    may_result: bool,
    may_rate: bool,
    ratings: Vec<(&'static str, &'static str)>,
    events: Vec<EventView>,
    form: Form,
    errors: FieldErrors,
}

async fn opinion_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    form: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let db = &state.db;
    let (o, r) = opinion::get(db, &u.actor, id).await?;
    let rules = sup::rules(db, o.org_id).await?;
    let answers = r.department || r.staff;
    let st = o.state.as_str();
    let events = event_views(tr, opinion::timeline(db, id).await?, "supervision.");
    render(OpinionTpl {
        page: Page::signed_in(tr, u, flash),
        state: state_label(st),
        sent: format_time(tr.lang, o.created_at),
        plan_due: format_time(tr.lang, o.plan_due_at),
        due: format_time(tr.lang, o.due_at),
        plan: o.plan.clone().map(|(t, at)| (t, format_time(tr.lang, at))),
        result: o
            .result
            .clone()
            .map(|(t, at)| (t, format_time(tr.lang, at))),
        rating: o.rating.clone().map(|(c, n)| (rating_label(&c), n)),
        answers,
        may_plan: answers && st == "assigned",
        may_result: answers
            && (matches!(st, "in_progress" | "reopened")
                || (st == "assigned" && !rules.require_plan)),
        may_rate: (r.member || r.staff) && st == "resolved",
        ratings: Rating::ALL
            .iter()
            .map(|x| (x.code(), rating_label(x.code())))
            .collect(),
        events,
        o,
        form,
        errors,
    })
}

async fn opinion_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    opinion_view(
        &state,
        tr,
        &u,
        id,
        &q.flash(),
        Form::default(),
        FieldErrors::new(),
    )
    .await
}

async fn opinion_after(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    f: Form,
    result: Result<(), xieshang_store::Error>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(crate::kit::flash::ok(
            &format!("/supervision/opinions/{id}"),
            "common.saved",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            opinion_view(state, tr, u, id, &refused_flash(&errors), f, errors).await
        }
    }
}

async fn answer_plan(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let result = opinion::answer_plan(&state.db, &u.actor, id, &f.text).await;
    opinion_after(&state, tr, &u, id, f, result).await
}

async fn answer_result(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let result = opinion::answer_result(&state.db, &u.actor, id, &f.text).await;
    opinion_after(&state, tr, &u, id, f, result).await
}

async fn rate(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let result = opinion::rate(&state.db, &state.calendar, &u.actor, id, &f.rating, &f.note).await;
    opinion_after(&state, tr, &u, id, f, result).await
}

// ---------------------------------------------------------------- public

#[derive(Template)]
#[template(path = "supervision/public.html")]
struct PublicTpl {
    page: Page,
    p: public::PublicPage,
    opinions: Vec<OpinionRow>,
    more: Option<i64>,
}

async fn public_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let p = public::page(&state.db, &code, q.before).await?;
    let more = (p.opinions.len() as i64 == sup::PAGE)
        .then(|| p.opinions.last().map(|o| o.id))
        .flatten();
    let opinions = opinion_rows(tr, p.opinions.clone());
    render(PublicTpl {
        page: Page::new(tr, None, String::new(), &Flash::default()),
        p,
        opinions,
        more,
    })
}
