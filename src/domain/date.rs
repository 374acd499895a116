//! Calendar dates (a birth date, a licence's issue and expiry), written `YYYY-MM-DD`.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};

/// A day in the calendar, without a time or a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

impl Date {
    /// Parses `YYYY-MM-DD`; impossible dates such as `2026-02-30` are refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        // chrono's `%Y-%m-%d` also reads signed and unpadded fields (`+202-01-01` as the
        // year 202): only the documented form is taken, so that a date means the same to
        // the server as to any other reader of the text.
        let shape_ok = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err("must be a date written YYYY-MM-DD".into());
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| "must be a real date written YYYY-MM-DD".into())
    }

    /// The UTC calendar day of an instant.
    pub fn of(instant: super::time::Timestamp) -> Self {
        Date::in_zone(instant, chrono_tz::UTC)
    }

    /// The calendar day of an instant in time zone `tz`.
    pub fn in_zone(instant: super::time::Timestamp, tz: chrono_tz::Tz) -> Self {
        let day = chrono::DateTime::from_timestamp_millis(instant.millis())
            .map(|dt| dt.with_timezone(&tz).date_naive())
            .unwrap_or_default();
        Date(day)
    }

    /// The instant this day starts in `tz`: local midnight, or the first instant after it
    /// when a daylight-saving change skips midnight.
    pub fn start_in(self, tz: chrono_tz::Tz) -> super::time::Timestamp {
        use chrono::TimeZone;
        let midnight = self.0.and_time(chrono::NaiveTime::MIN);
        let start = (0..=3)
            .find_map(|h| {
                tz.from_local_datetime(&(midnight + chrono::Duration::hours(h)))
                    .earliest()
            })
            .map(|dt| dt.timestamp_millis())
            .unwrap_or_else(|| midnight.and_utc().timestamp_millis());
        super::time::Timestamp::from_millis(start)
    }

    /// The next day.
    pub fn next(self) -> Self {
        Date(self.0.succ_opt().unwrap_or(self.0))
    }

    /// The first day of this day's month, and of the next month.
    pub fn month_bounds(self) -> (Date, Date) {
        let first = self.0.with_day(1).unwrap_or(self.0);
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        (Date(first), Date(next))
    }

    /// `YYYY-MM`.
    pub fn month_label(self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    /// Whole years from `self` to `later` (an age, or how long a licence has been held).
    pub fn whole_years_until(self, later: Date) -> i32 {
        let (a, b) = (self.0, later.0);
        let mut years = b.year() - a.year();
        if (b.month(), b.day()) < (a.month(), a.day()) {
            years -= 1;
        }
        years
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(d("2004-02-29").to_string(), "2004-02-29");
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "26-01-01",
            "2026/01/01",
            "2026-1-1",
            "+1000-1-01",
            "+202-01-01",
            "2026-01-+1",
            "",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn whole_years_count_birthdays() {
        assert_eq!(d("2005-06-15").whole_years_until(d("2026-06-14")), 20);
        assert_eq!(d("2005-06-15").whole_years_until(d("2026-06-15")), 21);
        assert_eq!(d("2004-02-29").whole_years_until(d("2025-02-28")), 20);
        assert_eq!(d("2004-02-29").whole_years_until(d("2025-03-01")), 21);
    }
}
