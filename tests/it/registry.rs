//! The LIVC-R registry and the national cartography end to end over HTTP: a declaration
//! reviewed by an advisor changes the public map, a snapshot stays frozen, earlier dates keep
//! their picture, overlaps and bad input are refused, surveys and mergers work.

use radix::core::auth::Role;
use radix::core::i18n::Lang;
use radix::geo::GeoState;
use radix::registry::RegistryState;
use radix::registry::domain::{Observed, Source};
use radix::registry::service::{self, NewObservation, Recorder};
use serde_json::Value;

use crate::identity::{Browser, input_value, signed_in};
use crate::support::TestApp;

async fn json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app
        .client
        .get(format!("{}{}", app.base, path))
        .send()
        .await
        .expect("get");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn status_of<'a>(cartography: &'a Value, nis: &str) -> &'a Value {
    cartography["municipalities"]
        .as_array()
        .expect("list")
        .iter()
        .find(|m| m["nis"] == nis)
        .unwrap_or(&Value::Null)
}

fn area<'a>(summary: &'a Value, key: &str) -> &'a Value {
    summary["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .find(|a| a["area"] == key)
        .expect("area")
}

fn declaration_id(location: &str) -> String {
    location
        .rsplit('/')
        .next()
        .expect("id")
        .split('?')
        .next()
        .expect("id")
        .to_string()
}

/// Creates a cell as Radix staff would (the registry is reloaded).
async fn new_cell(app: &TestApp, name: &str) -> i64 {
    let actor = radix::core::audit::Actor::system("test");
    let reviewer = service::Reviewer {
        actor: &actor,
        user_id: 0,
        label: "test",
    };
    let id = service::create_cell(&crate::identity::context(app), &reviewer, name)
        .await
        .expect("cell");
    app.state.freshen().await.expect("freshen");
    id
}

/// Records observations as Radix staff would (the registry is reloaded).
async fn record(
    app: &TestApp,
    observations: &[NewObservation],
) -> Result<(), service::RegistryError> {
    let actor = radix::core::audit::Actor::system("test");
    let result = service::record_observations(
        &crate::identity::context(app),
        &Recorder {
            actor: &actor,
            label: "test",
        },
        &app.state.registry(),
        &app.state.geography(),
        observations,
        None,
        Lang::En,
    )
    .await;
    app.state.freshen().await.expect("freshen");
    result
}

#[tokio::test]
async fn a_declaration_accepted_by_an_advisor_changes_the_map_and_a_snapshot_stays_frozen() {
    let app = TestApp::start().await;
    let (mut member, member_id) =
        signed_in(&app, Role::Municipal, "preventie@gent.test", &["44021"]).await;
    let (_, stranger_id) =
        signed_in(&app, Role::Municipal, "someone@ixelles.test", &["21009"]).await;
    let mine = member.get("/nl/livc-r/declarations").await;
    assert_eq!(mine.status, 200);
    let csrf = input_value(&mine.body, "csrf").expect("csrf");
    let started = member
        .post(
            "/nl/livc-r/declarations/new",
            &[("nis", "44021"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let form_path = started.location.expect("location");
    let id = declaration_id(&form_path);
    let form = member.get(&form_path).await;
    assert!(form.body.contains("name=\"situation\""), "{}", form.body);
    assert!(
        form.body.contains("class=\"warning\""),
        "the no-case-data warning"
    );
    // A draft stays private: saved, not sent.
    let saved = member
        .post(
            &form_path,
            &[
                ("csrf", &csrf),
                ("situation", "own"),
                ("cell_name", "LIVC-R Gent"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let before = json(&app, "/api/v1/cartography").await.1;
    assert_eq!(status_of(&before, "44021")["status"], "unknown");

    // Only a member of the municipality can hold a contact role.
    let foreign = member
        .post(
            &form_path,
            &[
                ("csrf", &csrf),
                ("situation", "own"),
                ("cell_name", "LIVC-R Gent"),
                ("meeting_frequency", "quarterly"),
                ("coordinator_account", &stranger_id.to_string()),
                ("contact_consent", "yes"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(foreign.status, 422);
    assert!(foreign.body.contains("coordinator_account"));
    let sent = member
        .post(
            &form_path,
            &[
                ("csrf", &csrf),
                ("situation", "own"),
                ("cell_name", "LIVC-R Gent"),
                ("founded_on", "2018-03-01"),
                ("rules_adopted", "yes"),
                ("rules_adopted_on", "12/09/2018"),
                ("meeting_frequency", "quarterly"),
                ("services", "police"),
                ("services", "prevention"),
                ("services", "social-welfare"),
                ("coordinator_contact", "livcr@gent.test"),
                ("coordinator_account", &member_id.to_string()),
                ("contact_consent", "yes"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    // Unverified information is never public.
    let pending = json(&app, "/api/v1/cartography").await.1;
    assert_eq!(status_of(&pending, "44021")["status"], "unknown");

    let (mut advisor, _) = signed_in(&app, Role::Advisor, "advisor@radix.test", &[]).await;
    let queue = advisor.get("/nl/registry").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue
            .body
            .contains(&format!("/nl/registry/declarations/{id}"))
    );
    let review = advisor
        .get(&format!("/nl/registry/declarations/{id}"))
        .await;
    assert_eq!(review.status, 200);
    assert!(review.body.contains("LIVC-R Gent"));
    // Founded in 2018, nothing recorded since: it counts from the start of the registry.
    assert_eq!(
        input_value(&review.body, "effective_on").as_deref(),
        Some("2019-01-01")
    );
    let csrf = input_value(&review.body, "csrf").expect("csrf");
    let accepted = advisor
        .post(
            &format!("/nl/registry/declarations/{id}"),
            &[
                ("csrf", &csrf),
                ("decision", "accept"),
                ("effective_on", "2019-01-01"),
            ],
        )
        .await;
    assert_eq!(accepted.status, 303, "{}", accepted.body);

    let after = json(&app, "/api/v1/cartography").await.1;
    let gent = status_of(&after, "44021");
    assert_eq!(gent["status"], "own");
    assert_eq!(gent["cell"]["name"], "LIVC-R Gent");
    assert_eq!(gent["since"], "2019-01-01");
    assert_eq!(gent["source_type"], "declaration");
    let cell_id = gent["cell"]["id"].as_i64().expect("cell id");
    assert_eq!(
        app.state
            .registry()
            .cell(cell_id)
            .and_then(|c| c.coordinator_user_id),
        Some(member_id),
        "the coordinator role is linked to the member's account"
    );
    let summary = json(&app, "/api/v1/cartography/summary").await.1;
    assert_eq!(area(&summary, "BE")["cells"], 1);
    assert_eq!(area(&summary, "VLG")["municipalities_covered"], 1);
    assert_eq!(area(&summary, "BE")["municipalities"], 565);
    let map = app
        .client
        .get(format!("{}/en/cartography", app.base))
        .send()
        .await
        .expect("map")
        .text()
        .await
        .expect("text");
    assert!(map.contains("Gent: Own LIVC-R"), "the map names the status");
    assert!(map.contains("LIVC-R Gent"));
    let emails = radix::core::email::to_recipient(&app.state.db, "preventie@gent.test")
        .await
        .expect("outbox");
    assert!(
        emails.iter().any(|e| e.subject.contains("Gent")),
        "acceptance email"
    );

    // Back-office publishes a state of play.
    let (mut backoffice, _) = signed_in(&app, Role::Backoffice, "backoffice@radix.test", &[]).await;
    let form = backoffice.get("/fr/registry/snapshots").await;
    assert_eq!(form.status, 200);
    let csrf = input_value(&form.body, "csrf").expect("csrf");
    let today = radix::core::clock::Clock::system().today().to_string();
    let published = backoffice
        .post(
            "/fr/registry/snapshots",
            &[
                ("csrf", &csrf),
                ("date", &today),
                ("title", "État des lieux de test"),
                ("method", "Déclarations vérifiées."),
            ],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let snapshot_path = published.location.expect("location");
    let snapshot_id = snapshot_path.rsplit('/').next().expect("id").to_string();
    let page = Browser::new(&app).get(&snapshot_path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("État des lieux de test"));

    // Later information arrives: the live map changes, the snapshot does not, and an
    // earlier date still shows the earlier picture.
    record(
        &app,
        &[NewObservation {
            nis: "44021".into(),
            effective_on: radix::core::clock::Clock::system().today(),
            status: Observed::None,
            cell_id: None,
            source: Source::Advisor,
            source_reference: "call".into(),
        }],
    )
    .await
    .expect("recorded");
    let live = json(&app, "/api/v1/cartography").await.1;
    assert_eq!(status_of(&live, "44021")["status"], "none");
    let earlier = json(&app, "/api/v1/cartography?date=2020-01-01").await.1;
    assert_eq!(status_of(&earlier, "44021")["status"], "own");
    assert_eq!(earlier["count"], 581, "2020 has 581 municipalities");
    let (status, frozen) = json(&app, &format!("/api/v1/snapshots/{snapshot_id}")).await;
    assert_eq!(status, 200);
    let entry = frozen["municipalities"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|m| m["nis"] == "44021")
        .expect("gent");
    assert_eq!(entry["status"], "own");
    assert_eq!(area(&frozen["summary"], "BE")["cells"], 1);
    let list = json(&app, "/api/v1/snapshots").await.1;
    assert_eq!(list["count"], 1);
}

#[tokio::test]
async fn a_municipality_is_in_one_cell_at_a_time_and_joint_cells_count_once() {
    let app = TestApp::start().await;
    let joint = new_cell(&app, "Gezamenlijke LIVC-R Test").await;
    let other = new_cell(&app, "LIVC-R Andere").await;
    let day = chrono::NaiveDate::from_ymd_opt(2020, 3, 1).expect("date");
    let observe = |nis: &str, cell: i64| NewObservation {
        nis: nis.into(),
        effective_on: day,
        status: Observed::Active,
        cell_id: Some(cell),
        source: Source::PublicDecision,
        source_reference: String::new(),
    };
    // Aalst (41002) and Denderleeuw (41011) share a cell.
    record(&app, &[observe("41002", joint), observe("41011", joint)])
        .await
        .expect("joint cell");
    let refused = record(&app, &[observe("41011", other)])
        .await
        .expect_err("overlap refused");
    let message = refused.message(&app.state.i18n, Lang::En);
    assert!(
        message.contains("Gezamenlijke LIVC-R Test") && message.contains("Denderleeuw"),
        "{message}"
    );
    let summary = json(&app, "/api/v1/cartography/summary?date=2021-01-01")
        .await
        .1;
    assert_eq!(area(&summary, "BE")["cells"], 1);
    assert_eq!(area(&summary, "BE")["municipalities_covered"], 2);
    assert_eq!(area(&summary, "BE")["joint"], 2);
    assert_eq!(area(&summary, "BE")["unknown"], 579);
    let before = json(&app, "/api/v1/cartography/summary?date=2020-02-29")
        .await
        .1;
    assert_eq!(area(&before, "BE")["cells"], 0);
    // The same through the advisor's form, naming a new cell: refused, and no orphan cell.
    let (mut advisor, _) = signed_in(&app, Role::Advisor, "advisor@radix.test", &[]).await;
    let page = advisor.get("/en/registry/municipalities/41011").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Gezamenlijke LIVC-R Test"),
        "history shown"
    );
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    let refused = advisor
        .post(
            "/en/registry/municipalities/41011",
            &[
                ("csrf", &csrf),
                ("effective_on", "2021-05-01"),
                ("status", "active"),
                ("new_cell", "LIVC-R Denderleeuw"),
                ("source", "advisor"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("already belongs to Gezamenlijke LIVC-R Test")
    );
    assert_eq!(app.state.registry().cells().count(), 2, "no orphan cell");
    let left = advisor
        .post(
            "/en/registry/municipalities/41011",
            &[
                ("csrf", &csrf),
                ("effective_on", "2021-05-01"),
                ("status", "none"),
                ("source", "advisor"),
                ("source_reference", "phone call with the prevention service"),
            ],
        )
        .await;
    assert_eq!(left.status, 200, "{}", left.body);
    let moved = advisor
        .post(
            "/en/registry/municipalities/41011",
            &[
                ("csrf", &csrf),
                ("effective_on", "2021-06-01"),
                ("status", "active"),
                ("new_cell", "LIVC-R Denderleeuw"),
                ("source", "public-decision"),
            ],
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let later = json(&app, "/api/v1/cartography?date=2021-07-01").await.1;
    assert_eq!(status_of(&later, "41011")["status"], "own");
    assert_eq!(
        status_of(&later, "41002")["status"],
        "own",
        "Aalst alone in its cell now"
    );
}

#[tokio::test]
async fn counts_use_the_municipalities_of_the_date_and_keep_the_german_speaking_community_inside_wallonia()
 {
    let app = TestApp::start_with(true).await;
    for (date, total) in [
        ("2019-06-15", 581),
        ("2024-12-15", 580),
        ("2025-06-01", 565),
    ] {
        let (status, summary) =
            json(&app, &format!("/api/v1/cartography/summary?date={date}")).await;
        assert_eq!(status, 200);
        let be = area(&summary, "BE");
        assert_eq!(be["municipalities"], total, "{date}");
        let sum: u64 = ["BRU", "VLG", "WAL"]
            .iter()
            .map(|k| area(&summary, k)["municipalities"].as_u64().expect("n"))
            .sum();
        assert_eq!(sum, total, "regions add up to Belgium on {date}");
        let parts: u64 = [
            "municipalities_covered",
            "in_preparation",
            "without",
            "unknown",
        ]
        .iter()
        .map(|k| be[*k].as_u64().expect("n"))
        .sum();
        assert_eq!(parts, total, "every municipality has one status on {date}");
        let dg = area(&summary, "DG");
        assert_eq!(dg["part_of"], "WAL");
        assert_eq!(dg["municipalities"], 9);
        let cartography = json(&app, &format!("/api/v1/cartography?date={date}"))
            .await
            .1;
        assert_eq!(cartography["count"], total);
    }
    // The demo history has joint cells, unknowns and merged municipalities.
    let today = json(&app, "/api/v1/cartography/summary").await.1;
    let be = area(&today, "BE");
    assert!(be["joint"].as_u64().expect("n") > 20);
    assert!(be["cells"].as_u64().expect("n") < be["municipalities_covered"].as_u64().expect("n"));
    let early = json(&app, "/api/v1/cartography/summary?date=2019-06-15")
        .await
        .1;
    assert!(area(&early, "BE")["unknown"].as_u64().expect("n") > 20);
    // Every page of the cartography answers in the four languages.
    for lang in ["nl", "fr", "de", "en"] {
        for path in [
            "/cartography",
            "/cartography?date=2019-06-15&view=tiles&region=WAL",
            "/cartography?sort=status&dir=desc",
            "/cartography/history",
            "/cartography/snapshots",
            "/cartography/embed",
            "/municipalities/44021",
        ] {
            let response = app
                .client
                .get(format!("{}/{lang}{path}", app.base))
                .send()
                .await
                .expect("page");
            assert_eq!(response.status().as_u16(), 200, "{lang}{path}");
        }
    }
    let embed = app
        .client
        .get(format!("{}/nl/cartography/embed", app.base))
        .send()
        .await
        .expect("embed");
    let csp = embed.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(csp.contains("frame-ancestors"), "{csp}");
}

#[tokio::test]
async fn downloads_are_complete_and_safe_in_a_spreadsheet() {
    let app = TestApp::start().await;
    let cell = new_cell(&app, "=HYPERLINK(\"http://evil.test\")").await;
    record(
        &app,
        &[NewObservation {
            nis: "21004".into(),
            effective_on: chrono::NaiveDate::from_ymd_opt(2019, 5, 1).expect("date"),
            status: Observed::Active,
            cell_id: Some(cell),
            source: Source::Partner,
            source_reference: String::new(),
        }],
    )
    .await
    .expect("recorded");
    let csv = app
        .client
        .get(format!("{}/api/v1/cartography/table.csv?lang=fr", app.base))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let text = csv.text().await.expect("text");
    assert!(text.starts_with('\u{feff}'), "BOM for spreadsheets");
    assert_eq!(text.lines().count(), 566, "header and 565 municipalities");
    assert!(text.contains("Commune"), "French headers");
    assert!(
        text.contains("'=HYPERLINK"),
        "formula neutralised: {}",
        &text[..400]
    );
    assert!(!text.contains(",=HYPERLINK"));
    let xlsx = app
        .client
        .get(format!(
            "{}/api/v1/cartography/table.xlsx?date=2020-01-01",
            app.base
        ))
        .send()
        .await
        .expect("xlsx");
    assert_eq!(xlsx.status().as_u16(), 200);
    let bytes = xlsx.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip file");
    let svg = app
        .client
        .get(format!("{}/api/v1/cartography/map.svg?lang=de", app.base))
        .send()
        .await
        .expect("svg");
    assert_eq!(svg.status().as_u16(), 200);
    let svg = svg.text().await.expect("svg");
    assert!(
        svg.contains("<svg") && svg.contains("Status der LIVC-R"),
        "titled map"
    );
    assert_eq!(svg.matches("class=\"map-link\"").count(), 565);
    let png = app
        .client
        .get(format!("{}/api/v1/cartography/map.png?lang=nl", app.base))
        .send()
        .await
        .expect("png");
    assert_eq!(png.status().as_u16(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert!(png.bytes().await.expect("bytes").starts_with(b"\x89PNG"));
    // No boundaries imported: the geographic view and GeoJSON say so.
    let (status, body) = json(&app, "/api/v1/cartography/map.geojson").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "cartography-error-no-boundaries");
    let (status, _) = json(&app, "/api/v1/cartography/map.svg?view=geo").await;
    assert_eq!(status, 400);
    let (status, openapi) = json(&app, "/api/openapi.json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/cartography",
        "/api/v1/cartography/summary",
        "/api/v1/cartography/map.svg",
        "/api/v1/snapshots",
        "/api/v1/snapshots/{id}",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} documented");
    }
}

#[tokio::test]
async fn bad_dates_and_parameters_get_a_clear_answer_and_never_a_500() {
    let app = TestApp::start().await;
    for (query, code) in [
        ("date=2019-02-30", "geo-error-date-invalid"),
        ("date=../../etc", "geo-error-date-invalid"),
        ("date=2018-12-31", "geo-error-date-before-reference"),
        ("date=2099-01-01", "cartography-error-date-future"),
        ("view=satellite", "cartography-error-view"),
        ("region=XX", "geo-error-unknown-region"),
    ] {
        for path in [
            "/api/v1/cartography",
            "/api/v1/cartography/summary",
            "/api/v1/cartography/map.svg",
            "/api/v1/cartography/table.csv",
        ] {
            let (status, body) = json(&app, &format!("{path}?{query}")).await;
            assert_eq!(status, 400, "{path}?{query}");
            assert_eq!(body["error"], code, "{path}?{query}");
        }
        let page = app
            .client
            .get(format!("{}/fr/cartography?{query}", app.base))
            .send()
            .await
            .expect("page");
        assert_eq!(page.status().as_u16(), 200, "the page explains: {query}");
        let body = page.text().await.expect("text");
        assert!(body.contains("error-summary"), "{query}");
        assert!(!body.contains("../../etc\""), "no raw echo");
    }
    let (status, body) = json(&app, "/api/v1/cartography/map.svg?lang=xx").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("cartography-error-lang"))
    );
    let (status, _) = json(&app, "/api/v1/snapshots/abc").await;
    assert_eq!(status, 404);
    let (status, _) = json(&app, "/api/v1/snapshots/99999999999999999999999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_declaration_with_bad_facts_is_refused_field_by_field_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let (mut member, _) = signed_in(&app, Role::Municipal, "pv@liege.test", &["62063"]).await;
    let mine = member.get("/fr/livc-r/declarations").await;
    let csrf = input_value(&mine.body, "csrf").expect("csrf");
    // Another municipality's declaration cannot be started.
    let foreign = member
        .post(
            "/fr/livc-r/declarations/new",
            &[("nis", "44021"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(foreign.status, 403);
    let started = member
        .post(
            "/fr/livc-r/declarations/new",
            &[("nis", "62063"), ("csrf", &csrf)],
        )
        .await;
    let path = started.location.expect("location");
    let former = app
        .state
        .geography()
        .all_municipalities()
        .iter()
        .find(|m| m.valid_to.is_some())
        .map(|m| m.nis.clone())
        .expect("a former municipality");
    for (fields, key_text) in [
        (
            vec![
                ("situation", "own"),
                ("cell_name", "CSIL-R Liège"),
                ("founded_on", "2014-12-31"),
            ],
            "2015",
        ),
        (
            vec![
                ("situation", "own"),
                ("cell_name", "CSIL-R Liège"),
                ("founded_on", "2099-01-01"),
            ],
            "futur",
        ),
        (
            vec![
                ("situation", "own"),
                ("cell_name", "CSIL-R Liège"),
                ("founded_on", "30/02/2020"),
            ],
            "JJ/MM/AAAA",
        ),
        (
            vec![
                ("situation", "joint"),
                ("cell_name", "CSIL-R commune"),
                ("joint_with_other", "99999"),
            ],
            "INS",
        ),
        (
            vec![
                ("situation", "joint"),
                ("cell_name", "CSIL-R commune"),
                ("joint_with_other", former.as_str()),
            ],
            "INS",
        ),
        (
            vec![
                ("situation", "own"),
                ("cell_name", "CSIL-R Liège"),
                ("remarks", "Dossier 85.07.30-033.28"),
            ],
            "registre national",
        ),
        (
            vec![
                ("situation", "own"),
                ("cell_name", ""),
                ("meeting_frequency", "daily"),
            ],
            "fréquence",
        ),
    ] {
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("action", "send")];
        form.extend(fields.iter().copied());
        let page = member.post(&path, &form).await;
        assert_eq!(page.status, 422, "{fields:?}");
        assert!(page.body.contains(key_text), "{fields:?}: {key_text}");
    }
    let pending = service::declarations_in_states(&app.state.db, &["submitted"], None, None)
        .await
        .expect("list");
    assert!(pending.is_empty(), "nothing was sent");
    // 5 MB of garbage: refused before any handler work, no 500.
    let garbage = "x".repeat(5 * 1024 * 1024);
    let response = app
        .client
        .post(format!("{}{}", app.base, path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(garbage)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 413);
}

#[tokio::test]
async fn a_survey_answer_arrives_as_a_declaration_and_links_cannot_be_reused() {
    let app = TestApp::start().await;
    signed_in(
        &app,
        Role::Municipal,
        "secretariat@etterbeek.test",
        &["21005"],
    )
    .await;
    signed_in(&app, Role::Municipal, "prevention@ixelles.test", &["21009"]).await;
    let (mut backoffice, _) = signed_in(&app, Role::Backoffice, "bo@radix.test", &[]).await;
    let page = backoffice.get("/nl/registry/surveys").await;
    assert_eq!(page.status, 200);
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    let closes =
        (radix::core::clock::Clock::system().today() + chrono::Duration::days(14)).to_string();
    let launched = backoffice
        .post(
            "/nl/registry/surveys",
            &[
                ("csrf", &csrf),
                ("title", "Bevraging Brussel"),
                ("scope", "BRU"),
                ("closes_on", &closes),
            ],
        )
        .await;
    assert_eq!(launched.status, 303, "{}", launched.body);
    let survey_path = launched.location.expect("location");
    let overview = backoffice.get(&survey_path).await;
    assert!(overview.body.contains("secretariat@etterbeek.test"));
    let link_of = |body: &str| {
        let start = body.find("/survey/").expect("link");
        body[start..]
            .split(|c: char| c.is_whitespace() || c == '<' || c == '"')
            .next()
            .expect("token")
            .to_string()
    };
    let mail = radix::core::email::to_recipient(&app.state.db, "secretariat@etterbeek.test")
        .await
        .expect("outbox");
    let link = link_of(
        &mail
            .iter()
            .find(|m| m.subject.contains("Bevraging"))
            .expect("survey mail")
            .body_text,
    );
    let path = format!("/nl{link}");
    let mut visitor = Browser::new(&app);
    let form = visitor.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let token_csrf = input_value(&form.body, "csrf").expect("csrf");
    // One character changed: not a valid link.
    let mut altered = path.clone();
    let last = altered.pop().expect("char");
    altered.push(if last == 'a' { 'b' } else { 'a' });
    assert_eq!(visitor.get(&altered).await.status, 404);
    let answered = visitor
        .post(
            &path,
            &[
                ("csrf", &token_csrf),
                ("situation", "preparation"),
                ("cell_name", "LIVC-R Etterbeek"),
                ("meeting_frequency", "unknown"),
            ],
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    let again = visitor.get(&path).await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("class=\"notice\""), "already answered");
    let pending = service::declarations_in_states(&app.state.db, &["submitted"], None, None)
        .await
        .expect("list");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].nis, "21005");
    assert!(pending[0].survey_invitation_id.is_some());
    // Closing the campaign ends the other links.
    let overview = backoffice.get(&survey_path).await;
    let csrf = input_value(&overview.body, "csrf").expect("csrf");
    let closed = backoffice
        .post(&survey_path, &[("csrf", &csrf), ("action", "close")])
        .await;
    assert_eq!(closed.status, 200);
    let other = radix::core::email::to_recipient(&app.state.db, "prevention@ixelles.test")
        .await
        .expect("outbox");
    let other_link = link_of(
        &other
            .iter()
            .find(|m| m.subject.contains("Bevraging"))
            .expect("mail")
            .body_text,
    );
    let gone = visitor.get(&format!("/fr{other_link}")).await;
    assert_eq!(gone.status, 410);
}

#[tokio::test]
async fn a_merged_municipality_gets_a_proposal_that_back_office_confirms() {
    let app = TestApp::start().await;
    let geography = app.state.geography();
    // A successor whose predecessors were all in one cell.
    let successor = geography
        .all_municipalities()
        .iter()
        .find(|m| {
            geography.predecessors_of(&m.nis).len() >= 2 && m.valid_from.to_string() == "2025-01-01"
        })
        .expect("a 2025 merger")
        .nis
        .clone();
    let formers: Vec<String> = geography
        .predecessors_of(&successor)
        .iter()
        .map(|p| p.former_nis.clone())
        .filter(|f| *f != successor)
        .collect();
    let cell = new_cell(&app, "Gezamenlijke LIVC-R Fusie").await;
    let observations: Vec<NewObservation> = formers
        .iter()
        .map(|nis| NewObservation {
            nis: nis.clone(),
            effective_on: chrono::NaiveDate::from_ymd_opt(2021, 1, 1).expect("date"),
            status: Observed::Active,
            cell_id: Some(cell),
            source: Source::Survey,
            source_reference: String::new(),
        })
        .collect();
    record(&app, &observations).await.expect("recorded");
    let today = json(&app, "/api/v1/cartography").await.1;
    assert_eq!(
        status_of(&today, &successor)["status"],
        "unknown",
        "until confirmed"
    );
    let (mut backoffice, _) = signed_in(&app, Role::Backoffice, "bo@radix.test", &[]).await;
    let page = backoffice.get("/nl/registry/mergers").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("value=\"{successor}\"")));
    let csrf = input_value(&page.body, "csrf").expect("csrf");
    let confirmed = backoffice
        .post(
            "/nl/registry/mergers",
            &[
                ("csrf", &csrf),
                ("nis", &successor),
                ("status", "active"),
                ("cell", &cell.to_string()),
            ],
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let today = json(&app, "/api/v1/cartography").await.1;
    let entry = status_of(&today, &successor);
    assert_eq!(entry["source_type"], "merger");
    assert_eq!(entry["cell"]["id"], cell);
    // The former municipalities keep their own history.
    let before = json(&app, "/api/v1/cartography?date=2024-06-01").await.1;
    for former in &formers {
        assert_ne!(status_of(&before, former)["status"], "unknown");
    }
}

#[tokio::test]
async fn the_padded_demo_history_holds_exactly_the_observations_asked_for() {
    let app = TestApp::start().await;
    let geography = app.state.geography();
    // Padding events drawn on a date a municipality did not exist (before or after a
    // merger) cannot be stored; they are drawn again rather than silently missing.
    let added = radix::registry::demo::load(&app.state.db, &geography, 6000, app.state.clock.now())
        .await
        .expect("demo history");
    assert_eq!(added, 6000);
    let more = radix::registry::demo::load(&app.state.db, &geography, 6500, app.state.clock.now())
        .await
        .expect("more padding");
    assert_eq!(more, 500);
    let again = radix::registry::demo::load(&app.state.db, &geography, 6500, app.state.clock.now())
        .await
        .expect("nothing to add");
    assert_eq!(again, 0);
}
