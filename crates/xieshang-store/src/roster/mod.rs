//! The member roster of a body (city or district CPPCC): term, sector, street
//! group, sealed contact details, status, and the history of joins and exits
//! (resignation 辞职, removal 免职, revocation 撤销资格, persuaded to resign 劝辞).
//!
//! Adding one member and importing a table go through the same row checks; an
//! import either writes every row or none, and its dry run lists every row it
//! would reject with the reasons. A member's record is scoped to their street
//! group when they have one, else to the body.

use crate::audit::{self, Entry};
use crate::db::{col, query_with, Arg, Db, Tx};
use crate::seal::Sealer;
use crate::{Error, Result};
use chrono::NaiveDate;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use xieshang_core::calendar::cst_date;
use xieshang_core::personal::{mask_phone, Phone};
use xieshang_core::{Actor, OrgPath, Permission, Role};

/// The types of exit, by stored code.
pub const EXIT_TYPES: [&str; 4] = ["resignation", "removal", "revocation", "persuaded"];

/// The most rows one import takes.
pub const MAX_IMPORT_ROWS: usize = 5000;

/// A member on the roster, contact details masked.
#[derive(Debug, Clone)]
pub struct Member {
    /// Id.
    pub id: i64,
    /// The body (city or district CPPCC unit).
    pub body_id: i64,
    /// Roster number, unique within the body.
    pub code: String,
    /// Full name (members are public office holders; contact details are not).
    pub name: String,
    /// Term (届), such as 第十届.
    pub term: String,
    /// Sector (界别).
    pub sector: String,
    /// Street group (street unit) id and name, if any.
    pub street_group: Option<(i64, String)>,
    /// Phone, masked.
    pub phone: Option<String>,
    /// Email, masked.
    pub email: Option<String>,
    /// Linked account (id, username), if any.
    pub account: Option<(i64, String)>,
    /// `active` or `exited`.
    pub status: String,
    /// Date joined (YYYY-MM-DD).
    pub joined_on: String,
    /// Date exited, when exited.
    pub exited_on: Option<String>,
    /// The path access is checked against: the street group's, else the body's.
    pub scope: OrgPath,
}

/// One entry of a member's history.
#[derive(Debug, Clone)]
pub struct Change {
    /// `join`, `exit`, `rejoin` or `update`.
    pub kind: String,
    /// For exits: one of [`EXIT_TYPES`].
    pub exit_type: Option<String>,
    /// Why.
    pub reason: String,
    /// Effective date.
    pub on_date: String,
    /// Term at that change, for joins.
    pub term: Option<String>,
    /// Who recorded it.
    pub by: Option<String>,
    /// When recorded, unix ms.
    pub at: i64,
}

/// Filters of the roster list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `active` or `exited`.
    pub status: Option<String>,
    /// Exact sector.
    pub sector: Option<String>,
    /// Exact term.
    pub term: Option<String>,
    /// Part of a name or code.
    pub text: Option<String>,
}

/// Why a row would be refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Line in the table (the header is line 1).
    pub line: usize,
    /// Column (field name).
    pub field: &'static str,
    /// Message key for the interface.
    pub key: &'static str,
    /// The value as given.
    pub value: String,
}

/// What an import did or would do.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Data rows read (blank lines skipped).
    pub rows: usize,
    /// Rows that pass every check.
    pub accepted: usize,
    /// Every problem found, by line.
    pub rejects: Vec<Reject>,
    /// Whether the rows were written (only when asked and nothing was rejected).
    pub written: bool,
}

/// The columns an import reads, by field name, with the headers each accepts.
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("code", &["code", "编号", "委员编号"]),
    ("name", &["name", "姓名"]),
    ("term", &["term", "届次", "届别", "届"]),
    ("sector", &["sector", "界别"]),
    (
        "street_group",
        &["street_group", "街道组", "街道", "所在街道"],
    ),
    ("phone", &["phone", "电话", "手机", "联系电话"]),
    ("email", &["email", "邮箱", "电子邮箱"]),
    (
        "joined_on",
        &["joined_on", "加入日期", "入职日期", "任职日期"],
    ),
    ("username", &["username", "账号", "登录账号"]),
];

const REQUIRED: [&str; 4] = ["code", "name", "term", "sector"];

/// A row that passed the checks, ready to write.
struct Valid {
    code: String,
    name: String,
    term: String,
    sector: String,
    street_group: Option<i64>,
    phone: Option<String>,
    email: Option<String>,
    joined_on: String,
    user_id: Option<i64>,
}

/// The body a unit belongs to, with its path, and the unit's own path.
async fn body(db: &Db, unit: i64) -> Result<(OrgPath, i64, OrgPath)> {
    let (unit_path, body_id) = crate::duty::scoring::unit_and_body(db, unit).await?;
    let body = crate::org::get_unchecked(db, body_id).await?;
    Ok((unit_path, body_id, body.path))
}

/// Checks an email address: one `@`, a dotted domain, no spaces, at most 254.
fn email_ok(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Masks an email (one rule with the audit viewer's: core's `personal`).
pub use xieshang_core::personal::mask_email;

/// Parses a date as written in rosters: 2026-03-01, 2026/3/1 or 2026.3.1.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() != 3 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

fn text_ok(s: &str, max: usize) -> bool {
    let n = s.chars().count();
    // Cells come from files, not forms: the text rule is checked here.
    n > 0
        && n <= max
        && !s.chars().any(|c| c.is_control())
        && xieshang_core::values::check_text(s, xieshang_core::values::Lines::One).is_ok()
}

/// The street units of a body, by code and by name.
async fn streets(db: &Db, body_path: &OrgPath) -> Result<HashMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT id, code, name FROM orgs WHERE kind = 'street' AND archived_at IS NULL AND path LIKE $1",
    )
    .bind(format!("{}%", body_path.as_str()))
    .fetch_all(db.pool())
    .await?;
    let mut by = HashMap::new();
    for r in &rows {
        let id: i64 = col(r, "id")?;
        by.insert(col::<String>(r, "code")?, id);
        by.insert(col::<String>(r, "name")?, id);
    }
    Ok(by)
}

/// Checks the data rows of a table (headers first) against the body's roster.
/// Returns the rows that pass, the number of data rows, and every problem.
async fn check_rows(
    db: &Db,
    sealer: Option<&Sealer>,
    body_id: i64,
    body_path: &OrgPath,
    table: &[Vec<String>],
    except: Option<i64>,
) -> Result<(Vec<Valid>, usize, Vec<Reject>)> {
    let mut rejects = Vec::new();
    let Some(header) = table.first() else {
        rejects.push(Reject {
            line: 1,
            field: "code",
            key: "err.import_header",
            value: String::new(),
        });
        return Ok((Vec::new(), 0, rejects));
    };
    // Which column holds which field.
    let mut at: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
        if let Some((field, _)) = COLUMNS
            .iter()
            .find(|(_, names)| names.contains(&h.as_str()))
        {
            at.entry(field).or_insert(i);
        }
    }
    for field in REQUIRED {
        if !at.contains_key(field) {
            rejects.push(Reject {
                line: 1,
                field,
                key: "err.import_header",
                value: header.join(","),
            });
        }
    }
    if !rejects.is_empty() {
        return Ok((Vec::new(), 0, rejects));
    }
    let data: Vec<(usize, &Vec<String>)> = table
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| (i + 1, r))
        .collect();
    if data.len() > MAX_IMPORT_ROWS {
        rejects.push(Reject {
            line: data[MAX_IMPORT_ROWS].0,
            field: "code",
            key: "err.import_too_many",
            value: data.len().to_string(),
        });
        return Ok((Vec::new(), data.len(), rejects));
    }

    // What is already there: codes on the roster, accounts already linked.
    let existing: HashSet<String> =
        sqlx::query_scalar::<_, String>("SELECT code FROM members WHERE body_id = $1 AND id <> $2")
            .bind(body_id)
            .bind(except.unwrap_or(0))
            .fetch_all(db.pool())
            .await?
            .into_iter()
            .collect();
    let linked: HashSet<i64> = sqlx::query_scalar::<_, i64>(
        "SELECT user_id FROM members WHERE body_id = $1 AND user_id IS NOT NULL AND id <> $2",
    )
    .bind(body_id)
    .bind(except.unwrap_or(0))
    .fetch_all(db.pool())
    .await?
    .into_iter()
    .collect();
    let streets = streets(db, body_path).await?;
    let today = cst_date(db.now_ms());

    let mut seen_codes: HashSet<String> = HashSet::new();
    let mut seen_users: HashSet<i64> = HashSet::new();
    let mut out = Vec::new();
    for (line, row) in &data {
        let line = *line;
        let get = |field: &str| -> String {
            at.get(field)
                .and_then(|&i| row.get(i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let before = rejects.len();
        let mut bad = |field: &'static str, key: &'static str, value: &str| {
            rejects.push(Reject {
                line,
                field,
                key,
                value: value.chars().take(80).collect(),
            })
        };
        let code = get("code");
        if !text_ok(&code, 32) {
            bad("code", "err.member_code", &code);
        } else if existing.contains(&code) {
            bad("code", "err.member_code_taken", &code);
        } else if !seen_codes.insert(code.clone()) {
            bad("code", "err.member_code_twice", &code);
        }
        let name = get("name");
        if !text_ok(&name, 40) {
            bad("name", "err.member_name", &name);
        }
        let term = get("term");
        if !text_ok(&term, 40) {
            bad("term", "err.member_term", &term);
        }
        let sector = get("sector");
        if !text_ok(&sector, 40) {
            bad("sector", "err.member_sector", &sector);
        }
        let sg = get("street_group");
        let street_group = if sg.is_empty() {
            None
        } else {
            match streets.get(&sg) {
                Some(id) => Some(*id),
                None => {
                    bad("street_group", "err.member_street", &sg);
                    None
                }
            }
        };
        let phone_raw = get("phone");
        let phone = if phone_raw.is_empty() {
            None
        } else {
            match Phone::parse(&phone_raw) {
                Ok(p) => Some(p.as_str().to_owned()),
                Err(_) => {
                    bad("phone", "err.phone", &phone_raw);
                    None
                }
            }
        };
        let email = get("email");
        let email = if email.is_empty() {
            None
        } else if email_ok(&email) {
            Some(email)
        } else {
            bad("email", "err.email", &email);
            None
        };
        if (phone.is_some() || email.is_some()) && sealer.is_none() {
            bad("phone", "err.no_seal_key", "");
        }
        let joined_raw = get("joined_on");
        let joined_on = if joined_raw.is_empty() {
            Some(today)
        } else {
            match parse_date(&joined_raw) {
                Some(d) if d <= today => Some(d),
                _ => {
                    bad("joined_on", "err.member_date", &joined_raw);
                    None
                }
            }
        };
        let username = get("username");
        let user_id = if username.is_empty() {
            None
        } else {
            let row = sqlx::query(
                "SELECT u.id, o.path FROM users u JOIN orgs o ON o.id = u.home_org_id
                 WHERE u.username = $1",
            )
            .bind(&username)
            .fetch_optional(db.pool())
            .await?;
            match row {
                Some(r) => {
                    let id: i64 = col(&r, "id")?;
                    let within = OrgPath::parse(&col::<String>(&r, "path")?)
                        .is_some_and(|p| p.is_within(body_path));
                    if !within {
                        bad("username", "err.member_account", &username);
                        None
                    } else if linked.contains(&id) || !seen_users.insert(id) {
                        bad("username", "err.member_account_taken", &username);
                        None
                    } else {
                        Some(id)
                    }
                }
                None => {
                    bad("username", "err.member_account", &username);
                    None
                }
            }
        };
        if rejects.len() == before {
            out.push(Valid {
                code,
                name,
                term,
                sector,
                street_group,
                phone,
                email,
                joined_on: joined_on.unwrap_or(today).format("%Y-%m-%d").to_string(),
                user_id,
            });
        }
    }
    Ok((out, data.len(), rejects))
}

async fn insert(
    tx: &mut Tx,
    now: i64,
    sealer: Option<&Sealer>,
    actor: &Actor,
    body_id: i64,
    v: &Valid,
    reason: &str,
) -> Result<i64> {
    let seal = |s: &Option<String>| -> Option<String> {
        s.as_ref().and_then(|s| sealer.map(|k| k.seal(s)))
    };
    let row = sqlx::query(
        "INSERT INTO members (body_id, code, name, term, sector, street_group_id, phone_sealed,
            phone_masked, email_sealed, email_masked, user_id, status, joined_on, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12, $13, $13) RETURNING id",
    )
    .bind(body_id)
    .bind(&v.code)
    .bind(&v.name)
    .bind(&v.term)
    .bind(&v.sector)
    .bind(v.street_group)
    .bind(seal(&v.phone))
    .bind(v.phone.as_deref().map(mask_phone))
    .bind(seal(&v.email))
    .bind(v.email.as_deref().map(mask_email))
    .bind(v.user_id)
    .bind(&v.joined_on)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = col(&row, "id")?;
    change(
        tx,
        now,
        actor,
        id,
        "join",
        None,
        reason,
        &v.joined_on,
        Some(&v.term),
    )
    .await?;
    audit::record(
        tx,
        now,
        Entry {
            actor: Some(actor),
            action: "member.join",
            entity: "member",
            entity_id: id.to_string(),
            org_id: Some(v.street_group.unwrap_or(body_id)),
            before: None,
            after: Some(json!({
                "code": v.code, "name": v.name, "term": v.term, "sector": v.sector,
                "street_group": v.street_group, "user_id": v.user_id,
                "phone": v.phone.as_deref().map(mask_phone),
                "email": v.email.as_deref().map(mask_email),
                "joined_on": v.joined_on, "reason": reason,
            })),
        },
    )
    .await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn change(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    member: i64,
    kind: &str,
    exit_type: Option<&str>,
    reason: &str,
    on: &str,
    term: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO member_changes (member_id, kind, exit_type, reason, on_date, term, by_user_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(member)
    .bind(kind)
    .bind(exit_type)
    .bind(reason)
    .bind(on)
    .bind(term)
    .bind(actor.user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Imports a table (header row first) into the roster of the body `unit` belongs
/// to. With `commit` false it only checks; with `commit` true it writes every row
/// in one transaction, or nothing when any row is rejected. Staff who manage
/// accounts over the body may import.
pub async fn import(
    db: &Db,
    sealer: Option<&Sealer>,
    actor: &Actor,
    unit: i64,
    table: &[Vec<String>],
    reason: &str,
    commit: bool,
) -> Result<ImportReport> {
    let (_, body_id, body_path) = body(db, unit).await?;
    actor.check(Permission::UserManage, &body_path)?;
    let (valid, rows, rejects) = check_rows(db, sealer, body_id, &body_path, table, None).await?;
    let mut report = ImportReport {
        rows,
        accepted: valid.len(),
        rejects,
        written: false,
    };
    if commit && report.rejects.is_empty() && !valid.is_empty() {
        let mut tx = db.begin_write().await?;
        let now = db.now_ms();
        for v in &valid {
            insert(&mut tx, now, sealer, actor, body_id, v, reason).await?;
        }
        tx.commit().await?;
        report.written = true;
    }
    Ok(report)
}

/// The fields of one member as a form gives them (the same checks as an import).
#[derive(Debug, Clone, Default)]
pub struct Fields {
    /// Roster number.
    pub code: String,
    /// Name.
    pub name: String,
    /// Term.
    pub term: String,
    /// Sector.
    pub sector: String,
    /// Street unit code or name, or empty.
    pub street_group: String,
    /// Phone, or empty.
    pub phone: String,
    /// Email, or empty.
    pub email: String,
    /// Date joined, or empty for today.
    pub joined_on: String,
    /// Username of the member's account, or empty.
    pub username: String,
}

impl Fields {
    fn table(&self) -> Vec<Vec<String>> {
        let header = COLUMNS.iter().map(|(f, _)| (*f).to_owned()).collect();
        let row = vec![
            self.code.clone(),
            self.name.clone(),
            self.term.clone(),
            self.sector.clone(),
            self.street_group.clone(),
            self.phone.clone(),
            self.email.clone(),
            self.joined_on.clone(),
            self.username.clone(),
        ];
        vec![header, row]
    }
}

/// Adds one member to the roster of the body `unit` belongs to. The first
/// problem found is the error.
pub async fn add(
    db: &Db,
    sealer: Option<&Sealer>,
    actor: &Actor,
    unit: i64,
    fields: &Fields,
    reason: &str,
) -> Result<i64> {
    let report = import(db, sealer, actor, unit, &fields.table(), reason, true).await?;
    if let Some(r) = report.rejects.first() {
        return Err(Error::field(
            r.field,
            r.key,
            "the member's details were refused",
        ));
    }
    let (_, body_id, _) = body(db, unit).await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM members WHERE body_id = $1 AND code = $2")
        .bind(body_id)
        .bind(fields.code.trim())
        .fetch_one(db.pool())
        .await?;
    Ok(id)
}

const COLS: &str = "m.id, m.body_id, m.code, m.name, m.term, m.sector, m.street_group_id,
    sg.name AS sg_name, sg.path AS sg_path, b.path AS b_path, m.phone_masked, m.email_masked,
    m.user_id, u.username, m.status, m.joined_on, m.exited_on";
const FROM: &str = "FROM members m JOIN orgs b ON b.id = m.body_id
    LEFT JOIN orgs sg ON sg.id = m.street_group_id LEFT JOIN users u ON u.id = m.user_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Member> {
    let sg_id: Option<i64> = col(r, "street_group_id")?;
    let sg_name: Option<String> = col(r, "sg_name")?;
    let sg_path: Option<String> = col(r, "sg_path")?;
    let b_path: String = col(r, "b_path")?;
    let scope = OrgPath::parse(sg_path.as_deref().unwrap_or(&b_path)).ok_or(Error::NotFound)?;
    let user_id: Option<i64> = col(r, "user_id")?;
    let username: Option<String> = col(r, "username")?;
    Ok(Member {
        id: col(r, "id")?,
        body_id: col(r, "body_id")?,
        code: col(r, "code")?,
        name: col(r, "name")?,
        term: col(r, "term")?,
        sector: col(r, "sector")?,
        street_group: sg_id.zip(sg_name),
        phone: col(r, "phone_masked")?,
        email: col(r, "email_masked")?,
        account: user_id.zip(username),
        status: col(r, "status")?,
        joined_on: col(r, "joined_on")?,
        exited_on: col(r, "exited_on")?,
        scope,
    })
}

/// The roster under a unit: the whole body's when the unit is the body, else the
/// members of the street groups inside the unit. Needs account view over it.
pub async fn list(db: &Db, actor: &Actor, unit: i64, f: &Filter) -> Result<Vec<Member>> {
    let (unit_path, body_id, body_path) = body(db, unit).await?;
    actor.check(Permission::UserView, &unit_path)?;
    let mut sql = format!("SELECT {COLS} {FROM} WHERE m.body_id = $1");
    let mut args = vec![Arg::Int(body_id)];
    if unit_path != body_path {
        args.push(Arg::Text(format!("{}%", unit_path.as_str())));
        sql.push_str(&format!(" AND sg.path LIKE ${}", args.len()));
    }
    for (column, value) in [
        ("m.status", &f.status),
        ("m.sector", &f.sector),
        ("m.term", &f.term),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            args.push(Arg::Text(v.to_owned()));
            sql.push_str(&format!(" AND {column} = ${}", args.len()));
        }
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern: String = t.chars().filter(|c| !matches!(c, '%' | '_')).collect();
        args.push(Arg::Text(format!("%{}%", pattern.to_uppercase())));
        let n = args.len();
        sql.push_str(&format!(
            " AND (UPPER(m.name) LIKE ${n} OR UPPER(m.code) LIKE ${n})"
        ));
    }
    sql.push_str(" ORDER BY m.status, m.sector, m.code");
    let rows = query_with(&sql, args).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// One member, if the actor holds `permission` over the member's scope.
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Member> {
    let row = sqlx::query(&format!("SELECT {COLS} {FROM} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let m = from_row(&row)?;
    actor.check(permission, &m.scope)?;
    Ok(m)
}

/// A member's history, oldest first.
pub async fn history(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Change>> {
    get(db, actor, Permission::UserView, id).await?;
    let rows = sqlx::query(
        "SELECT c.kind, c.exit_type, c.reason, c.on_date, c.term, u.display_name, c.at
         FROM member_changes c LEFT JOIN users u ON u.id = c.by_user_id
         WHERE c.member_id = $1 ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                kind: col(r, "kind")?,
                exit_type: col(r, "exit_type")?,
                reason: col(r, "reason")?,
                on_date: col(r, "on_date")?,
                term: col(r, "term")?,
                by: col(r, "display_name")?,
                at: col(r, "at")?,
            })
        })
        .collect()
}

fn effective_date(db: &Db, raw: &str) -> Result<String> {
    let today = cst_date(db.now_ms());
    let d = if raw.trim().is_empty() {
        today
    } else {
        parse_date(raw).filter(|d| *d <= today).ok_or(Error::field(
            "on_date",
            "err.member_date",
            "a date on or before today",
        ))?
    };
    Ok(d.format("%Y-%m-%d").to_string())
}

fn reason_ok(reason: &str) -> Result<&str> {
    let r = reason.trim();
    if text_ok(r, 500) {
        Ok(r)
    } else {
        Err(Error::field(
            "reason",
            "err.member_reason",
            "a reason of 1 to 500 characters",
        ))
    }
}

/// What an exit took away besides the roster status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExitEffects {
    /// Member roles revoked from the linked account inside the body.
    pub grants: u64,
    /// Grid pairings ended.
    pub grids: u64,
    /// Studio memberships ended.
    pub studios: u64,
    /// Future duty shifts (not checked in) removed from the rota.
    pub shifts: u64,
}

/// Records a member's exit: type, reason and date. The linked account loses its
/// member role inside the body, its grid pairings and studio places there, and
/// its future duty shifts; all in one transaction with the history and audit.
pub async fn exit(
    db: &Db,
    actor: &Actor,
    id: i64,
    exit_type: &str,
    reason: &str,
    on: &str,
) -> Result<ExitEffects> {
    let m = get(db, actor, Permission::UserManage, id).await?;
    if !EXIT_TYPES.contains(&exit_type) {
        return Err(Error::field(
            "exit_type",
            "err.exit_type",
            "an exit is a resignation, removal, revocation or persuaded resignation",
        ));
    }
    let reason = reason_ok(reason)?;
    let on = effective_date(db, on)?;
    if m.status != "active" {
        return Err(Error::field(
            "status",
            "err.member_not_active",
            "only an active member can exit",
        ));
    }
    let body_path = crate::org::get_unchecked(db, m.body_id).await?.path;
    let within = format!("{}%", body_path.as_str());
    let now = db.now_ms();
    let today = cst_date(now).format("%Y-%m-%d").to_string();
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE members SET status = 'exited', exited_on = $1, updated_at = $2
         WHERE id = $3 AND status = 'active'",
    )
    .bind(&on)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::field(
            "status",
            "err.member_not_active",
            "only an active member can exit",
        ));
    }
    let mut effects = ExitEffects::default();
    if let Some((user, _)) = &m.account {
        let in_body = "IN (SELECT id FROM orgs WHERE path LIKE $2)";
        effects.grants = sqlx::query(&format!(
            "DELETE FROM grants WHERE user_id = $1 AND role = 'member' AND org_id {in_body}"
        ))
        .bind(user)
        .bind(&within)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        effects.grids = sqlx::query(&format!(
            "DELETE FROM grid_pairs WHERE user_id = $1 AND grid_org_id {in_body}"
        ))
        .bind(user)
        .bind(&within)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let studios = "IN (SELECT s.id FROM studios s JOIN orgs o ON o.id = s.org_id
                        WHERE o.path LIKE $2)";
        // A member who leaves the body leaves its party units too: their
        // pages, check-in and work-unit reports are a member's.
        sqlx::query(&format!(
            "DELETE FROM party_members WHERE user_id = $1 AND unit_id {in_body}"
        ))
        .bind(user)
        .bind(&within)
        .execute(&mut *tx)
        .await?;
        effects.studios = sqlx::query(&format!(
            "DELETE FROM studio_members WHERE user_id = $1 AND studio_id {studios}"
        ))
        .bind(user)
        .bind(&within)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        effects.shifts = sqlx::query(&format!(
            "DELETE FROM duty_shifts WHERE user_id = $1 AND studio_id {studios}
             AND checked_in_at IS NULL AND day > $3"
        ))
        .bind(user)
        .bind(&within)
        .bind(&today)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    change(
        &mut tx,
        now,
        actor,
        id,
        "exit",
        Some(exit_type),
        reason,
        &on,
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "member.exit",
            entity: "member",
            entity_id: id.to_string(),
            org_id: Some(m.street_group.as_ref().map_or(m.body_id, |s| s.0)),
            before: Some(json!({"status": m.status})),
            after: Some(json!({
                "status": "exited", "exit_type": exit_type, "reason": reason, "on": on,
                "grants_revoked": effects.grants, "grids_unpaired": effects.grids,
                "studios_left": effects.studios, "shifts_removed": effects.shifts,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(effects)
}

/// Records that an exited member joins again (a new appointment, perhaps in a
/// new term). A linked account gets the member role back over the street group
/// (or the body).
pub async fn rejoin(
    db: &Db,
    actor: &Actor,
    id: i64,
    term: &str,
    reason: &str,
    on: &str,
) -> Result<()> {
    let m = get(db, actor, Permission::UserManage, id).await?;
    let reason = reason_ok(reason)?;
    let on = effective_date(db, on)?;
    let term = if term.trim().is_empty() {
        m.term.clone()
    } else if text_ok(term.trim(), 40) {
        term.trim().to_owned()
    } else {
        return Err(Error::field(
            "term",
            "err.member_term",
            "a term of 1 to 40 characters",
        ));
    };
    if m.status != "exited" {
        return Err(Error::field(
            "status",
            "err.member_not_exited",
            "only an exited member can join again",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE members SET status = 'active', exited_on = NULL, term = $1, joined_on = $2,
         updated_at = $3 WHERE id = $4 AND status = 'exited'",
    )
    .bind(&term)
    .bind(&on)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::field(
            "status",
            "err.member_not_exited",
            "only an exited member can join again",
        ));
    }
    let org = m.street_group.as_ref().map_or(m.body_id, |s| s.0);
    if let Some((user, _)) = &m.account {
        let has: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM grants WHERE user_id = $1 AND role = 'member' AND org_id = $2",
        )
        .bind(user)
        .bind(org)
        .fetch_optional(&mut *tx)
        .await?;
        if has.is_none() {
            crate::account::user::insert_grant(&mut tx, now, *user, Role::Member, org).await?;
        }
    }
    change(
        &mut tx,
        now,
        actor,
        id,
        "rejoin",
        None,
        reason,
        &on,
        Some(&term),
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "member.rejoin",
            entity: "member",
            entity_id: id.to_string(),
            org_id: Some(org),
            before: Some(json!({"status": m.status, "term": m.term})),
            after: Some(json!({"status": "active", "term": term, "reason": reason, "on": on})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a member's details. Blank phone or email keep the stored ones; the
/// code and the join date stay as recorded (the history holds those).
pub async fn update(
    db: &Db,
    sealer: Option<&Sealer>,
    actor: &Actor,
    id: i64,
    f: &Fields,
) -> Result<()> {
    let m = get(db, actor, Permission::UserManage, id).await?;
    // The same checks as an import, with the member's own code and account set
    // aside so that "already on the roster" does not refuse itself.
    let body_path = crate::org::get_unchecked(db, m.body_id).await?.path;
    let probe = Fields {
        code: m.code.clone(),
        joined_on: m.joined_on.clone(),
        ..f.clone()
    };
    let (valid, _, rejects) =
        check_rows(db, sealer, m.body_id, &body_path, &probe.table(), Some(id)).await?;
    if let Some(r) = rejects.first() {
        return Err(Error::field(
            r.field,
            r.key,
            "the member's details were refused",
        ));
    }
    // The checked row carries the street group, account, phone and email as
    // resolved by the checks.
    let Some(Valid {
        street_group,
        user_id,
        phone,
        email,
        ..
    }) = valid.into_iter().next()
    else {
        return Err(Error::NotFound);
    };
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "UPDATE members SET name = $1, term = $2, sector = $3, street_group_id = $4, user_id = $5,
         updated_at = $6 WHERE id = $7",
    )
    .bind(f.name.trim())
    .bind(f.term.trim())
    .bind(f.sector.trim())
    .bind(street_group)
    .bind(user_id)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if let (Some(p), Some(k)) = (&phone, sealer) {
        sqlx::query("UPDATE members SET phone_sealed = $1, phone_masked = $2 WHERE id = $3")
            .bind(k.seal(p))
            .bind(mask_phone(p))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if let (Some(e), Some(k)) = (&email, sealer) {
        sqlx::query("UPDATE members SET email_sealed = $1, email_masked = $2 WHERE id = $3")
            .bind(k.seal(e))
            .bind(mask_email(e))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let today = cst_date(now).format("%Y-%m-%d").to_string();
    change(&mut tx, now, actor, id, "update", None, "", &today, None).await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "member.update",
            entity: "member",
            entity_id: id.to_string(),
            org_id: Some(street_group.unwrap_or(m.body_id)),
            before: Some(json!({
                "name": m.name, "term": m.term, "sector": m.sector,
                "street_group": m.street_group.as_ref().map(|s| s.0),
                "user_id": m.account.as_ref().map(|a| a.0),
                "phone": m.phone, "email": m.email,
            })),
            after: Some(json!({
                "name": f.name.trim(), "term": f.term.trim(), "sector": f.sector.trim(),
                "street_group": street_group, "user_id": user_id,
                "phone": phone.as_deref().map(mask_phone).or(m.phone.clone()),
                "email": email.as_deref().map(mask_email).or(m.email.clone()),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Shows a member's phone and email in full to a role that may reveal personal
/// data over the member's scope; every reveal is audited.
pub async fn reveal(
    db: &Db,
    sealer: &Sealer,
    actor: &Actor,
    id: i64,
) -> Result<(Option<String>, Option<String>)> {
    let m = get(db, actor, Permission::ReporterReveal, id).await?;
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("SELECT phone_sealed, email_sealed FROM members WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let open = |v: Option<String>| -> Result<Option<String>> {
        v.map(|s| {
            sealer.open(&s).map_err(|e| {
                tracing::error!(member.id = id, error = %e, "personal data does not open");
                Error::field("contact", "err.seal", "personal data could not be opened")
            })
        })
        .transpose()
    };
    let phone = open(col(&row, "phone_sealed")?)?;
    let email = open(col(&row, "email_sealed")?)?;
    audit::record(
        &mut tx,
        db.now_ms(),
        Entry {
            actor: Some(actor),
            action: "member.reveal_contact",
            entity: "member",
            entity_id: id.to_string(),
            org_id: Some(m.street_group.as_ref().map_or(m.body_id, |s| s.0)),
            before: None,
            after: Some(json!({"phone": phone.is_some(), "email": email.is_some()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((phone, email))
}

/// Seeds roster rows for members created by the demo (no contact details).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn seed_member(
    tx: &mut Tx,
    now: i64,
    body_id: i64,
    code: &str,
    name: &str,
    term: &str,
    sector: &str,
    street_group: i64,
    user_id: i64,
    joined_on: &str,
) -> Result<()> {
    let row = sqlx::query(
        "INSERT INTO members (body_id, code, name, term, sector, street_group_id, user_id, status,
            joined_on, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $9) RETURNING id",
    )
    .bind(body_id)
    .bind(code)
    .bind(name)
    .bind(term)
    .bind(sector)
    .bind(street_group)
    .bind(user_id)
    .bind(joined_on)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = col(&row, "id")?;
    sqlx::query(
        "INSERT INTO member_changes (member_id, kind, reason, on_date, term, at)
         VALUES ($1, 'join', '', $2, $3, $4)",
    )
    .bind(id)
    .bind(joined_on)
    .bind(term)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_rosters_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(parse_date("2026-03-01"), Some(d));
        assert_eq!(parse_date("2026/3/1"), Some(d));
        assert_eq!(parse_date("2026.3.1"), Some(d));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("1 March"), None);
    }

    #[test]
    fn emails_checked_and_masked() {
        assert!(email_ok("zhang.wei@example.cn"));
        assert!(!email_ok("zhang.wei"));
        assert!(!email_ok("a@b"));
        assert!(!email_ok("a b@example.cn"));
        assert_eq!(mask_email("zhang@example.cn"), "z***@example.cn");
    }
}
