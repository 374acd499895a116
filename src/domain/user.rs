//! Staff accounts: who may log in, and the rules that keep an agency administrable.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::id::Id;
use super::text::clean_text;
use super::time::Timestamp;

/// What a staff member may do. Both roles are staff; admins also manage accounts and the fleet.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            _ => Err("must be one of: admin, manager".to_owned()),
        }
    }
}

/// A login name: 3–50 letters, digits, `.`, `_` or `-`, kept as typed (NFC-normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name: String = raw.trim().nfc().collect();
        let len = name.chars().count();
        if !(3..=50).contains(&len) {
            return Err("must be 3 to 50 characters long".to_owned());
        }
        if !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err("may contain only letters, digits, '.', '_' and '-'".to_owned());
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two usernames are compared in: compatibility-normalised and case-folded,
    /// so `Admin`, `ADMIN` and `ａｄｍｉｎ` are the same account.
    pub fn key(&self) -> String {
        username_key(&self.0)
    }
}

/// The comparison key of any typed username, valid or not (used at login).
pub fn username_key(raw: &str) -> String {
    // One pass is not always final: NFKC writes some marks as a space and a combining
    // mark (`ﹰ`, `ͺ`), which only a second trim removes, and lower case can make
    // text that NFKC composes further (`Ϊ` and an acute become `ϊ` and the acute:
    // one `ΐ`). A key that is not its own key would tell apart names that these rules
    // make equal, so passes repeat until it is (two at most, for any character and its
    // neighbours).
    let pass = |text: &str| text.trim().nfkc().collect::<String>().to_lowercase();
    let mut key = pass(raw);
    for _ in 0..4 {
        let next = pass(&key);
        if next == key {
            break;
        }
        key = next;
    }
    key
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's full name as shown in the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        clean_text(raw, 100).map(FullName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as chosen by a person, before hashing.
#[derive(Clone)]
pub struct NewPassword(String);

/// Passwords shorter than this are refused (the contract's minimum).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longer passwords are refused so that hashing cost stays bounded.
pub const MAX_PASSWORD_CHARS: usize = 256;

impl NewPassword {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let len = raw.chars().count();
        if len < MIN_PASSWORD_CHARS {
            return Err(format!(
                "must be at least {MIN_PASSWORD_CHARS} characters long"
            ));
        }
        if len > MAX_PASSWORD_CHARS {
            return Err(format!(
                "must be at most {MAX_PASSWORD_CHARS} characters long"
            ));
        }
        if raw.contains('\0') {
            return Err("must not contain NUL characters".to_owned());
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A staff account as the API shows it (never with its password hash).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(rename = "_id")]
    pub id: Id,
    pub username: String,
    pub role: Role,
    pub full_name: String,
    pub is_active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Why a change to an account is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountRuleViolation {
    #[error("you cannot delete or deactivate your own account")]
    OwnAccount,
    #[error("the last active admin cannot be removed or deactivated")]
    LastActiveAdmin,
}

/// Checks that `actor` may remove or deactivate `target`, given how many active admins exist.
pub fn may_remove_or_deactivate(
    actor: Id,
    target: &User,
    active_admins: i64,
) -> Result<(), AccountRuleViolation> {
    if actor == target.id {
        return Err(AccountRuleViolation::OwnAccount);
    }
    if target.role == Role::Admin && target.is_active && active_admins <= 1 {
        return Err(AccountRuleViolation::LastActiveAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, active: bool) -> User {
        User {
            id: Id::generate(),
            username: "someone".into(),
            role,
            full_name: "Some One".into(),
            is_active: active,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
    }

    #[test]
    fn usernames_follow_the_contract() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(51)).is_err());
        assert!(Username::parse("no spaces").is_err());
        assert!(Username::parse("x@y").is_err());
        assert_eq!(
            Username::parse(" jean.dupont-2_b ").unwrap().as_str(),
            "jean.dupont-2_b"
        );
        assert!(Username::parse("amélie").is_ok());
    }

    #[test]
    fn username_keys_ignore_case_and_width() {
        let a = Username::parse("Admin").unwrap();
        let b = Username::parse("ａｄｍｉｎ").unwrap();
        assert_eq!(a.key(), b.key());
        // Composed and decomposed accents are the same name.
        assert_eq!(username_key("am\u{e9}lie"), username_key("ame\u{301}lie"));
        // So are an isolated form and what NFKC makes of it, with no space left over.
        assert_eq!(username_key("\u{fe70}ab"), "\u{64b}ab");
        assert_eq!(username_key("\u{37a}"), "\u{345}");
        assert_eq!(username_key("\u{3aa}\u{301}"), "\u{390}");
        for key in [username_key("\u{fe70}ab"), username_key("\u{3aa}\u{301}x")] {
            assert_eq!(username_key(&key), key);
        }
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(NewPassword::parse("1234567").is_err());
        assert!(NewPassword::parse("12345678").is_ok());
        assert!(NewPassword::parse("ééééééé").is_err());
    }

    #[test]
    fn nobody_removes_themselves_or_the_last_admin() {
        let admin = user(Role::Admin, true);
        assert_eq!(
            may_remove_or_deactivate(admin.id, &admin, 2),
            Err(AccountRuleViolation::OwnAccount)
        );
        assert_eq!(
            may_remove_or_deactivate(Id::generate(), &admin, 1),
            Err(AccountRuleViolation::LastActiveAdmin)
        );
        assert!(may_remove_or_deactivate(Id::generate(), &admin, 2).is_ok());
        assert!(may_remove_or_deactivate(Id::generate(), &user(Role::Admin, false), 1).is_ok());
        assert!(may_remove_or_deactivate(Id::generate(), &user(Role::Manager, true), 1).is_ok());
    }
}
