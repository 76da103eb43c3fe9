//! Import of municipality boundary polygons from a GeoJSON file given by the operator.
//!
//! Every feature is validated: a known NIS code, a Polygon or MultiPolygon geometry, closed
//! rings of at least four positions, finite WGS84 coordinates inside Belgium. By default the
//! import is all or nothing; with `skip_invalid` the valid features are stored and the others
//! reported. Coordinates are rounded to five decimals (about one metre).

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::domain::Geography;
use crate::core::db::{Db, DbError};

/// Larger files are refused before parsing: the full-resolution Belgian set is ~1–20 MB.
pub const MAX_BOUNDARY_FILE_BYTES: u64 = 200 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct BoundaryImportReport {
    pub stored: usize,
    pub skipped: Vec<SkippedFeature>,
    /// True when problems were found and nothing was stored.
    pub refused: bool,
}

#[derive(Debug)]
pub struct SkippedFeature {
    pub index: usize,
    pub nis: Option<String>,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    #[error("the file is larger than {} MB", MAX_BOUNDARY_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the file is not valid JSON: {0}")]
    NotJson(String),
    #[error("the file is not a GeoJSON FeatureCollection")]
    NotFeatureCollection,
    #[error("database error: {0}")]
    Database(#[from] DbError),
}

pub async fn import_boundaries(
    db: &Db,
    geography: &Geography,
    path: &Path,
    skip_invalid: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<BoundaryImportReport, BoundaryError> {
    let size = std::fs::metadata(path)
        .map_err(|e| BoundaryError::Read(path.display().to_string(), e.to_string()))?
        .len();
    if size > MAX_BOUNDARY_FILE_BYTES {
        return Err(BoundaryError::TooLarge);
    }
    let bytes = std::fs::read(path)
        .map_err(|e| BoundaryError::Read(path.display().to_string(), e.to_string()))?;
    let (valid, skipped) = validate(&bytes, geography)?;
    let mut report = BoundaryImportReport {
        stored: 0,
        skipped,
        refused: false,
    };
    if (!report.skipped.is_empty() && !skip_invalid) || valid.is_empty() {
        report.refused = true;
        return Ok(report);
    }
    report.stored = valid.len();
    store_boundaries(db, valid, now).await?;
    Ok(report)
}

/// (NIS code, compact GeoJSON geometry) of a feature that passed validation.
pub type ValidBoundary = (String, String);

/// Checks every feature; returns the valid ones and the reasons for the others.
pub fn validate(
    bytes: &[u8],
    geography: &Geography,
) -> Result<(Vec<ValidBoundary>, Vec<SkippedFeature>), BoundaryError> {
    let root: Value =
        serde_json::from_slice(bytes).map_err(|e| BoundaryError::NotJson(e.to_string()))?;
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(BoundaryError::NotFeatureCollection);
    }
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        return Err(BoundaryError::NotFeatureCollection);
    };
    let mut valid = vec![];
    let mut skipped = vec![];
    let mut seen = HashSet::new();
    for (index, feature) in features.iter().enumerate() {
        let nis = feature_nis(feature);
        let outcome = match &nis {
            None => Err("the feature has no NIS code (property \"nis\")".to_string()),
            Some(code) if geography.municipality(code).is_none() => {
                Err(format!("unknown NIS code {code}"))
            }
            Some(code) if !seen.insert(code.clone()) => {
                Err(format!("NIS code {code} appears more than once"))
            }
            Some(_) => feature
                .get("geometry")
                .ok_or_else(|| "the feature has no geometry".to_string())
                .and_then(check_geometry),
        };
        match (outcome, nis) {
            (Ok(geometry), Some(code)) => valid.push((code, geometry)),
            (Err(reason), nis) => skipped.push(SkippedFeature { index, nis, reason }),
            (Ok(_), None) => {}
        }
    }
    Ok((valid, skipped))
}

fn feature_nis(feature: &Value) -> Option<String> {
    let value = feature.get("properties")?.get("nis")?;
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

fn check_geometry(geometry: &Value) -> Result<String, String> {
    let kind = geometry.get("type").and_then(Value::as_str);
    let coordinates = geometry
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("the geometry has no coordinates")?;
    let polygons: Vec<&Value> = match kind {
        Some("Polygon") => vec![geometry.get("coordinates").ok_or("no coordinates")?],
        Some("MultiPolygon") => coordinates.iter().collect(),
        Some(other) => {
            return Err(format!(
                "geometry type {other} is not a Polygon or MultiPolygon"
            ));
        }
        None => return Err("the geometry has no type".into()),
    };
    if polygons.is_empty() {
        return Err("the geometry is empty".into());
    }
    let mut rounded_polygons = vec![];
    for polygon in polygons {
        let rings = polygon
            .as_array()
            .ok_or("a polygon is not a list of rings")?;
        if rings.is_empty() {
            return Err("a polygon has no rings".into());
        }
        let mut rounded_rings = vec![];
        for ring in rings {
            let positions = ring.as_array().ok_or("a ring is not a list of positions")?;
            if positions.len() < 4 {
                return Err("a ring has fewer than four positions".into());
            }
            let mut rounded = Vec::with_capacity(positions.len());
            for position in positions {
                let pair = position.as_array().ok_or("a position is not a list")?;
                let (Some(lon), Some(lat)) = (
                    pair.first().and_then(Value::as_f64),
                    pair.get(1).and_then(Value::as_f64),
                ) else {
                    return Err("a position is not a pair of numbers".into());
                };
                if !lon.is_finite() || !lat.is_finite() {
                    return Err("a coordinate is not a finite number".into());
                }
                if !(2.3..=6.6).contains(&lon) || !(49.3..=51.7).contains(&lat) {
                    return Err(format!(
                        "position ({lon}, {lat}) lies outside Belgium: coordinates must be WGS84 longitude/latitude"
                    ));
                }
                rounded.push(((lon * 1e5).round() / 1e5, (lat * 1e5).round() / 1e5));
            }
            if rounded.first() != rounded.last() {
                return Err("a ring is not closed (first and last positions differ)".into());
            }
            rounded_rings.push(rounded);
        }
        rounded_polygons.push(rounded_rings);
    }
    let multipolygon: Vec<Vec<Vec<[f64; 2]>>> = rounded_polygons
        .into_iter()
        .map(|rings| {
            rings
                .into_iter()
                .map(|ring| ring.into_iter().map(|(lon, lat)| [lon, lat]).collect())
                .collect()
        })
        .collect();
    serde_json::to_string(&serde_json::json!({
        "type": "MultiPolygon",
        "coordinates": multipolygon,
    }))
    .map_err(|e| e.to_string())
}

async fn store_boundaries(
    db: &Db,
    rows: Vec<(String, String)>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbError> {
    let rows: Vec<super::store::BoundaryRow> = rows
        .into_iter()
        .map(|(nis, geometry)| super::store::BoundaryRow { nis, geometry })
        .collect();
    let mut tx = db.begin().await?;
    super::store::upsert_boundaries(&mut tx, &rows, now).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::domain::LanguageArea;
    use crate::geo::domain::tests::municipality;

    fn geography() -> Geography {
        Geography::new(
            "t".into(),
            vec![municipality(
                "21009",
                "Elsene",
                "Ixelles",
                "Ixelles",
                LanguageArea::BilingualBrussels,
            )],
            vec![],
            vec![],
            vec![],
            vec![],
        )
    }

    const SQUARE: &str = "[[[4.36,50.82],[4.38,50.82],[4.38,50.84],[4.36,50.84],[4.36,50.82]]]";

    #[test]
    fn accepts_a_valid_polygon_and_reports_the_rest() {
        let file = format!(
            r#"{{"type":"FeatureCollection","features":[
            {{"type":"Feature","properties":{{"nis":"21009"}},"geometry":{{"type":"Polygon","coordinates":{SQUARE}}}}},
            {{"type":"Feature","properties":{{"nis":"99999"}},"geometry":{{"type":"Polygon","coordinates":{SQUARE}}}}},
            {{"type":"Feature","properties":{{"nis":"21009"}},"geometry":{{"type":"Polygon","coordinates":{SQUARE}}}}},
            {{"type":"Feature","properties":{{}},"geometry":null}}
            ]}}"#
        );
        let (valid, skipped) = validate(file.as_bytes(), &geography()).expect("parses");
        assert_eq!(valid.len(), 1);
        assert_eq!(skipped.len(), 3);
        assert!(skipped[0].reason.contains("unknown NIS code 99999"));
        assert!(skipped[1].reason.contains("more than once"));
    }

    #[test]
    fn refuses_open_rings_lambert_coordinates_and_garbage() {
        let open = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nis":"21009"},
            "geometry":{"type":"Polygon","coordinates":[[[4.36,50.82],[4.38,50.82],[4.38,50.84],[4.36,50.84],[4.37,50.83]]]}}]}"#;
        let (_, skipped) = validate(open.as_bytes(), &geography()).expect("parses");
        assert!(skipped[0].reason.contains("not closed"));
        let lambert = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nis":"21009"},
            "geometry":{"type":"Polygon","coordinates":[[[150000,170000],[150100,170000],[150100,170100],[150000,170000]]]}}]}"#;
        let (_, skipped) = validate(lambert.as_bytes(), &geography()).expect("parses");
        assert!(skipped[0].reason.contains("WGS84"));
        assert!(matches!(
            validate(b"\x00\xffgarbage", &geography()),
            Err(BoundaryError::NotJson(_))
        ));
        assert!(matches!(
            validate(b"{\"type\":\"Feature\"}", &geography()),
            Err(BoundaryError::NotFeatureCollection)
        ));
    }
}
