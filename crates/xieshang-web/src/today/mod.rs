//! The member's phone home (履职通, issue 30 point 6): what waits for the member today and this week.
//!
//! One light page (no script, no images: it must open fast on a weak phone
//! in WeChat's browser) built from one store call
//! ([`xieshang_store::today::for_member`]); each section is a count, the
//! nearest few items with links, a link to the feature's own page, and an
//! empty state. It is where a member lands after logging in.

use crate::kit::auth::{CurrentUser, UiLang};
use crate::kit::error::AppResult;
use crate::kit::i18n::{self, Tr};
use crate::kit::page::{format_day, format_time, render, state_key, Flash, Page};
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use xieshang_store::today::{self, Item, Section, When};

/// This feature's routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/today", Access::SignedIn, get(today_page))
}

/// One line of a section, as the page shows it.
struct Line {
    href: String,
    title: String,
    when: String,
    /// A message key, shown translated (or empty).
    note_key: &'static str,
    /// Text shown as it is after the note (a tracking code).
    note_text: String,
}

/// One section of the page.
struct Block {
    /// Its element id.
    id: &'static str,
    /// Heading key.
    heading: &'static str,
    count: i64,
    lines: Vec<Line>,
    /// What it says when nothing waits.
    empty: &'static str,
    /// The feature's own page, and its link text's key (none until the
    /// feature has one: reports and study are built in parallel).
    all: Option<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "today/today.html")]
struct TodayTpl {
    page: Page,
    blocks: Vec<Block>,
    /// How many wait in all.
    total: i64,
}

fn when(tr: Tr, w: &When) -> String {
    match w {
        When::Day(d) => format_day(tr.lang, d),
        When::At(ms) => format_time(tr.lang, *ms),
        When::None => String::new(),
    }
}

/// A section's lines: each item's link from its id, its note as a key (`key`
/// maps the store's note to a catalog key) or as text.
fn lines(
    tr: Tr,
    s: &Section,
    href: impl Fn(&Item) -> String,
    note: impl Fn(&Item) -> (&'static str, String),
) -> Vec<Line> {
    s.items
        .iter()
        .map(|i| {
            let (note_key, note_text) = note(i);
            Line {
                href: href(i),
                title: i.title.clone(),
                when: when(tr, &i.when),
                note_key,
                note_text,
            }
        })
        .collect()
}

fn none(_: &Item) -> (&'static str, String) {
    ("", String::new())
}

/// What waits for the signed-in member today and this week.
async fn today_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
) -> AppResult<Response> {
    let t = today::for_member(&state.db, u.actor.user_id).await?;
    let block = |id, heading, s: &Section, lines, empty, all| Block {
        id,
        heading,
        count: s.count,
        lines,
        empty,
        all,
    };
    let blocks = vec![
        block(
            "today-shifts",
            "phone.shifts",
            &t.shifts,
            lines(
                tr,
                &t.shifts,
                |_| "/duty".into(),
                |i| match i.note.as_str() {
                    "checked_in" => ("duty.checked_in", String::new()),
                    "today" => ("phone.shift_today", String::new()),
                    _ => ("", String::new()),
                },
            ),
            "phone.no_shifts",
            Some(("/duty", "phone.all_shifts")),
        ),
        block(
            "today-meetings",
            "phone.meetings",
            &t.meetings,
            lines(
                tr,
                &t.meetings,
                |i| format!("/consultations/{}", i.id),
                |i| {
                    (
                        i18n::known(&format!("consult.state.{}", i.note))
                            .unwrap_or("consult.state.convened"),
                        String::new(),
                    )
                },
            ),
            "phone.no_meetings",
            Some(("/meetings", "phone.all_meetings")),
        ),
        block(
            "today-to-sign",
            "phone.to_sign",
            &t.to_sign,
            lines(tr, &t.to_sign, |i| format!("/proposals/{}", i.id), none),
            "phone.nothing_to_sign",
            Some(("/proposals/mine", "phone.all_proposals")),
        ),
        block(
            "today-to-rate",
            "phone.to_rate",
            &t.to_rate,
            lines(
                tr,
                &t.to_rate,
                |i| format!("/proposals/{}#evaluate-form", i.id),
                none,
            ),
            "phone.nothing_to_rate",
            Some(("/proposals/mine", "phone.all_proposals")),
        ),
        block(
            "today-news",
            "phone.news",
            &t.news,
            lines(
                tr,
                &t.news,
                |i| format!("/reports/{}", i.id),
                |i| (i18n::known(&i.note).unwrap_or(""), String::new()),
            ),
            "phone.no_news",
            Some(("/reports/mine", "phone.all_reports")),
        ),
        block(
            "today-readings",
            "phone.readings",
            &t.readings,
            lines(tr, &t.readings, |i| format!("/study/{}", i.id), none),
            "phone.no_readings",
            Some(("/study", "phone.all_readings")),
        ),
        block(
            "today-receptions",
            "phone.receptions",
            &t.receptions,
            lines(
                tr,
                &t.receptions,
                |_| "/duty#receptions".into(),
                |i| match i.note.as_str() {
                    "proposal_lead" => ("reception.is_proposal_lead", String::new()),
                    "opinion_report" => ("reception.is_opinion_report", String::new()),
                    "" => ("", String::new()),
                    code => ("track.code", code.to_owned()),
                },
            ),
            "phone.no_receptions",
            Some(("/duty", "phone.all_receptions")),
        ),
        block(
            "today-concerns",
            "phone.concerns",
            &t.concerns,
            lines(
                tr,
                &t.concerns,
                |i| format!("/concerns/{}", i.id),
                |i| (state_key(&i.note), String::new()),
            ),
            "phone.no_concerns",
            Some(("/my", "phone.all_concerns")),
        ),
    ];
    let total = blocks.iter().map(|b| b.count).sum();
    // What waits comes first (in the order above), the empty sections after.
    let mut blocks = blocks;
    blocks.sort_by_key(|b| b.count == 0);
    render(TodayTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        blocks,
        total,
    })
}
