//! Protection against cross-site request forgery. Every state-changing request must come
//! from our own pages: a cross-site `Sec-Fetch-Site` or a foreign `Origin` is refused, and
//! every form carries a token — the session's token when signed in, otherwise a random value
//! also held in a `__Host-` cookie (double submit).

use axum::http::HeaderMap;
use axum::http::header;

use super::password::random_token;
use super::session::read_cookie;

pub const ANONYMOUS_COOKIE: &str = "__Host-radix_csrf";
pub const FIELD: &str = "csrf";

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuses a signed-in user's form whose token is not the session's.
pub fn require_session_token(
    submitted: &str,
    user: &super::session::SessionUser,
) -> Result<(), crate::core::error::AppError> {
    if constant_time_eq(submitted, &user.csrf_token) {
        Ok(())
    } else {
        Err(crate::core::error::AppError::Forbidden { key: "error-csrf" })
    }
}

/// True when the request's origin headers show it came from another site.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "cross-site")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if origin == "null" {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("");
    origin_host != host
}

/// The token for an anonymous form, and the cookie to set when the visitor has none yet.
pub fn anonymous_token(headers: &HeaderMap) -> (String, Option<String>) {
    let existing = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| read_cookie(c, ANONYMOUS_COOKIE))
        .filter(|v| v.len() == 43)
        .map(str::to_string);
    match existing {
        Some(token) => (token, None),
        None => {
            let token = random_token();
            let cookie =
                format!("{ANONYMOUS_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict");
            (token, Some(cookie))
        }
    }
}

/// Checks an anonymous form's token against the visitor's cookie.
pub fn verify_anonymous(headers: &HeaderMap, submitted: &str) -> bool {
    headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| read_cookie(c, ANONYMOUS_COOKIE))
        .is_some_and(|cookie| !submitted.is_empty() && constant_time_eq(cookie, submitted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn foreign_origins_are_cross_site() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!is_cross_site(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(!is_cross_site(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(is_cross_site(&headers));
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(is_cross_site(&headers));
        let mut fetch = HeaderMap::new();
        fetch.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(is_cross_site(&fetch));
    }

    #[test]
    fn anonymous_tokens_must_match_the_cookie() {
        let mut headers = HeaderMap::new();
        let (token, cookie) = anonymous_token(&headers);
        assert!(cookie.is_some());
        assert!(!verify_anonymous(&headers, &token));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{ANONYMOUS_COOKIE}={token}")).expect("header"),
        );
        assert!(verify_anonymous(&headers, &token));
        assert!(!verify_anonymous(&headers, "forged"));
        assert!(!verify_anonymous(&headers, ""));
        let (again, cookie) = anonymous_token(&headers);
        assert_eq!((again, cookie), (token, None));
    }
}
