//! Instants in time: parsed from RFC 3339 with an explicit offset, rendered in UTC with `Z`,
//! stored as milliseconds since the Unix epoch so both engines compare them as integers.

use std::fmt;

use chrono::{DateTime, Datelike, SecondsFormat, TimeZone, Timelike, Utc};
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

    /// RFC 3339 in UTC with `Z`, and milliseconds when there are any, written into `buf`;
    /// `None` outside the years 0000 to 9999. What chrono's formatter writes, without its
    /// intermediate string: timestamps are written by the hundred for a list page.
    fn rfc3339(self, buf: &mut [u8; 24]) -> Option<&str> {
        let t = self.to_utc();
        let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
        let ms = t.timestamp_subsec_millis();
        *buf = *b"0000-00-00T00:00:00.000Z";
        for (at, value, width) in [
            (0, year, 4),
            (5, t.month(), 2),
            (8, t.day(), 2),
            (11, t.hour(), 2),
            (14, t.minute(), 2),
            (17, t.second(), 2),
            (20, ms, 3),
        ] {
            put_digits(&mut buf[at..at + width], value);
        }
        let text = if ms == 0 {
            buf[19] = b'Z';
            &buf[..20]
        } else {
            &buf[..]
        };
        std::str::from_utf8(text).ok()
    }
}

/// Writes `value` in decimal, zero-padded to the width of `out`.
fn put_digits(out: &mut [u8], mut value: u32) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rfc3339(&mut [0; 24]) {
            Some(text) => f.write_str(text),
            None => f.write_str(&self.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.rfc3339(&mut [0; 24]) {
            Some(text) => s.serialize_str(text),
            None => s.collect_str(self),
        }
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
    fn written_as_chrono_writes_rfc_3339() {
        let day = 86_400_000;
        let samples = [
            0,
            1,
            999,
            -1,
            -62_167_219_200_000,
            253_402_300_799_999,
            1_796_532_449_012,
            951_782_400_000 + 7 * day / 3,
            -2_208_988_800_123,
        ];
        for ms in samples
            .into_iter()
            .chain((0..400).map(|n| n * 7_654_321_987))
        {
            let t = Timestamp::from_millis(ms);
            let chrono = t.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true);
            assert_eq!(t.to_string(), chrono, "{ms}");
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{chrono}\""));
        }
        let outside = Timestamp::from_millis(-62_167_219_200_001);
        assert_eq!(outside.to_string(), "-0001-12-31T23:59:59.999Z");
    }

    #[test]
    fn fractions_are_kept_to_the_millisecond() {
        let t = Timestamp::parse("2026-01-01T00:00:00.1234Z").unwrap();
        assert_eq!(t.to_string(), "2026-01-01T00:00:00.123Z");
    }
}
