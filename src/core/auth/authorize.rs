//! The `authorize` route layer: finds the route's policy in the table, loads the session
//! through identity's lookup, and lets the request through only when the policy allows it.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::csrf;
use super::policy::Access::{PartialSession, Public, SignedIn};
use super::policy::{Access, CURRENT_USER, PolicyTable, allows};
use super::session::{self, COOKIE_NAME, SessionUser};
use crate::core::error::AppError;
use crate::core::state::AppState;
use crate::core::web::encode_query;

/// Finds the signed-in user behind a session cookie value (identity stores sessions).
pub type SessionLookup = for<'a> fn(
    &'a crate::core::db::Db,
    &'a str,
    chrono::DateTime<chrono::Utc>,
) -> futures_util::future::BoxFuture<
    'a,
    Result<Option<SessionUser>, crate::core::db::DbError>,
>;

#[derive(Clone)]
pub struct AuthorizeState {
    pub app: AppState,
    pub table: PolicyTable,
    pub sessions: SessionLookup,
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
            match (context.sessions)(&context.app.db, &value, context.app.clock.now()).await {
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
