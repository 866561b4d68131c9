//! The append-only, hash-chained audit log.
//!
//! Each row's hash covers its own fields and the previous row's hash; a head row
//! holds the last id and hash, so edits, deletions and truncation are all found by
//! [`verify`]. Appending takes the head row's lock, which orders writers on both
//! databases. Reading it (filters, masking, scope) is [`view`]; the daily
//! check of the chain is [`check`].

pub mod check;
pub mod view;

use crate::db::{col, Db, Tx};
use crate::Result;
use serde_json::Value;
use sha2::{Digest, Sha256};
use xieshang_core::Actor;

/// What changed, to be recorded inside the same transaction as the change.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Who did it (None for the system).
    pub actor: Option<&'a Actor>,
    /// Verb, such as `org.create`.
    pub action: &'a str,
    /// Kind of record.
    pub entity: &'a str,
    /// Record id.
    pub entity_id: String,
    /// Organisation the record belongs to.
    pub org_id: Option<i64>,
    /// State before (None on create).
    pub before: Option<Value>,
    /// State after (None on delete).
    pub after: Option<Value>,
}

/// One stored audit row.
#[derive(Debug, Clone)]
pub struct Row {
    /// Sequence number.
    pub id: i64,
    /// When, unix ms.
    pub at: i64,
    /// Actor account, if any.
    pub actor_user_id: Option<i64>,
    /// Actor name at the time.
    pub actor_name: String,
    /// Verb.
    pub action: String,
    /// Kind of record.
    pub entity: String,
    /// Record id.
    pub entity_id: String,
    /// Organisation.
    pub org_id: Option<i64>,
    /// JSON before.
    pub before_json: Option<String>,
    /// JSON after.
    pub after_json: Option<String>,
    /// Previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

fn digest(r: &Row) -> String {
    // A JSON array is an unambiguous encoding of the fields.
    let body = serde_json::json!([
        r.id,
        r.at,
        r.actor_user_id,
        r.actor_name,
        r.action,
        r.entity,
        r.entity_id,
        r.org_id,
        r.before_json,
        r.after_json,
    ]);
    let mut h = Sha256::new();
    h.update(r.prev_hash.as_bytes());
    h.update(body.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Appends an entry inside the caller's transaction.
pub async fn record(tx: &mut Tx, now_ms: i64, entry: Entry<'_>) -> Result<i64> {
    let ids = record_many(tx, now_ms, vec![entry]).await?;
    Ok(ids.start)
}

/// Appends entries in order inside the caller's transaction: the head is
/// taken once and the rows go in one statement, whatever their number.
/// Returns the ids they got.
pub async fn record_many(
    tx: &mut Tx,
    now_ms: i64,
    entries: Vec<Entry<'_>>,
) -> Result<std::ops::Range<i64>> {
    let n = entries.len() as i64;
    if n == 0 {
        return Ok(0..0);
    }
    let head = sqlx::query(
        "UPDATE audit_head SET last_id = last_id + $1 WHERE id = 1 RETURNING last_id, last_hash",
    )
    .bind(n)
    .fetch_one(&mut **tx)
    .await?;
    let last: i64 = col(&head, "last_id")?;
    let mut prev_hash: String = col(&head, "last_hash")?;
    let first = last - n + 1;
    let mut rows = crate::db::Batch::new(
        "INSERT INTO audit_log (id, at, actor_user_id, actor_name, action, entity, entity_id,
           org_id, before_json, after_json, prev_hash, hash)",
        12,
        &[3, 4, 5, 6, 8, 9, 10, 11],
    );
    for (id, entry) in (first..).zip(entries) {
        let mut row = Row {
            id,
            at: now_ms,
            actor_user_id: entry.actor.map(|a| a.user_id),
            actor_name: entry
                .actor
                .map(|a| a.username.clone())
                .unwrap_or_else(|| "system".into()),
            action: entry.action.to_owned(),
            entity: entry.entity.to_owned(),
            entity_id: entry.entity_id,
            org_id: entry.org_id,
            before_json: entry.before.map(|v| v.to_string()),
            after_json: entry.after.map(|v| v.to_string()),
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
        };
        row.hash = digest(&row);
        prev_hash = row.hash.clone();
        use crate::db::Arg::{Int, Text};
        rows.push(vec![
            Some(Int(row.id)),
            Some(Int(row.at)),
            row.actor_user_id.map(Int),
            Some(Text(row.actor_name)),
            Some(Text(row.action)),
            Some(Text(row.entity)),
            Some(Text(row.entity_id)),
            row.org_id.map(Int),
            row.before_json.map(Text),
            row.after_json.map(Text),
            Some(Text(row.prev_hash)),
            Some(Text(row.hash)),
        ]);
    }
    rows.flush(tx).await?;
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1")
        .bind(&prev_hash)
        .execute(&mut **tx)
        .await?;
    Ok(first..last + 1)
}

fn row_from(r: &sqlx::any::AnyRow) -> sqlx::Result<Row> {
    Ok(Row {
        id: col(r, "id")?,
        at: col(r, "at")?,
        actor_user_id: col(r, "actor_user_id")?,
        actor_name: col(r, "actor_name")?,
        action: col(r, "action")?,
        entity: col(r, "entity")?,
        entity_id: col(r, "entity_id")?,
        org_id: col(r, "org_id")?,
        before_json: col(r, "before_json")?,
        after_json: col(r, "after_json")?,
        prev_hash: col(r, "prev_hash")?,
        hash: col(r, "hash")?,
    })
}

const COLUMNS: &str = "id, at, actor_user_id, actor_name, action, entity, entity_id, org_id, \
                       before_json, after_json, prev_hash, hash";

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every row checks out.
    Ok {
        /// Rows checked.
        rows: i64,
    },
    /// The first row that does not check out, and why.
    Broken {
        /// Id of the first bad row (or of the missing one).
        row_id: i64,
        /// What is wrong.
        reason: String,
    },
}

/// The head: the last row's id and hash, written with each row.
async fn head(db: &Db) -> Result<(i64, String)> {
    let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    Ok((col(&head, "last_id")?, col(&head, "last_hash")?))
}

/// Walks the chain in id order, in pages, up to the head read before the
/// walk, and reports the first bad row. The system may write while it walks
/// (the daily check runs on a live system): rows written after the head was
/// read are checked next time, and a row beyond a head read afterwards (one
/// no write put there) is reported.
pub async fn verify(db: &Db) -> Result<Verdict> {
    let (last_id, last_hash) = head(db).await?;
    let mut prev_hash = "0".repeat(64);
    let mut expected_id = 1i64;
    let mut rows = 0i64;
    loop {
        let page = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE id >= $1 AND id <= $2 ORDER BY id LIMIT 1000"
        ))
        .bind(expected_id)
        .bind(last_id)
        .fetch_all(db.pool())
        .await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            let row = row_from(r)?;
            if row.id != expected_id {
                return Ok(Verdict::Broken {
                    row_id: expected_id,
                    reason: format!("row {expected_id} is missing"),
                });
            }
            if row.prev_hash != prev_hash {
                return Ok(Verdict::Broken {
                    row_id: row.id,
                    reason: "previous-hash link does not match the row before".into(),
                });
            }
            if digest(&row) != row.hash {
                return Ok(Verdict::Broken {
                    row_id: row.id,
                    reason: "contents do not match the row's hash".into(),
                });
            }
            prev_hash = row.hash;
            expected_id += 1;
            rows += 1;
        }
    }
    if last_id != rows || last_hash != prev_hash {
        return Ok(Verdict::Broken {
            row_id: rows + 1,
            reason: format!(
                "chain ends at row {rows} but the head says {last_id}: rows were removed"
            ),
        });
    }
    // A row is written with the head in one transaction: one beyond the head
    // as it stands now was put there by hand.
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
        .fetch_one(db.pool())
        .await?;
    if let Some(max) = max.filter(|m| *m > last_id) {
        let (now_last, _) = head(db).await?;
        if max > now_last {
            return Ok(Verdict::Broken {
                row_id: now_last + 1,
                reason: format!(
                    "row {max} lies beyond the head ({now_last}): rows were added by hand"
                ),
            });
        }
    }
    Ok(Verdict::Ok { rows })
}
