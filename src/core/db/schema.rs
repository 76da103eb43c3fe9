//! A backend-neutral description of the schema, used by the migration drift test.

use std::collections::BTreeMap;

use super::{Db, DbError};

/// Table name → (column name → nullable), plus the explicitly named indexes.
#[derive(Debug, PartialEq, Eq, Default)]
pub struct SchemaShape {
    pub tables: BTreeMap<String, BTreeMap<String, bool>>,
    pub indexes: Vec<String>,
}

pub async fn describe(db: &Db) -> Result<SchemaShape, DbError> {
    let mut shape = SchemaShape::default();
    match db {
        Db::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
            )
            .fetch_all(pool)
            .await?;
            for table in tables {
                let columns: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT name, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid",
                )
                .bind(&table)
                .fetch_all(pool)
                .await?;
                let entry = shape.tables.entry(table).or_default();
                for (name, not_null, pk) in columns {
                    entry.insert(name, not_null == 0 && pk == 0);
                }
            }
            shape.indexes = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%' ORDER BY name",
            )
            .fetch_all(pool)
            .await?;
        }
        Db::Postgres(pool) => {
            let columns: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, is_nullable::text \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name <> '_sqlx_migrations' ORDER BY table_name, ordinal_position",
            )
            .fetch_all(pool)
            .await?;
            for (table, column, nullable) in columns {
                shape
                    .tables
                    .entry(table)
                    .or_default()
                    .insert(column, nullable == "YES");
            }
            shape.indexes = sqlx::query_scalar(
                "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() \
                 AND indexname LIKE 'idx_%' ORDER BY indexname",
            )
            .fetch_all(pool)
            .await?;
        }
    }
    Ok(shape)
}
