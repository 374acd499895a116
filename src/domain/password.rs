//! Password hashes: Argon2id for every new hash; Werkzeug's `scrypt:` and `pbkdf2:sha256:`
//! hashes from the Flask version verify, and are flagged for an upgrade to Argon2id.
//!
//! These functions are CPU-heavy on purpose: callers run them off the async executor.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use subtle::ConstantTimeEq;

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Mismatch,
    /// Correct, and the hash is current.
    Match,
    /// Correct, but the hash is a legacy one that should be replaced.
    MatchNeedsRehash,
}

impl Verification {
    pub fn is_match(self) -> bool {
        self != Verification::Mismatch
    }
}

/// Hashes a new password with Argon2id and a random salt (PHC string format).
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

/// Whether `stored` is in a format [`verify`] can check: Argon2id (ours) or Werkzeug's
/// `scrypt:…$salt$hash` and `pbkdf2:sha256:…$salt$hash` (the Flask version's).
pub fn is_known_hash(stored: &str) -> bool {
    let werkzeug = |rest: &str| rest.split('$').count() == 3;
    stored.starts_with("$argon2id$")
        || stored.strip_prefix("scrypt:").is_some_and(werkzeug)
        || stored.strip_prefix("pbkdf2:sha256").is_some_and(werkzeug)
}

/// Checks `password` against any hash format we know. Unknown formats never match.
pub fn verify(password: &str, stored: &str) -> Verification {
    let matched = if stored.starts_with("$argon2") {
        return verify_argon2(password, stored);
    } else if let Some(rest) = stored.strip_prefix("scrypt:") {
        verify_werkzeug_scrypt(password, rest)
    } else if let Some(rest) = stored.strip_prefix("pbkdf2:") {
        verify_werkzeug_pbkdf2(password, rest)
    } else {
        false
    };
    if matched {
        Verification::MatchNeedsRehash
    } else {
        Verification::Mismatch
    }
}

/// Spends the same effort as a real check, so that an unknown username
/// cannot be told from a wrong password by timing.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy password for timing").unwrap_or_default());
    let _ = verify(password, stored);
}

fn verify_argon2(password: &str, stored: &str) -> Verification {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verification::Mismatch;
    };
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verification::Mismatch;
    }
    let current = parsed.algorithm.as_str() == "argon2id"
        && parsed.params == Argon2::default().params().try_into().unwrap_or_default();
    if current {
        Verification::Match
    } else {
        Verification::MatchNeedsRehash
    }
}

/// Splits Werkzeug's `ARGS$salt$hexdigest` into its three parts.
fn werkzeug_parts(rest: &str) -> Option<(&str, &str, Vec<u8>)> {
    let mut parts = rest.splitn(3, '$');
    let args = parts.next()?;
    let salt = parts.next()?;
    let digest = hex::decode(parts.next()?).ok()?;
    Some((args, salt, digest))
}

/// Werkzeug: `scrypt:N:r:p$salt$hex`, `hashlib.scrypt(pw, salt, n, r, p)` with a 64-byte key.
fn verify_werkzeug_scrypt(password: &str, rest: &str) -> bool {
    let Some((args, salt, expected)) = werkzeug_parts(rest) else {
        return false;
    };
    let nums: Vec<u64> = args.split(':').filter_map(|n| n.parse().ok()).collect();
    let [n, r, p] = nums[..] else {
        return false;
    };
    if !n.is_power_of_two() || n < 2 || expected.is_empty() {
        return false;
    }
    let log_n = n.trailing_zeros() as u8;
    let (Ok(r), Ok(p)) = (u32::try_from(r), u32::try_from(p)) else {
        return false;
    };
    let Ok(params) = scrypt::Params::new(log_n, r, p, expected.len()) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out).is_err() {
        return false;
    }
    out.ct_eq(&expected).into()
}

/// Werkzeug: `pbkdf2:sha256:iterations$salt$hex` (iterations may be omitted in old hashes).
fn verify_werkzeug_pbkdf2(password: &str, rest: &str) -> bool {
    let Some((args, salt, expected)) = werkzeug_parts(rest) else {
        return false;
    };
    let mut args = args.split(':');
    if args.next() != Some("sha256") || expected.is_empty() {
        return false;
    }
    let iterations = match args.next() {
        Some(n) => match n.parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => return false,
        },
        None => 600_000,
    };
    let mut out = vec![0u8; expected.len()];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), salt.as_bytes(), iterations, &mut out);
    out.ct_eq(&expected).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real Werkzeug hashes, made by tests/fixtures/werkzeug/make_hashes.py.
    const WERKZEUG: &str = include_str!("../../tests/fixtures/werkzeug/hashes.json");

    #[test]
    fn werkzeug_hashes_verify_and_ask_for_an_upgrade() {
        let fixture: serde_json::Value = serde_json::from_str(WERKZEUG).unwrap();
        let cases = fixture["hashes"].as_array().unwrap();
        assert!(cases.len() >= 4);
        for case in cases {
            let (pw, stored) = (
                case["password"].as_str().unwrap(),
                case["hash"].as_str().unwrap(),
            );
            assert_eq!(
                verify(pw, stored),
                Verification::MatchNeedsRehash,
                "{stored}"
            );
            assert_eq!(
                verify("not the password", stored),
                Verification::Mismatch,
                "{stored}"
            );
        }
    }

    #[test]
    fn argon2_round_trip() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(verify("correct horse", &h), Verification::Match);
        assert_eq!(verify("wrong horse", &h), Verification::Mismatch);
    }

    #[test]
    fn garbage_hashes_never_match() {
        for stored in [
            "",
            "plain",
            "scrypt:",
            "scrypt:1:2$",
            "scrypt:3:8:1$a$00",
            "pbkdf2:md5:1$a$00",
        ] {
            assert_eq!(
                verify("secret123", stored),
                Verification::Mismatch,
                "{stored}"
            );
        }
    }
}
