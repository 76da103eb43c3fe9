//! Fictitious support requests for the demonstration data set (`radix serve --demo`).

use chrono::{DateTime, Duration, Utc};

use super::domain::{Action, Answers, Kind};
use super::service::{
    Acting, Details, ListFilter, NewRequest, Requester, Submitted, SupportError, act, request,
    submit,
};
use super::store;
use crate::core::audit::Actor;
use crate::core::auth::Role;
use crate::core::clock::belgian_date;
use crate::core::context::Context;
use crate::core::db::{Db, DbError};
use crate::core::i18n::Lang;
use crate::geo::Geography;

/// Support's demonstration hook: the requests need the demonstration accounts, which
/// identity adds earlier in the capability order.
pub(super) async fn load(ctx: &Context<'_>) -> anyhow::Result<u64> {
    let geography = crate::geo::service::load_geography(ctx.db).await?;
    Ok(load_requests(ctx, &geography).await? as u64)
}

/// Fictitious requests for the demonstration data set: one per demo municipality, one of
/// them assigned with a meeting planned. Loading twice adds nothing.
async fn load_requests(ctx: &Context<'_>, geography: &Geography) -> Result<usize, SupportError> {
    let existing = store::list(
        ctx.db,
        &ListFilter {
            exclude_unconfirmed: true,
            ..Default::default()
        },
        1,
        0,
    )
    .await?;
    if !existing.is_empty() {
        return Ok(0);
    }
    let member = |email: &'static str| async move {
        crate::identity::service::user_id_by_email(ctx.db, email)
            .await
            .ok()
            .flatten()
    };
    // (account, municipality, language, kind, answers)
    type DemoRequest = (
        &'static str,
        &'static str,
        Lang,
        Kind,
        &'static [(&'static str, &'static str)],
    );
    let demo: [DemoRequest; 3] = [
        (
            "gent@demo.radix.invalid",
            "44021",
            Lang::Nl,
            Kind::LivcrSetup,
            &[
                ("situation", "existing"),
                ("meeting_language", "nl"),
                ("participants", "police"),
                ("participants", "prevention"),
                (
                    "questions",
                    "Hoe betrekken we de scholen bij de cel? (demonstratie)",
                ),
            ],
        ),
        (
            "liege@demo.radix.invalid",
            "62063",
            Lang::Fr,
            Kind::AwarenessDay,
            &[
                ("audience", "municipal-staff"),
                ("participants_count", "35"),
                ("place", "on-site"),
                ("session_language", "fr"),
                ("preferred_dates", "Printemps (démonstration)"),
            ],
        ),
        (
            "eupen@demo.radix.invalid",
            "63023",
            Lang::De,
            Kind::Question,
            &[
                ("category", "cartography"),
                (
                    "message",
                    "Wie melden wir unsere gemeinsame Zelle? (Demonstration)",
                ),
            ],
        ),
    ];
    let mut created = vec![];
    for (email, nis, lang, kind, fields) in demo {
        let Some(user_id) = member(email).await else {
            continue;
        };
        let mut answers = Answers::new();
        for (name, value) in fields {
            answers
                .entry((*name).to_string())
                .or_default()
                .push((*value).to_string());
        }
        let municipalities = vec![nis.to_string()];
        if let Submitted::Registered { id, .. } = submit(
            ctx,
            geography,
            Requester::Member {
                user_id,
                name: email,
                email,
                municipalities: &municipalities,
            },
            NewRequest {
                unknown_municipalities: false,
                kind,
                language: lang,
                municipalities: municipalities.clone(),
                answers,
                ip: "-",
            },
        )
        .await?
        {
            created.push(id);
        }
    }
    // The Dutch-speaking advisor takes Gent's request and plans a meeting in ten days.
    if let (Some(first), Some(advisor)) =
        (created.first(), member("advisor@demo.radix.invalid").await)
    {
        let actor = Actor::system("demo");
        let who = Acting {
            actor: &actor,
            user_id: Some(advisor),
            label: "Demo Front-Office",
            staff: true,
        };
        let req = request(ctx.db, *first).await?;
        act(
            ctx,
            &who,
            &req,
            Action::Assign,
            Details {
                advisor: Some(advisor),
                ..Default::default()
            },
        )
        .await?;
        let req = request(ctx.db, *first).await?;
        let day = ctx.today() + Duration::days(10);
        let start = day.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc();
        super::meetings::plan(
            ctx,
            &actor,
            advisor,
            geography,
            &req,
            super::meetings::NewMeeting {
                kind: "livcr-setup".into(),
                starts_at: start,
                ends_at: start + Duration::hours(2),
                place_kind: "municipality".into(),
                place_code: "44021".into(),
                place_detail: "Stadhuis (demonstratie)".into(),
                staff: vec![advisor],
            },
        )
        .await?;
    }
    Ok(created.len())
}

/// Fills the database with `requests` requests (two messages each, a meeting for two in
/// five) for load tests; the staff accounts get them assigned.
pub async fn seed_load(
    db: &Db,
    geography: &Geography,
    requests: usize,
    now: DateTime<Utc>,
) -> Result<(usize, usize, usize), SupportError> {
    let today = belgian_date(now);
    let municipalities: Vec<(String, String)> = geography
        .municipalities_on(today)
        .map(|m| (m.nis.clone(), m.region.code().to_string()))
        .collect();
    let advisors: Vec<i64> = crate::identity::service::list_accounts(db)
        .await
        .map_err(|e| SupportError::Database(DbError::Protocol(e.to_string())))?
        .into_iter()
        .filter(|a| matches!(a.role, Role::Advisor | Role::Backoffice) && a.status == "active")
        .map(|a| a.id)
        .collect();
    let counts = store::seed_load(db, &municipalities, requests, &advisors, now).await?;
    store::analyse_after_seeding(db).await?;
    Ok(counts)
}
