//! The team's figures: open requests counted by state, kind and region, the overdue and
//! unassigned lists, the latest requests and each advisor's workload.
//!
//! Counting tens of thousands of requests on every view of the team page would cost
//! hundreds of milliseconds, so each instance keeps the figures in memory and recomputes them
//! only when the support revision (raised in the transaction of every change, see
//! `store::bump_revision`) or the day (the overdue cut-off moves with it) changed. Reading
//! the revision is one primary-key lookup, which keeps several instances exact.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::service::{self, ListFilter, OpenCount, Request, SupportError};
use crate::core::db::Db;

/// How many requests each list of the team page shows; the full lists are paged.
pub const SHOWN: u64 = 25;

pub const OPEN: &[&str] = &["new", "assigned", "scheduled", "delivered"];

/// States that count towards an advisor's workload ("assigned to me").
pub const IN_HAND: &[&str] = &["assigned", "scheduled", "delivered"];

pub struct TeamFigures {
    pub counts: Vec<OpenCount>,
    pub overdue: Vec<Request>,
    pub overdue_total: i64,
    pub unassigned: Vec<Request>,
    pub unassigned_total: i64,
    pub recent: Vec<Request>,
    pub recent_total: i64,
    /// Requests in hand per advisor.
    pub workload: HashMap<i64, i64>,
    /// The overdue, unassigned and latest lists as table rows, per page language: every
    /// staff member sees the same rows, so they are built once per revision.
    rows: std::sync::Mutex<HashMap<&'static str, Arc<[minijinja::Value; 3]>>>,
}

impl TeamFigures {
    /// The shared lists' rows (overdue, unassigned, latest) in one language.
    pub fn rows_in(
        &self,
        lang: &'static str,
        build: impl FnOnce(&TeamFigures) -> [minijinja::Value; 3],
    ) -> Arc<[minijinja::Value; 3]> {
        if let Ok(rows) = self.rows.lock()
            && let Some(built) = rows.get(lang)
        {
            return built.clone();
        }
        let built = Arc::new(build(self));
        if let Ok(mut rows) = self.rows.lock() {
            rows.insert(lang, built.clone());
        }
        built
    }

    pub fn in_hand(&self, user: i64) -> i64 {
        self.workload.get(&user).copied().unwrap_or(0)
    }
}

/// The figures one instance computed last, with what they were computed from.
#[derive(Default)]
pub struct TeamCache {
    slot: tokio::sync::Mutex<Option<(Key, Arc<TeamFigures>)>>,
}

#[derive(PartialEq, Eq, Clone, Copy)]
struct Key {
    revision: i64,
    today: NaiveDate,
    target_days: u32,
}

impl TeamCache {
    pub async fn figures(
        &self,
        db: &Db,
        target_days: u32,
    ) -> Result<Arc<TeamFigures>, SupportError> {
        // Read before computing: a change committed meanwhile raises the revision again, so
        // the next view recomputes rather than keeping figures older than their key.
        let key = Key {
            revision: service::revision(db).await?,
            today: crate::core::clock::today(),
            target_days,
        };
        // Held while computing, so a burst of views after a change computes once.
        let mut slot = self.slot.lock().await;
        if let Some((cached, figures)) = slot.as_ref()
            && *cached == key
        {
            return Ok(figures.clone());
        }
        let figures = Arc::new(compute(db, target_days, key.today).await?);
        *slot = Some((key, figures.clone()));
        Ok(figures)
    }
}

/// Which list of requests, as it appears in the team page and its paged lists.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TeamList {
    Overdue,
    Unassigned,
    Mine,
    Recent,
}

impl TeamList {
    pub const ALL: [TeamList; 4] = [
        TeamList::Overdue,
        TeamList::Unassigned,
        TeamList::Mine,
        TeamList::Recent,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TeamList::Overdue => "overdue",
            TeamList::Unassigned => "unassigned",
            TeamList::Mine => "mine",
            TeamList::Recent => "recent",
        }
    }

    pub fn from_code(code: &str) -> Option<TeamList> {
        TeamList::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn filter(self, user: i64, target_days: u32, today: NaiveDate) -> ListFilter<'static> {
        match self {
            TeamList::Overdue => ListFilter {
                unanswered_since: Some(service::overdue_cutoff(target_days, today)),
                ..Default::default()
            },
            TeamList::Unassigned => ListFilter {
                states: Some(&["new"]),
                unassigned: true,
                ..Default::default()
            },
            TeamList::Mine => ListFilter {
                states: Some(IN_HAND),
                assigned_to: Some(user),
                ..Default::default()
            },
            TeamList::Recent => ListFilter {
                exclude_unconfirmed: true,
                ..Default::default()
            },
        }
    }

    /// The list's length, from the team's figures.
    pub fn total(self, figures: &TeamFigures, user: i64) -> i64 {
        match self {
            TeamList::Overdue => figures.overdue_total,
            TeamList::Unassigned => figures.unassigned_total,
            TeamList::Mine => figures.in_hand(user),
            TeamList::Recent => figures.recent_total,
        }
    }
}

async fn compute(db: &Db, target_days: u32, today: NaiveDate) -> Result<TeamFigures, SupportError> {
    let first_page = |list: TeamList| {
        let filter = list.filter(0, target_days, today);
        async move {
            Ok::<_, SupportError>((
                service::list(db, &filter, SHOWN).await?,
                service::count(db, &filter).await?,
            ))
        }
    };
    let (overdue, overdue_total) = first_page(TeamList::Overdue).await?;
    let (unassigned, unassigned_total) = first_page(TeamList::Unassigned).await?;
    let (recent, recent_total) = first_page(TeamList::Recent).await?;
    Ok(TeamFigures {
        counts: service::open_counts(db).await?,
        overdue,
        overdue_total,
        unassigned,
        unassigned_total,
        recent,
        recent_total,
        workload: service::workload(db).await?,
        rows: Default::default(),
    })
}
