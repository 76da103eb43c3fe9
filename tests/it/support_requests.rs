//! Support requests end to end over HTTP: a visitor's request confirmed by email, the
//! acknowledgement with its reference and private link, handling by an advisor through the
//! allowed states only, shared messages and internal notes, members' own requests, spam
//! limits.

use radix::core::auth::Role;
use radix::geo::GeoState;

use crate::identity::{Browser, input_value, signed_in};
use crate::support::TestApp;

fn link_in(text: &str, marker: &str) -> String {
    let start = text.find(marker).expect("link in email");
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '<' || c == '"')
        .next()
        .expect("link")
        .to_string()
}

async fn mail_to(app: &TestApp, address: &str) -> Vec<radix::core::email::OutboxRow> {
    radix::core::email::to_recipient(&app.state.db, address)
        .await
        .expect("outbox")
}

#[tokio::test]
async fn a_visitor_asks_for_help_and_an_advisor_handles_it_step_by_step() {
    let app = TestApp::start().await;
    let mut visitor = Browser::new(&app);
    let form = visitor.get("/fr/request/livcr-setup").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("class=\"warning\""),
        "no-case-data warning"
    );
    let csrf = input_value(&form.body, "csrf").expect("csrf");
    // Missing and wrong answers: refused field by field, nothing kept.
    let refused = visitor
        .post(
            "/fr/request/livcr-setup",
            &[
                ("csrf", &csrf),
                ("municipality_text", "Atlantis"),
                ("name", "Claire Dubois"),
                ("email", "not-an-address"),
                ("situation", "everything"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("href=\"#municipalities\""));
    assert!(refused.body.contains("href=\"#email\""));
    assert!(refused.body.contains("href=\"#situation\""));
    assert!(
        refused.body.contains("value=\"Claire Dubois\""),
        "input kept"
    );
    let sent = visitor
        .post(
            "/fr/request/livcr-setup",
            &[
                ("csrf", &csrf),
                ("municipality_text", "Namur, 92035"),
                ("name", "Claire Dubois"),
                ("email", "claire.dubois@namur.test"),
                ("organisation", "Service prévention"),
                ("situation", "preparation"),
                ("meeting_language", "fr"),
                ("participants", "police"),
                ("participants", "prevention"),
                ("preferred_dates", "Mardis de janvier"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.location.as_deref(), Some("/fr/request/sent"));
    let confirm_mail = mail_to(&app, "claire.dubois@namur.test").await;
    assert_eq!(confirm_mail.len(), 1);
    let confirm_link = link_in(&confirm_mail[0].body_text, "/fr/request/confirm/");
    // Not a request yet: the team does not see it.
    let (mut advisor, advisor_id) = signed_in(&app, Role::Advisor, "advisor@radix.test", &[]).await;
    let team = advisor.get("/fr/support").await;
    assert_eq!(team.status, 200);
    assert!(!team.body.contains("RDX-"));

    let page = visitor.get(&confirm_link).await;
    assert_eq!(page.status, 200);
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    let confirmed = visitor.post(&confirm_link, &[("csrf", &csrf)]).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let again = visitor.post(&confirm_link, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, 404, "a confirmation link works once");
    let mails = mail_to(&app, "claire.dubois@namur.test").await;
    let ack = mails
        .iter()
        .find(|m| m.subject.contains("RDX-"))
        .expect("acknowledgement");
    let follow_link = link_in(&ack.body_text, "/fr/request/follow/");
    let follow = visitor.get(&follow_link).await;
    assert_eq!(follow.status, 200);
    assert!(follow.body.contains("Service prévention") || follow.body.contains("RDX-"));

    // The advisor sees it as unassigned, with a suggested advisor.
    let team = advisor.get("/fr/support").await;
    let id: String = team
        .body
        .match_indices("/fr/support/")
        .map(|(i, m)| {
            team.body[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .find(|id| !id.is_empty())
        .expect("request listed");
    let path = format!("/fr/support/{id}");
    let detail = advisor.get(&path).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("Mardis de janvier"));
    let csrf = input_value(&detail.body, "csrf").expect("csrf");
    // Closing a new request is not a step that exists.
    let refused = advisor
        .post(
            &path,
            &[("csrf", &csrf), ("action", "close"), ("text", "Done")],
        )
        .await;
    assert_eq!(refused.status, 409);
    let assigned = advisor
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "assign"),
                ("advisor", &advisor_id.to_string()),
            ],
        )
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    assert!(
        mail_to(&app, "advisor@radix.test")
            .await
            .iter()
            .any(|m| m.subject.contains("RDX-")),
        "the advisor is told"
    );
    let past = advisor
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "schedule"),
                ("planned_on", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(past.status, 422, "a meeting in the past is refused");
    let next_month =
        (radix::core::clock::Clock::system().today() + chrono::Duration::days(30)).to_string();
    let scheduled = advisor
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "schedule"),
                ("planned_on", &next_month),
            ],
        )
        .await;
    assert_eq!(scheduled.status, 200, "{}", scheduled.body);
    // A shared message reaches the requester; an internal note does not.
    advisor
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "message"),
                ("body", "Pouvez-vous confirmer la salle ?"),
            ],
        )
        .await;
    advisor
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("action", "note"),
                ("body", "Interne : voir aussi la zone de police."),
            ],
        )
        .await;
    let follow = visitor.get(&follow_link).await;
    assert!(follow.body.contains("Pouvez-vous confirmer la salle"));
    assert!(!follow.body.contains("Interne : voir aussi"));
    let csrf_visitor = input_value(&follow.body, "csrf").expect("csrf");
    let reply = visitor
        .post(
            &follow_link,
            &[
                ("csrf", &csrf_visitor),
                ("action", "message"),
                ("body", "Oui, la salle du conseil."),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    for (action, text) in [
        ("deliver", ""),
        ("close", "Cellule en place, suivi dans 6 mois"),
    ] {
        let page = advisor
            .post(
                &path,
                &[("csrf", &csrf), ("action", action), ("text", text)],
            )
            .await;
        assert_eq!(page.status, 200, "{action}: {}", page.body);
    }
    let mails = mail_to(&app, "claire.dubois@namur.test").await;
    assert!(
        mails
            .iter()
            .any(|m| m.body_text.contains("Cellule en place, suivi dans 6 mois"))
    );
    let follow = visitor.get(&follow_link).await;
    assert!(
        !follow.body.contains("name=\"action\" value=\"withdraw\""),
        "closed"
    );
    // The audit trail has every step.
    let entries = radix::core::audit::list(
        &app.state.db,
        &radix::core::audit::AuditFilter {
            entity: Some(("support_request".into(), id.clone())),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert!(entries.len() >= 8, "{} audit entries", entries.len());
}

#[tokio::test]
async fn members_ask_for_their_own_municipalities_only_and_spam_is_held_back() {
    let app = TestApp::start().await;
    let (mut member, _) = signed_in(&app, Role::Municipal, "pv@gent.test", &["44021"]).await;
    let form = member.get("/nl/request/awareness-day").await;
    assert!(form.body.contains("value=\"44021\""));
    let csrf = input_value(&form.body, "csrf").expect("csrf");
    let foreign = member
        .post(
            "/nl/request/awareness-day",
            &[
                ("csrf", &csrf),
                ("municipalities", "21004"),
                ("audience", "municipal-staff"),
                ("participants_count", "40"),
                ("place", "on-site"),
                ("session_language", "nl"),
            ],
        )
        .await;
    assert_eq!(foreign.status, 403);
    let sent = member
        .post(
            "/nl/request/awareness-day",
            &[
                ("csrf", &csrf),
                ("municipalities", "44021"),
                ("audience", "municipal-staff"),
                ("participants_count", "40"),
                ("place", "on-site"),
                ("session_language", "nl"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let mine = member.get("/nl/my-requests").await;
    assert!(mine.body.contains("RDX-"));
    assert!(
        mail_to(&app, "pv@gent.test")
            .await
            .iter()
            .any(|m| m.subject.contains("RDX-")),
        "acknowledgement with the reference"
    );

    // A robot fills the hidden field: it is thanked, nothing is kept.
    let mut robot = Browser::new(&app);
    let form = robot.get("/en/request/question").await;
    let csrf = input_value(&form.body, "csrf").expect("csrf");
    let fields = |email: &'static str| {
        vec![
            ("municipality_text", "Gent"),
            ("name", "Sam Peeters"),
            ("email", email),
            ("category", "cartography"),
            ("message", "Where can I download the map?"),
        ]
    };
    let mut honeypot = fields("robot@spam.test");
    honeypot.push(("website", "http://spam.test"));
    honeypot.push(("csrf", &csrf));
    let page = robot.post("/en/request/question", &honeypot).await;
    assert_eq!(page.status, 303, "looks like a success");
    assert!(mail_to(&app, "robot@spam.test").await.is_empty());
    // Three requests an hour from one mailbox; the fourth waits.
    for attempt in 0..4 {
        let mut form = fields("sam@gent.test");
        form.push(("csrf", &csrf));
        let page = robot.post("/en/request/question", &form).await;
        let expected = if attempt < 3 { 303 } else { 429 };
        assert_eq!(page.status, expected, "attempt {attempt}");
    }
    // A national register number in the message is refused.
    let mut form = fields("other@gent.test");
    form.retain(|(k, _)| *k != "message");
    form.push(("message", "About 85.07.30-033.28"));
    form.push(("csrf", &csrf));
    let page = robot.post("/en/request/question", &form).await;
    assert_eq!(page.status, 422);
}

/// Runs SQL the platform offers no way to do (moving a due date into the past).
async fn raw(app: &TestApp, sql: &str) {
    match &app.state.db {
        radix::core::db::Db::Sqlite(pool) => {
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(pool)
                .await
                .expect("sql");
        }
        radix::core::db::Db::Postgres(pool) => {
            sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(pool)
                .await
                .expect("sql");
        }
    }
}

#[tokio::test]
async fn a_meeting_is_planned_with_an_invitation_reported_and_followed_up() {
    let app = TestApp::start().await;
    let (mut member, _) = signed_in(&app, Role::Municipal, "pv@gent.test", &["44021"]).await;
    let form = member.get("/nl/request/livcr-setup").await;
    let csrf = input_value(&form.body, "csrf").expect("csrf");
    let sent = member
        .post(
            "/nl/request/livcr-setup",
            &[
                ("csrf", &csrf),
                ("municipalities", "44021"),
                ("situation", "no-cell"),
                ("meeting_language", "nl"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let id = sent
        .location
        .expect("location")
        .trim_start_matches("/nl/my-requests/")
        .split('?')
        .next()
        .expect("id")
        .to_string();
    let (mut advisor, advisor_id) = signed_in(&app, Role::Advisor, "advisor@radix.test", &[]).await;
    let detail = advisor.get(&format!("/nl/support/{id}")).await;
    let csrf = input_value(&detail.body, "csrf").expect("csrf");
    let assigned = advisor
        .post(
            &format!("/nl/support/{id}"),
            &[
                ("csrf", &csrf),
                ("action", "assign"),
                ("advisor", &advisor_id.to_string()),
            ],
        )
        .await;
    assert_eq!(assigned.status, 200);
    let plan_path = format!("/nl/support/{id}/meeting");
    let plan = advisor.get(&plan_path).await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    let tomorrow =
        (radix::core::clock::Clock::system().today() + chrono::Duration::days(1)).to_string();
    let staff = advisor_id.to_string();
    let base = |date: &str, start: &'static str, end: &'static str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("kind".to_string(), "livcr-setup".to_string()),
            ("date".to_string(), date.to_string()),
            ("start".to_string(), start.to_string()),
            ("end".to_string(), end.to_string()),
            ("place".to_string(), "municipality:44021".to_string()),
            ("place_detail".to_string(), "Stadhuis, raadzaal".to_string()),
            ("staff".to_string(), staff.clone()),
        ]
    };
    for (form, why) in [
        (base(&tomorrow, "12:00", "10:00"), "end before start"),
        (base("2020-03-03", "10:00", "12:00"), "in the past"),
    ] {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let page = advisor.post(&plan_path, &pairs).await;
        assert_eq!(page.status, 422, "{why}");
    }
    let good = base(&tomorrow, "10:00", "12:00");
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let planned = advisor.post(&plan_path, &pairs).await;
    assert_eq!(planned.status, 303, "{}", planned.body);
    let meeting_path = planned.location.expect("meeting");
    let request = radix::support::service::request(&app.state.db, id.parse().expect("id"))
        .await
        .expect("request");
    assert_eq!(request.state.code(), "scheduled");
    let invitation = mail_to(&app, "pv@gent.test")
        .await
        .into_iter()
        .find(|m| m.attachment_name.is_some())
        .expect("an invitation with a calendar file");
    let ics = invitation.attachment_body.expect("ics");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("METHOD:REQUEST"));
    assert!(ics.contains("DTSTART:") && ics.contains("Stadhuis\\, raadzaal"));
    assert!(
        mail_to(&app, "advisor@radix.test")
            .await
            .iter()
            .any(|m| m.attachment_name.is_some()),
        "staff are invited too"
    );

    // The report: a named participant needs their agreement.
    let page = advisor.get(&meeting_path).await;
    assert_eq!(page.status, 200);
    let report = |consent: &'static str| {
        vec![
            ("csrf", csrf.as_str()),
            ("action", "report"),
            ("participant_role_0", "prevention"),
            ("participant_organisation_0", "Dienst Preventie Gent"),
            ("participant_name_0", "An Peeters"),
            ("consent", consent),
            ("topics", "legal-framework"),
            ("topics", "cell-composition"),
            ("handed_over", "legal-framework-note"),
            (
                "report",
                "Werkafspraken en samenstelling van de cel besproken.",
            ),
        ]
    };
    assert_eq!(advisor.post(&meeting_path, &report("no")).await.status, 422);
    assert_eq!(
        advisor.post(&meeting_path, &report("yes")).await.status,
        200
    );
    let early = advisor
        .post(
            &meeting_path,
            &[
                ("csrf", &csrf),
                ("action", "add_action"),
                ("description", "Ontwerp huishoudelijk reglement sturen"),
                ("owner", &staff),
                ("due_on", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(early.status, 422, "a due date before the meeting");
    let added = advisor
        .post(
            &meeting_path,
            &[
                ("csrf", &csrf),
                ("action", "add_action"),
                ("description", "Ontwerp huishoudelijk reglement sturen"),
                ("owner", &staff),
                ("due_on", &tomorrow),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    // When the action falls due, its owner is reminded once.
    raw(&app, "UPDATE support_action SET due_on = '2021-01-01'").await;
    let ctx = crate::identity::context(&app);
    assert_eq!(
        radix::support::meetings::send_due_reminders(&ctx)
            .await
            .expect("reminders"),
        1
    );
    assert_eq!(
        radix::support::meetings::send_due_reminders(&ctx)
            .await
            .expect("reminders"),
        0,
        "once"
    );
    assert!(mail_to(&app, "advisor@radix.test").await.iter().any(|m| {
        m.body_text
            .contains("Ontwerp huishoudelijk reglement sturen")
    }));
    let digests = radix::support::meetings::send_weekly_digests(&ctx, true)
        .await
        .expect("digest");
    assert_eq!(digests, 1);
    assert_eq!(
        radix::support::meetings::send_weekly_digests(&ctx, true)
            .await
            .expect("digest"),
        0,
        "one digest a week"
    );

    // The municipality file shows it all.
    let file = advisor.get("/nl/support/municipalities/44021").await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains(&request.reference));
    assert!(file.body.contains("Werkafspraken en samenstelling"));
    assert!(file.body.contains("Ontwerp huishoudelijk reglement sturen"));

    // Calendar feeds behind a secret address.
    let page = advisor.get("/nl/support/calendar").await;
    let csrf_page = input_value(&page.body, "csrf").expect("csrf");
    let links = advisor
        .post("/nl/support/calendar", &[("csrf", &csrf_page)])
        .await;
    let start = links.body.find("/calendar/").expect("feed link");
    let token: String = links.body[start + "/calendar/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let feed = app
        .client
        .get(format!("{}/calendar/{token}", app.base))
        .send()
        .await
        .expect("feed");
    assert_eq!(feed.status().as_u16(), 200);
    assert!(feed.text().await.expect("ics").contains("BEGIN:VEVENT"));
    let team = app
        .client
        .get(format!("{}/calendar/team/{token}", app.base))
        .send()
        .await
        .expect("team feed");
    assert_eq!(team.status().as_u16(), 200);
    let wrong = app
        .client
        .get(format!("{}/calendar/{token}x", app.base))
        .send()
        .await
        .expect("feed");
    assert_eq!(wrong.status().as_u16(), 404);
}

/// The number after `label: <strong>` in the team page's count cards.
fn count_in(body: &str, label: &str) -> i64 {
    let marker = format!("<li>{label}: <strong>");
    let start = body.find(&marker).expect("count shown") + marker.len();
    body[start..]
        .split('<')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

#[tokio::test]
async fn the_team_view_follows_every_change_and_pages_its_lists() {
    let app = TestApp::start().await;
    let (mut advisor, advisor_id) = signed_in(&app, Role::Advisor, "advisor@radix.test", &[]).await;
    let geography = app.state.geography();
    radix::support::demo::seed_load(&app.state.db, &geography, 130, app.state.clock.now())
        .await
        .expect("seed");
    // The seed cycles new, assigned, scheduled, delivered, closed, declined.
    let team = advisor.get("/en/support").await;
    assert_eq!(team.status, 200);
    assert_eq!(count_in(&team.body, "New"), 22);
    assert_eq!(count_in(&team.body, "Assigned to an advisor"), 22);
    assert!(
        team.body.contains("Showing 25 of 130."),
        "the latest requests are cut at 25 with their total"
    );
    assert!(team.body.contains("href=\"/en/support/requests/recent\""));
    assert!(team.body.contains("All 66 requests: Assigned to me"));

    // A change made outside this server's handlers (another instance, the CLI) shows at
    // once: the cached figures follow the support revision in the database.
    radix::support::demo::seed_load(&app.state.db, &geography, 6, app.state.clock.now())
        .await
        .expect("seed more");
    let team = advisor.get("/en/support").await;
    assert_eq!(count_in(&team.body, "New"), 23);
    assert!(team.body.contains("Showing 25 of 136."));

    // Assigning a new request through the request page moves it between the counts.
    let unassigned = advisor.get("/en/support/requests/unassigned").await;
    assert_eq!(unassigned.status, 200);
    assert!(unassigned.body.contains("Requests 1 to 23 of 23"));
    let id: String = unassigned
        .body
        .split("href=\"/en/support/")
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_digit()).collect())
        .find(|id: &String| !id.is_empty())
        .expect("a request listed");
    let detail = advisor.get(&format!("/en/support/{id}")).await;
    let csrf = input_value(&detail.body, "csrf").expect("csrf");
    let assigned = advisor
        .post(
            &format!("/en/support/{id}"),
            &[
                ("csrf", &csrf),
                ("action", "assign"),
                ("advisor", &advisor_id.to_string()),
            ],
        )
        .await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    let team = advisor.get("/en/support").await;
    assert_eq!(count_in(&team.body, "New"), 22);
    assert_eq!(count_in(&team.body, "Assigned to an advisor"), 24);

    // The full lists page by fifty, and refuse pages that do not exist.
    let first = advisor.get("/en/support/requests/recent").await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("Requests 1 to 50 of 136"));
    assert!(
        first
            .body
            .contains("href=\"/en/support/requests/recent?page=2\"")
    );
    let last = advisor.get("/en/support/requests/recent?page=3").await;
    assert_eq!(last.status, 200);
    assert!(last.body.contains("Requests 101 to 136 of 136"));
    assert!(last.body.contains("rel=\"prev\""));
    assert!(!last.body.contains("rel=\"next\""));
    for bad in [
        "/en/support/requests/recent?page=4",
        "/en/support/requests/recent?page=0",
        "/en/support/requests/recent?page=-1",
        "/en/support/requests/recent?page=abc",
        "/en/support/requests/recent?page=99999999999999999999999",
        "/en/support/requests/everything",
        "/xx/support/requests/recent",
    ] {
        assert_eq!(advisor.get(bad).await.status, 404, "{bad}");
    }
    let mine = advisor.get("/nl/support/requests/mine").await;
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("lang=\"nl\""));
}
