//! Radix: the support platform of the Belgian federal Radix Team for cities and
//! municipalities preventing violent radicalisation.
//!
//! `App::start` prepares the database (migrations, reference data, content, optional demo
//! data), builds the shared `AppState` and the router that merges every capability's routes.

#![forbid(unsafe_code)]

pub mod admin;
pub mod cartography;
pub mod content;
pub mod core;
pub mod geo;
pub mod identity;
pub mod registry;
pub mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::core::capability::Capability;
use crate::core::config::Config;
use crate::core::db::{Db, PoolSettings};
use crate::core::i18n::I18n;
use crate::core::web::assets::Assets;
use crate::core::web::middleware;

pub use crate::core::state::AppState;

/// The platform's capabilities, in the order their routes are merged and their demo data
/// is loaded: the only list of them. A new capability is its folder, one line here, its
/// migrations and its locales.
pub fn capabilities() -> Vec<Capability<AppState>> {
    vec![
        geo::capability(),
        content::capability(),
        identity::capability(),
        admin::capability(),
        registry::capability(),
        cartography::capability(),
        support::capability(),
    ]
}

/// Adds the labelled demonstration data of every capability (twice adds nothing).
pub async fn load_demo(ctx: &core::context::Context<'_>) -> anyhow::Result<()> {
    core::demo::load(ctx, &capabilities()).await
}

/// Every route's access: core's own routes and each capability's.
pub fn route_policies() -> Vec<core::auth::policy::RoutePolicy> {
    let mut rows = core::ops::ROUTES.to_vec();
    rows.extend(core::capability::route_policies(&capabilities()));
    rows
}

/// How `App::start` prepares the database.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub migrate: bool,
    pub demo: bool,
    pub pool: PoolSettings,
    /// The clock of the instance (a fixed one in tests).
    pub clock: core::clock::Clock,
    /// The capabilities the instance runs (`capabilities` but in tests that add one).
    pub capabilities: fn() -> Vec<Capability<AppState>>,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            migrate: true,
            demo: false,
            pool: PoolSettings::default(),
            clock: core::clock::Clock::system(),
            capabilities,
        }
    }
}

pub struct App;

impl App {
    /// Connects, migrates, loads reference data and content, and builds the state.
    pub async fn start(config: Config, options: StartOptions) -> anyhow::Result<AppState> {
        if config.database_url.starts_with("sqlite:") {
            std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                anyhow::anyhow!(
                    "cannot create data directory {}: {e}",
                    config.data_dir.display()
                )
            })?;
        }
        let db = Db::connect(&config.database_url, &options.pool).await?;
        let clock = options.clock;
        if options.migrate {
            db.migrate().await?;
        } else if db.pending_migrations().await? > 0 {
            anyhow::bail!("the database needs migrations: run `radix migrate` first");
        }
        let capabilities = (options.capabilities)();
        {
            let i18n = I18n::load()?;
            let ctx = core::context::Context {
                db: &db,
                i18n: &i18n,
                base_url: "",
                now: clock.now(),
            };
            for capability in &capabilities {
                if let Some(prepare) = capability.prepare {
                    prepare(&ctx).await?;
                }
            }
            if options.demo {
                core::demo::load(&ctx, &capabilities).await?;
            }
        }
        Self::state_of(config, db, clock, &capabilities).await
    }

    /// Builds the state for an already prepared database.
    pub async fn state(
        config: Config,
        db: Db,
        clock: core::clock::Clock,
    ) -> anyhow::Result<AppState> {
        Self::state_of(config, db, clock, &capabilities()).await
    }

    async fn state_of(
        config: Config,
        db: Db,
        clock: core::clock::Clock,
        capabilities: &[Capability<AppState>],
    ) -> anyhow::Result<AppState> {
        let i18n = Arc::new(I18n::load()?);
        let assets = Arc::new(Assets::load());
        let templates = core::web::template_environment(i18n.clone(), assets.clone())?;
        AppState::new(
            core::state::Foundation {
                config,
                db,
                clock,
                i18n,
                assets,
                templates,
            },
            capabilities,
        )
        .await
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new(), &[])
}

/// The application with extra routes inside the same middleware stack (tests use it to prove
/// how a failing handler is answered).
pub fn router_with(
    state: AppState,
    extra: Router<AppState>,
    extra_policies: &[core::auth::policy::RoutePolicy],
) -> Router {
    let mut policies = core::ops::ROUTES.to_vec();
    policies.extend_from_slice(&state.route_policies);
    policies.extend_from_slice(extra_policies);
    let authorize_state = core::auth::authorize::AuthorizeState {
        app: state.clone(),
        table: core::auth::policy::PolicyTable::new(&policies),
        sessions: identity::session_lookup,
    };
    let mut routes = Router::new().merge(core::ops::router());
    for router in &state.routers {
        routes = routes.merge(router());
    }
    let request_id = middleware::REQUEST_ID.clone();
    let timeout = Duration::from_secs(state.config.request_timeout_seconds);
    let body_limit = state.config.max_body_bytes;
    routes
        .merge(extra)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::freshen,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            authorize_state,
            core::auth::authorize::authorize,
        ))
        .route_layer(axum::middleware::from_fn(middleware::route_label))
        .fallback(|| async { core::error::AppError::NotFound })
        .layer(axum::middleware::from_fn(middleware::run_to_completion))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::render_errors))
        .layer(axum::middleware::from_fn(middleware::refuse_trace))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::record_metrics))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let id = request
                    .headers()
                    .get(&middleware::REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, middleware::MakeRadixRequestId::new()))
        .with_state(state)
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let jobs = spawn_jobs(&state)?;
    let app = router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    jobs.abort();
    state.db.close().await;
    Ok(())
}

/// Starts this instance's job runner: core's jobs and every capability's.
pub fn spawn_jobs(state: &AppState) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut specs = core::jobs(&state.config, &state.db, &state.clock)?;
    for jobs in &state.jobs {
        specs.extend(jobs(state));
    }
    if state.config.smtp.is_none() {
        tracing::info!("no SMTP server configured: emails wait in the outbox (/admin/outbox)");
    }
    let runner = core::jobs::Runner::new(state.db.clone(), state.clock.clone(), specs);
    Ok(runner.spawn(
        state.clone(),
        Duration::from_millis(state.config.jobs_poll_milliseconds),
    ))
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
