//! Consultations (协商议事, issue 28): calling one (blank or from concerns),
//! its page (participants, agenda, minutes, agreed actions, closing), the
//! rooms and their week, calendar feeds, the outcome list with its exports,
//! a department's actions, a person's coming meetings and the body's public
//! list. The store's `consult` module decides; these pages ask it.

use crate::kit::auth::{CsrfForm, CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::{self, Msg};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{format_time, iso_time, render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
use serde::Deserialize;
use xieshang_core::Permission;
use xieshang_store::consult::{self, action, room, ConcernsAfter, Invitee, ParticipantRole};
use xieshang_store::item::TransitionError;

pub(crate) mod api;
mod material;
mod settings;

/// The consultation routes.
pub fn routes(r: Routes) -> Routes {
    use xieshang_store::account::apikey::Scope;
    use Access::*;
    use Permission::{ConsultationManage as Manage, ConsultationView as View};
    settings::routes(r)
        .get("/consultations", Needs(View, Target::None), get(list_page))
        .get(
            "/consultations/new",
            Needs(Manage, Target::None),
            get(new_page),
        )
        .post("/consultations", Needs(Manage, Target::None), post(create))
        .get(
            "/consultations/{id}",
            Needs(View, Target::Consultation),
            get(detail_page),
        )
        .get(
            "/consultations/{id}/meeting.ics",
            Needs(View, Target::Consultation),
            get(meeting_ics),
        )
        .post(
            "/consultations/{id}/invite",
            Needs(Manage, Target::Consultation),
            post(invite),
        )
        .post(
            "/consultations/{id}/materials",
            Needs(Manage, Target::Consultation),
            post(material::add).layer(axum::extract::DefaultBodyLimit::max(
                crate::kit::auth::UPLOAD_BODY_LIMIT,
            )),
        )
        .get(
            "/consultations/{id}/materials/{material}",
            Needs(View, Target::Consultation),
            get(material::download),
        )
        .post(
            "/consultations/{id}/materials/{material}/publish",
            Needs(Manage, Target::Consultation),
            post(material::publish),
        )
        .post(
            "/consultations/{id}/agenda",
            Needs(Manage, Target::Consultation),
            post(add_agenda),
        )
        .post(
            "/consultations/{id}/hold",
            Needs(Manage, Target::Consultation),
            post(hold),
        )
        .post(
            "/consultations/{id}/actions",
            Needs(Manage, Target::Consultation),
            post(add_action),
        )
        .post(
            "/consultations/{id}/close",
            Needs(Manage, Target::Consultation),
            post(close),
        )
        .post(
            "/consultations/{id}/cancel",
            Needs(Manage, Target::Consultation),
            post(cancel),
        )
        // One's own answer and check-in: the store finds the invitation of
        // the signed-in person (none: 404).
        .post("/consultations/{id}/answer", SignedIn, post(answer))
        .get(
            "/consultations/{id}/check-in",
            Needs(View, Target::Consultation),
            get(check_in_page),
        )
        .post("/consultations/{id}/check-in", SignedIn, post(check_in))
        .post("/consultations/{id}/rate", SignedIn, post(rate))
        .post("/agreed-actions/{id}", SignedIn, post(act))
        .get("/agreed-actions", SignedIn, get(my_actions_page))
        .get("/meetings", SignedIn, get(meetings_page))
        .get("/meetings.ics", SignedIn, get(meetings_ics))
        .get("/rooms", Needs(View, Target::None), get(rooms_page))
        .post("/rooms", Needs(Manage, Target::None), post(create_room))
        .get("/rooms/{id}", Needs(View, Target::Room), get(room_page))
        .get(
            "/rooms/{id}/calendar.ics",
            Needs(View, Target::Room),
            get(room_ics),
        )
        .get("/outcomes", Needs(View, Target::None), get(outcomes_page))
        .get(
            "/outcomes/export",
            Needs(View, Target::None),
            get(outcomes_export),
        )
        .get("/units/{id}/consultations", Public, get(public_page))
        .get("/materials/{token}", Public, get(material::public_file))
        // The JSON API (API keys; in the OpenAPI document).
        .get(
            "/api/v1/consultations",
            Key(Scope::ConsultationsRead),
            get(api::list_consultations),
        )
        .get(
            "/api/v1/consultations/{id}",
            Key(Scope::ConsultationsRead),
            get(api::get_consultation),
        )
        .get(
            "/api/v1/agreed-actions",
            Key(Scope::ConsultationsRead),
            get(api::list_actions),
        )
        .get(
            "/api/v1/agreed-actions/{id}",
            Key(Scope::ConsultationsRead),
            get(api::get_action),
        )
        .key_post(
            "/api/v1/agreed-actions/{id}/updates",
            Scope::ConsultationsUpdate,
            post(api::post_action_update),
        )
}

/// A consultation's state as a message key.
fn state_label(state: &str) -> &'static str {
    i18n::known(&format!("consult.state.{state}")).unwrap_or("consult.state.convened")
}

/// A kind's name: a default's from the catalog, a body's own as it wrote it.
fn kind_name(tr: Tr, code: &str, own: Option<&str>) -> String {
    match own {
        Some(n) => tr.label(n).into_owned(),
        None => tr.t(&format!("consult.kind.{code}")).to_owned(),
    }
}

/// An action's state as a message key.
fn action_state(state: &str) -> &'static str {
    i18n::known(&format!("consult.action_state.{state}")).unwrap_or("consult.action_state.assigned")
}

/// A refusal from the store as (field, message key) for the form, if it is one.
fn refusal(e: &xieshang_store::Error) -> Option<(&'static str, &'static str)> {
    match e {
        xieshang_store::Error::Invalid { field, key, .. } => {
            Some((*field, i18n::known(key).unwrap_or("err.bad_input")))
        }
        _ => None,
    }
}

/// `2026-12-20T09:00` (an `<input type="datetime-local">`) in China Standard
/// Time as unix ms.
fn parse_local(s: &str) -> Option<i64> {
    let t = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?;
    chrono::FixedOffset::east_opt(8 * 3600)?
        .from_local_datetime(&t)
        .single()
        .map(|t| t.timestamp_millis())
}

// ---------------------------------------------------------------- list

struct Row {
    id: i64,
    topic: String,
    kind: String,
    unit: String,
    when: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "consult/list.html")]
struct ListTpl {
    page: Page,
    rows: Vec<Row>,
    can_manage: bool,
    state: String,
    page_no: i64,
    more: bool,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    state: Option<String>,
    /// The page, from 0 (a string: numbers do not pass a flattened struct).
    page: Option<String>,
    #[serde(flatten)]
    flash: FlashQ,
}

#[derive(Deserialize, Default)]
struct FlashQ {
    err: Option<String>,
    ok: Option<String>,
}

impl FlashQ {
    fn flash(&self) -> Flash {
        Flash {
            err: self.err.clone(),
            ok: self.ok.clone(),
            archived: None,
        }
    }
}

async fn list_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let wanted = q
        .state
        .filter(|s| ["convened", "held", "closed", "cancelled"].contains(&s.as_str()));
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(0)
        .clamp(0, 10_000);
    // One more than a page tells whether there is a next one.
    let mut list = consult::list(
        &state.db,
        &u.actor,
        &consult::Filter {
            state: wanted.clone(),
            from: None,
            skip: page_no * LIST_PER_PAGE,
            limit: LIST_PER_PAGE + 1,
        },
    )
    .await?;
    let more = list.len() as i64 > LIST_PER_PAGE;
    list.truncate(LIST_PER_PAGE as usize);
    let rows = list
        .into_iter()
        .map(|c| Row {
            id: c.id,
            kind: kind_name(tr, &c.kind, c.kind_name.as_deref()),
            unit: tr.label(&c.org_name).into_owned(),
            when: format_time(tr.lang, c.starts_at),
            state: state_label(&c.state),
            topic: c.topic,
        })
        .collect();
    render(ListTpl {
        page: Page::signed_in(tr, &u, &q.flash.flash()),
        rows,
        can_manage: u.actor.has_permission(Permission::ConsultationManage),
        state: wanted.unwrap_or_default(),
        page_no,
        more,
    })
}

/// Consultations a page of the list shows.
const LIST_PER_PAGE: i64 = 50;

// ---------------------------------------------------------------- calling one

/// The form to call a consultation, as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
struct NewForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    place: String,
    /// Concern ids, comma separated (from the concern page or the queue).
    #[serde(default)]
    concerns: String,
    #[serde(default)]
    short_notice_ok: String,
    /// The planned topic it carries out, if called from the plan.
    #[serde(default)]
    plan: String,
}

#[derive(Template)]
#[template(path = "consult/new.html")]
struct NewTpl {
    page: Page,
    form: NewForm,
    errors: FieldErrors,
    units: Vec<(i64, String)>,
    kinds: Vec<(String, String)>,
    rooms: Vec<(i64, String)>,
    concerns: Vec<(i64, String)>,
}

#[derive(Deserialize, Default)]
struct NewQuery {
    /// Concern ids, comma separated.
    concerns: Option<String>,
    /// A planned topic to carry out.
    plan: Option<String>,
}

/// The concerns chosen by checkbox (in the queue, the search results or a
/// hotspot's group): one `c=ID` each in the query.
fn chosen_concerns(raw: Option<&str>) -> Vec<i64> {
    raw.unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.strip_prefix("c="))
        .filter_map(|v| v.parse().ok())
        .collect()
}

fn concern_ids(s: &str) -> Vec<i64> {
    s.split([',', ' '])
        .filter_map(|x| x.trim().parse().ok())
        .collect()
}

/// The bodies the actor may call consultations in (and keep their kinds,
/// rules and plan): the units of its scopes and their streets.
async fn bodies(state: &AppState, tr: Tr, u: &CurrentUser) -> AppResult<Vec<(i64, String)>> {
    use xieshang_core::OrgKind;
    Ok(xieshang_store::org::of_kinds(
        &state.db,
        &u.actor,
        Permission::ConsultationManage,
        &[OrgKind::City, OrgKind::District, OrgKind::Street],
    )
    .await?
    .into_iter()
    .map(|o| (o.id, tr.label(&o.name).into_owned()))
    .collect())
}

async fn new_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    form: NewForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let units = bodies(state, tr, u).await?;
    let first = form
        .org
        .parse::<i64>()
        .ok()
        .or_else(|| units.first().map(|u| u.0));
    let kinds = match first {
        Some(org) => consult::kinds(&state.db, org)
            .await?
            .into_iter()
            .map(|k| {
                let name = kind_name(tr, &k.code, k.name.as_deref());
                (k.code, name)
            })
            .collect(),
        None => Vec::new(),
    };
    let rooms = room::list(&state.db, &u.actor)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.id,
                format!(
                    "{}{}{}{}{}{}",
                    tr.label(&r.org_name),
                    tr.t("consult.room_of"),
                    tr.label(&r.name),
                    tr.open(),
                    r.capacity,
                    tr.close()
                ),
            )
        })
        .collect();
    // Only the concerns the actor may call a consultation on stay on the form.
    let mut concerns = Vec::new();
    for id in concern_ids(&form.concerns).into_iter().take(50) {
        if let Ok(c) =
            xieshang_store::concern::get(&state.db, &u.actor, Permission::ConcernTriage, id).await
        {
            concerns.push((c.id, c.title));
        }
    }
    let mut form = form;
    form.concerns = concerns
        .iter()
        .map(|(id, _)| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let flash = Flash {
        err: errors.summary().first().map(|(_, k)| (*k).to_owned()),
        ..Flash::default()
    };
    let mut res = render(NewTpl {
        page: Page::signed_in(tr, u, &flash),
        form,
        errors,
        units,
        kinds,
        rooms,
        concerns,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

async fn new_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<NewQuery>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> AppResult<Response> {
    let mut concerns = concern_ids(q.concerns.as_deref().unwrap_or_default());
    concerns.extend(chosen_concerns(raw.as_deref()));
    concerns.sort_unstable();
    concerns.dedup();
    // A consultation is called on at most 50 (the store's own limit).
    concerns.truncate(50);
    let mut form = NewForm {
        concerns: concerns
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        ..NewForm::default()
    };
    if let Some(plan) = q.plan.and_then(|p| p.parse().ok()) {
        let (org, topic) = consult::planned(&state.db, &u.actor, plan).await?;
        if topic.consultation_id.is_none() {
            form.org = org.to_string();
            form.topic = topic.topic;
            form.plan = topic.id.to_string();
            // A face-to-face consultation on a proposal is of the kind for
            // proposals' handling.
            if xieshang_store::proposal::handle::proposal_of_plan(&state.db, plan)
                .await?
                .is_some()
            {
                form.kind = "proposal_handling".to_owned();
            }
        }
    }
    new_view(&state, tr, &u, form, FieldErrors::new()).await
}

async fn create(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<NewForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::new();
    let org = f.org.parse::<i64>().ok();
    if org.is_none() {
        errors.add("org", "err.required");
    }
    let starts = parse_local(&f.starts_at);
    if starts.is_none() {
        errors.add("starts_at", "err.meeting_time");
    }
    let ends = parse_local(&f.ends_at);
    if ends.is_none() {
        errors.add("ends_at", "err.meeting_time");
    }
    let (Some(org), Some(starts), Some(ends)) = (org, starts, ends) else {
        return new_view(&state, tr, &u, f, errors).await;
    };
    let concerns = concern_ids(&f.concerns);
    let new = consult::NewConsultation {
        org_id: org,
        kind: &f.kind,
        topic: &f.topic,
        description: &f.description,
        starts_at: starts,
        ends_at: ends,
        room_id: f.room.parse().ok(),
        place: Some(&f.place),
        concerns: &concerns,
        plan_id: f.plan.trim().parse().ok(),
        short_notice_ok: f.short_notice_ok == "1",
    };
    match consult::convene(&state.db, &state.calendar, &u.actor, &new).await {
        Ok(id) => Ok(flash::ok(&format!("/consultations/{id}"), "consult.called")),
        Err(e) => match refusal(&e) {
            Some((field, key)) => {
                errors.add(field, key);
                new_view(&state, tr, &u, f, errors).await
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------- one consultation

struct PartView {
    id: i64,
    role: &'static str,
    name: String,
    contact: String,
    representative: String,
    answer: &'static str,
    deputy: String,
    present: bool,
    mine: bool,
}

struct ActionView {
    id: i64,
    title: String,
    note: String,
    owner: String,
    due: String,
    state: &'static str,
    overdue: bool,
    /// The viewer may post progress or mark it done.
    may_act: bool,
}

#[derive(Template)]
#[template(path = "consult/detail.html")]
struct DetailTpl {
    page: Page,
    c: consult::Consultation,
    kind: String,
    when: String,
    until: String,
    state: &'static str,
    concerns: Vec<(i64, String, &'static str)>,
    /// The proposals it is the face-to-face consultation of: (id, title).
    proposals: Vec<(i64, String)>,
    parts: Vec<PartView>,
    proposed: Vec<(i64, String)>,
    agenda: Vec<String>,
    actions: Vec<ActionView>,
    can_manage: bool,
    invited: bool,
    members: Vec<(i64, String)>,
    units: Vec<(i64, String)>,
    errors: FieldErrors,
    kept: DetailInput,
    all_done: bool,
    /// The viewer's rating, once closed and invited.
    my_rating: Option<consult::rating::Rating>,
    /// Everyone's ratings, for staff once closed.
    ratings: Option<consult::rating::Summary>,
    /// The rating choices (code, message key).
    rating_choices: [(&'static str, &'static str); 3],
    materials: Vec<material::MaterialView>,
    /// The last day for the materials under the body's rule, and whether
    /// none have gone out by then.
    materials_by: String,
    materials_late: bool,
    /// The last day for the minutes, and whether they are overdue.
    minutes_by: String,
    minutes_late: bool,
    /// The meeting's check-in QR code (SVG) for staff, while it is to be held.
    qr: String,
    /// The URL it encodes.
    check_in_url: String,
}

/// What a refused form on the consultation's page had typed.
#[derive(Default, Clone)]
struct DetailInput {
    minutes: String,
    action_title: String,
    action_note: String,
    action_owner: String,
    action_days: String,
    guest_name: String,
    guest_phone: String,
    representative: String,
    result_note: String,
    rating_comment: String,
    material_title: String,
}

async fn detail_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    errors: FieldErrors,
    kept: DetailInput,
) -> AppResult<Response> {
    let db = &state.db;
    let c = consult::get(db, &u.actor, Permission::ConsultationView, id).await?;
    let can_manage = u
        .actor
        .check(Permission::ConsultationManage, &c.path)
        .is_ok();
    let now = db.now_ms();
    let concerns = consult::concerns_of(db, id)
        .await?
        .into_iter()
        .map(|(id, title, st)| (id, title, crate::kit::page::state_key(&st)))
        .collect();
    let parts: Vec<PartView> = consult::participants(db, id)
        .await?
        .into_iter()
        .map(|p| PartView {
            id: p.id,
            role: i18n::known(&format!("consult.role.{}", p.role)).unwrap_or("consult.role.member"),
            // A unit's name is a label; a person's is shown as written.
            name: if p.org_id.is_some() {
                tr.label(&p.name).into_owned()
            } else {
                p.name.clone()
            },
            contact: p.contact.unwrap_or_default(),
            representative: p.representative.unwrap_or_default(),
            answer: i18n::known(&format!("consult.answer.{}", p.answer))
                .unwrap_or("consult.answer.pending"),
            deputy: p.deputy.unwrap_or_default(),
            present: p.present,
            mine: p.user_id == Some(u.actor.user_id),
        })
        .collect();
    let invited = parts.iter().any(|p| p.mine);
    let handled = u.actor.scopes(Permission::ConcernHandle);
    let mut all_done = true;
    let mut actions = Vec::new();
    for a in action::of(db, id).await? {
        let owner_path = xieshang_store::org::get_unchecked(db, a.org_id).await?.path;
        let open = a.state != "resolved";
        all_done &= !open;
        actions.push(ActionView {
            id: a.id,
            may_act: open && (can_manage || handled.iter().any(|s| owner_path.is_within(s))),
            owner: tr.label(&a.owner_name).into_owned(),
            due: format_time(tr.lang, a.due_at),
            state: action_state(&a.state),
            overdue: open && a.due_at < now,
            title: a.title,
            note: a.note.unwrap_or_default(),
        });
    }
    // People and units to invite before the meeting; owners of actions after.
    let (members, units) = match c.state.as_str() {
        "convened" if can_manage => invitable(state, tr, u, true).await?,
        "held" if can_manage => invitable(state, tr, u, false).await?,
        _ => (Vec::new(), Vec::new()),
    };
    let closed = c.state == "closed";
    let my_rating = if closed && invited {
        consult::rating::mine(db, id, u.actor.user_id).await?
    } else {
        None
    };
    let ratings = if closed && can_manage {
        Some(consult::rating::summary(db, id).await?)
    } else {
        None
    };
    let check_in_url = check_in_url(state, id);
    let qr = if can_manage && c.state == "convened" {
        crate::kit::page::qr_svg(&check_in_url)?
    } else {
        String::new()
    };
    // The body's rules of time: when materials are due before the meeting
    // and the minutes after it, and whether either is late.
    let rules = consult::rules::effective(
        db,
        c.org_id,
        &c.kind,
        xieshang_store::org::get_unchecked(db, c.org_id).await?.kind,
    )
    .await?;
    let meeting_day = xieshang_core::calendar::cst_date(c.starts_at);
    let today = xieshang_core::calendar::cst_date(now);
    let materials_by = state
        .calendar
        .sub_working_days(meeting_day, rules.materials_days);
    let minutes_by = state
        .calendar
        .add_working_days(meeting_day, rules.minutes_days);
    let material_count = consult::material::of(db, id).await?.len();
    let materials_late = c.state == "convened" && material_count == 0 && today > materials_by;
    let minutes_late = c.state == "convened" && today > minutes_by;
    let mut res = render(DetailTpl {
        materials_by: crate::kit::page::format_day(tr.lang, &materials_by.to_string()),
        minutes_by: crate::kit::page::format_day(tr.lang, &minutes_by.to_string()),
        materials_late,
        minutes_late,
        qr,
        check_in_url,
        page: Page::signed_in(tr, u, flash),
        my_rating,
        ratings,
        rating_choices: [
            ("satisfied", "rating.satisfied"),
            ("basically_satisfied", "rating.basically_satisfied"),
            ("unsatisfied", "rating.unsatisfied"),
        ],
        kind: kind_name(tr, &c.kind, c.kind_name.as_deref()),
        when: format_time(tr.lang, c.starts_at),
        until: format_time(tr.lang, c.ends_at),
        state: state_label(&c.state),
        concerns,
        proposals: xieshang_store::proposal::handle::proposals_of_consultation(db, id)
            .await?
            .into_iter()
            .map(|(pid, title, _)| (pid, title))
            .collect(),
        parts,
        proposed: if can_manage && c.state == "convened" {
            consult::proposed_members(db, id).await?
        } else {
            Vec::new()
        },
        agenda: consult::agenda(db, id).await?,
        materials: consult::material::of(db, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        all_done: all_done && !actions.is_empty(),
        actions,
        can_manage,
        invited,
        members,
        units,
        errors,
        kept,
        c,
    })?;
    if flash.err.is_some() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Members and liaison officers, and departments, the actor may invite.
async fn invitable(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    with_people: bool,
) -> AppResult<(Vec<(i64, String)>, Vec<(i64, String)>)> {
    use xieshang_core::OrgKind;
    let units = xieshang_store::org::of_kinds(
        &state.db,
        &u.actor,
        Permission::ConsultationManage,
        &[OrgKind::Department, OrgKind::School, OrgKind::Party],
    )
    .await?
    .into_iter()
    .map(|o| (o.id, tr.label(&o.name).into_owned()))
    .collect();
    let people = if with_people {
        xieshang_store::account::user::people_with_roles(
            &state.db,
            &u.actor.scopes(Permission::ConsultationManage),
            &[
                xieshang_core::Role::Member,
                xieshang_core::Role::LiaisonOfficer,
            ],
        )
        .await?
    } else {
        Vec::new()
    };
    Ok((people, units))
}

async fn detail_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<FlashQ>,
) -> AppResult<Response> {
    detail_view(
        &state,
        tr,
        &u,
        id,
        &q.flash(),
        FieldErrors::new(),
        DetailInput::default(),
    )
    .await
}

/// Back to the consultation's page with a message.
fn back(id: i64, m: Msg) -> Response {
    flash::back(&format!("/consultations/{id}"), m)
}

/// A refusal shown on the consultation's page, the form's input kept.
async fn refused_here(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    e: xieshang_store::Error,
    kept: DetailInput,
) -> AppResult<Response> {
    match refusal(&e) {
        Some((field, key)) => {
            let mut errors = FieldErrors::new();
            errors.add(field, key);
            let flash = Flash {
                err: Some(key.to_owned()),
                ..Flash::default()
            };
            detail_view(state, tr, u, id, &flash, errors, kept).await
        }
        None => Err(e.into()),
    }
}

fn store_error(e: TransitionError) -> xieshang_store::Error {
    match e {
        TransitionError::Store(e) => e,
        TransitionError::Refused(r) => {
            tracing::info!(refused = %r, "consultation transition refused");
            xieshang_store::Error::field("state", "err.transition", "not possible now")
        }
    }
}

#[derive(Deserialize)]
struct InviteForm {
    who: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    representative: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

async fn invite(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> AppResult<Response> {
    let role = ParticipantRole::parse(&f.who);
    let who = match role {
        Some(r @ (ParticipantRole::Member | ParticipantRole::Liaison)) => Invitee::Person {
            role: r,
            user_id: f.user.parse().unwrap_or(0),
        },
        Some(ParticipantRole::Department) => Invitee::Unit {
            org_id: f.unit.parse().unwrap_or(0),
            representative: &f.representative,
        },
        Some(r) => Invitee::Guest {
            role: r,
            name: &f.name,
            phone: Some(&f.phone),
        },
        None => return Ok(back(id, Msg::Err("err.invitee"))),
    };
    let r = consult::invite(&state.db, state.sealer.as_deref(), &u.actor, id, &who).await;
    match r {
        Ok(()) => Ok(back(id, Msg::Ok("consult.invited"))),
        Err(xieshang_store::Error::NotFound) if matches!(who, Invitee::Unit { .. }) => {
            refused_here(
                &state,
                tr,
                &u,
                id,
                xieshang_store::Error::field("invitee", "err.invitee_reach", "outside"),
                DetailInput::default(),
            )
            .await
        }
        Err(e) => {
            let kept = DetailInput {
                guest_name: f.name.clone(),
                guest_phone: f.phone.clone(),
                representative: f.representative.clone(),
                ..DetailInput::default()
            };
            refused_here(&state, tr, &u, id, e, kept).await
        }
    }
}

#[derive(Deserialize)]
struct AgendaForm {
    #[serde(default)]
    title: String,
}

async fn add_agenda(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AgendaForm>,
) -> AppResult<Response> {
    match consult::add_agenda(&state.db, &u.actor, id, &f.title).await {
        Ok(()) => Ok(back(id, Msg::Ok("common.saved"))),
        Err(e) => refused_here(&state, tr, &u, id, e, DetailInput::default()).await,
    }
}

async fn hold(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let minutes = f
        .iter()
        .find(|(k, _)| k == "minutes")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let ids = |key: &str| -> Vec<i64> {
        f.iter()
            .filter(|(k, _)| k == key)
            .filter_map(|(_, v)| v.parse().ok())
            .collect()
    };
    let (present, spoke) = (ids("present"), ids("spoke"));
    match consult::hold(&state.db, &u.actor, id, &minutes, &present, &spoke).await {
        Ok(()) => Ok(back(id, Msg::Ok("consult.held"))),
        Err(e) => {
            let kept = DetailInput {
                minutes,
                ..DetailInput::default()
            };
            refused_here(&state, tr, &u, id, store_error(e), kept).await
        }
    }
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due_days: String,
}

async fn add_action(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> AppResult<Response> {
    let r = action::add(
        &state.db,
        &state.calendar,
        &u.actor,
        id,
        f.owner.parse().ok(),
        &f.title,
        &f.note,
        f.due_days.trim().parse().ok(),
    )
    .await;
    match r {
        Ok(_) => Ok(back(id, Msg::Ok("consult.action_added"))),
        Err(e) => {
            let kept = DetailInput {
                action_title: f.title,
                action_note: f.note,
                action_owner: f.owner,
                action_days: f.due_days,
                ..DetailInput::default()
            };
            refused_here(&state, tr, &u, id, e, kept).await
        }
    }
}

#[derive(Deserialize)]
struct CloseForm {
    #[serde(default)]
    concerns: String,
    #[serde(default)]
    result_note: String,
    #[serde(default)]
    publish: String,
}

async fn close(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CloseForm>,
) -> AppResult<Response> {
    let after = if f.concerns == "leave" {
        ConcernsAfter::LeaveOpen
    } else {
        ConcernsAfter::Resolve
    };
    let r = consult::close(
        &state.db,
        &state.calendar,
        state.config.policy.feedback_window_days,
        &u.actor,
        id,
        after,
        &f.result_note,
        f.publish == "1",
    )
    .await;
    match r {
        Ok(()) => Ok(back(id, Msg::Ok("consult.closed"))),
        Err(e) => {
            let kept = DetailInput {
                result_note: f.result_note,
                ..DetailInput::default()
            };
            refused_here(&state, tr, &u, id, store_error(e), kept).await
        }
    }
}

#[derive(Deserialize)]
struct CancelForm {
    #[serde(default)]
    reason: String,
}

async fn cancel(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CancelForm>,
) -> AppResult<Response> {
    match consult::cancel(&state.db, &u.actor, id, &f.reason).await {
        Ok(()) => Ok(back(id, Msg::Ok("consult.cancelled"))),
        Err(e) => refused_here(&state, tr, &u, id, store_error(e), DetailInput::default()).await,
    }
}

#[derive(Deserialize)]
struct AnswerForm {
    answer: String,
    #[serde(default)]
    deputy: String,
}

async fn answer(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    match consult::answer(&state.db, &u.actor, id, &f.answer, Some(&f.deputy)).await {
        Ok(()) => Ok(back(id, Msg::Ok("common.saved"))),
        Err(e) => refused_here(&state, tr, &u, id, e, DetailInput::default()).await,
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

/// The meeting's check-in address under the configured public URL (never the
/// request's Host: decision 0026), which its QR code carries.
fn check_in_url(state: &AppState, id: i64) -> String {
    format!("{}/consultations/{id}/check-in", state.config.public_url())
}

#[derive(Template)]
#[template(path = "consult/check_in.html")]
struct CheckInTpl {
    page: Page,
    c: consult::Consultation,
    when: String,
    /// The viewer is invited by account and the meeting is to be held.
    can_check_in: bool,
    /// Already marked present.
    present: bool,
}

/// What the meeting's QR code opens: a participant signed in checks in with
/// one button.
async fn check_in_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<FlashQ>,
) -> AppResult<Response> {
    let c = consult::get(&state.db, &u.actor, Permission::ConsultationView, id).await?;
    let mine = consult::participants(&state.db, id)
        .await?
        .into_iter()
        .find(|p| p.user_id == Some(u.actor.user_id));
    render(CheckInTpl {
        page: Page::signed_in(tr, &u, &q.flash()),
        when: format!(
            "{} – {}",
            format_time(tr.lang, c.starts_at),
            format_time(tr.lang, c.ends_at)
        ),
        can_check_in: mine.as_ref().is_some_and(|p| !p.present) && c.state == "convened",
        present: mine.is_some_and(|p| p.present),
        c,
    })
}

async fn check_in(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    match consult::check_in(&state.db, &u.actor, id).await {
        Ok(()) => Ok(back(id, Msg::Ok("consult.checked_in"))),
        Err(e) => refused_here(&state, tr, &u, id, e, DetailInput::default()).await,
    }
}

#[derive(Deserialize)]
struct RateForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

/// A participant rates the consultation after it closed.
async fn rate(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RateForm>,
) -> AppResult<Response> {
    match consult::rating::rate(&state.db, &u.actor, id, &f.rating, &f.comment).await {
        Ok(()) => Ok(back(id, Msg::Ok("consult.rated"))),
        Err(e) => {
            let kept = DetailInput {
                rating_comment: f.comment,
                ..DetailInput::default()
            };
            refused_here(&state, tr, &u, id, e, kept).await
        }
    }
}

#[derive(Deserialize)]
struct ActForm {
    action: String,
    #[serde(default)]
    note: String,
    /// Where to go back to.
    #[serde(default)]
    back: String,
}

/// The owner's handler (or staff) posts progress on an agreed action or marks
/// it done.
async fn act(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActForm>,
) -> AppResult<Response> {
    let to = if f.back == "mine" {
        "/agreed-actions".to_owned()
    } else {
        let c = action::consultation_of(&state.db, id).await?;
        format!("/consultations/{c}")
    };
    match action::act(&state.db, &u.actor, id, &f.action, &f.note).await {
        Ok(_) => Ok(flash::back(&to, Msg::Ok("common.saved"))),
        Err(e) => match store_error(e) {
            e @ xieshang_store::Error::Invalid { .. } => Ok(flash::back(
                &to,
                Msg::Err(refusal(&e).map(|r| r.1).unwrap_or("err.bad_input")),
            )),
            e => Err(e.into()),
        },
    }
}

#[derive(Template)]
#[template(path = "consult/my_actions.html")]
struct MyActionsTpl {
    page: Page,
    rows: Vec<(i64, i64, String, String, &'static str, bool)>,
}

/// A department's open agreed actions.
async fn my_actions_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FlashQ>,
) -> AppResult<Response> {
    let now = state.db.now_ms();
    let rows = action::owned_by(&state.db, &u.actor)
        .await?
        .into_iter()
        .map(|a| {
            (
                a.id,
                a.consultation_id,
                a.title,
                format_time(tr.lang, a.due_at),
                action_state(&a.state),
                a.due_at < now,
            )
        })
        .collect();
    render(MyActionsTpl {
        page: Page::signed_in(tr, &u, &q.flash()),
        rows,
    })
}

#[derive(Template)]
#[template(path = "consult/meetings.html")]
struct MeetingsTpl {
    page: Page,
    rows: Vec<(i64, String, String, String, &'static str)>,
}

/// A person's coming meetings.
async fn meetings_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
) -> AppResult<Response> {
    let now = state.db.now_ms();
    let rows = consult::upcoming_for(&state.db, u.actor.user_id, now)
        .await?
        .into_iter()
        .map(|c| {
            let place = c.room_name.clone().or(c.place.clone()).unwrap_or_default();
            (
                c.id,
                c.topic,
                format_time(tr.lang, c.starts_at),
                tr.label(&place).into_owned(),
                state_label(&c.state),
            )
        })
        .collect();
    render(MeetingsTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        rows,
    })
}

// ---------------------------------------------------------------- calendars

fn ics_response(body: String, file: &str) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

fn event_of(state: &AppState, c: &consult::Consultation) -> consult::ics::IcsEvent {
    consult::ics::event_of(state.config.public_url(), c)
}

/// The meeting as a calendar file (the invitation's attachment).
async fn meeting_ics(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let c = consult::get(&state.db, &u.actor, Permission::ConsultationView, id).await?;
    let body = consult::ics::calendar(&c.topic, &[event_of(&state, &c)]);
    Ok(ics_response(body, "meeting.ics"))
}

/// A person's coming meetings as a calendar feed.
async fn meetings_ics(State(state): State<AppState>, u: CurrentUser) -> AppResult<Response> {
    let now = state.db.now_ms();
    let events: Vec<consult::ics::IcsEvent> =
        consult::upcoming_for(&state.db, u.actor.user_id, now)
            .await?
            .iter()
            .filter(|c| c.state != "cancelled")
            .map(|c| event_of(&state, c))
            .collect();
    Ok(ics_response(
        consult::ics::calendar(&u.actor.display_name, &events),
        "meetings.ics",
    ))
}

/// A room's bookings from a month back to a year ahead as a calendar feed.
async fn room_ics(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let r = room::get(&state.db, &u.actor, Permission::ConsultationView, id).await?;
    let now = state.db.now_ms();
    let day = 86_400_000;
    let mut events = Vec::new();
    for b in room::bookings(&state.db, id, now - 31 * day, now + 366 * day).await? {
        let c = consult::get(
            &state.db,
            &u.actor,
            Permission::ConsultationView,
            b.consultation_id,
        )
        .await?;
        events.push(event_of(&state, &c));
    }
    Ok(ics_response(
        consult::ics::calendar(&r.name, &events),
        "room.ics",
    ))
}

// ---------------------------------------------------------------- rooms

#[derive(Template)]
#[template(path = "consult/rooms.html")]
struct RoomsTpl {
    page: Page,
    rooms: Vec<(i64, String, String, i64)>,
    units: Vec<(i64, String)>,
    can_manage: bool,
    form: RoomForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
struct RoomForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    capacity: String,
}

async fn rooms_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    form: RoomForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    use xieshang_core::OrgKind;
    let rooms = room::list(&state.db, &u.actor)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.id,
                tr.label(&r.name).into_owned(),
                tr.label(&r.org_name).into_owned(),
                r.capacity,
            )
        })
        .collect();
    let units: Vec<(i64, String)> = xieshang_store::org::of_kinds(
        &state.db,
        &u.actor,
        Permission::ConsultationManage,
        &[
            OrgKind::City,
            OrgKind::District,
            OrgKind::Street,
            OrgKind::Community,
        ],
    )
    .await?
    .into_iter()
    .map(|o| (o.id, tr.label(&o.name).into_owned()))
    .collect();
    let refused = !errors.is_empty();
    let mut res = render(RoomsTpl {
        page: Page::signed_in(tr, u, flash),
        rooms,
        units,
        can_manage: u.actor.has_permission(Permission::ConsultationManage),
        form,
        errors,
    })?;
    if refused {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn rooms_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FlashQ>,
) -> AppResult<Response> {
    rooms_view(
        &state,
        tr,
        &u,
        &q.flash(),
        RoomForm::default(),
        FieldErrors::new(),
    )
    .await
}

async fn create_room(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<RoomForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::new();
    let capacity = f.capacity.trim().parse::<i64>().unwrap_or(0);
    let r = match f.org.parse::<i64>() {
        Ok(org) => room::create(&state.db, &u.actor, org, &f.name, capacity).await,
        Err(_) => Err(xieshang_store::Error::field(
            "org",
            "err.required",
            "choose the unit",
        )),
    };
    match r {
        Ok(r) => Ok(flash::ok(&format!("/rooms/{}", r.id), "common.saved")),
        Err(e) => match refusal(&e) {
            Some((field, key)) => {
                errors.add(field, key);
                let flash = Flash {
                    err: Some(key.to_owned()),
                    ..Flash::default()
                };
                rooms_view(&state, tr, &u, &flash, f, errors).await
            }
            None => Err(e.into()),
        },
    }
}

/// A day of a room's week: its label and its bookings (consultation id,
/// from–to, topic, state key).
type DayBookings = (String, Vec<(i64, String, String, &'static str)>);

#[derive(Template)]
#[template(path = "consult/room.html")]
struct RoomTpl {
    page: Page,
    room: room::Room,
    week: String,
    prev: String,
    next: String,
    /// (day label, bookings: (consultation id, from–to, topic, state)).
    days: Vec<DayBookings>,
}

#[derive(Deserialize, Default)]
struct WeekQuery {
    week: Option<String>,
}

/// A room's week (Monday to Sunday) as a calendar page.
async fn room_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<WeekQuery>,
) -> AppResult<Response> {
    let r = room::get(&state.db, &u.actor, Permission::ConsultationView, id).await?;
    let today = xieshang_core::calendar::cst_date(state.db.now_ms());
    let day = match q.week.as_deref() {
        Some(w) => NaiveDate::parse_from_str(w, "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest("week=YYYY-MM-DD".into()))?,
        None => today,
    };
    let monday = day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()));
    let cst = chrono::FixedOffset::east_opt(8 * 3600).ok_or(AppError::NotFound)?;
    let ms = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| cst.from_local_datetime(&t).single())
            .map(|t| t.timestamp_millis())
            .unwrap_or_default()
    };
    let from = ms(monday);
    let to = ms(monday + chrono::Days::new(7));
    let bookings = room::bookings(&state.db, id, from, to).await?;
    let weekdays = [
        "consult.mon",
        "consult.tue",
        "consult.wed",
        "consult.thu",
        "consult.fri",
        "consult.sat",
        "consult.sun",
    ];
    let mut days = Vec::new();
    for (i, w) in weekdays.iter().enumerate() {
        let d = monday + chrono::Days::new(i as u64);
        let (start, end) = (ms(d), ms(d + chrono::Days::new(1)));
        let list = bookings
            .iter()
            .filter(|b| b.starts_at < end && b.ends_at > start)
            .map(|b| {
                (
                    b.consultation_id,
                    format!(
                        "{}–{}",
                        &iso_time(b.starts_at)[11..],
                        &iso_time(b.ends_at)[11..]
                    ),
                    b.topic.clone(),
                    state_label(&b.state),
                )
            })
            .collect();
        days.push((format!("{} {}", tr.t(w), d.format("%m-%d")), list));
    }
    render(RoomTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        room: r,
        week: monday.format("%Y-%m-%d").to_string(),
        prev: (monday - chrono::Days::new(7))
            .format("%Y-%m-%d")
            .to_string(),
        next: (monday + chrono::Days::new(7))
            .format("%Y-%m-%d")
            .to_string(),
        days,
    })
}

// ---------------------------------------------------------------- outcome list

#[derive(Deserialize, Default)]
struct OutcomeQuery {
    state: Option<String>,
    owner: Option<String>,
    /// Export format (`csv`, `xlsx`).
    format: Option<String>,
    /// Page of the list, from 0.
    page: Option<i64>,
}

/// Rows on a page of the outcome list.
const OUTCOMES_PER_PAGE: i64 = 50;

impl OutcomeQuery {
    fn filter(&self) -> action::OutcomeFilter {
        action::OutcomeFilter {
            state: self.state.clone().filter(|s| {
                ["assigned", "in_progress", "resolved", "overdue"].contains(&s.as_str())
            }),
            owner: self.owner.as_deref().and_then(|o| o.parse().ok()),
            skip: 0,
        }
    }
}

/// The outcome list's columns (message keys).
const OUTCOME_COLUMNS: [&str; 7] = [
    "consult.topic",
    "consult.unit",
    "consult.when",
    "consult.action",
    "consult.owner",
    "consult.due",
    "consult.state",
];

/// A row of the outcome list: dates as the language writes them on the page,
/// ISO in exports (decision 0031).
fn outcome_values(tr: Tr, o: &action::Outcome, now: i64, iso: bool) -> [String; 7] {
    let time = |ms: i64| {
        if iso {
            iso_time(ms)
        } else {
            format_time(tr.lang, ms)
        }
    };
    let state = if o.action.state != "resolved" && o.action.due_at < now {
        tr.t("consult.action_state.overdue")
    } else {
        tr.t(action_state(&o.action.state))
    };
    [
        o.topic.clone(),
        tr.label(&o.unit).into_owned(),
        time(o.met_at),
        o.action.title.clone(),
        tr.label(&o.action.owner_name).into_owned(),
        time(o.action.due_at),
        state.to_owned(),
    ]
}

#[derive(Template)]
#[template(path = "consult/outcomes.html")]
struct OutcomesTpl {
    page: Page,
    columns: [&'static str; 7],
    rows: Vec<(i64, [String; 7])>,
    state: String,
    owner: String,
    owners: Vec<(i64, String)>,
    query: String,
    page_no: i64,
    more: bool,
}

async fn outcomes_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<OutcomeQuery>,
) -> AppResult<Response> {
    let now = state.db.now_ms();
    let page_no = q.page.unwrap_or(0).clamp(0, 10_000);
    let f = action::OutcomeFilter {
        skip: page_no * OUTCOMES_PER_PAGE,
        ..q.filter()
    };
    // One more than a page tells whether there is a next one.
    let mut list = action::outcomes(&state.db, &u.actor, &f, now, OUTCOMES_PER_PAGE + 1).await?;
    let more = list.len() as i64 > OUTCOMES_PER_PAGE;
    list.truncate(OUTCOMES_PER_PAGE as usize);
    let owners: Vec<(i64, String)> = action::owners(&state.db, &u.actor)
        .await?
        .into_iter()
        .map(|(id, name)| (id, tr.label(&name).into_owned()))
        .collect();
    let mut query = Vec::new();
    if let Some(s) = &f.state {
        query.push(format!("state={s}"));
    }
    if let Some(o) = f.owner {
        query.push(format!("owner={o}"));
    }
    render(OutcomesTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        columns: OUTCOME_COLUMNS,
        rows: list
            .iter()
            .map(|o| (o.action.consultation_id, outcome_values(tr, o, now, false)))
            .collect(),
        state: f.state.clone().unwrap_or_default(),
        owner: f.owner.map(|o| o.to_string()).unwrap_or_default(),
        owners,
        query: query.join("&"),
        page_no,
        more,
    })
}

/// The outcome list as a file: `?format=csv` (the default) or `xlsx`, with
/// the list's filters.
async fn outcomes_export(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<OutcomeQuery>,
) -> AppResult<Response> {
    let xlsx = match q.format.as_deref() {
        None | Some("" | "csv") => false,
        Some("xlsx") => true,
        Some(f) => return Err(AppError::BadRequest(format!("format={f}: csv or xlsx"))),
    };
    let file = if xlsx {
        "outcomes.xlsx"
    } else {
        "outcomes.csv"
    };
    let now = state.db.now_ms();
    let list = action::outcomes(&state.db, &u.actor, &q.filter(), now, 5000).await?;
    let header: Vec<&str> = OUTCOME_COLUMNS.iter().map(|k| tr.t(k)).collect();
    let bytes = if xlsx {
        use rust_xlsxwriter::{Format, Workbook};
        let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(tr.t("consult.outcomes")).map_err(err)?;
        let bold = Format::new().set_bold();
        for (i, h) in header.iter().enumerate() {
            sheet
                .write_string_with_format(0, i as u16, *h, &bold)
                .map_err(err)?;
        }
        for (n, o) in list.iter().enumerate() {
            for (i, v) in outcome_values(tr, o, now, true).iter().enumerate() {
                sheet.write_string(n as u32 + 1, i as u16, v).map_err(err)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(err)?;
        book.save_to_buffer().map_err(err)?
    } else {
        let mut w = crate::kit::csv::Csv::new();
        w.row(&header)?;
        for o in &list {
            w.row(outcome_values(tr, o, now, true))?;
        }
        w.finish()?
    };
    Ok(crate::kit::page::download(bytes, file, xlsx))
}

// ---------------------------------------------------------------- public

#[derive(Template)]
#[template(path = "consult/public.html")]
struct PublicTpl {
    page: Page,
    unit: String,
    rows: Vec<PublicRow>,
}

struct PublicRow {
    topic: String,
    kind: String,
    when: String,
    unit: String,
    state: &'static str,
    units: String,
    actions: Vec<(String, String, &'static str)>,
    /// Published materials: (title, public token).
    materials: Vec<(String, String)>,
}

/// A body's held consultations: topic, date, participating units and, where
/// staff published it, the outcome. Never residents' names.
async fn public_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let org = xieshang_store::org::get_unchecked(&state.db, id)
        .await
        .map_err(|_| AppError::NotFound)?;
    if org.archived_at.is_some() {
        return Err(AppError::NotFound);
    }
    let rows = consult::public_held(&state.db, id)
        .await?
        .into_iter()
        .map(|p| PublicRow {
            kind: kind_name(tr, &p.kind.0, p.kind.1.as_deref()),
            when: format_time(tr.lang, p.starts_at),
            unit: tr.label(&p.org_name).into_owned(),
            state: state_label(&p.state),
            units: p
                .units
                .iter()
                .map(|u| tr.label(u).into_owned())
                .collect::<Vec<_>>()
                .join(tr.list_sep()),
            actions: p
                .actions
                .into_iter()
                .map(|(t, o, s)| (t, tr.label(&o).into_owned(), action_state(&s)))
                .collect(),
            materials: p.materials,
            topic: p.topic,
        })
        .collect();
    render(PublicTpl {
        page: Page::new(tr, None, String::new(), &Flash::default()),
        unit: tr.label(&org.name).into_owned(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn meeting_times_read_in_china_standard_time() {
        // 2026-12-20 09:00 in Beijing is 01:00 UTC.
        let ms = super::parse_local("2026-12-20T09:00").unwrap();
        assert_eq!(ms, 1_797_728_400_000);
        assert_eq!(super::iso_time(ms), "2026-12-20 09:00");
        assert_eq!(super::parse_local("2026-12-20"), None);
    }

    #[test]
    fn a_calendar_feed_parses_back_with_its_events() {
        use icalendar::{Calendar, Component, EventLike};
        use xieshang_store::consult::ics;
        let text = ics::calendar(
            "多商量议事室",
            &[ics::IcsEvent {
                uid: "consultation-7@example.org".into(),
                starts_at: 1_797_728_400_000,
                ends_at: 1_797_735_600_000,
                summary: "西飞第二中学门前道路破损，协商修复".into(),
                location: "关山街道 多商量议事室; 二楼".into(),
                url: "https://example.org/consultations/7".into(),
                cancelled: false,
            }],
        );
        assert!(text.starts_with("BEGIN:VCALENDAR"), "{text}");
        let parsed: Calendar = text.parse().unwrap();
        let events: Vec<_> = parsed.events().collect();
        assert_eq!(events.len(), 1);
        let e = events[0];
        assert_eq!(e.get_summary(), Some("西飞第二中学门前道路破损，协商修复"));
        assert_eq!(e.get_location(), Some("关山街道 多商量议事室; 二楼"));
        assert_eq!(e.get_uid(), Some("consultation-7@example.org"));
        let start = e.get_start().unwrap();
        assert_eq!(
            start,
            icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(
                chrono::DateTime::from_timestamp_millis(1_797_728_400_000).unwrap()
            ))
        );
    }
}
