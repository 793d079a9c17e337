//! Unit tests of the language module: codes, locales, whatlang's detection and the decision rule.

use super::whatlang_codes::iso_639_1;
use super::*;
use whatlang::Lang;

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
    assert_eq!(crate::domain::language_codes().count(), 184);
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
fn the_locale_decides_where_the_text_says_little() {
    let little = ["ok", "hi", "?", "42", "https://example.com/help", "🙂", "ok 👍", "Hallo", "Order #4711", "", "  "];
    for text in little {
        assert!(says_little(text), "{text:?}");
        let want = Decision { language: Some(lang("de")), source: LanguageSource::Locale };
        assert_eq!(decide_with_source(text, Some("de-DE")), want, "{text:?}");
        let nothing = Decision { language: None, source: LanguageSource::Default };
        assert_eq!(decide_with_source(text, None), nothing, "{text:?}");
        assert_eq!(decide_with_source(text, Some("xx-garbage")), nothing, "{text:?}");
    }
}

#[test]
fn deciding_a_conversation_language() {
    use LanguageSource::{Default, Locale, Text};
    let german = "Hallo, ich brauche Hilfe mit meiner Bestellung von gestern.";
    let russian = "Здравствуйте, мне нужна помощь с моим вчерашним заказом.";
    let rows: &[(&str, Option<&str>, Option<&str>, LanguageSource)] = &[
        // Text that clearly says a language wins over the locale, however short.
        (german, Some("en-US"), Some("de"), Text),
        (german, None, Some("de"), Text),
        ("Mein Konto ist gesperrt", Some("en-US"), Some("de"), Text),
        ("Hola, me ayudan con mi pedido?", Some("en-US"), Some("es"), Text),
        ("Hola, me ayudan con mi pedido?", None, Some("es"), Text),
        ("Bonjour, je n'arrive pas à payer", Some("de-DE"), Some("fr"), Text),
        ("Thanks, that fixed it", Some("de-DE"), Some("en"), Text),
        // A script that names its language decides outright.
        (russian, Some("en-US"), Some("ru"), Text),
        (russian, None, Some("ru"), Text),
        ("Γεια σας, δεν μπορώ να πληρώσω", Some("en-US"), Some("el"), Text),
        ("注文がまだ届きません", Some("zh-CN"), Some("ja"), Text),
        ("你好", Some("en-US"), Some("zh"), Text),
        ("결제가 두 번 됐어요", None, Some("ko"), Text),
        // Where the script leaves a few languages open, a locale among them decides.
        ("你好", Some("ja-JP"), Some("ja"), Locale),
        (russian, Some("uk-UA"), Some("uk"), Locale),
        ("مرحبا", Some("fa-IR"), Some("fa"), Locale),
        // ... but not against letters of another language (ї, є are Ukrainian only).
        ("Де моє замовлення? Вже тиждень їде", Some("ru-RU"), Some("uk"), Text),
        // Too little to tell: the locale decides, or nothing does.
        ("hi", Some("de-DE"), Some("de"), Locale),
        ("Hallo", Some("en-GB"), Some("en"), Locale),
        ("Grüße", Some("fr-FR"), Some("fr"), Locale),
        ("", Some("pt_BR"), Some("pt"), Locale),
        ("ok", None, None, Default),
        ("hi", Some("xx-garbage"), None, Default),
        ("", None, None, Default),
        ("!!!", Some(""), None, Default),
        // A locale of a language lingua does not weigh: whatlang's reading of the text.
        ("Bună ziua, nu mă pot conecta la contul meu", Some("ro-RO"), Some("ro"), Text),
    ];
    for &(text, locale, want, source) in rows {
        let want = Decision { language: want.map(lang), source };
        assert_eq!(decide_with_source(text, locale), want, "{text:?} {locale:?}");
        assert_eq!(decide(text, locale), want.language, "{text:?} {locale:?}");
    }
    assert_eq!([Text, Locale, Default].map(LanguageSource::as_str), ["text", "locale", "default"]);
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
