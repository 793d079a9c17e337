//! The `switchboard` binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use switchboard::config::{ClusterOverrides, Config, LogFormat, Overrides};

#[derive(Parser)]
#[command(name = "switchboard", version, about = "Live-chat hub: routes website visitors to agents and bots")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hub (the default).
    Serve(ServeArgs),
}

#[derive(clap::Args, Default)]
struct ServeArgs {
    /// TOML configuration file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// Where the embedded store keeps its data.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Create demo agents, a bot and articles, and serve a demo page.
    #[arg(long)]
    demo: bool,
    /// Cluster mode: the Redis this node shares with the others (spec 6).
    #[arg(long, value_name = "URL")]
    redis_url: Option<String>,
    /// This node's id in the cluster.
    #[arg(long, value_name = "ID")]
    node_id: Option<String>,
}

/// Logs to stderr as `log_format` asks: text (colours only when stderr is a terminal) or one JSON
/// object per line for log shippers.
fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // A log line that cannot be written (stderr on a full disk) is dropped. Left on, the subscriber
    // reports the failure with `eprintln!`, which panics on the same full disk: the thread that logged
    // (the dispatcher, the hub) would die, and the service with it.
    let builder =
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).log_internal_errors(false);
    match format {
        LogFormat::Json => builder.json().with_current_span(false).init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

fn main() -> ExitCode {
    switchboard::memory::configure_allocator();
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Serve(args)) => args,
        None => cli.serve,
    };
    let cluster = (args.redis_url.is_some() || args.node_id.is_some())
        .then_some(ClusterOverrides { redis_url: args.redis_url, node_id: args.node_id });
    let overrides = Overrides { listen: args.listen, data_dir: args.data_dir, demo: args.demo, cluster };
    let config = match Config::load(args.config.as_deref(), overrides) {
        Ok(c) => c,
        Err(e) => {
            init_logging(LogFormat::Text);
            eprintln!("switchboard: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("start the runtime");
    match runtime.block_on(switchboard::server::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::FAILURE
        }
    }
}
