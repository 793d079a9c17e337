//! The language of a visitor's conversation (spec 5.2): detected from what the visitor wrote,
//! falling back on the locale their browser sent in `hello`.
//!
//! Pure: no IO; whatlang's models are compiled into the binary.

use std::fmt;
use std::str::FromStr;

use whatlang::Lang;

/// Letters (`char::is_alphabetic`) a text needs before a detection may count as reliable.
///
/// whatlang calls some one-word texts certain: "Grüße" and "Tschüß" (ß is German-only) and any
/// kana ("こんにちは") score 1.0, and a bare "你好" is read as Mandarin although it could as well
/// be Japanese. Sixteen letters is about three short words in a Latin or Cyrillic script, or a
/// short sentence in Chinese or Japanese, where a character carries a syllable or a word; below
/// that the locale is the better witness.
pub const MIN_RELIABLE_CHARS: usize = 16;

/// ISO 639-1 codes, including deprecated "bh", which some systems still send.
const ISO_639_1: &str = "\
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy \
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu \
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb \
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om \
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw \
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// Codes that Java and old systems still put in locales, to their current ISO 639-1 code.
const LEGACY_CODES: [(&str, &str); 5] = [("in", "id"), ("iw", "he"), ("ji", "yi"), ("jw", "jv"), ("mo", "ro")];

/// An ISO 639-1 code: two lowercase ASCII letters, and one that the standard assigns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language([u8; 2]);

impl Language {
    /// Exactly an assigned two-letter code, in either case: "de", "DE". Not "de-DE": that is a
    /// locale, see [`from_locale`].
    pub fn parse(s: &str) -> Option<Language> {
        let code: [u8; 2] = s.as_bytes().try_into().ok()?;
        let code = code.map(|b| b.to_ascii_lowercase());
        let language = Language(code);
        ISO_639_1.split_ascii_whitespace().any(|known| known == language.as_str()).then_some(language)
    }

    pub fn as_str(&self) -> &str {
        // Only `parse` builds a Language, and it admits ASCII letters alone.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an ISO 639-1 language code (like \"en\" or \"de\")")]
pub struct UnknownLanguage {
    pub input: String,
}

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Language, UnknownLanguage> {
        Language::parse(s).ok_or_else(|| UnknownLanguage { input: s.to_owned() })
    }
}

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

/// Locale like "de-DE", "pt_BR", "en" -> Language("de")...
///
/// Takes the primary subtag of a BCP 47 tag or a POSIX locale ("de_DE.UTF-8@euro"), and the
/// first entry of an Accept-Language list ("de-DE,de;q=0.9").
pub fn from_locale(locale: &str) -> Option<Language> {
    let primary = locale.trim().split(['-', '_', '.', '@', ',', ';']).next()?.to_ascii_lowercase();
    let primary = LEGACY_CODES.iter().find(|(old, _)| *old == primary).map_or(primary.as_str(), |(_, new)| new);
    Language::parse(primary)
}

/// Spec 5.2: the language of a conversation given all the visitor's text so far and the hello's locale.
/// A reliable detection wins; otherwise the locale decides; otherwise an unreliable detection; otherwise None.
pub fn decide(visitor_text: &str, locale: Option<&str>) -> Option<Language> {
    let detection = detect(visitor_text);
    match detection {
        Some(d) if d.reliable => Some(d.language),
        _ => locale.and_then(from_locale).or(detection.map(|d| d.language)),
    }
}

/// whatlang's ISO 639-3 languages to ISO 639-1. Exhaustive on purpose: a whatlang upgrade that
/// adds a language fails to compile here instead of silently detecting nothing.
///
/// Two of whatlang's codes are individual languages inside a macrolanguage that holds the 639-1
/// code: Mandarin (cmn) is written "zh" and Iranian Persian (pes) "fa", which is what browsers
/// send and agents would list.
fn iso_639_1(lang: Lang) -> Option<&'static str> {
    Some(match lang {
        Lang::Afr => "af",
        Lang::Aka => "ak",
        Lang::Amh => "am",
        Lang::Ara => "ar",
        Lang::Aze => "az",
        Lang::Bel => "be",
        Lang::Ben => "bn",
        Lang::Bul => "bg",
        Lang::Cat => "ca",
        Lang::Ces => "cs",
        Lang::Cmn => "zh",
        Lang::Cym => "cy",
        Lang::Dan => "da",
        Lang::Deu => "de",
        Lang::Ell => "el",
        Lang::Eng => "en",
        Lang::Epo => "eo",
        Lang::Est => "et",
        Lang::Fin => "fi",
        Lang::Fra => "fr",
        Lang::Guj => "gu",
        Lang::Heb => "he",
        Lang::Hin => "hi",
        Lang::Hrv => "hr",
        Lang::Hun => "hu",
        Lang::Hye => "hy",
        Lang::Ind => "id",
        Lang::Ita => "it",
        Lang::Jav => "jv",
        Lang::Jpn => "ja",
        Lang::Kan => "kn",
        Lang::Kat => "ka",
        Lang::Khm => "km",
        Lang::Kor => "ko",
        Lang::Lat => "la",
        Lang::Lav => "lv",
        Lang::Lit => "lt",
        Lang::Mal => "ml",
        Lang::Mar => "mr",
        Lang::Mkd => "mk",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Nld => "nl",
        Lang::Nob => "nb",
        Lang::Ori => "or",
        Lang::Pan => "pa",
        Lang::Pes => "fa",
        Lang::Pol => "pl",
        Lang::Por => "pt",
        Lang::Ron => "ro",
        Lang::Rus => "ru",
        Lang::Sin => "si",
        Lang::Slk => "sk",
        Lang::Slv => "sl",
        Lang::Sna => "sn",
        Lang::Spa => "es",
        Lang::Srp => "sr",
        Lang::Swe => "sv",
        Lang::Tam => "ta",
        Lang::Tel => "te",
        Lang::Tgl => "tl",
        Lang::Tha => "th",
        Lang::Tuk => "tk",
        Lang::Tur => "tr",
        Lang::Ukr => "uk",
        Lang::Urd => "ur",
        Lang::Uzb => "uz",
        Lang::Vie => "vi",
        Lang::Yid => "yi",
        Lang::Zul => "zu",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(code: &str) -> Language {
        Language::parse(code).unwrap()
    }

    #[test]
    fn every_whatlang_language_maps_to_a_distinct_iso_639_1_code() {
        // whatlang 0.18 knows 70 languages and every one has a 639-1 code, so none is
        // deliberately unmapped; should one ever be, it belongs in this list.
        const UNMAPPED: &[Lang] = &[];
        let mut seen = std::collections::BTreeMap::new();
        assert_eq!(Lang::all().len(), 70);
        for &l in Lang::all() {
            match iso_639_1(l) {
                None => assert!(UNMAPPED.contains(&l), "{l:?} has no mapping"),
                Some(code) => {
                    assert!(Language::parse(code).is_some(), "{l:?} -> {code} is not 639-1");
                    assert_eq!(seen.insert(code, l), None, "{code} used twice");
                }
            }
        }
        // Spot checks where the 639-3 and 639-1 codes differ most.
        for (l, code) in [
            (Lang::Deu, "de"),
            (Lang::Cmn, "zh"),
            (Lang::Pes, "fa"),
            (Lang::Nob, "nb"),
            (Lang::Ell, "el"),
            (Lang::Hye, "hy"),
            (Lang::Jpn, "ja"),
        ] {
            assert_eq!(iso_639_1(l), Some(code));
        }
    }

    #[test]
    fn language_parses_displays_and_orders() {
        let rows: &[(&str, Option<&str>)] = &[
            ("de", Some("de")),
            ("DE", Some("de")),
            ("zh", Some("zh")),
            ("xx", None),
            ("d", None),
            ("deu", None),
            ("de-DE", None),
            ("", None),
            ("d1", None),
            ("ü", None),
        ];
        for &(input, want) in rows {
            assert_eq!(Language::parse(input).as_ref().map(Language::as_str), want, "{input:?}");
            assert_eq!(input.parse::<Language>().ok(), Language::parse(input));
        }
        assert_eq!(lang("en").to_string(), "en");
        assert!(lang("de") < lang("en"));
        let err = "english".parse::<Language>().unwrap_err();
        assert_eq!(err.to_string(), "\"english\" is not an ISO 639-1 language code (like \"en\" or \"de\")");
        assert_eq!(ISO_639_1.split_ascii_whitespace().count(), 184);
    }

    #[test]
    fn locales() {
        let rows: &[(&str, Option<&str>)] = &[
            ("de-DE", Some("de")),
            ("de_DE", Some("de")),
            ("DE", Some("de")),
            ("en", Some("en")),
            ("pt_BR", Some("pt")),
            ("zh-Hant-TW", Some("zh")),
            ("de_DE.UTF-8", Some("de")),
            ("de_DE@euro", Some("de")),
            ("fr-CH,fr;q=0.9,en;q=0.8", Some("fr")),
            (" es-419 ", Some("es")),
            ("iw-IL", Some("he")),
            ("in", Some("id")),
            ("", None),
            ("-", None),
            ("xx-garbage", None),
            ("C", None),
            ("POSIX", None),
            ("fil-PH", None),
            ("english", None),
        ];
        for &(locale, want) in rows {
            assert_eq!(from_locale(locale), want.map(lang), "{locale:?}");
        }
    }

    #[test]
    fn detection_of_sentences() {
        // whatlang weighs all 70 of its languages, so one short sentence is often not enough:
        // the single-sentence Spanish, Russian and Dutch rows are unreliable (and Russian even
        // reads as Bulgarian). Two sentences settle them.
        let rows: &[(&str, &str, bool)] = &[
            ("Hallo, ich brauche Hilfe mit meiner Bestellung von gestern.", "de", true),
            (
                "Hello, I need help with my order from yesterday. It has not arrived yet and \
                 the tracking page shows nothing.",
                "en",
                true,
            ),
            (
                "Hola, necesito ayuda con mi pedido de ayer. Todavía no ha llegado y no sé dónde \
                 está. ¿Pueden decirme cuándo lo van a enviar?",
                "es",
                true,
            ),
            (
                "Bonjour, je voudrais savoir quand mon colis va arriver, parce que je n'ai \
                 encore reçu aucune nouvelle.",
                "fr",
                true,
            ),
            ("Ciao, ho bisogno di aiuto con il mio ordine di ieri.", "it", true),
            ("Olá, preciso de ajuda com o meu pedido de ontem. Ainda não chegou e não sei onde está.", "pt", true),
            (
                "Hallo, ik heb hulp nodig met mijn bestelling van gisteren. Die is nog steeds \
                 niet aangekomen. Kunnen jullie mij vertellen wanneer het pakket wordt bezorgd?",
                "nl",
                true,
            ),
            ("こんにちは、昨日の注文について助けが必要です。", "ja", true),
            (
                "Добрый день! Я хочу вернуть товар, потому что он оказался не того размера. \
                 Что мне нужно для этого сделать?",
                "ru",
                true,
            ),
            ("مرحبا، أحتاج إلى مساعدة في طلبي من الأمس.", "ar", true),
            ("Hola, necesito ayuda con mi pedido de ayer.", "pt", false),
            ("Здравствуйте, мне нужна помощь с моим вчерашним заказом.", "bg", false),
            ("Hallo, ik heb hulp nodig met mijn bestelling van gisteren.", "nl", false),
            // whatlang is sure of these, the letter count is not.
            ("Grüße", "de", false),
            ("こんにちは", "ja", false),
            ("你好", "zh", false),
            ("hi", "zu", false),
        ];
        for &(text, code, reliable) in rows {
            let want = Detection { language: lang(code), reliable };
            assert_eq!(detect(text), Some(want), "{text}");
        }
        assert_eq!(detect(""), None);
        assert_eq!(detect("12345 !!! :-)"), None);
    }

    #[test]
    fn deciding_a_conversation_language() {
        let german = "Hallo, ich brauche Hilfe mit meiner Bestellung von gestern.";
        let russian_line = "Здравствуйте, мне нужна помощь с моим вчерашним заказом.";
        let rows: &[(&str, Option<&str>, Option<&str>)] = &[
            // A reliable detection wins over the locale.
            (german, Some("en-US"), Some("de")),
            (german, None, Some("de")),
            // Too short to tell: the locale decides.
            ("hi", Some("de-DE"), Some("de")),
            ("Hallo", Some("en-GB"), Some("en")),
            ("Grüße", Some("fr-FR"), Some("fr")),
            (russian_line, Some("ru-RU"), Some("ru")),
            ("", Some("pt_BR"), Some("pt")),
            // No usable locale: whatlang's unreliable guess is all there is, however odd
            // ("ok" reads as Hungarian). The conversation goes on being re-decided as the
            // visitor writes more.
            ("ok", None, Some("hu")),
            ("hi", Some("xx-garbage"), Some("zu")),
            (russian_line, None, Some("bg")),
            // Nothing to go on at all.
            ("", None, None),
            ("!!!", Some(""), None),
        ];
        for &(text, locale, want) in rows {
            assert_eq!(decide(text, locale), want.map(lang), "{text:?} {locale:?}");
        }
    }

    #[test]
    fn refinement_as_the_visitor_writes_more() {
        let mut transcript = String::from("Hola");
        assert_eq!(decide(&transcript, Some("en-US")), Some(lang("en")));
        transcript.push_str(
            "\nnecesito ayuda con mi pedido de ayer. Todavía no ha llegado y no sé dónde está. \
             ¿Pueden decirme cuándo lo van a enviar?",
        );
        assert_eq!(decide(&transcript, Some("en-US")), Some(lang("es")));
    }
}
