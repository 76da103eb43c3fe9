//! Public pages: the national map with its table, the embeddable map, coverage over time,
//! and the archive of published snapshots.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Serialize;

use super::render;
use super::view::{self, MapParams, MapQuery, SortKey, View};
use crate::core::error::AppError;
use crate::core::i18n::{Lang, format_date, format_percent};
use crate::core::state::AppState;
use crate::core::web::{PageMeta, lang_from_path, render_html};
use crate::geo::GeoState;
use crate::registry::RegistryState;
use crate::registry::domain::Status;

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct SortLink {
    key: &'static str,
    label: String,
    href: String,
    /// "ascending", "descending" or "none", as aria-sort wants it.
    aria_sort: &'static str,
}

/// Cartography pages share their description and keep the view's parameters when the
/// reader switches language.
fn meta(state: &AppState, lang: Lang, title_key: &str, path: &str, query: String) -> PageMeta {
    PageMeta::new(&state.i18n, lang, title_key, path, "cartography")
        .with_description(state.i18n.t(lang, "cartography-intro-short"))
        .with_query(query)
}

/// Serves a cached rendering of this exact, validated view when there is one.
pub(super) fn cached(state: &AppState, key: &str) -> Option<bytes::Bytes> {
    if crate::core::auth::policy::current_user().is_some() {
        return None;
    }
    state
        .part::<super::CartographyPart>()
        .cache
        .get(key, state.page_stamp())
}

pub(super) fn keep(state: &AppState, key: &str, body: &bytes::Bytes) {
    if crate::core::auth::policy::current_user().is_none() {
        state
            .part::<super::CartographyPart>()
            .cache
            .put(key, state.page_stamp(), body.clone());
    }
}

fn html(body: bytes::Bytes) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

pub async fn map_page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    map_like_page(&state, lang, &params, false).await
}

pub async fn embed_page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let mut response = map_like_page(&state, lang, &params, true).await?;
    // The one page that partners may frame (core's default policy forbids framing).
    response.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        state.part::<super::CartographyPart>().embed_policy.clone(),
    );
    Ok(response)
}

async fn map_like_page(
    state: &AppState,
    lang: Lang,
    params: &MapParams,
    embed: bool,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let query = MapQuery::parse(params, &geography, state.clock.today());
    let key = format!(
        "{}/{}?{}#{}",
        lang.code(),
        if embed { "embed" } else { "map" },
        query.query_string(&[]),
        query.errors.join(",")
    );
    if let Some(body) = cached(state, &key) {
        return Ok(html(body));
    }
    let registry = state.registry();
    let picture = registry.picture(&geography, query.date);
    let summary = picture.summary(&geography);
    let boundaries = if query.view == View::Geo && state.boundary_count() > 0 {
        Some(state.boundaries().await?)
    } else {
        None
    };
    let (map_svg, drawn_view) = render::map_svg(
        state,
        lang,
        &geography,
        &registry,
        &picture,
        &query,
        boundaries.as_deref(),
        &summary,
    );
    let mut errors: Vec<String> = query.errors.iter().map(|k| state.i18n.t(lang, k)).collect();
    if query.view == View::Geo && drawn_view == View::Tiles {
        errors.push(state.i18n.t(lang, "cartography-error-no-boundaries"));
    }
    let date_text = format_date(query.date);
    let sources: Vec<minijinja::Value> = view::source_counts(state, lang, &picture)
        .into_iter()
        .map(|(label, count)| minijinja::context! { label => label, count => count })
        .collect();
    let summary_lines = view::summary_lines(state, lang, &summary);
    let total = summary.belgium.municipalities;
    let legend: Vec<minijinja::Value> = Status::ALL
        .iter()
        .map(|s| {
            let count = match s {
                Status::Own => summary.belgium.own,
                Status::Joint => summary.belgium.joint,
                Status::Preparation => summary.belgium.preparation,
                Status::None => summary.belgium.none,
                Status::Unknown => summary.belgium.unknown,
            };
            minijinja::context! {
                code => s.code(),
                label => state.i18n.t(lang, s.label_key()),
                count => count,
                share => format_percent(lang, if total == 0 { 0.0 } else { count as f64 / total as f64 }, 0),
            }
        })
        .collect();
    let page_path = if embed {
        "/cartography/embed"
    } else {
        "/cartography"
    };
    let meta = meta(
        state,
        lang,
        "cartography-title",
        page_path,
        query.query_string(&[]),
    );
    let html_text = if embed {
        render_html(
            state,
            &meta,
            "cartography/embed.html",
            minijinja::context! {
                map_svg => map_svg,
                date_text => date_text,
                legend => legend,
                sources => sources,
                full_link => format!("/{}/cartography?{}", lang.code(), query.query_string(&["sort", "dir"])),
            },
        )?
    } else {
        let rows = view::rows(state, lang, &geography, &registry, &picture, &query);
        let sort_links: Vec<SortLink> = SortKey::ALL
            .iter()
            .map(|key| {
                let current = query.sort == *key;
                let descending = current && !query.descending;
                let mut next = query.clone();
                next.sort = *key;
                next.descending = descending;
                SortLink {
                    key: key.code(),
                    label: state
                        .i18n
                        .t(lang, &format!("cartography-column-{}", key.code())),
                    href: format!("?{}#table", next.query_string(&[])),
                    aria_sort: match (current, query.descending) {
                        (false, _) => "none",
                        (true, false) => "ascending",
                        (true, true) => "descending",
                    },
                }
            })
            .collect();
        let region_choices: Vec<Choice> = crate::geo::Region::ALL
            .iter()
            .map(|r| Choice {
                value: r.code().into(),
                label: crate::geo::region_label(state, lang, *r),
                selected: query.region == Some(*r),
            })
            .collect();
        let province_choices: Vec<Choice> = geography
            .provinces()
            .iter()
            .map(|p| Choice {
                value: p.code.clone(),
                label: crate::geo::unit_name(&geography, Some(&p.code), lang),
                selected: query.province.as_deref() == Some(p.code.as_str()),
            })
            .collect();
        let arrondissement_choices: Vec<Choice> = geography
            .arrondissements()
            .iter()
            .filter(|a| {
                geography
                    .municipalities_on(query.date)
                    .any(|m| m.arrondissement_nis == a.code)
            })
            .map(|a| Choice {
                value: a.code.clone(),
                label: crate::geo::unit_name(&geography, Some(&a.code), lang),
                selected: query.arrondissement.as_deref() == Some(a.code.as_str()),
            })
            .collect();
        let zone_choices: Vec<Choice> = geography
            .zones_on(query.date)
            .iter()
            .map(|z| Choice {
                value: z.key.clone(),
                label: match &z.code {
                    Some(code) => format!("{} ({code})", z.name),
                    None => z.name.clone(),
                },
                selected: query.zone.as_deref() == Some(z.key.as_str()),
            })
            .collect();
        let download_query = query.query_string(&["view", "sort", "dir"]);
        let download_query_lang = if download_query.is_empty() {
            format!("lang={}", lang.code())
        } else {
            format!("{download_query}&lang={}", lang.code())
        };
        render_html(
            state,
            &meta,
            "cartography/map.html",
            minijinja::context! {
                map_svg => map_svg,
                view => drawn_view.code(),
                geo_available => state.boundary_count() > 0,
                date_text => date_text,
                date_value => if query.date_given { query.date.to_string() } else { String::new() },
                today_value => state.clock.today().to_string(),
                errors => errors,
                legend => legend,
                sources => sources,
                summary => summary_lines,
                rows => rows,
                row_count => rows.len(),
                total => total,
                filtered => query.filtered(),
                sort_links => sort_links,
                regions => region_choices,
                provinces => province_choices,
                arrondissements => arrondissement_choices,
                zones => zone_choices,
                download_query => download_query_lang,
                date_query => if query.date_given { format!("date={}", query.date) } else { String::new() },
            },
        )?
    };
    let body = bytes::Bytes::from(html_text);
    keep(state, &key, &body);
    Ok(html(body))
}

pub async fn history_page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let key = format!("{}/history", lang.code());
    if let Some(body) = cached(&state, &key) {
        return Ok(html(body));
    }
    let geography = state.geography();
    let registry = state.registry();
    let today = state.clock.today();
    let coverage = render::coverage(&state, lang, &geography, &registry, today);
    let rows: Vec<minijinja::Value> = coverage
        .rows
        .iter()
        .map(|(date, shares)| {
            minijinja::context! {
                date => format_date(*date),
                shares => shares.iter().map(|s| format_percent(lang, *s, 0)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let html_text = render_html(
        &state,
        &meta(
            &state,
            lang,
            "cartography-history-title",
            "/cartography/history",
            String::new(),
        ),
        "cartography/history.html",
        minijinja::context! {
            chart_svg => coverage.svg,
            rows => rows,
            date_text => format_date(today),
        },
    )?;
    let body = bytes::Bytes::from(html_text);
    keep(&state, &key, &body);
    Ok(html(body))
}

pub async fn snapshots_page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let snapshots = crate::registry::service::snapshots(&state.db).await?;
    let items: Vec<minijinja::Value> = snapshots
        .iter()
        .map(|s| {
            minijinja::context! {
                id => s.id,
                title => s.title,
                date => format_date(s.reference_date),
                published => format_date(s.published_at.date_naive()),
                covered => s.summary.as_ref().map(|x| x.belgium.covered),
                cells => s.summary.as_ref().map(|x| x.belgium.cells),
                total => s.summary.as_ref().map(|x| x.belgium.municipalities),
            }
        })
        .collect();
    Ok(crate::core::web::render(
        &state,
        &meta(
            &state,
            lang,
            "cartography-snapshots-title",
            "/cartography/snapshots",
            String::new(),
        ),
        "cartography/snapshots.html",
        minijinja::context! { snapshots => items },
    ))
}

pub async fn snapshot_page(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let snapshot = crate::registry::service::snapshot(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let geography = state.geography();
    let summary_lines = view::summary_lines(&state, lang, &snapshot.summary);
    let status_labels: Vec<(Status, String)> = Status::ALL
        .iter()
        .map(|s| (*s, state.i18n.t(lang, s.label_key())))
        .collect();
    let mut rows: Vec<(String, minijinja::Value)> = snapshot
        .entries
        .iter()
        .map(|e| {
            let m = geography.municipality(&e.nis);
            let name = m.map(|m| m.display_name(lang));
            let sort = m.map(|m| m.collation_key(lang).to_string()).unwrap_or_default();
            (
                sort,
                minijinja::context! {
                    nis => e.nis,
                    name => name,
                    status => e.status.code(),
                    status_label => status_labels.iter().find(|(s, _)| *s == e.status).map(|(_, l)| l.clone()),
                    cell_name => e.cell_name,
                    since => e.since.map(format_date),
                    source => e.source.map(|s| view::source_label(&state, lang, s)),
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let title = snapshot.title.clone();
    let mut page_meta = meta(
        &state,
        lang,
        "cartography-snapshot-title",
        &format!("/cartography/snapshots/{id}"),
        String::new(),
    );
    page_meta.title = title.clone();
    Ok(crate::core::web::render(
        &state,
        &page_meta,
        "cartography/snapshot.html",
        minijinja::context! {
            id => snapshot.id,
            title => title,
            method => snapshot.method,
            date => format_date(snapshot.reference_date),
            date_iso => snapshot.reference_date.to_string(),
            published => format_date(snapshot.published_at.date_naive()),
            summary => summary_lines,
            rows => rows.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        },
    ))
}
