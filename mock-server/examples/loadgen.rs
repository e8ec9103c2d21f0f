//! Minimal closed-loop HTTP load generator for `make bench` (loopback only).
//! Usage: `loadgen URL [--token T] [--concurrency N] [--seconds S] [--max-requests M] [--post JSON]`
//! (`--post` sends every request as a POST with that JSON body, e.g. to grow a collection).
//! Prints one line: `requests=… errors=… rps=… p50_us=… p99_us=…`. Bounded by both time and
//! request count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).cloned().expect("usage: loadgen URL [options]");
    assert!(
        url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost"),
        "loadgen only targets loopback"
    );
    let token = arg(&args, "--token", "");
    let concurrency: usize = arg(&args, "--concurrency", "16")
        .parse()
        .expect("concurrency");
    let seconds: u64 = arg(&args, "--seconds", "5").parse().expect("seconds");
    let max_requests: u64 = arg(&args, "--max-requests", "500000")
        .parse()
        .expect("max requests");
    let post = args
        .iter()
        .position(|a| a == "--post")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let issued = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, token, post) = (client.clone(), url.clone(), token.clone(), post.clone());
        let (issued, errors) = (issued.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max_requests
            {
                let t0 = Instant::now();
                let mut req = match &post {
                    Some(body) => client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone()),
                    None => client.get(&url),
                };
                if !token.is_empty() {
                    req = req.bearer_auth(&token);
                }
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t0.elapsed().as_micros() as u64);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("worker"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "requests={} errors={} rps={:.0} p50_us={} p99_us={}",
        all.len(),
        errors.load(Ordering::Relaxed),
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
}
