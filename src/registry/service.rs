//! The registry's rules: recording observations (refusing a municipality in two cells on
//! one date), declarations and their review, snapshots, merger proposals and surveys.
//! Every change is written with its audit entry (and emails) in one transaction.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::domain::{
    Cell, MEETING_FREQUENCIES, Observation, Observed, Registry, SERVICES, Source, Status,
};
use super::store::{self, CellRow, NewDeclarationRow, NewObservationRow};
use crate::core::audit::{self, Actor, Entry};
use crate::core::auth::password::{random_token, token_hash};
use crate::core::db::{Db, DbError};
use crate::core::email;
use crate::core::i18n::Lang;
use crate::core::text::{contains_national_number, nfc};
use crate::geo::Geography;
use crate::identity::service::Context;

/// The earliest founding date a declaration may give (the first cells date from 2015).
pub fn earliest_founding_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, 1, 1).expect("valid date")
}

const MAX_NAME_CHARS: usize = 200;
const MAX_CONTACT_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    NotAllowed,
    /// Input to correct: the message key and, where useful, a value to show with it.
    #[error("invalid input: {0}")]
    Input(&'static str, String),
    /// The municipality already belongs to another cell on that date.
    #[error("already covered by {cell}")]
    Overlap { municipality: String, cell: String },
    /// Somebody else changed the record first.
    #[error("state changed")]
    StateChanged,
    #[error("database: {0}")]
    Database(#[from] DbError),
}

impl RegistryError {
    pub fn message_key(&self) -> &'static str {
        match self {
            RegistryError::NotFound => "error-not-found",
            RegistryError::NotAllowed => "error-forbidden",
            RegistryError::Input(key, _) => key,
            RegistryError::Overlap { .. } => "registry-error-overlap",
            RegistryError::StateChanged => "registry-error-state-changed",
            RegistryError::Database(_) => "error-internal",
        }
    }

    /// The translated message.
    pub fn message(&self, i18n: &crate::core::i18n::I18n, lang: Lang) -> String {
        use fluent_bundle::FluentValue;
        match self {
            RegistryError::Overlap { municipality, cell } => i18n.t_args(
                lang,
                "registry-error-overlap",
                &[
                    ("municipality", FluentValue::from(municipality.as_str())),
                    ("cell", FluentValue::from(cell.as_str())),
                ],
            ),
            RegistryError::Input(key, value) => {
                i18n.t_args(lang, key, &[("value", FluentValue::from(value.as_str()))])
            }
            other => i18n.t(lang, other.message_key()),
        }
    }
}

fn input(key: &'static str) -> RegistryError {
    RegistryError::Input(key, String::new())
}

pub async fn load_registry(db: &Db) -> Result<Registry, DbError> {
    // Read before the rows: a write committed meanwhile raises it again (see core::revision).
    let version = crate::core::revision::current(db, super::REVISION)
        .await?
        .to_string();
    let cells = store::load_cells(db)
        .await?
        .into_iter()
        .map(cell_from_row)
        .collect();
    let observations = store::load_observations(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(Observation {
                id: row.id,
                nis: row.nis,
                effective_on: row.effective_on,
                status: Observed::from_code(&row.status)?,
                cell_id: row.cell_id,
                source: Source::from_code(&row.source_type)?,
                source_reference: row.source_reference,
                declaration_id: row.declaration_id,
                recorded_by_label: row.recorded_by_label,
                recorded_at: row.recorded_at,
            })
        })
        .collect();
    Ok(Registry::new(version, cells, observations))
}

fn cell_from_row(row: CellRow) -> Cell {
    Cell {
        id: row.id,
        name: row.name,
        founded_on: row.founded_on,
        rules_adopted: row.rules_adopted,
        rules_adopted_on: row.rules_adopted_on,
        meeting_frequency: row.meeting_frequency,
        services: row
            .services
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        coordinator_contact: row.coordinator_contact,
        information_officer_contact: row.information_officer_contact,
        coordinator_user_id: row.coordinator_user_id,
        information_officer_user_id: row.information_officer_user_id,
        remarks: row.remarks,
    }
}

/// An observation to record.
#[derive(Debug, Clone)]
pub struct NewObservation {
    pub nis: String,
    pub effective_on: NaiveDate,
    pub status: Observed,
    pub cell_id: Option<i64>,
    pub source: Source,
    pub source_reference: String,
}

/// Who records: the audit actor and the label kept with the observation.
pub struct Recorder<'a> {
    pub actor: &'a Actor,
    pub label: &'a str,
}

/// Checks observations against the registry and the geography: the municipality existed on
/// the date, the date lies in the reference period and not in the future, the cell exists,
/// and no municipality would be in two cells on that date.
pub fn check_observations(
    registry: &Registry,
    geography: &Geography,
    observations: &[NewObservation],
    today: NaiveDate,
    lang: Lang,
    new_cell: Option<i64>,
) -> Result<(), RegistryError> {
    let mut seen = std::collections::HashSet::new();
    for observation in observations {
        if !seen.insert(observation.nis.as_str()) {
            return Err(input("registry-error-duplicate-municipality"));
        }
        if observation.effective_on < crate::geo::domain::first_reference_date() {
            return Err(input("registry-error-date-before-reference"));
        }
        if observation.effective_on > today {
            return Err(input("registry-error-date-future"));
        }
        let municipality = geography.municipality(&observation.nis).ok_or_else(|| {
            RegistryError::Input(
                "registry-error-unknown-municipality",
                observation.nis.clone(),
            )
        })?;
        if !municipality.is_valid_on(observation.effective_on) {
            return Err(RegistryError::Input(
                "registry-error-municipality-not-valid",
                municipality.display_name(lang).plain(),
            ));
        }
        if observation.status.needs_cell() && observation.cell_id.is_none() {
            return Err(input("registry-error-cell-required"));
        }
        if let Some(cell_id) = observation.cell_id {
            if registry.cell(cell_id).is_none() && new_cell != Some(cell_id) {
                return Err(RegistryError::NotFound);
            }
            if matches!(observation.status, Observed::None | Observed::Unknown) {
                return Err(input("registry-error-cell-not-expected"));
            }
            if let Some((other, _)) = registry.cell_of(&observation.nis, observation.effective_on)
                && other != cell_id
            {
                let still_there = registry
                    .observation_on(&observation.nis, observation.effective_on)
                    .is_some_and(|o| o.status != Observed::None && o.status != Observed::Unknown);
                // Moving to another cell needs the other cell's coverage ended first, unless
                // this very batch ends it.
                if still_there {
                    return Err(RegistryError::Overlap {
                        municipality: municipality.display_name(lang).plain(),
                        cell: registry
                            .cell(other)
                            .map(|c| c.name.clone())
                            .unwrap_or_default(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Records observations in one transaction with one audit entry each.
pub async fn record_observations(
    ctx: &Context<'_>,
    recorder: &Recorder<'_>,
    registry: &Registry,
    geography: &Geography,
    observations: &[NewObservation],
    declaration_id: Option<i64>,
    lang: Lang,
) -> Result<(), RegistryError> {
    check_observations(registry, geography, observations, ctx.today(), lang, None)?;
    let mut tx = ctx.db.begin().await?;
    write_observations(&mut tx, recorder, observations, declaration_id, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_observations(
    tx: &mut crate::core::db::Tx,
    recorder: &Recorder<'_>,
    observations: &[NewObservation],
    declaration_id: Option<i64>,
    now: chrono::DateTime<Utc>,
) -> Result<(), RegistryError> {
    let rows: Vec<NewObservationRow> = observations
        .iter()
        .map(|o| NewObservationRow {
            nis: &o.nis,
            effective_on: o.effective_on,
            status: o.status.code(),
            cell_id: o.cell_id,
            source_type: o.source.code(),
            source_reference: &o.source_reference,
            declaration_id,
            recorded_by: recorder.actor.user_id,
            recorded_by_label: recorder.label,
        })
        .collect();
    store::insert_observations(tx, &rows, now).await?;
    for o in observations {
        audit::record(
            tx,
            recorder.actor,
            Entry {
                action: "registry.observation.record",
                entity_type: "municipality",
                entity_id: o.nis.clone(),
                details: json!({
                    "effective_on": o.effective_on,
                    "status": o.status.code(),
                    "cell_id": o.cell_id,
                    "source": o.source.code(),
                    "declaration_id": declaration_id,
                }),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// What a municipality declares about its LIVC-R: organisational facts only.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DeclarationPayload {
    /// own, joint, preparation or none.
    pub situation: String,
    pub cell_name: String,
    /// The other municipalities of a joint cell (NIS codes).
    pub joint_with: Vec<String>,
    pub founded_on: Option<NaiveDate>,
    pub rules_adopted: bool,
    pub rules_adopted_on: Option<NaiveDate>,
    pub meeting_frequency: String,
    pub services: Vec<String>,
    pub coordinator_contact: String,
    pub information_officer_contact: String,
    /// The contact roles held by platform accounts (municipal members), when chosen.
    pub coordinator_account: Option<i64>,
    pub information_officer_account: Option<i64>,
    /// The people named as contacts agreed to be listed.
    pub contact_consent: bool,
    pub remarks: String,
}

pub const SITUATIONS: [&str; 4] = ["own", "joint", "preparation", "none"];

/// A problem with one field of the declaration form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub key: &'static str,
}

impl DeclarationPayload {
    /// Trims and normalises what was typed.
    pub fn normalised(mut self) -> DeclarationPayload {
        self.cell_name = nfc(self.cell_name.trim());
        self.coordinator_contact = nfc(self.coordinator_contact.trim());
        self.information_officer_contact = nfc(self.information_officer_contact.trim());
        self.remarks = nfc(self.remarks.trim());
        self.joint_with.retain(|c| !c.trim().is_empty());
        for code in &mut self.joint_with {
            *code = code.trim().to_string();
        }
        self.joint_with.sort();
        self.joint_with.dedup();
        self.services.sort();
        self.services.dedup();
        if !self.rules_adopted {
            self.rules_adopted_on = None;
        }
        self
    }

    /// Every problem of a declaration that is to be sent (a draft may be incomplete).
    pub fn problems(
        &self,
        nis: &str,
        geography: &Geography,
        today: NaiveDate,
    ) -> Vec<FieldProblem> {
        let mut problems = vec![];
        let mut problem = |field: &'static str, key: &'static str| {
            problems.push(FieldProblem { field, key });
        };
        let has_cell = matches!(self.situation.as_str(), "own" | "joint" | "preparation");
        if !SITUATIONS.contains(&self.situation.as_str()) {
            problem("situation", "registry-error-situation");
        }
        if has_cell && self.cell_name.is_empty() {
            problem("cell_name", "registry-error-cell-name-required");
        }
        if self.cell_name.chars().count() > MAX_NAME_CHARS {
            problem("cell_name", "registry-error-too-long");
        }
        if self.situation == "joint" {
            if self.joint_with.is_empty() {
                problem("joint_with", "registry-error-joint-needs-partners");
            }
            if self.joint_with.iter().any(|code| {
                code == nis
                    || !geography
                        .municipality(code)
                        .is_some_and(|m| m.is_valid_on(today))
            }) {
                problem("joint_with", "registry-error-joint-unknown-municipality");
            }
        } else if !self.joint_with.is_empty() && self.situation != "preparation" {
            problem("joint_with", "registry-error-joint-only");
        }
        if let Some(founded) = self.founded_on {
            if founded > today {
                problem("founded_on", "registry-error-founded-future");
            } else if founded < earliest_founding_date() {
                problem("founded_on", "registry-error-founded-too-early");
            }
        }
        if let Some(adopted) = self.rules_adopted_on {
            if adopted > today {
                problem("rules_adopted_on", "registry-error-founded-future");
            } else if adopted < earliest_founding_date() {
                problem("rules_adopted_on", "registry-error-founded-too-early");
            } else if self.founded_on.is_some_and(|f| adopted < f) {
                problem("rules_adopted_on", "registry-error-rules-before-founding");
            }
        }
        if !MEETING_FREQUENCIES.contains(&self.meeting_frequency.as_str()) {
            problem("meeting_frequency", "registry-error-frequency");
        }
        if self
            .services
            .iter()
            .any(|s| !SERVICES.contains(&s.as_str()))
        {
            problem("services", "registry-error-services");
        }
        for (field, value) in [
            ("coordinator_contact", &self.coordinator_contact),
            (
                "information_officer_contact",
                &self.information_officer_contact,
            ),
        ] {
            if value.chars().count() > MAX_CONTACT_CHARS {
                problem(field, "registry-error-too-long");
            }
            if value.chars().any(char::is_control) {
                problem(field, "registry-error-control-characters");
            }
        }
        let names_contacts = !self.coordinator_contact.is_empty()
            || !self.information_officer_contact.is_empty()
            || self.coordinator_account.is_some()
            || self.information_officer_account.is_some();
        if names_contacts && !self.contact_consent {
            problem("contact_consent", "registry-error-consent");
        }
        if self.remarks.chars().count() > MAX_TEXT_CHARS {
            problem("remarks", "registry-error-too-long");
        }
        for (field, value) in [
            ("remarks", &self.remarks),
            ("cell_name", &self.cell_name),
            ("coordinator_contact", &self.coordinator_contact),
            (
                "information_officer_contact",
                &self.information_officer_contact,
            ),
        ] {
            if contains_national_number(value) {
                problem(field, "registry-error-personal-data");
            }
        }
        problems
    }

    /// The payload as the registry knows the municipality today, to prefill a form.
    pub fn from_registry(
        registry: &Registry,
        geography: &Geography,
        nis: &str,
        today: NaiveDate,
    ) -> Self {
        let mut payload = DeclarationPayload {
            meeting_frequency: "unknown".into(),
            ..Default::default()
        };
        let picture_status = registry.observation_on(nis, today);
        let Some(observation) = picture_status else {
            return payload;
        };
        payload.situation = match observation.status {
            Observed::Active | Observed::Dormant => "own".into(),
            Observed::Preparation => "preparation".into(),
            Observed::None => "none".into(),
            Observed::Unknown => String::new(),
        };
        if let Some(cell) = observation.cell_id.and_then(|id| registry.cell(id)) {
            let members = registry.members_of(geography, cell.id, today);
            if members.len() > 1 && observation.status.covers() {
                payload.situation = "joint".into();
            }
            payload.joint_with = members.into_iter().filter(|m| m != nis).collect();
            payload.cell_name = cell.name.clone();
            payload.founded_on = cell.founded_on;
            payload.rules_adopted = cell.rules_adopted;
            payload.rules_adopted_on = cell.rules_adopted_on;
            payload.meeting_frequency = cell.meeting_frequency.clone();
            payload.services = cell.services.clone();
            payload.coordinator_contact = cell.coordinator_contact.clone();
            payload.information_officer_contact = cell.information_officer_contact.clone();
            payload.coordinator_account = cell.coordinator_user_id;
            payload.information_officer_account = cell.information_officer_user_id;
            payload.contact_consent = !cell.coordinator_contact.is_empty()
                || !cell.information_officer_contact.is_empty()
                || cell.coordinator_user_id.is_some()
                || cell.information_officer_user_id.is_some();
        }
        payload
    }
}

/// The municipal members who may hold a contact role of a cell covering `codes`:
/// (account id, name, email).
pub async fn members_for(db: &Db, codes: &[String]) -> Result<Vec<(i64, String, String)>, DbError> {
    crate::identity::service::active_municipal_members(db, codes).await
}

/// Name and address of an account, for showing a linked contact role.
pub async fn account_label(db: &Db, id: i64) -> Result<Option<String>, DbError> {
    Ok(crate::identity::service::account_name(db, id)
        .await?
        .map(|(name, email)| format!("{name} <{email}>")))
}

/// Problems with the accounts chosen for the contact roles: each must be an active member
/// of one of the cell's municipalities.
async fn account_problems(
    db: &Db,
    payload: &DeclarationPayload,
    codes: &[String],
) -> Result<Vec<FieldProblem>, DbError> {
    if payload.coordinator_account.is_none() && payload.information_officer_account.is_none() {
        return Ok(vec![]);
    }
    let members: Vec<i64> = crate::identity::service::active_municipal_members(db, codes)
        .await?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    let mut problems = vec![];
    for (field, account) in [
        ("coordinator_account", payload.coordinator_account),
        (
            "information_officer_account",
            payload.information_officer_account,
        ),
    ] {
        if account.is_some_and(|id| !members.contains(&id)) {
            problems.push(FieldProblem {
                field,
                key: "registry-error-account",
            });
        }
    }
    Ok(problems)
}

fn storage_problem(error: DbError) -> Vec<FieldProblem> {
    tracing::error!(%error, "checking contact accounts failed");
    vec![FieldProblem {
        field: "",
        key: "error-internal",
    }]
}

/// A declaration as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Declaration {
    pub id: i64,
    pub nis: String,
    pub state: String,
    pub payload: DeclarationPayload,
    pub language: Lang,
    pub author_user_id: Option<i64>,
    pub author_label: String,
    pub author_email: String,
    pub survey_invitation_id: Option<i64>,
    pub created_at: chrono::DateTime<Utc>,
    pub submitted_at: Option<chrono::DateTime<Utc>>,
    pub decided_at: Option<chrono::DateTime<Utc>>,
    pub decision_reason: String,
    pub cell_id: Option<i64>,
}

fn declaration_from_row(row: store::DeclarationRow) -> Declaration {
    Declaration {
        id: row.id,
        nis: row.nis,
        state: row.state,
        payload: serde_json::from_str(&row.payload).unwrap_or_default(),
        language: Lang::from_code(&row.language).unwrap_or(Lang::Nl),
        author_user_id: row.author_user_id,
        author_label: row.author_label,
        author_email: row.author_email,
        survey_invitation_id: row.survey_invitation_id,
        created_at: row.created_at,
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
        decision_reason: row.decision_reason,
        cell_id: row.cell_id,
    }
}

pub async fn declaration(db: &Db, id: i64) -> Result<Declaration, RegistryError> {
    store::declaration(db, id)
        .await?
        .map(declaration_from_row)
        .ok_or(RegistryError::NotFound)
}

pub async fn declarations_in_states(
    db: &Db,
    states: &[&str],
    municipalities: Option<&[String]>,
    author: Option<i64>,
) -> Result<Vec<Declaration>, RegistryError> {
    Ok(store::declarations(db, states, municipalities, author)
        .await?
        .into_iter()
        .map(declaration_from_row)
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub from_staff: bool,
    pub author_label: String,
    pub body: String,
    pub created_at: chrono::DateTime<Utc>,
}

pub async fn messages(db: &Db, declaration_id: i64) -> Result<Vec<Message>, RegistryError> {
    Ok(store::messages(db, declaration_id)
        .await?
        .into_iter()
        .map(|m| Message {
            from_staff: m.from_staff,
            author_label: m.author_label,
            body: m.body,
            created_at: m.created_at,
        })
        .collect())
}

/// Who writes a declaration: a signed-in municipal member, or a survey respondent.
pub struct Author<'a> {
    pub actor: &'a Actor,
    pub user_id: Option<i64>,
    pub label: &'a str,
    pub email: &'a str,
    pub language: Lang,
    pub survey_invitation_id: Option<i64>,
}

/// Creates a declaration: a draft, or sent at once (`send`), after checking it.
pub async fn create_declaration(
    ctx: &Context<'_>,
    author: &Author<'_>,
    geography: &Geography,
    nis: &str,
    payload: DeclarationPayload,
    send: bool,
) -> Result<i64, Vec<FieldProblem>> {
    let today = ctx.today();
    let payload = payload.normalised();
    let mut problems = payload.problems(nis, geography, today);
    let mut codes = vec![nis.to_string()];
    codes.extend(payload.joint_with.iter().cloned());
    problems.extend(
        account_problems(ctx.db, &payload, &codes)
            .await
            .map_err(storage_problem)?,
    );
    let blocking: Vec<FieldProblem> = problems
        .into_iter()
        .filter(|p| {
            send || p.key == "registry-error-personal-data" || p.key == "registry-error-too-long"
        })
        .collect();
    if !blocking.is_empty() {
        return Err(blocking);
    }
    let body = serde_json::to_string(&payload).unwrap_or_default();
    let state = if send { "submitted" } else { "draft" };
    let result: Result<i64, RegistryError> = async {
        let mut tx = ctx.db.begin().await?;
        let id = store::insert_declaration(
            &mut tx,
            &NewDeclarationRow {
                nis,
                state,
                payload: &body,
                language: author.language.code(),
                author_user_id: author.user_id,
                author_label: author.label,
                author_email: author.email,
                survey_invitation_id: author.survey_invitation_id,
            },
            ctx.now,
        )
        .await?;
        if let Some(invitation) = author.survey_invitation_id {
            store::mark_answered(&mut tx, invitation, ctx.now).await?;
        }
        audit::record(
            &mut tx,
            author.actor,
            Entry {
                action: if send {
                    "registry.declaration.submit"
                } else {
                    "registry.declaration.draft"
                },
                entity_type: "declaration",
                entity_id: id.to_string(),
                details: json!({ "nis": nis, "situation": payload.situation }),
            },
            ctx.now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
    .await;
    result.map_err(|error| {
        tracing::error!(%error, "storing a declaration failed");
        vec![FieldProblem {
            field: "",
            key: "error-internal",
        }]
    })
}

/// Saves a draft again, or sends it; also answers a request for more information (with a
/// message) by sending the corrected declaration back to the queue.
pub async fn update_declaration(
    ctx: &Context<'_>,
    author: &Author<'_>,
    geography: &Geography,
    declaration: &Declaration,
    payload: DeclarationPayload,
    send: bool,
    answer: Option<&str>,
) -> Result<(), Vec<FieldProblem>> {
    let today = ctx.today();
    let payload = payload.normalised();
    let mut codes = vec![declaration.nis.clone()];
    codes.extend(payload.joint_with.iter().cloned());
    let mut problems: Vec<FieldProblem> = payload
        .problems(&declaration.nis, geography, today)
        .into_iter()
        .chain(
            account_problems(ctx.db, &payload, &codes)
                .await
                .map_err(storage_problem)?,
        )
        .filter(|p| {
            send || p.key == "registry-error-personal-data" || p.key == "registry-error-too-long"
        })
        .collect();
    let answer = answer.map(|a| nfc(a.trim())).unwrap_or_default();
    if declaration.state == "info-requested" && send && answer.is_empty() {
        problems.push(FieldProblem {
            field: "answer",
            key: "registry-error-answer-required",
        });
    }
    if answer.chars().count() > MAX_TEXT_CHARS {
        problems.push(FieldProblem {
            field: "answer",
            key: "registry-error-too-long",
        });
    }
    if contains_national_number(&answer) {
        problems.push(FieldProblem {
            field: "answer",
            key: "registry-error-personal-data",
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let body = serde_json::to_string(&payload).unwrap_or_default();
    let (from, to): (&[&str], &str) = match (declaration.state.as_str(), send) {
        ("draft", false) => (&["draft"], "draft"),
        ("draft", true) => (&["draft"], "submitted"),
        ("info-requested", true) => (&["info-requested"], "submitted"),
        ("info-requested", false) => (&["info-requested"], "info-requested"),
        _ => {
            return Err(vec![FieldProblem {
                field: "",
                key: "registry-error-state-changed",
            }]);
        }
    };
    let result: Result<bool, RegistryError> = async {
        let mut tx = ctx.db.begin().await?;
        let changed = store::set_declaration_state(
            &mut tx,
            declaration.id,
            from,
            to,
            store::DeclarationChange {
                payload: Some(&body),
                ..Default::default()
            },
            ctx.now,
        )
        .await?;
        if !changed {
            return Ok(false);
        }
        if !answer.is_empty() {
            store::insert_message(
                &mut tx,
                declaration.id,
                false,
                author.label,
                &answer,
                ctx.now,
            )
            .await?;
        }
        if to == "submitted"
            && let Some(invitation) = author.survey_invitation_id
        {
            store::mark_answered(&mut tx, invitation, ctx.now).await?;
        }
        audit::record(
            &mut tx,
            author.actor,
            Entry {
                action: if to == "submitted" {
                    "registry.declaration.submit"
                } else {
                    "registry.declaration.draft"
                },
                entity_type: "declaration",
                entity_id: declaration.id.to_string(),
                details: json!({ "nis": declaration.nis, "situation": payload.situation }),
            },
            ctx.now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
    .await;
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(vec![FieldProblem {
            field: "",
            key: "registry-error-state-changed",
        }]),
        Err(error) => {
            tracing::error!(%error, "updating a declaration failed");
            Err(vec![FieldProblem {
                field: "",
                key: "error-internal",
            }])
        }
    }
}

/// A reviewer's decision on a declaration.
pub enum Decision<'a> {
    Accept { effective_on: NaiveDate },
    AskMore { question: &'a str },
    Reject { reason: &'a str },
}

/// The staff member deciding.
pub struct Reviewer<'a> {
    pub actor: &'a Actor,
    pub user_id: i64,
    pub label: &'a str,
}

/// The date from which an accepted declaration counts, unless the reviewer says otherwise:
/// the founding date of a newly declared cell when nothing was observed since, else today.
pub fn proposed_effective_date(
    registry: &Registry,
    declaration: &Declaration,
    today: NaiveDate,
) -> NaiveDate {
    let first = crate::geo::domain::first_reference_date();
    match declaration.payload.founded_on {
        Some(founded)
            if matches!(declaration.payload.situation.as_str(), "own" | "joint")
                && founded <= today =>
        {
            let start = founded.max(first);
            let mut members = vec![declaration.nis.clone()];
            members.extend(declaration.payload.joint_with.iter().cloned());
            let observed_since = members.iter().any(|nis| {
                registry
                    .history(nis)
                    .iter()
                    .any(|o| o.effective_on >= start)
            });
            if observed_since { today } else { start }
        }
        _ => today,
    }
}

/// Applies a reviewer's decision. Accepting creates or updates the cell and records the
/// observations (source: declaration or survey); the author is told by email.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    ctx: &Context<'_>,
    reviewer: &Reviewer<'_>,
    registry: &Registry,
    geography: &Geography,
    declaration: &Declaration,
    decision: Decision<'_>,
    lang: Lang,
) -> Result<(), RegistryError> {
    if !matches!(declaration.state.as_str(), "submitted" | "info-requested") {
        return Err(RegistryError::StateChanged);
    }
    let author_lang = declaration.language;
    let municipality_name = geography
        .municipality(&declaration.nis)
        .map(|m| m.display_name(author_lang).plain())
        .unwrap_or_else(|| declaration.nis.clone());
    let link = author_link(ctx, declaration, author_lang);
    let mut tx = ctx.db.begin().await?;
    let (action, email_key, args, to_state): (&str, &str, Vec<(&str, String)>, &str) =
        match decision {
            Decision::Accept { effective_on } => {
                let payload = &declaration.payload;
                let source = if declaration.survey_invitation_id.is_some() {
                    Source::Survey
                } else {
                    Source::Declaration
                };
                let mut members = vec![declaration.nis.clone()];
                if payload.situation == "joint" {
                    members.extend(payload.joint_with.iter().cloned());
                }
                let cell_id = match payload.situation.as_str() {
                    "own" | "joint" | "preparation" => {
                        let existing = members
                            .iter()
                            .find_map(|nis| registry.cell_of(nis, effective_on))
                            .map(|(id, _)| id)
                            .or_else(|| {
                                members
                                    .iter()
                                    .find_map(|nis| registry.cell_of(nis, ctx.today()))
                                    .map(|(id, _)| id)
                            });
                        let row = CellRow {
                            id: existing.unwrap_or_default(),
                            name: payload.cell_name.clone(),
                            founded_on: payload.founded_on,
                            rules_adopted: payload.rules_adopted,
                            rules_adopted_on: payload.rules_adopted_on,
                            meeting_frequency: payload.meeting_frequency.clone(),
                            services: payload.services.join(","),
                            coordinator_contact: payload.coordinator_contact.clone(),
                            information_officer_contact: payload
                                .information_officer_contact
                                .clone(),
                            coordinator_user_id: payload.coordinator_account,
                            information_officer_user_id: payload.information_officer_account,
                            remarks: payload.remarks.clone(),
                        };
                        Some(match existing {
                            Some(id) => {
                                store::update_cell(&mut tx, &row, ctx.now).await?;
                                id
                            }
                            None => store::insert_cell(&mut tx, &row, ctx.now).await?,
                        })
                    }
                    _ => None,
                };
                let status = match payload.situation.as_str() {
                    "own" | "joint" => Observed::Active,
                    "preparation" => Observed::Preparation,
                    _ => Observed::None,
                };
                let observations: Vec<NewObservation> = members
                    .iter()
                    .map(|nis| NewObservation {
                        nis: nis.clone(),
                        effective_on,
                        status,
                        cell_id,
                        source,
                        source_reference: format!("declaration {}", declaration.id),
                    })
                    .collect();
                // A new cell is not in the read model yet.
                let new_cell = cell_id.filter(|id| registry.cell(*id).is_none());
                check_observations(
                    registry,
                    geography,
                    &observations,
                    ctx.today(),
                    lang,
                    new_cell,
                )?;
                write_observations(
                    &mut tx,
                    &Recorder {
                        actor: reviewer.actor,
                        label: reviewer.label,
                    },
                    &observations,
                    Some(declaration.id),
                    ctx.now,
                )
                .await?;
                if !store::set_declaration_state(
                    &mut tx,
                    declaration.id,
                    &["submitted", "info-requested"],
                    "accepted",
                    store::DeclarationChange {
                        decided_by: Some(reviewer.user_id),
                        cell_id,
                        ..Default::default()
                    },
                    ctx.now,
                )
                .await?
                {
                    return Err(RegistryError::StateChanged);
                }
                (
                    "registry.declaration.accept",
                    "email-declaration-accepted",
                    vec![("municipality", municipality_name.clone())],
                    "accepted",
                )
            }
            Decision::AskMore { question } => {
                let question = nfc(question.trim());
                if question.is_empty() {
                    return Err(input("registry-error-question-required"));
                }
                if question.chars().count() > MAX_TEXT_CHARS {
                    return Err(input("registry-error-too-long"));
                }
                if contains_national_number(&question) {
                    return Err(input("registry-error-personal-data"));
                }
                if !store::set_declaration_state(
                    &mut tx,
                    declaration.id,
                    &["submitted"],
                    "info-requested",
                    store::DeclarationChange::default(),
                    ctx.now,
                )
                .await?
                {
                    return Err(RegistryError::StateChanged);
                }
                store::insert_message(
                    &mut tx,
                    declaration.id,
                    true,
                    reviewer.label,
                    &question,
                    ctx.now,
                )
                .await?;
                (
                    "registry.declaration.ask-more",
                    "email-declaration-question",
                    vec![
                        ("municipality", municipality_name.clone()),
                        ("question", question.clone()),
                    ],
                    "info-requested",
                )
            }
            Decision::Reject { reason } => {
                let reason = nfc(reason.trim());
                if reason.is_empty() {
                    return Err(input("registry-error-reason-required"));
                }
                if reason.chars().count() > MAX_TEXT_CHARS {
                    return Err(input("registry-error-too-long"));
                }
                if !store::set_declaration_state(
                    &mut tx,
                    declaration.id,
                    &["submitted", "info-requested"],
                    "rejected",
                    store::DeclarationChange {
                        decided_by: Some(reviewer.user_id),
                        reason: Some(&reason),
                        ..Default::default()
                    },
                    ctx.now,
                )
                .await?
                {
                    return Err(RegistryError::StateChanged);
                }
                (
                    "registry.declaration.reject",
                    "email-declaration-rejected",
                    vec![
                        ("municipality", municipality_name.clone()),
                        ("reason", reason.clone()),
                    ],
                    "rejected",
                )
            }
        };
    // A survey respondent has no account: a question gets a fresh personal link.
    let link = if to_state == "info-requested" && declaration.survey_invitation_id.is_some() {
        let token = random_token();
        if let Some(invitation) = declaration.survey_invitation_id {
            store::mark_reminded(&mut tx, invitation, &token_hash(&token), ctx.now).await?;
            store::reopen_invitation(&mut tx, invitation).await?;
        }
        format!("{}/{}/survey/{token}", ctx.base_url, author_lang.code())
    } else {
        link
    };
    if email::is_valid_address(&declaration.author_email) {
        let message = email::compose(
            ctx.i18n,
            author_lang,
            &declaration.author_email,
            email_key,
            &args,
            Some(&link),
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    audit::record(
        &mut tx,
        reviewer.actor,
        Entry {
            action,
            entity_type: "declaration",
            entity_id: declaration.id.to_string(),
            details: json!({ "nis": declaration.nis, "state": to_state }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn author_link(ctx: &Context<'_>, declaration: &Declaration, lang: Lang) -> String {
    if declaration.author_user_id.is_some() {
        format!(
            "{}/{}/livc-r/declarations/{}",
            ctx.base_url,
            lang.code(),
            declaration.id
        )
    } else {
        format!("{}/{}/cartography", ctx.base_url, lang.code())
    }
}

// ----- snapshots -----

/// One municipality in a published snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotEntry {
    pub nis: String,
    pub status: Status,
    pub cell_id: Option<i64>,
    pub cell_name: Option<String>,
    pub since: Option<NaiveDate>,
    pub source: Option<Source>,
    pub observation_id: Option<i64>,
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Status::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| serde::de::Error::custom("unknown status"))
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Source::from_code(&code).ok_or_else(|| serde::de::Error::custom("unknown source"))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub reference_date: NaiveDate,
    pub title: String,
    pub method: String,
    pub summary: super::domain::Summary,
    pub entries: Vec<SnapshotEntry>,
    pub published_at: chrono::DateTime<Utc>,
    pub published_by_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotListing {
    pub id: i64,
    pub reference_date: NaiveDate,
    pub title: String,
    pub summary: Option<super::domain::Summary>,
    pub published_at: chrono::DateTime<Utc>,
}

pub async fn snapshots(db: &Db) -> Result<Vec<SnapshotListing>, DbError> {
    Ok(store::snapshots(db)
        .await?
        .into_iter()
        .map(|row| SnapshotListing {
            id: row.id,
            reference_date: row.reference_date,
            title: row.title,
            summary: serde_json::from_str(&row.summary).ok(),
            published_at: row.published_at,
        })
        .collect())
}

pub async fn snapshot(db: &Db, id: i64) -> Result<Option<Snapshot>, DbError> {
    Ok(store::snapshot(db, id).await?.and_then(|row| {
        Some(Snapshot {
            id: row.id,
            reference_date: row.reference_date,
            title: row.title,
            method: row.method,
            summary: serde_json::from_str(&row.summary).ok()?,
            entries: serde_json::from_str(&row.statuses).ok()?,
            published_at: row.published_at,
            published_by_label: row.published_by_label,
        })
    }))
}

/// Freezes the picture on `date` as a published state of play.
#[allow(clippy::too_many_arguments)]
pub async fn publish_snapshot(
    ctx: &Context<'_>,
    reviewer: &Reviewer<'_>,
    registry: &Registry,
    geography: &Geography,
    date: NaiveDate,
    title: &str,
    method: &str,
) -> Result<i64, RegistryError> {
    let title = nfc(title.trim());
    let method = nfc(method.trim());
    if title.is_empty() {
        return Err(input("registry-error-title-required"));
    }
    if title.chars().count() > MAX_NAME_CHARS || method.chars().count() > MAX_TEXT_CHARS {
        return Err(input("registry-error-too-long"));
    }
    if date > ctx.today() {
        return Err(input("registry-error-date-future"));
    }
    let picture = registry.picture(geography, date);
    let summary = picture.summary(geography);
    let entries: Vec<SnapshotEntry> = picture
        .entries
        .iter()
        .map(|e| SnapshotEntry {
            nis: e.nis.clone(),
            status: e.status,
            cell_id: e.cell_id,
            cell_name: e
                .cell_id
                .and_then(|id| registry.cell(id))
                .map(|c| c.name.clone()),
            since: e.since,
            source: e.source,
            observation_id: e.observation_id,
        })
        .collect();
    let summary_json = serde_json::to_string(&summary).unwrap_or_default();
    let statuses = serde_json::to_string(&entries).unwrap_or_default();
    let mut tx = ctx.db.begin().await?;
    let id = store::insert_snapshot(
        &mut tx,
        &store::NewSnapshotRow {
            reference_date: date,
            title: &title,
            method: &method,
            summary: &summary_json,
            statuses: &statuses,
            published_by: Some(reviewer.user_id),
            published_by_label: reviewer.label,
        },
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        reviewer.actor,
        Entry {
            action: "cartography.snapshot.publish",
            entity_type: "snapshot",
            entity_id: id.to_string(),
            details: json!({ "reference_date": date, "title": title }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ----- cells -----

/// Edits a cell's descriptive fields (its coverage is history and changes only through
/// observations).
pub async fn update_cell(
    ctx: &Context<'_>,
    reviewer: &Reviewer<'_>,
    registry: &Registry,
    geography: &Geography,
    cell_id: i64,
    payload: &DeclarationPayload,
) -> Result<(), Vec<FieldProblem>> {
    let Some(existing) = registry.cell(cell_id) else {
        return Err(vec![FieldProblem {
            field: "",
            key: "error-not-found",
        }]);
    };
    let payload = payload.clone().normalised();
    let members = registry.members_of(geography, cell_id, ctx.today());
    let problems: Vec<FieldProblem> = payload
        .problems("", &Geography::default(), ctx.today())
        .into_iter()
        .filter(|p| !matches!(p.field, "situation" | "joint_with"))
        .chain(
            account_problems(ctx.db, &payload, &members)
                .await
                .map_err(storage_problem)?,
        )
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    let row = CellRow {
        id: cell_id,
        name: payload.cell_name.clone(),
        founded_on: payload.founded_on,
        rules_adopted: payload.rules_adopted,
        rules_adopted_on: payload.rules_adopted_on,
        meeting_frequency: payload.meeting_frequency.clone(),
        services: payload.services.join(","),
        coordinator_contact: payload.coordinator_contact.clone(),
        information_officer_contact: payload.information_officer_contact.clone(),
        coordinator_user_id: payload.coordinator_account,
        information_officer_user_id: payload.information_officer_account,
        remarks: payload.remarks.clone(),
    };
    let result: Result<(), RegistryError> = async {
        let mut tx = ctx.db.begin().await?;
        store::update_cell(&mut tx, &row, ctx.now).await?;
        audit::record(
            &mut tx,
            reviewer.actor,
            Entry {
                action: "registry.cell.update",
                entity_type: "cell",
                entity_id: cell_id.to_string(),
                details: json!({
                    "before": { "name": existing.name, "founded_on": existing.founded_on,
                        "meeting_frequency": existing.meeting_frequency, "services": existing.services },
                    "after": { "name": row.name, "founded_on": row.founded_on,
                        "meeting_frequency": row.meeting_frequency, "services": row.services },
                }),
            },
            ctx.now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    result.map_err(|error| {
        tracing::error!(%error, "updating a cell failed");
        vec![FieldProblem {
            field: "",
            key: "error-internal",
        }]
    })
}

/// Creates an empty cell (its details are filled in on the cell's page).
pub async fn create_cell(
    ctx: &Context<'_>,
    reviewer: &Reviewer<'_>,
    name: &str,
) -> Result<i64, RegistryError> {
    let name = valid_cell_name(name)?;
    let mut tx = ctx.db.begin().await?;
    let id = insert_new_cell(&mut tx, reviewer.actor, &name, ctx.now).await?;
    tx.commit().await?;
    Ok(id)
}

fn valid_cell_name(name: &str) -> Result<String, RegistryError> {
    let name = nfc(name.trim());
    if name.is_empty() {
        return Err(input("registry-error-cell-name-required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(input("registry-error-too-long"));
    }
    if contains_national_number(&name) {
        return Err(input("registry-error-personal-data"));
    }
    Ok(name)
}

async fn insert_new_cell(
    tx: &mut crate::core::db::Tx,
    actor: &Actor,
    name: &str,
    now: chrono::DateTime<Utc>,
) -> Result<i64, RegistryError> {
    let id = store::insert_cell(
        tx,
        &CellRow {
            id: 0,
            name: name.to_string(),
            founded_on: None,
            rules_adopted: false,
            rules_adopted_on: None,
            meeting_frequency: "unknown".into(),
            services: String::new(),
            coordinator_contact: String::new(),
            information_officer_contact: String::new(),
            coordinator_user_id: None,
            information_officer_user_id: None,
            remarks: String::new(),
        },
        now,
    )
    .await?;
    audit::record(
        tx,
        actor,
        Entry {
            action: "registry.cell.create",
            entity_type: "cell",
            entity_id: id.to_string(),
            details: json!({ "name": name }),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// Records one observation entered by staff. When `new_cell` names a cell to create, the
/// cell and the observation are written in one transaction, so a refused observation
/// leaves no cell behind.
#[allow(clippy::too_many_arguments)]
pub async fn record_observation(
    ctx: &Context<'_>,
    recorder: &Recorder<'_>,
    registry: &Registry,
    geography: &Geography,
    mut observation: NewObservation,
    new_cell: Option<&str>,
    lang: Lang,
) -> Result<(), RegistryError> {
    // A stand-in id for the cell to be created, so that the overlap rule is checked.
    const NEW_CELL: i64 = -1;
    let new_cell = new_cell.map(valid_cell_name).transpose()?;
    if new_cell.is_some() {
        observation.cell_id = Some(NEW_CELL);
    }
    check_observations(
        registry,
        geography,
        std::slice::from_ref(&observation),
        ctx.today(),
        lang,
        new_cell.is_some().then_some(NEW_CELL),
    )?;
    let mut tx = ctx.db.begin().await?;
    if let Some(name) = &new_cell {
        observation.cell_id = Some(insert_new_cell(&mut tx, recorder.actor, name, ctx.now).await?);
    }
    write_observations(&mut tx, recorder, &[observation], None, ctx.now).await?;
    tx.commit().await?;
    Ok(())
}

// ----- surveys -----

#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    pub id: i64,
    pub title: String,
    pub scope: String,
    pub closes_on: NaiveDate,
    pub closed: bool,
    pub created_at: chrono::DateTime<Utc>,
}

fn survey_from_row(row: store::SurveyRow, today: NaiveDate) -> Survey {
    let closed = row.closed_at.is_some() || row.closes_on < today;
    Survey {
        id: row.id,
        title: row.title,
        scope: row.scope,
        closes_on: row.closes_on,
        closed,
        created_at: row.created_at,
    }
}

pub async fn surveys(db: &Db, today: NaiveDate) -> Result<Vec<Survey>, DbError> {
    Ok(store::surveys(db)
        .await?
        .into_iter()
        .map(|row| survey_from_row(row, today))
        .collect())
}

pub async fn survey(db: &Db, id: i64, today: NaiveDate) -> Result<Option<Survey>, DbError> {
    Ok(store::survey(db, id)
        .await?
        .map(|row| survey_from_row(row, today)))
}

#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: i64,
    pub survey_id: i64,
    pub nis: String,
    pub email: String,
    pub language: Lang,
    pub sent_at: chrono::DateTime<Utc>,
    pub reminded_at: Option<chrono::DateTime<Utc>>,
    pub answered_at: Option<chrono::DateTime<Utc>>,
}

fn invitation_from_row(row: store::InvitationRow) -> Invitation {
    Invitation {
        id: row.id,
        survey_id: row.survey_id,
        nis: row.nis,
        email: row.email,
        language: Lang::from_code(&row.language).unwrap_or(Lang::Nl),
        sent_at: row.sent_at,
        reminded_at: row.reminded_at,
        answered_at: row.answered_at,
    }
}

pub async fn invitations(db: &Db, survey_id: i64) -> Result<Vec<Invitation>, DbError> {
    Ok(store::invitations(db, survey_id)
        .await?
        .into_iter()
        .map(invitation_from_row)
        .collect())
}

/// Which municipalities a survey goes to.
pub fn survey_scope(
    scope: &str,
    registry: &Registry,
    geography: &Geography,
    today: NaiveDate,
) -> Option<Vec<String>> {
    let valid = geography.municipalities_on(today);
    let year_ago = today - chrono::Duration::days(365);
    let codes: Vec<String> = match scope {
        "all" => valid.map(|m| m.nis.clone()).collect(),
        "VLG" | "WAL" | "BRU" => {
            let region = crate::geo::Region::from_code(scope)?;
            valid
                .filter(|m| m.region == region)
                .map(|m| m.nis.clone())
                .collect()
        }
        "stale" => valid
            .filter(|m| {
                !registry.history(&m.nis).iter().any(|o| {
                    o.recorded_at.date_naive() >= year_ago
                        && matches!(o.source, Source::Declaration | Source::Survey)
                })
            })
            .map(|m| m.nis.clone())
            .collect(),
        _ => return None,
    };
    Some(codes)
}

pub const SURVEY_SCOPES: [&str; 5] = ["all", "BRU", "VLG", "WAL", "stale"];

/// Launches a survey: one personal link per contact of each municipality in scope (the
/// municipal accounts linked to it and its cell's coordinator address), sent by email.
/// Returns the survey id and the municipalities that had no contact.
#[allow(clippy::too_many_arguments)]
pub async fn launch_survey(
    ctx: &Context<'_>,
    reviewer: &Reviewer<'_>,
    registry: &Registry,
    geography: &Geography,
    title: &str,
    scope: &str,
    closes_on: NaiveDate,
) -> Result<(i64, Vec<String>), RegistryError> {
    let today = ctx.today();
    let title = nfc(title.trim());
    if title.is_empty() {
        return Err(input("registry-error-title-required"));
    }
    if title.chars().count() > MAX_NAME_CHARS {
        return Err(input("registry-error-too-long"));
    }
    if closes_on <= today {
        return Err(input("registry-error-closes-in-past"));
    }
    let codes = survey_scope(scope, registry, geography, today)
        .ok_or_else(|| input("registry-error-scope"))?;
    let mut contacts: Vec<(String, String, String)> =
        crate::identity::service::municipal_contacts(ctx.db, &codes).await?;
    for nis in &codes {
        if let Some(cell) = registry
            .cell_of(nis, today)
            .and_then(|(id, _)| registry.cell(id))
            && email::is_valid_address(&cell.coordinator_contact)
        {
            let language = geography
                .municipality(nis)
                .map(default_language)
                .unwrap_or(Lang::Nl);
            contacts.push((
                nis.clone(),
                cell.coordinator_contact.clone(),
                language.code().to_string(),
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    contacts.retain(|(nis, email, _)| seen.insert((nis.clone(), email.to_lowercase())));
    let reached: std::collections::HashSet<&str> =
        contacts.iter().map(|(nis, _, _)| nis.as_str()).collect();
    let unreached: Vec<String> = codes
        .iter()
        .filter(|c| !reached.contains(c.as_str()))
        .cloned()
        .collect();
    let mut tx = ctx.db.begin().await?;
    let id =
        store::insert_survey(&mut tx, &title, scope, closes_on, reviewer.user_id, ctx.now).await?;
    let mut rows = vec![];
    for (nis, address, language) in &contacts {
        let token = random_token();
        let lang = Lang::from_code(language).unwrap_or(Lang::Nl);
        let name = geography
            .municipality(nis)
            .map(|m| m.display_name(lang).plain())
            .unwrap_or_default();
        let link = format!("{}/{}/survey/{token}", ctx.base_url, lang.code());
        let message = email::compose(
            ctx.i18n,
            lang,
            address,
            "email-survey",
            &[
                ("municipality", name),
                ("title", title.clone()),
                ("closes", crate::core::i18n::format_date(closes_on)),
            ],
            Some(&link),
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
        rows.push(store::NewInvitationRow {
            nis: nis.clone(),
            email: address.clone(),
            language: lang.code().to_string(),
            token_hash: token_hash(&token),
        });
    }
    store::insert_invitations(&mut tx, id, &rows, ctx.now).await?;
    audit::record(
        &mut tx,
        reviewer.actor,
        Entry {
            action: "registry.survey.launch",
            entity_type: "survey",
            entity_id: id.to_string(),
            details: json!({ "scope": scope, "invitations": rows.len(), "unreached": unreached.len() }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok((id, unreached))
}

/// Sends a reminder (with a fresh link) to every contact that has not answered yet.
pub async fn remind_survey(
    ctx: &Context<'_>,
    reviewer: &Reviewer<'_>,
    geography: &Geography,
    survey: &Survey,
) -> Result<usize, RegistryError> {
    if survey.closed {
        return Err(input("registry-error-survey-closed"));
    }
    let pending: Vec<Invitation> = invitations(ctx.db, survey.id)
        .await?
        .into_iter()
        .filter(|i| i.answered_at.is_none())
        .collect();
    let mut tx = ctx.db.begin().await?;
    for invitation in &pending {
        let token = random_token();
        store::mark_reminded(&mut tx, invitation.id, &token_hash(&token), ctx.now).await?;
        let name = geography
            .municipality(&invitation.nis)
            .map(|m| m.display_name(invitation.language).plain())
            .unwrap_or_default();
        let link = format!(
            "{}/{}/survey/{token}",
            ctx.base_url,
            invitation.language.code()
        );
        let message = email::compose(
            ctx.i18n,
            invitation.language,
            &invitation.email,
            "email-survey-reminder",
            &[
                ("municipality", name),
                ("title", survey.title.clone()),
                ("closes", crate::core::i18n::format_date(survey.closes_on)),
            ],
            Some(&link),
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    audit::record(
        &mut tx,
        reviewer.actor,
        Entry {
            action: "registry.survey.remind",
            entity_type: "survey",
            entity_id: survey.id.to_string(),
            details: json!({ "reminders": pending.len() }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(pending.len())
}

pub async fn close_survey(
    ctx: &Context<'_>,
    reviewer: &Reviewer<'_>,
    survey_id: i64,
) -> Result<(), RegistryError> {
    let mut tx = ctx.db.begin().await?;
    if store::close_survey(&mut tx, survey_id, ctx.now).await? == 0 {
        return Err(RegistryError::StateChanged);
    }
    audit::record(
        &mut tx,
        reviewer.actor,
        Entry {
            action: "registry.survey.close",
            entity_type: "survey",
            entity_id: survey_id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why a survey link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// Unknown token (altered, or replaced by a reminder).
    Invalid,
    /// The campaign is closed.
    Closed,
    /// Already answered.
    Answered,
}

pub async fn open_declaration_for_invitation(
    db: &Db,
    invitation_id: i64,
) -> Result<Option<Declaration>, DbError> {
    Ok(store::open_declaration_for_invitation(db, invitation_id)
        .await?
        .map(declaration_from_row))
}

pub async fn invitation_for_token(
    db: &Db,
    token: &str,
    today: NaiveDate,
) -> Result<Result<(Invitation, Survey), LinkProblem>, DbError> {
    if token.len() > 100
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(Err(LinkProblem::Invalid));
    }
    let Some(invitation) = store::invitation_by_token(db, &token_hash(token)).await? else {
        return Ok(Err(LinkProblem::Invalid));
    };
    let Some(survey) = survey(db, invitation.survey_id, today).await? else {
        return Ok(Err(LinkProblem::Invalid));
    };
    if survey.closed {
        return Ok(Err(LinkProblem::Closed));
    }
    let invitation = invitation_from_row(invitation);
    if invitation.answered_at.is_some() {
        return Ok(Err(LinkProblem::Answered));
    }
    Ok(Ok((invitation, survey)))
}

/// The language a municipality's mail goes out in: its own, Dutch for bilingual Brussels
/// unless it says otherwise.
pub fn default_language(municipality: &crate::geo::Municipality) -> Lang {
    use crate::geo::domain::LanguageArea;
    match municipality.language_area {
        LanguageArea::Dutch | LanguageArea::BilingualBrussels => Lang::Nl,
        LanguageArea::French => Lang::Fr,
        LanguageArea::German => Lang::De,
    }
}

// ----- mergers -----

/// Confirms or corrects the status of a municipality born from a merger, from its first day.
#[allow(clippy::too_many_arguments)]
pub async fn confirm_merger(
    ctx: &Context<'_>,
    reviewer: &Reviewer<'_>,
    registry: &Registry,
    geography: &Geography,
    nis: &str,
    status: Observed,
    cell_id: Option<i64>,
    lang: Lang,
) -> Result<(), RegistryError> {
    let proposal = super::domain::merger_proposals(registry, geography)
        .into_iter()
        .find(|p| p.successor_nis == nis)
        .ok_or(RegistryError::NotFound)?;
    let observation = NewObservation {
        nis: nis.to_string(),
        effective_on: proposal.effective_on,
        status,
        cell_id: cell_id.filter(|_| !matches!(status, Observed::None | Observed::Unknown)),
        source: Source::Merger,
        source_reference: String::new(),
    };
    record_observations(
        ctx,
        &Recorder {
            actor: reviewer.actor,
            label: reviewer.label,
        },
        registry,
        geography,
        &[observation],
        None,
        lang,
    )
    .await
}

/// Called when an account is anonymised: its name and address leave the registry's records.
/// The declarations a person wrote, for the export of their personal data.
pub async fn personal_data_export(db: &Db, user_id: i64) -> Result<serde_json::Value, DbError> {
    let states = [
        "draft",
        "submitted",
        "info-requested",
        "accepted",
        "rejected",
    ];
    let declarations: Vec<Declaration> = store::declarations(db, &states, None, Some(user_id))
        .await?
        .into_iter()
        .map(declaration_from_row)
        .collect();
    Ok(serde_json::Value::Array(
        declarations
            .iter()
            .map(|d| {
                serde_json::json!({
                    "id": d.id,
                    "municipality": d.nis,
                    "state": d.state,
                    "created_at": d.created_at,
                    "submitted_at": d.submitted_at,
                    "content": d.payload,
                })
            })
            .collect(),
    ))
}

pub async fn forget_person(
    tx: &mut crate::core::db::Tx,
    user_id: i64,
    label: &str,
) -> Result<(), DbError> {
    store::forget_person(tx, user_id, label).await
}

/// A failure that reaches a handler as an HTTP answer: not found, forbidden, unavailable
/// for a moment when the database cannot be reached, internal otherwise. Refusals of input
/// are shown on their form by the handler and never come this way.
impl From<RegistryError> for crate::core::error::AppError {
    fn from(error: RegistryError) -> Self {
        use crate::core::error::AppError;
        match error {
            RegistryError::NotFound => AppError::NotFound,
            RegistryError::NotAllowed => AppError::Forbidden {
                key: "error-forbidden",
            },
            RegistryError::Database(e) => AppError::database(&e),
            other => AppError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declaration_is_checked_before_it_is_sent() {
        let geography = Geography::default();
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        let payload = DeclarationPayload {
            situation: "own".into(),
            cell_name: String::new(),
            founded_on: NaiveDate::from_ymd_opt(2014, 12, 31),
            meeting_frequency: "sometimes".into(),
            services: vec!["police".into(), "astrology".into()],
            coordinator_contact: "preventie@example.be".into(),
            remarks: "Jan 85.07.30-033.28".into(),
            ..Default::default()
        };
        let keys: Vec<&str> = payload
            .problems("11001", &geography, today)
            .iter()
            .map(|p| p.key)
            .collect();
        for key in [
            "registry-error-cell-name-required",
            "registry-error-founded-too-early",
            "registry-error-frequency",
            "registry-error-services",
            "registry-error-consent",
        ] {
            assert!(keys.contains(&key), "{key} missing in {keys:?}");
        }
        let future = DeclarationPayload {
            situation: "none".into(),
            founded_on: NaiveDate::from_ymd_opt(2027, 1, 1),
            meeting_frequency: "unknown".into(),
            ..Default::default()
        };
        assert!(
            future
                .problems("11001", &geography, today)
                .iter()
                .any(|p| p.key == "registry-error-founded-future")
        );
    }
}
