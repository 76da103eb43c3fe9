//! Editorial pages in four languages, language switching and the demo banner.

use crate::support::TestApp;

const PAGES: [&str; 9] = [
    "/",
    "/offer",
    "/offer/livc-r",
    "/offer/awareness-day",
    "/offer/project-support",
    "/livc-r",
    "/contact",
    "/privacy",
    "/accessibility",
];

#[tokio::test]
async fn every_page_exists_in_four_languages_with_switcher_and_hreflang() {
    let app = TestApp::start().await;
    let mut titles = std::collections::HashSet::new();
    for lang in ["nl", "fr", "de", "en"] {
        for page in PAGES
            .iter()
            .chain(["/municipalities", "/municipalities/21004"].iter())
        {
            let path = format!("/{lang}{page}");
            let (status, html) = app.text(&path).await;
            assert_eq!(status, 200, "{path}");
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{path}");
            for other in ["nl", "fr", "de", "en"] {
                assert!(
                    html.contains(&format!("hreflang=\"{other}\" href=\"/{other}{page}\"")),
                    "{path} lacks the alternate link to {other}"
                );
                assert!(
                    html.contains(&format!(
                        "href=\"/{other}{page}\" lang=\"{other}\" hreflang=\"{other}\""
                    )),
                    "{path} switcher"
                );
            }
            assert!(html.contains("href=\"#main\""), "{path}: skip link");
            assert!(html.contains("<main id=\"main\""), "{path}: main landmark");
            assert_eq!(html.matches("<h1").count(), 1, "{path}: one h1");
            let title = html
                .split("<title>")
                .nth(1)
                .and_then(|t| t.split("</title>").next())
                .expect("title")
                .to_string();
            assert!(
                titles.insert((lang, title.clone())),
                "{path}: duplicate title {title}"
            );
            assert!(
                !html.contains("demo-banner"),
                "no demo banner without demo data"
            );
        }
    }
}

#[tokio::test]
async fn switching_language_keeps_the_place_and_the_filters() {
    let app = TestApp::start().await;
    let (_, html) = app.text("/nl/municipalities?q=gent&region=VLG").await;
    assert!(
        html.contains("href=\"/fr/municipalities?q=gent&amp;region=VLG\""),
        "switcher keeps the query"
    );
    let (_, html) = app.text("/fr/municipalities/21014").await;
    assert!(html.contains("href=\"/de/municipalities/21014\""));
}

#[tokio::test]
async fn contact_page_warns_against_case_data_and_shows_the_channel() {
    let app = TestApp::start().await;
    for (lang, warning) in [
        ("nl", "Verstuur nooit informatie over personen."),
        ("fr", "N’envoyez jamais d’informations sur des personnes."),
        ("de", "Senden Sie niemals Informationen über Personen."),
        ("en", "Never send information about individuals."),
    ] {
        let (_, html) = app.text(&format!("/{lang}/contact")).await;
        assert!(html.contains(warning), "{lang}");
        assert!(html.contains("112"));
    }
}

#[tokio::test]
async fn demo_data_is_labelled_on_every_page_and_loads_once() {
    let app = TestApp::start_with(true).await;
    for path in [
        "/nl/",
        "/fr/municipalities",
        "/de/municipalities/21004",
        "/en/contact",
    ] {
        let (_, html) = app.text(path).await;
        assert!(html.contains("class=\"demo-banner\""), "{path}");
    }
    radix::load_demo(&app.state.context())
        .await
        .expect("second load");
    let accounts = radix::identity::service::list_accounts(&app.state.db)
        .await
        .expect("accounts");
    assert_eq!(
        accounts.len(),
        radix::identity::demo::DEMO_ACCOUNTS.len(),
        "loading twice adds nothing"
    );
    assert!(
        accounts
            .iter()
            .all(|a| a.email.ends_with("@demo.radix.invalid"))
    );
    assert!(
        radix::core::demo::is_loaded(&app.state.db)
            .await
            .expect("loaded")
    );
}

#[tokio::test]
async fn cached_public_pages_follow_the_data_they_show() {
    let app = TestApp::start().await;
    let (_, first) = app.text("/fr/").await;
    let (_, again) = app.text("/fr/").await;
    assert_eq!(first, again);
    assert!(!first.contains("demo-banner"));
    radix::load_demo(&app.state.context()).await.expect("demo");
    let (_, after) = app.text("/fr/").await;
    assert!(
        after.contains("demo-banner"),
        "a cached page is not served for other data"
    );
}
