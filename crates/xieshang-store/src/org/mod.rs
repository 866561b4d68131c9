//! Organisation units: queries and changes, each checked against the actor and
//! audited in the same transaction.

// h-locate begin
pub mod point;
// h-locate end

use crate::audit::{self, Entry};
use crate::db::{col, query_with, Db, Tx};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::org::{code_fits, CodePlace};
use xieshang_core::values::OrgName;
use xieshang_core::{Actor, OrgKind, OrgPath, Permission};

/// One organisation unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Id.
    pub id: i64,
    /// Parent unit, None for a root.
    pub parent_id: Option<i64>,
    /// Kind of unit.
    pub kind: OrgKind,
    /// Stable code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Path from the root.
    pub path: OrgPath,
    /// When archived, if archived.
    pub archived_at: Option<i64>,
}

impl Org {
    fn snapshot(&self) -> serde_json::Value {
        json!({"parent_id": self.parent_id, "kind": self.kind.code(), "code": self.code,
               "name": self.name, "path": self.path.as_str(), "archived_at": self.archived_at})
    }
}

const COLS: &str = "o.id, o.parent_id, o.kind, o.code, o.name, o.path, o.archived_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Org> {
    let kind: String = col(r, "kind")?;
    let path: String = col(r, "path")?;
    Ok(Org {
        id: col(r, "id")?,
        parent_id: col(r, "parent_id")?,
        kind: OrgKind::parse(&kind).ok_or(Error::NotFound)?,
        code: col(r, "code")?,
        name: col(r, "name")?,
        path: OrgPath::parse(&path).ok_or(Error::NotFound)?,
        archived_at: col(r, "archived_at")?,
    })
}

/// Appends the audit entry of a change to a unit.
async fn record(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    action: &str,
    before: Option<&Org>,
    after: &Org,
) -> Result<()> {
    audit::record(
        tx,
        now,
        Entry {
            actor: Some(actor),
            action,
            entity: "org",
            entity_id: after.id.to_string(),
            org_id: Some(after.id),
            before: before.map(Org::snapshot),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(())
}

async fn load(tx: &mut Tx, id: i64) -> Result<Org> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM orgs o WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&row)
}

/// A unit by id, without a permission check: for the system (seeding, CLI) only.
pub async fn get_unchecked(db: &Db, id: i64) -> Result<Org> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM orgs o WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&row)
}

/// The body (a district's or the city's CPPCC) a unit belongs to: the
/// nearest unit at or above it that is a district or the city.
pub async fn body_of(db: &Db, path: &OrgPath) -> Result<Org> {
    for id in path.ids().into_iter().rev() {
        let o = get_unchecked(db, id).await?;
        if matches!(o.kind, OrgKind::District | OrgKind::City) {
            return Ok(o);
        }
    }
    Err(Error::NotFound)
}

/// The body whose own work (supervision, the party system) the actor keeps
/// as staff: the body of their first staff or admin grant that reaches the
/// body itself, if any. A grant below a body (a street's, a department's)
/// does not keep the body's own work.
pub async fn staff_body(db: &Db, actor: &Actor) -> Result<Option<Org>> {
    for g in actor
        .grants
        .iter()
        .filter(|g| g.role.allows(Permission::OrgManage))
    {
        let body = body_of(db, &g.org_path).await?;
        if actor.check(Permission::OrgManage, &body.path).is_ok() {
            return Ok(Some(body));
        }
    }
    Ok(None)
}

/// A unit by code, without a permission check: for the system only.
pub async fn by_code_unchecked(db: &Db, code: &str) -> Result<Org> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM orgs o WHERE o.code = $1"))
        .bind(code)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    from_row(&row)
}

/// A unit the actor may see with `permission`.
pub async fn get(db: &Db, actor: &Actor, permission: Permission, id: i64) -> Result<Org> {
    let org = get_unchecked(db, id).await?;
    actor.check(permission, &org.path)?;
    Ok(org)
}

/// Every unit inside the actor's view scope, parents before children, siblings by
/// kind and creation order.
pub async fn tree(db: &Db, actor: &Actor, include_archived: bool) -> Result<Vec<(usize, Org)>> {
    actor.require(Permission::OrgView)?;
    let (cond, args) = crate::db::scope::condition(actor, Permission::OrgView, "o.path", 1);
    let archived = if include_archived {
        ""
    } else {
        " AND o.archived_at IS NULL"
    };
    let sql = format!("SELECT {COLS} FROM orgs o WHERE {cond}{archived}");
    let rows = query_with(&sql, args).fetch_all(db.pool()).await?;
    let orgs: Vec<Org> = rows.iter().map(from_row).collect::<Result<_>>()?;
    Ok(order_as_tree(orgs))
}

/// The live units of some kinds within the actor's scopes for `permission`,
/// by path: one indexed read, for the pickers that need only (say) the
/// bodies or the departments, not the whole tree.
pub async fn of_kinds(
    db: &Db,
    actor: &Actor,
    permission: Permission,
    kinds: &[OrgKind],
) -> Result<Vec<Org>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let (cond, mut args) = crate::db::scope::condition(actor, permission, "o.path", 1);
    let first = args.len() + 1;
    args.extend(
        kinds
            .iter()
            .map(|k| crate::db::Arg::Text(k.code().to_owned())),
    );
    let sql = format!(
        "SELECT {COLS} FROM orgs o WHERE {cond} AND o.archived_at IS NULL
           AND o.kind IN ({}) ORDER BY o.path LIMIT 5000",
        crate::db::placeholders(first, kinds.len())
    );
    query_with(&sql, args)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Orders units depth-first; returns (depth below the shallowest, unit).
fn order_as_tree(mut orgs: Vec<Org>) -> Vec<(usize, Org)> {
    orgs.sort_by(|a, b| {
        let ka = OrgKind::ALL.iter().position(|k| *k == a.kind);
        let kb = OrgKind::ALL.iter().position(|k| *k == b.kind);
        // Creation order within a kind: grids 1..13 stay in their numbered order.
        ka.cmp(&kb).then(a.id.cmp(&b.id))
    });
    let ids: std::collections::HashSet<i64> = orgs.iter().map(|o| o.id).collect();
    let roots: Vec<Org> = orgs
        .iter()
        .filter(|o| o.parent_id.is_none_or(|p| !ids.contains(&p)))
        .cloned()
        .collect();
    let mut out = Vec::with_capacity(orgs.len());
    fn walk(node: Org, depth: usize, all: &[Org], out: &mut Vec<(usize, Org)>) {
        let id = node.id;
        out.push((depth, node));
        for c in all.iter().filter(|o| o.parent_id == Some(id)) {
            walk(c.clone(), depth + 1, all, out);
        }
    }
    for r in roots {
        walk(r, 0, &orgs, &mut out);
    }
    out
}

/// Direct children of a unit the actor may see.
pub async fn children(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Org>> {
    let parent = get(db, actor, Permission::OrgView, id).await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM orgs o WHERE o.parent_id = $1 ORDER BY o.kind, o.id"
    ))
    .bind(parent.id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

fn validate_code(code: &str) -> Result<String> {
    let c = code.trim().to_lowercase();
    let ok = (2..=40).contains(&c.len())
        && c.chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-');
    if !ok {
        return Err(Error::field(
            "code",
            "err.org_code",
            "a code has 2 to 40 letters, digits or '-'",
        ));
    }
    Ok(c)
}

/// Refuses a code outside the namespace of the branch the new unit will lie in
/// (`core::org::code_fits`, decision 0019).
async fn check_code_place(tx: &mut Tx, parent: Option<&Org>, code: &str) -> Result<()> {
    let fits = match parent {
        None => code_fits(code, CodePlace::Root),
        Some(p) if p.parent_id.is_none() => {
            let others: Vec<String> =
                sqlx::query_scalar("SELECT code FROM orgs WHERE parent_id = $1")
                    .bind(p.id)
                    .fetch_all(&mut **tx)
                    .await?;
            code_fits(code, CodePlace::Branch(&others))
        }
        Some(p) => {
            let branch: String = sqlx::query_scalar("SELECT code FROM orgs WHERE id = $1")
                .bind(p.path.branch())
                .fetch_one(&mut **tx)
                .await?;
            code_fits(code, CodePlace::Inside(&branch))
        }
    };
    if fits {
        Ok(())
    } else {
        Err(Error::field(
            "code",
            "err.org_code_branch",
            "a unit's code starts with its district's code and '-'",
        ))
    }
}

/// Inserts a unit inside a transaction (no permission check, no audit): shared by
/// [`create`], the seed and the data generator, so every new unit's code is
/// checked against its district's namespace here.
pub(crate) async fn insert(
    tx: &mut Tx,
    now: i64,
    parent: Option<&Org>,
    kind: OrgKind,
    code: &str,
    name: &str,
) -> Result<Org> {
    check_code_place(tx, parent, code).await?;
    let taken = sqlx::query("SELECT id FROM orgs WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(Error::field(
            "code",
            "err.org_code_taken",
            "this code is already used",
        ));
    }
    let row = sqlx::query(
        "INSERT INTO orgs (parent_id, kind, code, name, path, created_at, updated_at)
         VALUES ($1, $2, $3, $4, '', $5, $5) RETURNING id",
    )
    .bind(parent.map(|p| p.id))
    .bind(kind.code())
    .bind(code)
    .bind(name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = col(&row, "id")?;
    let path = match parent {
        Some(p) => p.path.child(id),
        None => OrgPath::root(id),
    };
    sqlx::query("UPDATE orgs SET path = $1 WHERE id = $2")
        .bind(path.as_str())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(Org {
        id,
        parent_id: parent.map(|p| p.id),
        kind,
        code: code.to_owned(),
        name: name.to_owned(),
        path,
        archived_at: None,
    })
}

/// Creates a unit under `parent_id`.
pub async fn create(
    db: &Db,
    actor: &Actor,
    parent_id: i64,
    kind: OrgKind,
    code: &str,
    name: &str,
) -> Result<Org> {
    let mut tx = db.begin_write().await?;
    let org = create_in(&mut tx, db.now_ms(), actor, parent_id, kind, code, name).await?;
    tx.commit().await?;
    Ok(org)
}

/// [`create`] inside the caller's transaction, for a feature that writes its
/// own row beside the new unit (a party unit's level) all or nothing.
pub async fn create_in(
    tx: &mut Tx,
    now: i64,
    actor: &Actor,
    parent_id: i64,
    kind: OrgKind,
    code: &str,
    name: &str,
) -> Result<Org> {
    let name = OrgName::parse(name).map_err(|e| Error::invalid("name", e))?;
    let code = validate_code(code)?;
    let parent = load(tx, parent_id).await?;
    actor.check(Permission::OrgManage, &parent.path)?;
    if parent.archived_at.is_some() {
        return Err(Error::field(
            "parent",
            "err.org_archived",
            "the parent unit is archived",
        ));
    }
    if !parent.kind.may_hold(kind) {
        return Err(Error::field(
            "kind",
            "err.org_kind",
            "this kind of unit cannot sit under that parent",
        ));
    }
    let org = insert(tx, now, Some(&parent), kind, &code, name.as_str()).await?;
    record(tx, now, actor, "org.create", None, &org).await?;
    Ok(org)
}

/// Unit names by (database instance, unit id), for [`name_of`]: kept 30 s. A
/// rename made by this process shows at once (it drops the name); one made by
/// another server on the same PostgreSQL database shows within that time.
fn names() -> &'static crate::ttl::TtlMap<(u64, i64), std::sync::Arc<str>> {
    static NAMES: std::sync::OnceLock<crate::ttl::TtlMap<(u64, i64), std::sync::Arc<str>>> =
        std::sync::OnceLock::new();
    // A city has a few thousand units.
    NAMES.get_or_init(|| crate::ttl::TtlMap::new(std::time::Duration::from_secs(30), 50_000))
}

/// A unit's name, for pages that show a row's unit by name on every request
/// (the public status page): kept a while ([`names`]), so the page's statement
/// reads one table instead of joining `orgs`, which on PostgreSQL cost a
/// quarter of that statement.
pub async fn name_of(db: &Db, id: i64) -> Result<std::sync::Arc<str>> {
    let key = (db.instance(), id);
    if let Some(name) = names().get(&key) {
        return Ok(name);
    }
    let name: String = sqlx::query_scalar("SELECT name FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    let name: std::sync::Arc<str> = name.into();
    names().insert(key, name.clone());
    Ok(name)
}

/// Renames a unit.
pub async fn rename(db: &Db, actor: &Actor, id: i64, name: &str) -> Result<Org> {
    let name = OrgName::parse(name).map_err(|e| Error::invalid("name", e))?;
    let mut tx = db.begin_write().await?;
    let before = load(&mut tx, id).await?;
    actor.check(Permission::OrgManage, &before.path)?;
    let now = db.now_ms();
    sqlx::query("UPDATE orgs SET name = $1, updated_at = $2 WHERE id = $3")
        .bind(name.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = Org {
        name: name.as_str().to_owned(),
        ..before.clone()
    };
    record(&mut tx, now, actor, "org.rename", Some(&before), &after).await?;
    tx.commit().await?;
    names().retain(|&(_, unit)| unit != id);
    Ok(after)
}

/// Moves a unit (with its subtree) under a new parent. Both must be in the actor's
/// management scope; a unit cannot move into its own subtree.
pub async fn move_to(db: &Db, actor: &Actor, id: i64, new_parent_id: i64) -> Result<Org> {
    let mut tx = db.begin_write().await?;
    let before = load(&mut tx, id).await?;
    actor.check(Permission::OrgManage, &before.path)?;
    let parent = load(&mut tx, new_parent_id)
        .await
        .map_err(|_| Error::field("parent", "err.org_parent", "no such parent unit"))?;
    if actor.check(Permission::OrgManage, &parent.path).is_err() {
        return Err(Error::field(
            "parent",
            "err.org_parent",
            "no such parent unit",
        ));
    }
    if before.parent_id.is_none() {
        return Err(Error::field(
            "parent",
            "err.org_root",
            "the root unit cannot be moved",
        ));
    }
    if parent.path.is_within(&before.path) {
        return Err(Error::field(
            "parent",
            "err.org_cycle",
            "a unit cannot move into its own subtree",
        ));
    }
    if !parent.kind.may_hold(before.kind) {
        return Err(Error::field(
            "parent",
            "err.org_kind",
            "this kind of unit cannot sit under that parent",
        ));
    }
    if parent.archived_at.is_some() {
        return Err(Error::field(
            "parent",
            "err.org_archived",
            "the parent unit is archived",
        ));
    }
    let now = db.now_ms();
    let new_path = parent.path.child(id);
    let old = before.path.as_str().to_owned();
    sqlx::query(
        "UPDATE orgs SET path = $1 || substr(path, CAST($2 AS INTEGER)), updated_at = $3 WHERE path LIKE $4",
    )
    .bind(new_path.as_str())
    .bind(old.len() as i64 + 1)
    .bind(now)
    .bind(format!("{old}%"))
    .execute(&mut *tx)
    .await?;
    // Search entries name the units above each concern: rewrite the moved ones.
    crate::index::reindex_within_in(&mut tx, db.dialect(), &new_path).await?;
    // The moved concerns may now lie in another branch.
    crate::item::set_branch_within(&mut tx, &new_path).await?;
    sqlx::query("UPDATE orgs SET parent_id = $1 WHERE id = $2")
        .bind(parent.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = Org {
        parent_id: Some(parent.id),
        path: new_path,
        ..before.clone()
    };
    record(&mut tx, now, actor, "org.move", Some(&before), &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Archives a unit that has no active children, or restores an archived one.
pub async fn set_archived(db: &Db, actor: &Actor, id: i64, archived: bool) -> Result<Org> {
    let mut tx = db.begin_write().await?;
    let before = load(&mut tx, id).await?;
    actor.check(Permission::OrgManage, &before.path)?;
    let now = db.now_ms();
    if archived {
        if before.parent_id.is_none() {
            return Err(Error::field(
                "id",
                "err.org_root",
                "the root unit cannot be archived",
            ));
        }
        let active = sqlx::query(
            "SELECT COUNT(*) AS n FROM orgs WHERE parent_id = $1 AND archived_at IS NULL",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if col::<i64>(&active, "n")? > 0 {
            return Err(Error::field(
                "id",
                "err.org_has_children",
                "archive or move the units under it first",
            ));
        }
    }
    let at = archived.then_some(now);
    sqlx::query("UPDATE orgs SET archived_at = $1, updated_at = $2 WHERE id = $3")
        .bind(at)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = Org {
        archived_at: at,
        ..before.clone()
    };
    record(
        &mut tx,
        now,
        actor,
        if archived {
            "org.archive"
        } else {
            "org.restore"
        },
        Some(&before),
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Units the actor may manage, as candidate parents in forms.
pub async fn manageable(db: &Db, actor: &Actor) -> Result<Vec<Org>> {
    let (cond, args) = crate::db::scope::condition(actor, Permission::OrgManage, "o.path", 1);
    let sql =
        format!("SELECT {COLS} FROM orgs o WHERE {cond} AND o.archived_at IS NULL ORDER BY o.path");
    let rows = query_with(&sql, args).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}
