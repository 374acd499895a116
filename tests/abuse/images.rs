//! Hostile photos (issue 12): a corpus of files built to fool, poison or exhaust the photo
//! upload, sent to both upload routes (a car's photo, an inspection's photos) on both
//! engines.
//!
//! The corpus is generated here, byte by byte, by the functions under "the corpus"
//! (the `image` crate makes the honest pictures; everything hostile is written by hand).
//! Each file states what it must get:
//! - not a JPEG, PNG or WebP (or nothing that decodes as one): the contract's 415;
//! - a bomb (a header claiming too many pixels, or pixels that inflate far beyond the
//!   file): refused (415 or 422) in under 2 s, the server's memory growing < 128 MiB;
//! - a genuine photo carrying extras (metadata, polyglot payloads, animation frames, a
//!   lying name or type): taken, and served back re-encoded, of its real type, with
//!   nothing of the extras left and nothing after the image's end.
//!
//! Every upload is timed and the server's peak memory read from /proc around it; the
//! file name never comes back in an answer, in the audit log or on the disk.

use std::io::Cursor;
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use image::{DynamicImage, ImageFormat, ImageReader, Rgb, RgbImage};
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::png::{png_chunk, zeros_zlib, Bits};
use crate::common::{download, id_of, Api, Engine, TestApp};
use crate::{memory_baseline, proc_kib};

const BOUNDARY: &str = "----locacar-hostile-images-Zq83Kd0";
/// Every file name of the corpus holds one of these, so that an echo can be found.
const NAME_MARKERS: [&str; 3] = ["hostile-", "passwd", "onerror"];
/// What a refused bomb may cost at most.
const BOMB_TIME: Duration = Duration::from_secs(2);
const BOMB_MEMORY_KIB: u64 = 128 * 1024;
/// Images served back carry this policy, so that even a mistaken one cannot run.
const CSP: &str = "default-src 'none'; sandbox";

crate::both_engines!(hostile_files_are_refused_or_re_encoded_clean);

// ---------------------------------------------------------------- the corpus

/// What a file of the corpus must get.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Not a JPEG, PNG or WebP, or nothing that decodes as one: the contract's 415.
    NotAnImage,
    /// More pixels than it weighs by far: refused (415 or 422) quickly and cheaply.
    Bomb,
    /// A genuine photo of this format and size: taken and re-encoded.
    Photo(ImageFormat, (u32, u32)),
    /// A form the multipart parser cannot read: the contract's 400 for a malformed body.
    Malformed,
}

struct Case {
    name: &'static str,
    /// The Content-Disposition of the form part, raw (it may hold any byte).
    disposition: Vec<u8>,
    content_type: &'static str,
    bytes: Vec<u8>,
    expect: Expect,
    /// Whether the upload carries more than its pixels (then it is never served as sent).
    extras: bool,
    /// Bytes the upload carries that must not be served back.
    foreign: Vec<&'static [u8]>,
}

fn case(
    name: &'static str,
    filename: &str,
    content_type: &'static str,
    bytes: Vec<u8>,
    expect: Expect,
) -> Case {
    Case {
        name,
        disposition: disposition(filename.as_bytes()),
        content_type,
        bytes,
        expect,
        extras: false,
        foreign: Vec::new(),
    }
}

impl Case {
    fn carrying(mut self, foreign: &[&'static [u8]]) -> Case {
        self.foreign.extend(foreign);
        self.with_extras()
    }

    fn with_extras(mut self) -> Case {
        self.extras = true;
        self
    }

    fn disposition(mut self, raw: &[u8]) -> Case {
        self.disposition = raw.to_vec();
        self
    }
}

fn disposition(filename: &[u8]) -> Vec<u8> {
    let mut out = b"form-data; name=\"image\"; filename=\"".to_vec();
    out.extend(filename);
    out.push(b'"');
    out
}

const HTML: &[u8] = b"<html><body><script>alert(document.cookie)</script></body></html>";
const SCRIPT: &[u8] = b"<script";
/// The latitude's degrees and minutes (33/1, 34/1) as EXIF stores them, little-endian.
const GPS_LATITUDE: &[u8] = &[33, 0, 0, 0, 1, 0, 0, 0, 34, 0, 0, 0, 1, 0, 0, 0];

// One case a line: what it is, the name and type it is sent with, its bytes, what it must get.
#[rustfmt::skip]
fn corpus() -> Vec<Case> {
    use Expect::{Bomb, Malformed, NotAnImage, Photo};
    use ImageFormat::{Jpeg, Png, WebP};
    let zip_markers: [&'static [u8]; 3] = [b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"];
    let exif: [&'static [u8]; 3] = [b"Exif\0\0", b"SecretCamera", GPS_LATITUDE];
    let png_text: [&'static [u8]; 7] =
        [b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"SecretCamera", GPS_LATITUDE, b"xmpmeta"];
    vec![
        // ---- not images at all, or formats the contract does not take
        case("html renamed .jpg", "hostile-page.jpg", "image/jpeg", HTML.to_vec(), NotAnImage),
        case("html declared image/png", "hostile-page.png", "image/png", HTML.to_vec(), NotAnImage),
        case("svg with <script>", "hostile-vector.svg", "image/svg+xml", svg_with_script(), NotAnImage),
        case("svg declared image/png", "hostile-vector.png", "image/png", svg_with_script(), NotAnImage),
        case("gif", "hostile-anim.gif", "image/gif", gif(), NotAnImage),
        case("gifar (gif + jar)", "hostile-gifar.jpg", "image/jpeg", gifar(), NotAnImage),
        case("bmp", "hostile-bitmap.bmp", "image/bmp", bmp(), NotAnImage),
        case("tiff", "hostile-scan.tif", "image/tiff", tiff(), NotAnImage),
        case("ico holding a png", "hostile-icon.ico", "image/png", ico_holding_png(), NotAnImage),
        case("avif header", "hostile-photo.avif", "image/avif", avif_header(), NotAnImage),
        case("zip declared image/png", "hostile-archive.png", "image/png", zip("evil.html", HTML), NotAnImage),
        case("pdf with javascript", "hostile-doc.jpg", "image/jpeg", pdf_with_javascript(), NotAnImage),
        case("png signature, then html", "hostile-magic.png", "image/png", magic_then_html(b"\x89PNG\r\n\x1a\n"), NotAnImage),
        case("jpeg soi, then html", "hostile-magic.jpg", "image/jpeg", magic_then_html(b"\xff\xd8\xff\xe0"), NotAnImage),
        case("riff/webp header, then html", "hostile-magic.webp", "image/webp", riff_webp_then_html(), NotAnImage),
        case("empty file", "hostile-empty.png", "image/png", Vec::new(), NotAnImage),
        // ---- truncated and degenerate
        case("png cut in its pixels", "hostile-cut.png", "image/png", cut(&png(64, 48), 2), NotAnImage),
        case("png cut in its header", "hostile-cut.png", "image/png", png(64, 48)[..20].to_vec(), NotAnImage),
        case("jpeg cut in its tables", "hostile-cut.jpg", "image/jpeg", jpeg(64, 48)[..100].to_vec(), NotAnImage),
        case("jpeg cut in its pixels", "hostile-cut.jpg", "image/jpeg", jpeg_cut_in_pixels(), NotAnImage),
        case("jpeg cut before its scan", "hostile-cut.jpg", "image/jpeg", flat_jpeg(64, 48, false), NotAnImage),
        case("webp cut in its pixels", "hostile-cut.webp", "image/webp", cut(&webp(64, 48), 2), NotAnImage),
        case("webp cut in its header", "hostile-cut.webp", "image/webp", webp(64, 48)[..20].to_vec(), NotAnImage),
        case("png 0 pixels wide", "hostile-zero.png", "image/png", png_with_size(&png(8, 8), 0, 8), NotAnImage),
        case("jpeg 0 pixels high", "hostile-zero.jpg", "image/jpeg", flat_jpeg(64, 0, true), NotAnImage),
        case("png pixels not deflate", "hostile-garbage.png", "image/png", png_with_garbage_pixels(), NotAnImage),
        // ---- bombs
        case("png header 60000×60000", "hostile-bomb.png", "image/png", png_with_size(&png(16, 16), 60_000, 60_000), Bomb),
        case("png 20000×20000 that inflates", "hostile-bomb.png", "image/png", black_png(20_000, 20_000), Bomb),
        case("png 7000×7000 in 39 KB", "hostile-bomb.png", "image/png", black_png(7_000, 7_000), Bomb),
        case("png 7000×7000 16-bit RGBA", "hostile-bomb.png", "image/png", deep_png(7_000, 7_000), Bomb),
        case("jpeg header 65500×65500", "hostile-bomb.jpg", "image/jpeg", [flat_jpeg(65_500, 65_500, false), vec![0xff, 0xd9]].concat(), Bomb),
        case("jpeg 7000×7000 in 190 KB", "hostile-bomb.jpg", "image/jpeg", flat_jpeg(7_000, 7_000, true), Bomb),
        case("webp header 16383×16383", "hostile-bomb.webp", "image/webp", flat_webp(16_383, 16_383), Bomb),
        case("webp canvas 2^24×2^24", "hostile-bomb.webp", "image/webp", webp_huge_canvas(), Bomb),
        case("webp 7000×7000 in 30 bytes", "hostile-bomb.webp", "image/webp", flat_webp(7_000, 7_000), Bomb),
        case("webp 7000×7000 padded to 1 MB", "hostile-bomb.webp", "image/webp", padded_webp(flat_webp(7_000, 7_000), 1 << 20), Bomb),
        // ---- genuine photos carrying something
        case("png 100×100 whose pixel data inflates to 512 MiB", "hostile-bomb.png", "image/png", png_overlong_pixels(100, 100, 512 << 20), Photo(Png, (100, 100)))
            .with_extras(),
        case("jpeg 7000×7000 padded to 1 MB", "hostile-bomb.jpg", "image/jpeg", padded_jpeg(&flat_jpeg(7_000, 7_000, true), 1 << 20), Photo(Jpeg, (7_000, 7_000)))
            .carrying(&[b"PADDING"]),
        case("jpeg with exif gps", "hostile-gps.jpg", "image/jpeg", jpeg_with_exif_gps(), Photo(Jpeg, (160, 120)))
            .carrying(&exif),
        case("jpeg with looping exif", "hostile-loop.jpg", "image/jpeg", jpeg_with_looping_exif(), Photo(Jpeg, (160, 120)))
            .carrying(&[b"Exif\0\0", b"LoopCamera"]),
        case("jpeg with html comment, icc and xmp", "hostile-comment.jpg", "image/jpeg", jpeg_with_html_segments(), Photo(Jpeg, (160, 120)))
            .carrying(&[SCRIPT, b"ICC_PROFILE", b"ns.adobe.com"]),
        case("jpeg with a zip appended", "hostile-polyglot.jpg", "image/jpeg", [jpeg(160, 120), zip("evil.html", HTML)].concat(), Photo(Jpeg, (160, 120)))
            .carrying(&zip_markers).carrying(&[SCRIPT]),
        case("png with html in a private chunk", "hostile-chunk.png", "image/png", png_with_html_chunk(), Photo(Png, (160, 120)))
            .carrying(&[SCRIPT, b"htMl", b"tEXt"]),
        case("png with tEXt, zTXt, iTXt and eXIf", "hostile-text.png", "image/png", png_with_text_chunks(), Photo(Png, (160, 120)))
            .carrying(&png_text),
        case("png with html and a zip after IEND", "hostile-trailer.png", "image/png", [png(160, 120), HTML.to_vec(), zip("evil.html", HTML)].concat(), Photo(Png, (160, 120)))
            .carrying(&zip_markers).carrying(&[SCRIPT]),
        case("webp with exif, xmp and a trailer", "hostile-meta.webp", "image/webp", webp_with_metadata(), Photo(WebP, (160, 120)))
            .carrying(&[b"EXIF", b"XMP ", b"SecretCamera", GPS_LATITUDE, SCRIPT]),
        case("apng of 1000 frames", "hostile-anim.png", "image/png", apng(64, 48, 1000), Photo(Png, (64, 48)))
            .carrying(&[b"acTL", b"fcTL", b"fdAT"]),
        case("animated webp of 1000 frames", "hostile-anim.webp", "image/webp", animated_webp(64, 48, 1000), Photo(WebP, (64, 48)))
            .carrying(&[b"ANIM", b"ANMF", b"VP8X"]),
        // ---- lying types and names
        case("png declared image/jpeg", "hostile-photo.jpg", "image/jpeg", png(64, 48), Photo(Png, (64, 48))),
        case("jpeg declared image/png", "hostile-photo.png", "image/png", jpeg(64, 48), Photo(Jpeg, (64, 48))),
        case("webp declared image/jpeg", "hostile-photo.jpg", "image/jpeg", webp(64, 48), Photo(WebP, (64, 48))),
        case("png+html declared text/html", "hostile-page.html", "text/html", [png(64, 48), HTML.to_vec()].concat(), Photo(Png, (64, 48)))
            .carrying(&[SCRIPT]),
        case("traversal name", "../../etc/passwd.jpg", "image/jpeg", jpeg(64, 48), Photo(Jpeg, (64, 48))),
        case("traversal name into /tmp", &format!("../../../../../../tmp/{}", traversal_target()), "image/png", png(64, 48), Photo(Png, (64, 48))),
        case("windows traversal name", "..\\..\\..\\hostile-win.ini.png", "image/png", png(64, 48), Photo(Png, (64, 48))),
        case("html in the name", "hostile-<img src=x onerror=alert(1)>.png", "image/png", png(64, 48), Photo(Png, (64, 48))),
        case("NUL in an RFC 5987 name", "", "image/png", png(64, 48), Photo(Png, (64, 48)))
            .disposition(b"form-data; name=\"image\"; filename*=UTF-8''hostile-car.png%00.html"),
        // A raw NUL in a part's headers is no header at all: the body is malformed.
        case("NUL in the name", "", "image/png", png(64, 48), Malformed)
            .disposition(&disposition(b"hostile-car.png\0.html")),
    ]
}

/// The file the traversal name points at, outside the server's directory.
fn traversal_target() -> String {
    format!("hostile-traversal-{}.png", std::process::id())
}

// ---------------------------------------------------------------- generators

/// A picture with some structure, so that encoders have work to do.
fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

fn encode(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(picture(width, height))
        .write_to(&mut out, format)
        .expect("encode a test picture");
    out.into_inner()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    encode(width, height, ImageFormat::Png)
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(width, height, ImageFormat::Jpeg)
}

/// A lossless WebP (the only kind the `image` crate writes).
fn webp(width: u32, height: u32) -> Vec<u8> {
    encode(width, height, ImageFormat::WebP)
}

/// The first `1/parts` of a file: tests every reader's handling of a short file.
fn cut(bytes: &[u8], parts: usize) -> Vec<u8> {
    bytes[..bytes.len() / parts].to_vec()
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A zlib stream that stores `data` as it is (for text chunks).
fn stored_zlib(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01, 0x01];
    let len = data.len() as u16;
    out.extend(len.to_le_bytes());
    out.extend((!len).to_le_bytes());
    out.extend(data);
    out.extend(adler32(data).to_be_bytes());
    out
}

fn ihdr(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend(width.to_be_bytes());
    data.extend(height.to_be_bytes());
    data.extend([depth, colour, 0, 0, 0]);
    data
}

/// `chunks` inserted right after the IHDR of a PNG the encoder made (33 bytes in).
fn png_with_chunks(plain: &[u8], chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut out = plain[..33].to_vec();
    for (kind, data) in chunks {
        png_chunk(&mut out, kind, data);
    }
    out.extend(&plain[33..]);
    out
}

/// A PNG whose header claims another size than its pixels, CRC fixed: a lying header.
fn png_with_size(plain: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = plain.to_vec();
    out[16..20].copy_from_slice(&width.to_be_bytes());
    out[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&out[12..29]);
    out[29..33].copy_from_slice(&crc.to_be_bytes());
    out
}

/// A genuine black 1-bit grey PNG whose pixel data is about 1/8000 of a byte a pixel:
/// the classic decompression bomb.
fn black_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr(width, height, 1, 0));
    let row = 1 + u64::from(width).div_ceil(8);
    png_chunk(&mut out, b"IDAT", &zeros_zlib(row * u64::from(height)));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A genuine 16-bit RGBA PNG (8 bytes a pixel once decoded): the widest pixels there are.
fn deep_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr(width, height, 16, 6));
    let row = 1 + u64::from(width) * 8;
    png_chunk(&mut out, b"IDAT", &zeros_zlib(row * u64::from(height)));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A small PNG whose pixel data goes on inflating long after its rows are complete: a
/// decoder that inflates it all spends seconds on a 100×100 picture.
fn png_overlong_pixels(width: u32, height: u32, inflated: u64) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr(width, height, 8, 2));
    png_chunk(&mut out, b"IDAT", &zeros_zlib(inflated));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A PNG whose pixel data is not a zlib stream: the inflater's error path.
fn png_with_garbage_pixels() -> Vec<u8> {
    let mut out = png(64, 48)[..33].to_vec();
    png_chunk(&mut out, b"IDAT", b"this is not deflate data at all");
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A PNG carrying a whole HTML page in a private chunk and in a tEXt comment: the
/// "PNG that is also a web page" polyglot.
fn png_with_html_chunk() -> Vec<u8> {
    let mut comment = b"Comment\0".to_vec();
    comment.extend(HTML);
    png_with_chunks(
        &png(160, 120),
        &[(b"htMl", HTML.to_vec()), (b"tEXt", comment)],
    )
}

/// A PNG with every kind of text chunk and an EXIF chunk with GPS: metadata to strip.
fn png_with_text_chunks() -> Vec<u8> {
    let mut ztxt = b"Author\0\0".to_vec();
    ztxt.extend(stored_zlib(b"SecretCamera owner, GPSLatitude 33.5731N"));
    let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    itxt.extend(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><script>alert(1)</script></x:xmpmeta>");
    png_with_chunks(
        &png(160, 120),
        &[
            (
                b"tEXt",
                b"Comment\0SecretCamera GPSLatitude 33.5731N".to_vec(),
            ),
            (b"zTXt", ztxt),
            (b"iTXt", itxt),
            (b"eXIf", exif_tiff_with_gps()),
        ],
    )
}

/// An animated PNG of `frames` frames: decoders that play it all do `frames` times the work.
fn apng(width: u32, height: u32, frames: u32) -> Vec<u8> {
    let plain = png(width, height);
    let mut out = plain[..33].to_vec();
    let mut actl = frames.to_be_bytes().to_vec();
    actl.extend(0u32.to_be_bytes()); // play forever
    png_chunk(&mut out, b"acTL", &actl);
    let fctl = |seq: u32| {
        let mut data = seq.to_be_bytes().to_vec();
        for v in [width, height, 0, 0] {
            data.extend(v.to_be_bytes());
        }
        data.extend([0, 1, 0, 100, 0, 0]); // 1/100 s, no disposal, no blending
        data
    };
    png_chunk(&mut out, b"fcTL", &fctl(0));
    // The encoder's own IDAT (and IEND) is the first frame.
    let (idat, iend) = plain[33..].split_at(plain.len() - 33 - 12);
    out.extend(idat);
    let frame = zeros_zlib(u64::from(1 + width * 3) * u64::from(height));
    let mut seq = 1;
    for _ in 1..frames {
        png_chunk(&mut out, b"fcTL", &fctl(seq));
        let mut fdat = (seq + 1).to_be_bytes().to_vec();
        fdat.extend(&frame);
        png_chunk(&mut out, b"fdAT", &fdat);
        seq += 2;
    }
    out.extend(iend);
    out
}

fn jpeg_segment(out: &mut Vec<u8>, marker: u8, data: &[u8]) {
    out.extend([0xff, marker]);
    out.extend(((data.len() + 2) as u16).to_be_bytes());
    out.extend(data);
}

/// `segments` inserted right after the SOI marker of a JPEG the encoder made.
fn jpeg_with_segments(plain: &[u8], segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = plain[..2].to_vec();
    for (marker, data) in segments {
        jpeg_segment(&mut out, *marker, data);
    }
    out.extend(&plain[2..]);
    out
}

/// A little-endian TIFF block as EXIF holds it: the camera's make and a GPS position.
fn exif_tiff_with_gps() -> Vec<u8> {
    // An even length keeps what follows it aligned.
    let make = b"SecretCamera\0\0";
    // IFD0 at 8 (2 entries, 30 bytes), the GPS IFD at 38 (4 entries, 54 bytes), then data.
    let (gps_ifd, make_at) = (38u32, 92u32);
    let lat_at = make_at + make.len() as u32;
    let lon_at = lat_at + 24;
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        tiff.extend(tag.to_le_bytes());
        tiff.extend(kind.to_le_bytes());
        tiff.extend(count.to_le_bytes());
        tiff.extend(value);
    };
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    let make_len = make.len() as u32;
    entry(&mut tiff, 0x010f, 2, make_len, make_at.to_le_bytes()); // Make
    entry(&mut tiff, 0x8825, 4, 1, gps_ifd.to_le_bytes()); // GPSInfo
    tiff.extend(0u32.to_le_bytes());
    assert_eq!(tiff.len() as u32, gps_ifd);
    tiff.extend(4u16.to_le_bytes());
    entry(&mut tiff, 0x0001, 2, 2, *b"N\0\0\0"); // GPSLatitudeRef
    entry(&mut tiff, 0x0002, 5, 3, lat_at.to_le_bytes()); // GPSLatitude
    entry(&mut tiff, 0x0003, 2, 2, *b"W\0\0\0"); // GPSLongitudeRef
    entry(&mut tiff, 0x0004, 5, 3, lon_at.to_le_bytes()); // GPSLongitude
    tiff.extend(0u32.to_le_bytes());
    assert_eq!(tiff.len() as u32, make_at);
    tiff.extend(make);
    for (degrees, minutes, seconds) in [(33u32, 34u32, 2315u32), (7, 35, 2328)] {
        for (num, den) in [(degrees, 1u32), (minutes, 1), (seconds, 100)] {
            tiff.extend(num.to_le_bytes());
            tiff.extend(den.to_le_bytes());
        }
    }
    tiff
}

fn exif_segment(tiff: &[u8]) -> Vec<u8> {
    [b"Exif\0\0".as_slice(), tiff].concat()
}

/// A camera JPEG that tells where it was taken (EXIF with GPS): a privacy leak to strip.
fn jpeg_with_exif_gps() -> Vec<u8> {
    jpeg_with_segments(
        &jpeg(160, 120),
        &[(0xe1, exif_segment(&exif_tiff_with_gps()))],
    )
}

/// EXIF whose IFD claims 65535 entries and links to itself: loops in metadata readers.
fn jpeg_with_looping_exif() -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(0xffffu16.to_le_bytes());
    for _ in 0..4 {
        tiff.extend(0x0112u16.to_le_bytes()); // Orientation, of an impossible type
        tiff.extend(0xffffu16.to_le_bytes());
        tiff.extend(0xffff_ffffu32.to_le_bytes());
        tiff.extend(0xffff_fff0u32.to_le_bytes());
    }
    tiff.extend(8u32.to_le_bytes()); // the next IFD is this one
    tiff.extend(b"LoopCamera\0");
    jpeg_with_segments(&jpeg(160, 120), &[(0xe1, exif_segment(&tiff))])
}

/// A JPEG whose comment, ICC profile and XMP segments hold HTML: a polyglot web page.
fn jpeg_with_html_segments() -> Vec<u8> {
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend(HTML);
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend(b"<x:xmpmeta><script>alert(1)</script></x:xmpmeta>");
    jpeg_with_segments(
        &jpeg(160, 120),
        &[(0xfe, HTML.to_vec()), (0xe2, icc), (0xe1, xmp)],
    )
}

/// A genuine grey baseline JPEG written by hand with one-symbol Huffman tables: two bits
/// a block, so 7000×7000 pixels fit in 190 KB. Without `scan`, only its headers.
fn flat_jpeg(width: u16, height: u16, scan: bool) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8];
    jpeg_segment(&mut out, 0xdb, &[[0u8].as_slice(), &[1; 64]].concat());
    let mut sof = vec![8];
    sof.extend(height.to_be_bytes());
    sof.extend(width.to_be_bytes());
    sof.extend([1, 1, 0x11, 0]);
    jpeg_segment(&mut out, 0xc0, &sof);
    for class in [0x00, 0x10] {
        // One code of one bit: DC difference 0, and AC end-of-block.
        let mut dht = vec![class, 1];
        dht.extend([0; 15]);
        dht.push(0);
        jpeg_segment(&mut out, 0xc4, &dht);
    }
    jpeg_segment(&mut out, 0xda, &[1, 1, 0x00, 0, 63, 0]);
    if scan {
        let blocks = u64::from(width.div_ceil(8)) * u64::from(height.div_ceil(8));
        let bits = blocks * 2;
        out.extend(std::iter::repeat_n(0u8, (bits / 8) as usize));
        if bits % 8 != 0 {
            out.push((1u8 << (8 - bits % 8)) - 1); // padded with ones
        }
        out.extend([0xff, 0xd9]);
    }
    out
}

/// A JPEG cut in its entropy-coded data: lenient decoders fill the rest with grey.
fn jpeg_cut_in_pixels() -> Vec<u8> {
    let whole = jpeg(160, 120);
    whole[..whole.len() * 3 / 4].to_vec()
}

/// A JPEG with comment segments of filler after its SOI: a bomb grown past a size rule.
fn padded_jpeg(plain: &[u8], at_least: usize) -> Vec<u8> {
    let filler = b"PADDING ".repeat(8000);
    let count = at_least.div_ceil(filler.len());
    let segments: Vec<(u8, Vec<u8>)> = (0..count).map(|_| (0xfe, filler.clone())).collect();
    jpeg_with_segments(plain, &segments)
}

/// A WebP with an unknown chunk of filler after its image: a bomb grown past a size rule.
fn padded_webp(plain: Vec<u8>, at_least: usize) -> Vec<u8> {
    let mut out = plain;
    out.extend(b"PADD");
    out.extend((at_least as u32).to_le_bytes());
    out.extend(vec![0u8; at_least]);
    let riff_size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    out
}

fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (kind, data) in chunks {
        body.extend(*kind);
        body.extend((data.len() as u32).to_le_bytes());
        body.extend(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// The VP8L chunk of a lossless WebP the encoder made.
fn vp8l_of(plain: &[u8]) -> Vec<u8> {
    assert_eq!(&plain[12..16], b"VP8L");
    let len = u32::from_le_bytes(plain[16..20].try_into().expect("4 bytes")) as usize;
    plain[20..20 + len].to_vec()
}

/// A genuine lossless WebP bitstream of one colour written by hand: every prefix code
/// has a single symbol, so a pixel costs no bit at all and any size fits in 30 bytes.
fn flat_vp8l(width: u32, height: u32) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.put(0x2f, 8); // signature
    bits.put((width - 1) & 0x3fff, 14);
    bits.put((height - 1) & 0x3fff, 14);
    bits.put(0, 1); // no alpha
    bits.put(0, 3); // version 0
    bits.put(0, 1); // no transform
    bits.put(0, 1); // no colour cache
    bits.put(0, 1); // no meta prefix codes

    // Green, red, blue: symbol 0; alpha: 255; distance: 0. Each a "simple" code of one
    // symbol, given in 1 or 8 bits.
    for symbol in [0u32, 0, 0, 255, 0] {
        bits.put(1, 1);
        bits.put(0, 1);
        if symbol > 1 {
            bits.put(1, 1);
            bits.put(symbol, 8);
        } else {
            bits.put(0, 1);
            bits.put(symbol, 1);
        }
    }
    bits.finish()
}

/// A lossless WebP of one colour: a decompression bomb of any size up to 16384².
fn flat_webp(width: u32, height: u32) -> Vec<u8> {
    riff(&[(b"VP8L", flat_vp8l(width, height))])
}

fn vp8x(flags: u8, width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![flags, 0, 0, 0];
    data.extend(&(width - 1).to_le_bytes()[..3]);
    data.extend(&(height - 1).to_le_bytes()[..3]);
    data
}

/// An extended WebP whose canvas is 2^24 pixels a side: the largest a header can claim.
fn webp_huge_canvas() -> Vec<u8> {
    riff(&[
        (b"VP8X", vp8x(0, 1 << 24, 1 << 24)),
        (b"VP8L", flat_vp8l(64, 48)),
    ])
}

/// An extended WebP with EXIF (GPS) and XMP (HTML) chunks and bytes after its RIFF end.
fn webp_with_metadata() -> Vec<u8> {
    let mut xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>".to_vec();
    xmp.extend(HTML);
    xmp.extend(b"</x:xmpmeta>");
    let mut out = riff(&[
        (b"VP8X", vp8x(0x08 | 0x04, 160, 120)),
        (b"VP8L", vp8l_of(&webp(160, 120))),
        (b"EXIF", exif_tiff_with_gps()),
        (b"XMP ", xmp),
    ]);
    out.extend(HTML);
    out
}

/// An animated WebP of `frames` frames: decoders that play it all do `frames` times the work.
fn animated_webp(width: u32, height: u32, frames: u32) -> Vec<u8> {
    let first = vp8l_of(&webp(width, height));
    let flat = flat_vp8l(width, height);
    let mut chunks = vec![
        (b"VP8X", vp8x(0x02, width, height)),
        (b"ANIM", vec![0, 0, 0, 0, 0, 0]),
    ];
    for n in 0..frames {
        let mut anmf = vec![0; 6]; // at 0, 0
        anmf.extend(&(width - 1).to_le_bytes()[..3]);
        anmf.extend(&(height - 1).to_le_bytes()[..3]);
        anmf.extend(&10u32.to_le_bytes()[..3]); // 10 ms
        anmf.push(0);
        let frame = if n == 0 { &first } else { &flat };
        anmf.extend(b"VP8L");
        anmf.extend((frame.len() as u32).to_le_bytes());
        anmf.extend(frame);
        if frame.len() % 2 == 1 {
            anmf.push(0);
        }
        chunks.push((b"ANMF", anmf));
    }
    riff(&chunks)
}

/// An SVG that runs a script when a browser opens it as a document.
fn svg_with_script() -> Vec<u8> {
    br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><script>alert(document.cookie)</script><rect width="64" height="48"/></svg>"#.to_vec()
}

/// A 1×1 GIF: a format the contract does not take.
fn gif() -> Vec<u8> {
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec()
}

/// A GIFAR: a GIF that is also a Java archive (zip readers start from the end).
fn gifar() -> Vec<u8> {
    [
        gif(),
        zip(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\nMain-Class: Evil\n",
        ),
    ]
    .concat()
}

/// A minimal ZIP archive of one stored file.
fn zip(name: &str, data: &[u8]) -> Vec<u8> {
    let (crc, size, name_len) = (crc32fast::hash(data), data.len() as u32, name.len() as u16);
    let mut out = b"PK\x03\x04".to_vec();
    for v in [20u16, 0, 0, 0, 0] {
        out.extend(v.to_le_bytes()); // version, flags, stored, time, date
    }
    for v in [crc, size, size] {
        out.extend(v.to_le_bytes());
    }
    out.extend(name_len.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(name.as_bytes());
    out.extend(data);
    let directory = out.len() as u32;
    out.extend(b"PK\x01\x02");
    for v in [20u16, 20, 0, 0, 0, 0] {
        out.extend(v.to_le_bytes()); // made by, needed, flags, stored, time, date
    }
    for v in [crc, size, size] {
        out.extend(v.to_le_bytes());
    }
    for v in [name_len, 0, 0, 0, 0] {
        out.extend(v.to_le_bytes()); // name, extra, comment, disk, internal attributes
    }
    out.extend(0u32.to_le_bytes()); // external attributes
    out.extend(0u32.to_le_bytes()); // the local header's offset
    out.extend(name.as_bytes());
    let directory_len = out.len() as u32 - directory;
    out.extend(b"PK\x05\x06");
    for v in [0u16, 0, 1, 1] {
        out.extend(v.to_le_bytes());
    }
    out.extend(directory_len.to_le_bytes());
    out.extend(directory.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A 2×2 24-bit BMP: a format the contract does not take.
fn bmp() -> Vec<u8> {
    let mut out = b"BM".to_vec();
    for v in [70u32, 0, 54, 40, 2, 2] {
        out.extend(v.to_le_bytes()); // size, reserved, offset, header size, width, height
    }
    out.extend(1u16.to_le_bytes());
    out.extend(24u16.to_le_bytes());
    for v in [0u32, 16, 2835, 2835, 0, 0] {
        out.extend(v.to_le_bytes());
    }
    for _ in 0..2 {
        out.extend([0, 0, 255, 255, 255, 255, 0, 0]); // two pixels and padding
    }
    out
}

/// A 1×1 grey TIFF: a format the contract does not take.
fn tiff() -> Vec<u8> {
    let mut out = b"II*\0".to_vec();
    out.extend(8u32.to_le_bytes());
    let entries: [(u16, u16, u32); 8] = [
        (256, 3, 1),   // width
        (257, 3, 1),   // height
        (258, 3, 8),   // bits per sample
        (259, 3, 1),   // no compression
        (262, 3, 1),   // black is zero
        (273, 4, 110), // strip offset
        (278, 3, 1),   // rows per strip
        (279, 4, 1),   // strip byte count
    ];
    out.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out.extend(value.to_le_bytes());
    }
    out.extend(0u32.to_le_bytes());
    out.push(0x80);
    out
}

/// An ICO whose only image is a PNG: a PNG inside, but not a PNG.
fn ico_holding_png() -> Vec<u8> {
    let inner = png(16, 16);
    let mut out = Vec::new();
    for v in [0u16, 1, 1] {
        out.extend(v.to_le_bytes());
    }
    out.extend([16, 16, 0, 0]);
    out.extend(1u16.to_le_bytes());
    out.extend(32u16.to_le_bytes());
    out.extend((inner.len() as u32).to_le_bytes());
    out.extend(22u32.to_le_bytes());
    out.extend(inner);
    out
}

/// The start of an AVIF file: a real image format, not one the contract takes.
fn avif_header() -> Vec<u8> {
    let mut out = 24u32.to_be_bytes().to_vec();
    out.extend(b"ftypavif\0\0\0\0avifmif1");
    out.extend(HTML);
    out
}

/// A PDF that runs JavaScript when opened.
fn pdf_with_javascript() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}

/// The magic number of an accepted format, then a web page: sniffers see an image.
fn magic_then_html(magic: &[u8]) -> Vec<u8> {
    [magic, HTML].concat()
}

/// A RIFF/WEBP header, then a web page.
fn riff_webp_then_html() -> Vec<u8> {
    let mut out = b"RIFF".to_vec();
    out.extend((4 + HTML.len() as u32).to_le_bytes());
    out.extend(b"WEBP");
    out.extend(HTML);
    out
}

/// The generators make what they say: the genuine pictures decode (the bombs at a
/// size that is safe to decode here), the impostors do not pass for accepted formats.
fn check_the_corpus(cases: &[Case]) {
    let grey = image::load_from_memory(&black_png(70, 9)).expect("black_png decodes");
    assert_eq!((grey.width(), grey.height()), (70, 9));
    assert!(grey.to_luma8().pixels().all(|p| p.0 == [0]));
    let grey = image::load_from_memory(&flat_jpeg(70, 9, true)).expect("flat_jpeg decodes");
    assert_eq!((grey.width(), grey.height()), (70, 9));
    assert!(
        grey.to_luma8().pixels().all(|p| p.0 == [128]),
        "DC 0 is mid-grey"
    );
    let flat = image::load_from_memory(&flat_webp(70, 9)).expect("flat_webp decodes");
    assert_eq!((flat.width(), flat.height()), (70, 9));
    assert!(flat.to_rgb8().pixels().all(|p| p.0 == [0, 0, 0]));
    let deep = image::load_from_memory(&deep_png(7, 9)).expect("deep_png decodes");
    assert_eq!(deep.color(), image::ColorType::Rgba16);
    for case in cases {
        let real = image::guess_format(&case.bytes).ok();
        match case.expect {
            Expect::Photo(format, size) => {
                assert_eq!(real, Some(format), "{}", case.name);
                let img = image::load_from_memory_with_format(&case.bytes, format)
                    .unwrap_or_else(|e| panic!("{} does not decode: {e}", case.name));
                assert_eq!((img.width(), img.height()), size, "{}", case.name);
                for foreign in &case.foreign {
                    assert!(
                        contains(&case.bytes, foreign),
                        "{} lacks its extras",
                        case.name
                    );
                }
            }
            Expect::NotAnImage => {
                let accepted = matches!(
                    real,
                    Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)
                );
                // The `image` crate fills a JPEG cut short with grey; it still is one.
                let cut_jpeg =
                    real == Some(ImageFormat::Jpeg) && !case.bytes.ends_with(&[0xff, 0xd9]);
                assert!(
                    !accepted || cut_jpeg || image::load_from_memory(&case.bytes).is_err(),
                    "{} is a decodable image",
                    case.name
                );
            }
            Expect::Malformed => {}
            Expect::Bomb => {
                // Aimed at a decoder the server runs (the small versions above decode),
                // claiming pixels by the ten million, unless its header is past reading.
                let format = real.unwrap_or_else(|| panic!("{} has no format", case.name));
                assert!(
                    matches!(
                        format,
                        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
                    ),
                    "{}",
                    case.name
                );
                let mut reader = ImageReader::with_format(Cursor::new(&case.bytes), format);
                reader.no_limits();
                if let Ok((w, h)) = reader.into_dimensions() {
                    let pixels = u64::from(w) * u64::from(h);
                    assert!(pixels >= 40_000_000, "{}: {w}×{h}", case.name);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- what the server serves

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn mime(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        _ => "image/webp",
    }
}

/// The markers of a served JPEG up to its scan; fails if anything follows its end.
fn jpeg_markers(bytes: &[u8]) -> Vec<u8> {
    assert_eq!(&bytes[..2], [0xff, 0xd8]);
    let mut markers = Vec::new();
    let mut at = 2;
    loop {
        assert_eq!(bytes[at], 0xff, "a marker at {at}");
        let marker = bytes[at + 1];
        markers.push(marker);
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        at += 2 + len;
        if marker == 0xda {
            break;
        }
    }
    // Entropy-coded data holds no FF D9: the first end marker is the last two bytes.
    let end = bytes[at..]
        .windows(2)
        .position(|w| w == [0xff, 0xd9])
        .expect("an EOI marker");
    assert_eq!(at + end + 2, bytes.len(), "bytes after the JPEG's end");
    markers
}

/// The chunk types of a served PNG; fails if anything follows IEND.
fn png_chunks(bytes: &[u8]) -> Vec<[u8; 4]> {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let mut chunks = Vec::new();
    let mut at = 8;
    loop {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let kind: [u8; 4] = bytes[at + 4..at + 8].try_into().expect("4 bytes");
        chunks.push(kind);
        at += 12 + len;
        if &kind == b"IEND" {
            break;
        }
    }
    assert_eq!(at, bytes.len(), "bytes after IEND");
    chunks
}

/// The chunk types of a served WebP; fails if anything follows the RIFF container.
fn webp_chunks(bytes: &[u8]) -> Vec<[u8; 4]> {
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WEBP");
    let size = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes")) as usize;
    assert_eq!(size + 8, bytes.len(), "bytes after the RIFF container");
    let mut chunks = Vec::new();
    let mut at = 12;
    while at < bytes.len() {
        let kind: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        if &kind == b"VP8X" {
            // ICC, EXIF, XMP or animation announced: metadata or frames kept.
            assert_eq!(bytes[at + 8] & 0x2e, 0, "VP8X flags {:#x}", bytes[at + 8]);
        }
        chunks.push(kind);
        at += 8 + len + len % 2;
    }
    chunks
}

/// Only pixels are served: the container holds image data and nothing else.
fn assert_only_pixels(bytes: &[u8], format: ImageFormat, what: &str) {
    match format {
        ImageFormat::Jpeg => {
            for marker in jpeg_markers(bytes) {
                // APP0 (JFIF), tables, frame, restart interval, scan: no APPn, no COM.
                assert!(
                    matches!(marker, 0xe0 | 0xdb | 0xc0..=0xc2 | 0xc4 | 0xdd | 0xda),
                    "{what}: JPEG segment FF{marker:02X} served"
                );
            }
        }
        ImageFormat::Png => {
            for kind in png_chunks(bytes) {
                assert!(
                    matches!(&kind, b"IHDR" | b"PLTE" | b"tRNS" | b"IDAT" | b"IEND"),
                    "{what}: PNG chunk {} served",
                    String::from_utf8_lossy(&kind)
                );
            }
        }
        _ => {
            for kind in webp_chunks(bytes) {
                assert!(
                    matches!(&kind, b"VP8 " | b"VP8L" | b"VP8X" | b"ALPH"),
                    "{what}: WebP chunk {} served",
                    String::from_utf8_lossy(&kind)
                );
            }
        }
    }
}

/// The photo at `url` and its thumbnail are the upload's pixels, re-encoded, of the
/// upload's real type, with none of its extras and the headers that stop sniffing.
async fn assert_served_clean(
    api: &Api,
    url: &str,
    case: &Case,
    format: ImageFormat,
    size: (u32, u32),
) {
    for (path, thumb) in [(url.to_owned(), false), (format!("{url}?size=thumb"), true)] {
        let what = format!("{} at {path}", case.name);
        let d = download(api, &path, None).await;
        assert_eq!(d.status, 200, "{what}");
        assert_eq!(d.header("content-type"), mime(format), "{what}");
        assert_eq!(image::guess_format(&d.bytes).ok(), Some(format), "{what}");
        assert_eq!(d.header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(d.header("content-security-policy"), CSP, "{what}");
        let img = image::load_from_memory_with_format(&d.bytes, format)
            .unwrap_or_else(|e| panic!("{what} does not decode: {e}"));
        if thumb {
            assert!(img.width() <= 320 && img.height() <= 320, "{what}");
        } else {
            assert_eq!((img.width(), img.height()), size, "{what}");
        }
        assert_only_pixels(&d.bytes, format, &what);
        for foreign in &case.foreign {
            assert!(
                !contains(&d.bytes, foreign),
                "{what} still holds {:?}",
                String::from_utf8_lossy(foreign)
            );
        }
        if case.extras {
            assert_ne!(d.bytes, case.bytes, "{what} is served as uploaded");
        }
    }
}

// ---------------------------------------------------------------- the two upload routes

#[derive(Clone)]
enum Route {
    Car,
    /// The reservation whose check-out inspection takes the photos.
    Inspection(String),
}

impl Route {
    fn label(&self) -> &'static str {
        match self {
            Route::Car => "car",
            Route::Inspection(_) => "inspection",
        }
    }
}

fn form(case: &Case) -> Vec<u8> {
    let mut body = format!("--{BOUNDARY}\r\nContent-Disposition: ").into_bytes();
    body.extend(&case.disposition);
    body.extend(format!("\r\nContent-Type: {}\r\n\r\n", case.content_type).as_bytes());
    body.extend(&case.bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_form(api: &Api, path: &str, case: &Case) -> crate::common::Resp {
    api.send(
        api.request(Method::POST, path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(form(case)),
    )
    .await
}

async fn new_car(admin: &Api, n: usize) -> String {
    let r = admin
        .post(
            "/api/cars",
            json!({
                "make": "Renault", "model": "Clio", "year": 2022,
                "licensePlate": format!("{n}-HX-{n}"), "vin": format!("VF1RFB00X6613{n:04}"),
                "dailyRate": 250,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    id_of(&r.body)
}

/// A reservation picked up an hour ago, with its check-out inspection.
async fn rental(admin: &Api) -> String {
    let car = new_car(admin, 999).await;
    let r = admin
        .post(
            "/api/clients",
            json!({"firstName": "Hostile", "lastName": "Uploader", "phone": "+212600000999",
                   "driverLicenseNumber": "DL-HX-999"}),
        )
        .await;
    assert_eq!(r.status, 201, "create client: {}", r.text);
    let client = id_of(&r.body);
    let start = Utc::now() - chrono::Duration::hours(1);
    let stamp = |at: chrono::DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let r = admin
        .post(
            "/api/reservations",
            json!({"carId": car, "clientId": client, "startDate": stamp(start),
                   "endDate": stamp(start + chrono::Duration::days(2)), "status": "confirmed"}),
        )
        .await;
    assert_eq!(r.status, 201, "book: {}", r.text);
    let id = id_of(&r.body);
    let r = admin
        .put(
            &format!("/api/reservations/{id}/status"),
            json!({"status": "active", "at": stamp(start), "inspection":
                   {"odometerKm": 1000, "fuelEighths": 8, "damage": [], "signedBy": "K. Alaoui"}}),
        )
        .await;
    assert_eq!(r.status, 200, "pick up: {}", r.text);
    id
}

fn photo_ids(reservation: &Value) -> Vec<String> {
    reservation["checkoutInspection"]["photos"]
        .as_array()
        .expect("photos")
        .iter()
        .map(id_of)
        .collect()
}

/// Sends `case` on `route`, prints what it got and what it cost, and checks both.
async fn try_case(app: &TestApp, admin: &Api, route: &Route, n: usize, case: &Case) {
    let what = format!("{} ({} route)", case.name, route.label());
    let (path, before) = match route {
        Route::Car => {
            let id = new_car(admin, n).await;
            (format!("/api/cars/{id}/image"), Vec::new())
        }
        Route::Inspection(reservation) => {
            let r = admin.get(&format!("/api/reservations/{reservation}")).await;
            (
                format!("/api/reservations/{reservation}/inspections/checkout/photos"),
                photo_ids(&r.body),
            )
        }
    };
    let pid = app.server.pid();
    let baseline = memory_baseline(pid);
    let started = Instant::now();
    let r = post_form(admin, &path, case).await;
    let took = started.elapsed();
    let grew_kib = proc_kib(pid, "VmHWM:").saturating_sub(baseline);
    eprintln!(
        "{:?} {:<10} {:<40} {} {:>8.1} ms {:>8} KiB",
        app.db.engine,
        route.label(),
        case.name,
        r.status,
        took.as_secs_f64() * 1000.0,
        grew_kib
    );

    assert!(r.status < 500, "{what}: {} {}", r.status, r.text);
    for marker in NAME_MARKERS {
        assert!(
            !r.text.contains(marker),
            "{what}: the name is echoed: {}",
            r.text
        );
    }
    match case.expect {
        Expect::NotAnImage | Expect::Bomb | Expect::Malformed => {
            let allowed: &[u16] = match case.expect {
                Expect::Bomb => &[415, 422],
                Expect::Malformed => &[400],
                _ => &[415],
            };
            assert!(
                allowed.contains(&r.status),
                "{what}: {} {}",
                r.status,
                r.text
            );
            let code = match r.status {
                400 => "bad_request",
                415 => "unsupported_media_type",
                _ => "validation_failed",
            };
            r.assert_error(r.status, code);
            if r.status == 422 {
                assert!(r.body["fields"]["image"].is_string(), "{what}: {}", r.text);
            }
            match route {
                Route::Car => {
                    let car = admin.get(&path.replace("/image", "")).await;
                    assert_eq!(car.body["imageUrl"], Value::Null, "{what}: {}", car.text);
                    admin.get(&path).await.assert_error(404, "not_found");
                }
                Route::Inspection(reservation) => {
                    let after = admin.get(&format!("/api/reservations/{reservation}")).await;
                    assert_eq!(photo_ids(&after.body), before, "{what}");
                }
            }
        }
        Expect::Photo(format, size) => {
            let url = match route {
                Route::Car => {
                    assert_eq!(r.status, 200, "{what}: {}", r.text);
                    assert_eq!(r.body["imageUrl"], path.as_str(), "{what}");
                    path.clone()
                }
                Route::Inspection(_) => {
                    assert_eq!(r.status, 201, "{what}: {}", r.text);
                    let photos = r.body["checkoutInspection"]["photos"]
                        .as_array()
                        .expect("photos");
                    let added: Vec<&Value> = photos
                        .iter()
                        .filter(|p| !before.contains(&id_of(p)))
                        .collect();
                    assert_eq!(added.len(), 1, "{what}: {}", r.text);
                    added[0]["url"].as_str().expect("url").to_owned()
                }
            };
            assert_served_clean(admin, &url, case, format, size).await;
            if let Route::Inspection(_) = route {
                // An inspection holds at most 20 photos: make room for the next case.
                assert_eq!(admin.delete(&url).await.status, 204, "{what}");
            }
        }
    }
    if case.expect == Expect::Bomb {
        assert!(took < BOMB_TIME, "{what}: refused in {took:?}");
        assert!(
            grew_kib < BOMB_MEMORY_KIB,
            "{what}: the server grew by {grew_kib} KiB"
        );
    }
}

// ---------------------------------------------------------------- the test

async fn hostile_files_are_refused_or_re_encoded_clean(engine: Engine) {
    let cases = corpus();
    assert!(cases.len() >= 25, "{} cases", cases.len());
    check_the_corpus(&cases);

    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let routes = [Route::Car, Route::Inspection(rental(&admin).await)];
    // Bombs first, on a server that has decoded nothing yet, so that memory freed by
    // earlier uploads cannot hide what a bomb takes.
    let order = cases
        .iter()
        .filter(|c| c.expect == Expect::Bomb)
        .chain(cases.iter().filter(|c| c.expect != Expect::Bomb));
    for (n, case) in order.enumerate() {
        for route in &routes {
            try_case(&app, &admin, route, n + 1, case).await;
        }
    }
    assert_eq!(admin.get("/healthz").await.status, 200);

    // The names were never kept: not in the audit log, not in any car, not on the disk.
    let audit = app
        .db
        .texts(
            "SELECT COALESCE(details, '') || COALESCE(before, '') || COALESCE(after, '') \
             FROM audit_log",
        )
        .await
        .concat();
    let cars = admin.get("/api/cars?perPage=100").await.text;
    let Route::Inspection(reservation) = &routes[1] else {
        unreachable!("the second route is the inspection's")
    };
    let reservation = admin
        .get(&format!("/api/reservations/{reservation}"))
        .await
        .text;
    for marker in NAME_MARKERS {
        assert!(!audit.contains(marker), "{marker} in the audit log");
        assert!(!cars.contains(marker), "{marker} in a car");
        assert!(!reservation.contains(marker), "{marker} in the reservation");
    }
    if engine == Engine::Sqlite {
        // Every byte the server keeps, photos included, is in these files.
        for entry in std::fs::read_dir(app.db.dir.path()).expect("server directory") {
            let path = entry.expect("entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with("locacar.db")) {
                let bytes = std::fs::read(&path).expect("database file");
                for marker in NAME_MARKERS {
                    assert!(
                        !contains(&bytes, marker.as_bytes()),
                        "{marker} in {}",
                        path.display()
                    );
                }
            }
        }
    }
    let escaped = std::path::Path::new("/tmp").join(traversal_target());
    assert!(!escaped.exists(), "{} was written", escaped.display());
    assert!(!std::path::Path::new("/etc/passwd.jpg").exists());
    let mut dirs = vec![app.db.dir.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("server directory") {
            let path = entry.expect("entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            assert!(
                !NAME_MARKERS.iter().any(|m| name.contains(m)),
                "{} written by the server",
                path.display()
            );
            if path.is_dir() {
                dirs.push(path);
            }
        }
    }
}
