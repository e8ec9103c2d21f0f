//! `mockdesk`: starts the emulator (see `mockdesk --help`).

use std::process::ExitCode;

use clap::Parser;
use mock_server::{run, run_surface, AppState, Config};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

/// A local, stateful emulator of the Hiver, HelpCrunch, Hipcall and Chative.IO REST APIs.
///
/// Every surface is served under its path prefix on the main port (e.g.
/// http://127.0.0.1:4010/hipcall/api/v20211124), to requests whose Host is the vendor's real
/// host, and optionally at the root of its own port. The admin API lives at /__admin.
/// Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=debug) to change the level.
#[derive(Debug, Parser)]
#[command(name = "mockdesk", version)]
struct Cli {
    #[command(flatten)]
    config: Config,
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

/// Prints a banner line; a closed stdout (e.g. `mockdesk | head -1`) must not stop the server.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = cli.config;
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
        let token = state
            .backends
            .iter()
            .find(|b| b.vendor() == s.vendor)
            .map(|b| b.default_token())
            .unwrap_or("");
        say!(
            "  {:<16} http://{addr}{:<28} token: {token}",
            s.id,
            s.prefix()
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
