//! The Flask/MongoDB schema, read field by field into this server's records.
//!
//! The original stored what its forms sent, with few rules: money as doubles, ids as
//! ObjectIds (sometimes as their hex text), dates as BSON dates, and one aggregate payment
//! per reservation (`paymentDetails: {amountPaid, reste, transactionDate}`). Each reader
//! here takes one document and gives back the record, or the list of what is wrong with
//! it, each named by its field; adjustments that lose nothing of value (money with more
//! than two decimals rounded to the cent, a creation time taken from the ObjectId) are
//! kept as notices. Rules that span documents (uniqueness, overlaps, references) are the
//! database's, applied by the import.
//!
//! Documents this server exported itself carry more fields (rate plans, charges, the list
//! of payments, …): the readers take them when present, so an export imports back whole.

use bson::{Bson, Document};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::db::audit::Entry;
use crate::db::car_images::StoredImage;
use crate::db::invoices::Issued;
use crate::domain::billing::Fee;
use crate::domain::car::{parse_year, Car, CarStatus, LicensePlate, Vin};
use crate::domain::client::{Cin, Client, Email, Phone};
use crate::domain::date::Date;
use crate::domain::deposit::DepositMovement;
use crate::domain::extras::ChosenExtra;
use crate::domain::id::Id;
use crate::domain::inspection::{Inspection, InspectionKind};
use crate::domain::invoice::InvoiceDocument;
use crate::domain::money::Money;
use crate::domain::password;
use crate::domain::pricing::Charge;
use crate::domain::rates::{CarRates, RatePlan};
use crate::domain::reservation::{Payment, PaymentMethod, ReservationStatus};
use crate::domain::tax::{PriceBasis, VatRate};
use crate::domain::text::{clean_text, optional_notes, optional_text};
use crate::domain::time::Timestamp;
use crate::domain::user::{FullName, Role, User, Username};

/// Something said about one field of one document (or of the whole document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The dotted path of the field, e.g. `paymentDetails.amountPaid`; `None` for the document.
    pub field: Option<String>,
    pub message: String,
}

/// Reads one document's fields, collecting problems (the document cannot be imported)
/// and notices (it can, adjusted as said).
pub struct Fields<'a> {
    doc: &'a Document,
    prefix: String,
    pub problems: Vec<Finding>,
    pub notices: Vec<Finding>,
}

impl<'a> Fields<'a> {
    pub fn new(doc: &'a Document) -> Self {
        Fields {
            doc,
            prefix: String::new(),
            problems: Vec::new(),
            notices: Vec::new(),
        }
    }

    fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Records a problem with `name`, and gives `None` to the caller.
    pub fn problem<T>(&mut self, name: &str, message: impl Into<String>) -> Option<T> {
        let field = Some(self.path(name));
        self.problems.push(Finding {
            field,
            message: message.into(),
        });
        None
    }

    fn notice(&mut self, name: &str, message: impl Into<String>) {
        let field = Some(self.path(name));
        self.notices.push(Finding {
            field,
            message: message.into(),
        });
    }

    /// The value of `name`, where null and absent are both "no value".
    fn get(&self, name: &str) -> Option<&'a Bson> {
        self.doc.get(name).filter(|v| !matches!(v, Bson::Null))
    }

    fn required<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut Self, &'a Bson) -> Option<T>,
    ) -> Option<T> {
        match self.get(name) {
            Some(v) => read(self, v),
            None => self.problem(name, "is required"),
        }
    }

    /// `Some(None)` when absent or null, `None` when present and wrong.
    fn optional<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut Self, &'a Bson) -> Option<T>,
    ) -> Option<Option<T>> {
        match self.get(name) {
            Some(v) => read(self, v).map(Some),
            None => Some(None),
        }
    }

    fn string(&mut self, name: &str, v: &'a Bson) -> Option<&'a str> {
        match v {
            Bson::String(s) => Some(s),
            other => self.problem(name, format!("must be a string, not {}", kind(other))),
        }
    }

    /// A required string checked by `parse`.
    pub fn text<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.required(name, |f, v| {
            let s = f.string(name, v)?;
            parse(s).map_or_else(|e| f.problem(name, e), Some)
        })
    }

    /// An optional string checked by `parse` (which may itself find it blank: `Ok(None)`).
    pub fn opt_text<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<Option<T>, String>,
    ) -> Option<Option<T>> {
        self.optional(name, |f, v| {
            let s = f.string(name, v)?;
            parse(s).map_or_else(|e| f.problem(name, e), Some)
        })
        .map(Option::flatten)
    }

    fn id_of(&mut self, name: &str, v: &Bson) -> Option<Id> {
        match v {
            Bson::ObjectId(oid) => Some(Id::from(*oid)),
            Bson::String(s) => s
                .parse()
                .map_or_else(|e| self.problem(name, format!("{e}")), Some),
            other => self.problem(name, format!("must be an ObjectId, not {}", kind(other))),
        }
    }

    pub fn id(&mut self, name: &str) -> Option<Id> {
        self.required(name, |f, v| f.id_of(name, v))
    }

    pub fn opt_id(&mut self, name: &str) -> Option<Option<Id>> {
        self.optional(name, |f, v| f.id_of(name, v))
    }

    fn instant_of(&mut self, name: &str, v: &Bson) -> Option<Timestamp> {
        match v {
            Bson::DateTime(dt) => Some(Timestamp::from_millis(dt.timestamp_millis())),
            Bson::String(s) => Timestamp::parse(s).map_or_else(|e| self.problem(name, e), Some),
            other => self.problem(name, format!("must be a date, not {}", kind(other))),
        }
    }

    pub fn instant(&mut self, name: &str) -> Option<Timestamp> {
        self.required(name, |f, v| f.instant_of(name, v))
    }

    pub fn opt_instant(&mut self, name: &str) -> Option<Option<Timestamp>> {
        self.optional(name, |f, v| f.instant_of(name, v))
    }

    /// An instant that the original may have left out: the document's creation time
    /// (from its ObjectId) stands in, said in a notice.
    pub fn instant_or_created(&mut self, name: &str, id: Option<Id>) -> Option<Timestamp> {
        match (self.get(name), id) {
            (None, Some(id)) => {
                self.notice(
                    name,
                    "missing: the creation time of the document's _id is used",
                );
                Some(Timestamp::from_millis(id.created_at_millis()))
            }
            _ => self.instant(name),
        }
    }

    fn integer_of(&mut self, name: &str, v: &Bson) -> Option<i64> {
        match v {
            Bson::Int32(n) => Some(i64::from(*n)),
            Bson::Int64(n) => Some(*n),
            Bson::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => d.to_i64(),
            other => self.problem(name, format!("must be a whole number, not {}", kind(other))),
        }
    }

    pub fn integer(&mut self, name: &str) -> Option<i64> {
        self.required(name, |f, v| f.integer_of(name, v))
    }

    pub fn opt_integer(&mut self, name: &str) -> Option<Option<i64>> {
        self.optional(name, |f, v| f.integer_of(name, v))
    }

    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        self.required(name, |f, v| match v {
            Bson::Boolean(b) => Some(*b),
            other => f.problem(name, format!("must be true or false, not {}", kind(other))),
        })
    }

    /// An amount of money: a double, an integer or a decimal. More than two decimals are
    /// rounded to the cent (half away from zero) and reported; infinities and NaN refused.
    fn money_of(&mut self, name: &str, v: &Bson) -> Option<Money> {
        let exact = match v {
            Bson::Double(d) if !d.is_finite() => {
                let what = match (d.is_nan(), d.is_sign_negative()) {
                    (true, _) => "NaN",
                    (false, true) => "-Infinity",
                    (false, false) => "Infinity",
                };
                return self.problem(name, format!("must be a finite amount, not {what}"));
            }
            Bson::Double(d) => decimal(&d.to_string()),
            Bson::Int32(n) => Some(Decimal::from(*n)),
            Bson::Int64(n) => Some(Decimal::from(*n)),
            Bson::Decimal128(d) => decimal(&d.to_string()),
            other => return self.problem(name, format!("must be a number, not {}", kind(other))),
        };
        let Some(exact) = exact else {
            return self.problem(name, format!("is not an amount: {v}"));
        };
        let cents = exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        if cents != exact {
            self.notice(
                name,
                format!("{exact} has more than 2 decimals: rounded to {cents}"),
            );
        }
        match Money::parse_decimal(&cents.to_string()) {
            Ok(m) => Some(m),
            Err(e) => self.problem(name, e),
        }
    }

    pub fn money(&mut self, name: &str) -> Option<Money> {
        self.required(name, |f, v| f.money_of(name, v))
    }

    pub fn opt_money(&mut self, name: &str) -> Option<Option<Money>> {
        self.optional(name, |f, v| f.money_of(name, v))
    }

    /// A sub-document, read by `read` with its own field names prefixed.
    pub fn nested<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&mut Fields<'a>) -> Option<T>,
    ) -> Option<Option<T>> {
        let sub = match self.get(name) {
            None => return Some(None),
            Some(Bson::Document(d)) => d,
            Some(other) => {
                return self.problem(name, format!("must be a document, not {}", kind(other)))
            }
        };
        let mut inner = Fields {
            doc: sub,
            prefix: format!("{}{name}.", self.prefix),
            problems: Vec::new(),
            notices: Vec::new(),
        };
        let value = read(&mut inner);
        self.problems.append(&mut inner.problems);
        self.notices.append(&mut inner.notices);
        value.map(Some)
    }

    /// A field this server wrote itself, read through its serde form (absent: `None`).
    pub fn ours<T: DeserializeOwned>(&mut self, name: &str) -> Option<Option<T>> {
        self.optional(name, |f, v| {
            serde_json::from_value(plain_json(v))
                .map_or_else(|e| f.problem(name, format!("{e}")), Some)
        })
    }

    /// The whole document, read as one of this server's own records.
    pub fn own<T: DeserializeOwned>(&self) -> Result<T, Finding> {
        own(self.doc)
    }

    /// Whether the document has `name` (null included).
    pub fn has(&self, name: &str) -> bool {
        self.doc.contains_key(name)
    }

    /// The fields of the document that no reader asked for are ignored, but said.
    pub fn ignore_unknown(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .doc
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.notice(&key, "not part of the schema: ignored");
        }
    }
}

fn decimal(text: &str) -> Option<Decimal> {
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(text))
        .ok()
}

/// How a BSON value is called in messages.
fn kind(v: &Bson) -> &'static str {
    match v {
        Bson::Double(_) => "a double",
        Bson::String(_) => "a string",
        Bson::Array(_) => "an array",
        Bson::Document(_) => "a document",
        Bson::Boolean(_) => "a boolean",
        Bson::Null => "null",
        Bson::Int32(_) | Bson::Int64(_) => "an integer",
        Bson::DateTime(_) => "a date",
        Bson::ObjectId(_) => "an ObjectId",
        Bson::Decimal128(_) => "a decimal",
        _ => "a value of another BSON type",
    }
}

/// A BSON value as this server's API writes JSON: ObjectIds as hex, dates as RFC 3339
/// UTC, numbers as numbers (decimals exactly).
pub fn plain_json(v: &Bson) -> Value {
    match v {
        Bson::ObjectId(oid) => Value::String(oid.to_hex()),
        Bson::DateTime(dt) => serde_json::to_value(Timestamp::from_millis(dt.timestamp_millis()))
            .unwrap_or(Value::Null),
        Bson::Decimal128(d) => number(&d.to_string()),
        Bson::Double(d) if d.is_finite() => number(&d.to_string()),
        Bson::Document(doc) => Value::Object(
            doc.iter()
                .map(|(k, v)| (k.clone(), plain_json(v)))
                .collect(),
        ),
        Bson::Array(items) => Value::Array(items.iter().map(plain_json).collect()),
        other => other.clone().into_relaxed_extjson(),
    }
}

fn number(text: &str) -> Value {
    serde_json::from_str(text)
        .ok()
        .filter(Value::is_number)
        .unwrap_or_else(|| Value::String(text.to_owned()))
}

/// A staff account with the hash it logs in with.
#[derive(Debug, Clone)]
pub struct ImportedUser {
    pub user: User,
    pub password_hash: String,
}

/// Reads a `users` document. The Werkzeug hash is kept as it is: it verifies, and the
/// first login re-hashes it with Argon2id.
pub fn user(f: &mut Fields<'_>) -> Option<ImportedUser> {
    let id = f.id("_id");
    let username = f.text("username", Username::parse);
    let role = f.text("role", |s| s.parse::<Role>());
    let full_name = f.text("fullName", FullName::parse);
    let password_hash = f.text("passwordHash", |h| {
        if password::is_known_hash(h) {
            Ok(h.to_owned())
        } else {
            Err(
                "is not a password hash this server can verify (Werkzeug scrypt or \
                 pbkdf2:sha256, or Argon2id)"
                    .to_owned(),
            )
        }
    });
    let is_active = if f.has("isActive") {
        f.boolean("isActive")
    } else {
        Some(true)
    };
    let created_at = f.instant_or_created("createdAt", id);
    let updated_at = f.opt_instant("updatedAt");
    f.ignore_unknown(&[
        "_id",
        "username",
        "role",
        "fullName",
        "passwordHash",
        "isActive",
        "createdAt",
        "updatedAt",
    ]);
    let created_at = created_at?;
    Some(ImportedUser {
        user: User {
            id: id?,
            username: username?.as_str().to_owned(),
            role: role?,
            full_name: full_name?.as_str().to_owned(),
            is_active: is_active?,
            created_at,
            updated_at: updated_at?.unwrap_or(created_at),
        },
        password_hash: password_hash?,
    })
}

/// A car with the rate plan this server exported with it, if any.
#[derive(Debug, Clone)]
pub struct ImportedCar {
    pub car: Car,
    pub rates: Option<CarRates>,
}

/// Reads a `cars` document.
pub fn car(f: &mut Fields<'_>) -> Option<ImportedCar> {
    let id = f.id("_id");
    let make = f.text("make", |s| clean_text(s, 50));
    let model = f.text("model", |s| clean_text(s, 50));
    let year = f
        .integer("year")
        .and_then(|y| parse_year(y).map_or_else(|e| f.problem("year", e), Some));
    let plate = f.text("licensePlate", LicensePlate::parse);
    let vin = f.text("vin", Vin::parse);
    let color = f.opt_text("color", |s| optional_text(s, 30));
    let status = f.text("status", |s| s.parse::<CarStatus>());
    let daily_rate = positive(f, "dailyRate");
    let description = f.opt_text("description", |s| optional_notes(s, 2000));
    if let Some(Some(url)) = f.opt_text("imageUrl", |s| optional_text(s, 2000)) {
        f.notice(
            "imageUrl",
            format!("the photo at {url} is not carried over: upload it again"),
        );
    }
    let home_branch = f.opt_id("homeBranchId");
    let current_branch = f.opt_id("currentBranchId");
    let rates = f
        .ours::<CarRates>("rates")
        .and_then(|rates| match rates.map(CarRates::check) {
            Some(Err((field, problem))) => f.problem(&format!("rates.{field}"), problem),
            Some(Ok(rates)) => Some(Some(rates)),
            None => Some(None),
        });
    let odometer = f.opt_integer("odometerKm");
    let included = f.opt_integer("includedKmPerDay");
    let extra_km_rate = f.opt_money("extraKmRate");
    let added_at = f.instant_or_created("addedAt", id);
    let added_by = f.opt_id("addedBy");
    let updated_at = f.opt_instant("updatedAt");
    let updated_by = f.opt_id("updatedBy");
    f.ignore_unknown(&[
        "_id",
        "make",
        "model",
        "year",
        "licensePlate",
        "vin",
        "color",
        "status",
        "dailyRate",
        "description",
        "imageUrl",
        "homeBranchId",
        "currentBranchId",
        "rates",
        "odometerKm",
        "includedKmPerDay",
        "extraKmRate",
        "addedAt",
        "addedBy",
        "updatedAt",
        "updatedBy",
    ]);
    let added_at = added_at?;
    let rates = rates?;
    let car = Car {
        id: id?,
        make: make?,
        model: model?,
        year: year?,
        license_plate: plate?.as_str().to_owned(),
        vin: vin?.as_str().to_owned(),
        color: color?,
        status: status?,
        daily_rate: rates.as_ref().map_or(daily_rate?, |r| r.base.daily),
        image_url: None,
        description: description?,
        home_branch_id: home_branch?,
        current_branch_id: current_branch?,
        odometer_km: odometer?.unwrap_or(0).max(0),
        included_km_per_day: included?.filter(|km| *km > 0),
        extra_km_rate: extra_km_rate?.unwrap_or(Money::ZERO),
        added_at,
        added_by: added_by?,
        updated_at: updated_at?.unwrap_or(added_at),
        updated_by: updated_by?,
    };
    Some(ImportedCar { car, rates })
}

fn positive(f: &mut Fields<'_>, name: &str) -> Option<Money> {
    match f.money(name)? {
        m if m > Money::ZERO => Some(m),
        _ => f.problem(name, "must be greater than 0"),
    }
}

/// Reads a `clients` document.
pub fn client(f: &mut Fields<'_>) -> Option<Client> {
    let id = f.id("_id");
    let first_name = f.text("firstName", |s| clean_text(s, 60));
    let last_name = f.text("lastName", |s| clean_text(s, 60));
    let phone = f.text("phone", Phone::parse);
    let email = f.opt_text("email", |s| {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            Email::parse(s).map(Some)
        }
    });
    let licence = f.opt_text("driverLicenseNumber", |s| optional_text(s, 30));
    let cin = f.opt_text("CIN", |s| {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            Cin::parse(s).map(Some)
        }
    });
    let birth = f.opt_text("dateOfBirth", |s| Date::parse(s).map(Some));
    let issued = f.opt_text("licenseIssueDate", |s| Date::parse(s).map(Some));
    let expires = f.opt_text("licenseExpiryDate", |s| Date::parse(s).map(Some));
    let notes = f.opt_text("notes", |s| optional_notes(s, 2000));
    let registered_at = f.instant_or_created("registeredAt", id);
    let registered_by = f.opt_id("registeredBy");
    let updated_at = f.opt_instant("updatedAt");
    let updated_by = f.opt_id("updatedBy");
    f.ignore_unknown(&[
        "_id",
        "firstName",
        "lastName",
        "phone",
        "email",
        "driverLicenseNumber",
        "CIN",
        "dateOfBirth",
        "licenseIssueDate",
        "licenseExpiryDate",
        "notes",
        "registeredAt",
        "registeredBy",
        "updatedAt",
        "updatedBy",
    ]);
    let registered_at = registered_at?;
    Some(Client {
        id: id?,
        first_name: first_name?,
        last_name: last_name?,
        phone: phone?.as_str().to_owned(),
        email: email?.map(|e| e.as_str().to_owned()),
        driver_license_number: licence?,
        cin: cin?.map(|c| c.as_str().to_owned()),
        date_of_birth: birth?,
        license_issue_date: issued?,
        license_expiry_date: expires?,
        notes: notes?,
        registered_at,
        registered_by: registered_by?,
        updated_at: updated_at?.unwrap_or(registered_at),
        updated_by: updated_by?,
    })
}

/// The terms a booking was priced with, when this server exported it.
#[derive(Debug, Clone, Default)]
pub struct BookedTerms {
    pub rate_plan: Option<RatePlan>,
    pub extras: Vec<ChosenExtra>,
    pub price_basis: Option<PriceBasis>,
    pub vat_rate: Option<VatRate>,
    pub turnaround_minutes: i64,
    pub included_km_per_day: Option<i64>,
    pub extra_km_rate: Money,
    pub fee: Option<Fee>,
    pub deposit_amount: Money,
    pub review_required: bool,
    pub closed_at: Option<Timestamp>,
    pub pickup_branch: Option<Id>,
    pub return_branch: Option<Id>,
    pub additional_drivers: Vec<Id>,
    pub deposit_movements: Vec<DepositMovement>,
    pub checkout: Option<Inspection>,
    pub checkin: Option<Inspection>,
}

/// A `reservations` document, read; the import prices it and checks it against the
/// database.
#[derive(Debug, Clone)]
pub struct ImportedReservation {
    pub id: Id,
    /// `None`: the original had none, one is given at import.
    pub number: Option<String>,
    pub car_id: Id,
    pub client_id: Id,
    pub start: Timestamp,
    pub end: Timestamp,
    pub pickup: Option<Timestamp>,
    pub returned: Option<Timestamp>,
    pub status: ReservationStatus,
    pub daily_rate: Money,
    /// What the original estimated at booking (`estimatedTotalCost`).
    pub estimated_total: Option<Money>,
    /// What the original recorded as owed in the end (`finalTotalCost`).
    pub final_total: Option<Money>,
    pub charges: Vec<Charge>,
    pub notes: Option<String>,
    pub reservation_date: Timestamp,
    pub created_by: Option<Id>,
    pub last_modified_at: Timestamp,
    pub last_modified_by: Option<Id>,
    pub payments: Vec<Payment>,
    pub terms: BookedTerms,
}

/// Reads a `reservations` document.
pub fn reservation(f: &mut Fields<'_>, method: PaymentMethod) -> Option<ImportedReservation> {
    let id = f.id("_id");
    let number = f.opt_text("reservationNumber", |s| optional_text(s, 40));
    let car_id = f.id("carId");
    let client_id = f.id("clientId");
    let start = f.instant("startDate");
    let end = f.instant("endDate");
    let pickup = f.opt_instant("actualPickupDate");
    let returned = f.opt_instant("actualReturnDate");
    let status = f.text("status", |s| s.parse::<ReservationStatus>());
    let daily_rate = positive(f, "dailyRate");
    let estimated = f.opt_money("estimatedTotalCost");
    let final_total = f.opt_money("finalTotalCost");
    let charges = f.ours::<Vec<Charge>>("additionalCharges");
    let notes = f.opt_text("notes", |s| optional_notes(s, 2000));
    let reservation_date = f.instant_or_created("reservationDate", id);
    let created_by = f.opt_id("createdBy");
    let last_modified_at = f.opt_instant("lastModifiedAt");
    let last_modified_by = f.opt_id("lastModifiedBy");
    let payments = f.nested("paymentDetails", |p| payment_details(p, method));
    let terms = booked_terms(f);
    f.ignore_unknown(RESERVATION_FIELDS);
    let (start, end, status) = (start?, end?, status?);
    if end <= start {
        return f.problem("endDate", "must be after startDate");
    }
    check_status_dates(f, status, pickup?, returned?)?;
    let reservation_date = reservation_date?;
    Some(ImportedReservation {
        id: id?,
        number: number?,
        car_id: car_id?,
        client_id: client_id?,
        start,
        end,
        pickup: pickup?,
        returned: returned?,
        status,
        daily_rate: daily_rate?,
        estimated_total: estimated?,
        final_total: final_total?,
        charges: charges?.unwrap_or_default(),
        notes: notes?,
        reservation_date,
        created_by: created_by?,
        last_modified_at: last_modified_at?.unwrap_or(reservation_date),
        last_modified_by: last_modified_by?,
        payments: payments?.unwrap_or_default(),
        terms: terms?,
    })
}

const RESERVATION_FIELDS: &[&str] = &[
    "_id",
    "reservationNumber",
    "carId",
    "clientId",
    "startDate",
    "endDate",
    "actualPickupDate",
    "actualReturnDate",
    "status",
    "dailyRate",
    "estimatedTotalCost",
    "finalTotalCost",
    "additionalCharges",
    "notes",
    "reservationDate",
    "createdBy",
    "lastModifiedAt",
    "lastModifiedBy",
    "paymentDetails",
    "ratePlan",
    "extras",
    "priceBasis",
    "vatRate",
    "turnaroundMinutes",
    "includedKmPerDay",
    "extraKmRate",
    "fee",
    "depositAmount",
    "reviewRequired",
    "closedAt",
    "pickupBranchId",
    "returnBranchId",
    "additionalDriverIds",
    "depositMovements",
    "checkoutInspection",
    "checkinInspection",
];

/// A picked-up rental has its pick-up time, a returned one both times, in order.
fn check_status_dates(
    f: &mut Fields<'_>,
    status: ReservationStatus,
    pickup: Option<Timestamp>,
    returned: Option<Timestamp>,
) -> Option<()> {
    let picked_up = matches!(
        status,
        ReservationStatus::Active | ReservationStatus::Completed
    );
    match (pickup, returned) {
        (None, _) if picked_up => f.problem(
            "actualPickupDate",
            format!("is required for a reservation in status {status}"),
        ),
        (_, None) if status == ReservationStatus::Completed => f.problem(
            "actualReturnDate",
            "is required for a completed reservation",
        ),
        (Some(_), _) if !picked_up => f.problem(
            "actualPickupDate",
            format!("must be empty for a reservation in status {status}"),
        ),
        (_, Some(_)) if status != ReservationStatus::Completed => f.problem(
            "actualReturnDate",
            format!("must be empty for a reservation in status {status}"),
        ),
        (Some(p), Some(r)) if r <= p => {
            f.problem("actualReturnDate", "must be after actualPickupDate")
        }
        _ => Some(()),
    }
}

/// The original's aggregate (`amountPaid`, `reste`, `transactionDate`) is one payment;
/// this server's own export lists each payment under `payments`.
fn payment_details(p: &mut Fields<'_>, method: PaymentMethod) -> Option<Vec<Payment>> {
    if p.has("payments") {
        return p.ours::<Vec<ExportedPayment>>("payments").map(|list| {
            list.unwrap_or_default()
                .into_iter()
                .map(ExportedPayment::into_imported)
                .collect()
        });
    }
    let paid = p.opt_money("amountPaid");
    let _remaining = p.opt_money("reste");
    let at = p.opt_instant("transactionDate");
    p.ignore_unknown(&["amountPaid", "reste", "transactionDate", "remaining"]);
    match (paid?, at?) {
        (Some(amount), _) if amount < Money::ZERO => {
            p.problem("amountPaid", "must not be negative")
        }
        (Some(amount), Some(at)) if amount > Money::ZERO => Some(vec![Payment {
            amount,
            method,
            transaction_date: at,
            recorded_by: None,
            refund_due: false,
            reason: None,
        }]),
        (Some(amount), None) if amount > Money::ZERO => {
            p.problem("transactionDate", "is required when amountPaid is above 0")
        }
        _ => Some(Vec::new()),
    }
}

/// A payment as this server exports it.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExportedPayment {
    amount: Money,
    method: String,
    transaction_date: Timestamp,
    recorded_by: Option<Id>,
    #[serde(default)]
    refund_due: bool,
    reason: Option<String>,
}

impl ExportedPayment {
    fn into_imported(self) -> Payment {
        Payment {
            amount: self.amount,
            method: self.method.parse().unwrap_or(PaymentMethod::Cash),
            transaction_date: self.transaction_date,
            recorded_by: self.recorded_by,
            refund_due: self.refund_due,
            reason: self.reason,
        }
    }
}

/// The booked terms this server exports with each reservation; absent in the original.
fn booked_terms(f: &mut Fields<'_>) -> Option<BookedTerms> {
    let rate_plan = f.ours::<RatePlan>("ratePlan");
    let extras = f.ours::<Vec<ChosenExtra>>("extras");
    let price_basis = f.ours::<PriceBasis>("priceBasis");
    let vat_rate = f.ours::<Value>("vatRate");
    let turnaround = f.opt_integer("turnaroundMinutes");
    let included = f.opt_integer("includedKmPerDay");
    let extra_km_rate = f.opt_money("extraKmRate");
    let fee = f.ours::<Fee>("fee");
    let deposit = f.opt_money("depositAmount");
    let review = f.ours::<bool>("reviewRequired");
    let closed_at = f.opt_instant("closedAt");
    let pickup_branch = f.opt_id("pickupBranchId");
    let return_branch = f.opt_id("returnBranchId");
    let drivers = f.ours::<Vec<Id>>("additionalDriverIds");
    let movements = f.ours::<Vec<DepositMovement>>("depositMovements");
    let checkout = f.ours::<Inspection>("checkoutInspection");
    let checkin = f.ours::<Inspection>("checkinInspection");
    let vat_rate = match vat_rate? {
        None => None,
        Some(v) => match v.to_string().parse::<VatRate>() {
            Ok(rate) => Some(rate),
            Err(e) => return f.problem("vatRate", e),
        },
    };
    Some(BookedTerms {
        rate_plan: rate_plan?,
        extras: extras?.unwrap_or_default(),
        price_basis: price_basis?,
        vat_rate,
        turnaround_minutes: turnaround?.unwrap_or(0).max(0),
        included_km_per_day: included?.filter(|km| *km > 0),
        extra_km_rate: extra_km_rate?.unwrap_or(Money::ZERO),
        fee: fee?,
        deposit_amount: deposit?.unwrap_or(Money::ZERO),
        review_required: review?.unwrap_or(false),
        closed_at: closed_at?,
        pickup_branch: pickup_branch?,
        return_branch: return_branch?,
        additional_drivers: drivers?.unwrap_or_default(),
        deposit_movements: movements?.unwrap_or_default(),
        checkout: checkout?,
        checkin: checkin?,
    })
}

/// Reads an `audit_log` document, with password hashes taken out of its before and after.
pub fn audit_entry(f: &mut Fields<'_>) -> Option<Entry> {
    let id = f.id("_id");
    let timestamp = f.instant("timestamp");
    let user_id = f.opt_id("userId");
    let user_username = f.opt_text("userUsername", |s| optional_text(s, 200));
    let action = f.text("action", action_name);
    let entity_type = f.opt_text("entityType", |s| optional_text(s, 50));
    let entity_id = f.opt_id("entityId");
    let details = f.ours::<Value>("details");
    let before = f.ours::<Value>("before");
    let after = f.ours::<Value>("after");
    f.ignore_unknown(&[
        "_id",
        "timestamp",
        "userId",
        "userUsername",
        "action",
        "entityType",
        "entityId",
        "details",
        "before",
        "after",
    ]);
    Some(Entry {
        id: id?,
        timestamp: timestamp?,
        user_id: user_id?,
        user_username: user_username?,
        action: action?,
        entity_type: entity_type?,
        entity_id: entity_id?,
        details: secret_names_hidden(details?.unwrap_or_else(|| json!({}))),
        before: before?.map(without_secrets),
        after: after?.map(without_secrets),
    })
}

/// A photo as this server exports it, with its thumbnail: a car's (`car_images.json`,
/// whose `_id` is the car's) or an inspection's (`inspection_photos.json`).
#[derive(Debug, Clone)]
pub struct PhotoRecord {
    /// The car, or the reservation whose inspection it belongs to.
    pub owner: Id,
    /// The photo's own id and inspection, for an inspection photo.
    pub inspection: Option<(Id, InspectionKind)>,
    pub full: StoredImage,
    pub thumb: StoredImage,
    pub uploaded_at: Timestamp,
    pub uploaded_by: Option<Id>,
}

/// Reads a photo document; `inspection`: one of `inspection_photos.json`.
pub fn photo(f: &mut Fields<'_>, inspection: bool) -> Option<PhotoRecord> {
    let id = f.id("_id");
    let owner = if inspection {
        f.id("reservationId")
    } else {
        id
    };
    let kind = if inspection {
        f.text("kind", |s| s.parse::<InspectionKind>()).map(Some)
    } else {
        Some(None)
    };
    let full = rendition(f, "contentType", "data", "etag");
    let thumb = rendition(f, "thumbContentType", "thumb", "thumbEtag");
    let uploaded_at = f.instant("uploadedAt");
    let uploaded_by = f.opt_id("uploadedBy");
    Some(PhotoRecord {
        owner: owner?,
        inspection: match kind? {
            Some(kind) => Some((id?, kind)),
            None => None,
        },
        full: full?,
        thumb: thumb?,
        uploaded_at: uploaded_at?,
        uploaded_by: uploaded_by?,
    })
}

/// One rendition of a photo: its type, its bytes in base64, its entity tag.
fn rendition(f: &mut Fields<'_>, kind: &str, data: &str, etag: &str) -> Option<StoredImage> {
    use base64::Engine as _;
    let content_type = f.text(kind, |s| match s {
        "image/jpeg" | "image/png" | "image/webp" => Ok(s.to_owned()),
        _ => Err("must be image/jpeg, image/png or image/webp".to_owned()),
    });
    let bytes = f.text(data, |s| {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| format!("is not base64: {e}"))
    });
    let etag = f.text(etag, |s| clean_text(s, 200));
    Some(StoredImage {
        content_type: content_type?,
        data: bytes?,
        etag: etag?,
    })
}

/// An issued invoice or credit note, frozen as it was issued.
pub fn invoice(f: &mut Fields<'_>) -> Option<Issued> {
    let id = f.id("_id");
    let reservation = f.id("reservationId");
    let credits = f.opt_id("creditsId");
    let issued_at = f.instant("issuedAt");
    let issued_by = f.opt_id("issuedBy");
    let document = f.ours::<InvoiceDocument>("document").and_then(|d| match d {
        Some(d) => Some(d),
        None => f.problem("document", "is required"),
    });
    Some(Issued {
        id: id?,
        reservation_id: reservation?,
        credits_id: credits?,
        issued_at: issued_at?,
        issued_by: issued_by?,
        document: document?,
    })
}

/// A document of one of this server's own collections (branches, extras, blocks), read
/// through its API form; a problem names the field at fault.
pub fn own<T: DeserializeOwned>(doc: &Document) -> Result<T, Finding> {
    let value = plain_json(&Bson::Document(doc.clone()));
    serde_path_to_error::deserialize(value).map_err(|e| Finding {
        field: Some(e.path().to_string()).filter(|p| p != "."),
        message: e.inner().to_string(),
    })
}

/// Action names are upper-case words joined by `_`, as the original wrote them.
fn action_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 60
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(s.to_owned())
    } else {
        Err("must be an action name such as CREATE_CAR".to_owned())
    }
}

/// Fields that hold a secret or its hash: never kept in the audit trail.
const SECRET_FIELDS: &[&str] = &["passwordHash", "password", "password_hash"];

/// The details' list of changed fields names a password change as `password`, as this
/// server's own entries do, never by the name of the column holding its hash.
fn secret_names_hidden(mut details: Value) -> Value {
    if let Some(Value::Array(names)) = details.get_mut("changedFields") {
        for name in names.iter_mut() {
            if name.as_str().is_some_and(|n| SECRET_FIELDS.contains(&n)) {
                *name = Value::String("password".to_owned());
            }
        }
        let mut seen = Vec::new();
        names.retain(|n| {
            let new = !seen.contains(n);
            seen.push(n.clone());
            new
        });
    }
    details
}

/// The value without any secret field, at any depth.
pub fn without_secrets(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !SECRET_FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k, without_secrets(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_secrets).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn read<T>(
        doc: &Document,
        reader: impl FnOnce(&mut Fields<'_>) -> Option<T>,
    ) -> (Option<T>, Fields<'_>) {
        let mut f = Fields::new(doc);
        let value = reader(&mut f);
        (value, f)
    }

    fn fields(f: &Fields<'_>) -> Vec<String> {
        f.problems
            .iter()
            .map(|p| p.field.clone().unwrap_or_default())
            .collect()
    }

    fn car_doc() -> Document {
        doc! {
            "_id": bson::oid::ObjectId::parse_str("663600a0aaaaaaaaaa000001").unwrap(),
            "make": "Dacia", "model": "Logan", "year": 2021, "licensePlate": "12345-a-6",
            "vin": "uu1lsda0x66123456", "color": "Blanc", "status": "available",
            "dailyRate": 250.5, "imageUrl": "/static/uploads/logan.jpg",
            "addedAt": bson::DateTime::from_millis(1_714_816_800_000),
        }
    }

    #[test]
    fn a_car_is_read_with_its_id_and_exact_rate() {
        let doc = car_doc();
        let (car, f) = read(&doc, car);
        let car = car.unwrap().car;
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(car.id.to_string(), "663600a0aaaaaaaaaa000001");
        assert_eq!(car.daily_rate, Money::from_cents(25_050));
        assert_eq!(car.license_plate, "12345-A-6");
        assert_eq!(car.vin, "UU1LSDA0X66123456");
        assert_eq!(car.updated_at, car.added_at);
        assert_eq!(f.notices.len(), 1, "the photo is not carried over");
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut doc = car_doc();
        doc.insert("year", "2021");
        doc.insert("dailyRate", f64::INFINITY);
        doc.insert("vin", "SHORT");
        doc.remove("make");
        let (car, f) = read(&doc, car);
        assert!(car.is_none());
        assert_eq!(fields(&f), ["make", "year", "vin", "dailyRate"]);
    }

    #[test]
    fn money_with_more_than_two_decimals_is_rounded_and_said() {
        let doc = doc! { "a": 0.1 + 0.2, "b": 299.995, "c": -0.125, "d": f64::NAN };
        let mut f = Fields::new(&doc);
        assert_eq!(f.money("a"), Some(Money::from_cents(30)));
        assert_eq!(f.money("b"), Some(Money::from_cents(30_000)));
        assert_eq!(f.money("c"), Some(Money::from_cents(-13)));
        assert_eq!(f.money("d"), None);
        assert_eq!(f.notices.len(), 3);
        assert_eq!(fields(&f), ["d"]);
    }

    #[test]
    fn the_original_payment_aggregate_is_one_payment() {
        let doc = doc! {
            "_id": bson::oid::ObjectId::new(), "carId": bson::oid::ObjectId::new(),
            "clientId": "663600a0aaaaaaaaaa000002", "status": "confirmed",
            "startDate": bson::DateTime::from_millis(1_800_000_000_000),
            "endDate": bson::DateTime::from_millis(1_800_259_200_000),
            "dailyRate": 300.0, "estimatedTotalCost": 900.0, "finalTotalCost": null,
            "paymentDetails": { "amountPaid": 450.0, "reste": 450.0,
                "transactionDate": bson::DateTime::from_millis(1_790_000_000_000) },
        };
        let (r, f) = read(&doc, |f| reservation(f, PaymentMethod::Cash));
        let r = r.unwrap_or_else(|| panic!("{:?}", f.problems));
        assert_eq!(r.payments.len(), 1);
        assert_eq!(r.payments[0].amount, Money::from_cents(45_000));
        assert_eq!(r.number, None);
    }

    #[test]
    fn status_and_actual_dates_must_agree() {
        let doc = doc! {
            "_id": bson::oid::ObjectId::new(), "carId": bson::oid::ObjectId::new(),
            "clientId": bson::oid::ObjectId::new(), "status": "completed",
            "startDate": bson::DateTime::from_millis(1_700_000_000_000),
            "endDate": bson::DateTime::from_millis(1_700_086_400_000),
            "actualPickupDate": bson::DateTime::from_millis(1_700_000_000_000),
            "dailyRate": 300.0,
        };
        let (r, f) = read(&doc, |f| reservation(f, PaymentMethod::Cash));
        assert!(r.is_none());
        assert_eq!(fields(&f), ["actualReturnDate"]);
    }

    #[test]
    fn password_hashes_never_reach_the_audit_trail() {
        let v = serde_json::json!({"a": {"passwordHash": "x", "b": [{"password": "y", "c": 1}]}});
        assert_eq!(
            without_secrets(v),
            serde_json::json!({"a": {"b": [{"c": 1}]}})
        );
    }
}
