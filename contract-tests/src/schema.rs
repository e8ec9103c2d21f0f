//! The documented contract of a surface (`fixtures/schemas/<surface>.openapi.json`) and
//! validation of responses against it. Every finding is a [`Deviation`] at a JSON pointer.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use jsonschema::Validator;
use serde_json::{json, Value};

/// One way a response differs from the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// JSON pointer into the body (`/data/0/id`), or `/headers/<name>`, or `/status`.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
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

    /// Loads `fixtures/schemas/<surface>.openapi.json`.
    pub fn load(surface: &str) -> Self {
        let path = crate::fixtures_dir().join(format!("schemas/{surface}.openapi.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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
        self.validate_ref(&format!("#/components/schemas/{}", escape(name)), value)
    }

    fn validate_ref(&self, schema_ref: &str, value: &Value) -> Vec<Deviation> {
        match self.validator(schema_ref) {
            Ok(v) => v
                .iter_errors(value)
                .map(|e| Deviation {
                    pointer: e.instance_path.to_string(),
                    message: e.to_string(),
                })
                .collect(),
            Err(e) => vec![Deviation {
                pointer: String::new(),
                message: format!("schema {schema_ref} does not compile: {e}"),
            }],
        }
    }

    /// Validates one exchange: the status is documented for the operation, required headers
    /// are present, and the body matches the documented schema.
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
                message: format!("status {status} is not documented for {method} {template}"),
            }];
        };
        let mut out = Vec::new();
        for (name, h) in resp["headers"].as_object().into_iter().flatten() {
            if h["required"] == json!(true) && !headers.contains_key(&name.to_lowercase()) {
                out.push(Deviation {
                    pointer: format!("/headers/{}", escape(name)),
                    message: format!("required header `{name}` is missing"),
                });
            }
        }
        if resp.pointer("/content/application~1json/schema").is_some() {
            out.extend(self.validate_ref(&format!("{ptr}/content/application~1json/schema"), body));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"{"openapi":"3.1.0","paths":{"/a/{id}":{"get":{"operationId":"getA","responses":{
        "200":{"headers":{"x-n":{"required":true}},"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}}},
        "components":{"schemas":{"A":{"type":"object","required":["id"],"properties":{"id":{"type":"integer"}},"additionalProperties":false}}}}"##;

    /// Wrong types, extra fields, missing headers and undocumented statuses are reported at
    /// their pointers.
    #[test]
    fn deviations_have_pointers() {
        let c = Contract::parse(DOC).unwrap();
        let mut h = HashMap::new();
        assert!(
            c.validate_response("GET", "/a/{id}", 200, &h, &json!({"id": 1}))
                .len()
                == 1
        );
        h.insert("x-n".to_string(), "1".to_string());
        assert!(c
            .validate_response("GET", "/a/{id}", 200, &h, &json!({"id": 1}))
            .is_empty());
        let d = c.validate_response("GET", "/a/{id}", 200, &h, &json!({"id": "1", "x": 2}));
        assert!(d.iter().any(|d| d.pointer == "/id"), "{d:?}");
        assert!(d.iter().any(|d| d.message.contains("x")), "{d:?}");
        let d = c.validate_response("GET", "/a/{id}", 500, &h, &json!({}));
        assert_eq!(d[0].pointer, "/status");
        assert_eq!(
            c.operations(),
            vec![("GET".into(), "/a/{id}".into(), "getA".into())]
        );
    }
}
