//! Rate plans: what one rental day of a car costs, by length of rental (daily, weekly,
//! monthly day rates) and by season, and the rental lines of a price, day by day.

use serde::{Deserialize, Serialize};

use super::date::Date;
use super::money::Money;
use super::pricing::Overflow;
use super::time::Timestamp;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// From this many billable days, the weekly day rate applies.
pub const WEEKLY_FROM_DAYS: i64 = 7;
/// From this many billable days, the monthly day rate applies.
pub const MONTHLY_FROM_DAYS: i64 = 28;

/// The day rates of one period: the daily rate, and the cheaper day rates of long rentals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DayRates {
    pub daily: Money,
    /// For rentals of 7 days or more; none: the daily rate.
    pub weekly: Option<Money>,
    /// For rentals of 28 days or more; none: the weekly rate, else the daily rate.
    pub monthly: Option<Money>,
}

/// Which of the day rates a rental's length calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Daily,
    Weekly,
    Monthly,
}

impl Tier {
    /// The tier of a rental of `days` billable days.
    pub fn for_length(days: i64) -> Tier {
        if days >= MONTHLY_FROM_DAYS {
            Tier::Monthly
        } else if days >= WEEKLY_FROM_DAYS {
            Tier::Weekly
        } else {
            Tier::Daily
        }
    }
}

impl DayRates {
    /// The tier whose rate actually applies: a missing monthly rate falls back to the
    /// weekly one, a missing weekly rate to the daily one.
    pub fn effective(&self, tier: Tier) -> Tier {
        match tier {
            Tier::Monthly if self.monthly.is_some() => Tier::Monthly,
            Tier::Monthly | Tier::Weekly if self.weekly.is_some() => Tier::Weekly,
            _ => Tier::Daily,
        }
    }

    /// The day rate of `tier`, falling back to the next shorter tier that has one.
    pub fn rate(&self, tier: Tier) -> Money {
        match tier {
            Tier::Monthly => self.monthly.or(self.weekly).unwrap_or(self.daily),
            Tier::Weekly => self.weekly.unwrap_or(self.daily),
            Tier::Daily => self.daily,
        }
    }
}

/// A period of the calendar with its own rates, e.g. summer or the holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeasonRates {
    pub name: String,
    /// The first day of the season.
    #[schema(value_type = String, format = Date)]
    pub first_day: Date,
    /// The last day of the season, included.
    #[schema(value_type = String, format = Date)]
    pub last_day: Date,
    pub rates: DayRates,
}

impl SeasonRates {
    fn covers(&self, day: Date) -> bool {
        self.first_day <= day && day <= self.last_day
    }
}

/// Everything that prices a car's rental days. Copied into each reservation, so that a
/// later change of the plan never changes a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RatePlan {
    pub base: DayRates,
    /// Seasons do not overlap; a day outside every season takes the base rates.
    pub seasons: Vec<SeasonRates>,
}

impl RatePlan {
    /// A plan with one daily rate and nothing else.
    pub fn flat(daily: Money) -> Self {
        RatePlan {
            base: DayRates {
                daily,
                weekly: None,
                monthly: None,
            },
            seasons: Vec::new(),
        }
    }

    fn season_of(&self, day: Date) -> Option<&SeasonRates> {
        self.seasons.iter().find(|s| s.covers(day))
    }
}

/// A run of rental days at one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RentalLine {
    /// How many days.
    pub days: i64,
    pub day_rate: Money,
    pub tier: Tier,
    /// The season of these days; none: the base rates.
    pub season: Option<String>,
    /// days × dayRate.
    pub amount: Money,
}

/// The rental lines of `days` billable days from `start`, priced day by day: each day
/// takes the season of the calendar day (in `tz`) it begins on, and the tier of the
/// whole rental's length. Consecutive days at the same rate and season share a line.
pub fn rental_lines(
    plan: &RatePlan,
    start: Timestamp,
    days: i64,
    tz: chrono_tz::Tz,
) -> Result<Vec<RentalLine>, Overflow> {
    let tier = Tier::for_length(days);
    let mut lines: Vec<RentalLine> = Vec::new();
    for n in 0..days {
        let day = Date::in_zone(
            start.plus_millis(n.checked_mul(DAY_MS).ok_or(Overflow)?),
            tz,
        );
        let season = plan.season_of(day);
        let rates = season.map_or(&plan.base, |s| &s.rates);
        let rate = rates.rate(tier);
        let name = season.map(|s| s.name.clone());
        match lines.last_mut() {
            Some(last) if last.day_rate == rate && last.season == name => last.days += 1,
            _ => lines.push(RentalLine {
                days: 1,
                day_rate: rate,
                tier: rates.effective(tier),
                season: name,
                amount: Money::ZERO,
            }),
        }
    }
    for line in &mut lines {
        line.amount = line.day_rate.checked_mul(line.days).ok_or(Overflow)?;
    }
    Ok(lines)
}

/// Checks seasons: a name, the first day not after the last, and no two overlapping.
/// Returns the seasons sorted by first day, or the problem.
pub fn check_seasons(mut seasons: Vec<SeasonRates>) -> Result<Vec<SeasonRates>, String> {
    seasons.sort_by_key(|s| s.first_day);
    for s in &seasons {
        if s.last_day < s.first_day {
            return Err(format!("season {}: lastDay is before firstDay", s.name));
        }
    }
    for pair in seasons.windows(2) {
        if pair[1].first_day <= pair[0].last_day {
            return Err(format!(
                "seasons {} and {} overlap",
                pair[0].name, pair[1].name
            ));
        }
    }
    Ok(seasons)
}

/// Most seasons one car's plan may have.
pub const MAX_SEASONS: usize = 24;

/// A car's rate plan and security deposit, as an admin sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CarRates {
    /// The rates outside every season; `base.daily` is the car's `dailyRate`.
    pub base: DayRates,
    #[serde(default)]
    pub seasons: Vec<SeasonRates>,
    /// Held at pick-up, apart from the price.
    pub deposit: Money,
}

fn check_day_rates(rates: &DayRates, at: &str) -> Result<(), (String, String)> {
    let positive = |m: Money, name: &str| {
        if m > Money::ZERO {
            Ok(())
        } else {
            Err((format!("{at}.{name}"), "must be positive".to_owned()))
        }
    };
    positive(rates.daily, "daily")?;
    if let Some(weekly) = rates.weekly {
        positive(weekly, "weekly")?;
        if weekly > rates.daily {
            return Err((
                format!("{at}.weekly"),
                "must not be above the daily rate".into(),
            ));
        }
    }
    if let Some(monthly) = rates.monthly {
        positive(monthly, "monthly")?;
        if monthly > rates.weekly.unwrap_or(rates.daily) {
            return Err((
                format!("{at}.monthly"),
                "must not be above the weekly (or daily) rate".into(),
            ));
        }
    }
    Ok(())
}

impl CarRates {
    /// Checks every rule of a plan and returns it with its seasons in date order; an error
    /// names the field at fault (`seasons[1].rates.weekly`).
    pub fn check(mut self) -> Result<CarRates, (String, String)> {
        check_day_rates(&self.base, "base")?;
        if self.deposit < Money::ZERO {
            return Err(("deposit".into(), "must not be negative".into()));
        }
        if self.seasons.len() > MAX_SEASONS {
            return Err(("seasons".into(), format!("at most {MAX_SEASONS} seasons")));
        }
        let mut names = std::collections::HashSet::new();
        for (n, season) in self.seasons.iter_mut().enumerate() {
            season.name = super::text::clean_text(&season.name, 60)
                .map_err(|e| (format!("seasons[{n}].name"), e))?;
            if !names.insert(season.name.to_lowercase()) {
                return Err((
                    format!("seasons[{n}].name"),
                    "another season has this name".into(),
                ));
            }
            check_day_rates(&season.rates, &format!("seasons[{n}].rates"))?;
        }
        self.seasons = check_seasons(self.seasons).map_err(|e| ("seasons".to_owned(), e))?;
        Ok(self)
    }

    /// The plan a booking is priced with.
    pub fn plan(&self) -> RatePlan {
        RatePlan {
            base: self.base,
            seasons: self.seasons.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(cents: i64) -> Money {
        Money::from_cents(cents)
    }

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn plan() -> RatePlan {
        RatePlan {
            base: DayRates {
                daily: money(30_000),
                weekly: Some(money(25_000)),
                monthly: Some(money(20_000)),
            },
            seasons: vec![SeasonRates {
                name: "Été".into(),
                first_day: d("2026-07-01"),
                last_day: d("2026-08-31"),
                rates: DayRates {
                    daily: money(40_000),
                    weekly: Some(money(35_000)),
                    monthly: None,
                },
            }],
        }
    }

    fn summary(lines: &[RentalLine]) -> Vec<(i64, i64, Option<&str>)> {
        lines
            .iter()
            .map(|l| (l.days, l.day_rate.cents(), l.season.as_deref()))
            .collect()
    }

    #[test]
    fn tiers_start_at_seven_and_twenty_eight_days() {
        assert_eq!(Tier::for_length(6), Tier::Daily);
        assert_eq!(Tier::for_length(7), Tier::Weekly);
        assert_eq!(Tier::for_length(27), Tier::Weekly);
        assert_eq!(Tier::for_length(28), Tier::Monthly);
        let only_daily = DayRates {
            daily: money(100),
            weekly: None,
            monthly: None,
        };
        assert_eq!(only_daily.rate(Tier::Monthly), money(100));
        let no_monthly = DayRates {
            weekly: Some(money(90)),
            ..only_daily
        };
        assert_eq!(no_monthly.rate(Tier::Monthly), money(90));
        assert_eq!(no_monthly.effective(Tier::Monthly), Tier::Weekly);
        assert_eq!(
            only_daily.effective(Tier::Weekly),
            Tier::Daily,
            "no weekly label without a weekly rate"
        );
    }

    #[test]
    fn a_rental_across_a_season_boundary_is_priced_day_by_day() {
        // 29 June 10:00 UTC, 4 days: 29, 30 June at base, 1, 2 July in summer.
        let lines = rental_lines(&plan(), at("2026-06-29T10:00:00Z"), 4, chrono_tz::UTC).unwrap();
        assert_eq!(
            summary(&lines),
            [(2, 30_000, None), (2, 40_000, Some("Été"))]
        );
        let total: i64 = lines.iter().map(|l| l.amount.cents()).sum();
        assert_eq!(total, 140_000);
    }

    #[test]
    fn the_tier_of_the_whole_rental_applies_in_every_season() {
        // 10 days from 27 August: weekly tier; summer ends 31 August.
        let lines = rental_lines(&plan(), at("2026-08-27T09:00:00Z"), 10, chrono_tz::UTC).unwrap();
        assert_eq!(
            summary(&lines),
            [(5, 35_000, Some("Été")), (5, 25_000, None)]
        );
        assert!(lines.iter().all(|l| l.tier == Tier::Weekly));
        // A monthly rental in summer falls back to the season's weekly rate.
        let long = rental_lines(&plan(), at("2026-07-01T09:00:00Z"), 30, chrono_tz::UTC).unwrap();
        assert_eq!(summary(&long), [(30, 35_000, Some("Été"))]);
    }

    #[test]
    fn seasons_follow_the_agency_calendar_day() {
        // 30 June 23:30 UTC is already 1 July in Casablanca (UTC+1 in summer).
        let start = at("2026-06-30T23:30:00Z");
        let utc = rental_lines(&plan(), start, 1, chrono_tz::UTC).unwrap();
        let casa = rental_lines(&plan(), start, 1, chrono_tz::Africa::Casablanca).unwrap();
        assert_eq!(utc[0].season, None);
        assert_eq!(casa[0].season.as_deref(), Some("Été"));
    }

    #[test]
    fn a_plan_is_checked_field_by_field() {
        let good = CarRates {
            base: plan().base,
            seasons: plan().seasons,
            deposit: money(500_000),
        };
        assert_eq!(good.clone().check().unwrap().plan(), plan());
        let field = |rates: CarRates| rates.check().unwrap_err().0;
        let mut dear_week = good.clone();
        dear_week.base.weekly = Some(money(30_001));
        assert_eq!(field(dear_week), "base.weekly");
        let mut dear_month = good.clone();
        dear_month.seasons[0].rates.monthly = Some(money(35_001));
        assert_eq!(field(dear_month), "seasons[0].rates.monthly");
        let mut free = good.clone();
        free.base.daily = Money::ZERO;
        assert_eq!(field(free), "base.daily");
        let mut twice = good.clone();
        let mut copy = twice.seasons[0].clone();
        copy.first_day = d("2027-07-01");
        copy.last_day = d("2027-07-02");
        copy.name = "été".into();
        twice.seasons.push(copy);
        assert_eq!(field(twice), "seasons[1].name");
        let mut negative = good;
        negative.deposit = money(-1);
        assert_eq!(field(negative), "deposit");
    }

    #[test]
    fn overlapping_seasons_are_refused() {
        let season = |name: &str, first: &str, last: &str| SeasonRates {
            name: name.into(),
            first_day: d(first),
            last_day: d(last),
            rates: plan().base,
        };
        let sorted = check_seasons(vec![
            season("Noël", "2026-12-20", "2027-01-03"),
            season("Été", "2026-07-01", "2026-08-31"),
        ])
        .unwrap();
        assert_eq!(sorted[0].name, "Été");
        assert!(check_seasons(vec![
            season("A", "2026-07-01", "2026-08-31"),
            season("B", "2026-08-31", "2026-09-10"),
        ])
        .is_err());
        assert!(check_seasons(vec![season("A", "2026-07-02", "2026-07-01")]).is_err());
    }
}
