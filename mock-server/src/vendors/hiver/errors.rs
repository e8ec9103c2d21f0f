//! Hiver error bodies. The docs give two shapes and no rule for which endpoint uses which:
//! `{"errors": [{"message": …}]}` and `{"Message": …}`. Here request problems (400, 404, 405,
//! 413, 500) use the first, and the gateway-level refusals (401 and 429) the second.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::platform::error::{ApiError, FieldError, Problem};

pub(crate) fn message(e: &FieldError) -> String {
    let f = &e.field;
    match &e.problem {
        Problem::Other(text) => text.clone(),
        Problem::Minimum { min, .. } => format!("{f} must be at least {min}"),
        Problem::Maximum { max, .. } => format!("{f} must be at most {max}"),
        Problem::Email => format!("{f} must be a valid email address"),
        Problem::Count { min, max } => format!("{f} must have between {min} and {max} items"),
        Problem::Missing { .. } => format!("{f} does not exist"),
        Problem::RequiredWhen { field, value } => {
            format!("{f} is required when {field} is {value}")
        }
        Problem::Required => format!("{f} is required"),
        Problem::Type { expected } => format!("{f} must be of type {expected}"),
        Problem::OneOf { allowed } => format!("{f} must be one of {}", allowed.join(", ")),
        Problem::Range { min, max } => format!("{f} must be between {min} and {max}"),
        Problem::Taken => format!("{f} already exists"),
        Problem::UnknownReference => format!("{f} does not exist"),
        Problem::TooLong { max } => format!("{f} must be at most {max} characters"),
        Problem::NotAllowed => format!("{f} is not allowed"),
    }
}

fn errors(status: StatusCode, messages: Vec<String>) -> (StatusCode, Value) {
    let list: Vec<Value> = messages
        .into_iter()
        .map(|m| json!({ "message": m }))
        .collect();
    (status, json!({ "errors": list }))
}

pub(crate) fn render(err: &ApiError) -> (StatusCode, Value) {
    match err {
        ApiError::Unauthenticated { .. } => {
            (StatusCode::UNAUTHORIZED, json!({"Message": "Unauthorized"}))
        }
        ApiError::RateLimited { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            json!({"Message": "Too Many Requests"}),
        ),
        ApiError::NotFound { resource, .. } => {
            errors(StatusCode::NOT_FOUND, vec![format!("{resource} not found")])
        }
        ApiError::RouteNotFound { .. } => errors(StatusCode::NOT_FOUND, vec!["Not found".into()]),
        ApiError::MethodNotAllowed { method, .. } => errors(
            StatusCode::METHOD_NOT_ALLOWED,
            vec![format!("Method {method} not allowed")],
        ),
        // A name already taken is a conflict, not a malformed request.
        ApiError::Validation(list) if list.iter().all(|e| e.problem == Problem::Taken) => {
            errors(StatusCode::CONFLICT, list.iter().map(message).collect())
        }
        ApiError::Validation(list) => {
            errors(StatusCode::BAD_REQUEST, list.iter().map(message).collect())
        }
        ApiError::BadRequest { message } => errors(StatusCode::BAD_REQUEST, vec![message.clone()]),
        ApiError::PayloadTooLarge { .. } => errors(
            StatusCode::PAYLOAD_TOO_LARGE,
            vec!["Request body too large".into()],
        ),
        ApiError::Conflict { message } => errors(StatusCode::CONFLICT, vec![message.clone()]),
        ApiError::Vendor {
            status, message, ..
        } => errors(*status, vec![message.clone()]),
        ApiError::Status { status } => {
            errors(*status, vec![ApiError::reason(*status).0.to_string()])
        }
        ApiError::Internal => errors(
            StatusCode::INTERNAL_SERVER_ERROR,
            vec!["Internal server error".into()],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both documented shapes are used: `Message` for 401/429, `errors[]` otherwise.
    #[test]
    fn shapes() {
        assert_eq!(
            render(&ApiError::Unauthenticated { missing: true }).1,
            json!({"Message": "Unauthorized"})
        );
        assert_eq!(
            render(&ApiError::RateLimited { retry_after: 1 }).1,
            json!({"Message": "Too Many Requests"})
        );
        assert_eq!(
            render(&ApiError::not_found("Inbox", 9)).1,
            json!({"errors": [{"message": "Inbox not found"}]})
        );
    }
}
