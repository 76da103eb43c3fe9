//! Background jobs: the real server runs housekeeping on its own, two instances on one
//! database run each job once, failed jobs are retried with back-off and then kept for an
//! administrator, and the clock can be fixed so that nothing sleeps.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use radix::core::audit::Actor;
use radix::core::auth::Role;
use radix::core::clock::Clock;
use radix::core::i18n::Lang;
use radix::core::jobs::{self, JobRun, JobSpec, Runner};
use radix::identity::service::{self, NewAccount};
use radix::identity::session_store as session;
use radix::{App, AppState, StartOptions};

use crate::identity::PASSWORD;
use crate::support::{TestApp, fresh_database};

/// The defect this guards against: housekeeping existed but nothing ever called it, so
/// expired sessions stayed in the database for ever.
#[tokio::test]
async fn the_running_server_removes_an_expired_session_on_its_own() {
    let database = fresh_database().await;
    let mut config = database.config();
    config.housekeeping_interval_seconds = 1;
    config.jobs_poll_milliseconds = 100;
    let state = App::start(
        config,
        StartOptions {
            pool: database.pool.clone(),
            ..StartOptions::default()
        },
    )
    .await
    .expect("app starts");
    let user_id = service::create_active_account(
        &state.context(),
        &NewAccount {
            email: "expired@radix.test".into(),
            display_name: "Expired".into(),
            language: Lang::Nl,
            role: Role::Municipal,
            municipalities: vec!["44021".into()],
        },
        PASSWORD,
        &Actor::system("test"),
    )
    .await
    .expect("account");
    let mut tx = state.db.begin().await.expect("tx");
    let long_ago = state.clock.now() - chrono::Duration::hours(2);
    session::create(&mut tx, user_id, true, "127.0.0.1", "test", long_ago)
        .await
        .expect("old session");
    let fresh = session::create(
        &mut tx,
        user_id,
        true,
        "127.0.0.1",
        "test",
        state.clock.now(),
    )
    .await
    .expect("fresh session");
    tx.commit().await.expect("commit");
    assert_eq!(
        session::list_for_user(&state.db, user_id)
            .await
            .expect("list")
            .len(),
        2
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server = tokio::spawn(radix::serve(state.clone(), listener));
    let mut left = 2;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = session::list_for_user(&state.db, user_id)
            .await
            .expect("list")
            .len();
        if left == 1 {
            break;
        }
    }
    server.abort();
    assert_eq!(left, 1, "the expired session is gone, the fresh one stays");
    assert!(
        session::lookup(&state.db, &fresh, state.clock.now())
            .await
            .expect("lookup")
            .is_some()
    );
    let overview = jobs::overview(&state.db).await.expect("jobs");
    let housekeeping = overview
        .iter()
        .find(|job| job.kind == "identity.housekeeping")
        .expect("the housekeeping job has its row");
    assert!(housekeeping.runs >= 1);
    assert!(housekeeping.last_error.is_none());
}

fn counting_job(
    kind: &'static str,
    runs: Arc<Mutex<HashMap<String, usize>>>,
    every: Option<chrono::Duration>,
) -> JobSpec<()> {
    let handler = move |_: (), run: JobRun| {
        let runs = runs.clone();
        async move {
            // Long enough for the other instance to try the same row meanwhile.
            tokio::time::sleep(Duration::from_millis(20)).await;
            *runs
                .lock()
                .expect("lock")
                .entry(format!("{}:{}", run.kind, run.key))
                .or_default() += 1;
            Ok(None)
        }
    };
    match every {
        Some(period) => JobSpec::every(kind, period, handler),
        None => JobSpec::on_demand(kind, 3, handler),
    }
}

#[tokio::test]
async fn two_instances_on_one_database_run_each_job_once() {
    let database = fresh_database().await;
    let first = App::start(
        database.config(),
        StartOptions {
            pool: database.pool.clone(),
            ..StartOptions::default()
        },
    )
    .await
    .expect("first instance");
    let second_db = database.connect().await;
    let now = first.clock.now();
    let mut tx = first.db.begin().await.expect("tx");
    for n in 0..30 {
        assert!(
            jobs::enqueue(
                &mut tx,
                "test.once",
                &format!("item-{n}"),
                &serde_json::json!({ "n": n }),
                now,
                now,
            )
            .await
            .expect("enqueue")
        );
    }
    assert!(
        !jobs::enqueue(
            &mut tx,
            "test.once",
            "item-0",
            &serde_json::json!({}),
            now,
            now
        )
        .await
        .expect("enqueue again"),
        "the same job is not asked for twice"
    );
    tx.commit().await.expect("commit");

    let runs = Arc::new(Mutex::new(HashMap::new()));
    let specs = || {
        vec![
            counting_job("test.once", runs.clone(), None),
            counting_job(
                "test.hourly",
                runs.clone(),
                Some(chrono::Duration::hours(1)),
            ),
        ]
    };
    let a = Runner::new(first.db.clone(), first.clock.clone(), specs());
    let b = Runner::new(second_db.clone(), first.clock.clone(), specs());
    a.prepare().await.expect("prepare a");
    b.prepare().await.expect("prepare b");
    let (ran_a, ran_b) = tokio::join!(a.run_due(&()), b.run_due(&()));
    let (ran_a, ran_b) = (ran_a.expect("a runs"), ran_b.expect("b runs"));
    // And once more: nothing is due any more.
    let again = a.run_due(&()).await.expect("again") + b.run_due(&()).await.expect("again");

    let runs = runs.lock().expect("lock").clone();
    assert_eq!(ran_a + ran_b, 31, "30 one-off jobs and one recurring run");
    assert_eq!(again, 0);
    assert_eq!(runs.len(), 31);
    assert!(
        runs.values().all(|count| *count == 1),
        "each job ran once: {runs:?}"
    );
    let overview = jobs::overview(&first.db).await.expect("overview");
    assert!(
        overview
            .iter()
            .filter(|job| job.kind == "test.once")
            .count()
            == 0,
        "done one-off jobs leave the overview"
    );
    second_db.close().await;
}

#[tokio::test]
async fn a_failing_job_is_retried_with_back_off_then_kept_for_an_administrator() {
    let app = TestApp::start().await;
    let clock = Clock::fixed(
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0)
            .single()
            .expect("t"),
    );
    let healthy = Arc::new(Mutex::new(false));
    let attempts = Arc::new(Mutex::new(vec![]));
    let spec = {
        let healthy = healthy.clone();
        let attempts = attempts.clone();
        JobSpec::on_demand("test.flaky", 2, move |_: (), run: JobRun| {
            let healthy = healthy.clone();
            let attempts = attempts.clone();
            async move {
                attempts.lock().expect("lock").push((run.attempt, run.now));
                if *healthy.lock().expect("lock") {
                    Ok(Some("done".into()))
                } else {
                    Err("the mail server said no".to_string())
                }
            }
        })
    };
    let runner = Runner::new(app.state.db.clone(), clock.clone(), vec![spec]);
    let mut tx = app.state.db.begin().await.expect("tx");
    jobs::enqueue(
        &mut tx,
        "test.flaky",
        "one",
        &serde_json::json!({}),
        clock.now(),
        clock.now(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");

    assert_eq!(runner.run_due(&()).await.expect("first try"), 1);
    assert_eq!(
        runner.run_due(&()).await.expect("too early"),
        0,
        "the next try waits for its back-off"
    );
    clock.advance(chrono::Duration::seconds(61));
    assert_eq!(runner.run_due(&()).await.expect("second try"), 1);
    clock.advance(chrono::Duration::hours(7));
    assert_eq!(
        runner.run_due(&()).await.expect("no third try"),
        0,
        "after its last attempt the job waits for a person"
    );
    let failed: Vec<_> = jobs::overview(&app.state.db)
        .await
        .expect("overview")
        .into_iter()
        .filter(|job| job.kind == "test.flaky")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, "failed");
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("the mail server said no")
    );

    *healthy.lock().expect("lock") = true;
    let mut tx = app.state.db.begin().await.expect("tx");
    assert!(
        jobs::retry(&mut tx, failed[0].id, clock.now())
            .await
            .expect("retry")
    );
    tx.commit().await.expect("commit");
    assert_eq!(runner.run_due(&()).await.expect("retried"), 1);
    let attempts = attempts.lock().expect("lock").clone();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[1].1 - attempts[0].1, chrono::Duration::seconds(61));
    assert!(
        jobs::overview(&app.state.db)
            .await
            .expect("overview")
            .iter()
            .all(|job| job.kind != "test.flaky"),
        "done after the retry"
    );
}

#[tokio::test]
async fn every_capability_job_is_registered_and_runs_cleanly() {
    let app = TestApp::start().await;
    let state: &AppState = &app.state;
    let mut specs =
        radix::core::jobs::<AppState>(&state.config, &state.db, &state.clock).expect("core jobs");
    for capability in radix::capabilities() {
        specs.extend((capability.jobs)(state));
    }
    let kinds: Vec<&str> = specs.iter().map(|spec| spec.kind).collect();
    for kind in [
        "core.housekeeping",
        "identity.housekeeping",
        "identity.retention",
        "support.reminders",
        "support.weekly-digests",
    ] {
        assert!(kinds.contains(&kind), "{kind} is registered");
    }
    let runner = Runner::new(state.db.clone(), state.clock.clone(), specs);
    runner.prepare().await.expect("prepare");
    assert_eq!(runner.run_due(state).await.expect("run"), kinds.len());
    let overview = jobs::overview(&state.db).await.expect("overview");
    for job in overview {
        assert_eq!(job.runs, 1, "{} ran once", job.kind);
        assert!(
            job.last_error.is_none(),
            "{}: {:?}",
            job.kind,
            job.last_error
        );
    }
    assert_eq!(
        runner.run_due(state).await.expect("run"),
        0,
        "not due again yet"
    );
    // A restarted instance runs each recurring job once at its start, as the loops did: a
    // follow-up reminder due today is sent after a restart, not one period later.
    runner.prepare().await.expect("prepare again");
    assert_eq!(runner.run_due(state).await.expect("run"), kinds.len());
}

#[tokio::test]
async fn an_administrator_sees_a_failed_job_and_tries_it_again() {
    let app = TestApp::start().await;
    let failing = JobSpec::on_demand("test.broken", 1, |_: (), _run: JobRun| async {
        Err::<Option<String>, String>("the file server is gone".into())
    });
    let runner = Runner::new(app.state.db.clone(), app.state.clock.clone(), vec![failing]);
    let mut tx = app.state.db.begin().await.expect("tx");
    let now = app.state.clock.now();
    jobs::enqueue(
        &mut tx,
        "test.broken",
        "export-7",
        &serde_json::json!({}),
        now,
        now,
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    assert_eq!(runner.run_due(&()).await.expect("run"), 1);

    let (mut admin, _) =
        crate::identity::signed_in(&app, Role::Admin, "admin@radix.test", &[]).await;
    let page = admin.get("/nl/admin/jobs").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Achtergrondtaken"));
    assert!(page.body.contains("test.broken"));
    assert!(page.body.contains("export-7"));
    assert!(page.body.contains("the file server is gone"));
    assert!(page.body.contains("Mislukt"));
    assert!(
        page.body.contains("identity.housekeeping") || page.body.contains("Opnieuw proberen"),
        "{}",
        page.body
    );
    let csrf = crate::identity::input_value(&page.body, "csrf").expect("csrf");
    let id = jobs::overview(&app.state.db)
        .await
        .expect("overview")
        .into_iter()
        .find(|job| job.kind == "test.broken")
        .expect("failed job")
        .id;
    let forged = admin
        .post(&format!("/nl/admin/jobs/{id}/retry"), &[("csrf", "wrong")])
        .await;
    assert_eq!(forged.status, 403);
    let retried = admin
        .post(&format!("/nl/admin/jobs/{id}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(retried.status, 303);
    assert_eq!(retried.location.as_deref(), Some("/nl/admin/jobs"));
    let job = jobs::overview(&app.state.db)
        .await
        .expect("overview")
        .into_iter()
        .find(|job| job.id == id)
        .expect("job");
    assert_eq!(job.status, "pending");
    let again = admin
        .post(&format!("/nl/admin/jobs/{id}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(again.status, 404, "only a failed job can be tried again");
    let audit = radix::core::audit::list(
        &app.state.db,
        &radix::core::audit::AuditFilter {
            action_prefix: Some("admin.job.retry".into()),
            limit: 5,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert_eq!(audit.len(), 1);
    let municipal_page = {
        let (mut member, _) =
            crate::identity::signed_in(&app, Role::Municipal, "member@radix.test", &["44021"])
                .await;
        member.get("/nl/admin/jobs").await.status
    };
    assert_eq!(municipal_page, 403);
}
