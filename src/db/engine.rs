//! Everything that differs between SQLite and PostgreSQL, in one place.

use anyhow::Context;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, Connection, Executor};

use super::query::{self, Conn, PgConn, Value};
use super::sqlite::{self, SqliteConn, SqliteFailure};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The database engine behind a `DATABASE_URL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            anyhow::bail!(
                "DATABASE_URL must start with sqlite: (e.g. sqlite://locacar.db) or postgres:// (e.g. postgres://user@host/db)"
            )
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }

    /// SQLite files are created on first start.
    pub fn normalise_url(self, url: &str) -> String {
        match self {
            Engine::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        }
    }

    /// Per-connection settings. SQLite: WAL and `synchronous=FULL` so that an acknowledged
    /// write survives a power cut, foreign keys on, and a wait instead of an error when
    /// another process holds the write lock.
    pub async fn configure(self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        if self == Engine::Sqlite {
            conn.execute(sqlx::raw_sql("PRAGMA busy_timeout = 10000"))
                .await?;
            switch_to_wal(conn).await?;
            conn.execute(sqlx::raw_sql(
                "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            ))
            .await?;
        }
        Ok(())
    }

    /// Opens a connection of its own, outside the pools.
    pub async fn connect(self, url: &str) -> anyhow::Result<Conn> {
        Ok(match self {
            Engine::Sqlite => Conn::Sqlite(SqliteConn::alone(sqlite::open(&sqlite_file(url)?)?)),
            Engine::Postgres => Conn::Postgres(PgConn::Alone(self.connect_one(url).await?)),
        })
    }

    /// Opens a configured sqlx connection, for the migrations.
    async fn connect_one(self, url: &str) -> anyhow::Result<AnyConnection> {
        let mut conn = AnyConnection::connect(url).await?;
        self.configure(&mut conn).await?;
        Ok(conn)
    }

    /// Creates the SQLite file's folder if needed and applies the migrations.
    pub async fn prepare(self, url: &str) -> anyhow::Result<()> {
        if self == Engine::Sqlite {
            if let Some(dir) = sqlite_path(url).and_then(|p| p.parent().map(Path::to_path_buf)) {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(&dir)?;
                }
            }
        }
        self.migrate(url).await
    }

    async fn migrate(self, url: &str) -> anyhow::Result<()> {
        let migrator = match self {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        // PostgreSQL serialises concurrent migrators with an advisory lock. SQLite has none:
        // a process that lost the race finds the migration applied when it tries again.
        let mut attempt = 0;
        loop {
            let mut conn = self
                .connect_one(url)
                .await
                .context("opening the migration connection")?;
            let result = migrator.run(&mut conn).await;
            let _ = conn.close().await;
            match result {
                Ok(()) => return Ok(()),
                Err(e) if self == Engine::Sqlite && attempt < 5 => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "migration raced another process; retrying");
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => return Err(anyhow::anyhow!("applying migrations failed: {e}")),
            }
        }
    }

    /// Pooled connections when the settings name none. SQLite reads run on the machine's
    /// cores, each connection with a thread and a page cache of its own: more readers
    /// than cores only add switching and memory. PostgreSQL connections wait on the
    /// network, so more of them pay.
    pub fn default_pool_size(self) -> u32 {
        match self {
            Engine::Sqlite => std::thread::available_parallelism()
                .map_or(4, |n| 2 * n.get() as u32)
                .max(4),
            Engine::Postgres => 16,
        }
    }

    /// Settings for one connection that writes millions of rows (`locacar seed`): SQLite
    /// keeps up to 256 MiB of the file in its page cache (2 MiB by default), so that a
    /// dozen indexes grow without reading their pages back at every row, and keeps its
    /// statement journals in memory. Each multi-row `INSERT` inside the one long
    /// transaction journals the pages it changes, so that a failing statement undoes only
    /// itself; past 64 KiB that journal went to a temporary file, 5.5 million `pwrite`
    /// calls for 200,000 rentals, and the chain's seed spent 78 of its 214 s in the kernel.
    pub fn bulk_load_settings(self) -> Option<&'static str> {
        match self {
            Engine::Sqlite => Some("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;"),
            Engine::Postgres => None,
        }
    }

    /// The column that finds a row of a table fastest: on SQLite the rowid, which every
    /// index holds and which is one search away from the row, where `id` is a second
    /// index to search first; on PostgreSQL the primary key `id`.
    pub fn row_key(self) -> &'static str {
        match self {
            Engine::Sqlite => "rowid",
            Engine::Postgres => "id",
        }
    }

    /// A scalar subquery: the rows of `from` as a JSON array of arrays of `values`, `[]`
    /// when there is none, in no particular order. It reads a row's related rows
    /// (payments, drivers, …) in the statement that reads the row: one statement instead
    /// of one per kind, and on PostgreSQL one round trip. The caller sorts them: SQLite
    /// sorts an aggregate's `ORDER BY` in a temporary b-tree of its own for every row,
    /// even when an index gives that order, which cost more than the statements saved.
    pub fn json_rows(self, values: &str, from: &str) -> String {
        match self {
            Engine::Sqlite => {
                format!("(SELECT json_group_array(json_array({values})) FROM {from})")
            }
            Engine::Postgres => format!(
                "(SELECT COALESCE(json_agg(json_build_array({values}))::text, '[]') FROM {from})"
            ),
        }
    }

    /// The statement that opens a write transaction.
    pub fn begin_write(self) -> &'static str {
        match self {
            // Take the write lock up front: the transaction can never fail halfway
            // because another writer got there first.
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        }
    }

    /// Reads back the durability settings in force.
    pub async fn durability_report(self, conn: &mut Conn) -> anyhow::Result<Durability> {
        let settings: &[(&str, &str)] = match self {
            Engine::Sqlite => &[
                ("journal_mode", "PRAGMA journal_mode"),
                ("synchronous", "PRAGMA synchronous"),
                ("foreign_keys", "PRAGMA foreign_keys"),
            ],
            Engine::Postgres => &[
                ("fsync", "SHOW fsync"),
                ("synchronous_commit", "SHOW synchronous_commit"),
                ("full_page_writes", "SHOW full_page_writes"),
            ],
        };
        let mut values = Vec::new();
        for (name, query) in settings {
            let value = match query::query(query).fetch_one(conn).await?.take_at(0)? {
                Value::Text(text) => text,
                Value::Int(n) => n.to_string(),
                other => anyhow::bail!("unexpected {name}: {other:?}"),
            };
            values.push((*name, value));
        }
        Ok(Durability(values))
    }
}

/// Durability-related settings as read from the database.
pub struct Durability(Vec<(&'static str, String)>);

impl Durability {
    /// The settings under which an acknowledged write could be lost in a power cut (or,
    /// for SQLite's journal, by a crash), each with what it should be.
    pub fn weaknesses(&self) -> Vec<String> {
        let wanted = |name: &str, value: &str| -> Option<&'static str> {
            match (name, value) {
                ("journal_mode", v) if !v.eq_ignore_ascii_case("wal") => Some("wal"),
                // 2 is FULL, 3 EXTRA; 0 OFF and 1 NORMAL lose the last commits in a power cut.
                ("synchronous", v) if !matches!(v, "2" | "3") => Some("2 (FULL)"),
                ("fsync" | "full_page_writes", v) if v != "on" => Some("on"),
                ("synchronous_commit", "off") => Some("on"),
                _ => None,
            }
        };
        self.0
            .iter()
            .filter_map(|(name, value)| {
                wanted(name, value).map(|should| format!("{name}={value} (should be {should})"))
            })
            .collect()
    }
}

impl fmt::Display for Durability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&parts.join(" "))
    }
}

/// How long a connection keeps asking for WAL while other processes hold the file.
const WAL_SWITCH_PATIENCE: Duration = Duration::from_secs(10);

/// Sets WAL. SQLite answers "database is locked" at once, without waiting out
/// `busy_timeout`, when processes opening a new file switch its journal together, so the
/// switch is asked again until the others are done.
async fn switch_to_wal(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let started = std::time::Instant::now();
    loop {
        match conn
            .execute(sqlx::raw_sql("PRAGMA journal_mode = WAL"))
            .await
        {
            Err(e) if is_busy(&e) && started.elapsed() < WAL_SWITCH_PATIENCE => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            result => return result.map(drop),
        }
    }
}

/// SQLite's SQLITE_BUSY, in any extended form.
fn is_busy(e: &sqlx::Error) -> bool {
    sqlite_primary_code(e) == Some(5)
}

/// The primary result code of a SQLite error (the low byte of an extended code).
fn sqlite_primary_code(e: &sqlx::Error) -> Option<i32> {
    let sqlx::Error::Database(db) = e else {
        return None;
    };
    if let Some(failure) = db.try_downcast_ref::<SqliteFailure>() {
        return Some(failure.primary_code());
    }
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>()?;
    db.code()?.parse::<i32>().ok().map(|c| c & 0xff)
}

/// The file of a SQLite URL (an in-memory database cannot be shared by connections).
pub fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    sqlite_path(url)
        .map(Path::to_path_buf)
        .with_context(|| format!("{url} names no SQLite file"))
}

fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| Path::new(path))
}

/// Whether the error means the database cannot be reached (a 503), not that the query failed.
pub fn is_connection_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if let Some(primary) = sqlite_primary_code(e) {
                // SQLITE_BUSY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, in any extended form.
                matches!(primary, 5 | 10 | 13 | 14)
            } else {
                // PostgreSQL: connection exceptions, shutdown, disk full, too many connections.
                code.starts_with("08")
                    || matches!(&*code, "57P01" | "57P02" | "57P03" | "53100" | "53300")
            }
        }
        _ => false,
    }
}

/// Whether a PostgreSQL transaction failed only because of a concurrent one and may be retried.
pub fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40001" | "40P01")),
        _ => false,
    }
}

/// The name of the unique index or constraint a write violated, if that is what failed.
/// PostgreSQL names the constraint; SQLite names the columns (`table.column, …`).
pub fn unique_violation(e: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = e else {
        return None;
    };
    if db.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    Some(match db.constraint() {
        Some(name) => name.to_owned(),
        None => db
            .message()
            .trim_start_matches("UNIQUE constraint failed: ")
            .to_owned(),
    })
}

/// Whether a write broke the rule that two holds of a car (blocking reservations, blocks)
/// never overlap: PostgreSQL's exclusion constraint, or SQLite's trigger standing in for it.
pub fn overlap_violation(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    db.code().as_deref() == Some("23P01")
        || db.constraint() == Some("car_holds_no_overlap")
        || db.message().contains("car_holds_no_overlap")
}

/// Whether a write was refused because other rows still refer to the row (or it refers
/// to a missing one).
pub fn foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

#[cfg(test)]
mod tests {
    use super::Durability;

    #[test]
    fn weak_settings_are_named_and_strong_ones_pass() {
        let strong = Durability(vec![
            ("journal_mode", "wal".into()),
            ("synchronous", "2".into()),
        ]);
        assert!(strong.weaknesses().is_empty());
        let weak = Durability(vec![
            ("journal_mode", "delete".into()),
            ("synchronous", "1".into()),
            ("fsync", "off".into()),
            ("synchronous_commit", "off".into()),
            ("full_page_writes", "on".into()),
        ]);
        let found = weak.weaknesses();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[1].starts_with("synchronous=1"));
        let local = Durability(vec![("synchronous_commit", "local".into())]);
        assert!(
            local.weaknesses().is_empty(),
            "local still waits for the local fsync"
        );
    }
}
