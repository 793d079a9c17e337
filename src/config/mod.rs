//! Configuration: defaults < TOML file < `SWITCHBOARD_` environment < command line, layered with figment,
//! then checked as a whole so that a bad file is refused at start with the key and the reason.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::routing::hours::{HoursSpec, Schedule};

mod cluster;
mod email;
mod limits;
mod sites;
mod workflow;
pub use cluster::ClusterConfig;
pub use email::{EmailConfig, EmailPolicy, EmailSettings, SmtpSettings};
pub use limits::Limits;
pub use workflow::{SlaConfig, SlaSettings, Topic, TopicConfig, default_tiers};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default)]
    pub admin_token: Option<String>,
    /// Create demo agents, a bot and articles; serve the demo page.
    #[serde(default)]
    pub demo: bool,
    #[serde(default)]
    pub identity: IdentityConfig,
    #[serde(default)]
    pub sites: Vec<SiteConfig>,
    #[serde(default)]
    pub departments: Vec<DepartmentConfig>,
    #[serde(default)]
    pub bot: BotConfig,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub sla: SlaConfig,
    /// `[email]` (spec 7.6): off unless `smtp_url` is set.
    #[serde(default)]
    pub email: EmailConfig,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` names the client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// `"text"` (colours only on a terminal) or `"json"` (one object per line).
    #[serde(default)]
    pub log_format: LogFormat,
    /// Cluster mode (spec 6): unset, one node on the embedded store.
    #[serde(default)]
    pub cluster: ClusterConfig,
}

/// How the process writes its log to stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// Visitors without a verified identity get the bot only.
    #[serde(default)]
    pub require_verified: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub key: String,
    /// HS256 key for identity tokens; a site without one accepts none.
    #[serde(default)]
    pub secret: Option<String>,
    /// Empty: any Origin.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// How the widget looks and greets on this site (the embed snippet may override each key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<WidgetTheme>,
    /// The bot's name in this site's conversations (1 to 40 characters); none: `[bot] name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_name: Option<String>,
}

/// `[sites.widget]`: the widget's look and first words on one site, sent in the visitor's welcome.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WidgetTheme {
    /// Accent colour, `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// The panel's title (at most 60 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `"right"` (default) or `"left"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// The first line before a chat starts (at most 200 characters), instead of the widget's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum HoursConfig {
    /// Only `"24/7"` is accepted.
    Text(String),
    Weekly(BTreeMap<String, String>),
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentConfig {
    pub name: String,
    #[serde(default = "default_timezone")]
    pub timezone: String,
    pub hours: HoursConfig,
    #[serde(default)]
    pub holidays: Vec<String>,
    /// The usual time to a first reply, in minutes, that the widget promises before a chat starts.
    #[serde(default)]
    pub reply_minutes: Option<u32>,
    /// Names of the escalation tiers, lowest first (default "Tier 1" to "Tier 3").
    #[serde(default)]
    pub tiers: Vec<String>,
    /// What the widget asks the visitor before the first message.
    #[serde(default)]
    pub topics: Vec<TopicConfig>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BotConfig {
    /// Run the built-in bot on the bot queue.
    #[serde(default = "yes")]
    pub builtin: bool,
    #[serde(default = "default_bot_name")]
    pub name: String,
    /// Folder of markdown articles the built-in bot answers from (default: `<data_dir>/kb`).
    #[serde(default)]
    pub knowledge_base: Option<PathBuf>,
}

impl Default for BotConfig {
    fn default() -> Self {
        BotConfig { builtin: true, name: default_bot_name(), knowledge_base: None }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_data_dir() -> PathBuf {
    PathBuf::from("./data")
}
fn default_timezone() -> String {
    "Etc/GMT".into()
}
fn default_bot_name() -> String {
    "Switchboard Bot".into()
}
fn yes() -> bool {
    true
}

/// A refused configuration: which key, and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
    #[error("configuration key `{key}`: {reason}")]
    Invalid { key: String, reason: String },
}

fn invalid(key: impl Into<String>, reason: impl ToString) -> ConfigError {
    ConfigError::Invalid { key: key.into(), reason: reason.to_string() }
}

/// Top-level keys that may come from the environment.
const ENV_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "admin_token",
    "demo",
    "identity",
    "sites",
    "departments",
    "bot",
    "limits",
    "sla",
    "email",
    "trusted_proxies",
    "log_format",
    "cluster",
];

/// Command-line values that override everything else.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
    /// `--redis-url`, `--node-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterOverrides>,
}

/// Cluster options given on the command line.
#[derive(Debug, Default, Serialize)]
pub struct ClusterOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redis_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
}

/// A department with its parsed schedule, tier names and topics.
#[derive(Clone, Debug)]
pub struct Department {
    pub name: std::sync::Arc<str>,
    pub schedule: Schedule,
    /// Tier names, tier 1 first.
    pub tiers: Vec<std::sync::Arc<str>>,
    pub topics: Vec<Topic>,
    /// The usual time to a first reply, in minutes (`reply_minutes`), for the widget's greeting.
    pub reply_minutes: Option<u32>,
}

impl Department {
    /// A department with the default tiers and no topics.
    pub fn new(name: &str, schedule: Schedule) -> Department {
        Department { name: name.into(), schedule, tiers: default_tiers(), topics: Vec::new(), reply_minutes: None }
    }

    /// The name of tier `n`, if the department has it.
    pub fn tier_name(&self, n: u8) -> Option<&std::sync::Arc<str>> {
        self.tiers.get(usize::from(n).checked_sub(1)?)
    }
}

impl Config {
    /// Where the built-in bot's knowledge base is read from: `bot.knowledge_base`, else `kb` in the data dir.
    pub fn knowledge_base_dir(&self) -> std::path::PathBuf {
        self.bot.knowledge_base.clone().unwrap_or_else(|| self.data_dir.join("kb"))
    }

    /// Loads and checks the layered configuration.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Config, ConfigError> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            if !file.exists() {
                return Err(invalid("--config", format!("{} does not exist", file.display())));
            }
            figment = figment.merge(Toml::file(file));
        }
        let figment = figment
            .merge(Env::prefixed("SWITCHBOARD_").split("__").lowercase(true).filter(|k| {
                // Other tools share the prefix (SWITCHBOARD_BIN in tests); only config keys are read.
                let top = k.as_str().split('.').next().unwrap_or_default().to_ascii_lowercase();
                ENV_KEYS.contains(&top.as_str())
            }))
            .merge(Serialized::defaults(overrides));
        Config::checked(figment)
    }

    /// A configuration from TOML text alone (no environment, no command line), checked as `load` checks
    /// a file: what the config fuzz target drives.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Config::checked(Figment::new().merge(Toml::string(text)))
    }

    fn checked(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(Box::new)?;
        config.departments()?;
        config.sla.check()?;
        config.email.check()?;
        config.check_sites()?;
        config.check_limits()?;
        config.trusted_proxies()?;
        config.cluster.check()?;
        Ok(config)
    }

    /// `trusted_proxies`, parsed.
    pub fn trusted_proxies(&self) -> Result<Vec<crate::net::Net>, ConfigError> {
        let parse = |(i, s): (usize, &String)| s.parse().map_err(|e| invalid(format!("trusted_proxies[{i}]"), e));
        self.trusted_proxies.iter().enumerate().map(parse).collect()
    }

    /// The configured departments, or the default `support`, open 09:00-18:00 Monday to Friday, GMT
    /// (around the clock in demo mode, so that a newcomer always reaches a person).
    pub fn departments(&self) -> Result<Vec<Department>, ConfigError> {
        if self.departments.is_empty() {
            let schedule = if self.demo {
                Schedule::always_open()
            } else {
                let weekdays = ["mon", "tue", "wed", "thu", "fri"];
                let hours = weekdays.iter().map(|d| (d.to_string(), "09:00-18:00".to_string())).collect();
                Schedule::new("Etc/GMT", &HoursSpec::Weekly(hours), &[]).map_err(|e| invalid("departments", e))?
            };
            return Ok(vec![Department::new("support", schedule)]);
        }
        let mut seen = std::collections::HashSet::new();
        self.departments
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let key = format!("departments[{i}]");
                if d.name.trim().is_empty() {
                    return Err(invalid(format!("{key}.name"), "must not be empty"));
                }
                if !seen.insert(d.name.clone()) {
                    return Err(invalid(format!("{key}.name"), format!("duplicate department \"{}\"", d.name)));
                }
                let hours = match &d.hours {
                    HoursConfig::Text(t) if t == "24/7" => HoursSpec::Always,
                    HoursConfig::Text(t) => {
                        return Err(invalid(
                            format!("{key}.hours"),
                            format!("\"{t}\": expected \"24/7\" or a table of days"),
                        ));
                    }
                    HoursConfig::Weekly(days) => HoursSpec::Weekly(days.clone()),
                };
                let schedule = Schedule::new(&d.timezone, &hours, &d.holidays)
                    .map_err(|e| invalid(format!("{key} ({})", d.name), e))?;
                let (tiers, topics) = workflow::check_workflow(&key, &d.tiers, &d.topics)?;
                if d.reply_minutes.is_some_and(|m| m == 0 || m > 60 * 24 * 14) {
                    return Err(invalid(format!("{key}.reply_minutes"), "must be 1 to 20160 (14 days)"));
                }
                let reply_minutes = d.reply_minutes;
                Ok(Department { name: d.name.as_str().into(), schedule, tiers, topics, reply_minutes })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
