//! Storage of cells, observations, declarations (with their messages), survey campaigns and
//! published snapshots. Observations and snapshots are only ever inserted.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::core::db::{Db, DbError, Tx};

#[derive(Iden, Clone, Copy)]
pub(super) enum LivcrCell {
    Table,
    Id,
    Name,
    FoundedOn,
    RulesAdopted,
    RulesAdoptedOn,
    MeetingFrequency,
    Services,
    CoordinatorContact,
    InformationOfficerContact,
    CoordinatorUserId,
    InformationOfficerUserId,
    Remarks,
    CreatedAt,
    UpdatedAt,
}

#[derive(Iden, Clone, Copy)]
pub(super) enum LivcrObservation {
    Table,
    Id,
    Nis,
    EffectiveOn,
    Status,
    CellId,
    SourceType,
    SourceReference,
    DeclarationId,
    RecordedBy,
    RecordedByLabel,
    RecordedAt,
}

#[derive(Iden, Clone, Copy)]
pub(super) enum LivcrDeclaration {
    Table,
    Id,
    Nis,
    State,
    Payload,
    Language,
    AuthorUserId,
    AuthorLabel,
    AuthorEmail,
    SurveyInvitationId,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    DecidedAt,
    DecidedBy,
    DecisionReason,
    CellId,
}

#[derive(Iden, Clone, Copy)]
pub(super) enum LivcrDeclarationMessage {
    Table,
    Id,
    DeclarationId,
    FromStaff,
    AuthorLabel,
    Body,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub(super) enum CartographySnapshot {
    Table,
    Id,
    ReferenceDate,
    Title,
    Method,
    Summary,
    Statuses,
    PublishedAt,
    PublishedBy,
    PublishedByLabel,
}

#[derive(Iden, Clone, Copy)]
pub(super) enum LivcrSurvey {
    Table,
    Id,
    Title,
    Scope,
    ClosesOn,
    ClosedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub(super) enum LivcrSurveyInvitation {
    Table,
    Id,
    SurveyId,
    Nis,
    Email,
    Language,
    TokenHash,
    SentAt,
    RemindedAt,
    AnsweredAt,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

async fn insert_returning_id(
    tx: &mut Tx,
    statement: &mut sea_query::InsertStatement,
) -> Result<i64, DbError> {
    statement.returning(Query::returning().column(sea_query::Alias::new("id")));
    let rows: Vec<IdRow> = tx.fetch_all(statement).await?;
    Ok(rows.first().map(|r| r.id).unwrap_or_default())
}

// ----- cells -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct CellRow {
    pub id: i64,
    pub name: String,
    pub founded_on: Option<NaiveDate>,
    pub rules_adopted: bool,
    pub rules_adopted_on: Option<NaiveDate>,
    pub meeting_frequency: String,
    pub services: String,
    pub coordinator_contact: String,
    pub information_officer_contact: String,
    pub coordinator_user_id: Option<i64>,
    pub information_officer_user_id: Option<i64>,
    pub remarks: String,
}

const CELL_COLUMNS: [LivcrCell; 12] = [
    LivcrCell::Id,
    LivcrCell::Name,
    LivcrCell::FoundedOn,
    LivcrCell::RulesAdopted,
    LivcrCell::RulesAdoptedOn,
    LivcrCell::MeetingFrequency,
    LivcrCell::Services,
    LivcrCell::CoordinatorContact,
    LivcrCell::InformationOfficerContact,
    LivcrCell::CoordinatorUserId,
    LivcrCell::InformationOfficerUserId,
    LivcrCell::Remarks,
];

pub(super) async fn load_cells(db: &Db) -> Result<Vec<CellRow>, DbError> {
    db.fetch_all(
        &Query::select()
            .columns(CELL_COLUMNS)
            .from(LivcrCell::Table)
            .order_by(LivcrCell::Id, Order::Asc)
            .to_owned(),
    )
    .await
}

pub(super) async fn insert_cell(
    tx: &mut Tx,
    cell: &CellRow,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    crate::core::revision::raise(tx, super::REVISION).await?;
    let now = now.trunc_subsecs(6);
    let mut statement = Query::insert()
        .into_table(LivcrCell::Table)
        .columns(
            CELL_COLUMNS[1..]
                .iter()
                .copied()
                .chain([LivcrCell::CreatedAt, LivcrCell::UpdatedAt]),
        )
        .values_panic([
            cell.name.clone().into(),
            cell.founded_on.into(),
            cell.rules_adopted.into(),
            cell.rules_adopted_on.into(),
            cell.meeting_frequency.clone().into(),
            cell.services.clone().into(),
            cell.coordinator_contact.clone().into(),
            cell.information_officer_contact.clone().into(),
            cell.coordinator_user_id.into(),
            cell.information_officer_user_id.into(),
            cell.remarks.clone().into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    insert_returning_id(tx, &mut statement).await
}

pub(super) async fn update_cell(
    tx: &mut Tx,
    cell: &CellRow,
    now: DateTime<Utc>,
) -> Result<u64, DbError> {
    crate::core::revision::raise(tx, super::REVISION).await?;
    tx.execute(
        &Query::update()
            .table(LivcrCell::Table)
            .values([
                (LivcrCell::Name, cell.name.clone().into()),
                (LivcrCell::FoundedOn, cell.founded_on.into()),
                (LivcrCell::RulesAdopted, cell.rules_adopted.into()),
                (LivcrCell::RulesAdoptedOn, cell.rules_adopted_on.into()),
                (
                    LivcrCell::MeetingFrequency,
                    cell.meeting_frequency.clone().into(),
                ),
                (LivcrCell::Services, cell.services.clone().into()),
                (
                    LivcrCell::CoordinatorContact,
                    cell.coordinator_contact.clone().into(),
                ),
                (
                    LivcrCell::InformationOfficerContact,
                    cell.information_officer_contact.clone().into(),
                ),
                (
                    LivcrCell::CoordinatorUserId,
                    cell.coordinator_user_id.into(),
                ),
                (
                    LivcrCell::InformationOfficerUserId,
                    cell.information_officer_user_id.into(),
                ),
                (LivcrCell::Remarks, cell.remarks.clone().into()),
                (LivcrCell::UpdatedAt, now.trunc_subsecs(6).into()),
            ])
            .and_where(Expr::col(LivcrCell::Id).eq(cell.id))
            .to_owned(),
    )
    .await
}

// ----- observations -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct ObservationRow {
    pub id: i64,
    pub nis: String,
    pub effective_on: NaiveDate,
    pub status: String,
    pub cell_id: Option<i64>,
    pub source_type: String,
    pub source_reference: String,
    pub declaration_id: Option<i64>,
    pub recorded_by_label: String,
    pub recorded_at: DateTime<Utc>,
}

pub(super) async fn load_observations(db: &Db) -> Result<Vec<ObservationRow>, DbError> {
    db.fetch_all(
        &Query::select()
            .columns([
                LivcrObservation::Id,
                LivcrObservation::Nis,
                LivcrObservation::EffectiveOn,
                LivcrObservation::Status,
                LivcrObservation::CellId,
                LivcrObservation::SourceType,
                LivcrObservation::SourceReference,
                LivcrObservation::DeclarationId,
                LivcrObservation::RecordedByLabel,
                LivcrObservation::RecordedAt,
            ])
            .from(LivcrObservation::Table)
            .to_owned(),
    )
    .await
}

pub(super) struct NewObservationRow<'a> {
    pub nis: &'a str,
    pub effective_on: NaiveDate,
    pub status: &'a str,
    pub cell_id: Option<i64>,
    pub source_type: &'a str,
    pub source_reference: &'a str,
    pub declaration_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_by_label: &'a str,
}

pub(super) async fn insert_observations(
    tx: &mut Tx,
    rows: &[NewObservationRow<'_>],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    crate::core::revision::raise(tx, super::REVISION).await?;
    let now = now.trunc_subsecs(6);
    // Bounded batches keep every statement under both backends' parameter limits.
    for batch in rows.chunks(500) {
        let mut statement = Query::insert();
        statement.into_table(LivcrObservation::Table).columns([
            LivcrObservation::Nis,
            LivcrObservation::EffectiveOn,
            LivcrObservation::Status,
            LivcrObservation::CellId,
            LivcrObservation::SourceType,
            LivcrObservation::SourceReference,
            LivcrObservation::DeclarationId,
            LivcrObservation::RecordedBy,
            LivcrObservation::RecordedByLabel,
            LivcrObservation::RecordedAt,
        ]);
        for row in batch {
            statement.values_panic([
                row.nis.into(),
                row.effective_on.into(),
                row.status.into(),
                row.cell_id.into(),
                row.source_type.into(),
                row.source_reference.into(),
                row.declaration_id.into(),
                row.recorded_by.into(),
                row.recorded_by_label.into(),
                now.into(),
            ]);
        }
        tx.execute(&statement).await?;
    }
    Ok(())
}

pub(super) async fn count_observations_with_reference(
    db: &Db,
    reference: &str,
) -> Result<i64, DbError> {
    let row: Option<CountRow> = db
        .fetch_optional(
            &Query::select()
                .expr_as(Expr::col(LivcrObservation::Id).count(), "count")
                .from(LivcrObservation::Table)
                .and_where(Expr::col(LivcrObservation::SourceReference).eq(reference))
                .to_owned(),
        )
        .await?;
    Ok(row.map(|r| r.count).unwrap_or_default())
}

#[derive(sqlx::FromRow)]
struct CountRow {
    count: i64,
}

/// Replaces a person's name and address in registry records by a pseudonym (anonymisation
/// of their account); the records themselves stay.
pub(super) async fn forget_person(tx: &mut Tx, user_id: i64, label: &str) -> Result<(), DbError> {
    crate::core::revision::raise(tx, super::REVISION).await?;
    tx.execute(
        &Query::update()
            .table(LivcrDeclaration::Table)
            .value(LivcrDeclaration::AuthorLabel, label)
            .value(LivcrDeclaration::AuthorEmail, "")
            .and_where(Expr::col(LivcrDeclaration::AuthorUserId).eq(user_id))
            .to_owned(),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table(LivcrObservation::Table)
            .value(LivcrObservation::RecordedByLabel, label)
            .and_where(Expr::col(LivcrObservation::RecordedBy).eq(user_id))
            .to_owned(),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table(CartographySnapshot::Table)
            .value(CartographySnapshot::PublishedByLabel, label)
            .and_where(Expr::col(CartographySnapshot::PublishedBy).eq(user_id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

// ----- declarations -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct DeclarationRow {
    pub id: i64,
    pub nis: String,
    pub state: String,
    pub payload: String,
    pub language: String,
    pub author_user_id: Option<i64>,
    pub author_label: String,
    pub author_email: String,
    pub survey_invitation_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: String,
    pub cell_id: Option<i64>,
}

const DECLARATION_COLUMNS: [LivcrDeclaration; 14] = [
    LivcrDeclaration::Id,
    LivcrDeclaration::Nis,
    LivcrDeclaration::State,
    LivcrDeclaration::Payload,
    LivcrDeclaration::Language,
    LivcrDeclaration::AuthorUserId,
    LivcrDeclaration::AuthorLabel,
    LivcrDeclaration::AuthorEmail,
    LivcrDeclaration::SurveyInvitationId,
    LivcrDeclaration::CreatedAt,
    LivcrDeclaration::SubmittedAt,
    LivcrDeclaration::DecidedAt,
    LivcrDeclaration::DecisionReason,
    LivcrDeclaration::CellId,
];

pub(super) struct NewDeclarationRow<'a> {
    pub nis: &'a str,
    pub state: &'a str,
    pub payload: &'a str,
    pub language: &'a str,
    pub author_user_id: Option<i64>,
    pub author_label: &'a str,
    pub author_email: &'a str,
    pub survey_invitation_id: Option<i64>,
}

pub(super) async fn insert_declaration(
    tx: &mut Tx,
    row: &NewDeclarationRow<'_>,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let now = now.trunc_subsecs(6);
    let submitted = (row.state == "submitted").then_some(now);
    let mut statement = Query::insert()
        .into_table(LivcrDeclaration::Table)
        .columns([
            LivcrDeclaration::Nis,
            LivcrDeclaration::State,
            LivcrDeclaration::Payload,
            LivcrDeclaration::Language,
            LivcrDeclaration::AuthorUserId,
            LivcrDeclaration::AuthorLabel,
            LivcrDeclaration::AuthorEmail,
            LivcrDeclaration::SurveyInvitationId,
            LivcrDeclaration::CreatedAt,
            LivcrDeclaration::UpdatedAt,
            LivcrDeclaration::SubmittedAt,
            LivcrDeclaration::DecisionReason,
        ])
        .values_panic([
            row.nis.into(),
            row.state.into(),
            row.payload.into(),
            row.language.into(),
            row.author_user_id.into(),
            row.author_label.into(),
            row.author_email.into(),
            row.survey_invitation_id.into(),
            now.into(),
            now.into(),
            submitted.into(),
            "".into(),
        ])
        .to_owned();
    insert_returning_id(tx, &mut statement).await
}

pub(super) async fn declaration(db: &Db, id: i64) -> Result<Option<DeclarationRow>, DbError> {
    db.fetch_optional(
        &Query::select()
            .columns(DECLARATION_COLUMNS)
            .from(LivcrDeclaration::Table)
            .and_where(Expr::col(LivcrDeclaration::Id).eq(id))
            .to_owned(),
    )
    .await
}

/// Declarations in the given states, oldest submission first; optionally of some
/// municipalities only.
pub(super) async fn declarations(
    db: &Db,
    states: &[&str],
    municipalities: Option<&[String]>,
    author: Option<i64>,
) -> Result<Vec<DeclarationRow>, DbError> {
    let mut statement = Query::select();
    statement
        .columns(DECLARATION_COLUMNS)
        .from(LivcrDeclaration::Table)
        .and_where(
            Expr::col(LivcrDeclaration::State).is_in(states.iter().map(|s| String::from(*s))),
        )
        .order_by(LivcrDeclaration::Id, Order::Desc)
        .limit(500);
    if let Some(codes) = municipalities {
        statement.and_where(Expr::col(LivcrDeclaration::Nis).is_in(codes.iter().cloned()));
    }
    if let Some(author) = author {
        statement.and_where(Expr::col(LivcrDeclaration::AuthorUserId).eq(author));
    }
    db.fetch_all(&statement).await
}

/// Moves a declaration from one of `from` states to `to`; false when it was not in them
/// (someone else acted first).
pub(super) async fn set_declaration_state(
    tx: &mut Tx,
    id: i64,
    from: &[&str],
    to: &str,
    change: DeclarationChange<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let now = now.trunc_subsecs(6);
    let mut statement = Query::update();
    statement
        .table(LivcrDeclaration::Table)
        .value(LivcrDeclaration::State, to)
        .value(LivcrDeclaration::UpdatedAt, now)
        .and_where(Expr::col(LivcrDeclaration::Id).eq(id))
        .and_where(Expr::col(LivcrDeclaration::State).is_in(from.iter().map(|s| String::from(*s))));
    if let Some(payload) = change.payload {
        statement.value(LivcrDeclaration::Payload, payload);
    }
    if to == "submitted" {
        statement.value(LivcrDeclaration::SubmittedAt, now);
    }
    if let Some(decider) = change.decided_by {
        statement
            .value(LivcrDeclaration::DecidedAt, now)
            .value(LivcrDeclaration::DecidedBy, decider)
            .value(
                LivcrDeclaration::DecisionReason,
                change.reason.unwrap_or(""),
            );
    }
    if let Some(cell) = change.cell_id {
        statement.value(LivcrDeclaration::CellId, cell);
    }
    Ok(tx.execute(&statement).await? == 1)
}

#[derive(Default)]
pub(super) struct DeclarationChange<'a> {
    pub payload: Option<&'a str>,
    pub decided_by: Option<i64>,
    pub reason: Option<&'a str>,
    pub cell_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct MessageRow {
    pub from_staff: bool,
    pub author_label: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub(super) async fn insert_message(
    tx: &mut Tx,
    declaration_id: i64,
    from_staff: bool,
    author_label: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    tx.execute(
        &Query::insert()
            .into_table(LivcrDeclarationMessage::Table)
            .columns([
                LivcrDeclarationMessage::DeclarationId,
                LivcrDeclarationMessage::FromStaff,
                LivcrDeclarationMessage::AuthorLabel,
                LivcrDeclarationMessage::Body,
                LivcrDeclarationMessage::CreatedAt,
            ])
            .values_panic([
                declaration_id.into(),
                from_staff.into(),
                author_label.into(),
                body.into(),
                now.trunc_subsecs(6).into(),
            ])
            .to_owned(),
    )
    .await
    .map(|_| ())
}

pub(super) async fn messages(db: &Db, declaration_id: i64) -> Result<Vec<MessageRow>, DbError> {
    db.fetch_all(
        &Query::select()
            .columns([
                LivcrDeclarationMessage::FromStaff,
                LivcrDeclarationMessage::AuthorLabel,
                LivcrDeclarationMessage::Body,
                LivcrDeclarationMessage::CreatedAt,
            ])
            .from(LivcrDeclarationMessage::Table)
            .and_where(Expr::col(LivcrDeclarationMessage::DeclarationId).eq(declaration_id))
            .order_by(LivcrDeclarationMessage::Id, Order::Asc)
            .to_owned(),
    )
    .await
}

// ----- snapshots -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct SnapshotRow {
    pub id: i64,
    pub reference_date: NaiveDate,
    pub title: String,
    pub method: String,
    pub summary: String,
    pub statuses: String,
    pub published_at: DateTime<Utc>,
    pub published_by_label: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct SnapshotListRow {
    pub id: i64,
    pub reference_date: NaiveDate,
    pub title: String,
    pub summary: String,
    pub published_at: DateTime<Utc>,
}

pub(super) async fn snapshots(db: &Db) -> Result<Vec<SnapshotListRow>, DbError> {
    db.fetch_all(
        &Query::select()
            .columns([
                CartographySnapshot::Id,
                CartographySnapshot::ReferenceDate,
                CartographySnapshot::Title,
                CartographySnapshot::Summary,
                CartographySnapshot::PublishedAt,
            ])
            .from(CartographySnapshot::Table)
            .order_by(CartographySnapshot::ReferenceDate, Order::Desc)
            .order_by(CartographySnapshot::Id, Order::Desc)
            .to_owned(),
    )
    .await
}

pub(super) async fn snapshot(db: &Db, id: i64) -> Result<Option<SnapshotRow>, DbError> {
    db.fetch_optional(
        &Query::select()
            .columns([
                CartographySnapshot::Id,
                CartographySnapshot::ReferenceDate,
                CartographySnapshot::Title,
                CartographySnapshot::Method,
                CartographySnapshot::Summary,
                CartographySnapshot::Statuses,
                CartographySnapshot::PublishedAt,
                CartographySnapshot::PublishedByLabel,
            ])
            .from(CartographySnapshot::Table)
            .and_where(Expr::col(CartographySnapshot::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub(super) struct NewSnapshotRow<'a> {
    pub reference_date: NaiveDate,
    pub title: &'a str,
    pub method: &'a str,
    pub summary: &'a str,
    pub statuses: &'a str,
    pub published_by: Option<i64>,
    pub published_by_label: &'a str,
}

pub(super) async fn insert_snapshot(
    tx: &mut Tx,
    row: &NewSnapshotRow<'_>,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    crate::core::revision::raise(tx, super::REVISION).await?;
    let mut statement = Query::insert()
        .into_table(CartographySnapshot::Table)
        .columns([
            CartographySnapshot::ReferenceDate,
            CartographySnapshot::Title,
            CartographySnapshot::Method,
            CartographySnapshot::Summary,
            CartographySnapshot::Statuses,
            CartographySnapshot::PublishedAt,
            CartographySnapshot::PublishedBy,
            CartographySnapshot::PublishedByLabel,
        ])
        .values_panic([
            row.reference_date.into(),
            row.title.into(),
            row.method.into(),
            row.summary.into(),
            row.statuses.into(),
            now.trunc_subsecs(6).into(),
            row.published_by.into(),
            row.published_by_label.into(),
        ])
        .to_owned();
    insert_returning_id(tx, &mut statement).await
}

// ----- surveys -----

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct SurveyRow {
    pub id: i64,
    pub title: String,
    pub scope: String,
    pub closes_on: NaiveDate,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const SURVEY_COLUMNS: [LivcrSurvey; 6] = [
    LivcrSurvey::Id,
    LivcrSurvey::Title,
    LivcrSurvey::Scope,
    LivcrSurvey::ClosesOn,
    LivcrSurvey::ClosedAt,
    LivcrSurvey::CreatedAt,
];

pub(super) async fn surveys(db: &Db) -> Result<Vec<SurveyRow>, DbError> {
    db.fetch_all(
        &Query::select()
            .columns(SURVEY_COLUMNS)
            .from(LivcrSurvey::Table)
            .order_by(LivcrSurvey::Id, Order::Desc)
            .to_owned(),
    )
    .await
}

pub(super) async fn survey(db: &Db, id: i64) -> Result<Option<SurveyRow>, DbError> {
    db.fetch_optional(
        &Query::select()
            .columns(SURVEY_COLUMNS)
            .from(LivcrSurvey::Table)
            .and_where(Expr::col(LivcrSurvey::Id).eq(id))
            .to_owned(),
    )
    .await
}

pub(super) async fn insert_survey(
    tx: &mut Tx,
    title: &str,
    scope: &str,
    closes_on: NaiveDate,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let mut statement = Query::insert()
        .into_table(LivcrSurvey::Table)
        .columns([
            LivcrSurvey::Title,
            LivcrSurvey::Scope,
            LivcrSurvey::ClosesOn,
            LivcrSurvey::CreatedBy,
            LivcrSurvey::CreatedAt,
        ])
        .values_panic([
            title.into(),
            scope.into(),
            closes_on.into(),
            created_by.into(),
            now.trunc_subsecs(6).into(),
        ])
        .to_owned();
    insert_returning_id(tx, &mut statement).await
}

pub(super) async fn close_survey(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<u64, DbError> {
    tx.execute(
        &Query::update()
            .table(LivcrSurvey::Table)
            .value(LivcrSurvey::ClosedAt, now.trunc_subsecs(6))
            .and_where(Expr::col(LivcrSurvey::Id).eq(id))
            .and_where(Expr::col(LivcrSurvey::ClosedAt).is_null())
            .to_owned(),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct InvitationRow {
    pub id: i64,
    pub survey_id: i64,
    pub nis: String,
    pub email: String,
    pub language: String,
    pub sent_at: DateTime<Utc>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
}

const INVITATION_COLUMNS: [LivcrSurveyInvitation; 8] = [
    LivcrSurveyInvitation::Id,
    LivcrSurveyInvitation::SurveyId,
    LivcrSurveyInvitation::Nis,
    LivcrSurveyInvitation::Email,
    LivcrSurveyInvitation::Language,
    LivcrSurveyInvitation::SentAt,
    LivcrSurveyInvitation::RemindedAt,
    LivcrSurveyInvitation::AnsweredAt,
];

pub(super) struct NewInvitationRow {
    pub nis: String,
    pub email: String,
    pub language: String,
    pub token_hash: String,
}

pub(super) async fn insert_invitations(
    tx: &mut Tx,
    survey_id: i64,
    rows: &[NewInvitationRow],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let now = now.trunc_subsecs(6);
    for batch in rows.chunks(500) {
        let mut statement = Query::insert();
        statement.into_table(LivcrSurveyInvitation::Table).columns([
            LivcrSurveyInvitation::SurveyId,
            LivcrSurveyInvitation::Nis,
            LivcrSurveyInvitation::Email,
            LivcrSurveyInvitation::Language,
            LivcrSurveyInvitation::TokenHash,
            LivcrSurveyInvitation::SentAt,
        ]);
        for row in batch {
            statement.values_panic([
                survey_id.into(),
                row.nis.clone().into(),
                row.email.clone().into(),
                row.language.clone().into(),
                row.token_hash.clone().into(),
                now.into(),
            ]);
        }
        tx.execute(&statement).await?;
    }
    Ok(())
}

pub(super) async fn invitations(db: &Db, survey_id: i64) -> Result<Vec<InvitationRow>, DbError> {
    db.fetch_all(
        &Query::select()
            .columns(INVITATION_COLUMNS)
            .from(LivcrSurveyInvitation::Table)
            .and_where(Expr::col(LivcrSurveyInvitation::SurveyId).eq(survey_id))
            .order_by(LivcrSurveyInvitation::Nis, Order::Asc)
            .to_owned(),
    )
    .await
}

pub(super) async fn invitation_by_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<InvitationRow>, DbError> {
    db.fetch_optional(
        &Query::select()
            .columns(INVITATION_COLUMNS)
            .from(LivcrSurveyInvitation::Table)
            .and_where(Expr::col(LivcrSurveyInvitation::TokenHash).eq(token_hash))
            .to_owned(),
    )
    .await
}

pub(super) async fn mark_answered(
    tx: &mut Tx,
    invitation_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbError> {
    tx.execute(
        &Query::update()
            .table(LivcrSurveyInvitation::Table)
            .value(LivcrSurveyInvitation::AnsweredAt, now.trunc_subsecs(6))
            .and_where(Expr::col(LivcrSurveyInvitation::Id).eq(invitation_id))
            .to_owned(),
    )
    .await
}

/// Lets a respondent use their link again (to answer a question about their answer).
pub(super) async fn reopen_invitation(tx: &mut Tx, invitation_id: i64) -> Result<u64, DbError> {
    tx.execute(
        &Query::update()
            .table(LivcrSurveyInvitation::Table)
            .value(
                LivcrSurveyInvitation::AnsweredAt,
                Option::<DateTime<Utc>>::None,
            )
            .and_where(Expr::col(LivcrSurveyInvitation::Id).eq(invitation_id))
            .to_owned(),
    )
    .await
}

/// The declaration a survey respondent is asked to complete, if any.
pub(super) async fn open_declaration_for_invitation(
    db: &Db,
    invitation_id: i64,
) -> Result<Option<DeclarationRow>, DbError> {
    db.fetch_optional(
        &Query::select()
            .columns(DECLARATION_COLUMNS)
            .from(LivcrDeclaration::Table)
            .and_where(Expr::col(LivcrDeclaration::SurveyInvitationId).eq(invitation_id))
            .and_where(Expr::col(LivcrDeclaration::State).eq("info-requested"))
            .to_owned(),
    )
    .await
}

pub(super) async fn mark_reminded(
    tx: &mut Tx,
    invitation_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbError> {
    tx.execute(
        &Query::update()
            .table(LivcrSurveyInvitation::Table)
            .value(LivcrSurveyInvitation::RemindedAt, now.trunc_subsecs(6))
            .value(LivcrSurveyInvitation::TokenHash, token_hash)
            .and_where(Expr::col(LivcrSurveyInvitation::Id).eq(invitation_id))
            .to_owned(),
    )
    .await
}
