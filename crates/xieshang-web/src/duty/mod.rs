//! Member studios: staff see and generate the duty rota and swap shifts; the
//! studio shows a QR code of the check-in page; members check in on the day.

use crate::kit::auth::{CsrfForm, CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::flash::{self, Msg};
use crate::kit::form::FieldErrors;
use crate::kit::page::{render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use xieshang_core::calendar::cst_date;
use xieshang_core::Permission;
use xieshang_store::{duty::studio, Error};

/// Registers the studio and duty routes.
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get(
        "/studios",
        Needs(Permission::OrgView, Target::None),
        get(studios_page),
    )
    .post(
        "/studios",
        Needs(Permission::OrgManage, Target::None),
        post(create_studio),
    )
    .post(
        "/studios/{id}",
        Needs(Permission::OrgManage, Target::Studio),
        post(update_studio),
    )
    .get(
        "/studios/{id}",
        Needs(Permission::OrgView, Target::Studio),
        get(studio_page),
    )
    .post(
        "/studios/{id}/rota",
        Needs(Permission::OrgManage, Target::Studio),
        post(generate),
    )
    .post(
        "/studios/{id}/swap",
        Needs(Permission::OrgManage, Target::Studio),
        post(swap),
    )
    .get(
        "/units/{id}/scores",
        Needs(Permission::UserView, Target::Org),
        get(scores_page),
    )
    .post(
        "/units/{id}/rules",
        Needs(Permission::UserManage, Target::Org),
        post(set_rule),
    )
    .post(
        "/units/{id}/judging",
        Needs(Permission::UserManage, Target::Org),
        post(set_judging),
    )
    .get(
        "/units/{id}/report",
        Needs(Permission::UserView, Target::Org),
        get(report_page),
    )
    .get(
        "/units/{id}/report.xlsx",
        Needs(Permission::UserView, Target::Org),
        get(report_xlsx),
    )
    .get("/duty", SignedIn, get(duty_page))
    .get("/duty/record", SignedIn, get(own_record))
    .get("/duty/shifts.ics", SignedIn, get(shifts_ics))
    .get(
        "/users/{id}/duty",
        Needs(Permission::UserView, Target::User),
        get(member_record),
    )
    .post(
        "/users/{id}/duty",
        Needs(Permission::UserManage, Target::User),
        post(add_entry),
    )
    .post("/duty/{id}/check-in", SignedIn, post(check_in))
    .post("/duty/{id}/receptions", SignedIn, post(log_reception))
    .post("/duty/receptions", SignedIn, post(log_reception_outside))
    .post("/receptions/{id}/lead", SignedIn, post(mark_lead))
}

#[derive(Template)]
#[template(path = "duty/studios.html")]
struct StudiosTpl {
    page: Page,
    studios: Vec<(i64, String, String)>,
    /// Units where the user may set up a studio (id, label).
    units: Vec<(i64, String)>,
    weekdays: Vec<(u8, &'static str, bool)>,
    /// A refused new studio's fields as typed (empty when none was refused).
    form: StudioForm,
    errors: FieldErrors,
}

fn weekday_choices(
    tr: crate::kit::i18n::Tr,
    on: &[chrono::Weekday],
) -> Vec<(u8, &'static str, bool)> {
    (1..=7u8)
        .map(|n| {
            let set = on.iter().any(|w| w.number_from_monday() == u32::from(n));
            (n, tr.t(&format!("weekday.{n}")), set)
        })
        .collect()
}

async fn studios_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    studios_view(&state, tr, &u, &flash, None).await
}

/// The studios page; `kept` is a refused new studio's form and what was wrong.
async fn studios_view(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    flash: &Flash,
    kept: Option<(StudioForm, FieldErrors)>,
) -> AppResult<Response> {
    let areas = xieshang_store::concern::areas(&state.db).await?;
    let labels = crate::kit::page::area_labels(&areas, |a| {
        a.kind == "street" && u.actor.check(Permission::OrgManage, &a.path).is_ok()
    });
    let units = labels
        .into_iter()
        .filter_map(|(code, label)| areas.iter().find(|a| a.code == code).map(|a| (a.id, label)))
        .collect();
    let (form, errors) = kept.unwrap_or_else(|| {
        let form = StudioForm {
            wd5: Some("1".into()),
            per_day: "1".into(),
            ..StudioForm::default()
        };
        (form, FieldErrors::new())
    });
    render(StudiosTpl {
        page: Page::signed_in(tr, u, flash),
        studios: studio::list(&state.db, &u.actor).await?,
        units,
        weekdays: weekday_choices(tr, &form.weekdays()),
        form,
        errors,
    })
}

#[derive(Deserialize, Default)]
struct StudioForm {
    #[serde(default)]
    org: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    wd1: Option<String>,
    #[serde(default)]
    wd2: Option<String>,
    #[serde(default)]
    wd3: Option<String>,
    #[serde(default)]
    wd4: Option<String>,
    #[serde(default)]
    wd5: Option<String>,
    #[serde(default)]
    wd6: Option<String>,
    #[serde(default)]
    wd7: Option<String>,
    /// As typed (a number from 1 to 10).
    #[serde(default)]
    per_day: String,
    #[serde(default)]
    on_holiday: String,
    #[serde(default)]
    members: String,
}

impl StudioForm {
    fn weekdays(&self) -> Vec<chrono::Weekday> {
        use chrono::Weekday::*;
        [
            (&self.wd1, Mon),
            (&self.wd2, Tue),
            (&self.wd3, Wed),
            (&self.wd4, Thu),
            (&self.wd5, Fri),
            (&self.wd6, Sat),
            (&self.wd7, Sun),
        ]
        .into_iter()
        .filter(|(v, _)| v.is_some())
        .map(|(_, w)| w)
        .collect()
    }

    fn members(&self) -> Vec<String> {
        self.members
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// The members a day; what is not a number is refused as out of range.
    fn per_day(&self) -> i64 {
        match self.per_day.trim() {
            "" => 1,
            n => n.parse().unwrap_or(0),
        }
    }

    fn on_holiday(&self) -> xieshang_core::duty::rota::OnHoliday {
        if self.on_holiday == "skip" {
            xieshang_core::duty::rota::OnHoliday::Skip
        } else {
            xieshang_core::duty::rota::OnHoliday::NextWorkingDay
        }
    }
}

/// The field errors of a refused studio form, or the error itself.
fn studio_errors(e: Error) -> AppResult<FieldErrors> {
    FieldErrors::refused(&e).ok_or_else(|| e.into())
}

async fn create_studio(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<StudioForm>,
) -> AppResult<Response> {
    let (weekdays, members) = (f.weekdays(), f.members());
    let settings = studio::Settings {
        name: &f.name,
        weekdays: &weekdays,
        per_day: f.per_day(),
        on_holiday: f.on_holiday(),
        members: &members,
    };
    // No unit chosen reads as an unknown one (0 is no unit's id).
    let org = f.org.unwrap_or(0);
    match studio::create_by(&state.db, &u.actor, org, &settings).await {
        Ok(id) => Ok(flash::ok(&format!("/studios/{id}"), "common.saved")),
        Err(e) => {
            let errors = studio_errors(e)?;
            studios_view(&state, tr, &u, &Flash::default(), Some((f, errors))).await
        }
    }
}

async fn update_studio(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<StudioForm>,
) -> AppResult<Response> {
    let (weekdays, members) = (f.weekdays(), f.members());
    let settings = studio::Settings {
        name: &f.name,
        weekdays: &weekdays,
        per_day: f.per_day(),
        on_holiday: f.on_holiday(),
        members: &members,
    };
    match studio::update(&state.db, &u.actor, id, &settings).await {
        Ok(()) => Ok(flash::ok(&format!("/studios/{id}"), "common.saved")),
        Err(e) => {
            let errors = studio_errors(e)?;
            let q = RangeQuery::default();
            studio_view(&state, tr, &u, id, q, Some((f, errors))).await
        }
    }
}

struct ShiftView {
    id: i64,
    day: String,
    moved_from: Option<String>,
    name: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "duty/studio.html")]
struct StudioTpl {
    page: Page,
    s: studio::Studio,
    weekdays: String,
    shifts: Vec<ShiftView>,
    can_manage: bool,
    from: String,
    to: String,
    qr: String,
    check_in_url: String,
    missed: usize,
    weekday_boxes: Vec<(u8, &'static str, bool)>,
    members_text: String,
    skip_holidays: bool,
    /// The edit form's name and members a day (as typed when refused).
    name_text: String,
    per_day_text: String,
    errors: FieldErrors,
    /// Whether a reshuffle was asked for (the preview's choice).
    reshuffle: bool,
    /// What regenerating the rota would change, when staff asked for a preview.
    preview: Option<studio::RotaPlan>,
}

#[derive(Deserialize, Default)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    err: Option<String>,
    ok: Option<String>,
    /// `keep` (default) or `reshuffle`.
    mode: Option<String>,
    /// Set by the rota form: show what regenerating would change.
    preview: Option<String>,
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn fmt(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn studio_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    studio_view(&state, tr, &u, id, q, None).await
}

/// A studio's page; `kept` is a refused edit's form and what was wrong.
async fn studio_view(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    id: i64,
    q: RangeQuery,
    kept: Option<(StudioForm, FieldErrors)>,
) -> AppResult<Response> {
    let s = studio::get(&state.db, &u.actor, Permission::OrgView, id).await?;
    let today = cst_date(state.db.now_ms());
    let from = q
        .from
        .as_deref()
        .and_then(day)
        .unwrap_or_else(|| today.checked_sub_days(Days::new(28)).unwrap_or(today));
    let to =
        q.to.as_deref()
            .and_then(day)
            .unwrap_or_else(|| today.checked_add_days(Days::new(56)).unwrap_or(today));
    let shifts: Vec<ShiftView> = studio::shifts(&state.db, id, &fmt(from), &fmt(to))
        .await?
        .into_iter()
        .map(|x| {
            let past = day(&x.day).is_some_and(|d| d < today);
            ShiftView {
                id: x.id,
                moved_from: (x.planned_day != x.day).then(|| x.planned_day.clone()),
                status: match (x.checked_in_at, past) {
                    (Some(_), _) => "duty.checked_in",
                    (None, true) => "duty.missed",
                    (None, false) => "duty.upcoming",
                },
                day: x.day,
                name: x.name,
            }
        })
        .collect();
    let missed = shifts.iter().filter(|x| x.status == "duty.missed").count();
    let can_manage = u.actor.check(Permission::OrgManage, &s.path).is_ok();
    let mode = studio::Regenerate::parse(q.mode.as_deref().unwrap_or_default());
    let preview = match (&q.preview, can_manage) {
        (Some(_), true) => {
            match studio::plan(&state.db, &state.calendar, &u.actor, id, from, to, mode).await {
                Ok(p) => Some(p),
                Err(Error::Invalid { .. }) => {
                    return Ok(flash::err(&format!("/studios/{id}"), "err.rota_range"))
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    let check_in_url = format!("{}/duty", state.config.public_url());
    let qr = crate::kit::page::qr_svg(&check_in_url)?;
    let weekdays = s
        .weekdays
        .iter()
        .map(|w| tr.t(&format!("weekday.{}", w.number_from_monday())))
        .collect::<Vec<_>>()
        .join(tr.list_sep());
    let flash = Flash {
        err: q.err,
        ok: q.ok,
        archived: None,
    };
    let (weekday_boxes, members_text, skip_holidays, name_text, per_day_text, errors) = match kept {
        Some((f, errors)) => (
            weekday_choices(tr, &f.weekdays()),
            f.members,
            f.on_holiday == "skip",
            f.name,
            f.per_day,
            errors,
        ),
        None => (
            weekday_choices(tr, &s.weekdays),
            s.usernames.join("\n"),
            s.on_holiday == xieshang_core::duty::rota::OnHoliday::Skip,
            s.name.clone(),
            s.per_day.to_string(),
            FieldErrors::new(),
        ),
    };
    render(StudioTpl {
        page: Page::signed_in(tr, u, &flash),
        weekday_boxes,
        members_text,
        skip_holidays,
        name_text,
        per_day_text,
        errors,
        can_manage,
        reshuffle: mode == studio::Regenerate::Reshuffle,
        preview,
        weekdays,
        shifts,
        from: fmt(from),
        to: fmt(to),
        qr,
        check_in_url,
        missed,
        s,
    })
}

#[derive(Deserialize)]
struct GenerateForm {
    from: String,
    to: String,
    /// `keep` (default) or `reshuffle`.
    #[serde(default)]
    mode: String,
}

async fn generate(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<GenerateForm>,
) -> AppResult<Response> {
    let page = format!("/studios/{id}");
    // Access to the studio was checked by the route before a bad date is told.
    let (Some(from), Some(to)) = (day(&f.from), day(&f.to)) else {
        return Ok(flash::err(&page, "err.search.date"));
    };
    let mode = studio::Regenerate::parse(&f.mode);
    match studio::generate(&state.db, &state.calendar, &u.actor, id, from, to, mode).await {
        Ok(_) => Ok(flash::back_with(
            &page,
            Msg::Ok("common.saved"),
            &[("from", &fmt(from)), ("to", &fmt(to))],
        )),
        Err(Error::Invalid { .. }) => Ok(flash::err(&page, "err.rota_range")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct SwapForm {
    a: i64,
    b: i64,
}

async fn swap(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SwapForm>,
) -> AppResult<Response> {
    match studio::swap(&state.db, &u.actor, id, f.a, f.b).await {
        Ok(()) => Ok(flash::ok(&format!("/studios/{id}"), "common.saved")),
        Err(Error::Invalid { .. }) => Ok(flash::err(&format!("/studios/{id}"), "err.swap")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "duty/duty.html")]
struct DutyTpl {
    page: Page,
    shifts: Vec<(i64, String, String, bool, bool)>,
    /// Today's checked-in shift, where receptions are logged.
    on_duty: Option<i64>,
    /// Whether the user is a member (who may log a reception outside a shift).
    is_member: bool,
    /// The member's latest receptions, newest first.
    receptions: Vec<xieshang_store::duty::reception::Reception>,
    categories: Vec<(&'static str, &'static str)>,
    areas: Vec<(String, String)>,
    /// The tracking code of the concern just filed, for the visitor.
    filed: Option<String>,
    /// The visitor's key of that concern (shown this once).
    filed_key: String,
}

#[derive(Deserialize)]
struct DutyQuery {
    ok: Option<String>,
    err: Option<String>,
    code: Option<String>,
    key: Option<String>,
}

/// The member's own shifts; today's can be checked in to.
async fn duty_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<DutyQuery>,
) -> AppResult<Response> {
    let flash = Flash {
        ok: q.ok,
        err: q.err,
        archived: None,
    };
    let filed = q
        .code
        .filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric()) && c.len() <= 20);
    let filed_key = crate::kit::page::resident_key_param(q.key);
    let today = fmt(cst_date(state.db.now_ms()));
    let mine = studio::my_shifts(&state.db, u.actor.user_id, &today).await?;
    let on_duty = mine
        .iter()
        .find(|(x, _)| x.day == today && x.checked_in_at.is_some())
        .map(|(x, _)| x.id);
    let receptions =
        xieshang_store::duty::reception::recent(&state.db, u.actor.user_id, 20).await?;
    let shifts = mine
        .into_iter()
        .map(|(x, studio)| {
            let is_today = x.day == today;
            (
                x.id,
                crate::kit::page::day_shown(&tr, &x.day),
                studio,
                is_today,
                x.checked_in_at.is_some(),
            )
        })
        .collect();
    let areas =
        crate::kit::page::area_labels(&xieshang_store::concern::areas(&state.db).await?, |a| {
            u.actor.check(Permission::ConcernRecord, &a.path).is_ok()
        });
    let is_member = u
        .actor
        .grants
        .iter()
        .any(|g| g.role == xieshang_core::Role::Member);
    render(DutyTpl {
        page: Page::signed_in(tr, &u, &flash),
        shifts,
        on_duty,
        is_member,
        receptions,
        categories: crate::kit::page::category_choices(tr),
        areas,
        filed,
        filed_key,
    })
}

/// Text for an iCalendar property value (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// The member's coming shifts as an iCalendar file for their phone's calendar;
/// each links to the check-in page at the configured public address.
async fn shifts_ics(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
) -> AppResult<Response> {
    use axum::response::IntoResponse;
    let now = state.db.now_ms();
    let today = fmt(cst_date(now));
    let mine = studio::my_shifts(&state.db, u.actor.user_id, &today).await?;
    let base = state.config.public_url();
    let host = base
        .split_once("://")
        .map_or(base, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    let stamp = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default();
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Xieshang//duty//EN\r\nCALSCALE:GREGORIAN\r\n",
    );
    for (x, studio_name) in &mine {
        let Some(d) = day(&x.day) else { continue };
        let end = d.succ_opt().unwrap_or(d);
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:shift-{}@{}\r\nDTSTAMP:{stamp}\r\nDTSTART;VALUE=DATE:{}\r\n\
             DTEND;VALUE=DATE:{}\r\nSUMMARY:{}\r\nURL:{base}/duty\r\nEND:VEVENT\r\n",
            x.id,
            ics_text(host),
            d.format("%Y%m%d"),
            end.format("%Y%m%d"),
            ics_text(&format!("{studio_name} {}", tr.t("duty.ics_summary"))),
        ));
    }
    out.push_str("END:VCALENDAR\r\n");
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"duty.ics\"",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response())
}

#[derive(Deserialize)]
struct CheckInForm {}

async fn check_in(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(_f): CsrfForm<CheckInForm>,
) -> AppResult<Response> {
    match studio::check_in(&state.db, &u.actor, id).await {
        Ok(()) => Ok(flash::ok("/duty", "duty.checked_in")),
        Err(Error::Invalid { .. }) => Ok(flash::err("/duty", "err.check_in")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ReceptionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    matter: String,
    #[serde(default)]
    action_taken: String,
    /// "1" to turn it into a concern at once.
    #[serde(default)]
    concern: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    title: String,
}

/// Logs a visitor's matter during the member's shift, and files it as a concern
/// when asked; the visitor then follows it by the tracking code shown.
async fn log_reception(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ReceptionForm>,
) -> AppResult<Response> {
    reception(&state, &u, Some(id), f).await
}

/// The same, on a day without a shift of the member's: marked as outside a shift.
async fn log_reception_outside(
    State(state): State<AppState>,
    u: CurrentUser,
    CsrfForm(f): CsrfForm<ReceptionForm>,
) -> AppResult<Response> {
    reception(&state, &u, None, f).await
}

async fn reception(
    state: &AppState,
    u: &CurrentUser,
    shift: Option<i64>,
    f: ReceptionForm,
) -> AppResult<Response> {
    let back = |msg: Msg<'_>| Ok(flash::back("/duty", msg));
    let phone = match Some(f.phone.trim()).filter(|p| !p.is_empty()) {
        Some(p) => match xieshang_core::personal::Phone::parse(p) {
            Ok(p) => Some(p),
            Err(_) => return back(Msg::Err("err.intake.phone")),
        },
        None => None,
    };
    let wants_concern = f.concern == "1";
    let area = if wants_concern {
        if let Err(e) = xieshang_core::concern::Title::parse(&f.title) {
            return back(Msg::Err(
                crate::kit::i18n::known(e.key).unwrap_or("err.bad_input"),
            ));
        }
        match xieshang_store::concern::area_by_code(&state.db, &f.area).await? {
            Some(a) => Some(a.id),
            None => return back(Msg::Err("err.intake.area")),
        }
    } else {
        None
    };
    let sealer = state.sealer.as_deref();
    let then = match area {
        Some(area) => xieshang_store::duty::reception::FollowUp::Concern {
            area,
            category: &f.category,
            title: f.title.trim(),
        },
        None => xieshang_store::duty::reception::FollowUp::None,
    };
    let visitor = xieshang_store::duty::reception::NewReception {
        name: Some(f.name.as_str()),
        phone: phone.as_ref(),
        matter: &f.matter,
        action_taken: &f.action_taken,
    };
    let logged = match shift {
        Some(id) => {
            xieshang_store::duty::reception::log(&state.db, sealer, &u.actor, id, visitor, then)
                .await
        }
        None => {
            xieshang_store::duty::reception::log_outside_shift(
                &state.db, sealer, &u.actor, visitor, then,
            )
            .await
        }
    };
    match logged {
        Ok((_, Some(r))) => Ok(flash::back_with(
            "/duty",
            Msg::Ok("duty.filed"),
            &[("code", &r.code), ("key", &r.key)],
        )),
        Ok((_, None)) => back(Msg::Ok("common.saved")),
        Err(e) => flash::refused("/duty", e),
    }
}

#[derive(Deserialize)]
struct LeadForm {
    #[serde(default)]
    to: String,
}

/// The member marks one of their receptions, later, as a lead for a proposal
/// or an opinion report.
async fn mark_lead(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<LeadForm>,
) -> AppResult<Response> {
    let Some(to) = xieshang_store::concern::triage::ConvertTo::parse(&f.to) else {
        return Ok(flash::err("/duty", "err.bad_input"));
    };
    match xieshang_store::duty::reception::mark_lead(&state.db, &u.actor, id, to).await {
        Ok(()) => Ok(flash::ok("/duty", "reception.marked")),
        Err(e) => flash::refused("/duty", e),
    }
}

// ---------------------------------------------------------------- duty records

#[derive(Template)]
#[template(path = "duty/duty_record.html")]
struct RecordTpl {
    page: Page,
    who: String,
    year: i32,
    r: xieshang_store::duty::record::DutyRecord,
    manual: Vec<(&'static str, String, String, String, String)>,
    /// Where staff add entries (None on one's own page).
    add_to: Option<i64>,
    kinds: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i32>,
    ok: Option<String>,
    err: Option<String>,
}

fn entry_kind(kind: &str) -> &'static str {
    crate::kit::i18n::known(&format!("entry.{kind}")).unwrap_or("entry.other")
}

async fn record_page(
    state: &AppState,
    tr: crate::kit::i18n::Tr,
    u: &CurrentUser,
    q: YearQuery,
    user_id: i64,
    who: String,
    add_to: Option<i64>,
) -> AppResult<Response> {
    let this_year = chrono::Datelike::year(&cst_date(state.db.now_ms()));
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    let r = xieshang_store::duty::record::for_member(&state.db, user_id, year).await?;
    let manual = r
        .manual
        .iter()
        .map(|e| {
            (
                entry_kind(&e.kind),
                e.description.clone(),
                e.evidence.clone(),
                e.added_by.clone(),
                crate::kit::page::format_time(tr.lang, e.at),
            )
        })
        .collect();
    let flash = Flash {
        ok: q.ok,
        err: q.err,
        archived: None,
    };
    render(RecordTpl {
        page: Page::signed_in(tr, u, &flash),
        who,
        year,
        r,
        manual,
        add_to,
        kinds: xieshang_store::duty::record::ENTRY_KINDS
            .iter()
            .map(|k| (*k, tr.t(entry_kind(k))))
            .collect(),
    })
}

async fn own_record(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let who = u.actor.display_name.clone();
    record_page(&state, tr, &u, q, u.actor.user_id, who, None).await
}

/// The person's display name, if the actor holds `permission` over their home unit.
async fn person_for(
    state: &AppState,
    u: &CurrentUser,
    permission: Permission,
    id: i64,
) -> AppResult<String> {
    Ok(
        xieshang_store::account::user::get(&state.db, &u.actor, permission, id)
            .await?
            .display_name,
    )
}

async fn member_record(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let who = person_for(&state, &u, Permission::UserView, id).await?;
    let can_add = person_for(&state, &u, Permission::UserManage, id)
        .await
        .is_ok();
    record_page(&state, tr, &u, q, id, who, can_add.then_some(id)).await
}

#[derive(Deserialize)]
struct EntryForm {
    #[serde(default)]
    year: i32,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    evidence: String,
}

async fn add_entry(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EntryForm>,
) -> AppResult<Response> {
    match xieshang_store::duty::record::add_entry(
        &state.db,
        &u.actor,
        id,
        f.year,
        &f.kind,
        &f.description,
        &f.evidence,
    )
    .await
    {
        Ok(()) => Ok(flash::ok(
            &format!("/users/{id}/duty?year={}", f.year),
            "common.saved",
        )),
        Err(e) => flash::refused(&format!("/users/{id}/duty"), e),
    }
}

// ---------------------------------------------------------------- scores

#[derive(Template)]
#[template(path = "duty/scores.html")]
struct ScoresTpl {
    page: Page,
    unit: i64,
    unit_name: String,
    year: i32,
    rules: Vec<(xieshang_store::duty::scoring::Rule, &'static str)>,
    scores: Vec<(xieshang_store::duty::scoring::Score, &'static str, String)>,
    warnings: usize,
    can_edit: bool,
    /// The body judges at the year's end (otherwise pro rata).
    year_end: bool,
    /// Share of the year gone by, in per cent.
    share_pct: i64,
}

fn item_label(item: &str) -> &'static str {
    crate::kit::i18n::known(&format!("score.{item}")).unwrap_or("entry.other")
}

async fn scores_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let this_year = chrono::Datelike::year(&cst_date(state.db.now_ms()));
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    let rules = xieshang_store::duty::scoring::rules(&state.db, &u.actor, id).await?;
    let scores = xieshang_store::duty::scoring::scores(&state.db, &u.actor, id, year).await?;
    let unit = xieshang_store::org::get(&state.db, &u.actor, Permission::UserView, id).await?;
    let judging = xieshang_store::duty::scoring::judging(&state.db, &u.actor, id).await?;
    let share = xieshang_store::duty::scoring::share_of_year(year, cst_date(state.db.now_ms()));
    let warnings = scores
        .iter()
        .filter(|s| !s.below_minimum.is_empty() || !s.exit_triggers.is_empty())
        .count();
    let scores = scores
        .into_iter()
        .map(|s| {
            let mut notes: Vec<String> = s
                .below_minimum
                .iter()
                .map(|i| format!("{}{}", tr.t("score.below"), tr.t(item_label(i))))
                .collect();
            notes.extend(
                s.exit_triggers
                    .iter()
                    .map(|i| format!("{}{}", tr.t("score.exit"), tr.t(item_label(i)))),
            );
            let grade = crate::kit::i18n::known(&format!("grade.{}", s.grade))
                .unwrap_or("grade.not_competent");
            (s, grade, notes.join(tr.semicolon()))
        })
        .collect();
    let flash = Flash {
        ok: q.ok,
        err: q.err,
        archived: None,
    };
    render(ScoresTpl {
        page: Page::signed_in(tr, &u, &flash),
        unit: id,
        unit_name: unit.name,
        year,
        can_edit: u.actor.has_permission(Permission::UserManage),
        rules: rules
            .into_iter()
            .map(|r| {
                let label = item_label(&r.item);
                (r, label)
            })
            .collect(),
        scores,
        warnings,
        year_end: judging == xieshang_store::duty::scoring::Judge::YearEnd,
        share_pct: (share * 100.0).floor() as i64,
    })
}

#[derive(Deserialize)]
struct JudgingForm {
    #[serde(default)]
    judge: String,
}

/// Staff choose how the body judges a year that is not over.
async fn set_judging(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<JudgingForm>,
) -> AppResult<Response> {
    let path = format!("/units/{id}/scores");
    let Some(judge) = xieshang_store::duty::scoring::Judge::parse(&f.judge) else {
        return Ok(flash::err(&path, "err.bad_input"));
    };
    match xieshang_store::duty::scoring::set_judging(&state.db, &u.actor, id, judge).await {
        Ok(()) => Ok(flash::ok(&path, "common.saved")),
        Err(e) => flash::refused(&path, e),
    }
}

#[derive(Deserialize)]
struct RuleForm {
    item: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    cap: String,
    #[serde(default)]
    minimum: String,
    #[serde(default)]
    exit_at: String,
}

async fn set_rule(
    State(state): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RuleForm>,
) -> AppResult<Response> {
    let path = format!("/units/{id}/scores");
    let opt = |s: &str| -> Result<Option<i64>, ()> {
        let s = s.trim();
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse().map(Some).map_err(|_| ())
        }
    };
    let (Ok(points), Ok(cap), Ok(minimum), Ok(exit_at)) = (
        f.points.trim().parse::<i64>(),
        opt(&f.cap),
        opt(&f.minimum),
        opt(&f.exit_at),
    ) else {
        return Ok(flash::err(&path, "err.rule"));
    };
    match xieshang_store::duty::scoring::set_rule(
        &state.db, &u.actor, id, &f.item, points, cap, minimum, exit_at,
    )
    .await
    {
        Ok(()) => Ok(flash::ok(&path, "common.saved")),
        Err(e) => flash::refused(&path, e),
    }
}

// ---------------------------------------------------------------- annual report

/// One member's line in the annual report.
struct ReportLine {
    name: String,
    shifts: i64,
    missed: i64,
    receptions: i64,
    recorded: i64,
    followed: i64,
    /// Proposals accepted as initiator.
    proposals: i64,
    /// Accepted proposals co-signed.
    cosigned: i64,
    entries: usize,
    total: i64,
    grade: &'static str,
}

/// The figures of a unit's member group for a year, the members' lines and the
/// highlights (manual entries: speeches, research, inspections …).
async fn report_data(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
    year: i32,
) -> AppResult<(String, Vec<ReportLine>, Vec<(String, &'static str, String)>)> {
    let unit = xieshang_store::org::get(&state.db, &u.actor, Permission::UserView, id).await?;
    let scores = xieshang_store::duty::scoring::scores(&state.db, &u.actor, id, year).await?;
    let mut highlights = Vec::new();
    let lines = scores
        .into_iter()
        .map(|s| {
            for e in &s.record.manual {
                highlights.push((s.name.clone(), entry_kind(&e.kind), e.description.clone()));
            }
            ReportLine {
                shifts: s.record.shifts_attended,
                missed: s.record.shifts_missed,
                receptions: s.record.receptions,
                recorded: s.record.concerns_recorded,
                followed: s.record.concerns_followed,
                proposals: s.record.proposals_accepted,
                cosigned: s.record.proposals_cosigned,
                entries: s.record.manual.len(),
                total: s.total,
                grade: crate::kit::i18n::known(&format!("grade.{}", s.grade))
                    .unwrap_or("grade.not_competent"),
                name: s.name,
            }
        })
        .collect();
    Ok((unit.name, lines, highlights))
}

#[derive(Template)]
#[template(path = "duty/group_report.html")]
struct ReportTpl {
    page: Page,
    unit: i64,
    unit_name: String,
    year: i32,
    lines: Vec<ReportLine>,
    totals: ReportLine,
    highlights: Vec<(String, &'static str, String)>,
}

fn totals(lines: &[ReportLine]) -> ReportLine {
    ReportLine {
        name: String::new(),
        shifts: lines.iter().map(|l| l.shifts).sum(),
        missed: lines.iter().map(|l| l.missed).sum(),
        receptions: lines.iter().map(|l| l.receptions).sum(),
        recorded: lines.iter().map(|l| l.recorded).sum(),
        followed: lines.iter().map(|l| l.followed).sum(),
        proposals: lines.iter().map(|l| l.proposals).sum(),
        cosigned: lines.iter().map(|l| l.cosigned).sum(),
        entries: lines.iter().map(|l| l.entries).sum(),
        total: lines.iter().map(|l| l.total).sum(),
        grade: "",
    }
}

/// The year asked for (2000–2100), or the current one in China time.
fn report_year(state: &AppState, q: &YearQuery) -> i32 {
    let this_year = chrono::Datelike::year(&cst_date(state.db.now_ms()));
    q.year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year)
}

/// The member group's annual report to the standing committee, printable.
async fn report_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    let year = report_year(&state, &q);
    let (unit_name, lines, highlights) = report_data(&state, &u, id, year).await?;
    render(ReportTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        unit: id,
        unit_name,
        year,
        totals: totals(&lines),
        lines,
        highlights,
    })
}

/// The same report as a spreadsheet.
async fn report_xlsx(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let year = report_year(&state, &q);
    let (unit_name, lines, highlights) = report_data(&state, &u, id, year).await?;
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(tr.t("report.group_sheet")).map_err(err)?;
    sheet
        .write_string_with_format(
            0,
            0,
            format!("{unit_name} {year} {}", tr.t("report.group_title")),
            &bold,
        )
        .map_err(err)?;
    let heads = [
        "studio.member",
        "record.shifts_attended",
        "record.shifts_missed",
        "record.receptions",
        "record.concerns_recorded",
        "record.concerns_followed",
        "score.proposal_accepted",
        "score.proposal_cosigned",
        "record.manual",
        "score.total",
        "score.grade",
    ];
    for (i, h) in heads.iter().enumerate() {
        sheet
            .write_string_with_format(2, i as u16, tr.t(h), &bold)
            .map_err(err)?;
    }
    let all = totals(&lines);
    let mut row = 3u32;
    for l in lines.iter().chain(std::iter::once(&all)) {
        let name = if l.name.is_empty() {
            tr.t("report.totals").to_owned()
        } else {
            l.name.clone()
        };
        sheet.write_string(row, 0, name).map_err(err)?;
        let figures = [
            l.shifts,
            l.missed,
            l.receptions,
            l.recorded,
            l.followed,
            l.proposals,
            l.cosigned,
            l.entries as i64,
            l.total,
        ];
        for (i, v) in figures.iter().enumerate() {
            sheet
                .write_number(row, i as u16 + 1, *v as f64)
                .map_err(err)?;
        }
        if !l.grade.is_empty() {
            sheet.write_string(row, 10, tr.t(l.grade)).map_err(err)?;
        }
        row += 1;
    }
    row += 1;
    sheet
        .write_string_with_format(row, 0, tr.t("report.highlights"), &bold)
        .map_err(err)?;
    for (who, kind, what) in &highlights {
        row += 1;
        sheet.write_string(row, 0, who).map_err(err)?;
        sheet.write_string(row, 1, tr.t(kind)).map_err(err)?;
        sheet.write_string(row, 2, what).map_err(err)?;
    }
    let bytes = book.save_to_buffer().map_err(err)?;
    Ok(crate::kit::page::download(
        bytes,
        &format!("member-group-{year}.xlsx"),
        true,
    ))
}
