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
    /// An incident is in force in the visitor's department (spec 7.4); `{title}` is the notice's title.
    pub incident: &'static str,
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
        incident: "Please note: {title}.",
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
        incident: "Bitte beachten Sie: {title}.",
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
        incident: "Veuillez noter : {title}.",
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
        incident: "Tenga en cuenta: {title}.",
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
        incident: "Nota bene: {title}.",
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
        incident: "Atenção: {title}.",
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
        incident: "Let op: {title}.",
        person_words: &["medewerker", "medewerkster", "mens", "persoon", "iemand"],
    },
    Phrases {
        code: "fi",
        greeting: "Hei, olen {bot}, virtuaaliavustaja.",
        ticket: "Tikettisi numero on {ticket}.",
        closed_until: "Tiimimme on taas tavoitettavissa {time} alkaen.",
        closed: "Tiimimme ei ole juuri nyt tavoitettavissa.",
        language: "Valitettavasti kukaan asiakaspalvelijoistamme ei tällä hetkellä puhu kieltäsi, joten autan sinua parhaani mukaan.",
        unverified: "Ihminen voi auttaa sinua, kun olet kirjautunut sisään.",
        ask: "Miten voin auttaa?",
        handoff: "Pyysin, että ihminen jatkaa keskustelua; joku vastaa sinulle heti, kun joku on vapaana.",
        no_answer: "En löytänyt tästä mitään ohjeartikkeleistamme. Kirjoita \"ihminen\" tavoittaaksesi asiakaspalvelijan.",
        uncovered: "Kukaan tiimistämme ei tällä hetkellä puhu kieltäsi, joten en voi luvata sinulle ihmistä tällä kielellä. Jos voit, kirjoita meille jollakin toisella kielellä, esimerkiksi englanniksi, niin välitän sinut ihmiselle; muuten autan parhaani mukaan.",
        incident: "Huomio: {title}.",
        person_words: &[
            "ihminen",
            "ihmisen",
            "ihmistä",
            "asiakaspalvelija",
            "asiakaspalvelijan",
            "asiakaspalvelijaa",
            "henkilö",
            "henkilön",
        ],
    },
    Phrases {
        code: "sv",
        greeting: "Hej, jag är {bot}, den virtuella assistenten.",
        ticket: "Ditt ärendenummer är {ticket}.",
        closed_until: "Vårt team är tillgängligt igen från {time}.",
        closed: "Vårt team är inte tillgängligt just nu.",
        language: "Tyvärr talar ingen av våra handläggare ditt språk just nu, så jag hjälper dig så gott jag kan.",
        unverified: "En människa kan hjälpa dig när du har loggat in.",
        ask: "Vad kan jag hjälpa dig med?",
        handoff: "Jag har bett att en människa tar över; någon svarar dig så snart någon är ledig.",
        no_answer: "Jag hittade inget om det i våra hjälpartiklar. Skriv \"handläggare\" för att nå en människa.",
        uncovered: "Just nu talar ingen i vårt team ditt språk, så jag kan inte lova dig en människa på det. Om du kan, skriv till oss på ett annat språk, till exempel engelska, så kopplar jag dig till en människa; annars hjälper jag dig så gott jag kan.",
        incident: "Observera: {title}.",
        person_words: &["människa", "människor", "handläggare", "handläggaren", "någon"],
    },
    Phrases {
        code: "pl",
        greeting: "Dzień dobry, jestem {bot}, wirtualny asystent.",
        ticket: "Numer Twojego zgłoszenia to {ticket}.",
        closed_until: "Nasz zespół będzie znów dostępny od {time}.",
        closed: "Nasz zespół jest teraz niedostępny.",
        language: "Niestety nikt z naszych konsultantów nie mówi teraz w Twoim języku, więc pomogę Ci, jak tylko potrafię.",
        unverified: "Konsultant pomoże Ci, gdy się zalogujesz.",
        ask: "W czym mogę pomóc?",
        handoff: "Poprosiłem, aby rozmowę przejął konsultant; ktoś odpowie, gdy tylko będzie dostępny.",
        no_answer: "Nie znalazłem nic na ten temat w naszych artykułach pomocy. Napisz „konsultant”, aby połączyć się z człowiekiem.",
        uncovered: "Nikt z naszego zespołu nie mówi teraz w Twoim języku, więc nie mogę obiecać Ci w nim rozmowy z człowiekiem. Jeśli możesz, napisz do nas w innym języku, na przykład po angielsku, a przekażę Cię konsultantowi; w przeciwnym razie pomogę, jak tylko potrafię.",
        incident: "Uwaga: {title}.",
        person_words: &[
            "konsultant",
            "konsultantem",
            "konsultantka",
            "konsultantką",
            "człowiek",
            "człowiekiem",
            "pracownik",
            "pracownikiem",
            "ktoś",
        ],
    },
    Phrases {
        code: "tr",
        greeting: "Merhaba, ben {bot}, sanal asistan.",
        ticket: "Talep numaranız {ticket}.",
        closed_until: "Ekibimize {time} itibarıyla yeniden ulaşabilirsiniz.",
        closed: "Ekibimize şu anda ulaşılamıyor.",
        language: "Maalesef şu anda temsilcilerimizden hiçbiri dilinizi konuşmuyor; size elimden geldiğince yardımcı olacağım.",
        unverified: "Giriş yaptığınızda bir temsilci size yardımcı olabilir.",
        ask: "Size nasıl yardımcı olabilirim?",
        handoff: "Görüşmeyi bir temsilcinin devralmasını istedim; müsait olan ilk kişi size yanıt verecek.",
        no_answer: "Yardım makalelerimizde bununla ilgili bir şey bulamadım. Bir kişiye ulaşmak için \"temsilci\" yazın.",
        uncovered: "Şu anda ekibimizde dilinizi konuşan kimse yok, bu yüzden size bu dilde bir temsilci sözü veremem. Mümkünse bize başka bir dilde, örneğin İngilizce yazın, sizi bir temsilciye aktarayım; aksi halde elimden geldiğince yardımcı olacağım.",
        incident: "Lütfen dikkat: {title}.",
        person_words: &[
            "temsilci",
            "temsilciyle",
            "temsilciye",
            "insan",
            "insanla",
            "yetkili",
            "yetkiliyle",
            "operatör",
            "operatörle",
        ],
    },
    Phrases {
        code: "ru",
        greeting: "Здравствуйте, я {bot}, виртуальный помощник.",
        ticket: "Номер вашего обращения: {ticket}.",
        closed_until: "Наша команда снова будет на связи с {time}.",
        closed: "Наша команда сейчас недоступна.",
        language: "К сожалению, сейчас никто из наших операторов не говорит на вашем языке, поэтому я помогу вам, чем смогу.",
        unverified: "Оператор сможет помочь вам после входа в аккаунт.",
        ask: "Чем могу помочь?",
        handoff: "Я попросил, чтобы разговор продолжил оператор; вам ответят, как только кто-нибудь освободится.",
        no_answer: "Я ничего не нашёл об этом в наших справочных статьях. Напишите «оператор», чтобы связаться с человеком.",
        uncovered: "Сейчас никто в нашей команде не говорит на вашем языке, поэтому я не могу обещать вам оператора на нём. Если можете, напишите нам на другом языке, например по-английски, и я передам вас оператору; иначе я помогу, чем смогу.",
        incident: "Обратите внимание: {title}.",
        person_words: &[
            "оператор",
            "оператором",
            "оператора",
            "оператору",
            "человек",
            "человеком",
            "сотрудник",
            "сотрудником",
            "консультант",
            "консультантом",
        ],
    },
    Phrases {
        code: "ar",
        greeting: "مرحبًا، أنا {bot}، المساعد الافتراضي.",
        ticket: "رقم تذكرتك هو {ticket}.",
        closed_until: "سيكون فريقنا متاحًا مرة أخرى اعتبارًا من {time}.",
        closed: "فريقنا غير متاح الآن.",
        language: "للأسف لا يتحدث أي من موظفينا لغتك حاليًا، لذا سأساعدك قدر استطاعتي.",
        unverified: "يمكن لموظف مساعدتك بعد تسجيل الدخول.",
        ask: "كيف يمكنني مساعدتك؟",
        handoff: "طلبت أن يتولى موظف المحادثة؛ سيرد عليك أحد الموظفين فور توفره.",
        no_answer: "لم أجد شيئًا عن ذلك في مقالات المساعدة. اكتب \"موظف\" للتواصل مع شخص.",
        uncovered: "لا أحد في فريقنا يتحدث لغتك حاليًا، لذا لا أستطيع أن أعدك بموظف يتحدثها. إن أمكنك، اكتب لنا بلغة أخرى مثل الإنجليزية وسأحولك إلى موظف؛ وإلا فسأساعدك قدر استطاعتي.",
        incident: "يرجى الملاحظة: {title}.",
        person_words: &["موظف", "شخص", "إنسان", "انسان", "بشري", "ممثل"],
    },
    Phrases {
        code: "he",
        greeting: "שלום, אני {bot}, העוזר הווירטואלי.",
        ticket: "מספר הפנייה שלך הוא {ticket}.",
        closed_until: "הצוות שלנו יהיה זמין שוב החל מ-{time}.",
        closed: "הצוות שלנו אינו זמין כרגע.",
        language: "לצערנו אף אחד מהנציגים שלנו אינו דובר כרגע את השפה שלך, ולכן אעזור לך כמיטב יכולתי.",
        unverified: "נציג יוכל לעזור לך לאחר ההתחברות.",
        ask: "איך אפשר לעזור?",
        handoff: "ביקשתי שנציג ימשיך את השיחה; מישהו יענה לך ברגע שיתפנה.",
        no_answer: "לא מצאתי על כך דבר במאמרי העזרה שלנו. כתבו \"נציג\" כדי להגיע לאדם.",
        uncovered: "כרגע אף אחד בצוות שלנו אינו דובר את השפה שלך, ולכן איני יכול להבטיח לך נציג בשפה זו. אם אפשר, כתבו לנו בשפה אחרת, למשל באנגלית, ואעביר אתכם לנציג; אחרת אעזור כמיטב יכולתי.",
        incident: "שימו לב: {title}.",
        person_words: &["נציג", "נציגה", "אדם", "בנאדם"],
    },
    Phrases {
        code: "ja",
        greeting: "こんにちは。バーチャルアシスタントの{bot}です。",
        ticket: "チケット番号は {ticket} です。",
        closed_until: "{time} から再びご対応いたします。",
        closed: "現在、担当者は対応できません。",
        language: "申し訳ありませんが、現在お客様の言語を話せる担当者がおりません。できる限りお手伝いします。",
        unverified: "ログインしていただくと、担当者がお手伝いできます。",
        ask: "ご用件をお聞かせください。",
        handoff: "担当者への引き継ぎを依頼しました。対応可能になり次第、担当者が返信します。",
        no_answer: "ヘルプ記事に該当する情報が見つかりませんでした。担当者と話すには「担当者」と入力してください。",
        uncovered: "現在、お客様の言語を話せるスタッフがおりません。そのため、この言語での担当者対応はお約束できません。可能であれば英語など別の言語でお書きください。担当者におつなぎします。それ以外の場合は、できる限りお手伝いします。",
        incident: "お知らせ：{title}。",
        person_words: &["担当者", "オペレーター", "スタッフ"],
    },
    Phrases {
        code: "zh",
        greeting: "您好，我是虚拟助手{bot}。",
        ticket: "您的工单号是 {ticket}。",
        closed_until: "我们的团队将于 {time} 起恢复服务。",
        closed: "我们的团队目前不在线。",
        language: "很抱歉，目前我们的客服人员都不会说您的语言，我会尽力帮助您。",
        unverified: "登录后即可由人工客服为您服务。",
        ask: "请问有什么可以帮您？",
        handoff: "我已请求人工客服接手，有客服空闲时会立即回复您。",
        no_answer: "在我们的帮助文章中没有找到相关内容。输入“人工”即可联系人工客服。",
        uncovered: "目前我们团队中没有人会说您的语言，所以我无法保证用该语言为您安排人工客服。如果可以，请用其他语言（例如英语）给我们留言，我会为您转接人工客服；否则我会尽力帮助您。",
        incident: "请注意：{title}。",
        person_words: &["人工", "客服", "真人"],
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
    incident: "Please note: {title}.",
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
