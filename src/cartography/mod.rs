//! The national cartography of LIVC-Rs (public): the map of Belgium coloured by status on
//! any date (tile view from centroids, geographic view from imported boundaries), the
//! summary table per region, coverage over time, published snapshots, downloads (CSV, XLSX,
//! GeoJSON, SVG), the embeddable map and the JSON API.
//!
//! Everything here reads the registry's accepted observations only; every count states its
//! reference date and sources, and is computed against the municipalities valid that day.

pub mod api;
pub mod map;
pub mod png;
pub mod render;
mod routes;
pub mod view;

use axum::Router;
use axum::routing::get;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{lang}/cartography", get(routes::map_page))
        .route("/{lang}/cartography/embed", get(routes::embed_page))
        .route("/{lang}/cartography/history", get(routes::history_page))
        .route("/{lang}/cartography/snapshots", get(routes::snapshots_page))
        .route(
            "/{lang}/cartography/snapshots/{id}",
            get(routes::snapshot_page),
        )
        .route("/api/v1/cartography", get(api::cartography))
        .route("/api/v1/cartography/summary", get(api::summary))
        .route("/api/v1/cartography/map.svg", get(api::map_svg))
        .route("/api/v1/cartography/map.png", get(api::map_png))
        .route("/api/v1/cartography/map.geojson", get(api::map_geojson))
        .route("/api/v1/cartography/table.csv", get(api::table_csv))
        .route("/api/v1/cartography/table.xlsx", get(api::table_xlsx))
        .route("/api/v1/snapshots", get(api::snapshots))
        .route("/api/v1/snapshots/{id}", get(api::snapshot))
}
