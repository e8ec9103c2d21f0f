//! HelpCrunch error bodies, the newer documentation generation: `{"errors": [...]}` with
//! `{"code": "invalid_request", "message": "Invalid request"}` first, then the specific entry —
//! `unauthorized`, `not_found` naming the resource, `too_many_requests`, or one entry per
//! invalid field whose code is the field path (`customer`, `filter[0].field`) and whose message
//! is the Symfony validator's.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::platform::error::{ApiError, FieldError, Problem};

fn entry(code: &str, message: &str) -> Value {
    json!({"code": code, "message": message})
}

fn two(status: StatusCode, code: &str, message: &str) -> (StatusCode, Value) {
    (
        status,
        json!({"errors": [entry("invalid_request", "Invalid request"), entry(code, message)]}),
    )
}

/// The validator message for one field, and its code.
pub(crate) fn field_entry(e: &FieldError) -> Value {
    let text = match &e.problem {
        Problem::Required => "This value should not be blank.".to_string(),
        Problem::Type { expected } => match *expected {
            "integer" | "number" => "This value should be of type numeric.".into(),
            "boolean" => "This value should be of type bool.".into(),
            other => format!("This value should be of type {other}."),
        },
        Problem::OneOf { .. } => "The value you selected is not a valid choice.".into(),
        Problem::UnknownReference => "This value is not valid.".into(),
        Problem::TooLong { max } => {
            format!("This value is too long. It should have {max} characters or less.")
        }
        Problem::Range { min, max } if *max == i64::MAX => {
            format!("This value should be greater than or equal to {min}.")
        }
        Problem::Range { min, max } => format!("This value should be between {min} and {max}."),
        Problem::NotAllowed => "This field was not expected.".into(),
        Problem::Taken => {
            // The one documented per-field code: a duplicate userId on create.
            let leaf = e.field.rsplit('.').next().unwrap_or(&e.field);
            return entry(
                &format!("invalid_{leaf}_value"),
                &format!("Customer with this {leaf} already exists"),
            );
        }
        Problem::Minimum { min, .. } => {
            format!("This value should be greater than or equal to {min}.")
        }
        Problem::Maximum { max, .. } => {
            format!("This value should be less than or equal to {max}.")
        }
        Problem::Email => "This value is not a valid email address.".into(),
        Problem::Count { min: 0, max } => {
            let n = |k: usize| format!("{k} element{}", if k == 1 { "" } else { "s" });
            format!("This collection should contain {} or less.", n(*max))
        }
        Problem::Count { min, max } => {
            let n = |k: usize| format!("{k} element{}", if k == 1 { "" } else { "s" });
            format!(
                "This collection should contain {} or more and {} or less.",
                n(*min),
                n(*max)
            )
        }
        Problem::Missing { resource } => format!("{resource} not found"),
        Problem::RequiredWhen {
            field: "type",
            value: "private",
        } => "Private notes can only be posted by an agent.".into(),
        Problem::RequiredWhen { .. } => "This value should not be blank.".into(),
        Problem::Other(text) => text.clone(),
    };
    entry(&e.field, &text)
}

pub(crate) fn render(err: &ApiError) -> (StatusCode, Value) {
    match err {
        ApiError::Unauthenticated { .. } => {
            two(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
        }
        ApiError::NotFound { resource, .. } => two(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("{resource} not found"),
        ),
        ApiError::RouteNotFound { .. } => {
            two(StatusCode::NOT_FOUND, "not_found", "Route not found")
        }
        ApiError::MethodNotAllowed { .. } => two(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
        ),
        ApiError::Validation(list) => {
            let mut errors = vec![entry("invalid_request", "Invalid request")];
            errors.extend(list.iter().map(field_entry));
            (StatusCode::BAD_REQUEST, json!({ "errors": errors }))
        }
        ApiError::BadRequest { message } => two(StatusCode::BAD_REQUEST, "body", message),
        ApiError::PayloadTooLarge { .. } => two(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
        ),
        ApiError::RateLimited { .. } => two(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many requests",
        ),
        ApiError::Conflict { message } => two(StatusCode::CONFLICT, "conflict", message),
        ApiError::Vendor {
            code,
            status,
            message,
        } => (*status, json!({"errors": [entry(code, message)]})),
        // Server-side failures in the documented shape of every other error (a request
        // entry, then the reason).
        ApiError::Internal => two(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal server error",
        ),
        ApiError::Status { status } => {
            let (reason, code) = ApiError::reason(*status);
            two(*status, &code, reason)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented bodies: two-element arrays starting with invalid_request.
    #[test]
    fn documented_shapes() {
        let (s, b) = render(&ApiError::Unauthenticated { missing: true });
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_eq!(
            b,
            json!({"errors": [{"code": "invalid_request", "message": "Invalid request"}, {"code": "unauthorized", "message": "Unauthorized"}]})
        );
        let (_, b) = render(&ApiError::not_found("Chat", 5));
        assert_eq!(
            b["errors"][1],
            json!({"code": "not_found", "message": "Chat not found"})
        );
        let (_, b) = render(&ApiError::Validation(vec![
            FieldError::new(
                "customer",
                Problem::Type {
                    expected: "integer",
                },
            ),
            FieldError::new("filter[0].field", Problem::Required),
        ]));
        assert_eq!(
            b["errors"][1],
            json!({"code": "customer", "message": "This value should be of type numeric."})
        );
        assert_eq!(
            b["errors"][2],
            json!({"code": "filter[0].field", "message": "This value should not be blank."})
        );
        let (_, b) = render(&ApiError::invalid("userId", Problem::Taken));
        assert_eq!(b["errors"][1]["code"], "invalid_userId_value");
    }
}
