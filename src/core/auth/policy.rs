//! The route policy table and the middleware that enforces it. Deny by default: a route
//! that is not listed here answers 403, whoever asks.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::session::{self, COOKIE_NAME, SessionUser};
use super::{Permission, Role, csrf};
use crate::AppState;
use crate::core::error::AppError;
use crate::core::web::encode_query;

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

#[derive(Clone)]
pub struct AuthorizeState {
    pub app: AppState,
    pub table: PolicyTable,
}

fn page_lang(path: &str) -> &str {
    match path.split('/').nth(1) {
        Some(code @ ("nl" | "fr" | "de" | "en")) => code,
        _ => "nl",
    }
}

/// Route layer: finds the route's policy, loads the session, and lets the request through
/// only when the policy allows it.
pub async fn authorize(
    State(context): State<AuthorizeState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(route) = request.extensions().get::<MatchedPath>().cloned() else {
        return next.run(request).await;
    };
    let route = route.as_str();
    let Some(access) = context.table.access(request.method(), route) else {
        if context.table.knows_path(route) {
            // A method the route does not serve: the router answers 405 with `Allow`.
            return next.run(request).await;
        }
        tracing::warn!(route, method = %request.method(), "route missing from the policy table");
        return AppError::Forbidden {
            key: "error-forbidden",
        }
        .into_response();
    };
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method && csrf::is_cross_site(request.headers()) {
        return AppError::Forbidden { key: "error-csrf" }.into_response();
    }
    let cookie = request
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| session::read_cookie(c, COOKIE_NAME))
        .map(str::to_string);
    let user = match cookie {
        Some(value) => {
            match session::lookup(&context.app.db, &value, context.app.clock.now()).await {
                Ok(user) => user,
                Err(error) => return AppError::from(error).into_response(),
            }
        }
        None => None,
    };
    let path = request.uri().path().to_string();
    let is_api = path.starts_with("/api/");
    let lang = page_lang(&path).to_string();
    let to_sign_in = |path: &str| -> Response {
        if is_api {
            return AppError::Unauthorized.into_response();
        }
        let next_path = if unsafe_method {
            format!("/{lang}/account")
        } else {
            path.to_string()
        };
        Redirect::to(&format!(
            "/{lang}/sign-in?{}",
            encode_query(&[("next", &next_path)])
        ))
        .into_response()
    };
    match (access, &user) {
        (Public, _) => {}
        (_, None) => return to_sign_in(&path),
        (PartialSession, Some(_)) => {}
        (SignedIn | Access::Permission(_), Some(user)) if !user.fully_authenticated() => {
            let target = if user.totp_enabled {
                format!("/{lang}/sign-in/second-factor")
            } else {
                format!("/{lang}/account/second-factor")
            };
            return Redirect::to(&target).into_response();
        }
        (access, Some(user)) => {
            if !allows(access, Some(user.role)) {
                return AppError::Forbidden {
                    key: "error-forbidden",
                }
                .into_response();
            }
        }
    }
    let signed_in = user.is_some();
    if let Some(user) = &user {
        request.extensions_mut().insert(user.clone());
    }
    let mut response = CURRENT_USER.scope(user, next.run(request)).await;
    if signed_in {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
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
