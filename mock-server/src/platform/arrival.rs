//! What the layers learn about a request on its way in ([`Arrival`], one request extension),
//! and the extractors that read it: the [`Account`] the guard accepted and the routed path's
//! parameters ([`Path`]). Below the surface, the guard and the route table, so none of them
//! needs another to reach it.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::Uri;

use super::auth::Account;
use super::error::ApiError;
use super::routes::{FromParams, Params, Path};

/// What the layers learn about a request on its way in, in one request extension (each
/// extension is an allocation, and the map grows past three): the URI as the client sent it,
/// the prefix it used, and the account it authenticated as.
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    /// The URI before the main port stripped the surface's path prefix (`None`: unchanged).
    pub original: Option<Uri>,
    /// The path prefix the client used to reach the surface: the vendor's real base path when
    /// `Host` routing rewrote the request, mockdesk's `/{vendor}{real path}` otherwise (set
    /// by the edge when routing set none).
    pub(crate) base: Option<Arc<str>>,
    /// Set by the guard once the credential is accepted.
    pub account: Option<Account>,
    /// The routed path's parameters, for [`Path`].
    pub params: Option<Params>,
    /// The request body the edge read (a non-empty one), for the platform's body extractors:
    /// they take it from here instead of collecting the request's body again.
    pub(crate) body: Option<axum::body::Bytes>,
}

impl Arrival {
    /// The request's arrival record, added if no layer has added it yet.
    pub fn of(req: &mut Request) -> &mut Arrival {
        req.extensions_mut().get_or_insert_default::<Arrival>()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Account {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Arrival>()
            .and_then(|a| a.account.clone())
            .ok_or(ApiError::Unauthenticated { missing: true })
    }
}

impl<T: FromParams, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let params = parts
            .extensions
            .get::<Arrival>()
            .and_then(|a| a.params)
            // A handler asking for parameters its route does not have: a bug, not the client's.
            .ok_or(ApiError::Internal)?;
        let (values, count) = params.decoded(parts.uri.path())?;
        T::from_params(values, count)
            .map(Path)
            .ok_or(ApiError::Internal)
    }
}
