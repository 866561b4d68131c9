//! The booklet's PDF (汇编成册, decision record 0046): A4 pages with a cover
//! (title, body, date), the contents with page numbers, and each practice
//! with its area, summary, steps, figures and photos, chapter by chapter.
//! Text is drawn in a CJK font of the machine embedded as a subset with a
//! ToUnicode map (krilla), as the proposal compilation does (decision 0037),
//! so `pdftotext` reads the Chinese back; photos, stored as JPEG by the photo
//! machinery, go in as they are (DCTDecode).
//!
//! The font: the file named by `XIESHANG_CJK_FONT` (`path` or `path#index`),
//! else the first of [`FONT_PATHS`] that exists and maps Chinese. Without
//! one, generation fails with a message naming where it looked.

use krilla::geom::{Point, Size, Transform};
use krilla::image::Image;
use krilla::page::PageSettings;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;
use skrifa::MetadataProvider;

/// Where a CJK font is looked for when `XIESHANG_CJK_FONT` is not set.
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
pub struct CjkFont {
    data: std::sync::Arc<Vec<u8>>,
    index: u32,
}

impl CjkFont {
    fn load(path: &str, index: u32) -> Option<CjkFont> {
        let data = std::fs::read(path).ok()?;
        let f = skrifa::FontRef::from_index(&data, index).ok()?;
        f.charmap().map('汇')?;
        Some(CjkFont {
            data: std::sync::Arc::new(data),
            index,
        })
    }

    /// The configured font, or the first default found; Err says where it
    /// was looked for.
    pub fn find() -> Result<CjkFont, String> {
        if let Ok(v) = std::env::var(FONT_VAR) {
            let (path, index) = match v.rsplit_once('#') {
                Some((p, i)) => (p.to_owned(), i.parse().unwrap_or(0)),
                None => (v.clone(), 0),
            };
            return CjkFont::load(&path, index).ok_or(format!("no CJK font at {v}"));
        }
        FONT_PATHS
            .iter()
            .find_map(|(p, i)| CjkFont::load(p, *i))
            .ok_or_else(|| {
                let looked: Vec<&str> = FONT_PATHS.iter().map(|(p, _)| *p).collect();
                format!(
                    "no CJK font found (set {FONT_VAR}); looked at {}",
                    looked.join(", ")
                )
            })
    }
}

/// One practice as printed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Title.
    pub title: String,
    /// The district's name.
    pub district: String,
    /// The area's label.
    pub area: String,
    /// Summary.
    pub summary: String,
    /// Steps.
    pub steps: String,
    /// Figures, as (label, value).
    pub figures: Vec<(String, String)>,
    /// JPEG photos with their pixel size.
    pub photos: Vec<(Vec<u8>, i64, i64)>,
}

/// The booklet to print.
#[derive(Debug, Clone)]
pub struct Book {
    /// Title on the cover.
    pub title: String,
    /// The body on the cover.
    pub body: String,
    /// The date on the cover, as printed.
    pub date: String,
    /// Chapters: (title, practices).
    pub chapters: Vec<(String, Vec<Entry>)>,
    /// Headings: "目录", "摘要", "主要做法", "主要数据", "第{n}章".
    pub words: Words,
}

/// The fixed words the booklet prints.
#[derive(Debug, Clone)]
pub struct Words {
    /// Contents.
    pub contents: String,
    /// Summary.
    pub summary: String,
    /// Steps.
    pub steps: String,
    /// Figures.
    pub figures: String,
    /// Chapter heading, `{n}` the chapter's number.
    pub chapter: String,
}

impl Default for Words {
    fn default() -> Words {
        Words {
            contents: "目录".into(),
            summary: "摘要".into(),
            steps: "主要做法".into(),
            figures: "主要数据".into(),
            chapter: "第{n}章".into(),
        }
    }
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

enum Mark {
    Text { size: f32, text: String, x: f32 },
    Photo { index: usize, w: f32, h: f32 },
}

/// Lays text and photos out on pages, top to bottom.
struct Layout<'a> {
    font: skrifa::FontRef<'a>,
    upem: f32,
    pages: Vec<Vec<(Mark, f32)>>,
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

    fn width_of(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c) * size).sum()
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    fn page_no(&self) -> usize {
        self.pages.len()
    }

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
                    self.push(std::mem::take(&mut line), size, MARGIN + indent);
                    used = 0.0;
                }
                line.push(c);
                used += w;
            }
            self.push(line, size, MARGIN + indent);
        }
    }

    fn push(&mut self, text: String, size: f32, x: f32) {
        let lead = size * 1.5;
        if self.y + lead > HEIGHT - MARGIN {
            self.new_page();
        }
        self.y += lead;
        let y = self.y - size * 0.3;
        if let Some(p) = self.pages.last_mut() {
            p.push((Mark::Text { size, text, x }, y));
        }
    }

    /// A photo scaled to the text's width and at most a third of the page.
    fn photo(&mut self, index: usize, px_w: i64, px_h: i64) {
        if px_w <= 0 || px_h <= 0 {
            return;
        }
        let max_w = WIDTH - 2.0 * MARGIN;
        let max_h = (HEIGHT - 2.0 * MARGIN) / 3.0;
        let scale = (max_w / px_w as f32).min(max_h / px_h as f32);
        let (w, h) = (px_w as f32 * scale, px_h as f32 * scale);
        if self.y + h + 8.0 > HEIGHT - MARGIN {
            self.new_page();
        }
        self.y += 8.0;
        let top = self.y;
        if let Some(p) = self.pages.last_mut() {
            p.push((Mark::Photo { index, w, h }, top));
        }
        self.y += h;
    }
}

/// Writes the booklet; `progress(done)` is called after each practice is
/// laid out.
pub fn write(
    font: &CjkFont,
    book: &Book,
    mut progress: impl FnMut(usize),
) -> Result<Vec<u8>, String> {
    let face =
        skrifa::FontRef::from_index(font.data.as_slice(), font.index).map_err(|e| e.to_string())?;
    let pdf_font = Font::new(krilla::Data::from(font.data.clone()), font.index)
        .ok_or("the font does not load")?;
    let upem = pdf_font.units_per_em();

    // The body first, so the contents know each practice's page.
    let mut photos: Vec<Image> = Vec::new();
    let mut body = Layout::new(face.clone(), upem);
    body.pages.clear();
    // (level, title, page within the body, 1-based)
    let mut toc: Vec<(u8, String, usize)> = Vec::new();
    let mut done = 0;
    for (n, (chapter, entries)) in book.chapters.iter().enumerate() {
        body.new_page();
        let heading = format!(
            "{} {}",
            book.words.chapter.replace("{n}", &(n + 1).to_string()),
            chapter
        );
        toc.push((0, heading.clone(), body.page_no()));
        body.y = 160.0;
        body.paragraph(&heading, 20.0, 0.0);
        for e in entries {
            body.new_page();
            toc.push((1, e.title.clone(), body.page_no()));
            body.paragraph(&e.title, 16.0, 0.0);
            body.gap(2.0);
            body.paragraph(&format!("{} · {}", e.district, e.area), 10.5, 0.0);
            body.gap(8.0);
            body.paragraph(&book.words.summary, 12.5, 0.0);
            body.paragraph(&e.summary, 11.0, 22.0);
            if !e.steps.is_empty() {
                body.gap(6.0);
                body.paragraph(&book.words.steps, 12.5, 0.0);
                body.paragraph(&e.steps, 11.0, 22.0);
            }
            if !e.figures.is_empty() {
                body.gap(6.0);
                body.paragraph(&book.words.figures, 12.5, 0.0);
                for (label, value) in &e.figures {
                    body.paragraph(&format!("{label}：{value}"), 11.0, 22.0);
                }
            }
            for (bytes, w, h) in &e.photos {
                if let Ok(img) = Image::from_jpeg(krilla::Data::from(bytes.clone()), true) {
                    photos.push(img);
                    body.photo(photos.len() - 1, *w, *h);
                }
            }
            done += 1;
            progress(done);
        }
    }

    // The contents: laid out once to count its pages, then with the numbers.
    let contents = |offset: usize| {
        let mut l = Layout::new(face.clone(), upem);
        l.paragraph(&book.words.contents, 18.0, 0.0);
        l.gap(8.0);
        for (level, title, page) in &toc {
            let (size, indent) = if *level == 0 {
                (12.5, 0.0)
            } else {
                (11.0, 22.0)
            };
            let number = (page + offset).to_string();
            let room = WIDTH - 2.0 * MARGIN - indent - l.width_of(&number, size) - size;
            let mut text = String::new();
            for c in title.chars() {
                if l.width_of(&text, size) + l.advance(c) * size > room - 2.0 * size {
                    break;
                }
                text.push(c);
            }
            while l.width_of(&text, size) + l.width_of("…", size) < room {
                text.push('…');
            }
            text.push(' ');
            text.push_str(&number);
            l.push(text, size, MARGIN + indent);
        }
        l.pages
    };
    let toc_pages = contents(0).len();
    let toc_pages = contents(1 + toc_pages);

    let mut cover = Layout::new(face.clone(), upem);
    cover.y = 260.0;
    cover.paragraph(&book.title, 26.0, 0.0);
    cover.gap(40.0);
    cover.paragraph(&book.body, 16.0, 0.0);
    cover.gap(6.0);
    cover.paragraph(&book.date, 14.0, 0.0);

    let mut doc = Document::new();
    doc.set_metadata(krilla::metadata::Metadata::new().title(book.title.clone()));
    let body_pages = std::mem::take(&mut body.pages);
    let all: Vec<Vec<(Mark, f32)>> = cover
        .pages
        .into_iter()
        .chain(toc_pages)
        .chain(body_pages)
        .collect();
    for (n, marks) in all.into_iter().enumerate() {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT).ok_or("page size")?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let footer = (n > 0).then(|| {
            (
                Mark::Text {
                    size: 9.0,
                    text: format!("{}", n + 1),
                    x: WIDTH / 2.0 - 6.0,
                },
                HEIGHT - 30.0,
            )
        });
        for (mark, y) in marks.iter().chain(footer.iter()) {
            match mark {
                Mark::Text { size, text, x } => {
                    let glyphs: Vec<KrillaGlyph> = text
                        .char_indices()
                        .map(|(i, c)| {
                            let gid = face.charmap().map(c).unwrap_or_default();
                            KrillaGlyph::new(
                                GlyphId::new(gid.to_u32()),
                                body.advance(c),
                                0.0,
                                0.0,
                                0.0,
                                i..i + c.len_utf8(),
                                None,
                            )
                        })
                        .collect();
                    surface.draw_glyphs(
                        Point::from_xy(*x, *y),
                        &glyphs,
                        pdf_font.clone(),
                        text,
                        *size,
                        false,
                    );
                }
                Mark::Photo { index, w, h } => {
                    let Some(size) = Size::from_wh(*w, *h) else {
                        continue;
                    };
                    surface.push_transform(&Transform::from_translate(MARGIN, *y));
                    surface.draw_image(photos[*index].clone(), size);
                    surface.pop();
                }
            }
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| format!("{e:?}"))
}
