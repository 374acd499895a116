//! Who may drive away with a car: age, how long the licence has been held, and its expiry.

use super::date::Date;

/// The agency's rules for drivers (settings).
#[derive(Debug, Clone, Copy)]
pub struct DriverPolicy {
    pub min_age_years: i32,
    pub min_license_years: i32,
}

/// What is known of a driver. Unknown dates cannot be checked and are not held against them.
#[derive(Debug, Clone, Copy, Default)]
pub struct DriverRecord {
    pub date_of_birth: Option<Date>,
    pub license_issue_date: Option<Date>,
    pub license_expiry_date: Option<Date>,
}

/// Checks a driver at pick-up for a rental planned to end on `planned_return`.
/// On refusal: the client field at fault and why.
pub fn check_driver(
    driver: &DriverRecord,
    pick_up: Date,
    planned_return: Date,
    policy: DriverPolicy,
) -> Result<(), (&'static str, String)> {
    if let Some(expiry) = driver.license_expiry_date {
        if expiry < pick_up {
            return Err((
                "licenseExpiryDate",
                format!("the driving licence expired on {expiry}"),
            ));
        }
        if expiry < planned_return {
            return Err((
                "licenseExpiryDate",
                format!("the driving licence expires on {expiry}, before the planned return on {planned_return}"),
            ));
        }
    }
    if let Some(born) = driver.date_of_birth {
        let age = born.whole_years_until(pick_up);
        if age < policy.min_age_years {
            return Err((
                "dateOfBirth",
                format!(
                    "the driver is {age}; drivers must be at least {}",
                    policy.min_age_years
                ),
            ));
        }
    }
    if let Some(issued) = driver.license_issue_date {
        let held = issued.whole_years_until(pick_up);
        if held < policy.min_license_years {
            return Err((
                "licenseIssueDate",
                format!(
                    "the licence has been held for less than {} years",
                    policy.min_license_years
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: DriverPolicy = DriverPolicy {
        min_age_years: 21,
        min_license_years: 2,
    };

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn driver(born: &str, issued: &str, expires: &str) -> DriverRecord {
        DriverRecord {
            date_of_birth: Some(d(born)),
            license_issue_date: Some(d(issued)),
            license_expiry_date: Some(d(expires)),
        }
    }

    fn check(r: &DriverRecord) -> Result<(), &'static str> {
        check_driver(r, d("2026-06-01"), d("2026-06-05"), POLICY).map_err(|(field, _)| field)
    }

    #[test]
    fn a_licensed_adult_may_drive() {
        assert_eq!(
            check(&driver("1990-01-01", "2010-01-01", "2030-01-01")),
            Ok(())
        );
        assert_eq!(
            check(&DriverRecord::default()),
            Ok(()),
            "unknown dates are not held against a driver"
        );
    }

    #[test]
    fn expired_or_expiring_licences_are_refused() {
        assert_eq!(
            check(&driver("1990-01-01", "2010-01-01", "2026-05-31")),
            Err("licenseExpiryDate")
        );
        assert_eq!(
            check(&driver("1990-01-01", "2010-01-01", "2026-06-04")),
            Err("licenseExpiryDate")
        );
        assert_eq!(
            check(&driver("1990-01-01", "2010-01-01", "2026-06-05")),
            Ok(())
        );
    }

    #[test]
    fn young_drivers_and_new_licences_are_refused() {
        assert_eq!(
            check(&driver("2005-06-02", "2023-01-01", "2030-01-01")),
            Err("dateOfBirth")
        );
        assert_eq!(
            check(&driver("2005-06-01", "2023-01-01", "2030-01-01")),
            Ok(())
        );
        assert_eq!(
            check(&driver("1990-01-01", "2024-06-02", "2030-01-01")),
            Err("licenseIssueDate")
        );
        assert_eq!(
            check(&driver("1990-01-01", "2024-06-01", "2030-01-01")),
            Ok(())
        );
    }
}
