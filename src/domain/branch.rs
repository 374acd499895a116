//! Branches: the offices of an agency, where cars live and rentals start and end.

use std::str::FromStr;

use chrono::NaiveTime;
use serde::Serialize;

use super::id::Id;
use super::time::Timestamp;

/// A day of the week, in opening hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }
}

impl FromStr for Weekday {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Weekday::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                "must be one of: monday, tuesday, wednesday, thursday, friday, saturday, sunday"
                    .into()
            })
    }
}

/// One opening period of a day, e.g. Monday 08:30–12:30. A day may have several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OpeningPeriod {
    #[schema(value_type = Weekday)]
    pub day: String,
    /// `HH:MM`, 24-hour clock.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub opens: String,
    /// `HH:MM`, after `opens`.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub closes: String,
}

/// Most opening periods a branch may list (two a day, every day).
pub const MAX_OPENING_PERIODS: usize = 14;

fn clock(text: &str) -> Result<NaiveTime, String> {
    if text.len() != 5 {
        return Err("must be a time written HH:MM".into());
    }
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| "must be a time written HH:MM".into())
}

/// Checks opening hours: known days, `opens` before `closes`, periods of one day not
/// overlapping. Returns them sorted by day and time.
pub fn check_opening_hours(periods: Vec<OpeningPeriod>) -> Result<Vec<OpeningPeriod>, String> {
    if periods.len() > MAX_OPENING_PERIODS {
        return Err(format!("at most {MAX_OPENING_PERIODS} periods"));
    }
    let mut parsed = Vec::with_capacity(periods.len());
    for (n, p) in periods.into_iter().enumerate() {
        let line = |e: String| format!("period {}: {e}", n + 1);
        let day: Weekday = p.day.parse().map_err(|e| line(format!("day {e}")))?;
        let opens = clock(&p.opens).map_err(|e| line(format!("opens {e}")))?;
        let closes = clock(&p.closes).map_err(|e| line(format!("closes {e}")))?;
        if closes <= opens {
            return Err(line("closes must be after opens".into()));
        }
        parsed.push((day, opens, closes));
    }
    parsed.sort();
    for pair in parsed.windows(2) {
        if pair[0].0 == pair[1].0 && pair[1].1 < pair[0].2 {
            return Err(format!("two periods of {} overlap", pair[0].0.as_str()));
        }
    }
    Ok(parsed
        .into_iter()
        .map(|(day, opens, closes)| OpeningPeriod {
            day: day.as_str().into(),
            opens: opens.format("%H:%M").to_string(),
            closes: closes.format("%H:%M").to_string(),
        })
        .collect())
}

/// A branch as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Branch {
    #[serde(rename = "_id")]
    pub id: Id,
    pub name: String,
    pub address: String,
    pub phone: Option<String>,
    pub opening_hours: Vec<OpeningPeriod>,
    pub created_at: Timestamp,
    pub created_by: Option<Id>,
    pub updated_at: Timestamp,
    pub updated_by: Option<Id>,
}

/// Validated changes to a branch; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct BranchChanges {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<Option<String>>,
    pub opening_hours: Option<Vec<OpeningPeriod>>,
}

impl BranchChanges {
    /// A new branch, or `None` if a required field is missing (already reported).
    pub fn into_new(self, id: Id, at: Timestamp, by: Id) -> Option<Branch> {
        Some(Branch {
            id,
            name: self.name?,
            address: self.address?,
            phone: self.phone.flatten(),
            opening_hours: self.opening_hours.unwrap_or_default(),
            created_at: at,
            created_by: Some(by),
            updated_at: at,
            updated_by: Some(by),
        })
    }

    pub fn apply(&self, branch: &Branch) -> Branch {
        let mut next = branch.clone();
        if let Some(v) = &self.name {
            next.name.clone_from(v);
        }
        if let Some(v) = &self.address {
            next.address.clone_from(v);
        }
        if let Some(v) = &self.phone {
            next.phone.clone_from(v);
        }
        if let Some(v) = &self.opening_hours {
            next.opening_hours.clone_from(v);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(day: &str, opens: &str, closes: &str) -> OpeningPeriod {
        OpeningPeriod {
            day: day.into(),
            opens: opens.into(),
            closes: closes.into(),
        }
    }

    #[test]
    fn opening_hours_are_checked_and_sorted() {
        let hours = check_opening_hours(vec![
            period("tuesday", "14:00", "18:00"),
            period("monday", "08:30", "12:30"),
            period("tuesday", "08:30", "12:30"),
        ])
        .unwrap();
        let days: Vec<_> = hours
            .iter()
            .map(|p| (p.day.as_str(), p.opens.as_str()))
            .collect();
        assert_eq!(
            days,
            [
                ("monday", "08:30"),
                ("tuesday", "08:30"),
                ("tuesday", "14:00")
            ]
        );
        assert!(check_opening_hours(vec![period("funday", "08:00", "09:00")]).is_err());
        assert!(check_opening_hours(vec![period("monday", "18:00", "08:00")]).is_err());
        assert!(check_opening_hours(vec![period("monday", "8:00", "09:00")]).is_err());
        assert!(check_opening_hours(vec![
            period("monday", "08:00", "12:00"),
            period("monday", "11:00", "13:00"),
        ])
        .is_err());
    }
}
