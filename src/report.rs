//! How the import and export commands talk to the person running them: one line per
//! problem or notice, a progress bar on a terminal, and a progress line every few seconds
//! elsewhere (a log, CI), so a long run is never silent.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::mongo::original::Finding;
use crate::services::import::{CollectionCount, Place, Problem, Reporter, Resolution};

/// Notices beyond this many are counted, not printed one by one.
const NOTICES_SHOWN: u64 = 1000;

/// How often a progress line is printed when there is no terminal to draw a bar on.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Writes the report to `out` (standard error in the CLI).
pub struct ConsoleReporter<W: Write> {
    out: W,
    /// `None` when the output is not a terminal: progress then goes out as lines.
    bar: Option<indicatif::ProgressBar>,
    last_line: Instant,
    notices_shown: u64,
}

impl<W: Write> ConsoleReporter<W> {
    pub fn new(out: W, terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg:12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        });
        ConsoleReporter {
            out,
            bar,
            last_line: Instant::now(),
            notices_shown: 0,
        }
    }

    fn line(&mut self, text: &str) {
        let out = &mut self.out;
        let mut write = || {
            let _ = writeln!(out, "{text}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

fn at(place: &Place, field: &Option<String>) -> String {
    let field = field
        .as_deref()
        .map(|f| format!(" {f}:"))
        .unwrap_or_default();
    format!("{}:{}:{field}", place.file, place.line)
}

impl<W: Write> Reporter for ConsoleReporter<W> {
    fn problem(&mut self, p: &Problem) {
        let outcome = match p.resolved {
            None => "",
            Some(Resolution::Cancel) => " (imported as cancelled_by_agency)",
            Some(_) => " (left out)",
        };
        let text = format!(
            "{} {}: {}{outcome}",
            at(&p.place, &p.field),
            p.kind.as_str(),
            p.message
        );
        self.line(&text);
    }

    fn notice(&mut self, place: &Place, finding: &Finding) {
        self.notices_shown += 1;
        if self.notices_shown <= NOTICES_SHOWN {
            let text = format!("{} notice: {}", at(place, &finding.field), finding.message);
            self.line(&text);
        }
    }

    fn progress(&mut self, collection: &str, bytes: u64, total: u64, docs: u64, seconds: f64) {
        match &self.bar {
            Some(bar) => {
                if bar.length() != Some(total) || bar.message() != collection {
                    bar.reset();
                    bar.set_length(total);
                    bar.set_message(collection.to_owned());
                }
                bar.set_position(bytes);
            }
            None if self.last_line.elapsed() >= LINE_EVERY => {
                self.last_line = Instant::now();
                let percent = (bytes * 100).checked_div(total).unwrap_or(100);
                let rate = docs as f64 / seconds.max(1e-9);
                let text = format!(
                    "{collection}: {docs} documents, {percent}% of the file ({rate:.0} documents/s)"
                );
                self.line(&text);
            }
            None => {}
        }
    }

    fn finished(&mut self, collection: &str, c: &CollectionCount, seconds: f64) {
        let rate = c.read as f64 / seconds.max(1e-9);
        let text = format!(
            "{collection}: {} read, {} imported, {} left out, {} problems, {} notices ({rate:.0} documents/s)",
            c.read, c.imported, c.skipped, c.problems, c.notices
        );
        self.line(&text);
    }
}

impl<W: Write> Drop for ConsoleReporter<W> {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.notices_shown > NOTICES_SHOWN {
            let _ = writeln!(
                self.out,
                "… and {} more notices",
                self.notices_shown - NOTICES_SHOWN
            );
        }
    }
}
