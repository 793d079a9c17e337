//! The language of a visitor's conversation (spec 5.2): read from what the visitor wrote, with
//! the locale their browser sent in `hello` as evidence where the text says little.
//!
//! [`decide_with_source`] is the rule, explained with examples in docs/routing.md: the script
//! decides where it names the language (Greek, Korean, Japanese kana...) or leaves a few
//! (Cyrillic, Arabic, Chinese characters); whatlang is the fast first pass on the rest, and
//! lingua, held to 14 languages (second_opinion.rs), the second opinion on short or
//! unreliable Latin-script text. The locale decides where the text says little ("ok", "hi", a
//! link), among the languages a script leaves open, where whatlang's likeliest language is the
//! locale's, and where lingua finds the locale's language at least half as likely as its best.
//!
//! Pure: no IO; whatlang's and lingua's models are compiled into the binary.

mod script;
mod second_opinion;
mod telling;
mod whatlang_codes;

#[cfg(test)]
mod eval_tests;
#[cfg(test)]
mod tests;

use script::{Sample, Script};
use second_opinion::Opinion;
use whatlang_codes::iso_639_1;

pub use second_opinion::warm_up;

pub use crate::domain::{Language, LanguageSource};

/// Letters (`char::is_alphabetic`) a text needs before a detection may count as reliable.
///
/// whatlang calls some one-word texts certain: "Grüße" and "Tschüß" (ß is German-only) and any
/// kana ("こんにちは") score 1.0, and a bare "你好" is read as Mandarin although it could as well
/// be Japanese. Sixteen letters is about three short words in a Latin or Cyrillic script, or a
/// short sentence in Chinese or Japanese, where a character carries a syllable or a word; below
/// that the locale is the better witness.
pub const MIN_RELIABLE_CHARS: usize = 16;

const LEGACY_CODES: [(&str, &str); 5] = [("in", "id"), ("iw", "he"), ("ji", "yi"), ("jw", "jv"), ("mo", "ro")];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detection {
    pub language: Language,
    pub reliable: bool,
}

/// whatlang over all languages it knows, mapped to ISO 639-1. None if whatlang finds nothing or the
/// language has no 639-1 code.
pub fn detect(text: &str) -> Option<Detection> {
    let info = whatlang::detect(text)?;
    let language = Language::parse(iso_639_1(info.lang())?)?;
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    Some(Detection { language, reliable: info.is_reliable() && letters >= MIN_RELIABLE_CHARS })
}

/// Every language `detect` may name (whatlang's, as ISO 639-1 codes), for tables that must cover them all.
pub fn detectable() -> impl Iterator<Item = &'static str> {
    whatlang::Lang::all().iter().filter_map(|l| iso_639_1(*l))
}

/// Locale like "de-DE", "pt_BR", "en" -> Language("de")...
///
/// Takes the primary subtag of a BCP 47 tag or a POSIX locale ("de_DE.UTF-8@euro"), and the
/// first entry of an Accept-Language list ("de-DE,de;q=0.9").
pub fn from_locale(locale: &str) -> Option<Language> {
    let primary = locale.trim().split(['-', '_', '.', '@', ',', ';']).next()?.to_ascii_lowercase();
    let primary = LEGACY_CODES.iter().find(|(old, _)| *old == primary).map_or(primary.as_str(), |(_, new)| new);
    Language::parse(primary)
}

/// A conversation's language and how it was decided. `language` is None exactly when `source`
/// is `Default`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub language: Option<Language>,
    pub source: LanguageSource,
}

impl Decision {
    const DEFAULT: Decision = Decision { language: None, source: LanguageSource::Default };

    fn text(language: Language) -> Decision {
        Decision { language: Some(language), source: LanguageSource::Text }
    }

    fn locale(language: Language) -> Decision {
        Decision { language: Some(language), source: LanguageSource::Locale }
    }

    fn locale_or_default(locale: Option<Language>) -> Decision {
        locale.map_or(Decision::DEFAULT, Decision::locale)
    }
}

/// Letters of Latin-script text past which whatlang's reliable verdict stands even against the
/// locale, and lingua is not asked (lingua itself reads text this long by trigrams alone).
const LONG_TEXT_LETTERS: usize = 120;

/// How much likelier than the locale's language lingua must find another for the text to win:
/// the locale's language stays unless it is less than half as likely as the text's best.
const LOCALE_ODDS: f64 = 2.0;

/// Where lingua cannot weigh the locale's language (a locale of a language it does not know) and
/// whatlang does not read the text as that language, the confidence lingua's best needs to win.
const CLEAR: f64 = 0.5;

/// Spec 5.2: the language of a conversation given all the visitor's text so far (a sample) and
/// the hello's locale, and how it was decided. The locale is evidence, not an override: text that
/// clearly says German wins over an `en-US` locale; the locale decides only where the text says
/// little ("ok", "hi", "?", a number, a link, an emoji) or leaves the choice open.
pub fn decide_with_source(visitor_text: &str, locale: Option<&str>) -> Decision {
    let locale = locale.and_then(from_locale);
    let sample = Sample::of(visitor_text);
    if sample.says_little() {
        return Decision::locale_or_default(locale);
    }
    match sample.script() {
        None => Decision::locale_or_default(locale),
        Some(Script::Latin) => latin(&sample, locale),
        Some(script) => match telling::read(script, &sample) {
            None => Decision::locale_or_default(locale),
            Some(reading) => match locale {
                Some(l) if l != reading.best && reading.open.contains(&l) => Decision::locale(l),
                _ => Decision::text(reading.best),
            },
        },
    }
}

/// [`decide_with_source`]'s language alone.
pub fn decide(visitor_text: &str, locale: Option<&str>) -> Option<Language> {
    decide_with_source(visitor_text, locale).language
}

/// Whether a text is too little to tell a language by, so that the locale decides: no letters, a
/// number, a link, an emoji, or a word or two in the Latin script ("ok", "hi", "Hallo"). Cheap: a
/// pass over the text, no model.
pub fn says_little(text: &str) -> bool {
    Sample::of(text).says_little()
}

/// Latin-script text: whatlang first, then lingua weighing the text against the locale.
fn latin(sample: &Sample, locale: Option<Language>) -> Decision {
    let letters = sample.letters();
    let first = whatlang::detect(&sample.text).and_then(|info| {
        let language = Language::parse(iso_639_1(info.lang())?)?;
        Some((language, info.is_reliable() && letters >= MIN_RELIABLE_CHARS))
    });
    match first {
        // The text's likeliest language is the locale's, however unsure whatlang is of it: two
        // witnesses agree.
        Some((language, _)) if locale == Some(language) => return Decision::text(language),
        // Sure, unless the locale names another language lingua could weigh the text against.
        Some((language, true))
            if locale.is_none() || letters >= LONG_TEXT_LETTERS || !second_opinion::knows(language) =>
        {
            return Decision::text(language);
        }
        _ => {}
    }
    let opinion = Opinion::of(&sample.text);
    let Some((best, confidence)) = opinion.best() else {
        return match (locale, first) {
            (None, Some((language, _))) => Decision::text(language),
            _ => Decision::locale_or_default(locale),
        };
    };
    match locale {
        None => Decision::text(best),
        Some(l) if l == best => Decision::text(l),
        Some(l) if second_opinion::knows(l) => {
            if opinion.confidence(l) * LOCALE_ODDS >= confidence {
                Decision::locale(l)
            } else {
                Decision::text(best)
            }
        }
        // whatlang's guess is not the locale's language either (that returned above).
        Some(l) => {
            if confidence < CLEAR {
                Decision::locale(l)
            } else {
                Decision::text(best)
            }
        }
    }
}
