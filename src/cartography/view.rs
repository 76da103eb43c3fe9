//! What the cartography pages, downloads and API share: reading the parameters (date, view,
//! filters, sort), and turning the registry's picture on a date into rows and totals.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::geo::domain::DisplayName;
use crate::geo::{Geography, Region};
use crate::registry::domain::{Counts, Picture, Registry, Source, Status, Summary};

/// Query parameters of the map page and the downloads; all optional text so that nothing is
/// refused before we can say what is wrong with it.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct MapParams {
    pub date: Option<String>,
    pub view: Option<String>,
    pub region: Option<String>,
    pub province: Option<String>,
    pub arrondissement: Option<String>,
    pub zone: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Tiles,
    Geo,
}

impl View {
    pub fn code(self) -> &'static str {
        match self {
            View::Tiles => "tiles",
            View::Geo => "geo",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Region,
    Zone,
    Status,
    Since,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Name,
        SortKey::Region,
        SortKey::Zone,
        SortKey::Status,
        SortKey::Since,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Region => "region",
            SortKey::Zone => "zone",
            SortKey::Status => "status",
            SortKey::Since => "since",
        }
    }
}

/// Validated parameters; what could not be used is explained by `errors` (message keys).
#[derive(Debug, Clone)]
pub struct MapQuery {
    pub date: NaiveDate,
    pub date_given: bool,
    pub view: View,
    pub region: Option<Region>,
    pub province: Option<String>,
    pub arrondissement: Option<String>,
    pub zone: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
    pub errors: Vec<&'static str>,
}

impl MapQuery {
    pub fn parse(params: &MapParams, geography: &Geography, today: NaiveDate) -> MapQuery {
        let mut errors = vec![];
        let mut date_given = params.date.as_deref().is_some_and(|d| !d.trim().is_empty());
        let date = match crate::geo::parse_date_param(params.date.as_deref(), today) {
            Ok(date) => date,
            Err(key) => {
                errors.push(key);
                date_given = false;
                today
            }
        };
        let date = if date > today {
            errors.push("cartography-error-date-future");
            date_given = false;
            today
        } else {
            date
        };
        let view = match params.view.as_deref().unwrap_or("") {
            "" | "tiles" => View::Tiles,
            "geo" => View::Geo,
            _ => {
                errors.push("cartography-error-view");
                View::Tiles
            }
        };
        let region = match params.region.as_deref().filter(|r| !r.is_empty()) {
            None => None,
            Some(code) => Region::from_code(code).or_else(|| {
                errors.push("geo-error-unknown-region");
                None
            }),
        };
        let province = match params.province.as_deref().filter(|p| !p.is_empty()) {
            None => None,
            Some(code) if geography.provinces().iter().any(|p| p.code == code) => {
                Some(code.to_string())
            }
            Some(_) => {
                errors.push("geo-error-unknown-province");
                None
            }
        };
        let arrondissement = match params.arrondissement.as_deref().filter(|p| !p.is_empty()) {
            None => None,
            Some(code) if geography.arrondissements().iter().any(|p| p.code == code) => {
                Some(code.to_string())
            }
            Some(_) => {
                errors.push("cartography-error-unknown-arrondissement");
                None
            }
        };
        let zone = match params.zone.as_deref().filter(|z| !z.is_empty()) {
            None => None,
            Some(key) if geography.zones_on(date).iter().any(|z| z.key == key) => {
                Some(key.to_string())
            }
            Some(_) => {
                errors.push("geo-error-unknown-zone");
                None
            }
        };
        let sort = match params.sort.as_deref().unwrap_or("") {
            "" => SortKey::Name,
            code => SortKey::ALL
                .into_iter()
                .find(|k| k.code() == code)
                .unwrap_or_else(|| {
                    errors.push("cartography-error-sort");
                    SortKey::Name
                }),
        };
        let descending = match params.dir.as_deref().unwrap_or("") {
            "" | "asc" => false,
            "desc" => true,
            _ => {
                errors.push("cartography-error-sort");
                false
            }
        };
        MapQuery {
            date,
            date_given,
            view,
            region,
            province,
            arrondissement,
            zone,
            sort,
            descending,
            errors,
        }
    }

    pub fn filtered(&self) -> bool {
        self.region.is_some()
            || self.province.is_some()
            || self.arrondissement.is_some()
            || self.zone.is_some()
    }

    /// The query string that reproduces this view (validated values only), without `skip`.
    pub fn query_string(&self, skip: &[&str]) -> String {
        let date = if self.date_given {
            self.date.to_string()
        } else {
            String::new()
        };
        let mut pairs: Vec<(&str, &str)> = vec![
            ("date", date.as_str()),
            ("view", if self.view == View::Geo { "geo" } else { "" }),
            ("region", self.region.map(|r| r.code()).unwrap_or("")),
            ("province", self.province.as_deref().unwrap_or("")),
            (
                "arrondissement",
                self.arrondissement.as_deref().unwrap_or(""),
            ),
            ("zone", self.zone.as_deref().unwrap_or("")),
            (
                "sort",
                if self.sort == SortKey::Name {
                    ""
                } else {
                    self.sort.code()
                },
            ),
            ("dir", if self.descending { "desc" } else { "" }),
        ];
        pairs.retain(|(k, v)| !v.is_empty() && !skip.contains(k));
        crate::core::web::encode_query(&pairs)
    }

    /// Whether a municipality is inside the chosen filters.
    pub fn includes(&self, geography: &Geography, nis: &str) -> bool {
        let Some(m) = geography.municipality(nis) else {
            return false;
        };
        self.region.is_none_or(|r| m.region == r)
            && self
                .province
                .as_deref()
                .is_none_or(|p| m.province_nis.as_deref() == Some(p))
            && self
                .arrondissement
                .as_deref()
                .is_none_or(|a| m.arrondissement_nis == a)
            && self.zone.as_deref().is_none_or(|z| {
                geography
                    .zone_of(nis, self.date)
                    .is_some_and(|zone| zone.key == z)
            })
    }
}

/// One municipality as the table, the downloads and the map show it.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub nis: String,
    pub name: DisplayName,
    pub name_plain: String,
    pub region: String,
    pub region_code: &'static str,
    pub province: String,
    pub zone: String,
    pub status: &'static str,
    pub status_label: String,
    pub cell_id: Option<i64>,
    pub cell_name: Option<String>,
    pub since: Option<String>,
    pub since_iso: Option<NaiveDate>,
    pub source: Option<String>,
    pub source_code: Option<&'static str>,
    pub conflicting: usize,
    #[serde(skip)]
    pub status_value: Status,
    #[serde(skip)]
    sort_name: String,
}

pub fn source_label(state: &AppState, lang: Lang, source: Source) -> String {
    state.i18n.t(lang, source.label_key())
}

/// The rows of the picture inside the filters, sorted as asked.
pub fn rows(
    state: &AppState,
    lang: Lang,
    geography: &Geography,
    registry: &Registry,
    picture: &Picture,
    query: &MapQuery,
) -> Vec<Row> {
    let region_labels: Vec<(Region, String)> = Region::ALL
        .iter()
        .map(|r| (*r, crate::geo::region_label(state, lang, *r)))
        .collect();
    let status_labels: Vec<(Status, String)> = Status::ALL
        .iter()
        .map(|s| (*s, state.i18n.t(lang, s.label_key())))
        .collect();
    let mut rows: Vec<Row> = picture
        .entries
        .iter()
        .filter(|e| query.includes(geography, &e.nis))
        .filter_map(|e| {
            let m = geography.municipality(&e.nis)?;
            let name = m.display_name(lang);
            Some(Row {
                nis: e.nis.clone(),
                name_plain: name.plain(),
                sort_name: m.collation_key(lang).to_string(),
                name,
                region: region_labels
                    .iter()
                    .find(|(r, _)| *r == m.region)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default(),
                region_code: m.region.code(),
                province: crate::geo::unit_name(geography, m.province_nis.as_deref(), lang),
                zone: geography
                    .zone_of(&e.nis, picture.date)
                    .map(|z| z.name.clone())
                    .unwrap_or_default(),
                status: e.status.code(),
                status_label: status_labels
                    .iter()
                    .find(|(s, _)| *s == e.status)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default(),
                cell_id: e.cell_id,
                cell_name: e
                    .cell_id
                    .and_then(|id| registry.cell(id))
                    .map(|c| c.name.clone()),
                since: e.since.map(format_date),
                since_iso: e.since,
                source: e.source.map(|s| source_label(state, lang, s)),
                source_code: e.source.map(Source::code),
                conflicting: e.conflicting,
                status_value: e.status,
            })
        })
        .collect();
    sort_rows(&mut rows, query.sort, query.descending);
    rows
}

pub fn sort_rows(rows: &mut [Row], sort: SortKey, descending: bool) {
    match sort {
        SortKey::Name => rows.sort_by(|a, b| a.sort_name.cmp(&b.sort_name)),
        SortKey::Region => rows.sort_by(|a, b| {
            (a.region.as_str(), a.sort_name.as_str()).cmp(&(b.region.as_str(), &b.sort_name))
        }),
        SortKey::Zone => rows.sort_by(|a, b| {
            (a.zone.as_str(), a.sort_name.as_str()).cmp(&(b.zone.as_str(), &b.sort_name))
        }),
        SortKey::Status => rows.sort_by(|a, b| {
            (a.status_value, a.sort_name.as_str()).cmp(&(b.status_value, &b.sort_name))
        }),
        SortKey::Since => rows
            .sort_by(|a, b| (a.since_iso, a.sort_name.as_str()).cmp(&(b.since_iso, &b.sort_name))),
    }
    if descending {
        rows.reverse();
    }
}

/// One line of the summary table.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryLine {
    pub key: &'static str,
    pub label: String,
    pub sub_row: bool,
    pub counts: Counts,
}

pub fn summary_lines(state: &AppState, lang: Lang, summary: &Summary) -> Vec<SummaryLine> {
    vec![
        SummaryLine {
            key: "BE",
            label: state.i18n.t(lang, "cartography-area-belgium"),
            sub_row: false,
            counts: summary.belgium.clone(),
        },
        SummaryLine {
            key: "BRU",
            label: crate::geo::region_label(state, lang, Region::Brussels),
            sub_row: false,
            counts: summary.brussels.clone(),
        },
        SummaryLine {
            key: "VLG",
            label: crate::geo::region_label(state, lang, Region::Flanders),
            sub_row: false,
            counts: summary.flanders.clone(),
        },
        SummaryLine {
            key: "WAL",
            label: crate::geo::region_label(state, lang, Region::Wallonia),
            sub_row: false,
            counts: summary.wallonia.clone(),
        },
        SummaryLine {
            key: "DG",
            label: state.i18n.t(lang, "cartography-area-german-speaking"),
            sub_row: true,
            counts: summary.german_speaking.clone(),
        },
    ]
}

/// How many statuses on the date come from each kind of source, for the "sources" line
/// under every count.
pub fn source_counts(state: &AppState, lang: Lang, picture: &Picture) -> Vec<(String, usize)> {
    let mut out = vec![];
    for source in Source::ALL {
        let count = picture
            .entries
            .iter()
            .filter(|e| e.source == Some(source))
            .count();
        if count > 0 {
            out.push((source_label(state, lang, source), count));
        }
    }
    out
}
