use super::*;

/// A request for a person in every language the hub detects, by ISO 639-1 code, and a message in the same
/// language that asks for nothing of the kind.
const REQUESTS: &[(&str, &str, &str)] = &[
    ("af", "Ek wil met 'n persoon praat", "Waar is my bestelling?"),
    ("ak", "Mepɛ sɛ me ne onipa kasa", "Me nhwehwɛmu no wɔ he?"),
    ("am", "ሰው ማነጋገር እፈልጋለሁ", "ትዕዛዜ የት ነው?"),
    ("ar", "أريد التحدث إلى موظف", "أين طلبي؟"),
    ("az", "Mən operatorla danışmaq istəyirəm", "Sifarişim haradadır?"),
    ("be", "Я хачу пагаварыць з чалавекам", "Дзе мая замова?"),
    ("bg", "Искам да говоря с човек", "Къде е поръчката ми?"),
    ("bn", "আমি একজন মানুষের সাথে কথা বলতে চাই", "আমার অর্ডার কোথায়?"),
    ("ca", "Vull parlar amb una persona", "On és la meva comanda?"),
    ("cs", "Chci mluvit s člověkem", "Kde je moje objednávka?"),
    ("cy", "Dw i eisiau siarad â pherson", "Ble mae fy archeb?"),
    ("da", "Jeg vil gerne tale med et menneske", "Hvor er min ordre?"),
    ("de", "Ich möchte mit einem Menschen sprechen", "Wo ist meine Bestellung?"),
    ("el", "Θέλω να μιλήσω με έναν υπάλληλο", "Πού είναι η παραγγελία μου;"),
    ("en", "Can I talk to a human?", "Where is my order?"),
    ("eo", "Mi volas paroli kun homo", "Kie estas mia mendo?"),
    ("es", "Quiero hablar con una persona", "¿Dónde está mi pedido?"),
    ("et", "Ma tahan rääkida inimesega", "Kus on minu tellimus?"),
    ("fa", "می‌خواهم با یک کارشناس صحبت کنم", "سفارش من کجاست؟"),
    ("fi", "Haluan puhua ihmisen kanssa", "Missä tilaukseni on?"),
    ("fr", "Je veux parler à un conseiller", "Où est ma commande ?"),
    ("gu", "મારે કોઈ માણસ સાથે વાત કરવી છે", "મારો ઓર્ડર ક્યાં છે?"),
    ("he", "אני רוצה לדבר עם נציג", "איפה ההזמנה שלי?"),
    ("hi", "मुझे किसी इंसान से बात करनी है", "मेरा ऑर्डर कहाँ है?"),
    ("hr", "Želim razgovarati s operaterom", "Gdje je moja narudžba?"),
    ("hu", "Egy ügyintézővel szeretnék beszélni", "Hol van a rendelésem?"),
    ("hy", "Ուզում եմ խոսել մարդու հետ", "Որտե՞ղ է իմ պատվերը"),
    ("id", "Saya mau bicara dengan manusia", "Di mana pesanan saya?"),
    ("it", "Vorrei parlare con un operatore", "Dov'è il mio ordine?"),
    ("ja", "担当者と話したいです", "注文はどこですか？"),
    ("jv", "Aku arep ngomong karo petugas", "Pesenanku neng endi?"),
    ("ka", "მინდა ოპერატორთან საუბარი", "სად არის ჩემი შეკვეთა?"),
    ("km", "ខ្ញុំចង់និយាយជាមួយបុគ្គលិក", "តើការបញ្ជាទិញរបស់ខ្ញុំនៅឯណា?"),
    ("kn", "ನಾನು ಒಬ್ಬ ವ್ಯಕ್ತಿಯೊಂದಿಗೆ ಮಾತನಾಡಬೇಕು", "ನನ್ನ ಆರ್ಡರ್ ಎಲ್ಲಿದೆ?"),
    ("ko", "상담원 연결해 주세요", "주문한 물건은 어디에 있나요?"),
    ("la", "Cum homine loqui volo", "Ubi est mercatura mea?"),
    ("lt", "Noriu kalbėti su žmogumi", "Kur mano užsakymas?"),
    ("lv", "Es vēlos runāt ar cilvēku", "Kur ir mans pasūtījums?"),
    ("mk", "Сакам да зборувам со човек", "Каде е мојата нарачка?"),
    ("ml", "എനിക്ക് ഒരു മനുഷ്യനോട് സംസാരിക്കണം", "എന്റെ ഓർഡർ എവിടെ?"),
    ("mr", "मला एका माणसाशी बोलायचे आहे", "माझी ऑर्डर कुठे आहे?"),
    ("my", "ဝန်ထမ်းနဲ့ စကားပြောချင်ပါတယ်", "ကျွန်တော့် အော်ဒါ ဘယ်မှာလဲ"),
    ("nb", "Jeg vil snakke med et menneske", "Hvor er bestillingen min?"),
    ("ne", "म मान्छेसँग कुरा गर्न चाहन्छु", "मेरो अर्डर कहाँ छ?"),
    ("nl", "Kan ik een medewerker spreken?", "Waar is mijn bestelling?"),
    ("or", "ମୁଁ ଜଣେ ମଣିଷ ସହ କଥା ହେବାକୁ ଚାହେଁ", "ମୋ ଅର୍ଡର କେଉଁଠି ଅଛି?"),
    ("pa", "ਮੈਂ ਕਿਸੇ ਇਨਸਾਨ ਨਾਲ ਗੱਲ ਕਰਨੀ ਹੈ", "ਮੇਰਾ ਆਰਡਰ ਕਿੱਥੇ ਹੈ?"),
    ("pl", "Porozmawiaj z konsultantem", "Gdzie jest moje zamówienie?"),
    ("pt", "Quero falar com um atendente", "Onde está o meu pedido?"),
    ("ro", "Vreau să vorbesc cu un consultant", "Unde este comanda mea?"),
    ("ru", "Хочу поговорить с оператором", "Где мой заказ?"),
    ("si", "මට නියෝජිතයෙක් සමඟ කතා කරන්න ඕනේ", "මගේ ඇණවුම කොහෙද?"),
    ("sk", "Chcem hovoriť s človekom", "Kde je moja objednávka?"),
    ("sl", "Želim govoriti s človekom", "Kje je moje naročilo?"),
    ("sn", "Ndinoda kutaura nemunhu", "Odha yangu iri kupi?"),
    ("sr", "Желим да разговарам са човеком", "Где је моја поруџбина?"),
    ("sv", "Prata med en människa", "Var är min beställning?"),
    ("ta", "நான் ஒரு மனிதருடன் பேச வேண்டும்", "என் ஆர்டர் எங்கே?"),
    ("te", "నేను ఒక మనిషితో మాట్లాడాలి", "నా ఆర్డర్ ఎక్కడ ఉంది?"),
    ("th", "ขอคุยกับพนักงานหน่อยครับ", "คำสั่งซื้อของฉันอยู่ที่ไหน"),
    ("tk", "Men işgär bilen gürleşmek isleýärin", "Sargydym nirede?"),
    ("tl", "Gusto kong makausap ang isang tao", "Nasaan ang order ko?"),
    ("tr", "Bir temsilciyle konuşmak istiyorum", "Siparişim nerede?"),
    ("uk", "Я хочу поговорити з людиною", "Де моє замовлення?"),
    ("ur", "میں کسی نمائندے سے بات کرنا چاہتا ہوں", "میرا آرڈر کہاں ہے؟"),
    ("uz", "Men xodim bilan gaplashmoqchiman", "Buyurtmam qayerda?"),
    ("vi", "Tôi muốn nói chuyện với nhân viên", "Đơn hàng của tôi ở đâu?"),
    ("yi", "איך וויל רעדן מיט א מענטש", "וווּ איז מיין באַשטעלונג?"),
    ("zh", "我想和人工客服说话", "我的订单在哪里？"),
    ("zu", "Ngifuna ukukhuluma nomuntu", "Iphi i-oda yami?"),
];

#[test]
fn every_detected_language_has_a_request_in_the_table() {
    for code in crate::routing::language::detectable() {
        assert!(REQUESTS.iter().any(|(c, _, _)| *c == code), "no person request for {code}, which the hub detects");
    }
}

#[test]
fn person_requests_in_every_detected_language() {
    for (code, request, other) in REQUESTS {
        assert!(asks_for_person(request), "{code}: {request:?} not heard as a request for a person");
        assert!(!asks_for_person(other), "{code}: {other:?} is not a request for a person");
    }
}

#[test]
fn whole_words_and_sequences_only() {
    let cases: &[(&str, bool)] = &[
        ("Can I talk to a human?", true),
        ("I want to speak to an AGENT please", true),
        ("Is there a real person there?", true),
        ("Can someone help me", true),
        ("operator!", true),
        ("Bitte einen Mitarbeiter", true),
        ("¿Puedo hablar con un agente humano?", true),
        ("Est-ce que quelqu'un peut m'aider ?", true),
        ("Est-ce que quelqu’un peut m’aider ?", true),
        ("Tôi cần gặp NHÂN VIÊN", true),
        ("I support the humane society", false),
        ("The agency sent my parcel", false),
        ("Where is my personal data stored?", false),
        ("Wie setze ich mein Passwort zurück?", false),
        ("Ich habe eine Frage zu Menschenrechten", false),
        // Vietnamese "nhân" alone is no request ("cá nhân": personal); "nhân viên" is.
        ("Thông tin cá nhân của tôi", false),
        // Romanian "om" (a person) is Swedish "if": only "omul" is listed.
        ("Om du kan, skicka kvittot", false),
        ("", false),
    ];
    for (text, expected) in cases {
        assert_eq!(asks_for_person(text), *expected, "{text:?}");
    }
}

#[test]
fn words_keep_their_combining_marks() {
    // The virama is no letter by Unicode's count; without it the Hindi word would fall apart.
    assert_eq!(words("व्यक्ति से।"), ["व्यक्ति", "से"]);
    assert_eq!(words("Quelqu'un"), ["quelqu", "un"]);
}
