//! Pages of meetings: planning from a request, the meeting page with its report and
//! follow-up actions, calendar feed links, the feeds themselves, and the municipality file.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::meetings::{
    self, HANDED_OVER, KINDS, NewMeeting, PARTICIPANT_ROLES, Participant, Report, TOPICS,
};
use super::service::{self, SupportError};
use crate::core::audit::Actor;
use crate::core::auth::csrf;
use crate::core::auth::policy::{ClientIp, CurrentUser};
use crate::core::auth::session::SessionUser;
use crate::core::error::AppError;
use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::core::web::form::Form;
use crate::core::web::{PageMeta, lang_from_path, render_with_status};
use crate::geo::GeoState;
use crate::registry::RegistryState;

fn local_time(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    (at + crate::core::clock::brussels_offset(at)).naive_utc()
}

/// A Belgian wall-clock date and time as an instant.
fn from_local(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time).and_utc();
    naive - crate::core::clock::brussels_offset(naive)
}

/// A date as typed; years far from today are refused as typing errors (they would also
/// take times out of the range the calendar arithmetic handles).
fn parse_date(text: &str) -> Option<NaiveDate> {
    use chrono::Datelike;
    crate::core::date::parse_date(text)
        .ok()
        .flatten()
        .filter(|d| (2000..=2200).contains(&d.year()))
}

fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

fn error_text(state: &AppState, lang: Lang, error: &SupportError) -> Result<String, AppError> {
    match error {
        SupportError::Input(problems) => Ok(problems
            .iter()
            .map(|p| state.i18n.t(lang, p.key))
            .collect::<Vec<_>>()
            .join(" ")),
        SupportError::NotNow => Ok(state.i18n.t(lang, "support-error-not-now")),
        SupportError::NotFound => Err(AppError::NotFound),
        SupportError::NotAllowed => Err(AppError::Forbidden {
            key: "error-forbidden",
        }),
        SupportError::TooMany => Ok(state.i18n.t(lang, "support-error-too-many")),
        SupportError::Database(e) => Err(AppError::database(e)),
    }
}

fn vocabulary(
    state: &AppState,
    lang: Lang,
    prefix: &str,
    codes: &[&str],
    chosen: &[String],
) -> Vec<minijinja::Value> {
    codes
        .iter()
        .map(|c| {
            minijinja::context! {
                value => c,
                label => state.i18n.t(lang, &format!("{prefix}{c}")),
                selected => chosen.iter().any(|x| x == c),
            }
        })
        .collect()
}

async fn request_for(state: &AppState, id: &str) -> Result<service::Request, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let req = service::request(&state.db, id).await.map_err(|e| match e {
        SupportError::NotFound => AppError::NotFound,
        other => AppError::internal(other),
    })?;
    if req.state == super::domain::State::Unconfirmed {
        return Err(AppError::NotFound);
    }
    Ok(req)
}

/// Which form `meeting_form_page` shows: planning a meeting for a request, or changing one.
enum MeetingForm<'a> {
    Plan(&'a service::Request),
    Change {
        meeting: &'a meetings::Meeting,
        requests: &'a [service::Request],
    },
}

/// The form to plan or change a meeting, filled with `form` (what was typed, or for a
/// change the meeting as it stands).
#[allow(clippy::too_many_arguments)]
async fn meeting_form_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    target: MeetingForm<'_>,
    form: &Form,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let today = state.clock.today();
    let figures = state
        .part::<super::SupportPart>()
        .team
        .figures(
            &state.db,
            state.config.support_answer_days,
            state.clock.now(),
        )
        .await?;
    let requests: &[service::Request] = match &target {
        MeetingForm::Plan(req) => std::slice::from_ref(*req),
        MeetingForm::Change { requests, .. } => requests,
    };
    let mut candidates: Vec<(i64, String)> = match requests.first() {
        Some(req) => service::candidates(&state.db, &geography, req, &figures.workload)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect(),
        None => vec![],
    };
    if let MeetingForm::Change { meeting, .. } = &target {
        // Staff already present stay listed even if they would not be proposed today.
        let (_, present) = meetings::links(&state.db, meeting.id).await?;
        for (id, name) in staff_names(state).await? {
            if present.contains(&id) && !candidates.iter().any(|(c, _)| *c == id) {
                candidates.push((id, name));
            }
        }
    }
    let chosen_staff = form.all("staff");
    let chosen_place = form.get("place");
    let mut municipalities: Vec<&String> =
        requests.iter().flat_map(|r| &r.municipalities).collect();
    municipalities.sort();
    municipalities.dedup();
    let mut places: Vec<(String, String)> = municipalities
        .iter()
        .filter_map(|n| geography.municipality(n))
        .map(|m| {
            (
                format!("municipality:{}", m.nis),
                m.display_name(lang).plain(),
            )
        })
        .chain(
            municipalities
                .iter()
                .filter_map(|n| geography.zone_of(n, today))
                .map(|z| {
                    (
                        format!("police-zone:{}", z.key),
                        format!(
                            "{} ({})",
                            z.name,
                            state.i18n.t(lang, "geo-filter-police-zone")
                        ),
                    )
                }),
        )
        .collect();
    let mut seen = std::collections::HashSet::new();
    places.retain(|(value, _)| seen.insert(value.clone()));
    if let MeetingForm::Change { meeting, .. } = &target {
        // The place of a meeting being changed stays a choice even when its request
        // names other municipalities.
        let current = format!("{}:{}", meeting.place_kind, meeting.place_code);
        if meeting.place_kind != "online" && !places.iter().any(|(v, _)| *v == current) {
            let label = meetings::place_words(
                &state.context(),
                &geography,
                lang,
                &meeting.place_kind,
                &meeting.place_code,
                "",
            );
            places.push((current, label));
        }
    }
    places.push(("online:".into(), state.i18n.t(lang, "support-place-online")));
    let places: Vec<minijinja::Value> = places
        .into_iter()
        .map(|(value, label)| {
            minijinja::context! { selected => chosen_place == value, value => value, label => label }
        })
        .collect();
    let default_kind = match requests.first().map(|r| r.kind) {
        Some(super::domain::Kind::LivcrSetup) => "livcr-setup",
        Some(super::domain::Kind::AwarenessDay) => "awareness-day",
        Some(super::domain::Kind::ProjectSupport) => "project-support",
        Some(super::domain::Kind::Question) | None => "other",
    };
    let kind = if form.get("kind").is_empty() {
        default_kind.to_string()
    } else {
        form.get("kind").to_string()
    };
    let (title_key, intro_key, button_key, action, back_href, back_label) = match &target {
        MeetingForm::Plan(req) => (
            "support-meeting-plan-title",
            "support-meeting-plan-intro",
            "support-meeting-plan-button",
            format!("/{}/support/{}/meeting", lang.code(), req.id),
            format!("/{}/support/{}", lang.code(), req.id),
            format!(
                "{} {}",
                state.i18n.t(lang, "support-request-title"),
                req.reference
            ),
        ),
        MeetingForm::Change { meeting, .. } => (
            "support-meeting-change-title",
            "support-meeting-change-intro",
            "support-meeting-change-button",
            format!("/{}/support/meetings/{}/change", lang.code(), meeting.id),
            format!("/{}/support/meetings/{}", lang.code(), meeting.id),
            state
                .i18n
                .t(lang, &format!("support-meeting-kind-{}", meeting.kind)),
        ),
    };
    let assigned_to = requests.first().and_then(|r| r.assigned_to);
    Ok(render_with_status(
        state,
        &PageMeta::titled(
            lang,
            state.i18n.t(lang, title_key),
            action
                .trim_start_matches(&format!("/{}", lang.code()))
                .to_string(),
            "offer",
        ),
        "support/plan_meeting.html",
        minijinja::context! {
            csrf => user.csrf_token,
            title => state.i18n.t(lang, title_key),
            intro => state.i18n.t(lang, intro_key),
            button => state.i18n.t(lang, button_key),
            action => action,
            back_href => back_href,
            back_label => back_label,
            kinds => vocabulary(state, lang, "support-meeting-kind-", &KINDS, &[kind]),
            places => places,
            staff => candidates.iter().map(|(id, name)| minijinja::context! {
                id => id, name => name,
                checked => chosen_staff.contains(&id.to_string()) || (chosen_staff.is_empty() && (Some(*id) == assigned_to || (assigned_to.is_none() && *id == user.user_id))),
            }).collect::<Vec<_>>(),
            date => form.get("date"),
            start => if form.get("start").is_empty() { "10:00" } else { form.get("start") },
            end => if form.get("end").is_empty() { "12:00" } else { form.get("end") },
            place_detail => form.get("place_detail"),
            today_value => today.to_string(),
            error => error,
        },
        status,
    ))
}

pub async fn plan_form(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let req = request_for(&state, &id).await?;
    meeting_form_page(
        &state,
        lang,
        &user,
        MeetingForm::Plan(&req),
        &Form::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The meeting as typed in the plan/change form; `None` when the date or a time is not one.
fn typed_meeting(form: &Form) -> Option<NewMeeting> {
    let date = parse_date(form.get("date"))?;
    let start = parse_time(form.get("start"))?;
    let end = parse_time(form.get("end"))?;
    let (place_kind, place_code) = form.get("place").split_once(':').unwrap_or(("", ""));
    Some(NewMeeting {
        kind: form.get("kind").to_string(),
        starts_at: from_local(date, start),
        ends_at: from_local(date, end),
        place_kind: place_kind.to_string(),
        place_code: place_code.to_string(),
        place_detail: form.get("place_detail").to_string(),
        staff: form
            .all("staff")
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
    })
}

pub async fn plan_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = Form::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let req = request_for(&state, &id).await?;
    let Some(input) = typed_meeting(&form) else {
        let message = state.i18n.t(lang, "support-error-date");
        return meeting_form_page(
            &state,
            lang,
            &user,
            MeetingForm::Plan(&req),
            &form,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let actor = Actor::user(user.user_id, &ip);
    match meetings::plan(
        &state.context(),
        &actor,
        user.user_id,
        &state.geography(),
        &req,
        input,
    )
    .await
    {
        Ok(meeting) => Ok(
            Redirect::to(&format!("/{}/support/meetings/{meeting}", lang.code())).into_response(),
        ),
        Err(error) => {
            let message = error_text(&state, lang, &error)?;
            meeting_form_page(
                &state,
                lang,
                &user,
                MeetingForm::Plan(&req),
                &form,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn staff_names(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
    crate::identity::service::staff_names(&state.db)
        .await
        .map_err(AppError::internal)
}

async fn meeting_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    meeting_id: i64,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let meeting = meetings::meeting(&state.db, meeting_id)
        .await
        .map_err(|e| match e {
            SupportError::NotFound => AppError::NotFound,
            other => AppError::internal(other),
        })?;
    let (requests, staff) = meetings::links(&state.db, meeting_id).await?;
    let names = staff_names(state).await?;
    let name_of = |id: i64| {
        names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let mut linked = vec![];
    for id in &requests {
        if let Ok(r) = service::request(&state.db, *id).await {
            linked.push(minijinja::context! { id => r.id, reference => r.reference });
        }
    }
    let actions = meetings::actions_of(&state.db, &[meeting_id]).await?;
    let geography = state.geography();
    let place = meetings::place_words(
        &state.context(),
        &geography,
        lang,
        &meeting.place_kind,
        &meeting.place_code,
        &meeting.place_detail,
    );
    let now = state.clock.now();
    let cancellation = meeting.cancelled_at.map(|at| {
        let local = local_time(at);
        minijinja::context! {
            date => format!("{} {}", format_date(local.date()), local.format("%H:%M")),
            by => meeting.cancelled_by.map(name_of).unwrap_or_else(|| "—".into()),
            reason => meeting.cancel_reason,
        }
    });
    let mut participants: Vec<Participant> = meeting.participants.clone();
    while participants.len() < meeting.participants.len() + 3 {
        participants.push(Participant::default());
    }
    let start = local_time(meeting.starts_at);
    let end = local_time(meeting.ends_at);
    Ok(render_with_status(
        state,
        &PageMeta::titled(
            lang,
            state
                .i18n
                .t(lang, &format!("support-meeting-kind-{}", meeting.kind)),
            format!("/support/meetings/{meeting_id}"),
            "offer",
        ),
        "support/meeting.html",
        minijinja::context! {
            csrf => user.csrf_token,
            id => meeting_id,
            kind => state.i18n.t(lang, &format!("support-meeting-kind-{}", meeting.kind)),
            when => format!("{} {}–{}", format_date(start.date()), start.format("%H:%M"), end.format("%H:%M")),
            place => place,
            staff => staff.iter().map(|id| name_of(*id)).collect::<Vec<_>>(),
            requests => linked,
            report => meeting.report,
            topics => vocabulary(state, lang, "support-topic-", &TOPICS, &meeting.topics),
            handed_over => vocabulary(state, lang, "support-handed-", &HANDED_OVER, &meeting.handed_over),
            participants => participants.iter().enumerate().map(|(i, p)| minijinja::context! {
                index => i,
                organisation => p.organisation,
                name => p.name,
                roles => vocabulary(state, lang, "support-option-", &PARTICIPANT_ROLES, std::slice::from_ref(&p.role)),
            }).collect::<Vec<_>>(),
            consent => meeting.participants.iter().any(|p| !p.name.is_empty()),
            actions => actions.iter().map(|a| minijinja::context! {
                id => a.id,
                description => a.description,
                owner => a.owner_user_id.map(name_of),
                due => format_date(a.due_on),
                done => a.done,
                overdue => !a.done && a.due_on < state.clock.today(),
            }).collect::<Vec<_>>(),
            owners => names.iter().map(|(id, name)| minijinja::context! { id => id, name => name, selected => *id == user.user_id }).collect::<Vec<_>>(),
            meeting_date => start.date().to_string(),
            cancellation => cancellation,
            can_change => meeting.can_change(now),
            can_cancel => meeting.can_cancel(!actions.is_empty()),
            notice => notice,
            error => error,
        },
        status,
    ))
}

/// `?done=…` after a change or a cancellation, to confirm it on the meeting page.
#[derive(serde::Deserialize)]
pub struct DoneParam {
    done: Option<String>,
}

pub async fn meeting_view(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    Query(params): Query<DoneParam>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let notice = match params.done.as_deref() {
        Some("changed") => Some(state.i18n.t(lang, "support-meeting-changed")),
        Some("cancelled") => Some(state.i18n.t(lang, "support-meeting-cancelled")),
        _ => None,
    };
    meeting_page(&state, lang, &user, id, notice, None, StatusCode::OK).await
}

pub async fn meeting_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let form = Form::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let meeting = meetings::meeting(&state.db, id)
        .await
        .map_err(|e| match e {
            SupportError::NotFound => AppError::NotFound,
            other => AppError::internal(other),
        })?;
    let actor = Actor::user(user.user_id, &ip);
    let ctx = state.context();
    let result = match form.get("action") {
        "report" => {
            let participants: Vec<Participant> = (0..20)
                .map(|i| Participant {
                    role: form.get(&format!("participant_role_{i}")).to_string(),
                    organisation: form
                        .get(&format!("participant_organisation_{i}"))
                        .to_string(),
                    name: form.get(&format!("participant_name_{i}")).to_string(),
                })
                .collect();
            meetings::save_report(
                &ctx,
                &actor,
                id,
                Report {
                    report: form.get("report").to_string(),
                    topics: form.all("topics"),
                    handed_over: form.all("handed_over"),
                    participants,
                    consent: form.get("consent") == "yes",
                },
            )
            .await
            .map(|()| "support-report-saved")
        }
        "add_action" => match parse_date(form.get("due_on")) {
            Some(due) => meetings::add_action(
                &ctx,
                &actor,
                &meeting,
                form.get("description"),
                form.get("owner").parse().ok(),
                due,
            )
            .await
            .map(|()| "support-action-added"),
            None => Err(SupportError::Input(vec![super::domain::Problem {
                field: "due_on",
                key: "support-error-date",
            }])),
        },
        "done" => meetings::complete_action(
            &ctx,
            &actor,
            id,
            form.get("action_id").parse().unwrap_or_default(),
        )
        .await
        .map(|()| "support-action-done"),
        _ => return Err(AppError::bad_request("error-bad-request", "action")),
    };
    match result {
        Ok(key) => {
            let notice = state.i18n.t(lang, key);
            meeting_page(&state, lang, &user, id, Some(notice), None, StatusCode::OK).await
        }
        Err(error) => {
            let message = error_text(&state, lang, &error)?;
            let status = failure_status(&error);
            meeting_page(&state, lang, &user, id, None, Some(message), status).await
        }
    }
}

/// A refused step (the meeting was cancelled, took place, or moved on meanwhile) answers
/// 409 Conflict; input to correct answers 422.
fn failure_status(error: &SupportError) -> StatusCode {
    match error {
        SupportError::NotNow => StatusCode::CONFLICT,
        SupportError::Input(problems)
            if problems.iter().any(|p| p.field == meetings::REFUSED_FIELD) =>
        {
            StatusCode::CONFLICT
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn meeting_for(state: &AppState, id: &str) -> Result<meetings::Meeting, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    meetings::meeting(&state.db, id).await.map_err(|e| match e {
        SupportError::NotFound => AppError::NotFound,
        other => AppError::internal(other),
    })
}

/// The meeting page telling why a step is refused: the meeting was cancelled, or else
/// `otherwise` (it has begun, or took place).
async fn refused_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    meeting: &meetings::Meeting,
    otherwise: &str,
) -> Result<Response, AppError> {
    let key = if meeting.is_cancelled() {
        "support-error-meeting-cancelled"
    } else {
        otherwise
    };
    let message = state.i18n.t(lang, key);
    meeting_page(
        state,
        lang,
        user,
        meeting.id,
        None,
        Some(message),
        StatusCode::CONFLICT,
    )
    .await
}

async fn change_target(
    state: &AppState,
    meeting: &meetings::Meeting,
) -> Result<Vec<service::Request>, AppError> {
    let (ids, _) = meetings::links(&state.db, meeting.id).await?;
    let mut requests = vec![];
    for id in ids {
        requests.push(service::request(&state.db, id).await?);
    }
    Ok(requests)
}

/// The change form, filled with the meeting as it stands.
pub async fn change_form(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let meeting = meeting_for(&state, &id).await?;
    if !meeting.can_change(state.clock.now()) {
        return refused_page(&state, lang, &user, &meeting, "support-error-meeting-held").await;
    }
    let requests = change_target(&state, &meeting).await?;
    let (_, staff) = meetings::links(&state.db, meeting.id).await?;
    let start = local_time(meeting.starts_at);
    let end = local_time(meeting.ends_at);
    let mut form = vec![
        ("kind".to_string(), meeting.kind.clone()),
        ("date".to_string(), start.date().to_string()),
        ("start".to_string(), start.format("%H:%M").to_string()),
        ("end".to_string(), end.format("%H:%M").to_string()),
        (
            "place".to_string(),
            format!("{}:{}", meeting.place_kind, meeting.place_code),
        ),
        ("place_detail".to_string(), meeting.place_detail.clone()),
    ];
    form.extend(staff.iter().map(|id| ("staff".to_string(), id.to_string())));
    let form = Form::from_pairs(form);
    meeting_form_page(
        &state,
        lang,
        &user,
        MeetingForm::Change {
            meeting: &meeting,
            requests: &requests,
        },
        &form,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn change_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = Form::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let meeting = meeting_for(&state, &id).await?;
    if !meeting.can_change(state.clock.now()) {
        return refused_page(&state, lang, &user, &meeting, "support-error-meeting-held").await;
    }
    let requests = change_target(&state, &meeting).await?;
    let target = MeetingForm::Change {
        meeting: &meeting,
        requests: &requests,
    };
    let Some(input) = typed_meeting(&form) else {
        let message = state.i18n.t(lang, "support-error-date");
        return meeting_form_page(
            &state,
            lang,
            &user,
            target,
            &form,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match meetings::change(
        &state.context(),
        &Actor::user(user.user_id, &ip),
        &state.geography(),
        meeting.id,
        input,
    )
    .await
    {
        // Back to the meeting page, so that reloading it cannot send everything again.
        Ok(()) => Ok(Redirect::to(&format!(
            "/{}/support/meetings/{}?done=changed",
            lang.code(),
            meeting.id
        ))
        .into_response()),
        Err(error) if failure_status(&error) == StatusCode::CONFLICT => {
            let message = error_text(&state, lang, &error)?;
            meeting_page(
                &state,
                lang,
                &user,
                meeting.id,
                None,
                Some(message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => {
            let message = error_text(&state, lang, &error)?;
            meeting_form_page(
                &state,
                lang,
                &user,
                target,
                &form,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn cancel_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    meeting: &meetings::Meeting,
    reason: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let start = local_time(meeting.starts_at);
    let end = local_time(meeting.ends_at);
    let kind = state
        .i18n
        .t(lang, &format!("support-meeting-kind-{}", meeting.kind));
    Ok(render_with_status(
        state,
        &PageMeta::titled(
            lang,
            state.i18n.t(lang, "support-meeting-cancel-title"),
            format!("/support/meetings/{}/cancel", meeting.id),
            "offer",
        ),
        "support/cancel_meeting.html",
        minijinja::context! {
            csrf => user.csrf_token,
            id => meeting.id,
            kind => kind,
            when => format!("{} {}–{}", format_date(start.date()), start.format("%H:%M"), end.format("%H:%M")),
            reason => reason,
            max_reason => meetings::MAX_CANCEL_REASON_CHARS,
            error => error,
        },
        status,
    ))
}

pub async fn cancel_form(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let meeting = meeting_for(&state, &id).await?;
    let has_actions = !meetings::actions_of(&state.db, &[meeting.id])
        .await?
        .is_empty();
    if !meeting.can_cancel(has_actions) {
        return refused_page(
            &state,
            lang,
            &user,
            &meeting,
            "support-error-meeting-took-place",
        )
        .await;
    }
    cancel_page(&state, lang, &user, &meeting, "", None, StatusCode::OK).await
}

pub async fn cancel_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = Form::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let meeting = meeting_for(&state, &id).await?;
    let reason = form.get("reason");
    match meetings::cancel(
        &state.context(),
        &Actor::user(user.user_id, &ip),
        user.user_id,
        &state.geography(),
        meeting.id,
        reason,
    )
    .await
    {
        // Back to the meeting page, so that reloading it cannot send everything again.
        Ok(()) => Ok(Redirect::to(&format!(
            "/{}/support/meetings/{}?done=cancelled",
            lang.code(),
            meeting.id
        ))
        .into_response()),
        Err(error) if failure_status(&error) == StatusCode::CONFLICT => {
            let message = error_text(&state, lang, &error)?;
            meeting_page(
                &state,
                lang,
                &user,
                meeting.id,
                None,
                Some(message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => {
            let message = error_text(&state, lang, &error)?;
            cancel_page(
                &state,
                lang,
                &user,
                &meeting,
                reason,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn calendar_page(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    Ok(render_with_status(
        &state,
        &PageMeta::titled(
            lang,
            state.i18n.t(lang, "support-calendar-title"),
            "/support/calendar",
            "offer",
        ),
        "support/calendar.html",
        minijinja::context! { csrf => user.csrf_token, links => None::<minijinja::Value> },
        StatusCode::OK,
    ))
}

pub async fn calendar_submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(form.get("csrf").map(String::as_str).unwrap_or(""), &user)?;
    let token = meetings::new_calendar_token(
        &state.context(),
        &Actor::user(user.user_id, &ip),
        user.user_id,
    )
    .await?;
    let base = state.public_url().trim_end_matches('/').to_string();
    let mut response = render_with_status(
        &state,
        &PageMeta::titled(
            lang,
            state.i18n.t(lang, "support-calendar-title"),
            "/support/calendar",
            "offer",
        ),
        "support/calendar.html",
        minijinja::context! {
            csrf => user.csrf_token,
            links => minijinja::context! {
                mine => format!("{base}/calendar/{token}"),
                team => format!("{base}/calendar/team/{token}"),
            },
        },
        StatusCode::OK,
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn feed_response(state: &AppState, token: &str, team: bool) -> Result<Response, AppError> {
    match meetings::feed(&state.context(), &state.geography(), token, team).await? {
        Some(body) => {
            let mut response = Response::new(axum::body::Body::from(body));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        None => Err(AppError::NotFound),
    }
}

pub async fn feed_mine(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    feed_response(&state, &token, false).await
}

pub async fn feed_team(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    feed_response(&state, &token, true).await
}

/// Everything the Front-Office needs before a visit: the LIVC-R status and its history,
/// requests, meetings with their reports, and follow-up actions.
pub async fn municipality_file(
    State(state): State<AppState>,
    Path((lang, nis)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let geography = state.geography();
    let municipality = geography.municipality(&nis).ok_or(AppError::NotFound)?;
    let today = state.clock.today();
    let day = municipality.last_day_until(today);
    let registry = state.registry();
    let picture = registry.picture(&geography, day);
    let entry = picture.entry(&nis);
    let status = entry
        .map(|e| e.status)
        .unwrap_or(crate::registry::Status::Unknown);
    let history: Vec<minijinja::Value> = registry
        .history(&nis)
        .iter()
        .rev()
        .take(30)
        .map(|o| {
            minijinja::context! {
                date => format_date(o.effective_on),
                status => state.i18n.t(lang, &format!("registry-observed-{}", o.status.code())),
                cell => o.cell_id.and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
                source => state.i18n.t(lang, o.source.label_key()),
            }
        })
        .collect();
    let mut places = vec![nis.clone()];
    if let Some(zone) = geography.zone_of(&nis, day) {
        places.push(zone.key.clone());
    }
    let file = state
        .part::<super::SupportPart>()
        .files
        .file(&state.db, &nis, &places, day)
        .await?;
    let activity = file.activity.get_or_render(lang, || {
        crate::core::web::render_fragment(
            &state,
            lang,
            "support/file_activity.html",
            minijinja::context! {
                requests => file.requests.iter().map(|r| minijinja::context! {
                    id => r.id, reference => r.reference,
                    kind => state.i18n.t(lang, &format!("support-kind-{}", r.kind.code())),
                    state => state.i18n.t(lang, &format!("support-state-{}", r.state.code())),
                    created => format_date(r.created_at.date_naive()),
                }).collect::<Vec<_>>(),
                meetings => file.meetings.iter().map(|m| minijinja::context! {
                    id => m.id,
                    cancelled => m.is_cancelled(),
                    cancel_reason => m.cancel_reason,
                    kind => state.i18n.t(lang, &format!("support-meeting-kind-{}", m.kind)),
                    date => format_date(local_time(m.starts_at).date()),
                    report => m.report,
                    topics => m.topics.iter().map(|t| state.i18n.t(lang, &format!("support-topic-{t}"))).collect::<Vec<_>>().join(", "),
                }).collect::<Vec<_>>(),
            },
        )
        .map(|part| [part])
    })?;
    let actions = &file.actions;
    let names = staff_names(&state).await?;
    let name_of = |id: i64| {
        names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    Ok(render_with_status(
        &state,
        &PageMeta::titled(
            lang,
            format!(
                "{} — {}",
                municipality.display_name(lang).plain(),
                state.i18n.t(lang, "support-file-title")
            ),
            format!("/support/municipalities/{nis}"),
            "offer",
        ),
        "support/municipality_file.html",
        minijinja::context! {
            nis => nis,
            name => municipality.display_name(lang),
            status_label => state.i18n.t(lang, status.label_key()),
            cell => entry.and_then(|e| e.cell_id).and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
            since => entry.and_then(|e| e.since).map(format_date),
            zone => geography.zone_of(&nis, day).map(|z| z.name.clone()),
            history => history,
            activity => activity[0].clone(),
            actions => actions.iter().map(|a| minijinja::context! {
                meeting => a.meeting_id, description => a.description,
                owner => a.owner_user_id.map(name_of), due => format_date(a.due_on), done => a.done,
                overdue => !a.done && a.due_on < today,
            }).collect::<Vec<_>>(),
        },
        StatusCode::OK,
    ))
}
