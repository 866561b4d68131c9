//! The best-practice library and its booklet (issue 31 points 5 and 6,
//! decision record 0046): the library and its search, a district's own
//! practices and its form, a practice's page (text, figures, photos and
//! files, timeline, field meetings; the district's forms while it may change
//! it, the city's review), the city's review list, field meetings, and the
//! booklets (compile, progress, download). The store's `practice` module
//! decides who may do what, so the routes ask only for a session; every
//! refused form comes back with what was typed.

use crate::kit::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang, UPLOAD_BODY_LIMIT};
use crate::kit::error::AppResult;
use crate::kit::form::FieldErrors;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{event_views, format_time, render, EventView, Flash, Page};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::practice::{Practice, RawBooklet, RawPractice, AREAS};
use xieshang_core::{Actor, Permission};
use xieshang_store::practice::{self, booklet, meeting, Record, Review};

/// This feature's routes. The store decides (district staff, city staff,
/// the library's readers), so the routes ask only for a session.
pub fn routes(r: Routes) -> Routes {
    use Access::SignedIn;
    r.get("/practices", SignedIn, get(library_page))
        .get("/practices/mine", SignedIn, get(mine_page))
        .get("/practices/new", SignedIn, get(new_page))
        .post("/practices", SignedIn, post(create))
        .get("/practices/review", SignedIn, get(review_page))
        .get("/practices/meetings", SignedIn, get(meetings_page))
        .post("/practices/meetings", SignedIn, post(create_meeting))
        .get("/practices/meetings/{id}", SignedIn, get(meeting_page))
        .get("/practices/{id}", SignedIn, get(detail_page))
        .post("/practices/{id}/edit", SignedIn, post(edit))
        .post("/practices/{id}/submit", SignedIn, post(submit))
        .post("/practices/{id}/review", SignedIn, post(review))
        .post(
            "/practices/{id}/files",
            SignedIn,
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .get("/practices/{id}/files/{file}", SignedIn, get(download))
        .get("/booklets", SignedIn, get(booklets_page))
        .post("/booklets", SignedIn, post(create_booklet))
        .get("/booklets/{id}", SignedIn, get(booklet_page))
        .post("/booklets/{id}/generate", SignedIn, post(regenerate))
        .get("/booklets/{id}/booklet.pdf", SignedIn, get(booklet_pdf))
}

/// What waits for the city's staff on their home page: practices to review.
pub(crate) async fn today(
    state: &AppState,
    actor: &Actor,
    out: &mut Vec<(&'static str, i64, &'static str)>,
) -> AppResult<()> {
    if practice::is_city(actor) {
        let n = practice::waiting(&state.db, actor).await?;
        out.push(("practice.today.review", n, "/practices/review"));
    }
    Ok(())
}

/// A state's message key.
fn state_label(state: &str) -> &'static str {
    i18n::known(&format!("practice.state.{state}")).unwrap_or("state.submitted")
}

/// An area's message key.
fn area_label(area: &str) -> &'static str {
    i18n::known(&format!("practice.area.{area}")).unwrap_or("practice.area.other")
}

fn areas() -> Vec<(&'static str, &'static str)> {
    AREAS.iter().map(|a| (*a, area_label(a))).collect()
}

struct RowView {
    id: i64,
    title: String,
    district: String,
    area: &'static str,
    state: &'static str,
    when: String,
}

fn rows(tr: Tr, list: Vec<practice::Row>) -> Vec<RowView> {
    list.into_iter()
        .map(|r| RowView {
            id: r.id,
            area: area_label(&r.area),
            state: state_label(&r.state),
            when: format_time(tr.lang, r.updated_at),
            title: r.title,
            district: r.district,
        })
        .collect()
}

/// What the library's and lists' links offer the actor.
struct Links {
    district: bool,
    city: bool,
}

fn links(actor: &Actor) -> Links {
    Links {
        district: practice::district_of(actor).is_some(),
        city: practice::is_city(actor),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    page: i64,
    ok: Option<String>,
    err: Option<String>,
}

impl ListQuery {
    fn flash(&self) -> Flash {
        Flash {
            ok: self.ok.clone(),
            err: self.err.clone(),
            ..Flash::default()
        }
    }
}

// ---------------------------------------------------------------- library

#[derive(Template)]
#[template(path = "practice/library.html")]
struct LibraryTpl {
    page: Page,
    /// The message for someone the page is not for, empty otherwise.
    only: &'static str,
    links: Links,
    q: String,
    area: String,
    areas: Vec<(&'static str, &'static str)>,
    rows: Vec<RowView>,
    page_no: i64,
    more: bool,
    query: String,
}

async fn library_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let page_no = q.page.max(0);
    let staff = u.actor.has_permission(Permission::PracticeManage);
    let (list, more) = if staff {
        practice::library(&state.db, &u.actor, &q.q, &q.area, page_no).await?
    } else {
        (Vec::new(), false)
    };
    let query = serde_urlencoded::to_string([("q", q.q.as_str()), ("area", q.area.as_str())])
        .unwrap_or_default();
    render(LibraryTpl {
        page: Page::signed_in(tr, &u, &q.flash()),
        only: if staff { "" } else { "practice.staff_only" },
        links: links(&u.actor),
        q: q.q,
        area: q.area,
        areas: areas(),
        rows: rows(tr, list),
        page_no,
        more,
        query,
    })
}

#[derive(Template)]
#[template(path = "practice/list.html")]
struct ListTpl {
    page: Page,
    heading: &'static str,
    /// The message for someone the page is not for, empty otherwise.
    only: &'static str,
    base: &'static str,
    links: Links,
    rows: Vec<RowView>,
    states: Vec<(&'static str, &'static str)>,
    chosen: String,
    page_no: i64,
    more: bool,
}

async fn mine_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let page_no = q.page.max(0);
    let (list, more) = practice::mine(&state.db, &u.actor, page_no).await?;
    let district = practice::district_of(&u.actor).is_some();
    render(ListTpl {
        page: Page::signed_in(tr, &u, &q.flash()),
        heading: "practice.mine",
        only: if district {
            ""
        } else {
            "practice.districts_only"
        },
        base: "/practices/mine",
        links: links(&u.actor),
        rows: rows(tr, list),
        states: Vec::new(),
        chosen: String::new(),
        page_no,
        more,
    })
}

const REVIEW_STATES: [&str; 4] = ["submitted", "changes_requested", "selected", "not_selected"];

async fn review_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let chosen = REVIEW_STATES
        .iter()
        .copied()
        .find(|s| *s == q.state)
        .unwrap_or("submitted");
    let page_no = q.page.max(0);
    let city = practice::is_city(&u.actor);
    let (list, more) = if city {
        practice::review_list(&state.db, &u.actor, chosen, page_no).await?
    } else {
        (Vec::new(), false)
    };
    render(ListTpl {
        page: Page::signed_in(tr, &u, &q.flash()),
        heading: "practice.review",
        only: if city { "" } else { "practice.city_only" },
        base: "/practices/review",
        links: links(&u.actor),
        rows: rows(tr, list),
        states: REVIEW_STATES.iter().map(|s| (*s, state_label(s))).collect(),
        chosen: chosen.to_owned(),
        page_no,
        more,
    })
}

// ---------------------------------------------------------------- the form

/// Every field of the practice forms, as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
struct Form {
    #[serde(default)]
    title: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    steps: String,
    #[serde(default)]
    figures: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

impl Form {
    fn raw(&self) -> RawPractice {
        RawPractice {
            title: self.title.clone(),
            area: self.area.clone(),
            summary: self.summary.clone(),
            steps: self.steps.clone(),
            figures: self.figures.clone(),
        }
    }

    fn of(r: &RawPractice) -> Form {
        Form {
            title: r.title.clone(),
            area: r.area.clone(),
            summary: r.summary.clone(),
            steps: r.steps.clone(),
            figures: r.figures.clone(),
            ..Form::default()
        }
    }
}

#[derive(Template)]
#[template(path = "practice/new.html")]
struct NewTpl {
    page: Page,
    may_write: bool,
    areas: Vec<(&'static str, &'static str)>,
    form: Form,
    errors: FieldErrors,
}

async fn new_view(tr: Tr, u: &CurrentUser, form: Form, errors: FieldErrors) -> AppResult<Response> {
    let flash = Flash {
        err: (!errors.is_empty()).then(|| "practice.not_saved".to_owned()),
        ..Flash::default()
    };
    render(NewTpl {
        page: Page::signed_in(tr, u, &flash),
        may_write: practice::district_of(&u.actor).is_some(),
        areas: areas(),
        form,
        errors,
    })
}

async fn new_page(UiLang(tr): UiLang, u: CurrentUser) -> AppResult<Response> {
    new_view(tr, &u, Form::default(), FieldErrors::new()).await
}

async fn create(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    match practice::create(&state.db, &u.actor, &f.raw()).await {
        Ok(id) => Ok(crate::kit::flash::ok(
            &format!("/practices/{id}"),
            "practice.saved",
        )),
        Err(e) => {
            let errors = match Practice::parse(&f.raw()) {
                Err(list) => FieldErrors::from_core(list),
                Ok(_) => FieldErrors::or_error(e)?,
            };
            new_view(tr, &u, f, errors).await
        }
    }
}

// ---------------------------------------------------------------- a practice

struct FileView {
    id: i64,
    name: String,
    photo: bool,
}

#[derive(Template)]
#[template(path = "practice/detail.html")]
struct DetailTpl {
    page: Page,
    p: Record,
    area: &'static str,
    state: &'static str,
    own: bool,
    city: bool,
    editable: bool,
    reviewable: bool,
    photos: Vec<FileView>,
    files: Vec<FileView>,
    meetings: Vec<meeting::Meeting>,
    timeline: Vec<EventView>,
    areas: Vec<(&'static str, &'static str)>,
    form: Form,
    errors: FieldErrors,
}

async fn detail_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    form: Option<Form>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let p = practice::get(&state.db, &u.actor, id).await?;
    let own = practice::district_of(&u.actor).is_some_and(|(org, _)| org == p.org_id);
    let city = practice::is_city(&u.actor);
    let (photos, files): (Vec<_>, Vec<_>) = practice::attachments(&state.db, id)
        .await?
        .into_iter()
        .map(|a| FileView {
            id: a.id,
            photo: a.stage == "photo",
            name: a.file_name,
        })
        .partition(|f| f.photo);
    let timeline = event_views(tr, practice::timeline(&state.db, id).await?, "practice.");
    let meetings = meeting::of_practice(&state.db, id).await?;
    let mut flash = Flash {
        ok: flash.ok.clone(),
        err: flash.err.clone(),
        ..Flash::default()
    };
    if !errors.is_empty() && flash.err.is_none() {
        flash.err = Some("practice.not_saved".to_owned());
    }
    render(DetailTpl {
        page: Page::signed_in(tr, u, &flash),
        area: area_label(&p.area),
        state: state_label(&p.state),
        editable: own && p.editable(),
        reviewable: city && p.state == "submitted",
        own,
        city,
        photos,
        files,
        meetings,
        timeline,
        areas: areas(),
        form: form.unwrap_or_else(|| Form::of(&p.raw())),
        errors,
        p,
    })
}

async fn detail_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    detail_view(&state, tr, &u, id, &q.flash(), None, FieldErrors::new()).await
}

async fn edit(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    match practice::update(&state.db, &u.actor, id, &f.raw()).await {
        Ok(()) => Ok(crate::kit::flash::ok(
            &format!("/practices/{id}"),
            "practice.saved",
        )),
        Err(e) => {
            let errors = match Practice::parse(&f.raw()) {
                Err(list) => FieldErrors::from_core(list),
                Ok(_) => FieldErrors::or_error(e)?,
            };
            detail_view(&state, tr, &u, id, &Flash::default(), Some(f), errors).await
        }
    }
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn submit(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    match practice::submit(&state.db, &u.actor, id).await {
        Ok(()) => Ok(crate::kit::flash::ok(
            &format!("/practices/{id}"),
            "practice.submitted",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            detail_view(&state, tr, &u, id, &Flash::default(), None, errors).await
        }
    }
}

async fn review(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Form>,
) -> AppResult<Response> {
    let decision = Review::parse(f.decision.trim());
    match practice::review(&state.db, &u.actor, id, decision, &f.note).await {
        Ok(()) => Ok(crate::kit::flash::ok(
            &format!("/practices/{id}"),
            "practice.reviewed",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            let p = practice::get(&state.db, &u.actor, id).await?;
            let kept = Form {
                decision: f.decision,
                note: f.note,
                ..Form::of(&p.raw())
            };
            detail_view(&state, tr, &u, id, &Flash::default(), Some(kept), errors).await
        }
    }
}

async fn upload(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    up: CsrfUpload<Empty, { xieshang_store::upload::MAX_BYTES }>,
) -> AppResult<Response> {
    let checked = match up.files.into_iter().find(|f| f.field == "file") {
        None => Err(xieshang_store::Error::field(
            "file",
            "err.practice.file_missing",
            "choose the photo or file to attach",
        )),
        Some(f) if f.oversize => Err(xieshang_store::consult::material::too_large()),
        Some(f) => {
            state
                .parsing(move || practice::check_upload(&f.file_name, f.bytes))
                .await?
        }
    };
    let added = match checked {
        Ok(upload) => practice::attach(&state.db, &u.actor, id, &upload).await,
        Err(e) => Err(e),
    };
    match added {
        Ok(()) => Ok(crate::kit::flash::ok(
            &format!("/practices/{id}"),
            "practice.attached",
        )),
        Err(e) => {
            let errors = FieldErrors::or_error(e)?;
            detail_view(&state, tr, &u, id, &Flash::default(), None, errors).await
        }
    }
}

async fn download(
    State(state): State<AppState>,
    u: CurrentUser,
    Path((id, file)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (a, bytes) = practice::attachment(&state.db, &u.actor, id, file).await?;
    let fallback = format!("practice-{id}-{file}");
    Ok(crate::kit::page::file_response(
        &a.file_name,
        &fallback,
        &a.content_type,
        bytes,
        "private, no-store",
    ))
}

// ---------------------------------------------------------------- meetings

#[derive(Template)]
#[template(path = "practice/meetings.html")]
struct MeetingsTpl {
    page: Page,
    city: bool,
    meetings: Vec<meeting::Meeting>,
    /// Selected practices, and whether each is ticked.
    candidates: Vec<(RowView, bool)>,
    form: MeetingForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
struct MeetingForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    held_on: String,
}

async fn meetings_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    form: MeetingForm,
    chosen: Vec<i64>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let city = practice::is_city(&u.actor);
    let candidates = if city {
        rows(tr, practice::selected(&state.db, &u.actor).await?)
            .into_iter()
            .map(|r| {
                let ticked = chosen.contains(&r.id);
                (r, ticked)
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut flash = Flash {
        ok: flash.ok.clone(),
        err: flash.err.clone(),
        ..Flash::default()
    };
    if !errors.is_empty() {
        flash.err = Some("practice.not_saved".to_owned());
    }
    render(MeetingsTpl {
        page: Page::signed_in(tr, u, &flash),
        city,
        meetings: if u.actor.has_permission(Permission::PracticeManage) {
            meeting::list(&state.db, &u.actor).await?
        } else {
            Vec::new()
        },
        candidates,
        form,
        errors,
    })
}

async fn meetings_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    meetings_view(
        &state,
        tr,
        &u,
        &q.flash(),
        MeetingForm::default(),
        Vec::new(),
        FieldErrors::new(),
    )
    .await
}

fn field(form: &[(String, String)], key: &str) -> String {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

async fn create_meeting(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = MeetingForm {
        title: field(&f, "title"),
        place: field(&f, "place"),
        held_on: field(&f, "held_on"),
    };
    let chosen = crate::kit::form::ids(&f, "practice");
    match meeting::create(
        &state.db,
        &u.actor,
        &form.title,
        &form.place,
        &form.held_on,
        &chosen,
    )
    .await
    {
        Ok(id) => Ok(crate::kit::flash::ok(
            &format!("/practices/meetings/{id}"),
            "practice.meeting_saved",
        )),
        Err(e) => {
            let errors = match xieshang_core::practice::Meeting::parse(
                &form.title,
                &form.place,
                &form.held_on,
            ) {
                Err(list) => FieldErrors::from_core(list),
                Ok(_) => FieldErrors::or_error(e)?,
            };
            meetings_view(&state, tr, &u, &Flash::default(), form, chosen, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "practice/meeting.html")]
struct MeetingTpl {
    page: Page,
    m: meeting::Meeting,
    rows: Vec<RowView>,
}

async fn meeting_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (m, list) = meeting::get(&state.db, &u.actor, id).await?;
    render(MeetingTpl {
        page: Page::signed_in(tr, &u, &q.flash()),
        m,
        rows: rows(tr, list),
    })
}

// ---------------------------------------------------------------- booklets

struct BookletView {
    id: i64,
    title: String,
    state: &'static str,
    done: i64,
    total: i64,
    when: String,
}

fn booklet_view(tr: Tr, b: &booklet::Booklet) -> BookletView {
    BookletView {
        id: b.id,
        title: b.title.clone(),
        state: i18n::known(&format!("booklet.state.{}", b.state)).unwrap_or("booklet.state.queued"),
        done: b.done,
        total: b.total,
        when: format_time(tr.lang, b.created_at),
    }
}

struct Pick {
    row: RowView,
    chapter: String,
    order: String,
}

#[derive(Template)]
#[template(path = "practice/booklets.html")]
struct BookletsTpl {
    page: Page,
    city: bool,
    booklets: Vec<BookletView>,
    picks: Vec<Pick>,
    form: BookletForm,
    errors: FieldErrors,
}

#[derive(Default, Clone)]
struct BookletForm {
    title: String,
    body: String,
    issued_on: String,
    chapters: String,
}

async fn booklets_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    form: BookletForm,
    typed: &[(String, String)],
    errors: FieldErrors,
) -> AppResult<Response> {
    let city = practice::is_city(&u.actor);
    let (list, selected) = if city {
        (
            booklet::list(&state.db, &u.actor).await?,
            practice::selected(&state.db, &u.actor).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let picks = rows(tr, selected)
        .into_iter()
        .map(|row| Pick {
            chapter: field(typed, &format!("chapter_{}", row.id)),
            order: field(typed, &format!("order_{}", row.id)),
            row,
        })
        .collect();
    let mut flash = Flash {
        ok: flash.ok.clone(),
        err: flash.err.clone(),
        ..Flash::default()
    };
    if !errors.is_empty() {
        flash.err = Some("practice.not_saved".to_owned());
    }
    render(BookletsTpl {
        page: Page::signed_in(tr, u, &flash),
        city,
        booklets: list.iter().map(|b| booklet_view(tr, b)).collect(),
        picks,
        form,
        errors,
    })
}

async fn booklets_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let form = BookletForm {
        body: tr.t("booklet.default_body").to_owned(),
        issued_on: xieshang_core::calendar::cst_date(state.db.now_ms())
            .format("%Y-%m-%d")
            .to_string(),
        ..BookletForm::default()
    };
    booklets_view(&state, tr, &u, &q.flash(), form, &[], FieldErrors::new()).await
}

async fn create_booklet(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = BookletForm {
        title: field(&f, "title"),
        body: field(&f, "body"),
        issued_on: field(&f, "issued_on"),
        chapters: field(&f, "chapters"),
    };
    let picks: Vec<(i64, String, String)> = f
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("chapter_")?.parse::<i64>().ok()?;
            Some((id, v.clone(), field(&f, &format!("order_{id}"))))
        })
        .collect();
    let raw = RawBooklet {
        title: &form.title,
        body: &form.body,
        issued_on: &form.issued_on,
        chapters: &form.chapters,
        picks: picks
            .iter()
            .map(|(id, c, o)| (*id, c.as_str(), o.as_str()))
            .collect(),
    };
    match booklet::create(&state.db, &u.actor, &raw).await {
        Ok(id) => Ok(crate::kit::flash::ok(
            &format!("/booklets/{id}"),
            "booklet.queued",
        )),
        Err(e) => {
            let errors = match xieshang_core::practice::Booklet::parse(&raw) {
                Err(list) => FieldErrors::from_core(list),
                Ok(_) => FieldErrors::or_error(e)?,
            };
            booklets_view(&state, tr, &u, &Flash::default(), form, &f, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "practice/booklet.html")]
struct BookletTpl {
    page: Page,
    b: BookletView,
    body: String,
    issued_on: String,
    ready: bool,
    busy: bool,
    failure: String,
    size: String,
    chapters: Vec<(String, Vec<booklet::Item>)>,
}

async fn booklet_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let b = booklet::get(&state.db, &u.actor, id).await?;
    render(BookletTpl {
        page: Page::signed_in(tr, &u, &q.flash()),
        chapters: booklet::contents(&state.db, id).await?,
        ready: b.state == "ready",
        busy: matches!(b.state.as_str(), "queued" | "generating"),
        failure: b.failure.clone().unwrap_or_default(),
        size: if b.size < 1_048_576 {
            format!("{} KB", (b.size + 1023) / 1024)
        } else {
            format!("{:.1} MB", b.size as f64 / 1_048_576.0)
        },
        body: b.body.clone(),
        issued_on: b.issued_on.clone(),
        b: booklet_view(tr, &b),
    })
}

async fn regenerate(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    match booklet::regenerate(&state.db, &u.actor, id).await {
        Ok(()) => Ok(crate::kit::flash::ok(
            &format!("/booklets/{id}"),
            "booklet.queued",
        )),
        Err(xieshang_store::Error::Invalid { key, .. }) => {
            Ok(crate::kit::flash::err(&format!("/booklets/{id}"), key))
        }
        Err(e) => Err(e.into()),
    }
}

async fn booklet_pdf(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (b, bytes) = booklet::file(&state.db, &u.actor, id).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"booklet-{}.pdf\"", b.id),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
