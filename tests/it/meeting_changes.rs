//! Changing and cancelling a planned meeting over HTTP: the updated invitation and the
//! cancellation keep the meeting's UID with a higher SEQUENCE, the request goes back to be
//! planned, feeds and lists show the cancellation, and no input stores half a change.

use chrono::{Duration, NaiveDate, NaiveTime};
use radix::core::auth::Role;
use radix::core::email::OutboxRow;
use radix::core::i18n::Lang;

use crate::identity::{Browser, input_value, signed_in};
use crate::support::TestApp;

const REQUESTER: &str = "pv@gent.test";
const ADVISOR: &str = "advisor@radix.test";

async fn mail_to(app: &TestApp, address: &str) -> Vec<OutboxRow> {
    radix::core::email::to_recipient(&app.state.db, address)
        .await
        .expect("outbox")
}

async fn mails_to_both(app: &TestApp) -> usize {
    mail_to(app, REQUESTER).await.len() + mail_to(app, ADVISOR).await.len()
}

/// The calendar file of the last email to `address` that carries one.
async fn last_calendar_to(app: &TestApp, address: &str) -> (OutboxRow, String) {
    let row = mail_to(app, address)
        .await
        .into_iter()
        .rev()
        .find(|m| m.attachment_name.is_some())
        .expect("an email with a calendar file");
    let ics = row.attachment_body.clone().expect("ics");
    (row, ics)
}

fn ics_value(ics: &str, name: &str) -> String {
    ics.replace("\r\n ", "")
        .split("\r\n")
        .find_map(|line| line.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("{name} in {ics}"))
        .to_string()
}

/// A Belgian wall-clock time as iCalendar writes it (UTC).
fn ics_time(date: NaiveDate, hour: u32) -> String {
    let naive = date
        .and_time(NaiveTime::from_hms_opt(hour, 0, 0).expect("time"))
        .and_utc();
    (naive - radix::core::clock::brussels_offset(naive))
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

fn owned(form: &[(&str, String)]) -> Vec<(String, String)> {
    form.iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

async fn post(browser: &mut Browser<'_>, path: &str, form: &[(String, String)]) -> (u16, String) {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = browser.post(path, &pairs).await;
    assert_ne!(page.status, 500, "{path}: {}", page.body);
    (page.status, page.body)
}

struct Planned<'a> {
    member: Browser<'a>,
    advisor: Browser<'a>,
    advisor_id: i64,
    csrf: String,
    request_id: i64,
    meeting_id: i64,
    day: NaiveDate,
}

/// A member's request, assigned to an advisor who plans a meeting in two days.
async fn planned_meeting(app: &TestApp) -> Planned<'_> {
    let (mut member, _) = signed_in(app, Role::Municipal, REQUESTER, &["44021"]).await;
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
    let request_id: i64 = sent
        .location
        .expect("location")
        .trim_start_matches("/nl/my-requests/")
        .split('?')
        .next()
        .expect("id")
        .parse()
        .expect("id");
    let (mut advisor, advisor_id) = signed_in(app, Role::Advisor, ADVISOR, &[]).await;
    let detail = advisor.get(&format!("/nl/support/{request_id}")).await;
    let csrf = input_value(&detail.body, "csrf").expect("csrf");
    let assigned = advisor
        .post(
            &format!("/nl/support/{request_id}"),
            &[
                ("csrf", &csrf),
                ("action", "assign"),
                ("advisor", &advisor_id.to_string()),
            ],
        )
        .await;
    assert_eq!(assigned.status, 200);
    let day = radix::core::clock::Clock::system().today() + Duration::days(2);
    let planned = advisor
        .post(
            &format!("/nl/support/{request_id}/meeting"),
            &[
                ("csrf", &csrf),
                ("kind", "livcr-setup"),
                ("date", &day.to_string()),
                ("start", "10:00"),
                ("end", "12:00"),
                ("place", "municipality:44021"),
                ("place_detail", "Stadhuis, raadzaal"),
                ("staff", &advisor_id.to_string()),
            ],
        )
        .await;
    assert_eq!(planned.status, 303, "{}", planned.body);
    let meeting_id: i64 = planned
        .location
        .expect("meeting")
        .rsplit('/')
        .next()
        .expect("id")
        .parse()
        .expect("id");
    Planned {
        member,
        advisor,
        advisor_id,
        csrf,
        request_id,
        meeting_id,
        day,
    }
}

fn change_form(p: &Planned<'_>, day: NaiveDate, start: &str, end: &str) -> Vec<(String, String)> {
    owned(&[
        ("csrf", p.csrf.clone()),
        ("kind", "follow-up".into()),
        ("date", day.to_string()),
        ("start", start.into()),
        ("end", end.into()),
        ("place", "online:".into()),
        ("place_detail", "Videovergadering".into()),
        ("staff", p.advisor_id.to_string()),
    ])
}

/// The line of "my meetings" on the team page that links to `meeting_path`.
async fn my_meeting_line(browser: &mut Browser<'_>, meeting_path: &str) -> String {
    let team = browser.get("/nl/support").await;
    assert_eq!(team.status, 200);
    let link = format!("<a href=\"{meeting_path}\">");
    team.body
        .lines()
        .flat_map(|line| line.split("<li>"))
        .find(|item| item.starts_with(&link))
        .unwrap_or_else(|| panic!("{meeting_path} is not among my meetings"))
        .to_string()
}

async fn request_state(app: &TestApp, id: i64) -> radix::support::service::Request {
    radix::support::service::request(&app.state.db, id)
        .await
        .expect("request")
}

async fn meeting(app: &TestApp, id: i64) -> radix::support::meetings::Meeting {
    radix::support::meetings::meeting(&app.state.db, id)
        .await
        .expect("meeting")
}

async fn audit_actions(app: &TestApp, prefix: &str) -> Vec<radix::core::audit::AuditRow> {
    radix::core::audit::list(
        &app.state.db,
        &radix::core::audit::AuditFilter {
            action_prefix: Some(prefix.into()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .expect("audit")
}

#[tokio::test]
async fn a_meeting_is_changed_then_cancelled_and_everyone_is_told() {
    let app = TestApp::start().await;
    let mut p = planned_meeting(&app).await;
    let meeting_path = format!("/nl/support/meetings/{}", p.meeting_id);
    let (_, invitation) = last_calendar_to(&app, REQUESTER).await;
    let uid = ics_value(&invitation, "UID");
    assert_eq!(ics_value(&invitation, "SEQUENCE"), "0");

    // "My meetings" on the team page lists it at its planned time (and keeps that list
    // until something changes).
    assert!(
        my_meeting_line(&mut p.advisor, &meeting_path)
            .await
            .contains("10:00")
    );

    // The meeting page offers both steps; the change form starts from the meeting.
    let page = p.advisor.get(&meeting_path).await;
    assert!(page.body.contains(&format!("{meeting_path}/change")));
    assert!(page.body.contains(&format!("{meeting_path}/cancel")));
    let form = p.advisor.get(&format!("{meeting_path}/change")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(&p.day.to_string()));
    assert!(form.body.contains("Stadhuis, raadzaal"));

    // Change: a day later, in the afternoon, online.
    let new_day = p.day + Duration::days(1);
    let mut changed_form = change_form(&p, new_day, "14:00", "16:00");
    // The same person ticked twice counts once.
    changed_form.push(("staff".into(), p.advisor_id.to_string()));
    let changed = p
        .advisor
        .post(
            &format!("{meeting_path}/change"),
            &changed_form
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let location = changed.location.expect("back to the meeting");
    let shown = p.advisor.get(&location).await;
    assert!(
        shown
            .body
            .contains(&app.state.i18n.t(Lang::Nl, "support-meeting-changed"))
    );
    let (row, update) = last_calendar_to(&app, REQUESTER).await;
    assert_eq!(ics_value(&update, "METHOD"), "REQUEST");
    assert_eq!(ics_value(&update, "UID"), uid, "the same event");
    assert_eq!(ics_value(&update, "SEQUENCE"), "1");
    assert_eq!(ics_value(&update, "DTSTART"), ics_time(new_day, 14));
    assert_eq!(ics_value(&update, "DTEND"), ics_time(new_day, 16));
    assert_eq!(ics_value(&update, "STATUS"), "CONFIRMED");
    assert!(
        row.subject.starts_with("Gewijzigd") || row.subject.starts_with("Modifiée"),
        "{}",
        row.subject
    );
    let (staff_row, staff_update) = last_calendar_to(&app, ADVISOR).await;
    assert_eq!(ics_value(&staff_update, "SEQUENCE"), "1");
    assert!(
        staff_row.subject.starts_with("Modifiée"),
        "the advisor reads French: {}",
        staff_row.subject
    );
    let line = my_meeting_line(&mut p.advisor, &meeting_path).await;
    assert!(line.contains("14:00") && !line.contains("10:00"), "{line}");
    let stored = meeting(&app, p.meeting_id).await;
    assert_eq!(stored.sequence, 1);
    assert_eq!(stored.kind, "follow-up");
    assert_eq!(stored.place_kind, "online");
    let req = request_state(&app, p.request_id).await;
    assert_eq!(req.state.code(), "scheduled");
    assert_eq!(req.planned_on, Some(new_day));
    assert_eq!(audit_actions(&app, "support.meeting.change").await.len(), 1);

    // Cancel: the form carries the warning; a reason is required.
    let form = p.advisor.get(&format!("{meeting_path}/cancel")).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains(&app.state.i18n.t(Lang::Nl, "content-no-case-data-title"))
    );
    let csrf = p.csrf.clone();
    let mails_before = mail_to(&app, REQUESTER).await.len();
    let (status, body) = post(
        &mut p.advisor,
        &format!("{meeting_path}/cancel"),
        &owned(&[("csrf", csrf.clone()), ("reason", "   ".into())]),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains(&app.state.i18n.t(Lang::Nl, "support-error-cancel-reason")));
    assert!(!meeting(&app, p.meeting_id).await.is_cancelled());
    assert_eq!(mail_to(&app, REQUESTER).await.len(), mails_before);
    // The file is read (and kept) before the cancellation; it must not stay as it was.
    let file = p.advisor.get("/nl/support/municipalities/44021").await;
    assert!(!file.body.contains("De burgemeester is verhinderd"));
    let cancelled = p
        .advisor
        .post(
            &format!("{meeting_path}/cancel"),
            &[
                ("csrf", &csrf),
                (
                    "reason",
                    "De burgemeester is verhinderd; we stellen een nieuwe datum voor.",
                ),
            ],
        )
        .await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    let (row, cancellation) = last_calendar_to(&app, REQUESTER).await;
    assert_eq!(ics_value(&cancellation, "METHOD"), "CANCEL");
    assert_eq!(ics_value(&cancellation, "STATUS"), "CANCELLED");
    assert_eq!(ics_value(&cancellation, "UID"), uid);
    assert_eq!(ics_value(&cancellation, "SEQUENCE"), "2");
    assert!(row.body_text.contains("De burgemeester is verhinderd"));
    let (_, staff_cancellation) = last_calendar_to(&app, ADVISOR).await;
    assert_eq!(ics_value(&staff_cancellation, "METHOD"), "CANCEL");
    let req = request_state(&app, p.request_id).await;
    assert_eq!(req.state.code(), "assigned", "back to be planned again");
    assert_eq!(req.planned_on, None);
    let transitions = audit_actions(&app, "support.request.transition").await;
    assert!(
        transitions
            .iter()
            .any(|e| e.details.contains("unschedule") && e.entity_id == p.request_id.to_string())
    );
    assert_eq!(audit_actions(&app, "support.meeting.cancel").await.len(), 1);

    // The meeting page says who cancelled, when and why, and offers no more steps.
    let page = p.advisor.get(&meeting_path).await;
    assert!(page.body.contains("De burgemeester is verhinderd"));
    assert!(page.body.contains("Geannuleerd op"));
    assert!(page.body.contains("Test advisor"));
    assert!(!page.body.contains(&format!("{meeting_path}/change")));
    assert!(!page.body.contains(&format!("{meeting_path}/cancel\"")));
    // The request page marks it; the team view and the digest leave it out.
    let detail = p
        .advisor
        .get(&format!("/nl/support/{}", p.request_id))
        .await;
    assert!(
        detail.body.contains(
            &app.state
                .i18n
                .t(Lang::Nl, "support-meeting-cancelled-badge")
        )
    );
    let team = p.advisor.get("/nl/support").await;
    assert_eq!(team.status, 200);
    assert!(!team.body.contains(&meeting_path));
    let file = p.advisor.get("/nl/support/municipalities/44021").await;
    assert!(file.body.contains("De burgemeester is verhinderd"));
    let ctx = crate::identity::context(&app);
    radix::support::meetings::send_weekly_digests(&ctx, true)
        .await
        .expect("digest");
    let digest = mail_to(&app, ADVISOR)
        .await
        .into_iter()
        .rev()
        .find(|m| m.attachment_name.is_none())
        .expect("digest");
    assert!(
        !digest
            .body_text
            .contains(&app.state.i18n.t(Lang::Fr, "support-meeting-kind-follow-up")),
        "{}",
        digest.body_text
    );

    // Subscribed calendars receive the cancellation.
    let page = p.advisor.get("/nl/support/calendar").await;
    let csrf_page = input_value(&page.body, "csrf").expect("csrf");
    let links = p
        .advisor
        .post("/nl/support/calendar", &[("csrf", &csrf_page)])
        .await;
    let start = links.body.find("/calendar/").expect("feed link");
    let token: String = links.body[start + "/calendar/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    for feed_path in [
        format!("/calendar/{token}"),
        format!("/calendar/team/{token}"),
    ] {
        let (status, feed) = app.text(&feed_path).await;
        assert_eq!(status, 200);
        assert!(feed.contains(&format!("UID:{uid}")));
        assert!(feed.contains("SEQUENCE:2\r\n"));
        assert!(feed.contains("STATUS:CANCELLED\r\n"), "{feed}");
    }

    // Afterwards nothing more: no change, no second cancellation, no report, no action.
    let refusal = app
        .state
        .i18n
        .t(Lang::Nl, "support-error-meeting-cancelled");
    let mails_before = mails_to_both(&app).await;
    let attempts = [
        (
            format!("{meeting_path}/change"),
            change_form(&p, new_day, "09:00", "11:00"),
        ),
        (
            format!("{meeting_path}/cancel"),
            owned(&[("csrf", csrf.clone()), ("reason", "Nogmaals".into())]),
        ),
        (
            meeting_path.clone(),
            owned(&[
                ("csrf", csrf.clone()),
                ("action", "report".into()),
                ("report", "Verslag".into()),
            ]),
        ),
        (
            meeting_path.clone(),
            owned(&[
                ("csrf", csrf.clone()),
                ("action", "add_action".into()),
                ("description", "Iets opvolgen".into()),
                ("owner", p.advisor_id.to_string()),
                ("due_on", new_day.to_string()),
            ]),
        ),
    ];
    for (path, form) in &attempts {
        let (status, body) = post(&mut p.advisor, path, form).await;
        assert_eq!(status, 409, "{path}");
        assert!(body.contains(&refusal), "{path}");
    }
    for path in [
        format!("{meeting_path}/change"),
        format!("{meeting_path}/cancel"),
    ] {
        let page = p.advisor.get(&path).await;
        assert_eq!(page.status, 409, "{path}");
        assert!(page.body.contains(&refusal));
    }
    let stored = meeting(&app, p.meeting_id).await;
    assert_eq!(stored.sequence, 2);
    assert!(stored.report.is_empty());
    assert!(
        radix::support::meetings::actions_of(&app.state.db, &[p.meeting_id])
            .await
            .expect("actions")
            .is_empty()
    );
    assert_eq!(mails_to_both(&app).await, mails_before);
    // The member never saw a way in.
    assert_eq!(p.member.get(&meeting_path).await.status, 403);
}

#[tokio::test]
async fn a_request_with_another_meeting_ahead_stays_scheduled_and_removed_staff_are_told() {
    let app = TestApp::start().await;
    let mut p = planned_meeting(&app).await;
    let (_, colleague_id) = signed_in(&app, Role::Backoffice, "colleague@radix.test", &[]).await;
    // A second meeting for the same request.
    let later = p.day + Duration::days(7);
    let second = p
        .advisor
        .post(
            &format!("/nl/support/{}/meeting", p.request_id),
            &[
                ("csrf", &p.csrf),
                ("kind", "follow-up"),
                ("date", &later.to_string()),
                ("start", "10:00"),
                ("end", "11:00"),
                ("place", "online:"),
                ("place_detail", ""),
                ("staff", &p.advisor_id.to_string()),
            ],
        )
        .await;
    assert_eq!(second.status, 303, "{}", second.body);
    let second_id: i64 = second
        .location
        .expect("meeting")
        .rsplit('/')
        .next()
        .expect("id")
        .parse()
        .expect("id");

    // The advisor hands the second meeting to a colleague: the advisor's copy is cancelled.
    let mut form = change_form(&p, later, "10:00", "11:00");
    form.retain(|(k, _)| k != "staff");
    form.push(("staff".into(), colleague_id.to_string()));
    let (status, body) = post(
        &mut p.advisor,
        &format!("/nl/support/meetings/{second_id}/change"),
        &form,
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (removed, removal) = last_calendar_to(&app, ADVISOR).await;
    assert_eq!(ics_value(&removal, "METHOD"), "CANCEL");
    assert_eq!(ics_value(&removal, "SEQUENCE"), "1");
    assert!(
        removed.subject.starts_with("Votre présence"),
        "{}",
        removed.subject
    );
    let (_, invitation) = last_calendar_to(&app, "colleague@radix.test").await;
    assert_eq!(ics_value(&invitation, "METHOD"), "REQUEST");

    // Cancelling the first meeting leaves the request waiting for the second.
    let (status, body) = post(
        &mut p.advisor,
        &format!("/nl/support/meetings/{}/cancel", p.meeting_id),
        &owned(&[
            ("csrf", p.csrf.clone()),
            ("reason", "Samengevoegd met de volgende vergadering.".into()),
        ]),
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        request_state(&app, p.request_id).await.state.code(),
        "scheduled"
    );
    // Cancelling the second too sends it back to be planned.
    let (status, body) = post(
        &mut p.advisor,
        &format!("/nl/support/meetings/{second_id}/cancel"),
        &owned(&[
            ("csrf", p.csrf.clone()),
            ("reason", "Nieuwe datum volgt.".into()),
        ]),
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        request_state(&app, p.request_id).await.state.code(),
        "assigned"
    );
}

#[tokio::test]
async fn bad_input_to_change_or_cancel_stores_nothing_and_never_fails() {
    let app = TestApp::start().await;
    let mut p = planned_meeting(&app).await;
    let member_id = radix::identity::service::list_accounts(&app.state.db)
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.email == REQUESTER)
        .expect("member")
        .id;
    let meeting_path = format!("/nl/support/meetings/{}", p.meeting_id);
    let change_path = format!("{meeting_path}/change");
    let cancel_path = format!("{meeting_path}/cancel");
    let mails_before = mails_to_both(&app).await;
    let tomorrow = radix::core::clock::Clock::system().today() + Duration::days(1);
    let with = |key: &str, value: &str| {
        let mut form = change_form(&p, tomorrow, "10:00", "12:00");
        form.retain(|(k, _)| k != key);
        form.push((key.to_string(), value.to_string()));
        form
    };
    let change_cases = vec![
        ("end before start", with("end", "09:00")),
        ("date in the past", with("date", "2020-03-03")),
        ("unknown staff", with("staff", "999999")),
        ("staff that is no number", with("staff", "abc")),
        ("a member as staff", with("staff", &member_id.to_string())),
        ("no such municipality", with("place", "municipality:00000")),
        ("no place kind", with("place", "somewhere")),
        ("unknown type", with("kind", "party")),
        ("no such day", with("date", "31/02/2030")),
        ("far year", with("date", "99999-01-01")),
        ("negative year", with("date", "-262143-01-01")),
        ("garbage time", with("start", "25:99")),
        (
            "place detail too long",
            with("place_detail", &"x".repeat(500)),
        ),
        (
            "national number in the place",
            with("place_detail", "Bureau 85.07.30-033.28"),
        ),
    ];
    for (why, form) in &change_cases {
        let (status, _) = post(&mut p.advisor, &change_path, form).await;
        assert_eq!(status, 422, "{why}");
    }
    let cancel_cases = [
        ("empty reason", ""),
        ("blank reason", " \n "),
        ("national number", "Wegens 85.07.30-033.28"),
    ];
    let long = "x".repeat(radix::support::meetings::MAX_CANCEL_REASON_CHARS + 1);
    for (why, reason) in cancel_cases
        .iter()
        .map(|(w, r)| (*w, r.to_string()))
        .chain(std::iter::once(("too long", long)))
    {
        let (status, _) = post(
            &mut p.advisor,
            &cancel_path,
            &owned(&[("csrf", p.csrf.clone()), ("reason", reason)]),
        )
        .await;
        assert_eq!(status, 422, "{why}");
    }
    // A forged form (no or a wrong token) is refused before anything is read.
    for path in [&change_path, &cancel_path] {
        let (status, _) = post(
            &mut p.advisor,
            path,
            &owned(&[("csrf", "forged".into()), ("reason", "Reden".into())]),
        )
        .await;
        assert_eq!(status, 403, "{path}");
    }
    // Garbage ids are not found, whatever the form.
    for id in ["abc", "0", "-1", "99999999999999999999", "1e3", "999999"] {
        for step in ["change", "cancel"] {
            let path = format!("/nl/support/meetings/{id}/{step}");
            assert_eq!(p.advisor.get(&path).await.status, 404, "{path}");
            let (status, _) = post(
                &mut p.advisor,
                &path,
                &owned(&[("csrf", p.csrf.clone()), ("reason", "Reden".into())]),
            )
            .await;
            assert_eq!(status, 404, "{path}");
        }
    }
    // Members are refused; anonymous visitors are sent to sign in.
    for path in [&change_path, &cancel_path] {
        assert_eq!(p.member.get(path).await.status, 403);
        let page = p
            .member
            .post(path, &[("csrf", "x"), ("reason", "Reden")])
            .await;
        assert_eq!(page.status, 403);
        let mut anonymous = Browser::new(&app);
        let page = anonymous.get(path).await;
        assert_eq!(page.status, 303);
        assert!(page.location.unwrap_or_default().contains("/sign-in"));
        let page = anonymous.post(path, &[("reason", "Reden")]).await;
        assert_eq!(page.status, 303);
    }

    let stored = meeting(&app, p.meeting_id).await;
    assert_eq!(stored.sequence, 0, "nothing changed");
    assert_eq!(stored.kind, "livcr-setup");
    assert!(!stored.is_cancelled());
    assert_eq!(
        request_state(&app, p.request_id).await.state.code(),
        "scheduled"
    );
    assert_eq!(
        mails_to_both(&app).await,
        mails_before,
        "nobody was emailed"
    );
    assert!(audit_actions(&app, "support.meeting.c").await.is_empty());
}
