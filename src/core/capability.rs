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
use crate::core::config::Config;
use crate::core::context::Context;
use crate::core::db::{Db, DbError, Tx};
use crate::core::error::AppError;
use crate::core::i18n::Lang;
use crate::core::jobs::JobSpec;

/// A capability's own state (its caches), shared by all requests; found again by its type
/// with `AppState::part`.
pub type Part = std::sync::Arc<dyn std::any::Any + Send + Sync>;

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

/// How a capability's part follows its data: `reload` runs whenever the revision named
/// `revision` moved (see `core::revision`).
pub struct Refresh<S> {
    pub revision: &'static str,
    pub reload: for<'a> fn(&'a S) -> BoxFuture<'a, Result<(), AppError>>,
}

impl<S> Clone for Refresh<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Refresh<S> {}

/// Renders a section for (state, language, subject, reference day): ready HTML or nothing.
pub type RenderSection<S> =
    fn(&S, Lang, &str, chrono::NaiveDate) -> Result<Option<minijinja::Value>, AppError>;

/// A part a capability adds to another capability's page: `slot` names the page (for
/// instance `municipality`, whose subject is a NIS code), `render` returns ready HTML or
/// nothing, for the page's language and reference day.
pub struct Section<S> {
    pub slot: &'static str,
    pub order: u16,
    pub render: RenderSection<S>,
}

impl<S> Clone for Section<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Section<S> {}

/// Adds a capability's labelled demonstration records (`radix serve --demo`); running it
/// twice adds nothing. Returns how many records it added.
pub type Demo = for<'a> fn(&'a Context<'a>) -> BoxFuture<'a, anyhow::Result<u64>>;

/// Runs when an instance starts; must be quick when nothing changed.
pub type Prepare = for<'a> fn(&'a Context<'a>) -> BoxFuture<'a, anyhow::Result<()>>;

/// Everything one capability brings to the platform. `S` is the application state.
pub struct Capability<S: 'static> {
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
    /// Its in-memory state (caches), built once per instance.
    pub state: Option<fn(&Config) -> Part>,
    /// How that state is reloaded when its revision moves.
    pub refresh: Option<Refresh<S>>,
    /// What it adds to other capabilities' pages.
    pub sections: &'static [Section<S>],
    /// Its demonstration records.
    pub demo: Option<Demo>,
    /// Brings its reference data or seeded content up to date when an instance starts
    /// (after the migrations, before the state is built).
    pub prepare: Option<Prepare>,
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
            state: None,
            refresh: None,
            sections: &[],
            demo: None,
            prepare: None,
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
    let mut document = openapi_frame();
    for extend in capabilities.iter().filter_map(|c| c.openapi) {
        extend(&mut document);
    }
    document
}

/// The frame of the OpenAPI document; each capability adds its paths and schemas.
pub fn openapi_frame() -> serde_json::Value {
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Radix public API",
            "version": "1.0.0",
            "description": "Belgian municipalities and police zones as reference data, and the national cartography of LIVC-Rs, from the Radix platform. Error messages follow Accept-Language (nl, fr, de, en)."
        },
        "paths": {},
        "components": {
            "responses": {
                "Error": { "description": "An error with a stable code and a translated message",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error", "message"], "properties": {
                    "error": { "type": "string", "description": "Stable error code" },
                    "message": { "type": "string", "description": "Message in the negotiated language" },
                    "field": { "type": ["string", "null"] },
                    "request_id": { "type": "string" } } }
            }
        }
    })
}
