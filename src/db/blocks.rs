//! Maintenance and other blocks in `car_blocks`. Their holds on the car are written by
//! the database's triggers into `car_holds`, where the no-overlap rule lives.

use super::query::{query, query_as, query_scalar, row_struct};
use super::sql::Sql;
use super::{overlap_violation, Conn};
use crate::domain::block::Block;
use crate::domain::id::Id;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

const COLUMNS: &str =
    "id, car_id, start_at, end_at, reason, created_at, created_by, updated_at, updated_by";

row_struct! {
    struct BlockRow {
        id: String,
        car_id: String,
        start_at: i64,
        end_at: Option<i64>,
        reason: String,
        created_at: i64,
        created_by: Option<String>,
        updated_at: i64,
        updated_by: Option<String>,
    }
}

impl TryFrom<BlockRow> for Block {
    type Error = AppError;

    fn try_from(r: BlockRow) -> AppResult<Block> {
        let corrupt = |what: &str| AppError::Internal(anyhow::anyhow!("corrupt block row: {what}"));
        Ok(Block {
            id: r.id.parse().map_err(|_| corrupt("id"))?,
            car_id: r.car_id.parse().map_err(|_| corrupt("car_id"))?,
            start: Timestamp::from_millis(r.start_at),
            end: r.end_at.map(Timestamp::from_millis),
            reason: r.reason,
            created_at: Timestamp::from_millis(r.created_at),
            created_by: r.created_by.and_then(|s| s.parse().ok()),
            updated_at: Timestamp::from_millis(r.updated_at),
            updated_by: r.updated_by.and_then(|s| s.parse().ok()),
        })
    }
}

fn clash(e: sqlx::Error) -> AppError {
    if overlap_violation(&e) {
        AppError::conflict_on(
            "start",
            "the car is already held (reserved or blocked) for an overlapping period",
        )
    } else {
        AppError::Database(e)
    }
}

pub async fn insert(conn: &mut Conn, b: &Block) -> AppResult<()> {
    query(
        "INSERT INTO car_blocks (id, car_id, start_at, end_at, reason, created_at, created_by, \
         updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(b.id.to_string())
    .bind(b.car_id.to_string())
    .bind(b.start.millis())
    .bind(b.end.map(Timestamp::millis))
    .bind(&b.reason)
    .bind(b.created_at.millis())
    .bind(b.created_by.map(|i| i.to_string()))
    .bind(b.updated_at.millis())
    .bind(b.updated_by.map(|i| i.to_string()))
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

pub async fn update(conn: &mut Conn, b: &Block) -> AppResult<()> {
    query(
        "UPDATE car_blocks SET start_at = $2, end_at = $3, reason = $4, updated_at = $5, \
         updated_by = $6 WHERE id = $1",
    )
    .bind(b.id.to_string())
    .bind(b.start.millis())
    .bind(b.end.map(Timestamp::millis))
    .bind(&b.reason)
    .bind(b.updated_at.millis())
    .bind(b.updated_by.map(|i| i.to_string()))
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, id: Id) -> AppResult<()> {
    query("DELETE FROM car_blocks WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// A block of `car`.
pub async fn find(conn: &mut Conn, car: Id, id: Id) -> AppResult<Option<Block>> {
    let row: Option<BlockRow> = query_as(&format!(
        "SELECT {COLUMNS} FROM car_blocks WHERE id = $1 AND car_id = $2"
    ))
    .bind(id.to_string())
    .bind(car.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(Block::try_from).transpose()
}

/// A page of a car's blocks, latest start first, and how many there are.
pub async fn list(
    conn: &mut Conn,
    car: Id,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Block>, i64)> {
    let rows: Vec<BlockRow> = query_as(&format!(
        "SELECT {COLUMNS} FROM car_blocks WHERE car_id = $1 \
         ORDER BY start_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(car.to_string())
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let mut count = Sql::new("SELECT COUNT(*) FROM car_blocks WHERE car_id = ");
    count.bind(car.to_string());
    let total = count.total_behind(conn, offset, limit, rows.len()).await?;
    let blocks = rows
        .into_iter()
        .map(Block::try_from)
        .collect::<AppResult<_>>()?;
    Ok((blocks, total))
}

/// The blocks of every car that overlap `[from, to)`, earliest start first, and how many
/// there are (the fleet calendar draws them).
pub async fn overlapping(
    conn: &mut Conn,
    from: Timestamp,
    to: Timestamp,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Block>, i64)> {
    let window = |sql: &mut Sql| {
        sql.push(" WHERE start_at < ")
            .bind(to.millis())
            .push(" AND (end_at IS NULL OR end_at > ")
            .bind(from.millis())
            .push(")");
    };
    let mut page = Sql::new(&format!("SELECT {COLUMNS} FROM car_blocks"));
    window(&mut page);
    page.push(" ORDER BY start_at, id LIMIT ")
        .bind(limit)
        .push(" OFFSET ")
        .bind(offset);
    let rows: Vec<BlockRow> = page.fetch_all(&mut *conn).await?;
    let mut count = Sql::new("SELECT COUNT(*) FROM car_blocks");
    window(&mut count);
    let total = count.total_behind(conn, offset, limit, rows.len()).await?;
    let blocks = rows
        .into_iter()
        .map(Block::try_from)
        .collect::<AppResult<_>>()?;
    Ok((blocks, total))
}

/// Whether a block other than `except` holds `car` at `at`.
pub async fn any_in_effect(
    conn: &mut Conn,
    car: Id,
    at: Timestamp,
    except: Option<Id>,
) -> AppResult<bool> {
    let found: Option<String> = query_scalar(
        "SELECT id FROM car_blocks WHERE car_id = $1 AND id <> $2 AND start_at <= $3 \
         AND (end_at IS NULL OR end_at > $3) LIMIT 1",
    )
    .bind(car.to_string())
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .bind(at.millis())
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

fn ids(rows: Vec<String>) -> AppResult<Vec<Id>> {
    rows.iter()
        .map(|r| {
            r.parse()
                .map_err(|_| AppError::Internal(anyhow::anyhow!("corrupt car id {r:?}")))
        })
        .collect()
}

/// Available cars that a block holds at `now`.
pub async fn available_but_blocked(conn: &mut Conn, now: Timestamp) -> AppResult<Vec<Id>> {
    let rows: Vec<String> = query_scalar(
        "SELECT DISTINCT c.id FROM cars c JOIN car_blocks b ON b.car_id = c.id \
         WHERE c.status = 'available' AND b.start_at <= $1 AND (b.end_at IS NULL OR b.end_at > $1)",
    )
    .bind(now.millis())
    .fetch_all(conn)
    .await?;
    ids(rows)
}

/// Cars in maintenance whose block ended in `(since, now]` and that no block holds now.
pub async fn released_since(
    conn: &mut Conn,
    since: Timestamp,
    now: Timestamp,
) -> AppResult<Vec<Id>> {
    let rows: Vec<String> = query_scalar(
        "SELECT DISTINCT c.id FROM cars c JOIN car_blocks b ON b.car_id = c.id \
         WHERE c.status = 'maintenance' AND b.end_at > $1 AND b.end_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM car_blocks o WHERE o.car_id = c.id \
         AND o.start_at <= $2 AND (o.end_at IS NULL OR o.end_at > $2))",
    )
    .bind(since.millis())
    .bind(now.millis())
    .fetch_all(conn)
    .await?;
    ids(rows)
}
