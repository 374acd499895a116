//! The log's writing thread. Requests append their lines to one shared buffer, and a
//! thread of its own writes the buffer out in one piece once it holds [`BATCH_BYTES`] or
//! its first line has waited [`MAX_WAIT`]. tracing-appender's queue woke its thread and
//! wrote for nearly every line under load: a `write` and a `sched_yield` per request,
//! which the bare server does not pay.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// Bytes that make a batch worth writing at once: about 300 request lines.
const BATCH_BYTES: usize = 64 * 1024;

/// Bytes the buffer holds before a request waits for the writing thread. No line is
/// dropped: a log that cannot keep up slows the requests down instead.
const FULL_BYTES: usize = 256 * 1024;

/// The longest a line waits before it is written, so that a quiet server's log still
/// reads as it happens.
const MAX_WAIT: Duration = Duration::from_millis(100);

/// Where the subscriber writes each formatted line.
#[derive(Clone)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Writes out the last lines and stops the writing thread when dropped: hold it until
/// the program ends. Lines logged after that are dropped.
pub struct BatchGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    /// The writing thread waits on it for lines, then for a batch.
    filled: Condvar,
    /// Requests wait on it while the buffer is full.
    emptied: Condvar,
    limits: Limits,
}

struct State {
    lines: Vec<u8>,
    closed: bool,
}

#[derive(Clone, Copy)]
struct Limits {
    batch: usize,
    full: usize,
    wait: Duration,
}

/// Starts the writing thread for `out`.
pub fn spawn(out: impl Write + Send + 'static) -> io::Result<(BatchWriter, BatchGuard)> {
    let limits = Limits {
        batch: BATCH_BYTES,
        full: FULL_BYTES,
        wait: MAX_WAIT,
    };
    spawn_with(out, limits)
}

fn spawn_with(
    mut out: impl Write + Send + 'static,
    limits: Limits,
) -> io::Result<(BatchWriter, BatchGuard)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            lines: Vec::new(),
            closed: false,
        }),
        filled: Condvar::new(),
        emptied: Condvar::new(),
        limits,
    });
    let thread = std::thread::Builder::new()
        .name("locacar-log".into())
        .spawn({
            let shared = Arc::clone(&shared);
            move || shared.write_batches(&mut out)
        })?;
    let guard = BatchGuard {
        shared: Arc::clone(&shared),
        thread: Some(thread),
    };
    Ok((BatchWriter { shared }, guard))
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing that can panic runs under the lock; were it poisoned all the same, the
        // lines in it would still be worth writing.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn append(&self, line: &[u8]) {
        let state = self.lock();
        let mut state = self
            .emptied
            .wait_while(state, |s| s.lines.len() >= self.limits.full && !s.closed)
            .unwrap_or_else(PoisonError::into_inner);
        if state.closed {
            return;
        }
        let before = state.lines.len();
        state.lines.extend_from_slice(line);
        // Woken twice a batch: for its first line, and when it is big enough.
        if before == 0 || (before < self.limits.batch && state.lines.len() >= self.limits.batch) {
            self.filled.notify_one();
        }
    }

    fn write_batches(&self, out: &mut impl Write) {
        let mut batch = Vec::new();
        loop {
            let closed = self.next_batch(&mut batch);
            // A failed write loses its lines, not the server: there is nowhere left to say so.
            let _ = out.write_all(&batch).and_then(|()| out.flush());
            batch.clear();
            if closed {
                return;
            }
        }
    }

    /// Waits for a first line, then for a batch or the longest wait, and swaps the
    /// buffer's lines into `batch`. True once the guard is dropped.
    fn next_batch(&self, batch: &mut Vec<u8>) -> bool {
        let state = self.lock();
        let state = self
            .filled
            .wait_while(state, |s| s.lines.is_empty() && !s.closed)
            .unwrap_or_else(PoisonError::into_inner);
        let (mut state, _) = self
            .filled
            .wait_timeout_while(state, self.limits.wait, |s| {
                s.lines.len() < self.limits.batch && !s.closed
            })
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut state.lines, batch);
        let closed = state.closed;
        drop(state);
        self.emptied.notify_all();
        closed
    }
}

impl Drop for BatchGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.filled.notify_one();
        self.shared.emptied.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = &'a BatchWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

/// The subscriber writes each line in one call.
impl Write for &BatchWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.shared.append(line);
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// An output the test reads while the writing thread writes to it.
    #[derive(Clone, Default)]
    struct Output(Arc<Mutex<Vec<u8>>>);

    impl Write for Output {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Output {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().expect("output").clone()).expect("UTF-8")
        }
    }

    fn limits(batch: usize, full: usize, wait_ms: u64) -> Limits {
        Limits {
            batch,
            full,
            wait: Duration::from_millis(wait_ms),
        }
    }

    #[test]
    fn every_line_is_written_in_order_even_when_the_buffer_fills() {
        let out = Output::default();
        // A buffer of a few lines, so that writers wait for the thread again and again.
        let (writer, guard) = spawn_with(out.clone(), limits(64, 128, 1000)).expect("spawn");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        (&writer)
                            .write_all(format!("{t} {i}\n").as_bytes())
                            .expect("write");
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("join");
        }
        drop(guard);
        let text = out.text();
        for t in 0..4 {
            let seen: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("{t} "))?.parse().ok())
                .collect();
            assert_eq!(seen, (0..2000).collect::<Vec<_>>(), "thread {t}");
        }
        assert_eq!(text.lines().count(), 8000);
    }

    #[test]
    fn a_lone_line_is_written_after_the_longest_wait() {
        let out = Output::default();
        let (writer, _guard) =
            spawn_with(out.clone(), limits(1 << 20, 1 << 21, 50)).expect("spawn");
        let start = Instant::now();
        (&writer).write_all(b"quiet\n").expect("write");
        while out.text().is_empty() {
            assert!(start.elapsed() < Duration::from_secs(10), "never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            start.elapsed() >= Duration::from_millis(50),
            "written before its wait"
        );
        assert_eq!(out.text(), "quiet\n");
    }

    #[test]
    fn a_full_batch_is_written_without_waiting() {
        let out = Output::default();
        let (writer, _guard) = spawn_with(out.clone(), limits(10, 1 << 20, 60_000)).expect("spawn");
        (&writer).write_all(b"0123456789\n").expect("write");
        let start = Instant::now();
        while out.text().is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waited for the timeout"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn dropping_the_guard_writes_the_last_lines_and_drops_later_ones() {
        let out = Output::default();
        let (writer, guard) =
            spawn_with(out.clone(), limits(1 << 20, 1 << 21, 60_000)).expect("spawn");
        (&writer).write_all(b"last\n").expect("write");
        drop(guard);
        assert_eq!(out.text(), "last\n");
        (&writer).write_all(b"too late\n").expect("write");
        assert_eq!(out.text(), "last\n");
    }
}
