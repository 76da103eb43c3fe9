//! Support requests and their handling: a form per offer (help to set up an LIVC-R,
//! awareness day, project support, question), confirmation of visitors' addresses,
//! acknowledgement with a reference number, follow-up by the requester (their account or a
//! private link), and the Radix team's handling — assignment with a suggested advisor,
//! allowed state transitions only, a conversation with shared messages and internal notes,
//! and a team view of unassigned and overdue requests.
//!
//! Invariants: a request changes state only along `domain::transition`; every change is
//! audited and emailed; forms hold organisational facts only.

pub mod domain;
pub mod file;
pub mod ics;
mod meeting_routes;
pub mod meetings;
mod routes;
pub mod service;
mod store;
pub mod team;
pub mod visits;

use axum::Router;
use axum::routing::get;

use crate::AppState;

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
