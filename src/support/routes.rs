//! Pages of support requests: the request forms (one per offer), the email confirmation
//! and the private follow-up page for visitors, "my requests" for members, and the Radix
//! team's view and handling page.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::domain::{Action, Answers, FieldKind, Kind, Problem};
use super::service::{
    self, Acting, Details, NewRequest, Request, Requester, Submitted, SupportError,
};
use crate::core::audit::Actor;
use crate::core::auth::policy::{ClientIp, CurrentUser};
use crate::core::auth::session::SessionUser;
use crate::core::auth::{Role, csrf};
use crate::core::date::format_local_time as timestamp;
use crate::core::error::AppError;
use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::core::web::form::Form;
use crate::core::web::{PageMeta, lang_from_path, render_with_status};
use crate::geo::GeoState;

fn answers_from(kind: Kind, pairs: &[(String, String)]) -> Answers {
    let mut answers = Answers::new();
    for field in kind.fields() {
        let values: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == field.name)
            .map(|(_, v)| v.clone())
            .collect();
        if !values.is_empty() {
            answers.insert(field.name.to_string(), values);
        }
    }
    answers
}

fn kind_from(state: &AppState, code: &str) -> Result<Kind, AppError> {
    let _ = state;
    Kind::from_code(code).ok_or(AppError::NotFound)
}

/// The fields of a kind as the template draws them, with the answers given so far.
fn fields_context(
    state: &AppState,
    lang: Lang,
    kind: Kind,
    answers: &Answers,
    problems: &[Problem],
) -> Vec<minijinja::Value> {
    kind.fields()
        .iter()
        .map(|f| {
            let given = answers.get(f.name).cloned().unwrap_or_default();
            let (widget, options, min, max) = match f.kind {
                FieldKind::Line => ("line", vec![], 0, 0),
                FieldKind::Text => ("text", vec![], 0, 0),
                FieldKind::Choice(list) => ("choice", list.to_vec(), 0, 0),
                FieldKind::Choices(list) => ("choices", list.to_vec(), 0, 0),
                FieldKind::Number(min, max) => ("number", vec![], min, max),
            };
            let label_key = format!("support-field-{}", f.name);
            minijinja::context! {
                name => f.name,
                label => state.i18n.t(lang, &label_key),
                widget => widget,
                required => f.required,
                min => min,
                max => max,
                value => given.first().cloned().unwrap_or_default(),
                options => options.iter().map(|o| minijinja::context! {
                    value => o,
                    label => state.i18n.t(lang, &format!("support-option-{o}")),
                    selected => given.iter().any(|g| g == o),
                }).collect::<Vec<_>>(),
                error => problems.iter().find(|p| p.field == f.name).map(|p| state.i18n.t(lang, p.key)),
            }
        })
        .collect()
}

async fn member_municipalities(
    state: &AppState,
    user: &SessionUser,
) -> Result<Vec<String>, AppError> {
    Ok(crate::identity::service::municipalities_acted_for(&state.db, user).await?)
}

#[derive(Default)]
struct FormState {
    answers: Answers,
    chosen: Vec<String>,
    municipality_text: String,
    name: String,
    email: String,
    organisation: String,
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    kind: Kind,
    form: &FormState,
    problems: &[Problem],
    extra_error: Option<String>,
    status: StatusCode,
) -> Response {
    let user = crate::core::auth::policy::current_user().filter(|u| u.fully_authenticated());
    let geography = state.geography();
    let members = match &user {
        Some(u) => match member_municipalities(state, u).await {
            Ok(codes) => codes,
            Err(error) => return error.into_response(),
        },
        None => vec![],
    };
    let (csrf_token, cookie) = match &user {
        Some(u) => (u.csrf_token.clone(), None),
        None => csrf::anonymous_token(headers),
    };
    let member_choices: Vec<minijinja::Value> = members
        .iter()
        .filter_map(|nis| geography.municipality(nis))
        .map(|m| {
            minijinja::context! {
                nis => m.nis, name => m.display_name(lang),
                checked => form.chosen.contains(&m.nis) || form.chosen.is_empty(),
            }
        })
        .collect();
    let title = state.i18n.t(lang, &format!("support-kind-{}", kind.code()));
    let response = render_with_status(
        state,
        &PageMeta::titled(
            lang,
            title.clone(),
            format!("/request/{}", kind.code()),
            "offer",
        ),
        "support/request_form.html",
        minijinja::context! {
            kind => kind.code(),
            heading => title,
            intro => state.i18n.t(lang, &format!("support-intro-{}", kind.code())),
            csrf => csrf_token,
            member => !members.is_empty(),
            staff => user.as_ref().is_some_and(|u| u.role != Role::Municipal),
            member_choices => member_choices,
            fields => fields_context(state, lang, kind, &form.answers, problems),
            municipality_text => form.municipality_text,
            name => form.name,
            email => form.email,
            organisation => form.organisation,
            problems => problems.iter().map(|p| minijinja::context! {
                field => p.field, message => state.i18n.t(lang, p.key),
            }).collect::<Vec<_>>(),
            error_municipalities => problems.iter().find(|p| p.field == "municipalities").map(|p| state.i18n.t(lang, p.key)),
            error_name => problems.iter().find(|p| p.field == "name").map(|p| state.i18n.t(lang, p.key)),
            error_email => problems.iter().find(|p| p.field == "email").map(|p| state.i18n.t(lang, p.key)),
            extra_error => extra_error,
            is_question => kind == Kind::Question,
        },
        status,
    );
    with_cookie(response, cookie)
}

fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(cookie) = cookie
        && let Ok(value) = axum::http::HeaderValue::from_str(&cookie)
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub async fn request_form(
    State(state): State<AppState>,
    Path((lang, kind)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let kind = kind_from(&state, &kind)?;
    Ok(form_page(
        &state,
        &headers,
        lang,
        kind,
        &FormState::default(),
        &[],
        None,
        StatusCode::OK,
    )
    .await)
}

fn message_page(state: &AppState, lang: Lang, key: &str, status: StatusCode) -> Response {
    render_with_status(
        state,
        &PageMeta::titled(lang, state.i18n.t(lang, "support-title"), "/offer", "offer"),
        "support/message.html",
        minijinja::context! { message => state.i18n.t(lang, key), success => status.is_success() },
        status,
    )
}

pub async fn request_submit(
    State(state): State<AppState>,
    Path((lang, kind)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let kind = kind_from(&state, &kind)?;
    let pairs = Form::parse(&body);
    let user = crate::core::auth::policy::current_user().filter(|u| u.fully_authenticated());
    match &user {
        Some(u) => csrf::require_session_token(pairs.get("csrf"), u)?,
        None => {
            if !csrf::verify_anonymous(&headers, pairs.get("csrf")) {
                return Err(AppError::Forbidden { key: "error-csrf" });
            }
        }
    }
    if !pairs.get("website").is_empty() {
        // A robot filled the hidden field: answer as if all went well, keep nothing.
        return Ok(Redirect::to(&format!("/{}/request/sent", lang.code())).into_response());
    }
    let members = match &user {
        Some(u) => member_municipalities(&state, u).await?,
        None => vec![],
    };
    let mut form = FormState {
        answers: answers_from(kind, pairs.pairs()),
        name: pairs.get("name").chars().take(200).collect(),
        email: pairs.get("email").chars().take(254).collect(),
        organisation: pairs.get("organisation").chars().take(200).collect(),
        municipality_text: pairs.get("municipality_text").chars().take(400).collect(),
        ..FormState::default()
    };
    let mut unknown_municipalities = false;
    let codes: Vec<String> = if !members.is_empty() {
        form.chosen = pairs.all("municipalities");
        form.chosen.clone()
    } else {
        let (codes, unknown) = state
            .geography()
            .resolve_entries(&form.municipality_text, state.clock.today());
        unknown_municipalities = !unknown.is_empty();
        codes
    };
    let requester = match (&user, members.is_empty()) {
        (Some(u), false) => Requester::Member {
            user_id: u.user_id,
            name: &u.display_name,
            email: &u.email,
            municipalities: &members,
        },
        _ => Requester::Visitor {
            name: &form.name,
            email: &form.email,
            organisation: &form.organisation,
        },
    };
    let result = service::submit(
        &state.context(),
        &state.geography(),
        requester,
        NewRequest {
            unknown_municipalities,
            kind,
            language: lang,
            municipalities: codes,
            answers: form.answers.clone(),
            ip: &ip,
        },
    )
    .await;
    match result {
        Ok(Submitted::Registered { id, .. }) => {
            Ok(Redirect::to(&format!("/{}/my-requests/{id}?sent=1", lang.code())).into_response())
        }
        // Post/redirect/get: reloading the answer must not send the form again.
        Ok(Submitted::AwaitingConfirmation) => {
            Ok(Redirect::to(&format!("/{}/request/sent", lang.code())).into_response())
        }
        Err(SupportError::Input(problems)) => Ok(form_page(
            &state,
            &headers,
            lang,
            kind,
            &form,
            &problems,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await),
        Err(SupportError::NotAllowed) => Ok(form_page(
            &state,
            &headers,
            lang,
            kind,
            &form,
            &[Problem {
                field: "municipalities",
                key: "support-error-not-your-municipality",
            }],
            None,
            StatusCode::FORBIDDEN,
        )
        .await),
        Err(SupportError::TooMany) => Ok(form_page(
            &state,
            &headers,
            lang,
            kind,
            &form,
            &[],
            Some(state.i18n.t(lang, "support-error-too-many")),
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await),
        Err(error) => Err(AppError::internal(error)),
    }
}

/// What a visitor sees after sending a request.
pub async fn sent(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    Ok(message_page(
        &state,
        lang,
        "support-check-email",
        StatusCode::OK,
    ))
}

pub async fn confirm_form(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let (csrf_token, cookie) = csrf::anonymous_token(&headers);
    let response = render_with_status(
        &state,
        &PageMeta::titled(
            lang,
            state.i18n.t(lang, "support-confirm-title"),
            format!("/request/confirm/{token}"),
            "offer",
        ),
        "support/confirm.html",
        minijinja::context! { csrf => csrf_token, token => token },
        StatusCode::OK,
    );
    let mut response = with_cookie(response, cookie);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn confirm_submit(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if !csrf::verify_anonymous(&headers, &form.csrf) {
        return Err(AppError::Forbidden { key: "error-csrf" });
    }
    match service::confirm(&state.context(), &token, &ip).await {
        Ok(_) => Ok(message_page(
            &state,
            lang,
            "support-confirmed",
            StatusCode::OK,
        )),
        Err(SupportError::NotFound | SupportError::NotNow) => Ok(message_page(
            &state,
            lang,
            "support-link-invalid",
            StatusCode::NOT_FOUND,
        )),
        Err(error) => Err(AppError::internal(error)),
    }
}

/// The requester's view of a request (private link or "my requests").
#[allow(clippy::too_many_arguments)]
async fn requester_page(
    state: &AppState,
    lang: Lang,
    req: &Request,
    action: String,
    csrf_token: String,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let messages = service::messages(&state.db, req.id, false).await?;
    Ok(render_with_status(
        state,
        &PageMeta::titled(
            lang,
            format!(
                "{} {}",
                state.i18n.t(lang, "support-request-title"),
                req.reference
            ),
            action
                .trim_start_matches(&format!("/{}", lang.code()))
                .to_string(),
            "offer",
        ),
        "support/follow.html",
        minijinja::context! {
            ..request_context(state, lang, req),
            ..minijinja::context! {
                action => action,
                csrf => csrf_token,
                thread => thread(&messages, false),
                notice => notice,
                error => error,
                can_withdraw => super::domain::transition(req.state, Action::Withdraw).is_some(),
                can_write => req.state.is_open(),
            }
        },
        status,
    ))
}

fn thread(messages: &[service::Message], staff_view: bool) -> Vec<minijinja::Value> {
    messages
        .iter()
        .map(|m| {
            minijinja::context! {
                internal => m.internal,
                from_staff => m.from_staff,
                author => if m.from_staff && !staff_view { String::new() } else { m.author_label.clone() },
                body => m.body,
                at => timestamp(m.created_at),
            }
        })
        .collect()
}

/// The facts of a request, translated, for both the requester's and the staff's pages.
fn request_context(state: &AppState, lang: Lang, req: &Request) -> minijinja::Value {
    let geography = state.geography();
    let answers: Vec<minijinja::Value> = req
        .kind
        .fields()
        .iter()
        .filter_map(|f| {
            let values = req.answers.get(f.name)?;
            let shown: Vec<String> = match f.kind {
                FieldKind::Choice(_) | FieldKind::Choices(_) => values
                    .iter()
                    .map(|v| state.i18n.t(lang, &format!("support-option-{v}")))
                    .collect(),
                _ => values.clone(),
            };
            Some(minijinja::context! {
                label => state.i18n.t(lang, &format!("support-field-{}", f.name)),
                value => shown.join(", "),
            })
        })
        .collect();
    minijinja::context! {
        id => req.id,
        reference => req.reference,
        kind_label => state.i18n.t(lang, &format!("support-kind-{}", req.kind.code())),
        state_code => req.state.code(),
        state_label => state.i18n.t(lang, &format!("support-state-{}", req.state.code())),
        municipalities => req.municipalities.iter().filter_map(|n| geography.municipality(n)).map(|m| minijinja::context! { nis => m.nis, name => m.display_name(lang) }).collect::<Vec<_>>(),
        answers => answers,
        requester_name => req.requester_name,
        requester_email => req.requester_email,
        requester_organisation => req.requester_organisation,
        created => timestamp(req.created_at),
        planned_on => req.planned_on.map(format_date),
        outcome => req.outcome,
    }
}

pub async fn follow(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let req = match service::request_by_follow_token(&state.db, &token).await {
        Ok(req) => req,
        Err(SupportError::NotFound) => {
            return Ok(message_page(
                &state,
                lang,
                "support-link-invalid",
                StatusCode::NOT_FOUND,
            ));
        }
        Err(error) => return Err(AppError::internal(error)),
    };
    let (csrf_token, cookie) = csrf::anonymous_token(&headers);
    let response = requester_page(
        &state,
        lang,
        &req,
        format!("/{}/request/follow/{token}", lang.code()),
        csrf_token,
        None,
        None,
        StatusCode::OK,
    )
    .await?;
    let mut response = with_cookie(response, cookie);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// A requester writes or withdraws (private link or "my requests").
async fn requester_action(
    state: &AppState,
    lang: Lang,
    req: &Request,
    who: &Acting<'_>,
    pairs: &Form,
) -> Result<(Option<String>, Option<String>, StatusCode), AppError> {
    let ctx = state.context();
    let result = match pairs.get("action") {
        "withdraw" => service::act(&ctx, who, req, Action::Withdraw, Details::default())
            .await
            .map(|_| "support-withdrawn"),
        "message" => service::post_message(&ctx, who, req, pairs.get("body"), false)
            .await
            .map(|()| "support-message-sent"),
        _ => return Err(AppError::bad_request("error-bad-request", "action")),
    };
    Ok(match result {
        Ok(key) => (Some(state.i18n.t(lang, key)), None, StatusCode::OK),
        Err(error) => (
            None,
            Some(error_message(state, lang, &error)?),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    })
}

fn error_message(state: &AppState, lang: Lang, error: &SupportError) -> Result<String, AppError> {
    match error {
        SupportError::Input(problems) => Ok(problems
            .iter()
            .map(|p| state.i18n.t(lang, p.key))
            .collect::<Vec<_>>()
            .join(" ")),
        SupportError::NotNow => Ok(state.i18n.t(lang, "support-error-not-now")),
        SupportError::NotAllowed => Err(AppError::Forbidden {
            key: "error-forbidden",
        }),
        SupportError::NotFound => Err(AppError::NotFound),
        SupportError::TooMany => Ok(state.i18n.t(lang, "support-error-too-many")),
        SupportError::Database(e) => Err(AppError::database(e)),
    }
}

pub async fn follow_submit(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let pairs = Form::parse(&body);
    if !csrf::verify_anonymous(&headers, pairs.get("csrf")) {
        return Err(AppError::Forbidden { key: "error-csrf" });
    }
    let req = match service::request_by_follow_token(&state.db, &token).await {
        Ok(req) => req,
        Err(SupportError::NotFound) => {
            return Ok(message_page(
                &state,
                lang,
                "support-link-invalid",
                StatusCode::NOT_FOUND,
            ));
        }
        Err(error) => return Err(AppError::internal(error)),
    };
    let actor = Actor::anonymous(&ip);
    let who = Acting {
        actor: &actor,
        user_id: None,
        label: &req.requester_name,
        staff: false,
    };
    let (notice, error, status) = requester_action(&state, lang, &req, &who, &pairs).await?;
    let fresh = service::request(&state.db, req.id).await?;
    let (csrf_token, _) = csrf::anonymous_token(&headers);
    requester_page(
        &state,
        lang,
        &fresh,
        format!("/{}/request/follow/{token}", lang.code()),
        csrf_token,
        notice,
        error,
        status,
    )
    .await
}

pub async fn my_requests(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let list = service::list(
        &state.db,
        &service::ListFilter {
            requester: Some(user.user_id),
            ..Default::default()
        },
        200,
    )
    .await?;
    let rows: Vec<minijinja::Value> = list
        .iter()
        .map(|r| row_context(&state, lang, r, 0))
        .collect();
    Ok(render_with_status(
        &state,
        &PageMeta::titled(
            lang,
            state.i18n.t(lang, "support-my-title"),
            "/my-requests",
            "offer",
        ),
        "support/my_requests.html",
        minijinja::context! {
            requests => rows,
            kinds => Kind::ALL.iter().map(|k| minijinja::context! {
                code => k.code(), label => state.i18n.t(lang, &format!("support-kind-{}", k.code())),
            }).collect::<Vec<_>>(),
        },
        StatusCode::OK,
    ))
}

fn row_context(state: &AppState, lang: Lang, r: &Request, target_days: u32) -> minijinja::Value {
    let geography = state.geography();
    minijinja::context! {
        id => r.id,
        reference => r.reference,
        kind => state.i18n.t(lang, &format!("support-kind-{}", r.kind.code())),
        state => state.i18n.t(lang, &format!("support-state-{}", r.state.code())),
        state_code => r.state.code(),
        municipalities => r.municipalities.iter().filter_map(|n| geography.municipality(n)).map(|m| m.display_name(lang).plain()).collect::<Vec<_>>().join(", "),
        created => timestamp(r.created_at),
        overdue => target_days > 0 && r.overdue(target_days, state.clock.today()),
        planned_on => r.planned_on.map(format_date),
    }
}

async fn own_request(state: &AppState, user: &SessionUser, id: &str) -> Result<Request, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let req = service::request(&state.db, id).await.map_err(|e| match e {
        SupportError::NotFound => AppError::NotFound,
        other => AppError::internal(other),
    })?;
    if req.requester_user_id != Some(user.user_id) {
        // Another person's request does not exist for this user.
        return Err(AppError::NotFound);
    }
    Ok(req)
}

#[derive(Debug, Default, Deserialize)]
pub struct SentParam {
    sent: Option<String>,
}

pub async fn my_request(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<SentParam>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let req = own_request(&state, &user, &id).await?;
    let notice = params.sent.map(|_| state.i18n.t(lang, "support-received"));
    requester_page(
        &state,
        lang,
        &req,
        format!("/{}/my-requests/{}", lang.code(), req.id),
        user.csrf_token.clone(),
        notice,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn my_request_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let pairs = Form::parse(&body);
    csrf::require_session_token(pairs.get("csrf"), &user)?;
    let req = own_request(&state, &user, &id).await?;
    let actor = Actor::user(user.user_id, &ip);
    let who = Acting {
        actor: &actor,
        user_id: Some(user.user_id),
        label: &user.display_name,
        staff: false,
    };
    let (notice, error, status) = requester_action(&state, lang, &req, &who, &pairs).await?;
    let fresh = service::request(&state.db, req.id).await?;
    requester_page(
        &state,
        lang,
        &fresh,
        format!("/{}/my-requests/{}", lang.code(), req.id),
        user.csrf_token.clone(),
        notice,
        error,
        status,
    )
    .await
}

// ------------------------------------------------------------------ Radix team

pub async fn team(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    use super::team::{OPEN, SHOWN, TeamList};
    let lang = lang_from_path(&lang)?;
    let target = state.config.support_answer_days;
    let today = state.clock.today();
    let geography = state.geography();
    let (figures, personal) = state
        .part::<super::SupportPart>()
        .team
        .dashboard(&state.db, user.user_id, target, state.clock.now())
        .await?;
    let mine = &personal.mine;
    let table = |list: TeamList, requests: &[Request]| -> Result<minijinja::Value, AppError> {
        let rows: Vec<minijinja::Value> = requests
            .iter()
            .map(|r| row_context(&state, lang, r, target))
            .collect();
        crate::core::web::render_fragment(
            &state,
            lang,
            "support/request_table.html",
            minijinja::context! {
                table_id => format!("{}-list", list.code()),
                table_caption => state.i18n.t(lang, &format!("support-{}-title", list.code())),
                table_rows => rows,
            },
        )
    };
    let shared = figures.tables.get_or_render(lang, || {
        Ok::<_, AppError>([
            table(TeamList::Overdue, &figures.overdue)?,
            table(TeamList::Unassigned, &figures.unassigned)?,
            table(TeamList::Recent, &figures.recent)?,
        ])
    })?;
    let section = |list: TeamList, table: &minijinja::Value, shown: usize| -> minijinja::Value {
        let total = list.total(&figures, user.user_id);
        minijinja::context! {
            code => list.code(),
            title => state.i18n.t(lang, &format!("support-{}-title", list.code())),
            table => table.clone(),
            shown => shown,
            total => total,
            more => total > shown as i64,
        }
    };
    let sections = [
        section(TeamList::Overdue, &shared[0], figures.overdue.len()),
        section(TeamList::Unassigned, &shared[1], figures.unassigned.len()),
        section(TeamList::Mine, &table(TeamList::Mine, mine)?, mine.len()),
        section(TeamList::Recent, &shared[2], figures.recent.len()),
    ];
    let counts = &figures.counts;
    let sum = |pick: &dyn Fn(&service::OpenCount) -> bool| -> i64 {
        counts.iter().filter(|c| pick(c)).map(|c| c.3).sum()
    };
    let by_state: Vec<minijinja::Value> = OPEN
        .iter()
        .map(|s| {
            minijinja::context! {
                label => state.i18n.t(lang, &format!("support-state-{s}")),
                count => sum(&|c| c.0 == *s),
            }
        })
        .collect();
    let by_region: Vec<minijinja::Value> = crate::geo::Region::ALL
        .iter()
        .map(|region| {
            minijinja::context! {
                label => crate::geo::region_label(&state, lang, *region),
                count => sum(&|c| c.2 == region.code()),
            }
        })
        .collect();
    let by_kind: Vec<minijinja::Value> = Kind::ALL
        .iter()
        .map(|k| {
            minijinja::context! {
                label => state.i18n.t(lang, &format!("support-kind-{}", k.code())),
                count => sum(&|c| c.1 == k.code()),
            }
        })
        .collect();
    let ctx = state.context();
    let upcoming_meetings = &personal.upcoming;
    // One more than shown tells whether the calendar holds more.
    let more_meetings = upcoming_meetings.len() as u64 > SHOWN;
    let upcoming: Vec<minijinja::Value> = upcoming_meetings
        .iter()
        .take(SHOWN as usize)
        .map(|m| {
            minijinja::context! {
                id => m.id,
                when => timestamp(m.starts_at),
                kind => state.i18n.t(lang, &format!("support-meeting-kind-{}", m.kind)),
                place => super::meetings::place_words(&ctx, &geography, lang, &m.place_kind, &m.place_code, &m.place_detail),
            }
        })
        .collect();
    let my_actions: Vec<minijinja::Value> = personal
        .actions
        .iter()
        .map(|a| {
            minijinja::context! {
                meeting => a.meeting_id, description => a.description,
                due => format_date(a.due_on), overdue => a.due_on < today,
            }
        })
        .collect();
    Ok(render_with_status(
        &state,
        &PageMeta::titled(
            lang,
            state.i18n.t(lang, "support-team-title"),
            "/support",
            "offer",
        ),
        "support/team.html",
        minijinja::context! {
            sections => sections,
            by_state => by_state,
            by_region => by_region,
            by_kind => by_kind,
            target => target,
            upcoming => upcoming,
            more_meetings => more_meetings,
            my_actions => my_actions,
        },
        StatusCode::OK,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct PageParam {
    page: Option<String>,
}

/// How many requests a page of a full team list shows.
const LIST_PAGE: u64 = 50;

/// A full team list (overdue, unassigned, assigned to me, latest), fifty requests a page.
pub async fn team_list(
    State(state): State<AppState>,
    Path((lang, list)): Path<(String, String)>,
    Query(params): Query<PageParam>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    use super::team::TeamList;
    let lang = lang_from_path(&lang)?;
    let list = TeamList::from_code(&list).ok_or(AppError::NotFound)?;
    let number: u64 = match params.page.as_deref() {
        None | Some("") => 1,
        Some(text) => text
            .parse()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or(AppError::NotFound)?,
    };
    let target = state.config.support_answer_days;
    let today = state.clock.today();
    let figures = state
        .part::<super::SupportPart>()
        .team
        .figures(&state.db, target, state.clock.now())
        .await?;
    let total = list.total(&figures, user.user_id).max(0) as u64;
    let pages = total.div_ceil(LIST_PAGE).max(1);
    if number > pages {
        return Err(AppError::NotFound);
    }
    let requests = service::list_page(
        &state.db,
        &list.filter(user.user_id, target, today),
        LIST_PAGE,
        (number - 1) * LIST_PAGE,
    )
    .await?;
    let rows: Vec<minijinja::Value> = requests
        .iter()
        .map(|r| row_context(&state, lang, r, target))
        .collect();
    let first = (number - 1) * LIST_PAGE + 1;
    let title = state
        .i18n
        .t(lang, &format!("support-{}-title", list.code()));
    let link = |n: u64| format!("/{}/support/requests/{}?page={n}", lang.code(), list.code());
    Ok(render_with_status(
        &state,
        &PageMeta {
            lang,
            title: if pages > 1 {
                state.i18n.t_args(
                    lang,
                    "support-list-page-title",
                    &[
                        ("title", title.clone().into()),
                        ("page", number.into()),
                        ("pages", pages.into()),
                    ],
                )
            } else {
                title.clone()
            },
            description: None,
            path: format!("/support/requests/{}", list.code()),
            query: (number > 1).then(|| format!("page={number}")),
            section: "offer",
        },
        "support/team_list.html",
        minijinja::context! {
            heading => title,
            code => list.code(),
            rows => rows,
            total => total,
            first => first,
            last => first + requests.len() as u64 - 1,
            page => number,
            pages => pages,
            previous => (number > 1).then(|| link(number - 1)),
            next => (number < pages).then(|| link(number + 1)),
        },
        StatusCode::OK,
    ))
}

async fn staff_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    req: &Request,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let messages = service::messages(&state.db, req.id, true).await?;
    let figures = state
        .part::<super::SupportPart>()
        .team
        .figures(
            &state.db,
            state.config.support_answer_days,
            state.clock.now(),
        )
        .await?;
    let candidates =
        service::candidates(&state.db, &state.geography(), req, &figures.workload).await?;
    let meetings: Vec<minijinja::Value> = super::meetings::meetings_of_request(&state.db, req.id)
        .await?
        .iter()
        .map(|m| {
            let start = m.starts_at + crate::core::clock::brussels_offset(m.starts_at);
            minijinja::context! {
                id => m.id,
                cancelled => m.is_cancelled(),
                kind => state.i18n.t(lang, &format!("support-meeting-kind-{}", m.kind)),
                when => format!("{} {}", format_date(start.date_naive()), start.format("%H:%M")),
            }
        })
        .collect();
    let assigned_name = candidates
        .iter()
        .find(|c| Some(c.id) == req.assigned_to)
        .map(|c| c.name.clone());
    let allowed = |action| super::domain::transition(req.state, action).is_some();
    Ok(render_with_status(
        state,
        &PageMeta::titled(
            lang,
            format!(
                "{} {}",
                state.i18n.t(lang, "support-request-title"),
                req.reference
            ),
            format!("/support/{}", req.id),
            "offer",
        ),
        "support/detail.html",
        minijinja::context! {
            ..request_context(state, lang, req),
            ..minijinja::context! {
                csrf => user.csrf_token,
                thread => thread(&messages, true),
                notice => notice,
                error => error,
                assigned_name => assigned_name,
                candidates => candidates.iter().map(|c| minijinja::context! {
                    id => c.id, name => c.name, suggested => c.suggested,
                    reasons => [
                        c.in_portfolio.then(|| state.i18n.t(lang, "support-reason-portfolio")),
                        c.speaks_language.then(|| state.i18n.t(lang, "support-reason-language")),
                        Some(state.i18n.t_args(lang, "support-reason-load", &[("count", fluent_bundle::FluentValue::from(c.open_requests))])),
                    ].into_iter().flatten().collect::<Vec<_>>().join(", "),
                    selected => req.assigned_to.map_or(c.suggested, |a| a == c.id),
                }).collect::<Vec<_>>(),
                can_assign => allowed(Action::Assign),
                can_schedule => allowed(Action::Schedule),
                can_deliver => allowed(Action::Deliver),
                can_close => allowed(Action::Close),
                can_decline => allowed(Action::Decline),
                can_write => req.state.is_open(),
                today_value => state.clock.today().to_string(),
                overdue => req.overdue(state.config.support_answer_days, state.clock.today()),
                meetings => meetings,
            }
        },
        status,
    ))
}

async fn staff_request(state: &AppState, id: &str) -> Result<Request, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let req = service::request(&state.db, id).await.map_err(|e| match e {
        SupportError::NotFound => AppError::NotFound,
        other => AppError::internal(other),
    })?;
    if req.state == super::domain::State::Unconfirmed {
        // Not a request until its sender confirmed the address.
        return Err(AppError::NotFound);
    }
    Ok(req)
}

pub async fn detail(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let req = staff_request(&state, &id).await?;
    staff_page(&state, lang, &user, &req, None, None, StatusCode::OK).await
}

pub async fn detail_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let pairs = Form::parse(&body);
    csrf::require_session_token(pairs.get("csrf"), &user)?;
    let req = staff_request(&state, &id).await?;
    let actor = Actor::user(user.user_id, &ip);
    let who = Acting {
        actor: &actor,
        user_id: Some(user.user_id),
        label: &user.display_name,
        staff: true,
    };
    let ctx = state.context();
    let text = pairs.get("text");
    let result: Result<&str, SupportError> = match pairs.get("action") {
        "message" => service::post_message(&ctx, &who, &req, pairs.get("body"), false)
            .await
            .map(|()| "support-message-sent"),
        "note" => service::post_message(&ctx, &who, &req, pairs.get("body"), true)
            .await
            .map(|()| "support-note-added"),
        code => {
            let action = Action::from_code(code)
                .filter(|a| *a != Action::Confirm && *a != Action::Withdraw)
                .ok_or(AppError::bad_request("error-bad-request", "action"))?;
            let planned_on = match pairs.get("planned_on") {
                "" => None,
                text => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%d/%m/%Y"))
                {
                    Ok(date) => Some(date),
                    Err(_) => {
                        let message = state.i18n.t(lang, "support-error-date");
                        return staff_page(
                            &state,
                            lang,
                            &user,
                            &req,
                            None,
                            Some(message),
                            StatusCode::UNPROCESSABLE_ENTITY,
                        )
                        .await;
                    }
                },
            };
            service::act(
                &ctx,
                &who,
                &req,
                action,
                Details {
                    advisor: pairs.get("advisor").parse().ok(),
                    planned_on,
                    text,
                },
            )
            .await
            .map(|_| "support-step-done")
        }
    };
    let fresh = service::request(&state.db, req.id).await?;
    match result {
        Ok(key) => {
            let notice = state.i18n.t(lang, key);
            staff_page(
                &state,
                lang,
                &user,
                &fresh,
                Some(notice),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(error) => {
            let status = if matches!(error, SupportError::NotNow) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = error_message(&state, lang, &error)?;
            staff_page(&state, lang, &user, &fresh, None, Some(message), status).await
        }
    }
}
