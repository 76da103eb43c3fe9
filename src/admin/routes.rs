//! Handlers of the administration screens. Permissions are checked by the route policy and
//! again in the identity service for what depends on the input (inviting staff).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::core::audit::{self, Actor, AuditFilter};
use crate::core::auth::policy::{ClientIp, CurrentUser};
use crate::core::auth::{Role, csrf};
use crate::core::email;
use crate::core::error::AppError;
use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::core::web::{PageMeta, lang_from_path, render, render_with_status};
use crate::geo::GeoState;
use crate::identity::service::{self, IdentityError, NewAccount};

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{} {}",
        format_date(at.date_naive()),
        at.format("%H:%M:%S UTC")
    )
}

#[derive(Debug, Default, Deserialize, Clone)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    municipalities: String,
    #[serde(default)]
    csrf: String,
}

async fn accounts_page(
    state: &AppState,
    lang: Lang,
    user: &crate::core::auth::session::SessionUser,
    form: Option<&InviteForm>,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let accounts = service::list_accounts(&state.db).await?;
    let can_manage = crate::identity::MANAGE_ACCOUNTS.granted_to(user.role);
    let rows: Vec<minijinja::Value> = accounts
        .iter()
        .map(|a| {
            minijinja::context! {
                id => a.id,
                email => a.email,
                name => a.display_name,
                role => state.i18n.t(lang, a.role.label_key()),
                status => state.i18n.t(lang, match a.status.as_str() {
                    "invited" => "admin-status-invited",
                    "active" => "admin-status-active",
                    "deactivated" => "admin-status-deactivated",
                    _ => "admin-status-anonymised",
                }),
                active => a.status == "active" || a.status == "invited",
                second_factor => a.totp_enabled,
                municipalities => a.municipalities.join(", "),
                deletion_requested => a.deletion_requested_at.is_some(),
                is_self => a.id == user.user_id,
                role_code => a.role.code(),
                is_advisor => a.role == Role::Advisor,
                portfolio => a.portfolio.join(", "),
            }
        })
        .collect();
    let roles: Vec<minijinja::Value> = Role::ALL
        .iter()
        .filter(|r| can_manage || **r == Role::Municipal)
        .map(|r| {
            minijinja::context! {
                code => r.code(),
                label => state.i18n.t(lang, r.label_key()),
                selected => form.is_some_and(|f| f.role == r.code()),
            }
        })
        .collect();
    let languages: Vec<minijinja::Value> = Lang::ALL
        .iter()
        .map(|l| {
            minijinja::context! {
                code => l.code(),
                name => l.endonym(),
                selected => form.map(|f| f.language == l.code()).unwrap_or(*l == lang),
            }
        })
        .collect();
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "admin-accounts-title",
            "/admin/accounts",
            "admin",
        ),
        "admin/accounts.html",
        minijinja::context! {
            csrf => user.csrf_token,
            accounts => rows,
            roles => roles,
            languages => languages,
            can_manage => can_manage,
            form_email => form.map(|f| f.email.clone()).unwrap_or_default(),
            form_name => form.map(|f| f.display_name.clone()).unwrap_or_default(),
            form_municipalities => form.map(|f| f.municipalities.clone()).unwrap_or_default(),
            notice => notice,
            error => error,
        },
        status,
    ))
}

/// Answers an account action the service refused: 404, 403 or 500 where they apply,
/// otherwise the accounts page again with the reason (409 when it would remove the last
/// administrator, 422 for input to correct).
async fn account_action_refused(
    state: &AppState,
    lang: Lang,
    user: &crate::core::auth::session::SessionUser,
    form: Option<&InviteForm>,
    error: IdentityError,
) -> Result<Response, AppError> {
    match error {
        IdentityError::NotFound => Err(AppError::NotFound),
        IdentityError::NotAllowed => Err(AppError::Forbidden {
            key: "error-forbidden",
        }),
        IdentityError::Database(e) => Err(AppError::database(&e)),
        IdentityError::Internal(_) => Err(AppError::internal(error)),
        other => {
            let status = if matches!(other, IdentityError::LastAdministrator) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = state.i18n.t(lang, other.message_key());
            accounts_page(state, lang, user, form, None, Some(message), status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountsParams {
    done: Option<String>,
}

pub async fn accounts(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<AccountsParams>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    // After a successful form the browser is sent here (so a reload does not resend it).
    let notice = match params.done.as_deref() {
        Some("invited") => Some(state.i18n.t(lang, "admin-invite-sent")),
        _ => None,
    };
    accounts_page(&state, lang, &user, None, notice, None, StatusCode::OK).await
}

pub async fn invite(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let (Some(role), Some(language)) =
        (Role::from_code(&form.role), Lang::from_code(&form.language))
    else {
        let message = state.i18n.t(lang, "admin-invite-choose");
        return accounts_page(
            &state,
            lang,
            &user,
            Some(&form),
            None,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let municipalities: Vec<String> = form
        .municipalities
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let geography = state.geography();
    let today = state.clock.today();
    let known = |code: &str| {
        geography
            .municipality(code)
            .is_some_and(|m| m.is_valid_on(today))
    };
    let input = NewAccount {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        language,
        role,
        municipalities,
    };
    match service::invite(&state.context(), &user, &ip, &input, &known).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/{}/admin/accounts?done=invited", lang.code())).into_response(),
        ),
        Err(error) => account_action_refused(&state, lang, &user, Some(&form), error).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn deactivate(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    match service::deactivate(&state.context(), &Actor::user(user.user_id, &ip), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/{}/admin/accounts", lang.code())).into_response()),
        Err(error) => account_action_refused(&state, lang, &user, None, error).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    action: Option<String>,
    before: Option<String>,
}

fn audit_filter(params: &AuditParams, limit: u64) -> AuditFilter {
    let action_prefix = params
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| {
            !a.is_empty()
                && a.len() <= 64
                && a.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
        })
        .map(str::to_string);
    AuditFilter {
        action_prefix,
        actor_user_id: None,
        entity: None,
        before_id: params.before.as_deref().and_then(|b| b.parse().ok()),
        limit,
    }
}

pub async fn audit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<AuditParams>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let filter = audit_filter(&params, 100);
    let rows = audit::list(&state.db, &filter).await?;
    let next_before = if rows.len() == 100 {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let entries: Vec<minijinja::Value> = rows
        .iter()
        .map(|r| {
            minijinja::context! {
                id => r.id,
                at => timestamp(r.occurred_at),
                actor => r.actor_label,
                ip => r.ip,
                action => r.action,
                entity => format!("{} {}", r.entity_type, r.entity_id),
                details => r.details,
            }
        })
        .collect();
    let action = filter.action_prefix.clone().unwrap_or_default();
    Ok(render(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "admin-audit-title",
            "/admin/audit",
            "admin",
        ),
        "admin/audit.html",
        minijinja::context! {
            entries => entries,
            action => action,
            next_before => next_before,
            csv_query => crate::core::web::encode_query(&[("action", &action)]),
        },
    ))
}

pub async fn audit_csv(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Query(params): Query<AuditParams>,
) -> Result<Response, AppError> {
    lang_from_path(&lang)?;
    let rows = audit::list(&state.db, &audit_filter(&params, 10_000)).await?;
    let mut out = String::from("id,occurred_at,actor,ip,action,entity_type,entity_id,details\r\n");
    for r in &rows {
        let line = [
            r.id.to_string(),
            r.occurred_at.to_rfc3339(),
            r.actor_label.clone(),
            r.ip.clone(),
            r.action.clone(),
            r.entity_type.clone(),
            r.entity_id.clone(),
            r.details.clone(),
        ]
        .iter()
        .map(|v| crate::core::export::csv_cell(v))
        .collect::<Vec<_>>()
        .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    audit::record_alone(
        &state.db,
        &Actor::user(user.user_id, &ip),
        audit::Entry {
            action: "admin.audit.export",
            entity_type: "audit",
            entity_id: "csv".into(),
            details: serde_json::json!({ "rows": rows.len() }),
        },
        state.clock.now(),
    )
    .await?;
    let mut response = out.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"radix-audit.csv\""),
    );
    Ok(response)
}

/// The background jobs: every recurring job with its last run, and the one-off jobs that
/// wait or failed (a failed one can be tried again).
pub async fn jobs(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let rows = crate::core::jobs::overview(&state.db).await?;
    let jobs: Vec<minijinja::Value> = rows
        .iter()
        .map(|job| {
            let recurring = job.job_key == crate::core::jobs::RECURRING;
            minijinja::context! {
                id => job.id,
                kind => job.kind,
                label => {
                    let key = format!("admin-job-{}", job.kind.replace('.', "-"));
                    state.i18n.has(lang, &key).then(|| state.i18n.t(lang, &key))
                },
                key => (!recurring).then(|| job.job_key.clone()),
                status => state.i18n.t(lang, match job.status.as_str() {
                    "failed" => "admin-jobs-status-failed",
                    _ if recurring => "admin-jobs-status-scheduled",
                    _ => "admin-jobs-status-pending",
                }),
                failed => job.status == "failed",
                next => (job.status != "failed").then(|| timestamp(job.run_at)),
                last => job.last_finished_at.map(timestamp),
                runs => job.runs,
                attempts => job.attempts,
                outcome => job.last_outcome,
                error => job.last_error,
            }
        })
        .collect();
    Ok(render(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "admin-jobs-title",
            "/admin/jobs",
            "admin",
        ),
        "admin/jobs.html",
        minijinja::context! { jobs => jobs, csrf => user.csrf_token },
    ))
}

pub async fn retry_job(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !crate::core::jobs::retry(&mut tx, id, now).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        &Actor::user(user.user_id, &ip),
        audit::Entry {
            action: "admin.job.retry",
            entity_type: "job",
            entity_id: id.to_string(),
            details: serde_json::json!({}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/{}/admin/jobs", lang.code())).into_response())
}

pub async fn outbox(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let rows = email::recent(&state.db, 200).await?;
    let messages: Vec<minijinja::Value> = rows
        .iter()
        .map(|m| {
            minijinja::context! {
                id => m.id,
                to => m.recipient,
                subject => m.subject,
                status => state.i18n.t(lang, match m.status.as_str() {
                    "sent" => "admin-outbox-status-sent",
                    "failed" => "admin-outbox-status-failed",
                    _ => "admin-outbox-status-pending",
                }),
                attempts => m.attempts,
                created => timestamp(m.created_at),
                language => m.language,
            }
        })
        .collect();
    Ok(render(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "admin-outbox-title",
            "/admin/outbox",
            "admin",
        ),
        "admin/outbox.html",
        minijinja::context! { messages => messages, smtp_configured => state.config.smtp.is_some() },
    ))
}

pub async fn outbox_message(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let message = email::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "admin-outbox-message-title",
            format!("/admin/outbox/{id}"),
            "admin",
        ),
        "admin/outbox_message.html",
        minijinja::context! {
            to => message.recipient,
            language => message.language,
            subject => message.subject,
            body => message.body_text,
            status => state.i18n.t(lang, match message.status.as_str() {
                "sent" => "admin-outbox-status-sent",
                "failed" => "admin-outbox-status-failed",
                _ => "admin-outbox-status-pending",
            }),
            attempts => message.attempts,
            last_error => message.last_error,
            created => timestamp(message.created_at),
            sent => message.sent_at.map(timestamp),
        },
    ))
}

async fn access_requests_page(
    state: &AppState,
    lang: Lang,
    user: &crate::core::auth::session::SessionUser,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let requests = service::pending_access_requests(&state.db).await?;
    let geography = state.geography();
    let rows: Vec<minijinja::Value> = requests
        .iter()
        .map(|r| {
            let municipalities: Vec<String> = r
                .municipalities
                .iter()
                .map(|nis| {
                    geography
                        .municipality(nis)
                        .map(|m| format!("{} ({nis})", m.display_name(lang).plain()))
                        .unwrap_or_else(|| nis.clone())
                })
                .collect();
            minijinja::context! {
                id => r.id,
                email => r.email,
                name => r.display_name,
                language => r.language.endonym(),
                job_title => r.job_title,
                municipalities => municipalities.join(", "),
                message => r.message,
                received => timestamp(r.created_at),
            }
        })
        .collect();
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "admin-access-title",
            "/admin/access-requests",
            "admin",
        ),
        "admin/access_requests.html",
        minijinja::context! { csrf => user.csrf_token, requests => rows, notice => notice, error => error },
        status,
    ))
}

pub async fn access_requests(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    access_requests_page(&state, lang, &user, None, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: String,
}

pub async fn decide_access_request(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(AppError::bad_request("error-bad-request", "decision")),
    };
    let geography = state.geography();
    let today = state.clock.today();
    let known = |code: &str| {
        geography
            .municipality(code)
            .is_some_and(|m| m.is_valid_on(today))
    };
    match service::decide_access_request(
        &state.context(),
        &user,
        &ip,
        id,
        approve,
        &form.reason,
        &known,
    )
    .await
    {
        Ok(()) => {
            let key = if approve {
                "admin-access-approved"
            } else {
                "admin-access-declined"
            };
            let notice = state.i18n.t(lang, key);
            access_requests_page(&state, lang, &user, Some(notice), None, StatusCode::OK).await
        }
        Err(IdentityError::NotFound) => Err(AppError::NotFound),
        Err(IdentityError::NotAllowed) => Err(AppError::Forbidden {
            key: "error-forbidden",
        }),
        Err(IdentityError::Input(_)) => {
            let message = state.i18n.t(lang, "admin-access-reason-required");
            access_requests_page(
                &state,
                lang,
                &user,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(IdentityError::Database(e)) => Err(AppError::database(&e)),
        Err(error @ IdentityError::Internal(_)) => Err(AppError::internal(error)),
        Err(error) => {
            let message = state.i18n.t(lang, error.message_key());
            access_requests_page(
                &state,
                lang,
                &user,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    csrf: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let Some(role) = Role::from_code(&form.role) else {
        let message = state.i18n.t(lang, "admin-invite-choose");
        return accounts_page(
            &state,
            lang,
            &user,
            None,
            None,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match service::change_role(&state.context(), &user, &ip, id, role).await {
        Ok(()) => {
            let notice = state.i18n.t(lang, "admin-role-changed");
            accounts_page(
                &state,
                lang,
                &user,
                None,
                Some(notice),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(error) => account_action_refused(&state, lang, &user, None, error).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PortfolioForm {
    #[serde(default)]
    portfolio: String,
    #[serde(default)]
    csrf: String,
}

pub async fn set_portfolio(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<PortfolioForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let areas: Vec<String> = form
        .portfolio
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase)
        .take(20)
        .collect();
    let geography = state.geography();
    let known = |code: &str| {
        crate::geo::Region::from_code(code).is_some()
            || geography.provinces().iter().any(|p| p.code == code)
    };
    match service::set_portfolio(&state.context(), &user, &ip, id, &areas, &known).await {
        Ok(()) => {
            let notice = state.i18n.t(lang, "admin-portfolio-saved");
            accounts_page(
                &state,
                lang,
                &user,
                None,
                Some(notice),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(error) => account_action_refused(&state, lang, &user, None, error).await,
    }
}
