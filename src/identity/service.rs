//! Account use cases: invitations, sign-in with throttling, second factor, password reset,
//! profile, sessions, export, deactivation and anonymisation. Each change writes its audit
//! entry (and any email) in the same transaction.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

use super::domain::{InputProblem, normalise_email, normalise_name};
use super::session_store;
use super::store::{self, NewUserRow, ThrottleRow, UserChanges, UserRow};
use crate::core::audit::{self, Actor, Entry};
use crate::core::auth::Role;
use crate::core::auth::password::{self, PasswordProblem, random_token, token_hash};
use crate::core::auth::session::SessionUser;
use crate::core::capability::PersonalData;
use crate::core::db::{Db, DbError};
use crate::core::email;
use crate::core::i18n::Lang;

pub const INVITATION_DAYS: i64 = 7;
pub const RESET_MINUTES: i64 = 60;
const ACCOUNT_LOCK_AFTER: i64 = 5;
const ADDRESS_LOCK_AFTER: i64 = 20;
const LOCK_MINUTES: i64 = 15;
const RECOVERY_CODES: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("invalid input: {0:?}")]
    Input(InputProblem),
    #[error("password refused: {0:?}")]
    Password(PasswordProblem),
    #[error("an account with this email address exists")]
    EmailTaken,
    #[error("unknown municipality")]
    UnknownMunicipality,
    #[error("unknown region or province")]
    UnknownArea,
    #[error("a municipal member needs at least one municipality")]
    MunicipalityRequired,
    #[error("not allowed")]
    NotAllowed,
    #[error("email or password incorrect")]
    InvalidCredentials,
    #[error("too many failed attempts")]
    Locked,
    #[error("link invalid or expired")]
    InvalidToken,
    #[error("code incorrect")]
    InvalidCode,
    #[error("current password incorrect")]
    WrongCurrentPassword,
    #[error("account not found")]
    NotFound,
    #[error("the last administrator cannot be deactivated")]
    LastAdministrator,
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error("internal: {0}")]
    Internal(String),
}

impl IdentityError {
    /// The translated message shown to the user.
    pub fn message_key(&self) -> &'static str {
        match self {
            IdentityError::Input(problem) => problem.message_key(),
            IdentityError::Password(problem) => problem.message_key(),
            IdentityError::EmailTaken => "identity-email-taken",
            IdentityError::UnknownMunicipality => "identity-unknown-municipality",
            IdentityError::MunicipalityRequired => "identity-municipality-required",
            IdentityError::UnknownArea => "identity-unknown-area",
            IdentityError::NotAllowed => "error-forbidden",
            IdentityError::InvalidCredentials => "identity-sign-in-failed",
            IdentityError::Locked => "identity-sign-in-locked",
            IdentityError::InvalidToken => "identity-token-invalid",
            IdentityError::InvalidCode => "identity-code-invalid",
            IdentityError::WrongCurrentPassword => "identity-current-password-wrong",
            IdentityError::NotFound => "error-not-found",
            IdentityError::LastAdministrator => "identity-last-administrator",
            IdentityError::Database(_) | IdentityError::Internal(_) => "error-internal",
        }
    }
}

pub use crate::core::context::Context;

/// An account as shown in lists and on the profile page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub language: Lang,
    pub role: Role,
    pub status: String,
    pub totp_enabled: bool,
    pub municipalities: Vec<String>,
    /// For advisors: the regions (VLG, WAL, BRU) and provinces (NIS) they work on.
    pub portfolio: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub deletion_requested_at: Option<DateTime<Utc>>,
}

fn account(row: UserRow, municipalities: Vec<String>, portfolio: Vec<String>) -> Account {
    Account {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        language: Lang::from_code(&row.language).unwrap_or(Lang::Nl),
        role: Role::from_code(&row.role).unwrap_or(Role::Municipal),
        status: row.status,
        totp_enabled: row.totp_enabled,
        municipalities,
        portfolio,
        created_at: row.created_at,
        last_sign_in_at: row.last_sign_in_at,
        deactivated_at: row.deactivated_at,
        deletion_requested_at: row.deletion_requested_at,
    }
}

pub async fn account_by_id(db: &Db, id: i64) -> Result<Account, IdentityError> {
    let row = store::user_by_id(db, id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    let municipalities = store::municipalities_of(db, id).await?;
    let portfolio = store::portfolio_of(db, id).await?;
    Ok(account(row, municipalities, portfolio))
}

/// The id and display name of every Radix staff account (advisors, back-office,
/// administrators), for pages that name the staff of a meeting or an action.
pub async fn staff_names(db: &Db) -> Result<Vec<(i64, String)>, IdentityError> {
    Ok(store::staff_names(db).await?)
}

pub async fn list_accounts(db: &Db) -> Result<Vec<Account>, IdentityError> {
    // Three queries whatever the number of accounts.
    let rows = store::list_users(db, 1000, false).await?;
    let memberships = store::all_memberships(db).await?;
    with_areas(rows, memberships, store::all_portfolios(db).await?)
}

/// Radix staff accounts (every role but municipal) with their portfolios, in two queries:
/// what suggesting an advisor and the weekly digest need.
pub async fn staff_accounts(db: &Db) -> Result<Vec<Account>, IdentityError> {
    let rows = store::list_users(db, 1000, true).await?;
    with_areas(rows, vec![], store::all_portfolios(db).await?)
}

/// Accounts from their rows, with the municipalities and portfolio areas given as
/// (user, code) pairs.
fn with_areas(
    rows: Vec<store::UserRow>,
    memberships: Vec<(i64, String)>,
    portfolios: Vec<(i64, String)>,
) -> Result<Vec<Account>, IdentityError> {
    let group = |pairs: Vec<(i64, String)>| {
        let mut by_user: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        for (user, code) in pairs {
            by_user.entry(user).or_default().push(code);
        }
        by_user
    };
    let (mut memberships, mut portfolios) = (group(memberships), group(portfolios));
    Ok(rows
        .into_iter()
        .map(|row| {
            let municipalities = memberships.remove(&row.id).unwrap_or_default();
            let portfolio = portfolios.remove(&row.id).unwrap_or_default();
            account(row, municipalities, portfolio)
        })
        .collect())
}

/// Input for a new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub language: Lang,
    pub role: Role,
    pub municipalities: Vec<String>,
}

struct Validated {
    email: String,
    email_key: String,
    name: String,
}

async fn validate_new(
    ctx: &Context<'_>,
    input: &NewAccount,
    known_codes: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Validated, IdentityError> {
    let (email, email_key) = normalise_email(&input.email).map_err(IdentityError::Input)?;
    let name = normalise_name(&input.display_name).map_err(IdentityError::Input)?;
    if input.role == Role::Municipal && input.municipalities.is_empty() {
        return Err(IdentityError::MunicipalityRequired);
    }
    if input.municipalities.iter().any(|code| !known_codes(code)) {
        return Err(IdentityError::UnknownMunicipality);
    }
    if store::user_by_email_key(ctx.db, &email_key)
        .await?
        .is_some()
    {
        return Err(IdentityError::EmailTaken);
    }
    Ok(Validated {
        email,
        email_key,
        name,
    })
}

/// Creates an active administrator (command line; the first account of an installation).
pub async fn create_administrator(
    ctx: &Context<'_>,
    email: &str,
    display_name: &str,
    language: Lang,
    new_password: &str,
) -> Result<i64, IdentityError> {
    let input = NewAccount {
        email: email.into(),
        display_name: display_name.into(),
        language,
        role: Role::Admin,
        municipalities: vec![],
    };
    let valid = validate_new(ctx, &input, &|_| true).await?;
    password::check_policy(new_password, &[&valid.email, &valid.name])
        .map_err(IdentityError::Password)?;
    let hash = password::hash(new_password).map_err(|e| IdentityError::Internal(e.to_string()))?;
    let mut tx = ctx.db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &NewUserRow {
            email: &valid.email,
            email_key: &valid.email_key,
            display_name: &valid.name,
            language: language.code(),
            role: Role::Admin.code(),
            status: "active",
            password_hash: Some(hash),
        },
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::system("cli"),
        Entry {
            action: "identity.account.create",
            entity_type: "account",
            entity_id: id.to_string(),
            details: json!({ "role": "admin", "status": "active" }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Staff invite someone: the account waits until the invitee chooses a password through
/// the single-use link emailed to them. Municipal contacts may be invited by any staff
/// member; staff accounts only by administrators.
pub async fn invite(
    ctx: &Context<'_>,
    actor: &SessionUser,
    ip: &str,
    input: &NewAccount,
    known_codes: &(dyn Fn(&str) -> bool + Sync),
) -> Result<i64, IdentityError> {
    let needed = if input.role == Role::Municipal {
        super::INVITE_MUNICIPAL_CONTACTS
    } else {
        super::MANAGE_ACCOUNTS
    };
    if !needed.granted_to(actor.role) {
        return Err(IdentityError::NotAllowed);
    }
    let valid = validate_new(ctx, input, known_codes).await?;
    let token = random_token();
    let mut tx = ctx.db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &NewUserRow {
            email: &valid.email,
            email_key: &valid.email_key,
            display_name: &valid.name,
            language: input.language.code(),
            role: input.role.code(),
            status: "invited",
            password_hash: None,
        },
        ctx.now,
    )
    .await?;
    let mut codes = input.municipalities.clone();
    codes.sort();
    codes.dedup();
    store::set_municipalities(&mut tx, id, &codes).await?;
    store::insert_token(
        &mut tx,
        &token_hash(&token),
        id,
        "invitation",
        ctx.now,
        ctx.now + Duration::days(INVITATION_DAYS),
    )
    .await?;
    let link = format!(
        "{}/{}/invitation/{token}",
        ctx.base_url,
        input.language.code()
    );
    let message = email::compose(
        ctx.i18n,
        input.language,
        &valid.email,
        "email-invitation",
        &[
            ("name", valid.name.clone()),
            ("inviter", actor.display_name.clone()),
            ("days", INVITATION_DAYS.to_string()),
        ],
        Some(&link),
    );
    email::enqueue(&mut tx, &message, ctx.now).await?;
    audit::record(
        &mut tx,
        &Actor::user(actor.user_id, ip),
        Entry {
            action: "identity.account.invite",
            entity_type: "account",
            entity_id: id.to_string(),
            details: json!({ "role": input.role.code(), "municipalities": codes, "language": input.language.code() }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The account behind a valid, unused, unexpired token of the given purpose.
pub async fn account_for_token(
    ctx: &Context<'_>,
    token: &str,
    purpose: &str,
) -> Result<Account, IdentityError> {
    if token.len() != 43 {
        return Err(IdentityError::InvalidToken);
    }
    let row = store::token(ctx.db, &token_hash(token))
        .await?
        .ok_or(IdentityError::InvalidToken)?;
    if row.purpose != purpose || row.used_at.is_some() || row.expires_at <= ctx.now {
        return Err(IdentityError::InvalidToken);
    }
    let account = account_by_id(ctx.db, row.user_id).await?;
    let usable = match purpose {
        "invitation" => account.status == "invited",
        _ => account.status == "active",
    };
    if !usable {
        return Err(IdentityError::InvalidToken);
    }
    Ok(account)
}

/// Sets the password through an invitation or reset link; ends every session of the account.
pub async fn set_password_with_token(
    ctx: &Context<'_>,
    token: &str,
    purpose: &str,
    new_password: &str,
    ip: &str,
) -> Result<i64, IdentityError> {
    let account = account_for_token(ctx, token, purpose).await?;
    password::check_policy(new_password, &[&account.email, &account.display_name])
        .map_err(IdentityError::Password)?;
    let hash = password::hash(new_password).map_err(|e| IdentityError::Internal(e.to_string()))?;
    let mut tx = ctx.db.begin().await?;
    if !store::use_token(&mut tx, &token_hash(token), ctx.now).await? {
        return Err(IdentityError::InvalidToken);
    }
    store::update_user(
        &mut tx,
        account.id,
        UserChanges {
            password_hash: Some(Some(hash)),
            status: Some("active".into()),
            ..UserChanges::default()
        },
        ctx.now,
    )
    .await?;
    session_store::delete_all_for_user(&mut tx, account.id, None).await?;
    let action = if purpose == "invitation" {
        "identity.invitation.accept"
    } else {
        "identity.password.reset"
    };
    audit::record(
        &mut tx,
        &Actor::user(account.id, ip),
        Entry {
            action,
            entity_type: "account",
            entity_id: account.id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    store::clear_throttle(ctx.db, &format!("account:{}", account.email.to_lowercase())).await?;
    Ok(account.id)
}

/// Sends a reset link when the address belongs to an active account. The answer to the
/// visitor is the same either way.
pub async fn request_password_reset(
    ctx: &Context<'_>,
    email_input: &str,
    ip: &str,
) -> Result<(), IdentityError> {
    let Ok((_, key)) = normalise_email(email_input) else {
        return Ok(());
    };
    let Some(user) = store::user_by_email_key(ctx.db, &key).await? else {
        return Ok(());
    };
    if user.status != "active" {
        return Ok(());
    }
    let language = Lang::from_code(&user.language).unwrap_or(Lang::Nl);
    let token = random_token();
    let mut tx = ctx.db.begin().await?;
    store::expire_tokens(&mut tx, user.id, "password_reset", ctx.now).await?;
    store::insert_token(
        &mut tx,
        &token_hash(&token),
        user.id,
        "password_reset",
        ctx.now,
        ctx.now + Duration::minutes(RESET_MINUTES),
    )
    .await?;
    let link = format!(
        "{}/{}/password-reset/{token}",
        ctx.base_url,
        language.code()
    );
    let message = email::compose(
        ctx.i18n,
        language,
        &user.email,
        "email-password-reset",
        &[
            ("name", user.display_name.clone()),
            ("minutes", RESET_MINUTES.to_string()),
        ],
        Some(&link),
    );
    email::enqueue(&mut tx, &message, ctx.now).await?;
    audit::record(
        &mut tx,
        &Actor::anonymous(ip),
        Entry {
            action: "identity.password.reset_request",
            entity_type: "account",
            entity_id: user.id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Result of a correct password.
#[derive(Debug)]
pub struct SignedIn {
    pub cookie_value: String,
    /// The user still has to give a code (enabled) or set up the second factor (staff).
    pub second_factor: SecondFactorStep,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SecondFactorStep {
    None,
    Verify,
    Enrol,
}

fn lock_minutes(failures: i64, threshold: i64) -> Option<i64> {
    if failures < threshold {
        return None;
    }
    // 15 minutes at the threshold, doubling for every further series of failures, at most a day.
    let series = u32::try_from((failures - threshold) / threshold)
        .unwrap_or(u32::MAX)
        .min(7);
    Some((LOCK_MINUTES * 2i64.pow(series)).min(24 * 60))
}

async fn register_failure(
    ctx: &Context<'_>,
    key: &str,
    threshold: i64,
    ip: &str,
    user_id: Option<i64>,
) -> Result<(), IdentityError> {
    let previous = store::throttle(ctx.db, key).await?;
    let failures = previous.as_ref().map(|t| t.failures).unwrap_or(0) + 1;
    let locked_until = lock_minutes(failures, threshold).map(|m| ctx.now + Duration::minutes(m));
    store::save_throttle(
        ctx.db,
        key,
        &ThrottleRow {
            failures,
            last_failure_at: ctx.now,
            locked_until,
        },
    )
    .await?;
    if locked_until.is_some() && failures % threshold == 0 {
        let pseudonym = token_hash(key);
        audit::record_alone(
            ctx.db,
            &Actor::anonymous(ip),
            Entry {
                action: "identity.sign_in.lock",
                entity_type: if key.starts_with("ip:") {
                    "address"
                } else {
                    "account"
                },
                entity_id: user_id
                    .map(|id| id.to_string())
                    .unwrap_or_else(|| pseudonym[..16].to_string()),
                details: json!({ "failures": failures }),
            },
            ctx.now,
        )
        .await?;
    }
    Ok(())
}

fn is_locked(row: &Option<ThrottleRow>, now: DateTime<Utc>) -> bool {
    row.as_ref()
        .and_then(|r| r.locked_until)
        .is_some_and(|until| until > now)
}

/// Checks email and password with per-account and per-address throttling. Unknown and
/// known accounts get the same answer and take the same time.
pub async fn sign_in(
    ctx: &Context<'_>,
    email_input: &str,
    password_input: &str,
    ip: &str,
    user_agent: &str,
) -> Result<SignedIn, IdentityError> {
    let key = normalise_email(email_input)
        .map(|(_, key)| key)
        .unwrap_or_else(|_| email_input.trim().to_lowercase());
    let account_key = format!("account:{}", key.chars().take(254).collect::<String>());
    let address_key = format!("ip:{ip}");
    if is_locked(&store::throttle(ctx.db, &account_key).await?, ctx.now)
        || is_locked(&store::throttle(ctx.db, &address_key).await?, ctx.now)
    {
        return Err(IdentityError::Locked);
    }
    let user = store::user_by_email_key(ctx.db, &key).await?;
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = password::verify(
        password_input,
        stored_hash.as_deref().unwrap_or(password::dummy_hash()),
    );
    let user = match user {
        Some(user) if password_ok && stored_hash.is_some() && user.status == "active" => user,
        other => {
            let user_id = other.as_ref().map(|u| u.id);
            register_failure(ctx, &account_key, ACCOUNT_LOCK_AFTER, ip, user_id).await?;
            register_failure(ctx, &address_key, ADDRESS_LOCK_AFTER, ip, None).await?;
            audit::record_alone(
                ctx.db,
                &Actor::anonymous(ip),
                Entry {
                    action: "identity.sign_in.failure",
                    entity_type: "account",
                    entity_id: user_id
                        .map(|id| id.to_string())
                        .unwrap_or_else(|| "unknown".into()),
                    details: json!({}),
                },
                ctx.now,
            )
            .await?;
            return Err(IdentityError::InvalidCredentials);
        }
    };
    store::clear_throttle(ctx.db, &account_key).await?;
    let role = Role::from_code(&user.role).unwrap_or(Role::Municipal);
    let step = if user.totp_enabled {
        SecondFactorStep::Verify
    } else if role.requires_second_factor() {
        SecondFactorStep::Enrol
    } else {
        SecondFactorStep::None
    };
    let mut tx = ctx.db.begin().await?;
    let cookie_value = session_store::create(
        &mut tx,
        user.id,
        step == SecondFactorStep::None,
        ip,
        user_agent,
        ctx.now,
    )
    .await?;
    store::update_user(
        &mut tx,
        user.id,
        UserChanges {
            last_sign_in_at: Some(ctx.now),
            ..UserChanges::default()
        },
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::user(user.id, ip),
        Entry {
            action: "identity.sign_in.success",
            entity_type: "account",
            entity_id: user.id.to_string(),
            details: json!({ "second_factor": match step { SecondFactorStep::None => "not required", SecondFactorStep::Verify => "pending", SecondFactorStep::Enrol => "enrolment required" } }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(SignedIn {
        cookie_value,
        second_factor: step,
    })
}

fn totp_for(secret_base32: &str, email: &str) -> Result<TOTP, IdentityError> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|e| IdentityError::Internal(format!("{e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Radix".to_string()),
        email.to_string(),
    )
    .map_err(|e| IdentityError::Internal(e.to_string()))
}

/// Replaces the session with a new one (new id) marked as fully authenticated.
async fn upgrade_session(
    ctx: &Context<'_>,
    user: &SessionUser,
    ip: &str,
    user_agent: &str,
    tx: &mut crate::core::db::Tx,
) -> Result<String, IdentityError> {
    session_store::delete_in(tx, &user.session_id_hash).await?;
    Ok(session_store::create(tx, user.user_id, true, ip, user_agent, ctx.now).await?)
}

/// Checks a code from the authenticator app, or a recovery code, after the password.
pub async fn verify_second_factor(
    ctx: &Context<'_>,
    user: &SessionUser,
    code: &str,
    ip: &str,
    user_agent: &str,
) -> Result<String, IdentityError> {
    let account_key = format!("account:{}", user.email.to_lowercase());
    if is_locked(&store::throttle(ctx.db, &account_key).await?, ctx.now) {
        return Err(IdentityError::Locked);
    }
    let row = store::user_by_id(ctx.db, user.user_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let mut tx = ctx.db.begin().await?;
    let (ok, method) = match (&row.totp_secret, row.totp_enabled) {
        (Some(secret), true) if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) => {
            let totp = totp_for(secret, &row.email)?;
            let now = u64::try_from(ctx.now.timestamp()).unwrap_or(0);
            (totp.check(&code, now), "authenticator")
        }
        (_, true) if code.len() == 10 => {
            let used = store::use_recovery_code(
                &mut tx,
                user.user_id,
                &token_hash(&code.to_ascii_lowercase()),
                ctx.now,
            )
            .await?;
            (used, "recovery code")
        }
        _ => (false, "none"),
    };
    if !ok {
        drop(tx);
        register_failure(
            ctx,
            &account_key,
            ACCOUNT_LOCK_AFTER,
            ip,
            Some(user.user_id),
        )
        .await?;
        audit::record_alone(
            ctx.db,
            &Actor::user(user.user_id, ip),
            Entry {
                action: "identity.second_factor.failure",
                entity_type: "account",
                entity_id: user.user_id.to_string(),
                details: json!({}),
            },
            ctx.now,
        )
        .await?;
        return Err(IdentityError::InvalidCode);
    }
    let cookie = upgrade_session(ctx, user, ip, user_agent, &mut tx).await?;
    audit::record(
        &mut tx,
        &Actor::user(user.user_id, ip),
        Entry {
            action: "identity.second_factor.success",
            entity_type: "account",
            entity_id: user.user_id.to_string(),
            details: json!({ "method": method }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    store::clear_throttle(ctx.db, &account_key).await?;
    Ok(cookie)
}

/// What the enrolment page shows: the secret as text and as a QR code.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

/// Starts (or restarts) the set-up of an authenticator app; the secret is active only once
/// a code proves the app has it.
pub async fn start_enrolment(
    ctx: &Context<'_>,
    user: &SessionUser,
) -> Result<Enrolment, IdentityError> {
    let row = store::user_by_id(ctx.db, user.user_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    let secret = match (&row.totp_secret, row.totp_enabled) {
        (Some(existing), false) => existing.clone(),
        _ => {
            let generated = Secret::generate_secret().to_encoded().to_string();
            let mut tx = ctx.db.begin().await?;
            store::update_user(
                &mut tx,
                user.user_id,
                UserChanges {
                    totp_secret: Some(Some(generated.clone())),
                    ..UserChanges::default()
                },
                ctx.now,
            )
            .await?;
            tx.commit().await?;
            generated
        }
    };
    let totp = totp_for(&secret, &row.email)?;
    let otpauth_url = totp.get_url();
    let qr = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map_err(|e| IdentityError::Internal(e.to_string()))?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(Enrolment {
        secret,
        otpauth_url,
        qr_svg,
    })
}

/// Confirms the set-up with a first code; returns the new session cookie and the ten
/// recovery codes (shown once, stored hashed).
pub async fn confirm_enrolment(
    ctx: &Context<'_>,
    user: &SessionUser,
    code: &str,
    ip: &str,
    user_agent: &str,
) -> Result<(String, Vec<String>), IdentityError> {
    let row = store::user_by_id(ctx.db, user.user_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    let Some(secret) = row.totp_secret.clone() else {
        return Err(IdentityError::InvalidCode);
    };
    if row.totp_enabled {
        return Err(IdentityError::NotAllowed);
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let totp = totp_for(&secret, &row.email)?;
    if !totp.check(&code, u64::try_from(ctx.now.timestamp()).unwrap_or(0)) {
        return Err(IdentityError::InvalidCode);
    }
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| token_hash(&c.replace('-', "")))
        .collect();
    let mut tx = ctx.db.begin().await?;
    store::update_user(
        &mut tx,
        user.user_id,
        UserChanges {
            totp_enabled: Some(true),
            ..UserChanges::default()
        },
        ctx.now,
    )
    .await?;
    store::replace_recovery_codes(&mut tx, user.user_id, &hashes).await?;
    let cookie = upgrade_session(ctx, user, ip, user_agent, &mut tx).await?;
    audit::record(
        &mut tx,
        &Actor::user(user.user_id, ip),
        Entry {
            action: "identity.second_factor.enable",
            entity_type: "account",
            entity_id: user.user_id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok((cookie, codes))
}

/// Ten characters from an alphabet without look-alikes (no 0/o, 1/l/i), shown as
/// "abcde-fghjk"; typing it with or without the dash works.
fn recovery_code() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut code = String::with_capacity(11);
    for index in 0..10 {
        if index == 5 {
            code.push('-');
        }
        let pick = usize::try_from(OsRng.next_u32()).unwrap_or(0) % ALPHABET.len();
        code.push(char::from(ALPHABET[pick]));
    }
    code
}

pub async fn unused_recovery_codes(db: &Db, user_id: i64) -> Result<i64, IdentityError> {
    Ok(store::unused_recovery_codes(db, user_id).await?)
}

/// Removes the second factor (administrators, from the command line, for a user who lost it).
pub async fn reset_second_factor(
    ctx: &Context<'_>,
    user_id: i64,
    actor: &Actor,
) -> Result<(), IdentityError> {
    store::user_by_id(ctx.db, user_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    let mut tx = ctx.db.begin().await?;
    store::update_user(
        &mut tx,
        user_id,
        UserChanges {
            totp_secret: Some(None),
            totp_enabled: Some(false),
            ..UserChanges::default()
        },
        ctx.now,
    )
    .await?;
    store::replace_recovery_codes(&mut tx, user_id, &[]).await?;
    session_store::delete_all_for_user(&mut tx, user_id, None).await?;
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "identity.second_factor.reset",
            entity_type: "account",
            entity_id: user_id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn update_profile(
    ctx: &Context<'_>,
    user: &SessionUser,
    ip: &str,
    display_name: &str,
    language: Lang,
) -> Result<(), IdentityError> {
    let name = normalise_name(display_name).map_err(IdentityError::Input)?;
    let mut tx = ctx.db.begin().await?;
    store::update_user(
        &mut tx,
        user.user_id,
        UserChanges {
            display_name: Some(name.clone()),
            language: Some(language.code().into()),
            ..UserChanges::default()
        },
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::user(user.user_id, ip),
        Entry {
            action: "identity.profile.update",
            entity_type: "account",
            entity_id: user.user_id.to_string(),
            details: json!({ "display_name_changed": name != user.display_name, "language": { "before": user.language.code(), "after": language.code() } }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the password after checking the current one; every other session ends.
pub async fn change_password(
    ctx: &Context<'_>,
    user: &SessionUser,
    ip: &str,
    current: &str,
    new_password: &str,
) -> Result<(), IdentityError> {
    let row = store::user_by_id(ctx.db, user.user_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    if !row
        .password_hash
        .as_deref()
        .is_some_and(|hash| password::verify(current, hash))
    {
        return Err(IdentityError::WrongCurrentPassword);
    }
    password::check_policy(new_password, &[&row.email, &row.display_name])
        .map_err(IdentityError::Password)?;
    let hash = password::hash(new_password).map_err(|e| IdentityError::Internal(e.to_string()))?;
    let mut tx = ctx.db.begin().await?;
    store::update_user(
        &mut tx,
        user.user_id,
        UserChanges {
            password_hash: Some(Some(hash)),
            ..UserChanges::default()
        },
        ctx.now,
    )
    .await?;
    let ended =
        session_store::delete_all_for_user(&mut tx, user.user_id, Some(&user.session_id_hash))
            .await?;
    audit::record(
        &mut tx,
        &Actor::user(user.user_id, ip),
        Entry {
            action: "identity.password.change",
            entity_type: "account",
            entity_id: user.user_id.to_string(),
            details: json!({ "other_sessions_ended": ended }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn end_other_sessions(
    ctx: &Context<'_>,
    user: &SessionUser,
    ip: &str,
) -> Result<u64, IdentityError> {
    let mut tx = ctx.db.begin().await?;
    let ended =
        session_store::delete_all_for_user(&mut tx, user.user_id, Some(&user.session_id_hash))
            .await?;
    audit::record(
        &mut tx,
        &Actor::user(user.user_id, ip),
        Entry {
            action: "identity.session.end_others",
            entity_type: "account",
            entity_id: user.user_id.to_string(),
            details: json!({ "ended": ended }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

pub async fn sign_out(
    ctx: &Context<'_>,
    user: &SessionUser,
    ip: &str,
) -> Result<(), IdentityError> {
    session_store::delete(ctx.db, &user.session_id_hash).await?;
    audit::record_alone(
        ctx.db,
        &Actor::user(user.user_id, ip),
        Entry {
            action: "identity.sign_out",
            entity_type: "account",
            entity_id: user.user_id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    Ok(())
}

/// Everything the platform holds about the user, machine-readable (GDPR access right).
pub async fn export_personal_data(
    ctx: &Context<'_>,
    user: &SessionUser,
    ip: &str,
    others: &[PersonalData],
) -> Result<serde_json::Value, IdentityError> {
    let account = account_by_id(ctx.db, user.user_id).await?;
    let sessions = session_store::list_for_user(ctx.db, user.user_id).await?;
    let activity = audit::list(
        ctx.db,
        &audit::AuditFilter {
            actor_user_id: Some(user.user_id),
            limit: 10_000,
            ..Default::default()
        },
    )
    .await?;
    let about = audit::list(
        ctx.db,
        &audit::AuditFilter {
            entity: Some(("account".into(), user.user_id.to_string())),
            limit: 10_000,
            ..Default::default()
        },
    )
    .await?;
    let emails = email::to_recipient(ctx.db, &account.email).await?;
    let mut sections = serde_json::Map::new();
    for holder in others {
        sections.insert(
            holder.section.to_string(),
            (holder.export)(ctx.db, user.user_id).await?,
        );
    }
    audit::record_alone(
        ctx.db,
        &Actor::user(user.user_id, ip),
        Entry {
            action: "identity.personal_data.export",
            entity_type: "account",
            entity_id: user.user_id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    let mut export = json!({
        "exported_at": ctx.now,
        "account": {
            "id": account.id,
            "email": account.email,
            "display_name": account.display_name,
            "language": account.language.code(),
            "role": account.role.code(),
            "status": account.status,
            "second_factor_enabled": account.totp_enabled,
            "municipalities": account.municipalities,
            "portfolio": account.portfolio,
            "created_at": account.created_at,
            "last_sign_in_at": account.last_sign_in_at,
            "deactivated_at": account.deactivated_at,
            "deletion_requested_at": account.deletion_requested_at,
        },
        "sessions": sessions.iter().map(|s| json!({ "created_at": s.created_at, "last_seen_at": s.last_seen_at, "ip": s.ip, "user_agent": s.user_agent })).collect::<Vec<_>>(),
        "activity": activity.iter().map(|a| json!({ "at": a.occurred_at, "action": a.action, "ip": a.ip })).collect::<Vec<_>>(),
        "events_about_the_account": about.iter().map(|a| json!({ "at": a.occurred_at, "action": a.action, "by": a.actor_label, "ip": a.ip })).collect::<Vec<_>>(),
        "emails": emails.iter().map(|m| json!({ "created_at": m.created_at, "subject": m.subject, "status": m.status, "text": m.body_text })).collect::<Vec<_>>(),
    });
    if let Some(object) = export.as_object_mut() {
        object.extend(sections);
    }
    Ok(export)
}

/// Records the user's request to delete the account; administrators act on it.
pub async fn request_deletion(
    ctx: &Context<'_>,
    user: &SessionUser,
    ip: &str,
) -> Result<(), IdentityError> {
    let mut tx = ctx.db.begin().await?;
    store::update_user(
        &mut tx,
        user.user_id,
        UserChanges {
            deletion_requested_at: Some(ctx.now),
            ..UserChanges::default()
        },
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        &Actor::user(user.user_id, ip),
        Entry {
            action: "identity.account.deletion_request",
            entity_type: "account",
            entity_id: user.user_id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivates an account and ends its sessions. The last active administrator stays.
pub async fn deactivate(
    ctx: &Context<'_>,
    actor: &Actor,
    user_id: i64,
) -> Result<(), IdentityError> {
    let row = store::user_by_id(ctx.db, user_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    if row.status == "deactivated" || row.status == "anonymised" {
        return Ok(());
    }
    if row.role == "admin" && row.status == "active" && store::count_admins(ctx.db).await? <= 1 {
        return Err(IdentityError::LastAdministrator);
    }
    let mut tx = ctx.db.begin().await?;
    store::update_user(
        &mut tx,
        user_id,
        UserChanges {
            status: Some("deactivated".into()),
            deactivated_at: Some(Some(ctx.now)),
            ..UserChanges::default()
        },
        ctx.now,
    )
    .await?;
    session_store::delete_all_for_user(&mut tx, user_id, None).await?;
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "identity.account.deactivate",
            entity_type: "account",
            entity_id: user_id.to_string(),
            details: json!({ "status": { "before": row.status, "after": "deactivated" } }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Anonymises deactivated accounts whose retention period has passed. The account row stays
/// as a pseudonymous reference for the audit trail. Idempotent.
pub async fn anonymise_expired(
    ctx: &Context<'_>,
    retention_days: i64,
    others: &[PersonalData],
) -> Result<usize, IdentityError> {
    let cutoff = ctx.now - Duration::days(retention_days);
    let rows = store::deactivated_before(ctx.db, cutoff).await?;
    for row in &rows {
        let mut tx = ctx.db.begin().await?;
        let placeholder = format!("anonymised-{}@radix.invalid", row.id);
        store::update_user(
            &mut tx,
            row.id,
            UserChanges {
                display_name: Some(format!("#{}", row.id)),
                email: Some((placeholder.clone(), placeholder)),
                status: Some("anonymised".into()),
                password_hash: Some(None),
                totp_secret: Some(None),
                totp_enabled: Some(false),
                ..UserChanges::default()
            },
            ctx.now,
        )
        .await?;
        store::set_municipalities(&mut tx, row.id, &[]).await?;
        store::replace_recovery_codes(&mut tx, row.id, &[]).await?;
        let label = format!("#{}", row.id);
        for holder in others {
            (holder.erase)(&mut tx, row.id, &label).await?;
        }
        audit::record(
            &mut tx,
            &Actor::system("retention"),
            Entry {
                action: "identity.account.anonymise",
                entity_type: "account",
                entity_id: row.id.to_string(),
                details: json!({ "retention_days": retention_days }),
            },
            ctx.now,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(rows.len())
}

/// Current TOTP code for a secret (tests and the demo use it to sign in).
pub fn current_code(secret_base32: &str, at: DateTime<Utc>) -> Option<String> {
    let totp = totp_for(secret_base32, "code@radix.invalid").ok()?;
    Some(totp.generate(u64::try_from(at.timestamp()).ok()?))
}

/// The stored (not yet confirmed or confirmed) TOTP secret of a user — for tests only.
pub async fn totp_secret_of(db: &Db, user_id: i64) -> Result<Option<String>, IdentityError> {
    Ok(store::user_by_id(db, user_id)
        .await?
        .and_then(|u| u.totp_secret))
}

pub async fn user_id_by_email(db: &Db, email_input: &str) -> Result<Option<i64>, IdentityError> {
    let Ok((_, key)) = normalise_email(email_input) else {
        return Ok(None);
    };
    Ok(store::user_by_email_key(db, &key).await?.map(|u| u.id))
}

/// Creates an active account directly (demo data set and tests).
pub async fn create_active_account(
    ctx: &Context<'_>,
    input: &NewAccount,
    new_password: &str,
    actor: &Actor,
) -> Result<i64, IdentityError> {
    let valid = validate_new(ctx, input, &|_| true).await?;
    let hash = password::hash(new_password).map_err(|e| IdentityError::Internal(e.to_string()))?;
    let mut tx = ctx.db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &NewUserRow {
            email: &valid.email,
            email_key: &valid.email_key,
            display_name: &valid.name,
            language: input.language.code(),
            role: input.role.code(),
            status: "active",
            password_hash: Some(hash),
        },
        ctx.now,
    )
    .await?;
    store::set_municipalities(&mut tx, id, &input.municipalities).await?;
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "identity.account.create",
            entity_type: "account",
            entity_id: id.to_string(),
            details: json!({ "role": input.role.code(), "status": "active" }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes expired sessions and old failed-attempt counters.
pub async fn housekeeping(ctx: &Context<'_>) -> Result<u64, IdentityError> {
    let sessions = session_store::purge_expired(ctx.db, ctx.now).await?;
    let throttles = store::purge_throttles(ctx.db, ctx.now).await?;
    Ok(sessions + throttles)
}

/// Changes the role of an account (administrators). The account's sessions end, so the
/// new privileges start with a fresh sign-in (and a second factor for staff roles).
pub async fn change_role(
    ctx: &Context<'_>,
    actor: &SessionUser,
    ip: &str,
    user_id: i64,
    role: Role,
) -> Result<(), IdentityError> {
    if !super::MANAGE_ACCOUNTS.granted_to(actor.role) {
        return Err(IdentityError::NotAllowed);
    }
    let row = store::user_by_id(ctx.db, user_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    if row.role == role.code() {
        return Ok(());
    }
    if row.role == "admin" && row.status == "active" && store::count_admins(ctx.db).await? <= 1 {
        return Err(IdentityError::LastAdministrator);
    }
    let mut tx = ctx.db.begin().await?;
    store::set_role(&mut tx, user_id, role.code(), ctx.now).await?;
    session_store::delete_all_for_user(&mut tx, user_id, None).await?;
    audit::record(
        &mut tx,
        &Actor::user(actor.user_id, ip),
        Entry {
            action: "identity.account.role_change",
            entity_type: "account",
            entity_id: user_id.to_string(),
            details: json!({ "role": { "before": row.role, "after": role.code() } }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets an advisor's portfolio: regions (VLG, WAL, BRU) and provinces (NIS codes).
pub async fn set_portfolio(
    ctx: &Context<'_>,
    actor: &SessionUser,
    ip: &str,
    user_id: i64,
    areas: &[String],
    known_area: &(dyn Fn(&str) -> bool + Sync),
) -> Result<(), IdentityError> {
    if !super::MANAGE_ACCOUNTS.granted_to(actor.role) {
        return Err(IdentityError::NotAllowed);
    }
    let row = store::user_by_id(ctx.db, user_id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    if row.role != "advisor" {
        return Err(IdentityError::NotAllowed);
    }
    if areas.iter().any(|a| !known_area(a)) {
        return Err(IdentityError::UnknownArea);
    }
    let mut areas = areas.to_vec();
    areas.sort();
    areas.dedup();
    let before = store::portfolio_of(ctx.db, user_id).await?;
    let mut tx = ctx.db.begin().await?;
    store::set_portfolio(&mut tx, user_id, &areas).await?;
    audit::record(
        &mut tx,
        &Actor::user(actor.user_id, ip),
        Entry {
            action: "identity.account.portfolio_change",
            entity_type: "account",
            entity_id: user_id.to_string(),
            details: json!({ "portfolio": { "before": before, "after": areas } }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the installation has an active administrator yet.
pub async fn has_administrator(db: &Db) -> Result<bool, IdentityError> {
    Ok(store::count_admins(db).await? > 0)
}

/// A failure that reaches a handler as an HTTP answer: not found, forbidden, unavailable
/// for a moment when the database cannot be reached, internal otherwise. Refusals of input
/// are shown on their form by the handler and never come this way.
impl From<IdentityError> for crate::core::error::AppError {
    fn from(error: IdentityError) -> Self {
        use crate::core::error::AppError;
        match error {
            IdentityError::NotFound => AppError::NotFound,
            IdentityError::NotAllowed => AppError::Forbidden {
                key: "error-forbidden",
            },
            IdentityError::Database(e) => AppError::database(&e),
            other => AppError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_grow_with_repeated_series_of_failures() {
        assert_eq!(lock_minutes(4, 5), None);
        assert_eq!(lock_minutes(5, 5), Some(15));
        assert_eq!(lock_minutes(10, 5), Some(30));
        assert_eq!(lock_minutes(15, 5), Some(60));
        assert_eq!(lock_minutes(500, 5), Some(24 * 60));
    }

    #[test]
    fn codes_from_the_secret_verify() {
        let secret = Secret::generate_secret().to_encoded().to_string();
        let now = DateTime::from_timestamp(1_780_000_000, 0).expect("instant");
        let code = current_code(&secret, now).expect("code");
        let totp = totp_for(&secret, "a@b.be").expect("totp");
        assert!(totp.check(&code, u64::try_from(now.timestamp()).expect("time")));
    }
}

pub const MAX_FREE_TEXT_CHARS: usize = 2000;

/// What someone asking for an account fills in.
#[derive(Debug, Clone, Default)]
pub struct AccessRequestInput {
    pub email: String,
    pub display_name: String,
    pub language: Option<Lang>,
    pub job_title: String,
    /// NIS codes of the municipalities, already resolved by the caller.
    pub municipalities: Vec<String>,
    pub message: String,
}

/// Problems found in a request for access, each with its message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblems(pub Vec<(&'static str, &'static str)>);

#[derive(Debug, Clone, serde::Serialize)]
pub struct AccessRequest {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub language: Lang,
    pub job_title: String,
    pub municipalities: Vec<String>,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

fn access_request_from(row: store::AccessRequestRow) -> AccessRequest {
    AccessRequest {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        language: Lang::from_code(&row.language).unwrap_or(Lang::Nl),
        job_title: row.job_title,
        municipalities: row
            .municipalities
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        message: row.message,
        created_at: row.created_at,
    }
}

/// Checks a request for access; `Ok` carries the normalised values.
pub fn validate_access_request(
    input: &AccessRequestInput,
) -> Result<(String, String, String, String), FieldProblems> {
    let mut problems = vec![];
    let email = match normalise_email(&input.email) {
        Ok((email, _)) => email,
        Err(problem) => {
            problems.push(("email", problem.message_key()));
            String::new()
        }
    };
    let name = match normalise_name(&input.display_name) {
        Ok(name) => name,
        Err(problem) => {
            problems.push(("display_name", problem.message_key()));
            String::new()
        }
    };
    let job_title = match normalise_name(&input.job_title) {
        Ok(title) => title,
        Err(_) => {
            problems.push(("job_title", "identity-job-title-invalid"));
            String::new()
        }
    };
    if input.language.is_none() {
        problems.push(("language", "identity-language-invalid"));
    }
    if input.municipalities.is_empty() {
        problems.push(("municipalities", "identity-municipality-required"));
    }
    let message = crate::core::text::nfc(input.message.trim());
    if message.chars().count() > MAX_FREE_TEXT_CHARS {
        problems.push(("message", "identity-message-too-long"));
    } else if crate::core::text::contains_national_number(&message) {
        problems.push(("message", "identity-message-personal-data"));
    }
    if problems.is_empty() {
        Ok((email, name, job_title, message))
    } else {
        Err(FieldProblems(problems))
    }
}

/// Stores a request for access and acknowledges it by email. The answer does not reveal
/// whether the address already has an account.
pub async fn request_access(
    ctx: &Context<'_>,
    input: &AccessRequestInput,
    ip: &str,
) -> Result<Result<(), FieldProblems>, IdentityError> {
    let (email, name, job_title, message) = match validate_access_request(input) {
        Ok(values) => values,
        Err(problems) => return Ok(Err(problems)),
    };
    // At most five requests an hour from one address.
    let key = format!("access-request:{ip}");
    let previous = store::throttle(ctx.db, &key)
        .await?
        .filter(|t| ctx.now - t.last_failure_at < Duration::hours(1));
    let sent = previous.as_ref().map(|t| t.failures).unwrap_or(0);
    if sent >= 5 {
        return Err(IdentityError::Locked);
    }
    let window_start = previous.map(|t| t.last_failure_at).unwrap_or(ctx.now);
    store::save_throttle(
        ctx.db,
        &key,
        &ThrottleRow {
            failures: sent + 1,
            last_failure_at: window_start,
            locked_until: None,
        },
    )
    .await?;
    let language = input.language.unwrap_or(Lang::Nl);
    let mut codes = input.municipalities.clone();
    codes.sort();
    codes.dedup();
    let mut tx = ctx.db.begin().await?;
    let id = store::insert_access_request(
        &mut tx,
        &store::NewAccessRequest {
            email: &email,
            display_name: &name,
            language: language.code(),
            job_title: &job_title,
            municipalities: &codes.join(","),
            message: &message,
        },
        ctx.now,
    )
    .await?;
    let acknowledgement = email::compose(
        ctx.i18n,
        language,
        &email,
        "email-access-received",
        &[("name", name.clone())],
        None,
    );
    email::enqueue(&mut tx, &acknowledgement, ctx.now).await?;
    audit::record(
        &mut tx,
        &Actor::anonymous(ip),
        Entry {
            action: "identity.access_request.create",
            entity_type: "access_request",
            entity_id: id.to_string(),
            details: json!({ "municipalities": codes }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub async fn pending_access_requests(db: &Db) -> Result<Vec<AccessRequest>, IdentityError> {
    Ok(store::pending_access_requests(db)
        .await?
        .into_iter()
        .map(access_request_from)
        .collect())
}

/// Approves a request: the person is invited as a municipal member of the requested
/// municipalities (an invitation email follows). Declining sends the reason.
pub async fn decide_access_request(
    ctx: &Context<'_>,
    reviewer: &SessionUser,
    ip: &str,
    id: i64,
    approve: bool,
    reason: &str,
    known_codes: &(dyn Fn(&str) -> bool + Sync),
) -> Result<(), IdentityError> {
    if !super::REVIEW_ACCESS_REQUESTS.granted_to(reviewer.role) {
        return Err(IdentityError::NotAllowed);
    }
    let request = store::access_request(ctx.db, id)
        .await?
        .ok_or(IdentityError::NotFound)?;
    if request.status != "pending" {
        return Err(IdentityError::NotFound);
    }
    let request = access_request_from(request);
    if approve {
        invite(
            ctx,
            reviewer,
            ip,
            &NewAccount {
                email: request.email.clone(),
                display_name: request.display_name.clone(),
                language: request.language,
                role: Role::Municipal,
                municipalities: request.municipalities.clone(),
            },
            known_codes,
        )
        .await?;
        let mut tx = ctx.db.begin().await?;
        if !store::decide_access_request(&mut tx, id, "approved", None, reviewer.user_id, ctx.now)
            .await?
        {
            return Err(IdentityError::NotFound);
        }
        audit::record(
            &mut tx,
            &Actor::user(reviewer.user_id, ip),
            Entry {
                action: "identity.access_request.approve",
                entity_type: "access_request",
                entity_id: id.to_string(),
                details: json!({}),
            },
            ctx.now,
        )
        .await?;
        tx.commit().await?;
    } else {
        let reason = crate::core::text::nfc(reason.trim());
        if reason.is_empty() || reason.chars().count() > MAX_FREE_TEXT_CHARS {
            return Err(IdentityError::Input(InputProblem::NameEmpty));
        }
        let mut tx = ctx.db.begin().await?;
        if !store::decide_access_request(
            &mut tx,
            id,
            "declined",
            Some(&reason),
            reviewer.user_id,
            ctx.now,
        )
        .await?
        {
            return Err(IdentityError::NotFound);
        }
        let message = email::compose(
            ctx.i18n,
            request.language,
            &request.email,
            "email-access-declined",
            &[
                ("name", request.display_name.clone()),
                ("reason", reason.clone()),
            ],
            None,
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
        audit::record(
            &mut tx,
            &Actor::user(reviewer.user_id, ip),
            Entry {
                action: "identity.access_request.decline",
                entity_type: "access_request",
                entity_id: id.to_string(),
                details: json!({}),
            },
            ctx.now,
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Active municipal accounts linked to some municipalities: (id, name, email), each once,
/// by name.
pub async fn active_municipal_members(
    db: &Db,
    codes: &[String],
) -> Result<Vec<(i64, String, String)>, DbError> {
    store::municipal_members(db, codes).await
}

/// The name and address of an account.
pub async fn account_name(db: &Db, id: i64) -> Result<Option<(String, String)>, DbError> {
    store::account_name(db, id).await
}

/// The active accounts linked to each of some municipalities: (nis, email, language).
pub async fn municipal_contacts(
    db: &Db,
    codes: &[String],
) -> Result<Vec<(String, String, String)>, DbError> {
    store::municipal_contacts(db, codes).await
}

/// The municipalities a signed-in person may act for (ask for support, declare an LIVC-R):
/// those linked to their municipal account. Radix staff act for the team, not for a
/// municipality, so they get none.
pub async fn municipalities_acted_for(db: &Db, user: &SessionUser) -> Result<Vec<String>, DbError> {
    if user.role != Role::Municipal {
        return Ok(vec![]);
    }
    store::municipalities_of(db, user.user_id).await
}
