//! The MongoDB BSON corpus (`tests/fixtures/bson-corpus`, see its README.md) applied to our
//! Extended JSON reader and relaxed writer, as the corpus' `bson-corpus.md` describes for a
//! codec with a native representation (here `bson::Document`).
//!
//! Every case is either checked or skipped by one of the named rules below, and counted;
//! each file must check at least one case, so the test cannot pass by skipping everything.
//! Run with `--nocapture` to see the counts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bson::{Bson, DateTime, Document};
use locacar::mongo::extjson::{document_from_json, to_relaxed};
use serde_json::{json, Value};

/// Types the LocaCar schema never holds, which our reader refuses.
fn has_unsupported_type(value: &Bson) -> bool {
    match value {
        Bson::Document(doc) => doc.values().any(has_unsupported_type),
        Bson::Array(items) => items.iter().any(has_unsupported_type),
        Bson::Double(_)
        | Bson::String(_)
        | Bson::Boolean(_)
        | Bson::Null
        | Bson::Int32(_)
        | Bson::Int64(_)
        | Bson::ObjectId(_)
        | Bson::DateTime(_)
        | Bson::Decimal128(_) => false,
        _ => true,
    }
}

/// Whether a value's relaxed Extended JSON is its canonical form: not for numbers and
/// dates, which the relaxed form writes as plain numbers and ISO strings.
fn relaxed_is_canonical(value: &Bson) -> bool {
    match value {
        Bson::Document(doc) => doc.values().all(relaxed_is_canonical),
        Bson::Array(items) => items.iter().all(relaxed_is_canonical),
        Bson::Double(_) | Bson::Int32(_) | Bson::Int64(_) | Bson::DateTime(_) => false,
        _ => true,
    }
}

/// JSON equality as the corpus asks for it: objects unordered, numbers by value rather
/// than spelling (`1.0E+18` is `1e18`), but an integer is not a double (`1` is not `1.0`:
/// in relaxed Extended JSON the spelling carries the type) and `-0.0` is not `0.0`.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.to_string(), y.to_string());
            let integer = |s: &str| !s.contains(['.', 'e', 'E']);
            match (integer(&x), integer(&y)) {
                (true, true) => match (x.parse::<i128>(), y.parse::<i128>()) {
                    (Ok(x), Ok(y)) => x == y,
                    _ => x == y,
                },
                (false, false) => match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => x.to_bits() == y.to_bits(),
                    _ => false,
                },
                _ => false,
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_json(v, w))
        }
        _ => a == b,
    }
}

fn bson_bytes(doc: &Document) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    doc.to_writer(&mut out)
        .map_err(|e| format!("cannot encode: {e}"))?;
    Ok(out)
}

#[derive(Default)]
struct Tally {
    checked: usize,
    skipped: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: &str, result: Result<(), String>) {
        self.checked += 1;
        if let Err(e) = result {
            self.failures.push(format!("{what}: {e}"));
        }
    }

    fn skip(&mut self, rule: &'static str) {
        *self.skipped.entry(rule).or_default() += 1;
    }
}

fn text_field<'a>(case: &'a Value, key: &str) -> Option<&'a str> {
    case.get(key).and_then(Value::as_str)
}

fn parse_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): {text}"))
}

fn read_ext(text: &str) -> Result<Document, String> {
    document_from_json(parse_json(text)?).map_err(|e| format!("refused ({e}): {text}"))
}

/// json_to_native(EJ) then native_to_bson = cB.
fn ext_to_bytes(text: &str, canonical: &[u8]) -> Result<(), String> {
    let bytes = bson_bytes(&read_ext(text)?)?;
    if bytes == canonical {
        Ok(())
    } else {
        Err(format!(
            "{text} encodes to {}, expected {}",
            hex::encode_upper(&bytes),
            hex::encode_upper(canonical)
        ))
    }
}

fn relaxed_is(doc: &Document, expected: &str) -> Result<(), String> {
    let written = to_relaxed(doc);
    if same_json(&written, &parse_json(expected)?) {
        Ok(())
    } else {
        Err(format!("to_relaxed wrote {written}, expected {expected}"))
    }
}

fn valid_case(file: &str, case: &Value, tally: &mut Tally) {
    let description = text_field(case, "description").unwrap_or("?");
    let what = format!("{file} valid {description:?}");
    let (Some(canonical_hex), Some(canonical_ext)) = (
        text_field(case, "canonical_bson"),
        text_field(case, "canonical_extjson"),
    ) else {
        tally.check(&what, Err("no canonical_bson or canonical_extjson".into()));
        return;
    };
    // hex decodes either case, as the corpus asks ("mangle the case").
    let decoded = hex::decode(canonical_hex)
        .map_err(|e| format!("canonical_bson is not hex: {e}"))
        .and_then(|bytes| {
            Document::from_reader(&bytes[..])
                .map(|doc| (bytes, doc))
                .map_err(|e| format!("canonical_bson does not decode: {e}"))
        });
    let (canonical, native) = match decoded {
        Ok(pair) => pair,
        Err(e) => return tally.check(&what, Err(e)),
    };

    // Rule: a case holding a type the LocaCar schema never has (binary, code, timestamp,
    // regular expression, min/max key: only multi-type.json here) cannot round-trip
    // through a reader that refuses them; what we check instead is that it is refused,
    // and with the right message.
    if native.values().any(has_unsupported_type) {
        tally.check(
            &format!("{what} (refused as unsupported)"),
            match parse_json(canonical_ext).map(document_from_json) {
                Ok(Err(e)) if e.message.starts_with("unsupported Extended JSON type $") => Ok(()),
                Ok(Err(e)) => Err(format!("refused, but not as unsupported: {e}")),
                Ok(Ok(doc)) => Err(format!("accepted as {doc:?}")),
                Err(e) => Err(e),
            },
        );
        tally.skip("valid case with a type we refuse: round trips not applicable");
        return;
    }

    let lossy = case.get("lossy").and_then(Value::as_bool).unwrap_or(false);

    // cEJ: native_to_bson(json_to_native(cEJ)) = cB, unless lossy.
    if lossy {
        tally.check(
            &format!("{what} cEJ parses (lossy)"),
            read_ext(canonical_ext).map(drop),
        );
        tally.skip("lossy: cEJ -> cB byte comparison (as the corpus says)");
    } else {
        tally.check(
            &format!("{what} cEJ -> cB"),
            ext_to_bytes(canonical_ext, &canonical),
        );
    }

    // dEJ: native_to_bson(json_to_native(dEJ)) = cB, unless lossy.
    if let Some(degenerate_ext) = text_field(case, "degenerate_extjson") {
        if lossy {
            tally.check(
                &format!("{what} dEJ parses (lossy)"),
                read_ext(degenerate_ext).map(drop),
            );
            tally.skip("lossy: dEJ -> cB byte comparison (as the corpus says)");
        } else {
            tally.check(
                &format!("{what} dEJ -> cB"),
                ext_to_bytes(degenerate_ext, &canonical),
            );
        }
    }

    if let Some(relaxed_ext) = text_field(case, "relaxed_extjson") {
        // native_to_relaxed_extended_json(bson_to_native(cB)) = rEJ.
        tally.check(
            &format!("{what} cB -> rEJ"),
            relaxed_is(&native, relaxed_ext),
        );
        // native_to_relaxed_extended_json(json_to_native(rEJ)) = rEJ.
        tally.check(
            &format!("{what} rEJ -> rEJ"),
            read_ext(relaxed_ext).and_then(|doc| relaxed_is(&doc, relaxed_ext)),
        );
    } else if native.values().all(relaxed_is_canonical) {
        // Beyond the list in bson-corpus.md: strings, ObjectIds, booleans, null and
        // Decimal128 have the same relaxed and canonical forms (extended-json.md), so for
        // them native_to_canonical_extended_json(bson_to_native(cB)) = cEJ checks our
        // writer (and `bson`'s Decimal128 text) where the corpus gives no relaxed form.
        tally.check(
            &format!("{what} cB -> cEJ"),
            relaxed_is(&native, canonical_ext),
        );
    } else {
        tally.skip("no relaxed_extjson, and numbers or dates make the relaxed form differ");
    }

    // Rule: BSON-to-BSON cases exercise the `bson` crate's decoder, not our reader.
    if case.get("degenerate_bson").is_some() {
        tally.skip("degenerate_bson: tests the bson crate's decoder, not our reader");
    }
    // Rule: conversions of deprecated types (none in this corpus) are optional.
    if case.get("converted_bson").is_some() || case.get("converted_extjson").is_some() {
        tally.skip("converted_bson/converted_extjson: deprecated types, optional");
    }
}

fn parse_error_case(file: &str, bson_type: &str, test_key: &str, case: &Value, tally: &mut Tally) {
    let description = text_field(case, "description").unwrap_or("?");
    let what = format!("{file} parseError {description:?}");
    let Some(input) = text_field(case, "string") else {
        return tally.check(&what, Err("no string".into()));
    };
    let value = match bson_type {
        // The string is input for a Decimal128 parser: we give it to ours through the only
        // way our reader builds a Decimal128, the value of `$numberDecimal`.
        "0x13" => json!({ test_key: { "$numberDecimal": input } }),
        // The string is Extended JSON, and must be valid JSON (the corpus' SHOULD), so that
        // the error found is an Extended JSON one.
        "0x00" | "0x05" => match parse_json(input) {
            Ok(value) => value,
            Err(e) => return tally.check(&what, Err(e)),
        },
        other => {
            return tally.check(
                &what,
                Err(format!("no rule for parseErrors of type {other}")),
            );
        }
    };
    // Rule: `{"$date": <integer>}` is the legacy form older mongoexport wrote (integer
    // milliseconds), which we deliberately accept; strict v2 parsers refuse it. So for
    // this case we check the opposite: that it reads as those milliseconds.
    if let Some(millis) = legacy_date(&value) {
        tally.check(
            &format!("{what} (accepted as a legacy date)"),
            match document_from_json(value) {
                Ok(doc) if doc.get("a") == Some(&Bson::DateTime(DateTime::from_millis(millis))) => {
                    Ok(())
                }
                Ok(doc) => Err(format!("read as {doc:?}")),
                Err(e) => Err(format!("refused: {e}")),
            },
        );
        tally.skip("parseError {\"$date\": <integer>}: the legacy form we accept");
        return;
    }
    tally.check(
        &what,
        match document_from_json(value) {
            Err(_) => Ok(()),
            Ok(doc) => Err(format!("{input} was accepted as {doc:?}")),
        },
    );
}

/// `{"a": {"$date": <integer>}}`: the milliseconds.
fn legacy_date(value: &Value) -> Option<i64> {
    let object = value.as_object()?;
    if object.len() != 1 {
        return None;
    }
    let wrapper = object.get("a")?.as_object()?;
    if wrapper.len() != 1 {
        return None;
    }
    wrapper.get("$date")?.as_i64()
}

fn run_file(path: &Path) -> Tally {
    let mut tally = Tally::default();
    let file = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let corpus: Value = match fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| parse_json(&text))
    {
        Ok(corpus) => corpus,
        Err(e) => {
            tally.check(&file, Err(e));
            return tally;
        }
    };
    let bson_type = text_field(&corpus, "bson_type").unwrap_or("?");
    let test_key = text_field(&corpus, "test_key").unwrap_or("d");
    let cases = |key: &str| {
        corpus
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for case in cases("valid") {
        valid_case(&file, &case, &mut tally);
    }
    for case in cases("parseErrors") {
        parse_error_case(&file, bson_type, test_key, &case, &mut tally);
    }
    // Rule: decodeErrors are invalid BSON bytes for a BSON decoder (the `bson` crate's);
    // our reader never sees BSON bytes.
    for _ in cases("decodeErrors") {
        tally.skip("decodeErrors: BSON bytes, for the bson crate's decoder, not our reader");
    }
    tally
}

#[test]
fn bson_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bson-corpus");
    let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect(),
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {}", dir.display());

    let mut failures = Vec::new();
    let mut empty = Vec::new();
    let (mut checked, mut skipped) = (0, 0);
    for path in &files {
        let tally = run_file(path);
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("{name}: {} checked", tally.checked);
        for (rule, count) in &tally.skipped {
            println!("    skipped {count}: {rule}");
        }
        if tally.checked == 0 {
            empty.push(name);
        }
        checked += tally.checked;
        skipped += tally.skipped.values().sum::<usize>();
        failures.extend(tally.failures);
    }
    println!(
        "{} files: {checked} checked, {skipped} skipped",
        files.len()
    );
    assert!(empty.is_empty(), "files with no case checked: {empty:?}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
