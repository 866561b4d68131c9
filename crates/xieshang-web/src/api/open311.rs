//! Open311 GeoReport v2 at `/open311/v2/`: discovery, the service list (the concern
//! categories), service definitions (a category's extra questions as attributes),
//! POST requests (API key required), GET requests with the specification's filters,
//! GET one request, and tokens. Every method answers in XML and JSON (`.xml` /
//! `.json`). `jurisdiction_id` is a district's (or the city's) code. Reporters'
//! personal data is never part of a response, and GET answers only with the
//! concerns staff have taken up (`open_data::published`, decision 0017); URLs
//! start with the configured public address, never the `Host` header.
//! Arguments, errors and optional fields follow the specification's tables
//! (decision 0050): lists are comma-delimited or repeated, an unknown
//! `service_code` is 404 where it names the resource and 400 where it filters a
//! list, errors come as an array with one entry per problem, and a field the
//! product does not know is left out rather than sent empty.

use crate::kit::error::AppError;
use crate::kit::routes::{Access, Routes};
use crate::kit::state::AppState;
use crate::kit::throttle::ClientAddr;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{json, Value};
use std::collections::HashSet;
use xieshang_core::concern::category::{self, Category};
use xieshang_core::OrgPath;
use xieshang_store::account::apikey::{self, Scope};
use xieshang_store::concern::open_data::{self, PublicConcern};
use xieshang_store::item::By;
use xieshang_store::org;

/// Registers the Open311 routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/open311/v2/{file}", Access::Public, get(top))
        .api_post("/open311/v2/{file}", post(create))
        .get(
            "/open311/v2/services/{file}",
            Access::Public,
            get(definition),
        )
        .get("/open311/v2/requests/{file}", Access::Public, get(one))
        .get("/open311/v2/tokens/{file}", Access::Public, get(token))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// Splits `name.ext` into the name and the format.
fn split(file: &str) -> Result<(&str, Format), Box<Response>> {
    match file.rsplit_once('.') {
        Some((name, "xml")) => Ok((name, Format::Xml)),
        Some((name, "json")) => Ok((name, Format::Json)),
        Some(_) => Err(Box::new(refuse(
            Format::Json,
            AppError::BadRequest("format must be xml or json".into()),
        ))),
        None => Err(Box::new(refuse(Format::Json, AppError::NotFound))),
    }
}

/// A node of a response document: the same tree renders as XML or JSON.
enum Node {
    Text(String),
    /// Not known: the field is left out of an object (GeoReport v2 lets a
    /// server leave out what it does not have, and an empty XML element or a
    /// JSON null would ask clients to parse nothing).
    Null,
    Bool(bool),
    Num(f64),
    Int(i64),
    /// An object: ordered fields.
    Obj(Vec<(&'static str, Node)>),
    /// A list: each child is wrapped in the element name in XML.
    List(&'static str, Vec<Node>),
}

fn text(s: impl Into<String>) -> Node {
    Node::Text(s.into())
}

fn opt(s: Option<String>) -> Node {
    s.map(Node::Text).unwrap_or(Node::Null)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry are dropped: C0 controls but
            // tab and line breaks, and U+FFFE and U+FFFF (its `Char`
            // production; surrogates cannot occur in a Rust string).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

impl Node {
    fn json(&self) -> Value {
        match self {
            Node::Text(s) => Value::String(s.clone()),
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Num(n) => json!(n),
            Node::Int(n) => json!(n),
            Node::Obj(fields) => Value::Object(
                fields
                    .iter()
                    .filter(|(_, v)| !matches!(v, Node::Null))
                    .map(|(k, v)| ((*k).to_owned(), v.json()))
                    .collect(),
            ),
            Node::List(_, items) => Value::Array(items.iter().map(Node::json).collect()),
        }
    }

    fn xml(&self, out: &mut String) {
        match self {
            Node::Text(s) => out.push_str(&escape(s)),
            Node::Null => {}
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Num(n) => out.push_str(&n.to_string()),
            Node::Int(n) => out.push_str(&n.to_string()),
            Node::Obj(fields) => {
                for (k, v) in fields.iter().filter(|(_, v)| !matches!(v, Node::Null)) {
                    out.push_str(&format!("<{k}>"));
                    v.xml(out);
                    out.push_str(&format!("</{k}>"));
                }
            }
            Node::List(item, items) => {
                for i in items {
                    out.push_str(&format!("<{item}>"));
                    i.xml(out);
                    out.push_str(&format!("</{item}>"));
                }
            }
        }
    }
}

/// Renders a document whose XML root is `root`; in JSON the root is the node.
fn respond(format: Format, status: StatusCode, root: &str, node: Node) -> Response {
    match format {
        Format::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            node.json().to_string(),
        )
            .into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            out.push_str(&format!("<{root}>"));
            node.xml(&mut out);
            out.push_str(&format!("</{root}>"));
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
    }
}

/// 429 in the request's format, with `Retry-After`: a lookup by code shares
/// the tracking page's limit.
fn limited(format: Format, l: crate::kit::throttle::Limited) -> Response {
    refuse(format, l.into())
}

/// The application's error in Open311's format: the same status and message
/// as the JSON API gives, in an `errors` document (with `Retry-After` for a
/// rate limit).
fn refuse(format: Format, e: AppError) -> Response {
    e.log();
    let mut res = error(format, e.status(), &e.public_message());
    e.retry_after(&mut res);
    res
}

fn error(format: Format, status: StatusCode, description: &str) -> Response {
    errors(format, status, &[description.to_owned()])
}

/// Several problems at once: the specification's error document is an array,
/// one `error` per problem, each with the HTTP status as its code.
fn errors(format: Format, status: StatusCode, descriptions: &[String]) -> Response {
    // Counts only: the descriptions echo the client's values.
    tracing::info!(
        status = status.as_u16(),
        errors = descriptions.len(),
        "open311 refused"
    );
    let e = Node::List(
        "error",
        descriptions
            .iter()
            .map(|d| {
                Node::Obj(vec![
                    ("code", Node::Int(i64::from(status.as_u16()))),
                    ("description", text(d.as_str())),
                ])
            })
            .collect(),
    );
    respond(format, status, "errors", e)
}

/// A request's arguments (query string or form body) in the order sent. The
/// specification lets `service_code`, `status` and `service_request_id` be
/// "declared multiple times, comma delimited", so a key may repeat; and an
/// empty argument counts as one not given ("Optional Arguments").
struct Args(Vec<(String, String)>);

impl Args {
    /// The first non-blank value of `key`, trimmed.
    fn one(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// Every value of `key`, repeated or comma-delimited, trimmed, blanks
    /// dropped, each once in the order first given; more than [`LIST_MAX`]
    /// different values is the one error returned (decision 0050).
    fn list(&self, key: &str) -> Result<Vec<String>, String> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out: Vec<String> = Vec::new();
        for (_, v) in self.0.iter().filter(|(k, _)| k == key) {
            for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if seen.insert(item) {
                    if out.len() == LIST_MAX {
                        return Err(format!("at most {LIST_MAX} {key}"));
                    }
                    out.push(item.to_owned());
                }
            }
        }
        Ok(out)
    }
}

/// The most values one list argument (`service_code`, `status`,
/// `service_request_id`) takes: the store's bound on tracking codes.
const LIST_MAX: usize = open_data::CODES_MAX;

/// How many unknown values an error names before it says how many more.
const UNKNOWN_SHOWN: usize = 5;

/// One error for every unknown value of `key`: at most [`UNKNOWN_SHOWN`] of
/// them named (each cut by [`shown`]), then how many more, then `tail`.
fn unknown_values(key: &str, unknown: &[&String], tail: &str) -> String {
    let mut named: Vec<String> = unknown
        .iter()
        .take(UNKNOWN_SHOWN)
        .map(|c| shown(c))
        .collect();
    if unknown.len() > UNKNOWN_SHOWN {
        named.push(format!("and {} more", unknown.len() - UNKNOWN_SHOWN));
    }
    format!("{key} {} {tail}", named.join(", "))
}

/// The service codes this endpoint knows, for error messages.
fn known_codes() -> String {
    category::DEFAULT
        .iter()
        .map(|c| c.code)
        .collect::<Vec<_>>()
        .join(", ")
}

fn iso(ms: i64) -> String {
    let (Some(offset), Some(t)) = (
        chrono::FixedOffset::east_opt(8 * 3600),
        chrono::DateTime::from_timestamp_millis(ms),
    ) else {
        return String::new();
    };
    t.with_timezone(&offset)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn parse_date(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The unit named by `jurisdiction_id` (a district or the city), if given.
async fn jurisdiction(state: &AppState, q: &Args, f: Format) -> Result<Option<org::Org>, Response> {
    let Some(code) = q.one("jurisdiction_id") else {
        return Ok(None);
    };
    match org::by_code_unchecked(&state.db, code).await {
        Ok(o) if matches!(o.kind.code(), "district" | "city") && o.archived_at.is_none() => {
            Ok(Some(o))
        }
        Ok(_) | Err(xieshang_store::Error::NotFound) => Err(refuse(
            f,
            AppError::Missing(format!(
                "jurisdiction_id {} not found: give a district's code or the city's",
                shown(code)
            )),
        )),
        Err(e) => Err(internal(f, e)),
    }
}

fn internal(f: Format, e: xieshang_store::Error) -> Response {
    refuse(f, e.into())
}

fn service(c: &Category) -> Node {
    Node::Obj(vec![
        ("service_code", text(c.code)),
        ("service_name", text(c.name_zh)),
        (
            "description",
            text(format!(
                "{}（{} 个工作日内办结）",
                c.name_zh, c.service_days
            )),
        ),
        ("metadata", Node::Bool(!c.questions.is_empty())),
        ("type", text("realtime")),
        ("keywords", text(c.name_en)),
        ("group", text("民情诉求")),
    ])
}

async fn top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let q = Args(q);
    let (name, f) = match split(&file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match name {
        "discovery" => {
            let base = base_url(&state);
            let formats = Node::List("format", vec![text("text/xml"), text("application/json")]);
            let endpoint = Node::Obj(vec![
                (
                    "specification",
                    text("http://wiki.open311.org/GeoReport_v2"),
                ),
                ("url", text(format!("{base}/open311/v2"))),
                ("changeset", text("2026-11-26T00:00:00+08:00")),
                ("type", text("production")),
                ("formats", formats),
            ]);
            let doc = Node::Obj(vec![
                ("changeset", text("2026-11-26T00:00:00+08:00")),
                ("contact", text("Xieshang; ask the CPPCC office of your district")),
                ("key_service", text("API keys are issued by a body's administrator (xieshang admin api-key create)")),
                ("endpoints", Node::List("endpoint", vec![endpoint])),
            ]);
            respond(f, StatusCode::OK, "discovery", doc)
        }
        "services" => {
            if let Err(r) = jurisdiction(&state, &q, f).await {
                return r;
            }
            let list = Node::List("service", category::DEFAULT.iter().map(service).collect());
            respond(f, StatusCode::OK, "services", list)
        }
        "requests" => list_requests(&state, &q, f).await,
        _ => refuse(f, AppError::Missing("not found".into())),
    }
}

async fn definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let q = Args(q);
    let (code, f) = match split(&file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if let Err(r) = jurisdiction(&state, &q, f).await {
        return r;
    }
    let Some(c) = category::by_code(code) else {
        return refuse(
            f,
            AppError::Missing(format!(
                "service_code {} not found: known codes are {}",
                shown(code),
                known_codes()
            )),
        );
    };
    let attributes = c
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            Node::Obj(vec![
                ("variable", Node::Bool(true)),
                ("code", text(q.code)),
                ("datatype", text(q.datatype.code())),
                ("required", Node::Bool(q.required)),
                ("datatype_description", text(q.text_en)),
                ("order", Node::Int(i as i64 + 1)),
                ("description", text(q.text_zh)),
                (
                    "values",
                    Node::List(
                        "value",
                        q.values
                            .iter()
                            .map(|(k, n)| Node::Obj(vec![("key", text(*k)), ("name", text(*n))]))
                            .collect(),
                    ),
                ),
            ])
        })
        .collect();
    let doc = Node::Obj(vec![
        ("service_code", text(c.code)),
        ("attributes", Node::List("attribute", attributes)),
    ]);
    respond(f, StatusCode::OK, "service_definition", doc)
}

/// The site's public address (the configured `base_url`). Never the request's
/// `Host` header, which the client chooses.
pub(crate) fn base_url(state: &AppState) -> &str {
    state.config.public_url()
}

fn request_node(c: &PublicConcern, base: &str) -> Node {
    let cat = category::by_code(&c.category);
    let notes = c.result_note.clone().unwrap_or_else(|| {
        crate::kit::i18n::text(
            crate::kit::i18n::Lang::ZhCn,
            crate::kit::page::state_key(&c.state),
        )
        .to_owned()
    });
    Node::Obj(vec![
        ("service_request_id", text(&c.tracking_code)),
        ("status", text(if c.is_open() { "open" } else { "closed" })),
        ("status_notes", text(notes)),
        (
            "service_name",
            text(cat.map(|c| c.name_zh).unwrap_or("其他")),
        ),
        ("service_code", text(&c.category)),
        ("description", text(&c.description)),
        ("agency_responsible", opt(c.agency.clone())),
        (
            "service_notice",
            opt(cat.map(|c| format!("{} 个工作日内办结", c.service_days))),
        ),
        ("requested_datetime", text(iso(c.created_at))),
        // "For requests with status=closed, this will be the date the request
        // was closed": a reporter's later feedback does not move it.
        (
            "updated_datetime",
            text(iso(match c.resolved_at {
                Some(t) if !c.is_open() => t,
                _ => c.updated_at,
            })),
        ),
        ("expected_datetime", opt(c.deadline_at.map(iso))),
        (
            "address",
            opt(c.address.clone().or_else(|| Some(c.area.clone()))),
        ),
        // Only a unit POST takes as an address_id: not a district or the city.
        (
            "address_id",
            opt(
                matches!(c.area_kind.as_str(), "street" | "community" | "grid")
                    .then(|| c.area_code.clone()),
            ),
        ),
        // The product keeps no postal codes: left out, never guessed.
        ("zipcode", Node::Null),
        ("lat", c.lat.map(Node::Num).unwrap_or(Node::Null)),
        ("long", c.lng.map(Node::Num).unwrap_or(Node::Null)),
        (
            "media_url",
            opt(c.media_token.as_ref().map(|t| format!("{base}/photos/{t}"))),
        ),
    ])
}

const DAY_MS: i64 = 86_400_000;

/// The longest span a request list covers, as GeoReport v2 says.
const WINDOW_MS: i64 = 90 * DAY_MS;

/// The time window of a request list, never longer than 90 days whatever is
/// given (decision 0017): both dates, at most 90 days apart (a longer span is
/// refused, not cut, so a client does not take a partial list for a whole);
/// `start_date` alone, the 90 days from it; `end_date` alone, the 90 days up
/// to it; neither, the last 90 days. Returns (start, end); no end means now.
fn window(
    start: Option<i64>,
    end: Option<i64>,
    now: i64,
) -> Result<(i64, Option<i64>), &'static str> {
    match (start, end) {
        (Some(s), Some(e)) if e < s || e - s > WINDOW_MS => {
            Err("start_date to end_date must be 0 to 90 days")
        }
        (Some(s), Some(e)) => Ok((s, Some(e))),
        (Some(s), None) => Ok((s, Some(s + WINDOW_MS))),
        (None, Some(e)) => Ok((e - WINDOW_MS, Some(e))),
        (None, None) => Ok((now - WINDOW_MS, None)),
    }
}

async fn list_requests(state: &AppState, q: &Args, f: Format) -> Response {
    let within = match jurisdiction(state, q, f).await {
        Ok(j) => j.map(|o| o.path),
        Err(r) => return r,
    };
    let mut filter = open_data::Filter {
        within,
        limit: 1000,
        ..Default::default()
    };
    let ids = match q.list("service_request_id") {
        Ok(ids) => ids,
        Err(e) => return errors(f, StatusCode::BAD_REQUEST, &[e]),
    };
    if !ids.is_empty() {
        // "This overrides all other arguments" (the jurisdiction is not an
        // optional argument: it still bounds the list).
        filter.codes = ids;
    } else {
        // Every problem at once, one error each (the error document is an
        // array); the unknown codes of a list in one error. An unknown code
        // filters nothing that exists: 400, as the table of GET Service
        // Requests keeps 404 for the jurisdiction alone (decision 0050).
        let mut problems: Vec<String> = Vec::new();
        let mut list = |key: &str| {
            q.list(key).unwrap_or_else(|e| {
                problems.push(e);
                Vec::new()
            })
        };
        let (codes, wants) = (list("service_code"), list("status"));
        let unknown: Vec<&String> = codes
            .iter()
            .filter(|c| category::by_code(c).is_none())
            .collect();
        if !unknown.is_empty() {
            problems.push(unknown_values(
                "service_code",
                &unknown,
                &format!("not found: known codes are {}", known_codes()),
            ));
        }
        filter.categories = codes;
        for (key, slot) in [
            ("start_date", &mut filter.start),
            ("end_date", &mut filter.end),
        ] {
            if let Some(v) = q.one(key) {
                match parse_date(v) {
                    Some(t) => *slot = Some(t),
                    None => problems.push(format!(
                        "{key} {} is not a w3c date-time with a time zone, eg 2010-01-01T00:00:00Z",
                        shown(v)
                    )),
                }
            }
        }
        if problems.is_empty() {
            match window(filter.start, filter.end, state.db.now_ms()) {
                Ok((start, end)) => {
                    filter.start = Some(start);
                    filter.end = end;
                }
                Err(msg) => problems.push(msg.into()),
            }
        }
        let bad: Vec<&String> = wants
            .iter()
            .filter(|w| !matches!(w.as_str(), "open" | "closed"))
            .collect();
        if !bad.is_empty() {
            let tail = if bad.len() == 1 {
                "is not open or closed"
            } else {
                "are not open or closed"
            };
            problems.push(unknown_values("status", &bad, tail));
        }
        if !problems.is_empty() {
            return errors(f, StatusCode::BAD_REQUEST, &problems);
        }
        let (o, c) = (
            wants.iter().any(|w| w == "open"),
            wants.iter().any(|w| w == "closed"),
        );
        filter.open = match (o, c) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        };
    }
    match open_data::published(&state.db, &filter).await {
        Ok(list) => {
            let base = base_url(state);
            let nodes = list.iter().map(|c| request_node(c, base)).collect();
            respond(
                f,
                StatusCode::OK,
                "service_requests",
                Node::List("request", nodes),
            )
        }
        Err(e) => internal(f, e),
    }
}

async fn one(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(file): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let q = Args(q);
    let (id, f) = match split(&file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if let Err(l) = state.throttles.track(addr) {
        return limited(f, l);
    }
    let within = match jurisdiction(&state, &q, f).await {
        Ok(j) => j.map(|o| o.path),
        Err(r) => return r,
    };
    let filter = open_data::Filter {
        codes: vec![id.to_owned()],
        within,
        limit: 1,
        ..Default::default()
    };
    match open_data::published(&state.db, &filter).await {
        Ok(list) if list.is_empty() => refuse(
            f,
            AppError::Missing(format!("service_request_id {} not found", shown(id))),
        ),
        Ok(list) => {
            let base = base_url(&state);
            respond(
                f,
                StatusCode::OK,
                "service_requests",
                Node::List(
                    "request",
                    list.iter().map(|c| request_node(c, base)).collect(),
                ),
            )
        }
        Err(e) => internal(f, e),
    }
}

/// Tokens: requests get their id at once, so a token is the id itself. The
/// code is the resident's, so it answers in any state (decision 0017), but
/// only inside the jurisdiction named.
async fn token(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Path(file): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let q = Args(q);
    let (t, f) = match split(&file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if let Err(l) = state.throttles.track(addr) {
        return limited(f, l);
    }
    let within = match jurisdiction(&state, &q, f).await {
        Ok(j) => j.map(|o| o.path),
        Err(r) => return r,
    };
    let filter = open_data::Filter {
        codes: vec![t.to_owned()],
        within,
        limit: 1,
        ..Default::default()
    };
    match open_data::list(&state.db, &filter).await {
        Ok(list) => match list.first() {
            Some(c) => respond(
                f,
                StatusCode::OK,
                "service_requests",
                Node::List(
                    "request",
                    vec![Node::Obj(vec![
                        ("service_request_id", text(&c.tracking_code)),
                        ("token", text(&c.tracking_code)),
                    ])],
                ),
            ),
            None => refuse(
                f,
                AppError::Missing(format!("token {} not found", shown(t))),
            ),
        },
        Err(e) => internal(f, e),
    }
}

/// POST Service Request (form-encoded, as the specification says). What it
/// takes and leaves (decision 0050): `email`, `device_id` and `account_id`
/// are not kept (a resident here has no account, and name and phone are the
/// only personal data a concern holds), and for `email`, which a client may
/// expect to be used, the answer says so; `media_url` is not fetched (photos
/// are kept only when uploaded and checked here), and the answer says so.
async fn create(State(state): State<AppState>, Path(file): Path<String>, body: Bytes) -> Response {
    let (name, f) = match split(&file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if name != "requests" {
        return refuse(f, AppError::Missing("not found".into()));
    }
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return refuse(
            f,
            AppError::BadRequest("the body must be application/x-www-form-urlencoded".into()),
        );
    };
    let args = Args(pairs);
    let get = |k: &str| args.one(k);
    // The key first: without a good one nothing else is looked at.
    let key = match get("api_key") {
        Some(k) => match apikey::verify(&state.db, k).await {
            Ok(Some(key)) if key.allows(Scope::ConcernsCreate) => key,
            Ok(_) => {
                return refuse(
                    f,
                    AppError::NotAllowed("api_key is not valid for posting requests".into()),
                )
            }
            Err(e) => return internal(f, e),
        },
        None => return refuse(f, AppError::NotAllowed("api_key is required".into())),
    };
    // Every value (attributes and names too) is text as forms take it.
    if let Some((k, e)) = args.0.iter().find_map(|(k, v)| {
        xieshang_core::values::check_text(v, xieshang_core::values::Lines::Many)
            .err()
            .map(|e| (k, e))
    }) {
        return refuse(
            f,
            AppError::BadRequest(format!("{}: {}", shown(k), e.message)),
        );
    }
    // The resource first (404 when it does not exist, as the table of POST
    // Service Request says), then everything else about the request at once.
    let Some(code) = get("service_code") else {
        return refuse(
            f,
            AppError::BadRequest("service_code was not provided".into()),
        );
    };
    let Some(cat) = category::by_code(code) else {
        return refuse(
            f,
            AppError::Missing(format!(
                "service_code {} not found: known codes are {}",
                shown(code),
                known_codes()
            )),
        );
    };
    let juris = match jurisdiction(&state, &args, f).await {
        Ok(j) => j,
        Err(r) => return r,
    };
    let mut problems: Vec<String> = Vec::new();
    // Where: an address_id (a street, community or grid code), else the
    // jurisdiction, else the key's own unit.
    let (org_id, path): (i64, OrgPath) = if let Some(a) = get("address_id") {
        match org::by_code_unchecked(&state.db, a).await {
            Ok(o)
                if matches!(o.kind.code(), "street" | "community" | "grid")
                    && o.archived_at.is_none() =>
            {
                (o.id, o.path)
            }
            Ok(_) | Err(xieshang_store::Error::NotFound) => {
                problems.push(format!(
                    "address_id {} is not a known area code: give a street's, community's or grid's code",
                    shown(a)
                ));
                // Where it would be filed without one, so that the scope
                // check below does not turn this 400 into a 404.
                match &juris {
                    Some(j) => (j.id, j.path.clone()),
                    None => (key.org_id, key.org_path.clone()),
                }
            }
            Err(e) => return internal(f, e),
        }
    } else if let Some(j) = &juris {
        (j.id, j.path.clone())
    } else {
        (key.org_id, key.org_path.clone())
    };
    if !path.is_within(&key.org_path) || juris.as_ref().is_some_and(|j| !path.is_within(&j.path)) {
        // Outside the key's unit: refused as a record out of scope is
        // everywhere, as if it did not exist.
        return refuse(
            f,
            AppError::Missing("jurisdiction_id or address_id not found for this api_key".into()),
        );
    }
    let lat = get("lat").map(str::parse::<f64>);
    let lng = get("long").map(str::parse::<f64>);
    let (lat, lng) = match (lat, lng) {
        (Some(Ok(a)), Some(Ok(b))) => (Some(a), Some(b)),
        (None, None) => (None, None),
        _ => {
            problems.push("lat and long must both be given, as numbers".into());
            (None, None)
        }
    };
    if get("lat").is_none()
        && get("long").is_none()
        && get("address_string").is_none()
        && get("address_id").is_none()
    {
        problems.push("a location is required: lat and long, address_string or address_id".into());
    }
    // The description is optional in GeoReport v2: without one, the service's
    // name stands for it (the attributes say the rest).
    let description = get("description").unwrap_or(cat.name_zh);
    let name = [get("last_name"), get("first_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("");
    let title: String = description
        .lines()
        .next()
        .unwrap_or(description)
        .chars()
        .take(40)
        .collect();
    // The intake's own checks, now, with the others: under Open311's names.
    let raw = xieshang_core::concern::RawConcern {
        category: cat.code,
        title: &title,
        description,
        address: get("address_string"),
        lat,
        lng,
        name: (!name.is_empty()).then_some(name.as_str()),
        phone: get("phone"),
    };
    if let Err(fields) = xieshang_core::concern::NewConcern::parse(&raw) {
        // The title is the description's first line: its problems are the
        // description's, said once.
        let described = fields.iter().any(|(k, _)| *k == "description");
        problems.extend(
            fields
                .iter()
                .filter(|(k, _)| !(described && *k == "title"))
                .map(|(k, e)| format!("{}: {}", field_name(k), e.message)),
        );
    }
    // attribute[code]=v and attribute[code][]=v
    let mut answers: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in &args.0 {
        if let Some(rest) = k.strip_prefix("attribute[") {
            let code = rest.trim_end_matches("[]").trim_end_matches(']').to_owned();
            match answers.iter_mut().find(|(c, _)| *c == code) {
                Some((_, vals)) => vals.push(v.clone()),
                None => answers.push((code, vec![v.clone()])),
            }
        }
    }
    let unknown: Vec<&String> = answers
        .iter()
        .map(|(code, _)| code)
        .filter(|code| !cat.questions.iter().any(|q| q.code == code.as_str()))
        .collect();
    let attributes = if unknown.is_empty() {
        match xieshang_core::concern::Attributes::parse(cat, &answers) {
            Ok(a) => a.map(xieshang_core::concern::Attributes::into_string),
            Err((code, msg)) => {
                problems.push(format!("attribute[{code}]: {msg}"));
                None
            }
        }
    } else {
        for code in unknown {
            problems.push(format!(
                "attribute[{}]: service {} has no such attribute (see services/{}.xml)",
                shown(code),
                cat.code,
                cat.code
            ));
        }
        None
    };
    if !problems.is_empty() {
        return errors(f, StatusCode::BAD_REQUEST, &problems);
    }
    let intake = crate::concern::intake::Intake {
        category: cat.code.to_owned(),
        area: String::new(),
        title,
        description: description.to_owned(),
        address: get("address_string").map(str::to_owned),
        lat,
        lng,
        name: (!name.is_empty()).then_some(name),
        phone: get("phone").map(str::to_owned),
        attributes,
        api_key_id: Some(key.id),
        org_id: Some(org_id),
    };
    match crate::concern::intake::file_concern(&state, &intake, "api", By::Resident, &[]).await {
        Ok(Ok(recorded)) => {
            let xieshang_store::concern::Recorded { code, key, .. } = recorded;
            let mut notice = format!(
                "{} 个工作日内办结；凭查询码 {code} 查询进度；\
                 评价办理结果需凭密钥 {key}（只显示这一次，请交给反映人本人）",
                cat.service_days
            );
            if get("media_url").is_some() {
                notice
                    .push_str("；media_url 所指的照片未保存（本平台只保存直接上传并经检查的照片）");
            }
            if get("email").is_some() {
                notice.push_str("；email 未保存（本平台只保存反映人的姓名和电话）");
            }
            let doc = Node::List(
                "request",
                vec![Node::Obj(vec![
                    ("service_request_id", text(&code)),
                    ("service_notice", text(notice)),
                ])],
            );
            respond(f, StatusCode::OK, "service_requests", doc)
        }
        Ok(Err(fields)) => {
            let problems: Vec<String> = fields
                .iter()
                .map(|(k, m)| format!("{}: {}", field_name(k), m.message))
                .collect();
            errors(f, StatusCode::BAD_REQUEST, &problems)
        }
        Err(e) => internal(f, e),
    }
}

/// The Open311 argument an intake field comes from, for error messages.
fn field_name(field: &str) -> &str {
    match field {
        "lat" | "lng" => "lat/long",
        "address" => "address_string",
        "name" => "first_name/last_name",
        "title" => "description",
        "area" => "address_id",
        "category" => "service_code",
        other => other,
    }
}

/// A value sent by the client as an error message repeats it: at most 40
/// characters of it.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}
