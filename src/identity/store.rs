//! Storage of accounts, one-time tokens, recovery codes and sign-in throttling.

use chrono::{DateTime, SubsecRound, Utc};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};

use crate::core::db::{Db, DbError, Tx};

#[derive(Iden)]
enum IdentityUser {
    Table,
    Id,
    Email,
    EmailKey,
    DisplayName,
    Language,
    Role,
    Status,
    PasswordHash,
    PasswordChangedAt,
    TotpSecret,
    TotpEnabled,
    CreatedAt,
    UpdatedAt,
    LastSignInAt,
    DeactivatedAt,
    DeletionRequestedAt,
}

#[derive(Iden, Clone, Copy)]
enum IdentityUserMunicipality {
    Table,
    UserId,
    Nis,
}

#[derive(Iden, Clone, Copy)]
enum IdentityUserPortfolio {
    Table,
    UserId,
    AreaCode,
}

#[derive(Iden)]
enum IdentityToken {
    Table,
    TokenHash,
    UserId,
    Purpose,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(Iden)]
enum IdentityRecoveryCode {
    Table,
    UserId,
    CodeHash,
    UsedAt,
}

#[derive(Iden)]
enum IdentityThrottle {
    Table,
    ThrottleKey,
    Failures,
    LastFailureAt,
    LockedUntil,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub language: String,
    pub role: String,
    pub status: String,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub deletion_requested_at: Option<DateTime<Utc>>,
}

const USER_COLUMNS: [IdentityUser; 13] = [
    IdentityUser::Id,
    IdentityUser::Email,
    IdentityUser::DisplayName,
    IdentityUser::Language,
    IdentityUser::Role,
    IdentityUser::Status,
    IdentityUser::PasswordHash,
    IdentityUser::TotpSecret,
    IdentityUser::TotpEnabled,
    IdentityUser::CreatedAt,
    IdentityUser::LastSignInAt,
    IdentityUser::DeactivatedAt,
    IdentityUser::DeletionRequestedAt,
];

pub(super) struct NewUserRow<'a> {
    pub email: &'a str,
    pub email_key: &'a str,
    pub display_name: &'a str,
    pub language: &'a str,
    pub role: &'a str,
    pub status: &'a str,
    pub password_hash: Option<String>,
}

pub(super) async fn insert_user(
    tx: &mut Tx,
    user: &NewUserRow<'_>,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let now = now.trunc_subsecs(6);
    let statement = Query::insert()
        .into_table(IdentityUser::Table)
        .columns([
            IdentityUser::Email,
            IdentityUser::EmailKey,
            IdentityUser::DisplayName,
            IdentityUser::Language,
            IdentityUser::Role,
            IdentityUser::Status,
            IdentityUser::PasswordHash,
            IdentityUser::PasswordChangedAt,
            IdentityUser::TotpEnabled,
            IdentityUser::CreatedAt,
            IdentityUser::UpdatedAt,
        ])
        .values_panic([
            user.email.into(),
            user.email_key.into(),
            user.display_name.into(),
            user.language.into(),
            user.role.into(),
            user.status.into(),
            user.password_hash.clone().into(),
            user.password_hash.as_ref().map(|_| now).into(),
            false.into(),
            now.into(),
            now.into(),
        ])
        .returning_col(IdentityUser::Id)
        .to_owned();
    #[derive(sqlx::FromRow)]
    struct IdRow {
        id: i64,
    }
    let rows: Vec<IdRow> = tx.fetch_all(&statement).await?;
    Ok(rows.first().map(|r| r.id).unwrap_or_default())
}

pub(super) async fn set_municipalities(
    tx: &mut Tx,
    user_id: i64,
    codes: &[String],
) -> Result<(), DbError> {
    replace_user_links(
        tx,
        IdentityUserMunicipality::Table,
        IdentityUserMunicipality::UserId,
        IdentityUserMunicipality::Nis,
        user_id,
        codes,
    )
    .await
}

/// Replaces the rows of a user's link table (municipalities, portfolio) with `values`.
async fn replace_user_links<T: Iden + Copy + 'static>(
    tx: &mut Tx,
    table: T,
    user_column: T,
    value_column: T,
    user_id: i64,
    values: &[String],
) -> Result<(), DbError> {
    tx.execute(
        &Query::delete()
            .from_table(table)
            .and_where(Expr::col(user_column).eq(user_id))
            .to_owned(),
    )
    .await?;
    if values.is_empty() {
        return Ok(());
    }
    let mut statement = Query::insert();
    statement
        .into_table(table)
        .columns([user_column, value_column]);
    for value in values {
        statement.values_panic([user_id.into(), value.clone().into()]);
    }
    tx.execute(&statement).await.map(|_| ())
}

pub(super) async fn municipalities_of(db: &Db, user_id: i64) -> Result<Vec<String>, DbError> {
    #[derive(sqlx::FromRow)]
    struct NisRow {
        nis: String,
    }
    let query = Query::select()
        .column(IdentityUserMunicipality::Nis)
        .from(IdentityUserMunicipality::Table)
        .and_where(Expr::col(IdentityUserMunicipality::UserId).eq(user_id))
        .order_by(IdentityUserMunicipality::Nis, Order::Asc)
        .to_owned();
    Ok(db
        .fetch_all::<NisRow>(&query)
        .await?
        .into_iter()
        .map(|r| r.nis)
        .collect())
}

/// Every (user, municipality) membership, in user then NIS order.
pub(super) async fn all_memberships(db: &Db) -> Result<Vec<(i64, String)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct MembershipRow {
        user_id: i64,
        nis: String,
    }
    let query = Query::select()
        .columns([
            IdentityUserMunicipality::UserId,
            IdentityUserMunicipality::Nis,
        ])
        .from(IdentityUserMunicipality::Table)
        .order_by(IdentityUserMunicipality::UserId, Order::Asc)
        .order_by(IdentityUserMunicipality::Nis, Order::Asc)
        .to_owned();
    Ok(db
        .fetch_all::<MembershipRow>(&query)
        .await?
        .into_iter()
        .map(|r| (r.user_id, r.nis))
        .collect())
}

pub(super) async fn user_by_email_key(
    db: &Db,
    email_key: &str,
) -> Result<Option<UserRow>, DbError> {
    let query = Query::select()
        .columns(USER_COLUMNS)
        .from(IdentityUser::Table)
        .and_where(Expr::col(IdentityUser::EmailKey).eq(email_key))
        .to_owned();
    db.fetch_optional(&query).await
}

pub(super) async fn user_by_id(db: &Db, id: i64) -> Result<Option<UserRow>, DbError> {
    let query = Query::select()
        .columns(USER_COLUMNS)
        .from(IdentityUser::Table)
        .and_where(Expr::col(IdentityUser::Id).eq(id))
        .to_owned();
    db.fetch_optional(&query).await
}

/// Accounts by id: all of them, or only Radix staff (every role but municipal).
pub(super) async fn list_users(
    db: &Db,
    limit: u64,
    staff_only: bool,
) -> Result<Vec<UserRow>, DbError> {
    let mut query = Query::select();
    query
        .columns(USER_COLUMNS)
        .from(IdentityUser::Table)
        .order_by(IdentityUser::Id, Order::Asc)
        .limit(limit);
    if staff_only {
        query.and_where(Expr::col(IdentityUser::Role).ne("municipal"));
    }
    db.fetch_all(&query).await
}

/// The id and name of every Radix staff account (all roles but municipal), by id.
pub(super) async fn staff_names(db: &Db) -> Result<Vec<(i64, String)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct NameRow {
        id: i64,
        display_name: String,
    }
    let query = Query::select()
        .columns([IdentityUser::Id, IdentityUser::DisplayName])
        .from(IdentityUser::Table)
        .and_where(Expr::col(IdentityUser::Role).ne("municipal"))
        .order_by(IdentityUser::Id, Order::Asc)
        .limit(1000)
        .to_owned();
    let rows: Vec<NameRow> = db.fetch_all(&query).await?;
    Ok(rows.into_iter().map(|r| (r.id, r.display_name)).collect())
}

pub(super) async fn count_admins(db: &Db) -> Result<i64, DbError> {
    #[derive(sqlx::FromRow)]
    struct CountRow {
        count: i64,
    }
    let query = Query::select()
        .expr_as(Expr::col(IdentityUser::Id).count(), "count")
        .from(IdentityUser::Table)
        .and_where(Expr::col(IdentityUser::Role).eq("admin"))
        .and_where(Expr::col(IdentityUser::Status).eq("active"))
        .to_owned();
    Ok(db
        .fetch_optional::<CountRow>(&query)
        .await?
        .map(|r| r.count)
        .unwrap_or(0))
}

/// The changes an update may carry; `None` leaves a column alone.
#[derive(Default)]
pub(super) struct UserChanges {
    pub display_name: Option<String>,
    pub language: Option<String>,
    pub status: Option<String>,
    pub password_hash: Option<Option<String>>,
    pub totp_secret: Option<Option<String>>,
    pub totp_enabled: Option<bool>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<Option<DateTime<Utc>>>,
    pub deletion_requested_at: Option<DateTime<Utc>>,
    pub email: Option<(String, String)>,
}

pub(super) async fn update_user(
    tx: &mut Tx,
    id: i64,
    changes: UserChanges,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let now = now.trunc_subsecs(6);
    let mut statement = Query::update();
    statement
        .table(IdentityUser::Table)
        .value(IdentityUser::UpdatedAt, now);
    if let Some(name) = changes.display_name {
        statement.value(IdentityUser::DisplayName, name);
    }
    if let Some(language) = changes.language {
        statement.value(IdentityUser::Language, language);
    }
    if let Some(status) = changes.status {
        statement.value(IdentityUser::Status, status);
    }
    if let Some(hash) = changes.password_hash {
        statement.value(IdentityUser::PasswordHash, hash.clone());
        statement.value(IdentityUser::PasswordChangedAt, hash.map(|_| now));
    }
    if let Some(secret) = changes.totp_secret {
        statement.value(IdentityUser::TotpSecret, secret);
    }
    if let Some(enabled) = changes.totp_enabled {
        statement.value(IdentityUser::TotpEnabled, enabled);
    }
    if let Some(at) = changes.last_sign_in_at {
        statement.value(IdentityUser::LastSignInAt, at.trunc_subsecs(6));
    }
    if let Some(at) = changes.deactivated_at {
        statement.value(IdentityUser::DeactivatedAt, at.map(|a| a.trunc_subsecs(6)));
    }
    if let Some(at) = changes.deletion_requested_at {
        statement.value(IdentityUser::DeletionRequestedAt, at.trunc_subsecs(6));
    }
    if let Some((email, key)) = changes.email {
        statement.value(IdentityUser::Email, email);
        statement.value(IdentityUser::EmailKey, key);
    }
    statement.and_where(Expr::col(IdentityUser::Id).eq(id));
    tx.execute(&statement).await.map(|_| ())
}

/// Deactivated accounts whose retention period ended and that still hold personal data.
pub(super) async fn deactivated_before(
    db: &Db,
    cutoff: DateTime<Utc>,
) -> Result<Vec<UserRow>, DbError> {
    let query = Query::select()
        .columns(USER_COLUMNS)
        .from(IdentityUser::Table)
        .and_where(Expr::col(IdentityUser::Status).eq("deactivated"))
        .and_where(Expr::col(IdentityUser::DeactivatedAt).lt(cutoff))
        .to_owned();
    db.fetch_all(&query).await
}

pub(super) async fn insert_token(
    tx: &mut Tx,
    token_hash: &str,
    user_id: i64,
    purpose: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    let statement = Query::insert()
        .into_table(IdentityToken::Table)
        .columns([
            IdentityToken::TokenHash,
            IdentityToken::UserId,
            IdentityToken::Purpose,
            IdentityToken::CreatedAt,
            IdentityToken::ExpiresAt,
        ])
        .values_panic([
            token_hash.into(),
            user_id.into(),
            purpose.into(),
            now.trunc_subsecs(6).into(),
            expires_at.trunc_subsecs(6).into(),
        ])
        .to_owned();
    tx.execute(&statement).await.map(|_| ())
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct TokenRow {
    pub user_id: i64,
    pub purpose: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub(super) async fn token(db: &Db, token_hash: &str) -> Result<Option<TokenRow>, DbError> {
    let query = Query::select()
        .columns([
            IdentityToken::UserId,
            IdentityToken::Purpose,
            IdentityToken::ExpiresAt,
            IdentityToken::UsedAt,
        ])
        .from(IdentityToken::Table)
        .and_where(Expr::col(IdentityToken::TokenHash).eq(token_hash))
        .to_owned();
    db.fetch_optional(&query).await
}

/// Marks a token used; returns false when it was used meanwhile (a replay or a race).
pub(super) async fn use_token(
    tx: &mut Tx,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let statement = Query::update()
        .table(IdentityToken::Table)
        .value(IdentityToken::UsedAt, now.trunc_subsecs(6))
        .and_where(Expr::col(IdentityToken::TokenHash).eq(token_hash))
        .and_where(Expr::col(IdentityToken::UsedAt).is_null())
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Invalidates the other open tokens of a user for one purpose.
pub(super) async fn expire_tokens(
    tx: &mut Tx,
    user_id: i64,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let statement = Query::update()
        .table(IdentityToken::Table)
        .value(IdentityToken::UsedAt, now.trunc_subsecs(6))
        .and_where(Expr::col(IdentityToken::UserId).eq(user_id))
        .and_where(Expr::col(IdentityToken::Purpose).eq(purpose))
        .and_where(Expr::col(IdentityToken::UsedAt).is_null())
        .to_owned();
    tx.execute(&statement).await.map(|_| ())
}

pub(super) async fn replace_recovery_codes(
    tx: &mut Tx,
    user_id: i64,
    hashes: &[String],
) -> Result<(), DbError> {
    tx.execute(
        &Query::delete()
            .from_table(IdentityRecoveryCode::Table)
            .and_where(Expr::col(IdentityRecoveryCode::UserId).eq(user_id))
            .to_owned(),
    )
    .await?;
    if hashes.is_empty() {
        return Ok(());
    }
    let mut statement = Query::insert();
    statement
        .into_table(IdentityRecoveryCode::Table)
        .columns([IdentityRecoveryCode::UserId, IdentityRecoveryCode::CodeHash]);
    for hash in hashes {
        statement.values_panic([user_id.into(), hash.clone().into()]);
    }
    tx.execute(&statement).await.map(|_| ())
}

/// Uses a recovery code once; false if it does not exist or was used.
pub(super) async fn use_recovery_code(
    tx: &mut Tx,
    user_id: i64,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let statement = Query::update()
        .table(IdentityRecoveryCode::Table)
        .value(IdentityRecoveryCode::UsedAt, now.trunc_subsecs(6))
        .and_where(Expr::col(IdentityRecoveryCode::UserId).eq(user_id))
        .and_where(Expr::col(IdentityRecoveryCode::CodeHash).eq(code_hash))
        .and_where(Expr::col(IdentityRecoveryCode::UsedAt).is_null())
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

pub(super) async fn unused_recovery_codes(db: &Db, user_id: i64) -> Result<i64, DbError> {
    #[derive(sqlx::FromRow)]
    struct CountRow {
        count: i64,
    }
    let query = Query::select()
        .expr_as(Expr::col(IdentityRecoveryCode::CodeHash).count(), "count")
        .from(IdentityRecoveryCode::Table)
        .and_where(Expr::col(IdentityRecoveryCode::UserId).eq(user_id))
        .and_where(Expr::col(IdentityRecoveryCode::UsedAt).is_null())
        .to_owned();
    Ok(db
        .fetch_optional::<CountRow>(&query)
        .await?
        .map(|r| r.count)
        .unwrap_or(0))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct ThrottleRow {
    pub failures: i64,
    pub last_failure_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

pub(super) async fn throttle(db: &Db, key: &str) -> Result<Option<ThrottleRow>, DbError> {
    let query = Query::select()
        .columns([
            IdentityThrottle::Failures,
            IdentityThrottle::LastFailureAt,
            IdentityThrottle::LockedUntil,
        ])
        .from(IdentityThrottle::Table)
        .and_where(Expr::col(IdentityThrottle::ThrottleKey).eq(key))
        .to_owned();
    db.fetch_optional(&query).await
}

pub(super) async fn save_throttle(db: &Db, key: &str, row: &ThrottleRow) -> Result<(), DbError> {
    let statement = Query::insert()
        .into_table(IdentityThrottle::Table)
        .columns([
            IdentityThrottle::ThrottleKey,
            IdentityThrottle::Failures,
            IdentityThrottle::LastFailureAt,
            IdentityThrottle::LockedUntil,
        ])
        .values_panic([
            key.into(),
            row.failures.into(),
            row.last_failure_at.trunc_subsecs(6).into(),
            row.locked_until.map(|t| t.trunc_subsecs(6)).into(),
        ])
        .on_conflict(
            OnConflict::column(IdentityThrottle::ThrottleKey)
                .update_columns([
                    IdentityThrottle::Failures,
                    IdentityThrottle::LastFailureAt,
                    IdentityThrottle::LockedUntil,
                ])
                .to_owned(),
        )
        .to_owned();
    db.execute(&statement).await.map(|_| ())
}

pub(super) async fn clear_throttle(db: &Db, key: &str) -> Result<(), DbError> {
    let statement = Query::delete()
        .from_table(IdentityThrottle::Table)
        .and_where(Expr::col(IdentityThrottle::ThrottleKey).eq(key))
        .to_owned();
    db.execute(&statement).await.map(|_| ())
}

#[derive(Iden)]
enum IdentityAccessRequest {
    Table,
    Id,
    Email,
    DisplayName,
    Language,
    JobTitle,
    Municipalities,
    Message,
    Status,
    DecisionReason,
    DecidedBy,
    CreatedAt,
    DecidedAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct AccessRequestRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub language: String,
    pub job_title: String,
    pub municipalities: String,
    pub message: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

pub(super) struct NewAccessRequest<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub language: &'a str,
    pub job_title: &'a str,
    pub municipalities: &'a str,
    pub message: &'a str,
}

pub(super) async fn insert_access_request(
    tx: &mut Tx,
    request: &NewAccessRequest<'_>,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let statement = Query::insert()
        .into_table(IdentityAccessRequest::Table)
        .columns([
            IdentityAccessRequest::Email,
            IdentityAccessRequest::DisplayName,
            IdentityAccessRequest::Language,
            IdentityAccessRequest::JobTitle,
            IdentityAccessRequest::Municipalities,
            IdentityAccessRequest::Message,
            IdentityAccessRequest::Status,
            IdentityAccessRequest::CreatedAt,
        ])
        .values_panic([
            request.email.into(),
            request.display_name.into(),
            request.language.into(),
            request.job_title.into(),
            request.municipalities.into(),
            request.message.into(),
            "pending".into(),
            now.trunc_subsecs(6).into(),
        ])
        .returning_col(IdentityAccessRequest::Id)
        .to_owned();
    #[derive(sqlx::FromRow)]
    struct IdRow {
        id: i64,
    }
    let rows: Vec<IdRow> = tx.fetch_all(&statement).await?;
    Ok(rows.first().map(|r| r.id).unwrap_or_default())
}

const ACCESS_COLUMNS: [IdentityAccessRequest; 9] = [
    IdentityAccessRequest::Id,
    IdentityAccessRequest::Email,
    IdentityAccessRequest::DisplayName,
    IdentityAccessRequest::Language,
    IdentityAccessRequest::JobTitle,
    IdentityAccessRequest::Municipalities,
    IdentityAccessRequest::Message,
    IdentityAccessRequest::Status,
    IdentityAccessRequest::CreatedAt,
];

pub(super) async fn pending_access_requests(db: &Db) -> Result<Vec<AccessRequestRow>, DbError> {
    let query = Query::select()
        .columns(ACCESS_COLUMNS)
        .from(IdentityAccessRequest::Table)
        .and_where(Expr::col(IdentityAccessRequest::Status).eq("pending"))
        .order_by(IdentityAccessRequest::Id, Order::Asc)
        .limit(200)
        .to_owned();
    db.fetch_all(&query).await
}

pub(super) async fn access_request(db: &Db, id: i64) -> Result<Option<AccessRequestRow>, DbError> {
    let query = Query::select()
        .columns(ACCESS_COLUMNS)
        .from(IdentityAccessRequest::Table)
        .and_where(Expr::col(IdentityAccessRequest::Id).eq(id))
        .to_owned();
    db.fetch_optional(&query).await
}

/// Records the decision; false when the request was decided meanwhile.
pub(super) async fn decide_access_request(
    tx: &mut Tx,
    id: i64,
    status: &str,
    reason: Option<&str>,
    decided_by: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let statement = Query::update()
        .table(IdentityAccessRequest::Table)
        .values([
            (IdentityAccessRequest::Status, status.into()),
            (
                IdentityAccessRequest::DecisionReason,
                reason.map(str::to_string).into(),
            ),
            (IdentityAccessRequest::DecidedBy, decided_by.into()),
            (
                IdentityAccessRequest::DecidedAt,
                now.trunc_subsecs(6).into(),
            ),
        ])
        .and_where(Expr::col(IdentityAccessRequest::Id).eq(id))
        .and_where(Expr::col(IdentityAccessRequest::Status).eq("pending"))
        .to_owned();
    Ok(tx.execute(&statement).await? == 1)
}

/// Forgets failed-attempt counters a day after the last failure, unless a lock still runs.
pub(super) async fn purge_throttles(db: &Db, now: DateTime<Utc>) -> Result<u64, DbError> {
    let statement = Query::delete()
        .from_table(IdentityThrottle::Table)
        .and_where(Expr::col(IdentityThrottle::LastFailureAt).lt(now - chrono::Duration::days(1)))
        .cond_where(
            Expr::col(IdentityThrottle::LockedUntil)
                .is_null()
                .or(Expr::col(IdentityThrottle::LockedUntil).lt(now)),
        )
        .to_owned();
    db.execute(&statement).await
}

/// Changes an account's role.
pub(super) async fn set_role(
    tx: &mut Tx,
    id: i64,
    role: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let statement = Query::update()
        .table(IdentityUser::Table)
        .value(IdentityUser::Role, role)
        .value(IdentityUser::UpdatedAt, now.trunc_subsecs(6))
        .and_where(Expr::col(IdentityUser::Id).eq(id))
        .to_owned();
    tx.execute(&statement).await.map(|_| ())
}

pub(super) async fn set_portfolio(
    tx: &mut Tx,
    user_id: i64,
    areas: &[String],
) -> Result<(), DbError> {
    replace_user_links(
        tx,
        IdentityUserPortfolio::Table,
        IdentityUserPortfolio::UserId,
        IdentityUserPortfolio::AreaCode,
        user_id,
        areas,
    )
    .await
}

/// Every (user, area) of the advisors' portfolios, in user then area order.
pub(super) async fn all_portfolios(db: &Db) -> Result<Vec<(i64, String)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct AreaRow {
        user_id: i64,
        area_code: String,
    }
    let query = Query::select()
        .columns([
            IdentityUserPortfolio::UserId,
            IdentityUserPortfolio::AreaCode,
        ])
        .from(IdentityUserPortfolio::Table)
        .order_by(IdentityUserPortfolio::UserId, Order::Asc)
        .order_by(IdentityUserPortfolio::AreaCode, Order::Asc)
        .to_owned();
    Ok(db
        .fetch_all::<AreaRow>(&query)
        .await?
        .into_iter()
        .map(|r| (r.user_id, r.area_code))
        .collect())
}

pub(super) async fn portfolio_of(db: &Db, user_id: i64) -> Result<Vec<String>, DbError> {
    #[derive(sqlx::FromRow)]
    struct AreaRow {
        area_code: String,
    }
    let query = Query::select()
        .column(IdentityUserPortfolio::AreaCode)
        .from(IdentityUserPortfolio::Table)
        .and_where(Expr::col(IdentityUserPortfolio::UserId).eq(user_id))
        .order_by(IdentityUserPortfolio::AreaCode, Order::Asc)
        .to_owned();
    Ok(db
        .fetch_all::<AreaRow>(&query)
        .await?
        .into_iter()
        .map(|r| r.area_code)
        .collect())
}

// Read by other capabilities through `identity::service`.

/// Active municipal accounts of some municipalities: (id, name, email), each once.
pub(crate) async fn municipal_members(
    db: &Db,
    codes: &[String],
) -> Result<Vec<(i64, String, String)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct MemberRow {
        id: i64,
        display_name: String,
        email: String,
    }
    if codes.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<MemberRow> = db
        .fetch_all(
            &Query::select()
                .distinct()
                .column((IdentityUser::Table, IdentityUser::Id))
                .column((IdentityUser::Table, IdentityUser::DisplayName))
                .column((IdentityUser::Table, IdentityUser::Email))
                .from(IdentityUserMunicipality::Table)
                .inner_join(
                    IdentityUser::Table,
                    Expr::col((IdentityUser::Table, IdentityUser::Id)).equals((
                        IdentityUserMunicipality::Table,
                        IdentityUserMunicipality::UserId,
                    )),
                )
                .and_where(Expr::col((IdentityUser::Table, IdentityUser::Status)).eq("active"))
                .and_where(Expr::col((IdentityUser::Table, IdentityUser::Role)).eq("municipal"))
                .and_where(
                    Expr::col((
                        IdentityUserMunicipality::Table,
                        IdentityUserMunicipality::Nis,
                    ))
                    .is_in(codes.iter().take(400).cloned()),
                )
                .order_by((IdentityUser::Table, IdentityUser::DisplayName), Order::Asc)
                .to_owned(),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.display_name, r.email))
        .collect())
}

/// The name of an account (shown for a linked contact role).
pub(crate) async fn account_name(db: &Db, id: i64) -> Result<Option<(String, String)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct NameRow {
        display_name: String,
        email: String,
    }
    let row: Option<NameRow> = db
        .fetch_optional(
            &Query::select()
                .column(IdentityUser::DisplayName)
                .column(IdentityUser::Email)
                .from(IdentityUser::Table)
                .and_where(Expr::col(IdentityUser::Id).eq(id))
                .to_owned(),
        )
        .await?;
    Ok(row.map(|r| (r.display_name, r.email)))
}

/// The municipal accounts (active) linked to each municipality: (nis, email, language).
pub(crate) async fn municipal_contacts(
    db: &Db,
    codes: &[String],
) -> Result<Vec<(String, String, String)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct ContactRow {
        nis: String,
        email: String,
        language: String,
    }
    let mut out = vec![];
    for batch in codes.chunks(400) {
        let rows: Vec<ContactRow> = db
            .fetch_all(
                &Query::select()
                    .column((
                        IdentityUserMunicipality::Table,
                        IdentityUserMunicipality::Nis,
                    ))
                    .column((IdentityUser::Table, IdentityUser::Email))
                    .column((IdentityUser::Table, IdentityUser::Language))
                    .from(IdentityUserMunicipality::Table)
                    .inner_join(
                        IdentityUser::Table,
                        Expr::col((IdentityUser::Table, IdentityUser::Id)).equals((
                            IdentityUserMunicipality::Table,
                            IdentityUserMunicipality::UserId,
                        )),
                    )
                    .and_where(Expr::col((IdentityUser::Table, IdentityUser::Status)).eq("active"))
                    .and_where(
                        Expr::col((
                            IdentityUserMunicipality::Table,
                            IdentityUserMunicipality::Nis,
                        ))
                        .is_in(batch.iter().cloned()),
                    )
                    .order_by((IdentityUser::Table, IdentityUser::Id), Order::Asc)
                    .to_owned(),
            )
            .await?;
        out.extend(rows.into_iter().map(|r| (r.nis, r.email, r.language)));
    }
    Ok(out)
}
