//! A believable agency or chain at any scale, for benchmarks (`locacar seed`): branches,
//! cars, clients and years of rentals that keep every rule — no two blocking bookings of
//! a car overlap, statuses match their dates, returned rentals are priced and paid — in
//! one transaction of plain inserts. Not for a real agency: its two accounts have the
//! demo's public passwords, and nothing of it is audited.

use std::collections::BTreeMap;

use chrono::Datelike;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::billing::reprice;
use super::reservations::RentalPolicy;
use crate::db::{
    branches, cars, clients, connect_alone, execute_batch, imports, reservations, users, Conn,
};
use crate::demo::{FIRST_NAMES, LAST_NAMES, MODELS, PLATE_LETTERS, VIN_CHARS};
use crate::domain::branch::Branch;
use crate::domain::car::{Car, CarStatus};
use crate::domain::client::Client;
use crate::domain::deposit::Deposit;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::password;
use crate::domain::rates::RatePlan;
use crate::domain::reservation::{
    reservation_number, CarSummary, ClientSummary, Payment, PaymentDetails, PaymentMethod,
    Reservation, ReservationStatus,
};
use crate::domain::tax::{Taxed, VatRate};
use crate::domain::time::Timestamp;
use crate::domain::user::{username_key, Role, User};

/// How much to make.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub branches: usize,
    pub cars: usize,
    pub clients: usize,
    pub reservations: usize,
    /// Makes the same data every time for the same seed.
    pub seed: u64,
}

/// The accounts made, with their (public) passwords.
pub const ACCOUNTS: [(&str, &str, Role); 2] = [
    ("admin", "admin123", Role::Admin),
    ("manager", "manager123", Role::Manager),
];

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Fills an empty database at `url`; returns what was made.
pub async fn run(url: &str, scale: Scale, policy: RentalPolicy) -> anyhow::Result<Scale> {
    let (engine, mut conn) = connect_alone(url).await?;
    anyhow::ensure!(
        imports::rows_held(&mut conn).await?.is_empty(),
        "the database already holds data: seed an empty one"
    );
    if let Some(settings) = engine.bulk_load_settings() {
        execute_batch(&mut conn, settings).await?;
    }
    execute_batch(&mut conn, engine.begin_write()).await?;
    let made = fill(&mut conn, scale, policy).await;
    let end = if made.is_ok() { "COMMIT" } else { "ROLLBACK" };
    execute_batch(&mut conn, end).await?;
    conn.close().await;
    made
}

async fn fill(conn: &mut Conn, scale: Scale, policy: RentalPolicy) -> anyhow::Result<Scale> {
    let mut rng = StdRng::seed_from_u64(scale.seed);
    let now = Timestamp::now();
    let admin = add_accounts(conn, now).await?;
    let branch_ids = add_branches(conn, scale.branches, now, admin).await?;
    let fleet = add_cars(conn, scale.cars, &branch_ids, now, admin, &mut rng).await?;
    let customers = add_clients(conn, scale.clients, now, admin).await?;
    let made = add_rentals(
        conn, scale, &fleet, &customers, now, admin, policy, &mut rng,
    )
    .await?;
    Ok(Scale {
        reservations: made,
        ..scale
    })
}

async fn add_accounts(conn: &mut Conn, now: Timestamp) -> anyhow::Result<Id> {
    let mut admin = None;
    for (username, secret, role) in ACCOUNTS {
        let user = User {
            id: Id::generate(),
            username: username.to_owned(),
            role,
            full_name: format!("{username} (seed)"),
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        users::insert(
            conn,
            &user,
            &username_key(username),
            &password::hash(secret)?,
        )
        .await?;
        if role == Role::Admin {
            admin = Some(user.id);
        }
    }
    admin.ok_or_else(|| anyhow::anyhow!("no admin account was made"))
}

async fn add_branches(
    conn: &mut Conn,
    count: usize,
    now: Timestamp,
    by: Id,
) -> anyhow::Result<Vec<Id>> {
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let branch = Branch {
            id: Id::generate(),
            name: format!("Agence {:03}", n + 1),
            address: format!("{} avenue Mohammed V", n + 1),
            phone: None,
            opening_hours: Vec::new(),
            created_at: now,
            created_by: Some(by),
            updated_at: now,
            updated_by: Some(by),
        };
        branches::insert(conn, &branch).await?;
        ids.push(branch.id);
    }
    Ok(ids)
}

async fn add_cars(
    conn: &mut Conn,
    count: usize,
    branch_ids: &[Id],
    now: Timestamp,
    by: Id,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<Car>> {
    let mut fleet = Vec::with_capacity(count);
    for n in 0..count {
        let (make, model, _, rate) = MODELS[n % MODELS.len()];
        let branch = (!branch_ids.is_empty()).then(|| branch_ids[n % branch_ids.len()]);
        let vin: String = (0..11)
            .map(|_| char::from(VIN_CHARS[rng.gen_range(0..VIN_CHARS.len())]))
            .collect();
        let car = Car {
            id: Id::generate(),
            make: make.to_owned(),
            model: model.to_owned(),
            year: 2019 + (n % 7) as i32,
            license_plate: format!(
                "{}-{}-{}",
                10_000 + n,
                PLATE_LETTERS[n % PLATE_LETTERS.len()],
                n % 89 + 1
            ),
            // Unique by the number at its end; the rest only looks like a VIN.
            vin: format!("{vin}{n:06}"),
            color: Some("Blanc".to_owned()),
            status: CarStatus::Available,
            daily_rate: Money::from_cents(rate * 100 + (n as i64 % 5) * 1000),
            image_url: None,
            description: None,
            home_branch_id: branch,
            current_branch_id: branch,
            odometer_km: 10_000 + (n as i64 * 37) % 90_000,
            included_km_per_day: None,
            extra_km_rate: Money::ZERO,
            added_at: now,
            added_by: Some(by),
            updated_at: now,
            updated_by: Some(by),
        };
        cars::insert(conn, &car).await?;
        fleet.push(car);
    }
    Ok(fleet)
}

async fn add_clients(
    conn: &mut Conn,
    count: usize,
    now: Timestamp,
    by: Id,
) -> anyhow::Result<Vec<ClientSummary>> {
    let mut summaries = Vec::with_capacity(count);
    for n in 0..count {
        let client = Client {
            id: Id::generate(),
            first_name: FIRST_NAMES[n % FIRST_NAMES.len()].to_owned(),
            last_name: LAST_NAMES[(n / FIRST_NAMES.len()) % LAST_NAMES.len()].to_owned(),
            phone: format!("06{:08}", n),
            email: Some(format!("client{n}@example.ma")),
            driver_license_number: Some(format!("P{n:07}")),
            cin: None,
            date_of_birth: None,
            license_issue_date: None,
            license_expiry_date: None,
            notes: None,
            registered_at: now,
            registered_by: Some(by),
            updated_at: now,
            updated_by: Some(by),
        };
        clients::insert(conn, &client).await?;
        summaries.push(ClientSummary {
            id: client.id,
            first_name: client.first_name,
            last_name: client.last_name,
            phone: client.phone,
        });
    }
    Ok(summaries)
}

/// Rentals car by car, back in time from next month: the next few weeks booked, one in
/// ten cars on the road now, and a history of returned, cancelled and missed rentals.
#[allow(clippy::too_many_arguments)]
async fn add_rentals(
    conn: &mut Conn,
    scale: Scale,
    fleet: &[Car],
    customers: &[ClientSummary],
    now: Timestamp,
    by: Id,
    policy: RentalPolicy,
    rng: &mut StdRng,
) -> anyhow::Result<usize> {
    if fleet.is_empty() || customers.is_empty() {
        return Ok(0);
    }
    let per_car = scale.reservations.div_ceil(fleet.len());
    let mut counters: BTreeMap<i32, i64> = BTreeMap::new();
    let mut made = 0;
    let mut batch = Batch::default();
    for (n, car) in fleet.iter().enumerate() {
        // Start a month ahead and walk back: each rental ends before the next begins.
        let mut cursor = now.millis() + 30 * DAY_MS;
        let on_the_road = n % 10 == 0;
        for k in 0..per_car {
            if made == scale.reservations {
                break;
            }
            let days = rng.gen_range(1..=7);
            let gap = rng.gen_range(0..=3) * DAY_MS + rng.gen_range(0..8) * 3_600_000;
            let end = cursor - gap;
            let start = end - days * DAY_MS;
            cursor = start;
            let client = &customers[rng.gen_range(0..customers.len())];
            let status = status_for(start, end, now.millis(), on_the_road && k < 6, rng);
            let r = rental(car, client, start, end, status, by, policy, &mut counters)?;
            if status == ReservationStatus::Active {
                cars::set_status(conn, car.id, CarStatus::Rented, now, Some(by)).await?;
            }
            if let Some(total) = r.final_total_cost.filter(|t| *t > Money::ZERO) {
                let payment = Payment {
                    amount: total,
                    method: PaymentMethod::Card,
                    transaction_date: Timestamp::from_millis(end),
                    recorded_by: Some(by),
                    refund_due: false,
                    reason: None,
                };
                batch
                    .payments
                    .push((r.id, payment, Timestamp::from_millis(end)));
            }
            batch.rentals.push(r);
            if batch.rentals.len() >= Batch::SIZE {
                batch.write(conn).await?;
            }
            made += 1;
        }
    }
    batch.write(conn).await?;
    for (year, last) in counters {
        imports::raise_counter(conn, year, last).await?;
    }
    Ok(made)
}

/// Rentals and their payments waiting to be written together, several rows to an
/// `INSERT` (`reservations::insert_many`), which spares most of the round trips that a
/// statement per row would cost.
#[derive(Default)]
struct Batch {
    rentals: Vec<Reservation>,
    payments: Vec<(Id, Payment, Timestamp)>,
}

impl Batch {
    const SIZE: usize = 1000;

    async fn write(&mut self, conn: &mut Conn) -> anyhow::Result<()> {
        reservations::insert_many(conn, &self.rentals).await?;
        reservations::insert_payments(conn, &self.payments).await?;
        self.rentals.clear();
        self.payments.clear();
        Ok(())
    }
}

/// A status that fits the dates: booked ahead, on the road across `now` (only for cars
/// chosen to be out), and mostly returned in the past.
fn status_for(
    start: i64,
    end: i64,
    now: i64,
    may_be_out: bool,
    rng: &mut StdRng,
) -> ReservationStatus {
    if start > now {
        return if rng.gen_bool(0.7) {
            ReservationStatus::Confirmed
        } else {
            ReservationStatus::PendingConfirmation
        };
    }
    if end > now {
        return if may_be_out {
            ReservationStatus::Active
        } else {
            ReservationStatus::CancelledByAgency
        };
    }
    match rng.gen_range(0..100) {
        0..=84 => ReservationStatus::Completed,
        85..=94 => ReservationStatus::CancelledByClient,
        _ => ReservationStatus::NoShow,
    }
}

#[allow(clippy::too_many_arguments)]
fn rental(
    car: &Car,
    client: &ClientSummary,
    start: i64,
    end: i64,
    status: ReservationStatus,
    by: Id,
    policy: RentalPolicy,
    counters: &mut BTreeMap<i32, i64>,
) -> anyhow::Result<Reservation> {
    let booked = Timestamp::from_millis(start - 5 * DAY_MS);
    let year = chrono::DateTime::from_timestamp_millis(booked.millis()).map_or(2026, |d| d.year());
    let sequence = counters.entry(year).or_insert(0);
    *sequence += 1;
    let (start, end) = (Timestamp::from_millis(start), Timestamp::from_millis(end));
    let picked_up = matches!(
        status,
        ReservationStatus::Active | ReservationStatus::Completed
    );
    let mut r = Reservation {
        id: Id::generate(),
        reservation_number: reservation_number(year, *sequence),
        car_id: car.id,
        client_id: client.id,
        start_date: start,
        end_date: end,
        actual_pickup_date: picked_up.then_some(start),
        actual_return_date: (status == ReservationStatus::Completed).then_some(end),
        status,
        daily_rate: car.daily_rate,
        estimated_total_cost: Money::ZERO,
        final_total_cost: None,
        additional_charges: Vec::new(),
        notes: None,
        reservation_date: booked,
        created_by: Some(by),
        last_modified_at: if status.is_final() { end } else { booked },
        last_modified_by: Some(by),
        payment_details: PaymentDetails::settle(Money::ZERO, Vec::new(), Money::ZERO),
        car: CarSummary {
            id: car.id,
            make: car.make.clone(),
            model: car.model.clone(),
            license_plate: car.license_plate.clone(),
        },
        client: client.clone(),
        additional_drivers: Vec::new(),
        pickup_branch_id: car.current_branch_id,
        return_branch_id: car.current_branch_id,
        turnaround_minutes: 0,
        included_km_per_day: None,
        extra_km_rate: Money::ZERO,
        checkout_inspection: None,
        checkin_inspection: None,
        review_required: false,
        rate_plan: RatePlan::flat(car.daily_rate),
        extras: Vec::new(),
        price_basis: policy.tax.basis,
        vat_rate: VatRate(policy.tax.rate_basis_points),
        price_lines: Vec::new(),
        totals: Taxed::default(),
        fee: None,
        deposit: Deposit::of(Money::ZERO, Vec::new()),
        closed_at: status.is_final().then_some(end),
    };
    if status.is_final() {
        // The booked estimate first, then what the closing made of it.
        let mut planned = r.clone();
        planned.status = ReservationStatus::Confirmed;
        reprice(&mut planned, policy)?;
        r.estimated_total_cost = planned.estimated_total_cost;
    }
    reprice(&mut r, policy)?;
    Ok(r)
}
