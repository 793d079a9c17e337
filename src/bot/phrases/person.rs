//! The words by which a visitor asks for a person, in every language the hub detects.

use super::TABLE;
use crate::bot::kb;

/// Whether the visitor asks for a person, in any supported language: whole words only, case-insensitive
/// ("Can I talk to a human?" yes, "the humane society" no). All languages are checked because visitors
/// often write English whatever their detected language, and a missed request is worse than an early one.
/// Words for "a person" in languages the hub detects that have no row of phrases above (the bot
/// answers those in English, but must still hear the request). Inflected forms are listed as written,
/// since matching is by whole word; words that are also common English words are left out.
pub const MORE_PERSON_WORDS: &[&str] = &[
    // pl
    "człowiek",
    "człowiekiem",
    "konsultant",
    "konsultantem",
    "konsultantką",
    "pracownik",
    "pracownikiem",
    // sv, da, nb/nn
    "människa",
    "människor",
    "handläggare",
    "handläggaren",
    "menneske",
    "medarbejder",
    "rådgiver",
    "medarbeider",
    // fi, et
    "ihminen",
    "ihmisen",
    "ihmistä",
    "asiakaspalvelija",
    "asiakaspalvelijan",
    "asiakaspalvelijaa",
    "henkilö",
    "henkilön",
    "inimene",
    "inimesega",
    "klienditeenindaja",
    // tr, az
    "insan",
    "insanla",
    "temsilci",
    "temsilciyle",
    "temsilciye",
    "yetkili",
    "yetkiliyle",
    "operatör",
    "operatörle",
    // ru, uk, be, bg, sr, mk
    "человек",
    "человеком",
    "человеку",
    "оператор",
    "оператором",
    "оператору",
    "сотрудник",
    "сотрудником",
    "консультант",
    "консультантом",
    "людина",
    "людиною",
    "оператора",
    "човек",
    "човеком",
    "чалавек",
    // cs, sk, sl, hr, bs, hu, ro, lt, lv
    "člověk",
    "člověkem",
    "operátor",
    "operátorem",
    "človek",
    "človekom",
    "operátorom",
    "čovjek",
    "čovjekom",
    "ember",
    "emberrel",
    "ügyintéző",
    "ügyintézővel",
    "operátorral",
    "omul",
    "operatorul",
    "žmogus",
    "žmogumi",
    "cilvēks",
    "cilvēku",
    "operatoru",
    // el
    "άνθρωπο",
    "άνθρωπος",
    "εκπρόσωπο",
    "υπάλληλο",
    // ar, fa, ur, he
    "موظف",
    "شخص",
    "إنسان",
    "انسان",
    "بشري",
    "ممثل",
    "کارشناس",
    "اپراتور",
    "نمائندے",
    "نمائندہ",
    "נציג",
    "נציגה",
    "אדם",
    "בנאדם",
    // hi, mr, ne, bn, pa, gu, ta, te, kn, ml
    "इंसान",
    "व्यक्ति",
    "एजेंट",
    "मनुष्य",
    "মানুষ",
    "এজেন্ট",
    "ব্যক্তি",
    "ਇਨਸਾਨ",
    "માણસ",
    "மனிதர்",
    "மனிதருடன்",
    "మనిషి",
    "ಮನುಷ್ಯ",
    "മനുഷ്യൻ",
    // id, ms, tl, af, eo
    "manusia",
    "petugas",
    "ahente",
    "persoon",
    "persono",
    // ka, hy, am
    "ადამიანი",
    "ოპერატორი",
    "մարդ",
    "օպերատոր",
    "ሰው",
];

/// Requests in scripts written without spaces (Chinese, Japanese, Korean, Thai) are found as substrings.
pub const PERSON_SUBSTRINGS: &[&str] = &[
    "人工",
    "客服",
    "真人",
    "人员",
    "人員",
    "担当者",
    "オペレーター",
    "スタッフ",
    "人と話",
    "상담원",
    "직원",
    "พนักงาน",
    "เจ้าหน้าที่",
];

pub fn asks_for_person(text: &str) -> bool {
    let text = text.replace(['\u{2019}', '`'], "'");
    if PERSON_SUBSTRINGS.iter().any(|s| text.contains(s)) {
        return true;
    }
    // Words with an apostrophe ("quelqu'un") are matched as a pair of adjacent tokens.
    let words: Vec<String> = kb::words(&text).collect();
    if words.iter().any(|w| MORE_PERSON_WORDS.contains(&w.as_str())) {
        return true;
    }
    TABLE.iter().flat_map(|p| p.person_words).any(|keyword| {
        let parts: Vec<&str> = keyword.split('\'').collect();
        words.windows(parts.len()).any(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_requests() {
        let cases: &[(&str, bool)] = &[
            ("Can I talk to a human?", true),
            ("I want to speak to an AGENT please", true),
            ("Is there a real person there?", true),
            ("Can someone help me", true),
            ("operator!", true),
            ("Ich möchte mit einem Menschen sprechen", true),
            ("Bitte einen Mitarbeiter", true),
            ("Quiero hablar con una persona", true),
            ("¿Puedo hablar con un agente humano?", true),
            ("Je veux parler à un conseiller", true),
            ("Est-ce que quelqu'un peut m'aider ?", true),
            ("Est-ce que quelqu’un peut m’aider ?", true),
            ("Vorrei parlare con un operatore", true),
            ("Quero falar com um atendente", true),
            ("Kan ik een medewerker spreken?", true),
            ("I support the humane society", false),
            ("The agency sent my parcel", false),
            ("Where is my personal data stored?", false),
            ("Wie setze ich mein Passwort zurück?", false),
            ("Ich habe eine Frage zu Menschenrechten", false),
            ("Où est ma commande ?", false),
            ("", false),
        ];
        for (text, expected) in cases {
            assert_eq!(asks_for_person(text), *expected, "{text:?}");
        }
    }
}
