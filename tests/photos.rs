//! Car photos: upload (admin, multipart, decided by the bytes), download (staff, with
//! thumbnails and ETags) and removal; limits, decompression bombs and metadata
//! stripping, on both engines.

mod common;

use std::io::Cursor;
use std::time::{Duration, Instant};

use common::png::{png_chunk, zeros_zlib};
use common::{download, own_connection, Api, Engine, Options, Resp, TestApp};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::Method;
use serde_json::{json, Value};

const UNKNOWN_ID: &str = "65a1b2c3d4e5f6a7b8c9d0e1";
const BOUNDARY: &str = "----locacar-test-boundary-7MA4YWxkTrZu0gW";

both_engines!(
    photo_routes_follow_the_role_table,
    png_jpeg_and_webp_round_trip_with_their_headers,
    thumbnails_fit_in_320_pixels,
    etags_answer_304_when_unchanged,
    the_type_is_decided_by_the_bytes,
    an_image_that_does_not_decode_is_415,
    a_decompression_bomb_is_refused_without_decoding,
    metadata_and_trailing_bytes_are_dropped,
    uploads_need_a_multipart_form_with_one_image,
    the_size_limit_follows_the_setting,
    deleting_the_photo_or_the_car_removes_it,
);

// ---------------------------------------------------------------- images

/// A picture with some structure, so encoders and thumbnails have work to do.
fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img.clone())
        .write_to(&mut out, format)
        .expect("encode test image");
    out.into_inner()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    encode(&picture(width, height), ImageFormat::Png)
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(&picture(width, height), ImageFormat::Jpeg)
}

/// A PNG of random pixels: it does not compress, so its size is about 3 bytes a pixel.
fn noise_png(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let img = RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let b = state.to_le_bytes();
        Rgb([b[0], b[1], b[2]])
    });
    encode(&img, ImageFormat::Png)
}

/// A genuine, fully decodable black 1-bit grey PNG of `width`×`height` pixels, whose
/// compressed data is tiny: at 20000×20000 it is a decompression bomb.
fn black_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([1, 0, 0, 0, 0]); // 1 bit, grey, deflate, no filter, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    let row = 1 + u64::from(width).div_ceil(8);
    png_chunk(&mut out, b"IDAT", &zeros_zlib(row * u64::from(height)));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A JPEG with an EXIF segment (camera make and GPS text) right after its SOI marker.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    assert_eq!(&plain[..2], [0xff, 0xd8]);
    let secret = b"SecretCamera\0";
    // A little-endian TIFF header, one IFD entry: Make (0x010f), ASCII, at offset 26.
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(0x010fu16.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend((secret.len() as u32).to_le_bytes());
    tiff.extend(26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(secret);
    tiff.extend(b"GPSLatitude 33.5731N GPSLongitude 7.5898W");
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff);
    let mut out = plain[..2].to_vec();
    out.extend([0xff, 0xe1]);
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out.extend(&plain[2..]);
    out
}

/// A PNG with a text chunk holding a secret, before its IEND chunk.
fn png_with_text(width: u32, height: u32) -> Vec<u8> {
    let plain = png(width, height);
    let iend = plain.len() - 12;
    let mut out = plain[..iend].to_vec();
    png_chunk(
        &mut out,
        b"tEXt",
        b"Comment\0SecretCamera GPSLatitude 33.5731N",
    );
    out.extend(&plain[iend..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------- HTTP helpers

/// A multipart/form-data body made of `(field, file name, content type, bytes)` parts.
fn form(parts: &[(&str, &str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, filename, content_type, bytes) in parts {
        body.extend(format!("--{BOUNDARY}\r\n").as_bytes());
        body.extend(
            format!(
                "Content-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            )
            .as_bytes(),
        );
        body.extend(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_form(api: &Api, car_id: &str, body: Vec<u8>) -> Resp {
    api.send(
        api.request(Method::POST, &format!("/api/cars/{car_id}/image"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body),
    )
    .await
}

/// Uploads `bytes` as the `image` field.
async fn upload(api: &Api, car_id: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Resp {
    post_form(
        api,
        car_id,
        form(&[("image", filename, content_type, bytes)]),
    )
    .await
}

/// Creates a car as `admin` and returns its id.
async fn new_car(admin: &Api, n: u32) -> String {
    let r = admin
        .post(
            "/api/cars",
            json!({
                "make": "Renault", "model": "Clio", "year": 2022,
                "licensePlate": format!("{n}-PH-{n}"), "vin": format!("VF1RFB00X6612{n:04}"),
                "dailyRate": 250,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "create car: {}", r.text);
    r.body["_id"].as_str().unwrap().to_owned()
}

fn image_path(id: &str) -> String {
    format!("/api/cars/{id}/image")
}

fn assert_invalid(r: &Resp, field: &str) {
    r.assert_error(422, "validation_failed");
    assert!(
        r.body["fields"].get(field).is_some(),
        "expected fields.{field}: {}",
        r.text
    );
}

/// A car that has no photo, in its document and in the database.
async fn assert_no_photo(app: &TestApp, admin: &Api, id: &str) {
    let car = admin.get(&format!("/api/cars/{id}")).await;
    assert_eq!(car.status, 200, "{}", car.text);
    assert_eq!(car.body["imageUrl"], Value::Null, "{}", car.text);
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM car_images WHERE car_id = '{id}'"
            ))
            .await,
        0
    );
}

async fn photo_audit_rows(app: &TestApp) -> i64 {
    app.db
        .count("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%CAR_IMAGE'")
        .await
}

// ---------------------------------------------------------------- access

async fn photo_routes_follow_the_role_table(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let anonymous = app.api();
    let id = new_car(&admin, 1).await;
    let path = image_path(&id);
    let photo = png(64, 48);

    upload(&app.api(), &id, "car.png", "image/png", &photo)
        .await
        .assert_error(401, "unauthenticated");
    upload(
        &own_connection(&manager),
        &id,
        "car.png",
        "image/png",
        &photo,
    )
    .await
    .assert_error(403, "forbidden");
    assert_no_photo(&app, &admin, &id).await;

    let r = upload(&admin, &id, "car.png", "image/png", &photo).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Staff read it; only admins remove it.
    for api in [&manager, &admin] {
        for size in ["", "?size=thumb"] {
            let d = download(api, &format!("{path}{size}"), None).await;
            assert_eq!(d.status, 200, "{path}{size}");
            assert_eq!(d.header("content-type"), "image/png");
        }
    }
    for p in [path.clone(), format!("{path}?size=thumb")] {
        anonymous.get(&p).await.assert_error(401, "unauthenticated");
    }
    anonymous
        .delete(&path)
        .await
        .assert_error(401, "unauthenticated");
    manager.delete(&path).await.assert_error(403, "forbidden");
    assert_eq!(download(&manager, &path, None).await.status, 200);
    assert_eq!(admin.delete(&path).await.status, 204);
}

// ---------------------------------------------------------------- round trips

async fn png_jpeg_and_webp_round_trip_with_their_headers(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let admin_id = admin.get("/api/auth/status").await.body["user"]["_id"].clone();

    let original = picture(640, 480);
    for (n, format, content_type, filename) in [
        (1, ImageFormat::Png, "image/png", "car.png"),
        (2, ImageFormat::Jpeg, "image/jpeg", "car.jpg"),
        (3, ImageFormat::WebP, "image/webp", "car.webp"),
    ] {
        let id = new_car(&admin, n).await;
        let path = image_path(&id);
        let sent = encode(&original, format);

        let r = upload(&admin, &id, filename, content_type, &sent).await;
        assert_eq!(r.status, 200, "{content_type}: {}", r.text);
        assert_eq!(r.body["_id"], id.as_str());
        assert_eq!(r.body["imageUrl"], path.as_str(), "{}", r.text);
        assert_eq!(r.body["updatedBy"], admin_id);
        assert_eq!(r.body["licensePlate"], format!("{n}-PH-{n}"));
        let car = admin.get(&format!("/api/cars/{id}")).await;
        assert_eq!(car.body["imageUrl"], path.as_str());
        let listed = admin.get("/api/cars?sort=addedAt").await;
        assert_eq!(
            listed.body["items"][n as usize - 1]["imageUrl"],
            path.as_str()
        );

        let d = download(&admin, &path, None).await;
        assert_eq!(d.status, 200, "{content_type}");
        assert_eq!(d.header("content-type"), content_type);
        assert_eq!(d.header("content-length"), d.bytes.len().to_string());
        assert_eq!(d.header("x-content-type-options"), "nosniff");
        assert!(!d.header("etag").is_empty(), "{:?}", d.headers);
        let got = image::load_from_memory(&d.bytes).expect("the download decodes");
        assert_eq!(image::guess_format(&d.bytes).unwrap(), format);
        assert_eq!((got.width(), got.height()), (640, 480), "{content_type}");
        if format != ImageFormat::Jpeg {
            // Lossless formats keep every pixel.
            assert!(got.to_rgb8() == original, "{content_type}: pixels changed");
        }
    }
}

async fn thumbnails_fit_in_320_pixels(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;

    for (n, bytes, format, content_type, (w, h)) in [
        (1, png(800, 600), ImageFormat::Png, "image/png", (800, 600)),
        (
            2,
            jpeg(300, 900),
            ImageFormat::Jpeg,
            "image/jpeg",
            (300, 900),
        ),
        (
            3,
            png(1000, 100),
            ImageFormat::Png,
            "image/png",
            (1000, 100),
        ),
    ] {
        let id = new_car(&admin, n).await;
        let path = image_path(&id);
        let r = upload(&admin, &id, "car", content_type, &bytes).await;
        assert_eq!(r.status, 200, "{}", r.text);

        let full = download(&admin, &path, None).await;
        let thumb = download(&admin, &format!("{path}?size=thumb"), None).await;
        assert_eq!(thumb.status, 200);
        assert_eq!(thumb.header("content-type"), content_type);
        assert_eq!(
            thumb.header("content-length"),
            thumb.bytes.len().to_string()
        );
        assert_eq!(thumb.header("x-content-type-options"), "nosniff");
        assert!(!thumb.header("etag").is_empty());
        assert_ne!(thumb.header("etag"), full.header("etag"));
        assert!(thumb.bytes.len() < full.bytes.len());
        let small = image::load_from_memory_with_format(&thumb.bytes, format).expect("decodes");
        let (tw, th) = (small.width(), small.height());
        assert!(tw <= 320 && th <= 320, "{w}×{h} gave a {tw}×{th} thumbnail");
        assert!(tw == 320 || th == 320, "{w}×{h} gave a {tw}×{th} thumbnail");
        // The proportions are kept (to a pixel).
        let expected_th = f64::from(tw) * f64::from(h) / f64::from(w);
        assert!(
            (f64::from(th) - expected_th).abs() <= 1.5,
            "{w}×{h} gave a {tw}×{th} thumbnail"
        );
        // The full size is still the full size.
        let big = image::load_from_memory(&full.bytes).unwrap();
        assert_eq!((big.width(), big.height()), (w, h));
    }

    // Other sizes are a bad query parameter.
    let id = new_car(&admin, 9).await;
    upload(&admin, &id, "car.png", "image/png", &png(400, 300)).await;
    for size in ["huge", "THUMB", "small", "320"] {
        let r = admin.get(&format!("{}?size={size}", image_path(&id))).await;
        r.assert_error(400, "bad_request");
        assert!(
            r.body["error"].as_str().unwrap().contains("size"),
            "{}",
            r.text
        );
    }

    // A photo already smaller than a thumbnail is not blown up into a bigger one.
    let id = new_car(&admin, 8).await;
    upload(&admin, &id, "car.png", "image/png", &png(50, 40)).await;
    let thumb = download(&admin, &format!("{}?size=thumb", image_path(&id)), None).await;
    let small = image::load_from_memory(&thumb.bytes).unwrap();
    assert!(
        small.width() <= 50 && small.height() <= 40,
        "a 50×40 photo gave a {}×{} thumbnail",
        small.width(),
        small.height()
    );
}

async fn etags_answer_304_when_unchanged(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let (manager, _) = app.manager("mona").await;
    let id = new_car(&admin, 1).await;
    let path = image_path(&id);
    upload(&admin, &id, "car.png", "image/png", &png(200, 100)).await;

    for p in [path.clone(), format!("{path}?size=thumb")] {
        let first = download(&manager, &p, None).await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

        let again = download(&manager, &p, Some(&etag)).await;
        assert_eq!(again.status, 304, "{p}");
        assert!(again.bytes.is_empty(), "a 304 has no body");
        assert_eq!(again.header("etag"), etag);

        let listed = download(&manager, &p, Some(&format!("\"other\", {etag}"))).await;
        assert_eq!(listed.status, 304, "{p}");

        let other = download(&manager, &p, Some("\"not-the-etag\"")).await;
        assert_eq!(other.status, 200, "{p}");
        assert_eq!(other.bytes, first.bytes);
    }
    // The full image's ETag is the thumbnail's only when their bytes are the same
    // (a photo already within 320 px is its own thumbnail).
    let full = download(&admin, &path, None).await;
    let full_etag = full.header("etag").to_owned();
    let thumb = download(&admin, &format!("{path}?size=thumb"), Some(&full_etag)).await;
    let same_bytes = download(&admin, &format!("{path}?size=thumb"), None)
        .await
        .bytes
        == full.bytes;
    assert_eq!(thumb.status, if same_bytes { 304 } else { 200 });

    // A new photo has a new ETag: the old one no longer matches.
    let r = upload(&admin, &id, "car.jpg", "image/jpeg", &jpeg(120, 90)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fresh = download(&admin, &path, Some(&full_etag)).await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.header("content-type"), "image/jpeg");
    assert_ne!(fresh.header("etag"), full_etag);
    let img = image::load_from_memory(&fresh.bytes).unwrap();
    assert_eq!((img.width(), img.height()), (120, 90));
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM car_images WHERE car_id = '{id}'"
            ))
            .await,
        1
    );
}

// ---------------------------------------------------------------- what is accepted

async fn the_type_is_decided_by_the_bytes(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = new_car(&admin, 1).await;
    let path = image_path(&id);

    // Not an image, whatever the name and declared type say.
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    let full_png = png(64, 48);
    let mut bmp = b"BM".to_vec();
    bmp.extend([0u8; 60]);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    for (filename, content_type, bytes) in [
        (
            "car.png",
            "image/png",
            b"this is plain text, not a photo".as_slice(),
        ),
        (
            "car.jpg",
            "image/jpeg",
            b"<html><script>alert(1)</script></html>".as_slice(),
        ),
        ("car.svg", "image/svg+xml", svg.as_slice()),
        ("car.gif", "image/gif", gif.as_slice()),
        ("car.bmp", "image/bmp", bmp.as_slice()),
        ("car.png", "image/png", b"".as_slice()),
        // Right magic number, nothing that decodes after it.
        ("car.png", "image/png", &full_png[..8]),
        (
            "car.jpg",
            "image/jpeg",
            b"\xff\xd8\xff\xe0garbage".as_slice(),
        ),
    ] {
        let r = upload(&admin, &id, filename, content_type, bytes).await;
        assert_eq!(
            r.status,
            415,
            "{filename} ({} bytes): {}",
            bytes.len(),
            r.text
        );
        r.assert_error(415, "unsupported_media_type");
    }
    assert_no_photo(&app, &admin, &id).await;
    assert_eq!(photo_audit_rows(&app).await, 0);

    // A real photo under a misleading name and type is taken for what it is.
    let r = upload(&admin, &id, "notes.txt", "text/plain", &png(32, 32)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        download(&admin, &path, None).await.header("content-type"),
        "image/png"
    );
    let r = upload(&admin, &id, "car.png", "image/png", &jpeg(32, 32)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        download(&admin, &path, None).await.header("content-type"),
        "image/jpeg"
    );
    let r = upload(
        &admin,
        &id,
        "car.exe",
        "application/octet-stream",
        &encode(&picture(32, 32), ImageFormat::WebP),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        download(&admin, &path, None).await.header("content-type"),
        "image/webp"
    );
}

/// "Anything that does not decode as one of those types is 415": a file that starts
/// like a PNG but whose pixels cannot be decoded is no photo either.
async fn an_image_that_does_not_decode_is_415(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = new_car(&admin, 1).await;
    let full = png(64, 48);
    // Cut in the middle of its pixel data.
    let truncated = full[..full.len() / 2].to_vec();
    // A valid header, then pixel data that is not a zlib stream.
    let mut garbage = full[..33].to_vec();
    png_chunk(&mut garbage, b"IDAT", b"this is not deflate data at all");
    png_chunk(&mut garbage, b"IEND", &[]);
    for (what, bytes) in [("truncated", truncated), ("garbage pixels", garbage)] {
        let r = upload(&admin, &id, "car.png", "image/png", &bytes).await;
        assert_eq!(r.status, 415, "{what}: {}", r.text);
        r.assert_error(415, "unsupported_media_type");
    }
    assert_no_photo(&app, &admin, &id).await;
    assert_eq!(photo_audit_rows(&app).await, 0);
}

async fn a_decompression_bomb_is_refused_without_decoding(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = new_car(&admin, 1).await;

    // The generator makes genuine PNGs: a small one decodes to black pixels.
    let small = image::load_from_memory(&black_png(70, 9)).expect("a valid PNG");
    assert_eq!((small.width(), small.height()), (70, 9));
    assert!(small.to_luma8().pixels().all(|p| p.0 == [0]));
    // 20000×20000 pixels in about 300 KB.
    let bomb = black_png(20_000, 20_000);
    assert!(bomb.len() < 400_000, "{} bytes", bomb.len());
    let header = image::ImageReader::new(Cursor::new(&bomb))
        .with_guessed_format()
        .unwrap()
        .into_dimensions()
        .unwrap();
    assert_eq!(header, (20_000, 20_000));
    // The same trick by patching the header of a small RGB PNG.
    let mut patched = png(16, 16);
    patched[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    patched[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let crc = crc32fast::hash(&patched[12..29]);
    patched[29..33].copy_from_slice(&crc.to_be_bytes());

    for bytes in [&bomb, &patched] {
        let started = Instant::now();
        let r = upload(&admin, &id, "bomb.png", "image/png", bytes).await;
        let took = started.elapsed();
        assert_invalid(&r, "image");
        assert!(took < Duration::from_secs(3), "took {took:?}");
    }

    // The server is up, unchanged, and took no memory for 400 million pixels.
    let health = app.api().get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_no_photo(&app, &admin, &id).await;
    assert_eq!(photo_audit_rows(&app).await, 0);
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", app.server.pid())) {
        let peak_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM");
        assert!(peak_kib < 256 * 1024, "server peak memory {peak_kib} KiB");
    }
    let r = upload(&admin, &id, "car.png", "image/png", &png(64, 64)).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn metadata_and_trailing_bytes_are_dropped(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let trailer = b"TRAILER<html><script>alert(1)</script></html>";

    let mut with_exif = jpeg_with_exif(160, 120);
    // The test photo does carry its metadata, and decodes.
    assert!(contains(&with_exif, b"SecretCamera"));
    assert!(contains(&with_exif, b"Exif\0\0"));
    assert_eq!(image::load_from_memory(&with_exif).unwrap().width(), 160);
    with_exif.extend(trailer);
    let mut with_text = png_with_text(160, 120);
    assert!(contains(&with_text, b"SecretCamera"));
    assert_eq!(image::load_from_memory(&with_text).unwrap().width(), 160);
    with_text.extend(trailer);

    for (n, bytes, format) in [
        (1, with_exif, ImageFormat::Jpeg),
        (2, with_text, ImageFormat::Png),
    ] {
        let id = new_car(&admin, n).await;
        let r = upload(&admin, &id, "car", "application/octet-stream", &bytes).await;
        assert_eq!(r.status, 200, "{}", r.text);
        for size in ["", "?size=thumb"] {
            let d = download(&admin, &format!("{}{size}", image_path(&id)), None).await;
            assert_eq!(d.status, 200);
            for secret in [
                b"SecretCamera".as_slice(),
                b"GPSLatitude",
                b"Exif",
                b"TRAILER",
                b"<script>",
            ] {
                assert!(
                    !contains(&d.bytes, secret),
                    "{format:?}{size} still holds {}",
                    String::from_utf8_lossy(secret)
                );
            }
            assert_eq!(image::guess_format(&d.bytes).unwrap(), format);
            image::load_from_memory(&d.bytes).expect("decodes");
        }
        let d = download(&admin, &image_path(&id), None).await;
        let img = image::load_from_memory(&d.bytes).unwrap();
        assert_eq!((img.width(), img.height()), (160, 120));
        match format {
            ImageFormat::Jpeg => assert!(d.bytes.ends_with(&[0xff, 0xd9])),
            _ => assert!(d.bytes.ends_with(b"IEND\xaeB`\x82")),
        }
    }
}

async fn uploads_need_a_multipart_form_with_one_image(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = new_car(&admin, 1).await;
    let path = image_path(&id);
    let photo = png(64, 48);

    // Not multipart: 415.
    for (content_type, body) in [
        (Some("image/png"), photo.clone()),
        (Some("application/octet-stream"), photo.clone()),
        (
            Some("application/json"),
            br#"{"image": "iVBORw0KGgo="}"#.to_vec(),
        ),
        (Some("text/plain"), b"hello".to_vec()),
        (None, photo.clone()),
    ] {
        let api = own_connection(&admin);
        let mut req = api.request(Method::POST, &path).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let r = api.send(req).await;
        r.assert_error(415, "unsupported_media_type");
    }

    // A field other than `image`, no field, or two images: 422.
    let r = post_form(
        &admin,
        &id,
        form(&[("photo", "car.png", "image/png", &photo)]),
    )
    .await;
    assert_invalid(&r, "photo");
    let r = post_form(&admin, &id, form(&[])).await;
    assert_invalid(&r, "image");
    let r = post_form(
        &admin,
        &id,
        form(&[
            ("image", "a.png", "image/png", &photo),
            ("image", "b.png", "image/png", &photo),
        ]),
    )
    .await;
    assert_invalid(&r, "image");
    let r = post_form(
        &admin,
        &id,
        form(&[
            ("image", "a.png", "image/png", &photo),
            ("caption", "c.txt", "text/plain", b"nice car"),
        ]),
    )
    .await;
    assert_invalid(&r, "caption");
    assert_no_photo(&app, &admin, &id).await;

    // Unknown or malformed car ids.
    upload(&admin, UNKNOWN_ID, "car.png", "image/png", &photo)
        .await
        .assert_error(404, "not_found");
    upload(&admin, "nothex", "car.png", "image/png", &photo)
        .await
        .assert_error(400, "bad_request");
    admin
        .get(&image_path(UNKNOWN_ID))
        .await
        .assert_error(404, "not_found");
    admin
        .get(&image_path("nothex"))
        .await
        .assert_error(400, "bad_request");
    // A car without a photo has none to show.
    admin.get(&path).await.assert_error(404, "not_found");
    admin
        .get(&format!("{path}?size=thumb"))
        .await
        .assert_error(404, "not_found");
    assert_eq!(photo_audit_rows(&app).await, 0);

    // The well-formed upload goes through.
    let r = upload(&admin, &id, "car.png", "image/png", &photo).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn the_size_limit_follows_the_setting(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        Options::default().env("LOCACAR_IMAGE_LIMIT_BYTES", "20000"),
    )
    .await;
    let admin = app.admin().await;
    let id = new_car(&admin, 1).await;

    let just_over = noise_png(85, 80);
    assert!(
        (20_001..40_000).contains(&just_over.len()),
        "{} bytes",
        just_over.len()
    );
    let far_over = noise_png(300, 300);
    assert!(far_over.len() > 200_000, "{} bytes", far_over.len());
    for bytes in [&just_over, &far_over] {
        // The server stops reading a body over the limit and drops the connection
        // without `Connection: close`; a client reusing it would fail its next request.
        let r = upload(&own_connection(&admin), &id, "car.png", "image/png", bytes).await;
        r.assert_error(413, "payload_too_large");
    }
    assert_no_photo(&app, &admin, &id).await;
    assert_eq!(photo_audit_rows(&app).await, 0);

    // Under the limit is fine, and the server is still up.
    let under = noise_png(60, 60);
    assert!(under.len() < 20_000, "{} bytes", under.len());
    let r = upload(&admin, &id, "car.png", "image/png", &under).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = download(&admin, &image_path(&id), None).await;
    assert_eq!(d.status, 200);
    let img = image::load_from_memory(&d.bytes).unwrap();
    assert_eq!((img.width(), img.height()), (60, 60));

    // The default limit (5 MiB) takes a photo the small setting refused.
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let id = new_car(&admin, 1).await;
    let r = upload(&admin, &id, "car.png", "image/png", &far_over).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

// ---------------------------------------------------------------- removal and audit

async fn deleting_the_photo_or_the_car_removes_it(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let admin_id = admin.get("/api/auth/status").await.body["user"]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = new_car(&admin, 1).await;
    let path = image_path(&id);

    let r = upload(&admin, &id, "car.png", "image/png", &png(64, 48)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin.delete(&path).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.text.is_empty(), "{}", r.text);
    assert_no_photo(&app, &admin, &id).await;
    admin.get(&path).await.assert_error(404, "not_found");
    admin
        .get(&format!("{path}?size=thumb"))
        .await
        .assert_error(404, "not_found");
    admin.delete(&path).await.assert_error(404, "not_found");
    admin
        .delete(&image_path(UNKNOWN_ID))
        .await
        .assert_error(404, "not_found");

    // One audit entry per change, about the car; none for the failures.
    for action in ["UPLOAD_CAR_IMAGE", "DELETE_CAR_IMAGE"] {
        let rows = app
            .db
            .texts(&format!(
                "SELECT entity_type || ' ' || user_id FROM audit_log \
                 WHERE action = '{action}' AND entity_id = '{id}'"
            ))
            .await;
        assert_eq!(rows, [format!("Car {admin_id}")], "{action}");
    }
    let after = app
        .db
        .texts(&format!(
            "SELECT after FROM audit_log WHERE action = 'UPLOAD_CAR_IMAGE' AND entity_id = '{id}'"
        ))
        .await;
    let after: Value = serde_json::from_str(&after[0]).unwrap();
    assert_eq!(after["imageUrl"], path.as_str());
    assert_eq!(photo_audit_rows(&app).await, 2);

    // Deleting the car takes its photo with it.
    let r = upload(&admin, &id, "car.png", "image/png", &png(64, 48)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(admin.delete(&format!("/api/cars/{id}")).await.status, 204);
    assert_eq!(app.db.count("SELECT COUNT(*) FROM car_images").await, 0);
    admin.get(&path).await.assert_error(404, "not_found");
    upload(&admin, &id, "car.png", "image/png", &png(64, 48))
        .await
        .assert_error(404, "not_found");
}
