//! A fictitious but plausible LIVC-R history from 2019 until today for every municipality,
//! for the demonstration data set: joint cells per police zone, cells set up over the
//! years, dormant cells, unknowns, and the mergers of December 2024 and January 2025 (some
//! confirmed, some left for the back-office to confirm). Deterministic: the same geography
//! always gives the same history.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};

use super::domain::{Observed, Source};
use super::store::{self, CellRow, NewObservationRow};
use crate::core::db::{Db, DbError};
use crate::geo::domain::LanguageArea;
use crate::geo::{Geography, Municipality, Region};

/// Every demo observation carries this reference, so the set is recognisable.
pub const DEMO_REFERENCE: &str = "demo";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A small deterministic generator (SplitMix64): the history must be reproducible.
struct Dice(u64);

impl Dice {
    fn seeded(text: &str) -> Dice {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for b in text.bytes() {
            seed = seed.rotate_left(5) ^ u64::from(b);
            seed = seed.wrapping_mul(0x100_0000_01B3);
        }
        Dice(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn day_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days().max(1) as u64;
        from + Duration::days((self.next() % span) as i64)
    }
}

struct Event {
    nis: String,
    on: NaiveDate,
    status: Observed,
    cell: Option<usize>,
    source: Source,
}

struct Plan {
    cells: Vec<CellRow>,
    events: Vec<Event>,
}

fn cell_name(region: Region, area: LanguageArea, name: &str, joint: bool) -> String {
    match (area, region, joint) {
        (LanguageArea::German, _, true) => format!("Gemeinsame LIVS-R {name}"),
        (LanguageArea::German, _, false) => format!("LIVS-R {name}"),
        (_, Region::Wallonia, true) => format!("CSIL-R commune {name}"),
        (_, Region::Wallonia, false) => format!("CSIL-R {name}"),
        (_, Region::Brussels, _) => format!("LIVC-R / CSIL-R {name}"),
        (_, Region::Flanders, true) => format!("Gezamenlijke LIVC-R {name}"),
        (_, Region::Flanders, false) => format!("LIVC-R {name}"),
    }
}

fn plain_name(m: &Municipality) -> String {
    match m.language_area {
        LanguageArea::French => m.names.fr.clone(),
        LanguageArea::German => m.names.de.clone(),
        LanguageArea::BilingualBrussels if m.names.nl != m.names.fr => {
            format!("{} / {}", m.names.nl, m.names.fr)
        }
        _ => m.names.nl.clone(),
    }
}

fn new_cell(
    cells: &mut Vec<CellRow>,
    name: String,
    founded: Option<NaiveDate>,
    dice: &mut Dice,
) -> usize {
    let frequencies = [
        "quarterly",
        "monthly",
        "bimonthly",
        "when-needed",
        "half-yearly",
    ];
    let services = [
        "police,prevention,social-welfare",
        "police,prevention,social-welfare,schools,youth-work",
        "police,prevention,social-welfare,schools,street-work,welfare-mental-health",
        "police,prevention,municipal-departments",
    ];
    let rules = founded
        .filter(|_| dice.chance(60))
        .map(|f| f + Duration::days(60 + (dice.next() % 200) as i64));
    cells.push(CellRow {
        id: 0,
        name,
        founded_on: founded,
        rules_adopted: rules.is_some(),
        rules_adopted_on: rules,
        meeting_frequency: frequencies[(dice.next() % frequencies.len() as u64) as usize].into(),
        services: services[(dice.next() % services.len() as u64) as usize].into(),
        coordinator_contact: String::new(),
        information_officer_contact: String::new(),
        coordinator_user_id: None,
        information_officer_user_id: None,
        remarks: String::new(),
    });
    cells.len() - 1
}

/// The timeline of one unit (a municipality, or all members of a joint cell) from 2019 on.
#[allow(clippy::too_many_arguments)]
fn timeline(
    members: &[&Municipality],
    region: Region,
    cell: usize,
    founded: NaiveDate,
    dice: &mut Dice,
    today: NaiveDate,
    events: &mut Vec<Event>,
) {
    let start = date(2019, 1, 1);
    let covered_at_start = founded <= start;
    let push = |events: &mut Vec<Event>,
                on: NaiveDate,
                status: Observed,
                cell: Option<usize>,
                source: Source| {
        for m in members {
            if m.is_valid_on(on) && on <= today {
                events.push(Event {
                    nis: m.nis.clone(),
                    on,
                    status,
                    cell,
                    source,
                });
            }
        }
    };
    // About one municipality in seven never told anyone before 2020: unknown at first.
    let known_from = if dice.chance(14) {
        dice.day_between(date(2020, 1, 1), date(2024, 6, 30))
    } else {
        start
    };
    if covered_at_start {
        push(
            events,
            known_from,
            Observed::Active,
            Some(cell),
            Source::Survey,
        );
    } else if founded <= today {
        if known_from < founded {
            push(events, known_from, Observed::None, None, Source::Survey);
            let preparing = founded - Duration::days(90 + (dice.next() % 200) as i64);
            if preparing > known_from {
                push(
                    events,
                    preparing,
                    Observed::Preparation,
                    Some(cell),
                    Source::Advisor,
                );
            }
        }
        push(
            events,
            founded.max(known_from),
            Observed::Active,
            Some(cell),
            Source::Declaration,
        );
    } else {
        push(events, known_from, Observed::None, None, Source::Survey);
    }
    // Some cells fall asleep for a while, most wake up again.
    if founded <= today && dice.chance(12) {
        let asleep = dice
            .day_between(date(2021, 6, 1), date(2024, 6, 1))
            .max(founded.max(known_from) + Duration::days(30));
        push(
            events,
            asleep,
            Observed::Dormant,
            Some(cell),
            Source::Advisor,
        );
        if dice.chance(60) {
            let awake = asleep + Duration::days(120 + (dice.next() % 400) as i64);
            push(
                events,
                awake,
                Observed::Active,
                Some(cell),
                Source::Declaration,
            );
        }
    }
    // Yearly survey confirmations keep the history alive.
    for year in 2020..=today.year() {
        let on = date(year, 6, 15);
        if on > known_from && on > founded && dice.chance(35) {
            push(events, on, Observed::Active, Some(cell), Source::Survey);
        }
    }
    let _ = region;
}

fn plan(geography: &Geography, today: NaiveDate) -> Plan {
    let start = date(2019, 1, 1);
    let mut cells: Vec<CellRow> = vec![];
    let mut events: Vec<Event> = vec![];
    let mut zones_done = std::collections::HashSet::new();
    for zone in geography.zones_on(start) {
        let members = geography.zone_members(&zone.key, start);
        if members.is_empty() || !zones_done.insert(zone.key.clone()) {
            continue;
        }
        let mut dice = Dice::seeded(&zone.key);
        let region = members[0].region;
        let german = members
            .iter()
            .all(|m| m.language_area == LanguageArea::German);
        let joint_share = match region {
            Region::Brussels => 0,
            Region::Flanders => 30,
            Region::Wallonia => 35,
        };
        let joint = members.len() > 1 && (german || dice.chance(joint_share));
        // Founding dates follow the national figures: most of Brussels and Flanders by
        // 2019, Wallonia catching up in 2019-2021, a few never.
        let founding = |dice: &mut Dice| -> Option<NaiveDate> {
            let (early, late, never) = match region {
                Region::Brussels => (100, 0, 0),
                Region::Flanders => (85, 11, 4),
                Region::Wallonia => (45, 40, 15),
            };
            let roll = dice.next() % 100;
            if roll < early {
                Some(dice.day_between(date(2015, 3, 1), date(2018, 12, 31)))
            } else if roll < early + late {
                Some(dice.day_between(date(2019, 2, 1), date(2022, 12, 31)))
            } else {
                let _ = never;
                None
            }
        };
        if joint {
            let founded = if german {
                Some(date(2017, 5, 2))
            } else {
                founding(&mut dice)
            };
            let cell = new_cell(
                &mut cells,
                cell_name(region, members[0].language_area, &zone.name, true),
                founded,
                &mut dice,
            );
            timeline(
                &members,
                region,
                cell,
                founded.unwrap_or(date(2100, 1, 1)),
                &mut dice,
                today,
                &mut events,
            );
        } else {
            for m in members {
                let mut dice = Dice::seeded(&m.nis);
                let founded = founding(&mut dice);
                let cell = new_cell(
                    &mut cells,
                    cell_name(m.region, m.language_area, &plain_name(m), false),
                    founded,
                    &mut dice,
                );
                timeline(
                    &[m],
                    region,
                    cell,
                    founded.unwrap_or(date(2100, 1, 1)),
                    &mut dice,
                    today,
                    &mut events,
                );
            }
        }
    }
    mergers(geography, today, &mut cells, &mut events);
    Plan { cells, events }
}

/// Successors of the 2024/2025 mergers: most get a status confirmed from their
/// predecessors, some are left for the back-office to confirm.
fn mergers(
    geography: &Geography,
    today: NaiveDate,
    cells: &mut Vec<CellRow>,
    events: &mut Vec<Event>,
) {
    let mut successors: Vec<&Municipality> = geography
        .all_municipalities()
        .iter()
        .filter(|m| !geography.predecessors_of(&m.nis).is_empty())
        .collect();
    successors.sort_by(|a, b| a.nis.cmp(&b.nis));
    for successor in successors {
        let merged_on = successor.valid_from;
        if merged_on > today {
            continue;
        }
        let mut dice = Dice::seeded(&format!("merger-{}", successor.nis));
        if dice.chance(30) {
            continue;
        }
        let day_before = merged_on - Duration::days(1);
        let last: Vec<Option<(Observed, Option<usize>)>> = geography
            .predecessors_of(&successor.nis)
            .iter()
            .filter(|p| p.former_nis != successor.nis)
            .map(|p| {
                events
                    .iter()
                    .filter(|e| e.nis == p.former_nis && e.on <= day_before)
                    .max_by_key(|e| e.on)
                    .map(|e| (e.status, e.cell))
            })
            .collect();
        let covered: Vec<usize> = last
            .iter()
            .flatten()
            .filter(|(s, _)| matches!(s, Observed::Active | Observed::Dormant))
            .filter_map(|(_, c)| *c)
            .collect();
        let all_same = !covered.is_empty()
            && covered.len() == last.len()
            && covered.iter().all(|c| *c == covered[0]);
        let (status, cell) = if all_same {
            (Observed::Active, Some(covered[0]))
        } else if !covered.is_empty() {
            let name = cell_name(
                successor.region,
                successor.language_area,
                &plain_name(successor),
                false,
            );
            (
                Observed::Active,
                Some(new_cell(cells, name, Some(merged_on), &mut dice)),
            )
        } else {
            (Observed::None, None)
        };
        events.push(Event {
            nis: successor.nis.clone(),
            on: merged_on,
            status,
            cell,
            source: Source::Merger,
        });
        if status == Observed::Active && dice.chance(50) {
            let on = date(2025, 6, 15);
            if on <= today {
                events.push(Event {
                    nis: successor.nis.clone(),
                    on,
                    status,
                    cell,
                    source: Source::Survey,
                });
            }
        }
    }
}

/// Whether an event can be stored: its municipality existed on its date.
fn storable(geography: &Geography, event: &Event) -> bool {
    geography
        .municipality(&event.nis)
        .is_some_and(|m| m.is_valid_on(event.on))
}

/// More history for load tests: alternating dormant/active periods of covered
/// municipalities and preparation/none periods of the others, until the plan holds
/// `at_least` storable events (a date outside a municipality's existence is drawn again).
fn pad(plan: &mut Plan, geography: &Geography, today: NaiveDate, at_least: usize) {
    let mut storable_count = plan
        .events
        .iter()
        .filter(|e| storable(geography, e))
        .count();
    if storable_count >= at_least || plan.events.is_empty() {
        return;
    }
    let mut last: HashMap<String, (NaiveDate, Observed, Option<usize>)> = HashMap::new();
    for e in &plan.events {
        let entry = last
            .entry(e.nis.clone())
            .or_insert((e.on, e.status, e.cell));
        if e.on >= entry.0 {
            *entry = (e.on, e.status, e.cell);
        }
    }
    let mut keys: Vec<String> = last.keys().cloned().collect();
    keys.sort();
    let mut dice = Dice::seeded("padding");
    let span_start = date(2019, 1, 2);
    // Bounded: a municipality that never existed in the span cannot stall the loop.
    let mut attempts = 0usize;
    let max_attempts = at_least.saturating_mul(20);
    while storable_count < at_least && attempts < max_attempts {
        for nis in &keys {
            if storable_count >= at_least {
                break;
            }
            attempts += 1;
            let (_, status, cell) = last[nis];
            let on = dice.day_between(span_start, today);
            let flipped = match status {
                Observed::Active | Observed::Dormant => {
                    if dice.chance(50) {
                        Observed::Dormant
                    } else {
                        Observed::Active
                    }
                }
                _ => {
                    if dice.chance(50) {
                        Observed::Preparation
                    } else {
                        Observed::None
                    }
                }
            };
            let event = Event {
                nis: nis.clone(),
                on,
                status: flipped,
                cell: if matches!(flipped, Observed::None) {
                    None
                } else {
                    cell
                },
                source: Source::Advisor,
            };
            if storable(geography, &event) {
                storable_count += 1;
                plan.events.push(event);
            }
        }
    }
}

/// Loads the demo history unless it is there already; returns how many observations were
/// added. `at_least` pads the history for load tests.
pub async fn load(
    db: &Db,
    geography: &Geography,
    at_least: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, DbError> {
    let today = crate::core::clock::belgian_date(now);
    let existing = store::count_observations_with_reference(db, DEMO_REFERENCE).await? as usize;
    if existing > 0 && existing >= at_least {
        return Ok(0);
    }
    let mut plan = plan(geography, today);
    if existing > 0 {
        // The base history is there: add only the padding that is missing.
        let base = plan.events.len();
        let storable_base = plan
            .events
            .iter()
            .filter(|e| storable(geography, e))
            .count();
        pad(
            &mut plan,
            geography,
            today,
            storable_base + (at_least - existing),
        );
        plan.events.drain(..base);
        return insert_padding(db, geography, plan, now).await;
    }
    pad(&mut plan, geography, today, at_least);
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(plan.cells.len());
    for cell in &plan.cells {
        ids.push(store::insert_cell(&mut tx, cell, now).await?);
    }
    let rows: Vec<NewObservationRow> = plan
        .events
        .iter()
        .filter(|e| storable(geography, e))
        .map(|e| NewObservationRow {
            nis: &e.nis,
            effective_on: e.on,
            status: e.status.code(),
            cell_id: e.cell.map(|i| ids[i]),
            source_type: e.source.code(),
            source_reference: DEMO_REFERENCE,
            declaration_id: None,
            recorded_by: None,
            recorded_by_label: "demo",
        })
        .collect();
    store::insert_observations(&mut tx, &rows, now).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// Adds padding observations to an existing demo history, re-using its cells by name.
async fn insert_padding(
    db: &Db,
    geography: &Geography,
    plan: Plan,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, DbError> {
    let today = crate::core::clock::belgian_date(now);
    let registry = super::service::load_registry(db).await?;
    let rows: Vec<NewObservationRow> = plan
        .events
        .iter()
        .filter(|e| storable(geography, e))
        .map(|e| {
            let cell = registry
                .observation_on(&e.nis, today)
                .and_then(|o| o.cell_id);
            let status = if cell.is_none() && e.status.needs_cell() {
                Observed::None
            } else {
                e.status
            };
            NewObservationRow {
                nis: &e.nis,
                effective_on: e.on,
                status: status.code(),
                cell_id: if status == Observed::None { None } else { cell },
                source_type: e.source.code(),
                source_reference: DEMO_REFERENCE,
                declaration_id: None,
                recorded_by: None,
                recorded_by_label: "demo",
            }
        })
        .collect();
    let mut tx = db.begin().await?;
    store::insert_observations(&mut tx, &rows, now).await?;
    tx.commit().await?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dice_are_deterministic() {
        let mut a = Dice::seeded("21009");
        let mut b = Dice::seeded("21009");
        assert_eq!(a.next(), b.next());
        let from = date(2019, 1, 1);
        let to = date(2020, 1, 1);
        for _ in 0..100 {
            let d = a.day_between(from, to);
            assert!(d >= from && d < to);
        }
    }
}
