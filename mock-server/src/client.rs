//! The one HTTP runner that talks to a surface from the outside: `mockdesk verify` and the
//! contract suite both send through it. It lives once here:
//! - **throttling**: requests are spaced by an interval (derived from the documented rate
//!   limit against a real API; zero against the emulator);
//! - **429s**: waited out per `Retry-After` (bounded) and retried, unless the caller expects
//!   the 429;
//! - **write guard**: a request marked as a write is refused before it leaves when writes are
//!   not allowed;
//! - **token redaction**: the token never appears in `Debug` output or in an [`Exchange`]
//!   (request headers are not recorded);
//! - **catalogue sessions**: [`Session`] sends [`Case`]s in order, resolving
//!   `{$case/pointer}` references from earlier answers.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::platform::catalogue::{Case, CaseAuth};
use crate::platform::outbound::{explain, Failure, Trust};

/// How a request authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// The runner's token.
    Token,
    /// No `Authorization` header.
    None,
    /// This exact `Authorization` header value.
    Header(String),
}

impl From<CaseAuth> for Auth {
    fn from(a: CaseAuth) -> Self {
        match a {
            CaseAuth::Token => Auth::Token,
            CaseAuth::Missing => Auth::None,
            CaseAuth::Invalid => Auth::Header("Bearer mockdesk-not-a-real-token".into()),
        }
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    Json(Value),
    /// `multipart/form-data` with text parts.
    Form(Vec<(String, String)>),
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Path below the base URL, with its query.
    pub path: String,
    pub auth: Auth,
    pub body: Body,
    /// Refused unless writes are allowed.
    pub write: bool,
    /// A 429 is the answer wanted, not something to wait out.
    pub expect_429: bool,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            auth: Auth::Token,
            body: Body::None,
            write: false,
            expect_429: false,
        }
    }
}

/// One request/response pair as a client sees it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Response headers, lower-cased names.
    pub headers: HashMap<String, String>,
    /// The body as JSON (`Null` when empty or not JSON; see `raw`).
    pub body: Value,
    pub raw: String,
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("writes are not allowed on this target")]
    WriteRefused,
    /// The request got no (whole) answer; the failure names its cause.
    #[error("{0}")]
    Transport(Failure),
}

/// How a runner behaves.
#[derive(Clone)]
pub struct Settings {
    pub base_url: String,
    pub token: String,
    /// Spacing between requests.
    pub interval: Duration,
    /// How often a 429 is waited out before it counts as the answer.
    pub max_retries: u32,
    /// The longest single wait for `Retry-After` (a missing header waits `default_wait`).
    pub max_wait: Duration,
    pub default_wait: Duration,
    pub allow_writes: bool,
    pub timeout: Duration,
    /// The roots an https target is checked against.
    pub trust: Trust,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("base_url", &self.base_url)
            .field("token", &"[hidden]")
            .field("interval", &self.interval)
            .field("max_retries", &self.max_retries)
            .field("allow_writes", &self.allow_writes)
            .finish()
    }
}

impl Settings {
    /// A remote target (a vendor's API, a sandbox): reads only, unthrottled until `interval`
    /// is set, 429s waited out (five times, at most a minute each; a second without
    /// `Retry-After`), 30 s per request.
    pub fn target(base_url: &str, token: &str, trust: Trust) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            interval: Duration::ZERO,
            max_retries: 5,
            max_wait: Duration::from_secs(60),
            default_wait: Duration::from_secs(1),
            allow_writes: false,
            timeout: Duration::from_secs(30),
            trust,
        }
    }

    /// Unthrottled, no 429 retries, writes allowed: for the emulator.
    pub fn emulator(base_url: &str, token: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            interval: Duration::ZERO,
            max_retries: 0,
            max_wait: Duration::ZERO,
            default_wait: Duration::ZERO,
            allow_writes: true,
            timeout: Duration::from_secs(30),
            trust: Trust::platform(),
        }
    }
}

/// Sends requests to one base URL.
pub struct Runner {
    client: reqwest::Client,
    settings: Settings,
    last: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("settings", &self.settings)
            .finish()
    }
}

impl Runner {
    pub fn new(settings: Settings) -> Self {
        let client = settings
            .trust
            .client_builder()
            .timeout(settings.timeout)
            .build()
            .unwrap_or_default();
        Self {
            client,
            settings,
            last: tokio::sync::Mutex::new(None),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    async fn throttle(&self) {
        if self.settings.interval.is_zero() {
            return;
        }
        let mut last = self.last.lock().await;
        if let Some(t) = *last {
            tokio::time::sleep_until(t + self.settings.interval).await;
        }
        *last = Some(tokio::time::Instant::now());
    }

    fn build(&self, req: &Request) -> reqwest::RequestBuilder {
        let url = format!("{}{}", self.settings.base_url, req.path);
        let mut b = self
            .client
            .request(req.method.clone(), url)
            .header("accept", "application/json");
        b = match &req.auth {
            Auth::Token => b.bearer_auth(&self.settings.token),
            Auth::None => b,
            Auth::Header(v) => b.header("authorization", v),
        };
        match &req.body {
            Body::None => b,
            Body::Json(v) => b.json(v),
            Body::Form(parts) => {
                let form = parts
                    .iter()
                    .fold(reqwest::multipart::Form::new(), |f, (k, v)| {
                        f.text(k.clone(), v.clone())
                    });
                b.multipart(form)
            }
        }
    }

    /// Sends one request (throttled; a 429 waited out and retried unless expected).
    pub async fn send(&self, req: &Request) -> Result<Exchange, SendError> {
        if req.write && !self.settings.allow_writes {
            return Err(SendError::WriteRefused);
        }
        let mut attempt = 0;
        loop {
            self.throttle().await;
            let res = self
                .build(req)
                .send()
                .await
                .map_err(|e| SendError::Transport(explain(&e)))?;
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
            let raw = res
                .text()
                .await
                .map_err(|e| SendError::Transport(explain(&e)))?;
            if status == 429 && !req.expect_429 && attempt < self.settings.max_retries {
                attempt += 1;
                let wait = headers
                    .get("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
                    .unwrap_or(self.settings.default_wait)
                    .min(self.settings.max_wait);
                tracing::info!(status, wait_s = wait.as_secs(), "429: waiting");
                tokio::time::sleep(wait).await;
                continue;
            }
            let body = if raw.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&raw).unwrap_or(Value::Null)
            };
            return Ok(Exchange {
                method: req.method.to_string(),
                path: req.path.clone(),
                status,
                headers,
                body,
                raw,
            });
        }
    }
}

/// What became of one catalogue case.
#[derive(Debug, Clone)]
pub enum CaseRun {
    Answered(Exchange),
    /// Not sent; the reason says why.
    Skipped(String),
    /// Sent, no answer.
    Failed(SendError),
}

/// Sends catalogue cases in order, remembering 2xx answers for later references.
#[derive(Debug)]
pub struct Session<'a> {
    pub runner: &'a Runner,
    /// Whether cases that leave lasting changes may run.
    pub lasting_writes: bool,
    seen: HashMap<String, Value>,
}

impl<'a> Session<'a> {
    pub fn new(runner: &'a Runner, lasting_writes: bool) -> Self {
        Self {
            runner,
            lasting_writes,
            seen: HashMap::new(),
        }
    }

    /// The request a case becomes once its references are resolved (`Err` says why not).
    pub fn request(&self, case: &Case) -> Result<Request, String> {
        const NO_RECORD: &str = "no record on the target to address";
        let path = resolve_path(case.path, &self.seen).ok_or(NO_RECORD)?;
        let body = match case.body.map(serde_json::from_str::<Value>) {
            None => Body::None,
            Some(Ok(b)) => {
                let b = resolve_body(&b, &self.seen).ok_or(NO_RECORD)?;
                match b {
                    Value::Object(fields) if case.form => Body::Form(
                        fields
                            .into_iter()
                            .map(|(k, v)| match v {
                                Value::String(s) => (k, s),
                                other => (k, other.to_string()),
                            })
                            .collect(),
                    ),
                    b => Body::Json(b),
                }
            }
            Some(Err(_)) => return Err("the case's body is not JSON".into()),
        };
        Ok(Request {
            method: Method::from_bytes(case.method.as_bytes()).unwrap_or(Method::GET),
            path,
            auth: case.auth.into(),
            body,
            write: case.is_write(),
            expect_429: case.expect == 429,
        })
    }

    pub async fn run(&mut self, case: &Case) -> CaseRun {
        if case.is_write() && !self.runner.settings.allow_writes {
            return CaseRun::Skipped("writes not allowed (--allow-writes)".into());
        }
        if case.is_lasting() && !self.lasting_writes {
            return CaseRun::Skipped(
                "leaves a change the API cannot undo; runs against the emulator only".into(),
            );
        }
        let req = match self.request(case) {
            Ok(r) => r,
            Err(reason) => return CaseRun::Skipped(reason),
        };
        match self.runner.send(&req).await {
            Ok(ex) => {
                if ex.status < 300 {
                    self.seen.insert(case.name.to_string(), ex.body.clone());
                }
                CaseRun::Answered(ex)
            }
            Err(e) => CaseRun::Failed(e),
        }
    }
}

/// Replaces `{$case/pointer}` references in `text` with values of earlier answers.
fn resolve_path(path: &str, seen: &HashMap<String, Value>) -> Option<String> {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find("{$") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let reference = &rest[start + 2..end];
        let (reference, modifier) = match reference.split_once('|') {
            Some((r, m)) => (r, Some(m)),
            None => (reference, None),
        };
        match (lookup(reference, seen)?, modifier) {
            // `|ymd`: the date part of a timestamp as path segments (`2023/03/31`).
            (Value::String(s), Some("ymd")) => out.push_str(&s.get(..10)?.replace('-', "/")),
            // `|date`: the date part of a timestamp (`2023-03-31`).
            (Value::String(s), Some("date")) => out.push_str(s.get(..10)?),
            (_, Some(_)) => return None,
            (Value::String(s), None) => out.push_str(&crate::platform::pagination::encode(&s)),
            (Value::Number(n), None) => out.push_str(&n.to_string()),
            _ => return None,
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The value at `case/pointer` of an earlier answer (null included; paths refuse null). A
/// segment `key[field=value]` picks the first element of the array at `key` whose `field`
/// prints as `value`.
fn lookup(reference: &str, seen: &HashMap<String, Value>) -> Option<Value> {
    let mut segments = reference.split('/');
    let mut v = seen.get(segments.next()?)?;
    for seg in segments {
        v = match seg.split_once('[') {
            Some((key, filter)) => {
                let (field, want) = filter.strip_suffix(']')?.split_once('=')?;
                let list = if key.is_empty() { v } else { v.get(key)? };
                list.as_array()?.iter().find(|item| {
                    item.get(field).is_some_and(|x| match x {
                        Value::String(s) => s == want,
                        other => serde_json::to_string(other).is_ok_and(|t| t == want),
                    })
                })?
            }
            None => match v {
                Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => v.get(seg)?,
            },
        };
    }
    Some(v.clone())
}

/// Replaces string values `"{$case/pointer}"` in a JSON body with the referenced values.
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// References resolve pointers, array filters and `|ymd`; an unknown one resolves to None.
    #[test]
    fn references() {
        let mut seen = HashMap::new();
        seen.insert(
            "list".to_string(),
            json!({"data": {"results": [{"id": "1", "ok": false}, {"id": "2", "ok": true}]},
                   "calls": [{"at": "2023-03-31 10:00:00", "n": 7}]}),
        );
        assert_eq!(
            resolve_path("/x/{$list/data/results/0/id}", &seen).as_deref(),
            Some("/x/1")
        );
        assert_eq!(
            resolve_path("/x/{$list/data/results[ok=true]/id}", &seen).as_deref(),
            Some("/x/2")
        );
        assert_eq!(
            resolve_path("/c/{$list/calls/0/at|ymd}/{$list/calls/0/n}", &seen).as_deref(),
            Some("/c/2023/03/31/7")
        );
        assert_eq!(
            resolve_path("/c?date={$list/calls/0/at|date}", &seen).as_deref(),
            Some("/c?date=2023-03-31")
        );
        assert_eq!(resolve_path("/x/{$other/id}", &seen), None);
        assert_eq!(
            resolve_path("/x/{$list/data/results[ok=maybe]/id}", &seen),
            None
        );
        assert_eq!(
            resolve_body(&json!({"n": "{$list/calls/0/n}", "k": "v"}), &seen),
            Some(json!({"n": 7, "k": "v"}))
        );
    }

    /// A write is refused before it leaves when writes are not allowed; the token never shows.
    #[tokio::test]
    async fn write_guard_and_hidden_token() {
        let mut s = Settings::emulator("http://127.0.0.1:9", "secret-token-value");
        s.allow_writes = false;
        let r = Runner::new(s);
        let mut req = Request::new(Method::POST, "/things");
        req.write = true;
        assert_eq!(r.send(&req).await.unwrap_err(), SendError::WriteRefused);
        assert!(!format!("{r:?}").contains("secret-token-value"));
    }
}
