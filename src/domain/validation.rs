//! Collecting field-level validation problems so one response can name them all.

use std::collections::BTreeMap;

use crate::error::AppError;

/// Field name → what is wrong with it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn single(field: &str, problem: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, problem);
        errors
    }

    /// Records a problem; the first one recorded for a field wins.
    pub fn add(&mut self, field: &str, problem: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| problem.into());
    }

    /// Runs a parse step, keeping its value or recording its error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    /// Like [`check`](Self::check) for a required field that may be absent.
    pub fn required<T, U>(
        &mut self,
        field: &str,
        value: Option<T>,
        parse: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        match value {
            Some(v) => self.check(field, parse(v)),
            None => {
                self.add(field, "is required");
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    pub fn into_error(self) -> AppError {
        let message = match self.0.iter().next() {
            Some((field, problem)) if self.0.len() == 1 => format!("{field}: {problem}"),
            _ => "some fields are invalid".to_owned(),
        };
        AppError::Validation {
            message,
            fields: self,
        }
    }

    /// `Ok(())` when nothing was recorded, the 422 otherwise.
    pub fn finish(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.into_error())
        }
    }
}
