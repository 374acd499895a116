//! Bodies too large to take: every operation that reads a body answers 413 in the
//! contract's shape just over its limit, and 50 uploads of a gigabyte each, sent at once
//! without a length (chunked), all get their 413 while the server's memory grows by less
//! than 256 MiB.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use crate::common::{own_connection, Engine, TestApp};
use crate::{memory_baseline, proc_kib};

/// The default JSON limit (LOCACAR_JSON_LIMIT_BYTES).
const JSON_LIMIT: usize = 64 * 1024;
/// The default photo limit (LOCACAR_IMAGE_LIMIT_BYTES).
const IMAGE_LIMIT: usize = 5 * 1024 * 1024;
const UPLOADS: usize = 50;
const GIB: u64 = 1 << 30;

crate::both_engines!(every_body_over_its_limit_is_413);

async fn every_body_over_its_limit_is_413(engine: Engine) {
    let app = TestApp::start(engine).await;
    let admin = app.admin().await;
    let doc: Value = admin.get("/api/openapi.json").await.body;
    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(content) = op["requestBody"]["content"].as_object() else {
                continue;
            };
            let path = path
                .replace("{kind}", "checkout")
                .replace("{id}", "0123456789abcdef01234567")
                .replace("{blockId}", "0123456789abcdef01234567")
                .replace("{invoiceId}", "0123456789abcdef01234567");
            let method =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let (content_type, body) = if content.contains_key("application/json") {
                ("application/json".to_owned(), json_of(JSON_LIMIT + 1))
            } else {
                let boundary = "x".repeat(20);
                let mut form = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; \
                     filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                )
                .into_bytes();
                form.resize(form.len() + IMAGE_LIMIT + 128 * 1024, b'j');
                (format!("multipart/form-data; boundary={boundary}"), form)
            };
            let request = own_connection(&admin)
                .request(method.clone(), &path)
                .header("Content-Type", content_type)
                .body(body);
            let r = admin.send(request).await;
            assert_eq!(
                (r.status, r.body["code"].as_str()),
                (413, Some("payload_too_large")),
                "{method} {path}: {}",
                r.text
            );
            checked.push(format!("{method} {path}"));
        }
    }
    eprintln!(
        "bodies ({engine:?}): {} operations answer 413",
        checked.len()
    );
    assert!(checked.len() >= 25, "only {checked:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_gigabyte_uploads_at_once_all_get_413_in_bounded_memory() {
    let app = TestApp::start(Engine::Sqlite).await;
    let admin = app.admin().await;
    let cookie = admin.cookie().expect("session");
    let car = admin
        .post(
            "/api/cars",
            serde_json::json!({"make": "Dacia", "model": "Logan", "year": 2024,
                "licensePlate": "11111-A-1", "vin": "VF1RFB00X66110001", "dailyRate": 300}),
        )
        .await;
    assert_eq!(car.status, 201, "{}", car.text);
    let car = crate::common::id_of(&car.body);
    let address = format!("127.0.0.1:{}", app.server.port());
    let pid = app.server.pid();
    let baseline = memory_baseline(pid);
    let started = Instant::now();

    let mut uploads = JoinSet::new();
    for n in 0..UPLOADS {
        // Half JSON bodies, half photo uploads: two different limits and readers.
        let (path, content_type) = if n % 2 == 0 {
            ("/api/clients".to_owned(), "application/json".to_owned())
        } else {
            (
                format!("/api/cars/{car}/image"),
                "multipart/form-data; boundary=xxxx".to_owned(),
            )
        };
        let (address, cookie) = (address.clone(), cookie.clone());
        uploads.spawn(async move { chunked_upload(&address, &path, &content_type, &cookie).await });
    }
    let results = uploads.join_all().await;
    let grew_mib = proc_kib(pid, "VmHWM:").saturating_sub(baseline) / 1024;
    let sent_mib: u64 = results.iter().map(|(_, sent)| sent >> 20).sum();
    eprintln!(
        "bodies: {UPLOADS} chunked uploads of up to 1 GiB in {:.1} s: {sent_mib} MiB sent in \
         all before the answers; server memory grew {grew_mib} MiB",
        started.elapsed().as_secs_f64()
    );
    for (status, sent) in &results {
        assert!(
            status.starts_with("HTTP/1.1 413"),
            "an upload got {status:?} after {sent} bytes"
        );
        assert!(
            *sent < GIB,
            "the server read a whole gigabyte before refusing"
        );
    }
    assert!(grew_mib < 256, "memory grew {grew_mib} MiB");
    // The server is still there for everyone else.
    assert_eq!(admin.get("/api/cars").await.status, 200);
}

/// Streams up to 1 GiB as a chunked body until the server answers; its status line and
/// how many bytes went out first.
async fn chunked_upload(
    address: &str,
    path: &str,
    content_type: &str,
    cookie: &str,
) -> (String, u64) {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nCookie: locacar_session={cookie}\r\n\
         Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
    chunk.extend(std::iter::repeat_n(b' ', 64 * 1024));
    chunk.extend(b"\r\n");
    let (mut reader, mut writer) = stream.into_split();
    let answer = tokio::spawn(async move {
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match tokio::time::timeout(Duration::from_secs(60), reader.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                Ok(Ok(n)) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
        String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    });
    let mut sent = 0u64;
    while sent < GIB && !answer.is_finished() {
        if writer.write_all(&chunk).await.is_err() {
            break;
        }
        sent += chunk.len() as u64;
    }
    let status = answer.await.expect("reader");
    (status, sent)
}

/// A JSON object of exactly `size` bytes.
fn json_of(size: usize) -> Vec<u8> {
    let mut body = b"{\"pad\":\"".to_vec();
    body.resize(size - 2, b'a');
    body.extend(b"\"}");
    body
}
