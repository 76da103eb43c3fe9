//! Meetings and field visits: planning (with iCalendar invitations to the requesters and the
//! staff present), the report with topics, what was handed over and the participants by
//! role, follow-up actions with an owner and a due date, reminders, and calendar feeds.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

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
use crate::identity::service::Context;

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

pub async fn meetings_at(db: &Db, places: &[String]) -> Result<Vec<Meeting>, SupportError> {
    Ok(store::meetings(db, MeetingFilter::Places(places), 500)
        .await?
        .into_iter()
        .map(meeting_from_row)
        .collect())
}

/// A staff member's meetings starting between two instants.
pub async fn meetings_between(
    db: &Db,
    user: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Meeting>, SupportError> {
    let mut list: Vec<Meeting> =
        store::meetings(db, MeetingFilter::StaffBetween(user, from, to), 500)
            .await?
            .into_iter()
            .map(meeting_from_row)
            .collect();
    list.sort_by_key(|m| m.starts_at);
    Ok(list)
}

/// The meetings of the requests about a municipality.
pub async fn meetings_about(db: &Db, nis: &str) -> Result<Vec<Meeting>, SupportError> {
    Ok(store::meetings(db, MeetingFilter::RequestsAbout(nis), 500)
        .await?
        .into_iter()
        .map(meeting_from_row)
        .collect())
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

/// What staff type to plan a meeting.
pub struct NewMeeting {
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place_kind: String,
    pub place_code: String,
    pub place_detail: String,
    pub staff: Vec<i64>,
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
    let today = crate::core::clock::today();
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
    let detail = nfc(input.place_detail.trim());
    if detail.chars().count() > MAX_LINE_CHARS || contains_national_number(&detail) {
        return Err(problem("place_detail", "support-error-too-long"));
    }
    if input.staff.is_empty() {
        return Err(problem("staff", "support-error-advisor"));
    }
    let mut staff_accounts = vec![];
    for id in &input.staff {
        let account = crate::identity::service::account_by_id(ctx.db, *id)
            .await
            .map_err(|_| problem("staff", "support-error-advisor"))?;
        if account.status != "active" || account.role == crate::core::auth::Role::Municipal {
            return Err(problem("staff", "support-error-advisor"));
        }
        staff_accounts.push(account);
    }
    let uid = format!("{}@radix", random_token());
    let row = MeetingRow {
        id: 0,
        uid: uid.clone(),
        sequence: 0,
        kind: input.kind.clone(),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        place_kind: input.place_kind.clone(),
        place_code: input.place_code.clone(),
        place_detail: detail.clone(),
        participants: "[]".into(),
        topics: String::new(),
        handed_over: String::new(),
        report: String::new(),
    };
    let place_name = place_label(ctx, geography, req.language, &row);
    let mut tx = ctx.db.begin().await?;
    let id = store::insert_meeting(
        &mut tx,
        &row,
        &[req.id],
        &input.staff,
        Some(user_id),
        ctx.now,
    )
    .await?;
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
    let mut recipients: Vec<(String, Lang, String)> = vec![];
    if email::is_valid_address(&req.requester_email) {
        recipients.push((
            req.requester_email.clone(),
            req.language,
            req.requester_name.clone(),
        ));
    }
    for account in &staff_accounts {
        recipients.push((
            account.email.clone(),
            account.language,
            account.display_name.clone(),
        ));
    }
    for (address, lang, name) in recipients {
        let summary = invitation_summary(ctx, lang, &input.kind, &req.reference);
        let when = format!(
            "{} {}–{}",
            format_date(local_date),
            local(input.starts_at).format("%H:%M"),
            local(input.ends_at).format("%H:%M")
        );
        let body = ics::calendar(
            "Radix",
            Some("REQUEST"),
            &[ics::Event {
                uid: &uid,
                sequence: 0,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                summary: &summary,
                location: &place_name,
                description: &ctx.i18n.t(lang, "support-ics-description"),
                stamp: ctx.now,
            }],
        );
        let mut message = email::compose(
            ctx.i18n,
            lang,
            &address,
            "email-support-invitation",
            &[
                ("name", name),
                ("reference", req.reference.clone()),
                ("when", when),
                ("place", place_name.clone()),
            ],
            None,
        );
        message.attachment = Some(email::Attachment {
            name: "invitation.ics".into(),
            content_type: "text/calendar; method=REQUEST; charset=utf-8".into(),
            body,
        });
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
    let today = crate::core::clock::today();
    let due = store::actions(ctx.db, None, None, Some(today)).await?;
    let mut sent = 0;
    for action in due {
        let Some(owner) = action.owner_user_id else {
            continue;
        };
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
    let today = crate::core::clock::today();
    if today.weekday() != chrono::Weekday::Mon && !force {
        return Ok(0);
    }
    let week = format!(
        "{}-W{:02}",
        today.iso_week().year(),
        today.iso_week().week()
    );
    let accounts = crate::identity::service::list_accounts(ctx.db)
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
