//! The rendered content pages, loaded once per `content` revision.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::{ContentCache, load_cache};
use crate::core::capability::Part;
use crate::core::error::AppError;
use crate::core::state::{AppState, Snapshot};

#[derive(Default)]
pub struct ContentPart {
    pages: Snapshot<ContentCache>,
}

pub(super) fn new_part(_config: &crate::core::config::Config) -> Part {
    Arc::new(ContentPart::default())
}

pub(super) fn reload(state: &AppState) -> BoxFuture<'_, Result<(), AppError>> {
    Box::pin(async move {
        let fresh = load_cache(&state.db).await?;
        state.part::<ContentPart>().pages.set(fresh);
        Ok(())
    })
}

/// The content pages read from the application state.
pub trait ContentState {
    fn content(&self) -> Arc<ContentCache>;
}

impl ContentState for AppState {
    fn content(&self) -> Arc<ContentCache> {
        self.part::<ContentPart>().pages.get()
    }
}
