//! The full-text index every kind writes into: an item's text turned into
//! tokens (jieba words and character pairs, plus one token per unit above the
//! item) in `search_docs`, which SQLite indexes with FTS5 and PostgreSQL with a
//! 'simple' tsvector under GIN ([`crate::db::dialect`] holds the difference).
//! Written inside the item's own transaction; queried by the search feature.

use crate::db::dialect::FtsSyntax;
use crate::db::{col, Arg, Db, Dialect, Tx};
use crate::error::{Error, Result};
use xieshang_core::OrgPath;
use xieshang_text::QueryTerm;

/// The kind under which concerns are indexed (the engine's kind code; every
/// statement here reads the index by kind, written from this code).
pub const CONCERN: &str = xieshang_core::item::CONCERN.kind;

/// The text of a concern that is indexed and compared.
pub fn concern_text(title: &str, description: &str, address: Option<&str>) -> String {
    format!("{title} {description} {}", address.unwrap_or_default())
}

/// The token that says an entry lies inside a unit's subtree (letters and digits
/// only, so both databases keep it whole).
pub(crate) fn unit_token(id: i64) -> String {
    format!("unit{id}")
}

/// Writes (or rewrites) the index entry of one item inside the caller's
/// transaction, so the item and its entry commit together. Besides the text's
/// tokens the entry holds one token per unit above the item, so a search within
/// a scope asks the index for it instead of ranking the whole city's matches.
pub async fn index_in(
    tx: &mut Tx,
    dialect: Dialect,
    kind: &str,
    item_id: i64,
    text: &str,
    unit: &OrgPath,
) -> Result<()> {
    index_tokens_in(tx, dialect, kind, item_id, entry_tokens(text, unit)).await
}

/// [`index_in`] with the entry's tokens made by the caller (a kind that adds
/// its own tokens, such as the practice library's kind and state marks).
pub async fn index_tokens_in(
    tx: &mut Tx,
    dialect: Dialect,
    kind: &str,
    item_id: i64,
    tokens: String,
) -> Result<()> {
    let old = sqlx::query("SELECT id, tokens FROM search_docs WHERE kind = $1 AND item_id = $2")
        .bind(kind)
        .bind(item_id)
        .fetch_optional(&mut **tx)
        .await?;
    let id: i64 =
        match old {
            Some(r) => {
                let id: i64 = col(&r, "id")?;
                if let Some(forget) = dialect.fts_forget() {
                    // External-content FTS5 forgets a row given the values it indexed.
                    sqlx::query(forget)
                        .bind(id)
                        .bind(col::<String>(&r, "tokens")?)
                        .execute(&mut **tx)
                        .await?;
                }
                sqlx::query("UPDATE search_docs SET tokens = $1 WHERE id = $2")
                    .bind(&tokens)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                id
            }
            None => sqlx::query_scalar(
                "INSERT INTO search_docs (kind, item_id, tokens) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(kind)
            .bind(item_id)
            .bind(&tokens)
            .fetch_one(&mut **tx)
            .await?,
        };
    if let Some(head) = dialect.fts_insert_head() {
        sqlx::query(&format!("{head} VALUES ($1, $2)"))
            .bind(id)
            .bind(&tokens)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes the index entries of new items (which have none yet) inside the
/// caller's transaction: one statement for all entries, and on SQLite one for
/// their FTS5 rows. `entries` holds each item's id and
/// [`entry_tokens_from`] tokens.
pub(crate) async fn index_new_many(
    tx: &mut Tx,
    dialect: Dialect,
    kind: &str,
    entries: &[(i64, String)],
) -> Result<()> {
    let mut docs = crate::db::Batch::new(
        "INSERT INTO search_docs (kind, item_id, tokens)",
        3,
        &[0, 2],
    );
    for (item, tokens) in entries {
        docs.push(vec![
            Some(Arg::Text(kind.to_owned())),
            Some(Arg::Int(*item)),
            Some(Arg::Text(tokens.clone())),
        ]);
    }
    let ids = docs.returning(tx, "id, item_id").await?;
    if let Some(head) = dialect.fts_insert_head() {
        let mut fts = crate::db::Batch::new(head, 2, &[1]);
        for r in &ids {
            let item: i64 = col(r, "item_id")?;
            let Some((_, tokens)) = entries.iter().find(|(i, _)| *i == item) else {
                continue;
            };
            fts.push(vec![
                Some(Arg::Int(col(r, "id")?)),
                Some(Arg::Text(tokens.clone())),
            ]);
        }
        fts.flush(tx).await?;
    }
    Ok(())
}

/// The tokens of an entry from the text's tokens (already segmented, see
/// [`xieshang_text::search_tokens`]) and the unit's.
pub fn entry_tokens_from(mut tokens: Vec<String>, unit: &OrgPath) -> String {
    tokens.extend(unit.ids().into_iter().map(unit_token));
    tokens.join(" ")
}

/// The tokens of an entry: the text's, then the units'.
pub fn entry_tokens(text: &str, unit: &OrgPath) -> String {
    entry_tokens_from(xieshang_text::search_tokens(text), unit)
}

/// Rewrites the entries of every concern inside a unit's subtree (after the
/// subtree moved), inside the caller's transaction.
pub async fn reindex_within_in(tx: &mut Tx, dialect: Dialect, unit: &OrgPath) -> Result<u64> {
    let rows = sqlx::query(
        "SELECT c.id, c.title, c.description, c.address, o.path FROM concerns c
         JOIN orgs o ON o.id = c.org_id WHERE o.path LIKE $1",
    )
    .bind(format!("{}%", unit.as_str()))
    .fetch_all(&mut **tx)
    .await?;
    for r in &rows {
        let path = OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?;
        let text = concern_text(
            &col::<String>(r, "title")?,
            &col::<String>(r, "description")?,
            col::<Option<String>>(r, "address")?.as_deref(),
        );
        index_in(tx, dialect, CONCERN, col(r, "id")?, &text, &path).await?;
    }
    Ok(rows.len() as u64)
}

/// Indexes every concern that has no entry yet (after an upgrade, or after a bulk
/// load), a thousand per transaction. Returns how many it indexed.
pub async fn index_missing(db: &Db) -> Result<u64> {
    let mut after = 0i64;
    let mut done = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT c.id, c.title, c.description, c.address, o.path FROM concerns c
             JOIN orgs o ON o.id = c.org_id
             WHERE c.id > $1 AND NOT EXISTS
               (SELECT 1 FROM search_docs d WHERE d.kind = $2 AND d.item_id = c.id)
             ORDER BY c.id LIMIT 1000",
        )
        .bind(after)
        .bind(CONCERN)
        .fetch_all(db.pool())
        .await?;
        let Some(last) = rows.last() else {
            return Ok(done);
        };
        after = col(last, "id")?;
        let mut tx = db.begin_write().await?;
        for r in &rows {
            let text = concern_text(
                &col::<String>(r, "title")?,
                &col::<String>(r, "description")?,
                col::<Option<String>>(r, "address")?.as_deref(),
            );
            let path = OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?;
            index_in(&mut tx, db.dialect(), CONCERN, col(r, "id")?, &text, &path).await?;
        }
        tx.commit().await?;
        done += rows.len() as u64;
    }
}

/// Rewrites the index entry of every concern with today's tokens (after the
/// tokens changed, as when one-character search added each Chinese run's last
/// character: decision 0027), `batch` concerns per transaction, in id order,
/// so a large city is done in short writes that let the service go on.
/// `progress` is told the running total after each batch. Returns how many
/// entries it wrote.
pub async fn reindex_all(db: &Db, batch: i64, mut progress: impl FnMut(u64)) -> Result<u64> {
    let batch = batch.clamp(1, 100_000);
    let mut after = 0i64;
    let mut done = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT c.id, c.title, c.description, c.address, o.path FROM concerns c
             JOIN orgs o ON o.id = c.org_id
             WHERE c.id > $1 ORDER BY c.id LIMIT $2",
        )
        .bind(after)
        .bind(batch)
        .fetch_all(db.pool())
        .await?;
        let Some(last) = rows.last() else {
            return Ok(done);
        };
        after = col(last, "id")?;
        let mut tx = db.begin_write().await?;
        for r in &rows {
            let text = concern_text(
                &col::<String>(r, "title")?,
                &col::<String>(r, "description")?,
                col::<Option<String>>(r, "address")?.as_deref(),
            );
            let path = OrgPath::parse(&col::<String>(r, "path")?).ok_or(Error::NotFound)?;
            index_in(&mut tx, db.dialect(), CONCERN, col(r, "id")?, &text, &path).await?;
        }
        tx.commit().await?;
        done += rows.len() as u64;
        progress(done);
    }
}

/// Rebuilds SQLite's FTS5 index from `search_docs` (after rows were written there
/// in bulk); PostgreSQL's tsvector is kept by the database itself.
pub async fn rebuild(db: &Db) -> Result<()> {
    if let Some(rebuild) = db.dialect().fts_rebuild() {
        sqlx::query(rebuild).execute(db.pool()).await?;
    }
    Ok(())
}

/// The match expression for the dialect: every term must match, and one unit of
/// each group of units.
pub(crate) fn match_expr(dialect: Dialect, terms: &[QueryTerm], units: &[Vec<i64>]) -> String {
    let FtsSyntax {
        quote,
        and,
        or,
        prefix,
    } = dialect.fts_syntax();
    terms
        .iter()
        .map(|t| {
            if t.prefix {
                format!("{}{prefix}", quote(&t.word))
            } else if t.pairs.is_empty() {
                quote(&t.word)
            } else {
                let pairs: Vec<String> = t.pairs.iter().map(|p| quote(p)).collect();
                format!("({}{or}({}))", quote(&t.word), pairs.join(and))
            }
        })
        .chain(units.iter().filter(|g| !g.is_empty()).map(|g| {
            let any: Vec<String> = g.iter().map(|id| quote(&unit_token(*id))).collect();
            format!("({})", any.join(or))
        }))
        .collect::<Vec<_>>()
        .join(and)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every term must match, and one unit of each group (moved here from the
    /// dialect module's tests with the expression).
    #[test]
    fn match_expressions_quote_and_group() {
        let terms = xieshang_text::query_terms("自来水管 爆裂");
        let s = match_expr(Dialect::Sqlite, &terms, &[]);
        assert_eq!(
            s,
            "(\"自来水管\" OR (\"自来\" AND \"来水\" AND \"水管\")) AND \"爆裂\""
        );
        let p = match_expr(Dialect::Postgres, &terms, &[vec![3, 4], vec![], vec![9]]);
        assert_eq!(
            p,
            "('自来水管' | ('自来' & '来水' & '水管')) & '爆裂' & ('unit3' | 'unit4') & ('unit9')"
        );
        // One Chinese character: every token it begins (issue 26).
        let one = xieshang_text::query_terms("坑");
        assert_eq!(match_expr(Dialect::Sqlite, &one, &[]), "\"坑\"*");
        assert_eq!(match_expr(Dialect::Postgres, &one, &[]), "'坑':*");
    }
}
