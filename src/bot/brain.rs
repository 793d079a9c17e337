//! The bot's behaviour as a pure state machine: a server frame in, the client frames to send out.
//! No IO and no clock, so every rule is testable without a hub; `super::run` only pumps frames.

use std::collections::HashMap;
use std::sync::Arc;

use super::kb::KnowledgeBase;
use super::phrases::{self, Phrases};
use crate::domain::NoticeKind;
use crate::domain::{BotReason, ConversationId, Role, Seq, Status};
use crate::protocol::{ClientFrame, ConversationView, MessageView, NoticeView, ServerFrame};

/// Conversations remembered at most. The hub tells the bot when a conversation leaves it, so this only
/// bounds memory if that notice is ever lost; past it, the least recently active tenth is forgotten
/// (a forgotten conversation is still answered, just in English and without a second greeting).
pub const MAX_TRACKED: usize = 100_000;
/// Longest article excerpt in an answer, in characters: a chat bubble, not a page.
pub const EXCERPT_CHARS: usize = 400;
/// The `reason` of the bot's `handoff` frames.
pub const HANDOFF_REASON: &str = "visitor asked for a person";

/// What the bot knows about one of its conversations. Being in the map means "already greeted".
#[derive(Debug)]
struct Tracked {
    /// The latest view from the hub: language, reason, opening hours. None if it was never seen.
    view: Option<ConversationView>,
    /// Visitor messages up to this seq have been answered (or were answered by someone else).
    answered: Seq,
    /// Logical time of the last activity, for eviction.
    touched: u64,
}

/// Finds the best article for a question in a language: (title, excerpt). The bot asks the store's
/// knowledge-base search (spec 7.6) through it; without one it uses its own `KnowledgeBase`.
pub type Search = Arc<dyn Fn(&str, Option<&str>) -> Option<(String, String)> + Send + Sync>;

/// The built-in bot's brain.
pub struct BotCore {
    name: Arc<str>,
    kb: KnowledgeBase,
    search: Option<Search>,
    convs: HashMap<ConversationId, Tracked>,
    clock: u64,
    /// Status notices not yet ended, as the hub last told (spec 7.4): the greeting mentions an incident.
    notices: Vec<NoticeView>,
    /// The hub answers by email (its welcome says so): when no person can come, the bot offers it.
    email_replies: bool,
}

impl BotCore {
    pub fn new(name: Arc<str>, kb: KnowledgeBase) -> BotCore {
        BotCore { name, kb, search: None, convs: HashMap::new(), clock: 0, notices: Vec::new(), email_replies: false }
    }

    /// Answers from `search` (the store's knowledge base) rather than its own articles.
    pub fn with_search(mut self, search: Search) -> BotCore {
        self.search = Some(search);
        self
    }

    /// The best article for the question: (title, excerpt).
    fn lookup(&self, id: ConversationId, question: &str) -> Option<(String, String)> {
        match &self.search {
            Some(search) => {
                let language = self.view(id).and_then(|v| v.language);
                search(question, language.as_ref().map(|l| l.as_str()))
            }
            None => self.kb.answer(question).map(|a| (a.title.clone(), a.excerpt(EXCERPT_CHARS))),
        }
    }

    /// How many conversations the bot currently remembers.
    pub fn tracked(&self) -> usize {
        self.convs.len()
    }

    /// Reacts to one frame from the hub. Frames are returned in the order they must be sent.
    pub fn on_frame(&mut self, frame: &ServerFrame) -> Vec<ClientFrame> {
        match frame {
            // The hub lists the conversations the bot already has. After a restart of the process they
            // were greeted and answered; after the bot was detached and started again (`super::supervise`),
            // messages may have come meanwhile: what it knows it syncs from where it stopped.
            ServerFrame::BotWelcome(welcome) => {
                let mut syncs = Vec::new();
                for view in &welcome.conversations {
                    match self.convs.get(&view.conversation_id).map(|t| t.answered) {
                        Some(answered) if answered < view.last_seq => {
                            syncs.push(ClientFrame::Sync { conversation_id: view.conversation_id, after_seq: answered })
                        }
                        Some(_) => {}
                        None => self.remember(view.clone(), view.last_seq),
                    }
                }
                self.notices = welcome.notices.clone();
                self.email_replies = welcome.email_replies;
                syncs
            }
            ServerFrame::Notice { notice, state } => {
                self.notices.retain(|n| n.id != notice.id);
                if *state != "ended" {
                    self.notices.push(notice.clone());
                }
                Vec::new()
            }
            ServerFrame::Assigned { conversation, messages, .. } => self.assigned(conversation, messages),
            ServerFrame::Message(m) => self.message(m),
            ServerFrame::Conversation(view) => {
                self.update(view);
                Vec::new()
            }
            ServerFrame::Error { code, message, .. } => {
                // The bot only sends what the hub allows; an error means a race (the conversation just
                // left) or a bug worth seeing in the logs.
                tracing::warn!(?code, message, "the hub refused a frame of the built-in bot");
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn assigned(&mut self, view: &ConversationView, messages: &[MessageView]) -> Vec<ClientFrame> {
        let id = view.conversation_id;
        let answered_before = self.convs.get(&id).map_or(0, |t| t.answered);
        // A bot message in the transcript means this conversation was greeted before the bot lost its
        // memory (a restart of the bot alone), so it is not greeted twice.
        let greeted = self.convs.contains_key(&id) || messages.iter().any(|m| m.from.role == Role::Bot);
        // The visitor's messages since anyone last wrote to them: that is the open question.
        let since_reply = messages.iter().rposition(|m| m.from.role != Role::Visitor).map_or(0, |i| i + 1);
        let pending: Vec<&MessageView> = messages[since_reply..].iter().filter(|m| m.seq > answered_before).collect();
        let last_seq = messages.iter().map(|m| m.seq).max().unwrap_or(0).max(answered_before);
        self.remember(view.clone(), last_seq);

        let mut out = Vec::new();
        if !greeted {
            out.push(message(id, self.greeting(view, pending.is_empty())));
        }
        if !pending.is_empty() {
            let question = pending.iter().map(|m| &*m.text).collect::<Vec<_>>().join("\n");
            out.extend(self.reply(id, &question));
        }
        out
    }

    fn message(&mut self, m: &MessageView) -> Vec<ClientFrame> {
        // Never answer itself or an agent: only visitors ask.
        if m.from.role != Role::Visitor {
            return Vec::new();
        }
        self.clock += 1;
        let clock = self.clock;
        // The hub only sends the bot messages of conversations it holds, so an unknown one (forgotten
        // under memory pressure) is still answered rather than left in silence.
        let t = self.convs.entry(m.conversation_id).or_insert(Tracked { view: None, answered: 0, touched: clock });
        t.touched = clock;
        // The same message may arrive both in an `assigned` transcript and live: answer it once.
        if m.seq <= t.answered {
            return Vec::new();
        }
        t.answered = m.seq;
        self.evict_if_full();
        self.reply(m.conversation_id, &m.text)
    }

    fn update(&mut self, view: &ConversationView) {
        let id = view.conversation_id;
        // When a conversation leaves the bot the hub may report it before its new status is set (still
        // `bot`, but with no bot), so both mean: no longer ours.
        if view.status != Status::Bot || view.bot.is_none() {
            self.convs.remove(&id);
        } else if let Some(t) = self.convs.get_mut(&id) {
            t.view = Some(view.clone());
        }
    }

    fn remember(&mut self, view: ConversationView, answered: Seq) {
        self.clock += 1;
        let t = Tracked { view: Some(view.clone()), answered, touched: self.clock };
        self.convs.insert(view.conversation_id, t);
        self.evict_if_full();
    }

    /// Forgets the least recently active tenth at once, so that eviction is rare and its cost shared.
    fn evict_if_full(&mut self) {
        if self.convs.len() <= MAX_TRACKED {
            return;
        }
        let mut times: Vec<u64> = self.convs.values().map(|t| t.touched).collect();
        let cut = times.len() / 10;
        let (_, &mut threshold, _) = times.select_nth_unstable(cut);
        self.convs.retain(|_, t| t.touched > threshold);
    }

    fn phrases(&self, id: ConversationId) -> &'static Phrases {
        let language = self.view(id).and_then(|v| v.language);
        phrases::for_code(language.as_ref().map(|l| l.as_str()))
    }

    fn view(&self, id: ConversationId) -> Option<&ConversationView> {
        self.convs.get(&id).and_then(|t| t.view.as_ref())
    }

    /// The name the hub gives the bot in this conversation (its site's `bot_name`), else its own.
    fn name_in<'a>(&'a self, view: &'a ConversationView) -> &'a str {
        view.bot.as_ref().map_or(&*self.name, |b| &*b.name)
    }

    /// Hello, the ticket, and when (or on what condition) a person can help.
    fn greeting(&self, view: &ConversationView, ask: bool) -> String {
        let p = self.phrases(view.conversation_id);
        let ticket = view.ticket.to_string();
        let mut parts = vec![
            phrases::fill(p.greeting, &[("bot", self.name_in(view))]),
            phrases::fill(p.ticket, &[("ticket", &ticket)]),
        ];
        match view.reason {
            Some(BotReason::Closed) => parts.push(closed_phrase(p, view)),
            Some(BotReason::Language) => parts.push(p.language.to_owned()),
            Some(BotReason::Unverified) => parts.push(p.unverified.to_owned()),
            None => {}
        }
        if let Some(incident) = self.incident(&view.department) {
            parts.push(phrases::fill(p.incident, &[("title", incident.title.trim_end_matches('.'))]));
        }
        if ask {
            parts.push(p.ask.to_owned());
        }
        parts.join(" ")
    }

    /// An incident in force in this department, if any (the first the hub told of).
    fn incident(&self, department: &str) -> Option<&NoticeView> {
        self.notices.iter().find(|n| {
            n.kind == NoticeKind::Incident
                && n.status == "in_force"
                && (n.departments.is_empty() || n.departments.iter().any(|d| d.as_ref() == department))
        })
    }

    /// The answer to what the visitor wrote: a handoff, an article, or the way to reach a person.
    fn reply(&self, id: ConversationId, text: &str) -> Vec<ClientFrame> {
        let p = self.phrases(id);
        if phrases::asks_for_person(text) {
            let mut answer = p.handoff.to_owned();
            match self.view(id) {
                // Handing off still marks the request (it is served when a speaker joins), but the
                // visitor is told the truth: nobody can take it in this language now.
                Some(v) if v.reason == Some(BotReason::Language) => answer = p.uncovered.to_owned(),
                Some(v) if v.reason == Some(BotReason::Unverified) => answer = format!("{answer} {}", p.unverified),
                Some(v) if !v.department_open => answer = format!("{answer} {}", closed_phrase(p, v)),
                _ => {}
            }
            // Nobody can come now (no speaker of the language, or the team is away): a reply by email
            // under the ticket is what is real, where the hub sends email.
            let nobody_now = self.view(id).is_some_and(|v| v.reason == Some(BotReason::Language) || !v.department_open);
            if self.email_replies && nobody_now {
                answer = format!("{answer} {}", p.email);
            }
            // The message goes first: once the hub has the handoff the conversation may leave the bot at
            // once, and the bot could no longer write in it.
            return vec![
                message(id, answer),
                ClientFrame::Handoff { conversation_id: id, reason: Some(HANDOFF_REASON.into()) },
            ];
        }
        let text = match self.lookup(id, text) {
            Some((title, excerpt)) => format!("{title}: {excerpt}"),
            None => p.no_answer.to_owned(),
        };
        vec![message(id, text)]
    }
}

/// "Back from <time>", or just "not available" when the department has no next opening.
fn closed_phrase(p: &Phrases, view: &ConversationView) -> String {
    match view.next_change {
        Some(at) => phrases::fill(p.closed_until, &[("time", &format_time(at))]),
        None => p.closed.to_owned(),
    }
}

/// "2026-11-23 09:00 UTC": unambiguous in every language, no locale data needed.
pub fn format_time(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A bot message with a fresh `client_msg_id`, so that a resend would be idempotent.
fn message(id: ConversationId, text: String) -> ClientFrame {
    ClientFrame::Message {
        topic: None,
        conversation_id: Some(id),
        client_msg_id: Some(format!("bot-{:016x}", rand::random::<u64>()).into()),
        text: text.into(),
    }
}
