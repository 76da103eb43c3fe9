//! Administration screens: accounts (list, invite, deactivate), the audit trail (browse,
//! filter, CSV export) and the email outbox.

mod routes;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

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
        .route("/{lang}/admin/outbox", get(routes::outbox))
        .route("/{lang}/admin/outbox/{id}", get(routes::outbox_message))
}
