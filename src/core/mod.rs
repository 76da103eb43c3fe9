//! Thin shared core: configuration, database, errors, languages, text, metrics and the web
//! layer. Capabilities build on it; it knows nothing about them.

pub mod audit;
pub mod auth;
pub mod capability;
pub mod clock;
pub mod config;
pub mod context;
pub mod date;
pub mod db;
pub mod demo;
pub mod email;
pub mod error;
pub mod export;
pub mod i18n;
pub mod jobs;
pub mod metrics;
pub mod ops;
pub mod revision;
pub mod state;
pub mod text;
pub mod web;

use crate::core::clock::Clock;
use crate::core::config::Config;
use crate::core::db::Db;
use crate::core::jobs::{JobResult, JobSpec};

/// Core's own background jobs: delivering the outbox (when an SMTP server is configured) and
/// removing delivered emails, audit entries past their retention and finished jobs.
pub fn jobs<S: Clone + Send + Sync + 'static>(
    config: &Config,
    db: &Db,
    clock: &Clock,
) -> anyhow::Result<Vec<JobSpec<S>>> {
    let mut jobs = vec![];
    if let Some(smtp) = &config.smtp {
        let mailer = email::Mailer::new(smtp, &config.mail_from, config.mail_reply_to.as_deref())?;
        jobs.push(email::delivery_job(
            db.clone(),
            mailer,
            clock.clone(),
            chrono::Duration::seconds(5),
        ));
    }
    let db = db.clone();
    jobs.push(JobSpec::every(
        "core.housekeeping",
        config.housekeeping_interval(),
        move |_state: S, run| {
            let db = db.clone();
            async move { housekeeping(&db, run.now).await }
        },
    ));
    Ok(jobs)
}

async fn housekeeping(db: &Db, now: chrono::DateTime<chrono::Utc>) -> JobResult {
    let emails = email::purge_old(db, now).await.map_err(|e| e.to_string())?;
    let audit_entries = audit::prune(db, now).await.map_err(|e| e.to_string())?;
    let finished = jobs::purge_done(db, now).await.map_err(|e| e.to_string())?;
    Ok(
        (emails + audit_entries + finished > 0).then(|| {
            format!("{emails} old emails, {audit_entries} audit entries and {finished} finished jobs removed")
        }),
    )
}
