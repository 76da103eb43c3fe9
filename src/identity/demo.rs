//! Fictitious accounts for the demonstration data set, one per role, on the reserved
//! `.invalid` domain.

use crate::core::audit::Actor;
use crate::core::auth::Role;
use crate::core::context::Context;
use crate::core::i18n::Lang;
use crate::identity::service::{self, NewAccount};

/// The password of every demonstration account (the database says it is a demo).
pub const DEMO_PASSWORD: &str = "Demonstratie zonder echte gegevens";

/// Fictitious accounts: (email, name, language, role, municipalities).
pub const DEMO_ACCOUNTS: [(&str, &str, Lang, Role, &[&str]); 6] = [
    (
        "admin@demo.radix.invalid",
        "Demo Administrator",
        Lang::En,
        Role::Admin,
        &[],
    ),
    (
        "backoffice@demo.radix.invalid",
        "Demo Back-Office",
        Lang::Fr,
        Role::Backoffice,
        &[],
    ),
    (
        "advisor@demo.radix.invalid",
        "Demo Front-Office",
        Lang::Nl,
        Role::Advisor,
        &[],
    ),
    (
        "gent@demo.radix.invalid",
        "Demo Preventiedienst Gent",
        Lang::Nl,
        Role::Municipal,
        &["44021"],
    ),
    (
        "liege@demo.radix.invalid",
        "Démo Service prévention Liège",
        Lang::Fr,
        Role::Municipal,
        &["62063"],
    ),
    (
        "eupen@demo.radix.invalid",
        "Demo Präventionsdienst Eupen",
        Lang::De,
        Role::Municipal,
        &["63023", "63040"],
    ),
];

/// Adds the demonstration accounts that do not exist yet.
pub async fn load(ctx: &Context<'_>) -> anyhow::Result<u64> {
    let mut added = 0;
    for (email, name, language, role, municipalities) in DEMO_ACCOUNTS {
        if service::user_id_by_email(ctx.db, email).await?.is_some() {
            continue;
        }
        service::create_active_account(
            ctx,
            &NewAccount {
                email: email.into(),
                display_name: name.into(),
                language,
                role,
                municipalities: municipalities.iter().map(|m| String::from(*m)).collect(),
            },
            DEMO_PASSWORD,
            &Actor::system("demo"),
        )
        .await?;
        added += 1;
    }
    Ok(added)
}
