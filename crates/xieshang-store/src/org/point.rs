//! Units' representative points and the nearest area to a resident
//! (decision 0049): staff set a street's, community's or grid's point on the
//! unit's page; the report form's location button asks [`nearest`]. The rule
//! that chooses is `xieshang_core::org::point::pick`; here are only the reads
//! and the audited write.

use crate::audit::{self, Entry};
use crate::db::{col, query_with, Arg, Db, Tx};
use crate::org::Org;
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::org::point::{self, Placed, Point};
use xieshang_core::{Actor, OrgKind, OrgPath, Permission};

/// Whether units of this kind carry a point (the places residents live in).
pub fn has_point(kind: OrgKind) -> bool {
    matches!(kind, OrgKind::Street | OrgKind::Community | OrgKind::Grid)
}

fn point_from(r: &sqlx::any::AnyRow) -> Result<Option<Point>> {
    let lat: Option<f64> = col(r, "lat")?;
    let lng: Option<f64> = col(r, "lng")?;
    Ok(lat.zip(lng).and_then(|(lat, lng)| Point::new(lat, lng)))
}

/// A unit's point, if it has one.
pub async fn point_of(db: &Db, id: i64) -> Result<Option<Point>> {
    let row = sqlx::query("SELECT lat, lng FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Error::NotFound)?;
    point_from(&row)
}

/// Writes a unit's point (or clears it) without a check or audit: for the
/// demo and the data generator.
pub(crate) async fn set_in(tx: &mut Tx, id: i64, p: Option<Point>) -> Result<()> {
    sqlx::query("UPDATE orgs SET lat = $1, lng = $2 WHERE id = $3")
        .bind(p.map(Point::lat))
        .bind(p.map(Point::lng))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn snapshot(p: Option<Point>) -> serde_json::Value {
    json!({"lat": p.map(Point::lat), "lng": p.map(Point::lng)})
}

/// Sets or clears the point of a street, community or grid the actor
/// manages, audited with the point before and after.
pub async fn set_point(db: &Db, actor: &Actor, id: i64, p: Option<Point>) -> Result<Org> {
    let mut tx = db.begin_write().await?;
    let org = super::load(&mut tx, id).await?;
    actor.check(Permission::OrgManage, &org.path)?;
    if !has_point(org.kind) {
        return Err(Error::field(
            "lat",
            "err.point_kind",
            "only streets, communities and grids have a point",
        ));
    }
    let row = sqlx::query("SELECT lat, lng FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let before = point_from(&row)?;
    let now = db.now_ms();
    set_in(&mut tx, id, p).await?;
    sqlx::query("UPDATE orgs SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "org.point",
            entity: "org",
            entity_id: id.to_string(),
            org_id: Some(id),
            before: Some(snapshot(before)),
            after: Some(snapshot(p)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(org)
}

/// The area picked for a resident's point.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The unit's id.
    pub id: i64,
    /// Its code (what the intake forms and the API take as `area`).
    pub code: String,
    /// Its everyday name: the street, or "street · community", as the
    /// report form's picker shows it.
    pub name: String,
    /// street or community.
    pub kind: OrgKind,
    /// How far the nearest point that chose it is, in metres.
    pub metres: f64,
}

/// The area nearest to `at` among the active streets, communities and grids
/// with a point (inside `within` when given: a body's subtree), by
/// [`point::pick`]: a community (its own point or one of its grids') within
/// its reach before a street; None when nothing is near enough. One range
/// read on the point index around `at`, then one row for the name.
pub async fn nearest(db: &Db, within: Option<&OrgPath>, at: Point) -> Result<Option<Located>> {
    let ((south, north), (west, east)) = at.bounds(point::MAX_REACH_M);
    let mut args = vec![
        Arg::Float(south),
        Arg::Float(north),
        Arg::Float(west),
        Arg::Float(east),
    ];
    let scope = match within {
        Some(p) => {
            let (cond, more) = crate::db::scope::paths_condition(
                std::slice::from_ref(p),
                "o.path",
                args.len() + 1,
            );
            args.extend(more);
            format!(" AND {cond}")
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT o.id, o.kind, o.parent_id, o.lat, o.lng FROM orgs o
           LEFT JOIN orgs par ON par.id = o.parent_id
          WHERE o.lat IS NOT NULL AND o.lat >= $1 AND o.lat <= $2
            AND o.lng >= $3 AND o.lng <= $4 AND o.archived_at IS NULL
            AND o.kind IN ('street', 'community', 'grid')
            AND (o.kind <> 'grid' OR par.archived_at IS NULL){scope}"
    );
    let rows = query_with(&sql, args).fetch_all(db.pool()).await?;
    let mut placed = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = col(r, "kind")?;
        if let (Some(kind), Some(p)) = (OrgKind::parse(&kind), point_from(r)?) {
            placed.push(Placed {
                id: col(r, "id")?,
                kind,
                parent_id: col(r, "parent_id")?,
                point: p,
            });
        }
    }
    let Some(pick) = point::pick(at, &placed) else {
        return Ok(None);
    };
    // The area itself (a grid's community may lie outside the range read).
    let row = sqlx::query(
        "SELECT o.id, o.code, o.name, o.kind, p.name AS parent_name
           FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id
          WHERE o.id = $1 AND o.archived_at IS NULL AND o.kind IN ('street', 'community')",
    )
    .bind(pick.area_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let kind: String = col(&row, "kind")?;
    let kind = OrgKind::parse(&kind).ok_or(Error::NotFound)?;
    let own: String = col(&row, "name")?;
    let name = match (kind, col::<Option<String>>(&row, "parent_name")?) {
        (OrgKind::Community, Some(street)) => format!("{street} · {own}"),
        _ => own,
    };
    Ok(Some(Located {
        id: col(&row, "id")?,
        code: col(&row, "code")?,
        name,
        kind,
        metres: pick.metres,
    }))
}
