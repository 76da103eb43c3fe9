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

use chrono::{DateTime, NaiveDate, Utc};

use super::meetings::{self, FollowUp, Meeting};
use super::service::{self, ListFilter, OpenCount, Request, SupportError};
use crate::core::clock::belgian_date;
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
    /// The overdue, unassigned and latest lists as rendered tables: every staff member sees
    /// the same tables, so they are rendered once per revision and language.
    pub tables: crate::core::web::RenderedParts<3>,
}

impl TeamFigures {
    pub fn in_hand(&self, user: i64) -> i64 {
        self.workload.get(&user).copied().unwrap_or(0)
    }
}

/// One staff member's own lists on the team page.
pub struct Personal {
    /// The first requests assigned to them that are in hand, newest first.
    pub mine: Vec<Request>,
    /// Their meetings from twelve hours ago to two weeks ahead, earliest first: one more
    /// than shown, which tells whether the calendar holds more.
    pub upcoming: Vec<Meeting>,
    /// Their open follow-up actions, earliest due first.
    pub actions: Vec<FollowUp>,
}

/// How far ahead "my meetings" looks.
const UPCOMING_DAYS: i64 = 14;

/// Personal lists by person, with the minute they were read in.
type People = HashMap<i64, (i64, Arc<Personal>)>;

/// More people than staff accounts never need keeping.
const PEOPLE_CAPACITY: usize = 512;

/// The figures one instance computed last, with what they were computed from, and the
/// personal lists of the staff who looked at the team page since the last change.
#[derive(Default)]
pub struct TeamCache {
    slot: std::sync::Mutex<Option<(Key, Arc<TeamFigures>)>>,
    computing: tokio::sync::Mutex<()>,
    /// Personal lists at one revision, per person with the minute they were read in (the
    /// meetings window moves with the clock).
    people: std::sync::Mutex<(i64, People)>,
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
        now: DateTime<Utc>,
    ) -> Result<Arc<TeamFigures>, SupportError> {
        // Read before computing: a change committed meanwhile raises the revision again, so
        // the next view recomputes rather than keeping figures older than their key.
        let revision = service::revision(db).await?;
        self.figures_at(db, revision, target_days, belgian_date(now))
            .await
    }

    /// The team's figures and one person's own lists, both as of the same revision.
    pub async fn dashboard(
        &self,
        db: &Db,
        user: i64,
        target_days: u32,
        now: DateTime<Utc>,
    ) -> Result<(Arc<TeamFigures>, Arc<Personal>), SupportError> {
        let revision = service::revision(db).await?;
        let today = belgian_date(now);
        let figures = self.figures_at(db, revision, target_days, today).await?;
        let minute = now.timestamp().div_euclid(60);
        if let Ok(people) = self.people.lock()
            && people.0 == revision
            && let Some((read_in, personal)) = people.1.get(&user)
            && *read_in == minute
        {
            return Ok((figures, personal.clone()));
        }
        let personal = Arc::new(Personal {
            mine: service::list(db, &TeamList::Mine.filter(user, target_days, today), SHOWN)
                .await?,
            upcoming: meetings::meetings_between(
                db,
                user,
                now - chrono::Duration::hours(12),
                now + chrono::Duration::days(UPCOMING_DAYS),
                SHOWN + 1,
            )
            .await?,
            actions: meetings::open_actions(db, Some(user)).await?,
        });
        if let Ok(mut people) = self.people.lock() {
            // As with the figures: only the newest revision is kept, and lists read at an
            // older one are used once but not stored over newer ones.
            if people.0 <= revision {
                if people.0 != revision || people.1.len() >= PEOPLE_CAPACITY {
                    *people = (revision, HashMap::new());
                }
                people.1.insert(user, (minute, personal.clone()));
            }
        }
        Ok((figures, personal))
    }

    async fn figures_at(
        &self,
        db: &Db,
        revision: i64,
        target_days: u32,
        today: NaiveDate,
    ) -> Result<Arc<TeamFigures>, SupportError> {
        let key = Key {
            revision,
            today,
            target_days,
        };
        if let Some(figures) = self.current(key) {
            return Ok(figures);
        }
        // Held while computing, so a burst of views after a change computes once; the views
        // that waited find the new figures when they get the lock.
        let _computing = self.computing.lock().await;
        if let Some(figures) = self.current(key) {
            return Ok(figures);
        }
        let figures = Arc::new(compute(db, target_days, key.today).await?);
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some((key, figures.clone()));
        }
        Ok(figures)
    }

    /// The kept figures if they were computed for `key`. The lock is only held to clone an
    /// `Arc`, so views never queue behind one another (or behind a thread the system paused).
    fn current(&self, key: Key) -> Option<Arc<TeamFigures>> {
        let slot = self.slot.lock().ok()?;
        slot.as_ref()
            .filter(|(cached, _)| *cached == key)
            .map(|(_, figures)| figures.clone())
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
        tables: Default::default(),
    })
}
