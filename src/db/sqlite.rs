//! SQLite connections through `rusqlite`, run on the caller's thread, and their pool.
//!
//! A statement here takes microseconds, so it runs where the request runs instead of
//! being handed to another thread. Reads never wait for a lock in WAL mode; the only
//! writing connection belongs to the writer, which has a thread of its own.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use sqlx::error::{DatabaseError, ErrorKind};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::query::{ColumnNames, Numbering, Row, Value};

/// How long a connection waits for another process's write lock before SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening waits for the switch to WAL, which answers SQLITE_BUSY at once
/// (without waiting out the busy timeout) while another process creates the file.
const WAL_SWITCH_PATIENCE: Duration = Duration::from_secs(10);
/// Prepared statements kept per connection: every statement of the server fits.
const STATEMENT_CACHE: usize = 512;

/// Opens `path` with the settings every connection needs: WAL and `synchronous=FULL`
/// so that an acknowledged write survives a power cut, foreign keys on, and a wait
/// instead of an error when another process holds the write lock.
pub fn open(path: &Path) -> Result<Connection, sqlx::Error> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(to_sqlx)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(to_sqlx)?;
    switch_to_wal(&conn)?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(to_sqlx)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

fn switch_to_wal(conn: &Connection) -> Result<(), sqlx::Error> {
    let started = Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())) {
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < WAL_SWITCH_PATIENCE =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            result => return result.map_err(to_sqlx),
        }
    }
}

/// A connection, taken from a pool (and given back when dropped) or of its own.
pub struct SqliteConn {
    conn: Option<Connection>,
    names: NamesByStatement,
    home: Option<(Arc<SqlitePool>, OwnedSemaphorePermit)>,
}

/// The column names of the statements a connection has run, by statement text, kept
/// with the connection: asking SQLite for them and joining them took 5 k instructions
/// of the 186 k of one reservation, hashing its 2 kB of text takes a few hundred.
type NamesByStatement = foldhash::HashMap<Box<str>, Arc<ColumnNames>>;

impl SqliteConn {
    pub fn alone(conn: Connection) -> Self {
        SqliteConn {
            conn: Some(conn),
            names: NamesByStatement::default(),
            home: None,
        }
    }

    fn get(&self) -> Result<&Connection, sqlx::Error> {
        self.conn.as_ref().ok_or(sqlx::Error::PoolClosed)
    }

    /// Runs a statement, reading and dropping any rows it yields; the rows it changed.
    pub fn execute(
        &mut self,
        sql: &str,
        args: &[Value],
        numbering: Numbering,
    ) -> Result<u64, sqlx::Error> {
        let conn = self.get()?;
        let mut stmt = prepare(conn, sql, args, numbering)?;
        let mut rows = stmt.raw_query();
        while rows.next().map_err(to_sqlx)?.is_some() {}
        Ok(conn.changes())
    }

    /// Runs a query and reads at most `limit` rows.
    pub fn fetch(
        &mut self,
        sql: &str,
        args: &[Value],
        numbering: Numbering,
        limit: usize,
    ) -> Result<Vec<Row>, sqlx::Error> {
        let conn = self.conn.as_ref().ok_or(sqlx::Error::PoolClosed)?;
        let mut stmt = prepare(conn, sql, args, numbering)?;
        let names = column_names(&mut self.names, sql, &stmt);
        let width = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while out.len() < limit {
            let Some(row) = rows.next().map_err(to_sqlx)? else {
                break;
            };
            // Sized up front: collecting `Result`s gives the vector no size hint, and it
            // grew four times for a car's row.
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(value_of(row.get_ref(i).map_err(to_sqlx)?));
            }
            out.push(Row::new(names.clone(), values));
        }
        Ok(out)
    }

    pub fn execute_batch(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.get()?.execute_batch(sql).map_err(to_sqlx)
    }

    /// Closes the connection instead of giving it back to its pool.
    pub fn discard(mut self) {
        if let Some((pool, _permit)) = self.home.take() {
            pool.size.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for SqliteConn {
    fn drop(&mut self) {
        let (Some(conn), Some((pool, permit))) = (self.conn.take(), self.home.take()) else {
            return;
        };
        // Ends the borrower's read transaction: nothing was written in it.
        let ended = conn.is_autocommit() || run_cached(&conn, "ROLLBACK").is_ok();
        if ended && !pool.permits.is_closed() {
            pool.idle().push((conn, std::mem::take(&mut self.names)));
        } else {
            pool.size.fetch_sub(1, Ordering::Relaxed);
        }
        drop(permit);
    }
}

/// The column names of `stmt`, the statement `sql`, from `kept` or read and kept there.
fn column_names(
    kept: &mut NamesByStatement,
    sql: &str,
    stmt: &rusqlite::Statement<'_>,
) -> Arc<ColumnNames> {
    // The count guards against a statement SQLite prepared again after another
    // process changed the schema.
    if let Some(names) = kept.get(sql).filter(|n| n.len() == stmt.column_count()) {
        return names.clone();
    }
    let names = Arc::new(ColumnNames::new(&stmt.column_names()));
    // Texts built per call (list filters) come in many shapes: bounded like the
    // statements themselves.
    if kept.len() >= STATEMENT_CACHE {
        kept.clear();
    }
    kept.insert(sql.into(), names.clone());
    names
}

fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
    args: &[Value],
    numbering: Numbering,
) -> Result<rusqlite::CachedStatement<'c>, sqlx::Error> {
    // `bench/load/run.sh --explain` reads these lines back to show each query's plan.
    tracing::debug!(target: "locacar::sql", statement = ?sql);
    let mut stmt = conn.prepare_cached(sql).map_err(to_sqlx)?;
    if stmt.parameter_count() != args.len() {
        return Err(sqlx::Error::Protocol(format!(
            "{} arguments for {} parameters in: {sql}",
            args.len(),
            stmt.parameter_count()
        )));
    }
    for (n, arg) in args.iter().enumerate() {
        let index = parameter_index(&stmt, n + 1, numbering, sql)?;
        stmt.raw_bind_parameter(index, sql_value(arg))
            .map_err(to_sqlx)?;
    }
    Ok(stmt)
}

/// The index SQLite gave placeholder `$n`. Formatting its name and looking it up took
/// about 1 k instructions a parameter (a fifth of `locacar seed`'s work, whose inserts
/// bind 272 each), so it is done only where the index may not be `n`.
fn parameter_index(
    stmt: &rusqlite::Statement<'_>,
    n: usize,
    numbering: Numbering,
    sql: &str,
) -> Result<usize, sqlx::Error> {
    let named_n = || stmt.parameter_name(n).is_some_and(|name| names(name, n));
    debug_assert!(
        numbering == Numbering::Any || named_n(),
        "${n} out of order in: {sql}"
    );
    if numbering == Numbering::InOrder || named_n() {
        return Ok(n);
    }
    let name = format!("${n}");
    stmt.parameter_index(&name)
        .map_err(to_sqlx)?
        .ok_or_else(|| sqlx::Error::Protocol(format!("no {name} in: {sql}")))
}

/// Whether `name` is the placeholder `$n` (SQLite tells `$01` from `$1`).
fn names(name: &str, n: usize) -> bool {
    name.strip_prefix('$')
        .is_some_and(|digits| !digits.starts_with('0') && digits.parse() == Ok(n))
}

fn sql_value(value: &Value) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(match value {
        Value::Null(_) => ValueRef::Null,
        Value::Int(v) => ValueRef::Integer(*v),
        Value::Bool(v) => ValueRef::Integer(i64::from(*v)),
        Value::Real(v) => ValueRef::Real(*v),
        Value::Text(v) => ValueRef::Text(v.as_bytes()),
        Value::Blob(v) => ValueRef::Blob(v),
    })
}

fn value_of(value: ValueRef<'_>) -> Value {
    use super::query::Kind;
    match value {
        ValueRef::Null => Value::Null(Kind::Text),
        ValueRef::Integer(v) => Value::Int(v),
        ValueRef::Real(v) => Value::Real(v),
        // Checked first as it is: the lossy conversion walks the text in chunks even
        // when (as always) it is valid.
        ValueRef::Text(v) => Value::Text(match simdutf8::basic::from_utf8(v) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(v).into_owned(),
        }),
        ValueRef::Blob(v) => Value::Blob(v.to_vec()),
    }
}

/// The read connections: opened when first needed, at most `max` at once.
pub struct SqlitePool {
    path: PathBuf,
    idle: Mutex<Vec<(Connection, NamesByStatement)>>,
    permits: Arc<Semaphore>,
    size: AtomicU32,
    acquire_timeout: Duration,
    /// How much of the file a reader reads through a memory map: the pages are read where
    /// the kernel keeps them instead of being copied into the connection's page cache by
    /// a `pread` (a tenth of the server's time for a list page). Only readers: the
    /// writer's pages still go through `write` and `fsync`, so durability is the same.
    mmap_bytes: u64,
}

impl SqlitePool {
    pub fn new(path: PathBuf, max: u32, acquire_timeout: Duration, mmap_bytes: u64) -> Arc<Self> {
        Arc::new(SqlitePool {
            path,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max as usize)),
            size: AtomicU32::new(0),
            acquire_timeout,
            mmap_bytes,
        })
    }

    fn open_reader(&self) -> Result<Connection, sqlx::Error> {
        let conn = open(&self.path)?;
        conn.execute_batch(&format!("PRAGMA mmap_size = {};", self.mmap_bytes))
            .map_err(to_sqlx)?;
        Ok(conn)
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(Connection, NamesByStatement)>> {
        // A panic while holding this lock cannot leave the list half-changed.
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub async fn acquire(self: &Arc<Self>) -> Result<SqliteConn, sqlx::Error> {
        let permit =
            tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)?
                .map_err(|_| sqlx::Error::PoolClosed)?;
        let reused = self.idle().pop();
        let (conn, names) = match reused {
            Some(kept) => kept,
            None => {
                let conn = self.open_reader()?;
                self.size.fetch_add(1, Ordering::Relaxed);
                (conn, NamesByStatement::default())
            }
        };
        // One read transaction for all the borrower's statements, instead of one per
        // statement with its locks on the WAL index; also one snapshot for one answer.
        // It takes its snapshot at the first read and ends when the connection is given
        // back, so a borrower must not keep a read connection across its own write.
        run_cached(&conn, "BEGIN").map_err(to_sqlx)?;
        Ok(SqliteConn {
            conn: Some(conn),
            names,
            home: Some((self.clone(), permit)),
        })
    }

    /// Connections open, and how many of them are idle.
    pub fn usage(&self) -> (u32, usize) {
        (self.size.load(Ordering::Relaxed), self.idle().len())
    }

    /// Refuses new acquisitions and closes the idle connections.
    pub fn close(&self) {
        self.permits.close();
        let closed = std::mem::take(&mut *self.idle());
        self.size.fetch_sub(closed.len() as u32, Ordering::Relaxed);
    }
}

/// A failure reported by SQLite, in the shape sqlx gives database errors, so that one
/// classification serves both engines.
#[derive(Debug)]
pub struct SqliteFailure {
    /// The extended result code.
    code: i32,
    message: String,
}

impl SqliteFailure {
    /// The primary result code (SQLITE_BUSY is 5, whatever its extended form).
    pub fn primary_code(&self) -> i32 {
        self.code & 0xff
    }
}

/// Turns a rusqlite error into the error every query returns.
pub fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(failure, message) => {
            sqlx::Error::Database(Box::new(SqliteFailure {
                code: failure.extended_code,
                message: message.unwrap_or_else(|| failure.to_string()),
            }))
        }
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

impl fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl StdError for SqliteFailure {}

impl DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        use rusqlite::ffi;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(sql: &str, numbering: Numbering) -> (i64, i64) {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        let args = [Value::Int(1), Value::Int(2)];
        let mut stmt = prepare(&conn, sql, &args, numbering).expect("prepared");
        let mut rows = stmt.raw_query();
        let row = rows.next().expect("stepped").expect("a row");
        (row.get(0).expect("int"), row.get(1).expect("int"))
    }

    #[test]
    fn placeholders_bind_by_number_in_either_order() {
        assert_eq!(select("SELECT $1, $2", Numbering::InOrder), (1, 2));
        assert_eq!(select("SELECT $1, $2", Numbering::Any), (1, 2));
        assert_eq!(select("SELECT $2, $1", Numbering::Any), (2, 1));
        assert_eq!(
            select("SELECT $2 + 0, $1 + $2 - $2", Numbering::Any),
            (2, 1)
        );
    }

    #[test]
    fn a_placeholder_name_is_read_exactly() {
        assert!(names("$1", 1) && names("$12", 12));
        assert!(!names("$01", 1) && !names("$2", 1) && !names("?1", 1) && !names("$", 1));
    }
}
