//! `radix import visits FILE.csv`: past field visits (2016 onwards) from a spreadsheet, with
//! a report that names every rejected line and why. The file must be UTF-8 (a byte order mark
//! is accepted); semicolons or commas separate the columns. Nothing is stored on a dry run,
//! nor when any line is rejected unless the operator asks to skip those lines.

use chrono::{NaiveDate, NaiveTime};
use serde_json::json;

use super::meetings::{KINDS, TOPICS};
use super::store::{self, MeetingFilter, MeetingRow};
use crate::core::audit::{self, Actor, Entry};
use crate::core::auth::password::random_token;
use crate::core::db::{Db, DbError};
use crate::core::text::{contains_national_number, nfc};
use crate::geo::Geography;

/// The columns a file must have (any order, case-insensitive); `staff` is optional.
pub const COLUMNS: [&str; 5] = ["date", "place", "type", "topics", "report"];
const MAX_REPORT_CHARS: usize = 2000;
const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// One line that can be imported.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub line: usize,
    pub date: NaiveDate,
    pub place_kind: &'static str,
    pub place_code: String,
    pub kind: String,
    pub topics: Vec<String>,
    pub report: String,
}

/// Why a line (or the whole file) cannot be imported: a message key and details.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub line: usize,
    pub key: &'static str,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Checked {
    pub visits: Vec<Visit>,
    pub rejected: Vec<Rejection>,
    /// The whole file is unusable (encoding, columns, size).
    pub fatal: Option<Rejection>,
}

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2016, 1, 1).expect("valid date")
}

/// A cell a spreadsheet would run as a formula.
fn looks_like_formula(value: &str) -> bool {
    value.starts_with(['=', '+', '@', '\t', '\r'])
        || (value.starts_with('-')
            && value[1..].starts_with(|c: char| !c.is_whitespace() && !c.is_ascii_digit()))
}

/// Checks a whole file without touching the database.
pub fn check(bytes: &[u8], geography: &Geography, today: NaiveDate) -> Checked {
    let mut checked = Checked::default();
    let fatal = |key, detail: String| Rejection {
        line: 0,
        key,
        detail,
    };
    if bytes.len() > MAX_FILE_BYTES {
        checked.fatal = Some(fatal("visits-error-too-large", String::new()));
        return checked;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        checked.fatal = Some(fatal("visits-error-encoding", String::new()));
        return checked;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header = text.lines().next().unwrap_or("");
    let delimiter = if header.matches(';').count() >= header.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(error) => {
            checked.fatal = Some(fatal("visits-error-columns", error.to_string()));
            return checked;
        }
    };
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        checked.fatal = Some(fatal("visits-error-columns", missing.join(", ")));
        return checked;
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (date_col, place_col, type_col, topics_col, report_col) = (
        column("date").unwrap_or(0),
        column("place").unwrap_or(0),
        column("type").unwrap_or(0),
        column("topics").unwrap_or(0),
        column("report").unwrap_or(0),
    );
    let mut seen = std::collections::HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                checked.rejected.push(Rejection {
                    line,
                    key: "visits-error-line",
                    detail: error.to_string(),
                });
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| nfc(record.get(i).unwrap_or("").trim());
        let mut reject = |key, detail: String| {
            checked.rejected.push(Rejection { line, key, detail });
        };
        if let Some(bad) = record.iter().find(|c| looks_like_formula(c.trim())) {
            reject("visits-error-formula", bad.chars().take(40).collect());
            continue;
        }
        let date_text = cell(date_col);
        let Ok(date) = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&date_text, "%d/%m/%Y"))
        else {
            reject("visits-error-date", date_text);
            continue;
        };
        if date < first_day() || date > today {
            reject("visits-error-date-range", date_text);
            continue;
        }
        let place = cell(place_col);
        let (place_kind, place_code) = if let Some(m) = geography.municipality(&place) {
            if !m.is_valid_on(date.max(crate::geo::domain::first_reference_date())) {
                reject("visits-error-place-date", place);
                continue;
            }
            ("municipality", m.nis.clone())
        } else if let Some(zone) = geography.zone(&place).or_else(|| {
            geography
                .zones_on(date.max(crate::geo::domain::first_reference_date()))
                .into_iter()
                .find(|z| z.code.as_deref() == Some(place.as_str()))
        }) {
            ("police-zone", zone.key.clone())
        } else {
            reject("visits-error-place", place);
            continue;
        };
        let kind = cell(type_col).to_lowercase();
        if !KINDS.contains(&kind.as_str()) {
            reject("visits-error-type", kind);
            continue;
        }
        let topics: Vec<String> = cell(topics_col)
            .split(['|', ','])
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        if let Some(bad) = topics.iter().find(|t| !TOPICS.contains(&t.as_str())) {
            reject("visits-error-topic", bad.clone());
            continue;
        }
        let report = cell(report_col);
        if report.chars().count() > MAX_REPORT_CHARS {
            reject("visits-error-report-long", String::new());
            continue;
        }
        if contains_national_number(&report) {
            reject("visits-error-personal-data", String::new());
            continue;
        }
        if !seen.insert((date, place_code.clone(), kind.clone())) {
            reject(
                "visits-error-duplicate",
                format!("{date} {place_code} {kind}"),
            );
            continue;
        }
        checked.visits.push(Visit {
            line,
            date,
            place_kind,
            place_code,
            kind,
            topics,
            report,
        });
    }
    checked
}

/// What an import did.
#[derive(Debug)]
pub struct Outcome {
    pub checked: Checked,
    pub imported: usize,
}

/// Checks the file, then (unless `dry_run`, and only when nothing was rejected or
/// `skip_invalid`) stores the visits as past meetings in one transaction.
pub async fn import(
    db: &Db,
    geography: &Geography,
    bytes: &[u8],
    dry_run: bool,
    skip_invalid: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Outcome, DbError> {
    let today = crate::core::clock::belgian_date(now);
    let mut checked = check(bytes, geography, today);
    // Visits already on the platform are duplicates too.
    if checked.fatal.is_none() && !checked.visits.is_empty() {
        let places: Vec<String> = checked
            .visits
            .iter()
            .map(|v| v.place_code.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let existing = store::meetings(db, MeetingFilter::Places(&places), 100_000).await?;
        let known: std::collections::HashSet<(NaiveDate, String, String)> = existing
            .iter()
            .map(|m| {
                let local = m.starts_at + crate::core::clock::brussels_offset(m.starts_at);
                (local.date_naive(), m.place_code.clone(), m.kind.clone())
            })
            .collect();
        let (kept, repeated): (Vec<Visit>, Vec<Visit>) = checked
            .visits
            .into_iter()
            .partition(|v| !known.contains(&(v.date, v.place_code.clone(), v.kind.clone())));
        for v in repeated {
            checked.rejected.push(Rejection {
                line: v.line,
                key: "visits-error-exists",
                detail: format!("{} {} {}", v.date, v.place_code, v.kind),
            });
        }
        checked.visits = kept;
        checked.rejected.sort_by_key(|r| r.line);
    }
    let blocked = checked.fatal.is_some() || (!checked.rejected.is_empty() && !skip_invalid);
    if dry_run || blocked || checked.visits.is_empty() {
        return Ok(Outcome {
            checked,
            imported: 0,
        });
    }
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("valid time");
    let mut tx = db.begin().await?;
    for visit in &checked.visits {
        let naive = visit.date.and_time(nine).and_utc();
        let starts_at = naive - crate::core::clock::brussels_offset(naive);
        let row = MeetingRow {
            id: 0,
            uid: format!("{}@radix", random_token()),
            sequence: 0,
            kind: visit.kind.clone(),
            starts_at,
            ends_at: starts_at + chrono::Duration::hours(3),
            place_kind: visit.place_kind.to_string(),
            place_code: visit.place_code.clone(),
            place_detail: String::new(),
            participants: "[]".into(),
            topics: visit.topics.join(","),
            handed_over: String::new(),
            report: visit.report.clone(),
            cancelled_at: None,
            cancelled_by: None,
            cancel_reason: None,
        };
        store::insert_meeting(&mut tx, &row, &[], &[], None, now).await?;
    }
    audit::record(
        &mut tx,
        &Actor::system("import-visits"),
        Entry {
            action: "support.visits.import",
            entity_type: "support_meeting",
            entity_id: String::new(),
            details: json!({ "imported": checked.visits.len(), "rejected": checked.rejected.len() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let imported = checked.visits.len();
    Ok(Outcome { checked, imported })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_recognised() {
        assert!(looks_like_formula("=cmd|' /C calc'!A0"));
        assert!(looks_like_formula("+SUM(A1)"));
        assert!(looks_like_formula("@SUM(A1)"));
        assert!(looks_like_formula("-cmd"));
        assert!(!looks_like_formula("- a bullet"));
        assert!(!looks_like_formula("-3 degrees"));
        assert!(!looks_like_formula("Meeting"));
    }
}
