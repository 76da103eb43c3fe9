//! The LIVC-R part of a municipality's page (geography's page, filled in through the
//! capability seam): the status on the page's day, the partners in a joint cell and the
//! public history of changes.

use chrono::NaiveDate;

use crate::core::error::AppError;
use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::core::web::render_fragment;
use crate::geo::{GeoState, Municipality};
use crate::registry::RegistryState;
use crate::registry::domain::{Observed, Status};

fn link(m: &Municipality, lang: Lang) -> minijinja::Value {
    minijinja::context! { nis => m.nis.clone(), name => m.display_name(lang) }
}

/// The LIVC-R status of a municipality on `day` (its last day for a former one), its
/// partners in a joint cell, and the public history of its status (accepted information).
pub(super) fn livcr_section(
    state: &AppState,
    lang: Lang,
    nis: &str,
    day: NaiveDate,
) -> Result<Option<minijinja::Value>, AppError> {
    let geography = state.geography();
    let geography = geography.as_ref();
    let registry = state.registry();
    let observation = registry.observation_on(nis, day);
    let picture_status = {
        let picture = registry.picture(geography, day);
        picture.entry(nis).cloned()
    };
    let status = picture_status
        .as_ref()
        .map(|e| e.status)
        .unwrap_or(Status::Unknown);
    let cell_id = picture_status.as_ref().and_then(|e| e.cell_id);
    let mut partners: Vec<&Municipality> = match cell_id {
        Some(id) if status == Status::Joint => registry
            .members_of(geography, id, day)
            .iter()
            .filter(|code| code.as_str() != nis)
            .filter_map(|code| geography.municipality(code))
            .collect(),
        _ => vec![],
    };
    partners.sort_by(|a, b| a.collation_key(lang).cmp(b.collation_key(lang)));
    // Only changes are listed: a repeated confirmation of the same status is not news.
    let mut changes: Vec<minijinja::Value> = vec![];
    let mut previous: Option<(Observed, Option<i64>)> = None;
    for o in registry
        .history(nis)
        .iter()
        .filter(|o| o.effective_on <= day)
    {
        if previous == Some((o.status, o.cell_id)) {
            continue;
        }
        previous = Some((o.status, o.cell_id));
        changes.push(minijinja::context! {
            date => format_date(o.effective_on),
            status => state.i18n.t(lang, &format!("registry-observed-{}", o.status.code())),
            cell => o.cell_id.and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
            source => state.i18n.t(lang, o.source.label_key()),
        });
    }
    changes.reverse();
    let livcr = minijinja::context! {
        status => status.code(),
        status_label => state.i18n.t(lang, status.label_key()),
        cell => cell_id.and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
        since => picture_status.as_ref().and_then(|e| e.since).map(format_date),
        source => observation.map(|o| state.i18n.t(lang, o.source.label_key())),
        partners => partners.into_iter().map(|m| link(m, lang)).collect::<Vec<_>>(),
        changes => changes,
    };
    render_fragment(
        state,
        lang,
        "cartography/municipality_section.html",
        minijinja::context! { livcr => livcr, day => format_date(day) },
    )
    .map(Some)
}
