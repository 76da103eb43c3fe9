//! The labelled demonstration data set (`radix serve --demo`).
//!
//! Loading it marks the database as a demonstration database (every page then says that
//! the data is fictitious, see the `demo` revision) and runs each capability's demo hook in
//! the order of the capability list. Loading twice adds nothing.

use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};

use crate::core::capability::Capability;
use crate::core::context::Context;
use crate::core::db::{Db, DbError};

#[derive(Iden)]
enum DemoDataset {
    Table,
    Name,
    LoadedAt,
}

const DEMO_NAME: &str = "radix-demo";

/// Runs every capability's demo hook, then marks the database as a demonstration.
pub async fn load<S>(ctx: &Context<'_>, capabilities: &[Capability<S>]) -> anyhow::Result<()> {
    for capability in capabilities {
        if let Some(demo) = capability.demo {
            let added = demo(ctx).await?;
            if added > 0 {
                tracing::info!(capability = capability.name, added, "demo records loaded");
            }
        }
    }
    let mut tx = ctx.db.begin().await?;
    let inserted = tx
        .execute(
            &Query::insert()
                .into_table(DemoDataset::Table)
                .columns([DemoDataset::Name, DemoDataset::LoadedAt])
                .values_panic([DEMO_NAME.into(), ctx.now.into()])
                .on_conflict(
                    OnConflict::column(DemoDataset::Name)
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
    if inserted > 0 {
        crate::core::revision::raise(&mut tx, "demo").await?;
    }
    tx.commit().await?;
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
