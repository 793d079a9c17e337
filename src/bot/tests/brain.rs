//! The bot's behaviour, table-driven through `BotCore::on_frame`.

use super::*;
use crate::bot::format_time;
use crate::protocol::{BotInfo, BotWelcome};

#[test]
fn assigned_greets_in_the_visitors_language_with_ticket_and_time() {
    let id = ConversationId::random();
    // (language, reason, next opening, parts the greeting must contain)
    type Case<'a> = (Option<&'a str>, Option<BotReason>, Option<&'a str>, &'a [&'a str]);
    let cases: &[Case] = &[
        (
            Some("de"),
            Some(BotReason::Closed),
            Some("2026-11-23T09:00:00Z"),
            &["Hallo, ich bin Switchboard Bot", "SB-1001", "ab 2026-11-23 09:00 UTC wieder", "Was kann ich"],
        ),
        (Some("en"), Some(BotReason::Closed), None, &["Hello", "SB-1001", "not available right now"]),
        (Some("fr"), Some(BotReason::Language), None, &["Bonjour", "SB-1001", "ne parle votre langue"]),
        (Some("es"), Some(BotReason::Unverified), None, &["Hola", "SB-1001", "iniciado sesión"]),
        (Some("it"), None, None, &["Salve", "SB-1001", "Come posso aiutarla?"]),
        (Some("pt"), None, None, &["Olá", "SB-1001"]),
        (Some("nl"), None, None, &["Hallo, ik ben", "SB-1001"]),
        // No phrases for Japanese, and no language known yet: English.
        (Some("ko"), Some(BotReason::Language), None, &["Hello", "SB-1001", "none of our agents speaks"]),
        (Some("fi"), Some(BotReason::Language), None, &["Hei", "SB-1001", "puhu kieltäsi"]),
        (Some("tr"), Some(BotReason::Language), None, &["Merhaba", "SB-1001", "dilinizi"]),
        (None, None, None, &["Hello, I'm Switchboard Bot", "Your ticket number is SB-1001."]),
    ];
    for (lang, reason, next, expected) in cases {
        let mut bot = core();
        let out = texts(&bot.on_frame(&ServerFrame::Assigned {
            conversation: view(id, *lang, *reason, *next),
            messages: Vec::new(),
            more: false,
        }));
        assert_eq!(out.len(), 1, "{lang:?}: {out:?}");
        for part in *expected {
            assert!(out[0].contains(part), "{lang:?}: {:?} lacks {part:?}", out[0]);
        }
    }
}

#[test]
fn assigned_answers_the_open_question_once_and_never_greets_twice() {
    let id = ConversationId::random();
    let mut bot = core();
    let v = view(id, Some("de"), Some(BotReason::Closed), Some("2026-11-23T09:00:00Z"));
    let question = msg(id, 1, Role::Visitor, "Wie kann ich mein Passwort zurücksetzen?");
    let out = texts(&bot.on_frame(&ServerFrame::Assigned {
        conversation: v.clone(),
        messages: vec![question.clone()],
        more: false,
    }));
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].contains("SB-1001") && !out[0].contains("Was kann ich"), "{out:?}");
    assert!(out[1].starts_with("Resetting your password: Click"), "{out:?}");
    // The same message live, then the same assignment again (a restart): nothing more to say.
    assert!(bot.on_frame(&ServerFrame::Message(question.clone())).is_empty());
    assert!(
        bot.on_frame(&ServerFrame::Assigned { conversation: v.clone(), messages: vec![question], more: false })
            .is_empty()
    );

    // A fresh bot (it restarted) sees its own earlier answer in the transcript: no greeting, no answer.
    let mut fresh = core();
    let transcript =
        vec![msg(id, 1, Role::Visitor, "Wie kann ich mein Passwort zurücksetzen?"), msg(id, 2, Role::Bot, "…")];
    assert!(
        fresh
            .on_frame(&ServerFrame::Assigned { conversation: v.clone(), messages: transcript, more: false })
            .is_empty()
    );

    // After `welcome` lists the conversation, its assignment is not greeted either, but a question
    // written since the bot's last word is answered.
    let mut restarted = core();
    let welcome = BotWelcome {
        v: 1,
        bot: BotInfo { id: crate::domain::BotId(7), name: NAME.into() },
        conversations: vec![v.clone()],
        email_replies: false,
        notices: vec![],
        reference: None,
    };
    assert!(restarted.on_frame(&ServerFrame::BotWelcome(welcome)).is_empty());
    let transcript = vec![msg(id, 1, Role::Visitor, "Wo ist meine Bestellung?")];
    let out = texts(&restarted.on_frame(&ServerFrame::Assigned { conversation: v, messages: transcript, more: false }));
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].starts_with("Tracking your order:"), "{out:?}");
}

#[test]
fn visitor_messages_get_answers_handoffs_or_the_way_to_a_person() {
    let id = ConversationId::random();
    let mut bot = core();
    let v = view(id, Some("de"), Some(BotReason::Closed), Some("2026-11-23T09:00:00Z"));
    bot.on_frame(&ServerFrame::Assigned { conversation: v, messages: Vec::new(), more: false });
    let cases: &[(u64, Role, &str, &[&str])] = &[
        (1, Role::Visitor, "Wie kann ich mein Passwort zurücksetzen?", &["Resetting your password: "]),
        (2, Role::Visitor, "Was kostet ein Fahrrad?", &["nichts gefunden", "Mitarbeiter"]),
        // Its own and agents' messages are never answered.
        (3, Role::Bot, "I want to talk to a human", &[]),
        (4, Role::Agent, "Can I help you?", &[]),
        (
            5,
            Role::Visitor,
            "I want to talk to a human",
            &["Gespräch an unser Team übergeben", "ab 2026-11-23 09:00 UTC", "HANDOFF(visitor asked for a person)"],
        ),
        // A repeated delivery of an answered message.
        (5, Role::Visitor, "I want to talk to a human", &[]),
    ];
    for (seq, role, text, expected) in cases {
        let out = texts(&bot.on_frame(&ServerFrame::Message(msg(id, *seq, *role, text))));
        let joined = out.join(" | ");
        if expected.is_empty() {
            assert!(out.is_empty(), "{text:?}: {out:?}");
        }
        for part in *expected {
            assert!(joined.contains(part), "{text:?}: {joined:?} lacks {part:?}");
        }
    }
    // Handoff comes after the message: the conversation may leave the bot as soon as the hub has it.
    let out = bot.on_frame(&ServerFrame::Message(msg(id, 6, Role::Visitor, "agent")));
    assert!(matches!(out.as_slice(), [ClientFrame::Message { .. }, ClientFrame::Handoff { .. }]), "{out:?}");
}

#[test]
fn conversations_are_forgotten_when_they_leave_the_bot() {
    let mut bot = core();
    let (a, b, c) = (ConversationId::random(), ConversationId::random(), ConversationId::random());
    for id in [a, b, c] {
        bot.on_frame(&ServerFrame::Assigned {
            conversation: view(id, Some("en"), None, None),
            messages: Vec::new(),
            more: false,
        });
    }
    assert_eq!(bot.tracked(), 3);
    let mut queued = view(a, Some("en"), None, None);
    queued.status = Status::Queued;
    queued.bot = None;
    let mut resolving = view(b, Some("en"), None, None);
    resolving.bot = None; // the hub reports a resolution before the status changes
    let mut still_ours = view(c, Some("fr"), None, None);
    still_ours.last_seq = 9;
    for v in [queued, resolving, still_ours] {
        assert!(bot.on_frame(&ServerFrame::Conversation(v)).is_empty());
    }
    assert_eq!(bot.tracked(), 1);
    // The updated view counts: the language is now French.
    let out = texts(&bot.on_frame(&ServerFrame::Message(msg(c, 10, Role::Visitor, "blablabla"))));
    assert!(out[0].contains("conseiller"), "{out:?}");
    // Frames the bot has no business with are ignored.
    assert!(bot.on_frame(&ServerFrame::Pong { reference: None }).is_empty());
    assert!(bot.on_frame(&ServerFrame::Survey { conversation_id: c }).is_empty());
}

#[test]
fn times_are_formatted_without_locale_data() {
    assert_eq!(format_time(ts("2026-11-23T09:00:00Z")), "2026-11-23 09:00 UTC");
    assert_eq!(format_time(ts("2026-01-02T03:04:59+02:00")), "2026-01-02 01:04 UTC");
}

#[test]
fn a_person_request_in_a_language_nobody_speaks_gets_no_false_promise() {
    let id = ConversationId::random();
    let mut bot = core();
    let v = view(id, Some("fi"), Some(BotReason::Language), None);
    bot.on_frame(&ServerFrame::Assigned { conversation: v, messages: Vec::new(), more: false });
    let out = bot.on_frame(&ServerFrame::Message(msg(id, 1, Role::Visitor, "Haluan puhua ihmisen kanssa")));
    let joined = texts(&out).join(" | ");
    assert!(joined.contains("Kukaan tiimistämme ei tällä hetkellä puhu kieltäsi"), "in Finnish: {joined}");
    assert!(!joined.contains("as soon as one is available"), "no promise: {joined}");
    assert!(joined.contains("HANDOFF"), "the request is still recorded: {joined}");
    assert!(!joined.contains("sähköposti"), "no email offer from a hub that sends none: {joined}");
}

/// Where the hub sends email, a visitor nobody can serve now (no speaker of the language, or the team
/// away) is offered a reply by email under the ticket, in their language; one a person will serve is not.
#[test]
fn the_bot_offers_a_reply_by_email_when_nobody_can_come_and_the_hub_sends_email() {
    let cases = [
        (Some("fi"), Some(BotReason::Language), true, "sähköpostitse"),
        (Some("de"), Some(BotReason::Closed), false, "per E-Mail"),
        (Some("en"), None, true, ""),
    ];
    for (language, reason, open, expected) in cases {
        let id = ConversationId::random();
        let mut bot = core();
        let welcome = BotWelcome {
            v: 1,
            bot: BotInfo { id: crate::domain::BotId(7), name: NAME.into() },
            conversations: vec![],
            email_replies: true,
            notices: vec![],
            reference: None,
        };
        bot.on_frame(&ServerFrame::BotWelcome(welcome));
        let mut v = view(id, language, reason, None);
        v.department_open = open;
        bot.on_frame(&ServerFrame::Assigned { conversation: v, messages: Vec::new(), more: false });
        let asks = match language {
            Some("fi") => "Haluan puhua ihmisen kanssa",
            Some("de") => "Ich möchte mit einem Menschen sprechen",
            _ => "I want to talk to a human",
        };
        let joined = texts(&bot.on_frame(&ServerFrame::Message(msg(id, 1, Role::Visitor, asks)))).join(" | ");
        if expected.is_empty() {
            assert!(!joined.to_lowercase().contains("email"), "a person will come: no offer: {joined}");
        } else {
            assert!(joined.contains(expected), "{language:?}: {joined}");
        }
    }
}

#[test]
fn the_widgets_talk_to_a_person_reply_is_heard_in_all_its_languages() {
    // The texts of the widget's quick reply (web-widget/widget.js, key `person`), and requests as
    // visitors write them in languages without a phrase row.
    let requests = [
        "Talk to a person",
        "Mit einem Menschen sprechen",
        "Parler à une personne",
        "Hablar con una persona",
        "Parla con una persona",
        "Falar com uma pessoa",
        "Met een medewerker praten",
        "Porozmawiaj z konsultantem",
        "Prata med en människa",
        "Puhu ihmisen kanssa",
        "Haluan puhua ihmisen kanssa",
        "Bir temsilciyle konuş",
        "Поговорить с оператором",
        "التحدث إلى موظف",
        "担当者と話す",
        "转人工客服",
        "לדבר עם נציג",
        "상담원 연결해 주세요",
        "Chci mluvit s operátorem",
        "Θέλω να μιλήσω με άνθρωπο",
    ];
    for r in requests {
        assert!(crate::bot::phrases::asks_for_person(r), "{r:?} not heard as a request for a person");
    }
    for not in ["Where is my order?", "Mein Passwort funktioniert nicht", "Om du kan, skicka kvittot", "personal data"]
    {
        assert!(!crate::bot::phrases::asks_for_person(not), "{not:?} is not a request for a person");
    }
}
fn notice(kind: crate::domain::NoticeKind, status: &'static str, departments: &[&str]) -> crate::protocol::NoticeView {
    crate::protocol::NoticeView {
        id: crate::domain::NoticeId(9),
        kind,
        title: "Card payments are failing".into(),
        text: "We are on it.".into(),
        starts_at: ts("2026-11-21T21:00:00Z"),
        ends_at: None,
        departments: departments.iter().map(|d| (*d).into()).collect(),
        status,
    }
}

/// Spec 7.4: the greeting mentions an incident in force in the conversation's department, in the
/// conversation's language; not one announced for later, not maintenance, not another department's,
/// and not one the hub said has ended.
#[test]
fn the_greeting_mentions_an_incident_in_force() {
    use crate::domain::NoticeKind::{Incident, Maintenance};
    let greet = |notices: Vec<(crate::protocol::NoticeView, &'static str)>, lang: Option<&str>| {
        let mut bot = core();
        for (n, state) in notices {
            bot.on_frame(&ServerFrame::Notice { notice: n, state });
        }
        let id = ConversationId(1);
        let out = texts(&bot.on_frame(&ServerFrame::Assigned {
            conversation: view(id, lang, None, None),
            messages: vec![],
            more: false,
        }));
        out[0].clone()
    };
    let g = greet(vec![(notice(Incident, "in_force", &[]), "posted")], None);
    assert!(g.contains("Please note: Card payments are failing."), "{g}");
    let g = greet(vec![(notice(Incident, "in_force", &["support"]), "posted")], Some("de"));
    assert!(g.contains("Bitte beachten Sie: Card payments are failing."), "{g}");
    for (n, state) in [
        (notice(Incident, "announced", &[]), "posted"),
        (notice(Maintenance, "in_force", &[]), "posted"),
        (notice(Incident, "in_force", &["sales"]), "posted"),
        (notice(Incident, "ended", &[]), "ended"),
    ] {
        let g = greet(vec![(n.clone(), state)], None);
        assert!(!g.contains("Card payments"), "{n:?} {state}: {g}");
    }
    // Announced, then started (`updated` in force), then ended.
    let g = greet(
        vec![(notice(Incident, "announced", &[]), "posted"), (notice(Incident, "in_force", &[]), "updated")],
        None,
    );
    assert!(g.contains("Card payments"), "{g}");
    let g = greet(vec![(notice(Incident, "in_force", &[]), "posted"), (notice(Incident, "ended", &[]), "ended")], None);
    assert!(!g.contains("Card payments"), "{g}");
}

/// Spec 7.6: the bot answers from the knowledge-base search it is given (the store's), asking in the
/// conversation's language; no hit is the "nothing found" sentence in that language.
#[test]
fn the_bot_answers_from_the_store_search_in_the_conversations_language() {
    use std::sync::{Arc, Mutex};
    type Asked = Arc<Mutex<Vec<(String, Option<String>)>>>;
    let asked: Asked = Arc::default();
    let log = asked.clone();
    let search: crate::bot::Search = Arc::new(move |q: &str, lang: Option<&str>| {
        log.lock().unwrap().push((q.to_owned(), lang.map(String::from)));
        q.contains("Paket").then(|| ("Wo ist mein Paket".to_owned(), "Pakete kommen in zwei Tagen.".to_owned()))
    });
    let mut bot = core().with_search(search);
    let id = ConversationId(5);
    bot.on_frame(&ServerFrame::Assigned {
        conversation: view(id, Some("de"), None, None),
        messages: vec![],
        more: false,
    });
    let out = texts(&bot.on_frame(&ServerFrame::Message(msg(id, 2, Role::Visitor, "Wo ist mein Paket?"))));
    assert_eq!(out, ["Wo ist mein Paket: Pakete kommen in zwei Tagen."]);
    assert_eq!(asked.lock().unwrap()[0], ("Wo ist mein Paket?".to_owned(), Some("de".to_owned())));
    let out = texts(&bot.on_frame(&ServerFrame::Message(msg(id, 3, Role::Visitor, "Quantenphysik"))));
    assert!(out[0].starts_with("Dazu habe ich in unseren Hilfeartikeln nichts gefunden"), "{out:?}");
}

#[test]
fn the_greeting_names_the_bot_as_the_hub_names_it_for_the_site() {
    let id = ConversationId::random();
    let mut bot = core();
    let mut v = view(id, Some("en"), None, None);
    v.bot = Some(BotRef { name: "Ada from Velo Shop".into() });
    let out = texts(&bot.on_frame(&ServerFrame::Assigned { conversation: v, messages: Vec::new(), more: false }));
    assert!(out[0].starts_with("Hello, I'm Ada from Velo Shop"), "{out:?}");
}
