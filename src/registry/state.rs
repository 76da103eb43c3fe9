//! The registry read model as every request reads it: loaded once per `registry` revision
//! (every write of an observation, a cell or a snapshot raises it).

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::{Registry, service};
use crate::core::capability::Part;
use crate::core::error::AppError;
use crate::core::state::{AppState, Snapshot};

#[derive(Default)]
pub struct RegistryPart {
    registry: Snapshot<Registry>,
}

pub(super) fn new_part(_config: &crate::core::config::Config) -> Part {
    Arc::new(RegistryPart::default())
}

pub(super) fn reload(state: &AppState) -> BoxFuture<'_, Result<(), AppError>> {
    Box::pin(async move {
        let fresh = service::load_registry(&state.db).await?;
        state.part::<RegistryPart>().registry.set(fresh);
        Ok(())
    })
}

/// The registry read from the application state.
pub trait RegistryState {
    /// The registry at the last `registry` revision.
    fn registry(&self) -> Arc<Registry>;
}

impl RegistryState for AppState {
    fn registry(&self) -> Arc<Registry> {
        self.part::<RegistryPart>().registry.get()
    }
}
