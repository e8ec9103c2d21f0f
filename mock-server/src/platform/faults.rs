//! Fault injection: rules that make a surface misbehave on purpose. A rule matches requests by
//! surface, method, the vendor's own path (`{name}` one segment, `*` any rest) and account; its
//! effect is a vendor-shaped error status, a 429 with `Retry-After`, latency, a dropped
//! connection, a body cut off mid-way, a malformed body, or no answer at all. `times` expires a
//! rule; `probability` draws from a seeded generator so runs repeat; `after_write` lets the
//! write happen first (the "applied but the answer was lost" case). The surface layer applies
//! rules ([`super::surface`]); the admin API manages them.

use std::sync::Mutex;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{Map, Value};

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// The vendor's own error body for this status.
    Status { status: u16 },
    /// The vendor's 429 with `Retry-After: retry_after`.
    RateLimited { retry_after: u64 },
    /// Answers normally after a delay between `min_ms` and `max_ms`.
    Latency { min_ms: u64, max_ms: u64 },
    /// The connection is dropped before any byte of the answer.
    Reset,
    /// The answer is cut off mid-body.
    Truncate,
    /// The right status and headers with a broken JSON body.
    Malformed,
    /// No answer until the client gives up.
    Hang,
}

/// Which requests a rule applies to (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Matcher {
    pub surface: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub account: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub id: String,
    #[serde(rename = "match")]
    pub matcher: Matcher,
    pub effect: Effect,
    /// Hits left before the rule expires (`None`: never).
    pub times: Option<u64>,
    pub probability: f64,
    pub after_write: bool,
    /// How many requests the rule has hit.
    pub hits: u64,
}

/// A fault chosen for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: String,
    pub effect: Effect,
    pub after_write: bool,
}

/// Whether `path` (a vendor path such as `/customers/12`) matches `pattern`.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let s: Vec<&str> = path.trim_matches('/').split('/').collect();
    for (i, seg) in p.iter().enumerate() {
        if *seg == "*" {
            return true;
        }
        match s.get(i) {
            Some(x) if seg.starts_with('{') && seg.ends_with('}') && !x.is_empty() => {}
            Some(x) if x == seg => {}
            _ => return false,
        }
    }
    p.len() == s.len()
}

impl Matcher {
    pub fn matches(&self, surface: &str, method: &str, path: &str, account: Option<&str>) -> bool {
        self.surface.as_deref().is_none_or(|x| x == surface)
            && self
                .method
                .as_deref()
                .is_none_or(|x| x.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|x| path_matches(x, path))
            && self.account.as_deref().is_none_or(|x| Some(x) == account)
    }

    /// Reads `{"surface"?, "method"?, "path"?, "account"?}`.
    pub fn parse(v: Option<&Value>) -> Result<Self, String> {
        let m = match v {
            None | Some(Value::Null) => return Ok(Self::default()),
            Some(Value::Object(m)) => m,
            Some(_) => return Err("match must be an object".into()),
        };
        if let Some(k) = m
            .keys()
            .find(|k| !["surface", "method", "path", "account"].contains(&k.as_str()))
        {
            return Err(format!("unknown match field {k}"));
        }
        let text = |k: &str| -> Result<Option<String>, String> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("match.{k} must be a string")),
            }
        };
        let path = text("path")?;
        if path.as_deref().is_some_and(|p| !p.starts_with('/')) {
            return Err("match.path must start with / (the vendor's own path)".into());
        }
        let method = text("method")?;
        if method
            .as_deref()
            .is_some_and(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err("match.method must be an HTTP method (letters only)".into());
        }
        Ok(Self {
            surface: text("surface")?,
            method: method.map(|m| m.to_ascii_uppercase()),
            path,
            account: text("account")?,
        })
    }
}

/// The largest `times` (and `priority`, either way) a fault or stub takes.
pub const MAX_TIMES: u64 = 1_000_000_000;

fn uint(m: &Map<String, Value>, k: &str) -> Result<Option<u64>, String> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{k} must be a non-negative integer")),
    }
}

impl Effect {
    /// Reads `{"type": …, …}`.
    pub fn parse(v: Option<&Value>) -> Result<Self, String> {
        let Some(Value::Object(m)) = v else {
            return Err("effect must be an object with a type".into());
        };
        let kind = m
            .get("type")
            .and_then(Value::as_str)
            .ok_or("effect.type is required")?;
        let fields: &[&str] = match kind {
            "status" => &["type", "status"],
            "rate_limited" => &["type", "retry_after"],
            "latency" => &["type", "ms", "min_ms", "max_ms"],
            _ => &["type"],
        };
        if let Some(k) = m.keys().find(|k| !fields.contains(&k.as_str())) {
            return Err(format!("effect {kind} takes no field {k}"));
        }
        Ok(match kind {
            "status" => {
                let status = uint(m, "status")?.ok_or("effect.status is required")?;
                if !(100..=599).contains(&status) {
                    return Err("effect.status must be an HTTP status (100-599)".into());
                }
                Effect::Status { status: status as u16 }
            }
            "rate_limited" => {
                let retry_after = uint(m, "retry_after")?.unwrap_or(60);
                if retry_after > 86_400 {
                    return Err("effect.retry_after is at most 86400 seconds".into());
                }
                Effect::RateLimited { retry_after }
            }
            "latency" => {
                let (min, max) = match (uint(m, "ms")?, uint(m, "min_ms")?, uint(m, "max_ms")?) {
                    (Some(ms), None, None) => (ms, ms),
                    (None, Some(a), Some(b)) if a <= b => (a, b),
                    (None, Some(_), Some(_)) => return Err("effect.min_ms must not exceed max_ms".into()),
                    _ => return Err("latency takes ms, or min_ms and max_ms".into()),
                };
                if max > 600_000 {
                    return Err("latency is at most 600000 ms".into());
                }
                Effect::Latency { min_ms: min, max_ms: max }
            }
            "reset" => Effect::Reset,
            "truncate" => Effect::Truncate,
            "malformed" => Effect::Malformed,
            "hang" => Effect::Hang,
            other => {
                return Err(format!(
                    "unknown effect type {other} (status, rate_limited, latency, reset, truncate, malformed, hang)"
                ))
            }
        })
    }
}

/// The rules in force.
#[derive(Debug)]
pub struct Faults {
    inner: Mutex<(Vec<Rule>, u64, ChaCha8Rng)>,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(0)
    }
}

impl Faults {
    /// Probabilities draw from a generator seeded with `seed`, so runs repeat.
    pub fn new(seed: u64) -> Self {
        Self {
            inner: Mutex::new((Vec::new(), 0, ChaCha8Rng::seed_from_u64(seed))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Rule>, u64, ChaCha8Rng)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a rule from its JSON (`{"match", "effect", "times"?, "probability"?, "after_write"?}`).
    pub fn add(&self, body: &Map<String, Value>) -> Result<Rule, String> {
        if let Some(k) = body.keys().find(|k| {
            !["match", "effect", "times", "probability", "after_write"].contains(&k.as_str())
        }) {
            return Err(format!("unknown field {k}"));
        }
        let matcher = Matcher::parse(body.get("match"))?;
        let effect = Effect::parse(body.get("effect"))?;
        let times = uint(body, "times")?;
        if times.is_some_and(|t| !(1..=MAX_TIMES).contains(&t)) {
            return Err("times must be an integer from 1 to 1000000000".into());
        }
        let probability = match body.get("probability") {
            None | Some(Value::Null) => 1.0,
            Some(v) => v
                .as_f64()
                .filter(|p| (0.0..=1.0).contains(p))
                .ok_or("probability must be a number from 0 to 1")?,
        };
        let after_write = match body.get("after_write") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err("after_write must be a boolean".into()),
        };
        let mut g = self.lock();
        g.1 += 1;
        let rule = Rule {
            id: format!("fault_{}", g.1),
            matcher,
            effect,
            times,
            probability,
            after_write,
            hits: 0,
        };
        g.0.push(rule.clone());
        Ok(rule)
    }

    /// Whether no rule is in force.
    pub fn is_empty(&self) -> bool {
        self.lock().0.is_empty()
    }

    pub fn list(&self) -> Vec<Rule> {
        self.lock().0.clone()
    }

    pub fn get(&self, id: &str) -> Option<Rule> {
        self.lock().0.iter().find(|r| r.id == id).cloned()
    }

    pub fn remove(&self, id: &str) -> bool {
        let mut g = self.lock();
        let before = g.0.len();
        g.0.retain(|r| r.id != id);
        g.0.len() != before
    }

    pub fn clear(&self) {
        self.lock().0.clear();
    }

    /// The first rule that applies to this request (counting the hit, expiring used-up rules).
    pub fn check(
        &self,
        surface: &str,
        method: &str,
        path: &str,
        account: Option<&str>,
    ) -> Option<Hit> {
        let mut g = self.lock();
        let (rules, _, rng) = &mut *g;
        let mut chosen = None;
        for (i, r) in rules.iter_mut().enumerate() {
            if !r.matcher.matches(surface, method, path, account) {
                continue;
            }
            if r.probability < 1.0 && rng.random::<f64>() >= r.probability {
                continue;
            }
            r.hits += 1;
            if let Some(t) = r.times.as_mut() {
                *t -= 1;
            }
            chosen = Some((
                i,
                Hit {
                    rule: r.id.clone(),
                    effect: r.effect.clone(),
                    after_write: r.after_write,
                },
            ));
            break;
        }
        let (i, hit) = chosen?;
        if rules[i].times == Some(0) {
            rules.remove(i);
        }
        Some(hit)
    }

    /// A latency to wait, drawn for a latency effect.
    pub fn draw_ms(&self, min: u64, max: u64) -> u64 {
        if min >= max {
            return min;
        }
        self.lock().2.random_range(min..=max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `{name}` is one segment, `*` any rest.
    #[test]
    fn paths() {
        assert!(path_matches("/customers/{id}", "/customers/12"));
        assert!(!path_matches("/customers/{id}", "/customers/12/tags"));
        assert!(path_matches("/customers/*", "/customers/12/tags"));
        assert!(path_matches("/*", "/anything"));
        assert!(!path_matches("/chats", "/customers"));
    }

    /// Rules expire after `times`; probability draws repeat for a seed; bad rules are refused.
    #[test]
    fn rules() {
        let f = Faults::new(7);
        let r = f
            .add(json!({"match": {"path": "/x"}, "effect": {"type": "status", "status": 503}, "times": 2}).as_object().unwrap())
            .unwrap();
        assert!(f.check("s", "GET", "/x", None).is_some());
        assert!(f.check("s", "GET", "/y", None).is_none());
        assert!(f.check("s", "GET", "/x", None).is_some());
        assert!(f.check("s", "GET", "/x", None).is_none() && f.get(&r.id).is_none());
        let draws = |seed| {
            let f = Faults::new(seed);
            f.add(
                json!({"effect": {"type": "reset"}, "probability": 0.5})
                    .as_object()
                    .unwrap(),
            )
            .unwrap();
            (0..32)
                .map(|_| f.check("s", "GET", "/", None).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(1), draws(1));
        assert!(draws(1).contains(&true) && draws(1).contains(&false));
        for bad in [
            json!({"effect": {"type": "explode"}}),
            json!({"effect": {"type": "status", "status": 42}}),
            json!({"effect": {"type": "latency", "min_ms": 5, "max_ms": 1}}),
            json!({"effect": {"type": "reset"}, "probability": 2}),
            json!({"effect": {"type": "reset"}, "times": 0}),
            json!({"effect": {"type": "reset"}, "match": {"path": "customers"}}),
            json!({"effect": {"type": "reset"}, "colour": 1}),
            json!({"match": {}}),
        ] {
            assert!(f.add(bad.as_object().unwrap()).is_err(), "{bad}");
        }
    }
}
