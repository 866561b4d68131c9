//! A body's own settings for its consultations (issue 28, points 1 and 4):
//! its list of kinds, its rules of time in working days, and its annual
//! consultation plan, on one page for its staff.

use super::{bodies, kind_name, refusal, FlashQ};
use crate::kit::auth::{CsrfForm, CurrentUser, UiLang};
use crate::kit::error::AppResult;
use crate::kit::flash::{self, Msg};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::Tr;
use crate::kit::page::{render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Datelike;
use serde::Deserialize;
use xieshang_core::Permission;
use xieshang_store::consult::{self, rules};

/// The settings routes.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    let manage = || Needs(Permission::ConsultationManage, Target::None);
    r.get("/consultations/settings", manage(), get(page))
        .post("/consultations/settings/kinds", manage(), post(add_kind))
        .post(
            "/consultations/settings/kinds/hide",
            manage(),
            post(hide_kind),
        )
        .post("/consultations/settings/rules", manage(), post(set_rules))
        .post(
            "/consultations/settings/rules/clear",
            manage(),
            post(clear_rules),
        )
        .post("/consultations/settings/plan", manage(), post(add_plan))
}

/// One line of the rules table.
struct RuleRow {
    /// The kind's name, or "every kind".
    kind: String,
    /// Its code ('' for every kind), for the clear button.
    code: String,
    notice: u32,
    materials: u32,
    minutes: u32,
    /// Set by the body (may be cleared), or the built-in default.
    own: bool,
}

/// What a refused form on the page had typed.
#[derive(Deserialize, Default, Clone)]
struct Kept {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    notice_days: String,
    #[serde(default)]
    materials_days: String,
    #[serde(default)]
    minutes_days: String,
    #[serde(default)]
    quarter: String,
    #[serde(default)]
    topic: String,
}

#[derive(Template)]
#[template(path = "consult/settings.html")]
struct SettingsTpl {
    page: Page,
    units: Vec<(i64, String)>,
    org: i64,
    year: i64,
    years: Vec<i64>,
    kinds: Vec<(String, String)>,
    rules: Vec<RuleRow>,
    plan: Vec<(i64, i64, String, Option<i64>)>,
    errors: FieldErrors,
    kept: Kept,
}

/// The page's query (strings: numbers do not pass through a flattened
/// struct from a URL-encoded form).
#[derive(Deserialize, Default)]
struct PageQuery {
    org: Option<String>,
    year: Option<String>,
    #[serde(flatten)]
    flash: FlashQ,
}

fn this_year(state: &AppState) -> i64 {
    chrono::DateTime::from_timestamp_millis(state.db.now_ms() + 8 * 3_600_000)
        .map_or(2026, |t| i64::from(t.year()))
}

#[allow(clippy::too_many_arguments)]
async fn view(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    org: Option<i64>,
    year: Option<i64>,
    flash: &Flash,
    errors: FieldErrors,
    kept: Kept,
) -> AppResult<Response> {
    let units = bodies(state, tr, u).await?;
    let org = org
        .filter(|o| units.iter().any(|(id, _)| id == o))
        .or_else(|| units.first().map(|u| u.0))
        .unwrap_or(0);
    let now_year = this_year(state);
    let year = year
        .filter(|y| (now_year - 5..=now_year + 1).contains(y))
        .unwrap_or(now_year);
    let (kinds, rules, plan) = if org == 0 {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let unit =
            xieshang_store::org::get(&state.db, &u.actor, Permission::ConsultationManage, org)
                .await?;
        let kinds: Vec<(String, String)> = consult::kinds(&state.db, org)
            .await?
            .into_iter()
            .map(|k| {
                let name = kind_name(tr, &k.code, k.name.as_deref());
                (k.code, name)
            })
            .collect();
        let own = rules::own(&state.db, org).await?;
        let mut rows = Vec::new();
        // Every kind without a rule of its own: the body's, else the default
        // for the unit (as for a kind not named grassroots).
        let all = own.iter().find(|r| r.kind.is_empty());
        let base = all.map_or_else(|| rules::rules_for("", unit.kind), |r| r.rules);
        rows.push(RuleRow {
            kind: tr.t("consult.rules_every_kind").to_owned(),
            code: String::new(),
            notice: base.notice_days,
            materials: base.materials_days,
            minutes: base.minutes_days,
            own: all.is_some(),
        });
        for (code, name) in &kinds {
            let r = rules::effective(&state.db, org, code, unit.kind).await?;
            let is_own = own.iter().any(|o| &o.kind == code);
            if is_own || r != base {
                rows.push(RuleRow {
                    kind: name.clone(),
                    code: code.clone(),
                    notice: r.notice_days,
                    materials: r.materials_days,
                    minutes: r.minutes_days,
                    own: is_own,
                });
            }
        }
        let plan = consult::plans(&state.db, &u.actor, year)
            .await?
            .into_iter()
            .filter(|(o, _, _)| *o == org)
            .map(|(_, _, p)| (p.id, p.quarter, p.topic, p.consultation_id))
            .collect();
        (kinds, rows, plan)
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let refused;
    let flash = if errors.is_empty() {
        flash
    } else {
        refused = Flash {
            err: errors.summary().first().map(|(_, k)| (*k).to_owned()),
            ..Flash::default()
        };
        &refused
    };
    let mut res = render(SettingsTpl {
        page: Page::signed_in(tr, u, flash),
        units,
        org,
        year,
        years: (now_year - 5..=now_year + 1).rev().collect(),
        kinds,
        rules,
        plan,
        errors,
        kept,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

async fn page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    view(
        &state,
        tr,
        &u,
        q.org.and_then(|o| o.parse().ok()),
        q.year.and_then(|y| y.parse().ok()),
        &q.flash.flash(),
        FieldErrors::new(),
        Kept::default(),
    )
    .await
}

/// A settings form: the body it is for, and what was typed.
#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    code: String,
    #[serde(flatten)]
    kept: Kept,
}

impl SettingsForm {
    fn org(&self) -> i64 {
        self.org.trim().parse().unwrap_or(0)
    }

    fn year(&self) -> Option<i64> {
        self.year.trim().parse().ok()
    }
}

fn back(org: i64, year: Option<i64>, anchor: &str) -> String {
    match year {
        Some(y) => format!("/consultations/settings?org={org}&year={y}#{anchor}"),
        None => format!("/consultations/settings?org={org}#{anchor}"),
    }
}

/// The store's answer to a settings form: back to the page, or the page again
/// with the refusal at its field and what was typed.
async fn answer(
    state: &AppState,
    tr: Tr,
    u: &CurrentUser,
    f: SettingsForm,
    anchor: &str,
    r: xieshang_store::Result<()>,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(flash::back(
            &back(f.org(), f.year(), anchor),
            Msg::Ok("common.saved"),
        )),
        Err(e) => match refusal(&e) {
            Some((field, key)) => {
                let mut errors = FieldErrors::new();
                errors.add(field, key);
                view(
                    state,
                    tr,
                    u,
                    Some(f.org()),
                    f.year(),
                    &Flash::default(),
                    errors,
                    f.kept,
                )
                .await
            }
            None => Err(e.into()),
        },
    }
}

async fn add_kind(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> AppResult<Response> {
    let r = consult::add_kind(&state.db, &u.actor, f.org(), &f.kept.name)
        .await
        .map(|_| ());
    answer(&state, tr, &u, f, "kinds", r).await
}

async fn hide_kind(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> AppResult<Response> {
    let r = consult::hide_kind(&state.db, &u.actor, f.org(), &f.code).await;
    answer(&state, tr, &u, f, "kinds", r).await
}

/// A number of working days as typed; anything else asks for 0 to 60.
fn days(s: &str, field: &'static str) -> xieshang_store::Result<u32> {
    s.trim().parse().map_err(|_| {
        xieshang_store::Error::field(
            field,
            "err.rule_days",
            "a rule asks for 0 to 60 working days",
        )
    })
}

async fn set_rules(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> AppResult<Response> {
    let typed = (|| {
        Ok::<_, xieshang_store::Error>(rules::TimeRules {
            notice_days: days(&f.kept.notice_days, "notice_days")?,
            materials_days: days(&f.kept.materials_days, "materials_days")?,
            minutes_days: days(&f.kept.minutes_days, "minutes_days")?,
        })
    })();
    let r = match typed {
        Ok(t) => rules::set(&state.db, &u.actor, f.org(), &f.kept.kind, t).await,
        Err(e) => Err(e),
    };
    answer(&state, tr, &u, f, "rules", r).await
}

async fn clear_rules(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> AppResult<Response> {
    let r = rules::clear(&state.db, &u.actor, f.org(), &f.code).await;
    answer(&state, tr, &u, f, "rules", r).await
}

async fn add_plan(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> AppResult<Response> {
    let year = f.year().unwrap_or_else(|| this_year(&state));
    let r = consult::plan_add(
        &state.db,
        &u.actor,
        f.org(),
        year,
        f.kept.quarter.trim().parse().unwrap_or(0),
        &f.kept.topic,
    )
    .await
    .map(|_| ());
    answer(&state, tr, &u, f, "plan", r).await
}
