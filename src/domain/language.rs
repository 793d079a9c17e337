//! Languages: the ISO 639-1 code a conversation and an agent carry, and how a conversation's was decided.

use std::fmt;
use std::str::FromStr;

/// ISO 639-1 codes, including deprecated "bh", which some systems still send.
const ISO_639_1: &str = "\
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy \
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu \
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb \
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om \
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw \
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// Codes that Java and old systems still put in locales, to their current ISO 639-1 code.
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

/// How a conversation's language was decided, for the ticket, the agent and the metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LanguageSource {
    /// What the visitor wrote.
    Text,
    /// The hello's locale, where the text says little or leaves it open.
    Locale,
    /// Neither gave a language.
    Default,
}

impl LanguageSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LanguageSource::Text => "text",
            LanguageSource::Locale => "locale",
            LanguageSource::Default => "default",
        }
    }
}

impl fmt::Display for LanguageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LanguageSource {
    type Err = super::ParseIdError;

    fn from_str(s: &str) -> Result<LanguageSource, super::ParseIdError> {
        match s {
            "text" => Ok(LanguageSource::Text),
            "locale" => Ok(LanguageSource::Locale),
            "default" => Ok(LanguageSource::Default),
            _ => Err(super::ParseIdError),
        }
    }
}

impl serde::Serialize for LanguageSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for LanguageSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(|_| serde::de::Error::custom("not a language source"))
    }
}

impl serde::Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(|_| serde::de::Error::custom("not an ISO 639-1 code"))
    }
}

/// Every ISO 639-1 code `Language::parse` admits.
pub fn language_codes() -> impl Iterator<Item = &'static str> {
    ISO_639_1.split_ascii_whitespace()
}
