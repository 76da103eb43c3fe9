//! Belgian geography in memory: municipalities with validity periods, administrative units,
//! police zones with time-versioned membership, and the merger links between municipalities.
//!
//! The database is the source of truth; this read model is rebuilt from it at start-up and
//! whenever the reference data set changes, because every public page reads it.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::i18n::Lang;
use crate::core::text::{collation_key, search_key};

/// The first day this reference set covers (581 municipalities since 1 January 2019).
pub fn first_reference_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2019, 1, 1).expect("valid date")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Region {
    #[serde(rename = "VLG")]
    Flanders,
    #[serde(rename = "WAL")]
    Wallonia,
    #[serde(rename = "BRU")]
    Brussels,
}

impl Region {
    pub const ALL: [Region; 3] = [Region::Brussels, Region::Flanders, Region::Wallonia];

    pub fn code(self) -> &'static str {
        match self {
            Region::Flanders => "VLG",
            Region::Wallonia => "WAL",
            Region::Brussels => "BRU",
        }
    }

    pub fn from_code(code: &str) -> Option<Region> {
        match code {
            "VLG" => Some(Region::Flanders),
            "WAL" => Some(Region::Wallonia),
            "BRU" => Some(Region::Brussels),
            _ => None,
        }
    }

    /// NIS code of the region as an administrative unit.
    pub fn unit_code(self) -> &'static str {
        match self {
            Region::Flanders => "02000",
            Region::Wallonia => "03000",
            Region::Brussels => "04000",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LanguageArea {
    #[serde(rename = "nl")]
    Dutch,
    #[serde(rename = "fr")]
    French,
    #[serde(rename = "de")]
    German,
    #[serde(rename = "nl-fr")]
    BilingualBrussels,
}

impl LanguageArea {
    pub fn from_code(code: &str) -> Option<LanguageArea> {
        match code {
            "nl" => Some(LanguageArea::Dutch),
            "fr" => Some(LanguageArea::French),
            "de" => Some(LanguageArea::German),
            "nl-fr" => Some(LanguageArea::BilingualBrussels),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            LanguageArea::Dutch => "nl",
            LanguageArea::French => "fr",
            LanguageArea::German => "de",
            LanguageArea::BilingualBrussels => "nl-fr",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitLevel {
    Region,
    Province,
    Arrondissement,
}

#[derive(Debug, Clone, Serialize)]
pub struct Names {
    pub nl: String,
    pub fr: String,
    pub de: String,
}

impl Names {
    pub fn get(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::Nl => Some(&self.nl),
            Lang::Fr => Some(&self.fr),
            Lang::De => Some(&self.de),
            Lang::En => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AdminUnit {
    pub code: String,
    pub level: UnitLevel,
    pub region: Region,
    pub parent_code: Option<String>,
    pub names: Names,
}

#[derive(Debug, Clone)]
pub struct Municipality {
    pub nis: String,
    pub names: Names,
    pub arrondissement_nis: String,
    pub province_nis: Option<String>,
    pub region: Region,
    pub language_area: LanguageArea,
    pub language_facilities: Option<Lang>,
    pub population: i64,
    pub population_date: NaiveDate,
    pub centroid: (f64, f64),
    pub label_point: (f64, f64),
    pub area_km2: f64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    search_keys: Vec<String>,
    /// Sort keys of the displayed name in nl, fr, de, en (computed once).
    collation: [String; 4],
}

impl Municipality {
    #[expect(
        clippy::too_many_arguments,
        reason = "a plain constructor of a reference row"
    )]
    pub fn new(
        nis: String,
        names: Names,
        arrondissement_nis: String,
        province_nis: Option<String>,
        region: Region,
        language_area: LanguageArea,
        language_facilities: Option<Lang>,
        population: i64,
        population_date: NaiveDate,
        centroid: (f64, f64),
        label_point: (f64, f64),
        area_km2: f64,
        valid_from: NaiveDate,
        valid_to: Option<NaiveDate>,
    ) -> Municipality {
        let mut search_keys: Vec<String> = [&names.nl, &names.fr, &names.de]
            .into_iter()
            .map(|n| search_key(n))
            .collect();
        search_keys.sort();
        search_keys.dedup();
        let mut municipality = Municipality {
            nis,
            names,
            arrondissement_nis,
            province_nis,
            region,
            language_area,
            language_facilities,
            population,
            population_date,
            centroid,
            label_point,
            area_km2,
            valid_from,
            valid_to,
            search_keys,
            collation: Default::default(),
        };
        for (index, lang) in Lang::ALL.iter().enumerate() {
            municipality.collation[index] =
                collation_key(&municipality.display_name(*lang).plain());
        }
        municipality
    }

    /// The precomputed sort key of the name shown on a page in `lang`.
    pub fn collation_key(&self, lang: Lang) -> &str {
        let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        &self.collation[index]
    }

    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|end| date <= end)
    }

    /// The last day on which this municipality existed, or `date` if it still exists then.
    pub fn last_day_until(&self, date: NaiveDate) -> NaiveDate {
        match self.valid_to {
            Some(end) if end < date => end,
            _ => date.max(self.valid_from),
        }
    }

    /// The official names in the municipality's own official language(s).
    pub fn own_names(&self) -> Vec<(Lang, &str)> {
        match self.language_area {
            LanguageArea::Dutch => vec![(Lang::Nl, self.names.nl.as_str())],
            LanguageArea::French => vec![(Lang::Fr, self.names.fr.as_str())],
            LanguageArea::German => vec![(Lang::De, self.names.de.as_str())],
            LanguageArea::BilingualBrussels => vec![
                (Lang::Nl, self.names.nl.as_str()),
                (Lang::Fr, self.names.fr.as_str()),
            ],
        }
    }

    /// The name to show on a page in `lang`: the official name in that language where one
    /// exists, else the name(s) in the municipality's own official language(s). Statbel's
    /// German label merely repeats the French or Dutch name outside the German-speaking area;
    /// such a repeat is not a German name of its own. Nothing is ever translated here.
    pub fn display_name(&self, lang: Lang) -> DisplayName {
        let own_name_in_page_language = match lang {
            Lang::Nl => Some(&self.names.nl),
            Lang::Fr => Some(&self.names.fr),
            Lang::De => {
                let distinct = self.names.de != self.names.fr && self.names.de != self.names.nl;
                (distinct || self.language_area == LanguageArea::German).then_some(&self.names.de)
            }
            Lang::En => None,
        };
        if let Some(name) = own_name_in_page_language {
            return DisplayName {
                parts: vec![NamePart {
                    text: name.clone(),
                    lang: None,
                }],
            };
        }
        DisplayName {
            parts: self
                .own_names()
                .into_iter()
                .map(|(name_lang, text)| NamePart {
                    text: text.to_string(),
                    lang: (name_lang != lang).then(|| name_lang.code()),
                })
                .collect(),
        }
    }

    /// All distinct official names with their language, for the municipality page.
    pub fn official_names(&self) -> Vec<(Lang, &str)> {
        let mut out: Vec<(Lang, &str)> = vec![];
        for (lang, name) in [
            (Lang::Nl, self.names.nl.as_str()),
            (Lang::Fr, self.names.fr.as_str()),
            (Lang::De, self.names.de.as_str()),
        ] {
            if !out.iter().any(|(_, existing)| *existing == name) {
                out.push((lang, name));
            }
        }
        out
    }

    fn search_rank(&self, key: &str) -> Option<u8> {
        if key.is_empty() {
            return None;
        }
        if self.nis == key {
            return Some(0);
        }
        if key.chars().all(|c| c.is_ascii_digit()) {
            return self.nis.starts_with(key).then_some(3);
        }
        let mut best: Option<u8> = None;
        for name in &self.search_keys {
            let rank = if name == key {
                Some(0)
            } else if name.starts_with(key) {
                Some(1)
            } else if name
                .match_indices(' ')
                .any(|(i, _)| name[i + 1..].starts_with(key))
            {
                Some(2)
            } else {
                None
            };
            best = match (best, rank) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        best
    }
}

/// A municipality name as shown on a page: one part, or two for bilingual Brussels names
/// shown on an English page. A part carries its language when it differs from the page's.
#[derive(Debug, Clone, Serialize)]
pub struct DisplayName {
    pub parts: Vec<NamePart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NamePart {
    pub text: String,
    pub lang: Option<&'static str>,
}

impl DisplayName {
    pub fn plain(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

#[derive(Debug, Clone)]
pub struct PoliceZone {
    pub key: String,
    pub code: Option<String>,
    pub name: String,
    pub region: Region,
    pub code_verified: bool,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub formed_from: Option<String>,
}

impl PoliceZone {
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|end| date <= end)
    }
}

#[derive(Debug, Clone)]
pub struct ZoneMembership {
    pub zone_key: String,
    pub nis: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl ZoneMembership {
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|end| date <= end)
    }
}

#[derive(Debug, Clone)]
pub struct Merger {
    pub former_nis: String,
    pub successor_nis: String,
    pub effective_date: NaiveDate,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GeoError {
    #[error("date before the reference period")]
    DateBeforeReference,
    #[error("unknown municipality")]
    UnknownMunicipality,
    #[error("unknown police zone")]
    UnknownPoliceZone,
}

/// Filters of the municipality directory.
#[derive(Debug, Default, Clone)]
pub struct MunicipalityFilter {
    pub region: Option<Region>,
    pub province: Option<String>,
    pub police_zone: Option<String>,
    pub query: Option<String>,
}

/// The whole reference geography, indexed for the lookups pages and the API need.
#[derive(Debug, Default)]
pub struct Geography {
    pub version: String,
    municipalities: Vec<Municipality>,
    by_nis: HashMap<String, usize>,
    units: HashMap<String, AdminUnit>,
    zones: Vec<PoliceZone>,
    zone_by_key: HashMap<String, usize>,
    memberships: Vec<ZoneMembership>,
    memberships_by_nis: HashMap<String, Vec<usize>>,
    mergers: Vec<Merger>,
}

impl Geography {
    /// Resolves what people type ("Gent, 62063; Sint-Joost-ten-Node") to the NIS codes of
    /// municipalities existing on `day` (codes or names in any official language, ignoring
    /// case, accents and hyphens); returns the codes and the entries that match nothing.
    pub fn resolve_entries(&self, text: &str, day: NaiveDate) -> (Vec<String>, Vec<String>) {
        let mut codes = vec![];
        let mut unknown = vec![];
        for entry in text
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .take(50)
        {
            let key = crate::core::text::search_key(entry);
            let found = self.municipalities_on(day).find(|m| {
                m.nis == entry
                    || [&m.names.nl, &m.names.fr, &m.names.de]
                        .iter()
                        .any(|n| crate::core::text::search_key(n) == key)
            });
            match found {
                Some(m) => codes.push(m.nis.clone()),
                None => unknown.push(entry.chars().take(60).collect()),
            }
        }
        (codes, unknown)
    }

    pub fn new(
        version: String,
        mut municipalities: Vec<Municipality>,
        units: Vec<AdminUnit>,
        zones: Vec<PoliceZone>,
        memberships: Vec<ZoneMembership>,
        mergers: Vec<Merger>,
    ) -> Geography {
        municipalities.sort_by(|a, b| a.nis.cmp(&b.nis));
        let by_nis = municipalities
            .iter()
            .enumerate()
            .map(|(i, m)| (m.nis.clone(), i))
            .collect();
        let mut zones = zones;
        zones.sort_by_cached_key(|z| collation_key(&z.name));
        let zone_by_key = zones
            .iter()
            .enumerate()
            .map(|(i, z)| (z.key.clone(), i))
            .collect();
        let mut memberships_by_nis: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, membership) in memberships.iter().enumerate() {
            memberships_by_nis
                .entry(membership.nis.clone())
                .or_default()
                .push(i);
        }
        Geography {
            version,
            municipalities,
            by_nis,
            units: units.into_iter().map(|u| (u.code.clone(), u)).collect(),
            zones,
            zone_by_key,
            memberships,
            memberships_by_nis,
            mergers,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.municipalities.is_empty()
    }

    /// Refuses dates this reference set does not cover.
    pub fn check_date(&self, date: NaiveDate) -> Result<NaiveDate, GeoError> {
        if date < first_reference_date() {
            Err(GeoError::DateBeforeReference)
        } else {
            Ok(date)
        }
    }

    pub fn municipality(&self, nis: &str) -> Option<&Municipality> {
        self.by_nis.get(nis).map(|&i| &self.municipalities[i])
    }

    pub fn all_municipalities(&self) -> &[Municipality] {
        &self.municipalities
    }

    pub fn municipalities_on(&self, date: NaiveDate) -> impl Iterator<Item = &Municipality> {
        self.municipalities
            .iter()
            .filter(move |m| m.is_valid_on(date))
    }

    pub fn unit(&self, code: &str) -> Option<&AdminUnit> {
        self.units.get(code)
    }

    pub fn provinces(&self) -> Vec<&AdminUnit> {
        let mut provinces: Vec<&AdminUnit> = self
            .units
            .values()
            .filter(|u| u.level == UnitLevel::Province)
            .collect();
        provinces.sort_by(|a, b| a.code.cmp(&b.code));
        provinces
    }

    pub fn arrondissements(&self) -> Vec<&AdminUnit> {
        let mut units: Vec<&AdminUnit> = self
            .units
            .values()
            .filter(|u| u.level == UnitLevel::Arrondissement)
            .collect();
        units.sort_by(|a, b| a.code.cmp(&b.code));
        units
    }

    pub fn zone(&self, key: &str) -> Option<&PoliceZone> {
        self.zone_by_key.get(key).map(|&i| &self.zones[i])
    }

    pub fn zones_on(&self, date: NaiveDate) -> Vec<&PoliceZone> {
        // Zones are kept in collation order since loading.
        self.zones.iter().filter(|z| z.is_valid_on(date)).collect()
    }

    /// The police zone a municipality belonged to on `date` (for a former municipality, on
    /// its last day).
    pub fn zone_of(&self, nis: &str, date: NaiveDate) -> Option<&PoliceZone> {
        let municipality = self.municipality(nis)?;
        let day = municipality.last_day_until(date);
        self.memberships_by_nis
            .get(nis)?
            .iter()
            .map(|&i| &self.memberships[i])
            .find(|m| m.is_valid_on(day))
            .and_then(|m| self.zone(&m.zone_key))
    }

    pub fn zone_members(&self, zone_key: &str, date: NaiveDate) -> Vec<&Municipality> {
        self.memberships
            .iter()
            .filter(|m| m.zone_key == zone_key && m.is_valid_on(date))
            .filter_map(|m| self.municipality(&m.nis))
            .collect()
    }

    /// Where a former municipality went.
    pub fn successor_of(&self, nis: &str) -> Option<&Merger> {
        self.mergers.iter().find(|m| m.former_nis == nis)
    }

    /// The municipalities that merged into this one.
    pub fn predecessors_of(&self, nis: &str) -> Vec<&Merger> {
        self.mergers
            .iter()
            .filter(|m| m.successor_nis == nis)
            .collect()
    }

    /// Municipalities valid on `date` that match the filter, best matches first when there
    /// is a search query, else in collation order of their name in `lang`.
    pub fn search(
        &self,
        filter: &MunicipalityFilter,
        date: NaiveDate,
        lang: Lang,
    ) -> Vec<&Municipality> {
        let key = filter.query.as_deref().map(search_key).unwrap_or_default();
        let zone_members: Option<Vec<&str>> = filter.police_zone.as_deref().map(|zone| {
            self.memberships
                .iter()
                .filter(|m| m.zone_key == zone && m.is_valid_on(date))
                .map(|m| m.nis.as_str())
                .collect()
        });
        let mut hits: Vec<(u8, &str, &Municipality)> = self
            .municipalities_on(date)
            .filter(|m| filter.region.is_none_or(|r| m.region == r))
            .filter(|m| {
                filter
                    .province
                    .as_deref()
                    .is_none_or(|p| m.province_nis.as_deref() == Some(p))
            })
            .filter(|m| {
                zone_members
                    .as_ref()
                    .is_none_or(|members| members.contains(&m.nis.as_str()))
            })
            .filter_map(|m| {
                let rank = if key.is_empty() {
                    0
                } else {
                    m.search_rank(&key)?
                };
                Some((rank, m.collation_key(lang), m))
            })
            .collect();
        hits.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        hits.into_iter().map(|(_, _, m)| m).collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn municipality(
        nis: &str,
        nl: &str,
        fr: &str,
        de: &str,
        area: LanguageArea,
    ) -> Municipality {
        let date = NaiveDate::from_ymd_opt(2019, 1, 1).expect("date");
        Municipality::new(
            nis.into(),
            Names {
                nl: nl.into(),
                fr: fr.into(),
                de: de.into(),
            },
            "21000".into(),
            None,
            Region::Brussels,
            area,
            None,
            1000,
            date,
            (50.8, 4.4),
            (50.8, 4.4),
            5.0,
            date,
            None,
        )
    }

    #[test]
    fn bilingual_brussels_name_on_english_pages_shows_both() {
        let ixelles = municipality(
            "21009",
            "Elsene",
            "Ixelles",
            "Ixelles",
            LanguageArea::BilingualBrussels,
        );
        assert_eq!(ixelles.display_name(Lang::En).plain(), "Elsene / Ixelles");
        assert_eq!(ixelles.display_name(Lang::Nl).plain(), "Elsene");
        assert_eq!(ixelles.display_name(Lang::Fr).plain(), "Ixelles");
        // The German label only repeats the French name: show the official names instead.
        let german = ixelles.display_name(Lang::De);
        assert_eq!(german.plain(), "Elsene / Ixelles");
        assert_eq!(german.parts[0].lang, Some("nl"));
    }

    #[test]
    fn german_exonym_is_used_and_never_invented() {
        let liege = municipality("62063", "Luik", "Liège", "Lüttich", LanguageArea::French);
        assert_eq!(liege.display_name(Lang::De).plain(), "Lüttich");
        assert_eq!(liege.display_name(Lang::En).plain(), "Liège");
        let namur = municipality("92094", "Namen", "Namur", "Namur", LanguageArea::French);
        let name = namur.display_name(Lang::De);
        assert_eq!(name.plain(), "Namur");
        assert_eq!(name.parts[0].lang, Some("fr"));
    }

    #[test]
    fn search_matches_any_official_name_prefix_ignoring_accents() {
        let sjtn = municipality(
            "21013",
            "Sint-Joost-ten-Node",
            "Saint-Josse-ten-Noode",
            "Saint-Josse-ten-Noode",
            LanguageArea::BilingualBrussels,
        );
        assert_eq!(sjtn.search_rank("sint joost"), Some(1));
        assert_eq!(sjtn.search_rank(&search_key("Saint-Josse")), Some(1));
        assert_eq!(sjtn.search_rank("joost"), Some(2));
        assert_eq!(sjtn.search_rank("21013"), Some(0));
        assert_eq!(sjtn.search_rank("210"), Some(3));
        assert_eq!(sjtn.search_rank("gent"), None);
    }
}
