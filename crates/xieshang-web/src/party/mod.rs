//! The party organisation (党组织, issue 31 point 4): the overview (the
//! body's party units, roster flags and reports to confirm for its staff;
//! one's own unit for a party member), a unit's page (its people and
//! meetings, scheduling and placing members), a meeting's page (check-in,
//! attendance), and a member's dual organisational life (双重组织生活: the
//! CPPCC party unit's meetings with attendance and the meetings reported
//! from the work unit, with the form to report one). The store's `party`
//! module decides who sees and does what; every refused form comes back
//! with what was typed, and a report's photos are held for the retry.

use crate::kit::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang, UPLOAD_BODY_LIMIT};
use crate::kit::error::AppResult;
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{format_time, render, Flash, Page};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::party::{Level, MeetingKind, NewMeeting, NewReport, UnitRole};
use xieshang_store::party as store;

/// This feature's routes. The store decides who may do what (the body's
/// staff, a unit's secretary, its party members), so the routes ask only
/// for a session.
pub fn routes(r: Routes) -> Routes {
    use Access::SignedIn;
    r.get("/party", SignedIn, get(home_page))
        .post("/party/units", SignedIn, post(create_unit))
        .post("/party/flag", SignedIn, post(set_flag))
        .get("/party/units/{id}", SignedIn, get(unit_page))
        .post("/party/units/{id}/members", SignedIn, post(assign))
        .post("/party/units/{id}/meetings", SignedIn, post(schedule))
        .get("/party/meetings/{id}", SignedIn, get(meeting_page))
        .post("/party/meetings/{id}/check-in", SignedIn, post(check_in))
        .post(
            "/party/meetings/{id}/attendance",
            SignedIn,
            post(mark_present),
        )
        .get("/party/members/{id}", SignedIn, get(life_page))
        .post(
            "/party/reports",
            SignedIn,
            post(report).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .post("/party/reports/{id}/decide", SignedIn, post(decide))
}

fn kind_label(k: MeetingKind) -> &'static str {
    i18n::known(&format!("party.kind.{}", k.code())).unwrap_or("party.kind.theme_day")
}

fn level_label(l: Level) -> &'static str {
    i18n::known(&format!("party.level.{}", l.code())).unwrap_or("party.level.cell")
}

fn role_label(r: UnitRole) -> &'static str {
    i18n::known(&format!("party.role.{}", r.code())).unwrap_or("party.role.member")
}

fn state_label(s: &str) -> &'static str {
    i18n::known(&format!("party.state.{s}")).unwrap_or("party.state.submitted")
}

/// Every field of every party form, as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
struct Form {
    #[serde(default)]
    parent: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    member: String,
    #[serde(default)]
    flag: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    unit_name: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    decision: String,
    /// The report a decision's note belongs to.
    #[serde(default)]
    report: String,
    /// The token of photos held from a refused report.
    #[serde(default)]
    kept_photos: String,
    /// The ticked attendees (read from the repeated field by hand).
    #[serde(skip)]
    present: Vec<i64>,
}

fn refused_flash(errors: &FieldErrors) -> Flash {
    Flash {
        err: (!errors.is_empty()).then(|| "party.not_saved".to_owned()),
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

struct UnitView {
    id: i64,
    name: String,
    level: &'static str,
    members: i64,
    secretaries: Vec<String>,
}

fn unit_views(units: &[store::Unit]) -> Vec<UnitView> {
    units
        .iter()
        .map(|u| UnitView {
            id: u.id,
            name: u.name.clone(),
            level: level_label(u.level),
            members: u.members,
            secretaries: u.secretaries.clone(),
        })
        .collect()
}

struct MeetingView {
    id: i64,
    kind: &'static str,
    title: String,
    unit: String,
    when: String,
    place: String,
    present: i64,
    upcoming: bool,
    /// For one person's life: attended.
    attended: bool,
}

fn meeting_view(tr: Tr, now: i64, m: &store::Meeting, attended: bool) -> MeetingView {
    MeetingView {
        id: m.id,
        kind: kind_label(m.kind),
        title: m.title.clone(),
        unit: m.unit_name.clone(),
        when: format_time(tr.lang, m.starts_at),
        place: m.place.clone(),
        present: m.present,
        upcoming: m.starts_at > now,
        attended,
    }
}

struct ReportView {
    id: i64,
    name: String,
    user_id: i64,
    held_on: String,
    kind: &'static str,
    unit_name: String,
    note: String,
    state: &'static str,
    decision_note: String,
    photos: Vec<String>,
}

fn report_views(reports: Vec<store::Report>) -> Vec<ReportView> {
    reports
        .into_iter()
        .map(|r| ReportView {
            id: r.id,
            name: r.name,
            user_id: r.user_id,
            held_on: r.held_on,
            kind: kind_label(r.kind),
            unit_name: r.unit_name,
            note: r.note,
            state: state_label(&r.state),
            decision_note: r.decision_note.unwrap_or_default(),
            photos: r.photos,
        })
        .collect()
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    MeetingKind::ALL
        .iter()
        .map(|k| (k.code(), kind_label(*k)))
        .collect()
}

// ---------------------------------------------------------------- home

#[derive(Template)]
#[template(path = "party/home.html")]
struct HomeTpl {
    page: Page,
    body: Option<String>,
    units: Vec<UnitView>,
    roster: Vec<store::RosterRow>,
    waiting: Vec<ReportView>,
    meetings: Vec<MeetingView>,
    more: Option<i64>,
    mine: Option<(i64, String, &'static str)>,
    my_units: Vec<UnitView>,
    me: i64,
    levels: Vec<(&'static str, &'static str)>,
    form: Form,
    errors: FieldErrors,
}

async fn home_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    before: Option<i64>,
    form: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let db = &state.db;
    let now = db.now_ms();
    let body = store::staff_body(db, &u.actor).await?;
    let (units, roster, waiting, meetings) = match &body {
        Some(b) => (
            store::units_of(db, b.id).await?,
            store::roster(db, b.id).await?,
            report_views(store::waiting(db, b.id).await?),
            store::meetings_of_body(db, b.id, before).await?,
        ),
        None => Default::default(),
    };
    let more = (meetings.len() as i64 == store::PAGE)
        .then(|| meetings.last().map(|m| m.starts_at))
        .flatten();
    let mine = store::membership(db, u.actor.user_id).await?;
    let my_units = store::my_units(db, &u.actor).await?;
    render(HomeTpl {
        page: Page::signed_in(tr, u, flash),
        body: body.map(|b| b.name),
        units: unit_views(&units),
        roster,
        waiting,
        meetings: meetings
            .iter()
            .map(|m| meeting_view(tr, now, m, false))
            .collect(),
        more,
        mine: mine.map(|m| (m.unit_id, m.unit_name, role_label(m.role))),
        my_units: unit_views(&my_units),
        me: u.actor.user_id,
        levels: Level::ALL
            .iter()
            .map(|l| (l.code(), level_label(*l)))
            .collect(),
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
        q.before,
        Form::default(),
        FieldErrors::new(),
    )
    .await
}

async fn home_after(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    f: Form,
    result: Result<(), xieshang_store::Error>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(crate::kit::flash::ok("/party", "common.saved")),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            home_view(state, tr, u, &refused_flash(&errors), None, f, errors).await
        }
    }
}

async fn create_unit(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let Some(body) = store::staff_body(&state.db, &u.actor).await? else {
        return Err(xieshang_store::Error::Denied(xieshang_core::Denied::Forbidden).into());
    };
    let new = store::NewUnit {
        parent: &f.parent,
        level: &f.level,
        name: &f.name,
        code: &f.code,
    };
    let result = store::create_unit(&state.db, &u.actor, body.id, &new)
        .await
        .map(|_| ());
    home_after(&state, tr, &u, f, result).await
}

async fn set_flag(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let Some(body) = store::staff_body(&state.db, &u.actor).await? else {
        return Err(xieshang_store::Error::Denied(xieshang_core::Denied::Forbidden).into());
    };
    let result = store::set_flag(&state.db, &u.actor, body.id, &f.member, f.flag == "1").await;
    home_after(&state, tr, &u, f, result).await
}

async fn decide(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(mut f): CsrfForm<Form>,
) -> AppResult<Response> {
    f.report = id.to_string();
    let result = match f.decision.as_str() {
        "confirm" => store::decide(&state.db, &u.actor, id, true, &f.note).await,
        "return" => store::decide(&state.db, &u.actor, id, false, &f.note).await,
        _ => Err(xieshang_store::Error::field(
            "decision",
            "err.party.decision",
            "choose: confirm or return",
        )),
    };
    home_after(&state, tr, &u, f, result).await
}

// ---------------------------------------------------------------- unit

#[derive(Template)]
#[template(path = "party/unit.html")]
struct UnitTpl {
    page: Page,
    u: store::Unit,
    level: &'static str,
    staff: bool,
    manages: bool,
    people: Vec<(i64, String, String, &'static str)>,
    meetings: Vec<MeetingView>,
    more: Option<i64>,
    flagged: Vec<(i64, String, String)>,
    roles: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    form: Form,
    errors: FieldErrors,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the page's parts and a refused form's kept fields, as the group page's view"
)]
async fn unit_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    before: Option<i64>,
    flash: &Flash,
    form: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let db = &state.db;
    let (unit, s) = store::unit(db, &u.actor, id).await?;
    let now = db.now_ms();
    let meetings = store::meetings_of(db, unit.id, before).await?;
    let more = (meetings.len() as i64 == store::PAGE)
        .then(|| meetings.last().map(|m| m.starts_at))
        .flatten();
    let flagged = if s.staff {
        store::roster(db, unit.body_id)
            .await?
            .into_iter()
            .filter(|r| r.party_member)
            .map(|r| (r.member_id, r.code, r.name))
            .collect()
    } else {
        Vec::new()
    };
    let people = store::people(db, &unit)
        .await?
        .into_iter()
        .map(|p| (p.user_id, p.name, p.unit, role_label(p.role)))
        .collect();
    render(UnitTpl {
        page: Page::signed_in(tr, u, flash),
        level: level_label(unit.level),
        staff: s.staff,
        manages: s.manages(),
        people,
        meetings: meetings
            .iter()
            .map(|m| meeting_view(tr, now, m, false))
            .collect(),
        more,
        flagged,
        roles: UnitRole::ALL
            .iter()
            .map(|r| (r.code(), role_label(*r)))
            .collect(),
        kinds: kinds(),
        u: unit,
        form,
        errors,
    })
}

async fn unit_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    unit_view(
        &state,
        tr,
        &u,
        id,
        q.before,
        &q.flash(),
        Form::default(),
        FieldErrors::new(),
    )
    .await
}

async fn unit_refused(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    f: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let flash = refused_flash(&errors);
    unit_view(state, tr, u, id, None, &flash, f, errors).await
}

async fn assign(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    match store::assign(&state.db, &u.actor, id, &f.member, &f.role).await {
        Ok(()) => Ok(crate::kit::flash::ok(
            &format!("/party/units/{id}"),
            "common.saved",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            unit_refused(&state, tr, &u, id, f, errors).await
        }
    }
}

async fn schedule(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    // Whoever may not see the unit learns nothing from the form's checks.
    let (_, s) = store::unit(&state.db, &u.actor, id).await?;
    if !s.manages() {
        return Err(xieshang_store::Error::Denied(xieshang_core::Denied::Forbidden).into());
    }
    let new = match NewMeeting::parse(&f.kind, &f.title, &f.date, &f.start, &f.end, &f.place) {
        Ok(n) => n,
        Err(list) => {
            return unit_refused(&state, tr, &u, id, f, FieldErrors::from_core(list)).await
        }
    };
    match store::schedule(&state.db, &u.actor, id, &new).await {
        Ok(m) => Ok(crate::kit::flash::ok(
            &format!("/party/meetings/{m}"),
            "party.scheduled",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            unit_refused(&state, tr, &u, id, f, errors).await
        }
    }
}

// ---------------------------------------------------------------- meeting

#[derive(Template)]
#[template(path = "party/meeting.html")]
struct MeetingTpl {
    page: Page,
    m: MeetingView,
    unit_id: i64,
    ends: String,
    manages: bool,
    may_check_in: bool,
    checked_in: bool,
    started: bool,
    /// (account, name, unit, present, checked in themselves).
    people: Vec<(i64, String, String, bool, bool)>,
    form: Form,
    errors: FieldErrors,
}

async fn meeting_view_page(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    form: Form,
    errors: FieldErrors,
) -> AppResult<Response> {
    let db = &state.db;
    let (m, unit, s) = store::meeting(db, &u.actor, id).await?;
    let now = db.now_ms();
    let present = store::attendance(db, m.id).await?;
    let checked_in = present.iter().any(|p| p.0 == u.actor.user_id);
    let people: Vec<(i64, String, String, bool, bool)> = if s.manages() {
        store::people(db, &unit)
            .await?
            .into_iter()
            .map(|p| {
                let here = present.iter().find(|a| a.0 == p.user_id);
                (
                    p.user_id,
                    p.name,
                    p.unit,
                    here.is_some(),
                    here.is_some_and(|a| a.3),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    render(MeetingTpl {
        page: Page::signed_in(tr, u, flash),
        m: meeting_view(tr, now, &m, checked_in),
        unit_id: unit.id,
        ends: format_time(tr.lang, m.ends_at),
        manages: s.manages(),
        may_check_in: s.member && !checked_in,
        checked_in,
        started: now >= m.starts_at,
        people,
        form,
        errors,
    })
}

async fn meeting_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    meeting_view_page(
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

async fn meeting_after(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    f: Form,
    result: Result<(), xieshang_store::Error>,
    ok: &str,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(crate::kit::flash::ok(&format!("/party/meetings/{id}"), ok)),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            meeting_view_page(state, tr, u, id, &refused_flash(&errors), f, errors).await
        }
    }
}

async fn check_in(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let result = store::check_in(&state.db, &u.actor, id).await;
    meeting_after(&state, tr, &u, id, f, result, "party.checked_in").await
}

async fn mark_present(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let present = crate::kit::form::ids(&pairs, "present");
    let f = Form {
        present: present.clone(),
        ..Form::default()
    };
    let result = store::mark_present(&state.db, &u.actor, id, &present).await;
    meeting_after(&state, tr, &u, id, f, result, "common.saved").await
}

// ---------------------------------------------------------------- one's life

#[derive(Template)]
#[template(path = "party/life.html")]
struct LifeTpl {
    page: Page,
    name: String,
    unit: (i64, String, &'static str),
    own: bool,
    meetings: Vec<MeetingView>,
    attended: usize,
    reports: Vec<ReportView>,
    confirmed: usize,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
    kept_count: usize,
    form: Form,
    errors: FieldErrors,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the page's parts and a refused form's kept fields and photos"
)]
async fn life_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    user_id: i64,
    flash: &Flash,
    form: Form,
    errors: FieldErrors,
    kept_count: usize,
) -> AppResult<Response> {
    let db = &state.db;
    let life = store::life(db, &u.actor, user_id).await?;
    let now = db.now_ms();
    let meetings: Vec<MeetingView> = life
        .meetings
        .iter()
        .map(|(m, a)| meeting_view(tr, now, m, *a))
        .collect();
    let attended = meetings.iter().filter(|m| m.attended).count();
    let reports = report_views(life.reports);
    let confirmed = life_confirmed(&reports);
    render(LifeTpl {
        page: Page::signed_in(tr, u, flash),
        name: life.name,
        unit: (
            life.membership.unit_id,
            life.membership.unit_name,
            role_label(life.membership.role),
        ),
        own: user_id == u.actor.user_id,
        meetings,
        attended,
        reports,
        confirmed,
        kinds: kinds(),
        today: xieshang_core::calendar::cst_date(now)
            .format("%Y-%m-%d")
            .to_string(),
        kept_count,
        form,
        errors,
    })
}

fn life_confirmed(reports: &[ReportView]) -> usize {
    reports
        .iter()
        .filter(|r| r.state == "party.state.confirmed")
        .count()
}

async fn life_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    life_view(
        &state,
        tr,
        &u,
        id,
        &q.flash(),
        Form::default(),
        FieldErrors::new(),
        0,
    )
    .await
}

async fn report(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    up: CsrfUpload<Form>,
) -> AppResult<Response> {
    let me = u.actor.user_id;
    // Only a party member reports (others: as for any record they lack).
    if store::membership(&state.db, me).await?.is_none() {
        return Err(xieshang_store::Error::Denied(xieshang_core::Denied::Forbidden).into());
    }
    let mut f = up.form;
    let mut errors = FieldErrors::new();
    let mut photos = match crate::kit::form::photos_from(&state, up.files).await? {
        Ok(p) => p,
        Err(key) => {
            errors.add("photos", key);
            Vec::new()
        }
    };
    // The photos chosen before the form came back, unless new ones were.
    if photos.is_empty() && errors.is_empty() {
        photos = crate::kit::form::kept_photos(&state, &f.kept_photos).unwrap_or_default();
    }
    let today = xieshang_core::calendar::cst_date(state.db.now_ms());
    let parsed = NewReport::parse(&f.held_on, &f.kind, &f.unit_name, &f.note, today);
    let outcome: Result<i64, FieldErrors> = match parsed {
        Err(list) => {
            for (field, key) in FieldErrors::from_core(list).summary() {
                errors.add(field, key);
            }
            Err(errors)
        }
        Ok(_) if !errors.is_empty() => Err(errors),
        Ok(new) => match store::report(&state.db, &u.actor, &new, &photos).await {
            Ok(id) => Ok(id),
            Err(e) => Err(FieldErrors::or_error(e)?),
        },
    };
    match outcome {
        Ok(_) => Ok(crate::kit::flash::ok(
            &format!("/party/members/{me}"),
            "party.reported",
        )),
        Err(errors) => {
            let kept_count = photos.len();
            f.kept_photos = if photos.is_empty() {
                String::new()
            } else {
                crate::kit::form::keep_photos(&state, photos)
            };
            let flash = refused_flash(&errors);
            life_view(&state, tr, &u, me, &flash, f, errors, kept_count).await
        }
    }
}
