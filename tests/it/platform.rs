//! Start-up, storage, operations endpoints, security headers and error pages.

use radix::core::db::schema;
use radix::core::db::{Db, PoolSettings};
use radix::geo::GeoState;

use crate::support::{TestApp, fresh_database, postgres_url};

#[tokio::test]
async fn migrations_give_the_same_schema_on_both_backends() {
    let sqlite_dir = tempfile::tempdir().expect("dir");
    let sqlite = Db::connect(
        &Db::sqlite_url_in(sqlite_dir.path()),
        &PoolSettings::default(),
    )
    .await
    .expect("sqlite");
    sqlite.migrate().await.expect("migrate sqlite");
    let sqlite_shape = schema::describe(&sqlite).await.expect("describe sqlite");
    assert!(sqlite_shape.tables.contains_key("geo_municipality"));
    assert!(sqlite_shape.tables.contains_key("content_page"));
    if postgres_url().is_some() {
        let database = fresh_database().await;
        let postgres = database.connect().await;
        postgres.migrate().await.expect("migrate postgres");
        let postgres_shape = schema::describe(&postgres)
            .await
            .expect("describe postgres");
        assert_eq!(
            sqlite_shape, postgres_shape,
            "the two migration trees drifted apart"
        );
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_with_full_sync_and_foreign_keys() {
    let dir = tempfile::tempdir().expect("dir");
    let db = Db::connect(&Db::sqlite_url_in(dir.path()), &PoolSettings::default())
        .await
        .expect("sqlite");
    let Db::Sqlite(pool) = &db else {
        panic!("sqlite expected")
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .expect("pragma");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .expect("pragma");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous=FULL");
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn a_second_start_reuses_the_database_and_loses_nothing() {
    let app = TestApp::start_with(true).await;
    assert!(app.state.demo_loaded());
    let version = app.state.geography().version.clone();
    let database = app.stop().await;
    let again = TestApp::start_on(database, false).await;
    assert_eq!(again.state.geography().version, version);
    assert!(
        again.state.demo_loaded(),
        "the demo marker survives a restart without --demo"
    );
    let (status, html) = again.text("/en/").await;
    assert_eq!(status, 200);
    assert!(html.contains("demo-banner"));
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::start().await;
    let (status, body) = app.json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.json("/readyz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    app.get("/nl/").await;
    let (status, metrics) = app.text("/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("radix_http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/{lang}/\""), "{metrics}");
    assert!(metrics.contains("radix_http_request_duration_seconds_bucket"));
    // Through a proxy (forwarded header) metrics need the token.
    let forwarded = app
        .client
        .get(format!("{}/metrics", app.base))
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .expect("request");
    assert_eq!(forwarded.status(), 404);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::start().await;
    let css = app.state.assets.url("css/radix.css").expect("css");
    for path in [
        "/nl/",
        "/fr/municipalities",
        "/does-not-exist",
        "/api/v1/municipalities?date=x",
        css.as_str(),
        "/healthz",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .expect("csp")
            .to_str()
            .expect("ascii");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(
            headers
                .get("x-content-type-options")
                .map(|v| v.to_str().ok()),
            Some(Some("nosniff"))
        );
        assert!(headers.contains_key("referrer-policy"));
        assert!(headers.contains_key("permissions-policy"));
        assert!(headers.get("strict-transport-security").is_some());
        assert!(
            headers.get("x-request-id").is_some(),
            "{path} has a request id"
        );
        assert!(headers.get("server").is_none());
        let content_type = headers
            .get("content-type")
            .expect("type")
            .to_str()
            .expect("ascii");
        assert!(
            content_type.contains("charset=utf-8") || content_type.starts_with("image/"),
            "{path}: {content_type}"
        );
    }
}

#[tokio::test]
async fn static_assets_have_hashed_names_and_long_cache() {
    let app = TestApp::start().await;
    let css = app.state.assets.url("css/radix.css").expect("css");
    assert!(css.starts_with("/static/css/radix.") && css.ends_with(".css"));
    let response = app.get(&css).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
    let (status, _) = app.text("/static/css/radix.css").await;
    assert_eq!(status, 404, "only hashed names are served");
}

#[tokio::test]
async fn error_pages_are_translated_and_keep_details_private() {
    let app = TestApp::start().await;
    let (status, html) = app.text("/fr/nothing-here").await;
    assert_eq!(status, 404);
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("Page introuvable"));
    let (status, html) = app.text("/de/municipalities/99999").await;
    assert_eq!(status, 404);
    assert!(html.contains("Seite nicht gefunden"));
    let response = app
        .client
        .post(format!("{}/nl/municipalities", app.base))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 405);
    assert!(response.headers().contains_key("allow"));
    let html = response.text().await.expect("body");
    assert!(html.contains("Actie niet toegestaan"));
    let trace = app
        .client
        .request(reqwest::Method::TRACE, format!("{}/nl/", app.base))
        .send()
        .await
        .expect("trace");
    assert_eq!(trace.status(), 405);
    let big = app
        .client
        .post(format!("{}/nl/municipalities", app.base))
        .body(vec![b'a'; 2 * 1024 * 1024])
        .send()
        .await
        .expect("post");
    assert!(
        big.status() == 413 || big.status() == 405,
        "{}",
        big.status()
    );
}

#[tokio::test]
async fn root_redirects_by_browser_language() {
    let app = TestApp::start().await;
    for (accept, target) in [
        ("fr-BE,fr;q=0.9", "/fr/"),
        ("de", "/de/"),
        ("en-GB", "/en/"),
        ("es", "/nl/"),
    ] {
        let response = app.get_with_language("/", accept).await;
        assert!(response.status().is_redirection());
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some(target)
        );
        assert_eq!(
            response.headers().get("vary").and_then(|v| v.to_str().ok()),
            Some("Accept-Language")
        );
    }
    let response = app.get("/").await;
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/nl/")
    );
    let response = app.get("/de").await;
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/de/")
    );
}

#[tokio::test]
async fn a_panic_or_database_failure_becomes_a_generic_translated_page_with_a_reference() {
    async fn panics() -> &'static str {
        panic!("boom: secret internal detail")
    }
    async fn database_down() -> Result<&'static str, radix::core::error::AppError> {
        Err(sqlx::Error::PoolTimedOut.into())
    }
    let extra = axum::Router::new()
        .route("/{lang}/test-panic", axum::routing::get(panics))
        .route("/{lang}/test-db-down", axum::routing::get(database_down))
        .route("/api/v1/test-panic", axum::routing::get(panics));
    use radix::core::auth::policy::{Access, RoutePolicy};
    let public = |path| RoutePolicy {
        method: "GET",
        path,
        access: Access::Public,
    };
    let app = TestApp::start_with_routes(
        extra,
        vec![
            public("/{lang}/test-panic"),
            public("/{lang}/test-db-down"),
            public("/api/v1/test-panic"),
        ],
    )
    .await;
    let response = app.get("/fr/test-panic").await;
    assert_eq!(response.status(), 500);
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("id")
        .to_string();
    let html = response.text().await.expect("body");
    assert!(html.contains("Une erreur s’est produite"));
    assert!(
        html.contains(&id),
        "the page gives the request id as reference"
    );
    assert!(!html.contains("boom") && !html.contains("secret") && !html.contains("src/"));
    let response = app.get("/de/test-db-down").await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Vorübergehend nicht verfügbar")
    );
    let (status, body) = app.json("/api/v1/test-panic").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (500, Some("error-internal"))
    );
    assert!(!body.to_string().contains("boom"));
}

#[tokio::test]
async fn the_binary_starts_with_no_configuration_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_radix"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env_remove("RADIX_DATABASE_URL")
        .env_remove("RADIX_DATA_DIR")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start radix");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && response.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server became ready");
    assert!(
        dir.path().join("radix-data").join("radix.sqlite3").exists(),
        "default data directory and database"
    );
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(code) = child.try_wait().expect("wait") {
            exited = Some(code);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let code = exited.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("radix did not stop within 10 seconds of SIGTERM");
    });
    assert!(code.success(), "exit status {code}");
    let mut output = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().expect("stdout"), &mut output)
        .expect("read");
    assert!(
        output.contains("Radix is ready: open http://127.0.0.1:"),
        "{output}"
    );
    assert!(
        output.contains("radix user create-admin"),
        "the first start says how to create an administrator"
    );
}

/// Each instance keeps geography, the registry and content in memory and caches public
/// pages; a change committed through one instance must be what the other serves next,
/// without waiting for a timer.
#[tokio::test]
async fn a_change_made_through_one_instance_is_served_by_the_other_at_once() {
    let first = TestApp::start().await;
    let second = first.beside().await;
    let (_, home_before) = second.text("/fr/").await;
    let (_, map_before) = second.text("/fr/cartography").await;
    let (_, gent_before) = second.text("/nl/municipalities/44021").await;
    assert!(!home_before.contains("demo-banner"));
    // The first instance adds the demonstration data (accounts, LIVC-R history, requests).
    radix::load_demo(&first.state.context())
        .await
        .expect("demo data");
    let (_, home_after) = second.text("/fr/").await;
    assert!(
        home_after.contains("demo-banner"),
        "the cached page of the other instance is not served for other data"
    );
    let (_, map_after) = second.text("/fr/cartography").await;
    assert_ne!(map_before, map_after, "the registry was reloaded");
    let (_, gent_after) = second.text("/nl/municipalities/44021").await;
    assert_ne!(
        gent_before, gent_after,
        "the LIVC-R section follows the registry"
    );
}

/// A database that cannot be reached for a moment answers 503 with `Retry-After`, whichever
/// capability's error carries it; a missing object answers 404.
#[test]
fn every_capability_error_reaches_the_same_http_answer() {
    use axum::response::IntoResponse;
    use radix::core::error::AppError;
    let answers = [
        AppError::from(radix::identity::service::IdentityError::Database(
            sqlx::Error::PoolTimedOut,
        )),
        AppError::from(radix::registry::service::RegistryError::Database(
            sqlx::Error::PoolTimedOut,
        )),
        AppError::from(radix::support::service::SupportError::Database(
            sqlx::Error::PoolClosed,
        )),
    ];
    for answer in answers {
        let response = answer.into_response();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "5");
    }
    let missing = AppError::from(radix::registry::service::RegistryError::NotFound);
    assert_eq!(missing.into_response().status(), 404);
}

/// Only the embeddable map may be framed, and only by the partner origins configured; every
/// other page keeps `frame-ancestors 'none'`.
#[tokio::test]
async fn only_the_embeddable_map_may_be_framed_by_configured_partners() {
    let database = fresh_database().await;
    let mut config = database.config();
    config.frame_ancestors = vec!["https://partner.example".into()];
    let state = radix::App::start(
        config,
        radix::StartOptions {
            pool: database.pool.clone(),
            ..radix::StartOptions::default()
        },
    )
    .await
    .expect("starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = radix::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = reqwest::Client::new();
    let policy = |path: &'static str| {
        let client = client.clone();
        async move {
            let response = client
                .get(format!("http://{address}{path}"))
                .send()
                .await
                .expect("page");
            assert_eq!(response.status(), 200, "{path}");
            response.headers()["content-security-policy"]
                .to_str()
                .expect("csp")
                .to_string()
        }
    };
    for _ in 0..2 {
        // The second time the embed page comes from the cache: the header must still be set.
        let embed = policy("/nl/cartography/embed").await;
        assert!(
            embed.contains("frame-ancestors https://partner.example"),
            "{embed}"
        );
    }
    let map = policy("/nl/cartography").await;
    assert!(map.contains("frame-ancestors 'none'"), "{map}");
    server.abort();
}

/// Reading the revisions before each request must not make the public pages depend on the
/// database: when it cannot be reached, a page this instance holds is still served.
#[tokio::test]
async fn public_pages_held_in_memory_stay_readable_when_the_database_is_unreachable() {
    let app = TestApp::start().await;
    let (status, before) = app.text("/fr/").await;
    assert_eq!(status, 200);
    app.state.db.close().await;
    let (status, during) = app.text("/fr/").await;
    assert_eq!(status, 200, "served from memory");
    assert_eq!(before, during);
}
