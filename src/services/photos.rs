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
/// Pixels any upload may have whatever its size (a 2560×1600 screenshot, say): few
/// enough to decode in a fraction of a second and a few tens of MiB.
const FREE_PIXELS: u64 = 4_200_000;
/// Beyond those, at most this many pixels per byte of file. Photos take a few pixels a
/// byte (JPEG, WebP), or less than one (PNG); a file claiming far more is a picture of
/// nothing that inflates (a decompression bomb: 49 million pixels fit in 30 bytes of
/// WebP or 190 KB of JPEG), refused from its header before a pixel is decoded, since
/// each would otherwise cost seconds of CPU and hundreds of MiB.
const MAX_PIXELS_PER_BYTE: u64 = 64;
/// The most one decode may allocate: a photo at the pixel cap in 8-bit RGB. Deeper
/// pixels (16-bit PNG: up to 8 bytes a pixel) must be fewer.
const MAX_DECODED_BYTES: u64 = MAX_PIXELS * 3;
/// Largest side of a thumbnail.
const THUMB_SIDE: u32 = 320;

/// Why an upload is refused.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is {width}×{height} pixels; at most {MAX_PIXELS} pixels are accepted")]
    TooLarge { width: u32, height: u32 },
    #[error(
        "the image claims {width}×{height} pixels in only {bytes} bytes; \
         a photo of that size takes at least {} bytes",
        (u64::from(*width) * u64::from(*height)).div_ceil(MAX_PIXELS_PER_BYTE)
    )]
    Inflated {
        width: u32,
        height: u32,
        bytes: usize,
    },
    #[error(
        "the image is {width}×{height} pixels of {bytes_per_pixel} bytes; \
         at most {} MiB of pixels are accepted",
        MAX_DECODED_BYTES >> 20
    )]
    TooDeep {
        width: u32,
        height: u32,
        bytes_per_pixel: u64,
    },
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
}

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
            PhotoError::TooLarge { .. }
            | PhotoError::Inflated { .. }
            | PhotoError::TooDeep { .. } => AppError::invalid_field("image", e.to_string()),
        })
}

pub fn process(bytes: &[u8]) -> Result<NewImage, PhotoError> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err(PhotoError::NotAnImage),
    };
    if format == ImageFormat::Jpeg && !jpeg_is_whole(bytes) {
        return Err(PhotoError::Undecodable(
            "the JPEG data stops before the end of the image".into(),
        ));
    }
    // Read the header first: a decompression bomb is refused before any pixel is allocated.
    let (width, height) = reader(bytes, format)
        .into_dimensions()
        .map_err(|_| PhotoError::NotAnImage)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(PhotoError::TooLarge { width, height });
    }
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if pixels > FREE_PIXELS && pixels > size.saturating_mul(MAX_PIXELS_PER_BYTE) {
        return Err(PhotoError::Inflated {
            width,
            height,
            bytes: bytes.len(),
        });
    }
    let mut decoder = reader(bytes, format)
        .into_decoder()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    // `DynamicImage::from_decoder` does not hold the decoder to `Limits::max_alloc`.
    if decoding_cost(format, pixels, decoder.total_bytes()) > MAX_DECODED_BYTES {
        return Err(PhotoError::TooDeep {
            width,
            height,
            bytes_per_pixel: decoder.total_bytes() / pixels.max(1),
        });
    }
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

/// What decoding allocates: the picture, and for WebP the RGBA frame (or animation
/// canvas) that image-webp fills before it copies it out.
fn decoding_cost(format: ImageFormat, pixels: u64, picture_bytes: u64) -> u64 {
    let scratch = if format == ImageFormat::WebP {
        pixels * 4
    } else {
        0
    };
    picture_bytes.saturating_add(scratch)
}

/// Whether a JPEG's data runs on to an end-of-image marker after its first scan. The
/// decoder fills whatever is missing with grey, so a file cut short (even before its
/// scan) would be taken as a photo that nobody took.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    // Walk the segments before the first scan: an EXIF thumbnail among them has an
    // end-of-image marker of its own.
    let mut at = 2;
    while let (Some(0xff), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) {
        if marker == 0xff {
            // A fill byte before a marker.
            at += 1;
            continue;
        }
        let Some(len) = bytes.get(at + 2..at + 4) else {
            return false;
        };
        at += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
        if marker == 0xda {
            // Entropy-coded data holds no FF D9: the first one ends the image.
            return bytes
                .get(at..)
                .is_some_and(|rest| rest.windows(2).any(|w| w == [0xff, 0xd9]));
        }
    }
    false
}

fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    reader
}

/// Encodes pixels in `format`; the result carries no metadata. The encoders take the
/// decoded pixels as they are (grey or colour, 8-bit) without a copy of the picture.
fn encode(picture: &DynamicImage, format: ImageFormat) -> Result<StoredImage, PhotoError> {
    let mut out = Vec::new();
    let (written, content_type) = match format {
        ImageFormat::Jpeg => (
            picture.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85)),
            "image/jpeg",
        ),
        ImageFormat::Png => (
            picture.write_with_encoder(PngEncoder::new(&mut out)),
            "image/png",
        ),
        _ => (
            picture.write_with_encoder(WebPEncoder::new_lossless(&mut out)),
            "image/webp",
        ),
    };
    written.map_err(|e| PhotoError::Undecodable(e.to_string()))?;
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

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_pixel(width, height, Rgb([200, 30, 30]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
            .unwrap();
        out
    }

    #[test]
    fn a_jpeg_cut_short_is_refused() {
        let whole = jpeg(64, 48);
        assert!(process(&whole).is_ok());
        for cut in [whole.len() - 2, whole.len() / 2] {
            assert!(matches!(
                process(&whole[..cut]),
                Err(PhotoError::Undecodable(_))
            ));
        }
        // An end marker before the scan (as in an EXIF thumbnail) does not make it whole.
        let mut segment = vec![0xff, 0xe1, 0x00, 0x06, 0xff, 0xd9, 0xff, 0xd9];
        segment.splice(0..0, whole[..2].iter().copied());
        segment.extend(&whole[2..whole.len() - 2]);
        assert!(matches!(process(&segment), Err(PhotoError::Undecodable(_))));
    }

    #[test]
    fn a_small_file_claiming_many_pixels_is_a_bomb() {
        // 5000×5000 is under the pixel cap, but not in 1 KB.
        let mut bytes = png(16, 16);
        bytes[16..24].copy_from_slice(&[0, 0, 0x13, 0x88, 0, 0, 0x13, 0x88]);
        let crc = crc32fast::hash(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            process(&bytes),
            Err(PhotoError::Inflated {
                width: 5000,
                height: 5000,
                ..
            })
        ));
    }
}
