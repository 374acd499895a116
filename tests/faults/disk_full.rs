//! A full disk: SQLite on a small tmpfs that fills up. Writes are refused with 503 (never
//! a 500, never a crash), reads go on, writes work again within a second of space being
//! freed, and the file is intact.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Api, Engine, Options, Resp, Server, TestDb, ADMIN_PASSWORD};

/// A tmpfs of its own, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(at).expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (the CI machines run as root)"
        );
        SmallDisk(at.to_owned())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the disk with one file until the kernel says it is full.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("filler");
    let block = vec![0u8; 64 * 1024];
    loop {
        match file.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(nix::libc::ENOSPC) => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = file.sync_all();
}

async fn new_client(api: &Api, n: usize) -> Resp {
    api.post(
        "/api/clients",
        json!({"firstName": "Noé", "lastName": "Petit", "phone": format!("+3378{n:07}")}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_503_and_recovers() {
    let mut db = TestDb::new(Engine::Sqlite).await;
    let disk = SmallDisk::mount(&db.dir.path().join("disk"), "12m");
    db.url = format!("sqlite://{}", disk.0.join("locacar.db").display());
    let url = db.url.clone();
    let mut server = Server::start(&db, &Options::default().env("DATABASE_URL", &url));
    let api = server.api();
    assert_eq!(api.login("admin", ADMIN_PASSWORD).await.status, 200);

    let mut acknowledged = 0;
    let mut n = 0;
    for _ in 0..20 {
        assert_eq!(new_client(&api, n).await.status, 201);
        (acknowledged, n) = (acknowledged + 1, n + 1);
    }
    let filler = disk.0.join("filler");
    fill(&filler);

    // The WAL may still have room for a few writes; then the disk is full for good.
    let mut refused = 0;
    while refused < 20 {
        let r = new_client(&api, n).await;
        n += 1;
        match r.status {
            201 => acknowledged += 1,
            503 => {
                r.assert_error(503, "unavailable");
                assert!(r.header("retry-after").is_some(), "503 without Retry-After");
                refused += 1;
            }
            other => panic!("a write on a full disk got {other}: {}", r.text),
        }
        assert!(n < 5000, "the disk never filled up");
        let read = api.get("/api/clients?perPage=5").await;
        assert_eq!(read.status, 200, "reads go on: {}", read.text);
    }

    std::fs::remove_file(&filler).expect("free the space");
    let freed = Instant::now();
    loop {
        let r = new_client(&api, n).await;
        n += 1;
        if r.status == 201 {
            acknowledged += 1;
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text);
        assert!(
            freed.elapsed() < Duration::from_secs(1),
            "writes still refused 1 s after space came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "disk full: writes worked again {:?} after space was freed",
        freed.elapsed()
    );
    for _ in 0..10 {
        assert_eq!(new_client(&api, n).await.status, 201);
        (acknowledged, n) = (acknowledged + 1, n + 1);
    }

    server.terminate();
    let stored = db.count("SELECT COUNT(*) FROM clients").await;
    assert_eq!(
        stored, acknowledged,
        "every acknowledged client, and only those"
    );
    let check: Vec<String> = db.texts("PRAGMA integrity_check").await;
    assert_eq!(check, ["ok"]);
    drop(server);
}
