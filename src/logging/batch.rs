//! The log's writing thread. Requests queue their lines; a thread of its own wakes a few
//! times a second, or when the queue is full, and writes every queued line in buffers of
//! [`BATCH_BYTES`]. tracing-appender's writer slept until the next line came, so under
//! load a request woke it for nearly every line and it wrote that line alone: a `write`
//! and a `sched_yield` per request, which the bare server does not pay.

use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// Lines the queue holds before a request waits for the writing thread: at the busiest
/// load measured, a request line every 33 µs, it fills in a quarter of a second. The
/// queue sets its slots aside up front, 32 bytes each; tracing-appender's default of
/// 128,000 lines took 4 MiB, a third of the server's own memory at rest.
const QUEUE_LINES: usize = 8192;

/// Bytes written in one system call at most: about 300 request lines.
const BATCH_BYTES: usize = 64 * 1024;

/// How long the writing thread sleeps between two batches: the most a line waits
/// before it is written while the queue has room.
const MAX_WAIT: Duration = Duration::from_millis(100);

/// How long a request waits before it asks a full queue again.
const FULL_QUEUE_RETRY: Duration = Duration::from_millis(1);

/// Where the subscriber writes each formatted line.
pub struct BatchWriter {
    lines: SyncSender<Vec<u8>>,
    writing: Thread,
}

/// Writes out the last lines and stops the writing thread when dropped: hold it until
/// the program ends. Lines logged after that are dropped.
pub struct BatchGuard {
    closed: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writing thread for `out`.
pub fn spawn(out: impl Write + Send + 'static) -> io::Result<(BatchWriter, BatchGuard)> {
    spawn_with(out, QUEUE_LINES, MAX_WAIT)
}

fn spawn_with(
    out: impl Write + Send + 'static,
    queue_lines: usize,
    wait: Duration,
) -> io::Result<(BatchWriter, BatchGuard)> {
    let (lines, queued) = mpsc::sync_channel(queue_lines);
    let closed = Arc::new(AtomicBool::new(false));
    let thread = std::thread::Builder::new()
        .name("locacar-log".into())
        .spawn({
            let closed = Arc::clone(&closed);
            move || write_batches(&queued, &closed, out, wait)
        })?;
    let writing = thread.thread().clone();
    let guard = BatchGuard {
        closed,
        thread: Some(thread),
    };
    Ok((BatchWriter { lines, writing }, guard))
}

fn write_batches(queued: &Receiver<Vec<u8>>, closed: &AtomicBool, out: impl Write, wait: Duration) {
    let mut out = BufWriter::with_capacity(BATCH_BYTES, out);
    loop {
        // Read before draining, so that every line queued before the close is written.
        let closing = closed.load(Ordering::Acquire);
        // A failed write loses its lines, not the server: there is nowhere left to say so.
        while let Ok(line) = queued.try_recv() {
            let _ = out.write_all(&line);
        }
        let _ = out.flush();
        if closing {
            return;
        }
        std::thread::park_timeout(wait);
    }
}

impl BatchWriter {
    /// Only a full queue wakes the writing thread, and the request waits for room,
    /// asking again every millisecond: a request blocked in `send` could wait out the
    /// thread's whole sleep, if other requests filled the queue again after it woke the
    /// thread. A closed queue drops the line.
    fn queue(&self, mut line: Vec<u8>) {
        while let Err(TrySendError::Full(back)) = self.lines.try_send(line) {
            line = back;
            self.writing.unpark();
            std::thread::sleep(FULL_QUEUE_RETRY);
        }
    }
}

impl Drop for BatchGuard {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
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
        self.queue(line.to_vec());
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
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

    #[test]
    fn every_line_is_written_in_order_when_the_queue_fills() {
        let out = Output::default();
        // A queue of a few lines and a thread that sleeps for a minute: only the
        // writers' wake-ups when it is full keep the lines moving.
        let (writer, guard) = spawn_with(out.clone(), 16, Duration::from_secs(60)).expect("spawn");
        let writer = Arc::new(writer);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = Arc::clone(&writer);
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        let line = format!("{t} {i}\n");
                        (&*writer).write_all(line.as_bytes()).expect("write");
                    }
                })
            })
            .collect();
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let joined = threads.into_iter().all(|thread| thread.join().is_ok());
            let _ = done.send(joined);
        });
        let joined = finished.recv_timeout(Duration::from_secs(30));
        assert_eq!(
            joined,
            Ok(true),
            "the writers were left waiting on a full queue"
        );
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
    fn a_lone_line_is_written_within_the_wait() {
        let out = Output::default();
        let (writer, _guard) =
            spawn_with(out.clone(), 64, Duration::from_millis(20)).expect("spawn");
        let start = Instant::now();
        (&writer).write_all(b"quiet\n").expect("write");
        while out.text().is_empty() {
            assert!(start.elapsed() < Duration::from_secs(10), "never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(out.text(), "quiet\n");
    }

    #[test]
    fn dropping_the_guard_writes_the_last_lines_and_drops_later_ones() {
        let out = Output::default();
        let (writer, guard) = spawn_with(out.clone(), 64, Duration::from_secs(60)).expect("spawn");
        (&writer).write_all(b"last\n").expect("write");
        drop(guard);
        assert_eq!(out.text(), "last\n");
        (&writer).write_all(b"too late\n").expect("write");
        assert_eq!(out.text(), "last\n");
    }
}
