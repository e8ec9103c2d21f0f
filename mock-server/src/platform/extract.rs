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
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            let status = rej.into_response().status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit: 0 }
            } else {
                ApiError::BadRequest {
                    message: "The request body could not be read.".into(),
                }
            }
        })?;
        parse_object(&bytes).map(JsonObject)
    }
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
