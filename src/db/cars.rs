//! The fleet in the `cars` table.

use super::query::{convert_all, query, query_as, query_scalar, row_struct};
use super::{foreign_key_violation, unique_violation, Conn, Sql};
use crate::domain::car::{plate_key, Car, CarStatus};
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::rates::{CarRates, DayRates};
use crate::domain::text::{contains_pattern, search_key};
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

const COLUMNS: &str = "id, make, model, year, license_plate, vin, color, status, daily_rate, \
                       description, image_etag, home_branch_id, current_branch_id, odometer_km, \
                       included_km_per_day, extra_km_rate, added_at, added_by, updated_at, updated_by";

row_struct! {
    struct CarRow {
        id: String,
        make: String,
        model: String,
        year: i64,
        license_plate: String,
        vin: String,
        color: Option<String>,
        status: String,
        daily_rate: i64,
        description: Option<String>,
        image_etag: Option<String>,
        home_branch_id: Option<String>,
        current_branch_id: Option<String>,
        odometer_km: i64,
        included_km_per_day: Option<i64>,
        extra_km_rate: i64,
        added_at: i64,
        added_by: Option<String>,
        updated_at: i64,
        updated_by: Option<String>,
    }
}

impl TryFrom<CarRow> for Car {
    type Error = AppError;

    fn try_from(r: CarRow) -> AppResult<Car> {
        let corrupt = |what: &str| AppError::Internal(anyhow::anyhow!("corrupt car row: {what}"));
        let id: Id = r.id.parse().map_err(|_| corrupt("id"))?;
        let branch = |b: Option<String>| {
            b.map(|b| b.parse().map_err(|_| corrupt("branch")))
                .transpose()
        };
        Ok(Car {
            id,
            make: r.make,
            model: r.model,
            year: i32::try_from(r.year).map_err(|_| corrupt("year"))?,
            license_plate: r.license_plate,
            vin: r.vin,
            color: r.color,
            status: r.status.parse().map_err(|_| corrupt("status"))?,
            daily_rate: Money::from_cents(r.daily_rate),
            image_url: r.image_etag.map(|_| Car::image_path(id)),
            description: r.description,
            home_branch_id: branch(r.home_branch_id)?,
            current_branch_id: branch(r.current_branch_id)?,
            odometer_km: r.odometer_km,
            included_km_per_day: r.included_km_per_day,
            extra_km_rate: Money::from_cents(r.extra_km_rate),
            added_at: Timestamp::from_millis(r.added_at),
            added_by: r.added_by.and_then(|s| s.parse().ok()),
            updated_at: Timestamp::from_millis(r.updated_at),
            updated_by: r.updated_by.and_then(|s| s.parse().ok()),
        })
    }
}

/// Maps a clash on a unique index to the contract's 409 naming the field.
fn clash(e: sqlx::Error) -> AppError {
    match unique_violation(&e) {
        Some(index) if index.contains("plate") => {
            AppError::conflict_on("licensePlate", "another car already has this licence plate")
        }
        Some(index) if index.contains("vin") => {
            AppError::conflict_on("vin", "another car already has this VIN")
        }
        _ => AppError::Database(e),
    }
}

fn keys(car: &Car) -> (String, String, String) {
    let plate = plate_key(&car.license_plate);
    let search = search_key(&[&car.make, &car.model, &car.license_plate, &plate, &car.vin]);
    (plate, car.make.to_lowercase(), search)
}

/// The key under which writes that hold this car (bookings, blocks) take turns: see
/// [`Database::write_queued`](super::Database::write_queued).
pub fn holds_queue(car: Id) -> String {
    format!("car-holds:{car}")
}

pub async fn insert(conn: &mut Conn, car: &Car) -> AppResult<()> {
    let (plate, make_key, search) = keys(car);
    query(
        "INSERT INTO cars (id, make, model, year, license_plate, plate_key, vin, color, status, \
         daily_rate, description, image_etag, make_key, search_key, added_at, added_by, \
         updated_at, updated_by, home_branch_id, current_branch_id, odometer_km, \
         included_km_per_day, extra_km_rate) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22)",
    )
    .bind(car.id.to_string())
    .bind(&car.make)
    .bind(&car.model)
    .bind(i64::from(car.year))
    .bind(&car.license_plate)
    .bind(plate)
    .bind(&car.vin)
    .bind(car.color.clone())
    .bind(car.status.as_str())
    .bind(car.daily_rate.cents())
    .bind(car.description.clone())
    .bind(make_key)
    .bind(search)
    .bind(car.added_at.millis())
    .bind(car.added_by.map(|i| i.to_string()))
    .bind(car.updated_at.millis())
    .bind(car.updated_by.map(|i| i.to_string()))
    .bind(car.home_branch_id.map(|i| i.to_string()))
    .bind(car.current_branch_id.map(|i| i.to_string()))
    .bind(car.odometer_km)
    .bind(car.included_km_per_day)
    .bind(car.extra_km_rate.cents())
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

/// Writes every editable field of `car` over the stored row.
pub async fn update(conn: &mut Conn, car: &Car) -> AppResult<()> {
    let (plate, make_key, search) = keys(car);
    query(
        "UPDATE cars SET make = $2, model = $3, year = $4, license_plate = $5, plate_key = $6, \
         vin = $7, color = $8, status = $9, daily_rate = $10, description = $11, make_key = $12, \
         search_key = $13, updated_at = $14, updated_by = $15, home_branch_id = $16, \
         current_branch_id = $17, odometer_km = $18, included_km_per_day = $19, \
         extra_km_rate = $20 WHERE id = $1",
    )
    .bind(car.id.to_string())
    .bind(&car.make)
    .bind(&car.model)
    .bind(i64::from(car.year))
    .bind(&car.license_plate)
    .bind(plate)
    .bind(&car.vin)
    .bind(car.color.clone())
    .bind(car.status.as_str())
    .bind(car.daily_rate.cents())
    .bind(car.description.clone())
    .bind(make_key)
    .bind(search)
    .bind(car.updated_at.millis())
    .bind(car.updated_by.map(|i| i.to_string()))
    .bind(car.home_branch_id.map(|i| i.to_string()))
    .bind(car.current_branch_id.map(|i| i.to_string()))
    .bind(car.odometer_km)
    .bind(car.included_km_per_day)
    .bind(car.extra_km_rate.cents())
    .execute(conn)
    .await
    .map_err(clash)?;
    Ok(())
}

/// Sets the status of a car as a pick-up, a return or a block does; `by` is `None` when
/// the clock does it (a block beginning or ending).
pub async fn set_status(
    conn: &mut Conn,
    id: Id,
    status: CarStatus,
    at: Timestamp,
    by: Option<Id>,
) -> AppResult<()> {
    query("UPDATE cars SET status = $2, updated_at = $3, updated_by = $4 WHERE id = $1")
        .bind(id.to_string())
        .bind(status.as_str())
        .bind(at.millis())
        .bind(by.map(|b| b.to_string()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records an inspection's odometer reading, and where the car now stands (a return at
/// another branch moves it there).
pub async fn record_reading(
    conn: &mut Conn,
    id: Id,
    odometer_km: Option<i64>,
    branch: Option<Id>,
) -> AppResult<()> {
    query(
        "UPDATE cars SET odometer_km = COALESCE($2, odometer_km), \
         current_branch_id = COALESCE($3, current_branch_id) WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(odometer_km)
    .bind(branch.map(|b| b.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that the car's photo changed (`etag`) or was removed (`None`).
pub async fn set_image(
    conn: &mut Conn,
    id: Id,
    etag: Option<&str>,
    at: Timestamp,
    by: Id,
) -> AppResult<()> {
    query("UPDATE cars SET image_etag = $2, updated_at = $3, updated_by = $4 WHERE id = $1")
        .bind(id.to_string())
        .bind(etag)
        .bind(at.millis())
        .bind(by.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a car; one that reservations refer to is kept (409): its history stays intact.
pub async fn delete(conn: &mut Conn, id: Id) -> AppResult<()> {
    query("DELETE FROM cars WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await
        .map_err(|e| {
            if foreign_key_violation(&e) {
                AppError::conflict(
                    "reservations refer to this car; retire it with status out_of_service instead",
                )
            } else {
                AppError::Database(e)
            }
        })?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: Id) -> AppResult<Option<Car>> {
    let row: Option<CarRow> = query_as(&format!("SELECT {COLUMNS} FROM cars WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(Car::try_from).transpose()
}

/// Sort orders offered on the cars list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarSort {
    Make,
    Year,
    DailyRate,
    AddedAt,
}

/// Filters and page of a car listing.
#[derive(Debug, Clone)]
pub struct CarQuery {
    /// Only cars that can be booked for `[start, until)`: not out of service, and held
    /// by no blocking reservation or block overlapping it. `until` is the end plus the
    /// turnaround.
    pub available: Option<(Timestamp, Timestamp)>,
    /// Only cars standing at this branch now.
    pub branch: Option<Id>,
    pub status: Option<CarStatus>,
    pub make: Option<String>,
    pub q: Option<String>,
    pub sort: CarSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

/// One page of cars, and how many match in all.
pub async fn list(conn: &mut Conn, query: &CarQuery) -> AppResult<(Vec<Car>, i64)> {
    let filters = |sql: &mut Sql| {
        sql.start_where();
        if let Some((start, end)) = query.available {
            sql.and(
                "status <> 'out_of_service' AND NOT EXISTS (SELECT 1 FROM car_holds h \
                 WHERE h.car_id = cars.id AND h.until_at > ",
            )
            .bind(start.millis())
            .push(" AND h.start_at < ")
            .bind(end.millis())
            .push(")");
        }
        if let Some(branch) = query.branch {
            sql.and("current_branch_id = ").bind(branch.to_string());
        }
        if let Some(status) = query.status {
            sql.and("status = ").bind(status.as_str());
        }
        if let Some(make) = &query.make {
            sql.and("make_key = ").bind(make.to_lowercase());
        }
        if let Some(q) = &query.q {
            sql.and("search_key LIKE ")
                .bind(contains_pattern(q))
                .push(" ESCAPE '\\'");
        }
    };
    let mut page = Sql::new(&format!("SELECT {COLUMNS} FROM cars"));
    filters(&mut page);
    let column = match query.sort {
        CarSort::Make => "make_key",
        CarSort::Year => "year",
        CarSort::DailyRate => "daily_rate",
        CarSort::AddedAt => "added_at",
    };
    let dir = if query.descending { "DESC" } else { "ASC" };
    page.push(&format!(" ORDER BY {column} {dir}, id {dir} LIMIT "))
        .bind(query.limit)
        .push(" OFFSET ")
        .bind(query.offset);
    let rows: Vec<CarRow> = page.fetch_all(conn).await?;
    let mut count = Sql::new("SELECT COUNT(*) FROM cars");
    filters(&mut count);
    let total = count
        .total_behind(conn, query.offset, query.limit, rows.len())
        .await?;
    let cars = convert_all(rows, Car::try_from)?;
    Ok((cars, total))
}

/// How many cars there are (the demo refuses a database that has any).
pub async fn count_all(conn: &mut Conn) -> AppResult<i64> {
    Ok(query_scalar("SELECT COUNT(*) FROM cars")
        .fetch_one(conn)
        .await?)
}

row_struct! {
    struct RatesRow {
        daily_rate: i64,
        weekly_rate: Option<i64>,
        monthly_rate: Option<i64>,
        deposit_amount: i64,
        rate_seasons: String,
    }
}

/// A car's rate plan and deposit.
pub async fn rates(conn: &mut Conn, id: Id) -> AppResult<Option<CarRates>> {
    let row: Option<RatesRow> = query_as(
        "SELECT daily_rate, weekly_rate, monthly_rate, deposit_amount, rate_seasons \
         FROM cars WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let seasons = serde_json::from_str(&r.rate_seasons)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("corrupt car row: rate_seasons")))?;
        Ok(CarRates {
            base: DayRates {
                daily: Money::from_cents(r.daily_rate),
                weekly: r.weekly_rate.map(Money::from_cents),
                monthly: r.monthly_rate.map(Money::from_cents),
            },
            seasons,
            deposit: Money::from_cents(r.deposit_amount),
        })
    })
    .transpose()
}

/// Replaces a car's rate plan and deposit (its daily rate included); `changed` says when
/// and by whom, unless the plan is being restored as it was (an import).
pub async fn set_rates(
    conn: &mut Conn,
    id: Id,
    rates: &CarRates,
    changed: Option<(Timestamp, Id)>,
) -> AppResult<()> {
    let seasons = serde_json::to_string(&rates.seasons)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    query(
        "UPDATE cars SET daily_rate = $2, weekly_rate = $3, monthly_rate = $4, \
         deposit_amount = $5, rate_seasons = $6 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(rates.base.daily.cents())
    .bind(rates.base.weekly.map(Money::cents))
    .bind(rates.base.monthly.map(Money::cents))
    .bind(rates.deposit.cents())
    .bind(seasons)
    .execute(&mut *conn)
    .await?;
    if let Some((at, by)) = changed {
        query("UPDATE cars SET updated_at = $2, updated_by = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(at.millis())
            .bind(by.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
