//! The words by which a visitor asks for a person, in every language the hub detects (whatlang's 69;
//! `routing::language::detectable`). The 16 languages with phrases carry theirs in `TABLE`
//! (`person_words`); this file adds the others, and more inflected forms of some of the 16.
//!
//! Whole words, case-insensitive: "Can I talk to a human?" yes, "the humane society" no. A keyword with
//! a space or an apostrophe ("nhân viên", "quelqu'un") matches those words in a row. Inflected forms are
//! listed as written, since matching is by whole word; words that are also common English words are left
//! out. Scripts written without spaces (Chinese, Japanese, Korean, Thai, Khmer, Burmese) are matched by
//! substring. All languages are checked on every text, because visitors often write English whatever
//! their detected language, and a missed request is worse than an early one.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::TABLE;

/// Words for "a person" (a human, an agent, staff, someone), by ISO 639-1 code.
pub const PERSON_WORDS: &[(&str, &[&str])] = &[
    ("af", &["persoon", "mens", "konsultant", "iemand"]),
    ("ak", &["nipa", "onipa", "obi"]),
    ("am", &["ሰው", "ከሰው", "ሰራተኛ", "ወኪል"]),
    ("az", &["insan", "insanla", "operatorla", "əməkdaş", "əməkdaşla", "nümayəndə", "nümayəndəsi"]),
    ("be", &["чалавек", "чалавекам", "аператар", "аператарам", "супрацоўнік", "супрацоўнікам"]),
    ("bg", &["човек", "оператор", "служител", "консултант"]),
    ("bn", &["মানুষ", "মানুষের", "এজেন্ট", "এজেন্টের", "ব্যক্তি", "ব্যক্তির", "প্রতিনিধি", "প্রতিনিধির"]),
    ("ca", &["persona", "humà", "operador", "operadora", "algú"]),
    ("cs", &["člověk", "člověkem", "operátor", "operátorem", "pracovník", "pracovníkem"]),
    ("cy", &["berson", "pherson", "mherson", "asiant", "rhywun", "gweithredwr"]),
    ("da", &["menneske", "medarbejder", "rådgiver", "nogen"]),
    ("el", &["άνθρωπο", "άνθρωπος", "εκπρόσωπο", "υπάλληλο", "χειριστή"]),
    ("eo", &["persono", "homo", "homon", "agento", "telefonisto"]),
    ("et", &["inimene", "inimesega", "klienditeenindaja", "klienditeenindajaga", "teenindajaga"]),
    ("fa", &["کارشناس", "اپراتور", "انسان", "آدم", "پشتیبان"]),
    ("fi", &["ihminen", "ihmisen", "ihmistä", "asiakaspalvelija", "asiakaspalvelijan", "asiakaspalvelijaa", "henkilö"]),
    ("gu", &["માણસ", "વ્યક્તિ", "એજન્ટ", "પ્રતિનિધિ"]),
    ("hi", &["इंसान", "व्यक्ति", "एजेंट", "मनुष्य", "प्रतिनिधि", "कर्मचारी", "ऑपरेटर"]),
    ("hr", &["čovjek", "čovjekom", "operater", "operaterom", "djelatnikom", "agentom"]),
    ("hu", &["ember", "emberrel", "ügyintéző", "ügyintézővel", "operátorral"]),
    ("hy", &["մարդ", "մարդու", "օպերատոր", "օպերատորի", "աշխատակից", "աշխատակցի"]),
    ("id", &["manusia", "petugas", "agen"]),
    ("jv", &["manungsa", "petugas"]),
    ("ka", &["ადამიანი", "ადამიანთან", "ოპერატორი", "ოპერატორთან", "თანამშრომელი", "თანამშრომელთან"]),
    ("kn", &["ಮನುಷ್ಯ", "ಮನುಷ್ಯನ", "ಮನುಷ್ಯನೊಂದಿಗೆ", "ವ್ಯಕ್ತಿ", "ವ್ಯಕ್ತಿಯೊಂದಿಗೆ", "ಏಜೆಂಟ್"]),
    ("la", &["homo", "homine", "hominem"]),
    ("lt", &["žmogus", "žmogumi", "operatoriumi", "konsultantu", "darbuotoju"]),
    ("lv", &["cilvēks", "cilvēku", "operatoru", "konsultantu", "darbinieku"]),
    ("mk", &["човек", "оператор", "вработен"]),
    ("ml", &["മനുഷ്യൻ", "മനുഷ്യനോട്", "മനുഷ്യനുമായി", "ജീവനക്കാരനോട്", "ഏജന്റ്", "വ്യക്തി"]),
    ("mr", &["व्यक्ति", "व्यक्तीशी", "माणूस", "माणसाशी", "प्रतिनिधीशी"]),
    ("nb", &["menneske", "medarbeider", "rådgiver", "saksbehandler"]),
    ("ne", &["मान्छे", "मान्छेसँग", "व्यक्ति", "व्यक्तिसँग", "एजेन्ट", "कर्मचारी"]),
    ("or", &["ମଣିଷ", "ବ୍ୟକ୍ତି", "ଏଜେଣ୍ଟ", "କର୍ମଚାରୀ", "ପ୍ରତିନିଧି"]),
    ("pa", &["ਇਨਸਾਨ", "ਵਿਅਕਤੀ", "ਏਜੰਟ", "ਮੁਲਾਜ਼ਮ"]),
    ("pl", &["człowiek", "człowiekiem", "konsultant", "konsultantem", "konsultantką", "pracownik", "pracownikiem"]),
    ("ro", &["omul", "operatorul", "consultant", "reprezentant", "angajat"]),
    ("ru", &["человек", "человеком", "человеку", "оператором", "оператору", "сотрудником", "консультантом"]),
    ("si", &["මිනිසෙක්", "මිනිසෙකු", "නියෝජිතයා", "නියෝජිතයෙක්", "සේවකයෙක්"]),
    ("sk", &["človek", "človekom", "operátorom", "pracovníkom"]),
    ("sl", &["človek", "človekom", "operater", "operaterjem", "svetovalcem"]),
    ("sn", &["munhu", "nemunhu", "mushandi", "nemushandi"]),
    ("sr", &["човек", "човеком", "оператер", "оператером", "čovek", "čovekom", "operaterom"]),
    ("sv", &["människor", "handläggaren"]),
    ("ta", &["மனிதர்", "மனிதருடன்", "முகவர்", "ஊழியருடன்", "பிரதிநிதி"]),
    ("te", &["మనిషి", "మనిషితో", "ఏజెంట్", "ప్రతినిధి", "ప్రతినిధితో", "ఉద్యోగి"]),
    ("tk", &["işgär", "işgäri", "wekil"]),
    ("tl", &["ahente", "tao", "kinatawan", "empleyado"]),
    ("tr", &["insanla", "temsilciyle", "temsilciye", "yetkili", "yetkiliyle", "operatör", "operatörle"]),
    ("uk", &["людина", "людиною", "оператора", "оператором", "консультантом", "працівником"]),
    ("ur", &["نمائندے", "نمائندہ", "انسان", "ایجنٹ", "آپریٹر"]),
    ("uz", &["odam", "xodim", "mutaxassis", "operatorga", "одам", "ходим"]),
    ("vi", &["nhân viên", "người thật", "tư vấn viên", "tổng đài viên"]),
    ("yi", &["מענטש", "מענטשן", "אגענט"]),
    ("zu", &["umuntu", "nomuntu", "isisebenzi", "nesisebenzi", "ummeleli", "nommeleli"]),
];

/// Requests in scripts written without spaces between words, found as substrings, by ISO 639-1 code.
pub const PERSON_SUBSTRINGS: &[(&str, &[&str])] = &[
    ("zh", &["人工", "客服", "真人", "人员", "人員"]),
    ("ja", &["担当者", "オペレーター", "スタッフ", "人と話"]),
    ("ko", &["상담원", "상담사", "직원", "사람과"]),
    ("th", &["พนักงาน", "เจ้าหน้าที่", "คนจริง"]),
    ("km", &["មនុស្ស", "បុគ្គលិក", "ភ្នាក់ងារ"]),
    ("my", &["ဝန်ထမ်း", "လူသား", "အေးဂျင့်"]),
];

/// Single-word keywords, for a set lookup per word of the text; keywords of several words are kept
/// apart as word sequences.
struct Keywords {
    single: HashSet<&'static str>,
    sequences: Vec<Vec<&'static str>>,
}

static KEYWORDS: LazyLock<Keywords> = LazyLock::new(|| {
    let all = PERSON_WORDS.iter().flat_map(|(_, words)| words.iter()).chain(TABLE.iter().flat_map(|p| p.person_words));
    let mut keywords = Keywords { single: HashSet::new(), sequences: Vec::new() };
    for keyword in all {
        let parts: Vec<&'static str> = keyword.split([' ', '\'']).filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [one] => _ = keywords.single.insert(*one),
            _ => keywords.sequences.push(parts),
        }
    }
    keywords
});

/// Whether a character belongs to a word. Letters and digits, and also the combining marks that
/// letters of Indic, Sinhala, Hebrew and Arabic script carry (a virama is no letter by Unicode's count,
/// yet "व्यक्ति" is one word), and the zero-width joiners some of them use.
fn in_word(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c as u32, 0x0300..=0x036F | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670
            | 0x0900..=0x0963 | 0x0966..=0x0DFF | 0x200C | 0x200D)
}

/// The lowercase words of a text (see `in_word`); apostrophes separate words.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !in_word(c)).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether the visitor asks for a person, in any language the hub detects.
pub fn asks_for_person(text: &str) -> bool {
    if PERSON_SUBSTRINGS.iter().flat_map(|(_, s)| s.iter()).any(|s| text.contains(s)) {
        return true;
    }
    let words = words(text);
    let keywords = &*KEYWORDS;
    words.iter().any(|w| keywords.single.contains(w.as_str()))
        || keywords.sequences.iter().any(|seq| words.windows(seq.len()).any(|w| w.iter().zip(seq).all(|(a, b)| a == b)))
}

#[cfg(test)]
#[path = "person_tests.rs"]
mod tests;
