//! The public supervision page of a body (no login, issue 31 point 3): its
//! groups with their committees, members' names and departments, and a page
//! of its opinions with the departments' rectification results, dates and
//! states. Nothing personal beyond the members' and departments' names.
//! Bounded reads: the groups (a body has a handful), their members and
//! postings in one statement each, and 50 opinions by the body's index.

use super::opinion::{list_row, Row, ROW_COLS, ROW_FROM};
use super::{groups_of, Group, PAGE};
use crate::db::{col, Db};
use crate::org::Org;
use crate::{Error, Result};
use xieshang_core::OrgKind;

/// A group as the public sees it.
#[derive(Debug, Clone)]
pub struct PublicGroup {
    /// The group.
    pub group: Group,
    /// Its members' names, the leader first.
    pub members: Vec<String>,
    /// Its departments' names.
    pub departments: Vec<String>,
}

/// What the public page shows.
#[derive(Debug, Clone)]
pub struct PublicPage {
    /// The body.
    pub body: Org,
    /// Its groups.
    pub groups: Vec<PublicGroup>,
    /// A page of its opinions, the latest first.
    pub opinions: Vec<Row>,
}

/// The public page of the body with `code` (a district or the city): its
/// groups and the page of opinions before id `before`.
pub async fn page(db: &Db, code: &str, before: Option<i64>) -> Result<PublicPage> {
    let body = crate::org::by_code_unchecked(db, code).await?;
    if !matches!(body.kind, OrgKind::District | OrgKind::City) {
        return Err(Error::NotFound);
    }
    let groups = groups_of(db, body.id).await?;
    let mut out: Vec<PublicGroup> = groups
        .into_iter()
        .map(|group| PublicGroup {
            group,
            members: Vec::new(),
            departments: Vec::new(),
        })
        .collect();
    if !out.is_empty() {
        let members = sqlx::query(
            "SELECT m.group_id, u.display_name, CASE WHEN u.id = g.leader_id THEN 0 ELSE 1 END AS k
               FROM supervision_groups g JOIN supervision_members m ON m.group_id = g.id
               JOIN users u ON u.id = m.user_id
              WHERE g.org_id = $1 ORDER BY m.group_id, k, u.display_name",
        )
        .bind(body.id)
        .fetch_all(db.pool())
        .await?;
        for r in &members {
            let g: i64 = col(r, "group_id")?;
            if let Some(p) = out.iter_mut().find(|p| p.group.id == g) {
                p.members.push(col(r, "display_name")?);
            }
        }
        let depts = sqlx::query(
            "SELECT p.group_id, d.name FROM supervision_groups g
               JOIN supervision_postings p ON p.group_id = g.id JOIN orgs d ON d.id = p.dept_id
              WHERE g.org_id = $1 ORDER BY p.group_id, d.name",
        )
        .bind(body.id)
        .fetch_all(db.pool())
        .await?;
        for r in &depts {
            let g: i64 = col(r, "group_id")?;
            if let Some(p) = out.iter_mut().find(|p| p.group.id == g) {
                p.departments.push(col(r, "name")?);
            }
        }
    }
    let opinions = sqlx::query(&format!(
        "SELECT {ROW_COLS} FROM {ROW_FROM} WHERE s.org_id = $1 AND s.id < $2
          ORDER BY s.id DESC LIMIT {PAGE}"
    ))
    .bind(body.id)
    .bind(before.unwrap_or(i64::MAX))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(list_row)
    .collect::<Result<Vec<_>>>()?;
    Ok(PublicPage {
        body,
        groups: out,
        opinions,
    })
}
