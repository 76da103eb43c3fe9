//! Static assets embedded in the binary, served under content-hashed names with long cache
//! lifetimes: a changed file gets a new URL, so browsers never keep a stale copy.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

use crate::AppState;

#[derive(RustEmbed)]
#[folder = "static/"]
struct StaticFiles;

#[derive(Debug)]
struct Asset {
    bytes: Vec<u8>,
    content_type: &'static str,
}

#[derive(Debug, Default)]
pub struct Assets {
    /// Logical name ("css/radix.css") → public URL ("/static/css/radix.3f2a….css").
    urls: HashMap<String, String>,
    /// Hashed file name → content.
    files: HashMap<String, Asset>,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

impl Assets {
    pub fn load() -> Assets {
        let mut assets = Assets::default();
        for name in StaticFiles::iter() {
            let Some(file) = StaticFiles::get(&name) else {
                continue;
            };
            let bytes = file.data.into_owned();
            let digest = Sha256::digest(&bytes);
            let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
            let hashed = match name.rsplit_once('.') {
                Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
                None => format!("{name}.{hash}"),
            };
            assets
                .urls
                .insert(name.to_string(), format!("/static/{hashed}"));
            assets.files.insert(
                hashed,
                Asset {
                    content_type: content_type(&name),
                    bytes,
                },
            );
        }
        assets
    }

    pub fn url(&self, name: &str) -> Option<String> {
        self.urls.get(name).cloned()
    }

    pub fn bytes_of(&self, name: &str) -> Option<&[u8]> {
        let url = self.urls.get(name)?;
        let hashed = url.strip_prefix("/static/")?;
        self.files.get(hashed).map(|a| a.bytes.as_slice())
    }
}

pub async fn static_file(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    match state.assets.files.get(&path) {
        Some(asset) => {
            let mut response = asset.bytes.clone().into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            );
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
