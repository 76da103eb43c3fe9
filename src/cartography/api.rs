//! Open data: the JSON API (`/api/v1/cartography…`, `/api/v1/snapshots…`), the map as SVG,
//! and the table as CSV, XLSX and GeoJSON.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Serialize;

use super::render;
use super::view::{self, MapParams, MapQuery};
use crate::core::error::AppError;
use crate::core::export::{formula_safe, sheet_name, xlsx_table_sheet};
use crate::core::i18n::Lang;
use crate::core::state::AppState;
use crate::geo::GeoState;
use crate::geo::Geography;
use crate::registry::RegistryState;
use crate::registry::domain::{Picture, Registry, Summary};

/// The API refuses what the pages merely explain: a bad parameter is a 400 with its code.
fn strict_query(
    params: &MapParams,
    geography: &Geography,
    today: chrono::NaiveDate,
) -> Result<MapQuery, AppError> {
    let query = MapQuery::parse(params, geography, today);
    match query.errors.first() {
        Some(key) => Err(AppError::bad_request(key, field_of(key))),
        None => Ok(query),
    }
}

fn field_of(key: &str) -> &'static str {
    if key.contains("date") {
        "date"
    } else if key.contains("view") {
        "view"
    } else if key.contains("region") {
        "region"
    } else if key.contains("province") {
        "province"
    } else if key.contains("arrondissement") {
        "arrondissement"
    } else if key.contains("zone") {
        "zone"
    } else {
        "sort"
    }
}

fn lang_param(params: &MapParams) -> Result<Lang, AppError> {
    match params.lang.as_deref().filter(|l| !l.is_empty()) {
        None => Ok(Lang::Nl),
        Some(code) => {
            Lang::from_code(code).ok_or(AppError::bad_request("cartography-error-lang", "lang"))
        }
    }
}

fn with_type(body: bytes::Bytes, content_type: &'static str, filename: Option<String>) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if let Some(name) = filename
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn cached_or(
    state: &AppState,
    key: &str,
    content_type: &'static str,
    filename: Option<String>,
    build: impl FnOnce() -> Result<bytes::Bytes, AppError>,
) -> Result<Response, AppError> {
    if let Some(body) = state
        .part::<super::CartographyPart>()
        .cache
        .get(key, state.page_stamp())
    {
        return Ok(with_type(body, content_type, filename));
    }
    let body = build()?;
    state
        .part::<super::CartographyPart>()
        .cache
        .put(key, state.page_stamp(), body.clone());
    Ok(with_type(body, content_type, filename))
}

#[derive(Serialize)]
struct ApiCell {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct ApiStatus {
    nis: String,
    name_nl: String,
    name_fr: String,
    name_de: String,
    region: &'static str,
    status: &'static str,
    cell: Option<ApiCell>,
    since: Option<NaiveDate>,
    source_type: Option<&'static str>,
}

fn api_statuses(geography: &Geography, registry: &Registry, picture: &Picture) -> Vec<ApiStatus> {
    picture
        .entries
        .iter()
        .filter_map(|e| {
            let m = geography.municipality(&e.nis)?;
            Some(ApiStatus {
                nis: e.nis.clone(),
                name_nl: m.names.nl.clone(),
                name_fr: m.names.fr.clone(),
                name_de: m.names.de.clone(),
                region: m.region.code(),
                status: e.status.code(),
                cell: e.cell_id.and_then(|id| {
                    registry.cell(id).map(|c| ApiCell {
                        id,
                        name: c.name.clone(),
                    })
                }),
                since: e.since,
                source_type: e.source.map(|s| s.code()),
            })
        })
        .collect()
}

pub async fn cartography(
    State(state): State<AppState>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let query = strict_query(&params, &geography, state.clock.today())?;
    let key = format!("api/cartography?{}", query.date);
    cached_or(&state, &key, "application/json", None, || {
        let registry = state.registry();
        let picture = registry.picture(&geography, query.date);
        let statuses = api_statuses(&geography, &registry, &picture);
        let body = serde_json::json!({
            "date": query.date,
            "count": statuses.len(),
            "municipalities": statuses,
        });
        Ok(bytes::Bytes::from(body.to_string()))
    })
}

fn api_summary(summary: &Summary) -> serde_json::Value {
    let area = |key: &str, c: &crate::registry::domain::Counts, part_of: Option<&str>| {
        serde_json::json!({
            "area": key,
            "part_of": part_of,
            "cells": c.cells,
            "municipalities_covered": c.covered,
            "own": c.own,
            "joint": c.joint,
            "in_preparation": c.preparation,
            "without": c.none,
            "unknown": c.unknown,
            "municipalities": c.municipalities,
        })
    };
    serde_json::json!({
        "date": summary.date,
        "areas": [
            area("BE", &summary.belgium, None),
            area("BRU", &summary.brussels, Some("BE")),
            area("VLG", &summary.flanders, Some("BE")),
            area("WAL", &summary.wallonia, Some("BE")),
            area("DG", &summary.german_speaking, Some("WAL")),
        ],
    })
}

pub async fn summary(
    State(state): State<AppState>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let query = strict_query(&params, &geography, state.clock.today())?;
    let key = format!("api/summary?{}", query.date);
    cached_or(&state, &key, "application/json", None, || {
        let picture = state.registry().picture(&geography, query.date);
        let summary = picture.summary(&geography);
        Ok(bytes::Bytes::from(api_summary(&summary).to_string()))
    })
}

pub async fn map_svg(
    State(state): State<AppState>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let lang = lang_param(&params)?;
    let query = strict_query(&params, &geography, state.clock.today())?;
    let boundaries = if query.view == view::View::Geo && state.boundary_count() > 0 {
        Some(state.boundaries().await?)
    } else {
        None
    };
    let key = format!(
        "api/map.svg?{}&{}",
        query.query_string(&["sort", "dir"]),
        lang.code()
    );
    cached_or(
        &state,
        &key,
        "image/svg+xml; charset=utf-8",
        Some(format!("livc-r-{}-{}.svg", query.date, query.view.code())),
        || {
            let registry = state.registry();
            let picture = registry.picture(&geography, query.date);
            let summary = picture.summary(&geography);
            let (svg, drawn) = render::map_svg(
                &state,
                lang,
                &geography,
                &registry,
                &picture,
                &query,
                boundaries.as_deref(),
                &summary,
            );
            if drawn != query.view {
                return Err(AppError::bad_request(
                    "cartography-error-no-boundaries",
                    "view",
                ));
            }
            let svg = for_download(&state, lang, &svg, query.date);
            Ok(bytes::Bytes::from(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}"
            )))
        },
    )
}

/// The same map as a PNG image.
pub async fn map_png(
    State(state): State<AppState>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let lang = lang_param(&params)?;
    let query = strict_query(&params, &geography, state.clock.today())?;
    let boundaries = if query.view == view::View::Geo && state.boundary_count() > 0 {
        Some(state.boundaries().await?)
    } else {
        None
    };
    let key = format!(
        "api/map.png?{}&{}",
        query.query_string(&["sort", "dir"]),
        lang.code()
    );
    if let Some(body) = state
        .part::<super::CartographyPart>()
        .cache
        .get(&key, state.page_stamp())
    {
        return Ok(with_type(body, "image/png", Some(png_name(&query))));
    }
    let registry = state.registry();
    let picture = registry.picture(&geography, query.date);
    let summary = picture.summary(&geography);
    let (svg, drawn) = render::map_svg(
        &state,
        lang,
        &geography,
        &registry,
        &picture,
        &query,
        boundaries.as_deref(),
        &summary,
    );
    if drawn != query.view {
        return Err(AppError::bad_request(
            "cartography-error-no-boundaries",
            "view",
        ));
    }
    let svg = for_download(&state, lang, &svg, query.date);
    // Rasterising takes tens of milliseconds: keep it off the request threads.
    let png = tokio::task::spawn_blocking(move || super::png::render(&svg))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let body = bytes::Bytes::from(png);
    state
        .part::<super::CartographyPart>()
        .cache
        .put(&key, state.page_stamp(), body.clone());
    Ok(with_type(body, "image/png", Some(png_name(&query))))
}

/// The map with a visible title and credit line, for use outside the page.
fn for_download(state: &AppState, lang: Lang, svg: &str, date: NaiveDate) -> String {
    let title = state.i18n.t_args(
        lang,
        "cartography-map-title",
        &[(
            "date",
            fluent_bundle::FluentValue::from(crate::core::i18n::format_date(date)),
        )],
    );
    let credit = state.i18n.t(lang, "cartography-map-credit");
    render::standalone(svg, &title, &credit)
}

fn png_name(query: &MapQuery) -> String {
    format!("livc-r-{}-{}.png", query.date, query.view.code())
}

fn table_headers(state: &AppState, lang: Lang) -> Vec<String> {
    [
        "cartography-column-nis",
        "cartography-column-name",
        "cartography-column-region",
        "cartography-column-province",
        "cartography-column-zone",
        "cartography-column-status",
        "cartography-column-cell",
        "cartography-column-since",
        "cartography-column-source",
    ]
    .iter()
    .map(|k| state.i18n.t(lang, k))
    .collect()
}

fn table_rows(state: &AppState, lang: Lang, query: &MapQuery) -> Vec<Vec<String>> {
    let geography = state.geography();
    let registry = state.registry();
    let picture = registry.picture(&geography, query.date);
    view::rows(state, lang, &geography, &registry, &picture, query)
        .into_iter()
        .map(|r| {
            vec![
                r.nis,
                r.name_plain,
                r.region,
                r.province,
                r.zone,
                r.status_label,
                r.cell_name.unwrap_or_default(),
                r.since_iso.map(|d| d.to_string()).unwrap_or_default(),
                r.source.unwrap_or_default(),
            ]
        })
        .collect()
}

pub async fn table_csv(
    State(state): State<AppState>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let lang = lang_param(&params)?;
    let query = strict_query(&params, &geography, state.clock.today())?;
    let key = format!("csv?{}&{}", query.query_string(&["view"]), lang.code());
    cached_or(
        &state,
        &key,
        "text/csv; charset=utf-8",
        Some(format!("livc-r-{}.csv", query.date)),
        || {
            let mut writer = csv::Writer::from_writer(vec![]);
            let write = |writer: &mut csv::Writer<Vec<u8>>, record: &[String]| {
                writer
                    .write_record(record.iter().map(|v| formula_safe(v).into_owned()))
                    .map_err(AppError::internal)
            };
            write(&mut writer, &table_headers(&state, lang))?;
            for row in table_rows(&state, lang, &query) {
                write(&mut writer, &row)?;
            }
            let mut body = "\u{feff}".as_bytes().to_vec();
            body.extend(writer.into_inner().map_err(AppError::internal)?);
            Ok(bytes::Bytes::from(body))
        },
    )
}

pub async fn table_xlsx(
    State(state): State<AppState>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let lang = lang_param(&params)?;
    let query = strict_query(&params, &geography, state.clock.today())?;
    let key = format!("xlsx?{}&{}", query.query_string(&["view"]), lang.code());
    cached_or(
        &state,
        &key,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some(format!("livc-r-{}.xlsx", query.date)),
        || {
            let picture = state.registry().picture(&geography, query.date);
            let summary = picture.summary(&geography);
            xlsx(&state, lang, &query, &summary).map_err(AppError::internal)
        },
    )
}

fn xlsx(
    state: &AppState,
    lang: Lang,
    query: &MapQuery,
    summary: &Summary,
) -> Result<bytes::Bytes, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let bold = Format::new().set_bold();
    let mut workbook = Workbook::new();
    xlsx_table_sheet(
        &mut workbook,
        &state.i18n.t(lang, "cartography-sheet-municipalities"),
        &table_headers(state, lang),
        &table_rows(state, lang, query),
    )?;
    let totals = workbook.add_worksheet();
    totals.set_name(sheet_name(&state.i18n.t(lang, "cartography-sheet-summary")))?;
    let headers = [
        "cartography-summary-area",
        "cartography-summary-cells",
        "cartography-summary-covered",
        "cartography-summary-preparation",
        "cartography-summary-none",
        "cartography-summary-unknown",
        "cartography-summary-total",
    ];
    let title = state.i18n.t_args(
        lang,
        "cartography-summary-caption",
        &[(
            "date",
            fluent_bundle::FluentValue::from(crate::core::i18n::format_date(query.date)),
        )],
    );
    totals.write_string_with_format(0, 0, &title, &bold)?;
    for (col, key) in headers.iter().enumerate() {
        totals.write_string_with_format(1, col as u16, state.i18n.t(lang, key), &bold)?;
    }
    for (index, line) in view::summary_lines(state, lang, summary).iter().enumerate() {
        let row = index as u32 + 2;
        let label = if line.sub_row {
            format!("  {}", line.label)
        } else {
            line.label.clone()
        };
        totals.write_string(row, 0, &label)?;
        for (col, value) in [
            line.counts.cells,
            line.counts.covered,
            line.counts.preparation,
            line.counts.none,
            line.counts.unknown,
            line.counts.municipalities,
        ]
        .iter()
        .enumerate()
        {
            totals.write_number(row, col as u16 + 1, *value as f64)?;
        }
    }
    totals.autofit();
    Ok(bytes::Bytes::from(workbook.save_to_buffer()?))
}

pub async fn map_geojson(
    State(state): State<AppState>,
    Query(params): Query<MapParams>,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let query = strict_query(&params, &geography, state.clock.today())?;
    if state.boundary_count() == 0 {
        return Err(AppError::bad_request(
            "cartography-error-no-boundaries",
            "view",
        ));
    }
    let boundaries = state.boundaries().await?;
    let key = format!("geojson?{}", query.date);
    cached_or(
        &state,
        &key,
        "application/geo+json",
        Some(format!("livc-r-{}.geojson", query.date)),
        || {
            let registry = state.registry();
            let picture = registry.picture(&geography, query.date);
            let statuses = api_statuses(&geography, &registry, &picture);
            let mut out = String::with_capacity(1 << 20);
            out.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
            let mut first = true;
            for status in statuses {
                let Some(geometry) = boundaries.get(&status.nis) else {
                    continue;
                };
                if !first {
                    out.push(',');
                }
                first = false;
                let properties = serde_json::to_string(&status).map_err(AppError::internal)?;
                // The stored geometry was validated as GeoJSON on import.
                out.push_str(&format!(
                    "{{\"type\":\"Feature\",\"properties\":{properties},\"geometry\":{geometry}}}"
                ));
            }
            out.push_str("]}");
            Ok(bytes::Bytes::from(out))
        },
    )
}

pub async fn snapshots(State(state): State<AppState>) -> Result<Response, AppError> {
    let list = crate::registry::service::snapshots(&state.db).await?;
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id,
                "title": s.title,
                "reference_date": s.reference_date,
                "published_at": s.published_at,
                "url": format!("/api/v1/snapshots/{}", s.id),
            })
        })
        .collect();
    Ok(axum::Json(serde_json::json!({ "count": items.len(), "snapshots": items })).into_response())
}

pub async fn snapshot(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let snapshot = crate::registry::service::snapshot(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(axum::Json(serde_json::json!({
        "id": snapshot.id,
        "title": snapshot.title,
        "reference_date": snapshot.reference_date,
        "published_at": snapshot.published_at,
        "method": snapshot.method,
        "summary": api_summary(&snapshot.summary),
        "municipalities": snapshot.entries,
    }))
    .into_response())
}

/// Adds the cartography paths to the platform's OpenAPI document.
pub fn extend_openapi(document: &mut serde_json::Value) {
    let date = serde_json::json!({
        "name": "date", "in": "query", "required": false,
        "description": "Reference date (YYYY-MM-DD, from 2019-01-01, not in the future); default: today in Belgium.",
        "schema": { "type": "string", "format": "date" }
    });
    let lang = serde_json::json!({
        "name": "lang", "in": "query", "required": false,
        "schema": { "type": "string", "enum": ["nl", "fr", "de", "en"] }
    });
    let error = serde_json::json!({ "$ref": "#/components/responses/Error" });
    let status_enum = serde_json::json!(["own", "joint", "preparation", "none", "unknown"]);
    let source_enum = serde_json::json!([
        "declaration",
        "survey",
        "advisor",
        "partner",
        "public-decision",
        "merger",
        null
    ]);
    let paths = serde_json::json!({
        "/api/v1/cartography": { "get": {
            "summary": "LIVC-R status of every municipality valid on a date",
            "operationId": "getCartography",
            "parameters": [date],
            "responses": { "200": { "description": "Statuses", "content": { "application/json": { "schema": {
                "type": "object", "required": ["date", "count", "municipalities"], "properties": {
                    "date": { "type": "string", "format": "date" },
                    "count": { "type": "integer" },
                    "municipalities": { "type": "array", "items": { "$ref": "#/components/schemas/MunicipalityStatus" } } } } } } },
                "400": error } } },
        "/api/v1/cartography/summary": { "get": {
            "summary": "Cells, covered municipalities, without and unknown, for Belgium and each region (German-speaking Community as part of Wallonia)",
            "operationId": "getCartographySummary",
            "parameters": [date],
            "responses": { "200": { "description": "The table", "content": { "application/json": { "schema": {
                "$ref": "#/components/schemas/Summary" } } } }, "400": error } } },
        "/api/v1/cartography/map.svg": { "get": {
            "summary": "The map as SVG",
            "operationId": "getCartographyMap",
            "parameters": [date, lang, { "name": "view", "in": "query", "required": false,
                "schema": { "type": "string", "enum": ["tiles", "geo"] } }],
            "responses": { "200": { "description": "SVG", "content": { "image/svg+xml": {} } }, "400": error } } },
        "/api/v1/cartography/map.png": { "get": {
            "summary": "The map as a PNG image",
            "operationId": "getCartographyMapPng",
            "parameters": [date, lang, { "name": "view", "in": "query", "required": false,
                "schema": { "type": "string", "enum": ["tiles", "geo"] } }],
            "responses": { "200": { "description": "PNG", "content": { "image/png": {} } }, "400": error } } },
        "/api/v1/cartography/table.csv": { "get": {
            "summary": "The table of statuses as CSV (UTF-8 with BOM)",
            "operationId": "getCartographyCsv",
            "parameters": [date, lang],
            "responses": { "200": { "description": "CSV", "content": { "text/csv": {} } }, "400": error } } },
        "/api/v1/cartography/table.xlsx": { "get": {
            "summary": "The table of statuses and the summary as an XLSX workbook",
            "operationId": "getCartographyXlsx",
            "parameters": [date, lang],
            "responses": { "200": { "description": "XLSX", "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {} } }, "400": error } } },
        "/api/v1/cartography/map.geojson": { "get": {
            "summary": "Statuses with municipality boundaries (when boundaries are loaded)",
            "operationId": "getCartographyGeoJson",
            "parameters": [date],
            "responses": { "200": { "description": "GeoJSON", "content": { "application/geo+json": {} } }, "400": error } } },
        "/api/v1/snapshots": { "get": {
            "summary": "Published states of play",
            "operationId": "listSnapshots",
            "responses": { "200": { "description": "Snapshots", "content": { "application/json": { "schema": {
                "type": "object", "required": ["count", "snapshots"], "properties": {
                    "count": { "type": "integer" },
                    "snapshots": { "type": "array", "items": { "type": "object",
                        "required": ["id", "title", "reference_date", "published_at", "url"], "properties": {
                        "id": { "type": "integer" }, "title": { "type": "string" },
                        "reference_date": { "type": "string", "format": "date" },
                        "published_at": { "type": "string", "format": "date-time" },
                        "url": { "type": "string" } } } } } } } } } } } },
        "/api/v1/snapshots/{id}": { "get": {
            "summary": "One published state of play, frozen at publication",
            "operationId": "getSnapshot",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
            "responses": { "200": { "description": "The snapshot", "content": { "application/json": { "schema": {
                "type": "object", "required": ["id", "title", "reference_date", "published_at", "method", "summary", "municipalities"],
                "properties": {
                    "id": { "type": "integer" }, "title": { "type": "string" },
                    "reference_date": { "type": "string", "format": "date" },
                    "published_at": { "type": "string", "format": "date-time" },
                    "method": { "type": "string" },
                    "summary": { "$ref": "#/components/schemas/Summary" },
                    "municipalities": { "type": "array", "items": { "type": "object" } } } } } } },
                "404": error } } }
    });
    let schemas = serde_json::json!({
        "MunicipalityStatus": { "type": "object",
            "required": ["nis", "name_nl", "name_fr", "name_de", "region", "status", "cell", "since", "source_type"],
            "properties": {
                "nis": { "type": "string", "pattern": "^[0-9]{5}$" },
                "name_nl": { "type": "string" }, "name_fr": { "type": "string" }, "name_de": { "type": "string" },
                "region": { "type": "string", "enum": ["VLG", "WAL", "BRU"] },
                "status": { "type": "string", "enum": status_enum },
                "cell": { "oneOf": [ { "type": "null" }, { "type": "object", "required": ["id", "name"],
                    "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } } ] },
                "since": { "type": ["string", "null"], "format": "date" },
                "source_type": { "type": ["string", "null"], "enum": source_enum } } },
        "Summary": { "type": "object", "required": ["date", "areas"], "properties": {
            "date": { "type": "string", "format": "date" },
            "areas": { "type": "array", "items": { "type": "object",
                "required": ["area", "cells", "municipalities_covered", "without", "unknown", "municipalities"],
                "properties": {
                    "area": { "type": "string", "enum": ["BE", "BRU", "VLG", "WAL", "DG"] },
                    "part_of": { "type": ["string", "null"] },
                    "cells": { "type": "integer" },
                    "municipalities_covered": { "type": "integer" },
                    "own": { "type": "integer" }, "joint": { "type": "integer" },
                    "in_preparation": { "type": "integer" },
                    "without": { "type": "integer" }, "unknown": { "type": "integer" },
                    "municipalities": { "type": "integer" } } } } } }
    });
    if let Some(target) = document.get_mut("paths").and_then(|p| p.as_object_mut())
        && let Some(extra) = paths.as_object()
    {
        target.extend(extra.clone());
    }
    if let Some(target) = document
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
        && let Some(extra) = schemas.as_object()
    {
        target.extend(extra.clone());
    }
}
