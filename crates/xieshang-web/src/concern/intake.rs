//! The one intake service: the resident's form, the recorders' form, the JSON
//! API and Open311 all hand their fields to [`file_concern`], which parses them
//! with `xieshang_core::concern::NewConcern::parse` (every field's error at
//! once) and records the concern through the store's group commit.

use crate::kit::state::AppState;
use serde::Deserialize;
use utoipa::ToSchema;
use xieshang_store::concern::{self, NewConcern};
use xieshang_store::item::By;

/// The intake body. Name and phone are optional personal data: sealed at rest,
/// shown masked, never published.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    /// A category code from `/api/v1/categories`.
    #[schema(example = "road")]
    pub(crate) category: String,
    /// An area code from `/api/v1/areas` (ignored for a category filed at the
    /// root unit, such as `accessibility`).
    #[schema(example = "yanliang-guanshan-g01")]
    pub(crate) area: String,
    /// 1 to 100 characters, no control characters.
    #[schema(min_length = 1, max_length = 100, example = "学校门口道路破损")]
    pub(crate) title: String,
    /// 1 to 4,000 characters (`xieshang_core::concern::DESCRIPTION_MAX`).
    #[schema(
        min_length = 1,
        max_length = 4000,
        example = "路面塌陷，学生上下学不安全"
    )]
    pub(crate) description: String,
    /// At most 200 characters.
    #[schema(max_length = 200)]
    pub(crate) address: Option<String>,
    /// WGS84 latitude; give lng too.
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub(crate) lat: Option<f64>,
    /// WGS84 longitude; give lat too.
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub(crate) lng: Option<f64>,
    /// The resident's name (sealed, shown masked, never published).
    #[serde(default)]
    #[schema(max_length = 50)]
    pub(crate) name: Option<String>,
    /// A mobile (11 digits) or landline number (sealed, shown masked).
    #[serde(default)]
    #[schema(example = "13800001234")]
    pub(crate) phone: Option<String>,
    /// Answers to the category's questions, checked JSON (Open311 attributes).
    #[serde(skip)]
    pub(crate) attributes: Option<String>,
    /// The API key filing it.
    #[serde(skip)]
    pub(crate) api_key_id: Option<i64>,
    /// A unit chosen by the caller instead of `area` (Open311 without an
    /// address_id files at the jurisdiction).
    #[serde(skip)]
    pub(crate) org_id: Option<i64>,
}

/// Field errors of an intake: the field, and the message's key (for pages)
/// and English text (for the API).
pub(crate) type FieldErrors = xieshang_core::concern::FieldErrors;

/// Validates an intake and records it; the tracking code, or the field errors.
/// Shared by the API and the public form.
pub(crate) async fn file_concern(
    state: &AppState,
    intake: &Intake,
    channel: &str,
    by: By<'_>,
    photos: &[xieshang_store::concern::photo::Photo],
) -> Result<Result<concern::Recorded, FieldErrors>, xieshang_store::Error> {
    use xieshang_core::concern::{optional, Address, Position, RawConcern, ReporterName};
    let raw = RawConcern {
        category: &intake.category,
        title: &intake.title,
        description: &intake.description,
        address: intake.address.as_deref(),
        lat: intake.lat,
        lng: intake.lng,
        name: intake.name.as_deref(),
        phone: intake.phone.as_deref(),
    };
    let parsed = xieshang_core::concern::NewConcern::parse(&raw);
    let mut errors: FieldErrors = parsed.as_ref().err().cloned().unwrap_or_default();
    // What needs this server or the database: the personal-data key, the area.
    let personal = optional(raw.name).is_some()
        || optional(raw.phone).is_some_and(|p| xieshang_core::personal::Phone::parse(p).is_ok());
    let sealer = state.sealer.as_deref();
    if personal && sealer.is_none() {
        errors.push((
            "phone",
            xieshang_core::values::invalid(
                "err.intake.phone",
                "this server has no personal-data key, so name and phone cannot be kept",
            ),
        ));
    }
    // A barrier in this service goes to the root unit whatever the area or
    // unit given, by every way in (form, API, Open311).
    let at_root = parsed.as_ref().is_ok_and(|c| c.category.at_root);
    let area = match intake.org_id {
        _ if at_root => concern::root_unit(&state.db).await?,
        Some(id) => Some(id),
        None => state.area_id(&intake.area).await?,
    };
    if area.is_none() {
        errors.push((
            "area",
            xieshang_core::values::invalid(
                "err.intake.area",
                "unknown area code (see /api/v1/areas)",
            ),
        ));
    }
    let (Ok(c), Some(area)) = (parsed, area.filter(|_| errors.is_empty())) else {
        return Ok(Err(errors));
    };
    let reporter = sealer.map(|sealer| concern::NewReporter {
        sealer,
        name: c.name.as_ref().map(ReporterName::as_str),
        phone: c.phone.as_ref(),
    });
    let new = NewConcern {
        org_id: area,
        category: c.category.code,
        title: c.title.as_str(),
        description: c.description.as_str(),
        channel,
        address: c.address.as_ref().map(Address::as_str),
        position: c.position.map(Position::pair),
        reporter,
        photos,
        attributes: intake.attributes.clone(),
        api_key_id: intake.api_key_id,
    };
    // Residents' submissions go through group commit; recorders' through
    // their own transaction (their role over the area is checked there).
    let recorded = if matches!(by, By::Resident) {
        match concern::OwnedConcern::from_new(&new) {
            Ok(owned) => state.group_commit().record(owned).await,
            Err(e) => Err(e),
        }
    } else {
        concern::record_keyed(&state.db, by, new).await
    };
    // A recorder outside the area is denied (the form only offers their own).
    recorded.map(Ok)
}

// h-locate begin
/// The code of the area nearest to coordinates as a form sends them
/// (`xieshang_store::org::point::nearest`, decision 0049); None when they are
/// not a point or nothing is near enough.
pub(crate) async fn area_near(
    state: &AppState,
    lat: &str,
    lng: &str,
) -> Result<Option<String>, xieshang_store::Error> {
    let (Ok(lat), Ok(lng)) = (lat.trim().parse::<f64>(), lng.trim().parse::<f64>()) else {
        return Ok(None);
    };
    let Some(at) = xieshang_core::org::point::Point::new(lat, lng) else {
        return Ok(None);
    };
    Ok(xieshang_store::org::point::nearest(&state.db, None, at)
        .await?
        .map(|a| a.code))
}
// h-locate end

/// The intake's refusals as a form's field errors: each under the element id
/// of the field it is about (coordinates under the location button, which is
/// what a person uses to give them).
pub(crate) fn form_errors(errors: &FieldErrors, into: &mut crate::kit::form::FieldErrors) {
    for (field, e) in errors {
        let id = match *field {
            "lat" | "lng" => "locate",
            f => f,
        };
        into.add(
            id,
            crate::kit::i18n::known(e.key).unwrap_or("err.bad_input"),
        );
    }
}

use xieshang_store::concern::photo::Photo;

/// Keeps photos for a retry; the token for the form's hidden field
/// ([`crate::kit::form::keep_photos`]).
pub(crate) fn keep_photos(state: &AppState, photos: Vec<Photo>) -> String {
    crate::kit::form::keep_photos(state, photos)
}

/// The photos kept under a form's token, if still held.
pub(crate) fn kept(state: &AppState, token: &str) -> Option<Vec<Photo>> {
    crate::kit::form::kept_photos(state, token)
}
