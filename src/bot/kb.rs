//! The built-in bot's knowledge base: Markdown articles and a small, explainable ranking.
//!
//! Ranking, in full: text is cut into lowercase words (Unicode letters and digits), stop words of
//! en/de/fr/es are dropped, plural endings are stripped lightly (see [`stem`]). An article scores, for
//! each distinct term of the question it contains, that term's inverse document frequency
//! `ln(1 + N / df)` (rare terms count more), three times over when the term is in the title. The best
//! article is the answer if its score reaches [`MIN_SCORE`]; a question sharing no distinctive word with
//! any article gets no answer rather than a random one.
//!
//! Articles may end with a paragraph of keywords in other languages ("Keywords: Passwort, mot de
//! passe …"): it is indexed like the rest of the body but never shown, since only the first paragraph is.

use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Lowest score that counts as an answer. One title match always reaches it (3 × ln 2 ≈ 2.08); a body
/// match alone needs a term found in at most about one article in five (ln(1 + 4.75) ≈ 1.75), or two
/// less rare terms together. Tuned on the demo articles with the table in the tests below.
pub const MIN_SCORE: f64 = 1.75;
/// How much more a term counts in an article's title than in its body.
pub const TITLE_WEIGHT: f64 = 3.0;

/// Dropped before matching: they occur in any question and say nothing about its subject. One list for
/// all languages, because the question's language is not known reliably for a short text.
const STOP_WORDS: &str = "\
    a about also am an and any are as at be been but by can could did do does for from get got had has have \
    hello hi how i if in is it its just like me my no not of on or our please so than thank thanks that the their \
    them then there these this those to too us want was we were what when where which who why will with would you your \
    aber alle als am an auch auf aus bei bin bis bitte da danke das dass dem den der des die doch du ein \
    eine einem einen einer es für hab habe haben hallo hat ich ihr ihre im in ist ja kann können mein \
    meine meinem meinen mich mir mit nach nicht noch nur oder sie sind so um und uns unser von vor war \
    was wenn wer werden wie wieso wir wo zu zum zur welche welcher welches warum wann \
    ai au aux avec bonjour ce ces comment dans de des du elle en est et il je la le les leur lui ma mais \
    me merci mes moi mon ne nos notre nous ou où par pas peut peux pour pourquoi puis qu quand que qui sa \
    se ses si son sont suis sur ta te tes toi ton tu un une vos votre vous \
    al algo como cómo con cuál cuándo de del dónde el ella en es esta está estoy gracias hay hola la las \
    le lo los me mi mis muy no nos para pero por puede puedo qué que quién se si sí sin son soy su sus te \
    tengo tiene tu tú un una uno unos unas usted y ya";

/// One help article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    pub title: String,
    pub body: String,
    /// The file stem it came from ("password-reset"), or any stable key.
    pub slug: String,
}

impl Article {
    /// The body's first paragraph on one line, cut at a word boundary to at most `max_chars`
    /// characters (plus "…" when cut): long enough to help, short enough for a chat bubble.
    pub fn excerpt(&self, max_chars: usize) -> String {
        let paragraph = self.body.split("\n\n").map(str::trim).find(|p| !p.is_empty()).unwrap_or_default();
        let flat = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() <= max_chars {
            return flat;
        }
        let cut = flat.char_indices().nth(max_chars).map_or(flat.len(), |(i, _)| i);
        let head = &flat[..cut];
        let head = head.rfind(' ').map_or(head, |space| &head[..space]);
        format!("{}…", head.trim_end_matches([',', ';', ':', ' ']))
    }
}

/// Terms of one article, title and body apart because title matches weigh more.
#[derive(Clone, Debug)]
struct Indexed {
    title: HashSet<String>,
    body: HashSet<String>,
}

/// Articles and their index, built once; lookups do not allocate beyond the question's own terms.
#[derive(Clone, Debug, Default)]
pub struct KnowledgeBase {
    articles: Vec<Article>,
    index: Vec<Indexed>,
    /// In how many articles each term occurs (title or body).
    df: HashMap<String, u32>,
}

impl KnowledgeBase {
    /// Every `*.md` file directly in `dir`, in file-name order (so ties always go the same way). A
    /// missing folder is an empty knowledge base; an unreadable or non-UTF-8 file is an error naming it.
    /// Title = the first "# " line (else the file stem); body = every other line.
    pub fn load(dir: &Path) -> std::io::Result<KnowledgeBase> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(KnowledgeBase::default());
            }
            Err(e) => return Err(e),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path.is_file() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("md")) {
                paths.push(path);
            }
        }
        paths.sort();
        let mut articles = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            let slug = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            articles.push(parse_markdown(&slug, &text));
        }
        Ok(KnowledgeBase::from_articles(articles))
    }

    pub fn from_articles(articles: Vec<Article>) -> KnowledgeBase {
        let index: Vec<Indexed> = articles
            .iter()
            .map(|a| Indexed { title: terms(&a.title).collect(), body: terms(&a.body).collect() })
            .collect();
        let mut df: HashMap<String, u32> = HashMap::new();
        for doc in &index {
            for term in doc.title.union(&doc.body) {
                *df.entry(term.clone()).or_default() += 1;
            }
        }
        KnowledgeBase { articles, index, df }
    }

    /// Best article for a question, if relevant enough (see the module docs).
    pub fn answer(&self, question: &str) -> Option<&Article> {
        self.ranked(question).first().filter(|(score, _)| *score >= MIN_SCORE).map(|(_, i)| &self.articles[*i])
    }

    /// Every article with a positive score, best first (equal scores: file order). For tests and tuning.
    pub fn ranked(&self, question: &str) -> Vec<(f64, usize)> {
        let query: HashSet<String> = terms(question).collect();
        let n = self.articles.len() as f64;
        let mut scores: Vec<(f64, usize)> = self
            .index
            .iter()
            .enumerate()
            .map(|(i, doc)| {
                let score = query
                    .iter()
                    .map(|term| {
                        let weight = if doc.title.contains(term) {
                            TITLE_WEIGHT
                        } else if doc.body.contains(term) {
                            1.0
                        } else {
                            return 0.0;
                        };
                        let df = self.df.get(term).copied().unwrap_or(1).max(1);
                        weight * (1.0 + n / f64::from(df)).ln()
                    })
                    .sum::<f64>();
                (score, i)
            })
            .filter(|(score, _)| *score > 0.0)
            .collect();
        scores.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scores
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    pub fn articles(&self) -> &[Article] {
        &self.articles
    }
}

/// Splits a Markdown file into title and body.
pub(super) fn parse_markdown(slug: &str, text: &str) -> Article {
    let mut title = None;
    let mut body = Vec::new();
    for line in text.lines() {
        match (title.is_none(), line.trim_start().strip_prefix("# ")) {
            (true, Some(heading)) => title = Some(heading.trim().to_owned()),
            _ => body.push(line),
        }
    }
    Article {
        title: title.unwrap_or_else(|| slug.to_owned()),
        body: body.join("\n").trim().to_owned(),
        slug: slug.to_owned(),
    }
}

/// Whether a lowercase word says nothing about a question's subject (see `STOP_WORDS`).
pub(crate) fn is_stop_word(w: &str) -> bool {
    w.chars().count() < 2 || STOP_WORDS.split_ascii_whitespace().any(|s| s == w)
}

/// Lowercase words: maximal runs of Unicode letters and digits.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The words that carry meaning, normalised for matching.
fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    words(text)
        .filter(|w| w.chars().count() > 1 && !STOP_WORDS.split_ascii_whitespace().any(|s| s == w))
        .map(|w| stem(&w))
}

/// Light plural stripping, the same for questions and articles, so that "passwords" finds "password"
/// and "Bestellungen" finds "Bestellung". It is not linguistics: a wrong cut is harmless as long as it
/// is made the same way on both sides. Short words are left alone so that "open" stays "open".
pub(super) fn stem(word: &str) -> String {
    let len = word.chars().count();
    if len <= 3 {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies").filter(|_| len > 4) {
        return format!("{stem}y"); // deliveries → delivery
    }
    if let Some(stem) = word.strip_suffix("es")
        && ["s", "x", "z", "ch", "sh"].iter().any(|end| stem.ends_with(end))
    {
        return stem.to_owned(); // boxes → box, addresses → address
    }
    if let Some(stem) = word.strip_suffix("en").filter(|s| s.chars().count() >= 4) {
        return stem.to_owned(); // Bestellungen → bestellung
    }
    if word.ends_with('s') && !["ss", "us", "is"].iter().any(|end| word.ends_with(end)) {
        return word[..word.len() - 1].to_owned(); // orders → order
    }
    word.to_owned()
}

/// Demo articles, written into the knowledge-base folder by the demo setup: (file name, Markdown).
/// English text; the last paragraph lists keywords in the other supported languages so that a German
/// or French question finds the English article.
pub fn demo_articles() -> Vec<(&'static str, &'static str)> {
    vec![
        ("shipping.md", include_str!("demo/shipping.md")),
        ("order-tracking.md", include_str!("demo/order-tracking.md")),
        ("returns.md", include_str!("demo/returns.md")),
        ("password-reset.md", include_str!("demo/password-reset.md")),
        ("opening-hours.md", include_str!("demo/opening-hours.md")),
        ("payment-methods.md", include_str!("demo/payment-methods.md")),
        ("change-or-cancel.md", include_str!("demo/change-or-cancel.md")),
    ]
}

/// The demo articles as a knowledge base, without touching the disk.
pub fn demo_kb() -> KnowledgeBase {
    KnowledgeBase::from_articles(
        demo_articles().into_iter().map(|(file, text)| parse_markdown(file.trim_end_matches(".md"), text)).collect(),
    )
}
