//! Concerns as the public may see them through machine interfaces (Open311 GET
//! requests, the open-data export): what was asked and what was done, where and
//! when, never who asked. [`published`] is the one list for readers without an
//! account: it holds only concerns staff have taken up ([`PUBLISHED_STATES`]);
//! [`list`] and [`list_for`] hold every state, for readers whose scope was
//! checked (staff exports, an API key's own unit).

use crate::db::{col, query_with, Arg, Db};
use crate::Result;
use xieshang_core::OrgPath;

/// States Open311 calls "closed": nothing more will be done.
pub const CLOSED_STATES: [&str; 5] = ["resolved", "closed", "rejected", "merged", "converted"];

/// States the public may see (decision 0017): concerns staff accepted, from
/// then on. Not `submitted` (unreviewed text, address and photo), not
/// `rejected` (refused as not a matter for the body), not `merged` (its
/// survivor stands for it), not `converted` (it left the concern loop for a
/// proposal or an opinion report, which have their own rules on publication).
/// A resident still follows their own concern in any state by its code.
pub const PUBLISHED_STATES: [&str; 6] = [
    "accepted",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "reopened",
];

/// The most tracking codes one filter takes: a caller naming more is refused
/// (Open311 answers 400), never cut silently.
pub const CODES_MAX: usize = 100;

/// Which concerns to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Tracking codes (overrides the other filters, as Open311 says); at
    /// most [`CODES_MAX`], more is an error.
    pub codes: Vec<String>,
    /// Category codes: any of these (none: every category).
    pub categories: Vec<String>,
    /// Open (true) or closed (false).
    pub open: Option<bool>,
    /// Raised at or after (unix ms).
    pub start: Option<i64>,
    /// Raised at or before (unix ms).
    pub end: Option<i64>,
    /// Only inside this unit.
    pub within: Option<OrgPath>,
    /// Only in these states.
    pub states: Vec<String>,
    /// At most this many, newest first.
    pub limit: i64,
    /// Keyset pagination: only ids above this one, oldest id first.
    pub after_id: Option<i64>,
}

/// One concern, public fields only.
#[derive(Debug, Clone)]
pub struct PublicConcern {
    /// Internal id (the API's cursor; not shown).
    pub id: i64,
    /// Tracking code (the Open311 service_request_id).
    pub tracking_code: String,
    /// State.
    pub state: String,
    /// Category code.
    pub category: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Raised at (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
    /// Deadline (unix ms).
    pub deadline_at: Option<i64>,
    /// Resolved at (unix ms).
    pub resolved_at: Option<i64>,
    /// Address as given.
    pub address: Option<String>,
    /// Unit code (the Open311 address_id).
    pub area_code: String,
    /// Unit kind (`street`, `community`, `grid`, `district`, `city`...):
    /// Open311 gives an address_id only for a unit POST takes as one.
    pub area_kind: String,
    /// Unit name.
    pub area: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lng: Option<f64>,
    /// Result note.
    pub result_note: Option<String>,
    /// Lead department's name.
    pub agency: Option<String>,
    /// Public token of the first photo.
    pub media_token: Option<String>,
}

impl PublicConcern {
    /// Whether Open311 calls it open.
    pub fn is_open(&self) -> bool {
        !CLOSED_STATES.contains(&self.state.as_str())
    }
}

/// Lists concerns by the filter inside the actor's view scope (staff exports).
pub async fn list_for(
    db: &Db,
    actor: &xieshang_core::Actor,
    f: &Filter,
) -> Result<Vec<PublicConcern>> {
    use xieshang_core::Permission;
    actor.require(Permission::ConcernView)?;
    let scopes = actor.scopes(Permission::ConcernView);
    let mut out = Vec::new();
    // One query per scope keeps the SQL simple; actors hold few scopes.
    for s in scopes {
        let within = match &f.within {
            Some(w) if w.is_within(&s) => w.clone(),
            Some(w) if s.is_within(w) => s.clone(),
            Some(_) => continue,
            None => s.clone(),
        };
        let g = Filter {
            within: Some(within),
            ..f.clone()
        };
        out.extend(list(db, &g).await?);
    }
    out.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| a.tracking_code.cmp(&b.tracking_code))
    });
    out.dedup_by(|a, b| a.tracking_code == b.tracking_code);
    out.truncate(f.limit.max(0) as usize);
    Ok(out)
}

/// Lists the concerns the public may see ([`PUBLISHED_STATES`]) by the filter,
/// newest first. The states hold whatever the filter says, tracking codes
/// included.
pub async fn published(db: &Db, f: &Filter) -> Result<Vec<PublicConcern>> {
    query(db, f, true).await
}

/// Lists concerns in every state by the filter, newest first: for callers
/// that checked the reader's scope.
pub async fn list(db: &Db, f: &Filter) -> Result<Vec<PublicConcern>> {
    query(db, f, false).await
}

async fn query(db: &Db, f: &Filter, published_only: bool) -> Result<Vec<PublicConcern>> {
    let mut conds: Vec<String> = Vec::new();
    if published_only {
        // Written as values, not parameters: a fixed list of known words.
        let list = PUBLISHED_STATES.map(|s| format!("'{s}'")).join(", ");
        conds.push(format!("c.state IN ({list})"));
    }
    let mut args: Vec<Arg> = Vec::new();
    let mut push = |cond: &str, arg: Arg, conds: &mut Vec<String>| {
        args.push(arg);
        conds.push(cond.replace('?', &format!("${}", args.len())));
    };
    if f.codes.len() > CODES_MAX {
        return Err(crate::Error::field(
            "service_request_id",
            "err.bad_input",
            "at most 100 service_request_id",
        ));
    }
    if !f.codes.is_empty() {
        let mut parts = Vec::new();
        for c in &f.codes {
            push(
                "c.tracking_code = ?",
                Arg::Text(c.trim().to_uppercase()),
                &mut parts,
            );
        }
        conds.push(format!("({})", parts.join(" OR ")));
    } else {
        if !f.categories.is_empty() {
            let mut parts = Vec::new();
            for c in &f.categories {
                push("c.category = ?", Arg::Text(c.clone()), &mut parts);
            }
            conds.push(format!("({})", parts.join(" OR ")));
        }
        if let Some(s) = f.start {
            push("c.created_at >= ?", Arg::Int(s), &mut conds);
        }
        if let Some(e) = f.end {
            push("c.created_at <= ?", Arg::Int(e), &mut conds);
        }
        if let Some(open) = f.open {
            let list = CLOSED_STATES.map(|s| format!("'{s}'")).join(", ");
            conds.push(if open {
                format!("c.state NOT IN ({list})")
            } else {
                format!("c.state IN ({list})")
            });
        }
        if !f.states.is_empty() {
            let mut parts = Vec::new();
            for s in &f.states {
                push("c.state = ?", Arg::Text(s.clone()), &mut parts);
            }
            conds.push(format!("({})", parts.join(" OR ")));
        }
    }
    if let Some(w) = &f.within {
        push(
            "o.path LIKE ?",
            Arg::Text(format!("{}%", w.as_str())),
            &mut conds,
        );
    }
    if let Some(a) = f.after_id {
        push("c.id > ?", Arg::Int(a), &mut conds);
    }
    let order = if f.after_id.is_some() {
        "c.id"
    } else {
        "c.created_at DESC, c.id DESC"
    };
    args.push(Arg::Int(f.limit.clamp(1, 10_000)));
    let limit = args.len();
    let cond = if conds.is_empty() {
        "1 = 1".to_owned()
    } else {
        conds.join(" AND ")
    };
    let sql = format!(
        "SELECT c.id, c.tracking_code, c.state, c.category, c.title, c.description, c.created_at,
                c.updated_at, c.deadline_at, c.resolved_at, c.address, o.code AS area_code,
                o.kind AS area_kind, o.name AS area, c.lat, c.lng, c.result_note,
                (SELECT d.name FROM item_assignments a JOIN orgs d ON d.id = a.org_id
                  WHERE a.kind = 'concern' AND a.item_id = c.id AND a.lead = 1
                  ORDER BY a.id DESC LIMIT 1) AS agency,
                (SELECT t.public_token FROM attachments t
                  WHERE t.kind = 'concern' AND t.item_id = c.id AND t.stage = 'intake'
                  ORDER BY t.id LIMIT 1) AS media
         FROM concerns c JOIN orgs o ON o.id = c.org_id
         WHERE {cond} ORDER BY {order} LIMIT ${limit}"
    );
    let rows = query_with(&sql, args).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(PublicConcern {
                id: col(r, "id")?,
                tracking_code: col(r, "tracking_code")?,
                state: col(r, "state")?,
                category: col(r, "category")?,
                title: col(r, "title")?,
                description: col(r, "description")?,
                created_at: col(r, "created_at")?,
                updated_at: col(r, "updated_at")?,
                deadline_at: col(r, "deadline_at")?,
                resolved_at: col(r, "resolved_at")?,
                address: col(r, "address")?,
                area_code: col(r, "area_code")?,
                area_kind: col(r, "area_kind")?,
                area: col(r, "area")?,
                lat: col(r, "lat")?,
                lng: col(r, "lng")?,
                result_note: col(r, "result_note")?,
                agency: col(r, "agency")?,
                media_token: col(r, "media")?,
            })
        })
        .collect()
}
