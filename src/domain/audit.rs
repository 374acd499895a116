//! What the audit trail records: which action, on which kind of entity, and what changed.

use serde::Serialize;
use serde_json::Value;

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
pub fn changed_fields(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let empty = serde_json::Map::new();
    let as_map = |v: Option<&Value>| v.and_then(Value::as_object).unwrap_or(&empty).clone();
    let (before, after) = (as_map(before), as_map(after));
    let mut fields: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_differing_fields_are_listed() {
        let before = json!({"a": 1, "b": "x", "c": true});
        let after = json!({"a": 1, "b": "y", "d": null});
        assert_eq!(changed_fields(Some(&before), Some(&after)), ["b", "c", "d"]);
    }

    #[test]
    fn creation_lists_every_field() {
        let after = json!({"b": 1, "a": 2});
        assert_eq!(changed_fields(None, Some(&after)), ["a", "b"]);
        assert!(changed_fields(None, None).is_empty());
    }
}
