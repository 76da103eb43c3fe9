//! Password hashing (Argon2id) and the password policy: at least 12 characters, at most
//! 128, not a common or easily guessed password; no composition rules.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

fn hasher() -> Argon2<'static> {
    // OWASP's recommended Argon2id setting: 19 MiB, two passes, one lane.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the account does not exist so that
/// unknown and known accounts take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&random_token()).unwrap_or_default())
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    TooCommon,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "identity-password-too-short",
            PasswordProblem::TooLong => "identity-password-too-long",
            PasswordProblem::TooCommon => "identity-password-too-common",
        }
    }
}

/// Checks a new password; `context` holds the user's own words (email, name) that must not
/// make up the password.
pub fn check_policy(password: &str, context: &[&str]) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordProblem::TooLong);
    }
    // The user's own words count as a dictionary: the email and name, and each part of them.
    let mut words: Vec<String> = vec![];
    for item in context {
        let lower = crate::core::text::search_key(item);
        words.extend(
            lower
                .split(' ')
                .filter(|w| w.len() >= 3)
                .map(str::to_string),
        );
        words.push(item.to_lowercase());
    }
    let word_refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &word_refs);
    if (estimate.score() as u8) < 3 {
        return Err(PasswordProblem::TooCommon);
    }
    // A password made of the user's own name or address, with digits or punctuation added,
    // is among the first guesses of anyone who knows them.
    let mut letters: String = crate::core::text::search_key(password)
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    let mut own: Vec<&String> = words.iter().filter(|w| w.len() >= 3).collect();
    own.sort_by_key(|w| std::cmp::Reverse(w.len()));
    for word in own {
        let word: String = word.chars().filter(|c| c.is_alphabetic()).collect();
        if word.len() >= 3 {
            letters = letters.replace(&word, "");
        }
    }
    if letters.chars().count() < 4 {
        return Err(PasswordProblem::TooCommon);
    }
    Ok(())
}

/// 32 random bytes, URL-safe base64: session ids, email tokens.
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, as stored in the database (the token itself never is).
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let first = hash("correct horse battery staple").expect("hash");
        let second = hash("correct horse battery staple").expect("hash");
        assert_ne!(first, second);
        assert!(first.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &first));
        assert!(!verify("wrong", &first));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn policy_wants_length_and_rejects_common_passwords() {
        assert_eq!(check_policy("short", &[]), Err(PasswordProblem::TooShort));
        assert_eq!(
            check_policy("password1234", &[]),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_policy("aaaaaaaaaaaaaaaa", &[]),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_policy(
                "elodiedupont1",
                &["elodie.dupont@commune.be", "Élodie Dupont"]
            ),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_policy(
                "Élodie.Dupont-2024!",
                &["elodie.dupont@commune.be", "Élodie Dupont"]
            ),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            check_policy(&"x".repeat(200), &[]),
            Err(PasswordProblem::TooLong)
        );
        assert!(check_policy("Wolken boven de Schelde in maart", &[]).is_ok());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| random_token()).collect();
        assert_eq!(ids.len(), 10_000);
        let token = random_token();
        assert_eq!(token.len(), 43);
        assert_eq!(token_hash(&token).len(), 64);
    }
}
