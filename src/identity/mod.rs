//! Accounts and access: invitations, sign-in with password and second factor (TOTP with
//! recovery codes), password reset, sessions, the user's own account page (profile,
//! password, sessions, personal-data export, deletion request), deactivation and the
//! anonymisation of deactivated accounts after the retention period.
//!
//! Public API: `service` (used by the admin screens, the command line and the demo data),
//! `router()`. Invariants: an email address belongs to one account; tokens are single-use
//! and stored hashed; a password change or reset ends the other sessions.

pub mod demo;
pub(crate) mod domain;
mod routes;
pub mod service;
pub mod session_store;
mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::core::auth::policy::Access::{PartialSession, Public, SignedIn};
use crate::core::auth::policy::{RoutePolicy, route};
use crate::core::capability::Capability;
use crate::core::jobs::{JobResult, JobRun, JobSpec};
use crate::core::state::AppState;

use crate::core::auth::{ADMINISTRATORS, BACK_OFFICE, Permission, STAFF};

/// Invite municipal contacts and see the list of accounts.
pub const INVITE_MUNICIPAL_CONTACTS: Permission =
    Permission::new("invite-municipal-contacts", STAFF);
/// Approve or decline requests for access.
pub const REVIEW_ACCESS_REQUESTS: Permission =
    Permission::new("review-access-requests", BACK_OFFICE);
/// Create staff accounts, change roles, deactivate accounts.
pub const MANAGE_ACCOUNTS: Permission = Permission::new("manage-accounts", ADMINISTRATORS);

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/{lang}/sign-in",
            get(routes::sign_in_form).post(routes::sign_in_submit),
        )
        .route(
            "/{lang}/sign-in/second-factor",
            get(routes::second_factor_form).post(routes::second_factor_submit),
        )
        .route(
            "/{lang}/account/second-factor",
            get(routes::enrol_form).post(routes::enrol_submit),
        )
        .route("/{lang}/sign-out", post(routes::sign_out))
        .route("/{lang}/account", get(routes::account))
        .route("/{lang}/account/profile", post(routes::update_profile))
        .route("/{lang}/account/password", post(routes::change_password))
        .route(
            "/{lang}/account/sessions/end-others",
            post(routes::end_other_sessions),
        )
        .route("/{lang}/account/export", get(routes::export))
        .route(
            "/{lang}/account/deletion-request",
            post(routes::request_deletion),
        )
        .route(
            "/{lang}/password-reset",
            get(routes::reset_request_form).post(routes::reset_request_submit),
        )
        .route(
            "/{lang}/password-reset/{token}",
            get(routes::reset_form).post(routes::reset_submit),
        )
        .route(
            "/{lang}/request-access",
            get(routes::request_access_form).post(routes::request_access_submit),
        )
        .route(
            "/{lang}/invitation/{token}",
            get(routes::invitation_form).post(routes::invitation_submit),
        )
}

/// The access each route needs (deny by default: a route missing here answers 403).
pub const ROUTES: &[RoutePolicy] = &[
    route("GET", "/{lang}/sign-in", Public),
    route("POST", "/{lang}/sign-in", Public),
    route("GET", "/{lang}/password-reset", Public),
    route("POST", "/{lang}/password-reset", Public),
    route("GET", "/{lang}/password-reset/{token}", Public),
    route("POST", "/{lang}/password-reset/{token}", Public),
    route("GET", "/{lang}/invitation/{token}", Public),
    route("POST", "/{lang}/invitation/{token}", Public),
    route("GET", "/{lang}/request-access", Public),
    route("POST", "/{lang}/request-access", Public),
    route("GET", "/{lang}/sign-in/second-factor", PartialSession),
    route("POST", "/{lang}/sign-in/second-factor", PartialSession),
    route("GET", "/{lang}/account/second-factor", PartialSession),
    route("POST", "/{lang}/account/second-factor", PartialSession),
    route("POST", "/{lang}/sign-out", PartialSession),
    route("GET", "/{lang}/account", SignedIn),
    route("POST", "/{lang}/account/profile", SignedIn),
    route("POST", "/{lang}/account/password", SignedIn),
    route("POST", "/{lang}/account/sessions/end-others", SignedIn),
    route("GET", "/{lang}/account/export", SignedIn),
    route("POST", "/{lang}/account/deletion-request", SignedIn),
];

/// What identity brings: accounts and access, and the jobs that forget expired sessions and
/// anonymise deactivated accounts after the retention period.
pub fn capability() -> Capability<AppState> {
    Capability {
        routes: ROUTES,
        jobs,
        demo: Some(|ctx| Box::pin(demo::load(ctx))),
        ..Capability::new("identity", router)
    }
}

/// The session lookup that the `authorize` middleware runs for every request with a cookie.
pub fn session_lookup<'a>(
    db: &'a crate::core::db::Db,
    cookie_value: &'a str,
    now: chrono::DateTime<chrono::Utc>,
) -> futures_util::future::BoxFuture<
    'a,
    Result<Option<crate::core::auth::session::SessionUser>, crate::core::db::DbError>,
> {
    Box::pin(session_store::lookup(db, cookie_value, now))
}

fn jobs(state: &AppState) -> Vec<JobSpec<AppState>> {
    let every = state.config.housekeeping_interval();
    vec![
        JobSpec::every("identity.housekeeping", every, housekeeping),
        JobSpec::every("identity.retention", every, retention),
    ]
}

async fn housekeeping(state: AppState, run: JobRun) -> JobResult {
    match service::housekeeping(&state.context_at(run.now)).await {
        Ok(0) => Ok(None),
        Ok(removed) => Ok(Some(format!(
            "{removed} expired sessions and attempt counters removed"
        ))),
        Err(error) => Err(error.to_string()),
    }
}

async fn retention(state: AppState, run: JobRun) -> JobResult {
    let ctx = state.context_at(run.now);
    match service::anonymise_expired(
        &ctx,
        state.config.retention_days_deactivated,
        &state.personal_data,
    )
    .await
    {
        Ok(0) => Ok(None),
        Ok(count) => Ok(Some(format!("{count} deactivated accounts anonymised"))),
        Err(error) => Err(error.to_string()),
    }
}
