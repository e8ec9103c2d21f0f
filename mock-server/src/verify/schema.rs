//! The documented contract of a surface (`fixtures/schemas/<surface>.openapi.json`) and
//! validation of responses against it. Every finding is a [`Deviation`] at a JSON pointer, with
//! a kind and what was expected versus found. Used by `mockdesk verify` and the contract suite.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use jsonschema::Validator;
use serde_json::{json, Value};

/// What kind of difference a [`Deviation`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviationKind {
    MissingField,
    ExtraField,
    WrongType,
    WrongValue,
    WrongStatus,
    WrongErrorEnvelope,
    MissingHeader,
    MissingRateLimitHeader,
    SchemaError,
    /// The request got no answer (refused, DNS, timeout, certificate, TLS, cut off).
    NoResponse,
}

impl DeviationKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::MissingField => "missing field",
            Self::ExtraField => "extra field",
            Self::WrongType => "wrong JSON type",
            Self::WrongValue => "wrong value",
            Self::WrongStatus => "wrong status",
            Self::WrongErrorEnvelope => "wrong error envelope",
            Self::MissingHeader => "missing header",
            Self::MissingRateLimitHeader => "missing rate-limit header",
            Self::SchemaError => "schema error",
            Self::NoResponse => "no response",
        }
    }
}

/// One way a response differs from the contract.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deviation {
    /// JSON pointer into the body (`/data/0/id`), or `/headers/<name>`, or `/status`.
    pub pointer: String,
    pub kind: DeviationKind,
    pub expected: String,
    pub found: String,
    /// The validator's own wording.
    pub message: String,
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{at}: {} (expected {}, found {})",
            self.kind.label(),
            self.expected,
            self.found
        )
    }
}

/// The JSON type name of a value.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Turns one validator error into a classified deviation.
fn classify(e: &jsonschema::ValidationError<'_>, error_response: bool) -> Deviation {
    use jsonschema::error::ValidationErrorKind as K;
    let at = e.instance_path.to_string();
    let instance = e.instance.as_ref();
    let (kind, pointer, expected, found) = match &e.kind {
        K::Required { property } => (
            DeviationKind::MissingField,
            format!("{at}/{}", escape(property.as_str().unwrap_or(""))),
            "present".to_string(),
            "absent".to_string(),
        ),
        K::AdditionalProperties { unexpected } => (
            DeviationKind::ExtraField,
            format!(
                "{at}/{}",
                escape(unexpected.first().map(String::as_str).unwrap_or(""))
            ),
            "absent".to_string(),
            unexpected.join(", "),
        ),
        K::Type { kind } => {
            let expected = match kind {
                jsonschema::error::TypeKind::Single(t) => t.to_string(),
                jsonschema::error::TypeKind::Multiple(set) => format!("{set:?}").to_lowercase(),
            };
            (
                DeviationKind::WrongType,
                at,
                expected,
                json_type(instance).to_string(),
            )
        }
        K::Enum { options } => (
            DeviationKind::WrongValue,
            at,
            format!("one of {options}"),
            short(instance),
        ),
        K::Constant { expected_value } => (
            DeviationKind::WrongValue,
            at,
            short(expected_value),
            short(instance),
        ),
        K::OneOfNotValid { .. } | K::AnyOf { .. } => (
            DeviationKind::WrongType,
            at,
            "one of the documented shapes".into(),
            json_type(instance).to_string(),
        ),
        _ => (
            DeviationKind::WrongValue,
            at,
            e.to_string(),
            short(instance),
        ),
    };
    Deviation {
        pointer,
        kind: if error_response {
            DeviationKind::WrongErrorEnvelope
        } else {
            kind
        },
        expected,
        found,
        message: e.to_string(),
    }
}

/// Percent-encodes the characters a URI fragment may not hold (`{`, `}`, blanks, …).
fn fragment_encode(r: &str) -> String {
    let mut out = String::with_capacity(r.len());
    for c in r.chars() {
        if c.is_ascii_alphanumeric() || "#/~-._!$&'()*+,;=:@".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// A loaded OpenAPI document with compiled validators cached per schema pointer.
pub struct Contract {
    doc: Value,
    cache: Mutex<HashMap<String, Arc<Validator>>>,
}

/// Escapes one JSON-pointer token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl Contract {
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
        {
            return Err("not an OpenAPI 3.1 document".into());
        }
        Ok(Self {
            doc,
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// Every (method, path template, operationId) in the document.
    pub fn operations(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        if let Some(paths) = self.doc["paths"].as_object() {
            for (path, item) in paths {
                for (method, op) in item.as_object().into_iter().flatten() {
                    out.push((
                        method.to_uppercase(),
                        path.clone(),
                        op["operationId"].as_str().unwrap_or("").to_string(),
                    ));
                }
            }
        }
        out
    }

    fn response(&self, method: &str, template: &str, status: u16) -> Option<(&Value, String)> {
        let op_ptr = format!("/paths/{}/{}", escape(template), method.to_lowercase());
        let responses = self.doc.pointer(&format!("{op_ptr}/responses"))?;
        let key = status.to_string();
        let r = responses.get(&key)?;
        Some((r, format!("#{op_ptr}/responses/{key}")))
    }

    /// Whether the contract documents `status` for the operation.
    pub fn documents(&self, method: &str, template: &str, status: u16) -> bool {
        self.response(method, template, status).is_some()
    }

    /// The statuses documented for an operation.
    pub fn statuses(&self, method: &str, template: &str) -> Vec<String> {
        let ptr = format!(
            "/paths/{}/{}/responses",
            escape(template),
            method.to_lowercase()
        );
        self.doc
            .pointer(&ptr)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn validator(&self, schema_ref: &str) -> Result<Arc<Validator>, String> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cache.get(schema_ref) {
            return Ok(v.clone());
        }
        // The whole document is the root resource so internal `$ref`s resolve; the root
        // `$ref` selects the schema to apply.
        let mut root = self.doc.clone();
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        root["$ref"] = json!(fragment_encode(schema_ref));
        let v = Arc::new(jsonschema::validator_for(&root).map_err(|e| e.to_string())?);
        cache.insert(schema_ref.to_string(), v.clone());
        Ok(v)
    }

    /// Validates a value against `#/components/schemas/<name>`.
    pub fn validate_component(&self, name: &str, value: &Value) -> Vec<Deviation> {
        self.validate_ref(
            &format!("#/components/schemas/{}", escape(name)),
            value,
            false,
        )
    }

    fn validate_ref(
        &self,
        schema_ref: &str,
        value: &Value,
        error_response: bool,
    ) -> Vec<Deviation> {
        match self.validator(schema_ref) {
            Ok(v) => v
                .iter_errors(value)
                .map(|e| classify(&e, error_response))
                .collect(),
            Err(e) => vec![Deviation {
                pointer: String::new(),
                kind: DeviationKind::SchemaError,
                expected: "a compilable schema".into(),
                found: e.clone(),
                message: format!("schema {schema_ref} does not compile: {e}"),
            }],
        }
    }

    /// Validates one exchange: the status is documented for the operation, required headers
    /// are present, and the body matches the documented schema (an error status's body is
    /// reported as a wrong error envelope).
    pub fn validate_response(
        &self,
        method: &str,
        template: &str,
        status: u16,
        headers: &HashMap<String, String>,
        body: &Value,
    ) -> Vec<Deviation> {
        let Some((resp, ptr)) = self.response(method, template, status) else {
            return vec![Deviation {
                pointer: "/status".into(),
                kind: DeviationKind::WrongStatus,
                expected: format!("one of {}", self.statuses(method, template).join(", ")),
                found: status.to_string(),
                message: format!("status {status} is not documented for {method} {template}"),
            }];
        };
        let mut out = Vec::new();
        for (name, h) in resp["headers"].as_object().into_iter().flatten() {
            if h["required"] == json!(true) && !headers.contains_key(&name.to_lowercase()) {
                let lower = name.to_lowercase();
                let kind = if lower.contains("ratelimit") || lower == "retry-after" {
                    DeviationKind::MissingRateLimitHeader
                } else {
                    DeviationKind::MissingHeader
                };
                out.push(Deviation {
                    pointer: format!("/headers/{}", escape(name)),
                    kind,
                    expected: format!("header {name}"),
                    found: "absent".into(),
                    message: format!("required header `{name}` is missing"),
                });
            }
        }
        if resp.pointer("/content/application~1json/schema").is_some() {
            out.extend(self.validate_ref(
                &format!("{ptr}/content/application~1json/schema"),
                body,
                status >= 400,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"{"openapi":"3.1.0","paths":{"/a/{id}":{"get":{"operationId":"getA","responses":{
        "200":{"headers":{"x-n":{"required":true}},"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}},
        "404":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/E"}}}}}}}},
        "components":{"schemas":{"A":{"type":"object","required":["id"],"properties":{"id":{"type":"integer"}},"additionalProperties":false},
        "E":{"type":"object","required":["errors"]}}}}"##;

    /// Each kind of difference is classified at its pointer with expected vs found.
    #[test]
    fn deviations_are_classified() {
        let c = Contract::parse(DOC).unwrap();
        let mut h = HashMap::new();
        let d = c.validate_response("GET", "/a/{id}", 200, &h, &json!({"id": 1}));
        assert_eq!(
            (d.len(), d[0].kind, d[0].pointer.as_str()),
            (1, DeviationKind::MissingHeader, "/headers/x-n")
        );
        h.insert("x-n".to_string(), "1".to_string());
        assert!(c
            .validate_response("GET", "/a/{id}", 200, &h, &json!({"id": 1}))
            .is_empty());
        let d = c.validate_response("GET", "/a/{id}", 200, &h, &json!({"id": "1", "x": 2}));
        assert!(
            d.iter().any(|d| d.pointer == "/id"
                && d.kind == DeviationKind::WrongType
                && d.expected == "integer"
                && d.found == "string"),
            "{d:?}"
        );
        assert!(
            d.iter()
                .any(|d| d.pointer == "/x" && d.kind == DeviationKind::ExtraField),
            "{d:?}"
        );
        let d = c.validate_response("GET", "/a/{id}", 200, &h, &json!({}));
        assert_eq!(
            (d[0].pointer.as_str(), d[0].kind),
            ("/id", DeviationKind::MissingField)
        );
        let d = c.validate_response("GET", "/a/{id}", 404, &h, &json!({"message": "no"}));
        assert_eq!(
            (d[0].pointer.as_str(), d[0].kind),
            ("/errors", DeviationKind::WrongErrorEnvelope)
        );
        let d = c.validate_response("GET", "/a/{id}", 500, &h, &json!({}));
        assert_eq!(
            (d[0].pointer.as_str(), d[0].kind, d[0].expected.as_str()),
            ("/status", DeviationKind::WrongStatus, "one of 200, 404")
        );
        assert_eq!(
            c.operations(),
            vec![("GET".into(), "/a/{id}".into(), "getA".into())]
        );
    }
}
