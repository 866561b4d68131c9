//! Photos sent with concerns and progress notes. Each is checked by its content
//! (JPEG, PNG or WebP, whatever the file name says), decoded under size limits and
//! re-encoded as JPEG, so no EXIF or GPS block survives; large images are scaled
//! to at most 2048 pixels on the long side. Stored in the database with the item.

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
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(400 * 1024 * 1024);
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
        let token = crate::session::random_token();
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
                .bind(crate::concern::fold_photo(&token))
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

/// A stored photo's bytes by its public token.
pub async fn by_token(db: &Db, token: &str) -> Result<Vec<u8>> {
    let row = sqlx::query("SELECT bytes FROM attachments WHERE public_token = $1")
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
