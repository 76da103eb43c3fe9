//! The audit trail: who did what, when, from where, to which entity — append-only and
//! tamper-evident. Each entry carries the hash of the previous one; `verify` recomputes the
//! chain and names the first entry that does not match.
//!
//! Call `record` inside the same transaction as the change it describes. Never put secrets
//! (passwords, tokens, codes) in `details`.

use chrono::{DateTime, SubsecRound, Utc};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::core::db::{Db, DbError, Tx};

#[derive(Iden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    ActorUserId,
    ActorLabel,
    Ip,
    Action,
    EntityType,
    EntityId,
    Details,
    PreviousHash,
    EntryHash,
}

/// Who acted: a signed-in user, an anonymous visitor, or the system (CLI, jobs).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// A pseudonymous label: "user:42", "anonymous", "system:cli".
    pub label: String,
    pub ip: String,
}

impl Actor {
    pub fn user(user_id: i64, ip: &str) -> Actor {
        Actor {
            user_id: Some(user_id),
            label: format!("user:{user_id}"),
            ip: ip.to_string(),
        }
    }
    pub fn anonymous(ip: &str) -> Actor {
        Actor {
            user_id: None,
            label: "anonymous".into(),
            ip: ip.to_string(),
        }
    }
    pub fn system(what: &str) -> Actor {
        Actor {
            user_id: None,
            label: format!("system:{what}"),
            ip: "-".into(),
        }
    }
}

/// One audit entry to write; `action` is `capability.object.verb`.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub details: Value,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub ip: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub details: String,
    pub previous_hash: String,
    pub entry_hash: String,
}

const GENESIS: &str = "genesis";

#[derive(Iden)]
enum AuditAnchor {
    Table,
    Name,
    LastPrunedId,
    LastPrunedHash,
}

/// How long the trail is kept.
pub const RETENTION_DAYS: i64 = 2 * 365;

#[derive(sqlx::FromRow)]
struct AnchorRow {
    last_pruned_id: i64,
    last_pruned_hash: String,
}

async fn anchor(db: &Db) -> Result<Option<AnchorRow>, DbError> {
    let query = Query::select()
        .columns([AuditAnchor::LastPrunedId, AuditAnchor::LastPrunedHash])
        .from(AuditAnchor::Table)
        .and_where(Expr::col(AuditAnchor::Name).eq("audit_log"))
        .to_owned();
    db.fetch_optional(&query).await
}

/// Deletes entries older than the retention period, keeping the hash of the last deleted
/// one as the anchor from which the remaining chain is verified. Returns how many went.
pub async fn prune(db: &Db, now: DateTime<Utc>) -> Result<u64, DbError> {
    let cutoff = now - chrono::Duration::days(RETENTION_DAYS);
    let mut tx = db.begin().await?;
    if let Tx::Postgres(pg) = &mut tx {
        sqlx::query("SELECT pg_advisory_xact_lock(7270001)")
            .execute(&mut **pg)
            .await?;
    }
    let last = Query::select()
        .columns([AuditLog::Id, AuditLog::EntryHash])
        .from(AuditLog::Table)
        .and_where(Expr::col(AuditLog::OccurredAt).lt(cutoff))
        .order_by(AuditLog::Id, Order::Desc)
        .limit(1)
        .to_owned();
    #[derive(sqlx::FromRow)]
    struct LastRow {
        id: i64,
        entry_hash: String,
    }
    let rows: Vec<LastRow> = tx.fetch_all(&last).await?;
    let Some(last) = rows.into_iter().next() else {
        return Ok(0);
    };
    let upsert = Query::insert()
        .into_table(AuditAnchor::Table)
        .columns([
            AuditAnchor::Name,
            AuditAnchor::LastPrunedId,
            AuditAnchor::LastPrunedHash,
        ])
        .values_panic([
            "audit_log".into(),
            last.id.into(),
            last.entry_hash.clone().into(),
        ])
        .on_conflict(
            sea_query::OnConflict::column(AuditAnchor::Name)
                .update_columns([AuditAnchor::LastPrunedId, AuditAnchor::LastPrunedHash])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&upsert).await?;
    let delete = Query::delete()
        .from_table(AuditLog::Table)
        .and_where(Expr::col(AuditLog::Id).lte(last.id))
        .to_owned();
    let removed = tx.execute(&delete).await?;
    tx.commit().await?;
    Ok(removed)
}

fn entry_hash(row: &AuditRow) -> String {
    let mut hasher = Sha256::new();
    for part in [
        row.previous_hash.as_str(),
        &row.occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        &row.actor_user_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        &row.actor_label,
        &row.ip,
        &row.action,
        &row.entity_type,
        &row.entity_id,
        &row.details,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Appends an entry to the chain inside `tx`.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    // Entries must be chained in commit order: PostgreSQL serialises writers with a
    // transaction-scoped advisory lock; SQLite has a single writer already, and the insert
    // below takes its write lock before the previous entry is read.
    if let Tx::Postgres(pg) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock(7270001)")
            .execute(&mut **pg)
            .await?;
    }
    let occurred_at = now.trunc_subsecs(6);
    let details = entry.details.to_string();
    let mut row = AuditRow {
        id: 0,
        occurred_at,
        actor_user_id: actor.user_id,
        actor_label: actor.label.clone(),
        ip: actor.ip.clone(),
        action: entry.action.to_string(),
        entity_type: entry.entity_type.to_string(),
        entity_id: entry.entity_id,
        details,
        previous_hash: String::new(),
        entry_hash: String::new(),
    };
    let insert = Query::insert()
        .into_table(AuditLog::Table)
        .columns([
            AuditLog::OccurredAt,
            AuditLog::ActorUserId,
            AuditLog::ActorLabel,
            AuditLog::Ip,
            AuditLog::Action,
            AuditLog::EntityType,
            AuditLog::EntityId,
            AuditLog::Details,
            AuditLog::PreviousHash,
            AuditLog::EntryHash,
        ])
        .values_panic([
            row.occurred_at.into(),
            row.actor_user_id.into(),
            row.actor_label.clone().into(),
            row.ip.clone().into(),
            row.action.clone().into(),
            row.entity_type.clone().into(),
            row.entity_id.clone().into(),
            row.details.clone().into(),
            "".into(),
            "".into(),
        ])
        .returning_col(AuditLog::Id)
        .to_owned();
    #[derive(sqlx::FromRow)]
    struct IdRow {
        id: i64,
    }
    let inserted: Vec<IdRow> = tx.fetch_all(&insert).await?;
    row.id = inserted.first().map(|r| r.id).unwrap_or_default();
    #[derive(sqlx::FromRow)]
    struct HashRow {
        entry_hash: String,
    }
    let previous = Query::select()
        .column(AuditLog::EntryHash)
        .from(AuditLog::Table)
        .and_where(Expr::col(AuditLog::Id).lt(row.id))
        .order_by(AuditLog::Id, Order::Desc)
        .limit(1)
        .to_owned();
    let previous: Vec<HashRow> = tx.fetch_all(&previous).await?;
    row.previous_hash = previous
        .first()
        .map(|r| r.entry_hash.clone())
        .unwrap_or_else(|| GENESIS.to_string());
    row.entry_hash = entry_hash(&row);
    let update = Query::update()
        .table(AuditLog::Table)
        .values([
            (AuditLog::PreviousHash, row.previous_hash.clone().into()),
            (AuditLog::EntryHash, row.entry_hash.clone().into()),
        ])
        .and_where(Expr::col(AuditLog::Id).eq(row.id))
        .to_owned();
    tx.execute(&update).await?;
    Ok(())
}

/// Records a single entry in its own transaction (for events that change nothing else,
/// such as a failed sign-in).
pub async fn record_alone(
    db: &Db,
    actor: &Actor,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    record(&mut tx, actor, entry, now).await?;
    tx.commit().await
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact { entries: usize },
    Broken { entry_id: i64 },
}

const COLUMNS: [AuditLog; 11] = [
    AuditLog::Id,
    AuditLog::OccurredAt,
    AuditLog::ActorUserId,
    AuditLog::ActorLabel,
    AuditLog::Ip,
    AuditLog::Action,
    AuditLog::EntityType,
    AuditLog::EntityId,
    AuditLog::Details,
    AuditLog::PreviousHash,
    AuditLog::EntryHash,
];

/// Recomputes the whole chain, in pages, and names the first entry that does not match.
pub async fn verify(db: &Db) -> Result<Verification, DbError> {
    let (mut previous, mut last_id) = match anchor(db).await? {
        Some(anchor) => (anchor.last_pruned_hash, anchor.last_pruned_id),
        None => (GENESIS.to_string(), 0i64),
    };
    let mut count = 0usize;
    loop {
        let page = Query::select()
            .columns(COLUMNS)
            .from(AuditLog::Table)
            .and_where(Expr::col(AuditLog::Id).gt(last_id))
            .order_by(AuditLog::Id, Order::Asc)
            .limit(1000)
            .to_owned();
        let rows: Vec<AuditRow> = db.fetch_all(&page).await?;
        if rows.is_empty() {
            return Ok(Verification::Intact { entries: count });
        }
        for row in rows {
            if row.previous_hash != previous || entry_hash(&row) != row.entry_hash {
                return Ok(Verification::Broken { entry_id: row.id });
            }
            previous = row.entry_hash.clone();
            last_id = row.id;
            count += 1;
        }
    }
}

/// Filters of the audit viewer.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub action_prefix: Option<String>,
    pub actor_user_id: Option<i64>,
    /// (entity type, entity id): entries about one object.
    pub entity: Option<(String, String)>,
    pub before_id: Option<i64>,
    pub limit: u64,
}

pub async fn list(db: &Db, filter: &AuditFilter) -> Result<Vec<AuditRow>, DbError> {
    let mut query = Query::select();
    query
        .columns(COLUMNS)
        .from(AuditLog::Table)
        .order_by(AuditLog::Id, Order::Desc)
        .limit(filter.limit.clamp(1, 10_000));
    if let Some(prefix) = &filter.action_prefix {
        // Action names are [a-z._] only; the prefix is checked by the caller.
        query.and_where(Expr::col(AuditLog::Action).like(format!("{prefix}%")));
    }
    if let Some(user) = filter.actor_user_id {
        query.and_where(Expr::col(AuditLog::ActorUserId).eq(user));
    }
    if let Some((entity_type, entity_id)) = &filter.entity {
        query.and_where(Expr::col(AuditLog::EntityType).eq(entity_type.as_str()));
        query.and_where(Expr::col(AuditLog::EntityId).eq(entity_id.as_str()));
    }
    if let Some(before) = filter.before_id {
        query.and_where(Expr::col(AuditLog::Id).lt(before));
    }
    db.fetch_all(&query).await
}
