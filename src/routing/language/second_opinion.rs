//! The second opinion on Latin-script text: lingua, built for short text, over a fixed list of
//! languages. whatlang weighs 37 Latin-script languages and on a sentence of five words often
//! calls its guess unreliable or picks a neighbour; lingua, held to the languages support teams
//! staff, reads such sentences nearly always right (docs/routing.md has the numbers).
//!
//! lingua's models are compiled into the binary, about 5 MB a language, which is why the list
//! is short: scripts that name their language (Cyrillic, Greek, Arabic, CJK...) never come here.

use std::sync::LazyLock;

use lingua::{Language as Lingua, LanguageDetector, LanguageDetectorBuilder};

use super::Language;

/// lingua's languages, each with its ISO 639-1 code. Each needs its cargo feature of `lingua`.
const LANGUAGES: [(Lingua, &str); 14] = [
    (Lingua::Czech, "cs"),
    (Lingua::Danish, "da"),
    (Lingua::Dutch, "nl"),
    (Lingua::English, "en"),
    (Lingua::Finnish, "fi"),
    (Lingua::French, "fr"),
    (Lingua::German, "de"),
    (Lingua::Italian, "it"),
    (Lingua::Bokmal, "nb"),
    (Lingua::Polish, "pl"),
    (Lingua::Portuguese, "pt"),
    (Lingua::Spanish, "es"),
    (Lingua::Swedish, "sv"),
    (Lingua::Turkish, "tr"),
];

/// Bytes of text lingua reads at most. Its cost grows with the text, and past about twenty words
/// whatlang is reliable anyway; a visitor's sample can be ten times longer.
const MAX_BYTES: usize = 400;

/// Built on first use. High-accuracy mode (all n-gram lengths on text under 120 characters):
/// low-accuracy mode, which reads trigrams alone, missed 13 of the evaluation set's 546
/// Latin-script lines where this misses one, for a third less time. The models are read in place
/// from the binary, so "loading" them costs only the pages a detection touches.
static DETECTOR: LazyLock<LanguageDetector> =
    LazyLock::new(|| LanguageDetectorBuilder::from_languages(&LANGUAGES.map(|(l, _)| l)).build());

/// Builds the detector now rather than on the first visitor's message.
pub fn warm_up() {
    LazyLock::force(&DETECTOR);
}

/// Whether lingua weighs this language.
pub(super) fn knows(language: Language) -> bool {
    LANGUAGES.iter().any(|(_, code)| *code == language.as_str())
}

/// lingua's confidence in each of its languages, highest first; values add up to 1, or are all
/// 0 when lingua finds nothing to go on.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Opinion(Vec<(Language, f64)>);

impl Opinion {
    pub fn of(text: &str) -> Opinion {
        let cut = (0..=MAX_BYTES.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let values = DETECTOR.compute_language_confidence_values(&text[..cut]);
        Opinion(values.into_iter().filter_map(|(l, v)| Some((ours(l)?, v))).collect())
    }

    /// The likeliest language, unless lingua found nothing.
    pub fn best(&self) -> Option<(Language, f64)> {
        self.0.first().copied().filter(|(_, v)| *v > 0.0)
    }

    pub fn confidence(&self, language: Language) -> f64 {
        self.0.iter().find(|(l, _)| *l == language).map_or(0.0, |(_, v)| *v)
    }
}

fn ours(language: Lingua) -> Option<Language> {
    LANGUAGES.iter().find(|(l, _)| *l == language).and_then(|(_, code)| Language::parse(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_its_code() {
        for (l, code) in LANGUAGES {
            assert_eq!(l.iso_code_639_1().to_string(), code, "{l:?}");
            assert!(knows(Language::parse(code).unwrap()));
        }
        assert!(!knows(Language::parse("ru").unwrap()));
    }

    #[test]
    fn opinions() {
        let o = Opinion::of("Mein Konto ist seit gestern gesperrt");
        let (best, v) = o.best().unwrap();
        assert_eq!(best.as_str(), "de");
        assert!(v > 0.5, "{o:?}");
        assert!(o.confidence(Language::parse("en").unwrap()) < v / 10.0, "{o:?}");
        assert_eq!(o.confidence(Language::parse("ru").unwrap()), 0.0);
        assert_eq!(Opinion::of("").best(), None);
        assert_eq!(Opinion::of("12345 !!!").best(), None);
    }
}
