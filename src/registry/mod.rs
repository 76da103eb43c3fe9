//! The LIVC-R registry: cells, the append-only history of observations per municipality
//! with their sources, declarations by municipalities and their review by Radix staff,
//! status surveys, merger proposals and the publication of cartography snapshots.
//!
//! Public API: `service` (writes and loading), the `Registry` read model (status of every
//! municipality on any date), `router()` with the municipal and staff pages.
//! Invariants: observations are never updated or deleted; a municipality is in at most one
//! cell on any date; the public sees accepted information only.

pub mod demo;
pub mod domain;
mod routes;
pub mod service;
mod store;

pub use domain::{Registry, Status};

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{lang}/livc-r/declarations", get(routes::my_declarations))
        .route(
            "/{lang}/livc-r/declarations/new",
            post(routes::start_declaration),
        )
        .route(
            "/{lang}/livc-r/declarations/{id}",
            get(routes::declaration_form).post(routes::declaration_submit),
        )
        .route(
            "/{lang}/survey/{token}",
            get(routes::survey_form).post(routes::survey_submit),
        )
        .route("/{lang}/registry", get(routes::queue))
        .route(
            "/{lang}/registry/declarations/{id}",
            get(routes::review).post(routes::review_submit),
        )
        .route(
            "/{lang}/registry/municipalities/{nis}",
            get(routes::municipality_registry).post(routes::record_observation),
        )
        .route(
            "/{lang}/registry/cells",
            get(routes::cells).post(routes::create_cell),
        )
        .route(
            "/{lang}/registry/cells/{id}",
            get(routes::cell).post(routes::cell_submit),
        )
        .route(
            "/{lang}/registry/mergers",
            get(routes::mergers).post(routes::merger_submit),
        )
        .route(
            "/{lang}/registry/snapshots",
            get(routes::snapshot_form).post(routes::snapshot_submit),
        )
        .route(
            "/{lang}/registry/surveys",
            get(routes::surveys).post(routes::survey_launch),
        )
        .route(
            "/{lang}/registry/surveys/{id}",
            get(routes::survey_overview).post(routes::survey_action),
        )
}
