//! Reference geography: import, dates, lookups, pages and API, on both backends.

use chrono::NaiveDate;
use radix::core::i18n::Lang;
use radix::geo::GeoState;
use radix::geo::domain::MunicipalityFilter;
use radix::geo::service;

use crate::support::{TestApp, fresh_database};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

#[tokio::test]
async fn municipality_counts_follow_the_mergers_in_memory_and_in_the_database() {
    let database = fresh_database().await;
    let db = database.connect().await;
    db.migrate().await.expect("migrate");
    let summary = service::import_geography(&db, None, chrono::Utc::now())
        .await
        .expect("import");
    assert!(summary.changed);
    let geography = service::load_geography(&db).await.expect("load");
    for (date, expected) in [
        ("2019-01-01", 581),
        ("2024-12-01", 581),
        ("2024-12-02", 580),
        ("2024-12-31", 580),
        ("2025-01-01", 565),
        ("2026-11-25", 565),
    ] {
        let in_memory = geography.municipalities_on(day(date)).count();
        let in_database = service::municipality_codes_on(&db, day(date))
            .await
            .expect("query")
            .len();
        assert_eq!((in_memory, in_database), (expected, expected), "on {date}");
    }
    let kruibeke = geography.municipality("46013").expect("Kruibeke");
    assert!(kruibeke.is_valid_on(day("2024-12-31")) && !kruibeke.is_valid_on(day("2025-01-01")));
    let bkz = geography
        .municipality("46030")
        .expect("Beveren-Kruibeke-Zwijndrecht");
    assert!(!bkz.is_valid_on(day("2024-12-31")) && bkz.is_valid_on(day("2025-01-01")));
    assert_eq!(
        geography
            .successor_of("46013")
            .map(|m| m.successor_nis.as_str()),
        Some("46030")
    );
    assert_eq!(geography.predecessors_of("46030").len(), 3);
    assert_eq!(
        geography.successor_of("82005").map(|m| m.effective_date),
        Some(day("2024-12-02"))
    );
    assert!(geography.check_date(day("2018-12-31")).is_err());
}

#[tokio::test]
async fn importing_twice_changes_nothing_and_bad_files_store_nothing() {
    let database = fresh_database().await;
    let db = database.connect().await;
    db.migrate().await.expect("migrate");
    service::import_geography(&db, None, chrono::Utc::now())
        .await
        .expect("first import");
    let version = service::geography_version(&db).await.expect("version");
    let again = service::import_geography(&db, None, chrono::Utc::now())
        .await
        .expect("second import");
    assert!(!again.changed);
    assert_eq!(
        service::municipality_codes_on(&db, day("2025-06-01"))
            .await
            .expect("q")
            .len(),
        565
    );

    let dir = tempfile::tempdir().expect("dir");
    for file in [
        "admin_units.csv",
        "mergers.csv",
        "police_zones.csv",
        "police_zone_members.csv",
    ] {
        std::fs::copy(format!("data/geo/{file}"), dir.path().join(file)).expect("copy");
    }
    let broken = std::fs::read_to_string("data/geo/municipalities.csv")
        .expect("read")
        .replacen("2019-01-01", "2019-02-30", 1);
    std::fs::write(dir.path().join("municipalities.csv"), broken).expect("write");
    let error = service::import_geography(&db, Some(dir.path()), chrono::Utc::now())
        .await
        .expect_err("refused");
    assert!(
        error.to_string().contains("valid_from is not a date"),
        "{error}"
    );
    assert_eq!(
        service::geography_version(&db).await.expect("version"),
        version
    );
}

#[tokio::test]
async fn police_zones_are_versioned_in_time() {
    let app = TestApp::start().await;
    let geography = app.state.geography();
    // Borsbeek belonged to zone MINOS until it merged into Antwerpen.
    assert_eq!(
        geography
            .zone_of("11007", day("2024-06-01"))
            .map(|z| z.key.as_str()),
        Some("5351")
    );
    assert_eq!(
        geography
            .zone_of("11002", day("2025-06-01"))
            .map(|z| z.key.as_str()),
        Some("5345")
    );
    // Rivierenland was formed on 1 January 2023.
    assert_eq!(
        geography
            .zone_of("12025", day("2022-12-31"))
            .map(|z| z.key.as_str()),
        Some("5906")
    );
    assert_eq!(
        geography
            .zone_of("12025", day("2023-01-01"))
            .map(|z| z.key.as_str()),
        Some("5913")
    );
    assert_eq!(geography.zones_on(day("2020-06-01")).len(), 185);
}

#[tokio::test]
async fn lookup_ignores_case_accents_and_hyphens_and_finds_codes() {
    let app = TestApp::start().await;
    let geography = app.state.geography();
    let today = day("2026-01-01");
    let find = |query: &str| {
        geography
            .search(
                &MunicipalityFilter {
                    query: Some(query.into()),
                    ..Default::default()
                },
                today,
                Lang::Nl,
            )
            .into_iter()
            .map(|m| m.nis.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        find("sint joost").first().map(String::as_str),
        Some("21014")
    );
    assert_eq!(
        find("Saint-Josse").first().map(String::as_str),
        Some("21014")
    );
    assert_eq!(
        find("butgenbach").first().map(String::as_str),
        Some("63013")
    );
    assert_eq!(find("LE ROEULX").first().map(String::as_str), Some("55035"));
    assert_eq!(find("21004"), vec!["21004".to_string()]);
    assert!(find("zzzz-no-such-place").is_empty());
}

#[tokio::test]
async fn directory_page_filters_and_reports_bad_input_without_losing_it() {
    let app = TestApp::start().await;
    let (status, html) = app.text("/nl/municipalities?date=2024-12-31").await;
    assert_eq!(status, 200);
    assert!(html.contains("580 gemeenten op 31/12/2024"), "count line");
    let (_, html) = app
        .text("/fr/municipalities?date=2025-01-01&region=BRU")
        .await;
    assert!(html.contains("19 communes au 01/01/2025"));
    let (_, html) = app.text("/en/municipalities?q=sint+joost").await;
    assert!(html.contains("/en/municipalities/21014"));
    assert!(html.contains("<span lang=\"nl\">Sint-Joost-ten-Node</span> / <span lang=\"fr\">Saint-Josse-ten-Noode</span>"));
    let (status, html) = app.text("/de/municipalities?date=2019-02-30&q=Eupen").await;
    assert_eq!(status, 200);
    assert!(html.contains("Das Datum ist ungültig"));
    assert!(html.contains("value=\"Eupen\""), "the search text is kept");
    assert!(
        html.contains("value=\"2019-02-30\""),
        "the wrong date is shown again for correction"
    );
    let (_, html) = app.text("/nl/municipalities?date=2018-05-01").await;
    assert!(html.contains("vóór 1 januari 2019"));
    let (_, html) = app.text("/nl/municipalities?zone=5913").await;
    assert!(html.contains("Mechelen") && html.contains("4 gemeenten"));
}

#[tokio::test]
async fn municipality_pages_show_hierarchy_zone_population_and_history() {
    let app = TestApp::start().await;
    let (status, html) = app.text("/nl/municipalities/46013").await;
    assert_eq!(status, 200);
    assert!(html.contains("Deze gemeente bestaat niet meer"));
    assert!(html.contains("/nl/municipalities/46030"));
    let (_, html) = app.text("/fr/municipalities/46030").await;
    assert!(html.contains("Kruibeke") && html.contains("Zwijndrecht") && html.contains("Beveren"));
    assert!(html.contains("Région flamande"));
    let (_, html) = app.text("/en/municipalities/21009").await;
    assert!(
        html.contains(
            "<h1><span lang=\"nl\">Elsene</span> / <span lang=\"fr\">Ixelles</span></h1>"
        ),
        "{html}"
    );
    let (_, html) = app.text("/de/municipalities/62063").await;
    assert!(html.contains("<h1>Lüttich</h1>"));
    // Belgian number and date formats.
    let antwerp = app
        .state
        .geography()
        .municipality("11002")
        .expect("Antwerpen")
        .population;
    let (_, html) = app.text("/nl/municipalities/11002").await;
    let dotted = radix::core::i18n::format_number(Lang::Nl, antwerp as f64, 0);
    assert!(dotted.contains('.') && html.contains(&dotted), "{dotted}");
    assert!(html.contains("01/01/2026"));
    let (_, html) = app.text("/en/municipalities/11002").await;
    assert!(html.contains(&radix::core::i18n::format_number(
        Lang::En,
        antwerp as f64,
        0
    )));
}

#[tokio::test]
async fn api_lists_municipalities_by_date_with_translated_errors() {
    let app = TestApp::start().await;
    let (status, body) = app.json("/api/v1/municipalities?date=2024-12-02").await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 580);
    let first = &body["municipalities"][0];
    assert_eq!(first["nis"], "11001");
    assert_eq!(first["police_zone"]["key"], "5349");
    let (status, body) = app.json("/api/v1/municipalities/46013").await;
    assert_eq!(status, 200);
    assert_eq!(body["successor"]["nis"], "46030");
    assert_eq!(body["valid_on_date"], false);
    let response = app
        .get_with_language("/api/v1/municipalities?date=2018-12-31", "fr")
        .await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"], "geo-error-date-before-reference");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("1er janvier 2019")
    );
    let (status, body) = app.json("/api/v1/municipalities/99999").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("error-not-found"))
    );
    let (status, body) = app.json("/api/v1/police-zones?date=2025-06-01").await;
    assert_eq!(status, 200);
    assert!(body["count"].as_u64().expect("count") > 170);
    let (status, body) = app.json("/api/v1/police-zones/5913").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["police_zone"]["members"].as_array().map(Vec::len),
        Some(4)
    );
    let (status, body) = app.json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(body["openapi"], "3.1.0");
    assert!(body["paths"]["/api/v1/municipalities"].is_object());
}

#[tokio::test]
async fn boundaries_import_validates_every_feature() {
    let app = TestApp::start().await;
    let geography = app.state.geography();
    let dir = tempfile::tempdir().expect("dir");
    let garbage = dir.path().join("garbage.geojson");
    std::fs::write(&garbage, vec![b'x'; 5 * 1024 * 1024]).expect("write");
    assert!(
        radix::geo::boundaries::import_boundaries(
            &app.state.db,
            &geography,
            &garbage,
            false,
            chrono::Utc::now()
        )
        .await
        .is_err()
    );
    let unknown = dir.path().join("unknown.geojson");
    std::fs::write(
        &unknown,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nis":"99999"},
        "geometry":{"type":"Polygon","coordinates":[[[4.36,50.82],[4.38,50.82],[4.38,50.84],[4.36,50.82]]]}}]}"#,
    )
    .expect("write");
    let report = radix::geo::boundaries::import_boundaries(
        &app.state.db,
        &geography,
        &unknown,
        false,
        chrono::Utc::now(),
    )
    .await
    .expect("report");
    assert!(report.refused && report.stored == 0);
    assert_eq!(
        service::boundary_count(&app.state.db).await.expect("count"),
        0
    );

    // The open-licence boundaries shipped in the repository.
    let shipped = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/boundaries/municipalities-2025.geojson"
    ));
    {
        let report = radix::geo::boundaries::import_boundaries(
            &app.state.db,
            &geography,
            shipped,
            false,
            chrono::Utc::now(),
        )
        .await
        .expect("import");
        assert!(!report.refused, "{:?}", report.skipped.first());
        assert_eq!(report.stored, 565);
        assert_eq!(
            service::boundary_count(&app.state.db).await.expect("count"),
            565
        );
        let (_, html) = app.text("/nl/municipalities/21009").await;
        assert!(html.contains("<svg") && html.contains("class=\"outline\""));
        // The national map can now be drawn geographically, small enough to download.
        let (status, svg) = app
            .text("/api/v1/cartography/map.svg?view=geo&lang=fr")
            .await;
        assert_eq!(status, 200);
        assert!(svg.len() < 600_000, "geographic map of {} bytes", svg.len());
        assert_eq!(svg.matches("class=\"map-link\"").count(), 565);
        assert!(svg.contains("map-outline-province"), "province outlines");
        let (status, geojson) = app.text("/api/v1/cartography/map.geojson").await;
        assert_eq!(status, 200);
        let parsed: serde_json::Value = serde_json::from_str(&geojson).expect("GeoJSON");
        assert_eq!(parsed["features"].as_array().map(Vec::len), Some(565));
        // 2020 needs the 581 former boundaries, which were not imported: the page says so
        // and shows the tile map.
        let (status, page) = app.text("/en/cartography?view=geo&date=2020-01-01").await;
        assert_eq!(status, 200);
        assert!(page.contains("map-tiles") && page.contains("error-summary"));
    }
}
