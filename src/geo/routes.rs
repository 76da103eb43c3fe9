//! Public pages: the municipality directory and one page per municipality.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::domain::{
    DisplayName, Geography, LanguageArea, Municipality, MunicipalityFilter, Region,
};
use crate::core::error::AppError;
use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::core::web::{
    PageMeta, cached_response, encode_query, lang_from_path, render_html, store_and_respond,
};
use crate::geo::GeoState;

/// Query parameters of the directory. Everything is optional text so that no input is ever
/// rejected before we can explain what is wrong with it.
#[derive(Debug, Default, Deserialize)]
pub struct DirectoryParams {
    q: Option<String>,
    region: Option<String>,
    province: Option<String>,
    zone: Option<String>,
    date: Option<String>,
}

const MAX_QUERY_CHARS: usize = 100;

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct Row {
    nis: String,
    name: DisplayName,
    province: String,
    region: String,
    zone: String,
    population: f64,
}

pub(crate) fn region_label(state: &AppState, lang: Lang, region: Region) -> String {
    let key = match region {
        Region::Flanders => "geo-region-flanders",
        Region::Wallonia => "geo-region-wallonia",
        Region::Brussels => "geo-region-brussels",
    };
    state.i18n.t(lang, key)
}

fn language_area_label(state: &AppState, lang: Lang, area: LanguageArea) -> String {
    let key = match area {
        LanguageArea::Dutch => "geo-language-area-nl",
        LanguageArea::French => "geo-language-area-fr",
        LanguageArea::German => "geo-language-area-de",
        LanguageArea::BilingualBrussels => "geo-language-area-brussels",
    };
    state.i18n.t(lang, key)
}

fn facility_label(state: &AppState, lang: Lang, facility: Lang) -> String {
    let key = match facility {
        Lang::Nl => "geo-facilities-nl",
        Lang::Fr => "geo-facilities-fr",
        Lang::De => "geo-facilities-de",
        Lang::En => return String::new(),
    };
    state.i18n.t(lang, key)
}

/// An administrative unit's name in the page language; English pages use the name in the
/// unit's region's language (Brussels: both).
pub(crate) fn unit_name(geography: &Geography, code: Option<&str>, lang: Lang) -> String {
    let Some(unit) = code.and_then(|c| geography.unit(c)) else {
        return String::new();
    };
    match unit.names.get(lang) {
        Some(name) => name.to_string(),
        None => match unit.region {
            Region::Flanders => unit.names.nl.clone(),
            Region::Wallonia => unit.names.fr.clone(),
            Region::Brussels if unit.names.nl != unit.names.fr => {
                format!("{} / {}", unit.names.nl, unit.names.fr)
            }
            Region::Brussels => unit.names.fr.clone(),
        },
    }
}

pub async fn municipalities_page(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    Path(lang): Path<String>,
    Query(params): Query<DirectoryParams>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if let Some(response) = cached_response(&state, &uri) {
        return Ok(response);
    }
    let geography = state.geography();
    let mut errors: Vec<String> = vec![];

    let date_input = params.date.clone().unwrap_or_default();
    let date = match super::parse_date_param(params.date.as_deref(), state.clock.today()) {
        Ok(date) => date,
        Err(key) => {
            errors.push(state.i18n.t(lang, key));
            state.clock.today()
        }
    };
    let mut query = params.q.clone().unwrap_or_default();
    if query.chars().count() > MAX_QUERY_CHARS {
        errors.push(state.i18n.t(lang, "geo-error-query-too-long"));
        query = query.chars().take(MAX_QUERY_CHARS).collect();
    }
    let region = match params.region.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(code) => match Region::from_code(code) {
            Some(region) => Some(region),
            None => {
                errors.push(state.i18n.t(lang, "geo-error-unknown-region"));
                None
            }
        },
    };
    let provinces = geography.provinces();
    let province = match params.province.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(code) if provinces.iter().any(|p| p.code == code) => Some(code.to_string()),
        Some(_) => {
            errors.push(state.i18n.t(lang, "geo-error-unknown-province"));
            None
        }
    };
    let zones = geography.zones_on(date);
    let zone = match params.zone.as_deref().filter(|z| !z.is_empty()) {
        None => None,
        Some(key) if zones.iter().any(|z| z.key == key) => Some(key.to_string()),
        Some(_) => {
            errors.push(state.i18n.t(lang, "geo-error-unknown-zone"));
            None
        }
    };

    let filter = MunicipalityFilter {
        region,
        province: province.clone(),
        police_zone: zone.clone(),
        query: Some(query.clone()).filter(|q| !q.trim().is_empty()),
    };
    let region_labels: Vec<String> = Region::ALL
        .iter()
        .map(|r| region_label(&state, lang, *r))
        .collect();
    let rows: Vec<Row> = geography
        .search(&filter, date, lang)
        .into_iter()
        .map(|m| Row {
            nis: m.nis.clone(),
            name: m.display_name(lang),
            province: unit_name(&geography, m.province_nis.as_deref(), lang),
            region: region_labels[match m.region {
                Region::Brussels => 0,
                Region::Flanders => 1,
                Region::Wallonia => 2,
            }]
            .clone(),
            zone: geography
                .zone_of(&m.nis, date)
                .map(|z| z.name.clone())
                .unwrap_or_default(),
            population: m.population as f64,
        })
        .collect();

    let region_choices: Vec<Choice> = Region::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: region_label(&state, lang, *r),
            selected: region == Some(*r),
        })
        .collect();
    let province_choices: Vec<Choice> = provinces
        .iter()
        .map(|p| Choice {
            value: p.code.clone(),
            label: unit_name(&geography, Some(&p.code), lang),
            selected: province.as_deref() == Some(p.code.as_str()),
        })
        .collect();
    let zone_choices: Vec<Choice> = zones
        .iter()
        .map(|z| Choice {
            value: z.key.clone(),
            label: match &z.code {
                Some(code) => format!("{} ({code})", z.name),
                None => z.name.clone(),
            },
            selected: zone.as_deref() == Some(z.key.as_str()),
        })
        .collect();
    let keep_query = encode_query(&[
        ("q", &query),
        ("region", region.map(|r| r.code()).unwrap_or("")),
        ("province", province.as_deref().unwrap_or("")),
        ("zone", zone.as_deref().unwrap_or("")),
        (
            "date",
            if errors.is_empty() {
                date_input.as_str()
            } else {
                ""
            },
        ),
    ]);
    let date_text = format_date(date);
    let count = rows.len();
    let meta = PageMeta {
        lang,
        title: state.i18n.t(lang, "geo-directory-title"),
        description: Some(state.i18n.t(lang, "geo-directory-intro")),
        path: "/municipalities".into(),
        query: Some(keep_query),
        section: "municipalities",
    };
    let html = render_html(
        &state,
        &meta,
        "geo/municipalities.html",
        minijinja::context! {
            rows => rows,
            count => count,
            date_text => date_text,
            date_value => date_input,
            query => query,
            errors => errors,
            regions => region_choices,
            provinces => province_choices,
            zones => zone_choices,
            filtered => filter.region.is_some() || filter.province.is_some() || filter.police_zone.is_some() || filter.query.is_some(),
        },
    )?;
    Ok(store_and_respond(&state, &uri, html))
}

#[derive(Serialize)]
struct NameEntry {
    lang: &'static str,
    language: String,
    name: String,
}

#[derive(Serialize)]
struct Link {
    nis: String,
    name: DisplayName,
    date: String,
}

fn link(m: &Municipality, lang: Lang, date: NaiveDate) -> Link {
    Link {
        nis: m.nis.clone(),
        name: m.display_name(lang),
        date: format_date(date),
    }
}

pub async fn municipality_page(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    Path((lang, nis)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if let Some(response) = cached_response(&state, &uri) {
        return Ok(response);
    }
    let geography = state.geography();
    let municipality = geography.municipality(&nis).ok_or(AppError::NotFound)?;
    let today = state.clock.today();
    let day = municipality.last_day_until(today);
    let is_former = !municipality.is_valid_on(today);

    let names: Vec<NameEntry> = municipality
        .official_names()
        .into_iter()
        .map(|(name_lang, name)| NameEntry {
            lang: name_lang.code(),
            language: state.i18n.t(
                lang,
                match name_lang {
                    Lang::Nl => "language-nl",
                    Lang::Fr => "language-fr",
                    Lang::De => "language-de",
                    Lang::En => "language-en",
                },
            ),
            name: name.to_string(),
        })
        .collect();
    let zone = geography.zone_of(&municipality.nis, day);
    let zone_members: Vec<Link> = zone
        .map(|z| {
            let mut members: Vec<&Municipality> = geography
                .zone_members(&z.key, day)
                .into_iter()
                .filter(|m| m.nis != municipality.nis)
                .collect();
            members.sort_by(|a, b| a.collation_key(lang).cmp(b.collation_key(lang)));
            members.into_iter().map(|m| link(m, lang, day)).collect()
        })
        .unwrap_or_default();
    let successor = geography
        .successor_of(&municipality.nis)
        .and_then(|merger| {
            geography
                .municipality(&merger.successor_nis)
                .map(|m| link(m, lang, merger.effective_date))
        });
    let predecessors: Vec<Link> = geography
        .predecessors_of(&municipality.nis)
        .into_iter()
        .filter_map(|merger| {
            geography
                .municipality(&merger.former_nis)
                .map(|m| link(m, lang, merger.effective_date))
        })
        .collect();
    let boundary_svg = match super::service::boundary_of(&state.db, &municipality.nis).await {
        Ok(Some(geometry)) => outline_svg(&geometry),
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "boundary lookup failed");
            None
        }
    };
    let sections = state.sections("municipality", lang, &municipality.nis, day)?;
    let display = municipality.display_name(lang);
    let meta = PageMeta {
        lang,
        title: display.plain(),
        description: Some(state.i18n.t(lang, "geo-municipality-description")),
        path: format!("/municipalities/{}", municipality.nis),
        query: None,
        section: "municipalities",
    };
    let html = render_html(
        &state,
        &meta,
        "geo/municipality.html",
        minijinja::context! {
            nis => municipality.nis,
            name => display,
            names => names,
            is_former => is_former,
            valid_from => format_date(municipality.valid_from),
            valid_to => municipality.valid_to.map(format_date),
            arrondissement => unit_name(&geography, Some(&municipality.arrondissement_nis), lang),
            province => unit_name(&geography, municipality.province_nis.as_deref(), lang),
            region => region_label(&state, lang, municipality.region),
            language_area => language_area_label(&state, lang, municipality.language_area),
            facilities => municipality.language_facilities.map(|f| facility_label(&state, lang, f)),
            population => municipality.population as f64,
            population_date => format_date(municipality.population_date),
            area => municipality.area_km2,
            zone_name => zone.map(|z| z.name.clone()),
            zone_query => zone.map(|z| encode_query(&[("zone", z.key.as_str())])),
            zone_code => zone.and_then(|z| z.code.clone()),
            zone_members => zone_members,
            zone_date => format_date(day),
            successor => successor,
            predecessors => predecessors,
            boundary_svg => boundary_svg,
            sections => sections,
        },
    )?;
    Ok(store_and_respond(&state, &uri, html))
}

/// A small outline drawing of a municipality from its stored (validated) geometry. The path
/// holds only numbers we produce, so it is safe to embed as markup.
fn outline_svg(geometry: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(geometry).ok()?;
    let polygons = value.get("coordinates")?.as_array()?;
    let mut points: Vec<Vec<(f64, f64)>> = vec![];
    for polygon in polygons {
        for ring in polygon.as_array()? {
            let ring: Vec<(f64, f64)> = ring
                .as_array()?
                .iter()
                .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
                .collect();
            points.push(ring);
        }
    }
    let all = points.iter().flatten();
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in all {
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    if !(max_x > min_x && max_y > min_y) {
        return None;
    }
    // Equirectangular projection corrected for latitude: fine at municipality scale.
    let scale_x = ((min_y + max_y) / 2.0).to_radians().cos();
    let width = (max_x - min_x) * scale_x;
    let height = max_y - min_y;
    let factor = 300.0 / width.max(height);
    let mut path = String::new();
    for ring in &points {
        for (index, (x, y)) in ring.iter().enumerate() {
            let px = (x - min_x) * scale_x * factor;
            let py = (max_y - y) * factor;
            path.push_str(&format!(
                "{}{px:.1},{py:.1}",
                if index == 0 { "M" } else { "L" }
            ));
        }
        path.push('Z');
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-2 -2 {:.0} {:.0}\" class=\"outline\" aria-hidden=\"true\" focusable=\"false\"><path d=\"{path}\"/></svg>",
        width * factor + 4.0,
        height * factor + 4.0
    ))
}
