//! A consultation's materials (会议材料, issue 28 point 6): PDF, Office
//! documents and images attached by staff, stored as concern photos are (in
//! `attachments`, keyed by kind and item, stage `material`), read by the
//! consultation's participants and staff only; staff may publish one with the
//! outcome, and the body's public page of held consultations then links it.
//!
//! A file is judged by its content, never by its name alone: its first bytes
//! say what it is (`%PDF-`, a JPEG, PNG or WebP header, an OLE2 compound file,
//! or a ZIP whose parts are a Word, Excel or PowerPoint document), and its
//! name must end as that content is. The size is capped while the upload
//! streams in (decision 0015); a ZIP's directory is read within that cap and
//! nothing in it is unpacked.

use crate::audit::{self, Entry};
use crate::db::{col, Db};
use crate::upload;
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::{Actor, Permission};

/// At most this many bytes per file.
pub const MAX_BYTES: usize = upload::MAX_BYTES;
/// At most this many materials per consultation.
pub const MAX_PER_CONSULTATION: i64 = 30;
/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;

pub use upload::{Checked, FileKind};

/// What a material may be: any kind [`upload`] knows, up to 20 MB.
pub const ACCEPT: upload::Accept = upload::Accept {
    field: "file",
    kinds: &FileKind::ALL,
    max_bytes: MAX_BYTES,
    type_key: "err.material_type",
    type_message:
        "a material is a PDF, a Word, Excel or PowerPoint document, or a JPEG, PNG or WebP image",
    name_key: "err.material_name",
    size_key: "err.material_size",
    size_message: "a material is at most 20 MB: compress it or split it",
    missing_key: "err.material_missing",
};

/// What a file is, by its content and its name (see [`upload::sniff`]).
pub fn sniff(name: &str, bytes: &[u8]) -> Result<FileKind> {
    upload::sniff(name, bytes, &ACCEPT)
}

/// Checks one uploaded material: its size, then its content against its
/// name. (Reads a ZIP's directory: call from the parsing pool.)
pub fn check(name: &str, bytes: Vec<u8>) -> Result<Checked> {
    upload::check(name, bytes, &ACCEPT)
}

/// The refusal of a file over [`MAX_BYTES`].
pub fn too_large() -> Error {
    ACCEPT.too_large()
}

/// A material as the consultation's page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// Id.
    pub id: i64,
    /// Title (the file's name when none was given).
    pub title: String,
    /// The file's name as sent.
    pub file_name: String,
    /// Its kind.
    pub kind: FileKind,
    /// Size in bytes.
    pub size: i64,
    /// Published with the outcome.
    pub published: bool,
    /// The token its public link carries (only served once published).
    pub token: String,
    /// When attached.
    pub created_at: i64,
}

const COLS: &str = "id, title, file_name, content_type, length(bytes) AS size, published,
    public_token, created_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Material> {
    let file_name: String = col::<Option<String>>(r, "file_name")?.unwrap_or_default();
    Ok(Material {
        id: col(r, "id")?,
        title: col::<Option<String>>(r, "title")?.unwrap_or_else(|| file_name.clone()),
        file_name,
        kind: FileKind::from_content_type(&col::<String>(r, "content_type")?)
            .ok_or(Error::NotFound)?,
        size: col(r, "size")?,
        published: col::<i64>(r, "published")? == 1,
        token: col(r, "public_token")?,
        created_at: col(r, "created_at")?,
    })
}

/// Attaches a checked file to a consultation not cancelled or closed, with a
/// title (the file's name when blank). Returns its id.
pub async fn add(
    db: &Db,
    actor: &Actor,
    consultation_id: i64,
    title: &str,
    file: &Checked,
) -> Result<i64> {
    let c = super::get(db, actor, Permission::ConsultationManage, consultation_id).await?;
    if !matches!(c.state.as_str(), "convened" | "held") {
        return Err(Error::field(
            "file",
            "err.materials_closed",
            "materials are attached until the consultation closes",
        ));
    }
    let title = title.trim();
    if title.chars().count() > TITLE_MAX {
        return Err(Error::field(
            "material_title",
            "err.too_long",
            "at most 100 characters",
        ));
    }
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM attachments
          WHERE kind = 'consultation' AND item_id = $1 AND stage = 'material'",
    )
    .bind(consultation_id)
    .fetch_one(&mut *tx)
    .await?;
    if count >= MAX_PER_CONSULTATION {
        return Err(Error::field(
            "file",
            "err.materials_full",
            "a consultation has at most 30 materials",
        ));
    }
    let token = crate::account::session::random_token();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (kind, item_id, public_token, stage, content_type, width, height,
           bytes, created_at, file_name, title)
         VALUES ('consultation', $1, $2, 'material', $3, 0, 0, $4, $5, $6, $7) RETURNING id",
    )
    .bind(consultation_id)
    .bind(&token)
    .bind(file.kind.content_type())
    .bind(file.bytes.clone())
    .bind(now)
    .bind(&file.file_name)
    .bind((!title.is_empty()).then_some(title))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation.material",
            entity: "consultation",
            entity_id: consultation_id.to_string(),
            org_id: Some(c.org_id),
            before: None,
            after: Some(json!({"material": id, "file_name": file.file_name,
                "type": file.kind.content_type(), "size": file.bytes.len()})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A consultation's materials, as attached (no bytes).
pub async fn of(db: &Db, consultation_id: i64) -> Result<Vec<Material>> {
    sqlx::query(&format!(
        "SELECT {COLS} FROM attachments
          WHERE kind = 'consultation' AND item_id = $1 AND stage = 'material' ORDER BY id"
    ))
    .bind(consultation_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// One material with its bytes, for those who may read the consultation
/// (its participants, its staff); another consultation's is not found.
pub async fn file(
    db: &Db,
    actor: &Actor,
    consultation_id: i64,
    id: i64,
) -> Result<(Material, Vec<u8>)> {
    super::get(db, actor, Permission::ConsultationView, consultation_id).await?;
    let r = sqlx::query(&format!(
        "SELECT {COLS}, bytes FROM attachments
          WHERE id = $1 AND kind = 'consultation' AND item_id = $2 AND stage = 'material'"
    ))
    .bind(id)
    .bind(consultation_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    Ok((from_row(&r)?, col(&r, "bytes")?))
}

/// Staff publish a material with the outcome (or take it back).
pub async fn publish(
    db: &Db,
    actor: &Actor,
    consultation_id: i64,
    id: i64,
    published: bool,
) -> Result<()> {
    let c = super::get(db, actor, Permission::ConsultationManage, consultation_id).await?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE attachments SET published = $1
          WHERE id = $2 AND kind = 'consultation' AND item_id = $3 AND stage = 'material'",
    )
    .bind(i64::from(published))
    .bind(id)
    .bind(consultation_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "consultation.material_publish",
            entity: "consultation",
            entity_id: consultation_id.to_string(),
            org_id: Some(c.org_id),
            before: None,
            after: Some(json!({"material": id, "published": published})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The published materials of a held (or closed) consultation: (title,
/// token), as attached.
pub async fn published(db: &Db, consultation_id: i64) -> Result<Vec<(String, String)>> {
    Ok(of(db, consultation_id)
        .await?
        .into_iter()
        .filter(|m| m.published)
        .map(|m| (m.title, m.token))
        .collect())
}

/// The published materials of several consultations, (title, public token)
/// by consultation, in the order they were attached: one read.
pub async fn published_of(
    db: &Db,
    consultation_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<(String, String)>>> {
    let mut out: std::collections::HashMap<i64, Vec<(String, String)>> = Default::default();
    if consultation_ids.is_empty() {
        return Ok(out);
    }
    let rows = crate::db::query_with(
        &format!(
            "SELECT item_id, title, file_name, public_token FROM attachments
              WHERE kind = 'consultation' AND stage = 'material' AND published = 1
                AND item_id IN ({}) ORDER BY item_id, id",
            crate::db::placeholders(1, consultation_ids.len())
        ),
        consultation_ids
            .iter()
            .map(|i| crate::db::Arg::Int(*i))
            .collect(),
    )
    .fetch_all(db.pool())
    .await?;
    for r in &rows {
        let title = col::<Option<String>>(r, "title")?
            .or(col::<Option<String>>(r, "file_name")?)
            .unwrap_or_default();
        out.entry(col(r, "item_id")?).or_default().push((
            title,
            col::<Option<String>>(r, "public_token")?.unwrap_or_default(),
        ));
    }
    Ok(out)
}

/// A published material by its public token, once its consultation is held:
/// anyone may read it; any other token is not found.
pub async fn public_file(db: &Db, token: &str) -> Result<(Material, Vec<u8>)> {
    let r = sqlx::query(&format!(
        "SELECT {COLS}, bytes FROM attachments
          WHERE public_token = $1 AND kind = 'consultation' AND stage = 'material'
            AND published = 1
            AND item_id IN (SELECT id FROM consultations WHERE state IN ('held', 'closed'))"
    ))
    .bind(token)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    Ok((from_row(&r)?, col(&r, "bytes")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(r: Result<FileKind>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(Error::Invalid { key, .. }) => key,
            Err(e) => panic!("{e:?}"),
        }
    }

    fn office(main: &str) -> Vec<u8> {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let o = zip::write::SimpleFileOptions::default();
            z.start_file("[Content_Types].xml", o).unwrap();
            z.write_all(b"<Types/>").unwrap();
            z.start_file(main, o).unwrap();
            z.write_all(b"<x/>").unwrap();
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn content_decides_and_the_name_must_agree() {
        assert_eq!(sniff("纪要.pdf", b"%PDF-1.7\n").unwrap(), FileKind::Pdf);
        assert_eq!(sniff("a.PDF", b"%PDF-1.4").unwrap(), FileKind::Pdf);
        assert_eq!(
            sniff("方案.docx", &office("word/document.xml")).unwrap(),
            FileKind::Docx
        );
        assert_eq!(
            sniff("预算.xlsx", &office("xl/workbook.xml")).unwrap(),
            FileKind::Xlsx
        );
        assert_eq!(
            sniff("汇报.pptx", &office("ppt/presentation.xml")).unwrap(),
            FileKind::Pptx
        );
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
        assert_eq!(sniff("旧.doc", &ole).unwrap(), FileKind::Doc);
        assert_eq!(sniff("旧.xls", &ole).unwrap(), FileKind::Xls);
        assert_eq!(
            sniff("现场.jpg", &[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(),
            FileKind::Jpeg
        );
        // Refused types, whatever the name says.
        assert_eq!(key(sniff("x.pdf", b"<html><script>")), "err.material_type");
        assert_eq!(key(sniff("x.exe", b"MZ\x90\x00")), "err.material_type");
        assert_eq!(
            key(sniff("x.docx", &office("other.xml"))),
            "err.material_type"
        );
        assert_eq!(key(sniff("x.ppt", &ole)), "err.material_type");
        assert_eq!(
            key(sniff("x.zip", b"PK\x03\x04broken")),
            "err.material_type"
        );
        // A known content under another ending.
        assert_eq!(key(sniff("x.docx", b"%PDF-1.7")), "err.material_name");
        assert_eq!(key(sniff("noending", b"%PDF-1.7")), "err.material_name");
    }

    #[test]
    fn size_and_names_are_bounded() {
        let over = vec![b'%'; MAX_BYTES + 1];
        assert!(matches!(
            check("big.pdf", over),
            Err(Error::Invalid {
                key: "err.material_size",
                ..
            })
        ));
        assert!(matches!(
            check("x.pdf", Vec::new()),
            Err(Error::Invalid {
                key: "err.material_missing",
                ..
            })
        ));
        let c = check("C:\\材料\\会议\"纪要\".pdf", b"%PDF-1.7".to_vec()).unwrap();
        assert_eq!(c.file_name, "会议纪要.pdf");
        let long = format!("{}.pdf", "长".repeat(200));
        let c = check(&long, b"%PDF-1.7".to_vec()).unwrap();
        assert!(c.file_name.ends_with(".pdf") && c.file_name.chars().count() <= 120);
    }
}
