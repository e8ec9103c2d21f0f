//! `mockdesk verify`: sends a surface's operation catalogue to a server (a vendor's real API, a sandbox, or a
//! running mockdesk), validates every response against the surface's OpenAPI document, and
//! reports each deviation as a JSON pointer with expected versus found. With `against_mock`, the
//! same cases also run against an in-process emulator, so spec / mock / real line up.
//!
//! The run goes through [`crate::client`]: it throttles itself below the surface's documented
//! rate limit, waits out 429s (`Retry-After`), sends writes only when allowed (and writes no
//! operation undoes only with `--allow-lasting-writes`), and never prints the token.

pub mod report;
pub mod schema;

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::client::{CaseRun, Runner, Session, Settings};
use crate::platform::catalogue::Case;
use crate::platform::dialect::Dialect;
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
    /// The roots trusted for an https target (the platform's plus `--ca-cert`).
    pub trust: crate::platform::outbound::Trust,
    pub allow_writes: bool,
    /// Also send writes that leave a change the API cannot undo (never needed against the
    /// emulator column, which always runs them on a private emulator).
    pub lasting_writes: bool,
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

/// Checks one answer: the expected status, then the schema.
fn judge(contract: &Contract, case: &Case, run: CaseRun) -> Outcome {
    let ex = match run {
        CaseRun::Skipped(reason) => return Outcome::Skip { reason },
        CaseRun::Failed(e) => {
            return Outcome::Fail {
                deviations: vec![Deviation {
                    pointer: "/status".into(),
                    kind: DeviationKind::NoResponse,
                    expected: case.expect.to_string(),
                    found: e.to_string(),
                    message: format!("no response: {e}"),
                }],
            }
        }
        CaseRun::Answered(ex) => ex,
    };
    // A body that is not JSON is validated as the string it is.
    let value = if ex.body.is_null() && !ex.raw.trim().is_empty() {
        Value::String(ex.raw.clone())
    } else {
        ex.body
    };
    let mut deviations = Vec::new();
    if ex.status != case.expect {
        deviations.push(Deviation {
            pointer: "/status".into(),
            kind: DeviationKind::WrongStatus,
            expected: case.expect.to_string(),
            found: ex.status.to_string(),
            message: format!("expected status {}, found {}", case.expect, ex.status),
        });
    }
    deviations.extend(
        contract
            .validate_response(case.method, case.template, ex.status, &ex.headers, &value)
            .into_iter()
            .filter(|d| !(d.kind == DeviationKind::WrongStatus && ex.status != case.expect)),
    );
    if deviations.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail { deviations }
    }
}

/// Sends every case through one session, judging each answer.
async fn run_cases(
    contract: &Contract,
    cases: &[Case],
    settings: Settings,
    lasting_writes: bool,
    mut progress: impl FnMut(usize, &Case, &Outcome),
) -> Vec<Outcome> {
    let runner = Runner::new(settings);
    let mut session = Session::new(&runner, lasting_writes);
    let mut out = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let outcome = judge(contract, case, session.run(case).await);
        progress(i, case, &outcome);
        out.push(outcome);
    }
    out
}

/// Runs the surface's catalogue against the target (and the emulator, when asked).
/// `progress` sees one line per case as it finishes.
pub async fn run(opts: &Options, mut progress: impl FnMut(&str)) -> Result<Report, VerifyError> {
    let state = AppState::new(&Config {
        rate_limits: RateLimitMode::Off,
        ..Config::default()
    })
    .map_err(|e| VerifyError::Mock(e.to_string()))?;
    let dialect: &Dialect = state
        .dialects
        .iter()
        .find(|d| d.info().id == opts.surface)
        .copied()
        .ok_or_else(|| {
            let known: Vec<_> = state.surfaces().iter().map(|s| s.id).collect();
            VerifyError::UnknownSurface(opts.surface.clone(), known.join(", "))
        })?;
    let contract = Contract::parse(dialect.openapi()).map_err(VerifyError::Schema)?;
    let cases = dialect.catalogue();
    let settings = Settings {
        interval: opts
            .min_interval
            .unwrap_or_else(|| spacing(&dialect.documented_policy())),
        max_retries: opts.max_retries,
        max_wait: opts.max_wait,
        allow_writes: opts.allow_writes,
        ..Settings::target(&opts.base_url, &opts.token, opts.trust.clone())
    };
    let total = cases.len();
    let line = |i: usize, c: &Case, o: &Outcome, on: &str| {
        format!(
            "[{}/{total}] {} {} {}{on}: {}",
            i + 1,
            c.name,
            c.method,
            c.template,
            o.label()
        )
    };
    let target = run_cases(
        &contract,
        &cases,
        settings,
        opts.lasting_writes,
        |i, c, o| progress(&line(i, c, o, "")),
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
        let token = state.default_token(dialect.info().vendor).unwrap_or("");
        let mut settings = Settings::emulator(&base, token);
        settings.allow_writes = opts.allow_writes;
        // The emulator is fresh and private to this run: lasting writes are harmless there.
        let outcomes = run_cases(&contract, &cases, settings, true, |i, c, o| {
            progress(&line(i, c, o, " (emulator)"))
        })
        .await;
        let _ = tx.send(());
        let _ = server.await;
        Some(outcomes)
    } else {
        None
    };
    let results = cases
        .iter()
        .enumerate()
        .map(|(i, c)| ProbeResult {
            operation: c.name.to_string(),
            method: c.method.to_string(),
            template: c.template.to_string(),
            expected_status: c.expect,
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

    /// Spacing keeps under the tightest window with headroom.
    #[test]
    fn spacing_from_policy() {
        assert_eq!(spacing(&Policy::per(30, 60)), Duration::from_secs_f64(2.2));
        assert_eq!(spacing(&Policy::unlimited()), Duration::ZERO);
    }
}
