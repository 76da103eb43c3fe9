//! Storage of support requests and their messages.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::core::db::{Db, DbError, Tx};

#[derive(Iden, Clone, Copy)]
enum SupportRequest {
    Table,
    Id,
    Reference,
    Kind,
    State,
    Language,
    Municipalities,
    Region,
    Payload,
    RequesterUserId,
    RequesterName,
    RequesterEmail,
    RequesterOrganisation,
    CreatedIp,
    FollowTokenHash,
    ConfirmTokenHash,
    AssignedTo,
    PlannedOn,
    Outcome,
    CreatedAt,
    ConfirmedAt,
    FirstAnswerAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(Iden, Clone, Copy)]
enum SupportMessage {
    Table,
    Id,
    RequestId,
    Internal,
    FromStaff,
    AuthorUserId,
    AuthorLabel,
    Body,
    CreatedAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct RequestRow {
    pub id: i64,
    pub reference: String,
    pub kind: String,
    pub state: String,
    pub language: String,
    pub municipalities: String,
    pub payload: String,
    pub requester_user_id: Option<i64>,
    pub requester_name: String,
    pub requester_email: String,
    pub requester_organisation: String,
    pub assigned_to: Option<i64>,
    pub planned_on: Option<NaiveDate>,
    pub outcome: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub first_answer_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

const COLUMNS: [SupportRequest; 18] = [
    SupportRequest::Id,
    SupportRequest::Reference,
    SupportRequest::Kind,
    SupportRequest::State,
    SupportRequest::Language,
    SupportRequest::Municipalities,
    SupportRequest::Payload,
    SupportRequest::RequesterUserId,
    SupportRequest::RequesterName,
    SupportRequest::RequesterEmail,
    SupportRequest::RequesterOrganisation,
    SupportRequest::AssignedTo,
    SupportRequest::PlannedOn,
    SupportRequest::Outcome,
    SupportRequest::CreatedAt,
    SupportRequest::ConfirmedAt,
    SupportRequest::FirstAnswerAt,
    SupportRequest::ClosedAt,
];

#[derive(Iden, Clone, Copy)]
enum SupportRequestMunicipality {
    Table,
    RequestId,
    Nis,
}

pub(super) struct NewRequestRow<'a> {
    pub region: &'a str,
    pub codes: &'a [String],
    pub kind: &'a str,
    pub state: &'a str,
    pub language: &'a str,
    pub municipalities: &'a str,
    pub payload: &'a str,
    pub requester_user_id: Option<i64>,
    pub requester_name: &'a str,
    pub requester_email: &'a str,
    pub requester_organisation: &'a str,
    pub created_ip: &'a str,
    pub follow_token_hash: &'a str,
    pub confirm_token_hash: Option<&'a str>,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

/// Raises the support revision inside the transaction that changes a request, a meeting or
/// an action, so every instance sees its cached team figures are stale once it commits.
pub(super) async fn bump_revision(tx: &mut Tx) -> Result<(), DbError> {
    crate::core::revision::raise(tx, super::REVISION).await
}

/// The current support revision (one primary-key read).
pub(super) async fn revision(db: &Db) -> Result<i64, DbError> {
    crate::core::revision::current(db, super::REVISION).await
}

/// Inserts a request and gives it its reference (RDX-year-number); returns (id, reference).
pub(super) async fn insert_request(
    tx: &mut Tx,
    row: &NewRequestRow<'_>,
    now: DateTime<Utc>,
) -> Result<(i64, String), DbError> {
    let now = now.trunc_subsecs(6);
    let provisional = format!("pending-{}", row.follow_token_hash);
    let confirmed = (row.state == "new").then_some(now);
    let mut statement = Query::insert()
        .into_table(SupportRequest::Table)
        .columns([
            SupportRequest::Reference,
            SupportRequest::Kind,
            SupportRequest::State,
            SupportRequest::Language,
            SupportRequest::Municipalities,
            SupportRequest::Region,
            SupportRequest::Payload,
            SupportRequest::RequesterUserId,
            SupportRequest::RequesterName,
            SupportRequest::RequesterEmail,
            SupportRequest::RequesterOrganisation,
            SupportRequest::CreatedIp,
            SupportRequest::FollowTokenHash,
            SupportRequest::ConfirmTokenHash,
            SupportRequest::Outcome,
            SupportRequest::CreatedAt,
            SupportRequest::ConfirmedAt,
            SupportRequest::UpdatedAt,
        ])
        .values_panic([
            provisional.into(),
            row.kind.into(),
            row.state.into(),
            row.language.into(),
            row.municipalities.into(),
            row.region.into(),
            row.payload.into(),
            row.requester_user_id.into(),
            row.requester_name.into(),
            row.requester_email.into(),
            row.requester_organisation.into(),
            row.created_ip.into(),
            row.follow_token_hash.into(),
            row.confirm_token_hash.into(),
            "".into(),
            now.into(),
            confirmed.into(),
            now.into(),
        ])
        .to_owned();
    statement.returning(Query::returning().column(SupportRequest::Id));
    let rows: Vec<IdRow> = tx.fetch_all(&statement).await?;
    let id = rows.first().map(|r| r.id).unwrap_or_default();
    for nis in row.codes {
        tx.execute(
            &Query::insert()
                .into_table(SupportRequestMunicipality::Table)
                .columns([
                    SupportRequestMunicipality::RequestId,
                    SupportRequestMunicipality::Nis,
                ])
                .values_panic([id.into(), nis.clone().into()])
                .to_owned(),
        )
        .await?;
    }
    let reference = format!("RDX-{}-{id:05}", now.format("%Y"));
    tx.execute(
        &Query::update()
            .table(SupportRequest::Table)
            .value(SupportRequest::Reference, reference.clone())
            .and_where(Expr::col(SupportRequest::Id).eq(id))
            .to_owned(),
    )
    .await?;
    bump_revision(tx).await?;
    Ok((id, reference))
}

async fn one(
    db: &Db,
    column: SupportRequest,
    value: sea_query::Value,
) -> Result<Option<RequestRow>, DbError> {
    db.fetch_optional(
        &Query::select()
            .columns(COLUMNS)
            .from(SupportRequest::Table)
            .and_where(Expr::col(column).eq(value))
            .to_owned(),
    )
    .await
}

pub(super) async fn by_id(db: &Db, id: i64) -> Result<Option<RequestRow>, DbError> {
    one(db, SupportRequest::Id, id.into()).await
}

pub(super) async fn by_follow_token(db: &Db, hash: &str) -> Result<Option<RequestRow>, DbError> {
    one(db, SupportRequest::FollowTokenHash, hash.into()).await
}

pub(super) async fn by_confirm_token(db: &Db, hash: &str) -> Result<Option<RequestRow>, DbError> {
    one(db, SupportRequest::ConfirmTokenHash, hash.into()).await
}

/// Which requests to list.
#[derive(Default)]
pub struct ListFilter<'a> {
    pub states: Option<&'a [&'a str]>,
    pub requester: Option<i64>,
    pub assigned_to: Option<i64>,
    pub unassigned: bool,
    pub municipality: Option<&'a str>,
    /// Open, not answered yet, and confirmed before this instant.
    pub unanswered_since: Option<DateTime<Utc>>,
    pub exclude_unconfirmed: bool,
}

/// Requests, newest first, from the `offset`-th on.
pub(super) async fn list(
    db: &Db,
    filter: &ListFilter<'_>,
    limit: u64,
    offset: u64,
) -> Result<Vec<RequestRow>, DbError> {
    let mut statement = filtered(filter);
    statement
        .columns(COLUMNS.map(|c| (SupportRequest::Table, c)))
        .order_by((SupportRequest::Table, SupportRequest::Id), Order::Desc)
        .limit(limit);
    if offset > 0 {
        statement.offset(offset);
    }
    db.fetch_all(&statement).await
}

/// How many requests a filter matches.
pub(super) async fn count(db: &Db, filter: &ListFilter<'_>) -> Result<i64, DbError> {
    let mut statement = filtered(filter);
    statement.expr_as(
        Expr::col((SupportRequest::Table, SupportRequest::Id)).count(),
        "count",
    );
    let row: Option<CountRow> = db.fetch_optional(&statement).await?;
    Ok(row.map(|r| r.count).unwrap_or_default())
}

/// The FROM and WHERE clauses of a filter.
fn filtered(filter: &ListFilter<'_>) -> sea_query::SelectStatement {
    let mut statement = Query::select();
    statement.from(SupportRequest::Table);
    let state = || Expr::col((SupportRequest::Table, SupportRequest::State));
    if let Some(states) = filter.states {
        statement.and_where(state().is_in(states.iter().map(|s| String::from(*s))));
    }
    if filter.exclude_unconfirmed {
        statement.and_where(state().ne("unconfirmed"));
    }
    if let Some(user) = filter.requester {
        statement.and_where(
            Expr::col((SupportRequest::Table, SupportRequest::RequesterUserId)).eq(user),
        );
    }
    if let Some(user) = filter.assigned_to {
        statement
            .and_where(Expr::col((SupportRequest::Table, SupportRequest::AssignedTo)).eq(user));
    }
    if filter.unassigned {
        statement
            .and_where(Expr::col((SupportRequest::Table, SupportRequest::AssignedTo)).is_null());
    }
    if let Some(since) = filter.unanswered_since {
        statement
            .and_where(state().is_in(["new", "assigned", "scheduled", "delivered"]))
            .and_where(Expr::col((SupportRequest::Table, SupportRequest::FirstAnswerAt)).is_null())
            .and_where(
                Expr::col((SupportRequest::Table, SupportRequest::ConfirmedAt))
                    .lt(since.trunc_subsecs(6)),
            );
    }
    if let Some(nis) = filter.municipality {
        statement
            .inner_join(
                SupportRequestMunicipality::Table,
                Expr::col((
                    SupportRequestMunicipality::Table,
                    SupportRequestMunicipality::RequestId,
                ))
                .equals((SupportRequest::Table, SupportRequest::Id)),
            )
            .and_where(
                Expr::col((
                    SupportRequestMunicipality::Table,
                    SupportRequestMunicipality::Nis,
                ))
                .eq(nis),
            );
    }
    statement
}

/// Open requests counted by state, kind and region.
pub(super) async fn open_counts(db: &Db) -> Result<Vec<(String, String, String, i64)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct CountsRow {
        state: String,
        kind: String,
        region: String,
        count: i64,
    }
    let rows: Vec<CountsRow> = db
        .fetch_all(
            &Query::select()
                .columns([
                    SupportRequest::State,
                    SupportRequest::Kind,
                    SupportRequest::Region,
                ])
                .expr_as(Expr::col(SupportRequest::Id).count(), "count")
                .from(SupportRequest::Table)
                .and_where(Expr::col(SupportRequest::State).is_in([
                    "new",
                    "assigned",
                    "scheduled",
                    "delivered",
                ]))
                .group_by_col(SupportRequest::State)
                .group_by_col(SupportRequest::Kind)
                .group_by_col(SupportRequest::Region)
                .to_owned(),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.state, r.kind, r.region, r.count))
        .collect())
}

/// Changes the state when the request is still in `from` (false when someone acted first).
pub(super) async fn set_state(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    change: Change,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let now = now.trunc_subsecs(6);
    let mut statement = Query::update();
    statement
        .table(SupportRequest::Table)
        .value(SupportRequest::State, to)
        .value(SupportRequest::UpdatedAt, now)
        .and_where(Expr::col(SupportRequest::Id).eq(id))
        .and_where(Expr::col(SupportRequest::State).eq(from));
    if let Some(user) = change.assigned_to {
        statement.value(SupportRequest::AssignedTo, user);
    }
    if let Some(date) = change.planned_on {
        statement.value(SupportRequest::PlannedOn, date);
    }
    if let Some(outcome) = change.outcome {
        statement.value(SupportRequest::Outcome, outcome);
    }
    if to == "new" {
        statement
            .value(SupportRequest::ConfirmedAt, now)
            .value(SupportRequest::ConfirmTokenHash, Option::<String>::None);
    }
    if matches!(to, "closed" | "declined" | "withdrawn") {
        statement.value(SupportRequest::ClosedAt, now);
    }
    let changed = tx.execute(&statement).await? == 1;
    if changed {
        bump_revision(tx).await?;
    }
    Ok(changed)
}

#[derive(Default)]
pub(super) struct Change {
    pub assigned_to: Option<i64>,
    pub planned_on: Option<NaiveDate>,
    pub outcome: Option<String>,
}

/// A new private link replaces the earlier one (sent with the acknowledgement).
pub(super) async fn set_follow_token(tx: &mut Tx, id: i64, hash: &str) -> Result<(), DbError> {
    tx.execute(
        &Query::update()
            .table(SupportRequest::Table)
            .value(SupportRequest::FollowTokenHash, hash)
            .and_where(Expr::col(SupportRequest::Id).eq(id))
            .to_owned(),
    )
    .await
    .map(|_| ())
}

/// The first answer to the requester (a message or a step) starts the clock only once.
pub(super) async fn mark_first_answer(
    tx: &mut Tx,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    tx.execute(
        &Query::update()
            .table(SupportRequest::Table)
            .value(SupportRequest::FirstAnswerAt, now.trunc_subsecs(6))
            .and_where(Expr::col(SupportRequest::Id).eq(id))
            .and_where(Expr::col(SupportRequest::FirstAnswerAt).is_null())
            .to_owned(),
    )
    .await?;
    bump_revision(tx).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct MessageRow {
    pub internal: bool,
    pub from_staff: bool,
    pub author_label: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub(super) struct NewMessage<'a> {
    pub request_id: i64,
    pub internal: bool,
    pub from_staff: bool,
    pub author_user_id: Option<i64>,
    pub author_label: &'a str,
    pub body: &'a str,
}

pub(super) async fn insert_message(
    tx: &mut Tx,
    message: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    tx.execute(
        &Query::insert()
            .into_table(SupportMessage::Table)
            .columns([
                SupportMessage::RequestId,
                SupportMessage::Internal,
                SupportMessage::FromStaff,
                SupportMessage::AuthorUserId,
                SupportMessage::AuthorLabel,
                SupportMessage::Body,
                SupportMessage::CreatedAt,
            ])
            .values_panic([
                message.request_id.into(),
                message.internal.into(),
                message.from_staff.into(),
                message.author_user_id.into(),
                message.author_label.into(),
                message.body.into(),
                now.trunc_subsecs(6).into(),
            ])
            .to_owned(),
    )
    .await
    .map(|_| ())
}

pub(super) async fn messages(
    db: &Db,
    request_id: i64,
    with_internal: bool,
) -> Result<Vec<MessageRow>, DbError> {
    let mut statement = Query::select();
    statement
        .columns([
            SupportMessage::Internal,
            SupportMessage::FromStaff,
            SupportMessage::AuthorLabel,
            SupportMessage::Body,
            SupportMessage::CreatedAt,
        ])
        .from(SupportMessage::Table)
        .and_where(Expr::col(SupportMessage::RequestId).eq(request_id))
        .order_by(SupportMessage::Id, Order::Asc);
    if !with_internal {
        statement.and_where(Expr::col(SupportMessage::Internal).eq(false));
    }
    db.fetch_all(&statement).await
}

#[derive(sqlx::FromRow)]
struct CountRow {
    count: i64,
}

/// Requests sent from an address or an email address since `since` (spam limits).
pub(super) async fn recent_count(
    db: &Db,
    ip: &str,
    email: &str,
    since: DateTime<Utc>,
) -> Result<(i64, i64), DbError> {
    let count = |column: SupportRequest, value: String| {
        Query::select()
            .expr_as(Expr::col(SupportRequest::Id).count(), "count")
            .from(SupportRequest::Table)
            .and_where(Expr::col(column).eq(value))
            .and_where(Expr::col(SupportRequest::CreatedAt).gte(since.trunc_subsecs(6)))
            .to_owned()
    };
    let by_ip: Option<CountRow> = db
        .fetch_optional(&count(SupportRequest::CreatedIp, ip.to_string()))
        .await?;
    let by_email: Option<CountRow> = db
        .fetch_optional(&count(SupportRequest::RequesterEmail, email.to_string()))
        .await?;
    Ok((
        by_ip.map(|c| c.count).unwrap_or_default(),
        by_email.map(|c| c.count).unwrap_or_default(),
    ))
}

/// Open requests per assigned advisor (their current workload).
pub(super) async fn workload(db: &Db) -> Result<Vec<(i64, i64)>, DbError> {
    #[derive(sqlx::FromRow)]
    struct LoadRow {
        assigned_to: Option<i64>,
        count: i64,
    }
    let rows: Vec<LoadRow> = db
        .fetch_all(
            &Query::select()
                .column(SupportRequest::AssignedTo)
                .expr_as(Expr::col(SupportRequest::Id).count(), "count")
                .from(SupportRequest::Table)
                .and_where(Expr::col(SupportRequest::State).is_in([
                    "assigned",
                    "scheduled",
                    "delivered",
                ]))
                .group_by_col(SupportRequest::AssignedTo)
                .to_owned(),
        )
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.assigned_to.map(|id| (id, r.count)))
        .collect())
}

// ----- meetings -----

#[derive(Iden, Clone, Copy)]
enum SupportMeeting {
    Table,
    Id,
    Uid,
    Sequence,
    Kind,
    StartsAt,
    EndsAt,
    PlaceKind,
    PlaceCode,
    PlaceDetail,
    Participants,
    Topics,
    HandedOver,
    Report,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    CancelledAt,
    CancelledBy,
    CancelReason,
}

#[derive(Iden, Clone, Copy)]
enum SupportMeetingRequest {
    Table,
    MeetingId,
    RequestId,
}

#[derive(Iden, Clone, Copy)]
enum SupportMeetingStaff {
    Table,
    MeetingId,
    UserId,
    /// The meeting's start, copied for the index (user_id, starts_at) of "my meetings".
    StartsAt,
}

#[derive(Iden, Clone, Copy)]
enum SupportAction {
    Table,
    Id,
    MeetingId,
    Description,
    OwnerUserId,
    DueOn,
    DoneAt,
    RemindedAt,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
enum SupportCalendar {
    Table,
    UserId,
    TokenHash,
    CreatedAt,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct MeetingRow {
    pub id: i64,
    pub uid: String,
    pub sequence: i64,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place_kind: String,
    pub place_code: String,
    pub place_detail: String,
    pub participants: String,
    pub topics: String,
    pub handed_over: String,
    pub report: String,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<i64>,
    pub cancel_reason: Option<String>,
}

/// Read with every meeting, never written by `insert_meeting`.
const CANCELLATION_COLUMNS: [SupportMeeting; 3] = [
    SupportMeeting::CancelledAt,
    SupportMeeting::CancelledBy,
    SupportMeeting::CancelReason,
];

const MEETING_COLUMNS: [SupportMeeting; 13] = [
    SupportMeeting::Id,
    SupportMeeting::Uid,
    SupportMeeting::Sequence,
    SupportMeeting::Kind,
    SupportMeeting::StartsAt,
    SupportMeeting::EndsAt,
    SupportMeeting::PlaceKind,
    SupportMeeting::PlaceCode,
    SupportMeeting::PlaceDetail,
    SupportMeeting::Participants,
    SupportMeeting::Topics,
    SupportMeeting::HandedOver,
    SupportMeeting::Report,
];

pub(super) async fn insert_meeting(
    tx: &mut Tx,
    row: &MeetingRow,
    requests: &[i64],
    staff: &[i64],
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let now = now.trunc_subsecs(6);
    let mut statement = Query::insert()
        .into_table(SupportMeeting::Table)
        .columns(MEETING_COLUMNS[1..].iter().copied().chain([
            SupportMeeting::CreatedBy,
            SupportMeeting::CreatedAt,
            SupportMeeting::UpdatedAt,
        ]))
        .values_panic([
            row.uid.clone().into(),
            row.sequence.into(),
            row.kind.clone().into(),
            row.starts_at.trunc_subsecs(0).into(),
            row.ends_at.trunc_subsecs(0).into(),
            row.place_kind.clone().into(),
            row.place_code.clone().into(),
            row.place_detail.clone().into(),
            row.participants.clone().into(),
            row.topics.clone().into(),
            row.handed_over.clone().into(),
            row.report.clone().into(),
            created_by.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    statement.returning(Query::returning().column(SupportMeeting::Id));
    let rows: Vec<IdRow> = tx.fetch_all(&statement).await?;
    let id = rows.first().map(|r| r.id).unwrap_or_default();
    for request in requests {
        tx.execute(
            &Query::insert()
                .into_table(SupportMeetingRequest::Table)
                .columns([
                    SupportMeetingRequest::MeetingId,
                    SupportMeetingRequest::RequestId,
                ])
                .values_panic([id.into(), (*request).into()])
                .to_owned(),
        )
        .await?;
    }
    insert_staff(tx, id, staff, row.starts_at).await?;
    bump_revision(tx).await?;
    Ok(id)
}

/// The Radix staff present at a meeting starting at `starts_at`.
async fn insert_staff(
    tx: &mut Tx,
    meeting_id: i64,
    staff: &[i64],
    starts_at: DateTime<Utc>,
) -> Result<(), DbError> {
    for user in staff {
        tx.execute(
            &Query::insert()
                .into_table(SupportMeetingStaff::Table)
                .columns([
                    SupportMeetingStaff::MeetingId,
                    SupportMeetingStaff::UserId,
                    SupportMeetingStaff::StartsAt,
                ])
                .values_panic([
                    meeting_id.into(),
                    (*user).into(),
                    starts_at.trunc_subsecs(0).into(),
                ])
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn meeting(db: &Db, id: i64) -> Result<Option<MeetingRow>, DbError> {
    db.fetch_optional(
        &Query::select()
            .columns(MEETING_COLUMNS)
            .columns(CANCELLATION_COLUMNS)
            .from(SupportMeeting::Table)
            .and_where(Expr::col(SupportMeeting::Id).eq(id))
            .to_owned(),
    )
    .await
}

/// Meetings by a filter: of a request, at a place, with a staff member, or all.
pub(super) enum MeetingFilter<'a> {
    Request(i64),
    /// The meetings held at one of these places (a municipality, its police zone) or
    /// answering a request about this municipality.
    MunicipalityFile(&'a [String], &'a str),
    Places(&'a [String]),
    Staff(i64),
    /// A staff member's meetings starting in [from, to), cancelled ones left out, earliest
    /// first.
    StaffBetween(i64, DateTime<Utc>, DateTime<Utc>),
    All,
}

pub(super) async fn meetings(
    db: &Db,
    filter: MeetingFilter<'_>,
    limit: u64,
) -> Result<Vec<MeetingRow>, DbError> {
    let mut statement = Query::select();
    statement
        .columns(MEETING_COLUMNS.map(|c| (SupportMeeting::Table, c)))
        .columns(CANCELLATION_COLUMNS.map(|c| (SupportMeeting::Table, c)))
        .from(SupportMeeting::Table)
        .limit(limit);
    if !matches!(filter, MeetingFilter::StaffBetween(..)) {
        statement.order_by(
            (SupportMeeting::Table, SupportMeeting::StartsAt),
            Order::Desc,
        );
    }
    match filter {
        MeetingFilter::Request(request) => {
            statement
                .inner_join(
                    SupportMeetingRequest::Table,
                    Expr::col((
                        SupportMeetingRequest::Table,
                        SupportMeetingRequest::MeetingId,
                    ))
                    .equals((SupportMeeting::Table, SupportMeeting::Id)),
                )
                .and_where(
                    Expr::col((
                        SupportMeetingRequest::Table,
                        SupportMeetingRequest::RequestId,
                    ))
                    .eq(request),
                );
        }
        MeetingFilter::Places(codes) => {
            statement.and_where(
                Expr::col((SupportMeeting::Table, SupportMeeting::PlaceCode))
                    .is_in(codes.iter().cloned()),
            );
        }
        MeetingFilter::MunicipalityFile(places, nis) => {
            // One pass over the meetings: held at one of the places, or answering a request
            // about the municipality (each meeting once, however many requests it answers).
            let about = Query::select()
                .column((
                    SupportMeetingRequest::Table,
                    SupportMeetingRequest::MeetingId,
                ))
                .from(SupportMeetingRequest::Table)
                .inner_join(
                    SupportRequestMunicipality::Table,
                    Expr::col((
                        SupportRequestMunicipality::Table,
                        SupportRequestMunicipality::RequestId,
                    ))
                    .equals((
                        SupportMeetingRequest::Table,
                        SupportMeetingRequest::RequestId,
                    )),
                )
                .and_where(
                    Expr::col((
                        SupportRequestMunicipality::Table,
                        SupportRequestMunicipality::Nis,
                    ))
                    .eq(nis),
                )
                .to_owned();
            statement.cond_where(
                sea_query::Cond::any()
                    .add(
                        Expr::col((SupportMeeting::Table, SupportMeeting::PlaceCode))
                            .is_in(places.iter().cloned()),
                    )
                    .add(Expr::col((SupportMeeting::Table, SupportMeeting::Id)).in_subquery(about)),
            );
        }
        MeetingFilter::StaffBetween(user, from, to) => {
            // Read from the person's staff rows in date order (index (user_id, starts_at)),
            // so the scan stops after `limit` meetings; a window is read from its start, so a
            // limit keeps the nearest meetings.
            let staff_start =
                || Expr::col((SupportMeetingStaff::Table, SupportMeetingStaff::StartsAt));
            statement
                .inner_join(
                    SupportMeetingStaff::Table,
                    Expr::col((SupportMeetingStaff::Table, SupportMeetingStaff::MeetingId))
                        .equals((SupportMeeting::Table, SupportMeeting::Id)),
                )
                .and_where(
                    Expr::col((SupportMeetingStaff::Table, SupportMeetingStaff::UserId)).eq(user),
                )
                .and_where(staff_start().gte(from.trunc_subsecs(0)))
                .and_where(staff_start().lt(to.trunc_subsecs(0)))
                .order_by(
                    (SupportMeetingStaff::Table, SupportMeetingStaff::StartsAt),
                    Order::Asc,
                )
                .and_where(
                    Expr::col((SupportMeeting::Table, SupportMeeting::CancelledAt)).is_null(),
                );
        }
        MeetingFilter::Staff(user) => {
            statement
                .inner_join(
                    SupportMeetingStaff::Table,
                    Expr::col((SupportMeetingStaff::Table, SupportMeetingStaff::MeetingId))
                        .equals((SupportMeeting::Table, SupportMeeting::Id)),
                )
                .and_where(
                    Expr::col((SupportMeetingStaff::Table, SupportMeetingStaff::UserId)).eq(user),
                );
        }
        MeetingFilter::All => {}
    }
    db.fetch_all(&statement).await
}

pub(super) async fn meeting_links(db: &Db, id: i64) -> Result<(Vec<i64>, Vec<i64>), DbError> {
    #[derive(sqlx::FromRow)]
    struct LinkRow {
        id: i64,
    }
    let requests: Vec<LinkRow> = db
        .fetch_all(
            &Query::select()
                .expr_as(Expr::col(SupportMeetingRequest::RequestId), "id")
                .from(SupportMeetingRequest::Table)
                .and_where(Expr::col(SupportMeetingRequest::MeetingId).eq(id))
                .to_owned(),
        )
        .await?;
    let staff: Vec<LinkRow> = db
        .fetch_all(
            &Query::select()
                .expr_as(Expr::col(SupportMeetingStaff::UserId), "id")
                .from(SupportMeetingStaff::Table)
                .and_where(Expr::col(SupportMeetingStaff::MeetingId).eq(id))
                .to_owned(),
        )
        .await?;
    Ok((
        requests.into_iter().map(|r| r.id).collect(),
        staff.into_iter().map(|r| r.id).collect(),
    ))
}

pub(super) async fn update_report(
    tx: &mut Tx,
    id: i64,
    report: &str,
    topics: &str,
    handed_over: &str,
    participants: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    tx.execute(
        &Query::update()
            .table(SupportMeeting::Table)
            .value(SupportMeeting::Report, report)
            .value(SupportMeeting::Topics, topics)
            .value(SupportMeeting::HandedOver, handed_over)
            .value(SupportMeeting::Participants, participants)
            .value(SupportMeeting::UpdatedAt, now.trunc_subsecs(6))
            .and_where(Expr::col(SupportMeeting::Id).eq(id))
            .to_owned(),
    )
    .await?;
    bump_revision(tx).await
}

/// What changing a planned meeting may alter (its staff are replaced alongside).
pub(super) struct MeetingPlan<'a> {
    pub kind: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place_kind: &'a str,
    pub place_code: &'a str,
    pub place_detail: &'a str,
}

/// Writes a changed plan and the staff present, one sequence number further; false when the
/// meeting was changed, cancelled or reported on since it was read at `read_sequence`.
pub(super) async fn change_meeting(
    tx: &mut Tx,
    id: i64,
    read_sequence: i64,
    plan: &MeetingPlan<'_>,
    staff: &[i64],
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let changed = tx
        .execute(
            &Query::update()
                .table(SupportMeeting::Table)
                .value(SupportMeeting::Kind, plan.kind)
                .value(SupportMeeting::StartsAt, plan.starts_at.trunc_subsecs(0))
                .value(SupportMeeting::EndsAt, plan.ends_at.trunc_subsecs(0))
                .value(SupportMeeting::PlaceKind, plan.place_kind)
                .value(SupportMeeting::PlaceCode, plan.place_code)
                .value(SupportMeeting::PlaceDetail, plan.place_detail)
                .value(SupportMeeting::Sequence, read_sequence + 1)
                .value(SupportMeeting::UpdatedAt, now.trunc_subsecs(6))
                .and_where(Expr::col(SupportMeeting::Id).eq(id))
                .and_where(Expr::col(SupportMeeting::Sequence).eq(read_sequence))
                .and_where(Expr::col(SupportMeeting::CancelledAt).is_null())
                .and_where(Expr::col(SupportMeeting::Report).eq(""))
                .to_owned(),
        )
        .await?;
    if changed != 1 {
        return Ok(false);
    }
    tx.execute(
        &Query::delete()
            .from_table(SupportMeetingStaff::Table)
            .and_where(Expr::col(SupportMeetingStaff::MeetingId).eq(id))
            .to_owned(),
    )
    .await?;
    insert_staff(tx, id, staff, plan.starts_at).await?;
    bump_revision(tx).await?;
    Ok(true)
}

/// Marks a meeting cancelled, one sequence number further; false when it was changed,
/// cancelled or reported on since it was read at `read_sequence`.
pub(super) async fn cancel_meeting(
    tx: &mut Tx,
    id: i64,
    read_sequence: i64,
    cancelled_by: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let now = now.trunc_subsecs(6);
    let cancelled = tx
        .execute(
            &Query::update()
                .table(SupportMeeting::Table)
                .value(SupportMeeting::CancelledAt, now)
                .value(SupportMeeting::CancelledBy, cancelled_by)
                .value(SupportMeeting::CancelReason, reason)
                .value(SupportMeeting::Sequence, read_sequence + 1)
                .value(SupportMeeting::UpdatedAt, now)
                .and_where(Expr::col(SupportMeeting::Id).eq(id))
                .and_where(Expr::col(SupportMeeting::Sequence).eq(read_sequence))
                .and_where(Expr::col(SupportMeeting::CancelledAt).is_null())
                .and_where(Expr::col(SupportMeeting::Report).eq(""))
                .to_owned(),
        )
        .await?
        == 1;
    if cancelled {
        bump_revision(tx).await?;
    }
    Ok(cancelled)
}

/// A request back to "assigned" after its meeting was cancelled has no planned date any more.
pub(super) async fn clear_planned_on(tx: &mut Tx, request_id: i64) -> Result<(), DbError> {
    tx.execute(
        &Query::update()
            .table(SupportRequest::Table)
            .value(SupportRequest::PlannedOn, Option::<NaiveDate>::None)
            .and_where(Expr::col(SupportRequest::Id).eq(request_id))
            .to_owned(),
    )
    .await?;
    bump_revision(tx).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct ActionRow {
    pub id: i64,
    pub meeting_id: i64,
    pub description: String,
    pub owner_user_id: Option<i64>,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
}

const ACTION_COLUMNS: [SupportAction; 6] = [
    SupportAction::Id,
    SupportAction::MeetingId,
    SupportAction::Description,
    SupportAction::OwnerUserId,
    SupportAction::DueOn,
    SupportAction::DoneAt,
];

pub(super) async fn insert_action(
    tx: &mut Tx,
    meeting_id: i64,
    description: &str,
    owner: Option<i64>,
    due_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    tx.execute(
        &Query::insert()
            .into_table(SupportAction::Table)
            .columns([
                SupportAction::MeetingId,
                SupportAction::Description,
                SupportAction::OwnerUserId,
                SupportAction::DueOn,
                SupportAction::CreatedAt,
            ])
            .values_panic([
                meeting_id.into(),
                description.into(),
                owner.into(),
                due_on.into(),
                now.trunc_subsecs(6).into(),
            ])
            .to_owned(),
    )
    .await?;
    bump_revision(tx).await
}

/// Follow-up actions: of some meetings, or open ones (optionally of one owner, optionally
/// due by a date and not reminded yet).
pub(super) async fn actions(
    db: &Db,
    meetings: Option<&[i64]>,
    open_owner: Option<Option<i64>>,
    due_by_unreminded: Option<NaiveDate>,
) -> Result<Vec<ActionRow>, DbError> {
    let mut statement = Query::select();
    statement
        .columns(ACTION_COLUMNS)
        .from(SupportAction::Table)
        .order_by(SupportAction::DueOn, Order::Asc)
        .limit(5000);
    if let Some(ids) = meetings {
        statement.and_where(Expr::col(SupportAction::MeetingId).is_in(ids.iter().copied()));
    }
    if let Some(owner) = open_owner {
        statement.and_where(Expr::col(SupportAction::DoneAt).is_null());
        if let Some(owner) = owner {
            statement.and_where(Expr::col(SupportAction::OwnerUserId).eq(owner));
        }
    }
    if let Some(date) = due_by_unreminded {
        statement
            .and_where(Expr::col(SupportAction::DoneAt).is_null())
            .and_where(Expr::col(SupportAction::RemindedAt).is_null())
            .and_where(Expr::col(SupportAction::DueOn).lte(date));
    }
    db.fetch_all(&statement).await
}

pub(super) async fn set_action_done(
    tx: &mut Tx,
    id: i64,
    meeting_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbError> {
    let done = tx
        .execute(
            &Query::update()
                .table(SupportAction::Table)
                .value(SupportAction::DoneAt, now.trunc_subsecs(6))
                .and_where(Expr::col(SupportAction::Id).eq(id))
                .and_where(Expr::col(SupportAction::MeetingId).eq(meeting_id))
                .and_where(Expr::col(SupportAction::DoneAt).is_null())
                .to_owned(),
        )
        .await?;
    bump_revision(tx).await?;
    Ok(done)
}

/// Marks a reminder as sent; false when another instance sent it first.
pub(super) async fn mark_action_reminded(
    tx: &mut Tx,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            &Query::update()
                .table(SupportAction::Table)
                .value(SupportAction::RemindedAt, now.trunc_subsecs(6))
                .and_where(Expr::col(SupportAction::Id).eq(id))
                .and_where(Expr::col(SupportAction::RemindedAt).is_null())
                .to_owned(),
        )
        .await?
        == 1)
}

pub(super) async fn set_calendar_token(
    tx: &mut Tx,
    user_id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    tx.execute(
        &Query::delete()
            .from_table(SupportCalendar::Table)
            .and_where(Expr::col(SupportCalendar::UserId).eq(user_id))
            .to_owned(),
    )
    .await?;
    tx.execute(
        &Query::insert()
            .into_table(SupportCalendar::Table)
            .columns([
                SupportCalendar::UserId,
                SupportCalendar::TokenHash,
                SupportCalendar::CreatedAt,
            ])
            .values_panic([user_id.into(), hash.into(), now.trunc_subsecs(6).into()])
            .to_owned(),
    )
    .await
    .map(|_| ())
}

pub(super) async fn calendar_owner(db: &Db, hash: &str) -> Result<Option<i64>, DbError> {
    #[derive(sqlx::FromRow)]
    struct OwnerRow {
        user_id: i64,
    }
    let row: Option<OwnerRow> = db
        .fetch_optional(
            &Query::select()
                .column(SupportCalendar::UserId)
                .from(SupportCalendar::Table)
                .and_where(Expr::col(SupportCalendar::TokenHash).eq(hash))
                .to_owned(),
        )
        .await?;
    Ok(row.map(|r| r.user_id))
}

#[derive(Iden, Clone, Copy)]
enum SupportDigest {
    Table,
    UserId,
    Week,
}

/// Claims the digest of `week` for a person; false when it was sent already.
pub(super) async fn claim_digest(tx: &mut Tx, user_id: i64, week: &str) -> Result<bool, DbError> {
    Ok(tx
        .execute(
            &Query::insert()
                .into_table(SupportDigest::Table)
                .columns([SupportDigest::UserId, SupportDigest::Week])
                .values_panic([user_id.into(), week.into()])
                .on_conflict(
                    sea_query::OnConflict::columns([SupportDigest::UserId, SupportDigest::Week])
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?
        == 1)
}

/// Bulk rows for load tests: `requests` requests spread over the municipalities, two
/// messages each, and a meeting for two requests in five. Returns the counts.
pub(super) async fn seed_load(
    db: &Db,
    municipalities: &[(String, String)],
    requests: usize,
    advisors: &[i64],
    now: DateTime<Utc>,
) -> Result<(usize, usize, usize), DbError> {
    let now = now.trunc_subsecs(6);
    let kinds = [
        "livcr-setup",
        "awareness-day",
        "project-support",
        "question",
    ];
    let states = [
        "new",
        "assigned",
        "scheduled",
        "delivered",
        "closed",
        "declined",
    ];
    let (mut messages, mut meetings) = (0, 0);
    let mut done = 0;
    // References, links and meeting UIDs stay unique when the seed runs again.
    let base = count(db, &ListFilter::default()).await?;
    while done < requests {
        let batch = (requests - done).min(200);
        let mut tx = db.begin().await?;
        let mut statement = Query::insert();
        statement.into_table(SupportRequest::Table).columns([
            SupportRequest::Reference,
            SupportRequest::Kind,
            SupportRequest::State,
            SupportRequest::Language,
            SupportRequest::Municipalities,
            SupportRequest::Region,
            SupportRequest::Payload,
            SupportRequest::RequesterName,
            SupportRequest::RequesterEmail,
            SupportRequest::RequesterOrganisation,
            SupportRequest::CreatedIp,
            SupportRequest::FollowTokenHash,
            SupportRequest::AssignedTo,
            SupportRequest::Outcome,
            SupportRequest::CreatedAt,
            SupportRequest::ConfirmedAt,
            SupportRequest::UpdatedAt,
        ]);
        for i in done..done + batch {
            let (nis, region) = &municipalities[i % municipalities.len()];
            let created = now - chrono::Duration::minutes((requests - i) as i64 * 7);
            let state = states[i % states.len()];
            let assigned =
                (state != "new" && !advisors.is_empty()).then(|| advisors[i % advisors.len()]);
            statement.values_panic([
                format!("LOAD-{:07}", base + i as i64).into(),
                kinds[i % kinds.len()].into(),
                state.into(),
                "nl".into(),
                nis.clone().into(),
                region.clone().into(),
                r#"{"category":["platform"],"message":["load test"]}"#.into(),
                "Load test".into(),
                format!("load{}@load.radix.invalid", i % 500).into(),
                "".into(),
                "127.0.0.1".into(),
                format!("load-{}", base + i as i64).into(),
                assigned.into(),
                "".into(),
                created.into(),
                created.into(),
                created.into(),
            ]);
        }
        statement.returning(Query::returning().column(SupportRequest::Id));
        let ids: Vec<IdRow> = tx.fetch_all(&statement).await?;
        let mut links = Query::insert();
        links
            .into_table(SupportRequestMunicipality::Table)
            .columns([
                SupportRequestMunicipality::RequestId,
                SupportRequestMunicipality::Nis,
            ]);
        let mut thread = Query::insert();
        thread.into_table(SupportMessage::Table).columns([
            SupportMessage::RequestId,
            SupportMessage::Internal,
            SupportMessage::FromStaff,
            SupportMessage::AuthorLabel,
            SupportMessage::Body,
            SupportMessage::CreatedAt,
        ]);
        for (offset, row) in ids.iter().enumerate() {
            let i = done + offset;
            links.values_panic([
                row.id.into(),
                municipalities[i % municipalities.len()].0.clone().into(),
            ]);
            for (internal, from_staff) in [(false, true), (i % 3 == 0, i % 3 == 0)] {
                thread.values_panic([
                    row.id.into(),
                    internal.into(),
                    from_staff.into(),
                    "Load test".into(),
                    "A message of the load test.".into(),
                    now.into(),
                ]);
                messages += 1;
            }
        }
        tx.execute(&links).await?;
        tx.execute(&thread).await?;
        for (offset, row) in ids.iter().enumerate() {
            let i = done + offset;
            if i % 5 != 0 && i % 5 != 2 {
                continue;
            }
            let (nis, _) = &municipalities[i % municipalities.len()];
            let starts_at = now + chrono::Duration::hours((i % 2000) as i64 - 1000);
            let meeting = MeetingRow {
                id: 0,
                uid: format!("load-{}@radix", base + i as i64),
                sequence: 0,
                kind: "follow-up".into(),
                starts_at,
                ends_at: starts_at + chrono::Duration::hours(2),
                place_kind: "municipality".into(),
                place_code: nis.clone(),
                place_detail: String::new(),
                participants: "[]".into(),
                topics: "legal-framework".into(),
                handed_over: String::new(),
                report: "Load test report.".into(),
                cancelled_at: None,
                cancelled_by: None,
                cancel_reason: None,
            };
            let staff: Vec<i64> = advisors
                .get(i % advisors.len().max(1))
                .copied()
                .into_iter()
                .collect();
            insert_meeting(&mut tx, &meeting, &[row.id], &staff, None, now).await?;
            meetings += 1;
        }
        bump_revision(&mut tx).await?;
        tx.commit().await?;
        done += batch;
    }
    Ok((requests, messages, meetings))
}

/// Fresh statistics after a bulk load, or PostgreSQL plans the next queries for empty
/// tables; the vacuum also sets the visibility map, so autovacuum does not start on these
/// tables right after the load and index-only scans work at once.
pub(super) async fn analyse_after_seeding(db: &Db) -> Result<(), DbError> {
    if let Db::Postgres(pool) = db {
        sqlx::query(
            "VACUUM ANALYZE support_request, support_request_municipality, support_message, \
             support_meeting, support_meeting_request, support_meeting_staff",
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}
