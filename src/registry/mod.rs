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
mod state;
mod store;

pub use domain::{Registry, Status};
pub use state::RegistryState;

/// The name of the registry's revision (see `core::revision`).
pub(crate) const REVISION: &str = "registry";

use axum::Router;
use axum::routing::{get, post};

use crate::core::auth::{BACK_OFFICE, Permission, STAFF};
use crate::core::state::AppState;

/// Review LIVC-R declarations, record observations, keep cells up to date.
pub const REVIEW_DECLARATIONS: Permission = Permission::new("review-declarations", STAFF);
/// Publish cartography snapshots, confirm merger proposals, run status surveys.
pub const MANAGE_REGISTRY: Permission = Permission::new("manage-registry", BACK_OFFICE);
use crate::core::auth::policy::Access;
use crate::core::auth::policy::Access::{Public, SignedIn};
use crate::core::auth::policy::{RoutePolicy, route};
use crate::core::capability::{Capability, PersonalData, Refresh};
use crate::core::db::{Db, DbError, Tx};

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

/// The access each route needs (deny by default: a route missing here answers 403).
pub const ROUTES: &[RoutePolicy] = &[
    route("GET", "/{lang}/survey/{token}", Public),
    route("POST", "/{lang}/survey/{token}", Public),
    route("GET", "/{lang}/livc-r/declarations", SignedIn),
    route("POST", "/{lang}/livc-r/declarations/new", SignedIn),
    route("GET", "/{lang}/livc-r/declarations/{id}", SignedIn),
    route("POST", "/{lang}/livc-r/declarations/{id}", SignedIn),
    route(
        "GET",
        "/{lang}/registry",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "GET",
        "/{lang}/registry/declarations/{id}",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "POST",
        "/{lang}/registry/declarations/{id}",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "GET",
        "/{lang}/registry/municipalities/{nis}",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "POST",
        "/{lang}/registry/municipalities/{nis}",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "GET",
        "/{lang}/registry/cells",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "POST",
        "/{lang}/registry/cells",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "GET",
        "/{lang}/registry/cells/{id}",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "POST",
        "/{lang}/registry/cells/{id}",
        Access::Permission(REVIEW_DECLARATIONS),
    ),
    route(
        "GET",
        "/{lang}/registry/mergers",
        Access::Permission(MANAGE_REGISTRY),
    ),
    route(
        "POST",
        "/{lang}/registry/mergers",
        Access::Permission(MANAGE_REGISTRY),
    ),
    route(
        "GET",
        "/{lang}/registry/snapshots",
        Access::Permission(MANAGE_REGISTRY),
    ),
    route(
        "POST",
        "/{lang}/registry/snapshots",
        Access::Permission(MANAGE_REGISTRY),
    ),
    route(
        "GET",
        "/{lang}/registry/surveys",
        Access::Permission(MANAGE_REGISTRY),
    ),
    route(
        "POST",
        "/{lang}/registry/surveys",
        Access::Permission(MANAGE_REGISTRY),
    ),
    route(
        "GET",
        "/{lang}/registry/surveys/{id}",
        Access::Permission(MANAGE_REGISTRY),
    ),
    route(
        "POST",
        "/{lang}/registry/surveys/{id}",
        Access::Permission(MANAGE_REGISTRY),
    ),
];

/// What the registry brings: LIVC-R declarations, their review, cells, mergers, snapshots
/// and surveys; declarations are personal data of their authors.
pub fn capability() -> Capability<AppState> {
    Capability {
        routes: ROUTES,
        personal_data: Some(PersonalData {
            section: "livcr_declarations",
            export: export_personal_data,
            erase: erase_personal_data,
        }),
        state: Some(state::new_part),
        refresh: Some(Refresh {
            revision: REVISION,
            reload: state::reload,
        }),
        demo: Some(|ctx| Box::pin(load_demo(ctx))),
        ..Capability::new("registry", router)
    }
}

fn export_personal_data(
    db: &Db,
    user_id: i64,
) -> futures_util::future::BoxFuture<'_, Result<serde_json::Value, DbError>> {
    Box::pin(service::personal_data_export(db, user_id))
}

fn erase_personal_data<'a>(
    tx: &'a mut Tx,
    user_id: i64,
    label: &'a str,
) -> futures_util::future::BoxFuture<'a, Result<(), DbError>> {
    Box::pin(service::forget_person(tx, user_id, label))
}

/// The registry's demonstration history (fictitious observations and cells).
async fn load_demo(ctx: &crate::core::context::Context<'_>) -> anyhow::Result<u64> {
    let geography = crate::geo::service::load_geography(ctx.db).await?;
    Ok(demo::load(ctx.db, &geography, 0, ctx.now).await? as u64)
}
