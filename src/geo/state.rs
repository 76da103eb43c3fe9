//! Geography as every request reads it: loaded once per `geo` revision (an import raises
//! it), with the imported boundaries read once per import.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use futures_util::future::BoxFuture;

use super::{Geography, service};
use crate::core::capability::Part;
use crate::core::error::AppError;
use crate::core::state::{AppState, Snapshot};

/// Imported municipal boundaries (GeoJSON geometry) by NIS code.
pub type Boundaries = HashMap<String, String>;

#[derive(Default)]
pub struct GeoPart {
    geography: Snapshot<Geography>,
    boundary_count: AtomicI64,
    boundary_cache: RwLock<Option<(i64, Arc<Boundaries>)>>,
}

pub(super) fn new_part(_config: &crate::core::config::Config) -> Part {
    Arc::new(GeoPart::default())
}

pub(super) fn reload(state: &AppState) -> BoxFuture<'_, Result<(), AppError>> {
    Box::pin(async move {
        let part = state.part::<GeoPart>();
        let fresh = service::load_geography(&state.db).await?;
        let count = service::boundary_count(&state.db).await?;
        part.geography.set(fresh);
        part.boundary_count.store(count, Ordering::Relaxed);
        Ok(())
    })
}

/// Geography read from the application state.
pub trait GeoState {
    /// The geography at the last `geo` revision.
    fn geography(&self) -> Arc<Geography>;
    /// Number of stored boundaries (0: the geographic map is not available).
    fn boundary_count(&self) -> i64;
    /// All imported boundaries, read once per import.
    fn boundaries(&self) -> impl Future<Output = Result<Arc<Boundaries>, AppError>> + Send;
}

impl GeoState for AppState {
    fn geography(&self) -> Arc<Geography> {
        self.part::<GeoPart>().geography.get()
    }

    fn boundary_count(&self) -> i64 {
        self.part::<GeoPart>()
            .boundary_count
            .load(Ordering::Relaxed)
    }

    async fn boundaries(&self) -> Result<Arc<Boundaries>, AppError> {
        let part = self.part::<GeoPart>();
        let count = self.boundary_count();
        if let Ok(slot) = part.boundary_cache.read()
            && let Some((cached_count, map)) = slot.as_ref()
            && *cached_count == count
        {
            return Ok(map.clone());
        }
        let map = Arc::new(service::all_boundaries(&self.db).await?);
        if let Ok(mut slot) = part.boundary_cache.write() {
            *slot = Some((count, map.clone()));
        }
        Ok(map)
    }
}
