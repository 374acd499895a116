//! Customers: how their phone numbers, e-mail addresses and national ids are written and compared.

use serde::Serialize;

use super::date::Date;
use super::driver::DriverRecord;
use super::id::Id;
use super::time::Timestamp;

/// A phone number as typed, with its comparison key (spaces, `-`, `.`, parentheses removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    shown: String,
    key: String,
}

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let shown = raw.trim().to_owned();
        let key = phone_key(&shown);
        let digits = key.strip_prefix('+').unwrap_or(&key);
        if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(
                "must be a phone number of 6 to 15 digits, optionally starting with +".into(),
            );
        }
        Ok(Phone { shown, key })
    }

    pub fn as_str(&self) -> &str {
        &self.shown
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The comparison key of any typed phone number: a leading `+` and the rest without
/// spaces, `-`, `.` and parentheses.
pub fn phone_key(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')'))
        .collect()
}

/// An e-mail address, compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim();
        let invalid = || "must be a valid e-mail address".to_owned();
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        let labels_ok = domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || !domain.contains('.')
            || !labels_ok
        {
            return Err(invalid());
        }
        Ok(Email(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A national identity card number (CIN), e.g. `AB123456`, stored upper case without spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cin(String);

impl Cin {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let cin: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect();
        if !(4..=20).contains(&cin.len()) || !cin.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("must be 4 to 20 letters and digits".into());
        }
        Ok(Cin(cin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    #[serde(rename = "_id")]
    pub id: Id,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub driver_license_number: Option<String>,
    #[serde(rename = "CIN")]
    pub cin: Option<String>,
    pub date_of_birth: Option<Date>,
    pub license_issue_date: Option<Date>,
    pub license_expiry_date: Option<Date>,
    pub notes: Option<String>,
    pub registered_at: Timestamp,
    pub registered_by: Option<Id>,
    pub updated_at: Timestamp,
    pub updated_by: Option<Id>,
}

/// Validated changes to a client; `None` leaves a field as it is, and for optional
/// fields `Some(None)` clears it. A create supplies every required field.
#[derive(Debug, Clone, Default)]
pub struct ClientChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<Phone>,
    pub email: Option<Option<Email>>,
    pub driver_license_number: Option<Option<String>>,
    pub cin: Option<Option<Cin>>,
    pub date_of_birth: Option<Option<Date>>,
    pub license_issue_date: Option<Option<Date>>,
    pub license_expiry_date: Option<Option<Date>>,
    pub notes: Option<Option<String>>,
}

impl ClientChanges {
    /// A new client from a create's changes, or `None` if a required field is missing.
    pub fn into_new_client(self, id: Id, at: Timestamp, by: Id) -> Option<Client> {
        Some(Client {
            id,
            first_name: self.first_name?,
            last_name: self.last_name?,
            phone: self.phone?.shown,
            email: self.email.flatten().map(|e| e.0),
            driver_license_number: self.driver_license_number.flatten(),
            cin: self.cin.flatten().map(|c| c.0),
            date_of_birth: self.date_of_birth.flatten(),
            license_issue_date: self.license_issue_date.flatten(),
            license_expiry_date: self.license_expiry_date.flatten(),
            notes: self.notes.flatten(),
            registered_at: at,
            registered_by: Some(by),
            updated_at: at,
            updated_by: Some(by),
        })
    }

    /// The client with these changes applied (bookkeeping fields untouched).
    pub fn apply(&self, client: &Client) -> Client {
        let mut next = client.clone();
        if let Some(v) = &self.first_name {
            next.first_name.clone_from(v);
        }
        if let Some(v) = &self.last_name {
            next.last_name.clone_from(v);
        }
        if let Some(v) = &self.phone {
            next.phone.clone_from(&v.shown);
        }
        if let Some(v) = &self.email {
            next.email = v.as_ref().map(|e| e.0.clone());
        }
        if let Some(v) = &self.driver_license_number {
            next.driver_license_number.clone_from(v);
        }
        if let Some(v) = &self.cin {
            next.cin = v.as_ref().map(|c| c.0.clone());
        }
        if let Some(v) = self.date_of_birth {
            next.date_of_birth = v;
        }
        if let Some(v) = self.license_issue_date {
            next.license_issue_date = v;
        }
        if let Some(v) = self.license_expiry_date {
            next.license_expiry_date = v;
        }
        if let Some(v) = &self.notes {
            next.notes.clone_from(v);
        }
        next
    }
}

impl Client {
    /// The facts a pick-up checks about this client as a driver.
    pub fn driver_record(&self) -> DriverRecord {
        DriverRecord {
            date_of_birth: self.date_of_birth,
            license_issue_date: self.license_issue_date,
            license_expiry_date: self.license_expiry_date,
        }
    }

    /// Checks that the client's dates are consistent with each other and with `today`.
    pub fn check_dates(&self, today: Date) -> Result<(), (&'static str, &'static str)> {
        if self.date_of_birth.is_some_and(|born| born >= today) {
            return Err(("dateOfBirth", "must be in the past"));
        }
        if self.license_issue_date.is_some_and(|issued| issued > today) {
            return Err(("licenseIssueDate", "cannot be in the future"));
        }
        if let (Some(born), Some(issued)) = (self.date_of_birth, self.license_issue_date) {
            if issued <= born {
                return Err(("licenseIssueDate", "must be after the date of birth"));
            }
        }
        if let (Some(issued), Some(expires)) = (self.license_issue_date, self.license_expiry_date) {
            if expires <= issued {
                return Err(("licenseExpiryDate", "must be after the issue date"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_typed_any_way_share_a_key() {
        let a = Phone::parse("06 12-34.56 78").unwrap();
        let b = Phone::parse("(06)12345678").unwrap();
        assert_eq!(a.key(), "0612345678");
        assert_eq!(a.key(), b.key());
        assert_eq!(
            Phone::parse("+212 6 12 34 56 78").unwrap().key(),
            "+212612345678"
        );
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("06 12 AB 56 78").is_err());
        assert!(Phone::parse("06+12345678").is_err());
    }

    #[test]
    fn emails_are_checked_and_compared_without_case() {
        assert_eq!(
            Email::parse("Amal@Example.MA").unwrap().key(),
            "amal@example.ma"
        );
        for bad in [
            "",
            "amal",
            "amal@",
            "@example.ma",
            "amal@example",
            "a b@example.ma",
            "amal@-x.ma",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cins_are_normalised() {
        assert_eq!(Cin::parse("ab 123456").unwrap().as_str(), "AB123456");
        assert!(Cin::parse("AB").is_err());
        assert!(Cin::parse("AB12345!").is_err());
    }
}
