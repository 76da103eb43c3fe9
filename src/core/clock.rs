//! Time as the platform sees it: Belgian civil time (Europe/Brussels), without a time-zone
//! database, using the EU daylight-saving rule (last Sunday of March to last Sunday of
//! October, switching at 01:00 UTC).

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Datelike, Duration, NaiveDate, SubsecRound, TimeZone, Utc, Weekday};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next_month = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid date");
    let mut day = next_month - Duration::days(1);
    while day.weekday() != Weekday::Sun {
        day -= Duration::days(1);
    }
    day
}

/// The offset of Belgian time from UTC at `instant`.
pub fn brussels_offset(instant: DateTime<Utc>) -> Duration {
    let year = instant.year();
    let start = Utc.from_utc_datetime(&last_sunday(year, 3).and_hms_opt(1, 0, 0).expect("time"));
    let end = Utc.from_utc_datetime(&last_sunday(year, 10).and_hms_opt(1, 0, 0).expect("time"));
    if instant >= start && instant < end {
        Duration::hours(2)
    } else {
        Duration::hours(1)
    }
}

/// The calendar date in Belgium at `instant`.
pub fn belgian_date(instant: DateTime<Utc>) -> NaiveDate {
    (instant + brussels_offset(instant)).date_naive()
}

/// Where the platform reads the time. Services and stores never ask the system for the time:
/// they receive `now` from a context built from this value, so that tests can fix the clock
/// and move it forward (reminders, digests, retention, deadlines) without sleeping.
#[derive(Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<RwLock<DateTime<Utc>>>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock that stands still at `at` until it is moved.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock {
            fixed: Some(Arc::new(RwLock::new(at))),
        }
    }

    /// The current instant, to the microsecond (what both databases store).
    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(at) => *at.read().unwrap_or_else(|poisoned| poisoned.into_inner()),
            // The one place that reads the system's time.
            #[allow(clippy::disallowed_methods)]
            None => Utc::now().trunc_subsecs(6),
        }
    }

    /// Today's date in Belgium.
    pub fn today(&self) -> NaiveDate {
        belgian_date(self.now())
    }

    /// Moves a fixed clock to `at` (a system clock cannot be moved).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(slot) = &self.fixed {
            *slot
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
        }
    }

    /// Moves a fixed clock forward.
    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fixed {
            Some(_) => write!(f, "Clock::fixed({})", self.now()),
            None => f.write_str("Clock::system"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summer_and_winter_offsets() {
        let summer = Utc
            .with_ymd_and_hms(2026, 7, 1, 22, 30, 0)
            .single()
            .expect("t");
        assert_eq!(brussels_offset(summer), Duration::hours(2));
        assert_eq!((summer + brussels_offset(summer)).date_naive().day(), 2);
        let winter = Utc
            .with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
            .single()
            .expect("t");
        assert_eq!(brussels_offset(winter), Duration::hours(1));
        // 2026: DST starts 29 March, ends 25 October.
        let before = Utc
            .with_ymd_and_hms(2026, 3, 29, 0, 59, 0)
            .single()
            .expect("t");
        let after = Utc
            .with_ymd_and_hms(2026, 3, 29, 1, 0, 0)
            .single()
            .expect("t");
        assert_eq!(brussels_offset(before), Duration::hours(1));
        assert_eq!(brussels_offset(after), Duration::hours(2));
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let start = Utc
            .with_ymd_and_hms(2026, 12, 31, 22, 59, 0)
            .single()
            .expect("t");
        let clock = Clock::fixed(start);
        assert_eq!(clock.now(), start);
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 12, 31).expect("d")
        );
        clock.advance(Duration::minutes(1));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("d")
        );
    }
}
