//! Car photos in the `car_images` table: the bytes live in the database, so every
//! instance and every backup sees the same photos.

use super::query::{query, query_as, query_scalar, row_struct};
use super::Conn;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::AppResult;

row_struct! {
    /// One stored rendition of a photo (full size or thumbnail).
    #[derive(Debug, Clone)]
    pub struct StoredImage {
        pub content_type: String,
        pub data: Vec<u8>,
        pub etag: String,
    }
}

/// A photo and its thumbnail, ready to store.
#[derive(Debug, Clone)]
pub struct NewImage {
    pub full: StoredImage,
    pub thumb: StoredImage,
}

pub async fn upsert(conn: &mut Conn, car_id: Id, image: &NewImage, at: Timestamp) -> AppResult<()> {
    query("DELETE FROM car_images WHERE car_id = $1")
        .bind(car_id.to_string())
        .execute(&mut *conn)
        .await?;
    query(
        "INSERT INTO car_images (car_id, content_type, data, etag, thumb_content_type, thumb, \
         thumb_etag, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(car_id.to_string())
    .bind(&image.full.content_type)
    .bind(image.full.data.clone())
    .bind(&image.full.etag)
    .bind(&image.thumb.content_type)
    .bind(image.thumb.data.clone())
    .bind(&image.thumb.etag)
    .bind(at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The photo of a car, full size or thumbnail.
pub async fn find(conn: &mut Conn, car_id: Id, thumbnail: bool) -> AppResult<Option<StoredImage>> {
    let sql = if thumbnail {
        "SELECT thumb_content_type AS content_type, thumb AS data, thumb_etag AS etag \
         FROM car_images WHERE car_id = $1"
    } else {
        "SELECT content_type, data, etag FROM car_images WHERE car_id = $1"
    };
    Ok(query_as(sql)
        .bind(car_id.to_string())
        .fetch_optional(conn)
        .await?)
}

/// The ETag of a car's photo, without reading its bytes (for a 304).
pub async fn etag(conn: &mut Conn, car_id: Id, thumbnail: bool) -> AppResult<Option<String>> {
    let sql = if thumbnail {
        "SELECT thumb_etag FROM car_images WHERE car_id = $1"
    } else {
        "SELECT etag FROM car_images WHERE car_id = $1"
    };
    Ok(query_scalar(sql)
        .bind(car_id.to_string())
        .fetch_optional(conn)
        .await?)
}

pub async fn delete(conn: &mut Conn, car_id: Id) -> AppResult<bool> {
    let done = query("DELETE FROM car_images WHERE car_id = $1")
        .bind(car_id.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
