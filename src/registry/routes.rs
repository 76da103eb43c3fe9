//! Pages of the registry: the declaration form for municipal members and survey
//! respondents, and the staff screens (queue, review, municipality history, cells, mergers,
//! snapshots, surveys). The route policy checks the role; the handlers check which
//! municipality a member may speak for.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::domain::{Lifecycle, MEETING_FREQUENCIES, Observed, SERVICES, Source, Status};
use super::service::{
    self, Author, Decision, DeclarationPayload, FieldProblem, LinkProblem, NewObservation,
    Recorder, RegistryError, Reviewer, SITUATIONS,
};
use crate::core::audit::Actor;
use crate::core::auth::policy::{ClientIp, CurrentUser};
use crate::core::auth::session::SessionUser;
use crate::core::auth::{Role, csrf};
use crate::core::date::format_local_time as timestamp;
use crate::core::date::parse_date;
use crate::core::error::AppError;
use crate::core::i18n::{Lang, format_date};
use crate::core::state::AppState;
use crate::core::web::form::Form as FormData;
use crate::core::web::{PageMeta, lang_from_path, render_with_status};
use crate::geo::GeoState;
use crate::registry::RegistryState;

/// Reads the declaration fields of a form; unreadable dates become problems.
fn payload_from_form(form: &FormData) -> (DeclarationPayload, Vec<FieldProblem>) {
    let mut problems = vec![];
    let mut date = |field: &'static str| match parse_date(form.get(field)) {
        Ok(value) => value,
        Err(_) => {
            problems.push(FieldProblem {
                field,
                key: "registry-error-date-invalid",
            });
            None
        }
    };
    let founded_on = date("founded_on");
    let rules_adopted_on = date("rules_adopted_on");
    let mut joint_with = form.all("joint_with");
    joint_with.extend(
        form.get("joint_with_other")
            .split([',', ';', ' '])
            .filter(|c| !c.trim().is_empty())
            .map(|c| c.trim().to_string()),
    );
    let payload = DeclarationPayload {
        situation: form.get("situation").to_string(),
        cell_name: form.get("cell_name").to_string(),
        joint_with,
        founded_on,
        rules_adopted: form.get("rules_adopted") == "yes",
        rules_adopted_on,
        meeting_frequency: match form.get("meeting_frequency") {
            "" => "unknown".to_string(),
            other => other.to_string(),
        },
        services: form.all("services"),
        coordinator_contact: form.get("coordinator_contact").to_string(),
        information_officer_contact: form.get("information_officer_contact").to_string(),
        coordinator_account: form.get("coordinator_account").parse().ok(),
        information_officer_account: form.get("information_officer_account").parse().ok(),
        contact_consent: form.get("contact_consent") == "yes",
        remarks: form.get("remarks").to_string(),
    };
    (payload, problems)
}

const FORM_FIELDS: [&str; 14] = [
    "situation",
    "cell_name",
    "joint_with",
    "founded_on",
    "rules_adopted_on",
    "meeting_frequency",
    "services",
    "coordinator_contact",
    "information_officer_contact",
    "contact_consent",
    "remarks",
    "answer",
    "coordinator_account",
    "information_officer_account",
];

/// Everything the declaration form template needs.
fn form_context(
    state: &AppState,
    lang: Lang,
    nis: &str,
    payload: &DeclarationPayload,
    problems: &[FieldProblem],
    members: &[(i64, String, String)],
) -> minijinja::Value {
    let geography = state.geography();
    let today = state.clock.today();
    let messages: Vec<minijinja::Value> = problems
        .iter()
        .map(|p| {
            minijinja::context! {
                field => p.field,
                message => state.i18n.t(lang, p.key),
            }
        })
        .collect();
    // Every field has an entry (empty when fine): templates use strict undefined checks.
    let mut field_errors: std::collections::BTreeMap<&str, String> =
        FORM_FIELDS.iter().map(|f| (*f, String::new())).collect();
    for p in problems.iter().filter(|p| !p.field.is_empty()) {
        field_errors.insert(p.field, state.i18n.t(lang, p.key));
    }
    // Joint cells are usually set up per police zone: offer the zone's and the
    // arrondissement's municipalities as checkboxes.
    let mut partners: Vec<&crate::geo::Municipality> = vec![];
    if let Some(m) = geography.municipality(nis) {
        if let Some(zone) = geography.zone_of(nis, today) {
            partners.extend(geography.zone_members(&zone.key, today));
        }
        partners.extend(
            geography
                .municipalities_on(today)
                .filter(|o| o.arrondissement_nis == m.arrondissement_nis),
        );
    }
    partners.retain(|p| p.nis != nis);
    partners.sort_by(|a, b| a.collation_key(lang).cmp(b.collation_key(lang)));
    partners.dedup_by(|a, b| a.nis == b.nis);
    let partner_codes: Vec<&str> = partners.iter().map(|p| p.nis.as_str()).collect();
    let other_partners: Vec<String> = payload
        .joint_with
        .iter()
        .filter(|c| !partner_codes.contains(&c.as_str()))
        .cloned()
        .collect();
    minijinja::context! {
        nis => nis,
        municipality => geography.municipality(nis).map(|m| m.display_name(lang)),
        payload => payload,
        founded_value => payload.founded_on.map(|d| d.to_string()).unwrap_or_default(),
        rules_value => payload.rules_adopted_on.map(|d| d.to_string()).unwrap_or_default(),
        problems => messages,
        field_errors => field_errors,
        today_value => today.to_string(),
        situations => SITUATIONS.iter().map(|s| minijinja::context! {
            code => s, label => state.i18n.t(lang, &format!("registry-situation-{s}")),
            selected => payload.situation == *s,
        }).collect::<Vec<_>>(),
        frequencies => MEETING_FREQUENCIES.iter().map(|f| minijinja::context! {
            code => f, label => state.i18n.t(lang, &format!("registry-frequency-{f}")),
            selected => payload.meeting_frequency == *f,
        }).collect::<Vec<_>>(),
        services => SERVICES.iter().map(|s| minijinja::context! {
            code => s, label => state.i18n.t(lang, &format!("registry-service-{s}")),
            checked => payload.services.iter().any(|x| x == s),
        }).collect::<Vec<_>>(),
        partners => partners.iter().map(|p| minijinja::context! {
            nis => p.nis, name => p.display_name(lang),
            checked => payload.joint_with.contains(&p.nis),
        }).collect::<Vec<_>>(),
        other_partners => other_partners.join(", "),
        // Names only: a survey respondent sees this list too.
        accounts => members.iter().map(|(id, name, _)| minijinja::context! {
            id => id, name => name,
            coordinator => payload.coordinator_account == Some(*id),
            information_officer => payload.information_officer_account == Some(*id),
        }).collect::<Vec<_>>(),
    }
}

/// The municipalities of the cell a declaration describes.
fn cell_codes(nis: &str, payload: &DeclarationPayload) -> Vec<String> {
    let mut codes = vec![nis.to_string()];
    codes.extend(payload.joint_with.iter().cloned());
    codes
}

fn actor_of(user: &SessionUser, ip: &str) -> Actor {
    Actor::user(user.user_id, ip)
}

async fn member_municipalities(
    state: &AppState,
    user: &SessionUser,
) -> Result<Vec<String>, AppError> {
    Ok(crate::identity::service::municipalities_acted_for(&state.db, user).await?)
}

fn is_staff(user: &SessionUser) -> bool {
    user.role != Role::Municipal
}

fn registry_error(state: &AppState, lang: Lang, error: &RegistryError) -> Result<String, AppError> {
    match error {
        RegistryError::NotFound => Err(AppError::NotFound),
        RegistryError::NotAllowed => Err(AppError::Forbidden {
            key: "error-forbidden",
        }),
        RegistryError::Database(e) => Err(AppError::database(e)),
        other => Ok(other.message(&state.i18n, lang)),
    }
}

// ------------------------------------------------------------------ municipal members

pub async fn my_declarations(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    if is_staff(&user) {
        return Ok(Redirect::to(&format!("/{}/registry", lang.code())).into_response());
    }
    let codes = member_municipalities(&state, &user).await?;
    let geography = state.geography();
    let registry = state.registry();
    let today = state.clock.today();
    let picture = registry.picture(&geography, today);
    let municipalities: Vec<minijinja::Value> = codes
        .iter()
        .filter_map(|nis| {
            let m = geography.municipality(nis)?;
            let entry = picture.entry(nis);
            let status = entry.map(|e| e.status).unwrap_or(Status::Unknown);
            Some(minijinja::context! {
                nis => nis,
                name => m.display_name(lang),
                valid => m.is_valid_on(today),
                status => status.code(),
                status_label => state.i18n.t(lang, status.label_key()),
                cell => entry.and_then(|e| e.cell_id).and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
                since => entry.and_then(|e| e.since).map(format_date),
            })
        })
        .collect();
    let declarations = service::declarations_in_states(
        &state.db,
        &[
            "draft",
            "submitted",
            "info-requested",
            "accepted",
            "rejected",
        ],
        Some(&codes),
        None,
    )
    .await
    .map_err(|e| AppError::internal(e.to_string()))?;
    let rows = declaration_rows(&state, lang, &declarations);
    Ok(render_with_status(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-my-title",
            "/livc-r/declarations",
            "cartography",
        ),
        "registry/my_declarations.html",
        minijinja::context! {
            csrf => user.csrf_token,
            municipalities => municipalities,
            declarations => rows,
        },
        StatusCode::OK,
    ))
}

fn declaration_rows(
    state: &AppState,
    lang: Lang,
    declarations: &[service::Declaration],
) -> Vec<minijinja::Value> {
    let geography = state.geography();
    declarations
        .iter()
        .map(|d| {
            minijinja::context! {
                id => d.id,
                nis => d.nis,
                name => geography.municipality(&d.nis).map(|m| m.display_name(lang)),
                state => d.state,
                state_label => state.i18n.t(lang, &format!("registry-state-{}", d.state)),
                situation => if d.payload.situation.is_empty() { String::new() } else { state.i18n.t(lang, &format!("registry-situation-{}", d.payload.situation)) },
                submitted => d.submitted_at.map(timestamp),
                created => timestamp(d.created_at),
                author => d.author_label,
                via_survey => d.survey_invitation_id.is_some(),
            }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    #[serde(default)]
    nis: String,
    #[serde(default)]
    csrf: String,
}

pub async fn start_declaration(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<StartForm>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    csrf::require_session_token(&form.csrf, &user)?;
    let codes = member_municipalities(&state, &user).await?;
    if user.role != Role::Municipal || !codes.contains(&form.nis) {
        return Err(AppError::Forbidden {
            key: "registry-error-not-your-municipality",
        });
    }
    let geography = state.geography();
    if !geography
        .municipality(&form.nis)
        .is_some_and(|m| m.is_valid_on(state.clock.today()))
    {
        return Err(AppError::bad_request(
            "registry-error-municipality-not-valid",
            "nis",
        ));
    }
    let registry = state.registry();
    let payload =
        DeclarationPayload::from_registry(&registry, &geography, &form.nis, state.clock.today());
    let actor = actor_of(&user, &ip);
    let id = service::create_declaration(
        &state.context(),
        &Author {
            actor: &actor,
            user_id: Some(user.user_id),
            label: &user.display_name,
            email: &user.email,
            language: lang,
            survey_invitation_id: None,
        },
        &geography,
        &form.nis,
        payload,
        false,
    )
    .await
    .map_err(|problems| {
        AppError::internal(format!(
            "draft refused: {:?}",
            problems.first().map(|p| p.key)
        ))
    })?;
    Ok(Redirect::to(&format!("/{}/livc-r/declarations/{id}", lang.code())).into_response())
}

async fn load_declaration_for(
    state: &AppState,
    user: &SessionUser,
    id: &str,
) -> Result<service::Declaration, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let declaration = service::declaration(&state.db, id)
        .await
        .map_err(|e| match e {
            RegistryError::NotFound => AppError::NotFound,
            other => AppError::internal(other),
        })?;
    if is_staff(user) {
        return Ok(declaration);
    }
    let codes = member_municipalities(state, user).await?;
    if !codes.contains(&declaration.nis) {
        // Do not reveal that another municipality's declaration exists.
        return Err(AppError::NotFound);
    }
    Ok(declaration)
}

#[allow(clippy::too_many_arguments)]
async fn declaration_page(
    state: &AppState,
    lang: Lang,
    declaration: &service::Declaration,
    payload: &DeclarationPayload,
    problems: &[FieldProblem],
    csrf_token: &str,
    action: String,
    editable: bool,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let messages = service::messages(&state.db, declaration.id)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let thread: Vec<minijinja::Value> = messages
        .iter()
        .map(|m| {
            minijinja::context! {
                from_staff => m.from_staff,
                author => m.author_label,
                body => m.body,
                at => timestamp(m.created_at),
            }
        })
        .collect();
    let members = service::members_for(&state.db, &cell_codes(&declaration.nis, payload)).await?;
    let form = form_context(state, lang, &declaration.nis, payload, problems, &members);
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-declaration-title",
            action
                .trim_start_matches(&format!("/{}", lang.code()))
                .to_string(),
            "cartography",
        ),
        "registry/declaration.html",
        minijinja::context! {
            ..form,
            ..minijinja::context! {
                csrf => csrf_token,
                action => action,
                editable => editable,
                declaration_state => declaration.state,
                state_label => state.i18n.t(lang, &format!("registry-state-{}", declaration.state)),
                info_requested => declaration.state == "info-requested",
                decision_reason => declaration.decision_reason,
                thread => thread,
                notice => notice,
                can_save_draft => declaration.state == "draft",
                survey_title => None::<String>,
                survey_closes => None::<String>,
            }
        },
        status,
    ))
}

pub async fn declaration_form(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let declaration = load_declaration_for(&state, &user, &id).await?;
    if is_staff(&user) {
        return Ok(Redirect::to(&format!(
            "/{}/registry/declarations/{}",
            lang.code(),
            declaration.id
        ))
        .into_response());
    }
    let editable = matches!(declaration.state.as_str(), "draft" | "info-requested");
    declaration_page(
        &state,
        lang,
        &declaration,
        &declaration.payload,
        &[],
        &user.csrf_token,
        format!("/{}/livc-r/declarations/{}", lang.code(), declaration.id),
        editable,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn declaration_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let declaration = load_declaration_for(&state, &user, &id).await?;
    if is_staff(&user) {
        return Err(AppError::Forbidden {
            key: "error-forbidden",
        });
    }
    let (payload, mut problems) = payload_from_form(&form);
    let send = form.get("action") == "send";
    let action = format!("/{}/livc-r/declarations/{}", lang.code(), declaration.id);
    if problems.is_empty() {
        let actor = actor_of(&user, &ip);
        let result = service::update_declaration(
            &state.context(),
            &Author {
                actor: &actor,
                user_id: Some(user.user_id),
                label: &user.display_name,
                email: &user.email,
                language: lang,
                survey_invitation_id: None,
            },
            &state.geography(),
            &declaration,
            payload.clone(),
            send,
            Some(form.get("answer")),
        )
        .await;
        match result {
            Ok(()) if send => {
                return Ok(Redirect::to(&format!(
                    "/{}/livc-r/declarations/{}?sent=1",
                    lang.code(),
                    declaration.id
                ))
                .into_response());
            }
            Ok(()) => {
                let fresh = service::declaration(&state.db, declaration.id).await?;
                return declaration_page(
                    &state,
                    lang,
                    &fresh,
                    &fresh.payload,
                    &[],
                    &user.csrf_token,
                    action,
                    true,
                    Some(state.i18n.t(lang, "registry-draft-saved")),
                    StatusCode::OK,
                )
                .await;
            }
            Err(found) => problems = found,
        }
    }
    if problems.iter().any(|p| p.key == "error-internal") {
        return Err(AppError::internal("declaration not stored"));
    }
    declaration_page(
        &state,
        lang,
        &declaration,
        &payload,
        &problems,
        &user.csrf_token,
        action,
        true,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ------------------------------------------------------------------ survey links

fn link_problem_page(state: &AppState, lang: Lang, problem: LinkProblem) -> Response {
    let (key, status) = match problem {
        LinkProblem::Invalid => ("registry-survey-link-invalid", StatusCode::NOT_FOUND),
        LinkProblem::Closed => ("registry-survey-link-closed", StatusCode::GONE),
        LinkProblem::Answered => ("registry-survey-link-answered", StatusCode::OK),
    };
    render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-survey-title",
            "/cartography",
            "cartography",
        ),
        "registry/survey_message.html",
        minijinja::context! { message => state.i18n.t(lang, key), success => false },
        status,
    )
}

fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(cookie) = cookie
        && let Ok(value) = axum::http::HeaderValue::from_str(&cookie)
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[allow(clippy::too_many_arguments)]
async fn survey_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    token: &str,
    invitation: &service::Invitation,
    survey: &service::Survey,
    payload: &DeclarationPayload,
    problems: &[FieldProblem],
    open: Option<&service::Declaration>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (csrf_token, cookie) = csrf::anonymous_token(headers);
    let thread: Vec<minijinja::Value> = match open {
        Some(declaration) => service::messages(&state.db, declaration.id)
            .await
            .map_err(|e| AppError::internal(e.to_string()))?
            .iter()
            .map(|m| {
                minijinja::context! {
                    from_staff => m.from_staff, author => m.author_label,
                    body => m.body, at => timestamp(m.created_at),
                }
            })
            .collect(),
        None => vec![],
    };
    let members = service::members_for(&state.db, &cell_codes(&invitation.nis, payload)).await?;
    let form = form_context(state, lang, &invitation.nis, payload, problems, &members);
    let response = render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-survey-title",
            format!("/survey/{token}"),
            "cartography",
        ),
        "registry/declaration.html",
        minijinja::context! {
            ..form,
            ..minijinja::context! {
                csrf => csrf_token,
                action => format!("/{}/survey/{token}", lang.code()),
                editable => true,
                survey_title => survey.title,
                survey_closes => format_date(survey.closes_on),
                info_requested => open.is_some(),
                thread => thread,
                can_save_draft => false,
                declaration_state => None::<String>,
                state_label => None::<String>,
                decision_reason => None::<String>,
                notice => None::<String>,
            }
        },
        status,
    );
    let mut response = with_cookie(response, cookie);
    // The link is a credential: keep it out of referrers and shared caches.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

pub async fn survey_form(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let (invitation, survey) =
        match service::invitation_for_token(&state.db, &token, state.clock.today()).await? {
            Ok(found) => found,
            Err(problem) => return Ok(link_problem_page(&state, lang, problem)),
        };
    let open = service::open_declaration_for_invitation(&state.db, invitation.id).await?;
    let payload = match &open {
        Some(declaration) => declaration.payload.clone(),
        None => DeclarationPayload::from_registry(
            &state.registry(),
            &state.geography(),
            &invitation.nis,
            state.clock.today(),
        ),
    };
    survey_page(
        &state,
        &headers,
        lang,
        &token,
        &invitation,
        &survey,
        &payload,
        &[],
        open.as_ref(),
        StatusCode::OK,
    )
    .await
}

pub async fn survey_submit(
    State(state): State<AppState>,
    Path((lang, token)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = FormData::parse(&body);
    if !csrf::verify_anonymous(&headers, form.get("csrf")) {
        return Err(AppError::Forbidden { key: "error-csrf" });
    }
    let (invitation, survey) =
        match service::invitation_for_token(&state.db, &token, state.clock.today()).await? {
            Ok(found) => found,
            Err(problem) => return Ok(link_problem_page(&state, lang, problem)),
        };
    let open = service::open_declaration_for_invitation(&state.db, invitation.id).await?;
    let (payload, mut problems) = payload_from_form(&form);
    if problems.is_empty() {
        let actor = Actor::anonymous(&ip);
        let author = Author {
            actor: &actor,
            user_id: None,
            label: &invitation.email,
            email: &invitation.email,
            language: lang,
            survey_invitation_id: Some(invitation.id),
        };
        let ctx = state.context();
        let geography = state.geography();
        let result = match &open {
            Some(declaration) => {
                service::update_declaration(
                    &ctx,
                    &author,
                    &geography,
                    declaration,
                    payload.clone(),
                    true,
                    Some(form.get("answer")),
                )
                .await
            }
            None => service::create_declaration(
                &ctx,
                &author,
                &geography,
                &invitation.nis,
                payload.clone(),
                true,
            )
            .await
            .map(|_| ()),
        };
        match result {
            Ok(()) => {
                return Ok(render_with_status(
                    &state,
                    &PageMeta::new(
                        &state.i18n,
                        lang,
                        "registry-survey-title",
                        "/cartography",
                        "cartography",
                    ),
                    "registry/survey_message.html",
                    minijinja::context! {
                        message => state.i18n.t(lang, "registry-survey-thanks"),
                        success => true,
                    },
                    StatusCode::OK,
                ));
            }
            Err(found) => problems = found,
        }
    }
    if problems.iter().any(|p| p.key == "error-internal") {
        return Err(AppError::internal("survey answer not stored"));
    }
    survey_page(
        &state,
        &headers,
        lang,
        &token,
        &invitation,
        &survey,
        &payload,
        &problems,
        open.as_ref(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ------------------------------------------------------------------ staff

fn reviewer<'a>(user: &'a SessionUser, actor: &'a Actor) -> Reviewer<'a> {
    Reviewer {
        actor,
        user_id: user.user_id,
        label: &user.display_name,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LookupParams {
    q: Option<String>,
}

pub async fn queue(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<LookupParams>,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let geography = state.geography();
    let today = state.clock.today();
    let query = params.q.unwrap_or_default();
    let mut lookup_error = None;
    if !query.trim().is_empty() {
        let filter = crate::geo::domain::MunicipalityFilter {
            query: Some(query.chars().take(100).collect()),
            ..Default::default()
        };
        match geography.search(&filter, today, lang).first() {
            Some(m) => {
                return Ok(Redirect::to(&format!(
                    "/{}/registry/municipalities/{}",
                    lang.code(),
                    m.nis
                ))
                .into_response());
            }
            None => lookup_error = Some(state.i18n.t(lang, "geo-no-results")),
        }
    }
    let pending =
        service::declarations_in_states(&state.db, &["submitted", "info-requested"], None, None)
            .await
            .map_err(|e| AppError::internal(e.to_string()))?;
    let recent = service::declarations_in_states(&state.db, &["accepted", "rejected"], None, None)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let registry = state.registry();
    let mergers = super::domain::merger_proposals(&registry, &geography).len();
    Ok(render_with_status(
        &state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-queue-title",
            "/registry",
            "cartography",
        ),
        "registry/queue.html",
        minijinja::context! {
            pending => declaration_rows(&state, lang, &pending),
            recent => declaration_rows(&state, lang, &recent.into_iter().take(20).collect::<Vec<_>>()),
            mergers => mergers,
            can_manage => crate::registry::MANAGE_REGISTRY.granted_to(user.role),
            query => query,
            lookup_error => lookup_error,
        },
        StatusCode::OK,
    ))
}

async fn review_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    declaration: &service::Declaration,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let registry = state.registry();
    let today = state.clock.today();
    let current = registry.picture(&geography, today);
    let members: Vec<minijinja::Value> = std::iter::once(&declaration.nis)
        .chain(declaration.payload.joint_with.iter())
        .map(|nis| {
            let entry = current.entry(nis);
            let status = entry.map(|e| e.status).unwrap_or(Status::Unknown);
            minijinja::context! {
                nis => nis,
                name => geography.municipality(nis).map(|m| m.display_name(lang)),
                status_label => state.i18n.t(lang, status.label_key()),
                cell => entry.and_then(|e| e.cell_id).and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
            }
        })
        .collect();
    let messages = service::messages(&state.db, declaration.id)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let payload = &declaration.payload;
    let coordinator_account = match payload.coordinator_account {
        Some(id) => service::account_label(&state.db, id).await?,
        None => None,
    };
    let information_officer_account = match payload.information_officer_account {
        Some(id) => service::account_label(&state.db, id).await?,
        None => None,
    };
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-review-title",
            format!("/registry/declarations/{}", declaration.id),
            "cartography",
        ),
        "registry/review.html",
        minijinja::context! {
            csrf => user.csrf_token,
            d => declaration,
            name => geography.municipality(&declaration.nis).map(|m| m.display_name(lang)),
            state_label => state.i18n.t(lang, &format!("registry-state-{}", declaration.state)),
            situation => if payload.situation.is_empty() { String::new() } else { state.i18n.t(lang, &format!("registry-situation-{}", payload.situation)) },
            frequency => state.i18n.t(lang, &format!("registry-frequency-{}", if MEETING_FREQUENCIES.contains(&payload.meeting_frequency.as_str()) { payload.meeting_frequency.as_str() } else { "unknown" })),
            services => payload.services.iter().filter(|s| SERVICES.contains(&s.as_str())).map(|s| state.i18n.t(lang, &format!("registry-service-{s}"))).collect::<Vec<_>>(),
            founded => payload.founded_on.map(format_date),
            rules => payload.rules_adopted_on.map(format_date),
            members => members,
            submitted => declaration.submitted_at.map(timestamp),
            open => matches!(declaration.state.as_str(), "submitted" | "info-requested"),
            can_ask => declaration.state == "submitted",
            effective_value => service::proposed_effective_date(&registry, declaration, state.clock.today()).to_string(),
            thread => messages.iter().map(|m| minijinja::context! {
                from_staff => m.from_staff, author => m.author_label, body => m.body, at => timestamp(m.created_at),
            }).collect::<Vec<_>>(),
            error => error,
            via_survey => declaration.survey_invitation_id.is_some(),
            coordinator_account => coordinator_account,
            information_officer_account => information_officer_account,
        },
        status,
    ))
}

pub async fn review(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let declaration = load_declaration_for(&state, &user, &id).await?;
    if declaration.state == "draft" {
        // Drafts are the municipality's own business until sent.
        return Err(AppError::NotFound);
    }
    review_page(&state, lang, &user, &declaration, None, StatusCode::OK).await
}

pub async fn review_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let declaration = load_declaration_for(&state, &user, &id).await?;
    if declaration.state == "draft" {
        return Err(AppError::NotFound);
    }
    let decision = match form.get("decision") {
        "accept" => match parse_date(form.get("effective_on")) {
            Ok(Some(date)) => Decision::Accept { effective_on: date },
            _ => {
                let message = state.i18n.t(lang, "registry-error-date-invalid");
                return review_page(
                    &state,
                    lang,
                    &user,
                    &declaration,
                    Some(message),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
        "ask" => Decision::AskMore {
            question: form.get("message"),
        },
        "reject" => Decision::Reject {
            reason: form.get("message"),
        },
        _ => return Err(AppError::bad_request("error-bad-request", "decision")),
    };
    let actor = actor_of(&user, &ip);
    let result = service::decide(
        &state.context(),
        &reviewer(&user, &actor),
        &state.registry(),
        &state.geography(),
        &declaration,
        decision,
        lang,
    )
    .await;
    match result {
        Ok(()) => {
            state.freshen().await?;
            Ok(Redirect::to(&format!(
                "/{}/registry?done={}",
                lang.code(),
                declaration.id
            ))
            .into_response())
        }
        Err(error) => {
            let message = registry_error(&state, lang, &error)?;
            review_page(
                &state,
                lang,
                &user,
                &declaration,
                Some(message),
                if matches!(
                    error,
                    RegistryError::Overlap { .. } | RegistryError::StateChanged
                ) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
            )
            .await
        }
    }
}

fn cell_choices(state: &AppState, selected: Option<i64>) -> Vec<minijinja::Value> {
    let registry = state.registry();
    let mut cells: Vec<&super::domain::Cell> = registry.cells().collect();
    cells.sort_by_cached_key(|c| crate::core::text::collation_key(&c.name));
    cells
        .into_iter()
        .map(|c| minijinja::context! { id => c.id, name => c.name, selected => Some(c.id) == selected })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn municipality_registry_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    nis: &str,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
    kept: Option<&FormData>,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let municipality = geography.municipality(nis).ok_or(AppError::NotFound)?;
    let registry = state.registry();
    let today = state.clock.today();
    let day = municipality.last_day_until(today);
    let picture = registry.picture(&geography, day);
    let entry = picture.entry(nis);
    let current = entry.map(|e| e.status).unwrap_or(Status::Unknown);
    let history: Vec<minijinja::Value> = registry
        .history(nis)
        .iter()
        .rev()
        .map(|o| {
            minijinja::context! {
                date => format_date(o.effective_on),
                status => state.i18n.t(lang, &format!("registry-observed-{}", o.status.code())),
                cell => o.cell_id.and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
                cell_id => o.cell_id,
                source => state.i18n.t(lang, o.source.label_key()),
                reference => o.source_reference,
                recorded_by => o.recorded_by_label,
                recorded_at => timestamp(o.recorded_at),
                declaration_id => o.declaration_id,
                in_force => entry.and_then(|e| e.observation_id) == Some(o.id),
            }
        })
        .collect();
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-municipality-title",
            format!("/registry/municipalities/{nis}"),
            "cartography",
        ),
        "registry/municipality.html",
        minijinja::context! {
            csrf => user.csrf_token,
            nis => nis,
            name => municipality.display_name(lang),
            valid_today => municipality.is_valid_on(today),
            status_label => state.i18n.t(lang, current.label_key()),
            cell => entry.and_then(|e| e.cell_id).and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
            since => entry.and_then(|e| e.since).map(format_date),
            history => history,
            observed => Observed::ALL.iter().map(|o| minijinja::context! {
                code => o.code(), label => state.i18n.t(lang, &format!("registry-observed-{}", o.code())),
            }).collect::<Vec<_>>(),
            sources => Source::ALL.iter().filter(|s| **s != Source::Merger).map(|s| minijinja::context! {
                code => s.code(), label => state.i18n.t(lang, s.label_key()),
            }).collect::<Vec<_>>(),
            cells => cell_choices(
                state,
                match kept {
                    Some(form) => form.get("cell").parse().ok(),
                    None => entry.and_then(|e| e.cell_id),
                },
            ),
            today_value => today.to_string(),
            kept => minijinja::context! {
                effective_on => kept.map(|f| f.get("effective_on").to_string()).unwrap_or_else(|| today.to_string()),
                status => kept.map(|f| f.get("status").to_string()).unwrap_or_default(),
                source => kept.map(|f| f.get("source").to_string()).unwrap_or_default(),
                new_cell => kept.map(|f| f.get("new_cell").to_string()).unwrap_or_default(),
                source_reference => kept.map(|f| f.get("source_reference").to_string()).unwrap_or_default(),
            },
            error => error,
            notice => notice,
        },
        status,
    ))
}

pub async fn municipality_registry(
    State(state): State<AppState>,
    Path((lang, nis)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    municipality_registry_page(&state, lang, &user, &nis, None, None, StatusCode::OK, None).await
}

pub async fn record_observation(
    State(state): State<AppState>,
    Path((lang, nis)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let geography = state.geography();
    geography.municipality(&nis).ok_or(AppError::NotFound)?;
    let fail = |key: &str| Some(state.i18n.t(lang, key));
    let mut error = None;
    let effective_on = match parse_date(form.get("effective_on")) {
        Ok(Some(date)) => Some(date),
        _ => {
            error = fail("registry-error-date-invalid");
            None
        }
    };
    let status = Observed::from_code(form.get("status"));
    let source = Source::from_code(form.get("source")).filter(|s| *s != Source::Merger);
    if status.is_none() || source.is_none() {
        error = error.or_else(|| fail("registry-error-observation-incomplete"));
    }
    let reference = crate::core::text::nfc(form.get("source_reference").trim());
    if reference.chars().count() > 200 {
        error = error.or_else(|| fail("registry-error-too-long"));
    }
    if crate::core::text::contains_national_number(&reference) {
        error = error.or_else(|| fail("registry-error-personal-data"));
    }
    let actor = actor_of(&user, &ip);
    let ctx = state.context();
    // "No LIVC-R" and "unknown" have no cell: a cell still selected in the form is ignored.
    let without_cell = matches!(status, Some(Observed::None | Observed::Unknown));
    let cell_id: Option<i64> = match form.get("cell") {
        _ if without_cell => None,
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) if state.registry().cell(id).is_some() => Some(id),
            _ => {
                error = error.or_else(|| fail("registry-error-cell-unknown"));
                None
            }
        },
    };
    let new_cell_name = if without_cell {
        String::new()
    } else {
        form.get("new_cell").trim().to_string()
    };
    if let (None, Some(status), Some(effective_on), Some(source)) =
        (&error, status, effective_on, source)
    {
        let new_cell = (cell_id.is_none()
            && !new_cell_name.is_empty()
            && status != Observed::None
            && status != Observed::Unknown)
            .then_some(new_cell_name.as_str());
        let observation = NewObservation {
            nis: nis.clone(),
            effective_on,
            status,
            cell_id,
            source,
            source_reference: reference,
        };
        match service::record_observation(
            &ctx,
            &Recorder {
                actor: &actor,
                label: &user.display_name,
            },
            &state.registry(),
            &geography,
            observation,
            new_cell,
            lang,
        )
        .await
        {
            Ok(()) => {
                state.freshen().await?;
                let notice = state.i18n.t(lang, "registry-observation-recorded");
                return municipality_registry_page(
                    &state,
                    lang,
                    &user,
                    &nis,
                    None,
                    Some(notice),
                    StatusCode::OK,
                    None,
                )
                .await;
            }
            Err(e) => error = Some(registry_error(&state, lang, &e)?),
        }
    }
    municipality_registry_page(
        &state,
        lang,
        &user,
        &nis,
        error,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(&form),
    )
    .await
}

async fn cells_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let registry = state.registry();
    let today = state.clock.today();
    let mut cells: Vec<&super::domain::Cell> = registry.cells().collect();
    cells.sort_by_cached_key(|c| crate::core::text::collation_key(&c.name));
    let rows: Vec<minijinja::Value> = cells
        .iter()
        .map(|c| {
            let lifecycle = registry.lifecycle(&geography, c.id, today);
            minijinja::context! {
                id => c.id,
                name => c.name,
                lifecycle => state.i18n.t(lang, lifecycle.label_key()),
                members => registry.members_of(&geography, c.id, today).len(),
            }
        })
        .collect();
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-cells-title",
            "/registry/cells",
            "cartography",
        ),
        "registry/cells.html",
        minijinja::context! { csrf => user.csrf_token, cells => rows, error => error },
        status,
    ))
}

pub async fn cells(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    cells_page(&state, lang, &user, None, StatusCode::OK).await
}

pub async fn create_cell(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let actor = actor_of(&user, &ip);
    match service::create_cell(&state.context(), &reviewer(&user, &actor), form.get("name")).await {
        Ok(id) => {
            state.freshen().await?;
            Ok(Redirect::to(&format!("/{}/registry/cells/{id}", lang.code())).into_response())
        }
        Err(error) => {
            let message = registry_error(&state, lang, &error)?;
            cells_page(
                &state,
                lang,
                &user,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn cell_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    payload: Option<&DeclarationPayload>,
    problems: &[FieldProblem],
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let registry = state.registry();
    let cell = registry.cell(id).ok_or(AppError::NotFound)?;
    let today = state.clock.today();
    let members: Vec<minijinja::Value> = registry
        .members_of(&geography, id, today)
        .iter()
        .filter_map(|nis| {
            let m = geography.municipality(nis)?;
            Some(minijinja::context! { nis => nis, name => m.display_name(lang) })
        })
        .collect();
    let current = DeclarationPayload {
        situation: "own".into(),
        cell_name: cell.name.clone(),
        joint_with: vec![],
        founded_on: cell.founded_on,
        rules_adopted: cell.rules_adopted,
        rules_adopted_on: cell.rules_adopted_on,
        meeting_frequency: cell.meeting_frequency.clone(),
        services: cell.services.clone(),
        coordinator_contact: cell.coordinator_contact.clone(),
        information_officer_contact: cell.information_officer_contact.clone(),
        coordinator_account: cell.coordinator_user_id,
        information_officer_account: cell.information_officer_user_id,
        contact_consent: !cell.coordinator_contact.is_empty()
            || !cell.information_officer_contact.is_empty()
            || cell.coordinator_user_id.is_some()
            || cell.information_officer_user_id.is_some(),
        remarks: cell.remarks.clone(),
    };
    let payload = payload.unwrap_or(&current);
    let codes = registry.members_of(&geography, id, today);
    let accounts = service::members_for(&state.db, &codes).await?;
    let form = form_context(state, lang, "", payload, problems, &accounts);
    let lifecycle: Lifecycle = registry.lifecycle(&geography, id, today);
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-cell-title",
            format!("/registry/cells/{id}"),
            "cartography",
        ),
        "registry/cell.html",
        minijinja::context! {
            ..form,
            ..minijinja::context! {
                csrf => user.csrf_token,
                id => id,
                cell_name => cell.name,
                lifecycle => state.i18n.t(lang, lifecycle.label_key()),
                members => members,
                notice => notice,
            }
        },
        status,
    ))
}

pub async fn cell(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    cell_page(&state, lang, &user, id, None, &[], None, StatusCode::OK).await
}

pub async fn cell_submit(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let (mut payload, mut problems) = payload_from_form(&form);
    payload.situation = "own".into();
    payload.joint_with.clear();
    if problems.is_empty() {
        let actor = actor_of(&user, &ip);
        match service::update_cell(
            &state.context(),
            &reviewer(&user, &actor),
            &state.registry(),
            &state.geography(),
            id,
            &payload,
        )
        .await
        {
            Ok(()) => {
                state.freshen().await?;
                let notice = state.i18n.t(lang, "registry-cell-saved");
                return cell_page(
                    &state,
                    lang,
                    &user,
                    id,
                    None,
                    &[],
                    Some(notice),
                    StatusCode::OK,
                )
                .await;
            }
            Err(found) => problems = found,
        }
    }
    if problems.iter().any(|p| p.key == "error-not-found") {
        return Err(AppError::NotFound);
    }
    if problems.iter().any(|p| p.key == "error-internal") {
        return Err(AppError::internal("cell not stored"));
    }
    cell_page(
        &state,
        lang,
        &user,
        id,
        Some(&payload),
        &problems,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn mergers_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let registry = state.registry();
    let proposals = super::domain::merger_proposals(&registry, &geography);
    let rows: Vec<minijinja::Value> = proposals
        .iter()
        .filter_map(|p| {
            let m = geography.municipality(&p.successor_nis)?;
            Some(minijinja::context! {
                nis => p.successor_nis,
                name => m.display_name(lang),
                date => format_date(p.effective_on),
                predecessors => p.predecessors.iter().map(|(nis, status, cell)| minijinja::context! {
                    name => geography.municipality(nis).map(|m| m.display_name(lang)),
                    status => state.i18n.t(lang, if *status == Status::Joint { "registry-merger-in-cell" } else { status.label_key() }),
                    cell => cell.and_then(|id| registry.cell(id)).map(|c| c.name.clone()),
                }).collect::<Vec<_>>(),
                proposed => p.proposed.code(),
                observed => Observed::ALL.iter().map(|o| minijinja::context! {
                    code => o.code(),
                    label => state.i18n.t(lang, &format!("registry-observed-{}", o.code())),
                    selected => *o == p.proposed,
                }).collect::<Vec<_>>(),
                cells => cell_choices(state, p.proposed_cell),
            })
        })
        .collect();
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-mergers-title",
            "/registry/mergers",
            "cartography",
        ),
        "registry/mergers.html",
        minijinja::context! {
            csrf => user.csrf_token, proposals => rows, error => error, notice => notice,
        },
        status,
    ))
}

pub async fn mergers(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    mergers_page(&state, lang, &user, None, None, StatusCode::OK).await
}

pub async fn merger_submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let Some(status) = Observed::from_code(form.get("status")) else {
        let message = state.i18n.t(lang, "registry-error-observation-incomplete");
        return mergers_page(
            &state,
            lang,
            &user,
            Some(message),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let cell_id = form.get("cell").parse::<i64>().ok();
    let actor = actor_of(&user, &ip);
    match service::confirm_merger(
        &state.context(),
        &reviewer(&user, &actor),
        &state.registry(),
        &state.geography(),
        form.get("nis"),
        status,
        cell_id,
        lang,
    )
    .await
    {
        Ok(()) => {
            state.freshen().await?;
            let notice = state.i18n.t(lang, "registry-merger-confirmed");
            mergers_page(&state, lang, &user, None, Some(notice), StatusCode::OK).await
        }
        Err(error) => {
            let message = registry_error(&state, lang, &error)?;
            mergers_page(
                &state,
                lang,
                &user,
                Some(message),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn snapshot_form_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    date: &str,
    title: &str,
    method: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-snapshot-form-title",
            "/registry/snapshots",
            "cartography",
        ),
        "registry/snapshot_form.html",
        minijinja::context! {
            csrf => user.csrf_token,
            date => date,
            title => title,
            method => method,
            error => error,
            today_value => state.clock.today().to_string(),
        },
        status,
    )
}

pub async fn snapshot_form(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let today = state.clock.today();
    let title = state.i18n.t_args(
        lang,
        "registry-snapshot-default-title",
        &[("date", fluent_bundle::FluentValue::from(format_date(today)))],
    );
    let method = state.i18n.t(lang, "registry-snapshot-default-method");
    Ok(snapshot_form_page(
        &state,
        lang,
        &user,
        &today.to_string(),
        &title,
        &method,
        None,
        StatusCode::OK,
    ))
}

pub async fn snapshot_submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let refuse = |key: &str| {
        snapshot_form_page(
            &state,
            lang,
            &user,
            form.get("date"),
            form.get("title"),
            form.get("method"),
            Some(state.i18n.t(lang, key)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let date = match crate::geo::parse_date_param(Some(form.get("date")), state.clock.today()) {
        Ok(date) if !form.get("date").trim().is_empty() => date,
        Ok(_) => return Ok(refuse("registry-error-date-invalid")),
        Err(key) => return Ok(refuse(key)),
    };
    let actor = actor_of(&user, &ip);
    match service::publish_snapshot(
        &state.context(),
        &reviewer(&user, &actor),
        &state.registry(),
        &state.geography(),
        date,
        form.get("title"),
        form.get("method"),
    )
    .await
    {
        Ok(id) => {
            state.freshen().await?;
            Ok(
                Redirect::to(&format!("/{}/cartography/snapshots/{id}", lang.code()))
                    .into_response(),
            )
        }
        Err(error) => {
            let message = registry_error(&state, lang, &error)?;
            Ok(snapshot_form_page(
                &state,
                lang,
                &user,
                form.get("date"),
                form.get("title"),
                form.get("method"),
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

async fn surveys_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let list = service::surveys(&state.db, state.clock.today()).await?;
    let rows: Vec<minijinja::Value> = list
        .iter()
        .map(|s| {
            minijinja::context! {
                id => s.id, title => s.title,
                scope => state.i18n.t(lang, &format!("registry-scope-{}", s.scope)),
                closes => format_date(s.closes_on), closed => s.closed,
                created => timestamp(s.created_at),
            }
        })
        .collect();
    let closes_default = (state.clock.today() + chrono::Duration::days(30)).to_string();
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-surveys-title",
            "/registry/surveys",
            "cartography",
        ),
        "registry/surveys.html",
        minijinja::context! {
            csrf => user.csrf_token,
            surveys => rows,
            scopes => service::SURVEY_SCOPES.iter().map(|s| minijinja::context! {
                code => s, label => state.i18n.t(lang, &format!("registry-scope-{s}")),
            }).collect::<Vec<_>>(),
            closes_default => closes_default,
            error => error,
        },
        status,
    ))
}

pub async fn surveys(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    surveys_page(&state, lang, &user, None, StatusCode::OK).await
}

pub async fn survey_launch(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let closes_on = match parse_date(form.get("closes_on")) {
        Ok(Some(date)) => date,
        _ => {
            let message = state.i18n.t(lang, "registry-error-date-invalid");
            return surveys_page(
                &state,
                lang,
                &user,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = actor_of(&user, &ip);
    match service::launch_survey(
        &state.context(),
        &reviewer(&user, &actor),
        &state.registry(),
        &state.geography(),
        form.get("title"),
        form.get("scope"),
        closes_on,
    )
    .await
    {
        Ok((id, _)) => {
            Ok(Redirect::to(&format!("/{}/registry/surveys/{id}", lang.code())).into_response())
        }
        Err(error) => {
            let message = registry_error(&state, lang, &error)?;
            surveys_page(
                &state,
                lang,
                &user,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn one_survey_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    survey: &service::Survey,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let geography = state.geography();
    let invitations = service::invitations(&state.db, survey.id).await?;
    let registry = state.registry();
    let scope = service::survey_scope(
        &survey.scope,
        &registry,
        &geography,
        survey.created_at.date_naive(),
    )
    .unwrap_or_default();
    // Response rate per region, counted in municipalities (one answer is enough).
    let mut regions: Vec<minijinja::Value> = vec![];
    for region in crate::geo::Region::ALL {
        let in_region = |nis: &str| {
            geography
                .municipality(nis)
                .is_some_and(|m| m.region == region)
        };
        let invited: std::collections::BTreeSet<&str> = invitations
            .iter()
            .filter(|i| in_region(&i.nis))
            .map(|i| i.nis.as_str())
            .collect();
        let answered: std::collections::BTreeSet<&str> = invitations
            .iter()
            .filter(|i| in_region(&i.nis) && i.answered_at.is_some())
            .map(|i| i.nis.as_str())
            .collect();
        let in_scope = scope.iter().filter(|n| in_region(n)).count();
        if in_scope == 0 && invited.is_empty() {
            continue;
        }
        regions.push(minijinja::context! {
            label => crate::geo::region_label(state, lang, region),
            in_scope => in_scope,
            invited => invited.len(),
            answered => answered.len(),
            rate => crate::core::i18n::format_percent(lang, if invited.is_empty() { 0.0 } else { answered.len() as f64 / invited.len() as f64 }, 0),
        });
    }
    let rows: Vec<minijinja::Value> = invitations
        .iter()
        .map(|i| {
            minijinja::context! {
                name => geography.municipality(&i.nis).map(|m| m.display_name(lang)),
                nis => i.nis,
                email => i.email,
                sent => timestamp(i.sent_at),
                reminded => i.reminded_at.map(timestamp),
                answered => i.answered_at.map(timestamp),
            }
        })
        .collect();
    let reached: std::collections::BTreeSet<&str> =
        invitations.iter().map(|i| i.nis.as_str()).collect();
    let unreached: Vec<minijinja::Value> = scope
        .iter()
        .filter(|n| !reached.contains(n.as_str()))
        .filter_map(|n| geography.municipality(n))
        .map(|m| minijinja::context! { nis => m.nis, name => m.display_name(lang) })
        .collect();
    Ok(render_with_status(
        state,
        &PageMeta::new(
            &state.i18n,
            lang,
            "registry-survey-title",
            format!("/registry/surveys/{}", survey.id),
            "cartography",
        ),
        "registry/survey.html",
        minijinja::context! {
            csrf => user.csrf_token,
            survey => survey,
            scope => state.i18n.t(lang, &format!("registry-scope-{}", survey.scope)),
            closes => format_date(survey.closes_on),
            regions => regions,
            invitations => rows,
            unreached => unreached,
            notice => notice,
            error => error,
        },
        status,
    ))
}

pub async fn survey_overview(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let survey = service::survey(&state.db, id, state.clock.today())
        .await?
        .ok_or(AppError::NotFound)?;
    one_survey_page(&state, lang, &user, &survey, None, None, StatusCode::OK).await
}

pub async fn survey_action(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    ClientIp(ip): ClientIp,
    body: String,
) -> Result<Response, AppError> {
    let lang = lang_from_path(&lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let form = FormData::parse(&body);
    csrf::require_session_token(form.get("csrf"), &user)?;
    let survey = service::survey(&state.db, id, state.clock.today())
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = actor_of(&user, &ip);
    let ctx = state.context();
    let result = match form.get("action") {
        "remind" => {
            service::remind_survey(&ctx, &reviewer(&user, &actor), &state.geography(), &survey)
                .await
                .map(|count| {
                    state.i18n.t_args(
                        lang,
                        "registry-survey-reminded",
                        &[("count", fluent_bundle::FluentValue::from(count))],
                    )
                })
        }
        "close" => service::close_survey(&ctx, &reviewer(&user, &actor), survey.id)
            .await
            .map(|()| state.i18n.t(lang, "registry-survey-closed")),
        _ => return Err(AppError::bad_request("error-bad-request", "action")),
    };
    let survey = service::survey(&state.db, id, state.clock.today())
        .await?
        .ok_or(AppError::NotFound)?;
    match result {
        Ok(notice) => {
            one_survey_page(
                &state,
                lang,
                &user,
                &survey,
                Some(notice),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(error) => {
            let message = registry_error(&state, lang, &error)?;
            one_survey_page(
                &state,
                lang,
                &user,
                &survey,
                None,
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
