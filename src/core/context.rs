//! What a service call needs besides its input: the database, the translations for emails,
//! the public address for links, and the time of the call (taken once from the clock).

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::clock::belgian_date;
use crate::core::db::Db;
use crate::core::i18n::I18n;

pub struct Context<'a> {
    pub db: &'a Db,
    pub i18n: &'a I18n,
    /// Public address for links in emails, without trailing slash.
    pub base_url: &'a str,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// The date in Belgium at the time of the call.
    pub fn today(&self) -> NaiveDate {
        belgian_date(self.now)
    }
}
