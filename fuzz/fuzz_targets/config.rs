//! The config loader: any TOML text is either a configuration or a refusal naming a key, never a panic;
//! what is accepted yields its departments and trusted proxies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = Config::from_toml(text) {
        assert!(config.departments().is_ok(), "an accepted configuration has its departments");
        assert!(config.trusted_proxies().is_ok());
    }
});
