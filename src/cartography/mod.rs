//! The national cartography of LIVC-Rs (public): the map of Belgium coloured by status on
//! any date (tile view from centroids, geographic view from imported boundaries), the
//! summary table per region, coverage over time, published snapshots, downloads (CSV, XLSX,
//! GeoJSON, SVG), the embeddable map and the JSON API.
//!
//! Everything here reads the registry's accepted observations only; every count states its
//! reference date and sources, and is computed against the municipalities valid that day.

mod api;
mod map;
mod png;
mod render;
mod routes;
mod section;
mod view;

use axum::Router;
use axum::routing::get;

use crate::core::auth::policy::Access::Public;
use crate::core::auth::policy::{RoutePolicy, route};
use crate::core::capability::Part;
use crate::core::capability::{Capability, NavEntry, Section};
use crate::core::config::Config;
use crate::core::state::AppState;
use crate::core::web::cache::PageCache;

/// Rendered cartography pages and API answers by their validated parameters, and the
/// policy of the embeddable map (framing allowed for the configured partner origins).
pub struct CartographyPart {
    pub cache: PageCache,
    pub embed_policy: axum::http::HeaderValue,
}

fn new_part(config: &Config) -> Part {
    std::sync::Arc::new(CartographyPart {
        cache: PageCache::with_capacity(64),
        embed_policy: crate::core::web::csp::content_security_policy(&config.frame_ancestors),
    })
}

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

/// The access each route needs (deny by default: a route missing here answers 403).
pub const ROUTES: &[RoutePolicy] = &[
    route("GET", "/api/v1/cartography", Public),
    route("GET", "/api/v1/cartography/summary", Public),
    route("GET", "/api/v1/cartography/map.svg", Public),
    route("GET", "/api/v1/cartography/map.png", Public),
    route("GET", "/api/v1/cartography/map.geojson", Public),
    route("GET", "/api/v1/cartography/table.csv", Public),
    route("GET", "/api/v1/cartography/table.xlsx", Public),
    route("GET", "/api/v1/snapshots", Public),
    route("GET", "/api/v1/snapshots/{id}", Public),
    route("GET", "/{lang}/cartography", Public),
    route("GET", "/{lang}/cartography/embed", Public),
    route("GET", "/{lang}/cartography/history", Public),
    route("GET", "/{lang}/cartography/snapshots", Public),
    route("GET", "/{lang}/cartography/snapshots/{id}", Public),
];

/// What the cartography brings: the national map of LIVC-Rs, its history, snapshots,
/// downloads and API.
pub fn capability() -> Capability<AppState> {
    Capability {
        routes: ROUTES,
        navigation: &[NavEntry {
            key: "cartography",
            path: "/cartography",
            order: 40,
        }],
        openapi: Some(api::extend_openapi),
        state: Some(new_part),
        sections: &[Section {
            slot: "municipality",
            order: 10,
            render: section::livcr_section,
        }],
        ..Capability::new("cartography", router)
    }
}
