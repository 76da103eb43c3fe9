//! Authentication and authorisation shared by every capability: roles and permissions, the
//! route policy table (deny by default), sessions stored in the database, CSRF protection,
//! and password hashing.
//!
//! Every route is listed in `policy::ROUTES` with the access it needs; the `authorize`
//! middleware refuses a route that is missing from the table. Rules about *which* objects a
//! user may touch ("only your municipality") live in each capability's service.

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

/// What a route or a service function may require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Permission {
    /// Invite municipal contacts and see the list of accounts.
    InviteMunicipalContacts,
    /// Approve or decline requests for access.
    ReviewAccessRequests,
    /// Create staff accounts, change roles, deactivate accounts.
    ManageAccounts,
    /// Read the audit trail and export it.
    ReadAuditLog,
    /// Read the email outbox.
    ReadOutbox,
    /// Review LIVC-R declarations, record observations, keep cells up to date.
    ReviewDeclarations,
    /// Publish cartography snapshots, confirm merger proposals, run status surveys.
    ManageRegistry,
    /// See and handle support requests.
    HandleRequests,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::InviteMunicipalContacts,
        Permission::ReviewAccessRequests,
        Permission::ManageAccounts,
        Permission::ReadAuditLog,
        Permission::ReadOutbox,
        Permission::ReviewDeclarations,
        Permission::ManageRegistry,
        Permission::HandleRequests,
    ];

    /// The roles that hold this permission: the one place where this is decided.
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            Permission::InviteMunicipalContacts => {
                matches!(role, Role::Advisor | Role::Backoffice | Role::Admin)
            }
            Permission::ReviewAccessRequests | Permission::ManageRegistry => {
                matches!(role, Role::Backoffice | Role::Admin)
            }
            Permission::ReviewDeclarations | Permission::HandleRequests => {
                matches!(role, Role::Advisor | Role::Backoffice | Role::Admin)
            }
            Permission::ManageAccounts | Permission::ReadAuditLog | Permission::ReadOutbox => {
                role == Role::Admin
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Permission::InviteMunicipalContacts => "invite municipal contacts",
            Permission::ReviewAccessRequests => "review access requests",
            Permission::ManageAccounts => "manage accounts",
            Permission::ReadAuditLog => "read the audit trail",
            Permission::ReadOutbox => "read the email outbox",
            Permission::ReviewDeclarations => "review LIVC-R declarations and record observations",
            Permission::ManageRegistry => "publish snapshots, confirm mergers, run surveys",
            Permission::HandleRequests => "see and handle support requests",
        }
    }
}
