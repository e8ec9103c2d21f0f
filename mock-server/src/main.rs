//! `mockdesk`: starts the emulator, or with `mockdesk verify` checks a server against a
//! surface's documented schema (see `mockdesk --help` and `mockdesk verify --help`).
// Doc comments here are the `--help` text, where a URL stays a bare URL.
#![allow(rustdoc::bare_urls)]

/// mimalloc: fewer cycles per allocation than glibc under many small short-lived allocations
/// (every request makes some), and freed memory goes back to the system after a large import.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use mock_server::verify::{self, report};
use mock_server::{run, run_surface, AppState, Config};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

/// Prints a banner line; a closed stdout (e.g. `mockdesk | head -1`) must not stop the server.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// A local, stateful emulator of the Hiver, HelpCrunch, Hipcall and Chative.IO REST APIs.
///
/// Every surface is served under its path prefix on the main port (e.g.
/// http://127.0.0.1:4010/hipcall/api/v20211124), to requests whose Host is the vendor's real
/// host, and optionally at the root of its own port. The admin API lives at /__admin.
/// Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=debug) to change the level.
#[derive(Debug, Parser)]
#[command(name = "mockdesk", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    config: Config,

    /// Log lines as text or as one JSON object per line (for log collectors).
    #[arg(long, env = "MOCKDESK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a server (a vendor's real API, a sandbox, or a running mockdesk) against the
    /// surface's documented schema and print a per-operation drift report. Exits non-zero when
    /// anything deviates.
    Verify(VerifyArgs),
    /// Ask a running mockdesk whether it is up (GET /__admin/health): exit 0 when it answers
    /// "ok", 1 otherwise. Needs no curl, so a container's HEALTHCHECK can use it.
    Health(HealthArgs),
}

#[derive(Debug, clap::Args)]
struct HealthArgs {
    /// The server's URL (default: http://127.0.0.1 with MOCKDESK_LISTEN's port, else 4010).
    #[arg(long, env = "MOCKDESK_HEALTH_URL")]
    url: Option<String>,

    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3)]
    timeout_secs: u64,
}

/// `mockdesk health`: 0 when `/__admin/health` answers 200 with status "ok".
async fn health_main(args: HealthArgs) -> ExitCode {
    let url = args.url.unwrap_or_else(|| {
        let port = std::env::var("MOCKDESK_LISTEN")
            .ok()
            .and_then(|l| l.parse::<std::net::SocketAddr>().ok())
            .map_or(4010, |a| a.port());
        format!("http://127.0.0.1:{port}")
    });
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout_secs))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mockdesk health: {e}");
            return ExitCode::from(1);
        }
    };
    let target = format!("{}/__admin/health", url.trim_end_matches('/'));
    match client.get(&target).send().await {
        Ok(r) if r.status().is_success() => match r.json::<serde_json::Value>().await {
            Ok(v) if v["status"] == "ok" => {
                say!("healthy: {target}");
                ExitCode::SUCCESS
            }
            _ => {
                eprintln!("mockdesk health: {target} did not say ok");
                ExitCode::from(1)
            }
        },
        Ok(r) => {
            eprintln!("mockdesk health: {target} answered {}", r.status());
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("mockdesk health: {target}: {e}");
            ExitCode::from(1)
        }
    }
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// Surface id: hipcall, helpcrunch, hiver, hiver-tutorial or chative.
    #[arg(long, env = "MOCKDESK_VERIFY_SURFACE")]
    surface: String,

    /// Base URL of the server to check, e.g. https://api.helpcrunch.com/v1.
    #[arg(long, env = "MOCKDESK_VERIFY_BASE_URL")]
    base_url: String,

    /// The API key, or the name of an environment variable that holds it (preferred: the key
    /// then never appears in shell history). Never printed.
    #[arg(long, env = "MOCKDESK_VERIFY_TOKEN", hide_env_values = true)]
    token: String,

    /// Also run the write checks that clean up after themselves (records created are deleted
    /// again; updates write back the values already there).
    #[arg(long, env = "MOCKDESK_VERIFY_ALLOW_WRITES")]
    allow_writes: bool,

    /// With --allow-writes, also run the writes no operation of the API undoes (e.g. a chat
    /// or a task created on the account). Meant for a sandbox account.
    #[arg(
        long,
        env = "MOCKDESK_VERIFY_ALLOW_LASTING_WRITES",
        requires = "allow_writes"
    )]
    allow_lasting_writes: bool,

    /// Run the same checks against an in-process emulator and show it beside the target.
    #[arg(long, env = "MOCKDESK_VERIFY_AGAINST_MOCK")]
    against_mock: bool,

    /// Write the report as JUnit XML to this file.
    #[arg(long, env = "MOCKDESK_VERIFY_JUNIT")]
    junit: Option<PathBuf>,

    /// Write the report as JSON to this file.
    #[arg(long, env = "MOCKDESK_VERIFY_JSON")]
    json: Option<PathBuf>,

    /// Milliseconds between requests (default: just under the surface's documented limit).
    #[arg(long, env = "MOCKDESK_VERIFY_MIN_INTERVAL_MS")]
    min_interval_ms: Option<u64>,

    /// How often a 429 is waited out (per Retry-After) before it counts as the answer.
    #[arg(long, env = "MOCKDESK_VERIFY_MAX_RETRIES", default_value_t = 3)]
    max_retries: u32,

    /// The longest wait for one Retry-After, in seconds.
    #[arg(long, env = "MOCKDESK_VERIFY_MAX_WAIT_SECS", default_value_t = 60)]
    max_wait_secs: u64,
}

/// `--token` names an environment variable when one of that name is set.
fn resolve_token(raw: &str) -> String {
    let looks_like_name = !raw.is_empty()
        && raw
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    match std::env::var(raw) {
        Ok(v) if looks_like_name && !v.is_empty() => v,
        _ => raw.to_string(),
    }
}

async fn verify_main(args: VerifyArgs) -> ExitCode {
    let opts = verify::Options {
        surface: args.surface,
        base_url: args.base_url,
        token: resolve_token(&args.token),
        allow_writes: args.allow_writes,
        lasting_writes: args.allow_lasting_writes,
        against_mock: args.against_mock,
        min_interval: args.min_interval_ms.map(Duration::from_millis),
        max_retries: args.max_retries,
        max_wait: Duration::from_secs(args.max_wait_secs),
    };
    let result = verify::run(&opts, |line| eprintln!("{line}")).await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mockdesk verify: {e}");
            return ExitCode::from(2);
        }
    };
    say!("{}", report::table(&report).trim_end());
    for (path, text) in [
        (args.junit, report::junit(&report)),
        (args.json, report::json(&report)),
    ] {
        if let Some(p) = path {
            if let Err(e) = std::fs::write(&p, text) {
                eprintln!("mockdesk verify: cannot write {}: {e}", p.display());
                return ExitCode::from(2);
            }
        }
    }
    if report.counts().1 == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn shutdown_signal(tx: watch::Sender<bool>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
    let _ = tx.send(true);
}

fn waiter(rx: &watch::Receiver<bool>) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut rx = rx.clone();
    async move {
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    match cli.command {
        Some(Command::Verify(args)) => return verify_main(args).await,
        Some(Command::Health(args)) => return health_main(args).await,
        None => {}
    }
    let config = cli.config;
    if config.admin_exposed() {
        tracing::warn!(
            listen = %config.listen,
            "listening beyond loopback without --admin-token: anyone who can reach this port can reset, import and fault-inject"
        );
    }
    let state = match AppState::new(&config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mockdesk: {e}");
            return ExitCode::from(2);
        }
    };
    let main_listener = match TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mockdesk: cannot listen on {}: {e}", config.listen);
            return ExitCode::from(1);
        }
    };
    let addr = main_listener.local_addr().unwrap_or(config.listen);
    say!("mockdesk listening on http://{addr}  (admin: http://{addr}/__admin)");
    for s in state.surfaces() {
        let token = state.default_token(s.vendor).unwrap_or("");
        // A built-in token moved to another account with --token says where it went.
        let account = match state.platform.accounts.account_of(s.vendor, token) {
            Some(a) if a == "default" => String::new(),
            Some(a) => format!(" (account {a})"),
            None => " (replaced)".to_string(),
        };
        say!(
            "  {:<16} http://{addr}{:<28} token: {token}{account}",
            s.id,
            s.prefix()
        );
    }
    for t in &config.tokens {
        let account = state
            .platform
            .accounts
            .account_of(&t.vendor, &t.token)
            .unwrap_or_default();
        say!(
            "  extra token      {}={}  account: {account}",
            t.vendor,
            t.token
        );
    }
    let (tx, rx) = watch::channel(false);
    let mut tasks = Vec::new();
    for p in config.ports.iter() {
        let bind = std::net::SocketAddr::new(config.listen.ip(), p.port);
        let listener = match TcpListener::bind(bind).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("mockdesk: cannot listen on {bind} for {}: {e}", p.surface);
                return ExitCode::from(1);
            }
        };
        let real_path = state
            .surfaces()
            .into_iter()
            .find(|s| s.id == p.surface)
            .map(|s| s.real_path)
            .unwrap_or("");
        say!("  {:<16} http://{bind}{real_path}  (own port)", p.surface);
        let (st, surface, stop) = (state.clone(), p.surface.clone(), waiter(&rx));
        tasks.push(tokio::spawn(async move {
            run_surface(listener, st, &surface, stop).await
        }));
    }
    tokio::spawn(shutdown_signal(tx));
    let result = run(main_listener, state, waiter(&rx)).await;
    for t in tasks {
        let _ = t.await;
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mockdesk: {e}");
            ExitCode::from(1)
        }
    }
}
