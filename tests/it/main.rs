//! The single integration-test binary. Runs on SQLite by default and on PostgreSQL when
//! TEST_DATABASE_URL is set; CI runs it both ways.

// The tests compare what the server did with the real time it ran at.
#![allow(clippy::disallowed_methods)]

mod architecture;
mod bad_input;
mod content;
mod geo;
mod i18n;
mod identity;
mod jobs;
mod meeting_changes;
mod platform;
mod registry;
mod support;
mod support_requests;
mod visits;
