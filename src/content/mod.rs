//! Editorial pages: home, the offer, the LIVC-R information page, contact, privacy notice and
//! accessibility statement, in four languages.
//!
//! The text is written as Markdown files in `content/pages/{slug}.{lang}.md` (TOML front
//! matter with `title` and `summary`), shipped in the binary and copied into the
//! `content_page` table at start-up. Pages render from the database, so a later editor can
//! change them there; a page marked `edited` is never overwritten by a newer file.

mod routes;
mod state;
mod store;

pub use state::ContentState;

use std::collections::HashMap;

use axum::Router;
use axum::routing::get;
use pulldown_cmark::{Event, Options, Parser, Tag, html};
use rust_embed::RustEmbed;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::core::auth::policy::Access::Public;
use crate::core::auth::policy::{RoutePolicy, route};
use crate::core::capability::{Capability, NavEntry, Refresh};
use crate::core::db::{Db, DbError};
use crate::core::i18n::Lang;
use crate::core::state::AppState;

/// Every page the platform expects, in navigation order.
pub const PAGES: [&str; 8] = [
    "home",
    "offer-livc-r",
    "offer-awareness-day",
    "offer-project-support",
    "livc-r",
    "contact",
    "privacy",
    "accessibility",
];

/// The offer pages, shown on the offer overview.
pub const OFFERS: [(&str, &str); 3] = [
    ("offer-livc-r", "/offer/livc-r"),
    ("offer-awareness-day", "/offer/awareness-day"),
    ("offer-project-support", "/offer/project-support"),
];

#[derive(RustEmbed)]
#[folder = "content/pages/"]
struct PageFiles;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{lang}", get(routes::language_root))
        .route("/{lang}/", get(routes::home_page))
        .route("/{lang}/offer", get(routes::offer_overview))
        .route("/{lang}/offer/{offer}", get(routes::offer_page))
        .route("/{lang}/livc-r", get(routes::livc_r_page))
        .route("/{lang}/contact", get(routes::contact_page))
        .route("/{lang}/privacy", get(routes::privacy_page))
        .route("/{lang}/accessibility", get(routes::accessibility_page))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    summary: String,
}

/// A page file parsed from its Markdown source.
#[derive(Debug, Clone, PartialEq)]
pub struct PageSource {
    pub slug: String,
    pub lang: Lang,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub source_hash: String,
}

pub fn parse_page(slug: &str, lang: Lang, text: &str) -> anyhow::Result<PageSource> {
    let text = text.trim_start_matches('\u{feff}');
    let rest = text
        .strip_prefix("+++")
        .ok_or_else(|| anyhow::anyhow!("{slug}.{}: missing front matter", lang.code()))?;
    let (front, body) = rest
        .split_once("\n+++")
        .ok_or_else(|| anyhow::anyhow!("{slug}.{}: unterminated front matter", lang.code()))?;
    let front: FrontMatter = toml::from_str(front)
        .map_err(|e| anyhow::anyhow!("{slug}.{}: invalid front matter: {e}", lang.code()))?;
    let hash = Sha256::digest(text.as_bytes());
    Ok(PageSource {
        slug: slug.to_string(),
        lang,
        title: front.title.trim().to_string(),
        summary: front.summary.trim().to_string(),
        body_markdown: body.trim_start_matches(['\r', '\n']).trim_end().to_string(),
        source_hash: hash.iter().take(12).map(|b| format!("{b:02x}")).collect(),
    })
}

/// All page files shipped with the binary.
pub fn shipped_pages() -> anyhow::Result<Vec<PageSource>> {
    let mut pages = vec![];
    for slug in PAGES {
        for lang in Lang::ALL {
            let name = format!("{slug}.{}.md", lang.code());
            let file = PageFiles::get(&name)
                .ok_or_else(|| anyhow::anyhow!("content page {name} is missing"))?;
            let text = String::from_utf8(file.data.into_owned())?;
            pages.push(parse_page(slug, lang, &text)?);
        }
    }
    Ok(pages)
}

/// Copies new or changed page files into the database, leaving edited pages alone.
pub async fn seed_pages(db: &Db, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<usize> {
    let pages = shipped_pages()?;
    let existing = store::page_states(db).await?;
    let mut changed = 0;
    for page in pages {
        let key = (page.slug.clone(), page.lang.code().to_string());
        match existing.get(&key) {
            Some((hash, _)) if *hash == page.source_hash => continue,
            Some((_, true)) => continue,
            _ => {
                store::upsert_page(db, &page, now).await?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// A page ready to show: its Markdown already turned into safe HTML.
#[derive(Debug, Clone)]
pub struct RenderedPage {
    pub title: String,
    pub summary: String,
    pub html: String,
}

#[derive(Debug, Default)]
pub struct ContentCache {
    pub fingerprint: String,
    pages: HashMap<(String, Lang), RenderedPage>,
}

impl ContentCache {
    pub fn page(&self, slug: &str, lang: Lang) -> Option<&RenderedPage> {
        self.pages.get(&(slug.to_string(), lang))
    }
}

pub async fn load_cache(db: &Db) -> Result<ContentCache, DbError> {
    let rows = store::all_pages(db).await?;
    let mut fingerprint = Sha256::new();
    let mut pages = HashMap::new();
    for row in rows {
        let Some(lang) = Lang::from_code(&row.lang) else {
            continue;
        };
        fingerprint.update(row.slug.as_bytes());
        fingerprint.update(row.lang.as_bytes());
        fingerprint.update(row.source_hash.as_bytes());
        fingerprint.update(row.updated_at.to_rfc3339().as_bytes());
        let html = markdown_to_html(&row.body_markdown, lang);
        pages.insert(
            (row.slug, lang),
            RenderedPage {
                title: row.title,
                summary: row.summary,
                html,
            },
        );
    }
    Ok(ContentCache {
        fingerprint: fingerprint
            .finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect(),
        pages,
    })
}

/// Renders Markdown to HTML. Raw HTML in the source is shown as text, never interpreted;
/// only site-relative links and https/mailto links survive, and site-relative links get the
/// page's language prefix.
pub fn markdown_to_html(markdown: &str, lang: Lang) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest = dest_url.to_string();
            let safe = if dest.starts_with('/') && !dest.starts_with("//") {
                format!("/{}{}", lang.code(), if dest == "/" { "/" } else { &dest })
            } else if dest.starts_with("https://") || dest.starts_with("mailto:") {
                dest
            } else {
                "#".to_string()
            };
            Event::Start(Tag::Link {
                link_type,
                dest_url: safe.into(),
                title,
                id,
            })
        }
        Event::Start(Tag::Image { .. }) | Event::End(pulldown_cmark::TagEnd::Image) => {
            Event::Text("".into())
        }
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

/// The access each route needs (deny by default: a route missing here answers 403).
pub const ROUTES: &[RoutePolicy] = &[
    route("GET", "/{lang}", Public),
    route("GET", "/{lang}/", Public),
    route("GET", "/{lang}/offer", Public),
    route("GET", "/{lang}/offer/{offer}", Public),
    route("GET", "/{lang}/livc-r", Public),
    route("GET", "/{lang}/contact", Public),
    route("GET", "/{lang}/privacy", Public),
    route("GET", "/{lang}/accessibility", Public),
];

/// What the editorial pages bring: the home page, the offer, the LIVC-R explanation, contact
/// and the legal pages.
pub fn capability() -> Capability<AppState> {
    Capability {
        routes: ROUTES,
        navigation: &[
            NavEntry {
                key: "home",
                path: "/",
                order: 10,
            },
            NavEntry {
                key: "offer",
                path: "/offer",
                order: 20,
            },
            NavEntry {
                key: "livc-r",
                path: "/livc-r",
                order: 30,
            },
            NavEntry {
                key: "contact",
                path: "/contact",
                order: 60,
            },
        ],
        state: Some(state::new_part),
        prepare: Some(|ctx| {
            Box::pin(async move {
                seed_pages(ctx.db, ctx.now).await?;
                Ok(())
            })
        }),
        refresh: Some(Refresh {
            revision: "content",
            reload: state::reload,
        }),
        ..Capability::new("content", router)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_dangerous_links_are_neutralised() {
        let html = markdown_to_html(
            "<script>alert(1)</script>\n\n[a](javascript:alert(1)) [b](/contact) [c](//evil.example) <img src=x onerror=alert(1)>",
            Lang::Fr,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("href=\"/fr/contact\""));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("//evil.example\""));
    }

    #[test]
    fn every_shipped_page_parses_in_all_languages() {
        let pages = shipped_pages().expect("pages parse");
        assert_eq!(pages.len(), PAGES.len() * 4);
        for page in pages {
            assert!(
                !page.title.is_empty() && !page.summary.is_empty(),
                "{}",
                page.slug
            );
            assert!(
                page.body_markdown.len() > 200,
                "{} {:?} is too short",
                page.slug,
                page.lang
            );
            assert!(
                !page.body_markdown.lines().any(|l| l.starts_with("# ")),
                "{}: only the template renders the h1",
                page.slug
            );
        }
    }
}
