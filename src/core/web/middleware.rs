//! Middleware shared by every route: security headers, translated error pages, request ids,
//! and metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::core::error::{ErrorInfo, key_for_status};
use crate::core::i18n::Lang;
use crate::core::metrics::{RequestLabels, RouteLabels};
use crate::core::state::AppState;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: process-unique, unguessable enough to correlate logs, short to read aloud.
#[derive(Clone, Default)]
pub struct MakeRadixRequestId {
    counter: std::sync::Arc<AtomicU64>,
    seed: u64,
}

impl MakeRadixRequestId {
    pub fn new() -> Self {
        // A seed that differs between processes, not a time anything depends on.
        #[allow(clippy::disallowed_methods)]
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id()).rotate_left(32);
        MakeRadixRequestId {
            counter: Default::default(),
            seed,
        }
    }
}

impl MakeRequestId for MakeRadixRequestId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // A cheap mix so consecutive ids do not look sequential.
        let mixed = (self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)).rotate_left(17);
        HeaderValue::from_str(&format!("{mixed:016x}"))
            .ok()
            .map(RequestId::new)
    }
}

/// Adds the security headers to every response.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A page that may be framed (an embeddable map) sets its own, wider policy.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            state.content_security_policy.clone(),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    // Browsers ignore HSTS received over plain HTTP, so sending it always is harmless and
    // guarantees it is present behind a TLS-terminating proxy.
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000; includeSubDomains"),
    );
    if headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/json")
    {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// Marks a response body that was produced by the error renderer or a handler on purpose.
#[derive(Clone, Copy, Debug)]
pub struct Rendered;

/// Turns every error response (handler errors, router 404/405, body-limit 413, timeouts,
/// panics) into a translated page or JSON body, without internal details.
pub async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // Cheap reference-counted copies; the strings are only made when an error is rendered.
    let uri = request.uri().clone();
    let accept_language_header = request.headers().get(header::ACCEPT_LANGUAGE).cloned();
    let request_id_header = request.headers().get(&REQUEST_ID).cloned();
    let response = next.run(request).await;
    let status = response.status();
    if status.as_u16() < 400 || response.extensions().get::<Rendered>().is_some() {
        return response;
    }
    let path = uri.path().to_string();
    let is_api = path.starts_with("/api/");
    let accept_language = accept_language_header
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let request_id = request_id_header
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let path_lang = path.split('/').nth(1).and_then(Lang::from_code);
    let info = response.extensions().get::<ErrorInfo>().cloned();
    let key = info
        .as_ref()
        .map(|i| i.key)
        .unwrap_or_else(|| key_for_status(status));
    let lang = if is_api {
        Lang::negotiate(accept_language.as_deref(), state.config.default_language)
    } else {
        path_lang.unwrap_or_else(|| {
            Lang::negotiate(accept_language.as_deref(), state.config.default_language)
        })
    };
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), %path, request_id, "request failed");
    }
    let message = state.i18n.t(lang, key);
    let mut rendered = if is_api {
        let body = serde_json::json!({
            "error": key,
            "message": message,
            "field": info.as_ref().and_then(|i| i.field),
            "request_id": request_id,
        });
        let mut r = (status, axum::Json(body)).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        r
    } else {
        let context = minijinja::context! {
            lang => lang.code(),
            status => status.as_u16(),
            title_key => format!("{}-title", key_for_status(status)),
            message => message,
            request_id => request_id,
            show_request_id => status.is_server_error(),
        };
        let meta = super::PageMeta {
            lang,
            title: state
                .i18n
                .t(lang, &format!("{}-title", key_for_status(status))),
            description: None,
            path: "/".into(),
            query: None,
            section: "",
        };
        let page = super::render(&state, &meta, "core/web/error.html", context);
        let (mut parts, body) = page.into_parts();
        parts.status = status;
        Response::from_parts(parts, body)
    };
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            rendered.headers_mut().insert(name, value.clone());
        }
    }
    rendered.extensions_mut().insert(Rendered);
    rendered
}

/// Copies the matched route into the response so the outer metrics layer can label it.
/// Runs the rest of the request in a task of its own, so a visitor who leaves (closes the
/// tab, follows another link) does not cut the handler off between two database round trips:
/// a change finishes as a whole, and a pooled connection is never dropped in the middle of a
/// query, which would close it and make later requests wait for a new one.
pub async fn run_to_completion(request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let task = tokio::spawn(next.run(request).instrument(tracing::Span::current()));
    match task.await {
        Ok(response) => response,
        // The panic goes on to the panic-catching layer outside, as if it happened here.
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Only when the runtime shuts down.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

pub async fn route_label(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteLabel(route));
    }
    response
}

#[derive(Clone, Debug)]
pub struct RouteLabel(pub String);

/// Route layer: brings the in-memory parts up to the database's revisions before the
/// handler runs (one small read; see `core::revision`). Static files and the health probes
/// do not depend on them.
pub async fn freshen(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let independent = path.starts_with("/static/")
        || matches!(path, "/favicon.ico" | "/healthz" | "/readyz" | "/metrics");
    // When the database cannot be read, the request is served from what this instance holds
    // (a public page stays readable during a database outage); handlers that need the
    // database answer 503 themselves, and the next request tries again.
    if !independent && let Err(error) = state.freshen().await {
        tracing::warn!(%error, "revisions not read: serving the data held in memory");
    }
    next.run(request).await
}

pub async fn record_metrics(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "unmatched".into());
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// Answers TRACE (and other unknown methods on known paths) with 405 before routing.
pub async fn refuse_trace(request: Request, next: Next) -> Response {
    if request.method() == axum::http::Method::TRACE
        || request.method() == axum::http::Method::CONNECT
    {
        let mut response = StatusCode::METHOD_NOT_ALLOWED.into_response();
        *response.body_mut() = Body::empty();
        return response;
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_request_whose_client_left_still_runs_to_its_end() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let app = Router::new()
            .route(
                "/slow",
                get(move || async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    flag.store(true, Ordering::SeqCst);
                    "done"
                }),
            )
            .layer(axum::middleware::from_fn(super::run_to_completion));
        let request = Request::get("/slow")
            .body(Body::empty())
            .expect("a valid request");
        // The caller gives up long before the handler is done, dropping its future.
        let gave_up = tokio::time::timeout(Duration::from_millis(5), app.oneshot(request)).await;
        assert!(gave_up.is_err());
        assert!(!finished.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(finished.load(Ordering::SeqCst), "the handler was cut off");
    }
}
