//! Dates as people type them and as pages show them: one parser and one formatter for
//! every form and page.

use chrono::{Datelike, NaiveDate};

pub use crate::core::i18n::format_date;

/// The text is not a date (or not a plausible one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidDate;

/// A date written as in links (2024-12-31) or the Belgian way (31/12/2024). Empty text is no
/// date; years before 1900 or after 2200 are refused as typing errors.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, InvalidDate> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
        .map(Some)
        .ok_or(InvalidDate)
}

/// A moment as Belgian readers expect it: the date and the hour in Brussels time
/// (31/12/2024 14:05).
pub fn format_local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    let local = at + crate::core::clock::brussels_offset(at);
    format!(
        "{} {}",
        format_date(local.date_naive()),
        local.format("%H:%M")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways_of_writing_a_date_are_read() {
        let day = NaiveDate::from_ymd_opt(2024, 12, 31);
        assert_eq!(parse_date("2024-12-31"), Ok(day));
        assert_eq!(parse_date(" 31/12/2024 "), Ok(day));
        assert_eq!(parse_date(""), Ok(None));
        assert_eq!(parse_date("31/02/2024"), Err(InvalidDate));
        assert_eq!(parse_date("0024-01-01"), Err(InvalidDate));
        assert_eq!(parse_date("tomorrow"), Err(InvalidDate));
    }
}
