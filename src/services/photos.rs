//! Photos (of cars, of inspections): decided by their bytes, decoded under limits, and re-encoded, so that
//! what is stored is only pixels (no EXIF/GPS, nothing appended, no polyglot).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::db::car_images::{NewImage, StoredImage};
use crate::error::{AppError, AppResult};

/// Largest photo accepted, in pixels (about a 50-megapixel camera).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Largest side of a thumbnail.
const THUMB_SIDE: u32 = 320;

/// Why an upload is refused.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is {width}×{height} pixels; at most {MAX_PIXELS} pixels are accepted")]
    TooLarge { width: u32, height: u32 },
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
}

/// Decodes and re-encodes an upload, and makes its thumbnail. CPU-heavy: run it off the executor.
/// Decodes and re-encodes an uploaded photo off the async threads; anything that is not
/// a JPEG, PNG or WebP is the contract's 415.
pub async fn prepare(bytes: Vec<u8>) -> AppResult<NewImage> {
    tokio::task::spawn_blocking(move || process(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| match e {
            PhotoError::NotAnImage | PhotoError::Undecodable(_) => {
                AppError::UnsupportedMediaType(e.to_string())
            }
            PhotoError::TooLarge { .. } => AppError::invalid_field("image", e.to_string()),
        })
}

pub fn process(bytes: &[u8]) -> Result<NewImage, PhotoError> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err(PhotoError::NotAnImage),
    };
    // Read the header first: a decompression bomb is refused before any pixel is allocated.
    let (width, height) = reader(bytes, format)
        .into_dimensions()
        .map_err(|_| PhotoError::NotAnImage)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooLarge { width, height });
    }
    let mut decoder = reader(bytes, format)
        .into_decoder()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    let orientation = decoder.orientation().ok();
    let mut picture =
        DynamicImage::from_decoder(decoder).map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    if let Some(orientation) = orientation {
        // Keep the photo the right way up once its EXIF orientation is gone.
        picture.apply_orientation(orientation);
    }
    // Only shrink: a photo already small enough is its own thumbnail.
    let thumb = if picture.width() <= THUMB_SIDE && picture.height() <= THUMB_SIDE {
        picture.clone()
    } else {
        picture.thumbnail(THUMB_SIDE, THUMB_SIDE)
    };
    Ok(NewImage {
        full: encode(&picture, format)?,
        thumb: encode(&thumb, format)?,
    })
}

fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    reader
}

/// Encodes pixels in `format`; the result carries no metadata.
fn encode(picture: &DynamicImage, format: ImageFormat) -> Result<StoredImage, PhotoError> {
    let mut out = Vec::new();
    let failed = |e: image::ImageError| PhotoError::Undecodable(e.to_string());
    let content_type = match format {
        ImageFormat::Jpeg => {
            let rgb = picture.to_rgb8();
            JpegEncoder::new_with_quality(&mut out, 85)
                .encode_image(&rgb)
                .map_err(failed)?;
            "image/jpeg"
        }
        ImageFormat::Png => {
            picture
                .write_with_encoder(PngEncoder::new(&mut out))
                .map_err(failed)?;
            "image/png"
        }
        _ => {
            let rgba = picture.to_rgba8();
            rgba.write_with_encoder(WebPEncoder::new_lossless(&mut out))
                .map_err(failed)?;
            "image/webp"
        }
    };
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&out))[..32]);
    Ok(StoredImage {
        content_type: content_type.to_owned(),
        data: out,
        etag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_pixel(width, height, Rgb([200, 30, 30]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_png_is_re_encoded_with_a_thumbnail() {
        let stored = process(&png(800, 600)).unwrap();
        assert_eq!(stored.full.content_type, "image/png");
        let thumb = image::load_from_memory(&stored.thumb.data).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 240));
        assert_ne!(stored.full.etag, stored.thumb.etag);
    }

    #[test]
    fn small_photos_are_not_enlarged() {
        let stored = process(&png(50, 40)).unwrap();
        let thumb = image::load_from_memory(&stored.thumb.data).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (50, 40));
    }

    #[test]
    fn text_named_like_an_image_is_refused() {
        assert!(matches!(
            process(b"hello, I am text"),
            Err(PhotoError::NotAnImage)
        ));
        assert!(matches!(process(b""), Err(PhotoError::NotAnImage)));
    }

    #[test]
    fn bytes_appended_after_the_image_are_dropped() {
        let mut bytes = png(10, 10);
        bytes.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let stored = process(&bytes).unwrap();
        assert!(!stored.full.data.windows(6).any(|w| w == b"<html>"));
    }
}
