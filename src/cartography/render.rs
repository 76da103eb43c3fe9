//! Turns the picture on a date into the two SVG maps and the coverage chart.

use chrono::{Datelike, NaiveDate};

use super::map::{self, ChartText, LegendEntry, MapArea, MapStatus, MapText, Series};
use super::view::{MapQuery, View};
use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::geo::Geography;
use crate::registry::domain::{Picture, Registry, Status, Summary};

fn map_status(status: Status) -> MapStatus {
    match status {
        Status::Own => MapStatus::Own,
        Status::Joint => MapStatus::Joint,
        Status::Preparation => MapStatus::Preparation,
        Status::None => MapStatus::None,
        Status::Unknown => MapStatus::Unknown,
    }
}

/// The map of `picture` as SVG markup, and whether the geographic view could be drawn (it
/// needs the boundaries of every municipality valid on the date).
#[allow(clippy::too_many_arguments)]
pub fn map_svg(
    state: &AppState,
    lang: Lang,
    geography: &Geography,
    registry: &Registry,
    picture: &Picture,
    query: &MapQuery,
    boundaries: Option<&std::collections::HashMap<String, String>>,
    summary: &Summary,
) -> (String, View) {
    let status_labels: Vec<String> = Status::ALL
        .iter()
        .map(|s| state.i18n.t(lang, s.label_key()))
        .collect();
    let names: Vec<String> = picture
        .entries
        .iter()
        .map(|e| {
            geography
                .municipality(&e.nis)
                .map(|m| m.display_name(lang).plain())
                .unwrap_or_default()
        })
        .collect();
    let hrefs: Vec<String> = picture
        .entries
        .iter()
        .map(|e| format!("/{}/municipalities/{}", lang.code(), e.nis))
        .collect();
    let use_geo = query.view == View::Geo
        && boundaries.is_some_and(|b| picture.entries.iter().all(|e| b.contains_key(&e.nis)));
    let areas: Vec<MapArea> = picture
        .entries
        .iter()
        .enumerate()
        .filter_map(|(index, e)| {
            let m = geography.municipality(&e.nis)?;
            let status_index = Status::ALL.iter().position(|s| *s == e.status)?;
            Some(MapArea {
                nis: &e.nis,
                name: &names[index],
                status: map_status(e.status),
                status_label: &status_labels[status_index],
                cell_id: e.cell_id.filter(|_| e.status.is_covered()),
                cell_name: e
                    .cell_id
                    .and_then(|id| registry.cell(id))
                    .map(|c| c.name.as_str()),
                province: m.province_nis.as_deref().unwrap_or(""),
                region: m.region.code(),
                centroid: (m.centroid.1, m.centroid.0),
                geometry: if use_geo {
                    boundaries.and_then(|b| b.get(&e.nis)).map(String::as_str)
                } else {
                    None
                },
                href: &hrefs[index],
                dimmed: !query.includes(geography, &e.nis),
            })
        })
        .collect();
    let counts = [
        summary.belgium.own,
        summary.belgium.joint,
        summary.belgium.preparation,
        summary.belgium.none,
        summary.belgium.unknown,
    ];
    let legend: Vec<LegendEntry> = Status::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry {
            status: map_status(*s),
            label: &status_labels[i],
            count: counts[i],
        })
        .collect();
    let date = format_date(picture.date);
    let title = state.i18n.t_args(
        lang,
        "cartography-map-title",
        &[("date", fluent_bundle::FluentValue::from(date.as_str()))],
    );
    let description = state.i18n.t_args(
        lang,
        "cartography-map-description",
        &[
            ("date", fluent_bundle::FluentValue::from(date.as_str())),
            (
                "covered",
                fluent_bundle::FluentValue::from(summary.belgium.covered),
            ),
            (
                "total",
                fluent_bundle::FluentValue::from(summary.belgium.municipalities),
            ),
        ],
    );
    let legend_title = state.i18n.t(lang, "cartography-legend-title");
    let cell_label = state.i18n.t(lang, "cartography-cell-label");
    let text = MapText {
        title: &title,
        description: &description,
        legend_title: &legend_title,
        legend: &legend,
        cell_label: &cell_label,
    };
    if use_geo {
        (map::geo_map(&areas, &text), View::Geo)
    } else {
        (map::tile_map(&areas, &text), View::Tiles)
    }
}

/// The map as a file of its own: the same SVG under a visible title (which states the
/// reference date) and the publisher, since a downloaded image travels without the page.
pub fn standalone(svg: &str, title: &str, credit: &str) -> String {
    let attribute = |name: &str| -> Option<f64> {
        let head = &svg[..svg.find('>')?];
        let start = head.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = head[start..].find('"')?;
        head[start..start + end].trim_end_matches("px").parse().ok()
    };
    let (Some(width), Some(height)) = (attribute("width"), attribute("height")) else {
        return svg.to_string();
    };
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let band = 56.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{total}\" viewBox=\"0 0 {width} {total}\">\
         <rect width=\"{width}\" height=\"{total}\" fill=\"#FFFFFF\"/>\
         <text x=\"8\" y=\"24\" font-family=\"sans-serif\" font-size=\"20\" font-weight=\"bold\" fill=\"#1A1A1A\">{title}</text>\
         <text x=\"8\" y=\"46\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#333333\">{credit}</text>\
         <svg x=\"0\" y=\"{band}\" width=\"{width}\" height=\"{height}\">{svg}</svg></svg>",
        total = height + band,
        title = escape(title),
        credit = escape(credit),
    )
}

/// Coverage over time: the share of municipalities covered by a cell, per area.
pub struct Coverage {
    pub svg: String,
    pub rows: Vec<(NaiveDate, Vec<f64>)>,
}

pub fn coverage(
    state: &AppState,
    lang: Lang,
    geography: &Geography,
    registry: &Registry,
    until: NaiveDate,
) -> Coverage {
    let from = crate::geo::domain::first_reference_date();
    let series = registry.coverage_series(geography, from, until);
    let share = |c: &crate::registry::domain::Counts| {
        if c.municipalities == 0 {
            0.0
        } else {
            c.covered as f64 / c.municipalities as f64
        }
    };
    let rows: Vec<(NaiveDate, Vec<f64>)> = series
        .iter()
        .map(|s| {
            (
                s.date,
                vec![
                    share(&s.belgium),
                    share(&s.brussels),
                    share(&s.flanders),
                    share(&s.wallonia),
                ],
            )
        })
        .collect();
    let x = |d: NaiveDate| d.year() as f64 + (d.ordinal0() as f64) / 365.25;
    let points: Vec<Vec<(f64, f64)>> = (0..4)
        .map(|i| rows.iter().map(|(d, v)| (x(*d), v[i])).collect())
        .collect();
    let labels = [
        state.i18n.t(lang, "cartography-area-belgium"),
        crate::geo::region_label(state, lang, crate::geo::Region::Brussels),
        crate::geo::region_label(state, lang, crate::geo::Region::Flanders),
        crate::geo::region_label(state, lang, crate::geo::Region::Wallonia),
    ];
    let keys = ["BE", "BRU", "VLG", "WAL"];
    let series: Vec<Series> = (0..4)
        .map(|i| Series {
            key: keys[i],
            label: &labels[i],
            points: &points[i],
        })
        .collect();
    let title = state.i18n.t(lang, "cartography-history-chart-title");
    let description = state.i18n.t_args(
        lang,
        "cartography-history-chart-description",
        &[
            ("from", fluent_bundle::FluentValue::from(format_date(from))),
            (
                "until",
                fluent_bundle::FluentValue::from(format_date(until)),
            ),
        ],
    );
    let y_label = state.i18n.t(lang, "cartography-history-y");
    let x_label = state.i18n.t(lang, "cartography-history-x");
    let svg = map::coverage_chart(
        &series,
        &ChartText {
            title: &title,
            description: &description,
            y_label: &y_label,
            x_label: &x_label,
        },
    );
    Coverage { svg, rows }
}
