//! Rules about accounts that need no database: normalising and validating what people type.

use crate::core::text::nfc;

pub const MAX_NAME_CHARS: usize = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputProblem {
    EmailInvalid,
    NameEmpty,
    NameTooLong,
    NameInvalid,
}

impl InputProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            InputProblem::EmailInvalid => "identity-email-invalid",
            InputProblem::NameEmpty => "identity-name-empty",
            InputProblem::NameTooLong => "identity-name-too-long",
            InputProblem::NameInvalid => "identity-name-invalid",
        }
    }
}

/// The address as typed (trimmed, NFC) and its lookup key (lower case).
pub fn normalise_email(input: &str) -> Result<(String, String), InputProblem> {
    let email = nfc(input.trim());
    if !crate::core::email::is_valid_address(&email) {
        return Err(InputProblem::EmailInvalid);
    }
    let key = email.to_lowercase();
    Ok((email, key))
}

/// A person's name: any script, accents, hyphens and apostrophes; no control or
/// bidirectional-override characters; at most 120 characters.
pub fn normalise_name(input: &str) -> Result<String, InputProblem> {
    let name = nfc(input.trim());
    if name.is_empty() {
        return Err(InputProblem::NameEmpty);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(InputProblem::NameTooLong);
    }
    let forbidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '<' | '>')
    };
    if name.chars().any(forbidden) {
        return Err(InputProblem::NameInvalid);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_every_corner_of_belgium_are_kept() {
        for name in [
            "Élodie Dupont-Van den Broeck",
            "Jürgen Müller",
            "D'Hondt",
            "Nguyễn Văn An",
            "Łukasz",
            "Zoë",
        ] {
            assert_eq!(normalise_name(name).as_deref(), Ok(name));
        }
        assert_eq!(normalise_name("  "), Err(InputProblem::NameEmpty));
        assert_eq!(
            normalise_name(&"a".repeat(121)),
            Err(InputProblem::NameTooLong)
        );
        assert_eq!(
            normalise_name("Eve\u{202e}gnp.exe"),
            Err(InputProblem::NameInvalid)
        );
        assert_eq!(
            normalise_name("Eve\r\nBcc: x"),
            Err(InputProblem::NameInvalid)
        );
        assert_eq!(normalise_name("<script>"), Err(InputProblem::NameInvalid));
    }

    #[test]
    fn emails_are_trimmed_and_keyed_in_lower_case() {
        assert_eq!(
            normalise_email("  Elodie.Dupont@Commune.be "),
            Ok((
                "Elodie.Dupont@Commune.be".into(),
                "elodie.dupont@commune.be".into()
            ))
        );
        assert_eq!(
            normalise_email("x@y.be\r\nBcc: z@w.be"),
            Err(InputProblem::EmailInvalid)
        );
    }
}
