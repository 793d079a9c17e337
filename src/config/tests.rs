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
        ("[[sites]]\nkey = \"a\"\nbot_name = \"\"", "sites[0].bot_name"),
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
        ("[cluster]\nredis_url = \"http://r:6379\"", "cluster.redis_url"),
        ("[cluster]\nredis_url = \"redis://r\"\nnode_id = \"a b\"", "cluster.node_id"),
        ("[cluster]\nredis_url = \"redis://r\"\nnode_timeout_secs = 1", "cluster.node_timeout_secs"),
        ("[cluster]\nredis = \"redis://r\"", "redis"),
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

#[test]
fn cluster_mode_is_off_by_default_and_set_by_file_environment_or_options() {
    let plain = load("").unwrap();
    assert!(!plain.cluster.enabled());
    assert_eq!((plain.cluster.node_timeout_secs, plain.cluster.require_fsync), (10, true));

    let file = load("[cluster]\nredis_url = \"redis://10.0.0.7:6379/0\"\nnode_id = \"hub-a\"").unwrap();
    assert!(file.cluster.enabled());
    assert_eq!(file.cluster.node_id(file.listen), "hub-a");

    let cli = Overrides {
        cluster: Some(ClusterOverrides { redis_url: Some("redis://127.0.0.1:7000".into()), node_id: None }),
        ..Default::default()
    };
    let config = Config::load(None, cli).unwrap();
    assert_eq!(config.cluster.redis_url.as_deref(), Some("redis://127.0.0.1:7000"));
    assert!(config.cluster.node_id(config.listen).ends_with("-8080"), "host name and port by default");
}

#[test]
fn every_top_level_key_may_come_from_the_environment() {
    let config = load("").unwrap();
    let serde_json::Value::Object(keys) = serde_json::to_value(&config).unwrap() else { panic!("an object") };
    for key in keys.keys() {
        assert!(ENV_KEYS.contains(&key.as_str()), "SWITCHBOARD_{}__* would be ignored", key.to_uppercase());
    }
}
