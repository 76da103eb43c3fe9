//! Storage of editorial pages.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_query::{Iden, OnConflict, Order, Query};

use super::PageSource;
use crate::core::db::{Db, DbError};

#[derive(Iden)]
enum ContentPage {
    Table,
    Slug,
    Lang,
    Title,
    Summary,
    BodyMarkdown,
    SourceHash,
    Edited,
    UpdatedAt,
}

#[derive(Debug, sqlx::FromRow)]
pub(super) struct PageRow {
    pub slug: String,
    pub lang: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub source_hash: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, sqlx::FromRow)]
struct PageStateRow {
    slug: String,
    lang: String,
    source_hash: String,
    edited: bool,
}

/// (slug, lang) → (source hash, edited through the platform).
pub(super) async fn page_states(
    db: &Db,
) -> Result<HashMap<(String, String), (String, bool)>, DbError> {
    let query = Query::select()
        .columns([
            ContentPage::Slug,
            ContentPage::Lang,
            ContentPage::SourceHash,
            ContentPage::Edited,
        ])
        .from(ContentPage::Table)
        .to_owned();
    Ok(db
        .fetch_all::<PageStateRow>(&query)
        .await?
        .into_iter()
        .map(|r| ((r.slug, r.lang), (r.source_hash, r.edited)))
        .collect())
}

pub(super) async fn upsert_page(
    db: &Db,
    page: &PageSource,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let statement = Query::insert()
        .into_table(ContentPage::Table)
        .columns([
            ContentPage::Slug,
            ContentPage::Lang,
            ContentPage::Title,
            ContentPage::Summary,
            ContentPage::BodyMarkdown,
            ContentPage::SourceHash,
            ContentPage::Edited,
            ContentPage::UpdatedAt,
        ])
        .values_panic([
            page.slug.clone().into(),
            page.lang.code().into(),
            page.title.clone().into(),
            page.summary.clone().into(),
            page.body_markdown.clone().into(),
            page.source_hash.clone().into(),
            false.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([ContentPage::Slug, ContentPage::Lang])
                .update_columns([
                    ContentPage::Title,
                    ContentPage::Summary,
                    ContentPage::BodyMarkdown,
                    ContentPage::SourceHash,
                    ContentPage::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    let mut tx = db.begin().await?;
    tx.execute(&statement).await?;
    crate::core::revision::raise(&mut tx, "content").await?;
    tx.commit().await
}

pub(super) async fn all_pages(db: &Db) -> Result<Vec<PageRow>, DbError> {
    let query = Query::select()
        .columns([
            ContentPage::Slug,
            ContentPage::Lang,
            ContentPage::Title,
            ContentPage::Summary,
            ContentPage::BodyMarkdown,
            ContentPage::SourceHash,
            ContentPage::UpdatedAt,
        ])
        .from(ContentPage::Table)
        .order_by(ContentPage::Slug, Order::Asc)
        .order_by(ContentPage::Lang, Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}
