//! The evaluation set (tests/data/language_eval.tsv): short first messages to a support chat, 42
//! in each of 20 languages, run through [`decide_with_source`] with no locale, with a misleading
//! `en-US` locale (the non-English lines), and with the line's own language as the locale.
//!
//! `cargo test --lib language::eval_tests -- --nocapture` prints the table that docs/routing.md
//! shows.

use std::collections::BTreeMap;

use super::*;

/// One message a line: an ISO 639-1 code, a tab, the message.
const EVAL: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/language_eval.tsv"));

const LANGUAGES: usize = 20;
const MIN_LINES_PER_LANGUAGE: usize = 40;
/// Messages of 3 to 12 words (in languages that put spaces between words).
const WORDS: std::ops::RangeInclusive<usize> = 3..=12;

/// Least share right: no locale, a misleading `en-US`, the right locale.
const MIN_RIGHT: [f64; 3] = [0.95, 0.93, 1.0];
const CONDITIONS: [&str; 3] = ["no locale", "en-US locale", "own locale"];

fn lines() -> Vec<(Language, &'static str)> {
    EVAL.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (code, text) = l.split_once('\t').unwrap_or_else(|| panic!("no tab in {l:?}"));
            (Language::parse(code).unwrap_or_else(|| panic!("{code:?} in {l:?}")), text)
        })
        .collect()
}

#[derive(Clone, Copy, Default)]
struct Tally {
    right: usize,
    total: usize,
}

impl Tally {
    fn count(&mut self, right: bool) {
        self.total += 1;
        self.right += usize::from(right);
    }

    fn cell(self) -> String {
        if self.total == 0 { "-".to_owned() } else { format!("{}/{}", self.right, self.total) }
    }

    fn share(self) -> f64 {
        self.right as f64 / self.total.max(1) as f64
    }
}

#[test]
fn the_evaluation_set_is_what_it_claims() {
    let lines = lines();
    let mut per_language: BTreeMap<Language, usize> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for &(language, text) in &lines {
        *per_language.entry(language).or_default() += 1;
        assert!(seen.insert(text), "twice: {text}");
        assert_eq!(text.trim(), text, "stray spaces: {text:?}");
        if !["ja", "zh"].contains(&language.as_str()) {
            let words = text.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
            assert!(WORDS.contains(&words), "{words} words: {text}");
        } else {
            assert!((5..=30).contains(&text.chars().count()), "length: {text}");
        }
    }
    assert_eq!(per_language.len(), LANGUAGES, "{per_language:?}");
    for (language, n) in per_language {
        assert!(n >= MIN_LINES_PER_LANGUAGE, "{language}: {n} lines");
    }
}

#[test]
fn the_evaluation_set_is_read_right() {
    let english = Language::parse("en").unwrap();
    let mut order: Vec<Language> = Vec::new();
    let mut tallies: BTreeMap<Language, [Tally; 3]> = BTreeMap::new();
    let mut sources: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut misses = Vec::new();
    for (language, text) in lines() {
        if !order.contains(&language) {
            order.push(language);
        }
        let own = language.as_str().to_owned();
        let locales: [Option<&str>; 3] = [None, Some("en-US"), Some(&own)];
        let tally = tallies.entry(language).or_default();
        for (i, locale) in locales.into_iter().enumerate() {
            if i == 1 && language == english {
                continue;
            }
            let decision = decide_with_source(text, locale);
            let right = decision.language == Some(language);
            tally[i].count(right);
            *sources.entry((CONDITIONS[i], decision.source.as_str())).or_default() += 1;
            if !right {
                misses.push(format!(
                    "{} {language} -> {:?}: {text}",
                    CONDITIONS[i],
                    decision.language.map(|l| l.to_string())
                ));
            }
        }
    }

    println!("| language | {} |", CONDITIONS.join(" | "));
    println!("|---|---:|---:|---:|");
    let mut totals = [Tally::default(); 3];
    for language in &order {
        let t = tallies[language];
        println!("| {language} | {} | {} | {} |", t[0].cell(), t[1].cell(), t[2].cell());
        for i in 0..3 {
            totals[i].right += t[i].right;
            totals[i].total += t[i].total;
        }
    }
    let pct = |t: Tally| format!("{}/{} ({:.1}%)", t.right, t.total, 100.0 * t.share());
    println!("| **all** | {} | {} | {} |", pct(totals[0]), pct(totals[1]), pct(totals[2]));
    println!("\ndecided by: {sources:?}");
    for miss in &misses {
        println!("miss: {miss}");
    }
    for i in 0..3 {
        assert!(
            totals[i].share() >= MIN_RIGHT[i],
            "{}: {} right, below {:.0}%\n{}",
            CONDITIONS[i],
            pct(totals[i]),
            100.0 * MIN_RIGHT[i],
            misses.join("\n")
        );
    }
}
