//! Persistence: one `Database` for both engines, and one module per resource.
//!
//! Every query is written once, in SQL both SQLite and PostgreSQL understand (`$1`
//! placeholders, integers for instants and flags). What truly differs between the
//! engines lives in [`engine`]: connection set-up, how a write transaction starts,
//! how errors are classified and the migrations.

pub mod audit;
pub mod blocks;
pub mod branches;
pub mod car_images;
pub mod cars;
pub mod clients;
pub mod dashboard;
pub mod deposits;
mod engine;
pub mod exports;
pub mod extras;
pub mod imports;
pub mod inspections;
pub mod invoices;
pub mod login_attempts;
pub mod login_devices;
pub mod query;
pub mod reports;
pub mod reservations;
pub mod session_cache;
pub mod sessions;
mod sql;
mod sqlite;
pub mod stats;
pub mod users;
mod writer;

use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

pub use engine::{
    foreign_key_violation, is_connection_error, overlap_violation, unique_violation, Engine,
};
pub use query::{execute_batch, Conn};
pub use sql::Sql;

use crate::error::AppResult;

/// A connection of its own to a migrated database, outside the pool and the writer: for
/// the commands that write a whole data set in one transaction (import, seed).
pub async fn connect_alone(url: &str) -> anyhow::Result<(Engine, Conn)> {
    let (engine, url) = prepare(url).await?;
    let conn = engine.connect(&url).await?;
    Ok((engine, conn))
}

/// The engine of `url` and its normalised form, once the migrations are applied.
async fn prepare(url: &str) -> anyhow::Result<(Engine, String)> {
    sqlx::any::install_default_drivers();
    let engine = Engine::from_url(url)?;
    let url = engine.normalise_url(url);
    engine.prepare(&url).await?;
    Ok((engine, url))
}

/// Storage settings, taken from the configuration.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub url: String,
    /// Connections in the pool (PostgreSQL: all queries; SQLite: readers); `None`: the
    /// engine's default.
    pub pool_size: Option<u32>,
    /// SQLite: most write transactions committed together (1: each alone).
    pub group_commit_max: usize,
    /// SQLite: bytes of the file each reader maps into memory (0: none).
    pub sqlite_mmap_bytes: u64,
    /// Start even when the database could lose acknowledged writes (said in the log).
    pub allow_weak_durability: bool,
    /// How long a request waits for a connection before it gets a 503.
    pub acquire_timeout: Duration,
}

/// A handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Database {
    engine: Engine,
    readers: Readers,
    writer: writer::Writer,
    sessions: Arc<session_cache::SessionCache>,
}

/// Where read connections come from.
#[derive(Clone)]
enum Readers {
    Sqlite(Arc<sqlite::SqlitePool>),
    Postgres(AnyPool),
}

impl Database {
    /// Connects, applies the embedded migrations, and starts the writer.
    pub async fn connect(settings: &DbSettings) -> anyhow::Result<Self> {
        let (engine, url) = prepare(&settings.url).await?;
        let size = settings.pool_size.unwrap_or(engine.default_pool_size());
        let (readers, writer) = match engine {
            Engine::Sqlite => {
                let path = engine::sqlite_file(&url)?;
                let pool = sqlite::SqlitePool::new(
                    path.clone(),
                    size,
                    settings.acquire_timeout,
                    settings.sqlite_mmap_bytes,
                );
                let writer = writer::Writer::sqlite(&path, settings.group_commit_max)
                    .context("starting the writer")?;
                (Readers::Sqlite(pool), writer)
            }
            Engine::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(size)
                    .min_connections(0)
                    .acquire_timeout(settings.acquire_timeout)
                    .connect_lazy(&url)?;
                (
                    Readers::Postgres(pool.clone()),
                    writer::Writer::Postgres(pool),
                )
            }
        };
        let db = Database {
            engine,
            readers,
            writer,
            sessions: Arc::default(),
        };
        db.check_durability(settings.allow_weak_durability)
            .await
            .context("checking durability settings")?;
        Ok(db)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The sessions this server has checked (see [`session_cache`]).
    pub fn session_cache(&self) -> &session_cache::SessionCache {
        &self.sessions
    }

    /// A connection for reading. Never used to write: writes go through [`write`](Self::write).
    pub async fn read(&self) -> AppResult<Conn> {
        let conn = match &self.readers {
            Readers::Sqlite(pool) => Conn::Sqlite(pool.acquire().await?),
            Readers::Postgres(pool) => Conn::Postgres(query::PgConn::Pooled(pool.acquire().await?)),
        };
        Ok(conn)
    }

    /// Runs `work` as one write transaction that behaves as if it ran alone:
    /// on SQLite by the single writer (`BEGIN IMMEDIATE`), on PostgreSQL at
    /// `SERIALIZABLE` isolation, retried on a serialisation failure (hence `Fn`).
    /// An `Err` from `work` rolls everything back. The transaction runs to its end
    /// even if the caller goes away, so it is never cut in the middle.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, AppResult<T>> + Send + Sync + 'static,
    {
        self.writer.run(Vec::new(), work).await
    }

    /// [`write`](Self::write) with an input that is handed, cloned, to each attempt:
    /// `db.write_with((car, actor), |conn, (car, actor)| Box::pin(async move { … }))`.
    pub async fn write_with<I, T, F>(&self, input: I, work: F) -> AppResult<T>
    where
        I: Clone + Send + Sync + 'static,
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Conn, I) -> BoxFuture<'c, AppResult<T>> + Send + Sync + 'static,
    {
        self.write_queued(Vec::new(), input, work).await
    }

    /// [`write_with`](Self::write_with) for a write that contends with others on the same
    /// things, e.g. bookings of one car: writes naming a common key in `queue` take turns,
    /// on every server, instead of colliding and being retried (PostgreSQL; SQLite's
    /// single writer takes every write in turn anyway).
    pub async fn write_queued<I, T, F>(&self, queue: Vec<String>, input: I, work: F) -> AppResult<T>
    where
        I: Clone + Send + Sync + 'static,
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Conn, I) -> BoxFuture<'c, AppResult<T>> + Send + Sync + 'static,
    {
        self.writer
            .run(queue, move |conn| work(conn, input.clone()))
            .await
    }

    /// Whether the database answers a trivial query within `timeout`.
    pub async fn is_ready(&self, timeout: Duration) -> bool {
        let probe = async {
            let mut conn = self.read().await?;
            query::query("SELECT 1").execute(&mut conn).await?;
            AppResult::Ok(())
        };
        matches!(tokio::time::timeout(timeout, probe).await, Ok(Ok(_))) && self.writer.is_alive()
    }

    /// Logs the settings that make an acknowledged write durable, and refuses to go on
    /// under weaker ones unless the settings explicitly allow it.
    async fn check_durability(&self, allow_weak: bool) -> anyhow::Result<()> {
        let mut conn = self.read().await?;
        let report = self.engine.durability_report(&mut conn).await?;
        tracing::info!(engine = self.engine.name(), %report, "database durability settings");
        let weak = report.weaknesses();
        if weak.is_empty() {
            return Ok(());
        }
        let list = weak.join(", ");
        if allow_weak {
            tracing::warn!(settings = %list, "acknowledged writes may be lost in a power cut (LOCACAR_ALLOW_WEAK_DURABILITY)");
            return Ok(());
        }
        anyhow::bail!(
            "the database is set up so that acknowledged writes could be lost: {list}; fix it, \
             or set LOCACAR_ALLOW_WEAK_DURABILITY=1 to accept that risk"
        )
    }

    /// Connections open in the pool, and how many of them are idle.
    pub fn pool_usage(&self) -> (u32, usize) {
        match &self.readers {
            Readers::Sqlite(pool) => pool.usage(),
            Readers::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }

    /// Finishes queued writes and closes every connection.
    pub async fn close(&self) {
        self.writer.close().await;
        match &self.readers {
            Readers::Sqlite(pool) => pool.close(),
            Readers::Postgres(pool) => pool.close().await,
        }
    }
}
