//! Handlers of the editorial pages.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::OFFERS;
use crate::content::ContentState;
use crate::core::error::AppError;
use crate::core::i18n::Lang;
use crate::core::state::AppState;
use crate::core::web::{PageMeta, cached_page, lang_from_path, render_html};

/// `/nl` → `/nl/`.
pub async fn language_root(Path(lang): Path<String>) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    Ok(Redirect::permanent(&format!("/{}/", lang.code())).into_response())
}

fn content_page(
    state: &AppState,
    uri: &Uri,
    lang: Lang,
    slug: &str,
    path: &str,
    section: &'static str,
    template: &str,
) -> Result<Response, AppError> {
    let content = state.content();
    let page = content.page(slug, lang).ok_or(AppError::NotFound)?;
    let meta = PageMeta {
        lang,
        title: page.title.clone(),
        description: Some(page.summary.clone()),
        path: path.to_string(),
        query: None,
        section,
    };
    Ok(cached_page(state, uri, || {
        render_html(
            state,
            &meta,
            template,
            minijinja::context! {
                page_title => page.title,
                summary => page.summary,
                body => minijinja::Value::from_safe_string(page.html.clone()),
                offers => offer_cards(state, lang),
                slug => slug,
            },
        )
    }))
}

#[derive(Serialize)]
struct OfferCard {
    title: String,
    summary: String,
    href: String,
}

fn offer_cards(state: &AppState, lang: Lang) -> Vec<OfferCard> {
    let content = state.content();
    OFFERS
        .iter()
        .filter_map(|(slug, path)| {
            content.page(slug, lang).map(|page| OfferCard {
                title: page.title.clone(),
                summary: page.summary.clone(),
                href: format!("/{}{}", lang.code(), path),
            })
        })
        .collect()
}

pub async fn home_page(
    State(state): State<AppState>,
    uri: Uri,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    content_page(&state, &uri, lang, "home", "/", "home", "content/home.html")
}

pub async fn offer_overview(
    State(state): State<AppState>,
    uri: Uri,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let meta = PageMeta {
        lang,
        title: state.i18n.t(lang, "content-offer-title"),
        description: Some(state.i18n.t(lang, "content-offer-intro")),
        path: "/offer".into(),
        query: None,
        section: "offer",
    };
    Ok(cached_page(&state, &uri, || {
        render_html(
            &state,
            &meta,
            "content/offers.html",
            minijinja::context! { offers => offer_cards(&state, lang) },
        )
    }))
}

pub async fn offer_page(
    State(state): State<AppState>,
    uri: Uri,
    Path((lang, offer)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let (slug, path) = OFFERS
        .iter()
        .find(|(_, path)| path.strip_prefix("/offer/") == Some(offer.as_str()))
        .ok_or(AppError::NotFound)?;
    content_page(&state, &uri, lang, slug, path, "offer", "content/page.html")
}

pub async fn livc_r_page(
    State(state): State<AppState>,
    uri: Uri,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    content_page(
        &state,
        &uri,
        lang,
        "livc-r",
        "/livc-r",
        "livc-r",
        "content/page.html",
    )
}

pub async fn contact_page(
    State(state): State<AppState>,
    uri: Uri,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    content_page(
        &state,
        &uri,
        lang,
        "contact",
        "/contact",
        "contact",
        "content/contact.html",
    )
}

pub async fn privacy_page(
    State(state): State<AppState>,
    uri: Uri,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    content_page(
        &state,
        &uri,
        lang,
        "privacy",
        "/privacy",
        "",
        "content/page.html",
    )
}

pub async fn accessibility_page(
    State(state): State<AppState>,
    uri: Uri,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    content_page(
        &state,
        &uri,
        lang,
        "accessibility",
        "/accessibility",
        "",
        "content/page.html",
    )
}
