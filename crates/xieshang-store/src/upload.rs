//! Uploaded documents judged by their content (shared by a consultation's
//! materials and a proposal reply's signed file): a file's first bytes say
//! what it is (`%PDF-`, a JPEG, PNG or WebP header, an OLE2 compound file, or
//! a ZIP whose parts are a Word, Excel or PowerPoint document), and its name
//! must end as that content is. Each use says which kinds it takes, its size
//! cap and the field and messages its refusals carry ([`Accept`]). The size
//! is capped while the upload streams in (decision 0015); a ZIP's directory
//! is read within that cap and nothing in it is unpacked.

use crate::{Error, Result};

/// The largest file any use takes, in bytes (the web's upload routes cap a
/// file part at this).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// At most this many parts in an Office document's archive (a long report
/// has a few hundred: its images are parts).
const MAX_PARTS: usize = 5_000;

/// What a file is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// PDF.
    Pdf,
    /// Word (Office Open XML).
    Docx,
    /// Excel (Office Open XML).
    Xlsx,
    /// PowerPoint (Office Open XML).
    Pptx,
    /// Word 97–2003 (OLE2).
    Doc,
    /// Excel 97–2003 (OLE2).
    Xls,
    /// JPEG image.
    Jpeg,
    /// PNG image.
    Png,
    /// WebP image.
    Webp,
}

impl FileKind {
    /// Every kind known.
    pub const ALL: [FileKind; 9] = [
        FileKind::Pdf,
        FileKind::Docx,
        FileKind::Xlsx,
        FileKind::Pptx,
        FileKind::Doc,
        FileKind::Xls,
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::Webp,
    ];

    /// The media type it is served as.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileKind::Doc => "application/msword",
            FileKind::Xls => "application/vnd.ms-excel",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
        }
    }

    /// From a stored media type.
    pub fn from_content_type(t: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.content_type() == t)
    }

    /// The name endings a file of this kind may have; the first is its own.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Docx => &["docx"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Pptx => &["pptx"],
            FileKind::Doc => &["doc"],
            FileKind::Xls => &["xls"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
            FileKind::Webp => &["webp"],
        }
    }
}

/// What one use of uploads takes, and how its refusals read: each names
/// `field` with the use's own message key.
#[derive(Debug, Clone, Copy)]
pub struct Accept {
    /// The form field the file comes in (and every refusal names).
    pub field: &'static str,
    /// The kinds taken.
    pub kinds: &'static [FileKind],
    /// At most this many bytes (at most [`MAX_BYTES`]).
    pub max_bytes: usize,
    /// A kind not taken.
    pub type_key: &'static str,
    /// Its message (for logs and machine clients).
    pub type_message: &'static str,
    /// A name that does not end as the content is.
    pub name_key: &'static str,
    /// Over `max_bytes`.
    pub size_key: &'static str,
    /// Its message.
    pub size_message: &'static str,
    /// No file, or an empty one.
    pub missing_key: &'static str,
}

impl Accept {
    /// The refusal of a file over the cap.
    pub fn too_large(&self) -> Error {
        Error::field(self.field, self.size_key, self.size_message)
    }

    /// The refusal of a missing (or empty) file.
    pub fn missing(&self) -> Error {
        Error::field(self.field, self.missing_key, "choose the file to attach")
    }

    fn refused_type(&self) -> Error {
        Error::field(self.field, self.type_key, self.type_message)
    }
}

/// A ZIP's kind by its parts: an Office Open XML document names its content
/// types and its main part.
fn office_kind(bytes: &[u8]) -> Option<FileKind> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    if archive.len() > MAX_PARTS {
        return None;
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(std::borrow::Cow::into_owned))
        .collect();
    let has = |part: &str| names.iter().any(|n| n == part);
    if !has("[Content_Types].xml") {
        return None;
    }
    [
        ("word/document.xml", FileKind::Docx),
        ("xl/workbook.xml", FileKind::Xlsx),
        ("ppt/presentation.xml", FileKind::Pptx),
    ]
    .into_iter()
    .find(|(part, _)| has(part))
    .map(|(_, k)| k)
}

/// The file name's ending, in lower case.
fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty())
}

/// What a file is, by its content and its name: the content decides (and
/// must be one of the use's kinds); the name must end as the content is (an
/// OLE2 file's ending says whether it is a Word or an Excel file, which the
/// compound header alone does not).
pub fn sniff(name: &str, bytes: &[u8], accept: &Accept) -> Result<FileKind> {
    let ext = extension(name);
    let by_content = if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(FileKind::Webp)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        match ext.as_deref() {
            Some("doc") => Some(FileKind::Doc),
            Some("xls") => Some(FileKind::Xls),
            _ => None,
        }
    } else if bytes.starts_with(b"PK\x03\x04") && accept.kinds.iter().any(|k| k.is_office()) {
        office_kind(bytes)
    } else {
        None
    };
    let kind = by_content
        .filter(|k| accept.kinds.contains(k))
        .ok_or_else(|| accept.refused_type())?;
    match ext {
        Some(e) if kind.extensions().contains(&e.as_str()) => Ok(kind),
        _ => Err(Error::field(
            accept.field,
            accept.name_key,
            "the file's name does not end as its content is: correct the ending or choose the right file",
        )),
    }
}

impl FileKind {
    fn is_office(self) -> bool {
        matches!(
            self,
            FileKind::Docx | FileKind::Xlsx | FileKind::Pptx | FileKind::Doc | FileKind::Xls
        )
    }
}

/// A file checked and ready to store.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Its kind, by content.
    pub kind: FileKind,
    /// Its name as sent, without any folder, at most 120 characters.
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Checks one uploaded file for a use: its size, then its content against
/// its name. (Reads a ZIP's directory: call from the parsing pool.)
pub fn check(name: &str, bytes: Vec<u8>, accept: &Accept) -> Result<Checked> {
    if bytes.len() > accept.max_bytes.min(MAX_BYTES) {
        return Err(accept.too_large());
    }
    if bytes.is_empty() {
        return Err(accept.missing());
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let file_name: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    // Keep the ending when a long name is shortened.
    let file_name = if file_name.chars().count() > 120 {
        let ext = extension(&file_name).unwrap_or_default();
        let head: String = file_name.chars().take(100).collect();
        format!("{head}….{ext}")
    } else {
        file_name
    };
    let kind = sniff(&file_name, &bytes, accept)?;
    Ok(Checked {
        kind,
        file_name,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCANS: Accept = Accept {
        field: "scan",
        kinds: &[FileKind::Pdf, FileKind::Png],
        max_bytes: 10,
        type_key: "err.t",
        type_message: "t",
        name_key: "err.n",
        size_key: "err.s",
        size_message: "s",
        missing_key: "err.m",
    };

    fn refusal(r: Result<Checked>) -> (&'static str, &'static str) {
        match r {
            Err(Error::Invalid { field, key, .. }) => (field, key),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_use_takes_only_its_kinds_and_names_its_field() {
        assert_eq!(
            check("回复.pdf", b"%PDF-1.7".to_vec(), &SCANS)
                .unwrap()
                .kind,
            FileKind::Pdf
        );
        // A JPEG is a known kind, but not one this use takes.
        assert_eq!(
            refusal(check("a.jpg", vec![0xFF, 0xD8, 0xFF, 0xE0], &SCANS)),
            ("scan", "err.t")
        );
        assert_eq!(
            refusal(check("a.png", b"%PDF-1.7".to_vec(), &SCANS)),
            ("scan", "err.n")
        );
        assert_eq!(
            refusal(check("a.pdf", b"%PDF-1.7 and more".to_vec(), &SCANS)),
            ("scan", "err.s")
        );
        assert_eq!(
            refusal(check("a.pdf", Vec::new(), &SCANS)),
            ("scan", "err.m")
        );
    }
}
