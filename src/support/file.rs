//! The data of a municipality file (requests, meetings with their reports, follow-up
//! actions), kept per municipality until the support revision moves.
//!
//! Staff open the same files again and again before visits, while requests, meetings and
//! actions change a few times a day; reading a few hundred rows on every view would cost
//! more than the rest of the page. The revision (one primary-key read, raised in the
//! transaction of every change) keeps the cached files exact across instances.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::meetings::{self, FollowUp, Meeting};
use super::service::{self, ListFilter, Request, SupportError};
use crate::core::db::Db;

pub struct FileData {
    /// The requests about the municipality, newest first.
    pub requests: Vec<Request>,
    /// Meetings held there or in its police zone, or answering one of its requests,
    /// latest first.
    pub meetings: Vec<Meeting>,
    pub actions: Vec<FollowUp>,
    /// The requests and meetings as rendered HTML, per language.
    pub activity: crate::core::web::RenderedParts<1>,
}

/// More files than municipalities never need keeping.
const CAPACITY: usize = 1024;

/// Files by (NIS, reference day), all read at one support revision.
type Files = HashMap<(String, NaiveDate), Arc<FileData>>;

#[derive(Default)]
pub struct FileCache {
    slot: Mutex<(i64, Files)>,
}

impl FileCache {
    /// The file of `nis` as it stands; `places` are the municipality and its police zone on
    /// `day`.
    pub async fn file(
        &self,
        db: &Db,
        nis: &str,
        places: &[String],
        day: NaiveDate,
    ) -> Result<Arc<FileData>, SupportError> {
        let revision = service::revision(db).await?;
        let key = (nis.to_string(), day);
        if let Ok(slot) = self.slot.lock()
            && slot.0 == revision
            && let Some(data) = slot.1.get(&key)
        {
            return Ok(data.clone());
        }
        let data = Arc::new(load(db, nis, places).await?);
        if let Ok(mut slot) = self.slot.lock() {
            // Only the newest revision is kept. The revision is read before the rows, so a
            // change committed meanwhile can only make the stored data newer than its key.
            if slot.0 > revision {
                return Ok(data);
            }
            if slot.0 != revision {
                *slot = (revision, HashMap::new());
            }
            if slot.1.len() >= CAPACITY {
                slot.1.clear();
            }
            slot.1.insert(key, data.clone());
        }
        Ok(data)
    }
}

async fn load(db: &Db, nis: &str, places: &[String]) -> Result<FileData, SupportError> {
    let requests: Vec<Request> = service::list(
        db,
        &ListFilter {
            municipality: Some(nis),
            exclude_unconfirmed: true,
            ..Default::default()
        },
        500,
    )
    .await?
    .into_iter()
    .filter(|r| r.municipalities.iter().any(|n| n == nis))
    .collect();
    let meetings = meetings::meetings_for_municipality(db, places, nis).await?;
    let ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
    let actions = meetings::actions_of(db, &ids).await?;
    Ok(FileData {
        requests,
        meetings,
        actions,
        activity: Default::default(),
    })
}
