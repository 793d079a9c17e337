//! Knowledge-base ranking, tokenising and loading.

use crate::bot::kb::*;
use crate::bot::kb::{parse_markdown, stem};

#[test]
fn questions_find_the_right_article_or_none() {
    let kb = demo_kb();
    let cases: &[(&str, Option<&str>)] = &[
        ("How do I reset my password?", Some("password-reset")),
        ("I forgot my passwords", Some("password-reset")),
        ("Wie kann ich mein Passwort zurücksetzen?", Some("password-reset")),
        ("J'ai oublié mon mot de passe", Some("password-reset")),
        ("He olvidado mi contraseña", Some("password-reset")),
        ("How long does shipping take?", Some("shipping")),
        ("Wie lange dauert der Versand nach Österreich?", Some("shipping")),
        ("Where is my order?", Some("order-tracking")),
        ("Wo ist meine Bestellung?", Some("order-tracking")),
        ("I want to return these shoes and get a refund", Some("returns")),
        ("¿Cómo solicito un reembolso?", Some("returns")),
        ("Which payment methods do you accept?", Some("payment-methods")),
        ("Kann ich mit Kreditkarte bezahlen?", Some("payment-methods")),
        ("What are your opening hours?", Some("opening-hours")),
        ("Quels sont vos horaires ?", Some("opening-hours")),
        ("Can I change the delivery address of my order?", Some("change-or-cancel")),
        ("I want to cancel my order", Some("change-or-cancel")),
        ("Is the shop open on Sunday?", Some("opening-hours")),
        ("My card was declined", Some("payment-methods")),
        ("What's the weather like in Paris?", None),
        ("Do you sell bicycles?", None),
        ("I love your company", None),
        ("hello", None),
        ("", None),
        ("?!", None),
    ];
    for (question, expected) in cases {
        let got = kb.answer(question).map(|a| a.slug.as_str());
        assert_eq!(got, *expected, "{question:?}: ranked {:?}", kb.ranked(question));
    }
}

#[test]
fn title_matches_weigh_more_and_rare_terms_more_than_common_ones() {
    let kb = KnowledgeBase::from_articles(vec![
        Article { title: "Gift cards".into(), body: "Buy them online.".into(), slug: "gift".into() },
        Article { title: "Vouchers".into(), body: "A gift for friends. Buy online.".into(), slug: "voucher".into() },
        Article { title: "Stores".into(), body: "Buy in our stores.".into(), slug: "stores".into() },
    ]);
    assert_eq!(kb.answer("gift").map(|a| a.slug.as_str()), Some("gift"));
    // "buy" is in every article: it says nothing, so alone it is no answer.
    assert_eq!(kb.answer("buy"), None);
}

#[test]
fn empty_knowledge_base_answers_nothing() {
    let kb = KnowledgeBase::from_articles(Vec::new());
    assert!(kb.is_empty());
    assert_eq!(kb.answer("password"), None);
}

#[test]
fn words_and_stems() {
    let w: Vec<String> = words("Grüße, SB-1001! L'été").collect();
    assert_eq!(w, ["grüße", "sb", "1001", "l", "été"]);
    for (word, expected) in [
        ("passwords", "password"),
        ("boxes", "box"),
        ("addresses", "address"),
        ("address", "address"),
        ("deliveries", "delivery"),
        ("bestellungen", "bestellung"),
        ("open", "open"),
        ("status", "status"),
        ("shoes", "shoe"),
    ] {
        assert_eq!(stem(word), expected, "{word}");
    }
}

#[test]
fn markdown_and_excerpts() {
    let a = parse_markdown("x", "Intro line\n# Title here\n\nFirst para\ncontinues.\n\nSecond.");
    assert_eq!(a.title, "Title here");
    assert_eq!(a.excerpt(400), "Intro line");
    let b = parse_markdown("no-title", "Just text.\n\nMore.");
    assert_eq!(b.title, "no-title");
    assert_eq!(b.excerpt(400), "Just text.");
    let long = Article { title: "t".into(), body: "word ".repeat(200), slug: "t".into() };
    let e = long.excerpt(400);
    assert!(e.chars().count() <= 401 && e.ends_with("word…"), "{e}");
}

#[test]
fn load_reads_markdown_files_and_tolerates_a_missing_folder() -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("switchboard-kb-test-{:x}", rand::random::<u64>()));
    assert_eq!(KnowledgeBase::load(&dir)?.len(), 0);
    std::fs::create_dir_all(&dir)?;
    for (file, text) in demo_articles() {
        std::fs::write(dir.join(file), text)?;
    }
    std::fs::write(dir.join("notes.txt"), "not an article")?;
    let kb = KnowledgeBase::load(&dir)?;
    std::fs::remove_dir_all(&dir)?;
    assert_eq!(kb.len(), demo_articles().len());
    assert_eq!(kb.answer("reset password").map(|a| a.slug.as_str()), Some("password-reset"));
    assert!(kb.articles().iter().all(|a| !a.title.starts_with('#') && !a.body.is_empty()));
    Ok(())
}
