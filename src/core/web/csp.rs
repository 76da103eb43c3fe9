//! The Content-Security-Policy header of every page.

use axum::http::HeaderValue;

/// Builds the CSP; `frame-ancestors` lists the configured partner origins allowed to embed.
pub fn content_security_policy(frame_ancestors: &[String]) -> HeaderValue {
    let ancestors = if frame_ancestors.is_empty() {
        "'none'".to_string()
    } else {
        frame_ancestors.join(" ")
    };
    let policy = format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
    })
}
