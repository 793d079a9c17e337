//! Wiring: configuration, store, hub, bot, HTTP server, and an orderly stop on SIGTERM or SIGINT.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::App;
use crate::config::Config;
use crate::delivery::{Broker, ConnId, ConnRegistry, LocalBroker};
use crate::domain::BotId;
use crate::hub::{self, AdminCommand, HubHandle, HubSettings, SystemClock};
use crate::passwords::Passwords;
use crate::store::sqlite::SqliteFactory;
use crate::store::{ReadPool, StoreFactory};
use crate::visitor_token::VisitorTokens;

/// The built-in bot's id, the same on every start so its conversations survive a restart.
pub const BUILTIN_BOT: BotId = BotId(1);
/// The built-in bot's connection id (below the range WebSocket connections use).
const BUILTIN_BOT_CONN: ConnId = ConnId::new(0, 1);
/// How often histogram samples are folded into their buckets.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);
/// How long connections get to close after the shutdown notice.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How often start-up tries the store again while it cannot be reached.
const STORE_RETRY: Duration = Duration::from_millis(500);
/// How long the hub gets to flush its last jobs when stopping.
const HUB_STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything `serve` runs, built and wired but not yet listening.
pub struct Built {
    pub app: App,
    pub router: axum::Router,
}

/// Free space the data directory's disk must have before the embedded store is opened. Opening remakes
/// SQLite's shared-memory index (`-shm`, memory-mapped); on a disk with no room left, a write to that
/// map can kill the process with SIGBUS (seen on ext4), so a start waits for this much room instead.
/// The index is 32 KiB per 16 MiB of WAL: 8 MiB covers a WAL of 4 GiB.
pub const START_ROOM_BYTES: u64 = 8 << 20;
/// How often a start waiting for room looks at the disk again.
const START_ROOM_POLL: Duration = Duration::from_secs(1);

/// Opens the embedded store, starts the hub and the bot, seeds the demo, and builds the router.
pub async fn build(config: &Config) -> anyhow::Result<Built> {
    wait_for_room(&config.data_dir).await;
    let factory = SqliteFactory::new(&config.data_dir).context("opening the store")?;
    build_on(config, &factory, None).await
}

/// `build` on a given store: the embedded one, or Redis for a cluster node (`node`).
pub async fn build_on(
    config: &Config,
    factory: &dyn StoreFactory,
    node: Option<crate::cluster::ClusterView>,
) -> anyhow::Result<Built> {
    let cluster = node.is_some();
    let prometheus = match &node {
        Some(n) => n.metrics.clone(),
        None => install_metrics(None),
    };
    if let Some(handle) = prometheus.clone() {
        // Histogram samples accumulate until drained; draining regularly bounds their memory.
        tokio::spawn(async move {
            let mut every = tokio::time::interval(METRICS_UPKEEP);
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        });
    }
    crate::memory::spawn_trimmer();
    let departments = config.departments()?;
    // The second-opinion language models are built now, not on the first visitor's message.
    tokio::task::spawn_blocking(crate::routing::language::warm_up);
    let mut writer = factory.open_writer()?;
    let key = until_reachable(|| writer.secret(crate::visitor_token::KEY_NAME)).await?;
    let visitor_tokens = VisitorTokens::new(key);
    let snapshot = until_reachable(|| writer.load()).await.context("loading the store")?;
    let readers = ReadPool::new(factory)?;
    let registry = ConnRegistry::new();
    let local = LocalBroker(registry.clone());
    // A leader delivers to gateways' connections too (cluster mode).
    let (broker, remote): (Arc<dyn Broker>, _) = match &node {
        Some(view) => {
            let (broker, remote, publisher) =
                crate::cluster::publish::ClusterBroker::new(view.number, local, view.conn.clone(), view.fence());
            tokio::spawn(publisher);
            let broker: Arc<dyn Broker> = Arc::new(broker);
            (broker.clone(), Some((remote, broker)))
        }
        None => (Arc::new(local), None),
    };
    let sla = config.sla.check()?;
    let email = config.email.check()?;
    let guard = hub::GuardSettings {
        per_visitor_per_hour: config.limits.conversations_per_visitor_per_hour,
        per_ip_per_hour: config.limits.conversations_per_ip_per_hour,
        // In cluster mode the data lives on Redis's disk, not this node's.
        disk: Some((config.data_dir.clone(), config.limits.min_free_disk_bytes))
            .filter(|(_, min)| *min > 0 && !cluster),
        inactive_after: Some(config.limits.inactive_resolve_minutes)
            .filter(|m| *m > 0)
            .map(|m| jiff::SignedDuration::from_mins(m as i64)),
    };
    let settings = HubSettings {
        departments: departments.clone(),
        require_verified: config.identity.require_verified,
        sla: sla.clone(),
        guard,
        bot_names: config
            .sites()
            .into_iter()
            .filter_map(|s| Some((Arc::from(s.key), Arc::from(s.bot_name?))))
            .collect(),
        email: email.as_ref().map(|e| e.policy.clone()),
    };
    let mail_wake = email.as_ref().map(|_| Arc::new(tokio::sync::Notify::new()));
    let hub = hub::start(settings, snapshot, writer, broker, Arc::new(SystemClock), mail_wake.clone());
    // The sender runs beside the hub, so in cluster mode on the leader only: a gateway builds its own App
    // (`cluster::gateway`) with neither, and a node that takes the lease runs this on its way to leading.
    if let (Some(email), Some(wake)) = (&email, mail_wake) {
        let sender = crate::email::sender::Sender::new(&email.smtp, readers.clone(), hub.clone(), wake)
            .context("starting the email sender")?;
        tracing::info!(unseen_after = %config.email.unseen_after, "email on");
        tokio::spawn(sender.run());
    }
    let admin_token = admin_token(config)?;
    let passwords = Passwords::start().context("starting the password thread")?;
    if config.demo {
        crate::demo::seed(&hub, &passwords, config).await?;
    }
    if config.bot.builtin {
        start_builtin_bot(&hub, &registry, &readers, config).await?;
    }
    let app = App::new(
        hub,
        registry.clone(),
        readers,
        config.limits.clone(),
        config.sites(),
        admin_token,
        config.demo,
        departments,
        sla,
        prometheus,
        passwords,
        visitor_tokens,
        config.trusted_proxies()?,
    );
    let app = app.for_node(node.as_ref().map_or(0, |n| n.number), false);
    if let (Some(node), Some(remote)) = (node, remote) {
        tokio::spawn(node.clone().tell_hub(app.hub.clone()));
        tokio::spawn(crate::cluster::intake::run(app.clone(), node.clone(), remote, node.fence()));
        let _ = app.cluster.set(node);
    }
    let router = crate::http::router(app.clone());
    Ok(Built { app, router })
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    if config.cluster.enabled() {
        return crate::cluster::node::serve(config).await;
    }
    let built = build(&config).await?;
    let listener = bind(&config).await?;
    let addr = listener.local_addr()?;
    crate::console::say(format_args!("switchboard listening on http://{addr}"));
    if config.demo {
        crate::demo::print_welcome(addr);
    }
    run(&config, listener, built).await
}

/// Runs a start-up read again while the store says it cannot be reached (Redis restarting): a new
/// leader waits for its store rather than exiting with the lease held. Other errors are returned.
pub(crate) async fn until_reachable<T>(
    mut read: impl FnMut() -> crate::store::StoreResult<T>,
) -> crate::store::StoreResult<T> {
    loop {
        match read() {
            Err(crate::store::StoreError::Unavailable(e)) => {
                tracing::warn!(error = %e, "the store cannot be reached; waiting");
                tokio::time::sleep(STORE_RETRY).await;
            }
            other => return other,
        }
    }
}

pub async fn bind(config: &Config) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))
}

/// Serves on `listener` until SIGTERM or SIGINT, then stops in order: clients told, store flushed.
pub async fn run(config: &Config, listener: tokio::net::TcpListener, built: Built) -> anyhow::Result<()> {
    let Built { app, router } = built;
    let stop = tokio_util::sync::CancellationToken::new();
    {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stopping: telling clients, flushing the store");
            app.shutdown.cancel();
            if tokio::time::timeout(HUB_STOP_TIMEOUT, app.hub.shutdown()).await.is_err() {
                tracing::error!("the hub did not flush in time");
            }
            stop.cancel();
        });
    }
    crate::listen::serve(&listener, router, &config.limits, stop).await;
    drop(listener);
    app.tracker.close();
    if tokio::time::timeout(DRAIN_TIMEOUT, app.tracker.wait()).await.is_err() {
        tracing::warn!("some connections did not close in time");
    }
    tracing::info!("stopped");
    Ok(())
}

pub async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("install the SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// The Prometheus recorder; a cluster node labels every series with its id (spec 6.7).
pub(crate) fn install_metrics(node: Option<String>) -> Option<PrometheusHandle> {
    let latency = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];
    let sizes = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 4096.0];
    let mut builder = PrometheusBuilder::new();
    if let Some(node) = node {
        builder = builder.add_global_label("node", node);
    }
    builder
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &latency)
        .and_then(|b| b.set_buckets_for_metric(Matcher::Suffix("_ops".into()), &sizes))
        .and_then(|b| b.install_recorder())
        .map_err(|e| tracing::warn!(error = %e, "metrics are off"))
        .ok()
}

/// `admin_token` from the configuration, else the one kept in the data dir, else a new one that is
/// kept there and printed once.
fn admin_token(config: &Config) -> anyhow::Result<String> {
    if let Some(t) = config.admin_token.as_deref().filter(|t| !t.is_empty()) {
        return Ok(t.to_string());
    }
    anyhow::ensure!(
        !config.cluster.enabled(),
        "configuration key `admin_token`: cluster mode needs one admin token for every node; set it"
    );
    let path = config.data_dir.join("admin_token");
    if let Ok(t) = std::fs::read_to_string(&path) {
        return Ok(t.trim().to_string());
    }
    let (token, _) = crate::auth::new_token(crate::auth::TokenKind::Agent);
    let token = token.replacen("sba_", "sbadmin_", 1);
    write_private(&path, &token)?;
    crate::console::say(format_args!("Generated an admin token (kept in {}): {token}", path.display()));
    Ok(token)
}

fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Reads the bot's knowledge base now (a missing directory fails the start), then registers the bot, stores
/// its articles and starts it in the background: those are writes, and on a full disk they wait for room
/// (`hub::dispatch`) while the server already listens and serves reads.
async fn start_builtin_bot(
    hub: &HubHandle,
    registry: &Arc<ConnRegistry>,
    readers: &ReadPool,
    config: &Config,
) -> anyhow::Result<()> {
    let name = config.bot.name.clone();
    let dir = config.knowledge_base_dir();
    let kb = crate::bot::kb::KnowledgeBase::load(&dir).with_context(|| format!("reading {}", dir.display()))?;
    tracing::info!(articles = kb.len(), dir = %dir.display(), "built-in bot starting");
    // The files become knowledge-base articles (spec 7.6), searched like the admin's.
    let ops = crate::bot::store_kb::file_articles(&kb, jiff::Timestamp::now());
    let settings = crate::bot::BotSettings {
        bot: BUILTIN_BOT,
        name: config.bot.name.as_str().into(),
        conn: BUILTIN_BOT_CONN,
        kb,
        readers: Some(readers.clone()),
        search: Some(crate::bot::store_kb::search(readers.clone())),
    };
    let (hub, registry) = (hub.clone(), registry.clone());
    tokio::spawn(async move {
        let registered = async {
            hub.admin(|reply| AdminCommand::EnsureBot { id: BUILTIN_BOT, name, token_hash: None, reply }).await??;
            hub.admin(|reply| AdminCommand::Persist(ops, reply)).await??;
            anyhow::Ok(())
        };
        match registered.await {
            Ok(()) => drop(crate::bot::spawn(hub, registry, settings)),
            Err(e) => tracing::error!(error = %e, "the built-in bot could not be registered"),
        }
    });
    Ok(())
}

/// Waits until the data directory's disk has `START_ROOM_BYTES` free (see there). A disk that cannot be
/// measured is not waited for: opening the store reports what is wrong.
async fn wait_for_room(dir: &std::path::Path) {
    let mut said = false;
    while let Ok(free) = crate::hub::guard::free_bytes(dir) {
        if free >= START_ROOM_BYTES {
            if said {
                tracing::info!(free, "there is room on the disk again: opening the store");
            }
            return;
        }
        if !said {
            tracing::error!(
                free,
                need = START_ROOM_BYTES,
                dir = %dir.display(),
                "the data directory's disk is full: waiting for room before opening the store"
            );
            said = true;
        }
        tokio::time::sleep(START_ROOM_POLL).await;
    }
}
