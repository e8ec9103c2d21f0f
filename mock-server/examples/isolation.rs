//! What an isolated test costs with the embedded server (part of `make bench`): start to first
//! answer, a reset to the first read after it, and the memory one idle instance holds. The
//! process allocates as an embedding test binary does (the system allocator, no `mimalloc`).
//!
//! Usage: `isolation [STARTS] [RESETS] [INSTANCES]` (default 50, 200, 100). Prints medians and
//! the per-instance memory next to the targets of `docs/performance.md`; it judges nothing.

use std::time::{Duration, Instant};

use mock_server::MockDesk;

/// Resident memory of this process, from `/proc/self/statm` (0 where there is none).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d.get(d.len() / 2).copied().unwrap_or_default()
}

/// The seeded record every `--seed` has, read with the surface's own token.
async fn first_read(client: &reqwest::Client, desk: &MockDesk) {
    let url = format!("{}/customers/1", desk.base_url("helpcrunch"));
    let r = client
        .get(url)
        .bearer_auth(desk.token("helpcrunch"))
        .send()
        .await
        .expect("the embedded server answers");
    assert_eq!(r.status(), 200);
    r.bytes().await.expect("a body");
}

#[tokio::main]
async fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (starts, resets, instances) = (arg(1, 50), arg(2, 200), arg(3, 100));
    let client = reqwest::Client::new();

    // Start to first answer: a fresh instance each time (connection set-up included).
    let mut start = Vec::new();
    for _ in 0..starts {
        let t = Instant::now();
        let desk = MockDesk::builder().start().await;
        first_read(&client, &desk).await;
        start.push(t.elapsed());
    }

    // A write, then reset and the first read after it, on one instance.
    let desk = MockDesk::builder().start().await;
    let mut reset = Vec::new();
    for i in 0..resets {
        let url = format!("{}/customers/1", desk.base_url("helpcrunch"));
        client
            .put(url)
            .bearer_auth(desk.token("helpcrunch"))
            .json(&serde_json::json!({"name": format!("Changed {i}")}))
            .send()
            .await
            .expect("a write");
        let t = Instant::now();
        desk.reset().await.expect("reset");
        first_read(&client, &desk).await;
        reset.push(t.elapsed());
    }
    drop(desk);

    // Idle instances, each answered once (its seed made), held together.
    let before = rss_bytes();
    let mut held = Vec::new();
    for _ in 0..instances {
        let desk = MockDesk::builder().start().await;
        first_read(&client, &desk).await;
        held.push(desk);
    }
    let per = rss_bytes().saturating_sub(before) / instances.max(1) as u64;

    println!("== per-test isolation (embedded MockDesk, system allocator)");
    println!(
        "   start to first answer    median {:>8.2} ms  ({starts} starts; target <= 5 ms)",
        median(start).as_secs_f64() * 1e3
    );
    println!(
        "   reset, then first read   median {:>8.3} ms  ({resets} resets; target <= 1 ms)",
        median(reset).as_secs_f64() * 1e3
    );
    println!(
        "   memory per idle instance        {:>8.2} MB  ({instances} held; target <= 5 MB)",
        per as f64 / 1_048_576.0
    );
}
