//! Languages, translations and Belgian formatting conventions.
//!
//! Interface text lives in `locales/{lang}/{capability}.ftl` (Fluent), embedded in the binary.
//! A test checks that the four languages carry the same keys and that every key is used.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    Fr,
    De,
    En,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::Nl, Lang::Fr, Lang::De, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "nl" => Some(Lang::Nl),
            "fr" => Some(Lang::Fr),
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language's name in itself, for the language switcher.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::Nl => "Nederlands",
            Lang::Fr => "Français",
            Lang::De => "Deutsch",
            Lang::En => "English",
        }
    }

    /// Picks the best supported language from an `Accept-Language` header, honouring q-values.
    pub fn negotiate(accept_language: Option<&str>, default: Lang) -> Lang {
        let Some(header) = accept_language else {
            return default;
        };
        let mut best: Option<(f32, usize, Lang)> = None;
        for (position, item) in header.split(',').take(32).enumerate() {
            let mut parts = item.trim().split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let primary = tag.split('-').next().unwrap_or("");
            let quality = match parts.find_map(|p| p.trim().strip_prefix("q=")) {
                None => 1.0,
                Some(q) => q.trim().parse::<f32>().unwrap_or(-1.0),
            };
            if !(quality > 0.0 && quality <= 1.0) {
                continue;
            }
            if let Some(lang) = Lang::from_code(primary) {
                let better = match best {
                    None => true,
                    Some((q, p, _)) => quality > q || (quality == q && position < p),
                };
                if better {
                    best = Some((quality, position, lang));
                }
            }
        }
        best.map(|(_, _, lang)| lang).unwrap_or(default)
    }
}

#[derive(RustEmbed)]
#[folder = "locales/"]
struct LocaleFiles;

/// The translation catalogues of the four languages.
pub struct I18n {
    bundles: HashMap<Lang, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n")
    }
}

impl I18n {
    pub fn load() -> anyhow::Result<I18n> {
        let mut bundles = HashMap::new();
        for lang in Lang::ALL {
            let langid: unic_langid::LanguageIdentifier = lang.code().parse()?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // Isolation marks would end up inside attributes and plain-text emails.
            bundle.set_use_isolating(false);
            for (name, source) in Self::sources(lang) {
                let resource = FluentResource::try_new(source)
                    .map_err(|(_, errors)| anyhow::anyhow!("syntax error in {name}: {errors:?}"))?;
                bundle
                    .add_resource(resource)
                    .map_err(|errors| anyhow::anyhow!("duplicate key in {name}: {errors:?}"))?;
            }
            bundles.insert(lang, bundle);
        }
        Ok(I18n { bundles })
    }

    /// The `.ftl` files of one language as (file name, text).
    pub fn sources(lang: Lang) -> Vec<(String, String)> {
        let prefix = format!("{}/", lang.code());
        let mut files: Vec<(String, String)> = LocaleFiles::iter()
            .filter(|name| name.starts_with(&prefix) && name.ends_with(".ftl"))
            .filter_map(|name| {
                let file = LocaleFiles::get(&name)?;
                let text = String::from_utf8(file.data.into_owned()).ok()?;
                Some((name.to_string(), text))
            })
            .collect();
        files.sort();
        files
    }

    /// Translates `key`; a missing key shows the key itself (and a test prevents that).
    pub fn t(&self, lang: Lang, key: &str) -> String {
        self.t_args(lang, key, &[])
    }

    pub fn t_args(&self, lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let Some(bundle) = self.bundles.get(&lang) else {
            return key.to_string();
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, lang = lang.code(), "missing translation");
            return key.to_string();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = vec![];
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundles
            .get(&lang)
            .is_some_and(|bundle| bundle.has_message(key))
    }
}

/// Formats a date the Belgian way: 25/11/2026 in every language.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// Formats a number with Belgian separators: 1.234,5 in nl/fr/de, 1,234.5 in English.
pub fn format_number(lang: Lang, value: f64, decimals: usize) -> String {
    let (group, decimal) = match lang {
        Lang::En => (',', '.'),
        _ => ('.', ','),
    };
    let formatted = format!("{:.*}", decimals, value.abs());
    let (integer, fraction) = match formatted.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (formatted.as_str(), None),
    };
    let mut out = String::new();
    if value < 0.0 && formatted.chars().any(|c| c != '0' && c != '.') {
        out.push('-');
    }
    let digits = integer.len();
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (digits - index) % 3 == 0 {
            out.push(group);
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push(decimal);
        out.push_str(fraction);
    }
    out
}

/// Formats a share (0.125 → "12,5 %" in nl/fr/de, "12.5%" in English).
pub fn format_percent(lang: Lang, share: f64, decimals: usize) -> String {
    let number = format_number(lang, share * 100.0, decimals);
    let mut out = String::with_capacity(number.len() + 4);
    let _ = match lang {
        Lang::En | Lang::Nl => write!(out, "{number}%"),
        // French and German write a (non-breaking) space before the percent sign.
        Lang::Fr | Lang::De => write!(out, "{number}\u{a0}%"),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality_and_position() {
        assert_eq!(
            Lang::negotiate(Some("fr-BE,fr;q=0.9,nl;q=0.8"), Lang::Nl),
            Lang::Fr
        );
        assert_eq!(Lang::negotiate(Some("en;q=0.5, de"), Lang::Nl), Lang::De);
        assert_eq!(Lang::negotiate(Some("es, it"), Lang::Nl), Lang::Nl);
        assert_eq!(Lang::negotiate(None, Lang::Fr), Lang::Fr);
        assert_eq!(
            Lang::negotiate(Some("en;q=0, fr;q=abc"), Lang::Nl),
            Lang::Nl
        );
        assert_eq!(Lang::negotiate(Some(";;;,,,=q"), Lang::De), Lang::De);
    }

    #[test]
    fn formats_numbers_in_belgian_conventions() {
        assert_eq!(format_number(Lang::Nl, 1234.5, 1), "1.234,5");
        assert_eq!(format_number(Lang::Fr, 1234.5, 1), "1.234,5");
        assert_eq!(format_number(Lang::De, 1234567.0, 0), "1.234.567");
        assert_eq!(format_number(Lang::En, 1234.5, 1), "1,234.5");
        assert_eq!(format_number(Lang::Nl, 999.0, 0), "999");
        assert_eq!(format_number(Lang::Nl, -1234.0, 0), "-1.234");
        assert_eq!(format_percent(Lang::Fr, 0.125, 1), "12,5\u{a0}%");
        assert_eq!(format_percent(Lang::En, 0.125, 1), "12.5%");
    }

    #[test]
    fn formats_dates_day_first() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        assert_eq!(format_date(date), "25/11/2026");
    }
}
