//! Operational endpoints: liveness, readiness, metrics, and the language-negotiating root.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::core::auth::policy::Access::Public;
use crate::core::auth::policy::{RoutePolicy, route};
use crate::core::i18n::Lang;
use crate::core::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/robots.txt", get(robots))
        .route("/api/openapi.json", get(openapi))
        .route("/static/{*path}", get(static_file))
        .route("/favicon.ico", get(favicon))
}

/// `/` sends the visitor to the home page in the best language their browser asks for.
async fn root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = Lang::negotiate(accept, state.config.default_language);
    let mut response = Redirect::to(&format!("/{}/", lang.code())).into_response();
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Ready when the database answers and no migration is pending.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.pending_migrations().await {
        Ok(0) => Json(serde_json::json!({
            "status": "ready",
            "database": state.db.backend().name(),
        }))
        .into_response(),
        Ok(pending) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "migrations pending", "pending": pending })),
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unreachable" })),
            )
                .into_response()
        }
    }
}

/// Prometheus metrics, for the local scraper (loopback) or with the configured bearer token.
async fn metrics(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
) -> Response {
    let from_loopback = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(addr)| addr.ip().is_loopback());
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    let token_ok = state.config.metrics_token.as_ref().is_some_and(|token| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| constant_time_eq(given.as_bytes(), token.expose().as_bytes()))
    });
    if !(token_ok || (from_loopback && !forwarded)) {
        return crate::core::error::AppError::NotFound.into_response();
    }
    let mut response = state.metrics.encode().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn robots() -> Response {
    let mut response = "User-agent: *\nDisallow: /api/\n".into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The access each route needs (deny by default: a route missing here answers 403).
pub const ROUTES: &[RoutePolicy] = &[
    route("GET", "/", Public),
    route("GET", "/healthz", Public),
    route("GET", "/readyz", Public),
    route("GET", "/metrics", Public),
    route("GET", "/robots.txt", Public),
    route("GET", "/favicon.ico", Public),
    route("GET", "/static/{*path}", Public),
    route("GET", "/api/openapi.json", Public),
];

/// Adds the paths and the components of `part` to `document`.
pub fn merge_openapi(document: &mut serde_json::Value, part: serde_json::Value) {
    let merge = |into: Option<&mut serde_json::Value>, from: Option<&serde_json::Value>| {
        if let (Some(serde_json::Value::Object(into)), Some(serde_json::Value::Object(from))) =
            (into, from)
        {
            for (key, value) in from {
                into.insert(key.clone(), value.clone());
            }
        }
    };
    merge(document.get_mut("paths"), part.get("paths"));
    for section in ["schemas", "responses", "parameters"] {
        if part["components"].get(section).is_some()
            && document["components"].get(section).is_none()
        {
            document["components"][section] = serde_json::json!({});
        }
        merge(
            document
                .get_mut("components")
                .and_then(|c| c.get_mut(section)),
            part.get("components").and_then(|c| c.get(section)),
        );
    }
}

async fn openapi(State(state): State<AppState>) -> Response {
    let mut response = state.openapi.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// A static asset under its content-hashed name.
pub async fn static_file(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    match state.assets.file(&path) {
        Some((bytes, content_type)) => {
            let mut response = bytes.to_vec().into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub async fn favicon(State(state): State<AppState>) -> Response {
    match state.assets.bytes_of("favicon.svg") {
        Some(bytes) => {
            let mut response = bytes.to_vec().into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
