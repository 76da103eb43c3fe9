//! Belgian geography: municipalities (581 until 2024, 580 in December 2024, 565 since 2025)
//! with validity periods and merger history, provinces, arrondissements, regions, language
//! areas, police zones with time-versioned membership, and optional boundary polygons.
//!
//! Public API: `service` (import, load), the `Geography` read model, `router()` with the
//! public pages under `/{lang}/municipalities` and the JSON API under `/api/v1/`.
//! Invariant: a query "as of a date" only ever returns the municipalities that existed then;
//! dates before 2019-01-01 are refused.

mod api;
pub mod boundaries;
pub mod domain;
mod routes;
pub mod service;
mod state;
mod store;

pub use domain::{Geography, Municipality, Region};
pub use state::{Boundaries, GeoState};

/// The name of geography's revision (see `core::revision`): raised by every import.
pub(crate) const REVISION: &str = "geo";
pub(crate) use routes::{region_label, unit_name};

use axum::Router;
use axum::routing::get;

use crate::core::auth::policy::Access::Public;
use crate::core::auth::policy::{RoutePolicy, route};
use crate::core::capability::{Capability, NavEntry, Refresh};
use crate::core::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{lang}/municipalities", get(routes::municipalities_page))
        .route(
            "/{lang}/municipalities/{nis}",
            get(routes::municipality_page),
        )
        .route("/api/v1/municipalities", get(api::api_municipality_list))
        .route("/api/v1/municipalities/{nis}", get(api::api_municipality))
        .route("/api/v1/police-zones", get(api::api_police_zone_list))
        .route("/api/v1/police-zones/{key}", get(api::api_police_zone))
}

/// Parses a `date` parameter: empty means today (Belgian time); anything but a real
/// calendar date written YYYY-MM-DD or DD/MM/YYYY, or a date before the reference period, is refused with
/// a message key.
pub fn parse_date_param(
    value: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, &'static str> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(today);
    };
    // ISO (2024-12-31, as in URLs and the API) or the Belgian way of writing (31/12/2024).
    let well_formed = text.len() == 10
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'/');
    if !well_formed {
        return Err("geo-error-date-invalid");
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| "geo-error-date-invalid")?;
    if date < domain::first_reference_date() {
        return Err("geo-error-date-before-reference");
    }
    if date > chrono::NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid date") {
        return Err("geo-error-date-invalid");
    }
    Ok(date)
}

/// The access each route needs (deny by default: a route missing here answers 403).
pub const ROUTES: &[RoutePolicy] = &[
    route("GET", "/api/v1/municipalities", Public),
    route("GET", "/api/v1/municipalities/{nis}", Public),
    route("GET", "/api/v1/police-zones", Public),
    route("GET", "/api/v1/police-zones/{key}", Public),
    route("GET", "/{lang}/municipalities", Public),
    route("GET", "/{lang}/municipalities/{nis}", Public),
];

/// What geography brings: the municipality pages and the reference-data API.
pub fn capability() -> Capability<AppState> {
    Capability {
        routes: ROUTES,
        navigation: &[NavEntry {
            key: "municipalities",
            path: "/municipalities",
            order: 50,
        }],
        openapi: Some(api::extend_openapi),
        state: Some(state::new_part),
        prepare: Some(|ctx| Box::pin(load_reference_data(ctx))),
        refresh: Some(Refresh {
            revision: REVISION,
            reload: state::reload,
        }),
        ..Capability::new("geo", router)
    }
}

/// Loads the shipped reference geography when it changed (a new release).
async fn load_reference_data(ctx: &crate::core::context::Context<'_>) -> anyhow::Result<()> {
    let summary = service::import_geography(ctx.db, None, ctx.now).await?;
    if summary.changed {
        tracing::info!(
            municipalities = summary.municipalities,
            police_zones = summary.police_zones,
            "reference geography loaded"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");

    #[test]
    fn date_parameter_is_strict() {
        assert!(parse_date_param(Some("2024-12-31"), TODAY).is_ok());
        assert_eq!(
            parse_date_param(Some("31/12/2024"), TODAY),
            parse_date_param(Some("2024-12-31"), TODAY)
        );
        assert_eq!(
            parse_date_param(Some("30/02/2019"), TODAY),
            Err("geo-error-date-invalid")
        );
        assert!(parse_date_param(None, TODAY).is_ok());
        assert!(parse_date_param(Some(""), TODAY).is_ok());
        assert_eq!(
            parse_date_param(Some("2019-02-30"), TODAY),
            Err("geo-error-date-invalid")
        );
        assert_eq!(
            parse_date_param(Some("../../etc"), TODAY),
            Err("geo-error-date-invalid")
        );
        assert_eq!(
            parse_date_param(Some("2018-12-31"), TODAY),
            Err("geo-error-date-before-reference")
        );
        assert_eq!(
            parse_date_param(Some("2024-1-5"), TODAY),
            Err("geo-error-date-invalid")
        );
        assert_eq!(
            parse_date_param(Some("+2024-01-05"), TODAY),
            Err("geo-error-date-invalid")
        );
    }
}
