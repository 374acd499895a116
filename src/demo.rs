//! A believable small agency to explore the product with: the accounts of the original
//! report, two branches, about twenty cars (one in the garage) and fifty clients, and a
//! history of inspected rentals. Only ever added to an empty database.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::db::{cars, clients, users, Database};
use crate::domain::billing::{FeePolicy, FeeRule};
use crate::domain::branch::{BranchChanges, OpeningPeriod};
use crate::domain::car::{CarChanges, CarStatus, LicensePlate, Vin};
use crate::domain::client::{Cin, ClientChanges, Email, Phone};
use crate::domain::deposit::DepositKind;
use crate::domain::extras::{ExtraChanges, ExtraPricing};
use crate::domain::id::Id;
use crate::domain::inspection::{Damage, DamageZone, Reading};
use crate::domain::invoice::Language;
use crate::domain::money::Money;
use crate::domain::pricing::{Charge, ChargeSource};
use crate::domain::rates::{CarRates, DayRates, SeasonRates};
use crate::domain::tax::{PriceBasis, TaxPolicy};
use crate::domain::time::Timestamp;
use crate::domain::user::{FullName, NewPassword, Role, Username};
use crate::services::blocks::NewBlock;
use crate::services::hashing::Hasher;
use crate::services::{self, staff, Actor, Origin};

/// The demo's accounts, as in the original progress report. Never for a real agency.
pub const DEMO_ACCOUNTS: [(&str, &str, Role, &str); 2] = [
    ("admin", "admin123", Role::Admin, "Administrateur Démo"),
    ("manager", "manager123", Role::Manager, "Manager Démo"),
];

/// Make, model, world manufacturer identifier (first 3 VIN characters), daily rate in MAD.
pub(crate) const MODELS: [(&str, &str, &str, i64); 20] = [
    ("Dacia", "Logan", "UU1", 250),
    ("Dacia", "Sandero", "UU1", 260),
    ("Dacia", "Duster", "UU1", 400),
    ("Renault", "Clio", "VF1", 300),
    ("Renault", "Megane", "VF1", 420),
    ("Peugeot", "208", "VF3", 320),
    ("Peugeot", "301", "VF3", 330),
    ("Peugeot", "3008", "VF3", 650),
    ("Hyundai", "i10", "MAL", 230),
    ("Hyundai", "Accent", "KMH", 300),
    ("Hyundai", "Tucson", "KMH", 700),
    ("Toyota", "Yaris", "VNK", 340),
    ("Toyota", "Corolla", "JTD", 450),
    ("Volkswagen", "Polo", "WVW", 350),
    ("Volkswagen", "Golf", "WVW", 480),
    ("Fiat", "Tipo", "ZFA", 320),
    ("Kia", "Picanto", "KNA", 240),
    ("Kia", "Sportage", "KNA", 690),
    ("Citroën", "C3", "VF7", 310),
    ("Skoda", "Octavia", "TMB", 500),
];

const COLORS: [&str; 6] = ["Blanc", "Gris", "Noir", "Rouge", "Bleu", "Argent"];
pub(crate) const FIRST_NAMES: [&str; 20] = [
    "Mohammed", "Fatima", "Youssef", "Khadija", "Omar", "Salma", "Hamza", "Imane", "Karim",
    "Nadia", "Mehdi", "Sara", "Rachid", "Amina", "Anas", "Houda", "Ilyas", "Zineb", "Ayoub",
    "Meryem",
];
pub(crate) const LAST_NAMES: [&str; 20] = [
    "El Amrani",
    "Benali",
    "Alaoui",
    "Bennani",
    "Tazi",
    "Idrissi",
    "Chraibi",
    "El Fassi",
    "Berrada",
    "Ouazzani",
    "Lahlou",
    "Naciri",
    "Kettani",
    "Sqalli",
    "Benjelloun",
    "Ziani",
    "Haddad",
    "Mansouri",
    "Skalli",
    "Amrani",
];
/// Latin transliterations of the letters on Moroccan plates (أ ب د هـ و).
pub(crate) const PLATE_LETTERS: [&str; 5] = ["A", "B", "D", "H", "W"];
pub(crate) const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

/// What the demo added.
pub struct DemoSummary {
    pub branches: usize,
    pub cars: usize,
    pub clients: usize,
    pub reservations: usize,
}

/// Whether the database holds nothing yet (no account, car or client).
pub async fn is_empty(db: &Database) -> anyhow::Result<bool> {
    let mut conn = db.read().await?;
    let held = users::count_all(&mut conn).await?
        + cars::count_all(&mut conn).await?
        + clients::count_all(&mut conn).await?;
    Ok(held == 0)
}

/// Fills an empty database with the demo agency; refuses a database that holds data.
pub async fn fill(db: &Database, hasher: &Hasher) -> anyhow::Result<DemoSummary> {
    anyhow::ensure!(
        is_empty(db).await?,
        "the database already holds data; the demo only fills an empty database"
    );
    let origin = Origin {
        ip: "local".into(),
        user_agent: "locacar-demo".into(),
    };
    let mut admin = None;
    for (username, password, role, full_name) in DEMO_ACCOUNTS {
        let new = staff::NewUser {
            username: Username::parse(username).map_err(anyhow::Error::msg)?,
            full_name: FullName::parse(full_name).map_err(anyhow::Error::msg)?,
            password: NewPassword::parse(password).map_err(anyhow::Error::msg)?,
            role,
            is_active: true,
        };
        let user = staff::create(db, hasher, None, new, &origin).await?;
        if role == Role::Admin {
            admin = Some(Actor::from(&user));
        }
    }
    let admin = admin.ok_or_else(|| anyhow::anyhow!("the demo admin was not created"))?;
    let mut rng = StdRng::seed_from_u64(2026);
    let branches = add_branches(db, &admin, &origin).await?;
    let cars = add_cars(db, &admin, &origin, &branches, &mut rng).await?;
    let clients = add_clients(db, &admin, &origin, &mut rng).await?;
    let extras = add_extras(db, &admin, &origin).await?;
    let reservations = add_history(db, &admin, &origin, &branches, &extras, &mut rng).await?;
    Ok(DemoSummary {
        branches: branches.len(),
        cars,
        clients,
        reservations,
    })
}

/// Two offices, open six days a week with a lunch break at the station's.
async fn add_branches(db: &Database, admin: &Actor, origin: &Origin) -> anyhow::Result<Vec<Id>> {
    let week = |opens: &str, closes: &str| -> Vec<OpeningPeriod> {
        [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
        ]
        .iter()
        .map(|day| OpeningPeriod {
            day: (*day).into(),
            opens: opens.into(),
            closes: closes.into(),
        })
        .collect()
    };
    let offices = [
        (
            "Casablanca Centre",
            "12 boulevard d'Anfa, Casablanca",
            "+212 522 20 30 40",
            week("08:30", "19:00"),
        ),
        (
            "Marrakech Gare",
            "Avenue Hassan II, gare ONCF, Marrakech",
            "+212 524 43 50 60",
            week("08:00", "20:00"),
        ),
    ];
    let mut ids = Vec::new();
    for (name, address, phone, hours) in offices {
        let changes = BranchChanges {
            name: Some(name.into()),
            address: Some(address.into()),
            phone: Some(Some(
                Phone::parse(phone)
                    .map_err(anyhow::Error::msg)?
                    .as_str()
                    .to_owned(),
            )),
            opening_hours: Some(hours),
        };
        let branch = changes
            .into_new(Id::generate(), Timestamp::now(), admin.id)
            .ok_or_else(|| anyhow::anyhow!("incomplete demo branch"))?;
        ids.push(
            services::branches::create(db, admin, branch, origin)
                .await?
                .id,
        );
    }
    Ok(ids)
}

/// The car that is in the garage: held by an open block.
const IN_THE_GARAGE: usize = 4;

/// A car's plan: cheaper by the week and the month, dearer in summer, and a deposit.
fn demo_rates(rate: i64) -> anyhow::Result<CarRates> {
    let unit = |percent: i64| Money::from_cents(rate * percent);
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let day = |m: u32, d: u32| {
        chrono::NaiveDate::from_ymd_opt(year + 1, m, d)
            .map(|d| crate::domain::date::Date::parse(&d.to_string()))
            .ok_or_else(|| anyhow::anyhow!("bad demo date"))?
            .map_err(anyhow::Error::msg)
    };
    Ok(CarRates {
        base: DayRates {
            daily: unit(100),
            weekly: Some(unit(85)),
            monthly: Some(unit(70)),
        },
        seasons: vec![SeasonRates {
            name: "Été".into(),
            first_day: day(7, 1)?,
            last_day: day(8, 31)?,
            rates: DayRates {
                daily: unit(125),
                weekly: Some(unit(110)),
                monthly: None,
            },
        }],
        deposit: Money::from_cents(if rate < 400 { 300_000 } else { 600_000 }),
    })
}

/// The extras catalogue; the first two are offered on some demo rentals.
async fn add_extras(db: &Database, admin: &Actor, origin: &Origin) -> anyhow::Result<Vec<Id>> {
    let catalogue = [
        ("Siège enfant", ExtraPricing::PerDay, 3_000, Some(15_000)),
        ("GPS", ExtraPricing::PerDay, 5_000, Some(25_000)),
        (
            "Conducteur additionnel",
            ExtraPricing::PerRental,
            10_000,
            None,
        ),
        ("Assurance tous risques", ExtraPricing::PerDay, 12_000, None),
    ];
    let mut ids = Vec::new();
    for (name, pricing, cents, cap) in catalogue {
        let extra = ExtraChanges {
            name: Some(name.into()),
            pricing: Some(pricing),
            price: Some(Money::from_cents(cents)),
            cap: Some(cap.map(Money::from_cents)),
            active: Some(true),
        }
        .create(Id::generate(), admin.id, Timestamp::now())
        .ok_or_else(|| anyhow::anyhow!("incomplete demo extra"))?;
        ids.push(services::extras::create(db, admin, extra, origin).await?.id);
    }
    Ok(ids)
}

async fn add_cars(
    db: &Database,
    admin: &Actor,
    origin: &Origin,
    branches: &[Id],
    rng: &mut StdRng,
) -> anyhow::Result<usize> {
    for (n, (make, model, wmi, rate)) in MODELS.iter().enumerate() {
        let status = match n {
            17 => CarStatus::OutOfService,
            _ => CarStatus::Available,
        };
        let plate = format!(
            "{:05}-{}-{}",
            rng.gen_range(1000..99999),
            PLATE_LETTERS.choose(rng).unwrap_or(&"A"),
            rng.gen_range(1..=89)
        );
        let tail: String = (0..14)
            .map(|_| char::from(*VIN_CHARS.choose(rng).unwrap_or(&b'0')))
            .collect();
        let changes = CarChanges {
            make: Some((*make).to_owned()),
            model: Some((*model).to_owned()),
            year: Some(rng.gen_range(2019..=2025)),
            license_plate: Some(LicensePlate::parse(&plate).map_err(anyhow::Error::msg)?),
            vin: Some(Vin::parse(&format!("{wmi}{tail}")).map_err(anyhow::Error::msg)?),
            color: Some(COLORS.choose(rng).map(|c| (*c).to_owned())),
            status: Some(status),
            daily_rate: Some(Money::from_cents(rate * 100)),
            description: Some(Some(format!(
                "{make} {model}, climatisation, boîte {}",
                if *rate >= 450 {
                    "automatique"
                } else {
                    "manuelle"
                }
            ))),
            home_branch_id: Some(branches.get(n % 2).copied()),
            odometer_km: Some(rng.gen_range(15_000..90_000)),
            // Economy cars include 250 km a day; the larger ones are unlimited.
            included_km_per_day: Some((*rate < 400).then_some(250)),
            extra_km_rate: Some(Money::from_cents(if *rate < 400 { 150 } else { 0 })),
            ..Default::default()
        };
        let car = changes
            .into_new_car(Id::generate(), Timestamp::now(), admin.id)
            .ok_or_else(|| anyhow::anyhow!("incomplete demo car"))?;
        let car = services::cars::create(db, admin, car, origin).await?;
        services::cars::set_rates(db, admin, car.id, demo_rates(*rate)?, origin).await?;
        if n == IN_THE_GARAGE {
            let block = NewBlock {
                start: Timestamp::now().plus_millis(-DAY_MS),
                end: None,
                reason: "Embrayage à remplacer, au garage".into(),
            };
            services::blocks::create(db, admin, car.id, block, origin).await?;
        }
    }
    Ok(MODELS.len())
}

async fn add_clients(
    db: &Database,
    admin: &Actor,
    origin: &Origin,
    rng: &mut StdRng,
) -> anyhow::Result<usize> {
    const COUNT: usize = 50;
    let mut names: Vec<(&str, &str)> = FIRST_NAMES
        .iter()
        .flat_map(|f| LAST_NAMES.iter().map(move |l| (*f, *l)))
        .collect();
    names.shuffle(rng);
    for (n, (first, last)) in names.into_iter().take(COUNT).enumerate() {
        let phone = format!(
            "0{} {:02} {:02} {:02} {:02}",
            rng.gen_range(6..=7),
            n,
            rng.gen_range(0..100),
            rng.gen_range(0..100),
            rng.gen_range(0..100)
        );
        let email = rng.gen_bool(0.7).then(|| {
            format!(
                "{}.{}@example.ma",
                first.to_lowercase(),
                last.to_lowercase().replace(' ', "")
            )
        });
        let cin = format!(
            "{}{:06}",
            ["A", "B", "BE", "BK", "C", "D"][n % 6],
            100_000 + n * 7919
        );
        let changes = ClientChanges {
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            phone: Some(Phone::parse(&phone).map_err(anyhow::Error::msg)?),
            email: Some(
                email
                    .map(|e| Email::parse(&e))
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
            ),
            driver_license_number: Some(rng.gen_bool(0.85).then(|| {
                format!(
                    "{:02}/{:06}",
                    rng.gen_range(1..=99),
                    rng.gen_range(0..1_000_000)
                )
            })),
            cin: Some(Some(Cin::parse(&cin).map_err(anyhow::Error::msg)?)),
            date_of_birth: Some(Some(demo_date(rng.gen_range(1960..=2000), n)?)),
            license_issue_date: Some(Some(demo_date(2018 - (n as i32 % 15), n)?)),
            license_expiry_date: Some(Some(demo_date(2029 + (n as i32 % 6), n)?)),
            notes: Some(
                (n % 9 == 0).then(|| "Client fidèle, préfère les boîtes automatiques.".to_owned()),
            ),
        };
        let client = changes
            .into_new_client(Id::generate(), Timestamp::now(), admin.id)
            .ok_or_else(|| anyhow::anyhow!("incomplete demo client"))?;
        services::clients::create(db, admin, client, origin).await?;
    }
    Ok(COUNT)
}

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A reading at hand-over or return, signed by the client.
fn reading(
    odometer_km: i64,
    fuel_eighths: u8,
    damage: &[(DamageZone, &str)],
    signed_by: &str,
) -> Reading {
    Reading {
        odometer_km,
        fuel_eighths,
        damage: damage
            .iter()
            .map(|(zone, description)| Damage {
                zone: *zone,
                description: (*description).into(),
            })
            .collect(),
        signed_by: signed_by.into(),
    }
}

/// A scratch most cars of a rental fleet carry, noted at every hand-over.
const OLD_SCRATCH: (DamageZone, &str) = (DamageZone::Rear, "Rayure légère pare-choc arrière");

/// A believable history: inspected rentals, returned and paid (one of them one-way, one
/// with new damage awaiting review), rentals under way (one overdue), upcoming bookings
/// confirmed or waiting for confirmation (one with an additional driver), and a car's
/// technical inspection planned as a block. Each car's bookings follow one another.
async fn add_history(
    db: &Database,
    admin: &Actor,
    origin: &Origin,
    branches: &[Id],
    extras: &[Id],
    rng: &mut StdRng,
) -> anyhow::Result<usize> {
    use crate::domain::reservation::{PaymentMethod, ReservationStatus as S};
    use crate::services::billing::{DepositRequest, ExtraRequest};
    let with_extras = |n: usize| -> Vec<ExtraRequest> {
        extras
            .iter()
            .take(n % 3)
            .map(|id| ExtraRequest {
                extra: *id,
                quantity: 1,
            })
            .collect()
    };
    use crate::services::billing::{self, NewPayment};
    use crate::services::reservations::{self as booking, NewBooking, RentalPolicy, StatusChange};

    let policy = RentalPolicy {
        grace_minutes: 60,
        drivers: crate::domain::driver::DriverPolicy {
            min_age_years: 21,
            min_license_years: 2,
        },
        turnaround_minutes: 0,
        fuel_charge_per_eighth: Money::from_cents(8_000),
        tax: TaxPolicy {
            basis: PriceBasis::Inclusive,
            rate_basis_points: 2_000,
        },
        fees: FeePolicy {
            free_cancellation_hours: 48,
            cancellation: FeeRule::OneDay,
            no_show: FeeRule::OneDay,
        },
        timezone: chrono_tz::UTC,
        language: Language::Fr,
    };
    let (fleet, customers) = {
        let mut conn = db.read().await?;
        let fleet = cars::list(&mut conn, &all_cars()).await?.0;
        let customers = clients::list(&mut conn, &all_clients()).await?.0;
        (fleet, customers)
    };
    let fleet: Vec<_> = fleet
        .into_iter()
        .filter(|c| c.status == CarStatus::Available)
        .collect();
    let drivers: Vec<_> = customers
        .into_iter()
        .filter(|c| c.driver_license_number.is_some())
        .collect();
    anyhow::ensure!(
        !fleet.is_empty() && !drivers.is_empty(),
        "the demo needs cars and drivers"
    );
    // Midnight today (UTC), then office hours.
    let today = Timestamp::from_millis(Timestamp::now().millis() / DAY_MS * DAY_MS);
    let mut count = 0;
    for (n, car) in fleet.iter().enumerate() {
        let driver = |k: usize| &drivers[(n * 3 + k) % drivers.len()];
        let signed = |k: usize| format!("{} {}", driver(k).first_name, driver(k).last_name);
        let mut odometer = car.odometer_km;
        // Two past rentals per car, inspected, returned and paid.
        for k in 0..2 {
            let start =
                today.plus_millis(-DAY_MS * (40 - 15 * k as i64 - (n % 7) as i64) + 9 * HOUR_MS);
            let days = rng.gen_range(2..6);
            let end = start.plus_millis(DAY_MS * days);
            let one_way = n == 1 && k == 1;
            let booked = NewBooking {
                car: car.id,
                client: driver(k).id,
                start,
                end,
                notes: None,
                status: S::Confirmed,
                additional_drivers: vec![],
                pickup_branch: None,
                return_branch: one_way
                    .then(|| branches.get((n + 1) % 2).copied())
                    .flatten(),
                extras: with_extras(n),
            };
            let r = booking::create(db, admin, booked, policy, origin).await?;
            let pick_up = StatusChange {
                status: S::Active,
                at: Some(start.plus_millis(HOUR_MS / 2)),
                charges: vec![],
                inspection: Some(reading(odometer, 8, &[OLD_SCRATCH], &signed(k))),
            };
            booking::change_status(db, admin, r.id, pick_up, policy, origin).await?;
            let late = rng.gen_bool(0.25);
            odometer += days * rng.gen_range(80..320);
            let mut damage = vec![OLD_SCRATCH];
            if n == 2 && k == 1 {
                damage.push((DamageZone::Left, "Portière arrière gauche enfoncée"));
            }
            let charges = if late {
                vec![Charge {
                    label: "Retour tardif".into(),
                    amount: Money::from_cents(10_000),
                    source: ChargeSource::Agent,
                }]
            } else {
                vec![]
            };
            let back = end.plus_millis(if late { 3 * HOUR_MS } else { -HOUR_MS });
            let fuel = if late { 5 } else { 8 };
            let ret = StatusChange {
                status: S::Completed,
                at: Some(back),
                charges,
                inspection: Some(reading(odometer, fuel, &damage, &signed(k))),
            };
            let mut done = booking::change_status(db, admin, r.id, ret, policy, origin).await?;
            // The fuel of a late return is kept from the deposit; the rest is paid and the
            // deposit released.
            if late {
                let fuel = DepositRequest {
                    kind: DepositKind::Capture,
                    amount: Some(Money::from_cents(24_000)),
                    reason: Some("Carburant manquant (3/8)".into()),
                };
                done = billing::record_deposit(db, admin, r.id, fuel, origin).await?;
            }
            let method = [
                PaymentMethod::Cash,
                PaymentMethod::Card,
                PaymentMethod::Transfer,
            ][n % 3];
            if done.payment_details.remaining > Money::ZERO {
                let pay = NewPayment {
                    amount: done.payment_details.remaining,
                    method,
                    date: Some(back),
                    refund_due: false,
                    reason: None,
                };
                billing::add_payment(db, admin, r.id, pay, origin).await?;
            }
            let release = DepositRequest {
                kind: DepositKind::Release,
                amount: None,
                reason: None,
            };
            billing::record_deposit(db, admin, r.id, release, origin).await?;
            count += 1;
        }
        // What is happening now and next, on some of the cars.
        let (start, days, status) = match n % 5 {
            0 => (
                today.plus_millis(-2 * DAY_MS + 10 * HOUR_MS),
                5,
                Some(S::Active),
            ),
            1 if n < 5 => (
                today.plus_millis(-6 * DAY_MS + 10 * HOUR_MS),
                4,
                Some(S::Active),
            ), // overdue
            2 => (today.plus_millis(3 * DAY_MS + 9 * HOUR_MS), 4, None),
            3 => (
                today.plus_millis(6 * DAY_MS + 14 * HOUR_MS),
                3,
                Some(S::Confirmed),
            ),
            1 if n == 6 || n == 11 => {
                // A no-show yesterday, and a late cancellation of tomorrow's booking.
                let start = today.plus_millis(if n == 6 { -DAY_MS } else { DAY_MS } + 9 * HOUR_MS);
                let booked = NewBooking {
                    car: car.id,
                    client: driver(3).id,
                    start,
                    end: start.plus_millis(3 * DAY_MS),
                    notes: None,
                    status: S::Confirmed,
                    additional_drivers: vec![],
                    pickup_branch: None,
                    return_branch: None,
                    extras: vec![],
                };
                let r = booking::create(db, admin, booked, policy, origin).await?;
                let status = if n == 6 {
                    S::NoShow
                } else {
                    S::CancelledByClient
                };
                let end = StatusChange {
                    status,
                    at: None,
                    charges: vec![],
                    inspection: None,
                };
                booking::change_status(db, admin, r.id, end, policy, origin).await?;
                count += 1;
                continue;
            }
            _ if n == 4 => {
                let block = NewBlock {
                    start: today.plus_millis(10 * DAY_MS + 8 * HOUR_MS),
                    end: Some(today.plus_millis(10 * DAY_MS + 18 * HOUR_MS)),
                    reason: "Visite technique".into(),
                };
                services::blocks::create(db, admin, car.id, block, origin).await?;
                continue;
            }
            _ => continue,
        };
        let end = start.plus_millis(days * DAY_MS);
        let initial = if status.is_some() {
            S::Confirmed
        } else {
            S::PendingConfirmation
        };
        let booked = NewBooking {
            car: car.id,
            client: driver(2).id,
            start,
            end,
            notes: None,
            status: initial,
            additional_drivers: if n % 5 == 3 {
                vec![driver(4).id]
            } else {
                vec![]
            },
            pickup_branch: None,
            return_branch: None,
            extras: with_extras(n + 1),
        };
        let r = booking::create(db, admin, booked, policy, origin).await?;
        if status == Some(S::Active) {
            let pick_up = StatusChange {
                status: S::Active,
                at: Some(start),
                charges: vec![],
                inspection: Some(reading(odometer, 8, &[OLD_SCRATCH], &signed(2))),
            };
            booking::change_status(db, admin, r.id, pick_up, policy, origin).await?;
            let deposit = NewPayment {
                amount: Money::from_cents(50_000),
                method: PaymentMethod::Card,
                date: Some(start),
                refund_due: false,
                reason: None,
            };
            billing::add_payment(db, admin, r.id, deposit, origin).await?;
        }
        count += 1;
    }
    Ok(count)
}

fn all_cars() -> cars::CarQuery {
    cars::CarQuery {
        available: None,
        status: None,
        make: None,
        q: None,
        branch: None,
        sort: cars::CarSort::AddedAt,
        descending: false,
        limit: 1000,
        offset: 0,
    }
}

fn all_clients() -> clients::ClientQuery {
    clients::ClientQuery {
        phone: None,
        q: None,
        sort: clients::ClientSort::RegisteredAt,
        descending: false,
        limit: 1000,
        offset: 0,
    }
}

/// A date in `year`, spread over the months by `n`.
fn demo_date(year: i32, n: usize) -> anyhow::Result<crate::domain::date::Date> {
    let text = format!("{year}-{:02}-{:02}", n % 12 + 1, n % 28 + 1);
    crate::domain::date::Date::parse(&text).map_err(anyhow::Error::msg)
}

/// Prints what the demo added and the warning that goes with its well-known passwords.
pub fn announce(summary: &DemoSummary) {
    println!(
        "Demo agency added: {} branches, {} cars, {} clients, {} reservations, and the demo accounts:",
        summary.branches, summary.cars, summary.clients, summary.reservations
    );
    for (username, password, role, _) in DEMO_ACCOUNTS {
        println!("  {username} / {password} ({})", role.as_str());
    }
    println!(
        "WARNING: these are public demo credentials. Never use this database for a real agency."
    );
}
