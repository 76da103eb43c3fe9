//! Revisions: the one way an instance learns that data it keeps in memory is stale.
//!
//! Each kind of cached data has a named counter in `core_revision`. The transaction that
//! changes the data raises its counter (`raise`), so the new value becomes visible exactly
//! when the change does. Before a request is handled the state reads all counters (one read
//! of a small table, see `AppState::freshen`) and reloads only the caches whose counter
//! moved; the page cache is keyed by the same counters. This is exact with several instances
//! on one database and needs no message between them.

use sea_query::{Expr, ExprTrait, Iden, OnConflict, Order, Query};

use crate::core::db::{Db, DbError, Tx};

#[derive(Iden, Clone, Copy)]
enum CoreRevision {
    Table,
    Name,
    Revision,
}

/// Raises the counter `name` inside the transaction that changes the data it guards.
pub async fn raise(tx: &mut Tx, name: &str) -> Result<(), DbError> {
    tx.execute(
        &Query::insert()
            .into_table(CoreRevision::Table)
            .columns([CoreRevision::Name, CoreRevision::Revision])
            .values_panic([name.into(), 1i64.into()])
            .on_conflict(
                OnConflict::column(CoreRevision::Name)
                    .value(
                        CoreRevision::Revision,
                        Expr::col((CoreRevision::Table, CoreRevision::Revision)).add(1),
                    )
                    .to_owned(),
            )
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Raises a counter in a transaction of its own, for changes made outside the platform's
/// writes (a migration run by hand, a test).
pub async fn raise_now(db: &Db, name: &str) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    raise(&mut tx, name).await?;
    tx.commit().await
}

/// One counter (0 when it was never raised): one primary-key read.
pub async fn current(db: &Db, name: &str) -> Result<i64, DbError> {
    #[derive(sqlx::FromRow)]
    struct RevisionRow {
        revision: i64,
    }
    let row: Option<RevisionRow> = db
        .fetch_optional(
            &Query::select()
                .column(CoreRevision::Revision)
                .from(CoreRevision::Table)
                .and_where(Expr::col(CoreRevision::Name).eq(name))
                .to_owned(),
        )
        .await?;
    Ok(row.map(|r| r.revision).unwrap_or_default())
}

/// Every counter, by name.
pub async fn all(db: &Db) -> Result<Revisions, DbError> {
    #[derive(sqlx::FromRow)]
    struct RevisionRow {
        name: String,
        revision: i64,
    }
    let rows: Vec<RevisionRow> = db
        .fetch_all(
            &Query::select()
                .columns([CoreRevision::Name, CoreRevision::Revision])
                .from(CoreRevision::Table)
                .order_by(CoreRevision::Name, Order::Asc)
                .to_owned(),
        )
        .await?;
    Ok(Revisions(
        rows.into_iter().map(|r| (r.name, r.revision)).collect(),
    ))
}

/// The counters read at one moment, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Revisions(Vec<(String, i64)>);

impl Revisions {
    pub fn get(&self, name: &str) -> i64 {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| *r)
            .unwrap_or_default()
    }

    /// Whether `name` differs between two readings (a counter that appeared counts).
    pub fn moved(&self, earlier: Option<&Revisions>, name: &str) -> bool {
        earlier.is_none_or(|earlier| earlier.get(name) != self.get(name))
    }
}
