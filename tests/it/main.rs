//! The single integration-test binary. Runs on SQLite by default and on PostgreSQL when
//! TEST_DATABASE_URL is set; CI runs it both ways.

mod bad_input;
mod content;
mod geo;
mod i18n;
mod identity;
mod meeting_changes;
mod platform;
mod registry;
mod support;
mod support_requests;
mod visits;
