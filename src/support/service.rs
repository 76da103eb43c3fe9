//! Support requests: intake (signed-in members at once; anyone else after confirming their
//! email address, with spam limits), handling by the Radix Team through allowed transitions
//! only, the conversation, and the suggestion of an advisor. Every change is written with
//! its audit entry and its emails in one transaction.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

use super::domain::{Action, Answers, Kind, Problem, State, check_answers, transition};
use super::store::{self, Change, NewMessage, NewRequestRow, RequestRow};
use crate::core::audit::{self, Actor, Entry};
use crate::core::auth::Role;
use crate::core::auth::password::{random_token, token_hash};
use crate::core::db::{Db, DbError};
use crate::core::email;
use crate::core::i18n::{Lang, format_date};
use crate::core::text::{contains_national_number, nfc};
use crate::geo::Geography;
use crate::identity::service::Context;

/// Anonymous senders: at most this many requests per hour from one address or mailbox.
const MAX_PER_IP_PER_HOUR: i64 = 5;
const MAX_PER_EMAIL_PER_HOUR: i64 = 3;
const MAX_MESSAGE_CHARS: usize = 4000;

#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    NotAllowed,
    #[error("input")]
    Input(Vec<Problem>),
    #[error("this step is not possible from the current state")]
    NotNow,
    #[error("too many requests")]
    TooMany,
    #[error("database: {0}")]
    Database(#[from] DbError),
}

fn problem(field: &'static str, key: &'static str) -> SupportError {
    SupportError::Input(vec![Problem { field, key }])
}

/// A request as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: i64,
    pub reference: String,
    pub kind: Kind,
    pub state: State,
    pub language: Lang,
    pub municipalities: Vec<String>,
    pub answers: Answers,
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

fn request_from_row(row: RequestRow) -> Option<Request> {
    Some(Request {
        id: row.id,
        reference: row.reference,
        kind: Kind::from_code(&row.kind)?,
        state: State::from_code(&row.state)?,
        language: Lang::from_code(&row.language).unwrap_or(Lang::Nl),
        municipalities: row
            .municipalities
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        answers: serde_json::from_str(&row.payload).unwrap_or_default(),
        requester_user_id: row.requester_user_id,
        requester_name: row.requester_name,
        requester_email: row.requester_email,
        requester_organisation: row.requester_organisation,
        assigned_to: row.assigned_to,
        planned_on: row.planned_on,
        outcome: row.outcome,
        created_at: row.created_at,
        confirmed_at: row.confirmed_at,
        first_answer_at: row.first_answer_at,
        closed_at: row.closed_at,
    })
}

impl Request {
    /// Waiting for a first answer beyond the target (working days from confirmation).
    pub fn overdue(&self, target_days: u32, today: NaiveDate) -> bool {
        self.state.is_open()
            && self.first_answer_at.is_none()
            && self.confirmed_at.is_some_and(|at| {
                let local = (at + crate::core::clock::brussels_offset(at)).date_naive();
                super::domain::add_working_days(local, target_days) < today
            })
    }
}

pub async fn request(db: &Db, id: i64) -> Result<Request, SupportError> {
    store::by_id(db, id)
        .await?
        .and_then(request_from_row)
        .ok_or(SupportError::NotFound)
}

pub async fn request_by_follow_token(db: &Db, token: &str) -> Result<Request, SupportError> {
    if token.len() > 100 {
        return Err(SupportError::NotFound);
    }
    store::by_follow_token(db, &token_hash(token))
        .await?
        .and_then(request_from_row)
        .ok_or(SupportError::NotFound)
}

pub use super::store::ListFilter;

pub async fn list(
    db: &Db,
    filter: &ListFilter<'_>,
    limit: u64,
) -> Result<Vec<Request>, SupportError> {
    list_page(db, filter, limit, 0).await
}

/// One page of a list, newest first.
pub async fn list_page(
    db: &Db,
    filter: &ListFilter<'_>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Request>, SupportError> {
    Ok(store::list(db, filter, limit, offset)
        .await?
        .into_iter()
        .filter_map(request_from_row)
        .collect())
}

/// How many requests a filter matches.
pub async fn count(db: &Db, filter: &ListFilter<'_>) -> Result<i64, SupportError> {
    Ok(store::count(db, filter).await?)
}

/// Open requests per assigned advisor.
pub async fn workload(db: &Db) -> Result<std::collections::HashMap<i64, i64>, SupportError> {
    Ok(store::workload(db).await?.into_iter().collect())
}

/// The support revision: it moves with every change to a request, meeting or action.
pub async fn revision(db: &Db) -> Result<i64, SupportError> {
    Ok(store::revision(db).await?)
}

/// How many open requests have a (state, kind, region).
pub type OpenCount = (String, String, String, i64);

/// Open requests counted by (state, kind, region).
pub async fn open_counts(db: &Db) -> Result<Vec<OpenCount>, SupportError> {
    Ok(store::open_counts(db).await?)
}

/// The instant before which an unanswered request is overdue today: confirmed on a day from
/// which `target_days` working days have already passed.
pub fn overdue_cutoff(target_days: u32, today: NaiveDate) -> DateTime<Utc> {
    let mut day = today;
    while super::domain::add_working_days(day, target_days) >= today {
        day = day.pred_opt().unwrap_or(day);
    }
    let next = day
        .succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    next - crate::core::clock::brussels_offset(next)
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub internal: bool,
    pub from_staff: bool,
    pub author_label: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub async fn messages(
    db: &Db,
    request_id: i64,
    with_internal: bool,
) -> Result<Vec<Message>, SupportError> {
    Ok(store::messages(db, request_id, with_internal)
        .await?
        .into_iter()
        .map(|m| Message {
            internal: m.internal,
            from_staff: m.from_staff,
            author_label: m.author_label,
            body: m.body,
            created_at: m.created_at,
        })
        .collect())
}

/// Who sends a request.
pub enum Requester<'a> {
    /// A signed-in municipal member, for some of their own municipalities.
    Member {
        user_id: i64,
        name: &'a str,
        email: &'a str,
        municipalities: &'a [String],
    },
    /// Anyone else: confirmed by a link sent to the address.
    Visitor {
        name: &'a str,
        email: &'a str,
        organisation: &'a str,
    },
}

pub struct NewRequest<'a> {
    /// Some municipalities typed by a visitor were not recognised.
    pub unknown_municipalities: bool,
    pub kind: Kind,
    pub language: Lang,
    pub municipalities: Vec<String>,
    pub answers: Answers,
    pub ip: &'a str,
}

/// What the requester is told after sending.
#[derive(Debug)]
pub enum Submitted {
    /// A member's request: registered at once.
    Registered { id: i64, reference: String },
    /// A visitor's request: waiting for the email address to be confirmed.
    AwaitingConfirmation,
}

pub async fn submit(
    ctx: &Context<'_>,
    geography: &Geography,
    requester: Requester<'_>,
    input: NewRequest<'_>,
) -> Result<Submitted, SupportError> {
    let today = ctx.today();
    let (answers, mut problems) = check_answers(input.kind, &input.answers);
    let mut codes = input.municipalities.clone();
    codes.sort();
    codes.dedup();
    if codes.is_empty() || input.unknown_municipalities {
        problems.push(Problem {
            field: "municipalities",
            key: "support-error-municipality",
        });
    }
    if codes.iter().any(|c| {
        !geography
            .municipality(c)
            .is_some_and(|m| m.is_valid_on(today))
    }) {
        problems.push(Problem {
            field: "municipalities",
            key: "support-error-municipality",
        });
    }
    let (name, email, organisation, user_id) = match &requester {
        Requester::Member {
            user_id,
            name,
            email,
            municipalities,
        } => {
            if codes.iter().any(|c| !municipalities.contains(c)) {
                return Err(SupportError::NotAllowed);
            }
            (
                name.to_string(),
                email.to_string(),
                String::new(),
                Some(*user_id),
            )
        }
        Requester::Visitor {
            name,
            email,
            organisation,
        } => {
            let name = match crate::identity::domain::normalise_name(name) {
                Ok(name) => name,
                Err(_) => {
                    problems.push(Problem {
                        field: "name",
                        key: "support-error-name",
                    });
                    String::new()
                }
            };
            let email = match crate::identity::domain::normalise_email(email) {
                Ok((email, _)) => email,
                Err(_) => {
                    problems.push(Problem {
                        field: "email",
                        key: "support-error-email",
                    });
                    String::new()
                }
            };
            let organisation = nfc(organisation.trim());
            if organisation.chars().count() > 200 || contains_national_number(&organisation) {
                problems.push(Problem {
                    field: "organisation",
                    key: "support-error-too-long",
                });
            }
            (name, email, organisation, None)
        }
    };
    if !problems.is_empty() {
        return Err(SupportError::Input(problems));
    }
    if user_id.is_none() {
        let (by_ip, by_email) =
            store::recent_count(ctx.db, input.ip, &email, ctx.now - Duration::hours(1)).await?;
        if by_ip >= MAX_PER_IP_PER_HOUR || by_email >= MAX_PER_EMAIL_PER_HOUR {
            return Err(SupportError::TooMany);
        }
    }
    let payload = serde_json::to_string(&answers).unwrap_or_default();
    let follow = random_token();
    let confirm = random_token();
    let confirm_hash = token_hash(&confirm);
    let municipalities = codes.join(",");
    let state = if user_id.is_some() {
        "new"
    } else {
        "unconfirmed"
    };
    let mut tx = ctx.db.begin().await?;
    let (id, reference) = store::insert_request(
        &mut tx,
        &NewRequestRow {
            region: geography
                .municipality(&codes[0])
                .map(|m| m.region.code())
                .unwrap_or(""),
            codes: &codes,
            kind: input.kind.code(),
            state,
            language: input.language.code(),
            municipalities: &municipalities,
            payload: &payload,
            requester_user_id: user_id,
            requester_name: &name,
            requester_email: &email,
            requester_organisation: &organisation,
            created_ip: input.ip,
            follow_token_hash: &token_hash(&follow),
            confirm_token_hash: user_id.is_none().then_some(confirm_hash.as_str()),
        },
        ctx.now,
    )
    .await?;
    let kind_label = ctx.i18n.t(
        input.language,
        &format!("support-kind-{}", input.kind.code()),
    );
    let message = if user_id.is_some() {
        email::compose(
            ctx.i18n,
            input.language,
            &email,
            "email-support-received",
            &[
                ("name", name.clone()),
                ("reference", reference.clone()),
                ("kind", kind_label),
            ],
            Some(&format!(
                "{}/{}/my-requests/{id}",
                ctx.base_url,
                input.language.code()
            )),
        )
    } else {
        email::compose(
            ctx.i18n,
            input.language,
            &email,
            "email-support-confirm",
            &[("name", name.clone()), ("kind", kind_label)],
            Some(&format!(
                "{}/{}/request/confirm/{confirm}",
                ctx.base_url,
                input.language.code()
            )),
        )
    };
    email::enqueue(&mut tx, &message, ctx.now).await?;
    audit::record(
        &mut tx,
        &match user_id {
            Some(id) => Actor::user(id, input.ip),
            None => Actor::anonymous(input.ip),
        },
        Entry {
            action: "support.request.submit",
            entity_type: "support_request",
            entity_id: id.to_string(),
            details: json!({ "kind": input.kind.code(), "municipalities": codes, "state": state }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(if user_id.is_some() {
        Submitted::Registered { id, reference }
    } else {
        Submitted::AwaitingConfirmation
    })
}

/// Confirms a visitor's address: the request becomes new, and the acknowledgement with the
/// reference and a private link to follow it is sent.
pub async fn confirm(ctx: &Context<'_>, token: &str, ip: &str) -> Result<Request, SupportError> {
    if token.len() > 100 {
        return Err(SupportError::NotFound);
    }
    let row = store::by_confirm_token(ctx.db, &token_hash(token))
        .await?
        .and_then(request_from_row)
        .ok_or(SupportError::NotFound)?;
    if row.state != State::Unconfirmed {
        return Err(SupportError::NotFound);
    }
    let follow = random_token();
    let mut tx = ctx.db.begin().await?;
    if !store::set_state(
        &mut tx,
        row.id,
        "unconfirmed",
        "new",
        Change::default(),
        ctx.now,
    )
    .await?
    {
        return Err(SupportError::NotNow);
    }
    store::set_follow_token(&mut tx, row.id, &token_hash(&follow)).await?;
    let kind_label = ctx
        .i18n
        .t(row.language, &format!("support-kind-{}", row.kind.code()));
    let message = email::compose(
        ctx.i18n,
        row.language,
        &row.requester_email,
        "email-support-received",
        &[
            ("name", row.requester_name.clone()),
            ("reference", row.reference.clone()),
            ("kind", kind_label),
        ],
        Some(&format!(
            "{}/{}/request/follow/{follow}",
            ctx.base_url,
            row.language.code()
        )),
    );
    email::enqueue(&mut tx, &message, ctx.now).await?;
    audit::record(
        &mut tx,
        &Actor::anonymous(ip),
        Entry {
            action: "support.request.confirm",
            entity_type: "support_request",
            entity_id: row.id.to_string(),
            details: json!({}),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    request(ctx.db, row.id).await
}

/// Who acts on a request.
pub struct Acting<'a> {
    pub actor: &'a Actor,
    pub user_id: Option<i64>,
    pub label: &'a str,
    /// Radix staff (else the requester).
    pub staff: bool,
}

/// What goes with an action.
#[derive(Default)]
pub struct Details<'a> {
    pub advisor: Option<i64>,
    pub planned_on: Option<NaiveDate>,
    pub text: &'a str,
}

/// Moves a request one step, when that step is allowed from where it stands; the requester
/// (and the advisor given the request) are told by email.
pub async fn act(
    ctx: &Context<'_>,
    who: &Acting<'_>,
    req: &Request,
    action: Action,
    details: Details<'_>,
) -> Result<State, SupportError> {
    let allowed_for_role = match action {
        Action::Withdraw => !who.staff,
        // Only cancelling the meeting does this, so that everyone invited is told.
        Action::Confirm | Action::Unschedule => false,
        _ => who.staff,
    };
    if !allowed_for_role {
        return Err(SupportError::NotAllowed);
    }
    let to = transition(req.state, action).ok_or(SupportError::NotNow)?;
    let text = nfc(details.text.trim());
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(problem("text", "support-error-too-long"));
    }
    if contains_national_number(&text) {
        return Err(problem("text", "support-error-personal-data"));
    }
    let mut change = Change::default();
    let mut advisor_email: Option<(String, Lang, String)> = None;
    match action {
        Action::Assign => {
            let advisor = details
                .advisor
                .ok_or_else(|| problem("advisor", "support-error-advisor"))?;
            let account = crate::identity::service::account_by_id(ctx.db, advisor)
                .await
                .map_err(|_| problem("advisor", "support-error-advisor"))?;
            if account.status != "active" || account.role == Role::Municipal {
                return Err(problem("advisor", "support-error-advisor"));
            }
            change.assigned_to = Some(advisor);
            advisor_email = Some((account.email, account.language, account.display_name));
        }
        Action::Schedule => {
            let date = details
                .planned_on
                .ok_or_else(|| problem("planned_on", "support-error-date"))?;
            if date < ctx.today() {
                return Err(problem("planned_on", "support-error-date-past"));
            }
            change.planned_on = Some(date);
        }
        Action::Close | Action::Decline => {
            if text.is_empty() {
                return Err(problem("text", "support-error-reason"));
            }
            change.outcome = Some(text.clone());
        }
        _ => {}
    }
    let mut tx = ctx.db.begin().await?;
    if !store::set_state(
        &mut tx,
        req.id,
        req.state.code(),
        to.code(),
        change,
        ctx.now,
    )
    .await?
    {
        return Err(SupportError::NotNow);
    }
    if who.staff {
        store::mark_first_answer(&mut tx, req.id, ctx.now).await?;
    }
    let lang = req.language;
    let state_label = ctx.i18n.t(lang, &format!("support-state-{}", to.code()));
    let mut args = vec![
        ("reference", req.reference.clone()),
        ("state", state_label),
        ("text", text.clone()),
        (
            "date",
            details.planned_on.map(format_date).unwrap_or_default(),
        ),
    ];
    args.push(("name", req.requester_name.clone()));
    let key = match action {
        Action::Schedule => "email-support-scheduled",
        Action::Close | Action::Decline if !text.is_empty() => "email-support-ended",
        _ => "email-support-state",
    };
    if email::is_valid_address(&req.requester_email) && !matches!(action, Action::Withdraw) {
        let message = email::compose(ctx.i18n, lang, &req.requester_email, key, &args, None);
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    if let Some((address, advisor_lang, advisor_name)) = advisor_email {
        let message = email::compose(
            ctx.i18n,
            advisor_lang,
            &address,
            "email-support-assigned",
            &[("name", advisor_name), ("reference", req.reference.clone())],
            Some(&format!(
                "{}/{}/support/{}",
                ctx.base_url,
                advisor_lang.code(),
                req.id
            )),
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    audit::record(
        &mut tx,
        who.actor,
        Entry {
            action: "support.request.transition",
            entity_type: "support_request",
            entity_id: req.id.to_string(),
            details: json!({ "action": action.code(), "from": req.state.code(), "to": to.code(), "advisor": details.advisor }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// Adds a message to the conversation: shared with the requester (emailed to them, or to
/// the advisor when the requester writes) or, for staff, an internal note.
pub async fn post_message(
    ctx: &Context<'_>,
    who: &Acting<'_>,
    req: &Request,
    body: &str,
    internal: bool,
) -> Result<(), SupportError> {
    let body = nfc(body.trim());
    if body.is_empty() {
        return Err(problem("body", "support-error-required"));
    }
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(problem("body", "support-error-too-long"));
    }
    if contains_national_number(&body) {
        return Err(problem("body", "support-error-personal-data"));
    }
    if internal && !who.staff {
        return Err(SupportError::NotAllowed);
    }
    if matches!(req.state, State::Unconfirmed) {
        return Err(SupportError::NotNow);
    }
    let mut tx = ctx.db.begin().await?;
    store::insert_message(
        &mut tx,
        &NewMessage {
            request_id: req.id,
            internal,
            from_staff: who.staff,
            author_user_id: who.user_id,
            author_label: who.label,
            body: &body,
        },
        ctx.now,
    )
    .await?;
    if who.staff && !internal {
        store::mark_first_answer(&mut tx, req.id, ctx.now).await?;
        if email::is_valid_address(&req.requester_email) {
            let message = email::compose(
                ctx.i18n,
                req.language,
                &req.requester_email,
                "email-support-message",
                &[("reference", req.reference.clone()), ("text", body.clone())],
                None,
            );
            email::enqueue(&mut tx, &message, ctx.now).await?;
        }
    }
    if !who.staff
        && let Some(advisor) = req.assigned_to
        && let Ok(account) = crate::identity::service::account_by_id(ctx.db, advisor).await
    {
        let message = email::compose(
            ctx.i18n,
            account.language,
            &account.email,
            "email-support-reply",
            &[("reference", req.reference.clone())],
            Some(&format!(
                "{}/{}/support/{}",
                ctx.base_url,
                account.language.code(),
                req.id
            )),
        );
        email::enqueue(&mut tx, &message, ctx.now).await?;
    }
    audit::record(
        &mut tx,
        who.actor,
        Entry {
            action: if internal {
                "support.note.add"
            } else {
                "support.message.add"
            },
            entity_type: "support_request",
            entity_id: req.id.to_string(),
            details: json!({ "from_staff": who.staff }),
        },
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An advisor the platform proposes, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub language: Lang,
    pub in_portfolio: bool,
    pub speaks_language: bool,
    pub open_requests: i64,
    pub suggested: bool,
}

/// Advisors and back-office staff ranked for a request: the municipality in their portfolio
/// first, then the request's language, then the lightest workload.
pub async fn candidates(
    db: &Db,
    geography: &Geography,
    req: &Request,
    load: &std::collections::HashMap<i64, i64>,
) -> Result<Vec<Candidate>, SupportError> {
    let accounts = crate::identity::service::staff_accounts(db)
        .await
        .map_err(|e| SupportError::Database(DbError::Protocol(e.to_string())))?;
    let areas: Vec<String> = req
        .municipalities
        .iter()
        .filter_map(|nis| geography.municipality(nis))
        .flat_map(|m| {
            let mut codes = vec![m.region.code().to_string()];
            if let Some(province) = &m.province_nis {
                codes.push(province.clone());
            }
            codes
        })
        .collect();
    let mut list: Vec<Candidate> = accounts
        .into_iter()
        .filter(|a| a.status == "active" && matches!(a.role, Role::Advisor | Role::Backoffice))
        .map(|a| Candidate {
            in_portfolio: a.portfolio.iter().any(|p| areas.contains(p)),
            speaks_language: a.language == req.language,
            open_requests: load.get(&a.id).copied().unwrap_or(0),
            id: a.id,
            name: a.display_name,
            language: a.language,
            suggested: false,
        })
        .collect();
    list.sort_by(|a, b| {
        (
            !a.in_portfolio,
            !a.speaks_language,
            a.open_requests,
            a.name.as_str(),
        )
            .cmp(&(
                !b.in_portfolio,
                !b.speaks_language,
                b.open_requests,
                b.name.as_str(),
            ))
    });
    if let Some(first) = list.first_mut() {
        first.suggested = true;
    }
    Ok(list)
}

/// A failure that reaches a handler as an HTTP answer: not found, forbidden, unavailable
/// for a moment when the database cannot be reached, internal otherwise. Refusals of input
/// are shown on their form by the handler and never come this way.
impl From<SupportError> for crate::core::error::AppError {
    fn from(error: SupportError) -> Self {
        use crate::core::error::AppError;
        match error {
            SupportError::NotFound => AppError::NotFound,
            SupportError::NotAllowed => AppError::Forbidden {
                key: "error-forbidden",
            },
            SupportError::Database(e) => AppError::database(&e),
            other => AppError::internal(other),
        }
    }
}
