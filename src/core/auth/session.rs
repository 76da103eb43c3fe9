//! The signed-in user as every request sees it, and the session cookie. Sessions are stored
//! by identity (`identity::session_store`), which hands the lookup to the `authorize`
//! middleware; the cookie holds a random id, the database only its hash.

use chrono::{DateTime, Utc};

use super::Role;
use crate::core::i18n::Lang;

pub const COOKIE_NAME: &str = "__Host-radix_session";
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
pub const ABSOLUTE_TIMEOUT_HOURS: i64 = 12;

/// The signed-in user as every request sees it.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session_id_hash: String,
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub language: Lang,
    pub role: Role,
    pub totp_enabled: bool,
    pub second_factor_done: bool,
    pub csrf_token: String,
    pub authenticated_at: DateTime<Utc>,
}

impl SessionUser {
    /// True when the user passed every factor their role requires.
    pub fn fully_authenticated(&self) -> bool {
        self.second_factor_done || (!self.role.requires_second_factor() && !self.totp_enabled)
    }
}

/// The `Set-Cookie` value for a new session (always `Secure`: browsers accept it on
/// http://127.0.0.1 and localhost too).
pub fn cookie(value: &str) -> String {
    format!(
        "{COOKIE_NAME}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={}",
        ABSOLUTE_TIMEOUT_HOURS * 3600
    )
}

pub fn clearing_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Reads one cookie from a `Cookie` header.
pub fn read_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}
