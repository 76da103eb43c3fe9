//! The route policy table and the middleware that enforces it. Deny by default: a route
//! that is not listed here answers 403, whoever asks.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::Method;

use super::session::SessionUser;
use super::{Permission, Role};
use crate::core::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A session whose password was checked, even if the second factor is still due
    /// (second-factor pages, sign-out).
    PartialSession,
    /// A fully authenticated user of any role.
    SignedIn,
    /// A fully authenticated user whose role holds the permission.
    Permission(Permission),
}

#[derive(Debug, Clone, Copy)]
pub struct RoutePolicy {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

pub const fn route(method: &'static str, path: &'static str, access: Access) -> RoutePolicy {
    RoutePolicy {
        method,
        path,
        access,
    }
}

use Access::{PartialSession, Public, SignedIn};

/// The table keyed by route for lookups without allocation, plus any routes a test adds.
#[derive(Clone)]
pub struct PolicyTable(Arc<HashMap<&'static str, Vec<(&'static str, Access)>>>);

impl PolicyTable {
    pub fn new(rows: &[RoutePolicy]) -> PolicyTable {
        let mut table: HashMap<&'static str, Vec<(&'static str, Access)>> = HashMap::new();
        for policy in rows {
            table
                .entry(policy.path)
                .or_default()
                .push((policy.method, policy.access));
        }
        PolicyTable(Arc::new(table))
    }

    /// True when some method of this route is listed (others then answer 405, not 403).
    pub fn knows_path(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }

    pub fn access(&self, method: &Method, path: &str) -> Option<Access> {
        let method = if method == Method::HEAD {
            "GET"
        } else {
            method.as_str()
        };
        self.0
            .get(path)?
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, access)| *access)
    }
}

/// Whether `role` (None: anonymous) may use a route with this access.
pub fn allows(access: Access, role: Option<Role>) -> bool {
    match access {
        Public => true,
        PartialSession | SignedIn => role.is_some(),
        Access::Permission(permission) => role.is_some_and(|r| permission.granted_to(r)),
    }
}

tokio::task_local! {
    /// The signed-in user of the request being handled, for the page layout.
    pub static CURRENT_USER: Option<SessionUser>;
}

/// The current user for templates (None outside a request or when signed out).
pub fn current_user() -> Option<SessionUser> {
    CURRENT_USER.try_with(|user| user.clone()).ok().flatten()
}

/// Extractor for handlers behind a non-public policy.
pub struct CurrentUser(pub SessionUser);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SessionUser>()
            .cloned()
            .map(CurrentUser)
            .ok_or(AppError::Unauthorized)
    }
}

/// Renders the permission matrix as Markdown (docs/permissions.md is checked against it).
pub fn permission_matrix_markdown(rows: &[RoutePolicy]) -> String {
    let mut out = String::from(
        "# Permission matrix\n\nGenerated from the `ROUTES` of `src/core/ops.rs` and of each capability's `mod.rs` (a test keeps this file in step).\n\
         ✓ allowed, — refused (sign-in page for anonymous visitors, 403 for signed-in users).\n\
         Object rules (a municipal member only sees their own municipalities) are enforced in each capability's service.\n\n\
         | method | route | anonymous | municipal | advisor | back-office | admin |\n|---|---|---|---|---|---|---|\n",
    );
    for policy in rows {
        let mut cells = vec![];
        for role in std::iter::once(None).chain(Role::ALL.iter().map(|r| Some(*r))) {
            cells.push(if allows(policy.access, role) {
                "✓"
            } else {
                "—"
            });
        }
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            policy.method,
            policy.path,
            cells.join(" | ")
        ));
    }
    out
}

/// The client's address (the TCP peer; a proxy in front must be trusted separately).
pub struct ClientIp(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string())
                .unwrap_or_else(|| "-".into()),
        ))
    }
}
