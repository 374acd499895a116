//! MongoDB Extended JSON v2 (canonical, relaxed, or mixed) and the legacy forms older
//! `mongoexport` wrote, read into `bson` values with the path of any wrong value.
//!
//! We read it ourselves rather than through `bson`'s own conversion to get errors that
//! name the field, to accept the legacy `{"$date": <milliseconds>}`, and to refuse the
//! BSON types the LocaCar schema never holds (binary, regular expressions, code, ...)
//! instead of importing them silently.

use std::fmt;
use std::str::FromStr;

use bson::{oid::ObjectId, Bson, DateTime, Decimal128, Document};
use serde_json::{json, Map, Number, Value};

/// Where in a document a value is wrong, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ExtJsonError {
    /// Dotted keys and `[i]` indexes, e.g. `paymentDetails.amountPaid` or `items[2].x`;
    /// empty for the top.
    pub path: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// Reads one value written in Extended JSON v2, canonical or relaxed or mixed, and the
/// legacy forms older mongoexport wrote.
pub fn from_json(value: Value) -> Result<Bson, ExtJsonError> {
    convert(value, &Path::Root)
}

/// The same for a whole document: the top level must be an object.
pub fn document_from_json(value: Value) -> Result<Document, ExtJsonError> {
    let found = kind(&value);
    if !value.is_object() {
        return Err(error(
            &Path::Root,
            format!("expected a document (a JSON object), found {found}"),
        ));
    }
    match from_json(value)? {
        Bson::Document(document) => Ok(document),
        other => Err(error(
            &Path::Root,
            format!(
                "expected a document, found an Extended JSON {:?} value",
                other.element_type()
            ),
        )),
    }
}

/// Relaxed Extended JSON v2, as mongoexport writes by default (one document per line).
pub fn to_relaxed(doc: &Document) -> Value {
    Value::Object(
        doc.iter()
            .map(|(key, value)| (key.clone(), relaxed(value)))
            .collect(),
    )
}

fn relaxed(value: &Bson) -> Value {
    match value {
        Bson::Document(doc) => to_relaxed(doc),
        Bson::Array(items) => Value::Array(items.iter().map(relaxed).collect()),
        // `bson` writes "-NaN" for a NaN with its sign bit set, which the spec does not
        // allow (and our reader, like mongoimport, would refuse): NaN has no sign in JSON.
        Bson::Double(v) if v.is_nan() => json!({ "$numberDouble": "NaN" }),
        // Everything else `bson` writes as the spec says (checked by the corpus test):
        // finite doubles with a '.' or an exponent, ±Infinity wrapped, dates as ISO
        // strings from 1970 to 9999 and `$numberLong` milliseconds outside.
        other => other.clone().into_relaxed_extjson(),
    }
}

/// The wrappers we read; each must be the only key of its object.
const WRAPPERS: &[&str] = &[
    "$oid",
    "$numberInt",
    "$numberLong",
    "$numberDouble",
    "$numberDecimal",
    "$date",
];

/// Types (and legacy spellings) of Extended JSON the LocaCar schema never holds: refused,
/// so nothing of them is imported as a plain sub-document by mistake.
const UNSUPPORTED: &[&str] = &[
    "$binary",
    "$uuid",
    "$regularExpression",
    "$timestamp",
    "$code",
    "$scope",
    "$symbol",
    "$minKey",
    "$maxKey",
    "$dbPointer",
    "$undefined",
    "$regex",
    "$type",
];

/// The way from the top to a value, built on the stack as we descend and written out only
/// for an error.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

fn error(path: &Path<'_>, message: String) -> ExtJsonError {
    ExtJsonError {
        path: path.to_string(),
        message,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn convert(value: Value, path: &Path<'_>) -> Result<Bson, ExtJsonError> {
    match value {
        Value::Null => Ok(Bson::Null),
        Value::Bool(b) => Ok(Bson::Boolean(b)),
        Value::String(s) => Ok(Bson::String(s)),
        Value::Number(n) => relaxed_number(&n, path),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| convert(item, &Path::Index(path, i)))
            .collect::<Result<Vec<_>, _>>()
            .map(Bson::Array),
        Value::Object(map) => object(map, path),
    }
}

fn object(map: Map<String, Value>, path: &Path<'_>) -> Result<Bson, ExtJsonError> {
    if let Some(key) = map.keys().find(|k| UNSUPPORTED.contains(&k.as_str())) {
        return Err(error(path, format!("unsupported Extended JSON type {key}")));
    }
    let Some(wrapper) = map.keys().find(|k| WRAPPERS.contains(&k.as_str())) else {
        return document(map, path).map(Bson::Document);
    };
    if let Some(other) = map.keys().find(|k| *k != wrapper) {
        return Err(error(
            path,
            format!("{wrapper} must be the only key of its object, but there is also {other:?}"),
        ));
    }
    match map.into_iter().next() {
        Some((key, value)) => wrapped(&key, value, path),
        None => Ok(Bson::Document(Document::new())),
    }
}

fn document(map: Map<String, Value>, path: &Path<'_>) -> Result<Document, ExtJsonError> {
    let mut doc = Document::new();
    for (key, value) in map {
        // BSON keys end at a NUL byte: such a key cannot be written, and would be cut.
        if key.contains('\0') {
            return Err(error(
                path,
                format!("the key {key:?} contains a NUL character"),
            ));
        }
        let value = convert(value, &Path::Key(path, &key))?;
        doc.insert(key, value);
    }
    Ok(doc)
}

fn wrapped(wrapper: &str, value: Value, path: &Path<'_>) -> Result<Bson, ExtJsonError> {
    if wrapper == "$date" {
        return date(value, path).map(Bson::DateTime);
    }
    let Value::String(text) = value else {
        return Err(error(
            path,
            format!("{wrapper} must be a string, found {}", kind(&value)),
        ));
    };
    match wrapper {
        "$oid" => ObjectId::parse_str(&text).map(Bson::ObjectId).map_err(|_| {
            error(
                path,
                format!("$oid {text:?} is not an ObjectId (24 hexadecimal digits)"),
            )
        }),
        "$numberInt" => integer::<i32>(&text)
            .map(Bson::Int32)
            .ok_or_else(|| error(path, format!("$numberInt {text:?} is not a 32-bit integer"))),
        "$numberLong" => integer::<i64>(&text).map(Bson::Int64).ok_or_else(|| {
            error(
                path,
                format!("$numberLong {text:?} is not a 64-bit integer"),
            )
        }),
        "$numberDouble" => number_double(&text).map(Bson::Double).ok_or_else(|| {
            error(
                path,
                format!(
                    "$numberDouble {text:?} is not a double (a decimal number within range, \
                     \"Infinity\", \"-Infinity\" or \"NaN\")"
                ),
            )
        }),
        "$numberDecimal" => decimal128(&text).map(Bson::Decimal128).map_err(|e| {
            error(
                path,
                format!("$numberDecimal {text:?} is not a decimal: {e}"),
            )
        }),
        _ => Err(error(
            path,
            format!("unsupported Extended JSON type {wrapper}"),
        )),
    }
}

fn date(value: Value, path: &Path<'_>) -> Result<DateTime, ExtJsonError> {
    match value {
        // Canonical: {"$date": {"$numberLong": "<ms>"}}.
        Value::Object(map) => {
            let mut entries = map.into_iter();
            match (entries.next(), entries.next()) {
                (Some((key, Value::String(text))), None) if key == "$numberLong" => {
                    integer::<i64>(&text)
                        .map(DateTime::from_millis)
                        .ok_or_else(|| {
                            error(
                                path,
                                format!("$date's $numberLong {text:?} is not a 64-bit integer"),
                            )
                        })
                }
                _ => Err(error(
                    path,
                    "$date as an object must be exactly {\"$numberLong\": \"<milliseconds>\"}"
                        .to_string(),
                )),
            }
        }
        // Relaxed: an ISO-8601 date-time with its offset.
        Value::String(text) => iso_date(&text).ok_or_else(|| {
            let message = if naive_iso_date(&text) {
                format!("$date {text:?} has no time zone offset (\"Z\" or \"+hh:mm\")")
            } else {
                format!(
                    "$date {text:?} is not an ISO-8601 date-time such as \
                     \"2024-05-04T05:20:00.000Z\""
                )
            };
            error(path, message)
        }),
        // Legacy (mongoexport before Extended JSON v2): integer milliseconds.
        Value::Number(n) => {
            let text = n.to_string();
            integer::<i64>(&text)
                .map(DateTime::from_millis)
                .ok_or_else(|| {
                    error(
                        path,
                        format!(
                            "$date as a number must be whole milliseconds since 1970 within \
                             64 bits, found {text}"
                        ),
                    )
                })
        }
        other => Err(error(
            path,
            format!(
                "$date must be a string, an integer or {{\"$numberLong\": ...}}, found {}",
                kind(&other)
            ),
        )),
    }
}

/// An ISO-8601 date-time with an offset: RFC 3339 as mongoexport v2 writes it, or the
/// `+hhmm` offset without a colon that older mongoexport wrote for local times.
fn iso_date(text: &str) -> Option<DateTime> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()?;
    Some(DateTime::from_millis(parsed.timestamp_millis()))
}

fn naive_iso_date(text: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// Optional '-' then digits, nothing else (no '+', spaces or exponent).
fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn integer<T: FromStr>(text: &str) -> Option<T> {
    if is_integer_text(text) {
        text.parse().ok()
    } else {
        None
    }
}

/// A decimal number (`-1`, `1.5`, `.5`, `1.`, `2.5E+18`): Rust's float parser alone would
/// also take "inf", "nan" or "+1", which the spec does not.
fn is_decimal_text(text: &str) -> bool {
    let s = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let mut i = 0;
    let int_digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == s.len()
}

/// A finite double from decimal text; `None` if it is not one or overflows.
fn finite_double(text: &str) -> Option<f64> {
    if !is_decimal_text(text) {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn number_double(text: &str) -> Option<f64> {
    match text {
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => finite_double(text),
    }
}

/// A Decimal128 from its text, by `bson`'s parser once the text is known to follow the
/// spec's grammar: that parser (bson 2.15) also takes texts such as "", ".", "E01" or
/// "-+32.4" (as zero or worse), and refuses zeros whose exponent does not fit 16 bits
/// ("0E+2147483647"), which are valid zeros, clamped (both found by the corpus test).
fn decimal128(text: &str) -> Result<Decimal128, String> {
    let (sign, unsigned) = match text.as_bytes().first() {
        Some(b'-') => ("-", &text[1..]),
        Some(b'+') => ("", &text[1..]),
        _ => ("", text),
    };
    let special = unsigned.to_ascii_lowercase();
    if matches!(special.as_str(), "inf" | "infinity" | "nan" | "snan") {
        return Decimal128::from_str(text).map_err(|e| e.to_string());
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err("not a decimal number".to_string());
    }
    let exponent = exponent.unwrap_or("0");
    let exponent_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if exponent_digits.is_empty() || !all_digits(exponent_digits) {
        return Err("not a decimal number (bad exponent)".to_string());
    }
    if whole.bytes().chain(fraction.bytes()).all(|b| b == b'0') {
        // Any exponent gives a zero: saturate it (past 12 digits it is out of range
        // anyway), then clamp to the exponents Decimal128 can hold.
        let magnitude = if exponent_digits.len() > 12 {
            1_000_000_000_000
        } else {
            exponent_digits.parse::<i64>().unwrap_or(0)
        };
        let exponent = if exponent.starts_with('-') {
            -magnitude
        } else {
            magnitude
        };
        let stored = (exponent - fraction.len() as i64).clamp(-6176, 6111);
        return Decimal128::from_str(&format!("{sign}0E{stored}")).map_err(|e| e.to_string());
    }
    Decimal128::from_str(text).map_err(|e| e.to_string())
}

/// A relaxed number, typed by its text (kept exact by serde_json's `arbitrary_precision`):
/// integers as the smallest of Int32 and Int64 that holds them, others as doubles.
fn relaxed_number(n: &Number, path: &Path<'_>) -> Result<Bson, ExtJsonError> {
    let text = n.to_string();
    if is_integer_text(&text) {
        if let Ok(v) = text.parse::<i32>() {
            return Ok(Bson::Int32(v));
        }
        if let Ok(v) = text.parse::<i64>() {
            return Ok(Bson::Int64(v));
        }
    }
    finite_double(&text).map(Bson::Double).ok_or_else(|| {
        error(
            path,
            format!("the number {text} is out of range of a double"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Bson, ExtJsonError> {
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => panic!("test input {text:?} is not JSON: {e}"),
        };
        from_json(value)
    }

    fn ok(text: &str) -> Bson {
        match parse(text) {
            Ok(value) => value,
            Err(e) => panic!("{text:?} should parse, got {e}"),
        }
    }

    fn fails(text: &str) -> ExtJsonError {
        match parse(text) {
            Ok(value) => panic!("{text:?} should fail, got {value:?}"),
            Err(e) => e,
        }
    }

    fn doc(text: &str) -> Document {
        match ok(text) {
            Bson::Document(d) => d,
            other => panic!("{text:?} is not a document: {other:?}"),
        }
    }

    #[test]
    fn plain_json() {
        assert_eq!(ok("null"), Bson::Null);
        assert_eq!(ok("true"), Bson::Boolean(true));
        assert_eq!(ok("\"é\\u0000x\""), Bson::String("é\0x".to_string()));
        assert_eq!(
            ok("[1, \"a\", [], {}]"),
            Bson::Array(vec![
                Bson::Int32(1),
                Bson::String("a".into()),
                Bson::Array(vec![]),
                Bson::Document(Document::new()),
            ])
        );
        let d = doc(r#"{"b": {"c": [null]}, "a": false}"#);
        assert_eq!(d, bson::doc! { "b": { "c": [Bson::Null] }, "a": false });
        // Keys keep their order (serde_json's `preserve_order`, which `bson` enables).
        assert_eq!(d.keys().collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn relaxed_numbers_by_their_text() {
        assert_eq!(ok("0"), Bson::Int32(0));
        assert_eq!(ok("-0"), Bson::Int32(0));
        assert_eq!(ok("2147483647"), Bson::Int32(i32::MAX));
        assert_eq!(ok("-2147483648"), Bson::Int32(i32::MIN));
        assert_eq!(ok("2147483648"), Bson::Int64(2_147_483_648));
        assert_eq!(ok("-2147483649"), Bson::Int64(-2_147_483_649));
        assert_eq!(ok("9223372036854775807"), Bson::Int64(i64::MAX));
        assert_eq!(ok("-9223372036854775808"), Bson::Int64(i64::MIN));
        assert_eq!(
            ok("9223372036854775808"),
            Bson::Double(9.223_372_036_854_776e18)
        );
        assert_eq!(ok("1.0"), Bson::Double(1.0));
        assert_eq!(ok("250.555"), Bson::Double(250.555));
        assert_eq!(ok("1e3"), Bson::Double(1000.0));
        assert_eq!(ok("1E+18"), Bson::Double(1e18));
        assert_eq!(ok("1.5e-3"), Bson::Double(0.0015));
        match ok("-0.0") {
            Bson::Double(v) => assert!(v == 0.0 && v.is_sign_negative()),
            other => panic!("{other:?}"),
        }
        // serde_json keeps the digits but spells the exponent its own way ("1e+400").
        let e = fails("1e400");
        assert_eq!(e.message, "the number 1e+400 is out of range of a double");
        assert!(parse(&format!("1{}", "0".repeat(400))).is_err());
    }

    #[test]
    fn object_id() {
        let id = ok(r#"{"$oid": "57e193d7a9cc81b4027498b5"}"#);
        assert_eq!(
            id,
            Bson::ObjectId(ObjectId::from_bytes([
                0x57, 0xe1, 0x93, 0xd7, 0xa9, 0xcc, 0x81, 0xb4, 0x02, 0x74, 0x98, 0xb5
            ]))
        );
        assert!(fails(r#"{"$oid": "57e193d7a9cc81b4027498b"}"#)
            .message
            .contains("not an ObjectId"));
        assert!(fails(r#"{"$oid": "57e193d7a9cc81b4027498zz"}"#)
            .message
            .contains("not an ObjectId"));
        assert_eq!(
            fails(r#"{"$oid": 42}"#).message,
            "$oid must be a string, found a number"
        );
    }

    #[test]
    fn canonical_numbers() {
        assert_eq!(ok(r#"{"$numberInt": "42"}"#), Bson::Int32(42));
        assert_eq!(
            ok(r#"{"$numberInt": "-2147483648"}"#),
            Bson::Int32(i32::MIN)
        );
        assert_eq!(ok(r#"{"$numberLong": "42"}"#), Bson::Int64(42));
        assert_eq!(
            ok(r#"{"$numberLong": "-9223372036854775808"}"#),
            Bson::Int64(i64::MIN)
        );
        for bad in [
            r#"{"$numberInt": "2147483648"}"#,
            r#"{"$numberInt": "1.0"}"#,
            r#"{"$numberInt": "+1"}"#,
            r#"{"$numberInt": " 1"}"#,
            r#"{"$numberInt": ""}"#,
            r#"{"$numberInt": 42}"#,
            r#"{"$numberLong": "9223372036854775808"}"#,
            r#"{"$numberLong": "1e3"}"#,
            r#"{"$numberLong": 42}"#,
        ] {
            fails(bad);
        }
        assert_eq!(
            fails(r#"{"$numberInt": "2147483648"}"#).message,
            "$numberInt \"2147483648\" is not a 32-bit integer"
        );
    }

    #[test]
    fn canonical_doubles() {
        assert_eq!(ok(r#"{"$numberDouble": "1.0"}"#), Bson::Double(1.0));
        assert_eq!(ok(r#"{"$numberDouble": "-1.5E+2"}"#), Bson::Double(-150.0));
        assert_eq!(ok(r#"{"$numberDouble": "1e100"}"#), Bson::Double(1e100));
        assert_eq!(ok(r#"{"$numberDouble": ".5"}"#), Bson::Double(0.5));
        assert_eq!(ok(r#"{"$numberDouble": "7"}"#), Bson::Double(7.0));
        assert_eq!(
            ok(r#"{"$numberDouble": "Infinity"}"#),
            Bson::Double(f64::INFINITY)
        );
        assert_eq!(
            ok(r#"{"$numberDouble": "-Infinity"}"#),
            Bson::Double(f64::NEG_INFINITY)
        );
        assert!(matches!(ok(r#"{"$numberDouble": "NaN"}"#), Bson::Double(v) if v.is_nan()));
        match ok(r#"{"$numberDouble": "-0.0"}"#) {
            Bson::Double(v) => assert!(v == 0.0 && v.is_sign_negative()),
            other => panic!("{other:?}"),
        }
        for bad in [
            "inf", "nan", "infinity", "-NaN", "+1.0", "1.0.0", "1e", "e5", "-", ".", "", "1e400",
            "0x10", " 1",
        ] {
            let e = fails(&format!(r#"{{"$numberDouble": "{bad}"}}"#));
            assert!(e.message.contains("is not a double"), "{bad}: {e}");
        }
        fails(r#"{"$numberDouble": 1.0}"#);
    }

    #[test]
    fn decimals() {
        let d = ok(r#"{"$numberDecimal": "250.55"}"#);
        assert_eq!(d.to_string(), "250.55");
        assert!(matches!(d, Bson::Decimal128(_)));
        assert!(matches!(
            ok(r#"{"$numberDecimal": "NaN"}"#),
            Bson::Decimal128(_)
        ));
        assert!(matches!(
            ok(r#"{"$numberDecimal": "-Infinity"}"#),
            Bson::Decimal128(_)
        ));
        assert!(fails(r#"{"$numberDecimal": "abc"}"#)
            .message
            .starts_with("$numberDecimal \"abc\" is not a decimal"));
        fails(r#"{"$numberDecimal": 1.5}"#);
        // What bson's own parser gets wrong.
        for bad in [
            "", ".", "E01", "e+1", "-+32.4", "++1", "1e", "1.2.3", " 1", "1E+1.2",
        ] {
            let e = fails(&format!(r#"{{"$numberDecimal": "{bad}"}}"#));
            assert!(e.message.contains("is not a decimal"), "{bad}: {e}");
        }
        let decimal = |text: &str| match ok(&format!(r#"{{"$numberDecimal": "{text}"}}"#)) {
            Bson::Decimal128(d) => d.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(decimal("0E+2147483647"), "0E+6111");
        assert_eq!(decimal("-0E-2147483647"), "-0E-6176");
        assert_eq!(decimal("0.00E+99999999999999999999"), "0E+6111");
        assert_eq!(decimal("0.00E+3"), "0E+1");
        assert_eq!(decimal(&format!("0.{}", "0".repeat(7000))), "0E-6176");
        assert_eq!(decimal("+.5"), "0.5");
        assert_eq!(decimal("5."), "5");
        assert_eq!(decimal("-inf"), "-Infinity");
    }

    #[test]
    fn dates() {
        let ms = 1_714_800_000_000;
        let expected = Bson::DateTime(DateTime::from_millis(ms));
        assert_eq!(
            ok(r#"{"$date": {"$numberLong": "1714800000000"}}"#),
            expected
        );
        assert_eq!(ok(r#"{"$date": "2024-05-04T05:20:00Z"}"#), expected);
        assert_eq!(ok(r#"{"$date": "2024-05-04T05:20:00.000Z"}"#), expected);
        assert_eq!(ok(r#"{"$date": "2024-05-04T07:20:00+02:00"}"#), expected);
        assert_eq!(ok(r#"{"$date": "2024-05-04T07:20:00.000+0200"}"#), expected);
        assert_eq!(ok(r#"{"$date": 1714800000000}"#), expected);
        assert_eq!(
            ok(r#"{"$date": "2012-12-24T12:15:30.501Z"}"#),
            Bson::DateTime(DateTime::from_millis(1_356_351_330_501))
        );
        assert_eq!(
            ok(r#"{"$date": "1969-12-31T23:59:59.999Z"}"#),
            Bson::DateTime(DateTime::from_millis(-1))
        );
        assert_eq!(
            ok(r#"{"$date": {"$numberLong": "-284643869501"}}"#),
            Bson::DateTime(DateTime::from_millis(-284_643_869_501))
        );
        assert_eq!(
            ok(r#"{"$date": -1000}"#),
            Bson::DateTime(DateTime::from_millis(-1000))
        );

        assert_eq!(
            fails(r#"{"$date": "2024-05-04T05:20:00"}"#).message,
            "$date \"2024-05-04T05:20:00\" has no time zone offset (\"Z\" or \"+hh:mm\")"
        );
        assert!(fails(r#"{"$date": "2024-05-04"}"#)
            .message
            .contains("is not an ISO-8601 date-time"));
        assert!(fails(r#"{"$date": "2024-13-04T05:20:00Z"}"#)
            .message
            .contains("is not an ISO-8601 date-time"));
        assert!(fails(r#"{"$date": "yesterday"}"#)
            .message
            .contains("is not an ISO-8601 date-time"));
        assert!(fails(r#"{"$date": 1.5}"#)
            .message
            .contains("whole milliseconds"));
        assert!(fails(r#"{"$date": 1e12}"#)
            .message
            .contains("whole milliseconds"));
        fails(r#"{"$date": 99999999999999999999}"#);
        fails(r#"{"$date": {"$numberLong": 1714800000000}}"#);
        fails(r#"{"$date": {"$numberLong": "1.5"}}"#);
        fails(r#"{"$date": {"$numberInt": "1"}}"#);
        fails(r#"{"$date": {"$numberLong": "1", "x": 1}}"#);
        fails(r#"{"$date": {}}"#);
        fails(r#"{"$date": null}"#);
        fails(r#"{"$date": true}"#);
    }

    #[test]
    fn wrappers_have_exactly_their_key() {
        let e = fails(r#"{"$oid": "57e193d7a9cc81b4027498b5", "x": 1}"#);
        assert_eq!(
            e.message,
            "$oid must be the only key of its object, but there is also \"x\""
        );
        fails(r#"{"x": 1, "$numberInt": "1"}"#);
        fails(r#"{"$numberLong": "1", "$numberInt": "1"}"#);
        fails(r#"{"$date": {"$numberLong": "0"}, "unrelated": true}"#);
        fails(r#"{"$numberDecimal": "1", "$date": 0}"#);
    }

    #[test]
    fn unsupported_types_are_refused() {
        for (key, value) in [
            ("$binary", r#"{"base64": "AQIDBAU=", "subType": "80"}"#),
            ("$uuid", r#""73ffd264-44b3-4c69-90e8-e7d1dfc035d4""#),
            ("$regularExpression", r#"{"pattern": "a", "options": ""}"#),
            ("$timestamp", r#"{"t": 42, "i": 1}"#),
            ("$code", r#""function() {}""#),
            ("$symbol", r#""s""#),
            ("$minKey", "1"),
            ("$maxKey", "1"),
            (
                "$dbPointer",
                r#"{"$ref": "b", "$id": {"$oid": "56e1fc72e0c917e9c4714161"}}"#,
            ),
            ("$undefined", "true"),
            ("$regex", r#""^a""#),
            ("$type", r#""00""#),
            ("$scope", "{}"),
        ] {
            let e = fails(&format!(r#"{{"a": {{"{key}": {value}}}}}"#));
            assert_eq!(e.path, "a");
            assert_eq!(e.message, format!("unsupported Extended JSON type {key}"));
        }
        // Also beside other keys: legacy regular expressions and binaries, code with scope.
        for text in [
            r#"{"$regex": "^a", "$options": "i"}"#,
            r#"{"$binary": "AQID", "$type": "00"}"#,
            r#"{"$code": "f()", "$scope": {}}"#,
            r#"{"name": "x", "$type": 2}"#,
        ] {
            assert!(fails(text)
                .message
                .starts_with("unsupported Extended JSON type $"));
        }
    }

    #[test]
    fn other_dollar_keys_are_field_names() {
        assert_eq!(doc(r#"{"$key": 42}"#), bson::doc! { "$key": 42 });
        assert_eq!(doc(r#"{"$": "a"}"#), bson::doc! { "$": "a" });
        // A DBRef is an ordinary document with `$ref`, `$id` and `$db` fields.
        let dbref = doc(r#"{"$ref": "c", "$id": {"$oid": "57fd71e96e32ab4225b723fb"}}"#);
        assert!(matches!(dbref.get("$id"), Some(Bson::ObjectId(_))));
    }

    #[test]
    fn nul_in_keys_is_refused() {
        let e = fails(r#"{"a\u0000": 1}"#);
        assert_eq!(e.path, "");
        assert!(e.message.contains("NUL"), "{e}");
        let e = fails(r#"{"a": {"b\u0000": 1}}"#);
        assert_eq!(e.path, "a");
    }

    #[test]
    fn error_paths() {
        let e = fails(r#"{"paymentDetails": {"amountPaid": {"$numberDecimal": "x"}}}"#);
        assert_eq!(e.path, "paymentDetails.amountPaid");
        let e = fails(r#"{"items": [1, 2, {"x": {"$numberInt": 42}}]}"#);
        assert_eq!(e.path, "items[2].x");
        assert_eq!(
            e.to_string(),
            "items[2].x: $numberInt must be a string, found a number"
        );
        let e = fails(r#"{"reservations": [{}, {}, {}, {"amount": 1e999}]}"#);
        assert_eq!(e.path, "reservations[3].amount");
        let e = fails(r#"{"paymentDetails": {"transactionDate": {"$date": "today"}}}"#);
        assert_eq!(e.path, "paymentDetails.transactionDate");
        let e = fails(r#"{"a": [[0, [{"$oid": 1}]]]}"#);
        assert_eq!(e.path, "a[0][1][0]");
        let e = fails(r#"[{"$oid": 1}]"#);
        assert_eq!(e.path, "[0]");
        let e = fails(r#"{"$oid": 1}"#);
        assert_eq!(e.path, "");
    }

    #[test]
    fn documents_must_be_objects() {
        let value = |text: &str| -> Value {
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
        };
        assert_eq!(
            document_from_json(value(r#"{"a": {"$numberLong": "1"}}"#)),
            Ok(bson::doc! { "a": 1_i64 })
        );
        for text in [
            "[]",
            "1",
            "\"a\"",
            "null",
            r#"{"$oid": "57e193d7a9cc81b4027498b5"}"#,
        ] {
            let e = document_from_json(value(text)).expect_err(text);
            assert_eq!(e.path, "");
            assert!(e.message.starts_with("expected a document"), "{e}");
        }
    }

    #[test]
    fn relaxed_writer() {
        let d = bson::doc! {
            "_id": ObjectId::from_bytes([0; 12]),
            "n": 1,
            "l": 5_000_000_000_i64,
            "x": 1.0,
            "neg": -0.0,
            "inf": f64::INFINITY,
            "nan": f64::NAN,
            "negnan": -f64::NAN,
            "when": DateTime::from_millis(1_356_351_330_501),
            "before": DateTime::from_millis(-1),
            "y10k": DateTime::from_millis(253_402_300_800_000),
            "dec": Decimal128::from_str("1.50").unwrap_or_else(|e| panic!("{e}")),
            "sub": { "a": [1, "b"] },
        };
        let out = serde_json::to_string(&to_relaxed(&d)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            out,
            concat!(
                r#"{"_id":{"$oid":"000000000000000000000000"},"n":1,"l":5000000000,"#,
                r#""x":1.0,"neg":-0.0,"inf":{"$numberDouble":"Infinity"},"#,
                r#""nan":{"$numberDouble":"NaN"},"negnan":{"$numberDouble":"NaN"},"#,
                r#""when":{"$date":"2012-12-24T12:15:30.501Z"},"#,
                r#""before":{"$date":{"$numberLong":"-1"}},"#,
                r#""y10k":{"$date":{"$numberLong":"253402300800000"}},"#,
                r#""dec":{"$numberDecimal":"1.50"},"sub":{"a":[1,"b"]}}"#
            )
        );
        // What it writes reads back to the same values (doubles stay doubles).
        let back = document_from_json(to_relaxed(&d)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.get("x"), Some(&Bson::Double(1.0)));
        assert_eq!(back.get("l"), Some(&Bson::Int64(5_000_000_000)));
        assert_eq!(back.get("when"), d.get("when"));
        assert_eq!(back.get("before"), d.get("before"));
        assert_eq!(back.get("dec"), d.get("dec"));
    }
}
