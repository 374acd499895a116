//! The fleet: what a car is, how its identifiers are written, and who may change its status.

use std::fmt;
use std::str::FromStr;

use chrono::Datelike;
use serde::Serialize;

use super::id::Id;
use super::money::Money;
use super::time::Timestamp;

/// Where a car stands. `Rented` belongs to reservations (pick-up and return), not to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CarStatus {
    Available,
    Rented,
    Maintenance,
    OutOfService,
}

impl CarStatus {
    pub const ALL: [CarStatus; 4] = [
        CarStatus::Available,
        CarStatus::Rented,
        CarStatus::Maintenance,
        CarStatus::OutOfService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CarStatus::Available => "available",
            CarStatus::Rented => "rented",
            CarStatus::Maintenance => "maintenance",
            CarStatus::OutOfService => "out_of_service",
        }
    }
}

impl FromStr for CarStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CarStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| "must be one of: available, rented, maintenance, out_of_service".into())
    }
}

impl fmt::Display for CarStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a status change made by hand (not by a pick-up or return).
pub fn manual_status_change(from: CarStatus, to: CarStatus) -> Result<(), &'static str> {
    match (from, to) {
        (a, b) if a == b => Ok(()),
        (_, CarStatus::Rented) => {
            Err("a car becomes rented only when its reservation is picked up")
        }
        (CarStatus::Rented, _) => {
            Err("a rented car becomes available only when its reservation is returned")
        }
        _ => Ok(()),
    }
}

/// A licence plate as written on the car, e.g. `12345-A-6` or `12345-أ-6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicensePlate(String);

impl LicensePlate {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let shown = raw
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        if !shown
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-')
        {
            return Err("may contain only letters, digits, spaces and '-'".into());
        }
        let key_len = plate_key(&shown).chars().count();
        if !(2..=15).contains(&key_len) {
            return Err("must have 2 to 15 letters and digits".into());
        }
        Ok(LicensePlate(shown))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form plates are compared in: upper case, without spaces and `-`.
    pub fn key(&self) -> String {
        plate_key(&self.0)
    }
}

/// The comparison key of any typed plate (used by search filters too).
pub fn plate_key(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// A vehicle identification number: 17 of `A–Z 0–9` without `I`, `O`, `Q`, in upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vin(String);

impl Vin {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let vin = raw.trim().to_ascii_uppercase();
        if vin.len() != 17 {
            return Err("must be exactly 17 characters".into());
        }
        if !vin.bytes().all(|b| {
            (b.is_ascii_uppercase() || b.is_ascii_digit()) && !matches!(b, b'I' | b'O' | b'Q')
        }) {
            return Err("may contain only A–Z and 0–9, without I, O and Q".into());
        }
        Ok(Vin(vin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A model year: from 1950 to next year.
pub fn parse_year(year: i64) -> Result<i32, String> {
    let next = i64::from(chrono::Utc::now().year()) + 1;
    if (1950..=next).contains(&year) {
        Ok(year as i32)
    } else {
        Err(format!("must be from 1950 to {next}"))
    }
}

/// A car as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Car {
    #[serde(rename = "_id")]
    pub id: Id,
    pub make: String,
    pub model: String,
    pub year: i32,
    pub license_plate: String,
    pub vin: String,
    pub color: Option<String>,
    pub status: CarStatus,
    pub daily_rate: Money,
    pub image_url: Option<String>,
    pub description: Option<String>,
    /// The branch the car belongs to.
    pub home_branch_id: Option<Id>,
    /// Where the car is now: a one-way rental moves it at return.
    pub current_branch_id: Option<Id>,
    /// The last odometer reading, in km; inspections never take it backwards.
    pub odometer_km: i64,
    /// Distance included per rental day; `null` is unlimited.
    pub included_km_per_day: Option<i64>,
    /// Price of each kilometre beyond the included distance.
    pub extra_km_rate: Money,
    pub added_at: Timestamp,
    pub added_by: Option<Id>,
    pub updated_at: Timestamp,
    pub updated_by: Option<Id>,
}

impl Car {
    /// Where the car's photo is served, when it has one.
    pub fn image_path(id: Id) -> String {
        format!("/api/cars/{id}/image")
    }
}

/// Validated changes to a car; `None` leaves a field as it is, and for optional
/// fields `Some(None)` clears it. A create supplies every required field.
#[derive(Debug, Clone, Default)]
pub struct CarChanges {
    pub make: Option<String>,
    pub model: Option<String>,
    pub year: Option<i32>,
    pub license_plate: Option<LicensePlate>,
    pub vin: Option<Vin>,
    pub color: Option<Option<String>>,
    pub status: Option<CarStatus>,
    pub daily_rate: Option<Money>,
    pub description: Option<Option<String>>,
    pub home_branch_id: Option<Option<Id>>,
    pub current_branch_id: Option<Option<Id>>,
    pub odometer_km: Option<i64>,
    pub included_km_per_day: Option<Option<i64>>,
    pub extra_km_rate: Option<Money>,
}

impl CarChanges {
    /// A new car from a create's changes, or `None` if a required field is missing
    /// (the caller has already reported it).
    pub fn into_new_car(self, id: Id, at: Timestamp, by: Id) -> Option<Car> {
        Some(Car {
            id,
            make: self.make?,
            model: self.model?,
            year: self.year?,
            license_plate: self.license_plate?.0,
            vin: self.vin?.0,
            color: self.color.flatten(),
            status: self.status.unwrap_or(CarStatus::Available),
            daily_rate: self.daily_rate?,
            image_url: None,
            description: self.description.flatten(),
            // A new car stands at its home branch unless told otherwise.
            current_branch_id: self
                .current_branch_id
                .unwrap_or(self.home_branch_id.flatten()),
            home_branch_id: self.home_branch_id.flatten(),
            odometer_km: self.odometer_km.unwrap_or(0),
            included_km_per_day: self.included_km_per_day.flatten(),
            extra_km_rate: self.extra_km_rate.unwrap_or(Money::ZERO),
            added_at: at,
            added_by: Some(by),
            updated_at: at,
            updated_by: Some(by),
        })
    }

    /// The car with these changes applied (bookkeeping fields untouched).
    pub fn apply(&self, car: &Car) -> Car {
        let mut next = car.clone();
        if let Some(v) = &self.make {
            next.make.clone_from(v);
        }
        if let Some(v) = &self.model {
            next.model.clone_from(v);
        }
        if let Some(v) = self.year {
            next.year = v;
        }
        if let Some(v) = &self.license_plate {
            next.license_plate = v.0.clone();
        }
        if let Some(v) = &self.vin {
            next.vin = v.0.clone();
        }
        if let Some(v) = &self.color {
            next.color.clone_from(v);
        }
        if let Some(v) = self.status {
            next.status = v;
        }
        if let Some(v) = self.daily_rate {
            next.daily_rate = v;
        }
        if let Some(v) = &self.description {
            next.description.clone_from(v);
        }
        if let Some(v) = self.home_branch_id {
            next.home_branch_id = v;
        }
        if let Some(v) = self.current_branch_id {
            next.current_branch_id = v;
        }
        if let Some(v) = self.odometer_km {
            next.odometer_km = v;
        }
        if let Some(v) = self.included_km_per_day {
            next.included_km_per_day = v;
        }
        if let Some(v) = self.extra_km_rate {
            next.extra_km_rate = v;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_compare_without_case_spaces_or_dashes() {
        let a = LicensePlate::parse("12345-a-6").unwrap();
        let b = LicensePlate::parse(" 12345 A 6 ").unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.as_str(), "12345-A-6");
        assert!(LicensePlate::parse("12345-أ-6").is_ok());
        assert!(LicensePlate::parse("12/34").is_err());
        assert!(LicensePlate::parse("-").is_err());
    }

    #[test]
    fn vins_follow_the_standard_alphabet() {
        assert_eq!(
            Vin::parse("vf1rfb00x66123456").unwrap().as_str(),
            "VF1RFB00X66123456"
        );
        assert!(Vin::parse("VF1RFB00X6612345").is_err());
        assert!(Vin::parse("VF1RFB00I66123456").is_err());
        assert!(Vin::parse("VF1RFB00O66123456").is_err());
        assert!(Vin::parse("VF1RFB00Q66123456").is_err());
    }

    #[test]
    fn years_are_bounded() {
        assert!(parse_year(1949).is_err());
        assert!(parse_year(1950).is_ok());
        let next = i64::from(chrono::Utc::now().year()) + 1;
        assert!(parse_year(next).is_ok());
        assert!(parse_year(next + 1).is_err());
    }

    #[test]
    fn rented_is_reserved_for_reservations() {
        use CarStatus::*;
        assert!(manual_status_change(Available, Maintenance).is_ok());
        assert!(manual_status_change(Maintenance, OutOfService).is_ok());
        assert!(manual_status_change(Rented, Rented).is_ok());
        assert!(manual_status_change(Available, Rented).is_err());
        assert!(manual_status_change(Rented, Available).is_err());
        assert!(manual_status_change(Rented, Maintenance).is_err());
    }
}
