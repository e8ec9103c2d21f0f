//! Neutral error kinds. Models and shared machinery return [`ApiError`]; it is never
//! rendered directly. Its `IntoResponse` only parks the error in the response extensions,
//! and the surface's error layer (see [`crate::platform::surface`]) renders it in the
//! vendor's own body shape through [`crate::platform::dialect::Dialect::render_error`].

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What was wrong with one input field, without any vendor wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The field is required and absent (or null where null is not allowed).
    Required,
    /// The field has the wrong JSON type; `expected` is a neutral type name
    /// (`string`, `integer`, `boolean`, `array`, `object`, `number`, `date`).
    Type { expected: &'static str },
    /// The value is of the right type but not one of the allowed values.
    OneOf { allowed: Vec<String> },
    /// A referenced record does not exist (`exists` style validation).
    UnknownReference,
    /// A string is longer than allowed.
    TooLong { max: usize },
    /// A number or list size is outside the allowed range.
    Range { min: i64, max: i64 },
    /// A number is below its inclusive minimum.
    Minimum { min: i64, value: i64 },
    /// A number is above its inclusive maximum.
    Maximum { max: i64, value: i64 },
    /// The field is not accepted by this operation.
    NotAllowed,
    /// The value is already taken by another record.
    Taken,
    /// A string that should be an email address is not one.
    Email,
    /// A list has fewer than `min` or more than `max` items.
    Count { min: usize, max: usize },
    /// The record this item addresses does not exist (a 404 inside a batch).
    Missing { resource: &'static str },
    /// Required because another field has a given value (e.g. an author for a private note).
    RequiredWhen {
        field: &'static str,
        value: &'static str,
    },
    /// Free text, for rules no other kind covers.
    Other(String),
}

/// One invalid field: a path (as the vendor names it, e.g. `contact_ids.1`) and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        Self {
            field: field.into(),
            problem,
        }
    }
}

/// The neutral error kinds every surface knows how to render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("unauthenticated (missing credentials: {missing})")]
    Unauthenticated { missing: bool },
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    #[error("no route for {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("method {method} not allowed on {path}")]
    MethodNotAllowed {
        method: String,
        path: String,
        /// The methods the path supports (filled in from the surface's OpenAPI document).
        allowed: Vec<String>,
    },
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// The request could not be read at all (malformed JSON, wrong content type).
    #[error("bad request: {message}")]
    BadRequest { message: String },
    #[error("body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("rate limited, retry after {retry_after}s")]
    RateLimited { retry_after: u64 },
    #[error("conflict: {message}")]
    Conflict { message: String },
    /// A vendor-specific error a model wants rendered with its own code and status.
    #[error("{code}: {message}")]
    Vendor {
        code: String,
        status: StatusCode,
        message: String,
    },
    #[error("internal error")]
    Internal,
    /// A failure of this status with nothing particular to say (an injected fault): each
    /// dialect answers it in the form its own errors of that kind take.
    #[error("status {status}")]
    Status { status: StatusCode },
}

impl ApiError {
    /// The reason phrase of a [`ApiError::Status`] (`Service Unavailable`) and its snake-case
    /// code (`service_unavailable`), for dialects that show both.
    pub fn reason(status: StatusCode) -> (&'static str, String) {
        let reason = status.canonical_reason().unwrap_or("Error");
        (reason, reason.to_ascii_lowercase().replace([' ', '-'], "_"))
    }
}

impl ApiError {
    pub fn not_found(resource: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            resource,
            id: id.to_string(),
        }
    }

    pub fn invalid(field: impl Into<String>, problem: Problem) -> Self {
        Self::Validation(vec![FieldError::new(field, problem)])
    }

    /// A request that is malformed below the vendor's own validation (an undecodable path
    /// parameter, a stray client error from a framework layer, an injected 400).
    pub fn not_understood() -> Self {
        Self::BadRequest {
            message: "The request could not be understood.".into(),
        }
    }

    /// The status code this kind maps to unless a dialect says otherwise.
    pub fn default_status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::NotFound { .. } | Self::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Vendor { status, .. } => *status,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Status { status } => *status,
        }
    }
}

/// Marker placed in response extensions; the surface error layer renders it.
#[derive(Debug, Clone)]
pub struct PendingError(pub ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = self.default_status().into_response();
        res.extensions_mut().insert(PendingError(self));
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
