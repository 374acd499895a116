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

    /// The 24 lowercase hex characters, written into `buf` rather than a new string.
    fn hex(self, buf: &mut [u8; 24]) -> &str {
        // Both cannot fail: 12 bytes are 24 hex digits, which are ASCII.
        let _ = hex::encode_to_slice(self.0.bytes(), buf);
        std::str::from_utf8(buf).unwrap_or_default()
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

    /// Upper case is read too (the bytes are the same); ids are written in lower case.
    /// Decoded into a buffer on the stack: ids are read by the hundred for one list
    /// page, and `ObjectId::parse_str` allocates for each.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 12];
        if s.len() != 24 {
            return Err(InvalidId);
        }
        hex::decode_to_slice(s, &mut bytes).map_err(|_| InvalidId)?;
        Ok(Id(ObjectId::from_bytes(bytes)))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.hex(&mut [0; 24]))
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.hex(&mut [0; 24]))
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(IdVisitor)
    }
}

/// Reads an id from a borrowed string where the format allows, without copying it.
struct IdVisitor;

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id of 24 hexadecimal characters")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Id, E> {
        text.parse().map_err(E::custom)
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
        assert_eq!(
            "507F1F77BCF86CD799439011"
                .parse::<Id>()
                .unwrap()
                .to_string(),
            "507f1f77bcf86cd799439011"
        );
        for not_ascii in ["507f1f77bcf86cd7994390é", "é7f1f77bcf86cd799439011"] {
            assert!(not_ascii.parse::<Id>().is_err(), "{not_ascii}");
        }
    }
}
