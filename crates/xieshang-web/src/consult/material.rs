//! A consultation's materials on the web: staff attach files (checked by
//! content on the parsing pool, bounded while they stream in: decision 0015),
//! participants and staff download them, staff publish them with the outcome,
//! and anyone reads a published one from the body's public page.

use super::{back, refused_here, DetailInput};
use crate::kit::auth::{CsrfForm, CsrfUpload, CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::Msg;
use crate::kit::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use xieshang_store::consult::material::{self, Material};

/// A material as the consultation's page lists it.
pub(super) struct MaterialView {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) file_name: String,
    /// Its kind as the page names it (`PDF`, `DOCX` …).
    pub(super) kind: String,
    /// Its size, as `1.2 MB` or `35 KB`.
    pub(super) size: String,
    pub(super) published: bool,
}

/// A size as people read it.
fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

impl From<Material> for MaterialView {
    fn from(m: Material) -> MaterialView {
        MaterialView {
            id: m.id,
            kind: m.kind.extensions()[0].to_ascii_uppercase(),
            size: size_text(m.size),
            title: m.title,
            file_name: m.file_name,
            published: m.published,
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct MaterialForm {
    #[serde(default)]
    material_title: String,
}

/// Staff attach a file: a refusal (too large, a refused type, a name that
/// does not end as its content is) comes back on the page with its message,
/// the title kept.
pub(super) async fn add(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    up: CsrfUpload<MaterialForm, { material::MAX_BYTES }>,
) -> AppResult<Response> {
    let title = up.form.material_title;
    let checked = match up.files.into_iter().find(|f| f.field == "file") {
        None => Err(xieshang_store::Error::field(
            "file",
            "err.material_missing",
            "choose the file to attach",
        )),
        Some(f) if f.oversize => Err(material::too_large()),
        Some(f) => {
            state
                .parsing(move || material::check(&f.file_name, f.bytes))
                .await?
        }
    };
    let added = match checked {
        Ok(file) => material::add(&state.db, &u.actor, id, &title, &file).await,
        Err(e) => Err(e),
    };
    match added {
        Ok(_) => Ok(back(id, Msg::Ok("consult.material_added"))),
        Err(e) => {
            let kept = DetailInput {
                material_title: title,
                ..DetailInput::default()
            };
            refused_here(&state, tr, &u, id, e, kept).await
        }
    }
}

fn file_response(m: &Material, bytes: Vec<u8>, cache: &'static str) -> Response {
    let fallback = format!("material-{}.{}", m.id, m.kind.extensions()[0]);
    crate::kit::page::file_response(&m.file_name, &fallback, m.kind.content_type(), bytes, cache)
}

/// A material, for the consultation's participants and staff (the route's
/// guard has asked; another consultation's material is not found).
pub(super) async fn download(
    State(state): State<AppState>,
    u: CurrentUser,
    Path((id, material_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (m, bytes) = material::file(&state.db, &u.actor, id, material_id).await?;
    Ok(file_response(&m, bytes, "private, no-store"))
}

#[derive(Deserialize)]
pub(super) struct PublishForm {
    #[serde(default)]
    published: String,
}

/// Staff publish a material with the outcome, or take it back.
pub(super) async fn publish(
    State(state): State<AppState>,
    u: CurrentUser,
    Path((id, material_id)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<PublishForm>,
) -> AppResult<Response> {
    let on = f.published == "1";
    material::publish(&state.db, &u.actor, id, material_id, on).await?;
    Ok(back(
        id,
        Msg::Ok(if on {
            "consult.material_published"
        } else {
            "consult.material_withdrawn"
        }),
    ))
}

/// A published material of a held consultation, for anyone (the body's
/// public page links it); any other token is not found.
pub(super) async fn public_file(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let (m, bytes) = material::public_file(&state.db, &token).await?;
    Ok(file_response(&m, bytes, "public, max-age=3600"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(super::size_text(100), "1 KB");
        assert_eq!(super::size_text(35 * 1024), "35 KB");
        assert_eq!(super::size_text(1_258_291), "1.2 MB");
    }
}
