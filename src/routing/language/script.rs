//! What a text is written in, before any statistics: its letters by script, with the tokens that
//! carry no language (links, e-mail addresses, handles, order numbers) left out.

/// Scripts that name a language, or a short list of languages, by themselves; `Latin` and `Other`
/// do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Script {
    Latin,
    /// Any other letters (Devanagari, Georgian, Armenian...): whatlang reads these.
    Other,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Thai,
    Hangul,
    /// Hiragana and katakana: Japanese.
    Kana,
    /// Chinese characters, which Japanese writes too.
    Han,
}

const SCRIPTS: usize = 10;

/// In the order of the enum, which is also the order in which ties are broken (the later wins).
const ALL: [Script; SCRIPTS] = [
    Script::Latin,
    Script::Other,
    Script::Cyrillic,
    Script::Greek,
    Script::Arabic,
    Script::Hebrew,
    Script::Thai,
    Script::Hangul,
    Script::Kana,
    Script::Han,
];

impl Script {
    fn of(c: char) -> Script {
        match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
            0x590..=0x5FF | 0xFB1D..=0xFB4F => Script::Hebrew,
            0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
            0xE00..=0xE7F => Script::Thai,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7AF => Script::Hangul,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F => Script::Han,
            _ => Script::Other,
        }
    }

    /// Whether the script alone narrows the language to one or a few.
    fn is_telling(self) -> bool {
        !matches!(self, Script::Latin | Script::Other)
    }
}

/// Letters in a telling script that make a text say something (two kana or Chinese characters
/// are a word: "はい", "你好").
const MIN_TELLING_LETTERS: usize = 2;
/// Below this many letters a text in the Latin script says little ("ok", "hi", "Hallo", "thx").
const MIN_LETTERS: usize = 5;
/// A single word says little unless it is this long: "Bonjour" and "Grüße" could be a greeting
/// in any visitor's mouth, "Rückerstattung" could not.
const MIN_LONE_WORD_LETTERS: usize = 10;

/// A text with the noise taken out, and its letters counted by script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Sample {
    /// The words that carry language, separated by single spaces.
    pub text: String,
    /// Words with at least one letter.
    pub words: usize,
    letters: [usize; SCRIPTS],
}

impl Sample {
    pub fn of(text: &str) -> Sample {
        let mut sample = Sample::default();
        for token in text.split_whitespace().filter(|t| !is_noise(t)) {
            let mut has_letter = false;
            for c in token.chars().filter(|c| c.is_alphabetic()) {
                sample.letters[Script::of(c) as usize] += 1;
                has_letter = true;
            }
            if !sample.text.is_empty() {
                sample.text.push(' ');
            }
            sample.text.push_str(token);
            sample.words += usize::from(has_letter);
        }
        sample
    }

    pub fn letters(&self) -> usize {
        self.letters.iter().sum()
    }

    pub fn letters_in(&self, script: Script) -> usize {
        self.letters[script as usize]
    }

    /// The script with the most letters; kana and Chinese characters count together as Japanese
    /// when there is any kana, and a telling script wins a tie. None without letters.
    pub fn script(&self) -> Option<Script> {
        let kana = self.letters_in(Script::Kana);
        let mut counts = self.letters;
        if kana > 0 {
            counts[Script::Kana as usize] += counts[Script::Han as usize];
            counts[Script::Han as usize] = 0;
        }
        // max_by_key keeps the last of equals, and the telling scripts come last in ALL.
        ALL.into_iter().filter(|s| counts[*s as usize] > 0).max_by_key(|s| counts[*s as usize])
    }

    /// Too little to tell a language by: no letters, only a link or a number, an emoji, or a word
    /// or two in the Latin script ("ok", "hi", "?", "42", "Hallo").
    pub fn says_little(&self) -> bool {
        let telling: usize = ALL.into_iter().filter(|s| s.is_telling()).map(|s| self.letters_in(s)).sum();
        if telling >= MIN_TELLING_LETTERS {
            return false;
        }
        let letters = self.letters();
        letters < MIN_LETTERS || (self.words < 2 && letters < MIN_LONE_WORD_LETTERS)
    }
}

/// Tokens that are the same in every language: links, e-mail addresses and handles, hashtags,
/// and ASCII tokens with a digit in them (order numbers, codes, prices, times).
fn is_noise(token: &str) -> bool {
    let lower = token.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("www.")
        || token.contains('@')
        || token.starts_with('#')
        || (token.is_ascii() && token.bytes().any(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_of_letters() {
        let rows = [
            ('a', Script::Latin),
            ('ß', Script::Latin),
            ('ł', Script::Latin),
            ('ş', Script::Latin),
            ('ю', Script::Cyrillic),
            ('ї', Script::Cyrillic),
            ('λ', Script::Greek),
            ('ب', Script::Arabic),
            ('پ', Script::Arabic),
            ('ש', Script::Hebrew),
            ('ก', Script::Thai),
            ('한', Script::Hangul),
            ('の', Script::Kana),
            ('カ', Script::Kana),
            ('ー', Script::Kana),
            ('中', Script::Han),
            ('क', Script::Other),
            ('ა', Script::Other),
        ];
        for (c, want) in rows {
            assert_eq!(Script::of(c), want, "{c}");
        }
        for (i, s) in ALL.iter().enumerate() {
            assert_eq!(*s as usize, i);
        }
    }

    #[test]
    fn noise_is_left_out() {
        let s = Sample::of("Order A1234 https://shop.example/o/1 from me@example.com @support #help 3x 19:30");
        assert_eq!(s.text, "Order from");
        assert_eq!((s.words, s.letters()), (2, 9));
        // A token of a script without spaces is kept whole, digits and all.
        assert_eq!(Sample::of("今月2回請求されました").text, "今月2回請求されました");
    }

    #[test]
    fn the_main_script() {
        let rows: &[(&str, Option<Script>)] = &[
            ("Hallo Welt", Some(Script::Latin)),
            ("ok спасибо", Some(Script::Cyrillic)),
            ("注文確認", Some(Script::Han)),
            // Kana makes the Chinese characters around it Japanese.
            ("注文を確認したい", Some(Script::Kana)),
            ("안녕하세요 ok", Some(Script::Hangul)),
            ("ab αβ", Some(Script::Greek)),
            ("नमस्ते", Some(Script::Other)),
            ("42 !!! 🙂", None),
            ("", None),
        ];
        for &(text, want) in rows {
            assert_eq!(Sample::of(text).script(), want, "{text:?}");
        }
    }

    #[test]
    fn what_says_little() {
        let little = [
            "",
            "ok",
            "OK!",
            "hi",
            "?",
            "42",
            "🙂👍",
            "https://example.com/cart",
            "me@example.com",
            "thx",
            "Hallo",
            "Bonjour",
            "Grüße",
            "ok ok",
            "#1234",
            "é",
            "中",
            "ok 中",
        ];
        for text in little {
            assert!(Sample::of(text).says_little(), "{text:?} should say little");
        }
        let enough = [
            "Rückerstattung",
            "thank you",
            "Hallo zusammen",
            "你好",
            "はい",
            "Привет",
            "Γεια",
            "مرحبا",
            "안녕",
            "Hola, me ayudan?",
            "see https://example.com it is broken",
        ];
        for text in enough {
            assert!(!Sample::of(text).says_little(), "{text:?} should say enough");
        }
    }
}
