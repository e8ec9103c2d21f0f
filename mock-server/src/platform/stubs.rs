//! Stubs: answers a test sets for requests it names, given instead of the emulator's own —
//! an odd record the vendor once sent, a field the emulator does not fill, an endpoint it does
//! not have yet. A stub matches like a fault rule (surface, method, the vendor's own path,
//! account) and also by query parameters and a piece of the request body; it answers its status,
//! headers and body. State is not touched (the handler does not run). `times` expires a stub;
//! `priority` orders them (higher first, then the oldest). The surface layer applies them after
//! authentication, the rate limit and fault rules ([`super::surface`]); the admin API manages
//! them.

use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value};

use super::faults::Matcher;

/// What a stub answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub status: u16,
    /// Header names and values, as given.
    pub headers: Map<String, Value>,
    /// A JSON body (`application/json` unless the headers say otherwise)…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// …or a text body (`text/plain` unless the headers say otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stub {
    pub id: String,
    #[serde(rename = "match")]
    pub matcher: Matcher,
    /// Query parameters the request must carry, each with this value.
    pub query: Map<String, Value>,
    /// Text the request body must contain.
    pub body_contains: Option<String>,
    pub response: Answer,
    /// Hits left before the stub expires (`None`: never).
    pub times: Option<u64>,
    pub priority: i64,
    /// How many requests the stub has answered.
    pub hits: u64,
}

/// What one request looks like to a stub.
pub struct Asked<'a> {
    pub surface: &'a str,
    pub method: &'a str,
    /// The vendor's own path.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub body: &'a [u8],
    pub account: Option<&'a str>,
}

impl Stub {
    fn matches(&self, a: &Asked<'_>) -> bool {
        self.matcher.matches(a.surface, a.method, a.path, a.account)
            && self.query.iter().all(|(k, want)| {
                let want = want.as_str().unwrap_or_default();
                form_urlencoded::parse(a.query.unwrap_or("").as_bytes())
                    .any(|(name, value)| name == k.as_str() && value == want)
            })
            && self
                .body_contains
                .as_deref()
                .is_none_or(|needle| String::from_utf8_lossy(a.body).contains(needle))
    }
}

/// The stubs in force.
#[derive(Debug, Default)]
pub struct Stubs {
    inner: Mutex<(Vec<Stub>, u64)>,
}

fn text_map(v: Option<&Value>, what: &str) -> Result<Map<String, Value>, String> {
    match v {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => {
            if let Some((k, _)) = m.iter().find(|(_, v)| !v.is_string()) {
                return Err(format!("{what}.{k} must be a string"));
            }
            Ok(m.clone())
        }
        Some(_) => Err(format!("{what} must be an object of strings")),
    }
}

fn parse_answer(v: Option<&Value>) -> Result<Answer, String> {
    let m = match v {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => return Err("response is required".into()),
        Some(_) => return Err("response must be an object".into()),
    };
    if let Some(k) = m
        .keys()
        .find(|k| !["status", "headers", "json", "body"].contains(&k.as_str()))
    {
        return Err(format!("unknown response field {k}"));
    }
    let status = match m.get("status") {
        None | Some(Value::Null) => 200,
        Some(v) => v
            .as_u64()
            .filter(|s| (100..=599).contains(s))
            .ok_or("response.status must be an HTTP status (100-599)")? as u16,
    };
    let headers = text_map(m.get("headers"), "response.headers")?;
    for name in headers.keys() {
        axum::http::HeaderName::try_from(name.as_str())
            .map_err(|_| format!("response.headers: {name} is not a header name"))?;
        if headers
            .get(name)
            .and_then(Value::as_str)
            .is_some_and(|v| axum::http::HeaderValue::from_str(v).is_err())
        {
            return Err(format!(
                "response.headers: the value of {name} holds a control character"
            ));
        }
        if name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding")
        {
            return Err(format!("response.headers: {name} is set by mockdesk"));
        }
    }
    // `json: null` is a null body; `body: null` is no body, as null is absent in every admin body.
    let json = m.get("json").cloned();
    let body = match m.get("body") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("response.body must be a string (use json for JSON)".into()),
    };
    if json.is_some() && body.is_some() {
        return Err("response takes json or body, not both".into());
    }
    Ok(Answer {
        status,
        headers,
        json,
        body,
    })
}

impl Stubs {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Stub>, u64)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a stub from its JSON (`{"match", "query"?, "body_contains"?, "response", "times"?,
    /// "priority"?}`; `query` and `body_contains` may also sit inside `match`).
    pub fn add(&self, body: &Map<String, Value>) -> Result<Stub, String> {
        const FIELDS: &[&str] = &[
            "match",
            "query",
            "body_contains",
            "response",
            "times",
            "priority",
        ];
        if let Some(k) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(format!("unknown field {k}"));
        }
        // `query` and `body_contains` are read from `match` too (where the form has them).
        let mut matcher_fields = match body.get("match") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err("match must be an object".into()),
        };
        let query = matcher_fields
            .remove("query")
            .or_else(|| body.get("query").cloned());
        let contains = matcher_fields
            .remove("body_contains")
            .or_else(|| body.get("body_contains").cloned());
        let matcher = Matcher::parse(Some(&Value::Object(matcher_fields)))?;
        let query = text_map(query.as_ref(), "query")?;
        let body_contains = match contains {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err("body_contains must be a string".into()),
        };
        let response = parse_answer(body.get("response"))?;
        let times = match body.get("times") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|t| (1..=super::faults::MAX_TIMES).contains(t))
                    .ok_or("times must be an integer from 1 to 1000000000")?,
            ),
        };
        let priority = match body.get("priority") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_i64()
                .filter(|p| p.abs() <= super::faults::MAX_TIMES as i64)
                .ok_or("priority must be an integer from -1000000000 to 1000000000")?,
        };
        let mut g = self.lock();
        g.1 += 1;
        let stub = Stub {
            id: format!("stub_{}", g.1),
            matcher,
            query,
            body_contains,
            response,
            times,
            priority,
            hits: 0,
        };
        // Kept in the order they are tried: priority, then age.
        let at = g.0.partition_point(|s| s.priority >= stub.priority);
        g.0.insert(at, stub.clone());
        Ok(stub)
    }

    pub fn list(&self) -> Vec<Stub> {
        self.lock().0.clone()
    }

    pub fn get(&self, id: &str) -> Option<Stub> {
        self.lock().0.iter().find(|s| s.id == id).cloned()
    }

    pub fn remove(&self, id: &str) -> bool {
        let mut g = self.lock();
        let before = g.0.len();
        g.0.retain(|s| s.id != id);
        g.0.len() != before
    }

    pub fn clear(&self) {
        self.lock().0.clear();
    }

    /// Whether any stub names this surface, method and path (before the account is known:
    /// a path the surface does not route is only authenticated when one does).
    pub fn may_match(&self, surface: &str, method: &str, path: &str) -> bool {
        let g = self.lock();
        g.0.iter().any(|s| {
            Matcher {
                account: None,
                ..s.matcher.clone()
            }
            .matches(surface, method, path, None)
        })
    }

    /// The stub that answers this request (counting the hit, expiring a used-up stub).
    pub fn check(&self, asked: &Asked<'_>) -> Option<(String, Answer)> {
        let mut g = self.lock();
        let i = g.0.iter().position(|s| s.matches(asked))?;
        let s = &mut g.0[i];
        s.hits += 1;
        if let Some(t) = s.times.as_mut() {
            *t -= 1;
        }
        let out = (s.id.clone(), s.response.clone());
        if g.0[i].times == Some(0) {
            g.0.remove(i);
        }
        Some(out)
    }
}

impl Answer {
    /// The HTTP answer.
    pub fn to_response(&self) -> axum::response::Response {
        use axum::http::{header, HeaderName, HeaderValue, StatusCode};
        let (bytes, kind) = match (&self.json, &self.body) {
            (Some(j), _) => (
                serde_json::to_vec(j).unwrap_or_default(),
                "application/json",
            ),
            (None, Some(b)) => (b.clone().into_bytes(), "text/plain; charset=utf-8"),
            (None, None) => (Vec::new(), "application/json"),
        };
        let mut res = axum::response::Response::new(axum::body::Body::from(bytes));
        *res.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
        for (k, v) in &self.headers {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::try_from(k.as_str()),
                v.as_str().map(HeaderValue::from_str),
            ) {
                res.headers_mut().insert(name, value);
            }
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn add(s: &Stubs, v: Value) -> Result<Stub, String> {
        s.add(v.as_object().unwrap())
    }

    fn asked<'a>(path: &'a str, query: Option<&'a str>, body: &'a [u8]) -> Asked<'a> {
        Asked {
            surface: "helpcrunch",
            method: "GET",
            path,
            query,
            body,
            account: Some("default"),
        }
    }

    /// Matching by query and body text, priority before age, `times` expiring, bad input named.
    #[test]
    fn matching_priority_times_and_refusals() {
        let s = Stubs::default();
        let low = add(
            &s,
            json!({"match": {"path": "/customers/{id}"}, "response": {"json": {"n": 1}}}),
        )
        .unwrap();
        let high = add(
            &s,
            json!({"match": {"path": "/customers/{id}", "query": {"x": "1"}},
            "response": {"status": 418, "body": "teapot"}, "priority": 5, "times": 1}),
        )
        .unwrap();
        assert_eq!(
            s.check(&asked("/customers/3", Some("x=1"), b"")).unwrap().0,
            high.id
        );
        assert_eq!(
            s.check(&asked("/customers/3", Some("x=1"), b"")).unwrap().0,
            low.id,
            "high expired"
        );
        let body = add(&s, json!({"match": {"method": "GET", "body_contains": "needle"}, "response": {}, "priority": 9})).unwrap();
        assert_eq!(
            s.check(&asked("/any", None, b"hay needle hay")).unwrap().0,
            body.id
        );
        assert_eq!(
            s.check(&asked("/customers/3", None, b"hay")).unwrap().0,
            low.id
        );
        assert!(s.check(&asked("/other", None, b"")).is_none());
        assert!(s.may_match("helpcrunch", "GET", "/customers/9"));
        for (bad, why) in [
            (json!({"response": {"status": 99}}), "response.status"),
            (json!({"match": {}}), "response is required"),
            (json!({"response": {"json": 1, "body": "x"}}), "not both"),
            (
                json!({"response": {"headers": {"bad name": "x"}}}),
                "not a header name",
            ),
            (json!({"response": {}, "times": 0}), "times"),
            (json!({"response": {}, "nope": 1}), "unknown field nope"),
            (
                json!({"match": {"path": "customers"}, "response": {}}),
                "must start with /",
            ),
        ] {
            let e = add(&s, bad).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
        let r = Answer {
            status: 201,
            headers: json!({"x-odd": "yes", "content-type": "application/vnd.odd+json"})
                .as_object()
                .unwrap()
                .clone(),
            json: Some(json!({"a": 1})),
            body: None,
        }
        .to_response();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["x-odd"], "yes");
        assert_eq!(r.headers()["content-type"], "application/vnd.odd+json");
    }
}
