//! Pages of the identity capability: sign-in, second factor, password reset, invitations,
//! and the user's own account page.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::service::{self, IdentityError, SecondFactorStep};
use super::session_store;
use crate::core::auth::csrf;
use crate::core::auth::policy::{ClientIp, CurrentUser};
use crate::core::auth::session;
use crate::core::error::AppError;
use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::core::web::{PageMeta, lang_from_path, render, render_with_status};
use crate::geo::GeoState;

fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// A local path to return to after sign-in; anything else becomes the account page.
fn safe_next(next: Option<&str>, lang: Lang) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(|c| c.is_control())
                && path.len() < 500 =>
        {
            path.to_string()
        }
        _ => format!("/{}/account", lang.code()),
    }
}

fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(cookie) = cookie
        && let Ok(value) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn see_other(target: &str, cookie: Option<String>) -> Response {
    with_cookie(Redirect::to(target).into_response(), cookie)
}

fn error_text(state: &AppState, lang: Lang, error: &IdentityError) -> String {
    if matches!(
        error,
        IdentityError::Database(_) | IdentityError::Internal(_)
    ) {
        tracing::error!(%error, "identity service failed");
    }
    state.i18n.t(lang, error.message_key())
}

fn refuse_forgery() -> Response {
    AppError::Forbidden { key: "error-csrf" }.into_response()
}

// ---------------------------------------------------------------- sign-in

#[derive(Debug, Default, Deserialize)]
pub struct NextParam {
    next: Option<String>,
    /// Set after a password was chosen through an emailed link.
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// What the sign-in page shows besides the form.
struct SignInMessages {
    notice: Option<String>,
    error: Option<String>,
}

fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    email: &str,
    next: &str,
    messages: SignInMessages,
    status: StatusCode,
) -> Response {
    let SignInMessages { notice, error } = messages;
    let (token, cookie) = csrf::anonymous_token(headers);
    let page = render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "identity-sign-in-title",
            "/sign-in",
            "account",
        ),
        "identity/sign_in.html",
        minijinja::context! { email => email, next => next, csrf => token, error => error, notice => notice },
        status,
    );
    with_cookie(page, cookie)
}

pub async fn sign_in_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(params): Query<NextParam>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let next = safe_next(params.next.as_deref(), lang);
    let notice = (params.done.as_deref() == Some("password"))
        .then(|| state.i18n.t(lang, "identity-password-saved"));
    Ok(sign_in_page(
        &state,
        &headers,
        lang,
        "",
        &next,
        SignInMessages {
            notice,
            error: None,
        },
        StatusCode::OK,
    ))
}

pub async fn sign_in_submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if !csrf::verify_anonymous(&headers, &form.csrf) {
        return Ok(refuse_forgery());
    }
    let next = safe_next(Some(&form.next), lang);
    let email = form.email.chars().take(254).collect::<String>();
    let ctx = state.context();
    match service::sign_in(&ctx, &email, &form.password, &ip, &user_agent(&headers)).await {
        Ok(signed_in) => {
            let cookie = Some(session::cookie(&signed_in.cookie_value));
            let target = match signed_in.second_factor {
                SecondFactorStep::None => next,
                SecondFactorStep::Verify => format!("/{}/sign-in/second-factor", lang.code()),
                SecondFactorStep::Enrol => format!("/{}/account/second-factor", lang.code()),
            };
            Ok(see_other(&target, cookie))
        }
        Err(error @ (IdentityError::InvalidCredentials | IdentityError::Locked)) => {
            // Slow down guessing without holding a worker thread.
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            let status = if matches!(error, IdentityError::Locked) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            Ok(sign_in_page(
                &state,
                &headers,
                lang,
                &email,
                &next,
                SignInMessages {
                    notice: None,
                    error: Some(error_text(&state, lang, &error)),
                },
                status,
            ))
        }
        Err(error) => Err(AppError::internal(error)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

pub async fn second_factor_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if user.fully_authenticated() {
        return Ok(see_other(&format!("/{}/account", lang.code()), None));
    }
    if !user.totp_enabled {
        return Ok(see_other(
            &format!("/{}/account/second-factor", lang.code()),
            None,
        ));
    }
    Ok(render(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "identity-second-factor-title",
            "/sign-in/second-factor",
            "account",
        ),
        "identity/second_factor.html",
        minijinja::context! { csrf => user.csrf_token, error => Option::<String>::None },
    ))
}

pub async fn second_factor_submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let ctx = state.context();
    match service::verify_second_factor(&ctx, &user, &form.code, &ip, &user_agent(&headers)).await {
        Ok(cookie) => Ok(see_other(
            &format!("/{}/account", lang.code()),
            Some(session::cookie(&cookie)),
        )),
        Err(error @ (IdentityError::InvalidCode | IdentityError::Locked)) => {
            let status = if matches!(error, IdentityError::Locked) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            Ok(render_with_status(
                &state,
                &PageMeta::new(
                    &state.i18n,
                    lang,
                    "identity-second-factor-title",
                    "/sign-in/second-factor",
                    "account",
                ),
                "identity/second_factor.html",
                minijinja::context! { csrf => user.csrf_token, error => error_text(&state, lang, &error) },
                status,
            ))
        }
        Err(error) => Err(AppError::internal(error)),
    }
}

pub async fn enrol_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if user.totp_enabled {
        return Ok(see_other(&format!("/{}/account", lang.code()), None));
    }
    enrol_page(&state, lang, &user, None, StatusCode::OK).await
}

async fn enrol_page(
    state: &AppState,
    lang: Lang,
    user: &session::SessionUser,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let enrolment = service::start_enrolment(&state.context(), user).await?;
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "identity-enrol-title",
            "/account/second-factor",
            "account",
        ),
        "identity/enrol.html",
        minijinja::context! {
            csrf => user.csrf_token,
            secret => enrolment.secret.clone(),
            secret_grouped => enrolment.secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" "),
            qr_svg => minijinja::Value::from_safe_string(enrolment.qr_svg),
            required => user.role.requires_second_factor(),
            error => error,
        },
        status,
    ))
}

pub async fn enrol_submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let ctx = state.context();
    match service::confirm_enrolment(&ctx, &user, &form.code, &ip, &user_agent(&headers)).await {
        Ok((cookie, codes)) => {
            // The page belongs to the new, fully signed-in session: its header links and
            // sign-out token must be that session's.
            let new_session = session_store::lookup(&state.db, &cookie, state.clock.now()).await?;
            let page = crate::core::auth::policy::CURRENT_USER.sync_scope(new_session, || {
                render(
                    &state,
                    &PageMeta::new(
                        &state.i18n,
                        lang,
                        "identity-recovery-codes-title",
                        "/account/second-factor",
                        "account",
                    ),
                    "identity/recovery_codes.html",
                    minijinja::context! { codes => codes },
                )
            });
            Ok(with_cookie(page, Some(session::cookie(&cookie))))
        }
        Err(IdentityError::InvalidCode) => {
            let message = state.i18n.t(lang, "identity-code-invalid");
            enrol_page(
                &state,
                lang,
                &user,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(IdentityError::NotAllowed) => Ok(see_other(&format!("/{}/account", lang.code()), None)),
        Err(error) => Err(AppError::internal(error)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    service::sign_out(&state.context(), &user, &ip).await?;
    Ok(see_other(
        &format!("/{}/", lang.code()),
        Some(session::clearing_cookie()),
    ))
}

// ---------------------------------------------------------------- account page

async fn account_page(
    state: &AppState,
    lang: Lang,
    user: &session::SessionUser,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let account = service::account_by_id(&state.db, user.user_id).await?;
    let sessions = session_store::list_for_user(&state.db, user.user_id).await?;
    let recovery_left = service::unused_recovery_codes(&state.db, user.user_id).await?;
    let geography = state.geography();
    let municipalities: Vec<String> = account
        .municipalities
        .iter()
        .filter_map(|nis| {
            geography
                .municipality(nis)
                .map(|m| m.display_name(lang).plain())
        })
        .collect();
    let session_rows: Vec<minijinja::Value> = sessions
        .iter()
        .map(|s| {
            minijinja::context! {
                current => s.id_hash == user.session_id_hash,
                started => format!("{} {}", format_date(s.created_at.date_naive()), s.created_at.format("%H:%M UTC")),
                last_seen => format!("{} {}", format_date(s.last_seen_at.date_naive()), s.last_seen_at.format("%H:%M UTC")),
                ip => s.ip,
                agent => if s.user_agent.chars().count() > 80 {
                    format!("{}…", s.user_agent.chars().take(79).collect::<String>())
                } else {
                    s.user_agent.clone()
                },
            }
        })
        .collect();
    let languages: Vec<minijinja::Value> = Lang::ALL
        .iter()
        .map(|l| minijinja::context! { code => l.code(), name => l.endonym(), selected => *l == account.language })
        .collect();
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "identity-account-title",
            "/account",
            "account",
        ),
        "identity/account.html",
        minijinja::context! {
            csrf => user.csrf_token,
            email => account.email,
            display_name => account.display_name,
            role_label => state.i18n.t(lang, account.role.label_key()),
            languages => languages,
            totp_enabled => account.totp_enabled,
            recovery_left => recovery_left,
            municipalities => municipalities,
            sessions => session_rows,
            deletion_requested => account.deletion_requested_at.map(|d| format_date(d.date_naive())),
            notice => notice,
            error => error,
        },
        status,
    ))
}

pub async fn account(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    account_page(&state, lang, &user, None, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    csrf: String,
}

pub async fn update_profile(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let Some(language) = Lang::from_code(&form.language) else {
        let message = state.i18n.t(lang, "identity-language-invalid");
        return account_page(
            &state,
            lang,
            &user,
            None,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match service::update_profile(&state.context(), &user, &ip, &form.display_name, language).await
    {
        Ok(()) => Ok(see_other(
            &format!("/{}/account?saved=profile", lang.code()),
            None,
        )),
        Err(error @ IdentityError::Input(_)) => {
            let message = error_text(&state, lang, &error);
            account_page(
                &state,
                lang,
                &user,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => Err(AppError::internal(error)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    match service::change_password(
        &state.context(),
        &user,
        &ip,
        &form.current_password,
        &form.new_password,
    )
    .await
    {
        Ok(()) => {
            let notice = state.i18n.t(lang, "identity-password-changed");
            account_page(&state, lang, &user, Some(notice), None, StatusCode::OK).await
        }
        Err(error @ (IdentityError::WrongCurrentPassword | IdentityError::Password(_))) => {
            let message = error_text(&state, lang, &error);
            account_page(
                &state,
                lang,
                &user,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => Err(AppError::internal(error)),
    }
}

pub async fn end_other_sessions(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    service::end_other_sessions(&state.context(), &user, &ip).await?;
    Ok(see_other(
        &format!("/{}/account?saved=sessions", lang.code()),
        None,
    ))
}

pub async fn export(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
) -> Result<Response, AppError> {
    lang_from_path(&lang)?;
    let data =
        service::export_personal_data(&state.context(), &user, &ip, &state.personal_data).await?;
    let body = serde_json::to_string_pretty(&data).map_err(AppError::internal)?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"radix-personal-data.json\""),
    );
    Ok(response)
}

pub async fn request_deletion(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    service::request_deletion(&state.context(), &user, &ip).await?;
    Ok(see_other(
        &format!("/{}/account?saved=deletion", lang.code()),
        None,
    ))
}

// ---------------------------------------------------------------- reset and invitation

#[derive(Debug, Default, Deserialize)]
pub struct ResetRequestForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf: String,
}

pub async fn reset_request_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let (token, cookie) = csrf::anonymous_token(&headers);
    let page = render(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "identity-reset-title",
            "/password-reset",
            "account",
        ),
        "identity/reset_request.html",
        minijinja::context! { csrf => token, sent => false },
    );
    Ok(with_cookie(page, cookie))
}

pub async fn reset_request_submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<ResetRequestForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if !csrf::verify_anonymous(&headers, &form.csrf) {
        return Ok(refuse_forgery());
    }
    service::request_password_reset(&state.context(), &form.email, &ip).await?;
    Ok(render(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "identity-reset-title",
            "/password-reset",
            "account",
        ),
        "identity/reset_request.html",
        minijinja::context! { csrf => form.csrf, sent => true },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    csrf: String,
}

fn purpose_of(kind: TokenPage) -> &'static str {
    match kind {
        TokenPage::Reset => "password_reset",
        TokenPage::Invitation => "invitation",
    }
}

#[derive(Debug, Clone, Copy)]
enum TokenPage {
    Reset,
    Invitation,
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page, two flows, each field shown"
)]
fn token_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    kind: TokenPage,
    token: &str,
    account_email: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (csrf_token, cookie) = csrf::anonymous_token(headers);
    let (title, path) = match kind {
        TokenPage::Reset => (
            "identity-new-password-title",
            format!("/password-reset/{token}"),
        ),
        TokenPage::Invitation => ("identity-invitation-title", format!("/invitation/{token}")),
    };
    let page = render_with_status(
        state,
        &PageMeta::new(&state.i18n, lang, title, &path, "account"),
        "identity/new_password.html",
        minijinja::context! {
            csrf => csrf_token,
            email => account_email,
            action => format!("/{}{}", lang.code(), path),
            invitation => matches!(kind, TokenPage::Invitation),
            error => error,
            valid => account_email.is_some(),
        },
        status,
    );
    with_cookie(page, cookie)
}

async fn token_form(
    state: AppState,
    lang: String,
    token: String,
    headers: HeaderMap,
    kind: TokenPage,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    match service::account_for_token(&state.context(), &token, purpose_of(kind)).await {
        Ok(account) => Ok(token_page(
            &state,
            &headers,
            lang,
            kind,
            &token,
            Some(&account.email),
            None,
            StatusCode::OK,
        )),
        Err(IdentityError::InvalidToken | IdentityError::NotFound) => {
            let message = state.i18n.t(lang, "identity-token-invalid");
            Ok(token_page(
                &state,
                &headers,
                lang,
                kind,
                &token,
                None,
                Some(message),
                StatusCode::NOT_FOUND,
            ))
        }
        Err(error) => Err(AppError::internal(error)),
    }
}

async fn token_submit(
    state: AppState,
    lang: String,
    token: String,
    ip: String,
    headers: HeaderMap,
    form: NewPasswordForm,
    kind: TokenPage,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if !csrf::verify_anonymous(&headers, &form.csrf) {
        return Ok(refuse_forgery());
    }
    let ctx = state.context();
    match service::set_password_with_token(&ctx, &token, purpose_of(kind), &form.new_password, &ip)
        .await
    {
        Ok(_) => Ok(see_other(
            &format!("/{}/sign-in?done=password", lang.code()),
            None,
        )),
        Err(error @ IdentityError::Password(_)) => {
            let email = service::account_for_token(&ctx, &token, purpose_of(kind))
                .await
                .ok()
                .map(|a| a.email);
            let message = error_text(&state, lang, &error);
            Ok(token_page(
                &state,
                &headers,
                lang,
                kind,
                &token,
                email.as_deref(),
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(IdentityError::InvalidToken | IdentityError::NotFound) => {
            let message = state.i18n.t(lang, "identity-token-invalid");
            Ok(token_page(
                &state,
                &headers,
                lang,
                kind,
                &token,
                None,
                Some(message),
                StatusCode::NOT_FOUND,
            ))
        }
        Err(error) => Err(AppError::internal(error)),
    }
}

pub async fn reset_form(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    token_form(state, lang, token, headers, TokenPage::Reset).await
}

pub async fn reset_submit(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    token_submit(state, lang, token, ip, headers, form, TokenPage::Reset).await
}

pub async fn invitation_form(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    token_form(state, lang, token, headers, TokenPage::Invitation).await
}

pub async fn invitation_submit(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    token_submit(state, lang, token, ip, headers, form, TokenPage::Invitation).await
}

// ---------------------------------------------------------------- request for access

#[derive(Debug, Default, Deserialize, Clone)]
pub struct AccessRequestForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    municipalities: String,
    #[serde(default)]
    message: String,
    /// Left empty by people; filled by robots that fill every field.
    #[serde(default)]
    website: String,
    #[serde(default)]
    csrf: String,
}

fn access_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    form: &AccessRequestForm,
    errors: Vec<String>,
    sent: bool,
    status: StatusCode,
) -> Response {
    let (csrf_token, cookie) = csrf::anonymous_token(headers);
    let languages: Vec<minijinja::Value> = Lang::ALL
        .iter()
        .map(|l| {
            minijinja::context! {
                code => l.code(),
                name => l.endonym(),
                selected => if form.language.is_empty() { *l == lang } else { form.language == l.code() },
            }
        })
        .collect();
    let page = render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "identity-access-title",
            "/request-access",
            "account",
        ),
        "identity/request_access.html",
        minijinja::context! {
            csrf => csrf_token,
            form_email => form.email,
            form_name => form.display_name,
            form_job => form.job_title,
            form_municipalities => form.municipalities,
            form_message => form.message,
            languages => languages,
            errors => errors,
            sent => sent,
        },
        status,
    );
    with_cookie(page, cookie)
}

pub async fn request_access_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    Ok(access_page(
        &state,
        &headers,
        lang,
        &AccessRequestForm::default(),
        vec![],
        false,
        StatusCode::OK,
    ))
}

pub async fn request_access_submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<AccessRequestForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if !csrf::verify_anonymous(&headers, &form.csrf) {
        return Ok(refuse_forgery());
    }
    if !form.website.is_empty() {
        // A robot: answer as if all went well, keep nothing.
        return Ok(access_page(
            &state,
            &headers,
            lang,
            &AccessRequestForm::default(),
            vec![],
            true,
            StatusCode::OK,
        ));
    }
    let (codes, unknown) = state
        .geography()
        .resolve_entries(&form.municipalities, state.clock.today());
    let input = service::AccessRequestInput {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        language: Lang::from_code(&form.language),
        job_title: form.job_title.clone(),
        municipalities: codes,
        message: form.message.clone(),
    };
    let mut errors: Vec<String> = vec![];
    if !unknown.is_empty() {
        errors.push(state.i18n.t_args(
            lang,
            "identity-access-unknown-municipalities",
            &[(
                "names",
                fluent_bundle::FluentValue::from(unknown.join(", ")),
            )],
        ));
    }
    if errors.is_empty() {
        match service::request_access(&state.context(), &input, &ip).await {
            Ok(Ok(())) => {
                return Ok(access_page(
                    &state,
                    &headers,
                    lang,
                    &AccessRequestForm::default(),
                    vec![],
                    true,
                    StatusCode::OK,
                ));
            }
            Ok(Err(problems)) => {
                errors.extend(problems.0.iter().map(|(_, key)| state.i18n.t(lang, key)))
            }
            Err(IdentityError::Locked) => {
                let message = state.i18n.t(lang, "error-too-many-requests");
                return Ok(access_page(
                    &state,
                    &headers,
                    lang,
                    &form,
                    vec![message],
                    false,
                    StatusCode::TOO_MANY_REQUESTS,
                ));
            }
            Err(error) => return Err(AppError::internal(error)),
        }
    } else if let Err(problems) = service::validate_access_request(&input) {
        errors.extend(
            problems
                .0
                .iter()
                .filter(|(field, _)| *field != "municipalities")
                .map(|(_, key)| state.i18n.t(lang, key)),
        );
    }
    Ok(access_page(
        &state,
        &headers,
        lang,
        &form,
        errors,
        false,
        StatusCode::UNPROCESSABLE_ENTITY,
    ))
}
