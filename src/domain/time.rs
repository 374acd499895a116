//! Instants in time: parsed from RFC 3339 with an explicit offset, rendered in UTC with `Z`,
//! stored as milliseconds since the Unix epoch so both engines compare them as integers.

use std::fmt;

use chrono::{DateTime, Datelike, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Self {
        Timestamp(Utc::now().timestamp_millis())
    }

    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 date-time. A date-time without an offset is refused:
    /// the server cannot guess which time zone the caller meant.
    pub fn parse(text: &str) -> Result<Self, String> {
        let dt = DateTime::parse_from_rfc3339(text).map_err(|_| {
            "must be an RFC 3339 date-time with an offset, e.g. 2026-05-04T10:00:00Z".to_owned()
        })?;
        // An instant is written back in UTC, where an offset can carry it out of the years
        // RFC 3339 can write (`0000-01-01T00:00:00+01:00` is in the year -1): what could
        // not be read back, from a stored snapshot for one, is refused here.
        if !(0..=9999).contains(&dt.with_timezone(&Utc).year()) {
            return Err("must fall within the years 0000 to 9999 in UTC".to_owned());
        }
        Ok(Timestamp(dt.timestamp_millis()))
    }

    pub fn plus_millis(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    fn to_utc(self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read back from what `Serialize` wrote (stored JSON snapshots); any RFC 3339 text.
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_converted_to_utc() {
        let t = Timestamp::parse("2026-03-29T03:30:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-03-29T01:30:00Z");
    }

    #[test]
    fn a_date_time_without_offset_is_refused() {
        assert!(Timestamp::parse("2026-03-29T03:30:00").is_err());
        assert!(Timestamp::parse("2026-02-30T00:00:00Z").is_err());
    }

    #[test]
    fn instants_that_utc_cannot_write_are_refused() {
        assert!(Timestamp::parse("0000-01-01T00:00:00+01:00").is_err());
        assert!(Timestamp::parse("9999-12-31T23:00:00-01:00").is_err());
        let first = Timestamp::parse("0000-01-01T00:00:00Z").unwrap();
        let last = Timestamp::parse("9999-12-31T23:59:59.999Z").unwrap();
        assert_eq!(Timestamp::parse(&first.to_string()), Ok(first));
        assert_eq!(Timestamp::parse(&last.to_string()), Ok(last));
    }

    #[test]
    fn fractions_are_kept_to_the_millisecond() {
        let t = Timestamp::parse("2026-01-01T00:00:00.1234Z").unwrap();
        assert_eq!(t.to_string(), "2026-01-01T00:00:00.123Z");
    }
}
