//! `radix import visits`: the validation report, encodings, and all-or-nothing storage.

use radix::geo::GeoState;
use radix::support::visits;

use crate::support::TestApp;

/// Imports `bytes` as the operator's command does, at the server's time.
async fn import(
    app: &TestApp,
    bytes: &[u8],
    dry_run: bool,
    skip_invalid: bool,
) -> Result<visits::Outcome, radix::core::db::DbError> {
    let geography = app.state.geography();
    visits::import(
        &app.state.db,
        &geography,
        bytes,
        dry_run,
        skip_invalid,
        app.state.clock.now(),
    )
    .await
}

const GOOD: &str = "date;place;type;topics;report\n\
2017-03-14;44021;livcr-setup;legal-framework|cell-composition;Eerste kennismaking.\n\
15/11/2018;62063;follow-up;;Suivi du règlement d'ordre intérieur.\n";

#[tokio::test]
async fn past_visits_are_checked_line_by_line_and_stored_all_or_nothing() {
    let app = TestApp::start().await;
    // Latin-1 (Windows) text: refused as a whole, nothing stored.
    let latin1: Vec<u8> =
        b"date;place;type;topics;report\n2017-03-14;62063;follow-up;;R\xe9union\n".to_vec();
    let outcome = import(&app, &latin1, false, false).await.expect("import");
    assert_eq!(
        outcome.checked.fatal.as_ref().map(|f| f.key),
        Some("visits-error-encoding")
    );
    // A missing column is named.
    let outcome = import(&app, b"date;place;type\n", false, false)
        .await
        .expect("import");
    let fatal = outcome.checked.fatal.expect("fatal");
    assert_eq!(fatal.key, "visits-error-columns");
    assert!(fatal.detail.contains("topics") && fatal.detail.contains("report"));

    // Bad lines: every one is listed; the good lines are not stored while any is refused.
    let mixed = format!(
        "\u{feff}{GOOD}2020-02-30;44021;other;;x\n2017-03-14;44021;livcr-setup;;dup\n2019-01-01;99999;other;;x\n2019-01-01;44021;party;;x\n2019-01-01;44021;other;astrology;x\n2019-01-01;44021;other;;=cmd|' /C calc'!A0\n2019-01-02;44021;other;;85.07.30-033.28\n2099-01-01;44021;other;;x\n"
    );
    let outcome = import(&app, mixed.as_bytes(), false, false)
        .await
        .expect("import");
    let keys: Vec<(usize, &str)> = outcome
        .checked
        .rejected
        .iter()
        .map(|r| (r.line, r.key))
        .collect();
    assert_eq!(
        keys,
        vec![
            (4, "visits-error-date"),
            (5, "visits-error-duplicate"),
            (6, "visits-error-place"),
            (7, "visits-error-type"),
            (8, "visits-error-topic"),
            (9, "visits-error-formula"),
            (10, "visits-error-personal-data"),
            (11, "visits-error-date-range"),
        ]
    );
    assert_eq!(outcome.imported, 0, "nothing partial is stored");
    // A dry run of a good file stores nothing either.
    let dry = import(&app, GOOD.as_bytes(), true, false)
        .await
        .expect("dry run");
    assert_eq!((dry.checked.visits.len(), dry.imported), (2, 0));
    let stored = import(&app, GOOD.as_bytes(), false, false)
        .await
        .expect("import");
    assert_eq!(stored.imported, 2);
    // Importing the same file again finds the visits already there.
    let again = import(&app, GOOD.as_bytes(), false, false)
        .await
        .expect("import");
    assert_eq!(again.imported, 0);
    assert!(
        again
            .checked
            .rejected
            .iter()
            .all(|r| r.key == "visits-error-exists")
    );
    // The example file of the documentation imports cleanly (dry run).
    let example = std::fs::read("docs/examples/visits.csv").expect("example");
    let checked = import(&app, &example, true, false).await.expect("dry run");
    assert!(
        checked.checked.fatal.is_none()
            && checked
                .checked
                .rejected
                .iter()
                .all(|r| r.key == "visits-error-exists"),
        "{:?}",
        checked.checked.rejected
    );
    assert_eq!(
        checked.checked.visits.len() + checked.checked.rejected.len(),
        3
    );
}
