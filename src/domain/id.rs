//! Document ids: MongoDB ObjectIds, so that data imported from the Flask
//! version keeps its ids and new ids look the same.

use std::fmt;
use std::str::FromStr;

use bson::oid::ObjectId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 24-character lowercase hex ObjectId.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(ObjectId);

impl Id {
    /// A fresh id: 4-byte timestamp, 5 random bytes, 3-byte counter.
    pub fn generate() -> Self {
        Id(ObjectId::new())
    }

    /// The ObjectId itself, as MongoDB Extended JSON writes it.
    pub fn object_id(self) -> ObjectId {
        self.0
    }

    /// When the id was made: the first four bytes of an ObjectId are its creation time.
    pub fn created_at_millis(self) -> i64 {
        self.0.timestamp().timestamp_millis()
    }
}

impl From<ObjectId> for Id {
    fn from(oid: ObjectId) -> Self {
        Id(oid)
    }
}

/// The text was not a 24-character hex ObjectId.
#[derive(Debug, thiserror::Error)]
#[error("not a valid id (expected 24 hexadecimal characters)")]
pub struct InvalidId;

impl FromStr for Id {
    type Err = InvalidId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // ObjectId::parse_str accepts upper case too; ids are canonical in lower case.
        if s.len() != 24 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(InvalidId);
        }
        ObjectId::parse_str(s.to_ascii_lowercase())
            .map(Id)
            .map_err(|_| InvalidId)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.to_hex())
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_24_lowercase_hex_and_round_trip() {
        let id = Id::generate();
        let text = id.to_string();
        assert_eq!(text.len(), 24);
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(text.parse::<Id>().unwrap(), id);
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "abc",
            "zzzzzzzzzzzzzzzzzzzzzzzz",
            "507f1f77bcf86cd7994390111",
        ] {
            assert!(bad.parse::<Id>().is_err(), "{bad}");
        }
        assert!("507F1F77BCF86CD799439011".parse::<Id>().is_ok());
    }
}
