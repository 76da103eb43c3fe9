//! Accounts end to end over HTTP: sign-in with second factor, throttling, CSRF, invitation,
//! password reset, sessions, the permission matrix, email delivery and the audit chain.

use std::collections::HashMap;

use chrono::Utc;
use radix::core::audit::{self, Actor, Verification};
use radix::core::auth::Role;
use radix::core::auth::policy;
use radix::core::i18n::Lang;
use radix::identity::service::{self, NewAccount};

use crate::support::TestApp;

/// A browser-like client: keeps cookies itself (they are `Secure`, and the test server
/// speaks plain HTTP on loopback, where browsers accept them too).
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().expect("ascii cookie");
            assert!(
                text.contains("Secure") && text.contains("Path=/"),
                "cookie flags: {text}"
            );
            assert!(text.starts_with("__Host-"), "cookie prefix: {text}");
            let pair = text.split(';').next().expect("pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        self.keep_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Page {
            status,
            location,
            body: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .app
            .client
            .get(format!("{}{}", self.app.base, path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("get");
        self.finish(response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .app
            .client
            .post(format!("{}{}", self.app.base, path))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(radix::core::web::encode_query(form))
            .send()
            .await
            .expect("post");
        self.finish(response).await
    }
}

/// The value of `<input … name="NAME" … value="…">` in a page.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].replace("&amp;", "&"))
}

pub const PASSWORD: &str = "Wolken boven de Schelde in maart";

pub fn context(app: &TestApp) -> service::Context<'_> {
    service::Context {
        db: &app.state.db,
        i18n: &app.state.i18n,
        base_url: "http://radix.test",
        now: Utc::now(),
    }
}

/// Creates an active account of `role` and signs it in (with its second factor when the
/// role needs one); returns the browser and the account id.
pub async fn signed_in<'a>(
    app: &'a TestApp,
    role: Role,
    email: &str,
    municipalities: &[&str],
) -> (Browser<'a>, i64) {
    let id = service::create_active_account(
        &context(app),
        &NewAccount {
            email: email.into(),
            display_name: format!("Test {}", role.code()),
            language: Lang::Fr,
            role,
            municipalities: municipalities.iter().map(|m| m.to_string()).collect(),
        },
        PASSWORD,
        &Actor::system("test"),
    )
    .await
    .expect("account");
    let mut browser = Browser::new(app);
    let form = browser.get("/fr/sign-in").await;
    let csrf = input_value(&form.body, "csrf").expect("csrf field");
    let page = browser
        .post(
            "/fr/sign-in",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("next", "/fr/account"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "sign-in as {email}: {}", page.body);
    if role.requires_second_factor() {
        assert_eq!(page.location.as_deref(), Some("/fr/account/second-factor"));
        let enrol = browser.get("/fr/account/second-factor").await;
        assert_eq!(enrol.status, 200);
        let secret = service::totp_secret_of(&app.state.db, id)
            .await
            .expect("secret")
            .expect("set");
        let grouped = secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(enrol.body.contains(&grouped), "the secret is shown as text");
        assert!(enrol.body.contains("<svg"), "the QR code is rendered");
        let csrf = input_value(&enrol.body, "csrf").expect("csrf");
        let code = service::current_code(&secret, Utc::now()).expect("code");
        let done = browser
            .post(
                "/fr/account/second-factor",
                &[("code", &code), ("csrf", &csrf)],
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(done.body.matches("<li>").count() >= 10);
    }
    (browser, id)
}

#[tokio::test]
async fn staff_sign_in_requires_a_second_factor_end_to_end() {
    let app = TestApp::start().await;
    let (mut admin, admin_id) = signed_in(&app, Role::Admin, "admin@radix.test", &[]).await;
    let account = admin.get("/fr/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("Test admin"));
    assert_eq!(admin.get("/fr/admin/accounts").await.status, 200);
    assert_eq!(admin.get("/fr/admin/audit").await.status, 200);
    assert_eq!(admin.get("/fr/admin/outbox").await.status, 200);

    // A second sign-in asks for the code from the app.
    let mut again = Browser::new(&app);
    let csrf = input_value(&again.get("/nl/sign-in").await.body, "csrf").expect("csrf");
    let page = again
        .post(
            "/nl/sign-in",
            &[
                ("email", "ADMIN@radix.test"),
                ("password", PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/nl/sign-in/second-factor"));
    assert_eq!(
        again.get("/nl/admin/accounts").await.location.as_deref(),
        Some("/nl/sign-in/second-factor")
    );
    let form = again.get("/nl/sign-in/second-factor").await;
    let csrf = input_value(&form.body, "csrf").expect("csrf");
    let wrong = again
        .post(
            "/nl/sign-in/second-factor",
            &[("code", "000000"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(wrong.status, 401);
    let secret = service::totp_secret_of(&app.state.db, admin_id)
        .await
        .expect("q")
        .expect("secret");
    let code = service::current_code(&secret, Utc::now()).expect("code");
    let ok = again
        .post(
            "/nl/sign-in/second-factor",
            &[("code", &code), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(again.get("/nl/admin/audit").await.status, 200);

    // Signing out ends the session: the old cookie no longer works.
    let account = admin.get("/fr/account").await;
    let csrf = input_value(&account.body, "csrf").expect("csrf");
    let stolen = admin.cookies.clone();
    let out = admin.post("/fr/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    let mut replay = Browser::new(&app);
    replay.cookies = stolen;
    let page = replay.get("/fr/account").await;
    assert_eq!(page.status, 303);
    assert!(page.location.expect("redirect").starts_with("/fr/sign-in"));
    assert!(matches!(
        audit::verify(&app.state.db).await.expect("verify"),
        Verification::Intact { .. }
    ));
}

#[tokio::test]
async fn failed_sign_ins_look_the_same_and_lock_after_five_tries() {
    let app = TestApp::start().await;
    service::create_active_account(
        &context(&app),
        &NewAccount {
            email: "jurgen.muller@eupen.be".into(),
            display_name: "Jürgen Müller".into(),
            language: Lang::De,
            role: Role::Municipal,
            municipalities: vec!["63023".into()],
        },
        PASSWORD,
        &Actor::system("test"),
    )
    .await
    .expect("account");
    let mut browser = Browser::new(&app);
    let csrf = input_value(&browser.get("/de/sign-in").await.body, "csrf").expect("csrf");
    let known = browser
        .post(
            "/de/sign-in",
            &[
                ("email", "jurgen.muller@eupen.be"),
                ("password", "wrong password!!"),
                ("csrf", &csrf),
            ],
        )
        .await;
    let unknown = browser
        .post(
            "/de/sign-in",
            &[
                ("email", "nobody@eupen.be"),
                ("password", "wrong password!!"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(known.status, 401);
    assert_eq!(known.status, unknown.status);
    let message = |html: &str| {
        html.split("<div class=\"error-summary\"")
            .nth(1)
            .map(|s| s.split("</div>").next().unwrap_or("").to_string())
    };
    assert_eq!(message(&known.body), message(&unknown.body));
    for _ in 0..4 {
        browser
            .post(
                "/de/sign-in",
                &[
                    ("email", "jurgen.muller@eupen.be"),
                    ("password", "still wrong!!"),
                    ("csrf", &csrf),
                ],
            )
            .await;
    }
    let locked = browser
        .post(
            "/de/sign-in",
            &[
                ("email", "jurgen.muller@eupen.be"),
                ("password", PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        locked.status, 429,
        "even the right password waits during the lock"
    );
    let entries = audit::list(
        &app.state.db,
        &audit::AuditFilter {
            action_prefix: Some("identity.sign_in.lock".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert_eq!(entries.len(), 1);

    // A locked user can still reset the password, and then sign in.
    let form = browser.get("/de/password-reset").await;
    let csrf = input_value(&form.body, "csrf").expect("csrf");
    let sent = browser
        .post(
            "/de/password-reset",
            &[("email", "Jurgen.Muller@eupen.be"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(sent.status, 200);
    let mail = radix::core::email::recent(&app.state.db, 5)
        .await
        .expect("outbox")
        .into_iter()
        .next()
        .expect("a reset email");
    assert_eq!(mail.recipient, "jurgen.muller@eupen.be");
    assert!(
        mail.subject.contains("Passwort"),
        "in the user's language: {}",
        mail.subject
    );
    let link = mail
        .body_text
        .lines()
        .find(|l| {
            l.starts_with("http://radix.test/de/password-reset/")
                || l.contains("/de/password-reset/")
        })
        .expect("link")
        .to_string();
    let path = link
        .split_once("/de/")
        .map(|(_, rest)| format!("/de/{rest}"))
        .expect("path");
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200);
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    let weak = browser
        .post(&path, &[("new_password", "password1234"), ("csrf", &csrf)])
        .await;
    assert_eq!(weak.status, 422);
    let done = browser
        .post(
            &path,
            &[
                ("new_password", "Neue Wolken über dem Venn"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    let signin = browser
        .get(done.location.as_deref().expect("redirect"))
        .await;
    assert!(
        signin.body.contains("Ihr Passwort wurde gespeichert"),
        "the sign-in page confirms the new password"
    );
    let replayed = browser
        .post(
            &path,
            &[
                ("new_password", "Noch einmal ein anderes Passwort"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(replayed.status, 404, "a reset link works once");
    let csrf = input_value(&browser.get("/de/sign-in").await.body, "csrf").expect("csrf");
    let ok = browser
        .post(
            "/de/sign-in",
            &[
                ("email", "jurgen.muller@eupen.be"),
                ("password", "Neue Wolken über dem Venn"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
}

#[tokio::test]
async fn state_changes_without_a_valid_token_or_from_another_site_are_refused() {
    let app = TestApp::start().await;
    let mut browser = Browser::new(&app);
    browser.get("/nl/sign-in").await;
    let page = browser
        .post("/nl/sign-in", &[("email", "a@b.be"), ("password", "x")])
        .await;
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains("niets gewijzigd") || page.body.contains("niets"),
        "{}",
        page.body
    );
    let (mut member, _) = signed_in(&app, Role::Municipal, "prevention@liege.be", &["62063"]).await;
    let before = service::account_by_id(&app.state.db, 2).await.ok();
    let forged = member
        .post(
            "/fr/account/profile",
            &[
                ("display_name", "Mallory"),
                ("language", "fr"),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let cross = app
        .client
        .post(format!("{}/fr/account/profile", app.base))
        .header("cookie", member.cookie_header())
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("display_name=Mallory&language=fr")
        .send()
        .await
        .expect("post");
    assert_eq!(cross.status(), 403);
    let after = service::account_by_id(&app.state.db, 2).await.ok();
    assert_eq!(
        before.map(|a| a.display_name),
        after.map(|a| a.display_name)
    );
    // A forged session cookie is simply no session.
    let mut forger = Browser::new(&app);
    forger
        .cookies
        .insert("__Host-radix_session".into(), "A".repeat(43));
    assert_eq!(forger.get("/nl/account").await.status, 303);
}

#[tokio::test]
async fn an_invited_municipal_member_activates_the_account_and_sees_only_their_pages() {
    let app = TestApp::start().await;
    let (mut advisor, _) = signed_in(&app, Role::Advisor, "advisor@radix.test", &[]).await;
    let page = advisor.get("/fr/admin/accounts").await;
    assert_eq!(page.status, 200);
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    // Header injection and unknown municipalities are refused with a message; nothing is stored.
    let bad = advisor
        .post(
            "/fr/admin/accounts",
            &[
                ("email", "x@liege.be\r\nBcc: y@z.be"),
                ("display_name", "X"),
                ("language", "fr"),
                ("role", "municipal"),
                ("municipalities", "62063"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    let unknown = advisor
        .post(
            "/fr/admin/accounts",
            &[
                ("email", "x@liege.be"),
                ("display_name", "X"),
                ("language", "fr"),
                ("role", "municipal"),
                ("municipalities", "99999"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(unknown.status, 422);
    let staff = advisor
        .post(
            "/fr/admin/accounts",
            &[
                ("email", "boss@radix.test"),
                ("display_name", "Boss"),
                ("language", "fr"),
                ("role", "admin"),
                ("municipalities", ""),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(staff.status, 403, "advisors invite municipal contacts only");
    let sent = advisor
        .post(
            "/fr/admin/accounts",
            &[
                ("email", "Elodie.Dupont@liege.be"),
                ("display_name", "Élodie Dupont-Van den Broeck"),
                ("language", "fr"),
                ("role", "municipal"),
                ("municipalities", "62063"),
                ("csrf", &csrf),
                ("role_override", "admin"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let list = advisor
        .get(sent.location.as_deref().expect("redirect"))
        .await;
    assert!(list.body.contains("Élodie Dupont-Van den Broeck"));
    let mail = radix::core::email::recent(&app.state.db, 1)
        .await
        .expect("outbox")
        .remove(0);
    assert_eq!(mail.recipient, "Elodie.Dupont@liege.be");
    assert!(mail.body_html.contains("Élodie Dupont-Van den Broeck"));
    let path = mail
        .body_text
        .lines()
        .find_map(|l| {
            l.split_once("/fr/invitation/")
                .map(|(_, t)| format!("/fr/invitation/{t}"))
        })
        .expect("link");
    let mut elodie = Browser::new(&app);
    let page = elodie.get(&path).await;
    assert_eq!(page.status, 200);
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    assert_eq!(
        elodie
            .post(
                &path,
                &[
                    ("new_password", "Une balade le long de la Meuse"),
                    ("csrf", &csrf)
                ]
            )
            .await
            .status,
        303
    );
    let csrf = input_value(&elodie.get("/fr/sign-in").await.body, "csrf").expect("csrf");
    let signed = elodie
        .post(
            "/fr/sign-in",
            &[
                ("email", "elodie.dupont@liege.be"),
                ("password", "Une balade le long de la Meuse"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(
        signed.location.as_deref(),
        Some("/fr/account"),
        "municipal members need no second factor"
    );
    let account = elodie.get("/fr/account").await;
    assert!(account.body.contains("Liège"));
    assert_eq!(elodie.get("/fr/admin/accounts").await.status, 403);
    assert_eq!(elodie.get("/fr/admin/audit").await.status, 403);
    let export = elodie.get("/fr/account/export").await;
    let data: serde_json::Value = serde_json::from_str(&export.body).expect("json export");
    assert_eq!(
        data["account"]["display_name"],
        "Élodie Dupont-Van den Broeck"
    );
    assert_eq!(
        data["account"]["role"], "municipal",
        "extra form fields are ignored"
    );
    assert_eq!(data["account"]["municipalities"][0], "62063");
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_policy_table_says() {
    let app = TestApp::start().await;
    let mut browsers = vec![(None, Browser::new(&app))];
    for (role, email) in [
        (Role::Municipal, "member@gent.be"),
        (Role::Advisor, "advisor@radix.test"),
        (Role::Backoffice, "backoffice@radix.test"),
        (Role::Admin, "admin@radix.test"),
    ] {
        let (browser, _) = signed_in(&app, role, email, &["44021"]).await;
        browsers.push((Some(role), browser));
    }
    let concrete = |path: &str| {
        path.replace("{lang}", "en")
            .replace("{nis}", "44021")
            .replace("{key}", "5415")
            .replace("{offer}", "livc-r")
            .replace("{kind}", "question")
            .replace("{list}", "overdue")
            .replace("{*path}", "css/none.css")
            .replace("{token}", &"t".repeat(43))
            .replace("{id}", "1")
    };
    let routes = radix::route_policies();
    for route in routes.iter().filter(|r| r.method == "GET") {
        let path = concrete(route.path);
        for (role, browser) in browsers.iter_mut() {
            let page = browser.get(&path).await;
            let allowed = policy::allows(route.access, *role);
            if allowed {
                assert!(
                    page.status != 403
                        && !(page.status == 303
                            && page
                                .location
                                .as_deref()
                                .is_some_and(|l| l.contains("/sign-in"))),
                    "{role:?} should reach {path}: {}",
                    page.status
                );
            } else if role.is_none() {
                assert!(
                    page.status == 303 || page.status == 401,
                    "anonymous must sign in for {path}: {}",
                    page.status
                );
            } else {
                assert_eq!(page.status, 403, "{role:?} must be refused {path}");
            }
        }
    }
    for route in routes.iter().filter(|r| r.method == "POST") {
        let path = concrete(route.path);
        for (role, browser) in browsers.iter_mut() {
            // No CSRF token: an allowed role reaches the handler, which refuses the forged
            // form; a refused role is stopped by the policy before that.
            let page = browser.post(&path, &[]).await;
            assert!(page.status != 500, "{role:?} {path}");
            let allowed = policy::allows(route.access, *role);
            let refused_by_policy =
                page.status == 403 && page.body.contains("does not give access");
            if role.is_none() && !allowed {
                assert_eq!(page.status, 303, "anonymous must sign in for POST {path}");
            } else if allowed {
                assert!(!refused_by_policy, "{role:?} should reach POST {path}");
                assert!(
                    page.status == 403 || page.status == 400 || page.status == 422,
                    "{role:?} POST {path} without token: {}",
                    page.status
                );
            } else {
                assert!(
                    refused_by_policy,
                    "{role:?} must be refused POST {path}: {}",
                    page.status
                );
            }
        }
    }
    if std::env::var("RADIX_WRITE_DOCS").is_ok() {
        std::fs::write(
            "docs/permissions.md",
            policy::permission_matrix_markdown(&routes),
        )
        .expect("write");
    }
    let documented = std::fs::read_to_string("docs/permissions.md").expect("docs/permissions.md");
    assert_eq!(
        documented,
        policy::permission_matrix_markdown(&routes),
        "regenerate: RADIX_WRITE_DOCS=1 cargo nextest run every_route"
    );
}

#[tokio::test]
async fn a_route_missing_from_the_policy_table_is_refused() {
    let extra = axum::Router::new().route(
        "/{lang}/unlisted",
        axum::routing::get(|| async { "secret" }),
    );
    let app = TestApp::start_with_routes(extra, vec![]).await;
    let (status, body) = app.text("/en/unlisted").await;
    assert_eq!(status, 403);
    assert!(!body.contains("secret"));
}

#[tokio::test]
async fn the_audit_chain_detects_an_altered_row() {
    let app = TestApp::start().await;
    for i in 0..5 {
        audit::record_alone(
            &app.state.db,
            &Actor::system("test"),
            audit::Entry {
                action: "test.thing.touch",
                entity_type: "thing",
                entity_id: i.to_string(),
                details: serde_json::json!({ "n": i }),
            },
            chrono::Utc::now(),
        )
        .await
        .expect("record");
    }
    assert_eq!(
        audit::verify(&app.state.db).await.expect("verify"),
        Verification::Intact { entries: 5 }
    );
    let rows = audit::list(
        &app.state.db,
        &audit::AuditFilter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    let third = rows.iter().find(|r| r.entity_id == "2").expect("row").id;
    match &app.state.db {
        radix::core::db::Db::Sqlite(pool) => {
            sqlx::query("UPDATE audit_log SET details = '{\"n\":99}' WHERE id = ?")
                .bind(third)
                .execute(pool)
                .await
                .expect("tamper");
        }
        radix::core::db::Db::Postgres(pool) => {
            sqlx::query("UPDATE audit_log SET details = '{\"n\":99}' WHERE id = $1")
                .bind(third)
                .execute(pool)
                .await
                .expect("tamper");
        }
    }
    assert_eq!(
        audit::verify(&app.state.db).await.expect("verify"),
        Verification::Broken { entry_id: third }
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_deactivation_ends_them() {
    let app = TestApp::start().await;
    let (member, id) = signed_in(&app, Role::Municipal, "idle@namur.be", &["92094"]).await;
    let cookie = member
        .cookies
        .get("__Host-radix_session")
        .expect("session")
        .clone();
    let now = Utc::now();
    assert!(
        radix::identity::session_store::lookup(&app.state.db, &cookie, now)
            .await
            .expect("q")
            .is_some()
    );
    assert!(
        radix::identity::session_store::lookup(
            &app.state.db,
            &cookie,
            now + chrono::Duration::minutes(31)
        )
        .await
        .expect("q")
        .is_none()
    );
    let (member, _) = {
        let mut browser = Browser::new(&app);
        let csrf = input_value(&browser.get("/fr/sign-in").await.body, "csrf").expect("csrf");
        browser
            .post(
                "/fr/sign-in",
                &[
                    ("email", "idle@namur.be"),
                    ("password", PASSWORD),
                    ("csrf", &csrf),
                ],
            )
            .await;
        (browser, ())
    };
    let cookie = member
        .cookies
        .get("__Host-radix_session")
        .expect("session")
        .clone();
    service::deactivate(&context(&app), &Actor::system("test"), id)
        .await
        .expect("deactivate");
    assert!(
        radix::identity::session_store::lookup(&app.state.db, &cookie, Utc::now())
            .await
            .expect("q")
            .is_none()
    );
    // After the retention period the personal data is anonymised, once.
    let later = service::Context {
        now: Utc::now() + chrono::Duration::days(200),
        ..context(&app)
    };
    assert_eq!(
        service::anonymise_expired(&later, 180, &app.state.personal_data)
            .await
            .expect("run"),
        1
    );
    assert_eq!(
        service::anonymise_expired(&later, 180, &app.state.personal_data)
            .await
            .expect("rerun"),
        0
    );
    let account = service::account_by_id(&app.state.db, id)
        .await
        .expect("account");
    assert_eq!(account.status, "anonymised");
    assert!(!account.email.contains("namur"));
    assert!(account.municipalities.is_empty());
}

#[tokio::test]
async fn emails_reach_a_real_smtp_server_on_loopback() {
    let Some(sink) = crate::support::SmtpSink::start().await else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the SMTP test: install aiosmtpd"
        );
        eprintln!("aiosmtpd is not installed: SMTP delivery test skipped");
        return;
    };
    let app = TestApp::start().await;
    let (mut admin, _) = signed_in(&app, Role::Admin, "admin@radix.test", &[]).await;
    let page = admin.get("/nl/admin/accounts").await;
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    let sent = admin
        .post(
            "/nl/admin/accounts",
            &[
                ("email", "preventie@gent.be"),
                ("display_name", "Anouk D'Hondt"),
                ("language", "nl"),
                ("role", "municipal"),
                ("municipalities", "44021"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(sent.status, 303);
    let settings = radix::core::config::SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        tls: radix::core::config::SmtpTls::None,
        username: None,
        password: None,
    };
    let mailer = radix::core::email::Mailer::new(
        &settings,
        "Radix <no-reply@radix.test>",
        Some("radix@radix.test"),
    )
    .expect("mailer");
    let delivered = radix::core::email::deliver_due(&app.state.db, &mailer, &app.state.clock)
        .await
        .expect("deliver");
    assert_eq!(delivered, 1);
    assert_eq!(
        radix::core::email::deliver_due(&app.state.db, &mailer, &app.state.clock)
            .await
            .expect("again"),
        0,
        "never twice"
    );
    let received = sink.wait_for_messages(1).await;
    let message = &received[0];
    assert!(message.contains("To: preventie@gent.be"), "{message}");
    assert!(message.contains("Reply-To: radix@radix.test"));
    assert!(message.contains("multipart/alternative"));
    assert!(message.contains("/nl/invitation/"));
    let outbox = radix::core::email::recent(&app.state.db, 1)
        .await
        .expect("outbox");
    assert_eq!(outbox[0].status, "sent");
}

#[tokio::test]
async fn a_request_for_access_is_reviewed_by_the_back_office() {
    let app = TestApp::start().await;
    let mut visitor = Browser::new(&app);
    let form = visitor.get("/nl/request-access").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("LIVC-R"),
        "the no-case-data warning is shown"
    );
    let csrf = input_value(&form.body, "csrf").expect("csrf");
    // A national register number in the message is refused and nothing is kept.
    let refused = visitor
        .post(
            "/nl/request-access",
            &[
                ("email", "preventie@gent.be"),
                ("display_name", "Anouk D'Hondt"),
                ("job_title", "Preventieambtenaar"),
                ("municipalities", "Gent, Sint-Joost-ten-Node"),
                ("language", "nl"),
                ("message", "Over 85.07.30-033.28"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("rijksregisternummer"));
    assert!(
        refused.body.contains("value=\"Anouk D&#39;Hondt\""),
        "input is kept"
    );
    let unknown = visitor
        .post(
            "/nl/request-access",
            &[
                ("email", "preventie@gent.be"),
                ("display_name", "Anouk D'Hondt"),
                ("job_title", "Preventieambtenaar"),
                ("municipalities", "Gent, Atlantis"),
                ("language", "nl"),
                ("message", ""),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("Atlantis"));
    // A robot filling the hidden field gets a polite answer and stores nothing.
    let robot = visitor
        .post(
            "/nl/request-access",
            &[
                ("email", "bot@spam.example"),
                ("display_name", "Bot"),
                ("job_title", "x"),
                ("municipalities", "Gent"),
                ("language", "nl"),
                ("website", "http://spam"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(robot.status, 200);
    let sent = visitor
        .post(
            "/nl/request-access",
            &[
                ("email", "preventie@gent.be"),
                ("display_name", "Anouk D'Hondt"),
                ("job_title", "Preventieambtenaar"),
                ("municipalities", "gent; 21014"),
                ("language", "nl"),
                ("message", "Graag toegang voor onze LIVC-R."),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let pending = service::pending_access_requests(&app.state.db)
        .await
        .expect("pending");
    assert_eq!(pending.len(), 1, "the robot's request was not stored");
    assert_eq!(
        pending[0].municipalities,
        vec!["21014".to_string(), "44021".to_string()]
    );
    let ack = radix::core::email::recent(&app.state.db, 1)
        .await
        .expect("outbox")
        .remove(0);
    assert_eq!(ack.recipient, "preventie@gent.be");

    let (mut member, _) = signed_in(&app, Role::Municipal, "member@namur.be", &["92094"]).await;
    assert_eq!(member.get("/nl/admin/access-requests").await.status, 403);
    let (mut backoffice, _) = signed_in(&app, Role::Backoffice, "backoffice@radix.test", &[]).await;
    let page = backoffice.get("/nl/admin/access-requests").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Anouk D&#39;Hondt"));
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    let path = format!("/nl/admin/access-requests/{}", pending[0].id);
    let no_reason = backoffice
        .post(
            &path,
            &[("decision", "decline"), ("reason", ""), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let approved = backoffice
        .post(
            &path,
            &[("decision", "approve"), ("reason", ""), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(approved.status, 200);
    assert_eq!(
        backoffice
            .post(
                &path,
                &[("decision", "decline"), ("reason", "late"), ("csrf", &csrf)]
            )
            .await
            .status,
        404,
        "decided once"
    );
    let invitation = radix::core::email::recent(&app.state.db, 1)
        .await
        .expect("outbox")
        .remove(0);
    assert!(invitation.body_text.contains("/nl/invitation/"));
    let id = service::user_id_by_email(&app.state.db, "preventie@gent.be")
        .await
        .expect("q")
        .expect("invited");
    let account = service::account_by_id(&app.state.db, id)
        .await
        .expect("account");
    assert_eq!(
        (account.status.as_str(), account.role),
        ("invited", Role::Municipal)
    );
}

#[tokio::test]
async fn an_administrator_changes_a_role_and_the_old_sessions_end() {
    let app = TestApp::start().await;
    let (mut admin, _) = signed_in(&app, Role::Admin, "admin@radix.test", &[]).await;
    let (mut member, member_id) =
        signed_in(&app, Role::Municipal, "member@mons.be", &["53053"]).await;
    let page = admin.get("/en/admin/accounts").await;
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    let changed = admin
        .post(
            &format!("/en/admin/accounts/{member_id}/role"),
            &[("role", "advisor"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(
        member.get("/en/account").await.status,
        303,
        "the member signs in again"
    );
    let entries = audit::list(
        &app.state.db,
        &audit::AuditFilter {
            action_prefix: Some("identity.account.role_change".into()),
            limit: 5,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert_eq!(entries.len(), 1);
    assert!(entries[0].details.contains("\"after\":\"advisor\""));
    service::housekeeping(&context(&app))
        .await
        .expect("housekeeping runs");
}

#[tokio::test]
async fn expired_and_misused_tokens_are_refused() {
    let app = TestApp::start().await;
    let (admin, _) = signed_in(&app, Role::Admin, "admin@radix.test", &[]).await;
    drop(admin);
    let ctx = context(&app);
    let session_user = {
        let mut browser = Browser::new(&app);
        let csrf = input_value(&browser.get("/en/sign-in").await.body, "csrf").expect("csrf");
        browser
            .post(
                "/en/sign-in",
                &[
                    ("email", "admin@radix.test"),
                    ("password", PASSWORD),
                    ("csrf", &csrf),
                ],
            )
            .await;
        let cookie = browser
            .cookies
            .get("__Host-radix_session")
            .expect("cookie")
            .clone();
        radix::identity::session_store::lookup(&app.state.db, &cookie, Utc::now())
            .await
            .expect("q")
            .expect("session")
    };
    let input = NewAccount {
        email: "new@hasselt.be".into(),
        display_name: "Nieuw".into(),
        language: Lang::Nl,
        role: Role::Municipal,
        municipalities: vec!["71072".into()],
    };
    service::invite(&ctx, &session_user, "127.0.0.1", &input, &|_| true)
        .await
        .expect("invite");
    let mail = radix::core::email::recent(&app.state.db, 1)
        .await
        .expect("outbox")
        .remove(0);
    let token = mail
        .body_text
        .lines()
        .find_map(|l| l.split_once("/nl/invitation/").map(|(_, t)| t.to_string()))
        .expect("token");
    assert!(
        service::account_for_token(&ctx, &token, "invitation")
            .await
            .is_ok()
    );
    assert!(
        service::account_for_token(&ctx, &token, "password_reset")
            .await
            .is_err(),
        "a token works for its own purpose only"
    );
    let later = service::Context {
        now: Utc::now() + chrono::Duration::days(8),
        ..context(&app)
    };
    assert!(
        service::account_for_token(&later, &token, "invitation")
            .await
            .is_err(),
        "expired after seven days"
    );
    let mut altered = token.clone();
    altered.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
    assert!(
        service::account_for_token(&ctx, &altered, "invitation")
            .await
            .is_err(),
        "one changed character"
    );
}

#[tokio::test]
async fn pruning_old_audit_entries_keeps_the_rest_verifiable() {
    let app = TestApp::start().await;
    for i in 0..4 {
        audit::record_alone(
            &app.state.db,
            &Actor::system("test"),
            audit::Entry {
                action: "test.thing.touch",
                entity_type: "thing",
                entity_id: i.to_string(),
                details: serde_json::json!({}),
            },
            chrono::Utc::now(),
        )
        .await
        .expect("record");
    }
    let now = Utc::now();
    assert_eq!(
        audit::prune(&app.state.db, now).await.expect("nothing old"),
        0
    );
    let later = now + chrono::Duration::days(audit::RETENTION_DAYS + 1);
    let mut tx = app.state.db.begin().await.expect("tx");
    audit::record(
        &mut tx,
        &Actor::system("test"),
        audit::Entry {
            action: "test.thing.touch",
            entity_type: "thing",
            entity_id: "recent".into(),
            details: serde_json::json!({}),
        },
        later,
    )
    .await
    .expect("record");
    tx.commit().await.expect("commit");
    assert_eq!(audit::prune(&app.state.db, later).await.expect("prune"), 4);
    assert_eq!(
        audit::verify(&app.state.db).await.expect("verify"),
        Verification::Intact { entries: 1 }
    );
}
