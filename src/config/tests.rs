//! The configuration's layering and its refusals, naming the key.
use super::*;

fn load(toml: &str) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, toml).unwrap();
    Config::load(Some(&path), Overrides::default())
}

#[test]
fn bad_files_name_the_key() {
    let cases = [
        ("listen = 5", "listen"),
        ("[[departments]]\nname = \"s\"\ntimezone = \"Mars/Olympus\"\nhours = \"24/7\"", "departments[0]"),
        ("[[departments]]\nname = \"s\"\nhours = { mon = \"18:00-09:00\" }", "departments[0]"),
        ("[[departments]]\nname = \"s\"\nhours = \"always\"", "departments[0].hours"),
        ("[[sites]]\nkey = \"a\"\nsecret = \"short\"", "sites[0].secret"),
        ("[[sites]]\nkey = \"a\"\nwidget = { accent = \"green\" }", "sites[0].widget.accent"),
        ("[[sites]]\nkey = \"a\"\nwidget = { position = \"top\" }", "sites[0].widget.position"),
        ("[[sites]]\nkey = \"a\"\nwidget = { colour = \"#fff\" }", "colour"),
        ("[[departments]]\nname = \"s\"\nhours = \"24/7\"\nreply_minutes = 0", "departments[0].reply_minutes"),
        ("[limits]\nmax_frame_bytes = 10", "limits.max_frame_bytes"),
        ("trusted_proxies = [\"10.0.0.0/40\"]", "trusted_proxies[0]"),
        ("colour = \"blue\"", "colour"),
        (
            "[sla]\nfirst_response = { urgent = \"1h\", premium = \"12 hours\", standard = \"48h\", low = \"72h\" }",
            "sla.first_response.premium",
        ),
        ("[sla]\nwarn_at = 1.5", "sla.warn_at"),
        (
            "[[departments]]\nname = \"s\"\nhours = \"24/7\"\ntiers = [\"a\", \"b\", \"c\", \"d\"]",
            "departments[0].tiers",
        ),
        (
            "[[departments]]\nname = \"s\"\nhours = \"24/7\"\ntiers = [\"a\"]\ntopics = [{ key = \"x\", label = { en = \"X\" }, tier = 2 }]",
            "departments[0].topics[0].tier",
        ),
        (
            "[[departments]]\nname = \"s\"\nhours = \"24/7\"\ntopics = [{ key = \"x\", label = { english = \"X\" } }]",
            "departments[0].topics[0].label.english",
        ),
    ];
    for (toml, key) in cases {
        let err = load(toml).expect_err(toml).to_string();
        assert!(err.contains(key), "{toml}: {err}");
    }
}

#[test]
fn layers_apply_in_order() {
    // SAFETY: tests in this module are the only ones that touch these variables.
    unsafe {
        std::env::set_var("SWITCHBOARD_IDENTITY__REQUIRE_VERIFIED", "true");
        std::env::set_var("SWITCHBOARD_ADMIN_TOKEN", "from-env");
        std::env::set_var("SWITCHBOARD_BIN", "not a config key");
    }
    let c = load("admin_token = \"from-file\"\nlisten = \"127.0.0.1:9000\"").unwrap();
    unsafe {
        std::env::remove_var("SWITCHBOARD_IDENTITY__REQUIRE_VERIFIED");
        std::env::remove_var("SWITCHBOARD_ADMIN_TOKEN");
        std::env::remove_var("SWITCHBOARD_BIN");
    }
    assert!(c.identity.require_verified);
    assert_eq!(c.admin_token.as_deref(), Some("from-env"));
    assert_eq!(c.listen.port(), 9000);
    assert_eq!(c.departments().unwrap()[0].name.as_ref(), "support");
    assert!(c.sites()[0].secret.is_none(), "the default site accepts no identity tokens");
}
