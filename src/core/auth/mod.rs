//! Authentication and authorisation shared by every capability: roles and permissions, the
//! route policy table (deny by default), sessions stored in the database, CSRF protection,
//! and password hashing.
//!
//! Every route is listed in `policy::ROUTES` with the access it needs; the `authorize`
//! middleware refuses a route that is missing from the table. Rules about *which* objects a
//! user may touch ("only your municipality") live in each capability's service.

pub mod authorize;
pub mod csrf;
pub mod password;
pub mod policy;
pub mod session;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A professional of one or more municipalities (or of a joint cell).
    Municipal,
    /// Radix Front-Office advisor.
    Advisor,
    /// Radix Back-Office.
    Backoffice,
    /// Administrator of the platform.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Municipal,
        Role::Advisor,
        Role::Backoffice,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Municipal => "municipal",
            Role::Advisor => "advisor",
            Role::Backoffice => "backoffice",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        match code {
            "municipal" => Some(Role::Municipal),
            "advisor" => Some(Role::Advisor),
            "backoffice" => Some(Role::Backoffice),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Radix staff and administrators must use a second factor.
    pub fn requires_second_factor(self) -> bool {
        !matches!(self, Role::Municipal)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Role::Municipal => "role-municipal",
            Role::Advisor => "role-advisor",
            Role::Backoffice => "role-backoffice",
            Role::Admin => "role-admin",
        }
    }
}

/// What a route or a service function may require. Each capability defines its own
/// permissions as constants next to its routes (`Permission::new`); core only checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission {
    /// A short stable name, for logs and the permission matrix.
    pub code: &'static str,
    /// The roles that hold it: the one place where this is decided.
    pub roles: &'static [Role],
}

impl Permission {
    pub const fn new(code: &'static str, roles: &'static [Role]) -> Permission {
        Permission { code, roles }
    }

    pub fn granted_to(self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Radix staff of both offices and administrators.
pub const STAFF: &[Role] = &[Role::Advisor, Role::Backoffice, Role::Admin];
/// The Back-Office and administrators.
pub const BACK_OFFICE: &[Role] = &[Role::Backoffice, Role::Admin];
/// Administrators only.
pub const ADMINISTRATORS: &[Role] = &[Role::Admin];
