//! The seam between the platform's mechanisms and its capabilities.
//!
//! Core owns the mechanisms: the route-policy table, the main navigation, the OpenAPI
//! document, the job runner, the personal-data export and erasure. Each capability owns its
//! rows in them and hands them over as one plain `Capability` value from its `mod.rs`; the
//! application keeps the only list of capabilities (`crate::capabilities`). Adding a
//! capability is therefore its folder, one line in that list, its migrations and its
//! locales: nothing in core or in another capability changes.

use axum::Router;
use futures_util::future::BoxFuture;

use crate::core::auth::policy::RoutePolicy;
use crate::core::db::{Db, DbError, Tx};
use crate::core::jobs::JobSpec;

/// An entry of the main navigation: `nav-{key}` is its label, `path` follows the language
/// prefix. Entries are shown by increasing `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavEntry {
    pub key: &'static str,
    pub path: &'static str,
    pub order: u16,
}

/// What a capability holds about a person, for the export of their data and for their
/// erasure when the retention period of a deactivated account ends.
#[derive(Clone, Copy)]
pub struct PersonalData {
    /// The key of the capability's section in the export.
    pub section: &'static str,
    /// The capability's section of a person's export (a JSON value, usually a list).
    pub export: for<'a> fn(&'a Db, i64) -> BoxFuture<'a, Result<serde_json::Value, DbError>>,
    /// Removes or anonymises what the capability holds about the person, inside the
    /// transaction that anonymises the account; `label` replaces their name where a record
    /// must keep one.
    pub erase: for<'a> fn(&'a mut Tx, i64, &'a str) -> BoxFuture<'a, Result<(), DbError>>,
}

/// Everything one capability brings to the platform. `S` is the application state.
pub struct Capability<S> {
    /// A short name, used in logs and in the architecture document.
    pub name: &'static str,
    /// Its pages and API.
    pub router: fn() -> Router<S>,
    /// The access each of its routes needs; a route missing here answers 403.
    pub routes: &'static [RoutePolicy],
    /// Its entries of the main navigation.
    pub navigation: &'static [NavEntry],
    /// Adds its paths (and schemas) to the OpenAPI document.
    pub openapi: Option<fn(&mut serde_json::Value)>,
    /// Its background jobs, given the state they will run with.
    pub jobs: fn(&S) -> Vec<JobSpec<S>>,
    /// What it holds about people.
    pub personal_data: Option<PersonalData>,
}

impl<S: Clone + Send + Sync + 'static> Capability<S> {
    /// A capability with routes only; the other parts are filled in with struct update
    /// syntax (`Capability { jobs: ..., ..Capability::new("x", router) }`).
    pub fn new(name: &'static str, router: fn() -> Router<S>) -> Capability<S> {
        Capability {
            name,
            router,
            routes: &[],
            navigation: &[],
            openapi: None,
            jobs: |_| Vec::new(),
            personal_data: None,
        }
    }
}

/// The main navigation of a set of capabilities, in order.
pub fn navigation<S>(capabilities: &[Capability<S>]) -> Vec<NavEntry> {
    let mut entries: Vec<NavEntry> = capabilities
        .iter()
        .flat_map(|c| c.navigation.iter().copied())
        .collect();
    entries.sort_by_key(|entry| entry.order);
    entries
}

/// The route-policy rows of a set of capabilities.
pub fn route_policies<S>(capabilities: &[Capability<S>]) -> Vec<RoutePolicy> {
    capabilities
        .iter()
        .flat_map(|c| c.routes.iter().copied())
        .collect()
}

/// The OpenAPI document: core's frame, filled in by each capability.
pub fn openapi_document<S>(capabilities: &[Capability<S>]) -> serde_json::Value {
    let mut document = crate::core::ops::openapi_frame();
    for extend in capabilities.iter().filter_map(|c| c.openapi) {
        extend(&mut document);
    }
    document
}
