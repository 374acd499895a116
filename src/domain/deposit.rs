//! The security deposit's ledger: money held at pick-up, then captured (kept against
//! damage, fuel or fines) or released. It is never a payment, and it always balances:
//! held = captured + released + outstanding, with nothing outstanding below zero.

use serde::Serialize;

use super::id::Id;
use super::money::Money;
use super::time::Timestamp;

/// What a movement of the deposit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DepositKind {
    Hold,
    Capture,
    Release,
}

impl DepositKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DepositKind::Hold => "hold",
            DepositKind::Capture => "capture",
            DepositKind::Release => "release",
        }
    }
}

impl std::str::FromStr for DepositKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hold" => Ok(DepositKind::Hold),
            "capture" => Ok(DepositKind::Capture),
            "release" => Ok(DepositKind::Release),
            _ => Err("must be one of: hold, capture, release".into()),
        }
    }
}

/// One line of the ledger; amounts are positive, the kind gives the direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepositMovement {
    pub kind: DepositKind,
    pub amount: Money,
    pub reason: Option<String>,
    pub at: Timestamp,
    pub recorded_by: Option<Id>,
}

/// A reservation's deposit: what the booking asks for and where the money stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Deposit {
    /// The car's deposit when it was booked.
    pub required: Money,
    pub held: Money,
    /// Kept by the agency; it settles the bill like a payment but is not one.
    pub captured: Money,
    pub released: Money,
    /// Still held: neither captured nor released.
    pub outstanding: Money,
    pub movements: Vec<DepositMovement>,
}

fn sum(movements: &[DepositMovement], kind: DepositKind) -> i64 {
    movements
        .iter()
        .filter(|m| m.kind == kind)
        .map(|m| m.amount.cents())
        .sum()
}

impl Deposit {
    /// Sums a ledger.
    pub fn of(required: Money, movements: Vec<DepositMovement>) -> Deposit {
        let held = sum(&movements, DepositKind::Hold);
        let captured = sum(&movements, DepositKind::Capture);
        let released = sum(&movements, DepositKind::Release);
        Deposit {
            required,
            held: Money::from_cents(held),
            captured: Money::from_cents(captured),
            released: Money::from_cents(released),
            outstanding: Money::from_cents(held - captured - released),
            movements,
        }
    }

    /// The amount a new movement moves: `amount` if given, else all that is left (the rest
    /// of the required deposit for a hold, what is outstanding otherwise). Refuses a
    /// movement that would unbalance the ledger, naming the field at fault.
    pub fn check(
        &self,
        kind: DepositKind,
        amount: Option<Money>,
        reason: Option<&str>,
    ) -> Result<Money, (&'static str, String)> {
        let available = match kind {
            DepositKind::Hold => {
                Money::from_cents((self.required.cents() - self.outstanding.cents()).max(0))
            }
            DepositKind::Capture | DepositKind::Release => self.outstanding,
        };
        if kind == DepositKind::Capture && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(("reason", "a capture says what it pays for".into()));
        }
        let amount = amount.unwrap_or(available);
        if amount <= Money::ZERO {
            return Err(match (kind, amount.cents()) {
                (DepositKind::Hold, 0) => ("amount", "the required deposit is already held".into()),
                (_, 0) => ("amount", "nothing of the deposit is outstanding".into()),
                _ => ("amount", "must be positive".into()),
            });
        }
        if amount > available {
            let limit = match kind {
                DepositKind::Hold => "the required deposit still to hold",
                _ => "the deposit outstanding",
            };
            return Err(("amount", format!("is more than {limit} ({available})")));
        }
        Ok(amount)
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    fn movement(kind: DepositKind, cents: i64) -> DepositMovement {
        DepositMovement {
            kind,
            amount: Money::from_cents(cents),
            reason: Some("r".into()),
            at: Timestamp::from_millis(0),
            recorded_by: None,
        }
    }

    fn deposit(moves: &[(DepositKind, i64)]) -> Deposit {
        let movements = moves.iter().map(|(k, c)| movement(*k, *c)).collect();
        Deposit::of(Money::from_cents(500_000), movements)
    }

    #[test]
    fn a_hold_then_a_partial_capture_and_the_release_of_the_rest() {
        let held = deposit(&[(DepositKind::Hold, 500_000)]);
        assert_eq!(held.outstanding.cents(), 500_000);
        let amount = held.check(
            DepositKind::Capture,
            Some(Money::from_cents(120_000)),
            Some("rayure"),
        );
        assert_eq!(amount, Ok(Money::from_cents(120_000)));
        let captured = deposit(&[
            (DepositKind::Hold, 500_000),
            (DepositKind::Capture, 120_000),
        ]);
        assert_eq!(
            captured.check(DepositKind::Release, None, None),
            Ok(Money::from_cents(380_000))
        );
        let done = deposit(&[
            (DepositKind::Hold, 500_000),
            (DepositKind::Capture, 120_000),
            (DepositKind::Release, 380_000),
        ]);
        assert_eq!(done.outstanding, Money::ZERO);
        assert!(done.check(DepositKind::Release, None, None).is_err());
    }

    #[test]
    fn a_capture_needs_a_reason_and_money_outstanding() {
        let held = deposit(&[(DepositKind::Hold, 100)]);
        assert_eq!(
            held.check(DepositKind::Capture, None, None).unwrap_err().0,
            "reason"
        );
        assert_eq!(
            held.check(DepositKind::Capture, None, Some("  "))
                .unwrap_err()
                .0,
            "reason"
        );
        assert_eq!(
            held.check(
                DepositKind::Capture,
                Some(Money::from_cents(101)),
                Some("x")
            )
            .unwrap_err()
            .0,
            "amount"
        );
        assert!(held
            .check(DepositKind::Release, Some(Money::from_cents(-1)), None)
            .is_err());
        let none = deposit(&[]);
        assert_eq!(
            none.check(DepositKind::Hold, None, None),
            Ok(Money::from_cents(500_000))
        );
        assert!(
            held.check(DepositKind::Hold, None, None).is_ok(),
            "the rest of the required deposit"
        );
        assert_eq!(
            held.check(DepositKind::Hold, Some(Money::from_cents(499_901)), None)
                .unwrap_err()
                .0,
            "amount",
            "no more than the required deposit"
        );
    }

    /// Whatever valid movements are made, in whatever order, the ledger balances and
    /// nothing outstanding goes below zero.
    #[test]
    fn the_ledger_always_balances() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        for _ in 0..2_000 {
            let mut moves: Vec<DepositMovement> = Vec::new();
            for _ in 0..rng.gen_range(0..12) {
                let ledger =
                    Deposit::of(Money::from_cents(rng.gen_range(0..100_000)), moves.clone());
                let kind = [
                    DepositKind::Hold,
                    DepositKind::Capture,
                    DepositKind::Release,
                ][rng.gen_range(0..3)];
                let amount = rng
                    .gen_bool(0.5)
                    .then(|| Money::from_cents(rng.gen_range(-10..120_000)));
                if let Ok(amount) = ledger.check(kind, amount, Some("r")) {
                    moves.push(movement(kind, amount.cents()));
                }
                let after = Deposit::of(ledger.required, moves.clone());
                assert!(after.outstanding >= Money::ZERO, "{after:?}");
                assert_eq!(
                    after.held.cents(),
                    after.captured.cents() + after.released.cents() + after.outstanding.cents()
                );
            }
        }
    }
}
