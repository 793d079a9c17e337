//! `--demo`: agents, articles and a page to try Switchboard at once.

use std::net::SocketAddr;

use crate::config::Config;
use crate::domain::Language;
use crate::hub::{AdminCommand, AdminError, HubHandle, NewAgent};
use crate::passwords::Passwords;

/// The demo's agents: (email, name, languages, tier). Every password is `demo`.
pub const DEMO_AGENTS: &[(&str, &str, &[&str], u8)] = &[
    ("anna@demo.test", "Anna", &["en", "de"], 1),
    ("carlos@demo.test", "Carlos", &["en", "es"], 1),
    ("mia@demo.test", "Mia", &["en", "fr"], 2),
];
pub const DEMO_PASSWORD: &str = "demo";

/// Creates what is missing of the demo (agents, knowledge-base articles); keeps what exists.
pub async fn seed(hub: &HubHandle, passwords: &Passwords, config: &Config) -> anyhow::Result<()> {
    let hash = passwords.hash(DEMO_PASSWORD.to_string()).await?;
    for (email, name, langs, tier) in DEMO_AGENTS {
        let new = NewAgent {
            email: email.to_string(),
            name: name.to_string(),
            password_hash: hash.clone(),
            languages: langs.iter().filter_map(|l| Language::parse(l)).collect(),
            tier: *tier,
            max_chats: 3,
            departments: vec![],
        };
        match hub.admin(|r| AdminCommand::CreateAgent(new, r)).await? {
            Ok(_) | Err(AdminError::Conflict(_)) => {}
            Err(e) => anyhow::bail!("creating demo agent {email}: {e}"),
        }
    }
    let dir = config.knowledge_base_dir();
    std::fs::create_dir_all(&dir)?;
    for (file, text) in crate::bot::kb::demo_articles() {
        let path = dir.join(file);
        if !path.exists() {
            std::fs::write(path, text)?;
        }
    }
    Ok(())
}

pub fn print_welcome(addr: SocketAddr) {
    crate::console::say(format_args!(
        "Demo mode. Open http://{addr}/ to chat as a visitor, and http://{addr}/agent in another window to answer."
    ));
    for (email, name, langs, tier) in DEMO_AGENTS {
        crate::console::say(format_args!(
            "  agent {name:<7} {email:<18} password {DEMO_PASSWORD}  languages {}  tier {tier}",
            langs.join(",")
        ));
    }
    crate::console::say(format_args!(
        "  bot   the built-in bot answers the bot queue (closed hours, uncovered languages) from the demo articles"
    ));
}
