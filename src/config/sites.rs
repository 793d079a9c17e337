//! `[[sites]]`: the default site, and each configured site checked naming the key.

use super::{Config, ConfigError, SiteConfig, invalid};

impl Config {
    /// The configured sites, or the default one that accepts no identity tokens (in demo mode it
    /// accepts tokens signed with `demo-site-secret`, so that they can be tried).
    pub fn sites(&self) -> Vec<SiteConfig> {
        if !self.sites.is_empty() {
            return self.sites.clone();
        }
        let secret = self.demo.then(|| "demo-site-secret".to_string());
        vec![SiteConfig { key: "default".into(), secret, allowed_origins: vec![], widget: None, bot_name: None }]
    }

    pub(super) fn check_sites(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        for (i, s) in self.sites.iter().enumerate() {
            if !seen.insert(&s.key) {
                return Err(invalid(format!("sites[{i}].key"), format!("duplicate site \"{}\"", s.key)));
            }
            if s.secret.as_deref().is_some_and(|x| x.len() < 16) {
                return Err(invalid(format!("sites[{i}].secret"), "must be at least 16 bytes"));
            }
            if s.bot_name.as_deref().is_some_and(|n| n.trim().is_empty() || n.chars().count() > 40) {
                return Err(invalid(format!("sites[{i}].bot_name"), "must be 1 to 40 characters"));
            }
            if let Some(w) = &s.widget {
                let key = |k: &str| format!("sites[{i}].widget.{k}");
                let hex = |c: &str| {
                    (c.len() == 4 || c.len() == 7)
                        && c.starts_with('#')
                        && c[1..].chars().all(|x| x.is_ascii_hexdigit())
                };
                if w.accent.as_deref().is_some_and(|c| !hex(c)) {
                    return Err(invalid(key("accent"), "must be a colour like \"#1f4d3a\" or \"#fa0\""));
                }
                if w.position.as_deref().is_some_and(|p| p != "left" && p != "right") {
                    return Err(invalid(key("position"), "must be \"left\" or \"right\""));
                }
                if w.title.as_deref().is_some_and(|t| t.trim().is_empty() || t.chars().count() > 60) {
                    return Err(invalid(key("title"), "must be 1 to 60 characters"));
                }
                if w.greeting.as_deref().is_some_and(|t| t.trim().is_empty() || t.chars().count() > 200) {
                    return Err(invalid(key("greeting"), "must be 1 to 200 characters"));
                }
            }
        }
        Ok(())
    }
}
