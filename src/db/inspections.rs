//! Hand-over and return inspections, and their photos, in `inspections` and
//! `inspection_photos`.

use super::car_images::{NewImage, StoredImage};
use super::query::{query, query_as};
use super::{Conn, Engine};
use crate::domain::id::Id;
use crate::domain::inspection::{Damage, Inspection, InspectionKind, InspectionPhoto, Reading};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

fn corrupt(what: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("corrupt inspection row: {what}"))
}

/// An inspection as [`json_columns`] reads it: kind, odometer, fuel, damage (JSON text),
/// signer, when and by whom.
type InspectionJson = (String, i64, i64, String, String, i64, Option<String>);
/// A photo as [`json_columns`] reads it: inspection kind, id, upload time.
type PhotoJson = (String, String, i64);

/// The columns `inspections` and `inspection_photos` that read the inspections of
/// reservation `r`, and their photos, in its own statement; [`from_json`] reads them.
pub fn json_columns(engine: Engine) -> String {
    let inspections = engine.json_rows(
        "i.kind, i.odometer_km, i.fuel_eighths, i.damage, i.signed_by, i.recorded_at, \
         i.recorded_by",
        "inspections i WHERE i.reservation_id = r.id",
    );
    let photos = engine.json_rows(
        "p.kind, p.id, p.uploaded_at",
        "inspection_photos p WHERE p.reservation_id = r.id",
    );
    format!("{inspections} AS inspections, {photos} AS inspection_photos")
}

/// The hand-over and the return inspection of `reservation`, photos included, from the
/// columns of [`json_columns`].
pub fn from_json(
    reservation: Id,
    inspections: &str,
    photos: &str,
) -> AppResult<(Option<Inspection>, Option<Inspection>)> {
    let rows: Vec<InspectionJson> =
        serde_json::from_str(inspections).map_err(|_| corrupt("inspections"))?;
    let mut photos: Vec<PhotoJson> = serde_json::from_str(photos).map_err(|_| corrupt("photos"))?;
    photos.sort_by(|a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
    let (mut checkout, mut checkin) = (None, None);
    for (kind, odometer_km, fuel, damage, signed_by, recorded_at, recorded_by) in rows {
        let kind: InspectionKind = kind.parse().map_err(|_| corrupt("kind"))?;
        let mut inspection = Inspection {
            odometer_km,
            fuel_eighths: u8::try_from(fuel).map_err(|_| corrupt("fuel_eighths"))?,
            damage: serde_json::from_str::<Vec<Damage>>(&damage).map_err(|_| corrupt("damage"))?,
            signed_by,
            recorded_at: Timestamp::from_millis(recorded_at),
            recorded_by: recorded_by.and_then(|s| s.parse().ok()),
            photos: Vec::new(),
        };
        for (_, id, uploaded_at) in photos.iter().filter(|p| p.0 == kind.as_str()) {
            let id: Id = id.parse().map_err(|_| corrupt("photo id"))?;
            let url = InspectionPhoto::path(reservation, kind, id);
            inspection.photos.push(InspectionPhoto {
                id,
                thumbnail_url: format!("{url}?size=thumb"),
                url,
                uploaded_at: Timestamp::from_millis(*uploaded_at),
            });
        }
        match kind {
            InspectionKind::Checkout => checkout = Some(inspection),
            InspectionKind::Checkin => checkin = Some(inspection),
        }
    }
    Ok((checkout, checkin))
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
