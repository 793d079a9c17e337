//! Routing rules (spec 5): language, the bot queue, priority order, opening hours, and handoff.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn german_text_goes_to_the_german_speaking_agent() {
    let server = Server::start(CONFIG_247);
    // The English-only agent connects first, so it would win a tie (idle longest) if language were ignored.
    let (_, mut eve) = server.online_agent("Eve", &["en"], 3).await;
    let (dora, mut dora_ws) = server.online_agent("Dora", &["en", "de"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({"locale": "en-US"})).await;

    visitor.send(message("c1", GERMAN)).await;
    let ack = visitor.recv_ack("c1").await;
    let assigned = visitor.recv_status("assigned").await;
    assert_eq!(assigned["language"], "de", "{assigned}");
    assert_eq!(assigned["agent"]["name"], "Dora", "{assigned}");

    let got = dora_ws.recv_type("assigned").await;
    assert_eq!(got["conversation"]["conversation_id"], ack["conversation_id"]);
    assert_eq!(got["conversation"]["agent"]["id"], dora.id.as_str());
    // Eve never got it: everything she received up to a pong is queue bookkeeping.
    let eve_frames = eve.ping_pong().await;
    assert!(eve_frames.iter().all(|v| v["type"] == "queue"), "Eve got: {eve_frames:?}");
}

#[tokio::test]
async fn uncovered_language_goes_to_the_bot_with_low_priority_and_the_bot_answers() {
    let server = Server::start(CONFIG_247);
    let (_, mut eve) = server.online_agent("Eve", &["en"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({"locale": "en-US"})).await;

    visitor.send(message("c1", FINNISH)).await;
    visitor.recv_ack("c1").await;
    let conv = visitor.recv_status("bot").await;
    assert_eq!(conv["language"], "fi", "{conv}");
    assert_eq!(conv["priority"], "low", "{conv}");
    assert_eq!(conv["reason"], "language", "{conv}");
    let bot_says = visitor.recv_type("message").await;
    assert_eq!(bot_says["from"]["role"], "bot", "{bot_says}");
    assert!(bot_says["from"]["name"].is_string(), "{bot_says}");
    assert_eq!(bot_says["seq"], 2);

    let eve_frames = eve.ping_pong().await;
    assert!(eve_frames.iter().all(|v| v["type"] == "queue"), "Eve got: {eve_frames:?}");
}

#[tokio::test]
async fn premium_is_served_before_an_earlier_standard_chat() {
    let server = Server::start(CONFIG_247);
    let anna = server.create_agent("Anna", &["en"], 1).await;

    let (mut standard, welcome) = server.visitor_connect(json!({})).await;
    assert_eq!(welcome["plan"], "standard");
    let (std_ack, std_conv) = open_conversation(&mut standard, ENGLISH).await;
    assert_eq!(std_conv["status"], "queued", "{std_conv}");
    assert_eq!(std_conv["priority"], "standard");
    assert_eq!(std_conv["queue_position"], 1, "{std_conv}");

    let token = identity("user-p", "p@example.com", "premium");
    let (mut premium, welcome) = server.visitor_connect(json!({"identity": token})).await;
    assert_eq!((welcome["verified"].clone(), welcome["plan"].clone()), (json!(true), json!("premium")), "{welcome}");
    let (prem_ack, prem_conv) = open_conversation(&mut premium, ENGLISH).await;
    assert_eq!(prem_conv["status"], "queued", "{prem_conv}");
    assert_eq!(prem_conv["priority"], "premium");
    assert_eq!(prem_conv["queue_position"], 1, "premium goes ahead: {prem_conv}");
    let moved = standard.recv_until("standard moved back", |v| v["type"] == "conversation").await;
    assert_eq!(moved["queue_position"], 2, "{moved}");

    let token = server.login(&anna.email, PASSWORD).await;
    let mut agent = server.agent_connect(&token).await;
    let queue = agent.recv_type("queue").await;
    let order: Vec<_> = queue["waiting"].as_array().unwrap().iter().map(|w| w["conversation_id"].clone()).collect();
    assert_eq!(order, vec![prem_ack["conversation_id"].clone(), std_ack["conversation_id"].clone()], "{queue}");
    assert_eq!(queue["waiting"][0]["priority"], "premium");

    let assigned = agent.recv_type("assigned").await;
    assert_eq!(assigned["conversation"]["conversation_id"], prem_ack["conversation_id"], "premium first: {assigned}");
    premium.recv_status("assigned").await;
    let still = standard.recv_until("standard at the head", |v| v["type"] == "conversation").await;
    assert_eq!((still["status"].clone(), still["queue_position"].clone()), (json!("queued"), json!(1)), "{still}");
    // max_chats 1: the standard chat is not assigned as well.
    let frames = agent.ping_pong().await;
    assert!(frames.iter().all(|v| v["type"] != "assigned"), "{frames:?}");
}

#[tokio::test]
async fn closed_department_sends_the_chat_to_the_bot_and_says_when_it_opens() {
    let server = Server::start(&config_closed_now());
    let (_, mut eve) = server.online_agent("Eve", &["en"], 3).await;
    let (mut visitor, welcome) = server.visitor_connect(json!({})).await;
    assert_eq!(welcome["department"]["name"], "support", "{welcome}");
    assert_eq!(welcome["department"]["open"], false, "{welcome}");
    let next: jiff::Timestamp = s(&welcome["department"]["next_change"]).parse().expect("next_change is RFC 3339");
    assert!(next > jiff::Timestamp::now(), "{welcome}");

    visitor.send(message("c1", ENGLISH)).await;
    visitor.recv_ack("c1").await;
    let conv = visitor.recv_status("bot").await;
    assert_eq!(conv["reason"], "closed", "{conv}");
    assert_eq!(conv["priority"], "standard", "closing alone keeps the priority: {conv}");
    assert_eq!(conv["department_open"], false);
    let bot_says = visitor.recv_type("message").await;
    assert_eq!(bot_says["from"]["role"], "bot", "{bot_says}");

    let eve_frames = eve.ping_pong().await;
    assert!(eve_frames.iter().all(|v| v["type"] == "queue"), "Eve got: {eve_frames:?}");
}

/// `first` if it has this status, else the next conversation frame that has it.
async fn until_status(visitor: &mut Client, first: serde_json::Value, status: &str) -> serde_json::Value {
    if first["status"] == status { first } else { visitor.recv_status(status).await }
}

const NO_BUILTIN_BOT: &str = "\n[bot]\nbuiltin = false\n";

#[tokio::test]
async fn bot_handoff_of_an_uncovered_language_waits_for_a_speaker_of_it() {
    let server = Server::start(&format!("{CONFIG_247}{NO_BUILTIN_BOT}"));
    let (_, _eve) = server.online_agent("Eve", &["en"], 3).await;
    let (_, bot_token) = server.create_bot("Helper").await;
    let mut bot = server.bot_connect(&bot_token).await;
    let (mut visitor, _) = server.visitor_connect(json!({})).await;

    let (ack, first) = open_conversation(&mut visitor, FINNISH).await;
    let conv_id = s(&ack["conversation_id"]);
    let with_bot = until_status(&mut visitor, first, "bot").await;
    assert_eq!(with_bot["reason"], "language", "{with_bot}");
    assert_eq!(with_bot["bot"]["name"], "Helper", "{with_bot}");
    let assigned = bot.recv_type("assigned").await;
    assert_eq!(assigned["conversation"]["conversation_id"], conv_id.as_str());
    assert_eq!(assigned["messages"][0]["text"], FINNISH);

    bot.send(agent_message(&conv_id, "b1", "Hetkinen, etsin sinulle ihmisen.")).await;
    assert_eq!(bot.recv_ack("b1").await["seq"], 2);
    let m = visitor.recv_type("message").await;
    assert_eq!((m["from"]["role"].clone(), m["from"]["name"].clone()), (json!("bot"), json!("Helper")), "{m}");

    bot.send(json!({"type": "handoff", "conversation_id": conv_id, "reason": "visitor asked", "ref": "h"})).await;
    bot.recv_until("ack of handoff", |v| v["type"] == "ack" && v["ref"] == "h").await;
    // No one speaks Finnish: it stays with the bot, marked as waiting for a human.
    let stored = server.ticket(&s(&assigned["conversation"]["ticket"])).await;
    assert_eq!(stored["status"], "bot", "{stored}");
    assert_eq!(stored["handoff_requested"], true, "{stored}");

    let (fia, mut fia_ws) = server.online_agent("Fia", &["fi", "en"], 3).await;
    let got = fia_ws.recv_type("assigned").await;
    assert_eq!(got["conversation"]["conversation_id"], conv_id.as_str(), "{got}");
    assert_eq!(got["conversation"]["agent"]["id"], fia.id.as_str());
    // The visitor's message, the bot's answer, and the `queued` line of the handoff.
    assert_eq!(got["messages"].as_array().unwrap().len(), 3, "the whole transcript: {got}");
    assert_eq!(got["messages"][2]["event"], "queued", "{got}");
    let now = visitor.recv_status("assigned").await;
    assert_eq!(now["agent"]["name"], "Fia", "{now}");
    let left = bot.seen_or_recv("the bot hears it left", |v| v["type"] == "conversation" && v["status"] != "bot").await;
    assert_eq!(left["conversation_id"], conv_id.as_str());
}

// A handoff while closed entering the queue when the department opens (spec 5.6) is tested at the hub's
// pure boundary with an explicit clock (src/hub/tests/rules.rs, rule 6), and the runner waking for the
// opening in src/hub/runner.rs: neither waits in real time.

#[tokio::test]
async fn away_agent_takes_no_new_chats_until_back_online() {
    let server = Server::start(CONFIG_247);
    let (_, mut anna) = server.online_agent("Anna", &["en"], 3).await;
    anna.send(json!({"type": "availability", "status": "away", "ref": "a"})).await;
    anna.recv_until("ack of away", |v| v["type"] == "ack" && v["ref"] == "a").await;

    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, conv) = open_conversation(&mut visitor, ENGLISH).await;
    assert_eq!(conv["status"], "queued", "{conv}");
    let queue =
        anna.recv_until("the queue with the chat", |v| v["type"] == "queue" && v["waiting"][0].is_object()).await;
    assert_eq!(queue["waiting"][0]["conversation_id"], ack["conversation_id"], "{queue}");
    assert!(anna.skipped.iter().all(|v| v["type"] != "assigned"), "{:?}", anna.skipped);

    anna.send(json!({"type": "availability", "status": "online"})).await;
    let assigned = anna.recv_type("assigned").await;
    assert_eq!(assigned["conversation"]["conversation_id"], ack["conversation_id"]);
    visitor.recv_status("assigned").await;
}

#[tokio::test]
async fn urgent_goes_ahead_of_premium() {
    let server = Server::start(CONFIG_247);
    server.create_agent("Anna", &["en"], 1).await;
    let (mut premium, _) = server.visitor_connect(json!({"identity": identity("p", "p@example.com", "premium")})).await;
    let (_, p) = open_conversation(&mut premium, ENGLISH).await;
    assert_eq!((p["priority"].clone(), p["queue_position"].clone()), (json!("premium"), json!(1)), "{p}");
    let mut urgent_claims = claims("u", "u@example.com", "premium", true);
    urgent_claims["urgent"] = json!(true);
    let token = sign_identity(SITE_SECRET, &urgent_claims);
    let (mut urgent, _) = server.visitor_connect(json!({"identity": token})).await;
    let (_, u) = open_conversation(&mut urgent, ENGLISH).await;
    assert_eq!((u["priority"].clone(), u["queue_position"].clone()), (json!("urgent"), json!(1)), "{u}");
    let moved = premium.recv_type("conversation").await;
    assert_eq!(moved["queue_position"], 2, "{moved}");
}

#[tokio::test]
async fn transfer_to_a_colleague_and_escalate_to_tier_2() {
    let server = Server::start(CONFIG_247);
    let (_, mut anna_ws) = server.online_agent("Anna", &["en"], 3).await;
    let (bob, mut bob_ws) = server.online_agent("Bob", &["en"], 3).await;
    let mia = json!({"email": "mia@agents.test", "name": "Mia", "password": PASSWORD, "languages": ["en"],
                     "tier": 2, "max_chats": 3, "departments": ["support"]});
    let (status, mia) = server.post("/api/admin/agents", server.admin(), mia).await;
    assert_eq!(status, 201, "{mia}");
    let mut mia_ws = server.agent_connect(&server.login("mia@agents.test", PASSWORD).await).await;

    let (mut visitor, _) = server.visitor_connect(json!({})).await;
    let (ack, _) = open_conversation(&mut visitor, ENGLISH).await;
    let conv_id = s(&ack["conversation_id"]);
    // Anna connected first (idle longest), so she has it; Mia is tier 2 and takes no tier-1 chat.
    let got = anna_ws.recv_type("assigned").await;
    assert_eq!(got["conversation"]["conversation_id"], conv_id.as_str());

    anna_ws.send(json!({"type": "transfer", "conversation_id": conv_id, "to_agent": bob.id, "ref": "t"})).await;
    anna_ws.recv_until("ack of transfer", |v| v["type"] == "ack" && v["ref"] == "t").await;
    let to_bob = bob_ws.recv_type("assigned").await;
    assert_eq!(to_bob["conversation"]["conversation_id"], conv_id.as_str());
    assert_eq!(to_bob["messages"].as_array().unwrap().len(), 2, "with the transcript: {to_bob}");
    let left = anna_ws.seen_or_recv("Anna hears it left", |v| v["type"] == "conversation").await;
    assert_eq!(left["agent"]["id"], bob.id.as_str(), "{left}");
    let seen = visitor.recv_until("now with Bob", |v| v["type"] == "conversation" && v["agent"]["name"] == "Bob").await;
    assert_eq!(seen["status"], "assigned");
    let passed = visitor.recv_system("transferred").await;
    assert_eq!(passed["text"], "Your chat has been passed to Bob.", "{passed}");
    anna_ws.send(agent_message(&conv_id, "late", "Anna again")).await;
    let refused = anna_ws.recv_type("error").await;
    assert_eq!(refused["code"], "forbidden", "the previous agent may no longer write: {refused}");

    bob_ws.send(json!({"type": "transfer", "conversation_id": conv_id, "tier": 2, "ref": "up"})).await;
    bob_ws.recv_until("ack of escalation", |v| v["type"] == "ack" && v["ref"] == "up").await;
    let to_mia = mia_ws.recv_type("assigned").await;
    assert_eq!(to_mia["conversation"]["conversation_id"], conv_id.as_str());
    assert_eq!(to_mia["conversation"]["tier"], 2, "{to_mia}");
    assert_eq!(to_mia["conversation"]["agent"]["id"], mia["id"]);
    assert_eq!(to_mia["conversation"]["tier_name"], "Tier 2", "{to_mia}");
    let up = visitor.recv_system("escalated").await;
    assert_eq!(up["tier"], 2, "{up}");
    let told =
        visitor.seen_or_recv("the visitor sees the tier", |v| v["type"] == "conversation" && v["tier"] == 2).await;
    assert_eq!(told["tier_name"], "Tier 2", "{told}");

    // Escalation goes up only.
    mia_ws.send(json!({"type": "transfer", "conversation_id": conv_id, "tier": 2, "ref": "same"})).await;
    let refused = mia_ws.recv_until("answer to a same-tier escalation", |v| v["ref"] == "same").await;
    assert_eq!(refused["code"], "bad_request", "{refused}");
    let ticket = server.ticket(&s(&to_mia["conversation"]["ticket"])).await;
    let what: Vec<Value> = ticket["history"].as_array().unwrap().iter().map(|h| h["what"].clone()).collect();
    let expected = ["queued", "assigned", "transferred", "escalated", "assigned"].map(|w| json!(w));
    assert_eq!(what, expected, "{ticket}");
    let by: Vec<Value> = ticket["history"].as_array().unwrap().iter().map(|h| h["by"]["role"].clone()).collect();
    assert_eq!(by, ["visitor", "system", "agent", "agent", "system"].map(|r| json!(r)), "{ticket}");
    assert_eq!(ticket["history"][3]["by"]["id"], bob.id.as_str(), "Bob escalated it: {ticket}");
    assert_eq!(ticket["tier_name"], "Tier 2");
}

/// Issue 19: a short German message from an en-US browser reaches the German speaker, and the agent sees
/// how the language was decided.
#[tokio::test]
async fn a_short_german_message_from_an_en_us_browser_reaches_the_german_agent() {
    let server = Server::start(CONFIG_247);
    let (_, _anna) = server.online_agent("Anna", &["en"], 3).await;
    let (greta, mut greta_ws) = server.online_agent("Greta", &["de"], 3).await;
    let (mut visitor, _) = server.visitor_connect(json!({"locale": "en-US"})).await;
    let (ack, _) = open_conversation(&mut visitor, "Mein Konto wurde gehackt, bitte helfen Sie mir").await;
    let got = greta_ws.recv_type("assigned").await;
    assert_eq!(got["conversation"]["conversation_id"], ack["conversation_id"], "{got}");
    assert_eq!(got["conversation"]["agent"]["id"], greta.id.as_str());
    assert_eq!(
        (got["conversation"]["language"].clone(), got["conversation"]["language_source"].clone()),
        (json!("de"), json!("text"))
    );
    let ticket = server.ticket(&s(&got["conversation"]["ticket"])).await;
    assert_eq!(ticket["language_source"], "text", "{ticket}");
    let (_, metrics) = http_text(&server.addr, "GET", "/metrics", None, None).await;
    assert!(metrics.contains("switchboard_language_decisions_total{source=\"text\"}"), "{metrics}");
}
