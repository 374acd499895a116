//! Running write transactions.
//!
//! SQLite: one writer task owns the only connection that writes. Requests hand it
//! jobs. It takes the jobs waiting in its queue (up to a batch size), runs each inside
//! its own savepoint of one transaction — a job that fails rolls back its savepoint
//! only, as if it had run alone — commits the batch with one fsync (group commit), and
//! only then answers each request: nothing is acknowledged before it is durable. Under
//! no load a batch is one job, so latency does not wait for company.
//!
//! PostgreSQL: any pooled connection writes, at `SERIALIZABLE`, retried on a
//! serialisation failure.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::engine::{is_connection_error, is_retryable, Engine};
use super::query::{query, Conn, Done, PgConn};
use super::sqlite::{self, SqliteConn};
use crate::error::{AppError, AppResult};

/// How many times a PostgreSQL transaction is retried after a serialisation failure.
const MAX_RETRIES: u32 = 20;
/// How many jobs may wait for the SQLite writer before callers wait to enqueue.
const QUEUE_DEPTH: usize = 1024;

/// Called once the fate of the transaction is known, with the commit's outcome.
type Deliver = Box<dyn FnOnce(AppResult<()>) + Send>;

/// A write job with its result type erased, so one queue carries every kind of write.
type Job = Box<dyn for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, (bool, Deliver)> + Send>;

#[derive(Clone)]
pub enum Writer {
    Sqlite(Arc<SqliteWriter>),
    Postgres(AnyPool),
}

pub struct SqliteWriter {
    queue: Mutex<Option<mpsc::Sender<Job>>>,
    /// Answered when the writer's thread has finished its last batch.
    finished: Mutex<Option<oneshot::Receiver<()>>>,
    alive: Arc<AtomicBool>,
}

impl Writer {
    /// Starts the SQLite writer on a thread of its own: its statements, and the fsync of
    /// each commit, block that thread and never a thread that serves requests.
    pub fn sqlite(path: &Path, batch_max: usize) -> anyhow::Result<Self> {
        let conn = sqlite::open(path)?;
        // Each write of a batch runs in its own savepoint, whose journal (the pages it
        // changed, to undo it alone) went to a temporary file once past 64 KiB: a third
        // of the writer's `pwrite` calls. The writer runs short transactions only, so its
        // temporary structures stay small in memory.
        conn.execute_batch("PRAGMA temp_store = MEMORY")?;
        let conn = Conn::Sqlite(SqliteConn::alone(conn));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let (done, finished) = oneshot::channel();
        let alive = Arc::new(AtomicBool::new(true));
        let running = alive.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                runtime.block_on(sqlite_writer_loop(conn, rx, running, batch_max.max(1)));
                let _ = done.send(());
            })?;
        Ok(Writer::Sqlite(Arc::new(SqliteWriter {
            queue: Mutex::new(Some(tx)),
            finished: Mutex::new(Some(finished)),
            alive,
        })))
    }

    /// Runs `work` as one transaction. `queue` names what the write contends on (e.g. the
    /// car a booking holds): writes naming the same key run one after the other.
    pub async fn run<T, F>(&self, queue: Vec<String>, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, AppResult<T>> + Send + Sync + 'static,
    {
        match self {
            // The single writer runs every write one after the other already.
            Writer::Sqlite(w) => w.run(work).await,
            Writer::Postgres(pool) => {
                let pool = pool.clone();
                // Spawned so that a caller that goes away cannot cut the transaction short.
                tokio::spawn(run_postgres(pool, queue, work))
                    .await
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("write task failed: {e}")))?
            }
        }
    }

    pub fn is_alive(&self) -> bool {
        match self {
            Writer::Sqlite(w) => w.alive.load(Ordering::Relaxed),
            Writer::Postgres(_) => true,
        }
    }

    /// Lets queued jobs finish, then stops the writer.
    pub async fn close(&self) {
        if let Writer::Sqlite(w) = self {
            w.queue.lock().await.take();
            if let Some(finished) = w.finished.lock().await.take() {
                let _ = finished.await;
            }
        }
    }
}

impl SqliteWriter {
    async fn run<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, AppResult<T>> + Send + Sync + 'static,
    {
        let (tx, rx) = oneshot::channel::<AppResult<T>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let outcome = AssertUnwindSafe(work(conn)).catch_unwind().await;
                let result = outcome.unwrap_or_else(|_| {
                    Err(AppError::Internal(anyhow::anyhow!("a write job panicked")))
                });
                match result {
                    Ok(value) => {
                        let deliver: Deliver = Box::new(move |commit: AppResult<()>| {
                            let _ = tx.send(commit.map(|()| value));
                        });
                        (true, deliver)
                    }
                    Err(e) => {
                        let deliver: Deliver = Box::new(move |_| {
                            let _ = tx.send(Err(e));
                        });
                        (false, deliver)
                    }
                }
            })
        });
        let sender = self.queue.lock().await.clone();
        let Some(sender) = sender else {
            return Err(AppError::Unavailable("the server is shutting down".into()));
        };
        if sender.send(job).await.is_err() {
            return Err(AppError::Unavailable(
                "the database writer has stopped".into(),
            ));
        }
        rx.await.unwrap_or_else(|_| {
            Err(AppError::Unavailable(
                "the write transaction could not be run".into(),
            ))
        })
    }
}

async fn sqlite_writer_loop(
    mut conn: Conn,
    mut jobs: mpsc::Receiver<Job>,
    alive: Arc<AtomicBool>,
    batch_max: usize,
) {
    let mut batch = Vec::with_capacity(batch_max);
    while jobs.recv_many(&mut batch, batch_max).await > 0 {
        run_batch(&mut conn, batch.drain(..)).await;
    }
    alive.store(false, Ordering::Relaxed);
    conn.close().await;
}

/// Runs `batch` in one transaction, each job in its own savepoint, commits once, and
/// answers every job with the commit's outcome (a job that failed has its own answer).
async fn run_batch(conn: &mut Conn, batch: impl Iterator<Item = Job>) {
    if let Err(e) = execute(conn, Engine::Sqlite.begin_write()).await {
        // Dropping the jobs answers their callers with a 503.
        tracing::warn!(error = %e, "could not begin a write transaction");
        let _ = execute(conn, "ROLLBACK").await;
        return;
    }
    let mut delivers = Vec::new();
    let mut intact = true;
    let mut size = 0u32;
    for job in batch {
        if !intact {
            // The transaction is gone (see below): the rest cannot run in it.
            drop(job);
            continue;
        }
        if let Err(e) = execute(conn, "SAVEPOINT job").await {
            tracing::warn!(error = %e, "could not open a savepoint");
            intact = false;
            continue;
        }
        size += 1;
        let (ok, deliver) = job(conn).await;
        let undone = if ok {
            Ok(())
        } else {
            execute(conn, "ROLLBACK TO SAVEPOINT job").await.map(|_| ())
        };
        let closed = undone.and(execute(conn, "RELEASE SAVEPOINT job").await.map(|_| ()));
        if let Err(e) = closed {
            // Some failures (a full disk, an I/O error) end the whole transaction in
            // SQLite: nothing of the batch can be committed any more.
            tracing::warn!(error = %e, "could not close a savepoint");
            intact = false;
        }
        delivers.push((ok, deliver));
    }
    let commit = if intact {
        execute(conn, "COMMIT")
            .await
            .map(|_| ())
            .map_err(AppError::from)
    } else {
        Err(AppError::Unavailable(
            "the write transaction was interrupted".into(),
        ))
    };
    if commit.is_err() {
        // Leave no transaction open behind a failed commit.
        let _ = execute(conn, "ROLLBACK").await;
    }
    metrics::histogram!("locacar_write_batch_size").record(f64::from(size));
    for (ok, deliver) in delivers {
        // A failed job's own error stands; a successful one learns whether it is durable.
        deliver(match (&commit, ok) {
            (Err(e), true) => Err(AppError::Unavailable(e.to_string())),
            _ => Ok(()),
        });
    }
}

async fn run_postgres<T, F>(pool: AnyPool, queue: Vec<String>, work: F) -> AppResult<T>
where
    F: for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, AppResult<T>> + Send + Sync + 'static,
{
    let mut attempt = 0;
    loop {
        let mut conn = Conn::Postgres(PgConn::Pooled(pool.acquire().await?));
        let (result, left) = match wait_for_turn(&mut conn, &queue).await {
            Ok(()) => attempt_postgres(&mut conn, &work).await,
            Err(e) => (Err(e), Transaction::Unknown),
        };
        let rolled_back = match left {
            Transaction::Ended => true,
            Transaction::Open => execute(&mut conn, "ROLLBACK").await.is_ok(),
            Transaction::Unknown => false,
        };
        let released = queue.is_empty()
            || execute(&mut conn, "SELECT pg_advisory_unlock_all()")
                .await
                .is_ok();
        if !(rolled_back && released) {
            // A connection in an unknown state, or still holding a turn, must not go
            // back to the pool: closing it ends both.
            conn.close().await;
        }
        match result {
            Ok(value) => return Ok(value),
            Err(e) => {
                let retry = matches!(&e, AppError::Database(db) if is_retryable(db));
                if !retry {
                    return Err(e);
                }
                if attempt < MAX_RETRIES {
                    attempt += 1;
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                // Nothing is wrong with the request: the caller may send it again.
                return Err(AppError::Unavailable(format!(
                    "still colliding with other writes after {MAX_RETRIES} retries: {e}"
                )));
            }
        }
    }
}

/// Waits until no other write naming one of `queue` is running, on any server: one
/// session advisory lock per key, taken in order (no deadlock) before the transaction
/// starts, so that its snapshot already sees the write it waited for. Without the wait,
/// concurrent bookings of one car would all read the car free, and all but one fail
/// at commit and be retried, again and again under a rush.
async fn wait_for_turn(conn: &mut Conn, queue: &[String]) -> AppResult<()> {
    let mut keys: Vec<&String> = queue.iter().collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// What a try left on its connection.
enum Transaction {
    /// Committed, or ended by PostgreSQL itself: a refused COMMIT rolls back, and a
    /// ROLLBACK after it would only draw a "no transaction in progress" warning.
    Ended,
    /// Still open after `work` failed: to be rolled back.
    Open,
    /// The connection failed: its state is unknown, so it must not be reused.
    Unknown,
}

/// One try at the transaction: `work`, then COMMIT.
async fn attempt_postgres<T, F>(conn: &mut Conn, work: &F) -> (AppResult<T>, Transaction)
where
    F: for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, AppResult<T>> + Send + Sync + 'static,
{
    if let Err(e) = execute(conn, Engine::Postgres.begin_write()).await {
        return (Err(e.into()), Transaction::Unknown);
    }
    let value = match work(conn).await {
        Ok(value) => value,
        Err(e) => return (Err(e), Transaction::Open),
    };
    match execute(conn, "COMMIT").await {
        Ok(_) => (Ok(value), Transaction::Ended),
        Err(e) if is_connection_error(&e) => (Err(e.into()), Transaction::Unknown),
        Err(e) => (Err(e.into()), Transaction::Ended),
    }
}

/// A short randomised pause, growing with the attempt, so that retrying
/// transactions do not collide again in lock step.
fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let ceiling = 2u64.saturating_pow(attempt.min(7));
    Duration::from_millis(rand::thread_rng().gen_range(1..=ceiling))
}

async fn execute(conn: &mut Conn, sql: &str) -> Result<Done, sqlx::Error> {
    query(sql).execute(conn).await
}
