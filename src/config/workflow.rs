//! The support-workflow keys (spec 7.2, 7.3, 7.6): a department's tier names and topics, and `[sla]`.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use super::{ConfigError, invalid};
use crate::domain::{Priority, Tier};
use crate::routing::sla::parse_duration;

/// `[sla]`: targets per priority and when agents are warned.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaConfig {
    pub first_response: PerPriority,
    pub resolution: PerPriority,
    /// Clocks run only while the conversation's department is open.
    pub business_hours: bool,
    /// Share of a target at which agents are warned.
    pub warn_at: f64,
}

/// Durations by priority, as written: `"90s"`, `"15m"`, `"12h"`, `"5d"`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PerPriority {
    pub urgent: String,
    pub premium: String,
    pub standard: String,
    pub low: String,
}

impl PerPriority {
    fn of(urgent: &str, premium: &str, standard: &str, low: &str) -> PerPriority {
        PerPriority { urgent: urgent.into(), premium: premium.into(), standard: standard.into(), low: low.into() }
    }

    /// Parsed, in `Priority::ALL` order.
    fn parse(&self, key: &str) -> Result<[SignedDuration; 4], ConfigError> {
        let texts =
            [("urgent", &self.urgent), ("premium", &self.premium), ("standard", &self.standard), ("low", &self.low)];
        let mut out = [SignedDuration::ZERO; 4];
        for (i, (name, text)) in texts.iter().enumerate() {
            out[i] = parse_duration(text).map_err(|e| invalid(format!("{key}.{name}"), e))?;
        }
        Ok(out)
    }
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            first_response: PerPriority::of("1h", "12h", "48h", "72h"),
            resolution: PerPriority::of("1d", "5d", "7d", "14d"),
            business_hours: false,
            warn_at: 0.8,
        }
    }
}

/// Service-level targets, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct SlaSettings {
    /// By `Priority as usize`.
    pub first_response: [SignedDuration; 4],
    pub resolution: [SignedDuration; 4],
    pub business_hours: bool,
    pub warn_at: f64,
}

impl SlaSettings {
    pub fn target(&self, clock: crate::routing::sla::SlaClock, priority: Priority) -> SignedDuration {
        match clock {
            crate::routing::sla::SlaClock::FirstResponse => self.first_response[priority as usize],
            crate::routing::sla::SlaClock::Resolution => self.resolution[priority as usize],
        }
    }
}

impl Default for SlaSettings {
    fn default() -> Self {
        SlaConfig::default().check().expect("the default targets are valid")
    }
}

impl SlaConfig {
    pub fn check(&self) -> Result<SlaSettings, ConfigError> {
        if !(self.warn_at > 0.0 && self.warn_at < 1.0) {
            return Err(invalid("sla.warn_at", "must be between 0 and 1 (a share of the target, like 0.8)"));
        }
        Ok(SlaSettings {
            first_response: self.first_response.parse("sla.first_response")?,
            resolution: self.resolution.parse("sla.resolution")?,
            business_hours: self.business_hours,
            warn_at: self.warn_at,
        })
    }
}

/// A topic as configured: `{ key = "billing", label = { en = "Billing", de = "Abrechnung" }, tier = 1 }`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    pub key: String,
    pub label: BTreeMap<String, String>,
    #[serde(default = "first_tier")]
    pub tier: u8,
}

fn first_tier() -> u8 {
    1
}

/// A topic, checked: labels by ISO 639-1 code, and the tier a conversation about it starts at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    pub key: Arc<str>,
    pub labels: BTreeMap<String, String>,
    pub tier: u8,
}

/// Tier names when a department names none.
pub fn default_tiers() -> Vec<Arc<str>> {
    (1..=Tier::MAX).map(|n| Arc::from(format!("Tier {n}"))).collect()
}

/// A department's `tiers` (1 to 3 names) and `topics`, checked.
pub fn check_workflow(
    key: &str,
    tiers: &[String],
    topics: &[TopicConfig],
) -> Result<(Vec<Arc<str>>, Vec<Topic>), ConfigError> {
    let tiers: Vec<Arc<str>> = if tiers.is_empty() {
        default_tiers()
    } else if tiers.len() > usize::from(Tier::MAX) || tiers.iter().any(|t| t.trim().is_empty()) {
        return Err(invalid(format!("{key}.tiers"), format!("1 to {} non-empty names", Tier::MAX)));
    } else {
        tiers.iter().map(|t| Arc::from(t.trim())).collect()
    };
    let mut seen = std::collections::HashSet::new();
    let topics = topics
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let tkey = format!("{key}.topics[{i}]");
            if t.key.trim().is_empty() || !seen.insert(t.key.clone()) {
                return Err(invalid(format!("{tkey}.key"), "must be non-empty and unique"));
            }
            if !(1..=tiers.len() as u8).contains(&t.tier) {
                return Err(invalid(format!("{tkey}.tier"), format!("this department has tiers 1 to {}", tiers.len())));
            }
            if t.label.is_empty() {
                return Err(invalid(format!("{tkey}.label"), "needs at least one language, like { en = \"Billing\" }"));
            }
            if let Some(bad) = t.label.keys().find(|l| crate::domain::Language::parse(l).is_none()) {
                return Err(invalid(format!("{tkey}.label.{bad}"), "not an ISO 639-1 language code"));
            }
            Ok(Topic { key: t.key.as_str().into(), labels: t.label.clone(), tier: t.tier })
        })
        .collect::<Result<_, _>>()?;
    Ok((tiers, topics))
}

impl Topic {
    /// The label in `language`, else English, else the first one.
    pub fn label(&self, language: Option<&str>) -> &str {
        language
            .and_then(|l| self.labels.get(l))
            .or_else(|| self.labels.get("en"))
            .or_else(|| self.labels.values().next())
            .map_or(&*self.key, String::as_str)
    }
}
