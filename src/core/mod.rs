//! Thin shared core: configuration, database, errors, languages, text, metrics and the web
//! layer. Capabilities build on it; it knows nothing about them.

pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod email;
pub mod error;
pub mod i18n;
pub mod metrics;
pub mod ops;
pub mod text;
pub mod web;
