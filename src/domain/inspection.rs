//! Hand-over and return inspections, and the charges a return brings: distance beyond
//! what the rental includes, and fuel missing from the tank.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::id::Id;
use super::money::Money;
use super::pricing::{Charge, ChargeSource, Overflow};
use super::time::Timestamp;

/// A full tank, in eighths (the marks of a fuel gauge).
pub const FULL_TANK_EIGHTHS: u8 = 8;
/// Most damage lines one inspection may list.
pub const MAX_DAMAGE_LINES: usize = 50;
/// Most photos one inspection may carry.
pub const MAX_PHOTOS: usize = 20;

/// Which end of the rental an inspection belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InspectionKind {
    /// At pick-up, when the car leaves.
    Checkout,
    /// At return, when the car comes back.
    Checkin,
}

impl InspectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionKind::Checkout => "checkout",
            InspectionKind::Checkin => "checkin",
        }
    }
}

impl FromStr for InspectionKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "checkout" => Ok(InspectionKind::Checkout),
            "checkin" => Ok(InspectionKind::Checkin),
            _ => Err("must be checkout or checkin".into()),
        }
    }
}

/// The parts of a car that damage is noted against.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DamageZone {
    Front,
    Rear,
    Left,
    Right,
    Roof,
    Interior,
    Windscreen,
    Wheels,
}

impl DamageZone {
    pub const ALL: [DamageZone; 8] = [
        DamageZone::Front,
        DamageZone::Rear,
        DamageZone::Left,
        DamageZone::Right,
        DamageZone::Roof,
        DamageZone::Interior,
        DamageZone::Windscreen,
        DamageZone::Wheels,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DamageZone::Front => "front",
            DamageZone::Rear => "rear",
            DamageZone::Left => "left",
            DamageZone::Right => "right",
            DamageZone::Roof => "roof",
            DamageZone::Interior => "interior",
            DamageZone::Windscreen => "windscreen",
            DamageZone::Wheels => "wheels",
        }
    }
}

impl FromStr for DamageZone {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DamageZone::ALL
            .into_iter()
            .find(|z| z.as_str() == s)
            .ok_or_else(|| {
                "must be one of: front, rear, left, right, roof, interior, windscreen, wheels"
                    .into()
            })
    }
}

impl fmt::Display for DamageZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One damage noted on the car.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Damage {
    pub zone: DamageZone,
    pub description: String,
}

impl Damage {
    /// Two notes are the same damage when zone and description match, ignoring case and
    /// spacing: anything else at return counts as new, so that nothing slips through.
    fn same_as(&self, other: &Damage) -> bool {
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        self.zone == other.zone && norm(&self.description) == norm(&other.description)
    }
}

/// What the agent reads off the car at hand-over or return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub odometer_km: i64,
    pub fuel_eighths: u8,
    pub damage: Vec<Damage>,
    /// The name the client signed with.
    pub signed_by: String,
}

/// A photo attached to an inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InspectionPhoto {
    #[serde(rename = "_id")]
    pub id: Id,
    pub url: String,
    pub thumbnail_url: String,
    pub uploaded_at: Timestamp,
}

impl InspectionPhoto {
    /// Where a photo of an inspection is served.
    pub fn path(reservation: Id, kind: InspectionKind, photo: Id) -> String {
        format!(
            "/api/reservations/{reservation}/inspections/{}/photos/{photo}",
            kind.as_str()
        )
    }
}

/// An inspection as recorded on a reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub odometer_km: i64,
    /// 0 (empty) to 8 (full).
    pub fuel_eighths: u8,
    pub damage: Vec<Damage>,
    pub signed_by: String,
    pub recorded_at: Timestamp,
    pub recorded_by: Option<Id>,
    pub photos: Vec<InspectionPhoto>,
}

impl Inspection {
    pub fn reading(&self) -> Reading {
        Reading {
            odometer_km: self.odometer_km,
            fuel_eighths: self.fuel_eighths,
            damage: self.damage.clone(),
            signed_by: self.signed_by.clone(),
        }
    }
}

/// The distance a rental includes: `None` is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MileageTerms {
    pub included_km_per_day: Option<i64>,
    pub extra_km_rate: Money,
}

/// Checks a reading against the last known odometer of the car (the hand-over's at
/// return). Returns the field at fault and why.
pub fn check_reading(reading: &Reading, last_odometer_km: i64) -> Result<(), (String, String)> {
    if reading.odometer_km < last_odometer_km {
        return Err((
            "inspection.odometerKm".into(),
            format!("cannot be below the car's last reading ({last_odometer_km} km)"),
        ));
    }
    Ok(())
}

/// The damage noted at return that was not noted at hand-over.
pub fn new_damage(checkout: &[Damage], checkin: &[Damage]) -> Vec<Damage> {
    checkin
        .iter()
        .filter(|d| !checkout.iter().any(|o| o.same_as(d)))
        .cloned()
        .collect()
}

/// The charges a return brings: kilometres beyond `days` × the included distance at the
/// extra-km rate, and each missing eighth of fuel at `fuel_rate`. A charge of zero is no
/// line at all.
pub fn return_charges(
    days: i64,
    terms: MileageTerms,
    checkout: &Reading,
    checkin: &Reading,
    fuel_rate: Money,
) -> Result<Vec<Charge>, Overflow> {
    let mut lines = Vec::new();
    if let Some(per_day) = terms.included_km_per_day {
        let driven = checkin.odometer_km - checkout.odometer_km;
        let included = per_day.checked_mul(days).ok_or(Overflow)?;
        let extra = driven - included;
        if extra > 0 && terms.extra_km_rate.cents() > 0 {
            lines.push(Charge {
                label: format!(
                    "Kilomètres supplémentaires : {extra} km × {}",
                    terms.extra_km_rate.fixed()
                ),
                amount: terms.extra_km_rate.checked_mul(extra).ok_or(Overflow)?,
                source: ChargeSource::Mileage,
            });
        }
    }
    let missing = i64::from(checkout.fuel_eighths) - i64::from(checkin.fuel_eighths);
    if missing > 0 && fuel_rate.cents() > 0 {
        lines.push(Charge {
            label: format!("Carburant : {missing}/8 manquants × {}", fuel_rate.fixed()),
            amount: fuel_rate.checked_mul(missing).ok_or(Overflow)?,
            source: ChargeSource::Fuel,
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(km: i64, fuel: u8, damage: &[(DamageZone, &str)]) -> Reading {
        Reading {
            odometer_km: km,
            fuel_eighths: fuel,
            damage: damage
                .iter()
                .map(|(zone, d)| Damage {
                    zone: *zone,
                    description: (*d).into(),
                })
                .collect(),
            signed_by: "K. Alaoui".into(),
        }
    }

    #[test]
    fn distance_beyond_the_allowance_and_missing_fuel_are_charged_exactly() {
        let terms = MileageTerms {
            included_km_per_day: Some(200),
            extra_km_rate: Money::from_cents(150),
        };
        // 3 days include 600 km; 810 km driven is 210 over; 3 eighths are missing.
        let lines = return_charges(
            3,
            terms,
            &reading(10_000, 8, &[]),
            &reading(10_810, 5, &[]),
            Money::from_cents(8_000),
        )
        .unwrap();
        let amounts: Vec<_> = lines.iter().map(|c| (c.source, c.amount.cents())).collect();
        assert_eq!(
            amounts,
            [
                (ChargeSource::Mileage, 31_500),
                (ChargeSource::Fuel, 24_000)
            ]
        );
        assert_eq!(lines[0].label, "Kilomètres supplémentaires : 210 km × 1.50");
    }

    #[test]
    fn unlimited_mileage_a_fuller_tank_and_zero_rates_charge_nothing() {
        let unlimited = MileageTerms {
            included_km_per_day: None,
            extra_km_rate: Money::from_cents(150),
        };
        let out = reading(10_000, 4, &[]);
        let back = reading(19_000, 6, &[]);
        let none = return_charges(3, unlimited, &out, &back, Money::from_cents(8_000));
        assert_eq!(none.unwrap(), vec![]);
        let free_km = MileageTerms {
            included_km_per_day: Some(100),
            extra_km_rate: Money::ZERO,
        };
        let low = reading(10_000, 2, &[]);
        assert_eq!(
            return_charges(1, free_km, &out, &low, Money::ZERO).unwrap(),
            vec![]
        );
    }

    #[test]
    fn within_the_allowance_is_free() {
        let terms = MileageTerms {
            included_km_per_day: Some(200),
            extra_km_rate: Money::from_cents(150),
        };
        let lines = return_charges(
            3,
            terms,
            &reading(0, 8, &[]),
            &reading(600, 8, &[]),
            Money::from_cents(1),
        );
        assert_eq!(lines.unwrap(), vec![]);
    }

    #[test]
    fn damage_already_noted_is_not_new() {
        let out = reading(0, 8, &[(DamageZone::Front, "Rayure  pare-choc")]);
        let back = reading(
            10,
            8,
            &[
                (DamageZone::Front, "rayure pare-choc"),
                (DamageZone::Left, "Portière enfoncée"),
            ],
        );
        let new = new_damage(&out.damage, &back.damage);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].zone, DamageZone::Left);
    }

    #[test]
    fn an_odometer_cannot_go_back() {
        assert!(check_reading(&reading(999, 8, &[]), 1_000).is_err());
        assert!(check_reading(&reading(1_000, 8, &[]), 1_000).is_ok());
    }
}
