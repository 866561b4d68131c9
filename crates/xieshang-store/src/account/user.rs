//! Accounts, role grants and login bookkeeping.

use crate::audit::{self, Entry};
use crate::db::{col, query_with, Db, Tx};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::values::Username;
use xieshang_core::{Actor, Grant, OrgPath, Permission, Role};

/// An account as staff see it.
#[derive(Debug, Clone)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// The unit the account belongs to.
    pub home_org_id: i64,
    /// Name of that unit.
    pub home_org_name: String,
    /// Path of that unit.
    pub home_org_path: OrgPath,
    /// Locked until (unix ms), if locked now.
    pub locked_until: Option<i64>,
    /// Failed logins since the last success.
    pub failed_logins: i64,
}

/// A grant as listed on a user's page.
#[derive(Debug, Clone)]
pub struct GrantRow {
    /// Grant id.
    pub id: i64,
    /// Role.
    pub role: Role,
    /// Unit id.
    pub org_id: i64,
    /// Unit name.
    pub org_name: String,
}

const COLS: &str = "u.id, u.username, u.display_name, u.home_org_id, o.name AS home_org_name, \
                    o.path AS home_org_path, u.locked_until, u.failed_logins";

fn from_row(r: &sqlx::any::AnyRow) -> Result<User> {
    let path: String = col(r, "home_org_path")?;
    Ok(User {
        id: col(r, "id")?,
        username: col(r, "username")?,
        display_name: col(r, "display_name")?,
        home_org_id: col(r, "home_org_id")?,
        home_org_name: col(r, "home_org_name")?,
        home_org_path: OrgPath::parse(&path).ok_or(Error::NotFound)?,
        locked_until: col(r, "locked_until")?,
        failed_logins: col(r, "failed_logins")?,
    })
}

/// The signed-in actor for an account: its grants with their paths.
pub async fn actor(db: &Db, user_id: i64) -> Result<Actor> {
    let u = sqlx::query("SELECT username, display_name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let rows = sqlx::query(
        "SELECT g.role, g.org_id, o.path FROM grants g JOIN orgs o ON o.id = g.org_id
         WHERE g.user_id = $1 ORDER BY g.id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    let mut grants = Vec::new();
    for r in &rows {
        let role: String = col(r, "role")?;
        let path: String = col(r, "path")?;
        if let (Some(role), Some(org_path)) = (Role::parse(&role), OrgPath::parse(&path)) {
            grants.push(Grant {
                role,
                org_id: col(r, "org_id")?,
                org_path,
            });
        }
    }
    Ok(Actor {
        user_id,
        username: col(&u, "username")?,
        display_name: col(&u, "display_name")?,
        grants,
    })
}

/// What login needs to know about an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Account id.
    pub id: i64,
    /// PHC hash.
    pub password_hash: String,
    /// Locked until (unix ms).
    pub locked_until: Option<i64>,
    /// Disabled accounts never log in.
    pub disabled: bool,
}

/// Login data for a username, if the account exists.
pub async fn credentials(db: &Db, username: &str) -> Result<Option<Credentials>> {
    let row = sqlx::query(
        "SELECT id, password_hash, locked_until, disabled_at FROM users WHERE username = $1",
    )
    .bind(username.trim().to_lowercase())
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(Credentials {
            id: col(&r, "id")?,
            password_hash: col(&r, "password_hash")?,
            locked_until: col(&r, "locked_until")?,
            disabled: col::<Option<i64>>(&r, "disabled_at")?.is_some(),
        })
    })
    .transpose()
}

/// The lock-out rule.
#[derive(Debug, Clone, Copy)]
pub struct LockPolicy {
    /// Failures in a row that lock the account.
    pub max_failures: i64,
    /// How long a lock lasts, in milliseconds.
    pub lock_ms: i64,
}

/// Records a failed login; locks the account when the failures reach the limit.
/// Returns true when this failure locked it.
pub async fn login_failed(db: &Db, user_id: i64, policy: LockPolicy) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    let row = sqlx::query(
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins, home_org_id",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    let failures: i64 = col(&row, "failed_logins")?;
    let org: i64 = col(&row, "home_org_id")?;
    let locked = failures >= policy.max_failures;
    if locked {
        sqlx::query("UPDATE users SET locked_until = $1, failed_logins = 0 WHERE id = $2")
            .bind(now + policy.lock_ms)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            now,
            Entry {
                actor: None,
                action: "user.locked",
                entity: "user",
                entity_id: user_id.to_string(),
                org_id: Some(org),
                before: None,
                after: Some(json!({"locked_until": now + policy.lock_ms, "failures": failures})),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(locked)
}

/// Clears the failure count after a successful login.
pub async fn login_succeeded(db: &Db, user_id: i64) -> Result<()> {
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Inserts an account and its grants inside a transaction (no check, no audit).
pub(crate) async fn insert(
    tx: &mut Tx,
    now: i64,
    username: &Username,
    display_name: &str,
    password_hash: &str,
    home_org_id: i64,
) -> Result<i64> {
    let taken = sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(username.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(Error::field(
            "username",
            "err.username_taken",
            "this username is already used",
        ));
    }
    let row = sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, home_org_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(username.as_str())
    .bind(display_name)
    .bind(password_hash)
    .bind(home_org_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(col(&row, "id")?)
}

pub(crate) async fn insert_grant(
    tx: &mut Tx,
    now: i64,
    user_id: i64,
    role: Role,
    org_id: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO grants (user_id, role, org_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(role.code())
    .bind(org_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(col(&row, "id")?)
}

async fn org_path(tx: &mut Tx, org_id: i64, field: &'static str) -> Result<OrgPath> {
    let row = sqlx::query("SELECT path FROM orgs WHERE id = $1 AND archived_at IS NULL")
        .bind(org_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::field(field, "err.org_unknown", "no such unit"))?;
    OrgPath::parse(&col::<String>(&row, "path")?).ok_or(Error::NotFound)
}

/// Creates an account in a unit the actor may manage users of.
pub async fn create(
    db: &Db,
    actor: &Actor,
    username: &str,
    display_name: &str,
    password_hash: &str,
    home_org_id: i64,
) -> Result<i64> {
    let username = Username::parse(username).map_err(|e| Error::invalid("username", e))?;
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 40 {
        return Err(Error::field(
            "display_name",
            "err.display_name",
            "a name has 1 to 40 characters",
        ));
    }
    xieshang_core::values::check_text(display_name, xieshang_core::values::Lines::One)
        .map_err(|e| Error::invalid("display_name", e))?;
    let mut tx = db.begin_write().await?;
    let path = org_path(&mut tx, home_org_id, "home_org_id").await?;
    actor.check(Permission::UserManage, &path)?;
    let now = db.now_ms();
    let id = insert(
        &mut tx,
        now,
        &username,
        display_name,
        password_hash,
        home_org_id,
    )
    .await?;
    sqlx::query("UPDATE users SET must_change_password = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "user.create",
            entity: "user",
            entity_id: id.to_string(),
            org_id: Some(home_org_id),
            before: None,
            after: Some(
                json!({"username": username.as_str(), "display_name": display_name,
                               "home_org_id": home_org_id}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn load(db: &Db, id: i64) -> Result<User> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM users u JOIN orgs o ON o.id = u.home_org_id WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    from_row(&row)
}

/// An account the actor may see with `permission`.
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<User> {
    let mut user = load(db, id).await?;
    actor.check(permission, &user.home_org_path)?;
    user.locked_until = user.locked_until.filter(|t| *t > db.now_ms());
    Ok(user)
}

/// Accounts whose home unit lies in the actor's user-view scope.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<User>> {
    actor.require(Permission::UserView)?;
    let (cond, args) = crate::db::scope::condition(actor, Permission::UserView, "o.path", 1);
    let sql = format!(
        "SELECT {COLS} FROM users u JOIN orgs o ON o.id = u.home_org_id WHERE {cond}
         ORDER BY o.path, u.username LIMIT 500"
    );
    let rows = query_with(&sql, args).fetch_all(db.pool()).await?;
    // A lock that has run out is not shown as one.
    let now = db.now_ms();
    rows.iter()
        .map(|r| {
            from_row(r).map(|mut u| {
                u.locked_until = u.locked_until.filter(|t| *t > now);
                u
            })
        })
        .collect()
}

/// The grants of an account.
pub async fn grants(db: &Db, actor: &Actor, user_id: i64) -> Result<Vec<GrantRow>> {
    get(db, actor, Permission::UserView, user_id).await?;
    let rows = sqlx::query(
        "SELECT g.id, g.role, g.org_id, o.name FROM grants g JOIN orgs o ON o.id = g.org_id
         WHERE g.user_id = $1 ORDER BY g.id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let role: String = col(r, "role")?;
        if let Some(role) = Role::parse(&role) {
            out.push(GrantRow {
                id: col(r, "id")?,
                role,
                org_id: col(r, "org_id")?,
                org_name: col(r, "name")?,
            });
        }
    }
    Ok(out)
}

/// Whether the actor may give `role` over the unit at `path`, or take it back:
/// some grant of theirs covers the unit and may grant the role
/// ([`Role::may_grant`]: accounts managed there, and the role not above it).
fn may_give(actor: &Actor, role: Role, path: &OrgPath) -> bool {
    actor
        .grants
        .iter()
        .any(|g| path.is_within(&g.org_path) && g.role.may_grant(role))
}

fn above_own() -> Error {
    Error::field(
        "role",
        "err.role_above_own",
        "nobody grants or takes back a role above their own",
    )
}

/// Grants a role over a unit's subtree (decision 0019). The actor must manage
/// users of both the account and the unit, may not grant a role above the one
/// they hold there, and never grants anything to themselves.
pub async fn grant(db: &Db, actor: &Actor, user_id: i64, role: Role, org_id: i64) -> Result<i64> {
    let user = get(db, actor, Permission::UserManage, user_id).await?;
    if user.id == actor.user_id {
        return Err(Error::field(
            "role",
            "err.grant_self",
            "nobody grants a role to themselves",
        ));
    }
    let mut tx = db.begin_write().await?;
    let path = org_path(&mut tx, org_id, "org_id").await?;
    if actor.check(Permission::UserManage, &path).is_err() {
        return Err(Error::field("org_id", "err.org_unknown", "no such unit"));
    }
    if !may_give(actor, role, &path) {
        return Err(above_own());
    }
    let exists =
        sqlx::query("SELECT id FROM grants WHERE user_id = $1 AND role = $2 AND org_id = $3")
            .bind(user_id)
            .bind(role.code())
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_some() {
        return Err(Error::field(
            "role",
            "err.grant_exists",
            "the account already has this role there",
        ));
    }
    let now = db.now_ms();
    let id = insert_grant(&mut tx, now, user_id, role, org_id).await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "user.grant",
            entity: "user",
            entity_id: user.id.to_string(),
            org_id: Some(user.home_org_id),
            before: None,
            after: Some(json!({"grant_id": id, "role": role.code(), "org_id": org_id})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Revokes a grant of an account the actor manages, over a unit the actor
/// manages, of a role the actor could grant there.
pub async fn revoke(db: &Db, actor: &Actor, user_id: i64, grant_id: i64) -> Result<()> {
    let user = get(db, actor, Permission::UserManage, user_id).await?;
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "SELECT g.role, g.org_id, o.path FROM grants g JOIN orgs o ON o.id = g.org_id
         WHERE g.id = $1 AND g.user_id = $2",
    )
    .bind(grant_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound)?;
    let path = OrgPath::parse(&col::<String>(&row, "path")?).ok_or(Error::NotFound)?;
    actor.check(Permission::UserManage, &path)?;
    let role: String = col(&row, "role")?;
    // What one may not grant, one may not take back either.
    if !Role::parse(&role).is_some_and(|r| may_give(actor, r, &path)) {
        return Err(above_own());
    }
    sqlx::query("DELETE FROM grants WHERE id = $1")
        .bind(grant_id)
        .execute(&mut *tx)
        .await?;
    let now = db.now_ms();
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "user.revoke",
            entity: "user",
            entity_id: user.id.to_string(),
            org_id: Some(user.home_org_id),
            before: Some(
                json!({"grant_id": grant_id, "role": role, "org_id": col::<i64>(&row, "org_id")?}),
            ),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn write_password(
    db: &Db,
    actor: Option<&Actor>,
    user: &User,
    password_hash: &str,
    must_change: bool,
    action: &str,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, failed_logins = 0,
         locked_until = NULL, reset_token_hash = NULL, reset_expires_at = NULL, updated_at = $3
         WHERE id = $4",
    )
    .bind(password_hash)
    .bind(i64::from(must_change))
    .bind(now)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    crate::account::session::delete_for_user(&mut tx, user.id).await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor,
            action,
            entity: "user",
            entity_id: user.id.to_string(),
            org_id: Some(user.home_org_id),
            before: Some(json!({"locked_until": user.locked_until})),
            // The hash itself is never written to the audit log.
            after: Some(json!({"password": "changed", "must_change_password": must_change})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator sets a new temporary password and lifts any lock; the user must
/// change it at next login, and their sessions end. Whoever sets a password can
/// sign in as the account, so only someone who could grant every role the
/// account holds may reset it (decision 0019): staff do not reset a leader's.
pub async fn reset_password(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    password_hash: &str,
) -> Result<()> {
    let user = get(db, actor, Permission::UserManage, user_id).await?;
    let holder = self::actor(db, user.id).await?;
    if !holder
        .grants
        .iter()
        .all(|g| may_give(actor, g.role, &g.org_path))
    {
        return Err(above_own());
    }
    write_password(
        db,
        Some(actor),
        &user,
        password_hash,
        true,
        "user.reset_password",
    )
    .await
}

/// The operator resets a password from the command line (`xieshang admin
/// password-reset`), for when nobody who could reset it can sign in: the new
/// password is temporary (a change is forced at next login), any lock is
/// lifted, every session ends, and the audit log records it as the system's
/// (`user.reset_password_cli`). An unknown username is [`Error::NotFound`].
pub async fn reset_password_by_operator(
    db: &Db,
    username: &str,
    password_hash: &str,
) -> Result<()> {
    let username = Username::parse(username).map_err(|e| Error::invalid("username", e))?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username.as_str())
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let user = load(db, id).await?;
    write_password(
        db,
        None,
        &user,
        password_hash,
        true,
        "user.reset_password_cli",
    )
    .await
}

/// A user changes their own password (the caller has checked the old one).
pub async fn change_own_password(db: &Db, actor: &Actor, password_hash: &str) -> Result<()> {
    let user = load(db, actor.user_id).await?;
    write_password(
        db,
        Some(actor),
        &user,
        password_hash,
        false,
        "user.change_password",
    )
    .await
}

/// How long a password-reset link works.
pub const RESET_TTL_MS: i64 = 30 * 60_000;

fn token_hash(token: &str) -> String {
    crate::secret::sha256_hex(token.trim())
}

/// The owner of an account asks for a password-reset link. When the account
/// exists, is not disabled and has an email address, a new link replaces any
/// earlier one and an email job carrying it is queued (the worker sends it
/// with the public base URL); otherwise nothing happens. The caller answers
/// the same either way, so this tells nobody which accounts exist.
pub async fn request_reset(db: &Db, username: &str) -> Result<()> {
    let mut tx = db.begin_write().await?;
    // A link sent in the last five minutes stands: asking again and again
    // neither floods the owner's mailbox nor keeps replacing their link.
    let now = db.now_ms();
    let row = sqlx::query(
        "SELECT id, email FROM users WHERE username = $1 AND disabled_at IS NULL
         AND (reset_expires_at IS NULL OR reset_expires_at < $2)",
    )
    .bind(username.trim())
    .bind(now + RESET_TTL_MS - 5 * 60_000)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let Some(email) = col::<Option<String>>(&row, "email")?.filter(|e| e.contains('@')) else {
        return Ok(());
    };
    let id: i64 = col(&row, "id")?;
    let token = crate::secret::random_code(b"23456789abcdefghjkmnpqrstuvwxyz", 32);
    sqlx::query("UPDATE users SET reset_token_hash = $1, reset_expires_at = $2 WHERE id = $3")
        .bind(token_hash(&token))
        .bind(now + RESET_TTL_MS)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::item::enqueue(
        &mut tx,
        now,
        &[crate::item::Job {
            kind: "password_reset",
            payload: json!({ "to": email, "token": token }),
        }],
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: None,
            action: "user.reset_requested",
            entity: "user",
            entity_id: id.to_string(),
            org_id: None,
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The signed-in user sets (or, with None, clears) their own email address,
/// where password-reset links go.
pub async fn set_own_email(
    db: &Db,
    actor: &Actor,
    email: Option<&xieshang_core::values::Email>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    let before: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound)?;
    sqlx::query("UPDATE users SET email = $1, updated_at = $2 WHERE id = $3")
        .bind(email.map(|e| e.as_str()))
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "user.set_email",
            entity: "user",
            entity_id: actor.user_id.to_string(),
            org_id: None,
            // The chain keeps that the address changed, not the address:
            // it is kept for good and read by auditors (decision 0051).
            before: Some(json!({
                "email": before.as_deref().map(xieshang_core::personal::mask_email)
            })),
            after: Some(json!({
                "email": email.map(|e| xieshang_core::personal::mask_email(e.as_str()))
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The signed-in user's own email address, if set.
pub async fn own_email(db: &Db, user_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar::<_, Option<String>>("SELECT email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?
            .flatten(),
    )
}

/// Whether a reset link's token works now (for showing its form).
pub async fn reset_token_valid(db: &Db, token: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE reset_token_hash = $1 AND reset_expires_at > $2
         AND disabled_at IS NULL",
    )
    .bind(token_hash(token))
    .bind(db.now_ms())
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// The owner sets a new password with a reset link's token: the lock (if any)
/// is lifted, every session ends, and the token is used up. An unknown or
/// expired token is [`Error::NotFound`].
pub async fn reset_with_token(db: &Db, token: &str, password_hash: &str) -> Result<()> {
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM users WHERE reset_token_hash = $1 AND reset_expires_at > $2
         AND disabled_at IS NULL",
    )
    .bind(token_hash(token))
    .bind(db.now_ms())
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    let user = load(db, id).await?;
    write_password(db, None, &user, password_hash, false, "user.reset_by_owner").await
}

/// Ends every session of an account (its lock-out while signed in).
pub async fn end_sessions(db: &Db, user_id: i64) -> Result<()> {
    let mut tx = db.begin_write().await?;
    crate::account::session::delete_for_user(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The password hash of an account (to check the old password on change).
pub async fn password_hash(db: &Db, user_id: i64) -> Result<String> {
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    Ok(col(&row, "password_hash")?)
}

/// People holding one of `roles` on a unit inside one of `scopes` (whom a
/// body may invite), by name: (user id, name). At most 2,000.
pub async fn people_with_roles(
    db: &Db,
    scopes: &[OrgPath],
    roles: &[Role],
) -> Result<Vec<(i64, String)>> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let (cond, mut args) = crate::db::scope::paths_condition(scopes, "o.path", 1);
    let first = args.len() + 1;
    for r in roles {
        args.push(crate::db::Arg::Text(r.code().to_owned()));
    }
    let list = crate::db::placeholders(first, roles.len());
    crate::db::query_with(
        &format!(
            "SELECT DISTINCT u.id, u.display_name FROM grants g
               JOIN orgs o ON o.id = g.org_id JOIN users u ON u.id = g.user_id
              WHERE {cond} AND g.role IN ({list}) AND u.disabled_at IS NULL
              ORDER BY u.display_name, u.id LIMIT 2000"
        ),
        args,
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((col(r, "id")?, col(r, "display_name")?)))
    .collect()
}
