//! What the audit trail records: which action, on which kind of entity, and what changed.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

/// Every kind of change the audit trail knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditAction {
    LoginSuccess,
    LoginAttemptFailure,
    Logout,
    ChangePassword,
    CreateManager,
    UpdateManager,
    DeleteManager,
    CreateCar,
    UpdateCar,
    DeleteCar,
    UploadCarImage,
    DeleteCarImage,
    CreateClient,
    UpdateClient,
    DeleteClient,
    CreateReservation,
    UpdateReservation,
    UpdateReservationStatus,
    AddPayment,
    DeleteReservation,
    CreateBlock,
    UpdateBlock,
    DeleteBlock,
    CreateBranch,
    UpdateBranch,
    DeleteBranch,
    UploadInspectionPhoto,
    DeleteInspectionPhoto,
    ResolveReview,
    UpdateCarRates,
    CreateExtra,
    UpdateExtra,
    DeleteExtra,
    WaiveFee,
    RecordDeposit,
    IssueInvoice,
    IssueCreditNote,
    /// Data moved in from the Flask/MongoDB version (`locacar import-mongo`).
    ImportMongo,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::LoginSuccess => "LOGIN_SUCCESS",
            AuditAction::LoginAttemptFailure => "LOGIN_ATTEMPT_FAILURE",
            AuditAction::Logout => "LOGOUT",
            AuditAction::ChangePassword => "CHANGE_PASSWORD",
            AuditAction::CreateManager => "CREATE_MANAGER",
            AuditAction::UpdateManager => "UPDATE_MANAGER",
            AuditAction::DeleteManager => "DELETE_MANAGER",
            AuditAction::CreateCar => "CREATE_CAR",
            AuditAction::UpdateCar => "UPDATE_CAR",
            AuditAction::DeleteCar => "DELETE_CAR",
            AuditAction::UploadCarImage => "UPLOAD_CAR_IMAGE",
            AuditAction::DeleteCarImage => "DELETE_CAR_IMAGE",
            AuditAction::CreateClient => "CREATE_CLIENT",
            AuditAction::UpdateClient => "UPDATE_CLIENT",
            AuditAction::DeleteClient => "DELETE_CLIENT",
            AuditAction::CreateReservation => "CREATE_RESERVATION",
            AuditAction::UpdateReservation => "UPDATE_RESERVATION",
            AuditAction::UpdateReservationStatus => "UPDATE_RESERVATION_STATUS",
            AuditAction::AddPayment => "ADD_PAYMENT",
            AuditAction::DeleteReservation => "DELETE_RESERVATION",
            AuditAction::CreateBlock => "CREATE_BLOCK",
            AuditAction::UpdateBlock => "UPDATE_BLOCK",
            AuditAction::DeleteBlock => "DELETE_BLOCK",
            AuditAction::CreateBranch => "CREATE_BRANCH",
            AuditAction::UpdateBranch => "UPDATE_BRANCH",
            AuditAction::DeleteBranch => "DELETE_BRANCH",
            AuditAction::UploadInspectionPhoto => "UPLOAD_INSPECTION_PHOTO",
            AuditAction::DeleteInspectionPhoto => "DELETE_INSPECTION_PHOTO",
            AuditAction::ResolveReview => "RESOLVE_REVIEW",
            AuditAction::UpdateCarRates => "UPDATE_CAR_RATES",
            AuditAction::CreateExtra => "CREATE_EXTRA",
            AuditAction::UpdateExtra => "UPDATE_EXTRA",
            AuditAction::DeleteExtra => "DELETE_EXTRA",
            AuditAction::WaiveFee => "WAIVE_FEE",
            AuditAction::RecordDeposit => "RECORD_DEPOSIT",
            AuditAction::IssueInvoice => "ISSUE_INVOICE",
            AuditAction::IssueCreditNote => "ISSUE_CREDIT_NOTE",
            AuditAction::ImportMongo => "IMPORT_MONGO",
        }
    }
}

/// The kinds of entity an audit entry can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EntityType {
    User,
    Car,
    Client,
    Reservation,
    Branch,
    Extra,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::User => "User",
            EntityType::Car => "Car",
            EntityType::Client => "Client",
            EntityType::Reservation => "Reservation",
            EntityType::Branch => "Branch",
            EntityType::Extra => "Extra",
        }
    }
}

/// Every action, for checking a filter.
pub const ACTIONS: [AuditAction; 38] = [
    AuditAction::LoginSuccess,
    AuditAction::LoginAttemptFailure,
    AuditAction::Logout,
    AuditAction::ChangePassword,
    AuditAction::CreateManager,
    AuditAction::UpdateManager,
    AuditAction::DeleteManager,
    AuditAction::CreateCar,
    AuditAction::UpdateCar,
    AuditAction::DeleteCar,
    AuditAction::UploadCarImage,
    AuditAction::DeleteCarImage,
    AuditAction::CreateClient,
    AuditAction::UpdateClient,
    AuditAction::DeleteClient,
    AuditAction::CreateReservation,
    AuditAction::UpdateReservation,
    AuditAction::UpdateReservationStatus,
    AuditAction::AddPayment,
    AuditAction::DeleteReservation,
    AuditAction::CreateBlock,
    AuditAction::UpdateBlock,
    AuditAction::DeleteBlock,
    AuditAction::CreateBranch,
    AuditAction::UpdateBranch,
    AuditAction::DeleteBranch,
    AuditAction::UploadInspectionPhoto,
    AuditAction::DeleteInspectionPhoto,
    AuditAction::ResolveReview,
    AuditAction::UpdateCarRates,
    AuditAction::CreateExtra,
    AuditAction::UpdateExtra,
    AuditAction::DeleteExtra,
    AuditAction::WaiveFee,
    AuditAction::RecordDeposit,
    AuditAction::IssueInvoice,
    AuditAction::IssueCreditNote,
    AuditAction::ImportMongo,
];

impl std::str::FromStr for AuditAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ACTIONS
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| "is not a known audit action (e.g. CREATE_CAR, LOGIN_SUCCESS)".into())
    }
}

impl std::str::FromStr for EntityType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            EntityType::User,
            EntityType::Car,
            EntityType::Client,
            EntityType::Reservation,
            EntityType::Branch,
            EntityType::Extra,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
        .ok_or_else(|| "must be one of: Car, Client, User, Reservation, Branch, Extra".into())
    }
}

/// The top-level fields whose values differ between two JSON documents, sorted.
/// A missing document (creation, deletion) counts every field of the other as changed.
///
/// The documents are compact JSON text from `serde_json::to_string` of the same type, so a
/// value is unchanged exactly when its text is: comparing the raw text of each field
/// spares building, comparing and dropping two trees of values inside the write
/// transaction, where it was a third of a payment's work on the single SQLite writer.
pub fn changed_fields(before: Option<&str>, after: Option<&str>) -> Vec<String> {
    let (before, after) = (Fields::of(before), Fields::of(after));
    let mut fields: Vec<String> = before
        .0
        .iter()
        .filter(|(k, v)| after.get(k) != Some(v.get()))
        .chain(after.0.iter().filter(|(k, _)| before.get(k).is_none()))
        .map(|(k, _)| (*k).to_owned())
        .collect();
    fields.sort();
    fields
}

/// A document's top-level fields in their order, each with its value's raw text. Our
/// field names need no escaping, so they are borrowed from the text; a document that is
/// not an object has no fields.
struct Fields<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'a> Fields<'a> {
    fn of(doc: Option<&'a str>) -> Self {
        doc.and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or(Fields(Vec::new()))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v.get())
    }
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Fields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(32));
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_differing_fields_are_listed() {
        let before = r#"{"a":1,"b":"x","c":true,"e":{"f":[1,2]}}"#;
        let after = r#"{"a":1,"b":"y","d":null,"e":{"f":[1,2]}}"#;
        assert_eq!(changed_fields(Some(before), Some(after)), ["b", "c", "d"]);
    }

    #[test]
    fn a_change_inside_a_nested_value_names_its_top_level_field() {
        let before = r#"{"payments":[{"amount":"1.00"}],"status":"confirmed"}"#;
        let after = r#"{"payments":[{"amount":"1.00"},{"amount":"0.01"}],"status":"confirmed"}"#;
        assert_eq!(changed_fields(Some(before), Some(after)), ["payments"]);
    }

    #[test]
    fn creation_lists_every_field() {
        let after = r#"{"b":1,"a":2}"#;
        assert_eq!(changed_fields(None, Some(after)), ["a", "b"]);
        assert!(changed_fields(None, None).is_empty());
    }

    #[test]
    fn a_document_that_is_not_an_object_has_no_fields() {
        assert_eq!(changed_fields(Some("[1]"), Some(r#"{"a":1}"#)), ["a"]);
        assert!(changed_fields(Some("null"), Some("not json")).is_empty());
    }

    #[test]
    fn names_needing_escapes_are_not_read_values_with_escapes_are() {
        // Names needing escapes never come from our types; such a document is not read.
        assert!(changed_fields(None, Some(r#"{"a\"b":1}"#)).is_empty());
        let after = r#"{"status":"cancelled","notes":"a \"quoted\" word"}"#;
        let before = r#"{"status":"confirmed","notes":"a \"quoted\" word"}"#;
        assert_eq!(changed_fields(Some(before), Some(after)), ["status"]);
    }
}
