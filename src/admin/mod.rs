//! Administration screens: accounts (list, invite, deactivate), the audit trail (browse,
//! filter, CSV export) and the email outbox.

mod routes;

use axum::Router;
use axum::routing::{get, post};

use crate::core::auth::{ADMINISTRATORS, Permission};
use crate::core::state::AppState;
use crate::identity::{INVITE_MUNICIPAL_CONTACTS, MANAGE_ACCOUNTS, REVIEW_ACCESS_REQUESTS};

/// Read the audit trail and export it.
pub const READ_AUDIT_LOG: Permission = Permission::new("read-audit-log", ADMINISTRATORS);
/// Read the email outbox and the background jobs.
pub const READ_OUTBOX: Permission = Permission::new("read-outbox", ADMINISTRATORS);
use crate::core::auth::policy::Access;
use crate::core::auth::policy::{RoutePolicy, route};
use crate::core::capability::Capability;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/{lang}/admin/accounts",
            get(routes::accounts).post(routes::invite),
        )
        .route(
            "/{lang}/admin/accounts/{id}/deactivate",
            post(routes::deactivate),
        )
        .route(
            "/{lang}/admin/accounts/{id}/role",
            post(routes::change_role),
        )
        .route(
            "/{lang}/admin/accounts/{id}/portfolio",
            post(routes::set_portfolio),
        )
        .route(
            "/{lang}/admin/access-requests",
            get(routes::access_requests),
        )
        .route(
            "/{lang}/admin/access-requests/{id}",
            post(routes::decide_access_request),
        )
        .route("/{lang}/admin/audit", get(routes::audit))
        .route("/{lang}/admin/audit.csv", get(routes::audit_csv))
        .route("/{lang}/admin/jobs", get(routes::jobs))
        .route("/{lang}/admin/jobs/{id}/retry", post(routes::retry_job))
        .route("/{lang}/admin/outbox", get(routes::outbox))
        .route("/{lang}/admin/outbox/{id}", get(routes::outbox_message))
}

/// The access each route needs (deny by default: a route missing here answers 403).
pub const ROUTES: &[RoutePolicy] = &[
    route(
        "GET",
        "/{lang}/admin/accounts",
        Access::Permission(INVITE_MUNICIPAL_CONTACTS),
    ),
    route(
        "POST",
        "/{lang}/admin/accounts",
        Access::Permission(INVITE_MUNICIPAL_CONTACTS),
    ),
    route(
        "POST",
        "/{lang}/admin/accounts/{id}/deactivate",
        Access::Permission(MANAGE_ACCOUNTS),
    ),
    route(
        "POST",
        "/{lang}/admin/accounts/{id}/role",
        Access::Permission(MANAGE_ACCOUNTS),
    ),
    route(
        "POST",
        "/{lang}/admin/accounts/{id}/portfolio",
        Access::Permission(MANAGE_ACCOUNTS),
    ),
    route(
        "GET",
        "/{lang}/admin/access-requests",
        Access::Permission(REVIEW_ACCESS_REQUESTS),
    ),
    route(
        "POST",
        "/{lang}/admin/access-requests/{id}",
        Access::Permission(REVIEW_ACCESS_REQUESTS),
    ),
    route(
        "GET",
        "/{lang}/admin/audit",
        Access::Permission(READ_AUDIT_LOG),
    ),
    route(
        "GET",
        "/{lang}/admin/audit.csv",
        Access::Permission(READ_AUDIT_LOG),
    ),
    route("GET", "/{lang}/admin/jobs", Access::Permission(READ_OUTBOX)),
    route(
        "POST",
        "/{lang}/admin/jobs/{id}/retry",
        Access::Permission(READ_OUTBOX),
    ),
    route(
        "GET",
        "/{lang}/admin/outbox",
        Access::Permission(READ_OUTBOX),
    ),
    route(
        "GET",
        "/{lang}/admin/outbox/{id}",
        Access::Permission(READ_OUTBOX),
    ),
];

/// What the administration screens bring.
pub fn capability() -> Capability<AppState> {
    Capability {
        routes: ROUTES,
        ..Capability::new("admin", router)
    }
}
