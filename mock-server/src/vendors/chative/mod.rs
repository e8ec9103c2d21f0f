//! Chative.IO public API v1.0 (`https://api.chative.io/v1.0`), served at `/chative/v1.0`, on
//! `Host: api.chative.io`, or at the root of `--port chative=N`.
//!
//! # Fidelity
//! Source: seed 002 (Chative's public-API page) and the Chative research notes (`docs/sources.md`). The four
//! documented operations, stateful per account:
//! - `GET /contacts` with `page` and `limit`: contacts under a top-level `list` key (as the
//!   only real client reads them).
//! - `GET /contacts/{id}` (UUID ids), `PATCH /contacts/{id}`, `DELETE /contacts/{id}`; a
//!   deleted contact is 404 "Contact not found" afterwards.
//! - PATCH accepts only `firstName`, `lastName`, `email`, `gender`, `birthday`, `phone` and
//!   the account's custom fields, typed text / number / date / boolean: dates accept
//!   millisecond timestamps and ISO 8601, booleans `true`/`false` and `'true'`/`'false'`.
//!   Any other field, or a value of the wrong type, is a 400 naming it, and nothing changes.
//! - 401 "Missing token" without a bearer token, "Invalid token" for an unknown one; 404
//!   "Contact not found"; 429 code `rate_limited` "Rate limit exceeded. Retry in 1 minute."
//!   with `Retry-After`; 400 "Bad request" with details.
//!
//! # Known deviations (choices where the docs are silent)
//! - **Edges**: the stack is not known: a trailing slash is the 404 in Chative's shape; CORS
//!   mirrors the caller's origin (preflights need no key); a 405 carries `Allow`.
//! - **Webhooks** (`webhooks.rs`): event names `contact.created` / `contact.updated` and the
//!   body field `verify_token` were not recovered; chosen. A generated verify token is
//!   `vt_` + 24 hex characters.
//! - **Error body**: the docs give messages, not a shape. Every error is
//!   `{"code", "message"}` (codes `bad_request`, `missing_token`, `invalid_token`,
//!   `not_found`, `method_not_allowed`, `payload_too_large`, `rate_limited`,
//!   `internal_error`); 400s add `details: [{"field", "message"}]`.
//! - **Paging**: `page` is zero-based (the WordPress client starts at 0 and stops on an empty
//!   `list`); `limit` defaults to 20, at most 200 (the docs' "restricted to 200"); a negative
//!   page, a limit outside 1–200 or a non-integer is a 400. The envelope is
//!   `{"list", "total", "page", "limit"}` — only `list` is attested.
//! - **Contact shape**: `id`, `firstName`, `lastName`, `email`, `phone`, `gender`, `birthday`,
//!   `type` (Guest / Lead / Customer), `tags`, `customFields` (keyed by field key),
//!   `createdAt`, `updatedAt` (milliseconds). Only the first six names are attested.
//! - **Dates** are stored and returned as millisecond timestamps (the documented date rule);
//!   the docs' birthday example `1028221200` is therefore read as milliseconds.
//! - **Custom fields** may be sent top level (as the docs list them) or inside `customFields`;
//!   null clears a value. The seeded account has `VIP` (text), `orders` (number),
//!   `renewalDate` (date) and `newsletter` (boolean).
//! - **`gender`** accepts `male`, `female`, `other` or null; **`email`** must look like an
//!   address; **`phone`** is a string of digits and `+-() .` (a JSON integer is kept as its
//!   digits); an empty PATCH body is a 400.
//! - **Responses**: PATCH answers the updated contact; DELETE answers
//!   `{"id", "deleted": true}` (both 200, the only documented success code).
//! - **Rate limit**: not stated numerically; 60 requests per minute per account, fixed window,
//!   `Retry-After` on 429 and no other rate-limit headers.
//! - **Injected faults** of an undocumented status answer `{"code": <reason in snake case>,
//!   "message": <reason>}`, the shape of its documented errors.

pub mod catalogue;
pub mod consistency;
pub mod errors;
pub mod models;
pub mod routes;
pub mod seed;
pub mod webhooks;

use std::sync::Arc;

use crate::platform::auth::AuthScheme;
use crate::platform::clock::Clock;
use crate::platform::dialect::{
    Dialect, Framework, RateHeaders, SurfaceInfo, TrailingSlash, VendorMount,
};
use crate::platform::rate_limit::Window;
use crate::platform::store::VendorState;
use crate::platform::webhooks::Webhooks;

use models::ChativeState;

pub const VENDOR: &str = "chative";
pub const DEFAULT_TOKEN: &str = "chative-test-token";

/// All Chative state: one seeded [`ChativeState`] per account.
pub type Chative = VendorState<ChativeState>;

/// The Chative.IO v1.0 surface.
pub static DIALECT: Dialect = Dialect {
    info: SurfaceInfo {
        id: "chative",
        vendor: VENDOR,
        real_base_url: "https://api.chative.io/v1.0",
        real_path: "/v1.0",
        hosts: &["api.chative.io"],
        budget: "chative",
        auth: AuthScheme::Bearer,
        rate_headers: RateHeaders::RetryAfterOnly,
        source: "seed 002 + reference/chative.md",
        framework: Framework {
            name: "unknown",
            trailing_slash: TrailingSlash::NotFound,
            headers: &[],
        },
    },
    // Not stated as a number; the 429 says "Retry in 1 minute": 60 per minute.
    documented: &[Window {
        limit: 60,
        seconds: 60,
    }],
    render_error: errors::render,
    openapi: include_str!("../../../../fixtures/schemas/chative.openapi.json"),
    catalogue: catalogue::cases,
};

pub fn mount(seed: u64, clock: Clock, bus: Arc<Webhooks>) -> VendorMount {
    let backend = Arc::new(
        Chative::new(VENDOR, DEFAULT_TOKEN, clock, move || seed::build(seed))
            .with_bus(bus)
            .with_simulator(webhooks::simulate),
    );
    VendorMount {
        backend: backend.clone(),
        surfaces: vec![(&DIALECT, routes::router(backend))],
        webhooks: Some(&webhooks::SPEC),
    }
}
