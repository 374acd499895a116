//! Moving an agency out (`locacar export-mongo`): the whole database in the files
//! `mongoexport` writes, so that `import-mongo` of them into an empty database gives the
//! same answers, and an agency is never locked in.
//!
//! Each collection is read in pages of ids (keyset, never OFFSET) and written one
//! document per line as it is read: memory stays flat whatever the size.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use crate::db::{
    audit, branches, cars, clients, exports, extras, reservations, users, Conn, Database,
};
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::mongo::documents;

/// Ids read per page.
const PAGE: i64 = 500;

/// What was written, per collection.
#[derive(Debug, Default)]
pub struct ExportSummary {
    pub written: BTreeMap<&'static str, u64>,
}

/// Called after each page with the collection and the documents written so far.
pub type Progress<'a> = &'a mut dyn FnMut(&str, u64, f64);

/// Writes the five collection files into `dir` (created if needed).
pub async fn run(
    db: &Database,
    dir: &Path,
    progress: Progress<'_>,
) -> anyhow::Result<ExportSummary> {
    std::fs::create_dir_all(dir)?;
    let mut conn = db.read().await?;
    let mut summary = ExportSummary::default();
    for collection in super::import::COLLECTIONS {
        let path = dir.join(format!("{collection}.json"));
        let mut out = BufWriter::new(File::create(&path)?);
        let started = Instant::now();
        let mut written = 0u64;
        let mut after: Option<Id> = None;
        loop {
            let ids = exports::page_of_ids(&mut conn, collection, after, PAGE).await?;
            let Some(last) = ids.last().copied() else {
                break;
            };
            for id in ids {
                let doc = document(&mut conn, collection, id).await?;
                serde_json::to_writer(&mut out, &doc)?;
                out.write_all(b"\n")?;
                written += 1;
            }
            after = Some(last);
            progress(collection, written, started.elapsed().as_secs_f64());
        }
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        summary.written.insert(collection, written);
    }
    Ok(summary)
}

/// One record in the original schema.
async fn document(conn: &mut Conn, collection: &str, id: Id) -> AppResult<serde_json::Value> {
    let gone = || AppError::not_found(collection);
    Ok(match collection {
        "users" => {
            let u = users::find_with_hash(conn, id).await?.ok_or_else(gone)?;
            documents::user(&u.user, &u.password_hash)
        }
        "clients" => documents::client(&clients::find(conn, id).await?.ok_or_else(gone)?),
        "cars" => {
            let car = cars::find(conn, id).await?.ok_or_else(gone)?;
            let rates = cars::rates(conn, id).await?.ok_or_else(gone)?;
            documents::car(&car, &rates)
        }
        "branches" => documents::own(&branches::find(conn, id).await?.ok_or_else(gone)?),
        "extras" => documents::own(&extras::find(conn, id).await?.ok_or_else(gone)?),
        "car_blocks" => documents::own(&exports::block(conn, id).await?.ok_or_else(gone)?),
        "car_images" => documents::photo(&exports::car_image(conn, id).await?.ok_or_else(gone)?),
        "inspection_photos" => documents::photo(
            &exports::inspection_photo(conn, id)
                .await?
                .ok_or_else(gone)?,
        ),
        "invoices" => documents::invoice(&exports::invoice(conn, id).await?.ok_or_else(gone)?),
        "reservations" => {
            documents::reservation(&reservations::find(conn, id).await?.ok_or_else(gone)?)
        }
        _ => documents::audit_entry(&audit::find(conn, id).await?.ok_or_else(gone)?),
    })
}
