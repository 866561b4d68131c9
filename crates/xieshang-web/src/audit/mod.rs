//! The audit log, readable (issue 33 point 5): a list filtered by who, the
//! kind of record, a unit and a period, newest first, a page at a time by id;
//! one row with its before and after side by side; the same list as CSV; and
//! the chain's last daily check. Rows come from the store masked and within
//! the reader's scope (`xieshang_store::audit::view`).

use crate::kit::auth::{CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::form::FieldErrors;
use crate::kit::i18n::Tr;
use crate::kit::page::{format_time, iso_time, render, Flash, Page};
use crate::kit::routes::{Access, Routes, Target};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use xieshang_core::Permission;
use xieshang_store::audit::check::{self, Check};
use xieshang_store::audit::view::{self, Filter, Shown, ENTITIES};
use xieshang_store::audit::Verdict;

/// The audit routes: for those who audit (administrators, a body's staff
/// and leaders over their subtree).
pub fn routes(r: Routes) -> Routes {
    let list = || Access::Needs(Permission::AuditView, Target::None);
    r.get("/audit", list(), get(list_page))
        .get("/audit/entries.csv", list(), get(csv_file))
        .get(
            "/audit/{id}",
            Access::Needs(Permission::AuditView, Target::AuditEntry),
            get(entry_page),
        )
}

/// Rows on a page.
const PAGE_ROWS: i64 = 50;
/// At most this many rows in a CSV file (the house's export bound).
const MAX_ROWS: i64 = 50_000;
/// A check older than this is shown as overdue (the job is daily).
const STALE_MS: i64 = 2 * 86_400_000;

/// The filters as typed (kept when refused), and the page's key.
#[derive(Deserialize, Default, Clone)]
struct AuditQuery {
    #[serde(default)]
    who: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
    /// `machine`: the CSV header is the column codes.
    #[serde(default)]
    headers: String,
}

impl AuditQuery {
    /// The filters as a query string (for the next page and the CSV link).
    fn query(&self) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        [
            ("who", &self.who),
            ("kind", &self.kind),
            ("unit", &self.unit),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// The first instant of a day `YYYY-MM-DD` in China (unix ms).
fn day_start(s: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let t = d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
    Some(t - 8 * 3_600_000)
}

/// The filter the query names, or every wrong field with its message.
async fn filter(
    state: &AppState,
    u: &CurrentUser,
    q: &AuditQuery,
) -> AppResult<Result<Filter, FieldErrors>> {
    let mut errors = FieldErrors::new();
    let mut f = Filter::default();
    let who = q.who.trim();
    if !who.is_empty() {
        if who.chars().count() > 64
            || !who
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
        {
            errors.add("who", "err.audit.who");
        } else {
            // Usernames are kept in lower case.
            f.actor_name = Some(who.to_lowercase());
        }
    }
    let kind = q.kind.trim();
    if !kind.is_empty() {
        if ENTITIES.contains(&kind) {
            f.entity = Some(kind.to_owned());
        } else {
            errors.add("kind", "err.audit.kind");
        }
    }
    let unit = q.unit.trim();
    if !unit.is_empty() {
        // A unit that does not exist and one the reader does not audit get
        // the same message: the form tells nothing of other districts.
        match xieshang_store::org::by_code_unchecked(&state.db, unit).await {
            Ok(o) if u.actor.check(Permission::AuditView, &o.path).is_ok() => {
                f.unit = Some(o.path);
            }
            Ok(_) | Err(xieshang_store::Error::NotFound) => errors.add("unit", "err.audit.unit"),
            Err(e) => return Err(e.into()),
        }
    }
    let from = q.from.trim();
    if !from.is_empty() {
        match day_start(from) {
            Some(t) => f.from = Some(t),
            None => errors.add("from", "err.audit.date"),
        }
    }
    let to = q.to.trim();
    if !to.is_empty() {
        match day_start(to) {
            // "to" includes the whole day.
            Some(t) => f.until = Some(t + 86_400_000),
            None => errors.add("to", "err.audit.date"),
        }
    }
    if let (Some(a), Some(b)) = (f.from, f.until) {
        if a >= b {
            errors.add("to", "err.audit.range");
        }
    }
    let before = q.before.trim();
    if !before.is_empty() {
        match before.parse::<i64>() {
            Ok(id) if id > 0 => f.before_id = Some(id),
            _ => return Err(AppError::BadRequest("before: a row id".into())),
        }
    }
    Ok(if errors.is_empty() {
        Ok(f)
    } else {
        Err(errors)
    })
}

/// One row of the list.
struct RowView {
    id: i64,
    at: String,
    who: String,
    action: String,
    kind: String,
    record: String,
    unit: String,
}

/// A kind of record by its name in the interface's language; a kind with no
/// name yet shows its code.
fn kind_label(tr: Tr, kind: &str) -> String {
    match crate::kit::i18n::known(&format!("audit.entity.{kind}")) {
        Some(key) => tr.t(key).to_owned(),
        None => kind.to_owned(),
    }
}

fn row_view(tr: Tr, s: &Shown) -> RowView {
    RowView {
        id: s.row.id,
        at: format_time(tr.lang, s.row.at),
        who: s.row.actor_name.clone(),
        action: s.row.action.clone(),
        kind: kind_label(tr, &s.row.entity),
        record: s.row.entity_id.clone(),
        unit: s
            .unit_name
            .as_deref()
            .map(|n| tr.label(n).into_owned())
            .unwrap_or_default(),
    }
}

/// The chain's last check as the page shows it.
struct CheckView {
    /// `ok`, `broken`, or `none` (never checked).
    state: &'static str,
    at: String,
    stale: bool,
    /// Rows checked, the first bad row and why: for those who audit a whole
    /// tree only (the chain is the whole system's).
    detail: String,
}

fn check_view(tr: Tr, last: Option<Check>, now: i64, whole: bool) -> CheckView {
    match last {
        None => CheckView {
            state: "none",
            at: String::new(),
            stale: true,
            detail: String::new(),
        },
        Some(c) => {
            let (state, detail) = match &c.verdict {
                Verdict::Ok { rows } => ("ok", format!("{rows}")),
                Verdict::Broken { row_id, reason } => ("broken", format!("#{row_id}: {reason}")),
            };
            CheckView {
                state,
                at: format_time(tr.lang, c.checked_at),
                stale: now - c.checked_at > STALE_MS,
                detail: if whole { detail } else { String::new() },
            }
        }
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListTpl {
    page: Page,
    q: AuditQuery,
    errors: FieldErrors,
    /// Each kind of record: its code and its name in the interface's language.
    kinds: Vec<(&'static str, String)>,
    rows: Vec<RowView>,
    /// The next page's link, empty on the last.
    next: String,
    /// The filters as the CSV link carries them.
    query: String,
    check: CheckView,
}

async fn list_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let whole = u
        .actor
        .scopes(Permission::AuditView)
        .iter()
        .any(|p| p.depth() == 1);
    let check = check_view(tr, check::last(&state.db).await?, state.db.now_ms(), whole);
    let (rows, next, errors) = match filter(&state, &u, &q).await? {
        Ok(f) => {
            let mut rows = view::list(&state.db, &u.actor, &f, PAGE_ROWS + 1).await?;
            let more = rows.len() as i64 > PAGE_ROWS;
            rows.truncate(PAGE_ROWS as usize);
            let next = match rows.last() {
                Some(last) if more => {
                    let query = q.query();
                    let sep = if query.is_empty() { "" } else { "&" };
                    format!("/audit?{query}{sep}before={}", last.row.id)
                }
                _ => String::new(),
            };
            (
                rows.iter().map(|s| row_view(tr, s)).collect(),
                next,
                FieldErrors::new(),
            )
        }
        Err(errors) => (Vec::new(), String::new(), errors),
    };
    let refused = !errors.is_empty();
    let res = render(ListTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        query: q.query(),
        q,
        errors,
        kinds: ENTITIES.iter().map(|k| (*k, kind_label(tr, k))).collect(),
        rows,
        next,
        check,
    })?;
    Ok(if refused {
        (StatusCode::UNPROCESSABLE_ENTITY, res).into_response()
    } else {
        res
    })
}

/// One field of a row: its before and after, side by side.
struct FieldView {
    name: String,
    before: String,
    after: String,
    changed: bool,
}

/// A JSON value as a cell shows it: a text as itself, anything else as JSON.
fn cell(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The fields of a before and an after (both masked already): the keys of
/// both objects, the before's first; a value that is no object is one field.
fn fields(before: Option<&str>, after: Option<&str>) -> Vec<FieldView> {
    let parse = |s: Option<&str>| s.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
    let (b, a) = (parse(before), parse(after));
    let objects = |v: &Option<serde_json::Value>| v.as_ref().is_none_or(|v| v.is_object());
    if objects(&b) && objects(&a) {
        let empty = serde_json::Map::new();
        let bm = b.as_ref().and_then(|v| v.as_object()).unwrap_or(&empty);
        let am = a.as_ref().and_then(|v| v.as_object()).unwrap_or(&empty);
        let mut keys: Vec<&String> = bm.keys().collect();
        keys.extend(am.keys().filter(|k| !bm.contains_key(*k)));
        keys.into_iter()
            .map(|k| FieldView {
                name: k.clone(),
                before: cell(bm.get(k)),
                after: cell(am.get(k)),
                changed: bm.get(k) != am.get(k),
            })
            .collect()
    } else {
        vec![FieldView {
            name: String::new(),
            before: cell(b.as_ref()),
            after: cell(a.as_ref()),
            changed: b != a,
        }]
    }
}

#[derive(Template)]
#[template(path = "audit/entry.html")]
struct EntryTpl {
    page: Page,
    row: RowView,
    fields: Vec<FieldView>,
    hash: String,
    prev_hash: String,
}

async fn entry_page(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = view::get(&state.db, &u.actor, Permission::AuditView, id).await?;
    render(EntryTpl {
        page: Page::signed_in(tr, &u, &Flash::default()),
        fields: fields(s.row.before_json.as_deref(), s.row.after_json.as_deref()),
        hash: s.row.hash.clone(),
        prev_hash: s.row.prev_hash.clone(),
        row: row_view(tr, &s),
    })
}

/// The CSV's columns: their codes (`?headers=machine`); `audit.col.<code>`
/// labels them in the interface's language.
const COLUMNS: [&str; 9] = [
    "id",
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "unit",
    "before",
    "after",
];

async fn csv_file(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    let machine = match q.headers.as_str() {
        "" | "labels" => false,
        "machine" => true,
        h => {
            return Err(AppError::BadRequest(format!(
                "headers={h}: use labels or machine"
            )))
        }
    };
    let mut f = match filter(&state, &u, &q).await? {
        Ok(f) => f,
        // The page's form refuses them with their messages first.
        Err(_) => {
            return Err(AppError::BadRequest(
                "a filter of the audit log is wrong".into(),
            ))
        }
    };
    let mut w = crate::kit::csv::Csv::new();
    if machine {
        w.row(COLUMNS)?;
    } else {
        w.row(COLUMNS.map(|c| tr.t(&format!("audit.col.{c}"))))?;
    }
    // A thousand at a time by id, up to the bound.
    let mut left = MAX_ROWS;
    while left > 0 {
        let rows = view::list(&state.db, &u.actor, &f, left.min(1_000)).await?;
        let Some(last) = rows.last() else { break };
        f.before_id = Some(last.row.id);
        left -= rows.len() as i64;
        let done = (rows.len() as i64) < 1_000;
        for s in rows {
            let unit = s
                .unit_name
                .as_deref()
                .map(|n| tr.label(n).into_owned())
                .unwrap_or_default();
            w.row([
                s.row.id.to_string(),
                iso_time(s.row.at),
                s.row.actor_name,
                s.row.action,
                s.row.entity,
                s.row.entity_id,
                unit,
                s.row.before_json.unwrap_or_default(),
                s.row.after_json.unwrap_or_default(),
            ])?;
        }
        if done {
            break;
        }
    }
    let bytes = w.finish()?;
    Ok(crate::kit::page::download(bytes, "audit.csv", false))
}

#[cfg(test)]
mod tests {
    #[test]
    fn before_and_after_line_up_by_field() {
        let f = super::fields(
            Some(r#"{"name":"甲","phone":"138****1234"}"#),
            Some(r#"{"name":"乙","phone":"138****1234","note":"x"}"#),
        );
        let got: Vec<(&str, &str, &str, bool)> = f
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.before.as_str(),
                    f.after.as_str(),
                    f.changed,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("name", "甲", "乙", true),
                ("phone", "138****1234", "138****1234", false),
                ("note", "", "x", true),
            ]
        );
        let one = super::fields(Some(r#""submitted""#), Some(r#""confirmed""#));
        assert_eq!(
            (one[0].before.as_str(), one[0].after.as_str()),
            ("submitted", "confirmed")
        );
    }
}
