//! What only an import writes: savepoints around each document, counters raised past the
//! numbers it brought, photos as exported, and the record of imports.

use super::car_images::NewImage;
use super::query::{query, query_as, query_scalar};
use super::Conn;
use crate::domain::id::Id;
use crate::domain::inspection::InspectionKind;
use crate::domain::invoice::DocumentKind;
use crate::domain::reservation::{CarSummary, ClientSummary};
use crate::domain::time::Timestamp;
use crate::error::AppResult;
use crate::mongo::original::PhotoRecord;

/// The tables an import fills, with how many rows each holds, for the empty-database check.
pub async fn rows_held(conn: &mut Conn) -> AppResult<Vec<(&'static str, i64)>> {
    let mut held = Vec::new();
    for table in [
        "users",
        "cars",
        "clients",
        "reservations",
        "audit_log",
        "branches",
        "extras",
    ] {
        let n: i64 = query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *conn)
            .await?;
        if n > 0 {
            held.push((table, n));
        }
    }
    Ok(held)
}

/// When files with this fingerprint were imported, if ever.
pub async fn imported_at(conn: &mut Conn, fingerprint: &str) -> AppResult<Option<Timestamp>> {
    let at: Option<i64> = query_scalar("SELECT imported_at FROM imports WHERE fingerprint = $1")
        .bind(fingerprint)
        .fetch_optional(conn)
        .await?;
    Ok(at.map(Timestamp::from_millis))
}

pub async fn record(
    conn: &mut Conn,
    fingerprint: &str,
    source: &str,
    at: Timestamp,
    summary: &serde_json::Value,
) -> AppResult<()> {
    query(
        "INSERT INTO imports (fingerprint, source, imported_at, summary) VALUES ($1, $2, $3, $4)",
    )
    .bind(fingerprint)
    .bind(source)
    .bind(at.millis())
    .bind(summary.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens a savepoint: what one document writes can be undone alone.
pub async fn savepoint(conn: &mut Conn) -> AppResult<()> {
    query("SAVEPOINT import_document").execute(conn).await?;
    Ok(())
}

/// Keeps what the document wrote (`keep`), or undoes it.
pub async fn end_savepoint(conn: &mut Conn, keep: bool) -> AppResult<()> {
    if !keep {
        query("ROLLBACK TO SAVEPOINT import_document")
            .execute(&mut *conn)
            .await?;
    }
    query("RELEASE SAVEPOINT import_document")
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes sure the next number given in `year` comes after `sequence`.
pub async fn raise_counter(conn: &mut Conn, year: i32, sequence: i64) -> AppResult<()> {
    query(
        "INSERT INTO reservation_counters (year, last) VALUES ($1, $2) \
         ON CONFLICT (year) DO UPDATE SET last = CASE WHEN reservation_counters.last < $2 \
         THEN $2 ELSE reservation_counters.last END",
    )
    .bind(i64::from(year))
    .bind(sequence)
    .execute(conn)
    .await?;
    Ok(())
}

/// The last number given in `year` so far (0 if none).
pub async fn last_number(conn: &mut Conn, year: i32) -> AppResult<i64> {
    let last: Option<i64> = query_scalar("SELECT last FROM reservation_counters WHERE year = $1")
        .bind(i64::from(year))
        .fetch_optional(conn)
        .await?;
    Ok(last.unwrap_or(0))
}

/// Gives a reservation imported without a number the one the import chose for it.
/// Whether the reservation was there to be numbered.
pub async fn set_number(conn: &mut Conn, id: Id, number: &str) -> AppResult<bool> {
    let done = query("UPDATE reservations SET reservation_number = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(number)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Cars whose status disagrees with their rentals: `rented` without a rental under way,
/// or a rental under way on a car that is not `rented`.
pub async fn status_mismatches(conn: &mut Conn) -> AppResult<Vec<(String, String)>> {
    Ok(query_as(
        // The active rentals' cars once, joined: an EXISTS per car walked every active
        // rental for each car on SQLite (quadratic at chain scale).
        "SELECT c.id, c.status FROM cars c LEFT JOIN (SELECT DISTINCT car_id FROM reservations \
         WHERE status = 'active') a ON a.car_id = c.id \
         WHERE (c.status = 'rented') <> (a.car_id IS NOT NULL) ORDER BY c.id",
    )
    .fetch_all(conn)
    .await?)
}

/// Whether `table` holds a row with this id (a reference checked before a write).
pub async fn exists(conn: &mut Conn, table: &'static str, id: Id) -> AppResult<bool> {
    let found: Option<i64> = query_scalar(&format!("SELECT 1 FROM {table} WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// How many active admins there are.
pub async fn active_admins(conn: &mut Conn) -> AppResult<i64> {
    Ok(
        query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = 1")
            .fetch_one(conn)
            .await?,
    )
}

/// Stores a car's photo as exported, and shows it on the car.
pub async fn insert_car_image(conn: &mut Conn, p: &PhotoRecord) -> AppResult<()> {
    let image = NewImage {
        full: p.full.clone(),
        thumb: p.thumb.clone(),
    };
    super::car_images::upsert(conn, p.owner, &image, p.uploaded_at).await?;
    query("UPDATE cars SET image_etag = $2 WHERE id = $1")
        .bind(p.owner.to_string())
        .bind(&p.full.etag)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the reservation has that inspection, for its photos.
pub async fn has_inspection(
    conn: &mut Conn,
    reservation: Id,
    kind: InspectionKind,
) -> AppResult<bool> {
    let found: Option<i64> =
        query_scalar("SELECT 1 FROM inspections WHERE reservation_id = $1 AND kind = $2")
            .bind(reservation.to_string())
            .bind(kind.as_str())
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// Makes sure the next invoice or credit note number of `year` comes after `sequence`.
pub async fn raise_invoice_counter(
    conn: &mut Conn,
    kind: DocumentKind,
    year: i32,
    sequence: i64,
) -> AppResult<()> {
    query(
        "INSERT INTO invoice_counters (kind, year, last) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, year) DO UPDATE SET last = CASE WHEN invoice_counters.last < $3 \
         THEN $3 ELSE invoice_counters.last END",
    )
    .bind(kind.as_str())
    .bind(i64::from(year))
    .bind(sequence)
    .execute(conn)
    .await?;
    Ok(())
}

/// A reservation's car and client as its summaries show them, each `None` when missing:
/// one query for both.
pub async fn references(
    conn: &mut Conn,
    car: Id,
    client: Id,
) -> AppResult<(Option<CarSummary>, Option<ClientSummary>)> {
    type Row = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let (make, model, plate, first, last, phone): Row = query_as(
        "SELECT c.make, c.model, c.license_plate, k.first_name, k.last_name, k.phone \
         FROM (SELECT 1 AS one) x LEFT JOIN cars c ON c.id = $1 LEFT JOIN clients k ON k.id = $2",
    )
    .bind(car.to_string())
    .bind(client.to_string())
    .fetch_one(conn)
    .await?;
    let car = match (make, model, plate) {
        (Some(make), Some(model), Some(license_plate)) => Some(CarSummary {
            id: car,
            make,
            model,
            license_plate,
        }),
        _ => None,
    };
    let client = match (first, last, phone) {
        (Some(first_name), Some(last_name), Some(phone)) => Some(ClientSummary {
            id: client,
            first_name,
            last_name,
            phone,
        }),
        _ => None,
    };
    Ok((car, client))
}
