//! Moving in from, and out to, the Flask/MongoDB LocaCar: the files `mongoexport` writes
//! (one `COLLECTION.json` each, MongoDB Extended JSON), read and written as streams.
//!
//! - `stream` cuts a file into documents (JSON lines or one JSON array), remembering lines;
//! - `extjson` turns each into a BSON document (canonical, relaxed and legacy forms);
//! - `original` maps the original schema onto this one, field by field, with problems
//!   named by field, and `documents` writes this server's records back in it; the
//!   commands themselves are use cases (`services::import`, `services::export`).

pub mod documents;
pub mod extjson;
pub mod original;
pub mod stream;
