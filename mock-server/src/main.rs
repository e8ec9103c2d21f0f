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
use mock_server::platform::outbound::{self, Trust};
use mock_server::verify::{self, report};
use mock_server::{run, run_surface, run_surface_tls, run_tls, AppState, Config};
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
    /// Read a real account (or any server of the surface) into a state document that
    /// --state-file and PUT /__admin/state/{vendor} accept: every listable collection, page by
    /// page, reads only, within the documented rate limit; optionally anonymized.
    Snapshot(SnapshotArgs),
    /// Ask a running mockdesk whether it is up (GET /__admin/health): exit 0 when it answers
    /// "ok", 1 otherwise. Needs no curl, so a container's HEALTHCHECK can use it.
    Health(HealthArgs),
}

#[derive(Debug, clap::Args)]
struct HealthArgs {
    /// The server's URL (default: http://127.0.0.1 with MOCKDESK_LISTEN's port, else 4010). An
    /// https URL trusts the platform's roots, every --ca-cert, and the local CA in --tls-dir.
    #[arg(long, env = "MOCKDESK_HEALTH_URL")]
    url: Option<String>,

    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3)]
    timeout_secs: u64,
}

/// `mockdesk health`: 0 when `/__admin/health` answers 200 with status "ok".
async fn health_main(args: HealthArgs, config: &Config) -> ExitCode {
    let url = args.url.unwrap_or_else(|| {
        let port = std::env::var("MOCKDESK_LISTEN")
            .ok()
            .and_then(|l| mock_server::config::parse_listen(&l).ok())
            .map_or(4010, |a| a.port());
        format!("http://127.0.0.1:{port}")
    });
    let mut files = config.ca_certs.clone();
    let local_ca = config
        .tls_dir
        .clone()
        .unwrap_or_else(mock_server::platform::tls::default_dir)
        .join(mock_server::platform::tls::CA_CERT_FILE);
    if url.starts_with("https:") && local_ca.is_file() {
        files.push(local_ca);
    }
    let trust = match Trust::with_files(&files) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mockdesk health: --ca-cert: {e}");
            return ExitCode::from(2);
        }
    };
    let client = match trust
        .client_builder()
        .timeout(Duration::from_secs(args.timeout_secs))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mockdesk health: {}", outbound::cause_chain(&e));
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
            Ok(v) => {
                eprintln!("mockdesk health: {target} said {}", v["status"]);
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("mockdesk health: {}", outbound::explain_for(&target, &e));
                ExitCode::from(1)
            }
        },
        Ok(r) => {
            let status = r.status();
            let reason = r
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v["reason"].as_str().map(String::from))
                .map(|why| format!(": {why}"))
                .unwrap_or_default();
            eprintln!("mockdesk health: {target} answered {status}{reason}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("mockdesk health: {}", outbound::explain_for(&target, &e));
            ExitCode::from(1)
        }
    }
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// Surface id: hipcall, hipcall-v3, helpcrunch, hiver, hiver-tutorial or chative.
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

#[derive(Debug, clap::Args)]
struct SnapshotArgs {
    /// Surface id: chative, helpcrunch, hiver, hipcall (v20211124) or hipcall-v3.
    #[arg(long)]
    surface: String,

    /// Base URL of the account's API, e.g. https://api.chative.io/v1.0.
    #[arg(long)]
    base_url: String,

    /// The API key, or the name of an environment variable that holds it. Never printed.
    #[arg(long, hide_env_values = true)]
    token: String,

    /// Replace personal data (names, emails, phones, free text) by consistent fakes.
    #[arg(long)]
    anonymize: bool,

    /// The anonymizer's seed: the same seed gives the same fakes.
    #[arg(long = "seed", default_value_t = 0)]
    anonymize_seed: u64,

    /// Read at most this many records of each collection.
    #[arg(long)]
    limit_per_collection: Option<usize>,

    /// On a failure half-way, write what was read, marked incomplete.
    #[arg(long)]
    allow_partial: bool,

    /// Where to write the state document.
    #[arg(long)]
    out: PathBuf,

    /// Milliseconds between requests (default: just under the surface's documented limit).
    #[arg(long)]
    min_interval_ms: Option<u64>,

    /// How often a 429 is waited out (per Retry-After) before the snapshot fails.
    #[arg(long, default_value_t = 5)]
    max_retries: u32,

    /// The longest wait for one Retry-After, in seconds.
    #[arg(long, default_value_t = 60)]
    max_wait_secs: u64,
}

async fn snapshot_main(args: SnapshotArgs, config: &Config) -> ExitCode {
    use mock_server::snapshot;
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("mockdesk snapshot: {e}");
        ExitCode::from(2)
    };
    let trust = match Trust::with_files(&config.ca_certs) {
        Ok(t) => t,
        Err(e) => return fail(&format!("--ca-cert: {e}")),
    };
    let target = snapshot::Target {
        surface: args.surface,
        base_url: args.base_url,
        token: resolve_token(&args.token),
        trust,
        min_interval: args.min_interval_ms.map(Duration::from_millis),
        max_retries: args.max_retries,
        max_wait: Duration::from_secs(args.max_wait_secs),
    };
    let options = snapshot::Options {
        anonymize: args.anonymize,
        seed: args.anonymize_seed,
        limit_per_collection: args.limit_per_collection,
        allow_partial: args.allow_partial,
    };
    let (doc, summary) = match snapshot::run(&target, &options, |l| eprintln!("{l}")).await {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    if let Err(e) = snapshot::write(&args.out, &doc) {
        return fail(&e);
    }
    report(&summary, &args.out)
}

/// The summary on stderr; exit 3 when the snapshot is incomplete.
fn report(summary: &mock_server::snapshot::Summary, out: &std::path::Path) -> ExitCode {
    for (c, n) in &summary.collections {
        eprintln!("{c}: {n} records");
    }
    for c in &summary.not_listed {
        eprintln!("{c}: not listable, left at its default");
    }
    eprintln!(
        "{} requests; {} personal values replaced; written to {}",
        summary.requests,
        summary.anonymized_values,
        out.display()
    );
    match &summary.incomplete {
        Some(why) => {
            eprintln!("INCOMPLETE (marked in the file): {why}");
            ExitCode::from(3)
        }
        None => ExitCode::SUCCESS,
    }
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

async fn verify_main(args: VerifyArgs, config: &Config) -> ExitCode {
    let trust = match Trust::with_files(&config.ca_certs) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("mockdesk verify: --ca-cert: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = verify::Options {
        trust,
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

/// Binds `addr`; a failure is printed with how to choose another address (exit 1).
async fn bind(addr: std::net::SocketAddr, what: &str) -> Result<TcpListener, ExitCode> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            " (the port is taken: choose another, e.g. --listen 127.0.0.1:4020 or MOCKDESK_LISTEN=:4020; `make run LISTEN=:4020`)"
        } else {
            ""
        };
        eprintln!("mockdesk: cannot listen on {addr} for {what}: {e}{hint}");
        ExitCode::from(1)
    })
}

/// The start-up banner: where each surface is, its token, HTTPS and how to trust it.
fn print_banner(
    state: &AppState,
    config: &Config,
    addr: std::net::SocketAddr,
    tls_addr: Option<std::net::SocketAddr>,
    own: &[(String, bool, TcpListener)],
) {
    say!("mockdesk listening on http://{addr}  (admin: http://{addr}/__admin, dashboard: http://{addr}/__admin/ui)");
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
    for (surface, secure, l) in own {
        let Ok(bound) = l.local_addr() else { continue };
        let real_path = state
            .surfaces()
            .into_iter()
            .find(|s| s.id == surface.as_str())
            .map(|s| s.real_path)
            .unwrap_or("");
        let scheme = if *secure { "https" } else { "http" };
        say!("  {surface:<16} {scheme}://{bound}{real_path}  (own port)");
    }
    if let Some(t) = tls_addr {
        say!("HTTPS on https://{t}  (every surface under its prefix, and at the root for its real host names)");
        for s in state.surfaces() {
            say!("  {:<16} https://{t}{}", s.id, s.prefix());
        }
    }
    if let Some(tls) = &state.tls {
        match &tls.ca_file {
            Some(ca) => {
                let ca = ca.display();
                say!("  certificate for: {}", tls.names.join(", "));
                say!("  CA: {ca}  (also GET /__admin/tls/ca.pem)");
                say!("  trust it: SSL_CERT_FILE={ca} | REQUESTS_CA_BUNDLE={ca} | NODE_EXTRA_CA_CERTS={ca} | curl --cacert {ca}");
            }
            None => say!("  certificate: --tls-cert (your own)"),
        }
    }
    let limited: Vec<String> = state
        .dialects
        .iter()
        .filter_map(|d| {
            let p = state
                .platform
                .effective_policy(d.info().id, d.documented_policy());
            let w: Vec<String> = p
                .windows
                .iter()
                .map(|w| format!("{}/{}s", w.limit, w.seconds))
                .collect();
            (!w.is_empty()).then(|| format!("{} {}", d.info().id, w.join("+")))
        })
        .collect();
    if !limited.is_empty() {
        say!(
            "rate limits: {}  (turn off: --rate-limits off, MOCKDESK_RATE_LIMITS=off)",
            limited.join(", ")
        );
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
        Some(Command::Verify(args)) => return verify_main(args, &cli.config).await,
        Some(Command::Snapshot(args)) => return snapshot_main(args, &cli.config).await,
        Some(Command::Health(args)) => return health_main(args, &cli.config).await,
        None => {}
    }
    let config = cli.config;
    // Every connection is a file descriptor; a soft limit of 1024 would cap a shared instance
    // below --max-connections.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!(error = %e, "could not raise the open-files limit");
    }
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
    // Every listener is bound before anything is printed: a busy port fails before the banner.
    let main_listener = match bind(config.listen, "the main port").await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let tls_listener = match config.tls_listen {
        Some(a) => match bind(a, "HTTPS (--tls-listen)").await {
            Ok(l) => Some(l),
            Err(code) => return code,
        },
        None => None,
    };
    let mut own = Vec::new();
    for (p, secure) in config
        .ports
        .iter()
        .map(|p| (p, false))
        .chain(config.tls_ports.iter().map(|p| (p, true)))
    {
        let addr = std::net::SocketAddr::new(config.listen.ip(), p.port);
        let what = format!("{} (--{}port)", p.surface, if secure { "tls-" } else { "" });
        match bind(addr, &what).await {
            Ok(l) => own.push((p.surface.clone(), secure, l)),
            Err(code) => return code,
        }
    }
    let addr = main_listener.local_addr().unwrap_or(config.listen);
    let tls_addr = tls_listener.as_ref().and_then(|l| l.local_addr().ok());
    print_banner(&state, &config, addr, tls_addr, &own);
    let (tx, rx) = watch::channel(false);
    let mut tasks = Vec::new();
    if let Some(l) = tls_listener {
        let (st, stop) = (state.clone(), waiter(&rx));
        tasks.push(tokio::spawn(async move { run_tls(l, st, stop).await }));
    }
    for (surface, secure, listener) in own {
        let (st, stop) = (state.clone(), waiter(&rx));
        tasks.push(tokio::spawn(async move {
            if secure {
                run_surface_tls(listener, st, &surface, stop).await
            } else {
                run_surface(listener, st, &surface, stop).await
            }
        }));
    }
    tokio::spawn(shutdown_signal(tx));
    let result = run(main_listener, state, waiter(&rx)).await;
    for t in tasks {
        if let Ok(Err(e)) = t.await {
            eprintln!("mockdesk: {e}");
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mockdesk: {e}");
            ExitCode::from(1)
        }
    }
}
