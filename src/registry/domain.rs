//! The LIVC-R registry in memory: cells and the append-only observations per municipality,
//! and the rules that derive a municipality's status on any date from them.
//!
//! The database is the source of truth; this read model is rebuilt from it whenever its
//! version changes, because the public map, the table and the API read it on every request.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::geo::{Geography, Municipality, Region};

/// What an observation says about a municipality from its effective date on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Observed {
    /// Covered by a cell that meets.
    Active,
    /// Covered by a cell that exists but has not met for a long time (still a cell).
    Dormant,
    /// A cell is being set up (optionally already named).
    Preparation,
    /// The municipality has no cell.
    None,
    /// Nobody knows: registration is voluntary.
    Unknown,
}

impl Observed {
    pub const ALL: [Observed; 5] = [
        Observed::Active,
        Observed::Dormant,
        Observed::Preparation,
        Observed::None,
        Observed::Unknown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Observed::Active => "active",
            Observed::Dormant => "dormant",
            Observed::Preparation => "preparation",
            Observed::None => "none",
            Observed::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<Observed> {
        Observed::ALL.into_iter().find(|o| o.code() == code)
    }

    /// Active and dormant cells cover their municipalities.
    pub fn covers(self) -> bool {
        matches!(self, Observed::Active | Observed::Dormant)
    }

    pub fn needs_cell(self) -> bool {
        self.covers()
    }
}

/// Where an observation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Source {
    #[serde(rename = "declaration")]
    Declaration,
    #[serde(rename = "survey")]
    Survey,
    #[serde(rename = "advisor")]
    Advisor,
    #[serde(rename = "partner")]
    Partner,
    #[serde(rename = "public-decision")]
    PublicDecision,
    #[serde(rename = "merger")]
    Merger,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::Declaration,
        Source::Survey,
        Source::Advisor,
        Source::Partner,
        Source::PublicDecision,
        Source::Merger,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Source::Declaration => "declaration",
            Source::Survey => "survey",
            Source::Advisor => "advisor",
            Source::Partner => "partner",
            Source::PublicDecision => "public-decision",
            Source::Merger => "merger",
        }
    }

    pub fn from_code(code: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Source::Declaration => "registry-source-declaration",
            Source::Survey => "registry-source-survey",
            Source::Advisor => "registry-source-advisor",
            Source::Partner => "registry-source-partner",
            Source::PublicDecision => "registry-source-public-decision",
            Source::Merger => "registry-source-merger",
        }
    }
}

/// The public status of a municipality on a date, derived from observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Covered by a cell of its own.
    Own,
    /// Covered by a cell shared with other municipalities.
    Joint,
    /// A cell is being prepared.
    Preparation,
    /// No cell.
    None,
    /// Not known.
    Unknown,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Own,
        Status::Joint,
        Status::Preparation,
        Status::None,
        Status::Unknown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Own => "own",
            Status::Joint => "joint",
            Status::Preparation => "preparation",
            Status::None => "none",
            Status::Unknown => "unknown",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Status::Own => "cartography-status-own",
            Status::Joint => "cartography-status-joint",
            Status::Preparation => "cartography-status-preparation",
            Status::None => "cartography-status-none",
            Status::Unknown => "cartography-status-unknown",
        }
    }

    pub fn is_covered(self) -> bool {
        matches!(self, Status::Own | Status::Joint)
    }
}

/// How often a cell meets, as declared.
pub const MEETING_FREQUENCIES: [&str; 7] = [
    "unknown",
    "monthly",
    "bimonthly",
    "quarterly",
    "half-yearly",
    "yearly",
    "when-needed",
];

/// The services that commonly take part in a cell (checklist; DOMAIN §7).
pub const SERVICES: [&str; 13] = [
    "police",
    "prevention",
    "social-welfare",
    "schools",
    "youth-work",
    "street-work",
    "welfare-mental-health",
    "integration",
    "housing",
    "employment",
    "justice-house",
    "municipal-departments",
    "other",
];

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub id: i64,
    pub name: String,
    pub founded_on: Option<NaiveDate>,
    pub rules_adopted: bool,
    pub rules_adopted_on: Option<NaiveDate>,
    pub meeting_frequency: String,
    pub services: Vec<String>,
    pub coordinator_contact: String,
    pub information_officer_contact: String,
    pub coordinator_user_id: Option<i64>,
    pub information_officer_user_id: Option<i64>,
    pub remarks: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub id: i64,
    pub nis: String,
    pub effective_on: NaiveDate,
    pub status: Observed,
    pub cell_id: Option<i64>,
    pub source: Source,
    pub source_reference: String,
    pub declaration_id: Option<i64>,
    pub recorded_by_label: String,
    pub recorded_at: DateTime<Utc>,
}

/// One municipality's derived status on a date.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub nis: String,
    pub status: Status,
    pub cell_id: Option<i64>,
    /// Since when this status (and cell) holds without interruption.
    pub since: Option<NaiveDate>,
    pub source: Option<Source>,
    /// The observation the status comes from (a snapshot records it).
    pub observation_id: Option<i64>,
    /// Other observations effective on the same day that disagree with the one used.
    pub conflicting: usize,
}

/// Counts for one area of the summary table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    pub cells: usize,
    pub covered: usize,
    pub own: usize,
    pub joint: usize,
    pub preparation: usize,
    pub none: usize,
    pub unknown: usize,
    pub municipalities: usize,
}

/// The table per Belgium and region; the German-speaking Community is a subset of
/// Wallonia and is never added to the Belgian total again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Summary {
    pub date: NaiveDate,
    pub belgium: Counts,
    pub brussels: Counts,
    pub flanders: Counts,
    pub wallonia: Counts,
    pub german_speaking: Counts,
}

/// The whole picture on a date: every municipality valid then, with its status.
#[derive(Debug, Clone)]
pub struct Picture {
    pub date: NaiveDate,
    pub entries: Vec<Entry>,
}

impl Picture {
    pub fn entry(&self, nis: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.nis.as_str().cmp(nis))
            .ok()
            .map(|i| &self.entries[i])
    }

    pub fn summary(&self, geography: &Geography) -> Summary {
        let mut areas: [(Counts, HashSet<i64>); 5] = Default::default();
        for entry in &self.entries {
            let Some(municipality) = geography.municipality(&entry.nis) else {
                continue;
            };
            let mut slots = vec![0];
            slots.push(match municipality.region {
                Region::Brussels => 1,
                Region::Flanders => 2,
                Region::Wallonia => 3,
            });
            if municipality.language_area == crate::geo::domain::LanguageArea::German {
                slots.push(4);
            }
            for slot in slots {
                let (counts, cells) = &mut areas[slot];
                counts.municipalities += 1;
                match entry.status {
                    Status::Own => counts.own += 1,
                    Status::Joint => counts.joint += 1,
                    Status::Preparation => counts.preparation += 1,
                    Status::None => counts.none += 1,
                    Status::Unknown => counts.unknown += 1,
                }
                if entry.status.is_covered() {
                    counts.covered += 1;
                    if let Some(cell) = entry.cell_id {
                        cells.insert(cell);
                    }
                }
            }
        }
        let [belgium, brussels, flanders, wallonia, german_speaking] = areas.map(|(mut c, s)| {
            c.cells = s.len();
            c
        });
        Summary {
            date: self.date,
            belgium,
            brussels,
            flanders,
            wallonia,
            german_speaking,
        }
    }
}

/// The registry read model.
#[derive(Debug, Default)]
pub struct Registry {
    pub version: String,
    cells: HashMap<i64, Cell>,
    /// Per municipality, sorted by (effective date, id): the last one on or before a date
    /// is the one that counts.
    by_nis: HashMap<String, Vec<Observation>>,
    observation_count: usize,
}

impl Registry {
    pub fn new(version: String, cells: Vec<Cell>, observations: Vec<Observation>) -> Registry {
        let observation_count = observations.len();
        let mut by_nis: HashMap<String, Vec<Observation>> = HashMap::new();
        for observation in observations {
            by_nis
                .entry(observation.nis.clone())
                .or_default()
                .push(observation);
        }
        for list in by_nis.values_mut() {
            list.sort_by_key(|o| (o.effective_on, o.id));
        }
        Registry {
            version,
            cells: cells.into_iter().map(|c| (c.id, c)).collect(),
            by_nis,
            observation_count,
        }
    }

    pub fn cell(&self, id: i64) -> Option<&Cell> {
        self.cells.get(&id)
    }

    pub fn cells(&self) -> impl Iterator<Item = &Cell> {
        self.cells.values()
    }

    pub fn observation_count(&self) -> usize {
        self.observation_count
    }

    /// Every observation about a municipality, oldest first.
    pub fn history(&self, nis: &str) -> &[Observation] {
        self.by_nis.get(nis).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The observation that counts for `nis` on `date`.
    pub fn observation_on(&self, nis: &str, date: NaiveDate) -> Option<&Observation> {
        let list = self.by_nis.get(nis)?;
        let end = list.partition_point(|o| o.effective_on <= date);
        end.checked_sub(1).map(|i| &list[i])
    }

    /// The cell (and what the observation says) covering or preparing `nis` on `date`.
    pub fn cell_of(&self, nis: &str, date: NaiveDate) -> Option<(i64, Observed)> {
        let observation = self.observation_on(nis, date)?;
        observation.cell_id.map(|id| (id, observation.status))
    }

    /// The status of every municipality valid on `date`, in NIS order.
    pub fn picture(&self, geography: &Geography, date: NaiveDate) -> Picture {
        let valid: Vec<&Municipality> = geography.municipalities_on(date).collect();
        let mut members: HashMap<i64, usize> = HashMap::new();
        let observed: Vec<Option<&Observation>> = valid
            .iter()
            .map(|m| self.observation_on(&m.nis, date))
            .collect();
        for observation in observed.iter().flatten() {
            if observation.status.covers()
                && let Some(cell) = observation.cell_id
            {
                *members.entry(cell).or_default() += 1;
            }
        }
        let mut entries: Vec<Entry> = valid
            .iter()
            .zip(observed)
            .map(|(municipality, observation)| {
                self.entry_for(municipality, observation, date, &members)
            })
            .collect();
        entries.sort_by(|a, b| a.nis.cmp(&b.nis));
        Picture { date, entries }
    }

    fn entry_for(
        &self,
        municipality: &Municipality,
        observation: Option<&Observation>,
        date: NaiveDate,
        members: &HashMap<i64, usize>,
    ) -> Entry {
        let Some(observation) = observation else {
            return Entry {
                nis: municipality.nis.clone(),
                status: Status::Unknown,
                cell_id: None,
                since: None,
                source: None,
                observation_id: None,
                conflicting: 0,
            };
        };
        let status = public_status(observation, members);
        let list = self.history(&municipality.nis);
        let position = list
            .iter()
            .position(|o| o.id == observation.id)
            .unwrap_or(0);
        // The status holds since the first observation of the uninterrupted run that ends
        // with the one in force.
        let mut since = observation.effective_on;
        for earlier in list[..position].iter().rev() {
            if earlier.effective_on > date {
                continue;
            }
            if earlier.status == observation.status && earlier.cell_id == observation.cell_id {
                since = earlier.effective_on;
            } else if earlier.effective_on < since {
                break;
            }
        }
        let conflicting = list
            .iter()
            .filter(|o| {
                o.effective_on == observation.effective_on
                    && o.id != observation.id
                    && (o.status != observation.status || o.cell_id != observation.cell_id)
            })
            .count();
        Entry {
            nis: municipality.nis.clone(),
            status,
            cell_id: observation.cell_id.filter(|_| status != Status::None),
            since: (status != Status::Unknown).then_some(since),
            source: Some(observation.source),
            observation_id: Some(observation.id),
            conflicting,
        }
    }

    /// The municipalities a cell covers (or prepares) on `date`.
    pub fn members_of(&self, geography: &Geography, cell_id: i64, date: NaiveDate) -> Vec<String> {
        let mut out: Vec<String> = geography
            .municipalities_on(date)
            .filter(|m| {
                self.observation_on(&m.nis, date)
                    .is_some_and(|o| o.cell_id == Some(cell_id) && o.status != Observed::None)
            })
            .map(|m| m.nis.clone())
            .collect();
        out.sort();
        out
    }

    /// The lifecycle of a cell on a date, derived from what its municipalities' observations
    /// say: active if one of them is active, else dormant, else in preparation, else
    /// dissolved (once it had members) or not yet known.
    pub fn lifecycle(&self, geography: &Geography, cell_id: i64, date: NaiveDate) -> Lifecycle {
        let mut best: Option<Lifecycle> = None;
        let mut ever = false;
        for (nis, list) in &self.by_nis {
            if !list.iter().any(|o| o.cell_id == Some(cell_id)) {
                continue;
            }
            ever = true;
            if !geography
                .municipality(nis)
                .is_some_and(|m| m.is_valid_on(date))
            {
                continue;
            }
            if let Some(o) = self.observation_on(nis, date)
                && o.cell_id == Some(cell_id)
            {
                let lifecycle = match o.status {
                    Observed::Active => Lifecycle::Active,
                    Observed::Dormant => Lifecycle::Dormant,
                    Observed::Preparation => Lifecycle::Preparation,
                    Observed::None | Observed::Unknown => continue,
                };
                best = Some(best.map_or(lifecycle, |b| b.min(lifecycle)));
            }
        }
        best.unwrap_or(if ever {
            Lifecycle::Dissolved
        } else {
            Lifecycle::Preparation
        })
    }

    /// Monthly share of covered municipalities per area from `from` to `to` (first of each
    /// month, and `to` itself): (date, summary).
    pub fn coverage_series(
        &self,
        geography: &Geography,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Vec<Summary> {
        let mut dates: Vec<NaiveDate> = vec![];
        let mut day = from;
        while day < to {
            dates.push(day);
            day = day.checked_add_months(chrono::Months::new(3)).unwrap_or(to);
        }
        dates.push(to);
        dates
            .into_iter()
            .map(|d| self.picture(geography, d).summary(geography))
            .collect()
    }
}

fn public_status(observation: &Observation, members: &HashMap<i64, usize>) -> Status {
    match observation.status {
        Observed::Active | Observed::Dormant => match observation.cell_id {
            Some(cell) if members.get(&cell).copied().unwrap_or(0) > 1 => Status::Joint,
            Some(_) => Status::Own,
            None => Status::Unknown,
        },
        Observed::Preparation => Status::Preparation,
        Observed::None => Status::None,
        Observed::Unknown => Status::Unknown,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Active,
    Dormant,
    Preparation,
    Dissolved,
}

impl Lifecycle {
    pub fn label_key(self) -> &'static str {
        match self {
            Lifecycle::Active => "registry-lifecycle-active",
            Lifecycle::Dormant => "registry-lifecycle-dormant",
            Lifecycle::Preparation => "registry-lifecycle-preparation",
            Lifecycle::Dissolved => "registry-lifecycle-dissolved",
        }
    }
}

/// What the platform proposes for a municipality born from a merger, from the status of
/// its predecessors on their last day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergerProposal {
    pub successor_nis: String,
    pub effective_on: NaiveDate,
    pub predecessors: Vec<(String, Status, Option<i64>)>,
    pub proposed: Observed,
    pub proposed_cell: Option<i64>,
}

/// Successor municipalities without any observation since their creation, with a proposal:
/// the shared cell when all predecessors were in the same cell, "none" when none had one,
/// "preparation" when they all prepared the same cell, else "unknown".
pub fn merger_proposals(registry: &Registry, geography: &Geography) -> Vec<MergerProposal> {
    let mut successors: BTreeMap<String, NaiveDate> = BTreeMap::new();
    for m in geography.all_municipalities() {
        let predecessors = geography.predecessors_of(&m.nis);
        if let Some(first) = predecessors.first() {
            successors.insert(m.nis.clone(), first.effective_date);
        }
    }
    let mut out = vec![];
    for (nis, effective_on) in successors {
        let decided = registry
            .history(&nis)
            .iter()
            .any(|o| o.effective_on >= effective_on);
        if decided {
            continue;
        }
        let day_before = effective_on.pred_opt().unwrap_or(effective_on);
        let predecessors: Vec<(String, Status, Option<i64>)> = geography
            .predecessors_of(&nis)
            .into_iter()
            .filter(|merger| merger.former_nis != nis)
            .map(|merger| {
                let picture_entry = registry
                    .observation_on(&merger.former_nis, day_before)
                    .map(|o| (o.status, o.cell_id));
                let status = match picture_entry {
                    None => Status::Unknown,
                    Some((Observed::Active | Observed::Dormant, _)) => Status::Joint,
                    Some((Observed::Preparation, _)) => Status::Preparation,
                    Some((Observed::None, _)) => Status::None,
                    Some((Observed::Unknown, _)) => Status::Unknown,
                };
                (
                    merger.former_nis.clone(),
                    status,
                    picture_entry.and_then(|(_, c)| c),
                )
            })
            .collect();
        let cells: HashSet<Option<i64>> = predecessors.iter().map(|p| p.2).collect();
        let statuses: HashSet<Status> = predecessors.iter().map(|p| p.1).collect();
        let (proposed, proposed_cell) = if predecessors.is_empty() {
            (Observed::Unknown, None)
        } else if statuses.len() == 1 && cells.len() == 1 {
            match statuses.iter().next().copied() {
                Some(Status::Joint) => (Observed::Active, predecessors[0].2),
                Some(Status::Preparation) => (Observed::Preparation, predecessors[0].2),
                Some(Status::None) => (Observed::None, None),
                _ => (Observed::Unknown, None),
            }
        } else {
            (Observed::Unknown, None)
        };
        out.push(MergerProposal {
            successor_nis: nis,
            effective_on,
            predecessors,
            proposed,
            proposed_cell,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn observation(
        id: i64,
        nis: &str,
        on: NaiveDate,
        status: Observed,
        cell: Option<i64>,
    ) -> Observation {
        Observation {
            id,
            nis: nis.into(),
            effective_on: on,
            status,
            cell_id: cell,
            source: Source::Advisor,
            source_reference: String::new(),
            declaration_id: None,
            recorded_by_label: "test".into(),
            recorded_at: DateTime::from_timestamp(1_780_000_000, 0).expect("instant"),
        }
    }

    fn registry(observations: Vec<Observation>) -> Registry {
        Registry::new("v".into(), vec![], observations)
    }

    #[test]
    fn the_latest_observation_on_or_before_a_date_counts() {
        let r = registry(vec![
            observation(1, "11001", date(2019, 1, 1), Observed::Preparation, None),
            observation(2, "11001", date(2020, 6, 1), Observed::Active, Some(7)),
            observation(3, "11001", date(2023, 1, 1), Observed::None, None),
        ]);
        assert!(r.observation_on("11001", date(2018, 12, 31)).is_none());
        assert_eq!(
            r.observation_on("11001", date(2020, 5, 31)).map(|o| o.id),
            Some(1)
        );
        assert_eq!(
            r.observation_on("11001", date(2020, 6, 1)).map(|o| o.id),
            Some(2)
        );
        assert_eq!(
            r.observation_on("11001", date(2026, 1, 1)).map(|o| o.id),
            Some(3)
        );
    }

    #[test]
    fn for_the_same_day_the_last_recorded_counts_and_the_conflict_is_kept() {
        let r = registry(vec![
            observation(5, "11001", date(2021, 1, 1), Observed::Active, Some(1)),
            observation(9, "11001", date(2021, 1, 1), Observed::None, None),
        ]);
        assert_eq!(
            r.observation_on("11001", date(2021, 1, 1)).map(|o| o.id),
            Some(9)
        );
        assert_eq!(r.history("11001").len(), 2);
    }

    #[test]
    fn joint_or_own_is_derived_from_how_many_municipalities_a_cell_covers() {
        let mut members = HashMap::new();
        members.insert(1, 1);
        members.insert(2, 3);
        let own = observation(1, "a", date(2020, 1, 1), Observed::Active, Some(1));
        let joint = observation(2, "b", date(2020, 1, 1), Observed::Dormant, Some(2));
        assert_eq!(public_status(&own, &members), Status::Own);
        assert_eq!(public_status(&joint, &members), Status::Joint);
        let unknown = observation(3, "c", date(2020, 1, 1), Observed::Unknown, None);
        assert_eq!(public_status(&unknown, &members), Status::Unknown);
    }
}
