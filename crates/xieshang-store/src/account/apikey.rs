//! API keys for machine clients (311 apps, hotline and department systems). A key
//! belongs to an organisation and carries scopes; only its SHA-256 is stored, and
//! the key itself is shown once, at creation. Revoked keys stop working at once.

use crate::audit::{self, Entry};
use crate::db::{col, Db};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::OrgPath;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// File concerns (Open311 POST, `POST /api/v1/concerns` on behalf of an app).
    ConcernsCreate,
    /// Read concerns of the key's organisation with their non-public fields
    /// (never reporters' personal data).
    ConcernsRead,
    /// Post updates as a department system.
    ConcernsUpdate,
    /// Read consultations inside the key's organisation and their agreed
    /// actions (those of its consultations, and those its units own).
    ConsultationsRead,
    /// Post progress on, and mark done, the agreed actions the key's own unit
    /// owns.
    ConsultationsUpdate,
    /// Read the proposals assigned now to a unit inside the key's
    /// organisation, and the accepted (and later) proposals of a body inside
    /// it.
    ProposalsRead,
    /// Record contact with the proposer and reply, as the key's own unit,
    /// on a proposal assigned to it.
    ProposalsUpdate,
    /// Read the public-opinion reports of the bodies inside the key's
    /// organisation, with their texts, levels and instructions.
    ReportsRead,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 8] = [
        Scope::ConcernsCreate,
        Scope::ConcernsRead,
        Scope::ConcernsUpdate,
        Scope::ConsultationsRead,
        Scope::ConsultationsUpdate,
        Scope::ProposalsRead,
        Scope::ProposalsUpdate,
        Scope::ReportsRead,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Scope::ConcernsCreate => "concerns:create",
            Scope::ConcernsRead => "concerns:read",
            Scope::ConcernsUpdate => "concerns:update",
            Scope::ConsultationsRead => "consultations:read",
            Scope::ConsultationsUpdate => "consultations:update",
            Scope::ProposalsRead => "proposals:read",
            Scope::ProposalsUpdate => "proposals:update",
            Scope::ReportsRead => "reports:read",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.code() == s.trim())
    }
}

/// A valid key, as a request sees it.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// Id.
    pub id: i64,
    /// Owning unit.
    pub org_id: i64,
    /// Owning unit's path: the key acts only inside it.
    pub org_path: OrgPath,
    /// Name given at creation.
    pub name: String,
    /// Scopes.
    pub scopes: Vec<Scope>,
}

impl ApiKey {
    /// Whether the key carries the scope.
    pub fn allows(&self, s: Scope) -> bool {
        self.scopes.contains(&s)
    }

    /// A note a connected system posts, signed with the key's name so the
    /// timeline records which system spoke (empty stays empty, to be refused
    /// as any empty note is).
    pub fn signed(&self, note: &str) -> String {
        let trimmed = note.trim();
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("{trimmed}（{}）", self.name)
        }
    }
}

fn hash(key: &str) -> String {
    crate::secret::sha256_hex(key.trim())
}

/// Creates a key for the unit with `org_code`; returns (id, the key). The key is
/// not stored and cannot be shown again.
pub async fn create(
    db: &Db,
    org_code: &str,
    name: &str,
    scopes: &[Scope],
) -> Result<(i64, String)> {
    if scopes.is_empty() {
        return Err(Error::field(
            "scopes",
            "err.scopes",
            "give at least one scope",
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::field(
            "name",
            "err.name",
            "a key's name has 1 to 80 characters",
        ));
    }
    let mut tx = db.begin_write().await?;
    let org_id: i64 =
        sqlx::query_scalar("SELECT id FROM orgs WHERE code = $1 AND archived_at IS NULL")
            .bind(org_code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::field("org", "err.org_unknown", "no such unit"))?;
    let key = format!("xs_{}", crate::account::session::random_token());
    let now = db.now_ms();
    let codes: Vec<&str> = scopes.iter().map(|s| s.code()).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (org_id, name, prefix, key_hash, scopes, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org_id)
    .bind(name)
    .bind(&key[..10])
    .bind(hash(&key))
    .bind(codes.join(" "))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: None,
            action: "api_key.create",
            entity: "api_key",
            entity_id: id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({"name": name, "prefix": &key[..10], "scopes": codes})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, key))
}

/// Revokes a key. Revoking twice is harmless.
pub async fn revoke(db: &Db, id: i64) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let org_id: i64 = sqlx::query_scalar("SELECT org_id FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound)?;
    let now = db.now_ms();
    sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: None,
            action: "api_key.revoke",
            entity: "api_key",
            entity_id: id.to_string(),
            org_id: Some(org_id),
            before: None,
            after: Some(json!({"revoked": true})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How stale a key's `last_used_at` may grow before a request writes it
/// again: a write on every request made every read of the API a write on
/// one row (serialised on SQLite, a row lock on PostgreSQL), 181–535
/// requests a second at 64 connections (BENCHMARKS.md).
pub const LAST_USED_GRAIN_MS: i64 = 60_000;

/// The key with this value, if it exists and is not revoked. Its
/// `last_used_at` is written when it is older than [`LAST_USED_GRAIN_MS`].
pub async fn verify(db: &Db, key: &str) -> Result<Option<ApiKey>> {
    let row = sqlx::query(
        "SELECT k.id, k.org_id, k.name, k.scopes, k.last_used_at, o.path
           FROM api_keys k JOIN orgs o ON o.id = k.org_id
          WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
    )
    .bind(hash(key))
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let id: i64 = col(&r, "id")?;
    let now = db.now_ms();
    let stale_before = now - LAST_USED_GRAIN_MS;
    if col::<Option<i64>>(&r, "last_used_at")?.is_none_or(|t| t <= stale_before) {
        // Many requests may find it stale at once: the condition lets the
        // first write and the rest change nothing.
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $1
              WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(now)
        .bind(id)
        .bind(stale_before)
        .execute(db.pool())
        .await?;
    }
    Ok(Some(ApiKey {
        id,
        org_id: col(&r, "org_id")?,
        org_path: OrgPath::parse(&col::<String>(&r, "path")?).ok_or(Error::NotFound)?,
        name: col(&r, "name")?,
        scopes: col::<String>(&r, "scopes")?
            .split_whitespace()
            .filter_map(Scope::parse)
            .collect(),
    }))
}

/// When the key was last used, to [`LAST_USED_GRAIN_MS`].
pub async fn last_used(db: &Db, id: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT last_used_at FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await?;
    Ok(col(&row, "last_used_at")?)
}

/// A key as listed for administrators (never the key itself).
#[derive(Debug, Clone)]
pub struct Listed {
    /// Id.
    pub id: i64,
    /// Owning unit's code.
    pub org_code: String,
    /// Name.
    pub name: String,
    /// First characters of the key, to recognise it.
    pub prefix: String,
    /// Scopes as stored.
    pub scopes: String,
    /// Revoked at, if revoked.
    pub revoked_at: Option<i64>,
}

/// Every key.
pub async fn list(db: &Db) -> Result<Vec<Listed>> {
    let rows = sqlx::query(
        "SELECT k.id, o.code, k.name, k.prefix, k.scopes, k.revoked_at FROM api_keys k
         JOIN orgs o ON o.id = k.org_id ORDER BY k.id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                id: col(r, "id")?,
                org_code: col(r, "code")?,
                name: col(r, "name")?,
                prefix: col(r, "prefix")?,
                scopes: col(r, "scopes")?,
                revoked_at: col(r, "revoked_at")?,
            })
        })
        .collect()
}
