//! Translation catalogues: the same keys in four languages, and no unused key.

use std::collections::BTreeSet;

use radix::core::i18n::{I18n, Lang};

fn keys(lang: Lang) -> BTreeSet<String> {
    I18n::sources(lang)
        .into_iter()
        .flat_map(|(_, text)| {
            text.lines()
                .filter(|line| !line.starts_with([' ', '#', '\t']) && line.contains(" ="))
                .filter_map(|line| line.split(" =").next().map(|k| k.trim().to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn source_text() -> String {
    let mut text = String::new();
    let mut stack = vec![std::path::PathBuf::from("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                text.push_str(&std::fs::read_to_string(&path).expect("read"));
            }
        }
    }
    text
}

#[test]
fn all_four_languages_have_the_same_keys() {
    let reference = keys(Lang::En);
    assert!(reference.len() > 50);
    for lang in [Lang::Nl, Lang::Fr, Lang::De] {
        let other = keys(lang);
        let missing: Vec<_> = reference.difference(&other).collect();
        let extra: Vec<_> = other.difference(&reference).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{lang:?}: missing {missing:?}, extra {extra:?}"
        );
    }
    let i18n = I18n::load().expect("catalogues load");
    for key in &reference {
        for lang in Lang::ALL {
            assert!(i18n.has(lang, key), "{key} in {lang:?}");
        }
    }
}

#[test]
fn every_key_is_used_by_the_code() {
    let source = source_text();
    let unused: Vec<String> = keys(Lang::En)
        .into_iter()
        .filter(|key| {
            // Keys composed at run time: navigation entries and error-page titles.
            let composed = key.starts_with("nav-")
                || ["-title", "-subject", "-body"].iter().any(|suffix| {
                    key.strip_suffix(suffix)
                        .is_some_and(|base| source.contains(&format!("\"{base}\"")))
                });
            // Keys built with a code: `format!("registry-service-{code}")` uses every
            // `registry-service-…` key.
            let formatted = key.match_indices('-').any(|(i, _)| {
                source.contains(&format!("\"{}{{", &key[..=i]))
                    || source.contains(&format!("\"{}\"", &key[..=i]))
            });
            !composed
                && !formatted
                && !source.contains(&format!("\"{key}\""))
                && !source.contains(&format!("'{key}'"))
        })
        .collect();
    assert!(unused.is_empty(), "unused translation keys: {unused:?}");
}
