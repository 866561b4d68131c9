//! The page kit every feature's pages share: the frame (`Page`), the message
//! keys passed back after a form (`Flash`), rendering, and the labels, times and
//! choices several features show.

use crate::kit::auth::CurrentUser;
use crate::kit::error::{AppError, AppResult};
use crate::kit::i18n::{self, Lang, Tr};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use xieshang_core::{Actor, OrgKind, Permission, Role};
use xieshang_store::account::session::Session;

/// What every page's frame needs.
pub(crate) struct Page {
    /// Translator.
    pub tr: Tr,
    /// Signed-in user's name.
    pub user_name: Option<String>,
    /// CSRF token for the page's forms.
    pub csrf: String,
    /// Show the organisations link.
    pub can_orgs: bool,
    /// Show the accounts link.
    pub can_users: bool,
    /// Show the concerns link.
    pub can_concerns: bool,
    /// Show the city view's link: concerns viewed over a whole city.
    pub can_city: bool,
    /// Show the link to record a concern for a resident.
    pub can_record: bool,
    /// Show the link to one's own duty shifts (members).
    pub can_duty: bool,
    /// Show the consultations link.
    pub can_consultations: bool,
    /// May call consultations (the concern page's 召集协商).
    pub can_convene: bool,
    /// Handles for a department: its agreed actions.
    pub can_actions: bool,
    /// Where the menu's opinion-reports link leads, empty for none: the
    /// office's queue for staff, the figures for leaders, one's own reports
    /// for invited informants (members reach theirs from the phone home).
    pub reports_href: &'static str,
    /// Show the democratic-supervision link: a body's staff, members (who
    /// may sit in groups) and department handlers (who answer opinions).
    pub can_supervision: bool,
    /// Show the best-practice library link (district and city staff).
    pub can_practices: bool,
    /// Show the party organisation link: a body's staff and members (who
    /// may be party members; the page says so to those who are not).
    pub can_party: bool,
    /// Show the audit log's link: those who audit somewhere (issue 33).
    pub can_audit: bool,
    /// Unread notifications for the menu's badge: empty when none, "99+"
    /// beyond the count's cap.
    pub unread: String,
    /// Error message key.
    pub error: Option<&'static str>,
    /// Notice message key.
    pub notice: Option<&'static str>,
}

/// The menu's opinion-reports link for `actor` ([`Page::reports_href`]).
fn reports_href(actor: &Actor) -> &'static str {
    if actor.has_permission(Permission::ReportEdit) {
        "/reports/queue"
    } else if actor.has_permission(Permission::ReportView) {
        "/reports/figures"
    } else if actor.has_permission(Permission::ReportSubmit)
        && !actor.has_role(xieshang_core::Role::Member)
    {
        "/reports/mine"
    } else {
        ""
    }
}

/// Message keys passed back after a form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Flash {
    pub(crate) err: Option<String>,
    pub(crate) ok: Option<String>,
    pub(crate) archived: Option<String>,
}

impl Page {
    pub(crate) fn new(
        tr: Tr,
        user: Option<(&Actor, &Session)>,
        csrf: String,
        flash: &Flash,
    ) -> Page {
        Page {
            tr,
            user_name: user.map(|(a, _)| a.display_name.clone()),
            csrf,
            can_orgs: user.is_some_and(|(a, _)| a.has_permission(Permission::OrgView)),
            can_users: user.is_some_and(|(a, _)| a.has_permission(Permission::UserView)),
            can_concerns: user.is_some_and(|(a, _)| a.has_permission(Permission::ConcernView)),
            can_city: user.is_some_and(|(a, _)| {
                a.scopes(Permission::ConcernView)
                    .iter()
                    .any(|p| p.depth() == 1)
            }),
            can_record: user.is_some_and(|(a, _)| a.has_permission(Permission::ConcernRecord)),
            can_duty: user.is_some_and(|(a, _)| {
                a.grants
                    .iter()
                    .any(|g| g.role == xieshang_core::Role::Member)
            }),
            can_consultations: user
                .is_some_and(|(a, _)| a.has_permission(Permission::ConsultationView)),
            can_convene: user
                .is_some_and(|(a, _)| a.has_permission(Permission::ConsultationManage)),
            can_actions: user.is_some_and(|(a, _)| a.has_permission(Permission::ConcernHandle)),
            reports_href: user.map_or("", |(a, _)| reports_href(a)),
            can_supervision: user.is_some_and(|(a, _)| {
                a.has_permission(Permission::OrgManage)
                    || a.has_role(xieshang_core::Role::Member)
                    || a.has_role(xieshang_core::Role::DepartmentHandler)
            }),
            can_practices: user.is_some_and(|(a, _)| a.has_permission(Permission::PracticeManage)),
            can_party: user.is_some_and(|(a, _)| {
                a.has_permission(Permission::OrgManage) || a.has_role(xieshang_core::Role::Member)
            }),
            can_audit: user.is_some_and(|(a, _)| a.has_permission(Permission::AuditView)),
            unread: match user.map(|(_, s)| s.unread).unwrap_or(0) {
                0 => String::new(),
                n if n >= xieshang_store::account::session::UNREAD_CAP => "99+".to_owned(),
                n => n.to_string(),
            },
            error: flash.err.as_deref().and_then(i18n::known),
            notice: flash.ok.as_deref().and_then(i18n::known),
        }
    }

    /// The versioned URL of an embedded static file (see `assets::asset`).
    pub(crate) fn asset(&self, name: &str) -> &'static str {
        crate::kit::assets::asset_url(name)
    }

    pub(crate) fn signed_in(tr: Tr, u: &CurrentUser, flash: &Flash) -> Page {
        Page::new(
            tr,
            Some((&u.actor, &u.session)),
            u.session.csrf_token.clone(),
            flash,
        )
    }
}

pub(crate) fn render(t: impl Template) -> AppResult<Response> {
    t.render()
        .map(|html| Html(html).into_response())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub(crate) fn kind_label(tr: Tr, k: OrgKind) -> &'static str {
    tr.t(&format!("kind.{}", k.code()))
}

pub(crate) fn role_label(tr: Tr, r: Role) -> &'static str {
    tr.t(&format!("role.{}", r.code()))
}

pub(crate) fn state_key(state: &str) -> &'static str {
    i18n::known(&format!("state.{state}")).unwrap_or("state.submitted")
}

/// One event of an item's timeline as a page shows it.
pub(crate) struct EventView {
    /// When.
    pub at: String,
    /// Who (their role, or the resident, the system).
    pub party: String,
    /// The action's message key.
    pub action: &'static str,
    /// The state it left, when the event changed the state (a creation or a
    /// note keeps none, so the line never reads 「Submitted → Submitted」).
    pub from: Option<&'static str>,
    /// The state it led to.
    pub state: &'static str,
    /// Its note.
    pub note: Option<String>,
}

/// The message key of `what` (`state.x`, `event.x`) for a kind whose own
/// words are under `prefix` (`proposal.`): its own if the catalog has it,
/// else the shared one.
fn kind_key(prefix: &str, what: &str, fallback: &'static str) -> &'static str {
    i18n::known(&format!("{prefix}{what}"))
        .or_else(|| i18n::known(what))
        .unwrap_or(fallback)
}

/// An item's timeline (the engine's events, oldest first) as a page shows
/// it, in the words of the kind under `prefix` where it has its own.
pub(crate) fn event_views(
    tr: Tr,
    events: Vec<xieshang_store::item::Event>,
    prefix: &str,
) -> Vec<EventView> {
    let state = |s: &str| kind_key(prefix, &format!("state.{s}"), "state.submitted");
    events
        .into_iter()
        .map(|e| EventView {
            at: format_time(tr.lang, e.at),
            party: Role::parse(&e.party)
                .map(|r| role_label(tr, r).to_owned())
                .unwrap_or_else(|| tr.t(&format!("party.{}", e.party)).to_owned()),
            action: kind_key(prefix, &format!("event.{}", e.action), "event.other"),
            from: e
                .from_state
                .as_deref()
                .filter(|f| *f != e.to_state)
                .map(state),
            state: state(&e.to_state),
            note: e.note,
        })
        .collect()
}

/// A resident's key from a query string, only if well formed (it is put back
/// into a page), else empty.
pub(crate) fn resident_key_param(key: Option<String>) -> String {
    key.map(|k| k.trim().to_uppercase())
        .filter(|k| k.len() == 16 && k.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_default()
}

/// A time in China Standard Time (UTC+8), minutes precision, as machines and
/// spreadsheets read it (`2026-12-06 19:30`): for exports, not for pages.
/// Written out by hand: chrono's format string is parsed again on every call,
/// and a page formats a time per timeline entry.
pub(crate) fn iso_time(ms: i64) -> String {
    cst(ms)
        .map(|(y, mo, d, h, mi)| format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}"))
        .unwrap_or_default()
}

/// A time in China Standard Time, minutes precision, as the interface's
/// language writes it (issue 27 point 6, decision 0031): 「2026年12月6日 19:30」
/// in Chinese, "6 Dec 2026 19:30" in English.
pub(crate) fn format_time(lang: Lang, ms: i64) -> String {
    cst(ms)
        .map(|(y, mo, d, h, mi)| format!("{} {h:02}:{mi:02}", date_in(lang, y, mo, d)))
        .unwrap_or_default()
}

/// A calendar day given as `YYYY-MM-DD` (as the store keeps duty days), as the
/// interface's language writes it; anything else is shown as it came.
pub(crate) fn format_day(lang: Lang, iso: &str) -> String {
    use chrono::Datelike;
    match chrono::NaiveDate::parse_from_str(iso.trim(), "%Y-%m-%d") {
        Ok(d) => date_in(lang, d.year(), d.month(), d.day()),
        Err(_) => iso.to_owned(),
    }
}

/// [`format_day`] for templates, which hand their values over by reference.
pub(crate) fn day_shown(tr: &Tr, iso: &str) -> String {
    format_day(tr.lang, iso)
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn date_in(lang: Lang, y: i32, mo: u32, d: u32) -> String {
    match lang {
        Lang::En => format!(
            "{d} {} {y}",
            MONTHS_EN
                .get(mo.saturating_sub(1) as usize)
                .copied()
                .unwrap_or("?")
        ),
        Lang::ZhCn | Lang::ZhTw => format!("{y}年{mo}月{d}日"),
    }
}

/// (year, month, day, hour, minute) of a time in China Standard Time.
fn cst(ms: i64) -> Option<(i32, u32, u32, u32, u32)> {
    use chrono::{Datelike, Timelike};
    let offset = chrono::FixedOffset::east_opt(8 * 3600)?;
    chrono::DateTime::from_timestamp_millis(ms).map(|t| {
        let t = t.with_timezone(&offset);
        (t.year(), t.month(), t.day(), t.hour(), t.minute())
    })
}

/// The selectable areas that pass `keep`, labelled with their whole path.
pub(crate) fn area_labels(
    areas: &[xieshang_store::concern::Area],
    keep: impl Fn(&xieshang_store::concern::Area) -> bool,
) -> Vec<(String, String)> {
    let names: std::collections::HashMap<&str, (&str, Option<&str>)> = areas
        .iter()
        .map(|a| (a.code.as_str(), (a.name.as_str(), a.parent_code.as_deref())))
        .collect();
    areas
        .iter()
        .filter(|a| a.selectable() && keep(a))
        .map(|a| {
            let mut parts = vec![a.name.as_str()];
            let mut up = a.parent_code.as_deref();
            while let Some((name, parent)) = up.and_then(|c| names.get(c)) {
                parts.push(name);
                up = *parent;
            }
            parts.reverse();
            (a.code.clone(), parts.join(" / "))
        })
        .collect()
}

/// A group of areas in a picker: the district by its everyday name (the
/// CPPCC body's name without 政协), and its options (code, label).
pub(crate) struct AreaGroup {
    /// The district's everyday name, and whether the group holds its grids.
    pub(crate) label: String,
    /// Whether these are grids (shown after the streets and communities).
    pub(crate) grids: bool,
    /// (area code, label) in tree order.
    pub(crate) options: Vec<(String, String)>,
}

/// The selectable areas that pass `keep`, grouped by district for a picker
/// that works without script: each district's streets and their communities
/// by their everyday names, then, in a group of their own, its grids for
/// those who know theirs.
pub(crate) fn area_groups(
    areas: &[xieshang_store::concern::Area],
    keep: impl Fn(&xieshang_store::concern::Area) -> bool,
) -> Vec<AreaGroup> {
    let by_code: std::collections::HashMap<&str, &xieshang_store::concern::Area> =
        areas.iter().map(|a| (a.code.as_str(), a)).collect();
    let parent = |a: &xieshang_store::concern::Area| {
        a.parent_code
            .as_deref()
            .and_then(|c| by_code.get(c).copied())
    };
    let everyday = |name: &str| name.strip_suffix("政协").unwrap_or(name).to_owned();
    let mut out: Vec<AreaGroup> = Vec::new();
    for d in areas.iter().filter(|a| a.kind == "district") {
        let mut places = Vec::new();
        let mut grids = Vec::new();
        for a in areas.iter().filter(|a| a.selectable() && keep(a)) {
            // The district above: the street's parent, or further up.
            let mut up = parent(a);
            while let Some(p) = up.filter(|p| p.kind != "district") {
                up = parent(p);
            }
            if up.map(|p| p.id) != Some(d.id) {
                continue;
            }
            match a.kind.as_str() {
                "street" => places.push((a.code.clone(), a.name.clone())),
                "community" => {
                    let street = parent(a).map(|p| p.name.as_str()).unwrap_or_default();
                    places.push((a.code.clone(), format!("{street} · {}", a.name)));
                }
                _ => {
                    let community = parent(a);
                    let street = community.and_then(parent).map(|p| p.name.as_str());
                    let label = match street {
                        Some(s) => format!("{s} · {}", a.name),
                        None => a.name.clone(),
                    };
                    grids.push((a.code.clone(), label));
                }
            }
        }
        let name = everyday(&d.name);
        if !places.is_empty() {
            out.push(AreaGroup {
                label: name.clone(),
                grids: false,
                options: places,
            });
        }
        if !grids.is_empty() {
            out.push(AreaGroup {
                label: name,
                grids: true,
                options: grids,
            });
        }
    }
    out
}

pub(crate) fn category_choices(tr: Tr) -> Vec<(&'static str, &'static str)> {
    choices(tr, |_| true)
}

/// The categories a form that asks for an area offers: not those filed at the
/// root unit (a barrier in this service is reported on the accessibility page).
pub(crate) fn area_form_categories(tr: Tr) -> Vec<(&'static str, &'static str)> {
    choices(tr, xieshang_core::concern::category::on_area_forms)
}

fn choices(
    tr: Tr,
    keep: fn(&xieshang_core::concern::category::Category) -> bool,
) -> Vec<(&'static str, &'static str)> {
    xieshang_core::concern::category::DEFAULT
        .iter()
        .filter(|c| keep(c))
        .map(|c| {
            (
                c.code,
                if tr.lang == Lang::En {
                    c.name_en
                } else {
                    i18n::static_label(tr.lang, c.name_zh)
                },
            )
        })
        .collect()
}

/// A file to download (CSV or XLSX), never cached.
/// A QR code of `url` as an SVG image to put in a page (a studio's and a
/// meeting's check-in codes): dark modules on white, at least 180 pixels a
/// side, with the standard quiet zone. The URL is built by the caller from
/// the configured public address, never from the request (decision 0026).
pub(crate) fn qr_svg(url: &str) -> AppResult<String> {
    qrcode::QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .build()
        })
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub(crate) fn download(bytes: Vec<u8>, name: &str, xlsx: bool) -> Response {
    let ctype = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    (
        [
            (axum::http::header::CONTENT_TYPE, ctype.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A stored file as a download: its media type, its name as sent
/// (percent-encoded, RFC 6266) with a plain `fallback` name, and the cache
/// rule (`private, no-store` for files behind a login).
pub(crate) fn file_response(
    file_name: &str,
    fallback: &str,
    content_type: &str,
    bytes: Vec<u8>,
    cache: &'static str,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_in_china_standard_time() {
        assert_eq!(super::iso_time(0), "1970-01-01 08:00");
        // 2026-02-14 23:59:30 UTC is the next morning in Beijing.
        assert_eq!(super::iso_time(1_771_113_570_000), "2026-02-15 07:59");
    }

    #[test]
    fn times_and_days_follow_the_language() {
        use crate::kit::i18n::Lang;
        let t = 1_771_113_570_000;
        assert_eq!(super::format_time(Lang::ZhCn, t), "2026年2月15日 07:59");
        assert_eq!(super::format_time(Lang::ZhTw, t), "2026年2月15日 07:59");
        assert_eq!(super::format_time(Lang::En, t), "15 Feb 2026 07:59");
        assert_eq!(super::format_day(Lang::En, "2026-12-06"), "6 Dec 2026");
        assert_eq!(super::format_day(Lang::ZhCn, "2026-12-06"), "2026年12月6日");
        assert_eq!(super::format_day(Lang::En, "soon"), "soon");
    }
}
