//! Text helpers shared by capabilities: Unicode normalisation, search keys and collation.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Stores text in NFC so that the same name typed on different systems compares equal.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

/// A search key: lower case, no accents, ligatures spelled out, every run of punctuation,
/// hyphens, apostrophes and spaces folded to one space. "Saint-Josse-ten-Noode" and
/// "saint josse ten noode" give the same key; so do "Bütgenbach" and "butgenbach".
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        let folded: &str = match c {
            'œ' | 'Œ' => "oe",
            'æ' | 'Æ' => "ae",
            'ß' => "ss",
            'ø' | 'Ø' => "o",
            'ł' | 'Ł' => "l",
            'đ' | 'Đ' => "d",
            _ => "",
        };
        if !folded.is_empty() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(folded);
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// A sort key that follows Belgian collation habits: accents sort with their base letter and
/// the Dutch article prefixes 's- and 't- are ignored ('s-Gravenbrakel sorts under G).
pub fn collation_key(text: &str) -> String {
    let key = search_key(text);
    for prefix in ["s ", "t "] {
        if let Some(rest) = key.strip_prefix(prefix)
            && text.trim_start().starts_with(['\'', '’'])
        {
            return rest.to_string();
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_key_folds_accents_case_and_hyphens() {
        assert_eq!(search_key("Saint-Josse-ten-Noode"), "saint josse ten noode");
        assert_eq!(search_key("Bütgenbach"), "butgenbach");
        assert_eq!(search_key("Le Rœulx"), "le roeulx");
        assert_eq!(search_key("'s-Gravenbrakel"), "s gravenbrakel");
        assert_eq!(search_key("Braine-l’Alleud"), "braine l alleud");
        assert_eq!(search_key("  Écaussinnes "), "ecaussinnes");
        assert_eq!(search_key("Łukasz Zoë Nguyễn"), "lukasz zoe nguyen");
        assert_eq!(search_key("%_'\""), "");
    }

    #[test]
    fn nfd_and_nfc_give_the_same_key() {
        let nfd = "Bu\u{308}tgenbach";
        assert_eq!(search_key(nfd), search_key("Bütgenbach"));
        assert_eq!(nfc(nfd), "Bütgenbach");
    }

    #[test]
    fn collation_puts_article_prefix_and_accents_in_place() {
        let mut names = vec![
            "Zoersel",
            "'s-Gravenbrakel",
            "Écaussinnes",
            "Gent",
            "Edegem",
        ];
        names.sort_by_key(|name| collation_key(name));
        assert_eq!(
            names,
            vec![
                "Écaussinnes",
                "Edegem",
                "Gent",
                "'s-Gravenbrakel",
                "Zoersel"
            ]
        );
    }
}

/// True when `text` contains a Belgian national register number (11 digits, possibly
/// written with dots, dashes or spaces, whose last two digits are the mod-97 check of the
/// first nine — with the "2" prefix rule for people born from 2000). Free-text fields refuse
/// such text: the platform must never hold data about persons followed by a cell.
pub fn contains_national_number(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    while start < chars.len() {
        if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_digit()) {
            start += 1;
            continue;
        }
        let mut digits = String::new();
        let mut index = start;
        while index < chars.len() && digits.len() < 11 {
            let c = chars[index];
            if c.is_ascii_digit() {
                digits.push(c);
            } else if !matches!(c, '.' | '-' | ' ' | '/')
                || index + 1 >= chars.len()
                || !chars[index + 1].is_ascii_digit()
            {
                break;
            }
            index += 1;
        }
        let followed_by_digit = index < chars.len() && chars[index].is_ascii_digit();
        if digits.len() == 11 && !followed_by_digit && is_national_number(&digits) {
            return true;
        }
        start += 1;
    }
    false
}

fn is_national_number(digits: &str) -> bool {
    let (Ok(base), Ok(check)) = (digits[..9].parse::<u64>(), digits[9..].parse::<u64>()) else {
        return false;
    };
    let month: u32 = digits[2..4].parse().unwrap_or(0);
    let day: u32 = digits[4..6].parse().unwrap_or(0);
    // Month and day may be 0 or raised (+20/+40) for unknown or bis numbers.
    if month > 52 || day > 31 {
        return false;
    }
    97 - base % 97 == check || 97 - (2_000_000_000 + base) % 97 == check
}

#[cfg(test)]
mod national_number_tests {
    use super::contains_national_number;

    fn make(base: u64, born_2000_or_later: bool) -> String {
        let value = if born_2000_or_later {
            2_000_000_000 + base
        } else {
            base
        };
        format!("{base:09}{:02}", 97 - value % 97)
    }

    #[test]
    fn finds_valid_numbers_in_any_common_writing() {
        let mut found = 0;
        for i in 0..1000u64 {
            let yy = i % 100;
            let mm = 1 + i % 12;
            let dd = 1 + i % 28;
            let serial = 1 + (i * 7) % 997;
            let base = yy * 10_000_000 + mm * 100_000 + dd * 1000 + serial;
            let number = make(base, i % 2 == 0);
            let dotted = format!(
                "{}.{}.{}-{}.{}",
                &number[..2],
                &number[2..4],
                &number[4..6],
                &number[6..9],
                &number[9..]
            );
            assert!(
                contains_national_number(&format!("person {number} seen")),
                "{number}"
            );
            assert!(contains_national_number(&dotted), "{dotted}");
            found += 1;
        }
        assert_eq!(found, 1000);
    }

    #[test]
    fn leaves_ordinary_numbers_alone() {
        assert!(!contains_national_number("Call 0800 111 72 or 112"));
        assert!(!contains_national_number("NIS 21009, 44021 and 62063"));
        assert!(
            !contains_national_number("12345678901"),
            "wrong check digits"
        );
        assert!(!contains_national_number("phone +32 2 123 45 67"));
        assert!(
            !contains_national_number("123456789012345"),
            "longer numbers are not national numbers"
        );
    }
}
