//! The web layer shared by all capabilities: templates and the base layout, static assets,
//! language handling in URLs, security headers, error rendering, request ids and metrics.

pub mod assets;
pub mod cache;
pub mod csp;
pub mod form;
pub mod middleware;

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, State, UndefinedBehavior};
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::core::i18n::{I18n, Lang, format_date, format_number};
use crate::core::state::AppState;

#[derive(RustEmbed)]
#[folder = "src/"]
#[include = "*/templates/*.html"]
#[include = "*/*/templates/*.html"]
struct TemplateFiles;

/// Builds the template environment: strict about undefined values, auto-escaping HTML.
pub fn template_environment(
    i18n: Arc<I18n>,
    assets: Arc<assets::Assets>,
) -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Whitespace around block tags only costs bytes on long tables.
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    // Escape what HTML needs (& < > " ') and leave '/' readable in URLs.
    env.set_formatter(|out, state, value| {
        if let (minijinja::AutoEscape::Html, Some(text), false) =
            (state.auto_escape(), value.as_str(), value.is_safe())
        {
            return write_escaped(out, text).map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    for name in TemplateFiles::iter() {
        let file =
            TemplateFiles::get(&name).ok_or_else(|| anyhow::anyhow!("template {name} vanished"))?;
        let source = String::from_utf8(file.data.into_owned())?;
        // "geo/templates/municipality.html" is known as "geo/municipality.html".
        let short = name.replace("/templates/", "/");
        env.add_template_owned(short, source)?;
    }
    let translations = i18n.clone();
    env.add_function(
        "t",
        move |state: &State, key: String, kwargs: Kwargs| -> Result<String, minijinja::Error> {
            let lang = current_lang(state);
            let mut args: Vec<(String, fluent_bundle::FluentValue<'static>)> = vec![];
            for name in kwargs.args() {
                let value: Value = kwargs.get(name)?;
                let fluent = if let Some(number) = value.as_i64() {
                    fluent_bundle::FluentValue::from(number)
                } else {
                    fluent_bundle::FluentValue::from(value.to_string())
                };
                args.push((name.to_string(), fluent));
            }
            kwargs.assert_all_used()?;
            let borrowed: Vec<(&str, fluent_bundle::FluentValue<'_>)> =
                args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            Ok(translations.t_args(lang, &key, &borrowed))
        },
    );
    env.add_function(
        "asset",
        move |name: String| -> Result<String, minijinja::Error> {
            assets.url(&name).ok_or_else(|| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("unknown asset {name}"),
                )
            })
        },
    );
    env.add_filter(
        "number",
        |state: &State, value: f64, decimals: Option<usize>| {
            format_number(current_lang(state), value, decimals.unwrap_or(0))
        },
    );
    env.add_filter("date", |value: String| -> String {
        chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d")
            .map(format_date)
            .unwrap_or(value)
    });
    Ok(env)
}

/// Writes `text` HTML-escaped, in runs between the characters that need escaping: most
/// values have none and are copied at once.
fn write_escaped(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&text[start..at])?;
        out.write_str(entity)?;
        start = at + 1;
    }
    out.write_str(&text[start..])
}

fn current_lang(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::from_code))
        .unwrap_or(Lang::Nl)
}

/// What the base layout needs to know about a page.
#[derive(Debug, Clone)]
pub struct PageMeta {
    pub lang: Lang,
    /// The page title, already translated.
    pub title: String,
    pub description: Option<String>,
    /// The path after the language prefix, e.g. "/municipalities/21009"; the language
    /// switcher and `hreflang` links point to the same path in the other languages.
    pub path: String,
    /// The query string to keep when switching language (already validated input only).
    pub query: Option<String>,
    /// Which main navigation entry is current.
    pub section: &'static str,
}

#[derive(Serialize)]
struct Alternate {
    code: &'static str,
    name: &'static str,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct NavItem {
    key: &'static str,
    href: String,
    current: bool,
}

impl PageMeta {
    /// A page in `lang` titled with the translation of `title_key`, at `path` (after the
    /// language prefix), under the main navigation entry `section`.
    pub fn new(
        i18n: &crate::core::i18n::I18n,
        lang: Lang,
        title_key: &str,
        path: impl Into<String>,
        section: &'static str,
    ) -> PageMeta {
        PageMeta::titled(lang, i18n.t(lang, title_key), path, section)
    }

    /// The same with a title already written (a municipality's name, say).
    pub fn titled(
        lang: Lang,
        title: String,
        path: impl Into<String>,
        section: &'static str,
    ) -> PageMeta {
        PageMeta {
            lang,
            title,
            description: None,
            path: path.into(),
            query: None,
            section,
        }
    }

    /// The query string kept when switching language (validated input only).
    pub fn with_query(mut self, query: String) -> PageMeta {
        self.query = Some(query);
        self
    }

    pub fn with_description(mut self, description: String) -> PageMeta {
        self.description = Some(description);
        self
    }
}

/// Renders a page template inside the base layout to HTML.
pub fn render_html(
    state: &AppState,
    meta: &PageMeta,
    template: &str,
    context: Value,
) -> Result<String, crate::core::error::AppError> {
    let lang = meta.lang;
    let query = meta
        .query
        .as_deref()
        .filter(|q| !q.is_empty())
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let alternates: Vec<Alternate> = Lang::ALL
        .iter()
        .map(|&other| Alternate {
            code: other.code(),
            name: other.endonym(),
            href: format!("/{}{}{}", other.code(), meta.path, query),
            current: other == lang,
        })
        .collect();
    let navigation: Vec<NavItem> = state
        .navigation
        .iter()
        .map(|entry| NavItem {
            key: entry.key,
            href: format!("/{}{}", lang.code(), entry.path),
            current: entry.key == meta.section,
        })
        .collect();
    let user = crate::core::auth::policy::current_user().map(|user| {
        minijinja::context! {
            name => user.display_name,
            role => user.role.code(),
            csrf => user.csrf_token,
            fully_authenticated => user.fully_authenticated(),
            is_staff => user.role != crate::core::auth::Role::Municipal,
        }
    });
    let layout = minijinja::context! {
        user => user,
        lang => lang.code(),
        title => meta.title,
        description => meta.description,
        alternates => alternates,
        navigation => navigation,
        demo => state.demo_loaded(),
        base_url => state.config.base_url,
        canonical_path => format!("/{}{}", lang.code(), meta.path),
        contact_email => state.config.contact_email,
    };
    let merged = minijinja::context! { ..context, ..layout };
    state
        .templates
        .get_template(template)
        .and_then(|t| t.render(merged))
        .map_err(|error| {
            tracing::error!(%error, template, "template rendering failed");
            crate::core::error::AppError::internal(error)
        })
}

/// Renders a part of a page (a template without the layout) to HTML that later templates
/// insert as it is: for parts that are built once and shown on many pages.
pub fn render_fragment(
    state: &AppState,
    lang: Lang,
    template: &str,
    context: Value,
) -> Result<Value, crate::core::error::AppError> {
    let merged = minijinja::context! { ..context, ..minijinja::context! { lang => lang.code() } };
    state
        .templates
        .get_template(template)
        .and_then(|t| t.render(merged))
        .map(Value::from_safe_string)
        .map_err(|error| {
            tracing::error!(%error, template, "template rendering failed");
            crate::core::error::AppError::internal(error)
        })
}

/// Parts of pages rendered once per language and kept with the data they show (the data's
/// owner drops them with it when it changes).
#[derive(Default)]
pub struct RenderedParts<const N: usize> {
    by_language: std::sync::Mutex<std::collections::HashMap<&'static str, Arc<[Value; N]>>>,
}

impl<const N: usize> RenderedParts<N> {
    /// The parts in `lang`, rendered by `render` the first time they are asked for.
    pub fn get_or_render<E>(
        &self,
        lang: Lang,
        render: impl FnOnce() -> Result<[Value; N], E>,
    ) -> Result<Arc<[Value; N]>, E> {
        if let Ok(parts) = self.by_language.lock()
            && let Some(rendered) = parts.get(lang.code())
        {
            return Ok(rendered.clone());
        }
        let rendered = Arc::new(render()?);
        if let Ok(mut parts) = self.by_language.lock() {
            parts.insert(lang.code(), rendered.clone());
        }
        Ok(rendered)
    }
}

/// Renders a page template inside the base layout.
pub fn render(state: &AppState, meta: &PageMeta, template: &str, context: Value) -> Response {
    match render_html(state, meta, template, context) {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(error) => error.into_response(),
    }
}

/// Serves a public page from the page cache when the visitor is not signed in and the
/// address has no query; otherwise renders it. Cached pages are keyed by path and stamped
/// with the versions of everything they show (reference data, content, demo flag, date).
pub fn cached_page(
    state: &AppState,
    uri: &axum::http::Uri,
    render: impl FnOnce() -> Result<String, crate::core::error::AppError>,
) -> Response {
    if let Some(response) = cached_response(state, uri) {
        return response;
    }
    match render() {
        Ok(html) => store_and_respond(state, uri, html),
        Err(error) => error.into_response(),
    }
}

fn cacheable(uri: &axum::http::Uri) -> bool {
    uri.query().is_none() && crate::core::auth::policy::current_user().is_none()
}

/// The cached page for this address, if there is a current one.
pub fn cached_response(state: &AppState, uri: &axum::http::Uri) -> Option<Response> {
    if !cacheable(uri) {
        return None;
    }
    state
        .page_cache
        .get(uri.path(), state.page_stamp())
        .map(html_bytes_response)
}

/// Answers with `html`, keeping it for the next anonymous visitor when the page allows it.
pub fn store_and_respond(state: &AppState, uri: &axum::http::Uri, html: String) -> Response {
    let body = bytes::Bytes::from(html);
    if cacheable(uri) {
        state
            .page_cache
            .put(uri.path(), state.page_stamp(), body.clone());
    }
    html_bytes_response(body)
}

fn html_bytes_response(body: bytes::Bytes) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Renders a page with a status of its own (a form shown again with its errors, say); the
/// error renderer leaves such a response alone.
pub fn render_with_status(
    state: &AppState,
    meta: &PageMeta,
    template: &str,
    context: Value,
    status: StatusCode,
) -> Response {
    let mut response = render(state, meta, template, context);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
        response.extensions_mut().insert(middleware::Rendered);
    }
    response
}

pub fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Parses the `{lang}` path segment; anything else is a 404.
pub fn lang_from_path(code: &str) -> Result<Lang, crate::core::error::AppError> {
    Lang::from_code(code).ok_or(crate::core::error::AppError::NotFound)
}

/// Re-encodes query parameters for links (language switcher, pagination).
pub fn encode_query(pairs: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded_serializer();
    for (key, value) in pairs {
        if !value.is_empty() {
            serializer.append_pair(key, value);
        }
    }
    serializer.finish()
}

fn form_urlencoded_serializer() -> url_encoding::Serializer {
    url_encoding::Serializer::new()
}

/// A tiny `application/x-www-form-urlencoded` writer (RFC 3986 unreserved set kept).
mod url_encoding {
    pub struct Serializer {
        out: String,
    }
    impl Serializer {
        pub fn new() -> Self {
            Serializer { out: String::new() }
        }
        pub fn append_pair(&mut self, key: &str, value: &str) {
            if !self.out.is_empty() {
                self.out.push('&');
            }
            encode_into(&mut self.out, key);
            self.out.push('=');
            encode_into(&mut self.out, value);
        }
        pub fn finish(self) -> String {
            self.out
        }
    }
    fn encode_into(out: &mut String, text: &str) {
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    out.push(byte as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::write_escaped;

    #[test]
    fn escaping_replaces_only_the_characters_html_needs() {
        let mut out = String::new();
        write_escaped(&mut out, "Liège & <Eupen> \"a\" 'b' /x").expect("a String takes any text");
        assert_eq!(
            out,
            "Liège &amp; &lt;Eupen&gt; &quot;a&quot; &#39;b&#39; /x"
        );
        let mut plain = String::new();
        write_escaped(&mut plain, "").expect("a String takes any text");
        assert_eq!(plain, "");
    }
}
