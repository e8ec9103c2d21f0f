//! The contract suite pointed at a separately started `mockdesk` process (the way a user points
//! it at a real API): the same checks and snapshots hold.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use contract_tests::target::Target;
use contract_tests::{chative, helpcrunch, hipcall, hiver};

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

/// Reads, errors, writes, paging and properties of every surface pass against a separate
/// process.
#[test]
fn suite_passes_against_a_separately_started_mockdesk() {
    let (_proc, addr) = start();
    let base = |prefix: &str| format!("http://{addr}{prefix}");
    let t = Target::emulator(
        hipcall::SURFACE,
        &base(hipcall::SURFACE.mock_prefix),
        hipcall::SURFACE.default_token,
    );
    hipcall::read_operations(&t);
    hipcall::error_exchanges(&t);
    hipcall::write_operations(&t);
    hipcall::pagination_covers_every_record_once(&t);
    hipcall::bad_credentials_get_401(&t);
    hipcall::created_tasks_round_trip(&t);
    let t = Target::emulator(
        chative::SURFACE,
        &base(chative::SURFACE.mock_prefix),
        chative::SURFACE.default_token,
    );
    chative::read_operations(&t);
    chative::error_exchanges(&t);
    chative::patch_round_trips(&t);
    chative::invalid_patch_changes_nothing(&t);
    chative::delete_then_get_is_404(&t);
    let t = Target::emulator(
        helpcrunch::SURFACE,
        &base(helpcrunch::SURFACE.mock_prefix),
        helpcrunch::SURFACE.default_token,
    );
    helpcrunch::read_operations(&t);
    helpcrunch::error_exchanges(&t);
    helpcrunch::write_operations(&t);
    helpcrunch::search_equals_brute_force(&t);
    helpcrunch::put_replaces_patch_merges(&t);
    // The tutorial reads come first: the official writes below add a tag.
    let t = Target::emulator(
        hiver::TUTORIAL,
        &base(hiver::TUTORIAL.mock_prefix),
        hiver::TUTORIAL.default_token,
    );
    hiver::tutorial_reads(&t);
    let t = Target::emulator(
        hiver::SURFACE,
        &base(hiver::SURFACE.mock_prefix),
        hiver::SURFACE.default_token,
    );
    hiver::read_operations(&t);
    hiver::error_exchanges(&t);
    hiver::write_operations(&t);
    hiver::token_paging(&t);
}
