//! Settings: command-line flags, each backed by an environment variable (and so by `.env`).
//! A bad value stops the start with one line naming the setting and what it accepts.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::db::DbSettings;
use crate::domain::billing::{FeePolicy, FeeRule};
use crate::domain::driver::DriverPolicy;
use crate::domain::invoice::Language;
use crate::domain::money::Money;
use crate::domain::tax::{PriceBasis, TaxPolicy, VatRate};
use crate::http::connections::ConnectionLimits;
use crate::services::reservations::RentalPolicy;

/// Where the data lives; needed by every command.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database to use: `sqlite://FILE` (created on first start) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        value_name = "DATABASE_URL",
        default_value = "sqlite://locacar.db",
        global = true
    )]
    pub database_url: String,

    /// Database connections per server process (PostgreSQL: all queries, default 16;
    /// SQLite: readers, default twice the cores, at least 4).
    #[arg(long, env = "LOCACAR_DB_POOL_SIZE", value_name = "LOCACAR_DB_POOL_SIZE", global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_pool_size: Option<u32>,

    /// SQLite: most write transactions of waiting requests committed together, under one
    /// fsync (group commit; each in its own savepoint). 1 commits each alone.
    #[arg(long, env = "LOCACAR_GROUP_COMMIT_MAX", value_name = "LOCACAR_GROUP_COMMIT_MAX", default_value_t = 64, global = true,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub group_commit_max: u32,

    /// Start even if the database could lose acknowledged writes in a power cut (PostgreSQL
    /// with fsync, synchronous_commit or full_page_writes off): never for a real agency.
    #[arg(long, env = "LOCACAR_ALLOW_WEAK_DURABILITY", value_name = "LOCACAR_ALLOW_WEAK_DURABILITY",
          num_args = 0..=1, default_value = "false", default_missing_value = "true", global = true,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_weak_durability: bool,

    /// SQLite: MiB of the database file each reader connection reads through a memory
    /// map instead of copying pages (0: none). Mapped pages count in the process's RSS,
    /// once per reader, though they are the kernel's page cache.
    #[arg(long, env = "LOCACAR_SQLITE_MMAP_MIB", value_name = "LOCACAR_SQLITE_MMAP_MIB", default_value_t = 1024, global = true,
          value_parser = clap::value_parser!(u32).range(0..=1_048_576))]
    pub sqlite_mmap_mib: u32,

    /// Seconds a request waits for a database connection before it is answered 503.
    #[arg(long, env = "LOCACAR_DB_TIMEOUT_SECONDS", value_name = "LOCACAR_DB_TIMEOUT_SECONDS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub db_timeout_seconds: u64,

    /// Log level or filter, e.g. `info`, `debug`, `locacar=debug,sqlx=warn`.
    #[arg(
        long,
        env = "LOCACAR_LOG",
        value_name = "LOCACAR_LOG",
        default_value = "info",
        global = true
    )]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "LOCACAR_LOG_FORMAT", value_name = "LOCACAR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

impl DatabaseArgs {
    pub fn db_settings(&self) -> DbSettings {
        DbSettings {
            url: self.database_url.clone(),
            pool_size: self.db_pool_size,
            group_commit_max: self.group_commit_max as usize,
            sqlite_mmap_bytes: u64::from(self.sqlite_mmap_mib) << 20,
            allow_weak_durability: self.allow_weak_durability,
            acquire_timeout: Duration::from_secs(self.db_timeout_seconds),
        }
    }
}

/// How log lines are written (to standard error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines for a person.
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Settings of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(
        long,
        env = "LOCACAR_BIND",
        value_name = "LOCACAR_BIND",
        default_value = "127.0.0.1:5000"
    )]
    pub bind: SocketAddr,

    /// Development mode: enables /api/auth/create_test_user and cookies without `Secure`
    /// (accepts 1/0, true/false, yes/no, on/off).
    #[arg(long, env = "LOCACAR_DEV", value_name = "LOCACAR_DEV", num_args = 0..=1, default_value = "false",
          default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    pub dev: bool,

    /// Browser origins allowed to call the API with credentials, comma-separated
    /// (e.g. `http://localhost:3000`). None by default.
    #[arg(long, env = "LOCACAR_CORS_ORIGINS", value_name = "LOCACAR_CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// Reverse proxies in front of the server, comma-separated addresses or networks
    /// (e.g. `127.0.0.1,10.0.0.0/8`). Only for a request from one of them is the client's
    /// address taken from `X-Forwarded-For`; otherwise that header is ignored, so that a
    /// client cannot claim another address to escape login throttling. None by default.
    #[arg(long, env = "LOCACAR_TRUSTED_PROXIES", value_name = "LOCACAR_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Currency of every amount (ISO 4217 code).
    #[arg(long, env = "LOCACAR_CURRENCY", value_name = "LOCACAR_CURRENCY", default_value = "MAD", value_parser = parse_currency)]
    pub currency: String,

    /// Minutes beyond a whole rental day that are not billed.
    #[arg(long, env = "LOCACAR_GRACE_MINUTES", value_name = "LOCACAR_GRACE_MINUTES", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(0..=1440))]
    pub grace_minutes: u32,

    /// Minutes a car needs between a return and the next pick-up (cleaning, inspection);
    /// bookings and availability keep this gap free after each rental.
    #[arg(long, env = "LOCACAR_TURNAROUND_MINUTES", value_name = "LOCACAR_TURNAROUND_MINUTES", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=10080))]
    pub turnaround_minutes: u32,

    /// Charge for each eighth of a tank missing at return, in the currency (0: fuel is
    /// not charged).
    #[arg(long, env = "LOCACAR_FUEL_CHARGE_PER_EIGHTH", value_name = "LOCACAR_FUEL_CHARGE_PER_EIGHTH",
          default_value = "0", value_parser = parse_amount)]
    pub fuel_charge_per_eighth: Money,

    /// The agency's time zone (IANA name, e.g. `Africa/Casablanca`): what "today" and
    /// "this month" mean on the dashboard.
    #[arg(long, env = "LOCACAR_TIMEZONE", value_name = "LOCACAR_TIMEZONE", default_value = "UTC",
          value_parser = parse_timezone)]
    pub timezone: chrono_tz::Tz,

    /// Whether the prices entered (rates, extras, fees, charges) include VAT (1/0,
    /// true/false): with true, VAT is worked out of each price; with false, it is added.
    #[arg(long, env = "LOCACAR_PRICES_INCLUDE_TAX", value_name = "LOCACAR_PRICES_INCLUDE_TAX",
          num_args = 0..=1, default_value = "true", default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub prices_include_tax: bool,

    /// The VAT rate in percent, at most 2 decimals (Morocco's standard rate: 20).
    #[arg(
        long,
        env = "LOCACAR_VAT_RATE",
        value_name = "LOCACAR_VAT_RATE",
        default_value = "20"
    )]
    pub vat_rate: VatRate,

    /// A client may cancel free of charge until this many hours before the start.
    #[arg(long, env = "LOCACAR_FREE_CANCELLATION_HOURS", value_name = "LOCACAR_FREE_CANCELLATION_HOURS",
          default_value_t = 48, value_parser = clap::value_parser!(u32).range(0..=8784))]
    pub free_cancellation_hours: u32,

    /// The fee of a late cancellation by the client: `none`, `one-day` (the first day's
    /// rate) or an amount.
    #[arg(
        long,
        env = "LOCACAR_CANCELLATION_FEE",
        value_name = "LOCACAR_CANCELLATION_FEE",
        default_value = "one-day"
    )]
    pub cancellation_fee: FeeRule,

    /// The fee of a no-show: `none`, `one-day` or an amount.
    #[arg(
        long,
        env = "LOCACAR_NO_SHOW_FEE",
        value_name = "LOCACAR_NO_SHOW_FEE",
        default_value = "one-day"
    )]
    pub no_show_fee: FeeRule,

    /// The language of invoices and price-line labels: fr or en.
    #[arg(
        long,
        env = "LOCACAR_LANGUAGE",
        value_name = "LOCACAR_LANGUAGE",
        default_value = "fr"
    )]
    pub language: Language,

    /// The agency's name, printed on invoices.
    #[arg(
        long,
        env = "LOCACAR_AGENCY_NAME",
        value_name = "LOCACAR_AGENCY_NAME",
        default_value = "LocaCar"
    )]
    pub agency_name: String,

    /// The agency's details printed under its name on invoices, one line each, separated
    /// by `|` (address, phone, e-mail, registration and tax numbers such as ICE/IF/RC).
    #[arg(
        long,
        env = "LOCACAR_AGENCY_DETAILS",
        value_name = "LOCACAR_AGENCY_DETAILS",
        default_value = ""
    )]
    pub agency_details: String,

    /// The youngest a driver may be at pick-up, in years.
    #[arg(long, env = "LOCACAR_MIN_DRIVER_AGE", value_name = "LOCACAR_MIN_DRIVER_AGE", default_value_t = 21,
          value_parser = clap::value_parser!(u16).range(16..=99))]
    pub min_driver_age: u16,

    /// How long a driver must have held a licence at pick-up, in years.
    #[arg(long, env = "LOCACAR_MIN_LICENSE_YEARS", value_name = "LOCACAR_MIN_LICENSE_YEARS", default_value_t = 2,
          value_parser = clap::value_parser!(u16).range(0..=50))]
    pub min_license_years: u16,

    /// Password of the first admin, created when the database has no user yet.
    /// When unset, a strong password is generated and printed once.
    #[arg(
        long,
        env = "LOCACAR_ADMIN_PASSWORD",
        value_name = "LOCACAR_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub admin_password: Option<String>,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "LOCACAR_SESSION_IDLE_MINUTES", value_name = "LOCACAR_SESSION_IDLE_MINUTES", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(1..=10080))]
    pub session_idle_minutes: u32,

    /// Hours after login at which a session ends, however active.
    #[arg(long, env = "LOCACAR_SESSION_MAX_HOURS", value_name = "LOCACAR_SESSION_MAX_HOURS", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_max_hours: u32,

    /// Failed logins allowed per username within the throttling window.
    #[arg(long, env = "LOCACAR_LOGIN_MAX_FAILURES", value_name = "LOCACAR_LOGIN_MAX_FAILURES", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub login_max_failures: u32,

    /// Failed logins allowed per client address within the throttling window.
    #[arg(long, env = "LOCACAR_LOGIN_MAX_FAILURES_PER_ADDRESS", value_name = "LOCACAR_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=100000))]
    pub login_max_failures_per_address: u32,

    /// Length of the login throttling window, in minutes.
    #[arg(long, env = "LOCACAR_LOGIN_WINDOW_MINUTES", value_name = "LOCACAR_LOGIN_WINDOW_MINUTES", default_value_t = 15,
          value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub login_window_minutes: u32,

    /// Password hashes computed at once, each on its own thread. Default: half the
    /// cores (at least one), so that a burst of logins leaves CPU to every other request.
    #[arg(long, env = "LOCACAR_HASH_THREADS", value_name = "LOCACAR_HASH_THREADS",
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub hash_threads: Option<u32>,

    /// Largest JSON request body accepted, in bytes.
    #[arg(long, env = "LOCACAR_JSON_LIMIT_BYTES", value_name = "LOCACAR_JSON_LIMIT_BYTES", default_value_t = 65536,
          value_parser = clap::value_parser!(u64).range(1024..=16_777_216))]
    pub json_limit_bytes: u64,

    /// Bearer token that `/metrics` requires. Without it, metrics are served only in
    /// development mode.
    #[arg(
        long,
        env = "LOCACAR_METRICS_TOKEN",
        value_name = "LOCACAR_METRICS_TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,

    /// Fill an empty database with the demo agency before serving (public demo passwords!).
    #[arg(long, env = "LOCACAR_DEMO", value_name = "LOCACAR_DEMO", num_args = 0..=1,
          default_value = "false", default_missing_value = "true",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,

    /// Seconds between housekeeping rounds: cars following their blocks by the clock, and
    /// (every fifth round) expired sessions and login attempts purged.
    #[arg(long, env = "LOCACAR_HOUSEKEEPING_SECONDS", value_name = "LOCACAR_HOUSEKEEPING_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub housekeeping_seconds: u64,

    /// Largest car photo accepted, in bytes.
    #[arg(long, env = "LOCACAR_IMAGE_LIMIT_BYTES", value_name = "LOCACAR_IMAGE_LIMIT_BYTES",
          default_value_t = 5 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..=104_857_600))]
    pub image_limit_bytes: u64,

    /// Connections open at once; more wait in the kernel's backlog until one closes.
    #[arg(long, env = "LOCACAR_MAX_CONNECTIONS", value_name = "LOCACAR_MAX_CONNECTIONS",
          default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(16..=1_000_000))]
    pub max_connections: u32,

    /// Seconds a client has to send a request's head; a connection idle or trickling
    /// longer is closed.
    #[arg(long, env = "LOCACAR_HEADER_TIMEOUT_SECONDS", value_name = "LOCACAR_HEADER_TIMEOUT_SECONDS",
          default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_timeout_seconds: u64,

    /// Seconds a request may take from its head to its response, its body included; a
    /// slower one gets 408. A write already handed to the database still completes.
    #[arg(long, env = "LOCACAR_REQUEST_TIMEOUT_SECONDS", value_name = "LOCACAR_REQUEST_TIMEOUT_SECONDS",
          default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_seconds: u64,
}

fn parse_currency(raw: &str) -> Result<String, String> {
    if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(raw.to_owned())
    } else {
        Err(
            "LOCACAR_CURRENCY must be a 3-letter upper-case ISO 4217 code such as MAD or EUR"
                .into(),
        )
    }
}

fn parse_amount(raw: &str) -> Result<Money, String> {
    let amount = Money::parse_decimal(raw)?;
    if amount.cents() < 0 {
        return Err("must not be negative".into());
    }
    Ok(amount)
}

fn parse_timezone(raw: &str) -> Result<chrono_tz::Tz, String> {
    raw.parse()
        .map_err(|_| format!("{raw} is not an IANA time zone name such as Africa/Casablanca"))
}

fn parse_network(raw: &str) -> Result<ipnet::IpNet, String> {
    let raw = raw.trim();
    raw.parse::<ipnet::IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            format!("LOCACAR_TRUSTED_PROXIES entries must be addresses or networks like 10.0.0.0/8, got {raw:?}")
        })
}

fn parse_origin(raw: &str) -> Result<String, String> {
    let origin = raw.trim().trim_end_matches('/');
    let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
        && !origin["https://".len().min(origin.len())..].contains('/');
    if valid && origin.parse::<axum::http::HeaderValue>().is_ok() {
        Ok(origin.to_owned())
    } else {
        Err(format!(
            "LOCACAR_CORS_ORIGINS entries must be origins like https://desk.example.com, got {raw:?}"
        ))
    }
}

impl ServeArgs {
    /// The limits each connection lives under.
    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: self.max_connections as usize,
            header_timeout: Duration::from_secs(self.header_timeout_seconds),
        }
    }

    /// How many password hashes may run at once (`LOCACAR_HASH_THREADS`, else half the cores).
    pub fn hash_threads(&self) -> usize {
        match self.hash_threads {
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
        }
    }

    /// The rental settings the services price and check bookings with.
    pub fn rental_policy(&self) -> RentalPolicy {
        RentalPolicy {
            grace_minutes: self.grace_minutes,
            drivers: DriverPolicy {
                min_age_years: i32::from(self.min_driver_age),
                min_license_years: i32::from(self.min_license_years),
            },
            turnaround_minutes: self.turnaround_minutes,
            fuel_charge_per_eighth: self.fuel_charge_per_eighth,
            tax: TaxPolicy {
                basis: if self.prices_include_tax {
                    PriceBasis::Inclusive
                } else {
                    PriceBasis::Exclusive
                },
                rate_basis_points: self.vat_rate.0,
            },
            fees: FeePolicy {
                free_cancellation_hours: self.free_cancellation_hours,
                cancellation: self.cancellation_fee,
                no_show: self.no_show_fee,
            },
            timezone: self.timezone,
            language: self.language,
        }
    }

    pub fn session_idle(&self) -> Duration {
        Duration::from_secs(u64::from(self.session_idle_minutes) * 60)
    }

    pub fn session_max(&self) -> Duration {
        Duration::from_secs(u64::from(self.session_max_hours) * 3600)
    }

    pub fn login_window(&self) -> Duration {
        Duration::from_secs(u64::from(self.login_window_minutes) * 60)
    }
}
