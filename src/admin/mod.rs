//! Administration screens: accounts (list, invite, deactivate), the audit trail (browse,
//! filter, CSV export) and the email outbox.

mod routes;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::core::auth::Permission;
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
        Access::Permission(Permission::InviteMunicipalContacts),
    ),
    route(
        "POST",
        "/{lang}/admin/accounts",
        Access::Permission(Permission::InviteMunicipalContacts),
    ),
    route(
        "POST",
        "/{lang}/admin/accounts/{id}/deactivate",
        Access::Permission(Permission::ManageAccounts),
    ),
    route(
        "POST",
        "/{lang}/admin/accounts/{id}/role",
        Access::Permission(Permission::ManageAccounts),
    ),
    route(
        "POST",
        "/{lang}/admin/accounts/{id}/portfolio",
        Access::Permission(Permission::ManageAccounts),
    ),
    route(
        "GET",
        "/{lang}/admin/access-requests",
        Access::Permission(Permission::ReviewAccessRequests),
    ),
    route(
        "POST",
        "/{lang}/admin/access-requests/{id}",
        Access::Permission(Permission::ReviewAccessRequests),
    ),
    route(
        "GET",
        "/{lang}/admin/audit",
        Access::Permission(Permission::ReadAuditLog),
    ),
    route(
        "GET",
        "/{lang}/admin/audit.csv",
        Access::Permission(Permission::ReadAuditLog),
    ),
    route(
        "GET",
        "/{lang}/admin/jobs",
        Access::Permission(Permission::ReadOutbox),
    ),
    route(
        "POST",
        "/{lang}/admin/jobs/{id}/retry",
        Access::Permission(Permission::ReadOutbox),
    ),
    route(
        "GET",
        "/{lang}/admin/outbox",
        Access::Permission(Permission::ReadOutbox),
    ),
    route(
        "GET",
        "/{lang}/admin/outbox/{id}",
        Access::Permission(Permission::ReadOutbox),
    ),
];

/// What the administration screens bring.
pub fn capability() -> Capability<AppState> {
    Capability {
        routes: ROUTES,
        ..Capability::new("admin", router)
    }
}
