//! Background jobs on a table that every instance shares.
//!
//! A capability declares its jobs as `JobSpec`s: a kind, a schedule (every so often, or on
//! demand) and an idempotent handler. Each `radix serve` runs a `Runner` that claims due
//! rows of the `job` table one at a time and runs them. The claim is one statement that sets
//! a lease (`claimed_until`); on PostgreSQL it skips rows another instance holds
//! (`FOR UPDATE SKIP LOCKED`), on SQLite the single writer makes it atomic. So with several
//! instances on one database each run happens once; a run whose instance died is taken
//! again when its lease ends, which is why handlers must be safe to run twice.
//!
//! A recurring job keeps one row (key `recurring`) whose `run_at` moves forward after every
//! run; a failed run is tried again after a back-off no longer than its period. A one-off
//! job (`enqueue`, inside the transaction that asks for it) is tried up to `max_attempts`
//! times with exponential back-off and then stays `failed` for an administrator to see and
//! retry. The time always comes from the clock, never from the system.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::future::BoxFuture;
use sea_query::{
    Expr, ExprTrait, Iden, LockBehavior, LockType, OnConflict, Order, Query, SelectStatement,
};

use crate::core::clock::Clock;
use crate::core::db::{Db, DbError, Tx};

#[derive(Iden)]
enum Job {
    Table,
    Id,
    Kind,
    #[iden = "job_key"]
    Key,
    Payload,
    Status,
    RunAt,
    Attempts,
    ClaimedUntil,
    ClaimedBy,
    LastStartedAt,
    LastFinishedAt,
    LastOutcome,
    LastError,
    Runs,
    CreatedAt,
}

/// The key of the one row a recurring job keeps.
pub const RECURRING: &str = "recurring";

/// What a run reports: a short summary when it did something (logged, shown to
/// administrators), or the error that made it fail.
pub type JobResult = Result<Option<String>, String>;

type Handler<S> = Arc<dyn Fn(S, JobRun) -> BoxFuture<'static, JobResult> + Send + Sync>;

/// One run of a job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct JobRun {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub payload: serde_json::Value,
    /// 1 for the first try.
    pub attempt: i64,
    /// The time of the claim, from the clock.
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Runs again this long after each run ends.
    Every(Duration),
    /// Runs when a transaction enqueues it.
    OnDemand,
}

/// A kind of job and how to run it; `S` is the application state handed to the handler.
pub struct JobSpec<S> {
    pub kind: &'static str,
    pub schedule: Schedule,
    /// One-off jobs: how many tries before the job is marked failed.
    pub max_attempts: i64,
    handler: Handler<S>,
}

impl<S> Clone for JobSpec<S> {
    fn clone(&self) -> Self {
        JobSpec {
            kind: self.kind,
            schedule: self.schedule,
            max_attempts: self.max_attempts,
            handler: self.handler.clone(),
        }
    }
}

impl<S: Send + 'static> JobSpec<S> {
    /// A job that runs every `period`, whichever instance gets there first.
    pub fn every<F, Fut>(kind: &'static str, period: Duration, handler: F) -> JobSpec<S>
    where
        F: Fn(S, JobRun) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        JobSpec {
            kind,
            schedule: Schedule::Every(period),
            max_attempts: i64::MAX,
            handler: Arc::new(move |state, run| Box::pin(handler(state, run))),
        }
    }

    /// A job that runs once each time a transaction enqueues it.
    pub fn on_demand<F, Fut>(kind: &'static str, max_attempts: i64, handler: F) -> JobSpec<S>
    where
        F: Fn(S, JobRun) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        JobSpec {
            kind,
            schedule: Schedule::OnDemand,
            max_attempts,
            handler: Arc::new(move |state, run| Box::pin(handler(state, run))),
        }
    }
}

/// A row of the job table, for the runner and the administrators' view.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub job_key: String,
    pub payload: String,
    pub status: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i64,
    pub claimed_until: Option<DateTime<Utc>>,
    pub claimed_by: Option<String>,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<String>,
    pub last_error: Option<String>,
    pub runs: i64,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: [Job; 15] = [
    Job::Id,
    Job::Kind,
    Job::Key,
    Job::Payload,
    Job::Status,
    Job::RunAt,
    Job::Attempts,
    Job::ClaimedUntil,
    Job::ClaimedBy,
    Job::LastStartedAt,
    Job::LastFinishedAt,
    Job::LastOutcome,
    Job::LastError,
    Job::Runs,
    Job::CreatedAt,
];

/// Asks for a one-off job inside the caller's transaction, so that it exists exactly when
/// the change that needs it is committed. A job with the same kind and key is not asked for
/// twice; returns whether this call added it.
pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let statement = Query::insert()
        .into_table(Job::Table)
        .columns([
            Job::Kind,
            Job::Key,
            Job::Payload,
            Job::Status,
            Job::RunAt,
            Job::CreatedAt,
        ])
        .values_panic([
            kind.into(),
            key.into(),
            payload.to_string().into(),
            "pending".into(),
            run_at.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([Job::Kind, Job::Key])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(tx.execute(&statement).await? > 0)
}

/// Every recurring job and every one-off job not yet done, for the administrators' view.
pub async fn overview(db: &Db) -> Result<Vec<JobRow>, DbError> {
    let query = Query::select()
        .columns(COLUMNS)
        .from(Job::Table)
        .cond_where(
            Expr::col(Job::Key)
                .eq(RECURRING)
                .or(Expr::col(Job::Status).ne("done")),
        )
        .order_by(Job::Status, Order::Asc)
        .order_by(Job::Kind, Order::Asc)
        .order_by(Job::Id, Order::Asc)
        .limit(500)
        .to_owned();
    db.fetch_all(&query).await
}

/// Puts a failed job back in the queue, to run now (administrators, inside the transaction
/// that audits it).
pub async fn retry(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool, DbError> {
    let statement = Query::update()
        .table(Job::Table)
        .values([
            (Job::Status, "pending".into()),
            (Job::Attempts, 0.into()),
            (Job::RunAt, now.into()),
            (Job::ClaimedUntil, Option::<DateTime<Utc>>::None.into()),
        ])
        .and_where(Expr::col(Job::Id).eq(id))
        .and_where(Expr::col(Job::Status).eq("failed"))
        .to_owned();
    Ok(tx.execute(&statement).await? > 0)
}

/// Forgets one-off jobs done more than 30 days ago.
pub async fn purge_done(db: &Db, now: DateTime<Utc>) -> Result<u64, DbError> {
    let statement = Query::delete()
        .from_table(Job::Table)
        .and_where(Expr::col(Job::Status).eq("done"))
        .and_where(Expr::col(Job::LastFinishedAt).lt(now - Duration::days(30)))
        .to_owned();
    db.execute(&statement).await
}

/// Exponential back-off: 1, 2, 4 … minutes, at most six hours.
fn back_off(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Duration::minutes(std::cmp::min(2i64.saturating_pow(exponent), 360))
}

/// Claims the next due job of one of `kinds` for `lease`, or nothing.
async fn claim_next(
    db: &Db,
    kinds: &[&'static str],
    instance: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<JobRow>, DbError> {
    let due: SelectStatement = Query::select()
        .column(Job::Id)
        .from(Job::Table)
        .and_where(Expr::col(Job::Status).eq("pending"))
        .and_where(Expr::col(Job::RunAt).lte(now))
        .cond_where(
            Expr::col(Job::ClaimedUntil)
                .is_null()
                .or(Expr::col(Job::ClaimedUntil).lt(now)),
        )
        .and_where(Expr::col(Job::Kind).is_in(kinds.iter().copied()))
        .order_by(Job::RunAt, Order::Asc)
        .limit(1)
        // PostgreSQL: skip rows another instance is claiming; SQLite has one writer.
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let claim = Query::update()
        .table(Job::Table)
        .values([
            (Job::ClaimedUntil, (now + lease).into()),
            (Job::ClaimedBy, instance.into()),
            (Job::LastStartedAt, now.into()),
            (Job::Attempts, Expr::col(Job::Attempts).add(1)),
        ])
        .and_where(Expr::col(Job::Id).in_subquery(due))
        .returning(Query::returning().columns(COLUMNS))
        .to_owned();
    db.fetch_optional(&claim).await
}

/// Records how a claimed run ended and when the job runs next.
async fn finish(
    db: &Db,
    row: &JobRow,
    spec_schedule: Schedule,
    max_attempts: i64,
    result: &JobResult,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let (status, run_at, attempts) = match (spec_schedule, result) {
        (Schedule::Every(period), Ok(_)) => ("pending", now + period, 0),
        (Schedule::Every(period), Err(_)) => (
            "pending",
            now + std::cmp::min(back_off(row.attempts), period),
            row.attempts,
        ),
        (Schedule::OnDemand, Ok(_)) => ("done", row.run_at, row.attempts),
        (Schedule::OnDemand, Err(_)) if row.attempts >= max_attempts => {
            ("failed", row.run_at, row.attempts)
        }
        (Schedule::OnDemand, Err(_)) => ("pending", now + back_off(row.attempts), row.attempts),
    };
    let mut values = vec![
        (Job::Status, status.into()),
        (Job::RunAt, run_at.into()),
        (Job::Attempts, attempts.into()),
        (Job::ClaimedUntil, Option::<DateTime<Utc>>::None.into()),
        (Job::LastFinishedAt, now.into()),
        (Job::Runs, Expr::col(Job::Runs).add(1)),
    ];
    match result {
        Ok(outcome) => {
            values.push((Job::LastError, Option::<String>::None.into()));
            if let Some(outcome) = outcome {
                values.push((Job::LastOutcome, outcome.clone().into()));
            }
        }
        Err(error) => values.push((Job::LastError, truncate(error, 2000).into())),
    }
    let statement = Query::update()
        .table(Job::Table)
        .values(values)
        .and_where(Expr::col(Job::Id).eq(row.id))
        // Only the holder of the claim records the end of the run.
        .and_where(Expr::col(Job::ClaimedBy).eq(row.claimed_by.clone()))
        .to_owned();
    db.execute(&statement).await.map(|_| ())
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}

/// Runs the jobs of one instance.
pub struct Runner<S> {
    specs: Vec<JobSpec<S>>,
    db: Db,
    clock: Clock,
    instance: String,
    /// How long a claim holds before another instance may take the job again.
    lease: Duration,
}

impl<S: Clone + Send + Sync + 'static> Runner<S> {
    pub fn new(db: Db, clock: Clock, specs: Vec<JobSpec<S>>) -> Runner<S> {
        let instance = format!(
            "{}-{}",
            std::process::id(),
            crate::core::auth::password::random_token()
        );
        Runner {
            specs,
            db,
            clock,
            instance,
            lease: Duration::minutes(10),
        }
    }

    /// The kinds this runner knows.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.specs.iter().map(|spec| spec.kind).collect()
    }

    /// Makes sure every recurring job has its row and makes it due now: an instance that
    /// starts runs each recurring job once (as the loops it replaces did), so a reminder due
    /// today is not held back by the schedule of an instance that stopped.
    pub async fn prepare(&self) -> Result<(), DbError> {
        let now = self.clock.now();
        for spec in &self.specs {
            if spec.schedule == Schedule::OnDemand {
                continue;
            }
            let mut tx = self.db.begin().await?;
            enqueue(
                &mut tx,
                spec.kind,
                RECURRING,
                &serde_json::json!({}),
                now,
                now,
            )
            .await?;
            let due_now = Query::update()
                .table(Job::Table)
                .value(Job::RunAt, now)
                .and_where(Expr::col(Job::Kind).eq(spec.kind))
                .and_where(Expr::col(Job::Key).eq(RECURRING))
                .and_where(Expr::col(Job::RunAt).gt(now))
                .to_owned();
            tx.execute(&due_now).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Runs every job that is due now, one after the other; returns how many ran.
    pub async fn run_due(&self, state: &S) -> Result<usize, DbError> {
        let kinds = self.kinds();
        if kinds.is_empty() {
            return Ok(0);
        }
        let mut ran = 0;
        // Bounded, so that a flood of jobs cannot keep one call busy for ever.
        while ran < 100 {
            let now = self.clock.now();
            let Some(row) = claim_next(&self.db, &kinds, &self.instance, now, self.lease).await?
            else {
                break;
            };
            let Some(spec) = self.specs.iter().find(|spec| spec.kind == row.kind) else {
                break;
            };
            let run = JobRun {
                id: row.id,
                kind: row.kind.clone(),
                key: row.job_key.clone(),
                payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
                attempt: row.attempts,
                now,
            };
            // A panicking handler fails its run instead of ending the runner.
            let result = match tokio::spawn((spec.handler)(state.clone(), run)).await {
                Ok(result) => result,
                Err(error) => Err(format!("the job stopped: {error}")),
            };
            match &result {
                Ok(Some(outcome)) => tracing::info!(kind = %row.kind, %outcome, "job done"),
                Ok(None) => tracing::debug!(kind = %row.kind, "job done"),
                Err(error) => {
                    tracing::warn!(kind = %row.kind, attempt = row.attempts, %error, "job failed")
                }
            }
            finish(
                &self.db,
                &row,
                spec.schedule,
                spec.max_attempts,
                &result,
                self.clock.now(),
            )
            .await?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Polls for due jobs every `poll` until the process stops.
    pub fn spawn(self, state: S, poll: std::time::Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if let Err(error) = self.prepare().await {
                tracing::warn!(%error, "background jobs could not be prepared");
            }
            let mut interval = tokio::time::interval(poll);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(error) = self.run_due(&state).await {
                    tracing::warn!(%error, "background jobs could not be read");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_six_hours() {
        assert_eq!(back_off(1), Duration::minutes(1));
        assert_eq!(back_off(2), Duration::minutes(2));
        assert_eq!(back_off(4), Duration::minutes(8));
        assert_eq!(back_off(40), Duration::minutes(360));
    }
}
