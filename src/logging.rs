//! Logs: to standard error through a thread of their own, as plain text lines or JSON
//! lines. The text line is tracing-subscriber's full format without colours, written by
//! [`TextLine`] and [`TextFields`] with fewer `fmt` calls and allocations: the log line
//! and its span were a sixteenth of the work of showing one reservation.

use std::cell::Cell;
use std::error::Error;
use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use crate::config::{DatabaseArgs, LogFormat};
use crate::domain::time::Timestamp;

mod batch;

pub use batch::BatchGuard;

/// Logs go to standard error through a thread of their own: a request formats its line
/// and queues it, and that thread writes the queued lines in batches (see [`batch`]).
/// Writing each line from the request's own thread was a system call per request (3 %
/// of the server's time for one reservation in a profile). No line is dropped: when the
/// queue is full a request waits for it. Plain text without colours:
/// painting each field cost a fortieth of a request's instructions, colours off or on.
pub fn init(args: &DatabaseArgs) -> anyhow::Result<BatchGuard> {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .map_err(|e| anyhow::anyhow!("LOCACAR_LOG must be a level such as info or debug, or a filter such as locacar=debug: {e}"))?;
    let (writer, guard) = batch::spawn(std::io::stderr())?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match args.log_format {
        LogFormat::Text => builder.fmt_fields(TextFields).event_format(TextLine).init(),
        LogFormat::Json => builder
            .with_timer(MillisecondClock)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(guard)
}

/// A log line's time, to the millisecond, written like the API's times: the default
/// clock formats each of its fields through `fmt`, a hundredth of a request's work.
struct MillisecondClock;

impl FormatTime for MillisecondClock {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        write!(w, "{}", Timestamp::now())
    }
}

/// A text line: `time LEVEL span{fields}: target: message fields`.
struct TextLine;

impl<S, N> FormatEvent<S, N> for TextLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // A record of the `log` crate names its real target in its fields.
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        MillisecondClock.format_time(&mut writer)?;
        writer.write_char(' ')?;
        writer.write_str(level_text(*meta.level()))?;
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        writer.write_char('{')?;
                        writer.write_str(fields)?;
                        writer.write_char('}')?;
                    }
                }
                writer.write_char(':')?;
            }
            writer.write_char(' ')?;
        }
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        ctx.format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// The level, padded to five characters, and a space.
fn level_text(level: Level) -> &'static str {
    match level {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        Level::ERROR => "ERROR ",
    }
}

/// Fields as `name=value` separated by spaces, the message bare: values written as their
/// `Debug` (strings quoted), `%` values as their `Display`, as tracing-subscriber does.
struct TextFields;

thread_local! {
    /// The text of the fields being written, kept between lines: a span's fields, written
    /// into their own string a piece at a time, grew it five times.
    static SCRATCH: Cell<String> = const { Cell::new(String::new()) };
}

impl<'a> MakeVisitor<Writer<'a>> for TextFields {
    type Visitor = TextVisitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> TextVisitor<'a> {
        let mut text = SCRATCH.take();
        text.clear();
        TextVisitor { writer, text }
    }
}

/// Writes the fields into a scratch string, then to the line in one piece.
struct TextVisitor<'a> {
    writer: Writer<'a>,
    text: String,
}

impl TextVisitor<'_> {
    /// A space after the field before, and the field's name, unless it is the message.
    fn start(&mut self, field: &Field) -> bool {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        let name = field.name();
        let message = name == "message";
        if !message {
            self.text.push_str(name.strip_prefix("r#").unwrap_or(name));
            self.text.push('=');
        }
        message
    }

    /// Text a caller may have chosen, with the control characters a terminal acts on
    /// written as escapes.
    fn escaped(&mut self, value: fmt::Arguments<'_>) {
        let _ = Escaping(&mut self.text).write_fmt(value);
    }
}

impl Visit for TextVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.start(field) {
            self.escaped(format_args!("{value}"));
        } else {
            let _ = write!(self.text, "{value:?}");
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        self.start(field);
        self.escaped(format_args!("{value}"));
        let mut source = value.source();
        if source.is_some() {
            let _ = write!(self.text, " {}.sources=[", field.name());
        }
        while let Some(cause) = source {
            self.escaped(format_args!("{cause}"));
            source = cause.source();
            self.text
                .push_str(if source.is_some() { ", " } else { "]" });
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // The `log` crate's metadata, already in the line's target.
        if field.name().starts_with("log.") {
            return;
        }
        if self.start(field) {
            self.escaped(format_args!("{value:?}"));
        } else {
            let _ = write!(self.text, "{value:?}");
        }
    }
}

impl VisitOutput<fmt::Result> for TextVisitor<'_> {
    fn finish(mut self) -> fmt::Result {
        let written = self.writer.write_str(&self.text);
        SCRATCH.set(std::mem::take(&mut self.text));
        written
    }
}

impl VisitFmt for TextVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.text
    }
}

/// Writes text with ESC, BEL, BS, FF, DEL and the C1 controls escaped (as `\u{1b}`), as
/// tracing-subscriber does for a message: a logged value cannot drive the terminal.
struct Escaping<'a>(&'a mut String);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if !s.chars().any(drives_terminal) {
            self.0.push_str(s);
            return Ok(());
        }
        for c in s.chars() {
            if drives_terminal(c) {
                write!(self.0, "\\u{{{:x}}}", u32::from(c))?;
            } else {
                self.0.push(c);
            }
        }
        Ok(())
    }
}

fn drives_terminal(c: char) -> bool {
    matches!(
        c,
        '\x1b' | '\x07' | '\x08' | '\x0c' | '\x7f' | '\u{80}'..='\u{9f}'
    )
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A log destination the test reads back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// What the server logs around a request, and a line outside any span.
    fn log_a_request() {
        let span = tracing::info_span!(
            "request",
            method = %"GET",
            route = %"/api/reservations/{id}",
            request_id = %"d0da2041",
            user_id = tracing::field::Empty,
        );
        let _entered = span.enter();
        span.record("user_id", tracing::field::display("6b15fdab"));
        tracing::warn!(error = %"the database is busy", attempt = 2u64, "retrying");
        tracing::info!(status = 200u16, latency_ms = 0.532, "request finished");
        drop(_entered);
        tracing::info!(
            engine = "sqlite",
            ok = true,
            delta = -3i64,
            "outside \"quotes\""
        );
    }

    /// The lines `log_a_request` gives under `subscriber`, without their times.
    fn lines_without_time(subscriber: impl Subscriber + Send + Sync, out: &Buffer) -> Vec<String> {
        tracing::subscriber::with_default(subscriber, log_a_request);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| l.split_once(' ').expect("a time first").1.to_owned())
            .collect()
    }

    #[test]
    fn text_lines_are_tracing_subscribers_full_format() {
        let (ours, theirs) = (Buffer::default(), Buffer::default());
        let writer = ours.clone();
        let ours_lines = lines_without_time(
            tracing_subscriber::fmt()
                .fmt_fields(TextFields)
                .event_format(TextLine)
                .with_writer(move || writer.clone())
                .finish(),
            &ours,
        );
        let writer = theirs.clone();
        let theirs_lines = lines_without_time(
            tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .finish(),
            &theirs,
        );
        assert_eq!(ours_lines.len(), 3, "{ours_lines:?}");
        assert_eq!(ours_lines, theirs_lines);
        assert!(ours_lines[1].starts_with(" INFO request{method=GET route=/api/reservations/{id} request_id=d0da2041 user_id=6b15fdab}: locacar::logging::tests: request finished status=200 latency_ms=0.532"), "{}", ours_lines[1]);
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut text = String::new();
        write!(Escaping(&mut text), "a\x1b[31mb\u{9b}c\né").unwrap();
        assert_eq!(text, "a\\u{1b}[31mb\\u{9b}c\né");
    }

    #[test]
    fn levels_line_up() {
        for level in [
            Level::TRACE,
            Level::DEBUG,
            Level::INFO,
            Level::WARN,
            Level::ERROR,
        ] {
            assert_eq!(level_text(level).len(), 6);
        }
    }
}
