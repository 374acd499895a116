//! The JSON body extractor: the size limit, UTF-8, no key twice, no NUL, no unknown field,
//! and type errors told in JSON's words rather than Rust's.

use std::collections::HashSet;
use std::fmt;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::AppState;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;

/// A JSON body: in UTF-8 (else 415), at most the configured size (else 413), well-formed
/// with no key twice in an object (else 400), an object whose every key is a field of `T`
/// and whose text holds no NUL (else 422 naming them), with values of the right types.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        require_utf8(req.headers())?;
        let limit = usize::try_from(state.config.json_limit_bytes).unwrap_or(usize::MAX);
        let bytes = read_body(req, limit).await?;
        parse_json_object(&bytes).map(JsonBody)
    }
}

/// How much of a body over the limit is still read, and thrown away, before the 413.
///
/// The 413 closes the connection. Closed with unread bytes waiting, a socket sends a
/// reset, which makes many clients lose the answer they had not yet read and report a
/// broken connection instead. Reading the rest, within bounds, lets them see the 413.
const DRAIN_BYTES: usize = 8 * 1024 * 1024;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// The whole body, if it is at most `limit` bytes.
async fn read_body(req: Request, limit: usize) -> Result<Bytes, AppError> {
    use http_body_util::BodyExt;

    let headers = req.headers();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let expects_continue = headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let over = |n: u64, cap: usize| usize::try_from(n).map_or(true, |n| n > cap);
    if let Some(length) = declared.filter(|n| over(*n, limit)) {
        // A client waiting for `100 Continue` sends nothing more once refused, and a body
        // too large to drain is not worth reading: refuse before the first byte.
        if expects_continue || over(length, DRAIN_BYTES) {
            return Err(AppError::PayloadTooLarge);
        }
    }
    let mut body = req.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        // A body that breaks off cannot be answered anyway; the status is for the log.
        let frame = frame.map_err(|_| AppError::PayloadTooLarge)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > limit {
            let seen = bytes.len() + data.len();
            drop(bytes);
            let _ = tokio::time::timeout(DRAIN_TIME, async {
                let mut seen = seen;
                while seen <= DRAIN_BYTES {
                    match body.frame().await {
                        Some(Ok(frame)) => seen += frame.data_ref().map_or(0, Bytes::len),
                        _ => break,
                    }
                }
            })
            .await;
            return Err(AppError::PayloadTooLarge);
        }
        bytes.extend_from_slice(&data);
    }
    Ok(Bytes::from(bytes))
}

/// JSON text is UTF-8 (RFC 8259 §8.1). A body declared in another charset would be read
/// as something its sender did not write, so it is refused rather than guessed at.
fn require_utf8(headers: &HeaderMap) -> Result<(), AppError> {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let mut charsets = content_type
        .split(';')
        .skip(1)
        .filter_map(|param| param.split_once('='))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, value)| value.trim().trim_matches('"'));
    if charsets.any(|c| !c.eq_ignore_ascii_case("utf-8") && !c.eq_ignore_ascii_case("utf8")) {
        return Err(AppError::UnsupportedMediaType(
            "JSON must be sent in UTF-8 (charset=utf-8, or no charset)".into(),
        ));
    }
    Ok(())
}

/// The parsing steps of [`JsonBody`], separate so they can be tested without HTTP.
pub fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    // The parse above keeps the last of two equal keys: `{"dailyRate": -5, "dailyRate": 250}`
    // would pass as 250 while a proxy, a log or a reader of the text saw -5. Such a body
    // says two things at once, so it is refused as malformed.
    serde_json::from_slice::<UniqueKeys>(bytes)
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(AppError::Validation {
            message: "the body must be a JSON object".into(),
            fields: FieldErrors::default(),
        });
    };
    let known = serde_aux::serde_introspection::serde_introspect::<T>();
    let mut problems = FieldErrors::default();
    for key in object.keys().filter(|k| !known.contains(&k.as_str())) {
        problems.add(key, "is not a field you can set");
    }
    // PostgreSQL cannot store a NUL and SQLite can: refused here, for every text of every
    // body, it is the same 422 on both engines instead of a 500 on one of them.
    for field in nul_paths(&value) {
        problems.add(&field, "must not contain NUL characters");
    }
    problems.finish()?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." {
            "body".to_owned()
        } else {
            field
        };
        let problem = e.inner().to_string();
        let problem = problem.split(" at line ").next().unwrap_or(&problem);
        FieldErrors::single(&field, describe(problem)).into_error()
    })
}

/// The paths (`notes`, `inspection.signedBy`, `additionalCharges[0].label`) of the
/// strings in `value` that hold a NUL, written as type errors name fields.
fn nul_paths(value: &serde_json::Value) -> Vec<String> {
    fn walk(value: &serde_json::Value, at: &str, found: &mut Vec<String>) {
        match value {
            serde_json::Value::String(text) if text.contains('\0') => found.push(at.to_owned()),
            serde_json::Value::Array(items) => {
                for (n, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}[{n}]"), found);
                }
            }
            serde_json::Value::Object(members) => {
                for (key, member) in members {
                    let path = if at.is_empty() {
                        key.clone()
                    } else {
                        format!("{at}.{key}")
                    };
                    walk(member, &path, found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(value, "", &mut found);
    found
}

/// Any JSON value, read only to refuse an object that has a key twice.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeys)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self, A::Error> {
        while items.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    // Numbers come here too (with arbitrary precision, serde_json hands one over as a map
    // of a single entry), which is harmless: a single key cannot repeat.
    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = members.next_key::<String>()? {
            members.next_value::<UniqueKeys>()?;
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "the key {key:?} appears twice in one object"
                )));
            }
        }
        Ok(UniqueKeys)
    }
}

/// serde's words for a value of the wrong type name Rust types (`expected i64`,
/// `expected struct InspectionBody`): the client is told which JSON to send instead.
fn describe(problem: &str) -> String {
    if let Some((got, expected)) = problem
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.rsplit_once(", expected "))
    {
        let expected = match expected_kind(expected) {
            Some(kind) => kind,
            None if names_rust_types(expected) => "of another type",
            None => expected,
        };
        return format!("must be {expected}, not {}", got_kind(got));
    }
    if let Some((_, expected)) = problem
        .strip_prefix("invalid value: ")
        .and_then(|rest| rest.rsplit_once(", expected "))
    {
        if is_rust_number(expected) {
            return "must be a whole number within range".to_owned();
        }
    }
    // What serde_json says when a number does not fit the integer a field holds.
    if problem == "invalid number" {
        return "must be a whole number within range".to_owned();
    }
    if names_rust_types(problem) {
        return "has a value of the wrong type".to_owned();
    }
    problem.to_owned()
}

const RUST_INTEGERS: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

fn is_rust_number(word: &str) -> bool {
    RUST_INTEGERS.contains(&word) || matches!(word, "f32" | "f64")
}

fn names_rust_types(text: &str) -> bool {
    text.contains("::")
        || text.contains("struct ")
        || text.contains("enum ")
        || text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(is_rust_number)
}

fn expected_kind(expected: &str) -> Option<&'static str> {
    Some(match expected {
        e if RUST_INTEGERS.contains(&e) => "a whole number",
        "f32" | "f64" | "a JSON number" => "a number",
        "a string" | "a borrowed string" | "a character" => "text",
        "a boolean" => "true or false",
        "a sequence" => "a list",
        e if e.starts_with("struct ") || e == "a map" => "an object",
        // serde_json's words for an enum, which is read from a string.
        "string or map" => "one of the values listed for it",
        e if e.starts_with("enum ") => "one of the values listed for it",
        _ => return None,
    })
}

fn got_kind(got: &str) -> &'static str {
    match got.split(' ').next().unwrap_or("") {
        "boolean" => "true or false",
        "integer" | "floating" | "number" => "a number",
        "string" | "char" => "text",
        "sequence" => "a list",
        "map" => "an object",
        "unit" | "null" | "Option" => "null",
        _ => "that",
    }
}

/// For `PUT` bodies: tells a field that is absent (`None`) from one set to `null` (`Some(None)`).
pub fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Body {
        full_name: Option<String>,
        is_active: Option<bool>,
    }

    fn status(r: Result<Body, AppError>) -> u16 {
        r.err().map(|e| e.status().as_u16()).unwrap_or(200)
    }

    #[test]
    fn malformed_json_is_400_and_wrong_shapes_are_422() {
        assert_eq!(status(parse_json_object(b"{")), 400);
        assert_eq!(status(parse_json_object(b"[1]")), 422);
        assert_eq!(status(parse_json_object(br#"{"isActive": "yes"}"#)), 422);
        assert_eq!(
            status(parse_json_object(br#"{"fullName": "A", "isActive": true}"#)),
            200
        );
    }

    #[test]
    fn unknown_fields_are_named() {
        match parse_json_object::<Body>(br#"{"role": "admin"}"#) {
            Err(AppError::Validation { fields, .. }) => {
                assert!(fields.as_map().contains_key("role"))
            }
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    fn fields_of(r: Result<Body, AppError>) -> Vec<(String, String)> {
        match r {
            Err(AppError::Validation { fields, .. }) => fields
                .as_map()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn a_key_given_twice_is_malformed_whichever_copy_is_valid() {
        for body in [
            &br#"{"fullName": "A", "fullName": "B"}"#[..],
            br#"{"isActive": "no", "isActive": true}"#,
            br#"{"fullName": "A", "f\u0075llName": "B"}"#,
            br#"{"fullName": "A", "pad": [{"x": 1, "x": 2}]}"#,
        ] {
            assert_eq!(status(parse_json_object(body)), 400, "{body:?}");
        }
        // Equal keys in different objects, and numbers of any size, are fine.
        assert_eq!(
            status(parse_json_object(br#"{"fullName": "A", "isActive": true}"#)),
            200
        );
        let fine = br#"{"a": {"a": 1e400, "b": -0.5}, "b": [{"a": 2}, {"a": 3}], "c": "a"}"#;
        assert!(serde_json::from_slice::<UniqueKeys>(fine).is_ok());
    }

    #[test]
    fn a_nul_anywhere_is_named_by_its_path() {
        let fields = fields_of(parse_json_object(br#"{"fullName": "a\u0000b"}"#));
        assert_eq!(fields[0].0, "fullName");
        assert!(fields[0].1.contains("NUL"), "{fields:?}");
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Nested {
            lines: Vec<serde_json::Value>,
        }
        match parse_json_object::<Nested>(br#"{"lines": [{"label": "ok"}, {"label": "\u0000"}]}"#) {
            Err(AppError::Validation { fields, .. }) => {
                assert!(fields.as_map().contains_key("lines[1].label"), "{fields:?}")
            }
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn type_errors_speak_json_not_rust() {
        let fields = fields_of(parse_json_object(br#"{"isActive": "yes"}"#));
        assert_eq!(fields[0].1, "must be true or false, not text");
        assert_eq!(
            describe("invalid type: string \"250\", expected i64"),
            "must be a whole number, not text"
        );
        assert_eq!(
            describe("invalid type: integer `7`, expected struct InspectionBody"),
            "must be an object, not a number"
        );
        assert_eq!(
            describe("invalid number"),
            "must be a whole number within range"
        );
        assert_eq!(
            describe("invalid value: integer `-1`, expected u8"),
            "must be a whole number within range"
        );
        assert_eq!(
            describe("unknown variant `x`, expected `front` or `rear`"),
            "unknown variant `x`, expected `front` or `rear`"
        );
    }

    #[test]
    fn json_is_utf8_whatever_the_charset_says() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            require_utf8(&headers).err().map(|e| e.status().as_u16())
        };
        assert_eq!(with("application/json"), None);
        assert_eq!(with("application/json; charset=UTF-8"), None);
        assert_eq!(with("application/json;charset=\"utf-8\""), None);
        assert_eq!(with("application/json; charset=latin1"), Some(415));
        assert_eq!(with("application/json; charset=utf-16"), Some(415));
        assert_eq!(require_utf8(&HeaderMap::new()).ok(), Some(()));
    }
}
