//! What only an export reads: ids page by page, and what the export cannot carry yet.

use super::car_images::StoredImage;
use super::invoices::Issued;
use super::query::{query_as, query_scalar, row_struct};
use super::Conn;
use crate::domain::block::Block;
use crate::domain::id::Id;
use crate::domain::inspection::InspectionKind;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};
use crate::mongo::original::PhotoRecord;

/// The table behind each exported collection, and the column its documents are keyed by.
fn table(collection: &str) -> AppResult<(&'static str, &'static str)> {
    Ok(match collection {
        "users" => ("users", "id"),
        "clients" => ("clients", "id"),
        "cars" => ("cars", "id"),
        "reservations" => ("reservations", "id"),
        "audit_log" => ("audit_log", "id"),
        "branches" => ("branches", "id"),
        "extras" => ("extras", "id"),
        "car_blocks" => ("car_blocks", "id"),
        "car_images" => ("car_images", "car_id"),
        "inspection_photos" => ("inspection_photos", "id"),
        "invoices" => ("invoices", "id"),
        other => return Err(AppError::Internal(anyhow::anyhow!("no collection {other}"))),
    })
}

/// Up to `limit` ids of `collection` after `after`, in id order (a keyset page).
pub async fn page_of_ids(
    conn: &mut Conn,
    collection: &str,
    after: Option<Id>,
    limit: i64,
) -> AppResult<Vec<Id>> {
    let (table, key) = table(collection)?;
    let sql = format!("SELECT {key} FROM {table} WHERE {key} > $1 ORDER BY {key} LIMIT $2");
    let ids: Vec<String> = query_scalar(&sql)
        .bind(after.map(|i| i.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    ids.iter().map(|s| parse_id(s)).collect()
}

fn parse_id(s: &str) -> AppResult<Id> {
    s.parse()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("corrupt id {s}")))
}

row_struct! {
    struct PhotoRow {
        owner: String,
        photo: Option<String>,
        kind: Option<String>,
        content_type: String,
        data: Vec<u8>,
        etag: String,
        thumb_content_type: String,
        thumb: Vec<u8>,
        thumb_etag: String,
        uploaded_at: i64,
        uploaded_by: Option<String>,
    }
}

impl PhotoRow {
    fn into_record(self) -> AppResult<PhotoRecord> {
        let inspection = match (self.photo, self.kind) {
            (Some(id), Some(kind)) => Some((
                parse_id(&id)?,
                kind.parse::<InspectionKind>()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?,
            )),
            _ => None,
        };
        Ok(PhotoRecord {
            owner: parse_id(&self.owner)?,
            inspection,
            full: StoredImage {
                content_type: self.content_type,
                data: self.data,
                etag: self.etag,
            },
            thumb: StoredImage {
                content_type: self.thumb_content_type,
                data: self.thumb,
                etag: self.thumb_etag,
            },
            uploaded_at: Timestamp::from_millis(self.uploaded_at),
            uploaded_by: self.uploaded_by.and_then(|s| s.parse().ok()),
        })
    }
}

const PHOTO_COLUMNS: &str = "content_type, data, etag, thumb_content_type, thumb, thumb_etag, \
     uploaded_at";

/// A car's photo, with its thumbnail.
pub async fn car_image(conn: &mut Conn, car: Id) -> AppResult<Option<PhotoRecord>> {
    let row: Option<PhotoRow> = query_as(&format!(
        "SELECT car_id AS owner, NULL AS photo, NULL AS kind, {PHOTO_COLUMNS}, \
         NULL AS uploaded_by FROM car_images WHERE car_id = $1"
    ))
    .bind(car.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(PhotoRow::into_record).transpose()
}

/// A photo of an inspection, with its thumbnail.
pub async fn inspection_photo(conn: &mut Conn, id: Id) -> AppResult<Option<PhotoRecord>> {
    let row: Option<PhotoRow> = query_as(&format!(
        "SELECT reservation_id AS owner, id AS photo, kind, {PHOTO_COLUMNS}, uploaded_by \
         FROM inspection_photos WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(PhotoRow::into_record).transpose()
}

/// An issued invoice or credit note by its id alone.
pub async fn invoice(conn: &mut Conn, id: Id) -> AppResult<Option<Issued>> {
    let reservation: Option<String> =
        query_scalar("SELECT reservation_id FROM invoices WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    match reservation.and_then(|r| r.parse().ok()) {
        Some(reservation) => super::invoices::find(conn, reservation, id).await,
        None => Ok(None),
    }
}

/// One block by its id alone.
pub async fn block(conn: &mut Conn, id: Id) -> AppResult<Option<Block>> {
    let car: Option<String> = query_scalar("SELECT car_id FROM car_blocks WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    match car.and_then(|c| c.parse().ok()) {
        Some(car) => super::blocks::find(conn, car, id).await,
        None => Ok(None),
    }
}
