//! Request extractors whose rejections are neutral [`ApiError`]s, so a malformed request gets
//! the vendor's error body and never axum's plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Map, Value};

use super::error::ApiError;

/// The request body as a JSON object. An empty body reads as `{}` (so required-field rules
/// report what is missing); malformed JSON or a non-object is a `BadRequest`; an oversized
/// body is `PayloadTooLarge`.
#[derive(Debug, Clone)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        parse_object(&body_bytes(req, state).await?).map(JsonObject)
    }
}

/// The request body (as the edge read it, when it did), or the neutral error for one too
/// large or unreadable.
async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    if let Some(read) = req
        .extensions()
        .get::<super::arrival::Arrival>()
        .and_then(|a| a.body.clone())
    {
        return Ok(read);
    }
    Bytes::from_request(req, state).await.map_err(|rej| {
        if rej.into_response().status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit: 0 }
        } else {
            ApiError::BadRequest {
                message: "The request body could not be read.".into(),
            }
        }
    })
}

/// Parses a body as a JSON object (empty or whitespace-only -> `{}`).
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::BadRequest {
            message: "The request body must be a JSON object.".into(),
        }),
        Err(_) => Err(ApiError::BadRequest {
            message: "The request body is not valid JSON.".into(),
        }),
    }
}

/// As [`JsonObject`], for operations that need a body: an empty body is a `BadRequest`
/// (never read as `{}`, which would make an all-null record).
#[derive(Debug, Clone)]
pub struct RequiredJsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for RequiredJsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::BadRequest {
                message: "The request body must be a JSON object.".into(),
            });
        }
        parse_object(&bytes).map(RequiredJsonObject)
    }
}

/// A file part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFile {
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub size: usize,
}

/// A form body: `multipart/form-data`, `application/x-www-form-urlencoded`, or (leniently)
/// a JSON object whose arrays become repeated fields. Field order is kept; repeated names are
/// kept; file parts are listed separately.
#[derive(Debug, Clone, Default)]
pub struct FormFields {
    pub fields: Vec<(String, String)>,
    pub files: Vec<FormFile>,
}

impl FormFields {
    /// The first value of `name` (or `name[]`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    /// Every value of `name` and `name[]`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        let bracketed = format!("{name}[]");
        self.fields
            .iter()
            .filter(|(k, _)| *k == name || *k == bracketed)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn json_scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let unreadable = |message: &str| ApiError::BadRequest {
            message: message.to_string(),
        };
        if content_type.starts_with("multipart/form-data") {
            let mut mp = axum::extract::Multipart::from_request(req, state)
                .await
                .map_err(|_| unreadable("The multipart body could not be read."))?;
            let mut out = FormFields::default();
            loop {
                let field = match mp.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => {
                        return Err(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            ApiError::PayloadTooLarge { limit: 0 }
                        } else {
                            unreadable("The multipart body could not be read.")
                        })
                    }
                };
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().map(str::to_string);
                let ctype = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let data = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        ApiError::PayloadTooLarge { limit: 0 }
                    } else {
                        unreadable("The multipart body could not be read.")
                    }
                })?;
                match file_name {
                    Some(f) => out.files.push(FormFile {
                        field: name,
                        file_name: f,
                        content_type: ctype,
                        size: data.len(),
                    }),
                    None => out
                        .fields
                        .push((name, String::from_utf8_lossy(&data).into_owned())),
                }
            }
            return Ok(out);
        }
        let bytes = body_bytes(req, state).await?;
        if content_type.starts_with("application/x-www-form-urlencoded") {
            return Ok(FormFields {
                fields: form_urlencoded::parse(&bytes)
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
                files: vec![],
            });
        }
        let obj = parse_object(&bytes)?;
        let mut fields = Vec::new();
        for (k, v) in obj {
            match v {
                serde_json::Value::Null => {}
                serde_json::Value::Array(items) => {
                    fields.extend(items.iter().map(|i| (k.clone(), json_scalar(i))))
                }
                other => fields.push((k, json_scalar(&other))),
            }
        }
        Ok(FormFields {
            fields,
            files: vec![],
        })
    }
}

/// The query string as ordered, percent-decoded pairs (repeated keys kept).
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl QueryPairs {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryPairs(
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Empty bodies read as `{}`; arrays and broken JSON are bad requests.
    #[test]
    fn parse_object_rules() {
        assert!(parse_object(b"  ").unwrap().is_empty());
        assert_eq!(parse_object(br#"{"a":1}"#).unwrap()["a"], 1);
        assert!(matches!(
            parse_object(b"[1]"),
            Err(ApiError::BadRequest { .. })
        ));
        assert!(matches!(
            parse_object(b"{nope"),
            Err(ApiError::BadRequest { .. })
        ));
    }
}
