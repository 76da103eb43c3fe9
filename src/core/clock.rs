//! Time as the platform sees it: Belgian civil time (Europe/Brussels), without a time-zone
//! database, using the EU daylight-saving rule (last Sunday of March to last Sunday of
//! October, switching at 01:00 UTC).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

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

/// Today's date in Belgium.
pub fn today() -> NaiveDate {
    let now = Utc::now();
    (now + brussels_offset(now)).date_naive()
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
}
