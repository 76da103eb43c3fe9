//! Storage of sessions. They live in the database so that they work across instances and
//! survive restarts. The cookie holds a random id; the database holds only its hash. Idle
//! timeout 30 minutes, absolute timeout 12 hours; a new id at sign-in and when privileges
//! change.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::core::auth::Role;
use crate::core::auth::password::{random_token, token_hash};
use crate::core::auth::session::{ABSOLUTE_TIMEOUT_HOURS, IDLE_TIMEOUT_MINUTES, SessionUser};
use crate::core::db::{Db, DbError, Tx};
use crate::core::i18n::Lang;

/// last_seen_at is written at most this often, so reading pages does not write every time.
const TOUCH_EVERY_SECONDS: i64 = 60;

#[derive(Iden)]
enum IdentitySession {
    Table,
    IdHash,
    UserId,
    CsrfToken,
    SecondFactorDone,
    CreatedAt,
    LastSeenAt,
    AuthenticatedAt,
    Ip,
    UserAgent,
}

#[derive(Iden)]
enum IdentityUser {
    Table,
    Id,
    Email,
    DisplayName,
    Language,
    Role,
    Status,
    TotpEnabled,
}

#[derive(Debug, sqlx::FromRow)]
struct SessionRow {
    id_hash: String,
    user_id: i64,
    csrf_token: String,
    second_factor_done: bool,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    authenticated_at: DateTime<Utc>,
    email: String,
    display_name: String,
    language: String,
    role: String,
    status: String,
    totp_enabled: bool,
}

/// A session as listed on the profile page.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct SessionSummary {
    pub id_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: String,
}

/// Creates a session and returns the cookie value (the only copy of the id).
pub async fn create(
    tx: &mut Tx,
    user_id: i64,
    second_factor_done: bool,
    ip: &str,
    user_agent: &str,
    now: DateTime<Utc>,
) -> Result<String, DbError> {
    let now = now.trunc_subsecs(6);
    let id = random_token();
    let statement = Query::insert()
        .into_table(IdentitySession::Table)
        .columns([
            IdentitySession::IdHash,
            IdentitySession::UserId,
            IdentitySession::CsrfToken,
            IdentitySession::SecondFactorDone,
            IdentitySession::CreatedAt,
            IdentitySession::LastSeenAt,
            IdentitySession::AuthenticatedAt,
            IdentitySession::Ip,
            IdentitySession::UserAgent,
        ])
        .values_panic([
            token_hash(&id).into(),
            user_id.into(),
            random_token().into(),
            second_factor_done.into(),
            now.into(),
            now.into(),
            now.into(),
            ip.chars().take(64).collect::<String>().into(),
            user_agent.chars().take(200).collect::<String>().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(id)
}

/// Looks up the session behind a cookie value; expired sessions are deleted and ignored.
pub async fn lookup(
    db: &Db,
    cookie_value: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionUser>, DbError> {
    if cookie_value.len() != 43 {
        return Ok(None);
    }
    let id_hash = token_hash(cookie_value);
    let query = Query::select()
        .columns([
            (IdentitySession::Table, IdentitySession::IdHash),
            (IdentitySession::Table, IdentitySession::UserId),
            (IdentitySession::Table, IdentitySession::CsrfToken),
            (IdentitySession::Table, IdentitySession::SecondFactorDone),
            (IdentitySession::Table, IdentitySession::CreatedAt),
            (IdentitySession::Table, IdentitySession::LastSeenAt),
            (IdentitySession::Table, IdentitySession::AuthenticatedAt),
        ])
        .columns([
            (IdentityUser::Table, IdentityUser::Email),
            (IdentityUser::Table, IdentityUser::DisplayName),
            (IdentityUser::Table, IdentityUser::Language),
            (IdentityUser::Table, IdentityUser::Role),
            (IdentityUser::Table, IdentityUser::Status),
            (IdentityUser::Table, IdentityUser::TotpEnabled),
        ])
        .from(IdentitySession::Table)
        .inner_join(
            IdentityUser::Table,
            Expr::col((IdentityUser::Table, IdentityUser::Id))
                .equals((IdentitySession::Table, IdentitySession::UserId)),
        )
        .and_where(Expr::col((IdentitySession::Table, IdentitySession::IdHash)).eq(id_hash.clone()))
        .to_owned();
    let Some(row) = db.fetch_optional::<SessionRow>(&query).await? else {
        return Ok(None);
    };
    let idle_expired = now - row.last_seen_at > Duration::minutes(IDLE_TIMEOUT_MINUTES);
    let absolute_expired = now - row.created_at > Duration::hours(ABSOLUTE_TIMEOUT_HOURS);
    let (Some(role), Some(language)) = (Role::from_code(&row.role), Lang::from_code(&row.language))
    else {
        return Ok(None);
    };
    if idle_expired || absolute_expired || row.status != "active" {
        delete(db, &id_hash).await?;
        return Ok(None);
    }
    if now - row.last_seen_at > Duration::seconds(TOUCH_EVERY_SECONDS) {
        let touch = Query::update()
            .table(IdentitySession::Table)
            .value(IdentitySession::LastSeenAt, now.trunc_subsecs(6))
            .and_where(Expr::col(IdentitySession::IdHash).eq(id_hash.clone()))
            .to_owned();
        db.execute(&touch).await?;
    }
    Ok(Some(SessionUser {
        session_id_hash: row.id_hash,
        user_id: row.user_id,
        email: row.email,
        display_name: row.display_name,
        language,
        role,
        totp_enabled: row.totp_enabled,
        second_factor_done: row.second_factor_done,
        csrf_token: row.csrf_token,
        authenticated_at: row.authenticated_at,
    }))
}

pub async fn delete(db: &Db, id_hash: &str) -> Result<(), DbError> {
    let statement = Query::delete()
        .from_table(IdentitySession::Table)
        .and_where(Expr::col(IdentitySession::IdHash).eq(id_hash))
        .to_owned();
    db.execute(&statement).await.map(|_| ())
}

/// Ends one session inside a transaction (when a new one replaces it).
pub async fn delete_in(tx: &mut Tx, id_hash: &str) -> Result<(), DbError> {
    let statement = Query::delete()
        .from_table(IdentitySession::Table)
        .and_where(Expr::col(IdentitySession::IdHash).eq(id_hash))
        .to_owned();
    tx.execute(&statement).await.map(|_| ())
}

/// Ends sessions of a user, all of them or all but one.
pub async fn delete_all_for_user(
    tx: &mut Tx,
    user_id: i64,
    except_id_hash: Option<&str>,
) -> Result<u64, DbError> {
    let mut statement = Query::delete();
    statement
        .from_table(IdentitySession::Table)
        .and_where(Expr::col(IdentitySession::UserId).eq(user_id));
    if let Some(keep) = except_id_hash {
        statement.and_where(Expr::col(IdentitySession::IdHash).ne(keep));
    }
    tx.execute(&statement).await
}

/// Deletes sessions past their idle or absolute timeout (they would be refused anyway).
pub async fn purge_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, DbError> {
    let statement = Query::delete()
        .from_table(IdentitySession::Table)
        .cond_where(
            Expr::col(IdentitySession::LastSeenAt)
                .lt(now - Duration::minutes(IDLE_TIMEOUT_MINUTES))
                .or(Expr::col(IdentitySession::CreatedAt)
                    .lt(now - Duration::hours(ABSOLUTE_TIMEOUT_HOURS))),
        )
        .to_owned();
    db.execute(&statement).await
}

pub async fn list_for_user(db: &Db, user_id: i64) -> Result<Vec<SessionSummary>, DbError> {
    let query = Query::select()
        .columns([
            IdentitySession::IdHash,
            IdentitySession::CreatedAt,
            IdentitySession::LastSeenAt,
            IdentitySession::Ip,
            IdentitySession::UserAgent,
        ])
        .from(IdentitySession::Table)
        .and_where(Expr::col(IdentitySession::UserId).eq(user_id))
        .order_by(IdentitySession::LastSeenAt, Order::Desc)
        .to_owned();
    db.fetch_all(&query).await
}
