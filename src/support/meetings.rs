//! Meetings and field visits: planning (with iCalendar invitations to the requesters and the
//! staff present), the report with topics, what was handed over and the participants by
//! role, follow-up actions with an owner and a due date, reminders, and calendar feeds.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::domain::State;
use super::ics;
use super::service::{Request, SupportError};
use super::store::{self, MeetingFilter, MeetingRow};
use crate::core::audit::{self, Actor, Entry};
use crate::core::auth::password::{random_token, token_hash};
use crate::core::db::{Db, DbError};
use crate::core::email;
use crate::core::i18n::{Lang, format_date};
use crate::core::text::{contains_national_number, nfc};
use crate::geo::Geography;
use crate::identity::service::{Account, Context};

pub const KINDS: [&str; 5] = [
    "livcr-setup",
    "follow-up",
    "awareness-day",
    "project-support",
    "other",
];

/// Topics discussed (a controlled vocabulary).
pub const TOPICS: [&str; 12] = [
    "legal-framework",
    "cell-composition",
    "information-sharing",
    "rules-of-procedure",
    "information-officer",
    "far-right",
    "polarisation",
    "online-radicalisation",
    "good-practices",
    "national-cartography",
    "awareness",
    "funding",
];

/// Tools and documents handed over.
pub const HANDED_OVER: [&str; 7] = [
    "legal-framework-note",
    "dialogue-space",
    "good-practice-examples",
    "cartography",
    "strategy-ter",
    "awareness-material",
    "other-documents",
];

pub const PARTICIPANT_ROLES: [&str; 8] = [
    "mayor-office",
    "police",
    "prevention",
    "social-welfare",
    "schools",
    "youth-work",
    "municipal-departments",
    "other",
];

const MAX_REPORT_CHARS: usize = 20_000;
const MAX_LINE_CHARS: usize = 200;
const MAX_PARTICIPANTS: usize = 20;
const MAX_STAFF: usize = 20;
/// A cancellation reason is a sentence or two, sent to everyone invited.
pub const MAX_CANCEL_REASON_CHARS: usize = 500;

/// Someone who took part, by role and organisation; a name only with their consent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Participant {
    pub role: String,
    pub organisation: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub id: i64,
    pub uid: String,
    pub sequence: i64,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place_kind: String,
    pub place_code: String,
    pub place_detail: String,
    pub participants: Vec<Participant>,
    pub topics: Vec<String>,
    pub handed_over: Vec<String>,
    pub report: String,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<i64>,
    pub cancel_reason: String,
}

impl Meeting {
    pub fn is_cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }

    /// Its date, place, type and staff can still change: not cancelled, not begun, and no
    /// report written yet.
    pub fn can_change(&self, now: DateTime<Utc>) -> bool {
        !self.is_cancelled() && self.report.is_empty() && self.starts_at > now
    }

    /// It can still be cancelled: not cancelled yet and nothing shows it took place (no
    /// report, no follow-up actions). A meeting whose time has passed without taking place
    /// may still be cancelled, so that its request goes back to be planned again.
    pub fn can_cancel(&self, has_actions: bool) -> bool {
        !self.is_cancelled() && self.report.is_empty() && !has_actions
    }
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn meeting_from_row(row: MeetingRow) -> Meeting {
    Meeting {
        id: row.id,
        uid: row.uid,
        sequence: row.sequence,
        kind: row.kind,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        place_kind: row.place_kind,
        place_code: row.place_code,
        place_detail: row.place_detail,
        participants: serde_json::from_str(&row.participants).unwrap_or_default(),
        topics: split(&row.topics),
        handed_over: split(&row.handed_over),
        report: row.report,
        cancelled_at: row.cancelled_at,
        cancelled_by: row.cancelled_by,
        cancel_reason: row.cancel_reason.unwrap_or_default(),
    }
}

pub async fn meeting(db: &Db, id: i64) -> Result<Meeting, SupportError> {
    store::meeting(db, id)
        .await?
        .map(meeting_from_row)
        .ok_or(SupportError::NotFound)
}

/// The requests and staff of a meeting (ids).
pub async fn links(db: &Db, id: i64) -> Result<(Vec<i64>, Vec<i64>), SupportError> {
    Ok(store::meeting_links(db, id).await?)
}

pub async fn meetings_of_request(db: &Db, request: i64) -> Result<Vec<Meeting>, SupportError> {
    Ok(store::meetings(db, MeetingFilter::Request(request), 200)
        .await?
        .into_iter()
        .map(meeting_from_row)
        .collect())
}

/// The meetings the municipality file shows: held at one of `places` (the municipality, its
/// police zone) or answering a request about `nis`, latest first.
pub async fn meetings_for_municipality(
    db: &Db,
    places: &[String],
    nis: &str,
) -> Result<Vec<Meeting>, SupportError> {
    Ok(
        store::meetings(db, MeetingFilter::MunicipalityFile(places, nis), 500)
            .await?
            .into_iter()
            .map(meeting_from_row)
            .collect(),
    )
}

/// A staff member's meetings starting between two instants, cancelled ones left out: this
/// is what the team view and the weekly digest announce.
pub async fn meetings_between(
    db: &Db,
    user: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Meeting>, SupportError> {
    Ok(
        store::meetings(db, MeetingFilter::StaffBetween(user, from, to), limit)
            .await?
            .into_iter()
            .map(meeting_from_row)
            .collect(),
    )
}

pub async fn meetings_with(db: &Db, user: Option<i64>) -> Result<Vec<Meeting>, SupportError> {
    let filter = match user {
        Some(user) => MeetingFilter::Staff(user),
        None => MeetingFilter::All,
    };
    Ok(store::meetings(db, filter, 2000)
        .await?
        .into_iter()
        .map(meeting_from_row)
        .collect())
}

fn problem(field: &'static str, key: &'static str) -> SupportError {
    SupportError::Input(vec![super::domain::Problem { field, key }])
}

/// What staff type to plan a meeting, or to change its plan.
pub struct NewMeeting {
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place_kind: String,
    pub place_code: String,
    pub place_detail: String,
    pub staff: Vec<i64>,
}

/// A plan that passed the checks: the place detail as stored and the staff present.
struct CheckedPlan {
    place_detail: String,
    staff: Vec<Account>,
}

/// The checks shared by planning and changing a meeting: a known type, an end after the
/// start within a day, not in the past, a current place, and active Radix staff.
async fn check_plan(
    ctx: &Context<'_>,
    geography: &Geography,
    input: &NewMeeting,
) -> Result<CheckedPlan, SupportError> {
    if !KINDS.contains(&input.kind.as_str()) {
        return Err(problem("kind", "support-error-choice"));
    }
    if input.ends_at <= input.starts_at {
        return Err(problem("ends_at", "support-error-end-before-start"));
    }
    if input.ends_at - input.starts_at > chrono::Duration::hours(24) {
        return Err(problem("ends_at", "support-error-too-long-meeting"));
    }
    // A request still waiting for its meeting cannot get one in the past.
    if input.starts_at < ctx.now {
        return Err(problem("starts_at", "support-error-date-past"));
    }
    let today = ctx.today();
    let place_ok = match input.place_kind.as_str() {
        "municipality" => geography
            .municipality(&input.place_code)
            .is_some_and(|m| m.is_valid_on(today)),
        "police-zone" => geography
            .zone(&input.place_code)
            .is_some_and(|z| z.is_valid_on(today)),
        "online" => input.place_code.is_empty(),
        _ => false,
    };
    if !place_ok {
        return Err(problem("place_code", "support-error-place"));
    }
    let place_detail = nfc(input.place_detail.trim());
    if place_detail.chars().count() > MAX_LINE_CHARS || contains_national_number(&place_detail) {
        return Err(problem("place_detail", "support-error-too-long"));
    }
    let mut ids = input.staff.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_STAFF {
        return Err(problem("staff", "support-error-advisor"));
    }
    let mut staff = vec![];
    for id in ids {
        let account = crate::identity::service::account_by_id(ctx.db, id)
            .await
            .map_err(|_| problem("staff", "support-error-advisor"))?;
        if account.status != "active" || account.role == crate::core::auth::Role::Municipal {
            return Err(problem("staff", "support-error-advisor"));
        }
        staff.push(account);
    }
    Ok(CheckedPlan {
        place_detail,
        staff,
    })
}

/// Someone who receives the invitations of a meeting and their updates.
struct Recipient {
    address: String,
    lang: Lang,
    name: String,
    requester: bool,
}

/// The requesters of `requests` (a valid address, once each) and then the staff present:
/// the people an invitation, its changes and its cancellation go to.
fn recipients(requests: &[Request], staff: &[Account]) -> Vec<Recipient> {
    let mut list: Vec<Recipient> = vec![];
    for req in requests {
        if email::is_valid_address(&req.requester_email)
            && !list.iter().any(|r| r.address == req.requester_email)
        {
            list.push(Recipient {
                address: req.requester_email.clone(),
                lang: req.language,
                name: req.requester_name.clone(),
                requester: true,
            });
        }
    }
    for account in staff {
        list.push(Recipient {
            address: account.email.clone(),
            lang: account.language,
            name: account.display_name.clone(),
            requester: false,
        });
    }
    list
}

/// How an email about a meeting updates the recipient's calendar.
#[derive(Clone, Copy, PartialEq)]
enum CalendarMethod {
    /// A new or updated event.
    Request,
    /// The event is off (the meeting was cancelled, or the recipient no longer attends).
    Cancel,
}

/// An email about a meeting in the recipient's language, with the `.ics` that puts it in
/// (or takes it out of) their calendar: `key` names the text, `extra` adds to its arguments.
#[allow(clippy::too_many_arguments)]
fn calendar_email(
    ctx: &Context<'_>,
    geography: &Geography,
    to: &Recipient,
    key: &str,
    method: CalendarMethod,
    meeting: &MeetingRow,
    reference: &str,
    extra: &[(&str, String)],
) -> email::OutgoingEmail {
    let lang = to.lang;
    let place = place_label(ctx, geography, lang, meeting);
    let summary = invitation_summary(ctx, lang, &meeting.kind, reference);
    let (method_code, attachment_name) = match method {
        CalendarMethod::Request => ("REQUEST", "invitation.ics"),
        CalendarMethod::Cancel => ("CANCEL", "cancellation.ics"),
    };
    let body = ics::calendar(
        "Radix",
        Some(method_code),
        &[ics::Event {
            uid: &meeting.uid,
            sequence: meeting.sequence,
            starts_at: meeting.starts_at,
            ends_at: meeting.ends_at,
            summary: &summary,
            location: &place,
            description: &ctx.i18n.t(lang, "support-ics-description"),
            stamp: ctx.now,
            cancelled: method == CalendarMethod::Cancel,
        }],
    );
    let mut args = vec![
        ("name", to.name.clone()),
        ("reference", reference.to_string()),
        ("when", when_text(meeting.starts_at, meeting.ends_at)),
        ("place", place),
    ];
    args.extend(extra.iter().cloned());
    let mut message = email::compose(ctx.i18n, lang, &to.address, key, &args, None);
    message.attachment = Some(email::Attachment {
        name: attachment_name.into(),
        content_type: format!("text/calendar; method={method_code}; charset=utf-8"),
        body,
    });
    message
}

/// A meeting's date and hours in Belgian time, as emails give them.
fn when_text(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
    format!(
        "{} {}–{}",
        format_date(local(starts_at).date()),
        local(starts_at).format("%H:%M"),
        local(ends_at).format("%H:%M")
    )
}

/// Plans a meeting for a request: checks it, moves the request to "scheduled" (when it is
/// assigned), and sends the invitation with its `.ics` to the requester and the staff.
pub async fn plan(
    ctx: &Context<'_>,
    actor: &Actor,
    user_id: i64,
    geography: &Geography,
    req: &Request,
    input: NewMeeting,
) -> Result<i64, SupportError> {
    let checked = check_plan(ctx, geography, &input).await?;
    let staff_ids: Vec<i64> = checked.staff.iter().map(|a| a.id).collect();
    let mut row = MeetingRow {
        id: 0,
        uid: format!("{}@radix", random_token()),
        sequence: 0,
        kind: input.kind.clone(),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        place_kind: input.place_kind.clone(),
        place_code: input.place_code.clone(),
        place_detail: checked.place_detail.clone(),
        participants: "[]".into(),
        topics: String::new(),
        handed_over: String::new(),
        report: String::new(),
        cancelled_at: None,
        cancelled_by: None,
        cancel_reason: None,
    };
    let mut tx = ctx.db.begin().await?;
    let id =
        store::insert_meeting(&mut tx, &row, &[req.id], &staff_ids, Some(user_id), ctx.now).await?;
    row.id = id;
    let local_date = local(input.starts_at).date();
    if super::domain::transition(req.state, super::domain::Action::Schedule).is_some() {
        store::set_state(
            &mut tx,
            req.id,
            req.state.code(),
            "scheduled",
            store::Change {
                planned_on: Some(local_date),
                ..Default::default()
            },
            ctx.now,
        )
        .await?;
        store::mark_first_answer(&mut tx, req.id, ctx.now).await?;
    }
    for to in recipients(std::slice::from_ref(req), &checked.staff) {
        let message = calendar_email(
            ctx,
            geography,
            &to,
            "email-support-invitation",
            CalendarMethod::Request,
            &row,
            &req.reference,
            &[],
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "support.meeting.plan",
            entity_type: "support_meeting",
            entity_id: id.to_string(),
            details: json!({ "request": req.id, "starts_at": input.starts_at, "kind": input.kind }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The requests a meeting answers, as pages and emails need them.
async fn requests_of(db: &Db, ids: &[i64]) -> Result<Vec<Request>, SupportError> {
    let mut requests = vec![];
    for id in ids {
        requests.push(super::service::request(db, *id).await?);
    }
    Ok(requests)
}

fn references(requests: &[Request]) -> String {
    requests
        .iter()
        .map(|r| r.reference.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A step a meeting no longer allows: the whole step is refused, no field is to blame.
fn refused(key: &'static str) -> SupportError {
    problem(REFUSED_FIELD, key)
}

/// The field name of `refused` problems (pages answer them with 409 Conflict).
pub const REFUSED_FIELD: &str = "meeting";

fn refuse_if_cancelled(meeting: &Meeting) -> Result<(), SupportError> {
    if meeting.is_cancelled() {
        Err(refused("support-error-meeting-cancelled"))
    } else {
        Ok(())
    }
}

/// Changes a planned meeting (date and hours, place, type, staff present) before it takes
/// place: the same checks as planning, one sequence number further, and an updated
/// invitation (same UID) to the requesters and the staff present. Staff no longer present
/// receive a cancellation of their copy.
pub async fn change(
    ctx: &Context<'_>,
    actor: &Actor,
    geography: &Geography,
    meeting_id: i64,
    input: NewMeeting,
) -> Result<(), SupportError> {
    let current = meeting(ctx.db, meeting_id).await?;
    refuse_if_cancelled(&current)?;
    if !current.can_change(ctx.now) {
        return Err(refused("support-error-meeting-held"));
    }
    let checked = check_plan(ctx, geography, &input).await?;
    let (request_ids, old_staff) = store::meeting_links(ctx.db, meeting_id).await?;
    let requests = requests_of(ctx.db, &request_ids).await?;
    let mut removed = vec![];
    for id in old_staff
        .iter()
        .filter(|id| !checked.staff.iter().any(|a| a.id == **id))
    {
        // An account that no longer exists has no calendar to tidy up.
        if let Ok(account) = crate::identity::service::account_by_id(ctx.db, *id).await {
            removed.push(account);
        }
    }
    let staff_ids: Vec<i64> = checked.staff.iter().map(|a| a.id).collect();
    let row = MeetingRow {
        id: meeting_id,
        uid: current.uid.clone(),
        sequence: current.sequence + 1,
        kind: input.kind.clone(),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        place_kind: input.place_kind.clone(),
        place_code: input.place_code.clone(),
        place_detail: checked.place_detail.clone(),
        participants: "[]".into(),
        topics: String::new(),
        handed_over: String::new(),
        report: String::new(),
        cancelled_at: None,
        cancelled_by: None,
        cancel_reason: None,
    };
    let reference = references(&requests);
    let mut tx = ctx.db.begin().await?;
    let plan = store::MeetingPlan {
        kind: &row.kind,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        place_kind: &row.place_kind,
        place_code: &row.place_code,
        place_detail: &row.place_detail,
    };
    if !store::change_meeting(
        &mut tx,
        meeting_id,
        current.sequence,
        &plan,
        &staff_ids,
        ctx.now,
    )
    .await?
    {
        return Err(SupportError::NotNow);
    }
    // The request's planned date follows its meeting, as when it was planned.
    let local_date = local(row.starts_at).date();
    for req in requests
        .iter()
        .filter(|r| r.state == super::domain::State::Scheduled)
    {
        store::set_state(
            &mut tx,
            req.id,
            "scheduled",
            "scheduled",
            store::Change {
                planned_on: Some(local_date),
                ..Default::default()
            },
            ctx.now,
        )
        .await?;
    }
    for to in recipients(&requests, &checked.staff) {
        let message = calendar_email(
            ctx,
            geography,
            &to,
            "email-support-meeting-changed",
            CalendarMethod::Request,
            &row,
            &reference,
            &[],
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    for to in recipients(&[], &removed) {
        let message = calendar_email(
            ctx,
            geography,
            &to,
            "email-support-meeting-removed",
            CalendarMethod::Cancel,
            &row,
            &reference,
            &[],
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "support.meeting.change",
            entity_type: "support_meeting",
            entity_id: meeting_id.to_string(),
            details: json!({
                "sequence": row.sequence,
                "starts_at": row.starts_at,
                "ends_at": row.ends_at,
                "kind": row.kind,
                "place_kind": row.place_kind,
                "staff": staff_ids,
            }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Cancels a planned meeting with a reason: one sequence number further, a cancellation
/// (same UID, METHOD:CANCEL) to the requesters and the staff present, and each request it
/// answered back to "assigned" when it waits for no other meeting.
pub async fn cancel(
    ctx: &Context<'_>,
    actor: &Actor,
    user_id: i64,
    geography: &Geography,
    meeting_id: i64,
    reason: &str,
) -> Result<(), SupportError> {
    let current = meeting(ctx.db, meeting_id).await?;
    refuse_if_cancelled(&current)?;
    let has_actions = !actions_of(ctx.db, &[meeting_id]).await?.is_empty();
    if !current.can_cancel(has_actions) {
        return Err(refused("support-error-meeting-took-place"));
    }
    let reason = nfc(reason.trim());
    if reason.is_empty() {
        return Err(problem("reason", "support-error-cancel-reason"));
    }
    if reason.chars().count() > MAX_CANCEL_REASON_CHARS
        || reason
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(problem("reason", "support-error-too-long"));
    }
    if contains_national_number(&reason) {
        return Err(problem("reason", "support-error-personal-data"));
    }
    let (request_ids, staff_ids) = store::meeting_links(ctx.db, meeting_id).await?;
    let requests = requests_of(ctx.db, &request_ids).await?;
    let mut staff = vec![];
    for id in &staff_ids {
        if let Ok(account) = crate::identity::service::account_by_id(ctx.db, *id).await {
            staff.push(account);
        }
    }
    // A request goes back to be planned only when no other meeting is still ahead for it.
    let mut back_to_assigned = vec![];
    for req in &requests {
        if super::domain::transition(req.state, super::domain::Action::Unschedule).is_none() {
            continue;
        }
        let other_ahead = meetings_of_request(ctx.db, req.id)
            .await?
            .iter()
            .any(|m| m.id != meeting_id && !m.is_cancelled() && m.ends_at > ctx.now);
        if !other_ahead {
            back_to_assigned.push(req);
        }
    }
    let row = MeetingRow {
        id: meeting_id,
        uid: current.uid.clone(),
        sequence: current.sequence + 1,
        kind: current.kind.clone(),
        starts_at: current.starts_at,
        ends_at: current.ends_at,
        place_kind: current.place_kind.clone(),
        place_code: current.place_code.clone(),
        place_detail: current.place_detail.clone(),
        participants: "[]".into(),
        topics: String::new(),
        handed_over: String::new(),
        report: String::new(),
        cancelled_at: Some(ctx.now),
        cancelled_by: Some(user_id),
        cancel_reason: Some(reason.clone()),
    };
    let reference = references(&requests);
    let mut tx = ctx.db.begin().await?;
    if !store::cancel_meeting(
        &mut tx,
        meeting_id,
        current.sequence,
        user_id,
        &reason,
        ctx.now,
    )
    .await?
    {
        return Err(SupportError::NotNow);
    }
    for req in back_to_assigned {
        // The step of the request's state machine, audited like every other one. The
        // requester is not sent the usual "your request is now …" email: the cancellation
        // below, in the same transaction, already tells them and says the request stays
        // open; a second email about the same event would only confuse.
        if store::set_state(
            &mut tx,
            req.id,
            req.state.code(),
            State::Assigned.code(),
            store::Change::default(),
            ctx.now,
        )
        .await?
        {
            store::clear_planned_on(&mut tx, req.id).await?;
            audit::record(
                &mut tx,
                actor,
                Entry {
                    action: "support.request.transition",
                    entity_type: "support_request",
                    entity_id: req.id.to_string(),
                    details: json!({
                        "action": super::domain::Action::Unschedule.code(),
                        "from": req.state.code(),
                        "to": State::Assigned.code(),
                        "meeting": meeting_id,
                    }),
                },
                ctx.now,
            )
            .await?;
        }
    }
    for to in recipients(&requests, &staff) {
        let key = if to.requester {
            "email-support-meeting-cancelled"
        } else {
            "email-support-meeting-cancelled-staff"
        };
        let message = calendar_email(
            ctx,
            geography,
            &to,
            key,
            CalendarMethod::Cancel,
            &row,
            &reference,
            &[("reason", reason.clone())],
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    // The reason stays with the meeting; the audit trail records the step, not free text.
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "support.meeting.cancel",
            entity_type: "support_meeting",
            entity_id: meeting_id.to_string(),
            details: json!({ "sequence": row.sequence, "requests": request_ids }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn local(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    (at + crate::core::clock::brussels_offset(at)).naive_utc()
}

fn invitation_summary(ctx: &Context<'_>, lang: Lang, kind: &str, reference: &str) -> String {
    format!(
        "{} — Radix ({reference})",
        ctx.i18n.t(lang, &format!("support-meeting-kind-{kind}"))
    )
}

/// Where a meeting takes place, in words.
pub(super) fn place_label(
    ctx: &Context<'_>,
    geography: &Geography,
    lang: Lang,
    row: &MeetingRow,
) -> String {
    place_words(
        ctx,
        geography,
        lang,
        &row.place_kind,
        &row.place_code,
        &row.place_detail,
    )
}

pub(super) fn place_words(
    ctx: &Context<'_>,
    geography: &Geography,
    lang: Lang,
    kind: &str,
    code: &str,
    detail: &str,
) -> String {
    let base = match kind {
        "municipality" => geography
            .municipality(code)
            .map(|m| m.display_name(lang).plain())
            .unwrap_or_default(),
        "police-zone" => geography
            .zone(code)
            .map(|z| z.name.clone())
            .unwrap_or_default(),
        _ => ctx.i18n.t(lang, "support-place-online"),
    };
    if detail.is_empty() {
        base
    } else {
        format!("{base}, {detail}")
    }
}

/// The report of a meeting, what was discussed and handed over, and who took part.
pub struct Report {
    pub report: String,
    pub topics: Vec<String>,
    pub handed_over: Vec<String>,
    pub participants: Vec<Participant>,
    /// Named participants agreed to be named.
    pub consent: bool,
}

pub async fn save_report(
    ctx: &Context<'_>,
    actor: &Actor,
    meeting_id: i64,
    report: Report,
) -> Result<(), SupportError> {
    refuse_if_cancelled(&meeting(ctx.db, meeting_id).await?)?;
    let text = nfc(report.report.trim());
    if text.chars().count() > MAX_REPORT_CHARS {
        return Err(problem("report", "support-error-too-long"));
    }
    if contains_national_number(&text) {
        return Err(problem("report", "support-error-personal-data"));
    }
    if report.topics.iter().any(|t| !TOPICS.contains(&t.as_str()))
        || report
            .handed_over
            .iter()
            .any(|t| !HANDED_OVER.contains(&t.as_str()))
    {
        return Err(problem("topics", "support-error-choice"));
    }
    let mut participants = vec![];
    for p in report.participants.into_iter().take(MAX_PARTICIPANTS) {
        let p = Participant {
            role: p.role.trim().to_string(),
            organisation: nfc(p.organisation.trim()),
            name: nfc(p.name.trim()),
        };
        if p.role.is_empty() && p.organisation.is_empty() && p.name.is_empty() {
            continue;
        }
        if !PARTICIPANT_ROLES.contains(&p.role.as_str()) {
            return Err(problem("participants", "support-error-choice"));
        }
        if p.organisation.chars().count() > MAX_LINE_CHARS
            || p.name.chars().count() > 120
            || contains_national_number(&p.organisation)
            || contains_national_number(&p.name)
        {
            return Err(problem("participants", "support-error-too-long"));
        }
        if !p.name.is_empty() && !report.consent {
            return Err(problem("participants", "support-error-consent"));
        }
        participants.push(p);
    }
    let mut tx = ctx.db.begin().await?;
    store::update_report(
        &mut tx,
        meeting_id,
        &text,
        &report.topics.join(","),
        &report.handed_over.join(","),
        &serde_json::to_string(&participants).unwrap_or_else(|_| "[]".into()),
        ctx.now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "support.meeting.report",
            entity_type: "support_meeting",
            entity_id: meeting_id.to_string(),
            details: json!({ "topics": report.topics, "participants": participants.len() }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub id: i64,
    pub meeting_id: i64,
    pub description: String,
    pub owner_user_id: Option<i64>,
    pub due_on: NaiveDate,
    pub done: bool,
}

fn follow_up(row: store::ActionRow) -> FollowUp {
    FollowUp {
        id: row.id,
        meeting_id: row.meeting_id,
        description: row.description,
        owner_user_id: row.owner_user_id,
        due_on: row.due_on,
        done: row.done_at.is_some(),
    }
}

pub async fn actions_of(db: &Db, meetings: &[i64]) -> Result<Vec<FollowUp>, SupportError> {
    if meetings.is_empty() {
        return Ok(vec![]);
    }
    Ok(store::actions(db, Some(meetings), None, None)
        .await?
        .into_iter()
        .map(follow_up)
        .collect())
}

pub async fn open_actions(db: &Db, owner: Option<i64>) -> Result<Vec<FollowUp>, SupportError> {
    Ok(store::actions(db, None, Some(owner), None)
        .await?
        .into_iter()
        .map(follow_up)
        .collect())
}

/// Adds a follow-up action; its due date cannot lie before the meeting.
pub async fn add_action(
    ctx: &Context<'_>,
    actor: &Actor,
    meeting: &Meeting,
    description: &str,
    owner: Option<i64>,
    due_on: NaiveDate,
) -> Result<(), SupportError> {
    refuse_if_cancelled(meeting)?;
    let description = nfc(description.trim());
    if description.is_empty() {
        return Err(problem("description", "support-error-required"));
    }
    if description.chars().count() > 500 || contains_national_number(&description) {
        return Err(problem("description", "support-error-too-long"));
    }
    if due_on < local(meeting.starts_at).date() {
        return Err(problem("due_on", "support-error-due-before-meeting"));
    }
    if let Some(owner) = owner {
        let account = crate::identity::service::account_by_id(ctx.db, owner)
            .await
            .map_err(|_| problem("owner", "support-error-advisor"))?;
        if account.status != "active" || account.role == crate::core::auth::Role::Municipal {
            return Err(problem("owner", "support-error-advisor"));
        }
    }
    let mut tx = ctx.db.begin().await?;
    store::insert_action(&mut tx, meeting.id, &description, owner, due_on, ctx.now).await?;
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "support.action.add",
            entity_type: "support_meeting",
            entity_id: meeting.id.to_string(),
            details: json!({ "due_on": due_on, "owner": owner }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn complete_action(
    ctx: &Context<'_>,
    actor: &Actor,
    meeting_id: i64,
    action_id: i64,
) -> Result<(), SupportError> {
    let mut tx = ctx.db.begin().await?;
    if store::set_action_done(&mut tx, action_id, meeting_id, ctx.now).await? == 0 {
        return Err(SupportError::NotNow);
    }
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "support.action.done",
            entity_type: "support_meeting",
            entity_id: meeting_id.to_string(),
            details: json!({ "action": action_id }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Emails the owner of every open action that is due (once per action); returns how many.
pub async fn send_due_reminders(ctx: &Context<'_>) -> Result<usize, SupportError> {
    let today = ctx.today();
    let due = store::actions(ctx.db, None, None, Some(today)).await?;
    let mut sent = 0;
    for action in due {
        let Some(owner) = action.owner_user_id else {
            continue;
        };
        // Actions follow a meeting that took place, so a cancelled one has none; should
        // one be there all the same, nobody is chased for it.
        if store::meeting(ctx.db, action.meeting_id)
            .await?
            .is_none_or(|m| m.cancelled_at.is_some())
        {
            continue;
        }
        let Ok(account) = crate::identity::service::account_by_id(ctx.db, owner).await else {
            continue;
        };
        if account.status != "active" {
            continue;
        }
        let mut tx = ctx.db.begin().await?;
        if !store::mark_action_reminded(&mut tx, action.id, ctx.now).await? {
            continue;
        }
        let message = email::compose(
            ctx.i18n,
            account.language,
            &account.email,
            "email-support-action-due",
            &[
                ("name", account.display_name.clone()),
                ("action", action.description.clone()),
                ("date", format_date(action.due_on)),
            ],
            Some(&format!(
                "{}/{}/support/meetings/{}",
                ctx.base_url,
                account.language.code(),
                action.meeting_id
            )),
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
        audit::record(
            &mut tx,
            &Actor::system("reminders"),
            Entry {
                action: "support.action.remind",
                entity_type: "support_meeting",
                entity_id: action.meeting_id.to_string(),
                details: json!({ "action": action.id }),
            },
            ctx.now,
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Creates (or replaces) a staff member's secret calendar address; returns the token.
pub async fn new_calendar_token(
    ctx: &Context<'_>,
    actor: &Actor,
    user_id: i64,
) -> Result<String, SupportError> {
    let token = random_token();
    let mut tx = ctx.db.begin().await?;
    store::set_calendar_token(&mut tx, user_id, &token_hash(&token), ctx.now).await?;
    audit::record(
        &mut tx,
        actor,
        Entry {
            action: "support.calendar.token",
            entity_type: "account",
            entity_id: user_id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The iCalendar feed behind a secret address: the owner's meetings, or the whole team's.
pub async fn feed(
    ctx: &Context<'_>,
    geography: &Geography,
    token: &str,
    team: bool,
) -> Result<Option<String>, DbError> {
    if token.len() > 100 {
        return Ok(None);
    }
    let Some(owner) = store::calendar_owner(ctx.db, &token_hash(token)).await? else {
        return Ok(None);
    };
    let Ok(account) = crate::identity::service::account_by_id(ctx.db, owner).await else {
        return Ok(None);
    };
    if account.status != "active" || account.role == crate::core::auth::Role::Municipal {
        return Ok(None);
    }
    let lang = account.language;
    let rows = store::meetings(
        ctx.db,
        if team {
            MeetingFilter::All
        } else {
            MeetingFilter::Staff(owner)
        },
        2000,
    )
    .await?;
    let places: Vec<String> = rows
        .iter()
        .map(|r| place_label(ctx, geography, lang, r))
        .collect();
    let summaries: Vec<String> = rows
        .iter()
        .map(|r| {
            ctx.i18n
                .t(lang, &format!("support-meeting-kind-{}", r.kind))
        })
        .collect();
    let events: Vec<ics::Event> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| ics::Event {
            uid: &r.uid,
            sequence: r.sequence,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            summary: &summaries[i],
            location: &places[i],
            description: "",
            stamp: ctx.now,
            // Kept with STATUS:CANCELLED so that subscribed calendars drop the event.
            cancelled: r.cancelled_at.is_some(),
        })
        .collect();
    let name = ctx.i18n.t(
        lang,
        if team {
            "support-calendar-team"
        } else {
            "support-calendar-mine"
        },
    );
    Ok(Some(ics::calendar(&name, None, &events)))
}

/// On Mondays, sends each advisor and back-office member their weekly digest (open requests
/// assigned to them, their meetings of the coming week, their overdue actions), once per
/// week whatever the number of instances; returns how many were sent.
pub async fn send_weekly_digests(ctx: &Context<'_>, force: bool) -> Result<usize, SupportError> {
    use chrono::Datelike;
    let today = ctx.today();
    if today.weekday() != chrono::Weekday::Mon && !force {
        return Ok(0);
    }
    let week = format!(
        "{}-W{:02}",
        today.iso_week().year(),
        today.iso_week().week()
    );
    let accounts = crate::identity::service::staff_accounts(ctx.db)
        .await
        .map_err(|e| SupportError::Database(DbError::Protocol(e.to_string())))?;
    let mut sent = 0;
    for account in accounts.into_iter().filter(|a| {
        a.status == "active"
            && matches!(
                a.role,
                crate::core::auth::Role::Advisor | crate::core::auth::Role::Backoffice
            )
    }) {
        let lang = account.language;
        let open: Vec<super::service::Request> = super::service::list(
            ctx.db,
            &super::service::ListFilter {
                states: Some(&["assigned", "scheduled", "delivered"]),
                assigned_to: Some(account.id),
                ..Default::default()
            },
            200,
        )
        .await?;
        let meetings: Vec<Meeting> = meetings_between(
            ctx.db,
            account.id,
            ctx.now,
            ctx.now + chrono::Duration::days(7),
            500,
        )
        .await?;
        let overdue: Vec<FollowUp> = open_actions(ctx.db, Some(account.id))
            .await?
            .into_iter()
            .filter(|a| a.due_on < today)
            .collect();
        let mut lines = vec![];
        for r in &open {
            lines.push(format!(
                "- {} ({})",
                r.reference,
                ctx.i18n
                    .t(lang, &format!("support-state-{}", r.state.code()))
            ));
        }
        let requests_text = if lines.is_empty() {
            "-".to_string()
        } else {
            lines.join("\n")
        };
        let meetings_text = if meetings.is_empty() {
            "-".to_string()
        } else {
            meetings
                .iter()
                .map(|m| {
                    format!(
                        "- {} {}",
                        format_date(local(m.starts_at).date()),
                        ctx.i18n
                            .t(lang, &format!("support-meeting-kind-{}", m.kind))
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let actions_text = if overdue.is_empty() {
            "-".to_string()
        } else {
            overdue
                .iter()
                .map(|a| format!("- {} ({})", a.description, format_date(a.due_on)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut tx = ctx.db.begin().await?;
        if !store::claim_digest(&mut tx, account.id, &week).await? {
            continue;
        }
        let message = email::compose(
            ctx.i18n,
            lang,
            &account.email,
            "email-support-digest",
            &[
                ("name", account.display_name.clone()),
                ("requests", requests_text),
                ("meetings", meetings_text),
                ("actions", actions_text),
            ],
            Some(&format!("{}/{}/support", ctx.base_url, lang.code())),
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}
