//! What the built-in bot says, per language, and the words by which a visitor asks for a person.
//!
//! Kept as data (one table row per language) so that a translator can add or fix a language without
//! touching the bot's logic. Placeholders: `{bot}` (the bot's display name), `{ticket}` ("SB-1001"),
//! `{time}` ("2026-11-23 09:00 UTC").

use super::kb;

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
    /// Lowercase whole words by which a visitor asks for a person in this language.
    pub person_words: &'static [&'static str],
}

/// The first row is the fallback for languages without a row.
pub const TABLE: &[Phrases] = &[
    Phrases {
        code: "en",
        greeting: "Hello, I'm {bot}, the virtual assistant.",
        ticket: "Your ticket number is {ticket}.",
        closed_until: "Our team is available again from {time}.",
        closed: "Our team is not available right now.",
        language: "Unfortunately none of our agents speaks your language at the moment, so I will help you as well as I can.",
        unverified: "A person can help you once you are signed in.",
        ask: "What can I do for you?",
        handoff: "I have asked for a person to take over; someone will reply as soon as one is available.",
        no_answer: "I found nothing about that in our help articles. Type \"agent\" to reach a person.",
        uncovered: "Nobody on our team speaks your language at the moment, so I cannot promise you a person in it. If you can, write to us in another language such as English and I will pass you to a person; otherwise I will help as well as I can.",
        person_words: &[
            "human",
            "humans",
            "agent",
            "agents",
            "person",
            "someone",
            "somebody",
            "operator",
            "representative",
        ],
    },
    Phrases {
        code: "de",
        greeting: "Hallo, ich bin {bot}, der virtuelle Assistent.",
        ticket: "Ihre Ticketnummer ist {ticket}.",
        closed_until: "Unser Team ist ab {time} wieder erreichbar.",
        closed: "Unser Team ist gerade nicht erreichbar.",
        language: "Leider spricht gerade niemand in unserem Team Ihre Sprache, deshalb helfe ich Ihnen, so gut ich kann.",
        unverified: "Sobald Sie angemeldet sind, kann Ihnen ein Mensch weiterhelfen.",
        ask: "Was kann ich für Sie tun?",
        handoff: "Ich habe Ihr Gespräch an unser Team übergeben; sobald jemand verfügbar ist, übernimmt eine Person.",
        no_answer: "Dazu habe ich in unseren Hilfeartikeln nichts gefunden. Schreiben Sie „Mitarbeiter“, um einen Menschen zu erreichen.",
        uncovered: "Im Moment spricht niemand in unserem Team Ihre Sprache, deshalb kann ich Ihnen darin keinen Menschen versprechen. Wenn Sie können, schreiben Sie uns in einer anderen Sprache, etwa Englisch, dann übergebe ich an eine Person; sonst helfe ich Ihnen, so gut ich kann.",
        person_words: &["mensch", "menschen", "mitarbeiter", "mitarbeiterin", "berater", "beraterin", "jemand"],
    },
    Phrases {
        code: "fr",
        greeting: "Bonjour, je suis {bot}, l'assistant virtuel.",
        ticket: "Votre numéro de ticket est {ticket}.",
        closed_until: "Notre équipe est de nouveau disponible à partir de {time}.",
        closed: "Notre équipe n'est pas disponible pour le moment.",
        language: "Malheureusement, aucun de nos conseillers ne parle votre langue pour le moment ; je vais vous aider du mieux que je peux.",
        unverified: "Une personne pourra vous aider dès que vous serez connecté.",
        ask: "Que puis-je faire pour vous ?",
        handoff: "J'ai demandé qu'une personne prenne le relais ; quelqu'un vous répondra dès que possible.",
        no_answer: "Je n'ai rien trouvé à ce sujet dans nos articles d'aide. Écrivez « conseiller » pour joindre une personne.",
        uncovered: "Personne dans notre équipe ne parle votre langue pour le moment ; je ne peux donc pas vous promettre un conseiller dans cette langue. Si vous le pouvez, écrivez-nous dans une autre langue, par exemple en anglais, et je vous passerai à une personne ; sinon je vous aiderai du mieux que je peux.",
        person_words: &["personne", "humain", "conseiller", "conseillère", "opérateur", "opératrice", "quelqu'un"],
    },
    Phrases {
        code: "es",
        greeting: "Hola, soy {bot}, el asistente virtual.",
        ticket: "Su número de ticket es {ticket}.",
        closed_until: "Nuestro equipo vuelve a estar disponible a partir de {time}.",
        closed: "Nuestro equipo no está disponible en este momento.",
        language: "Lamentablemente, ninguno de nuestros agentes habla su idioma en este momento; le ayudaré lo mejor que pueda.",
        unverified: "Una persona podrá ayudarle en cuanto haya iniciado sesión.",
        ask: "¿En qué puedo ayudarle?",
        handoff: "He pedido que una persona se encargue; alguien le responderá en cuanto esté disponible.",
        no_answer: "No he encontrado nada sobre eso en nuestros artículos de ayuda. Escriba «agente» para hablar con una persona.",
        uncovered: "En este momento nadie de nuestro equipo habla su idioma, así que no puedo prometerle una persona en él. Si puede, escríbanos en otro idioma, por ejemplo en inglés, y le pasaré con una persona; si no, le ayudaré lo mejor que pueda.",
        person_words: &["persona", "humano", "agente", "operador", "operadora", "asesor", "alguien"],
    },
    Phrases {
        code: "it",
        greeting: "Salve, sono {bot}, l'assistente virtuale.",
        ticket: "Il numero del suo ticket è {ticket}.",
        closed_until: "Il nostro team è di nuovo disponibile a partire da {time}.",
        closed: "Il nostro team non è disponibile in questo momento.",
        language: "Purtroppo al momento nessuno dei nostri operatori parla la sua lingua; la aiuterò come meglio posso.",
        unverified: "Una persona potrà aiutarla non appena avrà effettuato l'accesso.",
        ask: "Come posso aiutarla?",
        handoff: "Ho chiesto che una persona prenda in carico la conversazione; qualcuno le risponderà appena possibile.",
        no_answer: "Non ho trovato nulla in merito nei nostri articoli di aiuto. Scriva «operatore» per parlare con una persona.",
        uncovered: "Al momento nessuno del nostro team parla la sua lingua, quindi non posso prometterle una persona in questa lingua. Se può, ci scriva in un'altra lingua, per esempio in inglese, e la passerò a una persona; altrimenti la aiuterò come meglio posso.",
        person_words: &["persona", "umano", "operatore", "operatrice", "agente", "qualcuno"],
    },
    Phrases {
        code: "pt",
        greeting: "Olá, sou {bot}, o assistente virtual.",
        ticket: "O número do seu ticket é {ticket}.",
        closed_until: "Nossa equipe estará disponível novamente a partir de {time}.",
        closed: "Nossa equipe não está disponível no momento.",
        language: "Infelizmente, nenhum dos nossos atendentes fala o seu idioma no momento; vou ajudar da melhor forma possível.",
        unverified: "Uma pessoa poderá ajudar assim que você entrar na sua conta.",
        ask: "Como posso ajudar?",
        handoff: "Pedi que uma pessoa assuma a conversa; alguém responderá assim que estiver disponível.",
        no_answer: "Não encontrei nada sobre isso nos nossos artigos de ajuda. Escreva «atendente» para falar com uma pessoa.",
        uncovered: "No momento ninguém da nossa equipe fala o seu idioma, então não posso prometer uma pessoa nele. Se puder, escreva em outro idioma, por exemplo em inglês, e eu passo você para uma pessoa; caso contrário, ajudo da melhor forma possível.",
        person_words: &["pessoa", "humano", "atendente", "agente", "operador", "alguém"],
    },
    Phrases {
        code: "nl",
        greeting: "Hallo, ik ben {bot}, de virtuele assistent.",
        ticket: "Uw ticketnummer is {ticket}.",
        closed_until: "Ons team is weer beschikbaar vanaf {time}.",
        closed: "Ons team is op dit moment niet beschikbaar.",
        language: "Helaas spreekt op dit moment geen van onze medewerkers uw taal; ik help u zo goed als ik kan.",
        unverified: "Een medewerker kan u helpen zodra u bent ingelogd.",
        ask: "Waarmee kan ik u helpen?",
        handoff: "Ik heb gevraagd of een medewerker het gesprek overneemt; er reageert iemand zodra er iemand beschikbaar is.",
        no_answer: "Ik heb daarover niets gevonden in onze helpartikelen. Typ „medewerker” om een medewerker te spreken.",
        uncovered: "Op dit moment spreekt niemand in ons team uw taal, dus ik kan u daarin geen medewerker beloven. Schrijf ons als het kan in een andere taal, bijvoorbeeld Engels, dan geef ik u door aan een medewerker; anders help ik u zo goed als ik kan.",
        person_words: &["medewerker", "medewerkster", "mens", "persoon", "iemand"],
    },
];

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
    person_words: &["agent"],
};

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
        assert_eq!(for_code(Some("ja")).code, "en");
        assert_eq!(for_code(None).code, "en");
        for code in ["en", "de", "fr", "es", "it", "pt", "nl"] {
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

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(fill("Ticket {ticket}, {bot}, {x}", &[("ticket", "SB-1"), ("bot", "B")]), "Ticket SB-1, B, {x}");
    }
}
