//! Accounts and access: invitations, sign-in with password and second factor (TOTP with
//! recovery codes), password reset, sessions, the user's own account page (profile,
//! password, sessions, personal-data export, deletion request), deactivation and the
//! anonymisation of deactivated accounts after the retention period.
//!
//! Public API: `service` (used by the admin screens, the command line and the demo data),
//! `router()`. Invariants: an email address belongs to one account; tokens are single-use
//! and stored hashed; a password change or reset ends the other sessions.

pub mod domain;
mod routes;
pub mod service;
mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub(crate) use routes::{context, resolve_municipalities};

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
