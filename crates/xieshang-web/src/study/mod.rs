//! Study and exchange (学习交流, issue 30 point 5) on the web: a member's
//! materials (due first), a material's page (opening it is recorded, a
//! member confirms it, staff read who has), staff's form to publish one,
//! and the discussion topics of the bodies one belongs to, with staff
//! hiding a post with a reason. The store's `study` module decides who may
//! do what (its routes are `SignedIn`, but for the staff's form: a material
//! or topic outside one's audience or body is not found, a member's try at a
//! staff action is 403).

use crate::kit::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang};
use crate::kit::error::AppResult;
use crate::kit::flash;
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
use xieshang_store::study::{self, Reader, Voice};
use xieshang_store::upload::MAX_BYTES;

/// This feature's routes.
pub fn routes(r: Routes) -> Routes {
    use Access::{Needs, SignedIn};
    r.get("/study", SignedIn, get(list_page))
        // The form lists the bodies and groups within the staff's scope.
        .get(
            "/study/new",
            Needs(Permission::StudyManage, Target::None),
            get(new_page),
        )
        .post(
            "/study",
            Needs(Permission::StudyManage, Target::None),
            post(create).layer(axum::extract::DefaultBodyLimit::max(
                crate::kit::auth::UPLOAD_BODY_LIMIT,
            )),
        )
        .get("/study/topics", SignedIn, get(topics_page))
        .post("/study/topics", SignedIn, post(open_topic))
        .get("/study/topics/{id}", SignedIn, get(thread_page))
        .post("/study/topics/{id}/reply", SignedIn, post(reply))
        .post("/study/posts/{id}/hide", SignedIn, post(hide))
        .get("/study/{id}", SignedIn, get(material_page))
        .post("/study/{id}/confirm", SignedIn, post(confirm))
        .get("/study/{id}/files/{file}", SignedIn, get(download))
}

fn refused_flash() -> Flash {
    Flash {
        err: Some("study.not_saved".to_owned()),
        ..Flash::default()
    }
}

// ---------------------------------------------------------------- lists

struct MineView {
    id: i64,
    title: String,
    due: String,
    overdue: bool,
    confirmed: String,
}

struct PublishedView {
    id: i64,
    title: String,
    audience: String,
    due: String,
    confirmed: i64,
    readers: i64,
}

#[derive(Template)]
#[template(path = "study/list.html")]
struct ListTpl {
    page: Page,
    mine: Vec<MineView>,
    staff: bool,
    published: Vec<PublishedView>,
}

async fn list_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let db = &state.db;
    let now = db.now_ms();
    let mine = study::mine(db, &u.actor)
        .await?
        .into_iter()
        .map(|m| MineView {
            id: m.id,
            title: m.title,
            due: format_time(tr.lang, m.due_at),
            overdue: m.confirmed_at.is_none() && m.due_at < now,
            confirmed: m
                .confirmed_at
                .map(|t| format_time(tr.lang, t))
                .unwrap_or_default(),
        })
        .collect();
    let staff = u.actor.has_permission(Permission::StudyManage);
    let published = if staff {
        study::published(db, &u.actor)
            .await?
            .into_iter()
            .map(|p| PublishedView {
                id: p.id,
                title: p.title,
                audience: p.audience_name,
                due: format_time(tr.lang, p.due_at),
                confirmed: p.confirmed,
                readers: p.readers,
            })
            .collect()
    } else {
        Vec::new()
    };
    render(ListTpl {
        page: Page::signed_in(tr, &u, &flash),
        mine,
        staff,
        published,
    })
}

// ---------------------------------------------------------------- publishing

/// A material as typed (kept when refused).
#[derive(Deserialize, Default, Clone)]
struct MaterialForm {
    #[serde(default)]
    audience: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    due_on: String,
}

#[derive(Template)]
#[template(path = "study/new.html")]
struct NewTpl {
    page: Page,
    form: MaterialForm,
    errors: FieldErrors,
    audiences: Vec<(i64, String)>,
}

async fn new_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    form: MaterialForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let flash = if errors.is_empty() {
        Flash::default()
    } else {
        refused_flash()
    };
    let audiences = study::audiences(&state.db, &u.actor)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    render(NewTpl {
        page: Page::signed_in(tr, u, &flash),
        form,
        errors,
        audiences,
    })
}

async fn new_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
) -> AppResult<Response> {
    new_view(&state, tr, &u, MaterialForm::default(), FieldErrors::new()).await
}

/// Staff publish a material: every wrong field is marked at once, the form
/// coming back as typed (a file must be chosen again: browsers do not let
/// a page refill a file field).
async fn create(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    up: CsrfUpload<MaterialForm, { MAX_BYTES }>,
) -> AppResult<Response> {
    let f = up.form;
    let today = xieshang_core::calendar::cst_date(state.db.now_ms());
    let mut errors = match xieshang_core::study::Material::parse(
        &f.title, &f.text, &f.links, &f.due_on, today,
    ) {
        Ok(_) => FieldErrors::new(),
        Err(list) => FieldErrors::from_core(list),
    };
    let audience: Option<i64> = f.audience.parse().ok();
    if audience.is_none() {
        errors.add("audience", "err.study.audience");
    }
    let mut files = Vec::new();
    for file in up.files.into_iter().filter(|x| x.field == "file") {
        if file.file_name.is_empty() && file.bytes.is_empty() && !file.oversize {
            continue; // the field left empty
        }
        let checked = if file.oversize {
            Err(study::too_large())
        } else {
            state
                .parsing(move || study::check(&file.file_name, file.bytes))
                .await?
        };
        match checked {
            Ok(c) => files.push(c),
            Err(e) => {
                if let Some(errs) = FieldErrors::refused(&e) {
                    for (field, key) in errs.summary() {
                        errors.add(field, key);
                    }
                } else {
                    return Err(e.into());
                }
            }
        }
    }
    if !errors.is_empty() {
        return new_view(&state, tr, &u, f, errors).await;
    }
    let published = study::publish(
        &state.db,
        &u.actor,
        audience.unwrap_or_default(),
        &f.title,
        &f.text,
        &f.links,
        &f.due_on,
        &files,
    )
    .await;
    match published {
        Ok(id) => Ok(flash::ok(&format!("/study/{id}"), "study.published")),
        Err(e) => match FieldErrors::refused(&e) {
            Some(errors) => new_view(&state, tr, &u, f, errors).await,
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------- a material

struct ReaderView {
    name: String,
    opened: String,
    confirmed: String,
}

struct FileView {
    id: i64,
    name: String,
    kind: String,
}

#[derive(Template)]
#[template(path = "study/material.html")]
struct MaterialTpl {
    page: Page,
    m: study::Material,
    due: String,
    published: String,
    files: Vec<FileView>,
    member: bool,
    confirmed: String,
    readers: Vec<ReaderView>,
    confirmed_count: usize,
}

async fn material_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let db = &state.db;
    let (m, reader, reading) = study::open(db, &u.actor, id).await?;
    let when = |t: Option<i64>| t.map(|t| format_time(tr.lang, t)).unwrap_or_default();
    let readers: Vec<ReaderView> = if reader == Reader::Staff {
        study::readers(db, &u.actor, id)
            .await?
            .into_iter()
            .map(|r| ReaderView {
                name: r.name,
                opened: when(r.opened_at),
                confirmed: when(r.confirmed_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    let files = study::files(db, id)
        .await?
        .into_iter()
        .map(|f| FileView {
            id: f.id,
            name: f.file_name,
            kind: f.kind.extensions()[0].to_ascii_uppercase(),
        })
        .collect();
    render(MaterialTpl {
        page: Page::signed_in(tr, &u, &flash),
        due: format_time(tr.lang, m.due_at),
        published: format_time(tr.lang, m.created_at),
        files,
        member: reader == Reader::Member,
        confirmed: when(reading.confirmed_at),
        confirmed_count: readers.iter().filter(|r| !r.confirmed.is_empty()).count(),
        readers,
        m,
    })
}

#[derive(Deserialize)]
struct Empty {}

async fn confirm(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    study::confirm(&state.db, &u.actor, id).await?;
    Ok(flash::ok(&format!("/study/{id}"), "study.confirmed_ok"))
}

async fn download(
    State(state): State<AppState>,
    u: CurrentUser,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (f, bytes) = study::file(&state.db, &u.actor, id, file_id).await?;
    let fallback = format!("study-{}.{}", f.id, f.kind.extensions()[0]);
    Ok(crate::kit::page::file_response(
        &f.file_name,
        &fallback,
        f.kind.content_type(),
        bytes,
        "private, no-store",
    ))
}

// ---------------------------------------------------------------- discussion

/// A new topic as typed.
#[derive(Deserialize, Default, Clone)]
struct TopicForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    topic_title: String,
    #[serde(default)]
    text: String,
}

struct TopicView {
    id: i64,
    title: String,
    body: String,
    opened_by: String,
    posts: i64,
    last: String,
}

#[derive(Template)]
#[template(path = "study/topics.html")]
struct TopicsTpl {
    page: Page,
    topics: Vec<TopicView>,
    forums: Vec<(i64, String)>,
    form: TopicForm,
    errors: FieldErrors,
}

async fn topics_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    flash: &Flash,
    form: TopicForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let db = &state.db;
    let topics = study::topics(db, &u.actor)
        .await?
        .into_iter()
        .map(|t| TopicView {
            id: t.id,
            title: t.title,
            body: t.body_name,
            opened_by: t.opened_by,
            posts: t.posts,
            last: format_time(tr.lang, t.last_post_at),
        })
        .collect();
    render(TopicsTpl {
        page: Page::signed_in(tr, u, flash),
        topics,
        forums: study::forums(db, &u.actor).await?,
        form,
        errors,
    })
}

async fn topics_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    topics_view(
        &state,
        tr,
        &u,
        &flash,
        TopicForm::default(),
        FieldErrors::new(),
    )
    .await
}

async fn open_topic(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<TopicForm>,
) -> AppResult<Response> {
    let body: i64 = f.body.parse().unwrap_or(0);
    match study::open_topic(&state.db, &u.actor, body, &f.topic_title, &f.text).await {
        Ok(id) => Ok(flash::ok(
            &format!("/study/topics/{id}"),
            "study.topic_opened",
        )),
        Err(e) => match FieldErrors::refused(&e) {
            Some(errors) => topics_view(&state, tr, &u, &refused_flash(), f, errors).await,
            None => Err(e.into()),
        },
    }
}

struct PostView {
    id: i64,
    author: String,
    text: String,
    when: String,
    /// "hidden by staff: reason", for a hidden post.
    hidden: String,
}

#[derive(Template)]
#[template(path = "study/thread.html")]
struct ThreadTpl {
    page: Page,
    topic: study::Topic,
    posts: Vec<PostView>,
    staff: bool,
    text: String,
    /// The post whose hide was refused, and the reason typed.
    hiding: (i64, String),
    errors: FieldErrors,
}

/// What a refused form on a thread had typed, with its errors.
#[derive(Default)]
struct Kept {
    /// The reply.
    text: String,
    /// The post whose hide was refused, and the reason typed.
    hiding: (i64, String),
    errors: FieldErrors,
}

async fn thread_view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    kept: Kept,
) -> AppResult<Response> {
    let Kept {
        text,
        hiding,
        errors,
    } = kept;
    let (topic, posts, voice) = study::thread(&state.db, &u.actor, id).await?;
    let posts = posts
        .into_iter()
        .map(|p| PostView {
            id: p.id,
            author: p.author,
            text: p.text,
            when: format_time(tr.lang, p.created_at),
            hidden: p
                .hidden
                .map(|h| {
                    format!(
                        "{}{}{}",
                        tr.t("study.hidden_by_staff"),
                        tr.colon(),
                        h.reason
                    )
                })
                .unwrap_or_default(),
        })
        .collect();
    render(ThreadTpl {
        page: Page::signed_in(tr, u, flash),
        topic,
        posts,
        staff: voice == Voice::Staff,
        text,
        hiding,
        errors,
    })
}

async fn thread_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    thread_view(&state, tr, &u, id, &flash, Kept::default()).await
}

#[derive(Deserialize)]
struct ReplyForm {
    #[serde(default)]
    text: String,
}

async fn reply(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ReplyForm>,
) -> AppResult<Response> {
    match study::reply(&state.db, &u.actor, id, &f.text).await {
        Ok(_) => Ok(flash::ok(&format!("/study/topics/{id}"), "study.replied")),
        Err(e) => match FieldErrors::refused(&e) {
            Some(errors) => {
                let kept = Kept {
                    text: f.text,
                    errors,
                    ..Kept::default()
                };
                thread_view(&state, tr, &u, id, &refused_flash(), kept).await
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
struct HideForm {
    #[serde(default)]
    reason: String,
}

async fn hide(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(post): Path<i64>,
    CsrfForm(f): CsrfForm<HideForm>,
) -> AppResult<Response> {
    match study::hide(&state.db, &u.actor, post, &f.reason).await {
        Ok(topic) => Ok(flash::ok(
            &format!("/study/topics/{topic}"),
            "study.post_hidden",
        )),
        Err(e) => match FieldErrors::refused(&e) {
            Some(errors) => {
                let topic = study::topic_of_post(&state.db, post).await?;
                let kept = Kept {
                    hiding: (post, f.reason),
                    errors,
                    ..Kept::default()
                };
                thread_view(&state, tr, &u, topic, &refused_flash(), kept).await
            }
            None => Err(e.into()),
        },
    }
}
