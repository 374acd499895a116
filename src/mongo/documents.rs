//! This server's records written back in the original schema, as relaxed Extended JSON
//! v2 (what `mongoexport` writes by default), with this server's own fields beside the
//! original ones so that an export imports back whole (see [`super::original`]).

use serde::Serialize;
use serde_json::{json, Value};

use crate::db::audit::Entry;
use crate::db::invoices::Issued;
use crate::domain::car::Car;
use crate::domain::client::Client;
use crate::domain::id::Id;
use crate::domain::money::Money;
use crate::domain::rates::CarRates;
use crate::domain::reservation::Reservation;
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::mongo::original::PhotoRecord;

/// Latest instant that relaxed Extended JSON writes as an ISO string (end of year 9999).
const LAST_ISO_MILLIS: i64 = 253_402_300_799_999;

fn oid(id: Id) -> Value {
    json!({ "$oid": id.to_string() })
}

fn opt_oid(id: Option<Id>) -> Value {
    id.map_or(Value::Null, oid)
}

/// A date: an ISO string from 1970 to 9999, as relaxed Extended JSON says, else milliseconds.
fn date(at: Timestamp) -> Value {
    if (0..=LAST_ISO_MILLIS).contains(&at.millis()) {
        json!({ "$date": at })
    } else {
        json!({ "$date": { "$numberLong": at.millis().to_string() } })
    }
}

fn opt_date(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, date)
}

/// Money as the original stored it: a double. Every amount of cents up to 2^53 is the
/// double nearest to it, written with at most two decimals.
fn money(m: Money) -> Value {
    serde_json::to_value(m).unwrap_or(Value::Null)
}

/// This server's own fields, in their API form.
fn ours(v: &impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub fn user(u: &User, password_hash: &str) -> Value {
    json!({
        "_id": oid(u.id),
        "username": u.username,
        "passwordHash": password_hash,
        "role": u.role.as_str(),
        "fullName": u.full_name,
        "isActive": u.is_active,
        "createdAt": date(u.created_at),
        "updatedAt": date(u.updated_at),
    })
}

/// A document of one of this server's own collections (branches, extras, blocks): its
/// API form, with the `_id` an ObjectId as MongoDB holds it.
pub fn own(record: &impl Serialize) -> Value {
    let mut doc = ours(record);
    if let Some(id) = doc.get("_id").and_then(Value::as_str).map(str::to_owned) {
        doc["_id"] = json!({ "$oid": id });
    }
    doc
}

pub fn car(c: &Car, rates: &CarRates) -> Value {
    json!({
        "_id": oid(c.id),
        "make": c.make,
        "model": c.model,
        "year": c.year,
        "licensePlate": c.license_plate,
        "vin": c.vin,
        "color": c.color,
        "status": c.status.as_str(),
        "dailyRate": money(c.daily_rate),
        "imageUrl": Value::Null,
        "description": c.description,
        "homeBranchId": opt_oid(c.home_branch_id),
        "currentBranchId": opt_oid(c.current_branch_id),
        "rates": ours(rates),
        "odometerKm": c.odometer_km,
        "includedKmPerDay": c.included_km_per_day,
        "extraKmRate": money(c.extra_km_rate),
        "addedAt": date(c.added_at),
        "addedBy": opt_oid(c.added_by),
        "updatedAt": date(c.updated_at),
        "updatedBy": opt_oid(c.updated_by),
    })
}

pub fn client(c: &Client) -> Value {
    json!({
        "_id": oid(c.id),
        "firstName": c.first_name,
        "lastName": c.last_name,
        "phone": c.phone,
        "email": c.email,
        "driverLicenseNumber": c.driver_license_number,
        "CIN": c.cin,
        "dateOfBirth": ours(&c.date_of_birth),
        "licenseIssueDate": ours(&c.license_issue_date),
        "licenseExpiryDate": ours(&c.license_expiry_date),
        "notes": c.notes,
        "registeredAt": date(c.registered_at),
        "registeredBy": opt_oid(c.registered_by),
        "updatedAt": date(c.updated_at),
        "updatedBy": opt_oid(c.updated_by),
    })
}

pub fn reservation(r: &Reservation) -> Value {
    let p = &r.payment_details;
    let payments: Vec<Value> = p
        .payments
        .iter()
        .map(|pay| {
            json!({
                "amount": money(pay.amount),
                "method": pay.method.as_str(),
                "transactionDate": pay.transaction_date,
                "recordedBy": pay.recorded_by,
                "refundDue": pay.refund_due,
                "reason": pay.reason,
            })
        })
        .collect();
    json!({
        "_id": oid(r.id),
        "reservationNumber": r.reservation_number,
        "carId": oid(r.car_id),
        "clientId": oid(r.client_id),
        "startDate": date(r.start_date),
        "endDate": date(r.end_date),
        "actualPickupDate": opt_date(r.actual_pickup_date),
        "actualReturnDate": opt_date(r.actual_return_date),
        "status": r.status.as_str(),
        "dailyRate": money(r.daily_rate),
        "estimatedTotalCost": money(r.estimated_total_cost),
        "finalTotalCost": r.final_total_cost.map_or(Value::Null, money),
        "additionalCharges": ours(&r.additional_charges),
        "notes": r.notes,
        "reservationDate": date(r.reservation_date),
        "createdBy": opt_oid(r.created_by),
        "lastModifiedAt": date(r.last_modified_at),
        "lastModifiedBy": opt_oid(r.last_modified_by),
        "paymentDetails": {
            "amountPaid": money(p.amount_paid),
            "reste": money(p.remaining),
            "transactionDate": opt_date(p.transaction_date),
            "payments": payments,
        },
        "ratePlan": ours(&r.rate_plan),
        "extras": ours(&r.extras),
        "priceBasis": ours(&r.price_basis),
        "vatRate": ours(&r.vat_rate),
        "turnaroundMinutes": r.turnaround_minutes,
        "includedKmPerDay": r.included_km_per_day,
        "extraKmRate": money(r.extra_km_rate),
        "fee": ours(&r.fee),
        "depositAmount": money(r.deposit.required),
        "reviewRequired": r.review_required,
        "closedAt": opt_date(r.closed_at),
        "pickupBranchId": opt_oid(r.pickup_branch_id),
        "returnBranchId": opt_oid(r.return_branch_id),
        "additionalDriverIds": r.additional_drivers.iter().map(|d| d.id).collect::<Vec<_>>(),
        "depositMovements": ours(&r.deposit.movements),
        "checkoutInspection": ours(&r.checkout_inspection),
        "checkinInspection": ours(&r.checkin_inspection),
    })
}

pub fn audit_entry(e: &Entry) -> Value {
    json!({
        "_id": oid(e.id),
        "timestamp": date(e.timestamp),
        "userId": opt_oid(e.user_id),
        "userUsername": e.user_username,
        "action": e.action,
        "entityType": e.entity_type,
        "entityId": opt_oid(e.entity_id),
        "details": e.details,
        "before": e.before,
        "after": e.after,
    })
}

/// A photo and its thumbnail, bytes in base64 (`_id` is the car's for a car photo).
pub fn photo(p: &PhotoRecord) -> Value {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut doc = json!({
        "_id": oid(p.owner),
        "contentType": p.full.content_type,
        "data": b64(&p.full.data),
        "etag": p.full.etag,
        "thumbContentType": p.thumb.content_type,
        "thumb": b64(&p.thumb.data),
        "thumbEtag": p.thumb.etag,
        "uploadedAt": date(p.uploaded_at),
        "uploadedBy": opt_oid(p.uploaded_by),
    });
    if let Some((id, kind)) = p.inspection {
        doc["_id"] = oid(id);
        doc["reservationId"] = oid(p.owner);
        doc["kind"] = json!(kind.as_str());
    }
    doc
}

/// An issued invoice or credit note with its frozen content.
pub fn invoice(i: &Issued) -> Value {
    json!({
        "_id": oid(i.id),
        "reservationId": oid(i.reservation_id),
        "creditsId": opt_oid(i.credits_id),
        "issuedAt": date(i.issued_at),
        "issuedBy": opt_oid(i.issued_by),
        "document": ours(&i.document),
    })
}
