//! Cuts a `mongoexport` file into the JSON text of its documents, without parsing them.
//!
//! `mongoexport` writes JSON lines (we accept any whitespace-separated sequence of
//! top-level objects, so pretty-printed documents too) or, with `--jsonArray`, one array of
//! objects. Files can be gigabytes, so this is a byte scanner over `BufRead` chunks that
//! holds one document at a time: it only tracks brackets, strings and escapes to find where
//! each document ends, and leaves the JSON itself (including UTF-8 validity) to
//! `serde_json`.

use std::io::{BufRead, ErrorKind};

/// Largest document accepted: MongoDB's own limit of 16 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// One document's JSON text and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDocument {
    /// 1-based line where the document's `{` is.
    pub line: u64,
    /// 1-based position of the document in the file.
    pub index: u64,
    /// The bytes from the document's `{` to its matching `}`.
    pub text: Vec<u8>,
}

/// Why the file could not be cut into documents, and where.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct StreamError {
    /// 1-based line the problem is on (for something never closed: where it was opened).
    pub line: u64,
    /// What is wrong, for a person.
    pub message: String,
}

/// The documents of a `mongoexport` file, in order; fused after the first error.
pub struct Documents<R> {
    reader: R,
    scanner: Scanner,
}

impl<R: BufRead> Documents<R> {
    /// Reads documents from `reader` (wrap a file in a `BufReader`).
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            scanner: Scanner::new(MAX_DOCUMENT_BYTES),
        }
    }

    /// Bytes consumed so far (for progress bars).
    pub fn bytes_read(&self) -> u64 {
        self.scanner.bytes_read
    }
}

impl<R: BufRead> Iterator for Documents<R> {
    type Item = Result<RawDocument, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.scanner.done {
            return None;
        }
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let line = self.scanner.line;
                    return Some(Err(self.scanner.fail(line, format!("read error: {e}"))));
                }
            };
            if buf.is_empty() {
                return self.scanner.end_of_file();
            }
            let (used, found) = self.scanner.scan(buf);
            self.reader.consume(used);
            self.scanner.bytes_read += used as u64;
            if found.is_some() {
                return found;
            }
        }
    }
}

/// Where the scanner is when it is between documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// At the start of the file, `n` bytes of a byte order mark matched so far.
    Bom(usize),
    /// Before the first significant byte, which decides between lines and array.
    Start,
    /// JSON lines: documents separated by whitespace only.
    Lines,
    /// Just after the array's `[`.
    ArrayOpen,
    /// After an array element, before its `,` or the `]`.
    ArrayAfterElement,
    /// After a `,` in the array.
    ArrayAfterComma,
    /// After the array's `]`: only whitespace may follow.
    ArrayClosed,
}

/// The document being cut.
struct InDocument {
    line: u64,
    text: Vec<u8>,
    /// The closing bracket each open bracket expects, innermost last: checking the kind,
    /// not only the depth, puts a mismatch on its own line rather than at the end of file.
    closers: Vec<u8>,
    in_string: bool,
    escaped: bool,
    string_line: u64,
}

struct Scanner {
    mode: Mode,
    document: Option<InDocument>,
    line: u64,
    /// Line of the array's `[`, for an array never closed.
    array_line: u64,
    index: u64,
    bytes_read: u64,
    max_document_bytes: usize,
    done: bool,
}

type Found = Option<Result<RawDocument, StreamError>>;

impl Scanner {
    fn new(max_document_bytes: usize) -> Self {
        Self {
            mode: Mode::Bom(0),
            document: None,
            line: 1,
            array_line: 1,
            index: 0,
            bytes_read: 0,
            max_document_bytes,
            done: false,
        }
    }

    fn fail(&mut self, line: u64, message: String) -> StreamError {
        self.done = true;
        self.document = None;
        StreamError { line, message }
    }

    /// Scans `buf` until a document is complete, an error is found or the chunk is used up;
    /// returns how many bytes were used.
    fn scan(&mut self, buf: &[u8]) -> (usize, Found) {
        let mut i = 0;
        while i < buf.len() {
            if self.document.is_some() {
                let (next, found) = self.scan_document(buf, i);
                i = next;
                if found.is_some() {
                    return (i, found);
                }
                continue;
            }
            let byte = buf[i];
            if let Mode::Bom(matched) = self.mode {
                if byte == BOM[matched] {
                    i += 1;
                    self.mode = if matched + 1 == BOM.len() {
                        Mode::Start
                    } else {
                        Mode::Bom(matched + 1)
                    };
                    continue;
                }
                if matched > 0 {
                    let line = self.line;
                    let message = format!(
                        "the file starts with an incomplete byte order mark, then {}",
                        describe(byte)
                    );
                    return (i, Some(Err(self.fail(line, message))));
                }
                self.mode = Mode::Start;
            }
            match byte {
                b'\n' => {
                    self.line += 1;
                    i += 1;
                    continue;
                }
                b' ' | b'\t' | b'\r' => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let problem = match (self.mode, byte) {
                (Mode::Bom(_) | Mode::Start | Mode::Lines, b'{') => {
                    self.mode = Mode::Lines;
                    None
                }
                (Mode::ArrayOpen | Mode::ArrayAfterComma, b'{') => None,
                (Mode::Bom(_) | Mode::Start, b'[') => {
                    self.mode = Mode::ArrayOpen;
                    self.array_line = self.line;
                    i += 1;
                    continue;
                }
                (Mode::ArrayOpen | Mode::ArrayAfterElement, b']') => {
                    self.mode = Mode::ArrayClosed;
                    i += 1;
                    continue;
                }
                (Mode::ArrayAfterElement, b',') => {
                    self.mode = Mode::ArrayAfterComma;
                    i += 1;
                    continue;
                }
                (Mode::Bom(_) | Mode::Start, _) => Some(format!(
                    "expected '{{' (JSON lines) or '[' (a JSON array) at the start of the file, \
                     found {}",
                    describe(byte)
                )),
                (Mode::Lines, _) => Some(format!(
                    "expected '{{' where a document starts, found {}",
                    describe(byte)
                )),
                (Mode::ArrayOpen, b',') => {
                    Some("a comma before the array's first element".to_string())
                }
                (Mode::ArrayAfterComma, b',') => {
                    Some("two commas in a row between array elements".to_string())
                }
                (Mode::ArrayAfterComma, b']') => {
                    Some("a comma after the array's last element".to_string())
                }
                (Mode::ArrayOpen | Mode::ArrayAfterComma, _) => Some(format!(
                    "expected '{{' where an array element starts, found {}",
                    describe(byte)
                )),
                (Mode::ArrayAfterElement, b'{') => {
                    Some("missing comma between array elements".to_string())
                }
                (Mode::ArrayAfterElement, _) => Some(format!(
                    "expected ',' or ']' after an array element, found {}",
                    describe(byte)
                )),
                (Mode::ArrayClosed, _) => Some(format!(
                    "text after the array's closing ']': {}",
                    describe(byte)
                )),
            };
            if let Some(message) = problem {
                let line = self.line;
                return (i, Some(Err(self.fail(line, message))));
            }
            // A document starts at `buf[i]`, a `{`, which `scan_document` reads as its
            // first open bracket.
            self.document = Some(InDocument {
                line: self.line,
                text: Vec::new(),
                closers: Vec::new(),
                in_string: false,
                escaped: false,
                string_line: self.line,
            });
        }
        (i, None)
    }

    /// Scans the current document from `buf[start]`; returns the index after what it used.
    fn scan_document(&mut self, buf: &[u8], start: usize) -> (usize, Found) {
        let Some(document) = self.document.as_mut() else {
            return (start, None);
        };
        let mut i = start;
        let mut complete = false;
        let mut mismatch = None;
        while i < buf.len() {
            if document.in_string {
                if document.escaped {
                    document.escaped = false;
                    if buf[i] == b'\n' {
                        self.line += 1;
                    }
                    i += 1;
                    continue;
                }
                // Skip the plain run of the string at once: most of a document's bytes.
                match buf[i..]
                    .iter()
                    .position(|&b| matches!(b, b'"' | b'\\' | b'\n'))
                {
                    None => i = buf.len(),
                    Some(offset) => {
                        i += offset;
                        match buf[i] {
                            b'"' => document.in_string = false,
                            b'\\' => document.escaped = true,
                            _ => {
                                // JSON strings cannot hold a raw line break: the document
                                // was cut off here (a truncated line), and reading on would
                                // pair its quotes with the next documents'.
                                let line = document.line;
                                let message = "the document that starts on this line is cut \
                                               off: a string runs past the end of its line"
                                    .to_owned();
                                return (i + 1, Some(Err(self.fail(line, message))));
                            }
                        }
                        i += 1;
                    }
                }
                continue;
            }
            let byte = buf[i];
            i += 1;
            match byte {
                b'"' => {
                    document.in_string = true;
                    document.string_line = self.line;
                }
                b'{' => document.closers.push(b'}'),
                b'[' => document.closers.push(b']'),
                // `closers` is never empty here: the document ends when its first
                // bracket closes.
                b'}' | b']' => match document.closers.pop() {
                    Some(expected) if expected != byte => {
                        mismatch = Some(format!(
                            "'{}' closes a bracket that expects '{}'",
                            char::from(byte),
                            char::from(expected)
                        ));
                        break;
                    }
                    _ if document.closers.is_empty() => {
                        complete = true;
                        break;
                    }
                    _ => {}
                },
                b'\n' => self.line += 1,
                _ => {}
            }
        }
        if let Some(message) = mismatch {
            let line = self.line;
            return (i, Some(Err(self.fail(line, message))));
        }
        if document.text.len() + (i - start) > self.max_document_bytes {
            let line = document.line;
            let message = format!(
                "document larger than {} bytes (MongoDB's limit of {} MiB)",
                self.max_document_bytes,
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            );
            return (i, Some(Err(self.fail(line, message))));
        }
        document.text.extend_from_slice(&buf[start..i]);
        if !complete {
            return (i, None);
        }
        let Some(document) = self.document.take() else {
            return (i, None);
        };
        if self.mode != Mode::Lines {
            self.mode = Mode::ArrayAfterElement;
        }
        self.index += 1;
        let raw = RawDocument {
            line: document.line,
            index: self.index,
            text: document.text,
        };
        (i, Some(Ok(raw)))
    }

    fn end_of_file(&mut self) -> Found {
        if self.done {
            return None;
        }
        if let Some(document) = self.document.take() {
            let (line, message) = if document.in_string {
                (
                    document.string_line,
                    format!(
                        "a string that starts on this line is not closed at the end of the file \
                         (line {})",
                        self.line
                    ),
                )
            } else {
                (
                    document.line,
                    format!(
                        "the document that starts on this line is not closed at the end of the \
                         file (line {}): the file is truncated?",
                        self.line
                    ),
                )
            };
            return Some(Err(self.fail(line, message)));
        }
        match self.mode {
            Mode::Bom(matched) if matched > 0 => {
                let line = self.line;
                Some(Err(self.fail(
                    line,
                    "the file holds only part of a byte order mark".to_string(),
                )))
            }
            Mode::ArrayOpen | Mode::ArrayAfterElement | Mode::ArrayAfterComma => {
                let line = self.array_line;
                let message = format!(
                    "the array that opens on this line is not closed at the end of the file \
                     (line {}): the file is truncated?",
                    self.line
                );
                Some(Err(self.fail(line, message)))
            }
            _ => {
                self.done = true;
                None
            }
        }
    }
}

/// A byte for a message: itself if printable ASCII, else its value.
fn describe(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("'{}'", char::from(byte))
    } else {
        format!("byte 0x{byte:02X}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Cursor, Read};

    /// Every document as (line, index, text), or the first error as (line, message).
    type Cut = Result<Vec<(u64, u64, String)>, (u64, String)>;

    /// Every document (line, index, text) or the first error, with the normal buffer and
    /// with 3-byte chunks, which must agree.
    fn cut(input: &[u8]) -> Cut {
        let big = collect(Documents::new(Cursor::new(input.to_vec())));
        let tiny = collect(Documents::new(BufReader::with_capacity(
            3,
            Cursor::new(input.to_vec()),
        )));
        let one = collect(Documents::new(BufReader::with_capacity(
            1,
            Cursor::new(input.to_vec()),
        )));
        assert_eq!(big, tiny, "3-byte chunks change the result");
        assert_eq!(big, one, "1-byte chunks change the result");
        big
    }

    fn collect<R: BufRead>(documents: Documents<R>) -> Cut {
        let mut out = Vec::new();
        for item in documents {
            match item {
                Ok(doc) => out.push((
                    doc.line,
                    doc.index,
                    String::from_utf8_lossy(&doc.text).into_owned(),
                )),
                Err(e) => return Err((e.line, e.message)),
            }
        }
        Ok(out)
    }

    fn texts(input: &str) -> Vec<String> {
        match cut(input.as_bytes()) {
            Ok(docs) => docs.into_iter().map(|(_, _, t)| t).collect(),
            Err(e) => panic!("unexpected error {e:?} for {input:?}"),
        }
    }

    fn error_line(input: &str) -> u64 {
        match cut(input.as_bytes()) {
            Ok(docs) => panic!("expected an error for {input:?}, got {docs:?}"),
            Err((line, _)) => line,
        }
    }

    fn error(input: &[u8]) -> (u64, String) {
        match cut(input) {
            Ok(docs) => panic!("expected an error, got {docs:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn json_lines() {
        let input = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":{\"d\":[1,2]}}\n";
        assert_eq!(
            cut(input.as_bytes()),
            Ok(vec![
                (1, 1, "{\"a\":1}".to_string()),
                (2, 2, "{\"b\":2}".to_string()),
                (4, 3, "{\"c\":{\"d\":[1,2]}}".to_string()),
            ])
        );
        // Several on one line, no newline at the end.
        assert_eq!(texts("{}{\"x\":1} {}"), vec!["{}", "{\"x\":1}", "{}"]);
    }

    #[test]
    fn multi_line_documents() {
        let input = "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n\n{\n  \"c\": {}\n}";
        assert_eq!(
            cut(input.as_bytes()),
            Ok(vec![
                (
                    1,
                    1,
                    "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}".to_string()
                ),
                (8, 2, "{\n  \"c\": {}\n}".to_string()),
            ])
        );
    }

    #[test]
    fn one_line_array() {
        let input = "[{\"a\":1},{\"b\":[{}]} , {}]";
        assert_eq!(
            cut(input.as_bytes()),
            Ok(vec![
                (1, 1, "{\"a\":1}".to_string()),
                (1, 2, "{\"b\":[{}]}".to_string()),
                (1, 3, "{}".to_string()),
            ])
        );
    }

    #[test]
    fn pretty_array() {
        let input = "[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": 2\n  }\n]\n";
        assert_eq!(
            cut(input.as_bytes()),
            Ok(vec![
                (2, 1, "{\n    \"a\": 1\n  }".to_string()),
                (5, 2, "{\n    \"b\": 2\n  }".to_string()),
            ])
        );
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let mut input = BOM.to_vec();
        input.extend_from_slice(b"{\"a\":1}\n{\"b\":2}");
        assert_eq!(
            cut(&input),
            Ok(vec![
                (1, 1, "{\"a\":1}".to_string()),
                (2, 2, "{\"b\":2}".to_string()),
            ])
        );
        let mut input = BOM.to_vec();
        input.extend_from_slice(b"[{}]");
        assert_eq!(cut(&input), Ok(vec![(1, 1, "{}".to_string())]));
        // A byte order mark alone is an empty file.
        assert_eq!(cut(&BOM), Ok(vec![]));
        // Only at the very start.
        let mut input = b"{}\n".to_vec();
        input.extend_from_slice(&BOM);
        assert_eq!(error(&input).0, 2);
        assert_eq!(error(&BOM[..2]).0, 1);
        assert_eq!(error(&[0xEF, 0xBB, b'{', b'}']).0, 1);
    }

    #[test]
    fn empty_inputs_yield_nothing() {
        for input in ["", "\n\n", "  \r\n\t", "[]", "[ ]", "\n[\n]\n\n", "[]  \n"] {
            assert_eq!(cut(input.as_bytes()), Ok(vec![]), "{input:?}");
        }
    }

    #[test]
    fn brackets_commas_and_quotes_inside_strings() {
        let tricky = r#"{"a":"{[,]}","b":"say \"}\"","c":"back\\","d":"\\\"}","e":"]"}"#;
        assert_eq!(texts(tricky), vec![tricky]);
        assert_eq!(texts(&format!("{tricky}\n{tricky}")), vec![tricky, tricky]);
        assert_eq!(texts(&format!("[{tricky},{tricky}]")), vec![tricky, tricky]);
        // `\\` right before the closing quote: the quote closes the string.
        let backslashes = r#"{"k\\":"v\\\\"}"#;
        assert_eq!(
            texts(&format!("{backslashes}{{}}")),
            vec![backslashes, "{}"]
        );
        // Keys too.
        let key = r#"{"}":1,"{":{"]":[]}}"#;
        assert_eq!(texts(key), vec![key]);
    }

    #[test]
    fn invalid_utf8_is_passed_through() {
        let input = b"{\"a\":\"\xFF\xFE\"}\n";
        assert_eq!(
            collect(Documents::new(Cursor::new(input.to_vec())))
                .map(|docs| docs.len())
                .ok(),
            Some(1)
        );
        let doc = Documents::new(Cursor::new(input.to_vec())).next();
        assert!(matches!(doc, Some(Ok(d)) if d.text == input[..input.len() - 1]));
    }

    #[test]
    fn not_a_document_at_top_level() {
        assert_eq!(error_line("42"), 1);
        assert_eq!(error_line("\"text\""), 1);
        assert_eq!(error_line("{}\n\n42\n{}"), 3);
        assert_eq!(error_line("{\"a\":1}\nstray {}"), 2);
        assert_eq!(error_line("{}\n[{}]"), 2);
        assert_eq!(error_line("{},\n{}"), 1);
        assert_eq!(error_line("[1, 2]"), 1);
        assert_eq!(error_line("[\n{},\n\"x\"]"), 3);
        let (_, message) = error(b"{}\n42");
        assert_eq!(message, "expected '{' where a document starts, found '4'");
    }

    #[test]
    fn truncated_inputs() {
        let (line, message) = error(b"{}\n{\"a\":\n1");
        assert_eq!(line, 2);
        assert!(message.contains("not closed"), "{message}");
        let (line, message) = error(b"{}\n{\"a\":1}\n{\"b\":\"abc");
        assert_eq!(line, 3);
        assert!(message.contains("string"), "{message}");
        // A line cut in the middle of a string, with documents after it: the cut
        // document is named, not a later line whose quotes it would pair up with.
        let (line, message) = error(b"{}\n{\"a\":\"Kari\n{\"b\":\"x\"}\n{\"c\":1}\n");
        assert_eq!(line, 2);
        assert!(message.contains("cut off"), "{message}");
        let (line, message) = error(b"\n[\n{},\n{}\n");
        assert_eq!(line, 2);
        assert!(message.contains("array"), "{message}");
        assert_eq!(error_line("[{}\n,"), 1);
        assert_eq!(error_line("["), 1);
        assert_eq!(error_line("[\n{\"a\":[1,\n"), 2);
    }

    #[test]
    fn array_punctuation() {
        let (line, message) = error(b"[\n{}\n{}\n]");
        assert_eq!(
            (line, message.as_str()),
            (3, "missing comma between array elements")
        );
        let (line, message) = error(b"[\n{},\n,{}\n]");
        assert_eq!(
            (line, message.as_str()),
            (3, "two commas in a row between array elements")
        );
        assert_eq!(error_line("[,{}]"), 1);
        assert_eq!(error_line("[{},\n]"), 2);
        assert_eq!(error_line("[{} x]"), 1);
        let (line, message) = error(b"[{}]\n\n]");
        assert_eq!(line, 3);
        assert!(
            message.contains("after the array's closing ']'"),
            "{message}"
        );
        assert_eq!(error_line("[{}] {}"), 1);
        assert_eq!(error_line("[{}][]"), 1);
    }

    #[test]
    fn mismatched_brackets() {
        let (line, message) = error(b"{\"a\":1}\n{\"b\":[1}\n{}");
        assert_eq!(line, 2);
        assert_eq!(message, "'}' closes a bracket that expects ']'");
    }

    #[test]
    fn documents_before_an_error_are_yielded_then_fused() {
        let mut documents = Documents::new(Cursor::new(b"{\"a\":1}\n7\n{}".to_vec()));
        assert!(matches!(documents.next(), Some(Ok(d)) if d.index == 1));
        assert!(matches!(documents.next(), Some(Err(e)) if e.line == 2));
        assert!(documents.next().is_none());
        assert!(documents.next().is_none());
    }

    #[test]
    fn document_split_across_chunks() {
        let input = "[{\"name\":\"a long value \\\" with {[ ]} inside\",\n\"n\":[1,2,{\"x\":\"\\\\\"}]},\n{\"b\":2}]";
        let docs = collect(Documents::new(BufReader::with_capacity(
            3,
            Cursor::new(input.as_bytes().to_vec()),
        )));
        assert_eq!(
            docs,
            Ok(vec![
                (
                    1,
                    1,
                    "{\"name\":\"a long value \\\" with {[ ]} inside\",\n\"n\":[1,2,{\"x\":\"\\\\\"}]}"
                        .to_string()
                ),
                (3, 2, "{\"b\":2}".to_string()),
            ])
        );
    }

    #[test]
    fn bytes_read_counts_consumed_bytes() {
        let input = b"{\"a\":1}\n{\"b\":2}\n";
        let mut documents =
            Documents::new(BufReader::with_capacity(4, Cursor::new(input.to_vec())));
        assert_eq!(documents.bytes_read(), 0);
        assert!(documents.next().is_some());
        assert_eq!(documents.bytes_read(), 7);
        assert!(documents.next().is_some());
        assert_eq!(documents.bytes_read(), 15);
        assert!(documents.next().is_none());
        assert_eq!(documents.bytes_read(), 16);
    }

    #[test]
    fn document_size_is_bounded() {
        fn with_limit(input: &str, limit: usize) -> Cut {
            let mut documents = Documents::new(BufReader::with_capacity(
                2,
                Cursor::new(input.as_bytes().to_vec()),
            ));
            documents.scanner.max_document_bytes = limit;
            collect(documents)
        }
        // `{"a":"xx"}` is 10 bytes.
        assert!(with_limit("{\"a\":\"xx\"}\n{\"a\":\"xx\"}", 10).is_ok());
        let (line, message) = match with_limit("{}\n{\"a\":\"xx\"}", 9) {
            Err(e) => e,
            Ok(docs) => panic!("expected an error, got {docs:?}"),
        };
        assert_eq!(line, 2);
        assert!(message.contains("larger than 9 bytes"), "{message}");

        // The real limit: exactly 16 MiB passes, one byte more does not.
        let padding = |len: usize| {
            let mut doc = b"{\"p\":\"".to_vec();
            doc.resize(len - 2, b'x');
            doc.extend_from_slice(b"\"}");
            doc
        };
        let exact = padding(MAX_DOCUMENT_BYTES);
        let mut documents = Documents::new(BufReader::new(Cursor::new(exact)));
        assert!(matches!(documents.next(), Some(Ok(d)) if d.text.len() == MAX_DOCUMENT_BYTES));
        let over = padding(MAX_DOCUMENT_BYTES + 1);
        let mut documents = Documents::new(BufReader::new(Cursor::new(over)));
        assert!(matches!(documents.next(), Some(Err(e)) if e.line == 1));
        assert!(documents.next().is_none());
    }

    #[test]
    fn read_errors_are_reported() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let mut documents = Documents::new(BufReader::new(Failing));
        match documents.next() {
            Some(Err(e)) => {
                assert_eq!(e.line, 1);
                assert_eq!(e.to_string(), "line 1: read error: disk on fire");
            }
            other => panic!("expected a read error, got {:?}", other.map(|r| r.is_ok())),
        }
        assert!(documents.next().is_none());
    }
}
