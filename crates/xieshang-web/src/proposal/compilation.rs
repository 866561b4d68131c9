//! The printable compilation (提案汇编) of a session's accepted proposals and
//! their replies, as a PDF the server writes (issue 29 point 10, decision
//! 0037): A4 pages, the text in a CJK font of the machine embedded as a
//! subset (krilla), so that any reader, and `pdftotext`, reads the Chinese
//! back. Glyphs come from the font's character map with their advances
//! (skrifa); Chinese needs no shaping, and lines break at any character.
//!
//! The font: the file named by `XIESHANG_CJK_FONT` (`path` or `path#index`
//! for a collection), else the first of [`FONT_PATHS`] that exists and maps
//! Chinese. Without one the reader gets a page saying so (503), never a panic.

use super::figures::{chosen, FiguresQuery};
use crate::kit::auth::{CurrentUser, UiLang};
use crate::kit::error::{AppError, AppResult};
use crate::kit::i18n::Tr;
use crate::kit::page::{render, Flash, Page};
use crate::kit::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;
use skrifa::MetadataProvider;
use xieshang_store::proposal::figures::{self, Compiled, Period};

/// Where a CJK font is looked for when `XIESHANG_CJK_FONT` is not set
/// (Debian's fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk,
/// fonts-arphic-uming), with the face index in a collection.
pub const FONT_PATHS: &[(&str, u32)] = &[
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
];

/// The environment variable naming the font file.
pub const FONT_VAR: &str = "XIESHANG_CJK_FONT";

/// A CJK font read from the machine.
struct CjkFont {
    data: std::sync::Arc<Vec<u8>>,
    index: u32,
}

impl CjkFont {
    /// The font at `path`, if it reads and maps Chinese.
    fn load(path: &str, index: u32) -> Option<CjkFont> {
        let data = std::fs::read(path).ok()?;
        let f = skrifa::FontRef::from_index(&data, index).ok()?;
        f.charmap().map('汇')?;
        Some(CjkFont {
            data: std::sync::Arc::new(data),
            index,
        })
    }

    /// The configured font, or the first default found; Err names where it
    /// was looked for.
    fn find() -> Result<CjkFont, String> {
        if let Ok(v) = std::env::var(FONT_VAR) {
            let (path, index) = match v.rsplit_once('#') {
                Some((p, i)) => (p.to_owned(), i.parse().unwrap_or(0)),
                None => (v.clone(), 0),
            };
            return CjkFont::load(&path, index).ok_or(v);
        }
        FONT_PATHS
            .iter()
            .find_map(|(p, i)| CjkFont::load(p, *i))
            .ok_or_else(|| {
                FONT_PATHS
                    .iter()
                    .map(|(p, _)| *p)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
    }
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// One line laid out: its size, its text, its left edge.
struct Line {
    size: f32,
    text: String,
    x: f32,
}

/// Lays text out in lines of at most `width` points at `size`, breaking at
/// newlines and before the character that would overflow.
struct Layout<'a> {
    font: skrifa::FontRef<'a>,
    upem: f32,
    /// Pages of (line, baseline y).
    pages: Vec<Vec<(Line, f32)>>,
    y: f32,
}

impl<'a> Layout<'a> {
    fn new(font: skrifa::FontRef<'a>, upem: f32) -> Self {
        Layout {
            font,
            upem,
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn advance(&self, c: char) -> f32 {
        let gid = self.font.charmap().map(c).unwrap_or_default();
        self.font
            .glyph_metrics(
                skrifa::instance::Size::unscaled(),
                skrifa::instance::LocationRef::default(),
            )
            .advance_width(gid)
            .unwrap_or(self.upem / 2.0)
            / self.upem
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Space before the next line.
    fn gap(&mut self, points: f32) {
        if self.y > MARGIN {
            self.y += points;
        }
    }

    fn paragraph(&mut self, text: &str, size: f32, indent: f32) {
        let width = WIDTH - 2.0 * MARGIN - indent;
        for part in text.split('\n') {
            let mut line = String::new();
            let mut used = 0.0;
            for c in part.chars().filter(|c| !c.is_control()) {
                let w = self.advance(c) * size;
                if used + w > width && !line.is_empty() {
                    self.push(std::mem::take(&mut line), size, indent);
                    used = 0.0;
                }
                line.push(c);
                used += w;
            }
            self.push(line, size, indent);
        }
    }

    fn push(&mut self, text: String, size: f32, indent: f32) {
        let lead = size * 1.5;
        if self.y + lead > HEIGHT - MARGIN {
            self.new_page();
        }
        self.y += lead;
        let y = self.y - size * 0.3;
        if let Some(p) = self.pages.last_mut() {
            p.push((
                Line {
                    size,
                    text,
                    x: MARGIN + indent,
                },
                y,
            ));
        }
    }
}

/// The compilation as PDF bytes.
fn write_pdf(tr: Tr, font: &CjkFont, title: &str, list: &[Compiled]) -> Result<Vec<u8>, String> {
    let face =
        skrifa::FontRef::from_index(font.data.as_slice(), font.index).map_err(|e| e.to_string())?;
    let pdf_font = Font::new(krilla::Data::from(font.data.clone()), font.index)
        .ok_or("the font does not load")?;
    let upem = pdf_font.units_per_em();
    let mut l = Layout::new(face, upem);
    l.gap(120.0);
    l.y = 200.0;
    l.paragraph(title, 22.0, 0.0);
    l.gap(12.0);
    l.paragraph(
        &format!("{}{}", tr.t("compilation.count"), list.len()),
        12.0,
        0.0,
    );
    let colon = tr.colon();
    for p in list {
        l.new_page();
        l.paragraph(
            &format!(
                "{} {}",
                tr.t("compilation.number")
                    .replace("{n}", &p.number.to_string()),
                p.text.title
            ),
            15.0,
            0.0,
        );
        l.gap(4.0);
        let mut meta = format!(
            "{}{colon}{}",
            tr.t("compilation.signers"),
            p.signers.join(tr.list_sep())
        );
        if let Some(c) = &p.category {
            meta.push_str(&format!("    {}{colon}{c}", tr.t("compilation.category")));
        }
        if p.key {
            meta.push_str(&format!("    {}", tr.t("compilation.key")));
        }
        l.paragraph(&meta, 10.5, 0.0);
        for (key, text) in [
            ("compilation.situation", &p.text.situation),
            ("compilation.analysis", &p.text.analysis),
            ("compilation.suggestions", &p.text.suggestions),
        ] {
            l.gap(6.0);
            l.paragraph(tr.t(key), 12.0, 0.0);
            l.paragraph(text, 11.0, 22.0);
        }
        l.gap(10.0);
        if p.replies.is_empty() {
            l.paragraph(tr.t("compilation.no_reply"), 12.0, 0.0);
        }
        for r in &p.replies {
            l.paragraph(
                &format!(
                    "{}{colon}{}{}{}{}{}",
                    tr.t("compilation.reply"),
                    r.unit,
                    tr.list_sep(),
                    r.doc_number,
                    tr.list_sep(),
                    crate::kit::i18n::known(&format!("figures.class.{}", r.class))
                        .map_or(r.class.as_str(), |k| tr.t(k))
                ),
                12.0,
                0.0,
            );
            l.paragraph(&r.body, 11.0, 22.0);
        }
    }
    let mut doc = Document::new();
    doc.set_metadata(krilla::metadata::Metadata::new().title(title.to_owned()));
    let pages = std::mem::take(&mut l.pages);
    let count = pages.len();
    for (n, lines) in pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT).ok_or("page size")?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let footer = Line {
            size: 9.0,
            text: format!("{} / {count}", n + 1),
            x: WIDTH / 2.0 - 12.0,
        };
        for (line, y) in lines
            .iter()
            .chain(std::iter::once(&(footer, HEIGHT - 30.0)))
        {
            let glyphs: Vec<KrillaGlyph> = line
                .text
                .char_indices()
                .map(|(i, c)| {
                    let gid = l.font.charmap().map(c).unwrap_or_default();
                    KrillaGlyph::new(
                        GlyphId::new(gid.to_u32()),
                        l.advance(c),
                        0.0,
                        0.0,
                        0.0,
                        i..i + c.len_utf8(),
                        None,
                    )
                })
                .collect();
            surface.draw_glyphs(
                Point::from_xy(line.x, *y),
                &glyphs,
                pdf_font.clone(),
                &line.text,
                line.size,
                false,
            );
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| format!("{e:?}"))
}

#[derive(Template)]
#[template(path = "proposal/no_font.html")]
struct NoFontTpl {
    page: Page,
    looked: String,
}

/// `GET /proposals/compilation.pdf?body=&session=`: the session's
/// compilation, or a page saying no CJK font was found.
pub(super) async fn pdf(
    State(state): State<AppState>,
    UiLang(tr): UiLang,
    u: CurrentUser,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Response> {
    let c = chosen(&state, &u, &q).await?;
    let Period::Session(session) = c.period else {
        return Err(AppError::BadRequest(
            "the compilation is of a session: give session=".into(),
        ));
    };
    let (body, name, list) = match figures::compilation(&state.db, &u.actor, c.body, session).await
    {
        Ok(x) => x,
        Err(xieshang_store::Error::Invalid { field, message, .. }) => {
            return Err(AppError::BadRequest(format!("{field}: {message}")))
        }
        Err(e) => return Err(e.into()),
    };
    let font = match CjkFont::find() {
        Ok(f) => f,
        Err(looked) => {
            tracing::warn!(%looked, "no CJK font for the proposal compilation");
            let mut res = render(NoFontTpl {
                page: Page::signed_in(tr, &u, &Flash::default()),
                looked,
            })?;
            *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            return Ok(res);
        }
    };
    let title = format!("{}{}{}", body.name, name, tr.t("compilation.title"));
    let bytes = tokio::task::spawn_blocking(move || write_pdf(tr, &font, &title, &list))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"compilation-{session}.pdf\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
