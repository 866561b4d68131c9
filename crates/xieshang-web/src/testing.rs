//! For tests that walk every page of the route table (accessibility in
//! Chromium, page weight): the path of each page type filled with a sample
//! record of the demo city (`xieshang_store::testing::route_samples`), and the
//! page types no walk can open, with the reason and where they are checked.

use crate::kit::routes::Target;
use std::collections::BTreeMap;

/// Page types of the route table that a walk does not open, each with why
/// and where it is checked instead.
pub const NOT_WALKED: [(&str, &str); 4] = [
    (
        "/password/reset",
        "needs a token: empty_lists_forms_with_errors_and_the_reset_page_pass_the_engine",
    ),
    (
        "/proposals/{id}/replies/{reply}/file",
        "a file download, not a page",
    ),
    ("/study/{id}/files/{file}", "a file download, not a page"),
    (
        "/practices/{id}/files/{file}",
        "a file download, not a page",
    ),
];

/// Whether a page type is one of [`NOT_WALKED`].
pub fn not_walked(path: &str) -> bool {
    NOT_WALKED.iter().any(|(p, _)| *p == path)
}

/// A page type's path with its sample record, or None when the demo city
/// holds none (or the page needs more than one record the samples name).
pub fn sample_path(
    path: &str,
    target: Target,
    ids: &BTreeMap<&'static str, i64>,
) -> Option<String> {
    if !path.contains('{') {
        return Some(path.to_owned());
    }
    let key = match target {
        Target::Org => "org",
        Target::User => "user",
        Target::Concern => "concern",
        Target::Studio => "studio",
        Target::Member => "member",
        Target::Consultation => "consultation",
        Target::Room => "room",
        Target::Proposal => "proposal",
        Target::Area => "area",
        Target::AuditEntry => "audit_entry",
        // Pages whose access is checked by the record itself.
        Target::None if path == "/reports/{id}" || path == "/reports/{id}/compare" => "report",
        Target::None if path == "/supervision/groups/{id}" => "supervision_group",
        Target::None if path == "/supervision/opinions/{id}" => "supervision_opinion",
        Target::None if path == "/supervision/public/{code}" => {
            return Some(path.replace("{code}", "weiyang"));
        }
        Target::None if path == "/party/units/{id}" => "party_unit",
        Target::None if path == "/party/meetings/{id}" => "party_meeting",
        Target::None if path == "/party/members/{id}" => "party_member",
        Target::None if path == "/units/{id}/consultations" => "consultation_body",
        Target::None if path == "/units/{id}/proposals" => "proposal_body",
        Target::None if path == "/units/{id}/proposals/{proposal}" => {
            let (body, p) = (ids.get("proposal_body")?, ids.get("public_proposal")?);
            return Some(format!("/units/{body}/proposals/{p}"));
        }
        Target::None if path == "/study/{id}" => "material",
        Target::None if path == "/study/topics/{id}" => "topic",
        Target::None if path == "/practices/{id}" => "practice",
        Target::None if path == "/practices/meetings/{id}" => "practice_meeting",
        Target::None if path == "/booklets/{id}" => "booklet",
        Target::None => return None,
    };
    let id = ids.get(key)?;
    let filled = path.replace("{id}", &id.to_string());
    (!filled.contains('{')).then_some(filled)
}
