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
pub mod demo;
pub mod geo;
pub mod identity;
pub mod registry;
pub mod support;

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderValue;
use axum::routing::get;
use minijinja::Environment;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::core::capability::{Capability, NavEntry, PersonalData};
use crate::core::config::Config;
use crate::core::context::Context;
use crate::core::db::{Db, PoolSettings};
use crate::core::i18n::I18n;
use crate::core::metrics::Metrics;
use crate::core::web::assets::Assets;
use crate::core::web::middleware;
use crate::geo::Geography;

/// The platform's capabilities, in the order their routes are merged: the only list of
/// them. A new capability is its folder, one line here, its migrations and its locales.
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

/// Every route's access: core's own routes and each capability's.
pub fn route_policies() -> Vec<core::auth::policy::RoutePolicy> {
    let mut rows = core::ops::ROUTES.to_vec();
    rows.extend(core::capability::route_policies(&capabilities()));
    rows
}

/// Imported municipal boundaries (GeoJSON geometry) by NIS code.
pub type Boundaries = std::collections::HashMap<String, String>;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

pub struct StateInner {
    pub config: Config,
    pub db: Db,
    pub i18n: Arc<I18n>,
    pub templates: Environment<'static>,
    pub assets: Arc<Assets>,
    pub metrics: Metrics,
    /// Where every handler and job takes the time from.
    pub clock: core::clock::Clock,
    pub content_security_policy: HeaderValue,
    /// The policy of the embeddable map: framing allowed for the configured origins.
    pub embed_content_security_policy: HeaderValue,
    /// Base of absolute links in emails.
    public_url: String,
    geography: RwLock<Arc<Geography>>,
    registry: RwLock<Arc<registry::Registry>>,
    content: RwLock<Arc<content::ContentCache>>,
    demo: AtomicBool,
    /// Number of stored boundaries: pages that draw an outline change when it does.
    boundaries: std::sync::atomic::AtomicI64,
    pub page_cache: core::web::cache::PageCache,
    /// Rendered cartography pages and API answers, by their validated parameters.
    pub cartography_cache: core::web::cache::PageCache,
    /// Boundaries for the geographic map, with the boundary count they were read at.
    pub boundary_cache: RwLock<Option<(i64, Arc<Boundaries>)>>,
    /// The support team's counts and lists, by support revision.
    pub support_team: support::team::TeamCache,
    /// Municipality files, by support revision.
    pub support_files: support::file::FileCache,
    /// The main navigation, from the capabilities.
    pub navigation: Vec<NavEntry>,
    /// The OpenAPI document from the capabilities, serialised once.
    pub openapi: bytes::Bytes,
    /// What each capability holds about people (export and erasure).
    pub personal_data: Vec<PersonalData>,
}

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

impl AppState {
    /// The context of a service call made now.
    pub fn context(&self) -> Context<'_> {
        self.context_at(self.clock.now())
    }

    /// The context of a service call at `now` (a job's claim time, say).
    pub fn context_at(&self, now: chrono::DateTime<chrono::Utc>) -> Context<'_> {
        Context {
            db: &self.db,
            i18n: &self.i18n,
            base_url: self.public_url(),
            now,
        }
    }

    pub fn geography(&self) -> Arc<Geography> {
        self.geography
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    pub fn registry(&self) -> Arc<registry::Registry> {
        self.registry
            .read()
            .map(|r| r.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Re-reads the registry after a change (this instance) or when another instance
    /// changed it.
    pub async fn reload_registry(&self) -> anyhow::Result<()> {
        let fresh = registry::service::load_registry(&self.db).await?;
        if let Ok(mut slot) = self.registry.write() {
            *slot = Arc::new(fresh);
        }
        Ok(())
    }

    pub fn content(&self) -> Arc<content::ContentCache> {
        self.content
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Identifies the data a cached public page was rendered from.
    pub fn page_stamp(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.geography().version.hash(&mut hasher);
        self.registry().version.hash(&mut hasher);
        self.content().fingerprint.hash(&mut hasher);
        self.demo_loaded().hash(&mut hasher);
        self.boundaries.load(Ordering::Relaxed).hash(&mut hasher);
        self.clock.today().hash(&mut hasher);
        hasher.finish()
    }

    pub fn boundary_count(&self) -> i64 {
        self.boundaries.load(Ordering::Relaxed)
    }

    /// All imported boundaries, read once per import.
    pub async fn boundaries(&self) -> anyhow::Result<Arc<Boundaries>> {
        let count = self.boundary_count();
        if let Ok(slot) = self.boundary_cache.read()
            && let Some((cached_count, map)) = slot.as_ref()
            && *cached_count == count
        {
            return Ok(map.clone());
        }
        let map = Arc::new(geo::service::all_boundaries(&self.db).await?);
        if let Ok(mut slot) = self.boundary_cache.write() {
            *slot = Some((count, map.clone()));
        }
        Ok(map)
    }

    pub fn demo_loaded(&self) -> bool {
        self.demo.load(Ordering::Relaxed)
    }

    /// Re-reads reference data and content when another instance or a CLI import changed them.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        let current = self.geography().version.clone();
        if geo::service::geography_version(&self.db)
            .await?
            .unwrap_or_default()
            != current
        {
            let fresh = geo::service::load_geography(&self.db).await?;
            if let Ok(mut slot) = self.geography.write() {
                *slot = Arc::new(fresh);
            }
        }
        if registry::service::registry_version(&self.db).await? != self.registry().version {
            self.reload_registry().await?;
        }
        let content = content::load_cache(&self.db).await?;
        if content.fingerprint != self.content().fingerprint
            && let Ok(mut slot) = self.content.write()
        {
            *slot = Arc::new(content);
        }
        self.demo
            .store(demo::is_loaded(&self.db).await?, Ordering::Relaxed);
        self.boundaries.store(
            geo::service::boundary_count(&self.db).await?,
            Ordering::Relaxed,
        );
        Ok(())
    }
}

/// How `App::start` prepares the database.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub migrate: bool,
    pub demo: bool,
    pub pool: PoolSettings,
    /// The clock of the instance (a fixed one in tests).
    pub clock: core::clock::Clock,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            migrate: true,
            demo: false,
            pool: PoolSettings::default(),
            clock: core::clock::Clock::system(),
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
        let summary = geo::service::import_geography(&db, None, clock.now()).await?;
        if summary.changed {
            tracing::info!(
                municipalities = summary.municipalities,
                police_zones = summary.police_zones,
                "reference geography loaded"
            );
        }
        content::seed_pages(&db, clock.now()).await?;
        if options.demo {
            demo::load(&db, &I18n::load()?, clock.now()).await?;
        }
        Self::state(config, db, clock).await
    }

    /// Builds the state for an already prepared database.
    pub async fn state(
        config: Config,
        db: Db,
        clock: core::clock::Clock,
    ) -> anyhow::Result<AppState> {
        let i18n = Arc::new(I18n::load()?);
        let assets = Arc::new(Assets::load());
        let templates = core::web::template_environment(i18n.clone(), assets.clone())?;
        let geography = geo::service::load_geography(&db).await?;
        let registry = registry::service::load_registry(&db).await?;
        let content = content::load_cache(&db).await?;
        let demo = demo::is_loaded(&db).await?;
        let boundaries = geo::service::boundary_count(&db).await?;
        let public_url = config
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.bind));
        let capabilities = capabilities();
        Ok(AppState(Arc::new(StateInner {
            public_url,
            content_security_policy: middleware::content_security_policy(&[]),
            embed_content_security_policy: middleware::content_security_policy(
                &config.frame_ancestors,
            ),
            config,
            db,
            i18n,
            templates,
            assets,
            metrics: Metrics::new(),
            clock,
            geography: RwLock::new(Arc::new(geography)),
            registry: RwLock::new(Arc::new(registry)),
            content: RwLock::new(Arc::new(content)),
            demo: AtomicBool::new(demo),
            boundaries: std::sync::atomic::AtomicI64::new(boundaries),
            page_cache: core::web::cache::PageCache::default(),
            cartography_cache: core::web::cache::PageCache::with_capacity(64),
            boundary_cache: RwLock::new(None),
            support_team: support::team::TeamCache::default(),
            support_files: support::file::FileCache::default(),
            navigation: core::capability::navigation(&capabilities),
            openapi: serde_json::to_vec(&core::capability::openapi_document(&capabilities))?.into(),
            personal_data: capabilities
                .iter()
                .filter_map(|c| c.personal_data)
                .collect(),
        })))
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
    let mut policies = route_policies();
    policies.extend_from_slice(extra_policies);
    let authorize_state = core::auth::policy::AuthorizeState {
        app: state.clone(),
        table: core::auth::policy::PolicyTable::new(&policies),
    };
    let mut routes = Router::new()
        .route("/static/{*path}", get(core::web::assets::static_file))
        .route("/favicon.ico", get(core::web::assets::favicon))
        .merge(core::ops::router());
    for capability in capabilities() {
        routes = routes.merge((capability.router)());
    }
    let request_id = middleware::REQUEST_ID.clone();
    let timeout = Duration::from_secs(state.config.request_timeout_seconds);
    let body_limit = state.config.max_body_bytes;
    routes
        .merge(extra)
        .route_layer(axum::middleware::from_fn_with_state(
            authorize_state,
            core::auth::policy::authorize,
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
    let refresher = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(30));
            interval.tick().await;
            loop {
                interval.tick().await;
                if let Err(error) = state.refresh().await {
                    tracing::warn!(%error, "refreshing reference data failed");
                }
            }
        })
    };
    let jobs = spawn_jobs(&state)?;
    let app = router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    refresher.abort();
    jobs.abort();
    state.db.close().await;
    Ok(())
}

/// Starts this instance's job runner: core's jobs and every capability's.
pub fn spawn_jobs(state: &AppState) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut specs = core::jobs(&state.config, &state.db, &state.clock)?;
    for capability in capabilities() {
        specs.extend((capability.jobs)(state));
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
