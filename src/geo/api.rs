//! The read-only geography API (`/api/v1/…`) and its OpenAPI description.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::domain::{Geography, Municipality, PoliceZone};
use crate::core::error::AppError;
use crate::core::state::AppState;
use crate::geo::GeoState;

#[derive(Debug, Default, Deserialize)]
pub struct DateParams {
    date: Option<String>,
}

fn date_from(params: &DateParams, today: NaiveDate) -> Result<NaiveDate, AppError> {
    super::parse_date_param(params.date.as_deref(), today)
        .map_err(|key| AppError::bad_request(key, "date"))
}

/// Wire format of a municipality; the domain type never serialises itself.
#[derive(Serialize)]
struct ApiMunicipality {
    nis: String,
    names: ApiNames,
    region: &'static str,
    province: Option<ApiUnit>,
    arrondissement: Option<ApiUnit>,
    language_area: &'static str,
    language_facilities: Option<&'static str>,
    police_zone: Option<ApiZoneRef>,
    population: i64,
    population_date: NaiveDate,
    area_km2: f64,
    centroid: ApiPoint,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
}

#[derive(Serialize)]
struct ApiNames {
    nl: String,
    fr: String,
    de: String,
}

#[derive(Serialize)]
struct ApiUnit {
    code: String,
    names: ApiNames,
}

#[derive(Serialize)]
struct ApiZoneRef {
    key: String,
    code: Option<String>,
    name: String,
}

#[derive(Serialize)]
struct ApiPoint {
    lat: f64,
    lon: f64,
}

#[derive(Serialize)]
struct ApiMergerLink {
    nis: String,
    effective_date: NaiveDate,
}

fn unit(geography: &Geography, code: Option<&str>) -> Option<ApiUnit> {
    let unit = geography.unit(code?)?;
    Some(ApiUnit {
        code: unit.code.clone(),
        names: ApiNames {
            nl: unit.names.nl.clone(),
            fr: unit.names.fr.clone(),
            de: unit.names.de.clone(),
        },
    })
}

fn zone_ref(zone: &PoliceZone) -> ApiZoneRef {
    ApiZoneRef {
        key: zone.key.clone(),
        code: zone.code.clone(),
        name: zone.name.clone(),
    }
}

fn municipality_to_api(
    geography: &Geography,
    m: &Municipality,
    date: NaiveDate,
) -> ApiMunicipality {
    ApiMunicipality {
        nis: m.nis.clone(),
        names: ApiNames {
            nl: m.names.nl.clone(),
            fr: m.names.fr.clone(),
            de: m.names.de.clone(),
        },
        region: m.region.code(),
        province: unit(geography, m.province_nis.as_deref()),
        arrondissement: unit(geography, Some(&m.arrondissement_nis)),
        language_area: m.language_area.code(),
        language_facilities: m.language_facilities.map(|l| l.code()),
        police_zone: geography.zone_of(&m.nis, date).map(zone_ref),
        population: m.population,
        population_date: m.population_date,
        area_km2: m.area_km2,
        centroid: ApiPoint {
            lat: m.centroid.0,
            lon: m.centroid.1,
        },
        valid_from: m.valid_from,
        valid_to: m.valid_to,
    }
}

fn json_response<T: Serialize>(value: T) -> Response {
    let mut response = Json(value).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

pub async fn api_municipality_list(
    State(state): State<AppState>,
    Query(params): Query<DateParams>,
) -> Result<Response, AppError> {
    let date = date_from(&params, state.clock.today())?;
    let geography = state.geography();
    let items: Vec<ApiMunicipality> = geography
        .municipalities_on(date)
        .map(|m| municipality_to_api(&geography, m, date))
        .collect();
    Ok(json_response(serde_json::json!({
        "date": date,
        "count": items.len(),
        "municipalities": items,
    })))
}

pub async fn api_municipality(
    State(state): State<AppState>,
    Path(nis): Path<String>,
    Query(params): Query<DateParams>,
) -> Result<Response, AppError> {
    let date = date_from(&params, state.clock.today())?;
    let geography = state.geography();
    let m = geography.municipality(&nis).ok_or(AppError::NotFound)?;
    let day = m.last_day_until(date);
    let successor = geography.successor_of(&m.nis).map(|merger| ApiMergerLink {
        nis: merger.successor_nis.clone(),
        effective_date: merger.effective_date,
    });
    let predecessors: Vec<ApiMergerLink> = geography
        .predecessors_of(&m.nis)
        .into_iter()
        .map(|merger| ApiMergerLink {
            nis: merger.former_nis.clone(),
            effective_date: merger.effective_date,
        })
        .collect();
    Ok(json_response(serde_json::json!({
        "municipality": municipality_to_api(&geography, m, day),
        "valid_on_date": m.is_valid_on(date),
        "successor": successor,
        "predecessors": predecessors,
    })))
}

#[derive(Serialize)]
struct ApiPoliceZone {
    key: String,
    code: Option<String>,
    code_verified: bool,
    name: String,
    region: &'static str,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    formed_from: Option<String>,
    members: Vec<String>,
}

fn api_zone(geography: &Geography, zone: &PoliceZone, date: NaiveDate) -> ApiPoliceZone {
    let day = match zone.valid_to {
        Some(end) if end < date => end,
        _ => date,
    };
    ApiPoliceZone {
        key: zone.key.clone(),
        code: zone.code.clone(),
        code_verified: zone.code_verified,
        name: zone.name.clone(),
        region: zone.region.code(),
        valid_from: zone.valid_from,
        valid_to: zone.valid_to,
        formed_from: zone.formed_from.clone(),
        members: geography
            .zone_members(&zone.key, day)
            .into_iter()
            .map(|m| m.nis.clone())
            .collect(),
    }
}

pub async fn api_police_zone_list(
    State(state): State<AppState>,
    Query(params): Query<DateParams>,
) -> Result<Response, AppError> {
    let date = date_from(&params, state.clock.today())?;
    let geography = state.geography();
    let zones: Vec<ApiPoliceZone> = geography
        .zones_on(date)
        .into_iter()
        .map(|z| api_zone(&geography, z, date))
        .collect();
    Ok(json_response(serde_json::json!({
        "date": date,
        "count": zones.len(),
        "police_zones": zones,
    })))
}

pub async fn api_police_zone(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(params): Query<DateParams>,
) -> Result<Response, AppError> {
    let date = date_from(&params, state.clock.today())?;
    let geography = state.geography();
    let zone = geography.zone(&key).ok_or(AppError::NotFound)?;
    Ok(json_response(
        serde_json::json!({ "police_zone": api_zone(&geography, zone, date) }),
    ))
}

/// Adds the reference-geography paths and schemas to the platform's OpenAPI document.
pub fn extend_openapi(document: &mut serde_json::Value) {
    crate::core::ops::merge_openapi(document, geography_openapi());
}

fn geography_openapi() -> serde_json::Value {
    let date_param = serde_json::json!({
        "name": "date", "in": "query", "required": false,
        "description": "Reference date (YYYY-MM-DD, from 2019-01-01); default: today in Belgium.",
        "schema": { "type": "string", "format": "date" }
    });
    let error = serde_json::json!({ "$ref": "#/components/responses/Error" });
    serde_json::json!({
        "paths": {
            "/api/v1/municipalities": { "get": {
                "summary": "Municipalities valid on a date",
                "operationId": "listMunicipalities",
                "parameters": [date_param],
                "responses": {
                    "200": { "description": "The municipalities valid on the date",
                        "content": { "application/json": { "schema": {
                            "type": "object", "required": ["date", "count", "municipalities"],
                            "properties": {
                                "date": { "type": "string", "format": "date" },
                                "count": { "type": "integer" },
                                "municipalities": { "type": "array", "items": { "$ref": "#/components/schemas/Municipality" } }
                            } } } } },
                    "400": error
                } } },
            "/api/v1/municipalities/{nis}": { "get": {
                "summary": "One municipality, current or former, with its merger links",
                "operationId": "getMunicipality",
                "parameters": [
                    { "name": "nis", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[0-9]{5}$" } },
                    date_param
                ],
                "responses": {
                    "200": { "description": "The municipality",
                        "content": { "application/json": { "schema": {
                            "type": "object", "required": ["municipality", "valid_on_date", "successor", "predecessors"],
                            "properties": {
                                "municipality": { "$ref": "#/components/schemas/Municipality" },
                                "valid_on_date": { "type": "boolean" },
                                "successor": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/MergerLink" } ] },
                                "predecessors": { "type": "array", "items": { "$ref": "#/components/schemas/MergerLink" } }
                            } } } } },
                    "400": error, "404": error
                } } },
            "/api/v1/police-zones": { "get": {
                "summary": "Police zones valid on a date, with their member municipalities",
                "operationId": "listPoliceZones",
                "parameters": [date_param],
                "responses": {
                    "200": { "description": "The police zones",
                        "content": { "application/json": { "schema": {
                            "type": "object", "required": ["date", "count", "police_zones"],
                            "properties": {
                                "date": { "type": "string", "format": "date" },
                                "count": { "type": "integer" },
                                "police_zones": { "type": "array", "items": { "$ref": "#/components/schemas/PoliceZone" } }
                            } } } } },
                    "400": error
                } } },
            "/api/v1/police-zones/{key}": { "get": {
                "summary": "One police zone",
                "operationId": "getPoliceZone",
                "parameters": [
                    { "name": "key", "in": "path", "required": true, "schema": { "type": "string" } },
                    date_param
                ],
                "responses": {
                    "200": { "description": "The police zone",
                        "content": { "application/json": { "schema": {
                            "type": "object", "required": ["police_zone"],
                            "properties": { "police_zone": { "$ref": "#/components/schemas/PoliceZone" } } } } } },
                    "400": error, "404": error
                } } }
        },
        "components": {
            "schemas": {
                "Names": { "type": "object", "required": ["nl", "fr", "de"], "properties": {
                    "nl": { "type": "string" }, "fr": { "type": "string" }, "de": { "type": "string" } } },
                "Unit": { "type": "object", "required": ["code", "names"], "properties": {
                    "code": { "type": "string" }, "names": { "$ref": "#/components/schemas/Names" } } },
                "ZoneRef": { "type": "object", "required": ["key", "name"], "properties": {
                    "key": { "type": "string" }, "code": { "type": ["string", "null"] }, "name": { "type": "string" } } },
                "MergerLink": { "type": "object", "required": ["nis", "effective_date"], "properties": {
                    "nis": { "type": "string" }, "effective_date": { "type": "string", "format": "date" } } },
                "Municipality": { "type": "object",
                    "required": ["nis", "names", "region", "language_area", "population", "population_date", "area_km2", "centroid", "valid_from"],
                    "properties": {
                        "nis": { "type": "string", "pattern": "^[0-9]{5}$" },
                        "names": { "$ref": "#/components/schemas/Names" },
                        "region": { "type": "string", "enum": ["VLG", "WAL", "BRU"] },
                        "province": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/Unit" } ] },
                        "arrondissement": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/Unit" } ] },
                        "language_area": { "type": "string", "enum": ["nl", "fr", "de", "nl-fr"] },
                        "language_facilities": { "type": ["string", "null"], "enum": ["nl", "fr", "de", null] },
                        "police_zone": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/ZoneRef" } ] },
                        "population": { "type": "integer" },
                        "population_date": { "type": "string", "format": "date" },
                        "area_km2": { "type": "number" },
                        "centroid": { "type": "object", "required": ["lat", "lon"], "properties": {
                            "lat": { "type": "number" }, "lon": { "type": "number" } } },
                        "valid_from": { "type": "string", "format": "date" },
                        "valid_to": { "type": ["string", "null"], "format": "date" }
                    } },
                "PoliceZone": { "type": "object",
                    "required": ["key", "code_verified", "name", "region", "valid_from", "members"],
                    "properties": {
                        "key": { "type": "string" },
                        "code": { "type": ["string", "null"] },
                        "code_verified": { "type": "boolean" },
                        "name": { "type": "string" },
                        "region": { "type": "string", "enum": ["VLG", "WAL", "BRU"] },
                        "valid_from": { "type": "string", "format": "date" },
                        "valid_to": { "type": ["string", "null"], "format": "date" },
                        "formed_from": { "type": ["string", "null"] },
                        "members": { "type": "array", "items": { "type": "string" } }
                    } }
            }
        }
    })
}
