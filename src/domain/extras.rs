//! Extras a client adds to a rental (child seat, GPS, full insurance, …), priced per day
//! or per rental, with an optional cap per unit.

use serde::{Deserialize, Serialize};

use super::id::Id;
use super::money::Money;
use super::pricing::Overflow;

/// How an extra is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ExtraPricing {
    /// The price is per rental day.
    PerDay,
    /// The price is once per rental.
    PerRental,
}

/// An extra's terms as copied into a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtraTerms {
    pub name: String,
    pub pricing: ExtraPricing,
    pub price: Money,
    /// The most one unit costs for a whole rental; none: no cap.
    pub cap: Option<Money>,
}

impl ExtraTerms {
    /// What one unit costs for a rental of `days` billable days.
    pub fn unit_cost(&self, days: i64) -> Result<Money, Overflow> {
        let cost = match self.pricing {
            ExtraPricing::PerDay => self.price.checked_mul(days).ok_or(Overflow)?,
            ExtraPricing::PerRental => self.price,
        };
        Ok(match self.cap {
            Some(cap) => cost.min(cap),
            None => cost,
        })
    }

    /// What `quantity` units cost for a rental of `days` billable days.
    pub fn cost(&self, quantity: i64, days: i64) -> Result<Money, Overflow> {
        self.unit_cost(days)?.checked_mul(quantity).ok_or(Overflow)
    }
}

/// An extra chosen on a booking: the catalogue's terms as they were when it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChosenExtra {
    pub extra_id: Id,
    #[serde(flatten)]
    pub terms: ExtraTerms,
    pub quantity: i64,
}

/// Most units of one extra on one booking.
pub const MAX_QUANTITY: i64 = 20;

/// An item of the extras catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Extra {
    #[serde(rename = "_id")]
    pub id: Id,
    pub name: String,
    pub pricing: ExtraPricing,
    /// Per day or per rental, as `pricing` says.
    pub price: Money,
    /// The most one unit costs over a whole rental; `null` is no cap.
    pub cap: Option<Money>,
    /// Only active extras can be chosen on a booking; bookings keep theirs.
    pub active: bool,
    pub created_at: super::time::Timestamp,
    pub created_by: Option<Id>,
    pub updated_at: super::time::Timestamp,
    pub updated_by: Option<Id>,
}

impl Extra {
    /// The terms a booking copies.
    pub fn terms(&self) -> ExtraTerms {
        ExtraTerms {
            name: self.name.clone(),
            pricing: self.pricing,
            price: self.price,
            cap: self.cap,
        }
    }
}

/// Validated changes to an extra; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ExtraChanges {
    pub name: Option<String>,
    pub pricing: Option<ExtraPricing>,
    pub price: Option<Money>,
    pub cap: Option<Option<Money>>,
    pub active: Option<bool>,
}

impl ExtraChanges {
    /// A new extra from a create's fields (all required ones present).
    pub fn create(self, id: Id, by: Id, now: super::time::Timestamp) -> Option<Extra> {
        Some(Extra {
            id,
            name: self.name?,
            pricing: self.pricing?,
            price: self.price?,
            cap: self.cap.flatten(),
            active: self.active.unwrap_or(true),
            created_at: now,
            created_by: Some(by),
            updated_at: now,
            updated_by: Some(by),
        })
    }

    /// `extra` with these changes.
    pub fn apply(&self, extra: &Extra) -> Extra {
        let mut next = extra.clone();
        if let Some(v) = &self.name {
            next.name.clone_from(v);
        }
        if let Some(v) = self.pricing {
            next.pricing = v;
        }
        if let Some(v) = self.price {
            next.price = v;
        }
        if let Some(v) = self.cap {
            next.cap = v;
        }
        if let Some(v) = self.active {
            next.active = v;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat() -> ExtraTerms {
        ExtraTerms {
            name: "Siège enfant".into(),
            pricing: ExtraPricing::PerDay,
            price: Money::from_cents(3_000),
            cap: Some(Money::from_cents(15_000)),
        }
    }

    #[test]
    fn per_day_extras_stop_at_their_cap() {
        assert_eq!(seat().cost(1, 3).unwrap(), Money::from_cents(9_000));
        assert_eq!(seat().cost(1, 5).unwrap(), Money::from_cents(15_000));
        assert_eq!(
            seat().cost(2, 10).unwrap(),
            Money::from_cents(30_000),
            "the cap is per unit"
        );
    }

    #[test]
    fn per_rental_extras_ignore_the_length() {
        let cleaning = ExtraTerms {
            name: "Nettoyage".into(),
            pricing: ExtraPricing::PerRental,
            price: Money::from_cents(5_000),
            cap: None,
        };
        assert_eq!(cleaning.cost(1, 1).unwrap(), cleaning.cost(1, 30).unwrap());
        assert_eq!(cleaning.cost(3, 2).unwrap(), Money::from_cents(15_000));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let dear = ExtraTerms {
            name: "x".into(),
            pricing: ExtraPricing::PerDay,
            price: Money::from_cents(i64::MAX / 2),
            cap: None,
        };
        assert_eq!(dear.cost(1, 3), Err(Overflow));
    }
}
