//! The demonstration data set (`radix serve --demo`).
//!
//! It marks the database as a demonstration database: every page then shows a banner saying
//! that the data is fictitious. Each capability adds its own fictitious records to the set
//! (accounts, LIVC-R statuses, requests) through `load`. Loading twice changes nothing.

use chrono::Utc;
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};

use crate::core::db::{Db, DbError};

#[derive(Iden)]
enum DemoDataset {
    Table,
    Name,
    LoadedAt,
}

const DEMO_NAME: &str = "radix-demo";

pub async fn load(db: &Db) -> Result<(), DbError> {
    let statement = Query::insert()
        .into_table(DemoDataset::Table)
        .columns([DemoDataset::Name, DemoDataset::LoadedAt])
        .values_panic([DEMO_NAME.into(), Utc::now().into()])
        .on_conflict(
            OnConflict::column(DemoDataset::Name)
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(&statement).await?;
    Ok(())
}

pub async fn is_loaded(db: &Db) -> Result<bool, DbError> {
    #[derive(sqlx::FromRow)]
    struct NameRow {
        #[expect(dead_code, reason = "only the presence of the row matters")]
        name: String,
    }
    let query = Query::select()
        .column(DemoDataset::Name)
        .from(DemoDataset::Table)
        .and_where(Expr::col(DemoDataset::Name).eq(DEMO_NAME))
        .to_owned();
    Ok(db.fetch_optional::<NameRow>(&query).await?.is_some())
}
