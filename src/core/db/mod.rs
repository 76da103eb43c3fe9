//! The database layer: the only place that knows both drivers.
//!
//! `Db` wraps a SQLite or a PostgreSQL pool, chosen at run time from the database URL.
//! Capabilities build statements with sea-query and run them through the helpers here, so
//! that the same code path serves both backends. Backend-specific SQL is allowed only inside
//! a storage function, as a visible `match db.backend()`.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sea_query::{
    DeleteStatement, InsertStatement, PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder,
    UpdateStatement,
};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool};

pub type DbError = sqlx::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A statement written by hand, once per backend, for what the query builder cannot say
/// (row locks with `SKIP LOCKED`, full-text search, `ON CONFLICT` upserts). Both texts take
/// the same values in the same order, as `$1`, `$2`, ...
#[derive(Debug, Clone)]
pub struct Raw {
    pub sqlite: &'static str,
    pub postgres: &'static str,
    pub values: Vec<sea_query::Value>,
}

impl Raw {
    /// The same text on both backends.
    pub fn both(sql: &'static str, values: Vec<sea_query::Value>) -> Raw {
        Raw {
            sqlite: sql,
            postgres: sql,
            values,
        }
    }
}

impl Statement for Raw {
    fn build_for(&self, backend: Backend) -> (String, SqlxValues) {
        let sql = match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        };
        (
            sql.to_string(),
            SqlxValues(sea_query::Values(self.values.clone())),
        )
    }
}

/// A statement built with sea-query that can be rendered for either backend.
pub trait Statement {
    fn build_for(&self, backend: Backend) -> (String, SqlxValues);
}

macro_rules! impl_statement {
    ($($t:ty),*) => {$(
        impl Statement for $t {
            fn build_for(&self, backend: Backend) -> (String, SqlxValues) {
                match backend {
                    Backend::Sqlite => self.build_sqlx(SqliteQueryBuilder),
                    Backend::Postgres => self.build_sqlx(PostgresQueryBuilder),
                }
            }
        }
    )*};
}
impl_statement!(InsertStatement, UpdateStatement, DeleteStatement);

impl Statement for SelectStatement {
    fn build_for(&self, backend: Backend) -> (String, SqlxValues) {
        match backend {
            Backend::Sqlite => inline_limit(self.build_sqlx(SqliteQueryBuilder), |_| "?".into()),
            Backend::Postgres => {
                inline_limit(self.build_sqlx(PostgresQueryBuilder), |n| format!("${n}"))
            }
        }
    }
}

/// Writes a final `LIMIT` (and `OFFSET`) parameter as a number. Both databases plan worse
/// with a bound limit: SQLite lets it steer the plan and then compiles the statement again at
/// every execution; PostgreSQL prices a generic plan as if it returned a tenth of the table,
/// so it keeps planning each execution of a prepared statement anew (profiles of the staff
/// pages showed a tenth of SQLite's time in re-preparing, and a third of PostgreSQL's in
/// planning). Limits are numbers chosen by the code, never user text; each distinct limit is
/// one more cached statement. `placeholder(n)` is how the backend writes the n-th parameter.
fn inline_limit(
    (mut sql, mut values): (String, SqlxValues),
    placeholder: impl Fn(usize) -> String,
) -> (String, SqlxValues) {
    fn number(value: Option<&sea_query::Value>) -> Option<u64> {
        match value? {
            sea_query::Value::BigUnsigned(Some(n)) => Some(*n),
            _ => None,
        }
    }
    let list = &mut values.0.0;
    let n = list.len();
    if n >= 2 {
        let tail = format!(" LIMIT {} OFFSET {}", placeholder(n - 1), placeholder(n));
        if sql.ends_with(&tail)
            && let (Some(limit), Some(offset)) = (number(list.get(n - 2)), number(list.get(n - 1)))
        {
            list.truncate(n - 2);
            sql.truncate(sql.len() - tail.len());
            sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
            return (sql, values);
        }
    }
    if n >= 1 {
        let tail = format!(" LIMIT {}", placeholder(n));
        if sql.ends_with(&tail)
            && let Some(limit) = number(list.last())
        {
            list.pop();
            sql.truncate(sql.len() - tail.len());
            sql.push_str(&format!(" LIMIT {limit}"));
        }
    }
    (sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{Alias, Expr, ExprTrait, Query};

    #[test]
    fn limits_are_written_as_numbers_and_other_values_stay_bound() {
        let mut select = Query::select();
        select
            .column(Alias::new("id"))
            .from(Alias::new("t"))
            .and_where(Expr::col(Alias::new("name")).eq("LIMIT ?"))
            .limit(25);
        let (sql, values) = select.build_for(Backend::Sqlite);
        assert!(sql.ends_with(" LIMIT 25"), "{sql}");
        assert_eq!(values.0.0.len(), 1);
        let (sql, values) = select.build_for(Backend::Postgres);
        assert!(sql.ends_with("\"name\" = $1 LIMIT 25"), "{sql}");
        assert_eq!(values.0.0.len(), 1);
        select.offset(50);
        let (sql, values) = select.build_for(Backend::Sqlite);
        assert!(sql.ends_with(" LIMIT 25 OFFSET 50"), "{sql}");
        assert_eq!(values.0.0.len(), 1);
        let (sql, values) = select.build_for(Backend::Postgres);
        assert!(sql.ends_with("\"name\" = $1 LIMIT 25 OFFSET 50"), "{sql}");
        assert_eq!(values.0.0.len(), 1);
        // A query without a limit keeps all its parameters.
        let mut plain = Query::select();
        plain
            .column(Alias::new("id"))
            .from(Alias::new("t"))
            .and_where(Expr::col(Alias::new("n")).eq(7u64));
        let (sql, values) = plain.build_for(Backend::Postgres);
        assert!(sql.ends_with("\"n\" = $1"), "{sql}");
        assert_eq!(values.0.0.len(), 1);
    }
}

/// Row types that both drivers can decode.
pub trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}
impl<T> Row for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static
{
}

/// How long a pooled connection may rest before it is checked again when taken.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(10);

/// Checks a connection taken from the pool only when it rested a while. The pool already
/// checks every connection when it is given back, so one in steady use is known to work;
/// checking it again when taken (the driver's default) cost one more round trip to the
/// database for every query. Idle connections are still checked: a database restart or a
/// network device closes them unseen. `false` makes the pool drop it and open another.
async fn check_if_idle<C: sqlx::Connection>(
    connection: &mut C,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if meta.idle_for < CHECK_AFTER_IDLE {
        return Ok(true);
    }
    Ok(connection.ping().await.is_ok())
}

/// Options that tune the pool; tests use small pools.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// PostgreSQL schema to use (tests isolate themselves in a fresh schema).
    pub pg_schema: Option<String>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 16,
            pg_schema: None,
        }
    }
}

impl Db {
    /// Connects to `url`: `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Db, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut options = PgConnectOptions::from_str(url)?.application_name("radix");
            if let Some(schema) = &settings.pg_schema {
                options = options.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                .before_acquire(|connection, meta| Box::pin(check_if_idle(connection, meta)))
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            // synchronous=FULL: a write acknowledged to a user survives a crash of the process
            // and of the machine (see docs/adr/0002-storage.md).
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                // Reads go through a memory map shared by all connections instead of a copy
                // into each connection's small page cache: several times less CPU per page
                // for pages that read a few hundred rows. Writes still go through the WAL.
                .pragma("mmap_size", "1073741824");
            let pool = SqlitePoolOptions::new()
                .max_connections(settings.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                .before_acquire(|connection, meta| Box::pin(check_if_idle(connection, meta)))
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        }
    }

    /// The default SQLite URL for a data directory.
    pub fn sqlite_url_in(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("radix.sqlite3").display())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations of the active backend; already applied ones are skipped.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
    }

    /// Number of migrations known to this binary and not yet applied to the database.
    pub async fn pending_migrations(&self) -> Result<usize, DbError> {
        let (known, table_query) = match self {
            Db::Sqlite(_) => (
                sqlx::migrate!("migrations/sqlite").migrations.len(),
                "SELECT COUNT(*) FROM _sqlx_migrations WHERE success",
            ),
            Db::Postgres(_) => (
                sqlx::migrate!("migrations/postgres").migrations.len(),
                "SELECT COUNT(*) FROM _sqlx_migrations WHERE success",
            ),
        };
        let applied: i64 = match self {
            Db::Sqlite(pool) => sqlx::query_scalar(table_query).fetch_one(pool).await?,
            Db::Postgres(pool) => sqlx::query_scalar(table_query).fetch_one(pool).await?,
        };
        Ok(known.saturating_sub(usize::try_from(applied).unwrap_or(0)))
    }

    pub async fn fetch_all<T: Row>(&self, statement: &impl Statement) -> Result<Vec<T>, DbError> {
        let (sql, values) = statement.build_for(self.backend());
        match self {
            Db::Sqlite(pool) => {
                sqlx::query_as_with::<Sqlite, T, _>(sqlx::AssertSqlSafe(sql), values)
                    .fetch_all(pool)
                    .await
            }
            Db::Postgres(pool) => {
                sqlx::query_as_with::<Postgres, T, _>(sqlx::AssertSqlSafe(sql), values)
                    .fetch_all(pool)
                    .await
            }
        }
    }

    pub async fn fetch_optional<T: Row>(
        &self,
        statement: &impl Statement,
    ) -> Result<Option<T>, DbError> {
        let (sql, values) = statement.build_for(self.backend());
        match self {
            Db::Sqlite(pool) => {
                sqlx::query_as_with::<Sqlite, T, _>(sqlx::AssertSqlSafe(sql), values)
                    .fetch_optional(pool)
                    .await
            }
            Db::Postgres(pool) => {
                sqlx::query_as_with::<Postgres, T, _>(sqlx::AssertSqlSafe(sql), values)
                    .fetch_optional(pool)
                    .await
            }
        }
    }

    pub async fn execute(&self, statement: &impl Statement) -> Result<u64, DbError> {
        let (sql, values) = statement.build_for(self.backend());
        match self {
            Db::Sqlite(pool) => Ok(
                sqlx::query_with::<Sqlite, _>(sqlx::AssertSqlSafe(sql), values)
                    .execute(pool)
                    .await?
                    .rows_affected(),
            ),
            Db::Postgres(pool) => Ok(sqlx::query_with::<Postgres, _>(
                sqlx::AssertSqlSafe(sql),
                values,
            )
            .execute(pool)
            .await?
            .rows_affected()),
        }
    }

    /// Checks that the database answers (used by `/readyz`).
    pub async fn ping(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()),
            Db::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()),
        }
    }

    pub async fn begin(&self) -> Result<Tx, DbError> {
        match self {
            Db::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin().await?)),
            Db::Postgres(pool) => Ok(Tx::Postgres(pool.begin().await?)),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// A transaction on either backend; dropped without `commit` it rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn execute(&mut self, statement: &impl Statement) -> Result<u64, DbError> {
        let (sql, values) = statement.build_for(self.backend());
        match self {
            Tx::Sqlite(tx) => Ok(
                sqlx::query_with::<Sqlite, _>(sqlx::AssertSqlSafe(sql), values)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected(),
            ),
            Tx::Postgres(tx) => Ok(sqlx::query_with::<Postgres, _>(
                sqlx::AssertSqlSafe(sql),
                values,
            )
            .execute(&mut **tx)
            .await?
            .rows_affected()),
        }
    }

    pub async fn fetch_all<T: Row>(
        &mut self,
        statement: &impl Statement,
    ) -> Result<Vec<T>, DbError> {
        let (sql, values) = statement.build_for(self.backend());
        match self {
            Tx::Sqlite(tx) => {
                sqlx::query_as_with::<Sqlite, T, _>(sqlx::AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await
            }
            Tx::Postgres(tx) => {
                sqlx::query_as_with::<Postgres, T, _>(sqlx::AssertSqlSafe(sql), values)
                    .fetch_all(&mut **tx)
                    .await
            }
        }
    }

    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// Describes the schema (tables, columns, nullability, indexes) in a backend-neutral form,
/// so that a test can prove the two migration trees have not drifted apart.
pub mod schema;
