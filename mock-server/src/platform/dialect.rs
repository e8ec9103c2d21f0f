//! What a surface tells the shared machinery. Differences between vendors are values held
//! here (auth scheme, rate-limit policy and header style, error rendering, operation
//! catalogue), never `if vendor == …` in shared code. A vendor contributes a [`VendorMount`]:
//! its [`Backend`](super::store::Backend) and its surfaces.

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

use super::auth::AuthScheme;
use super::catalogue::Case;
use super::error::ApiError;
use super::rate_limit::{Policy, Window};

/// Which rate-limit headers a surface sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RateHeaders {
    /// None on success; only `Retry-After` on a 429.
    RetryAfterOnly,
    /// `x-ratelimit-limit` and `x-ratelimit-remaining` on every response that passed auth,
    /// and `Retry-After` on a 429.
    XRateLimit,
}

/// Static facts about one API surface.
#[derive(Debug, Clone, Serialize)]
pub struct SurfaceInfo {
    /// Surface id used in flags and the admin API, e.g. `acme` or `acme-v2`.
    pub id: &'static str,
    /// Vendor id: tokens and state are per vendor, shared by its surfaces.
    pub vendor: &'static str,
    /// The vendor's real base URL.
    pub real_base_url: &'static str,
    /// Path of the real base URL on the vendor's host (e.g. `/api/v20211124`); the mock serves
    /// the surface at `/{vendor}{real_path}` on the main port.
    pub real_path: &'static str,
    /// Hosts whose `Host` header routes to this surface without the prefix.
    pub hosts: &'static [&'static str],
    /// Rate-limit budget name; surfaces sharing one name share one budget per account.
    pub budget: &'static str,
    pub auth: AuthScheme,
    pub rate_headers: RateHeaders,
    /// Where the emulated behaviour comes from.
    pub source: &'static str,
    /// What the vendor's web framework does around the API (trailing slashes, headers).
    pub framework: Framework,
}

impl SurfaceInfo {
    /// The path prefix on the main port, e.g. `/acme/api/v2` for vendor `acme`, real path `/api/v2`.
    pub fn prefix(&self) -> String {
        format!("/{}{}", self.vendor, self.real_path)
    }
}

/// A surface's behaviour, as data: its facts, documented rate limit, error renderer, OpenAPI
/// document and operation catalogue. Each vendor declares one `const` per surface.
pub struct Dialect {
    pub info: SurfaceInfo,
    /// The documented rate limit (used in `documented` mode).
    pub documented: &'static [Window],
    /// The vendor's status and JSON body for a neutral error.
    pub render_error: fn(&ApiError) -> (StatusCode, Value),
    /// Path segments that name a collection, with the resource name the surface's own
    /// not-found errors use (`("customers", "Customer")`): an injected 404 on
    /// `/customers/7` then reads as the surface's own for a missing customer 7.
    pub resources: &'static [(&'static str, &'static str)],
    /// The surface's OpenAPI document (`fixtures/schemas/<surface>.openapi.json`).
    pub openapi: &'static str,
    /// Every documented operation with the requests that exercise it (reads first, then
    /// errors, then writes).
    pub catalogue: fn() -> Vec<Case>,
    /// The reads that stand for the surface where every surface is measured alike.
    pub representative: Representative,
    /// How `mockdesk snapshot` reads an account of this surface (`None`: not supported).
    pub snapshot: Option<&'static super::snapshot::SnapshotSpec>,
}

/// A surface's representative reads of the seeded `default` account (paths below the surface
/// root, any `--seed`): what the allocation budgets and `make bench` measure on every surface,
/// and `GET /__admin/surfaces` lists. Declared in the vendor's catalogue.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Representative {
    /// One record.
    pub record: &'static str,
    /// List pages.
    pub pages: &'static [&'static str],
    /// A write that stands for the surface's writes, and the reads of what it wrote: `make
    /// bench`'s mixed traffic (one write, four reads) and write rounds.
    pub write: Write,
}

/// A representative write: an update of a seeded record that leaves it valid for the next
/// (the same body again and again).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Write {
    pub method: &'static str,
    pub path: &'static str,
    /// The JSON body.
    pub body: &'static str,
    /// What is read back: the record, then a list page that holds it.
    pub reads: &'static [&'static str],
}

/// What a path with a trailing slash gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TrailingSlash {
    /// Served as the path without it (Laravel, Phoenix).
    Serve,
    /// GET/HEAD: 301 to the path without it; other methods: the vendor's 404 (Symfony).
    Redirect,
    /// The vendor's 404 (stack unknown: the strict choice).
    NotFound,
}

/// The vendor's web framework, as far as a client can see it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Framework {
    /// The framework's name where known (README and `GET /__admin/surfaces`).
    pub name: &'static str,
    pub trailing_slash: TrailingSlash,
    /// Headers the framework adds to every answer (e.g. Laravel's `cache-control`).
    pub headers: &'static [(&'static str, &'static str)],
}

impl Dialect {
    /// The record a path addresses, as the surface names it in a not-found error: the last
    /// `/{collection}/{id}` pair whose collection is in [`Dialect::resources`].
    pub fn record_of(&self, path: &str) -> Option<(&'static str, String)> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        segments.windows(2).rev().find_map(|pair| {
            self.resources
                .iter()
                .find(|(collection, _)| *collection == pair[0])
                .map(|(_, resource)| (*resource, pair[1].to_string()))
        })
    }

    pub fn info(&self) -> &SurfaceInfo {
        &self.info
    }

    pub fn documented_policy(&self) -> Policy {
        Policy {
            windows: self.documented.to_vec(),
        }
    }

    pub fn render_error(&self, err: &ApiError) -> (StatusCode, Value) {
        (self.render_error)(err)
    }

    pub fn openapi(&self) -> &'static str {
        self.openapi
    }

    pub fn catalogue(&self) -> Vec<Case> {
        (self.catalogue)()
    }
}

impl std::fmt::Debug for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialect").field("info", &self.info).finish()
    }
}

/// What a vendor contributes: its state (for the admin API) and its surfaces, each a dialect
/// plus a router whose paths are relative to the surface root.
pub struct VendorMount {
    pub backend: std::sync::Arc<dyn super::store::Backend>,
    pub surfaces: Vec<(&'static Dialect, super::routes::Routes)>,
    /// How the vendor pushes webhooks, if it does.
    pub webhooks: Option<&'static super::webhooks::WebhookSpec>,
}
