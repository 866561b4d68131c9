//! Photos sent with concerns and progress notes. Each is checked by its content
//! (JPEG, PNG or WebP, whatever the file name says), decoded under size limits and
//! re-encoded as JPEG, so no EXIF or GPS block survives; large images are scaled
//! to at most 2048 pixels on the long side. Stored in the database with the item.
//!
//! A photo's pixel count is read from its header and checked before anything is
//! decoded: a 140 KB PNG can declare 12,000 × 12,000 pixels, which would take
//! seconds of CPU and hundreds of megabytes to decode (docs/decisions/0015).

use crate::db::{col, Db, Tx};
use crate::{Error, Result};
use image::{ImageFormat, ImageReader};
use std::io::Cursor;

/// At most this many photos per submission.
pub const MAX_PHOTOS: usize = 4;
/// At most this many bytes per photo as sent.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Long side after re-encoding.
const MAX_SIDE: u32 = 2048;
/// At most this many pixels per photo as sent (40 megapixels: any phone's or
/// camera's photo fits; checked from the header, before decoding).
pub const MAX_PIXELS: u64 = 40_000_000;
/// At most this many pixels on either side as sent (panoramas stay possible).
const MAX_SIDE_SENT: u32 = 16_384;
/// At most this many bytes the decoder may allocate: a 40-megapixel RGBA image
/// is 160 MB; deeper colour than that is refused.
const MAX_DECODE_ALLOC: u64 = 192 * 1024 * 1024;

/// A photo ready to store.
#[derive(Debug, Clone)]
pub struct Photo {
    /// JPEG bytes.
    pub jpeg: Vec<u8>,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Checks and re-encodes one uploaded photo (CPU work: call from a blocking task).
pub fn process(bytes: &[u8]) -> Result<Photo> {
    let bad = || {
        Error::field(
            "photos",
            "err.photo",
            "a photo must be a JPEG, PNG or WebP image of at most 10 MB",
        )
    };
    if bytes.len() > MAX_BYTES || bytes.is_empty() {
        return Err(bad());
    }
    let format = image::guess_format(bytes).map_err(|_| bad())?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(bad());
    }
    // The header alone says how big the image is; refuse before decoding.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| bad())?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width.max(height) > MAX_SIDE_SENT {
        return Err(Error::field(
            "photos",
            "err.photo_pixels",
            "a photo may have at most 40 megapixels",
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE_SENT);
    limits.max_image_height = Some(MAX_SIDE_SENT);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| bad())?;
    let img = if img.width().max(img.height()) > MAX_SIDE {
        img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let rgb = img.to_rgb8();
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    enc.encode_image(&rgb).map_err(|_| bad())?;
    Ok(Photo {
        width: rgb.width(),
        height: rgb.height(),
        jpeg: out,
    })
}

/// Stores photos for an item inside the caller's transaction; `stage` says when
/// they were sent (`intake`, `progress`).
pub async fn attach(
    tx: &mut Tx,
    now: i64,
    kind: &str,
    item_id: i64,
    stage: &str,
    photos: &[Photo],
) -> Result<()> {
    for p in photos {
        let token = crate::account::session::random_token();
        sqlx::query(
            "INSERT INTO attachments (kind, item_id, public_token, stage, content_type, width, height, bytes, created_at)
             VALUES ($1, $2, $3, $4, 'image/jpeg', $5, $6, $7, $8)",
        )
        .bind(kind)
        .bind(item_id)
        .bind(&token)
        .bind(stage)
        .bind(i64::from(p.width))
        .bind(i64::from(p.height))
        .bind(p.jpeg.clone())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if kind == "concern" {
            // The public status page's list of photos (migration 0016).
            sqlx::query("UPDATE concerns SET public_photos = public_photos || $1 WHERE id = $2")
                .bind(fold_photo(&token))
                .bind(item_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Stores photos for an item in their own transaction.
pub async fn attach_now(
    db: &Db,
    kind: &str,
    item_id: i64,
    stage: &str,
    photos: &[Photo],
) -> Result<()> {
    if photos.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    attach(&mut tx, db.now_ms(), kind, item_id, stage, photos).await?;
    tx.commit().await?;
    Ok(())
}

/// A stored photo's bytes by its public token (photos only: a consultation's
/// materials share the table and are served by their own rules).
pub async fn by_token(db: &Db, token: &str) -> Result<Vec<u8>> {
    let row = sqlx::query(
        "SELECT bytes FROM attachments WHERE public_token = $1 AND stage <> 'material'",
    )
    .bind(token)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Error::NotFound)?;
    Ok(col(&row, "bytes")?)
}

/// Tokens of an item's photos at a stage.
pub async fn tokens(db: &Db, kind: &str, item_id: i64) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT public_token, stage FROM attachments WHERE kind = $1 AND item_id = $2 ORDER BY id",
    )
    .bind(kind)
    .bind(item_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((col(r, "public_token")?, col(r, "stage")?)))
        .collect()
}

/// The public tokens of many items' attachments of one kind, by item, each
/// item's in the order they were attached: one statement for a list's page.
pub async fn tokens_of_many(
    db: &Db,
    kind: &str,
    item_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>> {
    let mut out: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    if item_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT item_id, public_token FROM attachments WHERE kind = $1 AND item_id IN ({}) ORDER BY id",
        crate::db::placeholders(2, item_ids.len())
    );
    let mut q = sqlx::query(&sql).bind(kind);
    for id in item_ids {
        q = q.bind(*id);
    }
    for r in q.fetch_all(db.pool()).await? {
        out.entry(col(&r, "item_id")?)
            .or_default()
            .push(col(&r, "public_token")?);
    }
    Ok(out)
}

/// One photo as `public_photos` holds it: its public token and a space.
pub(crate) fn fold_photo(token: &str) -> String {
    format!("{token} ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG with an EXIF block holding a GPS tag, built by hand: SOI, APP1
    /// "Exif", then a real JPEG's remainder.
    fn jpeg_with_exif() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(64, 48, image::Rgb([200, 30, 30]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut plain)
            .encode_image(&img)
            .unwrap();
        let mut exif = b"Exif\0\0GPSLatitude 34.65N GPSLongitude 109.22E".to_vec();
        exif.resize(64, 0);
        let len = (exif.len() + 2) as u16;
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(len.to_be_bytes());
        out.extend(exif);
        out.extend(&plain[2..]);
        out
    }

    #[test]
    fn re_encoding_drops_exif() {
        let src = jpeg_with_exif();
        assert!(src.windows(4).any(|w| w == b"Exif"));
        let p = process(&src).unwrap();
        assert_eq!((p.width, p.height), (64, 48));
        assert!(!p.jpeg.windows(4).any(|w| w == b"Exif"));
        assert!(!p.jpeg.windows(11).any(|w| w == b"GPSLatitude"));
    }

    #[test]
    fn content_decides_not_the_name() {
        assert!(process(b"GIF89a not really").is_err());
        assert!(process(b"<html>hello</html>").is_err());
        assert!(process(&[]).is_err());
        let mut truncated = jpeg_with_exif();
        truncated.truncate(40);
        assert!(process(&truncated).is_err());
    }

    /// A PNG that is little more than a header: IHDR declaring `w` × `h`
    /// greyscale pixels, the first bytes of a zlib stream, IEND. Decoding it
    /// fails; reading its size does not.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for b in bytes {
                crc ^= u32::from(*b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            out.extend((data.len() as u32).to_be_bytes());
            let mut body = kind.to_vec();
            body.extend(data);
            out.extend(&body);
            out.extend(crc32(&body).to_be_bytes());
        };
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([8, 0, 0, 0, 0]); // 8-bit greyscale, deflate, no filter, no interlace
        chunk(b"IHDR", &ihdr);
        chunk(b"IDAT", &[0x78, 0x9c]);
        chunk(b"IEND", &[]);
        out
    }

    #[test]
    fn too_many_pixels_are_refused_from_the_header() {
        for (w, h) in [(12_000, 12_000), (40_000, 1_001), (20_000, 100)] {
            match process(&png_header(w, h)) {
                Err(Error::Invalid { key, .. }) => assert_eq!(key, "err.photo_pixels", "{w}×{h}"),
                other => panic!("{w}×{h}: {other:?}"),
            }
        }
        // Within the bounds, the header passes and the missing pixels fail.
        match process(&png_header(8_000, 5_000)) {
            Err(Error::Invalid { key, .. }) => assert_eq!(key, "err.photo"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn big_images_are_scaled() {
        let img = image::RgbImage::from_pixel(3000, 1000, image::Rgb([10, 100, 10]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let p = process(&png).unwrap();
        assert_eq!((p.width, p.height), (2048, 683));
    }
}
