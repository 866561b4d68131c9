//! The organisation tree's pages: the tree, a unit, creating, renaming, moving
//! and archiving units.

use crate::kit::auth::{CsrfForm, CurrentUser, UiLang};
use crate::kit::error::AppResult;
use crate::kit::flash;
use crate::kit::form::FieldErrors;
use crate::kit::page::{kind_label, render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use xieshang_core::{OrgKind, Permission};
use xieshang_store::org;

/// The organisation tree's routes.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get(
        "/orgs",
        Needs(Permission::OrgView, Target::None),
        get(orgs_page),
    )
    .get(
        "/orgs/{id}",
        Needs(Permission::OrgView, Target::Org),
        get(org_page),
    )
    .post(
        "/orgs/{id}/children",
        Needs(Permission::OrgManage, Target::Org),
        post(org_create),
    )
    .post(
        "/orgs/{id}/rename",
        Needs(Permission::OrgManage, Target::Org),
        post(org_rename),
    )
    .post(
        "/orgs/{id}/move",
        Needs(Permission::OrgManage, Target::Org),
        post(org_move),
    )
    .post(
        "/orgs/{id}/archive",
        Needs(Permission::OrgManage, Target::Org),
        post(org_archive),
    )
    // h-locate begin
    .post(
        "/orgs/{id}/point",
        Needs(Permission::OrgManage, Target::Org),
        post(org_point),
    )
    // h-locate end
}

// ---------------------------------------------------------------- organisations

struct NodeView {
    id: i64,
    depth: usize,
    name: String,
    kind: &'static str,
    archived: bool,
}

#[derive(Template)]
#[template(path = "org/orgs.html")]
struct OrgsTpl {
    page: Page,
    nodes: Vec<NodeView>,
}

async fn orgs_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let tree = org::tree(&state.db, &u.actor, flash.archived.as_deref() == Some("1")).await?;
    let nodes = tree
        .into_iter()
        .map(|(depth, o)| NodeView {
            id: o.id,
            depth: depth.min(5),
            kind: kind_label(tr, o.kind),
            archived: o.archived_at.is_some(),
            name: o.name,
        })
        .collect();
    render(OrgsTpl {
        page: Page::signed_in(tr, &u, &flash),
        nodes,
    })
}

struct ParentView {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "org/org.html")]
struct OrgTpl {
    page: Page,
    org: org::Org,
    kind: &'static str,
    parent: Option<ParentView>,
    children: Vec<NodeView>,
    can_manage: bool,
    child_kinds: Vec<(&'static str, &'static str)>,
    parents: Vec<(i64, String, bool)>,
    /// The unit's scores and roster are the viewer's to open.
    can_people: bool,
    /// The unit's service page is the viewer's to open.
    can_area: bool,
    /// A refused form's fields as typed (empty when none was refused).
    form: OrgForm,
    errors: FieldErrors,
    // h-locate begin
    /// The unit's representative point as shown ("34.659000"), when it
    /// has one; whether it is a kind that has one (street, community, grid).
    point: Option<(String, String)>,
    has_point: bool,
    // h-locate end
}

/// Every field of the unit page's forms, as typed (kept when one is refused).
/// The forms share the names `name` and `code`; `which` says which form was
/// sent, so that its fields are the ones filled again.
#[derive(Deserialize, Default, Clone)]
struct OrgForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    parent_id: Option<i64>,
    // h-locate begin
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    // h-locate end
    /// "create", "rename", "move" or "point"; empty for a page not sent back.
    #[serde(skip)]
    which: &'static str,
}

async fn org_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    org_view(
        &state,
        tr,
        &u,
        id,
        &flash,
        OrgForm::default(),
        FieldErrors::new(),
    )
    .await
}

/// The unit page, with a refused form's fields and their errors.
async fn org_view(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    flash: &Flash,
    form: OrgForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let o = org::get(&state.db, &u.actor, Permission::OrgView, id).await?;
    let parent = match o.parent_id {
        Some(p) => org::get(&state.db, &u.actor, Permission::OrgView, p)
            .await
            .ok()
            .map(|p| ParentView {
                id: p.id,
                name: p.name,
            }),
        None => None,
    };
    let children = org::children(&state.db, &u.actor, id)
        .await?
        .into_iter()
        .map(|c| NodeView {
            id: c.id,
            depth: 0,
            kind: kind_label(tr, c.kind),
            archived: c.archived_at.is_some(),
            name: c.name,
        })
        .collect();
    let can_manage = u.actor.check(Permission::OrgManage, &o.path).is_ok();
    let (child_kinds, parents) = if can_manage {
        let kinds = o
            .kind
            .allowed_children()
            .iter()
            .map(|k| (k.code(), kind_label(tr, *k)))
            .collect();
        let parents = org::manageable(&state.db, &u.actor)
            .await?
            .into_iter()
            .filter(|p| p.kind.may_hold(o.kind) && !p.path.is_within(&o.path))
            .map(|p| {
                (
                    p.id,
                    p.name,
                    Some(p.id)
                        == form
                            .parent_id
                            .filter(|_| form.which == "move")
                            .or(o.parent_id),
                )
            })
            .collect();
        (kinds, parents)
    } else {
        (Vec::new(), Vec::new())
    };
    let kind = kind_label(tr, o.kind);
    // Only links the viewer may follow (issue 26: the committee's page led
    // to pages that answered 404).
    let can_people = u.actor.check(Permission::UserView, &o.path).is_ok();
    let can_area = xieshang_store::search::area::check(&state.db, &u.actor, o.id)
        .await
        .is_ok();
    // h-locate begin
    let has_point = org::point::has_point(o.kind);
    let point = if has_point {
        org::point::point_of(&state.db, o.id)
            .await?
            .map(|p| (format!("{:.6}", p.lat()), format!("{:.6}", p.lng())))
    } else {
        None
    };
    // h-locate end
    render(OrgTpl {
        point,
        has_point,
        page: Page::signed_in(tr, u, flash),
        form,
        errors,
        can_people,
        can_area,
        org: o,
        kind,
        parent,
        children,
        can_manage,
        child_kinds,
        parents,
    })
}

/// After one of the unit page's forms: back to the page with "saved", or the
/// page again with the form as typed and the refused field marked (`id` maps
/// the store's field to the element that shows it).
async fn after_form<T>(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    form: OrgForm,
    result: Result<T, xieshang_store::Error>,
    field_id: impl Fn(&str) -> &'static str,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(flash::ok(&format!("/orgs/{id}"), "common.saved")),
        Err(e) => match FieldErrors::refused_as(&e, field_id) {
            Some(errors) => org_view(state, tr, u, id, &Flash::default(), form, errors).await,
            None => Err(e.into()),
        },
    }
}

/// The create form's element for a field the store names.
fn create_field(field: &str) -> &'static str {
    match field {
        "code" => "new-code",
        "kind" => "kind",
        // The name, or the parent (archived) the form cannot change.
        _ => "new-name",
    }
}

async fn org_create(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(mut f): CsrfForm<OrgForm>,
) -> AppResult<Response> {
    f.which = "create";
    // Access to the unit was checked by the route before a bad kind is told.
    let result = match OrgKind::parse(&f.kind) {
        Some(kind) => org::create(&state.db, &u.actor, id, kind, &f.code, &f.name)
            .await
            .map(|_| ()),
        None => Err(xieshang_store::Error::field(
            "kind",
            "err.org_kind",
            "unknown kind",
        )),
    };
    after_form(&state, tr, &u, id, f, result, create_field).await
}

async fn org_rename(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(mut f): CsrfForm<OrgForm>,
) -> AppResult<Response> {
    f.which = "rename";
    let result = org::rename(&state.db, &u.actor, id, &f.name).await;
    after_form(&state, tr, &u, id, f, result, |_| "name").await
}

async fn org_move(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(mut f): CsrfForm<OrgForm>,
) -> AppResult<Response> {
    f.which = "move";
    let parent = f.parent_id.unwrap_or_default();
    let result = org::move_to(&state.db, &u.actor, id, parent).await;
    after_form(&state, tr, &u, id, f, result, |_| "parent").await
}

// h-locate begin
/// Sets or clears a street's, community's or grid's representative point
/// (decision 0049). Both coordinates or neither; each wrong one is marked
/// beside its box and the form comes back as typed.
async fn org_point(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(mut f): CsrfForm<OrgForm>,
) -> AppResult<Response> {
    f.which = "point";
    match xieshang_core::org::point::Point::parse_form(&f.lat, &f.lng) {
        Ok(p) => {
            let result = org::point::set_point(&state.db, &u.actor, id, p).await;
            after_form(&state, tr, &u, id, f, result, |_| "lat").await
        }
        Err(problems) => {
            let mut errors = FieldErrors::new();
            for (field, e) in problems {
                errors.add(
                    if field == "lng" { "lng" } else { "lat" },
                    crate::kit::i18n::known(e.key).unwrap_or("err.bad_input"),
                );
            }
            org_view(&state, tr, &u, id, &Flash::default(), f, errors).await
        }
    }
}
// h-locate end

#[derive(Deserialize)]
struct ArchiveForm {
    archived: String,
}

async fn org_archive(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ArchiveForm>,
) -> AppResult<Response> {
    let archived = f.archived == "1";
    flash::after(
        &format!("/orgs/{id}"),
        org::set_archived(&state.db, &u.actor, id, archived)
            .await
            .map(|_| ()),
    )
}
