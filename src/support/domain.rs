//! Support requests without the database: the four kinds of request with their fields, the
//! handling states and the transitions allowed between them, and the checks on what people
//! type (organisational facts only).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::core::text::{contains_national_number, nfc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    #[serde(rename = "livcr-setup")]
    LivcrSetup,
    #[serde(rename = "awareness-day")]
    AwarenessDay,
    #[serde(rename = "project-support")]
    ProjectSupport,
    #[serde(rename = "question")]
    Question,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::LivcrSetup,
        Kind::AwarenessDay,
        Kind::ProjectSupport,
        Kind::Question,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::LivcrSetup => "livcr-setup",
            Kind::AwarenessDay => "awareness-day",
            Kind::ProjectSupport => "project-support",
            Kind::Question => "question",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The fields of this kind's form, each with its vocabulary when it has one.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Kind::LivcrSetup => &LIVCR_SETUP,
            Kind::AwarenessDay => &AWARENESS_DAY,
            Kind::ProjectSupport => &PROJECT_SUPPORT,
            Kind::Question => &QUESTION,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Line,
    /// Several lines of text.
    Text,
    /// One choice from a list.
    Choice(&'static [&'static str]),
    /// Any number of choices from a list.
    Choices(&'static [&'static str]),
    /// A whole number within bounds.
    Number(u32, u32),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

const fn field(name: &'static str, kind: FieldKind, required: bool) -> Field {
    Field {
        name,
        kind,
        required,
    }
}

pub const LANGUAGES: [&str; 4] = ["nl", "fr", "de", "en"];

/// Themes shared with the knowledge base (DOMAIN §11.2).
pub const THEMES: [&str; 12] = [
    "far-right",
    "far-left",
    "religious-extremism",
    "polarisation",
    "online-radicalisation",
    "conspiracy-anti-government",
    "hate-propaganda",
    "youth",
    "schools",
    "families",
    "prisons-reintegration",
    "livcr-functioning",
];

const ROLES: [&str; 8] = [
    "mayor-office",
    "police",
    "prevention",
    "social-welfare",
    "schools",
    "youth-work",
    "municipal-departments",
    "other",
];

const LIVCR_SETUP: [Field; 5] = [
    field(
        "situation",
        FieldKind::Choice(&["no-cell", "preparation", "existing"]),
        true,
    ),
    field("preferred_dates", FieldKind::Line, false),
    field("meeting_language", FieldKind::Choice(&LANGUAGES), true),
    field("participants", FieldKind::Choices(&ROLES), false),
    field("questions", FieldKind::Text, false),
];

const AWARENESS_DAY: [Field; 5] = [
    field(
        "audience",
        FieldKind::Choice(&["municipal-staff", "livcr-members", "front-line"]),
        true,
    ),
    field("participants_count", FieldKind::Number(1, 500), true),
    field("preferred_dates", FieldKind::Line, false),
    field("place", FieldKind::Choice(&["on-site", "online"]), true),
    field("session_language", FieldKind::Choice(&LANGUAGES), true),
];

const PROJECT_SUPPORT: [Field; 3] = [
    field("description", FieldKind::Text, true),
    field("themes", FieldKind::Choices(&THEMES), false),
    field(
        "help",
        FieldKind::Choices(&["information", "key-persons", "good-practice", "funding"]),
        true,
    ),
];

const QUESTION: [Field; 2] = [
    field(
        "category",
        FieldKind::Choice(&[
            "livcr",
            "awareness",
            "project",
            "cartography",
            "platform",
            "other",
        ]),
        true,
    ),
    field("message", FieldKind::Text, true),
];

pub const MAX_LINE_CHARS: usize = 300;
pub const MAX_TEXT_CHARS: usize = 4000;

/// The answers of a request form: one or more values per field name.
pub type Answers = BTreeMap<String, Vec<String>>;

/// A field that needs correcting, with the message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
}

/// Normalises the answers to `kind`'s fields (unknown fields are dropped) and lists every
/// problem.
pub fn check_answers(kind: Kind, raw: &Answers) -> (Answers, Vec<Problem>) {
    let mut answers = Answers::new();
    let mut problems = vec![];
    for f in kind.fields() {
        let values: Vec<String> = raw
            .get(f.name)
            .map(|v| {
                v.iter()
                    .map(|x| nfc(x.trim()))
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut problem = |key| problems.push(Problem { field: f.name, key });
        if values.is_empty() {
            if f.required {
                problem("support-error-required");
            }
            continue;
        }
        match f.kind {
            FieldKind::Line | FieldKind::Text => {
                let limit = if f.kind == FieldKind::Line {
                    MAX_LINE_CHARS
                } else {
                    MAX_TEXT_CHARS
                };
                let text = &values[0];
                if text.chars().count() > limit {
                    problem("support-error-too-long");
                } else if contains_national_number(text) {
                    problem("support-error-personal-data");
                } else if text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
                {
                    problem("support-error-characters");
                }
            }
            FieldKind::Choice(list) => {
                if values.len() != 1 || !list.contains(&values[0].as_str()) {
                    problem("support-error-choice");
                }
            }
            FieldKind::Choices(list) => {
                if values.iter().any(|v| !list.contains(&v.as_str())) {
                    problem("support-error-choice");
                }
            }
            FieldKind::Number(min, max) => match values[0].parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => {}
                _ => problem("support-error-number"),
            },
        }
        let mut kept = values;
        kept.sort();
        kept.dedup();
        answers.insert(f.name.to_string(), kept);
    }
    (answers, problems)
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub enum State {
    #[serde(rename = "unconfirmed")]
    Unconfirmed,
    #[serde(rename = "new")]
    New,
    #[serde(rename = "assigned")]
    Assigned,
    #[serde(rename = "scheduled")]
    Scheduled,
    #[serde(rename = "delivered")]
    Delivered,
    #[serde(rename = "closed")]
    Closed,
    #[serde(rename = "declined")]
    Declined,
    #[serde(rename = "withdrawn")]
    Withdrawn,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Unconfirmed,
        State::New,
        State::Assigned,
        State::Scheduled,
        State::Delivered,
        State::Closed,
        State::Declined,
        State::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Unconfirmed => "unconfirmed",
            State::New => "new",
            State::Assigned => "assigned",
            State::Scheduled => "scheduled",
            State::Delivered => "delivered",
            State::Closed => "closed",
            State::Declined => "declined",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Still waiting for the Radix Team or in progress.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::New | State::Assigned | State::Scheduled | State::Delivered
        )
    }
}

/// What someone does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Confirm,
    Assign,
    Schedule,
    /// Back to "assigned" when the meeting planned for it was cancelled.
    Unschedule,
    Deliver,
    Close,
    Decline,
    Withdraw,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Confirm => "confirm",
            Action::Assign => "assign",
            Action::Schedule => "schedule",
            Action::Unschedule => "unschedule",
            Action::Deliver => "deliver",
            Action::Close => "close",
            Action::Decline => "decline",
            Action::Withdraw => "withdraw",
        }
    }

    pub fn from_code(code: &str) -> Option<Action> {
        [
            Action::Confirm,
            Action::Assign,
            Action::Schedule,
            Action::Unschedule,
            Action::Deliver,
            Action::Close,
            Action::Decline,
            Action::Withdraw,
        ]
        .into_iter()
        .find(|a| a.code() == code)
    }
}

/// The state an action leads to from `from`, if it is allowed there.
pub fn transition(from: State, action: Action) -> Option<State> {
    use State::*;
    match (action, from) {
        (Action::Confirm, Unconfirmed) => Some(New),
        (Action::Assign, New | Assigned) => Some(Assigned),
        (Action::Schedule, Assigned | Scheduled) => Some(Scheduled),
        (Action::Unschedule, Scheduled) => Some(Assigned),
        (Action::Deliver, Scheduled) => Some(Delivered),
        (Action::Close, Delivered) => Some(Closed),
        (Action::Decline, New | Assigned | Scheduled) => Some(Declined),
        (Action::Withdraw, New | Assigned | Scheduled) => Some(Withdrawn),
        _ => None,
    }
}

/// `days` working days (Monday to Friday) after `start`.
pub fn add_working_days(start: chrono::NaiveDate, days: u32) -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut date = start;
    let mut left = days;
    while left > 0 {
        date = date.succ_opt().unwrap_or(date);
        if date.weekday().number_from_monday() <= 5 {
            left -= 1;
        }
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_transitions_are_allowed() {
        assert_eq!(
            transition(State::New, Action::Assign),
            Some(State::Assigned)
        );
        assert_eq!(transition(State::Declined, Action::Close), None);
        assert_eq!(transition(State::Closed, Action::Withdraw), None);
        assert_eq!(transition(State::New, Action::Deliver), None);
        assert_eq!(
            transition(State::Delivered, Action::Close),
            Some(State::Closed)
        );
        assert_eq!(transition(State::Unconfirmed, Action::Assign), None);
        assert_eq!(
            transition(State::Scheduled, Action::Unschedule),
            Some(State::Assigned)
        );
        assert_eq!(transition(State::Assigned, Action::Unschedule), None);
        assert_eq!(transition(State::Delivered, Action::Unschedule), None);
    }

    #[test]
    fn answers_are_checked_against_the_form() {
        let mut raw = Answers::new();
        raw.insert("audience".into(), vec!["everyone".into()]);
        raw.insert("participants_count".into(), vec!["0".into()]);
        raw.insert("place".into(), vec!["online".into()]);
        raw.insert("injected".into(), vec!["x".into()]);
        let (answers, problems) = check_answers(Kind::AwarenessDay, &raw);
        let keys: Vec<(&str, &str)> = problems.iter().map(|p| (p.field, p.key)).collect();
        assert!(keys.contains(&("audience", "support-error-choice")));
        assert!(keys.contains(&("participants_count", "support-error-number")));
        assert!(keys.contains(&("session_language", "support-error-required")));
        assert!(!answers.contains_key("injected"));
    }

    #[test]
    fn working_days_skip_weekends() {
        let friday = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        assert_eq!(
            add_working_days(friday, 1),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
        );
        assert_eq!(
            add_working_days(friday, 5),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("date")
        );
    }
}
