//! A form that comes back with errors: which fields are wrong and why, for the
//! template to mark each field beside it (`aria-invalid`, `aria-describedby`
//! pointing at the message) and to list the messages at the top. Every form
//! that can be refused uses it the same way; it holds no field's value (the
//! handler hands its form back as it was).
//!
//! In a template, for a field `title`:
//!
//! ```text
//! <input id="title" name="title" value="{{ form.title }}"{{ errors.attrs("title")|safe }}>
//! {% if let Some(m) = errors.of("title") %}<p class="field-error" id="title-error">{{ page.tr.t(m) }}</p>{% endif %}
//! ```
//!
//! and at the top `{% for (field, m) in errors.summary() %}…<a href="#{{ field }}">`.

/// The wrong fields of a form: (field id, message key), in the form's order.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    list: Vec<(&'static str, &'static str)>,
}

impl FieldErrors {
    /// No errors.
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// Marks `field` (its element id) wrong with the message `key` (an i18n
    /// key); a field keeps its first message.
    pub fn add(&mut self, field: &'static str, key: &'static str) {
        if !self.list.iter().any(|(f, _)| *f == field) {
            self.list.push((field, key));
        }
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The message key of a wrong field.
    pub fn of(&self, field: &str) -> Option<&'static str> {
        self.list.iter().find(|(f, _)| *f == field).map(|(_, k)| *k)
    }

    /// The attributes that mark a wrong field and link its message (empty for
    /// a field that is fine). Field ids are the handler's own constants, so
    /// the text is safe to put into the tag unescaped.
    pub fn attrs(&self, field: &str) -> String {
        match self.of(field) {
            Some(_) => format!(r#" aria-invalid="true" aria-describedby="{field}-error""#),
            None => String::new(),
        }
    }

    /// As [`FieldErrors::attrs`], for a page that repeats a form (one per
    /// body): the element's id is `{field}-{n}` and its message's
    /// `{field}-{n}-error`.
    pub fn attrs_at(&self, field: &str, n: impl std::fmt::Display) -> String {
        match self.of(field) {
            Some(_) => format!(r#" aria-invalid="true" aria-describedby="{field}-{n}-error""#),
            None => String::new(),
        }
    }

    /// The field the store refused, marked with its message (an unknown key
    /// shows as `err.bad_input`); None for an error that is not a refusal
    /// of input.
    pub fn refused(e: &xieshang_store::Error) -> Option<FieldErrors> {
        match e {
            xieshang_store::Error::Invalid { field, key, .. } => {
                let mut errors = FieldErrors::new();
                errors.add(
                    field,
                    crate::kit::i18n::known(key).unwrap_or("err.bad_input"),
                );
                Some(errors)
            }
            _ => None,
        }
    }

    /// The field the store refused, or the error itself when it is not a
    /// refusal of input (the handler's `?` turns that into its page).
    pub fn or_error(e: xieshang_store::Error) -> crate::kit::error::AppResult<FieldErrors> {
        match FieldErrors::refused(&e) {
            Some(errors) => Ok(errors),
            None => Err(e.into()),
        }
    }

    /// Every wrong field of a core check, each with its message (an unknown
    /// key shows as `err.bad_input`).
    pub fn from_core(list: xieshang_core::concern::FieldErrors) -> FieldErrors {
        FieldErrors::from_core_renamed(list, |f| f)
    }

    /// As [`FieldErrors::from_core`], with the core's field names mapped to
    /// the form's element ids where they differ.
    pub fn from_core_renamed(
        list: xieshang_core::concern::FieldErrors,
        id: impl Fn(&'static str) -> &'static str,
    ) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for (field, e) in list {
            errors.add(
                id(field),
                crate::kit::i18n::known(e.key).unwrap_or("err.bad_input"),
            );
        }
        errors
    }

    /// As [`FieldErrors::refused`], for a page with several forms whose
    /// element ids differ from the store's field names: `id` maps the store's
    /// field to the element that shows it (a field the form does not have
    /// goes to the form's first field, which `id` returns for it).
    pub fn refused_as(
        e: &xieshang_store::Error,
        id: impl Fn(&str) -> &'static str,
    ) -> Option<FieldErrors> {
        match e {
            xieshang_store::Error::Invalid { field, key, .. } => {
                let mut errors = FieldErrors::new();
                errors.add(
                    id(field),
                    crate::kit::i18n::known(key).unwrap_or("err.bad_input"),
                );
                Some(errors)
            }
            _ => None,
        }
    }

    /// (field id, message key) of every wrong field, for the summary.
    pub fn summary(&self) -> &[(&'static str, &'static str)] {
        &self.list
    }
}

/// The numbers a form sent under `key` (a multiple choice: ticked units),
/// in order; what is not a number is left out.
pub fn ids(form: &[(String, String)], key: &str) -> Vec<i64> {
    form.iter()
        .filter(|(k, _)| k == key)
        .filter_map(|(_, v)| v.parse().ok())
        .collect()
}

use crate::kit::state::AppState;
use xieshang_store::concern::photo::Photo;

/// Photos chosen on a form that came back (an error, or similar concerns
/// shown first), held here for the retry under an opaque token that the form
/// carries in a hidden field, so the person need not choose them again. Kept
/// in memory for half an hour (the TTL map), at most a few hundred forms'.
struct KeptPhotos(xieshang_store::ttl::TtlMap<String, std::sync::Arc<Vec<Photo>>>);

fn held(state: &AppState) -> std::sync::Arc<KeptPhotos> {
    state.db.shared(|| {
        KeptPhotos(xieshang_store::ttl::TtlMap::new(
            std::time::Duration::from_secs(30 * 60),
            500,
        ))
    })
}

/// Keeps photos for a retry; the token for the form's hidden field.
pub(crate) fn keep_photos(state: &AppState, photos: Vec<Photo>) -> String {
    let token = xieshang_store::secret::random_code(xieshang_store::secret::READABLE, 24);
    held(state)
        .0
        .insert(token.clone(), std::sync::Arc::new(photos));
    token
}

/// The photos kept under a form's token, if still held.
pub(crate) fn kept_photos(state: &AppState, token: &str) -> Option<Vec<Photo>> {
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    held(state).0.get(token).map(|p| (*p).clone())
}

/// Checks and re-encodes uploaded photos off the async threads, on the parsing
/// pool (never the password-hashing one); a bad one is a field error for the
/// form, with its own message when it has too many pixels.
pub(crate) async fn photos_from(
    state: &AppState,
    files: Vec<crate::kit::auth::Upload>,
) -> crate::kit::error::AppResult<Result<Vec<Photo>, &'static str>> {
    let files: Vec<crate::kit::auth::Upload> =
        files.into_iter().filter(|f| f.field == "photos").collect();
    if files.len() > xieshang_store::concern::photo::MAX_PHOTOS {
        return Ok(Err("err.photo_count"));
    }
    if files.iter().any(|f| f.oversize) {
        return Ok(Err("err.photo"));
    }
    let result = state
        .parsing(move || {
            files
                .iter()
                .map(|f| xieshang_store::concern::photo::process(&f.bytes))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(result.map_err(|e| match e {
        xieshang_store::Error::Invalid { key, .. } => {
            crate::kit::i18n::known(key).unwrap_or("err.photo")
        }
        _ => "err.photo",
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_field_marked_wrong_is_found_with_its_message() {
        let mut e = super::FieldErrors::default();
        assert!(e.of("lead").is_none());
        e.add("lead", "err.lead");
        assert_eq!(e.of("lead"), Some("err.lead"));
        assert_eq!(e.of("departments"), None);
    }

    use super::FieldErrors;

    #[test]
    fn a_refusal_is_marked_on_the_element_that_shows_the_field() {
        let e = xieshang_store::Error::field("code", "err.org_code", "bad code");
        let errors = FieldErrors::refused_as(&e, |f| match f {
            "code" => "new-code",
            _ => "new-name",
        })
        .unwrap();
        assert_eq!(errors.of("new-code"), Some("err.org_code"));
        assert_eq!(errors.of("code"), None);
        assert!(FieldErrors::refused_as(&xieshang_store::Error::NotFound, |_| "x").is_none());
    }

    #[test]
    fn a_wrong_field_is_marked_and_linked_to_its_message() {
        let mut e = FieldErrors::new();
        assert!(e.is_empty());
        assert_eq!(e.attrs("title"), "");
        e.add("title", "err.intake.title");
        e.add("title", "err.too_long");
        e.add("photos", "err.photo");
        assert_eq!(e.of("title"), Some("err.intake.title"));
        assert_eq!(
            e.attrs("title"),
            r#" aria-invalid="true" aria-describedby="title-error""#
        );
        assert_eq!(e.attrs("phone"), "");
        assert_eq!(
            e.attrs_at("title", 7),
            r#" aria-invalid="true" aria-describedby="title-7-error""#
        );
        assert_eq!(e.attrs_at("phone", 7), "");
        assert_eq!(
            e.summary(),
            &[("title", "err.intake.title"), ("photos", "err.photo")]
        );
    }
}
