//! The demonstration data set (`radix serve --demo`).
//!
//! It marks the database as a demonstration database — every page then says that the data
//! is fictitious — and adds fictitious records that each capability contributes: today a
//! set of accounts, one per role, on the reserved `.invalid` domain. Loading twice changes
//! nothing.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};

use crate::core::audit::Actor;
use crate::core::auth::Role;
use crate::core::db::{Db, DbError};
use crate::core::i18n::{I18n, Lang};
use crate::identity::service::{self, Context, IdentityError, NewAccount};

#[derive(Iden)]
enum DemoDataset {
    Table,
    Name,
    LoadedAt,
}

const DEMO_NAME: &str = "radix-demo";

/// The password of every demonstration account (the database says it is a demo).
pub const DEMO_PASSWORD: &str = "Demonstratie zonder echte gegevens";

/// Fictitious accounts: (email, name, language, role, municipalities).
pub const DEMO_ACCOUNTS: [(&str, &str, Lang, Role, &[&str]); 6] = [
    (
        "admin@demo.radix.invalid",
        "Demo Administrator",
        Lang::En,
        Role::Admin,
        &[],
    ),
    (
        "backoffice@demo.radix.invalid",
        "Demo Back-Office",
        Lang::Fr,
        Role::Backoffice,
        &[],
    ),
    (
        "advisor@demo.radix.invalid",
        "Demo Front-Office",
        Lang::Nl,
        Role::Advisor,
        &[],
    ),
    (
        "gent@demo.radix.invalid",
        "Demo Preventiedienst Gent",
        Lang::Nl,
        Role::Municipal,
        &["44021"],
    ),
    (
        "liege@demo.radix.invalid",
        "Démo Service prévention Liège",
        Lang::Fr,
        Role::Municipal,
        &["62063"],
    ),
    (
        "eupen@demo.radix.invalid",
        "Demo Präventionsdienst Eupen",
        Lang::De,
        Role::Municipal,
        &["63023", "63040"],
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error("demo account: {0}")]
    Account(#[from] IdentityError),
}

pub async fn load(db: &Db, i18n: &I18n, now: DateTime<Utc>) -> Result<(), DemoError> {
    let ctx = Context {
        db,
        i18n,
        base_url: "",
        now,
    };
    for (email, name, language, role, municipalities) in DEMO_ACCOUNTS {
        if service::user_id_by_email(db, email).await?.is_some() {
            continue;
        }
        service::create_active_account(
            &ctx,
            &NewAccount {
                email: email.into(),
                display_name: name.into(),
                language,
                role,
                municipalities: municipalities.iter().map(|m| String::from(*m)).collect(),
            },
            DEMO_PASSWORD,
            &Actor::system("demo"),
        )
        .await?;
    }
    let geography = crate::geo::service::load_geography(db).await?;
    let added = crate::registry::demo::load(db, &geography, 0, now).await?;
    if added > 0 {
        tracing::info!(observations = added, "demo LIVC-R history loaded");
    }
    let ctx = Context {
        db,
        i18n,
        base_url: "",
        now,
    };
    match crate::support::service::load_demo(&ctx, &geography).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "demo support requests loaded"),
        Err(error) => tracing::warn!(%error, "demo support requests not loaded"),
    }
    let statement = Query::insert()
        .into_table(DemoDataset::Table)
        .columns([DemoDataset::Name, DemoDataset::LoadedAt])
        .values_panic([DEMO_NAME.into(), now.into()])
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
