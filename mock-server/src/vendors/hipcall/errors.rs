//! Hipcall's error bodies. The v20211124 API is a Laravel application: every error body has a
//! `message` and, as the SDKs read it, an `errors` object. Validation errors list messages per
//! field in Laravel's wording; other errors put their message under `errors.detail`.

use axum::http::StatusCode;
use indexmap::IndexMap;
use serde_json::{json, Value};

use crate::platform::error::{ApiError, FieldError, Problem};

/// Laravel shows attribute names with underscores as spaces.
fn attribute(field: &str) -> String {
    field.replace('_', " ")
}

/// Laravel's default English validation message for one problem.
pub(crate) fn message(e: &FieldError) -> String {
    let a = attribute(&e.field);
    match &e.problem {
        Problem::Required => format!("The {a} field is required."),
        Problem::Type { expected } => match *expected {
            "string" => format!("The {a} must be a string."),
            "integer" => format!("The {a} must be an integer."),
            "boolean" => format!("The {a} field must be true or false."),
            "array" => format!("The {a} must be an array."),
            "date" => format!("The {a} is not a valid date."),
            "number" => format!("The {a} must be a number."),
            other => format!("The {a} must be of type {other}."),
        },
        Problem::OneOf { .. } | Problem::UnknownReference => {
            format!("The selected {a} is invalid.")
        }
        Problem::TooLong { max } => format!("The {a} must not be greater than {max} characters."),
        Problem::Range { min, max } => format!("The {a} must be between {min} and {max}."),
        Problem::NotAllowed => format!("The {a} field is prohibited."),
        Problem::Taken => format!("The {a} has already been taken."),
        Problem::Minimum { min, .. } => format!("The {a} must be at least {min}."),
        Problem::Maximum { max, .. } => format!("The {a} must not be greater than {max}."),
        Problem::Email => format!("The {a} must be a valid email address."),
        Problem::Count { min, max } => format!("The {a} must have between {min} and {max} items."),
        Problem::Missing { .. } => format!("The selected {a} is invalid."),
        Problem::RequiredWhen { field, value } => {
            format!("The {a} field is required when {field} is {value}.")
        }
        Problem::Other(text) => text.clone(),
    }
}

fn simple(status: StatusCode, text: &str) -> (StatusCode, Value) {
    (
        status,
        json!({"message": text, "errors": {"detail": [text]}}),
    )
}

/// Status and body for a neutral error.
pub(crate) fn render(err: &ApiError) -> (StatusCode, Value) {
    match err {
        ApiError::Unauthenticated { .. } => simple(StatusCode::UNAUTHORIZED, "Unauthenticated."),
        ApiError::NotFound { resource, id } => simple(
            StatusCode::NOT_FOUND,
            &format!("No query results for model [App\\Models\\{resource}] {id}"),
        ),
        ApiError::RouteNotFound { path, .. } => simple(
            StatusCode::NOT_FOUND,
            &format!("The route {path} could not be found."),
        ),
        // Laravel's MethodNotAllowedHttpException message.
        ApiError::MethodNotAllowed {
            method,
            path,
            allowed,
        } => simple(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!(
                "The {method} method is not supported for route api/v20211124/{path}. Supported methods: {}.",
                allowed.join(", ")
            ),
        ),
        ApiError::Validation(list) => {
            let mut errors: IndexMap<String, Vec<String>> = IndexMap::new();
            for e in list {
                errors.entry(e.field.clone()).or_default().push(message(e));
            }
            let first = list
                .first()
                .map(message)
                .unwrap_or_else(|| "The given data was invalid.".into());
            let more = list.len().saturating_sub(1);
            let summary = match more {
                0 => first,
                1 => format!("{first} (and 1 more error)"),
                n => format!("{first} (and {n} more errors)"),
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"message": summary, "errors": errors}),
            )
        }
        ApiError::BadRequest { message } => simple(StatusCode::BAD_REQUEST, message),
        ApiError::PayloadTooLarge { .. } => simple(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        ),
        ApiError::RateLimited { .. } => simple(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts."),
        ApiError::Conflict { message } => simple(StatusCode::CONFLICT, message),
        ApiError::Vendor {
            status, message, ..
        } => simple(*status, message),
        ApiError::Internal => simple(StatusCode::INTERNAL_SERVER_ERROR, "Server Error"),
        ApiError::Status { status } => simple(*status, ApiError::reason(*status).0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Validation errors group messages per field and summarise the count, Laravel style.
    #[test]
    fn validation_body() {
        let (status, body) = render(&ApiError::Validation(vec![
            FieldError::new("name", Problem::Required),
            FieldError::new("contact_ids.1", Problem::UnknownReference),
        ]));
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["message"],
            "The name field is required. (and 1 more error)"
        );
        assert_eq!(body["errors"]["name"][0], "The name field is required.");
        assert_eq!(
            body["errors"]["contact_ids.1"][0],
            "The selected contact ids.1 is invalid."
        );
    }

    /// Every error kind renders with a message and an `errors` object.
    #[test]
    fn every_kind_has_errors_key() {
        let kinds = [
            ApiError::Unauthenticated { missing: true },
            ApiError::not_found("Task", 9),
            ApiError::RateLimited { retry_after: 3 },
            ApiError::Internal,
        ];
        for k in kinds {
            let (_, body) = render(&k);
            assert!(body["message"].is_string());
            assert!(body["errors"].is_object());
        }
    }
}
