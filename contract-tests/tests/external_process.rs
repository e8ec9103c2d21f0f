//! The contract suite pointed at a separately started `mockdesk` process (the way a user points
//! it at a real API): the same checks and snapshots hold.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use contract_tests::check::Checks;
use contract_tests::target::{Surface, Target};
use contract_tests::{chative, helpcrunch, hipcall, hipcall_v3, hiver};

/// The `mockdesk` binary next to this test's target directory, built if missing.
fn mockdesk_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let bin = profile_dir.join(format!("mockdesk{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "mock-server", "--bin", "mockdesk"])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building mockdesk failed");
    }
    bin
}

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `mockdesk --listen 127.0.0.1:0` and reads the bound address from its banner.
fn start() -> (Process, String) {
    let mut child = Command::new(mockdesk_bin())
        .args(["--listen", "127.0.0.1:0", "--rate-limits", "off"])
        .env_remove("MOCKDESK_PORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mockdesk");
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    out.read_line(&mut first).expect("banner");
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in banner: {first}"))
        .to_string();
    (Process(child), addr)
}

/// Runs every check of a suite, in order, against a fresh separately started mockdesk.
fn run_all(surface: Surface, checks: Checks) {
    let (_proc, addr) = start();
    let t = Target::emulator(
        surface,
        &format!("http://{addr}{}", surface.mock_prefix()),
        surface.default_token,
    );
    for (name, check) in checks {
        eprintln!("{}: {name}", surface.id());
        check(&t);
    }
}

/// Every check of every surface passes against a separate process (one per surface, so one
/// suite's writes never show in another's snapshots).
#[test]
fn suite_passes_against_a_separately_started_mockdesk() {
    run_all(hipcall::SURFACE, hipcall::CHECKS);
    run_all(hipcall_v3::SURFACE, hipcall_v3::CHECKS);
    run_all(chative::SURFACE, chative::CHECKS);
    run_all(helpcrunch::SURFACE, helpcrunch::CHECKS);
    run_all(hiver::TUTORIAL, hiver::TUTORIAL_CHECKS);
    run_all(hiver::SURFACE, hiver::CHECKS);
}
