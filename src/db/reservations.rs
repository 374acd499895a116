//! Reservations, read with their car, client, payments, drivers, inspections and deposit
//! ledger in one query.

use std::sync::LazyLock;

use super::query::{convert_all, query, query_as, query_scalar, row_struct};
use super::{deposits, inspections, overlap_violation, Conn, Engine, Sql};
use crate::domain::deposit::Deposit;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::pricing::Charge;
use crate::domain::rates::RatePlan;
use crate::domain::reservation::{
    CarSummary, ClientSummary, Payment, PaymentDetails, Reservation, ReservationStatus,
};
use crate::domain::tax::{PriceBasis, Taxed, VatRate};
use crate::domain::text::contains_pattern;
use crate::domain::time::Timestamp;
use crate::error::{AppError, AppResult};

const COLUMNS: &str = "SELECT r.id, r.reservation_number, r.car_id, r.client_id, r.start_at, \
     r.end_at, r.actual_pickup_at, r.actual_return_at, r.status, r.daily_rate, \
     r.estimated_total, r.final_total, r.additional_charges, r.notes, r.reservation_date, \
     r.created_by, r.last_modified_at, r.last_modified_by, r.pickup_branch_id, \
     r.return_branch_id, r.turnaround_ms, r.included_km_per_day, r.extra_km_rate, \
     r.review_required, r.rate_plan, r.extras, r.price_lines, r.price_basis, r.vat_rate_bp, \
     r.net_total, r.tax_total, r.deposit_amount, r.fee, r.closed_at, \
     c.make AS car_make, c.model AS car_model, c.license_plate AS car_plate, \
     cl.first_name AS client_first_name, cl.last_name AS client_last_name, cl.phone AS client_phone";

/// The car and client every reservation is shown with.
const JOINS: &str = "JOIN cars c ON c.id = r.car_id JOIN clients cl ON cl.id = r.client_id";

row_struct! {
    struct Row {
        id: String,
        reservation_number: String,
        car_id: String,
        client_id: String,
        start_at: i64,
        end_at: i64,
        actual_pickup_at: Option<i64>,
        actual_return_at: Option<i64>,
        status: String,
        daily_rate: i64,
        estimated_total: i64,
        final_total: Option<i64>,
        additional_charges: String,
        notes: Option<String>,
        reservation_date: i64,
        created_by: Option<String>,
        last_modified_at: i64,
        last_modified_by: Option<String>,
        pickup_branch_id: Option<String>,
        return_branch_id: Option<String>,
        turnaround_ms: i64,
        included_km_per_day: Option<i64>,
        extra_km_rate: i64,
        review_required: i64,
        rate_plan: Option<String>,
        extras: String,
        price_lines: String,
        price_basis: String,
        vat_rate_bp: i64,
        net_total: i64,
        tax_total: i64,
        deposit_amount: i64,
        fee: Option<String>,
        closed_at: Option<i64>,
        car_make: String,
        car_model: String,
        car_plate: String,
        client_first_name: String,
        client_last_name: String,
        client_phone: String,
        payments: String,
        drivers: String,
        inspections: String,
        inspection_photos: String,
        deposit_movements: String,
    }
}

fn corrupt(what: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("corrupt reservation row: {what}"))
}

fn id(text: &str, what: &str) -> AppResult<Id> {
    text.parse().map_err(|_| corrupt(what))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> AppResult<T> {
    serde_json::from_str(text).map_err(|_| corrupt(what))
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))
}

impl Row {
    fn into_reservation(self) -> AppResult<Reservation> {
        let reservation_id = id(&self.id, "id")?;
        let payments = payments_from_json(&self.payments)?;
        let drivers = drivers_from_json(&self.drivers)?;
        let movements = deposits::from_json(&self.deposit_movements)?;
        let deposit = Deposit::of(Money::from_cents(self.deposit_amount), movements);
        let (checkout, checkin) =
            inspections::from_json(reservation_id, &self.inspections, &self.inspection_photos)?;
        let branch = |b: Option<String>, what| b.map(|b| id(&b, what)).transpose();
        let car_id = id(&self.car_id, "car_id")?;
        let client_id = id(&self.client_id, "client_id")?;
        let estimated = Money::from_cents(self.estimated_total);
        let final_total = self.final_total.map(Money::from_cents);
        let charges: Vec<Charge> = from_json(&self.additional_charges, "additional_charges")?;
        let daily_rate = Money::from_cents(self.daily_rate);
        // Rows from before rate plans were priced at their daily rate alone.
        let rate_plan = match &self.rate_plan {
            Some(plan) => from_json(plan, "rate_plan")?,
            None => RatePlan::flat(daily_rate),
        };
        let gross = final_total.unwrap_or(estimated);
        Ok(Reservation {
            id: reservation_id,
            reservation_number: self.reservation_number,
            car_id,
            client_id,
            start_date: Timestamp::from_millis(self.start_at),
            end_date: Timestamp::from_millis(self.end_at),
            actual_pickup_date: self.actual_pickup_at.map(Timestamp::from_millis),
            actual_return_date: self.actual_return_at.map(Timestamp::from_millis),
            status: self.status.parse().map_err(|_| corrupt("status"))?,
            daily_rate,
            estimated_total_cost: estimated,
            final_total_cost: final_total,
            additional_charges: charges,
            notes: self.notes,
            reservation_date: Timestamp::from_millis(self.reservation_date),
            created_by: self.created_by.and_then(|s| s.parse().ok()),
            last_modified_at: Timestamp::from_millis(self.last_modified_at),
            last_modified_by: self.last_modified_by.and_then(|s| s.parse().ok()),
            payment_details: PaymentDetails::settle(gross, payments, deposit.captured),
            car: CarSummary {
                id: car_id,
                make: self.car_make,
                model: self.car_model,
                license_plate: self.car_plate,
            },
            client: ClientSummary {
                id: client_id,
                first_name: self.client_first_name,
                last_name: self.client_last_name,
                phone: self.client_phone,
            },
            additional_drivers: drivers,
            pickup_branch_id: branch(self.pickup_branch_id, "pickup_branch_id")?,
            return_branch_id: branch(self.return_branch_id, "return_branch_id")?,
            turnaround_minutes: self.turnaround_ms / 60_000,
            included_km_per_day: self.included_km_per_day,
            extra_km_rate: Money::from_cents(self.extra_km_rate),
            checkout_inspection: checkout,
            checkin_inspection: checkin,
            review_required: self.review_required != 0,
            rate_plan,
            extras: from_json(&self.extras, "extras")?,
            price_basis: self
                .price_basis
                .parse()
                .map_err(|_| corrupt("price_basis"))?,
            vat_rate: VatRate(u32::try_from(self.vat_rate_bp).map_err(|_| corrupt("vat_rate_bp"))?),
            price_lines: from_json(&self.price_lines, "price_lines")?,
            totals: Taxed {
                net: Money::from_cents(self.net_total),
                tax: Money::from_cents(self.tax_total),
                gross,
            },
            fee: self
                .fee
                .as_deref()
                .map(|f| from_json(f, "fee"))
                .transpose()?,
            deposit,
            closed_at: self.closed_at.map(Timestamp::from_millis),
        })
    }
}

/// A payment's columns, in [`PaymentJson`]'s order, for [`select`] and [`payments`].
/// `refund_due` is a SMALLINT on PostgreSQL, read as the tuple's `i64`.
const PAYMENT_COLUMNS: &str = "p.amount, p.method, p.transaction_at, p.recorded_by, \
     CAST(p.refund_due AS BIGINT), p.reason, p.id";

/// A payment as [`select`] reads it: amount, method, when, by whom, refund due, reason, id.
type PaymentJson = (
    i64,
    String,
    i64,
    Option<String>,
    i64,
    Option<String>,
    String,
);
/// An additional driver as [`select`] reads it: place in the list, id, first and last
/// name, phone.
type DriverJson = (i64, String, String, String, String);

fn payments_from_json(text: &str) -> AppResult<Vec<Payment>> {
    payments_from_rows(from_json(text, "payments")?)
}

/// The payments in the order every read shows them: by transaction date, then by id.
fn payments_from_rows(mut rows: Vec<PaymentJson>) -> AppResult<Vec<Payment>> {
    rows.sort_by(|a, b| (a.2, &a.6).cmp(&(b.2, &b.6)));
    rows.into_iter()
        .map(|(amount, method, at, recorded_by, refund_due, reason, _)| {
            Ok(Payment {
                amount: Money::from_cents(amount),
                method: method.parse().map_err(|_| corrupt("payment method"))?,
                transaction_date: Timestamp::from_millis(at),
                recorded_by: recorded_by.and_then(|s| s.parse().ok()),
                refund_due: refund_due != 0,
                reason,
            })
        })
        .collect()
}

fn drivers_from_json(text: &str) -> AppResult<Vec<ClientSummary>> {
    let mut rows: Vec<DriverJson> = from_json(text, "drivers")?;
    rows.sort_by_key(|d| d.0);
    rows.into_iter()
        .map(|(_, driver, first_name, last_name, phone)| {
            Ok(ClientSummary {
                id: id(&driver, "driver")?,
                first_name,
                last_name,
                phone,
            })
        })
        .collect()
}

/// `SELECT` and the columns of a reservation with its car and client, and its payments,
/// additional drivers, inspections and deposit ledger as JSON: everything about a
/// reservation in one statement, whatever the number of rows. Built once per engine.
fn select(engine: Engine) -> &'static str {
    static SQLITE: LazyLock<String> = LazyLock::new(|| select_for(Engine::Sqlite));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| select_for(Engine::Postgres));
    match engine {
        Engine::Sqlite => &SQLITE,
        Engine::Postgres => &POSTGRES,
    }
}

fn select_for(engine: Engine) -> String {
    let payments = engine.json_rows(PAYMENT_COLUMNS, "payments p WHERE p.reservation_id = r.id");
    let drivers = engine.json_rows(
        "rd.position, dc.id, dc.first_name, dc.last_name, dc.phone",
        "reservation_drivers rd JOIN clients dc ON dc.id = rd.client_id \
         WHERE rd.reservation_id = r.id",
    );
    format!(
        "{COLUMNS}, {payments} AS payments, {drivers} AS drivers, {}, {}",
        inspections::json_columns(engine),
        deposits::json_column(engine)
    )
}

fn assemble(rows: Vec<Row>) -> AppResult<Vec<Reservation>> {
    convert_all(rows, Row::into_reservation)
}

/// One reservation by id, the statement the desk runs most: built once per engine rather
/// than copied together at every call.
fn find_sql(engine: Engine) -> &'static str {
    fn build(engine: Engine) -> String {
        format!(
            "{} FROM reservations r {JOINS} WHERE r.id = $1",
            select(engine)
        )
    }
    static SQLITE: LazyLock<String> = LazyLock::new(|| build(Engine::Sqlite));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| build(Engine::Postgres));
    match engine {
        Engine::Sqlite => &SQLITE,
        Engine::Postgres => &POSTGRES,
    }
}

pub async fn find(conn: &mut Conn, id: Id) -> AppResult<Option<Reservation>> {
    let rows: Vec<Row> = query_as(find_sql(conn.engine()))
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    Ok(assemble(rows)?.pop())
}

/// The payments of reservation `id`, in the order [`find`] gives them: what a payment
/// changes, read without the rest of the reservation.
pub async fn payments(conn: &mut Conn, id: Id) -> AppResult<Vec<Payment>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!("SELECT {PAYMENT_COLUMNS} FROM payments p WHERE p.reservation_id = $1")
    });
    let rows: Vec<PaymentJson> = query_as(&SQL)
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    payments_from_rows(rows)
}

/// The car reservation `id` is for, if it exists.
pub async fn car_of(conn: &mut Conn, id: Id) -> AppResult<Option<Id>> {
    let car: Option<String> = query_scalar("SELECT car_id FROM reservations WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    car.map(|car| self::id(&car, "car")).transpose()
}

/// What holds `car` somewhere in `[start, until)` besides reservation `except`: a
/// reservation (by number) or a block (by reason), for a clear refusal. The database's
/// constraint on `car_holds` stands behind this check.
pub async fn find_hold(
    conn: &mut Conn,
    car: Id,
    start: Timestamp,
    until: Timestamp,
    except: Option<Id>,
) -> AppResult<Option<Hold>> {
    let row: Option<(Option<String>, Option<String>)> = query_as(
        "SELECT r.reservation_number, b.reason FROM car_holds h \
         LEFT JOIN reservations r ON r.id = h.reservation_id \
         LEFT JOIN car_blocks b ON b.id = h.block_id \
         WHERE h.car_id = $1 AND h.until_at > $2 AND h.start_at < $3 \
         AND (h.reservation_id IS NULL OR h.reservation_id <> $4) \
         AND (h.block_id IS NULL OR h.block_id <> $4) LIMIT 1",
    )
    .bind(car.to_string())
    .bind(start.millis())
    .bind(until.millis())
    .bind(except.map(|i| i.to_string()).unwrap_or_default())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(number, reason)| match number {
        Some(number) => Hold::Reservation(number),
        None => Hold::Block(reason.unwrap_or_default()),
    }))
}

/// What holds a car.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// A blocking reservation, by number.
    Reservation(String),
    /// A block, by reason.
    Block(String),
}

/// The key under which payments take turns (see
/// [`Database::write_queued`](super::Database::write_queued)). On PostgreSQL a payment
/// reads its reservation's payments and adds one: with time-ordered ids, concurrent
/// payments of different reservations read and write the same last page of the payments
/// index, which `SERIALIZABLE` takes for a conflict, and under a steady stream of them
/// most attempts were retried, some 20 times over. Payments are few: one at a time costs
/// nothing, colliding did.
pub const PAYMENTS_QUEUE: &str = "payments";

/// The next number of `year`'s sequence. Numbers are never reused, even after a delete.
pub async fn next_number(conn: &mut Conn, year: i32) -> AppResult<i64> {
    Ok(query_scalar(
        "INSERT INTO reservation_counters (year, last) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last = reservation_counters.last + 1 RETURNING last",
    )
    .bind(i64::from(year))
    .fetch_one(conn)
    .await?)
}

/// The key under which writes that take a reservation number (bookings) take turns: see
/// [`Database::write_queued`](super::Database::write_queued). On PostgreSQL, bookings of
/// any cars running side by side at `SERIALIZABLE` would all collide on the counter's
/// one row, and all but one be retried, until a rush saw errors. In turn, each sees the
/// counter as the last one left it, and the numbers stay gapless (SQLite's single writer
/// takes every write in turn anyway).
pub const NUMBERS_QUEUE: &str = "reservation-numbers";

fn overlap_clash(e: sqlx::Error) -> AppError {
    if overlap_violation(&e) {
        AppError::conflict_on(
            "carId",
            "the car is already held (reserved or blocked) for an overlapping period",
        )
    } else {
        AppError::Database(e)
    }
}

const INSERT: &str = "INSERT INTO reservations (id, reservation_number, car_id, client_id, \
     start_at, end_at, actual_pickup_at, actual_return_at, status, daily_rate, estimated_total, \
     final_total, additional_charges, notes, reservation_date, created_by, last_modified_at, \
     last_modified_by, pickup_branch_id, return_branch_id, turnaround_ms, included_km_per_day, \
     extra_km_rate, review_required, rate_plan, extras, price_lines, price_basis, vat_rate_bp, \
     net_total, tax_total, deposit_amount, fee, closed_at) VALUES ";

/// Rows per statement when many rentals are written at once. Few: sqlx looks each
/// SQLite parameter up by name, which costs time in proportion to the statement's
/// parameter count, so a statement's binding grows with the square of its rows (with
/// 200 rows of 34 values, binding took three quarters of `locacar seed`'s time).
const ROWS_PER_INSERT: usize = 8;

pub async fn insert(conn: &mut Conn, r: &Reservation) -> AppResult<()> {
    insert_many(conn, std::slice::from_ref(r)).await
}

/// Writes many new reservations with few statements (`locacar seed`): the holds
/// triggers and constraints judge each row as they would one by one.
pub async fn insert_many(conn: &mut Conn, all: &[Reservation]) -> AppResult<()> {
    for rows in all.chunks(ROWS_PER_INSERT) {
        let mut sql = Sql::new(INSERT);
        for (n, r) in rows.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            push_values(&mut sql, r)?;
        }
        sql.execute(&mut *conn).await.map_err(overlap_clash)?;
    }
    for r in all {
        insert_drivers(conn, r).await?;
    }
    Ok(())
}

/// Appends `(…)` with the reservation's values, in `INSERT`'s column order.
fn push_values(sql: &mut Sql, r: &Reservation) -> AppResult<()> {
    let id = |i: Id| i.to_string();
    sql.push("(")
        .value(id(r.id))
        .value(r.reservation_number.clone())
        .value(id(r.car_id))
        .value(id(r.client_id))
        .value(r.start_date.millis())
        .value(r.end_date.millis())
        .value(r.actual_pickup_date.map(Timestamp::millis))
        .value(r.actual_return_date.map(Timestamp::millis))
        .value(r.status.as_str())
        .value(r.daily_rate.cents())
        .value(r.estimated_total_cost.cents())
        .value(r.final_total_cost.map(Money::cents))
        .value(to_json(&r.additional_charges)?)
        .value(r.notes.clone())
        .value(r.reservation_date.millis())
        .value(r.created_by.map(id))
        .value(r.last_modified_at.millis())
        .value(r.last_modified_by.map(id))
        .value(r.pickup_branch_id.map(id))
        .value(r.return_branch_id.map(id))
        .value(r.turnaround_minutes * 60_000)
        .value(r.included_km_per_day)
        .value(r.extra_km_rate.cents())
        .value(i64::from(r.review_required))
        .value(to_json(&r.rate_plan)?)
        .value(to_json(&r.extras)?)
        .value(to_json(&r.price_lines)?)
        .value(basis_text(r.price_basis))
        .value(i64::from(r.vat_rate.0))
        .value(r.totals.net.cents())
        .value(r.totals.tax.cents())
        .value(r.deposit.required.cents())
        .value(r.fee.as_ref().map(to_json).transpose()?)
        .value(r.closed_at.map(Timestamp::millis))
        .push(")");
    Ok(())
}

/// Writes the reservation's additional drivers over the stored ones.
pub async fn replace_drivers(conn: &mut Conn, r: &Reservation) -> AppResult<()> {
    query("DELETE FROM reservation_drivers WHERE reservation_id = $1")
        .bind(r.id.to_string())
        .execute(&mut *conn)
        .await?;
    insert_drivers(conn, r).await
}

async fn insert_drivers(conn: &mut Conn, r: &Reservation) -> AppResult<()> {
    for (position, driver) in r.additional_drivers.iter().enumerate() {
        query(
            "INSERT INTO reservation_drivers (reservation_id, client_id, position) \
             VALUES ($1, $2, $3)",
        )
        .bind(r.id.to_string())
        .bind(driver.id.to_string())
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn basis_text(basis: PriceBasis) -> &'static str {
    match basis {
        PriceBasis::Inclusive => "inclusive",
        PriceBasis::Exclusive => "exclusive",
    }
}

/// Writes every changeable field of `r` over the stored row; the additional drivers are
/// written apart ([`replace_drivers`]), only when they change.
pub async fn update(conn: &mut Conn, r: &Reservation) -> AppResult<()> {
    query(
        "UPDATE reservations SET car_id = $2, client_id = $3, start_at = $4, end_at = $5, \
         actual_pickup_at = $6, actual_return_at = $7, status = $8, daily_rate = $9, \
         estimated_total = $10, final_total = $11, additional_charges = $12, notes = $13, \
         last_modified_at = $14, last_modified_by = $15, pickup_branch_id = $16, \
         return_branch_id = $17, turnaround_ms = $18, included_km_per_day = $19, \
         extra_km_rate = $20, review_required = $21, rate_plan = $22, extras = $23, \
         price_lines = $24, net_total = $25, tax_total = $26, deposit_amount = $27, fee = $28, \
         closed_at = $29 WHERE id = $1",
    )
    .bind(r.id.to_string())
    .bind(r.car_id.to_string())
    .bind(r.client_id.to_string())
    .bind(r.start_date.millis())
    .bind(r.end_date.millis())
    .bind(r.actual_pickup_date.map(Timestamp::millis))
    .bind(r.actual_return_date.map(Timestamp::millis))
    .bind(r.status.as_str())
    .bind(r.daily_rate.cents())
    .bind(r.estimated_total_cost.cents())
    .bind(r.final_total_cost.map(Money::cents))
    .bind(to_json(&r.additional_charges)?)
    .bind(r.notes.clone())
    .bind(r.last_modified_at.millis())
    .bind(r.last_modified_by.map(|i| i.to_string()))
    .bind(r.pickup_branch_id.map(|i| i.to_string()))
    .bind(r.return_branch_id.map(|i| i.to_string()))
    .bind(r.turnaround_minutes * 60_000)
    .bind(r.included_km_per_day)
    .bind(r.extra_km_rate.cents())
    .bind(i64::from(r.review_required))
    .bind(to_json(&r.rate_plan)?)
    .bind(to_json(&r.extras)?)
    .bind(to_json(&r.price_lines)?)
    .bind(r.totals.net.cents())
    .bind(r.totals.tax.cents())
    .bind(r.deposit.required.cents())
    .bind(r.fee.as_ref().map(to_json).transpose()?)
    .bind(r.closed_at.map(Timestamp::millis))
    .execute(&mut *conn)
    .await
    .map_err(overlap_clash)?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, id: Id) -> AppResult<()> {
    query("DELETE FROM reservations WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_payment(
    conn: &mut Conn,
    reservation: Id,
    p: &Payment,
    at: Timestamp,
) -> AppResult<()> {
    insert_payments(conn, &[(reservation, p.clone(), at)]).await
}

/// Records many payments, each as `(reservation, payment, recorded at)`, with few
/// statements.
pub async fn insert_payments(conn: &mut Conn, all: &[(Id, Payment, Timestamp)]) -> AppResult<()> {
    for rows in all.chunks(ROWS_PER_INSERT) {
        let mut sql = Sql::new(
            "INSERT INTO payments (id, reservation_id, amount, method, transaction_at, \
             recorded_by, refund_due, created_at, reason) VALUES ",
        );
        for (n, (reservation, p, at)) in rows.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .value(Id::generate().to_string())
                .value(reservation.to_string())
                .value(p.amount.cents())
                .value(p.method.as_str())
                .value(p.transaction_date.millis())
                .value(p.recorded_by.map(|i| i.to_string()))
                .value(i64::from(p.refund_due))
                .value(at.millis())
                .value(p.reason.clone())
                .push(")");
        }
        sql.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sort orders offered on the reservations list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationSort {
    StartDate,
    ReservationDate,
}

/// Filters and page of a reservation listing.
#[derive(Debug, Clone, Default)]
pub struct ReservationQuery {
    pub status: Option<ReservationStatus>,
    pub car: Option<Id>,
    pub client: Option<Id>,
    /// Reservations overlapping `[from, to)`; either end may be open.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub number: Option<String>,
    /// Active reservations whose end has passed at this instant.
    pub overdue_at: Option<Timestamp>,
    /// Picked up or returned at this branch.
    pub branch: Option<Id>,
    /// Only those whose review flag is (or is not) set.
    pub review_required: Option<bool>,
    /// Only closed ones with money still owed (`true`), or closed and settled (`false`).
    pub balance_due: Option<bool>,
    pub sort: Option<ReservationSort>,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

/// What a closed reservation still owes is positive: its final cost less payments
/// (refunds are negative) and the deposit captured.
const BALANCE_DUE: &str = "(COALESCE(r.final_total, r.estimated_total) \
     - COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.reservation_id = r.id), 0) \
     - COALESCE((SELECT SUM(d.amount) FROM deposit_movements d \
                 WHERE d.reservation_id = r.id AND d.kind = 'capture'), 0) > 0)";

/// How long a period may be for its rentals to be counted as few (see [`page_sql`]).
const SHORT_PERIOD_DAYS: i64 = 92;
const DAY_MS: i64 = 86_400_000;

/// One page of reservations, with car and client, and how many match in all.
pub async fn list(conn: &mut Conn, q: &ReservationQuery) -> AppResult<(Vec<Reservation>, i64)> {
    let rows: Vec<Row> = page_sql(conn.engine(), q).fetch_all(conn).await?;
    let mut count = Sql::new("SELECT COUNT(*) FROM reservations r");
    filter(&mut count, q);
    let total = count
        .total_behind(conn, q.offset, q.limit, rows.len())
        .await?;
    Ok((assemble(rows)?, total))
}

/// The page's ids first, from the reservations alone (an index walk for the sort),
/// then the page's rows with their car and client (by rowid on SQLite: the index walked
/// holds it, and a row is found in one search): however deep the page, the joins
/// and the wide columns are read for its rows only. As `IN (…)`, not a join on a
/// derived table: SQLite 3.46 turned that join around and scanned every rental
/// (15 ms against 0.2 ms for a page of 10,000 rentals).
fn page_sql(engine: Engine, q: &ReservationQuery) -> Sql {
    let column = match q.sort.unwrap_or(ReservationSort::ReservationDate) {
        ReservationSort::StartDate => "r.start_at",
        ReservationSort::ReservationDate => "r.reservation_date",
    };
    let dir = if q.descending { "DESC" } else { "ASC" };
    // A short period matches few rentals: read them through the period index and sort
    // them (0.3 ms for a week of 10,000 rentals), rather than walk the whole sort order
    // looking for them (5 ms). `+` keeps SQLite from taking the sort order's index.
    let few = matches!((q.from, q.to), (Some(from), Some(to))
        if to.millis() - from.millis() <= SHORT_PERIOD_DAYS * DAY_MS);
    let sorted_by = if few { "+" } else { "" };
    let order = format!(" ORDER BY {sorted_by}{column} {dir}, r.id {dir}");
    let key = engine.row_key();
    let mut page = Sql::new(&format!(
        "{} FROM reservations r {JOINS} WHERE r.{key} IN (SELECT r.{key} FROM reservations r",
        select(engine)
    ));
    filter(&mut page, q);
    page.push(&order)
        .push(" LIMIT ")
        .bind(q.limit)
        .push(" OFFSET ")
        .bind(q.offset)
        .push(&format!("){order}"));
    page
}

/// The `WHERE` clause of a listing, on `reservations r`.
fn filter(sql: &mut Sql, q: &ReservationQuery) {
    sql.start_where();
    if let Some(status) = q.status {
        sql.and("r.status = ").bind(status.as_str());
    }
    if let Some(car) = q.car {
        sql.and("r.car_id = ").bind(car.to_string());
    }
    if let Some(client) = q.client {
        sql.and("r.client_id = ").bind(client.to_string());
    }
    if let Some(from) = q.from {
        sql.and("r.end_at > ").bind(from.millis());
    }
    if let Some(to) = q.to {
        sql.and("r.start_at < ").bind(to.millis());
    }
    if let Some(number) = &q.number {
        sql.and("lower(r.reservation_number) LIKE ")
            .bind(contains_pattern(number))
            .push(" ESCAPE '\\'");
    }
    if let Some(now) = q.overdue_at {
        sql.and("r.status = 'active' AND r.end_at < ")
            .bind(now.millis());
    }
    if let Some(branch) = q.branch {
        sql.and("(r.pickup_branch_id = ")
            .bind(branch.to_string())
            .push(" OR r.return_branch_id = ")
            .bind(branch.to_string())
            .push(")");
    }
    if let Some(flag) = q.review_required {
        sql.and("r.review_required = ").bind(i64::from(flag));
    }
    if let Some(owed) = q.balance_due {
        sql.and("r.closed_at IS NOT NULL AND ");
        sql.push(if owed { "" } else { "NOT " });
        sql.push(BALANCE_DUE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page reads its rentals by rowid, at any depth and for either sort: SQLite 3.46 once
    /// scanned every rental for it instead. The plan is checked, not a timing.
    #[tokio::test]
    async fn a_list_page_reads_its_rentals_by_rowid() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let (_, mut conn) = crate::db::connect_alone(&url).await?;
        for sort in [ReservationSort::StartDate, ReservationSort::ReservationDate] {
            let query = ReservationQuery {
                sort: Some(sort),
                descending: true,
                limit: 20,
                offset: 9000,
                ..Default::default()
            };
            let plan = page_sql(Engine::Sqlite, &query).explain(&mut conn).await?;
            let top: Vec<&str> = plan
                .iter()
                .filter(|(_, parent, _)| *parent == 0)
                .map(|(_, _, detail)| detail.as_str())
                .collect();
            assert!(
                top.iter()
                    .any(|d| d.starts_with("SEARCH r USING INTEGER PRIMARY KEY (rowid=?)")),
                "{plan:?}"
            );
            assert!(!top.iter().any(|d| d.starts_with("SCAN r")), "{plan:?}");
        }
        Ok(())
    }

    /// The rentals of a week are found through the period index, for the count and for
    /// the page; a long period still walks the sort order, which stops at the page.
    #[tokio::test]
    async fn a_week_is_read_through_the_period_index() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("plan.db").display());
        let (_, mut conn) = crate::db::connect_alone(&url).await?;
        let from = Timestamp::from_millis(1_780_000_000_000);
        let period = |days: i64| ReservationQuery {
            from: Some(from),
            to: Some(Timestamp::from_millis(from.millis() + days * DAY_MS)),
            limit: 20,
            ..Default::default()
        };
        let inner = |plan: Vec<(i64, i64, String)>| -> Vec<String> {
            plan.into_iter().map(|(_, _, d)| d).collect()
        };
        let week = inner(
            page_sql(Engine::Sqlite, &period(7))
                .explain(&mut conn)
                .await?,
        );
        assert!(
            week.iter().any(
                |d| d.contains("USING COVERING INDEX reservations_end_start")
                    || d.contains("USING INDEX reservations_end_start")
            ),
            "{week:?}"
        );
        let mut count = Sql::new("SELECT COUNT(*) FROM reservations r");
        filter(&mut count, &period(7));
        let counted = inner(count.explain(&mut conn).await?);
        assert!(
            counted
                .iter()
                .any(|d| d.contains("COVERING INDEX reservations_end_start")),
            "{counted:?}"
        );
        let years = inner(
            page_sql(Engine::Sqlite, &period(3 * 365))
                .explain(&mut conn)
                .await?,
        );
        assert!(
            years.iter().any(|d| d.contains("INDEX reservations_date")),
            "{years:?}"
        );
        Ok(())
    }
}
