//! Issue 12, fuzzing: property-based tests (proptest) for every parser the server owns.
//!
//! Each parser gets arbitrary input (strings, bytes, JSON trees), which must give `Ok` or
//! `Err` and never a panic, and, where it applies, a property that pins its rules down:
//! a round trip (`parse(render(x)) == x`), idempotent normalisation, an independent oracle
//! (the exact cents of a decimal text, the milliseconds of a date-time).
//!
//! Case counts are proptest's defaults, so `PROPTEST_CASES` raises them for a long run.
//! A failing case is saved in `fuzz_parsers.proptest-regressions` beside this file and
//! replayed first by every later run: keep that file.

use std::io::{BufRead, BufReader, Cursor};

use axum::extract::FromRequestParts;
use bson::oid::ObjectId;
use bson::{Bson, Decimal128, Document};
use locacar::domain::car::{plate_key, CarStatus, LicensePlate, Vin};
use locacar::domain::client::{phone_key, Cin, Client, Email, Phone};
use locacar::domain::date::Date;
use locacar::domain::id::Id;
use locacar::domain::money::Money;
use locacar::domain::reservation::PaymentMethod;
use locacar::domain::text::{
    clean_text, contains_pattern, optional_notes, optional_text, search_key,
};
use locacar::domain::time::Timestamp;
use locacar::domain::user::{username_key, FullName, NewPassword, Role, Username};
use locacar::error::AppError;
use locacar::http::extract::{nullable, parse_json_object, QueryParams};
use locacar::mongo::extjson::{document_from_json, from_json, to_relaxed};
use locacar::mongo::stream::{Documents, RawDocument};
use locacar::mongo::{documents, original};
use proptest::prelude::*;
use proptest::sample::select;
use serde::Deserialize;
use serde_json::{json, Map, Number, Value};

/// The server's largest amount, in cents (10 billion units).
const MAX_CENTS: i64 = 1_000_000_000_000;
/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: what RFC 3339 can write.
const FIRST_MS: i64 = -62_167_219_200_000;
const LAST_MS: i64 = 253_402_300_799_999;

// ------------------------------------------------------------------ shared strategies

/// Texts that are known to upset parsers: separators, controls, marks that Unicode
/// normalisation turns into spaces, case mappings that change length, wide forms.
#[rustfmt::skip]
const TRICKY: &[&str] = &[
    "", " ", "\t", "\n", "\r\n", "\0", "\u{7f}", "\u{85}", "\u{a0}", "\u{2028}", "\u{3000}",
    "\u{feff}", "-", ".", "_", "(", ")", "+", "@", "%", "\\", "\"", "'", "/", "e", "E", "0",
    "9", "a", "Z", "é", "e\u{301}", "\u{301}", "ß", "İ", "ı", "Σ", "ς", "Ϊ", "ᾼ", "ͺ", "¨",
    "ﹰ", "ﱞ", "ᴬ", "ﬀ", "Ａ", "１", "٣", "أ", "Ⅻ", "㎏", "𝐀", "\u{10ffff}", "\u{200d}",
];

/// Short strings mixing arbitrary characters with the tricky ones.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(String::from),
            select(TRICKY).prop_map(str::to_owned),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

/// The text of a JSON number, from plain integers to long mantissas and big exponents.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        "-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,4})?",
        "-?(0|[1-9][0-9]{0,40})(\\.[0-9]{1,40})?([eE][+-]?[0-9]{1,3})?",
        "-?(0|[1-9][0-9]{0,2})(\\.[0-9]{1,3})?[eE][+-]?[0-9]{1,12}",
    ]
}

/// Decimal text beyond JSON's grammar (leading zeros), as other callers pass it.
fn decimal_text() -> impl Strategy<Value = String> {
    prop_oneof![
        number_text(),
        "-?0[0-9]{1,30}(\\.[0-9]{0,30})?([eE][+-]?[0-9]{1,3})?",
    ]
}

/// A JSON number as `serde_json` (with `arbitrary_precision`) holds it.
fn json_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        number_text().prop_map(|t| {
            serde_json::from_str::<Number>(&t).unwrap_or_else(|e| panic!("{t}: {e}"))
        }),
    ]
}

/// Key names of this server's bodies and of the Extended JSON wrappers.
#[rustfmt::skip]
const JSON_KEYS: &[&str] = &[
    "fullName", "isActive", "dailyRate", "lines", "label", "_id", "$oid", "$numberInt",
    "$numberLong", "$numberDouble", "$numberDecimal", "$date", "$binary", "$regex",
    "$options", "$type", "$ref", "$id", "a", "a\0",
];

/// One of those, or anything.
fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![select(JSON_KEYS).prop_map(str::to_owned), text(),]
}

/// Strings that Extended JSON wrappers hold: numbers, ids, dates, and junk.
fn wrapped_text() -> impl Strategy<Value = String> {
    prop_oneof![
        number_text(),
        "[0-9a-fA-F]{22,26}",
        select(
            &[
                "NaN",
                "-NaN",
                "Infinity",
                "-Infinity",
                "inf",
                "+1",
                "-0",
                "1e",
                ".",
                "-+1"
            ][..]
        )
        .prop_map(str::to_owned),
        concat!(
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,4})?",
            "(Z|[+-][0-9]{2}:?[0-9]{2})?",
        ),
        text(),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number().prop_map(Value::Number),
        text().prop_map(Value::String),
        wrapped_text().prop_map(Value::String),
    ]
}

/// Any JSON value, at most 5 levels deep and about 64 nodes, with Extended JSON wrappers
/// (`{"$oid": …}`, `{"$date": {"$numberLong": …}}`) among its objects.
fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((json_key(), inner.clone()), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
            (json_key(), inner).prop_map(|(k, v)| Value::Object(Map::from_iter([(k, v)]))),
        ]
    })
}

/// A JSON object whose members are any JSON values.
fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((json_key(), json_value()), 0..5)
        .prop_map(|members| members.into_iter().collect())
}

fn id() -> impl Strategy<Value = Id> {
    any::<[u8; 12]>().prop_map(|b| Id::from(ObjectId::from_bytes(b)))
}

fn instant() -> impl Strategy<Value = Timestamp> {
    (FIRST_MS..=LAST_MS).prop_map(Timestamp::from_millis)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
/// `days_from_civil`): an oracle that shares no code with chrono.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

// ------------------------------------------------------------------------------ money

/// The exact value of a decimal text (`-?digits[.digits][e[±]digits]`) in cents, by string
/// arithmetic alone: `Some(Ok(cents))` within the server's range, `Some(Err(_))` for a
/// fraction of a cent or an amount out of range, `None` if the text is not of that form.
fn exact_cents(text: &str) -> Option<Result<i64, &'static str>> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let magnitude = e.strip_prefix(['+', '-']).unwrap_or(e);
            if magnitude.is_empty() || !digits(magnitude) {
                return None;
            }
            // Past 12 digits an exponent is absurd either way; only its sign matters.
            let m: i64 = if magnitude.len() > 12 {
                1_000_000_000_000
            } else {
                magnitude.parse().ok()?
            };
            if e.starts_with('-') {
                -m
            } else {
                m
            }
        }
    };
    let all = format!("{whole}{fraction}");
    let significant = all.trim_start_matches('0');
    if significant.is_empty() {
        return Some(Ok(0));
    }
    let kept = significant.trim_end_matches('0');
    // The value is `kept` × 10^shift, and in cents × 10^(shift + 2).
    let shift = exponent - fraction.len() as i64 + (significant.len() - kept.len()) as i64 + 2;
    if shift < 0 {
        return Some(Err("fraction of a cent"));
    }
    if kept.len() as i64 + shift > 13 {
        return Some(Err("out of range"));
    }
    let cents = kept.parse::<i64>().ok()? * 10_i64.pow(shift as u32);
    if cents > MAX_CENTS {
        return Some(Err("out of range"));
    }
    Some(Ok(if negative { -cents } else { cents }))
}

/// `cents` as one digit, a point and the rest, with an exponent: 45050 → `4.5050e2`.
fn scientific(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let digits = cents.unsigned_abs().to_string();
    let exponent = digits.len() as i64 - 3;
    match digits.split_at(1) {
        (first, "") => format!("{sign}{first}e{exponent}"),
        (first, rest) => format!("{sign}{first}.{rest}e{exponent}"),
    }
}

proptest! {
    #[test]
    fn money_parse_decimal_takes_any_text(s in text()) {
        let _ = Money::parse_decimal(&s);
    }

    /// Never a lost cent: whatever decimal text is accepted has exactly the cents it
    /// says, and a fraction of a cent or an amount out of range is refused.
    #[test]
    fn money_parse_decimal_is_exact(s in decimal_text()) {
        let parsed = Money::parse_decimal(&s).map(Money::cents);
        match exact_cents(&s) {
            Some(Ok(cents)) => {
                if let Ok(got) = parsed {
                    prop_assert_eq!(got, cents, "{}", s);
                }
                // Refusing a valid amount loses nothing, but short texts must pass.
                if s.len() <= 30 && !s.contains(['e', 'E']) {
                    prop_assert_eq!(parsed, Ok(cents), "{}", s);
                }
            }
            Some(Err(why)) => prop_assert!(parsed.is_err(), "{} ({}) gave {:?}", s, why, parsed),
            None => {}
        }
    }

    #[test]
    fn money_renders_and_parses_back_to_the_same_cents(cents in -MAX_CENTS..=MAX_CENTS) {
        let money = Money::from_cents(cents);
        for text in [
            money.to_string(),
            money.fixed(),
            format!("{}0", money.fixed()),
            format!("{cents}e-2"),
            format!("{cents}E-2"),
            scientific(cents),
        ] {
            prop_assert_eq!(Money::parse_decimal(&text).map(Money::cents), Ok(cents), "{}", text);
        }
        let json = serde_json::to_string(&money).unwrap_or_default();
        prop_assert_eq!(&json, &money.to_string());
        prop_assert_eq!(serde_json::from_str::<Money>(&json).ok(), Some(money));
        let value: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
        prop_assert_eq!(Money::parse_json(&value), Ok(money));
        // Only a JSON number is an amount: the same digits as a string are refused.
        prop_assert!(Money::parse_json(&Value::String(json.clone())).is_err());
        prop_assert!(serde_json::from_value::<Money>(Value::String(json)).is_err());
    }

    /// A third decimal is refused, never rounded, unless it is a zero.
    #[test]
    fn money_refuses_a_third_decimal(cents in -MAX_CENTS..=MAX_CENTS, digit in 1u8..=9) {
        let text = format!("{}{digit}", Money::from_cents(cents).fixed());
        prop_assert!(Money::parse_decimal(&text).is_err(), "{}", text);
        let scaled = format!("{cents}{digit}e-3");
        prop_assert!(Money::parse_decimal(&scaled).is_err(), "{}", scaled);
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        prop_assert!(Money::parse_json(&value).is_err(), "{}", text);
    }

    #[test]
    fn money_out_of_range_is_refused(
        cents in prop_oneof![MAX_CENTS + 1..=i64::MAX, i64::MIN..=-MAX_CENTS - 1],
    ) {
        let money = Money::from_cents(cents);
        prop_assert!(Money::parse_decimal(&money.to_string()).is_err());
        prop_assert!(Money::parse_decimal(&money.fixed()).is_err());
    }

    /// Any JSON value: only numbers can be amounts, read through their exact text; the
    /// positive and non-negative readers agree with the plain one and with their names.
    #[test]
    fn money_parse_json_takes_any_value(value in json_value()) {
        let plain = Money::parse_json(&value);
        match &value {
            Value::Number(n) => prop_assert_eq!(&plain, &Money::parse_decimal(&n.to_string())),
            _ => prop_assert!(plain.is_err()),
        }
        let positive = Money::parse_positive(&value);
        let non_negative = Money::parse_non_negative(&value);
        match plain {
            Ok(m) => {
                prop_assert_eq!(positive.is_ok(), m.cents() > 0);
                prop_assert_eq!(non_negative.is_ok(), m.cents() >= 0);
                prop_assert!(m.cents().abs() <= MAX_CENTS);
            }
            Err(_) => prop_assert!(positive.is_err() && non_negative.is_err()),
        }
    }
}

// ------------------------------------------------------------------------ date-times

/// Text shaped like RFC 3339, with fields in and out of range, and at the ends of the
/// years RFC 3339 can write.
fn rfc3339ish() -> impl Strategy<Value = String> {
    prop_oneof![
        concat!(
            "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?",
            "([Zz]|[+-][0-9]{2}:[0-9]{2})?",
        ),
        concat!(
            "(0000-01-01|9999-12-31)T(00|23):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,4})?",
            "([Zz]|[+-][01][0-9]:[0-5][0-9])",
        ),
    ]
}

/// A year, month, day or hour, often at either end of its range.
fn edgy(range: std::ops::RangeInclusive<i64>) -> impl Strategy<Value = i64> {
    let ends = vec![*range.start(), *range.end()];
    prop_oneof![range, select(ends)]
}

proptest! {
    #[test]
    fn timestamp_parse_takes_any_text(s in prop_oneof![text(), rfc3339ish()]) {
        if let Ok(t) = Timestamp::parse(&s) {
            // Whatever is accepted is written in RFC 3339 and reads back the same, so an
            // instant stored in a snapshot can always be read again.
            let written = t.to_string();
            prop_assert_eq!(Timestamp::parse(&written), Ok(t), "{} -> {}", s, written);
            prop_assert!(written.ends_with('Z'));
            let json = serde_json::to_value(t).unwrap_or(Value::Null);
            prop_assert_eq!(serde_json::from_value::<Timestamp>(json).ok(), Some(t));
        }
    }

    #[test]
    fn timestamp_round_trips(t in instant()) {
        prop_assert_eq!(Timestamp::parse(&t.to_string()), Ok(t));
    }

    /// The milliseconds of a date-time, against an oracle: the fraction is cut (not
    /// rounded) to the millisecond and the offset is taken away.
    #[test]
    fn timestamp_parse_matches_the_calendar(
        y in edgy(0..=9999),
        m in edgy(1..=12),
        d in edgy(1..=31),
        (h, mi, s) in (edgy(0..=23), edgy(0..=59), edgy(0..=59)),
        fraction in "(\\.[0-9]{1,9})?",
        offset in prop_oneof![Just(None), (-1439i64..=1439).prop_map(Some)],
    ) {
        let zone = match offset {
            None => "Z".to_owned(),
            Some(o) => {
                let sign = if o < 0 { '-' } else { '+' };
                format!("{sign}{:02}:{:02}", o.abs() / 60, o.abs() % 60)
            }
        };
        let text = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{zone}");
        let millis_of_fraction = fraction
            .get(1..)
            .map(|f| format!("{f:0<3}")[..3].parse::<i64>().unwrap_or(0))
            .unwrap_or(0);
        let expected = (days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s
            - offset.unwrap_or(0) * 60)
            * 1000
            + millis_of_fraction;
        let parsed = Timestamp::parse(&text);
        if d > days_in_month(y, m) {
            prop_assert!(parsed.is_err(), "{}", text);
        } else if (FIRST_MS..=LAST_MS).contains(&expected) {
            prop_assert_eq!(parsed.map(Timestamp::millis), Ok(expected), "{}", text);
        } else {
            // Before 0000 or after 9999 in UTC: not writable in RFC 3339, so refused.
            prop_assert!(parsed.is_err(), "{}", text);
        }
        // Without an offset the zone is unknown: refused.
        let naive = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}");
        prop_assert!(Timestamp::parse(&naive).is_err());
    }
}

// ------------------------------------------------------------------------------ dates

/// A real date with its fields written other ways: signed, unpadded, over-padded.
fn date_written_otherwise() -> impl Strategy<Value = String> {
    let field = |n: i64, width: usize| -> Vec<String> {
        vec![
            format!("{n:0width$}"),
            n.to_string(),
            format!("+{n}"),
            format!("+{n:0width$}"),
            format!("0{n:0width$}"),
        ]
    };
    (
        1i64..=9999,
        1i64..=12,
        1i64..=28,
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(move |(y, m, d, a, b, c)| {
            let (ys, ms, ds) = (field(y, 4), field(m, 2), field(d, 2));
            format!("{}-{}-{}", a.get(&ys), b.get(&ms), c.get(&ds))
        })
}

proptest! {
    #[test]
    fn date_parse_accepts_only_the_written_form(
        s in prop_oneof![
            text(),
            "[ 0-9+-]{8,12}",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            "[+-]?[0-9]{3,5}-[+-]?[0-9]{1,3}-[+-]?[0-9]{1,3}",
            date_written_otherwise(),
        ],
    ) {
        if let Ok(d) = Date::parse(&s) {
            // `YYYY-MM-DD` exactly, give or take spaces around it.
            prop_assert_eq!(d.to_string(), s.trim(), "{:?}", s);
        }
    }

    #[test]
    fn date_parse_matches_the_calendar(
        y in 0i64..=9999,
        m in 0i64..=13,
        d in 0i64..=32,
        pad in select(&["", " ", "\t", "\n", "\u{a0}", "\u{3000}"][..]),
    ) {
        let text = format!("{y:04}-{m:02}-{d:02}");
        let parsed = Date::parse(&format!("{pad}{text}{pad}"));
        if (1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d) {
            prop_assert_eq!(parsed.map(|d| d.to_string()), Ok(text));
        } else {
            prop_assert!(parsed.is_err(), "{}", text);
        }
    }

    #[test]
    fn date_round_trips(days in 0i64..3_652_059) {
        let day = chrono::NaiveDate::from_num_days_from_ce_opt(days as i32 + 1)
            .unwrap_or_default();
        let text = day.format("%Y-%m-%d").to_string();
        let parsed = Date::parse(&text);
        prop_assert_eq!(parsed.map(|d| d.to_string()), Ok(text.clone()));
        let json = Value::String(text.clone());
        let read = serde_json::from_value::<Date>(json).ok();
        prop_assert_eq!(read.and_then(|d| serde_json::to_value(d).ok()), Some(Value::String(text)));
    }
}

// -------------------------------------------------------------------------------- ids

proptest! {
    #[test]
    fn id_parse_takes_any_text(s in prop_oneof![text(), "[0-9a-fA-FxX ]{23,25}"]) {
        if let Ok(id) = s.parse::<Id>() {
            prop_assert_eq!(id.to_string(), s.to_ascii_lowercase());
        }
    }

    #[test]
    fn id_round_trips_in_either_case(id in id()) {
        let text = id.to_string();
        prop_assert_eq!(text.len(), 24);
        prop_assert!(text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        prop_assert_eq!(text.parse::<Id>().ok(), Some(id));
        prop_assert_eq!(text.to_ascii_uppercase().parse::<Id>().ok(), Some(id));
        let json = serde_json::to_value(id).unwrap_or(Value::Null);
        prop_assert_eq!(serde_json::from_value::<Id>(json).ok(), Some(id));
        // One character too many or too few, or one that is not hexadecimal: refused.
        for wrong in [format!("{text}0"), text[1..].to_owned(), format!("g{}", &text[1..])] {
            prop_assert!(wrong.parse::<Id>().is_err(), "{}", wrong);
        }
    }
}

// -------------------------------------------------------------------------- free text

/// `pattern` read back as `LIKE … ESCAPE '\'` reads it: the literal text between the
/// leading and trailing `%`, or `None` if a wildcard is left unescaped inside.
fn like_literal(pattern: &str) -> Option<String> {
    let inner = pattern.strip_prefix('%')?.strip_suffix('%')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '%' | '_' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

proptest! {
    #[test]
    fn clean_text_follows_its_rules_and_is_idempotent(raw in text(), max in 0usize..30) {
        let trimmed = raw.trim();
        let expected_ok = !trimmed.is_empty()
            && trimmed.chars().count() <= max
            && !trimmed.chars().any(char::is_control);
        match clean_text(&raw, max) {
            Ok(clean) => {
                prop_assert!(expected_ok);
                prop_assert_eq!(clean.as_str(), trimmed);
                prop_assert_eq!(clean_text(&clean, max), Ok(clean.clone()));
                prop_assert_eq!(optional_text(&raw, max), Ok(Some(clean)));
            }
            Err(_) => {
                prop_assert!(!expected_ok, "{:?} refused", raw);
                prop_assert_eq!(optional_text(&raw, max).is_err(), !trimmed.is_empty());
            }
        }
        let name = FullName::parse(&raw).map(|n| n.as_str().to_owned());
        prop_assert_eq!(name, clean_text(&raw, 100));
    }

    #[test]
    fn optional_notes_allow_line_breaks_only(raw in text(), max in 0usize..30) {
        match optional_notes(&raw, max) {
            Ok(None) => prop_assert!(raw.trim().is_empty()),
            Ok(Some(notes)) => {
                prop_assert_eq!(notes.as_str(), raw.trim());
                prop_assert!(notes.chars().count() <= max);
                let allowed = |c: char| !c.is_control() || matches!(c, '\n' | '\r' | '\t');
                prop_assert!(notes.chars().all(allowed));
                prop_assert_eq!(optional_notes(&notes, max), Ok(Some(notes.clone())));
            }
            Err(_) => {
                let t = raw.trim();
                prop_assert!(
                    t.chars().count() > max
                        || t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                );
            }
        }
    }

    #[test]
    fn search_keys_and_like_patterns(parts in prop::collection::vec(text(), 0..4)) {
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let key = search_key(&parts);
        prop_assert_eq!(search_key(&[&key]), key.clone());
        let needle = parts.concat();
        prop_assert_eq!(like_literal(&contains_pattern(&needle)), Some(needle.to_lowercase()));
    }
}

// ------------------------------------------------------------------------------- cars

/// A character of the VIN alphabet: A–Z and 0–9 without I, O and Q.
fn vin_char() -> impl Strategy<Value = char> {
    select(
        "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
            .chars()
            .collect::<Vec<_>>(),
    )
}

proptest! {
    #[test]
    fn plates_normalise_idempotently(raw in prop_oneof![text(), "[0-9A-Za-z أب -]{0,20}"]) {
        let key = plate_key(&raw);
        prop_assert_eq!(plate_key(&key), key.clone());
        if let Ok(plate) = LicensePlate::parse(&raw) {
            prop_assert_eq!(LicensePlate::parse(plate.as_str()), Ok(plate.clone()));
            // The stored key is the key of what was typed, which search filters compute.
            prop_assert_eq!(plate.key(), key.clone());
            prop_assert!((2..=15).contains(&key.chars().count()));
            let allowed = |c: char| c.is_alphanumeric() || c == ' ' || c == '-';
            prop_assert!(plate.as_str().chars().all(allowed));
            prop_assert!(!plate.as_str().starts_with(' ') && !plate.as_str().contains("  "));
        }
    }

    #[test]
    fn plates_typed_any_way_share_a_key(
        chars in prop::collection::vec("[0-9A-Za-z]", 2..=15),
        seps in prop::collection::vec(select(&["", " ", "-", "  ", " - "][..]), 16),
    ) {
        let plain: String = chars.concat();
        let typed: String = chars.iter().zip(&seps).map(|(c, s)| format!("{s}{c}")).collect();
        let a = LicensePlate::parse(&plain);
        let b = LicensePlate::parse(&typed);
        prop_assert!(a.is_ok() && b.is_ok(), "{:?} / {:?}", plain, typed);
        prop_assert_eq!(a.map(|p| p.key()), b.map(|p| p.key()));
    }

    #[test]
    fn vins_are_checked_and_upper_cased(
        raw in prop_oneof![text(), "[0-9A-Za-z ]{15,19}"],
        valid in prop::collection::vec(vin_char(), 17),
        lower in any::<bool>(),
        pad in select(&["", " ", "\t", "\u{a0}"][..]),
    ) {
        if let Ok(vin) = Vin::parse(&raw) {
            prop_assert_eq!(Vin::parse(vin.as_str()), Ok(vin.clone()));
            prop_assert_eq!(vin.as_str().len(), 17);
        }
        let vin: String = valid.into_iter().collect();
        let typed = if lower { vin.to_lowercase() } else { vin.clone() };
        let parsed = Vin::parse(&format!("{pad}{typed}{pad}"));
        prop_assert_eq!(parsed.map(|v| v.as_str().to_owned()), Ok(vin.clone()));
        for bad in ['I', 'O', 'Q', 'i', '-'] {
            let wrong = format!("{bad}{}", &vin[1..]);
            prop_assert!(Vin::parse(&wrong).is_err(), "{}", wrong);
        }
    }

    #[test]
    fn car_statuses_round_trip(
        s in prop_oneof![
            text(),
            select(&["available", "rented", "maintenance", "out_of_service", "Available"][..])
                .prop_map(str::to_owned),
        ],
    ) {
        if let Ok(status) = s.parse::<CarStatus>() {
            prop_assert_eq!(status.as_str(), s.as_str());
        }
        for status in CarStatus::ALL {
            prop_assert_eq!(status.as_str().parse::<CarStatus>().ok(), Some(status));
        }
    }
}

// ---------------------------------------------------------------------------- clients

proptest! {
    #[test]
    fn phones_normalise_idempotently(raw in prop_oneof![text(), "[+]?[0-9 ().-]{0,24}"]) {
        let key = phone_key(&raw);
        prop_assert_eq!(phone_key(&key), key.clone());
        if let Ok(phone) = Phone::parse(&raw) {
            prop_assert_eq!(Phone::parse(phone.as_str()), Ok(phone.clone()));
            prop_assert_eq!(phone.key(), key.as_str());
            let digits = key.strip_prefix('+').unwrap_or(&key);
            prop_assert!((6..=15).contains(&digits.len()));
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn phones_typed_any_way_share_a_key(
        plus in any::<bool>(),
        digits in "[0-9]{6,15}",
        seps in prop::collection::vec(select(&["", " ", "-", ".", "(", ")", " (", ") "][..]), 16),
    ) {
        let key = format!("{}{digits}", if plus { "+" } else { "" });
        let typed: String = digits.chars().zip(&seps).map(|(c, s)| format!("{s}{c}")).collect();
        let typed = format!("{}{typed}", if plus { "+" } else { "" });
        prop_assert_eq!(Phone::parse(&typed).map(|p| p.key().to_owned()), Ok(key));
        let lettered = format!("{typed}x");
        prop_assert!(Phone::parse(&lettered).is_err(), "{}", lettered);
    }

    #[test]
    fn emails_normalise_idempotently(
        raw in prop_oneof![text(), "[a-zA-Z0-9.@ -]{0,20}", "[a-z]{1,8}@[a-z]{1,8}\\.[a-z]{2,3}"],
    ) {
        if let Ok(email) = Email::parse(&raw) {
            prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
            prop_assert_eq!(email.as_str(), raw.trim());
            // Its key, read as an address, has itself for key.
            let key = email.key();
            if let Ok(again) = Email::parse(&key) {
                prop_assert_eq!(again.key(), key);
            }
        }
    }

    #[test]
    fn emails_compare_without_case(
        local in "[a-zA-Z0-9._%+-]{1,20}",
        domain in "[a-zA-Z0-9]{1,10}(\\.[a-zA-Z0-9]{1,10}){1,3}",
    ) {
        let email = format!("{local}@{domain}");
        let a = Email::parse(&email);
        let b = Email::parse(&email.to_uppercase());
        prop_assert!(a.is_ok() && b.is_ok(), "{}", email);
        prop_assert_eq!(a.map(|e| e.key()), b.map(|e| e.key()));
        // The last `@` splits, and the local part may not hold another; a label does not
        // start with `-`; there is no space anywhere.
        for wrong in [
            format!("{local}@{domain}@x.ma"),
            format!("{local}@-{domain}"),
            format!("{local} x@{domain}"),
        ] {
            prop_assert!(Email::parse(&wrong).is_err(), "{}", wrong);
        }
    }

    #[test]
    fn cins_normalise_idempotently(raw in prop_oneof![text(), "[a-zA-Z0-9 -]{0,24}"]) {
        if let Ok(cin) = Cin::parse(&raw) {
            prop_assert_eq!(Cin::parse(cin.as_str()), Ok(cin.clone()));
            let s = cin.as_str();
            prop_assert!((4..=20).contains(&s.len()));
            prop_assert!(s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
            // Upper case is Unicode's: `ß` is `SS` and `ı` is `I`, which are ASCII.
            let expected: String = raw
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect::<String>()
                .to_uppercase();
            prop_assert_eq!(s, expected.as_str());
        }
    }
}

// ------------------------------------------------------------------------------ users

proptest! {
    #[test]
    fn usernames_normalise_idempotently(raw in prop_oneof![text(), "[a-zA-Z0-9._ -]{0,12}"]) {
        let key = username_key(&raw);
        prop_assert_eq!(username_key(&key), key.clone(), "{:?}", raw);
        if let Ok(name) = Username::parse(&raw) {
            prop_assert_eq!(Username::parse(name.as_str()), Ok(name.clone()));
            prop_assert_eq!(name.key(), key);
            let len = name.as_str().chars().count();
            prop_assert!((3..=50).contains(&len));
            let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
            prop_assert!(name.as_str().chars().all(allowed));
        }
    }

    /// `Admin`, `ADMIN` and `ａｄｍｉｎ` are one account.
    #[test]
    fn usernames_compare_without_case_or_width(name in "[a-zA-Z0-9._-]{3,50}") {
        let wide: String = name
            .chars()
            .map(|c| char::from_u32(c as u32 - 0x20 + 0xFF00).unwrap_or(c))
            .collect();
        let key = username_key(&name);
        prop_assert_eq!(username_key(&name.to_uppercase()), key.clone());
        prop_assert_eq!(username_key(&wide), key.clone());
        prop_assert_eq!(Username::parse(&name).map(|u| u.key()), Ok(key.clone()));
        // Full-width `．`, `＿` and `－` are not the ASCII ones a name may hold.
        if name.chars().all(|c| c.is_ascii_alphanumeric()) {
            prop_assert_eq!(Username::parse(&wide).map(|u| u.key()), Ok(key));
        }
    }

    #[test]
    fn passwords_and_roles(raw in prop_oneof![text(), ".{6,10}"], role in text()) {
        let chars = raw.chars().count();
        let expected = (8..=256).contains(&chars) && !raw.contains('\0');
        match NewPassword::parse(&raw) {
            // Kept exactly as typed: a password is never trimmed or normalised.
            Ok(p) => prop_assert!(expected && p.expose() == raw),
            Err(_) => prop_assert!(!expected),
        }
        if let Ok(r) = role.parse::<Role>() {
            prop_assert_eq!(r.as_str(), role.as_str());
        }
    }
}

// ---------------------------------------------------------------------- request bodies

/// A body with the shapes this server's bodies have: optional fields that tell absent
/// from null, money as a raw JSON value, a nested list, and typed values.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Body {
    #[serde(default, deserialize_with = "nullable")]
    full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    is_active: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    daily_rate: Option<Option<Value>>,
    #[serde(default, deserialize_with = "nullable")]
    odometer_km: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    lines: Option<Option<Vec<Line>>>,
    amount: Option<Money>,
    start_date: Option<Timestamp>,
    date_of_birth: Option<Date>,
    car_id: Option<Id>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Line {
    label: String,
    quantity: i64,
}

const BODY_FIELDS: &[&str] = &[
    "fullName",
    "isActive",
    "dailyRate",
    "odometerKm",
    "lines",
    "amount",
    "startDate",
    "dateOfBirth",
    "carId",
];

fn status(result: &Result<Body, AppError>) -> u16 {
    result.as_ref().err().map_or(200, |e| e.status().as_u16())
}

fn line((label, quantity): &(String, i64)) -> Value {
    json!({ "label": label, "quantity": quantity })
}

fn named_fields(result: &Result<Body, AppError>) -> Vec<String> {
    match result {
        Err(AppError::Validation { fields, .. }) => fields.as_map().keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Absent, null or a value, as a `PUT` body may say.
fn field<T: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<Option<T>>> {
    prop_oneof![
        Just(None),
        Just(Some(None)),
        value.prop_map(|v| Some(Some(v)))
    ]
}

fn no_nul() -> impl Strategy<Value = String> {
    text().prop_map(|s| s.replace('\0', ""))
}

/// Writes `key: value` members as JSON text, each key spelled with random `\u` escapes,
/// so that two spellings of one key are not two keys.
fn object_text(members: &[(String, Value)], escapes: &[bool]) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| {
            let key: String = k
                .chars()
                .zip(escapes.iter().cycle())
                .map(|(c, &escape)| {
                    if escape && (c as u32) < 0x10000 {
                        format!("\\u{:04x}", c as u32)
                    } else {
                        serde_json::to_string(&c.to_string())
                            .map(|s| s[1..s.len() - 1].to_owned())
                            .unwrap_or_default()
                    }
                })
                .collect();
            format!("\"{key}\":{}", serde_json::to_string(v).unwrap_or_default())
        })
        .collect();
    format!("{{{}}}", body.join(","))
}

proptest! {
    #[test]
    fn json_bodies_take_any_bytes(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(select(&b"{}[]\",:\\ 0123456789.eE-+tfnaulrs\x00\xff"[..]), 0..64),
    ]) {
        let result = parse_json_object::<Body>(&bytes);
        prop_assert!(matches!(status(&result), 200 | 400 | 422), "{:?}", result);
    }

    #[test]
    fn json_bodies_take_any_json(value in json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap_or_default();
        let result = parse_json_object::<Body>(&bytes);
        match &value {
            // Well-formed and without a key twice (a `Map` cannot hold one): never a 400.
            Value::Object(members) => {
                prop_assert!(matches!(status(&result), 200 | 422), "{:?}", result);
                let named = named_fields(&result);
                // Every unknown key is named, all at once.
                let unknown: Vec<&String> = members
                    .keys()
                    .filter(|k| !BODY_FIELDS.contains(&k.as_str()))
                    .collect();
                for key in &unknown {
                    prop_assert!(named.contains(key), "{:?} not named in {:?}", key, named);
                }
                if result.is_ok() {
                    prop_assert!(unknown.is_empty());
                }
            }
            _ => prop_assert_eq!(status(&result), 422),
        }
    }

    #[test]
    fn json_bodies_deep_nesting_is_refused(
        depth in 100usize..3000,
        open in select(&["[", "{\"a\":"][..]),
    ) {
        let text = format!("{{\"lines\":{}", open.repeat(depth));
        let result = parse_json_object::<Body>(text.as_bytes());
        prop_assert_eq!(status(&result), 400);
    }

    /// A valid body reads back as exactly what was sent.
    #[test]
    fn json_bodies_round_trip(
        full_name in field(no_nul()),
        is_active in field(any::<bool>()),
        daily_rate in field(json_number().prop_map(Value::Number)),
        odometer_km in field(any::<i64>()),
        lines in field(prop::collection::vec((no_nul(), any::<i64>()), 0..4)),
        amount in prop::option::of(-MAX_CENTS..=MAX_CENTS),
        start_date in prop::option::of(instant()),
        date_of_birth in prop::option::of(0i32..3_652_059),
        car_id in prop::option::of(id()),
    ) {
        let mut members = Vec::new();
        let mut put = |name: &str, value: Option<Option<Value>>| {
            if let Some(v) = value {
                members.push((name.to_owned(), v.unwrap_or(Value::Null)));
            }
        };
        put("fullName", full_name.clone().map(|v| v.map(Value::String)));
        put("isActive", is_active.map(|v| v.map(Value::Bool)));
        put("dailyRate", daily_rate.clone());
        put("odometerKm", odometer_km.map(|v| v.map(Value::from)));
        let list = |ls: Vec<(String, i64)>| Value::Array(ls.iter().map(line).collect());
        put("lines", lines.clone().map(|v| v.map(list)));
        let birth = date_of_birth.map(|d| {
            let day = chrono::NaiveDate::from_num_days_from_ce_opt(d + 1).unwrap_or_default();
            day.format("%Y-%m-%d").to_string()
        });
        put("amount", amount.map(|c| Some(json!(Money::from_cents(c)))));
        put("startDate", start_date.map(|t| Some(json!(t))));
        put("dateOfBirth", birth.clone().map(|d| Some(Value::String(d))));
        put("carId", car_id.map(|i| Some(json!(i))));
        let text = object_text(&members, &[false]);
        let parsed = parse_json_object::<Body>(text.as_bytes());
        let expected = Body {
            full_name,
            is_active,
            daily_rate: None,
            odometer_km,
            lines: lines.map(|v| {
                let line = |(label, quantity)| Line { label, quantity };
                v.map(|ls| ls.into_iter().map(line).collect())
            }),
            amount: amount.map(Money::from_cents),
            start_date,
            date_of_birth: birth.and_then(|d| Date::parse(&d).ok()),
            car_id,
        };
        let Ok(mut parsed) = parsed else {
            return Err(TestCaseError::fail(format!("{text}: {parsed:?}")));
        };
        // A number read into a `Value` field may come back spelled otherwise: serde_json
        // passes it through a double when its text is the double's shortest form, and
        // writes that double back its own way (`-0` as `0`, `600000000000000.3` as
        // `600000000000000.2`). The amount it is read as must not move.
        let received = parsed.daily_rate.take();
        let shape = |v: &Option<Option<Value>>| v.as_ref().map(Option::is_some);
        prop_assert_eq!(shape(&received), shape(&daily_rate));
        if let (Some(Some(sent)), Some(Some(got))) = (&daily_rate, &received) {
            prop_assert_eq!(Money::parse_json(got), Money::parse_json(sent), "{} / {}", sent, got);
            prop_assert_eq!(got.as_f64(), sent.as_f64());
        }
        prop_assert_eq!(parsed, expected, "{}", text);
    }

    /// An amount in a body is read from the digits sent: a fraction of a cent however far
    /// down is refused, both as a raw value and as a typed amount, never rounded away.
    #[test]
    fn json_bodies_keep_amounts_exact(
        cents in -MAX_CENTS..=MAX_CENTS,
        zeros in 0usize..24,
        last in 0u8..=9,
        exponent in any::<bool>(),
    ) {
        let digits = format!("{}{}{last}", Money::from_cents(cents).fixed(), "0".repeat(zeros));
        let text = if exponent { format!("{digits}e0") } else { digits };
        let expected = if last == 0 { Ok(cents) } else { Err(()) };
        let body = format!("{{\"dailyRate\":{text},\"amount\":{text}}}");
        let parsed = parse_json_object::<Body>(body.as_bytes());
        if last == 0 {
            let read = parsed.as_ref().ok().and_then(|b| b.amount).map(Money::cents);
            prop_assert_eq!(read, Some(cents), "{}", text);
        } else {
            prop_assert_eq!(status(&parsed), 422, "{}", text);
        }
        let body = format!("{{\"dailyRate\":{text}}}");
        let raw = parse_json_object::<Body>(body.as_bytes()).ok().and_then(|b| b.daily_rate);
        let read = raw.flatten().map(|v| Money::parse_json(&v).map(Money::cents).map_err(drop));
        prop_assert_eq!(read, Some(expected), "{}", text);
    }

    /// A NUL in any string of a body is a 422 naming where it is.
    #[test]
    fn json_bodies_refuse_nul_by_path(
        before in no_nul(),
        after in no_nul(),
        at in 0usize..4,
        lines in prop::collection::vec(no_nul(), 1..4),
    ) {
        let bad = format!("{before}\0{after}");
        let (value, path) = if at == 0 {
            (json!({"fullName": bad}), "fullName".to_owned())
        } else {
            let n = at.min(lines.len()) - 1;
            let mut items: Vec<Value> = lines.iter().map(|l| line(&(l.clone(), 1))).collect();
            items[n] = line(&(bad, 1));
            (json!({"lines": items}), format!("lines[{n}].label"))
        };
        let result = parse_json_object::<Body>(&serde_json::to_vec(&value).unwrap_or_default());
        prop_assert_eq!(status(&result), 422);
        prop_assert!(named_fields(&result).contains(&path), "{:?}", named_fields(&result));
    }

    /// A key given twice, however spelled and however deep, is malformed: a 400.
    #[test]
    fn json_bodies_refuse_a_key_twice(
        members in prop::collection::vec((json_key(), json_value()), 0..4),
        key in json_key(),
        first in json_value(),
        second in json_value(),
        escapes in prop::collection::vec(any::<bool>(), 1..8),
        nested in any::<bool>(),
    ) {
        let mut members: Vec<(String, Value)> =
            members.into_iter().filter(|(k, _)| *k != key).collect();
        members.push((key.clone(), first));
        members.push((key, second));
        let twice = object_text(&members, &escapes);
        let text = if nested { format!("{{\"lines\":[{{}},{twice}]}}") } else { twice };
        let result = parse_json_object::<Body>(text.as_bytes());
        prop_assert_eq!(status(&result), 400, "{}", text);
    }
}

// ------------------------------------------------------------------- query parameters

fn query(raw: &str) -> Option<Result<QueryParams, AppError>> {
    let request = axum::http::Request::builder()
        .uri(format!("/api/cars?{raw}"))
        .body(())
        .ok()?;
    let (mut parts, ()) = request.into_parts();
    Some(futures::executor::block_on(
        QueryParams::from_request_parts(&mut parts, &()),
    ))
}

proptest! {
    #[test]
    fn query_strings_take_anything(raw in prop_oneof![
        "[a-zA-Z0-9=&%+;._~-]{0,40}",
        "((page|perPage|sort|q|from|active)=[%0-9a-zA-Z+-]{0,12}&){0,5}",
    ]) {
        let Some(result) = query(&raw) else { return Ok(()) };
        let Ok(params) = result else { return Ok(()) };
        if let Ok(page) = params.page() {
            prop_assert!((1..=1_000_000).contains(&page.page));
            prop_assert!((1..=100).contains(&page.per_page));
            prop_assert!(page.offset() >= 0);
        }
        if let Ok(Some(text)) = params.text("q") {
            prop_assert_eq!(text.trim(), text.as_str());
            prop_assert!(!text.is_empty() && text.chars().count() <= 200 && !text.contains('\0'));
        }
        if let Ok(Some(t)) = params.instant("from") {
            prop_assert_eq!(Timestamp::parse(&t.to_string()), Ok(t));
        }
        let _ = params.bool("active");
        let _ = params.parsed::<Id>("sort");
        let _ = params.sort(&[("plate", 0), ("year", 1)], 0);
    }

    /// What a client encodes is what the server reads; a name given twice is a 400.
    #[test]
    fn query_strings_round_trip(
        pairs in prop::collection::btree_map("[a-zA-Z]{1,8}", no_nul(), 0..6),
        twice in any::<bool>(),
    ) {
        let mut list: Vec<(String, String)> = pairs.clone().into_iter().collect();
        if twice && !list.is_empty() {
            list.push(list[0].clone());
        }
        let encoded = serde_urlencoded::to_string(&list).unwrap_or_default();
        let result = query(&encoded);
        prop_assert!(result.is_some(), "{}", encoded);
        match result {
            Some(Ok(params)) => {
                prop_assert!(!twice || pairs.is_empty());
                for (k, v) in &pairs {
                    prop_assert_eq!(params.get(k), Some(v.as_str()));
                }
            }
            Some(Err(e)) => {
                prop_assert!(twice && !pairs.is_empty(), "{}: {:?}", encoded, e);
                prop_assert_eq!(e.status().as_u16(), 400);
            }
            None => {}
        }
    }
}

// -------------------------------------------------------------------- Extended JSON

/// Supported BSON values (what the LocaCar schema can hold), any depth up to 4.
fn bson_value() -> impl Strategy<Value = Bson> {
    let leaf = prop_oneof![
        proptest::num::f64::ANY.prop_map(Bson::Double),
        any::<i32>().prop_map(Bson::Int32),
        any::<i64>().prop_map(Bson::Int64),
        text().prop_map(Bson::String),
        any::<bool>().prop_map(Bson::Boolean),
        Just(Bson::Null),
        any::<[u8; 12]>().prop_map(|b| Bson::ObjectId(ObjectId::from_bytes(b))),
        prop_oneof![any::<i64>(), FIRST_MS..=LAST_MS]
            .prop_map(|ms| Bson::DateTime(bson::DateTime::from_millis(ms))),
        "-?[0-9]{1,24}(\\.[0-9]{1,10})?(E[+-][0-9]{1,4})?|NaN|-?Infinity".prop_filter_map(
            "a Decimal128",
            |t| t.parse::<Decimal128>().ok().map(Bson::Decimal128),
        ),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Bson::Array),
            bson_document_of(inner).prop_map(Bson::Document),
        ]
    })
}

fn finite_f64() -> impl Strategy<Value = f64> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO
}

/// Field names: no NUL (BSON cannot hold one) and no leading `$` (a wrapper's place).
fn bson_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_.]{0,8}",
        text().prop_map(|k| k.replace('\0', "").trim_start_matches('$').to_owned()),
    ]
}

fn bson_document_of(value: impl Strategy<Value = Bson>) -> impl Strategy<Value = Document> {
    prop::collection::vec((bson_key(), value), 0..5)
        .prop_map(|members| members.into_iter().collect())
}

/// Equality of what relaxed Extended JSON can carry: an Int64 within 32 bits comes back
/// as an Int32 (a relaxed number is typed by its size), NaN is NaN whatever its bits.
fn same_bson(written: &Bson, read: &Bson, relaxed: bool) -> bool {
    match (written, read) {
        (Bson::Double(a), Bson::Double(b)) => {
            (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
        }
        (Bson::Int64(a), Bson::Int32(b)) if relaxed => *a == i64::from(*b),
        (Bson::Array(a), Bson::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_bson(x, y, relaxed))
        }
        (Bson::Document(a), Bson::Document(b)) => same_document(a, b, relaxed),
        (a, b) => a == b,
    }
}

fn unsigned_nans(doc: Document) -> Document {
    fn fix(value: Bson) -> Bson {
        match value {
            Bson::Double(v) if v.is_nan() => Bson::Double(f64::NAN),
            Bson::Array(items) => Bson::Array(items.into_iter().map(fix).collect()),
            Bson::Document(doc) => Bson::Document(unsigned_nans(doc)),
            other => other,
        }
    }
    doc.into_iter().map(|(k, v)| (k, fix(v))).collect()
}

fn same_document(a: &Document, b: &Document, relaxed: bool) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ka, va), (kb, vb))| ka == kb && same_bson(va, vb, relaxed))
}

proptest! {
    #[test]
    fn extjson_takes_any_json(value in json_value()) {
        let as_value = from_json(value.clone());
        let as_document = document_from_json(value.clone());
        // A document is exactly a value that reads as one; an error is the same either way.
        match &as_value {
            Ok(Bson::Document(doc)) => {
                let same = as_document.as_ref().is_ok_and(|d| same_document(doc, d, false));
                prop_assert!(same, "{:?} / {:?}", doc, as_document);
            }
            Ok(_) => prop_assert!(as_document.is_err()),
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                if value.is_object() {
                    prop_assert_eq!(as_document, Err(e.clone()));
                }
            }
        }
    }

    /// What the export writes (relaxed Extended JSON, through its text), the import reads
    /// back to the same values.
    #[test]
    fn extjson_relaxed_round_trip(doc in bson_document_of(bson_value())) {
        let text = serde_json::to_string(&to_relaxed(&doc)).unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let read = document_from_json(value);
        prop_assert!(read.is_ok(), "{} -> {:?}", text, read);
        let read = read.unwrap_or_default();
        prop_assert!(same_document(&doc, &read, true), "{:?}\n{}\n{:?}", doc, text, read);
    }

    /// Canonical Extended JSON keeps every type, so it reads back exactly.
    #[test]
    fn extjson_canonical_round_trip(doc in bson_document_of(bson_value())) {
        // `bson` writes a NaN with its sign bit as "-NaN", which the spec does not allow.
        let doc = unsigned_nans(doc);
        let canonical = Bson::Document(doc.clone()).into_canonical_extjson();
        let text = serde_json::to_string(&canonical).unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let read = document_from_json(value);
        prop_assert!(read.is_ok(), "{} -> {:?}", text, read);
        let read = read.unwrap_or_default();
        prop_assert!(same_document(&doc, &read, false), "{:?}\n{}\n{:?}", doc, text, read);
    }

    /// Every spelling of a date (canonical, relaxed ISO, legacy milliseconds, ISO with a
    /// `+hhmm` offset) is the same instant.
    #[test]
    fn extjson_dates_agree_in_every_form(ms in any::<i64>(), offset in -1439i64..=1439) {
        let expected = Bson::DateTime(bson::DateTime::from_millis(ms));
        let read = |v: Value| from_json(v).ok();
        let canonical = json!({"$date": {"$numberLong": ms.to_string()}});
        prop_assert_eq!(read(canonical), Some(expected.clone()));
        prop_assert_eq!(read(json!({"$date": ms})), Some(expected.clone()));
        let utc = chrono::DateTime::from_timestamp_millis(ms);
        if let Some(utc) = utc.filter(|_| (FIRST_MS..=LAST_MS).contains(&ms)) {
            let iso = utc.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            prop_assert_eq!(read(json!({"$date": iso})), Some(expected.clone()));
            let zone = chrono::FixedOffset::east_opt((offset * 60) as i32);
            if let Some(local) = zone.map(|z| utc.with_timezone(&z)) {
                if (0..=9999).contains(&chrono::Datelike::year(&local)) {
                    let legacy = local.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string();
                    prop_assert_eq!(read(json!({"$date": legacy})), Some(expected));
                }
            }
        }
    }

    /// A relaxed number is typed by its text: Int32, then Int64, then a double.
    #[test]
    fn extjson_relaxed_numbers_keep_their_value(n in any::<i64>(), x in finite_f64()) {
        let expected = i32::try_from(n).map_or(Bson::Int64(n), Bson::Int32);
        prop_assert_eq!(from_json(json!(n)).ok(), Some(expected));
        let number = Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null);
        match from_json(number) {
            Ok(Bson::Double(y)) => prop_assert_eq!(y.to_bits(), x.to_bits()),
            other => prop_assert!(false, "{} read as {:?}", x, other),
        }
    }

    /// A wrong value anywhere is reported at its path.
    #[test]
    fn extjson_errors_name_the_path(
        keys in prop::collection::vec(("k[a-zA-Z_]{0,5}", prop::option::of(0usize..3)), 1..5),
        bad in select(&[
            r#"{"$oid": 1}"#, r#"{"$numberInt": "1.5"}"#, r#"{"$date": "yesterday"}"#,
            r#"{"$numberDecimal": "x"}"#, r#"{"$binary": "AA=="}"#, r#"1e400"#,
            r#"{"$numberLong": "1", "x": 1}"#,
        ][..]),
    ) {
        let mut value: Value = serde_json::from_str(bad).unwrap_or(Value::Null);
        for (key, index) in keys.iter().rev() {
            if let Some(i) = index {
                let mut items = vec![json!({"ok": 1}); *i];
                items.push(value);
                value = Value::Array(items);
            }
            value = json!({ "before": true, key.as_str(): value, "after": "x" });
        }
        let path: String = keys
            .iter()
            .enumerate()
            .map(|(n, (key, index))| {
                let dot = if n == 0 { "" } else { "." };
                let index = index.map(|i| format!("[{i}]")).unwrap_or_default();
                format!("{dot}{key}{index}")
            })
            .collect();
        let error = document_from_json(value);
        prop_assert_eq!(error.map_err(|e| e.path), Err(path));
    }
}

// -------------------------------------------------------------------- document stream

type Cut = Result<Vec<(u64, u64, Vec<u8>)>, u64>;

/// Every document (line, index, text), or the line of the first error; checks on the way
/// that the stream is fused after an error and counts bytes truthfully.
fn cut<R: BufRead>(reader: R, len: usize) -> Cut {
    let mut documents = Documents::new(reader);
    let mut out = Vec::new();
    loop {
        match documents.next() {
            Some(Ok(RawDocument { line, index, text })) => out.push((line, index, text)),
            Some(Err(e)) => {
                assert!(documents.next().is_none(), "not fused after {e}");
                return Err(e.line);
            }
            None => {
                assert!(documents.next().is_none());
                assert_eq!(documents.bytes_read(), len as u64);
                return Ok(out);
            }
        }
    }
}

/// The same input cut with reads of 1, 2 and 7 bytes and of the usual size: all agree.
fn cut_every_way(input: &[u8]) -> Result<Cut, TestCaseError> {
    let whole = cut(Cursor::new(input), input.len());
    for capacity in [1, 2, 7] {
        let chunked = cut(
            BufReader::with_capacity(capacity, Cursor::new(input)),
            input.len(),
        );
        prop_assert_eq!(&chunked, &whole, "reads of {} bytes", capacity);
    }
    Ok(whole)
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// A file of documents as mongoexport (or a person) may write it, with where each
/// document's text starts and ends, and where the array (if any) closes.
#[derive(Debug, Clone)]
struct File {
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
    array_end: Option<usize>,
    bom: bool,
}

fn file() -> impl Strategy<Value = (File, Vec<Value>)> {
    let docs = prop::collection::vec((json_object(), any::<bool>()), 0..5);
    let space = select(&["", " ", "\n", "\r\n", "\t", "\n\n", " \n "][..]);
    (
        docs,
        prop::collection::vec(space, 12),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(docs, spaces, array, bom)| {
            let mut bytes = Vec::new();
            if bom {
                bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
            }
            let mut ws = spaces.iter().cycle();
            let mut next_space = || ws.next().copied().unwrap_or("");
            if array {
                bytes.extend_from_slice(next_space().as_bytes());
                bytes.push(b'[');
            }
            let mut spans = Vec::new();
            let mut values = Vec::new();
            for (n, (doc, pretty)) in docs.into_iter().enumerate() {
                if array && n > 0 {
                    bytes.extend_from_slice(next_space().as_bytes());
                    bytes.push(b',');
                }
                bytes.extend_from_slice(next_space().as_bytes());
                let value = Value::Object(doc);
                let text = if pretty {
                    serde_json::to_vec_pretty(&value)
                } else {
                    serde_json::to_vec(&value)
                }
                .unwrap_or_default();
                spans.push((bytes.len(), bytes.len() + text.len()));
                bytes.extend_from_slice(&text);
                values.push(value);
            }
            bytes.extend_from_slice(next_space().as_bytes());
            let array_end = array.then(|| {
                bytes.push(b']');
                bytes.len()
            });
            bytes.extend_from_slice(next_space().as_bytes());
            (
                File {
                    bytes,
                    spans,
                    array_end,
                    bom,
                },
                values,
            )
        })
}

/// Bytes that look like JSON more often than random ones do.
fn jsonish_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            3 => select(&b"{}[]\",:\\ \n\r\tax1"[..]),
            1 => any::<u8>(),
            1 => select(&[0xEFu8, 0xBB, 0xBF][..]),
        ],
        0..80,
    )
}

proptest! {
    #[test]
    fn stream_takes_any_bytes(
        bytes in prop_oneof![prop::collection::vec(any::<u8>(), 0..64), jsonish_bytes()],
    ) {
        // Each document is the input from its `{` (the next one after the last document)
        // to its `}`, on the line of that `{`.
        let docs = cut_every_way(&bytes)?.unwrap_or_default();
        let mut at = 0;
        for (n, (line, index, text)) in docs.iter().enumerate() {
            prop_assert_eq!(*index, n as u64 + 1);
            let start = bytes[at..].iter().position(|&b| b == b'{').map(|i| at + i);
            prop_assert!(start.is_some(), "document {} has no '{{'", index);
            let start = start.unwrap_or_default();
            at = start + text.len();
            prop_assert_eq!(bytes.get(start..at), Some(text.as_slice()));
            prop_assert_eq!(text.last(), Some(&b'}'));
            prop_assert_eq!(*line, 1 + newlines(&bytes[..start]));
        }
    }

    /// The documents of a file are cut exactly, in order, each at its line.
    #[test]
    fn stream_cuts_generated_files((file, values) in file()) {
        let docs = cut_every_way(&file.bytes)?;
        prop_assert!(docs.is_ok(), "{:?}: {:?}", String::from_utf8_lossy(&file.bytes), docs);
        let docs = docs.unwrap_or_default();
        prop_assert_eq!(docs.len(), values.len());
        for (n, ((line, index, text), value)) in docs.iter().zip(&values).enumerate() {
            let (start, end) = file.spans[n];
            prop_assert_eq!(text.as_slice(), &file.bytes[start..end]);
            prop_assert_eq!(*index, n as u64 + 1);
            prop_assert_eq!(*line, 1 + newlines(&file.bytes[..start]));
            let read: Value = serde_json::from_slice(text).unwrap_or(Value::Null);
            prop_assert_eq!(&read, value);
        }
    }

    /// A file cut short gives the documents it holds whole, then an error if it was cut
    /// inside a document, an array or a byte order mark: never part of a document.
    #[test]
    fn stream_truncated_files((file, _) in file(), at in any::<prop::sample::Index>()) {
        let len = at.index(file.bytes.len() + 1);
        let prefix = &file.bytes[..len];
        let result = cut_every_way(prefix)?;
        let whole: Vec<&(usize, usize)> =
            file.spans.iter().filter(|(_, end)| *end <= len).collect();
        let inside_document = file.spans.iter().any(|(start, end)| *start < len && len < *end);
        let inside_bom = file.bom && (1..3).contains(&len);
        let inside_array = file.array_end.is_some_and(|end| len < end)
            && file.bytes[..len].contains(&b'[');
        let shown = String::from_utf8_lossy(prefix);
        match result {
            Ok(docs) => {
                prop_assert!(!inside_document && !inside_bom && !inside_array, "{:?}", shown);
                prop_assert_eq!(docs.len(), whole.len());
            }
            Err(_) => prop_assert!(inside_document || inside_bom || inside_array, "{:?}", shown),
        }
        // Whatever is yielded before an error is whole documents of the file, in order.
        let mut documents = Documents::new(Cursor::new(prefix));
        for (n, (start, end)) in whole.iter().enumerate() {
            match documents.next() {
                Some(Ok(doc)) => prop_assert_eq!(doc.text.as_slice(), &file.bytes[*start..*end]),
                other => {
                    let got = other.map(|r| r.map(|d| d.index));
                    prop_assert!(false, "document {} missing: {:?}", n + 1, got);
                }
            }
        }
    }
}

// ------------------------------------------------------- the original schema, field by field

/// Field names the readers of the original schema ask for.
#[rustfmt::skip]
const SCHEMA_FIELDS: &[&str] = &[
    "_id", "CIN", "action", "actualPickupDate", "actualReturnDate", "addedAt", "addedBy",
    "additionalCharges", "amountPaid", "carId", "clientId", "color", "contentType",
    "createdAt", "createdBy", "creditsId", "currentBranchId", "dailyRate", "data",
    "dateOfBirth", "description", "details", "document", "driverLicenseNumber", "email",
    "endDate", "entityId", "entityType", "estimatedTotalCost", "etag", "extraKmRate",
    "finalTotalCost", "firstName", "fullName", "homeBranchId", "imageUrl",
    "includedKmPerDay", "isActive", "issuedAt", "issuedBy", "kind", "lastModifiedAt",
    "lastModifiedBy", "lastName", "licenseExpiryDate", "licenseIssueDate", "licensePlate",
    "make", "model", "notes", "odometerKm", "passwordHash", "paymentDetails", "payments",
    "phone", "rates", "registeredAt", "registeredBy", "reservationDate", "reservationId",
    "reservationNumber", "reste", "role", "startDate", "status", "thumb",
    "thumbContentType", "thumbEtag", "timestamp", "transactionDate", "updatedAt",
    "updatedBy", "uploadedAt", "uploadedBy", "userId", "userUsername", "username", "vin",
    "year",
];

/// Values of the kinds those fields hold, right and wrong.
fn schema_value() -> impl Strategy<Value = Bson> {
    let leaf = prop_oneof![
        select(
            &[
                "admin",
                "manager",
                "available",
                "rented",
                "cash",
                "card",
                "confirmed",
                "active",
                "completed",
                "cancelled",
                "pending_confirmation",
                "checkout",
                "12345-A-6",
                "VF1RFB00X66123456",
                "06 12 34 56 78",
                "amal@example.ma",
                "AB123456",
                "2000-02-29",
                "2024-05-04T05:20:00Z",
                "Amal",
                "",
                " ",
                "image/png",
                "aGk=",
                "57e193d7a9cc81b4027498b5",
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            ][..]
        )
        .prop_map(|s| Bson::String(s.to_owned())),
        text().prop_map(Bson::String),
        any::<[u8; 12]>().prop_map(|b| Bson::ObjectId(ObjectId::from_bytes(b))),
        prop_oneof![any::<i64>(), FIRST_MS..=LAST_MS]
            .prop_map(|ms| Bson::DateTime(bson::DateTime::from_millis(ms))),
        proptest::num::f64::ANY.prop_map(Bson::Double),
        select(&[250.5, 0.001, -1.0, 1e300, 2024.0][..]).prop_map(Bson::Double),
        any::<i32>().prop_map(Bson::Int32),
        select(&[0, 1, 2024, -5][..]).prop_map(Bson::Int32),
        any::<i64>().prop_map(Bson::Int64),
        "-?[0-9]{1,20}(\\.[0-9]{1,6})?(E[+-][0-9]{1,4})?|NaN|Infinity".prop_filter_map(
            "a Decimal128",
            |t| t.parse::<Decimal128>().ok().map(Bson::Decimal128),
        ),
        any::<bool>().prop_map(Bson::Boolean),
        Just(Bson::Null),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Bson::Array),
            prop::collection::vec((select(SCHEMA_FIELDS), inner), 0..4).prop_map(|members| {
                Bson::Document(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

fn schema_document() -> impl Strategy<Value = Document> {
    prop::collection::vec((select(SCHEMA_FIELDS), schema_value()), 0..24).prop_map(|members| {
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    })
}

/// A client as the API would have made it: every field through its own parser.
fn client() -> impl Strategy<Value = Client> {
    let name = "[A-Za-zéÉ' -]{1,20}".prop_filter_map("a name", |s| clean_text(&s, 60).ok());
    let phone = "[+]?[0-9]{2}( ?[0-9]{2}){2,6}".prop_filter_map("a phone", |s| {
        Phone::parse(&s).ok().map(|p| p.as_str().to_owned())
    });
    let email = "[a-z]{1,8}@[a-z]{1,8}\\.ma".prop_filter_map("an e-mail", |s| {
        Email::parse(&s).ok().map(|e| e.as_str().to_owned())
    });
    // Control characters taken out first, so that few texts are thrown away.
    let licence = text().prop_filter_map("a licence", |s| {
        let s: String = s.chars().filter(|c| !c.is_control()).collect();
        optional_text(&s, 30).ok()
    });
    let cin = "[A-Za-z]{1,2}[0-9]{4,8}".prop_filter_map("a CIN", |s| {
        Cin::parse(&s).ok().map(|c| c.as_str().to_owned())
    });
    let date = (0i32..3_652_059).prop_map(|d| {
        let day = chrono::NaiveDate::from_num_days_from_ce_opt(d + 1).unwrap_or_default();
        Date::parse(&day.format("%Y-%m-%d").to_string()).ok()
    });
    let notes = text().prop_filter_map("notes", |s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
            .collect();
        optional_notes(&s, 2000).ok()
    });
    (
        (
            id(),
            name.clone(),
            name,
            phone,
            prop::option::of(email),
            licence,
        ),
        (
            prop::option::of(cin),
            date.clone(),
            date.clone(),
            date,
            notes,
        ),
        (
            instant(),
            prop::option::of(id()),
            instant(),
            prop::option::of(id()),
        ),
    )
        .prop_map(
            |(
                (id, first_name, last_name, phone, email, driver_license_number),
                (cin, date_of_birth, license_issue_date, license_expiry_date, notes),
                (registered_at, registered_by, updated_at, updated_by),
            )| Client {
                id,
                first_name,
                last_name,
                phone,
                email,
                driver_license_number,
                cin,
                date_of_birth,
                license_issue_date,
                license_expiry_date,
                notes,
                registered_at,
                registered_by,
                updated_at,
                updated_by,
            },
        )
}

proptest! {
    /// Each reader gives a record exactly when it found nothing wrong: a document is never
    /// dropped without a word, nor taken with a problem.
    #[test]
    fn original_readers_take_any_document(doc in schema_document()) {
        macro_rules! check {
            ($name:literal, $read:expr) => {{
                let mut fields = original::Fields::new(&doc);
                let read = $read(&mut fields);
                prop_assert_eq!(
                    read.is_some(),
                    fields.problems.is_empty(),
                    "{}: {:?} -> {:?}",
                    $name,
                    doc,
                    fields.problems
                );
            }};
        }
        check!("user", original::user);
        check!("car", original::car);
        check!("client", original::client);
        check!("reservation", |f: &mut original::Fields<'_>| {
            original::reservation(f, PaymentMethod::Cash)
        });
        check!("audit entry", original::audit_entry);
        check!("car photo", |f: &mut original::Fields<'_>| original::photo(f, false));
        check!("inspection photo", |f: &mut original::Fields<'_>| original::photo(f, true));
        check!("invoice", original::invoice);
    }

    /// A client exported, through the file's text, imports back as it was.
    #[test]
    fn original_clients_export_and_import_back(client in client()) {
        let text = serde_json::to_string(&documents::client(&client)).unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let doc = document_from_json(value);
        prop_assert!(doc.is_ok(), "{} -> {:?}", text, doc);
        let doc = doc.unwrap_or_default();
        let mut fields = original::Fields::new(&doc);
        let read = original::client(&mut fields);
        prop_assert!(fields.problems.is_empty(), "{:?}", fields.problems);
        prop_assert!(fields.notices.is_empty(), "{:?}", fields.notices);
        prop_assert_eq!(read, Some(client));
    }
}
