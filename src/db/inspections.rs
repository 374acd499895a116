//! Hand-over and return inspections, and their photos, in `inspections` and
//! `inspection_photos`.

use std::collections::HashMap;

use super::car_images::{NewImage, StoredImage};
use super::query::{query, query_as, row_struct};
use super::{Conn, Sql};
use crate::domain::id::Id;
use crate::domain::inspection::{Damage, Inspection, InspectionKind, InspectionPhoto, Reading};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

fn corrupt(what: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("corrupt inspection row: {what}"))
}

row_struct! {
    struct InspectionRow {
        reservation_id: String,
        kind: String,
        odometer_km: i64,
        fuel_eighths: i64,
        damage: String,
        signed_by: String,
        recorded_at: i64,
        recorded_by: Option<String>,
    }
}

row_struct! {
    struct PhotoRow {
        id: String,
        reservation_id: String,
        kind: String,
        uploaded_at: i64,
    }
}

/// The inspections of each reservation, by reservation id and kind, photos included.
pub type InspectionsOf = HashMap<(String, String), Inspection>;

/// The inspections of the given reservations, in two queries.
pub async fn of(conn: &mut Conn, ids: &[&str]) -> AppResult<InspectionsOf> {
    let mut found = InspectionsOf::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let mut sql = Sql::new(
        "SELECT reservation_id, kind, odometer_km, fuel_eighths, damage, signed_by, recorded_at, \
         recorded_by FROM inspections WHERE reservation_id IN ",
    );
    sql.bind_list(ids);
    let rows: Vec<InspectionRow> = sql.fetch_all(conn).await?;
    for r in rows {
        let damage: Vec<Damage> = serde_json::from_str(&r.damage).map_err(|_| corrupt("damage"))?;
        let inspection = Inspection {
            odometer_km: r.odometer_km,
            fuel_eighths: u8::try_from(r.fuel_eighths).map_err(|_| corrupt("fuel_eighths"))?,
            damage,
            signed_by: r.signed_by,
            recorded_at: Timestamp::from_millis(r.recorded_at),
            recorded_by: r.recorded_by.and_then(|s| s.parse().ok()),
            photos: Vec::new(),
        };
        found.insert((r.reservation_id, r.kind), inspection);
    }
    let mut sql = Sql::new(
        "SELECT id, reservation_id, kind, uploaded_at FROM inspection_photos \
         WHERE reservation_id IN ",
    );
    sql.bind_list(ids);
    sql.push(" ORDER BY uploaded_at, id");
    let photos: Vec<PhotoRow> = sql.fetch_all(conn).await?;
    for p in photos {
        let reservation: Id = p.reservation_id.parse().map_err(|_| corrupt("photo"))?;
        let kind: InspectionKind = p.kind.parse().map_err(|_| corrupt("photo kind"))?;
        let id: Id = p.id.parse().map_err(|_| corrupt("photo id"))?;
        if let Some(inspection) = found.get_mut(&(p.reservation_id, p.kind)) {
            let url = InspectionPhoto::path(reservation, kind, id);
            inspection.photos.push(InspectionPhoto {
                id,
                thumbnail_url: format!("{url}?size=thumb"),
                url,
                uploaded_at: Timestamp::from_millis(p.uploaded_at),
            });
        }
    }
    Ok(found)
}

/// Records an inspection of a reservation.
pub async fn insert(
    conn: &mut Conn,
    reservation: Id,
    kind: InspectionKind,
    reading: &Reading,
    at: Timestamp,
    by: Option<Id>,
) -> AppResult<()> {
    let damage =
        serde_json::to_string(&reading.damage).map_err(|e| AppError::Internal(e.into()))?;
    query(
        "INSERT INTO inspections (reservation_id, kind, odometer_km, fuel_eighths, damage, \
         signed_by, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(reservation.to_string())
    .bind(kind.as_str())
    .bind(reading.odometer_km)
    .bind(i64::from(reading.fuel_eighths))
    .bind(damage)
    .bind(&reading.signed_by)
    .bind(at.millis())
    .bind(by.map(|i| i.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a photo to an inspection.
pub async fn insert_photo(
    conn: &mut Conn,
    id: Id,
    reservation: Id,
    kind: InspectionKind,
    image: &NewImage,
    at: Timestamp,
    by: Option<Id>,
) -> AppResult<()> {
    query(
        "INSERT INTO inspection_photos (id, reservation_id, kind, content_type, data, etag, \
         thumb_content_type, thumb, thumb_etag, uploaded_at, uploaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.to_string())
    .bind(reservation.to_string())
    .bind(kind.as_str())
    .bind(&image.full.content_type)
    .bind(image.full.data.clone())
    .bind(&image.full.etag)
    .bind(&image.thumb.content_type)
    .bind(image.thumb.data.clone())
    .bind(&image.thumb.etag)
    .bind(at.millis())
    .bind(by.map(|i| i.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// A photo of an inspection, full size or thumbnail.
pub async fn find_photo(
    conn: &mut Conn,
    reservation: Id,
    kind: InspectionKind,
    photo: Id,
    thumbnail: bool,
) -> AppResult<Option<StoredImage>> {
    let columns = if thumbnail {
        "thumb_content_type AS content_type, thumb AS data, thumb_etag AS etag"
    } else {
        "content_type, data, etag"
    };
    Ok(query_as(&format!(
        "SELECT {columns} FROM inspection_photos WHERE id = $1 AND reservation_id = $2 AND kind = $3"
    ))
    .bind(photo.to_string())
    .bind(reservation.to_string())
    .bind(kind.as_str())
    .fetch_optional(conn)
    .await?)
}

/// Removes a photo; whether there was one.
pub async fn delete_photo(
    conn: &mut Conn,
    reservation: Id,
    kind: InspectionKind,
    photo: Id,
) -> AppResult<bool> {
    let done =
        query("DELETE FROM inspection_photos WHERE id = $1 AND reservation_id = $2 AND kind = $3")
            .bind(photo.to_string())
            .bind(reservation.to_string())
            .bind(kind.as_str())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() > 0)
}
