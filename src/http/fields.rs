//! Reading the fields of a create (`POST`) or partial update (`PUT`) body.
//!
//! Bodies use `Option<Option<T>>` per field (see [`super::extract::nullable`]):
//! `None` absent, `Some(None)` null, `Some(Some(v))` a value.

use crate::domain::validation::FieldErrors;

/// Whether a body creates a document (required fields must be there) or changes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Update,
}

/// A field that must have a value: required on create, never null.
/// Returns the parsed value, or `None` when absent on update (unchanged) or invalid.
pub fn required<T, U>(
    errors: &mut FieldErrors,
    mode: Mode,
    name: &str,
    value: Option<Option<T>>,
    parse: impl FnOnce(T) -> Result<U, String>,
) -> Option<U> {
    match value {
        None if mode == Mode::Create => {
            errors.add(name, "is required");
            None
        }
        None => None,
        Some(None) => {
            errors.add(name, "cannot be null");
            None
        }
        Some(Some(v)) => errors.check(name, parse(v)),
    }
}

/// An optional field: `None` leaves it as it is, `Some(None)` clears it (null or blank text).
pub fn optional<T, U>(
    errors: &mut FieldErrors,
    name: &str,
    value: Option<Option<T>>,
    parse: impl FnOnce(T) -> Result<Option<U>, String>,
) -> Option<Option<U>> {
    match value {
        None => None,
        Some(None) => Some(None),
        Some(Some(v)) => errors.check(name, parse(v)),
    }
}

/// Parses optional free text: blank clears it.
pub fn optional_text(max: usize) -> impl FnOnce(String) -> Result<Option<String>, String> {
    move |raw| crate::domain::text::optional_text(&raw, max)
}

/// Parses optional long text (notes, descriptions), where line breaks are allowed.
pub fn optional_notes(max: usize) -> impl FnOnce(String) -> Result<Option<String>, String> {
    move |raw| crate::domain::text::optional_notes(&raw, max)
}
