//! Scripts that tell the language by themselves, or narrow it to a few: what they leave open.

use whatlang::{Detector, Lang};

use super::Language;
use super::script::{Sample, Script};
use super::whatlang_codes::iso_639_1;

/// What the script of a text, and the letters it uses, say of its language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Reading {
    /// The language the text points to on its own.
    pub best: Language,
    /// Every language the text leaves open, `best` among them. The locale may choose among them.
    pub open: Vec<Language>,
}

impl Reading {
    fn of(codes: &[&str]) -> Option<Reading> {
        let open: Vec<Language> = codes.iter().filter_map(|c| Language::parse(c)).collect();
        Some(Reading { best: *open.first()?, open })
    }
}

/// Cyrillic letters that only some of the Cyrillic languages whatlang knows use, and those
/// languages, the likeliest first.
const CYRILLIC_LETTERS: [(&str, &[&str]); 8] = [
    ("їєґ", &["uk"]),
    ("ў", &["be"]),
    ("і", &["uk", "be"]),
    ("ыэё", &["ru", "be"]),
    ("ъ", &["ru", "bg"]),
    ("ђћ", &["sr"]),
    ("ѓќѕ", &["mk"]),
    ("џљњј", &["sr", "mk"]),
];

/// The Cyrillic languages whatlang knows, the likeliest first where nothing else decides.
const CYRILLIC: [&str; 6] = ["ru", "uk", "bg", "sr", "be", "mk"];

pub(super) fn read(script: Script, sample: &Sample) -> Option<Reading> {
    match script {
        Script::Latin => None,
        Script::Greek => Reading::of(&["el"]),
        Script::Thai => Reading::of(&["th"]),
        Script::Hangul => Reading::of(&["ko"]),
        Script::Kana => Reading::of(&["ja"]),
        // Chinese characters alone: Chinese, unless the locale says Japanese ("注文確認").
        Script::Han => Reading::of(&["zh", "ja"]),
        Script::Hebrew => Reading::of(&["he", "yi"]),
        Script::Arabic => Reading::of(arabic(&sample.text)),
        Script::Cyrillic => cyrillic(&sample.text),
        Script::Other => other(&sample.text),
    }
}

/// Urdu and Persian add letters to the Arabic alphabet; the tāʾ marbūṭa (ة) is Arabic's own.
fn arabic(text: &str) -> &'static [&'static str] {
    let has = |letters: &str| text.chars().any(|c| letters.contains(c));
    if has("ٹڈڑںے") {
        &["ur"]
    } else if has("پچژگکی") {
        &["fa", "ur"]
    } else if has("ة") {
        &["ar"]
    } else {
        &["ar", "fa", "ur"]
    }
}

/// Letters only some Cyrillic languages use narrow the choice; whatlang, held to what is left,
/// names the likeliest when it is sure, and otherwise the likeliest in [`CYRILLIC`] order.
fn cyrillic(text: &str) -> Option<Reading> {
    let lower = text.to_lowercase();
    let mut open: Vec<&str> = CYRILLIC.to_vec();
    for (letters, languages) in CYRILLIC_LETTERS {
        if lower.chars().any(|c| letters.contains(c)) {
            let narrowed: Vec<&str> = open.iter().copied().filter(|l| languages.contains(l)).collect();
            if !narrowed.is_empty() {
                open = narrowed;
            }
        }
    }
    if open.len() > 1 {
        let allow: Vec<Lang> =
            Lang::all().iter().copied().filter(|l| iso_639_1(*l).is_some_and(|c| open.contains(&c))).collect();
        let sure = Detector::with_allowlist(allow)
            .detect(text)
            .filter(|info| info.is_reliable())
            .and_then(|info| iso_639_1(info.lang()));
        if let Some(code) = sure {
            open.retain(|l| *l != code);
            open.insert(0, code);
        }
    }
    Reading::of(&open)
}

/// Scripts this module does not list (Devanagari, Georgian, Armenian, Bengali...): whatlang's
/// guess, and the other languages whatlang knows in that script unless it is sure.
fn other(text: &str) -> Option<Reading> {
    let info = whatlang::detect(text)?;
    let best = iso_639_1(info.lang())?;
    let mut open = vec![best];
    if !info.is_reliable() {
        open.extend(info.script().langs().iter().filter_map(|l| iso_639_1(*l)).filter(|c| *c != best));
    }
    Reading::of(&open)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(text: &str) -> Option<(String, Vec<String>)> {
        let sample = Sample::of(text);
        read(sample.script()?, &sample).map(|r| (r.best.to_string(), r.open.iter().map(|l| l.to_string()).collect()))
    }

    fn codes(best: &str, open: &[&str]) -> Option<(String, Vec<String>)> {
        Some((best.to_owned(), open.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn scripts_that_tell() {
        let rows: &[(&str, &str, &[&str])] = &[
            ("Γεια σας, έχω πρόβλημα", "el", &["el"]),
            ("สวัสดีครับ", "th", &["th"]),
            ("안녕하세요", "ko", &["ko"]),
            ("こんにちは", "ja", &["ja"]),
            ("注文確認", "zh", &["zh", "ja"]),
            ("שלום, יש לי בעיה", "he", &["he", "yi"]),
            // Arabic, Persian (پ), Urdu (ے), and no telling letter at all.
            ("أريد استرداد المبلغ، الطلبية لم تصل", "ar", &["ar"]),
            ("سلام، پول من برنگشت", "fa", &["fa", "ur"]),
            ("میرا آرڈر نہیں آیا ہے", "ur", &["ur"]),
            ("مرحبا", "ar", &["ar", "fa", "ur"]),
            // Ukrainian (ї, є), Russian or Belarusian (ы), nothing telling.
            ("Де моє замовлення? Вже тиждень їде", "uk", &["uk"]),
            ("Мы ждём уже неделю", "ru", &["ru", "be"]),
            ("Привет", "ru", &["ru", "uk", "bg", "sr", "be", "mk"]),
        ];
        for &(text, best, open) in rows {
            assert_eq!(reading(text), codes(best, open), "{text}");
        }
        assert_eq!(reading("Hello there"), None);
        assert_eq!(reading("नमस्ते, मेरा ऑर्डर अभी तक नहीं आया").map(|r| r.0), Some("hi".to_owned()));
    }
}
