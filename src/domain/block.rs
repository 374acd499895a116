//! Blocks: windows in which a car is out of service (servicing, repair, registration) and
//! cannot be booked.

use serde::Serialize;

use super::id::Id;
use super::reservation::{MAX_DAYS_AHEAD, MAX_RENTAL_DAYS};
use super::time::Timestamp;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A car taken out of service for `[start, end)`; without an end, until the block is ended.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    #[serde(rename = "_id")]
    pub id: Id,
    pub car_id: Id,
    pub start: Timestamp,
    /// `null`: the car stays out of service until the block is given an end.
    pub end: Option<Timestamp>,
    pub reason: String,
    pub created_at: Timestamp,
    pub created_by: Option<Id>,
    pub updated_at: Timestamp,
    pub updated_by: Option<Id>,
}

impl Block {
    /// Whether the block holds the car at `at`.
    pub fn in_effect_at(&self, at: Timestamp) -> bool {
        self.start <= at && self.end.is_none_or(|end| at < end)
    }
}

/// Checks a block's window: an end comes after the start, a block lasts at most as long
/// as the longest rental, and starts at most as far ahead as a booking may. Returns the
/// field at fault and why.
pub fn check_window(
    start: Timestamp,
    end: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), (&'static str, String)> {
    if start.millis() - now.millis() > MAX_DAYS_AHEAD * DAY_MS {
        return Err((
            "start",
            format!("must be within {MAX_DAYS_AHEAD} days from now"),
        ));
    }
    let Some(end) = end else {
        return Ok(());
    };
    if end <= start {
        return Err(("end", "must be after start".into()));
    }
    if end.millis() - start.millis() > MAX_RENTAL_DAYS * DAY_MS {
        return Err((
            "end",
            format!(
                "a block covers at most {MAX_RENTAL_DAYS} days; leave end empty for an open block"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn windows_are_checked() {
        let now = at("2026-06-01T00:00:00Z");
        assert!(check_window(at("2026-06-02T00:00:00Z"), None, now).is_ok());
        assert!(check_window(
            at("2026-06-02T00:00:00Z"),
            Some(at("2026-06-03T00:00:00Z")),
            now
        )
        .is_ok());
        assert_eq!(
            check_window(
                at("2026-06-02T00:00:00Z"),
                Some(at("2026-06-02T00:00:00Z")),
                now
            )
            .unwrap_err()
            .0,
            "end"
        );
        assert_eq!(
            check_window(at("2031-06-02T00:00:00Z"), None, now)
                .unwrap_err()
                .0,
            "start"
        );
    }

    #[test]
    fn an_open_block_holds_from_its_start_on() {
        let block = Block {
            id: Id::generate(),
            car_id: Id::generate(),
            start: at("2026-06-02T00:00:00Z"),
            end: None,
            reason: "Vidange".into(),
            created_at: at("2026-06-01T00:00:00Z"),
            created_by: None,
            updated_at: at("2026-06-01T00:00:00Z"),
            updated_by: None,
        };
        assert!(!block.in_effect_at(at("2026-06-01T23:59:59Z")));
        assert!(block.in_effect_at(at("2030-01-01T00:00:00Z")));
    }
}
