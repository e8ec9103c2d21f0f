//! `mockdesk verify`: sends a surface's probes to a server (a vendor's real API, a sandbox, or a
//! running mockdesk), validates every response against the surface's OpenAPI document, and
//! reports each deviation as a JSON pointer with expected versus found. With `against_mock`, the
//! same probes also run against an in-process emulator, so spec / mock / real line up.
//!
//! The run throttles itself below the surface's documented rate limit, waits out 429s
//! (`Retry-After`), sends writes only when allowed, and never prints the token.

pub mod report;
pub mod schema;

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::platform::probe::{Probe, ProbeAuth};
use crate::platform::rate_limit::Policy;
use crate::platform::RateLimitMode;
use crate::{run as serve, AppState, Config};
use schema::{Contract, Deviation, DeviationKind};

/// What to verify and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub surface: String,
    pub base_url: String,
    pub token: String,
    pub allow_writes: bool,
    pub against_mock: bool,
    /// Spacing between requests; `None` derives it from the documented rate limit.
    pub min_interval: Option<Duration>,
    /// How often a 429 is waited out before it counts as the answer.
    pub max_retries: u32,
    /// The longest single wait for `Retry-After`.
    pub max_wait: Duration,
}

/// The outcome of one probe on one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail { deviations: Vec<Deviation> },
    Skip { reason: String },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail { .. } => "FAIL",
            Outcome::Skip { .. } => "skip",
        }
    }
}

/// One probe's results.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub operation: String,
    pub method: String,
    pub template: String,
    /// The documented answer the probe expects.
    pub expected_status: u16,
    pub target: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mock: Option<Outcome>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub surface: String,
    pub base_url: String,
    pub results: Vec<ProbeResult>,
}

impl Report {
    /// (passed, failed) on the target; skipped probes count as neither.
    pub fn counts(&self) -> (usize, usize) {
        count(self.results.iter().map(|r| &r.target))
    }

    /// (passed, failed) on the emulator, when it ran.
    pub fn mock_counts(&self) -> Option<(usize, usize)> {
        let outcomes: Vec<&Outcome> = self
            .results
            .iter()
            .filter_map(|r| r.mock.as_ref())
            .collect();
        (!outcomes.is_empty()).then(|| count(outcomes.into_iter()))
    }
}

fn count<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> (usize, usize) {
    outcomes.fold((0, 0), |(p, f), o| match o {
        Outcome::Pass => (p + 1, f),
        Outcome::Fail { .. } => (p, f + 1),
        Outcome::Skip { .. } => (p, f),
    })
}

/// Errors that stop a run before any probe.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("unknown surface `{0}` (known: {1})")]
    UnknownSurface(String, String),
    #[error("the surface's OpenAPI document is unreadable: {0}")]
    Schema(String),
    #[error("cannot start the in-process emulator: {0}")]
    Mock(String),
}

/// Spacing that keeps a client under every window of `policy`, with 10% headroom.
pub fn spacing(policy: &Policy) -> Duration {
    policy
        .windows
        .iter()
        .map(|w| Duration::from_secs_f64(w.seconds as f64 / f64::from(w.limit.max(1)) * 1.1))
        .max()
        .unwrap_or(Duration::ZERO)
}

/// Replaces `{$op/pointer}` references in `text` with values of earlier responses.
fn resolve_path(path: &str, seen: &HashMap<String, Value>) -> Option<String> {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find("{$") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let reference = &rest[start + 2..end];
        let (reference, ymd) = match reference.strip_suffix("|ymd") {
            Some(r) => (r, true),
            None => (reference, false),
        };
        let value = lookup(reference, seen)?;
        match value {
            // `|ymd`: the date part of a timestamp as path segments (`2023/03/31`).
            Value::String(s) if ymd => out.push_str(&s.get(..10)?.replace('-', "/")),
            Value::String(s) => out.push_str(&crate::platform::pagination::encode(&s)),
            Value::Number(n) => out.push_str(&n.to_string()),
            _ => return None,
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The value at `op/pointer` of an earlier response (null included; paths refuse null).
fn lookup(reference: &str, seen: &HashMap<String, Value>) -> Option<Value> {
    let (op, pointer) = reference.split_once('/').unwrap_or((reference, ""));
    let v = seen.get(op)?;
    if pointer.is_empty() {
        Some(v.clone())
    } else {
        v.pointer(&format!("/{pointer}")).cloned()
    }
}

/// Replaces string values `"{$op/pointer}"` in a JSON body with the referenced values.
fn resolve_body(v: &Value, seen: &HashMap<String, Value>) -> Option<Value> {
    Some(match v {
        Value::String(s) if s.starts_with("{$") && s.ends_with('}') => {
            lookup(&s[2..s.len() - 1], seen)?
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| resolve_body(i, seen))
                .collect::<Option<_>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| resolve_body(v, seen).map(|v| (k.clone(), v)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

struct Runner<'a> {
    client: reqwest::Client,
    base: String,
    token: String,
    interval: Duration,
    max_retries: u32,
    max_wait: Duration,
    contract: &'a Contract,
    last: Option<tokio::time::Instant>,
    seen: HashMap<String, Value>,
}

impl Runner<'_> {
    async fn throttle(&mut self) {
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + self.interval).await;
        }
        self.last = Some(tokio::time::Instant::now());
    }

    async fn probe(&mut self, p: &Probe) -> Outcome {
        let Some(path) = resolve_path(p.path, &self.seen) else {
            return Outcome::Skip {
                reason: "no record on the target to address".into(),
            };
        };
        let body = match p.body.map(serde_json::from_str::<Value>) {
            None => None,
            Some(Ok(b)) => match resolve_body(&b, &self.seen) {
                Some(b) => Some(b),
                None => {
                    return Outcome::Skip {
                        reason: "no record on the target to address".into(),
                    }
                }
            },
            Some(Err(_)) => {
                return Outcome::Skip {
                    reason: "probe body is not JSON".into(),
                }
            }
        };
        let method =
            reqwest::Method::from_bytes(p.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut attempt = 0;
        let (status, headers, value) = loop {
            self.throttle().await;
            let mut req = self
                .client
                .request(method.clone(), format!("{}{}", self.base, path))
                .header("accept", "application/json");
            req = match p.auth {
                ProbeAuth::Token => req.bearer_auth(&self.token),
                ProbeAuth::Missing => req,
                ProbeAuth::Invalid => req.bearer_auth("mockdesk-verify-invalid-token"),
            };
            if let Some(b) = &body {
                req = req.json(b);
            }
            let res = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    return Outcome::Fail {
                        deviations: vec![Deviation {
                            pointer: "/status".into(),
                            kind: DeviationKind::WrongStatus,
                            expected: p.expect.to_string(),
                            found: format!("no response ({})", e.without_url()),
                            message: "request failed".into(),
                        }],
                    }
                }
            };
            let status = res.status().as_u16();
            let headers: HashMap<String, String> = res
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_lowercase(),
                        v.to_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            let text = res.text().await.unwrap_or_default();
            if status == 429 && p.expect != 429 && attempt < self.max_retries {
                attempt += 1;
                let wait = headers
                    .get("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
                    .unwrap_or(Duration::from_secs(1))
                    .min(self.max_wait);
                tokio::time::sleep(wait).await;
                continue;
            }
            let value = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            break (status, headers, value);
        };
        let mut deviations = Vec::new();
        if status != p.expect {
            deviations.push(Deviation {
                pointer: "/status".into(),
                kind: DeviationKind::WrongStatus,
                expected: p.expect.to_string(),
                found: status.to_string(),
                message: format!("expected status {}, found {status}", p.expect),
            });
        }
        deviations.extend(
            self.contract
                .validate_response(p.method, p.template, status, &headers, &value)
                .into_iter()
                .filter(|d| !(d.kind == DeviationKind::WrongStatus && status != p.expect)),
        );
        if status < 300 {
            self.seen.insert(p.name.to_string(), value);
        }
        if deviations.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail { deviations }
        }
    }
}

async fn run_probes(
    contract: &Contract,
    probes: &[Probe],
    base: &str,
    token: &str,
    interval: Duration,
    opts: &Options,
    mut progress: impl FnMut(usize, &Probe, &Outcome),
) -> Vec<Outcome> {
    let mut runner = Runner {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default(),
        base: base.trim_end_matches('/').to_string(),
        token: token.to_string(),
        interval,
        max_retries: opts.max_retries,
        max_wait: opts.max_wait,
        contract,
        last: None,
        seen: HashMap::new(),
    };
    let mut out = Vec::new();
    for (i, p) in probes.iter().enumerate() {
        let outcome = if p.write && !opts.allow_writes {
            Outcome::Skip {
                reason: "writes need --allow-writes".into(),
            }
        } else {
            runner.probe(p).await
        };
        progress(i, p, &outcome);
        out.push(outcome);
    }
    out
}

/// Runs the surface's probes against the target (and the emulator, when asked).
/// `progress` sees one line per probe as it finishes.
pub async fn run(opts: &Options, mut progress: impl FnMut(&str)) -> Result<Report, VerifyError> {
    let state = AppState::new(&Config {
        rate_limits: RateLimitMode::Off,
        ..Config::default()
    })
    .map_err(|e| VerifyError::Mock(e.to_string()))?;
    let dialect = state
        .dialects
        .iter()
        .find(|d| d.info().id == opts.surface)
        .cloned()
        .ok_or_else(|| {
            let known: Vec<_> = state.surfaces().iter().map(|s| s.id).collect();
            VerifyError::UnknownSurface(opts.surface.clone(), known.join(", "))
        })?;
    let contract = Contract::parse(dialect.openapi()).map_err(VerifyError::Schema)?;
    let probes = dialect.probes();
    let interval = opts
        .min_interval
        .unwrap_or_else(|| spacing(&dialect.documented_policy()));
    let total = probes.len();
    let target = run_probes(
        &contract,
        &probes,
        &opts.base_url,
        &opts.token,
        interval,
        opts,
        |i, p, o| {
            progress(&format!(
                "[{}/{total}] {} {} {}: {}",
                i + 1,
                p.name,
                p.method,
                p.template,
                o.label()
            ))
        },
    )
    .await;
    let mock = if opts.against_mock {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| VerifyError::Mock(e.to_string()))?;
        let addr = listener
            .local_addr()
            .map_err(|e| VerifyError::Mock(e.to_string()))?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        let base = format!("http://{addr}{}", dialect.info().prefix());
        let token = state
            .backends
            .iter()
            .find(|b| b.vendor() == dialect.info().vendor)
            .map(|b| b.default_token())
            .unwrap_or("");
        let outcomes = run_probes(
            &contract,
            &probes,
            &base,
            token,
            Duration::ZERO,
            opts,
            |i, p, o| {
                progress(&format!(
                    "[{}/{total}] {} {} {} (emulator): {}",
                    i + 1,
                    p.name,
                    p.method,
                    p.template,
                    o.label()
                ))
            },
        )
        .await;
        let _ = tx.send(());
        let _ = server.await;
        Some(outcomes)
    } else {
        None
    };
    let results = probes
        .iter()
        .enumerate()
        .map(|(i, p)| ProbeResult {
            operation: p.name.to_string(),
            method: p.method.to_string(),
            template: p.template.to_string(),
            expected_status: p.expect,
            target: target[i].clone(),
            mock: mock.as_ref().map(|m| m[i].clone()),
        })
        .collect();
    Ok(Report {
        surface: opts.surface.clone(),
        base_url: opts.base_url.clone(),
        results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// References resolve against earlier responses; a missing record leaves them unresolved.
    #[test]
    fn references() {
        let mut seen = HashMap::new();
        seen.insert(
            "listUsers".to_string(),
            json!({"data": [{"id": 7, "email": "a b@x.y"}]}),
        );
        assert_eq!(
            resolve_path("/users/{$listUsers/data/0/id}", &seen).as_deref(),
            Some("/users/7")
        );
        assert_eq!(
            resolve_path("/s?email={$listUsers/data/0/email}", &seen).as_deref(),
            Some("/s?email=a%20b%40x.y")
        );
        assert_eq!(resolve_path("/users/{$listUsers/data/5/id}", &seen), None);
        seen.insert(
            "c".to_string(),
            json!({"at": "2023-03-31T08:41:58+0000", "n": null}),
        );
        assert_eq!(
            resolve_path("/cdrs/{$c/at|ymd}/x", &seen).as_deref(),
            Some("/cdrs/2023/03/31/x")
        );
        assert_eq!(resolve_path("/u/{$c/n}", &seen), None);
        assert_eq!(
            resolve_body(&json!({"n": "{$c/n}"}), &seen),
            Some(json!({"n": null}))
        );
        let body = resolve_body(
            &json!({"id": "{$listUsers/data/0/id}", "x": ["{$listUsers/data/0/email}"]}),
            &seen,
        )
        .unwrap();
        assert_eq!(body, json!({"id": 7, "x": ["a b@x.y"]}));
    }

    /// Spacing keeps under the tightest window with headroom.
    #[test]
    fn spacing_from_policy() {
        assert_eq!(spacing(&Policy::per(30, 60)), Duration::from_secs_f64(2.2));
        assert_eq!(spacing(&Policy::unlimited()), Duration::ZERO);
    }
}
