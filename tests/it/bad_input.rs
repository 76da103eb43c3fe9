//! Hostile and malformed input in every public parameter: never a 5xx, never an unescaped echo.

use crate::support::TestApp;

/// Raw (already percent-encoded where needed) values sent in query strings and paths.
const CORPUS: &[&str] = &[
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%3CScRiPt%3Ealert(1)%3C%2FsCrIpT%3E",
    "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "%3Csvg%20onload%3Dalert(1)%3E",
    "javascript%3Aalert(1)",
    "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%27%3B%20alert(1)%3B%20%2F%2F",
    "%7B%7B7*7%7D%7D",
    "%24%7B7*7%7D",
    "%27%20OR%20%271%27%3D%271",
    "1%20UNION%20SELECT%20null--",
    "%25",
    "_",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2f",
    "..%5C..%5Cwindows",
    "%00",
    "%0D%0ASet-Cookie%3A%20x%3D1",
    "%FF%FE%FD",
    "%C0%AF",
    "%ED%A0%80",
    "%E2%80%AE%E2%80%8B",
    "%252e%252e%252f",
    "2019-02-30",
    "9999-99-99",
    "-1",
    "99999999999999999999999",
    "NaN",
    "%3D1%2B2",
    "@SUM(1)",
];

fn long_value() -> String {
    "a".repeat(20_000)
}

#[tokio::test]
async fn every_public_parameter_survives_the_bad_input_corpus() {
    let app = TestApp::start().await;
    let long = long_value();
    let mut values: Vec<&str> = CORPUS.to_vec();
    values.push(&long);
    for value in values {
        let mut paths = vec![
            format!("/nl/municipalities?q={value}"),
            format!("/fr/municipalities?region={value}&province={value}&zone={value}"),
            format!("/de/municipalities?date={value}"),
            format!("/en/municipalities/{value}"),
            format!("/{value}/municipalities"),
            format!("/nl/{value}"),
            format!("/api/v1/municipalities?date={value}"),
            format!("/api/v1/municipalities/{value}"),
            format!("/api/v1/police-zones/{value}?date={value}"),
            format!("/nl/offer/{value}"),
            format!("/static/{value}"),
        ];
        paths.push(format!("/nl/municipalities?q={value}&q={value}"));
        for path in paths {
            let response = app.get(&path).await;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            assert!(status < 500, "{path} answered {status}");
            let lower = body.to_ascii_lowercase();
            assert!(!lower.contains("<script"), "{path} echoed a script tag");
            assert!(
                !lower.contains("<img src=x") && !lower.contains("<svg onload"),
                "{path} echoed markup"
            );
        }
    }
}

#[tokio::test]
async fn malformed_requests_get_client_errors() {
    let app = TestApp::start().await;
    for path in [
        "/%",
        "/nl/municipalities?%zz=1",
        "/api/v1/municipalities?date=%",
        "//",
        "/nl//municipalities",
    ] {
        let response = app.get(path).await;
        assert!(
            response.status().as_u16() < 500,
            "{path}: {}",
            response.status()
        );
    }
}
