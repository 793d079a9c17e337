//! What the built-in bot says, per language, and the words by which a visitor asks for a person.
//!
//! Kept as data (one table row per language) so that a translator can add or fix a language without
//! touching the bot's logic. Placeholders: `{bot}` (the bot's display name), `{ticket}` ("SB-1001"),
//! `{time}` ("2026-11-23 09:00 UTC").

mod person;
mod table;

pub use person::{PERSON_SUBSTRINGS, PERSON_WORDS, asks_for_person};
pub use table::TABLE;

/// Every sentence the bot may say, in one language.
#[derive(Debug)]
pub struct Phrases {
    /// ISO 639-1 code, as `Language::as_str()` gives it.
    pub code: &'static str,
    pub greeting: &'static str,
    pub ticket: &'static str,
    /// The department is closed and we know when it opens.
    pub closed_until: &'static str,
    /// The department is closed and has no next opening (no hours at all).
    pub closed: &'static str,
    /// No agent of the department speaks the visitor's language.
    pub language: &'static str,
    /// Humans only serve signed-in (verified) visitors.
    pub unverified: &'static str,
    /// Closes the greeting when the visitor has not asked anything yet.
    pub ask: &'static str,
    pub handoff: &'static str,
    /// No knowledge-base article fits. Names a word of `person_words`, so that typing it works.
    pub no_answer: &'static str,
    /// The answer to a request for a person when nobody on the team speaks the conversation's language:
    /// no promise that cannot be kept, and what would work instead.
    pub uncovered: &'static str,
    /// Offered after `uncovered` or a closed department when the hub answers by email (spec 7.6).
    pub email: &'static str,
    /// An incident is in force in the visitor's department (spec 7.4); `{title}` is the notice's title.
    pub incident: &'static str,
    /// Lowercase whole words by which a visitor asks for a person in this language.
    pub person_words: &'static [&'static str],
}

/// The phrases for a language code ("de"), English when the language has no row or is unknown.
pub fn for_code(code: Option<&str>) -> &'static Phrases {
    let found = code.and_then(|code| TABLE.iter().find(|p| p.code.eq_ignore_ascii_case(code)));
    // TABLE is a non-empty constant, so `first` always succeeds; the fallback row keeps this total.
    found.or_else(|| TABLE.first()).unwrap_or(&ENGLISH_FALLBACK)
}

/// Only reachable if TABLE were emptied by mistake; keeps `for_code` free of panics.
static ENGLISH_FALLBACK: Phrases = Phrases {
    code: "en",
    greeting: "Hello, I'm {bot}.",
    ticket: "Your ticket number is {ticket}.",
    closed_until: "Our team is available again from {time}.",
    closed: "Our team is not available right now.",
    language: "None of our agents speaks your language at the moment.",
    unverified: "A person can help you once you are signed in.",
    ask: "What can I do for you?",
    handoff: "Someone will reply as soon as a person is available.",
    no_answer: "I found nothing about that. Type \"agent\" to reach a person.",
    uncovered: "Nobody on our team speaks your language at the moment.",
    email: "You can also leave your email address: we will reply by email.",
    incident: "Please note: {title}.",
    person_words: &["agent"],
};

/// Fills `{name}` placeholders. Unknown placeholders stay as they are, visibly, rather than failing.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |text, (key, value)| text.replace(&format!("{{{key}}}"), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_falls_back_to_english() {
        assert_eq!(for_code(Some("de")).code, "de");
        assert_eq!(for_code(Some("PT")).code, "pt");
        assert_eq!(for_code(Some("ko")).code, "en");
        assert_eq!(for_code(None).code, "en");
        for code in ["en", "de", "fr", "es", "it", "pt", "nl", "fi", "sv", "pl", "tr", "ru", "ar", "he", "ja", "zh"] {
            assert_eq!(for_code(Some(code)).code, code, "missing phrases for {code}");
        }
    }

    #[test]
    fn every_language_has_distinct_complete_phrases() {
        let mut codes: Vec<&str> = TABLE.iter().map(|p| p.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), TABLE.len(), "a language appears twice");
        for p in TABLE {
            assert!(p.greeting.contains("{bot}"), "{}: greeting names the bot", p.code);
            assert!(p.ticket.contains("{ticket}"), "{}: ticket", p.code);
            assert!(p.closed_until.contains("{time}"), "{}: closed_until", p.code);
            // Telling visitors to type a word is only honest if typing it works.
            assert!(asks_for_person(p.no_answer), "{}: no_answer names a word that reaches a person", p.code);
            assert!(!asks_for_person(p.greeting), "{}", p.code);
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(fill("Ticket {ticket}, {bot}, {x}", &[("ticket", "SB-1"), ("bot", "B")]), "Ticket SB-1, B, {x}");
    }
}
