//! The application state: core's mechanisms (configuration, database, languages, templates,
//! assets, metrics, clock, page cache) and one part per capability, found by its type.
//!
//! Core knows no capability: a capability hands over its part (`Capability::state`), the
//! revision that makes it stale and how to reload it (`Capability::refresh`), and reaches
//! its part again with `AppState::part`. `freshen` runs before each request and each job: it
//! reads the revisions once and reloads what moved, so every instance serves what the
//! database holds (see `core::revision`).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use axum::http::HeaderValue;
use minijinja::Environment;

use crate::core::capability::{Capability, NavEntry, Part, PersonalData, Refresh, Section};

use crate::core::clock::Clock;
use crate::core::config::Config;
use crate::core::context::Context;
use crate::core::db::Db;
use crate::core::error::AppError;
use crate::core::i18n::{I18n, Lang};
use crate::core::metrics::Metrics;
use crate::core::revision::{self, Revisions};
use crate::core::web::assets::Assets;
use crate::core::web::cache::PageCache;

/// A capability's jobs, given the state they run with.
pub type JobsOf = fn(&AppState) -> Vec<crate::core::jobs::JobSpec<AppState>>;

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
    pub clock: Clock,
    pub content_security_policy: HeaderValue,
    /// Base of absolute links in emails.
    public_url: String,
    /// Rendered public pages, by path and page stamp.
    pub page_cache: PageCache,
    /// The main navigation, from the capabilities.
    pub navigation: Vec<NavEntry>,
    /// The OpenAPI document from the capabilities, serialised once.
    pub openapi: bytes::Bytes,
    /// What each capability holds about people (export and erasure).
    pub personal_data: Vec<PersonalData>,
    /// Each capability's routes, route policies and jobs, as handed over.
    pub routers: Vec<fn() -> axum::Router<AppState>>,
    pub route_policies: Vec<crate::core::auth::policy::RoutePolicy>,
    pub jobs: Vec<JobsOf>,
    sections: Vec<Section<AppState>>,
    parts: HashMap<TypeId, Part>,
    refreshers: Vec<Refresh<AppState>>,
    /// The revisions the in-memory parts were last loaded at.
    seen: RwLock<Option<Revisions>>,
    /// One reload at a time per instance (concurrent requests wait for it, then see it).
    reloading: tokio::sync::Mutex<()>,
    /// Whether the database holds the labelled demonstration data.
    demo: AtomicBool,
}

impl Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}

/// What `AppState::new` needs besides the capabilities.
pub struct Foundation {
    pub config: Config,
    pub db: Db,
    pub clock: Clock,
    pub i18n: Arc<I18n>,
    pub assets: Arc<Assets>,
    pub templates: Environment<'static>,
}

impl AppState {
    /// Builds the state and loads every capability's part.
    pub async fn new(
        foundation: Foundation,
        capabilities: &[Capability<AppState>],
    ) -> anyhow::Result<AppState> {
        let Foundation {
            config,
            db,
            clock,
            i18n,
            assets,
            templates,
        } = foundation;
        let public_url = config
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.bind));
        let mut parts = HashMap::new();
        for capability in capabilities {
            if let Some(make) = capability.state {
                let part = make(&config);
                parts.insert(part.as_ref().type_id(), part);
            }
        }
        let mut sections: Vec<Section<AppState>> = capabilities
            .iter()
            .flat_map(|c| c.sections.iter().copied())
            .collect();
        sections.sort_by_key(|s| s.order);
        let state = AppState(Arc::new(StateInner {
            public_url,
            content_security_policy: crate::core::web::csp::content_security_policy(&[]),
            config,
            db,
            i18n,
            templates,
            assets,
            metrics: Metrics::new(),
            clock,
            page_cache: PageCache::default(),
            navigation: crate::core::capability::navigation(capabilities),
            openapi: serde_json::to_vec(&crate::core::capability::openapi_document(capabilities))?
                .into(),
            personal_data: capabilities
                .iter()
                .filter_map(|c| c.personal_data)
                .collect(),
            routers: capabilities.iter().map(|c| c.router).collect(),
            route_policies: crate::core::capability::route_policies(capabilities),
            jobs: capabilities.iter().map(|c| c.jobs).collect(),
            sections,
            parts,
            refreshers: capabilities.iter().filter_map(|c| c.refresh).collect(),
            seen: RwLock::new(None),
            reloading: tokio::sync::Mutex::new(()),
            demo: AtomicBool::new(false),
        }));
        state.freshen().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(state)
    }

    /// A capability's part. Its absence is a wiring mistake that every test would show.
    pub fn part<T: Any + Send + Sync>(&self) -> &T {
        self.parts
            .get(&TypeId::of::<T>())
            .and_then(|part| part.downcast_ref::<T>())
            .unwrap_or_else(|| {
                panic!(
                    "no state part {} (missing from its capability)",
                    std::any::type_name::<T>()
                )
            })
    }

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

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    pub fn demo_loaded(&self) -> bool {
        self.demo.load(Ordering::Relaxed)
    }

    /// Reads the revisions and reloads every part whose revision moved since it was loaded.
    pub async fn freshen(&self) -> Result<(), AppError> {
        let current = revision::all(&self.db).await?;
        if self.seen().as_ref() == Some(&current) {
            return Ok(());
        }
        let _reloading = self.reloading.lock().await;
        // Another request may have reloaded while this one waited.
        let seen = self.seen();
        if seen.as_ref() == Some(&current) {
            return Ok(());
        }
        if current.moved(seen.as_ref(), "demo") {
            let loaded = crate::core::demo::is_loaded(&self.db).await?;
            self.demo.store(loaded, Ordering::Relaxed);
        }
        for refresh in &self.refreshers {
            if current.moved(seen.as_ref(), refresh.revision) {
                (refresh.reload)(self).await?;
            }
        }
        // The revisions were read before the reloads: a change committed meanwhile raised
        // them again, so the next request reloads once more rather than missing it.
        if let Ok(mut slot) = self.seen.write() {
            *slot = Some(current);
        }
        Ok(())
    }

    fn seen(&self) -> Option<Revisions> {
        self.seen
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Identifies the data a cached page was rendered from: the revisions the parts were
    /// loaded at, and the day (pages that show "today" change at midnight).
    pub fn page_stamp(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.seen().hash(&mut hasher);
        self.clock.today().hash(&mut hasher);
        hasher.finish()
    }

    /// The parts other capabilities add to a page of `slot` (the LIVC-R status on a
    /// municipality's page, say), rendered, in order.
    pub fn sections(
        &self,
        slot: &str,
        lang: Lang,
        subject: &str,
        day: chrono::NaiveDate,
    ) -> Result<Vec<minijinja::Value>, AppError> {
        let mut out = vec![];
        for section in self.sections.iter().filter(|s| s.slot == slot) {
            if let Some(html) = (section.render)(self, lang, subject, day)? {
                out.push(html);
            }
        }
        Ok(out)
    }
}

/// A value that every request reads and a reload replaces as a whole.
pub struct Snapshot<T>(RwLock<Arc<T>>);

impl<T: Default> Default for Snapshot<T> {
    fn default() -> Self {
        Snapshot(RwLock::new(Arc::new(T::default())))
    }
}

impl<T> Snapshot<T> {
    pub fn get(&self) -> Arc<T> {
        self.0
            .read()
            .map(|v| v.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    pub fn set(&self, value: T) {
        match self.0.write() {
            Ok(mut slot) => *slot = Arc::new(value),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(value),
        }
    }
}
