//! Static assets embedded in the binary, served under content-hashed names with long cache
//! lifetimes: a changed file gets a new URL, so browsers never keep a stale copy.

use std::collections::HashMap;

use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

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

    /// A file by its hashed name, with its content type.
    pub fn file(&self, hashed: &str) -> Option<(&[u8], &'static str)> {
        self.files
            .get(hashed)
            .map(|a| (a.bytes.as_slice(), a.content_type))
    }
}
