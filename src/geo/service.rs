//! Use cases of the geography capability: importing the reference data and the boundaries,
//! and building the in-memory read model.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::domain::{
    AdminUnit, Geography, LanguageArea, Merger, Municipality, Names, PoliceZone, Region, UnitLevel,
    ZoneMembership,
};
use super::store::{self, GEOGRAPHY_DATASET};
use crate::core::db::{Db, DbError};
use crate::core::i18n::Lang;

const FILES: [&str; 5] = [
    "admin_units.csv",
    "municipalities.csv",
    "mergers.csv",
    "police_zones.csv",
    "police_zone_members.csv",
];

/// The reference files shipped inside the binary (derived by tools/derive-geography.py).
fn embedded(name: &str) -> &'static str {
    match name {
        "admin_units.csv" => include_str!("../../data/geo/admin_units.csv"),
        "municipalities.csv" => include_str!("../../data/geo/municipalities.csv"),
        "mergers.csv" => include_str!("../../data/geo/mergers.csv"),
        "police_zones.csv" => include_str!("../../data/geo/police_zones.csv"),
        "police_zone_members.csv" => include_str!("../../data/geo/police_zone_members.csv"),
        _ => "",
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {file}: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}, line {line}: {reason}")]
    Invalid {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("database error: {0}")]
    Database(#[from] DbError),
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub changed: bool,
    pub municipalities: usize,
    pub police_zones: usize,
    pub mergers: usize,
}

/// One CSV line as column name → trimmed value.
type Record = HashMap<String, String>;

struct Sources {
    texts: Vec<(String, String)>,
}

impl Sources {
    fn embedded() -> Sources {
        Sources {
            texts: FILES
                .iter()
                .map(|f| (f.to_string(), embedded(f).to_string()))
                .collect(),
        }
    }

    fn from_dir(dir: &Path) -> Result<Sources, ImportError> {
        let mut texts = vec![];
        for file in FILES {
            let path = dir.join(file);
            let text = std::fs::read_to_string(&path).map_err(|e| ImportError::Read {
                file: path.display().to_string(),
                reason: e.to_string(),
            })?;
            texts.push((file.to_string(), text));
        }
        Ok(Sources { texts })
    }

    fn version(&self) -> String {
        let mut hasher = Sha256::new();
        for (name, text) in &self.texts {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        hasher
            .finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn records(&self, file: &str) -> Result<Vec<(usize, Record)>, ImportError> {
        let text = self
            .texts
            .iter()
            .find(|(name, _)| name == file)
            .map(|(_, text)| text.as_str())
            .unwrap_or("");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| invalid(file, 1, e.to_string()))?
            .clone();
        let mut out = vec![];
        for (index, record) in reader.records().enumerate() {
            let line = index + 2;
            let record = record.map_err(|e| invalid(file, line, e.to_string()))?;
            let map = headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_string(), v.trim().to_string()))
                .collect();
            out.push((line, map));
        }
        Ok(out)
    }
}

fn invalid(file: &str, line: usize, reason: impl Into<String>) -> ImportError {
    ImportError::Invalid {
        file: file.to_string(),
        line,
        reason: reason.into(),
    }
}

struct Field<'a> {
    file: &'a str,
    line: usize,
    record: &'a HashMap<String, String>,
}

impl Field<'_> {
    fn text(&self, name: &str) -> Result<String, ImportError> {
        match self.record.get(name) {
            Some(v) if !v.is_empty() => Ok(v.clone()),
            _ => Err(invalid(
                self.file,
                self.line,
                format!("missing value for {name}"),
            )),
        }
    }
    fn optional(&self, name: &str) -> Option<String> {
        self.record.get(name).filter(|v| !v.is_empty()).cloned()
    }
    fn date(&self, name: &str) -> Result<NaiveDate, ImportError> {
        let text = self.text(name)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
            invalid(
                self.file,
                self.line,
                format!("{name} is not a date: {text:?}"),
            )
        })
    }
    fn optional_date(&self, name: &str) -> Result<Option<NaiveDate>, ImportError> {
        match self.optional(name) {
            None => Ok(None),
            Some(_) => self.date(name).map(Some),
        }
    }
    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<T, ImportError> {
        let text = self.text(name)?;
        text.parse().map_err(|_| {
            invalid(
                self.file,
                self.line,
                format!("{name} is not a number: {text:?}"),
            )
        })
    }
    fn nis(&self, name: &str) -> Result<String, ImportError> {
        let text = self.text(name)?;
        if text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(text)
        } else {
            Err(invalid(
                self.file,
                self.line,
                format!("{name} is not a NIS code: {text:?}"),
            ))
        }
    }
    fn region(&self) -> Result<String, ImportError> {
        let text = self.text("region")?;
        Region::from_code(&text)
            .map(|r| r.code().to_string())
            .ok_or_else(|| invalid(self.file, self.line, format!("unknown region {text:?}")))
    }
}

/// The parsed and cross-checked content of the five reference files.
struct Parsed {
    units: Vec<store::AdminUnitRow>,
    municipalities: Vec<store::MunicipalityRow>,
    mergers: Vec<store::MergerRow>,
    zones: Vec<store::PoliceZoneRow>,
    members: Vec<store::MembershipRow>,
}

fn parse(sources: &Sources) -> Result<Parsed, ImportError> {
    let mut units = vec![];
    for (line, record) in sources.records("admin_units.csv")? {
        let f = Field {
            file: "admin_units.csv",
            line,
            record: &record,
        };
        let level = f.text("level")?;
        if !matches!(level.as_str(), "region" | "province" | "arrondissement") {
            return Err(invalid(f.file, line, format!("unknown level {level:?}")));
        }
        units.push(store::AdminUnitRow {
            code: f.nis("code")?,
            level,
            region: f.region()?,
            parent_code: f.optional("parent_code"),
            name_nl: f.text("name_nl")?,
            name_fr: f.text("name_fr")?,
            name_de: f.text("name_de")?,
        });
    }
    let unit_codes: HashSet<&str> = units.iter().map(|u| u.code.as_str()).collect();

    let mut municipalities = vec![];
    for (line, record) in sources.records("municipalities.csv")? {
        let f = Field {
            file: "municipalities.csv",
            line,
            record: &record,
        };
        let arrondissement_nis = f.nis("arrondissement_nis")?;
        let province_nis = f.optional("province_nis");
        for code in std::iter::once(&arrondissement_nis).chain(province_nis.iter()) {
            if !unit_codes.contains(code.as_str()) {
                return Err(invalid(
                    f.file,
                    line,
                    format!("unknown administrative unit {code}"),
                ));
            }
        }
        let language_area = f.text("language_area")?;
        if LanguageArea::from_code(&language_area).is_none() {
            return Err(invalid(
                f.file,
                line,
                format!("unknown language area {language_area:?}"),
            ));
        }
        let language_facilities = f.optional("language_facilities");
        if let Some(code) = &language_facilities
            && Lang::from_code(code).is_none()
        {
            return Err(invalid(
                f.file,
                line,
                format!("unknown facility language {code:?}"),
            ));
        }
        let valid_from = f.date("valid_from")?;
        let valid_to = f.optional_date("valid_to")?;
        if valid_to.is_some_and(|end| end < valid_from) {
            return Err(invalid(f.file, line, "validity ends before it starts"));
        }
        let lat: f64 = f.number("centroid_lat")?;
        let lon: f64 = f.number("centroid_lon")?;
        if !(49.0..=52.0).contains(&lat) || !(2.0..=7.0).contains(&lon) {
            return Err(invalid(f.file, line, "centroid outside Belgium"));
        }
        municipalities.push(store::MunicipalityRow {
            nis: f.nis("nis")?,
            name_nl: f.text("name_nl")?,
            name_fr: f.text("name_fr")?,
            name_de: f.text("name_de")?,
            arrondissement_nis,
            province_nis,
            region: f.region()?,
            language_area,
            language_facilities,
            population: f.number("population")?,
            population_date: f.date("population_date")?,
            centroid_lat: lat,
            centroid_lon: lon,
            label_lat: f.number("label_lat")?,
            label_lon: f.number("label_lon")?,
            area_km2: f.number("area_km2")?,
            valid_from,
            valid_to,
        });
    }
    let mut seen = HashSet::new();
    for m in &municipalities {
        if !seen.insert(m.nis.as_str()) {
            return Err(invalid(
                "municipalities.csv",
                0,
                format!("duplicate NIS code {}", m.nis),
            ));
        }
    }

    let mut mergers = vec![];
    for (line, record) in sources.records("mergers.csv")? {
        let f = Field {
            file: "mergers.csv",
            line,
            record: &record,
        };
        let row = store::MergerRow {
            former_nis: f.nis("former_nis")?,
            successor_nis: f.nis("successor_nis")?,
            effective_date: f.date("effective_date")?,
        };
        for code in [&row.former_nis, &row.successor_nis] {
            if !seen.contains(code.as_str()) {
                return Err(invalid(
                    f.file,
                    line,
                    format!("unknown municipality {code}"),
                ));
            }
        }
        mergers.push(row);
    }

    let mut zones = vec![];
    for (line, record) in sources.records("police_zones.csv")? {
        let f = Field {
            file: "police_zones.csv",
            line,
            record: &record,
        };
        let code_verified = match f.text("code_verified")?.as_str() {
            "yes" => true,
            "no" => false,
            other => {
                return Err(invalid(
                    f.file,
                    line,
                    format!("code_verified must be yes or no, not {other:?}"),
                ));
            }
        };
        zones.push(store::PoliceZoneRow {
            zone_key: f.text("zone_key")?,
            zone_code: f.optional("zone_code"),
            name: f.text("name")?,
            region: f.region()?,
            code_verified,
            valid_from: f.date("valid_from")?,
            valid_to: f.optional_date("valid_to")?,
            formed_from: f.optional("formed_from"),
        });
    }
    let zone_keys: HashSet<&str> = zones.iter().map(|z| z.zone_key.as_str()).collect();
    let mut members = vec![];
    for (line, record) in sources.records("police_zone_members.csv")? {
        let f = Field {
            file: "police_zone_members.csv",
            line,
            record: &record,
        };
        let row = store::MembershipRow {
            zone_key: f.text("zone_key")?,
            nis: f.nis("nis")?,
            valid_from: f.date("valid_from")?,
            valid_to: f.optional_date("valid_to")?,
        };
        if !zone_keys.contains(row.zone_key.as_str()) {
            return Err(invalid(
                f.file,
                line,
                format!("unknown police zone {}", row.zone_key),
            ));
        }
        if !seen.contains(row.nis.as_str()) {
            return Err(invalid(
                f.file,
                line,
                format!("unknown municipality {}", row.nis),
            ));
        }
        members.push(row);
    }
    Ok(Parsed {
        units,
        municipalities,
        mergers,
        zones,
        members,
    })
}

/// Loads the reference geography into the database. Idempotent: an unchanged data set is
/// recognised by its version and not written again.
pub async fn import_geography(
    db: &Db,
    from: Option<&Path>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ImportSummary, ImportError> {
    let sources = match from {
        Some(dir) => Sources::from_dir(dir)?,
        None => Sources::embedded(),
    };
    let version = sources.version();
    let parsed = parse(&sources)?;
    let summary = |changed| ImportSummary {
        changed,
        municipalities: parsed.municipalities.len(),
        police_zones: parsed.zones.len(),
        mergers: parsed.mergers.len(),
    };
    if store::dataset_version(db, GEOGRAPHY_DATASET)
        .await?
        .as_deref()
        == Some(version.as_str())
    {
        return Ok(summary(false));
    }
    let mut tx = db.begin().await?;
    // Regions first, then provinces, then arrondissements: parents before children.
    let mut units = parsed.units.clone();
    units.sort_by_key(|u| match u.level.as_str() {
        "region" => 0,
        "province" => 1,
        _ => 2,
    });
    store::upsert_admin_units(&mut tx, &units).await?;
    store::upsert_municipalities(&mut tx, &parsed.municipalities).await?;
    store::replace_mergers(&mut tx, &parsed.mergers).await?;
    store::replace_police_zones(&mut tx, &parsed.zones, &parsed.members).await?;
    store::set_dataset_version(&mut tx, GEOGRAPHY_DATASET, &version, now).await?;
    tx.commit().await?;
    Ok(summary(true))
}

/// The version of the geography currently in the database, if any was loaded.
pub async fn geography_version(db: &Db) -> Result<Option<String>, DbError> {
    store::dataset_version(db, GEOGRAPHY_DATASET).await
}

/// Builds the in-memory read model from the database.
pub async fn load_geography(db: &Db) -> Result<Geography, DbError> {
    let version = store::dataset_version(db, GEOGRAPHY_DATASET)
        .await?
        .unwrap_or_default();
    let units = store::load_admin_units(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(AdminUnit {
                level: match row.level.as_str() {
                    "region" => UnitLevel::Region,
                    "province" => UnitLevel::Province,
                    _ => UnitLevel::Arrondissement,
                },
                region: Region::from_code(&row.region)?,
                code: row.code,
                parent_code: row.parent_code,
                names: Names {
                    nl: row.name_nl,
                    fr: row.name_fr,
                    de: row.name_de,
                },
            })
        })
        .collect();
    let municipalities = store::load_municipalities(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(Municipality::new(
                row.nis,
                Names {
                    nl: row.name_nl,
                    fr: row.name_fr,
                    de: row.name_de,
                },
                row.arrondissement_nis,
                row.province_nis,
                Region::from_code(&row.region)?,
                LanguageArea::from_code(&row.language_area)?,
                row.language_facilities.as_deref().and_then(Lang::from_code),
                row.population,
                row.population_date,
                (row.centroid_lat, row.centroid_lon),
                (row.label_lat, row.label_lon),
                row.area_km2,
                row.valid_from,
                row.valid_to,
            ))
        })
        .collect();
    let zones = store::load_police_zones(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(PoliceZone {
                region: Region::from_code(&row.region)?,
                key: row.zone_key,
                code: row.zone_code,
                name: row.name,
                code_verified: row.code_verified,
                valid_from: row.valid_from,
                valid_to: row.valid_to,
                formed_from: row.formed_from,
            })
        })
        .collect();
    let memberships = store::load_memberships(db)
        .await?
        .into_iter()
        .map(|row| ZoneMembership {
            zone_key: row.zone_key,
            nis: row.nis,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
        })
        .collect();
    let mergers = store::load_mergers(db)
        .await?
        .into_iter()
        .map(|row| Merger {
            former_nis: row.former_nis,
            successor_nis: row.successor_nis,
            effective_date: row.effective_date,
        })
        .collect();
    Ok(Geography::new(
        version,
        municipalities,
        units,
        zones,
        memberships,
        mergers,
    ))
}

/// Municipality codes valid on a date, answered by the database itself.
pub async fn municipality_codes_on(db: &Db, date: NaiveDate) -> Result<Vec<String>, DbError> {
    store::municipality_codes_on(db, date).await
}

pub async fn boundary_count(db: &Db) -> Result<i64, DbError> {
    store::count_boundaries(db).await
}

/// Every stored geometry by NIS code (the geographic map draws them all).
pub async fn all_boundaries(db: &Db) -> Result<std::collections::HashMap<String, String>, DbError> {
    Ok(store::load_all_boundaries(db)
        .await?
        .into_iter()
        .map(|row| (row.nis, row.geometry))
        .collect())
}

/// The stored GeoJSON geometry of one municipality, if boundaries were imported.
pub async fn boundary_of(db: &Db, nis: &str) -> Result<Option<String>, DbError> {
    Ok(store::load_boundary(db, nis).await?.map(|row| row.geometry))
}
