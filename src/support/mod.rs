//! Support requests and their handling: a form per offer (help to set up an LIVC-R,
//! awareness day, project support, question), confirmation of visitors' addresses,
//! acknowledgement with a reference number, follow-up by the requester (their account or a
//! private link), and the Radix team's handling — assignment with a suggested advisor,
//! allowed state transitions only, a conversation with shared messages and internal notes,
//! and a team view of unassigned and overdue requests.
//!
//! Invariants: a request changes state only along `domain::transition`; every change is
//! audited and emailed; forms hold organisational facts only.

pub mod demo;
mod domain;
mod file;
mod ics;
mod meeting_routes;
pub mod meetings;
mod routes;
pub mod service;
mod store;
mod team;
pub mod visits;

use axum::Router;
use axum::routing::get;

use crate::core::auth::{Permission, STAFF};
use crate::core::state::AppState;

/// See and handle support requests.
pub const HANDLE_REQUESTS: Permission = Permission::new("handle-requests", STAFF);
use crate::core::auth::policy::Access;
use crate::core::auth::policy::Access::{Public, SignedIn};
use crate::core::auth::policy::{RoutePolicy, route};
use crate::core::capability::Capability;
use crate::core::capability::Part;

/// The name of support's revision (see `core::revision`).
pub(crate) const REVISION: &str = "support";

/// The support team's counts and lists and the municipality files, each kept per support
/// revision.
#[derive(Default)]
pub struct SupportPart {
    pub team: team::TeamCache,
    pub files: file::FileCache,
}

fn new_part(_config: &crate::core::config::Config) -> Part {
    std::sync::Arc::new(SupportPart::default())
}
use crate::core::jobs::{JobResult, JobRun, JobSpec};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{lang}/request/sent", get(routes::sent))
        .route(
            "/{lang}/request/{kind}",
            get(routes::request_form).post(routes::request_submit),
        )
        .route(
            "/{lang}/request/confirm/{token}",
            get(routes::confirm_form).post(routes::confirm_submit),
        )
        .route(
            "/{lang}/request/follow/{token}",
            get(routes::follow).post(routes::follow_submit),
        )
        .route("/{lang}/my-requests", get(routes::my_requests))
        .route(
            "/{lang}/my-requests/{id}",
            get(routes::my_request).post(routes::my_request_submit),
        )
        .route("/{lang}/support", get(routes::team))
        .route(
            "/{lang}/support/calendar",
            get(meeting_routes::calendar_page).post(meeting_routes::calendar_submit),
        )
        .route(
            "/{lang}/support/{id}/meeting",
            get(meeting_routes::plan_form).post(meeting_routes::plan_submit),
        )
        .route(
            "/{lang}/support/meetings/{id}",
            get(meeting_routes::meeting_view).post(meeting_routes::meeting_submit),
        )
        .route("/{lang}/support/requests/{list}", get(routes::team_list))
        .route(
            "/{lang}/support/meetings/{id}/change",
            get(meeting_routes::change_form).post(meeting_routes::change_submit),
        )
        .route(
            "/{lang}/support/meetings/{id}/cancel",
            get(meeting_routes::cancel_form).post(meeting_routes::cancel_submit),
        )
        .route(
            "/{lang}/support/municipalities/{nis}",
            get(meeting_routes::municipality_file),
        )
        .route("/calendar/{token}", get(meeting_routes::feed_mine))
        .route("/calendar/team/{token}", get(meeting_routes::feed_team))
        .route(
            "/{lang}/support/{id}",
            get(routes::detail).post(routes::detail_submit),
        )
}

/// The access each route needs (deny by default: a route missing here answers 403).
pub const ROUTES: &[RoutePolicy] = &[
    route("GET", "/calendar/{token}", Public),
    route("GET", "/calendar/team/{token}", Public),
    route("GET", "/{lang}/request/sent", Public),
    route("GET", "/{lang}/request/{kind}", Public),
    route("POST", "/{lang}/request/{kind}", Public),
    route("GET", "/{lang}/request/confirm/{token}", Public),
    route("POST", "/{lang}/request/confirm/{token}", Public),
    route("GET", "/{lang}/request/follow/{token}", Public),
    route("POST", "/{lang}/request/follow/{token}", Public),
    route("GET", "/{lang}/my-requests", SignedIn),
    route("GET", "/{lang}/my-requests/{id}", SignedIn),
    route("POST", "/{lang}/my-requests/{id}", SignedIn),
    route(
        "GET",
        "/{lang}/support",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/support/{id}",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/support/calendar",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "POST",
        "/{lang}/support/calendar",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/support/{id}/meeting",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "POST",
        "/{lang}/support/{id}/meeting",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/support/meetings/{id}",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "POST",
        "/{lang}/support/meetings/{id}",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/support/meetings/{id}/change",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "POST",
        "/{lang}/support/meetings/{id}/change",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/support/meetings/{id}/cancel",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "POST",
        "/{lang}/support/meetings/{id}/cancel",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/support/municipalities/{nis}",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/support/requests/{list}",
        Access::Permission(HANDLE_REQUESTS),
    ),
    route(
        "POST",
        "/{lang}/support/{id}",
        Access::Permission(HANDLE_REQUESTS),
    ),
];

/// What support brings: requests, their handling, meetings, and the jobs that send
/// follow-up reminders and the advisors' weekly digest.
pub fn capability() -> Capability<AppState> {
    Capability {
        routes: ROUTES,
        jobs,
        state: Some(new_part),
        demo: Some(|ctx| Box::pin(demo::load(ctx))),
        ..Capability::new("support", router)
    }
}

fn jobs(_state: &AppState) -> Vec<JobSpec<AppState>> {
    // Each reminder and digest is recorded as sent in the transaction that queues it, so a
    // run repeated after a lost claim sends nothing twice.
    let every = chrono::Duration::minutes(15);
    vec![
        JobSpec::every("support.reminders", every, reminders),
        JobSpec::every("support.weekly-digests", every, weekly_digests),
    ]
}

async fn reminders(state: AppState, run: JobRun) -> JobResult {
    match meetings::send_due_reminders(&state.context_at(run.now)).await {
        Ok(0) => Ok(None),
        Ok(count) => Ok(Some(format!("{count} follow-up reminders queued"))),
        Err(error) => Err(error.to_string()),
    }
}

async fn weekly_digests(state: AppState, run: JobRun) -> JobResult {
    match meetings::send_weekly_digests(&state.context_at(run.now), false).await {
        Ok(0) => Ok(None),
        Ok(count) => Ok(Some(format!("{count} weekly digests queued"))),
        Err(error) => Err(error.to_string()),
    }
}
